"""Excel in: the data as one workbook to edit (``seoulcomm workbook``), and back to the CSVs
(``seoulcomm import``).

:func:`export` writes one sheet per table, named by the catalog's title, with the catalog's
Korean labels as headers (row 1; money columns say their unit: ``예산편성액(백만원)``) and the
rows below, so that row *n* of a sheet is line *n* of its CSV. Numbers are numbers, with a
number format that shows them as the source writes them (``1,341``, ``△7``, ``-``,
``29.9%``); dates are dates. A cell whose text no number format reproduces exactly stays
text. Choice and reference columns (divisions, units, levels, kinds, …) carry drop-down
lists. A first sheet explains the notation, a second lists each table's unit, as-of date and
sources; the budget detail is grouped by Excel's outline with subtotals in bold.

:func:`import_workbook` turns each sheet back into CSV text, checks it with exactly the
checks ``seoulcomm validate`` runs (in a temporary folder), and only when every check passes
writes the CSVs that changed into the data folder — each to a temporary file first, all
renamed at the end. Problems name the sheet and the cell (``시트 '예산편성 세부내역', E7``).
This is the only place the package writes under ``data/``; CSV stays the reviewed store.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import stat
import sys
import unicodedata
import warnings
import zipfile
from pathlib import Path

from . import datastore, epoch, labels, load, paths, safefile, xlsx
from .errors import MAX_PROBLEMS, DataError, DataErrors, UnsafeFileError, UsageError
from .schema import LOAD_ORDER, TABLES

#: The sheet explaining the notation, and the one listing each table's unit and sources.
NOTATION_SHEET = "표기 안내"
NOTE_SHEET = xlsx.NOTE_SHEET
#: The (hidden) sheet holding the drop-down lists.
LISTS_SHEET = "목록"
#: Largest workbook :func:`import_workbook` opens [bytes].
MAX_WORKBOOK_BYTES = 32 * 1024 * 1024
#: Largest total the workbook's parts may unpack to [bytes] (a zip bomb is refused unopened).
MAX_UNPACKED_BYTES = 256 * 1024 * 1024

_INT = re.compile(r"^(?P<sign>△|-)?(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)$")
_DEC = re.compile(r"^(?P<sign>△|-)?(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)\.(?P<frac>[0-9]+)(?P<pct>%)?$")
_PCT = re.compile(r"^(?P<sign>△|-)?(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?P<pct>%)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH = re.compile(r"^\d{4}-\d{2}$")
NOTATION = [
    ("1,341", "금액·인원은 세 자리마다 쉼표. 엑셀에서는 숫자로 들어 있고 셀 서식이 쉼표를 보입니다."),
    ("△7", "감소(음수). 원문 표기 그대로 셀 서식이 △를 붙입니다. 새로 적을 때는 -7이나 △7 모두 됩니다."),
    ("-", "없음(0). 원문이 '-'로 적은 칸은 0이 '-'로 보이는 서식입니다."),
    ("(빈칸)", "원문에 적히지 않은 값. 필수 열은 비울 수 없습니다."),
    ("22.3 / 29.9%", "비율은 원문에 적힌 소수 자릿수 그대로(서식이 자릿수를 지킵니다)."),
    ("2016-04-08", "날짜. 인쇄된 모양 2016. 4. 8.로 적어도 됩니다. 연월은 2016-05."),
    ("백만원 / 천원 / 원", "금액 단위는 표마다 '자료 안내' 시트와 열 이름의 괄호에 있습니다."),
    ("드롭다운", "부서·조직·수준·종류 같은 열은 목록에서 고릅니다(목록 시트)."),
    ("행 번호", "시트의 n행은 CSV 파일의 n행입니다. 오류 메시지는 시트와 칸(E7)을 말합니다."),
]


# --------------------------------------------------------------------------- cell notation

def _int_format(grouped: bool, triangle: bool, dash: bool) -> str:
    base = "#,##0" if grouped else "0"
    neg = f'"△"{base}' if triangle else f"-{base}"
    return f'{base};{neg};"-"' if dash else f"{base};{neg}"


def _dec_format(grouped: bool, decimals: int, pct: bool, triangle: bool) -> str:
    base = ("#,##0" if grouped else "0") + ("." + "0" * decimals if decimals else "")
    if pct:
        base += '"%"'
    neg = f'"△"{base}' if triangle else f"-{base}"
    return f"{base};{neg}"


def to_cell(text: str, kind: str):
    """``(value, number_format)`` of a CSV cell: a number or date where a format shows it
    exactly as written, else the text itself (format ``@``)."""
    if text == "":
        return None, None
    value, fmt = None, None
    if kind in ("money", "count", "year", "number", "rate"):
        if text == "-":
            value, fmt = 0, _int_format(kind != "year", True, True)
        elif m := _INT.match(text):
            n = int(m["int"].replace(",", ""))
            value = -n if m["sign"] else n
            grouped = "," in m["int"] or (kind in ("money", "count") and n < 1000)
            fmt = _int_format(grouped, m["sign"] == "△", False)
        elif (m := _DEC.match(text)) and kind in ("number", "rate"):
            n = float(m["int"].replace(",", "") + "." + m["frac"])
            value = -n if m["sign"] else n
            fmt = _dec_format("," in m["int"], len(m["frac"]), bool(m["pct"]), m["sign"] == "△")
        elif (m := _PCT.match(text)) and kind == "rate":
            n = int(m["int"].replace(",", ""))
            value = -n if m["sign"] else n
            fmt = _dec_format("," in m["int"], 0, True, m["sign"] == "△")
    elif kind == "date" and _ISO_DATE.match(text):
        try:
            value, fmt = dt.datetime.strptime(text, "%Y-%m-%d"), "yyyy-mm-dd"
        except ValueError:
            value = None
    elif kind == "month" and _ISO_MONTH.match(text):
        try:
            value, fmt = dt.datetime.strptime(text, "%Y-%m"), "yyyy-mm"
        except ValueError:
            value = None
    if value is not None and from_cell(value, fmt, kind) == text:
        return value, fmt
    return text, "@"


def _sections(fmt: str) -> list[str]:
    return [s for s in re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', fmt or "")]


#: Excel's day zero for serial dates (1900 system, past its 1900-02-29 that never was).
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
#: Spaces Excel or a pasted web page leaves in a number typed as text.
_SPACES = re.compile(r"[\s\u00a0\u2007\u202f\u3000]+")
#: A number typed as text: grouped or plain digits, decimals, sign, percent.
_TEXT_NUMBER = re.compile(r"^[△\-−+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")


def _percent_format(fmt: str) -> bool:
    """Excel's percent format (``0.0%``, ``0%``): the cell holds the fraction, shows ×100.
    A quoted ``"%"`` is a literal sign (our own export's format), not a percent format."""
    first = _sections(fmt or "General")[0]
    bare = re.sub(r'"[^"]*"|\\.', "", first)
    return "%" in bare


def _percent_text(value: float, sign: bool) -> str:
    """The percentage a percent cell holds (0.933 → ``93.3``), to the digits it has;
    with ``sign``, followed by ``%``."""
    pct = round(float(value) * 100, 10)
    body = f"{abs(pct):.10f}".rstrip("0").rstrip(".")
    return ("△" if pct < 0 else "") + body + ("%" if sign else "")


def from_cell(value, fmt: str | None, kind: str) -> str:
    """The CSV text of a cell ``value`` shown with number format ``fmt`` (inverse of
    :func:`to_cell`); a number typed in a General cell gets the source's usual notation.

    The one place an Excel cell becomes data text, whatever reads the sheet:

    - a percent cell (Excel's ``0.0%`` format, holding 0.933) is the percentage ``93.3%``;
    - a number typed as text (``' 40,828``, with spaces or a leading apostrophe left by a
      paste) is the number as written, without the spaces;
    - a date cell is the date (``2016-06-30``; a month column ``2016-06``), also when the
      cell holds Excel's day number under a General format in a date column.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, (dt.datetime, dt.date)):
        if kind == "month" or (fmt or "").strip().lower() == "yyyy-mm":
            return value.strftime("%Y-%m")
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str):
        if kind in ("money", "count", "year", "number", "rate"):
            plain = _SPACES.sub("", value).lstrip("'")
            if _TEXT_NUMBER.match(plain) or plain == "-":
                return plain
        return value
    if isinstance(value, (int, float)) and kind in ("date", "month") and 1 <= value < 2958466:
        day = _EXCEL_EPOCH + dt.timedelta(days=float(value))
        return from_cell(day, fmt, kind)
    if isinstance(value, (int, float)) and kind in ("rate", "number") and _percent_format(fmt):
        return _percent_text(value, kind == "rate")
    if isinstance(value, (int, float)):
        sections = _sections(fmt or "General")
        first = sections[0]
        general = first in ("General", "@", "")
        if general:
            grouped = kind in ("money", "count")
            triangle = kind == "money"
            decimals = None
            pct = False
        else:
            grouped = "#,##0" in first
            triangle = len(sections) > 1 and "△" in sections[1]
            frac = re.search(r"\.(0+)", first)
            decimals = len(frac.group(1)) if frac else 0
            pct = '"%"' in first
        if value == 0 and len(sections) > 2 and sections[2].strip('"') == "-":
            return "-"
        magnitude = abs(value)
        if decimals is None:   # General: as typed
            if float(magnitude).is_integer() and (kind not in ("rate", "number") or isinstance(value, int)):
                decimals = 0
            else:
                decimals = len(repr(float(magnitude)).split(".")[1].rstrip("0")) if "." in repr(float(magnitude)) else 0
        body = f"{magnitude:,.{decimals}f}" if grouped else f"{magnitude:.{decimals}f}"
        if value < 0:
            body = ("△" if triangle else "-") + body
        return body + ("%" if pct else "")
    return str(value)


# --------------------------------------------------------------------------- export

def _read_csv(path: Path) -> list[list[str]]:
    """Non-blank records of a data CSV (the file already passed the checks)."""
    text = safefile.read_bytes(path).decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    return [r for r in csv.reader(io.StringIO(text, newline=""))
            if len(r) > 1 or (r and r[0].strip(" \t"))]


def present_cols(name: str, columns) -> list:
    """The table's columns that ``columns`` (a file's or a sheet's header) holds, in the
    table's order: a column added later with a default may be absent and stays absent."""
    return [c for c in TABLES[name].cols if c.name in columns or c.default is None]


def headers(catalog, name: str, cols=None) -> list[str]:
    """The sheet's header cells: Korean labels, money columns with their unit."""
    names = catalog.labels(name)
    out = []
    for col in (TABLES[name].cols if cols is None else cols):
        label = names[col.name]
        if col.kind == "money":
            label += f"({catalog.unit(name, col.name)})"
        elif col.kind == "rate":
            label += "(%)"
        out.append(label)
    return out


def export(out_path, data_dir=None) -> Path:
    """Write the data folder as one workbook to ``out_path`` (checked data only).

    Raises
    ------
    DataErrors : the data does not pass ``validate`` (nothing is written).
    UsageError : ``out_path`` is inside the data folder, or not an ``.xlsx`` path.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter, quote_sheetname
    from openpyxl.worksheet.datavalidation import DataValidation

    folder = paths.data_dir(data_dir)
    safefile.check(Path(out_path).expanduser().absolute())  # a link or FIFO there: never written through
    out = Path(out_path).expanduser().resolve()
    _check_out(out, folder)
    ds = load.load_all(folder)
    catalog = ds.catalog
    wb = Workbook()
    notes = wb.active
    notes.title = NOTATION_SHEET
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="EDF1F7")
    xlsx.cell(notes, 1, 1, "표기 안내 — 원문(보고서)의 숫자 표기와 이 통합문서에서 고치는 법").font = Font(bold=True, size=12)
    xlsx.cell(notes, 3, 1, "표기").font = bold
    xlsx.cell(notes, 3, 2, "뜻").font = bold
    for i, (mark, meaning) in enumerate(NOTATION, start=4):
        xlsx.cell(notes, i, 1, mark)
        xlsx.cell(notes, i, 2, meaning)
    done = len(NOTATION) + 5
    xlsx.cell(notes, done, 1, "고친 뒤: seoulcomm import 이 파일.xlsx — 모든 검사를 통과할 때만 data/의 CSV를 씁니다.")
    notes.column_dimensions["A"].width = 20
    notes.column_dimensions["B"].width = 90

    note = wb.create_sheet(NOTE_SHEET)
    for j, head in enumerate(("시트", "표", "단위", "행", "기준일", "자료(원문)"), start=1):
        c = xlsx.cell(note, 1, j, head)
        c.font, c.fill = bold, fill
    as_of = ds.as_of()
    lists = wb.create_sheet(LISTS_SHEET)
    list_cols: dict[str, str] = {}

    def list_range(key: str, values: list[str]) -> str:
        if key not in list_cols:
            j = len(list_cols) + 1
            letter = get_column_letter(j)
            xlsx.cell(lists, 1, j, key).font = bold
            for i, v in enumerate(values, start=2):
                xlsx.cell(lists, i, j, v)
            list_cols[key] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(values) + 1}"
        return list_cols[key]

    for row, name in enumerate(LOAD_ORDER, start=2):
        table = TABLES[name]
        if table.optional and not (folder / table.file).exists():
            records = [table.columns]   # an optional table left out: its sheet, to fill in
        else:
            records = _read_csv(folder / table.file)
        head = [c.strip() for c in records[0]]
        canon = _canonical(catalog, name, head)
        cols = present_cols(name, canon)
        order = [canon.index(c.name) for c in cols]
        ws = wb.create_sheet(catalog.titles[name])
        for j, label in enumerate(headers(catalog, name, cols), start=1):
            c = xlsx.cell(ws, 1, j, label)
            c.font, c.fill = bold, fill
        widths = [len(h) + 2 for h in headers(catalog, name, cols)]
        for i, record in enumerate(records[1:], start=2):
            # a cell an older row leaves off is its column's default, as the loader pads it
            record = [record[k] if k < len(record) else (col.default or "") for k, col in zip(order, cols)]
            for j, (col, text) in enumerate(zip(cols, record), start=1):
                value, fmt = to_cell(text, col.kind)
                c = xlsx.cell(ws, i, j, value)
                if fmt:
                    c.number_format = fmt
                if isinstance(value, str):
                    c.data_type = "s"
                widths[j - 1] = max(widths[j - 1], min(50, len(text)))
        for j, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(j)].width = min(60, max(8, w * 1.3))
        ws.freeze_panes = "A2"
        last = max(len(records), 2) + 500   # room for new rows
        for j, col in enumerate(cols, start=1):
            values = (list(col.choices) if col.kind == "choice"
                      else sorted(ds.refs.get(col.ref, ())) if col.kind == "ref" else None)
            if values:
                key = f"{name}.{col.name}" if col.kind == "choice" else col.ref
                dv = DataValidation(type="list", formula1=list_range(key, values), allow_blank=col.optional,
                                    showErrorMessage=True, errorTitle="목록에 없는 값",
                                    error=f"{headers(catalog, name, cols)[j - 1]}: 목록({LISTS_SHEET} 시트)에서 고르세요")
                letter = get_column_letter(j)
                dv.add(f"{letter}2:{letter}{last}")
                ws.add_data_validation(dv)
        _outline(ws, name, records[1:], table, order)
        sources = (sorted({_document(r[order[table.columns.index("source")]]) for r in records[1:]})
                   if "source" in table.columns else [])  # the documents table is its own source
        for j, value in enumerate((catalog.titles[name], name, catalog.unit(name), len(records) - 1,
                                   as_of.get(name, ""), "; ".join(s for s in sources if s)), start=1):
            xlsx.cell(note, row, j, value)
    for letter, width in zip("ABCDEF", (24, 20, 10, 6, 12, 60)):
        note.column_dimensions[letter].width = width
    lists.sheet_state = "hidden"
    wb.move_sheet(LISTS_SHEET, offset=len(wb.sheetnames))
    xlsx.save(wb, out, when=epoch.source_time(ds))
    return out


def _document(source: str) -> str:
    return source.split(" ", 1)[0] if source else ""


def _outline(ws, name: str, rows: list[list[str]], table, order: list[int]) -> None:
    """Outline grouping, indentation and bold subtotals for a table with a hierarchy."""
    cols = table.columns
    if name == "budget_detail":
        lines = [rows_i[order[cols.index("line")]] for rows_i in rows]
        parents = [rows_i[order[cols.index("parent")]] or None for rows_i in rows]
    elif {"level", "group"} <= set(cols):   # program_costs: group rows above their lines
        levels = [r[order[cols.index("level")]] for r in rows]
        depth = [0 if lv == "group" else 1 for lv in levels]
        xlsx.style_outline(ws, 2, depth, [lv == "group" for lv in levels], name_col=cols.index("item") + 1)
        return
    else:
        return
    # line numbers count within one statement (year and as-of): a tree per statement
    block = [tuple(r[order[cols.index(c)]] for c in ("year", "as_of") if c in cols) for r in rows]
    depth, subtotal = [], []
    start = 0
    for end in range(1, len(rows) + 1):
        if end == len(rows) or block[end] != block[start]:
            part_lines, part_parents = lines[start:end], parents[start:end]
            depth += xlsx.depths(part_lines, part_parents)
            subtotal += [ln in set(part_parents) for ln in part_lines]
            start = end
    xlsx.style_outline(ws, 2, depth, subtotal, name_col=cols.index("name") + 1)


def _canonical(catalog, name: str, head: list[str]) -> list[str]:
    by_label = {labels.header_key(v): k for k, v in catalog.labels(name).items()}
    return [h if h in TABLES[name].columns else by_label.get(labels.header_key(h), h) for h in head]


def _check_out(out: Path, folder: Path) -> None:
    if out.suffix.lower() != ".xlsx":
        raise UsageError(f"--out은 .xlsx 파일이어야 합니다: {out}")
    if out == folder or folder.resolve() in out.parents:
        raise UsageError(f"통합문서를 데이터 폴더 안에 쓸 수 없습니다: {out} — 다른 곳을 주세요")
    if out.is_dir():
        raise UsageError(f"--out 자리에 폴더가 있습니다: {out}")
    if not out.parent.is_dir():
        raise UsageError(f"--out의 폴더가 없습니다: {out.parent}")


# --------------------------------------------------------------------------- import

#: Most columns a sheet may use (every table has far fewer; Excel allows 16,384).
MAX_COLUMNS = load.MAX_COLUMNS
#: Most cells (filled or formatted) one sheet may hold.
MAX_CELLS = 4_000_000
#: Excel's error values: a cell showing one holds no data.
EXCEL_ERRORS = frozenset({"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A",
                          "#GETTING_DATA", "#SPILL!", "#CALC!", "#FIELD!", "#BLOCKED!", "#CONNECT!",
                          "#UNKNOWN!", "#BUSY!"})


def _sheet_key(title: str) -> str:
    """A sheet title as Excel compares them: NFC, case folded, outer spaces ignored."""
    return unicodedata.normalize("NFC", str(title)).strip().casefold()


def _open_workbook(src: Path):
    """The workbook ``src`` opened for streaming (read-only), from one read of its bytes.

    Raises
    ------
    UsageError, UnsafeFileError, DataError : missing, not a regular file (a FIFO, a device),
        too large, a zip that unpacks to too much, not a workbook.
    """
    from openpyxl import load_workbook

    try:  # the workbook may be reached through a link (it is the user's own file), never a FIFO
        fd = os.open(src, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | os.O_CLOEXEC)
    except FileNotFoundError:
        raise UsageError(f"통합문서가 없습니다: {src}") from None
    with os.fdopen(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(src, safefile.what(st.st_mode))
        if st.st_size > MAX_WORKBOOK_BYTES:
            raise DataError(src, f"{MAX_WORKBOOK_BYTES // (1024 * 1024)} MB 이하의 통합문서여야 합니다"
                            f"(크기 {st.st_size:,} 바이트)")
        data = fh.read(MAX_WORKBOOK_BYTES + 1)
    if len(data) > MAX_WORKBOOK_BYTES:
        raise DataError(src, f"{MAX_WORKBOOK_BYTES // (1024 * 1024)} MB 이하의 통합문서여야 합니다")
    try:   # a small zip can unpack to gigabytes: look at the sizes before opening it
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            unpacked = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError):
        unpacked = 0
    if unpacked > MAX_UNPACKED_BYTES:
        raise DataError(src, f"풀었을 때 {MAX_UNPACKED_BYTES // (1024 * 1024)} MB 이하인 통합문서여야 합니다"
                        f"(풀면 {unpacked:,} 바이트)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl's notes on extensions it skips
            return load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # not a zip, not a workbook, a broken part
        raise DataError(src, f"엑셀 통합문서(.xlsx)여야 합니다 — 열 수 없음({type(exc).__name__})") from None


def _table_sheets(wb, catalog, src: Path, problems: list, say) -> dict:
    """``{table name: worksheet}``. A table's sheet is found by its catalog title or table name
    (NFC, case and outer spaces ignored). A hidden or very hidden sheet bearing a table's name
    is refused (it would be imported unseen); two sheets bearing one table's name are refused;
    other hidden sheets are named and ignored (our own drop-down lists sheet silently)."""
    wanted = {}
    for name in LOAD_ORDER:
        wanted[_sheet_key(catalog.titles[name])] = name
        wanted.setdefault(_sheet_key(name), name)
    found: dict[str, list] = {}
    for ws in wb.worksheets:
        name = wanted.get(_sheet_key(ws.title))
        state = getattr(ws, "sheet_state", "visible") or "visible"
        if name is None:
            if state != "visible" and ws.title != LISTS_SHEET:
                say(f"알림: 숨긴 시트 '{ws.title}'는 표가 아니어서 가져오지 않았습니다")
            continue
        if state != "visible":
            hidden = "매우 숨긴(veryHidden)" if state == "veryHidden" else "숨긴"
            problems.append(DataError(src, f"{hidden} 시트는 가져오지 않습니다 — 보이는 시트로 바꾸거나 지우세요"
                                      f"(표 '{name}')", where=f"시트 '{ws.title}'"))
        found.setdefault(name, []).append(ws)
    sheets = {}
    for name, list_ in found.items():
        if len(list_) > 1:
            titles = ", ".join(f"'{ws.title}'" for ws in list_)
            problems.append(DataError(src, f"표 '{name}'의 시트가 여럿입니다({titles}) — 하나만 두세요",
                                      where=f"시트 '{list_[1].title}'"))
        elif list_[0].sheet_state in (None, "visible"):
            sheets[name] = list_[0]
    return sheets


def _sheet_rows(ws, src: Path, problems: list):
    """The rows of ``ws`` as they stream from the file, stopping at the first limit met: a
    filled row past :data:`load.MAX_ROWS` data rows, a filled cell past :data:`MAX_COLUMNS`,
    more than :data:`MAX_CELLS` cells, a text longer than Excel's cell. A limit met is one
    problem and the end of the sheet (nothing after it is read)."""
    from openpyxl.utils import get_column_letter

    ws.reset_dimensions()  # a declared size (A1:XFD1048576) is never trusted to pad rows
    cells = 0
    for number, row in enumerate(ws.iter_rows(), start=1):
        cells += len(row)
        filled = [c for c in row if c.value is not None and not (isinstance(c.value, str) and not c.value.strip())]
        if filled and number > load.MAX_ROWS + 1:
            problems.append(DataError(src, f"표 하나는 {load.MAX_ROWS:,}행 이하여야 합니다 — 자료를 나누거나 줄이세요"
                                      "(그 뒤는 읽지 않았습니다)", where=f"시트 '{ws.title}', {number}행"))
            return
        wide = next((c for c in filled if c.column > MAX_COLUMNS), None)
        if wide is not None:
            problems.append(DataError(src, f"시트의 열은 {MAX_COLUMNS:,}개({get_column_letter(MAX_COLUMNS)}열)까지입니다 "
                                      "— 표 밖의 값을 지우세요(그 뒤는 읽지 않았습니다)",
                                      where=f"시트 '{ws.title}', {wide.coordinate}"))
            return
        if cells > MAX_CELLS:
            problems.append(DataError(src, f"시트 하나의 칸은 {MAX_CELLS:,}개 이하여야 합니다(서식만 있는 칸 포함) — "
                                      "쓰지 않는 행과 열을 지우세요(그 뒤는 읽지 않았습니다)",
                                      where=f"시트 '{ws.title}', {number}행"))
            return
        long = next((c for c in filled if isinstance(c.value, str) and len(c.value) > load.MAX_CELL_CHARS), None)
        if long is not None:
            problems.append(DataError(src, f"칸 하나는 {load.MAX_CELL_CHARS:,}자 이하여야 합니다(엑셀 칸 한도) — "
                                      f"{len(long.value):,}자", value=long.value[:40],
                                      where=f"시트 '{ws.title}', {long.coordinate}"))
            return
        yield number, row


def _cell_text(c, col, src: Path, ws, problems: list) -> str:
    """The CSV text of one cell of column ``col`` (empty, with a problem recorded, for a
    formula or an Excel error value); :func:`from_cell` does the conversion."""
    if c is None or getattr(c, "value", None) is None:
        return ""
    if c.data_type == "f":
        problems.append(DataError(src, "수식 대신 값을 적으세요(수식은 가져오지 않습니다)",
                                  value=str(c.value), where=f"시트 '{ws.title}', {c.coordinate}"))
        return ""
    if c.data_type == "e" or (isinstance(c.value, str) and c.value.strip().upper() in EXCEL_ERRORS):
        problems.append(DataError(src, "엑셀 오류 값은 자료가 아닙니다 — 원래 값을 적으세요",
                                  value=str(c.value), where=f"시트 '{ws.title}', {c.coordinate}"))
        return ""
    return from_cell(c.value, c.number_format, col.kind)


def _read_sheet(ws, name: str, catalog, folder: Path, src: Path, problems: list):
    """One table's sheet as CSV text: ``(text, (sheet, excel rows, letters, columns))``, or
    None when its header cannot be used (the problems recorded)."""
    from openpyxl.utils import get_column_letter

    table = TABLES[name]
    rows = _sheet_rows(ws, src, problems)
    first = next(rows, None)
    if first is None:
        if not any(p.where and p.where.startswith(f"시트 '{ws.title}'") for p in problems):
            problems.append(DataError(src, "머리행과 자료가 있어야 합니다(빈 시트)", where=f"시트 '{ws.title}'"))
        return None
    head = [c.value for c in first[1]]
    while head and (head[-1] is None or str(head[-1]).strip() == ""):
        head.pop()
    canon = _canonical(catalog, name, [str(h or "").strip() for h in head])
    bad = False
    seen: dict[str, int] = {}
    for j, h in enumerate(canon):
        if h not in table.columns:
            bad = True
            problems.append(DataError(src, f"알 수 없는 열 이름입니다 — 열: {', '.join(headers(catalog, name))}",
                                      value=str(head[j] or ""), where=f"시트 '{ws.title}', {get_column_letter(j + 1)}1"))
        elif h in seen:
            bad = True
            problems.append(DataError(src, f"같은 열이 두 번 있습니다({get_column_letter(seen[h] + 1)}1과 "
                                      f"{get_column_letter(j + 1)}1) — 하나만 두세요", value=str(head[j] or ""),
                                      where=f"시트 '{ws.title}', {get_column_letter(j + 1)}1"))
        else:
            seen[h] = j
    cols = present_cols(name, canon)
    for col in (c.name for c in cols):
        if col not in canon:
            bad = True
            problems.append(DataError(src, f"'{catalog.labels(name)[col]}'({col}) 열이 있어야 합니다",
                                      where=f"시트 '{ws.title}', 1행"))
    if bad:
        rows.close()  # nothing after a header that cannot be used is read
        return None
    index = [canon.index(c.name) for c in cols]
    letters = [get_column_letter(k + 1) for k in index]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(_original_header(folder / table.file, [c.name for c in cols]))
    excel_rows = [1]
    required = [not col.optional and col.default is None for col in cols]
    for number, row in rows:
        cells = [row[k] if k < len(row) else None for k in index]
        if all(c is None or c.value is None or (isinstance(c.value, str) and not c.value.strip())
               for c in cells):
            continue   # blank rows (and Excel's formatted empties) are no data
        before = len(problems)
        record = [_cell_text(c, col, src, ws, problems) for col, c in zip(cols, cells)]
        told = {p.where for p in problems[before:]}   # a cell already refused (a formula, #REF!)
        for j, text in enumerate(record):
            if required[j] and not text.strip() and f"시트 '{ws.title}', {letters[j]}{number}" not in told:
                problems.append(DataError(src, "값이 있어야 합니다(빈칸 불가)", column=cols[j].name,
                                          where=f"시트 '{ws.title}', {letters[j]}{number}"))
        if len(problems) >= MAX_PROBLEMS:  # as many as a message shows: the rest is not read
            problems.append(DataError(src, f"문제가 {MAX_PROBLEMS}건을 넘어 이 시트의 나머지는 읽지 않았습니다 — "
                                      "위의 것을 고친 뒤 다시 가져오세요", where=f"시트 '{ws.title}', {number}행"))
            rows.close()
            return None
        writer.writerow(record)
        excel_rows.append(number)
    return out.getvalue(), (ws.title, excel_rows, letters, [c.name for c in cols])


def import_workbook(path, data_dir=None, *, say=None) -> list[str]:
    """Check the workbook ``path`` and write its tables as the data folder's CSVs.

    The workbook is streamed (read-only), each sheet stopping at the first limit it meets.
    Every table is written beside the data first and switched in at once
    (:mod:`seoulcomm.datastore`): a killed import leaves the data as it was, or completed by
    the next command.

    Parameters
    ----------
    say : where notes go (a hidden sheet that was ignored); default: standard error.

    Returns
    -------
    list of str : the files written (those whose content changed); empty when the
        workbook holds the data as it is.

    Raises
    ------
    DataErrors : every problem, each naming the sheet and the cell; nothing is written.
    UsageError : the workbook cannot be opened, or another import is running.
    """
    say = say or (lambda text: print(text, file=sys.stderr))
    folder = paths.data_dir(data_dir)
    src = Path(path).expanduser().resolve()
    with datastore.importing(folder) as stage:
        catalog = load.read_catalog(folder)
        for name in LOAD_ORDER:  # every table the import may replace: a regular file or none
            safefile.check(folder / TABLES[name].file)
        wb = _open_workbook(src)
        try:
            problems: list[DataError] = []
            texts: dict[str, str] = {}
            where: dict[str, tuple] = {}   # file → sheet, rows by record, letters, column names
            sheets = _table_sheets(wb, catalog, src, problems, say)
            for name in LOAD_ORDER:
                ws = sheets.get(name)
                if ws is None and TABLES[name].optional and not any(f"표 '{name}'" in p.expected for p in problems):
                    continue   # an optional table the workbook leaves out stays as it is
                if ws is None:
                    if not any(f"표 '{name}'" in p.expected for p in problems):
                        problems.append(DataError(src, f"표 '{name}'의 시트가 있어야 합니다(시트 없음)",
                                                  where=f"시트 '{catalog.titles[name]}'"))
                    continue
                read = _read_sheet(ws, name, catalog, folder, src, problems)
                if read is not None and TABLES[name].optional and len(read[1][1]) == 1 \
                        and safefile.check(folder / TABLES[name].file) is None:
                    continue   # an empty optional sheet writes no file
                if read is not None:
                    texts[TABLES[name].file], where[TABLES[name].file] = read
        finally:
            wb.close()
        if problems:
            raise DataErrors(problems)
        check = stage / "check"
        os.mkdir(check)
        datastore.write_staged(check, paths.CATALOG_FILE, safefile.read_bytes(folder / paths.CATALOG_FILE))
        for file, text in texts.items():
            datastore.write_staged(check, file, text.encode("utf-8"))
        try:
            load.load_all(check)
        except DataErrors as exc:
            raise DataErrors([_relocate(p, src, check, where) for p in exc.problems], more=exc.more) from None
        except DataError as exc:
            raise DataErrors([_relocate(exc, src, check, where)]) from None
        finally:
            load.forget()
        return _write_changed(folder, texts)


def _original_header(path: Path, columns: list[str]) -> list[str]:
    """The header the CSV has now (its spelling is kept); the canonical names otherwise."""
    try:
        head = _read_csv(path)[0]
        if sorted(h.strip() for h in head) == sorted(columns):
            return [h for h in head]
    except (OSError, IndexError, UnicodeDecodeError, csv.Error):
        pass
    return list(columns)


def _relocate(problem: DataError, src: Path, check: Path, where: dict) -> DataError:
    """A problem found in the temporary CSVs, located in the workbook instead."""
    file = problem.file.name
    if file not in where:
        return DataError(src, problem.expected, value=problem.value, where=f"({file})")
    sheet, rows, letters, cols = where[file]
    place = f"시트 '{sheet}'"
    if problem.line is not None:
        record = _record_of(check / file, problem.line)
        row = rows[record] if record is not None and record < len(rows) else None
        if problem.column in cols and row is not None:
            place += f", {letters[cols.index(problem.column)]}{row}"
        elif row is not None:
            place += f", {row}행"
            if problem.column:
                place += f" ({problem.column})"
    elif problem.column:
        place += f", '{problem.column}' 열"
    return DataError(src, problem.expected, value=problem.value, at=problem.at, where=place)


def _record_of(path: Path, line: int) -> int | None:
    """Index (0 = header) of the CSV record that starts on ``line``."""
    text = path.read_text(encoding="utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for i, _ in enumerate(reader):
        if start == line:
            return i
        start = reader.line_num + 1
    return None


def _write_changed(folder: Path, texts: dict[str, str]) -> list[str]:
    """Write the CSVs whose records changed: all staged beside the data, then switched in at
    once (:func:`seoulcomm.datastore.switch`). Called inside :func:`datastore.importing`."""
    changed = []
    for file, text in texts.items():
        path = folder / file
        try:
            now = [r for r in csv.reader(io.StringIO(safefile.read_bytes(path).decode("utf-8-sig")
                                                     .replace("\r\n", "\n").replace("\r", "\n"), newline=""))
                   if len(r) > 1 or (r and r[0].strip(" \t"))]
        except (OSError, UnicodeDecodeError, csv.Error):
            now = None
        new = [r for r in csv.reader(io.StringIO(text, newline=""))]
        if now != new:
            changed.append(file)
    if changed:
        stage = datastore.stage_of(folder)
        for file in changed:
            datastore.write_staged(stage, file, texts[file].encode("utf-8"))
        datastore.switch(folder, stage, changed)
    load.forget()
    return changed
