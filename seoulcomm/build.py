"""The batch build: every report of ``params/``, in parallel, incremental, failure-isolated.

``seoulcomm build`` renders each report named in ``params/*.yaml`` with
:func:`seoulcomm.report.render` into the output folder (``reports/``) and writes
``index.html`` linking them all.

- **Parallel**: this process is warmed once (libraries imported, data loaded, audit
  computed) and each report runs in a process forked from it, ``--jobs`` at a time (default
  the machine's cores), under a cell and a report deadline; or on a Dask cluster
  (``--scheduler``), each worker process warmed once by a plugin and forking its reports the
  same way. The strategy is a runner of :mod:`seoulcomm.runners` that the build picks.
- **Incremental**: a report is skipped when its notebook (code, markdown and parameter names:
  :func:`seoulcomm.nbclean.key`), parameters, what its last run read, the seoulcomm source and
  the versions of the packages that render it are all unchanged since its last good build, and
  its HTML and workbook are the ones that build wrote. The record is ``<out>/.cache.json``: a
  record, never an instruction (the plan comes from ``params/`` and the data, or from the
  record of the last complete build when every byte of both is what that build read; entries
  of any other shape are ignored). ``--force`` rebuilds everything.
- **Nothing changed** (:func:`seoulcomm.record.proves_unchanged`): a build that had no failure and covered the whole
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

The concerns live in their own modules: the plan (:mod:`seoulcomm.plan`), the fingerprints of
the inputs (:mod:`seoulcomm.fingerprint`), the record (:mod:`seoulcomm.record`) and the index
page (:mod:`seoulcomm.index`); this module carries a plan out.
"""
from __future__ import annotations

import json
import os
import re
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import datastore, nbclean, outdir, params, paths, record
from .errors import DataError, OutputError, UsageError
from .fingerprint import Digests, Inputs, data_files, file_sha, plain_file_sha, sha, source_hash, versions
from .index import write_index
from .pdf import PRINT_TIMEOUT, find_browser, print_many
from .plan import LOAD_TIMEOUT, BuildPlan, check_only, check_timeout, default_jobs, longest_first
from .procs import CELL_TIMEOUT, REPORT_TIMEOUT, failure
from .record import CACHE_FILE, INDEX_FILE
from .report import RenderResult


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
    patterns = check_only(only)
    # None stays None: the engine's defaults apply where it runs (it is not imported before)
    cell_timeout = check_timeout(cell_timeout, None, "--cell-timeout")
    report_timeout = check_timeout(report_timeout, None, "--report-timeout")
    pdf_timeout = check_timeout(pdf_timeout, None, "--pdf-timeout")
    load_timeout = check_timeout(load_timeout, LOAD_TIMEOUT, "--load-timeout")
    params_folder = Path(params_dir).resolve() if params_dir else paths.PARAMS_DIR
    notebooks = Path(notebooks_dir).resolve() if notebooks_dir else paths.NOTEBOOKS_DIR
    out = outdir.check_out(out_dir, data_dir=folder, notebooks_dir=notebooks, params_dir=params_folder)
    browser = find_browser() if pdf else None
    inputs = Inputs(folder, params_folder, notebooks, out, patterns, bool(pdf),
                     source=source_hash(), versions=versions())

    with ExitStack() as stack:
        lock = None
        if not force and (out / CACHE_FILE).is_file():
            # a build with nothing to do stops here, before pandas is imported
            lock = stack.enter_context(outdir.BuildLock(out))
            unchanged = record.proves_unchanged(out, inputs, lock)
            if unchanged is not None:
                return _nothing_to_do(out, unchanged, progress, started)

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
        ((files, key), ds), beside = _load(folder, hashed, local=scheduler is None,
                                           timeout=load_timeout, progress=progress)
        if beside is not None:
            stack.callback(beside.close)
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
            raise OutputError(f"출력 폴더를 만들 수 없습니다 — {outdir.os_message(exc)}") from None
        if lock is None:
            lock = stack.enter_context(outdir.BuildLock(out))
        plan = BuildPlan(
            out=out, data=folder, notebooks=notebooks,
            notebooks_arg=str(notebooks) if notebooks_dir else None,
            reports=reports, selected=selected, notebook_keys=notebook_keys, as_of=as_of,
            titles=titles, jobs=jobs, scheduler=scheduler, force=force, progress=progress,
            browser=browser, cell_timeout=cell_timeout, report_timeout=report_timeout,
            inputs=inputs, complete=(key, files) if len(selected) == len(reports) else None,
            pinned=pinned, pdf_timeout=pdf_timeout)
        return _carry_out(plan, ds, lock, started, beside)


def _nothing_to_do(out: Path, names: list[str], progress, started: float) -> BuildSummary:
    """The summary of a build the record proved has nothing to do: every report skipped."""
    bar = _Progress(len(names), progress)
    for name in names:
        bar.step(name, f"건너뜀 {name} (바뀐 것 없음)")
    bar.close()
    return BuildSummary(skipped=list(names), out_dir=out, unchanged=True,
                        seconds=time.perf_counter() - started)


def _load(folder: Path, first, *, local: bool, timeout: float | None = None, progress=None):
    """``((first(), the checked data), beside)``. A local build forks a helper that does both,
    and audits the data, while this process imports and warms what its reports will run on
    (:mod:`seoulcomm.preload`); the helper then goes on to the index's monitoring view, which
    ``beside`` (an :class:`seoulcomm.aside.Aside`, or None) hands over."""
    if not local:  # the Dask workers warm themselves
        from .load import load_all

        return (first(), load_all(folder)), None
    from . import engine, index_page, preload  # pandas and the rendering libraries: only a build that loads

    import pandas  # noqa: F401 — both processes need it: imported once, before the fork

    helper = preload.start(folder, first, then=index_page.overviews)
    try:
        engine.warm_libraries()
        found = helper.result(timeout)
        if helper.late:
            _say(f"경고: 데이터를 읽는 보조 프로세스가 {timeout:g}초 안에 끝나지 않아 멈추고 직접 읽었습니다 "
                 "(--load-timeout)", progress)
        return found, helper.beside(lambda: index_page.overviews(found[1]))
    finally:
        helper.close()


def _overviews(ds):
    """The figures of the index's monitoring view (:func:`seoulcomm.index_page.overviews`), from
    the data alone: computed in a process forked beside the reports (:mod:`seoulcomm.aside`)."""
    from . import aside, index_page  # pandas: only a build that writes the index needs it

    return aside.start(lambda: index_page.overviews(ds))





def _monitoring(ds, out_dir: Path, beside=None) -> list[dict]:
    """The index's monitoring view of every year (:func:`seoulcomm.index_page.years`); its
    figures from ``beside`` (:func:`_overviews`) when given."""
    from . import index_page  # pandas: only a build that writes the index needs it

    computed = beside.result() if beside is not None else None
    if beside is not None and beside.late:
        _say("경고: 보고서 목록의 집행 현황을 계산하는 보조 프로세스가 제때 끝나지 않아 멈추고 직접 계산했습니다", None)
    return index_page.years(ds, out_dir, computed=computed)


def _say(text: str, progress) -> None:
    print(text, file=sys.stderr, flush=True)


def _carry_out(plan: BuildPlan, ds, lock: outdir.BuildLock, started: float,
               beside=None) -> BuildSummary:
    """Build ``plan``'s reports on the loaded data ``ds``, the output folder locked."""
    out, folder, progress, browser = plan.out, plan.data, plan.progress, plan.browser
    if lock.taken_over:
        _say(f"경고: 끝나지 못한 이전 빌드({outdir.holder_text(lock.taken_over)})의 잠금을 넘겨받았습니다 "
             "— 그 빌드가 남긴 임시 파일을 지웁니다", progress)
    outdir.remove_leftovers(out)
    cache_path = out / CACHE_FILE
    cache, warning = record.read(cache_path)
    if warning:
        _say(f"경고: {warning}", progress)
    if cache.pop("complete", None) is not None:
        # from here on the files may change: the record of the last complete build goes first
        record.write(cache_path, cache)

    from .load import pinned_hashes  # pandas: loaded by now

    inputs = plan.inputs
    hashes = pinned_hashes(plan.pinned)
    # the one data version this build's reports are built from (what their records name)
    version = record.data_version({name: hashes.get(name) for name in data_files()})
    # the catalog names every table, sheet and unit a report prints: a change there rebuilds all
    catalog = hashes.get(paths.CATALOG_FILE)
    common = sha(json.dumps([inputs.source, inputs.versions, str(folder), catalog], sort_keys=True))
    digests = Digests(folder, ds, hashes)
    summary = BuildSummary(out_dir=out)
    keys, todo = {}, []
    for r in plan.selected:
        keys[r.name] = record.report_key(r, plan.notebook_keys[r.kind], common)
        entry = cache["reports"].get(r.name)
        if not plan.force and r.name not in cache["failures"] and \
                record.up_to_date(entry, keys[r.name], digests, out, r):
            summary.skipped.append(r.name)
            entry["data"] = version  # proved current on the bytes this build read
        else:
            todo.append(r)

    todo = longest_first(todo, cache["reports"])
    bar = _Progress(len(plan.selected), progress)
    for name in summary.skipped:
        bar.step(name, f"건너뜀 {name} (바뀐 것 없음)")
    problems: list[str] = []

    def save() -> None:
        error = record.write(cache_path, cache)
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
        """Print the queued PDFs ``jobs`` at a time, each under the PDF deadline."""
        queued = {r.name: (r, entry, seconds) for r, entry, seconds in printing}
        pages = [(r.name, out / r.output, out / f"{r.name}.pdf") for r, _, _ in printing]
        printing.clear()
        for name, exc in print_many(pages, browser=browser, jobs=plan.jobs or default_jobs(),
                                    timeout=plan.pdf_timeout or PRINT_TIMEOUT):
            r, entry, seconds = queued[name]
            if exc is None:
                entry["pdf_sha"] = file_sha(out / f"{r.name}.pdf")
                if seconds is not None:
                    summary.built.append(r.name)
                    bar.step(r.name, f"생성 {r.name} ({seconds:.2f}초)")
            else:
                entry.pop("pdf_sha", None)
                fail(r, RenderResult(r.name, r.output, ok=False, error=failure(exc)))
                if seconds is not None:
                    bar.step(r.name, f"실패 {r.name} (PDF)")
            save()

    def note(r: params.Report, result: RenderResult) -> None:
        if result.ok:
            # the record says what was written, after it was written
            reads = list(result.reads) if result.reads else data_files()
            entry = {
                "key": keys[r.name], "reads": reads, "digest": result.digest or digests(reads),
                "data": version,  # the bytes it was built from (the build's one data version)
                "html_sha": file_sha(out / r.output), "xlsx_sha": file_sha(out / r.xlsx),
                "headline": record.clean_headline(result.headline), "tables": result.tables,
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
            if record.is_sha(entry["html_sha"]) and record.is_sha(entry["xlsx_sha"]):
                cache["reports"][r.name] = entry
            else:
                cache["reports"].pop(r.name, None)
        else:
            fail(r, result)
            bar.step(r.name, f"실패 {r.name}")
        save()

    fatal, finished = None, False
    # the monitoring view needs only the data: computed while the reports run, not after them
    # (by the data helper, once it has sent the data, or by a process forked now)
    if beside is None and todo and plan.scheduler is None:
        beside = _overviews(ds)
    try:
        if todo:
            _run(plan, todo, note)
        if browser is not None:  # and reports left as they were, whose PDF is missing or stale
            for r in plan.selected:
                entry = cache["reports"].get(r.name)
                if r.name in summary.skipped and not record.pdf_current(entry, out, r):
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
        _tidy(out, plan.reports, cache)
        summary.seconds = time.perf_counter() - started
        save()
        try:
            monitoring = _monitoring(ds, out, beside)
        except Exception as exc:  # the list of reports is still written
            monitoring = []
            _say(f"경고: 보고서 목록의 집행 현황을 만들지 못했습니다 — {type(exc).__name__}: {exc}", progress)
        try:
            write_index(out, plan.reports, cache, summary, plan.as_of, plan.titles, monitoring=monitoring)
        except OSError as exc:
            problems.append(f"보고서 목록({INDEX_FILE})을 쓸 수 없어 지웠습니다 — {outdir.os_message(exc)}")
        else:
            done = finished and plan.complete and not summary.failed and not problems and not changed and \
                record.complete_record(out, plan.reports, cache, *plan.complete, pdf=browser is not None)
            if done:  # the next build with nothing changed can stop before loading the data
                cache["complete"] = done
                save()
    if fatal is not None:
        problems.insert(0, f"출력 폴더에 쓸 수 없습니다 — {outdir.os_message(fatal)}")
    if problems:
        raise OutputError(problems[0])
    if summary.data_changed:
        _say(f"경고: 빌드하는 동안 데이터 폴더가 바뀌었습니다({', '.join(summary.data_changed)}) — 보고서는 모두 "
             "빌드를 시작할 때 읽은 한 벌의 데이터로 만들었지만 최신으로 기록하지 않았습니다; 다시 빌드하세요", progress)
    summary.seconds = time.perf_counter() - started
    return summary


def _data_changed(folder: Path, hashes: dict) -> list[str]:
    """The data files whose bytes on disk are no longer those the build read."""
    return [name for name in data_files() if plain_file_sha(folder, name) != hashes.get(name)]


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


def _run(plan: BuildPlan, todo: list, done) -> None:
    """Run ``todo`` with the strategy the plan picks: forked from this warm process, or on
    the Dask cluster of its scheduler (:mod:`seoulcomm.runners`); ``done(report, result)`` as
    each ends."""
    from . import runners  # pandas and the rendering libraries: only a build that renders

    cell_timeout = plan.cell_timeout or CELL_TIMEOUT
    report_timeout = plan.report_timeout or REPORT_TIMEOUT
    if plan.scheduler is None:
        # this process is warmed once; each report runs in a process forked from it
        workers = max(1, min(plan.jobs or default_jobs(), len(todo)))
        runners.ForkRunner(workers, cell_timeout=cell_timeout, report_timeout=report_timeout).run(
            todo, plan.out, data_dir=plan.data, notebooks_dir=plan.notebooks_arg, done=done)
        return
    client, close = _dask_client(plan.scheduler)
    try:
        # the workers load the bytes this build read, never the disk (one data version)
        runners.DaskRunner(client, cell_timeout=cell_timeout, report_timeout=report_timeout,
                           files=plan.pinned).run(
            todo, plan.out, data_dir=plan.data, notebooks_dir=plan.notebooks_arg, done=done)
    finally:
        if close:
            close()
