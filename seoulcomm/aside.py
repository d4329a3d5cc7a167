"""Work done in a forked process beside the reports, its answer taken when it is needed.

A build computes the index's monitoring view (:func:`seoulcomm.index_page.overviews`) from the
data alone, after the last report. Done there, it is serial time at the end of every build,
while the cores have nothing else to do. :func:`start` forks a process that computes it while
the reports run and writes the answer, pickled, to an unlinked temporary file (a process that
is never asked waits on no reader); :meth:`Aside.result` waits for it and takes the answer.

Nothing depends on the process succeeding: if it fails in any way (killed, an exception, an
answer that does not unpickle), :meth:`Aside.result` computes the answer here, as without it,
so an error is raised where it always was. The process is asked to be killed when the build
dies (``PR_SET_PDEATHSIG``), and :meth:`Aside.close` kills one not yet done (a build stopped by
an error, Ctrl-C or SIGTERM does not wait for it).
"""
from __future__ import annotations

import os
import pickle
import signal
import tempfile
import time

from .procs import held_signals, set_pdeathsig

#: Longest :meth:`Aside.result` waits for the process once asked [s]; past it (a process
#: stopped, say by SIGSTOP) it is killed and the answer computed here.
TIMEOUT = 300.0


class Aside:
    """``compute()`` running in a forked process; :meth:`result` waits for its answer."""

    def __init__(self, compute, *, pid: int | None = None, file=None):
        self.compute = compute
        self.pid, self.status, self.late = None, None, False
        if pid is not None:  # a process already at work on it (see :meth:`adopt`)
            self.pid, self.file = pid, file
            return
        # the answer goes to an unlinked temporary file, not a pipe: the process never blocks
        # on a reader, so a build that never asks for the answer leaves nothing waiting
        self.file = tempfile.TemporaryFile()
        with held_signals() as held:  # a Ctrl-C now stops the build once the pid is known
            pid = os.fork()
            if pid == 0:  # the aside process: never returns
                held.release()
                _child(compute, self.file.fileno())
            self.pid = pid

    @classmethod
    def adopt(cls, compute, pid: int, file) -> "Aside":
        """The Aside of a child of this process (``pid``) that is computing ``compute()``'s
        answer into ``file`` (an unlinked temporary file it inherited) through
        :func:`answer_into`; it is then this object's to wait for, read, or kill."""
        return cls(compute, pid=pid, file=file)

    def result(self, timeout: float | None = None):
        """``compute()``'s answer: the process's, or computed here when it failed or did not end
        within ``timeout`` seconds (default :data:`TIMEOUT`; then :attr:`late` is True)."""
        payload = b""
        if self.pid is not None:
            deadline = time.monotonic() + (TIMEOUT if timeout is None else timeout)
            try:
                while True:  # never an unbounded wait: a stopped process must not hold the build
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                    if pid or time.monotonic() >= deadline:
                        break
                    time.sleep(0.02)
                if not pid:
                    self.late = True  # close() (below) kills it; the answer is computed here
                else:
                    self.status, self.pid = os.waitstatus_to_exitcode(status), None
                    if self.status == 0:
                        self.file.seek(0)
                        payload = self.file.read()
            finally:
                self.close()
        if payload:
            try:
                return pickle.loads(payload)
            except Exception:  # anything odd: as without the process
                pass
        return self.compute()

    def close(self) -> None:
        """Stop: a process not yet done is killed and reaped, the file closed."""
        if self.pid is not None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            _, status = os.waitpid(self.pid, 0)
            self.status, self.pid = os.waitstatus_to_exitcode(status), None
        self.file.close()


def start(compute) -> Aside:
    """Fork a process computing ``compute()`` (see the module's text)."""
    return Aside(compute)


def _child(compute, fd: int) -> None:
    try:
        set_pdeathsig(signal.SIGKILL)
    finally:  # never returns, whatever happens
        answer_into(compute, fd)


def answer_into(compute, fd: int) -> None:
    """In a forked process: write ``compute()``'s answer, pickled, to ``fd`` and exit (0 when
    it was written whole; never returns)."""
    code = 1
    try:
        payload = pickle.dumps(compute(), protocol=pickle.HIGHEST_PROTOCOL)
        view = memoryview(payload)
        while view:
            view = view[os.write(fd, view):]
        code = 0
    except BaseException:  # noqa: BLE001 — the parent computes it itself and says what is wrong
        pass
    finally:
        os._exit(code)
