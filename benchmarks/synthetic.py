"""A synthetic data folder of any size, shaped like data/ (for benchmarks, never for reports).

``make_dataset(folder, divisions=400, years=10, snapshots=1)`` copies ``data/`` into ``folder``
and grows it: every row of a template division (``city-brand``) is cloned for each new division
(its budget-detail block renumbered, its sections renamed), and every year-keyed table gets the
rows of its latest year cloned for each earlier year until it spans ``years`` years. With
``snapshots`` > 1, each year's budget detail and division execution are stated at that many
month ends (January 31, February 28/29, …) instead of their one as-of date, as a city that
records its execution monthly would (1,700 divisions × 10 years × 12 snapshots is about a
million detail rows). The result loads like the real data (same columns, units and
references), so the loaders, the schema checks and the audit run on it as they would on a
large real folder.

Run ``python benchmarks/synthetic.py OUT_DIR [DIVISIONS] [YEARS] [SNAPSHOTS]`` to write one.
"""
from __future__ import annotations

import calendar
import csv
import shutil
import sys
from pathlib import Path

from seoulcomm.schema import TABLES

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
TEMPLATE = "city-brand"
#: Tables of the program sheet: one program, not grown.
PROGRAM_TABLES = {"program", "program_budget", "program_costs", "program_schedule", "settlement"}
DATE_COLUMNS = ("as_of", "start", "end")


def _read(path: Path) -> tuple[list[str], list[dict]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


def _write(path: Path, header: list[str], rows) -> int:
    """Write ``rows`` (any iterable of dicts) as CSV; the number written."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


#: Tables stated at an as-of date that a monthly record states every month end.
SNAPSHOT_TABLES = ("budget_detail", "execution_division")


def _month_ends(rows: list[dict], snapshots: int):
    """Each row once per month end (January … the ``snapshots``-th month) of its year."""
    for r in rows:
        year = int(r["year"])
        for month in range(1, snapshots + 1):
            last = calendar.monthrange(year, month)[1]
            yield dict(r, as_of=f"{year:04d}-{month:02d}-{last:02d}")


def _slug(i: int) -> str:
    return f"synthetic-{i:03d}"


def _grow_divisions(name: str, header: list[str], rows: list[dict], count: int) -> list[dict]:
    """Clone the template division's rows ``count`` times."""
    key = "unit" if "unit" in header else "division" if "division" in header else None
    table = TABLES.get(name)
    if key is None or name in PROGRAM_TABLES or table is None \
            or not ({key, "section", "line"} & set(table.key)):  # a division's rows, not the plan's
        return rows
    template = [r for r in rows if r[key] == TEMPLATE]
    if not template:
        return rows
    out = list(rows)
    next_line = max((int(r["line"]) for r in rows), default=0) + 1 if name == "budget_detail" else 0
    for i in range(1, count + 1):
        lines = {}
        if name == "budget_detail":
            for r in template:
                lines[r["line"]] = str(next_line)
                next_line += 1
        for r in template:
            clone = dict(r, **{key: _slug(i)})
            if "section" in clone and clone["section"]:
                clone["section"] = f"{clone['section']}.{i}"
            if name == "organisation":
                clone.update(name_ko=f"시험{i:03d}담당관", name_en=f"Synthetic Division {i}",
                             short_ko=f"시험{i:03d}")
            if name == "budget_detail":
                clone["line"] = lines[r["line"]]
                clone["parent"] = lines.get(r["parent"], r["parent"])
                if r["level"] == "division":
                    clone["name"] = f"시험{i:03d}담당관"
            out.append(clone)
    return out


def _shift(value: str, years: int) -> str:
    if value and value[:4].isdigit():
        return f"{int(value[:4]) + years:04d}{value[4:]}"
    return value


def _grow_years(name: str, header: list[str], rows: list[dict], first: int, last: int) -> list[dict]:
    """Give a year-keyed table every year from ``first`` to ``last`` (clones of its latest)."""
    if "year" not in header or name in PROGRAM_TABLES or not rows:
        return rows
    present = {int(r["year"]) for r in rows}
    source = max(present)
    out = list(rows)
    for year in range(first, last + 1):
        if year in present:
            continue
        for r in rows:
            if int(r["year"]) == source:
                clone = dict(r, year=str(year))
                for col in DATE_COLUMNS:
                    if col in clone:
                        clone[col] = _shift(clone[col], year - source)
                out.append(clone)
    return out


def make_dataset(folder, divisions: int = 400, years: int = 10, snapshots: int = 1) -> dict[str, int]:
    """Write a data folder with ``divisions`` divisions and ``years`` budget years, the
    budget detail and division execution stated at ``snapshots`` month ends of each year
    (1: at their one as-of date, as in data/).

    Returns
    -------
    dict : rows per table written.
    """
    folder = Path(folder).resolve()
    if folder == DATA or DATA in folder.parents:
        raise ValueError("synthetic data never goes into data/")
    if folder.exists():
        shutil.rmtree(folder)
    shutil.copytree(DATA, folder)
    extra = max(0, divisions - 4)  # data/ already has four divisions
    last = 2016
    counts = {}
    for path in sorted(folder.glob("*.csv")):
        header, rows = _read(path)
        rows = _grow_divisions(path.stem, header, rows, extra)
        rows = _grow_years(path.stem, header, rows, last - years + 1, last)
        if snapshots > 1 and path.stem in SNAPSHOT_TABLES:
            rows = _month_ends(rows, snapshots)
        counts[path.stem] = _write(path, header, rows)
    return counts


if __name__ == "__main__":
    out = sys.argv[1]
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 400
    y = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    k = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    counts = make_dataset(out, d, y, k)
    print(f"{out}: {sum(counts.values())} rows, {counts['budget_detail']} detail rows "
          f"({d} divisions × {y} years × {k} snapshots)")
