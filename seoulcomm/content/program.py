"""The program report: a program sheet (사업설명서) — overview, budget by item and year, cost
lines, settlements, outcomes, plan — and the program's execution in the detail of the
sheet's own year (latest snapshot), never another year's."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import calc, display, labels, plot, units, views
from ..display import Headline, Notice, Table, figure, fmt_date, money_in
from . import shared
from .shared import Scope, iso, show, source_text  # noqa: F401  (show: the notebook's one import)

__all__ = ["prepare", "show", "headline", "overview", "description", "budget", "costs", "settlement", "outcomes",
           "schedule", "audit", "footer", "plan_text"]


def prepare(program: str, data_dir=None, *, threshold=None) -> Scope:
    """The report's scope: the data loaded, ``program`` checked; the year is the sheet's own
    (the latest year of its budget table)."""
    scope = shared.open_scope("program", {"program": program}, data_dir, threshold=threshold)
    scope.year = views.program_year(scope.ds, scope.unit)
    return scope


def _money(scope: Scope) -> str:
    return scope.money("program_budget")


def headline(scope: Scope) -> Headline:
    """The sheet year's budget and change, that year's execution (latest snapshot of the
    detail), and the last settlement."""
    ds, program, year = scope.ds, scope.unit, scope.year
    info = views.program_info(ds, program)
    money = _money(scope)
    yoy = views.program_budget(ds, program)
    totals = yoy[(yoy["item"] == "계").fillna(False).to_numpy(dtype=bool)]
    latest = totals.sort_values("year").iloc[-1] if len(totals) else None
    figures, date = [], None
    if latest is not None:
        figures.append(figure(f"{int(latest['year'])}년 예산", money_in(latest["budget"], money), money))
        if not pd.isna(latest["change"]):
            prior = totals[(totals["year"] == latest["base_year"]).fillna(False).to_numpy(dtype=bool)]
            base = "" if prior.empty else (f" ({int(prior['year'].iloc[0])}년 "
                                           f"{units.fmt_money(prior['budget'].iloc[0], money)} 대비)")
            figures.append(figure("전년 대비", money_in(latest["change"], money), money, triangle=True,
                                  note=f"증감률 {units.fmt_rate(latest['change_rate'], triangle=True)}"
                                       f"{base}"))
    line = views.program_execution(ds, program, year, threshold=scope.threshold) \
        if year is not None else None
    if line is not None:
        date = iso(line["as_of"])
        dmoney = scope.money("budget_detail")
        note = (f"집행액 {units.fmt_money(line['executed'], dmoney)} ÷ 예산현액 "
                f"{units.fmt_money(line['available'], dmoney)}{dmoney}, "
                + labels.period(date, settled=line.get("settlement", False)))
        if not labels.year_end(date):
            note += f", 경과율 {units.fmt_rate(line['elapsed'])}"
        figures.append(figure(f"{int(year)}년 집행률", line["execution_rate"], "%", decimals=1, note=note))
    closed = views.program_settlements(ds, program)
    if len(closed):
        last = closed.iloc[-1]
        smoney = scope.money("settlement")
        figures.append(figure(f"{int(last['year'])}년 결산 집행률", last["execution_rate"], "%",
                              decimals=1,
                              note=f"집행액 {units.fmt_money(last['executed'], smoney)} ÷ 예산현액 "
                                   f"{units.fmt_money(last['available'], smoney)}{smoney}, "
                                   f"불용률 {units.fmt_rate(last['unspent_rate'])}"))
    division = scope.names.get(str(info["division"]), str(info["division"]))
    sources = list(dict.fromkeys(shared.document_text(ds, s) for s in
                                 [info["source"]] + ([line["source"]] if line is not None else [])))
    return Headline(f"{info['name_ko']}", figures, date, sources, f"{division} · 사업 보고서")


def overview(scope: Scope) -> list:
    """The sheet's 사업개요 as a two-column table, and its grounds and history."""
    ds, program = scope.ds, scope.unit
    info = views.program_info(ds, program)
    money = scope.money("program")
    period = f"{fmt_date(info['start'])} ~ {fmt_date(info['end'])}"
    total = f"{units.fmt_money(info['total_cost'], money)}{money}"
    city = "" if pd.isna(info["city"]) else f" (시비 {units.fmt_money(info['city'], money)}{money})"
    pairs = [
        ("사업명", info["name_ko"]),
        ("담당 부서", scope.names.get(str(info["division"]), str(info["division"]))),
        ("세부사업(예산서)", info["detail_program"]),
        ("사업기간", f"{period} ({info['cycle']})"),
        ("총사업비", total + city),
        ("사업형태", f"{info['mode']} · {info['status']} · {info['nature']}"),
        ("시행주체", info["executor"]),
    ]
    frame = pd.DataFrame({"item": [p[0] for p in pairs], "detail": [str(p[1]) for p in pairs]})
    out = [Table(frame, ["item", "detail"], sheet="사업 개요", title="사업 개요", unit="",
                 context="overview", source=source_text(ds, [info["source"]], "기본 현황"))]
    history = ds.rows("program_schedule", program=program, kind="history") \
        .sort_values("start", kind="stable")
    if history.empty:
        out.append(Notice("사업 근거·추진 경위 자료 없음"))
    else:
        out.append(Table(history, ["start", "step", "detail"], sheet="추진 경위",
                         title="사업 근거 및 추진 경위", unit="", context="history",
                         source=source_text(ds, history["source"], "사업설명")))
    return out


#: A part's heading as the sheet prints it, where it says more than the part's name.
PART_HEADINGS = {"중점추진사항": "중점추진사항(사업추진의 필요성)"}


def description(scope: Scope):
    """The sheet's own text — 사업목적, 사업근거, 사업내용, 추진경위, 중점추진사항,
    사업추진절차, 향후 기대효과 — as □ headings with their ○ and - items."""
    ds, program = scope.ds, scope.unit
    rows = views.program_text(ds, program)
    if rows.empty:
        return Notice("사업설명서 내용(사업목적·근거·기대효과 등) 자료 없음")
    items = []
    for part, lines in rows.groupby("part", sort=False):
        heading = PART_HEADINGS.get(str(part), str(part))
        items.append({"level": 0, "text": heading, "group": heading})
        items += [{"level": int(lv), "text": str(t), "group": heading}
                  for lv, t in zip(lines["level"], lines["text"])]
    return display.Outline("사업 설명", items, sheet="사업 설명",
                           source=source_text(ds, rows["source"], "사업 설명·사업효과"))


def budget(scope: Scope) -> list:
    """Budget by expense item and year with the change on the year before (table), and the
    budget by year with the settled years' execution (chart)."""
    ds, program = scope.ds, scope.unit
    rows = views.program_budget(ds, program)
    if rows.empty:
        return [Notice("사업 예산 자료 없음")]
    years = sorted(int(y) for y in rows["year"].dropna().unique())
    items = list(dict.fromkeys(rows["item"].astype(str)))
    out = pd.DataFrame({"item": items})
    columns = ["item"]
    for y in years:
        sel = rows[(rows["year"] == y).to_numpy(dtype=bool)].set_index("item")
        out[f"budget_{y}"] = [sel["budget"].get(i, pd.NA) for i in items]
        columns.append(f"budget_{y}")
    last = rows[(rows["year"] == years[-1]).to_numpy(dtype=bool)].set_index("item")
    out["change"] = [last["change"].get(i, pd.NA) for i in items]
    out["change_rate"] = [last["change_rate"].get(i, np.nan) for i in items]
    columns += ["change", "change_rate"]
    if "rate_stated" in last.columns and last["rate_stated"].notna().any():
        # the sheet's own 증감 (B−A) and (B−A)*100/A, beside the recomputed ones
        out["change_stated"] = [last["change_stated"].get(i, pd.NA) for i in items]
        out["rate_stated"] = [last["rate_stated"].get(i, np.nan) for i in items]
        columns += ["change_stated", "rate_stated"]
    classes = pd.Series(np.where(out["item"] == "계", "sc-bold", ""), index=out.index)
    money = _money(scope)
    table = Table(out, columns, sheet="예산 총괄", title="연도별 예산 (비목별)", unit=money,
                  context="program_budget", source=source_text(ds, rows["source"], "예산 총괄"),
                  row_class=classes,
                  notes=[f"증감·증감률: {years[-1]}년 전년 대비 재계산값"]
                  + [n for n in [shared.verify_note(scope, ["program_budget"],
                                                    "원문이 적은 증감률·합계와 다른 곳 있음.",
                                                    year=None)] if n])
    trend = calc.growth(views.program_budget_series(ds, program))
    chart = plot.program_trend(trend, views.program_settlements(ds, program), unit=money)
    return [table, chart]


def costs(scope: Scope) -> list:
    """The cost lines (산출근거): unit cost × quantity = amount, by item and group; and the
    groups as a chart."""
    ds, program = scope.ds, scope.unit
    lines, roll = views.cost_lines(ds, program)
    if roll.empty:
        return [Notice("세부 산출내역 자료 없음")]
    years = sorted(int(y) for y in roll["year"].dropna().unique())
    tables = [_cost_table(scope, lines, roll, year) for year in years]
    money = scope.money("program_costs")
    latest = roll[(roll["year"] == years[-1]).to_numpy(dtype=bool)]
    return tables + [plot.cost_groups(latest, unit=money)]


def _cost_table(scope: Scope, lines: pd.DataFrame, roll: pd.DataFrame, year: int) -> Table:
    """One sheet year's cost lines, with that year's 계 (each year apart)."""
    ds = scope.ds
    several = roll["year"].dropna().nunique() > 1
    records = []
    r = roll[(roll["year"] == year).to_numpy(dtype=bool)]
    for _, t in r[(r["level"] == "total").to_numpy(dtype=bool)].iterrows():
        records.append({"line": f"{year}년 계" if several else "계", "amount": t["stated"], "computed": t["computed"],
                        "_cls": "sc-bold"})
    for item in dict.fromkeys(r.loc[(r["level"] == "item").to_numpy(dtype=bool), "item"]):
        it = r[((r["level"] == "item") & (r["item"] == item)).to_numpy(dtype=bool)].iloc[0]
        records.append({"line": item, "amount": it["stated"], "computed": it["computed"],
                        "_cls": "sc-bold sc-sub"})
        groups = r[((r["level"] == "group") & (r["item"] == item)).to_numpy(dtype=bool)]
        for _, g in groups.iterrows():
            records.append({"line": f"○ {g['group']}", "amount": g["stated"],
                            "computed": g["computed"], "_cls": "sc-indent1 sc-bold"})
            sel = lines[((lines["item"] == item) & (lines["group"] == g["group"])
                         & (lines["year"] == year)).to_numpy(dtype=bool)]
            for _, ln in sel.iterrows():
                records.append({"line": f"- {ln['line']}", "unit_cost": ln["unit_cost"],
                                "quantity": ln["quantity"], "quantity_unit": ln["quantity_unit"],
                                "amount": ln["amount"], "computed": ln["computed"],
                                "_cls": "sc-indent2"})
    out = pd.DataFrame.from_records(records)
    for col in ("unit_cost", "quantity", "quantity_unit"):
        if col not in out.columns:
            out[col] = pd.NA
    money = scope.money("program_costs")
    unit_cost = ds.unit("program_costs", "unit_cost")
    mine = lines[(lines["year"] == year).to_numpy(dtype=bool)]
    return Table(out, ["line", "unit_cost", "quantity", "quantity_unit", "amount", "computed"],
                 sheet=f"산출내역 {year}" if several else "산출내역",
                 title=f"{year}년 세부 산출내역 (단가 × 수량)",
                 unit=money, context="costs", column_units={"unit_cost": unit_cost},
                 source=source_text(ds, mine["source"], "예산 요구내역 및 산출근거"),
                 row_class=out["_cls"],
                 notes=[f"단가×수량: 단가({unit_cost}) × 수량 재계산값({money}), 원문 금액과 대조"])


def settlement(scope: Scope) -> Table | Notice:
    """Settled years (결산) with execution and unspent rates."""
    ds = scope.ds
    rows = views.program_settlements(ds, scope.unit)
    if rows.empty:
        return Notice("결산 자료 없음")
    return Table(rows, ["year", "budget", "carried_in", "changed", "available", "executed",
                        "carried_out", "balance", "execution_rate", "unspent", "unspent_rate"],
                 sheet="결산", title=f"최근 {len(rows)}년 결산 현황", unit=scope.money("settlement"),
                 context="settlement", source=source_text(ds, rows["source"], "결산현황"),
                 notes=["불용률 = 불용액 ÷ 예산현액(재계산값)"])


def outcomes(scope: Scope) -> Table | Notice:
    info = views.program_info(scope.ds, scope.unit)
    return shared.outcomes(scope, section=str(info["section"]))


def schedule(scope: Scope) -> list:
    """Each sheet year's 추진일정 apart (next year's sheet appended beside this year's), with
    statuses at the report's date."""
    as_of = views.latest(scope.ds, scope.year) if scope.year is not None else None
    years = views.program_sheet_years(scope.ds, scope.unit)
    if len(years) < 2:
        return shared.schedule(scope, views.program_steps(scope.ds, scope.unit), as_of=as_of)
    out = []
    for year in years:
        steps = views.program_steps(scope.ds, scope.unit, year)
        if len(steps):
            out += shared.schedule(scope, steps, as_of=as_of)
    return out


def audit(scope: Scope) -> list:
    return shared.audit_notes(scope, year=None)


def footer(scope: Scope):
    # a program report spans its sheet's years: the footer is not cut at one year
    return shared.footer(Scope(scope.ds, scope.unit, None, scope.threshold))


def plan_text(scope: Scope):
    """The work report's part III text of the program's section (목적, 추진방향, 추진실적,
    추진계획 with dates), when the report's document is of the sheet's year."""
    info = views.program_info(scope.ds, scope.unit)
    if scope.year is None:
        return Notice("사업설명서 연도 자료 없음 — 주요업무 추진계획 대조 불가")
    return shared.plan_text(scope, section=str(info["section"]))
