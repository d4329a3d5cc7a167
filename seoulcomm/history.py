"""The office's year as the data records it over time: snapshots that carry the whole
year's detail (or say they are partial), dates that fall in their year, and the budget
versions (당초, each 추경, 최종) a figure belongs to, and the organisation's history (a
division renamed, a program moved, a division abolished — each from a year on).

Pure functions on loaded frames (no file is opened here): :mod:`seoulcomm.load` turns
what they find into located :class:`~seoulcomm.errors.DataError` messages, and
:mod:`seoulcomm.views` picks the snapshot a report stands on.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .schema import ORIGINAL


def outside_year(frame: pd.DataFrame, date: str = "as_of", year: str = "year") -> pd.Series:
    """Rows whose ``date`` does not fall within their ``year`` (both stated) — a 2016 row
    dated 2017-06-30 or 2015-06-30; boolean, aligned with ``frame``."""
    dates = pd.to_datetime(frame[date])
    years = frame[year].astype("Float64")
    stated = dates.notna().to_numpy() & years.notna().to_numpy(dtype=bool, na_value=False)
    differs = (dates.dt.year.astype("Float64") != years).fillna(False).to_numpy(dtype=bool)
    return pd.Series(stated & differs, index=frame.index)


def is_partial(detail: pd.DataFrame) -> pd.Series:
    """Per row of the budget detail: its snapshot declares itself partial (a reason in
    ``partial`` on any of the snapshot's rows)."""
    if "partial" not in detail.columns or detail["partial"].isna().all():   # (no text: none)
        return pd.Series(False, index=detail.index)
    # each distinct text once (a snapshot repeats its reason, most rows hold none)
    codes, texts = pd.factorize(detail["partial"].astype("string"), use_na_sentinel=True)
    blank = np.array([str(t).strip() == "" for t in texts] + [True], dtype=bool)
    stated = ~blank[codes]   # code -1 (missing) takes the last entry: blank
    if not stated.any():
        return pd.Series(False, index=detail.index)
    stated = pd.Series(stated, index=detail.index)
    declared = stated.groupby([detail["year"], detail["as_of"]], dropna=False).transform("any")
    return declared.astype(bool)


def incomplete_snapshots(detail: pd.DataFrame) -> list[dict]:
    """Snapshots of the budget detail that leave out lines an earlier snapshot of the same
    year carries, without declaring themselves partial.

    Returns
    -------
    list of dict
        ``year``, ``as_of`` (Timestamp), ``earlier`` (the as-of date whose lines are
        missing), ``missing`` (line numbers, ascending), ``names`` (their names, same
        order), ``first`` (the frame index of the snapshot's first row).
    """
    if detail.empty:
        return []
    partial = is_partial(detail).to_numpy(dtype=bool)
    years = detail["year"].astype("Int64")
    dates = pd.to_datetime(detail["as_of"]).to_numpy(dtype="datetime64[ns]")
    stated = years.notna().to_numpy(dtype=bool) & ~np.isnat(dates)
    years = years.to_numpy(dtype="int64", na_value=0)
    pos = np.flatnonzero(stated)
    if not len(pos):
        return []
    # the rows of each (year, as-of) snapshot, years and dates ascending, each snapshot's rows
    # in the frame's order: one sort, no mask per snapshot (a stable sort of each row's
    # snapshot number, in sorted order, where there are fewer than 2**15 snapshots)
    year_codes, year_values = pd.factorize(years[pos], sort=True)
    date_codes, date_values = pd.factorize(dates[pos], sort=True)
    if len(year_values) * len(date_values) < 2 ** 15:
        snapshot = (year_codes * len(date_values) + date_codes).astype(np.int16)
        order = np.argsort(snapshot, kind="stable")
    else:
        order = np.lexsort((pos, dates[pos], years[pos]))
    pos = pos[order]
    y, d = years[pos], dates[pos]
    starts = np.flatnonzero(np.r_[True, (y[1:] != y[:-1]) | (d[1:] != d[:-1])])
    ends = np.r_[starts[1:], len(pos)]
    numbers = detail["line"].astype("Int64")
    numbered_rows = numbers.notna().to_numpy(dtype=bool)
    numbers = numbers.to_numpy(dtype="int64", na_value=0)
    names = detail["name"].to_numpy(dtype=object)
    found = []
    year = carried = carried_names = carried_at = None
    for start, end in zip(starts, ends):
        if y[start] != year:   # a new year: nothing carried yet
            year, carried, carried_names, carried_at = y[start], None, None, None
        rows = pos[start:end]
        if partial[rows].any():
            continue
        numbered = rows[numbered_rows[rows]]
        lines = numbers[numbered]
        if carried is not None:
            # the lines of a snapshot are distinct (its key): which carried ones it lacks
            missing = np.unique(carried[np.isin(carried, lines, invert=True)])   # ascending
            if len(missing):
                named = dict(zip(carried.tolist(), (str(nm) for nm in names[carried_names])))
                found.append({"year": int(year), "as_of": pd.Timestamp(d[start]), "earlier": carried_at,
                              "missing": missing.tolist(), "names": [named[m] for m in missing.tolist()],
                              "first": detail.index[rows[0]]})
                continue
        # a complete snapshot carries every line carried before it: what it carries is its own
        # lines, under its own names (the last row of a line named twice)
        carried, carried_names = lines, numbered
        carried_at = pd.Timestamp(d[start])
    return found


def complete_dates(detail: pd.DataFrame) -> list[pd.Timestamp]:
    """The as-of dates of a year's detail (``detail`` holds one year) whose snapshot is
    complete (not declared partial), oldest first."""
    if detail.empty:
        return []
    keep = ~is_partial(detail).to_numpy(dtype=bool)
    return sorted(pd.Timestamp(d) for d in detail.loc[keep, "as_of"].dropna().unique())



def version_order(versions: pd.DataFrame, year) -> list[str]:
    """The versions of ``year``, in order: 당초 first, then ``budget_versions``'s rows of that
    year by ``order`` (then date)."""
    rows = versions[(versions["year"] == int(year)).fillna(False).to_numpy(dtype=bool)] \
        if len(versions) else versions
    named = rows.sort_values(["order", "date"], kind="stable")["version"].astype(str).tolist() \
        if len(rows) else []
    return [ORIGINAL] + [v for v in named if v != ORIGINAL]


def bridge(totals: pd.DataFrame, order: list[str], stated: pd.DataFrame | None = None) -> pd.DataFrame:
    """당초 → each 추경 → 이월 → 예산현액 of one unit in one year.

    Parameters
    ----------
    totals : the unit's total line of the detail at each snapshot of the year (``as_of,
        version, budget, carryover, available``) [원]; the latest snapshot is the bridge's end.
    order : the year's versions in order (:func:`version_order`).
    stated : the unit's rows of the <부서별> table (``version, budget``) [원], for a version
        no snapshot of the detail states.

    Returns
    -------
    DataFrame
        ``step`` (what the line is), ``kind`` (``version``, ``change``, ``carryover``,
        ``other``, ``available``), ``version``, ``amount`` [원], ``as_of``; empty when the
        year has one version only (nothing to bridge).
    """
    if totals.empty:
        return pd.DataFrame(columns=["step", "kind", "version", "amount", "as_of"])
    totals = totals.sort_values("as_of", kind="stable")
    budgets = {}
    for version in order:
        mine = totals[(totals["version"].astype(str) == version).to_numpy(dtype=bool)]
        if len(mine):
            last = mine.iloc[-1]
            budgets[version] = (int(last["budget"]), last["as_of"])
        elif stated is not None and len(stated):
            hit = stated[(stated["version"].astype(str) == version).to_numpy(dtype=bool)]
            if len(hit) and not pd.isna(hit["budget"].iloc[0]):
                budgets[version] = (int(hit["budget"].iloc[0]), pd.NaT)
    if len(budgets) < 2:
        return pd.DataFrame(columns=["step", "kind", "version", "amount", "as_of"])
    end = totals.iloc[-1]
    rows, previous = [], None
    for version in [v for v in order if v in budgets]:
        amount, when = budgets[version]
        if previous is None:
            rows.append({"step": f"{version} 예산", "kind": "version", "version": version,
                         "amount": amount, "as_of": when})
        else:
            rows.append({"step": f"{version} 증감", "kind": "change", "version": version,
                         "amount": amount - previous, "as_of": when})
        previous = amount
    budget_end = int(end["budget"])
    if budget_end != previous:   # the latest snapshot's own budget, if it differs
        rows.append({"step": "기타 예산 변경", "kind": "other", "version": str(end["version"]),
                     "amount": budget_end - previous, "as_of": end["as_of"]})
    carry = 0 if pd.isna(end["carryover"]) else int(end["carryover"])
    rows.append({"step": "전년도 이월액", "kind": "carryover", "version": str(end["version"]),
                 "amount": carry, "as_of": end["as_of"]})
    available = int(end["available"])
    rest = available - budget_end - carry
    if rest:
        rows.append({"step": "기타(전용·예비비·원문 반올림 등)", "kind": "other",
                     "version": str(end["version"]), "amount": rest, "as_of": end["as_of"]})
    rows.append({"step": "예산현액", "kind": "available", "version": str(end["version"]),
                 "amount": available, "as_of": end["as_of"]})
    out = pd.DataFrame(rows)
    out["amount"] = out["amount"].astype("Int64")
    return out


# --------------------------------------------------------------------------- organisation history

def _changes(history: pd.DataFrame, kind: str) -> pd.DataFrame:
    if history is None or history.empty:
        return pd.DataFrame(columns=["unit", "change", "year", "name_ko", "short_ko",
                                     "detail_program", "to", "source"])
    return history[(history["change"] == kind).fillna(False).to_numpy(dtype=bool)] \
        .sort_values("year", kind="stable")


def names_in(org: pd.DataFrame, history: pd.DataFrame | None, year=None) -> dict[str, str]:
    """Korean name of each unit as of ``year``: the organisation table's, then every rename
    that took effect by ``year`` (``None``: the latest). A report of an earlier year keeps
    the names of its year."""
    out = dict(zip(org["unit"].astype(str), org["name_ko"].astype(str)))
    for unit, when, name in zip(*(_changes(history, "renamed")[c] for c in ("unit", "year", "name_ko"))):
        if pd.isna(name) or (year is not None and int(when) > int(year)):
            continue
        out[str(unit)] = str(name)
    return out


def predecessors(history: pd.DataFrame | None, unit: str) -> list[str]:
    """The slugs ``unit`` continues (a division renamed to a new slug), nearest first."""
    renamed = _changes(history, "renamed")
    before = {str(t): str(u) for u, t in zip(renamed["unit"], renamed["to"]) if not pd.isna(t)}
    out, seen = [], {unit}
    while unit in before and before[unit] not in seen:
        unit = before[unit]
        seen.add(unit)
        out.append(unit)
    return out


def successor(history: pd.DataFrame | None, unit: str, year) -> str:
    """The slug ``unit`` is known by in ``year`` (itself unless renamed to a new slug by then)."""
    return successors(history, [unit], year)[0]


def successors(history: pd.DataFrame | None, units, year) -> list[str]:
    """:func:`successor` of each of ``units`` (the renames read once, not once per unit)."""
    renamed = _changes(history, "renamed")
    after = {str(u): (str(t), int(y)) for u, t, y in zip(renamed["unit"], renamed["to"], renamed["year"])
             if not pd.isna(t)}
    out = []
    for unit in units:
        seen = {unit}
        while unit in after and after[unit][1] <= int(year) and after[unit][0] not in seen:
            unit = after[unit][0]
            seen.add(unit)
        out.append(unit)
    return out


def abolished(history: pd.DataFrame | None, year) -> list[str]:
    """Divisions abolished from ``year`` on (their last year is the one before)."""
    rows = _changes(history, "abolished")
    return [str(u) for u, y in zip(rows["unit"], rows["year"]) if int(y) == int(year)]


def transfers(history: pd.DataFrame | None, year) -> pd.DataFrame:
    """Programs moved between divisions from ``year`` on: ``detail_program, unit`` (from),
    ``to``."""
    rows = _changes(history, "moved")
    rows = rows[(rows["year"] == int(year)).fillna(False).to_numpy(dtype=bool)] if len(rows) else rows
    return rows[["detail_program", "unit", "to", "source"]].reset_index(drop=True)
