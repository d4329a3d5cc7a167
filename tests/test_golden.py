"""Every report built from ``data/`` is what the golden record says, byte for byte.

A refactor changes no report; a change meant to change reports updates the record with one
command (``make golden``, see ``tests/golden.py``) and the diff is read before it is committed.
Workbooks are reproducible (their times come from the data, :mod:`seoulcomm.epoch`), so two
builds of the same data give the same bytes: the record holds each file's sha256.
"""
from __future__ import annotations

import difflib
import io
import zipfile

import golden
from seoulcomm import epoch, xlsx


def test_reports_match_the_golden_record(built_reports):
    assert golden.RECORD.is_file(), "tests/golden/reports.txt is missing: run `make golden`"
    want = golden.RECORD.read_text(encoding="utf-8")
    got = golden.record(built_reports)
    if got != want:
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "golden", "this build",
                                    n=1, lineterm="")
        shown = "\n".join(list(diff)[:120])
        raise AssertionError("the reports differ from tests/golden/reports.txt — if the change is "
                             f"meant, run `make golden` and read the diff:\n{shown}")


def test_every_report_of_the_build_is_in_the_record(built_reports):
    names = {line.split()[1] for line in golden.record(built_reports).splitlines()
             if line.startswith("=== ")}
    built = {p.relative_to(built_reports).as_posix() for p in built_reports.rglob("*")
             if p.suffix in (".html", ".xlsx") and "screenshots" not in p.parts}
    assert built and names == built


def test_workbook_times_come_from_the_data_not_the_clock(built_reports, dataset):
    # 000_…txt is 「2016 주요업무 보고」 (2016-04-26, data/documents.csv): the latest dated
    # document every report cites
    for path in sorted(built_reports.rglob("*.xlsx")):
        with zipfile.ZipFile(path) as z:
            assert {i.date_time for i in z.infolist()} == {(2016, 4, 26, 0, 0, 0)}, path
            core = z.read("docProps/core.xml").decode()
        assert "<dcterms:created xsi:type=\"dcterms:W3CDTF\">2016-04-26T00:00:00Z<" in core, path
        assert "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">2016-04-26T00:00:00Z<" in core, path
    assert epoch.source_time(dataset).isoformat() == "2016-04-26T00:00:00"
    # the program sheet (004_…txt) has no date: a report citing only it takes the latest dated
    # document of the data instead
    assert epoch.source_time(dataset, ["004_6b168251e7e9221a.txt"]).isoformat() == "2016-04-26T00:00:00"


def test_same_tables_give_the_same_bytes(tmp_path, monkeypatch):
    tables = [{"title": "표", "unit": "백만원", "columns": ["부서", "예산"], "rows": [["가", 1]]}]
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    first, second = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    xlsx.write_xlsx(tables, first)
    xlsx.write_xlsx(tables, second)
    assert first.read_bytes() == second.read_bytes()
    # SOURCE_DATE_EPOCH wins, as reproducible-build tools expect: 86400 s = 1970-01-02, below the
    # earliest time a zip can hold, so 1980-01-01; 1461456000 s = 2016-04-24 00:00 UTC
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1461456000")
    xlsx.write_xlsx(tables, first)
    with zipfile.ZipFile(io.BytesIO(first.read_bytes())) as z:
        assert {i.date_time for i in z.infolist()} == {(2016, 4, 24, 0, 0, 0)}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "86400")
    assert epoch.default_time().isoformat() == "1980-01-01T00:00:00"
