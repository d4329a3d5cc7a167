"""A build with nothing changed: proved from file hashes alone, without pandas or the data.

The real notebooks build a plan of two reports (2016/city-brand and the program report, from a
params folder of their own) once per module, in fixed folders. Each test puts that state back
at the same paths (the record of a complete build names its paths), changes one thing, and
checks that the next build takes the full path and builds exactly what it should, and that
the build after it is again a no-change build.
"""
from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from seoulcomm import build, fingerprint, paths

CITY = "2016/city-brand"
PROGRAM = "programs/social-media"
TWO = sorted([CITY, PROGRAM])
PARAMS = """reports:
  - kind: division
    parameters: {division: [city-brand], year: [2016]}
  - kind: program
    parameters: {program: all}
"""


def run(site: Path, **kw) -> build.BuildSummary:
    return build.build(site / "data", site / "out", params_dir=site / "params",
                       notebooks_dir=site / "notebooks", jobs=1, progress="quiet", **kw)


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("fastpath")
    site, saved = root / "site", root / "saved"
    shutil.copytree(paths.DEFAULT_DATA_DIR, site / "data")
    shutil.copytree(paths.NOTEBOOKS_DIR, site / "notebooks",
                    ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    (site / "params").mkdir()
    (site / "params/reports.yaml").write_text(PARAMS, encoding="utf-8")
    first = run(site)
    assert sorted(first.built) == TWO and not first.failed and not first.unchanged
    shutil.copytree(site, saved, symlinks=True)
    return site, saved


@pytest.fixture
def site(pristine) -> Path:
    """The state right after a good build of the two reports, at the module's fixed paths."""
    site, saved = pristine
    shutil.rmtree(site)
    shutil.copytree(saved, site, symlinks=True)
    return site


def cache_of(site: Path) -> dict:
    return json.loads((site / "out" / build.CACHE_FILE).read_text(encoding="utf-8"))


def write_cache(site: Path, cache: dict) -> None:
    (site / "out" / build.CACHE_FILE).write_text(json.dumps(cache), encoding="utf-8")


def test_nothing_changed_is_proved_in_a_fresh_process_without_pandas(site):
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        import seoulcomm.paths as p
        p.PARAMS_DIR = Path({str(site / 'params')!r})
        p.NOTEBOOKS_DIR = Path({str(site / 'notebooks')!r})
        from seoulcomm import cli
        code = cli.main(["build", "--data", {str(site / 'data')!r}, "--out", {str(site / 'out')!r}])
        heavy = sorted(m for m in ("pandas", "pandera", "numpy", "seoulcomm.load", "seoulcomm.engine")
                       if m in sys.modules)
        print("imported:", heavy)
        sys.exit(code)
    """)
    env = {k: v for k, v in os.environ.items() if k != "SEOULCOMM_DATA"}
    env["PYTHONIOENCODING"] = "utf-8"
    before = (site / "out/index.html").read_bytes()
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          encoding="utf-8", env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert "imported: []" in lines
    assert lines[:2] == [f"[1/2] 건너뜀 {CITY} (바뀐 것 없음)", f"[2/2] 건너뜀 {PROGRAM} (바뀐 것 없음)"]
    assert any(line.startswith("보고서 2개: 생성 0, 건너뜀 2, 실패 0 — ") for line in lines)
    assert (site / "out/index.html").read_bytes() == before  # the index is left as it was
    assert json.loads((site / "out/.lock").read_text() or "{}") == {}  # the lock was taken and let go


def test_an_absent_optional_table_still_proves_nothing_changed_and_its_arrival_does_not(site):
    # data/ has no execution_plan.csv (an optional table, catalog.yaml names it): the record of
    # the complete build holds it as absent, so the next build proves nothing changed ...
    assert not (site / "data/execution_plan.csv").exists()
    assert "complete" in cache_of(site)
    assert run(site).unchanged
    # ... and the day it appears (a header only is a valid table) the build takes the full path
    (site / "data/execution_plan.csv").write_text("year,line,month,planned,source\n", encoding="utf-8")
    assert not run(site).unchanged


# --------------------------------------------------------------------------- what one change does

def edit_city_brand_row(site: Path) -> None:
    # 000, 2016년 예산편성 세부내역: 시민주도형 서울브랜드 확산 (도시브랜드담당관), 집행 68 → 69
    path = site / "data/budget_detail.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    head = rows[0]
    line = next(r for r in rows[1:] if r[head.index("unit")] == "city-brand"
                and r[head.index("level")] == "program" and r[head.index("year")] == "2016")
    line[head.index("executed")] = str(int(line[head.index("executed")]) + 1)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8")


def touch_every_data_file(site: Path) -> None:
    for p in (site / "data").iterdir():
        os.utime(p, (p.stat().st_atime + 3600, p.stat().st_mtime + 3600))


# a data file through a symlink is refused (exit 2) before anything is built: test_hostile.py


def append(relative: str, text: str):
    def change(site: Path) -> None:
        with open(site / relative, "a", encoding="utf-8") as fh:
            fh.write(text)
    return change


def drop_the_division_report(site: Path) -> None:
    (site / "params/reports.yaml").write_text(PARAMS.replace(
        "  - kind: division\n    parameters: {division: [city-brand], year: [2016]}\n", ""), encoding="utf-8")


def edit_program_code_cell(site: Path) -> None:
    path = site / "notebooks/program.ipynb"
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = [c for c in nb["cells"] if c["cell_type"] == "code"][-1]
    cell["source"] = "".join(cell["source"]) + "\n_ = 0  # 시험: 코드 한 줄"
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")


def remove(relative: str):
    def change(site: Path) -> None:
        (site / relative).unlink()
    return change


def leftover_temp_file(site: Path) -> None:
    (site / "out/programs/.social-media.html.k2j3h4g5.part").write_text("반쯤", encoding="utf-8")


def tamper(edit):
    def change(site: Path) -> None:
        cache = cache_of(site)
        edit(cache)
        write_cache(site, cache)
    return change


def drop_program_from_the_record_and_its_files(site: Path) -> None:
    # the record and its entries edited together; the program's files gone
    cache = cache_of(site)
    cache["complete"]["reports"].remove(PROGRAM)
    del cache["reports"][PROGRAM]
    write_cache(site, cache)
    (site / f"out/{PROGRAM}.html").unlink()


def add_a_plan(site: Path) -> None:
    # an optional table the data left out, added (2016 세부내역 21행, 도시브랜드담당관's program)
    (site / "data/execution_plan.csv").write_text(
        "year,line,month,planned,source\n2016,21,6,300,시험 계획\n2016,21,12,656,시험 계획\n", encoding="utf-8")


CHANGES = {
    # change: (what to do, reports the next build renders, no-change build after it)
    "a data row": (edit_city_brand_row, [CITY], True),
    "an optional table added": (add_a_plan, [CITY], True),
    "a params comment": (append("params/reports.yaml", "# 시험\n"), [], True),
    "a notebook code cell": (edit_program_code_cell, [PROGRAM], True),
    "a report HTML deleted": (remove(f"out/{CITY}.html"), [CITY], True),
    "a report HTML edited": (append(f"out/{PROGRAM}.html", "<!-- 고침 -->"), [PROGRAM], True),
    "a workbook deleted": (remove(f"out/{PROGRAM}.xlsx"), [PROGRAM], True),
    "index.html deleted": (remove("out/index.html"), [], True),
    "index.html edited": (append("out/index.html", "<!-- 고침 -->"), [], True),
    "a temporary file left": (leftover_temp_file, [], True),
    "the record's key altered": (tamper(lambda c: c["complete"].update(key="0" * 64)), [], True),
    "the record's reports altered": (tamper(lambda c: c["complete"].update(reports=[CITY])), [], True),
    "the record of another shape": (tamper(lambda c: c.update(complete={"key": 5, "reports": "../x"})), [], True),
    "the record and an entry dropped together": (drop_program_from_the_record_and_its_files, [PROGRAM], True),
    "a failure recorded": (tamper(lambda c: c["failures"].update({CITY: {"message": "시험"}})), [CITY], True),
    "the record not JSON": (append(f"out/{build.CACHE_FILE}", "}{"), TWO, True),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_any_change_takes_the_full_path_and_builds_what_it_should(site, change):
    edit, expected, unchanged_after = CHANGES[change]
    edit(site)
    summary = run(site)
    assert not summary.unchanged and not summary.failed
    assert sorted(summary.built) == expected
    assert sorted(summary.built + summary.skipped) == TWO
    for name in TWO:
        assert (site / f"out/{name}.html").is_file() and (site / f"out/{name}.xlsx").is_file()
    assert (site / "out/index.html").is_file()
    assert not list((site / "out").rglob(".*.part"))
    again = run(site)
    assert again.unchanged is unchanged_after
    assert again.built == [] and sorted(again.skipped) == TWO


def test_a_plan_that_drops_a_report_removes_it_and_is_then_unchanged(site):
    drop_the_division_report(site)
    summary = run(site)
    assert not summary.unchanged and summary.built == [] and summary.skipped == [PROGRAM]
    assert not (site / f"out/{CITY}.html").exists()
    assert run(site).unchanged


def test_touched_but_identical_data_files_are_still_unchanged(site):
    touch_every_data_file(site)
    summary = run(site)
    assert summary.unchanged and summary.built == [] and sorted(summary.skipped) == TWO


def test_force_never_takes_the_no_change_path(site):
    summary = run(site, force=True)
    assert not summary.unchanged and sorted(summary.built) == TWO


def test_a_failed_report_is_retried_until_it_builds(site):
    path = site / "notebooks/program.ipynb"
    good = path.read_text(encoding="utf-8")
    nb = json.loads(good)
    at = next(i for i, c in enumerate(nb["cells"]) if "parameters" in c.get("metadata", {}).get("tags", []))
    nb["cells"].insert(at + 1, {"cell_type": "code", "execution_count": None, "metadata": {},
                                "id": "raise-here", "outputs": [], "source": "raise RuntimeError('시험 실패')"})
    path.write_text(json.dumps(nb, ensure_ascii=False, indent=1), encoding="utf-8")
    first = run(site)
    assert [f.name for f in first.failed] == [PROGRAM] and first.skipped == [CITY]
    assert "complete" not in cache_of(site)
    again = run(site)  # nothing changed since, but a failure is recorded: the report runs again
    assert not again.unchanged and [f.name for f in again.failed] == [PROGRAM]
    path.write_text(good, encoding="utf-8")
    fixed = run(site)
    assert not fixed.unchanged and fixed.built == [PROGRAM] and not fixed.failed
    assert run(site).unchanged


def test_versions_are_the_ones_importlib_metadata_gives():
    from importlib import metadata

    found = fingerprint.versions()
    for name in fingerprint.RENDERING_PACKAGES:
        try:
            expected = metadata.version(name)
        except metadata.PackageNotFoundError:
            expected = None
        assert found[name] == expected, name
