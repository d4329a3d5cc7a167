"""Korean labels of the data files' columns: the data workbook's headers, and the headers a
data file may use instead of the English column names.

``catalog.yaml`` may override any of them per table (``labels: {year: 회계연도}``); the
effective labels are :meth:`seoulcomm.load.Catalog.labels`. Within a table no two columns
share a label.
"""
from __future__ import annotations

import re

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
}


def default_labels(table: str, columns) -> dict[str, str]:
    """``{column: label}`` for ``table``'s ``columns`` (a column with no label keeps its name)."""
    own = TABLE_LABELS.get(table, {})
    return {c: own.get(c, COLUMN_LABELS.get(c, c)) for c in columns}


_SUFFIX = re.compile(r"\s*[\(（][^()（）]*[\)）]\s*$")


def header_key(text: str) -> str:
    """A header as compared with labels: no spaces, no trailing ``(단위)``."""
    return re.sub(r"\s+", "", _SUFFIX.sub("", str(text)))
