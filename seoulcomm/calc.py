"""Calculations: execution, pace, year over year, shares, staffing, outcomes, cost lines.

Every function here is pure: frames in, a new frame out, the input untouched, no file or
parameter read. Money stays exact integer 원 (pandas ``Int64``) all the way; only rates
are floats (``float64`` percent, unrounded, ``NaN`` where the base is zero or missing).
Round for display only, the way the sources do: :func:`seoulcomm.units.round_half_up`
with one decimal for rates (:func:`seoulcomm.units.fmt_rate`).

Budget terms (지방재정 용어) and the names used here:

====================  ==================  ======================================
source                column              meaning
====================  ==================  ======================================
예산편성액 / 당초예산   ``budget``          budget as adopted [원]
전년도 이월액 / 전년이월 ``carryover`` / ``carried_in``  brought forward [원]
예산변경               ``changed``         supplementary changes [원]
예산현액               ``available``       budget available to spend [원]
집행액                 ``executed``        spent [원]
집행잔액               ``balance``         available − executed [원]
차년이월               ``carried_out``     carried to the next year [원]
불용액                 ``unspent``         available − executed − carried_out [원]
집행률                 ``execution_rate``  executed / available × 100 [%]
불용률                 ``unspent_rate``    unspent / available × 100 [%]
====================  ==================  ======================================
"""
from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


__all__ = [
    "execution", "closed_year", "year_elapsed", "pace", "laggards", "year_over_year",
    "shares", "growth", "staffing_gap", "staffing_table", "staffing_summary",
    "outcome_progress", "cost_lines", "cost_rollup", "PACE_FLAGS", "PACE_THRESHOLD", "TOTAL_LABEL",
    "as_printed", "PRINTED",
]

#: Values of ``pace_flag``, from behind to ahead of the calendar.
PACE_FLAGS = ("lagging", "on_pace", "ahead")
#: Default of :func:`pace`'s threshold [%p].
PACE_THRESHOLD = 10.0
#: Label the sources use for a total row or column (총계 in the staffing table).
TOTAL_LABEL = "총계"
_SUM_LABEL = "계"


# --------------------------------------------------------------------------- helpers

def _require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what}: 필요한 열이 없습니다 — {', '.join(missing)} "
                         f"(있는 열: {', '.join(map(str, frame.columns))})")


def _money(values) -> pd.Series:
    """An amount column as exact integer 원 (``Int64``); refuses fractional money."""
    series = pd.Series(values)
    if pd.api.types.is_float_dtype(series.dtype):
        whole = series.dropna()
        if not (whole == np.floor(whole)).all():
            raise TypeError("금액은 정수 원이어야 합니다(소수 금액 불가)")
    return series.astype("Int64")


def _floats(values) -> np.ndarray:
    """Numbers as a float64 array, ``NaN`` where missing (for rates only, never for money)."""
    series = pd.Series(values)
    if isinstance(series.dtype, pd.api.extensions.ExtensionDtype):
        return series.astype("Float64").to_numpy(dtype="float64", na_value=np.nan)
    return pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64")


def _rate(numerator, denominator) -> np.ndarray:
    """numerator / denominator × 100 [%], ``NaN`` where the denominator is 0 or missing."""
    num, den = _floats(numerator), _floats(denominator)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = num / den * 100.0
    out[~np.isfinite(den) | (den == 0)] = np.nan
    return out


def _keys(by) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


# --------------------------------------------------------------------------- execution

def execution(frame: pd.DataFrame) -> pd.DataFrame:
    """예산현액, 집행잔액 and 집행률 of each row.

    Parameters
    ----------
    frame : DataFrame
        One row per budget line with ``budget`` (예산편성액) [원], optionally
        ``carryover`` (전년도 이월액) [원] — a missing column or cell counts as 0 — and
        ``executed`` (집행액) [원].

    Returns
    -------
    DataFrame
        A copy of ``frame`` with

        - ``available`` : budget + carryover (예산현액) [원], ``Int64``;
        - ``balance`` : available − executed (집행잔액) [원], ``Int64``;
        - ``execution_rate`` : executed / available × 100 (집행률) [%], float, unrounded,
          ``NaN`` where available is 0.

        Where ``frame`` already holds ``available`` or ``balance`` (the amounts the source
        states), they are kept as ``available_stated`` / ``balance_stated`` before being
        replaced by the computed ones, so the two can be compared.

    Examples
    --------
    뉴미디어담당관 at 2016-04-08: 4,331 백만원 + 0 → available 4,331, executed 1,218,
    balance 3,113, execution_rate 28.12… (the source prints 28.1).
    """
    _require(frame, ["budget", "executed"], "execution()")
    out = frame.copy()
    budget = _money(out["budget"])
    if "carryover" in out.columns:
        carryover = _money(out["carryover"]).fillna(0)
    else:
        carryover = pd.Series(0, index=out.index, dtype="Int64")
    executed = _money(out["executed"])
    for name in ("available", "balance"):
        if name in out.columns and f"{name}_stated" not in out.columns:
            out[f"{name}_stated"] = out[name]
    out["available"] = budget + carryover
    out["balance"] = out["available"] - executed
    out["execution_rate"] = _rate(executed, out["available"])
    return out


#: The stated amount or rate that stands for each computed one (as :func:`execution` keeps
#: them, or as the data holds them: ``rate_stated`` is the stated 집행률).
PRINTED = (("available", "available_stated"), ("balance", "balance_stated"),
           ("execution_rate", "rate_stated"))


def as_printed(frame: pd.DataFrame) -> pd.DataFrame:
    """예산현액, 집행잔액 and 집행률 as the source prints them: the one place of the rule
    "printed over computed", used wherever a report shows these figures.

    Parameters
    ----------
    frame : DataFrame
        Budget lines as :func:`execution` takes them, with the source's stated figures where it
        states them: ``available`` and ``balance`` [원] (kept as ``available_stated`` and
        ``balance_stated``), ``rate_stated`` (the stated 집행률) [%].

    Returns
    -------
    DataFrame
        :func:`execution` of ``frame``, each of ``available``, ``balance`` and
        ``execution_rate`` replaced by the stated figure where the row has one (a reader
        comparing with the printed document sees the printed figure; the reconciliation audit
        lists where the two differ).

    Examples
    --------
    뉴미디어담당관 at 2016-04-08: executed 1,218 of 4,331 백만원 gives 28.12…; the source
    prints 28.1, which is what ``execution_rate`` holds.
    """
    out = execution(frame)
    for column, stated in PRINTED:
        if stated in out.columns:
            out[column] = out[stated].astype(out[column].dtype).fillna(out[column])
    return out


def closed_year(settlement: pd.DataFrame, *, basis: str = "stated") -> pd.DataFrame:
    """Execution and 불용 of closed fiscal years (결산), as in the program sheet's settlement.

    Parameters
    ----------
    settlement : DataFrame
        One row per year with ``budget`` (당초예산), ``carried_in`` (전년이월), ``changed``
        (예산변경, may be negative), ``available`` (예산현액), ``executed`` (집행액),
        ``carried_out`` (차년이월) and ``balance`` (집행잔액), all [원].
    basis : {"stated", "computed"}
        Which 예산현액 the rates divide by: the source's ``available`` (default) or
        ``available_computed``.

    Returns
    -------
    DataFrame
        A copy with

        - ``available_computed`` : budget + carried_in + changed [원];
        - ``balance_computed`` : available − executed [원];
        - ``execution_rate`` : executed / available × 100 (집행률) [%];
        - ``unspent`` : available − executed − carried_out (불용액) [원];
        - ``unspent_rate`` : unspent / available × 100 (불용률) [%].

    Examples
    --------
    Social-media program 2012: 543,923 천원 available, 448,637 executed, nothing carried
    out → unspent 95,286 천원, execution 82.48 %, unspent 17.52 %.
    """
    _require(settlement, ["budget", "carried_in", "changed", "available", "executed",
                          "carried_out"], "closed_year()")
    if basis not in ("stated", "computed"):
        raise ValueError(f"basis는 'stated' 또는 'computed'여야 합니다: {basis!r}")
    out = settlement.copy()
    out["available_computed"] = (_money(out["budget"]) + _money(out["carried_in"]).fillna(0)
                                 + _money(out["changed"]).fillna(0))
    available = _money(out["available"] if basis == "stated" else out["available_computed"])
    executed = _money(out["executed"])
    out["balance_computed"] = available - executed
    out["execution_rate"] = _rate(executed, available)
    out["unspent"] = available - executed - _money(out["carried_out"]).fillna(0)
    out["unspent_rate"] = _rate(out["unspent"], available)
    return out


# --------------------------------------------------------------------------- pace

def year_elapsed(as_of, *, year=None):
    """Share of the fiscal year (the calendar year) elapsed at ``as_of``, counting that day.

    Parameters
    ----------
    as_of : date-like or Series of dates
        The as-of date(s) (``"2016-04-08"``, ``datetime.date``, ``Timestamp``, …).
    year : int or Series of int, optional
        The fiscal year to measure. When ``as_of`` falls after that year the result is
        100, before it 0. Default: the year of ``as_of``.

    Returns
    -------
    float or Series of float
        Elapsed share [%], unrounded: day of year / days in the year × 100. A Series when
        ``as_of`` is one (same index), else a float.

    Examples
    --------
    >>> round(year_elapsed("2016-04-08"), 4)   # day 99 of 366 (2016 is a leap year)
    27.0492
    """
    scalar = np.ndim(as_of) == 0
    series = pd.Series([as_of]) if scalar else pd.Series(as_of)
    try:
        dates = pd.to_datetime(series)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"기준일은 날짜여야 합니다(예: 2016-04-08): {as_of!r}") from exc
    if dates.isna().any():
        raise ValueError(f"기준일이 비어 있습니다: {as_of!r}")
    days_in_year = np.where(dates.dt.is_leap_year, 366, 365)
    pct = dates.dt.day_of_year.to_numpy(dtype="float64") / days_in_year * 100.0
    if year is not None:
        fiscal = _floats(pd.Series([year] * len(dates)) if np.ndim(year) == 0 else year)
        calendar = dates.dt.year.to_numpy(dtype="float64")
        pct = np.where(calendar > fiscal, 100.0, np.where(calendar < fiscal, 0.0, pct))
    if scalar:
        return float(pct[0])
    return pd.Series(pct, index=series.index, name="elapsed")


def pace(frame: pd.DataFrame, as_of=None, *, threshold: float = PACE_THRESHOLD) -> pd.DataFrame:
    """Each row's 집행률 against the share of the year elapsed, flagged.

    Parameters
    ----------
    frame : DataFrame
        Budget lines. If it lacks ``available``, ``balance`` or ``execution_rate`` it is
        first passed through :func:`execution` (which needs ``budget`` and ``executed``).
        A ``year`` column, when present, is the fiscal year each row is measured in.
    as_of : date-like, optional
        The as-of date (2016-04-08 for the 2016 detail). Default: the frame's own
        ``as_of`` column, row by row.
    threshold : float
        How far [%p] the rate may trail or lead the calendar and still be ``on_pace``.

    Returns
    -------
    DataFrame
        A copy with

        - ``elapsed`` : share of the year elapsed at the as-of date [%];
        - ``pace_gap`` : execution_rate − elapsed [%p];
        - ``pace_flag`` : ``"lagging"`` when pace_gap < −threshold, ``"ahead"`` when
          pace_gap > threshold, else ``"on_pace"``; ``<NA>`` where the rate is undefined
          (nothing available).

    Examples
    --------
    At 2016-04-08 (27.05 % elapsed) 120다산콜센터 운영 at 14.7 % trails by 12.3 %p →
    lagging; 민원제안통합관리시스템 운영 at 91.0 % → ahead.
    """
    if threshold < 0 or not np.isfinite(threshold):
        raise ValueError(f"threshold는 0 이상의 수여야 합니다 [%p]: {threshold!r}")
    needed = {"available", "balance", "execution_rate"}
    out = frame.copy() if needed <= set(frame.columns) else execution(frame)
    if as_of is None:
        _require(out, ["as_of"], "pace() — as_of를 주지 않으면 표의 'as_of' 열")
        dates = out["as_of"]
    else:
        dates = pd.Series([as_of] * len(out), index=out.index)
    year = out["year"] if "year" in out.columns else None
    if len(out):
        out["elapsed"] = year_elapsed(dates, year=year).to_numpy()
    else:
        out["elapsed"] = np.array([], dtype="float64")
    gap = _floats(out["execution_rate"]) - out["elapsed"].to_numpy(dtype="float64")
    out["pace_gap"] = gap
    flag = np.select([gap < -threshold, gap > threshold], ["lagging", "ahead"], "on_pace")
    out["pace_flag"] = pd.Series(flag, index=out.index, dtype="string").where(~np.isnan(gap))
    return out


def laggards(paced: pd.DataFrame, *, by: str = "balance") -> pd.DataFrame:
    """The lagging rows of :func:`pace`, the most money at stake first.

    Parameters
    ----------
    paced : DataFrame
        Output of :func:`pace` (filter it to the level you want first, e.g. programs).
    by : str
        Column to sort by, descending; default ``balance`` (집행잔액) [원].

    Returns
    -------
    DataFrame
        Rows with ``pace_flag == "lagging"``, sorted by ``by`` descending (ties keep their
        order), with a fresh index.
    """
    _require(paced, ["pace_flag", by], "laggards()")
    lagging = paced[paced["pace_flag"].eq("lagging").fillna(False).to_numpy(dtype=bool)]
    return lagging.sort_values(by, ascending=False, kind="stable").reset_index(drop=True)


# --------------------------------------------------------------------------- change and shares

def year_over_year(frame: pd.DataFrame, *, value: str, year: str = "year", by=None) -> pd.DataFrame:
    """Change between consecutive years, per group.

    Parameters
    ----------
    frame : DataFrame
        One row per year (and group).
    value : str
        Column to compare (money [원] or any count).
    year : str
        Column holding the year.
    by : str or list of str, optional
        Group columns (e.g. ``"category"``); each group is compared with itself.

    Returns
    -------
    DataFrame
        A copy, rows in their original order, with

        - ``base_year`` : the previous year present in the group (``<NA>`` for the first);
        - ``change`` : value − value at base_year [unit of ``value``]; ``Int64`` when the
          value is integer (money stays exact);
        - ``change_rate`` : change / |value at base_year| × 100 [%], ``NaN`` where there is
          no base or it is 0.

    Notes
    -----
    "Consecutive" means the previous year present in the data; ``base_year`` says which,
    so a gap in the series is never hidden.
    """
    keys = _keys(by)
    _require(frame, [value, year, *keys], "year_over_year()")
    out = frame.copy()
    work = frame[[*keys, year, value]].reset_index(drop=True)
    if work.duplicated([*keys, year]).any():
        raise ValueError(f"year_over_year(): 같은 {', '.join([*keys, year])} 조합이 두 번 "
                         f"나옵니다 — by로 묶을 열을 지정하세요")
    ordered = work.sort_values([*keys, year], kind="stable")
    if keys:
        grouped = ordered.groupby(keys, sort=False, dropna=False)
        previous, base_year = grouped[value].shift(1), grouped[year].shift(1)
    else:
        previous, base_year = ordered[value].shift(1), ordered[year].shift(1)
    previous = previous.reindex(work.index)
    base_year = base_year.reindex(work.index)
    current = work[value]
    if pd.api.types.is_integer_dtype(current.dtype):
        current, previous = current.astype("Int64"), previous.astype("Int64")
    out["base_year"] = pd.array(base_year.to_numpy(), dtype="Int64")
    change = current - previous
    out["change"] = change.array
    out["change_rate"] = _rate(change, np.abs(_floats(previous)))
    return out


def shares(frame: pd.DataFrame, value: str, *, total=None, by=None) -> pd.DataFrame:
    """구성비: each row's share of a total.

    Parameters
    ----------
    frame : DataFrame
        The parts.
    value : str
        Column with each part [any unit, e.g. 원].
    total : number, optional
        The whole, in the unit of ``value`` (e.g. a stated 계). Default: the sum of the
        rows (of each group when ``by`` is given).
    by : str or list of str, optional
        Group columns; each group's rows share their own total.

    Returns
    -------
    DataFrame
        A copy with ``share`` = value / total × 100 [%], unrounded; ``NaN`` where the
        total is 0.

    Examples
    --------
    시민봉사담당관 21,338 of 40,828 백만원 → 52.26… % (the source prints 52.3 %).
    """
    keys = _keys(by)
    _require(frame, [value, *keys], "shares()")
    out = frame.copy()
    if total is not None:
        whole = pd.Series(float(total), index=out.index)
    elif keys:
        whole = out.groupby(keys, sort=False, dropna=False)[value].transform("sum")
    else:
        whole = pd.Series(out[value].sum(), index=out.index)
    out["share"] = _rate(out[value], whole)
    return out


def growth(series: pd.Series) -> pd.DataFrame:
    """Year-over-year change and compound annual growth of a yearly series.

    Parameters
    ----------
    series : Series
        Values indexed by year (e.g. the program's budget 2012–2016 [원]); need not be
        sorted; years must be unique.

    Returns
    -------
    DataFrame
        Indexed by year (ascending), columns

        - ``value`` : the series [its unit];
        - ``base_year``, ``change`` [its unit], ``change_rate`` [%] : as in
          :func:`year_over_year`;
        - ``cagr`` : compound annual growth rate over the whole span [%],
          (last / first) ** (1 / (last year − first year)) − 1, × 100; set on the **last
          row only** (``NaN`` elsewhere), and also in ``result.attrs["cagr"]``. ``NaN``
          when the first value is not positive or the span is under a year.

    Examples
    --------
    Budget 543,923 천원 (2012) → 418,000 천원 (2016): cagr = (418,000 / 543,923) ** (1/4)
    − 1 = −6.37 %.
    """
    if not series.index.is_unique:
        raise ValueError("growth(): 연도가 겹칩니다 — 연도마다 값이 하나여야 합니다")
    name = series.index.name or "year"
    frame = pd.DataFrame({name: series.index.to_numpy(), "value": series.to_numpy()})
    if pd.api.types.is_integer_dtype(series.dtype):
        frame["value"] = frame["value"].astype("Int64")
    frame = frame.sort_values(name, kind="stable").reset_index(drop=True)
    out = year_over_year(frame, value="value", year=name).set_index(name)
    cagr = np.nan
    if len(out) >= 2:
        first, last = _floats(out["value"].iloc[[0]])[0], _floats(out["value"].iloc[[-1]])[0]
        span = float(out.index[-1]) - float(out.index[0])
        if first > 0 and last >= 0 and span >= 1:
            cagr = ((last / first) ** (1.0 / span) - 1.0) * 100.0
    out["cagr"] = np.nan
    if len(out):
        out.iloc[-1, out.columns.get_loc("cagr")] = cagr
    out.attrs["cagr"] = cagr
    return out


# --------------------------------------------------------------------------- staffing

def _is_total(staffing: pd.DataFrame) -> np.ndarray:
    return ((staffing["job_group"] == TOTAL_LABEL) & (staffing["grade"] == TOTAL_LABEL)) \
        .fillna(False).to_numpy(dtype=bool)


def staffing_gap(staffing: pd.DataFrame) -> pd.DataFrame:
    """현원 − 정원 of each staffing row.

    Parameters
    ----------
    staffing : DataFrame
        Rows with ``authorized`` (정원) and ``current`` (현원) [명].

    Returns
    -------
    DataFrame
        A copy with ``gap`` = current − authorized [명], ``Int64``: positive = 과원
        (over strength), negative = 결원 (vacancies).

    Examples
    --------
    The office in total: 136 − 128 = 8 (과원 8명).
    """
    _require(staffing, ["authorized", "current"], "staffing_gap()")
    out = staffing.copy()
    out["gap"] = out["current"].astype("Int64") - out["authorized"].astype("Int64")
    return out


def staffing_table(staffing: pd.DataFrame, unit: str, *, total: str = "first") -> pd.DataFrame:
    """One unit's staffing by job group × grade, with 과·결원 and a computed total row.

    Parameters
    ----------
    staffing : DataFrame
        The staffing table (``unit, job_group, grade, authorized, current``) [명].
    unit : str
        Office or division slug (``office``, ``new-media``, …).
    total : {"first", "last"}
        Where the total row goes; ``"first"`` as in the source, whose 총계 comes first.

    Returns
    -------
    DataFrame
        Columns ``unit, job_group, grade, authorized, current, gap`` [명], ``row``
        (``"detail"`` or ``"total"``), ``authorized_stated`` and ``current_stated`` (the
        source's 총계, on the total row only), then the input's other columns (``as_of``,
        ``source``; on the total row those of the source's 총계 row). The total row is
        labelled 총계/총계 and holds the sums of the detail rows — computed, not copied.

    Raises
    ------
    ValueError
        When ``unit`` has no staffing rows (the message lists those that do).
    """
    _require(staffing, ["unit", "job_group", "grade", "authorized", "current"], "staffing_table()")
    if total not in ("first", "last"):
        raise ValueError(f"total은 'first' 또는 'last'여야 합니다: {total!r}")
    rows = staffing[(staffing["unit"] == unit).fillna(False).to_numpy(dtype=bool)]
    if rows.empty:
        known = ", ".join(dict.fromkeys(staffing["unit"].dropna().astype(str)))
        raise ValueError(f"인력 자료에 없는 부서입니다: {unit!r} — 가능한 값: {known}")
    stated_mask = _is_total(rows)
    detail = staffing_gap(rows[~stated_mask]).assign(row="detail")
    stated = rows[stated_mask]
    authorized = detail["authorized"].astype("Int64").sum()
    current = detail["current"].astype("Int64").sum()
    total_row = {
        "unit": unit, "job_group": TOTAL_LABEL, "grade": TOTAL_LABEL,
        "authorized": authorized, "current": current, "gap": current - authorized,
        "row": "total",
        "authorized_stated": stated["authorized"].iloc[0] if len(stated) else pd.NA,
        "current_stated": stated["current"].iloc[0] if len(stated) else pd.NA,
    }
    columns = ["unit", "job_group", "grade", "authorized", "current", "gap", "row",
               "authorized_stated", "current_stated"]
    extra = [c for c in rows.columns if c not in columns]
    for col in extra:  # e.g. as_of, source: the stated total's, else one value shared by all rows
        values = stated[col] if len(stated) else detail[col].drop_duplicates()
        total_row[col] = values.iloc[0] if len(values) == 1 else pd.NA
    total_frame = pd.DataFrame([total_row])
    parts = [total_frame, detail] if total == "first" else [detail, total_frame]
    out = pd.concat(parts, ignore_index=True)[columns + extra]
    for col in ("authorized", "current", "gap", "authorized_stated", "current_stated"):
        out[col] = out[col].astype("Int64")
    for col in ["unit", "job_group", "grade", "row"] + extra:
        if col in rows.columns:
            out[col] = out[col].astype(rows[col].dtype)
    out["row"] = out["row"].astype("string")
    return out


def staffing_summary(staffing: pd.DataFrame) -> pd.DataFrame:
    """정원, 현원 and 과·결원 per unit, summed from the job group × grade rows.

    Parameters
    ----------
    staffing : DataFrame
        The staffing table [명].

    Returns
    -------
    DataFrame
        One row per unit (in order of appearance): ``unit, authorized, current, gap`` [명]
        computed from the detail rows, and ``authorized_stated, current_stated`` from the
        source's 총계 row (``<NA>`` when it has none).
    """
    _require(staffing, ["unit", "job_group", "grade", "authorized", "current"], "staffing_summary()")
    total_mask = _is_total(staffing)
    detail = staffing[~total_mask].copy()
    for col in ("authorized", "current"):
        detail[col] = detail[col].astype("Int64")
    summed = detail.groupby("unit", sort=False)[["authorized", "current"]].sum()
    stated = (staffing[total_mask].drop_duplicates("unit").set_index("unit")[["authorized", "current"]]
              .rename(columns=lambda c: f"{c}_stated"))
    order = list(dict.fromkeys(staffing["unit"]))
    out = summed.join(stated, how="outer").reindex(order)
    out["gap"] = out["current"] - out["authorized"]
    out = out.reset_index()[["unit", "authorized", "current", "gap", "authorized_stated",
                             "current_stated"]]
    for col in out.columns[1:]:
        out[col] = out[col].astype("Int64")
    return out


# --------------------------------------------------------------------------- outcomes

def outcome_progress(outcomes: pd.DataFrame, *, target_kinds=("target",)) -> pd.DataFrame:
    """Change between periods, and progress against a target, per metric.

    Parameters
    ----------
    outcomes : DataFrame
        The outcomes table: ``division, section, metric, value, unit, period, kind,
        direction, source`` (and ``period_note``, ``value_to``, optional). ``kind`` is
        ``actual`` (a result of its period), ``existing`` (the state when the plan was written:
        a size, a count of accounts, not a result), ``target``, ``plan`` or ``change``.
    target_kinds : tuple of str
        Which ``kind`` values count as a target (default only ``"target"``; pass
        ``("target", "plan")`` to measure against plans too).

    Returns
    -------
    DataFrame
        One row per (division, section, metric, document) that has an actual, an existing
        quantity or a target, in the table's order. ``document`` is the seed file the rows come
        from, so figures of the two documents are never mixed. Columns:

        - ``first_period``, ``first_actual`` : the earliest ``actual`` [year, metric unit];
        - ``last_period``, ``last_actual``, ``last_note`` : the latest ``actual``;
        - ``change`` : last − first, in ``change_unit`` (``%p`` for a metric in %, else the
          metric's unit); ``change_rate`` [%] on |first|; ``NaN`` unless two periods;
        - ``existing``, ``existing_period``, ``existing_note`` : the latest ``existing`` quantity;
        - ``target_period``, ``target``, ``target_to`` (upper end of a range such as 5~6,
          else ``NaN``), ``target_text`` ("13,000", "5~6"), ``target_note``;
        - ``baseline``, ``baseline_period``, ``baseline_kind`` : the starting point of the
          target — the latest ``existing`` quantity up to the target's period, or else the latest
          ``actual`` before it (온라인 패널 10,146명 '15 for the '16 target);
        - ``gap`` : target − baseline (signed; a ``down`` target has a negative gap);
        - ``actual_at_target`` : an ``actual`` of the target's own period, if any;
        - ``achievement`` [%], only where ``actual_at_target`` exists: ``up`` →
          actual / target × 100; ``down`` (lower is better) → (baseline − actual) /
          (baseline − target) × 100; else ``NaN``;
        - ``measure`` : ``달성률`` where achievement is computed, ``기준 대비 목표`` where
          only a baseline and a target are known, else empty;
        - ``unit``, ``direction``, ``source`` (the distinct sources of the rows used).

    Examples
    --------
    온라인 여론조사 패널 수 10,146명 ('15 actual) and 13,000명 ('16 target): no 2016 actual
    yet → baseline 10,146, gap 2,854, no achievement. SNS 계정 150개 (existing) → 50개
    (down target): gap −100, no achievement until an actual of 2016 is added.
    """
    _require(outcomes, ["division", "section", "metric", "value", "unit", "period", "kind",
                        "direction", "source"], "outcome_progress()")
    keys = ["division", "section", "metric", "document"]
    rows = outcomes.copy().reset_index(drop=True)
    rows["document"] = rows["source"].astype("string").str.split(" ", n=1).str[0]
    for col in ("period_note", "value_to"):
        if col not in rows.columns:
            rows[col] = pd.NA
    rows["_order"] = np.arange(len(rows))
    kind = rows["kind"].astype("string")

    def pick(mask):
        return rows[mask.fillna(False).to_numpy(dtype=bool)].sort_values(["period", "_order"],
                                                                         kind="stable")

    actual, existing = pick(kind == "actual"), pick(kind == "existing")
    target = pick(kind.isin(list(target_kinds)))
    cols = ["value", "period", "period_note", "source", "_order", "value_to"]
    first = actual.drop_duplicates(keys, keep="first").set_index(keys)[cols]
    last = actual.drop_duplicates(keys, keep="last").set_index(keys)[cols]
    goal = target.drop_duplicates(keys, keep="last").set_index(keys)[cols]
    now = existing.drop_duplicates(keys, keep="last").set_index(keys)[cols]
    info = (pd.concat([actual, existing, target]).sort_values("_order", kind="stable")
            .groupby(keys, sort=False, dropna=False)
            .agg(unit=("unit", "first"), direction=("direction", "first"), _order=("_order", "min")))
    out = info.join(first.add_prefix("first_")).join(last.add_prefix("last_")) \
        .join(goal.add_prefix("target_")).join(now.add_prefix("existing_"))
    # the actual of the target's own period, and the baseline before it
    tp = goal["period"].rename("tp")
    a = actual.join(tp, on=keys)
    at = a[a["period"] == a["tp"]].drop_duplicates(keys, keep="last").set_index(keys)["value"]
    before = a[a["period"] < a["tp"]].drop_duplicates(keys, keep="last").set_index(keys)
    e = existing.join(tp, on=keys)
    e = e[(e["period"] <= e["tp"]) | e["tp"].isna()].drop_duplicates(keys, keep="last").set_index(keys)
    out = out.join(at.rename("at_target"))
    base_v = e["value"].combine_first(before["value"])
    base_p = e["period"].combine_first(before["period"])
    base_k = pd.Series("existing", index=e.index).combine_first(pd.Series("actual", index=before.index))
    out = out.join(base_v.rename("base_value")).join(base_p.rename("base_period")) \
        .join(base_k.rename("base_kind"))
    out = out.sort_values("_order", kind="stable").reset_index()

    first_v, last_v, target_v = (_floats(out[c]) for c in ("first_value", "last_value", "target_value"))
    base, at_v = _floats(out["base_value"]), _floats(out["at_target"])
    moved = (_floats(out["last_period"]) > _floats(out["first_period"]))
    change = np.where(moved, last_v - first_v, np.nan)
    direction = out["direction"].astype("string").fillna("")
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(target_v != 0, at_v / target_v * 100.0, np.nan)
        span = base - target_v
        down = np.where(span != 0, (base - at_v) / span * 100.0, np.nan)
    achievement = np.select([direction == "up", direction == "down"], [up, down], np.nan)
    gap = target_v - base
    measure = np.where(np.isfinite(achievement), "달성률",
                       np.where(np.isfinite(gap), "기준 대비 목표", ""))
    unit = out["unit"].astype("string")
    target_to = _floats(out["target_value_to"])

    def _num(x):
        return "" if not np.isfinite(x) else (f"{x:,.0f}" if float(x).is_integer() else f"{x:,g}")
    target_text = [(_num(t) + ("~" + _num(u) if np.isfinite(u) else "")) for t, u in zip(target_v, target_to)]

    used = (out[["first_source", "last_source", "target_source", "existing_source"]].astype("string")
            .stack().dropna().reset_index(level=1, drop=True))
    used = used[~pd.Series(list(zip(used.index, used)), index=used.index).duplicated().to_numpy()]
    sources = used.groupby(level=0).agg(" | ".join).reindex(out.index).astype("string")

    result = pd.DataFrame({
        "division": out["division"], "section": out["section"], "metric": out["metric"],
        "unit": out["unit"], "direction": out["direction"],
        "first_period": out["first_period"].astype("Int64"), "first_actual": first_v,
        "last_period": out["last_period"].astype("Int64"), "last_actual": last_v,
        "last_note": out["last_period_note"].astype("string"),
        "change": change, "change_unit": unit.where(unit != "%", "%p"),
        "change_rate": _rate(change, np.abs(first_v)),
        "existing_period": out["existing_period"].astype("Int64"),
        "existing": _floats(out["existing_value"]),
        "existing_note": out["existing_period_note"].astype("string"),
        "target_period": out["target_period"].astype("Int64"), "target": target_v,
        "target_to": target_to, "target_text": pd.Series(target_text, dtype="string"),
        "target_note": out["target_period_note"].astype("string"),
        "baseline": base, "baseline_period": out["base_period"].astype("Int64"),
        "baseline_kind": out["base_kind"].astype("string"),
        "gap": gap, "actual_at_target": at_v, "achievement": achievement,
        "measure": pd.Series(measure, dtype="string"),
        "document": out["document"].astype("string"),
        "source": sources,
    })
    return result


# --------------------------------------------------------------------------- cost lines

def cost_lines(costs: pd.DataFrame) -> pd.DataFrame:
    """The cost lines (산출근거) with unit cost × quantity recomputed.

    Parameters
    ----------
    costs : DataFrame
        The program_costs table: ``level`` (``group`` or ``line``), ``unit_cost`` [원],
        ``quantity`` [count], ``amount`` [원].

    Returns
    -------
    DataFrame
        The ``line`` rows only (fresh index), with ``computed`` = unit_cost × quantity [원]
        and ``difference`` = amount − computed [원], both ``Int64`` (``<NA>`` where a unit
        cost or quantity is not stated).

    Examples
    --------
    블로그 운영 및 관리: 150,000원 × 500건 = 75,000,000원 = the stated 75,000천원.
    """
    _require(costs, ["level", "unit_cost", "quantity", "amount"], "cost_lines()")
    lines = costs[(costs["level"] == "line").fillna(False).to_numpy(dtype=bool)].copy()
    lines["computed"] = _money(lines["unit_cost"]) * _money(lines["quantity"])
    lines["difference"] = _money(lines["amount"]) - lines["computed"]
    return lines.reset_index(drop=True)


def cost_rollup(costs: pd.DataFrame, *, budget: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cost lines summed per group, per expense item and in total, beside what is stated.

    Parameters
    ----------
    costs : DataFrame
        The program_costs table (``program, year, item, group, level, unit_cost, quantity,
        amount``) [원].
    budget : DataFrame, optional
        The program_budget table (``program, item, year, budget``) [원]; when given, the
        item and total rows also show the budgeted amount (item ``계`` for the total).

    Returns
    -------
    DataFrame
        Per (program, year): for each item in source order its group rows, then the item
        row; the total row last. Columns

        - ``program, year, level`` (``group``, ``item``, ``total``), ``item``, ``group``
          (``<NA>`` above group level; the total row's item is ``계``);
        - ``lines`` : sum of the line amounts [원];
        - ``computed`` : sum of unit_cost × quantity over the lines [원];
        - ``stated`` : the stated group amount; for an item or the total, the sum of its
          stated group amounts [원];
        - ``difference`` : stated − lines [원];
        - ``n_lines`` : number of lines;
        - ``budget_stated`` (only with ``budget``) : the budget table's amount [원].

    Examples
    --------
    사무관리비 2016: groups 94,000 + 120,000 + 200,000 = 414,000 천원, equal to the sum of
    its lines and to the budget table's 414,000.
    """
    _require(costs, ["program", "year", "item", "group", "level", "amount"], "cost_rollup()")
    base = ["program", "year"]
    lines = cost_lines(costs)
    frame = costs.reset_index(drop=True)
    groups = frame[(frame["level"] == "group").fillna(False).to_numpy(dtype=bool)].copy()
    groups["amount"] = _money(groups["amount"])
    lines["amount"] = _money(lines["amount"])

    # order of appearance of items and groups, so the roll-up reads like the source
    order = frame[[*base, "item", "group"]].drop_duplicates().reset_index(drop=True)
    order["_item_pos"] = order.groupby(base, sort=False)["item"].transform(
        lambda s: pd.Series(pd.factorize(s)[0], index=s.index))
    order["_group_pos"] = np.arange(len(order))

    key_g = [*base, "item", "group"]
    agg = dict(lines=("amount", "sum"), computed=("computed", "sum"), n_lines=("amount", "size"))
    by_group = lines.groupby(key_g, sort=False, dropna=False).agg(**agg)
    stated_g = groups.groupby(key_g, sort=False, dropna=False)["amount"].sum(min_count=1).rename("stated")
    group_rows = by_group.join(stated_g, how="outer").reset_index()
    group_rows["n_lines"] = group_rows["n_lines"].fillna(0)
    group_rows["level"] = "group"

    def roll(keys, level):
        rolled = group_rows.groupby(keys, sort=False, dropna=False).agg(
            lines=("lines", lambda s: s.sum(min_count=1)),
            computed=("computed", lambda s: s.sum(min_count=1)),
            stated=("stated", lambda s: s.sum(min_count=1)),
            n_lines=("n_lines", "sum")).reset_index()
        rolled["level"] = level
        return rolled

    item_rows = roll([*base, "item"], "item")
    total_rows = roll(base, "total")
    total_rows["item"] = _SUM_LABEL

    out = pd.concat([group_rows, item_rows, total_rows], ignore_index=True)
    positions = order.drop_duplicates([*base, "item"])[[*base, "item", "_item_pos"]]
    out = out.merge(positions, on=[*base, "item"], how="left") \
        .merge(order[[*key_g, "_group_pos"]], on=key_g, how="left")
    out["_level_pos"] = out["level"].map({"group": 0, "item": 1, "total": 2})
    out.loc[out["level"] == "total", "_item_pos"] = np.inf
    out = out.sort_values([*base, "_item_pos", "_level_pos", "_group_pos"], kind="stable")
    out = out.reset_index(drop=True)
    for col in ("lines", "computed", "stated", "n_lines"):
        out[col] = out[col].astype("Int64")
    out["difference"] = out["stated"] - out["lines"]
    columns = [*base, "level", "item", "group", "lines", "computed", "stated", "difference", "n_lines"]
    out = out[columns]
    out["group"] = out["group"].astype("string")
    out["item"] = out["item"].astype("string")
    out["level"] = out["level"].astype("string")
    if budget is not None:
        _require(budget, ["program", "item", "year", "budget"], "cost_rollup(budget=…)")
        stated_budget = budget[["program", "item", "year", "budget"]].rename(
            columns={"budget": "budget_stated"})
        out = out.merge(stated_budget, on=["program", "item", "year"], how="left")
        out.loc[out["level"] == "group", "budget_stated"] = pd.NA
        out["budget_stated"] = out["budget_stated"].astype("Int64")
    return out


# --------------------------------------------------------------------------- plan steps

def step_status(steps: pd.DataFrame, as_of) -> pd.Series:
    """Where each plan step stands at ``as_of`` (the report's date), from its dates.

    Parameters
    ----------
    steps : frame with ``start``, ``end`` (months; ``end`` empty = open-ended, '16.5월~),
        ``kind`` (``done``: the source reports it done by its own date; ``plan``) and, where
        the source states the day, ``start_date`` and ``end_date``.
    as_of : the report's date; ``None``: the source's own word (``kind``).

    Returns
    -------
    Series of ``plan`` (not started: starts after ``as_of``), ``ongoing`` (started, not
    ended: ends at or after ``as_of``, or open-ended), ``done`` (a step the source reports
    done, ended before ``as_of``), ``lapsed`` (a planned step whose period ended before
    ``as_of``; the data holds no result). A step stated by month starts on the month's
    first day and ends on its last.
    """
    kind = steps["kind"].astype("string")
    if as_of is None or pd.isna(as_of):
        return kind.reset_index(drop=True).rename("status")
    when = pd.Timestamp(as_of).normalize()
    start = pd.to_datetime(steps["start"])
    end = pd.to_datetime(steps["end"]) + pd.offsets.MonthEnd(0)
    if "start_date" in steps:
        start = pd.to_datetime(steps["start_date"]).fillna(start)
    if "end_date" in steps:
        end = pd.to_datetime(steps["end_date"]).fillna(end)
    not_started = (start > when).fillna(False).to_numpy(dtype=bool)
    ended = (end < when).fillna(False).to_numpy(dtype=bool)
    done = (kind == "done").fillna(False).to_numpy(dtype=bool)
    status = np.select([not_started, ended & done, ended], ["plan", "done", "lapsed"], "ongoing")
    return pd.Series(status, dtype="string", name="status")
