"""Part II and part III text as data (issue 10 item 4): transcribed exactly, each row with its source."""
from __future__ import annotations

import re

import pytest

from seoulcomm import load_all, text


@pytest.fixture(scope="module")
def seed(seeds_dir) -> str:
    """The text of 000_…txt, the 2016 주요업무 보고."""
    return (seeds_dir / "000_a1ad29fe56867c6c.txt").read_text(encoding="utf-8")


def test_vision_as_the_source_arranges_it(seed):
    v = text.vision(load_all())
    # 000_…txt Ⅱ. 2016 비전 및 목표: 비전 '감동 소통도시 서울', 전략목표 '지속적 소통혁신으로 시민 감동소통 구현'
    assert v.attrs["vision"] == "감동 소통도시 서울"
    assert v.attrs["goal"] == "지속적 소통혁신으로 시민 감동소통 구현"
    assert list(v["division"]) == ["citizen-communication", "city-brand", "civil-service", "new-media"]
    # the four 추진방향 as Ⅲ's headings write them (1. 시민과 함께하는 참여와 공감시정 구현 …)
    assert list(v["heading"]) == ["시민과 함께하는 참여와 공감시정 구현",
                                  "서울브랜드를 통한 시민 자긍심 고취 및 도시경쟁력 제고",
                                  "시민중심의 민원행정서비스 제공", "뉴미디어 활용 시민과의 소통 활성화"]
    # 주요사업: 4 + 3 + 3 + 3, each a line of the source
    assert [len(p) for p in v["programs"]] == [4, 3, 3, 3]
    assert all(f"- {p}" in seed for programs in v["programs"] for p in programs)


def test_section_text_is_transcribed_with_dates_and_sources(seed):
    ds = load_all()
    plan = text.section_plan(ds)
    assert set(plan["section"]) == set(ds["sections"]["section"])
    assert plan["source"].str.startswith("000_a1ad29fe56867c6c.txt Ⅲ-").all()
    # every item is a line (or the text of a line) of the source, verbatim but for list marks
    plain = seed.replace("<sup>2</sup>", "²")
    # a row of photo captions joins the source's caption lines (000_…txt Ⅲ-1-4, lines 336·340·344:
    # '〈 토요일은 청이 좋아 〉' …): each caption is a line of the source
    def in_source(item: str) -> bool:
        captions = re.findall(r"〈[^〉]*〉", item)
        return item in plain or (item.startswith("사진: ") and bool(captions)
                                 and all(c in plain for c in captions))
    assert all(in_source(t) for t in plan["text"])
    # 000_…txt Ⅲ-2-1 '16년 추진계획: 민관 거버넌스를 통한 서울브랜드 확산 및 문화상품 개발 : '16.5월~
    brand = text.section_plan(ds, section="2-1")
    item = brand[brand["text"].str.startswith("민관 거버넌스")].iloc[0]
    assert item["part"] == "추진계획" and item["when"] == "'16.5월~" and item["level"] == 1
    # each section's 추진방향 where the source has one (Ⅲ-4-4: 2 items)
    social = text.section_plan(ds, section="4-4")
    assert list(social.loc[social["part"] == "추진방향", "text"]) == [
        "인터넷, 모바일기기 확산으로 온라인을 통한 소통기회 급속 확대",
        "SNS, 디지털미디어, 1인 미디어 등 새로운 디지털 소통트렌드 부각"]
    # the parts in the source's order within a section
    order = {p: i for i, p in enumerate(text.PARTS)}
    for _, rows in plan.groupby("section"):
        assert rows["part"].map(order).is_monotonic_increasing


def test_general_notes():
    notes = text.general_notes(load_all(), "Ⅰ-2")
    # 000_…txt Ⅰ-2 ※ 정원대비 현원 초과 사유: 열린민원실 확대('12.9.28) …
    assert notes.iloc[0]["text"].startswith("열린민원실 확대('12.9.28)")
