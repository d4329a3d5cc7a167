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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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
    if not target.exists():   # a table the data did not have yet (budget_versions.csv)
        shutil.copy(fragment, target)
        return
    frag = fragment.read_text(encoding="utf-8").splitlines(keepends=True)
    text = target.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    have = next(csv.reader([lines[0]]))
    want = next(csv.reader([frag[0]]))
    # the fragment's header is the file's, or the file's and more (columns it adds), or the
    # file's first columns (the file has columns added later, which older rows leave off)
    assert want[:len(have)] == have or have[:len(want)] == want, f"{fragment}: header must match {target.name}'s"
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
    scope = office.prepare(2016, partial)
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
    scope = division.prepare("new-media", 2016, partial)
    head = division.headline(scope).to_json()
    figures = {f["label"]: f for f in head["figures"]}
    # tests/scenarios/partial/budget_detail.csv 33행: 집행액 2,100 of 예산현액 4,331, 48.5%
    assert head["as_of"] == "2016-06-30"
    assert figures["집행액"]["value"] == "2,100" and figures["집행률"]["value"] == "48.5"
    # a division the partial snapshot does not hold keeps 2016-04-08 (4행 집행액 2,797)
    other = division.headline(division.prepare("citizen-communication", 2016, partial)).to_json()
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


# --------------------------------------------------------------------------- 추경 (budget versions)

@pytest.fixture(scope="module")
def supplementary(tmp_path_factory):
    return scenario_data(tmp_path_factory.mktemp("realyear"), "supplementary")


def _figures(head) -> dict:
    return {f["label"]: f for f in head.to_json()["figures"]}


def test_a_supplementary_budget_validates(supplementary):
    code, out, err = cli("validate", "--data", str(supplementary))
    assert code == 0, err


def test_the_brief_says_the_budget_change_since_the_original(supplementary):
    from seoulcomm.content import brief
    facts = brief.facts(brief.prepare(2016, supplementary))
    change = next(m for m in brief.messages_of(brief.prepare(2016, supplementary)).messages
                  if m.rule == "changes")
    text = lambda line: "".join(p if isinstance(p, str) else p.text for p in line.parts)
    # data/budget_detail.csv 2016 1행 (당초, '16.4.8): 40,828; the scenario's 1행 (1회 추경,
    # '16.7.15): 41,829; 41,829 − 40,828 = 1,001
    assert text(change.head) == "시민소통기획관 예산 당초 40,828 → 1회 추경 41,829 (1,001)"
    # 시민봉사담당관 21,339 → 22,339 (+1,000); 도시브랜드담당관 2,960 → 2,961 (+1); the others unchanged
    assert text(change.items[0]) == "변경 부서: 시민봉사담당관 1,000, 도시브랜드담당관 1"
    office_rows = facts.versions[facts.versions["unit"] == "office"]
    assert office_rows["budget"].tolist() == [40828 * MILLION, 41829 * MILLION]


def test_the_headline_pairs_like_with_like(supplementary):
    scope = office.prepare(2016, supplementary)
    got = _figures(office.headline(scope))
    # tests/scenarios/supplementary/budget_detail.csv 1행 ('16.7.15, 1회 추경): 예산 41,829;
    # data/execution_division.csv 2015 office 36,372: 41,829 − 36,372 = 5,457; 5,457 ÷ 36,372 = 15.0%
    assert got["예산"]["value"] == "41,829" and got["예산"]["note"] == "1회 추경 기준(당초 40,828)"
    assert got["전년 대비"]["value"] == "5,457"
    assert got["전년 대비"]["note"] == "증감률 15.0% (2015년 36,372 대비, 1회 추경 기준)"
    # the <구성별> table keeps what it states about 당초: 40,828 − 36,372 = 4,456 (12.3%)
    comp = office.composition(scope)
    total = rows_of(comp)[0]
    assert (total["budget_2016"], total["change"]) == (40828 * MILLION, 4456 * MILLION)
    assert "예산 단계: 당초 기준" in " ".join(comp.notes)


def test_the_source_shares_are_shown_only_beside_their_version(supplementary):
    table = next(t for t in office.top_programs(office.prepare(2016, supplementary)) if isinstance(t, Table))
    first = rows_of(table)[0]
    # 29행 120다산콜센터 운영 17,866 ÷ 1행 41,829 = 42.71% (the April document's 41.4% is the 당초 share)
    assert first["name"] == "120다산콜센터 운영" and first["budget"] == 17866 * MILLION
    assert round(first["share"], 1) == 42.7 and not first["share_stated"]
    assert "원문(주요 사업별 비중)" not in " ".join(table.notes)


def test_no_report_calls_the_supplementary_a_mismatch_of_two_tables(supplementary):
    for unit in ("civil-service", "city-brand", "citizen-communication", "new-media"):
        notes = " ".join(division.mismatch_notes(division.prepare(unit, 2016, supplementary)))
        # 1회 추경 adds 1,001 to the office (29행 +1,000, 22행 +1): never a difference of two tables
        assert "1,001" not in notes and "40,828" not in notes
        assert "2,961" not in notes   # 19행 도시브랜드담당관 after the 추경


def test_the_audit_never_calls_a_version_change_an_inconsistency(supplementary):
    from seoulcomm import audit

    base = audit.reconcile(load.load_all(DATA_DIR))
    frame = audit.reconcile(load.load_all(supplementary))
    assert (frame["verdict"] == "discrepancy").sum() == (base["verdict"] == "discrepancy").sum()
    stated = frame[frame["table"].isin(["budget_division", "budget_composition", "program_shares"])]
    assert len(stated) == len(base[base["table"].isin(["budget_division", "budget_composition",
                                                          "program_shares"])])


@pytest.mark.parametrize("unit, steps", [
    # office: 1행 당초 40,828 ('16.4.8) → 1회 추경 41,829 (+1,001) → 이월 1,341 → 예산현액 43,171
    # (41,829 + 1,341 = 43,170: the source's own 1 of rounding, as 40,828 + 1,341 = 42,169 vs 42,170)
    ("office", [("당초 예산", 40828), ("1회 추경 증감", 1001), ("전년도 이월액", 1341),
                ("기타(전용·예비비·원문 반올림 등)", 1), ("예산현액", 43171)]),
    # 시민봉사담당관: 24행 21,339 → 22,339 (+1,000 on 29행), no carry-over
    ("civil-service", [("당초 예산", 21339), ("1회 추경 증감", 1000), ("전년도 이월액", 0),
                       ("예산현액", 22339)]),
])
def test_the_bridge_from_original_to_available(supplementary, unit, steps):
    scope = office.prepare(2016, supplementary) if unit == "office" else division.prepare(unit, 2016, supplementary)
    items = office.divisions(scope) if unit == "office" else division.summary(scope)
    bridge = next(t for t in items if isinstance(t, Table) and t.sheet == "예산 단계")
    assert [(r["item"], r["amount"] // MILLION) for r in rows_of(bridge)] == steps
    assert bridge.as_of == "2016-07-15"


def test_the_shipped_year_shows_no_bridge():
    items = office.divisions(office.prepare(2016)) + division.summary(division.prepare("new-media", 2016))
    assert not [t for t in items if isinstance(t, Table) and t.sheet == "예산 단계"]


def test_a_version_moved_later_is_refused_with_the_detail_already_cached(tmp_path, monkeypatch):
    """The detail's check against budget_versions is part of the detail's cache key: a change to
    budget_versions.csv alone re-checks the detail."""
    monkeypatch.setenv("SEOULCOMM_CACHE", str(tmp_path / "cache"))
    data = scenario_data(tmp_path, "supplementary")
    code, _, err = cli("validate", "--data", str(data))   # the checked detail is now cached
    assert code == 0, err
    target = data / "budget_versions.csv"
    # the scenario's 1회 추경 dated after the 2016-07-15 snapshot that states it
    target.write_text(target.read_text(encoding="utf-8").replace(
        "2016,1회 추경,1,2016-06-10", "2016,1회 추경,1,2016-08-01"), encoding="utf-8")
    code, _, err = cli("validate", "--data", str(data))
    assert code == 2 and "이후여야" in err and "budget_detail.csv, 46행" in err


@pytest.mark.parametrize("edit, expected", [
    (("1회 추경", "2회 추경"), "예산 단계(budget_versions.csv)에 있는 이름이어야"),
    (("2016,1회 추경,1,2016-06-10", "2016,1회 추경,1,2016-08-01"), "이후여야"),
])
def test_a_version_the_year_does_not_have_is_refused(tmp_path, edit, expected):
    data = scenario_data(tmp_path, "supplementary")
    target = data / ("budget_detail.csv" if edit[1] == "2회 추경" else "budget_versions.csv")
    text = target.read_text(encoding="utf-8")
    if edit[1] == "2회 추경":
        text = text.replace(",1회 추경\n", ",2회 추경\n", 1)
    else:
        text = text.replace(*edit)
    target.write_text(text, encoding="utf-8")
    before = snapshot_bytes(data)
    code, out, err = cli("validate", "--data", str(data))
    assert code == 2 and expected in err and "budget_detail.csv, 46행" in err
    assert err.count("데이터 오류") == 1
    assert snapshot_bytes(data) == before


# --------------------------------------------------------------------------- earlier years stay

def _report_figures(data: Path, year: int) -> dict:
    """Every table, headline and note of ``year``'s office and division reports, as shown."""
    out = {}
    for module, scope in [(office, office.prepare(year, data))] + [
            (division, division.prepare(u, year, data)) for u in
            load.load_all(data).divisions(year)["unit"].astype(str)]:
        for name in module.__all__:
            if name in ("open", "prepare", "show", "footer", "mismatch_notes", "shape", "audit"):
                continue
            items = getattr(module, name)(scope)
            items = items if isinstance(items, list) else [items]
            for i, item in enumerate(items):
                if hasattr(item, "to_json"):
                    data_ = item.to_json()
                    if isinstance(item, Table):
                        data_["notes"] = list(item.notes)
                    out[(scope.unit, name, i)] = data_
    return out


def _supplementary_rows(deltas: dict[int, int], when: dt.date, version: str) -> tuple[str, str]:
    """budget_detail.csv rows of a 2016 snapshot at ``when`` with ``deltas`` [백만원] added to
    program lines (and their parents), stating ``version``; and its budget_versions.csv."""
    rows = list(csv.DictReader((DATA_DIR / "budget_detail.csv").open(encoding="utf-8")))
    by = {int(r["line"]): r for r in rows}
    delta = {line: 0 for line in by}
    for line, add in deltas.items():
        delta[line] += add
        parent = by[line]["parent"]
        while parent:
            delta[int(parent)] += add
            parent = by[int(parent)]["parent"]
    delta[2] += sum(deltas.values())   # 사업예산 (2행) is the programs' total
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for r in rows:
        line = int(r["line"])
        values = [int(r[c].replace(",", "").replace("-", "0") or 0) for c in ("budget", "available", "executed")]
        budget, available, executed = values[0] + delta[line], values[1] + delta[line], values[2]
        writer.writerow([2016, when.isoformat(), line, r["parent"], r["level"], r["unit"], r["name"],
                         budget, r["carryover"], available, executed, available - executed,
                         f"{executed / available * 100:.1f}", "scenario_property.txt 세부내역", "", version])
    versions = f"2016,{version},1,{when.isoformat()},scenario_property.txt 추경\n"
    return out.getvalue(), versions


PROGRAM_LINES = [6, 7, 8, 10, 14, 21, 22, 27, 29, 30, 35, 39, 40]


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(deltas=st.dictionaries(st.sampled_from(PROGRAM_LINES), st.integers(-100, 2000), min_size=1, max_size=4),
       day=st.integers(1, 260), version=st.sampled_from(["1회 추경", "2회 추경", "최종"]))
def test_appending_a_version_never_changes_an_earlier_year(tmp_path_factory, deltas, day, version):
    root = tmp_path_factory.mktemp("prop")
    data = root / "data"
    shutil.copytree(DATA_DIR, data)
    before = _report_figures(data, 2015)
    when = dt.date(2016, 4, 9) + dt.timedelta(days=day)
    detail, versions = _supplementary_rows(deltas, when, version)
    path = data / "budget_detail.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[0] = lines[0].rstrip("\n") + ",partial,version\n"
    path.write_text("".join(lines) + detail, encoding="utf-8")
    (data / "budget_versions.csv").write_text("year,version,order,date,source\n" + versions, encoding="utf-8")
    load.forget()
    assert before and _report_figures(data, 2015) == before
    # and the 2016 office report reads the new version's budget: 40,828 + Σ deltas
    head = _figures(office.headline(office.prepare(2016, data)))
    assert head["예산"]["raw"] == 40828 + sum(deltas.values())


# --------------------------------------------------------------------------- reorganisation

@pytest.fixture(scope="module")
def reorg(tmp_path_factory):
    return scenario_data(tmp_path_factory.mktemp("realyear"), "reorg")


def test_a_reorganisation_validates(reorg):
    code, out, err = cli("validate", "--data", str(reorg))
    assert code == 0, err


def test_the_year_over_year_follows_identity(reorg):
    table = office.changes(office.prepare(2017, reorg))
    rows = {r["unit_name"]: r for r in rows_of(table)}
    # data/budget_detail.csv ('16.4.8) 4·19·24·33행 12,198 · 2,960 · 21,339 · 4,331 (계 1행 40,828);
    # tests/scenarios/reorg/budget_detail.csv ('17.4.7) 4·10·15행 14,000 · 23,000 · 6,000 (계 43,000)
    base, now = "detail_budget_2016", "detail_budget_2017"
    assert (rows["계"][base], rows["계"][now]) == (40828 * MILLION, 43000 * MILLION)
    # renamed in place (new-media → 디지털소통담당관): its base is its own 2016 row
    assert (rows["디지털소통담당관"][base], rows["디지털소통담당관"]["change"]) == (4331 * MILLION, 1669 * MILLION)
    # renamed to a new slug (civil-service → citizen-service): the base is the predecessor's 21,339
    assert (rows["120시민서비스담당관"][base], rows["120시민서비스담당관"]["change"]) == (21339 * MILLION, 1661 * MILLION)
    # abolished after 2016 (city-brand): kept with its last year, 0 now, never 기타
    gone = rows["도시브랜드담당관 (폐지)"]
    assert (gone[base], gone[now], gone["change"]) == (2960 * MILLION, 0, -2960 * MILLION)
    assert not any("기타" in name for name in rows)
    divisions = [r for name, r in rows.items() if name != "계"]
    assert sum(r[base] for r in divisions) == 40828 * MILLION     # 12,198 + 2,960 + 21,339 + 4,331
    assert sum(r[now] for r in divisions) == 43000 * MILLION      # 14,000 + 0 + 23,000 + 6,000
    # moved (뉴미디어 웹사이트 운영, 2016 39행 1,447): 이관, not a cut and a new program
    assert rows["시민소통담당관"]["transfer"] == 1447 * MILLION
    assert rows["디지털소통담당관"]["transfer"] == -1447 * MILLION
    notes = " ".join(table.notes)
    assert "이관" in notes and "폐지" in notes and "이름이 바뀜" in notes


def test_old_reports_keep_their_year_names(reorg):
    assert division.headline(division.prepare("new-media", 2016, reorg)).title.startswith("뉴미디어담당관 2016년")
    assert division.headline(division.prepare("new-media", 2017, reorg)).title.startswith("디지털소통담당관 2017년")
    names = {r["unit_name"] for r in rows_of(next(t for t in office.divisions(office.prepare(2016, reorg))
                                                  if isinstance(t, Table)))}
    assert {"뉴미디어담당관", "시민봉사담당관", "도시브랜드담당관"} <= names


def test_the_brief_of_an_earlier_year_names_that_years_divisions(reorg):
    from seoulcomm.content import brief
    # tests/scenarios/reorg/organisation_history.csv: the renames apply from 2017, so the 2016
    # brief's messages name 시민봉사담당관 and 뉴미디어담당관 (data/organisation.csv), as its table does
    def said(year) -> str:
        return " ".join(line.text for m in brief.messages_of(brief.prepare(year, reorg)).messages
                        for line in [m.head, *m.items])
    text = said(2016)
    assert "시민봉사담당관" in text and "뉴미디어담당관" in text
    assert "120시민서비스담당관" not in text and "디지털소통담당관" not in text
    assert "시민봉사담당관" not in said(2017) and "뉴미디어담당관" not in said(2017)


def test_a_renamed_division_continues_its_predecessors_years(reorg):
    table = division.summary(division.prepare("citizen-service", 2017, reorg))[0]
    got = [(r["year"], r["budget"] // MILLION) for r in rows_of(table)]
    # 2015: data/execution_division.csv civil-service 20,654; 2016: 24행 21,339; 2017: reorg 10행 23,000
    assert got == [(2015, 20654), (2016, 21339), (2017, 23000)]


def test_a_moved_program_reads_as_transferred(reorg):
    into = division.detail(division.prepare("citizen-communication", 2017, reorg)).notes
    out = division.detail(division.prepare("new-media", 2017, reorg)).notes
    assert any("뉴미디어 웹사이트 운영" in n and "이관된 사업" in n for n in into)
    assert any("뉴미디어 웹사이트 운영" in n and "시민소통담당관(으)로 이관" in n for n in out)


HISTORY_ROWS = (SCENARIOS / "reorg" / "organisation_history.csv").read_text(encoding="utf-8").splitlines()


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.sets(st.sampled_from(HISTORY_ROWS[1:]), min_size=1))
def test_appending_a_reorganisation_never_changes_an_earlier_year(tmp_path_factory, rows):
    root = tmp_path_factory.mktemp("reorgprop")
    plain = scenario_data(root, "reorg")
    (plain / "organisation_history.csv").unlink()   # the 2017 rows without any reorganisation
    load.forget()
    before = _report_figures(plain, 2016)
    (plain / "organisation_history.csv").write_text("\n".join([HISTORY_ROWS[0], *sorted(rows)]) + "\n",
                                                    encoding="utf-8")
    load.forget()
    assert before and _report_figures(plain, 2016) == before


# --------------------------------------------------------------------------- next year's program sheet

@pytest.fixture(scope="module")
def program_year(tmp_path_factory):
    return scenario_data(tmp_path_factory.mktemp("realyear"), "program_year")


def test_next_years_program_sheet_is_appended(program_year):
    code, out, err = cli("validate", "--data", str(program_year))
    assert code == 0, err


def test_each_sheet_years_costs_and_schedule_stand_apart(program_year):
    from seoulcomm.content import program

    scope = program.prepare("social-media", program_year)
    assert scope.year == 2017   # tests/scenarios/program_year/program_budget.csv 계 2017 450,000
    costs = [t for t in program.costs(scope) if isinstance(t, Table)]
    assert [t.title for t in costs] == ["2016년 세부 산출내역 (단가 × 수량)", "2017년 세부 산출내역 (단가 × 수량)"]
    assert len({t.sheet for t in costs}) == 2
    first = [rows_of(t)[0] for t in costs]
    # data/program_costs.csv groups 94,000 + 120,000 + 200,000 + 4,000 = 418,000 (2016);
    # scenario groups 100,000 + 346,000 + 4,000 = 450,000 (2017) — each year's own 계
    assert [(r["line"], r["amount"] // 1000) for r in first] == [("2016년 계", 418000), ("2017년 계", 450000)]
    assert all(sum(1 for r in rows_of(t) if str(r["line"]).endswith("계")) == 1 for t in costs)
    # 2017 lines only in the 2017 table: 블로그 운영 및 관리 150,000원 × 520건 = 78,000천원
    lines_2017 = {r["line"]: r for r in rows_of(costs[1])}
    assert lines_2017["- 블로그 운영 및 관리"]["amount"] == 78000 * 1000
    assert "- SNS 운영 용역" not in {r["line"] for r in rows_of(costs[0])}
    plans = [t for t in program.schedule(scope) if isinstance(t, Table)]
    assert [t.title for t in plans] == ["2016년 추진일정", "2017년 추진일정"]
    starts = [{str(v)[:4] for v in t.frame["start"].dropna()} for t in plans]
    assert starts == [{"2016"}, {"2017"}]


def test_the_shipped_program_sheet_reads_as_before():
    from seoulcomm.content import program

    costs = [t for t in program.costs(program.prepare("social-media")) if isinstance(t, Table)]
    assert len(costs) == 1 and costs[0].title == "2016년 세부 산출내역 (단가 × 수량)"
    assert rows_of(costs[0])[0]["line"] == "계"


def test_year_over_year_pairs_the_original_with_the_original(tmp_path):
    # 2016 has 당초 ('16.4.8, 1행 40,828) and 1회 추경 ('16.7.15, 41,829); 2017 states 당초 (43,000):
    # the 2017 table compares 당초 with 당초 — 43,000 − 40,828 = 2,172 — and says so
    data = scenario_data(tmp_path, "supplementary", "reorg")
    table = office.changes(office.prepare(2017, data))
    total = rows_of(table)[0]
    assert (total["detail_budget_2016"], total["change"]) == (40828 * MILLION, 2172 * MILLION)
    assert "(당초, 2016. 4. 8. 기준)" in table.notes[0] and "2017년:" in table.notes[0]
    assert "(당초)" in table.notes[0].split("2017년:", 1)[1]
