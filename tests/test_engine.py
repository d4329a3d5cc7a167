"""The execution engine (seoulcomm/engine.py): papermill's ``seoulcomm`` engine in forked
report processes, byte-identical to a kernel; deadlines, dying reports, no orphans, signals.

Bounds stated here (each a hard limit that turns a hang into a failure, not a speed check):
a build whose one report dies (``os._exit``, SIGKILL) or hangs (a cell that never ends, with
``cell_timeout=3``; a report past ``report_timeout=4``) ends within 240 s, with that one report
failed and the ten others built; a killed build's processes are all gone within 10 s.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import nbformat
import psutil
import pytest

from seoulcomm import build, engine, params, paths, report
from test_report import make_notebooks

REPORTS = params.reports()
ALL = sorted(r.name for r in REPORTS)
#: the stand-in report that misbehaves in the tests below
VICTIM = "2016/city-brand"
BUILD_BOUND = 240


# ------------------------------------------------------------------------- same bytes as a kernel

@pytest.mark.parametrize("name", ALL)
def test_batch_html_is_byte_identical_to_a_plain_kernel_run(name, built_reports, tmp_path):
    # the reference: papermill on a fresh python3 kernel, then the same exporter
    r = next(r for r in REPORTS if r.name == name)
    result = report.render(r, None, tmp_path)  # OnKernel: a fresh python3 kernel
    assert result.ok, result.message
    assert (tmp_path / r.output).read_bytes() == (built_reports / r.output).read_bytes()


def test_papermill_runs_a_notebook_with_the_seoulcomm_engine(tmp_path):
    import papermill

    out = tmp_path / "out.ipynb"
    nb = papermill.execute_notebook(
        str(paths.NOTEBOOKS_DIR / "program.ipynb"), str(out), engine_name=engine.ENGINE_NAME,
        parameters={"program": "social-media"}, progress_bar=False, cwd=str(paths.NOTEBOOKS_DIR))
    assert report.headline_of(nb)["title"]
    assert nbformat.read(str(out), as_version=4).cells[-1].outputs


def test_the_engine_is_a_papermill_entry_point():
    from importlib.metadata import entry_points

    names = {ep.name: ep.value for ep in entry_points(group="papermill.engine")}
    assert names.get("seoulcomm") == "seoulcomm.engine:Engine"


def test_each_report_starts_from_a_fresh_process(tmp_path):
    # one report sets a global and a matplotlib option; the next, forked from the same warm
    # parent, sees neither
    folder = make_notebooks(tmp_path / "nb")
    _add_cell(folder, "division", textwrap.dedent("""
        import matplotlib, os
        seen = (globals().get("LEAK"), matplotlib.rcParams["lines.linewidth"])
        LEAK = division
        matplotlib.rcParams["lines.linewidth"] = 9
        with open(os.path.join(OUT, division + ".json"), "w") as fh:
            fh.write(__import__("json").dumps([seen, os.getpid()]))
        """).replace("OUT", repr(str(tmp_path))))
    summary = build.build(out_dir=tmp_path / "out", notebooks_dir=folder, jobs=1,
                          only=["2016/*"], progress="quiet")
    assert not summary.failed, [f.message for f in summary.failed]
    seen = [json.loads(p.read_text()) for p in sorted(tmp_path.glob("*.json"))]
    assert len(seen) == 4
    import matplotlib

    assert all(s[0] == [None, matplotlib.rcParams["lines.linewidth"]] for s in seen)
    assert len({s[1] for s in seen}) == 4 and os.getpid() not in {s[1] for s in seen}


# ------------------------------------------------------------------------- deaths and deadlines

def _add_cell(folder: Path, kind: str, source: str) -> None:
    path = folder / f"{kind}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells.insert(3, nbformat.v4.new_code_cell(source))  # after the data is loaded
    nbformat.write(nb, str(path))


def _victim_notebooks(folder: Path, code: str) -> Path:
    make_notebooks(folder)
    body = textwrap.indent(textwrap.dedent(code).strip(), "    ")
    _add_cell(folder, "division", f'if division == "city-brand" and year == 2016:\n{body}\n')
    return folder


def _build_in_subprocess(tmp_path: Path, notebooks: Path, **options) -> tuple[dict, float]:
    """Build the stand-ins in a child Python; return its summary and wall time."""
    script = textwrap.dedent(f"""
        import json
        from seoulcomm import build
        s = build.build(out_dir={str(tmp_path / 'out')!r}, notebooks_dir={str(notebooks)!r},
                        jobs=2, progress="quiet", **{options!r})
        print(json.dumps({{"built": s.built, "failed": [[f.name, f.message, f.error] for f in s.failed],
                           "code": s.exit_code}}))
    """)
    started = time.monotonic()
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=BUILD_BOUND, cwd=str(paths.ROOT))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1]), time.monotonic() - started


def _only_the_victim_failed(summary: dict) -> dict:
    assert summary["code"] == 1
    assert [f[0] for f in summary["failed"]] == [VICTIM]
    assert sorted(summary["built"]) == sorted(set(ALL) - {VICTIM})
    return {"message": summary["failed"][0][1], **summary["failed"][0][2]}


def test_a_cell_calling_os_exit_fails_only_its_report(tmp_path):
    notebooks = _victim_notebooks(tmp_path / "nb", "import os\nos._exit(3)")
    summary, _ = _build_in_subprocess(tmp_path, notebooks)
    failure = _only_the_victim_failed(summary)
    assert failure["ename"] == "WorkerDied" and "종료 코드 3" in failure["evalue"]
    assert failure["cell"] == 5  # 1-based, counting papermill's injected-parameters cell


def test_a_killed_report_process_fails_only_its_report(tmp_path):
    notebooks = _victim_notebooks(tmp_path / "nb", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    summary, _ = _build_in_subprocess(tmp_path, notebooks)
    failure = _only_the_victim_failed(summary)
    assert failure["ename"] == "WorkerDied" and "SIGKILL" in failure["evalue"]


def test_a_cell_that_never_ends_fails_at_the_cell_deadline(tmp_path):
    notebooks = _victim_notebooks(tmp_path / "nb", "while True:\n    pass")
    summary, _ = _build_in_subprocess(tmp_path, notebooks, cell_timeout=3)
    failure = _only_the_victim_failed(summary)
    assert failure["ename"] == "CellTimeoutError" and "3초" in failure["evalue"]
    assert failure["source"].startswith("if division ==")


def test_a_report_past_its_deadline_fails(tmp_path):
    notebooks = _victim_notebooks(tmp_path / "nb", "import time\nfor _ in range(100):\n    time.sleep(1)")
    summary, _ = _build_in_subprocess(tmp_path, notebooks, report_timeout=4)
    failure = _only_the_victim_failed(summary)
    assert failure["ename"] == "ReportTimeoutError" and "--report-timeout" in failure["evalue"]


def test_a_failing_cell_is_reported_with_its_exception(tmp_path):
    notebooks = _victim_notebooks(tmp_path / "nb", 'raise RuntimeError("일부러 낸 오류")')
    summary, _ = _build_in_subprocess(tmp_path, notebooks)
    failure = _only_the_victim_failed(summary)
    assert failure["ename"] == "RuntimeError" and failure["evalue"] == "일부러 낸 오류"
    failed_nb = tmp_path / "out" / "2016" / "city-brand.failed.ipynb"
    outputs = [o for c in nbformat.read(str(failed_nb), as_version=4).cells for o in c.get("outputs", [])]
    assert any(o.output_type == "error" and o.ename == "RuntimeError" for o in outputs)


def test_cli_timeout_options_are_checked(run_cli, tmp_path):
    for option in ("--cell-timeout", "--report-timeout"):
        for bad in ("0", "-1", "abc", "inf"):
            code, _, stderr = run_cli("build", "--out", str(tmp_path / "o"), option, bad)
            assert code == 2 and "Traceback" not in stderr, (option, bad, stderr)
    assert not (tmp_path / "o").exists()


# ------------------------------------------------------------------------- no orphans, signals

def _start_slow_build(tmp_path: Path) -> tuple[subprocess.Popen, list]:
    """A CLI-like build whose reports all sleep; return it once its report processes run."""
    notebooks = make_notebooks(tmp_path / "nb")
    for kind in ("division", "office", "program"):
        _add_cell(notebooks, kind, "import time\ntime.sleep(300)")
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from seoulcomm import cli, paths
        paths.NOTEBOOKS_DIR = Path({str(notebooks)!r})
        sys.exit(cli.main(["build", "--out", {str(tmp_path / 'out')!r}, "--jobs", "2"]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=str(paths.ROOT),
                            # as in a terminal (a background job inherits SIGINT ignored)
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    parent = psutil.Process(proc.pid)
    deadline = time.monotonic() + BUILD_BOUND
    while time.monotonic() < deadline:
        kids = parent.children(recursive=True)
        if len(kids) >= 2:
            return proc, kids
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    proc.kill()
    pytest.fail("the build never started its report processes")


def _gone_within(processes: list, seconds: float) -> list:
    deadline = time.monotonic() + seconds
    alive = processes
    while time.monotonic() < deadline:
        alive = [p for p in processes if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
        if not alive:
            return []
        time.sleep(0.1)
    return alive


def test_kill_9_of_a_build_leaves_no_process(tmp_path):
    proc, kids = _start_slow_build(tmp_path)
    proc.kill()
    proc.wait(timeout=10)
    assert _gone_within(kids, 10) == []


@pytest.mark.parametrize("sig, code, line", [
    (signal.SIGTERM, 143, "seoulcomm: 종료 신호(SIGTERM)를 받아 중단했습니다"),
    (signal.SIGINT, 130, "seoulcomm: 중단했습니다(Ctrl-C)"),
])
def test_sigterm_and_ctrl_c_stop_cleanly(tmp_path, sig, code, line):
    proc, kids = _start_slow_build(tmp_path)
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)
    assert proc.returncode == code
    assert stderr.strip() == line
    assert _gone_within(kids, 10) == []


CTRL_C_WHILE_FORKING = """
import os, signal, time
from seoulcomm import aside, procs

# Ctrl-C arrives while os.fork runs its at-fork hooks (as logging's lock release does): an
# exception raised there is printed as ignored and lost, and the build went on
os.register_at_fork(after_in_parent=lambda: os.kill(os.getpid(), signal.SIGINT))

def target(report, notify):
    time.sleep(300)

sup = procs.Supervisor(target, jobs=1, report_timeout=600)
try:
    sup.run([("a", "a")], lambda key, report, result: None)
except KeyboardInterrupt:
    print("supervisor stopped", sup.running == {})
try:
    aside.start(lambda: time.sleep(300))
except KeyboardInterrupt:
    print("aside stopped")
"""


def test_ctrl_c_while_a_report_process_is_forked_stops_the_build():
    proc = subprocess.run([sys.executable, "-c", CTRL_C_WHILE_FORKING], capture_output=True,
                          text=True, timeout=60, cwd=str(paths.ROOT))
    assert proc.stdout.split("\n")[:2] == ["supervisor stopped True", "aside stopped"], \
        (proc.stdout, proc.stderr)
    assert "Exception ignored" not in proc.stderr, proc.stderr


# ------------------------------------------------------------------------- Dask

def test_dask_workers_are_warmed_once_and_fork_each_report(tmp_path, built_reports):
    distributed = pytest.importorskip("distributed")
    only = ["2015/*", "2016/office"]
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        summary = build.build(out_dir=tmp_path, only=only, scheduler=client, progress="quiet")
        warmed = client.run(lambda: __import__("seoulcomm.engine").engine.PREPARED)
        # the workers load the bytes the build read (issue 26: one data version), not the disk
        pinned = client.run(lambda: sorted(__import__("seoulcomm.load").load._PINNED))
        worker_pids = set(client.run(os.getpid).values())
    # 2015/*: the office, four divisions and the year's brief; and 2016/office
    assert len(summary.built) == 7 and not summary.failed
    assert sorted(warmed.values()) == [1, 1]  # one warm state per worker process, reused
    assert list(pinned.values()) == [[str(paths.DEFAULT_DATA_DIR)]] * 2
    for name in summary.built:
        assert (tmp_path / f"{name}.html").read_bytes() == (built_reports / f"{name}.html").read_bytes()
    assert os.getpid() not in worker_pids
