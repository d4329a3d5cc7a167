"""How much faster ``seoulcomm build`` is than the naive loop (run by hand, not in CI).

In one run on one machine, for every report of params/ (each division × year, the office
× year, each program), time:

  (a) naive: a shell loop of ``papermill <notebook> out.ipynb -p …`` then
      ``jupyter nbconvert --to html --no-input out.ipynb`` per report — a kernel and an
      nbconvert start per report, as users script it;
  (b) ``seoulcomm build --force`` — everything rebuilt by the batch build;
  (c) ``seoulcomm build`` with nothing changed — the incremental no-op.

Each is run --runs times (default 3) into temporary folders (never reports/); the medians
and the ratios a/b and a/c are printed (targets: a/b ≥ 5, a/c ≥ 50), with the machine.

    python benchmarks/build_speed.py [--runs N] [--jobs N]
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


def naive_script(out: Path, data_dir: Path) -> str:
    """The shell loop a user would write: papermill, then nbconvert, per report."""
    lines = ["set -e"]
    for r in params.reports(data_dir):
        nb = out / (r.name.replace("/", "_") + ".ipynb")
        args = " ".join(f"-p {k} {shlex.quote(str(v))}" for k, v in r.parameters.items())
        lines.append(f"{shlex.quote(str(BIN / 'papermill'))} --no-progress-bar --log-level ERROR "
                     f"{shlex.quote(str(r.notebook))} {shlex.quote(str(nb))} {args} "
                     f"-p data_dir {shlex.quote(str(data_dir))}")
        lines.append(f"{shlex.quote(str(BIN / 'jupyter'))} nbconvert --to html --no-input "
                     f"--log-level ERROR {shlex.quote(str(nb))}")
    return "\n".join(lines) + "\n"


def timed(command: list[str], **kw) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)
    return time.perf_counter() - started


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
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--jobs", type=int, default=None, help="passed to seoulcomm build")
    args = p.parse_args(argv)
    data_dir = paths.data_dir()
    reports = params.reports(data_dir)
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    build = [sys.executable, "-m", "seoulcomm", "build", "--data", str(data_dir)]
    print(f"{len(reports)} reports; {machine()}", flush=True)
    naive, full, noop = [], [], []
    with tempfile.TemporaryDirectory(prefix="seoulcomm-bench-") as tmp:
        out = Path(tmp) / "reports"
        timed(build + ["--out", str(out), "--force"] + jobs)  # warm the disk cache and the output
        for i in range(args.runs):
            loop = Path(tmp) / f"naive-{i}"
            loop.mkdir()
            script = loop / "loop.sh"
            script.write_text(naive_script(loop, data_dir), encoding="utf-8")
            naive.append(timed(["bash", str(script)], cwd=loop))
            full.append(timed(build + ["--out", str(out), "--force"] + jobs))
            noop.append(timed(build + ["--out", str(out)] + jobs))
            print(f"run {i + 1}: (a) naive {naive[-1]:.2f}s  (b) build --force {full[-1]:.2f}s  "
                  f"(c) build, nothing changed {noop[-1]:.2f}s", flush=True)
    a, b, c = (statistics.median(x) for x in (naive, full, noop))
    n = len(reports)
    print(f"\nmedians over {args.runs} runs, {n} reports:")
    print(f"  (a) naive papermill + nbconvert loop   {a:7.2f} s  ({a / n:.2f} s a report)")
    print(f"  (b) seoulcomm build --force            {b:7.2f} s  ({b / n:.2f} s a report)")
    print(f"  (c) seoulcomm build, nothing changed   {c:7.2f} s")
    print(f"  a/b = {a / b:.1f}  (target ≥ 5)    a/c = {a / c:.1f}  (target ≥ 50)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
