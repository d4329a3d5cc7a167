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
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
import yaml

from . import paths, units
from .errors import DataError, UsageError
from .schema import EXPECTED, LOAD_ORDER, TABLES, Table, dataframe_schema

_HEADER_LINE = 1


@dataclass(frozen=True)
class Catalog:
    """Units declared in ``catalog.yaml``: one per table, with per-column exceptions."""

    titles: dict[str, str]
    table_units: dict[str, str]
    column_units: dict[str, dict[str, str]]

    def unit(self, table: str, column: str | None = None) -> str:
        """The unit a column of ``table`` is written in."""
        return self.column_units.get(table, {}).get(column, self.table_units[table])


def read_catalog(data_dir=None) -> Catalog:
    """Read ``catalog.yaml`` and check that every table declares a usable unit."""
    path = paths.data_dir(data_dir) / paths.CATALOG_FILE
    text = _read_text(path)
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DataError(path, f"올바른 YAML ({exc.problem if hasattr(exc, 'problem') else exc})",
                        line=mark.line + 1 if mark else None) from None
    if not isinstance(raw, dict):
        raise DataError(path, "표 이름마다 title·unit을 적은 YAML 사전이어야 합니다"
                        "(예: budget_detail: {title: 예산편성 세부내역, unit: 백만원})",
                        value=str(raw)[:40])
    titles, table_units, column_units = {}, {}, {}
    for name, table in TABLES.items():
        entry = raw.get(name)
        if not isinstance(entry, dict) or "unit" not in entry:
            raise DataError(path, f"'{name}' 표의 단위(unit) 선언", column=name)
        titles[name] = str(entry.get("title", table.title))
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
    return Catalog(titles, table_units, column_units)


def _read_text(path: Path) -> str:
    if not path.is_file():
        raise DataError(path, "파일이 있어야 합니다(파일 없음)")
    data = path.read_bytes()
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


def _read_raw(path: Path, table: Table) -> pd.DataFrame:
    """The file as strings, header checked; index = file line number."""
    # one line ending for the parser: pandas' C tokenizer drops the first, empty field of a
    # row that follows a blank line ended by a lone \r (old Mac files)
    text = _read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    records = _records(text)
    try:
        raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False,
                          skip_blank_lines=True)
    except pd.errors.ParserError as exc:
        msg = str(exc)
        if "EOF inside string" in msg:   # the open quote swallowed the rest of the file
            raise DataError(path, '따옴표(")로 시작한 칸은 따옴표로 닫혀야 합니다(닫는 따옴표 없음)',
                            line=records[-1][0] if records else None) from None
        _check_widths(path, records)
        line = None
        if "line" in msg:
            digits = [int(w.strip(",.")) for w in msg.replace(",", " ").split() if w.strip(",.").isdigit()]
            line = digits[1] if len(digits) > 1 else (digits[0] if digits else None)
        raise DataError(path, f"머리행과 같은 수({len(table.cols)}개)의 칸", line=line,
                        value=msg.split(":")[-1].strip()) from None
    header = [str(c).strip() for c in raw.columns]
    raw.columns = header
    for col in table.cols:  # a column added later: files written before it still load
        if col.default is not None and col.name not in header:
            raw[col.name] = col.default
            header.append(col.name)
    missing = [c for c in table.columns if c not in header]
    unknown = [c for c in header if c not in table.columns]
    if missing:
        col = missing[0]
        near = difflib.get_close_matches(col, unknown, n=1)
        found = f"'{near[0]}'(오타?)" if near else "없음"
        raise DataError(path, f"'{col}' 열이 있어야 합니다 — 찾은 열: {found}; 필요한 열: "
                        f"{', '.join(table.columns)}", line=_HEADER_LINE, column=col,
                        value=near[0] if near else None)
    if unknown:
        raise DataError(path, f"알 수 없는 열입니다 — 필요한 열: {', '.join(table.columns)}",
                        line=_HEADER_LINE, column=unknown[0], value=unknown[0])
    if raw.empty:
        raise DataError(path, "머리행 아래에 자료 행이 있어야 합니다(자료 없음)", line=2)
    if records is not None and len(records) == len(raw) + 1:
        # same records as the parser saw: their lines are exact, and their widths must agree
        # (pandas would silently pad a short row, or take an extra field for an index)
        _check_widths(path, records)
        raw.index = pd.Index([line for line, _ in records[1:]], name="line")
    else:
        raw.index = _file_lines(text, len(raw))
    return raw


def _records(text: str) -> list[tuple[int, int]] | None:
    """(first line, number of fields) of each non-blank CSV record, the header first.

    Lines are counted as an editor counts them, so a quoted cell spanning lines moves the
    records after it down. ``None`` when the csv module cannot split the text.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    records, start = [], 1
    try:
        for row in reader:
            if len(row) > 1 or (row and row[0].strip(" \t")):
                records.append((start, len(row)))
            start = reader.line_num + 1
    except csv.Error:
        return None
    return records


def _check_widths(path: Path, records: list[tuple[int, int]] | None) -> None:
    """Every record must have as many fields as the header."""
    if not records:
        return
    width = records[0][1]
    for line, count in records[1:]:
        if count != width:
            short = "모자랍니다" if count < width else "남습니다"
            raise DataError(path, f"머리행과 같은 수({width}개)의 칸이어야 합니다 — 칸이 {short}",
                            line=line, value=f"칸 {count}개")


def _file_lines(text: str, rows: int) -> pd.Index:
    """Line numbers of the data rows (skipping blank lines, as the parser does)."""
    lines = [i for i, l in enumerate(text.splitlines(), start=1) if l.strip()]
    if len(lines) - 1 == rows:
        return pd.Index(lines[1:], name="line")
    return pd.RangeIndex(2, rows + 2, name="line")  # quoted newlines: fall back to row order


def _parse(raw: pd.DataFrame, table: Table, catalog: Catalog, path: Path) -> pd.DataFrame:
    """Strings → typed columns, vectorised; the first bad cell (by line) raises."""
    out = {}
    first_bad = None
    for col in table.cols:
        text = raw[col.name].str.strip()
        empty = (text == "").to_numpy()
        too_big = np.zeros(len(text), dtype=bool)
        if col.kind in ("money", "count", "year", "rate", "number"):
            values, decimals, bad = units.parse_numbers(
                text, integer=col.kind in ("money", "count", "year"), percent=col.kind == "rate")
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
            fmt = "%Y-%m-%d" if col.kind == "date" else "%Y-%m"
            values = pd.to_datetime(text.where(~empty), format=fmt, errors="coerce")
            # dates the datetime64[ns] column cannot hold (e.g. year 0 or 9999) are bad too
            values = values.where((values >= pd.Timestamp.min) & (values <= pd.Timestamp.max))
            bad = values.isna().to_numpy() & ~empty
            out[col.name] = values.astype("datetime64[ns]")
        else:
            bad = np.zeros(len(text), dtype=bool)
            out[col.name] = text.where(~empty).astype("string")
        if bad.any():
            line = raw.index[bad.argmax()]
            if first_bad is None or line < first_bad[0]:
                first_bad = (line, col, too_big[bad.argmax()])
    if first_bad:
        line, col, overflow = first_bad
        expected = (f"원으로 바꾸어 담을 수 있는 금액이어야 합니다(너무 큼) — 단위"
                    f"({catalog.unit(table.name, col.name)})를 확인하세요" if overflow
                    else f"{EXPECTED[col.kind]}이어야 합니다")
        raise DataError(path, expected, line=line, column=col.name,
                        value=raw.at[line, col.name])
    return pd.DataFrame(out, index=raw.index)


def _validate(frame: pd.DataFrame, raw: pd.DataFrame, table: Table, refs, path: Path):
    schema = dataframe_schema(table, refs)
    typed = frame[[c for c in frame.columns if not c.endswith("_dp")]]
    try:
        schema.validate(typed, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases.copy()
        cases["line"] = pd.to_numeric(cases["index"], errors="coerce")
        cases = cases.sort_values("line", na_position="last", kind="stable")
        case = cases.iloc[0]
        column, check = case["column"], str(case["check"])
        line = None if pd.isna(case["line"]) else int(case["line"])
        if check == "multiple_fields_uniqueness" or column not in table.columns:
            key = ", ".join(table.key)
            value = None if line is None else " / ".join(str(raw.at[line, k]) for k in table.key)
            raise DataError(path, f"키({key})가 겹치지 않아야 합니다(중복 행)", line=line,
                            column=key, value=value) from None
        value = raw.at[line, column] if line is not None else case["failure_case"]
        if check == "not_nullable":
            expected = "값이 있어야 합니다(빈칸 불가)"
        else:
            expected = next((c.error for c in schema.columns[column].checks
                             if c.error and (c.name in check or c.error in check)), check)
        raise DataError(path, expected, line=line, column=column, value=value) from None


def read_table(name: str, data_dir=None, *, refs=None, catalog: Catalog | None = None) -> pd.DataFrame:
    """Load one table by name, checked against its schema.

    Parameters
    ----------
    name : table name (a key of :data:`seoulcomm.schema.TABLES`).
    data_dir : data folder; ``None`` for the default (see :func:`seoulcomm.paths.data_dir`).
    refs : reference sets (``unit``, ``division``, ``section``, ``program``); loaded from the
        folder when not given.
    """
    if name not in TABLES:
        raise UsageError(f"알 수 없는 표 '{name}' — 가능한 표: {', '.join(TABLES)}")
    folder = paths.data_dir(data_dir)
    if refs is None:
        refs = load_all(folder).refs
    catalog = catalog or read_catalog(folder)
    table = TABLES[name]
    path = folder / table.file
    raw = _read_raw(path, table)
    frame = _parse(raw, table, catalog, path)
    _validate(frame, raw, table, refs, path)
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

    # ------------------------------------------------------------------ reading, logged
    def _note(self, name: str, where: dict) -> None:
        entry = {"table": name, "where": {k: _plain(v) for k, v in where.items()}}
        if entry not in self.reads:
            self.reads.append(entry)

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            raise UsageError(f"알 수 없는 표 '{name}' — 가능한 표: {', '.join(self.tables)}")
        self._note(name, {})
        return self.tables[name].copy()

    def rows(self, name: str, /, **where) -> pd.DataFrame:
        """The rows of table ``name`` whose columns hold the given values (a list or tuple:
        any of them), noted in the read log. ``year`` compares as a number, ``as_of`` as a
        date (``"2016-04-08"``)."""
        if name not in self.tables:
            raise UsageError(f"알 수 없는 표 '{name}' — 가능한 표: {', '.join(self.tables)}")
        self._note(name, where)
        return select(self.tables[name], where).copy()

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
        found = set()
        for name in _BUDGET_TABLES:
            frame = self.tables[name]
            found |= set(frame.loc[(frame["year"] == int(year)).fillna(False).to_numpy(dtype=bool),
                                   "unit"].astype(str))
        return found

    def years(self, unit: str | None = None) -> list[int]:
        """Budget years the data holds (any budget, execution or detail table); with
        ``unit``, the years that have a row of that unit."""
        found = set()
        for name in _BUDGET_TABLES:
            frame = self.tables[name]
            if unit is not None:
                frame = frame[(frame["unit"] == unit).fillna(False).to_numpy(dtype=bool)]
            found |= set(int(y) for y in frame["year"].dropna())
        return sorted(found)

    def programs(self) -> list[str]:
        return list(self.tables["program"]["program"])

    def as_of(self) -> dict[str, str]:
        """The as-of dates of the tables that state one, e.g. ``{'budget_detail': '2016-04-08'}``."""
        out = {}
        for name, frame in self.tables.items():
            if "as_of" in frame.columns:
                dates = sorted({d.strftime("%Y-%m-%d") for d in frame["as_of"].dropna()})
                out[name] = ", ".join(dates)
        return out

    def document(self, source) -> dict:
        """The document a row's ``source`` cites (its first word is the file name):
        ``file, title, issuer, date, short``; an unknown file stands for itself."""
        file = str(source).split(" ", 1)[0]
        docs = self.tables["documents"]
        hit = docs[(docs["file"] == file).fillna(False).to_numpy(dtype=bool)]
        if hit.empty:
            return {"file": file, "title": file, "issuer": "", "date": None, "short": file}
        row = hit.iloc[0]
        date = None if pd.isna(row["date"]) else row["date"].strftime("%Y-%m-%d")
        short = row["short"] if not pd.isna(row["short"]) else str(row["title"])
        return {"file": file, "title": str(row["title"]), "issuer": str(row["issuer"]),
                "date": date, "short": str(short)}

    def fresh(self) -> "Dataset":
        """The same tables with an empty read log."""
        return replace(self, reads=[])


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


def select(frame: pd.DataFrame, where: dict) -> pd.DataFrame:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in where.items():
        if column not in frame.columns:
            raise UsageError(f"표에 없는 열 '{column}' — 있는 열: {', '.join(frame.columns)}")
        wanted = list(value) if isinstance(value, (list, tuple, set)) else [value]
        col = frame[column]
        if pd.api.types.is_datetime64_any_dtype(col):
            wanted = [pd.Timestamp(v) for v in wanted]
        elif pd.api.types.is_integer_dtype(col) or pd.api.types.is_float_dtype(col):
            wanted = [float(v) for v in wanted]
        else:
            col = col.astype("string")
            wanted = [str(v) for v in wanted]
        mask &= col.isin(wanted).fillna(False).to_numpy(dtype=bool)
    return frame[mask]


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
        rows = select(ds.tables[name], entry.get("where") or {})
        h.update(json.dumps(entry, sort_keys=True, default=str).encode())
        h.update(json.dumps([ds.catalog.table_units.get(name), ds.catalog.column_units.get(name)],
                            sort_keys=True).encode())
        h.update(rows.to_csv(index=False).encode())
    return h.hexdigest()


_CACHE: dict[tuple, Dataset] = {}


def _fingerprint(folder: Path) -> tuple:
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
    key = _fingerprint(folder)
    if key in _CACHE:
        return _CACHE[key].fresh()
    catalog = read_catalog(folder)
    refs: dict[str, set] = {}
    tables = {}
    for name in LOAD_ORDER:
        tables[name] = read_table(name, folder, refs=refs, catalog=catalog)
        if name == "organisation":
            org = tables[name]
            refs["unit"] = set(org["unit"])
            refs["division"] = set(org.loc[org["kind"] == "division", "unit"])
        elif name == "sections":
            refs["section"] = set(tables[name]["section"])
        elif name == "program":
            refs["program"] = set(tables[name]["program"])
    _years_from_documents(tables)
    dataset = Dataset(folder, catalog, tables, refs, key=key)
    _CACHE.clear()
    _CACHE[key] = dataset
    return dataset.fresh()


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
read_plan_vision = _reader("plan_vision")
read_section_text = _reader("section_text")
read_section_links = _reader("section_links")
read_general_notes = _reader("general_notes")
