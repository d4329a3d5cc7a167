"""Atomic publishing: every file the package writes reaches its place whole or not at all.

A file is written to a temporary file in its own folder (:func:`temp_beside`), flushed to
disk, given ordinary permissions and renamed over its target (:func:`publish`): a reader
never sees half a file, and a write that fails (a full disk, a read-only share) leaves the
old file byte for byte as it was. :func:`publish_together` does the same for several files
of one report, so that they change together or not at all.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from . import safefile
from .errors import UnsafeFileError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


#: The mode of every file written: what the user's umask gives an ordinary file.
FILE_MODE = 0o666 & ~_umask()


def temp_beside(path: Path, suffix: str = ".tmp") -> Path:
    """A new empty temporary file in ``path``'s folder (a rename from it is atomic)."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    return Path(tmp)


def publish(tmp: Path, path: Path) -> None:
    """Give ``tmp`` ordinary permissions, flush it to disk and rename it to ``path``."""
    os.chmod(tmp, FILE_MODE)  # mkstemp makes 0600; readers on a share need to read it
    with safefile.open_file(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    safefile.check(path)  # a link or FIFO in its place is refused, never replaced silently
    os.replace(tmp, path)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` through a temporary file beside it and a
    rename; on any failure the temporary file is removed and ``path`` is left as it was."""
    path = Path(path)
    tmp = temp_beside(path)
    try:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        publish(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def publish_together(writes) -> None:
    """Write several files of one report so that they change together or not at all.

    ``writes`` is a list of ``(target, write)``; ``write(tmp)`` fills a temporary file beside
    ``target``. Every file is written first; only when all are whole are they renamed into
    place (a full disk or a read-only folder then leaves every old file as it was). The
    renames themselves need no space; they follow one another in the same folder.
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for target, write in writes:
            tmp = temp_beside(Path(target), ".part")
            temps.append((tmp, Path(target)))
            write(tmp)
        for tmp, target in temps:
            publish(tmp, target)
    finally:
        for tmp, _ in temps:
            try:
                tmp.unlink(missing_ok=True)
            except OSError:
                pass


def is_whole_notebook(path: Path) -> bool:
    """The file parses as a notebook (a write cut short by a full disk does not)."""
    try:
        with safefile.open_file(path, "r", encoding="utf-8") as fh:
            nb = json.load(fh)
    except (OSError, ValueError, UnicodeDecodeError, UnsafeFileError):
        return False
    return isinstance(nb, dict) and isinstance(nb.get("cells"), list)
