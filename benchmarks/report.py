"""Write docs/performance.md from the sections the benchmarks just wrote (``make bench``).

    python benchmarks/report.py OUT.md SECTION.md [SECTION.md …]

Each section is the ``--markdown`` output of one benchmark of this run (build_speed.py,
scale.py); a missing one is said to be missing, never taken from an older run. The text above
the measured sections (how the figures come about) is the file's own, kept as it is.
"""
from __future__ import annotations

import sys
from pathlib import Path

#: What the file starts with when it does not exist yet. Otherwise everything above the first
#: measured section (the first ``## `` heading: how the figures come about, kept true by whoever
#: changes the code) is kept as it is, and only the measured sections are replaced.
HEAD = """# Performance

Written by `make bench` from the run it just made (`benchmarks/build_speed.py`, then
`benchmarks/scale.py`); nothing here is kept from an earlier run.
"""


def preamble(out: Path) -> str:
    """The text of ``out`` above its first measured section (``## ``), or :data:`HEAD`."""
    try:
        text = out.read_text(encoding="utf-8")
    except FileNotFoundError:
        return HEAD
    kept = []
    for line in text.splitlines(keepends=True):
        if line.startswith("## "):
            break
        kept.append(line)
    return "".join(kept).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    out, sections = Path(argv[0]), [Path(a) for a in argv[1:]]
    parts = [preamble(out)]
    for section in sections:
        if section.exists():
            parts.append(section.read_text(encoding="utf-8"))
        else:
            parts.append(f"## {section.stem}\n\nNot measured in this run ({section} missing).\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
