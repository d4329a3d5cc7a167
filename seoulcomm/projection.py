"""Pace against the best reference, the year-end projection of 집행 and 불용, and the signal.

Every function here is pure (frames in, a new frame out, no file or parameter read), like
:mod:`seoulcomm.calc`. Amounts are exact integer 원; the arithmetic in between is done in
exact fractions, so a projection computed by hand from the rows comes out to the 원.

The reference a row's 집행률 is judged against (기준), best first:

- **계획** (a 월별 집행계획): planned(as-of) ÷ planned(12월) × 100, where planned(date) is the
  cumulative plan interpolated linearly by day between month ends, counting from 0 on
  1 January (after the plan's last month it stays flat);
- **전년** (the prior year): the prior year's 집행률 on the same date (2월 29일 → 2월 28일),
  interpolated linearly by day between that year's snapshots from 0 on 1 January; usable
  when the prior year has a snapshot on or after that date (its year end counts);
- **경과** (the calendar): the share of the year elapsed (:func:`seoulcomm.calc.year_elapsed`).

부진 = 집행률 more than ``threshold`` [%p] below the reference (the threshold of
:func:`seoulcomm.calc.pace`, :data:`seoulcomm.calc.PACE_THRESHOLD` by default).

The projection (전망 방법), for a year not yet settled:

- **계획**: projected 집행 = 집행 × planned(12월) ÷ planned(as-of), at most 예산현액; a plan
  that is 0 at the as-of date projects the larger of planned(12월) and 집행 (at most 예산현액);
- **전년 패턴**: projected rate = rate × prior year-end rate ÷ prior-year rate on the same
  date, at most 100 (needs the prior year's 12-31 snapshot and a rate above 0 on that date);
- **단순 경과**: projected rate = rate ÷ share of the year elapsed, at most 100.

A settled year (the snapshot is 12-31) shows its actual 불용 (예산현액 − 집행액 − 차년이월
where the rows state a ``carried_out``) and never a projection (method ``실적``).
Signal: 위험 below ``red``, 주의 below ``amber``, else 양호 (on the projected 집행률, or the
actual one of a settled year).
"""
from __future__ import annotations

import calendar
import datetime as dt
from fractions import Fraction

import numpy as np
import pandas as pd

from . import calc

__all__ = [
    "SIGNAL_RED", "SIGNAL_AMBER", "REFERENCES", "METHODS", "SETTLED_METHOD", "SIGNALS",
    "TARGET_STATES", "month_end", "planned_at", "schedule_plan", "rollup_plans",
    "prior_rate", "project", "target_status", "signal", "check_signals",
]

#: Projected 집행률 below this [%] is 위험 (red).
SIGNAL_RED = 85.0
#: Projected 집행률 below this [%] (and not below :data:`SIGNAL_RED`) is 주의 (amber).
SIGNAL_AMBER = 95.0
#: Kinds of reference (기준), best first.
REFERENCES = ("계획", "전년", "경과")
#: Projection methods (전망 방법), in the order they are tried.
METHODS = ("계획", "전년 패턴", "단순 경과")
#: The method word of a settled year: actual figures, no projection.
SETTLED_METHOD = "실적"
#: Signal words, worst first (a word as well as a colour: print, colour-blind readers).
SIGNALS = ("위험", "주의", "양호")
#: States of a target: reached / missed on its date, still open (목표까지 %p), no data yet.
TARGET_STATES = ("달성", "미달", "진행", "자료 없음")


# --------------------------------------------------------------------------- dates

def _date(value) -> dt.date:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"기준일은 날짜여야 합니다(예: 2016-04-08): {value!r}") from exc
    if pd.isna(stamp):
        raise ValueError(f"기준일이 비어 있습니다: {value!r}")
    return stamp.date()


def month_end(year: int, month: int) -> dt.date:
    """The last day of ``month`` (1–12) of ``year``."""
    return dt.date(int(year), int(month), calendar.monthrange(int(year), int(month))[1])


def _day(date: dt.date) -> int:
    """Days from 1 January of the date's year (1 January → 0)."""
    return (date - dt.date(date.year, 1, 1)).days


def _is_year_end(date: dt.date) -> bool:
    return (date.month, date.day) == (12, 31)


def _same_date(date: dt.date, year: int) -> dt.date:
    """The same month and day in ``year`` (29 February → 28 February)."""
    day = min(date.day, calendar.monthrange(year, date.month)[1])
    return dt.date(year, date.month, day)


def _interpolate(points: list[tuple[int, Fraction]], x: int) -> Fraction:
    """Linear interpolation through ``points`` (sorted by x, the first at x = 0), flat after
    the last point."""
    prev_x, prev_y = points[0]
    for px, py in points[1:]:
        if x <= px:
            if px == prev_x:
                return py
            return prev_y + (py - prev_y) * Fraction(x - prev_x, px - prev_x)
        prev_x, prev_y = px, py
    return prev_y


def _fraction(value) -> Fraction:
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (int, np.integer)):
        return Fraction(int(value))
    return Fraction(float(value)).limit_denominator(10**9) if not float(value).is_integer() \
        else Fraction(int(float(value)))


def _round_won(value: Fraction) -> int:
    """Round half up to a whole 원 (amounts here are never negative)."""
    return int((value * 2 + 1) // 2)


# --------------------------------------------------------------------------- plans

def _points(months: dict[int, Fraction], year: int) -> list[tuple[int, Fraction]]:
    pts = [(0, Fraction(0))]
    for m in sorted(months):
        pts.append((_day(month_end(year, m)), months[m]))
    return pts


def planned_at(months: dict, year: int, as_of) -> Fraction:
    """Cumulative planned 집행 at ``as_of`` [원], exact.

    Parameters
    ----------
    months : ``{month (1–12): cumulative planned 집행 at that month's end [원]}``; months
        left out are interpolated, months after the last one stay at its value.
    year : the plan's fiscal year.
    as_of : the date (in ``year``; a date after the year counts as 31 December).

    Examples
    --------
    A plan of 300 at the end of March and 600 at the end of June, on 2016-04-08
    (day 98; 31 March is day 90, 30 April day 120, 30 June day 181):
    300 + (600 − 300) × (98 − 90) ÷ (181 − 90) = 326.37…
    """
    date = _date(as_of)
    year = int(year)
    if date.year > year:
        date = dt.date(year, 12, 31)
    if date.year < year:
        return Fraction(0)
    clean = {int(m): _fraction(v) for m, v in months.items()}
    return _interpolate(_points(clean, year), _day(date))


def schedule_plan(steps: pd.DataFrame, year: int) -> dict[int, Fraction]:
    """A program sheet's 추진일정 as a cumulative monthly plan of ``year``.

    Parameters
    ----------
    steps : rows with ``start``, ``end`` (month dates; an empty end = the start month) and
        ``amount`` (예산집행금액 of the period) [원]; rows without an amount are ignored.
    year : the fiscal year.

    Returns
    -------
    dict
        ``{month: cumulative planned 집행 at month end}`` [원, exact] for every month 1–12, or
        an empty dict when no amount falls in ``year``. Each period's amount is spread evenly
        over its months (start to end, both included); only the months in ``year`` count.

    Examples
    --------
    사업시행 및 예산집행 2016-02 ~ 2016-12, 418,000 천원: 38,000 천원 a month from February,
    so 76,000 천원 at the end of March and 418,000 at the end of December.
    """
    monthly = {m: Fraction(0) for m in range(1, 13)}
    found = False
    for start, end, amount in zip(steps["start"], steps["end"], steps["amount"]):
        if pd.isna(start) or pd.isna(amount):
            continue
        first = pd.Timestamp(start)
        last = pd.Timestamp(end) if not pd.isna(end) else first
        if last < first:
            first, last = last, first
        span = (last.year - first.year) * 12 + (last.month - first.month) + 1
        share = Fraction(int(amount), span)
        for k in range(span):
            y, m = divmod(first.month - 1 + k, 12)
            if first.year + y == int(year):
                monthly[m + 1] += share
                found = True
    if not found:
        return {}
    out, total = {}, Fraction(0)
    for m in range(1, 13):
        total += monthly[m]
        out[m] = total
    return out


def rollup_plans(tree: pd.DataFrame, plans: dict, year: int, *,
                 skip_levels=("office_part",)) -> dict:
    """Plans of the lines that have none of their own: the sum of their children's, where
    every child has one (recursively).

    Parameters
    ----------
    tree : one statement's lines: ``line``, ``parent`` and ``level``.
    plans : ``{line: {month: cumulative planned [원]}}`` — the lines' own plans.
    year : the statement's fiscal year (month ends are counted in its days).
    skip_levels : levels that are not parts of their parent's sum (the office's 사업예산 /
        기본경비 rows split the same total another way).

    Returns
    -------
    dict
        ``plans`` with the rolled-up lines added. A parent's plan is the sum of its
        children's plan curves: at each month end any child names, the sum of every child's
        interpolated value (so the parent's curve is exactly the sum of the children's).
    """
    lines = [int(x) for x in tree["line"]]
    parents = {int(ln): (None if pd.isna(p) else int(p)) for ln, p in zip(tree["line"], tree["parent"])}
    levels = {int(ln): str(lv) for ln, lv in zip(tree["line"], tree["level"])}
    children: dict[int, list[int]] = {}
    for ln in lines:
        p = parents[ln]
        if p is not None and levels[ln] not in skip_levels:
            children.setdefault(p, []).append(ln)
    out = {int(k): dict(v) for k, v in plans.items()}
    year = int(year)

    def plan_of(ln: int, seen: frozenset):
        if ln in out:
            return out[ln]
        kids = children.get(ln)
        if not kids or ln in seen:
            return None
        got = [plan_of(k, seen | {ln}) for k in kids]
        if any(g is None for g in got):
            return None
        months = sorted({m for g in got for m in g})
        return {m: sum((_interpolate(_points(g, year), _day(month_end(year, m))) for g in got),
                       Fraction(0)) for m in months}

    for ln in lines:
        found = plan_of(ln, frozenset())
        if found is not None:
            out[ln] = found
    return out


# --------------------------------------------------------------------------- prior year

def prior_rate(path, as_of) -> dict | None:
    """The prior year's 집행률 on the same date, and its year-end rate.

    Parameters
    ----------
    path : the prior year's snapshots of one line or unit: ``as_of``, ``available`` and
        ``executed`` [원] (rows with nothing available are ignored).
    as_of : the current snapshot's date.

    Returns
    -------
    dict or None
        ``{"same_day": rate [%], "year_end": rate or None}`` (exact fractions), or ``None``
        when no snapshot falls on or after the same date of the prior year.

    Examples
    --------
    Prior year (2015) settled at 92.6 % on 12-31 only; on 2016-04-08 the same date is
    2015-04-08 (day 97 of a year whose 31 December is day 364): 92.6 × 97 ÷ 364.
    """
    date = _date(as_of)
    snaps = []
    for when, avail, spent in zip(path["as_of"], path["available"], path["executed"]):
        if pd.isna(when) or pd.isna(avail) or pd.isna(spent) or int(avail) == 0:
            continue
        snaps.append((_date(when), Fraction(int(spent) * 100, int(avail))))
    if not snaps:
        return None
    snaps.sort()
    year = snaps[0][0].year
    snaps = [s for s in snaps if s[0].year == year]
    same = _same_date(date, year)
    if snaps[-1][0] < same:
        return None
    pts = [(0, Fraction(0))] + [(_day(d), r) for d, r in snaps if _day(d) > 0]
    end = next((r for d, r in snaps if _is_year_end(d)), None)
    return {"same_day": _interpolate(pts, _day(same)), "year_end": end}


# --------------------------------------------------------------------------- signal

def signal(rate, *, red: float = SIGNAL_RED, amber: float = SIGNAL_AMBER):
    """The signal word of a year-end 집행률 [%]: 위험 below ``red``, 주의 below ``amber``,
    else 양호; ``None`` where the rate is missing."""
    if rate is None or pd.isna(rate):
        return None
    rate = float(rate)
    return SIGNALS[0] if rate < red else SIGNALS[1] if rate < amber else SIGNALS[2]


def check_signals(red, amber) -> None:
    """Refuse signal thresholds that are not 0 ≤ red ≤ amber ≤ 100 [%]."""
    for name, value in (("red", red), ("amber", amber)):
        if not isinstance(value, (int, float, np.integer, np.floating)) or not np.isfinite(value):
            raise ValueError(f"신호 기준 {name}은 수여야 합니다 [%]: {value!r}")
    if not 0 <= red <= amber <= 100:
        raise ValueError(f"신호 기준은 0 ≤ 위험({red:g}) ≤ 주의({amber:g}) ≤ 100 이어야 합니다 [%]")


# --------------------------------------------------------------------------- projection

_COLUMNS = ["available", "executed", "execution_rate", "reference", "reference_rate", "gap",
            "lagging", "pace_flag", "settled", "method", "projected_rate", "projected_executed", "unspent",
            "signal"]


def project(rows: pd.DataFrame, *, plans: dict | None = None, prior: dict | None = None,
            threshold: float = calc.PACE_THRESHOLD, red: float = SIGNAL_RED,
            amber: float = SIGNAL_AMBER) -> pd.DataFrame:
    """Reference, 부진 and the year-end projection of each row.

    Parameters
    ----------
    rows : one row per line or unit at one snapshot, with ``key`` (what ``plans`` and
        ``prior`` are keyed by), ``year``, ``as_of``, ``available`` (예산현액) and ``executed``
        (집행액) [원]; optionally ``carried_out`` (차년이월) [원], used for a settled year's 불용.
    plans : ``{key: {month: cumulative planned 집행 [원]}}`` of the rows that have a plan
        (see :func:`schedule_plan`, :func:`rollup_plans`).
    prior : ``{key: snapshots}`` — the prior year's snapshots of the row (``as_of``,
        ``available``, ``executed``: a frame, or a mapping of those columns' values), see
        :func:`prior_rate`.
    threshold : 부진 when 집행률 is more than this [%p] below the reference.
    red, amber : signal thresholds [%] (see :func:`signal`).

    Returns
    -------
    DataFrame
        A copy of ``rows`` (index kept) with ``available``, ``executed`` (``Int64``) and

        - ``execution_rate`` : executed ÷ available × 100 [%];
        - ``reference`` : 계획 / 전년 / 경과; ``reference_rate`` [%]; ``gap`` = rate −
          reference [%p]; ``lagging`` (부진, bool); ``pace_flag`` (``lagging`` / ``on_pace`` /
          ``ahead`` against the reference, as :func:`seoulcomm.calc.pace` against the calendar);
        - ``settled`` : the snapshot is 12-31 (bool);
        - ``method`` : 계획 / 전년 패턴 / 단순 경과, or 실적 when settled;
        - ``projected_rate`` [%] and ``projected_executed`` [원, ``Int64``]: missing when
          settled;
        - ``unspent`` [원, ``Int64``]: 예산현액 − projected 집행, or the actual 불용 when settled;
        - ``signal`` : 위험 / 주의 / 양호 (missing where nothing is available).

    Examples
    --------
    소셜미디어 (418 백만원, 133 집행) on 2016-04-08 with the program sheet's plan (38 백만원 a
    month from February): planned(4/8) = 76 + 38 × 8 ÷ 30 = 86.13…, planned(12월) = 418;
    reference 20.6 %, projected 133 × 418 ÷ 86.13… = 645.4 → at most 418: 100.0 %, 불용 0.
    """
    if threshold is None or not np.isfinite(float(threshold)) or float(threshold) < 0:
        raise ValueError(f"threshold는 0 이상의 수여야 합니다 [%p]: {threshold!r}")
    check_signals(red, amber)
    plans = plans or {}
    prior = prior or {}
    out = rows.copy()
    n = len(out)
    result = {c: [None] * n for c in _COLUMNS}
    carried = out["carried_out"] if "carried_out" in out.columns else pd.Series([pd.NA] * n, index=out.index)
    for i, (key, year, when, avail, spent, moved) in enumerate(zip(
            out["key"], out["year"], out["as_of"], out["available"], out["executed"], carried)):
        date = _date(when)
        year = int(year) if not pd.isna(year) else date.year
        avail = 0 if pd.isna(avail) else int(avail)
        spent = 0 if pd.isna(spent) else int(spent)
        rate = Fraction(spent * 100, avail) if avail > 0 else None
        settled = date.year > year or (date.year == year and _is_year_end(date))
        plan = plans.get(key)
        path = prior.get(key)
        before = prior_rate(path, date) if path is not None and len(path) else None
        elapsed = Fraction(100) if date.year > year else \
            Fraction(date.timetuple().tm_yday * 100, 366 if calendar.isleap(date.year) else 365)

        # reference (기준)
        if plan:
            p_now, p_end = planned_at(plan, year, date), planned_at(plan, year, dt.date(year, 12, 31))
            reference = "계획"
            ref_rate = p_now * 100 / p_end if p_end > 0 else None
        elif before is not None:
            reference, ref_rate = "전년", before["same_day"]
        else:
            reference, ref_rate = "경과", elapsed
        gap = (rate - ref_rate) if rate is not None and ref_rate is not None else None

        # projection (전망)
        projected = None
        if settled:
            method = SETTLED_METHOD
            unspent = avail - spent - (0 if pd.isna(moved) else int(moved))
            signal_rate = rate
            projected_rate = None
        else:
            if plan:
                method = "계획"
                if p_now > 0:
                    amount = Fraction(spent) * p_end / p_now
                else:
                    amount = max(p_end, Fraction(spent))
                projected = min(_round_won(amount), avail)
                projected_rate = Fraction(projected * 100, avail) if avail > 0 else None
            else:
                pattern = (before is not None and before["year_end"] is not None
                           and before["same_day"] > 0)
                if pattern:
                    method = "전년 패턴"
                    projected_rate = (rate * before["year_end"] / before["same_day"]
                                      if rate is not None else None)
                else:
                    method = "단순 경과"
                    projected_rate = rate * 100 / elapsed if rate is not None and elapsed > 0 else None
                if projected_rate is not None:
                    projected_rate = min(projected_rate, Fraction(100))
                    projected = _round_won(avail * projected_rate / 100)
            unspent = avail - projected if projected is not None else None
            signal_rate = projected_rate

        result["available"][i] = avail
        result["executed"][i] = spent
        result["execution_rate"][i] = float(rate) if rate is not None else np.nan
        result["reference"][i] = reference
        result["reference_rate"][i] = float(ref_rate) if ref_rate is not None else np.nan
        result["gap"][i] = float(gap) if gap is not None else np.nan
        limit = _fraction(float(threshold))
        result["lagging"][i] = bool(gap is not None and gap < -limit)
        result["pace_flag"][i] = (None if gap is None else calc.PACE_FLAGS[0] if gap < -limit
                                  else calc.PACE_FLAGS[2] if gap > limit else calc.PACE_FLAGS[1])
        result["settled"][i] = bool(settled)
        result["method"][i] = method
        result["projected_rate"][i] = float(projected_rate) if projected_rate is not None else np.nan
        result["projected_executed"][i] = projected
        result["unspent"][i] = unspent
        result["signal"][i] = signal(float(signal_rate) if signal_rate is not None else None,
                                     red=red, amber=amber)
    for col in ("available", "executed", "projected_executed", "unspent"):
        out[col] = pd.array(result[col], dtype="Int64")
    for col in ("execution_rate", "reference_rate", "gap", "projected_rate"):
        out[col] = np.array(result[col], dtype="float64")
    for col in ("reference", "method", "signal", "pace_flag"):
        out[col] = pd.array(result[col], dtype="string")
    for col in ("lagging", "settled"):
        out[col] = np.array(result[col], dtype=bool)
    return out


# --------------------------------------------------------------------------- targets

def target_status(path: pd.DataFrame, targets: pd.DataFrame) -> pd.DataFrame:
    """Each target beside the 집행률 at the latest snapshot on or before its date.

    Parameters
    ----------
    path : one scope's snapshots: ``as_of``, ``available``, ``executed`` [원].
    targets : that scope's targets: ``as_of`` (the target date), ``target_rate`` [%] and
        any other columns (kept).

    Returns
    -------
    DataFrame
        A copy of ``targets`` (fresh index, by date) with ``rate`` [%], ``rate_as_of`` (the
        snapshot used), ``status`` — 달성 / 미달 when a snapshot falls on the target date
        (rate ≥ target is 달성), 진행 when the latest is earlier, 자료 없음 when there is none
        — and ``gap`` = target − rate [%p] (목표까지; negative once passed).

    Examples
    --------
    Target 58.6 % on 2016-06-30, the office at 22.3 % on 2016-04-08 (9,401 ÷ 42,170):
    진행, 목표까지 58.6 − 22.29… = 36.3 %p.
    """
    snaps = []
    for when, avail, spent in zip(path["as_of"], path["available"], path["executed"]):
        if pd.isna(when) or pd.isna(avail) or pd.isna(spent) or int(avail) == 0:
            continue
        snaps.append((_date(when), Fraction(int(spent) * 100, int(avail))))
    snaps.sort()
    out = targets.sort_values("as_of", kind="stable").reset_index(drop=True).copy()
    rate, rate_as_of, status, gap = [], [], [], []
    for when, target in zip(out["as_of"], out["target_rate"]):
        date = _date(when)
        before = [s for s in snaps if s[0] <= date]
        if not before:
            rate.append(np.nan)
            rate_as_of.append(pd.NaT)
            status.append(TARGET_STATES[3])
            gap.append(np.nan)
            continue
        on, value = before[-1]
        goal = _fraction(target)
        rate.append(float(value))
        rate_as_of.append(pd.Timestamp(on))
        gap.append(float(goal - value))
        if on == date:
            status.append(TARGET_STATES[0] if value >= goal else TARGET_STATES[1])
        else:
            status.append(TARGET_STATES[2])
    out["rate"] = np.array(rate, dtype="float64")
    out["rate_as_of"] = pd.to_datetime(pd.Series(rate_as_of, dtype="datetime64[ns]")).to_numpy()
    out["status"] = pd.array(status, dtype="string")
    out["gap"] = np.array(gap, dtype="float64")
    return out
