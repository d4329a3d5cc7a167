"""Loaders (seoulcomm.load) against the two source documents.

Every expected value is quoted from the source, with where it stands:
- 000 = ../shared/seeds/000_a1ad29fe56867c6c.txt, the office's 2016 주요업무 보고 (2016-04-26);
- 004 = ../shared/seeds/004_6b168251e7e9221a.txt, the program sheet (사업설명서) of
  소셜미디어를 통한 시민과의 소통 활성화.
Money comes back as exact integer 원: 백만원 tables ×1,000,000, 천원 tables ×1,000, and
program_costs.unit_cost in 원 as catalog.yaml declares.
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

from seoulcomm import DataError, load, load_all, paths
from seoulcomm.schema import TABLES

DATA_DIR = paths.DEFAULT_DATA_DIR

M = 1_000_000  # 원 per 백만원
K = 1_000      # 원 per 천원
SEED_000 = "000_a1ad29fe56867c6c.txt"
SEED_004 = "004_6b168251e7e9221a.txt"


def one(frame: pd.DataFrame, **match) -> pd.Series:
    """The single row of ``frame`` whose columns equal ``match``."""
    mask = pd.Series(True, index=frame.index)
    for column, value in match.items():
        mask &= frame[column] == value
    rows = frame[mask.fillna(False)]
    assert len(rows) == 1, f"{match}: {len(rows)} rows"
    return rows.iloc[0]


# --- the whole folder ------------------------------------------------------------------

ROW_COUNTS = {
    "organisation": 6,         # 000 Ⅰ-1: 1관 4담당관 (+ 서울특별시, the parent)
    "staffing": 60,            # 000 Ⅰ-2 표: 5 rows (계 + 4 담당관) × 12 columns (총계 + 11 grades)
    "staffing_totals": 12,     # 000 Ⅰ-2 총괄: 128/136 (8), 4 × 정원/현원, 시 전체 91명 과원
    "budget_division": 5,      # 000 Ⅰ-3 <부서별>: 계 + 4
    "budget_composition": 6,   # 000 Ⅰ-3 <구성별>: 2 years × (계, 사업비, 기본경비)
    "program_shares": 5,       # 000 Ⅰ-3: 주요 사업별 5 shares
    "execution_division": 5,   # 000 Ⅰ-3 2015년도 예산 집행현황: 계 + 4
    "budget_detail": 44,       # 000 2016년 예산편성 세부내역: 44 lines
    "sections": 15,            # 000 Ⅲ: 6 + 2 + 3 + 4 sections, each with 사업비
    "outcomes": 117,           # 000 Ⅲ, 004 4: a range (5~6명, 월 1~2회) is one row
    "plan_vision": 19,         # 000 Ⅱ: 비전, 전략목표, 4 추진방향, 13 주요사업
    "section_text": 251,       # 000 Ⅲ: 목적, 추진개요, 추진방향, 추진실적, 추진계획 of 15 sections
                               # (with 1-6's two 추진계획 sub-headings, 57호 and 1-4's photo captions)
    "general_notes": 5,        # 000 표지 (2016. 4. 26(화)) and Ⅰ-2 정원대비 현원 초과 사유
    "section_links": 7,        # part III 사업비 ↔ detail lines beyond sections.detail_programs
                               # (3-1's two lines and 3-2's line it covers in part: relation part)
    "schedule": 46,
    "program": 1,              # 004: one program sheet
    "program_budget": 9,       # 004 2 예산 총괄: 3 rows × 3 years
    "program_costs": 15,       # 004 2 산출근거: 4 groups + 11 lines
    "program_schedule": 9,     # 004 3: 계 + 3 steps + 5 dated documents
    "settlement": 3,           # 004 5: 2012–2014
    "program_text": 22,        # 004 3 사업목적 … 사업추진절차, 4 향후 기대효과: every text line
}


def test_every_table_loads(dataset):
    assert set(dataset.tables) == set(TABLES)


@pytest.mark.parametrize("table,rows", ROW_COUNTS.items())
def test_row_counts(dataset, table, rows):
    assert len(dataset[table]) == rows


@pytest.mark.parametrize("table", list(TABLES))
def test_canonical_columns(dataset, table):
    frame = dataset[table]
    expected = TABLES[table].columns
    rates = [f"{c.name}_dp" for c in TABLES[table].cols if c.kind == "rate"]
    assert sorted(frame.columns) == sorted(expected + rates)


@pytest.mark.parametrize("table", list(TABLES))
def test_money_is_exact_integer_won(dataset, table):
    frame = dataset[table]
    for col in TABLES[table].cols:
        if col.kind != "money":
            continue
        values = frame[col.name]
        assert str(values.dtype) == "Int64", f"{table}.{col.name}"
        factor = {"원": 1, "천원": K, "백만원": M}[dataset.unit(table, col.name)]
        present = values.dropna()
        assert (present % factor == 0).all(), f"{table}.{col.name} not whole {factor}"
        assert all(type(v) is int for v in present.tolist())


@pytest.mark.parametrize("table", list(TABLES))
def test_stated_rates_keep_their_decimals(dataset, table):
    frame = dataset[table]
    for col in TABLES[table].cols:
        if col.kind == "rate":
            assert str(frame[col.name].dtype) == "Float64"
            assert str(frame[f"{col.name}_dp"].dtype) == "int64"


@pytest.mark.parametrize("table", [t for t in TABLES if t != "documents"])
def test_every_row_names_its_source(dataset, table):
    sources = dataset[table]["source"]
    assert sources.notna().all()
    assert sources.str.startswith((SEED_000, SEED_004)).all()
    # every document a row cites is in the documents table
    cited = set(sources.str.split(" ", n=1).str[0])
    assert cited <= set(dataset["documents"]["file"])


def test_documents_table_names_the_sources(dataset):
    # 000 first page: "2016 주요업무 보고 … 2016. 4. 26. … 시민소통기획관"
    doc = dataset.document(SEED_000 + " Ⅰ-1")
    assert (doc["title"], doc["issuer"], doc["date"]) == ("2016 주요업무 보고", "시민소통기획관",
                                                          "2016-04-26")


def test_a_column_added_later_takes_its_default(dataset):
    # sections.csv has no year column: its rows take the year of the document they cite
    # (000, 2016-04-26 → 2016; Ⅲ-1-① 사업비 is the 2016 plan's)
    assert set(dataset["sections"]["year"]) == {2016}


def test_read_log_names_the_rows_read(dataset):
    ds = dataset.fresh()
    ds.rows("budget_detail", year=2016, unit="new-media")
    ds["organisation"]
    assert ds.reads == [{"table": "budget_detail", "where": {"year": 2016, "unit": "new-media"}},
                        {"table": "organisation", "where": {}}]
    assert load.load_all(dataset.data_dir).reads == []   # each load starts a fresh log


def scan(frame: pd.DataFrame, where: dict) -> pd.DataFrame:
    """The rows whose columns hold the values of ``where``, found by comparing every row:
    dates as dates, numbers as numbers, anything else as text (what ``ds.rows`` promises)."""
    mask = pd.Series(True, index=frame.index)
    for column, value in where.items():
        wanted = list(value) if isinstance(value, (list, tuple, set)) else [value]
        col = frame[column]
        if pd.api.types.is_datetime64_any_dtype(col):
            hit = col.isin([pd.Timestamp(v) for v in wanted])
        elif pd.api.types.is_numeric_dtype(col):
            hit = col.astype("Float64").isin([float(v) for v in wanted])
        else:
            hit = col.astype("string").isin([str(v) for v in wanted])
        mask &= hit.fillna(False).astype(bool)
    return frame[mask.to_numpy()]


@pytest.mark.parametrize("table", sorted(TABLES))
def test_indexed_selection_gives_the_rows_a_scan_gives(dataset, table):
    # Dataset.select finds rows through an index by column value; scan() compares every row.
    # Both must give the same rows in the same order, for single values, lists and two columns.
    frame = dataset.tables[table]
    for column in frame.columns:
        values = list(frame[column].dropna().drop_duplicates())[:5]
        for value in values:
            wheres = [{column: value}, {column: [value, values[0], value]}]
            if frame[column].dtype == object or pd.api.types.is_string_dtype(frame[column]):
                wheres.append({column: [str(value), "없는 값"]})
            if "year" in frame.columns and column != "year":
                wheres.append({column: value, "year": [2015, 2016]})
            for where in wheres:
                scanned = scan(frame, where)
                indexed = dataset.select(table, where)
                assert list(indexed.index) == list(scanned.index), (table, where)
                # some columns only: the same rows and values of just those (unknown ones left out)
                some = dataset.select(table, where, [column, "없는 열"])
                assert list(some.columns) == [column]
                pd.testing.assert_frame_equal(some, scanned[[column]])
    assert dataset.select(table, {}) is frame


def test_digest_reads_follows_exactly_the_rows_read(tmp_path, dataset):
    import shutil
    reads = [{"table": "budget_detail", "where": {"year": 2016, "unit": "new-media"}}]
    before = load.digest_reads(dataset, reads)
    copy = tmp_path / "data"
    shutil.copytree(dataset.data_dir, copy)
    text = (copy / "budget_detail.csv").read_text(encoding="utf-8")
    # another division's line changes: the digest stays
    (copy / "budget_detail.csv").write_text(text.replace("기본경비(행정운영경비),633", "기본경비(행정운영경비),634", 1),
                                            encoding="utf-8")
    assert load.digest_reads(load.load_all(copy), reads) == before
    # a new-media line changes: the digest moves
    (copy / "budget_detail.csv").write_text(text.replace("뉴미디어담당관,\"4,331\"", "뉴미디어담당관,\"4,332\"", 1),
                                            encoding="utf-8")
    assert load.digest_reads(load.load_all(copy), reads) != before
    # a read of some columns follows those: the budget moved, the name and execution did not
    names = [{"table": "budget_detail", "where": {"year": 2016, "unit": "new-media"},
              "columns": ["name", "executed", "없는 열", "name"]}]
    assert load.digest_reads(load.load_all(copy), names) == load.digest_reads(dataset, names)
    # so does a text of one of its lines (its name)
    (copy / "budget_detail.csv").write_text(
        text.replace("new-media,뉴미디어담당관,", "new-media,뉴미디어 담당관,", 1), encoding="utf-8")
    assert load.digest_reads(load.load_all(copy), reads) != before
    assert load.digest_reads(load.load_all(copy), names) != load.digest_reads(dataset, names)
    # the source's "-" written as 0 is the same amount (0 원): the digest hashes values, not text
    assert "뉴미디어담당관,\"4,331\",-," in text
    (copy / "budget_detail.csv").write_text(
        text.replace("뉴미디어담당관,\"4,331\",-,", "뉴미디어담당관,\"4,331\",0,", 1), encoding="utf-8")
    assert load.digest_reads(load.load_all(copy), reads) == before
    # the same bytes again: the same digest (it hashes values, not the file's timestamps)
    (copy / "budget_detail.csv").write_text(text, encoding="utf-8")
    assert load.digest_reads(load.load_all(copy), reads) == before


def test_units_declared_once_per_table(dataset):
    # catalog.yaml; 000 (단위 : 백만원) for budgets, 004 (단위 : 천원), 004 산출근거 '150,000원*500건'
    assert dataset.unit("budget_detail") == "백만원"
    assert dataset.unit("budget_detail", "budget") == "백만원"
    assert dataset.unit("settlement") == "천원"
    assert dataset.unit("program_costs", "amount") == "천원"
    assert dataset.unit("program_costs", "unit_cost") == "원"
    assert dataset.unit("staffing") == "명"


def test_years_programs_divisions(dataset):
    # 000: 2016 예산, 2015년도 집행; 004: one program
    assert dataset.years() == [2015, 2016]
    assert dataset.programs() == ["social-media"]
    divisions = dataset.divisions()
    assert divisions["unit"].tolist() == [
        "citizen-communication", "city-brand", "civil-service", "new-media"]
    assert divisions["name_ko"].tolist() == ["시민소통담당관", "도시브랜드담당관", "시민봉사담당관", "뉴미디어담당관"]


def test_as_of_dates(dataset):
    # 000 Ⅰ-2 '(2016. 4. 8)'; Ⅰ-3 '(2015. 12. 31 기준 …)'; 세부내역 ''16.4.8 기준';
    # Ⅰ-2 ※ '91명 과원, '16. 4월'
    as_of = dataset.as_of()
    assert as_of["budget_detail"] == "2016-04-08"
    assert as_of["execution_division"] == "2015-12-31"
    assert as_of["staffing_totals"] == "2016-04-01, 2016-04-08"
    assert as_of.get("staffing", "2016-04-08") == "2016-04-08"
    assert str(dataset["budget_detail"]["as_of"].dtype).startswith("datetime64")


def test_frames_are_copies(dataset):
    frame = dataset["budget_division"]
    frame.loc[:, "budget"] = 0
    assert dataset["budget_division"]["budget"].sum() > 0


@pytest.mark.parametrize("table", list(TABLES))
def test_read_functions_match_the_dataset(dataset, table):
    reader = getattr(load, f"read_{table}")
    pd.testing.assert_frame_equal(reader(DATA_DIR), dataset[table])


def test_read_table_alone_and_unknown_table(dataset):
    pd.testing.assert_frame_equal(load.read_table("settlement", DATA_DIR), dataset["settlement"])
    with pytest.raises(ValueError, match="settlement"):
        load.read_table("settlements", DATA_DIR)


def test_default_data_dir_and_override(monkeypatch, data_copy):
    monkeypatch.delenv("SEOULCOMM_DATA", raising=False)
    assert paths.data_dir() == DATA_DIR.resolve()
    assert load_all().data_dir == DATA_DIR.resolve()
    monkeypatch.setenv("SEOULCOMM_DATA", str(data_copy))
    assert load_all().data_dir == data_copy.resolve()
    assert load_all(DATA_DIR).data_dir == DATA_DIR.resolve()   # an explicit folder wins


def test_missing_folder(tmp_path):
    with pytest.raises(DataError, match="폴더"):
        load_all(tmp_path / "nowhere")


def test_a_changed_file_is_read_again(data_copy):
    assert load_all(data_copy)["settlement"]["executed"].iloc[0] == 448_637 * K
    path = data_copy / "settlement.csv"
    path.write_text(path.read_text(encoding="utf-8").replace('"448,637"', '"448,638"'),
                    encoding="utf-8")
    assert load_all(data_copy)["settlement"]["executed"].iloc[0] == 448_638 * K


# --- organisation ------------------------------------------------------------------------

def test_organisation(dataset):
    org = dataset["organisation"]
    # 000 Ⅰ-1: '조직 : 1관 4담당관 21팀'
    office = one(org, unit="office")
    assert office["name_ko"] == "시민소통기획관" and office["kind"] == "office"
    assert office["teams"] == 21
    assert (org["kind"] == "division").sum() == 4
    assert set(org.loc[org["kind"] == "division", "parent"]) == {"office"}
    # 000 Ⅰ-3 <부서별>: 시민소통담당관, 도시브랜드담당관, 시민봉사담당관, 뉴미디어담당관
    assert one(org, unit="civil-service")["name_ko"] == "시민봉사담당관"
    assert one(org, unit="new-media")["short_ko"] == "뉴미디어"
    assert org["name_en"].notna().all()


# --- staffing ----------------------------------------------------------------------------

def test_staffing_cells(dataset):
    s = dataset["staffing"]
    # 000 Ⅰ-2 표 '계' 정원 128 / 현원 136
    total = one(s, unit="office", job_group="총계", grade="총계")
    assert (total["authorized"], total["current"]) == (128, 136)
    # 000 Ⅰ-2 표 '시민소통 담당관' 7급 이하: 정원 5 / 현원 15
    cell = one(s, unit="citizen-communication", job_group="행정·기술직군", grade="7급 이하")
    assert (cell["authorized"], cell["current"]) == (5, 15)
    # 000 Ⅰ-2 표 '뉴미디어 담당관' 임기제 5급: 정원 2 / 현원 '-' → 0
    cell = one(s, unit="new-media", job_group="임기제 일반직", grade="5급")
    assert (cell["authorized"], cell["current"]) == (2, 0)
    # 000 Ⅰ-2 표 '시민봉사 담당관' 관리 운영 직군: 정원 3 / 현원 7
    cell = one(s, unit="civil-service", job_group="관리운영직군", grade="전체")
    assert (cell["authorized"], cell["current"]) == (3, 7)
    # 000 Ⅰ-2 표 '계' 전문경력관 가군: '-' / '-'
    cell = one(s, unit="office", job_group="전문경력관", grade="가군")
    assert (cell["authorized"], cell["current"]) == (0, 0)
    assert str(s["authorized"].dtype) == "Int64"


@pytest.mark.parametrize("unit,authorized,current", [
    # 000 Ⅰ-2 표 총계 column; the same as the 총괄 line '(시민소통 45/54, 도시브랜드 13/13,
    # 시민봉사 47/47, 뉴미디어 23/22)'
    ("office", 128, 136),
    ("citizen-communication", 45, 54),
    ("city-brand", 13, 13),
    ("civil-service", 47, 47),
    ("new-media", 23, 22),
])
def test_staffing_totals_equal_their_grades(dataset, unit, authorized, current):
    s = dataset["staffing"]
    rows = s[s["unit"] == unit]
    total = rows[rows["grade"] == "총계"]
    parts = rows[rows["grade"] != "총계"]
    assert len(parts) == 11
    assert int(total["authorized"].iloc[0]) == authorized == int(parts["authorized"].sum())
    assert int(total["current"].iloc[0]) == current == int(parts["current"].sum())


def test_staffing_office_row_is_the_sum_of_divisions(dataset):
    # 000 Ⅰ-2 표: the '계' row equals the four 담당관 rows, grade by grade
    s = dataset["staffing"]
    office = s[s["unit"] == "office"].set_index(["job_group", "grade"])[["authorized", "current"]]
    divisions = (s[s["unit"] != "office"].groupby(["job_group", "grade"])[["authorized", "current"]]
                 .sum().loc[office.index])
    assert (office == divisions).all().all()


def test_staffing_totals_table(dataset):
    t = dataset["staffing_totals"]
    # 000 Ⅰ-2: '총 괄 : 정원 128명/ 현원 136명(과원 8명)'
    assert one(t, unit="office", item="정원")["value"] == 128
    assert one(t, unit="office", item="현원")["value"] == 136
    assert one(t, unit="office", item="과원")["value"] == 8 == 136 - 128
    # 000 Ⅰ-2: '(시민소통 45/54, 도시브랜드 13/13, 시민봉사 47/47, 뉴미디어 23/22)'
    for unit, (a, c) in {"citizen-communication": (45, 54), "city-brand": (13, 13),
                         "civil-service": (47, 47), "new-media": (23, 22)}.items():
        assert one(t, unit=unit, item="정원")["value"] == a
        assert one(t, unit=unit, item="현원")["value"] == c
    # 000 Ⅰ-2 ※: '시 전체 공통사항임(91명 과원, '16. 4월)'
    seoul = one(t, unit="seoul", item="과원")
    assert seoul["value"] == 91 and seoul["as_of"] == pd.Timestamp("2016-04-01")
    assert one(t, unit="office", item="정원")["as_of"] == pd.Timestamp("2016-04-08")


# --- budgets -----------------------------------------------------------------------------

def test_budget_division(dataset):
    b = dataset["budget_division"]
    assert set(b["year"]) == {2016}
    # 000 Ⅰ-3 <부서별>: 계 40,828 100.0% ('2016 예산편성액 : 408억 28백만원')
    total = one(b, unit="office")
    assert total["budget"] == 40_828 * M == 40_828_000_000
    assert total["share_stated"] == 100.0 and total["share_stated_dp"] == 1
    # 000 Ⅰ-3 <부서별>: 시민소통담당관 12,198 29.9% / 도시브랜드담당관 2,960 7.2% /
    # 시민봉사담당관 21,338 52.3% / 뉴미디어담당관 4,331 10.6%
    expected = {"citizen-communication": (12_198, 29.9), "city-brand": (2_960, 7.2),
                "civil-service": (21_338, 52.3), "new-media": (4_331, 10.6)}
    for unit, (budget, share) in expected.items():
        row = one(b, unit=unit)
        assert row["budget"] == budget * M and row["share_stated"] == share
    # the four divisions add up to 40,827, one less than the stated 계 (시민봉사담당관 is
    # 21,339 in the detail table): the source's own inconsistency, kept as written
    parts = b[b["unit"] != "office"]
    assert int(parts["budget"].sum()) == 40_827 * M
    assert float(parts["share_stated"].sum()) == pytest.approx(100.0)


def test_budget_composition(dataset):
    c = dataset["budget_composition"]
    # 000 Ⅰ-3 <구성별>: 2015 계 36,372 100% / 사업비 35,732 98.2% / 기본경비 639 1.8%
    assert one(c, year=2015, category="계")["budget"] == 36_372 * M
    assert one(c, year=2015, category="계")["share_stated_dp"] == 0       # '100%'
    assert one(c, year=2015, category="사업비")["budget"] == 35_732 * M
    assert one(c, year=2015, category="기본경비")["budget"] == 639 * M
    assert one(c, year=2015, category="기본경비")["share_stated"] == 1.8
    # 000 Ⅰ-3 <구성별>: 2016 계 40,828 100% 4,456 12.3%
    total = one(c, year=2016, category="계")
    assert (total["budget"], total["change_stated"]) == (40_828 * M, 4_456 * M)
    assert total["rate_stated"] == 12.3
    # 000 Ⅰ-3 <구성별>: 사업비 40,196 98.5% 4,463 12.5%
    business = one(c, year=2016, category="사업비")
    assert (business["budget"], business["change_stated"]) == (40_196 * M, 4_463 * M)
    assert business["share_stated"] == 98.5 and business["rate_stated"] == 12.5
    # 000 Ⅰ-3 <구성별>: 기본경비 632 1.5% △7 △1.1%
    basic = one(c, year=2016, category="기본경비")
    assert basic["budget"] == 632 * M
    assert basic["change_stated"] == -7 * M == -7_000_000
    assert basic["rate_stated"] == -1.1 and basic["rate_stated_dp"] == 1
    # 2015 has no stated change
    assert c.loc[c["year"] == 2015, "change_stated"].isna().all()
    # 2016: 사업비 + 기본경비 = 계 (40,196 + 632 = 40,828); the stated changes are exact
    assert business["budget"] + basic["budget"] == total["budget"]
    assert total["change_stated"] == total["budget"] - one(c, year=2015, category="계")["budget"]
    assert basic["change_stated"] == basic["budget"] - 639 * M
    # 2015: 35,732 + 639 = 36,371, one under the stated 36,372 (the source rounds each line)
    assert one(c, year=2015, category="사업비")["budget"] + 639 * M == 36_371 * M


def test_program_shares(dataset):
    p = dataset["program_shares"]
    # 000 Ⅰ-3: 『120 다산콜센터 운영』 41.4%, 『시민청 운영 및 확산』 7.8%, 『언론매체를 통한
    # 시정정보제공』 7.1%, 『소통관리 및 시정정보제공』 6.4%, 『서울시 도시브랜드 마케팅』 이 5.6%
    assert dict(zip(p["program"], p["share_stated"])) == {
        "120다산콜센터 운영": 41.4, "시민청 운영 및 확산": 7.8, "언론매체를 통한 시정정보제공": 7.1,
        "소통관리 및 시정정보제공": 6.4, "서울시 도시브랜드 마케팅": 5.6}
    assert set(p["year"]) == {2016}


def test_execution_division(dataset):
    e = dataset["execution_division"]
    assert set(e["year"]) == {2015}
    assert (e["as_of"] == pd.Timestamp("2015-12-31")).all()   # '(2015. 12. 31 기준, …)'
    # 000 Ⅰ-3 2015년도 예산 집행현황: 계 36,372 33,692 2,680 92.6%
    total = one(e, unit="office")
    assert (total["budget"], total["executed"], total["balance"]) == (36_372 * M, 33_692 * M, 2_680 * M)
    assert total["rate_stated"] == 92.6
    # 시민소통담당관 10,906 9,990 916 91.6% / 도시브랜드담당관 1,414 1,392 22 98.4% /
    # 시민봉사담당관 20,654 18,998 1,656 92.0% / 뉴미디어담당관 3,397 3,311 86 97.5%
    rows = {"citizen-communication": (10_906, 9_990, 916, 91.6), "city-brand": (1_414, 1_392, 22, 98.4),
            "civil-service": (20_654, 18_998, 1_656, 92.0), "new-media": (3_397, 3_311, 86, 97.5)}
    for unit, (budget, executed, balance, rate) in rows.items():
        row = one(e, unit=unit)
        assert (row["budget"], row["executed"], row["balance"]) == (budget * M, executed * M, balance * M)
        assert row["rate_stated"] == rate
    # 집행잔액 = 예산액 − 집행액 on every row, exactly
    assert (e["balance"] == e["budget"] - e["executed"]).all()
    # the divisions: balances add up (2,680); budgets and execution are one under the 계
    parts = e[e["unit"] != "office"]
    assert int(parts["balance"].sum()) == 2_680 * M
    assert int(parts["budget"].sum()) == 36_371 * M
    assert int(parts["executed"].sum()) == 33_691 * M


# --- the 2016 detail ---------------------------------------------------------------------

DETAIL_LINES = {
    # line: (name, 예산편성액, 전년도 이월액, 예산현액, 집행액, 집행잔액, 집행률) — 000 2016년 예산편성
    # 세부내역 ('16.4.8 기준), in 백만원, '-' read as 0
    1: ("시민소통기획관 예산 합계", 40_828, 1_341, 42_170, 9_401, 32_769, 22.3),
    2: ("사업예산", 40_196, 1_341, 41_537, 9_217, 32_320, 22.2),
    3: ("기본경비(행정운영경비)", 633, 0, 633, 184, 449, 29.1),
    4: ("시민소통담당관", 12_198, 1_341, 13_540, 2_797, 10_743, 20.7),
    9: ("희망서울 재능나눔", 15, 0, 15, 0, 15, 0.0),
    10: ("시민청 운영 및 확산", 3_123, 1_341, 4_464, 506, 3_958, 11.3),
    16: ("어린이신문 '내친구서울' 발간", 343, 0, 343, 309, 34, 90.1),
    19: ("도시브랜드담당관", 2_960, 0, 2_960, 1_060, 1_900, 35.8),
    22: ("서울시 도시브랜드 마케팅", 2_274, 0, 2_274, 984, 1_290, 43.3),
    24: ("시민봉사담당관", 21_339, 0, 21_339, 4_326, 17_013, 20.3),
    29: ("120다산콜센터 운영", 16_866, 0, 16_866, 2_487, 14_379, 14.7),
    30: ("120다산콜센터 관리 및 고도화", 2_808, 0, 2_808, 1_405, 1_403, 50.0),
    33: ("뉴미디어담당관", 4_331, 0, 4_331, 1_218, 3_113, 28.1),
    35: ("소셜미디어를 통한 시민과의 소통활성화", 418, 0, 418, 133, 285, 31.8),
    41: ("인터넷언론사 활용 시정안내", 333, 0, 333, 1, 332, 0.3),
    44: ("기본경비(행정운영경비)", 38, 0, 38, 12, 26, 31.6),
}


@pytest.mark.parametrize("line", DETAIL_LINES)
def test_budget_detail_lines(dataset, line):
    name, budget, carryover, available, executed, balance, rate = DETAIL_LINES[line]
    row = one(dataset["budget_detail"], line=line)
    assert row["name"] == name
    assert row["budget"] == budget * M
    assert row["carryover"] == carryover * M
    assert row["available"] == available * M
    assert row["executed"] == executed * M
    assert row["balance"] == balance * M
    assert row["rate_stated"] == rate and row["rate_stated_dp"] == 1
    assert row["year"] == 2016 and row["as_of"] == pd.Timestamp("2016-04-08")


def test_budget_detail_notation(dataset):
    d = dataset["budget_detail"]
    # 000 세부내역 1행 '40,828' → 40,828,000,000 원; 3행 전년도 이월액 '-' → 0
    assert one(d, line=1)["budget"] == 40_828_000_000
    assert one(d, line=3)["carryover"] == 0
    # only 시민청 운영 및 확산 carries money over from 2015 (1,341)
    carried = d[(d["level"] == "program") & (d["carryover"] > 0)]
    assert carried["name"].tolist() == ["시민청 운영 및 확산"]


def test_budget_detail_hierarchy(dataset):
    d = dataset["budget_detail"]
    levels = d["level"].value_counts().to_dict()
    assert levels == {"office": 1, "office_part": 2, "division": 4, "policy": 4,
                      "program": 29, "basic": 4}
    assert d["line"].tolist() == list(range(1, 45))
    lines = set(d["line"])
    assert set(d["parent"].dropna()) <= lines
    assert d.loc[d["level"] == "office", "parent"].isna().all()
    # every program sits under its division's policy, in the division's unit
    by_line = d.set_index("line")
    for _, row in d[d["level"] == "program"].iterrows():
        policy = by_line.loc[row["parent"]]
        assert policy["level"] == "policy" and policy["unit"] == row["unit"]
        assert by_line.loc[policy["parent"], "level"] == "division"
    # 000 세부내역 division lines, in the organisation table's order
    assert d.loc[d["level"] == "division", "unit"].tolist() == [
        "citizen-communication", "city-brand", "civil-service", "new-media"]


MONEY = ["budget", "carryover", "available", "executed", "balance"]


def test_budget_detail_divisions_add_up_to_the_office_total(dataset):
    # 000 세부내역: 12,198 + 2,960 + 21,339 + 4,331 = 40,828; 2,797 + 1,060 + 4,326 + 1,218
    # = 9,401; … every column of the four division lines adds up to line 1 exactly
    d = dataset["budget_detail"]
    total = one(d, line=1)
    divisions = d[d["level"] == "division"]
    for column in MONEY:
        assert int(divisions[column].sum()) == total[column], column
    # and the four 기본경비 lines add up to line 3 (458 + 30 + 107 + 38 = 633; 집행 184; 잔액 449)
    basic = d[d["level"] == "basic"]
    for column in MONEY:
        assert int(basic[column].sum()) == one(d, line=3)[column], column


# The source rounds every line to 백만원, so a stated subtotal and the sum of its parts may
# differ by a few 백만원. These are the differences (stated − sum of parts) as the document
# has them; each figure of the detail table takes part in one of these sums, so a
# mis-transcribed figure shows up here. (The audit classifies them; here they pin the data.)
DETAIL_SUBTOTAL_GAPS = {
    # parent line: {column: stated − sum, in 백만원}
    2: {"executed": 0},   # 사업예산 = the four policy lines (checked below)
    4: {"budget": -1, "carryover": 0, "available": 0, "executed": 0, "balance": 0},
    5: {"budget": 0, "carryover": 0, "available": 0, "executed": 1, "balance": -1},
    19: {"budget": 0, "carryover": 0, "available": 0, "executed": 1, "balance": -1},
    20: {"budget": 0, "carryover": 0, "available": 0, "executed": 0, "balance": 0},
    24: {"budget": 1, "carryover": 0, "available": 1, "executed": 0, "balance": 1},
    25: {"budget": 0, "carryover": 0, "available": 0, "executed": 1, "balance": -1},
    33: {"budget": -1, "carryover": 0, "available": -1, "executed": 1, "balance": -2},
    34: {"budget": 0, "carryover": 0, "available": 0, "executed": 2, "balance": -2},
}


@pytest.mark.parametrize("parent", [p for p in DETAIL_SUBTOTAL_GAPS if p != 2])
def test_budget_detail_subtotals_against_their_lines(dataset, parent):
    d = dataset["budget_detail"]
    stated = one(d, line=parent)
    children = d[d["parent"] == parent]
    gaps = {c: (int(stated[c]) - int(children[c].sum())) // M for c in MONEY}
    assert gaps == DETAIL_SUBTOTAL_GAPS[parent]


def test_budget_detail_business_part_against_policies(dataset):
    # 000 세부내역 2행 사업예산 40,196 1,341 41,537 9,217 32,320 against the four policy lines
    # (11,741 + 2,930 + 21,231 + 4,294 = 40,196; 집행 2,652 + 1,052 + 4,306 + 1,205 = 9,215)
    d = dataset["budget_detail"]
    part = one(d, line=2)
    policies = d[d["level"] == "policy"]
    gaps = {c: (int(part[c]) - int(policies[c].sum())) // M for c in MONEY}
    assert gaps == {"budget": 0, "carryover": 0, "available": 0, "executed": 2, "balance": -2}
    # 사업예산 + 기본경비 = 40,196 + 633 = 40,829, one over line 1's 40,828
    assert (part["budget"] + one(d, line=3)["budget"]) // M == 40_829


def test_budget_detail_available_is_budget_plus_carryover_on_program_lines(dataset):
    # 예산현액 (A+B) = 예산편성액 (A) + 전년도 이월액 (B) on every program and 기본경비 line
    d = dataset["budget_detail"]
    leaves = d[d["level"].isin(["program", "basic"])]
    assert (leaves["available"] == leaves["budget"] + leaves["carryover"]).all()
    assert (leaves["balance"] == leaves["available"] - leaves["executed"]).all()


# --- part III ------------------------------------------------------------------------------

def test_sections(dataset):
    s = dataset["sections"]
    # 000 Ⅲ-1-①: '사 업 비 : 2,917백만원'; Ⅲ-1-④ '사업비 : 4,464백만원' (예산현액 3,123 + 1,341);
    # Ⅲ-3-③ '사 업 비 : 19,674백만원'; Ⅲ-4-① '사업비 : 414백만원'; Ⅲ-1-③ '사 업 비 : 40백만원'
    assert one(s, section="1-1")["budget_stated"] == 2_917 * M
    sibling = one(s, section="1-4")
    assert sibling["budget_stated"] == 4_464 * M and sibling["budget_basis"] == "available"
    assert one(s, section="3-3")["budget_stated"] == 19_674 * M
    assert one(s, section="4-1")["budget_stated"] == 414 * M
    assert one(s, section="1-3")["budget_stated"] == 40 * M
    assert s.groupby("division").size().to_dict() == {
        "citizen-communication": 6, "city-brand": 2, "civil-service": 3, "new-media": 4}
    # 000 Ⅲ-3-③ 19,674 = 세부내역 120다산콜센터 운영 16,866 + 관리 및 고도화 2,808
    d = dataset["budget_detail"]
    names = one(s, section="3-3")["detail_programs"].split(";")
    assert int(d[d["name"].isin(names)]["budget"].sum()) == 19_674 * M


def test_outcomes_sample(dataset):
    o = dataset["outcomes"]
    assert set(o["kind"]) == {"actual", "existing", "target", "plan", "change"}
    assert str(o["value"].dtype) == "Float64"
    # 000 Ⅲ-1-5: '온라인 여론조사 패널 수 확대 : 10,146명('15년) → 13,000명('16년)'
    panel = o[o["metric"] == "온라인 여론조사 패널 수"]
    assert one(panel, kind="actual")["value"] == 10_146 and one(panel, kind="actual")["period"] == 2015
    assert one(panel, kind="target")["value"] == 13_000 and one(panel, kind="target")["period"] == 2016
    # 000 Ⅲ-1-5 ※: '온라인 패널 수 10,146명('14년 대비 849명 ↑)'
    assert one(panel, kind="change")["value"] == 849
    # 000 Ⅲ-4-4: SNS 계정 150 → 50 (fewer is the aim)
    sns = o[o["metric"] == "SNS 계정 수"]
    assert one(sns, kind="existing")["value"] == 150 and one(sns, kind="target")["value"] == 50
    assert set(sns["direction"]) == {"down"}
    # 000 Ⅲ-1-4: '방문객 5,551,264명 ('16. 3월말 기준, 일평균 5,242명)'
    assert one(o, metric="시민청 누적 방문객 수")["value"] == 5_551_264
    assert one(o, metric="시민청 일평균 방문객 수")["value"] == 5_242
    # 000 Ⅲ-3-2: '민원자연처리율 0.64%p 감축 ('14년 6.18% → '15년 5.54%)'
    rate = o[o["metric"] == "민원 자연처리율"]
    assert one(rate, period=2014, kind="actual")["value"] == 6.18
    assert one(rate, period=2015, kind="actual")["value"] == 5.54
    assert one(rate, kind="change")["value"] == -0.64
    # 000 Ⅲ-3-1: '트럭(3.5톤)'
    assert one(o, metric="찾아가는 응답소 트럭 규모")["value"] == 3.5
    # 000 Ⅲ-4-1: '친구수 확대 : 474,219명('14년 대비 140,677명↑)'
    friends = o[(o["metric"] == "시 대표 SNS 친구 수") & o["source"].str.startswith(SEED_000)]
    assert one(friends, kind="actual")["value"] == 474_219
    assert one(friends, kind="change")["value"] == 140_677


def test_outcomes_from_the_program_sheet(dataset):
    o = dataset["outcomes"]
    sheet = o[o["source"].str.startswith(SEED_004)]
    assert set(sheet["period"]) == {2013, 2014, 2015}
    # 004 4 사업효과 2013년도: '서울마니아 월평균 126,128명 지속'
    assert one(sheet, metric="서울마니아 이용자 수")["value"] == 126_128
    # 004 2014년도: '서울시 페이스북 운영실적 428% 증가'
    assert one(sheet, metric="서울시 페이스북 운영실적")["value"] == 428
    # 004 2015년도: '전년대비 21만명 증가(총 591만명), … 약 395,000여명과 관계망 형성'
    blog = sheet[sheet["metric"] == "서울시 블로그 이용자 수"]
    assert one(blog, kind="change")["value"] == 210_000
    assert one(blog, kind="actual")["value"] == 5_910_000
    assert one(sheet, metric="시 대표 SNS 친구 수")["value"] == 395_000


def test_outcomes_parts_add_up(dataset):
    # 000 Ⅲ-1-3: ''15년 추진실적 : 527회 — 회의 및 행사참여 383회, 강연·방송 등 74회,
    # 현장점검 및 심사 70회' (383 + 74 + 70 = 527)
    o = dataset["outcomes"]
    parts = o[o["parent"] == "명예부시장 활동 횟수"]
    assert float(parts["value"].sum()) == one(o, metric="명예부시장 활동 횟수")["value"] == 527
    # 000 Ⅲ-1-3: '위촉현황 : 15명 … 배우(6), 전문가(4), 가수·음악인(3), 방송인(2)'
    parts = o[o["parent"] == "홍보대사 위촉 인원"]
    assert float(parts["value"].sum()) == 15
    # 000 Ⅲ-1-6: ''15년 추진실적 : 57호 발행(정기 53, 수시 4)'
    parts = o[o["parent"] == "서울특별시보 발행 호수"]
    assert float(parts["value"].sum()) == 57
    # 000 Ⅲ-4-3: '민간포털 협력 마케팅 추진 : 111회 — 79회, 17회, 15회'
    parts = o[o["parent"] == "민간포털 협력 마케팅 횟수"]
    assert float(parts["value"].sum()) == 111


def test_schedule(dataset):
    s = dataset["schedule"]
    assert str(s["start"].dtype).startswith("datetime64")
    # 000 Ⅲ-2-1: '포럼('16.9월) 개최' → 2016-09 … 2016-09
    forum = one(s, step="서울브랜드 포럼 개최")
    assert (forum["start"], forum["end"]) == (pd.Timestamp("2016-09-01"), pd.Timestamp("2016-09-01"))
    # 000 Ⅲ-2-1: '… 문화상품 개발 : '16.5월~' → starts 2016-05, no end
    open_ended = one(s, step="민관 거버넌스를 통한 서울브랜드 확산 및 문화상품 개발")
    assert open_ended["start"] == pd.Timestamp("2016-05-01") and pd.isna(open_ended["end"])
    # 000 Ⅲ-3-3: '재단출범 : '17. 1월'
    assert one(s, step="재단출범")["start"] == pd.Timestamp("2017-01-01")
    # 000 Ⅲ-3-3 그간 추진실적: '재단설립 타당성 검토 용역 실시 : '15. 9. 7. ~ '16. 2. 3.'
    done = one(s, step="재단설립 타당성 검토 용역 실시")
    assert done["kind"] == "done"
    assert (done["start"], done["end"]) == (pd.Timestamp("2015-09-01"), pd.Timestamp("2016-02-01"))
    assert (s["kind"] == "done").sum() == 4
    ended = s.dropna(subset=["end"])
    assert (ended["end"] >= ended["start"]).all()


# --- the program sheet (004) ---------------------------------------------------------------

def test_program(dataset):
    p = one(dataset["program"], program="social-media")
    # 004 1 기본 현황: '총사업비 … 418,000천원 (사비) 418,000천원 0 %'
    assert p["name_ko"] == "소셜미디어를 통한 시민과의 소통 활성화"
    assert p["total_cost"] == 418_000 * K == 418_000_000
    assert p["city"] == 418_000 * K
    assert pd.isna(p["national"]) and pd.isna(p["district"])
    assert p["subsidy_rate"] == 0
    # 004 3: '사업기간 : 2016.1.1 ~ 2016. 12.31.'
    assert (p["start"], p["end"]) == (pd.Timestamp("2016-01-01"), pd.Timestamp("2016-12-31"))
    assert p["division"] == "new-media" and p["section"] == "4-1"


def test_program_budget(dataset):
    b = dataset["program_budget"]
    # 004 2 예산 총괄 (단위 : 천원): 계 280,395 / 161,600 / 418,000 / 256,400 / 158
    total = b[b["item"] == "계"].set_index("year")
    assert total["budget"].to_dict() == {2014: 280_395 * K, 2015: 161_600 * K, 2016: 418_000 * K}
    assert total.loc[2016, "change_stated"] == 256_400 * K
    assert total.loc[2016, "rate_stated"] == 158 and total.loc[2016, "rate_stated_dp"] == 0
    # 사무관리비 237,600 / 157,600 / 414,000 / 256,400 / 162
    office = b[b["item"] == "사무관리비"].set_index("year")
    assert office["budget"].to_dict() == {2014: 237_600 * K, 2015: 157_600 * K, 2016: 414_000 * K}
    assert office.loc[2016, "rate_stated"] == 162
    # 시책추진업무추진비 4,000 each year; change and rate blank in the sheet, kept blank (not 0)
    policy = b[b["item"] == "시책추진업무추진비"].set_index("year")
    assert set(policy["budget"]) == {4_000 * K}
    assert pd.isna(policy.loc[2016, "change_stated"]) and pd.isna(policy.loc[2016, "rate_stated"])
    # the items add up to 계 in 2015 and 2016; 2014's items make 241,600, not 280,395
    items = b[b["item"] != "계"].groupby("year")["budget"].sum()
    assert items.to_dict() == {2014: 241_600 * K, 2015: 161_600 * K, 2016: 418_000 * K}


def test_program_costs(dataset):
    c = dataset["program_costs"]
    lines = c[c["level"] == "line"]
    groups = c[c["level"] == "group"]
    assert (len(groups), len(lines)) == (4, 11)
    # 004 산출근거: '- 블로그 운영 및 관리 = 75,000천원 / 150,000원*500건'
    blog = one(lines, line="블로그 운영 및 관리")
    assert blog["unit_cost"] == 150_000            # 원, as catalog.yaml declares
    assert blog["quantity"] == 500 and blog["quantity_unit"] == "건"
    assert blog["amount"] == 75_000 * K == 75_000_000
    # '- 시정콘텐츠 페이스북 광고 = 15,000천원 / 100,000원*150회'
    ads = one(lines, line="시정콘텐츠 페이스북 광고")
    assert (ads["unit_cost"], ads["quantity"], ads["amount"]) == (100_000, 150, 15_000 * K)
    # '- 빅데이터 분석 및 모니터링 시스템 = 114,000천원 / 114,000,000원'
    big = one(lines, line="빅데이터 분석 및 모니터링 시스템")
    assert (big["unit_cost"], big["quantity"], big["amount"]) == (114_000_000, 1, 114_000 * K)
    # unit cost × quantity = amount on every line, in 원
    assert (lines["unit_cost"] * lines["quantity"] == lines["amount"]).all()
    # '○ 시대표 블로그 운영 및 행사 = 94,000천원', '○ 시대표SNS운영 = 120,000천원',
    # '○ 소셜미디어 통합 모니터링 = 200,000천원', 시책추진업무추진비 '4,000천원'
    stated = groups.set_index("group")["amount"].to_dict()
    assert stated == {"시대표 블로그 운영 및 행사": 94_000 * K, "시대표SNS운영": 120_000 * K,
                      "소셜미디어 통합 모니터링": 200_000 * K,
                      "소셜미디어를 통한 시민과의 소통 활성화": 4_000 * K}
    assert lines.groupby("group")["amount"].sum().to_dict() == stated
    # the groups add up to the sheet's 2016 total 418,000천원
    assert int(groups["amount"].sum()) == 418_000 * K
    assert groups["unit_cost"].isna().all()


def test_program_schedule(dataset):
    s = dataset["program_schedule"]
    # 004 3 2016년도 추진일정: '계 418,000'; '사업시행 및 예산집행 2016.02~2016.12 418,000'
    assert one(s, kind="total")["amount"] == 418_000 * K
    run = one(s, step="사업시행 및 예산집행")
    assert run["amount"] == 418_000 * K
    assert (run["start"], run["end"]) == (pd.Timestamp("2016-02-01"), pd.Timestamp("2016-12-01"))
    # '기본계획 수립 2016.01~2016.02'
    plan = one(s, step="기본계획 수립")
    assert (plan["start"], plan["end"]) == (pd.Timestamp("2016-01-01"), pd.Timestamp("2016-02-01"))
    assert pd.isna(plan["amount"])
    # 004 사업근거: '서울블로거데이 추진계획(뉴미디어담당관-1221호, 2009.02.13.)'
    assert one(s, step="서울블로거데이 추진계획")["start"] == pd.Timestamp("2009-02-01")
    assert (s["kind"] == "history").sum() == 5


def test_settlement(dataset):
    s = dataset["settlement"].set_index("year")
    # 004 5 최근 3년 결산현황 (단위 : 천원): 2012 543,923 0 0 543,923 448,637 0 95,286
    assert s.loc[2012, "budget"] == 543_923 * K == 543_923_000
    assert s.loc[2012, "executed"] == 448_637 * K
    assert s.loc[2012, "balance"] == 95_286 * K
    # 2013 286,195 … 258,187 … 28,008; 2014 280,395 … 262,470 … 17,925
    assert (s.loc[2013, "available"], s.loc[2013, "executed"], s.loc[2013, "balance"]) == (
        286_195 * K, 258_187 * K, 28_008 * K)
    assert (s.loc[2014, "available"], s.loc[2014, "executed"], s.loc[2014, "balance"]) == (
        280_395 * K, 262_470 * K, 17_925 * K)
    # '(x-) 0' columns: nothing carried in, changed or carried out
    assert (s[["carried_in", "changed", "carried_out"]] == 0).all().all()
    # 예산현액 = 당초 + 이월 + 변경; 집행잔액 = 현액 − 집행 − 차년이월, exactly, every year
    assert (s["available"] == s["budget"] + s["carried_in"] + s["changed"]).all()
    assert (s["balance"] == s["available"] - s["executed"] - s["carried_out"]).all()
    # the 2014 settlement budget is the 2014 budget of the sheet's 예산 총괄 (280,395)
    budget = dataset["program_budget"]
    assert one(budget, item="계", year=2014)["budget"] == s.loc[2014, "budget"]


# --- privacy -----------------------------------------------------------------------------

#: 004 1 사업 담당자: the officials named in the program sheet, and their phone numbers.
OFFICIALS = ["김은용", "김득삼", "이은영", "이지은", "박성호"]
PHONE = re.compile(r"2133-\d{4}|\b0\d{1,2}[-)\s]\d{3,4}-\d{4}\b")


def test_no_names_or_phone_numbers_of_officials_in_data():
    for path in sorted(DATA_DIR.rglob("*")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        for name in OFFICIALS:
            assert name not in text, f"{path.name} names an official ({name})"
        found = PHONE.findall(text)
        assert not found, f"{path.name} holds phone numbers: {found}"
        assert "담당자" not in text, f"{path.name} transcribes the 사업 담당자 table"


# --- the quotes above are in the documents -------------------------------------------------

QUOTED = {
    SEED_000: [
        "조직 : 1관 4담당관 21팀",
        "정원 128명/ 현원 136명(과원 8명)",
        "(시민소통 45/54, 도시브랜드 13/13, 시민봉사 47/47, 뉴미디어 23/22)",
        "계\t정원\t128\t2\t18\t34\t31\t4\t1\t2\t3\t32\t-\t1",
        "\t현원\t22\t-\t2\t4\t6\t-\t-\t1\t-\t9\t-\t-",
        "91명 과원, '16. 4월",
        "계\t40,828\t100.0%",
        "시민봉사담당관\t21,338\t52.3%",
        "기본경비\t639\t1.8%\t632\t1.5%\t△7\t△1.1%",
        "계\t36,372\t33,692\t2,680\t92.6%",
        "뉴미디어담당관\t3,397\t3,311\t86\t97.5%",
        "<b>시민소통기획관 예산 합계</b>\t40,828\t1,341\t42,170\t9,401\t32,769\t22.3",
        "기본경비(행정운영경비)\t633\t-\t633\t184\t449\t29.1",
        "<b>시민봉사담당관</b>\t21,339\t-\t21,339\t4,326\t17,013\t20.3",
        "시민청 운영 및 확산\t3,123\t1,341\t4,464\t506\t3,958\t11.3",
        "인터넷언론사 활용 시정안내\t333\t-\t333\t1\t332\t0.3",
        "10,146명('15년) → 13,000명('16년)",
        "방문객 5,551,264명 ('16. 3월말 기준, 일평균 5,242명)",
        "'14년 6.18% → '15년 5.54%",
        "474,219명('14년 대비 140,677명↑)",
        "사 업 비 : 19,674백만원",
        "사업비 : 4,464백만원",
        "재단출범 : '17. 1월",
    ],
    SEED_004: [
        "418,000천원\t\t418,000천원\t0 %",
        "계\t(x-) 280,395\t(x-) 161,600\t(x-) 418,000\t(x-) 256,400\t(x-) 158",
        "사무관리비\t(x-) 237,600\t(x-) 157,600\t(x-) 414,000\t(x-) 256,400\t(x-) 162",
        "150,000원*500건",
        "100,000원*150회",
        "○ 시대표SNS운영\t=\t120,000천원",
        "2012\t(x-) 543,923\t(x-) 0\t(x-) 0\t(x-) 543,923\t(x-) 448,637\t(x-) 0\t(x-) 95,286",
        "2014\t(x-) 280,395\t(x-) 0\t(x-) 0\t(x-) 280,395\t(x-) 262,470\t(x-) 0\t(x-) 17,925",
        "서울마니아 월평균 126,128명",
        "사업기간 : 2016.1.1 ~ 2016. 12.31.",
    ],
}


@pytest.mark.parametrize("seed", QUOTED)
def test_quotes_stand_in_the_sources(seed, seeds_dir):
    text = (seeds_dir / seed).read_text(encoding="utf-8")
    missing = [q for q in QUOTED[seed] if q not in text]
    assert not missing


# --- whole tables, figure by figure, against the documents' own tables ---------------------

def _seed_lines(seeds_dir, seed: str, start: str, stop: str | None) -> list[list[str]]:
    """Tab-separated rows of a seed between two markers, ``<b>`` tags removed."""
    text = (seeds_dir / seed).read_text(encoding="utf-8")
    begin = text.index(start) + len(start)
    body = text[begin: text.index(stop, begin) if stop else len(text)]
    return [line.replace("<b>", "").replace("</b>", "").split("\t")
            for line in body.splitlines() if "\t" in line]


def _figure(text: str) -> int | float:
    """A figure as the document writes it: '1,341', '△7', '-', '22.3', '(x-) 280,395'."""
    text = text.replace("(x-)", "").replace(",", "").replace("%", "").strip()
    if text in ("-", ""):
        return 0
    sign = -1 if text.startswith("△") else 1
    text = text.lstrip("△")
    return sign * (float(text) if "." in text else int(text))


def test_detail_table_figure_by_figure(dataset, seeds_dir):
    # 000 '## 2016년 예산편성 세부내역' … '## II.': every line, every figure
    rows = _seed_lines(seeds_dir, SEED_000, "## 2016년 예산편성 세부내역", "## II.")[1:]   # past the heading
    d = dataset["budget_detail"].sort_values("line")
    assert len(rows) == len(d) == 44
    for (_, line), doc in zip(d.iterrows(), rows):
        assert line["name"] == doc[0].strip()
        for column, text in zip(MONEY, doc[1:6]):
            assert line[column] == _figure(text) * M, (doc[0], column)
        assert line["rate_stated"] == _figure(doc[6]), doc[0]


STAFF_COLUMNS = [("총계", "총계"), ("행정·기술직군", "4급"), ("행정·기술직군", "5급"),
                 ("행정·기술직군", "6급"), ("행정·기술직군", "7급 이하"), ("관리운영직군", "전체"),
                 ("임기제 일반직", "3급"), ("임기제 일반직", "4급"), ("임기제 일반직", "5급"),
                 ("임기제 일반직", "6급 이하"), ("전문경력관", "가군"), ("전문경력관", "나군 이하")]
STAFF_ROWS = ["office", "citizen-communication", "city-brand", "civil-service", "new-media"]


def test_staffing_table_figure_by_figure(dataset, seeds_dir):
    # 000 Ⅰ-2 표 (2016. 4. 8): 5 units × (정원, 현원) × 12 columns
    rows = _seed_lines(seeds_dir, SEED_000, "(2016. 4. 8)", "### ※")[2:]   # past the two heading rows
    assert len(rows) == 10
    s = dataset["staffing"].set_index(["unit", "job_group", "grade"])
    for i, doc in enumerate(rows):
        unit = STAFF_ROWS[i // 2]
        column = "authorized" if doc[1] == "정원" else "current"
        assert doc[1] == ("정원", "현원")[i % 2]
        for (group, grade), text in zip(STAFF_COLUMNS, doc[2:]):
            assert s.loc[(unit, group, grade), column] == _figure(text), (unit, group, grade)


def test_division_tables_figure_by_figure(dataset, seeds_dir):
    units = ["office"] + STAFF_ROWS[1:]
    # 000 Ⅰ-3 <부서별>
    rows = _seed_lines(seeds_dir, SEED_000, "< 부서별 >", "< 구성별 >")[1:]
    b = dataset["budget_division"].set_index("unit")
    for unit, doc in zip(units, rows, strict=True):
        assert (b.loc[unit, "budget"], b.loc[unit, "share_stated"]) == (
            _figure(doc[1]) * M, _figure(doc[2]))
    # 000 Ⅰ-3 ※ 2015년도 예산 집행현황
    rows = _seed_lines(seeds_dir, SEED_000, "2015년도 예산 집행현황", "## 2016년 예산편성")[1:]
    e = dataset["execution_division"].set_index("unit")
    for unit, doc in zip(units, rows, strict=True):
        assert [e.loc[unit, c] for c in ("budget", "executed", "balance")] == [
            _figure(t) * M for t in doc[1:4]]
        assert e.loc[unit, "rate_stated"] == _figure(doc[4])


def test_program_sheet_tables_figure_by_figure(dataset, seeds_dir):
    # 004 2 예산 총괄 (단위 : 천원)
    rows = _seed_lines(seeds_dir, SEED_004, "□ 예산 총괄", "□ 예산 요구내역")[2:]
    b = dataset["program_budget"].set_index(["item", "year"])
    for doc in rows:
        for year, text in zip((2014, 2015, 2016), doc[1:4]):
            assert b.loc[(doc[0], year), "budget"] == _figure(text) * K
        if doc[4].replace("(x-)", "").strip():
            assert b.loc[(doc[0], 2016), "change_stated"] == _figure(doc[4]) * K
        else:  # a blank cell of the source stays blank (never 0)
            assert pd.isna(b.loc[(doc[0], 2016), "change_stated"])
        if doc[5].replace("(x-)", "").strip():
            assert b.loc[(doc[0], 2016), "rate_stated"] == _figure(doc[5])
        else:
            assert pd.isna(b.loc[(doc[0], 2016), "rate_stated"])
    # 004 5 최근 3년 결산현황 (단위 : 천원): 연도 당초예산 전년이월 예산변경 예산현액 집행액 차년이월 집행잔액
    rows = _seed_lines(seeds_dir, SEED_004, "5 최근 3년 결산현황", None)[1:]
    st = dataset["settlement"].set_index("year")
    columns = ["budget", "carried_in", "changed", "available", "executed", "carried_out", "balance"]
    assert len(rows) == len(st) == 3
    for doc in rows:
        assert [st.loc[int(doc[0]), c] for c in columns] == [_figure(t) * K for t in doc[1:]]


# --- the two optional tables: the office's plan and targets (issue 23) ------------------

def test_optional_tables_may_be_left_out(dataset, tmp_path):
    # the shipped data holds no plan and no target: both tables load empty, typed
    assert dataset["execution_plan"].empty and dataset["execution_targets"].empty
    assert str(dataset["execution_plan"]["planned"].dtype) == "Int64"
    # a catalog that does not name them: the plan takes the detail's unit
    import shutil
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    catalog = data / "catalog.yaml"
    catalog.write_text("".join(l for l in catalog.read_text(encoding="utf-8").splitlines(keepends=True)
                               if not l.startswith(("execution_plan", "execution_targets"))),
                       encoding="utf-8")
    ds = load_all(data)
    assert ds.unit("execution_plan") == ds.unit("budget_detail") == "백만원"
    # a file with its header only is an empty table too
    (data / "execution_plan.csv").write_text("year,line,month,planned,source\n", encoding="utf-8")
    assert load_all(data)["execution_plan"].empty


def _plan_problem(tmp_path, name, text):
    import shutil
    data = tmp_path / "data"
    if not data.exists():
        shutil.copytree(DATA_DIR, data)
    (data / name).write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_all(data)
    return str(info.value)


def test_execution_plan_rows_are_read_in_the_detail_unit(tmp_path):
    import shutil
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "execution_plan.csv").write_text(
        "year,line,month,planned,source\n2016,36,4,10,계획 36행\n2016,36,12,90,계획 36행\n", encoding="utf-8")
    plan = load_all(data)["execution_plan"]
    assert list(plan["planned"]) == [10 * M, 90 * M]   # 백만원, as the detail


@pytest.mark.parametrize("rows, column, expected", [
    ("2016,36,13,10,x\n", "month", "1–12"),
    ("2016,99,4,10,x\n", "line", "세부내역"),            # the 2016 detail has 44 lines
    ("2015,36,4,10,x\n", "line", "세부내역"),            # no 2015 detail in the shipped data
    ("2016,36,4,50,x\n2016,36,8,40,x\n", "planned", "누계"),  # a cumulative plan never falls
])
def test_execution_plan_bad_rows(tmp_path, rows, column, expected):
    message = _plan_problem(tmp_path, "execution_plan.csv", "year,line,month,planned,source\n" + rows)
    assert "execution_plan.csv" in message and column in message and expected in message


def test_execution_targets_bad_rows(tmp_path):
    message = _plan_problem(tmp_path, "execution_targets.csv",
                            "year,as_of,target_rate,scope,source\n2016,2016-06-30,158.6,office,x\n")
    assert "target_rate" in message and "0–100" in message
    message = _plan_problem(tmp_path, "execution_targets.csv",
                            "year,as_of,target_rate,scope,source\n2016,2016-06-30,58.6,nobody,x\n")
    assert "scope" in message and "nobody" in message
