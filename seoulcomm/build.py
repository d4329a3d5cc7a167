"""The batch build: every report of ``params/``, in parallel, incremental, failure-isolated.

``seoulcomm build`` renders each report named in ``params/*.yaml`` with
:func:`seoulcomm.report.render` into the output folder (``reports/``) and writes
``index.html`` linking them all.

- **Parallel**: this process is warmed once (libraries imported, data loaded, audit
  computed) and each report runs in a process forked from it, ``--jobs`` at a time (default
  the machine's cores), under a cell and a report deadline; or on a Dask cluster
  (``--scheduler``), each worker process warmed once by a plugin and forking its reports the
  same way. See :mod:`seoulcomm.engine`.
- **Incremental**: a report is skipped when its notebook (code, markdown and parameter names:
  :func:`seoulcomm.nbclean.key`), parameters, what its last run read, the seoulcomm source and
  the versions of the packages that render it are all unchanged since its last good build, and
  its HTML and workbook are the ones that build wrote. The record is ``<out>/.cache.json``: a
  record, never an instruction (the plan comes from ``params/`` and the data, or from the
  record of the last complete build when every byte of both is what that build read; entries
  of any other shape are ignored). ``--force`` rebuilds everything.
- **Nothing changed** (:func:`_unchanged`): a build that had no failure and covered the whole
  plan records a hash of all its inputs (``"complete"`` in the cache). The next build first
  recomputes that hash with the standard library only — source, package versions, data folder,
  the bytes of ``catalog.yaml`` and of every data file, of ``params/*.yaml``, the notebooks'
  :func:`~seoulcomm.nbclean.key` and the options that shape the output — and checks every
  report's files and ``index.html`` against their recorded sha256. When all match it stops
  there, without importing pandas or loading the data; ``index.html`` is then left as it was
  (it still shows the time and counts of the build that wrote it). Anything else takes the
  full path, which drops the record before it changes any file.
- **The output folder** (:mod:`seoulcomm.outdir`): ``--out`` checked first; one build at a time
  (a lock); what an interrupted build left and reports no longer planned are removed.
- **PDF** (``pdf=True``, :mod:`seoulcomm.pdf`): an A4 PDF beside each HTML, by headless Chromium.
- **Failures**: a report that fails is reported (failing cell, exception) on the terminal
  and in ``index.html``; its last good HTML stays as it was; the others still build; the
  exit code is 1. Bad input or usage raises before anything is written (exit 2).
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import __version__, datastore, nbclean, outdir, params, paths, safefile
from .errors import DataError, UnsafeFileError, UsageError
from .schema import TABLES
from .report import RenderResult, write_atomic

#: Readers are in Seoul: times shown in the index are Korea Standard Time (no daylight saving).
KST = timezone(timedelta(hours=9), "KST")
CACHE_FILE = ".cache.json"
INDEX_FILE = "index.html"
CACHE_FORMAT = 2
#: A build record larger than this is not read (it is rebuilt).
MAX_CACHE_BYTES = 16 * 1024 * 1024
#: Longest the data helper may take to load, check and audit the data [s] (``--load-timeout``).
LOAD_TIMEOUT = 600.0
#: Slack on top of the report deadlines for a Dask build's results to arrive [s].
DASK_MARGIN = 120.0
#: Packages whose versions shape a report's output: a new version rebuilds everything.
RENDERING_PACKAGES = (
    "papermill", "nbconvert", "nbclient", "nbformat", "ipykernel", "jupyter_client", "ipython",
    "pandas", "numpy", "matplotlib", "matplotlib-inline", "openpyxl", "jinja2", "mistune",
    "pandera", "pyyaml", "koreanize-matplotlib",
)


@dataclass
class BuildSummary:
    """What one build did.

    Attributes
    ----------
    built, skipped : names of the reports rendered, and of those left as they were.
    failed : the render results of the reports that failed.
    seconds : wall time of the build [s].
    out_dir : the output folder; ``index.html`` is in it.
    unchanged : True when the build found its inputs and files as the last complete build
        left them, without loading the data (nothing was rendered, ``index.html`` kept).
    data_changed : the data files whose bytes changed on disk while the build ran (its reports
        were built from the bytes it read at the start, and none is recorded as current).
    """

    built: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    seconds: float = 0.0
    out_dir: Path | None = None
    unchanged: bool = False
    data_changed: list = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.data_changed else 0

    def line(self) -> str:
        return (f"보고서 {len(self.built) + len(self.skipped) + len(self.failed)}개: "
                f"생성 {len(self.built)}, 건너뜀 {len(self.skipped)}, 실패 {len(self.failed)} "
                f"— {self.seconds:.1f}초")


# --------------------------------------------------------------------------- fingerprints

def _sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _file_sha(path: Path) -> str | None:
    """sha256 of a file, read in 1 MiB pieces (never whole into memory); None if unreadable."""
    return safefile.sha256(path)  # never through a link, never blocked on a FIFO


def _folder_hashes(folder: Path, patterns: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for pattern in patterns:
        for p in sorted(folder.glob(pattern)):
            if p.is_file() and "__pycache__" not in p.parts:  # the package's own files: links allowed
                found[p.relative_to(folder).as_posix()] = _sha(p.read_bytes())
    return found


def data_files(data_dir=None) -> list[str]:
    """The data files the catalog names (:func:`seoulcomm.load.data_files`), by name: the
    only files of the data folder a build hashes."""
    from .load import data_files as files

    return [p.name for p in files(data_dir)]


def data_hashes(data_dir: Path) -> dict[str, str]:
    """``{file name: sha256}`` of the data files the catalog names (streamed)."""
    folder = Path(data_dir)
    return {name: _file_sha(folder / name) for name in data_files()}


class _Digests:
    """The digest of what a report read, computed once per build for each distinct read set.

    ``reads`` is the report's read log: the ``{"table", "where"}`` entries of the shared
    contract (hashed by ``load.digest_reads``), or, from the older kernel hook, data file
    names (hashed here, streamed; only files the catalog names, anything else never matches).
    """

    def __init__(self, folder: Path, ds, hashes: dict | None = None):
        self.folder, self.ds = folder, ds
        self.known = set(data_files())
        self.files: dict[str, str | None] = dict(hashes or {})
        self.memo: dict[str, str | None] = {}

    def file(self, name: str) -> str | None:
        if name not in self.files:
            self.files[name] = _file_sha(self.folder / name) if name in self.known else None
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
                digest = _sha(json.dumps(hashes, sort_keys=True))
        self.memo[memo_key] = digest
        return digest


def source_hash() -> str:
    """One hash over the seoulcomm package's source and templates."""
    files = _folder_hashes(paths.PACKAGE_DIR, ("*.py", "templates/**/*"))
    return _sha(json.dumps(files, sort_keys=True))


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


# --------------------------------------------------------------------------- cache
# The cache is a record of what earlier builds wrote, never an instruction: the list of
# reports comes from params/ and the data (or, with nothing changed, from the "complete"
# record, whose key covers every byte of both); an entry only decides whether a planned
# report is skipped, and only when every file it records is the one on disk. Entries of any
# other shape are ignored; file paths are derived from report names, never read from it.

_HEX = re.compile(r"[0-9a-f]{64}")


def _is_sha(value) -> bool:
    return isinstance(value, str) and _HEX.fullmatch(value) is not None


def _clean_headline(headline) -> dict:
    if not isinstance(headline, dict):
        return {}
    found = {}
    for key in ("title", "as_of"):
        if isinstance(headline.get(key), str):
            found[key] = headline[key]
    figures = headline.get("figures")
    if isinstance(figures, list):
        found["figures"] = [{k: f[k] for k in ("label", "value", "unit") if isinstance(f.get(k), (str, int, float))}
                            for f in figures if isinstance(f, dict)]
    sources = headline.get("sources")
    if isinstance(sources, (str, list)):
        found["sources"] = sources
    return found


def _valid_entry(name, entry) -> bool:
    return (isinstance(name, str) and outdir.REPORT_NAME.fullmatch(name) is not None
            and isinstance(entry, dict) and _is_sha(entry.get("key")) and _is_sha(entry.get("html_sha"))
            and _is_sha(entry.get("xlsx_sha")) and isinstance(entry.get("reads"), list)
            and (entry.get("digest") is None or isinstance(entry.get("digest"), str))
            and (entry.get("pdf_sha") is None or _is_sha(entry.get("pdf_sha"))))


def _valid_complete(record) -> bool:
    """The record of the last complete build (:func:`_unchanged`) has the shape it is written in."""
    if not isinstance(record, dict) or not _is_sha(record.get("key")) or not _is_sha(record.get("index_sha")):
        return False
    files, names = record.get("data_files"), record.get("reports")
    return (isinstance(files, list) and paths.CATALOG_FILE in files
            and all(isinstance(n, str) and _PLAIN_NAME.fullmatch(n) for n in files)
            and isinstance(names, list) and bool(names) and len(set(names)) == len(names)
            and all(isinstance(n, str) and outdir.REPORT_NAME.fullmatch(n) for n in names))


def _valid_failure(name, entry) -> bool:
    return (isinstance(name, str) and outdir.REPORT_NAME.fullmatch(name) is not None
            and isinstance(entry, dict) and isinstance(entry.get("message"), str))


def _read_cache(path: Path) -> tuple[dict, str | None]:
    """``(cache, warning)``: the checked record of earlier builds, and a one-line warning when
    the file was there but unusable (it is then rebuilt from scratch)."""
    empty = {"format": CACHE_FORMAT, "reports": {}, "failures": {}}
    try:
        raw = safefile.read_bytes(path, MAX_CACHE_BYTES)  # a link or FIFO is refused (exit 2)
    except FileNotFoundError:
        return empty, None
    except OSError as exc:
        return empty, f"빌드 기록 {path}을(를) 읽을 수 없어 새로 만듭니다 ({outdir.os_message(exc)})"
    if len(raw) > MAX_CACHE_BYTES:
        return empty, f"빌드 기록 {path}이(가) 너무 커서({MAX_CACHE_BYTES:,}바이트 초과) 새로 만듭니다"
    try:
        cache = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return empty, f"빌드 기록 {path}이(가) 손상되어(JSON이 아님) 새로 만듭니다 — 모든 보고서를 다시 만듭니다"
    if not isinstance(cache, dict) or not isinstance(cache.get("reports", {}), dict) \
            or not isinstance(cache.get("failures", {}), dict):
        return empty, f"빌드 기록 {path}의 형식이 맞지 않아 새로 만듭니다 — 모든 보고서를 다시 만듭니다"
    if cache.get("format") != CACHE_FORMAT:
        return empty, None  # an older seoulcomm's record: rebuild quietly
    found = {"format": CACHE_FORMAT,
             "reports": {n: e for n, e in cache.get("reports", {}).items() if _valid_entry(n, e)},
             "failures": {n: e for n, e in cache.get("failures", {}).items() if _valid_failure(n, e)}}
    if _valid_complete(cache.get("complete")):
        found["complete"] = cache["complete"]
    return found, None


def _write_cache(path: Path, cache: dict) -> str | None:
    """Write the record atomically; on failure remove the old one (it would no longer be
    true) and return the reason in one line."""
    try:
        write_atomic(path, json.dumps(cache, ensure_ascii=False, indent=1, default=str))
        return None
    except OSError as exc:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            pass
        return outdir.os_message(exc)


def _report_key(report: params.Report, notebook_key: str | None, common: str) -> str:
    return _sha(json.dumps([report.kind, report.parameters, report.output, notebook_key, common],
                           sort_keys=True, default=str))


def _up_to_date(entry: dict | None, key: str, digests, out_dir: Path, report) -> bool:
    if not entry or entry.get("key") != key:
        return False
    digest = digests(entry.get("reads"))
    if digest is None or digest != entry.get("digest"):
        return False
    return (_file_sha(out_dir / report.output) == entry.get("html_sha")
            and _file_sha(out_dir / report.xlsx) == entry.get("xlsx_sha"))


def _pdf_current(entry: dict | None, out_dir: Path, report) -> bool:
    return bool(entry and entry.get("pdf_sha")) and \
        _file_sha(out_dir / f"{report.name}.pdf") == entry.get("pdf_sha")


# --------------------------------------------------------------------------- nothing changed
# A build with nothing to do must cost a fraction of a second, so it must not import pandas
# nor load the data, which is where the plan comes from. Instead a build that covered the
# whole plan without a failure records ``"complete"``: a hash of every input (the key), the
# data files it hashed, the reports it planned and the sha256 of index.html. The next build
# recomputes the key with the standard library; when it is the same, the plan is the same
# (it is a function of the key's inputs), and the reports are skipped when their files are the
# ones recorded. The data files are the ones the recorded build named: the catalog and the
# code, both in the key, decide which files those are.

#: A data file name the record may give: a plain name in the data folder (no path, no dot first).
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def _plain_file_sha(folder: Path, name: str) -> str | None:
    """sha256 of the regular file ``folder/name``, never through a symlink; None for anything else."""
    if not isinstance(name, str) or not _PLAIN_NAME.fullmatch(name):
        return None
    try:
        return safefile.sha256(folder / name)
    except UnsafeFileError:
        return None  # the full path then says what it is


#: Files of the optional tables (schema.Table.optional): a data folder may leave them out.
OPTIONAL_FILES = frozenset(t.file for t in TABLES.values() if t.optional)


@dataclass
class _Inputs:
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
        them is not a regular file or a file cannot be read."""
        data = {}
        for name in data_files:
            if hashes is not None:
                digest = hashes.get(name)
            else:
                digest = _plain_file_sha(self.data, name)
                if digest is None and os.path.lexists(self.data / name):
                    return None  # there but not a regular file, or unreadable
            if digest is None and name not in OPTIONAL_FILES:
                return None
            data[name] = digest or "absent"   # an optional table left out; adding it changes the key
        if paths.CATALOG_FILE not in data:
            return None
        yaml_files = {p.name: _file_sha(p) for p in sorted(self.params.glob("*.yaml"))}
        if not yaml_files or None in yaml_files.values():
            return None
        notebooks = {kind: nbclean.key(self.notebooks / f"{kind}.ipynb") for kind in params.KINDS}
        return _sha(json.dumps({
            "source": self.source, "versions": self.versions, "data_dir": str(self.data), "data": data,
            "params_dir": str(self.params.resolve()), "params": yaml_files,
            "notebooks_dir": str(self.notebooks.resolve()), "notebooks": notebooks,
            "out": str(self.out), "only": self.only, "pdf": self.pdf,
        }, sort_keys=True))


def _report_files(name: str, pdf: bool) -> list[tuple[str, str]]:
    files = [(f"{name}.html", "html_sha"), (f"{name}.xlsx", "xlsx_sha")]
    return files + [(f"{name}.pdf", "pdf_sha")] if pdf else files


def _unchanged(out: Path, inputs: _Inputs, lock: outdir.BuildLock, progress, started: float):
    """The summary of a build with nothing to do, when the record proves it; else None.

    The record is believed only when the key of the inputs as they are now is the one it
    holds, no failure is recorded, every report it names has an entry whose HTML and
    workbook (and PDF with ``pdf``) are byte for byte on disk, and so is ``index.html``, and
    no interrupted build left anything (a lock taken over, temporary or failed files).
    """
    if lock.taken_over or outdir.leftovers(out):
        return None
    cache, warning = _read_cache(out / CACHE_FILE)
    record = cache.get("complete")
    if warning or record is None or cache["failures"] or set(record["reports"]) != set(cache["reports"]):
        return None
    if _record_key(inputs.key(record["data_files"]), record) != record["key"]:
        return None
    now = data_version({name: _plain_file_sha(inputs.data, name) for name in record["data_files"]})
    for name in record["reports"]:
        entry = cache["reports"][name]
        if entry.get("data") != now:  # built from other bytes than the data folder holds now
            return None
        if (out / f"{name}.failed.ipynb").exists() or any(
                _file_sha(out / file) != entry.get(sha) for file, sha in _report_files(name, inputs.pdf)):
            return None
    if _file_sha(out / INDEX_FILE) != record["index_sha"]:
        return None
    bar = _Progress(len(record["reports"]), progress)
    for name in record["reports"]:
        bar.step(name, f"건너뜀 {name} (바뀐 것 없음)")
    bar.close()
    return BuildSummary(skipped=list(record["reports"]), out_dir=out, unchanged=True,
                        seconds=time.perf_counter() - started)


def data_version(hashes: dict) -> str:
    """One name for the bytes of the data files (``{file: sha256}``): what a report's record
    says it was built from."""
    return _sha(json.dumps(sorted(hashes.items())))


def _record_key(inputs_key: str | None, record: dict) -> str | None:
    """The record's key: the inputs' key and the record's own lists and index hash, so that a
    record edited by hand (a report left out of its list) no longer matches."""
    if inputs_key is None:
        return None
    return _sha(json.dumps([inputs_key, record["data_files"], record["reports"], record["index_sha"]]))


def _complete_record(out: Path, reports, cache: dict, key: str | None, data_files, pdf: bool) -> dict | None:
    """The ``"complete"`` record of a build that leaves every planned report built, or None."""
    if key is None or cache["failures"] or set(cache["reports"]) != {r.name for r in reports}:
        return None
    if pdf and not all(_is_sha(cache["reports"][r.name].get("pdf_sha")) for r in reports):
        return None
    record = {"data_files": list(data_files), "reports": [r.name for r in reports],
              "index_sha": _file_sha(out / INDEX_FILE)}
    if record["index_sha"] is None:
        return None
    return {"key": _record_key(key, record), **record}


# --------------------------------------------------------------------------- workers
# The execution itself is seoulcomm.engine's: this process is warmed once (imports, data,
# audit) and forks one process per report, under the cell and report deadlines.

def render_in_worker(report: params.Report, out_dir: str, data_dir: str,
                     notebooks_dir: str | None, source: str = "", cell_timeout=None,
                     report_timeout=None, files: dict | None = None) -> RenderResult:
    """Render one report on a Dask worker: forked from the worker's warm state, on the data
    bytes the build read (``files``, pinned here before anything loads)."""
    from . import engine, load

    if files is not None:
        load.pin(data_dir, files)

    return engine.dask_render(report, out_dir, data_dir, notebooks_dir,
                              cell_timeout=cell_timeout or engine.CELL_TIMEOUT,
                              report_timeout=report_timeout or engine.REPORT_TIMEOUT)


# --------------------------------------------------------------------------- progress

class _Progress:
    """A tqdm bar on a terminal, one plain line per report otherwise."""

    def __init__(self, total: int, mode: str | None):
        self.total, self.done = total, 0
        tty = sys.stderr.isatty()
        self.bar = None
        if (mode == "bar" or (mode in (None, "auto") and tty)) and total:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="보고서", file=sys.stderr, dynamic_ncols=True)
        self.quiet = mode == "quiet"

    def say(self, text: str, *, error: bool = False) -> None:
        if self.quiet and not error:
            return
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr if error else sys.stdout)
        else:
            print(text, file=sys.stderr if error else sys.stdout, flush=True)

    def step(self, name: str, status: str) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(name, refresh=False)
            self.bar.update(1)
        elif not self.quiet:
            width = len(str(self.total))
            print(f"[{self.done:>{width}}/{self.total}] {status}", flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# --------------------------------------------------------------------------- index

def _short_time(iso: str | None) -> str | None:
    try:
        return datetime.fromisoformat(iso).astimezone(KST).strftime("%Y-%m-%d %H:%M") if iso else None
    except ValueError:
        return iso


def _index_rows(reports, cache: dict, out_dir: Path) -> list[dict]:
    from . import units  # pandas: only a build that writes the index needs it

    rows = []
    for r in reports:
        entry = cache.get("reports", {}).get(r.name) or {}
        failure = cache.get("failures", {}).get(r.name)
        exists = (out_dir / r.output).is_file()
        if not exists and not failure:
            continue
        if failure:
            failed_nb = f"{r.name}.failed.ipynb"
            failure = {"message": str(failure.get("message") or ""),
                       "notebook": failed_nb if (out_dir / failed_nb).is_file() else None}
        headline = entry.get("headline") or {}
        group = (f"{r.parameters['year']}년" if "year" in r.parameters else "사업")
        pdf = f"{r.name}.pdf"
        rows.append({
            "group": group, "name": r.name, "href": r.output if exists else None,
            "xlsx": r.xlsx if (out_dir / r.xlsx).is_file() else None,
            "pdf": pdf if exists and _pdf_current(entry, out_dir, r) else None,
            "title": headline.get("title") or r.name,
            "figures": headline.get("figures") or [],
            "as_of": units.fmt_date(headline.get("as_of")),
            "built": _short_time(entry.get("built")), "failure": failure,
        })
    return rows


def _monitoring(ds, out_dir: Path) -> list[dict]:
    """The index's monitoring view of every year (:func:`seoulcomm.index_page.years`)."""
    from . import index_page  # pandas: only a build that writes the index needs it

    return index_page.years(ds, out_dir)


def write_index(out_dir: Path, reports, cache: dict, summary: BuildSummary, as_of: dict,
                titles: dict, *, monitoring: list | None = None) -> Path:
    """Write ``index.html``: the monitoring view (``monitoring``, see
    :func:`seoulcomm.index_page.years`), then every report that exists, its headline, as-of
    dates, failures."""
    import jinja2

    from . import units

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(paths.TEMPLATES_DIR), str(paths.TEMPLATES_DIR / "report")]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )
    rows = _index_rows(reports, cache, out_dir)
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    # newest year first, the programs last
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "사업", [-ord(c) for c in kv[0]]))
    legend = ""
    if monitoring:
        from .index_page import LEGEND as legend
    page = env.get_template("index.html.j2").render(
        monitoring=monitoring or [], legend=legend,
        groups=ordered, summary=summary, version=__version__,
        built_at=datetime.now(KST).strftime("%Y-%m-%d %H:%M:%S KST"),
        as_of=[(titles.get(k, k), k, units.fmt_date(v)) for k, v in sorted(as_of.items())],
        failures=[row for row in rows if row["failure"]],
    )
    path = out_dir / INDEX_FILE
    try:
        write_atomic(path, page)
    except OSError:
        try:  # an index that no longer tells the truth is worse than none
            path.unlink(missing_ok=True)
        except OSError:
            pass
        raise
    return path


# --------------------------------------------------------------------------- build

def _check_only(only) -> list[str] | None:
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


def _dask_client(scheduler):
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("--scheduler에는 dask.distributed가 필요합니다: "
                         "pip install 'seoulcomm[dask]'") from None
    try:
        client = scheduler if isinstance(scheduler, Client) else Client(scheduler, timeout="10s")
    except Exception as exc:
        raise UsageError(f"Dask 스케줄러 {scheduler!r}에 연결할 수 없습니다: {exc}") from None
    return client, (client.close if client is not scheduler else None)


def build(data_dir=None, out_dir=None, *, jobs: int | None = None, force: bool = False,
          only=None, scheduler=None, progress: str | None = "auto", params_dir=None,
          notebooks_dir=None, pdf: bool = False, cell_timeout: float | None = None,
          report_timeout: float | None = None, pdf_timeout: float | None = None,
          load_timeout: float | None = None) -> BuildSummary:
    """Build every report of ``params/`` (or those matching ``only``) into ``out_dir``.

    Parameters
    ----------
    data_dir : data folder (default ``data/``).
    out_dir : output folder (default ``reports/``); checked first (:func:`outdir.check_out`).
    jobs : worker processes (default: the machine's cores); 1 builds in this process.
    force : rebuild even the reports that are up to date (never stops at the no-change check).
    only : glob pattern(s) on report names (``2016/*``, ``*/city-brand``, ``programs/*``).
    scheduler : a Dask scheduler address (or ``distributed.Client``) to run the reports on
        instead of local processes; the output folder must be reachable from the workers.
    progress : ``auto`` (bar on a terminal, lines otherwise), ``bar``, ``lines`` or ``quiet``.
    params_dir, notebooks_dir : other ``params/`` and ``notebooks/`` folders (tests).
    pdf : also print each report to an A4 PDF beside its HTML (headless Chromium).
    cell_timeout, report_timeout : longest one cell, and one report, may run [s]
        (default 600 and 900); past it the report fails, the others go on.
    pdf_timeout : longest one PDF may take to print [s] (default 120); PDFs print ``jobs`` at a time.
    load_timeout : longest the data helper may take [s] (default 600); past it, it is killed
        and the data is loaded in the build's own process.

    Returns
    -------
    BuildSummary : ``exit_code`` 1 when some report failed; ``unchanged`` when the build found
        everything as the last complete build left it (checked without loading the data).

    Raises
    ------
    DataError, UsageError : bad data, parameters or options, an output folder that cannot
        be used or is in use by another build; nothing is written then.
    """
    started = time.perf_counter()
    folder = paths.data_dir(data_dir)
    if not folder.is_dir():
        raise DataError(folder, "데이터 폴더가 있어야 합니다(폴더 없음)")
    datastore.settle(folder)  # an import a killed process left: finished or undone before reading
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise UsageError(f"--jobs는 1 이상의 정수여야 합니다: {jobs!r}")
    patterns = _check_only(only)
    # None stays None: the engine's defaults apply where it runs (it is not imported before)
    cell_timeout = _check_timeout(cell_timeout, None, "--cell-timeout")
    report_timeout = _check_timeout(report_timeout, None, "--report-timeout")
    pdf_timeout = _check_timeout(pdf_timeout, None, "--pdf-timeout")
    load_timeout = _check_timeout(load_timeout, LOAD_TIMEOUT, "--load-timeout")
    params_folder = Path(params_dir).resolve() if params_dir else paths.PARAMS_DIR
    notebooks = Path(notebooks_dir).resolve() if notebooks_dir else paths.NOTEBOOKS_DIR
    out = outdir.check_out(out_dir, data_dir=folder, notebooks_dir=notebooks, params_dir=params_folder)
    browser = None
    if pdf:
        from .pdf import find_browser

        browser = find_browser()
    inputs = _Inputs(folder, params_folder, notebooks, out, patterns, bool(pdf),
                     source=source_hash(), versions=versions())

    with ExitStack() as stack:
        lock = None
        if not force and (out / CACHE_FILE).is_file():
            # a build with nothing to do stops here, before pandas is imported
            lock = stack.enter_context(outdir.BuildLock(out))
            summary = _unchanged(out, inputs, lock, progress, started)
            if summary is not None:
                return summary

        # the plan always comes from params/ and the data, never from the cache.
        # One data version per build: the data files are read once, as bytes, here; the key,
        # the data helper and every report process (forked from here, or sent them on Dask)
        # load those bytes, whatever the disk holds meanwhile
        from . import load

        pinned = load.pin(folder)
        stack.callback(load.unpin, folder)
        hashes = load.pinned_hashes(pinned)

        def hashed():
            files = data_files(folder)
            return files, inputs.key(files, hashes)

        # bad data stops here: exit 2, nothing written
        (files, key), ds = _load(folder, hashed, local=scheduler is None, timeout=load_timeout,
                                 progress=progress)
        reports = params.reports(folder, params_dir=params_folder, ds=ds)
        as_of, titles = ds.as_of(), dict(ds.catalog.titles)
        selected = params.select(reports, patterns)
        notebook_keys = {}
        for kind in sorted({r.kind for r in selected}):
            notebook_keys[kind] = nbclean.key(notebooks / f"{kind}.ipynb")
            if notebook_keys[kind] is None:
                raise UsageError(f"노트북이 없거나 읽을 수 없습니다: {notebooks / f'{kind}.ipynb'}")

        try:
            out.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise outdir.OutputError(f"출력 폴더를 만들 수 없습니다 — {outdir.os_message(exc)}") from None
        if lock is None:
            lock = stack.enter_context(outdir.BuildLock(out))
        complete = (key, files) if len(selected) == len(reports) else None
        return _build_locked(out, folder, ds, reports, selected, notebook_keys, as_of, titles,
                             lock=lock, jobs=jobs, force=force, scheduler=scheduler,
                             progress=progress, notebooks_dir=notebooks_dir, notebooks=notebooks,
                             browser=browser, started=started, cell_timeout=cell_timeout,
                             report_timeout=report_timeout, inputs=inputs, complete=complete,
                             pinned=pinned, pdf_timeout=pdf_timeout)


def _load(folder: Path, first, *, local: bool, timeout: float | None = None, progress=None):
    """``(first(), the checked data)``. A local build forks a helper that does both, and
    audits the data, while this process imports and warms what its reports will run on
    (:mod:`seoulcomm.preload`)."""
    if not local:  # the Dask workers warm themselves
        from .load import load_all

        return first(), load_all(folder)
    from . import engine, preload

    import pandas  # noqa: F401 — both processes need it: imported once, before the fork

    helper = preload.start(folder, first)
    try:
        engine.warm_libraries()
        found = helper.result(timeout)
        if helper.late:
            _say(f"경고: 데이터를 읽는 보조 프로세스가 {timeout:g}초 안에 끝나지 않아 멈추고 직접 읽었습니다 "
                 "(--load-timeout)", progress)
        return found
    finally:
        helper.close()


def _say(text: str, progress) -> None:
    print(text, file=sys.stderr, flush=True)


def _build_locked(out: Path, folder: Path, ds, reports, selected, notebook_keys, as_of, titles, *,
                  lock, jobs, force, scheduler, progress, notebooks_dir, notebooks, browser,
                  started, cell_timeout, report_timeout, inputs: _Inputs,
                  complete: tuple | None, pinned: dict, pdf_timeout=None) -> BuildSummary:
    if lock.taken_over:
        _say(f"경고: 끝나지 못한 이전 빌드({outdir._holder_text(lock.taken_over)})의 잠금을 넘겨받았습니다 "
             "— 그 빌드가 남긴 임시 파일을 지웁니다", progress)
    outdir.remove_leftovers(out)
    cache_path = out / CACHE_FILE
    cache, warning = _read_cache(cache_path)
    if warning:
        _say(f"경고: {warning}", progress)
    if cache.pop("complete", None) is not None:
        # from here on the files may change: the record of the last complete build goes first
        _write_cache(cache_path, cache)

    source = inputs.source
    # the catalog names every table, sheet and unit a report prints: a change there rebuilds all
    from . import load

    hashes = load.pinned_hashes(pinned)
    version = data_version({name: hashes.get(name) for name in data_files()})
    catalog = hashes.get(paths.CATALOG_FILE)
    common = _sha(json.dumps([source, inputs.versions, str(folder), catalog], sort_keys=True))
    digests = _Digests(folder, ds, hashes)
    summary = BuildSummary(out_dir=out)
    keys, todo = {}, []
    for r in selected:
        keys[r.name] = _report_key(r, notebook_keys[r.kind], common)
        entry = cache["reports"].get(r.name)
        if not force and r.name not in cache["failures"] and \
                _up_to_date(entry, keys[r.name], digests, out, r):
            summary.skipped.append(r.name)
            entry["data"] = version  # proved current on the bytes this build read
        else:
            todo.append(r)

    todo = _longest_first(todo, cache["reports"])
    bar = _Progress(len(selected), progress)
    for name in summary.skipped:
        bar.step(name, f"건너뜀 {name} (바뀐 것 없음)")
    problems: list[str] = []

    def save() -> None:
        error = _write_cache(cache_path, cache)
        if error and not problems:
            problems.append(f"빌드 기록({CACHE_FILE})을 쓸 수 없습니다 — {error}")

    def fail(r: params.Report, result: RenderResult) -> None:
        _korean_os_error(result)
        summary.failed.append(result)
        cache["failures"][r.name] = {
            "message": result.message, "error": result.error,
            "at": datetime.now().astimezone().isoformat(timespec="seconds"),
        }
        failed_nb = out / f"{r.name}.failed.ipynb"
        bar.say(f"실패: {r.name} — {result.message}"
                + (f"\n      실행된 노트북: {failed_nb}" if failed_nb.is_file() else ""), error=True)

    printing: list = []  # (report, entry, seconds of its render or None when it was skipped)

    def print_pdfs() -> None:
        """Print the queued PDFs ``jobs`` at a time, each under ``pdf_timeout``."""
        from . import pdf as pdf_module

        queued = {r.name: (r, entry, seconds) for r, entry, seconds in printing}
        pages = [(r.name, out / r.output, out / f"{r.name}.pdf") for r, _, _ in printing]
        printing.clear()
        for name, exc in pdf_module.print_many(pages, browser=browser, jobs=jobs or default_jobs(),
                                               timeout=pdf_timeout or pdf_module.PRINT_TIMEOUT):
            r, entry, seconds = queued[name]
            if exc is None:
                entry["pdf_sha"] = _file_sha(out / f"{r.name}.pdf")
                if seconds is not None:
                    summary.built.append(r.name)
                    bar.step(r.name, f"생성 {r.name} ({seconds:.2f}초)")
            else:
                entry.pop("pdf_sha", None)
                fail(r, RenderResult(r.name, r.output, ok=False, error={
                    "cell": None, "source": "", "ename": "PDF", "evalue": str(exc)}))
                if seconds is not None:
                    bar.step(r.name, f"실패 {r.name} (PDF)")
            save()

    def record(r: params.Report, result: RenderResult) -> None:
        if result.ok:
            # the record says what was written, after it was written
            reads = list(result.reads) if result.reads else data_files()
            entry = {
                "key": keys[r.name], "reads": reads, "digest": result.digest or digests(reads),
                "data": version,  # the bytes it was built from (the build's one data version)
                "html_sha": _file_sha(out / r.output), "xlsx_sha": _file_sha(out / r.xlsx),
                "headline": _clean_headline(result.headline), "tables": result.tables,
                "seconds": result.seconds,
                "built": datetime.now().astimezone().isoformat(timespec="seconds"),
            }
            cache["failures"].pop(r.name, None)
            try:  # a PDF of the previous HTML would no longer match it
                (out / f"{r.name}.pdf").unlink(missing_ok=True)
            except OSError:
                pass
            if browser is None:
                summary.built.append(r.name)
                bar.step(r.name, f"생성 {r.name} ({result.seconds:.2f}초)")
            else:  # printed with the others, in parallel, once the reports are rendered
                printing.append((r, entry, result.seconds))
            if _is_sha(entry["html_sha"]) and _is_sha(entry["xlsx_sha"]):
                cache["reports"][r.name] = entry
            else:
                cache["reports"].pop(r.name, None)
        else:
            fail(r, result)
            bar.step(r.name, f"실패 {r.name}")
        save()

    fatal, finished = None, False
    try:
        if todo:
            _run(todo, out, folder, notebooks_dir and str(notebooks), notebooks, jobs, scheduler,
                 source, record, cell_timeout=cell_timeout, report_timeout=report_timeout,
                 pinned=pinned)
        if browser is not None:  # and reports left as they were, whose PDF is missing or stale
            for r in selected:
                entry = cache["reports"].get(r.name)
                if r.name in summary.skipped and not _pdf_current(entry, out, r):
                    printing.append((r, entry, None))
            print_pdfs()
        finished = True
    except OSError as exc:
        fatal = exc
    finally:
        bar.close()
        changed = _data_changed(folder, hashes)
        if changed:
            summary.data_changed = changed
            for name in summary.built:  # nothing of this build is recorded as current
                cache["reports"].pop(name, None)
        _tidy(out, reports, cache)
        summary.seconds = time.perf_counter() - started
        save()
        try:
            monitoring = _monitoring(ds, out)
        except Exception as exc:  # the list of reports is still written
            monitoring = []
            _say(f"경고: 보고서 목록의 집행 현황을 만들지 못했습니다 — {type(exc).__name__}: {exc}", progress)
        try:
            write_index(out, reports, cache, summary, as_of, titles, monitoring=monitoring)
        except OSError as exc:
            problems.append(f"보고서 목록({INDEX_FILE})을 쓸 수 없어 지웠습니다 — {outdir.os_message(exc)}")
        else:
            done = finished and complete and not summary.failed and not problems and not changed and \
                _complete_record(out, reports, cache, *complete, pdf=browser is not None)
            if done:  # the next build with nothing changed can stop before loading the data
                cache["complete"] = done
                save()
    if fatal is not None:
        problems.insert(0, f"출력 폴더에 쓸 수 없습니다 — {outdir.os_message(fatal)}")
    if problems:
        raise outdir.OutputError(problems[0])
    if summary.data_changed:
        _say(f"경고: 빌드하는 동안 데이터 폴더가 바뀌었습니다({', '.join(summary.data_changed)}) — 보고서는 모두 "
             "빌드를 시작할 때 읽은 한 벌의 데이터로 만들었지만 최신으로 기록하지 않았습니다; 다시 빌드하세요", progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _data_changed(folder: Path, hashes: dict) -> list[str]:
    """The data files whose bytes on disk are no longer those the build read."""
    return [name for name in data_files() if _plain_file_sha(folder, name) != hashes.get(name)]


_ERRNO = re.compile(r"\[Errno (\d+)\] [^:']*(?:: '(.*)')?")


def _korean_os_error(result: RenderResult) -> None:
    """A report that failed on a full disk or a read-only folder says so in Korean."""
    error = result.error or {}
    found = _ERRNO.match(str(error.get("evalue") or ""))
    if found and error.get("cell") is None:
        exc = OSError(int(found.group(1)), os.strerror(int(found.group(1))), found.group(2))
        error["evalue"] = f"파일을 쓸 수 없습니다 — {outdir.os_message(exc)}"


def _tidy(out: Path, reports, cache: dict) -> None:
    """Remove what the plan no longer has (its files and records) and the failed notebooks
    of reports that now succeed."""
    planned = {r.name for r in reports}
    for name in sorted(set(cache["reports"]) | set(cache["failures"])):
        if name not in planned:
            outdir.remove_report_files(out, name)
            cache["reports"].pop(name, None)
            cache["failures"].pop(name, None)
    for r in reports:
        if r.name not in cache["failures"]:
            try:
                (out / f"{r.name}.failed.ipynb").unlink(missing_ok=True)
            except OSError:
                pass


def default_jobs() -> int:
    """The number of cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _check_timeout(value, default, option):
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
            or value != value or value == float("inf"):
        raise UsageError(f"{option}는 0보다 큰 초 단위 수여야 합니다: {value!r}")
    return value


def _longest_first(todo: list, entries: dict) -> list:
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


def _run(todo, out: Path, folder: Path, notebooks_arg, notebooks: Path, jobs, scheduler, source,
         record, *, cell_timeout=None, report_timeout=None, pinned=None):
    from . import engine

    data = str(folder)
    cell_timeout = cell_timeout or engine.CELL_TIMEOUT
    report_timeout = report_timeout or engine.REPORT_TIMEOUT
    if scheduler is None:
        # this process is warmed once; each report runs in a process forked from it
        workers = max(1, min(jobs or default_jobs(), len(todo)))
        engine.run_reports(todo, str(out), data, notebooks_arg, jobs=workers,
                           cell_timeout=cell_timeout, report_timeout=report_timeout, done=record)
        return
    from distributed import as_completed

    client, close = _dask_client(scheduler)
    try:
        # the workers load the bytes this build read, never the disk (one data version)
        [files] = client.scatter([pinned], broadcast=True) if pinned is not None else [None]
        client.register_plugin(engine.warm_plugin(data, notebooks_arg, files), name="seoulcomm-warm")
        futures = {client.submit(render_in_worker, r, str(out), data, notebooks_arg, source,
                                 cell_timeout, report_timeout, files, pure=False): r for r in todo}
        # every result arrives within its report's deadline, a queue's worth of them, and a margin
        deadline = report_timeout * len(todo) + DASK_MARGIN
        try:
            done = set()
            try:
                for future in as_completed(futures, timeout=deadline):
                    done.add(future)
                    r = futures[future]
                    try:
                        result = future.result()
                    except Exception as exc:  # a worker died: this report failed, the others go on
                        result = RenderResult(r.name, r.output, ok=False, error={
                            "cell": None, "source": "", "ename": type(exc).__name__,
                            "evalue": str(exc) or "작업 프로세스가 비정상 종료되었습니다"})
                    record(r, result)
            except TimeoutError:
                late = [f for f in futures if f not in done]
                client.cancel(late, force=True)
                for future in late:
                    r = futures[future]
                    record(r, RenderResult(r.name, r.output, ok=False, error={
                        "cell": None, "source": "", "ename": "ResultTimeoutError",
                        "evalue": f"Dask 작업자의 결과가 {deadline:g}초 안에 오지 않았습니다"}))
        except BaseException:
            client.cancel(list(futures), force=True)
            raise
    finally:
        if close:
            close()
