"""One-off: transcribe part II and part III text of the 2016 report into data/ (lines quoted as printed)."""
import csv, re, sys
SEED = "/work/shared/seeds/000_a1ad29fe56867c6c.txt"
DOC = "000_a1ad29fe56867c6c.txt"
L = open(SEED, encoding="utf-8").read().split("\n")
line = lambda n: L[n - 1]
# section: (purpose line, [(part, first, last)])  — file line numbers, inclusive
S = {
 "1-1": (206, [("추진방향", 210, 211), ("추진실적", 215, 216), ("추진계획", 220, 232)]),
 "1-2": (240, [("추진계획", 242, 286)]),
 "1-3": (294, [("추진계획", 296, 313)]),
 "1-4": (321, [("추진개요", 325, 327), ("추진실적", 329, 332), ("추진계획", 348, 353)]),
 "1-5": (361, [("추진계획", 363, 391)]),
 "1-6": (395, [("추진계획", 397, 419)]),
 "2-1": (436, [("추진방향", 440, 441), ("추진실적", 445, 446), ("추진계획", 450, 458)]),
 "2-2": (466, [("추진방향", 470, 471), ("추진실적", 475, 476), ("추진계획", 480, 489)]),
 "3-1": (505, [("추진방향", 509, 511), ("추진실적", 515, 520), ("추진계획", 524, 532)]),
 "3-2": (541, [("추진방향", 545, 546), ("추진실적", 550, 558), ("추진계획", 562, 568)]),
 "3-3": (572, [("추진방향", 576, 578), ("추진실적", 582, 588), ("추진계획", 592, 600)]),
 "4-1": (613, [("추진방향", 617, 618), ("추진실적", 622, 623), ("추진계획", 627, 634)]),
 "4-2": (644, [("추진방향", 648, 649), ("추진실적", 653, 654), ("추진계획", 658, 678)]),
 "4-3": (686, [("추진방향", 690, 691), ("추진실적", 695, 699), ("추진계획", 703, 711)]),
 "4-4": (719, [("추진방향", 723, 724), ("추진실적", 728, 730), ("추진계획", 736, 743)]),
}
WHEN = re.compile(r"(?:'1\d\.\s?\d{1,2}월\s?/\s?\d{1,2}월(?:\s?/\s?\d{1,2}월)?|'1\d\.\s?(?:\d{1,2}(?:\.\s?\d{1,2}\.?)?\s?월?(?:중|말)?|하반기)"
                  r"(?:\s?~\s?(?:(?:'1\d\.\s?)?\d{1,2}(?:\.\s?\d{1,2}\.?)?\s?월?)?)?"
                  r"|'1\d년\s?하반기|연중|\b\d{1,2}\s?~\s?\d{1,2}월|(?<=\()\d{1,2}월(?=\)))")
def clean(t):
    t = t.replace("<sup>2</sup>", "²"); t = re.sub(r"<[^>]+>", "", t)          # m<sup>2</sup> → m2
    t = t.replace("**", "").strip()
    return re.sub(r"\s+$", "", t)
rows = []
for sec, (purpose, parts) in S.items():
    rows.append(dict(section=sec, part="목적", order=1, level=1, text=clean(line(purpose)), when="",
                     source=f"{DOC} Ⅲ-{sec} 목적 ({purpose}행)"))
    for part, a, b in parts:
        k = 0
        headed = any(re.match(r"^(#+|■|- ■)\s", line(n)) or line(n).startswith("「") for n in range(a, b + 1))
        for n in range(a, b + 1):
            raw = line(n)
            if not raw.strip() or raw.strip().startswith("〈") or raw.strip() == "-" or raw.strip() == "추진계획" \
                    or raw.strip() == "- 추진계획" or raw.strip() in ("- 집행절차",) or raw.strip() == "### 그간 추진실적":
                continue
            if raw.strip().startswith("## 그간 추진실적 :"):
                level, text = 1, raw.strip()[3:]
            elif re.match(r"^#+\s|^■|^「", raw.strip()):
                level, text = 1, re.sub(r"^#+\s*", "", raw.strip()).lstrip("■ ").strip()
            elif raw.startswith("  - ") or raw.startswith("  ·"):
                level, text = (3 if headed else 2), raw.strip()[2:]
            elif raw.startswith("- "):
                level, text = (2 if headed else 1), raw[2:]
            else:
                level, text = (2 if headed else 1), raw.strip()
            text = clean(text)
            if text.startswith("사 업 비") or text.startswith("사업비"):
                continue
            k += 1
            when = " / ".join(m.strip() for m in WHEN.findall(text))
            rows.append(dict(section=sec, part=part, order=k, level=level, text=text, when=when,
                             source=f"{DOC} Ⅲ-{sec} {part} ({n}행)"))
with open("data/section_text.csv", "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, ["section", "part", "order", "level", "text", "when", "source"])
    w.writeheader(); w.writerows(rows)
print(len(rows))
