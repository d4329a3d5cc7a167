"""Views: the figures a report shows, shaped from the dataset for one year and one snapshot.

A year may hold several snapshots of its execution (the detail, or the division table, at
different as-of dates) and a year-end settlement (12-31). Every view here takes the
dataset and the year (and, where it matters, the as-of date; ``None`` = the latest the
year has), reads only the rows of that year through :meth:`seoulcomm.load.Dataset.rows`
(so the read log names them), and never mixes years or snapshots.

Each view that shows execution calls the calculations itself, once: the figures as printed
(:func:`seoulcomm.calc.as_printed`), paced (:func:`seoulcomm.calc.pace`) with the report's
``threshold``, which every such view requires (the default is the report's, one place:
:func:`seoulcomm.content.shared.open_scope`).

Money stays integer 원, rates percent; nothing here formats or labels (see
:mod:`seoulcomm.labels` and :mod:`seoulcomm.display`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import audit, calc, history, labels, projection as _projection, schema, text

#: The budget as passed: every year's first version.
ORIGINAL = history.ORIGINAL
#: Levels of the budget detail that are a unit's total line (the office, a division).
TOTAL_LEVELS = ("office", "division")
#: Levels of the budget detail that are spending lines (unit programs, basic expenses).
SPENDING_LEVELS = ("program", "basic")

_TOTAL_COLUMNS = ["year", "unit", "as_of", "budget", "carryover", "available", "executed",
                  "balance", "execution_rate", "elapsed", "pace_gap", "pace_flag", "source",
                  "table"]


def _mask(frame: pd.DataFrame, column: str, values) -> np.ndarray:
    values = list(values) if isinstance(values, (list, tuple, set)) else [values]
    return frame[column].isin(values).fillna(False).to_numpy(dtype=bool)


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def settlement_flags(ds, as_of: pd.Series, source: pd.Series) -> list[bool]:
    """Which rows are 결산: at 12-31 and from a document the documents table marks as a
    settlement (the unit tables have no 이월/불용 split). Other 12-31 rows are 연말 집행 실적."""
    return [labels.year_end(d) and ds.document(s).get("kind") == labels.SETTLEMENT_DOCUMENT
            for d, s in zip(as_of, source)]


# --------------------------------------------------------------------------- snapshots

def snapshots(ds, year, table: str | None = None, *, unit: str | None = None) -> list[pd.Timestamp]:
    """The as-of dates ``year``'s execution is stated at, oldest first (detail and the
    division table, or only ``table``). A snapshot of the detail that declares itself
    partial counts only for a unit it holds (``unit``, a division): the office's figures
    stand on complete snapshots."""
    names = [table] if table else ["budget_detail", "execution_division"]
    dates = set()
    for name in names:
        dates |= set(ds.distinct(name, "as_of", year=int(year)))
    if "budget_detail" in names:
        for when, part in partial_snapshots(ds, year).items():
            if unit in (None, "office") or unit not in part["units"]:
                dates.discard(when)
    return sorted(dates)


def partial_snapshots(ds, year) -> dict[pd.Timestamp, dict]:
    """The snapshots of ``year``'s detail that declare themselves partial: ``{as_of:
    {"reason": text, "units": the divisions whose total line it holds}}``."""
    def compute():
        if "partial" not in ds.tables["budget_detail"].columns:
            return {}
        ds._note("budget_detail", {"year": int(year)}, "partial")
        # the reasons the detail states anywhere (most rows state none): when no row of the
        # year states one, no snapshot of it is partial, and its rows need not be looked at
        stated = [v for v in ds.positions("budget_detail", "partial") if str(v).strip()]
        if not stated or not len(ds.rows_at("budget_detail", {"year": int(year), "partial": stated})):
            return {}
        rows = ds.select("budget_detail", {"year": int(year)}, ["year", "as_of", "partial", "unit", "level"])
        flagged = rows[_partial_rows(rows)]
        out = {}
        for when, part in flagged.groupby("as_of", sort=True):
            reasons = [str(r) for r in part["partial"].dropna().unique() if str(r).strip()]
            totals = part[_mask(part, "level", ["division"])]
            out[pd.Timestamp(when)] = {"reason": "; ".join(reasons),
                                       "units": frozenset(totals["unit"].astype(str))}
        return out

    return dict(ds.remember(("partial_snapshots", int(year)), compute))


def _partial_rows(rows: pd.DataFrame) -> np.ndarray:
    """Rows of the detail whose snapshot declares itself partial (see
    :func:`seoulcomm.history.is_partial`)."""
    return history.is_partial(rows).to_numpy(dtype=bool)


def latest(ds, year, table: str | None = None, *, unit: str | None = None) -> pd.Timestamp | None:
    """The latest as-of date of ``year`` (the headline's), or ``None``; for the office
    (``unit`` None) the latest complete snapshot (see :func:`snapshots`)."""
    found = snapshots(ds, year, table, unit=unit)
    return found[-1] if found else None


# --------------------------------------------------------------------------- budget versions

def versions(ds, year) -> list[str]:
    """The budget versions of ``year`` in order: 당초, then each one ``budget_versions``
    lists (1회 추경, …, 최종)."""
    def compute():
        rows = ds.rows("budget_versions", year=int(year)) if "budget_versions" in ds.tables \
            else pd.DataFrame(columns=["year", "version", "order", "date"])
        return tuple(history.version_order(rows, year))

    return list(ds.remember(("versions", int(year)), compute))


def snapshot_version(ds, year, as_of) -> str:
    """The budget version the detail's snapshot of ``year`` at ``as_of`` states (당초 when
    the detail does not hold that date)."""
    if as_of is None or pd.isna(as_of):
        return history.ORIGINAL
    when = _iso(as_of)
    if "version" not in ds.tables["budget_detail"].columns:
        found = ds.distinct("budget_detail", "version", year=int(year), as_of=when)
        return str(found[-1]) if found else history.ORIGINAL
    # logged as ds.distinct logs it (this snapshot's versions); answered from every snapshot
    # of the year at once (a division report asks for each of twelve month-ends of ten years)
    ds._note("budget_detail", {"year": int(year), "as_of": when}, "version")
    found = ds.remember(("snapshot versions", int(year)), lambda: _snapshot_versions(ds, year))
    return found.get(pd.Timestamp(when), history.ORIGINAL)


def _snapshot_versions(ds, year) -> dict:
    """``{as_of: the last of the versions (sorted) its detail rows state}`` of ``year``'s
    detail snapshots (those whose rows state no version left out): each row's version taken
    as its place among the versions sorted (:func:`_version_ranks`), the largest per date."""
    at = ds.rows_at("budget_detail", {"year": int(year)})
    ranks, names = ds.remember(("version ranks",), lambda: _version_ranks(ds))
    ranked = ranks[at]
    when = ds.tables["budget_detail"]["as_of"].to_numpy(dtype="datetime64[ns]")[at]
    keep = (ranked >= 0) & ~np.isnat(when)
    if not keep.any():
        return {}
    last = pd.Series(ranked[keep]).groupby(when[keep]).max()
    return {pd.Timestamp(k): names[int(v)] for k, v in last.items()}


def _version_ranks(ds) -> tuple[np.ndarray, list[str]]:
    """Each detail row's version as its place in the distinct versions sorted as text (-1: it
    states none), and those versions: made once from the version column's positions."""
    positions = ds.positions("budget_detail", "version")
    names = sorted(str(v) for v in positions)
    place = {name: i for i, name in enumerate(names)}
    ranks = np.full(len(ds.tables["budget_detail"]), -1, dtype=np.int32)
    for value, rows in positions.items():
        ranks[rows] = place[str(value)]
    return ranks, names


def stated_version(ds, table: str, year, version: str) -> pd.DataFrame:
    """The rows of a table the source states about one budget version (<부서별>, <구성별>,
    주요 사업별 비중) for ``year`` and ``version``; empty when it states none for it."""
    return ds.rows(table, year=int(year), version=version)


def budget_bridge(ds, year, unit: str = "office") -> pd.DataFrame:
    """당초 → each 추경 → 이월 → 예산현액 of ``unit`` (``office`` or a division) in ``year``
    (:func:`seoulcomm.history.bridge`); empty when the year has one version only."""
    order = versions(ds, year)
    if len(order) < 2:
        return pd.DataFrame(columns=["step", "kind", "version", "amount", "as_of"])
    level = "office" if unit in (None, "office") else "division"
    totals = ds.rows("budget_detail", year=int(year), level=level, unit=unit or "office")
    if level == "office":
        totals = totals[~_partial_rows(totals)]
    stated = ds.rows("budget_division", year=int(year), unit=unit or "office")
    return history.bridge(totals, order, stated)


def _detail_rows(ds, year, as_of, unit):
    """The detail's rows of ``year`` at one snapshot (default: the latest ``unit`` reads) in
    line order, only ``unit``'s when given; None when the year has no snapshot."""
    when = as_of if as_of is not None else latest(ds, year, "budget_detail", unit=unit)
    if when is None:
        return None
    where = {"year": int(year), "as_of": _iso(when)}
    if unit not in (None, "office"):
        where["unit"] = unit
    return ds.rows("budget_detail", **where).sort_values("line", kind="stable")


def detail(ds, year, as_of=None, *, unit: str | None = None, threshold: float) -> pd.DataFrame:
    """The budget detail of ``year`` at one snapshot (default: the latest), as printed and
    paced; only ``unit``'s lines when given (``office`` or ``None``: every line)."""
    rows = _detail_rows(ds, year, as_of, unit)
    if rows is None:
        return calc.pace(ds.rows("budget_detail", year=int(year)), threshold=threshold)
    return calc.pace(calc.as_printed(rows), threshold=threshold).reset_index(drop=True)


def spending_lines(ds, year, as_of=None, *, unit: str | None = None,
                   threshold: float) -> pd.DataFrame:
    """Unit programs and basic expenses of ``unit`` (or all) at one snapshot, as printed and
    paced against the calendar (each line's 집행률 against the share of the year elapsed)."""
    rows = _detail_rows(ds, year, as_of, unit)
    if rows is None:
        rows = calc.pace(ds.rows("budget_detail", year=int(year)), threshold=threshold)
        return rows[_mask(rows, "level", SPENDING_LEVELS)].reset_index(drop=True)
    rows = rows[_mask(rows, "level", SPENDING_LEVELS)]
    return calc.pace(calc.as_printed(rows), threshold=threshold).reset_index(drop=True)


def laggards(lines: pd.DataFrame) -> pd.DataFrame:
    """The lagging lines of paced lines (:func:`spending_lines`, :func:`paced_lines`: judged
    there, once), most money first (:func:`seoulcomm.calc.laggards`)."""
    return calc.laggards(lines)


# --------------------------------------------------------------------------- unit totals

def _total_rows(ds, years, unit: str | None) -> list[tuple[str, pd.DataFrame]]:
    """``(table, rows)`` of both tables that state a unit's total, in ``years`` (only
    ``unit``'s when given; the office's totals stand on complete snapshots); tables without
    such rows left out."""
    years = [int(y) for y in years]
    # a division renamed to a new slug continues its predecessor's years
    before = [] if unit in (None, "office") else history.predecessors(org_history(ds), unit)
    mine = {} if unit in (None, "office") else {"unit": [unit] + before if before else unit}
    top = ds.rows("budget_detail", year=years, level=list(TOTAL_LEVELS), **mine)
    if len(top) and unit in (None, "office"):
        top = top[~_partial_rows(top)]
    settled = ds.rows("execution_division", year=years, **mine)
    found = [("budget_detail", top), ("execution_division", settled)]
    if before:  # the predecessors' rows count as the unit's own
        found = [(table, rows.assign(unit=unit)) for table, rows in found]
    return [(table, rows) for table, rows in found if len(rows)]


def _snapshots(ds, paced: list[tuple[str, pd.DataFrame]]) -> pd.DataFrame:
    """One row per (year, unit, as_of) of the paced totals of :func:`_total_rows`: the detail
    (which has the carry-over) when both tables state it; ``settled`` (as of 12-31) and
    ``settlement`` (a 결산: :func:`settlement_flags`)."""
    parts = []
    for table, rows in paced:
        if table == "execution_division":
            rows["carryover"] = pd.array([pd.NA] * len(rows), dtype="Int64")
        parts.append(rows.assign(table=table))
    if not parts:
        return pd.DataFrame(columns=_TOTAL_COLUMNS)
    out = pd.concat([p[_TOTAL_COLUMNS] for p in parts], ignore_index=True)
    # one row per (year, unit, as_of): the detail (which has the carry-over) when both state it
    out = out.drop_duplicates(["year", "unit", "as_of"], keep="first")
    out["settled"] = [(pd.Timestamp(d).month, pd.Timestamp(d).day) == (12, 31)
                      if not pd.isna(d) else False for d in out["as_of"]]
    out["settlement"] = settlement_flags(ds, out["as_of"], out["source"])
    return out.sort_values(["year", "unit", "as_of"], kind="stable").reset_index(drop=True)


def unit_snapshots(ds, years, *, unit: str | None = None, threshold: float) -> pd.DataFrame:
    """Every snapshot of every unit's total in ``years`` (only ``unit``'s when given), from
    both tables that state one, as printed and paced (columns as :func:`unit_totals`)."""
    return _snapshots(ds, [(table, calc.pace(calc.as_printed(rows), threshold=threshold))
                           for table, rows in _total_rows(ds, years, unit)])


def unit_totals(ds, year=None, *, unit: str | None = None, span: int | None = None,
                threshold: float) -> pd.DataFrame:
    """Each unit's (or only ``unit``'s) budget and execution in each year up to ``year``, at
    that year's latest snapshot (a settlement when the year has one). With ``span``, only
    the last ``span`` years the data holds up to ``year`` are read (the office report reads
    its year and the year before, however many years the data holds).

    Returns
    -------
    DataFrame
        One row per (year, unit) — office and divisions — with ``budget, carryover,
        available, executed, balance`` [원], ``execution_rate, elapsed, pace_gap`` [%],
        ``pace_flag``, ``as_of``, ``settled`` (as of 12-31), ``source`` and ``table`` (the
        table the row is from). Amounts and rates as the source prints them.
    """
    years = [y for y in ds.years() if year is None or y <= int(year)]
    if span is not None:
        years = years[-int(span):] if span > 0 else []
    rows = _snapshots(ds, [(table, calc.pace(calc.as_printed(rows), threshold=threshold))
                           for table, rows in _total_rows(ds, years, unit)])
    return rows.drop_duplicates(["year", "unit"], keep="last").reset_index(drop=True)


def execution_path(ds, year, *, unit: str | None = None, programs: bool = False,
                   threshold: float) -> pd.DataFrame:
    """집행률 at each snapshot of ``year``: the units' totals (``programs=False``; the
    office and every division, or only ``unit``) or ``unit``'s programs.

    Returns
    -------
    DataFrame
        One row per (line, as_of): ``key`` (unit slug or program name), ``name``, ``as_of``,
        ``elapsed`` [%], ``execution_rate`` [%] (as printed), ``available``, ``executed``
        [원], ``settled``; oldest first.
    """
    if programs:
        where = {"year": int(year), "level": "program"}
        if unit not in (None, "office"):
            where["unit"] = unit
        rows = ds.rows("budget_detail", **where)
        if rows.empty:
            return rows
        rows = calc.pace(calc.as_printed(rows), threshold=threshold)
        rows["key"] = rows["name"].astype(str)
    else:
        rows = unit_snapshots(ds, [int(year)], threshold=threshold, unit=unit)
        rows = rows.assign(key=rows["unit"].astype(str), name=rows["unit"].astype(str))
    rows = rows.copy()
    rows["settled"] = [(pd.Timestamp(d).month, pd.Timestamp(d).day) == (12, 31)
                       for d in rows["as_of"]]
    cols = ["key", "name", "unit", "as_of", "elapsed", "execution_rate", "available",
            "executed", "settled", "source"]
    return rows[cols].sort_values(["as_of"], kind="stable").reset_index(drop=True)


def prior_settlement(ds, year, *, unit: str | None = None, threshold: float) -> pd.DataFrame:
    """The year before ``year`` as settled (12-31) — the units' rows (only ``unit``'s when
    given), empty when that year has no settlement."""
    before = [y for y in ds.years() if y < int(year)]
    if not before:
        return pd.DataFrame(columns=_TOTAL_COLUMNS + ["settled"])
    rows = unit_snapshots(ds, [before[-1]], threshold=threshold, unit=unit)
    return rows[rows["settled"].to_numpy(dtype=bool)].drop_duplicates(["unit"], keep="last") \
        .reset_index(drop=True)


def audit_checks(ds, scope: str, year) -> pd.DataFrame:
    """The reconciliation audit's checks of one scope (``office``, a division or a program
    slug) and ``year`` (``None``: every year) at the year's latest snapshot, each with its
    verdict (:func:`seoulcomm.audit.checks_of`). The audit reads its own copy of the data, so
    the report's read log names only what the report shows."""
    as_of = _iso(latest(ds.fresh(), year)) if year is not None else None
    return audit.checks_of(ds.fresh(), scope, year=year, as_of=as_of)


def budget_mismatches(ds, year, unit: str | None = None) -> pd.DataFrame:
    """Units whose ``year`` budget the <부서별> table and the detail state differently, each
    budget version against the latest snapshot of the same version (a 추경 is no mismatch
    with the 당초 <부서별> table): ``year, unit, budget_division, budget_detail`` [원]."""
    mine = {} if unit is None else {"unit": unit}
    division = ds.rows("budget_division", year=int(year), **mine)
    version = str(division["version"].iloc[0]) if len(division) and "version" in division else None
    when = None
    if version is not None:
        division = division[(division["version"].astype(str) == version).to_numpy(dtype=bool)]
        dates = [d for d in snapshots(ds, year, "budget_detail", unit=unit)
                 if snapshot_version(ds, year, d) == version]
        when = dates[-1] if dates else None
    if when is None or division.empty:
        return pd.DataFrame(columns=["year", "unit", "budget_division", "budget_detail"])
    top = ds.rows("budget_detail", year=int(year), as_of=_iso(when), level=list(TOTAL_LEVELS), **mine)
    both = division.merge(top[["year", "unit", "budget"]], on=["year", "unit"],
                          suffixes=("_division", "_detail"))
    both = both[(both["budget_division"] != both["budget_detail"]).fillna(False).to_numpy(dtype=bool)]
    return both[["year", "unit", "budget_division", "budget_detail"]].reset_index(drop=True)


def _like_with_like(ds, year, totals: pd.DataFrame, *, threshold: float) -> pd.DataFrame:
    """``totals`` with the year before's rows taken at the latest snapshot of the budget
    version this year's figures state (당초 with 당초), where the year before's detail has
    one; adds ``version`` (the version each row states, 당초 for a table without one)."""
    totals = totals.copy()
    totals["version"] = [snapshot_version(ds, y, d) if t == "budget_detail" else ORIGINAL
                         for y, d, t in zip(totals["year"], totals["as_of"], totals["table"])]
    mine = totals[(totals["year"] == int(year)).to_numpy(dtype=bool)]
    earlier = sorted(int(y) for y in totals["year"].dropna().unique() if int(y) < int(year))
    if mine.empty or not earlier:
        return totals
    version, base = str(mine["version"].iloc[0]), earlier[-1]
    before = totals[(totals["year"] == base).to_numpy(dtype=bool)]
    if before.empty or (before["version"] == version).all():
        return totals
    dates = [d for d in snapshots(ds, base, "budget_detail") if snapshot_version(ds, base, d) == version]
    if not dates:
        return totals
    rows = unit_snapshots(ds, [base], threshold=threshold)
    rows = rows[(rows["as_of"] == dates[-1]).to_numpy(dtype=bool)].assign(version=version)
    kept = totals[(totals["year"] != base).to_numpy(dtype=bool)]
    return pd.concat([kept, rows[[c for c in totals.columns if c in rows.columns]]], ignore_index=True) \
        .sort_values(["year", "unit"], kind="stable").reset_index(drop=True)


def org_history(ds) -> pd.DataFrame | None:
    """The ``organisation_history`` table (renames, moves, abolitions), or None."""
    return ds["organisation_history"] if "organisation_history" in ds.tables else None


def budget_changes(ds, year, *, threshold: float) -> pd.DataFrame:
    """:func:`seoulcomm.calc.year_over_year` of :func:`unit_totals` by unit (budget), over
    ``year`` and the year before it that the data holds (only those two are read).

    Units follow their identity (``organisation_history``): a division renamed to a new slug
    is compared with its predecessor; a division abolished from ``year`` keeps a row with
    0 this year (its last year as the base), so the rows still add to 계; ``transfer`` [원]
    is what moved programs bring in (+) or take out (−) at their base-year budget, and
    ``status`` says ``abolished`` where it is so.
    """
    totals = unit_totals(ds, year, span=2, threshold=threshold)
    if totals.empty:
        return totals
    totals = _like_with_like(ds, year, totals, threshold=threshold)
    hist = org_history(ds)
    totals = totals.assign(unit=history.successors(hist, [str(u) for u in totals["unit"]], year))
    totals = totals.drop_duplicates(["year", "unit"], keep="last").reset_index(drop=True)
    out = calc.year_over_year(totals, value="budget", by="unit")
    out["status"] = ""
    out["transfer"] = pd.array([pd.NA] * len(out), dtype="Int64")
    earlier = sorted(int(y) for y in out["year"].dropna().unique() if int(y) < int(year))
    if not earlier:
        return out
    base = earlier[-1]
    before = out[(out["year"] == base).to_numpy(dtype=bool)]
    now = set(out.loc[(out["year"] == int(year)).to_numpy(dtype=bool), "unit"].astype(str))
    gone = set(history.abolished(hist, year))
    extra = []
    for _, row in before.iterrows():
        unit = str(row["unit"])
        if unit in now or unit == "office" or unit not in gone:
            continue
        line = row.copy()
        line["year"], line["base_year"], line["budget"] = int(year), base, 0
        line["change"] = -int(row["budget"]) if not pd.isna(row["budget"]) else pd.NA
        line["change_rate"] = -100.0 if not pd.isna(row["budget"]) and row["budget"] else np.nan
        line["status"] = "abolished"
        for col in ("available", "executed", "balance", "carryover"):
            if col in line.index:
                line[col] = pd.NA
        extra.append(line)
    if extra:
        out = pd.concat([out, pd.DataFrame(extra)], ignore_index=True)
        for col in ("budget", "change", "base_year"):
            out[col] = out[col].astype("Int64")
    moved = history.transfers(hist, year)
    if len(moved):
        when = latest(ds, base, "budget_detail")
        amounts = {}
        for program, src, dst in zip(moved["detail_program"], moved["unit"], moved["to"]):
            hit = ds.rows("budget_detail", year=base, as_of=_iso(when), name=str(program), unit=str(src)) \
                if when is not None else pd.DataFrame()
            if hit.empty:
                continue
            amount = int(hit["budget"].iloc[0])
            src, dst = history.successor(hist, str(src), year), history.successor(hist, str(dst), year)
            amounts[src] = amounts.get(src, 0) - amount
            amounts[dst] = amounts.get(dst, 0) + amount
        this = (out["year"] == int(year)).to_numpy(dtype=bool)
        out.loc[this, "transfer"] = [amounts.get(str(u), 0) if str(u) != "office" else 0
                                     for u in out.loc[this, "unit"]]
        out["transfer"] = out["transfer"].astype("Int64")
    return out


def composition(ds, year) -> pd.DataFrame:
    """The <구성별> table of ``year`` and the year before it (as the source's table sets the
    two side by side) with the change on the year before; only those two years are read."""
    years = [y for y in ds.years() if y <= int(year)][-2:]
    rows = ds.rows("budget_composition", year=years)
    if rows.empty:
        return rows
    # like with like: the latest version both years state (당초 with 당초), else each year's first
    have = [set(rows.loc[(rows["year"] == y).to_numpy(dtype=bool), "version"].astype(str)) for y in years]
    common = set.intersection(*have) if all(have) else set()
    order = versions(ds, year)
    if common:
        pick = {y: max(common, key=lambda v: order.index(v) if v in order else 0) for y in years}
    else:
        pick = {y: min(h, key=lambda v: order.index(v) if v in order else 0) if h else history.ORIGINAL
                for y, h in zip(years, have)}
    keep = [pick.get(int(y)) == str(v) for y, v in zip(rows["year"], rows["version"])]
    rows = rows[np.asarray(keep, dtype=bool)]
    return calc.year_over_year(rows, value="budget", by="category")


def top_programs(ds, year, as_of=None, *, n: int = 10, threshold: float) -> pd.DataFrame:
    """The ``n`` largest unit programs of ``year`` (one snapshot) by 예산편성액, with their
    share of the office's budget: the source's stated share (Ⅰ-3 주요 사업별) where it
    states one for that year (``share_stated`` true), else computed."""
    rows = detail(ds, year, as_of, threshold=threshold)
    office = rows[_mask(rows, "level", ["office"])]
    rows = rows[_mask(rows, "level", ["program"])]
    if rows.empty:
        return rows
    total = office["budget"].iloc[0] if len(office) else rows["budget"].sum()
    ranked = calc.shares(rows, "budget", total=total)
    ranked = ranked.sort_values("budget", ascending=False, kind="stable").head(n).copy()
    # the source's shares describe one budget version: shown only beside a snapshot of it
    when = rows["as_of"].dropna().max() if len(rows) else None
    stated = stated_version(ds, "program_shares", year, snapshot_version(ds, year, when))
    stated = dict(zip(stated["program"].astype(str), stated["share_stated"]))
    ranked["share_stated"] = [not pd.isna(stated.get(name, np.nan))
                              for name in ranked["name"].astype(str)]
    ranked["share"] = [float(stated[name]) if s else v for name, s, v in
                       zip(ranked["name"].astype(str), ranked["share_stated"], ranked["share"])]
    return ranked.reset_index(drop=True)


# --------------------------------------------------------------------------- top divisions

#: How many divisions the office report's charts and page tables name; the rest fold into
#: one line (기타 N개 부서). The workbook keeps every division.
TOP_DIVISIONS = 10
#: Key (``unit``) of the line that folds the divisions beyond :data:`TOP_DIVISIONS`.
OTHERS = "others"
#: The folded line's 집행률: pooled, 100 × Σ집행액 ÷ Σ예산현액 (``rates`` of :func:`fold`).
POOLED_RATE = {"execution_rate": ("executed", "available")}


def top_divisions(totals: pd.DataFrame, order: list[str], n: int = TOP_DIVISIONS) -> list[str]:
    """The ``n`` divisions of ``order`` with the largest budget in ``totals`` (one year's
    :func:`unit_totals`; ties keep ``order``), in ``order``'s order — every division when
    there are ``n`` or fewer."""
    order = [str(u) for u in order]
    if len(order) <= n:
        return order
    budget = {str(u): (0 if pd.isna(b) else int(b)) for u, b in zip(totals["unit"], totals["budget"])}
    ranked = sorted(order, key=lambda u: -budget.get(u, 0))  # sorted is stable
    keep = set(ranked[:n])
    return [u for u in order if u in keep]


def fold(rows: pd.DataFrame, keep, *, sums, rates=None, by=(), same=(), key: str = "unit",
         threshold: float | None = None) -> pd.DataFrame:
    """The rows of the divisions not in ``keep`` summed into one line per ``by`` group, with
    ``key`` :data:`OTHERS` and ``folded`` (how many divisions it holds); empty when none folds.

    Parameters
    ----------
    rows : one row per division (and ``by`` group); the office's row (``key`` ``office``)
        and the rows of ``keep`` are left out of the sum.
    sums : columns summed [원, 명 …]; a column with no value in the group stays missing.
    rates : ``{column: (numerator, denominator)}`` — the folded line's rate is the pooled
        rate 100 × Σ numerator ÷ Σ denominator [%] (not an average of the rates).
    by : group columns (``year``, ``as_of``); their values are the group's.
    same : columns every row of a group shares (``as_of``, ``elapsed`` of one snapshot):
        the group's first value.
    threshold : when given, the folded line is paced (:func:`seoulcomm.calc.pace`) with
        this threshold [%p], as the rows it sums were.
    """
    by = [by] if isinstance(by, str) else list(by)
    keys = rows[key].astype(str)
    rest = rows[(~keys.isin(set(map(str, keep)) | {"office"})).to_numpy(dtype=bool)]
    if rest.empty:
        return rows.iloc[0:0].assign(folded=pd.Series(dtype="Int64"))
    groups = rest.groupby(by, sort=False, dropna=False) if by else [((), rest)]
    out = []
    for values, part in groups:
        values = values if isinstance(values, tuple) else (values,)
        line = dict(zip(by, values))
        line[key] = OTHERS
        line["folded"] = int(part[key].astype(str).nunique())
        for col in same:
            present = part[col].dropna()
            line[col] = present.iloc[0] if len(present) else pd.NA
        for col in sums:
            present = part[col].dropna()
            line[col] = int(present.sum()) if len(present) else pd.NA
        for col, (num, den) in (rates or {}).items():
            n_, d_ = part[num].dropna().sum(), part[den].dropna().sum()
            line[col] = float(n_) / float(d_) * 100 if d_ else np.nan
        out.append(line)
    folded = pd.DataFrame(out)
    for col in sums:
        if col in rows.columns and pd.api.types.is_integer_dtype(rows[col].dtype):
            folded[col] = folded[col].astype("Int64")
    folded["folded"] = folded["folded"].astype("Int64")
    if threshold is not None:
        folded = calc.pace(folded.drop(columns=["elapsed", "pace_gap", "pace_flag"], errors="ignore"),
                           threshold=threshold)
    return folded


def holds_section_text(ds, year) -> bool:
    """Whether ``year``'s document holds part III text of a section of that year — what
    :func:`section_text` would find, read from the text's ``source`` column only."""
    where = {"year": int(year)} if "year" in ds.tables["sections"].columns else {}
    sections = [str(s) for s in ds.distinct("sections", "section", **where)]
    if not sections:
        return False
    sources = ds.values("section_text", "source", section=sections).dropna()
    files = sorted({str(s).split(" ", 1)[0] for s in sources})  # a document's year is its file's
    return bool((document_years(ds, files) == int(year)).any())


# --------------------------------------------------------------------------- side tables

def staffing(ds, year, unit: str | None = None):
    """The latest staffing snapshot that falls in ``year``: ``(rows, as_of)``, or
    ``(None, None)`` when the year has none (or none for ``unit``)."""
    mine = {} if unit is None else {"unit": unit}  # which dates: the as_of column only
    dates = [d for d in ds.distinct("staffing", "as_of", **mine) if d.year == int(year)]
    if not dates:
        return None, None
    when = dates[-1]
    where = {"as_of": _iso(when)}
    if unit is not None:
        where["unit"] = unit
    return ds.rows("staffing", **where), when


def staffing_summary(ds, year, unit: str | None = None):
    """:func:`seoulcomm.calc.staffing_summary` of ``year``'s latest staffing snapshot (only
    ``unit``'s rows when given): ``(summary, as_of)`` or ``(None, None)``."""
    rows, when = staffing(ds, year, unit)
    if rows is None:
        return None, None
    return calc.staffing_summary(rows), when


def staffing_table(ds, year, unit: str):
    """:func:`seoulcomm.calc.staffing_table` of ``unit`` in ``year``: ``(table, as_of)`` or
    ``(None, None)``."""
    rows, when = staffing(ds, year, unit)
    if rows is None:
        return None, None
    return calc.staffing_table(rows, unit), when


#: What counts as a target in a report's outcomes.
OUTCOME_TARGETS = ("target", "plan")
_OUTCOMES = ("outcome_progress",)


def _up_to(rows: pd.DataFrame, year) -> pd.DataFrame:
    return rows[(rows["period"] <= int(year)).fillna(False).to_numpy(dtype=bool)]


def warm_outcomes(ds) -> None:
    """:func:`seoulcomm.calc.outcome_progress` of every division's rows, once for each year
    (up to that year) and once for all years, kept with the data: the warm build computes
    it before it forks the reports, and :func:`outcomes` takes a division's or a section's
    part of it. The answer is the same: the calculation keeps each metric of each division
    and section to itself."""
    everyone = ds.tables["outcomes"]
    for year in [None, *ds.years()]:
        rows = everyone if year is None else _up_to(everyone, year)
        if rows.empty:
            continue
        try:
            ds.remember(_OUTCOMES + (year,),
                        lambda: calc.outcome_progress(rows, target_kinds=OUTCOME_TARGETS))
        except Exception:  # each report then computes its own part, and says what is wrong
            continue


def outcomes(ds, year=None, *, division: str | None = None,
             section: str | None = None) -> pd.DataFrame:
    """:func:`seoulcomm.calc.outcome_progress` of a division's (or a section's) results and
    targets. With ``year``: metrics with a result in that year or the year before, or a
    target for that year; a target of another year is not shown as this year's."""
    where = {}
    if division is not None:
        where["division"] = division
    if section is not None:
        where["section"] = section
    rows = ds.rows("outcomes", **where)
    if year is not None:
        rows = _up_to(rows, year)
    if rows.empty:
        return pd.DataFrame()
    everyone = ds.recall(_OUTCOMES + (year,))
    if everyone is not None:  # warmed (warm_outcomes): this division's or section's part of it
        keep = np.ones(len(everyone), dtype=bool)
        for column, value in where.items():
            keep &= everyone[column].isin([value]).to_numpy(dtype=bool)
        progress = everyone[keep].reset_index(drop=True)
    else:
        progress = calc.outcome_progress(rows, target_kinds=OUTCOME_TARGETS)
    if year is None or progress.empty:
        return progress
    y = int(year)
    progress = progress.copy()
    target = progress["target_period"].astype("Int64")
    other = (target != y).fillna(False).to_numpy(dtype=bool)
    # a target of another year is not this year's: the row keeps its results only
    for col in ("target", "target_period", "target_note", "achievement", "target_to", "target_text",
                "gap"):
        if col in progress.columns:
            progress.loc[other, col] = pd.NA if progress[col].dtype != "float64" else np.nan
    last = progress["last_period"].astype("Int64")
    # a quantity as it stood (현황) in the year or the year before also keeps its row
    existing = progress["existing_period"].astype("Int64") if "existing_period" in progress else last
    keep = (last.isin([y - 1, y]) | (progress["target_period"].astype("Int64") == y)
            | existing.isin([y - 1, y])).fillna(False).to_numpy(dtype=bool)
    return progress[keep].reset_index(drop=True)


def _in_year(steps: pd.DataFrame, year: int) -> np.ndarray:
    """Steps overlapping ``year``, plus the next year's plan steps that continue a section
    whose plan is under way in ``year`` (e.g. a foundation launched the January after)."""
    start = steps["start"]
    end = steps["end"].fillna(pd.Timestamp(year=year, month=12, day=1))
    lo, hi = pd.Timestamp(year=year, month=1, day=1), pd.Timestamp(year=year, month=12, day=31)
    overlap = ((start <= hi) & (end >= lo)).to_numpy(dtype=bool)
    kind = steps["kind"].astype(str).to_numpy()
    planned_sections = set(steps.loc[overlap & (kind == "plan"), "section"]) \
        if "section" in steps.columns else set()
    later = ((start.dt.year == year + 1).to_numpy(dtype=bool) & (kind == "plan")
             & steps.get("section", pd.Series(index=steps.index, dtype=object))
             .isin(planned_sections).to_numpy(dtype=bool))
    return overlap | later


def _ordered_steps(rows: pd.DataFrame) -> pd.DataFrame:
    order = ["section", "start", "end"] if "section" in rows.columns else ["start", "end"]
    return rows.sort_values(order, kind="stable").reset_index(drop=True)


def _plan_years(ds, sources: pd.Series) -> np.ndarray:
    """The year of the plan each row belongs to: the year of the document it cites."""
    years = []
    for source in sources:
        date = ds.document(source)["date"]
        years.append(pd.Timestamp(date).year if date else np.nan)
    return np.array(years, dtype="float64")


def schedule_steps(ds, year, division: str) -> pd.DataFrame:
    """A division's plan steps that belong to ``year`` (part III 추진일정): steps of that
    year's plan, and steps of the next year's plan that fall in ``year`` (work begun before
    the plan was written). An open-ended step (’16.5월~) runs to the end of its plan's year,
    not into the years after."""
    rows = ds.rows("schedule", division=division)
    rows = rows[rows["start"].notna().to_numpy(dtype=bool)]
    if rows.empty:
        return rows
    y = int(year)
    plan = _plan_years(ds, rows["source"])
    mine = np.isnan(plan) | (plan == y) | (plan == y + 1)
    rows = rows[mine]
    return _ordered_steps(rows[_in_year(rows, y)]) if len(rows) else rows


def program_steps(ds, program: str, year=None) -> pd.DataFrame:
    """A program sheet's plan steps (추진일정); with ``year``, that year's sheet only."""
    where = {} if year is None else {"year": int(year)}
    rows = ds.rows("program_schedule", program=program, kind=["plan", "done"], **where)
    rows = rows[rows["start"].notna().to_numpy(dtype=bool)]
    return _ordered_steps(rows) if len(rows) else rows


def program_sheet_years(ds, program: str) -> list[int]:
    """The years of a program's sheets (사업설명서): each year its cost lines or schedule
    hold, oldest first — next year's sheet is appended, each shown apart."""
    years = set(int(y) for y in ds.values("program_costs", "year", program=program).dropna())
    years |= set(int(y) for y in ds.values("program_schedule", "year", program=program).dropna())
    return sorted(years)


def plan_year(steps: pd.DataFrame):
    """The year most steps start in (the plan's year), or ``None``."""
    if steps is None or steps.empty:
        return None
    return int(steps["start"].dt.year.mode().iloc[0])


def section_titles(ds, year=None, sections=None) -> dict[str, str]:
    """Part III section → title (of ``year`` where the sections carry one); with ``sections``
    (ids), only theirs are read."""
    where = {} if sections is None else {"section": sorted({str(s) for s in sections})}
    rows = ds.rows("sections", **where, **({} if year is None else {"year": int(year)}))
    if rows.empty and year is not None:
        rows = ds.rows("sections", **where)
    return dict(zip(rows["section"].astype(str), rows["title"].astype(str)))


# --------------------------------------------------------------------------- programs

def program_info(ds, program: str) -> pd.Series:
    """The program's row of the program table (name, division, section, detail program)."""
    rows = ds.rows("program", program=program)
    if rows.empty:
        raise ValueError(f"알 수 없는 사업 '{program}' — 가능한 사업: {', '.join(ds.programs())}")
    return rows.iloc[0]


def program_year(ds, program: str) -> int | None:
    """The program sheet's own year: the latest year of its budget table."""
    rows = ds.rows("program_budget", program=program)
    years = [int(y) for y in rows["year"].dropna()]
    return max(years) if years else None


def program_text(ds, program: str) -> pd.DataFrame:
    """The program sheet's text (``program_text``: 사업목적 … 향후 기대효과) in the sheet's order;
    empty when the data has none."""
    if "program_text" not in ds.tables:
        return pd.DataFrame(columns=["part", "order", "level", "text", "source"])
    rows = ds.rows("program_text", program=program)
    order = {p: i for i, p in enumerate(schema.PROGRAM_TEXT_PARTS)}
    return rows.assign(_p=rows["part"].map(order)).sort_values(["_p", "order"], kind="stable") \
        .drop(columns="_p").reset_index(drop=True)


def program_budget(ds, program: str) -> pd.DataFrame:
    """The program's budget by item and year with the change on the year before."""
    rows = ds.rows("program_budget", program=program)
    return calc.year_over_year(rows, value="budget", by=["program", "item"])


def program_budget_series(ds, program: str) -> pd.Series:
    """The program's budget by year [원]: the budget table's 계, then settled years'
    당초예산 for the years the budget table does not hold."""
    settle = ds.rows("settlement", program=program)
    budget = ds.rows("program_budget", program=program, item="계")
    series = pd.concat([
        pd.Series(list(budget["budget"]), index=[int(y) for y in budget["year"]]),
        pd.Series(list(settle["budget"]), index=[int(y) for y in settle["year"]]),
    ])
    series = series[~series.index.duplicated(keep="first")].sort_index().astype("Int64")
    series.index.name = "year"
    return series


def program_execution(ds, program: str, year, *, threshold: float):
    """The program's detail line in ``year`` at that year's latest snapshot (paced, as
    printed), or ``None`` when the detail of that year does not hold it."""
    info = program_info(ds, program)
    when = latest(ds, year, "budget_detail", unit=str(info["division"]))
    if when is None:
        return None
    rows = ds.rows("budget_detail", year=int(year), as_of=_iso(when),
                   name=str(info["detail_program"]))
    if rows.empty:
        return None
    return calc.pace(calc.as_printed(rows), threshold=threshold).iloc[-1]


def program_settlements(ds, program: str) -> pd.DataFrame:
    """:func:`seoulcomm.calc.closed_year` of the program's settled years."""
    rows = ds.rows("settlement", program=program).sort_values("year", kind="stable")
    return calc.closed_year(rows).reset_index(drop=True)


def cost_lines(ds, program: str):
    """The program's cost lines and their roll-up: ``(lines, rollup)``."""
    costs = ds.rows("program_costs", program=program)
    budget = ds.rows("program_budget", program=program)
    return calc.cost_lines(costs), calc.cost_rollup(costs, budget=budget)


__all__ = [
    "snapshots", "latest", "detail", "spending_lines",
    "laggards", "unit_snapshots", "unit_totals", "audit_checks", "execution_path", "prior_settlement", "budget_mismatches",
    "budget_changes", "composition", "top_programs", "TOP_DIVISIONS", "OTHERS",
    "top_divisions", "fold", "holds_section_text", "staffing", "staffing_summary",
    "staffing_table", "outcomes", "schedule_steps", "program_steps", "plan_year",
    "section_titles", "program_info", "program_year", "program_budget", "program_sheet_years",
    "program_budget_series", "program_execution", "program_settlements", "cost_lines",
    "SIGNAL_RED", "SIGNAL_AMBER", "projection", "projection_targets", "paced_lines",
]


# --------------------------------------------------------------------------- year-end projection

#: Default signal thresholds [%] (:mod:`seoulcomm.projection` holds them).
SIGNAL_RED, SIGNAL_AMBER = _projection.SIGNAL_RED, _projection.SIGNAL_AMBER


def _year_plans(ds, year, tree: pd.DataFrame, division: str | None = None) -> dict:
    """``{line: {month: cumulative planned [원]}}`` of ``year``: the execution plan's rows,
    then each program sheet's 추진일정 for its detail line (where the plan has no rows for
    it), rolled up to the lines whose children all have one. With ``division``, only that
    division's programs are read."""
    y = int(year)
    plans: dict = {}
    rows = ds.rows("execution_plan", year=y, line=[int(x) for x in tree["line"]])
    for line, month, planned in zip(rows["line"], rows["month"], rows["planned"]):
        plans.setdefault(int(line), {})[int(month)] = int(planned)
    programs = ds.rows("program", **({} if division is None else {"division": division}))
    for prog, unit, name in zip(programs["program"], programs["division"], programs["detail_program"]):
        hit = tree[((tree["unit"] == unit) & (tree["name"] == name) & (tree["level"] == "program"))
                   .fillna(False).to_numpy(dtype=bool)]
        if hit.empty or int(hit["line"].iloc[0]) in plans:
            continue
        steps = ds.rows("program_schedule", program=str(prog), kind="plan")
        plan = _projection.schedule_plan(steps, y)
        if plan:
            plans[int(hit["line"].iloc[0])] = plan
    return _projection.rollup_plans(tree, plans, y) if len(tree) else plans


_PROJECTED = ["key", "level", "unit", "name", "year", "as_of", "available", "executed", "source"]


def _projected(rows: pd.DataFrame, plans: dict, prior: dict, **kw) -> pd.DataFrame:
    if rows.empty:
        out = _projection.project(pd.DataFrame(columns=_PROJECTED), **kw)
    else:
        out = _projection.project(rows[_PROJECTED].reset_index(drop=True), plans=plans, prior=prior, **kw)
    for col in ("key", "level", "unit", "name", "source"):
        out[col] = out[col].astype("string")
    return out


def projection(ds, year, *, unit: str | None = None, threshold: float,
               red: float = SIGNAL_RED, amber: float = SIGNAL_AMBER) -> pd.DataFrame:
    """The year-end projection (:func:`seoulcomm.projection.project`) at ``year``'s latest
    snapshot: the office and each division (``unit`` ``None`` or ``office``), or a division's
    own row and its spending lines (``unit`` a division).

    Returns
    -------
    DataFrame
        ``key`` (unit slug, or the detail line number as text), ``level``, ``unit``, ``name``,
        ``year``, ``as_of``, ``available``, ``executed`` [원], ``execution_rate`` [%],
        ``reference`` (계획/전년/경과), ``reference_rate`` [%], ``gap`` [%p], ``lagging`` (부진),
        ``settled``, ``method`` (계획/전년 패턴/단순 경과; 실적 when settled), ``projected_rate``
        [%], ``projected_executed`` [원], ``unspent`` (전망 불용액, or the actual one) [원],
        ``signal`` (위험/주의/양호), ``source``. The total first (the office, or the division's own
        row), then the largest 불용 first.
    """
    y = int(year)
    office = unit in (None, "office")
    mine = None if office else str(unit)
    kw = dict(threshold=threshold, red=red, amber=amber)
    when = latest(ds, y, "budget_detail")
    where = {"year": y, **({} if when is None else {"as_of": _iso(when)}), **({} if office else {"unit": mine})}
    tree = ds.rows("budget_detail", **where)
    plans = _year_plans(ds, y, tree, mine) if len(tree) else {}
    # the units: the office and every division, or the division alone
    units = unit_totals(ds, y, span=1, threshold=threshold, unit=mine)
    units = units[(units["year"] == y).fillna(False).to_numpy(dtype=bool)].copy()
    units["key"] = units["unit"].astype(str)
    units["level"] = np.where(units["key"] == "office", "office", "division")
    top = tree[_mask(tree, "level", list(TOTAL_LEVELS))]
    line_of = dict(zip(top["unit"].astype(str), top["line"].astype(int)))
    keyed = {u: plans[ln] for u, ln in line_of.items() if ln in plans}
    before = unit_snapshots(ds, [y - 1], threshold=threshold, unit=mine)
    prior = {u: path for (u,), path in _paths(before, ["unit"]).items()}
    org = ds.rows("organisation", unit=list(units["key"]))
    names = dict(zip(org["unit"].astype(str), org["name_ko"].astype(str)))
    units["name"] = [names.get(k, k) for k in units["key"]]
    totals = _projected(units, keyed, prior, **kw)
    first = (totals["key"] == "office").fillna(False).to_numpy(dtype=bool)
    order = np.lexsort((-totals["unspent"].astype("float64").fillna(-np.inf).to_numpy(), ~first))
    totals = totals.iloc[order].reset_index(drop=True)
    if office:
        return totals
    # the division's lines, largest 불용 first
    rows = spending_lines(ds, y, unit=mine, threshold=threshold)
    rows["key"] = rows["line"].astype(int).astype(str)
    keyed = {str(ln): plans[int(ln)] for ln in rows["line"] if int(ln) in plans}
    before = ds.rows("budget_detail", year=y - 1, unit=mine, level=list(SPENDING_LEVELS))
    by_name = _paths(before, ["level", "name"])
    prior = {key: by_name[(str(lv), str(nm))] for key, lv, nm in zip(rows["key"], rows["level"], rows["name"])
             if (str(lv), str(nm)) in by_name}
    lines = _projected(rows, keyed, prior, **kw)
    order = np.argsort(-lines["unspent"].astype("float64").fillna(-np.inf).to_numpy(), kind="stable")
    return pd.concat([totals, lines.iloc[order]], ignore_index=True)


def _paths(rows: pd.DataFrame, by: list[str]) -> dict:
    """The prior year's snapshots of each group of ``rows`` by the columns ``by`` (keys: the
    values as text), as :func:`seoulcomm.projection.prior_rate` reads them: ``{"as_of",
    "available", "executed"}`` lists, the rows' order kept. One grouping of positions, no
    frame per group (a city's divisions have tens of thousands of lines)."""
    if not len(rows):
        return {}
    columns = {c: list(rows[c]) for c in ("as_of", "available", "executed")}
    return {tuple(str(k) for k in (key if isinstance(key, tuple) else (key,))):
            {c: [values[i] for i in at] for c, values in columns.items()}
            for key, at in rows.groupby(by, sort=False).indices.items()}


def division_lines(ds, year, units, *, threshold: float, red: float = SIGNAL_RED,
                   amber: float = SIGNAL_AMBER) -> pd.DataFrame:
    """The spending lines of :func:`projection` of each division in ``units`` (what
    ``projection(ds, year, unit=u)`` gives after its division row), in the order of ``units``,
    each division's largest 불용 first: the same rows and figures, computed for all of them
    together (the index and the brief judge every division of a year; one call each would
    cost thousands of small selections and projections).

    Each division's lines are at its own latest snapshot (:func:`latest`), judged against the
    same plans (the year's latest snapshot's tree, :func:`_year_plans`) and the same prior
    year (its line of the same level and name the year before) as :func:`projection` judges
    them."""
    y = int(year)
    units = [str(u) for u in units]
    kw = dict(threshold=threshold, red=red, amber=amber)
    empty = _projected(pd.DataFrame(columns=_PROJECTED), {}, {}, **kw)
    if not units:
        return empty
    when = latest(ds, y, "budget_detail")
    tree = ds.rows("budget_detail", year=y, **({} if when is None else {"as_of": _iso(when)}))
    plans = _year_plans(ds, y, tree) if len(tree) else {}
    # each division at its own latest snapshot: the divisions grouped by that date
    by_date: dict = {}
    for u in units:
        at = latest(ds, y, "budget_detail", unit=u)
        if at is not None:
            by_date.setdefault(_iso(at), []).append(u)
    order = {u: i for i, u in enumerate(units)}
    parts = []
    for at, mine in by_date.items():
        rows = ds.rows("budget_detail", year=y, as_of=at, unit=mine, level=list(SPENDING_LEVELS))
        parts.append(rows)
    parts = [p for p in parts if len(p)]
    if not parts:
        return empty
    rows = pd.concat(parts)
    # as each division's own call has them: its rows in line order (stable), the divisions in turn
    rank = rows["unit"].astype(str).map(order).to_numpy()
    rows = rows.iloc[np.lexsort((rows["line"].to_numpy(dtype="int64"), rank))]
    rows = calc.pace(calc.as_printed(rows), threshold=threshold).reset_index(drop=True)
    rows["key"] = rows["line"].astype(int).astype(str)
    keyed = {str(ln): plans[int(ln)] for ln in rows["line"] if int(ln) in plans}
    before = ds.rows("budget_detail", year=y - 1, unit=units, level=list(SPENDING_LEVELS))
    prior = {}
    if len(before):
        wanted = set(zip(rows["unit"].astype(str), rows["level"].astype(str), rows["name"].astype(str)))
        keys = list(zip(before["unit"].astype(str), before["level"].astype(str), before["name"].astype(str)))
        picked = np.fromiter((k in wanted for k in keys), dtype=bool, count=len(keys))
        before = before[picked]
        by_name = _paths(before, ["unit", "level", "name"])
        for key, u, lv, nm in zip(rows["key"], rows["unit"], rows["level"], rows["name"]):
            found = by_name.get((str(u), str(lv), str(nm)))
            if found is not None:
                prior[key] = found
    lines = _projected(rows, keyed, prior, **kw)
    rank = lines["unit"].astype(str).map(order).to_numpy()
    unspent = -lines["unspent"].astype("float64").fillna(-np.inf).to_numpy()
    return lines.iloc[np.lexsort((unspent, rank))].reset_index(drop=True)


def paced_lines(ds, year, *, unit: str | None = None, threshold: float,
                judged: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`spending_lines` of ``unit`` at the latest snapshot, judged against the best
    reference (:func:`projection`) instead of the calendar: ``reference``, ``reference_rate``
    [%], ``pace_gap`` = 집행률 − reference_rate [%p] (집행률 from the amounts) and ``pace_flag``
    against it (``elapsed`` stays the calendar's, for the chart's line).

    ``judged``: :func:`projection` of the same year, unit and threshold when the caller has
    it already (its signal thresholds do not change the judgement); else computed here."""
    rows = spending_lines(ds, year, unit=unit, threshold=threshold)
    if rows.empty or unit in (None, "office"):
        return rows
    if judged is None:
        judged = projection(ds, year, unit=unit, threshold=threshold)
    judged = judged[(judged["level"] != "division").fillna(False).to_numpy(dtype=bool)].set_index("key")
    keys = rows["line"].astype(int).astype(str)
    rows["reference"] = pd.array([judged["reference"].get(k, pd.NA) for k in keys], dtype="string")
    rows["reference_rate"] = [float(judged["reference_rate"].get(k, np.nan)) for k in keys]
    # the judgement of the projection (집행률 from the amounts), the same as 연말 집행 전망's
    rows["pace_gap"] = [float(judged["gap"].get(k, np.nan)) for k in keys]
    rows["pace_flag"] = pd.array([judged["pace_flag"].get(k, pd.NA) for k in keys], dtype="string")
    return rows


def projection_targets(ds, year, *, unit: str | None = None, threshold: float) -> pd.DataFrame:
    """The execution targets of ``year`` for the report's scope (``office``, or a division),
    each beside the 집행률 at the latest snapshot on or before its date
    (:func:`seoulcomm.projection.target_status`); empty when there is none."""
    scope = "office" if unit is None else str(unit)
    targets = ds.rows("execution_targets", year=int(year), scope=scope)
    if targets.empty:
        return targets.assign(rate=pd.Series(dtype="float64"), rate_as_of=pd.Series(dtype="datetime64[ns]"),
                              status=pd.Series(dtype="string"), gap=pd.Series(dtype="float64"))
    path = unit_snapshots(ds, [int(year)], threshold=threshold, unit=scope)
    path = path[(path["unit"] == scope).fillna(False).to_numpy(dtype=bool)]
    return _projection.target_status(path, targets)


# --------------------------------------------------------------------------- source text

def document_years(ds, sources) -> np.ndarray:
    """The year of the document each ``source`` cites (``NaN`` where it names none)."""
    return _plan_years(ds, pd.Series(list(sources), dtype=object))


def section_text(ds, year, division: str | None = None, section: str | None = None) -> pd.DataFrame:
    """Part III text (:func:`seoulcomm.text.section_plan`) of the sections of ``year``'s
    document only: a later year's report never shows an earlier plan as its own. Adds each
    section's ``budget_stated`` [원] and ``budget_basis`` (the 사업비 the source prints)."""
    rows = text.section_plan(ds, division, section)
    if rows.empty:
        return rows
    rows = rows[(document_years(ds, rows["source"]) == int(year))]
    where = {"division": division} if division is not None else {}
    if "year" in ds.tables["sections"].columns:
        where["year"] = int(year)
    sections = ds.rows("sections", **where)
    rows = rows[rows["section"].isin(set(sections["section"].astype(str)))]
    money = sections.drop_duplicates("section").set_index("section")
    rows = rows.assign(
        budget_stated=[money["budget_stated"].get(s, pd.NA) for s in rows["section"]],
        budget_basis=[money["budget_basis"].get(s, "") for s in rows["section"]],
        section_source=[money["source"].get(s, "") for s in rows["section"]])
    return rows.reset_index(drop=True)


def vision(ds, year) -> pd.DataFrame:
    """Part II (:func:`seoulcomm.text.vision`) when ``year``'s document holds it, else an
    empty frame (a later year's report never shows an earlier vision as its own)."""
    if "plan_vision" not in ds.tables or ds["plan_vision"].empty:
        return pd.DataFrame()
    out = text.vision(ds)
    years = document_years(ds, ds["plan_vision"]["source"])
    if not (years == int(year)).any():
        return pd.DataFrame()
    return out


def general_notes(ds, year, part: str) -> pd.DataFrame:
    """The cover and part I notes of ``part`` in ``year``'s document."""
    notes = text.general_notes(ds, part)
    if notes.empty:
        return notes
    return notes[document_years(ds, notes["source"]) == int(year)].reset_index(drop=True)


def stated_changes(ds, *, division: str | None = None, section: str | None = None) -> pd.DataFrame:
    """The changes the source states beside a result ('14년 대비 849명 ↑, 전년대비 21만명
    증가, 428% 증가): outcome rows of kind ``change``, with the words of the source."""
    where = {"kind": "change"}
    if division is not None:
        where["division"] = division
    if section is not None:
        where["section"] = section
    return ds.rows("outcomes", **where).reset_index(drop=True)
