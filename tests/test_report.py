"""report.render: one report → an offline HTML page and its xlsx, written atomically.

Most tests run small stand-in notebooks (written by :func:`make_notebooks`, the same
parameters and JSON outputs as the real ones, a fraction of their run time) on one shared
warm kernel; the real notebooks are rendered by the batch tests (test_build.py).
"""
from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from seoulcomm import UsageError, paths, report, xlsx
from seoulcomm.kernel import OnKernel, start_kernel, stop_kernel
from seoulcomm.report import HEADLINE_MIME, TABLE_MIME

KOREAN_FONTS = ("Malgun Gothic", "Apple SD Gothic Neo", "Noto Sans KR", "NanumGothic")

_PARAMETERS = {
    "division": 'division = "city-brand"\nyear = 2016\ndata_dir = None',
    "office": "year = 2016\ndata_dir = None",
    "program": 'program = "social-media"\ndata_dir = None',
    "brief": "year = 2016\ndata_dir = None",
}
#: What each stand-in notebook reads besides what params.check reads: the program one reads
#: settlement.csv, the division one staffing.csv, the office one neither.
_BODY = {
    "division": 'extra = ds["staffing"]\n'
                'org = ds["organisation"].set_index("unit")\n'
                'if str(org.at[division, "name_en"]).startswith("BROKEN"):\n'
                '    raise ValueError(f"{division}: name_en이 망가졌습니다")',
    "office": "extra = None",
    "program": 'extra = ds["settlement"]',
    "brief": "extra = None",
}
_TABLE = '''
frame = ds["budget_division"]
frame = frame[frame["unit"] != "office"][["year", "unit", "budget", "share_stated"]].copy()
frame["budget"] = frame["budget"] // 1_000_000
rows = [[int(y), u, int(b), float(s)] for y, u, b, s in frame.itertuples(index=False)]
rows.append(["=1+1", "<script>alert(1)</script>", None, -1.5])
display({"text/html": frame.to_html(index=False),
         TABLE: {"sheet": "부서별 예산", "title": "부서별 예산", "unit": "백만원",
                 "columns": ["연도", "부서", "예산", "비중"], "rows": rows}}, raw=True)
display({"text/html": "<p>두 번째 표</p>",
         TABLE: {"sheet": "부서별 예산", "title": "같은 이름의 두 번째 표", "unit": "%",
                 "columns": ["값"], "rows": [[1], [2.25]]}}, raw=True)
'''
_CHART = '''
import matplotlib.pyplot as plt
fig, ax = plt.subplots(figsize=(4, 2.5))
ax.bar([1, 2, 3], [3, 1, 2])
ax.set_ylabel("백만원")
plt.show()
import sys
print("분석가용 경고", file=sys.stderr)
'''
_HEADLINE = '''
title = {"division": lambda: f"{division} {year}", "office": lambda: f"office {year}",
         "program": lambda: program, "brief": lambda: f"brief {year}"}[KIND]()
display({"text/html": f"<p class='headline'>{title}</p>",
         HEADLINE: {"title": TITLE_PREFIX + title + " 보고서",
                    "figures": [{"label": "예산", "value": "2,960", "raw": 2960, "unit": "백만원"}],
                    "as_of": "2016-04-08", "sources": ["000_a1ad29fe56867c6c.txt"]}}, raw=True)
'''


def make_notebooks(folder: Path, *, headline: bool = True, title_prefix: str = "") -> Path:
    """Write stand-in ``division``, ``office``, ``program`` and ``brief`` notebooks into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for kind, parameters in _PARAMETERS.items():
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        cell = nbformat.v4.new_code_cell(parameters)
        cell.metadata["tags"] = ["parameters"]
        names = [line.split("=")[0].strip() for line in parameters.splitlines()]
        setup = (
            "from IPython.display import display\nfrom seoulcomm import load_all, params\n"
            f"KIND = {kind!r}\nTABLE = {TABLE_MIME!r}\nHEADLINE = {HEADLINE_MIME!r}\n"
            f"READS = {report.READS_MIME!r}\n"
            f"TITLE_PREFIX = {title_prefix!r}\n"
            "ds = load_all(data_dir)\n"
            f"params.check(KIND, dict({', '.join(f'{n}={n}' for n in names)}), ds)\n"
        )
        nb.cells = [nbformat.v4.new_markdown_cell(f"# {kind} 보고서\n\n설명 *문단*."), cell,
                    nbformat.v4.new_code_cell(setup), nbformat.v4.new_code_cell(_BODY[kind]),
                    nbformat.v4.new_code_cell(_TABLE), nbformat.v4.new_code_cell(_CHART)]
        if headline:
            nb.cells.append(nbformat.v4.new_code_cell(_HEADLINE))
        # the read log, as a report's footer emits it
        nb.cells.append(nbformat.v4.new_code_cell(
            'display({"text/plain": "", READS: {"reads": ds.reads}}, raw=True)'))
        nbformat.write(nb, folder / f"{kind}.ipynb")
    return folder


def notebook_with(folder: Path, kind: str, *sources: str) -> Path:
    """A folder with one notebook ``kind`` made of the code cells ``sources``."""
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    cell = nbformat.v4.new_code_cell(_PARAMETERS[kind])
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [cell] + [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, folder / f"{kind}.ipynb")
    return folder


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory) -> Path:
    return make_notebooks(tmp_path_factory.mktemp("notebooks"))


@pytest.fixture(scope="module")
def kernel():
    km = start_kernel(paths.DEFAULT_DATA_DIR)
    yield km
    stop_kernel(km)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, stand_ins, kernel):
    out = tmp_path_factory.mktemp("out")
    result = report.render("division", {"division": "city-brand", "year": 2016}, out,
                           execute=OnKernel(kernel), notebooks_dir=stand_ins)
    return out, result


def _head(page: str) -> str:
    return page[: page.index("</head>")]


def test_render_writes_html_and_xlsx_where_the_layout_says(rendered):
    out, result = rendered
    assert result.ok, result.message
    assert result.output == "2016/city-brand.html"
    assert Path(result.html) == out / "2016" / "city-brand.html"
    assert Path(result.xlsx) == out / "2016" / "city-brand.xlsx"
    assert result.headline["title"] == "city-brand 2016 보고서"
    assert result.tables == 2
    # nothing else in the folder: no temporary or executed notebook left behind
    assert sorted(p.name for p in (out / "2016").iterdir()) == ["city-brand.html", "city-brand.xlsx"]


def test_render_records_what_the_notebook_read(rendered):
    # the notebook's read log (application/vnd.seoulcomm.reads+json), not a patched loader
    _, result = rendered
    tables = {e["table"] for e in result.reads}
    assert "staffing" in tables and "settlement" not in tables
    assert all(set(e) == {"table", "where"} for e in result.reads)
    page = Path(result.html).read_text(encoding="utf-8")
    assert report.READS_MIME not in page


def test_html_is_lean_offline_and_titled(rendered):
    out, result = rendered
    page = Path(result.html).read_text(encoding="utf-8")
    assert "<title>city-brand 2016 보고서</title>" in page
    assert len(_head(page).encode()) < 20_000  # the lab template's head alone is ≈276 KB
    assert len(page.encode()) < 200_000
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:|//|ftp:)""", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:|//)", page, re.I)
    assert re.search(r'<img [^>]*src="data:image/png;base64,[A-Za-z0-9+/=]{100,}"', page)
    assert 'href="city-brand.xlsx"' in page
    assert 'href="../index.html"' in page


def test_html_hides_code_and_stderr_and_escapes_data_text(rendered):
    out, result = rendered
    page = Path(result.html).read_text(encoding="utf-8")
    assert "load_all" not in page and "params.check" not in page  # code hidden
    assert "분석가용 경고" not in page  # stderr is for the analyst, not the reader
    assert "In&nbsp;[" not in page and "Out[" not in page
    assert "설명 <em>문단</em>" in page  # markdown prose rendered
    # the notebook's last cell names the as-of dates and sources (content footer); the page
    # footer adds the version and the workbook beside it
    assert "seoulcomm" in page.split("<footer>")[1] and "city-brand.xlsx" in page.split("<footer>")[1]


def test_css_names_korean_fonts_and_prints_on_a4(rendered):
    _, result = rendered
    head = _head(Path(result.html).read_text(encoding="utf-8"))
    for family in KOREAN_FONTS:
        assert f'"{family}"' in head
    assert re.search(r"@page\s*\{[^}]*size:\s*A4", head)
    assert "@media print" in head


def test_xlsx_has_one_sheet_per_table_with_numbers_as_numbers(rendered):
    _, result = rendered
    wb = load_workbook(result.xlsx)
    # one sheet per table, then the note sheet (each table's source and as-of)
    assert wb.sheetnames == ["부서별 예산", "부서별 예산~2", xlsx.NOTE_SHEET]
    ws = wb["부서별 예산"]
    assert ws["A1"].value == "부서별 예산" and ws["A2"].value == "단위: 백만원"
    assert [c.value for c in ws[4]] == ["연도", "부서", "예산", "비중"]
    # 000_…txt Ⅰ-3 2016년 예산현황 <부서별>: 도시브랜드담당관 2,960 (백만원)
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=5)]
    assert [2016, "city-brand", 2960, 7.2] in rows
    formula_row = rows[-1]
    assert formula_row[0] == "=1+1" and ws.cell(row=4 + len(rows), column=1).data_type == "s"
    assert formula_row[1] == "<script>alert(1)</script>" and formula_row[3] == -1.5


def test_a_failed_run_keeps_the_last_good_report_and_the_executed_notebook(
        tmp_path, rendered, kernel, stand_ins):
    out, _ = rendered
    before = {p: p.read_bytes() for p in (out / "2016").iterdir()}
    broken = notebook_with(tmp_path / "broken", "division",
                           "x = 1", "raise RuntimeError('일부러 낸 오류 <b>')")
    result = report.render("division", {"division": "city-brand", "year": 2016}, out,
                           execute=OnKernel(kernel), notebooks_dir=broken)
    assert not result.ok and result.html is None
    assert result.error["cell"] == 4  # parameters, injected parameters, x = 1, the raise
    assert result.error["ename"] == "RuntimeError"
    assert "일부러 낸 오류" in result.error["evalue"]
    assert "셀 4" in result.message and "RuntimeError" in result.message
    failed = out / "2016" / "city-brand.failed.ipynb"
    assert result.failed_notebook == str(failed)
    nb = nbformat.read(failed, as_version=4)
    assert any(o.get("ename") == "RuntimeError" for c in nb.cells for o in c.get("outputs", []))
    for path, data in before.items():
        assert path.read_bytes() == data, f"{path.name} changed after a failed run"
    assert not [p for p in (out / "2016").iterdir() if p.name.startswith(".")]
    # the next good run replaces the report and clears the failure
    again = report.render("division", {"division": "city-brand", "year": 2016}, out,
                          execute=OnKernel(kernel), notebooks_dir=stand_ins)
    assert again.ok and not failed.exists()


def test_a_notebook_without_headline_fails(tmp_path, kernel):
    folder = make_notebooks(tmp_path / "nb", headline=False)
    result = report.render("office", {"year": 2016}, tmp_path / "out", execute=OnKernel(kernel),
                           notebooks_dir=folder)
    assert not result.ok and "headline" in result.message
    assert not (tmp_path / "out" / "2016" / "office.html").exists()


@pytest.mark.parametrize("parameters", [
    {"division": "../../x", "year": 2016}, {"division": "/etc", "year": 2016},
    {"division": "", "year": 2016}, {"division": "city-brand", "year": "../2016"},
    {"division": "city-brand", "year": 1999}, {"division": "nosuch", "year": 2016},
])
def test_bad_parameters_are_refused_before_anything_runs(tmp_path, parameters):
    with pytest.raises(UsageError, match="가능한 값: citizen-communication, city-brand|가능한 값: 2015, 2016"):
        report.render("division", parameters, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_kernel_reuse_starts_each_report_from_a_clean_namespace(tmp_path, kernel):
    polluter = notebook_with(
        tmp_path / "polluter", "office",
        "import os, warnings, matplotlib, pandas as pd, numpy as np\n"
        "LEAKED = 1\nmatplotlib.rcParams['figure.dpi'] = 17\n"
        "pd.set_option('display.max_rows', 3)\nnp.set_printoptions(precision=1)\n"
        "warnings.simplefilter('error')\nos.chdir('/')\n"
        "import matplotlib.pyplot as plt\nplt.figure()")
    checker = notebook_with(
        tmp_path / "checker", "office",
        "import os, warnings, matplotlib, pandas as pd, numpy as np\n"
        "import matplotlib.pyplot as plt\n"
        "assert 'LEAKED' not in globals()\n"
        "assert matplotlib.rcParams['figure.dpi'] != 17\n"
        "assert pd.get_option('display.max_rows') == 60\n"
        "assert np.get_printoptions()['precision'] == 8\n"
        "assert ('error', None, Warning, None, 0) not in warnings.filters\n"
        f"assert os.getcwd() == {str(paths.NOTEBOOKS_DIR)!r}, os.getcwd()\n"
        "assert plt.get_fignums() == []",
        "from IPython.display import display\n"
        f"display({{{HEADLINE_MIME!r}: {{'title': 't', 'figures': [], 'as_of': '', 'sources': []}}}}, raw=True)")
    first = report.render("office", {"year": 2016}, tmp_path / "out", execute=OnKernel(kernel), notebooks_dir=polluter)
    assert not first.ok and "headline" in first.message  # ran to the end; no headline
    second = report.render("office", {"year": 2016}, tmp_path / "out", execute=OnKernel(kernel), notebooks_dir=checker)
    assert second.ok, second.message


def test_write_xlsx_names_sheets_excel_accepts(tmp_path):
    tables = [{"sheet": "a/b:c*?[d]" + "x" * 40, "title": "t", "unit": "", "columns": ["c"], "rows": [[1]]},
              {"sheet": "A/B:C*?[D]" + "X" * 40, "title": "t", "unit": "", "columns": ["c"], "rows": [[True]]},
              {"title": "제목만", "columns": [], "rows": []}]
    path = tmp_path / "t.xlsx"
    report.write_xlsx(tables, path)
    names = load_workbook(path).sheetnames
    assert names[-1] == xlsx.NOTE_SHEET
    names = names[:-1]
    assert len(names) == 3 and len(set(n.lower() for n in names)) == 3
    assert all(len(n) <= 31 and not re.search(r"[\[\]:*?/\\]", n) for n in names)
    assert names[2] == "제목만"


def test_write_xlsx_writes_each_kind_of_cell_as_excel_reads_it(tmp_path):
    """The workbook is written as SpreadsheetML directly (xlsx._Book): every part is
    well-formed XML, and openpyxl reads back each kind of value, style and outline."""
    import zipfile
    import xml.dom.minidom

    from openpyxl.utils.exceptions import IllegalCharacterError

    rows = [["합계 <&> \"인용\"", 1234, 0.1 + 0.2, None, "", "  앞뒤 빈칸 ", "=HYPERLINK(1)", True],
            ["하위", -5, 7.25, 3, "x", "y", "z", False]]
    tables = [{"title": "표 <1>", "unit": "백만원", "columns": list("ABCDEFGH"), "rows": rows,
               "outline": {"line": [1, 2], "parent": [None, 1], "level": ["division", "program"]}}]
    path = tmp_path / "t.xlsx"
    xlsx.write_xlsx(tables, path)
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            xml.dom.minidom.parseString(z.read(name))  # raises on anything malformed
    wb = load_workbook(path)
    ws = wb[wb.sheetnames[0]]
    assert ws["A1"].value == "표 <1>" and ws["A1"].font.b and ws["A1"].font.sz == 12
    assert ws["A2"].value == "단위: 백만원" and ws.freeze_panes == "A5"
    head = [c.value for c in ws[4]]
    # money columns carry the unit; the hierarchy columns follow the table's own
    assert head[:3] == ["A", "B(백만원)", "C(백만원)"] and head[-4:] == list(xlsx.OUTLINE_HEADERS)
    assert all(c.font.b and c.fill.fgColor.rgb.endswith("EDF1F7") for c in ws[4])
    first = [c.value for c in ws[5]]
    assert first[:8] == ["합계 <&> \"인용\"", 1234, 0.3, None, None, "  앞뒤 빈칸 ", "=HYPERLINK(1)", "True"]
    assert ws["G5"].data_type == "s"                          # text, never a formula
    assert ws["B5"].number_format == "#,##0" and ws["C5"].number_format == "#,##0.0##"
    # the subtotal row: bold across, at the top level; its child one level down, indented
    assert all(c.font.b for c in ws[5]) and not ws["A6"].font.b
    assert ws.row_dimensions[5].outline_level == 0 and ws.row_dimensions[6].outline_level == 1
    assert ws["A6"].alignment.indent == 2 and ws.sheet_properties.outlinePr.summaryBelow is False
    assert [c.value for c in ws[6]][8:] == [2, 1, "단위사업", None]   # no 소계 mark: an empty text
    note = wb[xlsx.NOTE_SHEET]
    assert note["A5"].value == wb.sheetnames[0] and note["B5"].value == "표 <1>"
    with pytest.raises(IllegalCharacterError):  # as openpyxl refuses it
        xlsx.write_xlsx([{"title": "t", "columns": ["a"], "rows": [["\x01"]]}], tmp_path / "bad.xlsx")



def test_render_result_travels_as_plain_json(rendered):
    _, result = rendered
    assert json.loads(json.dumps(result.to_dict()))["headline"] == result.headline


class _Parsed(HTMLParser):
    """A page as the browser reads it: tags with their attributes, and text."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.items: list = []
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.items.append((tag, sorted((k, v or "") for k, v in attrs)))

    def handle_endtag(self, tag):
        if tag not in ("meta", "link", "img", "br", "hr", "col", "input"):  # void: ``<meta/>`` or not
            self.items.append(("/", tag))

    def handle_data(self, data):
        if data.strip():
            self.items.append(data.strip())


def test_the_page_reads_as_nbconverts_own_html_exporter_writes_it():
    """The export skips nbconvert's BeautifulSoup pass (alt texts and tab stops the report
    template does not need): the page has the same elements, attributes and text, and its
    Korean headings and apostrophes are written as themselves."""
    import base64

    from nbconvert import HTMLExporter

    from seoulcomm import plot
    from seoulcomm.display import Table
    import pandas as pd
    from matplotlib.figure import Figure

    table = Table(pd.DataFrame({"unit_name": ["'14년 대비 <증가>", "계 & 합"], "budget": [1_000_000, 2_000_000]}),
                  ["unit_name", "budget"], sheet="표", title="사업별 '예산'", unit="백만원", source="원문",
                  context="divisions")
    fig = Figure(figsize=(3, 2), layout="constrained")
    fig.add_subplot().bar([0, 1], [1, 2])
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## 1. 예산·집행 개요\n\n설명 <em>문단</em>, 'ㄱ' & \"ㄴ\""),
        nbformat.v4.new_code_cell("", outputs=[
            nbformat.v4.new_output("display_data", data={"text/html": table.to_html()}),
            nbformat.v4.new_output("display_data", data={"image/png": base64.b64encode(plot.png(fig)).decode()}),
        ])])
    page = report.to_html(nb, title="예행", xlsx="a.xlsx", index="../index.html")
    stock = HTMLExporter(template_name=report.TEMPLATE, extra_template_basedirs=[str(paths.TEMPLATES_DIR)],
                         exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    theirs, _ = stock.from_notebook_node(nb, resources={"seoulcomm": {
        "title": "예행", "xlsx": "a.xlsx", "index": "../index.html", "version": report.__version__,
        "as_of": None, "sources": []}})
    assert _Parsed(page).items == _Parsed(theirs).items
    assert ">1. 예산·집행 개요<" in page and "'14년 대비 &lt;증가&gt;" in page and "계 &amp; 합" in page
    assert not re.search(r"&#(x[0-9a-f]+|\d+);", page, re.I)
    assert all(' alt="' in img for img in re.findall(r"<img [^>]*>", page))
