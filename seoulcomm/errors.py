"""One family of exceptions, each with a message a non-programmer can act on.

Every exception class of the package is defined here (a test keeps it so):

- :class:`SeoulcommError` and its subclasses: bad input, usage, installation or output
  folder; the command line prints the message and exits 2.
- :class:`ReportFailure` and its subclasses: one report could not be built (its process
  died, ran out of time, or could not print its PDF); the build records it and goes on
  (exit 1). Their class names are the ``ename`` the index and the terminal show.
- :class:`Terminated`: SIGTERM arrived; the build unwinds like Ctrl-C does (exit 143).

Programmer errors (a function called with the wrong kind of argument) are ``TypeError`` or
``ValueError``, never one of these: they are not the user's to fix.
"""
from __future__ import annotations

import unicodedata
from pathlib import Path


class SeoulcommError(Exception):
    """Base of every error the package raises on purpose (exit code 2 on the command line)."""


class UsageError(SeoulcommError):
    """A parameter or option that names nothing the data knows."""


class InstallError(UsageError):
    """Something the installation should provide is missing (e.g. the Korean font files)."""


class OutputError(UsageError):
    """The output folder cannot be used (exit 2; nothing was written)."""


class BusyError(UsageError):
    """Another build holds the output folder's lock (exit 2)."""


class ImportBusyError(UsageError):
    """Another import is switching the data folder's files right now (exit 2)."""


class YamlRefused(SeoulcommError):
    """A YAML construct the reader refuses (an alias or anchor), at ``line`` (1-based); the
    reader turns it into the error of the file it was reading."""

    def __init__(self, expected: str, line: int | None):
        super().__init__(expected)
        self.expected, self.line = expected, line


class ReportFailure(SeoulcommError):
    """One report could not be built; the other reports still build (exit 1)."""


class WorkerDied(ReportFailure):
    """The report's process ended without a result (a signal, the OOM killer, ``os._exit``)."""


class WorkerError(ReportFailure):
    """The report's process raised outside the notebook (its traceback's last line says what)."""


class CellTimeoutError(ReportFailure):
    """One cell ran longer than ``--cell-timeout``; the report's process was killed."""


class ReportTimeoutError(ReportFailure):
    """The report ran longer than ``--report-timeout`` in all; its process was killed."""


class PdfError(ReportFailure):
    """One report could not be printed to PDF (the report is then counted as failed)."""


class Terminated(BaseException):
    """SIGTERM arrived: stop like Ctrl-C does (exit 143)."""


class DataError(SeoulcommError):
    """Bad input in a data file, located to file, line and column.

    Parameters
    ----------
    file : path of the data file.
    expected : what the cell (or file) should have held, in words.
    line : 1-based line number in the file (the header is line 1), if known.
    column : column name, if the problem is in one column.
    value : the offending text as found in the file.
    at : index in ``value`` of the offending character, if one is to blame; the message
        then shows the value on a line of its own with a caret under that character.
    where : a place to name instead of file and line (e.g. ``시트 '조직', B7`` for a workbook).
    """

    def __init__(self, file, expected, line=None, column=None, value=None, at=None, where=None):
        self.file = Path(file)
        self.expected = expected
        self.line = line
        self.column = column
        self.value = value
        self.at = at
        self.where = where
        super().__init__(self._message())

    def __reduce__(self):   # survives pickling (a worker process raising it to the parent)
        return (type(self), (self.file, self.expected, self.line, self.column, self.value, self.at,
                             self.where))

    def _message(self) -> str:
        if self.where is not None:
            where = f"{self.file}, {self.where}"
        else:
            where = str(self.file)
            if self.line is not None:
                where += f", {self.line}행"
            if self.column is not None:
                where += f", '{self.column}' 열"
        got = "" if self.value is None else f": 값 {shown(self.value)}"
        text = escape(f"데이터 오류 — {where}") + f"{got} — {escape(self.expected)}"
        if self.at is not None and isinstance(self.value, str) and 0 <= self.at < len(self.value):
            text += "\n" + pointer(self.value, self.at)
        return text


#: Longest value a message shows (longer ones are cut with "…").
MAX_SHOWN = 80


def escape(text: str) -> str:
    """``text`` with control characters (and bidi overrides) written as ``\\x1b`` & co.,
    so no message can move the cursor, recolour or rewrite the user's terminal."""
    return "".join(_escaped(ch) for ch in str(text))


def _escaped(ch: str) -> str:
    code = ord(ch)
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if 0x202A <= code <= 0x202E or 0x2066 <= code <= 0x2069 or code in (0x2028, 0x2029):
        return f"\\u{code:04x}"
    return ch


def shown(value) -> str:
    """A value as a message quotes it: ``repr`` of text (control characters escaped), cut
    to :data:`MAX_SHOWN` characters."""
    text = str(value)
    if len(text) > MAX_SHOWN:
        text = text[:MAX_SHOWN] + "…"
    return escape(repr(text))


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("F", "W") else 1


def pointer(value: str, at: int) -> str:
    """Two indented lines: the value, and a caret under its character ``at``, named."""
    start = max(0, at - 40)
    before, ch, after = value[start:at], value[at], value[at + 1: at + 40]
    line = escape(before) + escape(ch) + escape(after)
    pad = sum(_width(c) if len(escape(c)) == 1 else len(escape(c)) for c in before)
    mark = "^" * (_width(ch) if len(escape(ch)) == 1 else len(escape(ch)))
    name = unicodedata.name(ch, f"U+{ord(ch):04X}")
    return f"    {line}\n    {' ' * pad}{mark} {at + 1}번째 글자 U+{ord(ch):04X} {name}"


#: Most problems one :class:`DataErrors` lists; the rest are counted ("외 N건").
MAX_PROBLEMS = 50


class DataErrors(DataError):
    """Every problem found in the data at once (up to :data:`MAX_PROBLEMS`, then a count).

    Behaves as its first problem for ``file``, ``line``, ``column``, ``value`` and
    ``expected`` (so code that handles one :class:`DataError` keeps working); ``problems``
    holds them all, in file and line order; ``more`` counts those left out.
    """

    def __init__(self, problems, more: int = 0):
        problems = list(problems)
        if not problems:
            raise ValueError("DataErrors needs at least one problem")
        self.problems = problems[:MAX_PROBLEMS]
        self.more = more + max(0, len(problems) - MAX_PROBLEMS)
        first = self.problems[0]
        self.file, self.expected, self.line = first.file, first.expected, first.line
        self.column, self.value, self.at = first.column, first.value, getattr(first, "at", None)
        Exception.__init__(self, self._message())

    def __reduce__(self):
        return (type(self), (self.problems, self.more))

    @property
    def count(self) -> int:
        return len(self.problems) + self.more

    def _message(self) -> str:
        text = "\n".join(p._message() for p in self.problems)
        if self.more:
            text += f"\n… 외 {self.more}건"
        return text


class UnsafeFileError(UsageError):
    """A path the package would read or write is a symlink, a FIFO, a device, a socket or a
    folder where a regular file belongs (exit 2; nothing was followed or opened)."""

    def __init__(self, path, what: str):
        self.path, self.what = Path(path), what
        super().__init__(f"일반 파일·폴더 자리에 {what}: {escape(str(path))} — 따라가거나 열지 않고 "
                         "멈췄습니다; 그것을 지우거나 일반 파일로 바꾼 뒤 다시 실행하세요")

    def __reduce__(self):
        return (type(self), (self.path, self.what))
