"""The output folder: a cache that is a record, one build at a time, leftovers removed, --out
checked, a full disk or read-only folder in one line, notebooks safe in JupyterLab.

Builds here run the small stand-in notebooks of test_report.py (a build of the eleven
stand-ins takes seconds); the ones that must be a separate process (a lock held by another
build, a file size limit, another user) run ``python -m seoulcomm`` through a small driver
that points ``paths.NOTEBOOKS_DIR`` at the stand-ins.
"""
from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from seoulcomm import build, fingerprint, nbclean, outdir, params, paths, record
from seoulcomm.errors import UsageError
from test_report import make_notebooks, notebook_with

ALL = sorted(r.name for r in params.reports())
PROGRAM = ["programs/social-media"]


@pytest.fixture(scope="module")
def stand_ins(tmp_path_factory):
    return make_notebooks(tmp_path_factory.mktemp("stand-ins"))


@pytest.fixture
def notebooks(tmp_path, stand_ins):
    target = tmp_path / "notebooks"
    shutil.copytree(stand_ins, target)
    return target


def names(summary) -> list[str]:
    return sorted(summary.built + [f.name for f in summary.failed])


def quiet_build(out, notebooks, **kw):
    return build.build(out_dir=out, notebooks_dir=notebooks, progress="quiet", **kw)


def run_driver(notebooks: Path, *args: str, preexec=None, user: int | None = None,
               timeout: float = 300) -> tuple[int, str, str]:
    """``python -m seoulcomm *args`` with the stand-in notebooks, in a separate process."""
    code = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        import seoulcomm.paths as p
        p.NOTEBOOKS_DIR = Path({str(notebooks)!r})
        from seoulcomm import cli
        sys.exit(cli.main({list(args)!r}))
    """)
    env = {k: v for k, v in os.environ.items() if k != "SEOULCOMM_DATA"}
    env["PYTHONIOENCODING"] = "utf-8"
    cmd = [sys.executable, "-c", code]
    if user is not None:
        cmd = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *cmd]
        env["HOME"] = tempfile.gettempdir()
    proc = subprocess.run(cmd, capture_output=True, text=True, encoding="utf-8", errors="replace",
                          cwd=str(paths.ROOT), env=env, timeout=timeout, preexec_fn=preexec)
    return proc.returncode, proc.stdout, proc.stderr


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(Path(folder).rglob("*")) if p.is_file()}


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


# --------------------------------------------------------------------------- the cache

def test_cache_entries_that_do_not_match_are_ignored_and_never_run(tmp_path, notebooks, capsys):
    out = tmp_path / "out"
    assert names(quiet_build(out, notebooks, only=PROGRAM)) == PROGRAM
    # an attacker's additions: a plan naming a notebook by path, entries with odd names and shapes
    evil = tmp_path / "evil.ipynb"
    marker = tmp_path / "ran"
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(f"open({str(marker)!r}, 'w').write('x')")]
    nbformat.write(nb, evil)
    cache = json.loads((out / build.CACHE_FILE).read_text(encoding="utf-8"))
    cache["plan"] = {"key": "x", "reports": [{"kind": str(evil.with_suffix("")), "parameters": {},
                                              "output": "../../x.html", "name": "../../x"}]}
    entry = cache["reports"]["programs/social-media"]
    cache["reports"]["../../etc/passwd"] = dict(entry)
    cache["reports"][str(evil)] = dict(entry)
    cache["reports"]["2016/city-brand"] = {**entry, "html_sha": 5, "reads": "everything"}
    cache["failures"]["../evil"] = {"message": "x", "notebook": "javascript:alert(1)"}
    (out / build.CACHE_FILE).write_text(json.dumps(cache), encoding="utf-8")
    summary = quiet_build(out, notebooks, force=True)
    assert names(summary) == ALL and not summary.failed
    assert not marker.exists() and not (tmp_path / "x.html").exists()
    kept = json.loads((out / build.CACHE_FILE).read_text(encoding="utf-8"))
    assert sorted(kept["reports"]) == ALL and kept["failures"] == {} and "plan" not in kept
    index = (out / build.INDEX_FILE).read_text(encoding="utf-8")
    assert "javascript:" not in index and "evil" not in index
    assert capsys.readouterr().err == ""  # entries that do not match are dropped silently


@pytest.mark.parametrize("text, why", [
    ("{not json", "손상"),
    ("[1, 2, 3]", "형식"),
    ('{"format": 2, "reports": [], "failures": {}}', "형식"),
    ("\x00\xff garbage", "손상"),
])
def test_a_cache_that_does_not_parse_or_has_the_wrong_shape_is_rebuilt_with_one_warning(
        tmp_path, notebooks, capsys, text, why):
    out = tmp_path / "out"
    quiet_build(out, notebooks, only=PROGRAM)
    capsys.readouterr()
    (out / build.CACHE_FILE).write_text(text, encoding="utf-8", errors="surrogateescape")
    summary = quiet_build(out, notebooks, only=PROGRAM)
    assert names(summary) == PROGRAM and summary.exit_code == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("경고: 빌드 기록") and why in err[0], err
    assert json.loads((out / build.CACHE_FILE).read_text(encoding="utf-8"))["format"] == record.CACHE_FORMAT
    assert quiet_build(out, notebooks, only=PROGRAM).skipped == PROGRAM  # and the record is good again


def test_the_cache_records_what_was_written(tmp_path, notebooks):
    out = tmp_path / "out"
    quiet_build(out, notebooks, only=PROGRAM)
    entry = json.loads((out / build.CACHE_FILE).read_text(encoding="utf-8"))["reports"][PROGRAM[0]]
    assert entry["html_sha"] == fingerprint.file_sha(out / "programs/social-media.html")
    assert entry["xlsx_sha"] == fingerprint.file_sha(out / "programs/social-media.xlsx")
    # the read log: the tables (and rows) the report used, hashed row by row
    assert {"table": "settlement", "where": {}} in entry["reads"] and entry["digest"]
    # a workbook replaced by hand no longer matches the record: the report is built again
    (out / "programs/social-media.xlsx").write_bytes(b"not the one the build wrote")
    assert names(quiet_build(out, notebooks, only=PROGRAM)) == PROGRAM


def test_a_report_that_failed_is_tried_again_and_the_index_agrees(tmp_path, notebooks):
    out = tmp_path / "out"
    quiet_build(out, notebooks, only=PROGRAM)
    program = notebooks / "program.ipynb"
    good = program.read_bytes()
    nb = nbformat.read(program, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("raise RuntimeError('고장')"))
    nbformat.write(nb, program)
    assert [f.name for f in quiet_build(out, notebooks, only=PROGRAM).failed] == PROGRAM
    assert (out / "programs/social-media.failed.ipynb").is_file()
    program.write_bytes(good)  # the notebook as it was: same key as the last good build
    summary = quiet_build(out, notebooks, only=PROGRAM)
    assert summary.built == PROGRAM and not summary.failed
    assert not (out / "programs/social-media.failed.ipynb").exists()
    assert "실패한 보고서" not in (out / build.INDEX_FILE).read_text(encoding="utf-8")


# --------------------------------------------------------------------------- the lock

def test_a_second_build_on_the_same_folder_stops_naming_the_holder(tmp_path, notebooks):
    out = tmp_path / "out"
    out.mkdir()
    with outdir.BuildLock(out):
        before = tree(out)
        code, stdout, stderr = run_driver(notebooks, "build", "--out", str(out), "--only", PROGRAM[0])
        assert tree(out) == before  # nothing written
    assert code == 2, stderr
    line = stderr.strip()
    assert "\n" not in line and "Traceback" not in line
    assert "다른 빌드가 이 출력 폴더를 쓰고 있습니다" in line and f"pid {os.getpid()}" in line
    assert socket.gethostname()[:20] in line


def test_a_stale_lock_from_a_dead_build_is_taken_over(tmp_path, notebooks, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / outdir.LOCK_FILE).write_text(json.dumps(
        {"pid": dead_pid(), "host": socket.gethostname(), "started": "2026-01-01T00:00:00+00:00"}))
    (out / ".index.html.abcd1234.tmp").write_text("half a page")
    summary = quiet_build(out, notebooks, only=PROGRAM)
    assert summary.built == PROGRAM
    assert "잠금을 넘겨받았습니다" in capsys.readouterr().err
    assert not (out / ".index.html.abcd1234.tmp").exists()
    assert (out / outdir.LOCK_FILE).read_text() == ""  # released


def test_forked_workers_do_not_keep_the_lock(tmp_path):
    lock = outdir.BuildLock(tmp_path).__enter__()
    ready_r, ready_w = os.pipe()
    child = os.fork()
    if child == 0:  # a worker that outlives its build for a while
        os.write(ready_w, b"1")  # (the fork hooks have run by now)
        time.sleep(5)
        os._exit(0)
    os.read(ready_r, 1)
    os.close(ready_r)
    os.close(ready_w)
    try:
        lock.release()
        with outdir.BuildLock(tmp_path):  # not blocked by the child's copy of the descriptor
            pass
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)


# --------------------------------------------------------------------------- leftovers

def test_the_next_build_removes_what_an_interrupted_one_left(tmp_path, notebooks):
    out = tmp_path / "out"
    quiet_build(out, notebooks, only=PROGRAM)
    left = [out / ".cache.json.k2j3h4g5.tmp", out / "programs/.social-media.html.abcdefgh.ipynb",
            out / "programs/.social-media.xlsx.a1b2c3d4.part", out / "programs/social-media.failed.ipynb"]
    for p in left:
        p.write_text("{}")
    mine = out / "programs/my-notes.txt"
    mine.write_text("사람이 둔 파일")
    assert quiet_build(out, notebooks, only=PROGRAM).skipped == PROGRAM
    assert not any(p.exists() for p in left)
    assert mine.exists() and (out / build.CACHE_FILE).is_file()


def test_dead_kernel_folders_and_connection_files_are_removed_live_ones_kept(tmp_path):
    old = time.time() - 3600
    found = {}
    for name in ("dead", "live"):
        folder = tmp_path / f"{outdir.KERNEL_DIR_PREFIX}{name}"
        folder.mkdir()
        (folder / "k-1").write_text("")
        conn = tmp_path / f"tmp{name}.json"
        conn.write_text(json.dumps({"ip": str(folder / "k"), "transport": "ipc"}))
        for p in (folder, conn):
            os.utime(p, (old, old))
        found[name] = (folder, conn)
    other = tmp_path / "tmpother.json"  # someone else's kernel: not ours to remove
    other.write_text(json.dumps({"ip": "127.0.0.1", "transport": "tcp"}))
    os.utime(other, (old, old))
    young = tmp_path / f"{outdir.KERNEL_DIR_PREFIX}starting"
    young.mkdir()
    # a running "kernel" names its connection file on its command line, as ipykernel does
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "-f",
                             str(found["live"][1])])
    try:
        time.sleep(0.5)
        removed = outdir.remove_dead_kernel_files(tmp_path)
    finally:
        live.kill()
        live.wait()
    assert sorted(removed) == sorted(map(str, found["dead"]))
    assert all(p.exists() for p in found["live"]) and other.exists() and young.exists()


def test_reports_the_data_no_longer_yields_are_removed_with_their_index_rows(tmp_path, notebooks):
    out = tmp_path / "out"
    assert names(quiet_build(out, notebooks)) == ALL
    (out / "2015/city-brand.pdf").write_bytes(b"%PDF-1.4 old")
    only_2016 = tmp_path / "params"
    only_2016.mkdir()
    (only_2016 / "reports.yaml").write_text(
        "reports:\n  - kind: office\n    parameters: {year: [2016]}\n"
        "  - kind: division\n    parameters: {division: all, year: [2016]}\n", encoding="utf-8")
    summary = build.build(out_dir=out, notebooks_dir=notebooks, params_dir=only_2016, progress="quiet")
    assert not summary.built and not summary.failed
    assert not (out / "2015").exists() and not (out / "programs").exists()
    index = (out / build.INDEX_FILE).read_text(encoding="utf-8")
    assert "2015/" not in index and "programs/" not in index and "2016/office.html" in index
    assert sorted(json.loads((out / build.CACHE_FILE).read_text(encoding="utf-8"))["reports"]) == \
        [n for n in ALL if n.startswith("2016/") and n != "2016/brief"]  # the yaml plans no brief


# --------------------------------------------------------------------------- --out

def _out_cases(tmp: Path) -> dict:
    a_file = tmp / "a-file"
    a_file.write_text("x")
    to_etc = tmp / "to-etc"
    to_etc.symlink_to("/etc")
    to_data = tmp / "to-data"
    to_data.symlink_to(paths.DEFAULT_DATA_DIR)
    return {
        "data": (str(paths.DEFAULT_DATA_DIR), "데이터 폴더"),
        "inside data": (str(paths.DEFAULT_DATA_DIR / "reports"), "데이터 폴더"),
        "holds data": (str(paths.ROOT), "데이터 폴더"),
        "empty": ("", "비어 있습니다"),
        "blank": ("  ", "비어 있습니다"),
        "notebooks": (str(paths.NOTEBOOKS_DIR), "노트북 폴더"),
        "package": (str(paths.PACKAGE_DIR / "out"), "패키지 폴더"),
        "symlink to /etc": (str(to_etc), "시스템 폴더"),
        "symlink to data": (str(to_data / "x"), "데이터 폴더"),
        "system": ("/usr/share/seoulcomm-reports", "시스템 폴더"),
        "under a file": (str(a_file / "reports"), "파일입니다"),
        "a file": (str(a_file), "파일이 있습니다"),
        "long name": (str(tmp / ("가" * 200)), "너무 깁니다"),
        "long path": (str(tmp / "/".join(["abcdefghij"] * 420)), "너무 깁니다"),
    }


OUT_CASES = ["data", "inside data", "holds data", "empty", "blank", "notebooks", "package",
             "symlink to /etc", "symlink to data", "system", "under a file", "a file", "long name",
             "long path"]


@pytest.mark.parametrize("case", OUT_CASES)
def test_out_that_must_not_be_written_exits_2_before_anything_is_written(tmp_path, case, capsys):
    from seoulcomm import cli

    value, message = _out_cases(tmp_path)[case]
    before = tree(tmp_path), tree(paths.NOTEBOOKS_DIR), tree(paths.PARAMS_DIR)
    code = cli.main(["build", "--out", value, "--only", PROGRAM[0]])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err and "\n" not in err and "Traceback" not in err, err
    assert (tree(tmp_path), tree(paths.NOTEBOOKS_DIR), tree(paths.PARAMS_DIR)) == before
    assert not (paths.DEFAULT_DATA_DIR / "reports").exists()


def _as_other_user() -> dict:
    """Run as ``nobody`` when we are root (root writes into any folder whatever its mode)."""
    return {"user": 65534} if os.geteuid() == 0 else {}


def test_a_folder_that_cannot_be_written_exits_2_in_one_line(notebooks):
    base = Path(tempfile.mkdtemp(prefix="seoulcomm-ro-"))
    try:
        shutil.copytree(notebooks, base / "notebooks")
        out = base / "reports"
        out.mkdir()
        for p in (base, base / "notebooks", *(base / "notebooks").iterdir()):
            p.chmod(0o755 if p.is_dir() else 0o644)
        out.chmod(0o555)
        code, stdout, stderr = run_driver(base / "notebooks", "build", "--out", str(out),
                                          "--only", PROGRAM[0], **_as_other_user())
        assert code == 2, stderr
        assert stderr.strip().count("\n") == 0 and "Traceback" not in stderr
        assert "출력 폴더에 쓸 수 없습니다" in stderr and "권한이 없습니다" in stderr
        assert list(out.iterdir()) == []
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _file_size_limit(limit: int):
    def preexec():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG)
    return preexec


def test_a_full_disk_changes_no_report_and_ends_in_one_line(tmp_path):
    # a notebook whose every run writes a different workbook, so a new one would show
    notebooks = notebook_with(tmp_path / "nb", "program", textwrap.dedent("""
        import time
        from IPython.display import display
        from seoulcomm.display import HEADLINE_MIME, TABLE_MIME
        display({TABLE_MIME: {"title": "표", "unit": "백만원", "columns": ["실행", "값"],
                              "rows": [[str(time.time_ns()), 1]]},
                 HEADLINE_MIME: {"title": "사업", "figures": []}}, raw=True)
    """))
    # and a markdown table: four times larger as HTML than in the notebook
    nb = nbformat.read(notebooks / "program.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell(
        "|a|b|c|d|e|f|g|h|\n|-|-|-|-|-|-|-|-|\n" + "|1|2|3|4|5|6|7|8|\n" * 300))
    nbformat.write(nb, notebooks / "program.ipynb")
    out = tmp_path / "out"
    code, _, stderr = run_driver(notebooks, "build", "--out", str(out), "--only", PROGRAM[0])
    assert code == 0, stderr
    before = tree(out)
    html, xlsx = before["programs/social-media.html"], before["programs/social-media.xlsx"]
    assert len(xlsx) < len(html) // 2 and len((notebooks / "program.ipynb").read_bytes()) < len(html) // 2
    # the executed notebook and the workbook fit under the limit, the HTML does not
    code, stdout, stderr = run_driver(notebooks, "build", "--out", str(out), "--only", PROGRAM[0],
                                      "--force", preexec=_file_size_limit(len(html) - 512))
    assert code in (1, 2), stderr
    assert "Traceback" not in stderr and "실패: programs/social-media" in stderr, stderr
    assert "파일 크기 한도를 넘었습니다" in stderr, stderr
    after = tree(out)
    assert after["programs/social-media.html"] == html and after["programs/social-media.xlsx"] == xlsx
    assert not [n for n in after if Path(n).name.startswith(".") and Path(n).name not in outdir.KEEP]
    for name, data in after.items():
        if name.endswith(".failed.ipynb"):
            json.loads(data)  # whole, never cut short
    if code == 2:
        assert stderr.strip().splitlines()[-1].startswith("seoulcomm: ")
        assert build.INDEX_FILE not in after  # no index that no longer tells the truth
    # room again: the next build repairs everything
    code, _, stderr = run_driver(notebooks, "build", "--out", str(out), "--only", PROGRAM[0])
    assert code == 0, stderr
    assert (out / build.INDEX_FILE).is_file()
    assert tree(out)["programs/social-media.xlsx"] != xlsx


def test_a_tiny_file_size_limit_fails_every_write_in_one_line(tmp_path, notebooks):
    out = tmp_path / "out"
    code, stdout, stderr = run_driver(notebooks, "build", "--out", str(out), "--only", PROGRAM[0],
                                      preexec=_file_size_limit(64))
    assert code == 2 and "Traceback" not in stderr, stderr
    assert stderr.strip().splitlines()[-1].startswith("seoulcomm: ")
    assert not (out / "programs/social-media.html").exists() and not (out / build.INDEX_FILE).exists()


# --------------------------------------------------------------------------- JupyterLab

def autosave(path: Path, *, default=None) -> None:
    """What JupyterLab writes when a notebook is left open: outputs, execution counts, a
    changed parameter default, kernel and cell metadata."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        cell.metadata["execution"] = {"iopub.status.idle": "2026-11-22T07:00:00.000Z"}
        cell.metadata["scrolled"] = True
        if cell.cell_type == "code":
            cell.execution_count = i + 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="출력\n"),
                            nbformat.v4.new_output("display_data", data={"text/html": "<b>x</b>"})]
            if "parameters" in cell.metadata.get("tags", []) and default:
                cell.source = cell.source.replace(*default)
    nb.metadata["kernelspec"] = {"name": "seoulcomm", "display_name": "Python (seoulcomm)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    nb.metadata["widgets"] = {"state": {}}
    nbformat.write(nb, path)


def test_an_autosaved_notebook_rebuilds_nothing_a_real_edit_does(tmp_path, notebooks):
    out = tmp_path / "out"
    quiet_build(out, notebooks)
    before = {p: p.read_bytes() for p in out.rglob("*.html") if p.name != build.INDEX_FILE}
    autosave(notebooks / "program.ipynb", default=('"social-media"', '"other"'))
    autosave(notebooks / "division.ipynb")
    summary = quiet_build(out, notebooks)
    assert summary.built == [] and sorted(summary.skipped) == ALL
    assert {p: p.read_bytes() for p in before} == before
    nb = nbformat.read(notebooks / "program.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("새 문단"))
    nbformat.write(nb, notebooks / "program.ipynb")
    assert names(quiet_build(out, notebooks)) == PROGRAM


def test_notebook_key_is_code_markdown_and_parameter_names():
    nb = nbformat.read(paths.notebook("division"), as_version=4)
    essence = nbclean.essence(nb)
    assert essence[0] == ["parameters", ["data_dir", "division", "year"]]
    assert len(essence) == len([c for c in nb.cells if c.cell_type in ("code", "markdown")])


@pytest.mark.parametrize("kind", ["division", "office", "program"])
def test_the_filter_keeps_a_clean_notebook_byte_for_byte(kind):
    text = paths.notebook(kind).read_text(encoding="utf-8")
    assert nbclean.clean_text(nbclean.clean_text(text)) == nbclean.clean_text(text)
    clean = json.loads(nbclean.clean_text(text))
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in clean["cells"])


def test_git_stores_notebooks_stripped_after_make(tmp_path):
    repo = tmp_path / "clone"
    (repo / "notebooks").mkdir(parents=True)
    (repo / "seoulcomm").mkdir()
    for name in ("Makefile", ".gitattributes"):
        shutil.copy(paths.ROOT / name, repo / name)
    shutil.copy(paths.PACKAGE_DIR / "nbclean.py", repo / "seoulcomm" / "nbclean.py")
    shutil.copy(paths.notebook("program"), repo / "notebooks" / "program.ipynb")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run(["make", "-s", "-C", str(repo), "nbfilter", f"PYTHON={sys.executable}"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "start"], check=True)
    committed = subprocess.run([*git, "show", "HEAD:notebooks/program.ipynb"], capture_output=True,
                               check=True).stdout
    assert committed == paths.notebook("program").read_bytes()
    autosave(repo / "notebooks" / "program.ipynb", default=('"social-media"', '"social-media"'))
    # an autosave is no change to git: no diff, nothing to commit (`git status` may list the
    # file until `git add` refreshes its size in the index, as with nbstripout)
    assert subprocess.run([*git, "diff", "--quiet"]).returncode == 0
    subprocess.run([*git, "add", "-A"], check=True)
    assert subprocess.run([*git, "diff", "--cached", "--quiet"]).returncode == 0
    status = subprocess.run([*git, "status", "--porcelain"], capture_output=True, text=True, check=True)
    assert status.stdout == ""
    nb = nbformat.read(repo / "notebooks" / "program.ipynb", as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("고친 문단"))
    nbformat.write(nb, repo / "notebooks" / "program.ipynb")
    subprocess.run([*git, "add", "-A"], check=True)
    staged = json.loads(subprocess.run([*git, "show", ":notebooks/program.ipynb"], capture_output=True,
                                       check=True).stdout)
    assert "".join(staged["cells"][-1]["source"]) == "고친 문단"  # a real edit is kept, without outputs
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None for c in staged["cells"])
    assert staged["metadata"]["language_info"] == {"name": "python"}


def test_a_lock_that_is_a_symlink_is_refused_and_its_target_kept(tmp_path):
    """Issue 26: a `.lock` symlinked onto a data file must not truncate it."""
    from conftest import cli

    victim = tmp_path / "budget_detail.csv"
    victim.write_bytes(b"year,line\n2016,1\n")
    out = tmp_path / "reports"
    out.mkdir()
    (out / ".lock").symlink_to(victim)
    code, _, err = cli("build", "--out", str(out), "--only", "2016/new-media", timeout=300)
    assert code != 0 and ".lock" in err
    assert victim.read_bytes() == b"year,line\n2016,1\n"
