"""The index's monitoring view: each year's units (:func:`seoulcomm.monitor.overview`) shaped
into the cells ``templates/index.html.j2`` prints, each with the number it sorts by.

Only formatting happens here; the figures are the monitor's, which are the reports' own.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from . import calc, labels, monitor, params, projection, units, views

#: The signal's colour class (the word is printed too: print and colour-blind readers).
SIGNAL_CLASS = {"위험": "sig-red", "주의": "sig-amber", "양호": "sig-green"}
#: The columns of the view: (key, header, sort kind). Every header sorts its column.
COLUMNS = [
    ("unit", "부서", "text"), ("available", "예산현액", "num"), ("executed", "집행액", "num"),
    ("execution_rate", "집행률(%)", "num"), ("reference", "기준 집행률(%)", "num"),
    ("reference_gap", "기준 대비(%p)", "num"), ("projected_rate", "전망 집행률(%)", "num"),
    ("projected_unspent", "전망 불용액", "num"), ("signal", "신호", "num"),
    ("laggards", "부진 사업", "num"), ("open_checks", "원문 검증 미결", "num"),
]
#: The note under the view: how to read its references, its signal and its counts.
LEGEND = (f"※ 기준: 계획(월별 집행계획)·전년(전년 같은 날 집행률)·경과(연간 경과율), 기준 대비 = 집행률 − 기준 "
          f"집행률. 신호: 전망 집행률 {projection.SIGNAL_RED:g}% 미만 위험, {projection.SIGNAL_AMBER:g}% 미만 "
          "주의, 그 밖 양호(연말 실적은 집행률로 판단). 부진 사업·원문 검증 미결(일치·반올림 차이 외)은 각 "
          "보고서의 항목 수. 부서 이름을 누르면 그 보고서.")
#: The signal's order when a column sorts by it (위험 first when ascending).
SIGNAL_ORDER = {"위험": 0, "주의": 1, "양호": 2}


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def _cell(text: str, value=None, css: str = "") -> dict:
    return {"text": text, "value": "" if _missing(value) else value, "class": css}


def overviews(ds, *, threshold: float = calc.PACE_THRESHOLD) -> dict:
    """:func:`seoulcomm.monitor.overview` of every year the data has, the latest first: the
    figures of :func:`years`, from the data alone (the build computes them beside its reports,
    :mod:`seoulcomm.aside`)."""
    return {int(year): monitor.overview(ds, year, threshold=threshold)
            for year in sorted(ds.years(), reverse=True)}


def years(ds, out_dir: Path, *, threshold: float = calc.PACE_THRESHOLD,
          computed: dict | None = None) -> list[dict]:
    """Every year the data has, the latest first: ``{"year", "as_of", "money", "brief",
    "office" (the office's row), "rows" (the divisions' rows)}``; a row is ``{"unit", "name",
    "href", "cells"}``, a cell ``{"text", "value" (what it sorts by), "class"}``. Links only to
    reports that exist in ``out_dir``. ``computed``: :func:`overviews` of ``ds`` with the same
    ``threshold``, when computed already."""
    out_dir = Path(out_dir)
    money = labels.money_unit(ds, "budget_detail")
    names = labels.names(ds)
    frames = overviews(ds, threshold=threshold) if computed is None else computed
    found = []
    for year, frame in frames.items():
        if frame.empty:
            continue
        rows = [_row(r, names, money, out_dir) for r in frame.to_dict("records")]
        brief = params.OUTPUTS["brief"].format(year=year)
        # 예산현액 where the detail states the year; else the division table's 예산액
        budget = "예산현액" if (frame["table"] == "budget_detail").any() else "예산액"
        # a settled year's balance is its 연말 집행잔액 (not 불용 before 이월 is split), unprojected
        settled = bool(frame["settled"].all())
        words = {"available": budget, "projected_unspent": "연말 집행잔액" if settled else None}
        headers = [(key, words.get(key) or header, kind) for key, header, kind in COLUMNS]
        found.append({
            "year": int(year), "money": money, "headers": headers,
            "as_of": units.fmt_date(frame["as_of"].dropna().max()),
            "settled": bool(frame["settled"].all()),
            "brief": brief if (out_dir / brief).is_file() else None,
            "office": rows[0] if rows and rows[0]["unit"] == "office" else None,
            "rows": [r for r in rows if r["unit"] != "office"],
        })
    return found


def _row(r: dict, names: dict, money: str, out_dir: Path) -> dict:
    settled = bool(r["settled"])
    unit = str(r["unit"])
    name = "계 (" + names.get("office", "기획관") + ")" if unit == "office" else names.get(unit, unit)
    href = r["report"] if (out_dir / r["report"]).is_file() else None
    factor = units.factor(money)
    signal = "" if _missing(r["signal"]) else str(r["signal"])
    ref_rate = r["reference_rate"]
    cells = [
        _cell(name, name),
        _cell(units.fmt_money(r["available"], money), _num(r["available"], factor)),
        _cell(units.fmt_money(r["executed"], money), _num(r["executed"], factor)),
        _cell(units.fmt_number(r["execution_rate"], 1), _round(r["execution_rate"])),
        _cell("" if settled or _missing(ref_rate) else f"{r['reference']} {units.fmt_number(ref_rate, 1)}",
              None if settled else _round(ref_rate)),
        _cell("" if settled else units.fmt_number(r["reference_gap"], 1, triangle=True),
              None if settled else _round(r["reference_gap"])),
        _cell("실적" if settled else units.fmt_number(r["projected_rate"], 1),
              r["execution_rate"] if settled else _round(r["projected_rate"])),
        _cell(units.fmt_money(r["projected_unspent"], money), _num(r["projected_unspent"], factor)),
        _cell(signal, SIGNAL_ORDER.get(signal), SIGNAL_CLASS.get(signal, "")),
        _cell(f"{int(r['laggards']):,}", int(r["laggards"])),
        _cell(f"{int(r['open_checks']):,}", int(r["open_checks"])),
    ]
    return {"unit": unit, "name": name, "href": href, "cells": cells, "settled": settled}


def _num(won, factor: int):
    return None if _missing(won) else int(won) / factor


def _round(value):
    return None if _missing(value) else round(float(value), 3)
