"""Municipality codes, regions and harmonisation (trsplan.geography) on the committed tables."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trsplan import geography as geo
from trsplan import paths
from trsplan.errors import (
    CodeValidityError,
    HarmonisationError,
    NonAdditiveColumnError,
    UnknownMunicipalityError,
    UnknownRegionError,
    YearOutOfRangeError,
)

REFERENCE = paths.shared_reference_dir()
needs_reference = pytest.mark.skipif(
    REFERENCE is None, reason="../shared/reference (real KLASS payloads) is not beside the checkout"
)


@pytest.fixture(scope="module", autouse=True)
def _project_tables():
    """Read the committed tables even if another fixture points TRSPLAN_DATA_DIR elsewhere."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TRSPLAN_DATA_DIR", str(paths.PROJECT_ROOT / "data"))
        geo.clear_cache()
        yield
    geo.clear_cache()


TR8 = ["5001", "5027", "5028", "5029", "5031", "5035", "5054", "5059"]
TR10 = ["1601", "1624", "1638", "1648", "1653", "1657", "1662", "1663", "1714", "1718"]


# --- codes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("5001", "5001"),
        ("K-5001", "5001"),
        ("K.5603", "5603"),
        ("K_3101", "3101"),
        ("k-0301", "0301"),
        ("F-50", "50"),
        ("F-3", "03"),
        ("301", "0301"),
        (301, "0301"),
        (np.int64(5001), "5001"),
        (301.0, "0301"),
        (" 5001 ", "5001"),
    ],
)
def test_normalise_code(raw, expected):
    assert geo.normalise_code(raw) == expected


@pytest.mark.parametrize("raw", ["", "abc", "K-Rest", "K-21-22", "12345", "F-500", None, True, 3.5])
def test_normalise_code_rejects_garbage(raw):
    with pytest.raises(ValueError, match="code"):
        geo.normalise_code(raw)


@pytest.mark.parametrize(
    ("year", "count"),
    [(2008, 430), (2012, 429), (2013, 428), (2017, 426), (2018, 422), (2019, 422), (2020, 356),
     (2023, 356), (2024, 357), (2025, 357)],
)  # fmt: skip
def test_municipality_counts(year, count):
    assert len(geo.valid_codes(year)) == count
    frame = geo.municipalities(year)
    assert list(frame.columns) == ["code", "name"]
    assert len(frame) == count and frame["code"].is_unique


@needs_reference
@pytest.mark.parametrize("year", [2018, 2020, 2024])
def test_valid_codes_equal_klass_versions(year):
    path = REFERENCE / "klass" / f"klass_131_version_kommuneinndeling_{year}.json"
    items = json.loads(path.read_text(encoding="utf-8"))["classificationItems"]
    assert set(geo.valid_codes(year)) == {i["code"] for i in items} - {"9999"}


def test_years_outside_the_tables():
    assert geo.first_year() == 2008 and geo.last_year() >= 2024
    with pytest.raises(YearOutOfRangeError, match="2007"):
        geo.valid_codes(2007)
    with pytest.raises(YearOutOfRangeError, match="rebuild"):
        geo.check_code("5001", geo.last_year() + 1)


def test_names():
    assert geo.name("1601") == "Trondheim"
    assert geo.name("5001", 2019) == "Trondheim"
    assert geo.name("K-5001") == "Trondheim - Tråante"  # renamed 2023, same code
    assert geo.name(301) == "Oslo"


def test_check_code_ok_and_normalised():
    assert geo.check_code("K-1601", 2012) == "1601"
    assert geo.check_code(5001, 2024) == "5001"
    assert geo.check_code("1756", 2012) == "1756"  # Inderøy from 2012 (Mosvik merged in)


def test_code_outside_validity_names_period_and_successor():
    with pytest.raises(CodeValidityError) as info:
        geo.check_code("1601", 2020)
    message = str(info.value)
    assert "1601 Trondheim is valid 2008-01-01 (or earlier)–2017-12-31" in message
    assert "in 2020 use 5001" in message
    with pytest.raises(CodeValidityError, match="in 2012 use 1601"):
        geo.check_code("5001", 2012)
    with pytest.raises(CodeValidityError, match="in 2024 use 5055, 5056, 5059"):
        geo.check_code("5012", 2024)
    with pytest.raises(CodeValidityError, match="in 2024 use 3201"):
        geo.check_code("0219", 2024)  # Bærum 0219 -> 3024 (2020) -> 3201 (2024)


def test_unknown_code_suggests_near_matches():
    with pytest.raises(UnknownMunicipalityError) as info:
        geo.check_code("5010", 2020)
    assert "'5010'" in str(info.value) and "Did you mean" in str(info.value)
    with pytest.raises(UnknownMunicipalityError, match="1601 Trondheim"):
        geo.check_code("Trondhjem", 2012)
    assert isinstance(info.value, KeyError)


# --- municipality periods -------------------------------------------------------------------


def _periods(code):
    table = geo._geo().periods
    rows = table.loc[table["code"] == code]
    return list(zip(rows["valid_from"], rows["valid_to"], strict=True))


def test_territory_periods_of_kept_absorbing_codes():
    assert _periods("5001") == [("2018-01-01", "2019-12-31"), ("2020-01-01", "")]
    assert _periods("5054") == [("2018-01-01", "2019-12-31"), ("2020-01-01", "")]
    assert _periods("1756") == [("2012-01-01", "2017-12-31")]
    assert _periods("1601") == [("", "2017-12-31")]
    assert _periods("1505") == [("2008-01-01", "")]  # Kristiansund + Frei on 2008-01-01


# --- regions --------------------------------------------------------------------------------


def test_region_ids_and_info():
    ids = geo.region_ids()
    for rid in ["trondheimsregionen", "trondheimsregionen-2020", "oslo", "bergen", "stavanger",
                "kristiansand", "tromso", "norge"]:  # fmt: skip
        assert rid in ids
        info = geo.region_info(rid)
        assert {"id", "label_nb", "label_en", "kind", "verified", "sources"} <= set(info)
    assert geo.region_info("oslo")["verified"] is False
    with pytest.raises(UnknownRegionError, match="trondheimsregionen-2020"):
        geo.members("trondheim", 2020)


def test_trondheimsregionen_members_by_year():
    assert geo.members("trondheimsregionen", 2012) == TR10
    assert geo.members("trondheimsregionen", 2008) == TR10
    assert len(geo.members("trondheimsregionen", 2018)) == 9
    assert "5054" in geo.members("trondheimsregionen", 2018)
    assert geo.members("trondheimsregionen", 2024) == TR8
    assert set(geo.member_weights("trondheimsregionen", 2012).values()) == {1.0}


@pytest.mark.parametrize("year", range(2008, 2026))
def test_every_region_member_is_valid_that_year(year):
    for region in geo.region_ids():
        assert set(geo.members(region, year)) <= set(geo.valid_codes(year)), region


def test_fixed_territory_back_cast_has_partial_members():
    w2019 = geo.member_weights("trondheimsregionen-2020", 2019)
    assert w2019["5012"] == pytest.approx(0.56)  # part of Snillfjord went to Orkland
    assert 0 < w2019["5039"] < 0.05  # Verrabotn (part of Verran) went to Indre Fosen
    assert {"5016", "5023", "5024", "5030"} <= {c for c, w in w2019.items() if w == 1.0}
    w2012 = geo.member_weights("trondheimsregionen-2020", 2012)
    assert set(TR10) <= set(w2012)
    assert w2012["1613"] == pytest.approx(0.56) and w2012["1724"] == w2019["5039"]
    assert geo.members("trondheimsregionen-2020", 2024) == TR8
    assert geo.members("norge", 2016) == geo.valid_codes(2016)


def test_comparators_back_cast_through_two_reforms():
    oslo_2012 = geo.members("oslo", 2012)
    assert "0219" in oslo_2012 and "0301" in oslo_2012  # Bærum before 3024/3201
    assert len(geo.members("oslo", 2024)) == 21
    assert geo.members("tromso", 2019) == ["1902", "1933", "1936"]


# --- harmonise: hand-made frames ------------------------------------------------------------


def _frame(rows, columns=("region", "year", "value")):
    return pd.DataFrame(rows, columns=list(columns))


def _as_dict(frame, col="value"):
    return dict(zip(frame["region"], frame[col], strict=True))


def test_merge_sums():
    data = _frame([("5001", 2019, 100.0), ("5030", 2019, 10.0), ("5035", 2019, 1.0)])
    out = geo.harmonise(data, 2020)
    assert _as_dict(out) == {"5001": 110.0, "5035": 1.0}
    assert out["year"].tolist() == [2019, 2019]  # the data year is kept


def test_split_uses_weights():
    data = _frame([("5012", 2019, 1000.0), ("5024", 2019, 50.0), ("5013", 2019, 5.0)])
    out = _as_dict(geo.harmonise(data, 2024))
    assert out == pytest.approx({"5055": 260.0, "5056": 180.0 + 5.0, "5059": 560.0 + 50.0})


def test_renumber_chain_across_2018_and_2020():
    data = _frame([("1601", 2017, 7.0), ("0219", 2017, 5.0), ("1613", 2017, 100.0),
                   ("1662", 2017, 3.0)])  # fmt: skip
    out = _as_dict(geo.harmonise(data, 2024))
    assert out == pytest.approx(
        {"5001": 7.0 + 3.0, "3201": 5.0, "5055": 26.0, "5056": 18.0, "5059": 56.0}
    )


def test_mixed_years_and_extra_keys():
    data = pd.DataFrame(
        {
            "region": ["K-1601", "K-1601", "5001", "5030", "5001"],
            "year": [2017, 2017, 2019, 2019, 2020],
            "sex": ["m", "f", "m", "m", "m"],
            "persons": [1, 2, 10, 20, 40],
        }
    )
    out = geo.harmonise(data, 2024)
    assert list(out.columns) == ["region", "year", "sex", "persons"]
    got = {(r.year, r.sex): r.persons for r in out.itertuples()}
    assert got == {(2017, "f"): 2, (2017, "m"): 1, (2019, "m"): 30, (2020, "m"): 40}
    assert set(out["region"]) == {"5001"}
    assert out.attrs["code_vintage"] == 2024


def test_missing_values_stay_missing():
    data = _frame([("5001", 2019, 100.0), ("5030", 2019, np.nan), ("5035", 2019, 1.0)])
    out = _as_dict(geo.harmonise(data, 2020))
    assert math.isnan(out["5001"]) and out["5035"] == 1.0
    split = _as_dict(geo.harmonise(_frame([("5012", 2019, np.nan), ("5024", 2019, 1.0)]), 2020))
    assert math.isnan(split["5059"]) and math.isnan(split["5055"])


def test_non_additive_columns_rejected():
    data = _frame([("5001", 2019, 1.0)], columns=("region", "year", "unemployment_rate"))
    with pytest.raises(NonAdditiveColumnError, match="unemployment_rate.*numerator"):
        geo.harmonise(data, 2020)
    for col in ["share_women", "gdp_per_capita", "births_per_1000", "price_index", "avg_wage",
                "pct_change", "mean_income", "ratio"]:  # fmt: skip
        assert geo.is_non_additive(col), col
    for col in ["value", "persons", "employed", "operating_revenue", "generated"]:
        assert not geo.is_non_additive(col), col
    declared = _frame([("5001", 2019, 1.0)])
    declared.attrs["non_additive"] = ["value"]
    with pytest.raises(NonAdditiveColumnError, match="'value'"):
        geo.harmonise(declared, 2020)


def test_backwards_and_invalid_codes_rejected():
    with pytest.raises(HarmonisationError, match="backwards"):
        geo.harmonise(_frame([("5001", 2020, 1.0)]), 2019)
    with pytest.raises(CodeValidityError, match="5001 in 2012.*1601 in 2020"):
        geo.harmonise(_frame([("5001", 2012, 1.0), ("1601", 2020, 1.0)]), 2024)
    with pytest.raises(CodeValidityError, match="bad municipality code"):
        geo.harmonise(_frame([("K-Rest", 2020, 1.0)]), 2024)
    with pytest.raises(HarmonisationError, match="not in the frame"):
        geo.harmonise(_frame([("5001", 2020, 1.0)]), 2024, code_col="kommune")


def test_mapping_table_weights_sum_to_one():
    table = geo.mapping_table(2024)
    sums = table.groupby(["code", "from_year"])["weight"].sum()
    assert np.allclose(sums.to_numpy(), 1.0)
    assert set(table.loc[table["from_year"] == 2024, "code"]) == set(geo.valid_codes(2024))


def test_harmonise_is_fast_on_large_frames():
    rng = np.random.default_rng(1)
    codes = np.array(geo.valid_codes(2017))
    n = 500_000
    data = pd.DataFrame(
        {
            "region": rng.choice(codes, n),
            "year": 2017,
            "age": rng.integers(0, 100, n),
            "value": rng.random(n),
        }
    )
    started = time.perf_counter()
    out = geo.harmonise(data, 2024, value_cols=["value"])
    assert time.perf_counter() - started < 10
    assert out["value"].sum() == pytest.approx(data["value"].sum())


# --- harmonise: properties ------------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    year=st.sampled_from([2008, 2012, 2016, 2017, 2018, 2019, 2020, 2023]),
    seed=st.integers(0, 2**32 - 1),
    scale=st.floats(1e-3, 1e7),
)
def test_totals_and_region_sums_preserved(year, seed, scale):
    rng = np.random.default_rng(seed)
    codes = geo.valid_codes(year)
    values = rng.random(len(codes)) * scale
    data = pd.DataFrame({"region": codes, "year": year, "value": values})
    out = geo.harmonise(data, 2024)
    assert out["value"].sum() == pytest.approx(values.sum(), rel=1e-9)
    by_code = dict(zip(codes, values, strict=True))
    harmonised = _as_dict(out)
    # Fixed territories only: a membership region's territory itself changes over time.
    fixed = [r for r in geo.region_ids() if geo.region_info(r)["kind"] != "membership"]
    for region in fixed:
        weights = geo.member_weights(region, year)
        direct = sum(by_code[c] * w for c, w in weights.items())
        after = sum(harmonised[c] for c in geo.members(region, 2024))
        assert direct == pytest.approx(after, rel=1e-9), region
