"""Charts: the Korean font from koreanize-matplotlib's folder, no missing glyph, one style,
units on the axes, nothing drawn where there is nothing to draw."""
from __future__ import annotations

import io
import subprocess
import sys
import warnings

import matplotlib
import pandas as pd
import pytest
from matplotlib.lines import Line2D

from seoulcomm import calc, labels, plot, views

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def frames(dataset):
    return {"totals": views.unit_totals(dataset, threshold=calc.PACE_THRESHOLD)}


def lines(dataset, unit, year):
    return views.spending_lines(dataset, year, unit=unit, threshold=calc.PACE_THRESHOLD)


def unit_rows(totals, unit, year=None):
    rows = totals[(totals["unit"] == unit).to_numpy(dtype=bool)]
    return rows if year is None else rows[(rows["year"] <= year).to_numpy(dtype=bool)]


def render(fig) -> tuple[bytes, list[str]]:
    """PNG bytes of ``fig`` and every warning raised while drawing it."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = plot.png(fig)
    return data, [str(w.message) for w in caught]


def assert_clean(fig):
    data, messages = render(fig)
    assert data.startswith(PNG_MAGIC)
    glyphs = [m for m in messages if "Glyph" in m or "missing from font" in m]
    assert not glyphs, glyphs
    return data


def test_font_comes_from_the_package_folder_without_importing_it():
    folder = plot.font_dir()
    assert (folder / "NanumGothic.ttf").is_file()
    assert all(p.startswith(str(folder)) for p in plot.register_fonts())
    code = ("import sys, seoulcomm.plot; "
            "print('koreanize_matplotlib' in sys.modules, 'distutils' in sys.modules)")
    out = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_style_is_set():
    rc = matplotlib.rcParams
    assert rc["font.family"][0] == plot.FONT_FAMILY
    assert rc["axes.unicode_minus"] is False  # NanumGothic has no U+2212
    assert rc["text.parse_math"] is False
    path = matplotlib.font_manager.findfont(plot.FONT_FAMILY, fallback_to_default=False)
    assert path.endswith("NanumGothic.ttf")


def test_korean_text_and_negative_ticks_draw_without_missing_glyphs():
    fig, ax = plot._new(4, 2)
    ax.plot([-3, -1, 2], [1, -2, 3])
    ax.set_title("한글 제목 △ · 「」 ’16.5월~ 市 m² $x$")
    ax.set_xlabel("금액 (백만원)")
    assert_clean(fig)


def every_chart(dataset, frames) -> dict:
    totals = frames["totals"]
    names = labels.names(dataset)
    order = list(dataset.divisions()["unit"])
    steps = views.schedule_steps(dataset, 2016, "civil-service")
    _, rollup = views.cost_lines(dataset, "social-media")
    trend = calc.growth(views.program_budget_series(dataset, "social-media"))
    year16 = totals[(totals["year"] == 2016) & (totals["unit"] != "office")]
    path = pd.DataFrame({"key": ["office"] * 2, "name": ["계"] * 2, "unit": ["office"] * 2,
                         "as_of": pd.to_datetime(["2016-04-08", "2016-06-30"]),
                         "elapsed": [27.0, 49.7], "execution_rate": [22.3, 40.1]})
    charts = {
        "pace": plot.pace(lines(dataset, "new-media", 2016), year=2016),
        "budget_execution": plot.budget_execution(unit_rows(totals, "city-brand"), name="도시브랜드담당관",
                                                  unit="백만원"),
        "divisions": plot.divisions(year16, names=names, year=2016, unit="백만원"),
        "execution_by_year": plot.execution_by_year(totals, names=names, order=order),
        "execution_path": plot.execution_path(path, year=2016, reference=92.6,
                                              reference_label="2015년 결산"),
        "top_programs": plot.top_programs(views.top_programs(dataset, 2016, threshold=calc.PACE_THRESHOLD), names=names,
                                          order=order, year=2016, unit="백만원"),
        "timeline": plot.timeline(steps, year=2016, as_of="2016-04-08"),
        "program_trend": plot.program_trend(trend, views.program_settlements(dataset, "social-media"),
                                            unit="천원"),
        "cost_groups": plot.cost_groups(rollup, unit="천원"),
    }
    return charts


def test_every_chart_draws_cleanly_with_units_on_the_axes(dataset, frames):
    for name, fig in every_chart(dataset, frames).items():
        assert fig is not None, name
        data = assert_clean(fig)
        assert len(data) < 120_000, (name, len(data))  # palette PNG: small in the HTML
        ax = fig.axes[0]
        axis_labels = ax.get_xlabel() + ax.get_ylabel()
        if name != "timeline":
            assert any(u in axis_labels for u in ("백만원", "천원", "%")), (name, axis_labels)
        assert ax.get_title(loc="left"), name


def test_pace_chart_marks_the_elapsed_share(dataset):
    fig = plot.pace(lines(dataset, "civil-service", 2016), year=2016)
    ax = fig.axes[0]
    vertical = [l for l in ax.get_lines() if len(set(l.get_xdata())) == 1]
    assert vertical and vertical[0].get_xdata()[0] == pytest.approx(99 / 366 * 100)
    # 7 programs + 기본경비 of 시민봉사담당관 in 000, 2016년 예산편성 세부내역
    assert len(ax.get_yticks()) == 7


def test_open_ended_steps_run_to_year_end_with_a_marker(dataset):
    steps = views.schedule_steps(dataset, 2016, "city-brand")
    fig = plot.timeline(steps, year=2016)
    ax = fig.axes[0]
    markers = [l for l in ax.get_lines() if l.get_marker() == ">"]
    open_ended = int(steps["end"].isna().sum())  # '16.5월~, '16.3월~, '16.4월~ …
    assert open_ended and len(markers) == open_ended
    assert all(pd.Timestamp(l.get_xdata()[0]) == pd.Timestamp("2017-01-01") for l in markers)
    legend = fig.legends[0]
    assert any(isinstance(h, Line2D) for h in legend.legend_handles)


def test_nothing_to_draw_gives_none(dataset, frames):
    assert plot.pace(lines(dataset, "city-brand", 2015), year=2015) is None
    assert plot.top_programs(views.top_programs(dataset, 2015, threshold=calc.PACE_THRESHOLD), names={}, order=[], year=2015,
                             unit="백만원") is None
    one_date = pd.DataFrame({"key": ["office"], "name": ["계"], "as_of": [pd.Timestamp("2016-04-08")],
                             "elapsed": [27.0], "execution_rate": [22.3]})
    assert plot.execution_path(one_date, year=2016) is None  # one snapshot: no path
    assert plot.timeline(dataset["schedule"].iloc[0:0], year=2016) is None
    plot.show(None)  # shows nothing, raises nothing


def test_show_displays_a_png(monkeypatch, dataset):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    plot.show(plot.pace(lines(dataset, "new-media", 2016), year=2016))
    assert len(shown) == 1 and shown[0].data.startswith(PNG_MAGIC)
    assert shown[0].width <= plot.DISPLAY_WIDTH


def _texts(ax) -> dict:
    return {t.get_text(): t for t in ax.texts}


def test_value_labels_keep_clear_of_the_elapsed_line(dataset):
    # 000, 2016년 예산편성 세부내역 23행: 도시브랜드 기본경비 집행률 23.3, just short of 27.0 elapsed
    fig = plot.pace(lines(dataset, "city-brand", 2016), year=2016)
    ax = fig.axes[0]
    elapsed = 99 / 366 * 100
    label = _texts(ax)["23.3%"]
    fig.draw_without_rendering()
    box = label.get_window_extent(fig.canvas.get_renderer())
    line = ax.transData.transform((elapsed, 0))[0]
    assert box.x0 > line  # drawn after the line, not across it
    assert _texts(ax)["10.4%"].get_position()[0] < elapsed  # far from it: left where it was


def test_year_chart_puts_both_figures_beside_the_bar(dataset, frames):
    # 000, 2015년도 예산 집행현황: 뉴미디어담당관 3,397 / 3,311 / 97.5%; 세부내역 ('16.4.8): 4,331 / 1,218 / 28.1
    fig = plot.budget_execution(unit_rows(frames["totals"], "new-media", 2016), name="뉴미디어담당관",
                                unit="백만원")
    ax = fig.axes[0]
    texts = _texts(ax)
    assert {"예산액 3,397", "집행 3,311 (97.5%)", "예산현액 4,331", "집행 1,218 (28.1%)"} <= set(texts)
    assert texts["집행 3,311 (97.5%)"].get_position()[0] > 3397  # right of the 예산 bar's end
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    # 2015's figures are 12-31 figures of the work report, not a settlement (DESIGN.md, Time):
    # 연말 집행 실적, labelled 연말(12. 31.) on the axis
    assert sorted(ticks) == ["2015년\n연말(12. 31.)", "2016년\n2016. 4. 8. 기준"]


def test_timeline_marks_open_ends_only_when_there_are_some(dataset):
    steps = views.program_steps(dataset, "social-media")
    assert steps["end"].notna().all()  # 004, 추진일정: every step has its end month
    fig = plot.timeline(steps)
    handles = fig.legends[0].legend_handles
    assert not any(isinstance(h, Line2D) for h in handles)
    assert fig.axes[0].get_xlim()[1] == pytest.approx(
        matplotlib.dates.date2num(pd.Timestamp("2017-01-01")))


def test_rows_grow_with_wrapped_labels(dataset):
    one = plot.timeline(views.program_steps(dataset, "social-media"))
    two = plot.timeline(views.schedule_steps(dataset, 2016, "city-brand"))
    rows = [len(f.axes[0].get_yticks()) for f in (one, two)]
    assert rows == [3, 9]  # 004 추진일정: 3 steps; 000 Ⅲ-2: 도시브랜드담당관's 9 steps of 2016
    # city-brand's step names wrap to two lines: each row takes more than a one-line row (0.42 in)
    per_row = (two.get_figheight() - one.get_figheight()) / (rows[1] - rows[0])
    assert per_row > 0.42 + 0.1


def test_plot_does_not_import_the_report_modules():
    code = "import sys, seoulcomm.plot; print(any(m.startswith('seoulcomm.content') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_missing_font_is_a_clear_message_and_exit_2(tmp_path):
    # the font package hidden from this interpreter: `seoulcomm build` stops before any report
    code = ("import importlib.util as u, sys; real = u.find_spec; "
            "u.find_spec = lambda name, *a: None if name == 'koreanize_matplotlib' else real(name, *a); "
            "from seoulcomm.cli import main; sys.exit(main(['build', '--out', sys.argv[1]]))")
    proc = subprocess.run([sys.executable, "-c", code, str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "한글 글꼴" in proc.stderr and "koreanize-matplotlib" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_chart_drawn_once_has_savefigs_pixels_and_is_left_as_it_was(dataset, frames):
    # plot.rgba skips savefig's dry draw: the pixels must still be savefig's, byte for byte,
    # for every kind of chart, and the figure keep its layout engine, dpi and colour
    drawn, saved = every_chart(dataset, frames), every_chart(dataset, frames)
    for name, fig in drawn.items():
        engine, dpi, face = fig.get_layout_engine(), fig.dpi, fig.get_facecolor()
        raw, width, height = plot.rgba(fig)
        buf = io.BytesIO()
        with matplotlib.rc_context(plot._STYLE):
            saved[name].savefig(buf, format="rgba", dpi=plot.DPI)
        assert (width, height) == (round(fig.get_figwidth() * plot.DPI), len(raw) // (4 * width))
        assert raw == buf.getvalue(), name
        assert fig.get_layout_engine() is engine and fig.dpi == dpi and fig.get_facecolor() == face
        assert plot.rgba(fig)[0] == raw, name  # and again the same


def test_font_files_are_remembered_by_properties_and_settings():
    """The remembered lookup answers what matplotlib's own answers, for every properties and
    ``font.*`` settings; a change of either is looked up again."""
    from matplotlib import font_manager
    from matplotlib.font_manager import FontProperties

    manager = font_manager.fontManager
    own = type(manager)._find_fonts_by_props
    assert "_find_fonts_by_props" in vars(manager)  # the report style put it there
    for family in (["NanumGothic", "DejaVu Sans"], ["DejaVu Sans"], ["sans-serif"], ["monospace"]):
        for weight in ("normal", "bold"):
            for size in (9, 6.5, 13, "large"):  # answered for one size, then for the others
                prop = FontProperties(family=family, weight=weight, size=size)
                assert manager._find_fonts_by_props(prop) == own(manager, prop), (family, weight, size)
    prop = FontProperties(family=["sans-serif"])
    answers = []
    for first in ("DejaVu Sans", "NanumGothic"):
        with matplotlib.rc_context({"font.sans-serif": [first]}):
            answers.append(manager._find_fonts_by_props(prop))
            assert answers[-1] == own(manager, prop)
    assert answers[0] != answers[1]
    prop.set_family(["NanumGothic"])  # the same object, changed: looked up again
    assert manager._find_fonts_by_props(prop) == own(manager, prop) != answers[0]


@pytest.fixture
def stock_matplotlib(monkeypatch):
    """matplotlib as it is, without the report style's speed-ups (plot.py keeps each original
    as ``__wrapped__``)."""
    from matplotlib import font_manager

    def restore():
        assert len(plot._INSTALLED) >= 8
        for owner, name in plot._INSTALLED:
            monkeypatch.setattr(owner, name, getattr(owner, name).__wrapped__)
        monkeypatch.delattr(font_manager.fontManager, "_find_fonts_by_props")
    return restore


def test_every_chart_has_stock_matplotlibs_pixels(dataset, frames, stock_matplotlib):
    """The speed-ups (font lookups and text layouts remembered, fonts read from memory, ticks
    updated once per extent or draw) change no pixel: every kind of chart, drawn with them and
    by matplotlib alone, byte for byte."""
    from matplotlib.backends.backend_agg import RendererAgg
    from matplotlib.text import Text

    assert Text._get_layout._seoulcomm and RendererAgg._prepare_font._seoulcomm  # installed
    fast = {name: plot.rgba(fig) for name, fig in every_chart(dataset, frames).items()}
    stock_matplotlib()
    assert not any(hasattr(getattr(owner, name), "_seoulcomm") for owner, name in plot._INSTALLED)
    stock = {name: plot.rgba(fig) for name, fig in every_chart(dataset, frames).items()}
    for name in fast:
        assert fast[name] == stock[name], name


def _texts_to_lay_out():
    """Texts of every shape the charts make, and some they do not."""
    for text in ("", "0", "1,234", "20%", "한글 제목 △ · 「」 ’16.5월~", "시민봉사담당관\n기본경비(행정운영경비)",
                 "2016년\n2016. 4. 8. 기준", "a\n\nb", "x $y$ z", "m²"):
        for kw in ({}, {"fontsize": 8, "fontweight": "bold"}, {"rotation": 35, "ha": "right",
                                                               "rotation_mode": "anchor"},
                   {"rotation": 90, "va": "center", "ha": "center"}, {"linespacing": 1.35},
                   {"family": ["DejaVu Sans"], "va": "baseline", "multialignment": "center"},
                   {"ha": "center", "va": "center_baseline"}, {"parse_math": True}):
            yield text, kw


def test_remembered_text_layouts_are_matplotlibs(stock_matplotlib):
    """A text's layout, remembered by what it is made of, is the one matplotlib computes, for
    texts of every shape (rotated, several lines, another font, mathtext), after the text or its
    font changes, and at another resolution."""
    from matplotlib.text import Text

    remembered, own = Text._get_layout, Text._get_layout.__wrapped__

    def same(text, renderer):
        mine, theirs = remembered(text, renderer), own(text, renderer)
        assert mine[0].bounds == theirs[0].bounds, text
        assert mine[1:] == theirs[1:], text
        return mine

    for dpi in (plot.DPI, 72):
        fig, ax = plot._new(4, 2)
        fig.dpi = dpi
        renderer = fig.canvas.get_renderer()
        for text, kw in _texts_to_lay_out():
            artist = ax.text(0.5, 0.5, text, **kw)
            first = same(artist, renderer)
            first[0].x0 = -1000  # the caller's copy: the remembered layout is not changed
            same(artist, renderer)
            artist.set_text(text + "가")
            same(artist, renderer)
            artist.set_fontsize(13)
            same(artist, renderer)
    # the font settings choose the files: a change of them is laid out anew (in a new figure:
    # matplotlib's own measures, kept per renderer, do not see the settings)
    widths = []
    for first in ("DejaVu Sans", "NanumGothic", "DejaVu Sans"):
        with matplotlib.rc_context({"font.sans-serif": [first]}):
            fig, ax = plot._new(4, 2)
            artist = ax.text(0, 0, "Budget 100%", family="sans-serif")
            widths.append(same(artist, fig.canvas.get_renderer())[0].width)
    assert widths[0] == widths[2] != widths[1]


def test_fonts_read_from_memory_measure_lay_out_and_draw_as_matplotlibs():
    """The Agg renderer's fonts, opened from bytes in memory, give matplotlib's own fonts'
    metrics, glyphs, places and bitmaps (the same files, fallbacks and settings)."""
    from matplotlib import font_manager
    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
    from matplotlib.font_manager import FontProperties
    from matplotlib.ft2font import RenderMode

    renderer = RendererAgg(200, 100, plot.DPI)
    flags = get_hinting_flag()
    for family in (["NanumGothic", "DejaVu Sans"], ["DejaVu Sans"]):
        for size, weight in ((8, "normal"), (10.5, "bold")):
            prop = FontProperties(family=family, size=size, weight=weight)
            mine = renderer._prepare_font(prop)
            theirs = RendererAgg._prepare_font.__wrapped__(renderer, prop)
            assert mine is not theirs and isinstance(mine.fname, io.BytesIO)
            assert theirs.fname == font_manager.fontManager._find_fonts_by_props(prop)[0].path
            for text in ("0", "1,234 (56.7%)", "시민봉사담당관 기본경비", "’16.5월~ △ 「」 市", "Ωµ"):
                mine.set_text(text, 0.0, flags=flags)
                theirs.set_text(text, 0.0, flags=flags)
                assert (mine.get_width_height(), mine.get_descent(), mine.get_bitmap_offset()) == \
                    (theirs.get_width_height(), theirs.get_descent(), theirs.get_bitmap_offset())
                a, b = mine._layout(text, flags=flags), theirs._layout(text, flags=flags)
                assert [(i.glyph_index, i.x, i.y, i.char) for i in a] == \
                    [(i.glyph_index, i.x, i.y, i.char) for i in b], text
                for i, j in zip(a, b):
                    for font in (i.ft_object, j.ft_object):
                        font.set_size(size, plot.DPI)
                        font._set_transform([[0x10000, 0], [0, 0x10000]], [37, 11])
                    x = i.ft_object._render_glyph(i.glyph_index, flags, RenderMode.NORMAL)
                    y = j.ft_object._render_glyph(j.glyph_index, flags, RenderMode.NORMAL)
                    assert (x.left, x.top) == (y.left, y.top)
                    assert x.buffer.tobytes() == y.buffer.tobytes(), (text, i.char)


def test_another_matplotlib_draws_with_its_own_code():
    """Under a matplotlib version the speed-ups were not checked against, none is installed."""
    code = ("import matplotlib; matplotlib.__version__ = '3.12.0'; from seoulcomm import plot; "
            "from matplotlib.text import Text; from matplotlib.axis import Axis; "
            "from matplotlib.backends.backend_agg import RendererAgg; "
            "print(plot._INSTALLED, [hasattr(f, '_seoulcomm') for f in "
            "(Text._get_layout, RendererAgg._prepare_font, Axis._update_ticks, Axis.draw)])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[] [False, False, False, False]"
