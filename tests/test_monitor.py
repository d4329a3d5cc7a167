"""The index's monitoring view and the 기획관 brief, as a reader meets them: real Chromium on the
session build (``built_reports``), ``file://``, the network blocked.

- a click on a column header sorts the divisions by it, a second click reverses them (every
  header); the office's 계 row stays first;
- the year selector shows the year picked and hides the others;
- without JavaScript every year's table reads, in the organisation's order; print hides the
  controls;
- no request leaves the machine, before or after the clicks;
- each year's brief prints on exactly one A4 page (``pdfinfo``), and its text is what the PDF says;
- every figure of the index and of the brief is the same figure in the unit's own report
  (both pages parsed).
"""
from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from seoulcomm import load_all, pdf
from test_browser import CHROMIUM, LAUNCH_ARGS, VIEWPORT, check_page, is_local

DATA_YEARS = sorted(load_all().years(), reverse=True)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium fonts-nanum")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield chromium
        chromium.close()


def _open(browser, page_file: Path, *, javascript: bool = True):
    """A page opened offline; returns ``(page, context, remote requests)``."""
    remote: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=javascript, locale="ko-KR")

    def route(r):
        if is_local(r.request.url):
            r.continue_()
        else:
            remote.append(r.request.url)
            r.abort("blockedbyclient")

    context.route("**/*", route)
    page = context.new_page()
    page.goto(Path(page_file).resolve().as_uri(), wait_until="load")
    return page, context, remote


_ROWS_JS = """
year => [...document.querySelectorAll(`.monitor-year[data-year="${year}"] tbody.units tr`)]
          .map(tr => [...tr.children].map(c => c.getAttribute('data-value')))
"""


def _names(rows) -> list[str]:
    return [r[0] for r in rows]


def _sorted_by(rows, column: int, kind: str, ascending: bool) -> list[str]:
    def key(row):
        value = row[column]
        if kind == "num":
            return (value == "", float(value) if value != "" else 0.0)
        return (False, value)
    present = [r for r in rows if r[column] != ""]
    absent = [r for r in rows if r[column] == ""]
    ordered = sorted(present, key=key, reverse=not ascending)
    return _names(ordered + absent)


def test_header_click_sorts_and_a_second_click_reverses(browser, built_reports):
    page, context, remote = _open(browser, built_reports / "index.html")
    try:
        year = DATA_YEARS[0]
        default = page.evaluate(_ROWS_JS, year)
        assert len(default) >= 2, "the view needs two divisions to show an order"
        headers = page.locator(f'.monitor-year[data-year="{year}"] thead th')
        kinds = [headers.nth(i).get_attribute("data-kind") for i in range(headers.count())]
        for column, kind in enumerate(kinds):
            before = page.evaluate(_ROWS_JS, year)  # ties keep the order they had (a stable sort)
            headers.nth(column).click()
            first = page.evaluate(_ROWS_JS, year)
            assert _names(first) == _sorted_by(before, column, kind, True), column
            assert headers.nth(column).get_attribute("aria-sort") == "ascending"
            headers.nth(column).click()
            second = page.evaluate(_ROWS_JS, year)
            assert _names(second) == _sorted_by(first, column, kind, False), column
            assert headers.nth(column).get_attribute("aria-sort") == "descending"
        # the office's 계 row stays above the divisions, whatever the order
        office = page.locator(f'.monitor-year[data-year="{year}"] tbody.total tr')
        assert office.count() == 1 and "계" in office.inner_text()
        # the 예산현액 click reorders the rows (not a no-op on rows already in order)
        headers.nth(1).click()
        ascending = _names(page.evaluate(_ROWS_JS, year))
        headers.nth(1).click()
        assert _names(page.evaluate(_ROWS_JS, year)) == ascending[::-1] != ascending
        assert remote == []
    finally:
        context.close()


def test_year_selector_shows_the_year_picked(browser, built_reports):
    if len(DATA_YEARS) < 2:
        pytest.fail("the data has one year: nothing to switch to")
    page, context, remote = _open(browser, built_reports / "index.html")
    try:
        visible = lambda y: page.locator(f'.monitor-year[data-year="{y}"]').is_visible()
        assert visible(DATA_YEARS[0]) and not any(visible(y) for y in DATA_YEARS[1:])
        for year in DATA_YEARS[1:] + DATA_YEARS[:1]:
            page.select_option("#year-select", str(year))
            assert visible(year)
            assert [y for y in DATA_YEARS if y != year and visible(y)] == []
        assert remote == []
    finally:
        context.close()


def test_without_javascript_every_year_reads_in_order(browser, built_reports):
    page, context, remote = _open(browser, built_reports / "index.html", javascript=False)
    try:
        for year in DATA_YEARS:
            assert page.locator(f'.monitor-year[data-year="{year}"]').is_visible()
        assert not page.locator(".monitor .controls").is_visible()
        # the organisation's order (organisation.csv), the office first
        ds = load_all()
        names = page.evaluate(_ROWS_JS, DATA_YEARS[0])
        from seoulcomm import labels

        wanted = [labels.names(ds)[u] for u in ds.divisions(DATA_YEARS[0])["unit"]]
        assert _names(names) == wanted
        assert remote == []
    finally:
        context.close()


def test_print_hides_the_controls(browser, built_reports):
    page, context, _ = _open(browser, built_reports / "index.html")
    try:
        assert page.locator(".monitor .controls").is_visible()
        page.emulate_media(media="print")
        assert not page.locator(".monitor .controls").is_visible()
        assert page.locator(".monitor-table").first.is_visible()
    finally:
        context.close()


@pytest.mark.parametrize("name", ["index", *[f"{y}/brief" for y in DATA_YEARS]])
def test_no_request_leaves_the_machine(browser, built_reports, name):
    check = check_page(browser, built_reports / f"{name}.html")
    assert check.problems() == []


@pytest.mark.parametrize("year", DATA_YEARS)
def test_brief_prints_on_one_a4_page(built_reports, tmp_path, year):
    out = pdf.print_pdf(built_reports / f"{year}/brief.html", tmp_path / "brief.pdf",
                        browser=str(CHROMIUM))
    info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, timeout=60).stdout
    assert re.search(r"^Pages:\s+1$", info, re.M), info
    size = re.search(r"^Page size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)
    assert size and abs(float(size[1]) - 595.3) < 2 and abs(float(size[2]) - 841.9) < 2  # A4
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True,
                          text=True, timeout=60).stdout
    assert f"{year}년" in text and "□" in text and "○" in text


# ------------------------------------------------------------------ the figures, parsed

class _Tables(HTMLParser):
    """Every table of a page: caption, header labels and rows of cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[dict] = []
        self.stack: list[dict] = []
        self.cell: list[str] | None = None
        self.where = ""
        self.row: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.stack.append({"caption": "", "headers": [], "rows": []})
        elif not self.stack:
            return
        elif tag == "caption":
            self.where = "caption"
        elif tag == "thead":
            self.where = "thead"
        elif tag == "tbody":
            self.where = "tbody"
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = []

    def handle_endtag(self, tag):
        if not self.stack:
            return
        if tag == "table":
            self.tables.append(self.stack.pop())
        elif tag == "caption":
            self.where = ""
        elif tag in ("td", "th") and self.cell is not None:
            text = re.sub(r"\s+", " ", "".join(self.cell)).strip()
            self.cell = None
            if self.where == "thead":
                self.stack[-1]["headers"].append(text)
            elif self.row is not None:
                self.row.append(text)
        elif tag == "tr" and self.row is not None:
            if self.where != "thead" and self.row:
                self.stack[-1]["rows"].append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.stack and self.where == "caption":
            self.stack[-1]["caption"] += data
        if self.cell is not None:
            self.cell.append(data)


def tables_of(page: Path) -> list[dict]:
    parser = _Tables()
    parser.feed(Path(page).read_text(encoding="utf-8"))
    return parser.tables


#: The labels a report's table gives each figure of the view (the first found is compared).
LABELS = {
    # a year the detail does not state: the division table's 예산(액), as the index then says
    "available": ("예산현액", "예산현액(세부내역)", "예산액", "예산"), "executed": ("집행액",),
    "execution_rate": ("집행률(%)",), "reference_rate": ("기준 집행률(%)",),
    "projected_rate": ("전망 집행률(%)",), "projected_unspent": ("전망 불용액", "연말 집행잔액(실적)", "연말 집행잔액"),
    "signal": ("신호",), "balance": ("집행잔액",),
}
def _in_report(tables: list[dict], row_names, key: str):
    """The text the report shows for ``key`` in a row named one of ``row_names``, or None."""
    row_names = [row_names] if isinstance(row_names, str) else list(row_names)
    for table in tables:
        for label in LABELS[key]:
            if label not in table["headers"]:
                continue
            column = table["headers"].index(label)
            for row in table["rows"]:
                if row and row[0] in row_names and column < len(row):
                    if key == "reference_rate":  # the index says which reference: 전년 24.7
                        return f"{row[table['headers'].index('기준')]} {row[column]}"
                    return row[column]
    return None


def _view(built_reports: Path) -> dict:
    """``{(year, unit name): {key: text}}`` of the index's monitoring rows."""
    from seoulcomm.index_page import COLUMNS

    html = (built_reports / "index.html").read_text(encoding="utf-8")
    found = {}
    for year in DATA_YEARS:
        block = html.split(f'<div class="monitor-year" data-year="{year}">', 1)[1].split("</table>", 1)[0]
        table = tables_of_text(block + "</table>")
        for row in table["rows"]:
            found[(year, row[0])] = {key: text for (key, _, _), text in zip(COLUMNS, row)}
    return found


def tables_of_text(html: str) -> dict:
    parser = _Tables()
    parser.feed(html)
    return parser.tables[0]


def _open_in(tables: list[dict]) -> int:
    """Open 원문 검증 items of a report: its 원문 검증 rows judged neither 일치 nor 반올림 차이."""
    for table in tables:
        if table["caption"].startswith("원문 검증") and "판정" in table["headers"]:
            column = table["headers"].index("판정")
            return sum(1 for r in table["rows"] if r[column] not in ("일치", "반올림 차이"))
    return 0


def _laggards_in(html: str) -> int:
    found = re.search(r"집행 부진 사업 (\d+)개", html)
    return int(found[1]) if found else 0


def test_every_figure_of_the_index_is_the_reports(built_reports):
    ds = load_all()
    from seoulcomm import labels

    names = labels.names(ds)
    view = _view(built_reports)
    missing = []
    for year in DATA_YEARS:
        office_tables = tables_of(built_reports / f"{year}/office.html")
        units = ["office"] + [str(u) for u in ds.divisions(year)["unit"]]
        total_laggards = 0
        for unit in units:
            shown = view[(year, f"계 ({names['office']})" if unit == "office" else names[unit])]
            own = built_reports / f"{year}/{unit}.html"
            own_tables = tables_of(own)
            for key in ("available", "executed", "execution_rate", "reference_rate", "projected_rate",
                        "projected_unspent", "signal"):
                # the office report sets the units side by side (its 연말 집행 전망 among them):
                # the office as 계 or by its name, each division by name
                office_names = ["계", names["office"]]
                found = _in_report(office_tables, office_names if unit == "office" else names[unit], key)
                if found is None and unit != "office":  # the division's own 연도별 table
                    found = _in_report(own_tables, str(year), key)
                if found is None:
                    missing.append((year, unit, key))
                    continue
                if key == "projected_rate" and shown[key] == "실적":
                    continue
                if key == "reference_rate":
                    shown_ref = shown["reference"]
                    if shown_ref:  # a settled year's row names no reference on the index
                        assert shown_ref == found, (year, unit, key, shown_ref, found)
                    continue
                assert shown[key] == found, (year, unit, key, shown[key], found)
            assert int(shown["open_checks"]) == _open_in(own_tables), (year, unit)
            if unit != "office":
                laggards = _laggards_in(own.read_text(encoding="utf-8"))
                assert int(shown["laggards"]) == laggards, (year, unit)
                total_laggards += laggards
        office = view[(year, f"계 ({names['office']})")]
        assert int(office["laggards"]) == total_laggards
    assert missing == []


class _Figures(HTMLParser):
    """The brief's marked figures: ``<b class="sc-num" data-key data-scope data-line>``."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.figures: list[dict] = []
        self.open: dict | None = None
        self.rule = ""

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr":  # sc-msg-<rule> (□) or sc-item-<rule> (○)
            found = re.search(r"sc-(msg|item)-(\w+)", attrs.get("class") or "")
            self.rule = f"{found[2]}/{found[1]}" if found else ""
        if tag == "b" and attrs.get("class") == "sc-num":
            self.open = {"key": attrs["data-key"], "scope": attrs["data-scope"],
                         "line": attrs.get("data-line"), "text": "", "rule": self.rule}

    def handle_endtag(self, tag):
        if tag == "b" and self.open is not None:
            self.figures.append(self.open)
            self.open = None

    def handle_data(self, data):
        if self.open is not None:
            self.open["text"] += data


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("△", "-"))


@pytest.mark.parametrize("year", DATA_YEARS)
def test_every_figure_of_the_brief_is_the_reports(built_reports, year):
    ds = load_all()
    from seoulcomm import labels

    names = labels.names(ds)
    parser = _Figures()
    parser.feed((built_reports / f"{year}/brief.html").read_text(encoding="utf-8"))
    figures = parser.figures
    assert len(figures) >= 3
    view = _view(built_reports)
    division_tables = {u: tables_of(built_reports / f"{year}/{u}.html")
                       for u in ds.divisions(year)["unit"].astype(str)}
    office_tables = tables_of(built_reports / f"{year}/office.html")
    for f in figures:
        unit, key, text = f["scope"], f["key"], f["text"]
        if f["line"]:  # a spending line: its division's report
            found = _in_report(division_tables[unit], f["line"], key) if key in LABELS else None
            assert found is not None, f
            assert text == found, f
        elif key in ("stated", "computed"):  # an open 원문 검증 item, as its report lists it
            tables = office_tables if unit == "office" else division_tables[unit]
            audit = [t for t in tables if t["caption"].startswith("원문 검증")][0]
            column = audit["headers"].index("원문" if key == "stated" else "다시 계산")
            assert text in [r[column] for r in audit["rows"]], f
        elif key in ("projected_unspent_top", "laggards_balance"):
            continue  # sums, checked below against the figures they add up
        else:  # a unit's figure: the index row (itself the reports', test above)
            row = view[(year, f"계 ({names['office']})" if unit == "office" else names[unit])]
            column = {"reference_gap": "reference_gap"}.get(key, key)
            if key == "reference_rate":
                assert row["reference"].endswith(" " + text), f
            else:
                assert row[column] == text, f
    # a total the brief states is the sum of the figures it totals (each rounded on its own)
    for total, rule in (("projected_unspent_top", "unspent"), ("laggards_balance", "laggards")):
        stated = [f for f in figures if f["key"] == total]
        if not stated or rule == "laggards":  # the 부진 total adds lines the brief does not list
            continue
        parts = [_number(f["text"]) for f in figures
                 if f["rule"] == f"{rule}/item" and f["key"] == "projected_unspent"]
        assert 1 <= len(parts) <= 3
        assert abs(sum(parts) - _number(stated[0]["text"])) <= len(parts) / 2
