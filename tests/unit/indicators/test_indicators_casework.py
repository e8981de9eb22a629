"""KOSTRA case-processing times (goal 3.2): ranks, percentiles and case-weighted regional means."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trsplan.errors import TrsplanError
from trsplan.indicators import casework

NAN = float("nan")

# 2020: five municipalities, m4 did not report; m2 and m3 tie.
# Reporters n = 4, sorted: m1 20, m2 30, m3 30, m5 50.
FRAME = pd.DataFrame(
    {
        "geo_code": ["m1", "m2", "m3", "m4", "m5", "m1"],
        "year": [2020, 2020, 2020, 2020, 2020, 2021],
        "building_case_days_12w": [20.0, 30.0, 30.0, NAN, 50.0, 40.0],
        "building_cases_12w": [100.0, 300.0, 10.0, 50.0, 5.0, 7.0],
    }
)


def test_min_rank_ties_non_reporter_and_percentile():
    out = casework.case_rankings(FRAME)
    y20 = out[out["year"] == 2020].set_index("geo_code")
    # min ranks: 1, 2, 2, (none), 4
    assert y20["building_case_rank"].to_dict() == pytest.approx(
        {"m1": 1.0, "m2": 2.0, "m3": 2.0, "m4": NAN, "m5": 4.0}, nan_ok=True
    )
    # percentile = (rank − 1) / (n − 1) × 100 with n = 4: 0, 33.3, 33.3, 100
    assert y20.loc["m1", "building_case_percentile"] == 0
    assert y20.loc["m2", "building_case_percentile"] == pytest.approx(100 / 3)
    assert y20.loc["m5", "building_case_percentile"] == 100
    assert y20["building_case_reported"].to_dict() == {
        "m1": True, "m2": True, "m3": True, "m4": False, "m5": True
    }  # fmt: skip
    assert math.isnan(y20.loc["m4", "building_case_percentile"])
    # top quartile = percentile ≤ 25: only m1; the non-reporter is neither in nor out
    assert y20.loc["m1", "building_case_top_quartile"] == 1.0
    assert y20.loc["m2", "building_case_top_quartile"] == 0.0
    assert math.isnan(y20.loc["m4", "building_case_top_quartile"])
    # 2021 has a single reporter: rank 1, percentile 0
    y21 = out[out["year"] == 2021].iloc[0]
    assert y21["building_case_rank"] == 1 and y21["building_case_percentile"] == 0


def test_average_rank_ties():
    out = casework.rank_shortest(FRAME[FRAME["year"] == 2020], "building_case_days_12w", "average")
    ranks = out.set_index("geo_code")["rank"]
    assert ranks["m2"] == ranks["m3"] == 2.5  # positions 2 and 3 share (2 + 3) / 2
    pct = out.set_index("geo_code")["percentile"]
    assert pct["m2"] == pytest.approx(50.0)  # (2.5 − 1) / 3 × 100
    with pytest.raises(TrsplanError):
        casework.rank_shortest(FRAME, "building_case_days_12w", "dense")  # type: ignore[arg-type]


def test_regional_mean_is_case_weighted_over_reporters():
    members = pd.DataFrame(
        {"geo_code": ["R"] * 3, "year": [2020] * 3, "code": ["m1", "m2", "m4"], "weight": [1.0] * 3}
    )
    out = casework.regional_case_days(FRAME, members).iloc[0]
    # (20 × 100 + 30 × 300) / (100 + 300) = 11000 / 400 = 27.5 (the mean of means would be 25);
    # m4 reported no days, so its 50 cases are left out
    assert out["building_case_days_12w"] == pytest.approx(27.5)
    assert out["building_cases_12w"] == 400
    assert out["building_case_members_reported"] == 2


def test_regional_mean_needs_case_counts():
    members = pd.DataFrame({"geo_code": ["R"], "year": [2020], "code": ["m1"], "weight": [1.0]})
    out = casework.regional_case_days(FRAME.drop(columns="building_cases_12w"), members)
    assert math.isnan(out.iloc[0]["building_case_days_12w"])  # never a mean of means


@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=200)), min_size=1, max_size=40)
)
def test_percentile_is_within_0_and_100(days):
    values = [NAN if d is None else float(d) for d in days]
    frame = pd.DataFrame(
        {
            "geo_code": [f"{i:04d}" for i in range(len(values))],
            "year": 2020,
            "zoning_case_days": values,
        }
    )
    out = casework.rank_shortest(frame, "zoning_case_days")
    reported = out["reported"]
    assert reported.tolist() == [not math.isnan(v) for v in values]
    pct = out.loc[reported, "percentile"]
    assert pct.between(0, 100).all()
    assert out.loc[~reported, ["rank", "percentile", "top_quartile"]].isna().all().all()
    if reported.any():
        assert out.loc[reported, "rank"].min() == 1
        assert pct.min() == 0
