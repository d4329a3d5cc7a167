"""Data coming in (issues 11 and 12): every problem at once, located and pointed at; bounded
input; what the build needs checked up front; the data workbook out and back in; the detail
sheets a SUM can trust.

Each case breaks a fresh copy of ``data/`` and runs the real CLI (``python -m seoulcomm``) or
the API on it; expected figures come from the source (place quoted beside them).
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
import pandas as pd
from openpyxl import load_workbook

from seoulcomm import DataError, DataErrors, UsageError, calc, load, load_all, params, workbook, xlsx
from seoulcomm.content import division, office
from seoulcomm.errors import MAX_PROBLEMS

M = 1_000_000


def replace(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def messages(err: str) -> list[str]:
    """The problem lines of stderr (pointer lines are indented under them)."""
    return [line for line in err.splitlines() if line.startswith("seoulcomm: 데이터 오류 —")]


# --------------------------------------------------------------------------- all at once

def _plant_five(folder: Path) -> Path:
    """Five errors in budget_division.csv, one per row, each of another kind."""
    path = folder / "budget_division.csv"
    replace(path, '2016,office,"40,828"', '2016,office,"40,8x8"')          # a letter in an amount
    replace(path, '"12,198",29.9%', '"12,198",29.9%%')                     # a rate with two %
    replace(path, '2016,city-brand,"2,960"', '2016,city-brand,"2,96０"')   # a full-width zero
    replace(path, "2016,civil-service,", "2016,civil-servise,")            # an unknown unit
    replace(path, '"4,331",10.6%', '"4,331",')                             # a required rate left empty
    return path


def test_five_planted_errors_give_five_located_messages(run_cli, data_copy, snapshot):
    path = _plant_five(data_copy)
    before = snapshot(data_copy)
    code, out, err = run_cli("validate", "--data", data_copy)
    assert code == 2 and "Traceback" not in out + err
    found = messages(err)
    assert len(found) == 5, err
    lines = [line_of(path, needle) for needle in
             ('"40,8x8"', "29.9%%", "2,96０", "civil-servise", '"4,331",')]
    for message, line, column in zip(found, lines, ["budget", "share_stated", "budget", "unit", "share_stated"]):
        assert str(path.resolve()) in message and f", {line}행, '{column}' 열" in message, message
    # the full-width digit is pointed at and named
    assert "FULLWIDTH DIGIT ZERO" in err and "'0'로 고치세요" in err
    pointer = err.splitlines()[err.splitlines().index(next(m for m in err.splitlines() if "2,96０" in m)) + 2]
    assert pointer.strip().startswith("^^") and "5번째 글자" in pointer
    assert "데이터 오류 5건(파일 1개)" in err.splitlines()[-1]
    assert snapshot(data_copy) == before


def test_the_api_lists_every_problem(data_copy):
    _plant_five(data_copy)
    with pytest.raises(DataErrors) as info:
        load_all(data_copy)
    exc = info.value
    assert isinstance(exc, DataError) and exc.count == 5
    assert [p.column for p in exc.problems] == ["budget", "share_stated", "budget", "unit", "share_stated"]
    assert exc.problems[2].value == "2,96０" and exc.problems[2].at == 4
    assert exc.line == exc.problems[0].line   # the collection reads as its first problem


def test_problems_in_several_files_are_reported_together(run_cli, data_copy):
    replace(data_copy / "settlement.csv", '"258,187"', '"25x,187"')
    replace(data_copy / "schedule.csv", ",2017-01,2017-01,", ",2017-13,2017-01,")
    code, _, err = run_cli("validate", "--data", data_copy)
    assert code == 2
    assert len(messages(err)) == 2 and "settlement.csv" in err and "schedule.csv" in err
    assert "데이터 오류 2건(파일 2개)" in err


def test_more_problems_than_the_limit_are_counted(run_cli, data_copy):
    path = data_copy / "outcomes.csv"
    rows = path.read_text(encoding="utf-8").splitlines()
    bad = [rows[0]] + [re.sub(r",(actual|target|plan|change),", ",actuall,", r, count=1) for r in rows[1:]]
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    broken = sum(1 for r in bad[1:] if ",actuall," in r)
    assert broken > MAX_PROBLEMS
    code, _, err = run_cli("validate", "--data", data_copy)
    assert code == 2
    assert len(messages(err)) == MAX_PROBLEMS
    # each broken kind, and the rows whose key it now makes equal (중복), all counted
    total = int(re.search(r"데이터 오류 (\d+)건", err).group(1))
    assert total >= broken and f"… 외 {total - MAX_PROBLEMS}건" in err


def test_a_day_that_does_not_exist(data_copy):
    # 000 세부내역 ''16.4.8 기준' typed as 2016-04-31: April has 30 days
    replace(data_copy / "budget_detail.csv", "2016,2016-04-08,5,", "2016,2016-04-31,5,")
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    assert "없는 날짜" in info.value.expected and "30일까지" in info.value.expected


def test_the_printed_date_style_is_accepted(data_copy, dataset):
    # the reports print 2015. 12. 31.; the same date typed so reads as 2015-12-31
    replace(data_copy / "execution_division.csv", "2015-12-31,city-brand", "2015. 12. 31.,city-brand")
    replace(data_copy / "schedule.csv", ",2017-01,2017-01,", ",2017. 1.,2017-01,")
    ds = load_all(data_copy)
    assert ds["execution_division"]["as_of"].equals(dataset["execution_division"]["as_of"])
    assert ds["schedule"]["start"].equals(dataset["schedule"]["start"])


def test_a_trailing_comma_is_named(data_copy):
    path = data_copy / "budget_division.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line + "," for line in text) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    assert info.value.line == 1 and "끝에 쉼표" in info.value.expected
    assert "Unnamed" not in str(info.value)


def test_an_empty_header_is_named(data_copy):
    replace(data_copy / "settlement.csv", "balance,source", "balance,,source")
    with pytest.raises(DataErrors) as info:
        load_all(data_copy)
    assert any("빈 머리글" in p.expected and p.column == "10번째 열(이름 없음)" for p in info.value.problems)


def test_korean_headers_are_accepted(data_copy, dataset):
    # the catalog's labels (연도, 부서, 예산액, 비율, 출처) instead of the English names
    path = data_copy / "budget_division.csv"
    replace(path, "year,unit,budget,share_stated,source", "연도,부서,예산액(백만원),비율(%),출처")
    assert load_all(data_copy)["budget_division"].equals(dataset["budget_division"])
    assert load.read_catalog(data_copy).labels("budget_division")["year"] == "연도"


def test_a_look_alike_in_a_header_is_pointed_at(data_copy):
    replace(data_copy / "settlement.csv", "balance,source", "balance,sourсe")  # Cyrillic с
    with pytest.raises(DataErrors) as info:
        load_all(data_copy)
    assert any(p.column == "source" and "'sourсe'(오타?)" in p.expected for p in info.value.problems)


# --------------------------------------------------------------------------- what the build needs

@pytest.mark.parametrize("slug", ["office", "programs", "index"])
def test_a_division_slug_taken_by_the_layout_is_refused(run_cli, data_copy, slug):
    path = data_copy / "organisation.csv"
    path.write_text(path.read_text(encoding="utf-8")
                    + f"{slug},division,시험부서,Test,시험,office,,시험용 행\n", encoding="utf-8")
    code, _, err = run_cli("validate", "--data", data_copy)
    assert code == 2
    assert f"값 '{slug}'" in err and "보고서 목록이 쓰는 이름" in err
    assert f", {line_of(path, '시험부서')}행, 'unit' 열" in err


def test_a_program_slug_that_is_no_file_name_is_refused(data_copy):
    replace(data_copy / "program.csv", "social-media,소셜", "Social Media,소셜")
    with pytest.raises(DataErrors) as info:
        load_all(data_copy)
    slug = [p for p in info.value.problems if p.column == "program" and p.file.name == "program.csv"]
    assert slug and "영문 소문자" in slug[0].expected and slug[0].at == 0


@pytest.mark.parametrize("char, name", [("\x00", "\\x00"), ("\x1b", "\\x1b")])
def test_control_characters_are_refused_and_never_echoed(run_cli, data_copy, char, name):
    path = data_copy / "budget_detail.csv"
    replace(path, "시민소통기획관 예산 합계", f"시민소통기획관{char}[31m 예산 합계")
    code, out, err = run_cli("validate", "--data", data_copy)
    assert code == 2
    assert char not in out + err                  # the terminal never receives it raw
    assert name in err and "제어 문자" in err
    assert f", {line_of(path, '[31m')}행, 'name' 열" in err


def test_a_catalog_title_excel_cannot_take_as_a_sheet_name(data_copy):
    replace(data_copy / "catalog.yaml", "{title: 조직,", "{title: '조직: 1관 4담당관',")
    with pytest.raises(DataError, match="시트 이름"):
        load.read_catalog(data_copy)


# --------------------------------------------------------------------------- bounded input

def test_a_yaml_alias_bomb_is_refused_at_once(run_cli, data_copy):
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    (data_copy / "catalog.yaml").write_text(bomb, encoding="utf-8")
    code, out, err = run_cli("validate", "--data", data_copy, timeout=60)
    assert code == 2 and "Traceback" not in out + err
    assert "별칭" in err and len(err) < 1000


def test_a_params_alias_bomb_is_refused_with_a_short_message(tmp_path, dataset):
    bomb = "a: &a [" + ", ".join(["x" * 100] * 50) + "]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 20)}]\n" for i in range(8))
    (tmp_path / "reports.yaml").write_text(bomb + "reports: *i\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        params.reports(params_dir=tmp_path, ds=dataset)
    assert "별칭" in str(info.value) and len(str(info.value)) < 500


def test_an_oversized_yaml_is_refused(tmp_path, dataset):
    (tmp_path / "reports.yaml").write_text("# " + "x" * (load.MAX_YAML_BYTES + 10) + "\nreports: []\n",
                                           encoding="utf-8")
    with pytest.raises(UsageError, match="KB 이하"):
        params.reports(params_dir=tmp_path, ds=dataset)


def test_an_oversized_data_file_is_refused_before_it_is_read(run_cli, data_copy):
    path = data_copy / "staffing.csv"
    with path.open("r+b") as fh:                    # sparse: no disk used, never read
        fh.truncate(load.MAX_FILE_BYTES + 1)
    code, _, err = run_cli("validate", "--data", data_copy)
    assert code == 2 and "MB 이하의 파일" in err and "staffing.csv" in err


def test_too_many_rows_are_refused(run_cli, data_copy):
    path = data_copy / "staffing.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    with path.open("a", encoding="utf-8") as fh:
        fh.write((lines[1] + "\n") * load.MAX_ROWS)
    code, _, err = run_cli("validate", "--data", data_copy)
    assert code == 2 and f"{load.MAX_ROWS:,}행 이하" in err


def test_only_the_catalogs_files_are_read(run_cli, data_copy):
    # an unrelated 8 GB file in the data folder (sparse here) is neither read nor hashed
    with (data_copy / "backup.bin").open("wb") as fh:
        fh.truncate(8 * 1024 ** 3)
    files = load.data_files(data_copy)
    assert data_copy / "backup.bin" not in files
    assert [f.name for f in files] == ["catalog.yaml"] + [f"{t}.csv" for t in load.LOAD_ORDER]
    code, out, _ = run_cli("validate", "--data", data_copy)
    assert code == 0 and "모두 정상" in out


# --------------------------------------------------------------------------- Korean names as slugs

def test_korean_division_names_stand_for_slugs(dataset):
    assert params.check("division", {"division": "도시브랜드담당관", "year": 2016}, dataset)["division"] == "city-brand"
    assert params.check("division", {"division": "도시브랜드", "year": "2016"}, dataset)["division"] == "city-brand"
    reports = params.reports(ds=dataset)
    assert [r.name for r in params.select(reports, ["2016/도시브랜드담당관"])] == ["2016/city-brand"]
    assert {r.name for r in params.select(reports, ["*/뉴미디어담당관"])} == {"2015/new-media", "2016/new-media"}
    with pytest.raises(UsageError, match="가능한 값"):
        params.check("division", {"division": "없는담당관", "year": 2016}, dataset)


def test_korean_names_in_params_yaml(tmp_path, dataset):
    (tmp_path / "a.yaml").write_text(
        "reports:\n  - kind: division\n    parameters: {division: [도시브랜드담당관], year: [2016]}\n",
        encoding="utf-8")
    assert [r.name for r in params.reports(params_dir=tmp_path, ds=dataset)] == ["2016/city-brand"]


# --------------------------------------------------------------------------- the data workbook

@pytest.fixture(scope="module")
def data_workbook(tmp_path_factory):
    from conftest import cli

    out = tmp_path_factory.mktemp("wb") / "입력.xlsx"
    code, stdout, stderr = cli("workbook", "--out", out)
    assert code == 0, stderr
    return out


def test_the_workbook_has_a_sheet_per_table_with_korean_headers(data_workbook, dataset):
    wb = load_workbook(data_workbook)
    titles = dataset.catalog.titles
    assert wb.sheetnames[:2] == [workbook.NOTATION_SHEET, workbook.NOTE_SHEET]
    assert set(titles.values()) <= set(wb.sheetnames)
    ws = wb[titles["budget_detail"]]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["연도", "기준일", "행 번호"] and "예산편성액(백만원)" in header
    # 000 세부내역 1행 시민소통기획관 예산 합계 40,828 (백만원): a number, shown grouped
    budget = ws.cell(row=2, column=header.index("예산편성액(백만원)") + 1)
    assert budget.value == 40828 and budget.number_format.startswith("#,##0")
    carry = ws.cell(row=4, column=header.index("전년도 이월액(백만원)") + 1)   # 3행 기본경비 이월 '-'
    assert carry.value == 0 and carry.number_format.endswith('"-"')
    lists = {re.match(r"[A-Z]+", str(dv.sqref)).group(0) for dv in ws.data_validations.dataValidation}
    assert {chr(65 + header.index("수준")), chr(65 + header.index("부서"))} <= lists
    notation = " ".join(str(c.value) for row in wb[workbook.NOTATION_SHEET].iter_rows() for c in row if c.value)
    assert all(mark in notation for mark in ("1,341", "△7", "-", "2016. 4. 8."))
    note = [[c.value for c in row] for row in wb[workbook.NOTE_SHEET].iter_rows(min_row=2)]
    detail = next(r for r in note if r[1] == "budget_detail")
    assert detail[2] == "백만원" and detail[4] == "2016-04-08" and "000_a1ad29fe56867c6c.txt" in detail[5]
    assert wb[workbook.LISTS_SHEET].sheet_state == "hidden"


def test_workbook_then_import_gives_byte_identical_csvs(run_cli, data_workbook, data_copy, snapshot):
    before = snapshot(data_copy)
    code, out, err = run_cli("import", data_workbook, "--data", data_copy)
    assert code == 0, err
    assert snapshot(data_copy) == before
    # and every table's CSV text made from the workbook is the file as it is, notation and all
    texts = {}
    original = workbook._write_changed
    workbook._write_changed = lambda folder, t: texts.update(t) or []
    try:
        workbook.import_workbook(data_workbook, data_copy)
    finally:
        workbook._write_changed = original
    for file, text in texts.items():
        records = list(csv.reader(io.StringIO(text, newline="")))
        assert records == list(csv.reader(io.StringIO((data_copy / file).read_text(encoding="utf-8"),
                                                      newline=""))), file


def test_older_rows_that_leave_off_the_added_cells_round_trip_through_the_workbook(run_cli, data_copy,
                                                                                     tmp_path):
    """Once a 추경 row brings the version column into budget_detail.csv, the older rows leave
    its cell off and load as 당초 (README, 데이터 추가). The workbook showed those cells empty,
    and importing it back refused every one ("빈칸 불가"): it now shows the default the loader
    reads, and the data loads the same after the round trip."""
    path = data_copy / "budget_detail.csv"
    text = path.read_text(encoding="utf-8")
    header, first = text.splitlines()[:2]
    assert not header.endswith("version")   # the shipped file predates the column
    added = first.replace("'16.4.8", "'16.7.15").replace("2016-04-08", "2016-07-15")
    path.write_text(text.replace(header, header + ",partial,version", 1) + added + ",총괄만 집계,당초\n",
                    encoding="utf-8")   # a later snapshot stating its version; the older rows leave it off
    before = load.load_all(data_copy)
    out = tmp_path / "자료.xlsx"
    assert run_cli("workbook", "--data", data_copy, "--out", out)[0] == 0
    ws = load_workbook(out)["예산편성 세부내역"]
    versions = [row[-1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert None not in versions and set(versions) == {"당초"}
    code, _, err = run_cli("import", out, "--data", data_copy)
    assert code == 0, err
    load.forget()
    after = load.load_all(data_copy)
    pd.testing.assert_frame_equal(after.tables["budget_detail"], before.tables["budget_detail"])


def test_an_edit_in_excel_is_imported_in_the_sources_notation(run_cli, data_workbook, data_copy, tmp_path):
    wb = load_workbook(data_workbook)
    ws = wb["부서별 예산"]
    header = [c.value for c in ws[1]]
    ws.cell(row=4, column=header.index("예산액(백만원)") + 1).value = 2961       # 2016 city-brand
    edited = tmp_path / "고침.xlsx"
    wb.save(edited)
    code, out, err = run_cli("import", edited, "--data", data_copy)
    assert code == 0, err
    assert "budget_division.csv" in out
    text = (data_copy / "budget_division.csv").read_text(encoding="utf-8")
    assert '2016,city-brand,"2,961",7.2%' in text
    assert not [p for p in data_copy.iterdir() if p.name.startswith(".")]   # no temp file left


def test_a_bad_cell_names_sheet_and_cell_and_nothing_is_written(run_cli, data_workbook, data_copy, snapshot,
                                                                 tmp_path):
    before = snapshot(data_copy)
    wb = load_workbook(data_workbook)
    ws = wb["예산편성 세부내역"]
    header = [c.value for c in ws[1]]
    col = header.index("집행액(백만원)") + 1
    ws.cell(row=7, column=col).value = "75l"               # a letter for a digit
    ws.cell(row=9, column=header.index("수준") + 1).value = "programme"
    wb["부서별 예산"]["B3"].value = "=A1"                   # a formula is no value
    edited = tmp_path / "틀림.xlsx"
    wb.save(edited)
    code, out, err = run_cli("import", edited, "--data", data_copy)
    assert code == 2 and "Traceback" not in out + err
    assert "시트 '부서별 예산', B3" in err and "수식" in err
    assert snapshot(data_copy) == before
    wb["부서별 예산"]["B3"].value = "citizen-communication"
    wb.save(edited)
    code, out, err = run_cli("import", edited, "--data", data_copy)
    assert code == 2
    letter = chr(64 + col)
    assert f"시트 '예산편성 세부내역', {letter}7" in err and "값 '75l'" in err
    assert f"시트 '예산편성 세부내역', {chr(65 + header.index('수준'))}9" in err
    assert len(messages(err)) == 2
    assert snapshot(data_copy) == before


def test_the_workbook_is_never_written_into_the_data_folder(run_cli, data_copy):
    code, _, err = run_cli("workbook", "--out", data_copy / "x.xlsx", "--data", data_copy)
    assert code == 2 and "데이터 폴더 안" in err
    assert not (data_copy / "x.xlsx").exists()


# --------------------------------------------------------------------------- SUM by level

def _sum_by_level(ws, header_row: int, amount: str) -> tuple[dict, dict]:
    """Sums of ``amount`` per level label, and the amount of each line, read back from the sheet."""
    header = [c.value for c in ws[header_row]]
    a, lv, ln = header.index(amount), header.index("수준"), header.index("행 번호")
    sums, by_line = {}, {}
    for row in ws.iter_rows(min_row=header_row + 1, values_only=True):
        if row[a] is None:
            continue
        sums[row[lv]] = sums.get(row[lv], 0) + row[a]
        by_line[int(row[ln])] = row[a]
    return sums, by_line


def test_a_sum_over_a_level_of_the_data_workbook_gives_the_stated_total(data_workbook):
    ws = load_workbook(data_workbook)["예산편성 세부내역"]
    sums, line = _sum_by_level(ws, 1, "예산편성액(백만원)")
    # 000 세부내역: 12,198 + 2,960 + 21,339 + 4,331 = 40,828 = 1행 시민소통기획관 예산 합계
    assert sums["division"] == line[1] == 40828
    # 기본경비 458 + 30 + 107 + 38 = 633 = 3행 기본경비(행정운영경비)
    assert sums["basic"] == line[3] == 633
    # a whole-column SUM counts the same money several times: the level column is needed
    assert sum(line.values()) > 3 * 40828
    # grouped: the division rows under the total, the programs deeper; subtotals in bold
    assert ws.row_dimensions[5].outline_level == 1 and ws.cell(row=5, column=1).font.b
    deepest = max(ws.row_dimensions[r].outline_level for r in range(2, ws.max_row + 1))
    assert deepest == 3


def test_a_sum_over_a_level_of_a_report_workbook_gives_the_stated_total(dataset, tmp_path):
    table = division.detail(office.prepare(2016))  # the whole detail: the office's scope
    path = tmp_path / "office.xlsx"
    xlsx.write_xlsx([json.loads(json.dumps(table.to_json()))], path)
    wb = load_workbook(path)
    assert wb.sheetnames == ["예산편성 세부내역", xlsx.NOTE_SHEET]
    ws = wb["예산편성 세부내역"]
    sums, line = _sum_by_level(ws, 4, "예산편성액(백만원)")
    assert sums["부서"] == line[1] == 40828            # 000 세부내역 1행 40,828
    assert sums["기본경비"] == line[3] == 633          # 3행 633
    header = [c.value for c in ws[4]]
    assert {"행 번호", "상위 행", "수준", "소계 여부"} <= set(header)
    marks = {row[header.index("행 번호")]: row[header.index("소계 여부")]
             for row in ws.iter_rows(min_row=5, values_only=True)}
    assert marks[1] == "합계" and marks[4] == "소계"     # 4행 시민소통담당관 heads its policies
    r4 = 5 + 3
    assert ws.cell(row=r4, column=1).font.b and ws.row_dimensions[r4].outline_level == 1
    assert ws.cell(row=r4, column=2).number_format == "#,##0"
    note = [[c.value for c in row] for row in wb[xlsx.NOTE_SHEET].iter_rows(min_row=5)]
    assert note[0][0] == "예산편성 세부내역" and note[0][3] == "2016-04-08" and note[0][4]


def test_a_korean_division_name_selects_its_report_on_the_command_line(run_cli, tmp_path):
    out = tmp_path / "reports"
    code, stdout, stderr = run_cli("build", "--only", "2016/도시브랜드담당관", "--out", out, "--jobs", "1",
                                   timeout=600)
    assert code == 0, stdout + stderr
    assert (out / "2016" / "city-brand.html").is_file() and (out / "2016" / "city-brand.xlsx").is_file()
    assert not (out / "2016" / "new-media.html").exists()
    code, _, stderr = run_cli("build", "--only", "2016/없는담당관", "--out", out)
    assert code == 2 and "맞는 보고서가 없습니다" in stderr


def test_a_workbook_that_unpacks_to_too_much_is_refused_unopened(run_cli, data_copy, snapshot, tmp_path):
    import zipfile

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            block = b"\0" * (1024 * 1024)
            for _ in range(workbook.MAX_UNPACKED_BYTES // len(block) + 1):
                fh.write(block)
    before = snapshot(data_copy)
    code, _, err = run_cli("import", bomb, "--data", data_copy)
    assert code == 2 and "풀었을 때" in err
    assert snapshot(data_copy) == before


def test_data_errors_survive_pickling(data_copy):
    # a worker process raising it hands the parent the same problems
    import pickle

    _plant_five(data_copy)
    with pytest.raises(DataErrors) as info:
        load_all(data_copy)
    again = pickle.loads(pickle.dumps(info.value))
    assert str(again) == str(info.value) and again.count == 5 and again.problems[2].at == 4
