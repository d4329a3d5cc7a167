"""Read the data folder: the only module that opens files under ``data/``.

Each ``read_<table>`` returns a tidy frame with canonical column names; money is exact
integer 원 (``Int64``), dates are ``datetime64``, stated rates are percent with a companion
``<column>_dp`` giving the decimals the source wrote. Bad input raises :class:`DataError`
naming file, line, column, value and what was expected. Nothing here ever writes.
"""
from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import re
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import colcache, history, labels, paths, safefile, units
from .errors import DataError, DataErrors, UnsafeFileError, YamlRefused, shown
from .schema import EXPECTED, LOAD_ORDER, ORIGINAL, TABLES, Table, dataframe_schema

# pandas 3 keeps text in Arrow arrays whenever pyarrow is installed (the column cache brings it):
# the loader's and the reports' text stays in Python strings, as it was before
pd.set_option("mode.string_storage", "python")

_HEADER_LINE = 1


#: Largest data file (CSV) read [bytes]; a bigger one is refused before it is read.
MAX_FILE_BYTES = 512 * 1024 * 1024
#: Largest YAML file (catalog.yaml, params/*.yaml) read [bytes].
MAX_YAML_BYTES = 1024 * 1024
#: Most data rows one table may hold.
MAX_ROWS = 2_000_000
#: Most columns a header may have (every table has far fewer).
MAX_COLUMNS = 256
#: Longest text Excel holds in a cell (the workbooks could not carry a longer one).
MAX_CELL_CHARS = 32_767
#: Characters no cell may hold: C0/C1 controls but tab and newline (NUL, ESC, …; openpyxl
#: refuses most of them and a terminal obeys them), and the bidi overrides.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: Sheet names: at most 31 characters, none of these.
_SHEET_BAD = re.compile(r"[\[\]:*?/\\]")


@dataclass(frozen=True)
class Catalog:
    """Units declared in ``catalog.yaml``: one per table, with per-column exceptions."""

    titles: dict[str, str]
    table_units: dict[str, str]
    column_units: dict[str, dict[str, str]]
    column_labels: dict[str, dict[str, str]] = field(default_factory=dict)

    def unit(self, table: str, column: str | None = None) -> str:
        """The unit a column of ``table`` is written in."""
        return self.column_units.get(table, {}).get(column, self.table_units[table])

    def labels(self, table: str) -> dict[str, str]:
        """``{column: Korean label}`` of ``table`` (see :mod:`seoulcomm.labels`)."""
        out = labels.default_labels(table, TABLES[table].columns)
        out.update(self.column_labels.get(table, {}))
        return out


class _NoAliasLoader(yaml.SafeLoader):
    """Safe loading without anchors and aliases: ``&a`` / ``*a`` can make a few bytes stand
    for gigabytes (the alias bomb), and the data has no use for them."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            raise YamlRefused("YAML 별칭·앵커(&이름, *이름)는 쓸 수 없습니다 — 값을 그대로 적으세요",
                               mark.line + 1)
        return super().compose_node(parent, index)


def read_yaml(path, *, error=DataError):
    """Read a small YAML file safely: at most :data:`MAX_YAML_BYTES`, UTF-8, no aliases.

    ``error`` is the exception class raised (``DataError`` with file and line, or
    ``UsageError`` for ``params/*.yaml``); its message is bounded in length.
    """
    path = Path(path)

    def fail(expected, line=None, value=None):
        if error is DataError:
            return DataError(path, expected, line=line, value=value)
        where = f" ({line}행)" if line else ""
        got = f": 값 {shown(value)}" if value is not None else ""
        return error(f"보고서 목록 {path}을(를) 읽을 수 없습니다{where}{got} — {expected}")

    try:
        data = _data_bytes(path, MAX_YAML_BYTES)
    except FileNotFoundError:
        raise fail("파일이 있어야 합니다(파일 없음)") from None
    except UnsafeFileError:
        raise
    except OSError as exc:
        raise fail(f"읽을 수 있어야 합니다({exc.strerror})") from None
    if len(data) > MAX_YAML_BYTES:
        raise fail(f"{MAX_YAML_BYTES // 1024:,} KB 이하의 YAML이어야 합니다(크기 {len(data):,} 바이트 이상)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise fail("UTF-8 인코딩이어야 합니다") from None
    except OSError as exc:
        raise fail(f"읽을 수 있어야 합니다({exc.strerror})") from None
    try:
        return yaml.load(text, Loader=_NoAliasLoader)  # noqa: S506 (a SafeLoader)
    except YamlRefused as exc:
        raise fail(exc.expected, exc.line) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = str(getattr(exc, "problem", None) or exc)[:120]
        raise fail(f"올바른 YAML ({problem})", mark.line + 1 if mark else None) from None


def read_catalog(data_dir=None) -> Catalog:
    """Read ``catalog.yaml`` and check that every table declares a usable unit."""
    path = paths.data_dir(data_dir) / paths.CATALOG_FILE
    if not _data_exists(path):
        raise DataError(path, "파일이 있어야 합니다(파일 없음)")
    raw = read_yaml(path) or {}
    if not isinstance(raw, dict):
        raise DataError(path, "표 이름마다 title·unit을 적은 YAML 사전이어야 합니다"
                        "(예: budget_detail: {title: 예산편성 세부내역, unit: 백만원})",
                        value=str(raw)[:40])
    titles, table_units, column_units, column_labels = {}, {}, {}, {}
    seen_titles: dict[str, str] = {}
    for name, table in TABLES.items():
        entry = raw.get(name)
        if entry is None and table.optional:   # an optional table the catalog leaves out
            entry = {"title": table.title, "unit": table.unit or table_units[table.unit_of]}
        if not isinstance(entry, dict) or "unit" not in entry:
            raise DataError(path, f"'{name}' 표의 단위(unit) 선언", column=name)
        titles[name] = str(entry.get("title", table.title))
        title = titles[name]
        if (len(title) > 31 or not title.strip() or _SHEET_BAD.search(title) or _CONTROL.search(title)
                or title.startswith("'") or title.endswith("'") or title.lower() == "history"):
            raise DataError(path, "표 제목(title)은 엑셀 시트 이름이 됩니다 — 31자 이하, [ ] : * ? / \\ 와 "
                            "제어 문자 없이, 작은따옴표로 시작·끝나지 않게 적으세요",
                            column=f"{name}.title", value=title)
        if title.lower() in seen_titles:
            raise DataError(path, f"표 제목(title)은 표마다 달라야 합니다 — '{seen_titles[title.lower()]}' "
                            "표와 같음(엑셀 시트 이름이 겹침)", column=f"{name}.title", value=title)
        seen_titles[title.lower()] = name
        table_units[name] = str(entry["unit"])
        declared = entry.get("column_units") or {}
        if not isinstance(declared, dict):
            raise DataError(path, "column_units는 '열: 단위' 사전이어야 합니다(예: {unit_cost: 원})",
                            column=name, value=str(declared)[:40])
        column_units[name] = {str(k): str(v) for k, v in declared.items()}
        for col in table.cols:
            if col.kind == "money":
                unit = column_units[name].get(col.name, table_units[name])
                if unit not in units.MONEY_UNITS:
                    raise DataError(path, f"금액 단위 {', '.join(units.MONEY_UNITS)} 중 하나",
                                    column=f"{name}.{col.name}", value=unit)
        own = entry.get("labels") or {}
        if not isinstance(own, dict) or set(map(str, own)) - set(table.columns):
            raise DataError(path, f"labels는 '열: 한글 이름' 사전이어야 합니다 — 열: {', '.join(table.columns)}",
                            column=f"{name}.labels", value=str(own)[:40])
        column_labels[name] = {str(k): str(v) for k, v in own.items()}
        merged = labels.default_labels(name, table.columns) | column_labels[name]
        keys = [labels.header_key(v) for v in merged.values()]
        if len(set(keys)) != len(keys):
            dup = next(v for v in merged.values() if keys.count(labels.header_key(v)) > 1)
            raise DataError(path, "한 표의 열 이름(labels)은 서로 달라야 합니다",
                            column=f"{name}.labels", value=dup)
    return Catalog(titles, table_units, column_units, column_labels)




def data_files(data_dir=None) -> list[Path]:
    """The files the data consists of: ``catalog.yaml`` and the CSV of each table the
    catalog declares, in load order. Nothing else in the folder is ever read or hashed
    (an unrelated file, however big, does not count)."""
    folder = paths.data_dir(data_dir)
    return [folder / paths.CATALOG_FILE] + [folder / TABLES[name].file for name in LOAD_ORDER]


#: ``{data folder: {file name: bytes, or None for a file that is not there}}``: the data a
#: build read once (:func:`pin`). Every load of a pinned folder in this process, and in the
#: processes forked from it (the data helper, every report), reads these bytes, never the disk.
_PINNED: dict[str, dict[str, bytes | None]] = {}
_PIN_KEYS: dict[str, tuple] = {}


def pin(data_dir=None, files: dict | None = None) -> dict[str, bytes | None]:
    """Read the data files of ``data_dir`` once, as bytes (or take ``files``, bytes a build
    read elsewhere), and make every later load of that folder here and in forked processes
    use them: one data version, whatever the disk holds meanwhile. Returns the bytes.

    Raises
    ------
    UnsafeFileError : a data file is a symlink, FIFO, device or socket (nothing is pinned).
    DataError : a data file is larger than a data file may be.
    """
    folder = paths.data_dir(data_dir)
    if files is None:
        files = {}
        for path in data_files(folder):
            try:
                data = safefile.read_bytes(path, MAX_FILE_BYTES)
            except FileNotFoundError:
                data = None
            if data is not None and len(data) > MAX_FILE_BYTES:
                raise DataError(path, f"{MAX_FILE_BYTES // (1024 * 1024):,} MB 이하의 파일이어야 합니다"
                                f" — 표 하나에 {MAX_ROWS:,}행까지 담을 수 있습니다")
            files[path.name] = data
    _PINNED[str(folder)] = dict(files)
    _PIN_KEYS[str(folder)] = tuple(sorted(pinned_hashes(files).items()))
    return _PINNED[str(folder)]


def unpin(data_dir=None) -> None:
    """Read ``data_dir`` from the disk again."""
    _PINNED.pop(str(paths.data_dir(data_dir)), None)
    _PIN_KEYS.pop(str(paths.data_dir(data_dir)), None)


def pinned_hashes(files: dict) -> dict[str, str | None]:
    """``{file name: sha256}`` of pinned bytes (None for a file that was not there)."""
    return {name: None if data is None else hashlib.sha256(data).hexdigest() for name, data in files.items()}


def _pinned(path: Path) -> dict | None:
    found = _PINNED.get(str(Path(path).parent))
    return found if found is not None and Path(path).name in found else None


def _data_exists(path: Path) -> bool:
    pinned = _pinned(path)
    if pinned is not None:
        return pinned[Path(path).name] is not None
    return safefile.check(path) is not None  # a link, FIFO or device: refused by name (exit 2)


def _data_bytes(path: Path, limit: int) -> bytes:
    """The bytes of a data file (the pinned ones when pinned), at most ``limit + 1``.

    Raises
    ------
    FileNotFoundError : it is not there; UnsafeFileError : not a regular file.
    """
    pinned = _pinned(path)
    if pinned is not None:
        data = pinned[Path(path).name]
        if data is None:
            raise FileNotFoundError(2, "No such file", str(path))
        return data if len(data) <= limit + 1 else data[: limit + 1]  # no copy of a big table
    return safefile.read_bytes(path, limit)


def _read_bytes(path: Path) -> bytes:
    """The bytes of a data file (the build's pinned bytes when pinned), refused when it is
    bigger than :data:`MAX_FILE_BYTES`."""
    if not _data_exists(path):
        raise DataError(path, "파일이 있어야 합니다(파일 없음)")
    data = _data_bytes(path, MAX_FILE_BYTES)
    if len(data) > MAX_FILE_BYTES:
        raise DataError(path, f"{MAX_FILE_BYTES // (1024 * 1024):,} MB 이하의 파일이어야 합니다"
                        f"(크기 {MAX_FILE_BYTES:,} 바이트 초과) — 표 하나에 {MAX_ROWS:,}행까지 담을 수 있습니다")
    return data


def _read_text(path: Path, data: bytes | None = None) -> str:
    """The text of a data file (``data``: its bytes, already read by :func:`_read_bytes`)."""
    if data is None:
        data = _read_bytes(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        try:
            data.decode("cp949")
            hint = "UTF-8 인코딩이어야 합니다 — CP949(EUC-KR)로 저장된 것 같습니다. UTF-8로 다시 저장하세요"
        except UnicodeDecodeError:
            hint = "UTF-8 인코딩이어야 합니다"
        raise DataError(path, hint, line=line, value=data[exc.start: exc.start + 4].hex(" ")) from None
    if not text.strip():
        raise DataError(path, "머리행과 자료가 있는 CSV여야 합니다(빈 파일)")
    return text


def _header(path: Path, cells: list[str], table: Table, catalog: Catalog | None,
            problems: list) -> list[str] | None:
    """The canonical column names of the header ``cells`` (English names or the catalog's
    Korean labels); ``None`` (with the problems recorded) when it cannot be used."""
    if catalog is not None and table.name in catalog.titles:
        by_label = {labels.header_key(v): k for k, v in catalog.labels(table.name).items()}
    else:
        by_label = {labels.header_key(v): k
                    for k, v in labels.default_labels(table.name, table.columns).items()}
    if len(cells) > MAX_COLUMNS:  # refused at once: every check below stays linear in a bounded header
        problems.append(DataError(path, f"머리행의 열은 {MAX_COLUMNS:,}개 이하여야 합니다 — 이 표의 열은 "
                                  f"{len(table.columns)}개: {', '.join(table.columns)}", line=_HEADER_LINE,
                                  value=f"열 {len(cells):,}개"))
        return None
    names, before = [], len(problems)
    for i, cell in enumerate(cells):
        text = cell.strip()
        if text in table.columns:
            names.append(text)
        elif labels.header_key(text) in by_label and text:
            names.append(by_label[labels.header_key(text)])
        else:
            names.append(text)
    # trailing commas (Excel saves its empty columns so): empty names at the end of the
    # header, named once as what they are
    empties = trailing_empties(names)
    if empties:
        first = len(names) - empties + 1
        span = f"{first}번째 열(이름 없음)" if empties == 1 else f"{first}–{len(names)}번째 열(이름 없음)"
        problems.append(DataError(path, f"머리행 끝에 쉼표(,)가 남아 빈 열 {empties}개가 생겼습니다(엑셀이 "
                                  "빈 열을 함께 저장한 것) — 행 끝의 쉼표를 지우세요", line=_HEADER_LINE,
                                  column=span))
        names = names[:-empties]
        before = len(problems)   # named; the rows are still checked
    for i, name in enumerate(names):
        if name == "":
            problems.append(DataError(path, "열 이름이 있어야 합니다(빈 머리글) — 빈 칸이거나 쉼표가 겹쳤습니다",
                                      line=_HEADER_LINE, column=f"{i + 1}번째 열(이름 없음)"))
    counts = Counter(names)
    twice = [n for n in dict.fromkeys(names) if n and counts[n] > 1]
    for name in twice:
        problems.append(DataError(path, "같은 열이 두 번 있습니다 — 하나만 두세요", line=_HEADER_LINE,
                                  column=name, value=name))
    unknown = [c for c in names if c and c not in table.columns]
    defaulted = {col.name for col in table.cols if col.default is not None}
    missing = [c for c in table.columns if c not in names and c not in defaulted]
    wanted = ", ".join(table.columns)
    for col in missing:
        near = difflib.get_close_matches(col, unknown, n=1)
        found = f"'{near[0]}'(오타?)" if near else "없음"
        problems.append(DataError(path, f"'{col}' 열이 있어야 합니다 — 찾은 열: {found}; 필요한 열: {wanted} "
                                  "(한글 열 이름도 됩니다)", line=_HEADER_LINE, column=col,
                                  value=near[0] if near else None))
    for col in unknown:
        if missing and difflib.get_close_matches(col, missing, n=1):
            continue  # named above as the likely typo
        problems.append(DataError(path, f"알 수 없는 열입니다 — 필요한 열: {wanted}", line=_HEADER_LINE,
                                  column=col, value=col))
    return None if len(problems) > before else names


def _read_raw(path: Path, table: Table, catalog: Catalog | None = None,
              problems: list | None = None, data: bytes | None = None) -> pd.DataFrame | None:
    """The file as strings, header checked; index = file line number.

    Problems go to ``problems`` (a list; raised at once when not given); ``None`` is returned
    when the file cannot be split into cells at all.
    """
    own = problems is None
    problems = [] if own else problems
    try:
        raw = _split(path, table, catalog, problems, data)
    except DataError as exc:
        problems.append(exc)
        raw = None
    if own and problems:
        raise DataErrors(problems)
    return raw


def _split(path: Path, table: Table, catalog, problems: list,
           data: bytes | None = None) -> pd.DataFrame | None:
    # one line ending for the parser (old Mac files end lines with a lone \r)
    text = _read_text(path, data).replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, lines, start = [], [], 1
    try:
        for row in reader:
            if len(row) > 1 or (row and row[0].strip(" \t")):
                rows.append(row)
                lines.append(start)
                if len(rows) > MAX_ROWS + 1:
                    raise DataError(path, f"표 하나는 {MAX_ROWS:,}행 이하여야 합니다 — 자료를 나누거나 줄이세요",
                                    line=start)
            start = reader.line_num + 1
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):  # one huge cell, however it is quoted
            raise DataError(path, f"칸 하나는 {MAX_CELL_CHARS:,}자 이하여야 합니다(엑셀 칸 한도) — "
                            f"{csv.field_size_limit():,}자가 넘는 칸이 있습니다", line=start) from None
        if "end of data" in str(exc):   # the open quote swallowed the rest of the file
            raise DataError(path, '따옴표(")로 시작한 칸은 따옴표로 닫혀야 합니다(닫는 따옴표 없음)',
                            line=start) from None
        raise DataError(path, '따옴표(")로 감싼 칸은 닫는 따옴표 바로 뒤에 쉼표가 와야 합니다',
                        line=reader.line_num) from None
    if not rows:
        raise DataError(path, "머리행과 자료가 있는 CSV여야 합니다(빈 파일)")
    header = rows[0]
    trailing = trailing_empties([c.strip() for c in header])
    names = _header(path, header, table, catalog, problems)
    if names is None:
        return None
    if len(rows) == 1 and not table.optional:   # an optional table may hold only its header
        problems.append(DataError(path, "머리행 아래에 자료 행이 있어야 합니다(자료 없음)", line=2))
        return None
    width = len(header)
    expected_width = width - trailing
    # columns added later with a default may be left off the end of an older row
    optional_tail = 0
    for name in reversed(names):
        if name in table.columns and table.col(name).default is not None:
            optional_tail += 1
        else:
            break
    bad_width = False
    for line, row in zip(lines[1:], rows[1:]):
        if trailing and expected_width < len(row) <= width:
            extra = [c for c in row[expected_width:] if c.strip()]
            if extra:
                problems.append(DataError(path, "이름 없는 열(머리행 끝의 쉼표)에 값이 있습니다",
                                          line=line, column=f"{expected_width + 1}번째 열(이름 없음)",
                                          value=extra[0]))
                bad_width = True
            continue
        count = len(row)
        if expected_width - optional_tail <= count < expected_width:
            continue   # padded with the defaults below
        if count == expected_width + 1 and row[-1] == "":
            problems.append(DataError(path, f"머리행과 같은 수({expected_width}개)의 칸이어야 합니다 — 행 끝에 "
                                      "쉼표(,)가 남았습니다; 지우세요", line=line, value=f"칸 {count}개"))
            bad_width = True
        elif count > expected_width and (split := split_thousands(row, names, table, expected_width)):
            problems.append(DataError(path, f"머리행과 같은 수({expected_width}개)의 칸이어야 합니다 — 칸이 "
                                      f"남습니다: {split[1]}", line=line, column=split[0], value=f"칸 {count}개"))
            bad_width = True
        elif count != expected_width:
            short = "모자랍니다" if count < expected_width else "남습니다"
            problems.append(DataError(path, f"머리행과 같은 수({expected_width}개)의 칸이어야 합니다 — 칸이 "
                                      f"{short}", line=line, value=f"칸 {count}개"))
            bad_width = True
    if bad_width:
        return None
    body = [row[: len(names)] + [_default_of(table, n) for n in names[len(row):]] for row in rows[1:]]
    raw = pd.DataFrame(body, columns=names, dtype=object).astype("string")
    raw = raw.fillna("")
    for col in table.cols:  # a column added later: files written before it still load
        if col.default is not None and col.name not in raw.columns:
            raw[col.name] = col.default
    raw.index = pd.Index(lines[1:], name="line")
    return raw


def trailing_empties(cells: list[str]) -> int:
    """How many empty cells end a header row of more than one cell (Excel saves the empty
    columns right of a table as trailing commas); the first cell never counts."""
    n = 0
    for cell in reversed(cells[1:]):
        if cell.strip():
            break
        n += 1
    return n


def _default_of(table: Table, name: str) -> str:
    col = next((c for c in table.cols if c.name == name), None)
    return "" if col is None or col.default is None else col.default


_GROUP_HEAD = re.compile(r"^\s*[△\-−]?\d{1,3}$")
_GROUP_TAIL = re.compile(r"^\d{3}(\.\d+)?%?\s*$")


def split_thousands(row: list[str], names: list[str], table: Table, width: int) -> tuple[str, str] | None:
    """When a row has more cells than the header because a grouped number was written
    without quotes (``40,828`` read as two cells ``40`` and ``828``): the column where the
    first such number starts, and a message naming the numbers, the columns they shifted,
    and the fix; ``None`` when the extra cells are not explained so."""
    numeric = {c.name for c in table.cols if c.kind in ("money", "count", "number", "rate", "year")}
    cells, joined, start_cols = list(row), [], []
    i = 0
    while len(cells) > width and i < len(cells) - 1:
        name = names[i] if i < len(names) else None
        if name in numeric and _GROUP_HEAD.match(cells[i]) and _GROUP_TAIL.match(cells[i + 1]):
            j = i + 1
            while len(cells) - (j - i) > width and j + 1 < len(cells) and _GROUP_TAIL.match(cells[j + 1]) \
                    and not cells[j].endswith("%") and "." not in cells[j]:
                j += 1
            value = ",".join(cells[i:j + 1])
            joined.append(value)
            start_cols.append(name)
            cells[i:j + 1] = [value]
        i += 1
    if len(cells) != width or not joined:
        return None
    first = names.index(start_cols[0])
    shifted = [n for n in names[first + 1:]]
    numbers = ", ".join(f"'{v}'" for v in joined)
    quoted = ", ".join(f'"{v}"' for v in joined)
    plain = ", ".join(v.replace(",", "") for v in joined)
    message = (f"천 단위 쉼표가 있는 숫자 {numbers}이(가) 따옴표 없이 적혀 쉼표에서 칸이 나뉘었고, "
               f"'{start_cols[0]}' 열 뒤의 {', '.join(shifted)} 열이 밀렸습니다 — 값을 따옴표로 감싸거나"
               f"({quoted}) 쉼표를 지우세요({plain})")
    return start_cols[0], message


_NUMBER_CHARS = set("0123456789,.△-−% ")
_DATE_CHARS = set("0123456789-. ")
_ISO_DATE = r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})"
_DOT_DATE = r"(?P<y2>\d{4})\.\s*(?P<m2>\d{1,2})\.\s*(?P<d2>\d{1,2})\.?"
_ISO_MONTH = r"(?P<y>\d{4})-(?P<m>\d{2})"
_DOT_MONTH = r"(?P<y2>\d{4})\.\s*(?P<m2>\d{1,2})\.?"


def _parse_dates(text: pd.Series, month: bool):
    """Dates (``2016-04-08`` or the printed ``2016. 4. 8.``) or months (``2016-05``,
    ``2016. 5.``); returns (values, bad, why) where ``why`` names days that do not exist."""
    pattern = (f"^(?:{_ISO_MONTH}|{_DOT_MONTH})$" if month else f"^(?:{_ISO_DATE}|{_DOT_DATE})$")
    parts = text.str.extract(pattern)
    year = parts["y"].fillna(parts["y2"])
    mon = parts["m"].fillna(parts["m2"])
    day = pd.Series("1", index=text.index) if month else parts["d"].fillna(parts["d2"])
    matched = year.notna().to_numpy()
    num = pd.DataFrame({"year": pd.to_numeric(year, errors="coerce").fillna(2000),
                        "month": pd.to_numeric(mon, errors="coerce").fillna(1),
                        "day": pd.to_numeric(day, errors="coerce").fillna(1)}).astype("int64")
    # years a datetime64[ns] column cannot hold (e.g. 0 or 9999) are bad too
    holdable = ((num["year"] > 1677) & (num["year"] < 2262)).to_numpy()
    safe = num.copy()
    safe.loc[~holdable, "year"] = 2000
    values = pd.to_datetime(safe, errors="coerce")
    exists = values.notna().to_numpy() & holdable
    values = values.where(pd.Series(matched & exists, index=text.index))
    why = {}
    for i in np.flatnonzero(matched & ~exists):
        y, m, d = num.iloc[i]
        if not holdable[i]:
            continue   # a year no date column holds: the plain "expected a date" message
        if not 1 <= m <= 12:
            why[i] = f"없는 달입니다({m}월) — 1–12월"
        else:
            last = pd.Timestamp(year=min(max(int(y), 1678), 2261), month=int(m), day=1).days_in_month
            why[i] = (f"없는 날짜입니다 — {y}년 {m}월은 {last}일까지" if 1 <= d else "없는 날짜입니다")
    return values, ~(matched & exists), why


def _first_odd(value: str, allowed: set) -> int | None:
    """Index of the first character of ``value`` outside ``allowed``."""
    return next((i for i, ch in enumerate(value) if ch not in allowed), None)


def _lookalike(ch: str) -> str:
    """A hint for a character that looks like one the notation uses (full-width digits & co.)."""
    plain = unicodedata.normalize("NFKC", ch)
    if plain != ch and plain.isascii() and plain.strip():
        return f" — '{ch}'({unicodedata.name(ch, '?')})는 '{plain}'와 닮은 다른 글자입니다; '{plain}'로 고치세요"
    return ""


def _parse(raw: pd.DataFrame, table: Table, catalog: Catalog, path: Path,
           problems: list | None = None) -> pd.DataFrame:
    """Strings → typed columns, vectorised; every bad cell is recorded in ``problems``
    (raised at once when not given) and left empty."""
    own = problems is None
    problems = [] if own else problems
    out = {}
    for col in table.cols:
        text = raw[col.name].str.strip()
        empty = (text == "").to_numpy()
        too_big = np.zeros(len(text), dtype=bool)
        why: dict[int, str] = {}
        allowed = None
        if col.kind in ("money", "count", "year", "rate", "number"):
            values, decimals, bad = units.parse_numbers(
                text, integer=col.kind in ("money", "count", "year"), percent=col.kind == "rate")
            allowed = _NUMBER_CHARS
            if col.kind == "money":
                unit = catalog.unit(table.name, col.name)
                too_big = (values.abs() > np.iinfo(np.int64).max // units.factor(unit)) \
                    .fillna(False).to_numpy(dtype=bool)
                bad = bad | too_big
                values = units.to_won(values.where(~too_big), unit)
            out[col.name] = values
            if col.kind == "rate":
                out[f"{col.name}_dp"] = pd.Series(decimals, index=raw.index, dtype="int64")
        elif col.kind in ("date", "month"):
            values, bad, why = _parse_dates(text, col.kind == "month")
            # dates the datetime64[ns] column cannot hold (e.g. year 0 or 9999) are bad too
            bad = bad & ~empty
            allowed = _DATE_CHARS
            out[col.name] = values.astype("datetime64[ns]")
        else:
            bad = np.zeros(len(text), dtype=bool)
            out[col.name] = text.where(~empty).astype("string")
        for i in np.flatnonzero(bad):
            line, value = raw.index[i], raw[col.name].iloc[i]
            if too_big[i]:
                expected = (f"원으로 바꾸어 담을 수 있는 금액이어야 합니다(너무 큼) — 단위"
                            f"({catalog.unit(table.name, col.name)})를 확인하세요")
                at = None
            elif i in why:
                expected, at = why[i], None
            else:
                at = _first_odd(value, allowed) if allowed else None
                expected = f"{EXPECTED[col.kind]}이어야 합니다"
                if at is not None:
                    expected += _lookalike(value[at])
            problems.append(DataError(path, expected, line=line, column=col.name, value=value, at=at))
    if own and problems:
        raise DataErrors(problems)
    return pd.DataFrame(out, index=raw.index)


def _text_checks(raw: pd.DataFrame, table: Table, path: Path, problems: list) -> set:
    """Control characters and over-long text, in any cell; returns the (line, column) found."""
    found = set()
    for col in table.columns:
        cells = raw[col]
        hit = cells.str.contains(_CONTROL, regex=True).to_numpy(dtype=bool)
        long = (cells.str.len() > MAX_CELL_CHARS).to_numpy(dtype=bool)
        for i in np.flatnonzero(hit | long):
            line, value = raw.index[i], cells.iloc[i]
            if hit[i]:
                at = _CONTROL.search(value).start()
                problems.append(DataError(path, "제어 문자(NUL, ESC 등)는 쓸 수 없습니다 — 그 글자를 지우세요",
                                          line=line, column=col, value=value, at=at))
            else:
                problems.append(DataError(path, f"{MAX_CELL_CHARS:,}자 이하여야 합니다(엑셀 칸 한도) — "
                                          f"{len(value):,}자", line=line, column=col, value=value[:40]))
            found.add((line, col))
    return found


def _slug_checks(frame: pd.DataFrame, raw: pd.DataFrame, table: Table, path: Path, problems: list) -> None:
    """Identifiers that name report files: a slug, and none of the layout's own names."""
    if table.name == "organisation":
        targets = [("unit", pd.Series(True, index=frame.index))]  # every unit a slug (ASCII)
    elif table.name == "program":
        targets = [("program", pd.Series(True, index=frame.index))]
    else:
        return
    for col, mask in targets:
        for line, value in frame.loc[mask.to_numpy(dtype=bool), col].dropna().items():
            if not paths.SLUG.fullmatch(value):
                problems.append(DataError(
                    path, "보고서 파일 이름이 되는 식별자는 영문 소문자·숫자·'-'만 쓸 수 있습니다(64자까지)",
                    line=line, column=col, value=raw.at[line, col],
                    at=next((i for i, ch in enumerate(value) if not re.fullmatch(r"[a-z0-9-]", ch)), None)))
            elif value in paths.RESERVED and (table.name != "organisation" or frame.at[line, "kind"] == "division"):
                problems.append(DataError(
                    path, f"'{value}'는 보고서 목록이 쓰는 이름입니다({', '.join(sorted(paths.RESERVED))}) — "
                    "다른 식별자를 쓰세요", line=line, column=col, value=value))


#: The columns naming a row of the tables whose rows name reports: no two rows may share a
#: name (a division's short name equal to another's slug would take its report over).
_NAME_COLUMNS = {"organisation": ("unit", "name_ko", "name_en", "short_ko"), "program": ("program", "name_ko")}


def _name_checks(frame: pd.DataFrame, raw: pd.DataFrame, table: Table, path: Path, problems: list) -> None:
    """Every slug, name and short name differs from every other row's, compared after Unicode
    normalisation (NFKC, which includes NFC) and case folding (:func:`seoulcomm.paths.name_key`);
    both rows named."""
    columns = [c for c in _NAME_COLUMNS.get(table.name, ()) if c in frame.columns]
    owner: dict[str, tuple] = {}
    for column in columns:
        for line, value in frame[column].dropna().items():
            key = paths.name_key(value)
            if not key:
                continue
            if key in _RESERVED_KEYS and column != columns[0] and paths.name_key(frame.at[line, columns[0]]) != key:
                problems.append(_reserved_name(path, line, column, raw.at[line, column]))
                continue
            first = owner.setdefault(key, (line, column, value))
            if first[0] != line:
                problems.append(DataError(
                    path, f"{first[0]}행의 '{first[1]}' 값 {first[2]!r}와(과) 같은 이름입니다 — 식별자·이름·약칭은 "
                    "행마다 달라야 합니다(유니코드 정규화(NFC·NFKC)와 대소문자, 띄어쓰기를 무시하고 비교; 보고서가 서로 바뀝니다)",
                    line=line, column=column, value=raw.at[line, column]))


#: The output layout's own names (``2016/brief``, ``2016/office``) as names are compared: no
#: division's or program's name may be one (``--only 2016/brief`` would pick that division too).
_RESERVED_KEYS = frozenset(paths.name_key(r) for r in paths.RESERVED)


def _reserved_name(path: Path, line, column: str, value) -> DataError:
    return DataError(path, f"보고서 목록이 쓰는 이름({', '.join(sorted(paths.RESERVED))})과 같은 이름입니다 — "
                     "다른 이름을 쓰세요(유니코드 정규화와 대소문자, 띄어쓰기를 무시하고 비교)",
                     line=line, column=column, value=value)


def _names_of(frame: pd.DataFrame, path: Path) -> dict[str, tuple]:
    """``{name key: (unit, where, column, value)}`` of every slug, name and short name of the
    organisation table (the first row bearing each; ``where`` names the row by its unit)."""
    owner: dict[str, tuple] = {}
    for column in [c for c in _NAME_COLUMNS["organisation"] if c in frame.columns]:
        for unit, value in zip(frame["unit"], frame[column]):
            if isinstance(value, str) and paths.name_key(value):
                owner.setdefault(paths.name_key(value), (str(unit), f"{path.name}의 unit '{unit}' 행", column, value))
    return owner


def _rename_checks(frame: pd.DataFrame, raw: pd.DataFrame, table: Table, refs, path: Path,
                   problems: list) -> None:
    """A name a division takes by a rename (``organisation_history``) is no other division's
    slug, name or short name, nor the name another division takes by a rename, compared as
    :func:`_name_checks` compares; both rows named. A division and the slug it is renamed to
    are one division (its old names are its own)."""
    if table.name != "organisation_history" or "names" not in refs or frame.empty:
        return
    renamed = frame[(frame["change"] == "renamed").fillna(False).to_numpy(dtype=bool)]
    lineage: dict[str, str] = {}

    def root(unit: str) -> str:
        while lineage.get(unit, unit) != unit:
            unit = lineage[unit]
        return unit

    for unit, to in zip(renamed["unit"], renamed["to"]):
        if isinstance(unit, str) and isinstance(to, str) and root(unit) != root(to):
            lineage[root(to)] = root(unit)
    owner = {key: (root(first[0]),) + first[1:] for key, first in refs["names"].items()}
    for column in [c for c in ("name_ko", "short_ko") if c in renamed.columns]:
        for line, unit, value in zip(renamed.index, renamed["unit"], renamed[column]):
            if not isinstance(value, str) or not isinstance(unit, str) or not paths.name_key(value):
                continue
            if paths.name_key(value) in _RESERVED_KEYS and paths.name_key(unit) != paths.name_key(value):
                problems.append(_reserved_name(path, line, column, raw.at[line, column]))
                continue
            first = owner.setdefault(paths.name_key(value), (root(unit), f"{line}행", column, value))
            if first[0] != root(unit):
                problems.append(DataError(
                    path, f"{first[1]}의 '{first[2]}' 값 {first[3]!r}(부서 {first[0]})와(과) 같은 "
                    "이름입니다 — 이름을 바꾼 부서의 새 이름·약칭도 다른 부서의 식별자·이름·약칭과 달라야 합니다"
                    "(유니코드 정규화(NFC·NFKC)와 대소문자, 띄어쓰기를 무시하고 비교; 보고서가 서로 바뀝니다)",
                    line=line, column=column, value=raw.at[line, column]))


def _validate(frame: pd.DataFrame, raw: pd.DataFrame, table: Table, refs, path: Path,
              problems: list | None = None, skip: set = frozenset(), distinct: dict | None = None):
    """Schema checks (required, ranges, choices, references, unique key); every failure is
    recorded in ``problems`` (raised at once when not given) except cells in ``skip``
    (``distinct``: see :func:`_surely_valid`)."""
    own = problems is None
    problems = [] if own else problems
    typed = frame[[c for c in frame.columns if not c.endswith("_dp")]]
    if _surely_valid(typed, table, refs, distinct):
        # nothing the schema could refuse: pandera not asked
        if own and problems:
            raise DataErrors(problems)
        return
    import pandera.pandas as pa  # only to validate: the build process gets its data checked

    schema = dataframe_schema(table, refs)
    try:
        schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.copy()
        cases["line"] = pd.to_numeric(cases["index"], errors="coerce")
        cases = cases.sort_values("line", na_position="last", kind="stable")
        seen = set()
        for case in cases.itertuples(index=False):
            column, check = case.column, str(case.check)
            line = None if pd.isna(case.line) else int(case.line)
            if check == "multiple_fields_uniqueness" or column not in table.columns:
                key = ", ".join(table.key)
                value = None if line is None else " / ".join(str(raw.at[line, k]) for k in table.key)
                item = DataError(path, f"키({key})가 겹치지 않아야 합니다(중복 행)", line=line,
                                 column=key, value=value)
                ident = (line, key)
            else:
                if (line, column) in skip:
                    continue
                value = raw.at[line, column] if line is not None else case.failure_case
                if check == "not_nullable":
                    expected = "값이 있어야 합니다(빈칸 불가)"
                else:
                    expected = next((c.error for c in schema.columns[column].checks
                                     if c.error and (c.name in check or c.error in check)), check)
                item = DataError(path, expected, line=line, column=column, value=value)
                ident = (line, column)
            if ident not in seen:
                seen.add(ident)
                problems.append(item)
    if own and problems:
        raise DataErrors(problems)


def _surely_valid(typed: pd.DataFrame, table: Table, refs, distinct: dict | None = None) -> bool:
    """True when :func:`seoulcomm.schema.dataframe_schema` cannot refuse ``typed``: every
    column there, of its type, filled where required, within its range, choices and
    references, and no key twice (the same rules, vectorised; pandera, which words each
    failure, runs only when one of them fails). ``distinct``: ``{column: its distinct
    values}`` for columns whose every value is among them and each of them in some row (a
    big file's text columns, :attr:`seoulcomm.bulk.Raw.distinct`): those values are checked,
    not every cell."""
    from .schema import _DTYPES

    if sorted(typed.columns) != sorted(table.columns):
        return False
    for col in table.cols:
        values = typed[col.name]
        if str(values.dtype) != _DTYPES.get(col.kind, "string"):
            return False
        if distinct and col.name in distinct:
            values = pd.Series(distinct[col.name], dtype=values.dtype)
        missing = values.isna().to_numpy(dtype=bool)
        if missing.any():
            if not col.optional:
                return False
            values = values[~missing]
        if col.kind in ("money", "count", "rate", "number") and not col.negative \
                and (values < 0).any():
            return False
        if col.kind == "year" and ((values < 1990) | (values > 2100)).any():
            return False
        if col.kind == "choice" and not values.isin(col.choices).all():
            return False
        if col.kind == "ref" and col.ref in refs and not values.isin(refs[col.ref]).all():
            return False
    return not typed.duplicated(subset=list(table.key)).any()


def _load_table(name: str, folder: Path, refs, catalog: Catalog,
                data: bytes | None = None) -> tuple[pd.DataFrame | None, list]:
    """One table and every problem found in it (the frame is ``None`` when unusable);
    ``data``: the file's bytes, when already read."""
    table = TABLES[name]
    path = folder / table.file
    problems: list = []
    if table.optional and not _data_exists(path):   # an optional table left out: empty
        raw = pd.DataFrame({c: pd.Series([], dtype="string") for c in table.columns})
        raw.index = pd.Index([], name="line", dtype="int64")
        return _parse(raw, table, catalog, path), problems
    read = _read_bulk(path, table, catalog, data, problems)
    if read is not None:   # a big plain file, split and parsed column by column
        raw, frame = read
        if raw is None:
            return None, problems
    else:
        raw = _read_raw(path, table, catalog, problems, data)
        if raw is None:
            return None, problems
        _text_checks(raw, table, path, problems)
        frame = _parse(raw, table, catalog, path, problems)
    skip = {(p.line, p.column) for p in problems}
    _validate(frame, raw, table, refs, path, problems, skip,
              distinct=raw.distinct if read is not None else None)
    _slug_checks(frame, raw, table, path, problems)
    _name_checks(frame, raw, table, path, problems)
    _rename_checks(frame, raw, table, refs, path, problems)
    _time_checks(frame, raw, table, refs, path, problems, skip | {(p.line, p.column) for p in problems})
    _plan_checks(frame, raw, table, refs, path, problems, skip | {(p.line, p.column) for p in problems})
    problems.sort(key=lambda p: (p.line or 0))
    return frame, problems


#: Files from this size [bytes] are read column by column (:mod:`seoulcomm.bulk`) when they
#: are plain; smaller ones, and any file that is not plain, row by row (the same frames and
#: messages either way; tests/test_bulk.py). Every size: Arrow reads even a small table faster
#: than the row-by-row reader's per-column steps (data/'s 26 tables ≈ 0.38 → 0.23 s).
BULK_MIN_BYTES = 0


def _read_bulk(path: Path, table: Table, catalog: Catalog, data: bytes | None, problems: list):
    """``(raw, frame)`` of a big plain file read by :mod:`seoulcomm.bulk` (``(None, None)``
    when it cannot be used, its problems recorded); None to read it row by row."""
    from . import bulk

    if not colcache.available():   # no pyarrow: every file row by row
        return None
    try:
        if data is None:
            if _pinned(path) is None:  # a link, FIFO or device is refused by name, never opened
                st = safefile.check(path)
                if st is None or st.st_size < BULK_MIN_BYTES:
                    return None
            data = _read_bytes(path)
        if len(data) < BULK_MIN_BYTES:
            return None
        found: list = []
        read = bulk.read(path, data, table, catalog, found, MAX_ROWS, load=sys.modules[__name__])
    except DataError as exc:   # too many rows, or too big to read
        problems.append(exc)
        return None, None
    if read is None:
        return None
    raw, _names = read
    if raw is None:
        problems += found
        return None, None
    frame = bulk.parse(raw, table, catalog, path, found, max_chars=MAX_CELL_CHARS,
                       load=sys.modules[__name__])
    problems += found
    return raw, frame


def _time_checks(frame: pd.DataFrame, raw: pd.DataFrame, table: Table, refs, path: Path,
                 problems: list, skip: set) -> None:
    """A date within its row's year; a budget version the year has (``budget_versions``),
    dated no later than the snapshot stating it; a snapshot of the detail that carries every
    line of the year's earlier snapshots, or says in ``partial`` why it does not."""
    if {"year", "version"} <= set(frame.columns) and table.name != "budget_versions":
        _version_checks(frame, raw, refs, path, problems, skip)
    if {"year", "as_of"} <= set(frame.columns):
        for line in frame.index[history.outside_year(frame).to_numpy(dtype=bool)]:
            if (line, "as_of") in skip or (line, "year") in skip:
                continue
            problems.append(DataError(
                path, f"기준일(as_of)은 그 행의 연도({raw.at[line, 'year']}년) 안의 날짜여야 합니다 — 연도나 "
                "기준일을 고치세요(다음 해의 자료는 다음 연도의 행으로 적습니다)",
                line=line, column="as_of", value=raw.at[line, "as_of"]))
    if table.name == "budget_detail" and not any(p.line for p in problems if p.file == path):
        for gap in history.incomplete_snapshots(frame):
            shown = ", ".join(f"{n}행 {nm}" for n, nm in zip(gap["missing"][:5], gap["names"][:5]))
            more = f" 외 {len(gap['missing']) - 5}줄" if len(gap["missing"]) > 5 else ""
            problems.append(DataError(
                path, f"{gap['as_of']:%Y-%m-%d} 기준 세부내역에 {gap['earlier']:%Y-%m-%d} 기준의 줄 "
                f"{len(gap['missing'])}개가 없습니다({shown}{more}) — 새 기준일의 세부내역은 그 해의 모든 줄을 "
                "적거나, 일부만 적을 때는 partial 열에 그 까닭을 적으세요(예: 뉴미디어담당관만 집계)",
                line=gap["first"], column="line", value=f"{gap['year']}, {gap['as_of']:%Y-%m-%d}"))


def _version_checks(frame: pd.DataFrame, raw: pd.DataFrame, refs, path: Path, problems: list,
                    skip: set) -> None:
    """A budget version the year has (``budget_versions``), dated no later than the snapshot
    stating it: one message per version and year, at its first row that breaks a rule (the
    rows grouped by year and version name, not visited one by one)."""
    known = refs.get("version", {})
    skipped = {line for line, column in skip if column in ("version", "as_of")}
    years = frame["year"].astype("Int64")
    use = years.notna().to_numpy(dtype=bool).copy()
    years = years.to_numpy(dtype="int64", na_value=0)
    if skipped:
        lines = frame.index.to_numpy()
        use &= ~np.isin(lines, [line for line, column in skip if column == "version"])
    if not use.any():
        return
    version = frame["version"]
    names = version.astype("string").fillna(ORIGINAL).to_numpy(dtype=object)
    codes, distinct = _factorize_runs(names[use])
    year_codes, year_values = pd.factorize(years[use])
    # each (year, version name) once: is it known, and from which date
    pair_key = year_codes.astype(np.int64) * (len(distinct) + 1) + codes
    pair_codes, pair_uniques = pd.factorize(pair_key)
    unknown = np.zeros(len(pair_uniques), dtype=bool)
    dated = np.full(len(pair_uniques), np.datetime64("NaT"), dtype="datetime64[ns]")
    for k, key in enumerate(pair_uniques.tolist()):
        y = int(year_values[key // (len(distinct) + 1)])
        name = distinct[key % (len(distinct) + 1)]
        if name != ORIGINAL and (y, name) not in known:
            unknown[k] = True
            continue
        date = known.get((y, name), (0, None))[1]
        if date is not None and not pd.isna(date):
            dated[k] = np.datetime64(pd.Timestamp(date), "ns")
    offending = unknown[pair_codes]
    when = dated[pair_codes]
    if "as_of" in frame.columns:
        as_of = pd.to_datetime(frame["as_of"]).to_numpy(dtype="datetime64[ns]")[use]
        early = ~np.isnat(when) & ~np.isnat(as_of) & (as_of < when)
        if skipped:
            lines = frame.index.to_numpy()[use]
            early &= ~np.isin(lines, [line for line, column in skip if column == "as_of"])
        offending |= early
    if not offending.any():
        return
    at = np.flatnonzero(use)
    first = pd.DataFrame({"key": pair_key, "row": np.arange(len(pair_key))})[offending] \
        .drop_duplicates("key")["row"].to_numpy()
    for i in first:
        line = frame.index[at[i]]
        year, name = int(year_values[year_codes[i]]), distinct[codes[i]]
        if name != ORIGINAL and (year, name) not in known:
            listed = [v for (y, v) in sorted(known, key=lambda k: known[k][0]) if y == year]
            problems.append(DataError(
                path, f"{year}년 예산 단계(budget_versions.csv)에 있는 이름이어야 합니다 — 있는 단계: "
                f"{', '.join([ORIGINAL] + [v for v in listed if v != ORIGINAL])}; 새 단계(예: 1회 추경)는 "
                "budget_versions.csv에 연도·이름·순서·날짜로 먼저 적으세요",
                line=line, column="version", value=raw.at[line, "version"]))
        else:
            date = known.get((year, name), (0, None))[1]
            problems.append(DataError(
                path, f"기준일이 예산 단계 '{name}'의 날짜({date:%Y-%m-%d}) 이후여야 합니다 — 그 단계 "
                "전의 집행은 앞 단계(예: 당초)로 적으세요", line=line, column="version",
                value=raw.at[line, "version"]))


def _factorize_runs(texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of an array of texts (no missing value), hashed once per run of equal
    neighbours (a million detail rows repeat one budget version), not once per row."""
    if len(texts) < 2:
        return pd.factorize(texts)
    starts = np.flatnonzero(np.r_[True, texts[1:] != texts[:-1]])
    codes, uniques = pd.factorize(texts[starts])
    return np.repeat(codes, np.diff(np.r_[starts, len(texts)])), uniques


def _plan_checks(frame: pd.DataFrame, raw: pd.DataFrame, table: Table, refs, path: Path,
                 problems: list, skip: set) -> None:
    """The execution plan: a month 1–12, a line of that year's detail, a cumulative plan that
    never falls; a target rate of at most 100 %."""
    if table.name == "execution_targets":
        for line, value in frame["target_rate"].items():
            if (line, "target_rate") not in skip and not pd.isna(value) and value > 100:
                problems.append(DataError(path, "0–100 사이의 집행률(%)이어야 합니다", line=line,
                                          column="target_rate", value=raw.at[line, "target_rate"]))
        return
    if table.name != "execution_plan":
        return
    lines = refs.get("detail_line", set())
    for line, year, number, month in zip(frame.index, frame["year"], frame["line"], frame["month"]):
        if (line, "month") not in skip and not pd.isna(month) and not 1 <= int(month) <= 12:
            problems.append(DataError(path, "1–12 사이의 월이어야 합니다(그 달 말까지의 누계 계획)", line=line,
                                      column="month", value=raw.at[line, "month"]))
        if ((line, "line") not in skip and not pd.isna(year) and not pd.isna(number)
                and (int(year), int(number)) not in lines):
            problems.append(DataError(path, f"{int(year)}년 예산편성 세부내역(budget_detail)에 있는 행 번호여야 "
                                      "합니다", line=line, column="line", value=raw.at[line, "line"]))
    ordered = frame.rename_axis(None).dropna(subset=["year", "line", "month", "planned"]).sort_values(
        ["year", "line", "month"], kind="stable")
    fell = ordered.groupby(["year", "line"], sort=False)["planned"].diff() < 0
    for line in ordered.index[fell.fillna(False).to_numpy(dtype=bool)]:
        if (line, "planned") not in skip:
            problems.append(DataError(path, "누계 계획은 앞 달보다 작을 수 없습니다 — 그 달 말까지의 누계 "
                                      "집행계획을 적으세요(월별 금액이 아니라)", line=line, column="planned",
                                      value=raw.at[line, "planned"]))


def read_table(name: str, data_dir=None, *, refs=None, catalog: Catalog | None = None) -> pd.DataFrame:
    """Load one table by name, checked against its schema.

    Parameters
    ----------
    name : table name (a key of :data:`seoulcomm.schema.TABLES`).
    data_dir : data folder; ``None`` for the default (see :func:`seoulcomm.paths.data_dir`).
    refs : reference sets (``unit``, ``division``, ``section``, ``program``); loaded from the
        folder when not given.

    Raises
    ------
    DataErrors : every problem of the file (a :class:`DataError`; the first one's file,
        line, column and value are its own).
    """
    if name not in TABLES:
        raise ValueError(f"알 수 없는 표 '{name}' — 가능한 표: {', '.join(TABLES)}")
    folder = paths.data_dir(data_dir)
    if refs is None:
        refs = load_all(folder).refs
    catalog = catalog or read_catalog(folder)
    frame, problems = _load_table(name, folder, refs, catalog)
    if problems:
        raise DataErrors(problems)
    frame.index = pd.RangeIndex(len(frame))
    return frame


@dataclass
class Dataset:
    """All tables of one data folder, checked, with their declared units, and a read log.

    Every access through :meth:`__getitem__` (a whole table) or :meth:`rows` (the rows that
    match a few column values) is noted in :attr:`reads` as ``{"table": name, "where":
    {column: value, ...}}``. A report's footer is written from that log and the batch build
    hashes exactly those rows (:func:`digest_reads`) to know when a report is out of date.
    :func:`load_all` hands out a fresh log with each call; the tables are shared.
    """

    data_dir: Path
    catalog: Catalog
    tables: dict[str, pd.DataFrame] = field(repr=False)
    refs: dict[str, set] = field(repr=False)
    reads: list[dict] = field(default_factory=list, repr=False, compare=False)
    key: tuple = field(default=(), repr=False, compare=False)
    #: Row positions by column value and answers about the data (years, divisions, documents),
    #: computed once and shared by every fresh copy: the tables never change once loaded.
    memo: dict = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ reading, logged
    def _note(self, name: str, where: dict, column: str | None = None) -> None:
        """Log a read of table ``name`` (the rows ``where`` selects; only ``column`` of them
        when given); an unknown table is a usage error."""
        if name not in self.tables:
            raise ValueError(f"알 수 없는 표 '{name}' — 가능한 표: {', '.join(self.tables)}")
        entry = {"table": name, "where": {k: _plain(v) for k, v in where.items()}}
        if column is not None:
            entry["columns"] = [column]
        # "not in self.reads" without scanning the log (a brief or the index over thousands
        # of divisions logs tens of thousands of reads): the entries it holds, kept beside it
        held = self.__dict__.get("_held")
        if held is None or held[0] is not self.reads or held[1] != len(self.reads):
            held = (self.reads, 0, set())
            for old in self.reads:
                held[2].add(_frozen(old))
        frozen = _frozen(entry)
        if frozen not in held[2]:
            self.reads.append(entry)
            held[2].add(frozen)
        self.__dict__["_held"] = (self.reads, len(self.reads), held[2])

    def __getitem__(self, name: str) -> pd.DataFrame:
        self._note(name, {})
        return self.tables[name].copy()

    def rows(self, name: str, /, **where) -> pd.DataFrame:
        """The rows of table ``name`` whose columns hold the given values (a list or tuple:
        any of them), noted in the read log. ``year`` compares as a number, ``as_of`` as a
        date (``"2016-04-08"``)."""
        self._note(name, where)
        return self.select(name, where).copy()

    def values(self, name: str, column: str, /, **where) -> pd.Series:
        """The ``column`` of the rows :meth:`rows` would give, noted in the read log as that
        column only (``"columns": [column]``): a report that only asks which dates a year has
        does not depend on every figure of that year."""
        self._note(name, where, column)
        return self.select(name, where, [column])[column].copy()

    def distinct(self, name: str, column: str, /, **where) -> list:
        """The distinct values (missing left out, sorted) of ``column`` in the rows
        :meth:`values` gives, logged as it logs them; computed once per loaded data (which
        dates a year is stated at is asked by many sections of a report)."""
        self._note(name, where, column)

        def compute():
            found = self.select(name, where, [column])[column].dropna().drop_duplicates()
            return tuple(sorted(found.tolist()))

        asked = json.dumps({k: _plain(v) for k, v in where.items()}, sort_keys=True, default=str)
        return list(self.remember(("distinct", name, column, asked), compute))

    # ------------------------------------------------------------------ row index
    def positions(self, name: str, column: str) -> dict:
        """``{value: row positions}`` of one column of table ``name``, values as
        :meth:`select` compares them (dates as Timestamps, numbers as floats, others as
        text); built once per loaded table (the warm build builds them before it forks)."""
        key = ("positions", name, column)
        found = self.memo.get(key)
        if found is None:
            coded = self.memo.get(("codes", name, column))   # a text column read from the cache
            coded = colcache.codes(coded) if coded is not None else None
            found = self.memo[key] = coded_positions(*coded) if coded is not None else \
                value_positions(_comparable(self.tables[name][column]))
        return found

    def select(self, name: str, where: dict, columns=None) -> pd.DataFrame:
        """The rows of ``name`` matching ``where`` (not logged, not copied): the same rows,
        in the same order, as comparing every row would give, found through :meth:`positions` — its cost
        follows the rows it returns, not the size of the table. ``columns``: only those of
        them the table has (in that order), taken without the others."""
        frame = self.tables[name]
        at = self.rows_at(name, where)
        if columns is None:
            return frame if at is None else frame.iloc[at]
        columns = [c for c in dict.fromkeys(columns) if c in frame.columns]
        if at is None:
            return frame[columns]
        return frame.iloc[at, [frame.columns.get_loc(c) for c in columns]]

    def rows_at(self, name: str, where: dict) -> np.ndarray | None:
        """The positions, in order, of the rows of ``name`` matching ``where`` (see
        :meth:`select`); None for every row (no ``where``)."""
        if not where:
            return None
        frame = self.tables[name]
        found, later = [], []
        for column, value in where.items():
            if column not in frame.columns:
                raise ValueError(f"표에 없는 열 '{column}' — 있는 열: {', '.join(frame.columns)}")
            wanted = list(dict.fromkeys(_wanted(self.dtype(name, column), value)))
            if found and ("positions", name, column) not in self.memo:
                later.append((column, wanted))   # no positions yet: perhaps never needed (below)
                continue
            index = self.positions(name, column)
            hits = [index[v] for v in wanted if v in index]
            if not hits:
                return np.empty(0, dtype=np.intp)
            found.append(hits)
        # the column with the fewest rows first (each value's positions ascend: several values'
        # are sorted together once), then kept where another column's value holds them too (a
        # binary search in each value's positions): the cost follows the rows asked for, not
        # the size of the table
        found.sort(key=lambda hits: sum(len(h) for h in hits))
        first = found[0]
        if len(first) == 1:
            picked = first[0].copy()
        elif sum(len(h) for h in first) * 8 > len(frame):
            # much of the table (every year of it): marked in one mask, not sorted
            mask = np.zeros(len(frame), dtype=bool)
            for rows in first:
                mask[rows] = True
            picked = np.flatnonzero(mask)
        else:
            picked = np.sort(np.concatenate(first))
        for hits in found[1:]:
            if not len(picked):
                break
            if len(hits) * len(picked) > len(frame):
                # many values (a city's divisions) against many rows: one mask over the table
                # costs less than a binary search of every row in every value's positions
                picked = _among(picked, hits, len(frame))
                continue
            keep = np.zeros(len(picked), dtype=bool)
            for rows in hits:
                at = np.minimum(np.searchsorted(rows, picked), len(rows) - 1)
                keep |= rows[at] == picked
            picked = picked[keep]
        for column, wanted in later:
            # a column not indexed yet (a notebook kernel, which shows one report): the few rows
            # already picked compared as they are; its positions made only for many rows
            if len(picked) * COMPARE_BELOW <= len(frame):
                values = pd.Series(_comparable(frame[column]).array[picked])
                picked = picked[(values.isin(wanted) & values.notna()).to_numpy(dtype=bool)]
                continue
            index = self.positions(name, column)
            picked = _among(picked, [index[v] for v in wanted if v in index], len(frame))
        return picked

    def dtype(self, name: str, column: str):
        """The dtype of one column of table ``name``, looked up once per loaded table (taking a
        column out of a frame makes a Series each time: hundreds of reads, thousands of times)."""
        key = ("dtypes", name)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = dict(self.tables[name].dtypes.items())
        return found[column]

    def row_hashes(self, name: str, column: str) -> np.ndarray:
        """One 64-bit hash of each row's value in one column of ``name`` (NA its own value),
        computed once per loaded table: :func:`digest_reads` takes a read's rows from it."""
        key = ("hashes", name, column)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = pd.util.hash_pandas_object(
                self.tables[name][column], index=False).to_numpy()
        return found

    def index(self) -> None:
        """Build :meth:`positions` for the columns reports select by (:data:`INDEXED`) and
        :meth:`row_hashes` for every column: the warm build does it once, before it forks
        the reports."""
        for name, frame in self.tables.items():
            for column in INDEXED.intersection(frame.columns).union(TABLES[name].key):
                if column in frame.columns:
                    self.positions(name, column)
            for column in frame.columns:
                self.row_hashes(name, column)
        for key in [k for k in self.memo if k[0] == "codes"]:   # indexed: not carried further
            del self.memo[key]

    def remember(self, key, compute):
        """``compute()``, once per loaded data (for answers the report asks many times)."""
        key = ("answer",) + tuple(key)
        if key not in self.memo:
            self.memo[key] = compute()
        return self.memo[key]

    def recall(self, key):
        """What :meth:`remember` keeps for ``key``; None when nothing computed it."""
        return self.memo.get(("answer",) + tuple(key))

    # ------------------------------------------------------------------ what the data holds
    def unit(self, table: str, column: str | None = None) -> str:
        return self.catalog.unit(table, column)

    def divisions(self, year=None) -> pd.DataFrame:
        """The divisions, in the organisation table's order; with ``year``, only those that
        have a budget or execution row in that year (a division added later is absent from
        the years before it)."""
        org = self.tables["organisation"]
        divs = org[(org["kind"] == "division").fillna(False).to_numpy(dtype=bool)]
        if year is not None:
            present = self.units_in(year)
            divs = divs[divs["unit"].astype(str).isin(present).to_numpy(dtype=bool)]
        return divs.reset_index(drop=True)

    def units_in(self, year) -> set[str]:
        """Units with a budget, execution or detail row in ``year``."""
        def compute():
            found = set()
            for name in _BUDGET_TABLES:
                units = self.select(name, {"year": int(year)}, ["unit"])["unit"]
                found |= set(units.drop_duplicates().astype(str))   # each distinct unit once
            return frozenset(found)

        return set(self.remember(("units_in", int(year)), compute))

    def years(self, unit: str | None = None) -> list[int]:
        """Budget years the data holds (any budget, execution or detail table); with
        ``unit``, the years that have a row of that unit."""
        def compute():
            found = set()
            for name in _BUDGET_TABLES:
                frame = self.tables[name] if unit is None else self.select(name, {"unit": unit})
                found |= set(int(y) for y in frame["year"].dropna().unique())
            return tuple(sorted(found))

        return list(self.remember(("years", unit), compute))

    def programs(self) -> list[str]:
        return list(self.tables["program"]["program"])

    def as_of(self) -> dict[str, str]:
        """The as-of dates of the tables that state one, e.g. ``{'budget_detail': '2016-04-08'}``."""
        def compute():
            out = {}
            for name, frame in self.tables.items():
                if "as_of" in frame.columns:
                    dates = sorted({d.strftime("%Y-%m-%d") for d in frame["as_of"].dropna().drop_duplicates()})
                    if dates:   # an optional table left empty states no date
                        out[name] = ", ".join(dates)
            return out

        return dict(self.remember(("as_of",), compute))

    def document(self, source) -> dict:
        """The document a row's ``source`` cites (its first word is the file name):
        ``file, title, issuer, date, short, kind`` (``settlement`` for a 결산서), ``written``
        (when it was written, at the precision known; its date if not stated); an unknown
        file stands for itself."""
        file = str(source).split(" ", 1)[0]
        self._note("documents", {"file": file})  # the footer names it: a new title rebuilds

        def compute():
            hit = self.select("documents", {"file": file})
            if hit.empty:
                return {"file": file, "title": file, "issuer": "", "date": None, "short": file,
                        "kind": "", "written": ""}
            row = hit.iloc[0]
            date = None if pd.isna(row["date"]) else row["date"].strftime("%Y-%m-%d")
            short = row["short"] if not pd.isna(row["short"]) else str(row["title"])
            kind = row.get("kind", pd.NA)
            written = row.get("written", pd.NA)
            return {"file": file, "title": str(row["title"]), "issuer": str(row["issuer"]),
                    "date": date, "short": str(short), "kind": "" if pd.isna(kind) else str(kind),
                    "written": (date or "") if pd.isna(written) else str(written)}

        return dict(self.remember(("document", file), compute))

    def fresh(self) -> "Dataset":
        """The same tables with an empty read log."""
        return replace(self, reads=[])


def _among(picked: np.ndarray, hits: list, size: int) -> np.ndarray:
    """The positions of ``picked`` that are in one of ``hits`` (ascending position arrays of a
    table of ``size`` rows), by one mask over the table."""
    mask = np.zeros(size, dtype=bool)
    for rows in hits:
        mask[rows] = True
    return picked[mask[picked]]


#: :meth:`Dataset.rows_at` compares a column not yet indexed row by row when the rows already
#: picked are at most this fraction (1/N) of the table, rather than indexing the whole column.
COMPARE_BELOW = 64
#: Columns reports select rows by (besides each table's key): indexed before reports fork.
INDEXED = frozenset({"year", "as_of", "unit", "division", "program", "section", "file", "kind",
                     "level", "item", "name", "category", "period", "metric", "detail_program"})
#: Tables whose rows say which units have a budget in which year.
_BUDGET_TABLES = ("budget_division", "execution_division", "budget_detail")


def _plain(value):
    """A where-value as JSON: numbers, strings, dates as ISO text, lists of those."""
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    if isinstance(value, (pd.Timestamp,)) or hasattr(value, "strftime"):
        return pd.Timestamp(value).strftime("%Y-%m-%d")
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


def _frozen(value):
    """A read-log entry as a hashable value equal exactly when the entries are equal (``==``
    of dicts and lists: key order aside, ``1 == 1.0``)."""
    if isinstance(value, dict):
        return ("dict", frozenset((k, _frozen(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("list", tuple(_frozen(v) for v in value))
    if isinstance(value, tuple):
        return ("tuple", tuple(_frozen(v) for v in value))
    try:
        hash(value)
    except TypeError:
        return ("repr", type(value).__name__, repr(value))
    return value


def value_positions(col: pd.Series) -> dict:
    """``{value: ascending row positions}`` of a column (missing values left out)."""
    codes, uniques = pd.factorize(col, use_na_sentinel=True)
    order, bounds = _grouped(codes, len(uniques))
    return {uniques[i]: order[bounds[i]:bounds[i + 1]] for i in range(len(uniques))}


def _grouped(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The row positions ordered by code (-1, missing, first), each code's in ascending order,
    and where each of the codes 0 … n-1 starts in them (n + 1 bounds)."""
    small = codes.astype(np.int16) if n < 2 ** 15 - 1 else codes   # small integers: a radix sort
    order = np.argsort(small, kind="stable")
    return order, np.searchsorted(small[order], np.arange(n + 1))


def coded_positions(codes: np.ndarray, values) -> dict:
    """:func:`value_positions` of a text column given as dictionary codes (each row's place in
    ``values``, -1 where missing): the same positions, found without hashing a text."""
    order, bounds = _grouped(codes, len(values))
    return {values[i]: order[bounds[i]:bounds[i + 1]] for i in range(len(values))
            if bounds[i] < bounds[i + 1]}


def _comparable(col: pd.Series) -> pd.Series:
    """A column as :meth:`Dataset.select` compares it: dates and numbers as they are, others as text."""
    if pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_integer_dtype(col) \
            or pd.api.types.is_float_dtype(col):
        return col
    return col.astype("string")


def _wanted(dtype, value) -> list:
    """The values a where-entry asks for, as :func:`_comparable` holds them (``dtype``: the
    column's)."""
    wanted = list(value) if isinstance(value, (list, tuple, set)) else [value]
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return [pd.Timestamp(v) for v in wanted]
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return [float(v) for v in wanted]
    return [str(v) for v in wanted]


def columns_read(rows: pd.DataFrame, entry: dict) -> pd.DataFrame:
    """``rows`` cut to the columns a read-log entry took (all of them when it names none)."""
    if not entry.get("columns"):
        return rows
    return rows[[c for c in dict.fromkeys(entry["columns"]) if c in rows.columns]]


def digest_of(ds: Dataset, reads) -> str | None:
    """:func:`digest_reads` of a read log (a non-empty list of entries); None for anything
    else, or when the log names what the data does not hold."""
    if not isinstance(reads, list) or not reads or not all(isinstance(r, dict) for r in reads):
        return None
    try:
        return digest_reads(ds, reads)
    except Exception:
        return None


def digest_reads(ds: Dataset, reads: list[dict]) -> str:
    """A hash of exactly the rows ``reads`` names (entries of :attr:`Dataset.reads`), and of
    the units their tables are written in: it changes when, and only when, one of those
    rows or units changes."""
    h = hashlib.sha256()
    for entry in sorted(reads, key=lambda e: json.dumps(e, sort_keys=True, default=str)):
        name = entry.get("table")
        if name not in ds.tables:
            h.update(f"missing:{name}".encode())
            continue
        frame = ds.tables[name]
        at = ds.rows_at(name, entry.get("where") or {})
        columns = [c for c in dict.fromkeys(entry.get("columns") or frame.columns) if c in frame.columns]
        h.update(json.dumps(entry, sort_keys=True, default=str).encode())
        h.update(json.dumps([ds.catalog.table_units.get(name), ds.catalog.column_units.get(name)],
                            sort_keys=True).encode())
        # the columns, their types and, column by column, one 64-bit hash of each row's value
        # (NA its own value), taken from the table's hashes made once (Dataset.row_hashes)
        h.update(json.dumps([[str(c) for c in columns], [str(ds.dtype(name, c)) for c in columns],
                             len(frame) if at is None else len(at)]).encode())
        for c in columns:
            hashes = ds.row_hashes(name, c)
            h.update((hashes if at is None else hashes[at]).tobytes())
    return h.hexdigest()


_CACHE: dict[tuple, Dataset] = {}


def cached(key: tuple) -> Dataset | None:
    """The dataset :func:`load_all` keeps for ``key`` (:func:`fingerprint`), shared, not a
    fresh copy; None when it keeps none."""
    return _CACHE.get(key)


def adopt(dataset: Dataset) -> None:
    """Keep ``dataset`` (loaded elsewhere, e.g. by the build's helper process) as what
    :func:`load_all` gives for its folder while the files stay as they were."""
    _CACHE.clear()
    _CACHE[dataset.key] = dataset


def forget() -> None:
    """Drop what :func:`load_all` keeps: the next call reads the files again."""
    _CACHE.clear()


def fingerprint(folder: Path) -> tuple:
    """What :func:`load_all`'s cache is keyed by: the folder and each data file's size and
    modification time (a file changed since is loaded again), or the pinned bytes' hashes."""
    pinned = _PINNED.get(str(folder))
    if pinned is not None:  # the bytes themselves: a change on disk is not this build's data
        return (str(folder), "pinned", _PIN_KEYS[str(folder)])
    stats = []
    for name in [paths.CATALOG_FILE] + [t.file for t in TABLES.values()]:
        p = folder / name
        st = p.stat() if p.exists() else None
        stats.append((name, st.st_mtime_ns if st else None, st.st_size if st else None))
    return (str(folder), tuple(stats))


def load_all(data_dir=None) -> Dataset:
    """Load and check every table of the data folder (cached until a file changes)."""
    folder = paths.data_dir(data_dir)
    if not folder.is_dir():
        raise DataError(folder, "데이터 폴더가 있어야 합니다(폴더 없음)")
    key = fingerprint(folder)
    if key in _CACHE:
        return _CACHE[key].fresh()
    catalog = read_catalog(folder)
    refs = _Refs()
    tables = {}
    problems: list = []   # every problem of every file, raised together at the end
    cached = _Cached(folder)
    for name in LOAD_ORDER:
        frame = cached.get(name)
        if frame is None:
            frame, found = _load_table(name, folder, refs, catalog, cached.bytes_of(name))
            problems += found
            if frame is None:
                continue
            frame = frame.set_axis(pd.RangeIndex(len(frame)))
            if not found:
                cached.checked[name] = frame
        tables[name] = frame
        if name == "organisation":
            org = tables[name]
            refs["unit"] = set(org["unit"].dropna())
            refs["division"] = set(org.loc[(org["kind"] == "division").fillna(False), "unit"].dropna())
            refs.later("names", lambda org=org, path=folder / TABLES[name].file: _names_of(org, path))
        elif name == "sections":
            refs["section"] = set(tables[name]["section"].dropna())
        elif name == "program":
            refs["program"] = set(tables[name]["program"].dropna())
        elif name == "budget_versions":
            versions = tables[name].dropna(subset=["year", "version"])
            refs["version"] = {(int(y), str(v)): (int(o) if not pd.isna(o) else 0, d)
                               for y, v, o, d in zip(versions["year"], versions["version"],
                                                     versions["order"], versions["date"])}
        elif name == "budget_detail":
            refs.later("detail_line", lambda detail=tables[name]: _detail_lines(detail))
    if problems:
        raise DataErrors(problems)
    cached.keep()
    _years_from_documents(tables)
    _years_of_program_sheets(tables)
    dataset = Dataset(folder, catalog, tables, refs, key=key)
    if cached.keys:   # what the column cache knows these tables by (the audit is kept by it too)
        dataset.memo[("colcache", "keys")] = dict(cached.keys)
    for name, codes in cached.codes.items():   # text columns as read: indexed without comparing texts
        for column, coded in codes.items():
            dataset.memo[("codes", name, column)] = coded
    _CACHE.clear()
    _CACHE[key] = dataset
    return dataset.fresh()


class _Refs(dict):
    """The reference sets :func:`load_all` gives (``{kind: set}``), two of them made only when
    first read: the detail's ``(year, line)`` pairs and the organisation's names are needed to
    check a table read from its CSV, and a kernel whose tables all come from the column cache
    checks none (a million detail rows: the pairs cost ≈ 0.07 s). Reading one of them (an
    item, ``get``, ``in``) makes it; reading the whole (iteration, ``len``, ``==``, a copy, a
    pickle) makes both first; the frames they are made from never change once loaded."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._later: dict = {}

    def later(self, key, compute) -> None:
        """``self[key]`` will be ``compute()``, made when first read."""
        dict.pop(self, key, None)
        self._later[key] = compute

    def _fill(self) -> None:
        while self._later:
            self._make(next(iter(self._later)))

    def _make(self, key) -> None:
        compute = self._later.get(key)
        if compute is not None:
            dict.__setitem__(self, key, compute())
            del self._later[key]

    def __getitem__(self, key):
        self._make(key)
        return dict.__getitem__(self, key)

    def __setitem__(self, key, value):
        self._later.pop(key, None)
        dict.__setitem__(self, key, value)

    def get(self, key, default=None):
        self._make(key)
        return dict.get(self, key, default)

    def __contains__(self, key):
        return key in self._later or dict.__contains__(self, key)

    def __eq__(self, other):
        self._fill()
        if isinstance(other, _Refs):
            other._fill()
        return dict.__eq__(self, other)

    def __ne__(self, other):
        result = self.__eq__(other)
        return result if result is NotImplemented else not result

    __hash__ = None

    def copy(self) -> dict:
        self._fill()
        return dict(dict.items(self))

    def pop(self, key, *default):
        self._make(key)
        return dict.pop(self, key, *default)

    def setdefault(self, key, default=None):
        self._make(key)
        return dict.setdefault(self, key, default)

    def __reduce__(self):   # pickled (the build's helper sends the data): a plain, full dict
        return (dict, (self.copy(),))


def _after_filling(method):
    """``dict``'s ``method`` on a :class:`_Refs` made whole first."""
    def whole(self, *args, **kwargs):
        self._fill()
        return method(self, *args, **kwargs)
    return whole


for _name in ("__iter__", "__len__", "__repr__", "keys", "values", "items", "update"):
    setattr(_Refs, _name, _after_filling(getattr(dict, _name)))


def _detail_lines(detail: pd.DataFrame) -> set:
    """``{(year, line)}`` of the detail's rows that state both: each distinct pair found once
    (a million rows of twelve snapshots hold a twelfth as many pairs), not row by row."""
    both = (detail["year"].notna() & detail["line"].notna()).to_numpy(dtype=bool)
    years = detail["year"].to_numpy(dtype="int64", na_value=0)[both]
    lines = detail["line"].to_numpy(dtype="int64", na_value=0)[both]
    if len(years) and 0 <= years.min() and years.max() < 2 ** 31 and 0 <= lines.min() \
            and lines.max() < 2 ** 31:   # each pair one number: found once by a hash of numbers
        pairs = pd.unique((years << 32) | lines)
        return set(zip((pairs >> 32).tolist(), (pairs & 0xFFFFFFFF).tolist()))
    return set(zip(years.tolist(), lines.tolist()))


def _years_of_program_sheets(tables: dict[str, pd.DataFrame]) -> None:
    """A program schedule row whose year is left unstated (written before the column, by a
    sheet that carries no date) belongs to the program's first sheet: the earliest year of
    its cost lines (else of its budget table)."""
    sched = tables.get("program_schedule")
    if sched is None or "year" not in sched.columns or not sched["year"].isna().any():
        return
    first = {}
    for name in ("program_budget", "program_costs"):
        frame = tables.get(name)
        if frame is not None and len(frame):
            first.update(frame.dropna(subset=["year"]).groupby("program")["year"].min().to_dict())
    filled = sched["program"].astype(object).map(first).astype("Int64")
    sched["year"] = sched["year"].astype("Int64").fillna(filled)


def _file_sha(path: Path) -> str:
    """sha256 of a data file's bytes, read a piece at a time (as :func:`_read_bytes` refuses
    it: a link or special file, or one bigger than :data:`MAX_FILE_BYTES`)."""
    if not _data_exists(path):
        raise DataError(path, "파일이 있어야 합니다(파일 없음)")
    digest, total = hashlib.sha256(), 0
    piece = bytearray(1 << 22)
    view = memoryview(piece)
    with safefile.open_file(path, "rb") as fh:
        while True:
            n = fh.readinto(piece)
            if not n:
                break
            total += n
            if total > MAX_FILE_BYTES:
                raise DataError(path, f"{MAX_FILE_BYTES // (1024 * 1024):,} MB 이하의 파일이어야 합니다")
            digest.update(view[:n])
    return digest.hexdigest()


class _Cached:
    """The column cache (:mod:`seoulcomm.colcache`) as :func:`load_all` uses it: each table's
    file read once, as bytes, and keyed by them; the checked frame taken from the cache when
    its key is there; the tables checked here kept (:meth:`keep`) once every table loaded."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.place = colcache.folder(folder)
        self.data: dict[str, bytes] = {}       # pinned bytes, parsed if not cached
        self.keys: dict[str, str] = {}
        self.shas: dict[str, str] = {}
        self.checked: dict[str, pd.DataFrame] = {}
        #: each cached table's text columns as dictionary codes (colcache.get with codes)
        self.codes: dict[str, dict] = {}
        if self.place is None:
            return
        try:
            shas = {}
            for name in LOAD_ORDER:
                path = folder / TABLES[name].file
                if TABLES[name].optional and not _data_exists(path):
                    shas[name] = "absent"
                    continue
                if _pinned(path) is not None:   # the build's bytes: hashed, kept for the parse
                    self.data[name] = _read_bytes(path)
                    shas[name] = colcache.sha(self.data[name])
                else:   # hashed as read, a piece at a time: a table found in the cache is never held
                    shas[name] = _file_sha(path)
            catalog_sha = colcache.sha(_data_bytes(folder / paths.CATALOG_FILE, MAX_YAML_BYTES))
            self.keys = {name: colcache.table_key(name, shas, catalog_sha) for name in LOAD_ORDER}
            self.shas = shas
        except (DataError, OSError):
            self.keys = {}   # a file missing or too big: every table read as without a cache

    def get(self, name: str) -> pd.DataFrame | None:
        key = self.keys.get(name)
        codes: dict = {}
        frame = colcache.get(self.place, name, key, codes=codes) if key else None
        if frame is not None:
            self.data.pop(name, None)
            self.codes[name] = codes
        return frame

    def bytes_of(self, name: str) -> bytes | None:
        """The bytes table ``name`` is parsed from when the cache does not hold it (None: the
        loader reads them itself). Read again, they must be the bytes its key was made from:
        a file changed since is parsed as it is now, and nothing of this load is cached."""
        if name in self.data:
            return self.data.pop(name)
        if not self.keys or self.shas.get(name) in (None, "absent"):
            return None
        data = _read_bytes(self.folder / TABLES[name].file)
        if colcache.sha(data) != self.shas[name]:
            self.keys = {}
        return data

    def keep(self) -> None:
        for name, frame in self.checked.items():
            if name in self.keys:
                colcache.put(self.place, name, self.keys[name], frame)
        if self.checked:
            colcache.prune(self.place)
        self.data.clear()


def _years_from_documents(tables: dict[str, pd.DataFrame]) -> None:
    """A ``year`` left unstated (a column added after the row was written) is the year of
    the document the row cites: a plan in the 2016 work report is the 2016 plan."""
    docs = tables["documents"]
    year_of = {str(f): d.year for f, d in zip(docs["file"], docs["date"]) if not pd.isna(d)}
    for name, table in TABLES.items():
        col = next((c for c in table.cols if c.name == "year" and c.default is not None), None)
        frame = tables[name]
        if col is None or "source" not in frame.columns or not frame["year"].isna().any():
            continue
        cited = frame["source"].astype("string").str.split(" ", n=1).str[0]
        filled = cited.map(year_of).astype("Int64")
        frame["year"] = frame["year"].astype("Int64").fillna(filled)


def _reader(name: str):
    def read(data_dir=None) -> pd.DataFrame:
        return load_all(data_dir)[name]

    read.__name__ = f"read_{name}"
    read.__doc__ = (f"Load ``{TABLES[name].file}`` ({TABLES[name].title}), checked; "
                    f"money in integer 원.")
    return read


read_documents = _reader("documents")
read_organisation = _reader("organisation")
read_staffing = _reader("staffing")
read_staffing_totals = _reader("staffing_totals")
read_budget_division = _reader("budget_division")
read_budget_composition = _reader("budget_composition")
read_program_shares = _reader("program_shares")
read_execution_division = _reader("execution_division")
read_budget_detail = _reader("budget_detail")
read_sections = _reader("sections")
read_outcomes = _reader("outcomes")
read_schedule = _reader("schedule")
read_program = _reader("program")
read_program_budget = _reader("program_budget")
read_program_costs = _reader("program_costs")
read_program_schedule = _reader("program_schedule")
read_settlement = _reader("settlement")
read_execution_plan = _reader("execution_plan")
read_program_text = _reader("program_text")
read_execution_targets = _reader("execution_targets")
read_budget_versions = _reader("budget_versions")
read_organisation_history = _reader("organisation_history")
read_plan_vision = _reader("plan_vision")
read_section_text = _reader("section_text")
read_section_links = _reader("section_links")
read_general_notes = _reader("general_notes")
