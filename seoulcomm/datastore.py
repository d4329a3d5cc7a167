"""The one way the package writes into the data folder: every changed table at once, or none.

``seoulcomm import`` writes several CSV files. A process killed between two renames (on a
slow share, a second apart) would leave one table new and the others old. So an import
(:func:`replace_files`) goes in three steps, each safe to be killed in:

1. **stage** — every table is written, checked and flushed in ``<data>/.seoulcomm-import/``
   (the data folder's own filesystem, so the later renames are atomic);
2. **commit** — ``journal.json`` (the files to switch and the sha256 of each) is written beside
   them and renamed into place: from this instant the import is decided;
3. **switch** — each staged file is renamed over its table, then the journal and the staging
   folder are removed.

The next command that uses the data folder (:func:`settle`: ``validate``, ``audit``,
``workbook``, ``build``, ``import``) finds what a killed import left: a journal is completed
(every staged file renamed into place, those already moved recognised by their sha256); a
staging folder without a journal is rolled back (removed, the data was never touched); stray
temporary files of older versions (``.<table>.csv.*.tmp``) are removed. One import at a time:
an ``flock`` on the data folder itself (no lock file is written there).
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

from . import safefile
from .errors import DataError, ImportBusyError, UsageError

STAGE_DIR = ".seoulcomm-import"
JOURNAL = "journal.json"
#: Temporary files an older import left beside the tables.
OLD_TEMP = re.compile(r"\.[A-Za-z0-9_.-]+\.csv\.[A-Za-z0-9_]{8}\.tmp")
_PLAIN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def _locked(folder: Path, *, wait: bool = False):
    """Hold the data folder's import lock (``flock`` on the folder); yields False when another
    process holds it (and ``wait`` is False), True when held here."""
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except OSError as exc:
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                yield False
                return
            # a filesystem without flock on folders: go on unlocked (one import at a time by custom)
        yield True
    finally:
        os.close(fd)


def stage_of(folder) -> Path:
    """The staging folder of ``folder``'s import (it exists only while one runs or was killed)."""
    return Path(folder) / STAGE_DIR


_stage = stage_of


def _read_journal(stage: Path) -> dict | None:
    try:
        raw = safefile.read_bytes(stage / JOURNAL, 1 << 20)
        journal = json.loads(raw.decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    files = journal.get("files") if isinstance(journal, dict) else None
    if not isinstance(files, dict) or not all(isinstance(k, str) and _PLAIN.fullmatch(k) and isinstance(v, str)
                                              for k, v in files.items()):
        return None
    return journal


def _recover(folder: Path) -> str | None:
    """Complete or roll back what a killed import left (the import lock held); the word for
    what was done, or None when there was nothing."""
    stage = _stage(folder)
    done = None
    if safefile.real_dir(stage):
        journal = _read_journal(stage)
        if journal is not None:
            for file, sha in journal["files"].items():
                staged, target = stage / file, folder / file
                if safefile.check(staged) is not None and safefile.sha256(staged) == sha:
                    safefile.check(target)
                    os.replace(staged, target)
                elif safefile.sha256(target) != sha:
                    raise DataError(folder, f"끝나지 않은 가져오기({stage})를 마칠 수 없습니다 — '{file}'의 "
                                    "새 내용이 사라졌습니다; 그 폴더를 지우고 통합문서를 다시 가져오세요")
            _fsync_dir(folder)
            done = "completed"
        else:
            done = "rolled back"
        shutil.rmtree(stage)  # a real folder (checked): its links are removed, never followed
    for entry in os.scandir(folder):
        if OLD_TEMP.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            os.unlink(entry.path)
            done = done or "cleaned"
    return done


def settle(folder) -> str | None:
    """Before a command reads the data folder: finish or undo an import a killed process left
    (see the module's text). Returns what was done (``completed``, ``rolled back``,
    ``cleaned``) or None; costs one ``lstat`` when there is nothing.

    Raises
    ------
    ImportBusyError : an import is switching the files right now (run again in a moment).
    OutputError-like UsageError : the leftover cannot be finished here (a read-only folder).
    """
    folder = Path(folder)
    stage = _stage(folder)
    if not os.path.lexists(stage) and not any(OLD_TEMP.fullmatch(n) for n in _names(folder)):
        return None
    if not folder.is_dir():
        return None
    with _locked(folder) as held:
        if not held:  # a live import: its staging is its own business, its switch is not ours
            if (stage / JOURNAL).exists():
                raise ImportBusyError(f"다른 'seoulcomm import'가 데이터 폴더 {folder}의 파일을 바꾸는 중입니다 "
                                      "— 끝난 뒤 다시 실행하세요")
            return None
        try:
            return _recover(folder)
        except OSError as exc:
            from .outdir import os_message

            raise UsageError(f"끝나지 않은 가져오기가 데이터 폴더에 남아 있지만 마무리할 수 없습니다 — "
                             f"{os_message(exc)}; 데이터 폴더에 쓸 수 있는 사람이 seoulcomm validate를 "
                             "실행하세요") from None


def _names(folder: Path) -> list[str]:
    try:
        return os.listdir(folder)
    except OSError:
        return []


@contextmanager
def importing(folder):
    """One import at a time on ``folder``, what a killed one left settled first; yields the
    staging folder (created, empty), removed afterwards unless a commit is half switched."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(folder, "데이터 폴더가 있어야 합니다(폴더 없음)")
    with _locked(folder) as held:
        if not held:
            raise ImportBusyError(f"다른 'seoulcomm import'가 데이터 폴더 {folder}를 쓰고 있습니다 — "
                                  "끝난 뒤 다시 실행하세요")
        _recover(folder)
        stage = _stage(folder)
        os.mkdir(stage, 0o700)
        try:
            yield stage
        finally:
            if safefile.real_dir(stage) and not (stage / JOURNAL).exists():
                shutil.rmtree(stage, ignore_errors=True)


def write_staged(stage: Path, file: str, data: bytes) -> Path:
    """Write ``data`` as ``stage/file``, flushed to disk."""
    path = stage / file
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | os.O_CLOEXEC, 0o666)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return path


def switch(folder, stage: Path, files: list[str]) -> None:
    """Commit (the journal) and switch ``files`` of ``stage`` into ``folder`` (see the module's
    text): after the journal's rename the import completes here or in the next command."""
    folder = Path(folder)
    for file in files:  # every target a regular file (or absent) before anything is decided
        safefile.check(folder / file)
    mask = os.umask(0)
    os.umask(mask)
    journal = {"files": {}}
    for file in files:
        os.chmod(stage / file, 0o666 & ~mask)
        journal["files"][file] = safefile.sha256(stage / file)
    tmp = write_staged(stage, JOURNAL + ".tmp", json.dumps(journal).encode("utf-8"))
    os.replace(tmp, stage / JOURNAL)
    _fsync_dir(stage)
    for file in files:
        os.replace(stage / file, folder / file)
    _fsync_dir(folder)
    shutil.rmtree(stage)
