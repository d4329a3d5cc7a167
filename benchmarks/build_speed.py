"""How much faster ``seoulcomm build`` is than the naive loop (run by hand, not in CI).

One paired run on one machine (everything timed back to back, so all see the same load),
for every report of params/ (each division × year, the office × year, each program):

  naive:     a shell loop of ``papermill <notebook> out.ipynb -p …`` then
             ``jupyter nbconvert --to html --no-input out.ipynb`` per report — a kernel and
             an nbconvert start per report, as users script it. It runs twice: in an
             analyst's environment, which has JupyterLab (the issue's baseline, 95.6 s, was
             measured there; JupyterLab brings jsonschema's format extra, whose grammar every
             ``nbformat`` import builds), and in this lean build environment;
  cold:      ``seoulcomm build`` into an empty output folder — every report built;
  no-change: ``seoulcomm build`` again, nothing changed — the incremental no-op.
  Both are the median of all builds: ``--builds`` (3) before the first loop and again after
  each loop (9 with both loops), each into its own empty folder. A 5-second build is more
  exposed to the machine's jitter than a loop of 22 commands, and the machine's speed drifts
  over minutes: sampled around the loops, the builds see the minutes the loops saw. Before
  any of it, seoulcomm's bytecode is compiled (``compileall``) and one build warms the disk
  cache, as a first run does on a machine that writes bytecode.

Prints wall time and CPU time (user + system of every process of the command) and the
ratios naive/cold (target ≥ 15, against the analyst's loop) and naive/no-change (target ≥
100), with the machine. The analyst's environment is this one when it has JupyterLab
(``make lab``), else ``--naive-bin DIR``, else ``.venv-lab/`` beside the repository, made
once by this script (``python -m venv .venv-lab`` and ``pip install -e '.[lab]'``: a minute
or two, from PyPI). ``--lean-only`` skips it. ``--runs N`` repeats the pairing and shows
medians. The build always runs from this environment.

    python benchmarks/build_speed.py [--runs N] [--builds N] [--jobs N] [--naive-bin DIR | --lean-only]
"""
from __future__ import annotations

import argparse
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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--builds", type=int, default=3,
                   help="cold builds (and no-change builds) before the loops and after each loop, "
                        "the median of all taken (default: %(default)s)")
    p.add_argument("--jobs", type=int, default=None, help="passed to seoulcomm build")
    p.add_argument("--naive-bin", type=Path, default=None,
                   help="bin/ of the analyst's environment, with JupyterLab (default: this one "
                        "if it has JupyterLab, else .venv-lab/, made once)")
    p.add_argument("--lean-only", action="store_true",
                   help="run the naive loop only in this environment")
    args = p.parse_args(argv)
    loops = {"lean": BIN}  # the naive loop's environments, by name
    if _has_lab(BIN):
        loops = {"analyst": BIN}
    elif not args.lean_only:
        loops["analyst"] = (args.naive_bin.absolute() if args.naive_bin
                            else lab_bin(Path(paths.__file__).resolve().parents[1]))
    for bin_dir in loops.values():
        for tool in ("papermill", "jupyter"):
            if not (bin_dir / tool).exists():
                raise SystemExit(f"{bin_dir / tool} not found (--naive-bin)")
    data_dir = paths.data_dir()
    reports = params.reports(data_dir)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    seoulcomm = [str(BIN / "seoulcomm"), "build", "--data", str(data_dir)] + jobs
    print(f"{len(reports)} reports; {machine()}", flush=True)
    for name, bin_dir in loops.items():
        print(f"naive loop ({name}) from {bin_dir}"
              f"{' (JupyterLab installed there)' if _has_lab(bin_dir) else ' (no JupyterLab)'}",
              flush=True)
    print(f"build from {BIN}", flush=True)
    naive = {name: [] for name in loops}
    cold, noop = [], []
    with tempfile.TemporaryDirectory(prefix="seoulcomm-bench-") as tmp:
        # seoulcomm's bytecode, as the first import writes it on a machine that writes bytecode
        # (with PYTHONDONTWRITEBYTECODE set, every process of both sides would compile it)
        timed([sys.executable, "-m", "compileall", "-q", str(Path(paths.__file__).resolve().parent)])
        timed(seoulcomm + ["--out", str(Path(tmp) / "warm-up")])  # the disk cache, once
        for i in range(args.runs):
            # a build is short and the loops long: one build is more exposed to the machine's
            # jitter (its speed drifts over minutes) than a loop of 22 commands, so the cold
            # and no-change times are the median of --builds builds, each into an empty
            # folder, run before the first loop and after each loop: the builds are sampled
            # over the same minutes as the loops they are compared with
            builds, again = [], []

            def build_some(slot: int) -> None:
                for k in range(args.builds):
                    out = Path(tmp) / f"reports-{i}-{slot}-{k}"
                    builds.append(timed(seoulcomm + ["--out", str(out)]))
                    again.append(timed(seoulcomm + ["--out", str(out)]))

            build_some(0)
            for slot, (name, bin_dir) in enumerate(loops.items(), start=1):
                loop = Path(tmp) / f"naive-{name}-{i}"
                loop.mkdir()
                script = loop / "loop.sh"
                script.write_text(naive_script(loop, data_dir, bin_dir), encoding="utf-8")
                naive[name].append(timed(["bash", str(script)], cwd=loop))
                build_some(slot)
            cold.append(median(builds))
            noop.append(median(again))
            print(f"run {i + 1}: "
                  + "  ".join(f"naive ({name}) {v[-1][0]:.2f} s ({v[-1][1]:.1f} CPU-s)"
                              for name, v in naive.items())
                  + f"  cold {cold[-1][0]:.2f} s ({cold[-1][1]:.1f} CPU-s)"
                  f"  no-change {noop[-1][0]:.2f} s ({noop[-1][1]:.2f} CPU-s)", flush=True)

    (b, b_cpu), (c, c_cpu) = median(cold), median(noop)
    n = len(reports)
    label = "median over {} runs".format(args.runs) if args.runs > 1 else "one paired run"
    print(f"\n{label}, {n} reports:                        wall        CPU")
    for name, runs in naive.items():
        a, a_cpu = median(runs)
        print(f"  naive papermill + nbconvert loop ({name:7s}) {a:7.2f} s  {a_cpu:7.1f} s  "
              f"({a / n:.2f} s a report)")
    print(f"  seoulcomm build, cold                       {b:7.2f} s  {b_cpu:7.1f} s  ({b / n:.2f} s a report)")
    print(f"  seoulcomm build, no change                  {c:7.2f} s  {c_cpu:7.2f} s")
    for name, runs in naive.items():
        a, a_cpu = median(runs)
        target = "target ≥ 15" if name == "analyst" else "for reference: the loop without JupyterLab"
        print(f"  naive ({name})/cold = {a / b:.1f} wall, {a_cpu / b_cpu:.1f} CPU  ({target})")
    for name, runs in naive.items():
        a, a_cpu = median(runs)
        print(f"  naive ({name})/no-change = {a / c:.1f} wall, {a_cpu / c_cpu:.1f} CPU  (target ≥ 100)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
