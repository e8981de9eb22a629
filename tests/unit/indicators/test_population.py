"""Population indicators on small hand-made frames; every expected number computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from trsplan.indicators import population

NAN = float("nan")


def _tidy(rows: list[tuple[str, str, str, float, str | None]]) -> pd.DataFrame:
    """Rows as read_jsonstat returns them: Region, ContentsCode, Tid, value, status."""
    frame = pd.DataFrame(rows, columns=["Region", "ContentsCode", "Tid", "value", "status"])
    return frame.astype({"Region": "string", "ContentsCode": "string", "Tid": "string"})


def test_derive_components_and_rate():
    frame = pd.DataFrame(
        {
            "code": ["5001"],
            "year": [2020],
            "population": [1000.0],
            "births": [10.0],
            "deaths": [4.0],
            "in_migration": [30.0],
            "out_migration": [25.0],
            "immigration": [5.0],
            "emigration": [2.0],
            "domestic_in_migration": [25.0],
            "domestic_out_migration": [23.0],
            "population_change": [14.0],
        }
    )
    out = population.derive(frame).iloc[0]
    assert out["natural_increase"] == 6  # 10 - 4
    assert out["net_migration"] == 5  # 30 - 25: 06913 moves include those from/to abroad
    assert out["net_international_migration"] == 3  # 5 - 2
    assert out["net_domestic_migration"] == 2  # 25 - 23 (= 5 - 3: the parts add up)
    assert out["population_growth_pct"] == pytest.approx(1.4)  # 14 / 1000 * 100


def test_derive_keeps_missing_missing():
    frame = pd.DataFrame(
        {
            "code": ["5001"],
            "year": [2026],
            "population": [1000.0],
            **{f: [NAN] for f in population.FLOWS},
        }
    )
    out = population.derive(frame).iloc[0]
    assert math.isnan(out["natural_increase"]) and math.isnan(out["population_growth_pct"])


def test_municipal_frame_uses_each_years_codes_and_drops_invalid_cells():
    pop = _tidy(
        [
            ("1601", "Personer1", "2017", 190464.0, None),
            ("5001", "Personer1", "2017", NAN, "."),  # 5001 is not valid in 2017
            ("1601", "Personer1", "2018", NAN, "."),
            ("5001", "Personer1", "2018", 193501.0, None),
        ]
    )
    changes = _tidy(
        [
            ("1601", "Levende", "2017", 2000.0, None),
            ("1601", "Dode", "2017", 1200.0, None),
            ("1601", "Folketilvekst", "2017", NAN, ".."),  # missing, not zero
            ("5001", "Levende", "2017", NAN, "."),
        ]
    )
    # 01223 is cumulative within the year: K4 is the whole year, earlier quarters are ignored
    quarters = _tidy(
        [
            *[("1601", "Innvandring5", f"2017K{q}", 100.0 * q, None) for q in (1, 2, 3, 4)],
            *[("1601", "Utvandring6", f"2017K{q}", 10.0 * q, None) for q in (1, 2, 3)],
            ("1601", "Utvandring6", "2017K4", NAN, ".."),
        ]
    )
    frame = population.municipal_frame(pop, changes, quarters)
    assert frame[["code", "year"]].values.tolist() == [["1601", 2017], ["5001", 2018]]
    row = frame.iloc[0]
    assert row["population"] == 190464 and row["births"] == 2000 and row["deaths"] == 1200
    assert math.isnan(row["population_change"])
    assert math.isnan(frame.iloc[1]["births"])
    assert row["immigration"] == 400  # the K4 value, not 100 + 200 + 300 + 400
    assert math.isnan(row["emigration"])  # K4 missing: the year is missing


def test_aggregate_sums_with_split_weights_and_propagates_missing():
    data = pd.DataFrame(
        {
            "code": ["A", "B", "C", "A", "B", "C"],
            "year": [2019, 2019, 2019, 2020, 2020, 2020],
            "population": [100.0, 50.0, 40.0, 110.0, NAN, 44.0],
        }
    )
    members = pd.DataFrame(
        {
            "geo_code": ["R"] * 6,
            "year": [2019, 2019, 2019, 2020, 2020, 2020],
            "code": ["A", "B", "C", "A", "B", "C"],
            "weight": [1.0, 1.0, 0.25, 1.0, 1.0, 0.25],
        }
    )
    out = population.aggregate(data, members, ["population"]).set_index("year")["population"]
    assert out[2019] == 160  # 100 + 50 + 0.25 × 40
    assert math.isnan(out[2020])  # B is missing in 2020: the total is unknown, not 154


def test_goal_5_1_annual_and_cumulative_by_hand():
    regions = pd.DataFrame(
        {
            "geo_code": ["R"] * 5,
            "year": [2009, 2010, 2011, 2012, 2013],
            "population_change": [5000.0, 4500.0, 3000.0, NAN, 4200.0],
        }
    )
    out = population.goal_5_1(regions, 4000, baseline_year=2010).set_index("year")
    # before the baseline there is no target
    assert math.isnan(out.loc[2009, "population_change_target"])
    assert math.isnan(out.loc[2009, "cumulative_population_change"])
    assert out.loc[2010, "population_change_vs_target"] == 500
    assert out.loc[2010, "goal_5_1_annual_met"] == 1
    assert out.loc[2011, "goal_5_1_annual_met"] == 0
    assert out.loc[2011, "cumulative_population_change"] == 7500  # 4500 + 3000
    assert out.loc[2011, "cumulative_population_change_target"] == 8000  # 4000 × 2
    assert out.loc[2011, "goal_5_1_cumulative_met"] == 0
    # a missing year is not met or unmet, and the cumulative sum stops being known
    assert math.isnan(out.loc[2012, "goal_5_1_annual_met"])
    assert math.isnan(out.loc[2012, "cumulative_population_change"])
    assert out.loc[2012, "cumulative_population_change_target"] == 12000
    assert out.loc[2013, "goal_5_1_annual_met"] == 1
    assert math.isnan(out.loc[2013, "cumulative_population_change"])
    assert math.isnan(out.loc[2013, "goal_5_1_cumulative_met"])


def test_goal_5_1_exactly_on_target_is_met():
    regions = pd.DataFrame({"geo_code": ["R"], "year": [2010], "population_change": [4000.0]})
    out = population.goal_5_1(regions, 4000).iloc[0]
    assert out["goal_5_1_annual_met"] == 1 and out["goal_5_1_cumulative_met"] == 1
