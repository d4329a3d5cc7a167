"""Every number of the two source documents, and where it is: in data/, and in the built reports.

:func:`seed_figures` extracts each number of the two seed documents with its line and context;
:data:`EXCEPTIONS` lists the kinds of number that are not figures (phone numbers, clock times,
article and section numbers), each with its reason. HTML markup of the source (``style="width:
100%"``, ``<sup>2</sup>``) is not text and is removed before numbers are read.
:func:`missing_from_data` lists the figures data/ does not hold; :func:`missing_from_reports`
lists those no built report (HTML or workbook) shows.

Both sides are tests: the data side reads data/, the report side builds every report once
(the session's ``built_reports``) and runs :func:`check_reports` on it. By hand::

    .venv/bin/python tests/test_figures.py reports/      # lists the figures no built report shows
"""
from __future__ import annotations

import csv
import html
import re
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from conftest import find_seeds  # noqa: E402

from seoulcomm import paths  # noqa: E402

SEEDS = ("000_a1ad29fe56867c6c.txt", "004_6b168251e7e9221a.txt")

#: (name, pattern on the source line, reason). A number inside a match is not a figure.
EXCEPTIONS = [
    ("phone", r"\b\d{4}-\d{4}\b", "전화번호: 사업 담당자 연락처(004 사업 담당자 표)"),
    ("clock", r"(?:오전|저녁|평일)\s?\d{1,2}시|\b\d{2}:\d{2}\b|⇒\s?\d{2}:\d{2}",
     "시각: 운영시간·개관시각(예: 오전 7시 ~ 저녁 10시, 09시 ⇒ 08:30)"),
    ("article", r"제\d+조", "법 조항 번호(「지방자치단체 출자·출연기관 운영에 관한 법률」 제7조)"),
    ("section", r"^\s*#*\s*(?:\d{1,2}|[Ⅰ-Ⅹ]+)(?:\.|\s|$)(?=\s*[가-힣]|\s*$)|^\s*#+\s*\d\s*$",
     "장·절 번호(# 1, ## 2 인 력, 3 사업 설명, 1. 시민과 함께하는 …; ①~⑥은 숫자로 세지 않음)"),
]

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")
_DATE_PATTERNS = [
    # '16.4.8 / '15.10.28 / '16. 3.23. / 2016. 4. 26 / 2009.02.13. → YYYY-MM-DD
    (re.compile(r"(?:'(\d{2})|(\d{4}))\.\s?(\d{1,2})\.\s?(\d{1,2})\b\.?"), "day"),
    # '16.5월 / '16. 4월 / 2016.01 / 2016-05 → YYYY-MM
    (re.compile(r"(?:'(\d{2})|(\d{4}))[.\-]\s?(\d{1,2})(?:\s?월|\b)"), "month"),
    (re.compile(r"(\d{4})-(\d{2})-(\d{2})"), "iso"),
]
_YEAR = re.compile(r"'(\d{2})(?=년|\s?[~→)]|\b)(?!\.)|\b(20\d{2})(?=년|\b)")
_SCALE = re.compile(r"(\d[\d,]*)\s?억\s?(\d[\d,]*)\s?백만원|(\d[\d,]*(?:\.\d+)?)\s?만\s?(?:명|부|회|원|돌파)?")


@dataclass(frozen=True)
class Figure:
    document: str
    line: int
    raw: str
    value: str        # normalised: '40828', '22.3', '2016-04-08', '2016-05'
    context: str


def _norm(number: str) -> str:
    text = number.replace(",", "")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return str(int(text)) if text.isdigit() else text


def tokens(text: str) -> list[tuple[str, str, int, int]]:
    """Numbers in ``text`` as (normalised, raw, start, end): dates as one token, 억/만 scaled."""
    out, taken = [], []

    def free(a, b):
        return all(b <= x or a >= y for x, y in taken)

    for m in _DATE_PATTERNS[2][0].finditer(text):
        out.append((f"{m[1]}-{m[2]}-{m[3]}", m[0], m.start(), m.end()))
        taken.append(m.span())
    for pattern, kind in _DATE_PATTERNS[:2]:
        for m in pattern.finditer(text):
            if not free(*m.span()):
                continue
            year = f"20{m[1]}" if m[1] else m[2]
            month = int(m[3])
            if not 1 <= month <= 12:
                continue
            if kind == "day":
                day = int(m[4])
                if not 1 <= day <= 31:
                    continue
                value = f"{year}-{month:02d}-{day:02d}"
            else:
                value = f"{year}-{month:02d}"
            out.append((value, m[0], m.start(), m.end()))
            taken.append(m.span())
    for m in _YEAR.finditer(text):  # '15년, 2014년 → the year
        if free(*m.span()):
            out.append((f"20{m[1]}" if m[1] else m[2], m[0], m.start(), m.end()))
            taken.append(m.span())
    for m in _SCALE.finditer(text):
        if not free(*m.span()):
            continue
        if m[1]:
            value = str(int(_norm(m[1])) * 100 + int(_norm(m[2])))
        else:
            value = _norm(str(round(float(m[3].replace(",", "")) * 10_000)))
        out.append((value, m[0], m.start(), m.end()))
        taken.append(m.span())
    for m in _NUMBER.finditer(text):
        if free(*m.span()):
            out.append((_norm(m[0]), m[0], m.start(), m.end()))
    return sorted(out, key=lambda t: t[2])


def _excepted(line: str) -> list[tuple[int, int, str]]:
    spans = []
    for name, pattern, _ in EXCEPTIONS:
        for m in re.finditer(pattern, line):
            spans.append((m.start(), m.end(), name))
    return spans


def seed_figures(seeds_dir: Path | None = None) -> tuple[list[Figure], list[tuple[Figure, str]]]:
    """(figures, excepted): every number of the two documents; excepted ones with the exception."""
    seeds_dir = seeds_dir or find_seeds()
    figures, excepted = [], []
    for name in SEEDS:
        for number, line in enumerate(Path(seeds_dir, name).read_text(encoding="utf-8").splitlines(), 1):
            spans = _excepted(line)
            clean = re.sub(r"<[^>]+>", lambda m: " " * len(m[0]), line)
            for value, raw, a, b in tokens(clean):
                fig = Figure(name, number, raw, value, line.strip()[:80])
                hit = next((n for x, y, n in spans if a < y and b > x), None)
                (excepted.append((fig, hit)) if hit else figures.append(fig))
    return figures, excepted


def data_values(data_dir: Path | None = None) -> set[str]:
    """Normalised numbers of every cell of data/ (the ``source`` citations excepted)."""
    folder = paths.data_dir(data_dir)
    found = set()
    for path in sorted(folder.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                for column, cell in row.items():
                    if column == "source" or not cell:
                        continue
                    found.update(t[0] for t in tokens(cell))
                    found.add(_norm(cell.strip().rstrip("%").lstrip("△-")) if _NUMBER.fullmatch(
                        cell.strip().rstrip("%").lstrip("△-")) else "")
    found.discard("")
    # a value in 천원 or 원 is also the same figure in the source's other units (418,000천원 = 418백만원)
    return found


def missing_from_data(data_dir: Path | None = None, seeds_dir: Path | None = None) -> list[Figure]:
    have = data_values(data_dir)
    figures, _ = seed_figures(seeds_dir)
    return [f for f in figures if f.value not in have]


def report_values(folder: Path, kinds=("html", "xlsx")) -> set[str]:
    """Normalised numbers of every built report's HTML text and workbook cells under ``folder``
    (``kinds``: which of the two to read)."""
    from openpyxl import load_workbook

    found = set()
    for path in (Path(folder).rglob("*.html") if "html" in kinds else []):
        text = re.sub(r"<(script|style)\b.*?</\1>", " ", path.read_text(encoding="utf-8"), flags=re.S)
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
        found.update(t[0] for t in tokens(text))
    for path in (Path(folder).rglob("*.xlsx") if "xlsx" in kinds else []):
        book = load_workbook(path, read_only=True, data_only=True)
        for sheet in book.worksheets:
            for row in sheet.iter_rows(values_only=True):
                for cell in row:
                    if cell is None:
                        continue
                    if isinstance(cell, (int, float)):
                        found.add(_norm(f"{cell:.10g}") if "e" not in f"{cell:.10g}" else str(cell))
                    else:
                        found.update(t[0] for t in tokens(str(cell)))
        book.close()
    return found


def missing_from_reports(folder: Path, seeds_dir: Path | None = None,
                         kinds=("html", "xlsx")) -> list[Figure]:
    """The source figures no report under ``folder`` shows (HTML text or workbook cells)."""
    have = report_values(folder, kinds)
    figures, _ = seed_figures(seeds_dir)
    return [f for f in figures if f.value not in have]


# --------------------------------------------------------------------------- tests

def test_every_exception_has_a_reason():
    assert all(reason for _, _, reason in EXCEPTIONS)


def test_extraction_finds_the_known_figures(seeds_dir):
    figures, excepted = seed_figures(seeds_dir)
    values = {f.value for f in figures}
    # 000 Ⅰ-3: 2016 예산편성액 : 408억 28백만원 → 40,828; 세부내역 ('16.4.8 기준) 42,170; 집행률 22.3
    assert {"40828", "42170", "22.3", "2016-04-08", "5551264"} <= values
    # 004 사업 담당자: 2133-6480 is a phone number, excepted
    assert any(f.raw == "2133" and why == "phone" for f, why in excepted)
    assert any(why == "article" for f, why in excepted)


def test_every_figure_of_the_sources_is_in_data(seeds_dir):
    missing = missing_from_data(seeds_dir=seeds_dir)
    listing = "\n".join(f"{f.document}:{f.line} {f.raw!r} ({f.value}) — {f.context}" for f in missing)
    assert not missing, f"{len(missing)} figures of the sources are not in data/:\n{listing}"


def check_reports(folder, kinds=("html", "xlsx"), seeds_dir: Path | None = None) -> None:
    """Raise AssertionError listing every source figure no report under ``folder`` shows
    (HTML text or workbook cells; ``kinds=("html",)``: the pages alone)::

        .venv/bin/python tests/test_figures.py reports/
    """
    missing = missing_from_reports(Path(folder), seeds_dir, kinds=kinds)
    listing = "\n".join(f"{f.document}:{f.line} {f.raw!r} ({f.value}) — {f.context}" for f in missing)
    assert not missing, f"{len(missing)} figures of the sources in no report:\n{listing}"


def test_every_figure_of_the_sources_is_in_a_report(built_reports, seeds_dir):
    # every report of the repository's data, built once per session (conftest.built_reports)
    check_reports(built_reports, seeds_dir=seeds_dir)


def test_every_figure_of_the_sources_is_on_a_page(built_reports, seeds_dir):
    # a reader with the HTML alone (no workbook) still finds every figure
    check_reports(built_reports, kinds=("html",), seeds_dir=seeds_dir)


if __name__ == "__main__":
    where = Path(sys.argv[1]) if len(sys.argv) > 1 else None
    gone = missing_from_reports(where) if where else missing_from_data()
    for f in gone:
        print(f"{f.document}:{f.line}\t{f.raw}\t{f.value}\t{f.context}")
    print(f"{len(gone)} missing", file=sys.stderr)
