"""What each data table holds: its columns, their kinds, keys and references.

A :class:`Table` names the file and its columns; :func:`dataframe_schema` turns it into a
pandera schema that checks the parsed frame (types, ranges, allowed values, unique keys,
references to other tables). The table's unit is not here: ``data/catalog.yaml`` declares
it once, beside the files that are written in it.
"""
from __future__ import annotations

from dataclasses import dataclass, field


#: Column kinds and what the file must hold for each (shown in error messages).
EXPECTED = {
    "text": "글자(빈칸 불가)",
    "ref": "다른 표에 있는 식별자",
    "year": "4자리 연도(예: 2016)",
    "count": "0 이상의 정수(예: 1,341 또는 -)",
    "money": "정수 금액(예: 1,341, △7, -)",
    "rate": "숫자 또는 백분율(예: 29.9%, △1.1)",
    "number": "숫자(예: 10146, 6.18)",
    "date": "날짜 YYYY-MM-DD 또는 인쇄된 모양 2016. 4. 8.(예: 2016-04-08)",
    "month": "연월 YYYY-MM 또는 2016. 5.(예: 2016-05)",
    "choice": "정해진 값 중 하나",
}


@dataclass(frozen=True)
class Col:
    """One column of a data file.

    Parameters
    ----------
    name : canonical column name, as in the file's header.
    kind : one of :data:`EXPECTED`.
    optional : an empty cell is allowed (means: not stated).
    negative : negative values are allowed (stated changes, △).
    ref : for ``kind='ref'``, the reference set it must belong to (``unit``, ``division``,
        ``section``, ``program``).
    choices : for ``kind='choice'``, the allowed values.
    default : a column added after files were written: a file without it still loads, every
        row taking this text (``""`` = not stated; :class:`seoulcomm.load.Dataset` fills a
        year left unstated from the date of the document the row cites).
    """

    name: str
    kind: str = "text"
    optional: bool = False
    negative: bool = False
    ref: str | None = None
    choices: tuple[str, ...] = ()
    default: str | None = None


@dataclass(frozen=True)
class Table:
    """A data file: ``<name>.csv`` with its columns and unique key.

    ``optional``: the file may be absent (or hold only its header): the table is then empty,
    and ``catalog.yaml`` may leave it out — its title is ``title`` and its unit ``unit``, or
    the unit of the table ``unit_of`` names (a plan is written in the detail's unit).
    """

    name: str
    title: str
    cols: tuple[Col, ...]
    key: tuple[str, ...]
    refs: tuple[str, ...] = field(default=())
    optional: bool = False
    unit: str | None = None
    unit_of: str | None = None

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.cols]

    def col(self, name: str) -> Col:
        return next(c for c in self.cols if c.name == name)


def _money(name, **kw):
    return Col(name, "money", **kw)


SOURCE = Col("source")
UNIT = Col("unit", "ref", ref="unit")
DIVISION = Col("division", "ref", ref="division")
PROGRAM = Col("program", "ref", ref="program")
SECTION = Col("section", "ref", ref="section")
#: The budget version a row states (당초, 1회 추경, …, 최종; see ``budget_versions``); a file
#: written before the column holds 당초.
ORIGINAL = "당초"
VERSION = Col("version", default=ORIGINAL)
AVAILABLE_KINDS = ("actual", "target", "plan", "change", "existing")
#: The parts of a program sheet's text (사업설명서 3 사업 설명, 4 사업효과), in its order.
PROGRAM_TEXT_PARTS = ("사업목적", "사업근거", "사업내용", "추진경위", "중점추진사항", "사업추진절차",
                      "향후 기대효과")

TABLES: dict[str, Table] = {
    t.name: t
    for t in [
        Table("documents", "자료 문서", (
            Col("file"), Col("title"), Col("issuer"), Col("date", "date", optional=True),
            Col("short", optional=True),
            # settlement: a 결산서 (its 12-31 figures are 결산); report, program_sheet: others
            Col("kind", "choice", optional=True, default="",
                choices=("report", "program_sheet", "settlement")),
            # when the document was written, at the precision known (2015, 2016-04-26)
            Col("written", optional=True, default="")), key=("file",)),
        Table("organisation", "조직", (
            Col("unit"), Col("kind", "choice", choices=("city", "office", "division")),
            Col("name_ko"), Col("name_en"), Col("short_ko"), Col("parent", optional=True),
            Col("teams", "count", optional=True), SOURCE), key=("unit",)),
        # the organisation's history, appended: a rename (to a new slug: ``to``), a program
        # moved to another division, an abolition — each from ``year`` on
        Table("organisation_history", "조직 변경", (
            UNIT, Col("change", "choice", choices=("renamed", "moved", "abolished")),
            Col("year", "year"), Col("name_ko", optional=True), Col("short_ko", optional=True),
            Col("detail_program", optional=True), Col("to", "ref", ref="unit", optional=True),
            SOURCE), key=("unit", "change", "year", "detail_program"), optional=True, unit="건"),
        Table("budget_versions", "예산 단계", (
            Col("year", "year"), Col("version"), Col("order", "count"),
            Col("date", "date", optional=True), SOURCE), key=("year", "version"),
            optional=True, unit="건"),
        Table("staffing", "직급별 정원·현원", (
            Col("as_of", "date"), UNIT, Col("job_group"), Col("grade"), Col("authorized", "count"),
            Col("current", "count"), SOURCE), key=("as_of", "unit", "job_group", "grade")),
        Table("staffing_totals", "인력 총괄(명시된 합계)", (
            UNIT, Col("item", "choice", choices=("정원", "현원", "과원")), Col("value", "count"),
            Col("as_of", "date"), SOURCE), key=("as_of", "unit", "item")),
        Table("budget_division", "부서별 예산", (
            Col("year", "year"), UNIT, _money("budget"), Col("share_stated", "rate"), SOURCE,
            VERSION), key=("year", "version", "unit")),
        Table("budget_composition", "구성별 예산", (
            Col("year", "year"), Col("category", "choice", choices=("계", "사업비", "기본경비")),
            _money("budget"), Col("share_stated", "rate"),
            _money("change_stated", optional=True, negative=True),
            Col("rate_stated", "rate", optional=True, negative=True), SOURCE, VERSION),
            key=("year", "version", "category")),
        Table("program_shares", "주요 사업별 비중", (
            Col("year", "year"), Col("program"), Col("share_stated", "rate"), SOURCE, VERSION),
            key=("year", "version", "program")),
        Table("execution_division", "부서별 예산 집행현황", (
            Col("year", "year"), Col("as_of", "date"), UNIT, _money("budget"),
            _money("executed"), _money("balance"), Col("rate_stated", "rate"), SOURCE),
            key=("year", "as_of", "unit")),
        Table("budget_detail", "예산편성 세부내역", (
            Col("year", "year"), Col("as_of", "date"), Col("line", "count"),
            Col("parent", "count", optional=True),
            Col("level", "choice",
                choices=("office", "office_part", "division", "policy", "program", "basic")),
            UNIT, Col("name"), _money("budget"), _money("carryover"), _money("available"),
            _money("executed"), _money("balance"), Col("rate_stated", "rate"), SOURCE,
            Col("partial", optional=True, default=""), VERSION),
            key=("year", "as_of", "line")),
        Table("sections", "주요업무 추진계획 사업", (
            Col("section"), DIVISION, Col("title"), _money("budget_stated"),
            Col("budget_basis", "choice", choices=("budget", "available")),
            Col("detail_programs", optional=True), SOURCE,
            Col("year", "year", optional=True, default="")), key=("year", "section")),
        Table("outcomes", "추진실적·목표", (
            DIVISION, SECTION, Col("metric"), Col("value", "number", negative=True),
            Col("value_to", "number", optional=True), Col("unit"),
            Col("period", "year"), Col("period_note", optional=True),
            Col("kind", "choice", choices=AVAILABLE_KINDS),
            Col("direction", "choice", optional=True, choices=("up", "down")),
            Col("parent", optional=True), SOURCE,
            # a cumulative result's start ('13.1.12. 개관~): 2013-01-12, or a year (2015)
            Col("since", optional=True, default="")),
            key=("section", "metric", "period", "kind", "source")),
        Table("schedule", "추진일정", (
            DIVISION, SECTION, Col("step"), Col("start", "month"), Col("end", "month", optional=True),
            Col("kind", "choice", choices=("done", "plan")), SOURCE,
            # the day, where the source states one ('15. 9. 7. ~ '16. 2. 3.)
            Col("start_date", "date", optional=True, default=""),
            Col("end_date", "date", optional=True, default="")),
            key=("section", "step", "start")),
        Table("program", "사업 개요", (
            Col("program"), Col("name_ko"), DIVISION, SECTION, Col("detail_program"),
            _money("total_cost"), _money("national", optional=True), _money("city", optional=True),
            _money("district", optional=True), Col("subsidy_rate", "rate"),
            Col("start", "date"), Col("end", "date"), Col("cycle"), Col("mode"), Col("status"),
            Col("nature"), Col("executor"), SOURCE), key=("program",)),
        Table("program_budget", "사업 예산 총괄", (
            PROGRAM, Col("item"), Col("year", "year"), _money("budget"),
            _money("change_stated", optional=True, negative=True),
            Col("rate_stated", "rate", optional=True, negative=True), SOURCE),
            key=("program", "item", "year")),
        Table("program_costs", "세부 산출내역", (
            PROGRAM, Col("year", "year"), Col("item"), Col("group"),
            Col("level", "choice", choices=("group", "line")), Col("line", optional=True),
            _money("unit_cost", optional=True), Col("quantity", "count", optional=True),
            Col("quantity_unit", optional=True), _money("amount"), SOURCE),
            key=("program", "year", "item", "group", "level", "line")),
        Table("program_schedule", "사업 추진일정", (
            PROGRAM, Col("kind", "choice", choices=("total", "plan", "history")), Col("step"),
            Col("start", "month", optional=True), Col("end", "month", optional=True),
            _money("amount", optional=True), Col("detail", optional=True), SOURCE,
            Col("year", "year", optional=True, default="")),
            key=("program", "year", "kind", "step")),
        # the program sheet's text (사업목적 … 향후 기대효과), as it arranges it (optional)
        Table("program_text", "사업설명서 내용", (
            PROGRAM, Col("part", "choice", choices=PROGRAM_TEXT_PARTS), Col("order", "count"),
            Col("level", "count"), Col("text"), SOURCE), key=("program", "part", "order"),
            optional=True, unit="글"),
        Table("settlement", "최근 결산현황", (
            PROGRAM, Col("year", "year"), _money("budget"), _money("carried_in"),
            _money("changed", negative=True), _money("available"), _money("executed"),
            _money("carried_out"), _money("balance"), SOURCE), key=("program", "year")),
        # the office's own plan and targets (optional: not in the sources)
        Table("execution_plan", "월별 집행계획", (
            Col("year", "year"), Col("line", "count"), Col("month", "count"), _money("planned"),
            SOURCE), key=("year", "line", "month"), optional=True, unit_of="budget_detail"),
        Table("execution_targets", "집행 목표", (
            Col("year", "year"), Col("as_of", "date"), Col("target_rate", "rate"),
            Col("scope", "ref", ref="unit"), SOURCE), key=("year", "as_of", "scope"),
            optional=True, unit="%"),
        # the text of the sources as data (part II, part III), and how part III 사업비 map to detail lines
        Table("plan_vision", "비전 및 목표", (
            Col("kind", "choice", choices=("vision", "goal", "direction", "program")),
            Col("direction", "count", optional=True),
            Col("division", "ref", ref="division", optional=True), Col("order", "count"),
            Col("text"), SOURCE), key=("kind", "direction", "order")),
        Table("section_text", "주요업무 추진계획 내용", (
            SECTION, Col("part", "choice", choices=("목적", "추진개요", "추진방향", "추진실적", "추진계획")),
            Col("order", "count"), Col("level", "count"), Col("text"),
            Col("when", optional=True), SOURCE), key=("section", "part", "order")),
        Table("section_links", "추진계획 사업비와 세부내역 사업의 대응", (
            Col("sections"), Col("detail_line", optional=True), Col("reason", optional=True),
            SOURCE,
            # part: the sections' 사업비 covers only part of the line (일부 대응); empty: all of it
            Col("relation", "choice", optional=True, default="", choices=("part",))),
            key=("sections", "detail_line")),
        Table("general_notes", "표지·일반현황 설명", (
            Col("part"), Col("topic"), Col("order", "count"), Col("level", "count"), Col("text"),
            SOURCE), key=("part", "topic", "order")),
    ]
}

#: Order in which tables load: a table's references must already be loaded.
LOAD_ORDER = list(TABLES)


#: Most known values a message lists (the rest are counted), so messages stay short.
_LISTED = 30


def _checks(col: Col, refs: dict[str, set]) -> list[pa.Check]:
    import pandera.pandas as pa  # only to validate: the build process gets its data checked

    checks = []
    if col.kind in ("money", "count", "rate", "number") and not col.negative:
        checks.append(pa.Check.ge(0, error="0 이상이어야 합니다(음수 불가)"))
    if col.kind == "year":
        checks.append(pa.Check.in_range(1990, 2100, error="1990–2100 사이의 연도"))
    if col.kind == "choice":
        checks.append(pa.Check.isin(col.choices, error=f"다음 중 하나: {', '.join(col.choices)}"))
    if col.kind == "ref" and col.ref in refs:
        known = sorted(refs[col.ref])
        shown = ", ".join(known[:_LISTED]) + (f" … 외 {len(known) - _LISTED}개" if len(known) > _LISTED else "")
        checks.append(pa.Check.isin(known, error=f"알려진 {col.ref} 중 하나: {shown}"))
    return checks


_DTYPES = {
    "money": "Int64", "count": "Int64", "year": "Int64", "rate": "Float64", "number": "Float64",
    "date": "datetime64[ns]", "month": "datetime64[ns]",
}


def dataframe_schema(table: Table, refs: dict[str, set]) -> pa.DataFrameSchema:
    """The pandera schema of a parsed table, with reference sets known so far."""
    import pandera.pandas as pa

    columns = {
        c.name: pa.Column(
            _DTYPES.get(c.kind, "string"), checks=_checks(c, refs),
            nullable=c.optional,
        )
        for c in table.cols
    }
    return pa.DataFrameSchema(
        columns, unique=list(table.key), strict=True, ordered=False, name=table.name,
        report_duplicates="exclude_first",
    )
