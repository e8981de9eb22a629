"""Goal H (GDP share ÷ population share) on small hand-made frames; answers computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from frames import value_at

from trsplan.errors import TrsplanError
from trsplan.indicators import economy

NAN = float("nan")

# 2017: Sør-Trøndelag (16) and Nord-Trøndelag (17), two industries A and B.
#   county VA   16: A 1000, B 500   17: A 200, B 300   -> Trøndelag (50): A 1200, B 800
#   (a back-cast "50" row for 2017 must be ignored: the map uses 50 only from 2018)
# Keys by place of work:
#               employment      wage bill
#   1601 (16)   A 60, B 30      A 300, B 100
#   1602 (16)   A 20, B 10      A 100, B 100
#   1714 (17)   A 20, B 60      A 100, B 300
#   county 50   A 100, B 100    A 500, B 500
# Region r = {1601, 1714}:
#   employment: A (60+20)/100 × 1200 = 960,  B (30+60)/100 × 800 = 720  -> 1680
#   wage bill:  A (300+100)/500 × 1200 = 960, B (100+300)/500 × 800 = 640 -> 1600
COUNTY_VA = pd.DataFrame(
    {
        "county": ["16", "16", "17", "17", "F-50", "F-50"],
        "year": [2017] * 6,
        "industry": ["A", "B"] * 3,
        "value_added": [1000.0, 500.0, 200.0, 300.0, 9999.0, 9999.0],
    }
)
BASE = pd.DataFrame(
    {
        "code": ["1601", "1601", "1602", "1602", "1714", "1714"],
        "year": [2017] * 6,
        "industry": ["A", "B"] * 3,
        "employment": [60.0, 30.0, 20.0, 10.0, 20.0, 60.0],
        "wage_bill": [300.0, 100.0, 100.0, 100.0, 100.0, 300.0],
    }
)
MEMBERS = pd.DataFrame({"geo_code": ["r", "r"], "code": ["1601", "1714"], "weight": [1.0, 1.0]})


def test_harmonise_counties_sums_16_and_17_before_2018():
    out = economy.harmonise_counties(COUNTY_VA, ["value_added"])
    assert out["county"].tolist() == ["50", "50"]
    assert value_at(out, "value_added", industry="A") == 1200  # 1000 + 200; 9999 ignored
    assert value_at(out, "value_added", industry="B") == 800  # 500 + 300


def test_harmonise_counties_missing_part_is_nan_not_partial():
    va = COUNTY_VA[~((COUNTY_VA["county"] == "17") & (COUNTY_VA["industry"] == "B"))]
    out = economy.harmonise_counties(va, ["value_added"])
    assert value_at(out, "value_added", industry="A") == 1200
    assert math.isnan(value_at(out, "value_added", industry="B"))  # 17 B absent -> not 500


def test_harmonise_counties_uses_50_from_2018():
    va = pd.DataFrame(
        {
            "county": ["50", "16"],
            "year": [2018, 2018],
            "industry": ["A", "A"],
            "value_added": [7.0, 3.0],
        }
    )
    out = economy.harmonise_counties(va, ["value_added"])
    assert out["value_added"].tolist() == [7.0]  # the '.' 16 row of 2018 is dropped


def test_apportion_by_employment_two_counties_two_industries():
    out = economy.apportion_value_added(COUNTY_VA, BASE, None, "employment")
    assert set(out["county"]) == {"50"}
    assert value_at(out, "value_added", code="1601", industry="A") == pytest.approx(720)  # .6·1200
    assert value_at(out, "value_added", code="1602", industry="B") == pytest.approx(80)  # .1·800
    assert value_at(out, "value_added", code="1714", industry="B") == pytest.approx(480)  # .6·800
    # shares of a county sum to 1, so the county's VA is fully distributed
    assert out.groupby("industry")["value_added"].sum().tolist() == pytest.approx([1200, 800])


def test_apportion_within_historical_counties_with_an_empty_map():
    empty = economy.COUNTY_MAP.iloc[0:0]
    out = economy.apportion_value_added(COUNTY_VA, BASE, None, "employment", county_map=empty)
    # 1601 A within 16: 60 / (60 + 20) × 1000 = 750; 1714 A alone in 17: 200
    assert value_at(out, "value_added", code="1601", industry="A") == pytest.approx(750)
    assert value_at(out, "value_added", code="1714", industry="A") == pytest.approx(200)


def test_apportion_keeps_counties_apart_in_2020():
    # county 50: A 1000 over 5001 (30) and 5028 (10) -> 750, 250; county 18: A 400 -> 1804 400
    va = pd.DataFrame(
        {
            "county": ["50", "18"],
            "year": [2020, 2020],
            "industry": ["A", "A"],
            "value_added": [1000.0, 400.0],
        }
    )
    base = pd.DataFrame(
        {
            "code": ["5001", "5028", "1804"],
            "year": [2020] * 3,
            "industry": ["A"] * 3,
            "employment": [30.0, 10.0, 50.0],
        }
    )
    cmap = pd.DataFrame(
        {"code": ["5001", "5028", "1804"], "year": [2020] * 3, "county": ["F-50", "50", "18"]}
    )
    out = economy.apportion_value_added(va, base, cmap, "employment")
    assert value_at(out, "value_added", code="5001") == pytest.approx(750)
    assert value_at(out, "value_added", code="5028") == pytest.approx(250)
    assert value_at(out, "value_added", code="1804") == pytest.approx(400)


def test_regional_value_added_both_methods():
    out = economy.regional_value_added(COUNTY_VA, BASE, None, MEMBERS)
    row = out.iloc[0]
    assert row["value_added_employment"] == pytest.approx(1680)  # 960 + 720
    assert row["value_added_wage_bill"] == pytest.approx(1600)  # 960 + 640
    assert row["industries_missing_employment"] == 0


def test_suppressed_employment_is_not_apportioned_and_flags_the_total():
    base = BASE.copy()
    base.loc[(base["code"] == "1714") & (base["industry"] == "B"), "employment"] = NAN  # ':'
    muni = economy.apportion_value_added(COUNTY_VA, base, None, "employment")
    # the county key total of B is unknown -> every municipality's B is NaN, A unaffected
    assert muni.loc[muni["industry"] == "B", "value_added"].isna().all()
    assert value_at(muni, "value_added", code="1601", industry="A") == pytest.approx(720)
    out = economy.regional_value_added(COUNTY_VA, base, None, MEMBERS, methods=["employment"])
    row = out.iloc[0]
    assert math.isnan(row["value_added_employment"])  # never A only
    assert row["value_added_known_employment"] == pytest.approx(960)  # A: .8 × 1200
    assert row["industries_missing_employment"] == 1


def test_published_county_key_keeps_unsuppressed_municipalities():
    base = BASE.copy()
    base.loc[(base["code"] == "1714") & (base["industry"] == "B"), "employment"] = NAN
    county_base = pd.DataFrame(
        {
            "county": ["16", "16", "17", "17"],
            "year": [2017] * 4,
            "industry": ["A", "B"] * 2,
            "employment": [80.0, 40.0, 20.0, 60.0],
        }
    )  # -> 50: A 100, B 100
    muni = economy.apportion_value_added(
        COUNTY_VA, base, None, "employment", county_base=county_base
    )
    assert value_at(muni, "value_added", code="1601", industry="B") == pytest.approx(240)  # .3·800
    assert math.isnan(value_at(muni, "value_added", code="1714", industry="B"))
    only_1601 = MEMBERS.iloc[:1]
    out = economy.regional_value_added(
        COUNTY_VA, base, None, only_1601, methods=["employment"], county_base=county_base
    )
    assert out["value_added_employment"].iloc[0] == pytest.approx(960)  # 720 + 240


def _regional() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "geo_code": ["r"],
            "year": [2017],
            "population": [10.0],
            "value_added_wage_bill": [1600.0],
            "value_added_employment": [1680.0],
        }
    )


NATIONAL = pd.DataFrame({"year": [2017], "value_added": [16000.0], "population": [100.0]})


def test_gdp_share_ratio_range_and_central():
    # population share 10 %; VA shares 1600/16000 = 10 %, 1680/16000 = 10.5 %
    out = economy.gdp_share_ratio(_regional(), NATIONAL).iloc[0]
    assert out["population_share"] == pytest.approx(10)
    assert out["gdp_share_ratio_wage_bill"] == pytest.approx(1.0)  # 10 / 10
    assert out["gdp_share_ratio_employment"] == pytest.approx(1.05)  # 10.5 / 10
    assert out["gdp_share_ratio_lower"] == pytest.approx(1.0)
    assert out["gdp_share_ratio_upper"] == pytest.approx(1.05)
    assert out["gdp_share_ratio"] == pytest.approx(1.025)  # mean
    assert out["gdp_share"] == pytest.approx(10.25)
    wage = economy.gdp_share_ratio(_regional(), NATIONAL, central="wage_bill").iloc[0]
    assert wage["gdp_share_ratio"] == pytest.approx(1.0)


def test_gdp_share_ratio_needs_both_methods_for_the_range():
    regional = _regional().assign(value_added_employment=NAN)
    out = economy.gdp_share_ratio(regional, NATIONAL).iloc[0]
    assert math.isnan(out["gdp_share_ratio_lower"]) and math.isnan(out["gdp_share_ratio"])
    assert out["gdp_share_ratio_wage_bill"] == pytest.approx(1.0)
    wage = economy.gdp_share_ratio(regional, NATIONAL, central="wage_bill").iloc[0]
    assert wage["gdp_share_ratio"] == pytest.approx(1.0)


def test_goal_h_flags():
    out = economy.goal_h(economy.gdp_share_ratio(_regional(), NATIONAL)).iloc[0]
    assert out["gdp_share_ratio_gap"] == pytest.approx(0.025)
    assert out["goal_h_met"] == 1.0 and out["goal_h_met_both_methods"] == 1.0
    low = economy.goal_h(
        economy.gdp_share_ratio(_regional().assign(value_added_wage_bill=1500.0), NATIONAL)
    ).iloc[0]
    # ratios 0.9375 and 1.05 -> central 0.99375: not met; lower not met either
    assert low["goal_h_met"] == 0.0 and low["goal_h_met_both_methods"] == 0.0


def test_bad_method_is_an_error():
    with pytest.raises(TrsplanError):
        economy.apportion_value_added(COUNTY_VA, BASE, None, "turnover")  # type: ignore[arg-type]


def test_measures_are_goal_h():
    assert {g for g, _ in economy.MEASURES.values()} == {"H"}
    assert {"gdp_share_ratio", "gdp_share_ratio_lower", "gdp_share_ratio_upper"} <= set(
        economy.MEASURES
    )


# --- Goal H denominators (issue 8, item 2) -----------------------------------------------------


def _t11713(rows: list[tuple[str, str, str, float]]) -> pd.DataFrame:
    """A tidy 11713 frame (read_jsonstat's shape): Region, NACE2007, ContentsCode, Tid, value."""
    return pd.DataFrame(
        [(r, n, "BNPB", y, v, pd.NA) for r, n, y, v in rows],
        columns=["Region", "NACE2007", "ContentsCode", "Tid", "value", "status"],
    ).astype({"Region": "string", "NACE2007": "string", "Tid": "string", "value": "float64"})


def test_national_accounts_never_sums_aggregate_rows_as_counties():
    from trsplan.indicators import inputs

    # counties F-50 (A 60, B 40) and 03 (A 90, B 10): mainland = 200. Aggregates that must not
    # be counted as counties: the country "0" (total 260), a mainland row "F-Fastland" (200), a
    # counties' total "F-99" (200), the shelf "23" (A 50) and Svalbard "21" (A 5).
    # Norway 260 = mainland 200 + shelf 50 + extra-regional 10.
    rows = [
        ("F-50", "A", "2020", 60.0),
        ("F-50", "B", "2020", 40.0),
        ("F-03", "A", "2020", 90.0),
        ("F-03", "B", "2020", 10.0),
        ("0", "00-99", "2020", 260.0),
        ("0", "A", "2020", 200.0),
        ("0", "B", "2020", 60.0),
        ("F-Fastland", "A", "2020", 150.0),
        ("F-Fastland", "B", "2020", 50.0),
        ("F-99", "A", "2020", 150.0),
        ("F-99", "B", "2020", 50.0),
        ("23", "A", "2020", 50.0),
        ("21", "A", "2020", 5.0),
    ]
    frame = _t11713(rows)
    counties = inputs.county_accounts(frame)
    assert sorted(counties["county"].unique()) == ["03", "50"]
    assert counties["value_added"].sum() == pytest.approx(200.0)
    nat = inputs.national_accounts(frame).set_index("year").loc[2020]
    assert nat["value_added_mainland"] == pytest.approx(200.0)
    assert nat["value_added_norway"] == pytest.approx(260.0)
    assert nat["value_added_shelf"] == pytest.approx(50.0)
    assert nat["value_added_extra_regional"] == pytest.approx(10.0)
    # without a whole-country row the total stays missing, never the mainland sum
    no_country = inputs.national_accounts(frame[frame["Region"] != "0"]).iloc[0]
    assert no_country["value_added_mainland"] == pytest.approx(200.0)
    assert pd.isna(no_country["value_added_norway"])


def test_mean_population_is_the_average_of_two_first_januaries():
    # (100 + 110) / 2 = 105 for 2020; 2021 has no 1 January 2022 figure: missing
    pop = pd.DataFrame({"geo_code": ["r", "r"], "year": [2020, 2021], "population": [100.0, 110.0]})
    out = economy.mean_population(pop).set_index("year")["population"]
    assert out[2020] == pytest.approx(105.0)
    assert pd.isna(out[2021])


def test_goal_h_ratio_on_the_two_denominators_by_hand():
    # region VA 20, mainland 200, Norway 260; population 10 of 100.
    # mainland: (20/200) / (10/100) = 1.00; Norway total: (20/260) / 0.1 = 0.769...
    regional = pd.DataFrame(
        {"geo_code": ["r"], "year": [2020], "population": [10.0], "value_added_employment": [20.0]}
    )
    for va, expected in ((200.0, 1.0), (260.0, 20 / 260 / 0.1)):
        national = pd.DataFrame({"year": [2020], "value_added": [va], "population": [100.0]})
        out = economy.gdp_share_ratio(regional, national, central="employment")
        assert out["gdp_share_ratio"].iloc[0] == pytest.approx(expected)
