"""Run strategies: where and how a batch of reports runs. The caller picks one.

As Kedro's runners do, each strategy is an object with the same two methods; the build (or
a test, or an analyst) chooses which, and nothing re-enters :func:`seoulcomm.report.render`
with a name:

- :class:`KernelRunner` — in this process, each notebook on a ``python3`` kernel (a fresh
  one, or a warm ``km``), as the papermill CLI and JupyterLab run it.
- :class:`InProcessRunner` — in this process, the cells run on this process's own shell
  (:class:`seoulcomm.engine.InProcess`).
- :class:`ForkRunner` — this process is warmed once (:func:`seoulcomm.engine.prepare`), then
  each report runs in a process forked from it, ``jobs`` at a time, under the cell and report
  deadlines (:class:`seoulcomm.procs.Supervisor`). What ``seoulcomm build`` uses.
- :class:`DaskRunner` — on a Dask cluster: each worker process warmed once by a plugin,
  forking its reports the same way (``seoulcomm build --scheduler``).

``run(reports, out_dir, data_dir=..., notebooks_dir=..., done=...)`` calls
``done(report, RenderResult)`` as each report ends, in the order they end;
``render(report, out_dir, ...)`` runs one and returns its RenderResult. Every strategy
writes the same bytes.
"""
from __future__ import annotations

import gc
from pathlib import Path

from . import engine, load, paths, report
from .kernel import OnKernel
from .load import digest_of
from .procs import CELL_TIMEOUT, REPORT_TIMEOUT, Supervisor, first_line, signals
from .report import RenderResult

#: Slack on top of the report deadlines for a Dask build's results to arrive [s].
DASK_MARGIN = 120.0


class _Runner:
    def run(self, reports, out_dir, *, data_dir=None, notebooks_dir=None, done) -> None:
        raise NotImplementedError

    def render(self, report_, out_dir=None, *, data_dir=None, notebooks_dir=None) -> RenderResult:
        """Run one report (a :class:`seoulcomm.params.Report`); its RenderResult."""
        results = []
        self.run([report_], out_dir, data_dir=data_dir, notebooks_dir=notebooks_dir,
                 done=lambda r, result: results.append(result))
        return results[0]


class KernelRunner(_Runner):
    """Each report in this process, its notebook on a ``python3`` kernel (``km``: a warm one
    to reuse, see :func:`seoulcomm.kernel.start_kernel`; None: a fresh one per report)."""

    def __init__(self, km=None, *, cell_timeout: float = CELL_TIMEOUT):
        self.km, self.cell_timeout = km, cell_timeout

    def run(self, reports, out_dir, *, data_dir=None, notebooks_dir=None, done) -> None:
        for r in reports:
            done(r, report.render(r, None, out_dir, data_dir=data_dir, notebooks_dir=notebooks_dir,
                                  execute=OnKernel(self.km, timeout=self.cell_timeout)))


class InProcessRunner(_Runner):
    """Each report in this process, its cells on this process's shell; ``on_cell(index)``
    before each code cell runs."""

    def __init__(self, on_cell=None):
        self.on_cell = on_cell

    def run(self, reports, out_dir, *, data_dir=None, notebooks_dir=None, done) -> None:
        for r in reports:
            done(r, report.render(r, None, out_dir, data_dir=data_dir, notebooks_dir=notebooks_dir,
                                  execute=engine.InProcess(self.on_cell)))


def _folders(out_dir, data_dir, notebooks_dir) -> tuple[str, str, str | None]:
    out = Path(out_dir if out_dir is not None else paths.DEFAULT_REPORTS_DIR).resolve()
    notebooks = str(Path(notebooks_dir).resolve()) if notebooks_dir else None
    return str(out), str(paths.data_dir(data_dir)), notebooks


def child_target(out_dir: str, data_dir: str, notebooks_dir: str | None):
    """The function a forked report process runs: render one report in-process, return its
    fields (with the digest of what it read, computed there, in parallel)."""

    def target(report_, notify):
        result = InProcessRunner(notify).render(report_, out_dir, data_dir=data_dir,
                                                notebooks_dir=notebooks_dir)
        ds = engine.warm_dataset()
        if result.ok and ds is not None:  # here, in parallel, not in the build as each report ends
            result.digest = digest_of(ds, result.reads)
        return result.to_dict()

    return target


def cell_source_of(notebooks_dir: str | None):
    """``source(report, index)``: the first line of the report's cell at ``index`` of the
    executed notebook (papermill's injected-parameters cell counted), for failure messages."""

    def source(report_, index):
        try:
            folder = Path(notebooks_dir) if notebooks_dir else paths.NOTEBOOKS_DIR
            nb = engine.notebook(folder / f"{report_.kind}.ipynb")
            if nb is None:
                return ""
            # papermill inserts the injected-parameters cell after the parameters cell
            cells = list(nb.cells)
            for i, cell in enumerate(cells):
                if "parameters" in cell.metadata.get("tags", []):
                    cells.insert(i + 1, None)
                    break
            cell = cells[index] if index < len(cells) else None
            return first_line(cell.source) if cell is not None else "(parameters)"
        except Exception:
            return ""

    return source


def to_result(report_, fields: dict) -> RenderResult:
    """A RenderResult from what a report process sent (its fields, or only an error)."""
    if "name" in fields:
        return RenderResult(**fields)
    return RenderResult(report_.name, report_.output, ok=False, error=fields["error"],
                        cpu=fields.get("cpu", 0.0))


class ForkRunner(_Runner):
    """Each report in a process forked from this one, warmed once first; ``jobs`` at a time
    (default 1), under ``cell_timeout`` and ``report_timeout`` [s]."""

    def __init__(self, jobs: int = 1, *, cell_timeout: float | None = None,
                 report_timeout: float | None = None):
        self.jobs = jobs
        self.cell_timeout = cell_timeout or CELL_TIMEOUT
        self.report_timeout = report_timeout or REPORT_TIMEOUT

    def run(self, reports, out_dir, *, data_dir=None, notebooks_dir=None, done) -> None:
        out, data, notebooks = _folders(out_dir, data_dir, notebooks_dir)
        engine.prepare(data, notebooks)
        # what the warm parent holds is never collected in a child: its collections then skip it
        # (less CPU, and fewer of the parent's pages copied on write)
        gc.collect()
        gc.freeze()
        sup = Supervisor(child_target(out, data, notebooks), jobs=self.jobs,
                         cell_timeout=self.cell_timeout, report_timeout=self.report_timeout,
                         cell_source=cell_source_of(notebooks))
        try:
            with signals():
                sup.run([(r.name, r) for r in reports],
                        lambda key, r, fields: done(r, to_result(r, fields)))
        finally:
            gc.unfreeze()


def on_dask_worker(report_, out_dir: str, data_dir: str, notebooks_dir: str | None,
                   cell_timeout=None, report_timeout=None, files: dict | None = None) -> RenderResult:
    """The task a Dask worker runs: one report forked from the worker's warm state, on the data
    bytes the build read (``files``, pinned here before anything loads)."""
    if files is not None:
        load.pin(data_dir, files)
    return ForkRunner(1, cell_timeout=cell_timeout, report_timeout=report_timeout).render(
        report_, out_dir, data_dir=data_dir, notebooks_dir=notebooks_dir)


def warm_plugin(data_dir: str, notebooks_dir: str | None, files_key=None):
    """A ``distributed`` worker plugin that warms each worker process once (see
    :func:`seoulcomm.engine.prepare`), on the data bytes the build read when given: the key
    under which they were scattered to every worker (``files_key``; a future itself cannot
    travel inside a plugin)."""
    from distributed.diagnostics.plugin import WorkerPlugin  # optional (the dask extra)

    class WarmPlugin(WorkerPlugin):
        name = "seoulcomm-warm"

        def __init__(self, data_dir, notebooks_dir, files_key):
            self.data_dir, self.notebooks_dir, self.files_key = data_dir, notebooks_dir, files_key

        def setup(self, worker):
            try:  # scattered to every worker before the plugin was registered
                files = worker.data[self.files_key] if self.files_key is not None else None
            except Exception:  # noqa: BLE001 — a worker that joined later: its tasks pin the bytes
                files = None
            if isinstance(files, dict):
                load.pin(self.data_dir, files)
            engine.prepare(self.data_dir, self.notebooks_dir)

    return WarmPlugin(data_dir, notebooks_dir, files_key)


class DaskRunner(_Runner):
    """Each report on a worker of the Dask ``client``, forked from the worker's warm state; the
    output folder must be reachable from the workers. A report whose worker died fails; the
    others go on. ``files`` (the data bytes the build read, :func:`seoulcomm.load.pin`) are
    scattered to the workers, which load them, never the disk; every result must arrive
    within its reports' deadlines and a margin, or its report fails."""

    def __init__(self, client, *, cell_timeout: float | None = None,
                 report_timeout: float | None = None, files: dict | None = None):
        self.client, self.cell_timeout, self.report_timeout = client, cell_timeout, report_timeout
        self.files = files

    def run(self, reports, out_dir, *, data_dir=None, notebooks_dir=None, done) -> None:
        from distributed import as_completed  # optional (the dask extra)

        out, data, notebooks = _folders(out_dir, data_dir, notebooks_dir)
        reports = list(reports)
        [files] = self.client.scatter([self.files], broadcast=True) if self.files is not None else [None]
        self.client.register_plugin(warm_plugin(data, notebooks, files.key if files is not None else None),
                                    name="seoulcomm-warm")
        futures = {self.client.submit(on_dask_worker, r, out, data, notebooks, self.cell_timeout,
                                      self.report_timeout, files, pure=False): r for r in reports}
        # every result arrives within its report's deadline, a queue's worth of them, and a margin
        deadline = (self.report_timeout or REPORT_TIMEOUT) * len(reports) + DASK_MARGIN
        finished = set()
        try:
            try:
                for future in as_completed(futures, timeout=deadline):
                    finished.add(future)
                    r = futures[future]
                    try:
                        result = future.result()
                    except Exception as exc:  # a worker died: this report failed, the others go on
                        result = RenderResult(r.name, r.output, ok=False, error={
                            "cell": None, "source": "", "ename": type(exc).__name__,
                            "evalue": str(exc) or "작업 프로세스가 비정상 종료되었습니다"})
                    done(r, result)
            except TimeoutError:
                late = [f for f in futures if f not in finished]
                self.client.cancel(late, force=True)
                for future in late:
                    r = futures[future]
                    done(r, RenderResult(r.name, r.output, ok=False, error={
                        "cell": None, "source": "", "ename": "ResultTimeoutError",
                        "evalue": f"Dask 작업자의 결과가 {deadline:g}초 안에 오지 않았습니다"}))
        except BaseException:
            self.client.cancel(list(futures), force=True)
            raise
