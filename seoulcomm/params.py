"""Which reports exist and with which parameters: ``params/*.yaml`` expanded against the data.

A report is one run of a notebook (``division``, ``office`` or ``program``) with its
parameters. ``params/*.yaml`` names the reports the batch builds; ``all`` stands for every
value the data holds, so nothing here knows which years or divisions there are. The place
each report is written is fixed by the layout (DESIGN.md) in :data:`OUTPUTS`.

Every parameter value that reaches a path is checked against the data *and* against a
strict pattern first, so neither a user (``-p division ../../x``) nor a data file can make
a report write outside the output folder.
"""
from __future__ import annotations

import difflib
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import paths
from .errors import UsageError

#: The report kinds and the parameters each takes (besides ``data_dir``), in order.
KINDS: dict[str, tuple[str, ...]] = {
    "division": ("division", "year"),
    "office": ("year",),
    "program": ("program",),
    "brief": ("year",),
}
#: Where each kind's HTML goes, relative to the output folder (DESIGN.md).
OUTPUTS: dict[str, str] = {
    "division": "{year}/{division}.html",
    "office": "{year}/office.html",
    "program": "programs/{program}.html",
    "brief": "{year}/brief.html",
}
#: Korean names of the parameters, for messages.
LABELS = {"division": "부서", "year": "연도", "program": "사업", "kind": "보고서 종류"}
#: Keys a parameter dict may hold besides the kind's own.
PASSTHROUGH = ("data_dir",)
ALL = "all"


@dataclass
class Report:
    """One report the batch builds.

    Attributes
    ----------
    kind : ``division``, ``office``, ``program`` or ``brief``.
    parameters : the notebook's parameters without ``data_dir``, e.g.
        ``{"division": "city-brand", "year": 2016}``.
    output : path of the HTML relative to the output folder, e.g. ``"2016/city-brand.html"``.
    name : ``output`` without ``.html`` (``"2016/city-brand"``); what ``--only`` matches.
    aliases : the same name with Korean names for the slugs (``"2016/도시브랜드담당관"``);
        ``--only`` matches these too.
    """

    kind: str
    parameters: dict = field(default_factory=dict)
    output: str = ""
    name: str = ""
    aliases: list = field(default_factory=list)

    @classmethod
    def of(cls, kind: str, parameters: dict) -> "Report":
        """The report of ``kind`` with already checked ``parameters``."""
        own = {k: parameters[k] for k in KINDS[kind]}
        output = output_path(kind, own)
        return cls(kind, own, output, output[: -len(".html")])

    @property
    def notebook(self) -> Path:
        """The notebook that renders this report."""
        return paths.notebook(self.kind)

    @property
    def xlsx(self) -> str:
        """Path of the spreadsheet beside the HTML, relative to the output folder."""
        return self.name + ".xlsx"


def valid_values(ds) -> dict[str, list]:
    """Every value each parameter can take in the data ``ds``."""
    return {
        "division": [str(u) for u in ds.divisions()["unit"]],
        "year": [int(y) for y in ds.years()],
        "program": [str(p) for p in ds.programs()],
    }


def korean_names(ds) -> dict[str, dict[str, str]]:
    """``{parameter: {Korean name: slug}}``: a division by its name or short name
    (``도시브랜드담당관``), a program by its name — accepted wherever a slug is. Made once per
    loaded data (a city's thousands of names: the build makes them before it forks its
    reports, each of which checks its parameters); each caller gets its own copy."""
    remember = getattr(ds, "remember", None)
    found = remember(("korean names",), lambda: _korean_names(ds)) if remember else _korean_names(ds)
    return {key: dict(names) for key, names in found.items()}


def _korean_names(ds) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {"division": {}, "program": {}}
    for row in ds.divisions().itertuples(index=False):
        for name in (getattr(row, "name_ko", None), getattr(row, "short_ko", None)):
            if isinstance(name, str) and name.strip():
                out["division"].setdefault(_squash(name), str(row.unit))
    # parameter checks are not a report's reading: they stay out of its read log
    program = ds.tables.get("program") if hasattr(ds, "tables") else None
    if program is not None:
        for slug, name in zip(program["program"], program["name_ko"]):
            if isinstance(name, str) and name.strip():
                out["program"].setdefault(_squash(name), str(slug))
    return out


name_key = paths.name_key
_squash = name_key


def _translate(key: str, value, names: dict | None):
    """A Korean name → its slug (other values as they are)."""
    if names and isinstance(value, str):
        return names.get(key, {}).get(_squash(value), value)
    return value


#: Most valid values a refusal lists (a city has thousands of divisions): the closest first.
SHOWN_VALUES = 12


def _refuse(key: str, value, valid: list) -> UsageError:
    if not valid:
        shown = "(데이터에 없음)"
    elif len(valid) <= SHOWN_VALUES:
        shown = ", ".join(map(str, valid))
    else:   # the closest spellings (years: the latest), then the first ones, and how many in all
        texts = list(dict.fromkeys(map(str, sorted(valid, reverse=True) if key == "year" else valid)))
        near = [] if key == "year" else difflib.get_close_matches(str(value), texts, n=SHOWN_VALUES, cutoff=0.6)
        picked = list(dict.fromkeys(near + texts))[:SHOWN_VALUES]
        shown = f"{', '.join(picked)} 외 {len(texts) - len(picked):,}개 (모두 {len(texts):,}개)"
    return UsageError(f"알 수 없는 {LABELS[key]}({key}) {value!r} — 가능한 값: {shown}")


def _normal(key: str, value, valid: list):
    """``value`` as the data spells it, or UsageError listing ``valid``."""
    if key == "year":
        if isinstance(value, bool):
            raise _refuse(key, value, valid)
        if isinstance(value, str) and re.fullmatch(r"\d{4}", value.strip()):
            value = int(value.strip())
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or value not in valid:
            raise _refuse(key, value, valid)
        return value
    if not isinstance(value, str) or value not in valid:
        raise _refuse(key, value, valid)
    if not paths.SLUG.fullmatch(value):  # a data file naming a division '../x' must not reach a path
        raise UsageError(f"{LABELS[key]}({key}) 식별자 {value!r}는 파일 이름으로 쓸 수 없습니다 — "
                         "영문 소문자, 숫자, '-'만 쓰세요")
    return value


def check(kind: str, parameters: dict, ds) -> dict:
    """Check a report's parameters against the data; return them normalised.

    Notebooks call this in the cell after their ``parameters`` cell, so that a bad value
    stops the run at once with a message listing the valid ones.

    Parameters
    ----------
    kind : ``division``, ``office`` or ``program``.
    parameters : the notebook's parameters (``data_dir`` may be among them and is kept as is).
    ds : the loaded data (:class:`seoulcomm.load.Dataset`).

    Returns
    -------
    dict : the parameters with ``year`` as ``int``.

    Raises
    ------
    UsageError : unknown kind, a missing or unknown parameter, or a value the data does not
        hold (an unknown name, an empty string, a path such as ``../../x`` or ``/etc``).
    """
    if kind not in KINDS:
        raise _refuse("kind", kind, list(KINDS))
    parameters = dict(parameters or {})
    unknown = [k for k in parameters if k not in KINDS[kind] and k not in PASSTHROUGH]
    if unknown:
        raise UsageError(f"'{kind}' 보고서에 없는 매개변수 {unknown[0]!r} — 쓸 수 있는 매개변수: "
                         f"{', '.join(KINDS[kind] + PASSTHROUGH)}")
    valid = valid_values(ds)
    names = korean_names(ds)
    out = dict(parameters)
    for key in KINDS[kind]:
        if key not in parameters or parameters[key] is None:
            shown = ", ".join(map(str, valid[key]))
            raise UsageError(f"{LABELS[key]}({key}) 매개변수가 필요합니다 — 가능한 값: {shown}")
        out[key] = _normal(key, _translate(key, parameters[key], names), valid[key])
    return out


def output_path(kind: str, parameters: dict) -> str:
    """The HTML's path relative to the output folder, for checked ``parameters``."""
    for key in KINDS[kind]:
        value = parameters[key]
        if key == "year":
            ok = isinstance(value, int) and not isinstance(value, bool) and 1000 <= value <= 9999
        else:
            ok = isinstance(value, str) and paths.SLUG.fullmatch(value) is not None
        if not ok:
            raise UsageError(f"{LABELS[key]}({key}) {value!r}는 파일 이름으로 쓸 수 없습니다")
    return OUTPUTS[kind].format(**parameters)


def _read_yaml(path: Path) -> list[dict]:
    from .load import read_yaml  # bounded size, no aliases, a short message

    raw = read_yaml(path, error=UsageError) or {}
    entries = raw.get("reports") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise UsageError(f"보고서 목록 {path}: 'reports:' 아래에 보고서 목록이 있어야 합니다")
    for i, entry in enumerate(entries, start=1):
        if not isinstance(entry, dict) or set(entry) - {"kind", "parameters"}:
            raise UsageError(f"보고서 목록 {path}: {i}번째 항목은 kind와 parameters만 가질 수 있습니다")
    return entries


def _values(spec, key: str, valid: list, where: str, names: dict | None = None) -> list:
    if spec == ALL:
        return list(valid)
    if not isinstance(spec, list) or not spec:
        raise UsageError(f"{where}: {key}는 'all' 또는 값의 목록이어야 합니다")
    return [_normal(key, _translate(key, v, names), valid) for v in spec]


def reports(data_dir=None, *, params_dir=None, ds=None) -> list[Report]:
    """Every report ``params/*.yaml`` names, expanded against the data.

    Parameters
    ----------
    data_dir : data folder (``None``: the default); the years, divisions and programs
        that ``all`` stands for are read from it.
    params_dir : folder of the YAML files (``None``: the repository's ``params/``).
    ds : already loaded data, to save loading it again.

    Returns
    -------
    list of Report : in the files' order, each output once.

    Raises
    ------
    UsageError : a YAML file that cannot be read or names an unknown kind, parameter or value.
    """
    folder = Path(params_dir) if params_dir is not None else paths.PARAMS_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise UsageError(f"보고서 목록(params/*.yaml)이 없습니다: {folder}")
    if ds is None:
        from .load import load_all

        ds = load_all(data_dir)
    valid = valid_values(ds)
    names = korean_names(ds)
    found: dict[str, Report] = {}
    for path in files:
        for i, entry in enumerate(_read_yaml(path), start=1):
            where = f"보고서 목록 {path.name} {i}번째 항목"
            kind = entry.get("kind")
            if kind not in KINDS:
                raise UsageError(f"{where}: 알 수 없는 보고서 종류 {kind!r} — 가능한 값: {', '.join(KINDS)}")
            spec = entry.get("parameters") or {}
            if not isinstance(spec, dict):
                raise UsageError(f"{where}: parameters는 이름: 값 목록이어야 합니다")
            extra = set(spec) - set(KINDS[kind])
            if extra:
                raise UsageError(f"{where}: '{kind}' 보고서에 없는 매개변수 {sorted(extra)[0]!r} — "
                                 f"쓸 수 있는 매개변수: {', '.join(KINDS[kind])}")
            combos: list[dict] = [{}]
            for key in KINDS[kind]:
                values = _values(spec.get(key, ALL), key, valid[key], where, names)
                combos = [{**c, key: v} for c in combos for v in values]
            for combo in combos:
                if kind == "division" and combo["year"] not in ds.years(
                        _normal("division", combo["division"], valid["division"])):
                    continue  # a division gets reports only for the years the data has it
                report = Report.of(kind, combo)
                report.aliases = _aliases(report, names)
                found.setdefault(report.output, report)
    return list(found.values())


def _aliases(report: Report, names: dict) -> list[str]:
    """``report.name`` with each slug replaced by each of its Korean names."""
    out = [report.name]
    for key in ("division", "program"):
        slug = report.parameters.get(key)
        if slug is None:
            continue
        korean = [k for k, v in names.get(key, {}).items() if v == slug]
        out = [a.replace(slug, k) for a in out for k in korean] + out
    return [a for a in out if a != report.name]


def select(all_reports: list[Report], patterns: list[str] | None) -> list[Report]:
    """The reports whose name matches any of the glob ``patterns`` (all when none given).

    A pattern is matched against :attr:`Report.name` (``2016/city-brand``,
    ``2016/office``, ``programs/social-media``), e.g. ``2016/*`` or ``*/city-brand``, and
    against its Korean forms (``2016/도시브랜드담당관``, ``*/도시브랜드담당관``).

    Raises
    ------
    UsageError : an empty pattern, one with ``..`` or an absolute path, or one that matches
        no report (the message lists the names there are).
    """
    if not patterns:
        return list(all_reports)
    names = ", ".join(r.name for r in all_reports)
    for pattern in patterns:
        if not pattern or not pattern.strip():
            raise UsageError(f"--only에 빈 값을 줄 수 없습니다 — 보고서: {names}")
        parts = re.split(r"[\\/]", pattern)
        if pattern.startswith(("/", "\\", "~")) or ".." in parts or re.match(r"^[A-Za-z]:", pattern):
            raise UsageError(f"--only {pattern!r}: 경로가 아니라 보고서 이름(예: 2016/*)을 주세요 — "
                             f"보고서: {names}")
        if not any(_matches(r, pattern) for r in all_reports):
            raise UsageError(f"--only {pattern!r}에 맞는 보고서가 없습니다 — 보고서: {names}")
    return [r for r in all_reports if any(_matches(r, p) for p in patterns)]


def _matches(report: Report, pattern: str) -> bool:
    """``pattern`` matches the report's name or a Korean form of it (``2016/도시브랜드담당관``)."""
    squashed = _squash(pattern)
    return fnmatch.fnmatchcase(report.name, pattern) or any(
        fnmatch.fnmatchcase(_squash(a), squashed) for a in (report.aliases or []))
