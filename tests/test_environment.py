"""Set-up files agree: environment.yml and pyproject.toml, .ci/run and the Makefile."""
from __future__ import annotations

import os
import re
import tomllib

import pytest
import yaml

from seoulcomm import paths

ROOT = paths.ROOT
#: conda-only entries that pyproject.toml does not (and cannot) list
CONDA_ONLY = {"python", "pip"}


def normalise(requirement: str) -> tuple[str, str]:
    """``'jupyter_client >= 8.0'`` → ``('jupyter-client', '>=8.0')`` (PEP 503 name, bare spec)."""
    requirement = requirement.split(";")[0].strip()
    match = re.match(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$", requirement)
    assert match, requirement
    name = re.sub(r"[-_.]+", "-", match.group(1)).lower()
    spec = re.sub(r"\s+", "", match.group(3))
    if re.fullmatch(r"=[^=].*", spec):       # conda's 'pkg=1.2' pins like pip's '==1.2'
        spec = "=" + spec
    return name, spec


def conda_requirements() -> dict[str, str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    out = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):
            for pip_dep in dep.get("pip", []):
                if pip_dep.startswith("-e") or pip_dep.startswith("."):
                    continue       # the package itself
                name, spec = normalise(pip_dep)
                out[name] = spec
        else:
            name, spec = normalise(dep)
            out[name] = spec
    return out


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def project_requirements(extras=("test", "lab")) -> dict[str, str]:
    # environment.yml is the interactive environment: runtime + test extras + JupyterLab
    project = pyproject()["project"]
    reqs = list(project["dependencies"])
    for extra in extras:
        reqs += project["optional-dependencies"][extra]
    return dict(normalise(r) for r in reqs)


def test_normalise():
    assert normalise("jupyter_client>=8.0") == ("jupyter-client", ">=8.0")
    assert normalise("Koreanize.Matplotlib >= 0.1.1") == ("koreanize-matplotlib", ">=0.1.1")
    assert normalise("python=3.11") == ("python", "==3.11")
    assert normalise("pandas") == ("pandas", "")
    assert normalise("distributed[complete]>=2024.1; python_version>'3.10'") == ("distributed", ">=2024.1")


def test_environment_yml_and_pyproject_name_the_same_dependencies():
    conda = {k: v for k, v in conda_requirements().items() if k not in CONDA_ONLY}
    project = project_requirements()
    assert sorted(set(conda) - set(project)) == [], "only in environment.yml"
    assert sorted(set(project) - set(conda)) == [], "only in pyproject.toml (runtime + test + lab)"


def test_building_does_not_need_jupyterlab():
    # JupyterLab drags jupyter-events and jsonschema's format extra (rfc3987_syntax, ≈1.5 s
    # on every nbformat import) into the build; it is the `lab` extra, not a dependency
    runtime = [normalise(r)[0] for r in pyproject()["project"]["dependencies"]]
    assert "jupyterlab" not in runtime and "jupyter-events" not in runtime
    assert "jupyterlab" in [normalise(r)[0] for r in pyproject()["project"]["optional-dependencies"]["lab"]]


def test_environment_yml_and_pyproject_ask_for_the_same_versions():
    conda = conda_requirements()
    project = project_requirements()
    differ = {name: (conda[name], spec) for name, spec in project.items()
              if name in conda and conda[name] != spec}
    assert differ == {}


def test_every_extra_is_in_environment_yml():
    # the optional dask extra is part of the test extras, so conda users get it too
    conda = conda_requirements()
    extras = pyproject()["project"]["optional-dependencies"]
    for extra, reqs in extras.items():
        for req in reqs:
            assert normalise(req)[0] in conda, f"{extra}: {req}"


def test_python_versions_agree():
    conda = conda_requirements()
    requires = pyproject()["project"]["requires-python"]
    lowest = re.search(r">=\s*(\d+)\.(\d+)", requires)
    pinned = re.search(r"(\d+)\.(\d+)", conda["python"])
    assert lowest and pinned
    assert tuple(map(int, pinned.groups())) >= tuple(map(int, lowest.groups()))
    assert pinned.groups() == ("3", "11")       # the version the project is built and tested on


def test_ci_runs_the_readme_test_command():
    run = ROOT / ".ci" / "run"
    assert os.access(run, os.X_OK), ".ci/run must be executable"
    text = run.read_text(encoding="utf-8")
    assert text.startswith("#!")
    commands = [line.strip() for line in text.splitlines()
                if line.strip() and not line.strip().startswith("#")]
    assert any(re.fullmatch(r"(exec\s+)?make\s+test", c) for c in commands), commands
    assert "set -e" in text or "set -euo pipefail" in text     # a failing step fails CI


def test_make_test_installs_the_test_extras_and_runs_pytest():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    target = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert target, "Makefile has no test target"
    assert "pytest" in target.group(1)
    assert re.search(r"pip install .*-e\s+'?\.\[test\]'?", makefile)


def test_readme_names_the_test_command():
    readme = ROOT / "README.md"
    if not readme.is_file():
        pytest.skip("README.md not written yet")
    assert "make test" in readme.read_text(encoding="utf-8")
