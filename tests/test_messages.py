"""The brief's rules (seoulcomm.messages) on hand-made figures: what each message says, that a
message never comes without a figure, never repeats another's figure, and is left out where
its rule does not apply. Every expected figure is computed by hand from the rows below."""
from __future__ import annotations

import pandas as pd

from seoulcomm import messages
from seoulcomm.messages import Facts

M = 1_000_000  # 원 per 백만원


def _overview(settled: bool = False) -> pd.DataFrame:
    # office = a + b; a: 집행 300 of 1,000 (30.0%), b: 집행 100 of 500 (20.0%) at a date whose
    # reference (경과) is 40.0%: gaps △10.0 and △20.0; projections 75.0% / 50.0%
    return pd.DataFrame({
        "year": 2030, "unit": ["office", "a", "b"], "kind": ["office", "division", "division"],
        "as_of": "2030-05-26", "settled": settled, "table": "budget_detail",
        "available": [1500 * M, 1000 * M, 500 * M], "executed": [400 * M, 300 * M, 100 * M],
        "execution_rate": [26.7, 30.0, 20.0], "reference": "경과",
        "reference_rate": [40.0, 40.0, 40.0], "reference_gap": [-13.3, -10.0, -20.0],
        "method": "단순 경과", "projected_rate": [66.7, 75.0, 50.0],
        "projected_unspent": [500 * M, 250 * M, 250 * M], "signal": ["위험", "위험", "위험"],
        "laggards": [2, 1, 1], "open_checks": [1, 0, 2],
        "report": ["2030/office.html", "2030/a.html", "2030/b.html"], "source": "x.txt",
    })


def _lines() -> pd.DataFrame:
    return pd.DataFrame({
        "unit": ["a", "a", "b", "b"], "key": ["1", "2", "3", "4"],
        "name": ["가사업", "나사업", "다사업", "라사업"], "as_of": "2030-05-26", "settled": False,
        "available": [600 * M, 400 * M, 300 * M, 200 * M],
        "executed": [100 * M, 200 * M, 0, 100 * M],
        "balance": [500 * M, 200 * M, 300 * M, 100 * M],
        "execution_rate": [16.7, 50.0, 0.0, 50.0], "reference": "경과",
        "reference_rate": 40.0, "reference_gap": [-23.3, 10.0, -40.0, 10.0], "method": "단순 경과",
        "projected_rate": [41.7, 100.0, 0.0, 100.0],
        "projected_unspent": [350 * M, 0, 300 * M, 0], "signal": ["위험", "양호", "위험", "양호"],
        "lagging": [True, False, True, False],
        "report": ["2030/a.html", "2030/a.html", "2030/b.html", "2030/b.html"],
    })


def _checks() -> dict:
    row = {"table": "t", "item": "항목", "check": "합계", "stated": 10.0, "computed": 12.0,
           "unit": "백만원"}
    return {"office": pd.DataFrame([{**row, "verdict": "truncation"}]),
            "a": pd.DataFrame(columns=list(row) + ["verdict"]),
            "b": pd.DataFrame([{**row, "verdict": "discrepancy"}, {**row, "verdict": "unmatched"}])}


def _facts(**kw) -> Facts:
    args = dict(year=2030, overview=_overview(), lines=_lines(), checks=_checks(),
                names={"office": "기획관", "a": "가과", "b": "나과"}, money="백만원", threshold=10.0)
    args.update(kw)
    return Facts(**args)


def test_the_messages_in_order_each_with_its_figures():
    picked = messages.select(_facts())
    assert [m.rule for m in picked] == ["overall", "unspent", "laggards", "checks"]
    overall = picked[0]
    assert overall.head.text == ("기획관 집행률 26.7%(2030. 5. 26. 기준, 예산현액 1,500백만원 중 "
                                 "400백만원 집행), 연간 경과율 40.0% 대비 △13.3%p")
    assert overall.items[0].text == "연말 전망 집행률 66.7%, 전망 불용액 500백만원 — ‘위험’"
    # the 위험 divisions, lowest projection first, each beside its 예산현액
    assert overall.items[1].text == ("‘위험’ 부서: 나과 전망 집행률 50.0%(예산현액 500백만원), "
                                     "가과 전망 집행률 75.0%(예산현액 1,000백만원)")
    unspent = picked[1]
    # lines with a projected 불용 > 0: 가사업 350, 다사업 300 → 650
    assert unspent.head.text == "연말 불용 전망 상위 2개 사업: 전망 불용액 합계 650백만원"
    assert [i.text for i in unspent.items] == [
        "가사업 (가과) 전망 불용액 350백만원 (예산현액 600백만원, 전망 집행률 41.7%)",
        "다사업 (나과) 전망 불용액 300백만원 (예산현액 300백만원, 전망 집행률 0.0%)"]
    assert unspent.link == "2030/a.html"
    laggards = picked[2]
    # 부진: 가사업 (잔액 500) and 다사업 (잔액 300): 2개, 800 in all; the largest is 가사업
    assert laggards.head.text == "기준보다 10%p 넘게 뒤처진 부진 사업 2개, 집행잔액 합계 800백만원"
    assert laggards.items[0].text == ("가장 큰 사업: 가사업 (가과) 집행잔액 500백만원 "
                                      "(예산현액 600백만원, 집행률 16.7%)")
    checks = picked[3]
    assert checks.head.text == "원문 검증 미결 항목(일치·반올림 차이 외): 기획관 보고서 1건, 나과 보고서 2건"
    for m in picked:
        assert m.figures and m.link


def test_a_figure_is_never_given_twice():
    picked = messages.select(_facts())
    seen: set = set()
    for m in picked:  # every line gives a figure no line before it gave
        for line in [m.head] + m.items:
            assert set(line.figures) - seen, line.text
        seen |= set(m.figures)
    # 가과's 전망 집행률 75.0 is in the overall message; a later line giving only it is left out
    again = messages.Message("again", messages.Line(["새 수치 ", messages.Fig("x", "1", "건", "a")]),
                             [messages.Line(["가과 ", messages.Fig("projected_rate", "75.0", "%", "a")])])
    picked = messages.select(_facts(), rules=messages.RULES + (lambda f: again,))
    assert picked[-1].rule == "again" and picked[-1].items == []
    # a message whose □ line only repeats is dropped
    repeat = messages.Message("repeat", messages.Line([messages.Fig("execution_rate", "26.7", "%", "office")]))
    assert "repeat" not in [m.rule for m in messages.select(_facts(), rules=messages.RULES + (lambda f: repeat,))]


def test_rules_that_do_not_apply_are_left_out():
    # no detail lines: no 부진 message; the 불용 message names divisions instead
    picked = messages.select(_facts(lines=_lines()[:0], checks={}))
    assert [m.rule for m in picked] == ["overall", "unspent"]
    assert picked[1].head.text == "연말 불용 전망 상위 2개 부서: 전망 불용액 합계 500백만원"
    # no versions: no budget change; nothing at all: nothing
    assert messages.budget_changes(_facts()) is None
    empty = _overview()[:0]
    assert messages.select(_facts(overview=empty, lines=_lines()[:0], checks={})) == []


def test_budget_changes_only_where_the_year_has_versions():
    versions = pd.DataFrame({
        "unit": ["office", "a", "b", "office", "a", "b"],
        "version": ["당초", "당초", "당초", "1회 추경", "1회 추경", "1회 추경"],
        "date": ["2030-01-01"] * 3 + ["2030-07-01"] * 3,
        "budget": [1400 * M, 950 * M, 450 * M, 1500 * M, 1000 * M, 500 * M]})
    message = messages.budget_changes(_facts(versions=versions))
    # 1,500 − 1,400 = 100; 가과 +50, 나과 +50
    assert message.head.text == "기획관 예산 당초 1,400백만원 → 1회 추경 1,500백만원 (100백만원)"
    assert message.items[0].text == "변경 부서: 가과 50백만원, 나과 50백만원"
    assert messages.budget_changes(_facts(versions=versions[versions["version"] == "당초"])) is None


def test_a_settled_year_says_its_actual_unspent():
    facts = _facts(overview=_overview(settled=True).assign(projected_rate=float("nan")),
                   lines=_lines()[:0], checks={})
    picked = messages.select(facts)
    assert picked[0].head.text == "기획관 집행률 26.7%(연말, 예산현액 1,500백만원 중 400백만원 집행)"
    # before 이월 is split from a 12-31 balance it is 연말 집행잔액, not 불용액
    assert picked[0].items[0].text == "연말 집행잔액(예산현액 − 집행액) 500백만원 — ‘위험’"
    assert picked[1].head.text == "연말 집행잔액 상위 2개 부서: 집행잔액 합계 500백만원"


def test_a_settled_year_with_earlier_lines_never_mixes_their_dates():
    # the divisions settled (12-31) but the program detail stops at '30.5.26: the 불용 message
    # names the divisions' 연말 집행잔액 (_overview: a 250 + b 250 = 500), not the lines' 5-26
    # projection; the 부진 message names the snapshot its lines are judged at
    facts = _facts(overview=_overview(settled=True).assign(projected_rate=float("nan")), checks={})
    picked = {m.rule: m for m in messages.select(facts)}
    assert picked["unspent"].head.text == "연말 집행잔액 상위 2개 부서: 집행잔액 합계 500백만원"
    assert picked["unspent"].items[0].text == "가과 집행잔액 250백만원 (예산현액 1,000백만원, 집행률 30.0%)"
    assert picked["laggards"].head.text == ("기준보다 10%p 넘게 뒤처진 부진 사업 2개, 집행잔액 합계 800백만원 "
                                            "(2030. 5. 26. 사업별 자료 기준)")
    # lines of two snapshots: the first and the last
    lines = _lines().assign(as_of=["2030-05-26", "2030-05-26", "2030-04-08", "2030-04-08"])
    late = messages.laggards(_facts(overview=_overview(settled=True), lines=lines, checks={}))
    assert late.head.text.endswith("(2030. 4. 8.~2030. 5. 26. 사업별 자료 기준)")
    # lines settled as well: the lines themselves, as actual figures
    settled = _lines().assign(as_of="2030-12-31", settled=True)
    unspent = messages.largest_unspent(_facts(overview=_overview(settled=True), lines=settled, checks={}))
    assert unspent.head.text == "연말 집행잔액 상위 2개 사업: 집행잔액 합계 650백만원"
