"""Immigrant share and net immigration (goal 5.3); numbers by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from trsplan.errors import TrsplanError
from trsplan.indicators import immigration

NAN = float("nan")

FRAME = pd.DataFrame(
    {
        "geo_code": ["A", "B", "A"],
        "year": [2020, 2020, 2021],
        "immigrants": [150.0, 50.0, NAN],
        "population": [1000.0, 4000.0, 1010.0],
        "immigration": [30.0, 12.0, 25.0],
        "emigration": [10.0, 14.0, NAN],
    }
)
MEMBERS = pd.DataFrame(
    {"geo_code": ["R"] * 4, "year": [2020, 2020, 2021, 2021], "code": ["A", "B", "A", "B"],
     "weight": [1.0] * 4}
)  # fmt: skip


def test_share_and_net_immigration():
    out = immigration.derive(FRAME)
    assert out["immigrant_share"].iloc[0] == pytest.approx(15.0)  # 150 / 1000 × 100
    assert out["immigrant_share"].iloc[1] == pytest.approx(1.25)  # 50 / 4000 × 100
    assert out["net_immigration"].iloc[0] == 20  # 30 − 10
    assert out["net_immigration"].iloc[1] == -2  # 12 − 14
    assert math.isnan(out["immigrant_share"].iloc[2])  # unknown immigrants stay unknown
    assert math.isnan(out["net_immigration"].iloc[2])


def test_regional_from_sums_and_missing_members():
    out = immigration.regional(FRAME, MEMBERS).set_index("year")
    # (150 + 50) / (1000 + 4000) × 100 = 4 %, not the mean of 15 % and 1.25 %
    assert out.loc[2020, "immigrant_share"] == pytest.approx(4.0)
    assert out.loc[2020, "net_immigration"] == 18  # (30 + 12) − (10 + 14)
    assert math.isnan(out.loc[2021, "immigrant_share"])  # B has no 2021 row


def test_requires_columns():
    with pytest.raises(TrsplanError, match="immigrants"):
        immigration.immigrant_share(FRAME.drop(columns="immigrants"))


@given(
    st.lists(st.tuples(st.integers(0, 50_000), st.integers(1, 100_000)), min_size=1, max_size=12)
)
def test_regional_share_is_sum_over_sum(rows):
    codes = [f"{i:04d}" for i in range(len(rows))]
    frame = pd.DataFrame(
        {
            "geo_code": codes,
            "year": 2020,
            "immigrants": [float(min(i, p)) for i, p in rows],
            "population": [float(p) for _, p in rows],
        }
    )
    members = pd.DataFrame({"geo_code": "R", "year": 2020, "code": codes, "weight": 1.0})
    out = immigration.regional(frame, members).iloc[0]
    expected = sum(min(i, p) for i, p in rows) / sum(p for _, p in rows) * 100
    assert out["immigrant_share"] == pytest.approx(expected)
    assert 0 <= out["immigrant_share"] <= 100
