"""The office report: the divisions of one year side by side, the budget's composition and
change, the main programs, the prior year's settlement against this year's execution, the
path of 집행률 between snapshots, and the reconciliation."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .. import calc, display, labels, plot, units, views
from ..display import Headline, Notice, Table, figure, fmt_date, money_in
from . import outlook, shared
from .division import mismatch_notes
from .shared import Scope, iso, show, source_text  # noqa: F401  (show: the notebook's one import)

__all__ = ["prepare", "show", "headline", "overview", "divisions", "composition", "changes", "top_programs", "projection",
           "vision", "budget_lines", "staffing", "plan_sections",
           "settlement_vs_progress", "trend", "audit", "footer", "shape"]

OFFICE = "office"


def prepare(year, data_dir=None, *, threshold=None, red=None, amber=None) -> Scope:
    """The report's scope: the data loaded and ``year`` checked.

    Parameters
    ----------
    threshold : pace threshold [%p] every table and chart of the report uses.
    red, amber : signal thresholds [%] of the 연말 집행 전망 table (위험 / 주의 below them).
        ``None``: the reports' defaults (:class:`~seoulcomm.content.shared.Scope`'s).
    """
    return shared.open_scope("office", {"year": year}, data_dir, threshold=threshold, red=red, amber=amber)


def _order(scope: Scope) -> list[str]:
    """The divisions the data has in the report's year, in the organisation's order."""
    return list(_once(scope, "order", lambda: list(scope.ds.divisions(scope.year)["unit"].astype(str))))


def shape(scope: Scope) -> str:
    """The office's shape in the report's year, from the data: ``1관 4담당관``."""
    org = scope.ds.rows("organisation", unit=OFFICE)
    teams = org["teams"].iloc[0] if len(org) and "teams" in org else None
    # the teams as the document that counts them states them, in that document's year only
    stated_in = views.document_years(scope.ds, org["source"]) if len(org) else []
    if scope.year is None or int(scope.year) not in {int(y) for y in stated_in if y == y}:
        teams = None
    return labels.office_shape(len(_order(scope)), teams)


#: ``compute()`` once per report (:func:`seoulcomm.content.shared.once`).
_once = shared.once


def _totals(scope: Scope, span: int = 1) -> pd.DataFrame:
    """The units' totals of the report's year (``span`` 2: and the year before it)."""
    return _once(scope, ("totals", span), lambda: views.unit_totals(
        scope.ds, scope.year, span=span, threshold=scope.threshold)).copy()


def _top(scope: Scope) -> list[str]:
    """The divisions the report's charts and page tables name: the
    :data:`~seoulcomm.views.TOP_DIVISIONS` largest by the year's budget (every division when
    there are no more), in the organisation's order."""
    def compute():
        totals = _totals(scope)
        year_rows = totals[(totals["year"] == int(scope.year)).to_numpy(dtype=bool)]
        return views.top_divisions(year_rows, _order(scope))

    return list(_once(scope, "top", compute))


def _names(scope: Scope, others: pd.DataFrame) -> dict[str, str]:
    """Unit → name, with the 기타 line's (``기타 390개 부서``) when ``others`` folds any."""
    names = dict(scope.names)
    if len(others):
        names[views.OTHERS] = labels.others(int(others["folded"].iloc[0]))
    return names


def _folded(scope: Scope, rows: pd.DataFrame, others: pd.DataFrame, keep: list[str], *,
            sheet: str, key: str = "unit", classes: pd.Series | None = None) -> dict:
    """A per-division table's rows and flags: every division in the sheet, the largest
    (``keep``), the 계 row and the 기타 line (``others``, appended) on the page.

    Returns the keyword arguments of :class:`~seoulcomm.display.Table` (``frame``,
    ``row_class``, ``page_rows``, ``sheet_rows``) and ``note`` (``None`` when nothing folds).
    """
    if classes is None:
        classes = pd.Series(np.where(rows[key] == OFFICE, "sc-bold", ""), index=rows.index)
    if others.empty:
        return {"frame": rows, "row_class": classes, "note": None}
    frame = pd.concat([rows, others], ignore_index=True)
    keys = frame[key].astype(str)
    is_other = (keys == views.OTHERS).to_numpy()
    named = keys.isin(set(keep) | {OFFICE}).to_numpy() | \
        ~keys.isin(set(_order(scope))).to_numpy()  # office lines (사업예산, 기본경비) stay
    count = len(_order(scope))
    return {"frame": frame,
            "row_class": pd.Series(list(classes) + ["sc-sub"] * len(others)),
            "page_rows": pd.Series(named | is_other), "sheet_rows": pd.Series(~is_other),
            "note": labels.others_note(count, len(keep), sheet)}


def _table(rows, columns, *, notes, fold: dict, **kwargs) -> Table:
    """:class:`Table` of a per-division table whose rows :func:`_folded` shaped."""
    fold = dict(fold)
    note = fold.pop("note")
    return Table(fold.pop("frame"), columns, notes=notes + ([note] if note else []), **fold, **kwargs)


def _row(frame: pd.DataFrame, **where):
    mask = np.ones(len(frame), dtype=bool)
    for key, value in where.items():
        mask &= (frame[key] == value).fillna(False).to_numpy(dtype=bool)
    rows = frame[mask]
    return rows.iloc[0] if len(rows) else None


def headline(scope: Scope) -> Headline:
    """Budget, change on the year before, execution at the latest snapshot, staff."""
    ds, year = scope.ds, scope.year
    money = scope.money()
    totals = _totals(scope)
    row = _row(totals, year=int(year), unit=OFFICE)
    figures, date = [], None
    version = views.ORIGINAL
    if row is not None:
        date = iso(row["as_of"])
        version_note = shared.version_note(scope, row)
        if version_note:
            version = views.snapshot_version(ds, year, row["as_of"])
        figures += shared.budget_cards(row, money, note=version_note)
    comp_all = views.composition(ds, year)
    comp = _row(comp_all, year=int(year), category="계") if len(comp_all) else None
    if version != views.ORIGINAL:
        # the <구성별> table's change is the 당초 budget's: the headline's budget is a later
        # version, so its change on the year before is computed from the two budgets shown
        change = views.budget_changes(ds, year, threshold=scope.threshold)
        comp = _row(change, year=int(year), unit=OFFICE) if len(change) else None
        if comp is not None and not pd.isna(comp["change"]):
            base = units.fmt_money(int(comp["budget"]) - int(comp["change"]), money)
            figures.append(figure("전년 대비", money_in(comp["change"], money), money, triangle=True,
                                  note=f"증감률 {units.fmt_rate(comp['change_rate'], triangle=True)} "
                                       f"({int(comp['base_year'])}년 {base} 대비, {version} 기준)"))
    elif comp is not None and not pd.isna(comp["change"]):
        # as the source's <구성별> table states them, where it does
        change = comp["change"] if pd.isna(comp.get("change_stated", pd.NA)) else comp["change_stated"]
        rate = comp["change_rate"] if pd.isna(comp.get("rate_stated", pd.NA)) else comp["rate_stated"]
        # the rate's base: the year before's 계, beside the rate
        prior = _row(comp_all, year=int(comp["base_year"]), category="계")
        base = "" if prior is None else \
            f" ({int(prior['year'])}년 {units.fmt_money(prior['budget'], money)} 대비)"
        figures.append(figure("전년 대비", money_in(change, money), money, triangle=True,
                              note=f"증감률 {units.fmt_rate(rate, triangle=True)}{base}"))
    if row is not None:
        figures.append(figure("집행액", money_in(row["executed"], money), money,
                              note=labels.period(date, settled=bool(row["settlement"]))))
        pace = "" if row["settled"] else f" · 연간 경과율 {units.fmt_rate(row['elapsed'])}"
        figures.append(figure("집행률", row["execution_rate"], "%", decimals=1,
                              note=f"집행액 ÷ {shared.rate_base(row)}{pace}"))
    summary, staff_date = views.staffing_summary(ds, year)
    if summary is not None:
        staff = _row(summary, unit=OFFICE)
        if staff is not None:
            people = ds.unit("staffing")
            figures.append(figure("현원", staff["current"], people,
                                  note=f"정원 {int(staff['authorized'])}{people} ({fmt_date(staff_date)})"))
    what = "예산·집행·인력 종합" if any(f["label"] == "현원" for f in figures) else "예산·집행 종합"
    sources = [shared.document_text(ds, row["source"])] if row is not None else []
    return Headline(f"{scope.names.get(OFFICE, OFFICE)} {int(year)}년 예산·집행 현황", figures,
                    date, sources, f"{shape(scope)} · {what}")


def _stated_division(scope: Scope, rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The <부서별> table's rows of the version the detail's snapshot states (or 당초, the
    version the work report states), and that version's name."""
    ds, year = scope.ds, scope.year
    stated = ds.rows("budget_division", year=int(year))
    if stated.empty:
        return stated, views.ORIGINAL
    shown = views.snapshot_version(ds, year, rows["as_of"].dropna().max()) if len(rows) else views.ORIGINAL
    have = [str(v) for v in stated["version"].dropna().unique()]
    order = views.versions(ds, year)
    version = shown if shown in have else min(have, key=lambda v: order.index(v) if v in order else 0)
    return stated[(stated["version"].astype(str) == version).to_numpy(dtype=bool)], version


def _first_version(scope: Scope, rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` of the earliest budget version they state (당초 where there is one)."""
    if rows.empty or "version" not in rows.columns:
        return rows
    order = views.versions(scope.ds, scope.year)
    have = [str(v) for v in rows["version"].dropna().unique()]
    first = min(have, key=lambda v: order.index(v) if v in order else len(order))
    return rows[(rows["version"].astype(str) == first).to_numpy(dtype=bool)]


def _named(scope: Scope, unit) -> bool:
    """Whether the page names ``unit`` (one of :func:`_top`), or folds it into 기타."""
    return str(unit) in set(_top(scope))


def _folded_line(scope: Scope, listed: list[str], text: dict, head: str, group: str, rest: int,
                 rest_text: str) -> list[dict]:
    """The outline items of a line that names each of ``listed`` (``text[unit]``): one item
    when the page names every one; else the page's (the largest, and ``기타 N개 부서`` with
    ``rest_text``) and the sheet's (every division)."""
    if not listed:
        return []
    if not rest:
        return [{"level": 1, "text": head + ", ".join(text[u] for u in listed), "group": group}]
    page = [text[u] for u in listed if _named(scope, u)] + [f"{labels.others(rest)} {rest_text}".strip()]
    return [{"level": 1, "text": head + ", ".join(page), "group": group, "only": "page"},
            {"level": 1, "text": head + ", ".join(text[u] for u in listed), "group": group, "only": "sheet"}]


def overview(scope: Scope):
    """The year at a glance, 개조식 as the source's part I opens: the budget in 억 with each
    division's share, the largest programs' shares as the source lists them, and staff."""
    ds, year = scope.ds, scope.year
    names = scope.names
    # the figures the source states about one budget version (its own, 당초 first)
    stated = _first_version(scope, ds.rows("budget_division", year=int(year)))
    items = []
    whole = _row(stated, unit=OFFICE) if len(stated) else None
    if whole is not None:
        head = f"{int(year)} 예산편성액 : {units.fmt_eok(whole['budget'])}"
        if len(views.versions(ds, year)) > 1 and "version" in stated.columns:
            head += f" ({stated['version'].iloc[0]} 기준)"   # a later version is in the bridge
        items.append({"level": 0, "text": head, "group": "예산"})
        parts = stated[(stated["unit"] != OFFICE).to_numpy(dtype=bool)]
        shares = {str(u): f"{names.get(str(u), str(u))} {units.fmt_eok(b)}({units.fmt_rate(r)})"
                  for u, b, r in zip(parts["unit"], parts["budget"], parts["share_stated"])}
        rest = [int(b) for u, b in zip(parts["unit"], parts["budget"]) if not _named(scope, u)]
        whole_budget = 0 if pd.isna(whole["budget"]) else int(whole["budget"])
        items += _folded_line(scope, list(shares), shares, "", "예산", len(rest),
                              units.fmt_eok(sum(rest))
                              + (f"({units.fmt_rate(sum(rest) / whole_budget * 100)})" if whole_budget else ""))
        listed = _first_version(scope, ds.rows("program_shares", year=int(year)))
        if len(listed):
            text = ", ".join(f"『{p}』 {units.fmt_rate(v)}"
                             for p, v in zip(listed["program"], listed["share_stated"]))
            items.append({"level": 1, "text": f"주요 사업별 비중 : {text}", "group": "예산"})
    totals = ds.rows("staffing_totals", unit=[OFFICE] + _order(scope))
    totals = totals[(totals["as_of"].dt.year == int(year)).fillna(False).to_numpy(dtype=bool)]
    if len(totals):
        people = ds.unit("staffing")
        value = {(str(u), str(i)): int(v) for u, i, v in
                 zip(totals["unit"], totals["item"], totals["value"])}
        a, c = value.get((OFFICE, "정원")), value.get((OFFICE, "현원"))
        if a is not None and c is not None:
            extra = value.get((OFFICE, "과원"))
            gap = f"(과원 {extra}{people})" if extra else ""
            items.append({"level": 0, "text": f"인력 총괄 : 정원 {a}{people}/ 현원 {c}{people}{gap}",
                          "group": "인력"})
            short = dict(zip(ds["organisation"]["unit"].astype(str),
                             ds["organisation"]["short_ko"].astype(str)))
            listed = [u for u in _order(scope) if (u, "정원") in value and (u, "현원") in value]
            each = {u: f"{short.get(u, names.get(u, u))} {value[(u, '정원')]}/{value[(u, '현원')]}"
                    for u in listed}
            rest = [u for u in listed if not _named(scope, u)]
            items += _folded_line(scope, listed, each, "부서별 정원/현원 : ", "인력", len(rest),
                                  f"{sum(value[(u, '정원')] for u in rest)}/"
                                  f"{sum(value[(u, '현원')] for u in rest)}")
    if whole is not None:  # the organisation as part I states it (1관 4담당관 21팀)
        items.insert(0, {"level": 0, "text": f"조직 : {shape(scope)}", "group": "조직"})
    cover = views.general_notes(ds, year, "표지")
    if len(cover):  # the document's cover: its date and issuer, as printed
        items.insert(0, {"level": 0, "text": f"{cover['topic'].iloc[0]} : {', '.join(cover['text'])}",
                         "group": "표지"})
    if not items:
        return Notice(f"{int(year)}년 예산·인력 총괄 자료 없음")
    # each item's group is its □ heading as the page shows it (the sheet's first column)
    head = ""
    for item in items:
        if item["level"] == 0:
            head = item["text"]
        item["group"] = head
    return display.Outline(f"{int(year)}년 예산·인력 총괄", items, sheet="총괄",
                           source=source_text(ds, list(stated["source"]) + list(totals["source"]),
                                              "Ⅰ. 일반현황"))


def divisions(scope: Scope) -> list:
    """The year's divisions side by side: budget, share, execution and staff (table, chart).

    The budget and share are the <부서별> table's where it holds the year; for a year it
    does not hold, the division table's 예산액 and a computed share.
    """
    ds, year = scope.ds, scope.year
    names, order = scope.names, _order(scope)
    totals = _totals(scope)
    rows = totals[(totals["year"] == int(year)).to_numpy(dtype=bool)]
    rows = rows.set_index("unit").reindex([OFFICE] + order).dropna(how="all").reset_index()
    if rows.empty or rows["budget"].isna().all():
        return [Notice(f"{int(year)}년 부서별 예산 자료 없음")]
    rows["unit_name"] = [("계" if u == OFFICE else names.get(u, u)) for u in rows["unit"]]
    stated, version = _stated_division(scope, rows)
    base = stated if len(stated) else rows
    whole = _row(base, unit=OFFICE)
    parts = base[(base["unit"] != OFFICE).fillna(False).to_numpy(dtype=bool)]
    shared_ = calc.shares(parts, "budget", total=None if whole is None else whole["budget"])
    share = dict(zip(shared_["unit"].astype(str), shared_["share"]))
    if "share_stated" in base.columns:  # the source's own 비율 where it prints one
        share.update({str(u): float(v) for u, v in zip(base["unit"], base["share_stated"])
                      if not pd.isna(v)})
    rows["share"] = [100.0 if u == OFFICE else share.get(u, np.nan) for u in rows["unit"]]
    sources = list(rows["source"])
    when = labels.period(rows["as_of"].dropna().max(),
                         settled=bool(rows["settlement"].fillna(False).all()))
    detail_title = shared.detail_title(ds, year)
    if len(stated):
        listed = stated.set_index("unit")["budget"]
        rows["budget"] = [listed.get(u, b) for u, b in zip(rows["unit"], rows["budget"])]
        rows["detail_available"] = rows["available"]
        sources += list(stated["source"])
        columns = ["unit_name", "budget", "share", "detail_available", "executed", "execution_rate"]
        from_table = {str(t) for t in rows["table"].dropna()}
        execution_from = (f"원문 「{detail_title}」" if from_table == {"budget_detail"}
                          else "원문 「부서별 예산 집행현황」")
        notes = [f"예산·비율: 원문 <부서별> 표 · 예산현액·집행액·집행률: {execution_from}, {when}"]
        shown = views.snapshot_version(ds, year, rows["as_of"].dropna().max())
        if version != shown:
            notes.append(f"예산·비율: <부서별> 표가 적은 {version} 예산 · 예산현액: {shown} 반영 후 "
                         "(아래 예산 변동 표)")
        notes += mismatch_notes(scope)
        source_title = f"<부서별> · {detail_title}"
    else:
        columns = ["unit_name", "budget", "share", "executed", "balance", "execution_rate"]
        notes = [f"예산·집행액·집행잔액·집행률: 원문 「{int(year)}년도 예산 집행현황」, {when} · "
                 "비율: 기획관 예산 대비 계산값"]
        source_title = f"{int(year)}년도 예산 집행현황"
    partial = shared.partial_note(scope)
    if partial:
        notes.append(partial)
    summary, staff_date = views.staffing_summary(ds, year)
    if summary is not None:
        staff = summary.set_index("unit")
        for col in ("authorized", "current", "gap"):
            rows[col] = list(staff[col].reindex(rows["unit"]))
        columns += ["authorized", "current", "gap"]
        notes.append(f"정원·현원·과·결원: {fmt_date(staff_date)} 기준({ds.unit('staffing')})")
    date = rows["as_of"].dropna().max()
    what = "예산·집행·인력" if "current" in columns else "예산·집행"
    money = scope.money()
    keep = _top(scope)
    # the page: 계, the largest divisions and one 기타 line; the sheet: every division
    sums = [c for c in ("budget", "detail_available", "available", "executed", "balance", "authorized",
                        "current", "gap") if c in columns or c == "available"]
    rest = views.fold(rows, keep, sums=sums, rates=views.POOLED_RATE)
    if len(rest):
        rest["unit_name"] = labels.others(int(rest["folded"].iloc[0]))
        office_budget = rows.loc[(rows["unit"] == OFFICE).to_numpy(dtype=bool), "budget"]
        total = office_budget.iloc[0] if len(office_budget) else pd.NA
        rest["share"] = (float(rest["budget"].iloc[0]) / float(total) * 100
                         if not pd.isna(total) and total and not pd.isna(rest["budget"].iloc[0]) else np.nan)
    sheet = "부서별 현황"
    table = _table(rows, columns, fold=_folded(scope, rows, rest, keep, sheet=sheet),
                   sheet=sheet, title=f"{int(year)}년 부서별 {what}",
                   unit=money, as_of=iso(date), context="divisions",
                   source=source_text(ds, sources, source_title), notes=notes)
    chart_rows = rows[(rows["unit"] != OFFICE).to_numpy(dtype=bool)]
    others = views.fold(chart_rows, keep, sums=["available", "executed"],
                        rates=views.POOLED_RATE)
    chart_rows = pd.concat([chart_rows[chart_rows["unit"].isin(keep).to_numpy(dtype=bool)], others],
                           ignore_index=True)
    chart = plot.divisions(chart_rows, names=_names(scope, others), year=year, unit=money)
    return [table, chart] + shared.bridge(scope)


def composition(scope: Scope) -> Table | Notice:
    """Budget by composition (사업비, 기본경비) in each year up to the report's, with the
    change on the year before — as the source's <구성별> table."""
    ds = scope.ds
    yoy = views.composition(ds, scope.year)
    if yoy.empty:
        return Notice(f"{int(scope.year)}년 예산 구성 자료 없음")
    parts = yoy[(yoy["category"] != "계").fillna(False).to_numpy(dtype=bool)]
    computed_shares = calc.shares(parts, "budget", by="year")
    share = dict(zip(zip(computed_shares["year"].astype(int), computed_shares["category"]),
                     computed_shares["share"]))
    years = sorted(int(y) for y in yoy["year"].dropna().unique())
    cats = list(dict.fromkeys(yoy["category"].astype(str)))
    out = pd.DataFrame({"category": cats})
    columns = ["category"]

    def stated(sel, col, fallback, c):
        # the source's own figure where it states one, else the computed one
        if col in sel.columns and not pd.isna(sel[col].get(c, pd.NA)):
            return sel[col].get(c)
        return fallback.get(c, pd.NA)

    for y in years:
        sel = yoy[(yoy["year"] == y).to_numpy(dtype=bool)].set_index("category")
        out[f"budget_{y}"] = [sel["budget"].get(c, pd.NA) for c in cats]
        computed = {c: 100.0 if c == "계" else share.get((y, c), np.nan) for c in cats}
        out[f"share_{y}"] = [float(stated(sel, "share_stated", computed, c)) for c in cats]
        columns += [f"budget_{y}", f"share_{y}"]
    notes = []
    if len(years) > 1:
        last = yoy[(yoy["year"] == years[-1]).to_numpy(dtype=bool)].set_index("category")
        out["change"] = pd.array([stated(last, "change_stated", last["change"], c) for c in cats],
                                 dtype="Int64")
        out["change_rate"] = [float(stated(last, "rate_stated", last["change_rate"], c)) for c in cats]
        columns += ["change", "change_rate"]
        notes.append(f"비중·증감·증감률: 원문 <구성별> 표 수치({years[-1]}년 예산의 {years[-2]}년 대비)")
    ref = shared.verify_note(scope, ["budget_composition"], "구성 항목으로 다시 계산한 값과 다른 곳 있음.")
    if ref:
        notes.append(ref)
    if len(views.versions(ds, scope.year)) > 1:   # the <구성별> table states one version
        shown = sorted({str(v) for v in yoy["version"].dropna()}) if "version" in yoy.columns else []
        notes.append(f"예산 단계: {', '.join(shown) or views.ORIGINAL} 기준 · 추경 반영 예산은 예산 변동 표")
    classes = pd.Series(np.where(out["category"] == "계", "sc-bold", ""), index=out.index)
    return Table(out, columns, sheet="구성별 예산", title="구성별 예산 (사업비·기본경비)",
                 unit=scope.money("budget_composition"), context="composition",
                 source=source_text(ds, yoy["source"], "<구성별>"), row_class=classes, notes=notes)


def _version_words(scope: Scope, rows: pd.DataFrame, year=None) -> str:
    """``(1회 추경 반영, 2016. 7. 15. 기준)`` when a year's figure is a later version than
    당초; ``(당초, 2016. 4. 8. 기준)`` when it is 당초 and the year has later versions."""
    year = scope.year if year is None else year
    when = rows["as_of"].dropna().max() if "as_of" in rows.columns and len(rows) else None
    version = views.snapshot_version(scope.ds, year, when)
    if version != views.ORIGINAL:
        return f"({version} 반영, {fmt_date(when)} 기준)"
    if len(views.versions(scope.ds, year)) > 1 and when is not None:
        return f"({version}, {fmt_date(when)} 기준)"
    return ""


def _org_notes(scope: Scope, base: int, stopped: list[str], names: dict) -> list[str]:
    """※ notes of the year's reorganisation: renames (the base is the predecessor's),
    programs moved (이관), divisions abolished (kept with their last year)."""
    ds, year = scope.ds, int(scope.year)
    hist = views.org_history(ds)
    if hist is None or hist.empty:
        return []
    old = labels.names(ds, base)
    notes = []
    for unit, change, when, to in zip(hist["unit"], hist["change"], hist["year"], hist["to"]):
        if int(when) != year or change != "renamed":
            continue
        new = str(to) if not pd.isna(to) else str(unit)
        notes.append(f"{old.get(str(unit), unit)}은(는) {year}년부터 {names.get(new, new)}(으)로 이름이 바뀜: "
                     f"{base}년 값은 {old.get(str(unit), unit)}의 값임.")
    for program, src, dst in zip(*(views.history.transfers(hist, year)[c] for c in ("detail_program", "unit", "to"))):
        notes.append(f"「{program}」은(는) {year}년부터 {old.get(str(src), src)}에서 "
                     f"{names.get(views.history.successor(hist, str(dst), year), dst)}(으)로 이관: 이관 열은 그 "
                     f"사업의 {base}년 예산(보낸 부서 △, 받은 부서 +)으로, 감액·신규가 아님.")
    for unit in stopped:
        notes.append(f"{old.get(unit, unit)}은(는) {base}년을 끝으로 폐지: {base}년 값을 두고 {year}년은 0으로 "
                     "적어 부서 합이 계와 맞음.")
    return notes


def changes(scope: Scope) -> Table | Notice:
    """Each division's budget this year beside the year before, with the change."""
    ds, year = scope.ds, scope.year
    yoy = views.budget_changes(ds, year, threshold=scope.threshold)
    rows = yoy[(yoy["year"] == int(year)).to_numpy(dtype=bool)] if len(yoy) else yoy
    if rows.empty or rows["base_year"].isna().all():
        return Notice(f"{int(year)}년과 견줄 전년도 부서별 예산 자료 없음")
    base = int(rows["base_year"].dropna().iloc[0])  # a division new this year has no base
    before = yoy[(yoy["year"] == base).to_numpy(dtype=bool)].set_index("unit")
    # a division abolished this year keeps its row (its last year the base): never 기타
    stopped = [str(u) for u, s in zip(rows["unit"], rows["status"]) if s == "abolished"]
    order = [OFFICE] + _order(scope) + [u for u in stopped if u not in _order(scope)]
    rows = rows.set_index("unit").reindex(order).dropna(how="all").reset_index()
    names = {**labels.names(ds, base), **scope.names}
    rows["unit_name"] = ["계" if u == OFFICE else names.get(u, u) + (" (폐지)" if u in stopped else "")
                         for u in rows["unit"]]

    def column(table, y):
        # which of the source's tables the year's budget is from, for the label
        return f"detail_budget_{y}" if table == "budget_detail" else f"settled_budget_{y}"

    base_table = str(before["table"].dropna().iloc[0])
    this_table = str(rows["table"].dropna().iloc[0])
    base_col, this_col = column(base_table, base), column(this_table, int(year))
    rows[base_col] = [before["budget"].get(u, pd.NA) for u in rows["unit"]]
    rows[this_col] = rows["budget"]
    keep = _top(scope) + stopped
    moved = rows["transfer"].notna().any() and (rows["transfer"].fillna(0) != 0).any()
    sums = [base_col, this_col, "change"] + (["transfer"] if moved else [])
    others = views.fold(rows, keep, sums=sums, rates={"change_rate": ("change", base_col)})
    others["unit_name"] = labels.others(int(others["folded"].iloc[0])) if len(others) else []
    sheet = "부서별 전년 대비"
    titles = ds.catalog.titles
    what = {"budget_detail": f"「{titles.get('budget_detail')}」의 예산편성액",
            "execution_division": f"「{titles.get('execution_division')}」의 예산액"}
    org_notes = _org_notes(scope, base, stopped, names)
    # each side says which budget version it is, when either is not simply 당초
    base_words, this_words = _version_words(scope, before, base), _version_words(scope, rows)
    if base_words and not this_words:
        this_words = f"({views.ORIGINAL})"
    return _table(rows, ["unit_name", base_col, this_col, "change", "change_rate"]
                  + (["transfer"] if moved else []),
                  fold=_folded(scope, rows, others, keep, sheet=sheet),
                  sheet=sheet, title=f"부서별 예산 {base}년 대비 {int(year)}년",
                  unit=scope.money(), context="divisions",
                  source=source_text(ds, list(rows["source"]) + list(before["source"])),
                  notes=[f"{base}년: 원문 {what.get(base_table, '표')}{base_words} · {int(year)}년: "
                         f"{what.get(this_table, '표')}{this_words} · 증감·증감률: 두 값으로 계산"] + org_notes)
    # the <부서별>/세부내역 difference is noted once on the page, under the divisions table


def top_programs(scope: Scope, n: int = 10) -> list:
    """The year's largest unit programs by 예산편성액 (latest snapshot), table and chart."""
    ds, year = scope.ds, scope.year
    ranked = views.top_programs(ds, year, n=n, threshold=scope.threshold)
    if ranked.empty:
        return [Notice(f"{int(year)}년 사업별 예산 자료 없음")]
    names = scope.names
    ranked = ranked.copy()
    ranked["division_name"] = [names.get(u, u) for u in ranked["unit"]]
    named = [str(p) for p, s in zip(ranked["name"], ranked["share_stated"]) if s]
    notes = ["비율: 사업 예산편성액 ÷ 기획관 예산편성액, 집행률: 집행액 ÷ 예산현액"]
    if named:
        notes.append(f"원문(주요 사업별 비중) 비율: {', '.join(named)} (나머지는 계산값)")
    ref = shared.verify_note(scope, ["program_shares"], "원문 비율이 다시 계산한 값과 다르거나 목록이 "
                             "더 큰 사업을 빠뜨린 곳 있음.")
    if ref:
        notes.append(ref)
    partial = shared.partial_note(scope)
    if partial:
        notes.append(partial)
    date = ranked["as_of"].dropna().max()
    money = scope.money()
    table = Table(ranked, ["name", "division_name", "budget", "share", "available", "executed",
                           "execution_rate"],
                  sheet="주요 사업", title=f"{int(year)}년 예산 규모 상위 {len(ranked)}개 사업",
                  unit=money, as_of=iso(date),
                  source=source_text(ds, ranked["source"], shared.detail_title(ds, year)),
                  notes=notes)
    chart = plot.top_programs(ranked, names=names, order=_order(scope), year=year, unit=money)
    return [table, chart]


def settlement_vs_progress(scope: Scope) -> list:
    """Each division's previous year (its latest figure, 결산 where settled) beside this
    year's latest execution, table and chart."""
    ds, year = scope.ds, scope.year
    totals = _totals(scope, span=2)
    years = sorted(int(y) for y in totals["year"].dropna().unique())
    if len(years) < 2:
        return [Notice(f"{int(year)}년과 견줄 전년도 집행 자료 없음")]
    prev, cur = years[-2], years[-1]
    keep = _top(scope)
    folded = views.fold(totals, keep, by="year", same=["as_of"], rates=views.POOLED_RATE,
                        sums=["budget", "available", "executed", "balance"],
                        threshold=scope.threshold)
    names = _names(scope, folded)
    order = [OFFICE] + _order(scope)
    a = pd.concat([totals, folded])[lambda t: (t["year"] == prev).to_numpy(dtype=bool)].set_index("unit")
    b = pd.concat([totals, folded])[lambda t: (t["year"] == cur).to_numpy(dtype=bool)].set_index("unit")
    a_date, b_date = a["as_of"].dropna().max(), b["as_of"].dropna().max()
    srcs = pd.concat([a["source"], b["source"]])
    out = pd.DataFrame({"unit": order})
    out["unit_name"] = ["계" if u == OFFICE else names.get(u, u) for u in order]
    others = [views.OTHERS] if len(folded) else []
    others_out = pd.DataFrame({"unit": others, "unit_name": [names.get(u, u) for u in others]})
    spec = [("budget", a, prev), ("executed", a, prev), ("execution_rate", a, prev),
            ("available", b, cur), ("executed", b, cur), ("execution_rate", b, cur),
            ("pace_gap", b, cur)]
    columns = ["unit_name"]
    for col, src, y in spec:
        key = f"{col}_{y}"
        values = list(src[col].reindex(order + others))
        out[key], others_out[key] = values[:len(order)], values[len(order):]
        columns.append(key)
    a_closed = bool(a["settlement"].fillna(False).all()) if "settlement" in a else False
    b_closed = bool(b["settlement"].fillna(False).all()) if "settlement" in b else False
    a_word, b_word = labels.period(a_date, settled=a_closed), labels.period(b_date, settled=b_closed)

    def word(date, closed, otherwise):
        if labels.is_settlement(date, settled=closed):
            return "결산"
        return "연말 집행 실적" if labels.year_end(date) else otherwise

    title = f"{prev}년 {word(a_date, a_closed, '집행')}과 {cur}년 {word(b_date, b_closed, '집행 진도')}"
    sheet = "전년과 올해 집행"
    table = _table(out, columns, fold=_folded(scope, out, others_out, keep, sheet=sheet),
                   sheet=sheet, title=title, unit=scope.money(),
                   context="progress", as_of=iso(b_date), source=source_text(ds, srcs),
                   notes=[f"{prev}년: {a_word} · {cur}년: {b_word} · 경과율 대비 = 집행률 − 연간 경과율"])
    chart = plot.execution_by_year(pd.concat([totals, folded], ignore_index=True), names=names,
                                   order=keep + others)
    return [table, chart]


def trend(scope: Scope) -> list:
    """The office's and divisions' 집행률 at each as-of date of the year (nothing when the
    year has one)."""
    return shared.trend(scope, keep=_top(scope))


#: The office's 원문 검증: the reconciliation notes of its scope.
audit = shared.audit_notes


def footer(scope: Scope):
    return shared.footer(scope)


# --------------------------------------------------------------------------- source text, totals

def vision(scope: Scope):
    """Part II as the source arranges it: 비전, 전략목표, the four 추진방향 with their 주요사업
    (only in the year of the document that holds it)."""
    ds, year = scope.ds, scope.year
    rows = views.vision(ds, year)
    if rows.empty:
        return Notice(f"{int(year)}년 비전·목표 자료 없음" + shared.held_in(ds, "plan_vision"))
    items = [{"level": 0, "text": f"비전: 「{rows.attrs['vision']}」", "group": "비전"},
             {"level": 0, "text": f"전략목표: {rows.attrs['goal']}", "group": "전략목표"},
             {"level": 0, "text": "추진방향 및 주요사업", "group": "추진방향"}]
    for _, r in rows.iterrows():
        who = scope.names.get(str(r["division"]), str(r["division"]))
        head = f"{int(r['direction'])}. {r['heading']} ({who})"
        items.append({"level": 1, "text": head, "group": "추진방향"})
        items += [{"level": 2, "text": p, "group": head} for p in r["programs"]]
    return display.Outline(f"{int(year)} 비전 및 목표", items, sheet="비전 및 목표",
                           source=source_text(ds, ds["plan_vision"]["source"], "Ⅱ. 비전 및 목표"))


def budget_lines(scope: Scope) -> Table | Notice:
    """The office's lines of the year's 예산편성 세부내역 (latest snapshot): the office total,
    사업예산, 기본경비, and each division's total, with 편성·이월·현액·집행·잔액·집행률."""
    ds, year = scope.ds, scope.year
    rows = views.detail(ds, year, threshold=scope.threshold)
    if rows.empty:
        return Notice(f"{int(year)}년 예산편성 세부내역 자료 없음")
    shown = rows["level"].astype(str).isin(["office", "office_part", "division"]).to_numpy()
    rows = rows[shown].reset_index(drop=True)
    level = rows["level"].astype(str)
    classes = pd.Series(np.where(level.eq("office_part"), "sc-indent1", ""), index=rows.index)
    classes = (classes + np.where(level.isin(["office", "division"]), " sc-bold", "")).str.strip()
    date = rows["as_of"].dropna().max()
    notes = ["원문 세부내역의 기획관 합계·사업예산·기본경비·부서 합계 행(부서별 세부 사업: 각 부서 보고서)"]
    note = shared.verify_note(scope, ["budget_detail"], "다시 계산한 값과 다른 곳 있음.")
    if note:
        notes.append(note)
    keep = _top(scope)
    lines = rows[level.eq("division").to_numpy()]
    others = views.fold(lines, keep, sums=["budget", "carryover", "available", "executed", "balance"],
                        rates=views.POOLED_RATE)
    others["name"] = labels.others(int(others["folded"].iloc[0])) if len(others) else []
    sheet = "세부내역 총괄"
    return _table(rows, ["name", "budget", "carryover", "available", "executed", "balance",
                         "execution_rate"],
                  fold=_folded(scope, rows, others, keep, sheet=sheet, classes=classes),
                  sheet=sheet, title=f"{shared.detail_title(ds, year)} 총괄",
                  unit=scope.money(), as_of=iso(date),
                  source=source_text(ds, rows["source"], shared.detail_title(ds, year)),
                  notes=notes)


def staffing(scope: Scope) -> list:
    """The office's staffing by job group × grade (the source's '계' row), and the source's
    note on why 현원 exceeds 정원."""
    ds, year = scope.ds, scope.year
    out = [shared.staffing(scope)]
    notes = views.general_notes(ds, year, "Ⅰ-2")
    if len(notes):
        items = [{"level": int(lv), "text": t, "group": str(topic)}
                 for lv, t, topic in zip(notes["level"], notes["text"], notes["topic"])]
        out.append(display.Outline(f"※ {notes['topic'].iloc[0]}", items, sheet="인력 설명",
                                   source=source_text(ds, notes["source"], "Ⅰ-2 인력")))
    return out


def plan_sections(scope: Scope):
    """Part III's sections of the year with their 사업비, by division (the source's
    주요업무 추진계획 in brief); the text of each is in its division's report."""
    ds, year = scope.ds, scope.year
    if not views.holds_section_text(ds, year):
        return Notice(f"{int(year)}년 주요업무 추진계획 자료 없음" + shared.held_in(ds, "section_text"))
    money = scope.money("sections")
    sections = ds.rows("sections", year=int(year))
    keep, names = set(_top(scope)), scope.names
    by_division = {str(u): part for u, part in sections.groupby("division", sort=False)}
    items, folded, folded_sections, folded_cost = [], 0, 0, 0
    for unit in _order(scope):
        mine = by_division.get(unit)
        if mine is None or mine.empty:
            continue
        only = {} if unit in keep else {"only": "sheet"}  # the page names the largest divisions
        if only:
            folded += 1
            folded_sections += len(mine)
            folded_cost += int(mine["budget_stated"].dropna().sum())
        name = names.get(unit, unit)
        items.append({"level": 0, "text": name, "group": name, **only})
        for section, title, stated in zip(mine["section"], mine["title"], mine["budget_stated"]):
            cost = "" if display.is_missing(stated) else \
                f" (사업비 {units.fmt_money(stated, money)}{money})"
            items.append({"level": 1, "text": f"{section} {title}{cost}", "group": name, **only})
    notes = ["사업별 목적·추진방향·추진계획: 각 부서 보고서"]
    sheet = "주요업무 추진계획"
    if folded:
        name = labels.others(folded)
        items.append({"level": 0, "group": name, "only": "page",
                      "text": f"{name}: 사업 {folded_sections:,}개 (사업비 합계 "
                              f"{units.fmt_money(folded_cost, money)}{money})"})
        notes.append(f"예산 상위 {len(keep)}개 부서의 사업만 적음. 전체 {len(_order(scope))}개 부서의 "
                     f"사업은 통합문서 ‘{sheet}’ 시트와 각 부서 보고서 참조.")
    return display.Outline(f"{int(year)}년 주요업무 추진계획 (사업별 사업비)", items,
                           sheet=sheet, source=source_text(ds, sections["source"],
                                                           "Ⅲ. 주요업무 추진계획"),
                           notes=notes)


def projection(scope: Scope) -> list:
    """연말 집행 전망: the summary lines and the table (:mod:`seoulcomm.content.outlook`)."""
    return outlook.projection(scope)
