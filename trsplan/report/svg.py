"""The drawing kit of the report charts: an SVG canvas, text metrics, scales, ticks, legends
and the frame of a chart on a year axis. ``trsplan.report.figures`` draws the charts with it.

Charts are written as SVG directly: about 1 ms a chart, where matplotlib took 60-100 ms (its
artist machinery, tick objects and glyph rasterising were most of a report's time: 11 charts in
each of 358 reports). The text stays text (the browser and WeasyPrint draw it, sharp in print and
selectable) and the layout is computed, not measured: tick positions come from matplotlib's
``MaxNLocator``, text widths from DejaVu Sans' metrics (the font the SVG asks for first, shipped
with matplotlib), read once through Pillow.
"""

from __future__ import annotations

import functools
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.ticker import MaxNLocator
from PIL import ImageFont

from trsplan.report.text import fmt_number, words

GRID = "#CCCCCC"
INK = "#262626"
FONT_FAMILY = "'DejaVu Sans', Verdana, Arial, sans-serif"
#: pixels per inch: an 8-inch chart is 880 px wide (~140 ppi printed across an A4 text column)
FIGURE_DPI = 110
WIDTH_IN, HEIGHT_IN = 8.0, 4.0
PAD_INCHES = 0.1  # white margin around a figure's content
TITLE_SIZE = 12.0  # points, as every other size here


def px(points: float) -> float:
    return points * FIGURE_DPI / 72


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x0 < other.x1 and other.x0 < self.x1 and self.y0 < other.y1 and other.y0 < self.y1
        )


@dataclass(frozen=True)
class Chart:
    """A drawn chart: its SVG, size in pixels, the value axis' range and every text's box
    (role, text, box), so tests and callers can check it without parsing the SVG."""

    svg: str
    width: int
    height: int
    value_range: tuple[float, float]
    texts: tuple[tuple[str, str, Box], ...] = ()
    plot: Box = field(default_factory=lambda: Box(0, 0, 0, 0))

    @property
    def axis_not_zero(self) -> bool:
        """The value axis of positive data does not start at zero (the chart says so)."""
        return any(role == "note" for role, _, _ in self.texts)

    def texts_of(self, role: str) -> list[str]:
        return [text for r, text, _ in self.texts if r == role]

    def _repr_svg_(self) -> str:
        return self.svg


# ---- text -------------------------------------------------------------------------------------


@functools.cache
def _font(bold: bool) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / name), 100)


@functools.lru_cache(maxsize=8192)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width in pixels of ``text`` at ``size`` points in DejaVu Sans."""
    return _font(bold).getlength(text) * px(size) / 100


def wrap_to_width(text: str, width: float, size: float, bold: bool = False) -> list[str]:
    """Greedy word wrap by measured width; a single over-long word gets a line of its own."""
    lines: list[str] = []
    for word in text.split():
        if lines and text_width(f"{lines[-1]} {word}", size, bold) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


class Canvas:
    """SVG elements in drawing order, and the boxes of the texts written."""

    def __init__(self, width: float, height: float) -> None:
        self.width, self.height = width, height
        self.parts: list[str] = [f'<rect width="{width:.0f}" height="{height:.0f}" fill="white"/>']
        self.texts: list[tuple[str, str, Box]] = []
        self.defs: list[str] = []

    def add(self, element: str) -> None:
        self.parts.append(element)

    def text(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        role: str,
        anchor: str = "start",
        bold: bool = False,
        italic: bool = False,
        rotate: bool = False,
    ) -> Box:
        """``text`` with its vertical middle at ``y`` (rotated: reading upwards, middle at x)."""
        width, height = text_width(text, size, bold), px(size)
        shift = {"start": 0.0, "middle": -width / 2, "end": -width}[anchor]
        attrs = f'font-size="{px(size):.1f}"'
        attrs += ' font-weight="bold"' if bold else ""
        attrs += ' font-style="italic"' if italic else ""
        attrs += f' text-anchor="{anchor}"' if anchor != "start" else ""
        if rotate:
            box = Box(x - height / 2, y - width - shift, x + height / 2, y - shift)
            base = x + 0.36 * height
            attrs += f' transform="rotate(-90 {base:.1f} {y:.1f})"'
            self.add(f'<text x="{base:.1f}" y="{y:.1f}" {attrs}>{html.escape(text)}</text>')
        else:
            box = Box(x + shift, y - height / 2, x + shift + width, y + height / 2)
            base = y + 0.36 * height  # the alphabetic baseline of a line centred on y
            self.add(f'<text x="{x:.1f}" y="{base:.1f}" {attrs}>{html.escape(text)}</text>')
        self.texts.append((role, text, box))
        return box

    def line(self, x0, y0, x1, y1, colour: str, width: float, dash: str = "") -> None:
        extra = f' stroke-dasharray="{dash}"' if dash else ""
        self.add(
            f'<line x1="{x0:.1f}" y1="{y0:.1f}" x2="{x1:.1f}" y2="{y1:.1f}" '
            f'stroke="{colour}" stroke-width="{width:.2f}"{extra}/>'
        )

    def border(self, box: Box) -> None:
        """The plot area's light frame."""
        self.add(
            f'<rect x="{box.x0:.1f}" y="{box.y0:.1f}" width="{box.x1 - box.x0:.1f}" '
            f'height="{box.y1 - box.y0:.1f}" fill="none" stroke="{GRID}" stroke-width="1.25"/>'
        )

    def done(self) -> str:
        defs = f"<defs>{''.join(self.defs)}</defs>" if self.defs else ""
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{self.width:.0f}" '
            f'height="{self.height:.0f}" viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
            f'font-family="{FONT_FAMILY}" fill="{INK}">{defs}{"".join(self.parts)}</svg>'
        )


def titled_canvas(title: str, height_in: float) -> tuple[Canvas, float, float]:
    """A chart's canvas (``WIDTH_IN`` wide) with its title wrapped by measured width and drawn
    at the top left: (canvas, padding, the y where the plot area may start)."""
    svg, pad = Canvas(px(WIDTH_IN * 72), px(height_in * 72)), px(PAD_INCHES * 72)
    lines = wrap_to_width(title, svg.width - 2 * pad, TITLE_SIZE, bold=True)
    line_height = 1.25 * px(TITLE_SIZE)
    for n, line in enumerate(lines):
        svg.text(pad, pad + (n + 0.5) * line_height, line, TITLE_SIZE, role="title", bold=True)
    return svg, pad, pad + len(lines) * line_height + 0.5 * px(TITLE_SIZE)


def points(xs: Sequence[float], ys: Sequence[float]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))


# ---- scales and ticks -------------------------------------------------------------------------


def view(values: np.ndarray, zero: bool = False, margin: float = 0.05) -> tuple[float, float]:
    """Data limits with matplotlib's 5 % margins; bars keep zero as a sticky edge."""
    finite = values[np.isfinite(values)]
    low, high = (float(finite.min()), float(finite.max())) if len(finite) else (0.0, 1.0)
    if zero:
        low, high = min(low, 0.0), max(high, 0.0)
    span = high - low or (abs(high) * 0.1 or 1.0)
    low2 = low if (zero and low == 0) else low - margin * span
    high2 = high if (zero and high == 0) else high + margin * span
    return low2, high2


def ticks(low: float, high: float, bins: int, integer: bool = False) -> list[float]:
    locator = MaxNLocator(nbins=max(2, bins), steps=[1, 2, 2.5, 5, 10], integer=integer)
    eps = (high - low) * 1e-9
    return [float(t) for t in locator.tick_values(low, high) if low - eps <= t <= high + eps]


def tick_decimals(ticks: Sequence[float]) -> int:
    """The fewest decimals that show every tick exactly (0,25 needs two, 1 500 none), so no two
    tick labels read alike."""
    for decimals in range(7):
        if all(abs(round(t, decimals) - t) < 1e-9 * max(1.0, abs(t)) for t in ticks):
            return decimals
    return 6


def tick_labels(ticks: Sequence[float], lang: str) -> list[str]:
    decimals = tick_decimals(ticks)
    return [fmt_number(0.0 if abs(t) < 1e-12 else t, decimals, lang) for t in ticks]


# ---- legends ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """A legend entry: ``kind`` is line, band or bar; ``dash`` an SVG dash pattern."""

    text: str
    kind: str
    colour: str
    width: float = 1.5
    dash: str = ""
    marker: str = ""
    opacity: float = 1.0


def legend_rows(entries: Sequence[Entry], size: float, room: float, ncols: int) -> list[list]:
    handle, gap, spacing = 2.0 * px(size), 0.8 * px(size), 2.0 * px(size)
    widths = [handle + gap + text_width(e.text, size) for e in entries]
    for cols in range(min(ncols, len(entries)), 0, -1):
        rows = [list(range(i, min(i + cols, len(entries)))) for i in range(0, len(entries), cols)]
        if all(sum(widths[i] for i in r) + spacing * (len(r) - 1) <= room for r in rows):
            return [[(entries[i], widths[i]) for i in r] for r in rows]
    return [[(e, w)] for e, w in zip(entries, widths, strict=True)]


def legend_height(rows: list[list], size: float) -> float:
    return len(rows) * 1.4 * px(size) if rows else 0.0


def draw_legend(svg: Canvas, rows: list[list], top: float, centre: float, size: float) -> None:
    handle, gap, spacing = 2.0 * px(size), 0.8 * px(size), 2.0 * px(size)
    for n, row in enumerate(rows):
        y = top + (n + 0.5) * 1.4 * px(size)
        x = centre - (sum(w for _, w in row) + spacing * (len(row) - 1)) / 2
        for entry, width in row:
            _draw_handle(svg, entry, x, y, handle, size)
            svg.text(x + handle + gap, y, entry.text, size, role="legend")
            x += width + spacing


def _draw_handle(svg: Canvas, entry: Entry, x: float, y: float, length: float, size: float) -> None:
    if entry.kind == "line":
        svg.line(x, y, x + length, y, entry.colour, px(entry.width), entry.dash)
        if entry.marker:
            draw_marker(svg, entry.marker, x + length / 2, y, entry.colour)
    else:
        h = 0.7 * px(size)
        fill = f'fill="{entry.colour}" fill-opacity="{entry.opacity}"'
        svg.add(
            f'<rect x="{x:.1f}" y="{y - h / 2:.1f}" width="{length:.1f}" height="{h:.1f}" {fill}/>'
        )


def draw_marker(svg: Canvas, kind: str, x: float, y: float, colour: str) -> None:
    if kind == "D":
        r = px(4) / 2 * 1.2
        pts = points([x, x + r, x, x - r], [y - r, y, y + r, y])
        svg.add(f'<polygon points="{pts}" fill="{colour}"/>')
    else:
        svg.add(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{px(4) / 2:.1f}" fill="{colour}"/>')


# ---- the year-axis frame (lines, bands, stacked bars) ------------------------------------------


@dataclass
class Frame:
    """A chart on a year axis: title, value axis, legend below; ``x``/``y`` map data to px."""

    svg: Canvas
    plot: Box
    xlim: tuple[float, float]
    ylim: tuple[float, float]

    def x(self, value: float) -> float:
        lo, hi = self.xlim
        return self.plot.x0 + (value - lo) / (hi - lo) * (self.plot.x1 - self.plot.x0)

    def y(self, value: float) -> float:
        lo, hi = self.ylim
        return self.plot.y1 - (value - lo) / (hi - lo) * (self.plot.y1 - self.plot.y0)

    def polyline(self, xs, ys, colour: str, width: float = 1.5, dash: str = "", marker="") -> None:
        """A line broken where values are missing (a gap stays a gap), with markers."""
        xs, ys = np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)
        ok = np.isfinite(xs) & np.isfinite(ys)
        breaks = np.flatnonzero(np.diff(ok.astype(int)) != 0) + 1
        for seg in np.split(np.arange(len(xs)), breaks):
            seg = seg[ok[seg]]
            if len(seg) > 1:
                pts = points([self.x(v) for v in xs[seg]], [self.y(v) for v in ys[seg]])
                extra = f' stroke-dasharray="{dash}"' if dash else ""
                self.svg.add(
                    f'<polyline points="{pts}" fill="none" stroke="{colour}" '
                    f'stroke-width="{px(width):.2f}" stroke-linejoin="round"{extra}/>'
                )
        for i in np.flatnonzero(ok) if marker else ():
            draw_marker(self.svg, marker, self.x(xs[i]), self.y(ys[i]), colour)

    def band(self, xs, lows, highs, colour: str, opacity: float) -> None:
        xs_px = [self.x(v) for v in xs]
        pts = points(
            xs_px + xs_px[::-1], [self.y(v) for v in lows] + [self.y(v) for v in highs][::-1]
        )
        self.svg.add(f'<polygon points="{pts}" fill="{colour}" fill-opacity="{opacity}"/>')

    def hline(self, value: float, colour: str, width: float, dash: str = "") -> None:
        y = self.y(value)
        self.svg.line(self.plot.x0, y, self.plot.x1, y, colour, px(width), dash)


def year_frame(
    title: str,
    xlabel: str,
    ylabel: str,
    years: np.ndarray,
    values: np.ndarray,
    entries: Sequence[Entry],
    lang: str,
    *,
    bars: bool = False,
    legend_size: float = 11.0,
    ncols: int = 3,
    height_in: float = HEIGHT_IN,
) -> tuple[Frame, Callable[[], Chart]]:
    """Lay out and draw the frame; returns it and a ``finish`` that closes the chart (the data
    is drawn in between, under the axes' frame and labels)."""
    svg, pad, top = titled_canvas(title, height_in)
    width, height = svg.width, svg.height
    rows = legend_rows(entries, legend_size, width - 2 * pad, ncols) if entries else []

    xlim = (float(years.min()) - 0.6, float(years.max()) + 0.6) if bars else view(years)
    ylim = view(values, zero=bars)
    bottom = height - pad - legend_height(rows, legend_size) - (0.4 * px(11) if rows else 0)
    bottom -= 1.3 * px(12) + 1.5 * px(11) + 0.3 * px(11)  # x label, tick labels, gaps
    yticks = ticks(*ylim, int((bottom - top) / (2.4 * px(11))), integer=False)
    ylabels = tick_labels(yticks, lang)
    left = pad + 1.3 * px(12) + max(text_width(t, 11) for t in ylabels) + 0.6 * px(11)
    xtick_w = text_width(str(int(years.max())), 11)
    right = width - pad - xtick_w / 2
    frame = Frame(svg, Box(left, top, right, bottom), xlim, ylim)
    for value, text in zip(yticks, ylabels, strict=True):
        y = frame.y(value)
        svg.line(left, y, right, y, GRID, 1.0)
        svg.text(left - 0.4 * px(11), y, text, 11, role="ytick", anchor="end")
    xticks = ticks(*xlim, int((right - left) / (xtick_w + 1.6 * px(11))), integer=True)
    for value in xticks:
        x = frame.x(value)
        svg.line(x, top, x, bottom, GRID, 1.0)
        svg.text(
            x,
            bottom + 0.3 * px(11) + 0.5 * px(11),
            str(int(value)),
            11,
            role="xtick",
            anchor="middle",
        )
    xlabel_y = bottom + 0.3 * px(11) + 1.5 * px(11) + 0.5 * px(12)
    svg.text((left + right) / 2, xlabel_y, xlabel, 12, role="xlabel", anchor="middle")
    svg.text(
        pad + 0.5 * px(12),
        (top + bottom) / 2,
        ylabel,
        12,
        role="ylabel",
        anchor="middle",
        rotate=True,
    )
    svg.defs.append(
        f'<clipPath id="plot"><rect x="{left:.1f}" y="{top:.1f}" width="{right - left:.1f}" '
        f'height="{bottom - top:.1f}"/></clipPath>'
    )
    svg.add('<g clip-path="url(#plot)">')

    def finish(note: str = "") -> Chart:
        svg.add("</g>")
        svg.border(frame.plot)
        legend_top = xlabel_y + 0.5 * px(12) + 0.4 * px(11)
        draw_legend(svg, rows, legend_top, (left + right) / 2, legend_size)
        if note:
            _note(svg, note, right, xlabel_y, height - pad)
        return Chart(svg.done(), round(width), round(height), ylim, tuple(svg.texts), frame.plot)

    return frame, finish


def _note(svg: Canvas, note: str, right: float, row_y: float, limit: float) -> None:
    """A note right-aligned on the x label's row, or, if it would touch the label, at the
    bottom right of the figure."""
    w, h = text_width(note, 9), px(9)
    where = Box(right - w, row_y - h / 2, right, row_y + h / 2)
    if any(where.overlaps(box) for role, _, box in svg.texts if role == "xlabel"):
        row_y = limit - h / 2
    svg.text(right, row_y, note, 9, role="note", anchor="end", italic=True)


def axis_note(ylim: tuple[float, float], lang: str) -> str:
    return words("axis_not_zero", lang) if ylim[0] > 0 else ""
