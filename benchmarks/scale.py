"""How the build's cost grows with the data (run by hand, not in CI).

For each size, a synthetic data folder (benchmarks/synthetic.py: N divisions × Y years,
shaped like data/) is written to a temporary folder — never into data/ — and measured:

- validate: ``seoulcomm validate --data DIR`` in a fresh process (start-up, imports, load,
  checks, audit counts), and its rows per second;
- audit:    ``audit.reconcile`` on the freshly loaded data, and its rows per second;
- per report: the median CPU (user + system of the report's own forked process, as the
  batch runs it: the data loaded and audited once in the parent) of a division report and
  of an office report of the latest year, and the office report's HTML size. Measured last,
  in rounds that visit every size in turn (one paired run: a machine whose speed drifts
  during the run weighs on every size alike);
- build:    ``seoulcomm build --jobs 2`` into an empty folder (wall and CPU), then the
  no-change rebuild — only for sizes with at most ``--build-max`` reports (a full build
  at 400 divisions × 10 years is 4,011 reports: the estimate, the reports' CPU ÷ 2, is shown);
- the ratio of per-report cost at the largest size to the smallest (target ≤ 1.1).

    python benchmarks/scale.py                       # 25x10,100x10,400x10
    python benchmarks/scale.py --sizes 25x10 --build-max 400 --samples 5
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_speed import machine, timed  # noqa: E402
from synthetic import TEMPLATE, make_dataset  # noqa: E402

from seoulcomm import audit, engine, load, params, runners  # noqa: E402

BIN = Path(sys.executable).parent


def serve(folder: Path, out: Path) -> None:
    """A warm process for one size (``--serve``): warmed once for ``folder`` as a build's
    process is (:func:`seoulcomm.engine.prepare`: imports, data, audit, row index); then, for
    each ``division`` or ``office`` line on stdin, that report of the latest year is run in a
    forked process and the CPU seconds (user + system) of that process printed."""
    engine.prepare(folder)
    ds = load.load_all(folder)
    reports = params.reports(folder, ds=ds)
    latest = max(ds.years())
    sample = {
        "division": next(r for r in reports if r.kind == "division"
                         and r.parameters.get("division") == TEMPLATE and r.parameters.get("year") == latest),
        "office": next(r for r in reports if r.kind == "office" and r.parameters.get("year") == latest),
    }
    print("ready", flush=True)
    for line in sys.stdin:
        report = sample[line.strip()]
        results = []
        runners.ForkRunner(1).run([report], out, data_dir=folder,
                                  done=lambda r, res: results.append(res))
        if not results[0].ok:
            raise SystemExit(f"{results[0].name}: {results[0].message}")
        size = (out / report.output).stat().st_size
        print(f"{results[0].cpu} {size}", flush=True)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="25x10,100x10,400x10",
                   help="divisions×years, comma-separated (default: %(default)s)")
    p.add_argument("--samples", type=int, default=7,
                   help="rounds of the sampled reports, every size in each round (default: %(default)s)")
    p.add_argument("--build-max", type=int, default=300,
                   help="run the full build only up to this many reports (default: %(default)s)")
    p.add_argument("--serve", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve:
        serve(Path(args.serve[0]), Path(args.serve[1]))
        return 0
    sizes = [tuple(int(n) for n in s.lower().split("x")) for s in args.sizes.split(",")]
    print(machine(), flush=True)
    sampled = {}  # size → (folder, division report, office report, number of reports)
    with tempfile.TemporaryDirectory(prefix="seoulcomm-scale-") as tmp:
        for divisions, years in sizes:
            folder = Path(tmp) / f"{divisions}x{years}"
            rows = sum(make_dataset(folder, divisions, years).values())
            print(f"\n{divisions} divisions × {years} years: {rows:,} rows", flush=True)

            validate_s, _ = timed([str(BIN / "seoulcomm"), "validate", "--data", str(folder)])
            load._CACHE.clear()
            ds = load.load_all(folder)
            started = time.perf_counter()
            audit.reconcile(ds)
            audit_s = time.perf_counter() - started
            print(f"  validate {validate_s:6.2f} s ({rows / validate_s:,.0f} rows/s, whole command)"
                  f"   audit {audit_s:6.2f} s ({rows / audit_s:,.0f} rows/s)", flush=True)

            reports = params.reports(folder, ds=ds)
            sampled[(divisions, years)] = (folder, reports)

            n = len(reports)
            if n <= args.build_max:
                build_out = Path(tmp) / f"build-{divisions}x{years}"
                command = [str(BIN / "seoulcomm"), "build", "--data", str(folder), "--out", str(build_out),
                           "--jobs", "2"]
                wall, cpu = timed(command)
                noop_wall, noop_cpu = timed(command)
                print(f"  build --jobs 2: {n} reports in {wall:6.1f} s ({cpu:.1f} CPU-s); "
                      f"no change {noop_wall:5.2f} s", flush=True)

        # paired: one warm process per size (as one build's process), and every round asks
        # each of them in turn for a division and an office report, so a machine that slows
        # down or speeds up during the run weighs on every size alike
        servers = {}
        for size, (folder, _reports) in sampled.items():
            out = Path(tmp) / f"sample-{size[0]}x{size[1]}"
            servers[size] = subprocess.Popen(
                [sys.executable, __file__, "--serve", str(folder), str(out)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            if servers[size].stdout.readline().strip() != "ready":
                raise SystemExit(f"the warm process for {size} failed")
        cpu = {size: {"division": [], "office": []} for size in sampled}
        office_kb = {}
        try:
            for _ in range(args.samples):
                for size, server in servers.items():
                    for kind in ("division", "office"):
                        server.stdin.write(kind + "\n")
                        server.stdin.flush()
                        answer = server.stdout.readline().split()
                        if len(answer) != 2:
                            raise SystemExit(f"the warm process for {size} failed on a {kind} report")
                        cpu[size][kind].append(float(answer[0]))
                        if kind == "office":
                            office_kb[size] = int(answer[1]) / 1024
        finally:
            for server in servers.values():
                server.stdin.close()
                server.wait()
        print(f"\nper report, median CPU of {args.samples} interleaved rounds (the report's own "
              "forked process; one warm process per size, as a build's)", flush=True)
        per_division = {}
        for size, (folder, reports) in sampled.items():
            div_cpu = statistics.median(cpu[size]["division"])
            office_cpu = statistics.median(cpu[size]["office"])
            per_division[size] = div_cpu
            line = (f"  {size[0]} × {size[1]}: division {div_cpu:5.2f} s   office {office_cpu:5.2f} s "
                    f"(HTML {office_kb[size]:,.0f} KB)")
            n = len(reports)
            if n > args.build_max:
                offices = sum(r.kind == "office" for r in reports)
                estimate = ((n - offices) * div_cpu + offices * office_cpu) / 2
                line += (f"; build of {n} reports not run (--build-max {args.build_max}): "
                         f"≈ {estimate / 60:,.0f} min on 2 free cores")
            print(line, flush=True)
    if len(per_division) > 1:
        (small, s_cpu), (large, l_cpu) = min(per_division.items()), max(per_division.items())
        print(f"\nper-report cost (division report) {large[0]}×{large[1]} / {small[0]}×{small[1]}: "
              f"{l_cpu / s_cpu:.2f}  (target ≤ 1.1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
