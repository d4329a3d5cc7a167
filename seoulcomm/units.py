"""The source's number notation and its money units: parse, convert, format.

Money is exact integer 원 (int64) from the moment it is loaded; this is the one place
that knows how many 원 a 천원 or a 백만원 is, and how the source writes numbers:
``1,341`` (grouped), ``△7`` (negative), ``-`` (none, i.e. zero), ``29.9%``.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

#: 원 per unit of each money unit the sources use.
MONEY_UNITS = {"원": 1, "천원": 1_000, "백만원": 1_000_000}
#: Units of counts and rates that tables may declare.
OTHER_UNITS = {"명", "%"}

_NUMBER = (
    r"^\s*(?P<sign>△|-|−)?\s*(?P<int>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)"
    r"(?:\.(?P<frac>[0-9]+))?\s*(?P<pct>%)?\s*$"
)
_DASHES = {"-", "－", "—", "–"}


def factor(unit: str) -> int:
    """Number of 원 in one ``unit`` (``원``, ``천원`` or ``백만원``)."""
    return MONEY_UNITS[unit]


def parse_numbers(text: pd.Series, *, integer: bool, percent: bool = False):
    """Parse the source's notation, vectorised.

    Parameters
    ----------
    text : strings as found in the file; ``""`` means not stated.
    integer : refuse a fractional part (money and head counts).
    percent : accept a trailing ``%``.

    Returns
    -------
    values : pandas Series, ``Int64`` when ``integer`` else ``Float64``; ``<NA>`` where empty.
    decimals : numpy int array, the number of decimals written (for the source's precision).
    bad : boolean numpy array, True where the text is not a number in that notation.
    """
    text = text.astype("string").fillna("").str.strip()
    empty = (text == "").to_numpy()
    dash = text.isin(_DASHES).to_numpy()
    parts = text.str.extract(_NUMBER)
    matched = parts["int"].notna().to_numpy()
    frac = parts["frac"].fillna("")
    has_pct = parts["pct"].notna().to_numpy()
    bad = ~(empty | dash | matched)
    if integer:
        bad |= matched & (frac != "").to_numpy()
    if not percent:
        bad |= has_pct
    negative = parts["sign"].notna().to_numpy()
    digits = parts["int"].fillna("0").str.replace(",", "", regex=False)
    # 19 digits or more do not fit int64 (and are no figure of these sources)
    bad |= (digits.str.len() > 18).to_numpy()
    decimals = frac.str.len().to_numpy(dtype=int)
    ok = ~bad & ~empty
    if integer:
        whole = pd.to_numeric(digits.where(ok, "0")).astype("int64").to_numpy()
        values = pd.array(np.where(negative, -whole, whole), dtype="Int64")
    else:
        joined = (digits + "." + frac.where(frac != "", "0")).where(ok, "0")
        number = pd.to_numeric(joined).astype("float64").to_numpy()
        values = pd.array(np.where(negative, -number, number), dtype="Float64")
    values[empty | bad] = pd.NA
    return pd.Series(values, index=text.index), decimals, bad


def to_won(amounts: pd.Series, unit: str) -> pd.Series:
    """Whole amounts in ``unit`` → exact integer 원 (``Int64``)."""
    return amounts.astype("Int64") * factor(unit)


def from_won(won, unit: str):
    """Integer 원 → the number of ``unit`` (exact when the amount came from that unit)."""
    return won / factor(unit)


def round_half_up(value: float, decimals: int = 0) -> float:
    """Round the way the sources do (half away from zero), not banker's rounding."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return float("nan")
    scale = 10 ** decimals
    # the tiny nudge absorbs binary noise such as 0.285 stored as 0.28499999
    shifted = abs(value) * scale + 1e-9
    return math.copysign(math.floor(shifted + 0.5), value) / scale


def truncate(value: float, decimals: int = 0) -> float:
    """Cut digits after ``decimals`` places, toward zero."""
    scale = 10 ** decimals
    return math.copysign(math.floor(abs(value) * scale + 1e-9), value) / scale


def fmt_number(value, decimals: int = 0, *, triangle: bool = False, dash_zero: bool = False) -> str:
    """Korean-style display: ``1,234``; negatives as ``△1,234`` when ``triangle``.

    Missing values print as an empty string; zero as ``-`` when ``dash_zero``.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    value = round_half_up(float(value), decimals)
    if dash_zero and value == 0:
        return "-"
    text = f"{abs(value):,.{decimals}f}"
    if value < 0:
        return ("△" if triangle else "-") + text
    return text


def fmt_money(won, unit: str = "백만원", *, triangle: bool = False, dash_zero: bool = False) -> str:
    """Integer 원 shown in ``unit``, rounded half-up to whole units, grouped."""
    if won is None or won is pd.NA or (isinstance(won, float) and math.isnan(won)):
        return ""
    return fmt_number(int(won) / factor(unit), 0, triangle=triangle, dash_zero=dash_zero)


def fmt_rate(percent, decimals: int = 1, *, triangle: bool = False) -> str:
    """A rate in percent, one decimal as the source prints it: ``22.3%``."""
    text = fmt_number(percent, decimals, triangle=triangle)
    return f"{text}%" if text else ""


def fmt_date(value) -> str:
    """A date the way Korean documents write it: ``2016. 4. 8.``; a comma-separated list of
    ISO dates (as :meth:`seoulcomm.load.Dataset.as_of` gives) keeps its commas."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        if not value.strip():
            return ""
        if "," in value:
            return ", ".join(fmt_date(part.strip()) for part in value.split(","))
    ts = pd.Timestamp(value)
    return f"{ts.year}. {ts.month}. {ts.day}."


def fmt_eok(won) -> str:
    """Integer 원 as a Seoul report writes a large budget in words: ``408억 28백만원``
    (40,828백만원), ``29억 60백만원``, ``5억원``, ``98백만원``."""
    if won is None or won is pd.NA or (isinstance(won, float) and math.isnan(won)):
        return ""
    millions = int(round_half_up(int(won) / 1_000_000, 0))
    eok, rest = divmod(abs(millions), 100)
    sign = "△" if millions < 0 else ""
    if eok and rest:
        return f"{sign}{eok:,}억 {rest}백만원"
    return f"{sign}{eok:,}억원" if eok else f"{sign}{rest}백만원"
