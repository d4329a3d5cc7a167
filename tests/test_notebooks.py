"""The three report notebooks: committed thin and clean, and, executed with papermill for
several parameter sets, their outputs hold the documents' headline figures, emit exactly one
headline and well-formed tables, escape data text, and show no missing-glyph warning.

Each parameter set is executed once per module (module-scoped fixtures); one of them runs
through the plain papermill command line, as an analyst would.
Expected values: ``000`` = 000_a1ad29fe56867c6c.txt (2016 주요업무 보고), ``004`` =
004_6b168251e7e9221a.txt (사업설명서).
"""
from __future__ import annotations

import ast
import builtins
import pkgutil
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

import seoulcomm
from seoulcomm import load_all, nbclean, params, paths
from seoulcomm.display import HEADLINE_MIME, READS_MIME, SHEET_MAX, TABLE_MIME

NOTEBOOKS = {"division": {"division": "new-media", "year": 2016, "data_dir": None},
             "office": {"year": 2016, "data_dir": None},
             "program": {"program": "social-media", "data_dir": None}}
SCRIPT = "<script>alert(1)</script>"
GLYPH = re.compile(r"Glyph|missing from font", re.I)


def read(kind: str):
    return nbformat.read(paths.notebook(kind), as_version=4)


def execute(kind: str, out: Path, **parameters):
    import papermill

    # every parameter given, as the build does: a default changed in JupyterLab changes no test
    return papermill.execute_notebook(
        str(paths.notebook(kind)), str(out), parameters={**NOTEBOOKS[kind], **parameters},
        kernel_name="python3",
        progress_bar=False, cwd=str(paths.NOTEBOOKS_DIR), request_save_on_cell_execute=False)


def outputs(nb, mimetype: str | None = None) -> list:
    found = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if mimetype is None:
                found.append(out)
            elif mimetype in out.get("data", {}):
                found.append(out["data"][mimetype])
    return found


def html_of(nb) -> str:
    return "\n".join(outputs(nb, "text/html"))


def headline(nb) -> dict:
    heads = outputs(nb, HEADLINE_MIME)
    assert len(heads) == 1, f"{len(heads)} headlines"
    return heads[0]


def figures(nb) -> dict:
    return {f["label"]: (f["value"], f["unit"]) for f in headline(nb)["figures"]}


# --------------------------------------------------------------------------- executed once each

@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("notebooks")


@pytest.fixture(scope="module")
def new_media_2016(run_dir):
    return execute("division", run_dir / "new-media-2016.ipynb")


@pytest.fixture(scope="module")
def city_brand_2015(run_dir):
    """Through the plain papermill CLI, as in the README."""
    out = run_dir / "city-brand-2015.ipynb"
    papermill = Path(sys.executable).with_name("papermill")
    proc = subprocess.run(
        [str(papermill), str(paths.notebook("division")), str(out), "-p", "division",
         "city-brand", "-p", "year", "2015", "--no-progress-bar"],
        capture_output=True, text=True, cwd=str(paths.ROOT), timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return nbformat.read(out, as_version=4)


@pytest.fixture(scope="module")
def civil_service_2016(run_dir):
    return execute("division", run_dir / "civil-service-2016.ipynb", division="civil-service",
                   year=2016)


@pytest.fixture(scope="module")
def office_2016(run_dir):
    return execute("office", run_dir / "office-2016.ipynb")


@pytest.fixture(scope="module")
def office_2015(run_dir):
    return execute("office", run_dir / "office-2015.ipynb", year=2015)


@pytest.fixture(scope="module")
def program_social_media(run_dir):
    return execute("program", run_dir / "program.ipynb")


@pytest.fixture(scope="module")
def script_data(tmp_path_factory):
    """A copy of data/ where a program's name holds a script tag."""
    folder = tmp_path_factory.mktemp("script") / "data"
    shutil.copytree(paths.DEFAULT_DATA_DIR, folder)
    detail = folder / "budget_detail.csv"
    text = detail.read_text(encoding="utf-8")
    name = "시민참여프로그램을 통한 시정공감대 확산"
    assert text.count(f",{name},") == 1
    detail.write_text(text.replace(f",{name},", f",{name}{SCRIPT},"), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def with_script(run_dir, script_data):
    return execute("division", run_dir / "script.ipynb", data_dir=str(script_data))


ALL_RUNS = ["new_media_2016", "city_brand_2015", "civil_service_2016", "office_2016",
            "office_2015", "program_social_media", "with_script"]


# --------------------------------------------------------------------------- committed form

@pytest.mark.parametrize("kind", NOTEBOOKS)
def test_committed_without_outputs(kind):
    # git stores what the clean filter makes of the file (.gitattributes; `make` installs the
    # filter), so outputs and execution counts an open JupyterLab autosaves never reach a commit
    attributes = (paths.ROOT / ".gitattributes").read_text(encoding="utf-8").split("\n")
    assert f"notebooks/*.ipynb filter={nbclean.FILTER_NAME}" in attributes
    committed = nbformat.reads(nbclean.clean_text(paths.notebook(kind).read_text(encoding="utf-8")),
                               as_version=4)
    for cell in committed.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


@pytest.mark.parametrize("kind", NOTEBOOKS)
def test_one_parameters_cell_whose_defaults_run(kind):
    nb = read(kind)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names: dict = {}
    exec(compile(tagged[0].source, "parameters", "exec"), {}, names)
    # the names are the notebook's interface; the defaults (which an analyst may change in
    # JupyterLab) need only name a report the data has
    assert sorted(names) == sorted(NOTEBOOKS[kind])
    params.check(kind, {k: v for k, v in names.items() if k != "data_dir"}, load_all())


@pytest.mark.parametrize("kind", NOTEBOOKS)
def test_thin_calls_into_seoulcomm_only(kind):
    nb = read(kind)
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    for source in code:
        tree = ast.parse(source)
        for node in ast.walk(tree):
            assert not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                         ast.Lambda, ast.For, ast.While)), ast.dump(node)[:80]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                assert module.split(".")[0] == "seoulcomm", module
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                assert "/" not in node.value and not node.value.endswith((".csv", ".yaml")), \
                    node.value
    joined = "\n".join(code)
    # one import of the report's module, under an alias no library module has; its prepare()
    # loads the data and checks the parameters
    # as the batch build does; one footer (written from the read log, no hand-kept list)
    imports = [n for s in code for n in ast.walk(ast.parse(s)) if isinstance(n, (ast.Import, ast.ImportFrom))]
    assert len(imports) == 1 and imports[0].module == "seoulcomm.content"
    library = {m.name for m in pkgutil.iter_modules(seoulcomm.__path__)} | {"seoulcomm"}
    assert all((a.asname or a.name) not in library for a in imports[0].names)
    assert not any(isinstance(n, ast.Name) and n.id in dir(builtins) and isinstance(n.ctx, ast.Store)
                   for s in code for n in ast.walk(ast.parse(s)))
    assert joined.count("page.prepare(") == 1 and joined.count("page.footer(") == 1
    assert "data_dir" in joined.split("page.prepare(")[1].split(")")[0]


# --------------------------------------------------------------------------- executed reports

@pytest.mark.parametrize("run", ALL_RUNS)
def test_no_errors_no_stderr_no_missing_glyphs(run, request):
    nb = request.getfixturevalue(run)
    for out in outputs(nb):
        assert out["output_type"] != "error", out.get("evalue")
        if out["output_type"] == "stream" and out["name"] == "stderr":
            assert not GLYPH.search(out["text"]), out["text"]
            pytest.fail(f"stderr output: {out['text'][:500]}")


@pytest.mark.parametrize("run", ALL_RUNS)
def test_one_headline_and_well_formed_tables(run, request):
    nb = request.getfixturevalue(run)
    head = headline(nb)
    assert head["title"] and head["figures"] and head["sources"]
    tables = outputs(nb, TABLE_MIME)
    assert tables
    sheets = [t["sheet"] for t in tables]
    assert len(set(sheets)) == len(sheets) and all(len(s) <= SHEET_MAX for s in sheets)
    for table in tables:
        assert set(table) >= {"sheet", "title", "unit", "columns", "rows"}
        assert all(len(row) == len(table["columns"]) for row in table["rows"])
        assert all(isinstance(v, (int, float, str)) or v is None
                   for row in table["rows"] for v in row)
    assert len(outputs(nb, "image/png")) >= 1
    # one read log, from the footer; every entry names a table of the data
    logs = outputs(nb, READS_MIME)
    assert len(logs) == 1 and logs[0]["reads"]
    # (a read of one column, such as the dates a year has, names it: "columns")
    assert all(set(e) in ({"table", "where"}, {"table", "where", "columns"}) for e in logs[0]["reads"])


def test_division_new_media_2016(new_media_2016):
    # 000, 2016년 예산편성 세부내역 ('16.4.8 기준): 뉴미디어담당관 4,331 / 1,218 / 28.1
    nb = new_media_2016
    assert headline(nb)["as_of"] == "2016-04-08"
    assert headline(nb)["title"] == "뉴미디어담당관 2016년 예산·집행·성과"
    got = figures(nb)
    assert got["예산"] == ("4,331", "백만원") and got["집행률"] == ("28.1", "%")
    html = html_of(nb)
    for text in ("4,331", "1,218", "28.1", "집행 부진 사업", "직급별 정원·현원", "2016년 추진일정",
                 "원문 검증", "소셜미디어를 통한 시민과의 소통활성화"):
        assert text in html, text
    assert len(outputs(nb, "image/png")) == 3  # overview, pace, timeline


def test_division_city_brand_2015_says_what_it_lacks(city_brand_2015):
    # 000, 2015년도 예산 집행현황 (2015. 12. 31 기준): 도시브랜드담당관 1,414 / 1,392 / 98.4%
    nb = city_brand_2015
    got = figures(nb)
    assert got["예산"] == ("1,414", "백만원") and got["집행률"] == ("98.4", "%")
    assert headline(nb)["as_of"] == "2015-12-31"
    html = html_of(nb)
    assert "2015년 사업별 예산편성 세부내역 없음" in html
    assert "2015년 인력 자료 없음" in html
    assert "98.4" in html and "1,392" in html


def test_division_civil_service_2016(civil_service_2016):
    # 000: 시민봉사담당관 세부내역 21,339, 120다산콜센터 운영 14.7%; <부서별> 21,338 (검증)
    nb = civil_service_2016
    assert figures(nb)["예산"] == ("21,339", "백만원")
    html = html_of(nb)
    assert "120다산콜센터 운영" in html and "14.7" in html and "21,338" in html
    assert "재단출범" in html  # '17. 1월, the end of the 2016 plan


def test_office_2016(office_2016):
    # 000: 2016 예산 40,828 (시민봉사 52.3%), 전년 대비 4,456, 집행률 22.3% ('16.4.8)
    nb = office_2016
    got = figures(nb)
    assert got["예산"] == ("40,828", "백만원") and got["집행률"] == ("22.3", "%")
    assert got["전년 대비"] == ("4,456", "백만원")
    html = html_of(nb)
    for text in ("52.3", "△7", "△1.1", "120다산콜센터 운영", "16,866", "92.6"):
        assert text in html, text


def test_office_2015(office_2015):
    # 000, 2015년도 예산 집행현황: 계 36,372 / 33,692 / 92.6%
    got = figures(office_2015)
    assert got["예산"] == ("36,372", "백만원") and got["집행률"] == ("92.6", "%")
    assert headline(office_2015)["as_of"] == "2015-12-31"


def test_program_social_media(program_social_media):
    # 004: 2016 예산 418,000천원, 증감 256,400; 결산 2014 93.6%; 000: 집행률 31.8% ('16.4.8)
    nb = program_social_media
    got = figures(nb)
    assert got["2016년 예산"] == ("418,000", "천원") and got["2016년 집행률"] == ("31.8", "%")
    html = html_of(nb)
    for text in ("150,000", "75,000", "543,923", "95,286", "17.5", "서울마니아 이용자 수",
                 "기본계획 수립", "38,795"):
        assert text in html, text


def test_data_text_is_escaped_in_the_output_html(with_script):
    html = html_of(with_script)
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter(exclude_input=True).from_notebook_node(with_script)
    assert SCRIPT not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unknown_division_stops_at_once_listing_the_valid_ones(run_dir):
    from papermill.exceptions import PapermillExecutionError

    with pytest.raises(PapermillExecutionError) as info:
        execute("division", run_dir / "bad.ipynb", division="../../x", year=2016)
    message = str(info.value)
    assert "UsageError" in message
    for valid in ("citizen-communication", "city-brand", "civil-service", "new-media"):
        assert valid in message
