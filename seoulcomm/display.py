"""Display objects: a report table, the headline, a notice, an HTML fragment.

Every table a report shows goes through :class:`Table`. It keeps the numbers in the unit
it displays them in (money from exact integer 원), writes its HTML (the markup of a pandas
``Styler``, which :meth:`Table.styler` also gives) with Korean column labels from
:mod:`seoulcomm.labels`, states its unit, as-of date and source in its caption, and escapes
every text that comes from the data. :func:`show` emits it as
``text/html`` plus the JSON the report pipeline turns into the spreadsheet
(:data:`TABLE_MIME`); a :class:`Headline` emits the report's headline (:data:`HEADLINE_MIME`),
and the footer the report's read log (:data:`READS_MIME`). Nothing here computes a figure.
"""
from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from markupsafe import escape as escape_markup

from . import units
from .labels import label

#: Mimetype of a table's JSON: sheet, title, unit, columns, rows (numbers as displayed).
TABLE_MIME = "application/vnd.seoulcomm.table+json"
#: Mimetype of the report's headline: title, figures, as_of, sources (one per report).
HEADLINE_MIME = "application/vnd.seoulcomm.headline+json"
#: Mimetype of the report's read log: ``{"reads": [{"table", "where"}, ...]}`` (one per report).
READS_MIME = "application/vnd.seoulcomm.reads+json"
#: Excel's limit on a sheet name.
SHEET_MAX = 31

def is_missing(value) -> bool:
    """``value`` is a missing value (None, NA, NaT or NaN), as a cell shows it: empty."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and np.isnan(value))
    except TypeError:
        return False


def number_decimals(value: float) -> int:
    """Decimals a measure needs to show as the source wrote it (at most two)."""
    for dp in (0, 1, 2):
        if abs(value * 10 ** dp - round(value * 10 ** dp)) < 1e-9:
            return dp
    return 2


fmt_date = units.fmt_date


def fmt_month(value) -> str:
    """A month as ``2016. 5.``."""
    if is_missing(value):
        return ""
    ts = pd.Timestamp(value)
    return f"{ts.year}. {ts.month}."


def _display_value(value, kind: str, money_unit: str):
    """A raw value → the number (or text) the table shows, in its display unit."""
    if is_missing(value):
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
        dp = number_decimals(number)
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
            return units.fmt_number(v, number_decimals(float(v)), triangle=True)
        if kind == "year":
            return str(v)
        return str(v)

    return text if kind in ("text", "date", "month") else fmt


def escape_html(text) -> str:
    """``text`` (None: empty) safe inside HTML text and double-quoted attributes."""
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
    headers : dict
        Label and kind of a column the label map cannot name (e.g. one column per as-of
        date): ``{"rate_at_0": ("2016. 4. 8. 기준 집행률(%)", "rate")}``.
    widths : dict
        The least width [em] of a text column that must not wrap word by word in a wide
        table (e.g. an outcome's 지표): ``{"metric": 10}``.
    cell_class : dict, optional
        CSS classes of one column's cells, row by row: ``{column: Series of str}`` (the 신호
        cell's colour, ``sc-red``, ``sc-amber``, ``sc-green``, beside its word).
    page_rows, sheet_rows : Series of bool, optional
        The rows the page (HTML) shows and the rows the spreadsheet holds, one flag per row
        of ``frame`` (default: every row). The office report's page shows the largest
        divisions and one 기타 line that sums the rest; its sheet has every division and no
        기타 line, so a SUM over the sheet counts each 원 once.
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
    headers: dict[str, tuple[str, str]] = field(default_factory=dict)
    widths: dict[str, int] = field(default_factory=dict)
    page_rows: pd.Series | None = None
    sheet_rows: pd.Series | None = None
    cell_class: dict[str, pd.Series] = field(default_factory=dict)

    def __post_init__(self):
        self.sheet = _sheet_name(self.sheet)
        missing = [c for c in self.columns + list(self.index) if c not in self.frame.columns]
        if missing:
            raise ValueError(f"표 '{self.title}'에 없는 열: {', '.join(missing)}")
        for name in ("page_rows", "sheet_rows"):
            flags = getattr(self, name)
            if flags is not None and len(flags) != len(self.frame):
                raise ValueError(f"표 '{self.title}'의 {name}는 행마다 하나씩이어야 합니다: "
                                 f"{len(flags)}개, 행 {len(self.frame)}개")

    def _only(self, flags) -> "Table":
        """This table with only the rows ``flags`` marks (all when ``None``)."""
        if flags is None:
            return self
        keep = np.asarray(pd.Series(list(flags)).fillna(False), dtype=bool)
        classes = None if self.row_class is None else \
            pd.Series(list(self.row_class), dtype=object)[keep].reset_index(drop=True)
        cells = {col: pd.Series(list(extra), dtype=object)[keep].reset_index(drop=True)
                 for col, extra in self.cell_class.items()}
        return replace(self, frame=self.frame[keep].reset_index(drop=True), row_class=classes,
                       cell_class=cells, page_rows=None, sheet_rows=None)

    # the shown columns in order: row headers first
    @property
    def _shown(self) -> list[str]:
        return list(self.index) + [c for c in self.columns if c not in self.index]

    def _kind(self, column: str) -> str:
        return (self.headers.get(column) or label(column, self.context))[1]

    def _label(self, column: str) -> str:
        text, kind = self.headers.get(column) or label(column, self.context)
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
        """The table as the report pipeline reads it (numbers as displayed): the
        spreadsheet's rows (:attr:`sheet_rows`)."""
        if self.sheet_rows is not None:
            return self._only(self.sheet_rows).to_json()
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

    def _cells(self):
        """What the page's table shows: its values (display units, Korean labels; a row
        header repeated from the row above left blank), each column's formatter, and each
        cell's CSS classes (``{label: [classes, row by row]}``)."""
        body = self.values()
        kinds = {self._label(c): self._kind(c) for c in self._shown}
        index_labels = [self._label(c) for c in self.index]
        # row-header columns: a value repeated from the row above is left blank (merged look)
        for lab in index_labels:
            same = body[lab].eq(body[lab].shift()).fillna(False)
            body[lab] = body[lab].where(~same, "")
        formatters = {lab: _formatter(kind) for lab, kind in kinds.items() if lab in body.columns}
        column = {lab: "text" if kinds[lab] in ("text", "date", "month") else "" for lab in body.columns}
        for lab in index_labels:
            column[lab] = "text sc-group"
        for col in self.nowrap:
            if col in self._shown:
                column[self._label(col)] = (column[self._label(col)] + " sc-nowrap").strip()
        for col, em in self.widths.items():
            if col in self._shown:
                column[self._label(col)] = (column[self._label(col)] + f" sc-w{int(em)}").strip()
        cells = {lab: [column[lab]] * len(body) for lab in body.columns}
        if index_labels:
            first = [v != "" for v in body[index_labels[0]].tolist()]
            for lab in body.columns:
                cells[lab] = [(c + " sc-first").strip() if f else c for c, f in zip(cells[lab], first)]
        if self.row_class is not None:
            extra = list(self.row_class.fillna(""))
            for lab in body.columns:
                cells[lab] = [(c + " " + e).strip() for c, e in zip(cells[lab], extra)]
            # indentation only on the first column (the name)
            for lab in body.columns[1:]:
                cells[lab] = [_INDENT.sub("", c).strip() for c in cells[lab]]
        for col, extra in self.cell_class.items():
            if col in self._shown:
                lab = self._label(col)
                cells[lab] = [(c + " " + str(e)).strip() for c, e in zip(cells[lab], list(extra.fillna("")))]
        return body, formatters, cells

    def _uuid(self) -> str:
        return "sc" + hashlib.sha1(f"{self.sheet}|{self.title}".encode()).hexdigest()[:8]

    def _table_styles(self) -> list[dict]:
        return [
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
            {"selector": "td.sc-red", "props": "background-color: #f3c4c4; font-weight: bold;"},
            {"selector": "td.sc-amber", "props": "background-color: #fbe3b0;"},
            {"selector": "td.sc-green", "props": "background-color: #d5ecd8;"},
            {"selector": "td.sc-group",
             "props": "font-weight: bold; border-bottom-color: transparent; width: 11em;"},
            # 2px: wider than the merged group cell's transparent 1px bottom, so it wins the
            # collapsed border and each group is ruled off
            {"selector": "td.sc-first", "props": "border-top: 2px solid #9aa5b4;"},
            {"selector": "td.sc-nowrap", "props": "white-space: nowrap;"},
            *[{"selector": f"td.sc-w{int(em)}", "props": f"min-width: {int(em)}em;"}
              for em in sorted(set(self.widths.values()))],
            {"selector": "th", "props": "text-align: center;"},
            {"selector": "tbody th", "props": "text-align: left; font-weight: normal;"},
        ]

    def _caption(self) -> str:
        return f"{escape_html(self.title)}<span class=\"sc-meta\">{escape_html(self.caption_meta())}</span>"

    def styler(self):
        """The page's table (:attr:`page_rows`) as a pandas Styler: formatted, escaped,
        captioned; for an analyst in JupyterLab. :meth:`to_html` writes the same table."""
        if self.page_rows is not None:
            return self._only(self.page_rows).styler()
        body, formatters, cells = self._cells()
        styler = body.style
        styler.set_uuid(self._uuid())
        styler.cell_ids = False  # no per-cell id: nothing styles a cell by id (see to_html)
        styler.hide(axis="index")
        styler.format(formatters, escape="html", na_rep="")
        styler.format_index(escape="html", axis=0)
        styler.format_index(escape="html", axis=1)
        styler.set_td_classes(pd.DataFrame(cells, index=body.index, columns=body.columns, dtype=object))
        styler.set_table_attributes('class="sc-table"')
        styler.set_table_styles(self._table_styles(), overwrite=True)
        styler.set_caption(self._caption())
        return styler

    def to_html(self) -> str:
        """The page's table as HTML: the markup of :meth:`styler`, less what it repeats per
        cell and nothing reads (position classes, heading ids, indentation), written
        directly (the Styler's template costs several times more)."""
        if self.page_rows is not None:
            out = self._only(self.page_rows)._html()
        else:
            out = self._html()
        if self.notes:
            out += "".join(f'<p class="sc-note">※ {escape_html(n)}</p>' for n in self.notes)
        return out

    def _html(self) -> str:
        body, formatters, cells = self._cells()
        uuid = self._uuid()
        out = ['<style type="text/css">\n']
        for style in self._table_styles():
            out.append(f"#T_{uuid} {style['selector']} {{\n")
            for prop in style["props"].split(";"):
                if prop.strip():
                    name, _, value = prop.partition(":")
                    out.append(f"  {name.strip()}: {value.strip()};\n")
            out.append("}\n")
        out.append(f'</style>\n<table id="T_{uuid}" class="sc-table">\n<caption>{self._caption()}</caption>\n'
                   "<thead>\n<tr>\n")
        out.extend(f"<th>{_markup(lab)}</th>\n" for lab in body.columns)
        out.append("</tr>\n</thead>\n<tbody>\n")
        columns = [(formatters[lab], body[lab].tolist(), cells[lab]) for lab in body.columns]
        for row in range(len(body)):
            out.append("<tr>\n")
            for fmt, values, classes in columns:
                value = values[row]
                text = "" if is_missing(value) else fmt(_markup(value) if isinstance(value, str) else value)
                css = classes[row].strip()
                out.append(f'<td class="{css}">{text}</td>\n' if css else f"<td>{text}</td>\n")
            out.append("</tr>\n")
        out.append("</tbody>\n</table>\n")
        return "".join(out)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.to_html(), "text/plain": f"{self.title} ({len(self.frame)}행)",
                TABLE_MIME: self.to_json()}


#: An indentation class, kept on a row's first cell only.
_INDENT = re.compile(r"\bsc-indent\d\b")


def _markup(text) -> str:
    """``text`` escaped as the Styler escapes it (markupsafe: ``&#39;``, ``&#34;``)."""
    return str(escape_markup(text))


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
            note = f'<span class="sc-fig-note">{escape_html(f["note"])}</span>' if f.get("note") else ""
            cards.append(
                '<div class="sc-fig" style="flex:1 1 150px; border:1px solid #cfd6e0; '
                'border-top:3px solid #1f4e8c; padding:8px 12px; min-width:140px;">'
                '<div class="sc-fig-label" style="font-size:0.85em; color:#5a6473;">'
                f'{escape_html(f["label"])}</div>'
                f'<div class="sc-fig-value" style="font-size:1.6em; font-weight:bold; line-height:1.3;">'
                f'{escape_html(f["value"])}<span class="sc-fig-unit" style="font-size:0.55em; '
                f'font-weight:normal; margin-left:2px;">{escape_html(f["unit"])}</span></div>'
                f'<div style="font-size:0.8em; color:#5a6473;">{note}</div></div>')
        as_of = (f'<time datetime="{escape_html(self.as_of)}">{escape_html(fmt_date(self.as_of))}</time> 기준'
                 if self.as_of else "")
        sub = " · ".join(x for x in (escape_html(self.subtitle), as_of) if x)
        return (
            '<div class="sc-headline">'
            f'<h1 style="margin-bottom:0.1em;">{escape_html(self.title)}</h1>'
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
                f'border-left:3px solid #8a94a3;">{escape_html(self.text)}</p>')

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
    if is_missing(raw):
        return {"label": label, "value": "–", "raw": None, "unit": unit, "note": note}
    raw = units.round_half_up(float(raw), decimals)
    raw = int(raw) if decimals == 0 else raw
    value = units.fmt_number(raw, decimals, triangle=triangle)
    return {"label": label, "value": value, "raw": raw, "unit": unit, "note": note}


def money_in(won, unit: str):
    """Integer 원 → the number shown in ``unit`` (rounded half up), ``None`` if missing."""
    if is_missing(won):
        return None
    return int(units.round_half_up(int(won) / units.factor(unit), 0))


@dataclass
class Footer:
    """The report's footer (sources and as-of dates) with the read log it was written from."""

    html: str
    text: str
    reads: list

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/plain": self.text, READS_MIME: {"reads": self.reads}}


#: Markers of the 개조식 levels, as a Seoul 업무보고 writes them (□ → ○ → - → ·).
OUTLINE_MARKS = {-1: "", 0: "□", 1: "○", 2: "-", 3: "·"}
#: Marks a source line may begin with itself (kept, never doubled).
OUTLINE_OWN_MARKS = ("※", "·", "-", "○", "□", "◦", "▪", "⇒", "⇨")


@dataclass
class Outline:
    """Text as the source arranges it: nested 개조식 items (□, ○, -, ·), with its source.

    Parameters
    ----------
    title : str
        The block's title (a caption, like a table's).
    items : list of dict
        ``{"level": -1–3, "text", "group" (optional: the heading the item belongs to, as
        the page shows it; the spreadsheet's first column)}``. Level -1 is an unmarked heading,
        0 a □ heading; a text that begins with its own mark (``※``, ``·`` …) keeps it.
        ``"only": "page"`` or ``"sheet"`` keeps an item to the page or to the spreadsheet
        (the office report's page names the largest divisions' sections, its sheet all).
    sheet : str
        Spreadsheet sheet name (the items become its rows).
    source : str
        Where the text comes from.
    notes : list of str
        Plain-text notes under the block.
    """

    title: str
    items: list[dict]
    sheet: str
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def __post_init__(self):
        self.sheet = _sheet_name(self.sheet)

    def to_json(self) -> dict:
        # every cell is text the page shows (the dates stay inside the lines, as printed)
        rows = [[item.get("group", ""), self._line(item)] for item in self.items
                if item.get("only") != "page"]
        return {"sheet": self.sheet, "title": self.title, "unit": "",
                "columns": ["구분", "내용"], "rows": rows,
                "as_of": None, "source": self.source}

    @staticmethod
    def _line(item: dict) -> str:
        text = str(item.get("text", "")).strip()
        mark = OUTLINE_MARKS.get(int(item.get("level", 1)), "-")
        if not mark or text[:1] in OUTLINE_OWN_MARKS:  # the source's own mark stays
            return text
        return f"{mark} {text}"

    def to_html(self) -> str:
        # a borderless one-column table: the page keeps one table per workbook sheet, and the
        # lines read as the source's 개조식 (each level indented, the mark hanging)
        lines = []
        for item in self.items:
            if item.get("only") == "sheet":
                continue
            level = int(item.get("level", 1))
            weight = "bold" if level <= 0 else "normal"
            top = "10px" if level < 0 else "2px"
            lines.append(
                f'<tr><td class="text sc-outline-item sc-lv{level}" style="border:none; '
                f'text-align:left; white-space:normal; padding:{top} 0 2px {max(level, 0) * 1.4 + 1.1}em; '
                f'text-indent:-1.1em; font-weight:{weight};">{escape_html(self._line(item))}</td></tr>')
        meta = f'<span class="sc-meta" style="display:block; font-weight:normal; font-size:0.85em; ' \
               f'color:#5a6473;">자료: {escape_html(self.source)}</span>' if self.source else ""
        notes = "".join(f'<p class="sc-note">※ {escape_html(n)}</p>' for n in self.notes)
        return (f'<table class="sc-outline" style="border:none; border-collapse:collapse; margin:10px 0;">'
                f'<caption>{escape_html(self.title)}{meta}</caption><tbody>'
                + "".join(lines) + "</tbody></table>" + notes)

    def _repr_mimebundle_(self, include=None, exclude=None):
        plain = "\n".join(self._line(i) for i in self.items if i.get("only") != "sheet")
        return {"text/html": self.to_html(), "text/plain": f"{self.title}\n{plain}",
                TABLE_MIME: self.to_json()}


@dataclass
class Messages:
    """A brief's 개조식 messages: each a □ line with its ○ lines and a link to its detail.

    Parameters
    ----------
    title : str
        The block's title (a caption, like a table's).
    messages : list
        :class:`seoulcomm.messages.Message` objects: ``head`` and ``items`` are lines whose
        ``parts`` are strings and figures (a figure has ``key``, ``text``, ``unit``,
        ``scope``, ``line``); each figure is marked on the page (``<b class="sc-num"
        data-key … data-scope … data-line …>``) so that a reader's eye and a test find it.
    links : list of str
        Each message's link, relative to the page.
    sheet : str
        Spreadsheet sheet name (one row per line: 내용, and on a □ line the report that
        holds its detail).
    source : str
        Where the figures come from.
    """

    title: str
    messages: list
    links: list
    sheet: str
    source: str = ""

    def __post_init__(self):
        self.sheet = _sheet_name(self.sheet)

    @staticmethod
    def _text(line) -> str:
        return "".join(p if isinstance(p, str) else f"{p.text}{p.unit}" for p in line.parts)

    @staticmethod
    def _html(line) -> str:
        out = []
        for p in line.parts:
            if isinstance(p, str):
                out.append(escape_html(p))
                continue
            attrs = f' data-key="{escape_html(p.key)}" data-scope="{escape_html(p.scope)}"'
            if p.line:
                attrs += f' data-line="{escape_html(p.line)}"'
            out.append(f'<b class="sc-num"{attrs}>{escape_html(p.text)}</b>{escape_html(p.unit)}')
        return "".join(out)

    def to_json(self) -> dict:
        rows = []
        for m in self.messages:
            rows.append([f"□ {self._text(m.head)}", m.link_text])
            rows += [[f"  ○ {self._text(i)}", ""] for i in m.items]
        return {"sheet": self.sheet, "title": self.title, "unit": "",
                "columns": ["내용", "자세히"], "rows": rows, "as_of": None,
                "source": self.source}

    def to_html(self) -> str:
        lines = []
        for m, link in zip(self.messages, self.links):
            more = (f' <a class="sc-more" href="{escape_html(link)}">→ {escape_html(m.link_text)}</a>'
                    if link else "")
            lines.append(f'<tr class="sc-msg sc-msg-{escape_html(m.rule)}"><td class="text sc-lv0">'
                         f"□ {self._html(m.head)}{more}</td></tr>")
            lines += [f'<tr class="sc-item sc-item-{escape_html(m.rule)}"><td class="text sc-lv1">'
                      f"○ {self._html(i)}</td></tr>" for i in m.items]
        meta = (f'<span class="sc-meta" style="display:block; font-weight:normal; font-size:0.85em; '
                f'color:#5a6473;">자료: {escape_html(self.source)}</span>') if self.source else ""
        return (f'<table class="sc-outline sc-messages"><caption>{escape_html(self.title)}{meta}</caption>'
                "<tbody>" + "".join(lines) + "</tbody></table>")

    def _repr_mimebundle_(self, include=None, exclude=None):
        plain = "\n".join([f"□ {self._text(m.head)}" + "".join(f"\n  ○ {self._text(i)}" for i in m.items)
                           for m in self.messages])
        return {"text/html": self.to_html(), "text/plain": f"{self.title}\n{plain}",
                TABLE_MIME: self.to_json()}
