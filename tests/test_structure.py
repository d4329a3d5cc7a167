"""The package's shape: imports go one way (no cycle), and one exception family.

Both read ``seoulcomm/`` with :mod:`ast`, so they see every import, those written inside
functions too (a lazy import of a heavy library is fine; one that hides a cycle is not).
"""
from __future__ import annotations

import ast
import builtins
from pathlib import Path

from seoulcomm import errors, paths

PACKAGE = paths.PACKAGE_DIR


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """The package's modules that ``name`` imports, anywhere in its file."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name in modules}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target not in modules:
                continue
            for alias in node.names:  # `from . import load` imports the module seoulcomm.load
                sub = f"{target}.{alias.name}"
                out.add(sub if sub in modules else target)
    out.discard(name)
    return out


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, modules) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, found, counter = {}, {}, [], set(), [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_the_package_has_no_import_cycle():
    graph = import_graph()
    assert "seoulcomm.load" in graph["seoulcomm.params"]  # the graph sees imports in functions
    assert cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def _is_exception(base: ast.expr, known: set[str]) -> bool:
    name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
    return name in known or name.endswith(("Error", "Exception", "Exit", "Interrupt", "Warning"))


def test_every_exception_class_is_defined_in_errors_py():
    known = {n for n, v in vars(errors).items() if isinstance(v, type) and issubclass(v, BaseException)}
    known |= {n for n, v in vars(builtins).items() if isinstance(v, type) and issubclass(v, BaseException)}
    elsewhere = []
    for name, path in _modules().items():
        if name == "seoulcomm.errors":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(_is_exception(b, known) for b in node.bases):
                elsewhere.append(f"{name}.{node.name}")
    assert elsewhere == []


def test_worker_failures_are_classes_of_one_family():
    for cls in (errors.WorkerDied, errors.WorkerError, errors.CellTimeoutError,
                errors.ReportTimeoutError, errors.PdfError):
        assert issubclass(cls, errors.ReportFailure) and issubclass(cls, errors.SeoulcommError)
    assert not issubclass(errors.Terminated, Exception)  # unwinds like KeyboardInterrupt
