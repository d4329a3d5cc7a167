"""Adversarial input (issue 6): parameters that try to escape the output folder, and data
texts that try to become markup in the reports.

1. **Parameters**: ``../../x``, absolute paths, empty strings and unknown names for
   ``division``, ``year`` and ``program`` — through :func:`seoulcomm.params.check` (any text,
   with hypothesis), :func:`seoulcomm.report.render` and a real notebook run — and for
   ``--only`` (and ``--jobs``, ``--data``, ``--out``) on the command line: refused with
   :class:`UsageError` or exit 2, with the valid values listed and nothing written anywhere.
   Identifiers in the *data* (a division or program slug ``../../escape``) are refused too.
   ``--out`` is the user's choice and is honoured, odd characters and all.
2. **Markup in data**: a copy of ``data/`` whose texts hold ``<script>``, ``"><img onerror>``,
   markdown links to ``javascript:`` and ``**<b>bold</b>**`` is built; the report HTML and
   index.html are parsed (``html.parser``) and must hold those texts as visible text, never
   as a live element or attribute, and opening the pages in Chromium raises no dialog. A
   text starting with ``=`` stays text in the workbook (no formula injection).
"""
from __future__ import annotations

import csv
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from seoulcomm import UsageError, params, paths
from seoulcomm.errors import SeoulcommError

from conftest import DATA_DIR

FAST = settings(max_examples=150, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])

#: Names that try to leave the output folder or name nothing (a division's own Korean name,
#: 뉴미디어담당관, stands for its slug: see test_input.py; ``{abs}`` becomes an absolute
#: path inside the test's own tmp folder, so a bug writes there, never into /etc).
ESCAPES = [
    "../../x", "../x", "..", ".", "/etc/passwd", "{abs}", "", " ", "x/../../y",
    "new-media/../../x", "new-media/", "~/x", "C:\\Windows\\x", "\\\\server\\share\\x",
    "new-media\x00", "NEW-MEDIA", " new-media", "new_media", "뉴미디어담당관x", "%2e%2e%2fx",
    "file:///etc/passwd", "*", "new-media.html",
]
#: What ``year`` must refuse, besides the texts above.
BAD_YEARS = [2014, 2017, 0, -2016, 20160, 2016.5, True, None, "2016/../..", "../2016",
             "16", "2016년", "MMXVI", float("nan"), [2016], {"year": 2016}]


def _valid(dataset) -> dict[str, list]:
    return params.valid_values(dataset)


def _fill(value, tmp_path: Path):
    return str(tmp_path / "abs-victim") if value == "{abs}" else value


def _tree(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


# ----------------------------------------------------------- parameters through the API


@pytest.mark.parametrize("value", ESCAPES)
@pytest.mark.parametrize("kind, key", [("division", "division"), ("program", "program")])
def test_check_refuses_names_that_are_not_in_the_data(dataset, tmp_path, kind, key, value):
    parameters = {"division": {"year": 2016}, "program": {}}[kind] | {key: _fill(value, tmp_path)}
    with pytest.raises(UsageError) as refused:
        params.check(kind, parameters, dataset)
    for valid in _valid(dataset)[key]:  # the message lists what would have worked
        assert valid in str(refused.value)


@pytest.mark.parametrize("value", ESCAPES + BAD_YEARS, ids=repr)
@pytest.mark.parametrize("kind", ["division", "office"])
def test_check_refuses_bad_years(dataset, tmp_path, kind, value):
    parameters = {"year": _fill(value, tmp_path)}
    if kind == "division":
        parameters["division"] = "new-media"
    with pytest.raises(UsageError) as refused:
        params.check(kind, parameters, dataset)
    for year in _valid(dataset)["year"]:
        assert str(year) in str(refused.value)


@pytest.mark.parametrize("kind, parameters", [
    ("division", {"division": "new-media", "year": 2016, "output": "../../x.html"}),
    ("division", {"division": "new-media", "year": 2016, "out_dir": "/tmp"}),
    ("office", {"year": 2016, "division": "new-media"}),
    ("division", {"year": 2016}),
    ("division", {"division": "new-media"}),
    ("program", {}),
    ("../../x", {"year": 2016}),
    ("", {}),
    ("report", {"year": 2016}),
])
def test_check_refuses_unknown_parameters_and_kinds(dataset, kind, parameters):
    with pytest.raises(UsageError):
        params.check(kind, parameters, dataset)


_TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-./\\~:% \x00", max_size=30),
    st.sampled_from(ESCAPES),
)


@FAST
@given(division=_TEXT, year=st.one_of(st.integers(), st.text(max_size=8), st.floats(), st.none()))
@example(division="new-media", year=2016)
@example(division="city-brand", year="2015")
def test_check_returns_a_known_report_or_refuses(dataset, division, year):
    """Whatever the values: UsageError, or a report the data knows whose path stays inside."""
    valid = _valid(dataset)
    try:
        checked = params.check("division", {"division": division, "year": year}, dataset)
    except UsageError as exc:
        assert "가능한 값" in str(exc) or "파일 이름" in str(exc)
        return
    assert checked["division"] in valid["division"] and checked["year"] in valid["year"]
    output = params.Report.of("division", checked).output
    root = Path("/srv/reports")
    assert (root / output).resolve().is_relative_to(root)
    assert output == f"{checked['year']}/{checked['division']}.html"


@FAST
@given(program=_TEXT)
@example(program="social-media")
def test_check_program_returns_a_known_program_or_refuses(dataset, program):
    try:
        checked = params.check("program", {"program": program}, dataset)
    except UsageError as exc:
        assert "social-media" in str(exc)
        return
    assert checked["program"] in _valid(dataset)["program"]
    assert params.Report.of("program", checked).output == f"programs/{checked['program']}.html"


@FAST
@given(pattern=_TEXT)
@example(pattern="2016/*")
@example(pattern="*")
def test_only_patterns_select_reports_or_refuse(dataset, pattern):
    """``--only``: a pattern selects some of the reports there are, or is refused."""
    every = params.reports(ds=dataset)
    try:
        chosen = params.select(every, [pattern])
    except UsageError:
        return
    assert chosen and all(r in every for r in chosen)
    assert ".." not in pattern.split("/") and not pattern.startswith("/")


@pytest.mark.parametrize("value", ["../../x", "{abs}", "", "no-such-division"])
def test_render_refuses_before_running_or_writing_anything(tmp_path, value):
    report = pytest.importorskip("seoulcomm.report")
    out = tmp_path / "out"
    with pytest.raises(UsageError):
        report.render("division", {"division": _fill(value, tmp_path), "year": 2016}, out)
    with pytest.raises(UsageError):
        report.render("program", {"program": _fill(value, tmp_path)}, out)
    with pytest.raises(UsageError):
        report.render("office", {"year": _fill(value, tmp_path)}, out)
    assert _tree(tmp_path) == set(), "something was written"


@pytest.mark.parametrize("data_dir", ["../../x", "{abs}", "/etc"])
def test_render_refuses_a_data_dir_that_is_not_one(tmp_path, data_dir):
    report = pytest.importorskip("seoulcomm.report")
    with pytest.raises(SeoulcommError):
        report.render("office", {"year": 2016}, tmp_path / "out", data_dir=_fill(data_dir, tmp_path))
    assert _tree(tmp_path) == set()


# ------------------------------------------------------------ parameters in a notebook run


def _run_notebook(kind: str, parameters: dict, tmp_path: Path):
    """Run ``notebooks/<kind>.ipynb`` with papermill; return the PapermillExecutionError."""
    notebook = paths.notebook(kind)
    if not notebook.exists():
        pytest.skip(f"{notebook.name} is not there yet")
    import papermill
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as failed:
        papermill.execute_notebook(str(notebook), str(tmp_path / "run.ipynb"), parameters=parameters,
                                   cwd=str(paths.NOTEBOOKS_DIR), progress_bar=False, log_output=False,
                                   kernel_name="python3")
    return failed.value


@pytest.mark.parametrize("kind, parameters, listed", [
    ("division", {"division": "../../x", "year": 2016}, ["new-media", "city-brand"]),
    ("office", {"year": "/etc/passwd"}, ["2015", "2016"]),
    ("program", {"program": ""}, ["social-media"]),
])
def test_notebook_stops_at_once_on_a_bad_parameter(tmp_path, kind, parameters, listed):
    import nbformat

    error = _run_notebook(kind, parameters, tmp_path)
    assert error.ename == "UsageError"
    assert all(v in error.evalue for v in listed)
    executed = nbformat.read(tmp_path / "run.ipynb", as_version=4)
    code = [c for c in executed.cells if c.cell_type == "code"]
    failing = next(i for i, c in enumerate(code) if any(o.get("output_type") == "error" for o in c.outputs))
    # It stops before any table or chart: only the parameters (and papermill's injected
    # parameters) and imports come before the check.
    shown = [o for c in code[:failing] for o in c.outputs if o.get("output_type") != "stream"]
    assert shown == []
    assert all(c.get("execution_count") is None for c in code[failing + 1:])
    assert not any(tmp_path.glob("**/*.html")) and not any(tmp_path.glob("**/*.xlsx"))


# ------------------------------------------------------------- parameters on the CLI


def _build_args(out: Path, *extra: str) -> list[str]:
    return ["build", "--out", str(out), *extra]


@pytest.mark.parametrize("pattern", [
    "../../x", "..", "/etc/passwd", "{abs}", "", " ", "2016/../../x", "*/../*", "~/x",
    "C:\\x", "\\\\server\\share", "2099/*", "no-such-report", "2016/new-media.html",
    "2016/new-media/", "NEW-MEDIA", "2016\\new-media",
])
def test_build_only_refuses_with_exit_2(run_cli, tmp_path, pattern):
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(*_build_args(out, "--only", _fill(pattern, tmp_path)))
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stderr and stderr.strip()
    assert "보고서" in stderr or "--only" in stderr
    assert _tree(tmp_path) <= {"out"} and not (out.exists() and any(out.iterdir()))


def test_build_refuses_one_bad_pattern_among_good_ones(run_cli, tmp_path):
    out = tmp_path / "out"
    code, _, stderr = run_cli(*_build_args(out, "--only", "2016/*", "--only", "../../x"))
    assert code == 2 and "Traceback" not in stderr
    assert not (out.exists() and any(out.iterdir()))


@pytest.mark.parametrize("args", [
    ["--jobs", "0"], ["--jobs", "-1"], ["--jobs", "abc"], ["--jobs", ""],
    ["--data", "../../x"], ["--data", "{abs}"], ["--data", "/etc"], ["--data", "/etc/passwd"],
    ["--no-such-option"],
], ids=lambda a: " ".join(a) or "none")
def test_build_refuses_bad_options_with_exit_2(run_cli, tmp_path, args):
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(*_build_args(out, *[_fill(a, tmp_path) for a in args]))
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stderr
    assert _tree(tmp_path) <= {"out"} and not (out.exists() and any(out.iterdir()))


def test_build_refuses_an_out_that_is_a_file(run_cli, tmp_path):
    victim = tmp_path / "보고서.html"
    victim.write_text("keep me", encoding="utf-8")
    code, stdout, stderr = run_cli(*_build_args(victim, "--only", "programs/*"))
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stderr
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert _tree(tmp_path) == {"보고서.html"}


def _copy_data(target: Path) -> Path:
    shutil.copytree(DATA_DIR, target)
    return target


def _rewrite(path: Path, change) -> None:
    """Rewrite a CSV in place: ``change(rows)`` edits the list of rows (header first)."""
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def _set(rows: list[list[str]], column: str, where: dict[str, str], value: str) -> None:
    header = rows[0]
    hits = 0
    for row in rows[1:]:
        if all(row[header.index(k)] == v for k, v in where.items()):
            row[header.index(column)] = value
            hits += 1
    assert hits, f"no row with {where}"


@pytest.mark.parametrize("slug", ["../../escape", "{abs}", "x/../../../escape", "Escape Me"])
def test_a_division_slug_in_the_data_cannot_reach_a_path(run_cli, tmp_path, snapshot, slug):
    data = _copy_data(tmp_path / "data")
    slug = _fill(slug, tmp_path)

    def add_division(rows):
        rows.append([slug, "division", "가짜담당관", "Fake Division", "가짜", "office", "", "test"])

    _rewrite(data / "organisation.csv", add_division)
    before = snapshot(data)
    with pytest.raises(SeoulcommError):
        params.reports(data_dir=data)
    out = tmp_path / "a" / "b" / "out"
    code, stdout, stderr = run_cli(*_build_args(out, "--data", str(data)))
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stderr
    assert snapshot(data) == before
    assert {p for p in _tree(tmp_path) if not p.startswith("data")} <= {"a", "a/b", "a/b/out"}


def test_a_program_slug_in_the_data_cannot_reach_a_path(run_cli, tmp_path):
    data = _copy_data(tmp_path / "data")
    for csv_file in data.glob("*.csv"):
        text = csv_file.read_text(encoding="utf-8")
        csv_file.write_text(re.sub(r"(?m)^social-media,", "../../escape,", text), encoding="utf-8")
    assert "../../escape," in (data / "program.csv").read_text(encoding="utf-8")
    out = tmp_path / "out"
    code, stdout, stderr = run_cli(*_build_args(out, "--data", str(data)))
    assert code == 2, (stdout, stderr)
    assert "Traceback" not in stderr
    assert {p for p in _tree(tmp_path) if not p.startswith("data")} <= {"out"}


# -------------------------------------------------------------------- markup in the data

#: What the doctored data says, where; each text is meant to be shown exactly as written.
PAYLOADS = {
    # budget_detail.csv 36행: a unit program of 뉴미디어담당관
    "script": "시민참여프로그램 <script>alert(1)</script>",
    # 38행
    "attribute": '현장 의견수렴 "><img src=x onerror=alert(2)>',
    # 41행: markdown link to javascript:
    "md-link": "인터넷언론사 [x](javascript:alert(3))",
    # 43행: markdown emphasis around raw HTML
    "md-html": "**<b>bold</b>** 콘텐츠",
    # organisation.csv: the division's Korean name (title, headings, index)
    "division": "뉴미디어담당관<script>alert(5)</script>",
    # program.csv: the program's Korean name (program report title, index)
    "program": "소셜미디어 [x](javascript:alert(6)) <img src=x onerror=alert(6)>",
    # outcomes.csv: a metric of 뉴미디어담당관
    "metric": "라이브 서울 <svg onload=alert(7)> 방송 횟수",
    # sections.csv 4-4: a section title
    "section": "소셜특별시 </table><iframe src=javascript:alert(8)></iframe> 추진",
}
#: A text that Excel would run as a formula if written as one (budget_detail.csv 42행).
FORMULA = '=HYPERLINK("http://evil.example/","클릭")'
#: Reports that show the doctored texts (with index.html, always built).
INJECTED_REPORTS = ["2016/new-media", "2016/office", "programs/social-media"]


def _doctor(data: Path) -> None:
    def detail(rows):
        for line, key in (("36", "script"), ("38", "attribute"), ("41", "md-link"), ("43", "md-html")):
            _set(rows, "name", {"line": line}, PAYLOADS[key])
        _set(rows, "name", {"line": "42"}, FORMULA)

    _rewrite(data / "budget_detail.csv", detail)
    _rewrite(data / "organisation.csv",
             lambda rows: _set(rows, "name_ko", {"unit": "new-media"}, PAYLOADS["division"]))
    _rewrite(data / "program.csv",
             lambda rows: _set(rows, "name_ko", {"program": "social-media"}, PAYLOADS["program"]))
    _rewrite(data / "outcomes.csv",
             lambda rows: _set(rows, "metric", {"metric": "라이브 서울 방송 횟수"}, PAYLOADS["metric"]))
    _rewrite(data / "sections.csv",
             lambda rows: _set(rows, "title", {"section": "4-4"}, PAYLOADS["section"]))


@pytest.fixture(scope="module")
def injected_build(tmp_path_factory):
    """The reports showing doctored texts, built from a doctored copy of data/.

    The output folder has spaces, Korean and a ``..`` in its name: ``--out`` is the user's
    choice and is honoured as given.
    """
    from conftest import cli

    root = tmp_path_factory.mktemp("injected")
    data = _copy_data(root / "data")
    _doctor(data)
    out_arg = root / "출력 폴더 (사본)" / ".." / "보고서 out"
    only = [a for name in INJECTED_REPORTS for a in ("--only", name)]
    code, stdout, stderr = cli("build", "--data", data, "--out", out_arg, *only, timeout=900)
    return {"root": root, "out": root / "보고서 out", "code": code, "stdout": stdout,
            "stderr": stderr}


@pytest.fixture(scope="module")
def injected(injected_build):
    if injected_build["code"] != 0:
        pytest.fail(f"the build of doctored data failed (exit {injected_build['code']}):\n"
                    f"{injected_build['stdout'][-3000:]}\n{injected_build['stderr'][-3000:]}")
    return injected_build["out"]


class Page(HTMLParser):
    """A parsed page: its elements with attributes, their text, and the visible text."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
            "source", "track", "wbr"}
    RAW = {"script", "style"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[dict] = []
        self._open: list[dict] = []
        self._text: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        element = {"tag": tag, "attrs": [(k, v or "") for k, v in attrs], "text": ""}
        self.elements.append(element)
        if tag not in self.VOID:
            self._open.append(element)

    def handle_startendtag(self, tag, attrs):
        self.elements.append({"tag": tag, "attrs": [(k, v or "") for k, v in attrs], "text": ""})

    def handle_endtag(self, tag):
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i]["tag"] == tag:
                del self._open[i:]
                break

    def handle_data(self, data):
        for element in self._open:
            element["text"] += data
        if not any(e["tag"] in self.RAW or e["tag"] == "title" for e in self._open):
            self._text.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", "".join(self._text))

    @property
    def title(self) -> str:
        return next((e["text"] for e in self.elements if e["tag"] == "title"), "")

    def live_markup(self) -> list[str]:
        """Elements and attributes that would run or fetch something, or format data."""
        found = []
        for e in self.elements:
            tag, attrs = e["tag"], e["attrs"]
            if tag == "script" and ("alert" in e["text"] or any(k == "src" for k, _ in attrs)):
                found.append(f"<script>{e['text'][:60]}")
            if tag in ("iframe", "object", "embed", "svg", "frame", "base", "form"):
                found.append(f"<{tag}>")
            if tag == "img" and any(k == "src" and not v.startswith("data:image/") for k, v in attrs):
                found.append(f"<img {attrs}>")
            if tag in ("b", "strong", "em", "i") and e["text"].strip() == "bold":
                found.append(f"<{tag}>bold</{tag}>")
            for key, value in attrs:
                if key.startswith("on"):
                    found.append(f"{tag} {key}={value[:60]!r}")
                scheme = re.sub(r"[\s\x00-\x1f]", "", value).lower()
                if key in ("href", "src", "action", "formaction", "xlink:href", "data") \
                        and scheme.startswith(("javascript:", "vbscript:", "data:text/html")):
                    found.append(f"{tag} {key}={value[:60]!r}")
        return found


@pytest.mark.parametrize("key", PAYLOADS)
def test_the_markup_check_catches_each_text_left_unescaped(key):
    """The check has teeth: each text pasted raw, or run through the markdown renderer that
    nbconvert uses for markdown output (raw HTML and ``javascript:`` links pass it), is caught."""
    from nbconvert.filters.markdown import markdown2html

    assert Page(markdown2html(PAYLOADS[key])).live_markup() != []
    if not key.startswith("md-link"):
        assert Page(f"<table><tr><td>{PAYLOADS[key]}</td></tr></table>").live_markup() != []


def _pages(out: Path) -> dict[str, Page]:
    return {name: Page((out / f"{name}.html").read_text(encoding="utf-8"))
            for name in [*INJECTED_REPORTS, "index"] if (out / f"{name}.html").exists()}


def test_injected_build_honours_out_and_writes_nowhere_else(injected_build, injected):
    root = injected_build["root"]
    top = {p.name for p in root.iterdir()}
    assert top <= {"data", "보고서 out", "출력 폴더 (사본)"}, top
    stray = root / "출력 폴더 (사본)"
    assert not stray.exists() or not any(stray.iterdir())
    for name in [*INJECTED_REPORTS, "index"]:
        assert (injected / f"{name}.html").exists(), name


@pytest.mark.parametrize("name", [*INJECTED_REPORTS, "index"])
def test_data_text_never_becomes_markup(injected, name):
    pages = _pages(injected)
    assert name in pages, f"{name}.html was not built"
    assert pages[name].live_markup() == []


def test_every_doctored_text_is_shown_as_written(injected):
    pages = _pages(injected)
    shown = " ".join(page.text for page in pages.values())
    missing = [key for key, text in PAYLOADS.items() if re.sub(r"\s+", " ", text) not in shown]
    # The division name and the program name reach a page's heading, not only a table.
    assert missing == []
    assert PAYLOADS["division"] in pages["2016/new-media"].text
    assert PAYLOADS["program"] in pages["programs/social-media"].text


@pytest.mark.parametrize("name", ["2016/new-media", "programs/social-media"])
def test_doctored_names_reach_the_title_escaped(injected, name):
    page = _pages(injected)[name]
    key = "division" if name.startswith("2016") else "program"
    assert PAYLOADS[key] in page.title


def test_index_shows_doctored_titles_as_text(injected):
    index = _pages(injected)["index"]
    assert index.live_markup() == []
    assert PAYLOADS["division"] in index.text
    assert PAYLOADS["program"] in index.text


def test_pages_with_doctored_data_raise_no_dialog_in_a_browser(injected):
    from test_browser import CHROMIUM, LAUNCH_ARGS, check_page

    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium fonts-nanum)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            checks = {name: check_page(browser, injected / f"{name}.html")
                      for name in [*INJECTED_REPORTS, "index"]}
        finally:
            browser.close()
    assert {n: c.dialogs for n, c in checks.items() if c.dialogs} == {}
    assert {n: c.problems() for n, c in checks.items() if c.problems()} == {}


def test_a_text_starting_with_equals_stays_text_in_the_workbook(injected):
    openpyxl = pytest.importorskip("openpyxl")
    workbook = openpyxl.load_workbook(injected / "2016/new-media.xlsx")
    cells = [c for ws in workbook.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells, "the doctored program name is not in the workbook"
    assert all(c.data_type == "s" for c in cells), [(c.coordinate, c.data_type) for c in cells]
