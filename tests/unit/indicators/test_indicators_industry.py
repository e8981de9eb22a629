"""Goal 1.5: location quotients, cluster candidates and shift-share; answers computed by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from frames import value_at
from hypothesis import given, settings
from hypothesis import strategies as st

from trsplan.errors import TrsplanError
from trsplan.indicators import industry

NAN = float("nan")


def _employment(rows: list[tuple[str, int, str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["geo_code", "year", "industry", "employment"])


# 2 geographies × 2 industries; Norway = their sum.
#   a: X 30, Y 70 (100)   b: X 10, Y 90 (100)   norge: X 40, Y 160 (200)
#   LQ aX = (30/100)/(40/200) = 1.5    aY = 0.7/0.8 = 0.875
#   LQ bX = 0.1/0.2 = 0.5              bY = 0.9/0.8 = 1.125
LQ_INPUT = _employment(
    [
        ("a", 2020, "X", 30.0), ("a", 2020, "Y", 70.0),
        ("b", 2020, "X", 10.0), ("b", 2020, "Y", 90.0),
        ("norge", 2020, "X", 40.0), ("norge", 2020, "Y", 160.0),
    ]
)  # fmt: skip


def test_location_quotients_by_hand():
    out = industry.location_quotients(LQ_INPUT)
    assert value_at(out, "location_quotient", geo_code="a", industry="X") == pytest.approx(1.5)
    assert value_at(out, "location_quotient", geo_code="a", industry="Y") == pytest.approx(0.875)
    assert value_at(out, "location_quotient", geo_code="b", industry="X") == pytest.approx(0.5)
    assert value_at(out, "location_quotient", geo_code="b", industry="Y") == pytest.approx(1.125)
    norway = out[out["geo_code"] == "norge"]["location_quotient"]
    assert norway.tolist() == pytest.approx([1.0, 1.0])


def test_location_quotients_with_a_total_row():
    # a's total (incl. 10 jobs in an unknown industry) is 110: LQ aX = (30/110)/(40/200) = 1.3636..
    frame = pd.concat(
        [
            LQ_INPUT,
            _employment(
                [("a", 2020, "T", 110.0), ("b", 2020, "T", 100.0), ("norge", 2020, "T", 200.0)]
            ),
        ]
    )
    out = industry.location_quotients(frame, total_industry="T")
    assert "T" not in set(out["industry"])
    assert value_at(out, "location_quotient", geo_code="a", industry="X") == pytest.approx(
        (30 / 110) / 0.2
    )


def test_suppressed_cell_makes_the_geographys_lqs_missing():
    frame = LQ_INPUT.copy()
    frame.loc[(frame["geo_code"] == "b") & (frame["industry"] == "X"), "employment"] = NAN
    out = industry.location_quotients(frame)
    assert out.loc[out["geo_code"] == "b", "location_quotient"].isna().all()  # total unknown
    assert value_at(out, "location_quotient", geo_code="a", industry="X") == pytest.approx(1.5)


def test_missing_reference_is_an_error():
    with pytest.raises(TrsplanError):
        industry.location_quotients(LQ_INPUT[LQ_INPUT["geo_code"] != "norge"])


def test_cluster_candidates():
    lq = industry.location_quotients(LQ_INPUT)
    out = industry.cluster_candidates(lq, threshold=1.25, min_jobs=20)
    # only aX has LQ >= 1.25 (1.5) with >= 20 jobs (30); bY's 1.125 is below the threshold
    hits = out[out["cluster_candidate"] == 1.0]
    assert list(zip(hits["geo_code"], hits["industry"], strict=True)) == [("a", "X")]
    assert (
        industry.cluster_candidates(lq, threshold=1.25, min_jobs=50)["cluster_candidate"].sum() == 0
    )
    lq.loc[0, "location_quotient"] = NAN
    assert math.isnan(
        industry.cluster_candidates(lq, threshold=1.25, min_jobs=20)["cluster_candidate"].iloc[0]
    )


def test_cluster_settings_file():
    settings_ = industry.load_cluster_settings()
    assert settings_.lq_threshold == 1.25
    assert settings_.min_jobs > 0


# Shift-share 2015 -> 2020. Norway: X 1000 -> 1200 (g_X = 0.2), Y 3000 -> 3000 (g_Y = 0),
# total 4000 -> 4200 (g = 0.05).
#   a X 100 -> 120: NS = 100·.05 = 5,   IM = 100·(.2-.05) = 15,  RS = 20 - 100·.2 = 0
#   a Y 200 -> 190: NS = 10,            IM = 200·(0-.05) = -10,  RS = -10 - 0 = -10
#   b X  50 ->  70: NS = 2.5,           IM = 7.5,                RS = 20 - 10 = 10
#   b Y 150 -> 180: NS = 7.5,           IM = -7.5,               RS = 30 - 0 = 30
SHIFT_INPUT = _employment(
    [
        ("a", 2015, "X", 100.0), ("a", 2020, "X", 120.0),
        ("a", 2015, "Y", 200.0), ("a", 2020, "Y", 190.0),
        ("b", 2015, "X", 50.0), ("b", 2020, "X", 70.0),
        ("b", 2015, "Y", 150.0), ("b", 2020, "Y", 180.0),
        ("norge", 2015, "X", 1000.0), ("norge", 2020, "X", 1200.0),
        ("norge", 2015, "Y", 3000.0), ("norge", 2020, "Y", 3000.0),
    ]
)  # fmt: skip
EXPECTED = {
    ("a", "X"): (20, 5, 15, 0),
    ("a", "Y"): (-10, 10, -10, -10),
    ("b", "X"): (20, 2.5, 7.5, 10),
    ("b", "Y"): (30, 7.5, -7.5, 30),
    ("norge", "X"): (200, 50, 150, 0),
    ("norge", "Y"): (0, 150, -150, 0),
}


def test_shift_share_by_hand():
    out = industry.shift_share(SHIFT_INPUT, 2015, 2020)
    assert set(out["year"]) == {2020} and set(out["base_year"]) == {2015}
    cols = ["employment_change", *industry.SHIFT_SHARE_COLUMNS]
    for (geo, ind), expected in EXPECTED.items():
        row = out[(out["geo_code"] == geo) & (out["industry"] == ind)][cols].iloc[0]
        assert row.tolist() == pytest.approx(list(expected)), (geo, ind)


def test_shift_share_new_industry_and_missing_year():
    extra = _employment(
        [
            ("a", 2015, "Z", 0.0), ("a", 2020, "Z", 5.0),
            ("b", 2020, "Z", 4.0),  # b has no 2015 row for Z
            ("norge", 2015, "Z", 10.0), ("norge", 2020, "Z", 20.0),
        ]
    )  # fmt: skip
    frame = pd.concat([SHIFT_INPUT, extra], ignore_index=True)
    out = industry.shift_share(frame, 2015, 2020)
    az = out[(out["geo_code"] == "a") & (out["industry"] == "Z")].iloc[0]
    assert (
        az["shift_share_national"],
        az["shift_share_industry_mix"],
        az["shift_share_regional"],
    ) == (0.0, 0.0, 5.0)  # e0 = 0: all the growth is regional
    bz = out[(out["geo_code"] == "b") & (out["industry"] == "Z")].iloc[0]
    assert math.isnan(bz["shift_share_regional"])  # no 2015 row: unknown, not 0


def test_aggregate_members_is_strict_and_weighted():
    frame = pd.DataFrame(
        {"code": ["5001", "5001", "5028"], "year": [2020] * 3, "industry": ["X", "Y", "X"],
         "employment": [10.0, 20.0, 5.0]}
    )  # fmt: skip
    members = pd.DataFrame({"geo_code": ["r", "r"], "code": ["5001", "5028"], "weight": [1.0, 0.5]})
    out = industry.aggregate_members(frame, members, ["employment"])
    assert value_at(out, "employment", industry="X") == pytest.approx(12.5)  # 10 + 0.5·5
    assert math.isnan(value_at(out, "employment", industry="Y"))  # 5028 has no Y row


# --- properties ---------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=10_000).map(float)


@st.composite
def panels(draw: st.DrawFn) -> pd.DataFrame:
    n_geo = draw(st.integers(1, 4))
    n_ind = draw(st.integers(1, 4))
    rows = []
    for year in (2015, 2020):
        for g in range(n_geo):
            for j in range(n_ind):
                rows.append((f"g{g}", year, f"i{j}", draw(counts)))
    frame = _employment(rows)
    national = frame.groupby(["year", "industry"], as_index=False)["employment"].sum()
    national["employment"] += draw(st.integers(1, 1000))  # the rest of the country (> 0)
    return pd.concat([frame, national.assign(geo_code="norge")], ignore_index=True)


@settings(max_examples=60, deadline=None)
@given(panels())
def test_shift_share_components_sum_to_the_actual_change(frame: pd.DataFrame):
    out = industry.shift_share(frame, 2015, 2020)
    total = out[industry.SHIFT_SHARE_COLUMNS].sum(axis=1)
    assert total.to_numpy() == pytest.approx(out["employment_change"].to_numpy(), abs=1e-6)
    norway = out[out["geo_code"] == "norge"]
    assert norway["shift_share_regional"].to_numpy() == pytest.approx(0.0, abs=1e-6)
    assert norway["shift_share_industry_mix"].sum() == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(panels())
def test_national_location_quotient_is_one(frame: pd.DataFrame):
    out = industry.location_quotients(frame)
    norway = out[out["geo_code"] == "norge"]["location_quotient"]
    assert norway.to_numpy() == pytest.approx(1.0)


def test_cluster_regional_shift_by_hand():
    from trsplan.indicators.industry import base_year_clusters, cluster_regional_shift

    # Norway: A 1000 -> 1100 (g_A = 0.10), B 2000 -> 2000 (g_B = 0)
    # r (cluster A): RS_A = 230 - 200 * 1.10 = 10; 10 / 200 = 5 %; jobs 230
    # s (clusters A, B): RS_A = 105 - 100 * 1.1 = -5, RS_B = 60 - 50 = 10; sum 5 / 150 = 3.33 %
    rows = [
        ("norge", "A", 1000, 1100),
        ("norge", "B", 2000, 2000),
        ("r", "A", 200, 230),
        ("r", "B", 100, 90),
        ("s", "A", 100, 105),
        ("s", "B", 50, 60),
    ]
    emp = pd.DataFrame(
        [(g, y, i, float(v)) for g, i, a, b in rows for y, v in ((2015, a), (2020, b))],
        columns=["geo_code", "year", "industry", "employment"],
    )
    clusters = pd.DataFrame({"geo_code": ["r", "s", "s"], "industry": ["A", "A", "B"]})
    out = cluster_regional_shift(emp, clusters, 2015, 2020).set_index("geo_code")
    assert list(out.index) == ["r", "s"]  # Norway has no clusters: no row
    assert out.loc["r", "cluster_regional_shift"] == pytest.approx(10.0)
    assert out.loc["r", "cluster_regional_shift_pct"] == pytest.approx(5.0)
    assert out.loc["r", "cluster_jobs"] == pytest.approx(230.0)
    assert out.loc["s", "cluster_regional_shift"] == pytest.approx(5.0)
    assert out.loc["s", "cluster_regional_shift_pct"] == pytest.approx(100 * 5 / 150)
    assert (out["year"] == 2020).all()
    # a missing cell makes the cluster sums missing, never a partial sum
    emp.loc[
        (emp["geo_code"] == "s") & (emp["industry"] == "B") & (emp["year"] == 2020), "employment"
    ] = float("nan")
    gap = cluster_regional_shift(emp, clusters, 2015, 2020).set_index("geo_code")
    assert pd.isna(gap.loc["s", "cluster_regional_shift_pct"])
    # clusters are fixed in the base year: LQ >= threshold and jobs >= min in 2015 only
    cand = pd.DataFrame(
        {
            "geo_code": ["r", "r", "r"],
            "year": [2015, 2015, 2020],
            "industry": ["A", "B", "B"],
            "cluster_candidate": [1.0, 0.0, 1.0],
        }
    )
    fixed = base_year_clusters(cand, 2015)
    assert list(zip(fixed["geo_code"], fixed["industry"], strict=True)) == [("r", "A")]
