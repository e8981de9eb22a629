"""Charts are laid out inside their canvas, their texts never collide, and they are valid SVG."""

from __future__ import annotations

import base64
import itertools
import re
import xml.etree.ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from trsplan.report import figures
from trsplan.report.svg import Chart, text_width, tick_decimals, wrap_to_width

LONG_TITLE = "Trondheimsregionen (medlemskommuner): " + "Sysselsatte per innbygger " * 4


def _fan() -> Chart:
    # large values (wide tick labels), a wrapped title and a legend of five entries
    history = pd.Series([1_234_567.0, 1_250_000.0, 1_299_999.0], index=[2020, 2021, 2022])
    forecast = pd.DataFrame(
        {"year": [2023, 2024], "mean": [1.31e6, 1.32e6], "lower80": [1.3e6, 1.3e6],
         "upper80": [1.32e6, 1.34e6], "lower95": [1.29e6, 1.28e6], "upper95": [1.33e6, 1.36e6]}
    )  # fmt: skip
    return figures.fan_chart(history, forecast, 1.4e6, LONG_TITLE, "Personer", "nb")


def _bars() -> Chart:
    names = [f"{n}, pendlingsregion (10 %-regelen) med et langt navn" for n in "ABCDEF"]
    values = pd.Series([5.0, 3.0, 9.0, -1.0, 7.0, 2.0], index=names)
    return figures.bar_chart(values, "Andel", "Prosent", "nb", 1, highlight=names[0])


def _components() -> Chart:
    flows = pd.DataFrame(
        {"natural_increase": [50.0, -40.0], "net_domestic_migration": [-20.0, 30.0]},
        index=[2023, 2024],
    )
    return figures.components_chart(flows, flows.sum(axis=1), LONG_TITLE, "en")


@pytest.mark.parametrize("make", [_fan, _bars, _components])
def test_every_text_lies_inside_the_canvas_and_no_two_texts_overlap(make):
    chart = make()
    for role, text, box in chart.texts:
        assert box.x0 >= 0 and box.x1 <= chart.width, (role, text, box)
        assert box.y0 >= 0 and box.y1 <= chart.height, (role, text, box)
    for (r1, t1, b1), (r2, t2, b2) in itertools.combinations(chart.texts, 2):
        assert not b1.overlaps(b2), f"{r1} {t1!r} overlaps {r2} {t2!r}"
    titles = [box for role, _, box in chart.texts if role == "title"]
    assert titles and max(b.y1 for b in titles) <= chart.plot.y0  # the title is above the axes
    assert len(titles) > 1 or make is _bars  # the long title wrapped


@pytest.mark.parametrize("make", [_fan, _bars, _components])
def test_the_chart_is_valid_svg_of_the_reports_size(make):
    chart = make()
    root = ET.fromstring(chart.svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    # 8 inches at 110 px per inch, the size the report pages are laid out for
    assert (int(root.get("width")), chart.width) == (880, 880)
    assert int(root.get("height")) == chart.height


def test_the_legend_sits_below_the_x_label():
    chart = _fan()
    (xlabel,) = [box for role, _, box in chart.texts if role == "xlabel"]
    legend = [box for role, _, box in chart.texts if role == "legend"]
    assert len(legend) == 5 and min(b.y0 for b in legend) >= xlabel.y1


def test_tick_labels_never_repeat_on_a_narrow_range():
    # 0.1010-0.1050: two fixed decimals would print "0,10" five times
    history = pd.Series([0.1010, 0.1030, 0.1050], index=[2021, 2022, 2023])
    chart = figures.fan_chart(history, pd.DataFrame(), None, "Andel", "Andel", "nb")
    labels = chart.texts_of("ytick")
    assert len(labels) >= 3 and len(set(labels)) == len(labels), labels


def test_tick_decimals_are_the_fewest_that_show_each_tick_exactly():
    assert tick_decimals([0.0, 0.25, 0.5]) == 2
    assert tick_decimals([1000.0, 1500.0, 2000.0]) == 0
    assert tick_decimals([0.86, 0.87, 0.88]) == 2
    assert tick_decimals([0.1, 0.105, 0.11]) == 3


def test_a_missing_value_leaves_a_gap_in_the_line():
    frame = pd.DataFrame({"A": [1.0, 2.0, np.nan, 4.0, 5.0]}, index=range(2020, 2025))
    chart = figures.line_chart(frame, "Indeks", "Indeks", "nb")
    lines = re.findall(r'<polyline points="([^"]+)"', chart.svg)
    assert [len(p.split()) for p in lines] == [2, 2]  # 2020-2021 and 2023-2024, not through 2022


def test_a_positive_axis_not_starting_at_zero_says_so_and_one_from_zero_does_not():
    high = pd.Series([10.0, 11.0, 12.5], index=[2020, 2021, 2022])
    assert figures.fan_chart(high, pd.DataFrame(), None, "T", "y", "nb").axis_not_zero
    from_zero = pd.Series([0.0, 11.0, 12.5], index=[2020, 2021, 2022])
    assert not figures.fan_chart(from_zero, pd.DataFrame(), None, "T", "y", "nb").axis_not_zero


def test_bars_are_ranked_largest_on_top_and_the_highlight_is_hatched():
    chart = _bars()
    categories = chart.texts_of("category")
    assert categories[0].startswith("C,") and categories[-1].startswith("D,")  # 9.0 ... -1.0
    assert 'fill="url(#hatch)"' in chart.svg and chart.svg.count('fill="url(#hatch)"') == 1
    assert chart.texts_of("value")[-1] == "\u22121,0"  # the negative bar's label, Norwegian minus


def test_titles_wrap_by_measured_width():
    lines = wrap_to_width(LONG_TITLE, 400, 12, bold=True)
    assert len(lines) > 2 and " ".join(lines) == " ".join(LONG_TITLE.split())
    assert all(text_width(line, 12, bold=True) <= 400 for line in lines)


def test_figure_html_embeds_the_svg_with_alt_text_and_caption():
    chart = _fan()
    page = figures.figure_html(chart, "Bildetekst & mer", 'Alt "tekst"')
    (data,) = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert base64.b64decode(data).decode() == chart.svg
    assert 'alt="Alt &quot;tekst&quot;"' in page
    assert "<figcaption>Bildetekst &amp; mer</figcaption>" in page
