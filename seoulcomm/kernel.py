"""Plain kernel: run a report's notebook on a ``python3`` kernel, as the papermill CLI and
JupyterLab do.

:class:`OnKernel` is the notebook executor :func:`seoulcomm.report.render` uses by default
(and :class:`seoulcomm.runners.KernelRunner` picks): papermill runs the notebook on a kernel
(one started for the report, or a warm one given as ``km``, reset to a clean namespace
first). The kernel side of that reset (:func:`_kernel_prepare`) runs inside the kernel,
imported there as ``seoulcomm.kernel``.

Heavy libraries (papermill, jupyter_client, pandas, matplotlib) are imported where they are
used: a build with nothing to do never loads them.
"""
from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import shutil
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

from . import paths
from .procs import CELL_TIMEOUT, cell_error

KERNEL_NAME = "python3"


class OnKernel:
    """Notebook executor: papermill on a ``python3`` kernel.

    Parameters
    ----------
    km : a started kernel manager (:func:`start_kernel`) to run on; it is reset to a clean
        namespace first and left running. ``None``: a kernel is started for the run and stopped.
    timeout : longest one cell may run [s].
    """

    #: papermill writes the executed notebook to a file as it runs (kept on failure).
    saves_notebook = True

    def __init__(self, km=None, *, timeout: float = CELL_TIMEOUT):
        self.km, self.timeout = km, timeout

    def __call__(self, notebook: Path, parameters: dict, executed: Path | None):
        """Run ``notebook`` with ``parameters``; ``(executed notebook or None, error or None)``."""
        import papermill
        from papermill.exceptions import PapermillExecutionError

        data_dir = parameters.get("data_dir")
        own = self.km is None
        km = start_kernel(data_dir, cwd=notebook.parent) if own else self.km
        try:
            if not own:
                prepare_kernel(km, data_dir)
            try:
                nb = papermill.execute_notebook(
                    str(notebook), str(executed), parameters=parameters,
                    kernel_name=KERNEL_NAME, km=km, progress_bar=False, log_output=False,
                    request_save_on_cell_execute=False, execution_timeout=self.timeout,
                )
            except PapermillExecutionError as exc:
                return None, cell_error(exc)
            return nb, None
        finally:
            if own:
                stop_kernel(km)


# --------------------------------------------------------------------------- kernel side
# These run inside the notebook's kernel (imported there as seoulcomm.kernel): a warm-up
# that does the heavy imports once and snapshots the state a fresh kernel starts with, a
# reset back to that snapshot before each report. What a report reads is in its own
# output (the footer's read log), not recorded here.

_KERNEL_STATE: dict = {}


def _kernel_prepare(data_dir: str) -> None:
    """Warm the kernel on first call, reset it to the warmed-up state on later calls."""
    if not _KERNEL_STATE:
        _kernel_warm(data_dir)
    else:
        _kernel_restore()


def _kernel_warm(data_dir: str) -> None:
    import matplotlib
    import matplotlib.pyplot  # noqa: F401  (activates the inline backend)
    import numpy as np
    import pandas as pd

    import seoulcomm

    for info in pkgutil.iter_modules(seoulcomm.__path__):
        if info.name not in ("__main__", "cli", "build"):
            try:
                importlib.import_module(f"seoulcomm.{info.name}")
            except Exception:  # a broken module fails the notebook that imports it, not here
                pass
    try:
        seoulcomm.load.load_all(data_dir)  # fills the loader's cache for every report
    except Exception:
        pass
    from pandas._config import config as pd_config

    options = {}
    for key in pd_config._registered_options:
        if key in pd_config._deprecated_options:
            continue
        try:
            options[key] = pd.get_option(key)
        except Exception:
            pass
    _KERNEL_STATE.update(
        rc={k: v for k, v in matplotlib.rcParams.copy().items() if k != "backend"},
        pandas=options,
        numpy=np.get_printoptions(),
        warnings=list(warnings.filters),
        cwd=os.getcwd(),
        path=list(sys.path),
        modules=set(sys.modules),
    )


def _kernel_restore() -> None:
    import matplotlib
    import matplotlib.pyplot as plt
    import numpy as np
    import pandas as pd

    state = _KERNEL_STATE
    plt.close("all")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(state["rc"])
        for key, value in state["pandas"].items():
            try:
                if pd.get_option(key) != value:
                    pd.set_option(key, value)
            except Exception:
                pass
    np.set_printoptions(**state["numpy"])
    warnings.filters[:] = state["warnings"]
    warnings._filters_mutated()
    os.chdir(state["cwd"])
    sys.path[:] = state["path"]


# --------------------------------------------------------------------------- kernel control

def _run_in_kernel(km, code: str, *, expression: str | None = None, timeout: float = 120):
    """Run ``code`` silently in ``km``'s kernel; return the Python value of ``expression``."""
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=timeout)
        reply = kc.execute_interactive(
            code, silent=True, store_history=False, timeout=timeout,
            user_expressions={"value": expression} if expression else None,
            output_hook=lambda msg: None,
        )
    finally:
        kc.stop_channels()
    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"커널 준비 실패: {content.get('ename')}: {content.get('evalue')}")
    if expression:
        value = content["user_expressions"]["value"]
        if value.get("status") != "ok":
            raise RuntimeError(f"커널 질의 실패: {value.get('ename')}: {value.get('evalue')}")
        return ast.literal_eval(value["data"]["text/plain"])
    return None


def start_kernel(data_dir=None, *, cwd=None):
    """Start a kernel with the heavy imports done and the data loaded; return its manager.

    Parameters
    ----------
    data_dir : data folder to load ahead (``None``: the default).
    cwd : the kernel's working folder (default: ``notebooks/``, as JupyterLab would).

    Returns
    -------
    jupyter_client.KernelManager : pass it to :class:`OnKernel` as ``km``, as many times as
        needed (each run starts from a clean namespace); stop it with :func:`stop_kernel`.
    """
    from jupyter_client import KernelManager

    sockets = tempfile.mkdtemp(prefix="seoulcomm-kernel-")
    km = KernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=os.path.join(sockets, "k"))
    km._seoulcomm_sockets = sockets
    km.start_kernel(cwd=str(cwd or paths.NOTEBOOKS_DIR), stdout=subprocess.DEVNULL,
                    extra_arguments=["--HistoryManager.enabled=False"])
    try:
        prepare_kernel(km, data_dir)
    except BaseException:
        stop_kernel(km)
        raise
    return km


def prepare_kernel(km, data_dir=None) -> None:
    """Clean the kernel's namespace and state, as if it were fresh, before a report runs.

    ``%reset -f`` empties the user namespace; open figures are closed; matplotlib's
    rcParams, pandas' and numpy's options, warning filters, working folder and ``sys.path``
    go back to what they were right after the warm-up.
    """
    folder = str(paths.data_dir(data_dir))
    _run_in_kernel(km, f"%reset -f\n__import__('seoulcomm.kernel').kernel._kernel_prepare({folder!r})")


def stop_kernel(km) -> None:
    """Shut a kernel down at once (quietly if it is already gone); it holds nothing to save."""
    try:
        km.shutdown_kernel(now=True)
    except Exception:
        pass
    sockets = getattr(km, "_seoulcomm_sockets", None)
    if sockets:
        shutil.rmtree(sockets, ignore_errors=True)
