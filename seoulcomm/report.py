"""Render one report: papermill runs the notebook, nbconvert writes the HTML, :mod:`seoulcomm.xlsx` the xlsx.

:func:`render` is the one function that turns parameters into a report, in this process.
It runs the notebook with papermill's Python API through a notebook executor — on a
``python3`` kernel (:class:`seoulcomm.kernel.OnKernel`, the default, as the papermill CLI and
JupyterLab run it) or cell by cell in this process (:class:`seoulcomm.engine.InProcess`; the
HTML is byte for byte the same) — reads the tables and the headline the notebook emits as
JSON display outputs, and writes beside each other::

    <out>/<year>/<division>.html   the report (self-contained, loads nothing from the network)
    <out>/<year>/<division>.xlsx   its tables, one sheet per table

Every file is written to a temporary file in the same folder and renamed into place, so a
reader never sees half a file and a failed run leaves the last good report as it was. A
failed run keeps its executed notebook as ``<name>.failed.ipynb`` for debugging.

Where reports run (here, in forked warm processes, on Dask) is the caller's choice of a
runner (:mod:`seoulcomm.runners`), which calls :func:`render` where it runs.

Heavy libraries (papermill, nbconvert, pandas) are imported where they are used: a
batch build with nothing to do never loads them.
"""
from __future__ import annotations

import base64
import json
import os
import re
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from . import __version__, epoch, paths, publish, safefile, xlsx
from .errors import UsageError
from .kernel import OnKernel
from .params import Report, check

#: Display-output mimetypes the notebooks emit (see display.py) and this module reads.
TABLE_MIME = "application/vnd.seoulcomm.table+json"
HEADLINE_MIME = "application/vnd.seoulcomm.headline+json"
#: The notebook's read log (``{"reads": [{"table": ..., "where": {...}}, ...]}``).
READS_MIME = "application/vnd.seoulcomm.reads+json"
#: nbconvert template (``seoulcomm/templates/report``).
TEMPLATE = "report"


@dataclass
class RenderResult:
    """What one render produced.

    Attributes
    ----------
    name : the report's name (``2016/city-brand``).
    output : the HTML's path relative to the output folder.
    ok : the notebook ran and the HTML and xlsx were written.
    html, xlsx : absolute paths of the files written (``None`` when the run failed).
    headline : the notebook's headline (title, figures, as_of, sources), when it ran.
    tables : number of tables written to the xlsx.
    seconds : wall time of the render [s].
    cpu : CPU time (user + system) of the report's own process [s], when it ran forked.
    reads : what the run read, from the notebook's read log (:data:`READS_MIME`): entries
        ``{"table": name, "where": {column: value}}`` (see :func:`seoulcomm.load.digest_reads`).
    digest : the digest of those rows, when the process that ran the report computed it
        (the batch's report processes do: the build then need not).
    error : on failure: ``cell`` (1-based position in the executed notebook, or ``None``),
        ``source`` (the cell's first line), ``ename`` and ``evalue`` (the exception).
    failed_notebook : the executed notebook kept for debugging, on failure.
    """

    name: str
    output: str
    ok: bool
    html: str | None = None
    xlsx: str | None = None
    headline: dict | None = None
    tables: int = 0
    seconds: float = 0.0
    cpu: float = 0.0
    reads: list = field(default_factory=list)
    digest: str | None = None
    error: dict | None = None
    failed_notebook: str | None = None

    @property
    def message(self) -> str:
        """The failure in one line: failing cell and exception message (empty when ok)."""
        if self.ok or not self.error:
            return ""
        e = self.error
        where = f"셀 {e['cell']}" if e.get("cell") else "실행"
        if e.get("source"):
            where += f" ({e['source']})"
        return f"{where}에서 {e.get('ename') or '오류'}: {e.get('evalue') or ''}".strip()

    def to_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------- notebook outputs

def _outputs(nb, mimetype: str) -> list:
    found = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") in ("display_data", "execute_result"):
                data = output.get("data", {})
                if mimetype in data:
                    value = data[mimetype]
                    # plain JSON, not nbformat's NotebookNode: results travel between processes
                    found.append(json.loads(value if isinstance(value, str) else json.dumps(value)))
    return found


def tables_of(nb) -> list[dict]:
    """The tables an executed notebook emitted (``application/vnd.seoulcomm.table+json``)."""
    return _outputs(nb, TABLE_MIME)


def headline_of(nb) -> dict:
    """The one headline an executed notebook emitted.

    Raises
    ------
    ValueError : none or more than one.
    """
    found = _outputs(nb, HEADLINE_MIME)
    if len(found) != 1:
        raise ValueError(f"보고서에는 핵심 수치(headline)가 하나 있어야 합니다 — {len(found)}개 있음")
    return found[0]


def reads_of(nb) -> list[dict]:
    """The read log an executed notebook emitted (``application/vnd.seoulcomm.reads+json``):
    every entry of every such output, in order, each once."""
    found: list[dict] = []
    for block in _outputs(nb, READS_MIME):
        for entry in block.get("reads", []) if isinstance(block, dict) else []:
            if entry not in found:
                found.append(entry)
    return found


def _drop_json_outputs(nb) -> None:
    """Take the table, headline and reads JSON out of ``nb`` once read: the page never shows them."""
    ours = {TABLE_MIME, HEADLINE_MIME, READS_MIME}
    for cell in nb.cells:
        if cell.get("outputs"):
            kept = []
            for output in cell.outputs:
                data = output.get("data")
                if data is not None and ours & set(data):
                    for mimetype in ours:
                        data.pop(mimetype, None)
                    if not data:
                        continue
                kept.append(output)
            cell.outputs = kept


def write_xlsx(tables: list[dict], path: Path, *, when=None) -> None:
    """Write ``tables`` to ``path`` atomically: see :func:`seoulcomm.xlsx.write_xlsx`."""
    xlsx.write_xlsx(tables, path, when=when)


_EXPORTER = None
_EXPORT_LOCK = threading.Lock()  # one exporter per process; a Dask worker runs threads


def warm_up() -> None:
    """Import what rendering needs and compile the template ahead (a worker's first report
    then costs no more than the next)."""
    import nbformat  # noqa: F401
    import papermill  # noqa: F401

    with _EXPORT_LOCK:
        _exporter()


def rehearse() -> None:
    """Fill, once, the caches a report's first page fills (nbconvert's and the table
    templates, the page's CSS selectors and markdown rules, the Korean font, the workbook's
    styles): a tiny page of one table, one chart and one markdown cell, rendered and thrown
    away. A process that forks reports calls it first, so each report starts warm. Nothing
    of it is written anywhere; a failure here only leaves the caches cold."""
    import nbformat
    import pandas as pd
    from matplotlib.figure import Figure

    from . import plot
    from .display import Headline, Table, figure

    frame = pd.DataFrame({"unit_name": ["계", "부서"], "budget": [2_000_000, 1_000_000],
                          "execution_rate": [50.0, 12.5]})
    outputs = []
    for item in (Headline("예행", [figure("예산", 2, "백만원", note="예행")], None, [], ""),
                 Table(frame, ["unit_name", "budget", "execution_rate"], sheet="예행", title="예행",
                       unit="백만원", source="예행", context="divisions", notes=["예행."])):
        outputs.append(nbformat.v4.new_output("display_data", data=item._repr_mimebundle_()))
    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.add_subplot()
    ax.barh([0, 1], [1, 2], label="예산")
    ax.set_title("예행 집행률 (2016. 4. 8.)")
    fig.legend(loc="outside lower center")
    outputs.append(nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(plot.png(fig)).decode()}))
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## 1. 예행\n\n- **예행** 목록\n  - 하위 `항목`"),
        nbformat.v4.new_code_cell("", outputs=outputs)])
    headline, tables = headline_of(nb), tables_of(nb)
    _drop_json_outputs(nb)
    to_html(nb, title="예행", xlsx="예행.xlsx", index="index.html", headline=headline)
    with tempfile.TemporaryDirectory(prefix="seoulcomm-rehearse-") as tmp:
        write_xlsx(tables, Path(tmp) / "예행.xlsx")


def _exporter():
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

        class PageExporter(HTMLExporter):
            """nbconvert's HTML exporter without its last pass, which parses the whole page
            (its images too) with BeautifulSoup to give an ``<img>`` without ``alt`` a stock
            English one and JupyterLab's input and output boxes a tab stop, then writes the
            page out again: the report template gives every image its Korean ``alt`` and has
            no such boxes."""

            def from_notebook_node(self, nb, resources=None, **kw):
                info = nb.metadata.get("language_info", {})
                lexer = info.get("pygments_lexer", info.get("name"))
                resources = self._init_resources(resources)
                self.register_filter("highlight_code", self.filters.get(
                    "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
                self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                    notebook_metadata=self._nb_metadata, parent=self, resources=resources))
                return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

        _EXPORTER = PageExporter(
            template_name=TEMPLATE,
            extra_template_basedirs=[str(paths.TEMPLATES_DIR)],
            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
        )
    return _EXPORTER


def to_html(nb, *, title: str, xlsx: str | None = None, index: str | None = None,
            headline: dict | None = None) -> str:
    """The executed notebook as one offline HTML page (code hidden, lean template).

    Parameters
    ----------
    nb : executed notebook.
    title : the page's ``<title>``.
    xlsx : relative link to the spreadsheet beside the page.
    index : relative link to the index page.
    headline : the notebook's headline; its ``as_of`` and ``sources`` go in the footer.
    """
    headline = headline or {}
    sources = headline.get("sources") or []
    meta = {
        "title": title, "xlsx": xlsx, "index": index, "version": __version__,
        "as_of": headline.get("as_of"),
        "sources": [sources] if isinstance(sources, str) else list(sources),
    }
    with _EXPORT_LOCK:
        body, _ = _exporter().from_notebook_node(nb, resources={"seoulcomm": meta})
    return _CHAR_REF.sub(_plain_char, body)


#: A character written as a numeric reference (``&#50696;``, ``&#x27;``).
_CHAR_REF = re.compile(r"&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));")


def _plain_char(match) -> str:
    """The character itself where it needs no reference: a Korean heading's letters
    (nbconvert writes its heading anchors out in ASCII) and an apostrophe (every attribute
    here is in double quotes). ``<``, ``>``, ``&``, ``"`` and control characters stay as
    they were written."""
    number = int(match.group(1)) if match.group(1) else int(match.group(2), 16)
    if number == 0x27 or (0xA0 <= number <= 0x10FFFF and not 0xD800 <= number <= 0xDFFF):
        return chr(number)
    return match.group(0)


# --------------------------------------------------------------------------- render

def _as_report(report_or_kind, parameters, data_dir) -> Report:
    if isinstance(report_or_kind, Report):
        return report_or_kind
    if not isinstance(report_or_kind, str):
        raise TypeError(f"render() takes a Report or a report kind, not {report_or_kind!r}")
    from .load import load_all  # pandas: a build with nothing to do never imports it

    checked = check(report_or_kind, dict(parameters or {}), load_all(data_dir))
    return Report.of(report_or_kind, checked)


def _inside(root: Path, path: Path) -> Path:
    resolved = path.resolve()
    if resolved != root and root not in resolved.parents:
        raise UsageError(f"출력 경로가 출력 폴더 밖입니다: {resolved}")
    return resolved


def render(report_or_kind, parameters: dict | None = None, out_dir=None, *, data_dir=None,
           notebooks_dir=None, execute=None) -> RenderResult:
    """Render one report in this process: notebook → HTML + xlsx in ``out_dir``.

    Parameters
    ----------
    report_or_kind : a :class:`seoulcomm.params.Report`, or a kind (``division``,
        ``office``, ``program``) with ``parameters``.
    parameters : the kind's parameters (``{"division": "city-brand", "year": 2016}``);
        ignored when a Report is given. Checked against the data.
    out_dir : output folder (default: ``reports/``); the report goes to the path the layout
        gives (``<year>/<division>.html``, ...).
    data_dir : data folder (default: ``data/``), passed to the notebook as ``data_dir``.
    notebooks_dir : folder of the notebooks (default: ``notebooks/``).
    execute : how the notebook runs, always through papermill: a notebook executor,
        :class:`seoulcomm.kernel.OnKernel` (the default: a ``python3`` kernel, as the papermill
        CLI and JupyterLab run it) or :class:`seoulcomm.engine.InProcess` (the cells in this
        process). To run reports in forked warm processes or on Dask, pick a runner of
        :mod:`seoulcomm.runners` instead.

    Returns
    -------
    RenderResult : ``ok`` False when the notebook failed; the previous HTML and xlsx are
        then untouched and the executed notebook is kept as ``<name>.failed.ipynb``.

    Raises
    ------
    UsageError : unknown kind or parameters (nothing is run or written).
    """
    import nbformat  # (heavy) a build with nothing to do never imports it

    started = time.perf_counter()
    if data_dir is None and isinstance(parameters, dict) and parameters.get("data_dir"):
        data_dir = parameters["data_dir"]
    report = _as_report(report_or_kind, parameters, data_dir)
    execute = execute if execute is not None else OnKernel()
    root = Path(out_dir if out_dir is not None else paths.DEFAULT_REPORTS_DIR).resolve()
    html_path = _inside(root, root / report.output)
    xlsx_path = html_path.with_suffix(".xlsx")
    failed_path = html_path.with_suffix(".failed.ipynb")
    safefile.make_dirs(root, html_path.parent.relative_to(root))  # never through a link
    folder = str(paths.data_dir(data_dir))
    notebook = Path(notebooks_dir) / f"{report.kind}.ipynb" if notebooks_dir else report.notebook
    result = RenderResult(report.name, report.output, ok=False)

    executed = publish.temp_beside(html_path, ".ipynb") if execute.saves_notebook else None
    nb, error = None, None
    try:
        nb, error = execute(notebook, {**report.parameters, "data_dir": folder}, executed)
    except Exception as exc:  # the kernel died, timed out, or the notebook could not be read
        error = {"cell": None, "source": "", "ename": type(exc).__name__,
                 "evalue": str(exc).strip().splitlines()[-1] if str(exc).strip() else ""}
    if nb is not None:  # the notebook's own read log (its footer emits it)
        result.reads = reads_of(nb)

    if error is None:
        try:
            headline = headline_of(nb)
            tables = tables_of(nb)
            xlsx_name = xlsx_path.name
            index = os.path.relpath(root / "index.html", html_path.parent).replace(os.sep, "/")
            # the workbook's time is the data's (the documents this report cites), not the clock's
            from .load import load_all  # pandas, as above

            when = epoch.source_time(load_all(folder), epoch.cited_documents(result.reads))
            _drop_json_outputs(nb)
            page = to_html(nb, title=str(headline.get("title") or report.name), xlsx=xlsx_name,
                           index=index, headline=headline)
            # HTML and workbook change together or not at all
            publish.publish_together([
                (xlsx_path, lambda tmp: write_xlsx(tables, tmp, when=when)),
                (html_path, lambda tmp: tmp.write_bytes(page.encode("utf-8")))])
        except Exception as exc:
            error = {"cell": None, "source": "", "ename": type(exc).__name__, "evalue": str(exc)}
        else:
            result.ok, result.headline, result.tables = True, headline, len(tables)
            result.html, result.xlsx = str(html_path), str(xlsx_path)
            failed_path.unlink(missing_ok=True)

    if error is not None:
        result.error = error
        try:  # never a notebook cut short by a full disk
            if executed is not None and executed.exists() and publish.is_whole_notebook(executed):
                publish.publish(executed, failed_path)
                result.failed_notebook = str(failed_path)
            elif nb is not None:
                publish.write_atomic(failed_path, nbformat.writes(nb))
                result.failed_notebook = str(failed_path)
        except OSError:
            pass
    if executed is not None:
        executed.unlink(missing_ok=True)
    result.seconds = round(time.perf_counter() - started, 3)
    return result
