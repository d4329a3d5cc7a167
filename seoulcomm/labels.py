"""The reports' vocabulary: Korean labels of columns and coded values, and the words for time.

One label map (:data:`LABELS`) names every column a report table shows and decides how it
is displayed; :data:`VALUE_LABELS` names coded values. Units are not here: they come from
``data/catalog.yaml`` through the dataset (:func:`money_unit`). Time words follow one rule
(:func:`period`): 결산 only where the data supports one (a table that is a settlement by
nature, a document marked as a settlement, figures with 이월/불용 split); other 12-31 figures
are 연말 집행 실적; any other date is 집행 실적 at that date.

The data files' columns have Korean labels too (:data:`COLUMN_LABELS`): the data workbook's
headers, and the headers a data file may use instead of the English column names;
``catalog.yaml`` may override them per table (``labels: {year: 회계연도}``, see
:meth:`seoulcomm.load.Catalog.labels`). Within a table no two columns share a label.
"""
from __future__ import annotations

import re

import pandas as pd

from . import units
from .history import names_in

#: Column → (Korean label, kind). The kind decides the display: ``text``, ``money``
#: (in the table's money unit), ``money0`` (zero as ``-``, as the source prints 이월액),
#: ``change`` (money, △ for a decrease, ``-`` for none), ``rate`` (percent, one decimal),
#: ``rate_change`` (percent or %p with △), ``count`` (people; zero as ``-``), ``gap``
#: (people with △), ``number`` (a count or measure in its row's unit), ``year``, ``date``,
#: ``month``. A context (e.g. ``settlement``) overrides labels for its own tables.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "": {
        "name": ("부서/사업명", "text"),
        "unit_name": ("부서", "text"),
        "budget": ("예산편성액", "money"),
        "carryover": ("전년도 이월액", "money0"),
        "available": ("예산현액", "money"),
        "executed": ("집행액", "money"),
        "balance": ("집행잔액", "money"),
        "execution_rate": ("집행률(%)", "rate"),
        "elapsed": ("연간 경과율(%)", "rate"),
        "pace_gap": ("경과율 대비(%p)", "rate_change"),
        "pace_flag": ("집행 속도", "text"),
        "as_of": ("기준일", "date"),
        "year": ("연도", "year"),
        "period": ("기준", "text"),
        "share": ("비율(%)", "rate"),
        "change": ("증감", "change"),
        "change_rate": ("증감률(%)", "rate_change"),
        "authorized": ("정원", "count"),
        "current": ("현원", "count"),
        "gap": ("과·결원", "gap"),
        "job_group": ("직군", "text"),
        "grade": ("직급", "text"),
        "section": ("사업", "text"),
        "metric": ("지표", "text"),
        "metric_unit": ("단위", "text"),
        "first_actual": ("이전 실적", "number"),
        "first_when": ("이전 시점", "text"),
        "last_actual": ("실적", "number"),
        "last_when": ("실적 시점", "text"),
        "target": ("목표·계획", "number"),
        "target_when": ("목표 시점", "text"),
        "period_note": ("비고(원문 표기)", "text"),
        "outcome_change": ("증감", "number"),
        "achievement": ("달성률(%)", "rate"),
        "outcome_existing": ("현황", "number"),
        "outcome_target": ("목표 범위", "text"),
        "outcome_gap": ("기준 대비 목표 차이", "number"),
        "stated_change": ("원문 증감", "text"),
        "document": ("문서", "text"),
        "step": ("추진 내용", "text"),
        "start": ("시작", "month"),
        "end": ("종료", "text"),
        "status": ("구분", "text"),
        "detail": ("세부 내용", "text"),
        "table": ("표", "text"),
        "item": ("항목", "text"),
        "check": ("검증", "text"),
        "stated": ("원문", "number"),
        "computed": ("다시 계산", "number"),
        "difference": ("차이", "number"),
        "verdict": ("판정", "text"),
        "audit_unit": ("단위", "text"),
        "audit_note": ("비고", "text"),
        "program_name": ("사업명", "text"),
        "division_name": ("부서", "text"),
        "category": ("구분", "text"),
    },
    "composition": {
        "category": ("구분", "text"),
        "budget": ("예산", "money"),
        "share": ("비중(%)", "rate"),
    },
    "progress": {
        "budget": ("예산액", "money"),
    },
    "settlement": {
        "budget": ("당초예산", "money"),
        "carried_in": ("전년이월", "money0"),
        "changed": ("예산변경", "change"),
        "available": ("예산현액", "money"),
        "executed": ("집행액", "money"),
        "carried_out": ("차년이월", "money0"),
        "balance": ("집행잔액", "money"),
        "unspent": ("불용액", "money"),
        "unspent_rate": ("불용률(%)", "rate"),
    },
    "costs": {
        "item": ("비목", "text"),
        "line": ("산출 내역", "text"),
        "unit_cost": ("단가(원)", "money"),
        "quantity": ("수량", "number"),
        "quantity_unit": ("수량 단위", "text"),
        "amount": ("금액", "money"),
        "computed": ("단가×수량", "money"),
    },
    "program_budget": {
        "item": ("구분", "text"),
        "budget": ("예산", "money"),
        "change_stated": ("원문 증감", "change"),
        "rate_stated": ("원문 증감률(%)", "number"),
    },
    "divisions": {
        "budget": ("예산", "money"),
        "detail_available": ("예산현액(세부내역)", "money"),
        "detail_budget": ("예산(세부내역 기준)", "money"),
        "settled_budget": ("예산액(집행현황)", "money"),
        "transfer": ("이관", "change"),
    },
    "bridge": {
        "item": ("구분", "text"),
        "amount": ("금액", "change"),
        "version": ("예산 단계", "text"),
        "as_of_text": ("기준", "text"),
    },
    "overview": {
        "item": ("구분", "text"),
        "detail": ("내용", "text"),
    },
    "history": {
        "start": ("시기", "month"),
        "step": ("내용", "text"),
        "detail": ("근거 문서", "text"),
    },
}

#: Korean words for coded values the tables show.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "pace_flag": {"lagging": "부진", "on_pace": "정상", "ahead": "빠름"},
    "verdict": {"exact": "일치", "rounding": "반올림 차이", "truncation": "절사 차이",
                "explained": "설명됨", "timing": "시점 차이", "partial": "일부 대응",
                "reference": "참고", "unmatched": "대사 불가", "discrepancy": "불일치"},
    "status": {"done": "완료", "plan": "계획", "ongoing": "추진 중", "lapsed": "기간 경과",
               "history": "추진경위"},
    "level": {"office": "기획관", "office_part": "구분", "division": "부서", "policy": "정책사업",
              "program": "단위사업", "basic": "기본경비"},
}

#: Indentation and bold rows of a table shaped like the source's 예산편성 세부내역.
INDENT_LEVELS = {"office": 0, "office_part": 1, "division": 0, "policy": 1, "program": 2,
                 "basic": 1}
BOLD_LEVELS = {"office", "division", "total", "item"}


_YEAR_SUFFIX = re.compile(r"^(?P<base>.+)_(?P<year>\d{4})$")


def label(column: str, context: str = "") -> tuple[str, str]:
    """The Korean label and display kind of ``column`` (in ``context`` if it overrides it).

    A column named ``<name>_<year>`` (one column per year, e.g. ``budget_2016``) takes the
    label of ``<name>`` prefixed with the year: ``2016년 예산``.
    """
    found = LABELS.get(context, {}).get(column) or LABELS[""].get(column)
    if found is not None:
        return found
    match = _YEAR_SUFFIX.match(column)
    if match:
        text, kind = label(match["base"], context)
        return f"{match['year']}년 {text}", kind
    return column, "text"


#: Readable words for the source's one-word qualifiers of a figure (``주 1회`` → 주당).
NOTE_GLOSS: dict[str, str] = {
    "주": "주당", "월": "월당", "총": "총계", "여": "남짓(원문 ‘여’)", "약": "어림값(원문 ‘약’)",
    "1일": "하루 기준",
}

#: Qualifiers of a figure that change what it counts: they stay in the indicator's label
#: (외국어 홈페이지 방문자 수 "일평균 4,300여명" → 외국어 홈페이지 방문자 수(일평균)).
METRIC_QUALIFIERS = ("일평균", "월평균", "연평균", "누적")


def metric_label(metric: str, *notes) -> str:
    """The indicator's label with the qualifiers its notes give it and it does not yet say."""
    said = [q for q in METRIC_QUALIFIERS
            if q not in str(metric) and any(q in str(n) for n in notes if isinstance(n, str))]
    if not said:
        return str(metric)
    if str(metric).endswith(")"):  # 대관 횟수(시민플라자 등) → 대관 횟수(시민플라자 등, 누적)
        return f"{str(metric)[:-1]}, {', '.join(said)})"
    return f"{metric}({', '.join(said)})"


#: Tables that are a settlement by nature (their figures are 결산 whatever the date).
SETTLEMENT_TABLES = ("settlement",)
#: The ``kind`` a document has in ``documents.csv`` when it is a settlement (결산서).
SETTLEMENT_DOCUMENT = "settlement"


def _missing_date(as_of) -> bool:
    return as_of is None or (not isinstance(as_of, str) and pd.isna(as_of))


def year_end(as_of) -> bool:
    """A figure as of 12-31: the year's last 집행 실적 (cash closes on 12-31)."""
    if _missing_date(as_of):
        return False
    ts = pd.Timestamp(as_of)
    return (ts.month, ts.day) == (12, 31)


def is_settlement(as_of, table: str | None = None, *, settled: bool = False) -> bool:
    """결산 only where the data supports it: a table that is a settlement by nature, or a
    12-31 figure that ``settled`` says is one (from a document the documents table marks
    as a settlement, or with 이월 and 불용 split). Any other 12-31 figure is 연말 집행 실적."""
    if table in SETTLEMENT_TABLES:
        return True
    return bool(settled) and year_end(as_of)


def period(as_of, table: str | None = None, *, settled: bool = False) -> str:
    """``결산``, ``연말 집행 실적 (12. 31. 기준)`` or ``집행 실적 (2016. 6. 30. 기준)``."""
    if is_settlement(as_of, table, settled=settled):
        return "결산"
    if _missing_date(as_of):
        return "집행 실적"
    if year_end(as_of):
        return "연말 집행 실적 (12. 31. 기준)"
    return f"집행 실적 ({units.fmt_date(as_of)} 기준)"


def period_short(as_of, table: str | None = None, *, settled: bool = False) -> str:
    """``결산``, ``연말(12. 31.)`` or ``2016. 6. 30. 기준`` (for a column or a chart's tick)."""
    if is_settlement(as_of, table, settled=settled):
        return "결산"
    if _missing_date(as_of):
        return ""
    if year_end(as_of):
        return "연말(12. 31.)"
    return f"{units.fmt_date(as_of)} 기준"


def office_shape(divisions: int, teams=None) -> str:
    """The office's shape as it writes it: ``1관 4담당관 21팀`` (the teams where known)."""
    shape = f"1관 {int(divisions)}담당관"
    if teams is not None and not pd.isna(teams):
        shape += f" {int(teams)}팀"
    return shape


def others(count: int) -> str:
    """The line that sums the divisions an office chart or page table does not name:
    ``기타 390개 부서``."""
    return f"기타 {int(count)}개 부서"


def others_note(count: int, shown: int, sheet: str) -> str:
    """Where the divisions a page table folds into 기타 are listed in full."""
    return (f"예산 상위 {int(shown)}개 부서 외 {int(count) - int(shown)}개 부서는 ‘기타’ 한 줄로 합산함"
            f"(집행률·증감률 등 비율은 합산액으로 다시 계산). 전체 {int(count)}개 부서는 통합문서 "
            f"‘{sheet}’ 시트 참조.")


def money_unit(ds, table: str, column: str | None = None) -> str:
    """The money unit a table is written (and shown) in, from ``catalog.yaml``."""
    return ds.unit(table, column)


def names(ds, year=None) -> dict[str, str]:
    """Korean name of each unit (office, divisions) from the organisation table, as of
    ``year`` (renames appended to ``organisation_history`` take effect from their year; a
    report of an earlier year keeps its year's names)."""
    org = ds["organisation"]
    history = ds["organisation_history"] if "organisation_history" in ds.tables else None
    return names_in(org, history, year)


# --------------------------------------------------------------------------- data files
#: Column → label, for every table unless :data:`TABLE_LABELS` says otherwise.
COLUMN_LABELS: dict[str, str] = {
    "year": "연도", "as_of": "기준일", "line": "행 번호", "parent": "상위 행", "level": "수준",
    "unit": "부서", "division": "부서", "name": "부서/사업명", "budget": "예산액",
    "carryover": "전년도 이월액", "available": "예산현액", "executed": "집행액",
    "balance": "집행잔액", "rate_stated": "집행률", "share_stated": "비율",
    "change_stated": "증감액", "source": "출처", "kind": "종류", "name_ko": "한글 이름",
    "name_en": "영문 이름", "short_ko": "약칭", "teams": "팀 수", "job_group": "직군",
    "grade": "직급", "authorized": "정원", "current": "현원", "item": "항목", "value": "값",
    "category": "구분", "section": "사업 번호", "title": "사업명", "budget_stated": "원문 예산",
    "budget_basis": "예산 기준", "detail_programs": "세부사업", "metric": "지표",
    "period": "시점", "period_note": "시점 비고", "direction": "방향", "step": "추진 내용",
    "start": "시작", "end": "종료", "program": "사업 코드", "detail_program": "세부사업명",
    "total_cost": "총사업비", "national": "국비", "city": "시비", "district": "구비",
    "subsidy_rate": "보조율", "cycle": "사업주기", "mode": "추진방식", "status": "상태",
    "nature": "성격", "executor": "시행주체", "group": "산출 그룹", "unit_cost": "단가",
    "quantity": "수량", "quantity_unit": "수량 단위", "amount": "금액", "detail": "세부 내용",
    "carried_in": "전년이월", "changed": "예산변경", "carried_out": "차년이월",
    "file": "파일", "issuer": "발행", "date": "날짜", "short": "약칭", "written": "작성 시기", "value_to": "범위 끝값",
    "order": "순서", "text": "내용", "when": "시기", "part": "부분", "topic": "주제",
    "sections": "사업 번호들", "detail_line": "세부내역 행", "reason": "사유", "relation": "대응 관계",
    "start_date": "시작일", "end_date": "종료일", "since": "누적 시작",
    "partial": "일부 집계 사유",
    "version": "예산 단계",
    "month": "월", "planned": "누계 집행계획", "target_rate": "목표 집행률", "scope": "대상",
}

#: Per-table exceptions.
TABLE_LABELS: dict[str, dict[str, str]] = {
    "organisation": {"unit": "조직 코드", "parent": "상위 조직", "kind": "조직 종류"},
    "budget_detail": {"budget": "예산편성액"},
    "budget_composition": {"rate_stated": "증감률"},
    "program_budget": {"rate_stated": "증감률", "item": "예산 항목"},
    "outcomes": {"unit": "단위", "parent": "상위 지표", "value": "실적·목표값"},
    "staffing_totals": {"value": "인원"},
    "program_costs": {"line": "산출 내역", "level": "수준"},
    "program_schedule": {"kind": "구분", "amount": "금액"},
    "program": {"name_ko": "사업명"},
    "documents": {"title": "문서 제목", "kind": "문서 종류"},
    "section_text": {"part": "항목"},
}


def default_labels(table: str, columns) -> dict[str, str]:
    """``{column: label}`` for ``table``'s ``columns`` (a column with no label keeps its name)."""
    own = TABLE_LABELS.get(table, {})
    return {c: own.get(c, COLUMN_LABELS.get(c, c)) for c in columns}


_SUFFIX = re.compile(r"\s*[\(（][^()（）]*[\)）]\s*$")


def header_key(text: str) -> str:
    """A header as compared with labels: no spaces, no trailing ``(단위)``."""
    return re.sub(r"\s+", "", _SUFFIX.sub("", str(text)))
