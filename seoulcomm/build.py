"""The batch build: every report of ``params/``, in parallel, incremental, failure-isolated.

``seoulcomm build`` renders each report named in ``params/*.yaml`` with
:func:`seoulcomm.report.render` into the output folder (``reports/``) and writes
``index.html`` linking them all.

- **Parallel**: this process is warmed once (libraries imported, data loaded, audit
  computed) and each report runs in a process forked from it, ``--jobs`` at a time (default
  the machine's cores), under a cell and a report deadline; or on a Dask cluster
  (``--scheduler``), each worker process warmed once by a plugin and forking its reports the
  same way. See :mod:`seoulcomm.engine`.
- **Incremental**: a report is skipped when its notebook, parameters, the data files its
  last run read, the seoulcomm source and the versions of the packages that render it are
  all unchanged since its last good build, and its HTML is the one that build wrote. The
  record is ``<out>/.cache.json``. ``--force`` rebuilds everything.
- **Failures**: a report that fails is reported (failing cell, exception) on the terminal
  and in ``index.html``; its last good HTML stays as it was; the others still build; the
  exit code is 1. Bad input or usage raises before anything is written (exit 2).
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import __version__, params, paths, units
from .errors import DataError, UsageError
from .report import RenderResult, write_atomic

#: Readers are in Seoul: times shown in the index are Korea Standard Time (no daylight saving).
KST = timezone(timedelta(hours=9), "KST")
CACHE_FILE = ".cache.json"
INDEX_FILE = "index.html"
CACHE_FORMAT = 1
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
    """

    built: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    failed: list = field(default_factory=list)
    seconds: float = 0.0
    out_dir: Path | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def line(self) -> str:
        return (f"보고서 {len(self.built) + len(self.skipped) + len(self.failed)}개: "
                f"생성 {len(self.built)}, 건너뜀 {len(self.skipped)}, 실패 {len(self.failed)} "
                f"— {self.seconds:.1f}초")


# --------------------------------------------------------------------------- fingerprints

def _sha(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def _file_sha(path: Path) -> str | None:
    try:
        return _sha(Path(path).read_bytes())
    except OSError:
        return None


def _folder_hashes(folder: Path, patterns: tuple[str, ...]) -> dict[str, str]:
    found = {}
    for pattern in patterns:
        for p in sorted(folder.glob(pattern)):
            if p.is_file() and "__pycache__" not in p.parts:
                found[p.relative_to(folder).as_posix()] = _file_sha(p)
    return found


def data_hashes(data_dir: Path) -> dict[str, str]:
    """``{file name: sha256}`` of every data file (``*.csv``, ``*.yaml``) in the folder."""
    return _folder_hashes(Path(data_dir), ("*.csv", "*.yaml", "*.yml"))


def source_hash() -> str:
    """One hash over the seoulcomm package's source and templates."""
    files = _folder_hashes(paths.PACKAGE_DIR, ("*.py", "templates/**/*"))
    return _sha(json.dumps(files, sort_keys=True))


def versions() -> dict[str, str]:
    """Python's version and those of the packages that render a report."""
    from importlib import metadata

    found = {"python": sys.version.split()[0], "seoulcomm": __version__}
    for name in RENDERING_PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


# --------------------------------------------------------------------------- cache

def _read_cache(path: Path) -> dict:
    try:
        cache = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return cache if isinstance(cache, dict) and cache.get("format") == CACHE_FORMAT else {}


def _report_key(report: params.Report, notebook_sha: str | None, common: str) -> str:
    return _sha(json.dumps([report.kind, report.parameters, report.output, notebook_sha, common],
                           sort_keys=True, default=str))


def _up_to_date(entry: dict | None, key: str, hashes: dict, out_dir: Path, report) -> bool:
    if not entry or entry.get("key") != key:
        return False
    reads = entry.get("reads")
    if not isinstance(reads, dict) or any(hashes.get(f) != h for f, h in reads.items()):
        return False
    html_path, xlsx_path = out_dir / report.output, out_dir / report.xlsx
    return xlsx_path.is_file() and _file_sha(html_path) == entry.get("html_sha")


# --------------------------------------------------------------------------- workers
# The execution itself is seoulcomm.engine's: this process is warmed once (imports, data,
# audit) and forks one process per report, under the cell and report deadlines.

def render_in_worker(report: params.Report, out_dir: str, data_dir: str,
                     notebooks_dir: str | None, source: str = "", cell_timeout=None,
                     report_timeout=None) -> RenderResult:
    """Render one report on a Dask worker: forked from the worker's warm state."""
    from . import engine

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
    rows = []
    for r in reports:
        entry = cache.get("reports", {}).get(r.name) or {}
        failure = cache.get("failures", {}).get(r.name)
        exists = (out_dir / r.output).is_file()
        if not exists and not failure:
            continue
        headline = entry.get("headline") or {}
        group = (f"{r.parameters['year']}년" if "year" in r.parameters else "사업")
        rows.append({
            "group": group, "name": r.name, "href": r.output if exists else None,
            "xlsx": r.xlsx if (out_dir / r.xlsx).is_file() else None,
            "title": headline.get("title") or r.name,
            "figures": headline.get("figures") or [],
            "as_of": units.fmt_date(headline.get("as_of")),
            "built": _short_time(entry.get("built")), "failure": failure,
        })
    return rows


def write_index(out_dir: Path, reports, cache: dict, summary: BuildSummary, as_of: dict,
                titles: dict) -> Path:
    """Write ``index.html``: every report that exists, its headline, as-of dates, failures."""
    import jinja2

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
    page = env.get_template("index.html.j2").render(
        groups=ordered, summary=summary, version=__version__,
        built_at=datetime.now(KST).strftime("%Y-%m-%d %H:%M:%S KST"),
        as_of=[(titles.get(k, k), k, units.fmt_date(v)) for k, v in sorted(as_of.items())],
        failures=[row for row in rows if row["failure"]],
    )
    path = out_dir / INDEX_FILE
    write_atomic(path, page)
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
          notebooks_dir=None, cell_timeout: float | None = None,
          report_timeout: float | None = None) -> BuildSummary:
    """Build every report of ``params/`` (or those matching ``only``) into ``out_dir``.

    Parameters
    ----------
    data_dir : data folder (default ``data/``).
    out_dir : output folder (default ``reports/``).
    jobs : worker processes (default: the machine's cores); 1 builds in this process.
    force : rebuild even the reports that are up to date.
    only : glob pattern(s) on report names (``2016/*``, ``*/city-brand``, ``programs/*``).
    scheduler : a Dask scheduler address (or ``distributed.Client``) to run the reports on
        instead of local processes; the output folder must be reachable from the workers.
    progress : ``auto`` (bar on a terminal, lines otherwise), ``bar``, ``lines`` or ``quiet``.
    params_dir, notebooks_dir : other ``params/`` and ``notebooks/`` folders (tests).
    cell_timeout, report_timeout : longest one cell, and one report, may run [s]
        (default 600 and 900); past it the report fails, the others go on.

    Returns
    -------
    BuildSummary : ``exit_code`` 1 when some report failed.

    Raises
    ------
    DataError, UsageError : bad data, parameters or options; nothing is written then.
    """
    started = time.perf_counter()
    folder = paths.data_dir(data_dir)
    if not folder.is_dir():
        raise DataError(folder, "데이터 폴더가 있어야 합니다(폴더 없음)")
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise UsageError(f"--jobs는 1 이상의 정수여야 합니다: {jobs!r}")
    patterns = _check_only(only)
    from . import engine

    cell_timeout = _check_timeout(cell_timeout, engine.CELL_TIMEOUT, "--cell-timeout")
    report_timeout = _check_timeout(report_timeout, engine.REPORT_TIMEOUT, "--report-timeout")
    out = Path(out_dir if out_dir is not None else paths.DEFAULT_REPORTS_DIR).expanduser().resolve()
    if out.exists() and not out.is_dir():
        raise UsageError(f"출력 폴더 자리에 파일이 있습니다: {out}")
    params_folder = Path(params_dir).resolve() if params_dir else paths.PARAMS_DIR
    notebooks = Path(notebooks_dir).resolve() if notebooks_dir else paths.NOTEBOOKS_DIR
    cache_path = out / CACHE_FILE
    cache = _read_cache(cache_path)

    hashes = data_hashes(folder)
    source = source_hash()
    common = _sha(json.dumps([source, versions(), str(folder)], sort_keys=True))
    plan_key = _sha(json.dumps([hashes, _folder_hashes(params_folder, ("*.yaml",)), common],
                               sort_keys=True))
    plan = cache.get("plan") or {}
    if plan.get("key") == plan_key and isinstance(plan.get("reports"), list):
        reports = [params.Report(**r) for r in plan["reports"]]
    else:
        from .load import load_all

        ds = load_all(folder)  # bad data stops here: exit 2, nothing written
        reports = params.reports(folder, params_dir=params_folder, ds=ds)
        plan = {"key": plan_key, "reports": [vars(r) for r in reports],
                "as_of": ds.as_of(), "titles": dict(ds.catalog.titles)}
    selected = params.select(reports, patterns)
    notebook_shas = {}
    for kind in sorted({r.kind for r in selected}):
        notebook_shas[kind] = _file_sha(notebooks / f"{kind}.ipynb")
        if notebook_shas[kind] is None:
            raise UsageError(f"노트북이 없습니다: {notebooks / f'{kind}.ipynb'}")

    out.mkdir(parents=True, exist_ok=True)
    cache = {"format": CACHE_FORMAT, "plan": plan, "reports": dict(cache.get("reports") or {}),
             "failures": dict(cache.get("failures") or {})}
    summary = BuildSummary(out_dir=out)
    keys, todo = {}, []
    for r in selected:
        keys[r.name] = _report_key(r, notebook_shas[r.kind], common)
        if not force and _up_to_date(cache["reports"].get(r.name), keys[r.name], hashes, out, r):
            summary.skipped.append(r.name)
        else:
            todo.append(r)

    bar = _Progress(len(selected), progress)
    for name in summary.skipped:
        bar.step(name, f"건너뜀 {name} (바뀐 것 없음)")

    def record(r: params.Report, result: RenderResult) -> None:
        if result.ok:
            summary.built.append(r.name)
            cache["reports"][r.name] = {
                # nothing recorded (the loader could not be hooked): assume it read everything
                "key": keys[r.name], "reads": {f: hashes.get(f) for f in (result.reads or hashes)},
                "html_sha": _file_sha(out / r.output), "headline": result.headline,
                "tables": result.tables, "seconds": result.seconds,
                "built": datetime.now().astimezone().isoformat(timespec="seconds"),
            }
            cache["failures"].pop(r.name, None)
            bar.step(r.name, f"생성 {r.name} ({result.seconds:.2f}초)")
        else:
            summary.failed.append(result)
            failed_nb = result.failed_notebook
            cache["failures"][r.name] = {
                "message": result.message, "error": result.error,
                "notebook": os.path.relpath(failed_nb, out).replace(os.sep, "/") if failed_nb else None,
                "at": datetime.now().astimezone().isoformat(timespec="seconds"),
            }
            bar.step(r.name, f"실패 {r.name}")
            bar.say(f"실패: {r.name} — {result.message}"
                    + (f"\n      실행된 노트북: {failed_nb}" if failed_nb else ""), error=True)

    try:
        if todo:
            _run(todo, out, folder, notebooks_dir and str(notebooks), notebooks, jobs, scheduler,
                 source, record, cell_timeout=cell_timeout, report_timeout=report_timeout)
    finally:
        bar.close()
        summary.seconds = time.perf_counter() - started
        write_atomic(cache_path, json.dumps(cache, ensure_ascii=False, indent=1, default=str))
        write_index(out, reports, cache, summary, plan.get("as_of") or {}, plan.get("titles") or {})
    summary.seconds = time.perf_counter() - started
    return summary


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


def _run(todo, out: Path, folder: Path, notebooks_arg, notebooks: Path, jobs, scheduler, source,
         record, *, cell_timeout=None, report_timeout=None):
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
        client.register_plugin(engine.warm_plugin(data, notebooks_arg), name="seoulcomm-warm")
        futures = {client.submit(render_in_worker, r, str(out), data, notebooks_arg, source,
                                 cell_timeout, report_timeout, pure=False): r for r in todo}
        try:
            for future in as_completed(futures):
                r = futures[future]
                try:
                    result = future.result()
                except Exception as exc:  # a worker died: this report failed, the others go on
                    result = RenderResult(r.name, r.output, ok=False, error={
                        "cell": None, "source": "", "ename": type(exc).__name__,
                        "evalue": str(exc) or "작업 프로세스가 비정상 종료되었습니다"})
                record(r, result)
        except BaseException:
            client.cancel(list(futures), force=True)
            raise
    finally:
        if close:
            close()
