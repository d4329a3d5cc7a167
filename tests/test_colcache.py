"""The column cache (seoulcomm/colcache.py): checked tables kept as Parquet outside data/.

What it must prove: a table read from the cache is the table read from its CSV (every table,
value and type); the key follows every byte that decides a table (its file, the files its
references are checked against, the catalog, the schema, the version), so a change re-checks
that table and what refers to it and nothing else; an entry that is not exactly what was
written (planted, truncated, another key's, a link) is refused, deleted, rebuilt, and never
executed; the cache never lives in, nor writes to, the data folder.
"""
from __future__ import annotations

import dataclasses
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from seoulcomm import colcache, load, schema
from seoulcomm.errors import DataErrors
from seoulcomm.schema import LOAD_ORDER, TABLES

#: Which tables refer to which (the reference columns of schema.py): a change to the first
#: re-checks these too.
REFERRERS = {t: {n for n in TABLES if t in colcache.depends_on(n)} for t in TABLES}


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache folder of this test's own."""
    place = tmp_path / "cache"
    monkeypatch.setenv(colcache.ENV, str(place))
    load.forget()
    yield place
    load.forget()


@pytest.fixture
def checked(monkeypatch) -> list[str]:
    """The tables the loader reads from their CSV (and checks), in the order it does."""
    names: list[str] = []
    real = load._load_table

    def spy(name, *args, **kw):
        names.append(name)
        return real(name, *args, **kw)

    monkeypatch.setattr(load, "_load_table", spy)
    return names


def fresh(folder) -> load.Dataset:
    """``load_all(folder)`` in a new process's state (the in-memory cache emptied)."""
    load.forget()
    return load.load_all(folder)


def without_cache(folder, monkeypatch) -> load.Dataset:
    with monkeypatch.context() as m:
        m.setenv(colcache.ENV, "off")
        return fresh(folder)


def assert_same(a: load.Dataset, b: load.Dataset) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True,
                                      check_dtype=True, check_index_type=True, obj=name)
        for column in a.tables[name].columns:   # the very same dtype objects, storage included
            assert a.tables[name][column].dtype == b.tables[name][column].dtype, (name, column)
    assert a.refs == b.refs
    assert a.catalog == b.catalog


def entries(place: Path) -> dict[str, Path]:
    """``{table: its entry}`` of a cache holding one entry per table."""
    found = {}
    for p in sorted(place.glob("*.parquet")):
        table = p.name.rsplit("-", 1)[0]
        if table == "audit":
            continue
        assert table not in found, f"two entries of {table}"
        found[table] = p
    return found


def test_cache_gives_every_table_as_the_csv_does(data_copy, cache, checked, monkeypatch):
    from_csv = without_cache(data_copy, monkeypatch)
    first = fresh(data_copy)                       # reads the CSV, keeps every table
    assert checked == LOAD_ORDER * 2
    assert set(entries(cache)) == set(TABLES)
    checked.clear()
    warm = fresh(data_copy)
    assert checked == []                           # nothing read from a CSV, nothing checked again
    assert_same(warm, from_csv)
    assert_same(first, from_csv)
    # and a second load from the cache is the same again
    assert_same(fresh(data_copy), from_csv)


def test_bigger_data_from_cache_equals_csv(tmp_path, cache, monkeypatch):
    """Synthetic data with many divisions, years and month-end snapshots (benchmarks/synthetic.py):
    missing values, dates, rates and money of every table survive the round trip."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from synthetic import make_dataset
    finally:
        sys.path.pop(0)
    folder = tmp_path / "big"
    counts = make_dataset(folder, divisions=12, years=3, snapshots=4)
    assert counts["budget_detail"] == (44 + 8 * 5) * 3 * 4   # data/'s 44 rows, 8 clones of city-brand's 5
    from_csv = without_cache(folder, monkeypatch)
    fresh(folder)
    assert_same(fresh(folder), from_csv)


def _touch_header(path: Path) -> None:
    """Change one byte of a file without changing what it holds: a space after the header's
    last name (names are read stripped); an optional table left out gets its header only."""
    if not path.exists():
        path.write_text(",".join(TABLES[path.stem].columns) + "\n", encoding="utf-8")
        return
    data = path.read_bytes()
    end = data.index(b"\n")
    path.write_bytes(data[:end] + b" " + data[end:])


@pytest.mark.parametrize("name", LOAD_ORDER)
def test_a_changed_byte_rechecks_that_table_and_what_refers_to_it(data_copy, cache, checked, name):
    fresh(data_copy)
    before = set(cache.glob("*.parquet"))
    checked.clear()
    _touch_header(data_copy / TABLES[name].file)
    ds = fresh(data_copy)
    expected = {name} | REFERRERS[name]
    assert set(checked) == expected
    assert len(checked) == len(expected)
    # a new entry (a new key) for each rechecked table; the others' entries are the same files
    added = set(cache.glob("*.parquet")) - before
    assert sorted(p.name.rsplit("-", 1)[0] for p in added) == sorted(expected)
    assert list(ds.tables[name].columns)[: len(TABLES[name].columns)] == TABLES[name].columns \
        or set(TABLES[name].columns) <= set(ds.tables[name].columns)


def test_organisation_changes_recheck_every_table_that_names_a_unit(data_copy, cache, checked):
    """``unit`` and ``division`` columns are checked against organisation.csv."""
    assert REFERRERS["organisation"] >= {"budget_detail", "staffing", "sections", "outcomes", "program"}
    assert "documents" not in REFERRERS["organisation"]


def test_a_changed_value_is_read_not_remembered(data_copy, cache, monkeypatch):
    fresh(data_copy)
    path = data_copy / "budget_detail.csv"
    text = path.read_text(encoding="utf-8")
    # 2016 office total 예산편성액 "40,828" (백만원) → "40,829": a different figure
    assert '"40,828"' in text
    path.write_text(text.replace('"40,828"', '"40,829"', 1), encoding="utf-8")
    ds = fresh(data_copy)
    office = ds.tables["budget_detail"].iloc[0]
    assert office["budget"] == 40_829 * 1_000_000
    assert_same(ds, without_cache(data_copy, monkeypatch))


def test_a_changed_catalog_rechecks_everything(data_copy, cache, checked, monkeypatch):
    fresh(data_copy)
    checked.clear()
    catalog = data_copy / "catalog.yaml"
    catalog.write_bytes(catalog.read_bytes() + b"\n# one more byte\n")
    fresh(data_copy)
    assert sorted(checked) == sorted(LOAD_ORDER)
    # a catalog that changes a unit changes the figures: read anew, never the old ones
    text = catalog.read_text(encoding="utf-8")
    checked.clear()
    before = fresh(data_copy).tables["budget_detail"]["budget"].iloc[0]
    monkeypatch.setattr(load, "_CACHE", {})
    import yaml

    raw = yaml.safe_load(text)
    assert raw["budget_detail"]["unit"] == "백만원"
    raw["budget_detail"]["unit"] = "천원"
    catalog.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    after = fresh(data_copy).tables["budget_detail"]["budget"].iloc[0]
    assert after * 1000 == before


def test_a_changed_schema_or_version_rechecks_everything(data_copy, cache, checked, monkeypatch):
    fresh(data_copy)
    checked.clear()
    # the schema: one table's columns as the loader is told (a title is enough: the key is
    # the whole of TABLES)
    changed = dict(TABLES)
    changed["documents"] = dataclasses.replace(TABLES["documents"], title="자료 문서(고침)")
    monkeypatch.setattr(schema, "TABLES", changed)
    monkeypatch.setattr(colcache, "_code_key", None)
    fresh(data_copy)
    assert sorted(checked) == sorted(LOAD_ORDER)
    monkeypatch.setattr(schema, "TABLES", TABLES)
    checked.clear()
    from seoulcomm import version

    monkeypatch.setattr(version, "__version__", version.__version__ + ".dev1")
    monkeypatch.setattr(colcache, "_code_key", None)
    fresh(data_copy)
    assert sorted(checked) == sorted(LOAD_ORDER)


class _Boom:
    """Unpickling this writes a file: proof of execution if the file appears."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (Path.write_text, (Path(self.marker), "executed"))


def _planted(kind: str, target: Path, other: Path, marker: Path) -> None:
    if kind == "pickle":
        target.write_bytes(pickle.dumps(_Boom(marker)))
    elif kind == "garbage":
        target.write_bytes(b"PAR1" + os.urandom(64) + b"PAR1")
    elif kind == "truncated":
        target.write_bytes(target.read_bytes()[: target.stat().st_size // 2])
    elif kind == "empty":
        target.write_bytes(b"")
    elif kind == "other-table":        # a valid entry, of another table, under this name
        shutil.copyfile(other, target)
    elif kind == "link":               # a symbolic link to a valid entry
        target.unlink()
        target.symlink_to(other)
    elif kind == "flipped-byte":       # one byte of the data pages changed
        data = bytearray(target.read_bytes())
        data[len(data) // 3] ^= 0xFF
        target.write_bytes(bytes(data))
    else:
        raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["pickle", "garbage", "truncated", "empty", "other-table", "link",
                                  "flipped-byte"])
def test_a_planted_or_broken_entry_is_refused_and_rebuilt(data_copy, cache, checked, monkeypatch,
                                                         tmp_path, kind):
    expected = without_cache(data_copy, monkeypatch)
    fresh(data_copy)
    found = entries(cache)
    target, other = found["budget_detail"], found["budget_division"]
    marker = tmp_path / "executed.txt"
    live = tmp_path / "live.txt"          # the payload is live: unpickling it does write
    pickle.loads(pickle.dumps(_Boom(live)))
    assert live.read_text() == "executed"
    _planted(kind, target, other, marker)
    checked.clear()
    ds = fresh(data_copy)
    assert not marker.exists()
    assert checked == ["budget_detail"]            # refused: read from its CSV again
    assert_same(ds, expected)
    rebuilt = entries(cache)["budget_detail"]
    assert not rebuilt.is_symlink()
    checked.clear()
    assert_same(fresh(data_copy), expected)        # and the rebuilt entry is used
    assert checked == []


def test_an_entry_of_the_right_name_with_other_columns_is_refused(data_copy, cache, checked,
                                                                 monkeypatch):
    """A well-formed Parquet file that names this very key, but whose columns are not the
    table's (one column of another type): refused."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fresh(data_copy)
    target = entries(cache)["documents"]
    table = pq.read_table(target)
    meta = table.schema.metadata
    columns = [pa.array([str(v) for v in table.column("date").to_pylist()]) if n == "date"
               else table.column(n) for n in table.schema.names]
    pq.write_table(pa.table(columns, names=table.schema.names, metadata=meta), target)
    checked.clear()
    ds = fresh(data_copy)
    assert checked == ["documents"]
    assert str(ds.tables["documents"]["date"].dtype) == "datetime64[ns]"


def test_a_folder_writable_by_others_is_not_used(data_copy, cache, monkeypatch):
    cache.mkdir(mode=0o700)
    os.chmod(cache, 0o777)
    assert colcache.folder(data_copy) is None
    fresh(data_copy)
    assert list(cache.iterdir()) == []


def test_a_linked_folder_is_not_used(data_copy, tmp_path, monkeypatch):
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv(colcache.ENV, str(link))
    assert colcache.folder(data_copy) is None


def test_never_inside_the_data_folder(data_copy, monkeypatch, snapshot):
    before = snapshot(data_copy)
    monkeypatch.setenv(colcache.ENV, str(data_copy / ".cache"))
    assert colcache.folder(data_copy) is None
    fresh(data_copy)
    assert snapshot(data_copy) == before
    assert not (data_copy / ".cache").exists()


def test_the_default_folder_is_the_users_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(colcache.ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert colcache.folder(Path("/nonexistent/data")) == tmp_path / "xdg" / "seoulcomm"
    monkeypatch.setenv(colcache.ENV, "off")
    assert colcache.folder(None) is None


def test_a_bad_file_is_never_cached_and_says_what_it_said(data_copy, cache, monkeypatch):
    path = data_copy / "budget_detail.csv"
    path.write_text(path.read_text(encoding="utf-8").replace('"40,828"', '"4O,828"', 1), encoding="utf-8")
    with pytest.raises(DataErrors) as first:
        fresh(data_copy)
    assert "budget_detail" not in entries(cache)      # the good tables are not kept either
    assert entries(cache) == {}
    with pytest.raises(DataErrors) as again:
        fresh(data_copy)
    with monkeypatch.context() as m:
        m.setenv(colcache.ENV, "off")
        with pytest.raises(DataErrors) as plain:
            fresh(data_copy)
    assert str(first.value) == str(again.value) == str(plain.value)
    assert "budget_detail.csv, 2행" in str(first.value) and "'budget' 열" in str(first.value)


def test_other_processes_use_it_without_checking_anything(data_copy, cache):
    """A second process (a build's helper, a notebook's kernel, `seoulcomm validate`: all call
    load_all) takes every table from the cache: it loads even with the loader's reading and
    checking of a table (load._load_table) made to fail."""
    code = ("from seoulcomm import load\n"
            "def refuse(name, *args, **kw):\n"
            "    raise SystemExit('read and checked: ' + name)\n"
            "load._load_table = refuse\n"
            f"ds = load.load_all({str(data_copy)!r})\n"
            "print(sum(len(f) for f in ds.tables.values()))\n")
    env = {**os.environ, colcache.ENV: str(cache)}
    cold = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)
    assert cold.returncode != 0 and "read and checked: documents" in cold.stderr
    first = subprocess.run([sys.executable, "-m", "seoulcomm", "validate", "--data", str(data_copy)],
                           capture_output=True, text=True, env=env, timeout=120)
    assert first.returncode == 0, first.stderr
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120)
    assert warm.returncode == 0, warm.stderr
    assert int(warm.stdout) == sum(len(f) for f in fresh(data_copy).tables.values())


def test_prune_keeps_the_most_recently_used(tmp_path):
    place = tmp_path / "c"
    place.mkdir()
    for i, name in enumerate(["a", "b", "c"]):
        p = place / f"{name}-k{_SUFFIX()}"
        p.write_bytes(b"x" * 100)
        os.utime(p, ns=(i * 10**9, i * 10**9))
    (place / "notes.txt").write_bytes(b"y" * 1000)
    colcache.prune(place, limit=250)
    assert sorted(p.name for p in place.iterdir()) == [f"b-k{_SUFFIX()}", f"c-k{_SUFFIX()}", "notes.txt"]


def _SUFFIX() -> str:
    return colcache._SUFFIX


# --------------------------------------------------------------------------- the audit
def test_the_audit_is_kept_and_given_back_as_computed(data_copy, cache, monkeypatch):
    from seoulcomm import audit

    with monkeypatch.context() as m:
        m.setenv(colcache.ENV, "off")
        audit._RECONCILED.clear()
        computed = audit.reconcile(fresh(data_copy))
    audit._RECONCILED.clear()
    first = audit.reconcile(fresh(data_copy))        # computed, and kept
    assert len(list(cache.glob("audit-*.parquet"))) == 1
    audit._RECONCILED.clear()

    def refuse(ds):
        raise AssertionError("computed again")

    with monkeypatch.context() as m:
        m.setattr(audit, "_reconcile", refuse)
        kept = audit.reconcile(fresh(data_copy))     # from the cache: not computed
    for frame in (first, kept):
        pd.testing.assert_frame_equal(frame, computed, check_exact=True)
        assert [str(t) for t in frame.dtypes] == [str(t) for t in computed.dtypes]
    audit._RECONCILED.clear()


def test_the_audit_follows_every_table(data_copy, cache, monkeypatch):
    """A changed byte of any table is a new audit key (the audit reads across tables)."""
    from seoulcomm import audit

    audit._RECONCILED.clear()
    audit.reconcile(fresh(data_copy))
    path = data_copy / "budget_detail.csv"
    path.write_text(path.read_text(encoding="utf-8").replace('"40,828"', '"40,829"', 1), encoding="utf-8")
    audit._RECONCILED.clear()
    ds = fresh(data_copy)
    changed = audit.reconcile(ds)
    assert len(list(cache.glob("audit-*.parquet"))) == 2
    with monkeypatch.context() as m:
        m.setenv(colcache.ENV, "off")
        audit._RECONCILED.clear()
        pd.testing.assert_frame_equal(changed, audit.reconcile(fresh(data_copy)), check_exact=True)
    audit._RECONCILED.clear()


AUDIT_PLANTS = ["pickle", "truncated", "other-table", "flipped-byte", "places-twice", "places-beyond",
                "unsorted"]


def _planted_audit(kind: str, target: Path, other: Path, marker: Path) -> None:
    """Plant ``kind`` as the audit entry ``target``: the table kinds of :func:`_planted`, or an
    entry that is well formed, of the right key, but whose rows' places in the audit are not
    each place once (``places-twice``, ``places-beyond``) or that says it is sorted by a column
    that is no column of it (``unsorted``)."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    if not kind.startswith(("places", "unsorted")):
        _planted(kind, target, other, marker)
        return
    table = pq.read_table(target)
    meta = json.loads(table.schema.metadata[b"seoulcomm"])
    places = table.column(colcache._ROW).to_numpy().copy()
    mine = [i for i, s in enumerate(table.column("scope").to_pylist()) if s == "city-brand"]
    if kind == "places-twice":     # two of city-brand's rows (those a kernel of its report reads)
        places[mine[1]] = places[mine[0]]
    elif kind == "places-beyond":
        places[mine[0]] = len(places)
    else:
        meta["sorted_by"] = "nothing"
    table = table.set_column(table.schema.get_field_index(colcache._ROW), colcache._ROW, pa.array(places))
    table = table.replace_schema_metadata({b"seoulcomm": json.dumps(meta).encode()})
    pq.write_table(table, target, write_page_checksum=True, row_group_size=colcache.GROUP_ROWS)


def test_the_audit_entry_is_sorted_by_scope_with_each_rows_place(data_copy, cache):
    """The kept audit is written sorted by scope, in groups, each row with its place in the
    audit: one scope's rows are read from the groups that can hold them, and the whole audit
    comes back in its own order (the test above)."""
    import pyarrow.parquet as pq

    from seoulcomm import audit

    audit._RECONCILED.clear()
    computed = audit.reconcile(fresh(data_copy))
    table = pq.read_table(next(cache.glob("audit-*.parquet")))
    assert table.schema.names == list(audit.COLUMNS) + [colcache._ROW]
    scopes = table.column("scope").to_pylist()
    assert scopes == sorted(scopes, key=lambda s: (s is not None, s or ""))
    places = table.column(colcache._ROW).to_numpy()
    assert sorted(places.tolist()) == list(range(len(computed)))
    pd.testing.assert_frame_equal(computed.iloc[places].reset_index(drop=True)[["scope"]],
                                  table.select(["scope"]).to_pandas().astype(computed["scope"].dtype),
                                  check_exact=True)
    audit._RECONCILED.clear()


@pytest.mark.parametrize("kind", AUDIT_PLANTS)
def test_a_planted_audit_entry_is_refused(data_copy, cache, monkeypatch, tmp_path, kind):
    from seoulcomm import audit

    audit._RECONCILED.clear()
    computed = audit.reconcile(fresh(data_copy))
    target = next(cache.glob("audit-*.parquet"))
    marker = tmp_path / "executed.txt"
    _planted_audit(kind, target, entries_of_tables(cache)["budget_detail"], marker)
    audit._RECONCILED.clear()
    again = audit.reconcile(fresh(data_copy))
    assert not marker.exists()
    pd.testing.assert_frame_equal(again, computed, check_exact=True)
    audit._RECONCILED.clear()


@pytest.mark.parametrize("kind", AUDIT_PLANTS)
def test_a_planted_audit_entry_is_refused_when_one_scope_is_read(data_copy, cache, tmp_path, kind):
    """A kernel reads one scope's rows of the kept audit (audit._kept_part): a planted, broken
    or misplaced entry is refused there too, deleted, and the checks are the computed ones."""
    from seoulcomm import audit

    audit._RECONCILED.clear()
    ds = fresh(data_copy)
    expected = audit.checks_of(ds, "city-brand", year=2016)
    target = next(cache.glob("audit-*.parquet"))
    marker = tmp_path / "executed.txt"
    _planted_audit(kind, target, entries_of_tables(cache)["budget_detail"], marker)
    audit._RECONCILED.clear()
    kernel = fresh(data_copy)                    # a new kernel's data: nothing audited in it
    got = audit.checks_of(kernel, "city-brand", year=2016)
    assert not marker.exists()
    assert kernel.memo[("audit", "part")][1] is None   # the kept rows refused, the audit computed
    pd.testing.assert_frame_equal(got, expected, check_exact=True)
    place, key = audit._kept(kernel)                   # and kept again, whole and right
    pd.testing.assert_frame_equal(colcache.get(place, "audit", key, audit.COLUMNS),
                                  audit.reconcile(kernel), check_exact=True)
    audit._RECONCILED.clear()


def entries_of_tables(place: Path) -> dict[str, Path]:
    return {p.name.rsplit("-", 1)[0]: p for p in place.glob("*.parquet") if not p.name.startswith("audit-")}


def test_without_pyarrow_everything_is_read_from_the_csv(data_copy, cache, monkeypatch):
    """An environment made before pyarrow was a dependency: no cache, no column reader, the
    same tables."""
    expected = without_cache(data_copy, monkeypatch)
    monkeypatch.setattr(colcache, "available", lambda: False)
    monkeypatch.setattr(load, "BULK_MIN_BYTES", 0)
    assert colcache.folder(data_copy) is None
    assert_same(fresh(data_copy), expected)
    assert not cache.exists() or not list(cache.iterdir())


def test_a_file_changed_after_it_was_hashed_is_parsed_as_it_is_and_nothing_is_kept(data_copy, cache,
                                                                                  monkeypatch):
    """The key is made from each file's bytes as hashed; a table the cache does not hold is
    parsed from the bytes read again, which must be those: a file changed in between is
    parsed as it is now, and nothing of that load is kept (no entry under a key of other bytes)."""
    path = data_copy / "budget_detail.csv"
    text = path.read_text(encoding="utf-8")
    assert '"40,828"' in text   # the 2016 office total's 예산편성액 (백만원)
    real = load._file_sha

    def hashed_then_changed(p):
        digest = real(p)
        if Path(p).name == "budget_detail.csv":
            Path(p).write_text(text.replace('"40,828"', '"40,829"', 1), encoding="utf-8")
        return digest

    monkeypatch.setattr(load, "_file_sha", hashed_then_changed)
    ds = fresh(data_copy)
    assert 40_829_000_000 in set(ds.tables["budget_detail"]["budget"].dropna())
    assert list(cache.glob("*.parquet")) == []
    monkeypatch.setattr(load, "_file_sha", real)
    assert_same(fresh(data_copy), without_cache(data_copy, monkeypatch))
    assert 40_829_000_000 in set(fresh(data_copy).tables["budget_detail"]["budget"].dropna())


def test_two_reference_sets_are_made_when_first_read(data_copy, cache, monkeypatch):
    """From the cache the detail's (year, line) pairs and the organisation's names are made
    only when something reads them (another set read, or asked for, makes neither); every way
    of reading them gives the sets the CSV load makes (an item, get, ==, iteration, a copy, a
    pickle: a plain dict)."""
    expected = without_cache(data_copy, monkeypatch).refs.copy()   # a plain dict, every set made
    assert type(expected) is dict and {"detail_line", "names", "unit", "program"} <= set(expected)
    fresh(data_copy)
    made = []
    real = load._detail_lines
    monkeypatch.setattr(load, "_detail_lines", lambda detail: made.append(1) or real(detail))
    for read in (lambda r: r["detail_line"], lambda r: r.get("detail_line"), lambda r: r.pop("detail_line"),
                 lambda r: r == expected, lambda r: sorted(r), lambda r: r.copy(), len,
                 lambda r: pickle.loads(pickle.dumps(r))):
        ds = fresh(data_copy)
        assert made == []
        assert ds.refs.get("program") == expected["program"] and "detail_line" in ds.refs
        assert ds.refs["unit"] == expected["unit"] and "names" in ds.refs
        assert made == []
        read(ds.refs)
        assert made == [1]
        made.clear()
        if "detail_line" not in ds.refs:   # popped
            continue
        assert ds.refs == expected and expected == ds.refs
        assert dict(ds.refs) == dict(expected)
    copied = pickle.loads(pickle.dumps(fresh(data_copy).refs))
    assert type(copied) is dict and copied == expected


def test_a_text_columns_codes_index_it_as_its_values_do(tmp_path, cache, monkeypatch):
    """A table read from the cache keeps its text columns' dictionary codes; the positions made
    from them (Dataset.positions) are, value for value, those made by comparing the texts."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
    try:
        from synthetic import make_dataset
    finally:
        sys.path.pop(0)
    folder = tmp_path / "big"
    make_dataset(folder, divisions=12, years=3, snapshots=4)
    fresh(folder)
    ds = fresh(folder)
    coded = [k for k in ds.memo if k[0] == "codes"]
    assert {("budget_detail", c) for c in ("unit", "level", "name", "source", "partial", "version")} \
        <= {k[1:] for k in coded}
    for _, name, column in coded:
        found = ds.positions(name, column)
        expected = load.value_positions(load._comparable(ds.tables[name][column]))
        assert found.keys() == expected.keys(), (name, column)
        for value, at in expected.items():
            assert found[value].tolist() == at.tolist() and found[value].dtype == at.dtype, (name, column, value)
    ds.index()   # indexed before a build forks: the codes are not carried further
    assert not [k for k in ds.memo if k[0] == "codes"]
