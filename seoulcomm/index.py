"""``index.html``: the monitoring view of the output folder — every report that exists, its
headline figures, as-of dates, build time and failures, newest year first."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import __version__, paths
from .publish import write_atomic
from .record import INDEX_FILE, pdf_current

#: Readers are in Seoul: times shown in the index are Korea Standard Time (no daylight saving).
KST = timezone(timedelta(hours=9), "KST")

def _short_time(iso: str | None) -> str | None:
    try:
        return datetime.fromisoformat(iso).astimezone(KST).strftime("%Y-%m-%d %H:%M") if iso else None
    except ValueError:
        return iso


def _index_rows(reports, cache: dict, out_dir: Path) -> list[dict]:
    from . import units  # pandas: only a build that writes the index needs it

    rows = []
    for r in reports:
        entry = cache.get("reports", {}).get(r.name) or {}
        failure = cache.get("failures", {}).get(r.name)
        exists = (out_dir / r.output).is_file()
        if not exists and not failure:
            continue
        if failure:
            failed_nb = f"{r.name}.failed.ipynb"
            failure = {"message": str(failure.get("message") or ""),
                       "notebook": failed_nb if (out_dir / failed_nb).is_file() else None}
        headline = entry.get("headline") or {}
        group = (f"{r.parameters['year']}년" if "year" in r.parameters else "사업")
        pdf = f"{r.name}.pdf"
        rows.append({
            "group": group, "name": r.name, "href": r.output if exists else None,
            "xlsx": r.xlsx if (out_dir / r.xlsx).is_file() else None,
            "pdf": pdf if exists and pdf_current(entry, out_dir, r) else None,
            "title": headline.get("title") or r.name,
            "figures": headline.get("figures") or [],
            "as_of": units.fmt_date(headline.get("as_of")),
            "built": _short_time(entry.get("built")), "failure": failure,
        })
    return rows


def write_index(out_dir: Path, reports, cache: dict, summary, as_of: dict,
                titles: dict, *, monitoring: list | None = None) -> Path:
    """Write ``index.html``: the monitoring view (``monitoring``, see
    :func:`seoulcomm.index_page.years`), then every report that exists, its headline, as-of
    dates, failures; ``summary`` is the build's :class:`~seoulcomm.build.BuildSummary`."""
    import jinja2

    from . import units

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(paths.TEMPLATES_DIR), str(paths.TEMPLATES_DIR / "report")]),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
    )
    rows = _index_rows(reports, cache, out_dir)
    groups: dict[str, list] = {}
    for row in rows:
        groups.setdefault(row["group"], []).append(row)
    # newest year first, the programs last
    ordered = sorted(groups.items(), key=lambda kv: (kv[0] == "사업", [-ord(c) for c in kv[0]]))
    legend = ""
    if monitoring:
        from .index_page import LEGEND as legend  # pandas: only an index with a monitoring view
    page = env.get_template("index.html.j2").render(
        monitoring=monitoring or [], legend=legend,
        groups=ordered, summary=summary, version=__version__,
        built_at=datetime.now(KST).strftime("%Y-%m-%d %H:%M:%S KST"),
        as_of=[(titles.get(k, k), k, units.fmt_date(v)) for k, v in sorted(as_of.items())],
        failures=[row for row in rows if row["failure"]],
    )
    path = out_dir / INDEX_FILE
    try:
        write_atomic(path, page)
    except OSError:
        try:  # an index that no longer tells the truth is worse than none
            path.unlink(missing_ok=True)
        except OSError:
            pass
        raise
    return path
