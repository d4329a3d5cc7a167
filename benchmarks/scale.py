"""How load + validate + audit time grows with the data (run by hand, not in CI).

For each size, a synthetic data folder (benchmarks/synthetic.py: N divisions × Y years,
shaped like data/) is written to a temporary folder — never into data/ — and timed:

- load:     ``load_all`` — read, parse and schema-check every table (the loader's cache cleared);
- audit:    ``audit.reconcile`` on the loaded data;
- validate: the whole ``seoulcomm validate --data DIR`` command in a fresh process
            (start-up, imports, load, checks, audit counts), as a user runs it.

    python benchmarks/scale.py                 # 4×2, 25×4, 100×6, 400×10
    python benchmarks/scale.py --sizes 400x10,1600x10 --runs 3

Prints seconds per size (median of --runs) and rows per second.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import make_dataset  # noqa: E402

from seoulcomm import audit, load  # noqa: E402


def _median_seconds(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="4x2,25x4,100x6,400x10",
                   help="divisions×years, comma-separated (default: %(default)s)")
    p.add_argument("--runs", type=int, default=3, help="timings per size; the median is shown")
    args = p.parse_args(argv)
    sizes = [tuple(int(n) for n in s.lower().split("x")) for s in args.sizes.split(",")]
    print(f"{'부서×연도':>10} {'행':>8} {'load(s)':>9} {'audit(s)':>9} {'validate(s)':>12} {'행/초(load)':>12}")
    with tempfile.TemporaryDirectory(prefix="seoulcomm-scale-") as tmp:
        for divisions, years in sizes:
            folder = Path(tmp) / f"{divisions}x{years}"
            rows = sum(make_dataset(folder, divisions, years).values())

            def load_fresh(folder=folder):
                load._CACHE.clear()
                return load.load_all(folder)

            load_s = _median_seconds(load_fresh, args.runs)
            ds = load_fresh()
            audit_s = _median_seconds(lambda ds=ds: audit.reconcile(ds), args.runs)

            def validate(folder=folder):
                subprocess.run([sys.executable, "-m", "seoulcomm", "validate", "--data", str(folder)],
                               check=True, capture_output=True)

            validate_s = _median_seconds(validate, args.runs)
            print(f"{divisions:>5}×{years:<4} {rows:>8} {load_s:>9.2f} {audit_s:>9.2f} {validate_s:>12.2f} "
                  f"{rows / load_s:>12,.0f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
