"""The data of a local build, loaded in a forked process while this one imports the rest.

A cold build starts with two pieces of serial work that need nothing from each other: loading,
checking and auditing the data, and importing what the reports run on (IPython, matplotlib,
nbconvert, papermill) and filling their caches. :func:`start` forks a process (the build imports
pandas, which both need, just before) that loads the data, audits it and indexes it
(:func:`warm_data`) and sends all of it back pickled; this process meanwhile warms its
libraries. A ``first`` step (the build hashes the data files there, before they are read)
runs in the helper before the data is loaded. :meth:`Preload.result` takes the result in and puts it where
:func:`seoulcomm.load.load_all` and the audit look first, so the reports forked later find
both already done.

Nothing depends on the helper succeeding: if it fails in any way (bad data included), the data
is loaded here as it always was, and a bad file raises the loader's own error.
"""
from __future__ import annotations

import os
import pickle
import select
import signal
import sys
import time

from . import audit, load, views
from .procs import set_pdeathsig


def warm_data(ds) -> None:
    """Compute once, on loaded data, what every report asks for: the audit and its index,
    the row positions and hashes reports select and digest by, the years, the dates each
    year is stated at and the divisions it has, and the progress of every outcome."""
    audit.reconcile_frame(ds)   # the whole audit (not one report's rows of the kept one), then
    audit.checks_of(ds, "office")   # its index: every forked report reuses both
    ds.index()
    ds.as_of()
    for year in ds.years():
        views.snapshots(ds, year)
        ds.units_in(year)  # which divisions a year has: every report checks its parameters with it
        # the budget version of each of the year's detail snapshots: a division report asks it
        # for every snapshot of every year up to its own (twelve month-ends × ten years)
        for when in ds.distinct("budget_detail", "as_of", year=int(year)):
            views.snapshot_version(ds, year, when)
    views.warm_outcomes(ds)


class Preload:
    """A forked process running ``first()`` and then loading ``folder``; :meth:`result` waits
    for it (call :meth:`close` if not)."""

    def __init__(self, folder, first=lambda: None):
        self.folder, self.first = folder, first
        self.pid, self.fd, self.status, self.finished = None, None, None, False
        self.late = False
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the helper: never returns
            os.close(read_fd)
            _child(folder, first, write_fd)
        os.close(write_fd)
        self.pid, self.fd = pid, read_fd

    def _payload(self, timeout: float | None = None) -> bytes | None:
        """What the helper sent, read until it closes the pipe; None when it failed or did
        not finish within ``timeout`` seconds (stopped, say, by SIGSTOP: it is then killed)."""
        chunks = []
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                if deadline is not None:
                    ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
                    if not ready:
                        self.late = True
                        return None  # close() (below) kills it: the data is then loaded here
                chunk = os.read(self.fd, 1 << 20)
                if not chunk:
                    self.finished = True
                    break
                chunks.append(chunk)
        finally:
            self.close()
        return b"".join(chunks) if self.status == 0 else None

    def result(self, timeout: float | None = None):
        """``(first(), the loaded data)``: the data a fresh :class:`seoulcomm.load.Dataset`, as
        ``load_all`` gives it. Both are done here when the helper failed or did not finish
        within ``timeout`` seconds (then :attr:`late` is True)."""
        payload = self._payload(timeout)
        taken = False
        if payload:
            try:
                first, dataset, reconciled = pickle.loads(payload)
                load.adopt(dataset)
                audit.adopt_reconciled(dataset, reconciled)
                taken = True
            except Exception:  # anything odd: as without the helper
                load.forget()
        if not taken:
            first = self.first()
        return first, load.load_all(self.folder)  # from the cache, unless a file changed since

    def close(self) -> None:
        """Stop: a helper not yet done is killed (a build stopped by an error, Ctrl-C or SIGTERM
        does not wait for it), the pipe closed, the process reaped."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.pid is not None:
            if not self.finished:
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _, status = os.waitpid(self.pid, 0)
            self.status = os.waitstatus_to_exitcode(status)
            self.pid = None


def start(folder, first=lambda: None) -> Preload:
    """Fork the helper running ``first()`` and loading ``folder`` (see the module's text)."""
    return Preload(folder, first)


def _child(folder, first, write_fd: int) -> None:
    code = 1
    try:
        set_pdeathsig(signal.SIGKILL)
        # pandera imports hypothesis, where it is installed (the test extras), for data
        # strategies a build never asks for: this process, which only loads, goes without
        sys.modules.setdefault("hypothesis", None)
        before = first()
        ds = load.load_all(folder)
        warm_data(ds)
        payload = pickle.dumps((before, load.cached(ds.key), audit.reconciled_state(ds)),
                               protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(payload)
        while view:
            view = view[os.write(write_fd, view):]
        code = 0
    except BaseException:  # noqa: BLE001 — the parent loads the data itself and says what is wrong
        pass
    finally:
        os._exit(code)
