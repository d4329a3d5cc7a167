"""Display objects and the vocabulary: labels, units, grouping, △, escaping, the JSON the
pipeline reads.

Expected values are quoted from the sources: ``000`` is 000_a1ad29fe56867c6c.txt (2016 주요업무
보고), ``004`` is 004_6b168251e7e9221a.txt (사업설명서 of the social-media program).
"""
from __future__ import annotations

import re

import pandas as pd
import pytest

from seoulcomm import display, labels
from seoulcomm.display import HEADLINE_MIME, TABLE_MIME, Headline, Notice, Table
from conftest import cell_texts

SCRIPT = "<script>alert(1)</script>"



# --------------------------------------------------------------------------- the label map

def test_every_label_is_korean_and_every_kind_known():
    kinds = {"text", "money", "money0", "change", "rate", "rate_change", "count", "gap",
             "number", "year", "date", "month"}
    for context, known in labels.LABELS.items():
        for column, (text, kind) in known.items():
            assert re.search(r"[가-힣]", text), (context, column, text)
            assert kind in kinds, (context, column, kind)


def test_label_of_a_year_column_is_prefixed_with_the_year():
    assert labels.label("budget_2016", "composition") == ("2016년 예산", "money")
    assert labels.label("share_2015", "composition") == ("2015년 비중(%)", "rate")


def test_unknown_column_keeps_its_name_as_text():
    assert labels.label("no_such_column") == ("no_such_column", "text")


# --------------------------------------------------------------------------- formatting

def small_table(**kw) -> Table:
    frame = pd.DataFrame({
        "name": ["계", "기본경비", SCRIPT],
        "budget": pd.array([40_828_000_000, 632_000_000, 1_499_999], dtype="Int64"),
        "carryover": pd.array([1_341_000_000, 0, None], dtype="Int64"),
        "change": pd.array([4_456_000_000, -7_000_000, 0], dtype="Int64"),
        "execution_rate": [22.293628, 29.06793, float("nan")],
    })
    spec = dict(columns=["name", "budget", "carryover", "change", "execution_rate"],
                sheet="시험 [표]: a/b*?", title=f"제목 {SCRIPT}", unit="백만원",
                source="자료 & 출처", as_of="2016-04-08")
    spec.update(kw)
    return Table(frame, **spec)


def test_money_is_shown_in_the_table_unit_with_korean_grouping():
    # 000, <구성별>: 계 2016 40,828 백만원, 증감 4,456; 기본경비 증감 △7
    cells = cell_texts(small_table().to_html())
    assert cells[:5] == ["계", "40,828", "1,341", "4,456", "22.3"]
    assert cells[5:10] == ["기본경비", "632", "-", "△7", "29.1"]


def test_json_rows_hold_the_numbers_as_displayed():
    data = small_table().to_json()
    assert data["columns"] == ["부서/사업명", "예산편성액", "전년도 이월액", "증감", "집행률(%)"]
    assert data["rows"][0] == ["계", 40828, 1341, 4456, 22.3]
    assert data["rows"][1] == ["기본경비", 632, 0, -7, 29.1]
    # 1,499,999원 rounds half up to 1 백만원 on display and in the JSON alike
    assert data["rows"][2] == [SCRIPT, 1, None, 0, None]
    assert data["unit"] == "백만원" and data["title"].startswith("제목")


def test_sheet_name_is_valid_for_excel():
    sheet = small_table(sheet="가" * 40 + "[]:*?/\\").sheet
    assert len(sheet) <= display.SHEET_MAX
    assert not set("[]:*?/\\") & set(small_table().sheet)


def test_caption_states_unit_as_of_and_source():
    table = small_table()
    assert table.caption_meta() == "단위: 백만원 · 기준: 2016. 4. 8. · 자료: 자료 & 출처"
    assert "단위: 백만원 · 기준: 2016. 4. 8. · 자료: 자료 &amp; 출처" in table.to_html()


def test_data_text_is_escaped_in_cells_caption_and_notes():
    html = small_table(notes=[f"주석 {SCRIPT}"]).to_html()
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert html.count("&lt;script&gt;") == 3  # the cell, the caption and the note


def test_row_header_columns_are_escaped_and_merged():
    frame = pd.DataFrame({"section": [SCRIPT, SCRIPT, "b"], "metric": ["x", "y", "z"],
                          "last_actual": [1.0, 2.5, 3.25]})
    html = Table(frame, ["metric", "last_actual"], sheet="s", title="t", unit="행별 단위",
                 index=["section"]).to_html()
    assert SCRIPT not in html and html.count("&lt;script&gt;") == 1
    assert cell_texts(html)[:6] == ["&lt;script&gt;alert(1)&lt;/script&gt;", "x", "1", "", "y", "2.5"]


def test_styler_html_is_the_same_every_time():
    assert small_table().to_html() == small_table().to_html()


def test_table_emits_html_and_the_table_mimetype():
    bundle = small_table()._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain", TABLE_MIME}
    assert {"sheet", "title", "unit", "columns", "rows"} <= set(bundle[TABLE_MIME])


def test_a_missing_column_is_refused():
    with pytest.raises(ValueError):
        Table(pd.DataFrame({"a": [1]}), ["b"], sheet="s", title="t", unit="명")


def test_headline_json_and_escaping():
    head = Headline(f"제목 {SCRIPT}", [display.figure("예산", 4331, "백만원"),
                                      display.figure("집행률", 28.12, "%", decimals=1),
                                      display.figure("증감", -7, "백만원", triangle=True)],
                    "2016-04-08", ["출처"])
    bundle = head._repr_mimebundle_()
    data = bundle[HEADLINE_MIME]
    assert data["figures"][0] == {"label": "예산", "value": "4,331", "raw": 4331, "unit": "백만원"}
    assert data["figures"][1]["value"] == "28.1" and data["figures"][1]["raw"] == 28.1
    assert data["figures"][2]["value"] == "△7" and data["figures"][2]["raw"] == -7
    assert data["as_of"] == "2016-04-08" and data["sources"] == ["출처"]
    assert SCRIPT not in bundle["text/html"] and "&lt;script&gt;" in bundle["text/html"]
    assert '<time datetime="2016-04-08">2016. 4. 8.</time>' in bundle["text/html"]


def test_notice_is_escaped():
    assert SCRIPT not in Notice(SCRIPT)._repr_mimebundle_()["text/html"]


def test_dates_in_korean_style():
    assert display.fmt_date("2016-04-08") == "2016. 4. 8."
    assert display.fmt_month(pd.Timestamp("2016-05-01")) == "2016. 5."




def test_settlement_and_snapshot_words():
    # 결산 only where the data supports one (a settlement table, a settled document, the
    # 이월/불용 split); other 12-31 figures are 연말 집행 실적; any other date 집행 실적 at its date
    assert labels.period("2015-12-31") == "연말 집행 실적 (12. 31. 기준)"
    assert labels.period("2015-12-31", settled=True) == "결산"
    assert labels.period("2016-06-30", settled=True) == "집행 실적 (2016. 6. 30. 기준)"
    assert labels.period("2016-06-30") == "집행 실적 (2016. 6. 30. 기준)"
    assert labels.period(None, "settlement") == "결산"
    assert labels.office_shape(5) == "1관 5담당관"


# --------------------------------------------------------------------------- the Styler's markup

def styler_page(table: Table) -> str:
    """What the pages were written from before ``Table.to_html`` wrote its table itself:
    pandas' Styler HTML, less its per-cell position classes, heading ids and indentation."""
    page = table.styler().to_html()
    page = re.sub(r' class="(?:(?:data|row_heading|col_heading|blank|index_name|level\d+|row\d+|col\d+) ?)+([^"]*)"',
                  lambda m: f' class="{m.group(1).strip()}"' if m.group(1).strip() else "", page)
    page = re.sub(r' id="T_sc[0-9a-f]{8}_[a-z_0-9]+"', "", page)
    page = re.sub(r"\n[ \t]+<", "\n<", page)
    page = re.sub(r"(<t[dh](?: [^>]*?)?) >", r"\1>", page)
    return page + "".join(f'<p class="sc-note">※ {display.escape_html(n)}</p>' for n in table.notes)


@pytest.fixture(scope="module")
def report_tables(tmp_path_factory) -> dict:
    """Every table of every report of the repository's data, as the report made it: each
    report run as the build runs it (forked from a warm process), its tables pickled."""
    import pickle
    import subprocess
    import sys
    import textwrap

    folder = tmp_path_factory.mktemp("tables")
    code = textwrap.dedent("""
        import os, pickle, sys
        from seoulcomm import display, engine, load, params, procs, runners
        folder = sys.argv[1]
        engine.prepare(None, None)
        target = runners.child_target(os.path.join(folder, "out"), None, None)
        for number, r in enumerate(params.reports(ds=load.load_all())):
            pid = os.fork()
            if pid == 0:
                procs.fresh_child_state()
                shown = display.Table._repr_mimebundle_
                def keep(self, include=None, exclude=None):
                    with open(os.path.join(folder, f"{number:03d}.pkl"), "ab") as f:
                        pickle.dump((r.name, self), f)
                    return shown(self, include, exclude)
                display.Table._repr_mimebundle_ = keep
                os._exit(0 if target(r, lambda *a: None).get("ok") else 1)
            _, status = os.waitpid(pid, 0)
            assert status == 0, r.name
    """)
    subprocess.run([sys.executable, "-c", code, str(folder)], check=True, timeout=600)
    tables: dict = {}
    for path in sorted(folder.glob("*.pkl")):
        with path.open("rb") as f:
            while True:
                try:
                    name, table = pickle.load(f)
                except EOFError:
                    break
                tables.setdefault(name, []).append(table)
    return tables


def test_every_table_of_every_report_is_written_as_the_styler_writes_it(report_tables, dataset):
    from seoulcomm import params

    assert sorted(report_tables) == sorted(r.name for r in params.reports(ds=dataset))
    count = 0
    for name, tables in report_tables.items():
        assert tables, name
        for table in tables:
            assert table.to_html() == styler_page(table), (name, table.title)
            count += 1
    assert count >= 50  # 61 in these reports


@pytest.mark.parametrize("spec", [
    {},
    {"notes": [f"주석 {SCRIPT}"]},
    {"index": ["name"], "row_class": pd.Series(["sc-bold sc-indent1", None, "sc-flag sc-indent2"])},
    {"nowrap": ["name"], "widths": {"name": 10, "budget": 7}},
    {"page_rows": pd.Series([True, False, True])},
    {"column_units": {"carryover": "천원"}, "headers": {"change": ("증감 <b>'a'</b>", "change")}},
])
def test_a_table_is_written_as_the_styler_writes_it(spec):
    table = small_table(**spec)
    assert table.to_html() == styler_page(table)
    empty = small_table(**spec)
    empty.frame = empty.frame.iloc[:0]
    empty.page_rows = empty.row_class = None
    assert empty.to_html() == styler_page(empty)
