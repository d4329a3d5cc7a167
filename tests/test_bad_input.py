"""Bad input (issue 2): one located message, exit 2, no traceback, and data left untouched.

Each case breaks a fresh copy of ``data/`` in one way and runs ``seoulcomm validate --data
<copy>`` as a subprocess. The message on stderr must name the file, the line, the column, the
value and what was expected (where each applies); the exit code must be 2; nothing may have
changed under the data folder. The same cases through the Python API raise
:class:`seoulcomm.DataError` with those attributes.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import pytest

from seoulcomm import DataError, SeoulcommError, load_all
from seoulcomm.schema import TABLES


# --- ways to break a data folder ---------------------------------------------------------

def line_of(path: Path, needle: str) -> int:
    """1-based number of the first line of ``path`` that contains ``needle``."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(path: Path, text: str) -> None:
    with path.open("a", encoding="utf-8") as fh:
        fh.write(text)


def drop_column(path: Path, column: str) -> None:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    i = rows[0].index(column)
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([r[:i] + r[i + 1:] for r in rows])
    path.write_text(buf.getvalue(), encoding="utf-8")


@dataclass
class Case:
    """A way to break the data, and what the message must then say."""

    file: str                                  # the file the message must name
    breaks: Callable[[Path], None]             # breaks the copied data folder
    expected: list[str]                        # what was expected, in the message's words
    line: int | Callable[[Path], int] | None = None
    column: str | None = None
    value: str | None = None
    also: list[str] = field(default_factory=list)  # more text the message must hold

    def line_in(self, folder: Path) -> int | None:
        return self.line(folder) if callable(self.line) else self.line


def _detail_line(number: int) -> Callable[[Path], int]:
    """The file line of the budget_detail row whose ``line`` column is ``number``."""
    def find(folder: Path) -> int:
        with (folder / "budget_detail.csv").open(encoding="utf-8", newline="") as fh:
            for i, row in enumerate(csv.reader(fh), start=1):   # no cell spans lines
                if len(row) > 2 and row[2] == str(number):
                    return i
        raise AssertionError(f"budget_detail line {number} not found")
    return find


CASES = {
    # --- files ---------------------------------------------------------------------------
    "missing file": Case(
        "settlement.csv", lambda d: (d / "settlement.csv").unlink(), ["파일 없음"]),
    "missing catalog": Case(
        "catalog.yaml", lambda d: (d / "catalog.yaml").unlink(), ["파일 없음"]),
    "empty file": Case(
        "schedule.csv", lambda d: (d / "schedule.csv").write_bytes(b""), ["빈 파일"]),
    "blank file": Case(
        "schedule.csv", lambda d: (d / "schedule.csv").write_text(" \n\n", encoding="utf-8"),
        ["빈 파일"]),
    "header only": Case(
        "schedule.csv",
        lambda d: (d / "schedule.csv").write_text(
            (d / "schedule.csv").read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8"),
        ["자료 없음"], line=2),
    "cp949 instead of utf-8": Case(
        # the header is ASCII; the first Korean text ('총계') is on line 2
        "staffing.csv",
        lambda d: (d / "staffing.csv").write_bytes(
            (d / "staffing.csv").read_text(encoding="utf-8").encode("cp949")),
        ["UTF-8", "CP949"], line=2),
    # --- columns ---------------------------------------------------------------------------
    "missing column": Case(
        "budget_detail.csv", lambda d: drop_column(d / "budget_detail.csv", "carryover"),
        ["'carryover' 열이 있어야 합니다", "필요한 열"], line=1, column="carryover"),
    "misspelt column": Case(
        "budget_detail.csv", lambda d: replace(d / "budget_detail.csv", ",executed,", ",excuted,"),
        ["'executed' 열이 있어야 합니다", "'excuted'(오타?)"], line=1, column="executed",
        value="excuted"),
    "unknown extra column": Case(
        "settlement.csv",
        lambda d: replace(d / "settlement.csv", "balance,source", "balance,memo,source"),
        ["알 수 없는 열"], line=1, column="memo", value="memo"),
    # --- cells -----------------------------------------------------------------------------
    "non-numeric amount": Case(
        # 000 세부내역 7행 소통관리 및 시정정보제공: 집행액 751 typed with a letter l
        "budget_detail.csv",
        lambda d: replace(d / "budget_detail.csv", ',"2,607",751,', ',"2,607",75l,'),
        ["정수 금액"], line=_detail_line(7), column="executed", value="75l"),
    "fractional amount": Case(
        "budget_detail.csv",
        lambda d: replace(d / "budget_detail.csv", ',"2,607",751,', ',"2,607",751.5,'),
        ["정수 금액"], line=_detail_line(7), column="executed", value="751.5"),
    "negative amount": Case(
        # 004 5 결산 2013 집행액 258,187 written as △258,187
        "settlement.csv", lambda d: replace(d / "settlement.csv", '"258,187"', '"△258,187"'),
        ["0 이상"], line=lambda d: line_of(d / "settlement.csv", "social-media,2013,"),
        column="executed", value="△258,187"),
    "negative head count": Case(
        "staffing.csv",
        lambda d: replace(d / "staffing.csv", "office,총계,총계,128,136", "office,총계,총계,-128,136"),
        ["0 이상"], line=lambda d: line_of(d / "staffing.csv", "office,총계,총계"),
        column="authorized", value="-128"),
    "amount too large for its unit": Case(
        "budget_division.csv",
        lambda d: replace(d / "budget_division.csv", '"2,960"', '"9,999,999,999,999"'),
        ["너무 큼", "백만원"], line=lambda d: line_of(d / "budget_division.csv", "city-brand"),
        column="budget", value="9,999,999,999,999"),
    "stated total not a number": Case(
        # 000 Ⅰ-3 <부서별> 계 40,828 written in words
        "budget_division.csv",
        lambda d: replace(d / "budget_division.csv", '2016,office,"40,828"', "2016,office,사만팔백이십팔"),
        ["정수 금액"], line=lambda d: line_of(d / "budget_division.csv", "2016,office,"),
        column="budget", value="사만팔백이십팔"),
    "stated share not a number": Case(
        "budget_division.csv",
        lambda d: replace(d / "budget_division.csv", "100.0%", "n/a"),
        ["숫자 또는 백분율"], line=lambda d: line_of(d / "budget_division.csv", "2016,office,"),
        column="share_stated", value="n/a"),
    "stated detail total not a number": Case(
        # 000 세부내역 1행 시민소통기획관 예산 합계: 집행률 22.3 → '22,3'
        "budget_detail.csv",
        lambda d: replace(d / "budget_detail.csv", '"32,769",22.3,', '"32,769",22;3,'),
        ["숫자 또는 백분율"], line=_detail_line(1), column="rate_stated", value="22;3"),
    "missing required value": Case(
        "settlement.csv", lambda d: replace(d / "settlement.csv", '"448,637"', ""),
        ["값이 있어야"], line=lambda d: line_of(d / "settlement.csv", "social-media,2012,"),
        column="executed", value=""),
    "bad date": Case(
        # 000 세부내역 ''16.4.8 기준' as 2016-04-31, a day April does not have
        "budget_detail.csv",
        lambda d: replace(d / "budget_detail.csv", "2016,2016-04-08,5,", "2016,2016-04-31,5,"),
        ["없는 날짜", "4월은 30일까지"], line=_detail_line(5), column="as_of", value="2016-04-31"),
    "date in words": Case(
        # the printed style (2015. 12. 31.) is accepted; words are not
        "execution_division.csv",
        lambda d: replace(d / "execution_division.csv", "2015-12-31,city-brand", "2015년 12월 31일,city-brand"),
        ["날짜 YYYY-MM-DD", "2016. 4. 8."], line=lambda d: line_of(d / "execution_division.csv", "city-brand"),
        column="as_of", value="2015년 12월 31일", also=["5번째 글자 U+B144 HANGUL SYLLABLE NYEON"]),
    "bad month": Case(
        "schedule.csv", lambda d: replace(d / "schedule.csv", ",2017-01,2017-01,", ",2017-13,2017-01,"),
        ["없는 달"], line=lambda d: line_of(d / "schedule.csv", "재단출범"),
        column="start", value="2017-13"),
    "bad year": Case(
        "settlement.csv", lambda d: replace(d / "settlement.csv", "social-media,2014,", "social-media,'14,"),
        ["4자리 연도"], line=lambda d: line_of(d / "settlement.csv", "social-media,'14,"),
        column="year", value="'14"),
    "value not among the choices": Case(
        "budget_detail.csv",
        lambda d: replace(d / "budget_detail.csv", "2016,2016-04-08,9,5,program,", "2016,2016-04-08,9,5,programme,"),
        ["다음 중 하나", "program"], line=_detail_line(9), column="level", value="programme"),
    # --- keys and references ---------------------------------------------------------------
    "duplicate key": Case(
        "budget_division.csv",
        lambda d: append(d / "budget_division.csv",
                         '2016,new-media,"4,331",10.6%,000_a1ad29fe56867c6c.txt Ⅰ-3 (중복)\n'),
        ["중복"], line=7, column="year, version, unit", value="2016 / 당초 / new-media"),
    "duplicate line number in the detail": Case(
        "budget_detail.csv",
        lambda d: replace(d / "budget_detail.csv", "2016,2016-04-08,44,33,", "2016,2016-04-08,43,33,"),
        ["중복"], line=lambda d: line_of(d / "budget_detail.csv", ",43,33,basic"),
        column="year, as_of, line", value="2016 / 2016-04-08 / 43"),
    "unknown division": Case(
        # a division the organisation table does not know
        "outcomes.csv", lambda d: replace(d / "outcomes.csv", "city-brand,2-1,", "city-brandt,2-1,"),
        ["알려진 division 중 하나", "city-brand", "civil-service"],
        line=lambda d: line_of(d / "outcomes.csv", "city-brandt,"), column="division",
        value="city-brandt"),
    "unknown unit in a budget table": Case(
        "budget_division.csv", lambda d: replace(d / "budget_division.csv", "2016,new-media,", "2016,press-office,"),
        ["알려진 unit 중 하나"], line=lambda d: line_of(d / "budget_division.csv", "press-office"),
        column="unit", value="press-office"),
    "unknown section": Case(
        "schedule.csv", lambda d: replace(d / "schedule.csv", "new-media,4-4,", "new-media,4-9,"),
        ["알려진 section 중 하나"], line=lambda d: line_of(d / "schedule.csv", ",4-9,"),
        column="section", value="4-9"),
    "unknown program": Case(
        "settlement.csv", lambda d: replace(d / "settlement.csv", "social-media,2013,", "social_media,2013,"),
        ["알려진 program 중 하나", "social-media"],
        line=lambda d: line_of(d / "settlement.csv", "social_media"), column="program",
        value="social_media"),
    # --- rows ------------------------------------------------------------------------------
    "row with a field too many": Case(
        # an unquoted grouped number splits into two fields
        "budget_detail.csv",
        lambda d: replace(d / "budget_detail.csv", '"9,401"', "9,401"),
        ["머리행과 같은 수(14개)의 칸", "남습니다", "'9,401'", "balance, rate_stated, source 열이 밀렸",
         '따옴표로 감싸거나("9,401")', "쉼표를 지우세요(9401)"],
        line=_detail_line(1), column="executed", value="칸 15개"),
    "row with a field missing": Case(
        "settlement.csv", lambda d: replace(d / "settlement.csv", '"258,187",0,', '"258,187",'),
        ["머리행과 같은 수(10개)의 칸", "모자랍니다"],
        line=lambda d: line_of(d / "settlement.csv", "social-media,2013,"), value="칸 9개"),
    "unclosed quote": Case(
        "settlement.csv", lambda d: replace(d / "settlement.csv", '"17,925"', '"17,925'),
        ["닫는 따옴표"], line=lambda d: line_of(d / "settlement.csv", "social-media,2014,")),
    # --- the catalog ---------------------------------------------------------------------
    "unit not declared": Case(
        "catalog.yaml",
        lambda d: replace(d / "catalog.yaml", "settlement: {title: 최근 3년 결산현황, unit: 천원}",
                          "settlement: {title: 최근 3년 결산현황}"),
        ["'settlement' 표의 단위(unit) 선언"], column="settlement"),
    "money unit unknown": Case(
        "catalog.yaml", lambda d: replace(d / "catalog.yaml", "budget_detail: {title: 예산편성 세부내역, unit: 백만원}",
                                          "budget_detail: {title: 예산편성 세부내역, unit: 억원}"),
        ["금액 단위", "백만원"], column="budget_detail.budget", value="억원"),
    "catalog not yaml": Case(
        # the flow sequence opened on line 1 is still open when the file ends, on line 2
        "catalog.yaml", lambda d: (d / "catalog.yaml").write_text("organisation: {title: [\n", encoding="utf-8"),
        ["올바른 YAML"], line=2),
    "catalog not a mapping": Case(
        "catalog.yaml", lambda d: (d / "catalog.yaml").write_text("- 백만원\n- 천원\n", encoding="utf-8"),
        ["YAML 사전"]),
}


@pytest.fixture
def broken(request, data_copy, snapshot):
    """The case, its broken folder, and the folder's bytes once broken."""
    case = CASES[request.param]
    case.breaks(data_copy)
    return case, data_copy, snapshot(data_copy)


def _assert_located(message: str, case: Case, folder: Path) -> None:
    path = (folder / case.file).resolve()
    assert str(path) in message, message
    line = case.line_in(folder)
    if line is not None:
        assert f", {line}행" in message, f"line {line}: {message}"
    if case.column is not None:
        assert f"'{case.column}' 열" in message, message
    if case.value is not None:
        assert f"값 {case.value!r}" in message, message
    for words in case.expected + case.also:
        assert words in message, f"{words!r} not in: {message}"


@pytest.mark.parametrize("broken", list(CASES), indirect=True)
def test_validate_refuses_with_a_located_message(broken, run_cli, snapshot):
    case, folder, before = broken
    code, out, err = run_cli("validate", "--data", folder)
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    assert "모두 정상" not in out
    lines = err.strip().splitlines()
    messages = [line for line in lines if line.startswith("seoulcomm:")]
    assert len(messages) == 1, err         # one message (its pointer lines indented under it)
    assert all(line.startswith("    ") for line in lines[1:]), err
    assert lines[0].startswith("seoulcomm: 데이터 오류")
    _assert_located(err, case, folder)
    assert snapshot(folder) == before      # nothing under the data folder changed


@pytest.mark.parametrize("broken", list(CASES), indirect=True)
def test_api_raises_data_error_with_its_parts(broken, snapshot):
    case, folder, before = broken
    with pytest.raises(DataError) as info:
        load_all(folder)
    exc = info.value
    assert isinstance(exc, SeoulcommError)
    assert exc.file == (folder / case.file).resolve()
    assert exc.line == case.line_in(folder)
    assert exc.column == case.column
    if case.value is not None:
        assert exc.value == case.value
    for words in case.expected:
        assert words in exc.expected
    _assert_located(str(exc), case, folder)
    assert snapshot(folder) == before


# --- good data and usage -------------------------------------------------------------------

def test_validate_on_good_data_prints_the_summary(run_cli, data_dir, snapshot):
    before = snapshot(data_dir)
    code, out, err = run_cli("validate", "--data", data_dir)
    assert code == 0, err
    assert "Traceback" not in out + err
    assert str(data_dir.resolve()) in out
    for table in ("organisation", "staffing", "budget_detail", "outcomes", "program_costs", "settlement"):
        assert table in out
    assert f"표 {len(TABLES)}개" in out
    assert "보고 연도 2015, 2016" in out and "모두 정상" in out
    # the as-of dates: 000 세부내역 ''16.4.8 기준', 2015년도 집행현황 '2015. 12. 31 기준'
    assert "2016-04-08" in out and "2015-12-31" in out
    assert "백만원" in out and "천원" in out
    assert snapshot(data_dir) == before


def test_validate_on_a_good_copy_and_by_default(run_cli, data_copy):
    code, out, _ = run_cli("validate", "--data", data_copy)
    assert code == 0 and str(data_copy.resolve()) in out
    code, out, _ = run_cli("validate")
    assert code == 0 and "모두 정상" in out


def test_validate_missing_folder(run_cli, tmp_path):
    code, out, err = run_cli("validate", "--data", tmp_path / "nowhere")
    assert code == 2
    assert "폴더 없음" in err and str(tmp_path / "nowhere") in err
    assert "Traceback" not in out + err


def test_usage_errors_exit_2(run_cli):
    for args in (["validate", "--nonsense"], ["no-such-command"], []):
        code, out, err = run_cli(*args)
        assert code == 2, args
        assert "Traceback" not in out + err


def test_a_row_with_a_cell_spanning_lines_is_named_by_its_first_line(data_copy):
    # general_notes.csv lines 2–3: 표지 rows (000_…txt 표지). Row 2's topic becomes a quoted cell of
    # three lines (file lines 2–4) and its order a word; the next row (now file line 5) too.
    path = data_copy / "general_notes.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[1].startswith("표지,보고 일자·부서,1,1,") and lines[2].startswith("표지,보고 일자·부서,2,1,")
    lines[1] = lines[1].replace("표지,보고 일자·부서,1,", '표지,"보고 일자·부서\n둘째 줄\n셋째 줄",하나,', 1)
    lines[2] = lines[2].replace("표지,보고 일자·부서,2,", "표지,보고 일자·부서,둘,", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_all(data_copy)
    found = [(p.line, p.value) for p in info.value.problems if p.column == "order"]
    assert found == [(2, "하나"), (5, "둘")]
