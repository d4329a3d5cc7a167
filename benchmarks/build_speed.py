"""How much faster ``seoulcomm build`` is than the naive loop and ploomber (run by hand or by
``make bench``, not in CI).

One paired run on one machine (everything timed in turn, so all see the same load), for every
report of params/ (each division × year, the office × year, each program):

  naive:     a shell loop of ``papermill <notebook> out.ipynb -p …`` then
             ``jupyter nbconvert --to html --no-input out.ipynb`` per report — a kernel and
             an nbconvert start per report, as users script it — in this lean build
             environment (``--analyst``: also in an environment with JupyterLab, .venv-lab/);
  ploomber:  ploomber 0.23 (the tool a user would pick for parallel, incremental notebook
             pipelines) on the same notebooks with ``upstream``/``product`` added to their
             parameters cell: one ``NotebookRunner`` per report (the grid of reports), HTML
             products, its ``Parallel`` executor with 2 processes; cold into an empty folder,
             then again with nothing changed. Its environment is made once, with pip, in
             ``benchmarks/out/ploomber-venv`` (ploomber and this project);
  cold:      ``seoulcomm build --jobs 2`` into an empty output folder — every report built;
  no-change: ``seoulcomm build`` again, nothing changed — the incremental no-op.
  Both are the median of all builds: ``--builds`` (3) before the first contender and again
  after each, each into its own empty folder: a 5-second build is more exposed to the
  machine's jitter than a loop of 22 commands, and the machine's speed drifts over minutes.
  Before any of it, seoulcomm's bytecode is compiled (``compileall``) and one build warms the
  disk cache, as a first run does on a machine that writes bytecode.

Prints wall time and CPU time (user + system of every process of the command), and each
target as met or not: naive (lean) ÷ cold ≥ 15, naive ÷ no-change ≥ 100, ploomber cold ÷
cold ≥ 10. ``--markdown FILE`` also writes them as a section of docs/performance.md.

    python benchmarks/build_speed.py [--runs N] [--builds N] [--analyst] [--no-ploomber] [--markdown FILE]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from seoulcomm import params, paths

BIN = Path(sys.executable).parent


def naive_script(out: Path, data_dir: Path, bin_dir: Path = BIN) -> str:
    """The shell loop a user would write: papermill, then nbconvert, per report."""
    # jupyter subcommands are looked up on PATH; the python3 kernel runs on papermill's own Python
    lines = ["set -e", f"export PATH={shlex.quote(str(bin_dir))}:\"$PATH\""]
    for r in params.reports(data_dir):
        nb = out / (r.name.replace("/", "_") + ".ipynb")
        args = " ".join(f"-p {k} {shlex.quote(str(v))}" for k, v in r.parameters.items())
        lines.append(f"{shlex.quote(str(bin_dir / 'papermill'))} --no-progress-bar --log-level ERROR "
                     f"{shlex.quote(str(r.notebook))} {shlex.quote(str(nb))} {args} "
                     f"-p data_dir {shlex.quote(str(data_dir))}")
        lines.append(f"{shlex.quote(str(bin_dir / 'jupyter'))} nbconvert --to html --no-input "
                     f"--log-level ERROR {shlex.quote(str(nb))}")
    return "\n".join(lines) + "\n"


def _has_lab(bin_dir: Path) -> bool:
    return bool(list(bin_dir.glob("jupyter-lab")))


def timed(command: list[str], **kw) -> tuple[float, float]:
    """Wall and CPU seconds (user + system, the command and every process it waited for)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"failed (exit {proc.returncode}): {' '.join(command)}")
    return wall, usage.ru_utime + usage.ru_stime


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = " ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}; load average {load}")


class Targets:
    """The targets a benchmark reads its figures against, each printed as met or not."""

    def __init__(self, source: str):
        self.source, self.rows = source, []

    def add(self, what: str, value: float, goal: str, met, shown: str = "{:.1f}") -> None:
        self.rows.append((what, shown.format(value), goal, bool(met(value))))

    def show(self) -> None:
        print(f"\ntargets ({self.source}):")
        for what, value, goal, met in self.rows:
            print(f"  {'met    ' if met else 'NOT MET'}  {what}: {value} (target {goal})")

    def markdown(self) -> str:
        lines = [f"Targets ({self.source}):", "", "| | what | measured | target |", "|---|---|---:|---|"]
        lines += [f"| {'met' if met else '**not met**'} | {what} | {value} | {goal} |"
                  for what, value, goal, met in self.rows]
        return "\n".join(lines)


def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The median wall and the median CPU time of ``runs``."""
    return tuple(statistics.median(x[k] for x in runs) for k in (0, 1))


def lab_bin(root: Path) -> Path:
    """``bin/`` of an analyst's environment (this project with JupyterLab): ``.venv-lab/`` of
    the repository, made once when it is missing."""
    venv = root / ".venv-lab"
    if not _has_lab(venv / "bin"):
        print(f"making an environment with JupyterLab for the analyst's loop: {venv} "
              "(once; pip install -e '.[lab]')", flush=True)
        for command in ([sys.executable, "-m", "venv", str(venv)],
                        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet",
                         "-e", f"{root}[lab]"]):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed (exit {done.returncode}):\n"
                                 f"{done.stderr[-2000:]}\n(--naive-bin DIR, or --lean-only)")
    return venv / "bin"


#: The pipeline ploomber runs (written into its project folder; run by its environment's Python).
PLOOMBER_PIPELINE = """\
import json
import sys
from pathlib import Path

from ploomber import DAG
from ploomber.executors import Parallel
from ploomber.products import File
from ploomber.tasks import NotebookRunner

here = Path(__file__).parent
out = Path(sys.argv[1])
spec = json.loads((here / "reports.json").read_text(encoding="utf-8"))
dag = DAG(executor=Parallel(processes=2))
for report in spec:   # the grid: one NotebookRunner per report, its parameters its cell
    NotebookRunner(here / "notebooks" / f"{report['kind']}.ipynb",
                   File(out / (report["name"].replace("/", "_") + ".html")), dag=dag,
                   name=report["name"].replace("/", "_"), params=report["parameters"],
                   kernelspec_name="python3", static_analysis="disable",
                   nbconvert_export_kwargs={"exclude_input": True})
dag.build(force=len(sys.argv) > 2 and sys.argv[2] == "--force", show_progress=False)
"""


def ploomber_env(root: Path) -> Path:
    """``bin/`` of ploomber's environment: ``benchmarks/out/ploomber-venv``, made once with pip
    (ploomber 0.23 and this project, so its kernels import seoulcomm)."""
    venv = root / "benchmarks" / "out" / "ploomber-venv"
    python = venv / "bin" / "python"
    ok = python.exists() and subprocess.run([str(python), "-c", "import ploomber, seoulcomm"],
                                            capture_output=True).returncode == 0
    if not ok:
        print(f"making ploomber's environment: {venv} (once; pip install ploomber==0.23.3 -e .)", flush=True)
        for command in ([sys.executable, "-m", "venv", str(venv)],
                        [str(python), "-m", "pip", "install", "--quiet", "ploomber==0.23.3", "-e", str(root)]):
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
    return venv / "bin"


def ploomber_project(folder: Path, reports, data_dir: Path) -> Path:
    """The same notebooks with ``upstream`` and ``product`` added to their parameters cell
    (ploomber asks for both), the reports as its grid, and the pipeline."""
    import nbformat

    (folder / "notebooks").mkdir(parents=True)
    for kind in params.KINDS:
        source = paths.notebook(kind)
        if not source.exists():
            continue
        nb = nbformat.read(str(source), as_version=4)
        cell = next(c for c in nb.cells if "parameters" in c.get("metadata", {}).get("tags", []))
        cell.source = cell.source.rstrip("\n") + "\nupstream = None\nproduct = None\n"
        nbformat.write(nb, str(folder / "notebooks" / f"{kind}.ipynb"))
    spec = [{"name": r.name, "kind": r.kind, "parameters": {**r.parameters, "data_dir": str(data_dir)}}
            for r in reports]
    (folder / "reports.json").write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    (folder / "pipeline.py").write_text(PLOOMBER_PIPELINE, encoding="utf-8")
    return folder / "pipeline.py"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--builds", type=int, default=3,
                   help="cold builds (and no-change builds) before the first contender and after "
                        "each, the median of all taken (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=2, help="passed to seoulcomm build (default: %(default)s, "
                   "as ploomber's 2 processes)")
    p.add_argument("--analyst", action="store_true",
                   help="also run the naive loop in an analyst's environment, with JupyterLab "
                        "(.venv-lab/, made once, or --naive-bin)")
    p.add_argument("--naive-bin", type=Path, default=None, help="bin/ of the analyst's environment")
    p.add_argument("--no-ploomber", dest="ploomber", action="store_false", help="skip ploomber")
    p.add_argument("--markdown", type=Path, help="also write the results as a Markdown section here")
    args = p.parse_args(argv)
    root = Path(paths.__file__).resolve().parents[1]
    loops = {"lean": BIN}  # the naive loop's environments, by name
    if args.analyst or args.naive_bin:
        loops["analyst"] = args.naive_bin.absolute() if args.naive_bin else lab_bin(root)
    for bin_dir in loops.values():
        for tool in ("papermill", "jupyter"):
            if not (bin_dir / tool).exists():
                raise SystemExit(f"{bin_dir / tool} not found (--naive-bin)")
    ploomber_bin = ploomber_env(root) if args.ploomber else None
    data_dir = paths.data_dir()
    reports = params.reports(data_dir)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    seoulcomm = [str(BIN / "seoulcomm"), "build", "--data", str(data_dir)] + jobs
    print(f"{len(reports)} reports; {machine()}", flush=True)
    for name, bin_dir in loops.items():
        print(f"naive loop ({name}) from {bin_dir}"
              f"{' (JupyterLab installed there)' if _has_lab(bin_dir) else ' (no JupyterLab)'}",
              flush=True)
    if ploomber_bin:
        print(f"ploomber 0.23 from {ploomber_bin}: a NotebookRunner per report, Parallel(processes=2)",
              flush=True)
    print(f"build from {BIN}", flush=True)
    naive = {name: [] for name in loops}
    ploomber_cold, ploomber_noop = [], []
    cold, noop = [], []
    with tempfile.TemporaryDirectory(prefix="seoulcomm-bench-") as tmp:
        # seoulcomm's bytecode, as the first import writes it on a machine that writes bytecode
        # (with PYTHONDONTWRITEBYTECODE set, every process of both sides would compile it)
        for python in [sys.executable] + ([str(ploomber_bin / "python")] if ploomber_bin else []):
            timed([python, "-m", "compileall", "-q", str(Path(paths.__file__).resolve().parent)])
        timed(seoulcomm + ["--out", str(Path(tmp) / "warm-up")])  # the disk cache, once
        pipeline = ploomber_project(Path(tmp) / "ploomber", reports, data_dir) if ploomber_bin else None
        for i in range(args.runs):
            # a build is short and the contenders long: one build is more exposed to the
            # machine's jitter (its speed drifts over minutes) than a loop of 22 commands, so
            # the cold and no-change times are the median of --builds builds, each into an
            # empty folder, run before the first contender and after each: the builds are
            # sampled over the same minutes as what they are compared with
            builds, again = [], []

            def build_some(slot: int) -> None:
                for k in range(args.builds):
                    out = Path(tmp) / f"reports-{i}-{slot}-{k}"
                    builds.append(timed(seoulcomm + ["--out", str(out)]))
                    again.append(timed(seoulcomm + ["--out", str(out)]))

            build_some(0)
            slot = 0
            for name, bin_dir in loops.items():
                slot += 1
                loop = Path(tmp) / f"naive-{name}-{i}"
                loop.mkdir()
                script = loop / "loop.sh"
                script.write_text(naive_script(loop, data_dir, bin_dir), encoding="utf-8")
                naive[name].append(timed(["bash", str(script)], cwd=loop))
                build_some(slot)
            if pipeline:
                slot += 1
                out = Path(tmp) / f"ploomber-out-{i}"
                ploomber_cold.append(timed([str(ploomber_bin / "python"), str(pipeline), str(out)],
                                           cwd=pipeline.parent))
                ploomber_noop.append(timed([str(ploomber_bin / "python"), str(pipeline), str(out)],
                                           cwd=pipeline.parent))
                build_some(slot)
            cold.append(median(builds))
            noop.append(median(again))
            print(f"run {i + 1}: "
                  + "  ".join(f"naive ({name}) {v[-1][0]:.2f} s ({v[-1][1]:.1f} CPU-s)"
                              for name, v in naive.items())
                  + (f"  ploomber {ploomber_cold[-1][0]:.2f} s, no change {ploomber_noop[-1][0]:.2f} s"
                     if ploomber_cold else "")
                  + f"  cold {cold[-1][0]:.2f} s ({cold[-1][1]:.1f} CPU-s)"
                  f"  no-change {noop[-1][0]:.2f} s ({noop[-1][1]:.2f} CPU-s)", flush=True)

    (b, b_cpu), (c, c_cpu) = median(cold), median(noop)
    n = len(reports)
    label = "median over {} runs".format(args.runs) if args.runs > 1 else "one paired run"
    rows = []
    for name, runs in naive.items():
        a, a_cpu = median(runs)
        rows.append((f"naive papermill + nbconvert loop ({name})", a, a_cpu))
    if ploomber_cold:
        rows.append(("ploomber 0.23, NotebookRunner grid, Parallel(2), cold", *median(ploomber_cold)))
        rows.append(("ploomber 0.23, nothing changed", *median(ploomber_noop)))
    rows.append((f"seoulcomm build --jobs {args.jobs}, cold", b, b_cpu))
    rows.append((f"seoulcomm build --jobs {args.jobs}, no change", c, c_cpu))
    print(f"\n{label}, {n} reports:")
    for what, wall, cpu in rows:
        print(f"  {what:58s} {wall:7.2f} s  {cpu:7.1f} CPU-s  ({wall / n:.2f} s a report)")
    targets = Targets("build_speed.py")
    lean = median(naive["lean"])[0]
    targets.add("naive loop (lean) ÷ cold build", lean / b, "≥ 15", lambda v: v >= 15)
    targets.add("naive loop (lean) ÷ no-change build", lean / c, "≥ 100", lambda v: v >= 100)
    if "analyst" in naive:
        print(f"  naive (analyst)/cold = {median(naive['analyst'])[0] / b:.1f} (for reference)")
    if ploomber_cold:
        targets.add("ploomber cold ÷ cold build", median(ploomber_cold)[0] / b, "≥ 10", lambda v: v >= 10)
        print(f"  ploomber nothing changed ÷ build no change = {median(ploomber_noop)[0] / c:.1f} (for reference)")
    targets.show()
    if args.markdown:
        lines = [f"## Batch build against the naive loop and ploomber (`benchmarks/build_speed.py`)", "",
                 f"{label}, {n} reports, machine: {machine()}", "",
                 "| what | wall | CPU | per report |", "|---|---:|---:|---:|"]
        lines += [f"| {what} | {wall:.2f} s | {cpu:.1f} s | {wall / n:.2f} s |" for what, wall, cpu in rows]
        lines += ["", targets.markdown(), ""]
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text("\n".join(lines), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
