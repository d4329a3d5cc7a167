"""In-process notebook execution, and the warm state a forking build starts from.

papermill still executes every notebook; this module adds a papermill *engine*
(``seoulcomm``, registered with papermill and as the ``papermill.engine`` entry point) that
runs the cells in the current process on an IPython shell whose display publisher, display
hook and tracebacks are ipykernel's own (:class:`ipykernel.zmqshell.ZMQInteractiveShell`):
every output goes through a Jupyter message, the same JSON packing a kernel uses and
nbclient's own ``process_message``, so the executed notebook — and the HTML nbconvert makes
of it — is byte for byte the one a ``python3`` kernel gives (a test checks every report).

- :class:`InProcess` is the notebook executor :func:`seoulcomm.report.render` takes to run a
  notebook that way.
- :func:`prepare` warms the current process once: the libraries imported (pandas,
  matplotlib with the inline backend a kernel would activate, seoulcomm, papermill,
  nbconvert's exporter with its template compiled), the data loaded and validated, the
  reconciliation audit computed (kept on the dataset), the notebooks read. Nothing of a
  report runs in the warm process itself: :class:`seoulcomm.runners.ForkRunner` forks one
  process per report from it (:mod:`seoulcomm.procs`), and on Dask each worker is warmed the
  same way (:class:`seoulcomm.runners.DaskRunner`).
"""
from __future__ import annotations

import copy
import gc
import importlib
import io
import os
import pkgutil
import sys
from pathlib import Path

import seoulcomm

from . import load, paths, report
from .kernel import KERNEL_NAME
from .params import KINDS
from .preload import warm_data
from .procs import cell_error

ENGINE_NAME = "seoulcomm"


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
    # importing makes long-lived objects by the hundred thousand: the collector, run again and
    # again over all of them as they pile up, would cost a quarter of the warm-up, and every
    # report waits for the warm-up. It is off meanwhile; what the warm-up made is then frozen
    # (:func:`gc.freeze`: never traversed by a collection again; the few cycles it left, the
    # rehearsal page's figure among them, stay for the process's life)
    collecting = gc.isenabled()
    gc.disable()
    try:
        sh = _warm_libraries()
    finally:
        if collecting:
            gc.enable()
    gc.freeze()
    _LIBRARIES_WARM = True
    return sh


def _warm_libraries():
    # what ipykernel does before any cell: the inline backend is the default
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    # JupyterLab's install adds jsonschema's format extra, whose rfc3987_syntax builds a grammar
    # on import for a check nbformat never makes: the batch goes without it
    sys.modules.setdefault("rfc3987_syntax", None)
    sh = shell()  # before pyplot: its import activates the inline integration on this shell
    import matplotlib.pyplot  # noqa: F401
    import nbformat  # noqa: F401
    import numpy  # noqa: F401
    import pandas  # noqa: F401
    import papermill  # noqa: F401

    for info in pkgutil.walk_packages(seoulcomm.__path__, "seoulcomm."):
        if info.name not in ("seoulcomm.__main__", "seoulcomm.cli"):
            try:
                importlib.import_module(info.name)
            except Exception:  # a broken module fails the notebook that imports it, not here
                pass
    register()
    report.warm_up()
    try:
        report.rehearse()  # each forked report starts with the caches its first page fills
    except Exception:
        pass
    return sh


def prepare(data_dir=None, notebooks_dir=None) -> dict:
    """Warm this process for reports of ``data_dir``: imports, data, audit, notebooks.

    Idempotent: a second call with the same folders and unchanged data files does nothing.
    A broken data folder is not an error here (each report then fails with the loader's
    message, as it would on a kernel).
    """
    folder = str(paths.data_dir(data_dir))
    notebooks = str(Path(notebooks_dir).resolve() if notebooks_dir else paths.NOTEBOOKS_DIR)
    try:
        stamp = load.fingerprint(Path(folder))
    except Exception:
        stamp = None
    def stat(kind):  # an edited notebook is read again (a long-lived process sees many builds)
        try:
            st = (Path(notebooks) / f"{kind}.ipynb").stat()
            return (st.st_mtime_ns, st.st_size)
        except OSError:
            return None

    key = (folder, notebooks, stamp, tuple(stat(kind) for kind in KINDS))
    if _STATE.get("key") == key:
        return _STATE
    sh = warm_libraries()
    ds = None
    try:
        ds = load.load_all(folder)
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


def warm_dataset():
    """The data :func:`prepare` loaded in this process (None when not warmed, or it failed)."""
    return _STATE.get("dataset")


def notebook(path: Path):
    """The notebook at ``path``: the copy read by :func:`prepare` when it is that file."""
    if _STATE and Path(path).parent == Path(_STATE["notebooks_dir"]):
        nb = _STATE["notebooks"].get(Path(path).stem)
        if nb is not None:
            return copy.deepcopy(nb)
    return None


# --------------------------------------------------------------------------- executor

class InProcess:
    """Notebook executor: papermill's ``seoulcomm`` engine, the cells run in this process (its
    state warmed by :func:`prepare`, when it was). ``on_cell(index)`` is called before each
    code cell runs."""

    #: the executed notebook is kept in memory, not written as it runs
    saves_notebook = False

    def __init__(self, on_cell=None):
        self.on_cell = on_cell

    def __call__(self, path: Path, parameters: dict, executed: Path | None = None):
        """Run the notebook at ``path`` with ``parameters``; ``(executed notebook, error or None)``."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        register()
        source = notebook(path)
        try:
            nb = papermill.execute_notebook(
                source if source is not None else str(path), None, parameters=parameters,
                engine_name=ENGINE_NAME, kernel_name=KERNEL_NAME, progress_bar=False,
                log_output=False, request_save_on_cell_execute=False, cwd=str(Path(path).parent),
                on_cell=self.on_cell,
            )
        except PapermillExecutionError as exc:
            return last_notebook(), cell_error(exc)
        return nb, None
