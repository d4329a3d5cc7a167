"""Print and PDF: ``seoulcomm build --pdf`` prints each report to an A4 PDF with headless
Chromium (found on PATH) and links it from the index; the print CSS repeats table headers,
keeps captions and headings with what follows and never leaves the footer alone on a page.

Checked with poppler (pdfinfo, pdftotext) on the real 2016 reports, built once per session
(``built_reports``) and printed here, and on a synthetic long table rendered through the real
report template.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from seoulcomm import __version__, build, cli, params, paths, report
from seoulcomm.pdf import BROWSERS, find_browser, print_pdf
from test_browser import HEADLINES

REPORTS_2016 = sorted(r.name for r in params.reports() if r.name.startswith("2016/"))
#: Pages an A4 print of a 2016 report may take: 5 to 15 when this was written (a division's
#: budget, pace, outcomes, part III text, schedule, staffing and source check; 시민소통담당관,
#: with five part III sections, is the longest; the office adds every division).
PAGES = range(3, 19)


def pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_size(pdf: Path) -> str:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return re.search(r"^Page size:\s+(.*)$", info, re.M).group(1)


def page_text(pdf: Path, page: int | None = None) -> str:
    span = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *span, str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout


def without_footer(text: str) -> str:
    return "".join(l for l in text.splitlines() if f"seoulcomm {__version__}" not in l).strip()


@pytest.fixture(scope="module")
def printed(built_reports, tmp_path_factory):
    """The session's reports, copied, then ``seoulcomm build --pdf --only 2016/*``: the
    reports are up to date, so only their PDFs are made."""
    out = tmp_path_factory.mktemp("pdf") / "reports"
    shutil.copytree(built_reports, out, ignore=shutil.ignore_patterns("screenshots"))
    code, stdout, stderr = cli("build", "--out", str(out), "--only", "2016/*", "--pdf", timeout=900)
    assert code == 0, stdout + stderr
    return out


def cli(*args, timeout=120, env=None):
    from conftest import cli as run

    if env is None:
        return run(*args, timeout=timeout)
    proc = subprocess.run([sys.executable, "-m", "seoulcomm", *map(str, args)], capture_output=True,
                          text=True, encoding="utf-8", cwd=str(paths.ROOT), env=env, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("name", REPORTS_2016)
def test_each_2016_report_prints_to_an_a4_pdf_with_its_headline_figures(printed, name):
    pdf = printed / f"{name}.pdf"
    assert pdf.is_file()
    assert "(A4)" in page_size(pdf)
    count = pages(pdf)
    # the 기획관 brief is one A4 page by design (issue 24); the reports take PAGES
    assert count in (range(1, 2) if name.endswith("/brief") else PAGES), count
    text = page_text(pdf)
    expected = HEADLINES[name]
    assert expected["name"] in text
    for figure in expected["figures"]:
        options = figure if isinstance(figure, tuple) else (figure,)
        assert any(f in text for f in options), figure
    for page in range(1, count + 1):  # no empty page, no page holding only the footer
        assert len(re.sub(r"\s", "", without_footer(page_text(pdf, page)))) >= 20, page


def test_the_index_links_each_pdf_and_the_cache_records_it(printed):
    index = (printed / build.INDEX_FILE).read_text(encoding="utf-8")
    for name in REPORTS_2016:
        assert f'href="{name}.pdf"' in index
    assert 'href="2015/office.pdf"' not in index  # none made for what was not asked


def test_a_report_built_again_without_pdf_loses_its_stale_pdf(printed, tmp_path):
    out = tmp_path / "reports"
    shutil.copytree(printed, out)
    code, _, stderr = cli("build", "--out", str(out), "--only", "2016/new-media", "--force", timeout=600)
    assert code == 0, stderr
    assert not (out / "2016/new-media.pdf").exists()  # it showed the HTML it replaced
    assert (out / "2016/city-brand.pdf").exists()
    assert 'href="2016/new-media.pdf"' not in (out / build.INDEX_FILE).read_text(encoding="utf-8")


def test_without_chromium_pdf_exits_2_before_anything_is_written(tmp_path):
    env = {"PATH": str(Path(sys.executable).parent), "PYTHONIOENCODING": "utf-8",
           "HOME": os.environ.get("HOME", "/tmp")}
    assert not any(shutil.which(b, path=env["PATH"]) for b in BROWSERS)
    code, stdout, stderr = cli("build", "--out", str(tmp_path / "out"), "--pdf", env=env)
    assert code == 2
    assert "Chromium" in stderr and "chromium" in stderr and stderr.strip().count("\n") == 0
    assert not (tmp_path / "out").exists()


def test_long_tables_repeat_their_header_on_every_page(tmp_path):
    rows = "".join(f"<tr><th>항목 {i}</th><td>{i * 1000:,}</td></tr>" for i in range(1, 181))
    table = (f"<table><caption>긴 표의 제목</caption><thead><tr><th>머리칸가</th><th>머리칸나</th></tr>"
             f"</thead><tbody>{rows}</tbody></table>")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# 인쇄 시험\n\n## 긴 표"),
                nbformat.v4.new_code_cell("", outputs=[nbformat.v4.new_output(
                    "display_data", data={"text/html": table})]),
                nbformat.v4.new_markdown_cell("맺음 문단.")]
    html = tmp_path / "long.html"
    html.write_text(report.to_html(nb, title="인쇄 시험", xlsx="long.xlsx"), encoding="utf-8")
    pdf = print_pdf(html, tmp_path / "long.pdf", browser=find_browser())
    count = pages(pdf)
    assert count >= 3
    for page in range(1, count + 1):
        text = page_text(pdf, page)
        if "항목" in text:
            assert "머리칸가" in text and "머리칸나" in text, page  # the header on every page
        assert without_footer(text), page  # never the footer alone
    first = page_text(pdf, 1)
    assert "긴 표의 제목" in first and "항목 1 " in first  # caption with its table, heading with it
    assert "## 긴 표" not in first and "긴 표" in first
