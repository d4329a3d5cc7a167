"""What makes a report's cost follow what it reads, not the size of the data, gives the same
answers as the plain way (benchmarks/scale.py measures the cost; this proves the answers):

- ``Dataset.rows_at`` (the column with the fewest rows first, the others by binary search)
  picks the rows, in the order, that comparing every row picks;
- ``views.division_lines`` (every division's lines judged together, for the index and the
  brief) is, frame for frame, the spending lines of one ``views.projection`` per division —
  on data/ and on the scenarios where divisions stand at different snapshots (a partial
  snapshot), budget versions (추경) and a reorganisation;
- ``monitor.open_counts`` is the length of ``monitor.open_checks`` of each unit;
- the read log keeps one entry per distinct read, as comparing entries would.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from seoulcomm import calc, load, monitor, views

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_realyear import scenario_data  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic import make_dataset  # noqa: E402


def per_division_lines(ds, year) -> pd.DataFrame:
    """monitor.lines as it was computed before: one projection per division."""
    parts = [views.projection(ds, year, unit=str(u), threshold=calc.PACE_THRESHOLD)
             for u in ds.divisions(year)["unit"]]
    parts = [p[p["level"].isin(views.SPENDING_LEVELS).fillna(False).to_numpy(dtype=bool)] for p in parts]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=monitor.LINE_COLUMNS)
    rows = pd.concat(parts, ignore_index=True).rename(columns=monitor._OUTLOOK)
    rows["balance"] = rows["available"].astype("Int64") - rows["executed"].astype("Int64")
    rows["report"] = [monitor.report_of(str(u), year) for u in rows["unit"]]
    return rows[monitor.LINE_COLUMNS].reset_index(drop=True)


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("scale-views")
    out = {"data": None}
    for names in (("partial",), ("supplementary",), ("reorg",), ("partial", "supplementary", "reorg")):
        out["+".join(names)] = scenario_data(root, *names)
    syn = root / "synthetic"
    make_dataset(syn, divisions=12, years=3, snapshots=3)
    out["synthetic"] = syn
    return out


@pytest.mark.parametrize("name", ["data", "partial", "supplementary", "reorg", "partial+supplementary+reorg",
                                  "synthetic"])
def test_every_divisions_lines_are_its_own_projections(folders, name):
    ds = load.load_all(folders[name])
    for year in ds.years():
        together = monitor.lines(ds.fresh(), year, threshold=calc.PACE_THRESHOLD)
        pd.testing.assert_frame_equal(together, per_division_lines(ds.fresh(), year), check_exact=True)
    if name == "partial":   # divisions at different snapshots: the case that needs each its own
        year = max(ds.years())
        dates = {str(u): views.latest(ds, year, "budget_detail", unit=str(u)) for u in ds.divisions(year)["unit"]}
        assert len(set(dates.values())) > 1, dates


@pytest.mark.parametrize("name", ["data", "partial+supplementary+reorg", "synthetic"])
def test_open_counts_are_each_units_open_checks(folders, name):
    ds = load.load_all(folders[name])
    for year in ds.years():
        units = ["office"] + [str(u) for u in ds.divisions(year)["unit"]]
        assert monitor.open_counts(ds.fresh(), units, year) == \
            [len(monitor.open_checks(ds.fresh(), u, year)) for u in units]
    # data/'s 2016: the 원문 검증 items open in the four divisions' and the office's reports
    if name == "data":
        assert sum(monitor.open_counts(ds.fresh(), units, 2016)) > 0


@pytest.mark.parametrize("kernel", [False, True])
def test_rows_at_picks_what_comparing_every_row_picks(folders, kernel, monkeypatch):
    """``kernel``: each selection on data nothing was indexed for yet, as in a notebook kernel
    (a column not indexed is compared on the rows already picked, COMPARE_BELOW made 1 so
    that it always is here, or indexed when those rows are many)."""
    ds = load.load_all(folders["synthetic"])
    detail = ds.tables["budget_detail"]
    rng = np.random.default_rng(25)
    years = sorted(detail["year"].dropna().unique().tolist())
    dates = sorted(detail["as_of"].dropna().unique().tolist())
    unit_names = sorted(detail["unit"].dropna().unique().tolist())
    levels = sorted(detail["level"].dropna().unique().tolist())
    for _ in range(200):
        where = {}
        if rng.random() < 0.7:
            where["year"] = int(rng.choice(years)) if rng.random() < 0.6 else \
                [int(y) for y in rng.choice(years, 2)] + [1900]
        if rng.random() < 0.5:
            where["as_of"] = pd.Timestamp(rng.choice(dates)).strftime("%Y-%m-%d")
        if rng.random() < 0.6:
            # one unit, a few, or half of them (a city's divisions: the mask, not binary search)
            many = int(rng.choice([3, len(unit_names) // 2]))
            where["unit"] = str(rng.choice(unit_names)) if rng.random() < 0.4 else \
                [str(u) for u in rng.choice(unit_names, many)] + ["no-such-unit"]
        if rng.random() < 0.5:
            where["level"] = [str(lv) for lv in rng.choice(levels, 2)]
        mask = np.ones(len(detail), dtype=bool)
        for column, value in where.items():
            wanted = value if isinstance(value, list) else [value]
            if column == "as_of":
                wanted = [pd.Timestamp(v) for v in wanted]
            mask &= detail[column].isin(wanted).fillna(False).to_numpy(dtype=bool)
        if kernel:
            for key in [k for k in ds.memo if k[0] == "positions"]:
                del ds.memo[key]
            monkeypatch.setattr(load, "COMPARE_BELOW", int(rng.choice([1, 64])))
        at = ds.rows_at("budget_detail", where)
        expected = np.flatnonzero(mask) if where else None
        if expected is None:
            assert at is None
        else:
            assert at.tolist() == expected.tolist(), where
    # the positions handed out are the caller's own: changing them changes nothing kept
    at = ds.rows_at("budget_detail", {"unit": unit_names[0]})
    before = at.copy()
    at[:] = 0
    assert ds.rows_at("budget_detail", {"unit": unit_names[0]}).tolist() == before.tolist()


def test_the_read_log_keeps_one_entry_per_distinct_read():
    ds = load.load_all()
    ds.rows("budget_detail", year=2016, unit="new-media")
    ds.rows("budget_detail", unit="new-media", year=2016)        # the same read, other order
    ds.rows("budget_detail", year=2016.0, unit="new-media")      # 2016.0 == 2016, as == says
    ds.values("budget_detail", "as_of", year=2016)
    ds.values("budget_detail", "as_of", year=2016)
    assert ds.reads == [{"table": "budget_detail", "where": {"year": 2016, "unit": "new-media"}},
                        {"table": "budget_detail", "where": {"year": 2016}, "columns": ["as_of"]}]
    ds.reads.append({"table": "documents", "where": {}})        # the log changed from outside
    ds.rows("documents")
    assert len(ds.reads) == 3
    assert ds.fresh().reads == []


@pytest.mark.parametrize("name", ["data", "partial+supplementary+reorg"])
def test_one_reports_checks_read_from_the_kept_audit_are_the_whole_audits(folders, name, tmp_path,
                                                                           monkeypatch):
    """A kernel that shows one report reads only its scope's rows of the audit the column cache
    keeps (audit._kept_part): the same checks as the whole audit gives, for every scope."""
    from seoulcomm import audit, colcache

    monkeypatch.setenv(colcache.ENV, str(tmp_path / "cache"))
    load.forget()
    ds = load.load_all(folders[name])
    audit.reconcile_frame(ds)            # computed and kept by the cache
    scopes = ["office"] + [str(u) for u in ds.divisions()["unit"]] + list(ds.programs())
    expected = {(s, y): audit.checks_of(ds, s, year=y) for s in scopes for y in [None] + ds.years()}
    for scope in scopes:
        audit._RECONCILED.clear()
        load.forget()
        fresh = load.load_all(folders[name])     # a new kernel's data: nothing audited in it
        for year in [None] + fresh.years():
            got = audit.checks_of(fresh, scope, year=year)
            pd.testing.assert_frame_equal(got, expected[(scope, year)], check_exact=True)
        assert audit._RECONCILED.get(id(fresh.tables)) is None   # the whole audit never made
        assert fresh.memo[("audit", "part")][0] == scope
    load.forget()


def read_rows(ds, entry: dict, year) -> pd.DataFrame:
    """The rows of one read-log entry, up to the report's year, and of the columns it read
    only those the footer cites from (``source``, ``as_of``)."""
    # a read of some columns needs only those, and the year or date it is filtered by; a read
    # of every column only the footer's (the others would be copied for nothing)
    taken = entry.get("columns")
    cited = [c for c in (taken or ("source", "as_of")) if c in ("source", "as_of")]
    rows = ds.select(entry["table"], entry.get("where") or {}, cited + ["year", "as_of"])
    if year is not None:
        if "year" in rows.columns:  # the years up to the report's (the summaries show them)
            rows = rows[(rows["year"] <= int(year)).fillna(False).to_numpy(dtype=bool)]
        elif "as_of" in rows.columns:  # a table without a year (staffing) counts in its own year
            rows = rows[(rows["as_of"].dt.year == int(year)).fillna(False).to_numpy(dtype=bool)]
    # a report that read only the dates cites no document for them
    return rows[[c for c in dict.fromkeys(cited) if c in rows.columns]]


@pytest.mark.parametrize("name", ["data", "partial+supplementary+reorg", "synthetic"])
def test_the_footer_cites_what_each_reads_rows_cite(folders, name):
    """The footer takes each read's documents and dates from its row positions
    (shared._cited_in): the same as the read's rows cut to the report's years and to the
    columns it read (read_rows below, the footer's former way), for every table, read whole, by one value of each
    column reports select by, by some columns only, at every year."""
    from seoulcomm.content import shared

    ds = load.load_all(folders[name])

    def plain(entry, year):
        rows = read_rows(ds, entry, year)
        sources = [str(s) for s in rows["source"].dropna().unique()] if "source" in rows.columns else []
        dates = sorted({shared.iso(d) for d in rows["as_of"].dropna().drop_duplicates()}) \
            if "as_of" in rows.columns else []
        return sources, dates

    cases = 0
    for table, frame in ds.tables.items():
        wheres = [{}]
        for column in ("unit", "year", "as_of", "program", "section"):
            if column in frame.columns and frame[column].notna().any():
                value = frame[column].dropna().iloc[len(frame[column].dropna()) // 2]
                wheres.append({column: shared.iso(value) if column == "as_of" else
                               int(value) if column == "year" else str(value)})
        for where in wheres:
            for columns in (None, ["source"], ["as_of"], [frame.columns[-1]]):
                for year in [None] + ds.years():
                    entry = {"table": table, "where": where} | ({"columns": columns} if columns else {})
                    assert shared._cited_in(ds, entry, year) == plain(entry, year), (table, entry, year)
                    cases += 1
    assert cases > 300


def _plain_partial_snapshots(ds, year) -> dict:
    """views.partial_snapshots as it was: every row of the year looked at."""
    rows = ds.tables["budget_detail"]
    if "partial" not in rows.columns:
        return {}
    rows = rows[(rows["year"] == int(year)).fillna(False).to_numpy(dtype=bool)]
    flagged = rows[views._partial_rows(rows)]
    out = {}
    for when, part in flagged.groupby("as_of", sort=True):
        reasons = [str(r) for r in part["partial"].dropna().unique() if str(r).strip()]
        totals = part[(part["level"] == "division").fillna(False).to_numpy(dtype=bool)]
        out[pd.Timestamp(when)] = {"reason": "; ".join(reasons), "units": frozenset(totals["unit"].astype(str))}
    return out


def _plain_snapshot_versions(ds, year) -> dict:
    """views._snapshot_versions as it was: the year's rows grouped by date, the largest text."""
    rows = ds.tables["budget_detail"]
    rows = rows[(rows["year"] == int(year)).fillna(False).to_numpy(dtype=bool)][["as_of", "version"]].dropna()
    if rows.empty:
        return {}
    last = rows.assign(version=rows["version"].astype(str)).groupby("as_of")["version"].max()
    return {pd.Timestamp(k): str(v) for k, v in last.items()}


@pytest.mark.parametrize("name", ["data", "partial", "supplementary", "reorg", "partial+supplementary+reorg",
                                  "synthetic"])
def test_snapshot_facts_are_those_of_every_row_of_the_year(folders, name):
    """Which snapshots of a year are partial (found only where a row states a reason) and the
    version each states (each row's version ranked once) are what looking at every row of the
    year gives, in a fresh load (a kernel) and once indexed (the build)."""
    for indexed in (False, True):
        load.forget()
        ds = load.load_all(folders[name])
        if indexed:
            ds.index()
        for year in ds.years() + [1900]:
            assert views.partial_snapshots(ds, year) == _plain_partial_snapshots(ds, year), (year, indexed)
            assert views._snapshot_versions(ds, year) == _plain_snapshot_versions(ds, year), (year, indexed)
    assert any(views.partial_snapshots(ds, y) for y in ds.years()) == ("partial" in name)
