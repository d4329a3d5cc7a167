"""Shared fixtures: the data folder, fresh copies of it, byte snapshots, and the CLI.

Only fixtures that several test files use live here; a test file's own helpers stay in it.
"""
from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from seoulcomm import load_all, paths

# the column cache (seoulcomm/colcache.py) of this session, in a folder of its own (never the
# user's ~/.cache), inherited by every build, kernel and command the tests start
_SESSION_CACHE = tempfile.mkdtemp(prefix="seoulcomm-test-cache-")
os.environ["SEOULCOMM_CACHE"] = _SESSION_CACHE
atexit.register(shutil.rmtree, _SESSION_CACHE, True)

#: The repository's data folder (read-only for every test: copy it before breaking it).
DATA_DIR = paths.DEFAULT_DATA_DIR
#: The source documents the data was transcribed from. They are not in the repository (the
#: program sheet names officials and their phone numbers): they sit beside it in
#: ../shared/seeds, or where SEOULCOMM_SEEDS says (.ci/run sets it).
SEED_FILES = ("000_a1ad29fe56867c6c.txt", "004_6b168251e7e9221a.txt")


def seed_places() -> list[Path]:
    """Where the source documents are looked for, in order."""
    given = os.environ.get("SEOULCOMM_SEEDS", "")
    return ([Path(given)] if given else []) + [paths.ROOT.parent / "shared" / "seeds",
                                               Path("/work/shared/seeds")]


def find_seeds() -> Path | None:
    """The first folder of :func:`seed_places` that holds both source documents, or None."""
    return next((p for p in seed_places() if all((p / name).is_file() for name in SEED_FILES)), None)


def snapshot_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (recursively) as ``{relative path: bytes}``."""
    folder = Path(folder)
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def cli(*args: str, cwd: Path | None = None, timeout: float = 120) -> tuple[int, str, str]:
    """Run ``python -m seoulcomm *args`` in a subprocess; return (exit code, stdout, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != "SEOULCOMM_DATA"}
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [sys.executable, "-m", "seoulcomm", *map(str, args)],
        capture_output=True, text=True, encoding="utf-8", errors="replace",
        cwd=str(cwd or paths.ROOT), env=env, timeout=timeout,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="session")
def data_dir() -> Path:
    """The repository's data folder."""
    return DATA_DIR


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    """The folder of the two source documents; without them every test that reads them fails
    (never skips) with one message saying where they were looked for."""
    found = find_seeds()
    if found is None:
        pytest.fail("the source documents (" + ", ".join(SEED_FILES) + ") are in none of: "
                    + ", ".join(map(str, seed_places())) + " — set SEOULCOMM_SEEDS to their folder",
                    pytrace=False)
    return found


@pytest.fixture(scope="session")
def dataset():
    """The repository's data, loaded and checked once per session."""
    return load_all(DATA_DIR)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A fresh copy of ``data/`` in ``tmp_path``, free to break."""
    target = tmp_path / "data"
    shutil.copytree(DATA_DIR, target)
    return target


@pytest.fixture(scope="session")
def snapshot():
    """``snapshot(folder)`` → ``{relative path: bytes}``, to assert a folder is unchanged."""
    return snapshot_bytes


@pytest.fixture(scope="session")
def run_cli():
    """``run_cli(*args)`` → ``(exit code, stdout, stderr)`` of ``python -m seoulcomm``."""
    return cli


@pytest.fixture(scope="session")
def built_reports(tmp_path_factory) -> Path:
    """Every report built once per session: ``seoulcomm build --out <tmp>``; the output folder.

    Shared by the test files that read rendered reports; treat it as read-only (the
    browser tests add ``screenshots/`` to it). The build's terminal output is kept in
    ``build.log`` beside the folder. Exit 1 (some report failed) still returns the folder,
    so the reports that did build are checked and the missing ones fail by name.
    """
    out = tmp_path_factory.mktemp("built") / "reports"
    code, stdout, stderr = cli("build", "--out", str(out), timeout=900)
    (out.parent / "build.log").write_text(f"exit {code}\n{stdout}\n{stderr}", encoding="utf-8")
    if code not in (0, 1) or not (out / "index.html").exists():
        pytest.fail(f"seoulcomm build --out {out} failed (exit {code}):\n"
                    f"{stdout[-3000:]}\n{stderr[-3000:]}")
    return out


@pytest.fixture(scope="session", autouse=True)
def _repository_data_unchanged():
    """No test may write into the repository's ``data/``."""
    before = snapshot_bytes(DATA_DIR)
    yield
    assert snapshot_bytes(DATA_DIR) == before, "a test changed files under data/"


# --------------------------------------------------------------------------- table helpers
def rows_of(table) -> list[dict]:
    data = table.to_json()
    return [dict(zip(data["columns"], row)) for row in data["rows"]]


def row_named(table, column: str, value) -> dict:
    found = [r for r in rows_of(table) if r[column] == value]
    assert found, f"no row with {column} = {value!r} in {table.title}"
    return found[0]


def cell_texts(html: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", html, re.S)]
