"""Every rate stands beside the amount it is computed on (issue 22, 'one rule for bases').

For every rate any report shows — in a table or a headline card — the amount it is computed
on is in the same row or card: the rate is recomputed from the row's own numerator (집행액,
불용액, 증감) and one of the row's amounts, and must come out as shown. Run over every report
of the shipped data and of two grown data sets (a later snapshot: the 집행률 path; a settled
year and a new year).

The failure this guards against is quoted from the sources: 000 「2016년 예산편성 세부내역」
시민청 운영 및 확산 예산편성액 3,123, 이월 1,341, 예산현액 4,464, 집행액 506, 집행률 11.3 —
11.3 is 506 ÷ 4,464; beside 3,123 alone it reads as if it were 506 ÷ 3,123 = 16.2.
"""
from __future__ import annotations

import re

import pytest

from seoulcomm import load, units
from seoulcomm.content import brief, division, office, program
from seoulcomm.display import Headline, Table
from test_scenarios import scenario_data

#: A rate column (its name without a ``_<year>`` / ``_at_<i>`` suffix) → the numerator column.
NUMERATORS = {"execution_rate": "executed", "unspent_rate": "unspent", "change_rate": "change"}
#: Rate columns whose base is shown in a column of the same suffix (the 집행률 path).
BASE_COLUMNS = {"rate_at": "available_at", "reference": "reference_base"}
_SUFFIX = re.compile(r"^(?P<base>.+?)(?P<suffix>_\d{4}|_\d+)?$")


def _reports(data_dir):
    ds = load.load_all(data_dir)
    years = [int(y) for y in ds.years()]
    for year in years:
        yield f"{year}/office", office, office.prepare(year, data_dir)
        yield f"{year}/brief", brief, brief.prepare(year, data_dir)
        for unit in ds.divisions(year)["unit"].astype(str):
            yield f"{year}/{unit}", division, division.prepare(unit, year, data_dir)
    for slug in ds["program"]["program"].astype(str):
        yield f"programs/{slug}", program, program.prepare(slug, data_dir)


def _items(module, scope):
    skip = {"prepare", "show", "footer", "mismatch_notes", "shape"}
    for name in module.__all__:
        if name in skip:
            continue
        got = getattr(module, name)(scope)
        for item in got if isinstance(got, list) else [got]:
            if isinstance(item, (Table, Headline)):
                yield name, item


def _split(column: str) -> tuple[str, str]:
    if column.startswith("rate_at_"):
        return "rate_at", column[len("rate_at"):]
    m = _SUFFIX.match(column)
    return m["base"], m["suffix"] or ""


def _money_columns(table: Table) -> list[str]:
    return [c for c in table.columns if table._kind(c) in ("money", "money0")]


def _close(num, base, rate, unit) -> bool:
    """``num ÷ base × 100`` is ``rate`` as printed, allowing for the amounts' rounding to the
    source's unit (the source computed its rates from unrounded amounts)."""
    if base in (None, 0) or num is None:
        return False
    half = units.factor(unit) / 2
    exact = num / base * 100
    slack = 0.051 + 100 * half / abs(base) * (1 + abs(num / base))
    return abs(exact - float(rate)) <= slack


def check_table(where: str, table: Table) -> list[str]:
    problems = []
    frame, unit = table.frame, table._money_unit(table.columns[0])
    money = _money_columns(table)
    for column in table.columns:
        if table._kind(column) not in ("rate", "rate_change"):
            continue
        base, suffix = _split(column)
        if base in BASE_COLUMNS:
            shown = f"{BASE_COLUMNS[base]}{suffix}"
            for i, rate in enumerate(frame[column]):
                if rate == rate and rate is not None and (
                        shown not in table.columns or frame[shown].isna().iloc[i]):
                    problems.append(f"{where} 「{table.title}」 {column} row {i}: no {shown}")
            continue
        numerator = NUMERATORS.get(base)
        if numerator is None:
            continue
        num_col = f"{numerator}{suffix}"
        if num_col not in frame.columns:
            problems.append(f"{where} 「{table.title}」 {column}: no {num_col} in the table")
            continue
        candidates = [c for c in money if c != num_col and (c.endswith(suffix) if suffix else
                                                            not _SUFFIX.match(c)["suffix"])]
        if base == "change_rate":  # a change's base is the earlier year's amount
            candidates = [c for c in money if c != num_col]
        for i in range(len(frame)):
            rate, num = frame[column].iloc[i], frame[num_col].iloc[i]
            if rate is None or rate != rate or num is None or num != num:
                continue
            bases = [frame[c].iloc[i] for c in candidates]
            if not any(b == b and b is not None and _close(float(num), float(b), rate, unit)
                       for b in bases):
                problems.append(f"{where} 「{table.title}」 {column} row {i}: {rate} is not "
                                f"{num_col} ÷ any amount of the row ({candidates})")
    return problems


_NUMBER = r"([△\d,]+(?:\.\d+)?)"


def _number(text: str) -> float:
    return float(text.replace(",", "").replace("△", "-"))


def check_headline(where: str, head: Headline) -> list[str]:
    problems = []
    cards = {f["label"]: f for f in head.figures}
    for card in head.figures:
        note, label = card.get("note") or "", card["label"]
        if "집행률" in label and card["raw"] is not None:
            # the numerator and the base: in the note, or cards of their own
            num = re.search(f"집행액 {_NUMBER}", note)
            num = _number(num[1]) if num else (cards.get("집행액") or {}).get("raw")
            word = re.search(f"÷ (예산현액|예산액)(?: {_NUMBER})?", note)
            if word is None:
                problems.append(f"{where} card {label}: the note does not name the base ({note!r})")
                continue
            if word[2]:
                base = _number(word[2])
            else:
                name = word[1] if word[1] in cards else "예산"
                base = (cards.get(name) or {}).get("raw")
            unit = (cards.get("집행액") or {}).get("unit") or "백만원"
            if not _close(num, base, card["raw"], unit):
                problems.append(f"{where} card {label} {card['raw']}: not {num} ÷ {base}")
        if "증감률" in note:
            m = re.search(f"증감률 {_NUMBER}%.*?\\(\\d{{4}}년 {_NUMBER} 대비\\)", note)
            if m is None or card["raw"] is None:
                problems.append(f"{where} card {label}: 증감률 without its base ({note!r})")
            elif not _close(card["raw"], _number(m[2]), _number(m[1]), card["unit"]):
                problems.append(f"{where} card {label}: {m[1]}% is not {card['raw']} ÷ {m[2]}")
    return problems


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    root = tmp_path_factory.mktemp("bases")
    return {name: scenario_data(root, name) for name in ("snapshot", "settlement")}


@pytest.mark.parametrize("data", ["shipped", "snapshot", "settlement"])
def test_every_rate_stands_beside_its_base(data, data_dir, grown):
    folder = data_dir if data == "shipped" else grown[data]
    problems, seen = [], 0
    for where, module, scope in _reports(folder):
        for section, item in _items(module, scope):
            if isinstance(item, Table):
                problems += check_table(f"{where}/{section}", item)
            else:
                problems += check_headline(f"{where}/{section}", item)
            seen += 1
    assert seen > 50
    assert not problems, "\n".join(problems)


def test_the_rule_catches_a_rate_beside_the_wrong_amount(dataset):
    # 000 세부내역: 시민청 운영 및 확산 3,123 (편성) / 4,464 (현액) / 506 / 11.3
    import pandas as pd

    row = {"name": "시민청 운영 및 확산", "budget": 3_123_000_000, "executed": 506_000_000,
           "execution_rate": 11.3}
    bad = Table(pd.DataFrame([row]), ["name", "budget", "executed", "execution_rate"],
                sheet="x", title="x", unit="백만원")
    assert check_table("t", bad)
    good = Table(pd.DataFrame([{**row, "available": 4_464_000_000}]),
                 ["name", "budget", "available", "executed", "execution_rate"],
                 sheet="x", title="x", unit="백만원")
    assert not check_table("t", good)


def test_headline_cards_show_the_base_of_the_rate(dataset):
    # 000 세부내역 시민소통담당관: 12,198 + 1,341 = 13,540; 2,797 ÷ 13,540 = 20.7%
    head = division.headline(division.prepare("citizen-communication", 2016))
    cards = {f["label"]: f for f in head.figures}
    assert cards["예산"]["value"] == "12,198" and cards["예산현액"]["value"] == "13,540"
    assert cards["집행률"]["note"] == "집행액 ÷ 예산현액"
    assert cards["집행잔액"]["note"] == "예산현액 − 집행액"
    # 000 Ⅰ-3 2015년도 예산 집행현황 시민소통담당관: 9,990 ÷ 10,906 = 91.6% (no carry-over stated)
    head = division.headline(division.prepare("citizen-communication", 2015))
    cards = {f["label"]: f for f in head.figures}
    assert "예산현액" not in cards and cards["집행률"]["note"] == "집행액 ÷ 예산액"
    # 000 세부내역 합계 40,828 + 1,341 = 42,170; 9,401 ÷ 42,170 = 22.3%
    cards = {f["label"]: f for f in office.headline(office.prepare(2016)).figures}
    assert cards["예산현액"]["value"] == "42,170"
    assert cards["전년 대비"]["note"] == "증감률 12.3% (2015년 36,372 대비)"  # 000 <구성별> 계


def test_top_programs_show_the_rates_base():
    # 000 세부내역: 시민청 운영 및 확산 3,123 / 4,464 / 506 / 11.3
    table = office.top_programs(office.prepare(2016))[0]
    row = table.frame.set_index("name").loc["시민청 운영 및 확산"]
    assert "available" in table.columns
    assert (row["budget"], row["available"], row["execution_rate"]) == (3_123_000_000, 4_464_000_000, 11.3)


def test_2015_rows_show_no_예산현액_the_source_does_not_state():
    # 000 Ⅰ-3 ※ 2015년도 예산 집행현황 states 예산액, 집행액, 집행잔액, 집행률 only
    table = division.summary(division.prepare("city-brand", 2016))[0]
    row = table.frame.set_index("year").loc[2015]
    assert pd_missing(row["available"]) and pd_missing(row["carryover"])
    assert row["budget"] == 1_414_000_000


def pd_missing(value) -> bool:
    import pandas as pd

    return value is None or pd.isna(value)
