"""How the build's cost grows with the data (run by hand or by ``make bench``, not in CI).

For each size, a synthetic data folder (benchmarks/synthetic.py: N divisions × Y years, with
S month-end snapshots of the detail when a size says ``NxYxS``, shaped like data/) is written
to a temporary folder — never into data/ — and measured:

- validate: ``seoulcomm validate --data DIR`` in a fresh process with the column cache off
  (start-up, imports, reading, checks, the audit, the summary), its rows per second and its
  peak memory;
- load:     ``load_all`` from the CSV files (cache off: reading, parsing and every check of
  every table — the validation, whose rows per second are read against the target), and from
  the column cache (seoulcomm/colcache.py; the cache written by a first load), in this process;
- audit:    the reconciliation audit computed on the loaded data (``audit._reconcile``, not
  the copy the column cache keeps), and its rows per second;
- per report: the median CPU (user + system of the report's own forked process, as the
  batch runs it: the data loaded and audited once in the parent) of three division reports
  and of the office report of the latest year, and the office report's HTML size, on the
  shipped data (data/) and at every size. Measured in rounds that visit every size in turn
  (one paired run: a machine whose speed drifts during the run weighs on every size alike);
- build (the million-row size; every size with ``--build-sizes``): a size of at most
  ``--build-max`` reports builds every report, a bigger one the latest year's office report
  and the three sampled division reports (a params folder of their own): ``build --jobs 2``
  into an empty folder, the no-change build, and a one-row change (one detail row of one
  sampled division: how many reports rebuild, and how long it takes);
- Run All (the ``--million`` size): ``papermill`` of a division report in a fresh kernel,
  on the shipped data and on the million-row data, the column cache warm (target ≤ 1.5×).

Targets (each printed as met or not): per-report cost at the largest ÷ the smallest of the
``--sizes`` ≤ 1.1; office report at 400 divisions ≤ 400 KB and ≤ 3 s; from the million-row
size: validation (load from CSV, cache off) and the audit ≥ 200,000 rows/s each, a million
detail rows loaded from the cache in about a second (≤ 1.5 s), a division report's CPU ≤ 1.5×
its CPU on the shipped data (cache warm, as the build runs it), Run All ≤ 1.5× the shipped
data's; from ``--memory`` (2,000,000 detail rows): validate's peak memory ≤ 4 GB.

Memory is in decimal units throughout: 1 MB = 10^6 bytes, 1 GB = 10^9 bytes (the peak resident
set, ``ru_maxrss``, is in KiB on Linux: × 1,024 bytes).

    python benchmarks/scale.py                       # 4x10,400x10 and 1700x10x12
    python benchmarks/scale.py --sizes 4x10,25x10 --million none --memory none --samples 3
    python benchmarks/scale.py --markdown benchmarks/out/scale.md   # (make bench)
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_speed import Targets, machine, timed  # noqa: E402
from synthetic import TEMPLATE, make_dataset  # noqa: E402

from seoulcomm import audit, colcache, engine, load, params, paths, runners  # noqa: E402

BIN = Path(sys.executable).parent
#: The division reports sampled at every size (data/'s own divisions: present at every size).
SAMPLED = (TEMPLATE, "citizen-communication", "new-media")
#: The shipped data (data/) among the sizes the sampled reports are timed at.
SHIPPED = (0, 0, 0)


def parse_size(text: str) -> tuple[int, int, int]:
    parts = [int(n) for n in text.lower().split("x")]
    return tuple((parts + [1])[:3])


def label(size) -> str:
    if size == SHIPPED:
        return "data/"
    d, y, s = size
    return f"{d}×{y}" + (f"×{s}" if s > 1 else "")


def sampled_reports(folder: Path, ds) -> dict:
    reports = params.reports(folder, ds=ds)
    latest = max(ds.years())
    return {
        "division": [next(r for r in reports if r.kind == "division" and r.parameters.get("division") == d
                          and r.parameters.get("year") == latest) for d in SAMPLED],
        "office": [next(r for r in reports if r.kind == "office" and r.parameters.get("year") == latest)],
    }


def serve(folder: Path, out: Path) -> None:
    """A warm process for one size (``--serve``): warmed once for ``folder`` as a build's
    process is (:func:`seoulcomm.engine.prepare`: imports, data, audit, row index); then, for
    each ``division`` or ``office`` line on stdin, those reports of the latest year are run,
    each in a forked process, and the mean CPU seconds (user + system) of one such process
    and the HTML size of the last printed."""
    engine.prepare(folder)
    ds = load.load_all(folder)
    sample = sampled_reports(folder, ds)
    print("ready", flush=True)
    for line in sys.stdin:
        cpu, size = [], 0
        for report in sample[line.strip()]:
            results = []
            (out / report.output).parent.mkdir(parents=True, exist_ok=True)   # as a build makes it
            runners.ForkRunner(1).run([report], out, data_dir=folder,
                                      done=lambda r, res: results.append(res))
            if not results[0].ok:
                raise SystemExit(f"{results[0].name}: {results[0].message}")
            cpu.append(results[0].cpu)
            size = (out / report.output).stat().st_size
        print(f"{sum(cpu) / len(cpu)} {size}", flush=True)


#: Runs a command and prints its exit code, CPU seconds and peak resident set [KiB] as JSON on
#: standard output. The command is forked from this small process, not from the benchmark's own
#: (which holds a million rows): Linux carries a process's high-water mark into a child it forks
#: and across exec, so a command forked from a large process reports that process's peak as its own.
_MEASURE = ("import json, os, subprocess, sys\n"
            "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)\n"
            "_, status, use = os.wait4(p.pid, 0)\n"
            "print(json.dumps([os.waitstatus_to_exitcode(status), use.ru_utime + use.ru_stime, use.ru_maxrss]))\n")


def measured(command: list[str], env=None) -> dict:
    """``command`` run once: ``wall``, ``cpu`` [s], ``peak`` [MB, 10^6 bytes: the largest
    resident set of the command or any process it waited for], ``code`` and what it ``said``
    on standard error."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], capture_output=True, env=env)
    wall = time.perf_counter() - started
    code, cpu, maxrss = json.loads(done.stdout.decode().strip().splitlines()[-1])
    return {"wall": wall, "cpu": cpu, "peak": megabytes(maxrss), "code": code,
            "said": done.stderr.decode("utf-8", "replace").strip()}


def timed_memory(command: list[str], env=None) -> tuple[float, float, float]:
    """Wall and CPU seconds and peak memory [MB] of ``command`` (:func:`measured`), which must
    succeed."""
    run = measured(command, env)
    if run["code"] != 0:
        raise SystemExit(f"failed (exit {run['code']}): {' '.join(command)}\n{run['said'][-2000:]}")
    return run["wall"], run["cpu"], run["peak"]


def megabytes(maxrss_kib: int) -> float:
    """``ru_maxrss`` (KiB on Linux) in MB of 10^6 bytes."""
    return maxrss_kib * 1024 / 1e6


def _env(**changes) -> dict:
    env = dict(os.environ)
    env.update(changes)
    return env


def build_command(folder: Path, out: Path, params_dir: Path | None) -> list[str]:
    code = ("import sys, json; from seoulcomm import build\n"
            "s = build.build(sys.argv[1], sys.argv[2], jobs=2, progress=None,"
            " params_dir=sys.argv[3] or None)\n"
            "print(json.dumps({'built': len(s.built), 'skipped': len(s.skipped), 'failed': len(s.failed)}))\n"
            "sys.exit(s.exit_code)\n")
    return [sys.executable, "-c", code, str(folder), str(out), str(params_dir or "")]


def run_build(folder: Path, out: Path, params_dir: Path | None) -> tuple[float, float, dict]:
    started = time.perf_counter()
    done = subprocess.run(build_command(folder, out, params_dir), capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"build failed (exit {done.returncode}):\n{done.stderr[-3000:]}")
    return wall, 0.0, json.loads(done.stdout.strip().splitlines()[-1])


def small_params(folder: Path, ds, where: Path) -> Path:
    """A params folder naming only the latest year's office report and the sampled division
    reports (a full build at the million-row size is thousands of reports)."""
    latest = max(ds.years())
    where.mkdir(parents=True, exist_ok=True)
    (where / "reports.yaml").write_text(
        "reports:\n"
        f"  - kind: office\n    parameters: {{year: [{latest}]}}\n"
        f"  - kind: division\n    parameters: {{division: [{', '.join(SAMPLED)}], year: [{latest}]}}\n",
        encoding="utf-8")
    return where


def change_one_row(folder: Path, division: str, year: int) -> str:
    """Change one figure of one detail row of ``division`` in ``year``'s latest snapshot (its
    집행액 up by one unit); the row's description."""
    import csv
    import io

    path = folder / "budget_detail.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    col = {name: i for i, name in enumerate(header)}
    picks = [i for i, r in enumerate(rows[1:], start=1) if r[col["unit"]] == division
             and r[col["year"]] == str(year) and r[col["level"]] == "basic"]
    latest = max(rows[i][col["as_of"]] for i in picks)
    i = next(i for i in picks if rows[i][col["as_of"]] == latest)
    old = rows[i][col["executed"]]
    rows[i][col["executed"]] = f"{int(old.replace(',', '') or 0) + 1:,}"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return f"budget_detail.csv {i + 1}행 executed {old} → {rows[i][col['executed']]}"


def measure_size(size, tmp: Path, args, results: dict, build: bool = True) -> tuple[Path, list]:
    divisions, years, snapshots = size
    folder = tmp / label(size).replace("×", "x")
    counts = make_dataset(folder, divisions, years, snapshots)
    rows = sum(counts.values())
    detail = counts["budget_detail"]
    r = results[size] = {"rows": rows, "detail": detail}
    print(f"\n{label(size)}: {rows:,} rows ({detail:,} detail rows)", flush=True)

    wall, _, peak = timed_memory([str(BIN / "seoulcomm"), "validate", "--data", str(folder)],
                                 env=_env(**{colcache.ENV: "off"}))
    r.update(validate=wall, validate_mb=peak)
    cache = tmp / f"cache-{label(size)}"
    os.environ[colcache.ENV] = "off"
    load._CACHE.clear()
    load.load_all(paths.data_dir())   # imports and first calls out of the timing (not per row)
    load._CACHE.clear()
    started = time.perf_counter()
    load.load_all(folder)
    r["load_csv"] = time.perf_counter() - started
    os.environ[colcache.ENV] = str(cache)   # this size's cache, for this process and its builds
    load._CACHE.clear()
    load.load_all(folder)            # writes the cache
    load._CACHE.clear()
    started = time.perf_counter()
    ds = load.load_all(folder)
    r["load_cache"] = time.perf_counter() - started
    started = time.perf_counter()
    audit._reconcile(ds)   # computed (reconcile itself would take the cached copy)
    r["audit"] = time.perf_counter() - started
    print(f"  validate {wall:6.2f} s ({rows / wall:,.0f} rows/s, whole command with the audit, cache off; "
          f"peak {peak:,.0f} MB)   load from CSV {r['load_csv']:5.2f} s ({rows / r['load_csv']:,.0f} "
          f"rows/s), from cache {r['load_cache']:5.2f} s   audit {r['audit']:6.2f} s "
          f"({rows / r['audit']:,.0f} rows/s)", flush=True)

    reports = params.reports(folder, ds=ds)
    r["reports"] = len(reports)
    if not (args.build and build):
        return folder, reports
    own_params = None if len(reports) <= args.build_max else small_params(folder, ds, tmp / f"params-{label(size)}")
    out = tmp / f"build-{label(size)}"
    wall, _, first = run_build(folder, out, own_params)
    noop_wall, _, noop = run_build(folder, out, own_params)
    latest = max(ds.years())
    what = change_one_row(folder, TEMPLATE, latest)
    change_wall, _, change = run_build(folder, out, own_params)
    scope = f"{first['built']} reports" + ("" if own_params is None else
                                           f" (of {len(reports):,}: the latest year's office and 3 divisions)")
    r.update(build=wall, noop=noop_wall, change=change_wall, change_built=change["built"],
             change_total=change["built"] + change["skipped"], build_scope=scope)
    print(f"  build --jobs 2: {scope} in {wall:6.1f} s; no change {noop_wall:5.2f} s; "
          f"one row changed ({what}): {change['built']} of {change['built'] + change['skipped']} "
          f"rebuilt in {change_wall:5.2f} s", flush=True)
    return folder, reports


def run_all(folder: Path, out: Path) -> tuple[float, float]:
    """``papermill`` of the template division's latest report in a fresh kernel: wall, CPU."""
    load._CACHE.clear()
    latest = max(load.load_all(folder).years())
    command = [str(BIN / "papermill"), "--no-progress-bar", "--log-level", "ERROR",
               str(paths.notebook("division")), str(out), "-p", "division", TEMPLATE,
               "-p", "year", str(latest), "-p", "data_dir", str(folder)]
    return timed(command)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="4x10,400x10",
                   help="divisions×years[×snapshots] compared for the per-report cost, comma-separated "
                        "(default: %(default)s)")
    p.add_argument("--million", default="1700x10x12",
                   help="the million-row size (≈ 1,000,000 detail rows; 'none' to skip; default: %(default)s)")
    p.add_argument("--memory", default="3300x10x12",
                   help="the size whose validate's peak memory is read against 4 GB (≈ 2,000,000 detail "
                        "rows, within the bound; 'none' to skip; default: %(default)s)")
    p.add_argument("--beyond", default="3400x10x12",
                   help="a size beyond the 2,000,000-row bound: validate must refuse it (exit 2, the "
                        "bound's message) in bounded time and memory ('none' to skip; default: %(default)s)")
    p.add_argument("--samples", type=int, default=3,
                   help="rounds of the sampled reports, every size in each round (default: %(default)s)")
    p.add_argument("--build-max", type=int, default=300,
                   help="sizes with more reports build only the sampled ones (default: %(default)s)")
    p.add_argument("--runs", type=int, default=3, help="Run All rounds (default: %(default)s)")
    p.add_argument("--no-build", dest="build", action="store_false", help="skip the builds")
    p.add_argument("--build-sizes", action="store_true",
                   help="also build at the --sizes (default: builds at the million-row size only)")
    p.add_argument("--markdown", type=Path, help="also write the results as a Markdown section here")
    p.add_argument("--serve", nargs=2, metavar=("DATA", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.serve:
        serve(Path(args.serve[0]), Path(args.serve[1]))
        return 0
    sizes = [parse_size(s) for s in args.sizes.split(",")]
    million = None if args.million == "none" else parse_size(args.million)
    memory = None if args.memory == "none" else parse_size(args.memory)
    beyond = None if args.beyond == "none" else parse_size(args.beyond)
    targets = Targets("scale.py")
    print(machine(), flush=True)
    results: dict = {}
    sampled = {}
    with tempfile.TemporaryDirectory(prefix="seoulcomm-scale-") as tmp_name:
        tmp = Path(tmp_name)
        for size in sizes + ([million] if million else []):
            sampled[size] = measure_size(size, tmp, args, results,
                                         build=args.build_sizes or size == million)
        if memory:
            divisions, years, snapshots = memory
            folder = tmp / "memory"
            counts = make_dataset(folder, divisions, years, snapshots)
            wall, _, peak = timed_memory([str(BIN / "seoulcomm"), "validate", "--data", str(folder)],
                                         env=_env(**{colcache.ENV: "off"}))
            results["memory"] = {"detail": counts["budget_detail"], "rows": sum(counts.values()),
                                 "validate": wall, "peak": peak,
                                 "bytes": (folder / "budget_detail.csv").stat().st_size}
            print(f"\n{label(memory)}: {counts['budget_detail']:,} detail rows "
                  f"({results['memory']['bytes'] / 1e6:,.0f} MB): validate {wall:6.1f} s, "
                  f"peak memory {peak:,.0f} MB", flush=True)
            shutil.rmtree(folder)
        if beyond:
            divisions, years, snapshots = beyond
            folder = tmp / "beyond"
            counts = make_dataset(folder, divisions, years, snapshots)
            run = measured([str(BIN / "seoulcomm"), "validate", "--data", str(folder)],
                           env=_env(**{colcache.ENV: "off"}))
            results["beyond"] = {"detail": counts["budget_detail"], "wall": run["wall"], "code": run["code"],
                                 "said": run["said"][:300], "peak": run["peak"]}
            b = results["beyond"]
            print(f"\n{label(beyond)}: {b['detail']:,} detail rows, beyond the bound: validate exit {b['code']} "
                  f"in {b['wall']:5.1f} s, peak {b['peak']:,.0f} MB — {b['said'][:200]}", flush=True)
            shutil.rmtree(folder)

        # paired: one warm process per size (as one build's process), and every round asks
        # each of them in turn for the division and office reports, so a machine that slows
        # down or speeds up during the run weighs on every size alike
        load._CACHE.clear()
        shipped_ds = load.load_all(paths.data_dir())
        sampled[SHIPPED] = (paths.data_dir(), params.reports(paths.data_dir(), ds=shipped_ds))
        results[SHIPPED] = {}
        servers = {}
        for size, (folder, _reports) in sampled.items():
            out = tmp / f"sample-{label(size)}"
            servers[size] = subprocess.Popen(
                [sys.executable, __file__, "--serve", str(folder), str(out)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for size, server in servers.items():
            if server.stdout.readline().strip() != "ready":
                raise SystemExit(f"the warm process for {label(size)} failed")
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
                            raise SystemExit(f"the warm process for {label(size)} failed on a {kind} report")
                        cpu[size][kind].append(float(answer[0]))
                        if kind == "office":
                            office_kb[size] = int(answer[1]) / 1024
        finally:
            for server in servers.values():
                server.stdin.close()
                server.wait()
        print(f"\nper report, median CPU of {args.samples} interleaved rounds (the report's own "
              "forked process; one warm process per size, as a build's; division: the mean of "
              f"{', '.join(SAMPLED)})", flush=True)
        per_division = {}
        for size, (folder, reports) in sampled.items():
            div_cpu = statistics.median(cpu[size]["division"])
            office_cpu = statistics.median(cpu[size]["office"])
            per_division[size] = div_cpu
            results[size].update(division_cpu=div_cpu, office_cpu=office_cpu, office_kb=office_kb[size])
            line = (f"  {label(size)}: division {div_cpu:5.2f} s   office {office_cpu:5.2f} s "
                    f"(HTML {office_kb[size]:,.0f} KB)")
            n = len(reports)
            if n > args.build_max:
                offices = sum(r.kind == "office" for r in reports)
                estimate = ((n - offices) * div_cpu + offices * office_cpu) / 2
                line += f"; every one of its {n:,} reports ≈ {estimate / 60:,.0f} min on 2 free cores"
            print(line, flush=True)

        if million:
            folder = sampled[million][0]
            os.environ[colcache.ENV] = str(tmp / f"cache-{label(million)}")
            for warm in (paths.data_dir(), folder):   # the cache warm for both
                load._CACHE.clear()
                load.load_all(warm)
            ship, big = [], []
            for k in range(args.runs):   # paired, interleaved
                ship.append(run_all(paths.data_dir(), tmp / f"runall-ship-{k}.ipynb"))
                big.append(run_all(folder, tmp / f"runall-big-{k}.ipynb"))
            s_wall, b_wall = statistics.median(w for w, _ in ship), statistics.median(w for w, _ in big)
            results["run_all"] = {"shipped": s_wall, "million": b_wall}
            print(f"\nRun All of a division report (papermill, fresh kernel, cache warm; median of "
                  f"{args.runs}): shipped data {s_wall:5.2f} s, {label(million)} {b_wall:5.2f} s", flush=True)

    small, large = sizes[0], sizes[-1]
    if small != large:
        targets.add(f"per-report cost (3 division reports) {label(large)} ÷ {label(small)}",
                    per_division[large] / per_division[small], "≤ 1.1", lambda v: v <= 1.1, "{:.2f}")
    for size in sizes:
        if size[0] == 400:
            targets.add(f"office report at {label(size)}: size", results[size]["office_kb"], "≤ 400 KB",
                        lambda v: v <= 400, "{:,.0f} KB")
            targets.add(f"office report at {label(size)}: CPU", results[size]["office_cpu"], "≤ 3 s",
                        lambda v: v <= 3, "{:.2f} s")
    if million:
        r = results[million]
        targets.add(f"seoulcomm validate, whole command with the audit, at {label(million)} "
                    f"({r['rows']:,} rows), rows/s", r["rows"] / r["validate"],
                    "≥ 200,000", lambda v: v >= 200_000, "{:,.0f}")
        targets.add(f"validation (read, parse, check; cache off) at {label(million)}, rows/s",
                    r["rows"] / r["load_csv"], "≥ 200,000", lambda v: v >= 200_000, "{:,.0f}")
        targets.add(f"audit (computed) at {label(million)}, rows/s", r["rows"] / r["audit"], "≥ 200,000",
                    lambda v: v >= 200_000, "{:,.0f}")
        targets.add(f"division report CPU (3 reports, cache warm) at {label(million)} ÷ data/",
                    r["division_cpu"] / results[SHIPPED]["division_cpu"], "≤ 1.5",
                    lambda v: v <= 1.5, "{:.2f}")
        targets.add(f"load from the cache at {label(million)} ({r['detail']:,} detail rows)",
                    r["load_cache"], "about a second (≤ 1.5 s)", lambda v: v <= 1.5, "{:.2f} s")
        run = results["run_all"]
        targets.add(f"Run All of a division report, {label(million)} ÷ shipped data (cache warm)",
                    run["million"] / run["shipped"], "≤ 1.5", lambda v: v <= 1.5, "{:.2f}")
    if memory:
        m = results["memory"]
        targets.add(f"validate's peak memory at {m['detail']:,} detail rows (GB = 10^9 bytes)",
                    m["peak"] / 1000, "≤ 4 GB", lambda v: v <= 4, "{:.2f} GB")
    if beyond:
        b = results["beyond"]
        targets.add(f"{b['detail']:,} detail rows (beyond the bound) refused with the bound's message, "
                    f"exit {b['code']}, peak {b['peak']:,.0f} MB", b["wall"], "exit 2, ≤ 60 s",
                    lambda v: b["code"] == 2 and "2,000,000행 이하" in b["said"] and v <= 60, "{:.1f} s")
    targets.show()
    if args.markdown:
        args.markdown.parent.mkdir(parents=True, exist_ok=True)
        args.markdown.write_text(markdown(results, sizes, million, memory, targets, args), encoding="utf-8")
    return 0


def markdown(results, sizes, million, memory, targets, args) -> str:
    lines = ["## Data size (`benchmarks/scale.py`)", "",
             "| size | rows | detail rows | validate (cache off) | rows/s | peak MB (10^6 B) | load CSV | load cache "
             "| audit | audit rows/s | division CPU | office CPU | office KB |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in sizes + ([million] if million else []):
        r = results[size]
        lines.append(f"| {label(size)} | {r['rows']:,} | {r['detail']:,} | {r['validate']:.2f} s | "
                     f"{r['rows'] / r['validate']:,.0f} | {r['validate_mb']:,.0f} | {r['load_csv']:.2f} s | "
                     f"{r['load_cache']:.2f} s | {r['audit']:.2f} s | {r['rows'] / r['audit']:,.0f} | "
                     f"{r['division_cpu']:.2f} s | {r['office_cpu']:.2f} s | {r['office_kb']:,.0f} |")
    if SHIPPED in results and "division_cpu" in results[SHIPPED]:
        r = results[SHIPPED]
        lines += ["", f"Per report on the shipped data (data/), in the same rounds: division "
                  f"{r['division_cpu']:.2f} s, office {r['office_cpu']:.2f} s (HTML {r['office_kb']:,.0f} KB)."]
    lines += ["", "Builds (`--jobs 2`):", ""]
    for size in sizes + ([million] if million else []):
        r = results[size]
        if "build" in r:
            lines.append(f"- {label(size)}: {r['build_scope']} in {r['build']:.1f} s; no change "
                         f"{r['noop']:.2f} s; one detail row changed: {r['change_built']} of "
                         f"{r['change_total']} rebuilt in {r['change']:.2f} s")
    if million:
        run = results["run_all"]
        lines += ["", f"Run All of a division report (papermill, fresh kernel, cache warm, median of "
                  f"{args.runs}): shipped data {run['shipped']:.2f} s, {label(million)} {run['million']:.2f} s."]
    if "beyond" in results:
        b = results["beyond"]
        lines += ["", f"Beyond the bound: `seoulcomm validate` on {b['detail']:,} detail rows exited {b['code']} "
                  f"in {b['wall']:.1f} s (peak {b['peak']:,.0f} MB): {b['said'][:200]}"]
    if memory:
        m = results["memory"]
        lines += ["", f"Memory: `seoulcomm validate` (cache off) on {m['detail']:,} detail rows "
                  f"({m['bytes'] / 1e6:,.0f} MB of budget_detail.csv, {m['rows']:,} rows in all): "
                  f"{m['validate']:.1f} s, peak resident memory {m['peak']:,.0f} MB (MB = 10^6 bytes)."]
    lines += ["", targets.markdown(), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
