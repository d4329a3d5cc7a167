"""The 연말 집행 전망 section the division and office reports show: a short 개조식 summary
(total projected 불용 and the three largest, the year's targets), and the table of each
line's (or division's) reference, projection and signal (:func:`seoulcomm.views.projection`)."""
from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .. import labels, units, views
from ..display import Html, Notice, Table, fmt_date
from .shared import Scope, iso, projected, source_text

#: The table's caption and its workbook sheet (DESIGN.md: names that checks rely on).
TITLE = "연말 집행 전망"
SHEET = "집행전망"
#: CSS class of the 신호 cell, by signal word (a word as well as a colour).
SIGNAL_CLASS = {"위험": "sc-red", "주의": "sc-amber", "양호": "sc-green"}


def method_note(scope: Scope, settled: bool) -> str:
    """The 작성 기준 of the table: references, methods and the signal's thresholds."""
    t, red, amber = f"{scope.threshold:g}", f"{scope.red:g}", f"{scope.amber:g}"
    if settled:
        body = ("연말(12. 31.) 실적: 전망 없이 연말 집행잔액(예산 − 집행액) 적음 · 다음연도 이월이 "
                "나뉘기 전이므로 불용액과 다를 수 있음.")
    else:
        body = ("전망 방법: 계획 = 집행액 × 12월 계획 ÷ 기준일 계획(예산현액 한도, 기준일 계획이 0이면 "
                "12월 계획과 집행액 중 큰 값) · 전년 패턴 = 집행률 × 전년 연말 집행률 ÷ 전년 같은 날 집행률"
                "(100% 한도) · 단순 경과 = 집행률 ÷ 연간 경과율(100% 한도). 전망 불용액 = 예산현액 − 전망 집행액.")
    return ("작성 기준: 기준은 월별 집행계획(계획: 기준일 누계 계획 ÷ 12월 누계 계획, 월말 사이는 날짜로 "
            "나눔, 1월 1일은 0), 없으면 전년 같은 날 집행률(전년), 없으면 연간 경과율(경과) 순으로 씀. "
            f"기준 집행률보다 {t}%p 넘게 낮으면 ‘부진’(연한 붉은 행). " + body
            + f" 신호: 위험(전망 집행률 {red}% 미만) · 주의({red}% 이상 {amber}% 미만) · 양호({amber}% 이상).")


def _targets_lines(scope: Scope) -> list[str]:
    unit = None if scope.unit == "office" else scope.unit
    found = views.projection_targets(scope.ds, scope.year, unit=unit, threshold=scope.threshold)
    lines = []
    for when, goal, status, rate, at, gap in zip(found["as_of"], found["target_rate"], found["status"],
                                                 found["rate"], found["rate_as_of"], found["gap"]):
        head = f"○ 집행 목표 {units.fmt_rate(goal)}({fmt_date(iso(when))}까지)"
        if status == "자료 없음":
            lines.append(f"{head}: 목표일 이전 집행 자료 없음")
        elif status in ("달성", "미달"):
            lines.append(f"{head}: {status} — 같은 날 집행률 {units.fmt_rate(rate)}")
        elif gap > 0:
            lines.append(f"{head}: 목표까지 {units.fmt_number(gap, 1)}%p — 집행률 {units.fmt_rate(rate)}"
                         f"({fmt_date(iso(at))} 기준)")
        else:
            lines.append(f"{head}: 이미 목표 수준 — 집행률 {units.fmt_rate(rate)}({fmt_date(iso(at))} 기준)")
    return lines


def _base_word(scope: Scope) -> str:
    """예산현액 where the year has a detail (편성 + 이월), else the division table's 예산액."""
    return "예산현액" if views.latest(scope.ds, scope.year, "budget_detail") is not None else "예산액"


def summary_lines(scope: Scope, rows: pd.DataFrame) -> list[str]:
    """The 개조식 lines above the table: total 불용 (projected or actual), the three largest,
    the number of 부진 rows, and the year's targets."""
    money = scope.money()
    total_key = "office" if scope.unit == "office" else scope.unit
    parts = rows[rows["key"] != total_key]
    settled = bool(rows["settled"].all()) if len(rows) else False
    # a 12-31 balance is not 불용 until 이월 is split out (issue 22: 2016's 이월 1,341 > 2015's
    # whole 집행잔액 916): 연말 집행잔액, on the base the year's table states
    word = "집행잔액(실적)" if settled else "전망 불용액"
    base = _base_word(scope)
    whole = rows[rows["key"] == total_key]
    use = parts if len(parts) else whole
    total = int(use["unspent"].fillna(0).sum())
    available = int(use["available"].fillna(0).sum())
    share = units.fmt_rate(total / available * 100) if available else ""
    each = "부서별" if scope.unit == "office" else "사업별"
    lines = [f"□ 연말 {word} {units.fmt_money(total, money)}{money}"
             + (f"({each} 합계, {base}의 {share})" if len(parts) and share else
                f"({base}의 {share})" if share else "")]
    top = parts[(parts["unspent"].fillna(0) > 0).to_numpy(dtype=bool)].head(3)
    if len(top):
        named = ", ".join(f"{n} {units.fmt_money(u, money)}{money}" for n, u in zip(top["name"], top["unspent"]))
        lines.append(f"○ 큰 순: {named}")
    lagging = int(parts["lagging"].sum())
    if lagging and not settled:
        lines.append(f"○ 기준보다 {scope.threshold:g}%p 넘게 뒤처진 ‘부진’ {lagging}개")
    if scope.unit == "office" and len(parts) > views.TOP_DIVISIONS:
        counts = parts["signal"].astype("string").value_counts()
        lines.append("○ 부서별 신호: " + ", ".join(f"{w} {int(counts.get(w, 0))}개" for w in SIGNAL_CLASS)
                     + f" (표: 전망 불용액 상위 {views.TOP_DIVISIONS}개 부서)")
    lines += _targets_lines(scope)
    if len(parts) and len(whole) and not settled and not pd.isna(whole["unspent"].iloc[0]) \
            and int(whole["unspent"].iloc[0]) != total:
        w = whole.iloc[0]
        lines.append(f"※ {w['name']} 전체 행은 전체 집행률로 따로 전망({w['method']}): 전망 집행률 "
                     f"{units.fmt_rate(w['projected_rate'])}, 전망 불용액 {units.fmt_money(w['unspent'], money)}{money}")
    return lines


def projection(scope: Scope) -> list:
    """The 연말 집행 전망 section: the summary lines and the table (largest 불용 first)."""
    ds, year = scope.ds, scope.year
    unit = None if scope.unit == "office" else scope.unit
    rows = projected(scope)
    if rows.empty:
        return [Notice(f"{int(year)}년 집행 자료 없음 — 연말 집행 전망 불가")]
    settled = bool(rows["settled"].all())
    shown = rows.copy()
    shown["method"] = shown["method"].where(~shown["settled"], "연말 실적")
    lines = summary_lines(scope, rows)
    summary = Html('<div class="sc-outlook" style="margin:8px 0 4px;">'
                   + "".join(f'<p style="margin:2px 0 2px {0 if ln.startswith("□") else 1.2}em;">'
                             f"{html.escape(ln)}</p>" for ln in lines) + "</div>", "\n".join(lines))
    what = "부서" if unit is None else "사업"
    classes = pd.Series(np.where(rows["lagging"].to_numpy(dtype=bool), "sc-flag", ""), index=rows.index)
    total_key = "office" if unit is None else unit
    classes = classes.where(rows["key"] != total_key, (classes + " sc-bold").str.strip())
    signal_class = rows["signal"].map(SIGNAL_CLASS).fillna("")
    fold, fold_notes = {}, []
    if unit is None and (rows["key"] != total_key).sum() > views.TOP_DIVISIONS:
        # the page: the office and the divisions with the largest 불용, one 기타 line for the
        # rest; the sheet: every division (no 기타 line)
        parts = rows[(rows["key"] != total_key).to_numpy(dtype=bool)]
        keep = list(parts["key"].head(views.TOP_DIVISIONS))
        rest = views.fold(rows, keep, key="key", sums=["available", "executed", "unspent"],
                          rates=views.POOLED_RATE)
        count = int(rest["folded"].iloc[0])
        rest["name"] = labels.others(count)
        rest["settled"] = settled
        rest["method"] = ""
        available, unspent = rest["available"].iloc[0], rest["unspent"].iloc[0]
        rest["projected_rate"] = (np.nan if settled or pd.isna(available) or not available or pd.isna(unspent)
                                  else (float(available) - float(unspent)) / float(available) * 100)
        shown = pd.concat([shown, rest], ignore_index=True)
        named = (rows["key"].isin(keep) | (rows["key"] == total_key)).fillna(False).to_numpy(dtype=bool)
        fold = {"page_rows": pd.Series(np.r_[named, True]),
                "sheet_rows": pd.Series(np.r_[np.ones(len(rows), dtype=bool), False])}
        classes = pd.Series(list(classes) + ["sc-sub"])
        signal_class = pd.Series(list(signal_class) + [""])
        fold_notes = [f"{'연말 집행잔액' if settled else '전망 불용액'} 상위 {len(keep)}개 부서 외 {count}개 부서는 "
                      "‘기타’ 한 줄로 합산함(집행률·전망 집행률은 합산액으로 다시 계산). 전체 "
                      f"{len(parts)}개 부서와 각 신호는 통합문서 ‘{SHEET}’ 시트 참조."]
    headers = {"name": (what, "text"), "reference": ("기준", "text"),
               "reference_rate": ("기준 집행률(%)", "rate"), "method": ("전망 방법", "text"),
               "projected_rate": ("전망 집행률(%)", "rate"),
               "unspent": ("연말 집행잔액(실적)" if settled else "전망 불용액", "money"),
               "available": (_base_word(scope), "money"),
               "signal": ("신호", "text")}
    table = Table(shown, ["name", "available", "executed", "execution_rate", "reference", "reference_rate",
                          "method", "projected_rate", "unspent", "signal"],
                  sheet=SHEET, title=TITLE, unit=scope.money(), as_of=iso(rows["as_of"].max()),
                  source=source_text(ds, rows["source"]), headers=headers, row_class=classes,
                  nowrap=["reference", "method", "signal"],
                  cell_class={"signal": signal_class}, **fold,
                  notes=[method_note(scope, settled),
                         f"집행률·기준 집행률·전망 집행률: 적힌 금액으로 계산(집행액 ÷ {_base_word(scope)})"]
                  + fold_notes)
    return [summary, table]
