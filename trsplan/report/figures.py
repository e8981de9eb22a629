"""Report figures: one style, Norwegian number formatting, captions and alt text.

Figures are returned as matplotlib Figures; ``figure_html`` embeds one as a PNG with its caption
and alt text, so reports are self-contained and accessible.
"""

from __future__ import annotations

import base64
import html
import io
import math
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402
from PIL import Image  # noqa: E402

from trsplan.report.text import fmt_number, label, words  # noqa: E402

#: Okabe–Ito, safe for the common colour-vision deficiencies; the first colour is the reported
#: geography's everywhere (lines, highlighted bars), others are grey or the later colours.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#999999", "#F0E442"]
HIGHLIGHT = PALETTE[0]
OTHERS = "#BBBBBB"
FORECAST_COLOUR = PALETTE[1]
TARGET_COLOUR = "#000000"  # black dashed: never mistaken for a series
TITLE_SIZE = 12.0
PAD_INCHES = 0.1  # white margin around a figure's content
#: zlib level of the embedded PNGs (PNG filtering, not zlib, dominates the encoding time)
PNG_COMPRESSION = 6
#: pixels per inch, measured and saved alike (an 8-inch chart is 880 px: ~140 ppi printed
#: across an A4 text column)
FIGURE_DPI = 110


def apply_style() -> None:
    sns.set_theme(style="whitegrid", palette=PALETTE, font="DejaVu Sans")
    plt.rcParams.update(
        {"figure.dpi": FIGURE_DPI, "savefig.dpi": FIGURE_DPI, "axes.titleweight": "bold"}
    )


def wrap(title: str, width: int = 64) -> str:
    """Long titles on several lines rather than cut off at the figure's edge."""
    return textwrap.fill(title, width)


def set_title(ax, title: str, chars: int | None = None) -> None:
    """The title as the figure's, left-aligned at its edge and wrapped to its width.

    DejaVu Sans bold averages about 0.65 em a character; 0.72 leaves a margin, and
    :func:`fit_title` narrows further if a drawn title still sticks out.
    """
    fig = ax.figure
    if chars is None:
        chars = max(20, int(fig.get_figwidth() * 72 * 0.95 / (TITLE_SIZE * 0.72)))
    fig._trsplan_title = title
    fig.suptitle(wrap(title, chars), x=0.01, ha="left", fontsize=TITLE_SIZE, fontweight="bold")


def title_fits(fig: Figure) -> bool:
    """True when the figure's title lies inside the figure (measured, no drawing needed)."""
    title = fig._suptitle
    if title is None or not title.get_text():
        return True
    extent = title.get_window_extent(fig.canvas.get_renderer())
    box = fig.bbox
    return extent.x0 >= box.x0 - 1 and extent.x1 <= box.x1 + 1 and extent.y1 <= box.y1 + 1


def fit_title(fig: Figure) -> None:
    """Rewrap the title narrower until it fits the figure; never cut."""
    text = getattr(fig, "_trsplan_title", None)
    chars = max(len(line) for line in fig._suptitle.get_text().split("\n")) if text else 0
    while text and not title_fits(fig) and chars > 15:
        chars = int(chars * 0.9)
        set_title(fig.axes[0], text, chars)


def layout(fig: Figure, pad_pt: float = PAD_INCHES * 72, passes: int = 3) -> bool:
    """Place the one axes so its labels, legend and the title fit the figure.

    What matplotlib's constrained layout does for these one-axes figures, by measuring the
    axes' tight box and placing the axes inside the margins it needs (again when labels that
    move with the axes, such as value labels beside bars, still stick out), at a fraction of its
    cost. Returns True when everything lies inside the figure; ``png_bytes`` then saves the
    figure as it is, else the tight box of everything drawn, so nothing is ever cut.
    """
    renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    width, height = fig.bbox.width, fig.bbox.height
    pad = pad_pt * fig.dpi / 72
    top = height - pad
    title = fig._suptitle
    if title is not None and title.get_text():
        extent = title.get_window_extent(renderer)
        if extent.x0 < -1 or extent.x1 > width + 1 or extent.y1 > height + 1:
            return False
        top = extent.y0 - pad
    for _ in range(passes):
        box, tight = ax.bbox, ax.get_tightbbox(renderer)
        left = pad + max(0.0, box.x0 - tight.x0)
        right = width - pad - max(0.0, tight.x1 - box.x1)
        bottom = pad + max(0.0, box.y0 - tight.y0)
        upper = top - max(0.0, tight.y1 - box.y1)
        ax.set_position(
            [left / width, bottom / height, (right - left) / width, (upper - bottom) / height]
        )
        tight = ax.get_tightbbox(renderer)
        if (
            tight.x0 >= pad - 0.5
            and tight.x1 <= width - pad + 0.5
            and tight.y0 >= pad - 0.5
            and tight.y1 <= top + 0.5
        ):
            return True
    return False


def mark_axis_start(ax, lang: str) -> bool:
    """When the value axis of positive data does not start at zero, say so on the chart."""
    low, _ = ax.get_ylim()
    if low <= 0:
        return False
    ax.annotate(
        words("axis_not_zero", lang),
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(2, 2),
        textcoords="offset points",
        fontsize="x-small",
        style="italic",
    )
    return True


def _axes(width: float = 8.0, height: float = 4.0):
    apply_style()
    # no layout engine: ``layout`` places the axes once, far cheaper than constrained layout
    fig, ax = plt.subplots(figsize=(width, height))
    ax.title.set_fontsize(TITLE_SIZE)
    return fig, ax


def _number_axis(ax, lang: str, decimals: int = 0) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, decimals, lang)))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def line_chart(
    series: pd.DataFrame, title: str, ylabel: str, lang: str = "nb", decimals: int = 0
) -> Figure:
    """Lines for each column of a year-indexed frame."""
    fig, ax = _axes()
    for i, column in enumerate(series.columns):
        ax.plot(
            series.index,
            series[column],
            marker="o",
            ms=3,
            color=PALETTE[i % len(PALETTE)],
            label=str(column),
        )
    set_title(ax, title)
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(ylabel)
    _number_axis(ax, lang, decimals)
    if len(series.columns) > 1:
        ax.legend(frameon=False)
    return fig


def components_chart(components: pd.DataFrame, total: pd.Series, title: str, lang: str = "nb"):
    """Stacked bars of the components of change with the total change as a line."""
    fig, ax = _axes()
    pos = components.clip(lower=0).cumsum(axis=1).shift(axis=1).fillna(0)
    neg = components.clip(upper=0).cumsum(axis=1).shift(axis=1).fillna(0)
    for i, column in enumerate(components.columns):
        values = components[column]
        bottom = pos[column].where(values >= 0, neg[column])
        ax.bar(
            components.index,
            values,
            bottom=bottom,
            color=PALETTE[(i + 1) % len(PALETTE)],  # blue stays the total's / region's colour
            label=label(column, lang),
            width=0.75,
        )
    ax.plot(
        total.index,
        total,
        color="black",
        marker="D",
        ms=4,
        lw=1.5,
        label=label("population_change", lang),
    )
    ax.axhline(0, color="black", lw=0.8)
    set_title(ax, title)
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(label("persons", lang))
    _number_axis(ax, lang)
    ax.legend(
        frameon=False, ncols=4, fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.15)
    )
    return fig


def target_chart(
    values: pd.Series,
    target: pd.Series,
    title: str,
    ylabel: str,
    lang: str = "nb",
    kind: str = "bar",
) -> Figure:
    """Bars (or a line) against a target line; the target is drawn dashed, never colour only."""
    fig, ax = _axes()
    if kind == "bar":
        ax.bar(values.index, values, color=PALETTE[0], label=ylabel, width=0.75)
    else:
        ax.plot(values.index, values, color=PALETTE[0], marker="o", ms=3, label=ylabel)
    ax.plot(
        target.index,
        target,
        color=TARGET_COLOUR,
        ls="--",
        lw=2,
        label=label("population_change_target", lang) if kind == "bar" else str(target.name),
    )
    set_title(ax, title)
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(label("persons", lang))
    _number_axis(ax, lang)
    ax.legend(frameon=False, ncols=2, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    return fig


def bar_chart(
    values: pd.Series,
    title: str,
    xlabel: str,
    lang: str = "nb",
    decimals: int = 0,
    highlight: str | None = None,
) -> Figure:
    """Horizontal bars, largest on top, labelled; ``highlight`` is hatched, not only coloured."""
    ordered = values.dropna().sort_values()
    fig, ax = _axes(8.0, max(2.5, 0.45 * len(ordered) + 1))
    colour = OTHERS if highlight else HIGHLIGHT
    bars = ax.barh([str(i) for i in ordered.index], ordered, color=colour)
    for bar, name in zip(bars, ordered.index, strict=True):
        if name == highlight:
            bar.set_color(HIGHLIGHT)
            bar.set_hatch("//")
            bar.set_edgecolor("white")
    for y, v in enumerate(ordered):
        ax.annotate(
            fmt_number(v, decimals, lang),
            (v, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    set_title(ax, title)
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, decimals, lang)))
    return fig


def figure_html(fig: Figure, caption: str, alt: str) -> str:
    """An accessible ``<figure>`` with the PNG embedded as a data URI."""
    data = base64.b64encode(png_bytes(fig)).decode("ascii")
    return (
        '<figure class="trsplan-figure">'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"/>'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG, laid out so nothing is cut; the figure is closed."""
    fit_title(fig)
    fits = layout(fig)
    buffer = io.BytesIO()
    try:
        if fits:
            # drawn on the measuring renderer (its text metrics are reused) and saved as RGB:
            # the background is opaque, and PNG-encoding RGBA costs several times more
            fig.canvas.draw()
            width, height = fig.canvas.get_width_height(physical=True)
            image = Image.frombuffer("RGBA", (width, height), fig.canvas.buffer_rgba())
            image.convert("RGB").save(
                buffer, format="png", compress_level=PNG_COMPRESSION, dpi=(fig.dpi, fig.dpi)
            )
        else:  # the image grows to hold what the layout left outside the figure
            tight = fig.get_tightbbox(fig.canvas.get_renderer()).padded(PAD_INCHES)
            fig.savefig(buffer, format="png", dpi=fig.dpi, bbox_inches=tight)
    finally:
        plt.close(fig)
    return buffer.getvalue()


def fan_chart(
    history: pd.Series,
    forecast: pd.DataFrame,
    target: float | None,
    title: str,
    ylabel: str,
    lang: str = "nb",
) -> Figure:
    """The observed series, the forecast with 80 % and 95 % bands, and the target line.

    Pass ``target`` only when it is a value of the same quantity as the series (never a rank).
    """
    fig, ax = _axes()
    ax.plot(history.index, history.values, color=HIGHLIGHT, marker="o", ms=3, label=ylabel)
    if len(forecast):
        f = forecast.sort_values("year")
        for level, alpha in (("95", 0.18), ("80", 0.35)):
            ax.fill_between(
                f["year"],
                f[f"lower{level}"],
                f[f"upper{level}"],
                color=FORECAST_COLOUR,
                alpha=alpha,
                label=f"{level} %",
            )
        ax.plot(
            f["year"], f["mean"], color=FORECAST_COLOUR, ls=":", lw=2, label=words("forecast", lang)
        )
    if target is not None and not math.isnan(target):
        ax.axhline(target, color=TARGET_COLOUR, ls="--", lw=1.5, label=words("target", lang))
    set_title(ax, title)
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(ylabel)
    _number_axis(ax, lang, 0 if history.abs().max() >= 100 else 2)
    mark_axis_start(ax, lang)
    ax.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    return fig
