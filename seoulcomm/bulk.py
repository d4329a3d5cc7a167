"""Reading a big CSV table column by column (pyarrow), with the loader's exact messages.

:func:`seoulcomm.load._load_table` asks :func:`read` first. It splits the file with Arrow's
CSV reader and parses each column with Arrow's vectorised functions, but only where the
result is certain to be the one the row-by-row reader (:func:`seoulcomm.load._split` and
:func:`seoulcomm.load._parse`) gives:

- the file as a whole must be plain for Arrow and the ``csv`` module alike: UTF-8; no empty
  line before the header; no line longer than the ``csv`` module's field limit; every quote
  where a quoted field opens or closes, or doubled inside one (an even number of quotes on
  each line, so no field spans lines); every row as wide as the header; no trailing comma
  after the header. Anything else (:func:`read` returns None) is read row by row as before,
  and its messages are the row-by-row reader's;
- a number cell in the common notation (digits with or without thousands commas, a decimal
  part, a leading ``-``, ``△`` or ``−``, ``%`` for a rate; at most 15 characters for a
  decimal, so both parsers give the same double; empty; ``-``) is parsed by Arrow. Every
  other cell (dates, text, and numbers written otherwise) is parsed by the row-by-row
  parser's own functions, once per distinct text of its column. Every row with a cell that
  parser refuses, or that holds a control character or a text longer than a worksheet cell,
  is parsed row by row with its line, so every message about it is that parser's own;
- the typed table is then checked by the same schema (:func:`seoulcomm.load._validate`).

Files are bounded before they are read (:data:`seoulcomm.load.MAX_FILE_BYTES`) and rows
counted before they are split (:data:`seoulcomm.load.MAX_ROWS`).
"""
from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd

_SIGN = "[-\u25b3\u2212]?"   # -, △, − (as units._NUMBER)
#: Whole numbers of at most 18 digits (int64), a sign allowed; empty; ``-``.
_PLAIN_INT = f"^(?:|-|{_SIGN}(?:[0-9]{{1,3}}(?:,[0-9]{{3}}){{1,5}}|[0-9]{{1,18}}))$"
#: Numbers with a decimal part; ``%`` allowed for a rate (cells of at most
#: :data:`_EXACT_CHARS` characters: both number parsers give the same double).
_PLAIN_DEC = f"^(?:|-|{_SIGN}(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)(?:\\.[0-9]+)?)$"
_PLAIN_RATE = f"^(?:|-|{_SIGN}(?:[0-9]{{1,3}}(?:,[0-9]{{3}})+|[0-9]+)(?:\\.[0-9]+)?%?)$"
_EXACT_CHARS = 15


class Raw:
    """The split file as Arrow dictionary columns (each distinct text once, and each row's
    position among them), with each row's file line; :attr:`at` gives a cell's text as
    ``raw.at[line, column]`` does on the row-by-row reader's frame."""

    def __init__(self, columns: dict, lines: np.ndarray):
        self.columns, self.lines = columns, lines
        self.at = self
        #: ``{column: its distinct values}`` of the typed frame's text columns, set by
        #: :func:`parse` when every row was parsed from them (each value held by some row):
        #: what :func:`seoulcomm.load._surely_valid` checks instead of a million cells
        self.distinct: dict = {}

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, where):
        line, column = where
        i = int(np.searchsorted(self.lines, line))
        return self.columns[column][i].as_py()

    def frame(self, positions: np.ndarray) -> pd.DataFrame:
        """The rows at ``positions`` as the row-by-row reader's frame (text, index = line)."""
        import pyarrow as pa

        take = pa.array(positions, type=pa.int64())
        data = {name: strings(col.take(take)) for name, col in self.columns.items()}
        return pd.DataFrame(data, index=pd.Index(self.lines[positions], name="line"))


def strings(array) -> pd.arrays.StringArray:
    """An Arrow string (or dictionary of strings) array as the loader's text: pandas'
    Python-string array, nulls as ``<NA>``. Each distinct text is made once and shared by
    every row holding it (a table's units, levels and sources repeat: far fewer objects, far
    less memory than one per cell)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    from pandas._libs import missing

    if not pa.types.is_dictionary(array.type):
        array = pc.dictionary_encode(array)
    uniques = array.dictionary.to_numpy(zero_copy_only=False).astype(object)
    codes = array.indices
    nulls = codes.null_count
    codes = pc.fill_null(codes, 0).to_numpy(zero_copy_only=False) if nulls else \
        codes.to_numpy(zero_copy_only=False)
    values = uniques[codes] if len(uniques) else np.full(len(codes), missing.NA, dtype=object)
    if nulls:
        values[pc.is_null(array).to_numpy(zero_copy_only=False)] = missing.NA
    if all(isinstance(u, str) for u in uniques):
        # Python strings and <NA> only: pandas need not check them once more, value by value
        # (a million rows' text columns: a tenth of a second less per table)
        return pd.arrays.StringArray._simple_new(values, _string_dtype())
    return pd.arrays.StringArray(values)


def _string_dtype():
    """The dtype :func:`strings` gives (pandas' default string storage)."""
    return pd.arrays.StringArray(np.empty(0, dtype=object)).dtype


def _positions(arr: np.ndarray, byte: int, step: int = 1 << 22) -> np.ndarray:
    """Where ``byte`` is in ``arr``, in order: found 4 MB at a time (no array of a flag per byte
    of a file of hundreds of MB, each freshly mapped into memory)."""
    return np.concatenate([np.flatnonzero(arr[i:i + step] == byte) + i
                           for i in range(0, len(arr), step)] or [np.empty(0, np.intp)])


def _line_layout(arr: np.ndarray):
    """``(starts, lengths)`` of the file's lines (``\\n``, ``\\r\\n`` or a lone ``\\r`` ends
    one), lengths without the line end."""
    n = len(arr)
    raw = arr.base if isinstance(arr.base, bytes) and len(arr.base) == n else None
    if raw.find(b"\r") < 0 if raw is not None else not (arr == 13).any():
        # no \r: every line ends with \n
        ends = _positions(arr, 10)
        starts = np.concatenate(([0], ends + 1))
        lengths = np.concatenate((ends, [n])) - starts
        if starts[-1] >= n:
            starts, lengths = starts[:-1], lengths[:-1]
        return starts, lengths
    is_n = arr == 10
    is_r = arr == 13
    lone_r = is_r.copy()
    lone_r[:-1] &= ~is_n[1:]
    ends = np.flatnonzero(is_n | lone_r)
    starts = np.concatenate(([0], ends + 1))
    stops = np.concatenate((ends, [n]))
    # a \r\n line ends at the \n: its \r is not part of the line
    cr_before = np.zeros(len(stops), dtype=bool)
    has_prev = stops > starts
    idx = np.flatnonzero(has_prev)
    cr_before[idx] = (arr[stops[idx] - 1] == 13) & is_n[np.minimum(stops[idx], n - 1)] \
        & (stops[idx] < n)
    lengths = stops - starts - cr_before
    if starts[-1] >= n:   # the file ends with a line end: no last line
        starts, lengths = starts[:-1], lengths[:-1]
    return starts, lengths


def _quotes_plain(arr: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> bool:
    """Every quote opens or closes a field, or is doubled inside one, and no field spans
    lines: then Arrow's reader and the ``csv`` module split every line alike."""
    quotes = _positions(arr, 34)
    if not len(quotes):
        return True
    n = len(arr)
    if len(quotes) == 1 or np.diff(quotes).min() > 1:
        # no quote beside another (a file whose quotes only wrap numbers with commas): each
        # opens or closes a field, a field boundary on exactly one side of it (the rule below
        # for a run of one quote, in two lookups)
        before = arr[np.maximum(quotes - 1, 0)]
        after = arr[np.minimum(quotes + 1, n - 1)]
        if quotes[0] == 0:
            before[0] = 10
        if quotes[-1] == n - 1:
            after[-1] = 10
        if not (_BOUNDARY[before] != _BOUNDARY[after]).all():
            return False
        return _even_per_line(quotes, starts)
    # runs of consecutive quotes
    breaks = np.flatnonzero(np.diff(quotes) != 1)
    run_start = quotes[np.concatenate(([0], breaks + 1))]
    run_end = quotes[np.concatenate((breaks, [len(quotes) - 1]))]
    k = run_end - run_start + 1
    prev = np.where(run_start > 0, arr[np.maximum(run_start - 1, 0)], 10)
    nxt = np.where(run_end + 1 < n, arr[np.minimum(run_end + 1, n - 1)], 10)
    boundary_before = (prev == 44) | (prev == 10) | (prev == 13)
    boundary_after = (nxt == 44) | (nxt == 10) | (nxt == 13)
    odd = (k % 2) == 1
    ok = np.where(boundary_before & boundary_after, ~odd,      # "" or """" : a whole field
                  np.where(boundary_before, odd,              # "abc  (opens, maybe "" after)
                           np.where(boundary_after, odd,      # abc"  (closes)
                                    ~odd)))                    # a""b  (doubled inside)
    if not ok.all():
        return False
    return _even_per_line(quotes, starts)


#: The bytes that end a field: a comma, a line end (``\n``, ``\r``).
_BOUNDARY = np.zeros(256, dtype=bool)
_BOUNDARY[[44, 10, 13]] = True


def _even_per_line(quotes: np.ndarray, starts: np.ndarray) -> bool:
    """An even number of quotes on each line: no quoted field runs past its line's end (a
    line's quotes: those from its start to the next line's start; one search per line)."""
    per_line = np.diff(np.append(np.searchsorted(quotes, starts, side="left"), len(quotes)))
    return bool((per_line % 2 == 0).all())


def _pad_short_rows(data: bytes, arr: np.ndarray, starts: np.ndarray, lengths: np.ndarray,
                    names: list[str], table) -> bytes | None:
    """``data`` with each row that leaves off columns added later with a default (an old row
    of a file whose header names them: the row-by-row reader pads it with the defaults) padded
    with those defaults, so that Arrow splits it as that reader does; ``data`` itself when no
    row is short; None (read row by row) when a default could not be written as a plain cell.
    Called once the quotes are known to be plain (:func:`_quotes_plain`)."""
    tail = []
    for name in reversed(names):
        col = next((c for c in table.cols if c.name == name), None)
        if col is None or col.default is None:
            break
        tail.append(col.default)
    tail.reverse()
    if not tail:
        return data
    width = len(names)
    # the commas that split cells: those outside quotes (every line holds an even number of
    # quotes, each opening or closing a field or doubled inside one: _quotes_plain)
    inside = (np.cumsum(arr == 34, dtype=np.int64) % 2).astype(bool)
    commas = np.concatenate(([0], np.cumsum((arr == 44) & ~inside, dtype=np.int64)))
    ends = starts + lengths
    cells = commas[ends] - commas[starts] + 1
    rows = lengths > 0
    rows[0] = False   # the header
    # (a row of one cell may be a blank line the row-by-row reader skips: left to it)
    short = rows & (cells < width) & (cells >= max(2, width - len(tail)))
    if not short.any():
        return data
    if any(set(d) & set(',"\r\n') for d in tail):
        return None
    positions, values = [], []
    for count in np.unique(cells[short]):
        at = ends[short & (cells == count)]
        added = "".join("," + d for d in tail[len(tail) - (width - int(count)):]).encode("utf-8")
        added = np.frombuffer(added, dtype=np.uint8)
        positions.append(np.repeat(at, len(added)))
        values.append(np.tile(added, len(at)))
    positions, values = np.concatenate(positions), np.concatenate(values)
    order = np.argsort(positions, kind="stable")
    return np.insert(arr, positions[order], values[order]).tobytes()


def read(path, data: bytes, table, catalog, problems: list, max_rows: int, *, load):
    """``(raw, names)`` of a plain file (see the module's text): ``raw`` a :class:`Raw`, or
    None with the header's problems recorded; None when the file is not plain (read it row
    by row). Raises the loader's ``DataError`` for a file with more than ``max_rows`` rows.
    ``load`` is the loader module whose row-by-row checks this reuses (passed in by it, so
    this module does not import its caller)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from .errors import DataError

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    arr = np.frombuffer(data, dtype=np.uint8)
    if not len(arr):
        return None
    starts, lengths = _line_layout(arr)
    if not len(lengths) or lengths[0] == 0 or lengths.max() >= csv.field_size_limit():
        return None
    if not _quotes_plain(arr, starts, lengths):
        return None
    content = np.flatnonzero(lengths > 0)   # empty lines are no rows, for both readers
    if len(content) > max_rows + 1:
        line = int(content[max_rows + 1]) + 1
        raise DataError(path, f"표 하나는 {max_rows:,}행 이하여야 합니다 — 자료를 나누거나 줄이세요",
                        line=line)
    try:
        head = data[: starts[0] + lengths[0]].decode("utf-8")
    except UnicodeDecodeError:
        return None
    header = next(csv.reader(io.StringIO(head, newline=""), strict=True))
    if len(header) < 2 or header[-1].strip() == "":
        return None   # one column, or a trailing comma: the row-by-row reader says what it says
    if len(header) > load.MAX_COLUMNS:   # refused by its width at once, nothing parsed
        load._header(path, header, table, catalog, problems)
        return None, None
    width = len(header)
    if len(content) == 1:
        return None   # no rows: said by the row-by-row reader
    found: list = []
    names = load._header(path, header, table, catalog, found)
    if names is None:
        problems += found
        return None, None
    padded = _pad_short_rows(data, arr, starts, lengths, names, table)
    if padded is None:
        return None
    data = padded
    field_names = [f"c{i}" for i in range(width)]
    # every column as a dictionary: each distinct text once per block, then once per file
    # (unify_dictionaries), not once per row: the text columns of a million rows repeat (units,
    # names, dates, sources), and every later step works per distinct text (parse)
    as_codes = pa.dictionary(pa.int32(), pa.string())
    try:
        parsed = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=field_names, skip_rows=1,
                                           use_threads=True, block_size=1 << 24),
            # (a row of another width raises: no handler, which Arrow would hand the row's
            # text decoded, and a row of bytes that are not UTF-8 would fail that decoding
            # inside Arrow, printed as an ignored exception)
            parse_options=pacsv.ParseOptions(newlines_in_values=False, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={f: as_codes for f in field_names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False, check_utf8=True))
    except (pa.ArrowInvalid, pa.ArrowException, UnicodeDecodeError, ValueError):
        return None
    if parsed.num_rows != len(content) - 1:
        return None
    problems += found
    parsed = parsed.unify_dictionaries()   # one dictionary per column for all its blocks
    columns = {}
    for name, field in zip(names, field_names):
        columns[name] = parsed.column(field).combine_chunks()
    for col in table.cols:  # a column added later: files written before it still load
        if col.default is not None and col.name not in columns:
            columns[col.name] = pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(parsed.num_rows, dtype=np.int32)),
                pa.array([col.default], type=pa.string()))
    lines = content[1:].astype(np.int64) + 1
    return Raw(columns, lines), names


def _match(array, pattern: str) -> np.ndarray:
    import pyarrow.compute as pc

    return pc.match_substring_regex(array, pattern).to_numpy(zero_copy_only=False).astype(bool)


def _plain_numbers(raw: Raw, table) -> tuple[dict, dict]:
    """``{column: rows in the common notation}`` of the number columns (see the module's text),
    and ``{column: (texts, codes, plain)}`` of each (its distinct texts, each row's position
    among them, and which of them are in the common notation): a number column is matched and
    parsed once per distinct text (a figure stated at every month end, the same year on every
    row)."""
    found, distinct = {}, {}
    for col in table.cols:
        if col.kind in ("money", "count", "year", "rate", "number"):
            array = raw.columns[col.name]
            texts, codes = array.dictionary, array.indices.to_numpy(zero_copy_only=False)
            plain = _plain_cells(texts, col.kind)
            found[col.name] = plain[codes]
            distinct[col.name] = (texts, codes, plain)
    return found, distinct


def _plain_cells(array, kind: str) -> np.ndarray:
    """Which cells of ``array`` (of a number column of ``kind``) are in the common notation."""
    import pyarrow.compute as pc

    if kind in ("money", "count", "year"):
        return _match(array, _PLAIN_INT)
    return _match(array, _PLAIN_RATE if kind == "rate" else _PLAIN_DEC) \
        & (pc.binary_length(array).to_numpy(zero_copy_only=False) <= _EXACT_CHARS)


def _numbers(array, integer: bool):
    """Values and decimals of plain number cells (``""``: not stated; ``-``: zero; a sign
    and ``%`` as the exact parser reads them)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    empty = pc.equal(array, "").to_numpy(zero_copy_only=False)
    digits = pc.replace_substring(array, ",", "")
    for sign in ("\u25b3", "\u2212"):   # △, −: only ever first in a plain cell
        digits = pc.replace_substring(digits, sign, "-")
    if not integer:
        digits = pc.replace_substring(digits, "%", "")
    digits = pc.if_else(pc.or_(pa.array(empty), pc.equal(array, "-")), "0", digits)
    if integer:
        values = pd.array(pc.cast(digits, pa.int64()).to_numpy(zero_copy_only=False), dtype="Int64")
        decimals = np.zeros(len(array), dtype=np.int64)
    else:
        values = pd.array(pc.cast(digits, pa.float64()).to_numpy(zero_copy_only=False), dtype="Float64")
        dot = pc.find_substring(digits, ".").to_numpy(zero_copy_only=False)
        length = pc.utf8_length(digits).to_numpy(zero_copy_only=False)
        decimals = np.where(dot >= 0, length - dot - 1, 0).astype(np.int64)
    values[empty] = pd.NA
    return values, decimals


def _distinct(array):
    """``(texts, codes)``: the distinct texts of a :class:`Raw` column (Python strings) and,
    for each row, the position of its text among them."""
    return (array.dictionary.to_numpy(zero_copy_only=False).astype(object),
            array.indices.to_numpy(zero_copy_only=False))


def _flagged(texts: np.ndarray, max_chars: int, load) -> np.ndarray:
    """Distinct texts the row-by-row checks speak of: a control character, or too long."""
    return np.fromiter((bool(load._CONTROL.search(t)) or len(t) > max_chars for t in texts),
                       dtype=bool, count=len(texts))


def parse(raw: Raw, table, catalog, path, problems: list, *, max_chars: int, load) -> pd.DataFrame:
    """The typed frame (index = file line) of a plain file's :class:`Raw`, every problem
    recorded in ``problems`` as the row-by-row parser records it.

    Number cells in the common notation are parsed by Arrow (:func:`_numbers`); every other
    cell by the row-by-row parser's own functions, once per distinct text (a table repeats
    its dates, units, names and sources: one parse serves all the rows holding it). A row
    with a cell that parser refuses, or that holds a control character or too long a text,
    is parsed row by row with its line, so its messages are that parser's own.
    """
    import pyarrow as pa

    from . import units

    n = len(raw)
    odd = np.zeros(n, dtype=bool)
    plain, distinct = _plain_numbers(raw, table)
    texts_of = {}
    for name, array in raw.columns.items():   # every column of the file, as load._text_checks
        if name in plain:
            continue   # a plain number holds no control character
        texts, codes = texts_of[name] = _distinct(array)
        flagged = _flagged(texts, max_chars, load)
        if flagged.any():
            odd |= flagged[codes]
    per_column = {}
    for col in table.cols:
        if col.name in plain:
            odd |= ~plain[col.name]
            continue
        texts, codes = texts_of[col.name]
        text = pd.Series(texts, dtype=pd.StringDtype("python")).str.strip()
        empty = (text == "").to_numpy(dtype=bool)
        if col.kind in ("date", "month"):
            values, bad, _why = load._parse_dates(text, col.kind == "month")
            bad = np.asarray(bad) & ~empty
            values = values.astype("datetime64[ns]").to_numpy()
            odd |= bad[codes]
        else:
            values = text.where(~empty).astype(pd.StringDtype("python")).array
        per_column[col.name] = (values, codes)
    rows = np.flatnonzero(~odd)
    every = len(rows) == n   # (then each column's codes are its rows' as they are: no copy)
    out = {}
    doubt = np.zeros(len(rows), dtype=bool)   # plain-looking, for the exact parser to judge
    for col in table.cols:
        if col.name in per_column:
            values, codes = per_column[col.name]
            picked = codes if every else codes[rows]
            # (a take of the distinct texts' array: the same text objects, not checked again)
            out[col.name] = values[picked] if isinstance(values, np.ndarray) else values.take(picked)
            continue
        integer = col.kind in ("money", "count", "year")
        # once per distinct plain text, spread to the rows (every row kept is plain here)
        texts, codes, plain_text = distinct[col.name]
        among = np.cumsum(plain_text) - 1   # a plain text's place among the plain ones
        picked = among[codes if every else codes[rows]]
        values, decimals = _numbers(texts.filter(pa.array(plain_text)), integer=integer)
        if col.kind == "money":   # (in 원, per distinct text too)
            unit = catalog.unit(table.name, col.name)
            too_big = (abs(values) > np.iinfo(np.int64).max // units.factor(unit)) \
                .fillna(False).to_numpy(dtype=bool)
            doubt |= too_big[picked]
            values = units.to_won(pd.Series(values).where(~too_big), unit).array
        out[col.name] = values.take(picked)
        if col.kind == "rate":
            out[f"{col.name}_dp"] = decimals[picked]
    # (copy=False: the columns were made here; a dict's columns are otherwise copied once more)
    frame = pd.DataFrame(out, index=pd.Index(raw.lines[rows], name="line"), copy=False)
    if doubt.any():
        frame = frame[~doubt]
        odd[rows[doubt]] = True
    odd_rows = np.flatnonzero(odd)
    if not len(odd_rows):   # every row from the distinct texts: those some row holds
        for name, (values, codes) in per_column.items():
            if not isinstance(values, np.ndarray):
                held = np.zeros(len(values), dtype=bool)
                held[codes] = True
                raw.distinct[name] = values[held]
    if len(odd_rows):   # the row-by-row parser's own checks and messages, with their lines
        sub = raw.frame(odd_rows)
        load._text_checks(sub, table, path, problems)
        frame = pd.concat([frame, load._parse(sub, table, catalog, path, problems)])
        frame = frame.iloc[np.argsort(frame.index.to_numpy(), kind="stable")]
    return frame
