"""The golden record: every report built from ``data/``, as sha256 and as readable text.

``tests/golden/reports.txt`` holds, per file of a full build (``seoulcomm build``), its
sha256 and a compact text rendering (an HTML report's text, line by line, table cells
between ``|``; a workbook's sheets, row by row), so that a change to any report shows in a
diff a reviewer can read. ``tests/test_golden.py`` builds the reports and compares.

Update it after a change that is *meant* to change reports (then read the diff)::

    make golden                      # = .venv/bin/python tests/golden.py

``index.html`` is the one file whose bytes depend on the build (the time it ran, how long it
took, each report's build time): it is recorded as text with those masked, without a hash.
``.cache.json`` and ``.lock`` are the build's own records, not reports.
"""
from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORD = Path(__file__).resolve().parent / "golden" / "reports.txt"
#: What a build writes that is a report (``.cache.json`` and ``.lock`` are the build's own
#: records; tests may add other files, e.g. the browser tests' ``screenshots/``).
REPORT_SUFFIXES = (".html", ".xlsx", ".pdf", ".ipynb")
NOT_REPORTS = ("screenshots/",)
#: The file whose bytes carry the build's own times.
INDEX = "index.html"
HEADER = (
    "# Golden record of every report built from data/ (tests/test_golden.py compares a fresh build).\n"
    "# Regenerate after a change meant to change reports: `make golden`; read the diff before committing.\n"
)

_BLOCK = {"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "li", "table", "section", "nav",
          "br", "caption", "figcaption", "figure", "header", "footer", "details", "summary", "dt",
          "dd", "ul", "ol", "pre", "main", "thead", "tbody", "blockquote", "hr", "title"}
_SKIP = {"style", "script"}
#: Times and durations in index.html that change with every build.
_BUILD_TIMES = [
    (re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?( KST)?"), "<시각>"),
    (re.compile(r"\d+(\.\d+)?\s*초"), "<초>"),
]


class _Text(HTMLParser):
    """HTML → lines of text: blocks on their own lines, table cells between ``|``, images
    by their alt text and the hash of their source."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.skip = 0

    def _end_line(self):
        text = re.sub(r"\s+", " ", "".join(self.line)).strip(" |")
        if text:
            self.lines.append(text)
        self.line = []

    def handle_starttag(self, tag, attrs):
        if tag in _SKIP:
            self.skip += 1
        elif tag in _BLOCK:
            self._end_line()
        elif tag in ("td", "th"):
            self.line.append(" | ")
        elif tag == "img":
            a = dict(attrs)
            digest = hashlib.sha256((a.get("src") or "").encode()).hexdigest()[:12]
            self.line.append(f" [그림 {a.get('alt') or ''} {digest}] ")

    def handle_endtag(self, tag):
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in _BLOCK:
            self._end_line()

    def handle_data(self, data):
        if not self.skip:
            self.line.append(data)

    def close(self):
        super().close()
        self._end_line()


def html_text(html: str) -> list[str]:
    """The readable lines of an HTML page."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser.lines


def workbook_text(path: Path) -> list[str]:
    """A workbook's sheets, each a ``[시트 name]`` line and its rows (cells between ``|``)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    lines = []
    for ws in wb.worksheets:
        lines.append(f"[시트 {ws.title}]" + (" (숨김)" if ws.sheet_state != "visible" else ""))
        for row in ws.iter_rows(values_only=True):
            cells = ["" if v is None else str(v) for v in row]
            while cells and cells[-1] == "":
                cells.pop()
            if cells:
                lines.append(" | ".join(cells))
    return lines


def record(out: Path) -> str:
    """The golden record of the output folder ``out``."""
    out = Path(out)
    parts = [HEADER]
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = path.relative_to(out).as_posix()
        if path.suffix not in REPORT_SUFFIXES or name.startswith(NOT_REPORTS):
            continue
        if name == INDEX:
            text = "\n".join(html_text(path.read_text(encoding="utf-8")))
            for pattern, mask in _BUILD_TIMES:
                text = pattern.sub(mask, text)
            parts.append(f"\n=== {name} (build times masked; no hash)\n{text}\n")
            continue
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if path.suffix == ".html":
            lines = html_text(path.read_text(encoding="utf-8"))
        elif path.suffix == ".xlsx":
            lines = workbook_text(path)
        else:
            lines = []
        body = "".join(f"  {line}\n" for line in lines)
        parts.append(f"\n=== {name} sha256={digest}\n{body}")
    return "".join(parts)


def build(out: Path) -> None:
    """``seoulcomm build --out out`` from the repository's ``data/`` (as ``make reports``)."""
    proc = subprocess.run([sys.executable, "-m", "seoulcomm", "build", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"seoulcomm build failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite tests/golden/reports.txt from a fresh build.")
    parser.add_argument("--from", dest="source", type=Path,
                        help="an output folder already built from data/ (default: build one now)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="seoulcomm-golden-") as tmp:
        out = args.source
        if out is None:
            out = Path(tmp) / "reports"
            build(out)
        RECORD.parent.mkdir(parents=True, exist_ok=True)
        RECORD.write_text(record(out), encoding="utf-8")
    print(f"{RECORD.relative_to(ROOT)} rewritten; read `git diff {RECORD.relative_to(ROOT)}` before committing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
