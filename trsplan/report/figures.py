"""Report figures: one style, Norwegian number formatting, captions and alt text.

Each chart is drawn as SVG with the kit in ``trsplan.report.svg`` (why SVG, and not matplotlib, is
said there); ``figure_html`` embeds a chart as an ``<img>`` with its caption and alt text, so
reports stay self-contained and accessible. A ``Chart`` also shows itself in JupyterLab.
"""

from __future__ import annotations

import base64
import html
import math

import numpy as np
import pandas as pd

from trsplan.report.svg import (
    FIGURE_DPI,
    GRID,
    INK,
    Box,
    Chart,
    Entry,
    Frame,
    axis_note,
    px,
    text_width,
    tick_labels,
    ticks,
    titled_canvas,
    view,
    year_frame,
)
from trsplan.report.text import fmt_number, label, words

#: Okabe–Ito, safe for the common colour-vision deficiencies; the first colour is the reported
#: geography's everywhere (lines, highlighted bars), others are grey or the later colours.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#F0E442"]
HIGHLIGHT = PALETTE[0]
OTHERS = "#BBBBBB"
FORECAST_COLOUR = PALETTE[1]
TARGET_COLOUR = "#000000"  # black dashed: never mistaken for a series


# ---- the charts ---------------------------------------------------------------------------------


def fan_chart(
    history: pd.Series,
    forecast: pd.DataFrame,
    target: float | None,
    title: str,
    ylabel: str,
    lang: str = "nb",
) -> Chart:
    """The observed series, the forecast with 80 % and 95 % bands, and the target line.

    Pass ``target`` only when it is a value of the same quantity as the series (never a rank).
    """
    has_target = target is not None and not math.isnan(target)
    f = forecast.sort_values("year") if len(forecast) else forecast
    entries = [Entry(ylabel, "line", HIGHLIGHT, marker="o")]
    values = [history.to_numpy(dtype=float)]
    years = [history.index.to_numpy(dtype=float)]
    if len(f):
        entries += [
            Entry("95 %", "band", FORECAST_COLOUR, opacity=0.18),
            Entry("80 %", "band", FORECAST_COLOUR, opacity=0.35),
            Entry(words("forecast", lang), "line", FORECAST_COLOUR, width=2, dash="3 5"),
        ]
        values += [f[c].to_numpy(dtype=float) for c in ("lower95", "upper95", "mean")]
        years.append(f["year"].to_numpy(dtype=float))
    if has_target:
        entries.append(Entry(words("target", lang), "line", TARGET_COLOUR, dash="9 4"))
        values.append(np.array([target], dtype=float))
    all_values = np.concatenate(values)
    frame, finish = year_frame(
        title, label("year", lang), ylabel, np.concatenate(years), all_values, entries, lang
    )
    if len(f):
        fy = f["year"].to_numpy(dtype=float)
        frame.band(fy, f["lower95"], f["upper95"], FORECAST_COLOUR, 0.18)
        frame.band(fy, f["lower80"], f["upper80"], FORECAST_COLOUR, 0.35)
        frame.polyline(fy, f["mean"], FORECAST_COLOUR, width=2, dash="3 5")
    frame.polyline(history.index, history.to_numpy(dtype=float), HIGHLIGHT, marker="o")
    if has_target:
        frame.hline(float(target), TARGET_COLOUR, 1.5, dash="9 4")
    return finish(axis_note(frame.ylim, lang))


def line_chart(series: pd.DataFrame, title: str, ylabel: str, lang: str = "nb") -> Chart:
    """Lines for each column of a year-indexed frame; the value axis shows as many decimals as
    its ticks need."""
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series.columns))]
    entries = [
        Entry(str(c), "line", col, marker="o")
        for c, col in zip(series.columns, colours, strict=True)
    ]
    values = series.to_numpy(dtype=float).ravel()
    frame, finish = year_frame(
        title, label("year", lang), ylabel, series.index.to_numpy(dtype=float), values,
        entries if len(entries) > 1 else [], lang,
    )  # fmt: skip
    for column, colour in zip(series.columns, colours, strict=True):
        frame.polyline(series.index, series[column], colour, marker="o")
    return finish()


def components_chart(
    components: pd.DataFrame, total: pd.Series, title: str, lang: str = "nb"
) -> Chart:
    """Stacked bars of the components of change with the total change as a line."""
    pos = components.clip(lower=0).cumsum(axis=1)
    neg = components.clip(upper=0).cumsum(axis=1)
    colours = [PALETTE[(i + 1) % len(PALETTE)] for i in range(len(components.columns))]
    entries = [
        Entry(label(c, lang), "bar", col)
        for c, col in zip(components.columns, colours, strict=True)
    ]
    entries.append(Entry(label("population_change", lang), "line", "black", marker="D"))
    values = np.concatenate(
        [pos.to_numpy(float).ravel(), neg.to_numpy(float).ravel(), total.to_numpy(float)]
    )
    years = np.concatenate([components.index.to_numpy(float), total.index.to_numpy(float)])
    frame, finish = year_frame(
        title, label("year", lang), label("persons", lang), years, values, entries, lang,
        bars=True, legend_size=10.0, ncols=4,
    )  # fmt: skip
    for column, colour in zip(components.columns, colours, strict=True):
        ends = np.where(components[column] >= 0, pos[column], neg[column])
        starts = ends - components[column].to_numpy(float)
        _columns(frame, components.index, starts, ends, colour)
    frame.hline(0.0, "black", 0.8)
    frame.polyline(total.index, total.to_numpy(float), "black", marker="D")
    return finish()


def _columns(frame: Frame, years, starts, ends, colour: str, width: float = 0.75) -> None:
    for year, a, b in zip(years, starts, ends, strict=True):
        if not (np.isfinite(a) and np.isfinite(b)) or a == b:
            continue
        x0, x1 = frame.x(year - width / 2), frame.x(year + width / 2)
        y0, y1 = sorted((frame.y(a), frame.y(b)))
        frame.svg.add(
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" '
            f'fill="{colour}"/>'
        )


def target_chart(
    values: pd.Series,
    target: pd.Series,
    title: str,
    ylabel: str,
    lang: str = "nb",
    kind: str = "bar",
) -> Chart:
    """Bars (or a line) against a target line; the target is drawn dashed, never colour only."""
    target_text = label("population_change_target", lang) if kind == "bar" else str(target.name)
    entries = [
        Entry(
            ylabel,
            "bar" if kind == "bar" else "line",
            PALETTE[0],
            marker="" if kind == "bar" else "o",
        ),
        Entry(target_text, "line", TARGET_COLOUR, width=2, dash="9 4"),
    ]
    all_values = np.concatenate([values.to_numpy(float), target.to_numpy(float)])
    years = np.concatenate([values.index.to_numpy(float), target.index.to_numpy(float)])
    frame, finish = year_frame(
        title, label("year", lang), label("persons", lang), years, all_values, entries, lang,
        bars=kind == "bar", ncols=2,
    )  # fmt: skip
    if kind == "bar":
        _columns(frame, values.index, np.zeros(len(values)), values.to_numpy(float), PALETTE[0])
    else:
        frame.polyline(values.index, values.to_numpy(float), PALETTE[0], marker="o")
    frame.polyline(target.index, target.to_numpy(float), TARGET_COLOUR, width=2, dash="9 4")
    return finish()


def bar_chart(
    values: pd.Series,
    title: str,
    xlabel: str,
    lang: str = "nb",
    decimals: int = 0,
    highlight: str | None = None,
) -> Chart:
    """Horizontal bars, largest on top, labelled; ``highlight`` is hatched, not only coloured."""
    ordered = values.dropna().sort_values(ascending=False)
    names = [str(i) for i in ordered.index]
    numbers = ordered.to_numpy(dtype=float)
    svg, pad, top = titled_canvas(title, max(2.5, 0.45 * len(ordered) + 1))
    width, height = svg.width, svg.height
    bottom = height - pad - 1.3 * px(12) - 1.5 * px(11) - 0.3 * px(11)
    left = pad + max(text_width(n, 11) for n in names) + 0.6 * px(11)
    right = width - pad - 0.5 * text_width(fmt_number(float(numbers.max()), decimals, lang), 11)
    value_texts = [fmt_number(v, decimals, lang) for v in numbers]
    xlim = _bar_view(numbers, [text_width(t, 10) for t in value_texts], right - left)
    frame = Frame(svg, Box(left, top, right, bottom), xlim, (0.0, 1.0))
    xticks = ticks(*xlim, int((right - left) / (3.5 * px(11))))
    for value, text in zip(xticks, tick_labels(xticks, lang), strict=True):
        x = frame.x(value)
        svg.line(x, top, x, bottom, GRID, 1.0)
        svg.text(x, bottom + 0.8 * px(11), text, 11, role="xtick", anchor="middle")
    svg.text(
        (left + right) / 2,
        bottom + 1.8 * px(11) + 0.5 * px(12),
        xlabel,
        12,
        role="xlabel",
        anchor="middle",
    )
    if highlight:
        svg.defs.append(
            f'<pattern id="hatch" width="8" height="8" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="8" height="8" fill="{HIGHLIGHT}"/>'
            '<line x1="0" y1="0" x2="0" y2="8" stroke="white" stroke-width="2"/></pattern>'
        )
    slot = (bottom - top) / len(numbers)
    for i, (name, value, text) in enumerate(zip(names, numbers, value_texts, strict=True)):
        y = top + (i + 0.5) * slot
        fill = "url(#hatch)" if name == highlight else (OTHERS if highlight else HIGHLIGHT)
        x0, x1 = sorted((frame.x(0.0), frame.x(value)))
        svg.add(
            f'<rect x="{x0:.1f}" y="{y - 0.4 * slot:.1f}" width="{x1 - x0:.1f}" '
            f'height="{0.8 * slot:.1f}" fill="{fill}"/>'
        )
        svg.text(left - 0.4 * px(11), y, name, 11, role="category", anchor="end")
        gap = 3 * FIGURE_DPI / 72
        at, anchor = (x1 + gap, "start") if value >= 0 else (x0 - gap, "end")
        svg.text(at, y, text, 10, role="value", anchor=anchor)
    if xlim[0] < 0 < xlim[1]:
        svg.line(frame.x(0.0), top, frame.x(0.0), bottom, INK, 0.8)
    svg.border(frame.plot)
    return Chart(svg.done(), round(width), round(height), xlim, tuple(svg.texts), frame.plot)


def _bar_view(values: np.ndarray, label_widths: list[float], room: float) -> tuple[float, float]:
    """The value range that leaves room beside every bar's end for its value label."""
    low, high = view(values, zero=True)
    gap = 6 * FIGURE_DPI / 72
    for _ in range(4):  # the scale changes as the range grows; a few rounds settle it
        scale = room / (high - low)
        for value, w in zip(values, label_widths, strict=True):
            if value >= 0:
                high = max(high, value + (w + gap) / scale)
            else:
                low = min(low, value - (w + gap) / scale)
    return low, high


def figure_html(chart: Chart, caption: str, alt: str) -> str:
    """An accessible ``<figure>`` with the SVG embedded as a data URI."""
    data = base64.b64encode(chart.svg.encode("utf-8")).decode("ascii")
    return (
        '<figure class="trsplan-figure">'
        f'<img src="data:image/svg+xml;base64,{data}" alt="{html.escape(alt)}"/>'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )
