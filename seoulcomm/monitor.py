"""The office's monitoring figures: one row per unit (the office and each division) of a year,
and the lines behind them, for the index's monitoring view and the 기획관's one-page brief.

Nothing here computes a figure of its own: each column is the figure the unit's own report
shows, taken from the same view (:mod:`seoulcomm.views`), the same projection and the same
audit, so that the index, the brief and the reports can never disagree.

Money stays integer 원, rates percent; nothing here formats or labels.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import audit, calc, params, views

#: Verdicts that close a 원문 검증 item: the figure agrees, or differs only by rounding.
CLOSED_VERDICTS = ("exact", "rounding")
#: Columns of :func:`lines`, in order.
LINE_COLUMNS = ["unit", "key", "name", "as_of", "settled", "available", "executed", "balance",
                "execution_rate", "reference", "reference_rate", "reference_gap", "method", "projected_rate",
                "projected_unspent", "signal", "lagging", "report"]
#: Columns of :func:`overview`, in order.
OVERVIEW_COLUMNS = ["year", "unit", "kind", "as_of", "settled", "table", "available", "executed",
                    "execution_rate", "reference", "reference_rate", "reference_gap",
                    "method", "projected_rate", "projected_unspent", "signal", "laggards", "open_checks",
                    "report", "source"]


def _iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


def report_of(unit: str, year) -> str:
    """The unit's report, relative to the output folder (``2016/office.html``)."""
    if unit == "office":
        return params.OUTPUTS["office"].format(year=int(year))
    return params.OUTPUTS["division"].format(year=int(year), division=unit)


def open_checks(ds, scope: str, year) -> pd.DataFrame:
    """The 원문 검증 items of ``scope``'s report of ``year`` that stay open: every check its
    report lists (the year's latest snapshot, :func:`seoulcomm.audit.checks_of`) whose verdict is
    neither 일치 nor 반올림 차이."""
    as_of = _iso(views.latest(ds, year))
    rows = audit.checks_of(ds, scope, year=int(year), as_of=as_of)
    return rows[~rows["verdict"].isin(CLOSED_VERDICTS).to_numpy(dtype=bool)].reset_index(drop=True)


def open_counts(ds, units, year) -> list[int]:
    """``len(open_checks(ds, u, year))`` of each of ``units``, counted together (one pass over
    the year's checks, not one selection per unit)."""
    as_of = _iso(views.latest(ds, year))
    frame = audit.reconcile_frame(ds)
    year_ok = (frame["year"] == int(year)).fillna(True).to_numpy(dtype=bool)
    when_ok = np.ones(len(frame), dtype=bool) if as_of is None else \
        ((frame["as_of"] == pd.Timestamp(as_of)) | frame["as_of"].isna()).to_numpy(dtype=bool)
    keep = year_ok & when_ok & ~frame["verdict"].isin(CLOSED_VERDICTS).to_numpy(dtype=bool)
    rows = frame[keep]
    scope = rows["scope"].astype("string")
    program = rows["program"].astype("string")
    # a check counts for a unit when its scope or its program is that unit (once)
    by_scope = scope.value_counts(dropna=True)
    other = (program.notna() & (program != scope).fillna(True)).to_numpy(dtype=bool)
    by_program = program[other].value_counts(dropna=True)
    office = rows["table"].isin(audit.OFFICE_TABLES).to_numpy(dtype=bool) \
        & (scope != "office").fillna(True).to_numpy(dtype=bool) \
        & (program != "office").fillna(True).to_numpy(dtype=bool)
    return [int(by_scope.get(u, 0)) + int(by_program.get(u, 0)) + (int(office.sum()) if u == "office" else 0)
            for u in units]


def overview(ds, year, *, threshold: float = calc.PACE_THRESHOLD) -> pd.DataFrame:
    """One row for the office and one per division of ``year`` (the organisation's order).

    Returns
    -------
    DataFrame with :data:`OVERVIEW_COLUMNS`:

    - ``available, executed`` [원], ``execution_rate`` [%]: the unit's total at the year's
      latest snapshot, as its report's headline shows it (:func:`seoulcomm.views.unit_totals`);
    - ``reference`` (계획, 전년 or 경과), ``reference_rate`` [%] and ``reference_gap``
      (execution_rate − reference_rate) [%p];
    - ``method``, ``projected_rate`` [%] (NaN for a settled year), ``projected_unspent`` [원]
      (a settled year: its actual 불용) and ``signal`` (위험, 주의, 양호): the year-end
      projection (:func:`seoulcomm.views.projection`);
    - ``laggards``: the number of 부진 lines its report lists (the office: all of them);
    - ``open_checks``: the number of open 원문 검증 items its report lists (:func:`open_checks`);
    - ``report``: its report, relative to the output folder; ``source``: the row's source.
    """
    year = int(year)
    totals = views.unit_totals(ds, year, span=1, threshold=threshold)
    totals = totals[(totals["year"] == year).to_numpy(dtype=bool)]
    order = ["office"] + [str(u) for u in ds.divisions(year)["unit"]]
    totals = totals.set_index(totals["unit"].astype(str))
    units = [u for u in order if u in totals.index]
    if not units:
        return pd.DataFrame(columns=OVERVIEW_COLUMNS)
    rows = totals.loc[units].reset_index(drop=True)
    outlook = _projection(ds, year, threshold=threshold)
    outlook = outlook.set_index(outlook["unit"].astype(str)).reindex(units)
    out = pd.DataFrame({
        "year": year, "unit": units,
        "kind": ["office" if u == "office" else "division" for u in units],
        "as_of": [_iso(d) for d in rows["as_of"]], "settled": rows["settled"].astype(bool),
        "table": rows["table"].astype(str),
        "available": rows["available"], "executed": rows["executed"],
        "execution_rate": rows["execution_rate"].astype(float),
    })
    for theirs, ours in _OUTLOOK.items():
        out[ours] = outlook[theirs].to_numpy()
    spending = lines(ds, year, threshold=threshold)
    lagging = spending[spending["lagging"].fillna(False).astype(bool).to_numpy()]
    per_unit = lagging.groupby(lagging["unit"].astype(str)).size()
    # the office's 부진 lines are its divisions' (the detail's every spending line is a division's)
    out["laggards"] = [len(lagging) if u == "office" else int(per_unit.get(u, 0)) for u in units]
    # the audit reads its own copy of the data: a caller's read log names what it shows
    out["open_checks"] = open_counts(ds.fresh(), units, year)
    out["report"] = [report_of(u, year) for u in units]
    out["source"] = rows["source"].to_numpy()
    return out[OVERVIEW_COLUMNS]


def versions(ds, year) -> pd.DataFrame | None:
    """The year's budget by version (당초, 추경 …; ``unit, version, date, budget`` [원],
    oldest first), or ``None`` when the data records no versions for the year.

    Each unit's budget per version is read off its own report's bridge
    (:func:`seoulcomm.views.budget_bridge`): the first version's 예산 plus each version's 증감."""
    if len(views.versions(ds, year)) < 2:
        return None
    rows = []
    for unit in ["office"] + [str(u) for u in ds.divisions(year)["unit"]]:
        steps = views.budget_bridge(ds, year, unit)
        budget = 0
        for step in steps[steps["kind"].isin(["version", "change"]).to_numpy(dtype=bool)].itertuples():
            budget = int(step.amount) if step.kind == "version" else budget + int(step.amount)
            rows.append({"unit": unit, "version": str(step.version), "date": step.as_of,
                         "budget": budget})
    return pd.DataFrame(rows, columns=["unit", "version", "date", "budget"]) if rows else None


def lines(ds, year, *, threshold: float = calc.PACE_THRESHOLD) -> pd.DataFrame:
    """The spending lines of ``year`` at its latest snapshot (every division's programs and
    기본경비), with their division's report and their year-end projection; empty when the year
    has no detail.

    Columns :data:`LINE_COLUMNS`: ``as_of`` (the line's snapshot: each division's latest),
    ``settled`` (that snapshot is 12-31), ``available, executed, balance`` [원], ``execution_rate,
    reference_rate, reference_gap, projected_rate`` [%], ``reference`` and ``method`` (in
    words), ``projected_unspent`` [원], ``signal`` (위험/주의/양호), ``lagging`` (부진),
    ``report``.
    """
    # every division's lines as its own projection judges them, computed together
    rows = views.division_lines(ds, year, ds.divisions(year)["unit"], threshold=threshold)
    if not len(rows):
        return pd.DataFrame(columns=LINE_COLUMNS)
    rows = rows.rename(columns=_OUTLOOK)
    rows["balance"] = (rows["available"].astype("Int64") - rows["executed"].astype("Int64"))
    rows["report"] = [report_of(str(u), year) for u in rows["unit"]]
    return rows[LINE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------- the projection
# The reference, the year-end projection and the signal are the pace module's
# (seoulcomm.projection through views.projection): the same call the reports' 연말 집행 전망
# tables make, so the figures are theirs.

def _projection(ds, year, *, unit=None, threshold=calc.PACE_THRESHOLD) -> pd.DataFrame:
    return views.projection(ds, year, unit=unit, threshold=threshold)


_OUTLOOK = {"reference": "reference", "reference_rate": "reference_rate", "gap": "reference_gap",
            "method": "method", "projected_rate": "projected_rate", "unspent": "projected_unspent",
            "signal": "signal"}
