"""How much faster ``seoulcomm build`` is than the naive loop (run by hand, not in CI).

One paired run on one machine (the three timed back to back, so they see the same load),
for every report of params/ (each division × year, the office × year, each program):

  naive:     a shell loop of ``papermill <notebook> out.ipynb -p …`` then
             ``jupyter nbconvert --to html --no-input out.ipynb`` per report — a kernel and
             an nbconvert start per report, as users script it;
  cold:      ``seoulcomm build`` into an empty output folder — every report built;
  no-change: ``seoulcomm build`` again, nothing changed — the incremental no-op.

Prints wall time and CPU time (user + system of every process of the command) and the
ratios naive/cold (target ≥ 15) and naive/no-change (target ≥ 100), with the machine.
``--runs N`` repeats the pairing and shows medians. ``--naive-bin DIR`` takes ``papermill``
and ``jupyter`` (and the kernel's Python) of the naive loop from another environment's
``bin/``: the build's own environment is lean, an analyst's has JupyterLab (``make lab``), and
the same loop costs more there (jsonschema's format extra, which JupyterLab brings, builds a
grammar on every ``nbformat`` import). The build always runs from this environment.

    python benchmarks/build_speed.py [--runs N] [--jobs N] [--naive-bin DIR]
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


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--jobs", type=int, default=None, help="passed to seoulcomm build")
    p.add_argument("--naive-bin", type=Path, default=BIN,
                   help="bin/ of the environment the naive loop runs in (default: this one)")
    args = p.parse_args(argv)
    naive_bin = args.naive_bin.absolute()
    for tool in ("papermill", "jupyter"):
        if not (naive_bin / tool).exists():
            raise SystemExit(f"{naive_bin / tool} not found (--naive-bin)")
    data_dir = paths.data_dir()
    reports = params.reports(data_dir)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    seoulcomm = [str(BIN / "seoulcomm"), "build", "--data", str(data_dir)] + jobs
    print(f"{len(reports)} reports; {machine()}", flush=True)
    print(f"naive loop from {naive_bin}{' (JupyterLab installed there)' if _has_lab(naive_bin) else ''}; "
          f"build from {BIN}", flush=True)
    naive, cold, noop = [], [], []
    with tempfile.TemporaryDirectory(prefix="seoulcomm-bench-") as tmp:
        timed(seoulcomm + ["--out", str(Path(tmp) / "warm-up")])  # the disk cache, once
        for i in range(args.runs):
            loop = Path(tmp) / f"naive-{i}"
            loop.mkdir()
            script = loop / "loop.sh"
            script.write_text(naive_script(loop, data_dir, naive_bin), encoding="utf-8")
            out = Path(tmp) / f"reports-{i}"
            naive.append(timed(["bash", str(script)], cwd=loop))
            cold.append(timed(seoulcomm + ["--out", str(out)]))
            noop.append(timed(seoulcomm + ["--out", str(out)]))
            print(f"run {i + 1}: naive {naive[-1][0]:.2f} s ({naive[-1][1]:.1f} CPU-s)  "
                  f"cold {cold[-1][0]:.2f} s ({cold[-1][1]:.1f} CPU-s)  "
                  f"no-change {noop[-1][0]:.2f} s ({noop[-1][1]:.2f} CPU-s)", flush=True)
    med = [tuple(statistics.median(x[k] for x in runs) for k in (0, 1)) for runs in (naive, cold, noop)]
    (a, a_cpu), (b, b_cpu), (c, c_cpu) = med
    n = len(reports)
    label = "median over {} runs".format(args.runs) if args.runs > 1 else "one paired run"
    print(f"\n{label}, {n} reports:            wall        CPU")
    print(f"  naive papermill + nbconvert loop  {a:7.2f} s  {a_cpu:7.1f} s  ({a / n:.2f} s a report)")
    print(f"  seoulcomm build, cold             {b:7.2f} s  {b_cpu:7.1f} s  ({b / n:.2f} s a report)")
    print(f"  seoulcomm build, no change        {c:7.2f} s  {c_cpu:7.2f} s")
    print(f"  naive/cold = {a / b:.1f} wall, {a_cpu / b_cpu:.1f} CPU  (target ≥ 15)")
    print(f"  naive/no-change = {a / c:.1f} wall, {a_cpu / c_cpu:.1f} CPU  (target ≥ 100)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
