"""Report figures: one style, Norwegian number formatting, captions and alt text.

Figures are returned as matplotlib Figures; ``figure_html`` embeds one as a PNG with its caption
and alt text, so reports are self-contained and accessible.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from trsplan.report.text import fmt_number, label  # noqa: E402

PALETTE = ["#1f4e79", "#c55a11", "#548235", "#7f6000", "#7030a0", "#2e75b6", "#a5a5a5", "#bf9000"]
TARGET_COLOUR = "#c00000"


def apply_style() -> None:
    sns.set_theme(style="whitegrid", palette=PALETTE, font="DejaVu Sans")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": 110, "axes.titleweight": "bold"})


def wrap(title: str, width: int = 64) -> str:
    """Long titles on two lines rather than cut off at the figure's edge."""
    return textwrap.fill(title, width)


def _axes(width: float = 8.0, height: float = 4.0):
    apply_style()
    fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
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
    ax.set_title(wrap(title))
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
            color=PALETTE[i % len(PALETTE)],
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
    ax.set_title(wrap(title))
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
    ax.set_title(wrap(title))
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
    colour = PALETTE[6] if highlight is not None else PALETTE[0]
    bars = ax.barh([str(i) for i in ordered.index], ordered, color=colour)
    for bar, name in zip(bars, ordered.index, strict=True):
        if name == highlight:
            bar.set_color(PALETTE[0])
            bar.set_hatch("//")
    for y, v in enumerate(ordered):
        ax.annotate(
            fmt_number(v, decimals, lang),
            (v, y),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize="small",
        )
    ax.set_title(wrap(title, 48))  # long bar labels leave the title less room
    ax.set_xlabel(xlabel)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_number(v, decimals, lang)))
    return fig


def figure_html(fig: Figure, caption: str, alt: str) -> str:
    """An accessible ``<figure>`` with the PNG embedded as a data URI."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        '<figure class="trsplan-figure">'
        f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"/>'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )
