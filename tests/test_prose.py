"""Every sentence a report prints that is not the sources' own text, in one file a reviewer
reads in one place (``prose.txt`` beside the built reports; ``python tests/prose.py reports/``
writes it for a build of your own), checked against simple 개조식 rules (issue 22)."""
from __future__ import annotations

import re

import golden
import prose


def test_the_reports_own_sentences_keep_the_개조식_rules(built_reports, seeds_dir):
    found = prose.sentences(built_reports, seeds_dir)
    prose.write(found, built_reports.parent / "prose.txt")
    assert len(found) > 50
    bad = prose.problems(found)
    assert not bad, f"개조식 규칙 위반 (목록: {built_reports.parent / 'prose.txt'}):\n" + "\n".join(bad)


def test_the_rules_catch_what_they_name():
    bad = prose.problems(["이 보고서는 <부서별> 표의 값과 세부내역의 값을 표·열마다 밝혀 각각 원문대로 적음",
                          "끝을 정하지 않은 일정은 연말까지 이어 그리고 화살표로 표시",
                          "집행률은 집행액을 예산현액으로 나눈 값입니다.",
                          "예산현액은 편성액에 이월액을 더한 것이다"])
    assert len(bad) == 4


def test_sentences_the_issue_quotes_are_gone(built_reports):
    # issue 22, Prose: the bodies explained the software instead of reporting
    text = golden.record(built_reports)
    for gone in ("구성 항목으로 다시 계산한 값과 다른 곳 있음", "각 집행잔액은 인쇄된 예산현액−집행액임",
                 "표·열마다 밝혀 각각 원문대로 적음", "끝을 정하지 않은 일정은 연말까지 이어 그리고 화살표로 표시"):
        assert gone not in text, gone


def test_one_작성_기준_note_per_report_with_the_glossary(built_reports):
    for path in sorted(built_reports.rglob("*.html")):
        if path.name == "index.html":
            continue
        lines = golden.html_text(path.read_text(encoding="utf-8"))
        assert sum(1 for line in lines if re.match(r"□\s*작성 기준(:|$)", line.strip())) == 1, path
        start = next(i for i, line in enumerate(lines) if line.strip().startswith("□ 용어"))
        assert any("예산현액 = 예산편성액 + 전년도 이월액" in line for line in lines[start:]), path
