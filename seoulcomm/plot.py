"""Report charts: one style, a Korean font carried in the image, units on the axes.

The font is NanumGothic from the ``koreanize-matplotlib`` package, registered from that
package's ``fonts/`` folder by path — the package itself is never imported (it imports
``distutils``, which warns, and is gone on Python ≥ 3.12). NanumGothic has no U+2212
(MINUS SIGN), so ``axes.unicode_minus`` is off; mathtext is off too, so a ``$`` in a data
text is drawn as it is.

Figures are made with :class:`matplotlib.figure.Figure` (not pyplot), so nothing is shown
twice and nothing stays open; :func:`show` renders one to a compact PNG and displays it.
Every function takes the frames :mod:`seoulcomm.calc` returns and returns a ``Figure``, or
``None`` when there is nothing to draw (the table beside it says so).
"""
from __future__ import annotations

import functools
import io
import math
import os
import textwrap
import threading
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import font_manager, ft2font
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import calc, labels, paths, units
from .views import OTHERS

#: The Korean font every chart uses.
FONT_FAMILY = "NanumGothic"
#: Fallback for a character NanumGothic lacks (matplotlib falls back glyph by glyph).
FALLBACK_FAMILY = "DejaVu Sans"
#: Colours: budget (light), execution (dark), and the pace flags.
COLORS = {
    "ink": "#1c2330",
    "muted": "#5a6473",
    "grid": "#e3e7ee",
    "budget": "#c5d3e6",
    "executed": "#1f4e8c",
    "lagging": "#b8443f",
    "on_pace": "#1f4e8c",
    "ahead": "#2e7d4f",
    "none": "#8a94a3",
    "done": "#9aa5b4",
    "plan": "#1f4e8c",
    "elapsed": "#d08a1e",
    "year": "#f3f5f9",
    "others_budget": "#e1e4e9",
    "others": "#8a94a3",
}
#: Line colours, in order (a line past the last takes the first again).
LINE_COLORS = ["#1f4e8c", "#d08a1e", "#2e7d4f", "#8e4c9e", "#5a6473", "#b03a2e", "#0f2f5a",
               "#6f9fd8", "#e3b35f", "#74b58c", "#b88cc6", "#c97a73"]
#: Resolution of the embedded PNG and the width it is shown at [px].
DPI = 144
DISPLAY_WIDTH = 760
#: Colours kept in the PNG palette (flat charts compress several times smaller).
PNG_COLORS = 96

_STYLE = {
    "font.family": [FONT_FAMILY, FALLBACK_FAMILY],
    "font.size": 10.5,
    "axes.unicode_minus": False,
    "text.parse_math": False,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlepad": 10,
    "axes.labelsize": 10,
    "axes.labelcolor": COLORS["muted"],
    "axes.edgecolor": "#b9c2cf",
    "axes.linewidth": 0.8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "grid.color": COLORS["grid"],
    "grid.linewidth": 0.8,
    "xtick.color": COLORS["muted"],
    "ytick.color": COLORS["ink"],
    "xtick.labelsize": 9.5,
    "ytick.labelsize": 10,
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "figure.facecolor": "white",
    "savefig.facecolor": "white",
}

_registered: list[str] = []


def font_dir() -> Path:
    """The ``fonts/`` folder of the koreanize-matplotlib package, found without importing it."""
    return paths.font_files()[0].parent


def register_fonts() -> list[str]:
    """Register the package's NanumGothic files with matplotlib (once); return their paths.

    Raises
    ------
    seoulcomm.errors.InstallError : the font files are missing.
    """
    if not _registered:
        for path in paths.font_files():
            font_manager.fontManager.addfont(str(path))
            _registered.append(str(path))
    return list(_registered)


def apply_style() -> None:
    """Register the Korean font and set the report style in matplotlib's rcParams."""
    register_fonts()
    _remember_font_files()
    _remember_text_layouts()
    _fonts_from_memory()
    _ticks_once_per_call()
    _glyphs_drawn_leaner()
    matplotlib.rcParams.update(_STYLE)


_FONT_RC = tuple(f"font.{k}" for k in ("family", "style", "variant", "weight", "stretch", "size",
                                         "serif", "sans-serif", "cursive", "fantasy", "monospace"))
#: rcParams' stored value (``RcParams._get``: no deprecation or backend handling, the same value).
_rc = matplotlib.rcParams._get


def _font_rc() -> tuple:
    """matplotlib's ``font.*`` settings that choose a font file, as a key."""
    return tuple(tuple(v) if type(v) is list else v for v in map(_rc, _FONT_RC))


def _remember_font_files() -> None:
    """Remember which font files each text's font properties resolve to.

    matplotlib looks them up anew every time it measures or draws a text (a copy of the
    properties per family, then its cached ``findfont``).
    The answer depends only on the properties, the arguments, matplotlib's ``font.*``
    settings and the fonts registered, so those are the key; a lookup that fails is not
    remembered (it fails, and warns, again). The files found, hence the pixels, are the same.
    The size counts only for a font of fixed sizes (``FontManager.score_size``): while every
    font registered is scalable, as TrueType and AFM fonts are, the answer for one size is the
    answer for every size (a report's process then looks up no font the warm process that
    forked it had looked up at another size: each lookup scores every font installed)."""
    manager = font_manager.fontManager
    find = getattr(type(manager), "_find_fonts_by_props", None)
    if find is None or "_find_fonts_by_props" in vars(manager):
        return  # another matplotlib, or done already
    found: dict = {}
    any_size: dict = {}
    from_any = font_manager.FontProperties._from_any

    def remembered(prop, fontext="ttf", directory=None, fallback_to_default=True,
                   rebuild_if_missing=True):
        props = from_any(prop)
        how = (fontext, directory, fallback_to_default, rebuild_if_missing, _font_rc(),
               len(manager.ttflist), len(manager.afmlist), os.environ.get("MPL_IGNORE_SYSTEM_FONTS"))
        key = (tuple(vars(props).values()), how)
        files = found.get(key)
        if files is None:
            fonts = manager.afmlist if fontext == "afm" else manager.ttflist
            sizeless = None
            if all(font.size == "scalable" for font in fonts):
                sizeless = (tuple(v for k, v in vars(props).items() if k != "_size"), how)
                files = any_size.get(sizeless)
            if files is None:
                files = tuple(find(manager, props, fontext, directory, fallback_to_default,
                                   rebuild_if_missing))
                if sizeless is not None:
                    any_size[sizeless] = files
            found[key] = files
        return list(files)

    manager._find_fonts_by_props = remembered


#: The matplotlib versions whose internals the speed-ups below (remembered text layouts, fonts
#: read from memory) were read against and are tested with (tests/test_plot.py); under another
#: one matplotlib lays texts out and opens its fonts itself.
_CHECKED_MATPLOTLIB = ("3.11.",)
#: What the speed-ups replaced: (owner, attribute name); each replacement keeps the original
#: as ``__wrapped__`` (tests draw with the originals put back, to compare).
_INSTALLED: list = []


def _install(owner, name: str, function) -> None:
    function._seoulcomm = True
    function.__wrapped__ = getattr(owner, name)
    setattr(owner, name, function)
    _INSTALLED.append((owner, name))


#: Text layouts remembered (keyed by everything a layout depends on); cleared when full.
_LAYOUTS: dict = {}
_LAYOUTS_MAX = 50_000


def _layout_key(text, renderer):
    """Everything :meth:`matplotlib.text.Text._get_layout` reads, for a text measured by the
    Agg renderer, or ``None`` when the layout is not one to remember (another renderer, a
    wrapped text, TeX or mathtext).

    The layout reads: the text, its font properties and the font files they resolve to (which
    depend on the ``font.*`` settings and the fonts registered), the figure's and the
    renderer's resolution, the rotation and its mode, the alignments, the line spacing, and
    the settings that shape the glyphs (hinting, kerning factor, the last-resort font)."""
    if (type(renderer) is not RendererAgg or text._wrap or text._usetex
            or (text._parse_math and "$" in text._text)):
        return None
    props = text._fontproperties
    return (text._text, tuple(vars(props).values()),
            tuple(font_manager.fontManager._find_fonts_by_props(props)),
            text.get_figure(root=True).dpi, renderer.dpi, text.get_rotation(),
            text._rotation_mode, text._horizontalalignment, text._verticalalignment,
            text._multialignment, text._linespacing, _rc("text.hinting"),
            _rc("text.kerning_factor"), _rc("font.enable_last_resort"))


def _remember_text_layouts() -> None:
    """Remember each text's layout (its box, its lines' sizes and places) by what it is made of.

    matplotlib lays a text out again every time its extent is asked for: constrained layout
    measures every tick label twice, the draw again, and a tick label's metrics are measured
    anew in every figure (its metrics cache belongs to one renderer). For the Agg renderer a
    layout depends only on what :func:`_layout_key` collects, so a layout of the same key is
    the same layout: the same numbers, hence the same pixels (a test compares every chart,
    byte for byte, with matplotlib's own layout). Each answer is a fresh copy (its box is
    mutable). Not installed under a matplotlib other than :data:`_CHECKED_MATPLOTLIB`."""
    from matplotlib.text import Text

    own = Text.__dict__.get("_get_layout")
    if (own is None or getattr(own, "_seoulcomm", False)
            or not matplotlib.__version__.startswith(_CHECKED_MATPLOTLIB)):
        return  # another matplotlib, or done already

    def remembered(self, renderer):
        key = _layout_key(self, renderer)
        if key is None:
            return own(self, renderer)
        found = _LAYOUTS.get(key)
        if found is None:
            if len(_LAYOUTS) >= _LAYOUTS_MAX:
                _LAYOUTS.clear()
            found = _LAYOUTS[key] = own(self, renderer)
        box, lines, corner = found
        return box.frozen(), list(lines), corner

    _install(Text, "_get_layout", remembered)


#: Font files' bytes, read once per process (and kept by a forked process).
_FONT_BYTES: dict = {}


def _font_file(path: str) -> io.BytesIO:
    """The font file at ``path`` as an in-memory file (its bytes read from disk once)."""
    data = _FONT_BYTES.get(path)
    if data is None:
        with open(path, "rb") as file:
            data = _FONT_BYTES[path] = file.read()
    return io.BytesIO(data)  # shares ``data`` until written to, which FreeType never does


@functools.lru_cache(64)
def _memory_font(paths, kerning_factor, thread_id, enable_last_resort):
    """``matplotlib.font_manager._get_font``, line for line, with every font file (the
    fallbacks and the last-resort font too) opened from memory instead of by its path."""
    FT2Font = ft2font.FT2Font
    (first_path, first_index), *rest = paths
    fallback_list = [FT2Font(_font_file(path), face_index=index, _kerning_factor=kerning_factor)
                     for path, index in rest]
    last_resort_path = font_manager._cached_realpath(
        matplotlib.cbook._get_data_path("fonts", "ttf", "LastResortHE-Regular.ttf"))
    try:
        last_resort_index = paths.index((last_resort_path, 0))
    except ValueError:
        last_resort_index = -1
        if enable_last_resort:
            fallback_list.append(FT2Font(_font_file(last_resort_path), _kerning_factor=kerning_factor,
                                         _warn_if_used=True))
            last_resort_index = len(fallback_list)
    font = FT2Font(_font_file(first_path), face_index=first_index, _fallback_list=fallback_list,
                   _kerning_factor=kerning_factor)
    if last_resort_index == 0:
        font.set_charmap(0)
    elif last_resort_index > 0:
        fallback_list[last_resort_index - 1].set_charmap(0)
    return font


def _fonts_from_memory() -> None:
    """Let the Agg renderer read its fonts from memory.

    matplotlib opens a font by its path, and FreeType then reads it through a Python file
    object: every glyph loaded (to lay a text out, to measure it, to draw it) is a few seeks
    and reads of a buffered file, which cost more than the glyph itself (a line of Korean text
    was laid out 3-4 times slower). The Agg renderer's fonts are opened here from the same
    bytes held in memory, in the same order, with the same fallbacks and settings
    (:func:`_memory_font`), so FreeType reads the same bytes and gives the same glyphs, metrics
    and pixels (a test compares them with matplotlib's own fonts). Only the Agg renderer's
    text measuring and drawing, and the text layout's font tables (ascent, descent, line gap),
    use them: a PDF or PS backend, which embeds a font by its file name, keeps matplotlib's. Like matplotlib's own font cache, the fonts are per thread and
    are dropped in a forked process (FreeType objects must not be shared across a fork); the
    bytes are kept. Not installed under a matplotlib other than :data:`_CHECKED_MATPLOTLIB`."""
    import matplotlib.text

    own = RendererAgg.__dict__.get("_prepare_font")
    if (own is None or getattr(own, "_seoulcomm", False)
            or not matplotlib.__version__.startswith(_CHECKED_MATPLOTLIB)):
        return
    FontPath = font_manager.FontPath
    realpath = font_manager._cached_realpath
    own_get_font = matplotlib.text.get_font

    def memory_font(files):
        """``font_manager.get_font(files)`` opened from memory, or None for another argument."""
        if type(files) is not list or not all(type(f) is FontPath for f in files):
            return None
        font = _memory_font(tuple((realpath(f.path), f.face_index) for f in files),
                            _rc("text.kerning_factor"), threading.get_ident(),
                            _rc("font.enable_last_resort"))
        font._set_transform([[0x10000, 0], [0, 0x10000]], [0, 0])  # as get_font does
        return font

    def prepare_font(self, font_prop):
        font = memory_font(font_manager.fontManager._find_fonts_by_props(font_prop))
        if font is None:
            return own(self, font_prop)
        font.clear()
        font.set_size(font_prop.get_size_in_points(), self.dpi)
        return font

    def get_font(font_filepaths, *args, **kwargs):
        # the text layout's only use: the font's OS/2, hhea and head tables
        font = None if args or kwargs else memory_font(font_filepaths)
        return own_get_font(font_filepaths, *args, **kwargs) if font is None else font

    _install(RendererAgg, "_prepare_font", prepare_font)
    _install(matplotlib.text, "get_font", get_font)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_memory_font.cache_clear)


def _ticks_once_per_call() -> None:
    """Within one extent or one draw of an Axes (or of an axis alone), update each axis'
    ticks and measure their labels once.

    An Axes' extent (``get_tightbbox``, each constrained-layout pass) and its draw update each
    axis' ticks (locator, formatter, every tick's place and text) and take the extents of their
    labels several times over, unchanged: the axis' own extent or draw, again to place the
    axis label (``_get_tick_boxes_siblings``, whose only sibling is the axis itself unless
    labels are aligned across Axes), again for the title's place (a whole extent of the y
    axis) and for each visible spine's extent. Within one such call nothing changes the axis'
    limits, size or ticks (the Axes is placed first; later calls re-set the same places and
    texts), so the first answers are given again: new lists of the same ticks and boxes (the
    boxes are only read). Every call outside such a scope computes as matplotlib does. Not
    installed under a matplotlib other than :data:`_CHECKED_MATPLOTLIB`."""
    from matplotlib.axes._base import _AxesBase
    from matplotlib.axis import Axis

    own = {(Axis, name): Axis.__dict__.get(name) for name in
           ("get_tightbbox", "draw", "_update_ticks", "_get_ticklabel_bboxes")}
    own.update({(_AxesBase, name): _AxesBase.__dict__.get(name) for name in ("get_tightbbox", "draw")})
    if (None in own.values() or getattr(own[Axis, "draw"], "_seoulcomm", False)
            or not matplotlib.__version__.startswith(_CHECKED_MATPLOTLIB)):
        return

    def scoped(method, axes_of):
        @functools.wraps(method)
        def within(self, *args, **kwargs):
            opened = [axis for axis in axes_of(self) if "_seoulcomm_ticks" not in axis.__dict__]
            for axis in opened:
                axis._seoulcomm_ticks = {}
            try:
                return method(self, *args, **kwargs)
            finally:
                for axis in opened:
                    del axis._seoulcomm_ticks
        return within

    def update_ticks(self):
        memo = self.__dict__.get("_seoulcomm_ticks")
        if memo is None:
            return own[Axis, "_update_ticks"](self)
        ticks = memo.get("ticks")
        if ticks is None:
            ticks = memo["ticks"] = own[Axis, "_update_ticks"](self)
        return list(ticks)

    def ticklabel_bboxes(self, ticks, renderer):
        memo = self.__dict__.get("_seoulcomm_ticks")
        if memo is None:
            return own[Axis, "_get_ticklabel_bboxes"](self, ticks, renderer)
        key = ("boxes", tuple(ticks), renderer)
        found = memo.get(key)
        if found is None:
            found = memo[key] = own[Axis, "_get_ticklabel_bboxes"](self, ticks, renderer)
        return list(found[0]), list(found[1])

    def its_axes(axes):
        return list(axes._axis_map.values())

    def itself(axis):
        return [axis]

    new = {(Axis, "get_tightbbox"): scoped(own[Axis, "get_tightbbox"], itself),
           (Axis, "draw"): scoped(own[Axis, "draw"], itself),
           (Axis, "_update_ticks"): update_ticks,
           (Axis, "_get_ticklabel_bboxes"): ticklabel_bboxes,
           (_AxesBase, "get_tightbbox"): scoped(own[_AxesBase, "get_tightbbox"], its_axes),
           (_AxesBase, "draw"): scoped(own[_AxesBase, "draw"], its_axes)}
    for (cls, name), function in new.items():
        _install(cls, name, function)


def _glyphs_drawn_leaner() -> None:
    """Draw a text's glyphs with the same calls, without building their transform anew.

    ``RendererAgg._draw_text_glyphs_and_boxes`` builds, for every glyph, the same 2×2 matrix of
    the text's angle (and the glyph's slant and extent) with numpy, and looks up the hinting
    setting and the antialiasing again: a third of its time. Here the matrix is built once per
    (slant, extent) with the very expression matplotlib uses, and every FreeType and Agg call
    is made with the same arguments in the same order, so the pixels are the same; a text's
    boxes (mathtext, TeX) are drawn by matplotlib's own code. Not installed under a matplotlib
    other than :data:`_CHECKED_MATPLOTLIB`."""
    from matplotlib.backends.backend_agg import get_hinting_flag
    from matplotlib.ft2font import RenderMode

    own = RendererAgg.__dict__.get("_draw_text_glyphs_and_boxes")
    if (own is None or getattr(own, "_seoulcomm", False)
            or not matplotlib.__version__.startswith(_CHECKED_MATPLOTLIB)):
        return

    def draw_glyphs(self, gc, x, y, angle, glyphs, boxes):
        # y is downwards (matplotlib's code, with the per-glyph constants taken out of its loop)
        cos = math.cos(math.radians(angle))
        sin = math.sin(math.radians(angle))
        load_flags = get_hinting_flag()
        antialiased = gc.get_antialiased()
        mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
        height, dpi, draw_image = self.height, self.dpi, self._renderer.draw_text_image
        matrices: dict = {}
        for font, size, glyph_index, slant, extend, dx, dy in glyphs:  # dy is upwards
            font.set_size(size, dpi)
            matrix = matrices.get((slant, extend))
            if matrix is None:
                matrix = matrices[slant, extend] = (
                    0x10000 * np.array([[cos, -sin], [sin, cos]])
                    @ [[extend, extend * slant], [0, 1]]).round().astype(int)
            font._set_transform(matrix, [round(0x40 * (x + dx * cos - dy * sin)),
                                         round(0x40 * (height - y + dx * sin + dy * cos))])
            bitmap = font._render_glyph(glyph_index, load_flags, mode)
            buffer = bitmap.buffer
            if not antialiased:
                buffer *= 0xff
            draw_image(buffer, bitmap.left, int(height) - bitmap.top + buffer.shape[0], 0, gc)
        if boxes:
            own(self, gc, x, y, angle, (), boxes)

    _install(RendererAgg, "_draw_text_glyphs_and_boxes", draw_glyphs)


apply_style()


# --------------------------------------------------------------------------- output

def rgba(fig: Figure, *, dpi: int = DPI) -> tuple[bytes, int, int]:
    """The figure's pixels as ``savefig(format="rgba", dpi=dpi)`` gives them, with their
    width and height, drawn once: laid out at ``dpi``, then one Agg draw with the layout
    engine off (savefig first adds a dry draw of every artist). The figure is left as it was."""
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    engine, own_dpi, own_face = fig.get_layout_engine(), fig.dpi, fig.get_facecolor()
    with matplotlib.rc_context(_STYLE):
        try:
            fig.dpi = dpi
            fig.set_facecolor(matplotlib.rcParams["savefig.facecolor"])
            if engine is not None:
                engine.execute(fig)
                fig.set_layout_engine("none")
            canvas.draw()
            width, height = (int(v) for v in canvas.get_width_height(physical=True))
            return bytes(canvas.buffer_rgba()), width, height
        finally:
            fig.dpi = own_dpi
            fig.set_facecolor(own_face)
            if engine is not None:
                fig.set_layout_engine(engine)


def png(fig: Figure, *, dpi: int = DPI) -> bytes:
    """The figure as a compact PNG (palette of :data:`PNG_COLORS` colours): its :func:`rgba`
    pixels colour-reduced and encoded once (no PNG decode and re-encode)."""
    from PIL import Image

    raw, width, height = rgba(fig, dpi=dpi)
    # the RGB of each RGBA pixel, read in one pass (what .convert("RGB") of the RGBA image gives)
    image = Image.frombytes("RGB", (width, height), raw, "raw", "RGBX")
    small = image.quantize(colors=PNG_COLORS, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    out = io.BytesIO()
    small.save(out, format="PNG")
    return out.getvalue()


def show(fig: Figure | None) -> None:
    """Display a chart in the notebook (as a PNG shown :data:`DISPLAY_WIDTH` wide)."""
    if fig is None:
        return
    from IPython.display import Image, display

    data = png(fig)
    width = min(DISPLAY_WIDTH, int(fig.get_figwidth() * DPI))
    display(Image(data=data, format="png", width=width))


# --------------------------------------------------------------------------- helpers

def _new(width: float, height: float) -> tuple[Figure, object]:
    # at the resolution it is drawn at: a chart laid out to place a label (_clear_of_line) is
    # then laid out once, as :func:`rgba` would lay it out
    fig = Figure(figsize=(width, height), layout="constrained", dpi=DPI)
    FigureCanvasAgg(fig)  # a renderer to measure labels with (no window, no pyplot)
    ax = fig.add_subplot()
    return fig, ax


def _wrap(text: str, width: int = 18) -> str:
    """Wrap a Korean label on spaces, at most two lines (the rest cut with …)."""
    lines = textwrap.wrap(str(text), width=width, break_long_words=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: width - 1] + "…"]
    return "\n".join(lines)


def _money_axis(axis, label: str) -> None:
    """An amount axis: grouped ticks (1,234), about five of them, and the unit in its label."""
    axis.set_major_formatter(FuncFormatter(_grouped))
    axis.set_major_locator(MaxNLocator(5))
    axis.set_label_text(label)


def _grouped(value, _pos=None) -> str:
    return units.fmt_number(value, 0)


def _percent(value, _pos=None) -> str:
    return f"{units.fmt_number(value, 0)}%"


def _in_unit(won: pd.Series, unit: str) -> np.ndarray:
    return np.array([np.nan if pd.isna(v) else int(v) / units.factor(unit) for v in won], dtype=float)


def _date_text(value) -> str:
    ts = pd.Timestamp(value)
    return f"{ts.year}. {ts.month}. {ts.day}."


def _lines(labels) -> int:
    """The most lines any of ``labels`` takes."""
    return max((str(t).count("\n") + 1 for t in labels), default=1)


def _row_height(labels, single: float = 0.42, extra: float = 0.2) -> float:
    """Height of one bar row [in]: more when a label wraps, so wrapped labels do not crowd."""
    return single + extra * (_lines(labels) - 1)


def _clear_of_line(fig: Figure, ax, texts, x_line: float, x_after: float, gap_px: float = 3.0) -> None:
    """Move each value label that a vertical line at ``x_line`` would cut to start at
    ``x_after`` (just right of the line). Measured after layout, in pixels.

    The layout made here is kept (the layout engine is then set aside, so :func:`rgba` and
    ``savefig`` draw without laying the chart out again) when every label it moved stays
    within the axes' width before and after: the layout, which leaves room for what sticks
    out of the axes, is then the one the moved labels would give. Otherwise the chart is laid
    out again when it is drawn, as any chart is."""
    engine = fig.get_layout_engine()
    with matplotlib.rc_context(_STYLE):
        engine.execute(fig)  # where the axes go; the texts need no drawing
        renderer = fig.canvas.get_renderer()
        line = ax.transData.transform((x_line, 0))[0]
        left, right = ax.get_window_extent(renderer).intervalx
        inside = True
        for text in texts:
            box = text.get_window_extent(renderer)
            if box.x0 - gap_px <= line <= box.x1 + gap_px:
                text.set_x(x_after)
                moved = text.get_window_extent(renderer)
                inside = inside and left <= min(box.x0, moved.x0) and max(box.x1, moved.x1) <= right
    if inside:
        fig.set_layout_engine("none")


# --------------------------------------------------------------------------- charts

def pace(rows: pd.DataFrame, *, year, title: str | None = None) -> Figure | None:
    """Each line's 집행률 against the share of the year elapsed (a vertical line).

    Parameters
    ----------
    rows : :func:`seoulcomm.views.spending_lines` (one snapshot, rates as printed).
    year : budget year (for the title).
    """
    rows = rows[rows["execution_rate"].notna().to_numpy(dtype=bool)]
    if rows.empty:
        return None
    rows = rows.iloc[::-1]  # first program on top
    rates = rows["execution_rate"].to_numpy(dtype=float)
    flags = rows["pace_flag"].astype("string").fillna("none").to_numpy()
    elapsed = float(rows["elapsed"].iloc[0])
    names = [_wrap(n, 22) for n in rows["name"].astype(str)]
    fig, ax = _new(7.6, _row_height(names) * len(rows) + 1.4)
    y = np.arange(len(rows))
    ax.barh(y, [100] * len(rows), color=COLORS["grid"], height=0.62, zorder=1)
    ax.barh(y, rates, color=[COLORS.get(f, COLORS["none"]) for f in flags], height=0.62, zorder=2)
    values = [ax.text(min(rate, 100) + 1.2, yi, units.fmt_rate(rate), va="center", fontsize=9.5,
                      color=COLORS["ink"], zorder=5) for yi, rate in zip(y, rates)]
    ax.axvline(elapsed, color=COLORS["elapsed"], linewidth=1.6, zorder=4)
    judged = "reference_rate" in rows.columns and \
        rows["reference"].astype("string").fillna("경과").ne("경과").any()
    if judged:   # a line judged against its plan or the year before: its reference marked
        other = rows["reference"].astype("string").fillna("경과").ne("경과").to_numpy(dtype=bool)
        ax.scatter(rows["reference_rate"].to_numpy(dtype=float)[other], y[other], marker="|", s=260,
                   linewidths=2.4, color=COLORS["ink"], zorder=6)
    date = rows["as_of"].dropna().max()
    ax.text(elapsed, len(rows) - 0.45, f" 연간 경과율 {units.fmt_rate(elapsed)}"
            + (f" ({_date_text(date)})" if not pd.isna(date) else ""),
            color=COLORS["elapsed"], fontsize=9.5, va="bottom", ha="left")
    # tick settings first: the ticks are then made with them, not made and then changed
    ax.tick_params(axis="y", length=0, pad=6)
    ax.set_yticks(y, names)
    ax.set_xlim(0, 105)
    ax.set_ylim(-0.6, len(rows) + 0.2)
    ax.xaxis.set_major_formatter(FuncFormatter(_percent))
    ax.set_xlabel("집행률 (집행액 ÷ 예산현액, %)")
    words = labels.VALUE_LABELS["pace_flag"]
    handles = [Patch(color=COLORS[k], label=words[k]) for k in ("lagging", "on_pace", "ahead")]
    if judged:
        handles.append(Line2D([], [], marker="|", markersize=14, markeredgewidth=2.4, linestyle="none",
                              color=COLORS["ink"], label="기준 집행률(계획·전년)"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    ax.set_title(title or f"사업별 집행률과 연간 경과율 ({int(year)}년)")
    # a rate that ends just short of the 경과율 line has its label moved past the line
    _clear_of_line(fig, ax, values, elapsed, elapsed + 1.0)
    return fig


def budget_execution(rows: pd.DataFrame, *, name: str, unit: str) -> Figure | None:
    """A unit's budget available and executed in each year (one row per year).

    The light bar is 예산현액 (a year from the division table: 예산액), the dark bar inside
    it 집행액; both figures stand to the right.

    Parameters
    ----------
    rows : :func:`seoulcomm.views.unit_totals` of one unit.
    name : the unit's Korean name.
    unit : money unit of the axis (from the catalog).
    """
    rows = rows.sort_values("year")
    if rows.empty:
        return None
    available = _in_unit(rows["available"], unit)
    executed = _in_unit(rows["executed"], unit)
    closed = rows["settlement"] if "settlement" in rows else [False] * len(rows)
    ticks = [f"{int(y)}년\n{labels.period_short(d, settled=bool(c))}"
             for y, d, c in zip(rows["year"], rows["as_of"], closed)]
    # the division table states 예산액 (no carry-over), the detail 예산현액
    settled = [str(t) == "execution_division" for t in rows.get("table", [""] * len(rows))]
    words = ["예산액" if s else "예산현액" for s in settled]
    fig, ax = _new(7.6, 0.95 * len(rows) + 1.5)
    y = np.arange(len(rows))[::-1]
    legend = ("예산액" if all(settled) else
              "예산현액 (부서별 집행현황 연도는 예산액)" if any(settled) else "예산현액")
    ax.barh(y, available, color=COLORS["budget"], height=0.62, label=legend)
    ax.barh(y, executed, color=COLORS["executed"], height=0.34, label="집행액")
    top = np.nanmax(available)
    for yi, a, e, rate, word in zip(y, available, executed, rows["execution_rate"], words):
        ax.text(a + top * 0.015, yi + 0.14, f"{word} {units.fmt_number(a)}", va="center",
                fontsize=9.5, color=COLORS["muted"])
        ax.text(a + top * 0.015, yi - 0.16, f"집행 {units.fmt_number(e)} ({units.fmt_rate(rate)})",
                va="center", fontsize=9.5, color=COLORS["executed"], fontweight="bold")
    # tick settings first: the ticks are then made with them, not made and then changed
    ax.tick_params(axis="y", length=0, pad=10)
    ax.set_yticks(y, ticks)
    for tick in ax.get_yticklabels():
        tick.set_linespacing(1.35)
    ax.set_xlim(0, top * 1.5)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    _money_axis(ax.xaxis, f"금액 ({unit})")
    fig.legend(loc="outside lower center", ncols=2)
    ax.set_title(f"{name} 연도별 {legend.split(' ')[0]}과 집행액")
    return fig


def divisions(rows: pd.DataFrame, *, names: dict, year, unit: str) -> Figure | None:
    """The divisions side by side: budget available, executed and 집행률 of one year.

    Parameters
    ----------
    rows : :func:`seoulcomm.views.unit_totals` of ``year``, one row per division, in order;
        a row of unit :data:`seoulcomm.views.OTHERS` (the divisions folded into one, see
        :func:`seoulcomm.views.fold`) is drawn last, in grey.
    names : unit → Korean name (with the 기타 line's).
    unit : money unit of the axis.
    """
    if rows.empty:
        return None
    available = _in_unit(rows["available"], unit)
    executed = _in_unit(rows["executed"], unit)
    from_detail = "table" in rows.columns and (rows["table"] == "budget_detail").any()
    what = "예산현액(세부내역)" if from_detail else "예산액(집행현황)"
    fig, ax = _new(7.6, 0.62 * len(rows) + 1.6)
    y = np.arange(len(rows))[::-1]
    other = (rows["unit"].astype(str) == OTHERS).to_numpy()
    ax.barh(y, available, height=0.62, label=what,
            color=np.where(other, COLORS["others_budget"], COLORS["budget"]))
    ax.barh(y, executed, height=0.36, label="집행액",
            color=np.where(other, COLORS["others"], COLORS["executed"]))
    top = np.nanmax(available)
    for yi, a, rate in zip(y, available, rows["execution_rate"]):
        ax.text(a + top * 0.01, yi, f"{units.fmt_number(a)}  집행률 {units.fmt_rate(rate)}",
                va="center", fontsize=9.5, color=COLORS["ink"])
    # tick settings first: the ticks are then made with them, not made and then changed
    ax.tick_params(axis="y", length=0, pad=6)
    ax.set_yticks(y, [names.get(u, u) for u in rows["unit"]])
    ax.set_xlim(0, top * 1.35)
    _money_axis(ax.xaxis, f"금액 ({unit})")
    fig.legend(loc="outside lower center", ncols=2)
    date = rows["as_of"].dropna().max()
    closed = bool(rows["settlement"].fillna(False).all()) if "settlement" in rows else False
    when = f", {labels.period_short(date, settled=closed)}" if not pd.isna(date) else ""
    ax.set_title(f"부서별 {what.split('(')[0]}과 집행액 ({int(year)}년{when})")
    return fig


def execution_by_year(totals: pd.DataFrame, *, names: dict, order: list[str]) -> Figure | None:
    """Each division's 집행률 in each year of ``totals`` (settled years and this one).

    Parameters
    ----------
    totals : :func:`seoulcomm.views.unit_totals`.
    order : the divisions to show, in order.
    """
    years = sorted(int(y) for y in totals["year"].dropna().unique())
    if not years or not order:
        return None
    crowded = len(order) * len(years) > 12  # value labels this many would run into each other
    fig, ax = _new(7.6, 3.8 if crowded else 3.2)
    width = 0.8 / len(years)
    x = np.arange(len(order))
    shades = ["#9fb3cf", COLORS["executed"], "#0f2f5a", "#6d86a8"]
    for i, year in enumerate(years):
        rows = totals[(totals["year"] == year).to_numpy(dtype=bool)].set_index("unit").reindex(order)
        rates = rows["execution_rate"].to_numpy(dtype=float)
        date = rows["as_of"].dropna().max()
        closed = bool(rows["settlement"].fillna(False).all()) if "settlement" in rows else False
        when = f" ({labels.period_short(date, settled=closed)})" if not pd.isna(date) else ""
        pos = x - 0.4 + width * (i + 0.5)
        ax.bar(pos, rates, width=width * 0.92, color=shades[i % len(shades)], label=f"{year}년{when}")
        for px, r in zip(pos, rates):
            if not np.isnan(r):
                ax.text(px, r + 1.5, units.fmt_rate(r, 0) if crowded else units.fmt_rate(r),
                        ha="center", fontsize=7 if crowded else 9, color=COLORS["ink"])
    ax.set_xticks(x, [_wrap(names.get(u, u), 8) for u in order])
    if crowded:  # names side by side would run together: slanted, ending under their bars
        for tick in ax.get_xticklabels():
            tick.set(rotation=35, ha="right", rotation_mode="anchor", fontsize=8.5)
    ax.set_ylim(0, 112)
    ax.yaxis.set_major_formatter(FuncFormatter(_percent))
    ax.set_ylabel("집행률 (%)")
    ax.grid(axis="y")
    ax.set_axisbelow(True)
    fig.legend(loc="outside lower center", ncols=len(years))
    ax.set_title("부서별 집행률: 연도별 비교")
    return fig


def execution_path(path: pd.DataFrame, *, names: dict | None = None, year,
                   reference: float | None = None, reference_label: str = "",
                   title: str | None = None) -> Figure | None:
    """집행률 at each as-of date of the year against the share of the year elapsed.

    Parameters
    ----------
    path : :func:`seoulcomm.views.execution_path` (one line per ``key``).
    names : key → label (default: the path's ``name``).
    reference : the prior year's settled 집행률 [%], drawn as a horizontal line.
    """
    if path is None or path.empty or path["as_of"].nunique() < 2:
        return None
    year = int(year)
    lines = path["key"].nunique()
    many = lines > 4  # many lines: no value labels (they would overlap), a taller legend
    fig, ax = _new(7.6, 3.8 + (0.22 * ((lines + 2) // 2) if many else 0))
    lo = pd.Timestamp(year=year, month=1, day=1)
    hi = pd.Timestamp(year=year, month=12, day=31)
    ax.plot([lo, hi], [0, 100], color=COLORS["elapsed"], linewidth=1.2, linestyle="--",
            label="연간 경과율")
    palette = LINE_COLORS
    for i, (key, rows) in enumerate(path.groupby("key", sort=False)):
        rows = rows.sort_values("as_of")
        label = (names or {}).get(key, str(rows["name"].iloc[0]))
        color = COLORS["others"] if key == OTHERS else palette[i % len(palette)]
        ax.plot(rows["as_of"], rows["execution_rate"], marker="s" if key == OTHERS else "o",
                markersize=4, color=color, label=_wrap(label, 22))
        last = rows.iloc[-1]
        if not many:
            ax.text(last["as_of"], float(last["execution_rate"]) + 1.5,
                    units.fmt_rate(last["execution_rate"]), fontsize=8.5, ha="center",
                    color=color)
    if reference is not None and not pd.isna(reference):
        ax.axhline(float(reference), color=COLORS["muted"], linewidth=1.0, linestyle=":")
        ax.text(lo, float(reference) + 1.2, f" {reference_label} {units.fmt_rate(reference)}",
                fontsize=8.5, color=COLORS["muted"], va="bottom")
    ax.set_xlim(lo, hi)
    ax.set_ylim(0, 105)
    ax.yaxis.set_major_formatter(FuncFormatter(_percent))
    ax.set_ylabel("집행률 (%)")
    months = pd.date_range(lo, hi, freq="MS")
    ax.set_xticks(months, [f"{m.month}월" for m in months])
    ax.grid(axis="y")
    ax.set_axisbelow(True)
    n = path["key"].nunique() + 1
    fig.legend(loc="outside lower center", ncols=2 if n > 4 else n)
    ax.set_title(title or f"{year}년 기준일별 집행률과 연간 경과율")
    return fig


def top_programs(rows: pd.DataFrame, *, names: dict, order: list[str], year,
                 unit: str) -> Figure | None:
    """The largest unit programs by 예산편성액, coloured by division.

    Parameters
    ----------
    rows : :func:`seoulcomm.views.top_programs`.
    order : the divisions, in order (for the colours).
    """
    if rows.empty:
        return None
    rows = rows.iloc[::-1]
    names_y = [_wrap(t, 24) for t in rows["name"].astype(str)]
    palette = ["#1f4e8c", "#d08a1e", "#2e7d4f", "#8e4c9e", "#5a6473", "#b03a2e"]
    color_of = {u: palette[i % len(palette)] for i, u in enumerate(order)}
    budget = _in_unit(rows["budget"], unit)
    fig, ax = _new(7.6, _row_height(names_y, 0.38) * len(rows) + 1.6)
    y = np.arange(len(rows))
    ax.barh(y, budget, color=[color_of.get(u, COLORS["none"]) for u in rows["unit"]], height=0.62)
    top = np.nanmax(budget)
    for yi, b in zip(y, budget):
        ax.text(b + top * 0.01, yi, units.fmt_number(b), va="center", fontsize=9.5)
    # tick settings first: the ticks are then made with them, not made and then changed
    ax.tick_params(axis="y", length=0, pad=6)
    ax.set_yticks(y, names_y)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(0, top * 1.15)
    _money_axis(ax.xaxis, f"예산편성액 ({unit})")
    present = [u for u in order if u in set(rows["unit"])]
    handles = [Patch(color=color_of[u], label=names.get(u, u)) for u in present]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4) or 1)
    ax.set_title(f"예산 규모 상위 {len(rows)}개 사업 ({int(year)}년)")
    return fig


def timeline(steps: pd.DataFrame, *, year=None, as_of=None, title: str | None = None) -> Figure | None:
    """The year's plan as a timeline: one bar per step, by month.

    A step without an end (the source's ``'16.5월~``) runs to the end of the year and ends
    in an arrow. Finished steps are grey; the as-of date is a vertical line.

    Parameters
    ----------
    steps : :func:`seoulcomm.views.schedule_steps` (``step, start, end, kind``, and
        ``section`` when there is one).
    year : the plan's year (default: the year most steps start in).
    as_of : date-like, optional — drawn as "기준일".
    """
    if steps is None or steps.empty:
        return None
    steps = steps.reset_index(drop=True)
    if year is None:  # the plan's year: the one most steps start in
        year = pd.to_datetime(steps["start"]).dt.year.mode().iloc[0]
    year = int(year)
    year_start = pd.Timestamp(year=year, month=1, day=1)
    year_end = pd.Timestamp(year=year + 1, month=1, day=1)
    starts = pd.to_datetime(steps["start"])
    open_ended = steps["end"].isna().to_numpy(dtype=bool)
    # a month "2016-07" as an end means the end of July
    ends = pd.to_datetime(steps["end"]).fillna(year_end - pd.offsets.MonthBegin(1)) + pd.offsets.MonthBegin(1)
    lo = min(starts.min(), year_start)
    hi = max(ends.max(), year_end)
    labels = steps["step"].astype(str)
    if "section" in steps.columns:
        labels = steps["section"].astype(str) + " " + labels
    labels = [_wrap(t, 21) for t in labels]
    # rows grow when a label wraps, so two-line labels keep clear of each other
    fig, ax = _new(7.6, _row_height(labels, 0.42, 0.22) * len(steps) + 1.7)
    y = np.arange(len(steps))[::-1]
    kinds = steps["kind"].astype(str).to_numpy()
    ax.axvspan(year_start, year_end, color=COLORS["year"], zorder=0)
    for yi, s, e, k, op in zip(y, starts, ends, kinds, open_ended):
        color = COLORS["done"] if k == "done" else COLORS["plan"]
        ax.barh(yi, (e - s).days, left=s, height=0.56, color=color, zorder=2)
        if op:
            ax.plot([e], [yi], marker=">", markersize=7, color=color, zorder=3, clip_on=False)
    # tick settings first: the ticks are then made with them, not made and then changed
    ax.tick_params(axis="x", which="minor", length=0, labelsize=8)
    ax.tick_params(axis="y", length=0, pad=6)
    ax.grid(axis="x", which="major", color="white", linewidth=1.2, zorder=1)
    ax.set_yticks(y, labels)
    for tick in ax.get_yticklabels():
        tick.set_linespacing(1.15)
    ax.set_ylim(-0.8, len(steps) - 0.3)
    # room for the open-end arrows past the last month; the axis line stops at the year's end
    ax.set_xlim(lo, hi + pd.Timedelta(days=10 if open_ended.any() else 0))
    ax.spines["bottom"].set_bounds(mdates.date2num(lo), mdates.date2num(hi))
    months = pd.date_range(lo, hi, freq="MS")[:-1]
    ax.set_xticks(list(months) + [hi], [""] * (len(months) + 1))
    several_years = len({m.year for m in months}) > 1
    seen: set[int] = set()
    labels_x = []
    for m in months:
        first = several_years and m.year not in seen
        seen.add(m.year)
        labels_x.append(f"{m.month}월\n{m.year}년" if first else f"{m.month}월")
    ax.set_xticks(months + pd.Timedelta(days=15), labels_x, minor=True)
    ax.set_axisbelow(False)
    ax.set_xlabel(f"월 (음영: {year}년)" if several_years else f"{year}년 월별 일정")
    if as_of is not None and not pd.isna(as_of):
        when = pd.Timestamp(as_of)
        if lo <= when <= hi:
            ax.axvline(when, color=COLORS["elapsed"], linewidth=1.4, zorder=4)
            ax.text(when, -0.65, f" 기준일 {_date_text(when)}", color=COLORS["elapsed"],
                    fontsize=9, va="bottom", zorder=5,
                    bbox=dict(facecolor="white", edgecolor="none", pad=1.0, alpha=0.9))
    handles = [Patch(color=COLORS["plan"], label="계획")]
    if open_ended.any():
        handles.append(Line2D([], [], marker=">", linestyle="", color=COLORS["plan"],
                              label="끝을 정하지 않은 일정(~)"))
    if (kinds == "done").any():
        handles.insert(1, Patch(color=COLORS["done"], label="완료"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    ax.set_title(title or f"{year}년 추진일정", pad=10)
    return fig


def program_trend(trend: pd.DataFrame, closed: pd.DataFrame, *, unit: str) -> Figure | None:
    """The program's budget by year, with what was executed in the settled years.

    Parameters
    ----------
    trend : :func:`seoulcomm.calc.growth` of the budget series [원], indexed by year.
    closed : :func:`seoulcomm.views.program_settlements` (the program's settled years).
    unit : money unit of the axis.
    """
    if trend is None or trend.empty:
        return None
    years = [int(y) for y in trend.index]
    budget = _in_unit(trend["value"], unit)
    executed = closed.set_index(closed["year"].astype(int))
    fig, ax = _new(7.6, 3.3)
    x = np.arange(len(years))
    ax.bar(x, budget, width=0.62, color=COLORS["budget"], label="예산(당초)")
    ex = np.array([int(executed["executed"].get(y)) / units.factor(unit) if y in executed.index
                   else np.nan for y in years])
    ax.bar(x, ex, width=0.34, color=COLORS["executed"], label="집행액 (결산)")
    top = np.nanmax(budget)
    for xi, b, e, y in zip(x, budget, ex, years):
        ax.text(xi, b + top * 0.02, units.fmt_number(b), ha="center", fontsize=9.5)
        if not np.isnan(e):
            rate = executed.loc[y, "execution_rate"]
            ax.text(xi, e / 2, f"{units.fmt_rate(rate)}", ha="center", va="center",
                    fontsize=9, color="white")
    ax.set_xticks(x, [f"{y}년" for y in years])
    ax.set_ylim(0, top * 1.15)
    _money_axis(ax.yaxis, f"금액 ({unit})")
    ax.grid(axis="y")
    ax.set_axisbelow(True)
    ax.legend(loc="upper right")
    ax.set_title("연도별 예산과 결산 집행액")
    return fig


def cost_groups(rollup: pd.DataFrame, *, unit: str) -> Figure | None:
    """The year's cost groups (○ lines of the 산출근거) as horizontal bars, in ``unit``.

    Parameters
    ----------
    rollup : :func:`seoulcomm.views.cost_lines`' roll-up of one program.
    """
    rows = rollup[(rollup["level"] == "group").fillna(False).to_numpy(dtype=bool)]
    if rows.empty:
        return None
    rows = calc.shares(rows, "stated").iloc[::-1]
    amounts = _in_unit(rows["stated"], unit)
    # the group's name, and under it the expense item it belongs to
    names = [f"{_wrap(g, 22)}\n({i})" for g, i in zip(rows["group"], rows["item"])]
    fig, ax = _new(7.6, _row_height(names, 0.34, 0.2) * len(rows) + 1.5)
    y = np.arange(len(rows))
    ax.barh(y, amounts, color=COLORS["executed"], height=0.58)
    top = np.nanmax(amounts)
    for yi, a, share in zip(y, amounts, rows["share"]):
        ax.text(a + top * 0.01, yi, f"{units.fmt_number(a)} ({units.fmt_rate(share)})",
                va="center", fontsize=9.5)
    # tick settings first: the ticks are then made with them, not made and then changed
    ax.tick_params(axis="y", length=0, pad=6)
    ax.set_yticks(y, names)
    for tick in ax.get_yticklabels():
        tick.set_linespacing(1.2)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    ax.set_xlim(0, top * 1.3)
    _money_axis(ax.xaxis, f"금액 ({unit})")
    years = ", ".join(str(int(y)) for y in rows["year"].dropna().unique())
    ax.set_title(f"{years}년 산출내역: 세부 사업별 금액")
    return fig


__all__ = [
    "FONT_FAMILY", "COLORS", "font_dir", "register_fonts", "apply_style", "png", "show", "pace",
    "budget_execution", "divisions", "execution_by_year", "execution_path", "top_programs", "timeline",
    "program_trend", "cost_groups",
]
