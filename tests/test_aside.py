"""Work forked beside the reports (seoulcomm/aside.py): the answer is the process's when it
succeeds, computed in this process when the process fails in any way, and a process not
waited for is killed, never left behind. Real forks, real signals."""
from __future__ import annotations

import os
import signal
import time

import pandas as pd
import pytest

from seoulcomm import aside, index_page, load


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_answer_comes_from_the_forked_process():
    parent = os.getpid()
    # the pid is computed where compute() runs: another process's, not this one's
    assert aside.start(os.getpid).result() != parent


def test_a_failing_process_leaves_the_answer_to_this_one():
    calls = []

    def compute():
        calls.append(os.getpid())
        if os.getpid() != here:
            raise RuntimeError("fails in the aside process")
        return "here"

    here = os.getpid()
    assert aside.start(compute).result() == "here"
    assert calls == [here]  # the process's call is in its own memory; this one computed once


def test_an_error_here_is_raised_as_without_the_process():
    def compute():
        raise ValueError("bad data")

    with pytest.raises(ValueError, match="bad data"):
        aside.start(compute).result()


def test_a_killed_process_leaves_the_answer_to_this_one():
    def compute():
        if os.getpid() != here:
            time.sleep(30)
        return "here"

    here = os.getpid()
    job = aside.start(compute)
    os.kill(job.pid, signal.SIGKILL)
    started = time.monotonic()
    assert job.result() == "here"
    assert time.monotonic() - started < 10


def test_close_kills_a_process_not_yet_done():
    job = aside.start(lambda: time.sleep(30))
    pid = job.pid
    assert _alive(pid)
    job.close()
    assert not _alive(pid)
    assert job.status == -signal.SIGKILL


def test_the_monitoring_view_is_the_same_from_the_aside_process():
    ds = load.load_all()
    here = index_page.overviews(ds)
    there = aside.start(lambda: index_page.overviews(ds)).result()
    assert list(there) == list(here) == sorted(ds.years(), reverse=True)
    for year in here:
        pd.testing.assert_frame_equal(there[year], here[year])


def test_an_answer_never_asked_for_leaves_no_process_waiting():
    # far more than a pipe holds: the process writes it all and ends without a reader
    job = aside.start(lambda: b"x" * (8 << 20))
    pid = job.pid
    for _ in range(200):
        done, _status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.05)
    assert done == pid
    job.pid = None  # reaped here
    job.close()
