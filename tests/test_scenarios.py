"""The data grows as the office's work does — a later snapshot, a settlement and a new year,
a new division — by appending rows, and the reports stay true.

Each scenario is a copy of ``data/`` with the rows of ``tests/scenarios/<name>/`` appended
(the same rows the README's 데이터 추가 section gives):

- ``snapshot``: the 2016 detail again as of 2016-06-30, same line numbers;
- ``settlement``: the 2016 settlement (부서별 예산 집행현황 as of 2016-12-31), the 2017 budget
  (<부서별>, <구성별>) and the 2017 detail as of 2017-04-07;
- ``division``: the same with a fifth division, 디지털시민소통담당관, from 2017;
- ``program``: a second program sheet (사업설명서), ``new-media-web`` (the 2016 detail's
  뉴미디어 웹사이트 운영, 39행), with its budget, cost lines, plan, settlements and a result.

The scenario rows are invented for the test (they cite documents named ``scenario_…``); the
expected values below are read from those rows, quoted with their line.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import DATA_DIR, cli
from seoulcomm import load, views
from seoulcomm.calc import PACE_THRESHOLD as PACE
from seoulcomm.content import division, office, program
from seoulcomm.display import Notice, Table

SCENARIOS = Path(__file__).parent / "scenarios"


def scenario_data(folder: Path, name: str) -> Path:
    """A copy of data/ with the scenario's rows appended to each table they belong to."""
    data = folder / name / "data"
    shutil.copytree(DATA_DIR, data)
    for fragment in sorted((SCENARIOS / name).glob("*.csv")):
        rows = fragment.read_text(encoding="utf-8").splitlines(keepends=True)[1:]  # no header
        target = data / fragment.name
        text = target.read_text(encoding="utf-8")
        target.write_text(text + ("" if text.endswith("\n") else "\n") + "".join(rows),
                          encoding="utf-8")
    return data


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    root = tmp_path_factory.mktemp("scenarios")
    return {name: scenario_data(root, name) for name in ("snapshot", "settlement", "division", "program")}


def tables(items) -> list[Table]:
    items = items if isinstance(items, list) else [items]
    return [i for i in items if isinstance(i, Table)]


def rows_of(table: Table) -> list[dict]:
    data = table.to_json()
    return [dict(zip(data["columns"], row)) for row in data["rows"]]


def every_table(module, scope) -> list[Table]:
    found = []
    for name in module.__all__:
        if name in ("prepare", "show", "footer", "mismatch_notes", "shape"):
            continue
        found += tables(getattr(module, name)(scope))
    return found


def figures(head) -> dict:
    return {f["label"]: f for f in head.to_json()["figures"]}


# --------------------------------------------------------------------------- every scenario loads

@pytest.mark.parametrize("name", ["snapshot", "settlement", "division", "program"])
def test_validate_accepts_the_appended_rows(scenarios, name):
    code, out, err = cli("validate", "--data", scenarios[name])
    assert code == 0, err
    assert "Traceback" not in out + err


@pytest.mark.parametrize("name, only, built", [
    ("snapshot", ["2016/new-media", "2016/office", "programs/*"], 3),
    # 2017/*: the office, each division and the year's one-page brief
    ("settlement", ["2016/office", "2017/*", "programs/*"], 8),
    ("division", ["2017/*"], 7),
])
def test_build_makes_every_report(scenarios, tmp_path, name, only, built):
    args = ["build", "--data", scenarios[name], "--out", tmp_path / "out", "--jobs", "2"]
    for pattern in only:
        args += ["--only", pattern]
    code, out, err = cli(*args, timeout=900)
    assert code == 0, out + err
    pages = sorted(p for p in (tmp_path / "out").rglob("*.html") if p.name != "index.html")
    assert len(pages) == built
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "Traceback" not in text and "Error" not in text, page


# --------------------------------------------------------------------------- (a) a later snapshot

def test_snapshot_headline_is_the_latest_with_its_date(scenarios):
    # scenarios/snapshot/budget_detail.csv 33행: 뉴미디어담당관 4,331, executed 2,253, 52.0 at 2016-06-30
    scope = division.prepare("new-media", 2016, scenarios["snapshot"])
    head = division.headline(scope).to_json()
    got = {f["label"]: f for f in head["figures"]}
    assert head["as_of"] == "2016-06-30"
    assert got["집행액"]["value"] == "2,253" and "2016. 6. 30. 기준" in got["집행액"]["note"]
    assert got["집행률"]["value"] == "52.0"


def test_snapshot_shows_the_trend_once_per_line(scenarios):
    scope = division.prepare("new-media", 2016, scenarios["snapshot"])
    trend = division.trend(scope)
    path = tables(trend)
    assert len(path) == 2  # the division, and its programs
    # 000 ('16.4.8) 28.1 → scenario ('16.6.30) 52.0; 2015 결산 97.5 (000, 2015년도 예산 집행현황)
    # each rate beside its base (예산현액 4,331 at both dates; 2015 예산액 3,397)
    row = rows_of(path[0])[0]
    assert list(row.values())[1:] == [4331, 28.1, 4331, 52.0, 3397, 97.5]
    programs = [r["사업명"] for r in rows_of(path[1])]
    assert len(programs) == len(set(programs)) == 9
    assert any(t.__class__.__name__ == "Figure" for t in trend)


def test_snapshot_tables_hold_each_line_once(scenarios):
    scope = office.prepare(2016, scenarios["snapshot"])
    top = tables(office.top_programs(scope))[0]
    names = [r["부서/사업명"] for r in rows_of(top)]
    assert len(names) == len(set(names)) == 10
    assert top.as_of == "2016-06-30"
    lines = division.pace(division.prepare("civil-service", 2016, scenarios["snapshot"]))
    for table in tables(lines):
        names = [r["부서/사업명"] for r in rows_of(table)]
        assert len(names) == len(set(names)), table.title


def test_appending_a_later_snapshot_leaves_the_earlier_snapshots_figures(dataset, scenarios):
    # every table of the 2016-04-08 snapshot, asked for by its date, is the same figure for
    # figure after the 2016-06-30 rows are appended
    later = load.load_all(scenarios["snapshot"])
    when = "2016-04-08"
    for unit in ["office"] + list(dataset.divisions()["unit"]):
        before = views.detail(dataset.fresh(), 2016, when, unit=unit, threshold=PACE)
        after = views.detail(later, 2016, when, unit=unit, threshold=PACE)
        assert before.drop(columns="source").equals(after.drop(columns="source")), unit
        assert views.laggards(views.spending_lines(dataset.fresh(), 2016, when, unit=unit, threshold=PACE)).equals(
            views.laggards(views.spending_lines(later, 2016, when, unit=unit, threshold=PACE))), unit
    assert views.top_programs(dataset.fresh(), 2016, when, threshold=PACE).equals(
        views.top_programs(later, 2016, when, threshold=PACE))
    # and a settled year is untouched
    a, b = views.unit_totals(dataset.fresh(), 2015, threshold=PACE), views.unit_totals(later, 2015, threshold=PACE)
    assert a.equals(b)


# --------------------------------------------------------------------------- (b) settlement, new year

def test_a_settled_year_is_called_결산(scenarios):
    # scenarios/settlement/execution_division.csv: 2016-12-31 계 40,828 / 38,088 / 93.3%
    scope = office.prepare(2016, scenarios["settlement"])
    got = figures(office.headline(scope))
    assert got["집행액"]["value"] == "38,088" and got["집행액"]["note"] == "결산"
    # the documents table marks scenario_2016_결산.txt as a settlement (kind settlement)
    assert got["집행률"]["value"] == "93.3" and got["집행률"]["note"] == "집행액 ÷ 예산액"


def test_next_year_compares_with_the_settlement(scenarios):
    # scenarios/settlement/budget_detail.csv 1행: 2017 기획관 집행률 20.5 ('17.4.7)
    scope = office.prepare(2017, scenarios["settlement"])
    head = office.headline(scope).to_json()
    assert head["as_of"] == "2017-04-07" and head["title"].startswith("시민소통기획관 2017년")
    table = tables(office.settlement_vs_progress(scope))[0]
    assert table.title == "2016년 결산과 2017년 집행 진도"
    total = rows_of(table)[0]
    assert (total["2016년 집행률(%)"], total["2017년 집행률(%)"]) == (93.3, 20.5)


def test_every_caption_of_a_later_year_names_its_year(scenarios):
    data = scenarios["settlement"]
    for scope, module in ((division.prepare("new-media", 2017, data), division),
                          (office.prepare(2017, data), office)):
        for table in every_table(module, scope):
            years = set(re.findall(r"(20\d\d)년", table.title))
            # a table of one year is the report's year; a table over years reaches it
            assert not years or "2017" in years, table.title
            if table.as_of and table.as_of.startswith("2017") and len(years) == 1:
                assert "2016 주요업무 보고" not in table.source, (table.title, table.source)
    detail = tables(division.detail(division.prepare("new-media", 2017, data)))[0]
    assert detail.title == "2017년 예산편성 세부내역" and detail.as_of == "2017-04-07"
    assert "2017 주요업무 보고" in detail.source


def test_a_year_without_staffing_outcomes_or_plan_says_so(scenarios):
    scope = division.prepare("new-media", 2017, scenarios["settlement"])
    assert division.staffing(scope).text == "2017년 인력 자료 없음"
    assert [i.text for i in division.schedule(scope)] == ["2017년 추진일정 자료 없음"]
    outcomes = division.outcomes(scope)
    # 2016 results may show in 2017 (the year before); a 2016 target never does
    if isinstance(outcomes, Table):
        assert all(r.get("목표 시점") in (None, "", "2017") for r in rows_of(outcomes))


def test_the_program_report_never_mixes_years(scenarios):
    # 004: 2016 예산 418,000 천원; 000 ('16.4.8): 집행률 31.8 — the 2017 detail line is not 2016's
    scope = program.prepare("social-media", scenarios["settlement"])
    got = figures(program.headline(scope))
    assert got["2016년 예산"]["value"] == "418,000"
    assert got["2016년 집행률"]["value"] == "31.8" and "2016. 4. 8." in got["2016년 집행률"]["note"]


# --------------------------------------------------------------------------- (c) a new division

def test_a_new_division_gets_reports_only_for_its_years(scenarios):
    from seoulcomm import params

    names = {r.name for r in params.reports(scenarios["division"])}
    assert "2017/digital-citizen" in names
    assert "2016/digital-citizen" not in names and "2015/digital-citizen" not in names
    assert {"2017/new-media", "2017/office"} <= names


def test_the_office_shape_follows_the_data(scenarios):
    data = scenarios["division"]
    assert office.headline(office.prepare(2017, data)).to_json()["figures"]
    assert office.shape(office.prepare(2017, data)) == "1관 5담당관"
    # 2016: the year of the document that counts the teams (000 Ⅰ-1 조직 : 1관 4담당관 21팀);
    # 2017 states no team count, so none is printed
    assert office.shape(office.prepare(2016, data)) == "1관 4담당관 21팀"
    table = tables(office.divisions(office.prepare(2017, data)))[0]
    assert [r["부서"] for r in rows_of(table)][-1] == "디지털시민소통담당관"
    assert len(rows_of(table)) == 6
    # the new division stands in the year-over-year table with no base year
    changes = office.changes(office.prepare(2017, data))
    new = [r for r in rows_of(changes) if r["부서"] == "디지털시민소통담당관"]
    assert len(new) == 1 and new[0]["증감"] is None
    assert len(rows_of(tables(office.divisions(office.prepare(2016, data)))[0])) == 5


def test_the_new_division_report_builds_with_what_it_has(scenarios):
    # scenarios/division/budget_detail.csv 45행: 디지털시민소통담당관 2,025 / 312 / 15.4
    scope = division.prepare("digital-citizen", 2017, scenarios["division"])
    got = figures(division.headline(scope))
    assert (got["예산"]["value"], got["집행액"]["value"], got["집행률"]["value"]) == ("2,025", "312", "15.4")
    assert isinstance(division.staffing(scope), Notice)
    detail = tables(division.detail(scope))[0]
    assert [r["부서/사업명"] for r in rows_of(detail)][0] == "디지털시민소통담당관"


# --------------------------------------------------------------------------- (d) a program sheet

def test_a_second_program_sheet_gets_its_report(scenarios):
    # scenarios/program/program_budget.csv: 계 2016 1,447,000 (2015 1,380,000, 증감 67,000, 4.9%);
    # data/budget_detail.csv 39행 ('16.4.8): 뉴미디어 웹사이트 운영 1,447 / 842 / 58.2;
    # scenarios/program/settlement.csv 2015: 1,342,100 / 1,380,000 = 97.3%
    scope = program.prepare("new-media-web", scenarios["program"])
    assert scope.year == 2016
    head = program.headline(scope).to_json()
    got = {f["label"]: f for f in head["figures"]}
    assert head["title"] == "뉴미디어 웹사이트 운영"
    assert got["2016년 예산"]["value"] == "1,447,000"
    assert got["전년 대비"]["value"] == "67,000"
    assert got["2016년 집행률"]["value"] == "58.2" and "2016. 4. 8." in got["2016년 집행률"]["note"]
    assert got["2015년 결산 집행률"]["value"] == "97.3"
    budget = tables(program.budget(scope))[0]
    total = rows_of(budget)[0]
    assert list(total.values())[:4] == ["계", 1300000, 1380000, 1447000]
    settled = rows_of(program.settlement(scope))
    assert [r[next(iter(r))] for r in settled] == [2013, 2014, 2015]
    costs = rows_of(tables(program.costs(scope))[0])
    lines = [list(r.values())[0] for r in costs]
    assert "○ 홈페이지 운영 및 유지관리" in lines and "- 웹 접근성 개선" in lines
    assert "소셜미디어" not in " ".join(map(str, lines))
    # the sheet's rows add up: the only finding is the source's own (000 Ⅲ-4-② 사업비 1,449
    # against the detail's 39행 1,447), no false 불일치 from the new sheet
    found = [r for t in tables(program.audit(scope)) for r in rows_of(t)]
    assert len(found) == 1 and "4-2" in str(list(found[0].values())[1])
    # its result (scenarios/program/outcomes.csv) stands with the work report's of section 4-2
    metrics = [str(v) for r in rows_of(program.outcomes(scope)) for v in r.values()]
    assert "서울시 홈페이지 방문자 수" in metrics and "라이브 서울 방송 횟수" in metrics


def test_a_second_program_sheet_leaves_the_first_report(dataset, scenarios):
    # the social-media report reads the same rows, figure for figure, with the new sheet added
    before = program.prepare("social-media")
    after = program.prepare("social-media", scenarios["program"])
    assert program.headline(before).to_json() == program.headline(after).to_json()
    for name in program.__all__:
        if name in ("prepare", "show", "headline", "footer"):
            continue
        a, b = getattr(program, name)(before), getattr(program, name)(after)
        a, b = (a if isinstance(a, list) else [a]), (b if isinstance(b, list) else [b])
        assert [t.to_json() for t in tables(a)] == [t.to_json() for t in tables(b)], name
        assert [getattr(i, "text", None) for i in a if isinstance(i, Notice)] == \
            [getattr(i, "text", None) for i in b if isinstance(i, Notice)], name
    # the footer names the documents of the rows read: not the new sheet
    assert program.footer(before).text == program.footer(after).text
    assert "뉴미디어 웹사이트 운영 사업설명서" not in program.footer(after).text


def test_a_second_program_sheet_builds(scenarios, tmp_path):
    out = tmp_path / "out"
    code, text, err = cli("build", "--data", scenarios["program"], "--out", out, "--jobs", "2",
                          "--only", "programs/*", timeout=900)
    assert code == 0, text + err
    page = (out / "programs" / "new-media-web.html").read_text(encoding="utf-8")
    for shown in ("뉴미디어 웹사이트 운영", "1,447,000", "58.2", "1,342,100", "웹 접근성 개선",
                  "뉴미디어 웹사이트 운영 사업설명서", "41,200,000"):
        assert shown in page, shown
    first = (out / "programs" / "social-media.html").read_text(encoding="utf-8")
    assert "418,000" in first and "1,447,000" not in first and "웹 접근성 개선" not in first
    # the first sheet's page is the page the shipped data gives, byte for byte
    code, text, err = cli("build", "--out", tmp_path / "shipped", "--jobs", "1",
                          "--only", "programs/social-media", timeout=900)
    assert code == 0, text + err
    assert first == (tmp_path / "shipped" / "programs" / "social-media.html").read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the README's rows

def test_the_readme_rows_are_the_scenario_rows():
    # README 데이터 추가: every row it shows is a row the scenarios append (so the test follows it)
    from seoulcomm import paths

    text = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## 데이터 추가", 1)[1].split("\n## ", 1)[0]
    # a block may name its file on a first "# file.csv" line and give a new file's header
    shown = [line for block in re.findall(r"```csv\n(.*?)```", section, re.S)
             for line in block.splitlines() if line.strip() and not line.startswith("#")]
    assert len(shown) >= 10
    appended = {line for f in SCENARIOS.rglob("*.csv")
                for line in f.read_text(encoding="utf-8").splitlines()}
    missing = [line for line in shown if line not in appended]
    assert not missing, missing


# --------------------------------------------------------------------------- property

def _later_snapshot(text: str, as_of: str, factor: float) -> str:
    """The 2016 detail's rows again at ``as_of``, executed scaled by ``factor`` (capped at the
    printed 예산현액), as an analyst would append them."""
    import csv
    import io

    from seoulcomm import units

    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for row in rows[1:]:
        if row[0] != "2016":
            continue
        available, executed = (units.parse_numbers(pd.Series([row[i]]), integer=True)[0].iloc[0]
                               for i in (9, 10))
        available = 0.0 if pd.isna(available) else float(available)
        executed = 0.0 if pd.isna(executed) else float(executed)
        new = min(available, round(executed * factor))
        rate = "-" if not available else f"{units.round_half_up(new / available * 100, 1):.1f}"
        writer.writerow(row[:1] + [as_of] + row[2:10]
                        + [f"{int(new):,}", f"{int(available - new):,}", rate, row[13] + " (later)"])
    return out.getvalue()


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=st.integers(1, 260), factor=st.floats(1.0, 3.0))
def test_a_later_snapshot_never_changes_the_earlier_ones_figures(tmp_path_factory, dataset, day, factor):
    as_of = (pd.Timestamp("2016-04-08") + pd.Timedelta(days=day)).strftime("%Y-%m-%d")
    folder = tmp_path_factory.mktemp("later") / "data"
    shutil.copytree(DATA_DIR, folder)
    detail = folder / "budget_detail.csv"
    text = detail.read_text(encoding="utf-8")
    detail.write_text(text + _later_snapshot(text, as_of, factor), encoding="utf-8")
    later = load.load_all(folder)
    assert views.latest(later, 2016) == pd.Timestamp(as_of)
    when = "2016-04-08"
    for unit in ["office"] + list(dataset.divisions()["unit"]):
        before = views.detail(dataset.fresh(), 2016, when, unit=unit, threshold=PACE).drop(columns="source")
        assert before.equals(views.detail(later, 2016, when, unit=unit, threshold=PACE)
                             .drop(columns="source")), unit
        lagging = views.laggards(views.spending_lines(dataset.fresh(), 2016, when, unit=unit, threshold=PACE))
        assert lagging.drop(columns="source").equals(views.laggards(views.spending_lines(
            later, 2016, when, unit=unit, threshold=PACE)).drop(columns="source")), unit
    assert views.top_programs(dataset.fresh(), 2016, when, threshold=PACE).drop(columns="source").equals(
        views.top_programs(later, 2016, when, threshold=PACE).drop(columns="source"))
    path = views.execution_path(later, 2016, threshold=PACE)
    first = path[path["as_of"] == pd.Timestamp(when)].drop(columns="source").reset_index(drop=True)
    assert first.equals(views.execution_path(dataset.fresh(), 2016, threshold=PACE).drop(columns="source")
                        .reset_index(drop=True))
    # every earlier year is untouched
    assert views.unit_totals(dataset.fresh(), 2015, threshold=PACE).equals(
        views.unit_totals(later, 2015, threshold=PACE))
