"""Sections more than one report shows: sources, the 집행률 path, outcomes, staffing, the
plan, the reconciliation and the footer; and :class:`Scope`, what a report is about."""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import audit, calc, display, labels, load, params, plot, projection, units, views
from ..display import Notice, Table, fmt_date
from ..labels import VALUE_LABELS


@dataclass
class Scope:
    """What one report is about.

    Parameters
    ----------
    ds : the dataset (its read log becomes the report's footer).
    unit : ``office``, a division slug or a program slug.
    year : the report's fiscal year (``None`` for a program report: the sheet's own year).
    threshold : how far [%p] 집행률 may trail its reference and be on pace; every table and
        chart of the report uses this one value, passed down to the views (each paces once).
    red, amber : the year-end projection's signal thresholds [%] (위험 below ``red``, 주의
        below ``amber``), shown in the 연말 집행 전망 table's legend.

    The defaults here are the reports' only defaults of these parameters.
    """

    ds: load.Dataset
    unit: str
    year: int | None
    threshold: float = calc.PACE_THRESHOLD
    red: float = projection.SIGNAL_RED
    amber: float = projection.SIGNAL_AMBER

    @property
    def names(self) -> dict[str, str]:
        # asked by most sections: read once per report (a copy each time, a caller's own)
        return dict(once(self, ("names", self.year), lambda: labels.names(self.ds, self.year)))

    @property
    def name(self) -> str:
        return self.names.get(self.unit, self.unit)

    def money(self, table: str = "budget_detail") -> str:
        """The money unit of ``table`` (from ``catalog.yaml``)."""
        return labels.money_unit(self.ds, table)


def once(scope: Scope, key, compute):
    """``compute()`` once per report (per scope): several sections ask the same (the year's
    totals, the projection, the divisions they name); the rows it reads are in the report's
    read log from the first call."""
    memo = vars(scope).setdefault("_once", {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def totals(scope: Scope) -> pd.DataFrame:
    """:func:`seoulcomm.views.unit_totals` of the report's year and unit (a division: its own
    rows), once per report (a copy each time)."""
    return once(scope, ("unit_totals", scope.year, scope.unit, scope.threshold), lambda: views.unit_totals(
        scope.ds, scope.year, unit=scope.unit, threshold=scope.threshold)).copy()


def projected(scope: Scope) -> pd.DataFrame:
    """:func:`seoulcomm.views.projection` of the report's scope (the office: every division;
    a division: its lines), computed once per scope: the 집행 속도 table and the 연말 집행 전망
    both show it (a copy each time)."""
    unit = None if scope.unit == "office" else scope.unit
    return once(scope, ("projection", scope.year, scope.unit, scope.threshold, scope.red, scope.amber),
                lambda: views.projection(scope.ds, scope.year, unit=unit, threshold=scope.threshold,
                                         red=scope.red, amber=scope.amber)).copy()


def open_scope(kind: str, given: dict, data_dir=None, *, threshold=None, red=None,
               amber=None) -> Scope:
    """Load the data, check the parameters as the batch build does, and open the scope.

    Parameters
    ----------
    kind : ``division``, ``office`` or ``program``.
    given : the notebook's parameters (``division``/``program`` and ``year``).
    threshold, red, amber : as :class:`Scope`; ``None``: its default.
    """
    ds = load.load_all(data_dir)
    checked = params.check(kind, given, ds)
    unit = checked.get("division") or checked.get("program") or "office"
    default = Scope(ds, unit, checked.get("year"))
    threshold = default.threshold if threshold is None else threshold
    red = default.red if red is None else red
    amber = default.amber if amber is None else amber
    try:
        threshold = float(threshold)
    except (TypeError, ValueError):
        threshold = float("nan")
    if not np.isfinite(threshold) or threshold < 0:
        raise ValueError(f"집행 부진 기준(threshold)은 0 이상의 수여야 합니다 [%p]: {threshold!r}")
    projection.check_signals(red, amber)
    return Scope(ds, unit, checked.get("year"), threshold, float(red), float(amber))


def show(*items) -> None:
    """Display tables, headlines, notices and charts (``None`` is skipped) in a notebook."""
    from IPython.display import display as ipython_display
    from matplotlib.figure import Figure

    for item in items:
        if item is None:
            continue
        if isinstance(item, (list, tuple)):
            show(*item)
        elif isinstance(item, Figure):
            plot.show(item)
        else:
            ipython_display(item)


def iso(value) -> str | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


# --------------------------------------------------------------------------- bases

def rate_base(row) -> str:
    """The amount a unit total's 집행률 is computed on: 예산현액 in the detail, 예산액 in the
    division table (which states no carry-over)."""
    return "예산액" if str(row.get("table", "")) == "execution_division" else "예산현액"


def budget_cards(row, money: str, *, mismatch: pd.DataFrame | None = None,
                 note: str | None = None) -> list[dict]:
    """The headline's budget cards of a unit total: 예산 (편성액, or the division table's
    예산액) and, where a carry-over makes them differ, 예산현액 — the amount 집행률 and
    집행잔액 are computed on, so the rate stands beside its base. ``note``: the 예산 card's
    note when the budget is a later version (:func:`version_note`)."""
    from_division_table = rate_base(row) == "예산액"
    given = note
    note = "부서별 집행현황 예산액" if from_division_table else "예산편성액(세부내역)"
    if mismatch is not None and len(mismatch) and not from_division_table:
        note = f"세부내역 기준(<부서별> {units.fmt_money(mismatch['budget_division'].iloc[0], money)})"
    if given:
        note = given
    cards = [display.figure("예산", display.money_in(row["budget"], money), money, note=note)]
    available = row.get("available")
    if not from_division_table and not display.is_missing(available) and available != row["budget"]:
        carry = row.get("carryover")
        carry = 0 if display.is_missing(carry) else carry
        cards.append(display.figure(
            "예산현액", display.money_in(available, money), money,
            note=f"예산 + 전년도 이월 {units.fmt_money(carry, money)}"))
    return cards


# --------------------------------------------------------------------------- sources

def document_text(ds, source) -> str:
    """How a report names the document a ``source`` cites: ``시민소통기획관 「2016 주요업무
    보고」(2016. 4. 26.)``."""
    doc = ds.document(source)
    if doc["title"] == doc["file"]:
        return doc["file"]
    when = f"({fmt_date(doc['date'])})" if doc["date"] else ""
    return f"{doc['issuer']} 「{doc['title']}」{when}".strip()


def source_text(ds, sources, title: str = "") -> str:
    """A caption's source: the documents ``sources`` cite, and ``title`` (the table's)."""
    docs = list(dict.fromkeys(document_text(ds, s)
                              for s in pd.Series(list(sources), dtype=object).dropna().astype(str)))
    if not docs:
        return title
    return "; ".join(docs) + (f" 「{title}」" if title else "")


def detail_title(ds, year) -> str:
    """The detail's title for ``year`` as the catalog names it: ``2016년 예산편성 세부내역``."""
    return f"{int(year)}년 {ds.catalog.titles.get('budget_detail', '예산편성 세부내역')}"


def version_note(scope: Scope, row) -> str | None:
    """The headline budget's note when the snapshot it is from states a later budget version
    than 당초: ``1회 추경 기준(당초 40,828)``; None for 당초."""
    if row is None or row.get("table") != "budget_detail":
        return None
    version = views.snapshot_version(scope.ds, scope.year, row["as_of"])
    if version == views.ORIGINAL:
        return None
    bridge_rows = views.budget_bridge(scope.ds, scope.year, scope.unit)
    if bridge_rows.empty:
        return f"{version} 기준"
    first = bridge_rows.iloc[0]
    return f"{version} 기준({first['version']} {units.fmt_money(first['amount'], scope.money())})"


def bridge(scope: Scope) -> list:
    """The bridge 당초 → each 추경 → 이월 → 예산현액 of the report's unit, as a table, when
    the year has more than one budget version; nothing otherwise."""
    ds, year = scope.ds, scope.year
    rows = views.budget_bridge(ds, year, scope.unit)
    if rows.empty:
        return []
    money = scope.money()
    rows = rows.assign(item=rows["step"], as_of_text=[fmt_date(d) if not pd.isna(d) else "원문 <부서별>"
                                                      for d in rows["as_of"]])
    classes = pd.Series(np.where(rows["kind"].isin(["version", "available"]), "sc-bold", ""), index=rows.index)
    end = rows.iloc[-1]
    sources = ds.rows("budget_detail", year=int(year), unit=scope.unit,
                      level="office" if scope.unit == "office" else "division")["source"]
    return [Table(rows, ["item", "amount", "version", "as_of_text"], sheet="예산 단계",
                  title=f"{scope.name} {int(year)}년 예산 변동 (당초 → 예산현액)", unit=money,
                  as_of=iso(end["as_of"]), context="bridge", source=source_text(ds, sources),
                  row_class=classes,
                  notes=["당초 예산에서 추경마다의 증감, 전년도 이월액을 더해 기준일의 예산현액에 이름. "
                         "각 단계의 예산은 그 단계를 적은 가장 늦은 세부내역의 값이며, 원문 비중·전년 대비는 "
                         "그 문서가 적은 단계(당초)에만 대어 봄. △는 감소."])]


def transfer_notes(scope: Scope) -> list[str]:
    """※ notes of programs moved into or out of the report's division from its year (이관:
    neither a cut in one place nor a new program in the other)."""
    hist = views.org_history(scope.ds)
    if scope.year is None or hist is None or hist.empty:
        return []
    moved = views.history.transfers(hist, scope.year)
    before = labels.names(scope.ds, int(scope.year) - 1)
    names = scope.names
    notes = []
    for program, src, dst in zip(moved["detail_program"], moved["unit"], moved["to"]):
        src_now = views.history.successor(hist, str(src), scope.year)
        dst_now = views.history.successor(hist, str(dst), scope.year)
        if scope.unit == dst_now:
            notes.append(f"「{program}」은(는) {int(scope.year)}년 {before.get(str(src), src)}에서 이관된 사업"
                         "(신규 사업 아님).")
        elif scope.unit == src_now:
            notes.append(f"「{program}」은(는) {int(scope.year)}년 {names.get(dst_now, dst)}(으)로 이관"
                         "(감액·폐지 아님).")
    return notes


def partial_note(scope: Scope) -> str | None:
    """※ note for an office-wide table: later snapshots of the detail that hold only part of
    the year's lines (and say why), so the office's figures stand on the latest complete one."""
    ds, year = scope.ds, scope.year
    if year is None or scope.unit not in ("office",):
        return None
    later = views.partial_snapshots(ds, year)
    used = views.latest(ds, year, "budget_detail")
    shown = [(when, part) for when, part in later.items() if used is None or when > used]
    if not shown:
        return None
    names = scope.names
    parts = "; ".join(f"{fmt_date(when)} 기준은 일부 집계({part['reason']}"
                      + (f" — {', '.join(names.get(u, u) for u in sorted(part['units']))}"
                         if part["units"] else "") + ")"
                      for when, part in shown)
    base = f"최근 전체 집계인 {fmt_date(used)} 기준" if used is not None else "전체 집계 없음"
    return f"기관 전체 수치는 {base}임. {parts}라 부서 보고서에만 반영."


# --------------------------------------------------------------------------- 집행률 path

def trend(scope: Scope, *, programs: bool = False, keep: list[str] | None = None) -> list:
    """The path of 집행률 over the year's as-of dates against the share of the year elapsed,
    as a table and a chart, with the prior year's settlement as reference. Nothing when the
    year has a single as-of date.

    ``keep`` (the office report): the divisions the chart and the page name; the others
    fold into one 기타 line (pooled rates), the workbook keeps every division."""
    ds, year = scope.ds, scope.year
    unit = None if scope.unit == "office" else scope.unit
    path = views.execution_path(ds, year, unit=unit, programs=programs, threshold=scope.threshold)
    if path.empty or path["as_of"].nunique() < 2:
        return []
    names = dict(scope.names)
    others = views.fold(path, keep, key="key", by="as_of", sums=["available", "executed"],
                        rates=views.POOLED_RATE, same=["elapsed", "settled"]) if keep is not None else path[:0]
    if len(others):
        names[views.OTHERS] = labels.others(int(others["folded"].iloc[0]))
        path = pd.concat([path, others.assign(unit=views.OTHERS)], ignore_index=True)
    path = path.copy()
    path["name"] = [("계" if k == "office" else names.get(k, k)) if not programs else k
                    for k in path["key"]]
    path["period"] = [labels.period_short(d) for d in path["as_of"]]
    ref_unit = scope.unit if scope.unit != "office" or programs else "office"
    prior = views.prior_settlement(ds, year, unit=None if scope.unit == "office" and not programs
                                   else ref_unit, threshold=scope.threshold)
    ref_row = prior[(prior["unit"] == ref_unit).to_numpy(dtype=bool)] if len(prior) else prior
    reference = float(ref_row["execution_rate"].iloc[0]) if len(ref_row) else None
    ref_year = int(ref_row["year"].iloc[0]) if len(ref_row) else None
    # the prior year's 12-31 figure: 결산 only where the data says it is one
    ref_word = "결산" if len(ref_row) and bool(ref_row["settlement"].iloc[0]) else "연말"
    # one column per as-of date, one row per line
    dates = sorted(path["as_of"].unique())
    wide = pd.DataFrame({"key": list(dict.fromkeys(path["key"]))})
    label_col = "program_name" if programs else "unit_name"
    wide[label_col] = list(path.drop_duplicates("key").set_index("key")["name"].reindex(wide["key"]))
    columns = [label_col]
    for i, d in enumerate(dates):
        col = f"rate_at_{i}"
        at = path[(path["as_of"] == d).to_numpy(dtype=bool)].set_index("key")
        # each date's rate beside the 예산현액 it is computed on (a 추경 changes it)
        wide[f"available_at_{i}"] = pd.array([at["available"].get(k, pd.NA) for k in wide["key"]],
                                             dtype="Int64")
        wide[col] = [at["execution_rate"].get(k, np.nan) for k in wide["key"]]
        columns += [f"available_at_{i}", col]
    elapsed = [float(path.loc[path["as_of"] == d, "elapsed"].iloc[0]) for d in dates]
    if reference is not None and not programs:
        if len(others):
            prior = pd.concat([prior, views.fold(prior, keep, sums=["available", "executed"],
                                                 rates=views.POOLED_RATE)], ignore_index=True)
        settled = prior.set_index("unit")
        wide["reference_base"] = pd.array([settled["available"].get(k, pd.NA) for k in wide["key"]],
                                          dtype="Int64")
        wide["reference"] = [float(settled["execution_rate"].get(k, np.nan)) for k in wide["key"]]
        columns += ["reference_base", "reference"]
    headers = {}
    for i, (d, e) in enumerate(zip(dates, elapsed)):
        headers[f"available_at_{i}"] = (f"{labels.period_short(d)} 예산현액", "money")
        headers[f"rate_at_{i}"] = (f"{labels.period_short(d)} 집행률(%) [경과율 {units.fmt_rate(e)}]",
                                   "rate")
    if "reference" in wide.columns:
        base_word = rate_base(ref_row.iloc[0]) if len(ref_row) else "예산현액"
        headers["reference_base"] = (f"{ref_year}년 {ref_word} {base_word}", "money")
        headers["reference"] = (f"{ref_year}년 {ref_word} 집행률(%)", "rate")
    order = ["office"] + list(ds.divisions(year)["unit"].astype(str)) if not programs else None
    if order and len(others):
        order.append(views.OTHERS)
    if order:
        present = set(wide["key"])
        wide = wide.set_index("key").reindex([k for k in order if k in present]).reset_index()
    classes = pd.Series(np.where(wide["key"] == "office", "sc-bold", ""), index=wide.index)
    what = "사업별" if programs else ("부서별" if scope.unit == "office" else "")
    title = f"{int(year)}년 기준일별 {what} 집행률 추이".replace("  ", " ")
    notes = ["기준일별 원문 집행률(집행액 ÷ 그 기준일의 예산현액)", "[ ] 안: 그 기준일까지의 연간 "
             "경과율(지난 날수 ÷ 그해 날수)"]
    owner = scope.names.get(ref_unit, ref_unit) if ref_unit != "office" else "기획관"
    if reference is not None:
        notes.append(f"그림의 점선: {owner}의 {ref_year}년 {ref_word} 집행률")
    sheet = f"집행률 추이{' (사업)' if programs else ''}"
    page = sheet_rows = None
    chart_path = path
    if len(others):
        shown = set(keep) | {"office", views.OTHERS}  # what the page and the chart name
        is_other = (wide["key"] == views.OTHERS).to_numpy()
        page, sheet_rows = wide["key"].isin(shown).reset_index(drop=True), pd.Series(~is_other)
        classes = classes.where(~is_other, "sc-sub")
        notes.append(labels.others_note(len(order) - 2, len(keep), sheet))
        chart_path = path[path["key"].isin(shown).to_numpy()]
    table = Table(wide, columns, sheet=sheet, title=title,
                  unit=scope.money(), as_of=iso(dates[-1]), source=source_text(ds, path["source"]),
                  row_class=classes, notes=notes, headers=headers, page_rows=page,
                  sheet_rows=sheet_rows)
    chart = plot.execution_path(chart_path, names=None, year=year, reference=reference,
                                reference_label=f"{owner} {ref_year}년 {ref_word}" if ref_year else "",
                                title=title)
    return [table, chart]


# --------------------------------------------------------------------------- outcomes

def _when(period) -> str:
    return "" if display.is_missing(period) else f"{int(period)}"


def _since(ds, rows: pd.DataFrame) -> list[str]:
    """The start of each row's cumulative result (``outcomes.since``), as printed."""
    if "since" not in ds.tables.get("outcomes", pd.DataFrame()).columns:
        return [""] * len(rows)
    sections = sorted(set(rows["section"].dropna().astype(str)))
    found = ds.rows("outcomes", section=sections, kind="actual")
    found = found[(found["since"].fillna("") != "").to_numpy(dtype=bool)]
    start = {(str(s), str(m), int(p)): str(v) for s, m, p, v in
             zip(found["section"], found["metric"], found["period"], found["since"])}
    out = []
    for sec, metric, period in zip(rows["section"], rows["metric"], rows["last_period"]):
        value = "" if display.is_missing(period) else start.get((str(sec), str(metric), int(period)), "")
        out.append(fmt_date(value) if len(value) == 10 else (f"{value}년" if value else ""))
    return out


_UNTIL = re.compile(r"'(\d{2})\.\s*(\d{1,2})월\s*말")


def _span(since: str, year: str, note) -> str:
    """``2013. 1. 12.~2016. 3월 말``: a cumulative result's period, its end from the note."""
    found = _UNTIL.search(str(note)) if isinstance(note, str) else None
    until = f"20{found[1]}. {int(found[2])}월 말" if found else year
    return f"{since}~{until}"


def _period_note(last_note, target_note) -> str:
    """The source's qualifiers of a row's result and target, in words, for the 비고 column:
    ``실적: ’15.10월~ · 목표·계획: 주당``."""
    parts = []
    for role, note in (("실적", last_note), ("목표·계획", target_note)):
        if display.is_missing(note) or not str(note).strip():
            continue
        words = [labels.NOTE_GLOSS.get(w.strip(), w.strip()) for w in str(note).split(",")]
        parts.append(f"{role}: {', '.join(w for w in words if w)}")
    return " · ".join(parts)


def outcomes(scope: Scope, *, division: str | None = None, section: str | None = None,
             year=None) -> Table | Notice:
    """Results and targets of a division's part-III programs, or of one section."""
    ds = scope.ds
    rows = views.outcomes(ds, year, division=division, section=section)
    if rows.empty:
        when = f"{int(year)}년 " if year is not None else ""
        return Notice(f"{when}추진실적·목표 자료 없음")
    rows = _with_stated_changes(ds, rows.copy(), year, division=division, section=section)
    since = _since(ds, rows)
    titles = views.section_titles(ds, year, sections=rows["section"].dropna())
    rows["section"] = [f"{s} {titles.get(str(s), '')}".strip() for s in rows["section"]]
    rows["metric_unit"] = rows["unit"]
    # qualifiers (일평균, 누적) stay in the indicator's label
    notes_of = [rows[c] if c in rows else pd.Series([None] * len(rows), index=rows.index)
                for c in ("last_note", "target_note", "existing_note")]
    rows["metric"] = [labels.metric_label(m, *n) for m, *n in zip(rows["metric"], *notes_of)]
    rows["last_when"] = [_when(p) for p in rows["last_period"]]
    # a cumulative result carries its period (시민청 방문객 '13. 1. 12. 개관 ~ '16. 3월 말)
    rows["last_when"] = [_span(f, w, n) if f else w
                         for f, w, n in zip(since, rows["last_when"], notes_of[0])]
    rows["first_when"] = [_when(p) for p in rows["first_period"]]
    rows["target_when"] = [_when(p) for p in rows["target_period"]]
    rows["period_note"] = [_period_note(a, b) for a, b in zip(rows["last_note"], rows["target_note"])]
    moved = rows["change"].notna()
    rows["outcome_change"] = rows["change"]
    rows.loc[~moved.to_numpy(), "first_actual"] = np.nan
    rows.loc[~moved.to_numpy(), "first_when"] = ""
    columns = ["metric", "first_actual", "first_when", "last_actual", "last_when", "target",
               "target_when", "metric_unit", "period_note", "outcome_change", "achievement"]
    # calc.outcome_progress: existing quantities (현황), ranges (5~6) and the gap of a target
    # from its baseline where no actual of the target's period exists yet
    if "existing" in rows and rows["existing"].notna().any():
        rows["outcome_existing"] = rows["existing"]
        columns.insert(columns.index("last_actual"), "outcome_existing")
    if "target_to" in rows and rows["target_to"].notna().any():
        # a range stays a range (5~6명, 월 1~2회): shown as the source states it, never cut to
        # its lower bound in the number column
        ranged = rows["target_to"].notna().to_numpy(dtype=bool)
        rows["outcome_target"] = rows["target_text"].where(ranged, "")
        rows["target"] = rows["target"].astype("Float64").mask(ranged)
        columns.insert(columns.index("target") + 1, "outcome_target")
    if "gap" in rows and rows["gap"].notna().any():
        rows["outcome_gap"] = rows["gap"]
        columns.insert(columns.index("achievement"), "outcome_gap")
    # the source's own change sits in the row's 비고, beside the result (a column of its own
    # would push the table past the printed page)
    rows["period_note"] = [" · ".join(x for x in (note, f"원문 증감: {said}" if said else "") if x)
                           for note, said in zip(rows["period_note"], rows["stated_change"])]
    if not rows["period_note"].astype(bool).any():
        columns.remove("period_note")
    if not moved.any():
        columns = [c for c in columns if c not in ("first_actual", "first_when", "outcome_change")]
    if rows["achievement"].isna().all():
        columns.remove("achievement")
    if rows["document"].dropna().nunique() > 1:
        rows["document"] = [ds.document(d)["short"] for d in rows["document"]]
        columns.append("document")
    notes = ["목표·계획: 원문의 목표·추진계획 수치",
             "달성률: 목표 시점 실적이 있는 지표만(줄이는 목표는 (기준 − 실적) ÷ (기준 − 목표)), "
             "그 전에는 기준(현황 또는 직전 실적) 대비 목표 차이"]
    if "period_note" in columns:
        notes.append("비고: 원문이 수치에 붙인 기간·기준(’15.10월~ = 2015년 10월부터, 주당 = 주 1회 "
                     "기준) · 원문 증감: 원문이 실적 옆에 적은 증감(’14년 대비 849명 증가)")
    return Table(rows, columns, sheet="추진실적·목표", title="추진실적 및 목표", unit="행별 단위",
                 source=source_text(ds, rows["source"].str.split(" \\| ").str[0],
                                    ds.catalog.titles.get("outcomes", "")),
                 index=["section"], notes=notes,
                 widths={"metric": 7})


# --------------------------------------------------------------------------- staffing

def staffing(scope: Scope) -> Table | Notice:
    """Staffing by job group × grade (정원, 현원, 과·결원) of the scope's unit in its year."""
    ds, year, unit = scope.ds, scope.year, scope.unit
    table, when = views.staffing_table(ds, year, unit)
    if table is None:
        return Notice(f"{int(year)}년 인력 자료 없음")
    rows = table.copy()
    is_total = rows["row"].eq("total").fillna(False).to_numpy(dtype=bool)
    rows.loc[is_total, "job_group"] = "계"
    rows.loc[is_total, "grade"] = ""
    classes = pd.Series(np.where(is_total, "sc-bold", ""), index=rows.index)
    notes = ["과·결원 = 현원 − 정원(△ 결원)"]
    return Table(rows, ["job_group", "grade", "authorized", "current", "gap"],
                 sheet="직급별 인력", title=f"{scope.name} 직급별 정원·현원",
                 unit=ds.unit("staffing"), as_of=iso(when),
                 source=source_text(ds, rows["source"].dropna(), ds.catalog.titles.get("staffing", "")),
                 row_class=classes, index=["job_group"], notes=notes)


# --------------------------------------------------------------------------- plan

def schedule(scope: Scope, steps: pd.DataFrame, *, year=None, as_of=None) -> list:
    """The plan steps as a timeline and a table (or one line saying there is none)."""
    ds = scope.ds
    if steps.empty:
        return [Notice(f"{int(year)}년 추진일정 자료 없음" if year is not None
                       else "추진일정 자료 없음")]
    year = views.plan_year(steps) if year is None else year
    chart = plot.timeline(steps, year=year, as_of=as_of)
    rows = steps.copy()
    # where each step stands at the report's date, not the source's own date
    rows["status"] = list(calc.step_status(rows, as_of).map(VALUE_LABELS["status"]))
    # dates at the precision the source states: the day where it gives one, else the month
    rows["start"] = [display.fmt_date(d) if not display.is_missing(d) else display.fmt_month(m)
                     for m, d in zip(rows["start"], rows.get("start_date", [None] * len(rows)))]
    rows["end"] = [display.fmt_date(d) if not display.is_missing(d) else
                   (display.fmt_month(e) if not display.is_missing(e) else "계속(~)")
                   for e, d in zip(rows["end"], rows.get("end_date", [None] * len(rows)))]
    columns = ["step", "start", "end", "status"]
    index = []
    if "section" in rows.columns:
        titles = views.section_titles(ds, year, sections=rows["section"].dropna())
        rows["section"] = [f"{s} {titles.get(str(s), '')}".strip() for s in rows["section"]]
        index = ["section"]
    if "detail" in rows.columns:
        columns.insert(1, "detail")
    when = f"{fmt_date(as_of)} 기준 " if as_of is not None and not pd.isna(as_of) else ""
    table = Table(rows, columns, sheet="추진일정", title=f"{int(year)}년 추진일정", unit="",
                  as_of=iso(as_of) if as_of is not None else None,
                  headers={"start": ("시작", "text")},
                  source=source_text(ds, rows["source"], "추진계획·추진일정"), index=index,
                  notes=[f"구분: {when}추진 단계(계획: 시작 전, 추진 중: 시작 후 종료 전, 완료: "
                         "원문상 완료, 기간 경과: 계획 기간이 지났으나 실적 자료 없음)",
                         "계속(~): 원문에 종료 시기 없음(예: ’16.5월~)"])
    return [chart, table]


# --------------------------------------------------------------------------- reconciliation

def _scope_where(scope: Scope, columns) -> dict:
    """The columns of a table that select the rows of one report's scope."""
    where = {}
    if scope.year is not None and "year" in columns:
        where["year"] = int(scope.year)
    if scope.unit in scope.ds.refs.get("program", set()):
        if "program" in columns:
            where["program"] = scope.unit
        elif "name" in columns:  # the detail names the program's line as the sheet does
            sheet = scope.ds.tables["program"]
            lines = sheet.loc[(sheet["program"] == scope.unit).fillna(False).to_numpy(dtype=bool),
                              "detail_program"]
            where["name"] = [str(n) for n in lines.dropna()]
        elif "section" in columns:  # part III tables (outcomes): the sheet's own section
            sheet = scope.ds.tables["program"]
            sections = sheet.loc[(sheet["program"] == scope.unit).fillna(False)
                                 .to_numpy(dtype=bool), "section"]
            where["section"] = [str(s) for s in sections.dropna()]
    elif scope.unit != "office":
        if "unit" in columns:
            where["unit"] = scope.unit
        elif "division" in columns:
            where["division"] = scope.unit
    return where


#: What each verdict of the 원문 검증 means, in the words of its legend.
VERDICT_MEANING = {
    "rounding": "원문 단위 반올림으로 생길 수 있는 차이",
    "truncation": "원문이 끝자리를 버린 것으로 보이는 차이",
    "explained": "다른 원문 수치로 설명되는 차이(근거는 비고)",
    "timing": "작성 시점이 다른 두 문서의 수치",
    "partial": "Ⅲ장 사업비가 세부내역 사업의 일부에 해당",
    "reference": "원문이 일부만 골라 적거나 달리 나눈 것으로 모순 아님",
    "unmatched": "대응하는 세부내역 사업 없음(사유는 비고)",
    "discrepancy": "원문 어디로도 설명되지 않는 차이",
}


def audit_notes(scope: Scope, *, year="scope") -> list:
    """Reconciliation notes: a summary line and the checks that are not exact."""
    ds = scope.ds
    rows = views.audit_checks(ds, scope.unit, scope.year if year == "scope" else year)
    for table in rows["table"].dropna().unique():  # the rows the checks compare, for the footer
        if str(table) in ds.tables:
            ds.rows(str(table), **_scope_where(scope, ds.tables[str(table)].columns))
    total = len(rows)
    if total == 0:
        return [Notice("이 범위의 원문 검증 항목 없음")]
    counts = rows["verdict"].value_counts()
    order = audit.VERDICTS  # exact … discrepancy
    parts = [f"{VALUE_LABELS['verdict'][v]} {int(counts.get(v, 0))}건" for v in order
             if counts.get(v, 0)]
    wrong = int(counts.get("discrepancy", 0))
    lead = (f"원문 수치 간 불일치 {wrong}건" if wrong else "원문 수치 간 불일치 없음")
    summary = f"{lead}: 원문의 합계·비율·증감 {total}건 재계산 대조 결과 " + ", ".join(parts)
    off = rows[(rows["verdict"] != "exact").fillna(False).to_numpy(dtype=bool)].copy()
    if off.empty:
        return [Notice(summary)]
    rank = {v: i for i, v in enumerate(reversed(order))}  # 불일치 first
    off["_o"] = off["verdict"].map(rank)
    off = off.sort_values("_o", kind="stable")
    off["table"] = [ds.catalog.titles.get(str(t), str(t)) for t in off["table"]]
    seen = [v for v in reversed(order) if v in set(off["verdict"])]
    off["verdict"] = off["verdict"].map(VALUE_LABELS["verdict"])
    off["audit_unit"] = off["unit"]
    shown = ["table", "item", "check", "stated", "computed", "difference", "verdict", "audit_unit"]
    if "note" in off and off["note"].notna().any():  # how the verdict follows, or why no match
        off["audit_note"] = off["note"].fillna("")
        shown.append("audit_note")
    legend = " · ".join(f"{VALUE_LABELS['verdict'][v]}: {VERDICT_MEANING[v]}" for v in seen)
    table = Table(off, shown,
                  sheet="원문 검증", title="원문 검증: 원문과 다시 계산한 값이 다른 곳",
                  unit="행별 단위", source=source_text(ds, off["source"]),
                  nowrap=["verdict", "audit_unit"], notes=[legend])
    return [Notice(summary), table]


# --------------------------------------------------------------------------- footer

def _cited_in(ds, entry: dict, year) -> tuple[list[str], list[str]]:
    """What one read-log entry's rows cite, up to the report's year (a table without a year:
    its own year) and among the columns it read: its documents (each once, in the rows' order) and its as-of dates (ISO, sorted), taken from the rows' positions, without
    making a frame of them (a report over ten years of monthly snapshots reads hundreds)."""
    frame = ds.tables[entry["table"]]
    taken = entry.get("columns")
    shown = [c for c in taken if c in frame.columns] if taken else list(frame.columns)
    if "source" not in shown and "as_of" not in shown:   # a read of other columns cites nothing
        return [], []
    where = entry.get("where") or {}
    at = ds.rows_at(entry["table"], where)
    if at is None:
        at = np.arange(len(frame))
    asked = where.get("year")
    asked = asked if isinstance(asked, (list, tuple)) else [asked]
    if year is not None and "year" in frame.columns and all(
            isinstance(y, (int, np.integer)) and y <= int(year) for y in asked):
        pass   # every row read is of a year up to the report's (the read asked for those years)
    elif year is not None:   # the years up to the report's (a table without a year: its own year)
        if "year" in frame.columns:
            at = at[(pd.Series(frame["year"].array[at]) <= int(year)).fillna(False).to_numpy(dtype=bool)]
        elif "as_of" in frame.columns:
            when = frame["as_of"].to_numpy(dtype="datetime64[ns]")[at]
            at = at[~np.isnat(when) & (when.astype("datetime64[Y]").astype(np.int64) + 1970 == int(year))]
    sources, dates = [], []
    if "source" in shown:
        found = frame["source"].array[at]
        sources = [str(s) for s in pd.unique(found[~found.isna()])]
    if "as_of" in shown:
        when = frame["as_of"].to_numpy(dtype="datetime64[ns]")[at]
        dates = [iso(d) for d in np.unique(when[~np.isnat(when)])]
    return sources, dates


def method_lines(money_units) -> list[tuple[int, str]]:
    """The report's one 작성 기준 note and the glossary beside it, 개조식: (level, text)."""
    money = "·".join(money_units) or "원문 단위"
    return [
        (0, "작성 기준"),
        (1, f"금액: 원문 단위({money}) 수치를 원 단위 정수로 계산, 표에는 원문 단위로 반올림"),
        (1, "비율: 소수 첫째 자리 반올림, 원문에 적힌 비율은 원문 그대로"),
        (1, "원문 표 모양의 표: 원문 수치 그대로, 재계산 값과의 차이는 ‘원문 검증’에 수록"),
        (1, "시점: 결산은 결산 자료(결산현황, 결산서)만, 그 밖의 12. 31. 수치는 연말 집행 실적, "
            "그 밖의 날짜는 그 기준일의 집행 실적"),
        (1, "추진 단계: 보고서 기준일 현재(계획·추진 중·완료·기간 경과)"),
        (0, "용어"),
        (1, "예산현액 = 예산편성액 + 전년도 이월액"),
        (1, "집행률 = 집행액 ÷ 예산현액(부서별 예산 집행현황은 집행액 ÷ 예산액)"),
        (1, "집행잔액 = 예산현액 − 집행액, 불용액 = 예산현액 − 집행액 − 차년이월"),
        (1, "연간 경과율 = 기준일까지 지난 날수 ÷ 그해 날수"),
        (1, "△ = 감소, %p = 비율의 차이"),
    ]


def footer(scope: Scope, *, compact: bool = False) -> display.Footer:
    """The report's footer, written from the dataset's read log: the documents the rows it
    read cite, and their as-of dates. It also carries the log itself
    (:data:`seoulcomm.display.READS_MIME`) for the batch build's cache."""
    ds, year = scope.ds, scope.year
    reads = [dict(e) for e in ds.reads]
    titles = ds.catalog.titles
    cited: list[str] = []
    by_day: dict[str, list[str]] = {}
    for entry in reads:
        sources, dates = _cited_in(ds, entry, year)
        cited += sources
        for d in dates:
            title = titles.get(entry["table"], entry["table"])
            if title not in by_day.setdefault(d, []):
                by_day[d].append(title)
    docs = list(dict.fromkeys(document_text(ds, s) for s in dict.fromkeys(cited)))
    by_day = dict(sorted(by_day.items()))
    items = [f'<time datetime="{display.escape_html(d)}">{display.escape_html(fmt_date(d))}</time>'
             f" ({display.escape_html(', '.join(t))})" for d, t in by_day.items()]
    plain_dates = " · ".join(f"{fmt_date(d)} ({', '.join(t)})" for d, t in by_day.items())
    text = f"자료: {' · '.join(docs)}" + (f" / 기준일: {plain_dates}" if by_day else "")
    money = sorted({u for u in ds.catalog.table_units.values() if u in units.MONEY_UNITS},
                   key=lambda u: -units.factor(u))
    lines = [f"<p>자료: {' · '.join(display.escape_html(d) for d in docs)}</p>"]
    if items:
        lines.append(f"<p>기준일: {' · '.join(items)}</p>")
    method = method_lines(money)
    if compact:  # a one-page brief: each heading and its items on one line
        groups: list[list[str]] = []
        for lv, t in method:
            if lv == 0:
                groups.append([t])
            else:
                groups[-1].append(t)
        lines.append("".join(f"<p>{display.escape_html(display.OUTLINE_MARKS[0])} "
                             f"{display.escape_html(g[0])}: {display.escape_html(' · '.join(g[1:]))}</p>"
                             for g in groups))
    else:
        lines.append("".join(f"<p style=\"margin:2px 0 2px {12 * lv}px\">"
                             f"{display.escape_html(display.OUTLINE_MARKS.get(lv, ''))} {display.escape_html(t)}</p>"
                             for lv, t in method))
    text += " / " + " · ".join(t for _, t in method)
    body = ('<div class="sc-footer" style="margin-top:24px; padding-top:6px; border-top:1px solid '
            '#cfd6e0; font-size:0.85em; color:#5a6473;">' + "".join(lines) + "</div>")
    return display.Footer(body, text, reads)


# --------------------------------------------------------------------------- source text

def plan_text(scope: Scope, division: str | None = None, section: str | None = None):
    """Each part III section of the report's year as the source arranges it: the section
    and its 사업비, then 목적, 추진개요, 추진방향, 추진실적 and 추진계획 as □ headings with
    their ○, -, · items (dates as printed). Only the sections of the report's year's document."""
    ds, year = scope.ds, scope.year
    rows = views.section_text(ds, year, division, section)
    if rows.empty:
        return Notice(f"{int(year)}년 주요업무 추진계획(목적·추진방향·추진계획) 자료 없음"
                      + held_in(ds, "section_text"))
    money = scope.money("sections")
    items = []
    for section, part_rows in rows.groupby("section", sort=False):
        first = part_rows.iloc[0]
        head = f"{section} {first['title']}"
        if not display.is_missing(first["budget_stated"]):
            head += f" (사업비 {units.fmt_money(first['budget_stated'], money)}{money})"
        items.append({"level": -1, "text": head, "group": head})
        for part, lines in part_rows.groupby("part", sort=False):
            # the plan is the year's, as the source heads it: '16년 추진계획
            shown = f"'{int(year) % 100:02d}년 {part}" if part == "추진계획" else part
            items.append({"level": 0, "text": shown, "group": head})
            for _, line in lines.iterrows():
                items.append({"level": int(line["level"]), "text": line["text"], "group": head})
    sources = list(rows["source"]) + [s for s in rows["section_source"] if s]
    return display.Outline(f"{int(year)}년 주요업무 추진계획", items, sheet="주요업무 추진계획",
                           source=source_text(ds, sources, ds.catalog.titles.get("section_text", "")),
                           notes=["원문 Ⅲ장 개조식 그대로(□ 구분, ○ 항목, - 세부 항목) · 사업비: 원문 각 "
                                  "사업의 ‘사업비’"])


def stated_change_text(value, unit: str, note) -> str:
    """A change as the source states it: ``'14년 대비 849명↑``, ``전년대비 21만명 증가``."""
    if display.is_missing(value):
        return ""
    v = float(value)
    if v.is_integer() and abs(v) >= 10_000 and abs(v) % 10_000 == 0:
        number = f"{units.fmt_number(abs(v) / 10_000, 0)}만"
    else:
        number = units.fmt_number(abs(v), display.number_decimals(abs(v)))
    arrow = "↑" if v > 0 else ("↓" if v < 0 else "")
    lead = "" if display.is_missing(note) or not str(note).strip() else f"{str(note).strip()} "
    return f"{lead}{number}{unit}{arrow}"


def verify_note(scope: Scope, tables, lead: str, *, items=None, year="scope") -> str | None:
    """A note that points to the report's own 원문 검증: the checks (``item — check
    (verdict)``, as that section lists them) of ``tables`` whose verdict is not 일치, as one
    개조식 line (``lead``, what the caller would say, is not printed: the count and the
    verdicts say it); ``None`` when every check of those tables agrees.

    ``items`` keeps only checks whose item mentions one of these words."""
    rows = views.audit_checks(scope.ds.fresh(), scope.unit, scope.year if year == "scope" else year)
    if rows.empty:
        return None
    off = rows[((rows["verdict"] != "exact") & rows["table"].isin(list(tables)))
               .fillna(False).to_numpy(dtype=bool)]
    if items is not None:
        off = off[[any(w in str(i) for w in items) for i in off["item"]]]
    if off.empty:
        return None
    named = list(dict.fromkeys(f"{i} — {c} ({VALUE_LABELS['verdict'].get(v, v)})"
                               for i, c, v in zip(off["item"], off["check"], off["verdict"])))
    # the judgement first, then where it is: 개조식, one line
    return f"원문 검증 {len(named)}건 해당: {'; '.join(named)}"


def _with_stated_changes(ds, rows: pd.DataFrame, year, *, division=None, section=None) -> pd.DataFrame:
    """``rows`` (outcome progress) with ``stated_change``: the change the source states beside
    the result ('14년 대비 849명 증가), matched by section, metric and document; a metric the
    source gives only as a change (페이스북 운영실적 428% 증가) gets a row of its own."""
    stated = views.stated_changes(ds, division=division, section=section)
    if year is not None and len(stated):
        stated = stated[stated["period"].isin([int(year) - 1, int(year)]).fillna(False).to_numpy(dtype=bool)]
    rows["stated_change"] = ""
    extra = []
    for _, c in stated.iterrows():
        doc = str(c["source"]).split(" ", 1)[0]
        note = c["period_note"]
        if display.is_missing(note) or not str(note).strip():
            note = f"{int(c['period'])}년" if not display.is_missing(c["period"]) else ""
        text = stated_change_text(c["value"], str(c["unit"]), note)
        text = text.replace("↑", " 증가").replace("↓", " 감소")
        hit = ((rows["section"] == c["section"]) & (rows["metric"] == c["metric"])
               & (rows["document"].astype(str) == doc)).fillna(False).to_numpy(dtype=bool)
        if hit.any():
            rows.loc[hit, "stated_change"] = text
        else:
            extra.append({"division": c["division"], "section": c["section"], "metric": c["metric"],
                          "unit": c["unit"], "document": doc, "source": c["source"],
                          "stated_change": text})
    if extra:
        rows = pd.concat([rows, pd.DataFrame(extra)], ignore_index=True)
    return rows


def held_in(ds, table: str) -> str:
    """`` — 「2016 주요업무 보고」 내용으로 2016년 보고서에 수록``: where the text a report of
    another year does not show is (the years of the documents ``table``'s rows cite)."""
    if table not in ds.tables:
        return ""
    sources = ds.values(table, "source")  # only the sources: what the text says is not shown
    if sources.empty:
        return ""
    years = sorted({int(y) for y in views.document_years(ds, sources) if y == y})
    docs = list(dict.fromkeys(f"「{ds.document(s)['title']}」" for s in sources))
    if not years:
        return ""
    return f" — {'·'.join(docs)} 내용으로 {'·'.join(f'{y}년' for y in years)} 보고서에 수록"
