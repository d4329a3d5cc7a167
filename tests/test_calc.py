"""Tests of seoulcomm.calc: hand-computed values from the two source documents, and invariants.

Sources: 000 = ../shared/seeds/000_a1ad29fe56867c6c.txt (2016 주요업무 보고),
004 = ../shared/seeds/004_6b168251e7e9221a.txt (사업설명서, 소셜미디어를 통한 시민과의 소통 활성화).
Amounts in the frames are integer 원; 백만원 = 1,000,000 원, 천원 = 1,000 원.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoulcomm import calc, load_all
from seoulcomm.units import round_half_up

MILLION = 1_000_000  # 백만원
THOUSAND = 1_000     # 천원


@pytest.fixture(scope="module")
def ds():
    return load_all()


def r1(value: float) -> float:
    """One decimal, half up: how the sources print rates."""
    return round_half_up(value, 1)


def row(frame: pd.DataFrame, column: str, value) -> pd.Series:
    found = frame[frame[column] == value]
    assert len(found) == 1, f"{column}={value!r}: {len(found)} rows"
    return found.iloc[0]


# --------------------------------------------------------------------------- execution

def test_execution_new_media_division(ds):
    out = calc.execution(ds["budget_detail"])
    nm = row(out, "line", 33)
    # 000_…txt, 2016년 예산편성 세부내역 ('16.4.8 기준): 뉴미디어담당관 4,331 / - / 4,331 / 1,218 / 3,113 / 28.1
    assert nm["available"] == 4_331 * MILLION
    assert nm["balance"] == 3_113 * MILLION
    assert nm["execution_rate"] == pytest.approx(1_218 / 4_331 * 100)
    assert r1(nm["execution_rate"]) == 28.1


def test_execution_with_carryover_and_stated_amounts_kept(ds):
    out = calc.execution(ds["budget_detail"])
    total = row(out, "line", 1)
    # 000_…txt, 2016년 예산편성 세부내역: 시민소통기획관 예산 합계 40,828 + 1,341 (이월) → 42,169;
    # the source prints 예산현액 42,170 and 집행잔액 32,769 (its parts are rounded to 백만원)
    assert total["available"] == 42_169 * MILLION
    assert total["available_stated"] == 42_170 * MILLION
    assert total["balance"] == (42_169 - 9_401) * MILLION  # 32,768
    assert total["balance_stated"] == 32_769 * MILLION
    # 000_…txt, same table: 집행률 22.3 = 9,401 / 42,169
    assert r1(total["execution_rate"]) == 22.3
    citizen_hall = row(out, "line", 10)
    # 000_…txt, same table: 시민청 운영 및 확산 3,123 + 1,341 = 4,464, 집행 506, 잔액 3,958, 11.3
    assert citizen_hall["available"] == 4_464 * MILLION
    assert citizen_hall["balance"] == 3_958 * MILLION
    assert r1(citizen_hall["execution_rate"]) == 11.3


def test_execution_rates_print_as_the_source(ds):
    detail = ds["budget_detail"]
    out = calc.execution(detail)
    # 000_…txt, 2016년 예산편성 세부내역, 집행률(%) column: all 44 rows, one decimal
    printed = [r1(r) for r in out["execution_rate"]]
    assert printed == list(detail["rate_stated"])


def test_execution_2015_by_division_without_carryover(ds):
    out = calc.execution(ds["execution_division"])
    assert "carryover" not in ds["execution_division"].columns
    rates = {u: r1(r) for u, r in zip(out["unit"], out["execution_rate"])}
    # 000_…txt, ※ 2015년도 예산 집행현황 (2015.12.31 기준): 계 33,692/36,372 92.6%,
    # 시민소통 9,990/10,906 91.6%, 도시브랜드 1,392/1,414 98.4%, 시민봉사 18,998/20,654 92.0%,
    # 뉴미디어 3,311/3,397 97.5%
    assert rates == {"office": 92.6, "citizen-communication": 91.6, "city-brand": 98.4,
                     "civil-service": 92.0, "new-media": 97.5}
    # 000_…txt, same table: 집행잔액 계 2,680 = 36,372 − 33,692
    assert row(out, "unit", "office")["balance"] == 2_680 * MILLION


def test_execution_types_zero_and_missing():
    frame = pd.DataFrame({
        "budget": pd.array([100, 0, 50], dtype="Int64"),
        "carryover": pd.array([pd.NA, 0, 25], dtype="Int64"),
        "executed": pd.array([40, 0, 75], dtype="Int64"),
    })
    out = calc.execution(frame)
    assert out["available"].dtype == "Int64" and out["balance"].dtype == "Int64"
    assert out["execution_rate"].dtype == "float64"
    assert list(out["available"]) == [100, 0, 75]      # a missing carryover counts as 0
    assert list(out["balance"]) == [60, 0, 0]
    assert out["execution_rate"].iloc[0] == 40.0
    assert math.isnan(out["execution_rate"].iloc[1])   # nothing available: no rate
    assert out["execution_rate"].iloc[2] == 100.0
    assert "available_stated" not in out               # nothing stated, nothing kept


def test_execution_plain_int_columns_and_refuses_fractional_money():
    out = calc.execution(pd.DataFrame({"budget": [10, 20], "executed": [5, 5]}))
    assert out["available"].dtype == "Int64"
    assert list(out["execution_rate"]) == [50.0, 25.0]
    with pytest.raises(TypeError, match="정수"):
        calc.execution(pd.DataFrame({"budget": [10.5], "executed": [1.0]}))
    with pytest.raises(ValueError, match="executed"):
        calc.execution(pd.DataFrame({"budget": [10]}))


# --------------------------------------------------------------------------- closed years

def test_closed_year_settlement(ds):
    out = calc.closed_year(ds["settlement"]).set_index("year")
    # 004_…txt, 5 최근 3년 결산현황 (천원): 2012 당초 543,923 + 이월 0 + 변경 0 = 예산현액 543,923;
    # 집행 448,637, 차년이월 0 → 불용 95,286 (= 집행잔액 95,286); 집행률 82.5%, 불용률 17.5%
    y2012 = out.loc[2012]
    assert y2012["available_computed"] == 543_923 * THOUSAND
    assert y2012["unspent"] == 95_286 * THOUSAND
    assert y2012["balance_computed"] == 95_286 * THOUSAND
    assert y2012["execution_rate"] == pytest.approx(448_637 / 543_923 * 100)
    assert (r1(y2012["execution_rate"]), r1(y2012["unspent_rate"])) == (82.5, 17.5)
    # 004_…txt, same table: 2013 258,187 / 286,195 → 90.2%, 불용 28,008 → 9.8%;
    # 2014 262,470 / 280,395 → 93.6%, 불용 17,925 → 6.4%
    assert (r1(out.loc[2013, "execution_rate"]), r1(out.loc[2013, "unspent_rate"])) == (90.2, 9.8)
    assert (r1(out.loc[2014, "execution_rate"]), r1(out.loc[2014, "unspent_rate"])) == (93.6, 6.4)
    assert out.loc[2014, "unspent"] == 17_925 * THOUSAND


def test_closed_year_with_carry_out_and_changes():
    frame = pd.DataFrame({"budget": [1_000], "carried_in": [200], "changed": [-100],
                          "available": [1_100], "executed": [700], "carried_out": [100],
                          "balance": [400]})
    out = calc.closed_year(frame).iloc[0]
    assert out["available_computed"] == 1_100
    assert out["unspent"] == 300                      # 1,100 − 700 − 100 carried to next year
    assert out["unspent_rate"] == pytest.approx(300 / 1_100 * 100)
    assert out["execution_rate"] == pytest.approx(700 / 1_100 * 100)
    computed = calc.closed_year(frame.assign(available=[999]), basis="computed").iloc[0]
    assert computed["unspent"] == 300                 # divides by budget + carried_in + changed
    with pytest.raises(ValueError):
        calc.closed_year(frame, basis="other")


# --------------------------------------------------------------------------- pace

def test_year_elapsed():
    # 000_…txt, 2016년 예산편성 세부내역 ('16.4.8 기준): 31 + 29 + 31 + 8 = day 99 of 366 (leap year)
    assert calc.year_elapsed("2016-04-08") == pytest.approx(99 / 366 * 100)
    assert r1(calc.year_elapsed(pd.Timestamp("2016-04-08"))) == 27.0
    # 000_…txt, 2015년도 예산 집행현황 (2015.12.31 기준): the whole year
    assert calc.year_elapsed("2015-12-31") == 100.0
    assert calc.year_elapsed("2015-01-01") == pytest.approx(100 / 365)
    assert calc.year_elapsed("2017-01-10", year=2016) == 100.0
    assert calc.year_elapsed("2015-06-30", year=2016) == 0.0
    series = calc.year_elapsed(pd.Series(pd.to_datetime(["2016-04-08", "2015-12-31"]), index=[5, 7]))
    assert list(series.index) == [5, 7]
    assert series.tolist() == pytest.approx([99 / 366 * 100, 100.0])
    with pytest.raises(ValueError):
        calc.year_elapsed("not a date")


def test_pace_flags_on_the_2016_detail(ds):
    paced = calc.pace(ds["budget_detail"], "2016-04-08")
    elapsed = 99 / 366 * 100
    assert paced["elapsed"].tolist() == pytest.approx([elapsed] * len(paced))
    call = row(paced, "name", "120다산콜센터 운영")
    # 000_…txt, 2016년 예산편성 세부내역: 120다산콜센터 운영 2,487 / 16,866 = 14.7% at 27.0% elapsed
    assert call["pace_gap"] == pytest.approx(2_487 / 16_866 * 100 - elapsed)
    assert call["pace_flag"] == "lagging"
    # 000_…txt, same table: 민원제안통합관리시스템 운영 393 / 432 = 91.0% → far ahead
    assert row(paced, "name", "민원제안통합관리시스템 운영")["pace_flag"] == "ahead"
    # 000_…txt, same table: 소셜미디어를 통한 시민과의 소통활성화 133 / 418 = 31.8% → within 10%p
    assert row(paced, "name", "소셜미디어를 통한 시민과의 소통활성화")["pace_flag"] == "on_pace"
    # 000_…txt, same table: 현장소통프로그램운영 17 / 87 = 19.5% → 7.5%p behind, still on pace
    assert row(paced, "name", "현장소통프로그램운영")["pace_flag"] == "on_pace"
    # the frame's own as_of column gives the same answer
    pd.testing.assert_frame_equal(calc.pace(ds["budget_detail"]), paced)
    wide = calc.pace(ds["budget_detail"], "2016-04-08", threshold=30.0)
    assert row(wide, "name", "120다산콜센터 운영")["pace_flag"] == "on_pace"
    assert row(wide, "name", "민원제안통합관리시스템 운영")["pace_flag"] == "ahead"  # +63.9%p


def test_pace_2015_year_end(ds):
    paced = calc.pace(ds["execution_division"])
    # 000_…txt, 2015년도 예산 집행현황 (2015.12.31): 계 92.6% at 100% elapsed → 7.4%p behind
    office = row(paced, "unit", "office")
    assert office["elapsed"] == 100.0
    assert r1(office["pace_gap"]) == -7.4
    assert set(paced["pace_flag"]) == {"on_pace"}


def test_pace_without_a_rate_and_bad_threshold():
    frame = pd.DataFrame({"year": [2016, 2016], "budget": [0, 100], "executed": [0, 90]})
    paced = calc.pace(frame, "2016-04-08")
    assert paced["pace_flag"].isna().tolist() == [True, False]
    assert paced["pace_flag"].iloc[1] == "ahead"
    with pytest.raises(ValueError):
        calc.pace(frame, "2016-04-08", threshold=-1)
    with pytest.raises(ValueError, match="as_of"):
        calc.pace(frame)


def test_laggards_sorted_by_money_at_stake(ds):
    detail = ds["budget_detail"]
    programs = calc.pace(detail[detail["level"] == "program"], "2016-04-08")
    lag = calc.laggards(programs)
    # 000_…txt, 2016년 예산편성 세부내역: 18 unit programs below 27.0 − 10 = 17.0%; the largest
    # 집행잔액 first: 120다산콜센터 운영 14,379, 시민청 운영 및 확산 3,958, 언론매체를 통한 시정정보제공 2,631
    assert len(lag) == 18
    assert lag["name"].tolist()[:3] == ["120다산콜센터 운영", "시민청 운영 및 확산",
                                        "언론매체를 통한 시정정보제공"]
    assert lag["balance"].iloc[0] == 14_379 * MILLION
    assert lag["balance"].is_monotonic_decreasing
    assert set(lag["pace_flag"]) == {"lagging"}
    # 000_…txt, same table: 희망서울 재능나눔 15 (잔액 15) comes last
    assert lag["name"].iloc[-1] == "희망서울 재능나눔"


# --------------------------------------------------------------------------- change and shares

def test_year_over_year_composition(ds):
    comp = ds["budget_composition"]
    out = calc.year_over_year(comp, value="budget", by="category")
    assert out["category"].tolist() == comp["category"].tolist()   # original order kept
    got = out[out["year"] == 2016].set_index("category")
    assert set(got["base_year"]) == {2015}
    # 000_…txt, Ⅰ-3 <구성별>: 계 36,372 → 40,828, 증감 4,456, 12.3%
    assert got.loc["계", "change"] == 4_456 * MILLION
    assert r1(got.loc["계", "change_rate"]) == 12.3
    # 000_…txt, same table: 사업비 35,732 → 40,196 = 4,464 (the source prints 4,463), 12.5%
    assert got.loc["사업비", "change"] == 4_464 * MILLION
    assert r1(got.loc["사업비", "change_rate"]) == 12.5
    # 000_…txt, same table: 기본경비 639 → 632, △7, △1.1%
    assert got.loc["기본경비", "change"] == -7 * MILLION
    assert r1(got.loc["기본경비", "change_rate"]) == -1.1
    assert out["change"].dtype == "Int64"
    first = out[out["year"] == 2015]
    assert first["change"].isna().all() and first["base_year"].isna().all()


def test_year_over_year_program_budget_and_errors(ds):
    budget = ds["program_budget"]
    out = calc.year_over_year(budget, value="budget", by=["program", "item"])
    total = out[(out["item"] == "계") & (out["year"] == 2016)].iloc[0]
    # 004_…txt, 2 예산 설명 예산 총괄 (천원): 계 161,600 → 418,000, 증감 256,400, (B-A)*100/A = 158.66
    # (the source prints 158)
    assert total["change"] == 256_400 * THOUSAND
    assert total["change_rate"] == pytest.approx(256_400 / 161_600 * 100)
    # 004_…txt, same table: 시책추진업무추진비 4,000 → 4,000: no change
    flat = out[(out["item"] == "시책추진업무추진비") & (out["year"] == 2016)].iloc[0]
    assert flat["change"] == 0 and flat["change_rate"] == 0.0
    with pytest.raises(ValueError, match="by"):
        calc.year_over_year(budget, value="budget")      # several items per year: ambiguous


def test_year_over_year_gap_and_zero_base():
    frame = pd.DataFrame({"year": [2016, 2012, 2014], "value": [30, 0, 10]})
    out = calc.year_over_year(frame, value="value").set_index("year")
    assert out.loc[2014, "base_year"] == 2012 and out.loc[2016, "base_year"] == 2014
    assert out.loc[2014, "change"] == 10
    assert math.isnan(out.loc[2014, "change_rate"])        # growth from 0 has no rate
    assert out.loc[2016, "change_rate"] == 200.0


def test_shares_of_the_division_budget(ds):
    divisions = ds["budget_division"]
    parts = divisions[divisions["unit"] != "office"]
    out = calc.shares(parts, "budget", total=40_828 * MILLION)
    got = {u: r1(s) for u, s in zip(out["unit"], out["share"])}
    # 000_…txt, Ⅰ-3 <부서별>: 12,198 29.9%, 2,960 7.2%, 21,338 52.3%, 4,331 10.6% of 계 40,828
    assert got == {"citizen-communication": 29.9, "city-brand": 7.2, "civil-service": 52.3,
                   "new-media": 10.6}
    assert row(out, "unit", "civil-service")["share"] == pytest.approx(21_338 / 40_828 * 100)
    # default total = the rows' own sum (40,827: the table's parts are one short of its 계)
    own = calc.shares(parts, "budget")
    assert own["share"].sum() == pytest.approx(100.0)
    assert row(own, "unit", "civil-service")["share"] == pytest.approx(21_338 / 40_827 * 100)


def test_shares_by_year_of_the_composition(ds):
    comp = ds["budget_composition"]
    parts = comp[comp["category"] != "계"]
    out = calc.shares(parts, "budget", by="year")
    got = {(y, c): r1(s) for y, c, s in zip(out["year"], out["category"], out["share"])}
    # 000_…txt, Ⅰ-3 <구성별> 비중: 2015 사업비 98.2%, 기본경비 1.8%; 2016 98.5%, 1.5%
    assert got == {(2015, "사업비"): 98.2, (2015, "기본경비"): 1.8,
                   (2016, "사업비"): 98.5, (2016, "기본경비"): 1.5}
    zero = calc.shares(pd.DataFrame({"v": [0, 0]}), "v")
    assert zero["share"].isna().all()


def test_growth_of_the_program_budget(ds):
    settlement = ds["settlement"].set_index("year")["budget"]
    budget = ds["program_budget"]
    later = budget[(budget["item"] == "계") & (budget["year"] > 2014)].set_index("year")["budget"]
    series = pd.concat([later, settlement])                 # unsorted on purpose
    out = calc.growth(series)
    assert out.index.tolist() == [2012, 2013, 2014, 2015, 2016]
    assert out["value"].dtype == "Int64"
    # 004_…txt, 5 최근 3년 결산현황 당초예산 2012 543,923 → 2013 286,195: △257,728, △47.4%
    assert out.loc[2013, "change"] == -257_728 * THOUSAND
    assert r1(out.loc[2013, "change_rate"]) == -47.4
    # 004_…txt, 2 예산 총괄: 2015 161,600 → 2016 418,000 (+256,400)
    assert out.loc[2016, "change"] == 256_400 * THOUSAND
    # CAGR 2012–2016 = (418,000 / 543,923) ** (1/4) − 1 = −6.37%
    expected = ((418_000 / 543_923) ** 0.25 - 1) * 100
    assert out.attrs["cagr"] == pytest.approx(expected)
    assert out.loc[2016, "cagr"] == pytest.approx(expected)
    assert out["cagr"].iloc[:-1].isna().all()
    assert r1(expected) == -6.4


def test_growth_edge_cases():
    assert math.isnan(calc.growth(pd.Series([0, 10], index=[2015, 2016])).attrs["cagr"])
    single = calc.growth(pd.Series([5], index=[2016]))
    assert math.isnan(single.attrs["cagr"]) and len(single) == 1
    assert calc.growth(pd.Series([100, 121], index=[2014, 2016])).attrs["cagr"] == pytest.approx(10.0)
    with pytest.raises(ValueError):
        calc.growth(pd.Series([1, 2], index=[2016, 2016]))


# --------------------------------------------------------------------------- staffing

def test_staffing_gap(ds):
    out = calc.staffing_gap(ds["staffing"])
    assert out["gap"].dtype == "Int64"
    get = out.set_index(["unit", "job_group", "grade"])["gap"]
    # 000_…txt, Ⅰ-2 인력 (2016. 4. 8): 계 정원 128 / 현원 136 → 과원 8명
    assert get[("office", "총계", "총계")] == 8
    # 000_…txt, same table: 시민소통 담당관 행정·기술직군 7급 이하 정원 5, 현원 15 → +10
    assert get[("citizen-communication", "행정·기술직군", "7급 이하")] == 10
    # 000_…txt, same table: 뉴미디어 담당관 임기제 5급 정원 2, 현원 - → 결원 2
    assert get[("new-media", "임기제 일반직", "5급")] == -2


def test_staffing_table_office(ds):
    table = calc.staffing_table(ds["staffing"], "office")
    total = table.iloc[0]
    assert total["row"] == "total" and (total["job_group"], total["grade"]) == ("총계", "총계")
    # 000_…txt, Ⅰ-2 인력 계 정원: 2+18+34+31+4+1+2+3+32+0+1 = 128; 현원: 2+17+31+43+9+1+2+1+29+0+1 = 136
    assert (total["authorized"], total["current"], total["gap"]) == (128, 136, 8)
    assert (total["authorized_stated"], total["current_stated"]) == (128, 136)
    assert total["as_of"] == pd.Timestamp("2016-04-08")           # 000_…txt, Ⅰ-2 인력 (2016. 4. 8)
    assert total["source"].startswith("000_a1ad29fe56867c6c.txt Ⅰ-2")
    detail = table[table["row"] == "detail"]
    assert len(detail) == 11                                   # 11 job group × grade columns
    # 000_…txt, same table: 계 행정·기술직군 7급 이하 31 → 43 (+12), 관리운영직군 4 → 9 (+5)
    by = detail.set_index(["job_group", "grade"])["gap"]
    assert by[("행정·기술직군", "7급 이하")] == 12 and by[("관리운영직군", "전체")] == 5
    last = calc.staffing_table(ds["staffing"], "new-media", total="last")
    # 000_…txt, same table: 뉴미디어 담당관 정원 23 / 현원 22 → 결원 1
    assert last.iloc[-1]["row"] == "total" and last.iloc[-1]["gap"] == -1
    with pytest.raises(ValueError, match="new-media"):
        calc.staffing_table(ds["staffing"], "nowhere")


def test_staffing_summary(ds):
    out = calc.staffing_summary(ds["staffing"]).set_index("unit")
    # 000_…txt, Ⅰ-2 인력 총괄: 정원 128명/현원 136명(과원 8명)
    # (시민소통 45/54, 도시브랜드 13/13, 시민봉사 47/47, 뉴미디어 23/22)
    assert out["gap"].to_dict() == {"office": 8, "citizen-communication": 9, "city-brand": 0,
                                    "civil-service": 0, "new-media": -1}
    assert out.loc["citizen-communication", "authorized"] == 45
    assert out.loc["citizen-communication", "current"] == 54
    assert (out["authorized"] == out["authorized_stated"]).all()
    assert (out["current"] == out["current_stated"]).all()


# --------------------------------------------------------------------------- outcomes

def test_outcome_progress_targets(ds):
    out = calc.outcome_progress(ds["outcomes"])
    panel = row(out, "metric", "온라인 여론조사 패널 수")
    # 000_…txt, Ⅲ-1-5 「시정 여론조사」: 온라인 여론조사 패널 수 확대 10,146명('15년) → 13,000명('16년)
    # the 2015 actual is the baseline of the 2016 target, not a result against it: no 달성률
    assert (panel["last_period"], panel["last_actual"]) == (2015, 10_146)
    assert (panel["target_period"], panel["target"]) == (2016, 13_000)
    assert (panel["baseline"], panel["baseline_period"], panel["baseline_kind"]) == (10_146, 2015, "actual")
    assert panel["gap"] == 2_854 and math.isnan(panel["achievement"])
    assert panel["measure"] == "기준 대비 목표"
    sns = row(out, "metric", "SNS 계정 수")
    # 000_…txt, Ⅲ-4-4 소셜특별시 서울 추진: 계정 통폐합(150개 → 50개); 150 is the state when the
    # plan was written (existing), fewer is the aim (down): gap −100, no 달성률 before a 2016 actual
    assert sns["direction"] == "down" and sns["baseline"] == 150 and sns["target"] == 50
    assert sns["baseline_kind"] == "existing" and sns["gap"] == -100
    assert math.isnan(sns["achievement"]) and math.isnan(sns["last_actual"])
    courses = row(out, "metric", "맞춤형 소셜 교육과정 수")
    # 000_…txt, Ⅲ-4-4: 맞춤형 소셜 교육과정 확대(6개 → 15개): baseline 6, target 15, gap 9
    assert (courses["baseline"], courses["target"], courses["gap"]) == (6, 15, 9)
    assert math.isnan(courses["achievement"])
    assert sns["source"].startswith("000_a1ad29fe56867c6c.txt Ⅲ-4-4")


def test_outcome_progress_kinds_and_ranges(ds):
    out = calc.outcome_progress(ds["outcomes"], target_kinds=("target", "plan"))
    # 000_…txt, Ⅲ-1-4 추진개요: 위치·규모 : 신청사 지하 1~2층 / 8,150 m² — an existing size, no plan
    area = row(out, "metric", "시민청 면적")
    assert area["existing"] == 8_150 and math.isnan(area["target"])
    # 000_…txt, Ⅲ-1-3: 홍보대사 신규 선정·위촉 : 5~6명 — one row, the range kept
    envoys = out[out["metric"].str.startswith("신규 홍보대사 선정·위촉 인원")]
    assert len(envoys) == 1 and envoys.iloc[0]["target_text"] == "5~6"
    # 000_…txt, Ⅲ-3-2: 민원자연처리율 0.64%p 감축 ('14년 6.18% → '15년 5.54%): a change of a rate is in %p
    natural = row(out, "metric", "민원 자연처리율")
    assert natural["change_unit"] == "%p" and natural["unit"] == "%"


def test_outcome_progress_achievement_needs_actual_of_target_period():
    src = "000_x.txt test"
    frame = pd.DataFrame({
        "division": ["d"] * 3, "section": ["1-1"] * 3, "metric": ["m"] * 3,
        "value": [10_146.0, 13_000.0, 12_350.0], "unit": ["명"] * 3, "period": [2015, 2016, 2016],
        "kind": ["actual", "target", "actual"], "direction": ["up"] * 3, "source": [src] * 3,
    })
    assert math.isnan(calc.outcome_progress(frame.iloc[:2]).iloc[0]["achievement"])
    got = calc.outcome_progress(frame).iloc[0]
    assert got["achievement"] == pytest.approx(12_350 / 13_000 * 100) and got["measure"] == "달성률"
    assert got["baseline"] == 10_146


def test_outcome_progress_change_between_periods(ds):
    out = calc.outcome_progress(ds["outcomes"])
    natural = row(out, "metric", "민원 자연처리율")
    # 000_…txt, Ⅲ-3-2 응답소 운영 개선: 민원자연처리율 0.64%p 감축 ('14년 6.18% → '15년 5.54%)
    assert (natural["first_period"], natural["last_period"]) == (2014, 2015)
    assert natural["change"] == pytest.approx(-0.64)
    assert natural["change_rate"] == pytest.approx(-0.64 / 6.18 * 100)
    assert math.isnan(natural["achievement"])           # no target stated
    # a single period has no change
    assert math.isnan(row(out, "metric", "라이브 서울 시청자 수")["change"])
    # 시 대표 SNS 친구 수: 000 Ⅲ-4-1 474,219명 ('15) and 004 4 사업효과 약 395,000여명 ('15)
    # are different counts from different documents: two rows, never mixed
    friends = out[out["metric"] == "시 대표 SNS 친구 수"].set_index("document")["last_actual"]
    assert friends.to_dict() == {"000_a1ad29fe56867c6c.txt": 474_219,
                                 "004_6b168251e7e9221a.txt": 395_000}
    # plans are not targets unless asked
    live = row(out, "metric", "라이브 서울 방송 횟수")
    assert math.isnan(live["target"])
    with_plans = calc.outcome_progress(ds["outcomes"], target_kinds=("target", "plan"))
    # 000_…txt, Ⅲ-4-2: 라이브 서울 481회('15 실적), 약 500회('16 계획)
    assert row(with_plans, "metric", "라이브 서울 방송 횟수")["target"] == 500


def test_outcome_progress_down_midway():
    src = "000_x.txt test"
    frame = pd.DataFrame({
        "division": ["d"] * 3, "section": ["1-1"] * 3, "metric": ["m"] * 3,
        "value": [150.0, 100.0, 50.0], "unit": ["개"] * 3, "period": [2015, 2016, 2016],
        "kind": ["actual", "actual", "target"], "direction": ["down"] * 3, "source": [src] * 3,
    })
    got = calc.outcome_progress(frame).iloc[0]
    # (baseline − actual) / (baseline − target) = (150 − 100) / (150 − 50) = 50%
    assert got["achievement"] == pytest.approx(50.0)
    assert got["change"] == -50 and got["source"] == src


# --------------------------------------------------------------------------- cost lines

def test_cost_lines(ds):
    lines = calc.cost_lines(ds["program_costs"])
    assert len(lines) == 11 and set(lines["level"]) == {"line"}
    blog = row(lines, "line", "블로그 운영 및 관리")
    # 004_…txt, 예산 요구내역 및 산출근거: 블로그 운영 및 관리 = 75,000천원, 150,000원*500건
    assert blog["computed"] == 150_000 * 500 == 75_000 * THOUSAND
    assert blog["difference"] == 0
    ads = row(lines, "line", "시정콘텐츠 페이스북 광고")
    # 004_…txt, same: 시정콘텐츠 페이스북 광고 = 15,000천원, 100,000원*150회
    assert ads["computed"] == 15_000 * THOUSAND
    assert (lines["difference"] == 0).all()
    assert lines["computed"].dtype == "Int64"
    wrong = ds["program_costs"]
    wrong.loc[wrong["line"] == "블로그 운영 및 관리", "amount"] = 74_000 * THOUSAND
    assert row(calc.cost_lines(wrong), "line", "블로그 운영 및 관리")["difference"] == -1_000 * THOUSAND


def test_cost_rollup(ds):
    out = calc.cost_rollup(ds["program_costs"], budget=ds["program_budget"])
    assert out["level"].tolist() == ["group", "group", "group", "item", "group", "item", "total"]
    groups = out[out["level"] == "group"].set_index("group")
    # 004_…txt, 예산 요구내역 및 산출근거: 시대표 블로그 운영 및 행사 94,000 = 75,000+6,000+3,000+10,000
    assert groups.loc["시대표 블로그 운영 및 행사", "lines"] == 94_000 * THOUSAND
    assert groups.loc["시대표 블로그 운영 및 행사", "stated"] == 94_000 * THOUSAND
    # 004_…txt, same: 시대표SNS운영 120,000 = 40,000+30,000+35,000+15,000; 통합 모니터링 200,000
    assert groups.loc["시대표SNS운영", "computed"] == 120_000 * THOUSAND
    assert groups.loc["소셜미디어 통합 모니터링", "n_lines"] == 2
    items = out[out["level"] == "item"].set_index("item")
    # 004_…txt, 2 예산 총괄 2016예산(B): 사무관리비 414,000 = 94,000 + 120,000 + 200,000
    assert items.loc["사무관리비", "lines"] == 414_000 * THOUSAND
    assert items.loc["사무관리비", "budget_stated"] == 414_000 * THOUSAND
    total = out.iloc[-1]
    # 004_…txt, 2 예산 총괄 2016예산(B): 계 418,000 = 414,000 + 4,000
    assert (total["item"], total["lines"], total["stated"]) == ("계", 418_000 * THOUSAND,
                                                                 418_000 * THOUSAND)
    assert total["budget_stated"] == 418_000 * THOUSAND
    assert (out["difference"] == 0).all()
    plain = calc.cost_rollup(ds["program_costs"])
    assert "budget_stated" not in plain


def test_cost_rollup_shows_a_group_that_does_not_add_up(ds):
    costs = ds["program_costs"]
    group = (costs["level"] == "group") & (costs["group"] == "시대표SNS운영")
    costs.loc[group, "amount"] = 121_000 * THOUSAND
    out = calc.cost_rollup(costs)
    sns = out[(out["level"] == "group") & (out["group"] == "시대표SNS운영")].iloc[0]
    assert sns["difference"] == 1_000 * THOUSAND
    assert out.iloc[-1]["difference"] == 1_000 * THOUSAND


# --------------------------------------------------------------------------- purity

def test_functions_leave_their_inputs_alone(ds):
    frames = {name: ds[name] for name in ("budget_detail", "settlement", "budget_composition",
                                          "staffing", "outcomes", "program_costs", "program_budget")}
    before = {name: frame.copy(deep=True) for name, frame in frames.items()}
    calc.execution(frames["budget_detail"])
    calc.laggards(calc.pace(frames["budget_detail"], "2016-04-08"))
    calc.closed_year(frames["settlement"])
    calc.year_over_year(frames["budget_composition"], value="budget", by="category")
    calc.shares(frames["budget_composition"], "budget", by="year")
    calc.staffing_gap(frames["staffing"])
    calc.staffing_table(frames["staffing"], "office")
    calc.staffing_summary(frames["staffing"])
    calc.outcome_progress(frames["outcomes"])
    calc.cost_rollup(frames["program_costs"], budget=frames["program_budget"])
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(frame, before[name], obj=name)


# --------------------------------------------------------------------------- properties

AMOUNT = st.integers(min_value=0, max_value=10**13)   # up to 10조원 in 원, far above any budget here
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def budget_frames(draw):
    n = draw(st.integers(min_value=1, max_value=8))
    budget = draw(st.lists(AMOUNT, min_size=n, max_size=n))
    carry = draw(st.lists(st.one_of(st.none(), AMOUNT), min_size=n, max_size=n))
    executed = draw(st.lists(AMOUNT, min_size=n, max_size=n))
    frame = pd.DataFrame({
        "budget": pd.array(budget, dtype="Int64"),
        "carryover": pd.array([pd.NA if c is None else c for c in carry], dtype="Int64"),
        "executed": pd.array(executed, dtype="Int64"),
    })
    if draw(st.booleans()):
        frame = frame.drop(columns="carryover")
    return frame


@FAST
@given(budget_frames())
def test_property_rates_non_negative_and_balance_exact(frame):
    before = frame.copy(deep=True)
    out = calc.execution(frame)
    pd.testing.assert_frame_equal(frame, before)                  # input untouched
    carry = frame["carryover"].fillna(0) if "carryover" in frame else 0
    assert (out["available"] == frame["budget"] + carry).all()
    assert (out["balance"] == out["available"] - frame["executed"]).all()  # exact, in 원
    assert out["balance"].dtype == "Int64"
    rate = out["execution_rate"].to_numpy()
    defined = out["available"].to_numpy(dtype="int64") > 0
    assert (rate[defined] >= 0).all()
    assert np.isnan(rate[~defined]).all()


@FAST
@given(st.lists(AMOUNT, min_size=1, max_size=12).filter(lambda xs: sum(xs) > 0))
def test_property_shares_sum_to_100(values):
    out = calc.shares(pd.DataFrame({"budget": pd.array(values, dtype="Int64")}), "budget")
    share = out["share"].to_numpy()
    assert (share >= 0).all()
    assert share.sum() == pytest.approx(100.0, abs=1e-9)
    printed = sum(r1(s) for s in share)                          # each rounded to 0.1 as printed
    assert abs(printed - 100.0) <= 0.05 * len(values) + 1e-9


@FAST
@given(st.lists(st.tuples(st.integers(2000, 2030), AMOUNT), min_size=1, max_size=10,
                unique_by=lambda t: t[0]))
def test_property_year_over_year_change_is_exact(pairs):
    frame = pd.DataFrame({"year": [y for y, _ in pairs],
                          "value": pd.array([v for _, v in pairs], dtype="Int64")})
    out = calc.year_over_year(frame, value="value").sort_values("year")
    values = out["value"].tolist()
    assert out["change"].iloc[1:].tolist() == [b - a for a, b in zip(values, values[1:])]


@FAST
@given(budget_frames(), st.floats(min_value=0, max_value=50))
def test_property_pace_flag_matches_gap(frame, threshold):
    paced = calc.pace(frame, "2016-04-08", threshold=threshold)
    gap = paced["pace_gap"].to_numpy()
    flag = paced["pace_flag"]
    for g, f in zip(gap, flag):
        if np.isnan(g):
            assert f is pd.NA
        else:
            assert f == ("lagging" if g < -threshold else "ahead" if g > threshold else "on_pace")


def test_pace_at_exactly_the_threshold_is_on_pace():
    # 2015-12-31: the whole year elapsed (100 %); 9 of 10 executed → 90 %, gap −10.0 %p exactly.
    # 2015-12-31 before fiscal 2016: nothing elapsed (0 %); 1 of 10 → 10 %, gap +10.0 %p exactly.
    frame = pd.DataFrame({"year": [2015, 2015, 2016, 2016], "budget": [10, 1_000, 10, 1_000],
                          "executed": [9, 899, 1, 101]})
    paced = calc.pace(frame, "2015-12-31", threshold=10)
    assert paced["pace_gap"].tolist() == pytest.approx([-10.0, -10.1, 10.0, 10.1])
    assert paced["pace_gap"].iloc[0] == -10.0 and paced["pace_gap"].iloc[2] == 10.0
    assert paced["pace_flag"].tolist() == ["on_pace", "lagging", "on_pace", "ahead"]
