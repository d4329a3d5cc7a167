"""Notebooks safe to leave open in JupyterLab: what counts in a notebook, and a git clean filter.

JupyterLab's autosave writes outputs, execution counts, cell metadata and kernel details into
``notebooks/*.ipynb``. None of that is part of a report's source:

- :func:`key` hashes only what a build depends on: the cells' types and sources, with the
  parameters cell reduced to its parameter *names* (papermill injects the values; the
  defaults only serve a run by hand). The build's cache uses it, so an autosave rebuilds nothing.
- :func:`clean` is the committed form: outputs and execution counts emptied, cell metadata
  reduced to ``tags``, notebook metadata to the standard kernel spec and the language name. ``make``
  installs it as a git clean filter (``.gitattributes``: ``notebooks/*.ipynb
  filter=seoulcomm-nbstrip``), so ``git diff``/``git add`` see only real edits.

Standard library only: git runs it as ``python seoulcomm/nbclean.py`` (stdin → stdout),
before or without the virtualenv.
"""
from __future__ import annotations

import ast
import hashlib
import json
import sys

FILTER_NAME = "seoulcomm-nbstrip"
#: The kernel every report runs on (report.KERNEL_NAME); a kernel picked in JupyterLab is not committed.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def clean(nb: dict) -> dict:
    """The notebook without outputs, execution counts and editor state (a new dict)."""
    nb = json.loads(json.dumps(nb))
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        meta = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        cell["metadata"] = {"tags": meta["tags"]} if meta.get("tags") else {}
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    kept = {"kernelspec": dict(KERNELSPEC)}  # the build runs every notebook on this kernel
    language = meta.get("language_info")
    if isinstance(language, dict) and language.get("name"):
        kept["language_info"] = {"name": language["name"]}
    nb["metadata"] = kept
    return nb


def dumps(nb: dict) -> str:
    """The JSON text nbformat writes (so a clean notebook passes the filter unchanged)."""
    return json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def clean_text(text: str) -> str:
    """The committed form of a notebook's text; text that is not a notebook passes unchanged."""
    try:
        nb = json.loads(text)
    except ValueError:
        return text
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        return text
    return dumps(clean(nb))


def _source(cell: dict) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def parameter_names(source: str) -> list[str]:
    """The names a parameters cell assigns (its values do not matter)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return ["<syntax error>", source]
    names = []
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else \
            [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign)) else []
        for target in targets:
            for n in ast.walk(target):
                if isinstance(n, ast.Name):
                    names.append(n.id)
    return sorted(set(names))


def essence(nb: dict) -> list:
    """What a build depends on: each cell's type and source; a parameters cell by its names."""
    found = []
    for cell in nb.get("cells", []):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown"):
            continue
        tags = (cell.get("metadata") or {}).get("tags") or []
        if cell["cell_type"] == "code" and "parameters" in tags:
            found.append(["parameters", parameter_names(_source(cell))])
        else:
            found.append([cell["cell_type"], _source(cell)])
    return found


def key(path) -> str | None:
    """sha256 of :func:`essence` of the notebook at ``path``; None when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as fh:
            nb = json.load(fh)
    except (OSError, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(nb, dict):
        return None
    return hashlib.sha256(json.dumps(essence(nb), ensure_ascii=False).encode("utf-8")).hexdigest()


def main() -> int:
    """git clean filter: notebook on stdin, committed form on stdout."""
    text = sys.stdin.buffer.read().decode("utf-8")
    sys.stdout.buffer.write(clean_text(text).encode("utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
