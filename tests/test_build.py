"""seoulcomm build: parallel, incremental, failure-isolated, atomic, with an index.

The real notebooks are built once in parallel by the session fixture ``built_reports``
(conftest.py: ``seoulcomm build --out <tmp>``, a process pool of one warm kernel per core)
and once serially here (one kernel for all eleven reports); the two must agree byte for
byte, and with a report rendered alone on a fresh kernel. The incremental rules are tested
with the small stand-in notebooks of test_report.py, which read different data files.
"""
from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from seoulcomm import build, cli, params, paths, plan, report
from test_report import make_notebooks

ALL = sorted(r.name for r in params.reports())
OFF_MACHINE = re.compile(r"""(?:src|href|action|poster|data)\s*=\s*["']?\s*(?:[a-z][a-z0-9+.-]*:|//)""", re.I)
LOCAL_SCHEMES = ("data:",)


def html_files(out: Path) -> dict[str, bytes]:
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.html"))
            if p.name != build.INDEX_FILE}


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    out = tmp_path_factory.mktemp("serial") / "reports"
    summary = build.build(out_dir=out, jobs=1, progress="quiet")
    return out, summary


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory):
    return make_notebooks(tmp_path_factory.mktemp("stand-ins"))


@pytest.fixture
def copy_of(tmp_path):
    def copy(folder: Path) -> Path:
        target = tmp_path / "copy" / folder.name
        shutil.copytree(folder, target, ignore=shutil.ignore_patterns("screenshots"))
        return target
    return copy


# ------------------------------------------------------------------------- the full build

def test_parallel_build_renders_every_report(built_reports):
    log = (built_reports.parent / "build.log").read_text(encoding="utf-8")
    assert log.startswith("exit 0"), log[-2000:]
    assert sorted(html_files(built_reports)) == sorted(f"{n}.html" for n in ALL)
    for name in ALL:
        assert (built_reports / f"{name}.xlsx").is_file()
    assert f"보고서 {len(ALL)}개: 생성 {len(ALL)}, 건너뜀 0, 실패 0" in log


def test_serial_and_parallel_builds_give_the_same_html(serial, built_reports):
    out, summary = serial
    assert sorted(summary.built) == ALL and not summary.failed
    assert html_files(out) == html_files(built_reports)


def test_a_report_rendered_alone_on_a_fresh_kernel_is_the_same(tmp_path, built_reports):
    # in the batches, 2016/new-media ran after other reports on a reused kernel
    result = report.render("division", {"division": "new-media", "year": 2016}, tmp_path)
    assert result.ok, result.message
    assert (tmp_path / "2016/new-media.html").read_bytes() == \
        (built_reports / "2016/new-media.html").read_bytes()


def test_second_build_skips_everything_and_writes_no_report(copy_of, built_reports):
    out = copy_of(built_reports)
    before = {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in out.rglob("*.htm*")
              if p.name != build.INDEX_FILE}
    summary = build.build(out_dir=out, progress="quiet")
    assert summary.built == [] and sorted(summary.skipped) == ALL and summary.exit_code == 0
    assert {p: (p.stat().st_mtime_ns, p.read_bytes()) for p in before} == before


def test_cache_records_what_each_report_read(built_reports):
    cache = json.loads((built_reports / build.CACHE_FILE).read_text(encoding="utf-8"))
    assert sorted(cache["reports"]) == ALL
    for name, entry in cache["reports"].items():
        # the read log: the tables and the rows (by column values) the report used, and their digest
        tables = {e["table"] for e in entry["reads"]}
        assert {"budget_detail", "organisation", "documents"} <= tables, name
        assert all(set(e) in ({"table", "where"}, {"table", "where", "columns"}) for e in entry["reads"])
        assert entry["digest"]
        assert entry["headline"]["figures"]
    # a division report reads its own division's program lines, not another's
    reads = cache["reports"]["2016/city-brand"]["reads"]
    programs = [e["where"] for e in reads if e["table"] == "budget_detail" and "unit" in e["where"]]
    assert programs and all(w["unit"] == "city-brand" for w in programs)


def test_reports_cache_and_failed_notebooks_are_ignored_by_git():
    import subprocess

    for path in ("reports/.cache.json", "reports/2016/city-brand.failed.ipynb", "reports/index.html"):
        assert subprocess.run(["git", "check-ignore", "-q", path], cwd=paths.ROOT).returncode == 0, path


# ------------------------------------------------------------------------- what readers get

class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.text = [], []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)

    def handle_data(self, data):
        self.text.append(data)


def _parse(page: str) -> _Links:
    parser = _Links()
    parser.feed(page)
    return parser


def test_index_links_every_report_that_exists(built_reports):
    index = built_reports / build.INDEX_FILE
    links = {l for l in _parse(index.read_text(encoding="utf-8")).links}
    for name in ALL:
        assert f"{name}.html" in links and f"{name}.xlsx" in links
    for link in links:
        assert (built_reports / link).is_file(), link


def test_index_shows_headlines_as_of_dates_and_build_time(built_reports):
    page = (built_reports / build.INDEX_FILE).read_text(encoding="utf-8")
    text = " ".join(_parse(page).text)
    # 000_…txt 2016년 예산편성 세부내역 ('16.4.8 기준): 시민소통기획관 예산 합계 40,828, 도시브랜드담당관 2,960
    assert "40,828" in text and "2,960" in text
    # the as-of dates as Korean documents write them (2016. 4. 8.), and the data's table of them
    assert "2016. 4. 8." in text and "2015. 12. 31." in text
    assert "2016-04-08" not in text
    assert re.search(r"빌드 시각 \d{4}-\d\d-\d\d \d\d:\d\d", text)


def test_no_src_or_href_points_off_the_machine(built_reports):
    for path in sorted(built_reports.rglob("*.html")):
        page = path.read_text(encoding="utf-8")
        for match in OFF_MACHINE.finditer(page):
            assert match.group(0).split("=", 1)[1].strip(" \"'").startswith(LOCAL_SCHEMES), \
                f"{path.name}: {match.group(0)}"
        for link in _parse(page).links:
            assert not re.match(r"^([a-z][a-z0-9+.-]*:|//)", link, re.I) or link.startswith("data:"), link
        if path.name == build.INDEX_FILE:  # the monitoring view's own inline script, and only it
            page = _without_own_script(page)
        assert "<script" not in page.lower()
        assert not re.search(r"@import|url\(\s*['\"]?(?!data:)", page, re.I)


#: The index's inline script (templates/index.html.j2): sorts and picks a year, fetches nothing.
_OWN_SCRIPT = re.compile(r"<script>\n\(function \(\) \{\n  \"use strict\";\n  // the monitoring view.*?</script>", re.S)


def _without_own_script(page: str) -> str:
    """``page`` without the index's one inline script, which may load nothing."""
    found = _OWN_SCRIPT.findall(page)
    assert len(found) == 1, "index.html has exactly one script, its own"
    assert not re.search(r"src\s*=|https?:|fetch\(|XMLHttpRequest|WebSocket|sendBeacon|import\(|"
                         r"\.src\b|location\s*=", found[0])
    return _OWN_SCRIPT.sub("", page)


def _number_shown(value, text: str) -> bool:
    value = abs(value)
    if float(value).is_integer():
        return f"{int(value):,}" in text or str(int(value)) in text  # years are not grouped
    return any(f"{value:,.{d}f}" in text for d in (1, 2, 3))


def test_xlsx_opens_and_holds_the_same_numbers_as_the_html(built_reports):
    for name in ALL:
        text = html.unescape(" ".join(_parse(
            (built_reports / f"{name}.html").read_text(encoding="utf-8")).text))
        text = re.sub(r"\s+", " ", text)
        wb = load_workbook(built_reports / f"{name}.xlsx", read_only=True)
        assert wb.sheetnames, name
        numbers = 0
        for ws in wb.worksheets:
            if ws.title == "자료 안내":   # the note sheet: sources and as-of dates, no table
                continue
            header = next(ws.iter_rows(min_row=4, max_row=4, values_only=True), ())
            # the detail's hierarchy columns (line, parent, level) are the workbook's own
            own = [j for j, h in enumerate(header) if h in ("행 번호", "상위 행", "수준", "소계 여부")]
            for row in ws.iter_rows(min_row=5, values_only=True):
                row = [v for j, v in enumerate(row) if j not in own]
                for value in row:
                    if isinstance(value, (int, float)) and not isinstance(value, bool):
                        numbers += 1
                        assert _number_shown(value, text), f"{name} {ws.title}: {value} not in the HTML"
                    elif isinstance(value, str) and value.strip():
                        # spacing aside: the text is joined around inline markup (<b>22.3</b>%)
                        assert re.sub(r"\s+", "", value) in re.sub(r"\s+", "", text), \
                            f"{name} {ws.title}: {value!r}"
        assert numbers, name
        wb.close()


# ------------------------------------------------------------------------- failures

_BREAK = '''org = r.ds["organisation"].set_index("unit")
if str(org.at[division, "name_en"]).startswith("BROKEN"):
    raise ValueError(f"{division}: <b>망가진</b> 영문 이름 " + org.at[division, "name_en"])'''


def test_a_failing_report_leaves_the_others_built_and_its_last_good_html(
        tmp_path, copy_of, built_reports, data_copy):
    import nbformat

    out = copy_of(built_reports)
    before = {n: (out / f"{n}.html").read_bytes() for n in ("2015/city-brand", "2016/city-brand")}
    notebooks = tmp_path / "notebooks"
    shutil.copytree(paths.NOTEBOOKS_DIR, notebooks)
    nb = nbformat.read(notebooks / "division.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(_BREAK))
    nbformat.write(nb, notebooks / "division.ipynb")
    org = data_copy / "organisation.csv"
    org.write_text(org.read_text(encoding="utf-8").replace(
        "city-brand,division,도시브랜드담당관,City Brand Division",
        "city-brand,division,도시브랜드담당관,BROKEN <i>City</i> Brand"), encoding="utf-8")

    summary = build.build(data_copy, out, only=["*/city-brand", "2016/new-media"],
                          notebooks_dir=notebooks, progress="quiet")
    assert summary.exit_code == 1
    assert summary.built == ["2016/new-media"]
    assert sorted(f.name for f in summary.failed) == ["2015/city-brand", "2016/city-brand"]
    for failed in summary.failed:
        assert failed.error["ename"] == "ValueError"
        assert f"셀 {len(nb.cells) + 1}" in failed.message  # + papermill's injected parameters
        assert "<b>망가진</b> 영문 이름 BROKEN <i>City</i> Brand" in failed.message
        assert Path(failed.failed_notebook).is_file()
    for name, data in before.items():
        assert (out / f"{name}.html").read_bytes() == data
    index = (out / build.INDEX_FILE).read_text(encoding="utf-8")
    assert "&lt;b&gt;망가진&lt;/b&gt;" in index and "<b>망가진" not in index
    assert "이번 빌드 실패" in index
    links = _parse(index).links
    assert "2016/city-brand.html" in links and "2016/city-brand.failed.ipynb" in links
    # the failure stays in the index until the report builds again
    cache = json.loads((out / build.CACHE_FILE).read_text(encoding="utf-8"))
    assert set(cache["failures"]) == {"2015/city-brand", "2016/city-brand"}


# ------------------------------------------------------------------------- incremental

def _names(summary):
    return sorted(summary.built)


def test_changing_one_data_file_rebuilds_exactly_the_reports_that_read_it(
        tmp_path, stand_ins, data_copy):
    out = tmp_path / "out"
    first = build.build(data_copy, out, notebooks_dir=stand_ins, progress="quiet")
    assert _names(first) == ALL
    cache = json.loads((out / build.CACHE_FILE).read_text(encoding="utf-8"))

    def readers(table):
        return sorted(n for n, e in cache["reports"].items() if any(r["table"] == table for r in e["reads"]))

    def edit_first_row(file):  # the first data row's source text gains a word: one row changes
        path = data_copy / file
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        rows[1][-1] += " (수정)"
        text = io.StringIO()
        csv.writer(text, lineterminator="\n").writerows(rows)
        path.write_text(text.getvalue(), encoding="utf-8")

    # a blank line changes no row: nothing is rebuilt
    path = data_copy / "settlement.csv"
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert _names(build.build(data_copy, out, notebooks_dir=stand_ins, progress="quiet")) == []
    for file, table in [("settlement.csv", "settlement"), ("staffing.csv", "staffing")]:
        expected = readers(table)
        assert expected and len(expected) < len(ALL), table
        edit_first_row(file)
        again = build.build(data_copy, out, notebooks_dir=stand_ins, progress="quiet")
        assert _names(again) == expected, file
        assert sorted(again.skipped) == sorted(set(ALL) - set(expected))

    # the catalog names every table and unit a report prints: a change there rebuilds everything
    catalog = data_copy / "catalog.yaml"
    catalog.write_text(catalog.read_text(encoding="utf-8") + "\n# 시험\n", encoding="utf-8")
    assert _names(build.build(data_copy, out, notebooks_dir=stand_ins, progress="quiet")) == ALL


@pytest.mark.parametrize("file, where, column, expected", [
    # 000, 2016년 예산편성 세부내역 21행: 시민주도형 서울브랜드 확산 (도시브랜드담당관), 집행 68 → 69
    ("budget_detail.csv", {"unit": "city-brand", "level": "program", "year": "2016"}, "executed",
     ["2016/brief", "2016/city-brand", "2016/office"]),
    # 000, Ⅰ-2 인력 (2016. 4. 8.): 도시브랜드담당관의 한 직급 현원 + 1
    ("staffing.csv", {"unit": "city-brand"}, "current", ["2016/city-brand", "2016/office"]),
    # 000, Ⅰ-3 2015년도 예산 집행현황: 도시브랜드담당관 집행액 + 1 — its 2015 report, the 2015
    # office report, and the 2016 ones that show 2015 beside 2016 (연도별 표, 전년도 결산)
    # and both briefs (2016's projects the year on 2015's path: its 전년 reference)
    ("execution_division.csv", {"unit": "city-brand", "year": "2015"}, "executed",
     ["2015/brief", "2015/city-brand", "2015/office", "2016/brief", "2016/city-brand", "2016/office"]),
    # 000, Ⅲ-2-1 목적 (436행), a text of 도시브랜드담당관's section: its 2016 report shows it;
    # its 2015 report reads its sections' text to find none of 2015; the office reports read
    # only where the text is (the source column), not what it says
    ("section_text.csv", {"section": "2-1", "part": "목적"}, "text",
     ["2015/city-brand", "2016/city-brand"]),
])
def test_touching_one_divisions_rows_rebuilds_only_the_reports_that_show_them(
        tmp_path, data_copy, file, where, column, expected):
    # the real notebooks: each report's read log names the rows it used, and the cache hashes those
    out = tmp_path / "out"
    assert _names(build.build(data_copy, out, progress="quiet")) == ALL
    path = data_copy / file
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    head = rows[0]
    line = next(r for r in rows[1:] if all(r[head.index(k)] == v for k, v in where.items()))
    value = line[head.index(column)].replace(",", "")
    line[head.index(column)] = str(int(value) + 1) if value.isdigit() else value + " (고침)"
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8")
    again = build.build(data_copy, out, progress="quiet")
    assert _names(again) == expected
    assert sorted(again.skipped) == sorted(set(ALL) - set(expected))


def test_notebook_output_and_force_decide_what_rebuilds(tmp_path, stand_ins):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(stand_ins, notebooks)
    out = tmp_path / "out"
    build.build(out_dir=out, notebooks_dir=notebooks, progress="quiet")
    # a changed notebook rebuilds its reports only
    program = notebooks / "program.ipynb"
    program.write_text(program.read_text(encoding="utf-8").replace("설명", "설명 고침"), encoding="utf-8")
    assert _names(build.build(out_dir=out, notebooks_dir=notebooks, progress="quiet")) == \
        ["programs/social-media"]
    # a report removed or edited by hand is built again
    (out / "2016/office.html").unlink()
    (out / "2015/office.html").write_text("고친 파일", encoding="utf-8")
    (out / "2015/city-brand.xlsx").unlink()
    assert _names(build.build(out_dir=out, notebooks_dir=notebooks, progress="quiet")) == \
        ["2015/city-brand", "2015/office", "2016/office"]
    # --only builds what matches; --force rebuilds even what is up to date
    summary = build.build(out_dir=out, notebooks_dir=notebooks, only=["2016/*"], force=True,
                          progress="quiet")
    assert _names(summary) == [n for n in ALL if n.startswith("2016/")] and not summary.skipped
    # a corrupt cache only costs a rebuild
    (out / build.CACHE_FILE).write_text("{not json", encoding="utf-8")
    assert _names(build.build(out_dir=out, notebooks_dir=notebooks, jobs=1, progress="quiet")) == ALL


def test_data_text_is_escaped_in_the_index(tmp_path):
    notebooks = make_notebooks(tmp_path / "nb", title_prefix='<script>alert(1)</script>"><img src=x onerror=alert(2)>')
    out = tmp_path / "out"
    build.build(out_dir=out, notebooks_dir=notebooks, only=["programs/*"], progress="quiet")
    index = (out / build.INDEX_FILE).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in index
    assert "<script" not in _without_own_script(index) and "<img" not in index
    page = (out / "programs/social-media.html").read_text(encoding="utf-8")
    assert "<title>&lt;script&gt;" in page


# ------------------------------------------------------------------------- bad input, CLI

def _tree(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


@pytest.mark.parametrize("args, message", [
    (["--only", "../x"], "보고서 이름"),
    (["--only", "../../etc/passwd"], "보고서 이름"),
    (["--only", "/etc/*"], "보고서 이름"),
    (["--only", ""], "빈 값"),
    (["--only", "nosuch"], "맞는 보고서가 없습니다"),
    (["--only", "2016/city-brand", "--only", "2016/nosuch"], "맞는 보고서가 없습니다"),
])
def test_bad_only_exits_2_and_writes_nothing(tmp_path, capsys, args, message):
    before = _tree(tmp_path)
    code = cli.main(["build", "--out", str(tmp_path / "out"), *args])
    assert code == 2
    assert message in capsys.readouterr().err
    assert _tree(tmp_path) == before


def test_bad_data_or_options_exit_2_and_build_nothing(tmp_path, data_copy, capsys):
    (data_copy / "staffing.csv").write_text("unit,job_group\nx,y\n", encoding="utf-8")
    assert cli.main(["build", "--data", str(data_copy), "--out", str(tmp_path / "out")]) == 2
    assert "staffing.csv" in capsys.readouterr().err
    assert cli.main(["build", "--data", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out")]) == 2
    with pytest.raises(SystemExit) as caught:
        cli.main(["build", "--jobs", "0", "--out", str(tmp_path / "out")])
    assert caught.value.code == 2
    assert not (tmp_path / "out").exists()


def test_cli_prints_one_line_per_report_and_a_summary_when_not_a_tty(copy_of, built_reports, run_cli):
    out = copy_of(built_reports)
    code, stdout, stderr = run_cli("build", "--out", str(out))
    assert code == 0, stderr
    lines = stdout.splitlines()
    # 11 reports of divisions, the office and the program, and the two years' briefs
    assert sum(bool(re.match(r"\[\s*\d+/13\] 건너뜀 ", l)) for l in lines) == 13
    assert "보고서 13개: 생성 0, 건너뜀 13, 실패 0" in stdout
    assert f"목록: {out / build.INDEX_FILE}" in stdout


# ------------------------------------------------------------------------- Dask

def test_a_local_dask_cluster_builds_the_same_html(tmp_path, built_reports):
    distributed = pytest.importorskip("distributed")
    only = ["2016/office", "2016/new-media", "programs/social-media"]
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  dashboard_address=None) as cluster:
        summary = build.build(out_dir=tmp_path, only=only, scheduler=cluster.scheduler_address,
                              progress="quiet")
    assert sorted(summary.built) == sorted(only) and not summary.failed
    for name in only:
        assert (tmp_path / f"{name}.html").read_bytes() == (built_reports / f"{name}.html").read_bytes()


def test_progress_bar_on_a_terminal(copy_of, built_reports, capsys):
    out = copy_of(built_reports)
    summary = build.build(out_dir=out, progress="bar")
    assert summary.exit_code == 0
    err = capsys.readouterr().err
    assert f"{len(ALL)}/{len(ALL)}" in err and "보고서" in err


def test_reports_run_longest_first(dataset):
    # two workers end soonest when the long reports go first and the short ones fill the gaps
    reports = params.reports(ds=dataset)
    never = [r.name for r in plan.longest_first(reports, {})]
    # never built: the latest year first (a program counts as the latest year), plan order kept
    year = {r.name: int(r.parameters.get("year", 2016)) for r in reports}
    assert [year[n] for n in never] == sorted(year.values(), reverse=True)
    assert never[:2] == ["2016/office", "2016/citizen-communication"]
    assert never.index("programs/social-media") < never.index("2015/office")
    # built before: by their last build's seconds, the longest first; a report never built
    # (or with no usable record) before all of them
    entries = {r.name: {"seconds": float(i)} for i, r in enumerate(reports)}
    entries["2015/office"] = {"seconds": "slow"}
    del entries["2015/new-media"]
    order = [r.name for r in plan.longest_first(reports, entries)]
    assert order[:2] == ["2015/office", "2015/new-media"]
    timed = [entries[n]["seconds"] for n in order[2:]]
    assert timed == sorted(timed, reverse=True)
