"""The rules that pick the 기획관 brief's messages: each a pure function of one year's figures.

A message is a □ line with its ○ lines, written 개조식 (noun endings, conclusion first), each
figure kept as a :class:`Fig` (what it is, whose, as shown) so that a page can mark it and a
test can find it again in the unit's own report. Every message links to the report that holds
its detail. :func:`select` runs the rules in the order a 기획관 reads them:

1. :func:`overall` — the office's execution against its reference, the year-end projection;
2. :func:`largest_unspent` — the largest projected 불용 (up to three lines, with amounts);
3. :func:`laggards` — the 부진 lines: how many, and the largest by amount;
4. :func:`budget_changes` — the budget against the 당초 (only where the year has versions);
5. :func:`open_checks` — the open 원문 검증 items, report by report.

What a message may not do (:func:`select`): be printed without a figure; repeat a figure another
message already gave (such a ○ line is left out, and a message with nothing new is dropped);
be filled in where its rule does not apply (the rule returns ``None``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import labels, units
from .monitor import report_of

#: Most messages a brief holds (one A4 page).
MAX_MESSAGES = 5
#: Most lines :func:`largest_unspent` names.
TOP_UNSPENT = 3
#: Most divisions a ○ line names (the rest: ``외 N개 부서``), so the brief stays one page.
NAMED = 4
#: The reference a pace is judged against, in words (the index's and the brief's).
REFERENCE_WORDS = {"계획": "월별 집행계획", "전년": "전년 같은 날 집행률", "경과": "연간 경과율"}
#: The signal a projection raises first (위험: projected 집행률 below the red line).
RED = "위험"
#: Verdicts of open 원문 검증 items, most serious first (:data:`seoulcomm.audit.VERDICTS`).
OPEN_ORDER = ("discrepancy", "unmatched", "truncation", "timing", "partial", "explained", "reference")


@dataclass(frozen=True)
class Fig:
    """One figure of a message.

    Attributes
    ----------
    key : the figure it is, named as the overview's or the lines' column
        (``execution_rate``, ``available``, ``projected_unspent``, ``laggards`` …).
    text : as shown (``22.3``, ``42,170``, ``△4.7``).
    unit : what follows it (``%``, ``%p``, ``백만원``, ``개``, ``건``).
    scope : the unit it belongs to (``office`` or a division slug).
    line : the spending line's name, for a line's figure.
    """

    key: str
    text: str
    unit: str
    scope: str
    line: str | None = None

    def __str__(self) -> str:
        return f"{self.text}{self.unit}"


@dataclass
class Line:
    """A line of text: plain strings and :class:`Fig` in reading order."""

    parts: list

    @property
    def figures(self) -> list[Fig]:
        return [p for p in self.parts if isinstance(p, Fig)]

    @property
    def text(self) -> str:
        return "".join(str(p) for p in self.parts)


@dataclass
class Message:
    """A □ line (``head``), its ○ lines (``items``) and the report that holds the detail."""

    rule: str
    head: Line
    items: list[Line] = field(default_factory=list)
    link: str = ""
    link_text: str = ""

    @property
    def figures(self) -> list[Fig]:
        return self.head.figures + [f for item in self.items for f in item.figures]


@dataclass
class Facts:
    """One year's figures the rules read.

    Attributes
    ----------
    year : the fiscal year.
    overview : :func:`seoulcomm.monitor.overview` (the office first, then each division).
    lines : :func:`seoulcomm.monitor.lines` (empty when the year has no detail).
    checks : ``{scope: open checks}`` (:func:`seoulcomm.monitor.open_checks`) per report.
    names : unit slug → Korean name.
    money : the money unit figures are shown in (``백만원``).
    threshold : the 부진 threshold [%p] the lines were judged with.
    versions : the year's budget by version (``unit, version, date, budget`` [원], oldest
        first), or ``None`` when the data has no versions for the year.
    """

    year: int
    overview: pd.DataFrame
    lines: pd.DataFrame
    checks: dict
    names: dict
    money: str
    threshold: float
    versions: pd.DataFrame | None = None


# --------------------------------------------------------------------------- helpers

def _money(won, key: str, scope: str, money: str, line: str | None = None) -> Fig:
    return Fig(key, units.fmt_money(won, money), money, scope, line)


def _rate(value, key: str, scope: str, line: str | None = None, *, gap: bool = False) -> Fig:
    return Fig(key, units.fmt_number(value, 1, triangle=gap), "%p" if gap else "%", scope, line)


def _count(value, key: str, scope: str, unit: str) -> Fig:
    return Fig(key, f"{int(value):,}", unit, scope)


def _missing(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))


def _office(facts: Facts):
    rows = facts.overview[(facts.overview["unit"] == "office").to_numpy(dtype=bool)]
    return rows.iloc[0] if len(rows) else None


def _divisions(facts: Facts) -> pd.DataFrame:
    return facts.overview[(facts.overview["unit"] != "office").to_numpy(dtype=bool)]


def _earlier_lines(facts: Facts) -> bool:
    """The office's figures are settled (12-31) but its lines are an earlier snapshot's."""
    office = _office(facts)
    return (office is not None and bool(office["settled"]) and len(facts.lines) > 0
            and not bool(facts.lines["settled"].astype(bool).all()))


def _dates(as_of: pd.Series) -> str:
    """``2016. 7. 15.``, or the first and last of several snapshots: ``2016. 4. 8.~2016. 7. 15.``"""
    days = sorted({units.fmt_date(d): pd.Timestamp(d) for d in as_of.dropna()}.items(), key=lambda kv: kv[1])
    if len(days) <= 1:
        return days[0][0] if days else ""
    return f"{days[0][0]}~{days[-1][0]}"


def basis(row) -> str:
    """What a unit's row's budget is: 예산현액 (the detail: 편성 + 이월) or, where only the
    division table states it, that table's 예산액."""
    return "예산현액" if str(row.get("table", "budget_detail")) == "budget_detail" else "예산액"


def _name(facts: Facts, unit: str) -> str:
    return facts.names.get(unit, unit)


def _report(unit: str, year) -> str:
    return report_of(str(unit), year)


# --------------------------------------------------------------------------- the rules

def overall(facts: Facts) -> Message | None:
    """The office's 집행률 beside the amounts it is computed on, against its reference, and the
    year-end projection with its signal; the divisions whose signal is 위험. A settled year:
    its year-end rate and 연말 집행잔액 (not 불용 before 이월 is split)."""
    row = _office(facts)
    if row is None or _missing(row["execution_rate"]):
        return None
    office, money = "office", facts.money
    when = "연말" if row["settled"] else f"{units.fmt_date(row['as_of'])} 기준"
    head = [f"{_name(facts, office)} 집행률 ", _rate(row["execution_rate"], "execution_rate", office),
            f"({when}, {basis(row)} ", _money(row["available"], "available", office, money),
            " 중 ", _money(row["executed"], "executed", office, money), " 집행)"]
    items = []
    if not row["settled"] and not _missing(row["reference_rate"]):
        ref = str(row["reference"])
        head += [f", {REFERENCE_WORDS.get(ref, ref)} ",
                 _rate(row["reference_rate"], "reference_rate", office), " 대비 ",
                 _rate(row["reference_gap"], "reference_gap", office, gap=True)]
    signal = "" if _missing(row["signal"]) else str(row["signal"])
    if row["settled"] and not _missing(row["projected_unspent"]):
        # a 12-31 balance is not 불용 until 이월 is split out: 연말 집행잔액 (the reports' word)
        items.append(Line([f"연말 집행잔액({basis(row)} − 집행액) ",
                           _money(row["projected_unspent"], "projected_unspent", office, money),
                           f" — ‘{signal}’" if signal else ""]))
    elif not _missing(row["projected_rate"]):
        items.append(Line(["연말 전망 집행률 ", _rate(row["projected_rate"], "projected_rate", office),
                           ", 전망 불용액 ",
                           _money(row["projected_unspent"], "projected_unspent", office, money),
                           f" — ‘{signal}’" if signal else ""]))
    risky = _divisions(facts)
    risky = risky[risky["signal"].eq(RED).fillna(False).to_numpy(dtype=bool)]
    if len(risky) and not row["settled"]:
        parts: list = ["‘위험’ 부서: "]
        risky = risky.sort_values("projected_rate", kind="stable")
        for i, (_, d) in enumerate(risky.head(NAMED).iterrows()):
            parts += [", " if i else "", f"{_name(facts, d['unit'])} 전망 집행률 ",
                      _rate(d["projected_rate"], "projected_rate", d["unit"]), f"({basis(d)} ",
                      _money(d["available"], "available", d["unit"], money), ")"]
        if len(risky) > NAMED:
            parts.append(f" 외 {len(risky) - NAMED}개 부서")
        items.append(Line(parts))
    return Message("overall", Line(head), items, _report(office, facts.year),
                   f"{_name(facts, office)} 보고서")


def largest_unspent(facts: Facts) -> Message | None:
    """The (up to) three lines with the largest projected 불용 (a settled year: 연말 집행잔액),
    with their 예산현액 and 전망 집행률; the divisions when the year has no program detail."""
    money = facts.money
    # a settled year whose program detail stops before 12-31: the divisions' year-end figures,
    # never an earlier snapshot's projection beside them
    if len(facts.lines) and not _earlier_lines(facts):
        pool, what = facts.lines.copy(), "사업"
        pool["scope"] = pool["unit"].astype(str)
        pool["label"] = pool["name"].astype(str)
        settled = bool(pool["settled"].astype(bool).all())
    else:
        pool, what = _divisions(facts).copy(), "부서"
        pool["scope"] = pool["unit"].astype(str)
        pool["label"] = [_name(facts, u) for u in pool["unit"]]
        settled = bool(_office(facts)["settled"]) if _office(facts) is not None else False
    amounts = pd.to_numeric(pool["projected_unspent"], errors="coerce")
    pool = pool[(amounts > 0).fillna(False).to_numpy(dtype=bool)]
    if pool.empty:
        return None
    pool = pool.assign(_amount=amounts).sort_values("_amount", ascending=False, kind="stable")
    top = pool.head(TOP_UNSPENT)
    word = "집행잔액" if settled else "전망 불용액"
    head = [f"{'연말 집행잔액' if settled else '연말 불용 전망'} 상위 {len(top)}개 {what}: {word} 합계 ",
            Fig("projected_unspent_top", units.fmt_money(int(top["_amount"].sum()), money), money,
                "office")]
    items = []
    for _, r in top.iterrows():
        line = r["label"] if what == "사업" else None
        owner = f" ({_name(facts, r['scope'])})" if what == "사업" else ""
        rate = (_rate(r["execution_rate"], "execution_rate", r["scope"], line) if settled
                else _rate(r["projected_rate"], "projected_rate", r["scope"], line))
        items.append(Line([f"{r['label']}{owner} {word} ",
                           _money(r["_amount"], "projected_unspent", r["scope"], money, line),
                           f" ({basis(r) if what == '부서' else '예산현액'} ",
                           _money(r["available"], "available", r["scope"], money, line),
                           ", " + ("집행률 " if settled else "전망 집행률 "), rate, ")"]))
    first = top.iloc[0]
    return Message("unspent", Line(head), items, _report(first["scope"], facts.year),
                   f"{_name(facts, first['scope'])} 보고서")


def laggards(facts: Facts) -> Message | None:
    """The 부진 lines (more than the threshold below their reference): how many, with their
    집행잔액 in all, and the largest by 집행잔액 with its 예산현액 and rate."""
    if facts.lines.empty:
        return None
    late = facts.lines[facts.lines["lagging"].fillna(False).astype(bool).to_numpy()]
    if late.empty:
        return None
    money = facts.money
    late = late.sort_values("balance", ascending=False, kind="stable")
    office = _office(facts)
    count = int(office["laggards"]) if office is not None else len(late)
    head = [f"기준보다 {units.fmt_number(facts.threshold, 1).rstrip('0').rstrip('.')}%p 넘게 "
            "뒤처진 부진 사업 ", _count(count, "laggards", "office", "개"), ", 집행잔액 합계 ",
            Fig("laggards_balance", units.fmt_money(int(late["balance"].sum()), money), money, "office")]
    if _earlier_lines(facts):   # a settled year judged on an earlier snapshot: say which
        head.append(f" ({_dates(late['as_of'])} 사업별 자료 기준)")
    top = late.iloc[0]
    unit, name = str(top["unit"]), str(top["name"])
    items = [Line(["가장 큰 사업: ", f"{name} ({_name(facts, unit)}) 집행잔액 ",
                   _money(top["balance"], "balance", unit, money, name), " (예산현액 ",
                   _money(top["available"], "available", unit, money, name), ", 집행률 ",
                   _rate(top["execution_rate"], "execution_rate", unit, name), ")"])]
    divs = _divisions(facts)
    divs = divs[(divs["laggards"] > 0).to_numpy(dtype=bool)]
    divs = divs.sort_values("laggards", ascending=False, kind="stable")
    if len(divs) > 1:
        parts: list = ["부서별: "]
        for i, (_, d) in enumerate(divs.head(NAMED).iterrows()):
            parts += [", " if i else "", f"{_name(facts, d['unit'])} ",
                      _count(d["laggards"], "laggards", d["unit"], "개")]
        if len(divs) > NAMED:
            parts.append(f" 외 {len(divs) - NAMED}개 부서")
        items.append(Line(parts))
    return Message("laggards", Line(head), items, _report(unit, facts.year),
                   f"{_name(facts, unit)} 보고서")


def budget_changes(facts: Facts) -> Message | None:
    """The office's budget in its latest version against the 당초, and the divisions that
    changed; only where the year has two or more versions."""
    versions = facts.versions
    if versions is None or versions.empty or versions["version"].nunique() < 2:
        return None
    money = facts.money
    office = versions[(versions["unit"] == "office").to_numpy(dtype=bool)]
    if office["version"].nunique() < 2:
        return None
    first, last = office.iloc[0], office.iloc[-1]
    change = int(last["budget"]) - int(first["budget"])
    head = [f"{_name(facts, 'office')} 예산 {first['version']} ",
            _money(first["budget"], "budget_first", "office", money), f" → {last['version']} ",
            _money(last["budget"], "budget_last", "office", money), " (",
            Fig("budget_change", units.fmt_money(change, money, triangle=True), money, "office"), ")"]
    items = []
    divs = versions[(versions["unit"] != "office").to_numpy(dtype=bool)]
    moved = []
    for unit, rows in divs.groupby("unit", sort=False):
        delta = int(rows["budget"].iloc[-1]) - int(rows["budget"].iloc[0])
        if delta:
            moved.append((abs(delta), unit, delta))
    moved.sort(key=lambda m: -m[0])
    if moved:
        parts: list = ["변경 부서: "]
        for i, (_, unit, delta) in enumerate(moved[:TOP_UNSPENT]):
            parts += [", " if i else "", f"{_name(facts, unit)} ",
                      Fig("budget_change", units.fmt_money(delta, money, triangle=True), money, unit)]
        items.append(Line(parts))
    return Message("changes", Line(head), items, _report("office", facts.year),
                   f"{_name(facts, 'office')} 보고서")


def open_checks(facts: Facts) -> Message | None:
    """The open 원문 검증 items (neither 일치 nor 반올림 차이), counted as each report lists
    them: the office's report and each division's."""
    counts = {scope: len(rows) for scope, rows in facts.checks.items() if len(rows)}
    if not counts:
        return None
    order = [u for u in facts.overview["unit"].astype(str) if u in counts]
    # the office's report first, then the divisions with the most open items
    order = order[:1] if order[0] == "office" else []
    order += sorted((u for u in counts if u != "office"), key=lambda u: -counts[u])
    first = order[0]
    head: list = ["원문 검증 미결 항목(일치·반올림 차이 외): "]
    for i, unit in enumerate(order[:NAMED + 1]):
        head += [", " if i else "", f"{_name(facts, unit)} 보고서 ",
                 _count(counts[unit], "open_checks", unit, "건")]
    if len(order) > NAMED + 1:
        head.append(f" 외 {len(order) - NAMED - 1}개 보고서")
    items = []
    worst = facts.checks[first]
    worst = worst.assign(_o=worst["verdict"].map({v: i for i, v in enumerate(OPEN_ORDER)}))
    worst = worst.sort_values("_o", kind="stable", na_position="last")
    if len(worst):
        w = worst.iloc[0]
        verdict = labels.VALUE_LABELS["verdict"].get(str(w["verdict"]), str(w["verdict"]))
        items.append(Line([f"{verdict}: {w['item']} — {w['check']} (원문 ",
                           Fig("stated", units.fmt_number(w["stated"], _decimals(w["stated"])),
                               "", first), ", 재계산 ",
                           Fig("computed", units.fmt_number(w["computed"], _decimals(w["computed"])),
                               "", first), f"{'' if str(w['unit']) == '%' else ' '}{w['unit']})"]))
    return Message("checks", Line(head), items, _report(first, facts.year),
                   f"{_name(facts, first)} 보고서 원문 검증")


def _decimals(value) -> int:
    """Decimals a stated or recomputed figure shows (at most two, as the reports' tables)."""
    if _missing(value):
        return 0
    for dp in (0, 1):
        if abs(float(value) * 10 ** dp - round(float(value) * 10 ** dp)) < 1e-9:
            return dp
    return 2


#: The rules, in the order the brief prints their messages.
RULES = (overall, largest_unspent, laggards, budget_changes, open_checks)


def select(facts: Facts, rules=RULES) -> list[Message]:
    """The brief's messages: each rule's, in order, without a repeated figure, at most
    :data:`MAX_MESSAGES`.

    A ○ line whose every figure an earlier message already gave is left out; a message left
    without a new figure in its □ line, or without any figure, is dropped."""
    seen: set = set()
    chosen = []
    for rule in rules:
        message = rule(facts)
        if message is None or not message.figures:
            continue
        head_new = [f for f in message.head.figures if f not in seen]
        if not head_new:
            continue
        message.items = [i for i in message.items
                         if i.figures and any(f not in seen for f in i.figures)]
        seen.update(message.figures)
        chosen.append(message)
        if len(chosen) == MAX_MESSAGES:
            break
    return chosen
