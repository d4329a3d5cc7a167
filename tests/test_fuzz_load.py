"""Adversarial input for the loaders (issue 6): random malformed cells, rows and bytes.

For every table, hypothesis breaks a fresh copy of ``data/`` in one of several ways —
a cell replaced by junk, a field dropped from or added to a row, garbage bytes inserted,
the file truncated, a row duplicated or removed — and loads it. Loading must either
succeed or raise :class:`DataError` (never another exception) whose message names a file
of that folder, with a line inside the file; and the folder must be byte-identical after.

Kept fast: ``max_examples`` per table is small and only the broken table is re-read (its
references come from the good data), so the whole module runs in well under a minute.
"""
from __future__ import annotations

import csv
import io
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from seoulcomm import DataError, load_all, paths
from seoulcomm.load import read_catalog, read_table
from seoulcomm.schema import TABLES

DATA_DIR = paths.DEFAULT_DATA_DIR

#: Tables whose rows other tables refer to: a break there may surface in another file.
REFERENCED = {"organisation", "sections", "program"}

#: ``SEOULCOMM_FUZZ_EXAMPLES=2000`` explores further by hand (random, not derandomized).
_EXPLORE = int(os.environ.get("SEOULCOMM_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=_EXPLORE or 25, deadline=None, derandomize=not _EXPLORE, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

#: Text that looks like the source's numbers, dates and notation, and text that does not.
NUMBER_LIKE = st.from_regex(r"[△\-−+ ]?[0-9][0-9,\.]{0,22}%?", fullmatch=True)
DATE_LIKE = st.from_regex(r"[0-9]{1,5}[-./][0-9]{1,2}([-./][0-9]{1,3})?", fullmatch=True)
SPECIAL = st.sampled_from([
    "", " ", "-", "△", "%", ",", '"', "'", "NaN", "nan", "None", "inf", "-inf", "1e400",
    "99999999999999999999", "9999999999999", "△9,223,372,036,854", "1,2345", "12,34",
    "0x10", "１２３", "٣٤", "2016-02-30", "2016-13", "0000-00-00", "\x00", "\ufeff",
    "\u2028", "\r", "\n", "a\nb", "=1+1", "<script>alert(1)</script>", "서울", "29.9%%",
])
JUNK = st.one_of(SPECIAL, NUMBER_LIKE, DATE_LIKE, st.text(max_size=30))

_CATALOG = read_catalog(DATA_DIR)
_GOOD_REFS = load_all(DATA_DIR).refs


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_bytes(buf.getvalue().encode("utf-8"))


@dataclass
class Break:
    """One way of breaking a table's file, and what loading it must then report."""

    mutate: Callable[[Path], None]
    label: str
    must_fail: bool = False
    line: int | None = None      # the line the error must name
    column: str | None = None    # for a broken cell: its column (an error there names `line`)


@st.composite
def breakage(draw, table: str) -> Break:
    """A random way to break ``<table>.csv``."""
    spec = TABLES[table]
    n_rows = len(_rows(DATA_DIR / spec.file))  # header included
    header = _rows(DATA_DIR / spec.file)[0]  # a column added later may be absent from the file
    n_cols = len(header)
    n_bytes = (DATA_DIR / spec.file).stat().st_size
    kind = draw(st.sampled_from(
        ["cell", "cell", "cell", "drop_field", "add_field", "bytes", "truncate",
         "dup_row", "del_row", "header_cell"]))
    row = draw(st.integers(1, n_rows - 1))   # a data row; its file line is row + 1
    col = draw(st.integers(0, n_cols - 1))

    def edit(change):
        def mutate(path):
            rows = _rows(path)
            change(rows)
            _write_rows(path, rows)
        return mutate

    if kind == "cell":
        junk = draw(JUNK)
        # csv.writer leaves a lone \r unquoted: it then breaks the line, and moves the row
        at_line = None if "\r" in junk else row + 1
        return Break(edit(lambda rows: rows[row].__setitem__(col, junk)),
                     f"cell [{row},{col}] = {junk!r}", line=at_line, column=header[col])
    if kind == "header_cell":
        junk = draw(JUNK)
        return Break(edit(lambda rows: rows[0].__setitem__(col, junk)),
                     f"header cell {col} = {junk!r}")
    if kind == "drop_field":
        return Break(edit(lambda rows: rows[row].__delitem__(col)),
                     f"drop field {col} of row {row}", must_fail=True, line=row + 1)
    if kind == "add_field":
        junk = draw(JUNK)
        if "\r" in junk:
            return Break(edit(lambda rows: rows[row].insert(col, junk)),
                         f"add field {junk!r} at {col} of row {row}")
        return Break(edit(lambda rows: rows[row].insert(col, junk)),
                     f"add field {junk!r} at {col} of row {row}", must_fail=True, line=row + 1)
    if kind == "dup_row":
        # the key is unique: the copy (one line below) is the duplicate
        return Break(edit(lambda rows: rows.insert(row + 1, list(rows[row]))),
                     f"duplicate row {row}", must_fail=True, line=row + 2)
    if kind == "del_row":
        return Break(edit(lambda rows: rows.__delitem__(row)), f"delete row {row}")
    if kind == "bytes":
        garbage = draw(st.binary(min_size=1, max_size=12))
        at = draw(st.integers(0, n_bytes))

        def insert(path):
            data = path.read_bytes()
            path.write_bytes(data[:at] + garbage + data[at:])
        return Break(insert, f"insert {garbage!r} at byte {at}")
    at = draw(st.integers(0, n_bytes - 1))

    def truncate(path):
        path.write_bytes(path.read_bytes()[:at])
    return Break(truncate, f"truncate at byte {at}")


def _load_broken(table: str, folder: Path):
    """Load the broken folder: all of it when others refer to this table, else the table."""
    if table in REFERENCED:
        return load_all(folder)
    return read_table(table, folder, refs=_GOOD_REFS, catalog=_CATALOG)


def _check_break(table: str, case: Break, snapshot) -> None:
    folder = Path(tempfile.mkdtemp(prefix=f"fuzz-{table}-")) / "data"
    label = case.label
    try:
        shutil.copytree(DATA_DIR, folder)
        path = folder / TABLES[table].file
        case.mutate(path)
        before = snapshot(folder)
        try:
            _load_broken(table, folder)
        except DataError as exc:
            message = str(exc)
            assert "Traceback" not in message
            assert exc.expected, (label, message)
            assert str(exc.file) in message, (label, message)
            assert exc.file.parent == folder.resolve(), (label, message)
            if table not in REFERENCED:
                assert exc.file.name == path.name, (label, message)
            if exc.line is not None:
                data = exc.file.read_bytes()
                assert 1 <= exc.line <= data.count(b"\n") + data.count(b"\r") + 2, (label, message)
            if exc.file.name == path.name:
                if case.must_fail:
                    assert exc.line == case.line, (label, message)
                if case.line and case.column == exc.column and "중복" not in exc.expected:
                    assert exc.line == case.line, (label, message)
        else:
            assert not case.must_fail, f"{label}: loaded without an error"
        # any other exception fails the test, with hypothesis' minimal example
        assert snapshot(folder) == before, f"{label}: loading changed the folder"
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


# an optional table has no file in data/ to break (test_load.py breaks its rows one by one)
@pytest.mark.parametrize("table", [t for t in TABLES if not TABLES[t].optional])
def test_broken_table_loads_or_raises_located_data_error(table, snapshot):
    @FUZZ
    @given(breakage(table))
    def run(case):
        _check_break(table, case, snapshot)

    run()


def test_repository_data_is_the_base_and_loads():
    # the fuzzing starts from good data: it loads as it is
    assert len(load_all(DATA_DIR).tables) == len(TABLES)


# --- a data file 100× the normal size -------------------------------------------------

#: The bound for loading a folder whose budget_detail and outcomes files are 100× their
#: normal size (4,400 and 11,900 rows; budget_detail.csv grows from 8 KB to 855 KB). The
#: loaders are vectorised: on the 2-core development machine this takes about 0.4 s, so
#: 10 s leaves room for a slow or busy CI machine while still catching a per-row slowdown.
BIG_LOAD_SECONDS = 10
COPIES = 100


def _grow(folder: Path) -> tuple[int, int]:
    """Make budget_detail.csv and outcomes.csv 100× longer, keys kept unique."""
    detail = _rows(folder / "budget_detail.csv")
    header, body = detail[0], detail[1:]
    i_line, i_parent = header.index("line"), header.index("parent")
    step = len(body)
    rows = [header]
    for k in range(COPIES):
        for r in body:
            r = list(r)
            r[i_line] = str(int(r[i_line]) + k * step)
            if r[i_parent]:
                r[i_parent] = str(int(r[i_parent]) + k * step)
            rows.append(r)
    _write_rows(folder / "budget_detail.csv", rows)

    outcomes = _rows(folder / "outcomes.csv")
    header, body = outcomes[0], outcomes[1:]
    i_source = header.index("source")
    rows2 = [header] + [
        r[:i_source] + [f"{r[i_source]} #{k}"] + r[i_source + 1:] for k in range(COPIES) for r in body
    ]
    _write_rows(folder / "outcomes.csv", rows2)
    return len(rows) - 1, len(rows2) - 1


def test_hundredfold_files_load_within_bound(data_copy, snapshot):
    n_detail, n_outcomes = _grow(data_copy)
    before = snapshot(data_copy)
    start = time.perf_counter()
    ds = load_all(data_copy)
    seconds = time.perf_counter() - start
    assert len(ds["budget_detail"]) == n_detail == 44 * COPIES
    assert len(ds["outcomes"]) == n_outcomes == 117 * COPIES
    # money still exact: 40,828 백만원 in every copy of line 1
    office = ds["budget_detail"].query("level == 'office'")
    assert (office["budget"] == 40_828_000_000).all() and len(office) == COPIES
    assert seconds < BIG_LOAD_SECONDS, f"loading 100× files took {seconds:.1f} s"
    assert snapshot(data_copy) == before


def test_hundredfold_file_error_is_located_on_its_last_line(data_copy, snapshot):
    _grow(data_copy)
    path = data_copy / "budget_detail.csv"
    rows = _rows(path)
    rows[-1][rows[0].index("executed")] = "12x"
    _write_rows(path, rows)
    before = snapshot(data_copy)
    start = time.perf_counter()
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    assert time.perf_counter() - start < BIG_LOAD_SECONDS
    assert info.value.line == len(rows) == 44 * COPIES + 1
    assert info.value.column == "executed" and info.value.value == "12x"
    assert snapshot(data_copy) == before
