"""``seoulcomm build --pdf``: an A4 PDF beside each HTML report, printed by headless Chromium.

The page's own print CSS (``templates/report/report.css``, ``@media print``) lays it out:
A4, table headers repeated on every page, captions and headings kept with what follows.
Chromium is found on ``PATH`` (``chromium``, ``chromium-browser``, ``google-chrome``,
``google-chrome-stable``); without it ``--pdf`` stops before anything is built (exit 2).
Each print runs in a fresh temporary profile with networking features off, under a time
limit, into a temporary file renamed into place only when it is a whole PDF.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .errors import PdfError, UsageError
from .outdir import os_message
from .publish import publish, temp_beside

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: Longest one page may take to print [s].
PRINT_TIMEOUT = 120.0


def find_browser() -> str:
    """The path of a Chromium on PATH.

    Raises
    ------
    UsageError : none found (exit 2), naming what was looked for.
    """
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    raise UsageError("--pdf에는 Chromium이 필요합니다: PATH에서 " + ", ".join(BROWSERS)
                     + " 중 어느 것도 찾지 못했습니다 (예: apt install chromium)")


def print_pdf(html: Path, pdf: Path, *, browser: str | None = None,
              timeout: float = PRINT_TIMEOUT) -> Path:
    """Print ``html`` to ``pdf`` (A4, no browser header or footer); return ``pdf``.

    The PDF is written to a temporary file beside ``pdf`` and renamed into place only when
    Chromium ended well and the file is a complete PDF; otherwise the old ``pdf`` (if any)
    stays and :class:`PdfError` says why in one line.
    """
    browser = browser or find_browser()
    html, pdf = Path(html).resolve(), Path(pdf)
    tmp = temp_beside(pdf, ".pdf")
    profile = tempfile.mkdtemp(prefix="seoulcomm-chromium-")
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--disable-extensions", "--mute-audio", f"--user-data-dir={profile}",
           f"--print-to-pdf={tmp}", "--no-pdf-header-footer", html.as_uri()]
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            raise PdfError(f"PDF 인쇄가 {timeout:g}초 안에 끝나지 않았습니다 (--pdf-timeout)") from None
        except BaseException:
            _kill_group(proc)
            raise
        _kill_group(proc)  # helpers Chromium may leave
        data_ok = tmp.is_file() and tmp.stat().st_size > 0 and _is_whole_pdf(tmp)
        if proc.returncode != 0 or not data_ok:
            last = [l for l in err.decode("utf-8", "replace").splitlines() if l.strip()]
            raise PdfError(f"Chromium이 PDF를 만들지 못했습니다 (종료 코드 {proc.returncode}"
                           + (f": {last[-1][:200]}" if last else "") + ")")
        publish(tmp, pdf)
        return pdf
    except OSError as exc:
        raise PdfError(f"PDF를 쓸 수 없습니다 — {os_message(exc)}") from None
    finally:
        tmp.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)


def _is_whole_pdf(path: Path) -> bool:
    with open(path, "rb") as fh:
        head = fh.read(5)
        fh.seek(max(0, path.stat().st_size - 1024))
        tail = fh.read()
    return head == b"%PDF-" and b"%%EOF" in tail


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def print_many(pages, *, browser: str | None = None, timeout: float = PRINT_TIMEOUT, jobs: int = 1):
    """Print ``pages`` (``(key, html, pdf)`` triples) ``jobs`` at a time, each under its own
    ``timeout``; yield ``(key, None)`` for each printed and ``(key, PdfError)`` for each that
    was not, in the order they end. Each print is its own Chromium process (threads here only
    wait for them), so a hung one costs ``timeout`` and its slot, never the others'."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    pages = list(pages)
    if not pages:
        return
    browser = browser or find_browser()
    with ThreadPoolExecutor(max_workers=max(1, min(int(jobs), len(pages)))) as pool:
        futures = {pool.submit(print_pdf, html, pdf, browser=browser, timeout=timeout): key
                   for key, html, pdf in pages}
        for future in as_completed(futures):
            try:
                future.result()
            except PdfError as exc:
                yield futures[future], exc
            else:
                yield futures[future], None
