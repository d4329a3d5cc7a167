"""A shared folder is hostile ground (issue 26): each attack made for real — a real symlink, a
real FIFO, a real stopped process, a real million-row workbook — under a wall-clock bound (a
run that hangs fails by its subprocess timeout), with ``data/`` compared byte for byte before
and after.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import cli, snapshot_bytes

#: Longest any refused attack may take, end to end [s] (a hang fails the test, it never blocks CI).
BOUND = 300

REFUSED = "일반 파일·폴더 자리에"


@pytest.fixture
def site(tmp_path, data_copy):
    """A data folder (a copy) and an empty output folder beside it."""
    out = tmp_path / "out"
    out.mkdir()
    return data_copy, out


def refused(code, err, path, what):
    assert code == 2, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1, err
    assert REFUSED in lines[0] and str(path) in lines[0] and what in lines[0], err


# --------------------------------------------------------------------------- output folder

def test_a_lock_symlinked_onto_a_data_file_is_refused_and_the_file_kept(site):
    data, out = site
    before = snapshot_bytes(data)
    (out / ".lock").symlink_to(data / "budget_detail.csv")
    code, _, err = cli("build", "--data", data, "--out", out, timeout=BOUND)
    refused(code, err, out / ".lock", "심볼릭 링크")
    assert snapshot_bytes(data) == before
    assert (out / ".lock").is_symlink()


@pytest.mark.parametrize("name", [".cache.json", "index.html", "2016/city-brand.html",
                                  "programs/social-media.xlsx"])
def test_a_fifo_in_the_output_folder_is_refused_without_blocking(site, name):
    data, out = site
    before = snapshot_bytes(data)
    (out / name).parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(out / name)
    code, _, err = cli("build", "--data", data, "--out", out, timeout=BOUND)
    refused(code, err, out / name, "FIFO")
    assert snapshot_bytes(data) == before


def test_a_report_folder_symlinked_into_the_data_folder_is_refused(site):
    data, out = site
    before = snapshot_bytes(data)
    (out / "2016").symlink_to(data, target_is_directory=True)
    code, _, err = cli("build", "--data", data, "--out", out, "--only", "2016/city-brand", timeout=BOUND)
    refused(code, err, out / "2016", "심볼릭 링크")
    assert snapshot_bytes(data) == before


# --------------------------------------------------------------------------- data folder

@pytest.mark.parametrize("command", ["validate", "build"])
@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_a_data_file_that_is_not_a_regular_file_is_refused(site, tmp_path, command, kind):
    data, out = site
    target = data / "settlement.csv"
    if kind == "symlink":
        shutil.move(target, tmp_path / "settlement.csv")
        target.symlink_to(tmp_path / "settlement.csv")  # the same bytes, through a link
    else:
        target.unlink()
        os.mkfifo(target)
    before = snapshot_bytes(data)
    args = ("--out", out) if command == "build" else ()
    code, _, err = cli(command, "--data", data, *args, timeout=BOUND)
    refused(code, err, target, "심볼릭 링크" if kind == "symlink" else "FIFO")
    assert snapshot_bytes(data) == before


# --------------------------------------------------------------------------- import

@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """The shipped data as the workbook ``seoulcomm workbook`` writes."""
    out = tmp_path_factory.mktemp("wb") / "입력.xlsx"
    code, _, err = cli("workbook", "--out", out, timeout=BOUND)
    assert code == 0, err
    return out


@pytest.fixture(scope="session")
def million_rows(tmp_path_factory):
    """A real workbook of 1,000,000 filled rows under the budget detail's header, made
    once per session with openpyxl's write-only mode (a small file that expands to a lot)."""
    from openpyxl import Workbook, load_workbook

    from seoulcomm import load

    path = tmp_path_factory.mktemp("million") / "million.xlsx"
    header = [c.value for c in next(load_workbook(_shipped_workbook(tmp_path_factory), read_only=True)
                                     ["예산편성 세부내역"].iter_rows(max_row=1))]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("예산편성 세부내역")
    ws.append(header)
    row = [2016]  # one filled cell a row: 1,000,000 rows in a file of a few MB
    for _ in range(1_000_000):
        ws.append(row)
    wb.save(path)
    return path


def _shipped_workbook(factory) -> Path:
    out = factory.mktemp("wb-million") / "입력.xlsx"
    code, _, err = cli("workbook", "--out", out, timeout=BOUND)
    assert code == 0, err
    return out


def edited(exported: Path, tmp_path: Path, edit) -> Path:
    from openpyxl import load_workbook

    wb = load_workbook(exported)
    edit(wb)
    out = tmp_path / "고친.xlsx"
    wb.save(out)
    return out


def import_refused(data, book, *needles):
    before = snapshot_bytes(data)
    code, out, err = cli("import", book, "--data", data, timeout=BOUND)
    assert code == 2, (out, err)
    for needle in needles:
        assert needle in err, err
    assert snapshot_bytes(data) == before
    assert not (data / ".seoulcomm-import").exists()
    return err


def test_a_fifo_in_place_of_a_table_is_refused_by_import(data_copy, exported):
    target = data_copy / "settlement.csv"
    target.unlink()
    os.mkfifo(target)
    import_refused(data_copy, exported, REFUSED, str(target), "FIFO")


def test_a_fifo_given_as_the_workbook_is_refused(data_copy, tmp_path):
    fifo = tmp_path / "입력.xlsx"
    os.mkfifo(fifo)
    import_refused(data_copy, fifo, REFUSED, str(fifo), "FIFO")


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_a_hidden_sheet_bearing_a_tables_title_is_refused(data_copy, exported, tmp_path, state):
    def edit(wb):
        visible = wb["사업 개요"]
        visible.title = "사업 개요(옛것)"  # the visible one no longer bears the title
        forged = wb.copy_worksheet(visible)
        forged.title = "사업 개요"
        forged["A2"] = "forged"
        forged.sheet_state = state

    err = import_refused(data_copy, edited(exported, tmp_path, edit), "시트 '사업 개요'", "숨긴")


def test_two_sheets_bearing_one_tables_title_are_refused(data_copy, exported, tmp_path):
    def edit(wb):
        forged = wb.copy_worksheet(wb["사업 개요"])
        forged.title = "사업 개요 "  # the same title to Excel's eye, a trailing space apart
        forged.sheet_state = "veryHidden"

    import_refused(data_copy, edited(exported, tmp_path, edit), "시트가 여럿입니다", "veryHidden")


@pytest.mark.parametrize("error", ["#REF!", "#N/A", "#DIV/0!"])
def test_an_excel_error_value_is_refused_naming_its_cell(data_copy, exported, tmp_path, error):
    def edit(wb):
        cell = wb["사업 개요"]["A2"]
        cell.value = error
        cell.data_type = "e"

    err = import_refused(data_copy, edited(exported, tmp_path, edit), "시트 '사업 개요', A2", "엑셀 오류 값", error)
    # one message for the cell: not the error value and then "값이 있어야 합니다" again
    assert err.count("A2") == 1 and "빈칸 불가" not in err, err


def test_a_duplicated_column_is_refused_naming_both_cells(data_copy, exported, tmp_path):
    def edit(wb):
        ws = wb["사업 개요"]
        last = ws.max_column + 1
        for row in range(1, ws.max_row + 1):
            ws.cell(row=row, column=last, value=ws.cell(row=row, column=2).value)
        ws.cell(row=2, column=last, value="고친 이름")  # the second copy, edited

    import_refused(data_copy, edited(exported, tmp_path, edit), "같은 열이 두 번", "B1")


def test_a_million_row_workbook_is_refused_at_the_row_limit_in_bounded_memory(data_copy, million_rows):
    import resource
    import subprocess
    import sys

    from seoulcomm import load

    def limit():  # 3 GB of address space: the unbounded import grew past 5 GB
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    before = snapshot_bytes(data_copy)
    proc = subprocess.run([sys.executable, "-m", "seoulcomm", "import", str(million_rows), "--data", str(data_copy)],
                          capture_output=True, text=True, timeout=BOUND, preexec_fn=limit)
    assert proc.returncode == 2, proc.stderr
    # streamed: the sheet's first rows already say what is wrong, and the rest is never read
    assert "시트 '예산편성 세부내역', C2" in proc.stderr and "… 외" in proc.stderr, proc.stderr
    assert "MemoryError" not in proc.stderr and "Traceback" not in proc.stderr
    assert snapshot_bytes(data_copy) == before


ROW_LIMIT = """
import sys
from seoulcomm import cli, load
load.MAX_ROWS = int(sys.argv[3])  # the limit met early in the sheet: nothing after it is read
sys.exit(cli.main(["import", sys.argv[1], "--data", sys.argv[2]]))
"""


def test_the_row_limit_is_met_as_the_sheet_streams(data_copy, exported):
    import subprocess
    import sys

    before = snapshot_bytes(data_copy)
    proc = subprocess.run([sys.executable, "-c", ROW_LIMIT, str(exported), str(data_copy), "3"],
                          capture_output=True, text=True, timeout=BOUND)
    assert proc.returncode == 2, proc.stderr
    # 조직 has 6 rows under its header: the 4th (sheet row 5) is past a limit of 3
    assert "3행 이하" in proc.stderr and "시트 '조직', 5행" in proc.stderr, proc.stderr
    assert snapshot_bytes(data_copy) == before


def test_a_wide_sheet_is_refused_at_the_column_limit(data_copy, exported, tmp_path):
    from seoulcomm import workbook

    def edit(wb):
        wb["사업 개요"].cell(row=2, column=workbook.MAX_COLUMNS + 5, value="멀리")

    import_refused(data_copy, edited(exported, tmp_path, edit), f"{workbook.MAX_COLUMNS}개", "사업 개요")


KILL_AFTER_FIRST_RENAME = """
import os, signal, sys
from seoulcomm import cli, datastore
real = os.replace
moved = []
def replace(a, b):
    real(a, b)
    if str(b).endswith(".csv"):
        moved.append(b)
        os.kill(os.getpid(), signal.SIGKILL)  # killed after its first switch of a table
datastore.os.replace = replace
sys.exit(cli.main(["import", sys.argv[1], "--data", sys.argv[2]]))
"""


def test_an_import_killed_after_its_first_rename_is_completed_by_the_next_command(data_copy, exported, tmp_path):
    import subprocess
    import sys

    def edit(wb):
        wb["사업 개요"]["B2"] = wb["사업 개요"]["B2"].value + " (고침)"
        ws = wb["결산"] if "결산" in wb.sheetnames else None
        first = wb["조직"]
        first["E3"] = first["E3"].value + "실"

    book = edited(exported, tmp_path, edit)
    before = snapshot_bytes(data_copy)
    proc = subprocess.run([sys.executable, "-c", KILL_AFTER_FIRST_RENAME, str(book), str(data_copy)],
                          capture_output=True, text=True, timeout=BOUND)
    assert proc.returncode == -9, proc.stderr
    half = snapshot_bytes(data_copy)
    changed = {k for k in before if half.get(k) != before[k] and not k.startswith(".seoulcomm-import")}
    assert len(changed) == 1  # one table new, the other old: the state the attack found
    code, out, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 0, err
    after = snapshot_bytes(data_copy)
    assert not (data_copy / ".seoulcomm-import").exists()
    assert {k for k in before if after[k] != before[k]} == {"organisation.csv", "program.csv"}
    assert "(고침)" in (data_copy / "program.csv").read_text(encoding="utf-8")
    # and a second import of the same workbook finds nothing to change
    code, out, err = cli("import", book, "--data", data_copy, timeout=BOUND)
    assert code == 0 and "바뀐 표가 없어" in out, err


def test_an_import_killed_before_its_commit_is_rolled_back_by_the_next_command(data_copy):
    from seoulcomm import datastore

    before = snapshot_bytes(data_copy)
    stage = data_copy / datastore.STAGE_DIR
    stage.mkdir()
    (stage / "program.csv").write_text("half", encoding="utf-8")  # staged, never committed
    (data_copy / ".program.csv.abcd1234.tmp").write_text("old", encoding="utf-8")  # an older version's temp
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 0, err
    assert not stage.exists() and not (data_copy / ".program.csv.abcd1234.tmp").exists()
    assert snapshot_bytes(data_copy) == {k: v for k, v in before.items()}


# --------------------------------------------------------------------------- names

def _edit_csv(path: Path, edit) -> None:
    import csv
    import io

    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    edit(rows[0], rows[1:])
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(rows)
    path.write_text(text.getvalue(), encoding="utf-8")


def _set(unit: str, column: str, value: str):
    def edit(head, rows):
        row = next(r for r in rows if r[head.index("unit")] == unit)
        row[head.index(column)] = value
    return edit


@pytest.mark.parametrize("column, value, other", [
    ("short_ko", "city-brand", "5행의 'unit'"),             # a short name equal to another's slug
    ("short_ko", "CITY-BRAND", "5행의 'unit'"),             # case folded
    ("name_ko", "도시브랜드담당관", "5행의 'name_ko'"),        # another's name
    ("short_ko", __import__("unicodedata").normalize("NFD", "도시브랜드"), "5행의 'short_ko'"),  # decomposed
    ("short_ko", "ｃｉｔｙ－ｂｒａｎｄ", "5행의 'unit'"),    # full-width
    ("name_en", "City  Brand Division", "5행의 'name_en'"),  # spaced otherwise
])
def test_a_name_another_division_bears_is_refused_naming_both_rows(data_copy, column, value, other):
    before = snapshot_bytes(data_copy)
    _edit_csv(data_copy / "organisation.csv", _set("civil-service", column, value))
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 2, err
    assert "organisation.csv, 6행" in err and f"'{column}'" in err and other in err, err


def test_a_slug_outside_ascii_is_refused(data_copy):
    _edit_csv(data_copy / "organisation.csv", _set("seoul", "unit", "ｓｅｏｕｌ"))  # full-width letters
    _edit_csv(data_copy / "organisation.csv", lambda head, rows: [
        r.__setitem__(head.index("parent"), "ｓｅｏｕｌ") for r in rows if r[head.index("parent")] == "seoul"])
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 2 and "organisation.csv, 2행, 'unit' 열" in err and "영문 소문자" in err, err


# --------------------------------------------------------------------------- header and cell size

def test_a_60000_column_header_is_refused_in_one_message(data_copy):
    path = data_copy / "settlement.csv"
    path.write_text(",".join(f"열{i}" for i in range(60_000)) + "\n" + ",".join("1" * 60_000) + "\n",
                    encoding="utf-8")
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 2, err
    assert "settlement.csv, 1행" in err and "열 60,000개" in err and "256개 이하" in err, err
    assert len(err.splitlines()) == 1


def test_a_10_mb_cell_is_refused_for_its_size(data_copy):
    def edit(head, rows):
        rows[0][head.index("name_ko")] = "가" * 10_000_000
    _edit_csv(data_copy / "program.csv", edit)
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 2, err
    assert "program.csv, 2행" in err and "32,767자 이하" in err and "따옴표" not in err, err


# --------------------------------------------------------------------------- CSV for Excel, warnings

def test_audit_csv_escapes_formula_leading_text(data_copy):
    import csv
    import io

    def edit(head, rows):
        row = next(r for r in rows if r[head.index("level")] == "office")
        row[head.index("name")] = '=HYPERLINK("http://x","y")'
    _edit_csv(data_copy / "budget_detail.csv", edit)
    code, out, err = cli("audit", "--data", data_copy, "--format", "csv", "--all", timeout=BOUND)
    assert code == 0, err
    records = list(csv.DictReader(io.StringIO(out)))
    items = [r["item"] for r in records if "HYPERLINK" in r["item"]]
    assert items and all(i.startswith("'=HYPERLINK") for i in items)
    for record in records:  # no text field of any row opens as a formula
        for value in record.values():
            assert not value.startswith(("=", "+", "@")), value
            if value.startswith("-"):
                float(value)  # a negative number, never text


def test_a_base_of_zero_prints_no_raw_warning(data_copy):
    def edit(head, rows):
        for row in rows:
            if row[head.index("level")] == "division":
                for column in ("budget", "carryover", "available", "executed", "balance"):
                    row[head.index(column)] = "0"
    _edit_csv(data_copy / "budget_detail.csv", edit)
    for command in ("validate", "audit"):
        code, out, err = cli(command, "--data", data_copy, timeout=BOUND)
        assert code == 0, err
        assert "Warning" not in err and "Warning" not in out, err


def test_the_rate_tolerance_on_a_base_of_zero_is_nan_without_a_warning():
    import warnings

    import numpy as np

    from seoulcomm import audit

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tol = audit._rate_tolerance(np.array([0.0, 50.0]), np.array([0.0, 100.0]), 0.5, 0.5, np.array([1, 1]))
    assert np.isnan(tol[0])  # 0 of 0: no rate, so no tolerance
    # 50±0.5 over 100±0.5: the widest is 50.5/99.5 = 50.7538 % against 50 %, plus half a 0.1
    assert tol[1] == pytest.approx((50.5 / 99.5 * 100 - 50) + 0.05)


# --------------------------------------------------------------------------- one data version, deadlines

def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def _popen_build(data, out, *args):
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "SEOULCOMM_DATA"}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.Popen([sys.executable, "-m", "seoulcomm", "build", "--data", str(data), "--out", str(out),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", env=env)


def test_data_changed_during_a_build_is_said_and_nothing_is_recorded_as_current(site):
    import json
    import threading

    data, out = site
    org = data / "organisation.csv"
    original = org.read_bytes()
    changed = original.replace("시민소통기획관,Citizen".encode(), "시민소통기획관바뀜,Citizen".encode())
    assert changed != original
    proc = _popen_build(data, out, "--jobs", "1", "--only", "2016/*")
    timer = threading.Timer(600, proc.kill)  # a hang fails, never blocks
    timer.start()
    try:
        first = proc.stdout.readline()  # "[1/n] 생성 …": the build is past its data, mid-way
        assert "생성" in first, first
        org.write_bytes(changed)  # an import racing the build
        stdout, stderr = proc.communicate()
    finally:
        timer.cancel()
    assert proc.returncode == 1, stderr
    assert "데이터 폴더가 바뀌었습니다(organisation.csv)" in stderr
    cache = json.loads((out / ".cache.json").read_text(encoding="utf-8"))
    assert "complete" not in cache and not cache["reports"]  # nothing recorded as current
    pages = [p.read_text(encoding="utf-8") for p in (out / "2016").glob("*.html")]
    assert len(pages) >= 5 and not any("시민소통기획관바뀜" in p for p in pages)  # one data version: the first
    # the data reverted (git checkout data/): the next build rebuilds, it takes no shortcut
    org.write_bytes(original)
    code, stdout, err = cli("build", "--data", data, "--out", out, "--only", "2016/*", timeout=600)
    assert code == 0 and "건너뜀 0" in stdout, stdout + err


def test_a_stopped_data_helper_is_killed_at_its_deadline_and_the_build_goes_on(site):
    import signal
    import threading
    import time

    data, out = site
    before = snapshot_bytes(data)
    proc = _popen_build(data, out, "--jobs", "1", "--only", "programs/*", "--load-timeout", "3")
    timer = threading.Timer(600, proc.kill)
    timer.start()
    try:
        helper = None
        deadline = time.monotonic() + 120
        while helper is None and proc.poll() is None and time.monotonic() < deadline:
            kids = _children(proc.pid)
            if kids:
                helper = kids[0]
                os.kill(helper, signal.SIGSTOP)  # the data helper, stopped as it loads
            time.sleep(0.001)
        stdout, stderr = proc.communicate()
    finally:
        timer.cancel()
    assert helper is not None
    assert proc.returncode == 0, stderr
    assert "보조 프로세스가 3초 안에 끝나지 않아" in stderr and "--load-timeout" in stderr
    assert not Path(f"/proc/{helper}").exists() or "Z" in Path(f"/proc/{helper}/stat").read_text().split()[2]
    assert (out / "programs/social-media.html").is_file()
    assert snapshot_bytes(data) == before


STOP_AFTER_RESULT = """
import os, signal, sys
from seoulcomm import procs

def target(report, notify):
    real = os._exit
    def stopped(code):  # the process has sent its result: it stops before it can exit
        os.kill(os.getpid(), signal.SIGSTOP)
        real(code)
    os._exit = stopped
    return {"name": report, "output": report, "ok": True}

sup = procs.Supervisor(target, jobs=2, report_timeout=600)
seen = []
sup.run([("a", "a"), ("b", "b")], lambda key, report, result: seen.append((key, result.get("ok"))))
print(sorted(seen))
"""


def test_a_report_process_stopped_after_sending_its_result_holds_nothing():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", STOP_AFTER_RESULT], capture_output=True, text=True,
                          timeout=BOUND)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[('a', True), ('b', True)]"


STOP_WHILE_SENDING = """
import os, signal
from seoulcomm import procs

procs.RESULT_TRANSIT = 3.0  # a result half sent, then nothing for 3 s: that report fails

def target(report, notify):
    if report == "b":
        pipe = notify.__closure__[0].cell_contents  # the pipe its result goes through
        pipe.write(b'R {"name": "b", "output": "b", "o')
        os.kill(os.getpid(), signal.SIGSTOP)  # stopped in the middle of sending
    return {"name": report, "output": report, "ok": True}

sup = procs.Supervisor(target, jobs=2, report_timeout=600)
seen = []
sup.run([("a", "a"), ("b", "b")], lambda key, report, result: seen.append(
    (key, result.get("ok", False), result.get("error", {}).get("ename"))))
print(sorted(seen))  # without the transit deadline, b waits for its 600 s report deadline
"""


def test_a_report_process_stopped_while_sending_its_result_fails_in_bounded_time():
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", STOP_WHILE_SENDING], capture_output=True, text=True,
                          timeout=BOUND)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[('a', True, None), ('b', False, 'ReportTimeoutError')]", proc.stdout


def test_a_hung_chromium_fails_its_pdf_at_the_deadline_and_the_others_print(tmp_path):
    from seoulcomm import pdf

    good = tmp_path / "good.html"
    good.write_text("<html><body><h1>보고서</h1></body></html>", encoding="utf-8")
    hung = tmp_path / "hung.html"
    hung.write_text("<html><body><script>while (true) {}</script></body></html>", encoding="utf-8")
    pages = [("good", good, tmp_path / "good.pdf"), ("hung", hung, tmp_path / "hung.pdf"),
             ("good2", good, tmp_path / "good2.pdf")]
    results = dict(pdf.print_many(pages, jobs=2, timeout=20))
    assert results["good"] is None and results["good2"] is None
    assert (tmp_path / "good.pdf").read_bytes().startswith(b"%PDF-")
    assert isinstance(results["hung"], pdf.PdfError) and "--pdf-timeout" in str(results["hung"])
    assert not (tmp_path / "hung.pdf").exists()


@pytest.mark.parametrize("option", ["--pdf-timeout", "--load-timeout"])
def test_the_new_deadlines_are_checked_on_the_command_line(option, tmp_path):
    code, _, err = cli("build", "--out", tmp_path / "out", option, "0", timeout=BOUND)
    assert code == 2 and option in err, err


def test_a_fifo_among_the_temporary_folders_json_files_holds_no_build(tmp_path):
    import subprocess
    import sys

    os.mkfifo(tmp_path / "kernel-planted.json")  # anyone may write in /tmp
    (tmp_path / "kernel-link.json").symlink_to("/dev/zero")
    code = f"from seoulcomm import outdir; print(outdir.remove_dead_kernel_files({str(tmp_path)!r}))"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=BOUND)
    assert proc.returncode == 0 and proc.stdout.strip() == "[]", proc.stderr
    assert (tmp_path / "kernel-planted.json").exists()  # not ours: left as it is


# --------------------------------------------------------------------------- more of each class

@pytest.mark.parametrize("command", ["validate", "audit", "build", "import"])
def test_a_symlink_in_place_of_the_data_folder_is_refused(site, tmp_path, exported, command):
    data, out = site
    link = tmp_path / "shared-data"
    link.symlink_to(data, target_is_directory=True)  # what an attacker puts where data/ was
    before = snapshot_bytes(data)
    args = {"build": ("--out", out, "--only", "2016/city-brand"), "import": ()}.get(command, ())
    first = (command, exported) if command == "import" else (command,)
    code, _, err = cli(*first, "--data", link, *args, timeout=BOUND)
    refused(code, err, link, "심볼릭 링크")
    assert snapshot_bytes(data) == before and not any(out.iterdir())


@pytest.mark.parametrize("kind", ["fifo", "device link"])
@pytest.mark.parametrize("name", ["catalog.yaml", "budget_detail.csv", "budget_versions.csv"])
def test_audit_refuses_a_special_file_among_the_data(data_copy, name, kind):
    target = data_copy / name  # budget_versions.csv: an optional table, absent from the shipped data
    target.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")  # endless bytes behind a link
    before = snapshot_bytes(data_copy)
    code, _, err = cli("audit", "--data", data_copy, timeout=BOUND)
    refused(code, err, target, "FIFO" if kind == "fifo" else "심볼릭 링크")
    assert snapshot_bytes(data_copy) == before


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_given_as_the_workbook_is_refused(data_copy, device):
    before = snapshot_bytes(data_copy)
    code, _, err = cli("import", device, "--data", data_copy, timeout=BOUND)
    refused(code, err, device, "장치 파일")
    assert snapshot_bytes(data_copy) == before


@pytest.mark.parametrize("kind", ["symlink", "fifo"])
def test_the_workbook_is_never_written_through_a_link_or_into_a_fifo(tmp_path, kind):
    victim = tmp_path / "victim.xlsx"
    victim.write_bytes(b"not ours")
    out = tmp_path / "shared.xlsx"
    if kind == "symlink":
        out.symlink_to(victim)
    else:
        os.mkfifo(out)
    code, _, err = cli("workbook", "--out", out, timeout=BOUND)
    refused(code, err, out, "심볼릭 링크" if kind == "symlink" else "FIFO")
    assert victim.read_bytes() == b"not ours"


def test_planted_column_cache_entries_and_a_linked_cache_folder_hold_nothing(data_copy, tmp_path):
    """The column cache ($SEOULCOMM_CACHE) is outside data/ but shared ground too: a FIFO or a
    link to /dev/zero in place of an entry is removed and the table read from its CSV; a cache
    folder that is a link is not used (nothing written through it)."""
    import subprocess
    import sys

    cache = tmp_path / "cache"
    env = {**os.environ, "SEOULCOMM_CACHE": str(cache), "PYTHONIOENCODING": "utf-8"}
    env.pop("SEOULCOMM_DATA", None)

    def validate(environment):
        return subprocess.run([sys.executable, "-m", "seoulcomm", "validate", "--data", str(data_copy)],
                              capture_output=True, text=True, env=environment, timeout=BOUND)

    first = validate(env)
    assert first.returncode == 0, first.stderr
    entries = sorted(p for p in cache.iterdir() if p.suffix == ".parquet")
    assert len(entries) > 4
    for i, entry in enumerate(entries[:4]):
        entry.unlink()
        if i % 2:
            entry.symlink_to("/dev/zero")
        else:
            os.mkfifo(entry)
    again = validate(env)
    assert again.returncode == 0 and again.stdout == first.stdout, again.stderr
    assert all(p.is_file() and not p.is_symlink() for p in entries[:4])  # read from the CSV and kept anew

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    link = tmp_path / "cache-link"
    link.symlink_to(elsewhere, target_is_directory=True)
    linked = validate({**env, "SEOULCOMM_CACHE": str(link)})
    assert linked.returncode == 0 and linked.stdout == first.stdout, linked.stderr
    assert list(elsewhere.iterdir()) == []


RENAMES = "unit,change,year,name_ko,short_ko,detail_program,to,source\n"


@pytest.mark.parametrize("row, column, other", [
    # renamed to another division's name, slug (as a short name, in capitals) or short name
    ("new-media,renamed,2017,도시브랜드담당관,디지털소통,,,x.txt", "name_ko", "unit 'city-brand' 행의 'name_ko'"),
    ("new-media,renamed,2017,디지털소통담당관,CITY-BRAND,,,x.txt", "short_ko", "unit 'city-brand' 행의 'unit'"),
    ("new-media,renamed,2017,디지털소통담당관,시민 소통,,,x.txt", "short_ko",
     "unit 'citizen-communication' 행의 'short_ko'"),
])
def test_a_rename_to_a_name_another_division_bears_is_refused_naming_both_rows(data_copy, row, column, other):
    (data_copy / "organisation_history.csv").write_text(RENAMES + row + "\n", encoding="utf-8")
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 2, err
    assert "organisation_history.csv, 2행" in err and f"'{column}' 열" in err and other in err, err


def test_two_renames_to_one_name_are_refused_and_a_rename_within_one_division_is_not(data_copy):
    history = data_copy / "organisation_history.csv"
    history.write_text(RENAMES + "new-media,renamed,2017,디지털소통담당관,디지털소통,,,x.txt\n"
                       "city-brand,renamed,2017,디지털 소통담당관,브랜드,,,x.txt\n", encoding="utf-8")
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 2 and "organisation_history.csv, 3행" in err and "2행의 'name_ko'" in err, err
    # README's reorganisation: a division renamed to a new slug keeps its names (one lineage)
    history.write_text(RENAMES + "new-media,renamed,2017,디지털소통담당관,디지털소통,,,x.txt\n"
                       "new-media,renamed,2018,뉴미디어담당관,뉴미디어,,,x.txt\n", encoding="utf-8")
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 0, err


def test_audit_holds_when_every_available_budget_is_zero(data_copy):
    def zero(*columns):
        def edit(head, rows):
            for row in rows:
                for column in columns:
                    row[head.index(column)] = "0"
        return edit
    _edit_csv(data_copy / "budget_detail.csv", zero("budget", "carryover", "available", "executed", "balance"))
    _edit_csv(data_copy / "execution_division.csv", zero("budget", "executed", "balance"))
    for fmt in ("table", "csv"):
        code, out, err = cli("audit", "--data", data_copy, "--format", fmt, timeout=BOUND)
        assert code == 0, err
        assert "Traceback" not in err and "Warning" not in err and "Warning" not in out, err
    assert "discrepancy" in out  # the stated totals no longer match zero lines: said, not crashed


STOP_CHROMIUM = """
import os, signal, sys, threading, time
from pathlib import Path
from seoulcomm import pdf

me = os.getpid()
stopped = []

def stop_browsers():  # a real Chromium, stopped by SIGSTOP as soon as it runs
    while not stopped:
        for proc in Path("/proc").iterdir():
            try:
                if proc.name.isdigit() and int((proc / "stat").read_text().split(") ")[1].split()[1]) == me \
                        and "chrom" in (proc / "comm").read_text():  # after its exec, not between
                    os.kill(int(proc.name), signal.SIGSTOP)
                    stopped.append(int(proc.name))
            except (OSError, IndexError, ValueError):
                pass
        time.sleep(0.05)

threading.Thread(target=stop_browsers, daemon=True).start()
page = Path(sys.argv[1])
try:
    pdf.print_pdf(page, page.with_suffix(".pdf"), timeout=float(sys.argv[2]))
except pdf.PdfError as exc:
    print("refused:", exc)
print("stopped:", len(stopped))
"""


def test_a_stopped_chromium_fails_its_pdf_at_the_deadline(tmp_path):
    import subprocess
    import sys

    page = tmp_path / "page.html"
    page.write_text("<html><body><h1>보고서</h1></body></html>", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", STOP_CHROMIUM, str(page), "15"], capture_output=True,
                          text=True, timeout=BOUND)
    assert proc.returncode == 0, proc.stderr
    assert "refused:" in proc.stdout and "--pdf-timeout" in proc.stdout and "stopped: 1" in proc.stdout, proc.stdout
    assert not (tmp_path / "page.pdf").exists()


def test_an_import_killed_at_any_moment_leaves_no_temporary_files_and_one_data_version(data_copy, exported, tmp_path):
    """SIGKILL while import runs (it reads, checks in a staging folder beside the data, then
    switches): the next command finishes or undoes it, nothing is left in the temporary folder
    or beside the data, and the data is all old or all new."""
    import subprocess
    import sys
    import time

    from openpyxl import load_workbook

    wb = load_workbook(exported)
    wb["사업 개요"]["B2"] = wb["사업 개요"]["B2"].value + " (고침)"
    wb["조직"]["E3"] = wb["조직"]["E3"].value + "실"
    book = tmp_path / "고친.xlsx"
    wb.save(book)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONIOENCODING": "utf-8"}
    env.pop("SEOULCOMM_DATA", None)
    before = snapshot_bytes(data_copy)
    for delay in (0.5, 1.5, 3.0):
        proc = subprocess.Popen([sys.executable, "-m", "seoulcomm", "import", str(book), "--data", str(data_copy)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.kill()
        proc.wait(timeout=BOUND)
        code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
        assert code == 0, err
        now = snapshot_bytes(data_copy)
        assert set(now) == set(before)  # no staging folder, no temporary file beside the data
        changed = {k for k in before if now[k] != before[k]}
        assert changed in (set(), {"organisation.csv", "program.csv"}), changed
        assert list(scratch.iterdir()) == []
        for name in changed:  # back to the old version for the next round
            (data_copy / name).write_bytes(before[name])


PARAMS_FIFO = """
import sys
from seoulcomm import build
from seoulcomm.errors import UnsafeFileError
try:
    build.build(sys.argv[1], sys.argv[2], params_dir=sys.argv[3], progress="quiet")
except UnsafeFileError as exc:
    print("refused:", exc)
"""


def test_a_fifo_among_the_report_lists_is_refused_without_blocking(site, tmp_path):
    import subprocess
    import sys

    from seoulcomm import paths

    data, out = site
    params = tmp_path / "params"
    shutil.copytree(paths.PARAMS_DIR, params)
    os.mkfifo(params / "zz-shared.yaml")  # params/*.yaml are all read
    before = snapshot_bytes(data)
    proc = subprocess.run([sys.executable, "-c", PARAMS_FIFO, str(data), str(out), str(params)],
                          capture_output=True, text=True, timeout=BOUND)
    assert proc.returncode == 0, proc.stderr
    assert "refused:" in proc.stdout and "zz-shared.yaml" in proc.stdout and "FIFO" in proc.stdout, proc.stdout
    assert snapshot_bytes(data) == before and not (out / "index.html").exists()


@pytest.mark.parametrize("name", ["general_notes.csv", "budget_detail.csv"])  # row by row; Arrow (>= 1 MB)
def test_a_huge_line_without_a_newline_is_refused_in_one_located_message(data_copy, name):
    path = data_copy / name
    with open(path, "ab") as fh:
        fh.write(b"x" * 20_000_000)  # 20 MB on the last line, never ended
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 2, err
    lines = [l for l in err.splitlines() if l.strip()]
    assert len(lines) == 1 and f"{name}, " in lines[0] and "32,767자 이하" in lines[0], err


@pytest.mark.parametrize("table, row_edit", [
    ("organisation.csv", ("civil-service", "short_ko", "Brief")),  # --only 2016/brief picked it too
    ("organisation.csv", ("civil-service", "name_en", "ＩＮＤＥＸ")),
    ("organisation_history.csv", "new-media,renamed,2017,디지털소통담당관,programs,,,x.txt"),
])
def test_a_name_the_output_layout_uses_is_refused(data_copy, table, row_edit):
    if table == "organisation.csv":
        _edit_csv(data_copy / table, _set(*row_edit))
    else:
        (data_copy / table).write_text(RENAMES + row_edit + "\n", encoding="utf-8")
    code, _, err = cli("validate", "--data", data_copy, timeout=BOUND)
    assert code == 2 and f"{table}, " in err and "보고서 목록이 쓰는 이름" in err, err


def test_a_stopped_aside_process_holds_no_build(tmp_path):
    """The index's monitoring view is computed in a process forked beside the reports
    (seoulcomm/aside.py); stopped by a real SIGSTOP, it is killed at its deadline and the
    answer computed in the build's own process."""
    import signal
    import subprocess
    import sys

    script = """
import os, signal, time
from seoulcomm import aside
here = os.getpid()
job = aside.start(lambda: (time.sleep(2), os.getpid())[1])  # still at work when stopped
os.kill(job.pid, signal.SIGSTOP)
pid = job.pid
print(job.result(timeout=3) == here, job.late, job.pid is None)
os.kill(pid, 0)  # reaped: no such process
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=BOUND)
    assert proc.stdout.strip() == "True True True", (proc.stdout, proc.stderr)
    assert "ProcessLookupError" in proc.stderr  # killed and reaped, not left stopped
