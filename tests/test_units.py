"""The source's notation and money units (seoulcomm.units), on figures from the documents.

Sources: 000_a1ad29fe56867c6c.txt (2016 주요업무 보고) and 004_6b168251e7e9221a.txt (사업설명서).
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seoulcomm import units


def parse(texts, **kw):
    values, decimals, bad = units.parse_numbers(pd.Series(texts, dtype="string"), **kw)
    return values, decimals, bad


# --- parse_numbers -------------------------------------------------------------------

def test_grouped_integer():
    # 000_…txt 2016년 예산편성 세부내역 1행: 전년도 이월액 1,341
    values, decimals, bad = parse(["1,341", "40,828", "5,551,264"], integer=True)
    assert values.tolist() == [1341, 40828, 5551264]
    assert str(values.dtype) == "Int64"
    assert not bad.any() and decimals.tolist() == [0, 0, 0]


def test_triangle_is_negative():
    # 000_…txt Ⅰ-3 <구성별>: 기본경비 2015년 대비 증감 △7, 증감률 △1.1%
    values, _, bad = parse(["△7"], integer=True)
    assert values.tolist() == [-7] and not bad.any()
    rates, decimals, bad = parse(["△1.1%"], integer=False, percent=True)
    assert rates.tolist() == [-1.1] and decimals.tolist() == [1] and not bad.any()


def test_dash_is_zero_and_empty_is_missing():
    # 000_…txt 2016년 예산편성 세부내역 3행: 기본경비 전년도 이월액 '-'
    values, _, bad = parse(["-", "", "  "], integer=True)
    assert values[0] == 0
    assert values[1:].isna().all()
    assert not bad.any()


def test_other_minus_signs():
    values, _, bad = parse(["-7", "−7", "△ 7", " 1,341 "], integer=True)
    assert values.tolist() == [-7, -7, -7, 1341] and not bad.any()


def test_percent_and_decimals_written():
    # 000_…txt Ⅰ-3 <부서별>: 계 100.0%, 시민소통담당관 29.9%; <구성별>: 2015년 계 100%
    values, decimals, bad = parse(["100.0%", "29.9%", "100%", "0.0"], integer=False, percent=True)
    assert values.tolist() == [100.0, 29.9, 100.0, 0.0]
    assert str(values.dtype) == "Float64"
    assert decimals.tolist() == [1, 1, 0, 1]
    assert not bad.any()


def test_two_decimal_figures():
    # 000_…txt Ⅲ-3-2: 민원자연처리율 '14년 6.18% → '15년 5.54%, 0.64%p 감축
    values, decimals, bad = parse(["6.18", "5.54", "-0.64"], integer=False)
    assert values.tolist() == [6.18, 5.54, -0.64]
    assert decimals.tolist() == [2, 2, 2] and not bad.any()


@pytest.mark.parametrize("text", [
    "1,2345",      # wrong grouping
    "12,34",
    "1,341,",
    "9,4O1",       # letter O for zero
    "abc",
    "1e3",
    "0x10",
    "１２",        # full-width digits
    "1 341",
    "△",
    "%",
    "--7",
    "99999999999999999999",  # does not fit int64
])
def test_refused_notation(text):
    values, _, bad = parse([text], integer=False, percent=True)
    assert bad.tolist() == [True]
    assert values.isna().all()


def test_integer_columns_refuse_fractions_and_percent():
    _, _, bad = parse(["12.5", "29.9%", "12"], integer=True)
    assert bad.tolist() == [True, True, False]


def test_percent_only_where_allowed():
    _, _, bad = parse(["29.9%"], integer=False, percent=False)
    assert bad.tolist() == [True]


def test_index_is_kept():
    text = pd.Series(["1", "x", "3"], index=[7, 9, 12], dtype="string")
    values, _, bad = units.parse_numbers(text, integer=True)
    assert values.index.tolist() == [7, 9, 12]
    assert bad.tolist() == [False, True, False]


# --- money units -----------------------------------------------------------------------

def test_money_units():
    assert units.MONEY_UNITS == {"원": 1, "천원": 1_000, "백만원": 1_000_000}
    assert units.factor("백만원") == 1_000_000


def test_to_won_baekman_won_is_exact():
    # 000_…txt Ⅰ-3 <부서별>: 계 40,828 (백만원) = 408억 28백만원
    won = units.to_won(pd.Series([40828, -7, None], dtype="Int64"), "백만원")
    assert str(won.dtype) == "Int64"
    assert won[0] == 40_828_000_000 and won[1] == -7_000_000 and pd.isna(won[2])
    assert isinstance(won.tolist()[0], int)


def test_to_won_cheon_won():
    # 004_…txt 2 예산 총괄 (단위 : 천원): 2016 계 418,000
    assert units.to_won(pd.Series([418_000], dtype="Int64"), "천원")[0] == 418_000_000


def test_to_won_stays_exact_beyond_float_precision():
    # 2**53 + 1 원 is not representable as float64: integer arithmetic must keep it
    won = units.to_won(pd.Series([9_007_199_254_740_993], dtype="Int64"), "원")
    assert won[0] == 9_007_199_254_740_993


def test_from_won():
    assert units.from_won(40_828_000_000, "백만원") == 40_828
    assert units.from_won(418_000_000, "천원") == 418_000


# --- rounding as the source does -----------------------------------------------------

def test_round_half_up_on_source_rates():
    # 000_…txt 세부내역 1행: 집행률 22.3 = 9,401 / 42,170
    assert units.round_half_up(9_401 / 42_170 * 100, 1) == 22.3
    # 000_…txt 세부내역 4행: 시민소통담당관 20.7 = 2,797 / 13,540
    assert units.round_half_up(2_797 / 13_540 * 100, 1) == 20.7
    # 000_…txt <구성별>: 기본경비 증감률 △1.1 = △7 / 639
    assert units.round_half_up(-7 / 639 * 100, 1) == -1.1
    # 000_…txt <구성별>: 2016 사업비 비중 98.5 = 40,196 / 40,828
    assert units.round_half_up(40_196 / 40_828 * 100, 1) == 98.5


def test_round_half_up_is_not_bankers():
    assert units.round_half_up(2.5) == 3.0
    assert units.round_half_up(3.5) == 4.0
    assert units.round_half_up(-2.5) == -3.0
    assert units.round_half_up(0.285, 2) == 0.29   # binary 0.28499999…
    assert units.round_half_up(12.25, 1) == 12.3
    assert units.round_half_up(12.24, 1) == 12.2
    assert math.isnan(units.round_half_up(float("nan"), 1))
    assert math.isnan(units.round_half_up(None, 1))


def test_truncate_cuts_toward_zero():
    # 004_…txt 2 예산 총괄: (B-A)*100/A = 256,400*100/161,600 = 158.66… written 158
    assert units.truncate(256_400 * 100 / 161_600) == 158
    # 사무관리비: 256,400*100/157,600 = 162.69… written 162
    assert units.truncate(256_400 * 100 / 157_600) == 162
    assert units.truncate(12.39, 1) == 12.3
    assert units.truncate(-1.19, 1) == -1.1
    assert units.truncate(0.3, 1) == 0.3    # 0.3 * 10 is 2.9999999999999996 in binary


# --- display ---------------------------------------------------------------------------

def test_fmt_number():
    assert units.fmt_number(5_551_264) == "5,551,264"
    assert units.fmt_number(-7, triangle=True) == "△7"
    assert units.fmt_number(-7) == "-7"
    assert units.fmt_number(0, dash_zero=True) == "-"
    assert units.fmt_number(6.18, 2) == "6.18"
    assert units.fmt_number(None) == ""
    assert units.fmt_number(pd.NA) == ""
    assert units.fmt_number(float("nan")) == ""
    # a negative that rounds to zero prints without a sign
    assert units.fmt_number(-0.04, 1, triangle=True) == "0.0"


def test_fmt_money_in_source_units():
    # 000_…txt Ⅰ-3 <부서별>: 계 40,828 백만원; <구성별>: 기본경비 증감 △7
    assert units.fmt_money(40_828_000_000) == "40,828"
    assert units.fmt_money(-7_000_000, triangle=True) == "△7"
    # 004_…txt 2 예산 총괄 (천원): 2014 계 280,395
    assert units.fmt_money(280_395_000, "천원") == "280,395"
    # 000_…txt 세부내역 3행: 기본경비 이월액 '-'
    assert units.fmt_money(0, dash_zero=True) == "-"
    assert units.fmt_money(pd.NA) == "" and units.fmt_money(None) == ""
    # half a unit rounds up, as the source rounds
    assert units.fmt_money(1_500_000) == "2" and units.fmt_money(2_500_000) == "3"
    assert units.fmt_money(np.int64(1_341_000_000)) == "1,341"


def test_fmt_rate():
    # 000_…txt 세부내역 1행: 집행률 22.3; <구성별>: 증감률 △1.1%
    assert units.fmt_rate(9_401 / 42_170 * 100) == "22.3%"
    assert units.fmt_rate(-1.1, triangle=True) == "△1.1%"
    assert units.fmt_rate(100) == "100.0%"
    assert units.fmt_rate(158, 0) == "158%"
    assert units.fmt_rate(None) == ""


# --- properties ------------------------------------------------------------------------

@given(st.integers(-(10**15), 10**15))
def test_display_parses_back_to_the_same_integer(n):
    text = units.fmt_number(n, triangle=True)
    values, _, bad = parse([text], integer=True)
    assert not bad.any()
    assert values[0] == n


@given(st.integers(-(10**12), 10**12), st.sampled_from(list(units.MONEY_UNITS)))
def test_money_display_round_trips_through_won(n, unit):
    won = units.to_won(pd.Series([n], dtype="Int64"), unit)[0]
    assert won == n * units.factor(unit)
    assert units.fmt_money(won, unit, triangle=True) == units.fmt_number(n, triangle=True)


@given(st.integers(0, 10**6), st.integers(0, 3))
def test_round_half_up_of_exact_halves(k, decimals):
    # k + 0.5 at the last kept place always rounds away from zero
    value = (k + 0.5) / 10**decimals
    assert units.round_half_up(value, decimals) == pytest.approx((k + 1) / 10**decimals)
    assert units.round_half_up(-value, decimals) == pytest.approx(-(k + 1) / 10**decimals)
