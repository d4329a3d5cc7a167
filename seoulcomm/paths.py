"""Every path the package uses, built in one place from the package's own location."""
from __future__ import annotations

import importlib.util
import os
import re
import unicodedata
from pathlib import Path

from .errors import InstallError, UnsafeFileError

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DEFAULT_DATA_DIR = ROOT / "data"
NOTEBOOKS_DIR = ROOT / "notebooks"
PARAMS_DIR = ROOT / "params"
DEFAULT_REPORTS_DIR = ROOT / "reports"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
CATALOG_FILE = "catalog.yaml"
#: What a division or program identifier must look like to be used in a file name.
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
#: Names the output layout uses itself: no division or program may take them.
RESERVED = frozenset({"office", "programs", "index", "brief"})


def name_key(text: str) -> str:
    """A name as names are compared: Unicode NFKC, which includes NFC (a name typed in
    decomposed jamo, or in full-width letters, is the same name), case folded, without spaces.
    No two divisions may share one (``load`` checks it)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data folder: ``path`` if given, else ``$SEOULCOMM_DATA``, else ``data/`` in the repository.

    Raises
    ------
    UnsafeFileError : that path is a symbolic link (it is never followed).
    """
    if path is None or str(path) == "":
        path = os.environ.get("SEOULCOMM_DATA") or DEFAULT_DATA_DIR
    given = Path(path).expanduser()
    if given.is_symlink():  # a link in place of the data folder: its data is not ours to read
        raise UnsafeFileError(given.absolute(), "심볼릭 링크")
    return given.resolve()


def notebook(kind: str) -> Path:
    """The notebook behind a report kind (``division``, ``office`` or ``program``)."""
    return NOTEBOOKS_DIR / f"{kind}.ipynb"


#: The package that carries the Korean font files (NanumGothic) the charts use.
FONT_PACKAGE = "koreanize_matplotlib"


def font_files() -> list[Path]:
    """The NanumGothic ``.ttf`` files of the koreanize-matplotlib package (found without
    importing it).

    Raises
    ------
    InstallError : the package or its font files are missing.
    """
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise InstallError("차트용 한글 글꼴이 없습니다 — koreanize-matplotlib 패키지를 설치하세요"
                           "(`make .venv/.installed` 또는 `pip install koreanize-matplotlib`)")
    folder = Path(list(spec.submodule_search_locations)[0]) / "fonts"
    files = sorted(folder.glob("*.ttf"))
    if not files:
        raise InstallError(f"차트용 한글 글꼴 파일(*.ttf)이 없습니다: {folder} — "
                           "koreanize-matplotlib 패키지를 다시 설치하세요")
    return files
