"""The sentences the reports print that do not come from the sources, in one place, and the
simple 개조식 rules they keep (issue 22).

A Seoul 업무보고 is written 개조식: short lines with noun endings (…함, …임, …없음, or a noun),
the conclusion first, the method in one 작성 기준 note. :func:`sentences` collects every line
of every built report that is not text of the two sources (compared without spaces and marks),
not a table cell, not a bare figure; :func:`problems` checks them against the rules.

Write the list for a reviewer (one file, with the reports each line appears in)::

    .venv/bin/python tests/prose.py reports/       # → reports/prose.txt
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import golden  # noqa: E402

SEEDS = ("000_a1ad29fe56867c6c.txt", "004_6b168251e7e9221a.txt")
_MARKS = re.compile(r"[\s#*\-□○■◦▪·•※“”\"'‘’「」『』<>〈〉:()①②③④⑤⑥⑦⑧⑨⑩,.]")
#: A line that is only a figure, a chart placeholder or a heading anchor.
_NOT_PROSE = re.compile(r"^(\[그림 차트 \w+\]|[△\d,.]+\s*\S{0,3}|.*¶)$")

#: The rules, each (name, pattern that a line must not match).
RULES = (
    ("서술형 종결(…다/…요): 개조식은 명사형(…함, …임, …없음)으로 끝냄",
     re.compile(r"(습니다|니다|한다|된다|있다|없다|이다|였다|했다|해요|에요|예요)[.!?]?$")),
    ("프로그램 설명: 보고서·표가 스스로를 설명하지 않음",
     re.compile(r"이 보고서는|이 표는|그리고 화살표|코드|함수|파이썬|데이터프레임|CSV|노트북|렌더")),
    ("번역투 연결(…하고, …이며, …이고,): 한 줄에 한 내용",
     re.compile(r"(하고|이며|이고|으로써),")),
)


def source_text(seeds_dir: Path) -> str:
    return _MARKS.sub("", "".join((seeds_dir / s).read_text(encoding="utf-8") for s in SEEDS))


def sentences(out: Path, seeds_dir: Path) -> dict[str, list[str]]:
    """Line → the reports (relative paths) that print it, for every line not from the sources."""
    src = source_text(seeds_dir)
    found: dict[str, list[str]] = {}
    for path in sorted(out.rglob("*.html")):
        if path.name == "index.html":
            continue
        for line in golden.html_text(path.read_text(encoding="utf-8")):
            text = line.strip()
            if not text or "|" in text or not re.search("[가-힣]", text) or _NOT_PROSE.match(text):
                continue
            bare = _MARKS.sub("", re.sub(r"^[□○\-·※]\s*", "", text))
            if bare and bare in src:
                continue
            found.setdefault(text, []).append(str(path.relative_to(out)))
    return found


def problems(lines) -> list[str]:
    out = []
    for line in lines:
        for name, pattern in RULES:
            if pattern.search(line):
                out.append(f"{name}: {line}")
    return out


def write(found: dict[str, list[str]], path: Path) -> None:
    rows = [f"{text}\n    ← {', '.join(sorted(set(where)))}" for text, where in sorted(found.items())]
    path.write_text("# 보고서가 적는 문장 중 원문에 없는 것 (tests/prose.py)\n\n" + "\n".join(rows) + "\n",
                    encoding="utf-8")


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "reports")
    seeds = Path(sys.argv[2]) if len(sys.argv) > 2 else HERE.parents[1] / "shared" / "seeds"
    if not (seeds / SEEDS[0]).is_file():
        seeds = Path("/work/shared/seeds")
    found = sentences(folder, seeds)
    write(found, folder / "prose.txt")
    bad = problems(found)
    print(f"{len(found)}개 문장 → {folder / 'prose.txt'}; 규칙 위반 {len(bad)}건")
    print("\n".join(bad))
