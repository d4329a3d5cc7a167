"""Report tables: Korean labels, the source's units, 1,234 grouping, △, escaped text.

Every table a report shows goes through :class:`Table`. It keeps the numbers in the unit
it displays them in (money: 백만원 or 천원, from exact integer 원), renders a pandas
``Styler`` with Korean column labels from the one label map :data:`LABELS`, states its
unit, as-of date and source in its caption, and escapes every text that comes from the
data. :func:`show` emits it as ``text/html`` plus the JSON the report pipeline turns into
the spreadsheet (:data:`TABLE_MIME`); :func:`show` of a :class:`Headline` emits the
report's headline figures (:data:`HEADLINE_MIME`), once per report.

The functions below the core shape what :mod:`seoulcomm.calc` and :mod:`seoulcomm.audit`
return into the tables of the three reports. They select, order and label; they never
compute a figure (where a table needs a share or a change they call :mod:`seoulcomm.calc`).
"""
from __future__ import annotations

import hashlib
import html
import inspect
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import calc, units

#: Mimetype of a table's JSON: sheet, title, unit, columns, rows (numbers as displayed).
TABLE_MIME = "application/vnd.seoulcomm.table+json"
#: Mimetype of the report's headline: title, figures, as_of, sources (one per report).
HEADLINE_MIME = "application/vnd.seoulcomm.headline+json"
#: Excel's limit on a sheet name.
SHEET_MAX = 31

# --------------------------------------------------------------------------- the label map
#: Column → (Korean label, kind). The kind decides the display: ``text``, ``money``
#: (in the table's money unit), ``money0`` (zero as ``-``, as the source prints 이월액),
#: ``change`` (money, △ for a decrease, ``-`` for none), ``rate`` (percent, one decimal),
#: ``rate_change`` (percent or %p with △), ``count`` (people; zero as ``-``), ``gap``
#: (people with △), ``number`` (a count or measure in its row's unit), ``year``, ``date``,
#: ``month``. A context (e.g. ``settlement``) overrides labels for its own tables.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "": {
        "name": ("부서/사업명", "text"),
        "unit_name": ("부서", "text"),
        "budget": ("예산편성액", "money"),
        "carryover": ("전년도 이월액", "money0"),
        "available": ("예산현액", "money"),
        "executed": ("집행액", "money"),
        "balance": ("집행잔액", "money"),
        "execution_rate": ("집행률(%)", "rate"),
        "elapsed": ("연간 경과율(%)", "rate"),
        "pace_gap": ("경과율 대비(%p)", "rate_change"),
        "pace_flag": ("집행 속도", "text"),
        "as_of": ("기준일", "date"),
        "year": ("연도", "year"),
        "share": ("비율(%)", "rate"),
        "change": ("증감", "change"),
        "change_rate": ("증감률(%)", "rate_change"),
        "authorized": ("정원", "count"),
        "current": ("현원", "count"),
        "gap": ("과·결원", "gap"),
        "job_group": ("직군", "text"),
        "grade": ("직급", "text"),
        "section": ("사업", "text"),
        "metric": ("지표", "text"),
        "metric_unit": ("단위", "text"),
        "first_actual": ("이전 실적", "number"),
        "first_when": ("이전 시점", "text"),
        "last_actual": ("실적", "number"),
        "last_when": ("실적 시점", "text"),
        "target": ("목표·계획", "number"),
        "target_when": ("목표 시점", "text"),
        "period_note": ("비고(원문 표기)", "text"),
        "outcome_change": ("증감", "number"),
        "achievement": ("달성률(%)", "rate"),
        "document": ("문서", "text"),
        "step": ("추진 내용", "text"),
        "start": ("시작", "month"),
        "end": ("종료", "text"),
        "status": ("구분", "text"),
        "detail": ("세부 내용", "text"),
        "table": ("표", "text"),
        "item": ("항목", "text"),
        "check": ("검증", "text"),
        "stated": ("원문", "number"),
        "computed": ("다시 계산", "number"),
        "difference": ("차이", "number"),
        "verdict": ("판정", "text"),
        "audit_unit": ("단위", "text"),
        "program_name": ("사업명", "text"),
        "division_name": ("부서", "text"),
        "category": ("구분", "text"),
    },
    "composition": {
        "category": ("구분", "text"),
        "budget": ("예산", "money"),
        "share": ("비중(%)", "rate"),
    },
    "progress": {
        "budget": ("예산액", "money"),
    },
    "settlement": {
        "budget": ("당초예산", "money"),
        "carried_in": ("전년이월", "money0"),
        "changed": ("예산변경", "change"),
        "available": ("예산현액", "money"),
        "executed": ("집행액", "money"),
        "carried_out": ("차년이월", "money0"),
        "balance": ("집행잔액", "money"),
        "unspent": ("불용액", "money"),
        "unspent_rate": ("불용률(%)", "rate"),
    },
    "costs": {
        "item": ("비목", "text"),
        "line": ("산출 내역", "text"),
        "unit_cost": ("단가(원)", "money"),
        "quantity": ("수량", "number"),
        "quantity_unit": ("수량 단위", "text"),
        "amount": ("금액", "money"),
        "computed": ("단가×수량", "money"),
    },
    "program_budget": {
        "item": ("구분", "text"),
        "budget": ("예산", "money"),
    },
    "divisions": {
        "budget": ("예산", "money"),
        "detail_available": ("예산현액(세부내역)", "money"),
        "detail_budget": ("예산(세부내역 기준)", "money"),
        "settled_budget": ("예산액(집행현황)", "money"),
    },
    "overview": {
        "item": ("구분", "text"),
        "detail": ("내용", "text"),
    },
    "history": {
        "start": ("시기", "month"),
        "step": ("내용", "text"),
        "detail": ("근거 문서", "text"),
    },
}

#: Korean words for coded values the tables show.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "pace_flag": {"lagging": "부진", "on_pace": "정상", "ahead": "빠름"},
    "verdict": {"exact": "일치", "rounding": "반올림 차이", "truncation": "절사 차이",
                "discrepancy": "불일치"},
    "status": {"done": "완료", "plan": "계획", "history": "추진경위"},
    "level": {"office": "기획관", "office_part": "구분", "division": "부서", "policy": "정책사업",
              "program": "단위사업", "basic": "기본경비"},
}

#: The source documents, by the file name each data row's ``source`` starts with.
DOCUMENTS: dict[str, str] = {
    "000_a1ad29fe56867c6c.txt": "시민소통기획관 「2016 주요업무 보고」(2016. 4. 26.)",
    "004_6b168251e7e9221a.txt": "사업설명서 「소셜미디어를 통한 시민과의 소통 활성화」",
}
#: Short names of the documents, for a table column.
DOCUMENT_SHORT: dict[str, str] = {
    "000_a1ad29fe56867c6c.txt": "업무보고",
    "004_6b168251e7e9221a.txt": "사업설명서",
}

_INDENT_LEVELS = {"office": 0, "office_part": 1, "division": 0, "policy": 1, "program": 2,
                  "basic": 1}
_BOLD_LEVELS = {"office", "division", "total", "item"}


_YEAR_SUFFIX = re.compile(r"^(?P<base>.+)_(?P<year>\d{4})$")


def label(column: str, context: str = "") -> tuple[str, str]:
    """The Korean label and display kind of ``column`` (in ``context`` if it overrides it).

    A column named ``<name>_<year>`` (one column per year, e.g. ``budget_2016``) takes the
    label of ``<name>`` prefixed with the year: ``2016년 예산``.
    """
    found = LABELS.get(context, {}).get(column) or LABELS[""].get(column)
    if found is not None:
        return found
    match = _YEAR_SUFFIX.match(column)
    if match:
        text, kind = label(match["base"], context)
        return f"{match['year']}년 {text}", kind
    return column, "text"


# --------------------------------------------------------------------------- formatting

def _missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and np.isnan(value))
    except TypeError:
        return False


def _number_decimals(value: float) -> int:
    """Decimals a measure needs to show as the source wrote it (at most two)."""
    for dp in (0, 1, 2):
        if abs(value * 10 ** dp - round(value * 10 ** dp)) < 1e-9:
            return dp
    return 2


fmt_date = units.fmt_date


def fmt_month(value) -> str:
    """A month as ``2016. 5.``."""
    if _missing(value):
        return ""
    ts = pd.Timestamp(value)
    return f"{ts.year}. {ts.month}."


def _display_value(value, kind: str, money_unit: str):
    """A raw value → the number (or text) the table shows, in its display unit."""
    if _missing(value):
        return None
    if kind in ("money", "money0", "change"):
        shown = units.round_half_up(int(value) / units.factor(money_unit), 0)
        return int(shown)
    if kind in ("rate", "rate_change"):
        return units.round_half_up(float(value), 1)
    if kind in ("count", "gap", "year"):
        return int(value)
    if kind == "number":
        number = float(value)
        dp = _number_decimals(number)
        number = units.round_half_up(number, dp)
        return int(number) if dp == 0 else number
    if kind == "date":
        return fmt_date(value)
    if kind == "month":
        return fmt_month(value)
    return str(value)


def _formatter(kind: str):
    """Styler formatter for a column of display values of ``kind``."""
    def text(v):
        return "" if v is None else str(v)

    def fmt(v):
        if v is None:
            return ""
        if kind == "money":
            return units.fmt_number(v, 0, triangle=True)
        if kind in ("money0", "count"):
            return units.fmt_number(v, 0, triangle=True, dash_zero=True)
        if kind in ("change", "gap"):
            return units.fmt_number(v, 0, triangle=True, dash_zero=True)
        if kind == "rate":
            return units.fmt_number(v, 1, triangle=True)
        if kind == "rate_change":
            return units.fmt_number(v, 1, triangle=True)
        if kind == "number":
            return units.fmt_number(v, _number_decimals(float(v)), triangle=True)
        if kind == "year":
            return str(v)
        return str(v)

    return text if kind in ("text", "date", "month") else fmt


def _escape(text) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _sheet_name(text: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in str(text)).strip() or "표"
    return cleaned[:SHEET_MAX]


def _json_value(value):
    if value is None:
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    return value


# --------------------------------------------------------------------------- core objects

@dataclass
class Table:
    """One report table, ready to show.

    Parameters
    ----------
    frame : DataFrame
        The rows, with raw values: money in integer 원, rates in percent, texts as in the
        data. Only ``columns`` are shown.
    columns : list of str
        Columns of ``frame`` to show, in order; labels and kinds from :data:`LABELS`.
    sheet : str
        Spreadsheet sheet name (≤ 31 characters, unique within a report).
    title : str
        Korean title (caption).
    unit : str
        The money unit the table shows (``백만원``, ``천원``) or, for a table without
        money, its unit (``명``, ``%``, or a phrase such as ``행별 단위``).
    source : str
        Where the figures come from (document and table), for the caption.
    as_of : str, optional
        As-of date, ISO ``YYYY-MM-DD`` (shown as ``2016. 4. 8.``).
    context : str
        Key of :data:`LABELS` whose labels override the defaults.
    index : list of str
        Columns shown as row headers (repeated values merged), e.g. a section.
    row_class : Series of str, optional
        CSS classes per row (``sc-bold``, ``sc-indent1``, ``sc-indent2``, ``sc-flag``).
    notes : list of str
        Plain-text notes shown under the table (escaped).
    column_units : dict
        Money unit of a column that differs from ``unit`` (``{"unit_cost": "원"}``).
    nowrap : list of str
        Text columns whose cells must stay on one line (short codes such as a verdict).
    """

    frame: pd.DataFrame
    columns: list[str]
    sheet: str
    title: str
    unit: str
    source: str = ""
    as_of: str | None = None
    context: str = ""
    index: list[str] = field(default_factory=list)
    row_class: pd.Series | None = None
    notes: list[str] = field(default_factory=list)
    column_units: dict[str, str] = field(default_factory=dict)
    nowrap: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.sheet = _sheet_name(self.sheet)
        missing = [c for c in self.columns + list(self.index) if c not in self.frame.columns]
        if missing:
            raise KeyError(f"표 '{self.title}'에 없는 열: {', '.join(missing)}")

    # the shown columns in order: row headers first
    @property
    def _shown(self) -> list[str]:
        return list(self.index) + [c for c in self.columns if c not in self.index]

    def _kind(self, column: str) -> str:
        return label(column, self.context)[1]

    def _label(self, column: str) -> str:
        text, kind = label(column, self.context)
        unit = self.column_units.get(column)
        if unit and kind in ("money", "money0", "change") and f"({unit})" not in text:
            text = f"{text}({unit})"
        return text

    def _money_unit(self, column: str) -> str:
        unit = self.column_units.get(column, self.unit)
        return unit if unit in units.MONEY_UNITS else "원"

    def values(self) -> pd.DataFrame:
        """The shown values (display units), columns labelled in Korean, as Python objects."""
        out = {}
        for col in self._shown:
            kind, unit = self._kind(col), self._money_unit(col)
            out[self._label(col)] = [_display_value(v, kind, unit) for v in self.frame[col].tolist()]
        return pd.DataFrame(out, index=range(len(self.frame)), dtype=object)

    def caption_meta(self) -> str:
        """``단위: 백만원 · 기준: 2016. 4. 8. · 자료: …`` (plain text)."""
        parts = [f"단위: {self.unit}"] if self.unit else []
        extra = [f"{self._label(c).split('(')[0]} {u}" for c, u in self.column_units.items()
                 if c in self._shown and u != self.unit]
        if extra and parts:
            parts[-1] += f" ({', '.join(extra)})"
        if self.as_of:
            parts.append(f"기준: {fmt_date(self.as_of)}")
        if self.source:
            parts.append(f"자료: {self.source}")
        return " · ".join(parts)

    def to_json(self) -> dict:
        """The table as the report pipeline reads it (numbers as displayed)."""
        shown = self.values()
        rows = [[_json_value(v) for v in row] for row in shown.itertuples(index=False, name=None)]
        out = {
            "sheet": self.sheet, "title": self.title, "unit": self.unit,
            "columns": list(shown.columns), "rows": rows,
            "as_of": self.as_of, "source": self.source,
        }
        if {"line", "parent", "level"} <= set(self.frame.columns):
            # the detail's hierarchy, for the workbook's level/parent columns and outline
            out["outline"] = {c: [None if pd.isna(v) else _json_value(v) for v in self.frame[c].tolist()]
                              for c in ("line", "parent", "level")}
        return out

    def styler(self):
        """A pandas Styler of the table: formatted, escaped, captioned."""
        body = self.values()
        labels = {self._label(c): self._kind(c) for c in self._shown}
        index_labels = [self._label(c) for c in self.index]
        # row-header columns: a value repeated from the row above is left blank (merged look)
        for lab in index_labels:
            same = body[lab].eq(body[lab].shift()).fillna(False)
            body[lab] = body[lab].where(~same, "")
        uuid = "sc" + hashlib.sha1(f"{self.sheet}|{self.title}".encode()).hexdigest()[:8]
        styler = body.style
        styler.set_uuid(uuid)
        styler.hide(axis="index")
        formatters = {lab: _formatter(kind) for lab, kind in labels.items() if lab in body.columns}
        styler.format(formatters, escape="html", na_rep="")
        styler.format_index(escape="html", axis=0)
        styler.format_index(escape="html", axis=1)
        classes = pd.DataFrame("", index=body.index, columns=body.columns)
        for lab in body.columns:
            if labels[lab] in ("text", "date", "month"):
                classes[lab] = "text"
        for lab in index_labels:
            classes[lab] = "text sc-group"
        for col in self.nowrap:
            if col in self._shown:
                classes[self._label(col)] = (classes[self._label(col)] + " sc-nowrap").str.strip()
        if index_labels:
            first_rows = body[index_labels[0]].ne("").to_numpy()
            for lab in body.columns:
                classes.loc[first_rows, lab] = (classes.loc[first_rows, lab] + " sc-first").str.strip()
        if self.row_class is not None:
            extra = pd.Series(list(self.row_class.fillna("")), index=body.index)
            for lab in body.columns:
                classes[lab] = (classes[lab] + " " + extra).str.strip()
            # indentation only on the first column (the name)
            for lab in body.columns[1:]:
                classes[lab] = classes[lab].str.replace(r"\bsc-indent\d\b", "", regex=True).str.strip()
        styler.set_td_classes(classes)
        styler.set_table_attributes('class="sc-table"')
        styler.set_table_styles([
            {"selector": "", "props": "min-width: 40em;"},
            {"selector": "caption", "props": "caption-side: top; text-align: left;"},
            {"selector": "caption .sc-meta",
             "props": "display: block; font-weight: normal; font-size: 0.85em; color: #5a6473;"},
            {"selector": "td", "props": "text-align: right; white-space: nowrap;"},
            {"selector": "td.text", "props": "text-align: left; white-space: normal;"},
            {"selector": "td.sc-bold", "props": "font-weight: bold;"},
            {"selector": "td.sc-indent1", "props": "padding-left: 1.6em;"},
            {"selector": "td.sc-indent2", "props": "padding-left: 3.0em;"},
            {"selector": "td.sc-flag", "props": "background-color: #fbeaea;"},
            {"selector": "td.sc-sub", "props": "background-color: #f4f6f9;"},
            {"selector": "td.sc-group",
             "props": "font-weight: bold; border-bottom-color: transparent; width: 11em;"},
            # 2px: wider than the merged group cell's transparent 1px bottom, so it wins the
            # collapsed border and each group is ruled off
            {"selector": "td.sc-first", "props": "border-top: 2px solid #9aa5b4;"},
            {"selector": "td.sc-nowrap", "props": "white-space: nowrap;"},
            {"selector": "th", "props": "text-align: center;"},
            {"selector": "tbody th", "props": "text-align: left; font-weight: normal;"},
        ], overwrite=True)
        styler.set_caption(f"{_escape(self.title)}<span class=\"sc-meta\">"
                           f"{_escape(self.caption_meta())}</span>")
        return styler

    def to_html(self) -> str:
        out = self.styler().to_html()
        if self.notes:
            out += "".join(f'<p class="sc-note">※ {_escape(n)}</p>' for n in self.notes)
        return out

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": f"{self.title} ({len(self.frame)}행)",
                TABLE_MIME: self.to_json()}


@dataclass
class Headline:
    """The report's headline figures (one per report).

    Parameters
    ----------
    title : str
        The report's title, e.g. ``뉴미디어담당관 2016년 예산·집행·성과``.
    figures : list of dict
        ``{"label", "value" (as shown), "raw" (number in ``unit``), "unit", "note"}``;
        build them with :func:`figure`.
    as_of : str
        As-of date (ISO) of the figures.
    sources : list of str
        The documents the figures come from.
    subtitle : str
        One line under the title.
    """

    title: str
    figures: list[dict]
    as_of: str | None
    sources: list[str]
    subtitle: str = ""

    def to_json(self) -> dict:
        return {
            "title": self.title,
            "figures": [{k: f[k] for k in ("label", "value", "raw", "unit")} |
                        ({"note": f["note"]} if f.get("note") else {}) for f in self.figures],
            "as_of": self.as_of or "", "sources": list(self.sources),
        }

    def to_html(self) -> str:
        cards = []
        for f in self.figures:
            note = f'<span class="sc-fig-note">{_escape(f["note"])}</span>' if f.get("note") else ""
            cards.append(
                '<div class="sc-fig" style="flex:1 1 150px; border:1px solid #cfd6e0; '
                'border-top:3px solid #1f4e8c; padding:8px 12px; min-width:140px;">'
                '<div class="sc-fig-label" style="font-size:0.85em; color:#5a6473;">'
                f'{_escape(f["label"])}</div>'
                f'<div class="sc-fig-value" style="font-size:1.6em; font-weight:bold; line-height:1.3;">'
                f'{_escape(f["value"])}<span class="sc-fig-unit" style="font-size:0.55em; '
                f'font-weight:normal; margin-left:2px;">{_escape(f["unit"])}</span></div>'
                f'<div style="font-size:0.8em; color:#5a6473;">{note}</div></div>')
        as_of = (f'<time datetime="{_escape(self.as_of)}">{_escape(fmt_date(self.as_of))}</time> 기준'
                 if self.as_of else "")
        sub = " · ".join(x for x in (_escape(self.subtitle), as_of) if x)
        return (
            '<div class="sc-headline">'
            f'<h1 style="margin-bottom:0.1em;">{_escape(self.title)}</h1>'
            f'<p class="sc-sub" style="color:#5a6473; margin-top:0;">{sub}</p>'
            '<div class="sc-figs" style="display:flex; flex-wrap:wrap; gap:10px; margin:10px 0 6px;">'
            + "".join(cards) + "</div></div>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        plain = "; ".join(f"{f['label']} {f['value']}{f['unit']}" for f in self.figures)
        return {"text/html": self.to_html(), "text/plain": f"{self.title}: {plain}",
                HEADLINE_MIME: self.to_json()}


@dataclass
class Notice:
    """A plain sentence shown where a table or chart has nothing to show."""

    text: str

    def to_html(self) -> str:
        return (f'<p class="sc-notice" style="padding:8px 12px; background:#f4f6f9; '
                f'border-left:3px solid #8a94a3;">{_escape(self.text)}</p>')

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": self.text}


@dataclass
class Html:
    """A fragment of HTML already escaped (notes, footers)."""

    html: str
    text: str = ""

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/plain": self.text or self.html}


def figure(label: str, raw, unit: str, *, decimals: int = 0, note: str = "",
           triangle: bool = False) -> dict:
    """One headline figure; ``raw`` is already in ``unit`` (e.g. 4331 for 4,331 백만원)."""
    if _missing(raw):
        return {"label": label, "value": "–", "raw": None, "unit": unit, "note": note}
    raw = units.round_half_up(float(raw), decimals)
    raw = int(raw) if decimals == 0 else raw
    value = units.fmt_number(raw, decimals, triangle=triangle)
    return {"label": label, "value": value, "raw": raw, "unit": unit, "note": note}


def show(*items) -> None:
    """Display tables, headlines, notices (``None`` is skipped) in a notebook."""
    from IPython.display import display

    for item in items:
        if item is None:
            continue
        if isinstance(item, (list, tuple)):
            show(*item)
            continue
        display(item)


# --------------------------------------------------------------------------- helpers

def money_in(won, unit: str):
    """Integer 원 → the number shown in ``unit`` (rounded half up), ``None`` if missing."""
    if _missing(won):
        return None
    return int(units.round_half_up(int(won) / units.factor(unit), 0))


def document_title(source: str) -> str:
    """The document a ``source`` cell names (its first word, the seed file)."""
    name = str(source).split(" ", 1)[0]
    return DOCUMENTS.get(name, name)


def source_text(sources, title: str = "") -> str:
    """A caption's source: the documents of ``sources`` and ``title`` (e.g. the table's)."""
    docs = list(dict.fromkeys(document_title(s) for s in pd.Series(sources).dropna().astype(str)))
    if not docs:
        return title
    return "; ".join(docs) + (f" 「{title}」" if title else "")


def documents(ds) -> list[str]:
    """Every source document the data's rows name, in the order of :data:`DOCUMENTS`."""
    found = set()
    for frame in ds.tables.values():
        if "source" in frame.columns:
            found |= {str(s).split(" ", 1)[0] for s in frame["source"].dropna()}
    known = [DOCUMENTS[d] for d in DOCUMENTS if d in found]
    return known + sorted(d for d in found if d not in DOCUMENTS)


def pace_threshold() -> float:
    """The default of :func:`seoulcomm.calc.pace`'s threshold [%p], for captions."""
    return float(inspect.signature(calc.pace).parameters["threshold"].default)


def _names(ds) -> dict[str, str]:
    org = ds["organisation"]
    return dict(zip(org["unit"].astype(str), org["name_ko"].astype(str)))


def _years_in(frame: pd.DataFrame, year) -> pd.Series:
    return (frame["year"].astype("Int64") == int(year)).fillna(False).to_numpy(dtype=bool)


def as_of(ds, year) -> str | None:
    """The as-of date of the budget figures of ``year`` (latest of detail and execution)."""
    dates = []
    for name in ("budget_detail", "execution_division"):
        frame = ds[name]
        rows = frame[_years_in(frame, year)]
        dates += [d for d in rows["as_of"].dropna()]
    return max(dates).strftime("%Y-%m-%d") if dates else None


# --------------------------------------------------------------------------- division totals

def as_stated(frame: pd.DataFrame) -> pd.DataFrame:
    """The figures as the source prints them, for tables shaped like the source.

    :func:`seoulcomm.calc.execution` recomputes 예산현액, 집행잔액 and 집행률 from their parts
    and keeps the source's as ``available_stated``, ``balance_stated`` and ``rate_stated``;
    a reader comparing with the printed document must see the printed figures. Where the two
    differ, the reconciliation section says so.

    When ``frame`` carries the pace columns of :func:`seoulcomm.calc.pace`, they are
    measured again (default threshold) against the printed 집행률, so that a row's
    ``경과율 대비`` is the difference of the two rates it shows.
    """
    out = frame.copy()
    changed = False
    for col, stated in (("available", "available_stated"), ("balance", "balance_stated"),
                        ("execution_rate", "rate_stated")):
        if stated in out.columns and col in out.columns:
            out[col] = out[stated].astype(out[col].dtype).fillna(out[col])
            changed = True
    if changed and {"pace_gap", "as_of"} <= set(out.columns):
        out = calc.pace(out.drop(columns=["elapsed", "pace_gap", "pace_flag"], errors="ignore"))
    return out


def division_totals(detail: pd.DataFrame, settled: pd.DataFrame) -> pd.DataFrame:
    """Budget and execution per unit and year, from both tables that state them.

    Parameters
    ----------
    detail : DataFrame
        :func:`seoulcomm.calc.pace` of the budget detail (office, divisions and programs).
    settled : DataFrame
        :func:`seoulcomm.calc.pace` of the division execution table (closed years).

    Returns
    -------
    DataFrame
        One row per (year, unit) — office and divisions — with ``budget, carryover,
        available, executed, balance`` [원], ``execution_rate, elapsed, pace_gap`` [%],
        ``pace_flag``, ``as_of``, ``source`` and ``table``. Where a year is in both tables
        the detail (which has the carry-over) is used. Amounts and rates are as the source
        states them (:func:`as_stated`).
    """
    detail, settled = as_stated(detail), as_stated(settled)
    cols = ["year", "unit", "as_of", "budget", "carryover", "available", "executed", "balance",
            "execution_rate", "elapsed", "pace_gap", "pace_flag", "source"]
    parts = []
    top = detail[detail["level"].isin(["office", "division"]).fillna(False).to_numpy(dtype=bool)]
    if len(top):
        top = top.assign(table="budget_detail")
        parts.append(top[cols + ["table"]])
    if len(settled):
        rest = settled.copy()
        if "carryover" not in rest.columns:
            rest["carryover"] = pd.array([0] * len(rest), dtype="Int64")
        rest = rest.assign(table="execution_division")
        parts.append(rest[cols + ["table"]])
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols + ["table"])
    out = out.drop_duplicates(["year", "unit"], keep="first")
    return out.sort_values(["year", "unit"], kind="stable").reset_index(drop=True)


def _row(frame: pd.DataFrame, **where):
    mask = np.ones(len(frame), dtype=bool)
    for key, value in where.items():
        col = frame[key]
        if key == "year":
            col = col.astype("Int64")
            value = int(value)
        mask &= (col == value).fillna(False).to_numpy(dtype=bool)
    rows = frame[mask]
    return rows.iloc[0] if len(rows) else None


# --------------------------------------------------------------------------- division report

def division_headline(ds, totals: pd.DataFrame, staffing: pd.DataFrame, *, division: str,
                      year) -> Headline:
    """Headline of a division report: budget, execution, rate, pace and staff.

    Parameters
    ----------
    ds : Dataset (for names).
    totals : :func:`division_totals`.
    staffing : :func:`seoulcomm.calc.staffing_summary`.
    """
    name = _names(ds).get(division, division)
    row = _row(totals, year=year, unit=division)
    figures = []
    date = None
    if row is not None:
        date = row["as_of"].strftime("%Y-%m-%d") if not _missing(row["as_of"]) else None
        money = "백만원"
        closed = float(row["elapsed"]) >= 100 if not _missing(row["elapsed"]) else False
        when = f"{fmt_date(date)} 기준" if date else ""
        note = "예산편성액(세부내역)" if not closed else "예산액(집행현황)"
        other = budget_mismatches(ds, year, division)
        if not closed and len(other):
            note = f"세부내역 기준(<부서별> {units.fmt_money(other['budget_division'].iloc[0])})"
        figures.append(figure("예산", money_in(row["budget"], money), money, note=note))
        figures.append(figure("집행액", money_in(row["executed"], money), money, note=when))
        figures.append(figure("집행률", row["execution_rate"], "%", decimals=1,
                              note="집행액 ÷ 예산현액" if not closed else "연말 결산"))
        figures.append(figure("집행잔액", money_in(row["balance"], money), money))
        if not closed:
            figures.append(figure("연간 경과율", row["elapsed"], "%", decimals=1,
                                  note=f"{fmt_date(date)}까지"))
    staff = _row(staffing, unit=division) if staffing is not None else None
    staff_date = _staffing_date(ds, division)
    if staff is not None and staff_date and pd.Timestamp(staff_date).year == int(year):
        figures.append(figure("현원", staff["current"], "명",
                              note=f"정원 {int(staff['authorized'])}명 ({fmt_date(staff_date)})"))
    subtitle = "시민소통기획관 · 예산·집행·성과 보고서"
    sources = source_text([row["source"]] if row is not None else []).split("; ")
    return Headline(f"{name} {int(year)}년 예산·집행·성과", figures, date,
                    [s for s in sources if s] or documents(ds), subtitle)


def _staffing_date(ds, unit: str) -> str | None:
    totals = ds["staffing_totals"]
    rows = totals[(totals["unit"] == unit).fillna(False).to_numpy(dtype=bool)]
    dates = rows["as_of"].dropna()
    return max(dates).strftime("%Y-%m-%d") if len(dates) else None


def division_summary(ds, totals: pd.DataFrame, *, unit: str, year=None) -> Table:
    """A unit's budget and execution in each year up to ``year`` (closed years and this one)."""
    rows = totals[(totals["unit"] == unit).fillna(False).to_numpy(dtype=bool)]
    if year is not None:
        rows = rows[(rows["year"].astype("Int64") <= int(year)).fillna(False).to_numpy(dtype=bool)]
    rows = rows.copy()
    rows["pace_flag"] = rows["pace_flag"].map(VALUE_LABELS["pace_flag"])
    name = _names(ds).get(unit, unit)
    tables = {"budget_detail": "예산편성 세부내역", "execution_division": "예산 집행현황"}
    basis = "; ".join(f"{int(y)}년은 「{tables.get(str(t), str(t))}」"
                      for y, t in zip(rows["year"], rows["table"]))
    notes = [f"원문에 적힌 값입니다({basis}). 연말(12. 31.) 기준은 결산, 그 밖의 기준일은 연중 "
             "집행 실적입니다. 연간 경과율은 기준일까지 지난 날수 ÷ 그해 날수입니다."]
    for y in rows["year"].dropna().unique():
        notes += budget_mismatch_notes(ds, y, unit, follows="detail")
    return Table(rows, ["year", "as_of", "budget", "carryover", "available", "executed", "balance",
                        "execution_rate", "elapsed"],
                 sheet="연도별 예산·집행", title=f"{name} 연도별 예산·집행",
                 unit="백만원", source=source_text(rows["source"]), context="divisions",
                 notes=notes)


def budget_detail(paced: pd.DataFrame, *, unit: str, year) -> Table | Notice:
    """The source's 예산편성 세부내역 for one division (or ``office``): policy → program,
    plus 기본경비, with 편성, 이월, 현액, 집행, 잔액, 집행률.

    Parameters
    ----------
    paced : :func:`seoulcomm.calc.pace` of the budget detail table.
    unit : division slug, or ``office`` for the whole table.
    year : budget year.
    """
    rows = paced[_years_in(paced, year)]
    if unit != "office":
        rows = rows[(rows["unit"] == unit).fillna(False).to_numpy(dtype=bool)]
    if rows.empty:
        return Notice(f"{int(year)}년에는 사업별 예산편성 세부내역이 원문에 없습니다. 원문의 "
                      "세부내역은 다른 해의 것뿐이어서 이 절에 보일 사업별 예산·집행이 없고, "
                      f"{int(year)}년의 예산·집행은 부서 합계(1절의 표)로만 있습니다.")
    rows = as_stated(rows.sort_values("line", kind="stable"))
    level = rows["level"].astype(str)
    indent = level.map(_INDENT_LEVELS).fillna(0).astype(int)
    classes = ("sc-indent" + indent.astype(str)).where(indent > 0, "")
    classes = classes + np.where(level.isin(list(_BOLD_LEVELS)), " sc-bold", "")
    classes = classes + np.where(level.eq("policy"), " sc-sub", "")
    date = rows["as_of"].dropna()
    return Table(rows, ["name", "budget", "carryover", "available", "executed", "balance",
                        "execution_rate"],
                 sheet="예산편성 세부내역", title=f"{int(year)}년 예산편성 세부내역",
                 unit="백만원", as_of=date.max().strftime("%Y-%m-%d") if len(date) else None,
                 source=source_text(rows["source"], "2016년 예산편성 세부내역"),
                 row_class=classes.str.strip(),
                 notes=["원문 표의 모양 그대로 부서 합계 아래 정책사업, 그 아래 단위사업, 그리고 "
                        "기본경비(행정운영경비)를 적었습니다.",
                        "원문에 적힌 수치 그대로입니다(예산현액 = 예산편성액 + 전년도 이월액, "
                        "집행잔액 = 예산현액 − 집행액, 집행률 = 집행액 ÷ 예산현액). 구성 항목으로 다시 "
                        "계산한 값과 다른 곳은 ‘원문 검증’에 있습니다."])


def _pace_rows(paced: pd.DataFrame, unit: str, year) -> pd.DataFrame:
    rows = as_stated(paced[_years_in(paced, year)])
    rows = rows[rows["level"].isin(["program", "basic"]).fillna(False).to_numpy(dtype=bool)]
    if unit != "office":
        rows = rows[(rows["unit"] == unit).fillna(False).to_numpy(dtype=bool)]
    return rows


def pace(paced: pd.DataFrame, *, unit: str, year) -> Table | Notice:
    """Each program's 집행률 against the share of the year elapsed, with its flag."""
    rows = _pace_rows(paced, unit, year).copy()
    if rows.empty:
        return Notice(f"{int(year)}년에는 사업별 집행 자료가 없어 집행 속도를 사업별로 볼 수 없습니다.")
    rows["pace_flag"] = rows["pace_flag"].map(VALUE_LABELS["pace_flag"])
    flag = np.where(rows["pace_flag"].eq("부진").fillna(False), "sc-flag", "")
    elapsed = float(rows["elapsed"].iloc[0])
    date = rows["as_of"].dropna().max()
    return Table(rows, ["name", "available", "executed", "execution_rate", "pace_gap", "pace_flag"],
                 sheet="집행 속도", title=f"사업별 집행 속도 (연간 경과율 {units.fmt_rate(elapsed)})",
                 unit="백만원", as_of=date.strftime("%Y-%m-%d") if not _missing(date) else None,
                 source=source_text(rows["source"], "2016년 예산편성 세부내역"),
                 row_class=pd.Series(flag, index=rows.index),
                 notes=[f"경과율 대비 = 집행률 − 연간 경과율. {pace_threshold():g}%p 넘게 뒤처지면 "
                        f"‘부진’, 앞서면 ‘빠름’입니다."])


def laggards(lagging: pd.DataFrame, *, unit: str, year) -> Table | Notice:
    """The lagging programs of :func:`seoulcomm.calc.laggards`, the most money first."""
    rows = _pace_rows(lagging, unit, year)
    if rows.empty:
        if lagging.empty or not _years_in(lagging, year).any():
            return Notice(f"{int(year)}년에는 사업별 집행 자료가 없어 부진 사업을 가릴 수 없습니다.")
        return Notice("연간 경과율보다 크게 뒤처진 사업이 없습니다.")
    date = rows["as_of"].dropna().max()
    return Table(rows, ["name", "available", "executed", "balance", "execution_rate", "pace_gap"],
                 sheet="집행 부진 사업", title=f"집행 부진 사업 {len(rows)}개 (집행잔액 큰 순)",
                 unit="백만원", as_of=date.strftime("%Y-%m-%d") if not _missing(date) else None,
                 source=source_text(rows["source"], "2016년 예산편성 세부내역"),
                 notes=[f"집행률이 연간 경과율보다 {pace_threshold():g}%p 넘게 낮은 사업입니다."])


#: Readable words for the source's one-word qualifiers of a figure (``주 1회`` → 주당).
NOTE_GLOSS: dict[str, str] = {
    "주": "주당", "월": "월당", "총": "총계", "여": "남짓(원문 ‘여’)", "약": "어림값(원문 ‘약’)",
    "1일": "하루 기준",
}


def _when(period, note=None) -> str:
    """A period as a year (``2016``); its qualifiers go to :func:`_period_note`."""
    if _missing(period):
        return ""
    return f"{int(period)}"


def _period_note(last_note, target_note) -> str:
    """The source's qualifiers of a row's result and target, in words, for the 비고 column:
    ``실적: ’15.10월~ · 목표·계획: 주당``."""
    parts = []
    for role, note in (("실적", last_note), ("목표·계획", target_note)):
        if _missing(note) or not str(note).strip():
            continue
        words = [NOTE_GLOSS.get(w.strip(), w.strip()) for w in str(note).split(",")]
        parts.append(f"{role}: {', '.join(w for w in words if w)}")
    return " · ".join(parts)


def outcomes(ds, progress: pd.DataFrame, *, division: str | None = None, year=None,
             program: str | None = None) -> Table | Notice:
    """Results and targets of a division's part-III programs, or of one program.

    Parameters
    ----------
    ds : Dataset (section titles).
    progress : :func:`seoulcomm.calc.outcome_progress`.
    division : division slug; or ``program`` (slug) for the program's own section.
    year : report year: metrics with a result in that year or the year before, or a target
        for that year. ``None``: every metric.
    """
    rows = progress
    section = str(program_info(ds, program)["section"]) if program is not None else None
    if division is not None:
        rows = rows[(rows["division"] == division).fillna(False).to_numpy(dtype=bool)]
    if section is not None:
        rows = rows[(rows["section"] == section).fillna(False).to_numpy(dtype=bool)]
    if year is not None:
        y = int(year)
        last = rows["last_period"].astype("Int64")
        target = rows["target_period"].astype("Int64")
        keep = (last.isin([y - 1, y]) | (target == y)).fillna(False).to_numpy(dtype=bool)
        rows = rows[keep]
    if rows.empty:
        when = f"{int(year)}년에 해당하는 " if year is not None else ""
        return Notice(f"{when}추진실적·목표 자료가 없습니다.")
    rows = rows.copy()
    sections = ds["sections"]
    titles = dict(zip(sections["section"].astype(str), sections["title"].astype(str)))
    rows["section"] = [f"{s} {titles.get(str(s), '')}".strip() for s in rows["section"]]
    rows["metric_unit"] = rows["unit"]
    rows["last_when"] = [_when(p) for p in rows["last_period"]]
    rows["first_when"] = [_when(p) for p in rows["first_period"]]
    rows["target_when"] = [_when(p) for p in rows["target_period"]]
    rows["period_note"] = [_period_note(a, b) for a, b in zip(rows["last_note"], rows["target_note"])]
    moved = rows["change"].notna()
    rows["outcome_change"] = rows["change"]
    rows.loc[~moved.to_numpy(), "first_actual"] = np.nan
    rows.loc[~moved.to_numpy(), "first_when"] = ""
    columns = ["metric", "first_actual", "first_when", "last_actual", "last_when", "target",
               "target_when", "metric_unit", "period_note", "outcome_change", "achievement"]
    if not rows["period_note"].astype(bool).any():
        columns.remove("period_note")
    if not moved.any():
        columns = [c for c in columns if c not in ("first_actual", "first_when", "outcome_change")]
    if rows["achievement"].isna().all():
        columns.remove("achievement")
    docs = rows["document"].dropna().unique()
    if len(docs) > 1:
        rows["document"] = [DOCUMENT_SHORT.get(str(d), document_title(d)) for d in rows["document"]]
        columns.append("document")
    notes = ["목표·계획은 원문의 ’16년 목표와 추진계획 수치입니다. 달성률은 목표가 있는 지표만 "
             "계산합니다(줄이는 것이 목표인 지표는 (기준 − 실적) ÷ (기준 − 목표))."]
    if "period_note" in columns:
        notes.append("비고는 원문이 수치에 붙인 기간·기준 표기입니다(예: ’15.10월~ 는 2015년 10월부터, "
                     "주당은 ‘주 1회’처럼 한 주에 그만큼).")
    return Table(rows, columns, sheet="추진실적·목표", title="추진실적과 목표", unit="행별 단위",
                 source=source_text(rows["source"].str.split(" \\| ").str[0], "Ⅲ. 주요업무 추진계획"),
                 index=["section"], notes=notes)


def staffing(ds, table: pd.DataFrame, *, unit: str, year=None) -> Table | Notice:
    """Staffing by job group × grade (정원, 현원, 과·결원) — :func:`seoulcomm.calc.staffing_table`."""
    date = _staffing_date(ds, unit)
    if year is not None and date and pd.Timestamp(date).year != int(year):
        return Notice(f"인력 현황은 {fmt_date(date)} 기준 자료만 있어 "
                      f"{pd.Timestamp(date).year}년 보고서에 싣습니다.")
    rows = table.copy()
    is_total = rows["row"].eq("total").fillna(False).to_numpy(dtype=bool)
    rows.loc[is_total, "job_group"] = "계"
    rows.loc[is_total, "grade"] = ""
    classes = pd.Series(np.where(is_total, "sc-bold", ""), index=rows.index)
    name = _names(ds).get(unit, unit)
    notes = ["과·결원 = 현원 − 정원: 양수는 과원, △는 결원입니다."]
    return Table(rows, ["job_group", "grade", "authorized", "current", "gap"],
                 sheet="직급별 인력", title=f"{name} 직급별 정원·현원", unit="명", as_of=date,
                 source=source_text(rows["source"].dropna(), "Ⅰ-2 인력"), row_class=classes,
                 index=["job_group"], notes=notes)


def _in_year(steps: pd.DataFrame, year: int) -> np.ndarray:
    """Steps overlapping ``year``, plus the next year's plan steps that continue a section
    whose plan is under way in ``year`` (e.g. a foundation launched the January after)."""
    start = steps["start"]
    end = steps["end"].fillna(pd.Timestamp(year=year, month=12, day=1))
    lo, hi = pd.Timestamp(year=year, month=1, day=1), pd.Timestamp(year=year, month=12, day=31)
    overlap = ((start <= hi) & (end >= lo)).to_numpy(dtype=bool)
    kind = steps["kind"].astype(str).to_numpy()
    planned_sections = set(steps.loc[overlap & (kind == "plan"), "section"]) \
        if "section" in steps.columns else set()
    later = ((start.dt.year == year + 1).to_numpy(dtype=bool) & (kind == "plan")
             & steps.get("section", pd.Series(index=steps.index, dtype=object))
             .isin(planned_sections).to_numpy(dtype=bool))
    return overlap | later


def schedule_steps(schedule: pd.DataFrame, *, year=None, division: str | None = None,
                   program: str | None = None) -> pd.DataFrame:
    """The schedule steps of a division (or a program's plan) that belong to ``year``
    (all of them when ``year`` is ``None``)."""
    rows = schedule
    if division is not None:
        rows = rows[(rows["division"] == division).fillna(False).to_numpy(dtype=bool)]
    if program is not None:
        rows = rows[(rows["program"] == program).fillna(False).to_numpy(dtype=bool)]
        rows = rows[rows["kind"].isin(["plan", "done"]).fillna(False).to_numpy(dtype=bool)]
    rows = rows[rows["start"].notna().to_numpy(dtype=bool)]
    if rows.empty:
        return rows
    if year is not None:
        rows = rows[_in_year(rows, int(year))]
    order = ["section", "start", "end"] if "section" in rows.columns else ["start", "end"]
    return rows.sort_values(order, kind="stable").reset_index(drop=True)


def plan_year(steps: pd.DataFrame):
    """The year most steps start in (the plan's year), or ``None``."""
    if steps is None or steps.empty:
        return None
    return int(steps["start"].dt.year.mode().iloc[0])


def schedule(steps: pd.DataFrame, *, year=None, ds=None) -> Table | Notice:
    """The plan steps of :func:`schedule_steps` as a table (the chart's companion)."""
    if steps.empty:
        return Notice(f"{int(year)}년에 걸친 추진일정이 원문에 없습니다." if year is not None
                      else "추진일정이 원문에 없습니다.")
    year = plan_year(steps) if year is None else year
    rows = steps.copy()
    rows["status"] = rows["kind"].map(VALUE_LABELS["status"])
    rows["end"] = [fmt_month(e) if not _missing(e) else "계속(~)" for e in rows["end"]]
    columns = ["step", "start", "end", "status"]
    index = []
    if "section" in rows.columns and ds is not None:
        sections = ds["sections"]
        titles = dict(zip(sections["section"].astype(str), sections["title"].astype(str)))
        rows["section"] = [f"{s} {titles.get(str(s), '')}".strip() for s in rows["section"]]
        index = ["section"]
    if "detail" in rows.columns:
        columns.insert(1, "detail")
    return Table(rows, columns, sheet="추진일정", title=f"{int(year)}년 추진일정",
                 unit="월", source=source_text(rows["source"], "추진계획·추진일정"), index=index,
                 notes=["‘계속(~)’은 원문이 끝을 정하지 않은 일정(예: ’16.5월~)입니다."])


def audit_notes(ds, rows: pd.DataFrame) -> list:
    """Reconciliation notes: a summary line and the checks that are not exact.

    Parameters
    ----------
    rows : the checks of one scope, :func:`seoulcomm.audit.for_scope` of
        :func:`seoulcomm.audit.reconcile`.
    """
    counts = rows["verdict"].value_counts()
    total = len(rows)
    if total == 0:
        return [Notice("이 범위에 해당하는 원문 검증 항목이 없습니다.")]
    parts = [f"{VALUE_LABELS['verdict'][v]} {int(counts.get(v, 0))}건"
             for v in ("exact", "rounding", "truncation", "discrepancy") if counts.get(v, 0)]
    summary = (f"원문이 밝힌 합계·비율·증감 {total}건을 구성 항목으로 다시 계산해 맞춰 보았습니다: "
               + ", ".join(parts) + ".")
    off = rows[(rows["verdict"] != "exact").fillna(False).to_numpy(dtype=bool)].copy()
    if off.empty:
        return [Notice(summary + " 모두 일치합니다.")]
    order = {"discrepancy": 0, "truncation": 1, "rounding": 2}
    off["_o"] = off["verdict"].map(order)
    off = off.sort_values("_o", kind="stable")
    off["table"] = [ds.catalog.titles.get(str(t), str(t)) for t in off["table"]]
    off["verdict"] = off["verdict"].map(VALUE_LABELS["verdict"])
    off["audit_unit"] = off["unit"]
    table = Table(off, ["table", "item", "check", "stated", "computed", "difference", "verdict",
                        "audit_unit"],
                  sheet="원문 검증", title="원문 검증: 원문과 다시 계산한 값이 다른 곳",
                  unit="행별 단위", source=source_text(off["source"]),
                  nowrap=["verdict", "audit_unit"],
                  notes=["반올림 차이: 구성 항목을 원문 단위로 반올림해 생길 수 있는 차이. "
                         "절사 차이: 원문이 반올림 대신 끝자리를 버린 것으로 보이는 차이. "
                         "불일치: 반올림으로 설명되지 않는 차이."])
    return [Notice(summary), table]


# --------------------------------------------------------------------------- office report

def office_headline(ds, totals: pd.DataFrame, composition: pd.DataFrame, staffing: pd.DataFrame,
                    *, year) -> Headline:
    """Headline of the office report: budget, change on the year before, execution, staff."""
    row = _row(totals, year=year, unit="office")
    figures, date = [], None
    money = "백만원"
    if row is not None:
        date = row["as_of"].strftime("%Y-%m-%d") if not _missing(row["as_of"]) else None
        closed = not _missing(row["elapsed"]) and float(row["elapsed"]) >= 100
        figures.append(figure("예산", money_in(row["budget"], money), money))
    comp = _row(composition, year=year, category="계") if composition is not None else None
    if comp is not None and not _missing(comp["change"]):
        # as the source's <구성별> table states them, where it does
        change = comp.get("change_stated", pd.NA)
        change = comp["change"] if _missing(change) else change
        rate = comp.get("rate_stated", pd.NA)
        rate = comp["change_rate"] if _missing(rate) else rate
        figures.append(figure("전년 대비", money_in(change, money), money, triangle=True,
                              note=f"증감률 {units.fmt_rate(rate, triangle=True)}"))
    if row is not None:
        figures.append(figure("집행액", money_in(row["executed"], money), money,
                              note=f"{fmt_date(date)} 기준" if date else ""))
        figures.append(figure("집행률", row["execution_rate"], "%", decimals=1,
                              note="연말 결산" if closed else
                              f"연간 경과율 {units.fmt_rate(row['elapsed'])}"))
    staff = _row(staffing, unit="office") if staffing is not None else None
    staff_date = _staffing_date(ds, "office")
    if staff is not None and staff_date and pd.Timestamp(staff_date).year == int(year):
        figures.append(figure("현원", staff["current"], "명",
                              note=f"정원 {int(staff['authorized'])}명 ({fmt_date(staff_date)})"))
    name = _names(ds).get("office", "시민소통기획관")
    what = "예산·집행·인력 종합" if any(f["label"] == "현원" for f in figures) else "예산·집행 종합"
    return Headline(f"{name} {int(year)}년 예산·집행 현황", figures, date, documents(ds)[:1],
                    f"1관 4담당관 · {what}")


def divisions(ds, totals: pd.DataFrame, budget_division: pd.DataFrame, staffing: pd.DataFrame,
              *, year) -> Table | Notice:
    """The four divisions side by side: budget, share, execution and staff.

    Parameters
    ----------
    totals : :func:`division_totals`.
    budget_division : the division budget table (<부서별>, with the office's 계 and the
        shares it states). For a year it does not hold (a closed year), the table follows
        the source's 집행현황표 instead: 예산액, 집행액, 집행잔액, 집행률, and the share is
        computed (:func:`seoulcomm.calc.shares`).
    staffing : :func:`seoulcomm.calc.staffing_summary`; shown when its as-of date falls in
        ``year``.
    """
    names = _names(ds)
    units_ = [u for u in ds.divisions()["unit"].astype(str)]
    rows = totals[_years_in(totals, year)]
    rows = rows.set_index("unit").reindex(["office"] + units_).dropna(how="all").reset_index()
    if rows.empty or rows["budget"].isna().all():
        return Notice(f"{int(year)}년 부서별 예산 자료가 없습니다.")
    rows["unit_name"] = [("계" if u == "office" else names.get(u, u)) for u in rows["unit"]]
    stated = budget_division[_years_in(budget_division, year)]
    base = stated if len(stated) else rows
    whole = _row(base, unit="office")
    parts = base[(base["unit"] != "office").fillna(False).to_numpy(dtype=bool)]
    shared = calc.shares(parts, "budget", total=None if whole is None else whole["budget"])
    share = dict(zip(shared["unit"].astype(str), shared["share"]))
    if "share_stated" in base.columns:  # the source's own 비율 where it prints one
        share.update({str(u): float(v) for u, v in zip(base["unit"], base["share_stated"])
                      if not _missing(v)})
    rows["share"] = [100.0 if u == "office" else share.get(u, np.nan) for u in rows["unit"]]
    sources = list(rows["source"])
    if len(stated):
        listed = stated.set_index("unit")["budget"]
        rows["budget"] = [listed.get(u, b) for u, b in zip(rows["unit"], rows["budget"])]
        rows["detail_available"] = rows["available"]
        sources += list(stated["source"])
        columns = ["unit_name", "budget", "share", "detail_available", "executed",
                   "execution_rate"]
        notes = ["예산·비율은 원문 <부서별> 표, 예산현액(세부내역)·집행액·집행률은 원문 "
                 f"「{int(year)}년 예산편성 세부내역」에 적힌 값입니다."]
        notes += budget_mismatch_notes(ds, year)
        source_title = "Ⅰ-3 <부서별> · 예산편성 세부내역"
    else:
        columns = ["unit_name", "budget", "share", "executed", "balance", "execution_rate"]
        notes = [f"예산·집행액·집행잔액·집행률은 원문 「{int(year)}년도 예산 집행현황」에 적힌 "
                 "값이고, 비율(기획관 예산 대비)은 그 예산으로 계산한 값입니다."]
        source_title = f"{int(year)}년도 예산 집행현황"
    staff = staffing.set_index("unit")
    staff_date = _staffing_date(ds, "office")
    if staff_date and pd.Timestamp(staff_date).year == int(year):
        for col in ("authorized", "current", "gap"):
            rows[col] = [staff[col].get(u, pd.NA) for u in rows["unit"]]
        columns += ["authorized", "current", "gap"]
        notes.append(f"정원·현원·과·결원은 {fmt_date(staff_date)} 기준(명)입니다(원문 Ⅰ-2 인력).")
    classes = pd.Series(np.where(rows["unit"] == "office", "sc-bold", ""), index=rows.index)
    date = rows["as_of"].dropna().max()
    what = "예산·집행·인력" if "current" in columns else "예산·집행"
    return Table(rows, columns, sheet="부서별 현황", title=f"{int(year)}년 부서별 {what}",
                 unit="백만원", as_of=date.strftime("%Y-%m-%d") if not _missing(date) else None,
                 context="divisions", source=source_text(sources, source_title),
                 row_class=classes, column_units={}, notes=notes)


def budget_mismatches(ds, year, unit: str | None = None) -> pd.DataFrame:
    """Units whose budget the source's <부서별> table and its 세부내역 state differently.

    Returns
    -------
    DataFrame
        ``year, unit, budget_division, budget_detail`` [원], one row per disagreement
        (e.g. 시민봉사담당관 2016: 21,338 against 21,339 백만원).
    """
    division = ds["budget_division"]
    detail = ds["budget_detail"]
    detail = detail[detail["level"].isin(["office", "division"]).fillna(False).to_numpy(dtype=bool)]
    both = division.merge(detail[["year", "unit", "budget"]], on=["year", "unit"],
                          suffixes=("_division", "_detail"))
    keep = (both["year"] == int(year)) & (both["budget_division"] != both["budget_detail"])
    if unit is not None:
        keep &= both["unit"] == unit
    both = both[keep.fillna(False).to_numpy(dtype=bool)]
    return both[["year", "unit", "budget_division", "budget_detail"]].reset_index(drop=True)


def budget_mismatch_notes(ds, year, unit: str | None = None, *,
                          follows: str | None = None) -> list[str]:
    """A note for each unit whose budget the source's <부서별> table and its 세부내역 state
    differently, saying which figure the report follows.

    Parameters
    ----------
    unit : only this unit's disagreement (default: every unit's).
    follows : ``"detail"`` when every figure of the report comes from the 세부내역 (a
        division report); default: the report shows both, each labelled with its table.
    """
    names = _names(ds)
    found = budget_mismatches(ds, year, unit)
    notes = []
    for u, a, b in zip(found["unit"], found["budget_division"], found["budget_detail"]):
        gap = units.fmt_money(abs(int(a) - int(b)))
        if follows == "detail":
            rule = (f"이 보고서의 예산은 모두 세부내역의 {units.fmt_money(b)}입니다"
                    "(‘원문 검증’ 참고).")
        else:
            rule = ("이 보고서는 <부서별> 표에서 온 값과 세부내역에서 온 값을 표와 열마다 밝혀 "
                    "각각 적힌 대로 보입니다(‘원문 검증’ 참고).")
        notes.append(
            f"원문의 두 표가 {names.get(u, u)}의 {int(year)}년 예산을 {gap}백만원 다르게 적었습니다: "
            f"<부서별> 표 {units.fmt_money(a)}, 예산편성 세부내역 {units.fmt_money(b)}(백만원). "
            + rule)
    return notes


def division_changes(ds, yoy: pd.DataFrame, *, year) -> Table | Notice:
    """Each division's budget this year beside the year before, with the change.

    Parameters
    ----------
    yoy : :func:`seoulcomm.calc.year_over_year` of :func:`division_totals` by ``unit``
        (a year's budget from the table :func:`division_totals` took it from, named in
        each column's label).
    """
    rows = yoy[_years_in(yoy, year)]
    rows = rows[rows["base_year"].notna().to_numpy(dtype=bool)]
    if rows.empty:
        return Notice(f"{int(year)}년과 비교할 전년도 부서별 예산이 자료에 없습니다.")
    base = int(rows["base_year"].dropna().iloc[0])
    before = yoy[_years_in(yoy, base)].set_index("unit")
    order = ["office"] + list(ds.divisions()["unit"].astype(str))
    rows = rows.set_index("unit").reindex(order).dropna(how="all").reset_index()
    names = _names(ds)
    rows["unit_name"] = ["계" if u == "office" else names.get(u, u) for u in rows["unit"]]

    def column(table, y):
        # which of the source's tables the year's budget is from, for the label
        return f"detail_budget_{y}" if table == "budget_detail" else f"settled_budget_{y}"

    base_table = str(before["table"].dropna().iloc[0]) if "table" in before else ""
    this_table = str(rows["table"].dropna().iloc[0]) if "table" in rows else ""
    base_col, this_col = column(base_table, base), column(this_table, int(year))
    rows[base_col] = [before["budget"].get(u, pd.NA) for u in rows["unit"]]
    rows[this_col] = rows["budget"]
    classes = pd.Series(np.where(rows["unit"] == "office", "sc-bold", ""), index=rows.index)
    what = {"budget_detail": "「예산편성 세부내역」의 예산편성액",
            "execution_division": "「예산 집행현황」의 예산액"}
    return Table(rows, ["unit_name", base_col, this_col, "change", "change_rate"],
                 sheet="부서별 전년 대비", title=f"부서별 예산 {base}년 대비 {int(year)}년",
                 unit="백만원", context="divisions",
                 source=source_text(list(rows["source"]) + list(before["source"]),
                                    "2015년도 예산 집행현황 · 2016년 예산편성 세부내역"),
                 row_class=classes,
                 notes=[f"{base}년은 원문 {what.get(base_table, '표')}, {int(year)}년은 "
                        f"{what.get(this_table, '표')}입니다. 증감·증감률은 두 값으로 계산했고, "
                        "△는 감소입니다."] + budget_mismatch_notes(ds, year))


def composition(yoy: pd.DataFrame, *, year=None) -> Table | Notice:
    """Budget by composition (사업비, 기본경비) in each year up to ``year``, with the change on
    the year before — as the source's <구성별> table.

    Parameters
    ----------
    yoy : :func:`seoulcomm.calc.year_over_year` of the composition table by ``category``.
    """
    if year is not None:
        yoy = yoy[(yoy["year"].astype("Int64") <= int(year)).fillna(False).to_numpy(dtype=bool)]
    if yoy.empty:
        return Notice("예산 구성 자료가 없습니다.")
    parts = yoy[(yoy["category"] != "계").fillna(False).to_numpy(dtype=bool)]
    shared = calc.shares(parts, "budget", by="year")
    share = dict(zip(zip(shared["year"].astype(int), shared["category"]), shared["share"]))
    years = sorted(int(y) for y in yoy["year"].dropna().unique())
    cats = list(dict.fromkeys(yoy["category"].astype(str)))
    out = pd.DataFrame({"category": cats})
    columns = ["category"]
    def stated(sel, col, fallback, c):
        # the source's own figure where it states one, else the computed one
        if col in sel.columns and not _missing(sel[col].get(c, pd.NA)):
            return sel[col].get(c)
        return fallback.get(c, pd.NA)

    for y in years:
        sel = yoy[_years_in(yoy, y)].set_index("category")
        out[f"budget_{y}"] = [sel["budget"].get(c, pd.NA) for c in cats]
        computed = {c: 100.0 if c == "계" else share.get((y, c), np.nan) for c in cats}
        out[f"share_{y}"] = [float(stated(sel, "share_stated", computed, c)) for c in cats]
        columns += [f"budget_{y}", f"share_{y}"]
    notes = []
    if len(years) > 1:
        last = yoy[_years_in(yoy, years[-1])].set_index("category")
        out["change"] = pd.array([stated(last, "change_stated", last["change"], c) for c in cats],
                                 dtype="Int64")
        out["change_rate"] = [float(stated(last, "rate_stated", last["change_rate"], c)) for c in cats]
        columns += ["change", "change_rate"]
        notes.append(f"비중·증감·증감률은 원문 <구성별> 표에 적힌 값이며, {years[-1]}년 예산의 "
                     f"{years[-2]}년 대비 변화입니다. △는 감소입니다. 구성 항목으로 다시 계산한 값과 "
                     "다른 곳(사업비 증감 등)은 ‘원문 검증’에 있습니다.")
    classes = pd.Series(np.where(out["category"] == "계", "sc-bold", ""), index=out.index)
    return Table(out, columns, sheet="구성별 예산", title="구성별 예산 (사업비·기본경비)",
                 unit="백만원", context="composition",
                 source=source_text(yoy["source"], "Ⅰ-3 2016년 예산현황 <구성별>"),
                 row_class=classes, notes=notes)


def top_programs(ds, paced: pd.DataFrame, *, year, n: int = 10) -> Table | Notice:
    """The largest unit programs of the year by 예산편성액, across the office."""
    rows = as_stated(paced[_years_in(paced, year)])
    rows = rows[(rows["level"] == "program").fillna(False).to_numpy(dtype=bool)]
    if rows.empty:
        return Notice(f"{int(year)}년에는 사업별 예산 자료가 없습니다.")
    office = _row(paced, year=year, level="office")
    total = office["budget"] if office is not None else rows["budget"].sum()
    ranked = calc.shares(rows, "budget", total=total)
    ranked = ranked.sort_values("budget", ascending=False, kind="stable").head(n).copy()
    ranked["division_name"] = [_names(ds).get(u, u) for u in ranked["unit"]]
    # the source's own 비중 (Ⅰ-3 주요 사업별) where it states one
    shares = ds["program_shares"]
    shares = shares[_years_in(shares, year)]
    stated = dict(zip(shares["program"].astype(str), shares["share_stated"]))
    named = [n for n in ranked["name"].astype(str) if not _missing(stated.get(n))]
    ranked["share"] = [float(stated[n]) if n in named else v
                       for n, v in zip(ranked["name"].astype(str), ranked["share"])]
    notes = ["비율은 기획관 예산편성액 대비입니다."]
    if named:
        notes = [f"비율은 기획관 예산편성액 대비입니다. {', '.join(named)}의 비율은 원문(Ⅰ-3 "
                 "주요 사업별 비중)에 적힌 값이고, 나머지는 예산편성액으로 계산한 값입니다. "
                 "둘이 다른 곳은 ‘원문 검증’에 있습니다."]
    date = ranked["as_of"].dropna().max()
    return Table(ranked, ["name", "division_name", "budget", "share", "executed",
                          "execution_rate"],
                 sheet="주요 사업", title=f"예산 규모 상위 {len(ranked)}개 사업",
                 unit="백만원", as_of=date.strftime("%Y-%m-%d") if not _missing(date) else None,
                 source=source_text(ranked["source"], "2016년 예산편성 세부내역"),
                 notes=notes)


def settlement_vs_progress(ds, totals: pd.DataFrame, *, year) -> Table | Notice:
    """Each division's previous year (결산) beside ``year``'s execution."""
    names = _names(ds)
    years = sorted(int(y) for y in totals["year"].dropna().unique() if int(y) <= int(year))
    if len(years) < 2:
        return Notice(f"{int(year)}년과 견줄 전년도 결산 자료가 없습니다.")
    prev, cur = years[-2], years[-1]
    order = ["office"] + list(ds.divisions()["unit"].astype(str))
    a = totals[_years_in(totals, prev)].set_index("unit")
    b = totals[_years_in(totals, cur)].set_index("unit")
    out = pd.DataFrame({"unit": order})
    out["unit_name"] = ["계" if u == "office" else names.get(u, u) for u in order]
    spec = [("budget", a, prev), ("executed", a, prev), ("execution_rate", a, prev),
            ("available", b, cur), ("executed", b, cur), ("execution_rate", b, cur),
            ("pace_gap", b, cur)]
    columns = ["unit_name"]
    for col, src, y in spec:
        key = f"{col}_{y}"
        out[key] = [src[col].get(u, pd.NA) if u in src.index else pd.NA for u in order]
        columns.append(key)
    a_date = a["as_of"].dropna().max()
    b_date = b["as_of"].dropna().max()
    classes = pd.Series(np.where(out["unit"] == "office", "sc-bold", ""), index=out.index)
    srcs = pd.concat([a["source"], b["source"]])
    return Table(out, columns, sheet="결산과 올해 진도",
                 title=f"{prev}년 결산과 {cur}년 집행 진도", unit="백만원", context="progress",
                 as_of=b_date.strftime("%Y-%m-%d") if not _missing(b_date) else None,
                 source=source_text(srcs, "2015년도 예산 집행현황 · 2016년 예산편성 세부내역"),
                 row_class=classes,
                 notes=[f"{prev}년은 {fmt_date(a_date)} 결산, {cur}년은 {fmt_date(b_date)}까지의 "
                        "집행입니다. 경과율 대비는 집행률 − 연간 경과율입니다."])


# --------------------------------------------------------------------------- program report

def program_info(ds, program: str) -> pd.Series:
    """The program's row of the program table (name, division, section, detail program)."""
    frame = ds["program"]
    row = _row(frame, program=program)
    if row is None:
        raise KeyError(program)
    return row


def program_overview(ds, program: str) -> Table:
    """The program sheet's 사업개요 as a two-column table."""
    info = program_info(ds, program)
    names = _names(ds)
    period = f"{fmt_date(info['start'])} ~ {fmt_date(info['end'])}"
    money = "천원"
    total = f"{units.fmt_money(info['total_cost'], money)}{money}"
    city = "" if _missing(info["city"]) else f" (시비 {units.fmt_money(info['city'], money)}{money})"
    pairs = [
        ("사업명", info["name_ko"]),
        ("담당 부서", names.get(str(info["division"]), str(info["division"]))),
        ("세부사업(예산서)", info["detail_program"]),
        ("사업기간", f"{period} ({info['cycle']})"),
        ("총사업비", total + city),
        ("사업형태", f"{info['mode']} · {info['status']} · {info['nature']}"),
        ("시행주체", info["executor"]),
    ]
    frame = pd.DataFrame({"item": [p[0] for p in pairs], "detail": [str(p[1]) for p in pairs]})
    return Table(frame, ["item", "detail"], sheet="사업 개요", title="사업 개요", unit="",
                 context="overview", source=source_text([info["source"]], "1 기본 현황"))


def program_history(ds, program: str) -> Table | Notice:
    """The program's grounds and history (사업근거·추진경위), oldest first."""
    frame = ds["program_schedule"]
    rows = frame[((frame["program"] == program) & (frame["kind"] == "history"))
                 .fillna(False).to_numpy(dtype=bool)].sort_values("start", kind="stable")
    if rows.empty:
        return Notice("사업 근거·추진 경위가 원문에 없습니다.")
    return Table(rows, ["start", "step", "detail"], sheet="추진 경위", title="사업 근거와 추진 경위",
                 unit="", context="history", source=source_text(rows["source"], "3 사업설명"))


def program_budget_series(ds, program: str) -> pd.Series:
    """The program's budget by year [원]: settled years' 당초예산, then the budget table's 계."""
    settle = ds["settlement"]
    settle = settle[(settle["program"] == program).fillna(False).to_numpy(dtype=bool)]
    budget = ds["program_budget"]
    budget = budget[((budget["program"] == program) & (budget["item"] == "계"))
                    .fillna(False).to_numpy(dtype=bool)]
    series = pd.concat([
        pd.Series(list(budget["budget"]), index=[int(y) for y in budget["year"]]),
        pd.Series(list(settle["budget"]), index=[int(y) for y in settle["year"]]),
    ])
    series = series[~series.index.duplicated(keep="first")].sort_index().astype("Int64")
    series.index.name = "year"
    return series


def program_detail_row(ds, paced: pd.DataFrame, program: str):
    """The program's line of the budget detail (as paced), or ``None``."""
    info = program_info(ds, program)
    rows = paced[(paced["name"] == info["detail_program"]).fillna(False).to_numpy(dtype=bool)]
    return as_stated(rows).iloc[-1] if len(rows) else None


def program_headline(ds, program: str, budget_yoy: pd.DataFrame, paced: pd.DataFrame,
                     closed: pd.DataFrame) -> Headline:
    """Headline of the program report: budget, change, this year's execution, last settlement."""
    info = program_info(ds, program)
    money = "천원"
    totals = budget_yoy[(budget_yoy["item"] == "계").fillna(False).to_numpy(dtype=bool)]
    latest = totals.sort_values("year").iloc[-1] if len(totals) else None
    figures, date = [], None
    if latest is not None:
        figures.append(figure(f"{int(latest['year'])}년 예산", money_in(latest["budget"], money), money))
        if not _missing(latest["change"]):
            figures.append(figure("전년 대비", money_in(latest["change"], money), money,
                                  triangle=True,
                                  note=f"증감률 {units.fmt_rate(latest['change_rate'], triangle=True)}"))
    line = program_detail_row(ds, paced, program)
    if line is not None:
        date = line["as_of"].strftime("%Y-%m-%d") if not _missing(line["as_of"]) else None
        figures.append(figure("집행률", line["execution_rate"], "%", decimals=1,
                              note=f"{fmt_date(date)} 기준, 경과율 {units.fmt_rate(line['elapsed'])}"))
    mine = closed[(closed["program"] == program).fillna(False).to_numpy(dtype=bool)]
    if len(mine):
        last = mine.sort_values("year").iloc[-1]
        figures.append(figure(f"{int(last['year'])}년 결산 집행률", last["execution_rate"], "%",
                              decimals=1, note=f"불용률 {units.fmt_rate(last['unspent_rate'])}"))
    division = _names(ds).get(str(info["division"]), str(info["division"]))
    return Headline(f"{info['name_ko']}", figures, date, documents(ds)[::-1],
                    f"{division} · 사업 보고서")


def program_budget(yoy: pd.DataFrame, *, program: str) -> Table:
    """Budget by expense item and year with the change on the year before (천원) — the
    sheet's 예산 총괄, from :func:`seoulcomm.calc.year_over_year` by item."""
    rows = yoy[(yoy["program"] == program).fillna(False).to_numpy(dtype=bool)]
    years = sorted(int(y) for y in rows["year"].dropna().unique())
    items = list(dict.fromkeys(rows["item"].astype(str)))
    out = pd.DataFrame({"item": items})
    columns = ["item"]
    for y in years:
        sel = rows[_years_in(rows, y)].set_index("item")
        out[f"budget_{y}"] = [sel["budget"].get(i, pd.NA) for i in items]
        columns.append(f"budget_{y}")
    last = rows[_years_in(rows, years[-1])].set_index("item")
    out["change"] = [last["change"].get(i, pd.NA) for i in items]
    out["change_rate"] = [last["change_rate"].get(i, np.nan) for i in items]
    columns += ["change", "change_rate"]
    classes = pd.Series(np.where(out["item"] == "계", "sc-bold", ""), index=out.index)
    return Table(out, columns, sheet="예산 총괄", title="연도별 예산 (비목별)", unit="천원",
                 context="program_budget", source=source_text(rows["source"], "2 예산 설명 · 예산 총괄"),
                 row_class=classes,
                 notes=[f"증감·증감률은 {years[-1]}년의 전년 대비를 원 단위로 다시 계산한 값입니다. "
                        "원문은 증감률을 정수로 적으면서 소수점 아래를 버렸고(예: 158.7 → 158), "
                        "2014년 비목 합계는 원문의 계와 다릅니다(‘원문 검증’ 참고)."])


def cost_lines(lines: pd.DataFrame, rollup: pd.DataFrame, *, program: str) -> Table:
    """The 2016 cost lines (산출근거): unit cost × quantity = amount, by item and group.

    Parameters
    ----------
    lines : :func:`seoulcomm.calc.cost_lines`.
    rollup : :func:`seoulcomm.calc.cost_rollup`.
    """
    lines = lines[(lines["program"] == program).fillna(False).to_numpy(dtype=bool)]
    roll = rollup[(rollup["program"] == program).fillna(False).to_numpy(dtype=bool)]
    records = []
    for year in sorted(int(y) for y in roll["year"].dropna().unique()):
        r = roll[_years_in(roll, year)]
        total = r[(r["level"] == "total").to_numpy(dtype=bool)]
        for _, t in total.iterrows():
            records.append({"line": "계", "amount": t["stated"], "computed": t["computed"],
                            "_cls": "sc-bold"})
        for item in dict.fromkeys(r.loc[(r["level"] == "item").to_numpy(dtype=bool), "item"]):
            it = r[((r["level"] == "item") & (r["item"] == item)).to_numpy(dtype=bool)].iloc[0]
            records.append({"line": item, "amount": it["stated"], "computed": it["computed"],
                            "_cls": "sc-bold sc-sub"})
            groups = r[((r["level"] == "group") & (r["item"] == item)).to_numpy(dtype=bool)]
            for _, g in groups.iterrows():
                records.append({"line": f"○ {g['group']}", "amount": g["stated"],
                                "computed": g["computed"], "_cls": "sc-indent1 sc-bold"})
                sel = lines[((lines["item"] == item) & (lines["group"] == g["group"])
                             & _years_in(lines, year)).to_numpy(dtype=bool)]
                for _, ln in sel.iterrows():
                    records.append({"line": f"- {ln['line']}", "unit_cost": ln["unit_cost"],
                                    "quantity": ln["quantity"], "quantity_unit": ln["quantity_unit"],
                                    "amount": ln["amount"], "computed": ln["computed"],
                                    "_cls": "sc-indent2"})
    out = pd.DataFrame.from_records(records)
    for col in ("unit_cost", "quantity", "quantity_unit"):
        if col not in out.columns:
            out[col] = pd.NA
    years = sorted(int(y) for y in roll["year"].dropna().unique())
    return Table(out, ["line", "unit_cost", "quantity", "quantity_unit", "amount", "computed"],
                 sheet="산출내역", title=f"{', '.join(map(str, years))}년 세부 산출내역 (단가 × 수량)",
                 unit="천원", context="costs", column_units={"unit_cost": "원"},
                 source=source_text(lines["source"], "2 예산 설명 · 예산 요구내역 및 산출근거"),
                 row_class=out["_cls"],
                 notes=["‘단가×수량’은 단가(원) × 수량을 천원으로 다시 계산한 값으로, 원문의 금액과 "
                        "같아야 합니다."])


def settlement(closed: pd.DataFrame, *, program: str) -> Table:
    """Settled years (결산) with execution and unspent rates — :func:`seoulcomm.calc.closed_year`."""
    rows = closed[(closed["program"] == program).fillna(False).to_numpy(dtype=bool)] \
        .sort_values("year", kind="stable")
    return Table(rows, ["year", "budget", "carried_in", "changed", "available", "executed",
                        "carried_out", "balance", "execution_rate", "unspent", "unspent_rate"],
                 sheet="결산", title=f"최근 {len(rows)}년 결산 현황", unit="천원",
                 context="settlement", source=source_text(rows["source"], "5 최근 3년 결산현황"),
                 notes=["집행률 = 집행액 ÷ 예산현액, 불용액 = 예산현액 − 집행액 − 차년이월, "
                        "불용률 = 불용액 ÷ 예산현액 (다시 계산한 값)."])


# --------------------------------------------------------------------------- footer

def _footer_rows(ds, name: str, year, scope) -> pd.DataFrame:
    """The rows of table ``name`` a report of ``year`` and ``scope`` draws on."""
    frame = ds[name]
    keep = np.ones(len(frame), dtype=bool)
    org = ds["organisation"]
    kinds = dict(zip(org["unit"].astype(str), org["kind"].astype(str)))
    org_units = "unit" in frame.columns and frame["unit"].dropna().astype(str).isin(kinds).all()
    if scope is not None:
        if org_units and scope in kinds:
            if scope == "office":  # the office and its divisions, not the city as a whole
                allowed = {u for u, k in kinds.items() if k in ("office", "division")}
            else:
                allowed = {scope}
            keep &= frame["unit"].astype(str).isin(allowed).to_numpy()
        elif "division" in frame.columns and scope in kinds:
            keep &= (frame["division"].astype(str) == scope).to_numpy()
        elif "program" in frame.columns and scope not in kinds:
            keep &= (frame["program"].astype(str) == scope).to_numpy()
    if year is not None:
        if "year" in frame.columns:  # the years up to the report's (the summaries show them)
            keep &= (frame["year"].astype("Int64") <= int(year)).fillna(False).to_numpy(dtype=bool)
        elif "as_of" in frame.columns:  # e.g. staffing: shown only in its own year's report
            keep &= (frame["as_of"].dt.year == int(year)).fillna(False).to_numpy(dtype=bool)
    return frame[keep]


def footer(ds, tables=None, *, year=None, scope: str | None = None) -> Html:
    """The report's footer: the sources and the as-of dates of the tables it draws on.

    This is the report's one footer (the page template adds only the version and the
    workbook link).

    Parameters
    ----------
    tables : list of str, optional
        Names of the dataset tables the report draws on (default: every table). Only their
        as-of dates and the documents their rows cite are listed.
    year : int, optional
        The report's year: rows of later years are left out, and a table without a year
        (staffing) counts only when its as-of date falls in that year.
    scope : str, optional
        ``office``, a division slug or a program slug: rows of other units are left out.
    """
    titles = ds.catalog.titles
    names = list(ds.tables) if tables is None else [t for t in tables if t in ds.tables]
    dated, cited = [], set()
    for name in names:
        rows = _footer_rows(ds, name, year, scope)
        if "source" in rows.columns:
            cited |= {str(x).split(" ", 1)[0] for x in rows["source"].dropna()}
        if "as_of" in rows.columns and len(rows):
            days = sorted({d.strftime("%Y-%m-%d") for d in rows["as_of"].dropna()})
            if days:
                dated.append((titles.get(name, name), days))
    docs = [DOCUMENTS[d] for d in DOCUMENTS if d in cited] + sorted(d for d in cited
                                                                     if d not in DOCUMENTS)
    by_day: dict[str, list[str]] = {}  # one date, the tables stated at it
    for title, days in dated:
        for d in days:
            by_day.setdefault(d, []).append(title)
    items = [f'<time datetime="{_escape(d)}">{_escape(fmt_date(d))}</time>'
             f" ({_escape(', '.join(t))})" for d, t in by_day.items()]
    plain_dates = " · ".join(f"{fmt_date(d)} ({', '.join(t)})" for d, t in by_day.items())
    text = f"자료: {' · '.join(docs)}" + (f" / 기준일: {plain_dates}" if dated else "")
    lines = [f"<p>자료: {' · '.join(_escape(d) for d in docs)}</p>"]
    if items:
        lines.append(f"<p>기준일: {' · '.join(items)}</p>")
    lines.append("<p>금액은 원문 단위(백만원·천원)를 원 단위 정수로 읽어 계산하고, 표에는 원문 "
                 "단위로 반올림해 보입니다. 원문 표 모양의 표는 원문에 적힌 수치를 그대로 "
                 "보이고, 다시 계산한 값과의 차이는 ‘원문 검증’에 모았습니다.</p>")
    body = ('<div class="sc-footer" style="margin-top:24px; padding-top:6px; border-top:1px solid '
            '#cfd6e0; font-size:0.85em; color:#5a6473;">' + "".join(lines) + "</div>")
    return Html(body, text)


__all__ = [
    "TABLE_MIME", "HEADLINE_MIME", "LABELS", "VALUE_LABELS", "DOCUMENTS", "Table", "Headline",
    "Notice", "Html", "figure", "show", "label", "fmt_date", "fmt_month", "money_in",
    "document_title", "source_text", "documents", "pace_threshold", "as_of", "division_totals",
    "division_headline", "division_summary", "budget_detail", "pace", "laggards", "outcomes",
    "staffing", "schedule_steps", "plan_year", "schedule", "audit_notes", "division_changes",
    "program_overview", "program_history", "office_headline", "divisions",
    "composition", "top_programs", "settlement_vs_progress", "program_info",
    "program_budget_series", "program_detail_row", "program_headline", "program_budget",
    "cost_lines", "settlement", "footer", "as_stated", "budget_mismatch_notes",
    "budget_mismatches",
]
