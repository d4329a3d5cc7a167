"""Reconciliation audit: every total, subtotal, share, change and rate the sources state,
recomputed from its parts (within a table and across tables that report the same thing).

Each check is one row of :func:`reconcile`'s frame, with the amounts in the source's own
unit (백만원, 천원, 명, %) and a verdict:

``exact``
    the stated figure is what the parts give, at the source's precision.
``truncation``
    the source cut digits instead of rounding: a rate equals the computed one truncated, or one
    quantity printed in two tables differs by one unit (two roundings of the same number
    cannot disagree, so one of them was cut).
``rounding``
    the difference is within what rounding the parts to the source's unit can explain
    (each part off by at most half a unit).
``discrepancy``
    anything else.

All checks are built with frame operations (merges, group sums), never a loop per row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import units

COLUMNS = ["table", "item", "check", "stated", "computed", "difference", "verdict", "source",
           "scope", "unit", "year", "program"]
VERDICTS = ["exact", "rounding", "truncation", "discrepancy"]

# the detail table's office-level parts and the levels they total
_OFFICE_PARTS = {"사업예산": "policy", "기본경비(행정운영경비)": "basic"}
_DETAIL_AMOUNTS = {"budget": "예산편성액", "carryover": "전년도 이월액", "available": "예산현액",
                   "executed": "집행액", "balance": "집행잔액"}


def _frame(table, item, check, stated, computed, source, scope, unit, *, kind, tol=0.0, dp=0):
    """Assemble check rows; scalars broadcast against the Series arguments."""
    out = pd.DataFrame({
        "table": table, "item": item, "check": check,
        "stated": pd.to_numeric(stated).astype(float), "computed": pd.to_numeric(computed).astype(float),
        "source": source, "scope": scope, "unit": unit, "kind": kind, "tol": tol, "dp": dp,
    })
    return out.dropna(subset=["stated", "computed"])


def _in_unit(won: pd.Series, unit: str) -> pd.Series:
    return won.astype("float64") / units.factor(unit)


def _sum_tolerance(parts: pd.Series | int) -> pd.Series | float:
    """Largest gap rounding can explain between a stated total and n rounded parts [unit]."""
    return np.floor(0.5 * (np.asarray(parts, dtype=float) + 1))


def _rate_tolerance(num, den, num_err, den_err, dp):
    """Half-width of the rates the rounded parts allow, plus the stated rate's own rounding [%p]."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    rate = num / den * 100
    with np.errstate(divide="ignore", invalid="ignore"):
        combos = [(num + a * num_err) / (den + b * den_err) * 100 for a in (-1, 1) for b in (-1, 1)]
    spread = np.nanmax(np.abs(np.array(combos) - rate), axis=0)
    return spread + 0.5 * 10.0 ** -np.asarray(dp, float)


def classify(frame: pd.DataFrame) -> pd.Series:
    """Verdict per check row (columns stated, computed, kind, tol, dp), vectorised."""
    stated, computed = frame["stated"].to_numpy(float), frame["computed"].to_numpy(float)
    dp = frame["dp"].to_numpy(int)
    scale = 10.0 ** dp
    nudge = 1e-9
    rounded = np.sign(computed) * np.floor(np.abs(computed) * scale + 0.5 + nudge) / scale
    truncated = np.sign(computed) * np.floor(np.abs(computed) * scale + nudge) / scale
    diff = stated - computed
    exact = np.isclose(stated, rounded, rtol=0, atol=1e-9)
    same = frame["kind"].to_numpy() == "same"
    truncation = ~exact & (np.isclose(stated, truncated, rtol=0, atol=1e-9)
                           | (same & np.isclose(np.abs(diff), 1 / scale, rtol=0, atol=1e-9)))
    rounding = ~exact & ~truncation & ~same & (np.abs(diff) <= frame["tol"].to_numpy(float) + 1e-9)
    verdict = np.select([exact, truncation, rounding], ["exact", "truncation", "rounding"],
                        "discrepancy")
    return pd.Series(verdict, index=frame.index)


# --- checks within the 2016 detail table ------------------------------------------------------

def _detail_rows(ds) -> list[pd.DataFrame]:
    detail, unit = ds["budget_detail"], ds.unit("budget_detail")
    for col in _DETAIL_AMOUNTS:
        detail[col] = _in_unit(detail[col], unit)
    item = detail["name"] + " (" + detail["year"].astype(str) + ")"
    src = detail["source"]
    out = [
        _frame("budget_detail", item, "예산편성액(A)+전년도 이월액(B)=예산현액", detail["available"],
               detail["budget"] + detail["carryover"], src, detail["unit"], unit, kind="sum",
               tol=_sum_tolerance(2)),
        _frame("budget_detail", item, "예산현액−집행액=집행잔액", detail["balance"],
               detail["available"] - detail["executed"], src, detail["unit"], unit, kind="sum",
               tol=_sum_tolerance(2)),
        _frame("budget_detail", item, "집행률=집행액/예산현액", detail["rate_stated"],
               detail["executed"] / detail["available"] * 100, src, detail["unit"], "%", kind="rate",
               dp=detail["rate_stated_dp"],
               tol=_rate_tolerance(detail["executed"], detail["available"], 0.5, 1.0,
                                   detail["rate_stated_dp"])),
    ]
    # children → parent totals; the office line splits into divisions and into its two parts
    child = detail.dropna(subset=["parent"]).copy()
    child["group"] = np.where(child["level"] == "office_part", "office_part", "lines")
    parts = detail[detail["level"] == "office_part"].copy()
    by_level = detail[detail["level"].isin(set(_OFFICE_PARTS.values()))]
    level_sums = by_level.groupby(["year", "level"])[list(_DETAIL_AMOUNTS)].agg(["sum", "size"])
    for col, label in _DETAIL_AMOUNTS.items():
        sums = child.groupby(["year", "parent", "group"])[col].agg(["sum", "size"]).reset_index()
        merged = sums.merge(detail, left_on=["year", "parent"], right_on=["year", "line"])
        what = np.where(merged["group"] == "office_part", "사업예산+기본경비", "하위 항목 합계")
        out.append(_frame("budget_detail", merged["name"] + " (" + merged["year"].astype(str) + ")",
                          pd.Series(what) + f"={label}", merged[col], merged["sum"],
                          merged["source"], merged["unit"], unit, kind="sum",
                          tol=_sum_tolerance(merged["size"])))
        parts["level_of"] = parts["name"].map(_OFFICE_PARTS)
        lv = level_sums[col].reset_index().rename(columns={"level": "level_of"})
        merged = parts.merge(lv, on=["year", "level_of"])
        out.append(_frame("budget_detail", merged["name"] + " (" + merged["year"].astype(str) + ")",
                          f"부서별 {label} 합계", merged[col], merged["sum"], merged["source"],
                          "office", unit, kind="sum", tol=_sum_tolerance(merged["size"])))
    return out


# --- the summary tables of part I --------------------------------------------------------------

def _division_tables(ds) -> list[pd.DataFrame]:
    out = []
    org = ds["organisation"].set_index("unit")["name_ko"]
    bd, unit = ds["budget_division"], ds.unit("budget_division")
    bd["amount"] = _in_unit(bd["budget"], unit)
    totals = bd[bd["unit"] == "office"][["year", "amount", "share_stated"]]
    divs = bd[bd["unit"] != "office"]
    agg = divs.groupby("year").agg(sum_=("amount", "sum"), n=("amount", "size"),
                                   shares=("share_stated", "sum")).reset_index()
    m = agg.merge(totals, on="year").merge(bd[bd["unit"] == "office"][["year", "source"]], on="year")
    out.append(_frame("budget_division", "부서별 예산 계 (" + m["year"].astype(str) + ")",
                      "부서 합계=계", m["amount"], m["sum_"], m["source"], "office", unit, kind="sum",
                      tol=_sum_tolerance(m["n"])))
    out.append(_frame("budget_division", "부서별 비율 계 (" + m["year"].astype(str) + ")",
                      "부서 비율 합계=100%", m["share_stated"], m["shares"], m["source"], "office", "%",
                      kind="sum", tol=0.05 * m["n"], dp=1))
    m = divs.merge(totals.rename(columns={"amount": "total"})[["year", "total"]], on="year")
    out.append(_frame("budget_division", m["unit"].map(org) + " (" + m["year"].astype(str) + ")",
                      "비율=부서 예산/계", m["share_stated"], m["amount"] / m["total"] * 100,
                      m["source"], m["unit"], "%", kind="rate", dp=m["share_stated_dp"],
                      tol=_rate_tolerance(m["amount"], m["total"], 0.5, 0.5, m["share_stated_dp"])))

    comp, unit = ds["budget_composition"], ds.unit("budget_composition")
    comp["amount"] = _in_unit(comp["budget"], unit)
    comp["change"] = _in_unit(comp["change_stated"], unit)
    total = comp[comp["category"] == "계"][["year", "amount", "share_stated", "source"]]
    parts = comp[comp["category"] != "계"].groupby("year").agg(
        sum_=("amount", "sum"), n=("amount", "size"), shares=("share_stated", "sum")).reset_index()
    m = parts.merge(total, on="year")
    out.append(_frame("budget_composition", "구성별 예산 계 (" + m["year"].astype(str) + ")",
                      "사업비+기본경비=계", m["amount"], m["sum_"], m["source"], "office", unit,
                      kind="sum", tol=_sum_tolerance(m["n"])))
    out.append(_frame("budget_composition", "구성별 비중 계 (" + m["year"].astype(str) + ")",
                      "비중 합계=100%", m["share_stated"], m["shares"], m["source"], "office", "%",
                      kind="sum", tol=0.05 * m["n"], dp=0))
    m = comp.merge(total.rename(columns={"amount": "total"})[["year", "total"]], on="year")
    m = m[m["category"] != "계"]
    label = m["category"] + " (" + m["year"].astype(str) + ")"
    out.append(_frame("budget_composition", label, "비중=항목/계", m["share_stated"],
                      m["amount"] / m["total"] * 100, m["source"], "office", "%", kind="rate",
                      dp=m["share_stated_dp"],
                      tol=_rate_tolerance(m["amount"], m["total"], 0.5, 0.5, m["share_stated_dp"])))
    prev = comp[["year", "category", "amount"]].assign(year=comp["year"] + 1)
    m = comp.merge(prev, on=["year", "category"], suffixes=("", "_prev"))
    label = m["category"] + " (" + (m["year"] - 1).astype(str) + "→" + m["year"].astype(str) + ")"
    out.append(_frame("budget_composition", label, "증감=올해−전년", m["change"],
                      m["amount"] - m["amount_prev"], m["source"], "office", unit, kind="sum",
                      tol=_sum_tolerance(2)))
    out.append(_frame("budget_composition", label, "증감률=증감/전년", m["rate_stated"],
                      (m["amount"] - m["amount_prev"]) / m["amount_prev"] * 100, m["source"],
                      "office", "%", kind="rate", dp=m["rate_stated_dp"],
                      tol=_rate_tolerance(m["amount"] - m["amount_prev"], m["amount_prev"], 1.0,
                                          0.5, m["rate_stated_dp"])))

    ex, unit = ds["execution_division"], ds.unit("execution_division")
    for col in ("budget", "executed", "balance"):
        ex[col] = _in_unit(ex[col], unit)
    label = ex["unit"].map(org) + " (" + ex["year"].astype(str) + ")"
    out.append(_frame("execution_division", label, "예산액−집행액=집행잔액", ex["balance"],
                      ex["budget"] - ex["executed"], ex["source"], ex["unit"], unit, kind="sum",
                      tol=_sum_tolerance(2)))
    out.append(_frame("execution_division", label, "집행률=집행액/예산액", ex["rate_stated"],
                      ex["executed"] / ex["budget"] * 100, ex["source"], ex["unit"], "%", kind="rate",
                      dp=ex["rate_stated_dp"],
                      tol=_rate_tolerance(ex["executed"], ex["budget"], 0.5, 0.5, ex["rate_stated_dp"])))
    divs = ex[ex["unit"] != "office"].groupby("year")
    tot = ex[ex["unit"] == "office"].set_index("year")
    for col, name in (("budget", "예산액"), ("executed", "집행액"), ("balance", "집행잔액")):
        s = divs[col].agg(["sum", "size"]).join(tot[[col, "source"]], how="inner").reset_index()
        out.append(_frame("execution_division", f"{name} 계 (" + s["year"].astype(str) + ")",
                          f"부서 합계=계 {name}", s[col], s["sum"], s["source"], "office", unit,
                          kind="sum", tol=_sum_tolerance(s["size"])))
    return out


def _same(table, item, check, stated, other, source, scope, unit):
    """The same quantity as two tables print it, both in ``unit``."""
    return _frame(table, item, check, stated, other, source, scope, unit, kind="same")


def _across_tables(ds) -> list[pd.DataFrame]:
    out = []
    org = ds["organisation"].set_index("unit")["name_ko"]
    detail, dunit = ds["budget_detail"], ds.unit("budget_detail")
    heads = detail[detail["level"].isin(["office", "division"])]
    bd, unit = ds["budget_division"], ds.unit("budget_division")
    m = bd.merge(heads[["year", "unit", "budget"]], on=["year", "unit"], suffixes=("", "_detail"))
    out.append(_same("budget_division", m["unit"].map(org) + " 예산 (" + m["year"].astype(str) + ")",
                     "부서별 표 = 세부내역 표", _in_unit(m["budget"], unit),
                     _in_unit(m["budget_detail"], unit), m["source"], m["unit"], unit))
    comp, cunit = ds["budget_composition"], ds.unit("budget_composition")
    detail_cat = detail[detail["level"].isin(["office", "office_part"])].assign(
        category=lambda f: f["level"].where(f["level"] == "office", f["name"]).map(
            {"office": "계", "사업예산": "사업비", "기본경비(행정운영경비)": "기본경비"}))
    m = comp.merge(detail_cat[["year", "category", "budget"]], on=["year", "category"],
                   suffixes=("", "_detail"))
    out.append(_same("budget_composition", m["category"] + " (" + m["year"].astype(str) + ")",
                     "구성별 표 = 세부내역 표", _in_unit(m["budget"], cunit),
                     _in_unit(m["budget_detail"], cunit), m["source"], "office", cunit))
    ex = ds["execution_division"]
    m = comp[comp["category"] == "계"].merge(ex[ex["unit"] == "office"][["year", "budget"]],
                                            on="year", suffixes=("", "_exec"))
    out.append(_same("budget_composition", "계 (" + m["year"].astype(str) + ")",
                     "구성별 표 = 집행현황 표", _in_unit(m["budget"], cunit),
                     _in_unit(m["budget_exec"], cunit), m["source"], "office", cunit))
    m = bd[bd["unit"] == "office"].merge(comp[comp["category"] == "계"][["year", "budget"]],
                                         on="year", suffixes=("", "_comp"))
    out.append(_same("budget_division", "계 (" + m["year"].astype(str) + ")",
                     "부서별 표 = 구성별 표", _in_unit(m["budget"], unit),
                     _in_unit(m["budget_comp"], unit), m["source"], "office", unit))

    # the stated shares of the largest programs, against the detail table's 예산편성액
    shares = ds["program_shares"]
    programs = detail[detail["level"] == "program"][["year", "name", "unit", "budget"]]
    total = detail[detail["level"] == "office"][["year", "budget"]].rename(columns={"budget": "total"})
    m = shares.merge(programs, left_on=["year", "program"], right_on=["year", "name"]).merge(total, on="year")
    num, den = _in_unit(m["budget"], dunit), _in_unit(m["total"], dunit)
    out.append(_frame("program_shares", m["program"] + " (" + m["year"].astype(str) + ")",
                      "비중=사업 예산편성액/기획관 예산", m["share_stated"], num / den * 100,
                      m["source"], m["unit"], "%", kind="rate", dp=m["share_stated_dp"],
                      tol=_rate_tolerance(num, den, 0.5, 0.5, m["share_stated_dp"])))

    # part III 사업비 against the detail programs it names
    sections, sunit = ds["sections"], ds.unit("sections")
    linked = sections.dropna(subset=["detail_programs"]).assign(
        name=lambda f: f["detail_programs"].str.split(";")).explode("name")
    year = int(detail["year"].max())
    lines = detail.loc[(detail["level"] == "program") & (detail["year"] == year),
                       ["name", "budget", "available"]]
    linked = linked.merge(lines, on="name")
    linked["amount"] = np.where(linked["budget_basis"] == "available", linked["available"],
                                linked["budget"])
    g = linked.groupby("section").agg(amount=("amount", "sum"), n=("name", "size")).reset_index()
    m = sections.merge(g, on="section")
    basis = np.where(m["budget_basis"] == "available", "예산현액", "예산편성액")
    check = pd.Series("Ⅲ 사업비 = 세부내역 ", index=m.index) + basis + np.where(m["n"] > 1, " 합계", "")
    m["stated_u"] = _in_unit(m["budget_stated"], sunit)
    m["other_u"] = _in_unit(m["amount"].astype("int64"), sunit)
    single = m["n"] == 1
    m["title"] = m["title"] + f" ({year})"
    out.append(_same("sections", m.loc[single, "section"] + " " + m.loc[single, "title"],
                     check[single], m.loc[single, "stated_u"], m.loc[single, "other_u"],
                     m.loc[single, "source"], m.loc[single, "division"], sunit))
    out.append(_frame("sections", m.loc[~single, "section"] + " " + m.loc[~single, "title"],
                      check[~single], m.loc[~single, "stated_u"], m.loc[~single, "other_u"],
                      m.loc[~single, "source"], m.loc[~single, "division"], sunit, kind="sum",
                      tol=_sum_tolerance(m.loc[~single, "n"])))

    # the program sheet against the work report and against itself
    prog, punit = ds["program"], ds.unit("program")
    pb, pbunit = ds["program_budget"], ds.unit("program_budget")
    totals = pb[pb["item"] == "계"]
    m = prog.merge(totals, on="program", suffixes=("", "_pb"))
    m = m[m["year"] == m["start"].dt.year]
    out.append(_same("program", m["name_ko"] + " 총사업비 (" + m["year"].astype(str) + ")", "사업개요 = 예산총괄",
                     _in_unit(m["total_cost"], punit), _in_unit(m["budget"], punit), m["source"],
                     m["program"], punit))
    m = totals.merge(prog[["program", "detail_program"]], on="program").merge(
        detail[["year", "name", "budget", "source"]], left_on=["year", "detail_program"],
        right_on=["year", "name"], suffixes=("", "_detail"))
    out.append(_same("budget_detail", m["detail_program"] + " (" + m["year"].astype(str) + ")",
                     "세부내역 예산편성액 = 사업설명서 예산", _in_unit(m["budget_detail"], dunit),
                     _in_unit(m["budget"], dunit), m["source_detail"], m["program"], dunit))
    st, stunit = ds["settlement"], ds.unit("settlement")
    m = st.merge(totals, on=["program", "year"], suffixes=("", "_pb"))
    out.append(_same("settlement", "당초예산 (" + m["year"].astype(str) + ")",
                     "결산 당초예산 = 예산총괄", _in_unit(m["budget"], stunit),
                     _in_unit(m["budget_pb"], stunit), m["source"], m["program"], stunit))
    sched, schunit = ds["program_schedule"], ds.unit("program_schedule")
    tot = sched[sched["kind"] == "total"]
    steps = sched[sched["kind"] == "plan"].groupby("program")["amount"].agg(["sum", "count"])
    m = tot.merge(steps.reset_index(), on="program").merge(
        totals[totals["year"] == totals["year"].max()][["program", "year", "budget"]], on="program")
    label = "추진일정 계 (" + m["year"].astype(str) + ")"
    out.append(_frame("program_schedule", label, "단계별 예산집행금액 합계=계",
                      _in_unit(m["amount"], schunit), _in_unit(m["sum"], schunit), m["source"],
                      m["program"], schunit, kind="sum", tol=_sum_tolerance(m["count"])))
    out.append(_same("program_schedule", label, "추진일정 계 = 예산총괄",
                     _in_unit(m["amount"], schunit), _in_unit(m["budget"], schunit), m["source"],
                     m["program"], schunit))
    return out


def _program_sheet(ds) -> list[pd.DataFrame]:
    out = []
    pb, unit = ds["program_budget"], ds.unit("program_budget")
    pb["amount"] = _in_unit(pb["budget"], unit)
    pb["change"] = _in_unit(pb["change_stated"], unit)
    items = pb[pb["item"] != "계"].groupby(["program", "year"])["amount"].agg(["sum", "size"]).reset_index()
    m = items.merge(pb[pb["item"] == "계"], on=["program", "year"])
    out.append(_frame("program_budget", "예산 총괄 계 (" + m["year"].astype(str) + ")",
                      "비목 합계=계", m["amount"], m["sum"], m["source"], m["program"], unit,
                      kind="sum", tol=_sum_tolerance(m["size"])))
    prev = pb[["program", "item", "year", "amount"]].assign(year=pb["year"] + 1)
    m = pb.merge(prev, on=["program", "item", "year"], suffixes=("", "_prev"))
    m = m[m["change"].notna() | m["rate_stated"].notna()]
    label = m["item"] + " (" + (m["year"] - 1).astype(str) + "→" + m["year"].astype(str) + ")"
    out.append(_frame("program_budget", label, "증감(B−A)", m["change"], m["amount"] - m["amount_prev"],
                      m["source"], m["program"], unit, kind="sum", tol=0))
    out.append(_frame("program_budget", label, "(B−A)*100/A", m["rate_stated"],
                      (m["amount"] - m["amount_prev"]) / m["amount_prev"] * 100, m["source"],
                      m["program"], "%", kind="rate", dp=m["rate_stated_dp"],
                      tol=0.5 * 10.0 ** -m["rate_stated_dp"]))

    costs, unit = ds["program_costs"], ds.unit("program_costs")
    lines = costs[costs["level"] == "line"].copy()
    lines["amount_u"] = _in_unit(lines["amount"], unit)
    lines["product"] = _in_unit(lines["unit_cost"] * lines["quantity"], unit)
    out.append(_frame("program_costs", lines["line"] + " (" + lines["year"].astype(str) + ")",
                      "단가×수량=금액", lines["amount_u"],
                      lines["product"], lines["source"], lines["program"], unit, kind="sum", tol=0))
    groups = costs[costs["level"] == "group"].copy()
    sums = lines.groupby(["program", "year", "item", "group"])["amount_u"].agg(["sum", "size"]).reset_index()
    m = groups.merge(sums, on=["program", "year", "item", "group"])
    out.append(_frame("program_costs", m["group"] + " (" + m["year"].astype(str) + ")",
                      "세부 산출 합계=소계", _in_unit(m["amount"], unit),
                      m["sum"], m["source"], m["program"], unit, kind="sum", tol=0))
    by_item = groups.groupby(["program", "year", "item"])["amount"].agg(["sum", "size"]).reset_index()
    m = by_item.merge(pb, on=["program", "year", "item"], suffixes=("", "_pb"))
    out.append(_frame("program_costs", m["item"] + " (" + m["year"].astype(str) + ")",
                      "산출내역 합계=예산총괄 비목", _in_unit(m["budget"], unit),
                      _in_unit(m["sum"], unit), m["source"], m["program"], unit, kind="sum", tol=0))

    st, unit = ds["settlement"], ds.unit("settlement")
    for col in ("budget", "carried_in", "changed", "available", "executed", "carried_out", "balance"):
        st[col] = _in_unit(st[col], unit)
    label = "결산 (" + st["year"].astype(str) + ")"
    out.append(_frame("settlement", label, "당초예산+전년이월+예산변경=예산현액", st["available"],
                      st["budget"] + st["carried_in"] + st["changed"], st["source"], st["program"],
                      unit, kind="sum", tol=_sum_tolerance(3)))
    out.append(_frame("settlement", label, "예산현액−집행액−차년이월=집행잔액", st["balance"],
                      st["available"] - st["executed"] - st["carried_out"], st["source"],
                      st["program"], unit, kind="sum", tol=_sum_tolerance(3)))
    return out


def _staffing(ds) -> list[pd.DataFrame]:
    out = []
    org = ds["organisation"].set_index("unit")["name_ko"]
    staff = ds["staffing"]
    total_mask = staff["job_group"] == "총계"
    for col, name in (("authorized", "정원"), ("current", "현원")):
        parts = staff[~total_mask].groupby(["as_of", "unit"])[col].agg(["sum", "size"]).reset_index()
        m = parts.merge(staff[total_mask], on=["as_of", "unit"])
        out.append(_frame("staffing", m["unit"].map(org) + f" {name} (" + m["as_of"].dt.year.astype(str)
                          + ")", f"직급별 {name} 합계=총계",
                          m[col], m["sum"], m["source"], m["unit"], "명", kind="sum", tol=0))
        divs = staff[staff["unit"] != "office"].groupby(["as_of", "job_group", "grade"])[col].sum()
        m = divs.reset_index().merge(staff[staff["unit"] == "office"], on=["as_of", "job_group", "grade"],
                                     suffixes=("_sum", ""))
        out.append(_frame("staffing", "계 " + m["job_group"] + " " + m["grade"] + f" {name} ("
                          + m["as_of"].dt.year.astype(str) + ")",
                          f"부서별 {name} 합계=계", m[col], m[f"{col}_sum"], m["source"], "office",
                          "명", kind="sum", tol=0))
    totals = ds["staffing_totals"]
    wide = staff[total_mask].rename(columns={"authorized": "정원", "current": "현원"})
    long = wide.melt(id_vars=["as_of", "unit"], value_vars=["정원", "현원"], var_name="item",
                     value_name="table")
    m = totals.merge(long, on=["as_of", "unit", "item"])
    out.append(_same("staffing_totals", m["unit"].map(org) + " " + m["item"] + " ("
                     + m["as_of"].dt.year.astype(str) + ")", "총괄 = 직급별 표 총계",
                     m["value"], m["table"], m["source"], m["unit"], "명"))
    pivot = totals.pivot_table(index="unit", columns="item", values="value", aggfunc="first")
    if {"정원", "현원", "과원"} <= set(pivot.columns):
        p = pivot.dropna(subset=["정원", "현원", "과원"]).reset_index()
        extra = p.merge(totals[totals["item"] == "과원"], on="unit")
        src = extra["source"]
        out.append(_frame("staffing_totals", p["unit"].map(org) + " 과원 ("
                          + extra["as_of"].dt.year.astype(str) + ")", "과원=현원−정원",
                          p["과원"], p["현원"] - p["정원"], src, p["unit"], "명", kind="sum", tol=0))
    return out


def _outcomes(ds) -> list[pd.DataFrame]:
    out = []
    oc = ds["outcomes"]
    complete = oc["parent"].notna() & ~oc["period_note"].fillna("").str.contains("등")
    kids = oc[complete].groupby(["section", "parent", "period", "kind"])["value"].agg(["sum", "size"])
    m = kids.reset_index().merge(oc, left_on=["section", "parent", "period", "kind"],
                                 right_on=["section", "metric", "period", "kind"])
    out.append(_frame("outcomes", m["section"] + " " + m["metric"] + " (" + m["period"].astype(str) + ")",
                      "세부 실적 합계=총계", m["value"], m["sum"], m["source"], m["division"],
                      m["unit"], kind="sum", tol=0))
    actual = oc[oc["kind"] == "actual"]
    change = oc[oc["kind"] == "change"]
    prev = actual.assign(period=actual["period"] + 1)
    m = change.merge(actual, on=["section", "metric", "period"], suffixes=("", "_now")).merge(
        prev, on=["section", "metric", "period"], suffixes=("", "_prev"))
    out.append(_frame("outcomes", m["section"] + " " + m["metric"] + " (" + m["period"].astype(str) + ")",
                      "증감=올해−전년", m["value"], m["value_now"] - m["value_prev"], m["source"],
                      m["division"], m["unit"], kind="sum", tol=0, dp=2))
    # the same figure stated by both documents
    dup = actual[actual.duplicated(["section", "metric", "period"], keep=False)]
    first = dup.drop_duplicates(["section", "metric", "period"], keep="first")
    others = dup.drop(first.index)
    m = others.merge(first, on=["section", "metric", "period"], suffixes=("", "_first"))
    out.append(_same("outcomes", m["section"] + " " + m["metric"] + " (" + m["period"].astype(str) + ")",
                     "두 문서의 같은 실적", m["value"], m["value_first"],
                     m["source"] + " ↔ " + m["source_first"], m["division"], m["unit"]))
    return out


def reconcile(ds) -> pd.DataFrame:
    """Every stated total, subtotal, share, change and rate, recomputed and classified.

    Parameters
    ----------
    ds : :class:`seoulcomm.load.Dataset`

    Returns
    -------
    DataFrame with columns ``table, item, check, stated, computed, difference, verdict, source,
    scope, unit, year, program``: stated and computed in the source's own unit (백만원, 천원,
    명, %), difference = stated − computed, scope the division slug, program slug or
    ``office``, year the year the check is about, program the program it concerns (if any).
    """
    cached = ds.__dict__.get("_reconciled")  # a loaded Dataset does not change: audit it once
    if cached is not None:
        return cached.copy()
    parts = (_detail_rows(ds) + _division_tables(ds) + _across_tables(ds) + _program_sheet(ds)
             + _staffing(ds) + _outcomes(ds))
    frame = pd.concat([p for p in parts if len(p)], ignore_index=True)
    frame["verdict"] = classify(frame)
    # the year a check is about: the last year in the item's "(2016)" or "(2015→2016)"
    frame["year"] = pd.to_numeric(frame["item"].str.extract(r"\((?:\d{4}→)?(\d{4})\)\s*$")[0]).astype("Int64")
    frame["program"] = _program_of(ds, frame)
    frame["difference"] = (frame["stated"] - frame["computed"]).round(6)
    frame["computed"] = frame["computed"].round(6)
    return frame[COLUMNS].reset_index(drop=True)


def _program_of(ds, frame: pd.DataFrame) -> pd.Series:
    """The program a check concerns: its sheet's tables, its part-III section, its detail line."""
    program = pd.Series(pd.NA, index=frame.index, dtype="string")
    for row in ds["program"].itertuples():  # one pass per program, not per check
        mine = ((frame["scope"] == row.program)
                | ((frame["table"] == "outcomes") & frame["item"].str.startswith(f"{row.section} "))
                | ((frame["table"] == "sections") & frame["item"].str.startswith(f"{row.section} "))
                | ((frame["table"] == "budget_detail") & frame["item"].str.startswith(f"{row.detail_program} (")))
        program[mine] = row.program
    return program


def counts(frame: pd.DataFrame) -> pd.Series:
    """Number of checks per verdict, in the order exact, rounding, truncation, discrepancy."""
    return frame["verdict"].value_counts().reindex(VERDICTS, fill_value=0)


def findings(frame: pd.DataFrame) -> pd.DataFrame:
    """The checks that are not exact."""
    return frame[frame["verdict"] != "exact"].reset_index(drop=True)


def for_scope(frame: pd.DataFrame, scope: str, year: int | None = None) -> pd.DataFrame:
    """The checks touching one division, program or the office (``office``).

    A program's checks include those of its part-III section and its detail line, which the
    division owns too. With ``year``, only checks about that year (or about no single year).
    """
    mine = (frame["scope"] == scope) | (frame["program"] == scope).fillna(False)
    if year is not None:
        mine &= (frame["year"] == int(year)).fillna(True)
    return frame[mine].reset_index(drop=True)
