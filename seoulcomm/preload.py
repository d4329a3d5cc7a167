"""The data of a local build, loaded in a forked process while this one imports the rest.

A cold build starts with two pieces of serial work that need nothing from each other: loading,
checking and auditing the data, and importing what the reports run on (IPython, matplotlib,
nbconvert, papermill) and filling their caches. :func:`start` forks a process (the build imports
pandas, which both need, just before) that loads the data, audits it and indexes it
(:func:`warm_data`) and writes all of it, pickled, to an unlinked file (never waiting for
this process to read it); this process meanwhile warms its libraries. The helper is done long
before the warm-up (≈ 0.3 s against ≈ 1.4 s on the shipped data), so it then goes on to a
``then`` step while the build warms and its reports start: the build gives it the index's
monitoring view (:meth:`Preload.beside`), which a process forked beside the reports computed
before. A ``first`` step (the build hashes the data files there, before they are read)
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
import tempfile
import time

from . import aside, audit, load, views
from .procs import held_signals, set_pdeathsig


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
    for it (call :meth:`close` if not).

    ``then(ds)``, when given, is computed by the same process once it has sent the data: the
    helper is done loading long before this process is done warming (≈ 0.3 s against ≈ 1.4 s
    on the shipped data), and the second core is otherwise idle meanwhile. :meth:`beside`
    hands that work over as an :class:`seoulcomm.aside.Aside`."""

    def __init__(self, folder, first=lambda: None, then=None):
        self.folder, self.first, self.then = folder, first, then
        self.pid, self.fd, self.status, self.finished = None, None, None, False
        self.late = False
        # the data, and then's answer, go to unlinked files the helper inherits: it never
        # blocks on a reader (this process reads only once warm); the pipe's end says done
        self.data = tempfile.TemporaryFile()
        self.answer = tempfile.TemporaryFile() if then is not None else None
        read_fd, write_fd = os.pipe()
        with held_signals() as held:  # a Ctrl-C now stops the build once the pid is known
            pid = os.fork()
            if pid == 0:  # the helper: never returns
                held.release()
                os.close(read_fd)
                _child(folder, first, write_fd, self.data, then, self.answer)
            os.close(write_fd)
            self.pid, self.fd = pid, read_fd

    def _payload(self, timeout: float | None = None) -> bytes | None:
        """What the helper wrote, once it closes the pipe; None when it failed or did not
        finish within ``timeout`` seconds (stopped, say, by SIGSTOP: it is then killed)."""
        payload, whole = b"", False
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                if deadline is not None:
                    ready, _, _ = select.select([self.fd], [], [], max(0.0, deadline - time.monotonic()))
                    if not ready:
                        self.late = True
                        return None  # close() (below) kills it: the data is then loaded here
                if not os.read(self.fd, 1 << 16):
                    self.finished = True
                    break
            self.data.seek(0)
            payload = self.data.read()
            # whole: the length it announced (a helper that died mid-way wrote less; one at
            # work on ``then`` has not exited yet, so its exit status cannot say)
            size = int.from_bytes(payload[:8], "big") if len(payload) >= 8 else -1
            whole = size == len(payload) - 8
        finally:
            self.close(keep=whole)  # only a helper that wrote the data whole is left at work
        return payload[8:] if whole and (self.then is not None or self.status == 0) else None

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

    def beside(self, compute):
        """The helper's work on ``then`` as an :class:`seoulcomm.aside.Aside` (``compute()``:
        the same answer computed here, should the helper fail): after :meth:`result`, when
        the helper sent the data; None otherwise. The helper is then the Aside's to wait
        for or kill."""
        if self.then is None or self.pid is None or not self.finished:
            return None
        handed = aside.Aside.adopt(compute, self.pid, self.answer)
        self.pid = self.answer = None
        return handed

    def close(self, keep: bool = False) -> None:
        """Stop: a helper not yet done is killed (a build stopped by an error, Ctrl-C or SIGTERM
        does not wait for it), the pipe closed, the process reaped. ``keep``: a helper that
        sent the data whole is left at work on ``then`` (see :meth:`beside`)."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self.data is not None:
            self.data.close()
            self.data = None
        if keep and self.then is not None:
            return
        if self.answer is not None:
            self.answer.close()
            self.answer = None
        if self.pid is not None:
            if not self.finished or self.then is not None:  # loading, or at work on then
                try:
                    os.kill(self.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            _, status = os.waitpid(self.pid, 0)
            self.status = os.waitstatus_to_exitcode(status)
            self.pid = None


def start(folder, first=lambda: None, then=None) -> Preload:
    """Fork the helper running ``first()``, loading ``folder``, then computing ``then(ds)``
    (see the module's text and :class:`Preload`)."""
    return Preload(folder, first, then)


def _child(folder, first, write_fd: int, data, then=None, answer=None) -> None:
    code, ds = 1, None
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
        view = memoryview(len(payload).to_bytes(8, "big") + payload)
        while view:
            view = view[os.write(data.fileno(), view):]
        code = 0
    except BaseException:  # noqa: BLE001 — the parent loads the data itself and says what is wrong
        pass
    finally:
        if code != 0 or then is None:
            os._exit(code)
    try:
        os.close(write_fd)  # the data is written: the build goes on while this computes then
    finally:  # never returns
        aside.answer_into(lambda: then(ds), answer.fileno())
