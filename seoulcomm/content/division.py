"""The division report: one division's year — budget and execution (latest snapshot as the
headline, the path between snapshots), programs, pace and laggards, outcomes, staffing, the
plan and the reconciliation."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import labels, plot, units, views
from ..display import Headline, Notice, Table, figure, fmt_date, money_in
from ..labels import BOLD_LEVELS, INDENT_LEVELS, VALUE_LABELS
from . import outlook, shared
from .shared import Scope, iso, show, source_text  # noqa: F401  (show: the notebook's one import)

__all__ = ["prepare", "show", "headline", "summary", "trend", "detail", "pace", "projection", "outcomes",
           "staffing", "schedule", "audit", "footer", "mismatch_notes", "plan_text"]


def prepare(division: str, year, data_dir=None, *, threshold=None, red=None, amber=None) -> Scope:
    """The report's scope: the data loaded, ``division`` and ``year`` checked.

    Parameters
    ----------
    threshold : pace threshold [%p] every table and chart of the report uses.
    red, amber : signal thresholds [%] of the 연말 집행 전망 table (위험 / 주의 below them).
        ``None``: the reports' defaults (:class:`~seoulcomm.content.shared.Scope`'s).
    """
    return shared.open_scope("division", {"division": division, "year": year}, data_dir,
                             threshold=threshold, red=red, amber=amber)


def mismatch_notes(scope: Scope, unit: str | None = None, *, follows: str | None = None) -> list[str]:
    """A note for each unit whose budget the <부서별> table and the detail state differently,
    saying which figure the report follows."""
    ds, year = scope.ds, scope.year
    found = views.budget_mismatches(ds, year, unit)
    money = scope.money()
    notes = []
    for u, a, b in zip(found["unit"], found["budget_division"], found["budget_detail"]):
        gap = units.fmt_money(abs(int(a) - int(b)), money)
        rule = (f"이 보고서 예산: 세부내역 {units.fmt_money(b, money)}" if follows == "detail"
                else "표마다 출처 표의 값 사용")
        notes.append(
            f"{scope.names.get(u, u)} {int(year)}년 예산 {gap}{money} 차이: <부서별> 표 "
            f"{units.fmt_money(a, money)}, 예산편성 세부내역 {units.fmt_money(b, money)}({money}) — "
            + rule)
        # the note points to its row in this report's own 원문 검증
        ref = shared.verify_note(scope, ["budget_division"], "", items=[scope.names.get(u, u)])
        if ref:
            notes[-1] += " · " + ref.strip()
    return notes


def headline(scope: Scope) -> Headline:
    """Budget, execution, rate, balance and pace at the year's latest snapshot, and staff."""
    ds, year, division = scope.ds, scope.year, scope.unit
    totals = shared.totals(scope)
    mine = totals[((totals["unit"] == division) & (totals["year"] == int(year)))
                  .fillna(False).to_numpy(dtype=bool)]
    row = mine.iloc[0] if len(mine) else None
    money = scope.money()
    figures, date = [], None
    if row is not None:
        date = iso(row["as_of"])
        year_end = bool(row["settled"])
        when = labels.period(date, settled=bool(row["settlement"]))
        figures += shared.budget_cards(row, money, mismatch=views.budget_mismatches(ds, year, division),
                                     note=shared.version_note(scope, row))
        figures.append(figure("집행액", money_in(row["executed"], money), money, note=when))
        base = shared.rate_base(row)
        figures.append(figure("집행률", row["execution_rate"], "%", decimals=1,
                              note=f"집행액 ÷ {base}"))
        figures.append(figure("집행잔액", money_in(row["balance"], money), money,
                              note=f"{base} − 집행액"))
        if not year_end:
            figures.append(figure("연간 경과율", row["elapsed"], "%", decimals=1,
                                  note=f"{fmt_date(date)}까지"))
    summary, staff_date = views.staffing_summary(ds, year, division)
    if summary is not None:
        staff = summary[(summary["unit"] == division).to_numpy(dtype=bool)]
        if len(staff):
            staff = staff.iloc[0]
            figures.append(figure("현원", staff["current"], ds.unit("staffing"),
                                  note=f"정원 {int(staff['authorized'])}{ds.unit('staffing')} "
                                       f"({fmt_date(staff_date)})"))
    office = scope.names.get("office", "")
    sources = [shared.document_text(ds, row["source"])] if row is not None else []
    return Headline(f"{scope.name} {int(year)}년 예산·집행·성과", figures, date, sources,
                    f"{office} · 예산·집행·성과 보고서".strip(" ·"))


def summary(scope: Scope) -> list:
    """The division's budget and execution in each year up to the report's (each year at its
    latest snapshot), as a table and a chart."""
    ds, year, unit = scope.ds, scope.year, scope.unit
    totals = shared.totals(scope)
    rows = totals[(totals["unit"] == unit).fillna(False).to_numpy(dtype=bool)].copy()
    if rows.empty:
        return [Notice(f"{int(year)}년 {scope.name} 예산·집행 자료 없음")]
    rows["period"] = [labels.period_short(d, settled=bool(c))
                      for d, c in zip(rows["as_of"], rows["settlement"])]
    # the division table states 예산액 only: no 이월, no 예산현액 (its 집행률 is on 예산액)
    only_budget = (rows["table"] == "execution_division").to_numpy(dtype=bool)
    chart_rows = rows.copy()  # the chart draws the base of each year's rate (its legend says which)
    for col in ("carryover", "available"):
        rows[col] = rows[col].astype("Int64")
        rows.loc[only_budget, col] = pd.NA
    titles = {t: ds.catalog.titles.get(t, t) for t in ("budget_detail", "execution_division")}
    basis = "; ".join(f"{int(y)}년 「{titles.get(str(t), str(t))}」 {p}"
                      for y, t, p in zip(rows["year"], rows["table"], rows["period"]))
    notes = [f"원문 수치({basis})", "집행률: 세부내역 연도는 예산현액, 부서별 집행현황 연도는 "
             "예산액 기준(원문에 이월액·예산현액 없음)"]
    for y in rows["year"].dropna().unique():
        notes += mismatch_notes(Scope(ds, unit, int(y), scope.threshold), unit, follows="detail")
    money = scope.money("budget_detail")
    table = Table(rows, ["year", "period", "budget", "carryover", "available", "executed", "balance",
                         "execution_rate", "elapsed"],
                  sheet="연도별 예산·집행", title=f"{scope.name} 연도별 예산·집행",
                  unit=money, source=source_text(ds, rows["source"]), context="divisions",
                  notes=notes)
    chart = plot.budget_execution(chart_rows, name=scope.name, unit=money)
    return [table, chart] + shared.bridge(scope)


def trend(scope: Scope) -> list:
    """The division's and its programs' 집행률 at each as-of date of the year (nothing when
    the year has one)."""
    return shared.trend(scope) + shared.trend(scope, programs=True)


def detail(scope: Scope) -> Table | Notice:
    """The source's 예산편성 세부내역 for the division at the year's latest snapshot: policy →
    program, and 기본경비, with 편성, 이월, 현액, 집행, 잔액, 집행률."""
    ds, year, unit = scope.ds, scope.year, scope.unit
    rows = views.detail(ds, year, unit=unit, threshold=scope.threshold)
    if rows.empty:
        return Notice(f"{int(year)}년 사업별 예산편성 세부내역 없음 — 예산·집행은 1절의 부서 합계뿐임")
    level = rows["level"].astype(str)
    indent = level.map(INDENT_LEVELS).fillna(0).astype(int)
    classes = ("sc-indent" + indent.astype(str)).where(indent > 0, "")
    classes = classes + np.where(level.isin(list(BOLD_LEVELS)), " sc-bold", "")
    classes = classes + np.where(level.eq("policy"), " sc-sub", "")
    date = rows["as_of"].dropna().max()
    return Table(rows, ["name", "budget", "carryover", "available", "executed", "balance",
                        "execution_rate"],
                 sheet=ds.catalog.titles.get("budget_detail", "예산편성 세부내역"),
                 title=shared.detail_title(ds, year) + (
                     " (결산)" if all(views.settlement_flags(ds, rows["as_of"], rows["source"]))
                     else ""),
                 unit=scope.money(), as_of=iso(date),
                 source=source_text(ds, rows["source"], shared.detail_title(ds, year)),
                 row_class=classes.str.strip(),
                 notes=["원문 세부내역 그대로(부서 → 정책사업 → 단위사업 → 기본경비)"]
                 + [n for n in [shared.verify_note(scope, ["budget_detail"],
                                                   "구성 항목으로 다시 계산한 값과 다른 곳 있음.")] if n]
                 + shared.transfer_notes(scope))


def pace(scope: Scope) -> list:
    """Each line's 집행률 against its best reference — the office's plan, the year before on
    the same date, else the share of the year elapsed — (chart and table) and the lines more
    than the scope's threshold behind it (부진), at the latest snapshot."""
    ds, year, unit = scope.ds, scope.year, scope.unit
    rows = views.paced_lines(ds, year, unit=unit, threshold=scope.threshold, judged=shared.projected(scope))
    if rows.empty:
        return [Notice(f"{int(year)}년 사업별 집행 자료 없음 — 집행 속도·부진 사업 판단 불가")]
    money = scope.money()
    threshold = f"{scope.threshold:g}"
    date = rows["as_of"].dropna().max()
    chart = plot.pace(rows, year=year)
    shown = rows.copy()
    shown["pace_flag"] = shown["pace_flag"].map(VALUE_LABELS["pace_flag"])
    flag = np.where(rows["pace_flag"].eq("lagging").fillna(False), "sc-flag", "")
    elapsed = float(rows["elapsed"].iloc[0])
    source = source_text(ds, rows["source"], shared.detail_title(ds, year))
    headers = {"reference": ("기준", "text"), "reference_rate": ("기준 집행률(%)", "rate"),
               "pace_gap": ("기준 대비(%p)", "rate_change")}
    rule = (f"기준 대비 = 집행률(집행액 ÷ 예산현액) − 기준 집행률. 기준은 월별 집행계획(계획), 없으면 전년 같은 날 "
            f"집행률(전년), 없으면 연간 경과율(경과, {units.fmt_rate(elapsed)}). {threshold}%p 넘게 뒤처지면 "
            "‘부진’, 앞서면 ‘빠름’.")
    table = Table(shown, ["name", "available", "executed", "execution_rate", "reference", "reference_rate",
                          "pace_gap", "pace_flag"],
                  sheet="집행 속도", title=f"사업별 집행 속도 (연간 경과율 {units.fmt_rate(elapsed)})",
                  unit=money, as_of=iso(date), source=source, headers=headers, nowrap=["reference"],
                  row_class=pd.Series(flag, index=shown.index), notes=[rule])
    lagging = views.laggards(rows)
    if lagging.empty:
        late = Notice(f"기준 집행률보다 {threshold}%p 넘게 뒤처진 사업 없음")
    else:
        late = Table(lagging, ["name", "available", "executed", "balance", "execution_rate", "reference",
                               "reference_rate", "pace_gap"],
                     sheet="집행 부진 사업", title=f"집행 부진 사업 {len(lagging)}개 (집행잔액 큰 순)",
                     unit=money, as_of=iso(date), source=source, headers=headers, nowrap=["reference"],
                     notes=[f"집행률이 기준 집행률보다 {threshold}%p 넘게 낮은 사업. " + rule.split(". ", 1)[1]])
    return [chart, late, table]


def outcomes(scope: Scope) -> Table | Notice:
    return shared.outcomes(scope, division=scope.unit, year=scope.year)


def staffing(scope: Scope) -> Table | Notice:
    return shared.staffing(scope)


def schedule(scope: Scope) -> list:
    steps = views.schedule_steps(scope.ds, scope.year, scope.unit)
    return shared.schedule(scope, steps, year=scope.year,
                           as_of=views.latest(scope.ds, scope.year, unit=scope.unit))


#: The division's 원문 검증: the reconciliation notes of its scope.
audit = shared.audit_notes


def footer(scope: Scope):
    return shared.footer(scope)


def plan_text(scope: Scope):
    """The division's part III sections as the source arranges them (목적, 추진방향,
    추진실적, 추진계획 with dates), only in the year of the document that holds them."""
    return shared.plan_text(scope, scope.unit)


def projection(scope: Scope) -> list:
    """연말 집행 전망: the summary lines and the table (:mod:`seoulcomm.content.outlook`)."""
    return outlook.projection(scope)
