"""Every text of both sources appears in some report (issue 22), except personal data.

Each text line of the two seeds (a line with Hangul that is not a table row: tables are
data, checked figure by figure elsewhere) is looked for in the text of every built report,
compared without spaces, marks (□ ○ - ※ ·), quotes, brackets or punctuation. The lines that
are not shown word for word are listed below with the reason, one by one, for a reviewer.
"""
from __future__ import annotations

import re

import golden

SEEDS = ("000_a1ad29fe56867c6c.txt", "004_6b168251e7e9221a.txt")

#: Lines not shown word for word, by seed and line number, and why.
NOT_VERBATIM = {
    "000_a1ad29fe56867c6c.txt": {
        42: "절 제목(3 2016년 예산현황)",
        70: "주요 사업별 비중 문장: 기획관 보고서 총괄에 같은 사업·비율을 『』로 나열(원문의 조사만 다름)",
        76: "표 머리(2015. 12. 31 기준, 단위 : 백만원): 표의 단위·기준 표시로 대신함",
        87: "표 머리(단위 : 백만원, '16.4.8 기준): 표의 단위·기준 표시로 대신함",
        135: "장 제목(II. 2016 비전 및 목표)",
        191: "원문 추출 시 둘로 갈린 제목(1. 시민과 함께하는 참여와 공감시정 구현): 비전 및 목표에 온전히 수록",
        193: "원문 추출 시 둘로 갈린 제목(위와 같음)",
        607: "Ⅲ-4 목차 항목(④ 소셜특별시 프로젝트 추진): 본문 제목 ‘소셜특별시 서울 추진’으로 수록",
    },
    "004_6b168251e7e9221a.txt": {
        18: "서식 제목(사업 성격 및 사전절차 대상 여부): 내용은 사업 개요 표의 사업형태·성격",
        25: "개인정보(사업 담당자 이름·전화번호) 표의 제목",
        32: "장 제목(2 예산 설명)",
        117: "표 제목(2016년도 추진일정): 추진일정 표로 수록",
        127: "표 제목(최근 3년 추진실적): 추진실적 표로 수록",
    },
}

_MARKS = re.compile(r"[\s#*\-□○■◦▪·•※“”\"'‘’「」『』<>〈〉:()①②③④⑤⑥⑦⑧⑨⑩,.]")


def normalise(text: str) -> str:
    text = re.sub(r"<sup>2</sup>", "²", text)
    return _MARKS.sub("", re.sub(r"<[^>]+>", "", text))


def text_lines(path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if "\t" in line or not re.search("[가-힣]", line) or line.strip().startswith("<"):
            continue  # a table row (data), a line without words, or a form's HTML
        # a heading's own number (## 1 조직 …) is the document's outline, not its text
        yield number, re.sub(r"^#*\s*(?:\d+|[IVXⅠⅡⅢ]+\.)\s+(?=\D)", "", line.strip())


def test_every_text_line_of_the_sources_is_in_a_report(built_reports, seeds_dir):
    shown = normalise(golden.record(built_reports))
    missing, listed_but_shown = [], []
    for seed in SEEDS:
        allowed = NOT_VERBATIM[seed]
        for number, line in text_lines(seeds_dir / seed):
            found = normalise(line) in shown
            if not found and number not in allowed:
                missing.append(f"{seed} {number}행: {line}")
            if found and number in allowed:
                listed_but_shown.append(f"{seed} {number}행")
    assert not missing, "원문 문장이 어느 보고서에도 없음:\n" + "\n".join(missing)
    assert not listed_but_shown, "예외 목록의 줄이 이제 보고서에 있음(목록에서 빼기): " + ", ".join(listed_but_shown)


def test_personal_data_is_in_no_report(built_reports, seeds_dir):
    # 004 □ 사업 담당자: names and 2133-xxxx phone numbers of the officials
    shown = golden.record(built_reports)
    sheet = (seeds_dir / SEEDS[1]).read_text(encoding="utf-8")
    phones = set(re.findall(r"2133-\d{4}", sheet))
    assert phones and not any(p in shown for p in phones)
    for name in ("김은용", "김득삼", "이은영", "이지은", "박성호"):
        assert name in sheet and name not in shown


def test_named_texts_are_shown(built_reports):
    # issue 22's examples: 21팀; 서울특별시보 57호 (정기 53, 수시 4); the 추진계획 sub-heading
    # under 서울사랑 and 내친구 서울; the program sheet's 사업목적 … 향후 기대효과
    office = "\n".join(golden.html_text((built_reports / "2016" / "office.html").read_text(encoding="utf-8")))
    assert "1관 4담당관 21팀" in office
    division = "\n".join(golden.html_text(
        (built_reports / "2016" / "citizen-communication.html").read_text(encoding="utf-8")))
    assert "'15년 추진실적 : 57호 발행(정기 53, 수시 4)" in division
    after = division.split("발행부수: 월 5만부, 총 12회(매월 1일)", 1)[1]
    assert after.lstrip().split("\n", 1)[0].strip().endswith("추진계획")
    program = "\n".join(golden.html_text(
        (built_reports / "programs" / "social-media.html").read_text(encoding="utf-8")))
    for part in ("사업목적", "사업근거", "사업내용", "추진경위", "향후 기대효과"):
        assert part in program
