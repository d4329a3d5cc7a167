"""Atomic publishing (seoulcomm/publish.py): a file reaches its place whole or not at all."""
from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
import textwrap

from seoulcomm import publish


def test_write_atomic_leaves_no_temporary_file_and_readable_permissions(tmp_path):
    target = tmp_path / "x.html"
    publish.write_atomic(target, "한글")
    assert target.read_text(encoding="utf-8") == "한글"
    mask = os.umask(0)
    os.umask(mask)
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~mask  # not mkstemp's 0600
    assert [p.name for p in tmp_path.iterdir()] == ["x.html"]


#: Run in a process whose files may not grow past 64 bytes (RLIMIT_FSIZE): a real write that
#: fails partway, as on a full disk: the first 64 bytes land, then write() fails with EFBIG.
_FAIL_PARTWAY = textwrap.dedent("""
    import resource, signal, sys
    from pathlib import Path
    from seoulcomm import publish
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # EFBIG instead of the signal's core dump
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.RLIM_INFINITY))
    for name in sys.argv[2:]:
        try:
            publish.write_atomic(Path(sys.argv[1]) / name, "새 내용 " * 1000)
        except OSError as exc:
            print(name, exc.errno)
        else:
            print(name, "written")
""")


def test_a_write_that_fails_partway_leaves_the_old_index_and_record_byte_identical(
        built_reports, tmp_path):
    # the build's own index.html and .cache.json, as a real build left them
    for name in ("index.html", ".cache.json"):
        shutil.copy2(built_reports / name, tmp_path / name)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert all(len(data) > 64 for data in before.values())
    proc = subprocess.run([sys.executable, "-c", _FAIL_PARTWAY, str(tmp_path), *before],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == [f"{name} {errno.EFBIG}" for name in before]
    # the old files byte for byte, and no temporary file left beside them
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_publish_together_changes_both_files_or_neither(tmp_path):
    html, xlsx = tmp_path / "r.html", tmp_path / "r.xlsx"
    html.write_bytes(b"old page")
    xlsx.write_bytes(b"old book")

    def broken(tmp):
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    try:
        publish.publish_together([(html, lambda tmp: tmp.write_bytes(b"new page")), (xlsx, broken)])
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    else:
        raise AssertionError("the failed write was not reported")
    assert html.read_bytes() == b"old page" and xlsx.read_bytes() == b"old book"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.xlsx"]
    publish.publish_together([(html, lambda tmp: tmp.write_bytes(b"new page")),
                              (xlsx, lambda tmp: tmp.write_bytes(b"new book"))])
    assert html.read_bytes() == b"new page" and xlsx.read_bytes() == b"new book"
