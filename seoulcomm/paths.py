"""Every path the package uses, built in one place from the package's own location."""
from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ROOT = PACKAGE_DIR.parent
DEFAULT_DATA_DIR = ROOT / "data"
NOTEBOOKS_DIR = ROOT / "notebooks"
PARAMS_DIR = ROOT / "params"
DEFAULT_REPORTS_DIR = ROOT / "reports"
TEMPLATES_DIR = PACKAGE_DIR / "templates"
CATALOG_FILE = "catalog.yaml"


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The data folder: ``path`` if given, else ``$SEOULCOMM_DATA``, else ``data/`` in the repository."""
    if path is None or str(path) == "":
        path = os.environ.get("SEOULCOMM_DATA") or DEFAULT_DATA_DIR
    return Path(path).expanduser().resolve()


def notebook(kind: str) -> Path:
    """The notebook behind a report kind (``division``, ``office`` or ``program``)."""
    return NOTEBOOKS_DIR / f"{kind}.ipynb"
