"""The data of a local build, loaded by a forked helper while the build imports the rest
(seoulcomm/preload.py): it must hand back exactly what loading here gives, and nothing may
depend on it succeeding."""
from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from seoulcomm import audit, load, paths, preload
from seoulcomm.errors import DataErrors

sys.path.insert(0, str(paths.ROOT / "benchmarks"))
from synthetic import make_dataset  # noqa: E402


def _reference(folder):
    """The data and audit of ``folder`` computed here, from the files, without any cache."""
    load.forget()
    ds = load.load_all(folder)
    return ds, audit.reconcile(ds)


def _same_data(ds, ref) -> None:
    assert list(ds.tables) == list(ref.tables)
    for name in ref.tables:
        pd.testing.assert_frame_equal(ds.tables[name], ref.tables[name], check_exact=True)
    assert ds.refs == ref.refs
    assert ds.catalog == ref.catalog


def test_the_helper_hands_back_the_data_and_the_audit_loading_here_gives(data_copy):
    helper = preload.start(data_copy, first=lambda: ("hashed", os.getpid()))
    (what, pid), ds = helper.result()
    assert what == "hashed" and pid != os.getpid()  # the first step ran in the helper
    # the audit came with it, kept for this data: reports reuse it, nothing recomputes it
    kept = audit.reconciled_state(ds)
    assert kept[0] is ds.tables
    assert audit._reconciled(ds)[0] is kept[1]
    # the row index came too (the reports' selections need it built before they fork)
    assert ("positions", "budget_division", "unit") in ds.memo
    given_audit = audit.reconcile(ds)
    ref, ref_audit = _reference(data_copy)
    assert ds.tables is not ref.tables
    _same_data(ds, ref)
    pd.testing.assert_frame_equal(given_audit, ref_audit, check_exact=True)
    # 2016 업무보고 Ⅰ-3 2016년 예산현황 <부서별>: 시민소통담당관 12,198백만원 — in 원 as loaded
    assert int(ds.rows("budget_division", year=2016, unit="citizen-communication")["budget"].iloc[0]) \
        == 12_198_000_000


def test_a_helper_killed_leaves_the_work_to_this_process(data_copy):
    helper = preload.start(data_copy, first=lambda: os.getpid())
    child = helper.pid
    os.kill(child, signal.SIGKILL)
    pid, ds = helper.result()
    assert helper.status == -signal.SIGKILL  # it really died, and was reaped
    assert pid == os.getpid()  # so the first step ran here
    ref, _ = _reference(data_copy)
    _same_data(ds, ref)
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # reaped: nothing left behind


def test_bad_data_through_the_helper_raises_the_loaders_own_message(data_copy):
    path = data_copy / "budget_division.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[1][rows[0].index("budget")] = "12x4"
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    with pytest.raises(DataErrors) as through_helper:
        preload.start(data_copy).result()
    load.forget()
    with pytest.raises(DataErrors) as here:
        load.load_all(data_copy)
    assert str(through_helper.value) == str(here.value)
    assert "budget_division.csv" in str(here.value) and "12x4" in str(here.value)


def test_closing_without_waiting_stops_the_helper_at_once(data_copy):
    def first():  # the helper is still busy when the build stops
        time.sleep(60)

    helper = preload.start(data_copy, first=first)
    child = helper.pid
    began = time.monotonic()
    helper.close()  # a build that fails, or is stopped, before it needs the data
    assert time.monotonic() - began < 10  # not the 60 s the helper would still take
    assert helper.status == -signal.SIGKILL
    assert helper.pid is None and helper.fd is None
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)


def test_the_helper_goes_on_to_the_next_step_once_the_data_is_written(data_copy):
    """A build gives the helper the index's monitoring view as ``then``: it computes it after
    writing the data (while the build still warms), and hands it over as an Aside."""
    from seoulcomm import index_page

    helper = preload.start(data_copy, then=lambda ds: (os.getpid(), index_page.overviews(ds)))
    child = helper.pid
    _, ds = helper.result()
    beside = helper.beside(lambda: (os.getpid(), index_page.overviews(ds)))
    assert helper.pid is None and beside.pid == child  # the helper is now the Aside's
    pid, figures = beside.result()
    assert pid == child and beside.status == 0  # computed there, not here
    here = index_page.overviews(ds)  # the same figures as computed here
    assert list(figures) == list(here) == sorted(ds.years(), reverse=True)
    for year in here:
        pd.testing.assert_frame_equal(figures[year], here[year])
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)  # reaped


def test_a_failing_next_step_leaves_the_answer_to_this_process(data_copy):
    helper = preload.start(data_copy, then=lambda ds: 1 / 0)
    _, ds = helper.result()
    beside = helper.beside(lambda: ("here", len(ds.tables)))
    assert beside.result() == ("here", len(ds.tables)) and beside.status == 1


def test_a_build_that_stops_before_taking_the_next_step_kills_it(data_copy):
    helper = preload.start(data_copy, then=lambda ds: time.sleep(60))
    child = helper.pid
    helper.result()  # the data is in; the helper sleeps in its next step
    began = time.monotonic()
    helper.close()  # never handed over (the build failed before the reports)
    assert time.monotonic() - began < 10 and helper.status == -signal.SIGKILL
    with pytest.raises(ChildProcessError):
        os.waitpid(child, os.WNOHANG)


def test_a_helper_killed_before_writing_the_data_hands_over_nothing(data_copy):
    """Only a helper that wrote the data whole (its length first) is left at its next step."""
    helper = preload.start(data_copy, first=lambda: os.getpid(), then=lambda ds: "there")
    child = helper.pid
    os.kill(child, signal.SIGKILL)
    first, ds = helper.result()
    assert first == os.getpid()  # done here
    assert helper.beside(lambda: "here") is None and helper.status == -signal.SIGKILL
    ref, _ = _reference(data_copy)
    _same_data(ds, ref)


def test_each_report_records_the_digest_of_exactly_what_it_read(built_reports, dataset):
    """The report processes hash what they read; the build compares that hash, computed by
    itself, on the next build: both must be one function of the same rows."""
    cache = json.loads((built_reports / ".cache.json").read_text(encoding="utf-8"))
    assert len(cache["reports"]) == 13  # 11 reports and the two years' briefs
    for name, entry in cache["reports"].items():
        assert entry["reads"] and all(isinstance(r, dict) for r in entry["reads"]), name
        assert entry["digest"] == load.digest_reads(dataset, entry["reads"]), name


@pytest.fixture(scope="module")
def slow_data(tmp_path_factory):
    """Data of 400 divisions × 10 years: loading and checking it takes seconds."""
    folder = tmp_path_factory.mktemp("city") / "data"
    make_dataset(folder, 400, 10)
    return folder


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGKILL, -signal.SIGKILL)])
def test_a_build_stopped_while_its_helper_loads_leaves_no_process(tmp_path, slow_data, sig, code):
    psutil = pytest.importorskip("psutil")
    proc = subprocess.Popen([sys.executable, "-m", "seoulcomm", "build", "--data", str(slow_data),
                             "--out", str(tmp_path / "out")], cwd=str(paths.ROOT),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    build_process = psutil.Process(proc.pid)
    deadline = time.monotonic() + 60
    helpers = []
    while not helpers and time.monotonic() < deadline:  # the helper, forked at the start
        helpers = build_process.children()
        time.sleep(0.05)
    assert helpers, "no helper process seen"
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    assert proc.returncode == code
    gone, alive = psutil.wait_procs(helpers, timeout=10)
    assert alive == []
    assert not (tmp_path / "out" / "index.html").exists()  # nothing was built
