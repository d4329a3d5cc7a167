"""Verdicts with more than right and wrong (issue 22): one fixture per kind, each from the
sources (quoted) and a copy of the data changed so that the explanation no longer holds.

- 설명됨: 000 Ⅲ-4-① 사업비 414 vs 세부내역 418 — 004 예산 총괄 2016 사무관리비 414,000천원 +
  시책추진업무추진비 4,000천원 = 계 418,000천원.
- 시점 차이: 시 대표 SNS 친구 수 2015 — 004 (written during 2015 for the 2016 budget request)
  "약 395,000여명" vs 000 (2016. 4. 26.) "474,219명".
- 일부 대응: 000 Ⅲ-3-② 사업비 240 ≤ 세부내역 민원제안통합관리시스템 운영 432; Ⅲ-3-① 274 ≤
  민원서비스 품질관리 및 시상 265 + 통합민원 처리 및 열린민원실 운영 75.
- 참고: 000 Ⅰ-3 "주요 사업별로는 … 『서울시 도시브랜드 마케팅』 이 5.6%" leaves out
  120다산콜센터 관리 및 고도화 (2,808 of 40,828 = 6.9%): a selection, not a contradiction.
- 불일치: 000 세부내역 시민소통담당관 전년도 이월액 1,341 > 000 2015년도 예산 집행현황
  시민소통담당관 집행잔액 916 (2015. 12. 31.) — nothing in the sources explains it.
"""
from __future__ import annotations

import pytest

from seoulcomm import audit, load
from seoulcomm.content import division, shared
from seoulcomm.display import Table


def _find(frame, item: str, check: str | None = None):
    rows = frame[frame["item"].str.startswith(item)]
    if check is not None:
        rows = rows[rows["check"].str.startswith(check)]
    assert len(rows) == 1, (item, check, rows[["item", "check"]].to_string())
    return rows.iloc[0]


def _edit(folder, file: str, old: str, new: str):
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, (file, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def shipped():
    return audit.reconcile(load.load_all())


def test_explained_names_the_explaining_figure(shipped):
    row = _find(shipped, "4-1 ", "Ⅲ 사업비")
    assert (row["stated"], row["computed"], row["verdict"]) == (414.0, 418.0, "explained")
    assert "사무관리비 414,000천원" in row["note"] and "시책추진업무추진비 4,000" in row["note"]


def test_explained_needs_the_figure(data_copy):
    # Ⅲ-4-① 사업비 416: no item of the program sheet is 416 → nothing explains 416 vs 418
    _edit(data_copy, "sections.csv", "소셜미디어를 통한 시민과의 소통 활성화,414,", "소셜미디어를 통한 시민과의 소통 활성화,416,")
    row = _find(audit.reconcile(load.load_all(data_copy)), "4-1 ", "Ⅲ 사업비")
    assert row["verdict"] == "discrepancy"


def test_timing_two_documents_written_at_different_dates(shipped):
    row = _find(shipped, "4-1 시 대표 SNS 친구 수 (2015)", "두 문서의 같은 실적")
    assert (row["stated"], row["computed"], row["verdict"]) == (395000.0, 474219.0, "timing")
    assert row["note"] == "사업설명서 2015년 작성 · 업무보고 2016. 4. 26. 작성"


def test_timing_needs_different_dates(data_copy):
    # the same two figures from documents written the same day: nothing explains the gap
    _edit(data_copy, "documents.csv", ",사업설명서,program_sheet,2015", ",사업설명서,program_sheet,2016-04-26")
    row = _find(audit.reconcile(load.load_all(data_copy)), "4-1 시 대표 SNS 친구 수 (2015)")
    assert row["verdict"] == "discrepancy"


def test_partial_a_section_covers_part_of_a_program(shipped):
    row = _find(shipped, "3-2 ", "Ⅲ 사업비")
    assert (row["stated"], row["computed"], row["verdict"]) == (240.0, 432.0, "partial")
    row = _find(shipped, "3-1 ", "Ⅲ 사업비")
    assert (row["stated"], row["computed"], row["verdict"]) == (274.0, 340.0, "partial")


def test_partial_is_never_more_than_the_whole(data_copy):
    # Ⅲ-3-② 사업비 500 > 432: a part cannot exceed the program it is part of
    _edit(data_copy, "sections.csv", "운영 개선,240,", "운영 개선,500,")
    row = _find(audit.reconcile(load.load_all(data_copy)), "3-2 ", "Ⅲ 사업비")
    assert row["verdict"] == "discrepancy"


def test_reference_a_selection_is_no_contradiction(shipped):
    row = _find(shipped, "120다산콜센터 관리 및 고도화 (2016)", "비중 목록 누락")
    assert row["verdict"] == "reference"
    # Ⅲ-2-① 1,706 and Ⅲ-2-② 1,224 reconcile only as a pair (2,930): each alone is a reference
    assert _find(shipped, "2-1 ", "Ⅲ 사업비")["verdict"] == "reference"
    pair = _find(shipped, "2-1+2-2", "Ⅲ 사업비")
    assert (pair["stated"], pair["computed"], pair["verdict"]) == (2930.0, 2930.0, "exact")


def test_discrepancy_carry_over_exceeds_the_prior_balance(shipped):
    row = _find(shipped, "시민소통담당관 (2016)", "전년도 이월액 ≤ 전년도 집행잔액")
    assert (row["stated"], row["computed"], row["verdict"]) == (1341.0, 916.0, "discrepancy")
    assert "결산이 아님" in row["note"]
    # the office as a whole: 1,341 ≤ 2,680 (000, 2015년도 예산 집행현황 계)
    row = _find(shipped, "시민소통기획관 (2016)", "전년도 이월액 ≤ 전년도 집행잔액")
    assert (row["stated"], row["computed"], row["verdict"]) == (1341.0, 2680.0, "exact")


def test_the_settlements_chain_from_year_to_year(shipped):
    # 004 최근 3년 결산현황: 차년이월 0 (2012, 2013) = 전년이월 0 (2013, 2014)
    for label in ("결산 (2012→2013)", "결산 (2013→2014)"):
        assert _find(shipped, label, "차년이월")["verdict"] == "exact"


def test_the_report_names_each_verdict_and_its_meaning():
    scope = division.prepare("civil-service", 2016)
    notice, table = shared.audit_notes(scope)
    assert isinstance(table, Table)
    verdicts = set(table.frame["verdict"])
    assert {"일부 대응"} <= verdicts
    assert "일부 대응: Ⅲ장 사업비가 세부내역 사업의 일부에 해당" in table.notes[0]
    # the one left: 000 Ⅰ-3 『120 다산콜센터 운영』 41.4% vs 16,866 ÷ 40,828 = 41.3%
    assert notice.text.startswith("원문 수치 간 불일치 1건")
    notice = shared.audit_notes(division.prepare("citizen-communication", 2016))[0]
    assert notice.text.startswith("원문 수치 간 불일치 2건")  # 이월 1,341 > 916; 시민청 비중 7.8
