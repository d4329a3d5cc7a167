"""The build record, ``<out>/.cache.json``: what earlier builds wrote, never an instruction.

Per report: its key (notebook, parameters, source, versions), what it read and the digest of
those rows, the sha256 of its HTML, workbook and PDF, its headline; per failure: the message.
A build that covered the whole plan without a failure adds ``"complete"``: a key over every
input, the data files it hashed, the reports it planned and the sha256 of ``index.html``
(:func:`complete_record`), which lets the next build prove that nothing changed
(:func:`proves_unchanged`) without loading the data.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from . import outdir, params, paths, safefile
from .fingerprint import PLAIN_NAME, file_sha, plain_file_sha, sha
from .publish import write_atomic

CACHE_FILE = ".cache.json"
CACHE_FORMAT = 2
#: A build record larger than this is not read (it is rebuilt).
MAX_CACHE_BYTES = 16 * 1024 * 1024
#: The index page, whose sha256 the complete record holds.
INDEX_FILE = "index.html"

# The cache is a record of what earlier builds wrote, never an instruction: the list of
# reports comes from params/ and the data (or, with nothing changed, from the "complete"
# record, whose key covers every byte of both); an entry only decides whether a planned
# report is skipped, and only when every file it records is the one on disk. Entries of any
# other shape are ignored; file paths are derived from report names, never read from it.

_HEX = re.compile(r"[0-9a-f]{64}")


def is_sha(value) -> bool:
    return isinstance(value, str) and _HEX.fullmatch(value) is not None


def clean_headline(headline) -> dict:
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
            and isinstance(entry, dict) and is_sha(entry.get("key")) and is_sha(entry.get("html_sha"))
            and is_sha(entry.get("xlsx_sha")) and isinstance(entry.get("reads"), list)
            and (entry.get("digest") is None or isinstance(entry.get("digest"), str))
            and (entry.get("pdf_sha") is None or is_sha(entry.get("pdf_sha"))))


def _valid_complete(record) -> bool:
    """The record of the last complete build (:func:`_unchanged`) has the shape it is written in."""
    if not isinstance(record, dict) or not is_sha(record.get("key")) or not is_sha(record.get("index_sha")):
        return False
    files, names = record.get("data_files"), record.get("reports")
    return (isinstance(files, list) and paths.CATALOG_FILE in files
            and all(isinstance(n, str) and PLAIN_NAME.fullmatch(n) for n in files)
            and isinstance(names, list) and bool(names) and len(set(names)) == len(names)
            and all(isinstance(n, str) and outdir.REPORT_NAME.fullmatch(n) for n in names))


def _valid_failure(name, entry) -> bool:
    return (isinstance(name, str) and outdir.REPORT_NAME.fullmatch(name) is not None
            and isinstance(entry, dict) and isinstance(entry.get("message"), str))


def read(path: Path) -> tuple[dict, str | None]:
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


def write(path: Path, cache: dict) -> str | None:
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


def report_key(report: params.Report, notebook_key: str | None, common: str) -> str:
    return sha(json.dumps([report.kind, report.parameters, report.output, notebook_key, common],
                           sort_keys=True, default=str))


def up_to_date(entry: dict | None, key: str, digests, out_dir: Path, report) -> bool:
    if not entry or entry.get("key") != key:
        return False
    digest = digests(entry.get("reads"))
    if digest is None or digest != entry.get("digest"):
        return False
    return (file_sha(out_dir / report.output) == entry.get("html_sha")
            and file_sha(out_dir / report.xlsx) == entry.get("xlsx_sha"))


def pdf_current(entry: dict | None, out_dir: Path, report) -> bool:
    return bool(entry and entry.get("pdf_sha")) and \
        file_sha(out_dir / f"{report.name}.pdf") == entry.get("pdf_sha")


# A build with nothing to do must cost a fraction of a second, so it must not import pandas
# nor load the data, which is where the plan comes from. Instead a build that covered the
# whole plan without a failure records ``"complete"``: a hash of every input (the key), the
# data files it hashed, the reports it planned and the sha256 of index.html. The next build
# recomputes the key with the standard library; when it is the same, the plan is the same
# (it is a function of the key's inputs), and the reports are skipped when their files are the
# ones recorded. The data files are the ones the recorded build named: the catalog and the
# code, both in the key, decide which files those are.

def report_files(name: str, pdf: bool) -> list[tuple[str, str]]:
    files = [(f"{name}.html", "html_sha"), (f"{name}.xlsx", "xlsx_sha")]
    return files + [(f"{name}.pdf", "pdf_sha")] if pdf else files


def proves_unchanged(out: Path, inputs, lock: outdir.BuildLock) -> list[str] | None:
    """The reports of the last complete build when its record proves that nothing changed
    since (``inputs``: :class:`~seoulcomm.fingerprint.Inputs`); else None.

    The record is believed only when the key of the inputs as they are now is the one it
    holds, no failure is recorded, every report it names has an entry whose HTML and
    workbook (and PDF with ``pdf``) are byte for byte on disk, and so is ``index.html``, and
    no interrupted build left anything (a lock taken over, temporary or failed files).
    """
    if lock.taken_over or outdir.leftovers(out):
        return None
    cache, warning = read(out / CACHE_FILE)
    record = cache.get("complete")
    if warning or record is None or cache["failures"] or set(record["reports"]) != set(cache["reports"]):
        return None
    if record_key(inputs.key(record["data_files"]), record) != record["key"]:
        return None
    now = data_version({name: plain_file_sha(inputs.data, name) for name in record["data_files"]})
    for name in record["reports"]:
        entry = cache["reports"][name]
        if entry.get("data") != now:  # built from other bytes than the data folder holds now
            return None
        if (out / f"{name}.failed.ipynb").exists() or any(
                file_sha(out / file) != entry.get(sha_key) for file, sha_key in report_files(name, inputs.pdf)):
            return None
    if file_sha(out / INDEX_FILE) != record["index_sha"]:
        return None
    return list(record["reports"])


def data_version(hashes: dict) -> str:
    """One name for the bytes of the data files (``{file: sha256}``): what a report's record
    says it was built from."""
    return sha(json.dumps(sorted(hashes.items())))


def record_key(inputs_key: str | None, record: dict) -> str | None:
    """The record's key: the inputs' key and the record's own lists and index hash, so that a
    record edited by hand (a report left out of its list) no longer matches."""
    if inputs_key is None:
        return None
    return sha(json.dumps([inputs_key, record["data_files"], record["reports"], record["index_sha"]]))


def complete_record(out: Path, reports, cache: dict, key: str | None, data_files, pdf: bool) -> dict | None:
    """The ``"complete"`` record of a build that leaves every planned report built, or None."""
    if key is None or cache["failures"] or set(cache["reports"]) != {r.name for r in reports}:
        return None
    if pdf and not all(is_sha(cache["reports"][r.name].get("pdf_sha")) for r in reports):
        return None
    record = {"data_files": list(data_files), "reports": [r.name for r in reports],
              "index_sha": file_sha(out / INDEX_FILE)}
    if record["index_sha"] is None:
        return None
    return {"key": record_key(key, record), **record}
