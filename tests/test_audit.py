"""The reconciliation audit, on the figures of the two source documents."""
from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from seoulcomm import audit, load_all


@pytest.fixture(scope="module")
def result():
    return audit.reconcile(load_all())


def row(frame, table, item, check):
    hit = frame[(frame["table"] == table) & (frame["item"] == item) & (frame["check"] == check)]
    assert len(hit) == 1, f"{table} / {item} / {check}: {len(hit)} rows"
    return hit.iloc[0]


def test_columns_and_verdicts(result):
    assert list(result.columns) == audit.COLUMNS
    assert set(result["verdict"]) <= set(audit.VERDICTS)
    assert result["source"].str.contains(r"00[04]_[0-9a-f]+\.txt").all()


def test_civil_service_budget_differs_between_division_and_detail_tables(result):
    # 000_…txt Ⅰ-3 <부서별>: 시민봉사담당관 21,338; 2016년 예산편성 세부내역: 시민봉사담당관 21,339.
    # Two roundings of one figure cannot differ by one 백만원: one table cut the digits.
    r = row(result, "budget_division", "시민봉사담당관 예산 (2016)", "부서별 표 = 세부내역 표")
    assert (r.stated, r.computed, r.difference, r.verdict) == (21338, 21339, -1, "truncation")
    assert r.scope == "civil-service" and r.unit == "백만원"


def test_program_sheet_2014_items_do_not_add_up(result):
    # 004_…txt 2 예산 총괄: 2014 계 280,395 but 사무관리비 237,600 + 시책추진업무추진비 4,000 = 241,600 (천원)
    r = row(result, "program_budget", "예산 총괄 계 (2014)", "비목 합계=계")
    assert (r.stated, r.computed, r.difference, r.verdict) == (280395, 241600, 38795, "discrepancy")
    assert r.unit == "천원" and r.scope == "social-media"
    # 2015: 157,600 + 4,000 = 161,600 and 2016: 414,000 + 4,000 = 418,000 agree
    assert row(result, "program_budget", "예산 총괄 계 (2015)", "비목 합계=계").verdict == "exact"
    assert row(result, "program_budget", "예산 총괄 계 (2016)", "비목 합계=계").verdict == "exact"


def test_program_sheet_rates_are_truncated(result):
    # 004_…txt 2 예산 총괄 (B-A)*100/A: 계 256,400*100/161,600 = 158.66 printed 158;
    # 사무관리비 256,400*100/157,600 = 162.69 printed 162 — cut, not rounded
    r = row(result, "program_budget", "계 (2015→2016)", "(B−A)*100/A")
    assert r.stated == 158 and r.computed == pytest.approx(158.663366) and r.verdict == "truncation"
    r = row(result, "program_budget", "사무관리비 (2015→2016)", "(B−A)*100/A")
    assert r.stated == 162 and r.verdict == "truncation"


def test_basic_expenses_differ_between_composition_and_detail(result):
    # 000_…txt <구성별>: 2016 기본경비 632; 세부내역: 기본경비(행정운영경비) 633
    r = row(result, "budget_composition", "기본경비 (2016)", "구성별 표 = 세부내역 표")
    assert (r.stated, r.computed, r.verdict) == (632, 633, "truncation")


def test_sums_off_by_rounding(result):
    # 000_…txt <부서별>: 12,198 + 2,960 + 21,338 + 4,331 = 40,827 against 계 40,828
    r = row(result, "budget_division", "부서별 예산 계 (2016)", "부서 합계=계")
    assert (r.stated, r.computed, r.verdict) == (40828, 40827, "rounding")
    # 세부내역 계: 40,828 + 1,341 = 42,169 against 예산현액 42,170
    r = row(result, "budget_detail", "시민소통기획관 예산 합계 (2016)", "예산편성액(A)+전년도 이월액(B)=예산현액")
    assert (r.stated, r.computed, r.verdict) == (42170, 42169, "rounding")
    # <구성별> 2015: 35,732 + 639 = 36,371 against 36,372
    r = row(result, "budget_composition", "구성별 예산 계 (2015)", "사업비+기본경비=계")
    assert (r.stated, r.computed, r.verdict) == (36372, 36371, "rounding")


def test_new_media_balance_is_a_difference_of_printed_figures(result):
    # 000_…txt 2016년 예산편성 세부내역: 뉴미디어담당관 집행잔액 3,113; parts 3,089 (정책) + 26 (기본경비)
    # = 3,115. Every 집행잔액 of that table is 예산현액 − 집행액 of printed figures (4,331 − 1,218 = 3,113;
    # 4,294 − 1,205 = 3,089; 38 − 12 = 26), so the gap is (4,331 − 4,332) − (1,218 − 1,217) = (−1) − (+1):
    # two differences the audit itself calls rounding.
    r = row(result, "budget_detail", "뉴미디어담당관 (2016)", "하위 항목 합계=집행잔액")
    assert (r.stated, r.computed, r.verdict) == (3113, 3115, "rounding")
    # the note says how (개조식, issue 22): the balance gap is the 현액 gap less the 집행 gap
    assert r.note == "집행잔액 차이 = 예산현액 합계 차이 − 집행액 합계 차이(모두 반올림 범위)"
    assert row(result, "budget_detail", "뉴미디어담당관 (2016)", "하위 항목 합계=예산현액").verdict == "rounding"
    assert row(result, "budget_detail", "뉴미디어담당관 (2016)", "하위 항목 합계=집행액").verdict == "rounding"


def test_blank_source_cells_are_not_checked(result):
    # 004_…txt 2 예산 총괄: 시책추진업무추진비 2016 증감 and (B-A)*100/A are blank '(x-)' — no check
    hit = result[(result["table"] == "program_budget") & (result["item"] == "시책추진업무추진비 (2015→2016)")]
    assert hit.empty
    # a '-' total over '-' parts (전년도 이월액 of 도시브랜드담당관) is nothing stated: no "0 = 0" row
    carry = result[result["check"].str.endswith("=전년도 이월액")]
    assert not ((carry["stated"] == 0) & (carry["computed"] == 0)).any()


def test_largest_programs_list_skips_a_larger_program(result):
    # 000_…txt Ⅰ-3: 주요 사업별로는 『120 다산콜센터 운영』 41.4% … 『서울시 도시브랜드 마케팅』 이 5.6%;
    # 세부내역: 120다산콜센터 관리 및 고도화 2,808 (2,808 / 40,828 = 6.9%) is larger and not listed
    r = row(result, "program_shares", "120다산콜센터 관리 및 고도화 (2016)",
            "비중 목록 누락: 목록 최소 비중 ≥ 목록 밖 사업 비중")
    # a selection, not a contradiction: 참고 (issue 22)
    assert r.stated == 5.6 and r.computed == pytest.approx(6.8776, abs=1e-3) and r.verdict == "reference"
    assert len(result[result["check"].str.startswith("비중 목록 누락")]) == 1


def test_every_part_three_section_is_reconciled_or_says_why(result):
    sections = result[result["table"] == "sections"]
    ids = sections["item"].str.extract(r"^([0-9]-[0-9](?:\+[0-9]-[0-9])*)")[0].str.split("+").explode()
    assert set(ids) == set(load_all()["sections"]["section"])
    # 000_…txt Ⅲ-2-① 사업비 1,706 + Ⅲ-2-② 1,224 = 2,930 = 세부내역 '시민 자긍심 고취 및 도시경쟁력 제고' 2,930
    r = row(result, "sections", "2-1+2-2 (2016)", "Ⅲ 사업비 = 세부내역 예산편성액 합계")
    assert (r.stated, r.computed, r.verdict, r.scope) == (2930, 2930, "exact", "city-brand")
    # Ⅲ-3-② 응답소(민원제안통합관리시스템) 240 against the detail's 민원제안통합관리시스템 운영 432
    # (section_links: 3-2 covers part of that line → 일부 대응, 240 ≤ 432)
    r = row(result, "sections", "3-2 응답소(민원제안통합관리시스템) 운영 개선 (2016)",
            "Ⅲ 사업비 ≤ 세부내역 예산편성액 (사업의 일부)")
    assert (r.stated, r.computed, r.verdict) == (240, 432, "partial")
    # Ⅲ-1-③ 40: no detail line of its own; the row says why
    r = row(result, "sections", "1-3 명예부시장 운영 및 희망서울 재능나눔(홍보대사) (2016)",
            "Ⅲ 사업비 = 세부내역 (대응 사업 없음)")
    assert r.verdict == "unmatched" and r.stated == 40 and "명예부시장" in r.note
    unmatched = sections[sections["verdict"] == "unmatched"]
    assert unmatched["note"].notna().all()


def test_cache_is_written(tmp_path):
    ds = load_all()
    first = audit.reconcile(ds)
    # a second load_all hands out a fresh read log over the same tables: still one audit
    assert audit.reconciled_state(ds)[1] is not first
    second = audit.reconcile(load_all())
    assert audit.reconciled_state(ds)[0] is ds.tables
    pd.testing.assert_frame_equal(first, second)
    second.loc[0, "verdict"] = "x"      # a copy: the cache cannot be changed by a caller
    assert audit.reconcile(ds).loc[0, "verdict"] != "x"


def _with_tables(ds, **tables):
    from seoulcomm.load import Dataset
    merged = {name: frame.copy() for name, frame in ds.tables.items()}
    merged.update(tables)
    return Dataset(ds.data_dir, ds.catalog, merged, ds.refs)


def test_second_snapshot_and_next_year_give_no_false_findings():
    ds = load_all()
    base = audit.reconcile(ds)
    detail = ds.tables["budget_detail"]
    # (a) the 2016 detail again as of 2016-06-30, same lines: 집행 moved on, the parts still add up
    later = detail.copy()
    later["as_of"] = pd.Timestamp("2016-06-30")
    later["source"] = "snapshot_2016-06-30.txt 세부내역"
    # (b) a 2017 detail with the same lines (a different year, a different document)
    y2017 = detail.copy()
    y2017["year"] = y2017["year"] + 1
    y2017["as_of"] = pd.Timestamp("2017-04-07")
    y2017["source"] = "report_2017.txt 세부내역"
    grown = _with_tables(ds, budget_detail=pd.concat([detail, later, y2017], ignore_index=True))
    got = audit.reconcile(grown)
    assert {"year", "as_of", "program"} <= set(got.columns)
    # nothing is summed across snapshots: every finding of the shipped data, and no other
    key = ["table", "item", "check", "verdict", "stated", "computed"]
    added = got["as_of"].isin([pd.Timestamp("2016-06-30"), pd.Timestamp("2017-04-07")])
    found = audit.findings(got)

    def keys(frame):
        return set(map(tuple, audit.findings(frame)[key].fillna(-1).to_numpy()))
    assert keys(base) == keys(got[~added])
    for when in ("2016-06-30", "2017-04-07"):
        snap = found[found["as_of"] == pd.Timestamp(when)]
        # the same lines give the same within-table verdicts; no 40,196 vs 80,392 sums
        assert (snap["table"] == "budget_detail").all()
        assert (snap["verdict"] != "discrepancy").all()
    # part III 사업비 (2016, document 000) are compared with the 2016 detail of the same document only
    sec = got[got["table"] == "sections"]
    assert set(sec["year"]) == {2016} and set(sec["as_of"].dropna()) == {pd.Timestamp("2016-04-08")}
    # for_scope by year and as-of date
    june = audit.for_scope(got, "office", 2016, as_of="2016-06-30")
    assert set(june["as_of"].dropna()) == {pd.Timestamp("2016-06-30")}
    assert (june["year"] == 2016).all()


def test_major_program_shares(result):
    # 000_…txt Ⅰ-3: 『120 다산콜센터 운영』 41.4% but 16,866 / 40,828 = 41.31%
    r = row(result, "program_shares", "120다산콜센터 운영 (2016)", "비중=사업 예산편성액/기획관 예산")
    assert r.stated == 41.4 and r.computed == pytest.approx(41.3099, abs=1e-3) and r.verdict == "discrepancy"
    # 『언론매체를 통한 시정정보제공』 7.1%: 2,917 / 40,828 = 7.14%
    r = row(result, "program_shares", "언론매체를 통한 시정정보제공 (2016)", "비중=사업 예산편성액/기획관 예산")
    assert r.verdict == "exact"


def test_part_three_program_costs_against_detail(result):
    # Ⅲ-4-① 사업비 414백만원 vs 세부내역 소셜미디어 418 (414,000천원 is its 사무관리비 alone:
    # 004 예산 총괄 explains it → 설명됨)
    r = row(result, "sections", "4-1 소셜미디어를 통한 시민과의 소통 활성화 (2016)", "Ⅲ 사업비 = 세부내역 예산편성액")
    assert (r.stated, r.computed, r.verdict) == (414, 418, "explained")
    # Ⅲ-4-② 1,449 vs 뉴미디어 웹사이트 운영 1,447
    r = row(result, "sections", "4-2 뉴미디어 웹사이트 운영 강화 (2016)", "Ⅲ 사업비 = 세부내역 예산편성액")
    assert (r.stated, r.computed, r.verdict) == (1449, 1447, "discrepancy")
    # Ⅲ-1-④ 시민청 4,464 is the detail's 예산현액 3,123 + 1,341
    r = row(result, "sections", "1-4 대표 소통공간 「시민청」 운영 및 확산 (2016)", "Ⅲ 사업비 = 세부내역 예산현액")
    assert (r.stated, r.computed, r.verdict) == (4464, 4464, "exact")
    # Ⅲ-1-⑥ 1,347 = 944 + 343 + 60
    r = row(result, "sections", "1-6 '서울사랑' 및 '내친구 서울' 발간 등 (2016)", "Ⅲ 사업비 = 세부내역 예산편성액 합계")
    assert (r.stated, r.computed, r.verdict) == (1347, 1347, "exact")


def test_execution_rates_in_detail(result):
    # 세부내역 뉴미디어담당관: 1,218 / 4,331 = 28.12 → 28.1
    r = row(result, "budget_detail", "뉴미디어담당관 (2016)", "집행률=집행액/예산현액")
    assert r.stated == 28.1 and r.verdict == "exact" and r.unit == "%"
    # every stated 집행률 of the 44 lines is checked
    rates = result[(result["table"] == "budget_detail") & (result["check"] == "집행률=집행액/예산현액")]
    assert len(rates) == 44


def test_staffing_totals_agree(result):
    # Ⅰ-2 인력: 정원 128명 / 현원 136명 (과원 8명); every row and column adds up in this source
    staff = result[result["table"].isin(["staffing", "staffing_totals"])]
    assert (staff["verdict"] == "exact").all()
    r = row(result, "staffing_totals", "시민소통기획관 과원 (2016)", "과원=현원−정원")
    assert (r.stated, r.computed) == (8, 8)


def test_sns_friends_differ_between_documents(result):
    # 000_…txt Ⅲ-4-① '15년: 474,219명; 004_…txt 2015년도: 약 395,000여명과 관계망
    r = row(result, "outcomes", "4-1 시 대표 SNS 친구 수 (2015)", "두 문서의 같은 실적")
    # written at different times (004 during 2015, 000 on 2016. 4. 26.): 시점 차이
    assert r.verdict == "timing" and abs(r.difference) == 79219


def test_honorary_deputy_mayor_activities_add_up(result):
    # Ⅲ-1-③ '15년 527회 = 383 + 74 + 70
    hit = result[(result["table"] == "outcomes") & result["item"].str.contains("명예부시장")
                 & (result["check"] == "세부 실적 합계=총계")]
    assert len(hit) == 1 and hit.iloc[0].stated == 527 and hit.iloc[0].verdict == "exact"


def test_complaint_rate_change(result):
    # Ⅲ-3-② 민원자연처리율 0.64%p 감축 ('14년 6.18% → '15년 5.54%)
    hit = result[(result["table"] == "outcomes") & (result["check"] == "증감=올해−전년")]
    assert len(hit) == 1 and hit.iloc[0].stated == -0.64 and hit.iloc[0].verdict == "exact"


def test_counts_and_scope(result):
    counts = audit.counts(result)
    assert list(counts.index) == audit.VERDICTS and counts.sum() == len(result)
    assert counts["discrepancy"] >= 5 and counts["truncation"] >= 4 and counts["unmatched"] >= 2
    civil = audit.for_scope(result, "civil-service")
    assert (civil["scope"] == "civil-service").all() and len(civil) > 0
    # the office report shows Ⅰ-3's tables whole: its notes (41.4 / 7.8 shares, 21,338 vs 21,339)
    # are in its 원문 검증, though a division's program or row
    office = audit.findings(audit.for_scope(result, "office", 2016))
    assert {"120다산콜센터 운영 (2016)", "시민청 운영 및 확산 (2016)", "시민봉사담당관 예산 (2016)"} <= set(office["item"])
    assert (audit.findings(result)["verdict"] != "exact").all()


def test_year_and_program_of_each_check(result):
    assert result["year"].notna().all()
    # the 2015 settlement table's checks are about 2015, the detail's about 2016
    assert set(result.loc[result["table"] == "execution_division", "year"]) == {2015}
    assert set(result.loc[result["table"] == "budget_detail", "year"]) == {2016}
    assert set(result.loc[result["table"] == "budget_detail", "as_of"]) == {pd.Timestamp("2016-04-08")}
    new_media_2015 = audit.for_scope(result, "new-media", 2015)
    assert set(new_media_2015["year"]) == {2015}
    # the social-media program's notes include its part-III section (Ⅲ-4-①: 414 vs 418) and the
    # SNS friends the two documents state differently, though the division owns those rows
    program = audit.for_scope(result, "social-media")
    assert {"sections", "outcomes", "program_budget", "settlement"} <= set(program["table"])
    assert "4-1 시 대표 SNS 친구 수 (2015)" in set(program["item"])


def test_reconcile_leaves_dataset_untouched():
    ds = load_all()
    before = {name: frame.copy() for name, frame in ds.tables.items()}
    audit.reconcile(ds)
    for name, frame in ds.tables.items():
        pd.testing.assert_frame_equal(frame, before[name])


def test_injected_error_is_found(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(load_all().data_dir, data)
    path = data / "budget_detail.csv"
    text = path.read_text(encoding="utf-8")
    # 세부내역: 뉴미디어 웹사이트 운영 집행액 842 → 942 breaks its balance, rate and the sums above it
    text = text.replace("뉴미디어 웹사이트 운영,\"1,447\",-,\"1,447\",842,605,58.2",
                        "뉴미디어 웹사이트 운영,\"1,447\",-,\"1,447\",942,605,58.2")
    path.write_text(text, encoding="utf-8")
    found = audit.findings(audit.reconcile(load_all(data)))
    hit = found[found["item"] == "뉴미디어 웹사이트 운영 (2016)"]
    assert set(hit["check"]) == {"예산현액−집행액=집행잔액", "집행률=집행액/예산현액"}
    assert (hit["verdict"] == "discrepancy").all()


@given(st.integers(0, 10**7), st.integers(0, 3))
def test_exact_whenever_stated_equals_computed(value, dp):
    stated = value / 10**dp
    frame = pd.DataFrame({"stated": [stated] * 3, "computed": [stated] * 3,
                          "kind": ["sum", "rate", "same"], "tol": [0.0, 0.05, 0.0], "dp": [dp] * 3})
    assert (audit.classify(frame) == "exact").all()


@given(st.integers(0, 10**7), st.integers(0, 2))
def test_rounded_rate_is_exact_and_cut_rate_is_truncation(thousandths, dp):
    # a rate known to three decimals, e.g. 158.663; rounded and cut to dp decimals by integer maths
    computed = thousandths / 1000
    step = 10 ** (3 - dp)
    rounded = (thousandths + step // 2) // step / 10**dp
    cut = thousandths // step / 10**dp
    frame = pd.DataFrame({"stated": [rounded, cut], "computed": [computed] * 2, "kind": ["rate"] * 2,
                          "tol": [0.0, 0.0], "dp": [dp] * 2})
    verdicts = list(audit.classify(frame))
    assert verdicts[0] == "exact"
    assert verdicts[1] == ("exact" if cut == rounded else "truncation")


def test_classify_rounding_and_discrepancy():
    frame = pd.DataFrame({"stated": [100.0, 100.0, 100.0], "computed": [101.0, 103.0, 101.0],
                          "kind": ["sum", "sum", "same"], "tol": [1.0, 1.0, 0.0], "dp": [0, 0, 0]})
    assert list(audit.classify(frame)) == ["rounding", "discrepancy", "truncation"]


def cli(*args):
    return subprocess.run([sys.executable, "-m", "seoulcomm", *args], capture_output=True, text=True)


def test_cli_audit_csv_lists_findings():
    proc = cli("audit", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    frame = pd.read_csv(io.StringIO(proc.stdout))
    assert list(frame.columns) == audit.COLUMNS
    assert (frame["verdict"] != "exact").all()
    assert "시민봉사담당관 예산 (2016)" in set(frame["item"])
    assert "불일치(discrepancy)" in proc.stderr


def test_cli_audit_all_and_json():
    everything = json.loads(cli("audit", "--format", "json", "--all").stdout)
    findings = json.loads(cli("audit", "--format", "json").stdout)
    assert len(everything) > len(findings) > 0
    assert {r["verdict"] for r in everything} == set(audit.VERDICTS)


def test_cli_validate_ends_with_audit_counts():
    proc = cli("validate")
    assert proc.returncode == 0
    last = proc.stdout.strip().splitlines()[-1]
    assert "대사" in last and "discrepancy" in last


def test_cli_audit_gives_the_verdicts_of_the_known_cases():
    proc = cli("audit", "--format", "json", "--all")
    assert proc.returncode == 0, proc.stderr
    rows = pd.DataFrame(json.loads(proc.stdout))
    assert list(rows.columns) == audit.COLUMNS

    def verdict(item, check):
        hit = rows[(rows["item"] == item) & (rows["check"] == check)]
        assert len(hit) == 1, (item, check)
        return hit.iloc[0]["verdict"]
    # 000_…txt 세부내역: 뉴미디어담당관 집행잔액 3,113 vs 3,089 + 26 — a difference of printed figures
    assert verdict("뉴미디어담당관 (2016)", "하위 항목 합계=집행잔액") == "rounding"
    # 000_…txt Ⅲ-2-①·②: 1,706 + 1,224 = 2,930 = 시민 자긍심 고취 및 도시경쟁력 제고
    assert verdict("2-1+2-2 (2016)", "Ⅲ 사업비 = 세부내역 예산편성액 합계") == "exact"
    # 000_…txt Ⅲ-3-② 240 vs 민원제안통합관리시스템 운영 432
    assert verdict("3-2 응답소(민원제안통합관리시스템) 운영 개선 (2016)",
                   "Ⅲ 사업비 ≤ 세부내역 예산편성액 (사업의 일부)") == "partial"
    # 000_…txt Ⅰ-3 주요 사업별 비중: the list skips 120다산콜센터 관리 및 고도화 (6.9%)
    assert verdict("120다산콜센터 관리 및 고도화 (2016)",
                   "비중 목록 누락: 목록 최소 비중 ≥ 목록 밖 사업 비중") == "reference"
    # 004_…txt 2 예산 총괄: 시책추진업무추진비 증감 blank — never checked as 0 = 0
    assert not (rows["item"] == "시책추진업무추진비 (2015→2016)").any()
    assert rows["as_of"].dropna().str.startswith("20").all()


def test_checks_of_a_scope_are_for_scope_of_the_whole_audit():
    # audit.checks_of finds a report's checks through an index of the audit by scope and
    # program: the same rows as filtering the whole frame, for every division, program and
    # the office, with and without a year and a snapshot
    ds = load_all()
    frame = audit.reconcile(ds)
    scopes = ["office"] + sorted(ds.refs["division"]) + sorted(ds.refs["program"])
    for scope in scopes:
        for year, as_of in [(None, None), (2015, None), (2016, None), (2016, "2016-04-08")]:
            expected = audit.for_scope(frame, scope, year=year, as_of=as_of)
            got = audit.checks_of(ds, scope, year=year, as_of=as_of)
            pd.testing.assert_frame_equal(got, expected)
            assert len(expected) or year == 2015, (scope, year)
