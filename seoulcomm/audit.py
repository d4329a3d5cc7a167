"""Reconciliation audit: every total, subtotal, share, change and rate the sources state,
recomputed from its parts (within a table and across tables that report the same thing).

Each check is one row of :func:`reconcile`'s frame, with the amounts in the source's own
unit (백만원, 천원, 명, %) and a verdict:

``exact``
    the stated figure is what the parts give, at the source's precision.
``truncation``
    the source cut digits instead of rounding: a rate equals the computed one truncated, or one
    quantity printed in two tables differs by one unit (two roundings of the same number
    cannot disagree, so one of them was cut).
``rounding``
    the difference is within what rounding the parts to the source's unit can explain
    (each part off by at most half a unit).
``explained``
    (설명됨) another figure of the sources explains the difference; the note names it
    (Ⅲ-4-① 사업비 414 = the program sheet's 사무관리비 414; its detail line 418 adds the
    시책추진업무추진비 4).
``timing``
    (시점 차이) the two figures are stated at different dates (the program sheet, written in
    2015 for the budget request, and the April 2016 work report).
``partial``
    (일부 대응) a part III section's 사업비 covers part of the detail lines it is linked to
    (``section_links.relation`` = ``part``), and is not more than they hold.
``reference``
    (참고) the source selects (a list of the largest programs leaves one out): nothing
    contradicts.
``unmatched``
    (대사 불가) a stated figure with nothing in the data to compare it with.
``discrepancy``
    anything else: nothing in the sources explains the difference.

All checks are built with frame operations (merges, group sums), never a loop per row.
"""
from __future__ import annotations

import threading

import numpy as np
import pandas as pd

from . import colcache, units
from .load import value_positions

COLUMNS = ["table", "item", "check", "stated", "computed", "difference", "verdict", "source",
           "scope", "unit", "year", "as_of", "program", "note"]
VERDICTS = ["exact", "rounding", "truncation", "explained", "timing", "partial", "reference",
            "unmatched", "discrepancy"]

# the detail table's office-level parts and the levels they total
_OFFICE_PARTS = {"사업예산": "policy", "기본경비(행정운영경비)": "basic"}
_DETAIL_AMOUNTS = {"budget": "예산편성액", "carryover": "전년도 이월액", "available": "예산현액",
                   "executed": "집행액", "balance": "집행잔액"}
_SNAPSHOT = ["year", "as_of"]
#: Tables the office report shows whole: their notes belong to the office's 원문 검증.
OFFICE_TABLES = ("budget_division", "budget_composition", "program_shares", "execution_division")


def _frame(table, item, check, stated, computed, source, scope, unit, *, kind, tol=0.0, dp=0,
           year=None, as_of=None, program=None, note=None, keep_unmatched=False, explain=None):
    """Assemble check rows; scalars broadcast against the Series arguments.

    ``year``, ``as_of`` and ``program`` are the check's own columns (never parsed from ``item``).
    A row whose stated figure is missing (a blank cell of the source) is no check and is
    dropped; one whose computed figure is missing is dropped too, unless ``keep_unmatched``
    (a stated figure with nothing in the data to compare it with, verdict ``unmatched``).
    """
    if not _texts():   # only the verdicts are counted: no text, one verdict code per check
        return _codes_only(stated, computed, kind=kind, tol=tol, dp=dp,
                           keep_unmatched=keep_unmatched, explain=explain)
    out = pd.DataFrame({
        "table": table, "item": item, "check": check,
        "stated": _floats(stated), "computed": _floats(computed),
        "source": source, "scope": scope, "unit": unit, "tol": tol() if callable(tol) else tol,
        "dp": dp,
        "year": pd.NA if year is None else year,
        "as_of": pd.NaT if as_of is None else as_of,
        "program": pd.NA if program is None else program,
        "note": pd.NA if note is None else note,
    })
    out.insert(out.columns.get_loc("tol"), "kind", _kinds(kind, out.index))
    if explain is not None:
        # the verdict a difference takes when the sources explain it (explained, timing,
        # partial): what the row's figures are, not a tolerance
        out["explain"] = explain
    keep = out["stated"].notna().to_numpy(dtype=bool)
    if not keep_unmatched:
        keep = keep & out["computed"].notna().to_numpy(dtype=bool)
    if not keep.all():   # (no copy of a million rows when all are checks)
        out = out[keep]
    # each part classified as it is made, its working columns then dropped: the parts and the
    # audit they are joined into hold only what the audit keeps (memory at millions of checks)
    out["verdict"] = classify(out)
    return out.drop(columns=["kind", "tol", "dp", "explain"], errors="ignore")


def _kinds(kind, index):
    """The ``kind`` column of a part: one kind for all its rows (most parts) as one category,
    not a text per row; a Series of kinds as it is."""
    if isinstance(kind, str):
        return pd.Categorical.from_codes(np.zeros(len(index), np.int8), [kind])
    return kind


def _codes_only(stated, computed, *, kind, tol, dp, keep_unmatched, explain) -> pd.DataFrame:
    """:func:`_frame`'s rows as their verdict codes only (``verdict``: index into
    :data:`VERDICTS`), the same rows kept and the same verdicts as :func:`_frame` gives them.

    When every Series argument has the same index (all but a few parts), the columns are taken
    as arrays and classified as they are, with no frame made of them (a million detail rows:
    three such parts); otherwise pandas aligns them in a frame first, as :func:`_frame` does."""
    index = _shared_index(stated, computed, tol, dp, kind, explain)
    if index is not None:
        n = len(index)

        def column(x):   # as the frame's column of ``x`` would be
            return x if isinstance(x, pd.Series) else pd.Series(np.broadcast_to(x, n) if np.ndim(x) == 0 else x)

        stated_f, computed_f = column(_floats(stated)), column(_floats(computed))
        keep = stated_f.notna().to_numpy(dtype=bool)
        if not keep_unmatched:
            keep = keep & computed_f.notna().to_numpy(dtype=bool)
        whole = keep.all()

        def kept(x):
            return x if whole else x[keep]

        def tolerance(rest):   # of the kept checks at ``rest``; a lazy one made for those only
            if callable(tol):
                return np.asarray(tol(rest if whole else np.flatnonzero(keep)[rest]), dtype=float)
            return kept(column(tol).to_numpy(float))[rest]

        return pd.DataFrame({"verdict": _verdicts(
            kept(stated_f.to_numpy(float)), kept(computed_f.to_numpy(float)),
            kept(column(dp).to_numpy(int)), tolerance,
            kind if isinstance(kind, str) else kept(column(kind)),
            None if explain is None else kept(column(explain)))})
    out = pd.DataFrame({"stated": _floats(stated), "computed": _floats(computed),
                        "tol": tol() if callable(tol) else tol, "dp": dp})
    out["kind"] = _kinds(kind, out.index)
    if explain is not None:
        out["explain"] = explain
    keep = out["stated"].notna().to_numpy(dtype=bool)
    if not keep_unmatched:
        keep = keep & out["computed"].notna().to_numpy(dtype=bool)
    if not keep.all():
        out = out[keep]
    return pd.DataFrame({"verdict": verdict_codes(out)})


def _shared_index(*values) -> pd.Index | None:
    """The index every Series among ``values`` has (each array among them as long), or None
    when they differ (a frame of them would align them) or none is a Series."""
    series = [v for v in values if isinstance(v, pd.Series)]
    if not series:
        return None
    index = series[0].index
    for s in series[1:]:
        if s.index is not index and not (s.index.equals(index) and index.is_unique):
            return None
    for v in values:
        if isinstance(v, np.ndarray) and v.ndim and len(v) != len(index):
            return None
    return index


def _text(make):
    """``make()``: the text of some checks (items, check names, notes), or None while
    :func:`verdict_counts` counts the verdicts only (the text of millions of checks that
    nobody reads is never made)."""
    return make() if _texts() else None


def _texts() -> bool:
    """False while :func:`verdict_counts` runs in this thread (another thread's audit is made
    whole meanwhile)."""
    return getattr(_COUNTING, "texts", True)


#: Per thread: whether the checks' text is made (see :func:`_texts`).
_COUNTING = threading.local()


def _floats(x):
    return pd.to_numeric(x).astype(float) if isinstance(x, pd.Series) else float(x)


#: Whether pandas copies a column only when it is written (copy-on-write: always from pandas 3).
_COPY_ON_WRITE = int(pd.__version__.split(".")[0]) >= 3


def _table(ds, name: str) -> pd.DataFrame:
    """``ds[name]``, noted in the read log as it notes it, without copying every column when
    pandas copies on write: the audit sets whole columns of a table it reads, never writes into
    one (the detail's million rows copied three times per audit: ≈ 0.4 s)."""
    if not _COPY_ON_WRITE:
        return ds[name]
    ds._note(name, {})
    return ds.tables[name].copy(deep=False)


def _levels(ds, detail: pd.DataFrame) -> np.ndarray:
    """The detail's ``level`` as plain strings (None where missing), to compare with numpy: a
    million rows compared a few times over, not one pandas comparison each (``detail``: the
    detail of ``ds`` as :func:`_table` gives it; made once per audit)."""
    held = _LEVELS.get(id(ds.tables["budget_detail"]))
    if held is not None and held[0] is ds.tables["budget_detail"]:
        return held[1]
    levels = detail["level"].to_numpy(dtype=object, na_value=None)
    _LEVELS.clear()
    _LEVELS[id(ds.tables["budget_detail"])] = (ds.tables["budget_detail"], levels)
    return levels


#: :func:`_levels` of the detail the running audit reads (one entry, cleared after it).
_LEVELS: dict[int, tuple] = {}


def _per_distinct(compute, *columns: pd.Series) -> pd.Series:
    """``compute(*columns)`` (an element-wise text operation), computed once per distinct
    combination of the columns' values and spread back to every row: row for row the same
    values and type as computing it on every row, at the cost of the distinct values (a
    table repeats its sources, names and years)."""
    if len(columns[0]) < 1_000:
        return compute(*columns)
    if len(columns) == 1:
        codes, uniques = pd.factorize(columns[0], use_na_sentinel=False)
        distinct = [pd.Series(uniques, dtype=columns[0].dtype, name=columns[0].name)]
    else:
        frame = pd.concat({i: c.reset_index(drop=True) for i, c in enumerate(columns)}, axis=1)
        codes = frame.groupby(list(frame.columns), sort=False, dropna=False).ngroup().to_numpy()
        first = np.unique(codes, return_index=True)[1]
        distinct = [c.iloc[first].reset_index(drop=True) for c in columns]
    result = compute(*distinct)
    return pd.Series(result.array.take(codes), index=columns[0].index, name=result.name)


def _document(source: pd.Series) -> pd.Series:
    """The seed file a row comes from: the source's first word."""
    return _per_distinct(lambda s: s.astype("string").str.split(" ", n=1).str[0], source)


def _snapshots_of(detail: pd.DataFrame) -> pd.DataFrame:
    """The detail's distinct ``(year, as_of, doc)`` in order of first appearance (``doc`` the
    cited document, :func:`_document`); computed once per detail frame of an audit."""
    held = _SNAPSHOTS.get(id(detail))
    if held is not None and held[0] is detail:
        return held[1]
    # the distinct (year, as_of, source) first: a snapshot repeats one source over its rows.
    # The rows that first hold each, found by one number per row (a million rows' sources
    # hashed once per run of equal sources, not once per row): the rows drop_duplicates keeps
    key, span = np.zeros(len(detail), dtype=np.int64), 1
    for values in (detail["year"].to_numpy(dtype="float64", na_value=np.nan),
                   detail["as_of"].to_numpy(dtype="datetime64[ns]"),
                   detail["source"].to_numpy(dtype=object, na_value=None)):
        codes, count = _run_codes(values)
        span *= count + 1
        key = key * (count + 1) + codes + 1   # (-1, a missing value, is a value of its own)
    if span < 2 ** 62:
        snaps = detail.loc[~pd.Series(key).duplicated().to_numpy(), ["year", "as_of", "source"]]
    else:   # (too many distinct values for one number: not at the bound of 2,000,000 rows)
        snaps = detail[["year", "as_of", "source"]].drop_duplicates()
    snaps = snaps.assign(doc=_document(snaps["source"]))[["year", "as_of", "doc"]].drop_duplicates()
    _SNAPSHOTS.clear()
    _SNAPSHOTS[id(detail)] = (detail, snaps)
    return snaps


def _run_codes(values: np.ndarray) -> tuple[np.ndarray, int]:
    """``(codes, n)``: each value's code among the ``n`` distinct values (-1: missing), as
    ``pd.factorize`` gives them, found once per run of equal neighbours (a column sorted or
    grouped by it, as a detail's sources are, hashes a few hundred values, not a million)."""
    if len(values) < 2:
        codes, uniques = pd.factorize(values)
        return codes, len(uniques)
    with np.errstate(invalid="ignore"):
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    # (NaN and NaT are never equal to themselves: each starts a run, still coded alike)
    codes, uniques = pd.factorize(values[starts])
    return np.repeat(codes, np.diff(np.r_[starts, len(values)])), len(uniques)


#: :func:`_snapshots_of` of the detail frame the running audit compares with (one entry).
_SNAPSHOTS: dict[int, tuple] = {}


def _snapshot_for(detail: pd.DataFrame, other: pd.DataFrame) -> pd.DataFrame:
    """``other`` (with ``year`` and ``source``) plus the ``as_of`` of the one detail snapshot of
    its year to compare it with: the earliest snapshot from the same document if there is one,
    else the earliest of the year. Rows of a year the detail does not have are dropped.

    A table without an as-of date (the budget tables, part III, the program sheet) states the
    budget of one document; a later snapshot of the same year is never added to it.
    """
    snaps = _snapshots_of(detail)
    left = other.reset_index(drop=True).assign(_row=lambda f: np.arange(len(f)),
                                               _doc=lambda f: _document(f["source"]))
    m = left[["_row", "year", "_doc"]].merge(snaps, on="year")
    m["_other"] = m["doc"] != m["_doc"]
    m = m.sort_values(["_row", "_other", "as_of"], kind="stable").drop_duplicates("_row")
    return left.merge(m[["_row", "as_of"]], on="_row").drop(columns=["_row", "_doc"])


def _of_snapshots(rows: pd.DataFrame, other: pd.DataFrame) -> np.ndarray:
    """Which of ``rows`` (the detail's) bear an ``as_of`` that ``other`` bears (or none): the
    only rows a merge on the snapshot's columns can pair with ``other``'s, picked before the
    merge, which then hashes the keys of a few snapshots' rows, not of a million."""
    dates = rows["as_of"]
    return (dates.isin(other["as_of"].dropna().unique()) | dates.isna()).to_numpy(dtype=bool)


def _in_unit(won: pd.Series, unit: str) -> pd.Series:
    return won.astype("float64") / units.factor(unit)


def _sum_tolerance(parts: pd.Series | int) -> pd.Series | float:
    """Largest gap rounding can explain between a stated total and n rounded parts [unit]."""
    return np.floor(0.5 * (np.asarray(parts, dtype=float) + 1))


def _lazy_rate_tolerance(num, den, num_err, den_err, dp):
    """:func:`_rate_tolerance` of rows of ``num``, ``den`` and ``dp`` made when a check asks
    for it: ``f(rows)`` for the rows at those positions, ``f()`` for all (a million detail
    rates, most exact, need no tolerance)."""
    def tolerance(rows=None):
        if rows is None:
            return _rate_tolerance(num, den, num_err, den_err, dp)
        return _rate_tolerance(*(np.asarray(x, dtype=float)[rows] for x in (num, den)),
                               num_err, den_err, np.asarray(dp, dtype=float)[rows])
    return tolerance


def _rate_tolerance(num, den, num_err, den_err, dp):
    """Half-width of the rates the rounded parts allow, plus the stated rate's own rounding [%p]."""
    num, den = np.asarray(num, float), np.asarray(den, float)
    with np.errstate(divide="ignore", invalid="ignore"):  # a base of 0 (예산현액 0): no rate, no warning
        rate = num / den * 100
        combos = np.abs(np.array([(num + a * num_err) / (den + b * den_err) * 100
                                  for a in (-1, 1) for b in (-1, 1)]) - rate)
    # np.nanmax warns on a column of NaN only: the same maximum, NaN where every combination is
    spread = np.where(np.isnan(combos).all(axis=0), np.nan,
                      np.max(np.where(np.isnan(combos), -np.inf, combos), axis=0))
    return spread + 0.5 * 10.0 ** -np.asarray(dp, float)


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.isclose(a, b, rtol=0, atol=1e-9)``, without its general machinery (millions of rows)."""
    with np.errstate(invalid="ignore"):
        gap = a - b
        np.abs(gap, out=gap)
        close = gap <= 1e-9
        close |= a == b
        return close


#: 10 ** k for the decimals a figure can have (exactly as ``10.0 ** k`` gives them).
_POW10 = 10.0 ** np.arange(23)


def _pow10(dp: np.ndarray) -> np.ndarray:
    """``10.0 ** dp`` by a lookup, not a power per check."""
    if len(dp) and 0 <= dp.min() and dp.max() < len(_POW10):
        return _POW10[dp]
    return 10.0 ** dp


def classify(frame: pd.DataFrame) -> pd.Series:
    """Verdict per check row (columns stated, computed, kind, tol, dp), vectorised."""
    return pd.Series(_VERDICT_NAMES[verdict_codes(frame)], index=frame.index, dtype="str")


#: The verdicts as an array (a verdict code is an index into it and into :data:`VERDICTS`).
_VERDICT_NAMES = np.array(VERDICTS, dtype=object)


def verdict_codes(frame: pd.DataFrame) -> np.ndarray:
    """:func:`classify`'s verdicts as codes (indexes into :data:`VERDICTS`, int8).

    Whether a check is exact is found for every row; the rest of the classification only for
    the rows that are not exact, and for bounds and parts (most checks are exact: at millions
    of checks, the rest is a small share of the work)."""
    return _verdicts(frame["stated"].to_numpy(float), frame["computed"].to_numpy(float),
                     frame["dp"].to_numpy(int), lambda rest: frame["tol"].to_numpy(float)[rest],
                     frame["kind"],
                     frame["explain"] if "explain" in frame else None)


def _verdicts(stated: np.ndarray, computed: np.ndarray, dp: np.ndarray, tol, kind,
              explain: pd.Series | None) -> np.ndarray:
    """:func:`verdict_codes` of the checks' columns: ``tol(rest)`` gives the tolerances of the
    checks at positions ``rest`` (asked only for those not exact, bounds and parts), ``kind``
    is one kind (a text) or each check's."""
    nudge = 1e-9
    # (the same arithmetic, in place, and none by a scale of 1: millions of checks, most of
    # them whole amounts)
    scale = _pow10(dp) if dp.any() else None
    magnitude = np.abs(computed)
    if scale is not None:
        magnitude *= scale
    sign = np.sign(computed)
    rounded = magnitude + 0.5
    rounded += nudge
    np.floor(rounded, out=rounded)
    rounded *= sign
    if scale is not None:
        rounded /= scale
    exact = _close(stated, rounded)
    if isinstance(kind, str):   # one kind for every check
        def is_kind(name: str, n=len(stated)) -> np.ndarray:
            return np.full(n, name == kind)
    else:
        # the kinds compared as codes (one pass over the text, not one per kind)
        codes, kinds = pd.factorize(kind, use_na_sentinel=True)
        kinds = list(kinds)

        def is_kind(name: str) -> np.ndarray:
            return codes == kinds.index(name) if name in kinds else np.zeros(len(codes), dtype=bool)

    # a bound (이월액 ≤ 전년도 집행잔액) holds or it does not; a part (Ⅲ 사업비 that covers part
    # of its detail lines) is no more than the whole
    bound, part = is_kind("bound"), is_kind("part")
    v = {name: np.int8(VERDICTS.index(name)) for name in VERDICTS}
    code = np.where(exact, v["exact"], v["discrepancy"]).astype(np.int8)
    rest = np.flatnonzero(~exact | bound | part)
    if len(rest):
        stated, computed, exact = stated[rest], computed[rest], exact[rest]
        scale = scale[rest] if scale is not None else np.ones(len(rest))
        magnitude, sign = magnitude[rest], sign[rest]
        bound, part, same = bound[rest], part[rest], is_kind("same")[rest]
        truncated = sign * np.floor(magnitude + nudge) / scale
        diff = stated - computed
        tol = tol(rest) + 1e-9
        truncation = ~exact & (_close(stated, truncated) | (same & _close(np.abs(diff), 1 / scale)))
        with np.errstate(invalid="ignore"):
            rounding = ~exact & ~truncation & ~same & (np.abs(diff) <= tol)
            within = stated <= computed + tol
        unmatched = np.isnan(computed)
        code[rest] = np.select([unmatched, bound & within, bound, part & within, part, exact,
                                truncation, rounding],
                               [v["unmatched"], v["exact"], v["discrepancy"], v["partial"],
                                v["discrepancy"], v["exact"], v["truncation"], v["rounding"]],
                               v["discrepancy"])
    # the source selects (a list of the largest): a reference, never a contradiction
    code[is_kind("listing")] = v["reference"]
    if explain is not None:
        # a difference the sources explain takes the verdict the row names (explained, timing …)
        explained = (code == v["discrepancy"]) & explain.notna().to_numpy(bool)
        if explained.any():
            named = explain.astype("string").to_numpy(dtype=object)[explained]
            code[explained] = [v[name] for name in named]
    return code


# --- checks within the detail table (per year and as-of date) ----------------------------

def _label(name, year) -> pd.Series:
    return _per_distinct(lambda n, y: n.astype("string") + " (" + y.astype("Int64").astype("string") + ")",
                         name, year)


def _derived_balance_tolerance(stated_avail, sum_avail, stated_exec, sum_exec, tol_avail, tol_exec,
                               derived):
    """Tolerance of a stated balance against the sum of its parts' balances.

    Where every balance involved is printed as 현액 − 집행 of printed figures, the gap between
    the stated balance and its parts' sum is exactly (현액 gap) − (집행 gap): rounding when
    both of those are (e.g. 뉴미디어담당관 3,113 vs 3,115 = (−1) − (+1)). Elsewhere the ordinary
    rounding tolerance of a sum applies (``nan`` here: the caller's).
    """
    da, de = stated_avail - sum_avail, stated_exec - sum_exec
    ok = (np.abs(da) <= tol_avail + 1e-9) & (np.abs(de) <= tol_exec + 1e-9)
    return np.where(derived, np.where(ok, np.abs(da) + np.abs(de), 0.0), np.nan)


def _group_sums(frame: pd.DataFrame, keys: list, cols: list, count: str) -> pd.DataFrame:
    """Per group of ``keys`` (sorted): the sum of each of ``cols``, the group's ``size`` (rows
    of ``count``) and whether all its rows are ``derived``, in one grouping of the rows."""
    return frame.groupby(keys).agg(**{c: (c, "sum") for c in cols}, size=(count, "size"),
                                   derived_all=("derived", "all"))


def _parent_sums(detail: pd.DataFrame, level: np.ndarray, cols: list,
                 has_parent: np.ndarray) -> pd.DataFrame | None:
    """Each parent line (a row of its snapshot whose ``line`` its children name as ``parent``)
    with the sums of its children's ``cols`` (``{col}_sum``), apart for the office's two parts
    (``group`` True) and its other children (False): ``size`` children, ``derived_all`` when
    every one's balance is 현액 − 집행. The rows, values and order of grouping the children by
    (year, as_of, parent, group), sorted, and joining each group to its parent's row.

    Done by positions, not by grouping and joining a million rows: a (year, as_of, line) key
    is one number (the snapshot's place in sorted order, then the line) that indexes a table
    of rows, and the sums are ``np.bincount`` over it. That is exact, as pandas' sum is, for
    amounts in whole units (every amount of the sources) while no sum can pass 2**53. None
    (pandas groups and joins) when a sum might not be exact, a key is missing or twice, or the
    lines are too sparse for such a table."""
    n = len(detail)
    amounts = [detail[c].to_numpy(dtype="float64", na_value=np.nan) for c in cols]
    for a in amounts:
        if not np.isfinite(a).all() or not (a == np.round(a)).all() or np.abs(a).sum() >= 2 ** 53:
            return None
    if not n or detail[_SNAPSHOT + ["line"]].isna().to_numpy().any():
        return None
    years, _ = pd.factorize(detail["year"], sort=True)
    dates, date_values = pd.factorize(detail["as_of"], sort=True)
    # each (year, as_of) numbered in sorted order (a year holds only its own dates)
    snapshot, snapshots = pd.factorize(years.astype(np.int64) * len(date_values) + dates, sort=True)
    snapshot = snapshot.astype(np.int64)
    line = detail["line"].to_numpy(dtype="int64")
    parent = detail["parent"].to_numpy(dtype="int64", na_value=0)[has_parent]
    low = min(line.min(), parent.min()) if len(parent) else line.min()
    width = int(max(line.max(), parent.max() if len(parent) else line.max()) - low + 1)
    span = len(snapshots) * width
    if span > 4 * n + (1 << 20):
        return None
    key = snapshot * width + (line - low)
    row_at = np.full(span, -1, dtype=np.int64)
    row_at[key] = np.arange(n)
    if (row_at >= 0).sum() != n:   # a (year, as_of, line) twice
        return None
    # each child's group: its parent's key, and whether it is one of the office's two parts;
    # every other row in one group past them all (summed, never read: no row picked out per
    # amount summed)
    group = np.full(n, 2 * span, dtype=np.int64)
    group[has_parent] = (snapshot[has_parent] * width + (parent - low)) * 2 \
        + (level == "office_part")[has_parent]
    size = np.bincount(group, minlength=2 * span + 1)[:2 * span]
    groups = np.flatnonzero(size)          # in (year, as_of, parent, group) order
    rows = row_at[groups // 2]
    groups, rows = groups[rows >= 0], rows[rows >= 0]   # a parent that is no line: no check
    # (the parent's columns the checks read, not the rest of a wide table)
    merged = detail[[c for c in _SNAPSHOT + ["unit", "name", "source", "program", "derived"] + cols
                     if c in detail.columns]].iloc[rows].reset_index(drop=True)
    merged["group"] = (groups % 2).astype(bool)
    for c, a in zip(cols, amounts):
        merged[f"{c}_sum"] = np.bincount(group, weights=a)[groups]
    merged["size"] = size[groups]
    derived = detail["derived"].to_numpy(dtype=bool, na_value=True)   # (NA: skipped)
    merged["derived_all"] = np.bincount(group, weights=~derived)[groups] == 0
    return merged


_BALANCE_NOTE = "집행잔액 차이 = 예산현액 합계 차이 − 집행액 합계 차이(모두 반올림 범위)"


def _detail_rows(ds, program_of_line: pd.Series) -> list[pd.DataFrame]:
    detail, unit = _table(ds, "budget_detail"), ds.unit("budget_detail")
    level = _levels(ds, detail)
    detail["derived"] = detail["balance"] == detail["available"] - detail["executed"]
    for col in _DETAIL_AMOUNTS:
        detail[col] = _in_unit(detail[col], unit)
    if _texts():   # (only the text's: no verdict depends on it)
        detail["program"] = detail["name"].where(detail["level"] == "program").map(program_of_line)
    item = _text(lambda: _label(detail["name"], detail["year"]))
    src = detail["source"]
    when = dict(year=detail["year"], as_of=detail["as_of"], program=_text(lambda: detail["program"]))
    out = [
        _frame("budget_detail", item, "예산편성액(A)+전년도 이월액(B)=예산현액", detail["available"],
               detail["budget"] + detail["carryover"], src, detail["unit"], unit, kind="sum",
               tol=_sum_tolerance(2), **when),
        _frame("budget_detail", item, "예산현액−집행액=집행잔액", detail["balance"],
               detail["available"] - detail["executed"], src, detail["unit"], unit, kind="sum",
               tol=_sum_tolerance(2), **when),
        _frame("budget_detail", item, "집행률=집행액/예산현액", detail["rate_stated"],
               detail["executed"] / detail["available"] * 100, src, detail["unit"], "%", kind="rate",
               dp=detail["rate_stated_dp"],
               tol=_lazy_rate_tolerance(detail["executed"], detail["available"], 0.5, 1.0,
                                   detail["rate_stated_dp"]), **when),
    ]
    cols = list(_DETAIL_AMOUNTS)
    # children → parent totals; the office line splits into divisions and into its two parts
    # (only the columns summed and grouped by: the children of a million lines, not their text)
    has_parent = detail["parent"].notna().to_numpy(bool)
    merged = _parent_sums(detail, level, cols, has_parent)
    if merged is None:
        child = detail.loc[has_parent, _SNAPSHOT + ["parent", "line", "derived"] + cols]
        # the office's two parts (True) apart from its divisions' lines (False), in that order
        child["group"] = (level == "office_part")[has_parent]
        keys = _SNAPSHOT + ["parent", "group"]
        sums = _group_sums(child, keys, cols, "line").reset_index()
        merged = sums.merge(detail, left_on=_SNAPSHOT + ["parent"], right_on=_SNAPSHOT + ["line"],
                            suffixes=("_sum", ""))
    what = _text(lambda: pd.Series(np.where(merged["group"], "사업예산+기본경비",
                                            "하위 항목 합계"), index=merged.index))
    # the office's two parts against the sums of their levels over the divisions
    lkeys = _SNAPSHOT + ["level"]
    parts = detail[level == "office_part"].copy()
    parts["level_of"] = parts["name"].map(_OFFICE_PARTS)
    policy, basic = _OFFICE_PARTS.values()
    by_level = detail.loc[(level == policy) | (level == basic), lkeys + cols + ["line", "derived"]]
    level_sums = _group_sums(by_level, lkeys, cols, "line").reset_index()
    lv = parts.merge(level_sums.rename(columns={"level": "level_of"}), on=_SNAPSHOT + ["level_of"],
                     suffixes=("", "_sum"))
    for frame, check, scope in ((merged, what, merged["unit"]),
                                (lv, None, "office")):
        tol = _sum_tolerance(frame["size"])
        for col, label in _DETAIL_AMOUNTS.items():
            stated, computed = frame[col], frame[f"{col}_sum"]
            if col == "carryover":  # every part '-' and the total '-': nothing is stated
                keep = (stated != 0) | (computed != 0)
            else:
                keep = pd.Series(True, index=frame.index)
            f = frame[keep]
            t = pd.Series(tol, index=frame.index)[keep]
            note = None
            if col == "balance":
                derived = (f["derived_all"] & f["derived"]).to_numpy(bool)
                special = _derived_balance_tolerance(
                    f["available"], f["available_sum"], f["executed"], f["executed_sum"],
                    t, t, derived)
                t = pd.Series(np.where(np.isnan(special), t, special), index=f.index)
                note = _text(lambda: pd.Series(np.where(derived & (f[col] != f[f"{col}_sum"]),
                                                        _BALANCE_NOTE, None),
                                               index=f.index).astype("string"))
            name = _text(lambda: (check[keep] + f"={label}") if check is not None
                         else f"부서별 {label} 합계")
            out.append(_frame("budget_detail", _text(lambda: _label(f["name"], f["year"])), name,
                              f[col], f[f"{col}_sum"], f["source"],
                              scope[keep] if isinstance(scope, pd.Series) else scope, unit,
                              kind="sum", tol=t, year=f["year"], as_of=f["as_of"],
                              program=_text(lambda: f["program"]), note=note))
    return out


# --- the summary tables of part I --------------------------------------------------------------

def _division_tables(ds) -> list[pd.DataFrame]:
    out = []
    org = ds["organisation"].set_index("unit")["name_ko"]
    bd, unit = ds["budget_division"], ds.unit("budget_division")
    bd["amount"] = _in_unit(bd["budget"], unit)
    totals = bd[bd["unit"] == "office"][["year", "amount", "share_stated"]]
    divs = bd[bd["unit"] != "office"]
    agg = divs.groupby("year").agg(sum_=("amount", "sum"), n=("amount", "size"),
                                   shares=("share_stated", "sum")).reset_index()
    m = agg.merge(totals, on="year").merge(bd[bd["unit"] == "office"][["year", "source"]], on="year")
    out.append(_frame("budget_division", "부서별 예산 계 (" + m["year"].astype(str) + ")",
                      "부서 합계=계", m["amount"], m["sum_"], m["source"], "office", unit, kind="sum",
                      tol=_sum_tolerance(m["n"]), year=m["year"]))
    out.append(_frame("budget_division", "부서별 비율 계 (" + m["year"].astype(str) + ")",
                      "부서 비율 합계=100%", m["share_stated"], m["shares"], m["source"], "office", "%",
                      kind="sum", tol=0.05 * m["n"], dp=1, year=m["year"]))
    m = divs.merge(totals.rename(columns={"amount": "total"})[["year", "total"]], on="year")
    out.append(_frame("budget_division",
                      _text(lambda: m["unit"].map(org) + " (" + m["year"].astype(str) + ")"),
                      "비율=부서 예산/계", m["share_stated"], m["amount"] / m["total"] * 100,
                      m["source"], m["unit"], "%", kind="rate", dp=m["share_stated_dp"],
                      tol=_rate_tolerance(m["amount"], m["total"], 0.5, 0.5, m["share_stated_dp"]),
                      year=m["year"]))

    comp, unit = ds["budget_composition"], ds.unit("budget_composition")
    comp["amount"] = _in_unit(comp["budget"], unit)
    comp["change"] = _in_unit(comp["change_stated"], unit)
    total = comp[comp["category"] == "계"][["year", "amount", "share_stated", "source"]]
    parts = comp[comp["category"] != "계"].groupby("year").agg(
        sum_=("amount", "sum"), n=("amount", "size"), shares=("share_stated", "sum")).reset_index()
    m = parts.merge(total, on="year")
    out.append(_frame("budget_composition", "구성별 예산 계 (" + m["year"].astype(str) + ")",
                      "사업비+기본경비=계", m["amount"], m["sum_"], m["source"], "office", unit,
                      kind="sum", tol=_sum_tolerance(m["n"]), year=m["year"]))
    out.append(_frame("budget_composition", "구성별 비중 계 (" + m["year"].astype(str) + ")",
                      "비중 합계=100%", m["share_stated"], m["shares"], m["source"], "office", "%",
                      kind="sum", tol=0.05 * m["n"], dp=0, year=m["year"]))
    m = comp.merge(total.rename(columns={"amount": "total"})[["year", "total"]], on="year")
    m = m[m["category"] != "계"]
    label = m["category"] + " (" + m["year"].astype(str) + ")"
    out.append(_frame("budget_composition", label, "비중=항목/계", m["share_stated"],
                      m["amount"] / m["total"] * 100, m["source"], "office", "%", kind="rate",
                      dp=m["share_stated_dp"],
                      tol=_rate_tolerance(m["amount"], m["total"], 0.5, 0.5, m["share_stated_dp"]),
                      year=m["year"]))
    prev = comp[["year", "category", "amount"]].assign(year=comp["year"] + 1)
    m = comp.merge(prev, on=["year", "category"], suffixes=("", "_prev"))
    label = m["category"] + " (" + (m["year"] - 1).astype(str) + "→" + m["year"].astype(str) + ")"
    out.append(_frame("budget_composition", label, "증감=올해−전년", m["change"],
                      m["amount"] - m["amount_prev"], m["source"], "office", unit, kind="sum",
                      tol=_sum_tolerance(2), year=m["year"]))
    out.append(_frame("budget_composition", label, "증감률=증감/전년", m["rate_stated"],
                      (m["amount"] - m["amount_prev"]) / m["amount_prev"] * 100, m["source"],
                      "office", "%", kind="rate", dp=m["rate_stated_dp"],
                      tol=_rate_tolerance(m["amount"] - m["amount_prev"], m["amount_prev"], 1.0,
                                          0.5, m["rate_stated_dp"]), year=m["year"]))

    ex, unit = _table(ds, "execution_division"), ds.unit("execution_division")
    ex["derived"] = ex["balance"] == ex["budget"] - ex["executed"]
    for col in ("budget", "executed", "balance"):
        ex[col] = _in_unit(ex[col], unit)
    label = _text(lambda: ex["unit"].map(org) + " (" + ex["year"].astype(str) + ")")
    when = dict(year=ex["year"], as_of=ex["as_of"])
    out.append(_frame("execution_division", label, "예산액−집행액=집행잔액", ex["balance"],
                      ex["budget"] - ex["executed"], ex["source"], ex["unit"], unit, kind="sum",
                      tol=_sum_tolerance(2), **when))
    out.append(_frame("execution_division", label, "집행률=집행액/예산액", ex["rate_stated"],
                      ex["executed"] / ex["budget"] * 100, ex["source"], ex["unit"], "%", kind="rate",
                      dp=ex["rate_stated_dp"],
                      tol=_lazy_rate_tolerance(ex["executed"], ex["budget"], 0.5, 0.5,
                                               ex["rate_stated_dp"]),
                      **when))
    divs = ex[ex["unit"] != "office"]
    s = _group_sums(divs, _SNAPSHOT, ["budget", "executed", "balance"], "unit")
    s = s.reset_index().merge(ex[ex["unit"] == "office"], on=_SNAPSHOT, suffixes=("_sum", ""))
    tol = pd.Series(_sum_tolerance(s["size"]), index=s.index)
    derived = (s["derived_all"] & s["derived"]).to_numpy(bool)
    special = _derived_balance_tolerance(s["budget"], s["budget_sum"], s["executed"],
                                         s["executed_sum"], tol, tol, derived)
    for col, name in (("budget", "예산액"), ("executed", "집행액"), ("balance", "집행잔액")):
        t, note = tol, None
        if col == "balance":
            t = pd.Series(np.where(np.isnan(special), tol, special), index=s.index)
            note = pd.Series(np.where(derived & (s[col] != s[f"{col}_sum"]), _BALANCE_NOTE, None),
                             index=s.index).astype("string")
        out.append(_frame("execution_division", f"{name} 계 (" + s["year"].astype(str) + ")",
                          f"부서 합계=계 {name}", s[col], s[f"{col}_sum"], s["source"], "office", unit,
                          kind="sum", tol=t, year=s["year"], as_of=s["as_of"], note=note))
    return out


def _same(table, item, check, stated, other, source, scope, unit, **kw):
    """The same quantity as two tables print it, both in ``unit``."""
    return _frame(table, item, check, stated, other, source, scope, unit, kind="same", **kw)


def _across_tables(ds, program_of_line, program_of_section) -> list[pd.DataFrame]:
    out = []
    org = ds["organisation"].set_index("unit")["name_ko"]
    detail, dunit = _table(ds, "budget_detail"), ds.unit("budget_detail")
    level = _levels(ds, detail)
    heads = detail.loc[(level == "office") | (level == "division"), _SNAPSHOT + ["unit", "budget"]]
    bd, unit = ds["budget_division"], ds.unit("budget_division")
    m = _snapshot_for(detail, bd)
    m = m.merge(heads[_of_snapshots(heads, m)], on=_SNAPSHOT + ["unit"], suffixes=("", "_detail"))
    out.append(_same("budget_division",
                     _text(lambda: m["unit"].map(org) + " 예산 (" + m["year"].astype(str) + ")"),
                     "부서별 표 = 세부내역 표", _in_unit(m["budget"], unit),
                     _in_unit(m["budget_detail"], unit), m["source"], m["unit"], unit,
                     year=m["year"], as_of=m["as_of"]))
    comp, cunit = ds["budget_composition"], ds.unit("budget_composition")
    detail_cat = detail.loc[(level == "office") | (level == "office_part"),
                            _SNAPSHOT + ["level", "name", "budget"]].assign(
        category=lambda f: f["level"].where(f["level"] == "office", f["name"]).map(
            {"office": "계", "사업예산": "사업비", "기본경비(행정운영경비)": "기본경비"}))
    m = _snapshot_for(detail, comp).merge(detail_cat[_SNAPSHOT + ["category", "budget"]],
                                          on=_SNAPSHOT + ["category"], suffixes=("", "_detail"))
    out.append(_same("budget_composition", m["category"] + " (" + m["year"].astype(str) + ")",
                     "구성별 표 = 세부내역 표", _in_unit(m["budget"], cunit),
                     _in_unit(m["budget_detail"], cunit), m["source"], "office", cunit,
                     year=m["year"], as_of=m["as_of"]))
    ex = _table(ds, "execution_division")
    m = comp[comp["category"] == "계"].merge(ex[ex["unit"] == "office"][["year", "as_of", "budget"]],
                                            on="year", suffixes=("", "_exec"))
    out.append(_same("budget_composition", "계 (" + m["year"].astype(str) + ")",
                     "구성별 표 = 집행현황 표", _in_unit(m["budget"], cunit),
                     _in_unit(m["budget_exec"], cunit), m["source"], "office", cunit,
                     year=m["year"], as_of=m["as_of"]))
    m = bd[bd["unit"] == "office"].merge(comp[comp["category"] == "계"][["year", "budget"]],
                                         on="year", suffixes=("", "_comp"))
    out.append(_same("budget_division", "계 (" + m["year"].astype(str) + ")",
                     "부서별 표 = 구성별 표", _in_unit(m["budget"], unit),
                     _in_unit(m["budget_comp"], unit), m["source"], "office", unit, year=m["year"]))

    # the stated shares of the largest programs, against the detail table's 예산편성액
    shares = _snapshot_for(detail, ds["program_shares"])
    # (the snapshots the shares are compared with: every merge below is on them)
    stated = _of_snapshots(detail, shares)
    programs = detail.loc[stated & (level == "program"), _SNAPSHOT + ["name", "unit", "budget"]]
    total = detail.loc[stated & (level == "office"), _SNAPSHOT + ["budget"]].rename(
        columns={"budget": "total"})
    m = shares.merge(programs, left_on=_SNAPSHOT + ["program"], right_on=_SNAPSHOT + ["name"]) \
        .merge(total, on=_SNAPSHOT)
    num, den = _in_unit(m["budget"], dunit), _in_unit(m["total"], dunit)
    out.append(_frame("program_shares", m["program"] + " (" + m["year"].astype(str) + ")",
                      "비중=사업 예산편성액/기획관 예산", m["share_stated"], num / den * 100,
                      m["source"], m["unit"], "%", kind="rate", dp=m["share_stated_dp"],
                      tol=_rate_tolerance(num, den, 0.5, 0.5, m["share_stated_dp"]),
                      year=m["year"], as_of=m["as_of"], program=m["program"].map(program_of_line)))
    out.append(_shares_list(shares, programs, total, dunit, program_of_line))
    out += _sections(ds, detail, program_of_line, program_of_section)

    # the program sheet against the work report and against itself
    prog, punit = ds["program"], ds.unit("program")
    pb = ds["program_budget"]
    totals = pb[pb["item"] == "계"]
    m = prog.merge(totals, on="program", suffixes=("", "_pb"))
    m = m[m["year"] == m["start"].dt.year]
    out.append(_same("program", m["name_ko"] + " 총사업비 (" + m["year"].astype(str) + ")",
                     "사업개요 = 예산총괄", _in_unit(m["total_cost"], punit),
                     _in_unit(m["budget"], punit), m["source"], m["program"], punit,
                     year=m["year"], program=m["program"]))
    m = _snapshot_for(detail, totals.merge(prog[["program", "detail_program"]], on="program"))
    m = m.merge(detail.loc[_of_snapshots(detail, m), _SNAPSHOT + ["name", "budget", "source"]],
                left_on=_SNAPSHOT + ["detail_program"], right_on=_SNAPSHOT + ["name"],
                suffixes=("", "_detail"))
    out.append(_same("budget_detail", m["detail_program"] + " (" + m["year"].astype(str) + ")",
                     "세부내역 예산편성액 = 사업설명서 예산", _in_unit(m["budget_detail"], dunit),
                     _in_unit(m["budget"], dunit), m["source_detail"], m["program"], dunit,
                     year=m["year"], as_of=m["as_of"], program=m["program"]))
    st, stunit = ds["settlement"], ds.unit("settlement")
    m = st.merge(totals, on=["program", "year"], suffixes=("", "_pb"))
    out.append(_same("settlement", "당초예산 (" + m["year"].astype(str) + ")",
                     "결산 당초예산 = 예산총괄", _in_unit(m["budget"], stunit),
                     _in_unit(m["budget_pb"], stunit), m["source"], m["program"], stunit,
                     year=m["year"], program=m["program"]))
    sched, schunit = ds["program_schedule"], ds.unit("program_schedule")
    tot = sched[sched["kind"] == "total"]
    plan = sched[sched["kind"] == "plan"]
    # each sheet's schedule apart: its plan steps and its 계 share the sheet's year
    steps = plan.groupby(["program", "year"]).agg(sum=("amount", "sum"), count=("amount", "count"))
    m = tot.merge(steps.reset_index(), on=["program", "year"]).merge(
        totals[["program", "year", "budget"]], on=["program", "year"], how="left")
    label = "추진일정 계 (" + m["year"].astype(str) + ")"
    out.append(_frame("program_schedule", label, "단계별 예산집행금액 합계=계",
                      _in_unit(m["amount"], schunit), _in_unit(m["sum"], schunit), m["source"],
                      m["program"], schunit, kind="sum", tol=_sum_tolerance(m["count"]),
                      year=m["year"], program=m["program"]))
    out.append(_same("program_schedule", label, "추진일정 계 = 예산총괄",
                     _in_unit(m["amount"], schunit), _in_unit(m["budget"], schunit), m["source"],
                     m["program"], schunit, year=m["year"], program=m["program"]))
    return out


def _shares_list(shares, programs, total, unit, program_of_line) -> pd.DataFrame:
    """A program larger than the smallest one the source's list of shares names, left off it.

    Ⅰ-3 lists 『120 다산콜센터 운영』 41.4% … 『서울시 도시브랜드 마케팅』 5.6%; the detail's
    『120다산콜센터 관리 및 고도화』 (2,808백만원, 6.9%) is larger than two of those and is not
    listed. One row per program left off: stated = the smallest listed share, computed = its share.
    """
    listed = shares.merge(programs, left_on=_SNAPSHOT + ["program"], right_on=_SNAPSHOT + ["name"])
    floor = listed.groupby(_SNAPSHOT).agg(min_budget=("budget", "min"),
                                          min_share=("share_stated", "min"),
                                          source=("source", "first")).reset_index()
    m = programs.merge(floor, on=_SNAPSHOT).merge(total, on=_SNAPSHOT)
    named = m[_SNAPSHOT + ["name"]].merge(listed[_SNAPSHOT + ["name"]].drop_duplicates(),
                                         how="left", indicator=True)["_merge"] == "both"
    m = m[(m["budget"] > m["min_budget"]).to_numpy(bool) & ~named.to_numpy(bool)]
    share = _in_unit(m["budget"], unit) / _in_unit(m["total"], unit) * 100
    # as text even when no program is left off (an empty column of floats would stay floats)
    note = ("주요 사업별 비중 목록에 없으나 목록의 마지막 사업("
            + m["min_share"].map("{:.1f}".format).astype("string") + "%)보다 예산편성액이 큼")
    frame = _frame("program_shares", m["name"] + " (" + m["year"].astype(str) + ")",
                   "비중 목록 누락: 목록 최소 비중 ≥ 목록 밖 사업 비중", m["min_share"], share,
                   m["source"], m["unit"], "%", kind="listing", dp=1, year=m["year"],
                   as_of=m["as_of"], program=m["name"].map(program_of_line), note=note)
    return frame


def _explained_by_sheet(ds, m: pd.DataFrame, program_of_section, sunit: str):
    """Which part III 사업비 a program sheet's budget items explain: the stated 사업비 is one
    expense item of the section's program in that year, and the detail line is their 계.

    Ⅲ-4-① 사업비 414 (000) against the detail's 418: 004 예산 총괄 2016 사무관리비 414,000천원 +
    시책추진업무추진비 4,000천원 = 계 418,000천원. Returns (``explain``, ``note``) per row of ``m``.
    """
    none = (pd.Series(pd.NA, index=m.index, dtype="string"),) * 2
    if "program_budget" not in ds.tables or m.empty:
        return none
    pb, punit = ds["program_budget"], ds.unit("program_budget")
    rows = m.reset_index().assign(program=lambda f: f["sections"].str.split(";").str[0]
                                  .map(program_of_section))
    items = pb[pb["item"] != "계"][["program", "year", "item", "budget"]]
    total = pb[pb["item"] == "계"][["program", "year", "budget"]].rename(columns={"budget": "total"})
    found = rows.merge(items, on=["program", "year"]).merge(total, on=["program", "year"])
    # the stated 사업비 is one item, the detail line the sheet's 계 (both in the section's unit)
    hit = found[(np.isclose(_in_unit(found["stated"], sunit), _in_unit(found["budget"], sunit)))
                & np.isclose(_in_unit(found["amount"].astype("float64"), sunit),
                             _in_unit(found["total"], sunit))
                & (found["budget"] != found["total"])]
    if hit.empty:
        return none
    parts = items.assign(text=items["item"] + " " + items["budget"].map(
        lambda v: units.fmt_money(v, punit)))
    listed = parts.groupby(["program", "year"])["text"].agg(" + ".join).rename("parts").reset_index()
    hit = hit.merge(listed, on=["program", "year"]).drop_duplicates("index")
    text = ("사업설명서 예산 총괄: Ⅲ 사업비는 " + hit["item"] + " " + hit["budget"].map(
        lambda v: units.fmt_money(v, punit)) + punit + ", 세부내역은 계 " + hit["total"].map(
        lambda v: units.fmt_money(v, punit)) + punit + " (" + hit["parts"] + ")")
    explain = pd.Series(pd.NA, index=m.index, dtype="string")
    note = pd.Series(pd.NA, index=m.index, dtype="string")
    explain.loc[hit["index"].to_numpy()] = "explained"
    note.loc[hit["index"].to_numpy()] = text.to_numpy()
    return explain, note


def _sections(ds, detail, program_of_line, program_of_section) -> list[pd.DataFrame]:
    """Part III 사업비 against the detail lines each section funds, in the section's own year.

    ``sections.detail_programs`` names the program lines of one section; ``section_links``
    adds a detail line several sections share (Ⅲ-2-① + ② = 시민 자긍심 고취 … 2,930), a line
    named otherwise in part III, and for a section that has no line of its own, the reason.
    A section with neither gets an ``unmatched`` row.
    """
    out = []
    sections, sunit = ds["sections"], ds.unit("sections")
    if "year" not in sections.columns:  # the section's year: that of its document's detail
        first = detail.assign(doc=_document(detail["source"])).groupby("doc")["year"].min()
        sections["year"] = _document(sections["source"]).map(first).astype("Int64")
        sections["year"] = sections["year"].fillna(detail["year"].max()).astype("Int64")
    sections = _snapshot_for(detail, sections)
    links = ds.tables.get("section_links")
    links = links.copy() if links is not None else pd.DataFrame(
        columns=["sections", "detail_line", "reason", "source", "relation"])
    if "relation" not in links.columns:
        links["relation"] = pd.NA
    own = sections.dropna(subset=["detail_programs"]).assign(
        sections=lambda f: f["section"], detail_line=lambda f: f["detail_programs"].str.split(";"))
    own = own[["sections", "detail_line"]].explode("detail_line").assign(relation=pd.NA)
    extra = links.dropna(subset=["detail_line"])[["sections", "detail_line", "relation"]]
    # a link restating a section's own line (to say it covers only part of it) is one pair
    pairs = pd.concat([extra.assign(origin="links"), own.assign(origin="sections")],
                      ignore_index=True).drop_duplicates(["sections", "detail_line"])
    part_of = set(pairs.loc[(pairs["relation"] == "part").fillna(False).to_numpy(bool), "sections"])
    why = links.dropna(subset=["reason"]).drop_duplicates("sections").set_index("sections")["reason"]
    # the stated side: the sum of the sections of a group, in their year and snapshot
    groups = pairs[["sections"]].drop_duplicates()
    groups["section"] = groups["sections"].str.split(";")
    members = groups.explode("section").merge(sections, on="section")
    basis = members.groupby("sections")["budget_basis"].first()
    stated = members.groupby(["sections", "year", "as_of"]).agg(
        stated=("budget_stated", "sum"), n_sec=("section", "size"), division=("division", "first"),
        title=("title", "first"), source=("source", " · ".join)).reset_index()
    m = pairs.merge(stated, on="sections")
    lines = detail.loc[_of_snapshots(detail, m), ["year", "as_of", "name", "budget", "available", "source"]]
    m = m.merge(lines.rename(columns={"name": "detail_line", "source": "line_source"}),
                on=["year", "as_of", "detail_line"], how="left")
    m["amount"] = np.where(m["sections"].map(basis) == "available", m["available"], m["budget"])
    g = m.groupby(["sections", "year", "as_of"]).agg(
        amount=("amount", lambda a: a.sum(min_count=len(a))), n=("detail_line", "size"),
        names=("detail_line", " + ".join)).reset_index()
    m = stated.merge(g, on=["sections", "year", "as_of"])
    m["basis"] = np.where(m["sections"].map(basis) == "available", "예산현액", "예산편성액")
    several = (m["n"] > 1) | (m["n_sec"] > 1)
    check = "Ⅲ 사업비 = 세부내역 " + m["basis"] + np.where(several, " 합계", "")
    heading = m["sections"].str.replace(";", "+", regex=False)
    item = heading + " " + np.where(m["n_sec"] > 1, "", m["title"]) + " (" + m["year"].astype(str) + ")"
    item = item.str.replace("  (", " (", regex=False)
    first_sec = m["sections"].str.split(";").str[0]
    common = dict(year=m["year"], as_of=m["as_of"], program=first_sec.map(program_of_section))
    stated_u = _in_unit(m["stated"], sunit)
    other_u = _in_unit(m["amount"].astype("Int64"), sunit)
    note = pd.Series(np.where(m["n_sec"] > 1, "세부내역: " + m["names"], pd.NA), index=m.index)
    explained, why_items = _explained_by_sheet(ds, m, program_of_section, sunit)
    note = why_items.fillna(note)
    part = m["sections"].isin(part_of).to_numpy(bool)
    check = pd.Series(np.where(part, "Ⅲ 사업비 ≤ 세부내역 " + m["basis"] + np.where(several, " 합계", "")
                               + " (사업의 일부)", check), index=m.index)
    note = pd.Series(np.where(part, m["sections"].map(why).fillna(
        "Ⅲ 사업비가 세부내역 " + m["names"] + "의 일부에 해당"), note), index=m.index)
    single = ~several.to_numpy(bool) & ~part
    out.append(_same("sections", item[single], check[single], stated_u[single], other_u[single],
                     m.loc[single, "source"], m.loc[single, "division"], sunit,
                     **{k: v[single] for k, v in common.items()}, note=note[single],
                     explain=explained[single]))
    many = several.to_numpy(bool) & ~part
    out.append(_frame("sections", item[many], check[many], stated_u[many],
                      other_u[many], m.loc[many, "source"], m.loc[many, "division"], sunit,
                      kind="sum", tol=_sum_tolerance(m.loc[many, "n"]),
                      **{k: v[many] for k, v in common.items()}, note=note[many],
                      explain=explained[many]))
    out.append(_frame("sections", item[part], check[part], stated_u[part], other_u[part],
                      m.loc[part, "source"], m.loc[part, "division"], sunit, kind="part",
                      tol=_sum_tolerance(m.loc[part, "n"]),
                      **{k: v[part] for k, v in common.items()}, note=note[part]))
    # sections reconciled by nothing: say why (or that no reason is recorded)
    covered = set(members["section"])
    rest = sections[~sections["section"].isin(covered)].copy()
    reasons = links.dropna(subset=["reason"]).assign(section=lambda f: f["sections"].str.split(";")) \
        .explode("section").drop_duplicates("section").set_index("section")["reason"]
    shared = members[members["sections"].str.contains(";")].assign(
        why=lambda f: "세부내역 사업과 나뉘는 방식이 달라 " + f["sections"].str.replace(";", "+", regex=False)
        + " 합계로만 대사함").drop_duplicates("section").set_index("section")["why"]
    part = members[members["sections"].str.contains(";")].drop_duplicates("section")
    rest = pd.concat([rest.assign(why=rest["section"].map(reasons)),
                      part.assign(why=part["section"].map(shared))], ignore_index=True)
    rest["why"] = rest["why"].fillna("이 사업비에 대응하는 세부내역 사업이 자료에 지정되어 있지 않음")
    grouped = rest["section"].isin(set(part["section"]))
    rest["check"] = np.where(grouped, "Ⅲ 사업비 = 세부내역 (합계로만 대사)",
                             "Ⅲ 사업비 = 세부내역 (대응 사업 없음)")
    # a section reconciled in its group's sum: a reference (the source splits it otherwise)
    rest["kind"] = np.where(grouped, "listing", "unmatched")
    out.append(_frame("sections", rest["section"] + " " + rest["title"] + " (" + rest["year"].astype(str)
                      + ")", rest["check"], _in_unit(rest["budget_stated"], sunit),
                      np.nan, rest["source"], rest["division"], sunit, kind=rest["kind"],
                      year=rest["year"], as_of=rest["as_of"],
                      program=rest["section"].map(program_of_section), note=rest["why"],
                      keep_unmatched=True))
    return out


def _program_sheet(ds) -> list[pd.DataFrame]:
    out = []
    pb, unit = ds["program_budget"], ds.unit("program_budget")
    pb["amount"] = _in_unit(pb["budget"], unit)
    pb["change"] = _in_unit(pb["change_stated"], unit)
    items = pb[pb["item"] != "계"].groupby(["program", "year"])["amount"].agg(["sum", "size"]).reset_index()
    m = items.merge(pb[pb["item"] == "계"], on=["program", "year"])
    out.append(_frame("program_budget", "예산 총괄 계 (" + m["year"].astype(str) + ")",
                      "비목 합계=계", m["amount"], m["sum"], m["source"], m["program"], unit,
                      kind="sum", tol=_sum_tolerance(m["size"]), year=m["year"], program=m["program"]))
    prev = pb[["program", "item", "year", "amount"]].assign(year=pb["year"] + 1)
    m = pb.merge(prev, on=["program", "item", "year"], suffixes=("", "_prev"))
    m = m[m["change"].notna() | m["rate_stated"].notna()]
    label = m["item"] + " (" + (m["year"] - 1).astype(str) + "→" + m["year"].astype(str) + ")"
    out.append(_frame("program_budget", label, "증감(B−A)", m["change"], m["amount"] - m["amount_prev"],
                      m["source"], m["program"], unit, kind="sum", tol=0, year=m["year"], program=m["program"]))
    out.append(_frame("program_budget", label, "(B−A)*100/A", m["rate_stated"],
                      (m["amount"] - m["amount_prev"]) / m["amount_prev"] * 100, m["source"],
                      m["program"], "%", kind="rate", dp=m["rate_stated_dp"],
                      tol=0.5 * 10.0 ** -m["rate_stated_dp"], year=m["year"], program=m["program"]))

    costs, unit = ds["program_costs"], ds.unit("program_costs")
    lines = costs[costs["level"] == "line"].copy()
    lines["amount_u"] = _in_unit(lines["amount"], unit)
    lines["product"] = _in_unit(lines["unit_cost"] * lines["quantity"], unit)
    out.append(_frame("program_costs", lines["line"] + " (" + lines["year"].astype(str) + ")",
                      "단가×수량=금액", lines["amount_u"],
                      lines["product"], lines["source"], lines["program"], unit, kind="sum", tol=0,
                      year=lines["year"], program=lines["program"]))
    groups = costs[costs["level"] == "group"].copy()
    sums = lines.groupby(["program", "year", "item", "group"])["amount_u"].agg(["sum", "size"]).reset_index()
    m = groups.merge(sums, on=["program", "year", "item", "group"])
    out.append(_frame("program_costs", m["group"] + " (" + m["year"].astype(str) + ")",
                      "세부 산출 합계=소계", _in_unit(m["amount"], unit),
                      m["sum"], m["source"], m["program"], unit, kind="sum", tol=0, year=m["year"],
                      program=m["program"]))
    by_item = groups.groupby(["program", "year", "item"])["amount"].agg(["sum", "size"]).reset_index()
    m = by_item.merge(pb, on=["program", "year", "item"], suffixes=("", "_pb"))
    out.append(_frame("program_costs", m["item"] + " (" + m["year"].astype(str) + ")",
                      "산출내역 합계=예산총괄 비목", _in_unit(m["budget"], unit),
                      _in_unit(m["sum"], unit), m["source"], m["program"], unit, kind="sum", tol=0,
                      year=m["year"], program=m["program"]))

    st, unit = ds["settlement"], ds.unit("settlement")
    for col in ("budget", "carried_in", "changed", "available", "executed", "carried_out", "balance"):
        st[col] = _in_unit(st[col], unit)
    label = "결산 (" + st["year"].astype(str) + ")"
    out.append(_frame("settlement", label, "당초예산+전년이월+예산변경=예산현액", st["available"],
                      st["budget"] + st["carried_in"] + st["changed"], st["source"], st["program"],
                      unit, kind="sum", tol=_sum_tolerance(3), year=st["year"], program=st["program"]))
    out.append(_frame("settlement", label, "예산현액−집행액−차년이월=집행잔액", st["balance"],
                      st["available"] - st["executed"] - st["carried_out"], st["source"],
                      st["program"], unit, kind="sum", tol=_sum_tolerance(3), year=st["year"], program=st["program"]))
    return out


def _staffing(ds) -> list[pd.DataFrame]:
    out = []
    org = ds["organisation"].set_index("unit")["name_ko"]
    staff = ds["staffing"]
    total_mask = staff["job_group"] == "총계"
    for col, name in (("authorized", "정원"), ("current", "현원")):
        parts = staff[~total_mask].groupby(["as_of", "unit"])[col].agg(["sum", "size"]).reset_index()
        m = parts.merge(staff[total_mask], on=["as_of", "unit"])
        out.append(_frame("staffing", _text(lambda: m["unit"].map(org) + f" {name} ("
                                            + m["as_of"].dt.year.astype(str) + ")"),
                          f"직급별 {name} 합계=총계",
                          m[col], m["sum"], m["source"], m["unit"], "명", kind="sum", tol=0,
                          year=m["as_of"].dt.year, as_of=m["as_of"]))
        divs = staff[staff["unit"] != "office"].groupby(["as_of", "job_group", "grade"])[col].sum()
        m = divs.reset_index().merge(staff[staff["unit"] == "office"], on=["as_of", "job_group", "grade"],
                                     suffixes=("_sum", ""))
        out.append(_frame("staffing", _text(lambda: "계 " + m["job_group"] + " " + m["grade"]
                                            + f" {name} (" + m["as_of"].dt.year.astype(str) + ")"),
                          f"부서별 {name} 합계=계", m[col], m[f"{col}_sum"], m["source"], "office",
                          "명", kind="sum", tol=0, year=m["as_of"].dt.year, as_of=m["as_of"]))
    totals = ds["staffing_totals"]
    wide = staff[total_mask].rename(columns={"authorized": "정원", "current": "현원"})
    long = wide.melt(id_vars=["as_of", "unit"], value_vars=["정원", "현원"], var_name="item",
                     value_name="table")
    m = totals.merge(long, on=["as_of", "unit", "item"])
    out.append(_same("staffing_totals", _text(lambda: m["unit"].map(org) + " " + m["item"] + " ("
                                              + m["as_of"].dt.year.astype(str) + ")"),
                     "총괄 = 직급별 표 총계",
                     m["value"], m["table"], m["source"], m["unit"], "명", year=m["as_of"].dt.year,
                     as_of=m["as_of"]))
    pivot = totals.pivot_table(index="unit", columns="item", values="value", aggfunc="first")
    if {"정원", "현원", "과원"} <= set(pivot.columns):
        p = pivot.dropna(subset=["정원", "현원", "과원"]).reset_index()
        extra = p.merge(totals[totals["item"] == "과원"], on="unit")
        src = extra["source"]
        out.append(_frame("staffing_totals", p["unit"].map(org) + " 과원 ("
                          + extra["as_of"].dt.year.astype(str) + ")", "과원=현원−정원",
                          p["과원"], p["현원"] - p["정원"], src, p["unit"], "명", kind="sum", tol=0,
                          year=extra["as_of"].dt.year, as_of=extra["as_of"]))
    return out


def _outcomes(ds, program_of_section) -> list[pd.DataFrame]:
    out = []
    oc = ds["outcomes"]
    oc["program"] = oc["section"].map(program_of_section)
    complete = oc["parent"].notna() & ~oc["period_note"].fillna("").str.contains("등")
    kids = oc[complete].groupby(["section", "parent", "period", "kind"])["value"].agg(["sum", "size"])
    m = kids.reset_index().merge(oc, left_on=["section", "parent", "period", "kind"],
                                 right_on=["section", "metric", "period", "kind"])
    out.append(_frame("outcomes", m["section"] + " " + m["metric"] + " (" + m["period"].astype(str) + ")",
                      "세부 실적 합계=총계", m["value"], m["sum"], m["source"], m["division"],
                      m["unit"], kind="sum", tol=0, year=m["period"], program=m["program"]))
    actual = oc[oc["kind"] == "actual"]
    change = oc[oc["kind"] == "change"]
    prev = actual.assign(period=actual["period"] + 1)
    m = change.merge(actual, on=["section", "metric", "period"], suffixes=("", "_now")).merge(
        prev, on=["section", "metric", "period"], suffixes=("", "_prev"))
    out.append(_frame("outcomes", m["section"] + " " + m["metric"] + " (" + m["period"].astype(str) + ")",
                      "증감=올해−전년", m["value"], m["value_now"] - m["value_prev"], m["source"],
                      m["division"], m["unit"], kind="sum", tol=0, dp=2, year=m["period"],
                      program=m["program"]))
    # the same figure stated by both documents
    dup = actual[actual.duplicated(["section", "metric", "period"], keep=False)]
    first = dup.drop_duplicates(["section", "metric", "period"], keep="first")
    others = dup.drop(first.index)
    m = others.merge(first, on=["section", "metric", "period"], suffixes=("", "_first"))
    # written at different times (the program sheet during 2015 for the budget request, the
    # work report in April 2016), the two may state the year's result at different dates
    when = _written(ds, m["source"]), _written(ds, m["source_first"])
    differ = (when[0] != when[1]).to_numpy(bool)
    note = pd.Series(np.where(differ, _doc_short(ds, m["source"]) + " " + when[0] + " 작성 · "
                              + _doc_short(ds, m["source_first"]) + " " + when[1] + " 작성",
                              pd.NA), index=m.index)
    out.append(_same("outcomes", m["section"] + " " + m["metric"] + " (" + m["period"].astype(str) + ")",
                     "두 문서의 같은 실적", m["value"], m["value_first"],
                     m["source"] + " ↔ " + m["source_first"], m["division"], m["unit"],
                     year=m["period"], program=m["program"], note=note,
                     explain=pd.Series(np.where(differ, "timing", pd.NA), index=m.index)))
    return out


def _written(ds, sources: pd.Series) -> pd.Series:
    """When each source's document was written, as printed (``2015``, ``2016. 4. 26.``)."""
    def shown(s):
        w = str(ds.document(s).get("written") or "")
        return units.fmt_date(w) if len(w) == 10 else (f"{w}년" if len(w) == 4 else w)
    return pd.Series([shown(s) for s in sources], index=sources.index, dtype="string")


def _doc_short(ds, sources: pd.Series) -> pd.Series:
    return pd.Series([ds.document(s)["short"] for s in sources], index=sources.index, dtype="string")


def _carry_over(ds, org) -> list[pd.DataFrame]:
    """Cross-year: a unit's 전년도 이월액 cannot exceed what it had left the year before.

    The 2016 detail (000) carries 1,341 into 시민소통담당관 (시민청 운영 및 확산); its whole 2015
    집행잔액 at 12. 31. was 916 (000, 2015년도 예산 집행현황). So the 12-31 figures are not a
    settlement with 이월/불용 split: a real inconsistency of the sources, 불일치. And the program
    sheet's settlements: each year's 차년이월 is the next year's 전년이월.
    """
    out = []
    detail, dunit = _table(ds, "budget_detail"), ds.unit("budget_detail")
    level = _levels(ds, detail)
    # (the columns the checks read, sorted: not every column of the million rows')
    heads = detail.loc[((level == "office") | (level == "division"))
                       & (detail["carryover"] > 0).to_numpy(dtype=bool, na_value=False),
                       ["year", "as_of", "unit", "carryover", "balance", "source"]]
    first = heads.sort_values("as_of", kind="stable").drop_duplicates(["year", "unit"])
    ex = _table(ds, "execution_division")[["year", "unit", "balance", "as_of"]]
    prior = ex.sort_values("as_of", kind="stable").drop_duplicates(["year", "unit"], keep="last")
    prior = prior.assign(year=prior["year"] + 1)[["year", "unit", "balance", "as_of"]]
    m = first.merge(prior, on=["year", "unit"], suffixes=("", "_prior"))
    if len(m):
        name = m["unit"].map(org).fillna(m["unit"])
        when = m["as_of_prior"].map(units.fmt_date)
        note = pd.Series(np.where(
            m["carryover"] > m["balance_prior"],
            "전년도 이월액이 " + when + " 집행잔액보다 큼: " + when
            + " 수치는 이월·불용을 나눈 결산이 아님", pd.NA), index=m.index)
        out.append(_frame("budget_detail", name + " (" + m["year"].astype(str) + ")",
                          "전년도 이월액 ≤ 전년도 집행잔액", _in_unit(m["carryover"], dunit),
                          _in_unit(m["balance_prior"], dunit), m["source"], m["unit"], dunit,
                          kind="bound", year=m["year"], as_of=m["as_of"], note=note))
    st, unit = ds["settlement"], ds.unit("settlement")
    nxt = st.assign(year=st["year"] - 1)[["program", "year", "carried_in", "source"]]
    m = st.merge(nxt, on=["program", "year"], suffixes=("", "_next"))
    if len(m):
        out.append(_frame("settlement", "결산 (" + m["year"].astype(str) + "→"
                          + (m["year"] + 1).astype(str) + ")", "차년이월 = 다음 해 전년이월",
                          _in_unit(m["carried_out"], unit), _in_unit(m["carried_in_next"], unit),
                          m["source"], m["program"], unit, kind="sum", tol=0, year=m["year"],
                          program=m["program"]))
    return out


def _programs(ds) -> tuple[pd.Series, pd.Series]:
    """Program slug by detail line name and by part-III section."""
    prog = ds["program"]
    by_line = prog.drop_duplicates("detail_program").set_index("detail_program")["program"]
    by_section = prog.drop_duplicates("section").set_index("section")["program"]
    return by_line, by_section


def reconcile(ds) -> pd.DataFrame:
    """Every stated total, subtotal, share, change and rate, recomputed and classified.

    Parameters
    ----------
    ds : :class:`seoulcomm.load.Dataset`

    Returns
    -------
    DataFrame with columns :data:`COLUMNS`: stated and computed in the source's own unit
    (백만원, 천원, 명, %), difference = stated − computed, scope the division slug, program
    slug or ``office``; ``year`` the year the check is about, ``as_of`` the as-of date of the
    snapshot it uses (``NaT`` for tables without one), ``program`` the program it concerns
    (if any), ``note`` how a verdict follows from how the figure was built (if it needs
    saying). Checks compare only figures of the same year and snapshot. The frame is computed
    once per Dataset; later calls return a copy.
    """
    # loaded tables do not change: audit them once. load_all hands out a fresh Dataset (its own
    # read log) over the same tables, so the cache keys on the tables, held so the id stays theirs
    return _reconciled(ds)[0].copy()


def reconcile_frame(ds) -> pd.DataFrame:
    """:func:`reconcile`'s frame of ``ds``, shared, not copied (never change it)."""
    return _reconciled(ds)[0]


def _reconciled(ds) -> tuple[pd.DataFrame, dict]:
    """The audit frame of ``ds`` (computed once per loaded data, not copied) and its index
    of row positions by scope and by program (built on first use)."""
    cached = _RECONCILED.get(id(ds.tables))
    if cached is not None and cached[0] is ds.tables:
        return cached[1], cached[2]
    kept = _kept(ds)
    frame = colcache.get(kept[0], "audit", kept[1], COLUMNS) if kept else None
    if frame is None:
        frame = _reconcile(ds)
        if kept:
            # sorted by scope: a kernel showing one report reads its scope's groups only
            colcache.put(kept[0], "audit", kept[1], frame, columns=True, sort_by="scope")
    while len(_RECONCILED) >= _RECONCILED_MAX:
        _RECONCILED.pop(next(iter(_RECONCILED)))
    _RECONCILED[id(ds.tables)] = (ds.tables, frame, {})
    return frame, _RECONCILED[id(ds.tables)][2]


def _kept(ds):
    """``(cache folder, key)`` under which the column cache keeps the audit of ``ds`` (its
    tables' keys and this module's source; see :mod:`seoulcomm.colcache`); None without one."""
    keys = ds.memo.get(("colcache", "keys"))
    place = colcache.folder(ds.data_dir) if keys else None
    if place is None:
        return None
    return place, colcache.frame_key("audit", keys, ("audit.py",))


def _parts(ds) -> list[pd.DataFrame]:
    """Every check of ``ds``, in parts (as :func:`_frame` makes them)."""
    by_line, by_section = _programs(ds)
    parts = (_detail_rows(ds, by_line) + _division_tables(ds)
             + _across_tables(ds, by_line, by_section) + _program_sheet(ds)
             + _staffing(ds) + _outcomes(ds, by_section)
             + _carry_over(ds, ds["organisation"].set_index("unit")["name_ko"]))
    _SNAPSHOTS.clear()
    _LEVELS.clear()
    return [p for p in parts if len(p)]


def verdict_counts(ds) -> pd.Series:
    """:func:`counts` of the audit of ``ds``: from its frame when this process has it or the
    column cache keeps it, else every check computed and classified as :func:`reconcile`
    classifies it, without the text of any check (``seoulcomm validate`` at millions of
    checks prints their counts only; the first build makes the frame and keeps it)."""
    held = _RECONCILED.get(id(ds.tables))
    if held is not None and held[0] is ds.tables:
        return counts(held[1])
    kept = _kept(ds)
    frame = colcache.get(kept[0], "audit", kept[1], COLUMNS) if kept else None
    if frame is not None:
        return counts(frame)
    _COUNTING.texts = False
    try:
        codes = np.concatenate([p["verdict"].to_numpy() for p in _parts(ds)])
    finally:
        _COUNTING.texts = True
    found = np.bincount(codes, minlength=len(VERDICTS))
    return pd.Series(found, index=pd.Index(VERDICTS, name="verdict"), name="count")


def _reconcile(ds) -> pd.DataFrame:
    """Every check of ``ds`` (see :func:`reconcile`), computed."""
    parts = _parts(ds)
    frame = pd.concat(parts, ignore_index=True)
    del parts   # as many rows again as the frame: freed before the columns are settled
    frame["year"] = pd.to_numeric(frame["year"]).astype("Int64")
    frame["as_of"] = pd.to_datetime(frame["as_of"])
    frame["program"] = frame["program"].astype("string")
    frame["note"] = frame["note"].astype("string")
    frame["difference"] = (frame["stated"] - frame["computed"]).round(6)
    frame["computed"] = frame["computed"].round(6)
    return frame[COLUMNS].reset_index(drop=True)


#: reconcile's results: id(tables) → (tables, frame, index), the few most recent datasets.
_RECONCILED: dict[int, tuple[dict, pd.DataFrame, dict]] = {}
_RECONCILED_MAX = 4


def reconciled_state(ds) -> tuple | None:
    """What :func:`reconcile` keeps for ``ds`` (its tables, the frame and its index), to hand
    to another process; None when not computed yet."""
    return _RECONCILED.get(id(ds.tables))


def adopt_reconciled(ds, state) -> bool:
    """Keep ``state`` (:func:`reconciled_state` of the same tables, computed elsewhere) as
    ``ds``'s audit; False, and nothing kept, when it is of other tables."""
    if state is None or state[0] is not ds.tables:
        return False
    _RECONCILED[id(ds.tables)] = state
    return True


def counts(frame: pd.DataFrame) -> pd.Series:
    """Number of checks per verdict, in the order exact, rounding, truncation, discrepancy."""
    return frame["verdict"].value_counts().reindex(VERDICTS, fill_value=0)


def findings(frame: pd.DataFrame) -> pd.DataFrame:
    """The checks that are not exact."""
    return frame[frame["verdict"] != "exact"].reset_index(drop=True)


def checks_of(ds, scope: str, year: int | None = None, as_of=None) -> pd.DataFrame:
    """:func:`for_scope` of :func:`reconcile`'s frame, found through an index of the frame
    by scope and program (built once per loaded data): a report's cost does not grow with
    the checks of every other division."""
    if _RECONCILED.get(id(ds.tables)) is None:
        part = _kept_part(ds, scope)
        if part is not None:   # the one report of a kernel: its rows of the kept audit only
            return for_scope(part, scope, year=year, as_of=as_of)
    frame, index = _reconciled(ds)
    if not index:
        for column in ("scope", "program", "table"):
            index[column] = value_positions(frame[column].astype("string"))
    empty = np.empty(0, dtype=np.intp)
    parts = [index["scope"].get(scope, empty), index["program"].get(scope, empty)]
    if scope == "office":
        parts += [index["table"].get(t, empty) for t in OFFICE_TABLES]
    rows = frame.iloc[np.unique(np.concatenate(parts))]
    return for_scope(rows, scope, year=year, as_of=as_of)


def _kept_part(ds, scope: str) -> pd.DataFrame | None:
    """The rows of the column cache's audit of ``ds`` that touch ``scope`` (as :func:`checks_of`
    picks them, in the audit's order), read without making the whole audit a frame: a notebook
    kernel that shows one report, over data of millions of checks. None when the cache keeps no
    audit of ``ds``, or when this process asks for a second scope (then the whole audit is
    made, once, and indexed)."""
    held = ds.memo.get(("audit", "part"))
    if held is not None:
        return held[1] if held[0] == scope else None
    kept = _kept(ds)
    if kept is None:
        return None

    wanted = {"scope": [scope], "program": [scope]}
    if scope == "office":
        wanted["table"] = list(OFFICE_TABLES)
    part = colcache.get(kept[0], "audit", kept[1], COLUMNS, any_of=wanted)
    ds.memo[("audit", "part")] = (scope, part)
    return part


def for_scope(frame: pd.DataFrame, scope: str, year: int | None = None,
              as_of=None) -> pd.DataFrame:
    """The checks touching one division, program or the office (``office``).

    A program's checks include those of its part-III section and its detail line, which the
    division owns too. The office's include every row of :data:`OFFICE_TABLES` (its report shows
    them whole: 21,338 vs 21,339 of 시민봉사담당관, the 41.4% share of a civil-service program). With ``year``, only checks about that year (or about no single year);
    with ``as_of`` (a date), only checks of that snapshot (or of tables without one).
    """
    mine = (frame["scope"] == scope) | (frame["program"] == scope).fillna(False)
    if scope == "office":  # the office report shows these tables whole, divisions' rows too
        mine |= frame["table"].isin(OFFICE_TABLES)
    if year is not None:
        mine &= (frame["year"] == int(year)).fillna(True)
    if as_of is not None:
        mine &= (frame["as_of"] == pd.Timestamp(as_of)) | frame["as_of"].isna()
    return frame[mine.to_numpy(bool)].reset_index(drop=True)
