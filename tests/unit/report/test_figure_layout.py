"""Figures are laid out by one measuring pass (no constrained layout) and nothing is cut."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from PIL import Image

from trsplan.report import figures


def _inside(fig) -> bool:
    tight = fig.get_tightbbox(fig.canvas.get_renderer())
    box = fig.bbox_inches.padded(0.01)
    return box.x0 <= tight.x0 and tight.x1 <= box.x1 and box.y0 <= tight.y0 and tight.y1 <= box.y1


def _fan() -> plt.Figure:
    # large values (wide tick labels), a two-line title and a legend below the axes
    history = pd.Series([1_234_567.0, 1_250_000.0, 1_299_999.0], index=[2020, 2021, 2022])
    forecast = pd.DataFrame(
        {"year": [2023, 2024], "mean": [1.31e6, 1.32e6], "lower80": [1.3e6, 1.3e6],
         "upper80": [1.32e6, 1.34e6], "lower95": [1.29e6, 1.28e6], "upper95": [1.33e6, 1.36e6]}
    )  # fmt: skip
    title = "Trondheimsregionen (medlemskommuner): " + "Sysselsatte per innbygger " * 4
    return figures.fan_chart(history, forecast, 1.4e6, title, "Personer", "nb")


def _bars() -> plt.Figure:
    names = [f"{n}, pendlingsregion (10 %-regelen) med et svært langt navn" for n in "ABCDEF"]
    values = pd.Series([5.0, 3.0, 9.0, 1.0, 7.0, 2.0], index=names)
    return figures.bar_chart(values, "Andel", "Prosent", "nb", 1, highlight=names[0])


@pytest.mark.parametrize("make", [_fan, _bars])
def test_layout_puts_every_label_title_and_legend_inside_the_figure(make):
    fig = make()
    try:
        assert fig.get_layout_engine() is None
        figures.fit_title(fig)
        figures.layout(fig)
        assert _inside(fig)
        title = fig._suptitle.get_window_extent(fig.canvas.get_renderer())
        axes = fig.axes[0].get_window_extent()
        assert title.y0 >= axes.y1  # the wrapped title sits above the axes, never over them
    finally:
        plt.close(fig)


def test_the_png_is_the_figure_at_its_dpi_in_rgb():
    fig = _fan()
    size = (
        round(fig.get_figwidth() * figures.FIGURE_DPI),
        round(fig.get_figheight() * figures.FIGURE_DPI),
    )
    png = figures.png_bytes(fig)
    assert not plt.get_fignums()  # closed
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.mode == "RGB"
        assert image.size == size
        assert image.convert("L").getextrema()[0] < 100  # something dark was drawn
