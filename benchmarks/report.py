"""Write docs/performance.md from the sections the benchmarks just wrote (``make bench``).

    python benchmarks/report.py OUT.md SECTION.md [SECTION.md …]

Each section is the ``--markdown`` output of one benchmark of this run (build_speed.py,
scale.py); a missing one is said to be missing, never taken from an older run.
"""
from __future__ import annotations

import sys
from pathlib import Path

HEAD = """# Performance

Written by `make bench` from the run it just made (`benchmarks/build_speed.py`, then
`benchmarks/scale.py`); nothing here is kept from an earlier run. Each target is marked met or
not met as that run measured it. The machine and its load average are named in each section:
on a shared machine the times are noisy, and the ratios are paired (the contenders are timed
in turn, in the same minutes) so that the load weighs on both sides alike.

How the figures come about:

- **Column cache** (`seoulcomm/colcache.py`): every table, once checked, is kept as Parquet
  outside `data/` (`$SEOULCOMM_CACHE`, else `~/.cache/seoulcomm`), keyed by the bytes of the
  table, of the tables it refers to, of the catalog, and by the schema and the seoulcomm
  version. The build, its helper and every notebook kernel load through it: a million detail
  rows come back without being parsed or checked again, and a changed file re-checks that table and those that
  refer to it. An entry that is not exactly what was written is refused and rebuilt; nothing
  in it is ever executed (no pickle). The audit is kept sorted by scope, in row groups of
  32,768 checks, each check with its place in the audit: a notebook kernel that shows one
  report reads only the groups whose statistics can hold its scope (at a million detail rows
  ≈ 3,000 of ≈ 5.2 million checks, ≈ 0.05 s instead of ≈ 0.4 s) and puts them back in the
  audit's order; the places it reads must each be one place of the audit, once.
- **Reading big files** (`seoulcomm/bulk.py`): a plain file of 1 MB or more is split by Arrow
  and its number cells parsed by Arrow (a number column whose texts repeat, a figure stated at
  every month end, once per distinct text); dates and text are parsed by the row-by-row parser once
  per distinct text; any doubtful row is parsed row by row with its line, so every message is
  the row-by-row parser's own (tests/test_bulk.py). The schema (pandera) is asked only when a
  vectorised check finds something to refuse.
  Old rows that leave off the columns added later with a default (`partial`, `version` …)
  are padded with those defaults before Arrow splits the file, as the row-by-row reader pads
  them.
- **Checks by group, not by row**: the budget-version check (one pass per year and version
  name), the complete-snapshot check (one sort, then one membership test per snapshot) and the
  partial flag (one strip per distinct text) never visit the rows one by one in Python.
- **Audit** (`seoulcomm/audit.py`): frame operations throughout; the verdicts are classified as
  integer codes, and the detail's (year, as-of, document) snapshots are found once per audit.
  `seoulcomm validate` prints only the audit's counts: with no audit kept in the column cache
  it computes and classifies every check as the frame does (`audit.verdict_counts`, tested
  equal to the frame's counts) but never makes the checks' text (items, check names, notes:
  about five million checks at a million detail rows), which also keeps its memory to about
  what the loaded tables take.
- **Selecting rows** (`Dataset.rows_at`): the column with the fewest matching rows first, the
  others by binary search in each value's positions, so that a report's selections cost what it
  reads, not the size of the table; a column not indexed yet (a notebook kernel, which shows
  one report) is compared on the rows already picked when they are few, and is indexed only
  when they are many. A report's footer takes each read's documents and dates
  from those positions (no frame per read), and the budget version of a year's detail
  snapshots is found for all of them at once. What still grows in a division report at a
  million detail rows is what it shows (ten years, twelve month-end snapshots each: a longer
  summary, two more charts) and, in a fresh kernel, the load itself.
- **The index and the brief** judge every division of a year together
  (`views.division_lines`, `monitor.open_counts`): the same figures as one projection per
  division (tests compare them), without thousands of small selections; the read log checks
  for a repeated read without scanning itself.
- **Bounds**: 2,000,000 rows and 512 MB per table; a bigger file is refused before it is read,
  more rows before they are split.
- **Batch build** (docs/build.md): the build process warms its libraries while a helper loads,
  audits and indexes the data (the warm-up runs with the garbage collector off, and what it made
  is then frozen: collecting over the imports again and again cost a fifth of that serial
  start, and the collection before the first fork walked all of it); each report then runs in a process forked from it, and the
  index's monitoring view is computed in one more forked process while the reports run
  (`seoulcomm/aside.py`). Within a report, what several sections show (the projection, the
  division's totals, the names) is computed once; the warm process also states the budget
  version of every detail snapshot before it forks. Where a report's CPU goes (the 2016 division
  report on the shipped data, CPU per cell, ≈ 0.75 s in all): the cells that draw charts ≈ 2/3
  (the 집행 속도 chart ≈ 0.11 s: made at the drawing resolution and laid out once, ≈ 0.04 s of
  constrained layout, where it was laid out twice; ≈ 0.04 s Agg drawing, ≈ 0.015 s palette and
  PNG; every chart's cost is mostly matplotlib's tick and text machinery), the workbook ≈ 4 %.
- **Office report at city scale**: above 10 divisions the page names the 10 largest by budget
  (the 연말 집행 전망: the 10 largest 불용, with the divisions counted by signal) and one
  "기타 N개 부서" line in every per-division table, chart and 총괄 line; the workbook keeps every
  division. The page does not grow with the organisation; the workbook does.
"""


def main(argv: list[str]) -> int:
    out, sections = Path(argv[0]), [Path(a) for a in argv[1:]]
    parts = [HEAD]
    for section in sections:
        if section.exists():
            parts.append(section.read_text(encoding="utf-8"))
        else:
            parts.append(f"## {section.stem}\n\nNot measured in this run ({section} missing).\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
