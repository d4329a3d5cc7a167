"""Process helpers: one forked process per report, deadlines, no orphans, SIGTERM.

- :class:`Supervisor` forks one process per report from this (warm) process, at most
  ``jobs`` at a time; the child runs ``target(report, notify)`` and sends its result back on
  a pipe, telling the parent when each cell starts.
- **Deadlines**: the parent kills a report whose cell runs longer than ``cell_timeout`` or
  which runs longer than ``report_timeout`` in all (its process group, SIGKILL). A child that
  dies (``os._exit`` in a cell, SIGKILL, the OOM killer) closes its pipe: the parent sees it
  at once. Either way only that report fails, with a :class:`~seoulcomm.errors.ReportFailure`
  named by its class; the batch goes on.
- **No orphans**: every child asks the kernel to SIGKILL it when its parent dies
  (:func:`set_pdeathsig`), and runs in its own process group, which the parent kills on a
  deadline, on SIGTERM (:class:`signals`) and on Ctrl-C before it exits.
"""
from __future__ import annotations

import ctypes
import errno
import json
import os
import selectors
import signal
import sys
import threading
import time
import traceback
import warnings
from dataclasses import dataclass, field

from .errors import (CellTimeoutError, ReportFailure, ReportTimeoutError, Terminated, WorkerDied,
                     WorkerError)

#: Longest one notebook cell may run [s] (``--cell-timeout``).
CELL_TIMEOUT = 600
#: Longest one report may run in all [s] (``--report-timeout``).
REPORT_TIMEOUT = 900
#: Longest a report process may take to exit once it has sent its result or closed its pipe [s].
REAP_GRACE = 5.0
#: Longest a result may stay half sent with no byte arriving (a report process stopped, say by
#: SIGSTOP, while it writes its result) [s]; then that report fails.
RESULT_TRANSIT = 30.0


def failure(exc: ReportFailure, *, cell: int | None = None, source: str = "") -> dict:
    """A report's ``error`` fields for ``exc``: its class name, its message, the cell."""
    return {"cell": cell, "source": source, "ename": type(exc).__name__, "evalue": str(exc)}


def cell_error(exc) -> dict:
    """A report's ``error`` fields for a notebook cell that raised (papermill's
    ``PapermillExecutionError``: the cell's position, first line and exception)."""
    return {"cell": exc.cell_index + 1, "source": first_line(exc.source),
            "ename": exc.ename, "evalue": exc.evalue}


def first_line(source: str) -> str:
    """A cell's first non-blank line (at most 120 characters; `` …`` when more follow)."""
    lines = [l.strip() for l in (source or "").splitlines() if l.strip()]
    return (lines[0][:120] + (" …" if len(lines) > 1 else "")) if lines else ""


def fresh_child_state() -> None:
    """In a freshly forked report process: forget what the warm-up's warnings recorded."""
    warnings.onceregistry.clear() if hasattr(warnings, "onceregistry") else None
    warnings._filters_mutated()


_libc = None


def set_pdeathsig(sig: int = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` to this process when its parent dies (no-op elsewhere)."""
    global _libc
    if not sys.platform.startswith("linux"):
        return
    try:
        if _libc is None:
            _libc = ctypes.CDLL(None, use_errno=True)
        _libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG
    except Exception:
        pass


#: The signals that stop a build (Ctrl-C, SIGTERM), held while a process is forked.
STOPPING = (signal.SIGINT, signal.SIGTERM)


class held_signals:
    """Within this block, Ctrl-C and SIGTERM wait (are blocked, then delivered as it ends).

    ``os.fork`` runs Python's at-fork hooks (logging's lock release among them); a signal whose
    handler raises there (KeyboardInterrupt, :class:`Terminated`) is printed as "Exception
    ignored" and lost: the build went on as if never stopped. Forking in this block, and
    taking the child's pid in before it ends, the signal is raised after, in ordinary code,
    with the child known and so killed. The child calls :meth:`release` first (it inherits the
    blocked mask; a signal pending in the parent is not the child's)."""

    def __enter__(self):
        self._old = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
        return self

    def release(self) -> None:
        signal.pthread_sigmask(signal.SIG_SETMASK, self._old)

    def __exit__(self, *exc):
        self.release()
        return False


def describe_status(status: int) -> str:
    """Why a child process ended, in one Korean line, from its wait status."""
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
    sending: float | None = None  # when the last byte of a result still in transit arrived


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
        with held_signals() as held:  # a Ctrl-C now stops the build once the child is known
            pid = os.fork()
            if pid == 0:
                held.release()
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
        if job.sending is not None:
            limits.append((job.sending + RESULT_TRANSIT, "transit"))
        return min(limits) if limits else (float("inf"), None)

    def _finish(self, job: _Job, error: dict | None = None):
        self.selector.unregister(job.fd)
        del self.running[job.fd]
        os.close(job.fd)
        status, cpu = None, 0.0
        if error is not None:
            self._kill(job)
        status, cpu = self._reap(job)
        try:  # whatever the report started in its group goes with it
            os.killpg(job.pid, signal.SIGKILL)
        except OSError:
            pass
        if error is None and job.result is not None and "R" in job.result:
            return job.key, job.report, {**job.result["R"], "cpu": cpu}
        if error is None:
            if job.result and "E" in job.result:
                evalue = job.result["E"].strip().splitlines()[-1] if job.result["E"].strip() else ""
                exc = WorkerError(evalue)
            else:
                exc = WorkerDied(describe_status(status) if status is not None
                                 else "보고서 프로세스가 비정상 종료되었습니다")
            at = {} if job.cell is None else {"cell": job.cell + 1,
                                              "source": self.cell_source(job.report, job.cell)}
            error = failure(exc, **at)
        return job.key, job.report, {"error": error, "cpu": cpu}

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
            if job.buffer[:2] in (b"R ", b"E "):  # a result in transit: it must keep arriving
                job.sending = time.monotonic()

    def wait(self):
        """Block until one running report ends; return ``(key, report, result-dict)``."""
        while True:
            now = time.monotonic()
            soonest, due = float("inf"), None
            for job in list(self.running.values()):
                at, why = self._deadline(job)
                if at <= now:
                    if why == "cell":
                        return self._finish(job, failure(CellTimeoutError(
                            f"셀 실행 시간이 제한({self.cell_timeout:g}초)을 넘어 중단했습니다"
                            " (--cell-timeout)"),
                            cell=job.cell + 1, source=self.cell_source(job.report, job.cell)))
                    if why == "transit":
                        return self._finish(job, failure(ReportTimeoutError(
                            f"보고서 프로세스가 결과를 보내다 {RESULT_TRANSIT:g}초 동안 멈췄습니다")))
                    return self._finish(job, failure(ReportTimeoutError(
                        f"보고서 실행 시간이 제한({self.report_timeout:g}초)을 넘어 중단했습니다"
                        " (--report-timeout)"),
                        cell=None if job.cell is None else job.cell + 1,
                        source="" if job.cell is None else self.cell_source(job.report, job.cell)))
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
                ended = self.wait()
                # the next report starts before this one is recorded: the caller's bookkeeping
                # (hashing its files, writing the record) runs beside it, not in its way
                while pending and len(self.running) < self.jobs:
                    self.start(*pending.pop())
                done(*ended)
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


def _on_term(signum, frame):
    raise Terminated()


class signals:
    """Within this block, SIGTERM raises :class:`Terminated` (Ctrl-C raises KeyboardInterrupt
    as usual); both unwind through :meth:`Supervisor.run`, which kills the children."""

    def __enter__(self):
        self._saved = None
        if threading.current_thread() is threading.main_thread():
            self._saved = signal.signal(signal.SIGTERM, _on_term)
        return self

    def __exit__(self, *exc):
        if self._saved is not None:
            signal.signal(signal.SIGTERM, self._saved)
        return False
