"""The office report at city scale: charts and page tables that do not grow with the
organisation, a workbook that keeps every division.

Synthetic folders (``benchmarks/synthetic.py``: the real data with the template division
cloned, 2 years) of 40 and 80 divisions are built once; the 2016 office report of each is
rendered through the real notebook (papermill, forked engine) and read back as HTML and
xlsx. Expected figures come from the data the report is built from, never from literals.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from seoulcomm import labels, load, params, runners, units, views
from seoulcomm.content import office

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
from synthetic import make_dataset  # noqa: E402

N = views.TOP_DIVISIONS
YEAR = 2016
SIZES = (40, 80)
#: Page tables with one row per division, by their workbook sheet; the rows the page has
#: besides the named divisions and 기타 (계, and 세부내역's 사업예산·기본경비).
FOLDED_SHEETS = {"부서별 현황": 1, "부서별 전년 대비": 1, "세부내역 총괄": 3, "전년과 올해 집행": 1,
                 "집행률 추이": 1}


def _render(folder: Path, out: Path):
    ds = load.load_all(folder)
    plan = next(r for r in params.reports(folder, ds=ds)
                if r.kind == "office" and r.parameters["year"] == YEAR)
    result = runners.ForkRunner().render(plan, out, data_dir=folder)
    assert result.ok, result.message
    return Path(result.html), Path(result.xlsx)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """``{divisions: (data folder, html path, xlsx path)}`` for each of :data:`SIZES`."""
    out = {}
    for size in SIZES:
        root = tmp_path_factory.mktemp(f"office{size}")
        make_dataset(root / "data", size, 2)
        out[size] = (root / "data", *_render(root / "data", root / "out"))
    return out


def _tables(html: str) -> dict[str, str]:
    """Each table of a page (its HTML) by its caption's title."""
    found = {}
    for table in re.findall(r"<table.*?</table>", html, re.S):
        caption = re.search(r"<caption>(.*?)(?:<span|</caption>)", table, re.S)
        if caption:
            found[caption.group(1).strip()] = table
    return found


def _body_rows(table_html: str) -> list[list[str]]:
    body = table_html.split("<tbody>", 1)[1]
    return [[re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _sheet_rows(xlsx: Path, sheet: str) -> list[tuple]:
    ws = load_workbook(xlsx, read_only=True)[sheet]
    return [r for r in ws.iter_rows(min_row=5, values_only=True) if any(v is not None for v in r)]


def _sheet_title(xlsx: Path, sheet: str) -> str:
    return str(load_workbook(xlsx, read_only=True)[sheet]["A1"].value)


def _division_names(folder: Path) -> list[str]:
    ds = load.load_all(folder)
    names = labels.names(ds)
    return [names[u] for u in ds.divisions(YEAR)["unit"].astype(str)]


# --------------------------------------------------------------------------- the fold itself

def test_fold_pools_rates_and_sums_only_the_rest():
    rows = pd.DataFrame({"unit": ["office", "a", "b", "c"],
                         "available": [1_000, 500, 100, 300], "executed": [600, 450, 50, 30]})
    folded = views.fold(rows, ["a"], sums=["available", "executed"],
                        rates={"execution_rate": ("executed", "available")})
    assert folded["unit"].tolist() == [views.OTHERS]
    assert int(folded["folded"].iloc[0]) == 2
    assert int(folded["available"].iloc[0]) == 400 and int(folded["executed"].iloc[0]) == 80
    # pooled: (50 + 30) ÷ (100 + 300) = 20 %, not the mean of 50 % and 10 % (30 %)
    assert folded["execution_rate"].iloc[0] == pytest.approx(20.0)


def test_top_divisions_keep_every_division_up_to_n_and_the_largest_beyond():
    order = [f"d{i}" for i in range(N + 3)]
    budgets = list(range(1, N + 4))  # d0 the smallest
    totals = pd.DataFrame({"unit": order, "budget": budgets})
    assert views.top_divisions(totals, order[:N]) == order[:N]
    assert views.top_divisions(totals, order) == order[3:]


# --------------------------------------------------------------------------- charts

@pytest.mark.parametrize("size", SIZES)
def test_divisions_chart_names_n_and_sums_the_rest_in_one_bar(built, size):
    folder = built[size][0]
    scope = office.prepare(YEAR, folder)
    table, chart = office.divisions(scope)
    ax = chart.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert len(names) == N + 1
    rest = size - N
    assert names[-1] == f"기타 {rest}개 부서"  # the lowest bar (bars are drawn top to bottom)
    # the divisions table's sheet keeps every division; the bars not named sum into 기타
    frame = table.frame[np.asarray(table.sheet_rows, dtype=bool)]
    frame = frame[(frame["unit"] != "office").to_numpy(dtype=bool)]
    assert len(frame) == size
    named = set(names[:-1])
    others = frame[~frame["unit_name"].isin(named).to_numpy(dtype=bool)]
    assert len(others) == rest
    money = scope.money()
    width = {round(p.get_y() + p.get_height() / 2, 6): p.get_width() for p in ax.patches[:N + 1]}
    other_bar = width[min(width)]
    expected = sum(int(v) for v in others["detail_available"]) / units.factor(money)
    assert other_bar == pytest.approx(expected)
    # its label: the pooled 집행률 of the rest
    pooled = sum(int(v) for v in others["executed"]) / sum(int(v) for v in others["detail_available"]) * 100
    assert any(t.get_text().endswith(f"집행률 {units.fmt_rate(pooled)}") for t in ax.texts
               if abs(t.get_position()[1] - min(width)) < 1e-6)


def test_other_office_charts_have_at_most_n_plus_one_lines(built):
    folder = built[SIZES[-1]][0]
    scope = office.prepare(YEAR, folder)
    _, by_year = office.settlement_vs_progress(scope)
    ticks = [t.get_text().replace("\n", " ") for t in by_year.axes[0].get_xticklabels()]
    assert len(ticks) == N + 1 and ticks[-1] == f"기타 {SIZES[-1] - N}개 부서"
    trend = office.trend(scope)
    assert trend, "the synthetic year has two as-of dates: the 집행률 path is shown"
    legend = [t.get_text() for t in trend[1].legends[0].get_texts()]
    assert len(legend) == 1 + 1 + N + 1  # 연간 경과율, 계, N divisions, 기타
    assert legend[-1] == f"기타 {SIZES[-1] - N}개 부서"


# --------------------------------------------------------------------------- tables

@pytest.mark.parametrize("size", SIZES)
def test_divisions_table_names_the_largest_on_the_page_and_every_division_in_the_workbook(built, size):
    folder, html_path, xlsx = built[size]
    html = html_path.read_text(encoding="utf-8")
    names = _division_names(folder)
    assert len(names) == size
    title = _sheet_title(xlsx, "부서별 현황")
    rows = _body_rows(_tables(html)[title])
    scope = office.prepare(YEAR, folder)
    keep = [scope.names[u] for u in office._top(scope)]
    assert [r[0] for r in rows] == ["계"] + keep + [f"기타 {size - N}개 부서"]
    assert [r[0] for r in _sheet_rows(xlsx, "부서별 현황")] == ["계"] + names


def test_divisions_table_others_row_sums_budget_staff_and_pools_rate_and_share(built):
    folder = built[SIZES[0]][0]
    scope = office.prepare(YEAR, folder)
    table = office.divisions(scope)[0]
    frame = table.frame
    other = frame[(frame["unit"] == views.OTHERS).to_numpy(dtype=bool)].iloc[0]
    total = frame[(frame["unit"] == "office").to_numpy(dtype=bool)].iloc[0]
    rest = frame[~frame["unit"].isin(set(office._top(scope)) | {"office", views.OTHERS}).to_numpy(dtype=bool)]
    assert len(rest) == SIZES[0] - N
    for col in ("budget", "executed", "current", "authorized"):
        assert int(other[col]) == sum(int(v) for v in rest[col]), col
    # pooled 집행률 (Σ집행액 ÷ Σ예산현액) and share of the office's budget, from the amounts
    assert other["execution_rate"] == pytest.approx(
        sum(int(v) for v in rest["executed"]) / sum(int(v) for v in rest["available"]) * 100)
    assert other["share"] == pytest.approx(sum(int(v) for v in rest["budget"]) / int(total["budget"]) * 100)


def test_overview_names_the_largest_divisions_and_folds_the_rest(built):
    folder, html_path, xlsx = built[SIZES[-1]]
    scope = office.prepare(YEAR, folder)
    items = office.overview(scope).items
    page = [i["text"] for i in items if i.get("only") != "sheet"]
    sheet = [i["text"] for i in items if i.get("only") != "page"]
    rest = SIZES[-1] - N
    staff_page = next(t for t in page if t.startswith("부서별 정원/현원"))
    staff_sheet = next(t for t in sheet if t.startswith("부서별 정원/현원"))
    assert staff_page.count(", ") == N and f"기타 {rest}개 부서 " in staff_page
    assert staff_sheet.count(", ") == SIZES[-1] - 1 and "기타" not in staff_sheet
    html = html_path.read_text(encoding="utf-8")
    assert staff_page in html and staff_sheet not in html


def test_projection_table_names_the_largest_unspent_and_the_sheet_every_division(built):
    folder, html_path, xlsx = built[SIZES[-1]]
    html = html_path.read_text(encoding="utf-8")
    scope = office.prepare(YEAR, folder)
    rows = views.projection(scope.ds, YEAR, threshold=scope.threshold, red=scope.red, amber=scope.amber)
    table = _tables(html)["연말 집행 전망"]
    page = [r[0] for r in _body_rows(table)]
    rest = SIZES[-1] - N
    assert page == list(rows["name"].head(N + 1)) + [f"기타 {rest}개 부서"]
    # each named row's 신호 cell keeps its own colour; the 기타 line has no signal and no colour
    trs = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S)
    colour = {"위험": "sc-red", "주의": "sc-amber", "양호": "sc-green"}
    for tr, signal in zip(trs, rows["signal"].head(N + 1)):
        assert colour[signal] in re.findall(r"<td[^>]*>", tr)[-1]
    assert not re.search(r"sc-(red|amber|green)", trs[-1])
    sheet = [r[0] for r in _sheet_rows(xlsx, "집행전망")]
    assert sheet == list(rows["name"])
    counts = rows["signal"].iloc[1:].value_counts()
    assert (f"○ 부서별 신호: 위험 {counts.get('위험', 0)}개, 주의 {counts.get('주의', 0)}개, "
            f"양호 {counts.get('양호', 0)}개") in html


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("sheet", sorted(FOLDED_SHEETS))
def test_per_division_tables_show_n_and_others_but_the_workbook_every_division(built, size, sheet):
    folder, html_path, xlsx = built[size]
    html = html_path.read_text(encoding="utf-8")
    names = _division_names(folder)
    title = _sheet_title(xlsx, sheet)
    page = _body_rows(_tables(html)[title])
    extra = FOLDED_SHEETS[sheet]
    assert len(page) == extra + N + 1, [r[0] for r in page]
    first = [r[0] for r in page]
    assert first[-1] == f"기타 {size - N}개 부서"
    assert all(n in names for n in first[extra:-1])
    assert f"전체 {size}개 부서는 통합문서 ‘{sheet}’ 시트 참조" in html
    in_sheet = [r[0] for r in _sheet_rows(xlsx, sheet)]
    assert len(in_sheet) == extra + size
    assert set(names) <= set(in_sheet)
    assert not any(str(v).startswith("기타 ") for v in in_sheet)


def test_others_row_sums_and_pools_the_rest_in_the_changes_table(built):
    folder = built[SIZES[0]][0]
    scope = office.prepare(YEAR, folder)
    table = office.changes(scope)
    frame = table.frame
    other = frame[(frame["unit"] == views.OTHERS).to_numpy(dtype=bool)].iloc[0]
    shown = set(frame.loc[np.asarray(table.page_rows, dtype=bool), "unit"])
    rest = frame[(~frame["unit"].isin(shown | {"office"})).to_numpy(dtype=bool)]
    base, this = [c for c in table.columns if c.startswith(("detail_budget_", "settled_budget_"))]
    assert int(other[base]) == sum(int(v) for v in rest[base])
    assert int(other[this]) == sum(int(v) for v in rest[this])
    change = sum(int(v) for v in rest["change"])
    assert other["change_rate"] == pytest.approx(change / sum(int(v) for v in rest[base]) * 100)


def test_plan_sections_name_the_largest_divisions_and_keep_every_section_in_the_sheet(built):
    folder, html_path, xlsx = built[SIZES[-1]]
    html = html_path.read_text(encoding="utf-8")
    ds = load.load_all(folder)
    sections = ds.tables["sections"]
    with_sections = sections["division"].nunique()
    sheet = _sheet_rows(xlsx, "주요업무 추진계획")
    assert len(sheet) == with_sections + len(sections)
    outline = next(t for t in re.findall(r'<table class="sc-outline".*?</table>', html, re.S)
                   if "주요업무 추진계획" in t)
    heads = re.findall(r'sc-lv0[^>]*>□ ([^<]*)<', outline)
    assert len(heads) == N + 1
    assert heads[-1].startswith(f"기타 {with_sections - N}개 부서: 사업 ")


# --------------------------------------------------------------------------- size

def test_page_does_not_grow_materially_with_the_organisation(built):
    small, large = (built[s][1].stat().st_size for s in SIZES)
    assert large / small <= 1.15, (small, large)


# --------------------------------------------------------------------------- the real data

@pytest.fixture(scope="module")
def real_office(tmp_path_factory):
    return _render(load.load_all().data_dir, tmp_path_factory.mktemp("real") / "out")


def test_real_office_report_folds_nothing(real_office):
    html = real_office[0].read_text(encoding="utf-8")
    assert "기타" not in html  # no 기타 line, bar or note
    assert "통합문서 ‘" not in html
    scope = office.prepare(YEAR)
    chart = office.divisions(scope)[1]
    names = [t.get_text() for t in chart.axes[0].get_yticklabels()]
    assert names == _division_names(scope.ds.data_dir)
