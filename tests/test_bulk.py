"""Reading big files column by column (seoulcomm/bulk.py) gives what reading row by row gives.

The loader reads a file of at least ``load.BULK_MIN_BYTES`` with Arrow, and any row it cannot
be sure of with the row-by-row parser. Here every file goes one way and then the other
(``BULK_MIN_BYTES`` 0, then too big to reach), and the two must agree exactly: the same
frames, value for value and type for type, on the shipped data and on synthetic data; the
same problems (file, line, column, value, expected, caret), in the same order, for every case
of the bad-input suite and for cells written in every odd way the notation allows or refuses.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pandas as pd
import pytest

from seoulcomm import colcache, load
from seoulcomm.errors import DataError, DataErrors

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_bad_input import CASES  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic import make_dataset  # noqa: E402

ROW_BY_ROW = 10 ** 15


@pytest.fixture(autouse=True)
def _no_cache(monkeypatch):
    monkeypatch.setenv(colcache.ENV, "off")
    load.forget()
    yield
    load.forget()


def outcome(folder, monkeypatch, threshold):
    """The tables (or the problems) of ``folder`` read with ``BULK_MIN_BYTES = threshold``."""
    monkeypatch.setattr(load, "BULK_MIN_BYTES", threshold)
    load.forget()
    try:
        ds = load.load_all(folder)
    except DataError as exc:
        every = exc.problems if isinstance(exc, DataErrors) else [exc]
        return "problems", [(str(p.file), p.line, p.column, p.value, p.expected, p.at, str(p))
                            for p in every] + [getattr(exc, "more", 0), str(exc)]
    return "tables", ds.tables


def assert_same(a, b):
    assert a[0] == b[0], (a[0], b[0], a[1] if a[0] == "problems" else b[1])
    if a[0] == "problems":
        assert a[1] == b[1]
        return
    assert list(a[1]) == list(b[1])
    for name in a[1]:
        pd.testing.assert_frame_equal(a[1][name], b[1][name], check_exact=True, obj=name)
        for column in a[1][name].columns:
            assert a[1][name][column].dtype == b[1][name][column].dtype, (name, column)


def test_shipped_data_reads_alike(data_dir, monkeypatch):
    assert_same(outcome(data_dir, monkeypatch, ROW_BY_ROW), outcome(data_dir, monkeypatch, 0))


def test_synthetic_data_reads_alike(tmp_path, monkeypatch):
    folder = tmp_path / "syn"
    make_dataset(folder, divisions=30, years=3, snapshots=3)
    assert_same(outcome(folder, monkeypatch, ROW_BY_ROW), outcome(folder, monkeypatch, 0))


@pytest.mark.parametrize("name", list(CASES))
def test_every_bad_input_case_says_the_same(name, data_copy, monkeypatch):
    CASES[name].breaks(data_copy)
    rows = outcome(data_copy, monkeypatch, ROW_BY_ROW)
    assert rows[0] == "problems"
    assert_same(rows, outcome(data_copy, monkeypatch, 0))


#: Cells for each kind: the common notation, the notation's rarer forms, and what it refuses.
ODD_NUMBERS = ["1,341", "1341", "0", "-", "", "△7", "-7", "−7", " 12 ", "12\u00a0", "\u3000",
               "1,34", "1.5", "29.9%", "29.9 %", "１２", "12a", "99999999999999999999",
               "9,223,372,036,854,775,807", "1e3", "+5", "- 7", "△ 7", "0.1234567890123456"]
ODD_RATES = ["22.3", "22.3%", "100%", "-1.1", "△1.1", "0.30", "", "-", " 5.0", "5.0\t", "5..0",
             "1,234.5", "12345678901234567", "0.000000000000001", "9.99999999999999999"]
ODD_DATES = ["2016-04-08", "2016. 4. 8.", "2016-02-30", "2016-13-01", "1677-12-31", "1678-01-01",
             "2261-12-31", "2262-01-01", "0000-01-01", " 2016-04-08", "2016-04-08 ", "2016-4-8",
             "２０１６-04-08", "2016-04-08\x1c"]
ODD_TEXT = ["city-brand", " city-brand", "city-brand\u3000", "\x1ccity-brand", "city\x00brand",
            "x" * 40000, "", "  ", "도시브랜드", "a\u202eb"]


def _rows_with(folder: Path, table: str, column: str, cells: list[str], copies: int = 40) -> None:
    """``table`` with many rows (its first row cloned, its key made unique by ``line``), then
    ``column`` of some rows set to each of ``cells``."""
    import csv
    import io

    path = folder / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    i = header.index(column)
    out = [header] + body
    for k, cell in enumerate(cells):
        for c in range(copies):
            row = list(body[(k + c) % len(body)])
            row[i] = cell
            out.append(row)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(out)
    path.write_text(buf.getvalue(), encoding="utf-8")


@pytest.mark.parametrize("table, column, cells", [
    ("budget_detail", "budget", ODD_NUMBERS),
    ("budget_detail", "rate_stated", ODD_RATES),
    ("budget_detail", "as_of", ODD_DATES),
    ("budget_detail", "unit", ODD_TEXT),
    ("budget_detail", "name", ODD_TEXT),
    ("outcomes", "value", ODD_NUMBERS + ODD_RATES),
    ("schedule", "start", ["2016-05", "2016. 5.", "2016-13", " 2016-05", "2016-5", ""]),
])
def test_odd_cells_say_the_same(data_copy, monkeypatch, table, column, cells):
    _rows_with(data_copy, table, column, cells)
    assert_same(outcome(data_copy, monkeypatch, ROW_BY_ROW), outcome(data_copy, monkeypatch, 0))


@pytest.mark.parametrize("column, cells", [("budget", ODD_NUMBERS), ("rate_stated", ODD_RATES),
                                           ("budget", ODD_NUMBERS[:8]), ("rate_stated", ODD_RATES[:8])])
def test_odd_cells_in_many_repeated_rows_say_the_same(data_copy, monkeypatch, column, cells):
    """Thousands of rows whose number cells repeat: their texts are matched and parsed once
    per distinct text (bulk._repeated), refused ones among them or not."""
    _rows_with(data_copy, "budget_detail", column, cells, copies=4096 // len(cells) + 20)
    assert_same(outcome(data_copy, monkeypatch, ROW_BY_ROW), outcome(data_copy, monkeypatch, 0))


def test_odd_cells_alone_read_alike(data_copy, monkeypatch):
    """Only cells the notation reads (no problem at all): the same frames."""
    path = data_copy / "budget_detail.csv"
    text = path.read_text(encoding="utf-8")
    # 2016 office line: 예산편성액 "40,828" written as "40828", rate "22.3" as "22.3%"
    text = text.replace('"40,828"', "40828", 1).replace(",22.3,", ",22.3%,", 1)
    path.write_text(text, encoding="utf-8")
    rows = outcome(data_copy, monkeypatch, ROW_BY_ROW)
    assert rows[0] == "tables"
    assert rows[1]["budget_detail"]["budget"].iloc[0] == 40_828 * 1_000_000
    assert_same(rows, outcome(data_copy, monkeypatch, 0))


@pytest.mark.parametrize("shape", ["crlf", "cr", "bom", "blank-lines", "quoted-newline", "bad-quote",
                                   "ragged", "trailing-comma", "whitespace-line", "no-final-newline",
                                   "cp949"])
def test_file_shapes_read_alike(data_copy, monkeypatch, shape):
    path = data_copy / "budget_detail.csv"
    data = path.read_bytes()
    lines = data.split(b"\n")
    if shape == "crlf":
        data = data.replace(b"\n", b"\r\n")
    elif shape == "cr":
        data = data.replace(b"\n", b"\r")
    elif shape == "bom":
        data = b"\xef\xbb\xbf" + data
    elif shape == "blank-lines":
        data = b"\n".join(lines[:3] + [b""] + lines[3:5] + [b"", b""] + lines[5:])
    elif shape == "quoted-newline":
        data = data.replace("시민소통기획관 예산 합계".encode(), '"시민소통기획관\n예산 합계"'.encode(), 1)
    elif shape == "bad-quote":
        data = data.replace(b'"40,828"', b'"40,828"x', 1)
    elif shape == "ragged":
        data = b"\n".join(lines[:4] + [lines[4] + b",extra"] + lines[5:])
    elif shape == "trailing-comma":
        data = b"\n".join([lines[0] + b","] + [ln + b"," if ln else ln for ln in lines[1:]])
    elif shape == "whitespace-line":
        data = b"\n".join(lines[:4] + [b"   "] + lines[4:])
    elif shape == "no-final-newline":
        data = data.rstrip(b"\n")
    elif shape == "cp949":
        data = data.decode("utf-8").encode("cp949")
    path.write_bytes(data)
    assert_same(outcome(data_copy, monkeypatch, ROW_BY_ROW), outcome(data_copy, monkeypatch, 0))


def test_too_many_rows_are_refused_before_they_are_split(data_copy, monkeypatch):
    monkeypatch.setattr(load, "MAX_ROWS", 30)
    path = data_copy / "budget_detail.csv"   # 44 rows
    rows = outcome(data_copy, monkeypatch, ROW_BY_ROW)
    assert rows[0] == "problems" and "30행 이하" in rows[1][0][4]
    assert_same(rows, outcome(data_copy, monkeypatch, 0))
    assert path.exists()


def test_text_is_shared_not_copied(tmp_path, monkeypatch):
    """Each distinct text of a column is one string object, whichever row holds it."""
    folder = tmp_path / "syn"
    make_dataset(folder, divisions=10, years=2, snapshots=2)
    monkeypatch.setattr(load, "BULK_MIN_BYTES", 0)
    detail = load.load_all(folder).tables["budget_detail"]
    units = detail["unit"].to_numpy(dtype=object)
    assert len({id(u) for u in units}) == len(set(units))
    shutil.rmtree(folder)


def test_old_rows_leaving_off_defaulted_columns_are_read_by_arrow(data_copy, monkeypatch):
    """A header that names partial and version (added later, each with a default) over rows
    written before them: a row that leaves both off, or only version, holds the defaults ('' and
    당초) as the row-by-row reader gives them, and the file is still split by Arrow."""
    from seoulcomm import bulk
    from seoulcomm.schema import TABLES

    path = data_copy / "budget_detail.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    body = [lines[0] + ",partial,version"]
    for i, line in enumerate(lines[1:]):
        body.append(line if i % 3 == 0 else line + "," if i % 3 == 1 else line + ",,당초")
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    rows = outcome(data_copy, monkeypatch, ROW_BY_ROW)
    assert rows[0] == "tables"
    detail = rows[1]["budget_detail"]
    assert set(detail["version"]) == {"당초"} and detail["partial"].isna().all()
    assert_same(rows, outcome(data_copy, monkeypatch, 0))
    catalog = load.read_catalog(data_copy)
    found: list = []
    read = bulk.read(path, path.read_bytes(), TABLES["budget_detail"], catalog, found, load.MAX_ROWS, load=load)
    assert read is not None and read[0] is not None and not found   # split by Arrow, not row by row
    assert len(read[0]) == len(lines) - 1
