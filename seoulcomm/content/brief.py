"""The 기획관's one-page brief of a year: title, 기준일 and document, 3–5 messages picked by
the rules of :mod:`seoulcomm.messages`, each linked to its detail, and the units' figures as
one small table. It prints on one A4 page."""
from __future__ import annotations

import posixpath

import pandas as pd

from .. import labels, messages, monitor, projection, units, views
from ..display import Headline, Messages, Notice, Table, figure, money_in
from . import outlook, shared
from .shared import Scope, iso, show, source_text  # noqa: F401  (show: the notebook's one import)

__all__ = ["prepare", "show", "headline", "messages_of", "units_table", "footer", "facts"]

#: Most divisions the page's table lists (the workbook lists every one): one A4 page.
PAGE_DIVISIONS = 8


def prepare(year, data_dir=None, *, threshold=None) -> Scope:
    """The brief's scope: the data loaded and ``year`` checked.

    Parameters
    ----------
    threshold : pace threshold [%p] the 부진 lines are judged with (``None``: the reports'
        default, :class:`~seoulcomm.content.shared.Scope`'s).
    """
    return shared.open_scope("brief", {"year": year}, data_dir, threshold=threshold)


def facts(scope: Scope) -> messages.Facts:
    """The year's figures the rules read (computed once per brief)."""
    memo = vars(scope).setdefault("_brief_memo", {})
    if "facts" not in memo:
        ds, year = scope.ds, int(scope.year)
        overview = monitor.overview(ds, year, threshold=scope.threshold)
        checks = {str(u): monitor.open_checks(ds.fresh(), str(u), year) for u in overview["unit"]}
        # the checks compare rows of these tables: the brief depends on them (its read log)
        for rows in checks.values():
            for table in rows["table"].dropna().unique():
                if str(table) in ds.tables and "year" in ds.tables[str(table)].columns:
                    ds.rows(str(table), year=year)
        memo["facts"] = messages.Facts(
            year=year, overview=overview, lines=monitor.lines(ds, year, threshold=scope.threshold),
            checks=checks, names=labels.names(ds, year), money=scope.money(), threshold=scope.threshold,
            versions=monitor.versions(ds, year))
    return memo["facts"]


def _office_row(scope: Scope):
    rows = facts(scope).overview
    rows = rows[(rows["unit"] == "office").to_numpy(dtype=bool)]
    return rows.iloc[0] if len(rows) else None


def headline(scope: Scope) -> Headline:
    """Title, 기준일 and the document the figures come from; the office's 예산현액, 집행액,
    집행률 and 전망 불용액 (a settled year: 불용액)."""
    ds, year = scope.ds, int(scope.year)
    row = _office_row(scope)
    money = scope.money()
    office = scope.names.get("office", "")
    figures, date, sources = [], None, []
    if row is not None:
        date = row["as_of"]
        settled = bool(row["settled"])
        figures = [figure(messages.basis(row), money_in(row["available"], money), money),
                   figure("집행액", money_in(row["executed"], money), money,
                          note=labels.period(date)),
                   figure("집행률", row["execution_rate"], "%", decimals=1,
                          note=f"집행액 ÷ {messages.basis(row)}"),
                   figure("연말 집행잔액" if settled else "전망 불용액",
                          money_in(row["projected_unspent"], money), money,
                          note=f"{messages.basis(row)} − 집행액" if settled else
                          f"전망 집행률 {units.fmt_rate(row['projected_rate'])}")]
        totals = views.unit_totals(ds, year, unit="office", span=1, threshold=scope.threshold)
        sources = [shared.document_text(ds, s) for s in totals["source"].dropna().unique()[:1]]
    return Headline(f"{year}년 {office} 예산 집행 요약", figures, date, sources,
                    f"{office} · 기획관 보고 (1쪽 요약)".strip(" ·"))


def messages_of(scope: Scope):
    """The brief's 3–5 messages (:func:`seoulcomm.messages.select`), each linked to its
    report (relative to this page)."""
    picked = messages.select(facts(scope))
    if not picked:
        return Notice(f"{int(scope.year)}년 보고할 집행 자료 없음")
    here = str(int(scope.year))
    links = [posixpath.relpath(m.link, here) for m in picked]
    source = "; ".join(dict.fromkeys(_sources(scope)))
    return Messages(f"{int(scope.year)}년 주요 보고 사항", picked, links, sheet="주요 보고 사항",
                    source=source)


def _sources(scope: Scope) -> list[str]:
    """The documents the units' totals of the year cite."""
    ds = scope.ds
    totals = views.unit_totals(ds, int(scope.year), span=1, threshold=scope.threshold)
    return [shared.document_text(ds, s) for s in totals["source"].dropna().unique()]


def units_table(scope: Scope) -> Table | Notice:
    """The office and each division: 예산현액, 집행액, 집행률, the reference, the year-end
    projection and its signal, the 부진 lines and the open 원문 검증 items."""
    rows = facts(scope).overview.copy()
    if rows.empty:
        return Notice(f"{int(scope.year)}년 부서별 집행 자료 없음")
    ds = scope.ds
    rows["unit_name"] = [("계" if u == "office" else scope.names.get(u, u)) for u in rows["unit"]]
    settled = bool(rows["settled"].all())
    rows["reference_text"] = [
        "" if s else f"{r} {units.fmt_number(v, 1)}"
        for r, v, s in zip(rows["reference"], rows["reference_rate"], rows["settled"])]
    rows["signal_text"] = rows["signal"].fillna("")
    columns = ["unit_name", "available", "executed", "execution_rate"]
    budget = "예산현액" if (rows["table"] == "budget_detail").any() else "예산액"
    headers = {"available": (budget, "money"), "signal_text": ("신호", "text"), "laggards": ("부진 사업", "count"),
               "open_checks": ("원문 검증 미결", "count"),
               "projected_rate": ("전망 집행률(%)", "rate"),
               "projected_unspent": ("연말 집행잔액" if settled else "전망 불용액", "money"),
               "reference_text": ("기준 집행률(%)", "text"),
               "reference_gap": ("기준 대비(%p)", "rate_change")}
    if not settled:
        columns += ["reference_text", "reference_gap", "projected_rate"]
    columns += ["projected_unspent", "signal_text", "laggards", "open_checks"]
    classes = pd.Series(["sc-bold" if u == "office" else "" for u in rows["unit"]], index=rows.index)
    date = rows["as_of"].dropna().max()
    # one page: the office and the divisions with the most projected 불용; the sheet keeps all
    unspent = pd.to_numeric(rows["projected_unspent"], errors="coerce").fillna(0)
    ranked = unspent[(rows["unit"] != "office").to_numpy(dtype=bool)].sort_values(
        ascending=False, kind="stable")
    shown = set(ranked.index[:PAGE_DIVISIONS]) | set(rows.index[(rows["unit"] == "office").to_numpy()])
    page = pd.Series([i in shown for i in rows.index], index=rows.index)
    notes = [f"집행률 = 집행액 ÷ {budget}. 기준: 계획(월별 집행계획)·전년(전년 같은 날)·경과(연간 "
             f"경과율). 신호: 전망 집행률 {projection.SIGNAL_RED:g}% 미만 위험, "
             f"{projection.SIGNAL_AMBER:g}% 미만 주의. 부진 사업·원문 검증 미결은 각 보고서의 항목 수."]
    if len(ranked) > PAGE_DIVISIONS:
        notes.append(f"전망 불용액이 큰 {PAGE_DIVISIONS}개 부서만 적음. 나머지 "
                     f"{len(ranked) - PAGE_DIVISIONS}개 부서는 엑셀 파일과 보고서 목록에 수록.")
    return Table(rows, columns, sheet="부서별 집행 현황", title="부서별 집행 현황 및 연말 전망",
                 page_rows=page.reset_index(drop=True),
                 unit=scope.money(), as_of=iso(date), source=source_text(ds, rows.get("source", [])),
                 headers=headers, row_class=classes, notes=notes, nowrap=["signal_text"],
                 cell_class={"signal_text": rows["signal"].map(outlook.SIGNAL_CLASS).fillna("")})


def footer(scope: Scope):
    return shared.footer(scope, compact=True)  # the brief is one A4 page
