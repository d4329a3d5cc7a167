"""Statuses at the report's date, dates at the source's precision, results with their period
(issue 22). Expected values are quoted from 000 (2016 주요업무 보고)."""
from __future__ import annotations

import pandas as pd

from seoulcomm import calc, labels
from seoulcomm.content import division


def _schedule(unit: str, year: int) -> pd.DataFrame:
    table = division.schedule(division.prepare(unit, year))[1]
    return table.frame.set_index("step")


def test_a_step_under_way_at_the_report_date_is_not_done():
    # 000 Ⅲ-3-③ 그간 추진실적: 재단설립 타당성 검토 용역 실시 '15. 9. 7. ~ '16. 2. 3.
    # at 2015. 12. 31. (the 2015 report) it had started and not ended
    row = _schedule("civil-service", 2015).loc["재단설립 타당성 검토 용역 실시"]
    assert (row["start"], row["end"], row["status"]) == ("2015. 9. 7.", "2016. 2. 3.", "추진 중")
    # at 2016. 4. 8. (the 2016 report) it had ended: 완료
    steps = _schedule("civil-service", 2016)
    assert steps.loc["재단설립 타당성 검토 용역 실시", "status"] == "완료"
    # 보완작업 '16. 3.24. ~ '16. 4. 7.: ended the day before the 2016. 4. 8. snapshot
    assert steps.loc["심의위원회 보완요청사항에 대한 보완작업", "status"] == "완료"


def test_a_planned_step_that_has_started_is_not_계획():
    steps = _schedule("civil-service", 2016)
    # 000 Ⅲ-3-① 민원서비스 보상제 활성화 : '16. 4월~ — started by 2016. 4. 8.
    assert steps.loc["민원서비스 보상제 활성화", "status"] == "추진 중"
    # 행정자치부 협의 : '16. 4월중 — April not over at 2016. 4. 8.
    assert steps.loc["행정자치부 협의(기획조정실 합동)", "status"] == "추진 중"
    # 「120상담코디」 시범 운영 : '16. 5월~ — not started
    assert steps.loc["「120상담코디」 시범 운영", "status"] == "계획"
    # dates stated by month print as months
    assert steps.loc["「120상담코디」 시범 운영", "start"] == "2016. 5."


def test_step_status_rules():
    steps = pd.DataFrame({
        "start": pd.to_datetime(["2016-01", "2016-03", "2016-05", "2016-01", "2016-04"]),
        "end": pd.to_datetime(["2016-02", "2016-04", "2016-07", None, "2016-04"]),
        "kind": ["plan", "done", "plan", "plan", "done"],
        "start_date": pd.to_datetime([None, None, None, None, "2016-04-01"]),
        "end_date": pd.to_datetime([None, None, None, None, "2016-04-07"]),
    })
    got = list(calc.step_status(steps, "2016-04-08"))
    assert got == ["lapsed", "ongoing", "plan", "ongoing", "done"]
    assert list(calc.step_status(steps, None)) == list(steps["kind"])


def test_cumulative_results_carry_their_period_and_ranges_stay_ranges():
    table = division.outcomes(division.prepare("citizen-communication", 2016))
    frame = table.frame.set_index("metric")
    # 000 Ⅲ-1-④: 운영주체 서울문화재단 위탁운영('13.1.12. 개관~현재); 방문객 5,551,264명
    # ('16. 3월말 기준, 일평균 5,242명)
    row = frame.loc["시민청 누적 방문객 수"]
    assert (row["last_actual"], row["last_when"]) == (5551264, "2013. 1. 12.~2016. 3월 말")
    assert frame.loc["시민청 일평균 방문객 수", "last_when"] == "2013. 1. 12.~2016. 3월 말"
    # 000 Ⅲ-1-②: ※ '15년 ~ '16. 4월말 추진실적 : 6회
    assert frame.loc["서울꿈새김판 문안 선정 횟수", "last_when"] == "2015년~2016. 4월 말"
    # 000 Ⅲ-1-③: 홍보대사 신규 선정·위촉 : 5~6명; Ⅲ-1-⑥ 월 1~2회 어린이기자단 탐방취재
    for metric, text in (("신규 홍보대사 선정·위촉 인원", "5~6"), ("어린이기자단 탐방취재 횟수", "1~2")):
        row = frame.loc[metric]
        assert row["outcome_target"] == text and pd.isna(row["target"])  # never cut to 5 or 1


def test_qualifiers_stay_in_the_label():
    # 000 Ⅲ-2-② 외국어 홈페이지 : 일평균 4,300여명 방문
    frame = division.outcomes(division.prepare("city-brand", 2016)).frame
    assert "외국어 홈페이지 방문자 수(일평균)" in set(frame["metric"])
    assert labels.metric_label("시민청 일평균 방문객 수", "'16.3월말 기준, 일평균") == "시민청 일평균 방문객 수"
    assert labels.metric_label("시민청 프로그램 운영 횟수", "'16.3월말 누적") == "시민청 프로그램 운영 횟수(누적)"
