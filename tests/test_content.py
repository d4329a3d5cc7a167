"""The content of each report kind against the source documents: the tables and headlines
:mod:`seoulcomm.content` builds from :mod:`seoulcomm.views`.

Expected values are quoted from the sources: ``000`` is 000_a1ad29fe56867c6c.txt (2016 주요업무
보고), ``004`` is 004_6b168251e7e9221a.txt (사업설명서 of the social-media program).
"""
from __future__ import annotations

import re


from seoulcomm import calc, views
from seoulcomm.content import division, office, program, shared
from seoulcomm.display import Notice, Table
from conftest import cell_texts, row_named, rows_of



def first(items, kind=Table):
    items = items if isinstance(items, list) else [items]
    return next(i for i in items if isinstance(i, kind))


def div(dataset, unit, year, **kw):
    return shared.Scope(dataset.fresh(), unit, year, **kw)


# --------------------------------------------------------------------------- division report

def test_division_headline_new_media_2016(dataset):
    # 000, 2016년 예산편성 세부내역 ('16.4.8 기준): 뉴미디어담당관 4,331 / 1,218 / 3,113 / 28.1
    head = division.headline(div(dataset, "new-media", 2016)).to_json()
    figures = {f["label"]: f for f in head["figures"]}
    assert head["title"] == "뉴미디어담당관 2016년 예산·집행·성과"
    assert head["as_of"] == "2016-04-08"
    assert (figures["예산"]["value"], figures["예산"]["unit"]) == ("4,331", "백만원")
    assert figures["집행액"]["raw"] == 1218 and figures["집행잔액"]["raw"] == 3113
    assert (figures["집행률"]["value"], figures["집행률"]["unit"]) == ("28.1", "%")
    # 000, Ⅰ-2 인력: 뉴미디어 23/22
    assert figures["현원"]["raw"] == 22 and "정원 23명" in figures["현원"]["note"]


def test_division_headline_city_brand_2015(dataset):
    # 000, 2015년도 예산 집행현황 (2015. 12. 31 기준): 도시브랜드담당관 1,414 / 1,392 / 22 / 98.4%
    head = division.headline(div(dataset, "city-brand", 2015)).to_json()
    figures = {f["label"]: f for f in head["figures"]}
    assert head["as_of"] == "2015-12-31"
    assert [figures[k]["value"] for k in ("예산", "집행액", "집행률", "집행잔액")] == \
        ["1,414", "1,392", "98.4", "22"]
    assert "현원" not in figures  # staffing is as of 2016-04-08 only


def test_budget_detail_is_shaped_like_the_source(dataset):
    # 000, 2016년 예산편성 세부내역: 뉴미디어담당관 (33행) → 정책 (34행) → 10 사업 → 기본경비 (44행)
    table = division.detail(div(dataset, "new-media", 2016))
    rows = rows_of(table)
    assert [r["부서/사업명"] for r in rows[:2]] == ["뉴미디어담당관", "뉴미디어 활용 시민과의 소통 활성화"]
    assert rows[-1]["부서/사업명"] == "기본경비(행정운영경비)" and len(rows) == 12
    assert row_named(table, "부서/사업명", "뉴미디어 웹사이트 운영") == {
        "부서/사업명": "뉴미디어 웹사이트 운영", "예산편성액": 1447, "전년도 이월액": 0,
        "예산현액": 1447, "집행액": 842, "집행잔액": 605, "집행률(%)": 58.2}
    classes = list(table.row_class)
    assert "sc-bold" in classes[0] and "sc-indent1" in classes[1] and "sc-indent2" in classes[2]
    assert table.as_of == "2016-04-08" and table.unit == "백만원"


def test_budget_detail_keeps_the_carry_over(dataset):
    # 000, 시민청 운영 및 확산: 3,123 + 1,341 = 4,464, 집행 506, 11.3
    table = division.detail(div(dataset, "citizen-communication", 2016))
    row = row_named(table, "부서/사업명", "시민청 운영 및 확산")
    assert (row["예산편성액"], row["전년도 이월액"], row["예산현액"], row["집행률(%)"]) == \
        (3123, 1341, 4464, 11.3)


def test_a_year_without_detail_says_so(dataset):
    scope = div(dataset, "city-brand", 2015)
    for result in (division.detail(scope), first(division.pace(scope), Notice),
                   division.staffing(scope), first(division.schedule(scope), Notice)):
        assert isinstance(result, Notice) and "2015년" in result.text


def test_summary_shows_what_a_closed_year_has(dataset):
    table = first(division.summary(div(dataset, "city-brand", 2015)))
    # 000, 2015년도 예산 집행현황 (2015. 12. 31 기준): no carry-over column → not stated
    # and no 예산현액 either: the source states 예산액 only (집행률 98.4 is on 1,414); 12-31
    # figures without the 이월/불용 split are 연말 집행 실적, not 결산 (issue 22)
    assert rows_of(table) == [{"연도": 2015, "기준": "연말(12. 31.)", "예산": 1414,
                               "전년도 이월액": None, "예산현액": None, "집행액": 1392,
                               "집행잔액": 22, "집행률(%)": 98.4, "연간 경과율(%)": 100.0}]


def test_laggards_sorted_by_money_at_stake(dataset):
    # 000, 시민봉사담당관: 120다산콜센터 운영 14.7% (잔액 14,379) leads; 일반여권 0.0% (785) next
    table = division.pace(div(dataset, "civil-service", 2016))[1]
    names = [r["부서/사업명"] for r in rows_of(table)]
    assert names[:2] == ["120다산콜센터 운영", "일반여권 발급업무 대행"]
    assert "민원제안통합관리시스템 운영" not in names  # 91.0%: ahead of the calendar


def test_pace_flags_in_korean(dataset):
    table = division.pace(div(dataset, "civil-service", 2016))[2]
    flags = {r["부서/사업명"]: r["집행 속도"] for r in rows_of(table)}
    assert flags["120다산콜센터 운영"] == "부진" and flags["민원제안통합관리시스템 운영"] == "빠름"
    assert "27.0%" in table.title  # day 99 of 366


def test_outcomes_with_change_and_achievement(dataset):
    # 000, Ⅲ-4-4: SNS 계정 150개 → 50개 (줄이는 목표), 교육과정 6개 → 15개
    table = division.outcomes(div(dataset, "new-media", 2016))
    # 6 and 150 are the state when the plan was written (현황), not results: no 달성률 before a
    # 2016 actual; the gap of the target from that baseline instead
    courses = row_named(table, "지표", "맞춤형 소셜 교육과정 수")
    assert (courses["현황"], courses["목표·계획"], courses["기준 대비 목표 차이"]) == (6, 15, 9)
    accounts = row_named(table, "지표", "SNS 계정 수")
    assert (accounts["현황"], accounts["목표·계획"], accounts["기준 대비 목표 차이"]) == (150, 50, -100)
    assert "달성률(%)" not in courses
    # 000, Ⅲ-3-2: 민원 자연처리율 6.18% ('14) → 5.54% ('15)
    civil = division.outcomes(div(dataset, "civil-service", 2016))
    rate = row_named(civil, "지표", "민원 자연처리율")
    assert (rate["이전 실적"], rate["실적"], rate["증감"]) == (6.18, 5.54, -0.64)


def test_outcomes_keep_the_two_documents_apart(dataset):
    # 000 says 474,219 SNS friends in 2015, 004 says about 395,000
    table = program.outcomes(div(dataset, "social-media", 2016))
    friends = [r for r in rows_of(table) if r["지표"] == "시 대표 SNS 친구 수"]
    assert {(r["실적"], r["문서"]) for r in friends} == {(474219, "업무보고"), (395000, "사업설명서")}


def test_staffing_by_grade(dataset):
    # 000, Ⅰ-2 인력: 뉴미디어 담당관 정원 23 현원 22; 임기제 5급 2 → -
    table = division.staffing(div(dataset, "new-media", 2016))
    rows = rows_of(table)
    assert rows[0] == {"직군": "계", "직급": "", "정원": 23, "현원": 22, "과·결원": -1}
    assert {"직군": "임기제 일반직", "직급": "5급", "정원": 2, "현원": 0, "과·결원": -2} in rows
    assert "△2" in cell_texts(table.to_html())
    later = division.staffing(div(dataset, "new-media", 2015))
    assert isinstance(later, Notice)


def test_schedule_steps_of_the_year(dataset):
    steps = views.schedule_steps(dataset, 2016, "civil-service")
    names = list(steps["step"])
    assert "재단출범" in names  # '17. 1월: continues the section's 2016 plan
    assert "민원서비스 보상제 활성화" in names  # '16. 4월~ (no end)
    assert views.schedule_steps(dataset, 2015, "city-brand").empty
    before = views.schedule_steps(dataset, 2015, "civil-service")
    assert list(before["step"]) == ["재단설립 타당성 검토 용역 실시"]  # '15. 9. 7. ~ '16. 2. 3.
    table = shared.schedule(div(dataset, "civil-service", 2016), steps, year=2016)[1]
    assert row_named(table, "추진 내용", "민원서비스 보상제 활성화")["종료"] == "계속(~)"


def test_audit_notes_for_a_division(dataset):
    notes = shared.audit_notes(div(dataset, "civil-service", 2016), year=None)
    assert isinstance(notes[0], Notice) and "건" in notes[0].text
    table = notes[1]
    # 000: 시민봉사담당관 2016 예산 21,338 (<부서별>) vs 21,339 (세부내역)
    row = row_named(table, "검증", "부서별 표 = 세부내역 표")
    assert (row["원문"], row["다시 계산"], row["판정"]) == (21338, 21339, "절사 차이")
    assert "일치" not in {r["판정"] for r in rows_of(table)}


# --------------------------------------------------------------------------- office report

def test_divisions_side_by_side(dataset):
    # 000, <부서별>: 12,198 29.9% / 2,960 7.2% / 21,338 52.3% / 4,331 10.6%
    table = first(office.divisions(div(dataset, "office", 2016)))
    got = {r["부서"]: (r["예산"], r["비율(%)"]) for r in rows_of(table)}
    assert got == {"계": (40828, 100.0), "시민소통담당관": (12198, 29.9),
                   "도시브랜드담당관": (2960, 7.2), "시민봉사담당관": (21338, 52.3),
                   "뉴미디어담당관": (4331, 10.6)}
    assert row_named(table, "부서", "계")["현원"] == 136


def test_divisions_in_a_closed_year(dataset):
    # 000, 2015년도 예산 집행현황: 계 36,372 / 33,692 / 92.6%
    table = first(office.divisions(div(dataset, "office", 2015)))
    total = row_named(table, "부서", "계")
    assert (total["예산"], total["집행액"], total["집행률(%)"]) == (36372, 33692, 92.6)
    assert "정원" not in table.to_json()["columns"]


def test_composition_like_the_source(dataset):
    # 000, <구성별>: 계 4,456 12.3%; 기본경비 639 → 632, △7, △1.1%
    table = office.composition(div(dataset, "office", 2016))
    basic = row_named(table, "구분", "기본경비")
    assert (basic["2015년 예산"], basic["2016년 예산"], basic["증감"], basic["증감률(%)"]) == \
        (639, 632, -7, -1.1)
    total = row_named(table, "구분", "계")
    assert (total["증감"], total["증감률(%)"]) == (4456, 12.3)
    html_cells = cell_texts(table.to_html())
    assert "△7" in html_cells and "△1.1" in html_cells
    only_2015 = office.composition(div(dataset, "office", 2015))
    assert "증감" not in only_2015.to_json()["columns"]


def test_office_headline(dataset):
    head = office.headline(div(dataset, "office", 2016)).to_json()
    figures = {f["label"]: f["value"] for f in head["figures"]}
    # 000: 2016 예산 40,828; 예산현액 42,170 (세부내역 합계, 이월 1,341); 전년 대비 4,456;
    # 집행률 22.3 ('16.4.8, on 42,170); 현원 136
    assert figures == {"예산": "40,828", "예산현액": "42,170", "전년 대비": "4,456", "집행액": "9,401",
                       "집행률": "22.3", "현원": "136"}


def test_top_programs(dataset):
    # 000, Ⅰ-3: 『120 다산콜센터 운영』 is the largest (16,866 백만원); the source states its share:
    # "주요 사업별로는 『120 다산콜센터 운영』 41.4%" (16,866 ÷ 40,828 recomputes to 41.3, see the audit)
    table = first(office.top_programs(div(dataset, "office", 2016), n=5))
    rows = rows_of(table)
    assert len(rows) == 5 and rows[0]["부서/사업명"] == "120다산콜센터 운영"
    assert rows[0]["예산편성액"] == 16866 and rows[0]["비율(%)"] == 41.4
    # a program the source gives no share for keeps the computed one: 120다산콜센터 관리 및
    # 고도화 2,808 ÷ 40,828 = 6.9 (000, 2016년 예산편성 세부내역 30행)
    assert row_named(table, "부서/사업명", "120다산콜센터 관리 및 고도화")["비율(%)"] == 6.9


def test_settlement_vs_progress(dataset):
    table = first(office.settlement_vs_progress(div(dataset, "office", 2016)))
    row = row_named(table, "부서", "도시브랜드담당관")
    assert (row["2015년 집행률(%)"], row["2016년 집행률(%)"]) == (98.4, 35.8)
    assert isinstance(first(office.settlement_vs_progress(div(dataset, "office", 2015)), Notice), Notice)


# --------------------------------------------------------------------------- program report

def test_program_headline(dataset):
    head = program.headline(div(dataset, "social-media", 2016)).to_json()
    figures = {f["label"]: (f["value"], f["unit"]) for f in head["figures"]}
    # 004, 예산 총괄: 2016 418,000 천원, 증감 256,400; 000: 31.8% ('16.4.8); 004 결산 2014 262,470/280,395
    assert figures["2016년 예산"] == ("418,000", "천원")
    assert figures["전년 대비"] == ("256,400", "천원")
    assert figures["2016년 집행률"] == ("31.8", "%")
    assert figures["2014년 결산 집행률"] == ("93.6", "%")


def test_program_budget_by_item(dataset):
    table = first(program.budget(div(dataset, "social-media", 2016)))
    # 004, 예산 총괄: 사무관리비 237,600 / 157,600 / 414,000, 증감 256,400
    office = row_named(table, "구분", "사무관리비")
    assert [office[k] for k in ("2014년 예산", "2015년 예산", "2016년 예산", "증감")] == \
        [237600, 157600, 414000, 256400]
    assert table.unit == "천원"


def test_cost_lines_unit_cost_times_quantity(dataset):
    table = first(program.costs(div(dataset, "social-media", 2016)))
    # 004, 산출근거: 블로그 운영 및 관리 150,000원*500건 = 75,000천원
    row = row_named(table, "산출 내역", "- 블로그 운영 및 관리")
    assert (row["단가(원)"], row["수량"], row["금액"], row["단가×수량"]) == (150000, 500, 75000, 75000)
    assert rows_of(table)[0]["금액"] == 418000
    assert "단가 원" in table.caption_meta()
    assert "150,000" in cell_texts(table.to_html())


def test_settlement_with_unspent(dataset):
    # 004, 최근 3년 결산현황: 2012 543,923 / 448,637 / 95,286
    table = program.settlement(div(dataset, "social-media", 2016))
    row = row_named(table, "연도", 2012)
    assert (row["예산현액"], row["집행액"], row["집행잔액"], row["집행률(%)"], row["불용액"],
            row["불용률(%)"]) == (543923, 448637, 95286, 82.5, 95286, 17.5)


def test_program_budget_series(dataset):
    series = views.program_budget_series(dataset, "social-media")
    assert list(series.index) == [2012, 2013, 2014, 2015, 2016]
    assert int(series[2016]) == 418_000_000 and int(series[2012]) == 543_923_000


def test_footer_names_sources_and_dates(dataset):
    # the footer is written from what the report read: a 2016 division report read the 2016
    # detail ('16.4.8 기준) and the 2015 division table (2015. 12. 31.)
    scope = div(dataset, "new-media", 2016)
    division.summary(scope)
    division.detail(scope)
    bundle = division.footer(scope)._repr_mimebundle_()
    html = bundle["text/html"]
    assert "2016 주요업무 보고" in html
    assert '<time datetime="2016-04-08">2016. 4. 8.</time>' in html
    assert '<time datetime="2015-12-31">' in html
    reads = bundle["application/vnd.seoulcomm.reads+json"]["reads"]
    assert {"table": "budget_detail", "where": {"year": 2016, "as_of": "2016-04-08",
                                                "unit": "new-media"}} in reads


def test_tables_shaped_like_the_source_show_its_printed_figures():
    # 000_…txt 2016년 예산편성 세부내역: 시민소통담당관 예산현액 13,540 (12,198 + 1,341 = 13,539 recomputed),
    # 집행잔액 10,743, 집행률 20.7; 시민소통기획관 예산 합계 예산현액 42,170 (40,828 + 1,341 = 42,169)
    from seoulcomm import load_all

    ds = load_all()
    totals = views.unit_totals(ds, threshold=calc.PACE_THRESHOLD)
    row = totals[(totals["year"] == 2016) & (totals["unit"] == "citizen-communication")].iloc[0]
    assert (row["available"], row["balance"], row["execution_rate"]) == (13_540_000_000, 10_743_000_000, 20.7)
    office = totals[(totals["year"] == 2016) & (totals["unit"] == "office")].iloc[0]
    assert office["available"] == 42_170_000_000
    table = division.detail(shared.Scope(ds, "office", 2016))
    html = table.to_html()
    assert "42,170" in html and "42,169" not in html


def test_composition_shows_the_stated_change_and_one_budget_rule_is_explained():
    # 000_…txt <구성별>: 사업비 증감 4,463 (35,732 → 40,196 recomputes to 4,464), 기본경비 △7, △1.1%
    from seoulcomm import load_all

    ds = load_all()
    html = office.composition(shared.Scope(ds, "office", 2016)).to_html()
    assert "4,463" in html and "4,464" not in html and "△7" in html and "△1.1" in html
    # <부서별> 시민봉사담당관 21,338 vs 세부내역 21,339: said once, in words, where both appear
    notes = division.mismatch_notes(shared.Scope(ds, "office", 2016))
    assert len(notes) == 1 and "21,338" in notes[0] and "21,339" in notes[0]
    assert division.mismatch_notes(shared.Scope(ds, "office", 2015)) == []


# --------------------------------------------------------------------------- source-stated figures, one
# budget rule per report, readable qualifiers, the footer

def test_pace_gap_is_the_difference_of_the_rates_shown(dataset):
    # 000, 2016년 예산편성 세부내역 4행: 시민소통담당관 집행률 20.7 (printed); 2016. 4. 8. is day 99
    # of 366 → 27.0; the table shows 20.7 − 27.0 = △6.3 (not the unrounded △6.4)
    table = first(office.settlement_vs_progress(div(dataset, "office", 2016)))
    row = row_named(table, "부서", "시민소통담당관")
    assert (row["2016년 집행률(%)"], row["2016년 경과율 대비(%p)"]) == (20.7, -6.3)
    assert row["2016년 예산현액"] == 13540  # printed 13,540 (12,198 + 1,341 = 13,539)


def test_division_table_names_the_source_of_each_budget(dataset):
    # 000, <부서별>: 시민봉사담당관 21,338; 2016년 예산편성 세부내역 24행: 21,339
    table = first(office.divisions(div(dataset, "office", 2016)))
    row = row_named(table, "부서", "시민봉사담당관")
    assert (row["예산"], row["예산현액(세부내역)"]) == (21338, 21339)
    assert any("21,338" in n and "21,339" in n for n in table.notes)
    changes = office.changes(div(dataset, "office", 2016))
    assert row_named(changes, "부서", "시민봉사담당관")["2016년 예산(세부내역 기준)"] == 21339
    # a division report follows the 세부내역 and says so in its headline and summary
    head = division.headline(div(dataset, "civil-service", 2016)).to_json()
    budget = [f for f in head["figures"] if f["label"] == "예산"][0]
    assert budget["value"] == "21,339" and "21,338" in budget["note"]
    summary = first(division.summary(div(dataset, "civil-service", 2016)))
    assert any("21,338" in n for n in summary.notes)
    other = first(division.summary(div(dataset, "new-media", 2016)))
    assert not any("<부서별>" in n for n in other.notes)


def test_closed_year_division_table_is_shaped_like_the_execution_table(dataset):
    # 000, 2015년도 예산 집행현황: 부서 / 예산액 / 집행액 / 집행잔액 / 집행률; 계 2,680 잔액
    table = first(office.divisions(div(dataset, "office", 2015)))
    data = table.to_json()
    assert data["columns"] == ["부서", "예산", "비율(%)", "집행액", "집행잔액", "집행률(%)"]
    assert data["title"] == "2015년 부서별 예산·집행"
    assert row_named(table, "부서", "계")["집행잔액"] == 2680


def test_period_qualifiers_get_their_own_readable_column(dataset):
    # 000, Ⅲ-1-2: 서울특별시보 "발행주기 : 주 1회"; 시민게시판 "'15.10월~" 참여 1,451명
    table = division.outcomes(div(dataset, "citizen-communication", 2016))
    weekly = row_named(table, "지표", "서울특별시보 발행 횟수")
    assert (weekly["목표·계획"], weekly["목표 시점"]) == (1, "2016")
    assert weekly["비고(원문 표기)"] == "목표·계획: 주당"
    board = row_named(table, "지표", "시민게시판 참여 인원")
    assert (board["실적"], board["실적 시점"], board["비고(원문 표기)"]) == (1451, "2015", "실적: '15.10월~")
    assert not any("(" in str(r["실적 시점"]) or "(" in str(r["목표 시점"]) for r in rows_of(table))
    # 000, Ⅲ-1-3: 홍보대사 신규 선정·위촉 : 5~6명 — one row, the range as printed (never cut
    # to its lower bound 5 in the number column: issue 22)
    envoys = row_named(table, "지표", "신규 홍보대사 선정·위촉 인원")
    assert (envoys["목표·계획"], envoys["목표 범위"]) == (None, "5~6")


def test_verdicts_stay_on_one_line_and_groups_are_ruled_off(dataset):
    notes = shared.audit_notes(div(dataset, "civil-service", 2016), year=None)
    html = notes[1].to_html()
    assert "sc-nowrap" in html and "white-space: nowrap" in html
    assert re.search(r'class="[^"]*sc-nowrap[^"]*"[^>]*>반올림 차이<', html)
    staff = division.staffing(div(dataset, "new-media", 2016)).to_html()
    # 2px beats the merged group cell's 1px transparent bottom in the collapsed border
    assert "td.sc-first {\n  border-top: 2px solid" in staff


def test_footer_lists_only_the_dates_of_the_tables_a_report_uses(dataset):
    scope = program.prepare("social-media")
    for section in (program.headline, program.overview, program.budget, program.costs,
                    program.settlement, program.outcomes, program.schedule, program.audit):
        section(scope)
    html = program.footer(scope)._repr_mimebundle_()["text/html"]
    # the program report uses the 2016 detail's execution ('16.4.8 기준), no staffing table
    assert "2016. 4. 8.</time> (예산편성 세부내역)" in html
    assert "정원" not in html and "인력" not in html and "2016-04-01" not in html
    scope = division.prepare("city-brand", 2015)
    for section in (division.headline, division.summary, division.trend, division.detail,
                    division.pace, division.outcomes, division.staffing, division.schedule,
                    division.audit):
        section(scope)
    closed = division.footer(scope).text
    # 000, 2015년도 예산 집행현황 (2015. 12. 31 기준) is all a 2015 division report is as of
    assert "기준일: 2015. 12. 31. (부서별 예산 집행현황)" in closed and "2016. 4. 8." not in closed
    assert "사업설명서" not in closed


def test_the_pace_threshold_passes_through_every_table(dataset):
    # a notebook's threshold is the one every table, chart and note of the report uses
    # (000, 2016년 예산편성 세부내역: at 2016. 4. 8. (27.0% elapsed) more lines lag at 5%p than at 10%p)
    strict, usual = div(dataset, "civil-service", 2016, threshold=5), div(dataset, "civil-service", 2016)
    lag5, lag10 = division.pace(strict)[1], division.pace(usual)[1]
    assert len(rows_of(lag5)) > len(rows_of(lag10))
    assert any("5%p" in n for n in lag5.notes) and any("5%p" in n for n in division.pace(strict)[2].notes)
    flagged = [r for r in rows_of(division.pace(strict)[2]) if r["집행 속도"] == "부진"]
    assert len(flagged) == len(rows_of(lag5))
    lines = views.laggards(views.paced_lines(dataset, 2016, unit="civil-service", threshold=5))
    assert len(lines) == len(rows_of(lag5))


# --------------------------------------------------------------------------- issue 10: source text, notes

def _notes(page: str) -> list[str]:
    import html as _html
    return [_html.unescape(re.sub(r"<[^>]+>", "", n)).strip()
            for n in re.findall(r'<p class="sc-note">(.*?)</p>', page, re.S)]


def _verification_rows(page: str) -> list[str]:
    """The rows of the page's 원문 검증 table, each as its cells' text joined by tabs."""
    import html as _html
    found = re.search(r"<table[^>]*>\s*<caption>원문 검증:.*?</table>", page, re.S)
    if not found:
        return []
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", found.group(0), re.S)
    return ["\t".join(_html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
                      for c in re.findall(r"<td[^>]*>(.*?)</td>", r, re.S)) for r in rows]


def test_every_note_that_points_to_the_verification_finds_its_rows(built_reports):
    # issue 10: the 2016 office report's notes on 41.4 / 7.8 and 21,338 vs 21,339 pointed to a
    # '원문 검증' that listed neither. Every note naming it lists its items, and each is a row there.
    pages = [p for p in built_reports.rglob("*.html") if p.name != "index.html"]
    assert len(pages) >= 11
    pointed = 0
    for path in pages:
        page = path.read_text(encoding="utf-8")
        rows = _verification_rows(page)
        for note in _notes(page):
            # the brief's and the index's '원문 검증 미결' counts items; it points at no row
            if "원문 검증" not in note or "원문 검증 미결" in note:
                continue
            # 개조식 (issue 22): 원문 검증 N건 해당: item — check (판정); …
            found = re.search(r"원문 검증 (\d+)건 해당: (.*)$", note)
            assert found, f"{path.name}: note points nowhere: {note}"
            entries = found.group(2).split("; ")
            assert len(entries) == int(found.group(1))
            for entry in entries:
                item, check = re.sub(r" \([^()]*\)$", "", entry.strip()).split(" — ", 1)
                assert any(item in r and check in r for r in rows), \
                    f"{path.relative_to(built_reports)}: '{entry}' is not in its 원문 검증"
                pointed += 1
    assert pointed > 0


def test_the_2016_office_notes_name_the_shares_and_the_two_budgets(built_reports):
    # 000, 주요 사업별 비중: 120다산콜센터 운영 41.4, 시민청 운영 및 확산 7.8 (recomputed 41.3, 7.6);
    # <부서별> 시민봉사담당관 21,338 against 세부내역 21,339
    page = (built_reports / "2016" / "office.html").read_text(encoding="utf-8")
    rows = _verification_rows(page)
    for item in ("120다산콜센터 운영 (2016)", "시민청 운영 및 확산 (2016)", "시민봉사담당관 예산 (2016)"):
        assert any(item in r for r in rows), item
    notes = " ".join(_notes(page))
    assert "120다산콜센터 운영 (2016)" in notes and "시민봉사담당관 예산 (2016)" in notes


def test_no_note_is_printed_twice_on_a_page(built_reports):
    for path in built_reports.rglob("*.html"):
        notes = _notes(path.read_text(encoding="utf-8"))
        twice = {n for n in notes if notes.count(n) > 1}
        assert not twice, f"{path.relative_to(built_reports)}: {twice}"


def test_part_two_in_the_office_report_of_its_year_only(dataset):
    # 000, Ⅱ. 2016 비전 및 목표: 비전 「감동 소통도시 서울」, 전략목표, 추진방향 4개
    shown = office.vision(div(dataset, "office", 2016))
    text = shown._repr_mimebundle_()["text/plain"]
    assert "□ 비전: 「감동 소통도시 서울」" in text
    assert "□ 전략목표: 지속적 소통혁신으로 시민 감동소통 구현" in text
    assert "○ 4. 뉴미디어 활용 시민과의 소통 활성화 (뉴미디어담당관)" in text
    assert "- 120다산콜센터 상담사 고용개선 추진" in text
    # a 2015 report does not show the 2016 document's vision as its own
    assert isinstance(office.vision(div(dataset, "office", 2015)), Notice)


def test_part_three_text_in_the_division_report_as_the_source_arranges_it(dataset):
    # 000, Ⅲ-3-3: 사업비 19,674백만원; 추진실적 '15. 9. 7. ~ '16. 2. 3.; 추진계획 재단출범 : '17. 1월
    shown = division.plan_text(div(dataset, "civil-service", 2016))
    text = shown._repr_mimebundle_()["text/plain"]
    assert "3-3 120다산콜센터 상담사 고용개선을 위한 재단설립 (사업비 19,674백만원)" in text
    assert "□ 추진방향\n○ 고용안정성 확보, 상담사 처우개선 등 좋은 일자리 모델 구축" in text
    assert "○ 재단설립 타당성 검토 용역 실시 : '15. 9. 7. ~ '16. 2. 3." in text
    assert "○ 재단출범 : '17. 1월" in text
    # nested items keep their levels: 000 Ⅲ-1-1 추진계획 '신문·잡지 활용 정보 제공' → 홍보 강화 → 예
    nested = division.plan_text(div(dataset, "citizen-communication", 2016))._repr_mimebundle_()
    assert ("○ 신문·잡지 활용 정보 제공\n- 일자리·복지 등 민생과 직결된 시정 주요사업 홍보 강화\n"
            "· 찾아가는 동주민센터") in nested["text/plain"]
    # the workbook gets the same lines
    sheet = shown.to_json()
    assert sheet["columns"] == ["구분", "내용"]
    assert ["3-3 120다산콜센터 상담사 고용개선을 위한 재단설립 (사업비 19,674백만원)",
            "○ 재단출범 : '17. 1월"] in sheet["rows"]
    assert isinstance(division.plan_text(div(dataset, "civil-service", 2015)), Notice)


def test_stated_changes_sit_beside_the_computed_ones(dataset):
    # 000 Ⅲ-1-5: 온라인 패널 수 10,146명('14년 대비 849명 ↑); 000 Ⅲ-4-1: 474,219명('14년 대비 140,677명↑)
    # 004 추진실적 2015년도: 블로그 전년대비 21만명 증가
    t = division.outcomes(div(dataset, "citizen-communication", 2016))
    assert row_named(t, "지표", "온라인 여론조사 패널 수")["비고(원문 표기)"] == "원문 증감: '14년 대비 849명 증가"
    t = division.outcomes(div(dataset, "new-media", 2016))
    assert row_named(t, "지표", "서울시 블로그 이용자 수")["비고(원문 표기)"] == "실적: 총계 · 원문 증감: 전년대비 21만명 증가"
    # 004 추진실적 2014년도: 페이스북 운영실적 428% 증가 — a change without a result has its row
    t = program.outcomes(program.prepare("social-media"))
    assert row_named(t, "지표", "서울시 페이스북 운영실적")["비고(원문 표기)"] == "원문 증감: 2014년 428% 증가"


def test_office_detail_total_lines_and_staffing_by_grade(dataset):
    # 000, 2016년 예산편성 세부내역: 사업예산 40,196 1,341 41,537 9,217 32,320 22.2;
    # 기본경비 633 - 633 184 449 29.1
    t = office.budget_lines(div(dataset, "office", 2016))
    assert list(row_named(t, "부서/사업명", "사업예산").values())[1:] == [40196, 1341, 41537, 9217, 32320, 22.2]
    assert list(row_named(t, "부서/사업명", "기본경비(행정운영경비)").values())[1:] == [633, 0, 633, 184, 449, 29.1]
    # 000, Ⅰ-2 인력 '계' 행: 임기제 일반직 6급 이하 정원 32 / 현원 29
    staff, why = office.staffing(div(dataset, "office", 2016))
    rows = [r for r in rows_of(staff) if r["직급"] == "6급 이하"]
    assert (rows[0]["정원"], rows[0]["현원"]) == (32, 29)
    assert "열린민원실 확대('12.9.28)" in why._repr_mimebundle_()["text/plain"]


def test_a_later_year_never_shows_the_earlier_documents_text(tmp_path):
    # the settlement scenario adds 2017 (budget and detail) and no 2017 work report: part II,
    # part III and the Ⅰ-2 note are the 2016 document's, so a 2017 report shows none as its own
    import sys
    from pathlib import Path
    sys.path.insert(0, str(Path(__file__).parent))
    from test_scenarios import scenario_data

    data = scenario_data(tmp_path, "settlement")
    r = office.prepare(2017, data)
    assert office.vision(r).text.startswith("2017년 비전·목표 자료 없음 — 「2016 주요업무 보고」")
    assert isinstance(office.plan_sections(r), Notice)
    assert all(isinstance(i, Notice) for i in office.staffing(r))
    assert isinstance(division.plan_text(division.prepare("new-media", 2017, data)), Notice)
    # the 2016 report of the same data still shows them
    assert not isinstance(office.vision(office.prepare(2016, data)), Notice)


def test_program_report_carries_its_part_three_section(dataset):
    # 000, Ⅲ-4-1: 사업비 414백만원 (the sheet's detail line is 418: both shown, the gap in 원문 검증)
    text = program.plan_text(program.prepare("social-media"))._repr_mimebundle_()["text/plain"]
    assert "4-1 소셜미디어를 통한 시민과의 소통 활성화 (사업비 414백만원)" in text
    assert "○ 시 대표 SNS를 통한 친구수 확대 : 474,219명('14년 대비 140,677명↑)" in text


def test_outcomes_taken_from_the_warm_answer_are_the_ones_computed_for_the_division(dataset):
    """The warm build computes every division's outcome progress once a year
    (views.warm_outcomes); a report's part of it is what the report would compute from its
    own rows, column for column and type for type, for every year, division and section."""
    import dataclasses

    import pandas as pd

    from seoulcomm import views

    warm = dataclasses.replace(dataset, memo={}, reads=[])
    views.warm_outcomes(warm)
    cold = dataclasses.replace(dataset, memo={}, reads=[])
    frame = dataset.tables["outcomes"]
    scopes = [{"division": d} for d in frame["division"].dropna().unique()] + \
        [{"section": s} for s in frame["section"].dropna().unique()] + \
        [{"division": d, "section": s} for d, s in frame[["division", "section"]].dropna().drop_duplicates().itertuples(index=False)]
    checked = 0
    for year in [None, *dataset.years()]:
        for where in scopes:
            ours, theirs = views.outcomes(warm, year, **where), views.outcomes(cold, year, **where)
            pd.testing.assert_frame_equal(ours, theirs, check_exact=True)
            checked += len(ours)
            assert warm.reads == cold.reads  # the same rows read, the same footer and digest
    assert checked > 100
    assert any(k[:2] == ("answer", "outcome_progress") for k in warm.memo)
    assert not any(k[:2] == ("answer", "outcome_progress") for k in cold.memo)
