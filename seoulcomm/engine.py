"""The batch's execution engine: warm parent, one forked process per report, deadlines.

papermill still executes every notebook; this module adds a papermill *engine*
(``seoulcomm``, registered with papermill and as the ``papermill.engine`` entry point) that
runs the cells in the current process on an IPython shell whose display publisher, display
hook and tracebacks are ipykernel's own (:class:`ipykernel.zmqshell.ZMQInteractiveShell`):
every output goes through a Jupyter message, the same JSON packing a kernel uses and
nbclient's own ``process_message``, so the executed notebook — and the HTML nbconvert makes
of it — is byte for byte the one a ``python3`` kernel gives (a test checks every report).

How the batch uses it:

- :func:`prepare` warms the current process once: the libraries imported (pandas,
  matplotlib with the inline backend a kernel would activate, seoulcomm, papermill,
  nbconvert's exporter with its template compiled), the data loaded and validated, the
  reconciliation audit computed (``audit.reconcile(ds)``, kept on the dataset), the
  notebooks read. Nothing of a report runs in the warm process itself.
- :class:`Supervisor` forks one fresh process per report from that warm process (so a
  report starts in milliseconds from a clean namespace and cannot leak into the next),
  at most ``jobs`` at a time. Each child runs the notebook through papermill with the
  ``seoulcomm`` engine, writes its HTML and workbook, and sends its result back on a pipe;
  it tells the parent when each cell starts.
- **Deadlines**: the parent kills a report whose cell runs longer than ``cell_timeout`` or
  which runs longer than ``report_timeout`` in all (its process group, SIGKILL). A child that
  dies (``os._exit`` in a cell, SIGKILL, the OOM killer) closes its pipe: the parent sees
  it at once. Either way only that report fails, with its reason; the batch goes on.
- **No orphans**: every child asks the kernel to SIGKILL it when its parent dies
  (``PR_SET_PDEATHSIG``), and runs in its own process group, which the parent kills on a
  deadline, on SIGTERM and on Ctrl-C before it exits.

On Dask (:class:`WarmPlugin`), each worker process is warmed once by the plugin and forks
the reports it is given in the same way.
"""
from __future__ import annotations

import errno
import io
import json
import os
import selectors
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import paths

ENGINE_NAME = "seoulcomm"
#: Longest one notebook cell may run [s] (``--cell-timeout``).
CELL_TIMEOUT = 600
#: Longest a report process may take to exit once it has sent its result or closed its pipe [s].
REAP_GRACE = 5.0
#: Longest one report may run in all [s] (``--report-timeout``).
REPORT_TIMEOUT = 900
KINDS = ("division", "office", "program", "brief")


class Terminated(BaseException):
    """SIGTERM arrived: stop like Ctrl-C does (exit 143)."""


# --------------------------------------------------------------------------- in-process shell

class _Wire:
    """Where the shell's Jupyter messages go: a list, read back after each cell."""

    def __init__(self):
        self.parts: list = []

    def send_multipart(self, parts, *args, **kwargs):
        self.parts.append([bytes(p) if not isinstance(p, bytes) else p for p in parts])


class _Stream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` in a cell: text becomes ``stream`` messages."""

    def __init__(self, name: str, send):
        self.name, self._send, self._buffer = name, send, []

    @property
    def encoding(self):
        return "UTF-8"

    def writable(self):
        return True

    def isatty(self):
        return False

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self._buffer.append(text)
        return len(text)

    def flush(self):
        if self._buffer:
            text, self._buffer = "".join(self._buffer), []
            self._send(self.name, text)


_SHELL = None


def shell():
    """The process's IPython shell, ipykernel's own class, wired to an in-memory socket."""
    global _SHELL
    if _SHELL is not None:
        return _SHELL
    from ipykernel.zmqshell import ZMQInteractiveShell
    from jupyter_client.session import Session
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False  # no sqlite file, no saving thread
    sh = ZMQInteractiveShell.instance(config=config)
    # signed like a kernel's messages (an unsigned session logs a warning); sent from forks
    session = Session(key=os.urandom(16).hex().encode(), username="seoulcomm", check_pid=False)
    wire = _Wire()
    for part in (sh.displayhook, sh.display_pub):
        part.session, part.pub_socket = session, wire
    sh._seoulcomm = (session, wire)
    try:  # its exit-time reset (gc passes) is nothing this process needs
        import atexit

        atexit.unregister(sh.atexit_operations)
    except Exception:
        pass
    _SHELL = sh
    return sh


def _drain(sh) -> list[dict]:
    session, wire = sh._seoulcomm
    msgs = []
    for parts in wire.parts:
        _, rest = session.feed_identities(parts, copy=True)
        msgs.append(session.deserialize(rest, content=True, copy=True))
    wire.parts.clear()
    return msgs


def _run_cell(sh, client, cell, index: int) -> bool:
    """Run one code cell as a kernel would for nbclient; False when it raised."""
    session, wire = sh._seoulcomm

    def send(name, text):
        session.send(wire, "stream", {"name": name, "text": text}, parent=sh.displayhook.parent_header)

    wire.parts.clear()  # nothing published before this cell (say, in the parent) is its output
    client.clear_before_next_output = False  # as nbclient's execute_cell does
    out, err = _Stream("stdout", send), _Stream("stderr", send)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = out, err
    try:
        cell.execution_count = sh.execution_count
        result = sh.run_cell(cell.source, store_history=True, silent=False)
    finally:
        out.flush()
        err.flush()
        sys.stdout, sys.stderr = saved
    for msg in _drain(sh):
        client.process_message(msg, cell, index)
    return result.success


def _papermill_engine():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import Engine

    class InProcessEngine(Engine):
        """papermill engine ``seoulcomm``: the cells run in this process (see module doc)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, **kwargs):
            global _LAST
            _LAST = nb_man.nb
            sh = shell()
            on_cell = kwargs.get("on_cell")
            client = PapermillNotebookClient(nb_man, kernel_name=kernel_name, log_output=log_output,
                                             stdout_file=stdout_file, stderr_file=stderr_file,
                                             record_timing=False)
            client.reset_execution_trackers()
            for index, cell in enumerate(nb_man.nb.cells):
                failed = False
                try:
                    nb_man.cell_start(cell, index)
                    if cell.cell_type == "code" and cell.source.strip():
                        if on_cell is not None:
                            on_cell(index)
                        cell.outputs = []
                        failed = not _run_cell(sh, client, cell, index)
                        if failed:
                            nb_man.cell_exception(cell, cell_index=index)
                finally:
                    nb_man.cell_complete(cell, cell_index=index)
                if failed:
                    break
            return nb_man.nb

    return InProcessEngine


InProcessEngine = None
_LAST = None


def last_notebook():
    """The notebook the engine ran last in this process (papermill raises on a failed cell
    without returning it)."""
    return _LAST


def register() -> None:
    """Register the ``seoulcomm`` engine with papermill (idempotent)."""
    global InProcessEngine
    from papermill.engines import papermill_engines

    if InProcessEngine is None:
        InProcessEngine = _papermill_engine()
    papermill_engines.register(ENGINE_NAME, InProcessEngine)


def __getattr__(name):  # the entry point names seoulcomm.engine:Engine
    if name == "Engine":
        register()
        return InProcessEngine
    raise AttributeError(name)


# --------------------------------------------------------------------------- warm state

_STATE: dict = {}
#: How many times this process was warmed (a Dask worker: once, however many reports).
PREPARED = 0
_LIBRARIES_WARM = False


def warm_libraries():
    """The part of :func:`prepare` that needs no data (done once per process): the libraries
    imported as a kernel has them, nbconvert's exporter and matplotlib's caches filled by a
    rehearsal page. Returns the process's shell."""
    global _LIBRARIES_WARM
    if _LIBRARIES_WARM:
        return shell()
    # what ipykernel does before any cell: the inline backend is the default
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # JupyterLab's install adds jsonschema's format extra, whose rfc3987_syntax builds a grammar
    # on import (1.5–3.5 s) for a check nbformat never makes: the batch goes without it
    sys.modules.setdefault("rfc3987_syntax", None)
    sh = shell()  # before pyplot: its import activates the inline integration on this shell
    import importlib
    import pkgutil

    import matplotlib.pyplot  # noqa: F401
    import nbformat  # noqa: F401
    import numpy  # noqa: F401
    import openpyxl  # noqa: F401
    import pandas  # noqa: F401
    import papermill  # noqa: F401

    import seoulcomm

    for info in pkgutil.walk_packages(seoulcomm.__path__, "seoulcomm."):
        if info.name not in ("seoulcomm.__main__", "seoulcomm.cli"):
            try:
                importlib.import_module(info.name)
            except Exception:  # a broken module fails the notebook that imports it, not here
                pass
    from . import report

    register()
    report.warm_up()
    try:
        report.rehearse()  # each forked report starts with the caches its first page fills
    except Exception:
        pass
    _LIBRARIES_WARM = True
    return sh


def prepare(data_dir=None, notebooks_dir=None) -> dict:
    """Warm this process for reports of ``data_dir``: imports, data, audit, notebooks.

    Idempotent: a second call with the same folders and unchanged data files does nothing.
    A broken data folder is not an error here (each report then fails with the loader's
    message, as it would on a kernel).
    """
    folder = str(paths.data_dir(data_dir))
    notebooks = str(Path(notebooks_dir).resolve() if notebooks_dir else paths.NOTEBOOKS_DIR)
    from . import load

    try:
        fingerprint = load._fingerprint(Path(folder))
    except Exception:
        fingerprint = None
    def stat(kind):  # an edited notebook is read again (a long-lived process sees many builds)
        try:
            st = (Path(notebooks) / f"{kind}.ipynb").stat()
            return (st.st_mtime_ns, st.st_size)
        except OSError:
            return None

    key = (folder, notebooks, fingerprint, tuple(stat(kind) for kind in KINDS))
    if _STATE.get("key") == key:
        return _STATE
    sh = warm_libraries()
    ds = None
    try:
        ds = load.load_all(folder)
        from .preload import warm_data

        warm_data(ds)  # kept: every forked report reuses the audit and the row index
    except Exception:
        pass
    import nbformat

    read = {}
    for kind in KINDS:
        path = Path(notebooks) / f"{kind}.ipynb"
        try:
            read[kind] = nbformat.read(str(path), as_version=4)
        except Exception:
            pass
    sh.user_ns.pop("_", None)
    global PREPARED
    PREPARED += 1
    _STATE.clear()
    _STATE.update(key=key, data_dir=folder, notebooks_dir=notebooks, dataset=ds, notebooks=read)
    return _STATE


def notebook(path: Path):
    """The notebook at ``path``: the copy read by :func:`prepare` when it is that file."""
    import copy

    if _STATE and Path(path).parent == Path(_STATE["notebooks_dir"]):
        nb = _STATE["notebooks"].get(Path(path).stem)
        if nb is not None:
            return copy.deepcopy(nb)
    return None


def fresh_child_state() -> None:
    """In a freshly forked report process: forget what the warm-up's warnings recorded."""
    import warnings

    warnings.onceregistry.clear() if hasattr(warnings, "onceregistry") else None
    warnings._filters_mutated()


# --------------------------------------------------------------------------- processes

_libc = None


def set_pdeathsig(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (no-op elsewhere)."""
    global _libc
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


def _describe_status(status: int) -> str:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        try:
            name = signal.Signals(sig).name
        except ValueError:
            name = str(sig)
        hint = " (메모리 부족으로 OOM killer가 종료했을 수 있음)" if sig == signal.SIGKILL else ""
        return f"보고서 프로세스가 신호 {name}로 종료되었습니다{hint}"
    if os.WIFEXITED(status):
        return f"보고서 프로세스가 종료 코드 {os.WEXITSTATUS(status)}로 끝났습니다(결과 없음)"
    return "보고서 프로세스가 비정상 종료되었습니다"


@dataclass
class _Job:
    key: object
    report: object
    pid: int
    fd: int
    started: float
    cell: int | None = None
    cell_started: float = 0.0
    buffer: bytearray = field(default_factory=bytearray)
    result: dict | None = None


def _first_line(source: str) -> str:
    lines = [l.strip() for l in (source or "").splitlines() if l.strip()]
    return (lines[0][:120] + (" …" if len(lines) > 1 else "")) if lines else ""


class Supervisor:
    """Run reports in forked children of this (warm) process, ``jobs`` at a time.

    ``target(report, notify)`` runs in the child and returns a JSON-able dict (the
    RenderResult's fields); ``notify(index)`` tells the parent a cell started.
    """

    def __init__(self, target, *, jobs: int = 1, cell_timeout: float | None = CELL_TIMEOUT,
                 report_timeout: float | None = REPORT_TIMEOUT, cell_source=None):
        self.target, self.jobs = target, max(1, int(jobs))
        self.cell_timeout, self.report_timeout = cell_timeout, report_timeout
        self.cell_source = cell_source or (lambda report, index: "")
        self.running: dict[int, _Job] = {}
        self.selector = selectors.DefaultSelector()

    # ---- child
    def _child(self, report, write_fd: int) -> None:
        code = 0
        try:
            set_pdeathsig(signal.SIGKILL)
            if os.getppid() != self._parent:
                os._exit(1)
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGPIPE):
                signal.signal(sig, signal.SIG_DFL)
            try:
                os.setpgid(0, 0)
            except OSError:
                pass
            for job in self.running.values():
                try:
                    os.close(job.fd)
                except OSError:
                    pass
            devnull = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1):
                os.dup2(devnull, fd)
            fresh_child_state()
            out = os.fdopen(write_fd, "wb", buffering=0)

            def notify(index: int) -> None:
                out.write(f"C {index}\n".encode())

            result = self.target(report, notify)
            out.write(b"R " + json.dumps(result, ensure_ascii=True, default=str).encode() + b"\n")
        except BaseException:  # noqa: BLE001 — anything here is a report failure, never a traceback up
            code = 70
            try:
                import traceback

                os.write(write_fd, b"E " + json.dumps(traceback.format_exc()[-2000:]).encode() + b"\n")
            except Exception:
                pass
        finally:
            os._exit(code)

    # ---- parent
    def start(self, key, report) -> None:
        self._parent = os.getpid()
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            self._child(report, write_fd)
        os.close(write_fd)
        os.set_blocking(read_fd, False)
        try:
            os.setpgid(pid, pid)  # also done by the child: whichever runs first
        except OSError:
            pass
        job = _Job(key, report, pid, read_fd, time.monotonic())
        self.running[read_fd] = job
        self.selector.register(read_fd, selectors.EVENT_READ)

    def _deadline(self, job: _Job) -> tuple[float, str | None]:
        limits = []
        if self.report_timeout:
            limits.append((job.started + self.report_timeout, "report"))
        if self.cell_timeout and job.cell is not None:
            limits.append((job.cell_started + self.cell_timeout, "cell"))
        return min(limits) if limits else (float("inf"), None)

    def _finish(self, job: _Job, failure: dict | None = None):
        self.selector.unregister(job.fd)
        del self.running[job.fd]
        os.close(job.fd)
        status, cpu = None, 0.0
        if failure is not None:
            self._kill(job)
        status, cpu = self._reap(job)
        try:  # whatever the report started in its group goes with it
            os.killpg(job.pid, signal.SIGKILL)
        except OSError:
            pass
        if failure is None and job.result is not None and "R" in job.result:
            return job.key, job.report, {**job.result["R"], "cpu": cpu}
        if failure is None:
            if job.result and "E" in job.result:
                evalue = job.result["E"].strip().splitlines()[-1] if job.result["E"].strip() else ""
                failure = {"ename": "WorkerError", "evalue": evalue}
            else:
                failure = {"ename": "WorkerDied",
                           "evalue": _describe_status(status) if status is not None
                           else "보고서 프로세스가 비정상 종료되었습니다"}
            if job.cell is not None:
                failure.update(cell=job.cell + 1, source=self.cell_source(job.report, job.cell))
        failure.setdefault("cell", None)
        failure.setdefault("source", "")
        return job.key, job.report, {"error": failure, "cpu": cpu}

    def _reap(self, job: _Job) -> tuple[int | None, float]:
        """``(wait status, CPU seconds)`` of a child that sent its result or closed its pipe. It
        exits right after; one that does not within :data:`REAP_GRACE` (stopped, say, by
        SIGSTOP just after sending) is killed: no report holds the build past its result."""
        deadline = time.monotonic() + REAP_GRACE
        while True:
            try:
                pid, status, usage = os.wait4(job.pid, os.WNOHANG)
            except ChildProcessError:
                return None, 0.0
            if pid:
                return status, round(usage.ru_utime + usage.ru_stime, 3)
            if time.monotonic() >= deadline:
                self._kill(job)  # SIGKILL ends a stopped process too
                try:
                    _, status, usage = os.wait4(job.pid, 0)
                except ChildProcessError:
                    return None, 0.0
                return status, round(usage.ru_utime + usage.ru_stime, 3)
            time.sleep(0.01)

    def _kill(self, job: _Job) -> None:
        for target in (lambda: os.killpg(job.pid, signal.SIGKILL), lambda: os.kill(job.pid, signal.SIGKILL)):
            try:
                target()
            except OSError:
                pass

    def _read(self, job: _Job) -> bool:
        """Read what the child sent; True at end of file (the child closed or died)."""
        while True:
            try:
                chunk = os.read(job.fd, 65536)
            except BlockingIOError:
                return False
            except OSError as exc:
                if exc.errno == errno.EINTR:
                    continue
                return True
            if not chunk:
                return True
            job.buffer += chunk
            while b"\n" in job.buffer:
                line, _, rest = bytes(job.buffer).partition(b"\n")
                job.buffer = bytearray(rest)
                kind, _, body = line.partition(b" ")
                if kind == b"C":
                    job.cell, job.cell_started = int(body), time.monotonic()
                elif kind in (b"R", b"E"):
                    job.result = {kind.decode(): json.loads(body)}
                    return True  # the child exits right after (a process it started may hold the pipe)

    def wait(self):
        """Block until one running report ends; return ``(key, report, result-dict)``."""
        while True:
            now = time.monotonic()
            soonest, due = float("inf"), None
            for job in list(self.running.values()):
                at, why = self._deadline(job)
                if at <= now:
                    if why == "cell":
                        msg = (f"셀 실행 시간이 제한({self.cell_timeout:g}초)을 넘어 중단했습니다"
                               " (--cell-timeout)")
                        return self._finish(job, {
                            "cell": job.cell + 1, "source": self.cell_source(job.report, job.cell),
                            "ename": "CellTimeoutError", "evalue": msg})
                    msg = f"보고서 실행 시간이 제한({self.report_timeout:g}초)을 넘어 중단했습니다 (--report-timeout)"
                    return self._finish(job, {
                        "cell": None if job.cell is None else job.cell + 1,
                        "source": "" if job.cell is None else self.cell_source(job.report, job.cell),
                        "ename": "ReportTimeoutError", "evalue": msg})
                if at < soonest:
                    soonest, due = at, job
            if not self.running:
                raise RuntimeError("no report is running")
            timeout = None if soonest == float("inf") else max(0.0, soonest - now)
            for key, _ in self.selector.select(timeout if timeout is None else min(timeout, 3600)):
                job = self.running.get(key.fd)
                if job is not None and self._read(job):
                    return self._finish(job)

    def run(self, items, done) -> None:
        """Run every ``(key, report)`` of ``items``; call ``done(key, report, result)`` as each ends."""
        pending = list(items)[::-1]
        try:
            while pending or self.running:
                while pending and len(self.running) < self.jobs:
                    self.start(*pending.pop())
                done(*self.wait())
        finally:
            self.stop()

    def stop(self) -> None:
        """Kill and reap every running child (on an error, SIGTERM or Ctrl-C in the parent)."""
        for job in list(self.running.values()):
            self._kill(job)
        for job in list(self.running.values()):
            try:
                self.selector.unregister(job.fd)
            except Exception:
                pass
            try:
                os.close(job.fd)
            except OSError:
                pass
            try:
                os.waitpid(job.pid, 0)
            except ChildProcessError:
                pass
        self.running.clear()
        try:
            self.selector.close()
        except Exception:
            pass


# --------------------------------------------------------------------------- signals

def _on_term(signum, frame):
    raise Terminated()


class signals:
    """Within this block, SIGTERM raises :class:`Terminated` (Ctrl-C raises KeyboardInterrupt
    as usual); both unwind through :meth:`Supervisor.run`, which kills the children."""

    def __enter__(self):
        import threading

        self._saved = None
        if threading.current_thread() is threading.main_thread():
            self._saved = signal.signal(signal.SIGTERM, _on_term)
        return self

    def __exit__(self, *exc):
        if self._saved is not None:
            signal.signal(signal.SIGTERM, self._saved)
        return False


# --------------------------------------------------------------------------- running reports

def render_target(out_dir: str, data_dir: str, notebooks_dir: str | None):
    """The function a child runs: render one report in-process, return its fields."""

    def target(report, notify):
        from . import report as report_module

        result = report_module.render(report, None, out_dir, data_dir=data_dir,
                                      notebooks_dir=notebooks_dir, engine="inprocess",
                                      on_cell=notify)
        ds = _STATE.get("dataset")
        if result.ok and ds is not None:  # here, in parallel, not in the build as each report ends
            from .load import digest_of

            result.digest = digest_of(ds, result.reads)
        return result.to_dict()

    return target


def cell_source_of(notebooks_dir: str | None):
    def source(report, index):
        try:
            folder = Path(notebooks_dir) if notebooks_dir else paths.NOTEBOOKS_DIR
            nb = notebook(folder / f"{report.kind}.ipynb")
            if nb is None:
                return ""
            # papermill inserts the injected-parameters cell after the parameters cell
            cells = list(nb.cells)
            for i, cell in enumerate(cells):
                if "parameters" in cell.metadata.get("tags", []):
                    cells.insert(i + 1, None)
                    break
            cell = cells[index] if index < len(cells) else None
            return _first_line(cell.source) if cell is not None else "(parameters)"
        except Exception:
            return ""

    return source


def to_result(report, fields: dict):
    from .report import RenderResult

    if "name" in fields:
        return RenderResult(**fields)
    return RenderResult(report.name, report.output, ok=False, error=fields["error"],
                        cpu=fields.get("cpu", 0.0))


def run_reports(reports, out_dir: str, data_dir: str, notebooks_dir: str | None, *, jobs: int,
                cell_timeout=CELL_TIMEOUT, report_timeout=REPORT_TIMEOUT, done) -> None:
    """Render ``reports`` in forked children of this process (warmed first); ``done(report,
    RenderResult)`` as each ends, in the order they end."""
    import gc

    prepare(data_dir, notebooks_dir)
    # what the warm parent holds is never collected in a child: its collections then skip it
    # (less CPU, and fewer of the parent's pages copied on write)
    gc.collect()
    gc.freeze()
    sup = Supervisor(render_target(out_dir, data_dir, notebooks_dir), jobs=jobs,
                     cell_timeout=cell_timeout, report_timeout=report_timeout,
                     cell_source=cell_source_of(notebooks_dir))
    try:
        with signals():
            sup.run([(r.name, r) for r in reports],
                    lambda key, report, fields: done(report, to_result(report, fields)))
    finally:
        gc.unfreeze()


def render_one(report, out_dir: str, data_dir: str, notebooks_dir: str | None, *,
               cell_timeout=CELL_TIMEOUT, report_timeout=REPORT_TIMEOUT):
    """One report in a forked child of this (warmed) process; its RenderResult."""
    results = []
    run_reports([report], out_dir, data_dir, notebooks_dir, jobs=1, cell_timeout=cell_timeout,
                report_timeout=report_timeout, done=lambda r, res: results.append(res))
    return results[0]


# --------------------------------------------------------------------------- Dask

def dask_render(report, out_dir: str, data_dir: str, notebooks_dir: str | None,
                cell_timeout=CELL_TIMEOUT, report_timeout=REPORT_TIMEOUT):
    """The task a Dask worker runs: fork one report from the worker's warm state."""
    return render_one(report, out_dir, data_dir, notebooks_dir, cell_timeout=cell_timeout,
                      report_timeout=report_timeout)


def warm_plugin(data_dir: str, notebooks_dir: str | None, files=None):
    """A ``distributed`` worker plugin that warms each worker process once (see :func:`prepare`),
    on the data bytes the build read (``files``: a future of them, or the bytes) when given."""
    from distributed.diagnostics.plugin import WorkerPlugin

    class WarmPlugin(WorkerPlugin):
        name = "seoulcomm-warm"

        def __init__(self, data_dir, notebooks_dir, files):
            self.data_dir, self.notebooks_dir, self.files = data_dir, notebooks_dir, files

        def setup(self, worker):
            files = self.files
            if files is not None and not isinstance(files, dict):
                files = files.result() if hasattr(files, "result") else None
            if isinstance(files, dict):
                from . import load

                load.pin(self.data_dir, files)
            prepare(self.data_dir, self.notebooks_dir)

    return WarmPlugin(data_dir, notebooks_dir, files)
