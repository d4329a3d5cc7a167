"""Fingerprints of what a build's output depends on: the sha256 of files, of the package's
source, of the rendering packages' versions, of every input (:class:`Inputs`), and the digest
of the rows a report read (:class:`Digests`).

Everything here but :class:`Digests` runs with the standard library only: a build with nothing
to do proves it from these hashes without importing pandas.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__, nbclean, params, paths, safefile
from .errors import UnsafeFileError
from .schema import TABLES

#: Packages whose versions shape a report's output: a new version rebuilds everything.
RENDERING_PACKAGES = (
    "papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client", "ipython",
    "pandas", "numpy", "matplotlib", "matplotlib-inline", "openpyxl", "jinja2", "mistune",
    "pandera", "pyyaml", "koreanize-matplotlib",
)


def sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def file_sha(path: Path) -> str | None:
    """sha256 of a file, read in 1 MiB pieces (never whole into memory); None if unreadable.

    Raises
    ------
    UnsafeFileError : a symlink, FIFO, device or socket is there (never followed or opened).
    """
    return safefile.sha256(path)


def _folder_hashes(folder: Path, patterns: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for pattern in patterns:
        for p in sorted(folder.glob(pattern)):
            if p.is_file() and "__pycache__" not in p.parts:  # the package's own files: links allowed
                found[p.relative_to(folder).as_posix()] = sha(p.read_bytes())
    return found


def data_files(data_dir=None) -> list[str]:
    """The data files the catalog names (:func:`seoulcomm.load.data_files`), by name: the
    only files of the data folder a build hashes."""
    from .load import data_files as files

    return [p.name for p in files(data_dir)]


def data_hashes(data_dir: Path) -> dict[str, str]:
    """``{file name: sha256}`` of the data files the catalog names (streamed)."""
    folder = Path(data_dir)
    return {name: file_sha(folder / name) for name in data_files()}


class Digests:
    """The digest of what a report read, computed once per build for each distinct read set.

    ``reads`` is the report's read log: the ``{"table", "where"}`` entries of the shared
    contract (hashed by ``load.digest_reads``), or, from the older kernel hook, data file
    names (hashed here, streamed; only files the catalog names, anything else never matches).
    """

    def __init__(self, folder: Path, ds, hashes: dict | None = None):
        self.folder, self.ds = folder, ds
        self.known = set(data_files())
        self.files: dict[str, str | None] = dict(hashes or {})  # the build's pinned bytes' hashes
        self.memo: dict[str, str | None] = {}

    def file(self, name: str) -> str | None:
        if name not in self.files:
            self.files[name] = file_sha(self.folder / name) if name in self.known else None
        return self.files[name]

    def __call__(self, reads) -> str | None:
        if not isinstance(reads, list):
            return None
        memo_key = json.dumps(reads, sort_keys=True, default=str)
        if memo_key in self.memo:
            return self.memo[memo_key]
        from .load import digest_of

        digest = digest_of(self.ds, reads)
        if digest is None and all(isinstance(r, str) for r in reads):
            hashes = {name: self.file(name) for name in sorted(set(reads))}
            if reads and all(hashes.values()):
                digest = sha(json.dumps(hashes, sort_keys=True))
        self.memo[memo_key] = digest
        return digest


def source_hash() -> str:
    """One hash over the seoulcomm package's source and templates."""
    files = _folder_hashes(paths.PACKAGE_DIR, ("*.py", "templates/**/*"))
    return sha(json.dumps(files, sort_keys=True))


def versions() -> dict[str, str]:
    """Python's version and those of the packages that render a report.

    Read from the installed packages' ``METADATA`` (what :func:`importlib.metadata.version`
    reads) found by one listing of each ``sys.path`` folder: importing ``importlib.metadata``
    alone costs more than a build with nothing to do should take. A package found no other way
    is asked of :mod:`importlib.metadata`.
    """
    found = {"python": sys.version.split()[0], "seoulcomm": __version__}
    installed = _installed()
    for name in RENDERING_PACKAGES:
        found[name] = _metadata_version(installed.get(_project(name)))
        if found[name] is None:
            from importlib import metadata

            try:
                found[name] = metadata.version(name)
            except metadata.PackageNotFoundError:
                pass
    return found


def _project(name: str) -> str:
    """A distribution's name normalised (PEP 503): ``Jinja2``, ``jupyter_client`` → ``jinja2``, ``jupyter-client``."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed() -> dict[str, Path]:
    """``{normalised name: its .dist-info or .egg-info folder}``; the first on ``sys.path`` wins,
    as for :mod:`importlib.metadata`."""
    found: dict[str, Path] = {}
    for entry in sys.path:
        folder = entry or "."
        try:
            with os.scandir(folder) as listing:
                names = sorted(e.name for e in listing if e.name.endswith((".dist-info", ".egg-info")))
        except OSError:
            continue
        for name in names:
            found.setdefault(_project(name.rpartition(".")[0].split("-")[0]), Path(folder, name))
    return found


def _metadata_version(folder: Path | None) -> str | None:
    """The ``Version:`` header of a distribution's ``METADATA`` (``PKG-INFO`` for an egg)."""
    if folder is None:
        return None
    for file in ("METADATA", "PKG-INFO"):
        try:
            with open(folder / file, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if line.startswith("Version:"):
                        return line[len("Version:"):].strip()
                    if not line.strip():
                        break  # the headers end at the first blank line
        except OSError:
            continue
    return None



#: A data file name the record may give: a plain name in the data folder (no path, no dot first).
PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def plain_file_sha(folder: Path, name: str) -> str | None:
    """sha256 of the regular file ``folder/name``, never through a symlink; None for anything else."""
    if not isinstance(name, str) or not PLAIN_NAME.fullmatch(name):
        return None
    try:
        return safefile.sha256(folder / name)
    except UnsafeFileError:
        return None  # the full path then says what it is


#: Files of the optional tables (schema.Table.optional): a data folder may leave them out.
OPTIONAL_FILES = frozenset(t.file for t in TABLES.values() if t.optional)


@dataclass
class Inputs:
    """Everything a build's output depends on besides the output folder's own files."""

    data: Path
    params: Path
    notebooks: Path
    out: Path
    only: list | None
    pdf: bool
    source: str = ""
    versions: dict = field(default_factory=dict)

    def key(self, data_files, hashes: dict | None = None) -> str | None:
        """sha256 over every input, reading ``data_files`` (plain names) from the data folder,
        or taking their sha256 from ``hashes`` (of the bytes the build read); None when one of
        them is not a regular file or a file cannot be read. An optional table's file that is
        not there counts as absent: it is part of the key, so the day it appears the key changes."""
        data = {}
        for name in data_files:
            if hashes is not None:
                digest = hashes.get(name)
            else:
                digest = plain_file_sha(self.data, name)
                if digest is None and os.path.lexists(self.data / name):
                    return None  # there but not a regular file, or unreadable
            if digest is None and name not in OPTIONAL_FILES:
                return None
            data[name] = digest or "absent"   # an optional table left out; adding it changes the key
        if paths.CATALOG_FILE not in data:
            return None
        yaml_files = {p.name: file_sha(p) for p in sorted(self.params.glob("*.yaml"))}
        if not yaml_files or None in yaml_files.values():
            return None
        notebooks = {kind: nbclean.key(self.notebooks / f"{kind}.ipynb") for kind in params.KINDS}
        return sha(json.dumps({
            "source": self.source, "versions": self.versions, "data_dir": str(self.data), "data": data,
            "params_dir": str(self.params.resolve()), "params": yaml_files,
            "notebooks_dir": str(self.notebooks.resolve()), "notebooks": notebooks,
            "out": str(self.out), "only": self.only, "pdf": self.pdf,
        }, sort_keys=True))
