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

A report's workbook is written as SpreadsheetML directly (:class:`_Book`); the data workbook
(:mod:`seoulcomm.workbook`, which is also read back by ``import``) goes through openpyxl with
:func:`cell`, :func:`style_outline` and :func:`save`.
"""
from __future__ import annotations

import io
import math
import numbers
import re
import zipfile
from datetime import datetime
from functools import partial
from pathlib import Path
from xml.sax.saxutils import escape

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
    the file's times are ``when`` (naive UTC; default :func:`seoulcomm.epoch.default_time`).

    Each sheet holds the table's title (A1), its unit (A2), the column names (row 4) and
    the rows below, numbers as numbers in the unit the HTML shows, grouped (``#,##0``).
    A table with ``outline`` (``{"line": [...], "parent": [...], "level": [...]}``, one per
    row) gets the hierarchy columns :data:`OUTLINE_HEADERS` after its own, Excel's row
    grouping, indentation by depth and bold subtotal rows. :data:`NOTE_SHEET` lists each
    sheet's title, unit, as-of date and source.

    The file is written as SpreadsheetML directly (:class:`_Book`), not through openpyxl's
    object model: a report's workbook cost ≈ 40 ms there, most of it building and
    serialising a cell object per value, then zipping the file twice (openpyxl's clock
    replaced by ``when``). The cells, styles, outline and panes are those the openpyxl
    version wrote; tests read them back with openpyxl.
    """
    book = _Book()
    if not tables:
        book.sheet("표 없음").put(1, 1, "이 보고서에는 표가 없습니다.")
    names = sheet_names(tables)
    for name, table in zip(names, tables, strict=True):
        ws = book.sheet(name)
        ws.put(1, 1, table.get("title", name), _TITLE)
        unit = table.get("unit")
        if unit:
            ws.put(2, 1, f"단위: {unit}")
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
            ws.put(4, j, col, _HEADER)
        for i, row in enumerate(rows, start=5):
            for j, value in enumerate(row, start=1):
                style = _PLAIN
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    style = _INT if float(value).is_integer() else _DEC
                ws.put(i, j, value, style)
                if j <= len(widths):
                    widths[j - 1] = max(widths[j - 1], len(str(value)) if value is not None else 0)
        if outline:
            ws.outline(5, outline[2], outline[3], name_col=1)
        ws.widths = [min(60, max(8, w * 1.6 + 2)) for w in widths]
        ws.frozen = True
    if tables:
        note = book.sheet(NOTE_SHEET)
        note.put(1, 1, "표마다 자료(원문)와 기준일", _TITLE)
        note.put(2, 1, "숫자는 보고서에 보인 단위 그대로입니다(1,234 자리 구분, 음수는 엑셀의 - 표기).")
        for j, head in enumerate(("시트", "제목", "단위", "기준일", "자료"), start=1):
            note.put(4, j, head, _BOLD)
        for i, (name, table) in enumerate(zip(names, tables), start=5):
            for j, value in enumerate((name, table.get("title") or "", table.get("unit") or "",
                                       table.get("as_of") or "", table.get("source") or ""), start=1):
                note.put(i, j, str(value))
        note.widths = [24, 40, 10, 12, 80]
    write_atomic(path, book.data(when or epoch.default_time()))


# --------------------------------------------------------------------------- the writer

#: A cell's style: (bold, font size or None, header fill, number format or None, indent).
_PLAIN = (False, None, False, None, 0)
_TITLE = (True, 12, False, None, 0)
_HEADER = (True, None, True, None, 0)
_BOLD = (True, None, False, None, 0)
_INT = (False, None, False, INT_FORMAT, 0)
_DEC = (False, None, False, DEC_FORMAT, 0)
#: Excel's built-in number formats used here (others get ids from 164 on).
_BUILTIN_FORMATS = {INT_FORMAT: 3}
_HEADER_FILL = "FFEDF1F7"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_SHEET_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"


#: Text for an XML element or a double-quoted attribute.
_escape = partial(escape, entities={'"': "&quot;"})
#: Control characters XML 1.0 cannot hold (openpyxl's ``ILLEGAL_CHARACTERS_RE``).
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def _number(value) -> str:
    """A number as openpyxl writes it (``%.16g``; NaN and infinities: no value)."""
    if not isinstance(value, numbers.Real) or math.isnan(value) or math.isinf(value):
        return ""
    return "%.16g" % value


def _column(j: int) -> str:
    """``1`` → ``A``, ``27`` → ``AA``."""
    letters = ""
    while j:
        j, rest = divmod(j - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


class _Sheet:
    """One worksheet's cells (row → column → (value, style)), row outline levels, column
    widths and whether rows 1–4 are frozen."""

    def __init__(self, name: str):
        self.name, self.cells, self.levels = name, {}, {}
        self.widths: list[float] = []
        self.frozen = False
        self.max_col = 0

    def put(self, row: int, col: int, value, style=_PLAIN) -> None:
        """Write ``value`` (text stays text: a leading ``=`` is no formula; ``True`` is the
        text ``True``) with ``style``. A text with characters XML cannot hold is refused
        as openpyxl refuses it."""
        if isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and _ILLEGAL.search(value):
            from openpyxl.utils.exceptions import IllegalCharacterError

            raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
        self.cells.setdefault(row, {})[col] = (value, style)
        self.max_col = max(self.max_col, col)

    def outline(self, first_row: int, depth: list[int], subtotal: list[bool], name_col: int) -> None:
        """Excel's outline grouping (rows under their subtotal, levels up to 7), the name
        indented by depth, subtotal rows in bold (every column up to the sheet's last)."""
        for i, (d, sub) in enumerate(zip(depth, subtotal)):
            r = first_row + i
            cells = self.cells.setdefault(r, {})
            if d:
                self.levels[r] = min(d, 7)
            if name_col:
                value, style = cells.get(name_col, (None, _PLAIN))
                cells[name_col] = (value, style[:4] + (d * 2,))
            if sub:
                for c in range(1, self.max_col + 1):
                    value, style = cells.get(c, (None, _PLAIN))
                    cells[c] = (value, (True, None) + style[2:])

    def xml(self, style_id) -> str:
        parts = [f'<worksheet xmlns="{_MAIN}">']
        if self.levels:
            parts.append('<sheetPr><outlinePr summaryBelow="0" summaryRight="1"/></sheetPr>')
        last_row = max(self.cells, default=1)
        parts.append(f'<dimension ref="A1:{_column(max(self.max_col, 1))}{last_row}"/>')
        parts.append('<sheetViews><sheetView workbookViewId="0">')
        if self.frozen:
            parts.append('<pane ySplit="4" topLeftCell="A5" activePane="bottomLeft" state="frozen"/>'
                         '<selection pane="bottomLeft" activeCell="A1" sqref="A1"/>')
        else:
            parts.append('<selection activeCell="A1" sqref="A1"/>')
        parts.append('</sheetView></sheetViews>')
        level = max(self.levels.values(), default=0)
        parts.append('<sheetFormatPr baseColWidth="8" defaultRowHeight="15"'
                     + (f' outlineLevelRow="{level}"' if level else "") + '/>')
        if self.widths:
            parts.append("<cols>" + "".join(
                f'<col min="{j}" max="{j}" width="{_number(w)}" customWidth="1"/>'
                for j, w in enumerate(self.widths, start=1)) + "</cols>")
        parts.append("<sheetData>")
        for r in sorted(self.cells):
            level = self.levels.get(r)
            row = [f'<row r="{r}"' + (f' outlineLevel="{level}"' if level else "") + ">"]
            for c in sorted(self.cells[r]):
                value, style = self.cells[r][c]
                s = style_id(style)
                attrs = f'r="{_column(c)}{r}"' + (f' s="{s}"' if s else "")
                if isinstance(value, str) and value != "":
                    space = ' xml:space="preserve"' if value != value.strip() else ""
                    row.append(f'<c {attrs} t="inlineStr"><is><t{space}>{_escape(value)}</t></is></c>')
                elif _number(value) != "":
                    row.append(f'<c {attrs} t="n"><v>{_number(value)}</v></c>')
                elif value == "":  # an empty text: a text cell without a value
                    row.append(f'<c {attrs} t="inlineStr"/>')
                elif s:  # a styled cell without a value (a subtotal row's empty cell)
                    row.append(f'<c {attrs}/>')
            row.append("</row>")
            parts.append("".join(row) if len(row) > 2 or level else "")
        parts.append("</sheetData>")
        parts.append('<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>')
        parts.append("</worksheet>")
        return "".join(parts)


class _Book:
    """A workbook of :class:`_Sheet` s, written as one xlsx (zip) in memory."""

    def __init__(self):
        self.sheets: list[_Sheet] = []
        self.styles: dict = {_PLAIN: 0}

    def sheet(self, name: str) -> _Sheet:
        self.sheets.append(_Sheet(name))
        return self.sheets[-1]

    def style_id(self, style) -> int:
        return self.styles.setdefault(style, len(self.styles))

    def _styles_xml(self) -> str:
        fonts = {(False, None): 0}
        formats = {}
        xfs = []
        for (bold, size, fill, fmt, indent) in self.styles:  # in the order of their ids
            font = fonts.setdefault((bold, size), len(fonts))
            if fmt is None:
                num = 0
            else:
                num = _BUILTIN_FORMATS.get(fmt) or formats.setdefault(fmt, 164 + len(formats))
            attrs = (f'numFmtId="{num}" fontId="{font}" fillId="{2 if fill else 0}" borderId="0" xfId="0"'
                     + (' applyNumberFormat="1"' if num else "") + (' applyFont="1"' if font else "")
                     + (' applyFill="1"' if fill else ""))
            if indent:
                xfs.append(f'<xf {attrs} applyAlignment="1"><alignment indent="{indent}"/></xf>')
            else:
                xfs.append(f"<xf {attrs}/>")
        # the default font, then bold ones that leave their size and face to it (as openpyxl's
        # Font(bold=True) does) or name a size
        font_xml = '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>' + "".join(
            "<font>" + ("<b/>" if bold else "") + (f'<sz val="{size}"/>' if size else "") + "</font>"
            for (bold, size) in list(fonts)[1:])
        num_xml = (f'<numFmts count="{len(formats)}">' + "".join(
            f'<numFmt numFmtId="{i}" formatCode="{_escape(f)}"/>' for f, i in formats.items())
            + "</numFmts>") if formats else ""
        return (f'<styleSheet xmlns="{_MAIN}">{num_xml}<fonts count="{len(fonts)}">{font_xml}</fonts>'
                '<fills count="3"><fill><patternFill patternType="none"/></fill>'
                '<fill><patternFill patternType="gray125"/></fill>'
                f'<fill><patternFill patternType="solid"><fgColor rgb="{_HEADER_FILL}"/></patternFill></fill></fills>'
                '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
                '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
                f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
                '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
                "</styleSheet>")

    def data(self, when: datetime) -> bytes:
        """The xlsx's bytes; every time in it (document properties, zip entries) is ``when``."""
        head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        sheets = [(f"xl/worksheets/sheet{k}.xml", ws.xml(self.style_id))
                  for k, ws in enumerate(self.sheets, start=1)]
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        parts = [
            ("[Content_Types].xml",
             '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             '<Default Extension="xml" ContentType="application/xml"/>'
             '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
             '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
             '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
             '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
             + "".join(f'<Override PartName="/{name}" ContentType="{_SHEET_TYPE}"/>' for name, _ in sheets)
             + "</Types>"),
            ("_rels/.rels",
             f'<Relationships xmlns="{_PKG_REL}">'
             f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/>'
             '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
             'metadata/core-properties" Target="docProps/core.xml"/>'
             f'<Relationship Id="rId3" Type="{_REL}/extended-properties" Target="docProps/app.xml"/>'
             "</Relationships>"),
            ("docProps/app.xml",
             '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
             "<Application>seoulcomm</Application></Properties>"),
            ("docProps/core.xml",
             '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
             'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>seoulcomm</dc:creator>'
             f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
             f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified></cp:coreProperties>'),
            ("xl/workbook.xml",
             f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView activeTab="0"/></bookViews>'
             "<sheets>" + "".join(f'<sheet name="{_escape(ws.name)}" sheetId="{k}" r:id="rId{k}"/>'
                                  for k, ws in enumerate(self.sheets, start=1))
             + '</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'),
            ("xl/_rels/workbook.xml.rels",
             f'<Relationships xmlns="{_PKG_REL}">' + "".join(
                 f'<Relationship Id="rId{k}" Type="{_REL}/worksheet" Target="worksheets/sheet{k}.xml"/>'
                 for k in range(1, len(sheets) + 1))
             + f'<Relationship Id="rId{len(sheets) + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
             "</Relationships>"),
            *sheets,
            ("xl/styles.xml", self._styles_xml()),  # after the sheets: they name its styles
        ]
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for name, text in parts:
                entry = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
                entry.compress_type = zipfile.ZIP_DEFLATED
                z.writestr(entry, (head + text).encode("utf-8"))
        return out.getvalue()
