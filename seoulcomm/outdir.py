"""The output folder: where a build may write, one build at a time, and what an earlier build left.

- :func:`check_out` refuses an ``--out`` that would write where it must not (the data
  folder or inside it, the package, ``notebooks/``, ``params/``, a system folder, through a
  symlink pointing there, under a file, a folder that cannot be written, an over-long path)
  before anything is written: :class:`OutputError`, exit 2.
- :class:`BuildLock` is an advisory lock (``fcntl.flock`` on ``<out>/.lock``) that holds the
  build's pid, host and start time; a second build on the same folder stops with a message
  naming the holder (:class:`BusyError`, exit 2). A lock left by a dead build is released by
  the kernel with its process, and the next build simply takes it over.
- :func:`remove_leftovers` deletes what an interrupted build left: temporary files
  (``.<name>.*``) in the output folder, and the ``seoulcomm-kernel-*`` temporary folders and
  kernel connection files of kernels no longer running.
- :func:`remove_report_files` deletes a report's files (HTML, workbook, PDF, failed notebook)
  by its *name*, never by a path read from anywhere: a name must look like a report name.
"""
from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import socket
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import paths, safefile
from .errors import BusyError, OutputError, UsageError

LOCK_FILE = ".lock"
#: A report's name: ``<year>/<division>``, ``<year>/office`` or ``programs/<program>``.
REPORT_NAME = re.compile(r"(?:[0-9]{4}|programs)/[a-z0-9][a-z0-9-]{0,63}")
#: The files a report may have beside each other in the output folder.
REPORT_SUFFIXES = (".html", ".xlsx", ".pdf", ".failed.ipynb")
#: A temporary file seoulcomm writes beside its target (``tempfile.mkstemp(prefix=".<name>.")``).
TEMP_FILE = re.compile(r"\.[^/]+\.[a-z0-9_]{8}(?:\.[A-Za-z0-9]+)?")
#: Files of the output folder that are not temporary although they start with a dot.
KEEP = {".cache.json", LOCK_FILE}
#: Folders no report may be written into, nor inside.
SYSTEM_DIRS = ("/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc",
               "/run", "/sbin", "/sys", "/usr", "/var/lib", "/var/cache", "/var/log", "/var/spool",
               "/var/run", "/snap", "/System", "/Library", "/Applications", "/private/etc")
KERNEL_DIR_PREFIX = "seoulcomm-kernel-"
#: A kernel folder or connection file younger than this may belong to a kernel being started.
LEFTOVER_AGE = 30.0
KST = timezone(timedelta(hours=9), "KST")


def os_message(exc: OSError) -> str:
    """An OS error in one Korean line: what failed, on which file, and why."""
    reasons = {
        errno.ENOSPC: "디스크 공간이 부족합니다", errno.EDQUOT: "디스크 할당량을 넘었습니다",
        errno.EFBIG: "파일 크기 한도를 넘었습니다", errno.EROFS: "읽기 전용 파일 시스템입니다",
        errno.EACCES: "권한이 없습니다", errno.EPERM: "권한이 없습니다",
        errno.ENAMETOOLONG: "경로가 너무 깁니다", errno.ENOTDIR: "경로 중간에 파일이 있습니다",
        errno.ENOENT: "없는 경로입니다", errno.EEXIST: "이미 있습니다",
        errno.EISDIR: "폴더입니다", errno.ELOOP: "링크가 너무 많이 이어집니다",
        errno.EIO: "입출력 오류입니다",
    }
    reason = reasons.get(exc.errno) or (exc.strerror or type(exc).__name__)
    where = exc.filename
    return f"{where}: {reason}" if where else reason


# --------------------------------------------------------------------------- --out checks

def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _name_max(folder: Path) -> tuple[int, int]:
    try:
        return os.pathconf(folder, "PC_NAME_MAX"), os.pathconf(folder, "PC_PATH_MAX")
    except (OSError, ValueError, AttributeError):
        return 255, 4096


def check_out(out, *, data_dir: Path, notebooks_dir: Path | None = None,
              params_dir: Path | None = None) -> Path:
    """The output folder, resolved, once it is known to be a place a build may write to.

    Parameters
    ----------
    out : the ``--out`` value (``None``: ``reports/`` in the repository).
    data_dir, notebooks_dir, params_dir : folders no output may go into.

    Returns
    -------
    Path : the absolute output folder (it may not exist yet; nothing is created here).

    Raises
    ------
    OutputError : with a one-line message saying why (exit 2).
    """
    if out is None:
        out = paths.DEFAULT_REPORTS_DIR
    text = os.fspath(out)
    if not text.strip():
        raise OutputError("출력 폴더(--out)가 비어 있습니다 — 폴더 이름을 주세요 (기본: reports/)")
    if "\0" in text:
        raise OutputError("출력 폴더(--out) 이름에 NUL 문자가 있습니다")
    given = Path(text).expanduser()
    if not given.is_absolute():
        given = Path.cwd() / given
    name_max, path_max = _name_max(Path(given.anchor))
    if len(os.fsencode(str(given))) > path_max - 64:
        raise OutputError(f"출력 폴더 경로가 너무 깁니다({len(os.fsencode(str(given)))}바이트; "
                          f"한도 {path_max - 64}바이트): {str(given)[:80]}…")
    for part in given.parts:
        if len(os.fsencode(part)) > name_max - 24:
            raise OutputError(f"출력 폴더 경로의 이름 하나가 너무 깁니다({len(os.fsencode(part))}바이트; "
                              f"한도 {name_max - 24}바이트): {part[:40]}…")
    try:
        resolved = given.resolve()
    except (OSError, RuntimeError) as exc:  # a symlink loop
        raise OutputError(f"출력 폴더 경로를 따라갈 수 없습니다: {given} ({exc})") from None
    via = f"{given}(링크 → {resolved})" if resolved != given.absolute() and _is_link_on_way(given) else str(resolved)

    data = Path(data_dir).resolve()
    if _inside(resolved, data):
        raise OutputError(f"출력 폴더 {via}가 데이터 폴더({data}) 안입니다 — 보고서는 데이터 폴더에 쓰지 않습니다")
    if _inside(data, resolved):
        raise OutputError(f"출력 폴더 {via}가 데이터 폴더({data})를 품고 있습니다 — 보고서만 담을 폴더를 주세요")
    own = {"패키지 폴더": paths.PACKAGE_DIR, "노트북 폴더": Path(notebooks_dir or paths.NOTEBOOKS_DIR),
           "보고서 목록 폴더": Path(params_dir or paths.PARAMS_DIR)}
    for label, folder in own.items():
        folder = folder.resolve()
        if _inside(resolved, folder) or _inside(folder, resolved):
            raise OutputError(f"출력 폴더 {via}가 {label}({folder})와 겹칩니다 — 다른 폴더를 주세요")
    if resolved == paths.ROOT.resolve() or resolved == Path(resolved.anchor) or resolved == Path.home():
        raise OutputError(f"출력 폴더 {via}는 보고서만 담을 폴더가 아닙니다 — 하위 폴더를 주세요 (예: reports)")
    in_repository = paths.ROOT.resolve() in resolved.parents  # e.g. reports/ of a clone in /usr/src
    for system in () if in_repository else SYSTEM_DIRS:
        if _inside(resolved, Path(system)):
            raise OutputError(f"출력 폴더 {via}가 시스템 폴더({system}) 안입니다 — 다른 폴더를 주세요")

    # the nearest folder that exists must be a folder we can write into
    probe = resolved
    while not probe.exists():
        if probe.is_symlink():  # a dangling link
            raise OutputError(f"출력 폴더 경로의 {probe}가 없는 곳을 가리키는 링크입니다")
        probe = probe.parent
    if not probe.is_dir():
        what = "출력 폴더 자리에 파일이 있습니다" if probe == resolved else f"출력 폴더 경로 중 {probe}가 파일입니다"
        raise OutputError(f"{what}: {resolved}")
    _check_writable(probe, resolved)
    return resolved


def _is_link_on_way(path: Path) -> bool:
    current = Path(path.anchor)
    for part in path.parts[1:]:
        current = current / part
        if current.is_symlink():
            return True
    return False


def _check_writable(folder: Path, out: Path) -> None:
    """Create and remove a probe file (``os.access`` says yes to root on a read-only mount)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".seoulcomm-probe.", dir=folder)
    except OSError as exc:
        raise OutputError(f"출력 폴더에 쓸 수 없습니다: {out} — {os_message(exc)}") from None
    os.close(fd)
    try:
        os.unlink(probe)
    except OSError:
        pass


# --------------------------------------------------------------------------- the lock

def _pid_alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def holder_text(info: dict) -> str:
    """Who holds (or held) a build lock, from its record: pid, host and start time in KST."""
    parts = []
    if isinstance(info.get("pid"), int):
        parts.append(f"pid {info['pid']}")
    if isinstance(info.get("host"), str):
        parts.append(f"호스트 {info['host'][:64]}")
    started = info.get("started")
    if isinstance(started, str):
        try:
            parts.append("시작 " + datetime.fromisoformat(started).astimezone(KST).strftime("%Y-%m-%d %H:%M:%S KST"))
        except ValueError:
            pass
    return ", ".join(parts) or "누구인지 알 수 없음"


class BuildLock:
    """One build at a time per output folder: ``with BuildLock(out): ...``.

    The lock is ``fcntl.flock`` on ``<out>/.lock``: the operating system releases it when the
    holding process ends, however it ends, so a lock from a dead build never blocks. The file
    holds ``{"pid", "host", "started"}`` of the holder, for the message a second build shows;
    it is emptied when the build ends. Worker processes forked by the build do not keep it.

    Attributes
    ----------
    taken_over : the holder record an earlier build left without ending cleanly (killed), or None.
    """

    def __init__(self, out: Path):
        self.path = Path(out) / LOCK_FILE
        self.fd: int | None = None
        self.taken_over: dict | None = None

    def __enter__(self) -> "BuildLock":
        try:  # never through a link, never a FIFO, only a regular file: the pid is written into it
            fd = safefile.open_fd(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        except OSError as exc:
            raise OutputError(f"출력 폴더의 잠금 파일을 만들 수 없습니다: {self.path} — "
                              f"{os_message(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            info = _read_info(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                alive = "" if _pid_alive(info.get("pid")) or info.get("host") != socket.gethostname() \
                    else " — 그 프로세스는 끝났지만 그 작업 프로세스가 아직 남아 있습니다"
                raise BusyError(f"다른 빌드가 이 출력 폴더를 쓰고 있습니다: {self.path.parent} "
                                f"({holder_text(info)}){alive} — 그 빌드가 끝난 뒤 다시 실행하세요") from None
            raise OutputError(f"출력 폴더를 잠글 수 없습니다 — {os_message(exc)}") from None
        try:
            check_tree(self.path.parent)
        except BaseException:
            os.close(fd)
            raise
        previous = _read_info(fd)
        self.taken_over = previous or None
        record = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                             "started": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, record.encode(), 0)
        except OSError:
            pass  # the lock holds without its note (a full disk); the message then names no one
        self.fd = fd
        _LOCK_FDS.add(fd)
        return self

    def __exit__(self, *exc) -> None:
        self.release()

    def release(self) -> None:
        if self.fd is None:
            return
        fd, self.fd = self.fd, None
        _LOCK_FDS.discard(fd)
        try:
            os.ftruncate(fd, 0)
        except OSError:
            pass
        os.close(fd)  # closing the last descriptor releases the flock


#: Folders of the output folder that hold reports (``2016/``, ``programs/``).
REPORT_DIR = re.compile(r"[0-9]{4}|programs")


def check_tree(out: Path) -> None:
    """Refuse an output folder where a file a build reads or writes is not a regular file:
    the record, the index, a report folder (``2016/``, ``programs/``) or a report's file
    (HTML, workbook, PDF, failed notebook) that is a symlink, FIFO, device or socket.

    Raises
    ------
    UnsafeFileError : naming the first such path (exit 2); nothing is followed or opened.
    """
    for entry in _scandir(out):
        if entry.name in (".cache.json", "index.html", LOCK_FILE):
            safefile.check(entry.path)
        elif REPORT_DIR.fullmatch(entry.name) and safefile.real_dir(entry.path):
            for inner in _scandir(entry.path):
                if inner.name.endswith(REPORT_SUFFIXES):
                    safefile.check(inner.path)


def _scandir(folder) -> list:
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=lambda e: e.name)
    except OSError:
        return []


def _read_info(fd: int) -> dict:
    try:
        data = os.pread(fd, 4096, 0)
        info = json.loads(data.decode("utf-8")) if data.strip() else {}
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


_LOCK_FDS: set = set()


def _close_in_child() -> None:
    # a forked worker must not keep the build's lock alive after the build ends
    for fd in list(_LOCK_FDS):
        try:
            os.close(fd)
        except OSError:
            pass
    _LOCK_FDS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)


# --------------------------------------------------------------------------- leftovers

def leftovers(out: Path) -> list[Path]:
    """The temporary files an interrupted build left in ``out`` and its folders (none are
    removed here). Call it while holding :class:`BuildLock`."""
    found = []
    out = Path(out)
    folders = [out] + [p for p in _listdir(out) if p.is_dir() and not p.is_symlink()]
    for folder in folders:
        for p in _listdir(folder):
            if p.name in KEEP or not p.name.startswith(".") or not TEMP_FILE.fullmatch(p.name):
                continue
            if p.is_file() and not p.is_symlink():
                found.append(p)
    return found


def remove_leftovers(out: Path) -> list[str]:
    """Delete what an interrupted build left; return what was removed (for the log).

    Call it while holding :class:`BuildLock`: then no other build writes in ``out``, and every
    temporary file in it is a leftover. Kernel folders and connection files are removed only
    when no running process uses them and they are older than :data:`LEFTOVER_AGE`.
    """
    removed = []
    for p in leftovers(out):
        try:
            p.unlink()
            removed.append(str(p))
        except OSError:
            pass
    removed += remove_dead_kernel_files()
    return removed


def _listdir(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _live_references() -> str:
    """The command lines of every running process, joined (kernels name their connection file)."""
    found = []
    proc = Path("/proc")
    for entry in _listdir(proc):
        if entry.name.isdigit():
            try:
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace"))
            except OSError:
                continue
    return "\n".join(found)


def _connection_ip(path: Path) -> str | None:
    try:  # anyone may write in /tmp: a FIFO or link named *.json is never opened
        raw = safefile.read_bytes(path, 4096)
        if len(raw) > 4096:
            return None
        info = json.loads(raw.decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, UsageError):
        return None
    ip = info.get("ip") if isinstance(info, dict) else None
    return ip if isinstance(ip, str) else None


def remove_dead_kernel_files(tmp: Path | None = None) -> list[str]:
    """Remove ``seoulcomm-kernel-*`` folders and seoulcomm kernels' connection files that no
    running process uses (only ours: a connection file counts when its ``ip`` names a
    ``seoulcomm-kernel-`` folder)."""
    if not Path("/proc/self/cmdline").exists():
        return []  # no way to tell a live kernel from a dead one here: leave everything
    tmp = Path(tmp or tempfile.gettempdir())
    now = time.time()
    live = _live_references()
    uid = os.getuid()
    removed = []

    def old_and_ours(p: Path) -> bool:
        try:
            st = p.lstat()
        except OSError:
            return False
        return st.st_uid == uid and now - st.st_mtime > LEFTOVER_AGE

    connections = {}
    for p in list(tmp.glob("*.json")) + list(tmp.glob(f"{KERNEL_DIR_PREFIX}*/*.json")):
        ip = _connection_ip(p)
        if ip and KERNEL_DIR_PREFIX in ip:
            connections[p] = ip
    used_dirs = {Path(ip).parent.name for p, ip in connections.items() if str(p) in live}
    for p, ip in connections.items():
        if str(p) not in live and old_and_ours(p):
            try:
                p.unlink()
                removed.append(str(p))
            except OSError:
                pass
    for d in tmp.glob(f"{KERNEL_DIR_PREFIX}*"):
        if d.is_dir() and not d.is_symlink() and d.name not in used_dirs and d.name not in live \
                and old_and_ours(d):
            shutil.rmtree(d, ignore_errors=True)
            if not d.exists():
                removed.append(str(d))
    return removed


# --------------------------------------------------------------------------- report files

def report_files(out: Path, name: str) -> list[Path]:
    """The files a report called ``name`` may have in ``out`` (its name is checked first)."""
    if not isinstance(name, str) or not REPORT_NAME.fullmatch(name):
        return []
    return [Path(out) / f"{name}{suffix}" for suffix in REPORT_SUFFIXES]


def remove_report_files(out: Path, name: str) -> list[str]:
    """Delete a report's HTML, workbook, PDF and failed notebook; then its folder if empty."""
    removed = []
    for p in report_files(out, name):
        try:
            if p.is_file() and not p.is_symlink():
                p.unlink()
                removed.append(str(p))
        except OSError:
            pass
    if removed:
        try:
            removed_dir = (Path(out) / name).parent
            if removed_dir != Path(out):
                removed_dir.rmdir()
        except OSError:
            pass
    return removed
