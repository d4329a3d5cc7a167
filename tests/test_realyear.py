"""The office's real year (issue 21): slips refused before anything is written, a partial
snapshot that says so, Excel's cells read as what they show, Excel-saved CSV explained.

Each case is a scenario fixture under ``tests/scenarios/<name>/``: rows appended to a copy of
``data/`` exactly as the README's 데이터 추가 section says (a fragment whose header ends with a
column the file does not have yet adds that column to the file's header; older rows leave it
off and take its default). Expected values are computed by hand from the fixture's rows and
quoted with them, never from the package.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from conftest import DATA_DIR, cli, snapshot_bytes
from seoulcomm import load, views, workbook
from seoulcomm.content import division, office
from seoulcomm.display import Table
from seoulcomm.errors import DataErrors

SCENARIOS = Path(__file__).parent / "scenarios"
MILLION = 1_000_000


def append_rows(data: Path, fragment: Path) -> None:
    """Append a fragment's rows to the table of the same name, as the README says: a column
    the file lacks is added at the end of its header (its older rows take the default)."""
    target = data / fragment.name
    frag = fragment.read_text(encoding="utf-8").splitlines(keepends=True)
    text = target.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    have = next(csv.reader([lines[0]]))
    want = next(csv.reader([frag[0]]))
    assert want[:len(have)] == have, f"{fragment}: header must extend {target.name}'s"
    if len(want) > len(have):
        lines[0] = lines[0].rstrip("\r\n") + "," + ",".join(want[len(have):]) + "\n"
    body = "".join(lines)
    target.write_text(body + ("" if body.endswith("\n") else "\n") + "".join(frag[1:]), encoding="utf-8")


def scenario_data(root: Path, *names: str) -> Path:
    data = root / "_".join(names) / "data"
    shutil.copytree(DATA_DIR, data)
    for name in names:
        for fragment in sorted((SCENARIOS / name).glob("*.csv")):
            append_rows(data, fragment)
    return data


def rows_of(table: Table) -> list[dict]:
    """The table's rows as computed (amounts in 원, rates in %), by column name."""
    return table.frame.to_dict("records")


# --------------------------------------------------------------------------- partial snapshot

@pytest.fixture(scope="module")
def partial(tmp_path_factory):
    return scenario_data(tmp_path_factory.mktemp("realyear"), "partial")


def test_a_partial_snapshot_that_says_so_is_accepted(partial):
    code, out, err = cli("validate", "--data", str(partial))
    assert code == 0, err


def test_the_office_stands_on_the_latest_complete_snapshot_and_says_so(partial):
    ds = load.load_all(partial)
    # tests/scenarios/partial/budget_detail.csv holds only new-media's lines (33–44) at 2016-06-30
    assert views.latest(ds, 2016, "budget_detail") == pd.Timestamp("2016-04-08")
    assert views.latest(ds, 2016, "budget_detail", unit="new-media") == pd.Timestamp("2016-06-30")
    scope = office.open(2016, partial)
    table = next(t for t in office.top_programs(scope) if isinstance(t, Table))
    assert table.as_of == "2016-04-08"
    rows = {r["name"]: r for r in rows_of(table)}
    # data/budget_detail.csv 29행 120다산콜센터 운영 16,866 of 1행 40,828 (2016-04-08): 41.3%, stated 41.4
    assert len(rows) == 10 and "120다산콜센터 운영" in rows
    # 39행 뉴미디어 웹사이트 운영 1,447 ÷ 40,828 = 3.544% → 3.5 (not 1,447 ÷ 4,331 = 33.4)
    web = rows.get("뉴미디어 웹사이트 운영")
    assert web is None or round(float(web["share"]), 1) == 3.5
    notes = " ".join(table.notes)
    assert "2016. 4. 8. 기준" in notes and "2016. 6. 30. 기준은 일부 집계" in notes
    assert "뉴미디어담당관만 집계(타 부서 미제출)" in notes
    divs = next(t for t in office.divisions(scope) if isinstance(t, Table))
    assert divs.as_of == "2016-04-08"
    by_unit = {r["unit_name"]: r for r in rows_of(divs)}
    # 33행 (2016-04-08) 뉴미디어담당관 집행액 1,218 — not the partial snapshot's 2,100
    assert by_unit["뉴미디어담당관"]["executed"] == 1218 * MILLION
    assert "일부 집계" in " ".join(divs.notes)


def test_the_division_in_a_partial_snapshot_reads_it(partial):
    scope = division.open("new-media", 2016, partial)
    head = division.headline(scope).to_json()
    figures = {f["label"]: f for f in head["figures"]}
    # tests/scenarios/partial/budget_detail.csv 33행: 집행액 2,100 of 예산현액 4,331, 48.5%
    assert head["as_of"] == "2016-06-30"
    assert figures["집행액"]["value"] == "2,100" and figures["집행률"]["value"] == "48.5"
    # a division the partial snapshot does not hold keeps 2016-04-08 (4행 집행액 2,797)
    other = division.headline(division.open("citizen-communication", 2016, partial)).to_json()
    assert other["as_of"] == "2016-04-08"


def test_a_snapshot_missing_lines_without_a_reason_is_refused(tmp_path):
    data = scenario_data(tmp_path, "partial")
    text = (data / "budget_detail.csv").read_text(encoding="utf-8")
    (data / "budget_detail.csv").write_text(text.replace(",뉴미디어담당관만 집계(타 부서 미제출)", ","),
                                            encoding="utf-8")
    before = snapshot_bytes(data)
    code, out, err = cli("validate", "--data", str(data))
    assert code == 2 and "Traceback" not in err
    # the first row of the 2016-06-30 snapshot is line 46 of the file (45 lines before it)
    assert "budget_detail.csv, 46행" in err
    assert "2016-06-30 기준 세부내역에 2016-04-08 기준의 줄 32개가 없습니다" in err
    assert "1행 시민소통기획관 예산 합계" in err and "partial 열" in err
    assert err.count("데이터 오류") == 1
    assert snapshot_bytes(data) == before


# --------------------------------------------------------------------------- as_of within year

@pytest.mark.parametrize("table, old, new", [
    ("budget_detail.csv", "2016,2016-04-08,12,", "2016,2017-06-30,12,"),
    ("budget_detail.csv", "2016,2016-04-08,12,", "2016,2015-06-30,12,"),
    ("execution_division.csv", "2015,2015-12-31,city-brand", "2015,2016-12-31,city-brand"),
])
def test_an_as_of_outside_its_year_is_refused(data_copy, table, old, new):
    path = data_copy / table
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    line = next(i for i, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if new in row)
    before = snapshot_bytes(data_copy)
    with pytest.raises(DataErrors) as info:
        load.load_all(data_copy)
    hits = [p for p in info.value.problems if p.column == "as_of"]
    assert len(hits) == 1 and hits[0].line == line and hits[0].file.name == table
    assert "그 행의 연도" in hits[0].expected and hits[0].value == new.split(",")[1]
    assert snapshot_bytes(data_copy) == before


# --------------------------------------------------------------------------- CSV saved from Excel

def test_trailing_empty_columns_are_named_once(data_copy):
    path = data_copy / "settlement.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(line + ",," for line in lines) + "\n", encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        load.load_all(data_copy)
    assert len(info.value.problems) == 1
    problem = info.value.problems[0]
    assert problem.line == 1 and "빈 열 2개" in problem.expected and "엑셀" in problem.expected
    assert problem.column == "11–12번째 열(이름 없음)"


def test_an_unquoted_thousands_separator_names_line_and_shifted_columns(data_copy):
    path = data_copy / "budget_division.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('2016,office,"40,828",', "2016,office,40,828,"), encoding="utf-8")
    with pytest.raises(DataErrors) as info:
        load.load_all(data_copy)
    assert len(info.value.problems) == 1
    p = info.value.problems[0]
    # budget_division.csv 2행: 2016,office,"40,828",100.0%,… ; the header has 5 columns
    assert p.line == 2 and p.column == "budget" and p.value == "칸 6개"
    assert "'40,828'" in p.expected and "share_stated, source 열이 밀렸" in p.expected
    assert '"40,828"' in p.expected and "40828" in p.expected


def test_a_column_added_later_may_be_left_off_older_rows(data_copy, dataset):
    # the README's way to add partial: the header gets ',partial', older rows stay as they are
    path = data_copy / "budget_detail.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0] + ",partial"] + lines[1:]) + "\n", encoding="utf-8")
    got = load.load_all(data_copy)["budget_detail"]
    assert got.drop(columns="partial").equals(dataset["budget_detail"].drop(columns="partial"))
    assert got["partial"].isna().all()


# --------------------------------------------------------------------------- Excel cells

@pytest.mark.parametrize("value, fmt, kind, text", [
    (0.933, "0.0%", "rate", "93.3%"),          # Excel's percent cell holds the fraction
    (0.9, "0%", "rate", "90%"),
    (-0.011, "0.0%", "rate", "△1.1%"),
    (0.933, "0.0%", "number", "93.3"),
    (29.9, '0.0"%";"△"0.0"%"', "rate", "29.9%"),   # our own export's literal % sign
    (" 40,828 ", "@", "money", "40,828"),        # a number typed as text
    ("'1341", "@", "money", "1341"),
    ("\u00a09,401", "General", "money", "9,401"),
    ("22.3", "@", "rate", "22.3"),
    ("웹사이트 운영", "@", "text", "웹사이트 운영"),
    (dt.datetime(2016, 6, 30), "m/d/yy", "date", "2016-06-30"),   # a date cell
    (42551, "General", "date", "2016-06-30"),    # Excel's day number for 2016-06-30
    (dt.datetime(2016, 5, 1), "yyyy-mm", "month", "2016-05"),
])
def test_an_excel_cell_is_read_as_what_it_shows(value, fmt, kind, text):
    assert workbook.from_cell(value, fmt, kind) == text


def test_a_percent_cell_imports_as_the_percentage(run_cli, data_copy, tmp_path):
    out = tmp_path / "wb.xlsx"
    code, _, err = run_cli("workbook", "--out", out, "--data", data_copy)
    assert code == 0, err
    wb = load_workbook(out)
    ws = wb["부서별 예산 집행현황"]
    header = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=header.index("집행률(%)") + 1)   # 2015 office 92.6%
    cell.value, cell.number_format = 0.933, "0.0%"
    date = ws.cell(row=3, column=header.index("기준일") + 1)
    date.value, date.number_format = 42369, "General"             # 2015-12-31 as a day number
    money = ws.cell(row=3, column=header.index("예산액(백만원)") + 1)
    money.value, money.number_format = "10,906 ", "@"             # typed as text
    wb.save(out)
    code, _, err = run_cli("import", out, "--data", data_copy)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO((data_copy / "execution_division.csv").read_text(encoding="utf-8"))))
    assert rows[1][6] == "93.3%"
    assert rows[2][1] == "2015-12-31" and rows[2][3] == "10,906"
