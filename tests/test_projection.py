"""seoulcomm.projection: reference (계획 / 전년 / 경과), 부진, the year-end projection and the signal.

Every expected value is computed by hand from the rows written in the test, with the formula
of issue 23 quoted beside it. Days count from 1 January (day 0): in 2016 (a leap year)
31 March is day 90, 8 April day 98, 30 April day 120, 30 June day 181, 31 December day 365;
in 2015 31 March is day 89, 8 April day 97, 30 June day 180, 31 December day 364.
"""
from __future__ import annotations

import shutil
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA_DIR
from seoulcomm import calc, load, projection, views

M = 1_000_000   # 백만원 in 원
T = pd.Timestamp


def rows(*items, year=2016):
    """One row per (key, as_of, available, executed) [백만원]."""
    return pd.DataFrame({
        "key": [i[0] for i in items], "year": year,
        "as_of": [T(i[1]) for i in items],
        "available": [i[2] * M for i in items], "executed": [i[3] * M for i in items]})


def path(*snaps):
    """Prior-year snapshots (as_of, available, executed) [백만원]."""
    return pd.DataFrame({"as_of": [T(s[0]) for s in snaps], "available": [s[1] * M for s in snaps],
                         "executed": [s[2] * M for s in snaps]})


def one(frame, key):
    return frame.set_index("key").loc[key]


# --------------------------------------------------------------------------- plan

def test_planned_at_interpolates_by_day_between_month_ends_from_zero_on_1_january():
    plan = {3: 300 * M, 6: 600 * M, 12: 1200 * M}
    # 300 + (600 − 300) × (98 − 90) ÷ (181 − 90)
    assert projection.planned_at(plan, 2016, "2016-04-08") == 300 * M + Fraction(300 * M * 8, 91)
    # from 0 on 1 January to 300 on 31 March (day 90): day 45 (15 February) is half way
    assert projection.planned_at(plan, 2016, "2016-02-15") == 150 * M
    assert projection.planned_at(plan, 2016, "2016-01-01") == 0
    assert projection.planned_at(plan, 2016, "2016-12-31") == 1200 * M
    # after the plan's last month it stays flat
    assert projection.planned_at({3: 300 * M}, 2016, "2016-11-30") == 300 * M


def test_reference_and_projection_against_a_plan():
    plan = {3: 300 * M, 6: 600 * M, 12: 1200 * M}
    out = projection.project(rows(("a", "2016-04-08", 1000, 200)), plans={"a": plan}, threshold=5)
    r = one(out, "a")
    p_now = Fraction(300 * M) + Fraction(300 * M * 8, 91)       # planned(as-of)
    # reference: planned(as-of) ÷ planned(December) × 100 = 27.20…
    assert r["reference"] == "계획"
    assert r["reference_rate"] == pytest.approx(float(p_now * 100 / (1200 * M)))
    assert r["reference_rate"] == pytest.approx(27.1978, abs=1e-4)
    # 집행률 200 ÷ 1,000 = 20.0; gap −7.19 %p: more than 5 %p behind → 부진
    assert r["execution_rate"] == 20.0
    assert r["gap"] == pytest.approx(20 - 27.1978, abs=1e-4)
    assert bool(r["lagging"]) is True
    # projected 집행 = 집행 × planned(December) ÷ planned(as-of), at most 예산현액
    # = 200,000,000 × 1,200 ÷ 326.37… = 735,353,535.35… → 735,353,535 원
    assert r["method"] == "계획"
    assert r["projected_executed"] == 735_353_535
    assert r["unspent"] == 1000 * M - 735_353_535
    assert r["projected_rate"] == pytest.approx(73.5353535, abs=1e-6)
    assert r["signal"] == "위험"                                   # below 85


def test_a_plan_is_capped_at_the_available_budget():
    # 600 spent by 8 April against 326.37 planned: 600 × 1,200 ÷ 326.37 = 2,206 > 1,000
    out = projection.project(rows(("a", "2016-04-08", 1000, 600)),
                             plans={"a": {3: 300 * M, 6: 600 * M, 12: 1200 * M}})
    r = one(out, "a")
    assert r["projected_executed"] == 1000 * M and r["unspent"] == 0
    assert r["projected_rate"] == 100.0 and r["signal"] == "양호"


def test_a_plan_that_is_zero_at_the_as_of_date_projects_the_larger_of_december_and_spent():
    plan = {6: 0, 12: 500 * M}
    out = projection.project(rows(("a", "2016-04-08", 1000, 50), ("b", "2016-04-08", 1000, 700)),
                             plans={"a": plan, "b": plan})
    # a: max(planned(December) 500, 집행 50) = 500; b: max(500, 700) = 700
    assert one(out, "a")["projected_executed"] == 500 * M
    assert one(out, "a")["reference_rate"] == 0.0
    assert one(out, "b")["projected_executed"] == 700 * M
    assert one(out, "a")["unspent"] == 500 * M and one(out, "b")["unspent"] == 300 * M
    assert one(out, "b")["signal"] == "위험"                      # 70.0 < 85


def test_schedule_plan_spreads_each_period_evenly_over_its_months():
    # 004_6b168251e7e9221a.txt 3 사업설명 2016년도 추진일정: 사업시행 및 예산집행 '16.2월~12월,
    # 418,000 천원 → 418,000 ÷ 11 = 38,000 천원 a month from February
    steps = pd.DataFrame({"start": [T("2016-01-01"), T("2016-02-01")],
                          "end": [T("2016-02-01"), T("2016-12-01")],
                          "amount": [pd.NA, 418_000_000]})
    plan = projection.schedule_plan(steps, 2016)
    assert plan[1] == 0 and plan[2] == 38_000_000 and plan[3] == 76_000_000
    assert plan[12] == 418_000_000
    # on 2016-04-08: 76,000 + 38,000 × 8 ÷ 30 천원 = 86,133.3 천원; reference 86,133.3 ÷ 418,000 = 20.6 %
    out = projection.project(rows(("sm", "2016-04-08", 418, 133)), plans={"sm": plan})
    r = one(out, "sm")
    assert r["reference_rate"] == pytest.approx(Fraction(86_133_333_333, 1000) / 418_000 / 10, rel=1e-9) \
        or r["reference_rate"] == pytest.approx(20.6061, abs=1e-4)
    assert r["reference_rate"] == pytest.approx(20.6061, abs=1e-4)
    # 133 × 418 ÷ 86.13 = 645.4 → at most 418: 100 %, 불용 0
    assert r["projected_executed"] == 418 * M and r["unspent"] == 0 and r["signal"] == "양호"


def test_schedule_plan_counts_only_the_months_in_its_year():
    # 2016-11 ~ 2017-02, 400: 100 a month, two of them in 2016
    steps = pd.DataFrame({"start": [T("2016-11-01")], "end": [T("2017-02-01")], "amount": [400]})
    assert projection.schedule_plan(steps, 2016)[12] == 200
    assert projection.schedule_plan(steps, 2017)[2] == 200
    assert projection.schedule_plan(steps, 2018) == {}


def test_rollup_sums_the_childrens_plans_only_where_every_child_has_one():
    tree = pd.DataFrame({"line": [1, 2, 3, 4, 5, 6, 7], "parent": [None, 1, 1, 2, 2, 1, 6],
                         "level": ["office", "office_part", "division", "program", "program",
                                   "division", "program"]})
    a, b = {6: 600, 12: 1200}, {3: 90, 12: 360}
    plans = projection.rollup_plans(tree, {4: a, 5: b, 7: {12: 100}}, 2016)
    # division 2 = program 4 + program 5 (every child has a plan)
    assert 2 in plans
    # at 31 March: A = 600 × 90 ÷ 181 (day 90 of 181), B = 90 → 298.34 + 90
    assert plans[2][3] == Fraction(600 * 90, 181) + 90
    # at 30 June: A = 600, B = 90 + 270 × (181 − 90) ÷ (365 − 90)
    assert plans[2][6] == 600 + 90 + Fraction(270 * 91, 275)
    assert plans[2][12] == 1560
    # the parent's curve is the sum of the children's at any day
    for day in ("2016-01-20", "2016-04-08", "2016-08-15"):
        assert projection.planned_at(plans[2], 2016, day) == \
            projection.planned_at(a, 2016, day) + projection.planned_at(b, 2016, day)
    # the office: divisions 3 (no plan, no children) and 6 (child 7 has one) → no plan;
    # office_part 2… is not summed into the office either way
    assert 3 not in plans and 6 in plans and 1 not in plans
    plans = projection.rollup_plans(tree.assign(level=["office", "division", "office_part", "program",
                                                       "program", "division", "program"]),
                                    {4: a, 5: b, 7: {12: 100}}, 2016)
    assert plans[1][12] == 1200 + 360 + 100                       # 2 + 6; office_part 3 skipped


# --------------------------------------------------------------------------- prior year

PRIOR = path(("2015-03-31", 1000, 200), ("2015-06-30", 1000, 500), ("2015-12-31", 1000, 900))


def test_prior_year_rate_on_the_same_date_and_the_pattern_projection():
    out = projection.project(rows(("a", "2016-04-08", 1000, 150)), prior={"a": PRIOR})
    r = one(out, "a")
    # 2015-04-08 (day 97) between 31 March (day 89, 20 %) and 30 June (day 180, 50 %):
    # 20 + (50 − 20) × (97 − 89) ÷ (180 − 89) = 20 + 240 ÷ 91 = 22.637…
    same_day = Fraction(20) + Fraction(240, 91)
    assert r["reference"] == "전년"
    assert r["reference_rate"] == pytest.approx(float(same_day))
    assert r["gap"] == pytest.approx(15 - float(same_day))
    assert not r["lagging"]                                       # −7.6 %p, threshold 10
    # 전년 패턴: projected rate = rate × prior year-end rate ÷ prior-year rate on the same day
    # = 15 × 90 ÷ 22.637… = 59.64 %
    projected = Fraction(15) * 90 / same_day
    assert r["method"] == "전년 패턴"
    assert r["projected_rate"] == pytest.approx(float(projected))
    assert r["projected_rate"] == pytest.approx(59.6359, abs=1e-4)
    assert r["projected_executed"] == round(1000 * M * float(projected) / 100)
    assert r["signal"] == "위험"


def test_prior_year_with_only_its_year_end():
    # the shipped 2015 row: 시민소통기획관 33,692 of 36,372 on 2015-12-31 (000_…txt Ⅰ-3)
    prior = path(("2015-12-31", 36_372, 33_692))
    out = projection.project(rows(("office", "2016-04-08", 42_170, 9_401)), prior={"office": prior})
    r = one(out, "office")
    year_end = Fraction(33_692 * 100, 36_372)
    # same date 2015-04-08, day 97 of 364: year-end rate × 97 ÷ 364
    assert r["reference_rate"] == pytest.approx(float(year_end * 97 / 364))
    # 전년 패턴: rate × year-end ÷ (year-end × 97 ÷ 364) = rate × 364 ÷ 97
    rate = Fraction(9_401 * 100, 42_170)
    assert r["projected_rate"] == pytest.approx(float(rate * 364 / 97))
    assert r["projected_rate"] == pytest.approx(83.6566, abs=1e-4)


def test_prior_year_needs_a_snapshot_on_or_after_the_same_date():
    early = path(("2015-03-31", 1000, 200))
    out = projection.project(rows(("a", "2016-04-08", 1000, 150)), prior={"a": early})
    r = one(out, "a")
    # falls back to the calendar: 99 ÷ 366 elapsed (day of year counted, calc.year_elapsed)
    assert r["reference"] == "경과"
    assert r["reference_rate"] == pytest.approx(calc.year_elapsed("2016-04-08"))
    # 단순 경과: projected rate = rate ÷ share of the year elapsed = 15 ÷ (99 ÷ 366)
    assert r["method"] == "단순 경과"
    assert r["projected_rate"] == pytest.approx(15 * 366 / 99)


def test_prior_year_without_its_year_end_is_a_reference_but_no_pattern():
    mid = path(("2015-06-30", 1000, 500))
    out = projection.project(rows(("a", "2016-04-08", 1000, 150)), prior={"a": mid})
    r = one(out, "a")
    # 50 × 97 ÷ 180 (from 0 on 1 January to 30 June)
    assert r["reference"] == "전년" and r["reference_rate"] == pytest.approx(50 * 97 / 180)
    assert r["method"] == "단순 경과"


def test_prior_year_on_29_february_uses_28_february():
    prior = path(("2015-02-28", 1000, 100), ("2015-12-31", 1000, 900))
    out = projection.project(rows(("a", "2016-02-29", 1000, 80)), prior={"a": prior})
    assert one(out, "a")["reference_rate"] == pytest.approx(10.0)


def test_simple_elapsed_is_capped_at_100():
    out = projection.project(rows(("a", "2016-04-08", 100, 90)))
    r = one(out, "a")
    assert r["method"] == "단순 경과" and r["projected_rate"] == 100.0 and r["unspent"] == 0


# --------------------------------------------------------------------------- settled, signal

def test_a_settled_year_shows_its_actual_unspent_and_no_projection():
    frame = rows(("a", "2016-12-31", 1000, 830))
    frame["carried_out"] = [20 * M]
    out = projection.project(frame, plans={"a": {12: 1000 * M}}, prior={"a": PRIOR})
    r = one(out, "a")
    assert r["method"] == "실적" and bool(r["settled"])
    assert np.isnan(r["projected_rate"]) and pd.isna(r["projected_executed"])
    # 불용 = 예산현액 − 집행액 − 차년이월 = 1,000 − 830 − 20
    assert r["unspent"] == 150 * M
    assert r["signal"] == "위험"                                   # actual 83.0 < 85


@pytest.mark.parametrize("rate, word", [(84.9, "위험"), (85.0, "주의"), (94.9, "주의"), (95.0, "양호")])
def test_signal_thresholds(rate, word):
    assert projection.signal(rate) == word


def test_signal_thresholds_are_parameters():
    settled = rows(("a", "2016-12-31", 100, 90))                 # actual 90.0 %
    assert one(projection.project(settled), "a")["signal"] == "주의"
    assert one(projection.project(settled, red=91, amber=95), "a")["signal"] == "위험"
    assert one(projection.project(settled, red=80, amber=89), "a")["signal"] == "양호"
    with pytest.raises(ValueError):
        projection.project(rows(("a", "2016-04-08", 100, 90)), red=96, amber=95)


# --------------------------------------------------------------------------- targets

def test_target_status():
    snaps = path(("2016-04-08", 42_170, 9_401), ("2016-06-30", 1000, 600))
    targets = pd.DataFrame({"as_of": [T("2016-06-30"), T("2016-09-30"), T("2016-03-31"), T("2016-06-30")],
                            "target_rate": [58.6, 75.0, 25.0, 61.0], "scope": "office"})
    out = projection.target_status(snaps, targets)
    by = {(str(d.date()), t): r for d, t, r in zip(out["as_of"], out["target_rate"], out.itertuples())}
    # a snapshot on the date: 60.0 ≥ 58.6 → 달성; 60.0 < 61 → 미달
    assert by[("2016-06-30", 58.6)].status == "달성" and by[("2016-06-30", 58.6)].rate == 60.0
    assert by[("2016-06-30", 61.0)].status == "미달"
    # none on 30 September: the latest before it (30 June), 목표까지 75 − 60 = 15 %p
    late = by[("2016-09-30", 75.0)]
    assert late.status == "진행" and late.gap == pytest.approx(15.0) and str(late.rate_as_of.date()) == "2016-06-30"
    assert by[("2016-03-31", 25.0)].status == "자료 없음"


# --------------------------------------------------------------------------- properties

DATES = st.dates(min_value=pd.Timestamp("2016-01-01").date(), max_value=pd.Timestamp("2016-12-31").date())


@st.composite
def cases(draw):
    n = draw(st.integers(1, 6))
    frame = pd.DataFrame({
        "key": list(range(n)), "year": 2016,
        "as_of": [T(draw(DATES))] * n,
        "available": [draw(st.integers(0, 10**12)) for _ in range(n)]})
    frame["executed"] = [draw(st.integers(0, a)) for a in frame["available"]]
    plans, prior = {}, {}
    for k in range(n):
        if draw(st.booleans()):
            months = sorted(draw(st.sets(st.integers(1, 12), min_size=1, max_size=12)))
            values = sorted(draw(st.lists(st.integers(0, 10**12), min_size=len(months), max_size=len(months))))
            plans[k] = dict(zip(months, values))
        if draw(st.booleans()):
            m = draw(st.integers(1, 3))
            dates = sorted({draw(st.dates(min_value=pd.Timestamp("2015-01-02").date(),
                                          max_value=pd.Timestamp("2015-12-31").date())) for _ in range(m)})
            prior[k] = pd.DataFrame({"as_of": [T(d) for d in dates], "available": 1000,
                                     "executed": sorted(draw(st.integers(0, 1000)) for _ in dates)})
    return frame, plans, prior


@settings(max_examples=150, deadline=None)
@given(cases())
def test_property_a_line_with_a_plan_never_falls_back_and_a_settled_year_never_projects(case):
    frame, plans, prior = case
    out = projection.project(frame, plans=plans, prior=prior)
    for key, r in out.set_index("key").iterrows():
        if r["settled"]:
            assert r["method"] == "실적"
            assert np.isnan(r["projected_rate"]) and pd.isna(r["projected_executed"])
            assert r["unspent"] == r["available"] - r["executed"]
        else:
            if key in plans:
                assert r["method"] == "계획" and r["reference"] == "계획"
            else:
                assert r["method"] in ("전년 패턴", "단순 경과")
            if not pd.isna(r["projected_executed"]):
                if r["method"] == "계획":   # a plan is cumulative: it never projects below 집행
                    assert r["executed"] <= r["projected_executed"]
                assert 0 <= r["projected_executed"] <= r["available"]
                assert r["unspent"] == r["available"] - r["projected_executed"]


@settings(max_examples=60, deadline=None)
@given(cases())
def test_property_year_end_snapshots_are_settled(case):
    frame, plans, prior = case
    frame["as_of"] = T("2016-12-31")
    out = projection.project(frame, plans=plans, prior=prior)
    assert (out["method"] == "실적").all() and out["projected_rate"].isna().all()


# --------------------------------------------------------------------------- the view, on a scenario

SCENARIO = Path(__file__).parent / "scenarios" / "pace"


def scenario_copy(folder: Path) -> Path:
    """data/ with tests/scenarios/pace appended (a table data/ leaves out is the fragment itself)."""
    data = folder / "data"
    shutil.copytree(DATA_DIR, data)
    for fragment in sorted(SCENARIO.glob("*.csv")):
        target = data / fragment.name
        if not target.exists():
            shutil.copy(fragment, target)
            continue
        rows = fragment.read_text(encoding="utf-8").splitlines(keepends=True)[1:]
        text = target.read_text(encoding="utf-8")
        target.write_text(text + ("" if text.endswith("\n") else "\n") + "".join(rows), encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def pace_data(tmp_path_factory):
    return scenario_copy(tmp_path_factory.mktemp("pace"))


def test_view_on_the_scenario_names_each_reference_and_method(pace_data):
    ds = load.load_all(pace_data)
    out = views.projection(ds, 2016, unit="new-media", threshold=calc.PACE_THRESHOLD).set_index("name")
    # 시민참여프로그램을 통한 시정공감대 확산 (2016 detail 36행: 예산현액 90, 집행 1 백만원) with the plan
    # 10 at the end of April, 50 of August, 90 of December (scenario execution_plan.csv):
    # planned(4/8) = 10 × 98 ÷ 120 (from 0 on 1 January to day 120) = 8.1667
    r = out.loc["시민참여프로그램을 통한 시정공감대 확산"]
    assert r["reference"] == "계획" and r["method"] == "계획"
    assert r["reference_rate"] == pytest.approx(10 * 98 / 120 / 90 * 100)          # 9.07 %
    # 1,000,000 × 90 ÷ 8.1667 = 11,020,408.16 → 11,020,408 원; 불용 90,000,000 − 11,020,408
    assert r["projected_executed"] == 11_020_408 and r["unspent"] == 90_000_000 - 11_020_408
    assert r["signal"] == "위험"
    # 소셜특별시 서울 (37행: 417, 22): 2015 path 10 % (3/31), 50 % (6/30), 95 % (12/31):
    # 2015-04-08 = 10 + 40 × (97 − 89) ÷ (180 − 89) = 13.5165 %
    r = out.loc["소셜특별시 서울"]
    same_day = Fraction(10) + Fraction(40 * 8, 91)
    assert r["reference"] == "전년" and r["reference_rate"] == pytest.approx(float(same_day))
    # 전년 패턴: 5.2758 × 95 ÷ 13.5165 = 37.08 %
    rate = Fraction(22 * 100, 417)
    assert r["method"] == "전년 패턴"
    assert r["projected_rate"] == pytest.approx(float(rate * 95 / same_day))
    assert r["projected_rate"] == pytest.approx(37.08, abs=0.01)
    # 민간포털 협력마케팅 (40행: 756, 103): 10 + 10 × 8 ÷ 91 = 10.879 %; 13.624 × 80 ÷ 10.879 = 100.2 → 100
    r = out.loc["민간포털 협력마케팅"]
    assert r["reference_rate"] == pytest.approx(10 + 80 / 91)
    assert r["projected_rate"] == 100.0 and r["unspent"] == 0 and r["signal"] == "양호"
    # 소셜미디어 (35행): the program sheet's 추진일정 is its plan
    assert out.loc["소셜미디어를 통한 시민과의 소통활성화", "method"] == "계획"
    # the others: no plan, no 2015 line → the calendar
    assert out.loc["뉴미디어 웹사이트 운영", "method"] == "단순 경과"
    # the division's own row first, then its lines: largest projected 불용 first
    both = views.projection(ds, 2016, unit="new-media", threshold=calc.PACE_THRESHOLD)
    assert both["key"].iloc[0] == "new-media"
    unspent = list(both["unspent"].iloc[1:])
    assert unspent == sorted(unspent, reverse=True)


def test_view_targets_on_the_scenario(pace_data):
    ds = load.load_all(pace_data)
    office = views.projection_targets(ds, 2016, threshold=calc.PACE_THRESHOLD)
    # 58.6 % by 2016-06-30; the office at 9,401 ÷ 42,170 = 22.29 % on 2016-04-08: 목표까지 36.3 %p
    assert list(office["status"]) == ["진행"]
    assert office["gap"].iloc[0] == pytest.approx(58.6 - 9401 / 42170 * 100)
    # new-media 25 % on 2016-04-08, the snapshot's own date: 1,218 ÷ 4,331 = 28.1 % → 달성
    mine = views.projection_targets(ds, 2016, unit="new-media", threshold=calc.PACE_THRESHOLD)
    assert list(mine["status"]) == ["달성"]
    assert views.projection_targets(ds, 2016, unit="city-brand", threshold=calc.PACE_THRESHOLD).empty


def test_view_office_rows_on_shipped_data():
    ds = load.load_all(DATA_DIR)
    out = views.projection(ds, 2016, threshold=calc.PACE_THRESHOLD)
    assert out["key"].iloc[0] == "office"
    assert set(out["key"]) == {"office", "citizen-communication", "city-brand", "civil-service", "new-media"}
    # 2015 is settled (12-31 in 부서별 예산 집행현황): actual 불용 and no projection
    settled = views.projection(ds, 2015, threshold=calc.PACE_THRESHOLD).set_index("key")
    assert (settled["method"] == "실적").all() and settled["projected_rate"].isna().all()
    # 000_…txt Ⅰ-3 2015년도 예산 집행현황 계: 36,372 − 33,692 = 2,680 백만원
    assert settled.loc["office", "unspent"] == 2_680 * M


# --------------------------------------------------------------------------- the reports' section

COLUMNS = ["예산현액(백만원)", "집행액(백만원)", "집행률(%)", "기준", "기준 집행률(%)", "전망 방법",
           "전망 집행률(%)", "전망 불용액(백만원)", "신호"]


def test_report_section_on_the_scenario(pace_data):
    from seoulcomm.content import division, office
    scope = division.prepare("new-media", 2016, pace_data)
    summary, table = division.projection(scope)
    data = table.to_json()
    assert data["title"] == "연말 집행 전망" and data["sheet"] == "집행전망"
    assert [c.split("(")[0] for c in data["columns"]] == ["사업"] + [c.split("(")[0] for c in COLUMNS]
    rows = [dict(zip(data["columns"], r)) for r in data["rows"]]
    assert rows[0]["사업"] == "뉴미디어담당관"                              # the division's own row first
    methods = {r["사업"]: r["전망 방법"] for r in rows}
    assert methods["시민참여프로그램을 통한 시정공감대 확산"] == "계획"
    assert methods["소셜특별시 서울"] == "전년 패턴" and methods["뉴미디어 웹사이트 운영"] == "단순 경과"
    # the target of new-media: 25 % on 2016-04-08, 1,218 ÷ 4,331 = 28.1 % that day → 달성
    assert "집행 목표 25.0%(2016. 4. 8.까지): 달성" in summary.text
    assert summary.text.startswith("□ 연말 전망 불용액")
    legend = " ".join(table.notes)
    assert "위험(전망 집행률 85% 미만)" in legend and "양호(95% 이상)" in legend
    # the thresholds are the report's parameters: the legend says what the table used
    scope = division.prepare("new-media", 2016, pace_data, red=50, amber=60)
    assert "위험(전망 집행률 50% 미만)" in " ".join(division.projection(scope)[1].notes)
    # the office: 58.6 % by 2016-06-30, 22.3 % on 2016-04-08 → 목표까지 36.3 %p
    text = office.projection(office.prepare(2016, pace_data))[0].text
    assert "집행 목표 58.6%(2016. 6. 30.까지): 목표까지 36.3%p" in text


# --------------------------------------------------------------------------- the README's rows

README = Path(__file__).resolve().parent.parent / "README.md"
README_HEADING = "### 월별 집행계획·전년 실적·집행 목표 (연말 집행 전망)"


def readme_section() -> str:
    text = README.read_text(encoding="utf-8")
    start = text.index(README_HEADING)
    rest = text[start + len(README_HEADING):]
    ends = [i for i in (rest.find("\n## "), rest.find("\n### ")) if i >= 0]
    return rest[:min(ends)] if ends else rest


def test_the_readme_rows_give_what_the_readme_says(tmp_path):
    import re
    section = readme_section()
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    blocks = re.findall(r"```csv\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 4
    for block in blocks:
        lines = block.strip("\n").splitlines()
        file = re.match(r"#\s*(\S+\.csv)", lines[0]).group(1)
        target = data / file
        if target.exists():   # rows appended to a file data/ has
            text = target.read_text(encoding="utf-8")
            target.write_text(text + ("" if text.endswith("\n") else "\n") + "\n".join(lines[1:]) + "\n",
                              encoding="utf-8")
        else:                 # an optional file, header included
            target.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    ds = load.load_all(data)
    out = views.projection(ds, 2016, unit="new-media", threshold=calc.PACE_THRESHOLD).set_index("name")
    table = [r for r in section.splitlines() if r.startswith("| ") and not r.startswith("| 사업 ")]
    assert len(table) == 4
    for row in table:
        name, avail, spent, ref, ref_rate, method, rate, unspent, word = [c.strip() for c in row.strip("|").split("|")]
        r = out.loc[name]
        assert (r["available"] // M, r["executed"] // M) == (int(avail), int(spent))
        assert (r["reference"], r["method"], r["signal"]) == (ref, method, word)
        assert f"{r['reference_rate']:.1f}" == ref_rate and f"{r['projected_rate']:.1f}" == rate
        assert f"{r['unspent'] / M:,.0f}" == unspent
    from seoulcomm.content import division, office
    text = division.projection(division.prepare("new-media", 2016, data))[0].text
    for quoted in re.findall(r"「(.*?)」", section):
        if quoted.startswith(("□", "○")) and "기획관" not in quoted:
            assert quoted in text or quoted in office.projection(office.prepare(2016, data))[0].text, quoted


# --------------------------------------------------------------------------- the data workbook

def test_workbook_round_trip_of_the_optional_tables(tmp_path, run_cli):
    from openpyxl import load_workbook
    # shipped data (no plan, no target): the workbook still has both sheets, header only,
    # and importing it back writes no file
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    out = tmp_path / "빈.xlsx"
    code, _, err = run_cli("workbook", "--data", data, "--out", out)
    assert code == 0, err
    wb = load_workbook(out)
    plan = wb["월별 집행계획"]
    assert [c.value for c in plan[1]] == ["연도", "행 번호", "월", "누계 집행계획(백만원)", "출처"]
    assert plan.max_row == 1 and [c.value for c in wb["집행 목표"][1]][2] == "목표 집행률(%)"
    code, _, err = run_cli("import", out, "--data", data)
    assert code == 0, err
    assert not (data / "execution_plan.csv").exists() and not (data / "execution_targets.csv").exists()
    # rows typed into the empty sheets (as an official would) are imported as new files
    plan.append([2016, 36, 4, 10, "계획 36행"])
    plan.append([2016, 36, 12, 90, "계획 36행"])
    wb["집행 목표"].append([2016, "2016-06-30", "58.6%", "office", "신속집행 상반기 목표"])
    typed = tmp_path / "입력.xlsx"
    wb.save(typed)
    code, stdout, err = run_cli("import", typed, "--data", data)
    assert code == 0, err
    assert "execution_plan.csv" in stdout and "execution_targets.csv" in stdout
    ds = load.load_all(data)
    assert list(ds["execution_plan"]["planned"]) == [10 * M, 90 * M]
    assert list(ds["execution_targets"]["target_rate"]) == [58.6]
    # and the workbook of that data gives the same files back
    again = tmp_path / "다시.xlsx"
    assert run_cli("workbook", "--data", data, "--out", again)[0] == 0
    before = {f: (data / f).read_bytes() for f in ("execution_plan.csv", "execution_targets.csv")}
    code, stdout, err = run_cli("import", again, "--data", data)
    assert code == 0, err
    assert {f: (data / f).read_bytes() for f in before} == before
