"""Checked tables kept between processes: a columnar cache (Parquet, through pyarrow) outside ``data/``.

Reading a CSV and checking it costs seconds at a million rows; reading the checked table back
from Parquet costs a fraction of that. :func:`seoulcomm.load.load_all` asks this module for each
table before it reads the file, so the build, its helper and every notebook (an analyst's Run
All included) share one checked copy.

What an entry is keyed by (:func:`table_key`), and so when it is used:

- the bytes of the table's own file, as read this time (never its date or size);
- the bytes of every table its references are checked against (``unit`` and ``division``:
  ``organisation.csv``; ``section``: ``sections.csv``; ``program``: ``program.csv``; a plan's
  lines: ``budget_detail.csv``), so a change to one table re-checks that table and the tables
  that refer to it, nothing else; an optional table left out counts as absent;
- the bytes of ``catalog.yaml`` (units and Korean column names decide how a file is read);
- the schema (:data:`seoulcomm.schema.TABLES`), the seoulcomm version and the source of the
  modules that turn bytes into a checked table (:data:`CODE`), and the pandas and pyarrow
  versions.

An entry is written only for a table that loaded with no problem, while every table did: a bad
file is never cached, so its messages are always the loader's own, read from the file.

The cache is a record, never an instruction, and is trusted no further than its key:

- it lives in ``$SEOULCOMM_CACHE`` (``off`` turns it off), else ``$XDG_CACHE_HOME/seoulcomm``,
  else ``~/.cache/seoulcomm``; never under the data folder (data/ is never written);
- the folder must be a real folder (no symbolic link) owned by this user and writable by no one
  else, else the cache is not used; entries are opened without following links, must be
  regular files owned by this user, are read whole into memory once and parsed from those bytes;
- an entry must be a Parquet file whose page checksums hold, whose metadata names this key and
  table, and whose columns are exactly the table's, each of exactly the type the loader gives
  it, with as many rows as it says; anything else (a truncated file, a planted one, another
  version's) is refused, deleted and the table read from its CSV again;
- nothing in it is executed: the Parquet file is read into Arrow arrays and each column is
  turned into pandas with the type the schema says (pandas' own metadata in the file, and any
  pickled or extension type, is never read). There is no pickle anywhere in it.

A frame computed from every table (the audit: :func:`seoulcomm.audit.reconcile`, millions of
checks at a million detail rows) is kept sorted by its scope, in row groups of
:data:`GROUP_ROWS`, each row with its place in the frame (:func:`put` with ``sort_by``). A
notebook kernel that shows one report reads only the groups whose statistics can hold its
scope and puts the rows back in the frame's order (:func:`get` with ``any_of``); the places
read must each be a place of the frame, once (a whole read: every place exactly once), else the
entry is refused like any other.

At most :data:`MAX_BYTES` are kept (the least recently used entries go first).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tempfile
from pathlib import Path

#: Format of an entry; a new format never reads an old one.
FORMAT = 2
#: Environment variable naming the cache folder (``off``: no cache).
ENV = "SEOULCOMM_CACHE"
#: Most bytes the cache folder keeps (least recently used entries removed first).
MAX_BYTES = 4 * 1024 ** 3
#: Largest entry read [bytes] (a checked table of the largest file the loader reads is smaller).
MAX_ENTRY_BYTES = 2 * 1024 ** 3
#: The modules whose code turns a file's bytes into a checked table: a change to any of them
#: is a change of key.
CODE = ("load.py", "schema.py", "units.py", "labels.py", "params.py", "errors.py", "colcache.py")
#: Which table each reference set is read from (see :func:`seoulcomm.load.load_all`).
REF_TABLES = {"unit": "organisation", "division": "organisation", "section": "sections",
              "program": "program"}
#: Tables checked against another table's rows otherwise than by a reference column
#: (:func:`seoulcomm.load._plan_checks`: a plan's lines are the detail's).
CHECKED_AGAINST = {"execution_plan": ("budget_detail",)}
_META = b"seoulcomm"
#: Rows per row group of an entry written sorted (:func:`put` with ``sort_by``): a reader of
#: one value of that column reads about one group.
GROUP_ROWS = 32768
#: The column of a sorted entry holding each row's place in the frame written.
_ROW = "__row"
_SUFFIX = ".parquet"

_code_key: str | None = None


def folder(data_dir: Path | None = None) -> Path | None:
    """The cache folder, or None when there is none to use (turned off, under the data folder,
    a symbolic link, not this user's, writable by others, or impossible to make)."""
    env = os.environ.get(ENV)
    if env is not None and env.strip().lower() in ("off", "0", "no", "none"):
        return None
    if not available():
        return None
    if env:
        place = Path(env).expanduser()
    else:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        place = Path(base).expanduser() / "seoulcomm"
    place = Path(os.path.abspath(place))
    if data_dir is not None:
        data = Path(os.path.abspath(data_dir))
        if place == data or data in place.parents:
            return None   # data/ is never written
    try:
        place.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(place)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid() or st.st_mode & 0o022:
        return None
    return place


def available() -> bool:
    """Whether pyarrow, which reads and writes the entries, is installed (an environment made
    before it was a dependency reads every table from its CSV, as before)."""
    import importlib.util

    try:
        return importlib.util.find_spec("pyarrow") is not None
    except (ImportError, ValueError):
        return False


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_key() -> str:
    """One hash of what, besides the data, decides a checked table: the format, the schema,
    the seoulcomm version, the source of :data:`CODE`, and the pandas and pyarrow versions."""
    global _code_key
    if _code_key is None:
        import pandas as pd
        import pyarrow as pa

        from . import schema
        from .version import __version__

        h = hashlib.sha256()
        h.update(json.dumps([FORMAT, __version__, pd.__version__, pa.__version__]).encode())
        h.update(repr(schema.TABLES).encode())
        here = Path(__file__).resolve().parent
        for name in CODE:
            h.update(name.encode() + b"\0" + (here / name).read_bytes())
        _code_key = h.hexdigest()
    return _code_key


def depends_on(name: str) -> list[str]:
    """The tables whose rows ``name``'s references are checked against (sorted)."""
    from .schema import TABLES

    cols = {c.name for c in TABLES[name].cols}
    # a year's budget version is checked against budget_versions (its name and its date:
    # seoulcomm.load._time_checks)
    versioned = {"budget_versions"} if {"year", "version"} <= cols and name != "budget_versions" else set()
    return sorted({REF_TABLES[c.ref] for c in TABLES[name].cols
                   if c.kind == "ref" and c.ref in REF_TABLES} | set(CHECKED_AGAINST.get(name, ()))
                  | versioned)


def table_key(name: str, file_shas: dict[str, str], catalog_sha: str) -> str:
    """The key of table ``name``'s entry: its file's bytes, those of the tables it refers to,
    the catalog's and :func:`code_key` (``file_shas``: table name → sha256 of its bytes)."""
    parts = {"table": name, "code": code_key(), "catalog": catalog_sha,
             "files": {t: file_shas[t] for t in [name] + depends_on(name)}}
    return sha(json.dumps(parts, sort_keys=True).encode())


def _path(place: Path, name: str, key: str) -> Path:
    return place / f"{name}-{key}{_SUFFIX}"


def _arrow_type(dtype):
    """The Arrow type an entry holds for a column of pandas ``dtype`` (None: not cacheable)."""
    import pandas as pd
    import pyarrow as pa

    if isinstance(dtype, pd.Int64Dtype) or str(dtype) == "int64":
        return pa.int64()
    if isinstance(dtype, pd.Float64Dtype) or str(dtype) == "float64":
        return pa.float64()
    if isinstance(dtype, pd.StringDtype):
        return pa.string()
    if str(dtype) == "datetime64[ns]":
        return pa.timestamp("ns")
    return None


def expected_columns(name: str) -> list[tuple[str, str]]:
    """``[(column, pandas dtype)]`` of table ``name`` as the loader gives it."""
    from .schema import TABLES, _DTYPES

    out = []
    for col in TABLES[name].cols:
        out.append((col.name, _DTYPES.get(col.kind, "string")))
        if col.kind == "rate":
            out.append((f"{col.name}_dp", "int64"))
    return out


def _to_pandas(expected, table, codes: dict | None = None):
    """An Arrow table as a frame of ``expected`` columns: each column built with its type
    (nothing of the file's own metadata used). ``codes``: filled with each text column's
    dictionary codes (:func:`_codes_of`)."""
    import pandas as pd

    from . import bulk

    columns = {}
    for (column, dtype), array in zip(expected, table.columns):
        array = array.combine_chunks()
        if codes is not None and dtype in ("string", "str"):
            found = _codes_of(array)
            if found is not None:
                codes[column] = found
        if dtype == "string":
            values = bulk.strings(array)
        elif dtype == "str":
            values = bulk.strings(array).astype(_dtype("str"))
        elif dtype == "float64":
            values = array.to_numpy(zero_copy_only=False).astype("float64", copy=False)
        elif dtype in ("Int64", "Float64"):
            values = _nullable(array, dtype)
        elif dtype == "int64":
            values = array.to_numpy(zero_copy_only=False).astype("int64", copy=False)
        else:
            values = array.to_pandas().to_numpy(dtype="datetime64[ns]")
        columns[column] = values
    # the arrays were made here for this frame: taken as they are, not copied once more
    return pd.DataFrame(columns, index=pd.RangeIndex(table.num_rows), copy=False)


def _codes_of(array):
    """A text column read as an Arrow dictionary (kept as it is, made into codes only when
    asked: :func:`codes`); None when it is none."""
    import pyarrow as pa

    return array if pa.types.is_dictionary(array.type) and pa.types.is_string(array.dictionary.type) \
        else None


def codes(array):
    """``(codes, values)`` of a text column :func:`get` gave as read: each row's place in
    ``values`` (an array of distinct texts), -1 where the text is missing; None when its
    dictionary does not hold distinct texts."""
    import numpy as np
    import pyarrow.compute as pc

    values = array.dictionary.to_numpy(zero_copy_only=False).astype(object)
    if len(set(values)) != len(values) or not all(isinstance(v, str) for v in values):
        return None
    found = pc.fill_null(array.indices, -1).to_numpy(zero_copy_only=False)
    return found.astype(np.int32, copy=False), values


def _nullable(array, dtype):
    """An Arrow int64/double array as pandas ``Int64``/``Float64`` (nulls as ``<NA>``)."""
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    if array.null_count == 0:   # no missing value: the values as they are (as fill_null gave them)
        filled = array.to_numpy(zero_copy_only=False)
        mask = np.zeros(len(array), dtype=bool)
    else:
        mask = pc.is_null(array).to_numpy(zero_copy_only=False)
        filled = pc.fill_null(array, 0).to_numpy(zero_copy_only=False)
    if dtype == "Int64":
        return pd.arrays.IntegerArray(filled.astype(np.int64, copy=False), mask.astype(bool, copy=False))
    return pd.arrays.FloatingArray(filled.astype(np.float64, copy=False), mask.astype(bool, copy=False))


def get(place: Path | None, name: str, key: str, columns: list[str] | None = None, rows=None,
        any_of: dict | None = None, codes: dict | None = None):
    """The checked frame of table ``name`` kept under ``key``, or None (no entry, or one refused
    and deleted). ``columns``: for a frame that is no table (:func:`put` with ``columns``),
    the columns it must have, each of a type :data:`FRAME_DTYPES` names. ``any_of``
    (``{column: values}``): only the rows where one of those columns holds one of its values,
    in the frame's order; an entry written sorted (:func:`put` with ``sort_by``) is read only
    in the row groups that can hold them. ``codes`` (a dict): filled, for a whole table, with
    ``{column: (codes, values)}`` of its text columns as read (:func:`_codes_of`), which
    :meth:`seoulcomm.load.Dataset.positions` indexes without comparing texts."""
    if place is None:
        return None
    path = _path(place, name, key)
    data = _read_entry(path)
    if data is None:
        return None
    try:
        found = {} if codes is not None and columns is None and rows is None and not any_of else None
        frame = _parse_entry(name, key, data, columns, rows, any_of, found)
    except Exception:   # noqa: BLE001 — anything odd in an entry: refused, read from the CSV again
        frame = None
    if frame is None:
        _remove(path)
        return None
    if found:
        codes.update(found)
    try:
        os.utime(path)   # recently used: kept longest
    except OSError:
        pass
    return frame


def _read_entry(path: Path) -> bytes | None:
    """The bytes of an entry: a regular file of this user's, opened without following links;
    None when there is none or it is anything else (then it is removed)."""
    try:
        # never through a link, never blocked on a FIFO planted as an entry (O_NONBLOCK)
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError:   # a symbolic link (ELOOP), or unreadable: not an entry
        _remove(path)
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_uid != os.geteuid() or st.st_size > MAX_ENTRY_BYTES:
            _remove(path)
            return None
        chunks, left = [], st.st_size
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 24))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def _parse_entry(name: str, key: str, data: bytes, columns: list[str] | None = None, rows=None,
                 any_of: dict | None = None, codes: dict | None = None):
    """The frame in an entry's bytes, or None when they are not exactly an entry of ``name``
    under ``key``."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    reader = pq.ParquetFile(pa.BufferReader(data), page_checksum_verification=True)
    meta = json.loads((reader.schema_arrow.metadata or {}).get(_META, b"null"))
    if not isinstance(meta, dict) or meta.get("format") != FORMAT or meta.get("key") != key \
            or meta.get("table") != name:
        return None
    if columns is None:
        expected = expected_columns(name)
    else:   # a frame: its columns' types as written, each one this module knows
        expected = meta.get("columns")
        if not isinstance(expected, list) or [c[0] if isinstance(c, list) else None for c in expected] \
                != list(columns) or any(len(c) != 2 or c[1] not in FRAME_DTYPES for c in expected):
            return None
        expected = [tuple(c) for c in expected]
    sorted_by = meta.get("sorted_by")
    if sorted_by is not None and (columns is None or sorted_by not in columns):
        return None
    stored = expected + [(_ROW, "int64")] if sorted_by is not None else expected
    text = [c for c, dtype in expected if dtype in ("string", "str")]
    total = reader.metadata.num_rows
    if meta.get("rows") != total or reader.schema_arrow.names != [c for c, _ in stored]:
        return None
    if any_of and sorted_by is not None:   # the row groups that can hold the rows asked for
        groups = _groups_holding(reader, any_of)
        table = pq.ParquetFile(pa.BufferReader(data), page_checksum_verification=True,
                               read_dictionary=text).read_row_groups(groups, use_pandas_metadata=False)
    else:
        table = pq.read_table(pa.BufferReader(data), page_checksum_verification=True,
                              use_pandas_metadata=False, read_dictionary=text)
        if table.num_rows != total:
            return None
    if table.schema.names != [c for c, _ in stored]:
        return None
    for (column, dtype), field in zip(stored, table.schema):
        kind = field.type.value_type if pa.types.is_dictionary(field.type) and dtype in ("string", "str") \
            else field.type
        if kind != _arrow_type(_dtype(dtype)):
            return None
        if dtype in ("int64", "float64") and table.column(column).null_count:
            return None
    if any_of:
        table = table.filter(_any_of(table, any_of))
    if sorted_by is not None:   # back in the frame's own order (each row's place, kept with it)
        at = table.column(_ROW).to_numpy()
        if len(at) and (at.min() < 0 or at.max() >= total):
            return None
        if len(at) == total:   # every row: each place once, and the rows put back in one pass
            order = np.full(total, -1, dtype=np.int64)
            order[at] = np.arange(total, dtype=np.int64)
            if len(at) and order.min() < 0:
                return None
        else:
            order = np.argsort(at, kind="stable")
            if len(at) > 1 and not (np.diff(at[order]) > 0).all():   # each place once
                return None
        table = table.drop_columns([_ROW]).take(pa.array(order))
    if rows is not None:   # only the rows the caller asks for (an Arrow mask of the whole entry)
        table = table.filter(rows(table))
    return _to_pandas(expected, table, codes)


def _text(table, column):
    import pyarrow as pa

    array = table.column(column).combine_chunks()
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array


def _any_of(table, any_of: dict):
    """The Arrow mask of ``table``'s rows where one of ``any_of``'s columns holds one of its values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = None
    for column, values in any_of.items():
        hit = pc.is_in(_text(table, column), value_set=pa.array([str(v) for v in values], pa.string()))
        mask = hit if mask is None else pc.or_kleene(mask, hit)
    return pc.fill_null(mask, False)


def _groups_holding(reader, any_of: dict) -> list[int]:
    """The row groups of ``reader`` whose statistics do not rule out every value ``any_of``
    asks for (a group without statistics is read)."""
    names = reader.schema_arrow.names
    meta = reader.metadata
    groups = []
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        for column, values in any_of.items():
            stats = group.column(names.index(column)).statistics
            if stats is None:
                groups.append(g)
                break
            if not stats.has_min_max:
                if stats.null_count == group.num_rows:   # every value missing: none asked for
                    continue
                groups.append(g)
                break
            if any(stats.min <= str(v) <= stats.max for v in values):
                groups.append(g)
                break
    return groups


def put(place: Path | None, name: str, key: str, frame, columns: bool = False,
        sort_by: str | None = None) -> None:
    """Keep the checked ``frame`` of table ``name`` under ``key`` (written whole, then renamed
    into place); any failure only means there is no entry. ``columns``: a frame that is no
    table, its columns' types (each one :data:`FRAME_DTYPES` names) written with it.
    ``sort_by`` (a text column of such a frame): the rows written sorted by it, each with its
    place in the frame, in groups of :data:`GROUP_ROWS`, so that :func:`get` with ``any_of``
    reads only the groups that can hold the rows asked for, and gives them in the frame's order."""
    if place is None:
        return
    try:
        expected = None
        if columns:
            expected = [(str(c), _dtype_name(frame[c].dtype)) for c in frame.columns]
            if any(d is None for _, d in expected):
                return
        if sort_by is not None and (not columns or sort_by not in frame.columns or _ROW in frame.columns):
            return
        data = _entry_bytes(name, key, frame, expected, sort_by)
    except Exception:   # noqa: BLE001 — a table the cache cannot hold is read from its CSV
        return
    if data is None:
        return
    path = _path(place, name, key)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".tmp", dir=place)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, path)
        except BaseException:
            _remove(Path(tmp))
            raise
    except OSError:
        return


def _entry_bytes(name: str, key: str, frame, expected=None, sort_by: str | None = None) -> bytes | None:
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    own = expected is not None
    expected = expected or expected_columns(name)
    if list(frame.columns) != [c for c, _ in expected] \
            or any(str(frame[c].dtype) != str(_dtype(d)) for c, d in expected):
        return None
    arrays = []
    for column, dtype in expected:
        values = frame[column]
        if dtype in ("string", "str"):
            arrays.append(pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.string()))
        elif dtype == "float64":
            arrays.append(pa.array(values.to_numpy(), type=pa.float64()))
        elif dtype in ("Int64", "Float64"):
            arrays.append(pa.array(values.array._data, mask=values.array._mask,
                                   type=_arrow_type(values.dtype)))
        elif dtype == "int64":
            arrays.append(pa.array(values.to_numpy(), type=pa.int64()))
        else:
            arrays.append(pa.array(values.to_numpy(dtype="datetime64[ns]"), type=pa.timestamp("ns"),
                                   from_pandas=True))
    meta = {"format": FORMAT, "key": key, "table": name, "rows": len(frame)}
    if own:
        meta["columns"] = [list(c) for c in expected]
    names = [c for c, _ in expected]
    group = None
    if sort_by is not None:   # sorted by the column (missing first), each row with its place
        codes, _ = pd.factorize(frame[sort_by], sort=True)
        order = pa.array(np.argsort(codes, kind="stable").astype(np.int64))
        arrays = [a.take(order) for a in arrays] + [order]
        names.append(_ROW)
        meta["sorted_by"] = sort_by
        group = GROUP_ROWS
    table = pa.table(arrays, names=names, metadata={_META: json.dumps(meta).encode()})
    out = io.BytesIO()
    pq.write_table(table, out, write_page_checksum=True, compression="lz4", row_group_size=group)
    return out.getvalue()


#: Types a kept frame's columns may have (:func:`put` with ``columns``), by the name kept.
FRAME_DTYPES = ("string", "str", "float64", "Float64", "Int64", "int64", "datetime64[ns]")


def _dtype(name: str):
    import numpy as np
    import pandas as pd

    if name == "string":
        return pd.StringDtype("python")
    if name == "str":
        return pd.StringDtype("python", na_value=np.nan)
    return pd.Series(dtype=name).dtype


def _dtype_name(dtype) -> str | None:
    """The name :data:`FRAME_DTYPES` gives ``dtype`` (None: not one of them)."""
    for name in FRAME_DTYPES:
        if dtype == _dtype(name) and str(dtype) == str(_dtype(name)):
            return name
    return None


def frame_key(part: str, table_keys: dict[str, str], code: tuple[str, ...] = ()) -> str:
    """The key of a frame computed from whole tables (the audit): the keys of every table
    (:func:`table_key`), :func:`code_key` and the source of the modules ``code`` names."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(json.dumps([part, code_key(), sorted(table_keys.items())]).encode())
    for name in code:
        h.update(name.encode() + b"\0" + (here / name).read_bytes())
    return h.hexdigest()


def prune(place: Path | None, limit: int | None = None) -> None:
    """Remove the least recently used entries until the folder holds at most ``limit`` bytes
    (:data:`MAX_BYTES`); files that are not entries are left alone."""
    if place is None:
        return
    limit = MAX_BYTES if limit is None else limit
    entries = []
    try:
        for entry in os.scandir(place):
            if entry.name.endswith(_SUFFIX) and entry.is_file(follow_symlinks=False):
                st = entry.stat(follow_symlinks=False)
                entries.append((st.st_mtime_ns, st.st_size, Path(entry.path)))
    except OSError:
        return
    total = sum(size for _, size, _ in entries)
    for _, size, path in sorted(entries):
        if total <= limit:
            break
        _remove(path)
        total -= size


def _remove(path: Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
