"""One family of exceptions, each with a message a non-programmer can act on."""
from __future__ import annotations

from pathlib import Path


class SeoulcommError(Exception):
    """Base of every error the package raises on purpose (exit code 2 on the command line)."""


class UsageError(SeoulcommError):
    """A parameter or option that names nothing the data knows."""


class InstallError(UsageError):
    """Something the installation should provide is missing (e.g. the Korean font files)."""


class DataError(SeoulcommError):
    """Bad input in a data file, located to file, line and column.

    Parameters
    ----------
    file : path of the data file.
    expected : what the cell (or file) should have held, in words.
    line : 1-based line number in the file (the header is line 1), if known.
    column : column name, if the problem is in one column.
    value : the offending text as found in the file.
    """

    def __init__(self, file, expected, line=None, column=None, value=None):
        self.file = Path(file)
        self.expected = expected
        self.line = line
        self.column = column
        self.value = value
        super().__init__(self._message())

    def _message(self) -> str:
        where = str(self.file)
        if self.line is not None:
            where += f", {self.line}행"
        if self.column is not None:
            where += f", '{self.column}' 열"
        got = "" if self.value is None else f": 값 {self.value!r}"
        return f"데이터 오류 — {where}{got} — {self.expected}"
