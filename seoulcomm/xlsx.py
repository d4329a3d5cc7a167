"""Excel out: the reports' workbooks, and the pieces the data workbook shares with them.

:func:`write_xlsx` writes one sheet per table a report shows (title in A1, unit in A2,
column names in row 4, rows below) and a note sheet (:data:`NOTE_SHEET`) with each table's
source and as-of date. A table that carries its hierarchy (``outline``: the budget detail's
``line``, ``parent`` and ``level``) gets level and parent columns, Excel's outline grouping
(the +/− buttons), the name indented by depth, subtotal rows in bold and marked, and the unit
in the money columns' headers — so ``SUMIF`` over the level column counts each 원 once.

Text that starts with ``=`` stays text (no formula injection from data). Every file is
written to a temporary file beside it and renamed into place, and is reproducible: the
time in it (``docProps/core.xml`` created/modified, every zip entry's time) is the one the
caller gives (:mod:`seoulcomm.epoch`: from the data), never the clock.
"""
from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from pathlib import Path

from . import epoch
from .publish import write_atomic

#: Characters Excel refuses in a sheet name.
SHEET_BAD = re.compile(r"[\[\]:*?/\\]")
#: The sheet that lists each table's source and as-of date.
NOTE_SHEET = "자료 안내"
#: Headers of the hierarchy columns a detail sheet carries.
OUTLINE_HEADERS = ("행 번호", "상위 행", "수준", "소계 여부")
#: Korean names of the detail table's levels.
LEVEL_LABELS = {"office": "기획관", "office_part": "구분", "division": "부서", "policy": "정책사업",
                "program": "단위사업", "basic": "기본경비", "group": "그룹", "line": "산출 항목"}
#: Number formats: grouped integers, grouped with decimals.
INT_FORMAT = "#,##0"
DEC_FORMAT = "#,##0.0##"


def sheet_names(tables: list[dict]) -> list[str]:
    """A sheet name per table, as Excel accepts them: at most 31 characters, none of
    ``[]:*?/\\``, unique ignoring case."""
    names, seen = [], {NOTE_SHEET.lower()}
    for i, table in enumerate(tables, start=1):
        base = SHEET_BAD.sub("_", str(table.get("sheet") or table.get("title") or f"표{i}")).strip("'")
        base = base[:31] or f"표{i}"
        name, n = base, 2
        while name.lower() in seen:
            suffix = f"~{n}"
            name, n = base[: 31 - len(suffix)] + suffix, n + 1
        seen.add(name.lower())
        names.append(name)
    return names


def cell(ws, row: int, col: int, value):
    """Write ``value``; text stays text (a leading ``=`` is no formula)."""
    if isinstance(value, bool):
        value = str(value)
    c = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        c.data_type = "s"  # a data text, never a formula
    return c


def depths(lines: list, parents: list) -> list[int]:
    """Depth of each row in the tree ``parent → line`` (0 for a row without a parent here)."""
    parent_of = {ln: p for ln, p in zip(lines, parents) if ln is not None}
    out = []
    for ln in lines:
        depth, seen, p = 0, {ln}, parent_of.get(ln)
        while p is not None and p in parent_of and p not in seen:
            depth, seen, p = depth + 1, seen | {p}, parent_of.get(p)
        out.append(depth)
    return out


def style_outline(ws, first_row: int, depth: list[int], subtotal: list[bool], name_col: int) -> None:
    """Excel's outline grouping (rows under their subtotal), indentation and bold subtotals."""
    from openpyxl.styles import Alignment, Font

    bold = Font(bold=True)
    ws.sheet_properties.outlinePr.summaryBelow = False   # a subtotal sits above its rows
    for i, (d, sub) in enumerate(zip(depth, subtotal)):
        r = first_row + i
        if d:
            ws.row_dimensions[r].outline_level = min(d, 7)
        if name_col:
            ws.cell(row=r, column=name_col).alignment = Alignment(indent=d * 2)
        if sub:
            for c in ws[r]:
                c.font = bold


#: The document properties openpyxl stamps with its clock.
_CORE_TIMES = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def reproducible(data: bytes, when: datetime) -> bytes:
    """The xlsx (zip) ``data`` with every time in it set to ``when`` (naive UTC): the
    created/modified document properties and each zip entry's time. Entries keep their
    order, names, compression and attributes."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode("ascii")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            body = zin.read(info)
            if info.filename == "docProps/core.xml":
                body = _CORE_TIMES.sub(lambda m: m.group(1) + stamp + m.group(3), body)
            entry = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            entry.compress_type, entry.external_attr = info.compress_type, info.external_attr
            entry.create_system = info.create_system
            zout.writestr(entry, body)
    return out.getvalue()


def save(wb, path: Path, *, when: datetime | None = None) -> None:
    """Save ``wb`` to ``path`` atomically (:func:`seoulcomm.publish.write_atomic`), stamped
    with ``when`` (naive UTC; default :func:`seoulcomm.epoch.default_time`)."""
    # built in memory, then written: a write that fails (a full disk) fails there, once,
    # not again in a half-closed zip file's finaliser
    data = io.BytesIO()
    wb.save(data)
    write_atomic(path, reproducible(data.getvalue(), when or epoch.default_time()))


def _outline_columns(table: dict) -> tuple[list[str], list[list], list[int], list[bool]] | None:
    """The hierarchy columns of a table that carries ``outline``, with depth and subtotals."""
    outline = table.get("outline") or {}
    lines, parents, levels = outline.get("line"), outline.get("parent"), outline.get("level")
    rows = table.get("rows", [])
    if not lines or len(lines) != len(rows):
        return None
    parents = parents or [None] * len(lines)
    levels = levels or [None] * len(lines)
    depth = depths(lines, parents)
    has_children = {p for p in parents if p is not None}
    subtotal = [ln in has_children for ln in lines]
    marks = ["합계" if sub and d == 0 else "소계" if sub else "" for sub, d in zip(subtotal, depth)]
    extra = [[ln, p, LEVEL_LABELS.get(lv, lv), m]
             for ln, p, lv, m in zip(lines, parents, levels, marks)]
    return list(OUTLINE_HEADERS), extra, depth, subtotal


def write_xlsx(tables: list[dict], path: Path, *, when: datetime | None = None) -> None:
    """Write ``tables`` to ``path`` atomically, one sheet per table, and the note sheet;
    the file's times are ``when`` (see :func:`save`).

    Each sheet holds the table's title (A1), its unit (A2), the column names (row 4) and
    the rows below, numbers as numbers in the unit the HTML shows, grouped (``#,##0``).
    A table with ``outline`` (``{"line": [...], "parent": [...], "level": [...]}``, one per
    row) gets the hierarchy columns :data:`OUTLINE_HEADERS` after its own, Excel's row
    grouping, indentation by depth and bold subtotal rows. :data:`NOTE_SHEET` lists each
    sheet's title, unit, as-of date and source.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EDF1F7")
    if not tables:
        ws = wb.create_sheet("표 없음")
        ws["A1"] = "이 보고서에는 표가 없습니다."
    names = sheet_names(tables)
    for name, table in zip(names, tables, strict=True):
        ws = wb.create_sheet(name)
        cell(ws, 1, 1, table.get("title", name)).font = Font(bold=True, size=12)
        unit = table.get("unit")
        if unit:
            cell(ws, 2, 1, f"단위: {unit}")
        columns = list(table.get("columns", []))
        rows = [list(r) for r in table.get("rows", [])]
        outline = _outline_columns(table)
        if outline:
            numeric = [any(isinstance(r[j], (int, float)) and not isinstance(r[j], bool)
                           for r in rows if j < len(r)) for j in range(len(columns))]
            columns = [f"{c}({unit})" if num and unit and "(" not in str(c) else c
                       for c, num in zip(columns, numeric)]
            columns += outline[0]
            rows = [r + extra for r, extra in zip(rows, outline[1])]
        widths = [len(str(c)) for c in columns]
        for j, col in enumerate(columns, start=1):
            c = cell(ws, 4, j, col)
            c.font, c.fill = bold, fill
        for i, row in enumerate(rows, start=5):
            for j, value in enumerate(row, start=1):
                c = cell(ws, i, j, value)
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    c.number_format = INT_FORMAT if float(value).is_integer() else DEC_FORMAT
                if j <= len(widths):
                    widths[j - 1] = max(widths[j - 1], len(str(value)) if value is not None else 0)
        if outline:
            style_outline(ws, 5, outline[2], outline[3], name_col=1)
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, w * 1.6 + 2))
        ws.freeze_panes = "A5"
    if tables:
        _note_sheet(wb, names, tables)
    save(wb, path, when=when)


def _note_sheet(wb, names: list[str], tables: list[dict]) -> None:
    from openpyxl.styles import Font

    ws = wb.create_sheet(NOTE_SHEET)
    cell(ws, 1, 1, "표마다 자료(원문)와 기준일").font = Font(bold=True, size=12)
    cell(ws, 2, 1, "숫자는 보고서에 보인 단위 그대로입니다(1,234 자리 구분, 음수는 엑셀의 - 표기).")
    for j, head in enumerate(("시트", "제목", "단위", "기준일", "자료"), start=1):
        cell(ws, 4, j, head).font = Font(bold=True)
    for i, (name, table) in enumerate(zip(names, tables), start=5):
        for j, value in enumerate((name, table.get("title") or "", table.get("unit") or "",
                                   table.get("as_of") or "", table.get("source") or ""), start=1):
            cell(ws, i, j, str(value))
    for letter, width in zip("ABCDE", (24, 40, 10, 12, 80)):
        ws.column_dimensions[letter].width = width
