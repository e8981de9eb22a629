"""The first page, the goal readings and the charts' rules, on small hand-made frames."""

from __future__ import annotations

import re

import nbformat
import pandas as pd
import pytest

from trsplan.report import figures, scorecard, sections
from trsplan.report.text import industry_name

COLUMNS = {
    "goal_id": None,
    "target_index": 0,
    "indicator_id": None,
    "geo_code": "r",
    "geo_level": "region",
    "latest_year": pd.NA,
    "latest_value": float("nan"),
    "target_value": float("nan"),
    "unit": "persons",
    "deadline": pd.NA,
    "direction": "at_least",
    "basis": "level",
    "baseline_year": pd.NA,
    "status": "not_assessed",
    "status_symbol": "–",
    "status_nb": "ikke vurdert",
    "status_en": "not assessed",
    "reason_nb": "ingen data",
    "reason_en": "no data",
}


def _status(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame([{**COLUMNS, **row} for row in rows])
    for column in ("target_index", "latest_year", "deadline", "baseline_year"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _off(**row) -> dict:
    return {"status": "off_track", "status_symbol": "✖", "status_nb": "ikke i rute", **row}


STATUS = _status(
    [
        # goal H: two targets, one of them a passed deadline, worded by the rules with its year
        _off(goal_id="H", indicator_id="gdp_share_ratio", latest_value=0.93, latest_year=2023,
             target_value=1.0, deadline=2020, unit="ratio", status="not_met",
             status_symbol="✗", status_nb="ikke nådd i 2020: 0,94"),
        _off(goal_id="H", target_index=1, indicator_id="gdp_share_ratio", latest_value=0.93,
             latest_year=2023, direction="increase", unit="ratio"),
        {"goal_id": "3", "indicator_id": "new_enterprises_per_1000", "latest_value": 1.0,
         "latest_year": 2024, "target_value": 1.0, "direction": "rank_best", "unit": "per_1000",
         "status": "met", "status_symbol": "✔", "status_nb": "nådd"},
        # no target in the plan: shown as context, never counted as a verdict
        {"goal_id": "5.3", "indicator_id": "immigrant_share", "latest_value": 13.7,
         "latest_year": 2026, "direction": "context", "unit": "percent",
         "status": "context", "status_symbol": "·", "status_nb": "kontekst (uten mål)"},
        *[
            {"goal_id": g, "indicator_id": "register", "unit": "answer",
             "reason_nb": "0 av 8 medlemskommuner har registrert"}
            for g in ("2.1", "2.2", "2.3", "2.4", "2.5", "2.6")
        ],
        {"goal_id": "2", "indicator_id": "kommune_nm_rank", "direction": "rank_best"},
    ]
)  # fmt: skip


def test_each_goal_appears_once_and_unmeasured_goals_are_summarised():
    lines, unmeasured = scorecard.goal_lines(STATUS, "r", "nb")
    assert [line.goal_id for line in lines] == ["H", "3", "5.3"]  # H's two targets: one row
    assert lines[0].word == "ikke nådd i 2020: 0,94" and lines[0].more == "+ 1 til: ✖ 1"
    assert lines[0].target == "≥ 1,00 innen 2020"
    assert lines[1].latest == "nr. 1 (2024)"
    assert lines[2].symbol == "·" and lines[2].word == "kontekst (uten mål)"
    assert lines[2].target == "ingen (kontekst)"
    page = scorecard.unmeasured_html(unmeasured, "nb")
    assert "Mål 2.1–2.6: ingen kommuner har registrert ennå" in page
    assert "<code>trsplan register-template</code>" in page
    assert "Mål 2: ingen data for" in page


def test_verdict_sentences_count_goals_by_status_and_keep_context_apart():
    previous = STATUS.assign(status="off_track", status_symbol="✖", status_nb="ikke i rute")
    lines, unmeasured = scorecard.goal_lines(STATUS, "r", "nb", previous)
    text = scorecard.verdict_text(lines, unmeasured, 2026, "nb")
    # H not met (its deadline passed), 3 met: two judged goals; 5.3 is context; 2.1–2.6 wait
    # for registers, 2 lacks data
    assert text.startswith(
        "Av 2 mål med tall eller registreringer er 1 nådd (3) og 1 ikke nådd (H)."
    )
    assert "Mål 5.3 vises som kontekst med utvikling" in text
    assert "7 mål kan ikke vurderes ennå: 6 venter på registreringer" in text
    assert "1 mangler data (2)" in text
    # off track in 2024 -> met: better; off track -> not met after the deadline: not worse
    assert "bedre status for mål 3; dårligere for ingen mål." in text
    html = scorecard.first_page_html(STATUS, "r", 2026, "nb", previous)
    assert len(re.findall(r'<th scope="row">H ', html)) == 1
    assert "ikke nådd i 2020: 0,94" in html and "ingen (kontekst)" in html
    # a status the rules may add later is counted under the word it is shown with
    later = STATUS.assign(
        status=STATUS["status"].where(STATUS["goal_id"] != "3", "provisional"),
        status_nb=STATUS["status_nb"].where(STATUS["goal_id"] != "3", "foreløpig"),
    )
    lines, unmeasured = scorecard.goal_lines(later, "r", "nb")
    assert "1 foreløpig (3)" in scorecard.verdict_text(lines, unmeasured, 2026, "nb")


def test_index_counts_are_the_first_pages():
    counts = scorecard.status_counts(STATUS, "r", "nb")
    assert ("–", "ikke vurdert", 7) in counts and ("✔", "nådd", 1) in counts
    # the rendered first page carries the same counts, which the index reads back
    page = scorecard.first_page_html(STATUS, "r", 2026, "nb")
    assert scorecard.counts_in_html(page) == counts
    assert scorecard.counts_in_html("<p>no first page</p>") is None


def test_the_index_shows_the_counts_a_report_carries_and_judges_only_older_runs_again():
    from trsplan.report.build import _report_counts
    from trsplan.report.runner import ReportResult, report_facts

    page = scorecard.first_page_html(STATUS, "r", 2026, "nb")
    notebook = {"cells": [{"outputs": [{"data": {"text/html": ["<h1>x</h1>", page]}}]}]}
    facts = report_facts(nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5,
                                             "metadata": {}, **notebook}))  # fmt: skip
    counts = scorecard.status_counts(STATUS, "r", "nb")
    carried = ReportResult("s", "region", "R", {"region": "r"}, ok=True, extra=facts)
    assert _report_counts(carried, None, "nb") == counts  # no status frame needed
    older = ReportResult("s", "region", "R", {"region": "r"}, ok=True)
    assert _report_counts(older, STATUS, "nb") == counts
    assert _report_counts(older, None, "nb") is None


def test_a_rank_target_is_never_a_value_line():
    rank_row = STATUS.iloc[2]  # goal 3: rank 1 among city regions, charted as a rate
    assert sections.value_target(rank_row, "per_1000") is None
    level_row = STATUS.iloc[0]
    assert sections.value_target(level_row, "ratio") == 1.0
    assert sections.value_target(level_row, "percent") is None  # another quantity


def _store(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["indicator_id", "geo_code", "geo_name", "year", "value", "unit"]
    ).assign(source_tables="13470", geo_level="region")


def test_baseline_outside_the_data_names_the_year_used_and_why():
    store = _store([("x", "r", "R", y, v, "count") for y, v in ((2015, 10.0), (2016, 12.0))])
    text = sections.baseline_text(store, "r", "x", 2010, "nb")
    assert text.startswith("10 i 2015 (2015: første år med data fra tabell 13470;")
    assert "planens utgangsår 2010 ligger utenfor dataene" in text
    assert sections.baseline_text(store, "r", "x", 2016, "en") == "12 in 2016"


def test_the_country_whole_is_not_charted_beside_regional_shares():
    # the comparators are the city regions of the 10 % commuting rule; Norway's 100 % is left out
    cities = (("oslo-pendling", 9.0), ("bergen-pendling", 5.0))
    rows = [("s", g, g, 2025, v, "percent") for g, v in cities]
    store = _store([*rows, ("s", "norge", "Norge", 2025, 100.0, "percent")])
    shown = set(sections._comparators(store, "s")["geo_code"])
    assert shown == {"oslo-pendling", "bergen-pendling"}


def test_industry_codes_carry_their_names():
    assert industry_name("68-75", "nb") == (
        "68-75 Eiendom, faglig, vitenskapelig og teknisk tjenesteyting"
    )
    assert industry_name("10-33", "en") == "10-33 Manufacturing"
    assert industry_name("99-99", "nb") == "99-99"


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_long_titles_wrap_inside_the_figure_and_a_cut_axis_says_so(lang: str):
    title = "Trondheimsregionen (medlemskommuner): " + "Nye foretak per 1 000 innbyggere " * 4
    history = pd.Series([10.0, 11.0, 12.5], index=[2020, 2021, 2022])
    chart = figures.fan_chart(history, pd.DataFrame(), None, title, "y", lang)
    titles = chart.texts_of("title")
    assert len(titles) > 1 and all(box.x1 <= chart.width for _, _, box in chart.texts)
    notes = chart.texts_of("note")
    assert any("null" in n or "zero" in n for n in notes), notes
    html = figures.figure_html(figures.bar_chart(history, title, "x", lang), title, "alt text")
    assert 'alt="alt text"' in html
