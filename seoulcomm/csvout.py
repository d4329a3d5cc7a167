"""CSV the package writes for people to open (``seoulcomm audit --format csv``), safe in Excel.

A text field that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would open
in Excel or LibreOffice as a live formula (CSV injection: ``=HYPERLINK(...)``, ``@SUM(...)``).
As OWASP recommends, such a field is written with a leading apostrophe (``'=1+1``), which the
spreadsheet shows as the text itself. Numbers stay numbers (a negative amount is not text).
The data folder's own CSV files are the reviewed store, not an export: they are kept exactly as
the source writes them (``-`` for none, ``△7``), and the loader reads them as data, never as
formulas.
"""
from __future__ import annotations

#: First characters that make a spreadsheet read a field as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value):
    """``value`` with a leading ``'`` when it is text a spreadsheet would take for a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def frame(table):
    """A copy of the DataFrame ``table`` with every text field escaped by :func:`cell`."""
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or str(out[column].dtype) == "string":
            out[column] = out[column].map(cell, na_action="ignore")
    out.columns = [cell(c) for c in out.columns]
    return out


def to_csv(table) -> str:
    """``table`` as CSV text (no index), formula-leading text escaped."""
    return frame(table).to_csv(index=False)
