"""The audit's verdicts counted without its text (``seoulcomm validate``) are the audit's own.

:func:`seoulcomm.audit.verdict_counts` runs every check the audit runs and classifies it as
:func:`seoulcomm.audit.reconcile` does, but never makes the checks' items, names or notes.
Its counts must be exactly :func:`seoulcomm.audit.counts` of the audit frame, on the shipped
data and on data whose figures were made wrong (discrepancies, rounding, blank cells, a second
snapshot and a second year), and ``seoulcomm validate`` must print the line ``seoulcomm audit``
prints.
"""
from __future__ import annotations

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seoulcomm import audit, load, paths
from seoulcomm.load import Dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from synthetic import make_dataset  # noqa: E402


@pytest.fixture
def no_cache(monkeypatch):
    # counted without the frame only when the column cache keeps no audit (validate, cache off)
    monkeypatch.setenv("SEOULCOMM_CACHE", "off")
    load._CACHE.clear()
    yield
    load._CACHE.clear()


def _same_counts(ds):
    assert audit.reconciled_state(ds) is None
    counted = audit.verdict_counts(ds)
    assert audit.reconciled_state(ds) is None   # counted, no frame made (nor kept)
    frame = audit._reconcile(ds)
    pd.testing.assert_series_equal(counted, audit.counts(frame))
    assert counted.sum() == len(frame)
    return counted


def _with_tables(ds, **tables):
    merged = {name: frame.copy() for name, frame in ds.tables.items()}
    merged.update(tables)
    return Dataset(ds.data_dir, ds.catalog, merged, ds.refs)


def test_shipped_data(no_cache):
    counted = _same_counts(load.load_all())
    # the shipped data's known findings are among them (tests/test_audit.py names them)
    assert counted["discrepancy"] >= 5 and counted["truncation"] >= 4 and counted["unmatched"] >= 2
    assert counted["explained"] >= 1 and counted["timing"] >= 1 and counted["partial"] >= 1
    assert counted["reference"] >= 1 and counted["rounding"] >= 1


def test_figures_made_wrong(no_cache):
    ds = load.load_all()
    detail = ds.tables["budget_detail"].copy()
    lines = detail.index[detail["level"] == "program"]
    # one 집행액 up by 100 won (a balance and a rate off, the sums above it too), one rate cut,
    # one 예산현액 blank (no check of it, none above it that needs it), one carry-over stated
    detail.loc[lines[0], "executed"] += 100_000_000
    detail.loc[lines[1], "rate_stated"] = 12.3
    detail.loc[lines[2], "available"] = pd.NA
    detail.loc[lines[3], "carryover"] = 5_000_000
    division = ds.tables["budget_division"].copy()
    division.loc[division.index[1], "share_stated"] += 0.1      # a share off by 0.1%p
    execution = ds.tables["execution_division"].copy()
    execution.loc[execution.index[0], "balance"] += 1_000_000   # off by one 천원 (rounding)
    bad = _with_tables(ds, budget_detail=detail, budget_division=division,
                       execution_division=execution)
    counted = _same_counts(bad)
    assert counted["discrepancy"] > audit.counts(audit._reconcile(ds))["discrepancy"]


def test_second_snapshot_and_year(no_cache):
    ds = load.load_all()
    detail = ds.tables["budget_detail"]
    later = detail.assign(as_of=pd.Timestamp("2016-06-30"), source="snapshot_2016-06-30.txt 세부내역")
    later["executed"] = later["executed"] + 1_000   # every 집행액 moved on by 1,000 won
    y2017 = detail.assign(year=detail["year"] + 1, as_of=pd.Timestamp("2017-04-07"),
                          source="report_2017.txt 세부내역")
    _same_counts(_with_tables(ds, budget_detail=pd.concat([detail, later, y2017], ignore_index=True)))


def test_synthetic_data_with_bad_rows(no_cache, tmp_path):
    folder = tmp_path / "data"
    make_dataset(folder, divisions=6, years=2, snapshots=3)
    ds = load.load_all(folder)
    detail = ds.tables["budget_detail"].copy()
    rows = detail.index[detail["level"] == "basic"][::7]
    detail.loc[rows, "executed"] += 2_000_000       # parts that no longer add up
    detail.loc[rows, "rate_stated"] = detail.loc[rows, "rate_stated"] + 0.1
    counted = _same_counts(_with_tables(ds, budget_detail=detail))
    assert counted["discrepancy"] > 0


def _cli(*args, data):
    env = dict(os.environ, SEOULCOMM_CACHE="off")
    return subprocess.run([sys.executable, "-m", "seoulcomm", *args, "--data", str(data)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_validate_prints_the_audit_line(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(paths.data_dir(), data)
    path = data / "budget_detail.csv"
    text = path.read_text(encoding="utf-8")
    # 세부내역: 뉴미디어 웹사이트 운영 집행액 842 → 942 (tests/test_audit.py::test_injected_error_is_found)
    wrong = text.replace("뉴미디어 웹사이트 운영,\"1,447\",-,\"1,447\",842,605,58.2",
                         "뉴미디어 웹사이트 운영,\"1,447\",-,\"1,447\",942,605,58.2")
    assert wrong != text
    path.write_text(wrong, encoding="utf-8")
    validated, audited = _cli("validate", data=data), _cli("audit", data=data)
    assert validated.returncode == 0 and audited.returncode == 0, validated.stderr + audited.stderr
    line = validated.stdout.strip().splitlines()[-1]
    assert line == audited.stdout.strip().splitlines()[-1]
    assert line.startswith("대사(reconciliation) 점검 ") and "불일치(discrepancy)" in line


def _verdict_of_row(stated, computed, kind, tol, dp, explain):
    """One check's verdict, row by row, as the audit's module text defines them (the reference
    the vectorised :func:`seoulcomm.audit.classify` is compared with)."""
    if kind == "listing":   # the source selects: a reference, compared or not
        return "reference"
    if math.isnan(computed):
        return "unmatched"
    scale = 10.0 ** dp
    sign = math.copysign(1.0, computed) if computed else 0.0
    rounded = sign * math.floor(abs(computed) * scale + 0.5 + 1e-9) / scale
    truncated = sign * math.floor(abs(computed) * scale + 1e-9) / scale

    def close(a, b):
        return abs(a - b) <= 1e-9 or a == b
    diff = stated - computed
    within = stated <= computed + tol + 1e-9
    # a difference the sources explain takes the verdict the row names
    otherwise = explain if isinstance(explain, str) else "discrepancy"
    if kind == "bound":
        return "exact" if within else otherwise
    if kind == "part":
        return "partial" if within else otherwise
    if close(stated, rounded):
        return "exact"
    if close(stated, truncated) or (kind == "same" and close(abs(diff), 1 / scale)):
        return "truncation"
    if kind != "same" and abs(diff) <= tol + 1e-9:
        return "rounding"
    return otherwise


_KINDS = ["sum", "rate", "same", "bound", "part", "listing"]


@given(st.lists(st.tuples(st.integers(-10**6, 10**6), st.integers(-3000, 3000),
                          st.sampled_from(_KINDS), st.sampled_from([0.0, 0.5, 1.0, 2.0, 0.05]),
                          st.integers(0, 2), st.sampled_from([None, "explained", "timing"]),
                          st.booleans()), min_size=1, max_size=60))
@settings(deadline=None)   # (no timing assertion: on a shared machine a case may wait for a core)
def test_classify_agrees_with_the_row_by_row_rules(rows):
    # stated: an integer at dp decimals; computed: stated moved by up to ±3 units of 10^-3,
    # or missing (nothing to compare with)
    frame = pd.DataFrame({
        "stated": [s / 10 ** dp for s, _, _, _, dp, _, _ in rows],
        "computed": [math.nan if missing else s / 10 ** dp + d / 1000
                     for s, d, _, _, dp, _, missing in rows],
        "kind": [k for _, _, k, _, _, _, _ in rows],
        "tol": [t for _, _, _, t, _, _, _ in rows],
        "dp": [dp for _, _, _, _, dp, _, _ in rows],
        "explain": pd.array([e for *_, e, _ in rows], dtype="string"),
    })
    got = list(audit.classify(frame))
    want = [_verdict_of_row(r.stated, r.computed, r.kind, r.tol, r.dp,
                            None if pd.isna(r.explain) else r.explain)
            for r in frame.itertuples(index=False)]
    assert got == want
    # the codes the counting path counts are the same verdicts
    assert [audit.VERDICTS[c] for c in audit.verdict_codes(frame)] == want


def test_a_cache_without_the_audit_is_counted_without_making_the_frame(monkeypatch, tmp_path):
    # the column cache on but holding no audit (a first validate): counted as with the cache
    # off, the frame neither made nor kept (a million detail rows: 22 s and 4.5 GB to make and
    # keep it); once the audit is kept, a fresh load counts the kept frame
    monkeypatch.setenv("SEOULCOMM_CACHE", str(tmp_path / "cache"))
    load._CACHE.clear()
    try:
        ds = load.load_all()
        counted = audit.verdict_counts(ds)
        assert audit.reconciled_state(ds) is None
        assert not list((tmp_path / "cache").glob("audit-*"))
        frame = audit.reconcile_frame(ds)   # made once (a build): kept in the cache
        assert list((tmp_path / "cache").glob("audit-*"))
        pd.testing.assert_series_equal(counted, audit.counts(frame))
        load._CACHE.clear()
        again = load.load_all()
        pd.testing.assert_series_equal(audit.verdict_counts(again), counted)
        assert audit.reconciled_state(again) is None   # the kept frame counted, not held
    finally:
        load._CACHE.clear()
