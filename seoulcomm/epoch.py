"""The time written into generated files: taken from the data, never from the clock.

Two builds of the same data give the same bytes, in the spirit of ``SOURCE_DATE_EPOCH``
(reproducible-builds.org): a workbook's created/modified time (``docProps/core.xml``) and
the times of its zip entries are the latest issue date of the documents the report cites
(``documents.csv``, column ``date``), else of any dated document in the data, else
:data:`ZIP_EPOCH`. ``SOURCE_DATE_EPOCH`` in the environment (seconds since 1970-01-01 UTC),
when set, wins, as reproducible-build tools expect.
"""
from __future__ import annotations

import os
from datetime import datetime, timezone

from .errors import UsageError

#: The earliest time a zip entry can carry, used when nothing in the data is dated.
ZIP_EPOCH = datetime(1980, 1, 1)


def from_environment() -> datetime | None:
    """``SOURCE_DATE_EPOCH`` as a naive UTC time, or None when it is not set."""
    value = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return None
    try:
        seconds = int(value)
    except ValueError:
        raise UsageError(f"SOURCE_DATE_EPOCH는 1970-01-01(UTC)부터의 초(정수)여야 합니다: {value!r}") from None
    when = datetime.fromtimestamp(seconds, tz=timezone.utc).replace(tzinfo=None)
    return max(when, ZIP_EPOCH)


def source_time(ds, cited=None) -> datetime:
    """The time to stamp on a file made from ``ds`` (naive, UTC), to the second.

    Parameters
    ----------
    ds : the loaded :class:`seoulcomm.load.Dataset`.
    cited : file names (``documents.csv``'s ``file``) of the documents the file's figures
        come from; ``None`` or none of them dated: every document of the data counts.
    """
    from_env = from_environment()
    if from_env is not None:
        return from_env
    documents = ds.select("documents", {})
    for where in ([documents["file"].isin(list(cited))] if cited else []) + [None]:
        dates = (documents["date"] if where is None else documents.loc[where, "date"]).dropna()
        if len(dates):
            return max(dates.max().to_pydatetime().replace(tzinfo=None), ZIP_EPOCH)
    return ZIP_EPOCH


def cited_documents(reads) -> list[str]:
    """The document files a report's read log (:func:`seoulcomm.report.reads_of`) names."""
    found = []
    for entry in reads or []:
        if entry.get("table") != "documents":
            continue
        files = (entry.get("where") or {}).get("file")
        for f in files if isinstance(files, list) else [files]:
            if isinstance(f, str) and f not in found:
                found.append(f)
    return found


def default_time() -> datetime:
    """The time for a file whose maker names none: ``SOURCE_DATE_EPOCH``, else :data:`ZIP_EPOCH`."""
    return from_environment() or ZIP_EPOCH
