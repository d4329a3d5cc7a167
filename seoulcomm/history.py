"""The office's year as the data records it over time: snapshots that carry the whole
year's detail (or say they are partial), and dates that fall in their year.

Pure functions on loaded frames (no file is opened here): :mod:`seoulcomm.load` turns
what they find into located :class:`~seoulcomm.errors.DataError` messages, and
:mod:`seoulcomm.views` picks the snapshot a report stands on.
"""
from __future__ import annotations

import pandas as pd


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
    if "partial" not in detail.columns:
        return pd.Series(False, index=detail.index)
    stated = detail["partial"].astype("string").fillna("").str.strip() != ""
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
    partial = is_partial(detail)
    found = []
    for year, rows in detail.groupby("year", sort=True):
        snaps = sorted(rows["as_of"].dropna().unique())
        carried: dict[int, str] = {}
        carried_at = None
        for when in snaps:
            snap = rows[(rows["as_of"] == when).to_numpy(dtype=bool)]
            lines = {int(x) for x in snap["line"].dropna()}
            if bool(partial.loc[snap.index].any()):
                continue
            missing = sorted(set(carried) - lines)
            if missing:
                found.append({"year": int(year), "as_of": pd.Timestamp(when), "earlier": carried_at,
                              "missing": missing, "names": [carried[m] for m in missing],
                              "first": snap.index[0]})
                continue
            carried.update({int(ln): str(nm) for ln, nm in zip(snap["line"], snap["name"])
                            if not pd.isna(ln)})
            carried_at = pd.Timestamp(when)
    return found


def complete_dates(detail: pd.DataFrame) -> list[pd.Timestamp]:
    """The as-of dates of a year's detail (``detail`` holds one year) whose snapshot is
    complete (not declared partial), oldest first."""
    if detail.empty:
        return []
    keep = ~is_partial(detail).to_numpy(dtype=bool)
    return sorted(pd.Timestamp(d) for d in detail.loc[keep, "as_of"].dropna().unique())
