"""Business start-up indicators and the composite index (goals 1, 3, 3.4); numbers by hand."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trsplan import paths
from trsplan.errors import TrsplanError
from trsplan.indicators import business
from trsplan.indicators.business import IndexComponent, IndexDefinition

NAN = float("nan")


def _members(region: str, year: int, codes: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"geo_code": region, "year": year, "code": codes, "weight": [1.0] * len(codes)}
    )


def test_new_enterprises_per_1000_and_regional_from_sums():
    frame = pd.DataFrame(
        {
            "geo_code": ["A", "B"],
            "year": [2020, 2020],
            "new_enterprises": [50.0, 30.0],
            "population": [10_000.0, 5_000.0],
        }
    )
    out = business.new_enterprises_per_1000(frame).set_index("geo_code")
    assert out.loc["A", "new_enterprises_per_1000"] == pytest.approx(5.0)  # 50 / 10000 × 1000
    assert out.loc["B", "new_enterprises_per_1000"] == pytest.approx(6.0)  # 30 / 5000 × 1000
    region = business.regional_new_enterprises(frame, _members("R", 2020, ["A", "B"])).iloc[0]
    # 80 / 15000 × 1000 = 5.333, not the mean of the rates (5.5)
    assert region["new_enterprises_per_1000"] == pytest.approx(80 / 15)


# Two geographies × two industries. National start rates: a 100 / 1000 = 0.10, b 50 / 1000 = 0.05.
#   G1: a 100 firms, 10 new; b 100 firms,  2 new -> actual 12, expected 100×0.10 + 100×0.05 = 15
#   G2: a  20 firms,  3 new; b 180 firms, 12 new -> actual 15, expected  20×0.10 + 180×0.05 = 11
CELLS = pd.DataFrame(
    {
        "geo_code": ["G1", "G1", "G2", "G2"],
        "year": [2020] * 4,
        "industry": ["a", "b", "a", "b"],
        "new_enterprises": [10.0, 2.0, 3.0, 12.0],
        "firms": [100.0, 100.0, 20.0, 180.0],
    }
)
NATIONAL = pd.DataFrame(
    {"year": [2020, 2020], "industry": ["a", "b"], "new_enterprises": [100.0, 50.0],
     "firms": [1000.0, 1000.0]}
)  # fmt: skip


def test_industry_adjusted_rate_two_geos_two_industries():
    out = business.industry_adjusted_startups(CELLS, NATIONAL).set_index("geo_code")
    assert out.loc["G1", "expected_startups"] == pytest.approx(15.0)
    assert out.loc["G2", "expected_startups"] == pytest.approx(11.0)
    assert out.loc["G1", "startup_rate_industry_adjusted"] == pytest.approx(0.8)  # 12 / 15
    assert out.loc["G2", "startup_rate_industry_adjusted"] == pytest.approx(15 / 11)
    assert out.loc["G1", "startup_rate"] == pytest.approx(6.0)  # 12 / 200 × 100
    assert out.loc["G2", "startup_rate"] == pytest.approx(7.5)  # 15 / 200 × 100
    region = business.regional_startups(out.reset_index(), _members("R", 2020, ["G1", "G2"]))
    assert region.iloc[0]["startup_rate_industry_adjusted"] == pytest.approx(27 / 26)


def test_national_rates_from_the_frame_make_the_country_exactly_expected():
    # national rates from the two geos: a 13 / 120, b 14 / 280 = 0.05
    # G1 expected = 100 × 13/120 + 100 × 0.05 = 15.8333; G2 = 20 × 13/120 + 180 × 0.05 = 11.1667
    out = business.industry_adjusted_startups(CELLS).set_index("geo_code")
    assert out.loc["G1", "expected_startups"] == pytest.approx(100 * 13 / 120 + 5)
    assert out.loc["G2", "expected_startups"] == pytest.approx(20 * 13 / 120 + 9)
    assert out["expected_startups"].sum() == pytest.approx(27.0)  # = all actual starts


def test_industry_adjusted_with_employment_base_and_missing_cells():
    cells = CELLS.rename(columns={"firms": "employed"})
    national = NATIONAL.rename(columns={"firms": "employed"})
    out = business.industry_adjusted_startups(cells, national, base="employed")
    assert "startup_rate" not in out.columns  # only meaningful per existing firm
    assert out.set_index("geo_code").loc["G1", "startup_rate_industry_adjusted"] == pytest.approx(
        0.8
    )
    gappy = CELLS.copy()
    gappy.loc[1, "new_enterprises"] = NAN  # G1, industry b suppressed
    out = business.industry_adjusted_startups(gappy, NATIONAL).set_index("geo_code")
    assert math.isnan(out.loc["G1", "startup_rate_industry_adjusted"])
    assert out.loc["G2", "startup_rate_industry_adjusted"] == pytest.approx(15 / 11)


def test_net_firm_growth_uses_the_calendar_year_before():
    frame = pd.DataFrame(
        {"geo_code": ["G"] * 3, "year": [2018, 2019, 2021], "firms": [100.0, 110.0, 99.0]}
    )
    out = business.net_firm_growth(frame).set_index("year")
    assert math.isnan(out.loc[2018, "net_firm_growth"])
    assert out.loc[2019, "net_firm_growth"] == 10  # 110 − 100
    assert out.loc[2019, "net_firm_growth_pct"] == pytest.approx(10.0)  # 10 / 100 × 100
    assert math.isnan(out.loc[2021, "net_firm_growth"])  # 2020 is missing: not 99 − 110


# Composite: a (weight 0.75, higher better), b (weight 0.25, lower better).
# Municipal values: a = 1, 2, 3; b = 10, 20, 30. Mean a 2, sd (ddof 0) √(2/3) = 0.8165.
MUNI = pd.DataFrame(
    {
        "geo_code": ["m1", "m2", "m3"],
        "year": [2020] * 3,
        "a": [1.0, 2.0, 3.0],
        "b": [10.0, 20.0, 30.0],
    }
)
REGION = pd.DataFrame({"geo_code": ["R"], "year": [2020], "a": [2.5], "b": [10.0]})
COMPONENTS = (IndexComponent("a", 0.75), IndexComponent("b", 0.25, higher_is_better=False))


def test_composite_index_zscore():
    out = business.business_index(MUNI, REGION, IndexDefinition(COMPONENTS)).set_index("geo_code")
    z = 1 / math.sqrt(2 / 3)  # 1.2247: the z of a value one unit from the mean
    # m1: 0.75 × (−1.2247) + 0.25 × (+1.2247) = −0.6124
    assert out.loc["m1", "business_index"] == pytest.approx(-0.5 * z)
    assert out.loc["m2", "business_index"] == pytest.approx(0.0)
    # R: a = 2.5 -> z 0.6124; b = 10 -> −(−1.2247); 0.75 × 0.6124 + 0.25 × 1.2247 = 0.7655
    assert out.loc["R", "business_index"] == pytest.approx(0.75 * 0.5 * z + 0.25 * z)
    assert out.loc["R", "geo_level"] == "region" and out.loc["m1", "geo_level"] == "municipality"


def test_composite_index_rank_method():
    definition = IndexDefinition(COMPONENTS, method="rank")
    out = business.business_index(MUNI, REGION, definition).set_index("geo_code")
    # mid-rank percentiles of a: 16.67, 50, 83.33; b reversed: 83.33, 50, 16.67
    assert out.loc["m1", "a_score"] == pytest.approx(100 / 6)
    assert out.loc["m1", "business_index"] == pytest.approx(0.75 * 100 / 6 + 0.25 * 500 / 6)
    # R: a 2.5 is above 2 of 3 -> 66.67; b 10 ties m1 -> (0 + ½) / 3 = 16.67 -> 83.33
    assert out.loc["R", "business_index"] == pytest.approx(0.75 * 200 / 3 + 0.25 * 500 / 6)


def test_composite_index_missing_component_is_missing():
    muni = MUNI.copy()
    muni.loc[0, "b"] = NAN
    out = business.business_index(muni, None, IndexDefinition(COMPONENTS)).set_index("geo_code")
    assert math.isnan(out.loc["m1", "business_index"])
    assert out.loc["m2", "b_score"] == pytest.approx(1.0)  # b: 20, 30 -> mean 25, sd 5; −(−1)


def test_weights_must_sum_to_one():
    with pytest.raises(TrsplanError, match="sum to 0.9"):
        IndexDefinition((IndexComponent("a", 0.5), IndexComponent("b", 0.4)))
    with pytest.raises(TrsplanError, match="≥ 0"):
        IndexDefinition((IndexComponent("a", 1.5), IndexComponent("b", -0.5)))
    with pytest.raises(TrsplanError, match="method"):
        IndexDefinition((IndexComponent("a", 1.0),), method="mean")  # type: ignore[arg-type]
    with pytest.raises(TrsplanError, match="repeated"):
        IndexDefinition((IndexComponent("a", 0.5), IndexComponent("a", 0.5)))


def test_load_definition_from_yaml(tmp_path: Path):
    good = tmp_path / "good.yaml"
    good.write_text(
        "method: rank\ncomponents:\n"
        "  - {column: a, weight: '1/3'}\n  - {column: b, weight: '2/3', higher_is_better: false}\n",
        encoding="utf-8",
    )
    loaded = business.load_index_definition(good)
    assert loaded.method == "rank" and loaded.components[1].higher_is_better is False
    bad = tmp_path / "bad.yaml"
    bad.write_text("components:\n  - {column: a, weight: 0.6}\n  - {column: b, weight: 0.6}\n")
    with pytest.raises(TrsplanError, match="sum to 1.2"):
        business.load_index_definition(bad)


def test_shipped_definition_is_valid_and_uses_business_columns():
    definition = business.load_index_definition(
        paths.PACKAGE_DATA_DIR / "definitions" / "startup_index.yaml"
    )
    assert math.isclose(sum(c.weight for c in definition.components), 1.0)
    assert {c.column for c in definition.components} <= set(business.MEASURES)
    assert definition.id in business.MEASURES


@given(
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(1, 1_000_000)), min_size=1, max_size=12)
)
def test_regional_rate_is_sum_over_sum(rows):
    codes = [f"{i:04d}" for i in range(len(rows))]
    frame = pd.DataFrame(
        {
            "geo_code": codes,
            "year": 2020,
            "new_enterprises": [float(n) for n, _ in rows],
            "population": [float(p) for _, p in rows],
        }
    )
    region = business.regional_new_enterprises(frame, _members("R", 2020, codes)).iloc[0]
    expected = sum(n for n, _ in rows) / sum(p for _, p in rows) * 1000
    assert region["new_enterprises_per_1000"] == pytest.approx(expected)


def test_default_index_has_no_collinear_components():
    # with 08316 for all industries only, the "industry-adjusted" rate is the plain rate ÷ the
    # national rate (same ranking every year): it must not enter the index beside the plain rate
    from trsplan.indicators.business import load_index_definition

    definition = load_index_definition()
    columns = [c.column for c in definition.components]
    assert columns == ["startup_rate", "net_firm_growth_pct"]
    assert [c.weight for c in definition.components] == [0.5, 0.5]
    assert "startup_rate_industry_adjusted" not in columns
