"""The plan of one build: which reports, with which options, decided before anything is written.

:class:`BuildPlan` holds what :func:`seoulcomm.build.build` decided from ``params/``, the data
and the options (every report the data yields, those ``--only`` selects, the notebooks' keys,
the folders, deadlines, run strategy and PDF printing); the build then carries it out. The
checks of the options that need no data are here too.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .fingerprint import Inputs

#: Longest the data helper may take to load, check and audit the data [s] (``--load-timeout``).
LOAD_TIMEOUT = 600.0


@dataclass
class BuildPlan:
    """What one build will do.

    Attributes
    ----------
    out : the output folder (checked). data : the data folder.
    notebooks : the notebooks' folder; notebooks_arg : the folder as the caller gave it
        (``None``: the default, which the report processes then find themselves).
    reports : every report ``params/`` and the data yield; selected : those ``--only`` picks.
    notebook_keys : :func:`seoulcomm.nbclean.key` of each selected kind's notebook.
    as_of, titles : each table's latest as-of date and title (for the index).
    jobs : report processes (``None``: the machine's cores); scheduler : a Dask scheduler
        address or client (``None``: local processes).
    force : rebuild reports that are up to date. progress : how progress is shown.
    browser : the Chromium that prints PDFs (``None``: no PDF).
    cell_timeout, report_timeout : deadlines [s] (``None``: the defaults).
    pdf_timeout : longest one PDF may take to print [s] (``None``: the default).
    inputs : the fingerprint of every input (:class:`~seoulcomm.fingerprint.Inputs`).
    complete : ``(key, data files)`` when the build covers the whole plan (it may then record
        that nothing needs doing next time), else ``None``.
    pinned : ``{data file name: bytes or None}``, the data as the build read it once
        (:func:`seoulcomm.load.pin`): the one data version every report is built from.
    """

    out: Path
    data: Path
    notebooks: Path
    notebooks_arg: str | None
    reports: list
    selected: list
    notebook_keys: dict
    as_of: dict
    titles: dict
    jobs: int | None
    scheduler: object
    force: bool
    progress: str | None
    browser: str | None
    cell_timeout: float | None
    report_timeout: float | None
    inputs: Inputs
    complete: tuple | None
    pinned: dict
    pdf_timeout: float | None = None


def check_only(only) -> list[str] | None:
    """``--only``'s patterns checked (report names, never paths), or None."""
    if only is None:
        return None
    patterns = [only] if isinstance(only, str) else list(only)
    for pattern in patterns:
        if not isinstance(pattern, str) or not pattern.strip():
            raise UsageError("--only에 빈 값을 줄 수 없습니다")
        parts = pattern.replace("\\", "/").split("/")
        if pattern.startswith(("/", "\\", "~")) or ".." in parts or ":" in pattern:
            raise UsageError(f"--only {pattern!r}: 경로가 아니라 보고서 이름(예: 2016/*, programs/*)을 주세요")
    return patterns


def default_jobs() -> int:
    """The number of cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def check_timeout(value, default, option):
    """A deadline option: a positive, finite number of seconds, or ``default`` when None."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
            or value != value or value == float("inf"):
        raise UsageError(f"{option}는 0보다 큰 초 단위 수여야 합니다: {value!r}")
    return value


def longest_first(todo: list, entries: dict) -> list:
    """``todo`` in the order that ends soonest on a few workers: the longest reports first, so
    the short ones fill the last gaps. Their length is their last build's seconds; a report
    never built comes first, the latest year first (a year holds more as it goes on; a program
    counts as the latest year), in the plan's order among equals."""
    latest = max((int(r.parameters["year"]) for r in todo if "year" in r.parameters), default=0)

    def length(r):
        seconds = (entries.get(r.name) or {}).get("seconds")
        known = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
        return (known, -(seconds if known else int(r.parameters.get("year", latest))))

    return sorted(todo, key=length)
