"""Files opened without trusting the folder they are in.

A shared output or data folder may hold, where a regular file is expected, a symlink (a
write through it would land on whatever it points at: ``data/``, ``/etc``), a FIFO (an open
blocks until someone writes to it: forever), a device or a socket. Every file the package
opens there goes through :func:`open_fd`: ``O_NOFOLLOW`` (a link is never followed),
``O_NONBLOCK`` while opening (a FIFO cannot block the open) and ``fstat`` on the opened
descriptor (only a regular file is used). Anything else raises
:class:`~seoulcomm.errors.UnsafeFileError`, one message naming the path, exit 2, at once.
Folders the package writes into are checked the same way by :func:`real_dir`.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import stat
from pathlib import Path

from .errors import UnsafeFileError

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def what(mode: int) -> str:
    """A file type in Korean words, for the message."""
    if stat.S_ISLNK(mode):
        return "심볼릭 링크"
    if stat.S_ISFIFO(mode):
        return "FIFO(이름 있는 파이프)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "장치 파일"
    if stat.S_ISSOCK(mode):
        return "소켓"
    if stat.S_ISDIR(mode):
        return "폴더"
    return "특수 파일"


def check(path) -> os.stat_result | None:
    """``lstat`` of ``path`` when it is a regular file, None when nothing is there.

    Raises
    ------
    UnsafeFileError : something other than a regular file is there.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None
    if not stat.S_ISREG(st.st_mode):
        raise UnsafeFileError(path, what(st.st_mode))
    return st


def real_dir(path) -> bool:
    """True when ``path`` is a folder that is not a symlink, False when nothing is there.

    Raises
    ------
    UnsafeFileError : a symlink or anything else than a folder is there.
    """
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeFileError(path, what(st.st_mode))
    return True


def open_fd(path, flags: int = os.O_RDONLY, mode: int = 0o666) -> int:
    """``os.open`` that never follows a link at the last step of ``path``, never blocks on a
    FIFO, and returns only a descriptor of a regular file (blocking, close-on-exec).

    Raises
    ------
    UnsafeFileError : the path is a symlink, FIFO, device, socket or folder.
    OSError : as ``os.open`` (``FileNotFoundError`` and the like).
    """
    check(path)  # a device or FIFO is refused before it is even opened
    try:
        fd = os.open(path, flags | _NOFOLLOW | _NONBLOCK | _CLOEXEC, mode)
    except OSError as exc:  # replaced since the check: a link (ELOOP), a FIFO with no reader (ENXIO)
        if exc.errno in (errno.ELOOP, errno.EMLINK, errno.ENXIO, errno.EISDIR, errno.ENODEV):
            try:
                kind = what(os.lstat(path).st_mode)
            except OSError:
                kind = "특수 파일"
            raise UnsafeFileError(path, kind) from None
        raise
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise UnsafeFileError(path, what(st.st_mode))
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) & ~_NONBLOCK)
    except BaseException:
        os.close(fd)
        raise
    return fd


def open_file(path, mode: str = "rb", **kwargs):
    """A file object over :func:`open_fd` (modes ``r``, ``rb``, ``w``, ``wb``, ``r+b``)."""
    flags = {"r": os.O_RDONLY, "rb": os.O_RDONLY, "r+b": os.O_RDWR, "w": os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
             "wb": os.O_WRONLY | os.O_CREAT | os.O_TRUNC}[mode]
    return os.fdopen(open_fd(path, flags), mode, **kwargs)


def read_bytes(path, limit: int | None = None) -> bytes:
    """The bytes of the regular file ``path`` (at most ``limit + 1`` of them when given)."""
    with open_file(path, "rb") as fh:
        return fh.read() if limit is None else fh.read(limit + 1)


def sha256(path) -> str | None:
    """sha256 of the regular file ``path``, read in 1 MiB pieces; None when it is missing or
    cannot be read.

    Raises
    ------
    UnsafeFileError : something other than a regular file is there.
    """
    digest = hashlib.sha256()
    try:
        with open_file(path, "rb") as fh:
            for piece in iter(lambda: fh.read(1 << 20), b""):
                digest.update(piece)
    except UnsafeFileError:
        raise
    except OSError:
        return None
    return digest.hexdigest()


def make_dirs(root, relative) -> Path:
    """``root/relative`` as a folder, made where missing, each step a real folder (never a
    symlink: a link named ``2016`` in the output folder must not carry reports elsewhere).
    ``root`` itself is the folder the caller named (``--out``): made with its parents if missing."""
    current = Path(root)
    current.mkdir(parents=True, exist_ok=True)
    for part in Path(relative).parts:
        current = current / part
        if not real_dir(current):
            try:
                os.mkdir(current)
            except FileExistsError:
                pass
            real_dir(current)
    return current
