"""The text of the sources as tidy frames, ready to render: part II (비전·전략목표·추진방향·주요사업)
and each part III section's 목적, 추진개요, 추진방향 and 추진계획 items with their dates.

Pure functions of a :class:`seoulcomm.load.Dataset`; rendering is one call, e.g.
``text.vision(ds)`` or ``text.section_plan(ds, division)``.
"""
from __future__ import annotations

import pandas as pd

PARTS = ("목적", "추진개요", "추진방향", "추진실적", "추진계획")


def vision(ds) -> pd.DataFrame:
    """Part II as the source arranges it: one row per 추진방향 with its 주요사업.

    Columns ``direction`` (1–4), ``division``, ``heading`` (the 추진방향), ``programs`` (list
    of the 주요사업, in order), ``source``; the frame's ``attrs`` hold ``vision`` and ``goal``
    (비전 「감동 소통도시 서울」, 전략목표).
    """
    pv = ds["plan_vision"]
    heads = pv[pv["kind"] == "direction"].sort_values("direction")
    progs = (pv[pv["kind"] == "program"].sort_values(["direction", "order"])
             .groupby("direction")["text"].agg(list))
    out = pd.DataFrame({
        "direction": heads["direction"].astype("Int64").to_numpy(),
        "division": heads["division"].to_numpy(),
        "heading": heads["text"].to_numpy(),
        "programs": [progs.get(d, []) for d in heads["direction"]],
        "source": heads["source"].to_numpy(),
    })
    one = pv.set_index("kind")["text"]
    out.attrs["vision"] = str(one.get("vision", ""))
    out.attrs["goal"] = str(one.get("goal", ""))
    return out


def section_plan(ds, division: str | None = None, section: str | None = None) -> pd.DataFrame:
    """Part III text of a division's (or one section's) sections, in the source's order.

    Columns ``section, title, part`` (목적, 추진개요, 추진방향, 추진계획), ``order``, ``level``
    (1 = item, 2 and 3 = sub-items), ``text``, ``when`` (the date as printed: '16.5월~, 연중 …;
    empty when none), ``source``.
    """
    # only the rows asked for are read (and logged): a division's report does not depend on
    # another division's text
    where = {k: v for k, v in (("division", division), ("section", section)) if v is not None}
    sections = ds.rows("sections", **where)[["section", "division", "title"]]
    st = ds.rows("section_text", section=sorted(set(sections["section"].dropna().astype(str)))) \
        if where else ds["section_text"]
    m = st.merge(sections, on="section", how="left")
    if division is not None:
        m = m[m["division"] == division]
    if section is not None:
        m = m[m["section"] == section]
    m = m.assign(_p=m["part"].map({p: i for i, p in enumerate(PARTS)}))
    m = m.sort_values(["section", "_p", "order"], kind="stable")
    m["when"] = m["when"].fillna("")
    return m[["section", "title", "part", "order", "level", "text", "when", "source"]] \
        .reset_index(drop=True)


def general_notes(ds, part: str | None = None) -> pd.DataFrame:
    """The cover and part I notes (e.g. Ⅰ-2 정원대비 현원 초과 사유), in the source's order."""
    notes = ds["general_notes"]
    if part is not None:
        notes = notes[notes["part"] == part]
    return notes.sort_values(["part", "topic", "order"], kind="stable").reset_index(drop=True)
