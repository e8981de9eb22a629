"""The whole indicator store on the shipped demo snapshot: every goal for every geography, and
the properties that need the integrated data (Norway's LQ, regional sums, no averaged rates)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trsplan import geography
from trsplan.evaluation.targets import load_targets
from trsplan.indicators import compute, inputs, membership
from trsplan.indicators.store import STORE_COLUMNS
from trsplan.snapshot.store import Snapshot

NORWAY = "norge"
REGION = "trondheimsregionen"
FIXED = "trondheimsregionen-2020"
COMPARATORS = ["oslo", "bergen", "stavanger", "kristiansand", "tromso"]
GEOS = [REGION, FIXED, *COMPARATORS, NORWAY]
GOALS = ["H", "1", "1.5", "3", "3.1", "3.2", "3.4", "4", "4.1", "5", "5.1", "5.3"]


@pytest.fixture(scope="module")
def store() -> pd.DataFrame:
    return compute.compute_store(Snapshot.open())


def _table(store: pd.DataFrame, indicator: str) -> pd.DataFrame:
    rows = store[store["indicator_id"] == indicator]
    return rows.pivot(index="year", columns="geo_code", values="value")


def _members_2024(region: str) -> list[str]:
    return geography.members(region, 2024)  # = the codes of 2026


# --- layout ------------------------------------------------------------------------------------


def test_layout_provenance_and_codes(store):
    assert list(store.columns) == STORE_COLUMNS
    assert not store.duplicated(["indicator_id", "geo_code", "year"]).any()
    assert set(store["geo_level"]) == {"municipality", "region", "country"}
    assert store["synthetic"].all()  # every table of the demo snapshot is synthetic
    assert store["source_tables"].notna().all() and store["goal_id"].notna().all()
    municipal = store.loc[store["geo_level"] == "municipality", "geo_code"].unique()
    assert set(municipal) <= set(geography.valid_codes(2026))  # re-keyed to to_year's codes
    regional = set(store.loc[store["geo_level"] != "municipality", "geo_code"])
    assert regional == set(GEOS) | set(compute.COMMUTING_IDS)  # + the commuting-rule comparators
    assert (store["code_vintage"] == 2026).all()


def test_commuting_rule_comparators_are_ranked_on_the_same_measures(store):
    # each of the six is its own geography, with the ranked indicators, and none equals the
    # membership or fixed-territory series by construction of a different rule
    ranked = ["business_index", "new_enterprises_per_1000", "population_growth_pct"]
    for geo in compute.COMMUTING_IDS:
        here = set(store.loc[store["geo_code"] == geo, "indicator_id"])
        assert set(ranked) <= here, geo
    names = store.loc[store["geo_code"].isin(compute.COMMUTING_IDS), "geo_name"].unique()
    assert all("10 %" in n for n in names)


@pytest.mark.parametrize("goal", GOALS)
def test_every_goal_has_rows_for_the_region_its_comparators_and_norway(store, goal):
    rows = store[(store["goal_id"] == goal) & store["value"].notna()]
    assert len(rows), goal
    latest = int(rows.loc[rows["geo_code"] == NORWAY, "year"].max())  # the goal's latest year
    here = set(rows.loc[rows["year"] == latest, "geo_code"])
    assert set(GEOS) <= here, f"goal {goal} in {latest}: missing {set(GEOS) - here}"
    # and for every municipality of today in some year
    assert rows.loc[rows["geo_level"] == "municipality", "geo_code"].nunique() >= 350


def test_sources_name_the_tables_used(store):
    sources = store.drop_duplicates("indicator_id").set_index("indicator_id")["source_tables"]
    assert "11713" in sources["gdp_share_ratio"] and "99901" in sources["gdp_share_ratio"]
    assert sources["location_quotient:58-63"] == "13470"
    assert sources["new_enterprises_per_1000"] == "08316;07459"
    assert "03321" in sources["in_commuters"]
    assert sources["building_case_percentile"] == "14304"
    assert sources["tech_companies"].startswith("brreg:enheter")
    assert sources["immigrant_share"] == "09817;07459"


def test_every_target_indicator_is_in_the_store_or_known_to_be_missing(store):
    missing_on_purpose = {"private_job_growth", "enterprise_survival_rate", "kommune_nm_rank"}
    ids = set(store["indicator_id"])
    for target in load_targets().targets():
        if target.indicator.startswith("register_") or target.indicator in missing_on_purpose:
            continue
        sid = compute.store_indicator(target.indicator)
        found = any(i.startswith(sid) for i in ids) if sid.endswith(":") else sid in ids
        assert found, (target.goal_id, target.indicator, sid)


# --- goal 1.5 ------------------------------------------------------------------------------------


def test_norways_location_quotient_is_one_in_every_industry(store):
    lq = store[store["indicator_id"].str.startswith("location_quotient:")]
    norway = lq[lq["geo_code"] == NORWAY]
    assert norway["indicator_id"].nunique() == 16  # 17 groups of 13470 less the unknown "00"
    np.testing.assert_allclose(norway["value"], 1.0, rtol=1e-12)
    assert (
        store.loc[store["indicator_id"].str.startswith("cluster_candidate:"), "goal_id"] == "1.5"
    ).all()


def test_shift_share_components_add_up_to_the_change(store):
    change = store[store["indicator_id"] == "employment_change"].set_index(["geo_code", "year"])
    parts = sum(
        store[store["indicator_id"] == c].set_index(["geo_code", "year"])["value"]
        for c in ("shift_share_national", "shift_share_industry_mix", "shift_share_regional")
    )
    joined = change["value"].align(parts, join="inner")
    assert len(joined[0]) > 3000
    np.testing.assert_allclose(joined[0], joined[1], atol=1e-6)
    norway = store[
        (store["geo_code"] == NORWAY) & (store["indicator_id"] == "shift_share_regional")
    ]
    np.testing.assert_allclose(norway["value"], 0.0, atol=1e-6)


def test_cluster_candidates_follow_the_rule(store):
    lq = _table(store, "location_quotient:58-63").stack().dropna()
    jobs = _table(store, "employment:58-63").stack().dropna()
    flag = _table(store, "cluster_candidate:58-63").stack().dropna()
    assert flag.index.equals(lq.index) and flag.sum() > 0
    expected = ((lq >= 1.25) & (jobs.reindex(lq.index) >= 100)).astype(float)
    pd.testing.assert_series_equal(
        flag.sort_index(), expected.reindex(flag.index).sort_index(), check_names=False
    )


# --- regional sums equal the sums of members ------------------------------------------------------


@pytest.mark.parametrize(
    "indicator",
    ["employment", "tech_companies", "tech_employees", "new_enterprises", "firms", "immigrants",
     "employed_residents"],
)  # fmt: skip
def test_fixed_territory_equals_the_sum_of_its_members_after_harmonisation(store, indicator):
    table = _table(store, indicator)
    members = _members_2024(FIXED)
    assert len(members) == 8
    both = table[[FIXED, *members]].dropna()
    assert len(both) >= 5, indicator
    np.testing.assert_allclose(both[FIXED], both[members].sum(axis=1), rtol=1e-9)


def test_norway_is_the_sum_of_every_municipality(store):
    for indicator in ("employment", "new_enterprises", "tech_companies", "immigrants"):
        table = _table(store, indicator)
        municipal = [c for c in table.columns if c.isdigit()]
        full = table[municipal].notna().all(axis=1)
        np.testing.assert_allclose(
            table.loc[full, NORWAY], table.loc[full, municipal].sum(axis=1), rtol=1e-9
        )


def test_the_member_region_is_missing_where_todays_codes_cannot_express_it(store):
    employment = _table(store, "employment")  # 13470: today's borders
    assert employment.loc[2019, REGION] != employment.loc[2019, REGION]  # NaN before 2020
    assert employment.loc[2020, REGION] == employment.loc[2020, FIXED]
    new = _table(store, "new_enterprises")  # 08316: each year's codes, so every year
    assert new[REGION].notna().all()
    members_2016 = geography.members(REGION, 2016)
    assert len(members_2016) == 10
    assert new.loc[2016, REGION] != new.loc[2016, FIXED]  # ten members vs today's territory


# --- rates are recomputed from sums, never averaged -----------------------------------------------


def _at(store, indicator, geo, year):
    hit = store[(store["indicator_id"] == indicator) & (store["geo_code"] == geo)]
    return float(hit.loc[hit["year"] == year, "value"].iloc[0])


def test_regional_rates_are_ratios_of_summed_numerators(store):
    members = _members_2024(FIXED)
    for geo in (REGION, FIXED, "bergen", NORWAY):
        per_1000 = _at(store, "new_enterprises_per_1000", geo, 2024)
        new = _at(store, "new_enterprises", geo, 2024)
        assert per_1000 == pytest.approx(new / _at(store, "population", geo, 2024) * 1000)
        share = _at(store, "immigrant_share", geo, 2025)
        assert share == pytest.approx(
            _at(store, "immigrants", geo, 2025) / _at(store, "population", geo, 2025) * 100
        )
        growth = _at(store, "net_firm_growth_pct", geo, 2024)
        net, firms = _at(store, "net_firm_growth", geo, 2024), _at(store, "firms", geo, 2024)
        assert growth == pytest.approx(net / (firms - net) * 100)
    # … and the regional rate is not the mean of the members' rates
    rates = [_at(store, "new_enterprises_per_1000", m, 2024) for m in members]
    assert _at(store, "new_enterprises_per_1000", FIXED, 2024) != pytest.approx(np.mean(rates))


def test_regional_case_days_are_case_weighted(store):
    members = _members_2024(FIXED)
    rows = store[(store["year"] == 2024) & store["geo_code"].isin(members)]
    wide = rows.pivot(index="geo_code", columns="indicator_id", values="value")
    both = wide[["building_case_days_12w", "building_cases_12w"]].dropna()
    assert len(both) == _at(store, "building_case_members_reported", FIXED, 2024) >= 3
    days, cases = both["building_case_days_12w"], both["building_cases_12w"]
    region = _at(store, "building_case_days_12w", FIXED, 2024)
    assert region == pytest.approx((days * cases).sum() / cases.sum())
    assert region != pytest.approx(days.mean())


def test_gdp_share_ratio_is_the_share_of_summed_value_added(store):
    for method in ("wage_bill", "employment"):
        va = _at(store, f"value_added_{method}", FIXED, 2022)
        norway = _at(store, f"value_added_{method}", NORWAY, 2022)
        share = _at(store, "population_share", FIXED, 2022)
        ratio = _at(store, f"gdp_share_ratio_{method}", FIXED, 2022)
        assert ratio == pytest.approx(va / norway * 100 / share)
    rows = store[(store["indicator_id"] == "gdp_share_ratio") & store["lower"].notna()]
    assert len(rows) and (rows["lower"] <= rows["value"] + 1e-12).all()
    assert (rows["value"] <= rows["upper"] + 1e-12).all()
    assert _at(store, "gdp_share_ratio", NORWAY, 2020) == pytest.approx(1.0)


def test_residential_attractiveness_of_a_region_is_population_weighted(store):
    members = _members_2024(FIXED)
    residual = np.array([_at(store, "residential_attractiveness", m, 2024) for m in members])
    expected = np.array([_at(store, "expected_net_migration", m, 2024) for m in members])
    rate = np.array([_at(store, "net_migration_rate", m, 2024) for m in members])
    # population at the start of the period = expected persons ÷ expected rate
    exp_rate = np.array([_at(store, "expected_net_migration_rate", m, 2024) for m in members])
    pop = expected / exp_rate * 100
    weighted = (residual * pop).sum() / pop.sum()
    assert _at(store, "residential_attractiveness", FIXED, 2024) == pytest.approx(weighted)
    assert rate.size == 8


def test_commuting_share_of_the_region_is_summed(store):
    members = [m for m in _members_2024(FIXED) if m != "5001"]
    employed = sum(_at(store, "employed_in_trondheim", m, 2024) for m in members)
    residents = sum(_at(store, "employed_residents", m, 2024) for m in members)
    share = _at(store, "share_working_in_centre", FIXED, 2024)
    assert share == pytest.approx(employed / residents * 100)
    assert _at(store, "in_commuters", FIXED, 2024) == _at(store, "in_commuters", "5001", 2024)


def test_functional_region_by_the_ten_percent_rule(store):
    flag = store[(store["indicator_id"] == "commuting_region_member") & (store["year"] == 2024)]
    inside = set(flag.loc[flag["value"] == 1, "geo_code"])
    shares = store[
        (store["indicator_id"] == "share_working_in_trondheim") & (store["year"] == 2024)
    ]
    above = set(shares.loc[shares["value"] > 10, "geo_code"])
    assert inside == above  # nobody else is above 10 % for another centre in the demo
    assert _at(store, "commuting_region_size", REGION, 2024) == len(inside)
    assert {"5001", "5031", "5028", "5029", "5035"} <= inside


# --- goal 3.2 and goal 4 ---------------------------------------------------------------------


def test_case_time_ranks_and_non_reporters(store):
    pct = store[store["indicator_id"] == "building_case_percentile"]
    assert pct["value"].between(0, 100).all()
    reported = store[store["indicator_id"] == "building_case_reported"]
    silent = reported[reported["value"] == 0]
    assert len(silent) > 100  # flagged …
    ranked = set(
        zip(
            store.loc[store["indicator_id"] == "building_case_rank", "geo_code"],
            store.loc[store["indicator_id"] == "building_case_rank", "year"],
            strict=True,
        )
    )
    assert not set(zip(silent["geo_code"], silent["year"], strict=True)) & ranked  # … not ranked
    # an unchanged municipality's rank is its rank among the year's reporters
    t = Snapshot.open().read_table("14304")
    frame = inputs.casework(t)
    year = frame[frame["year"] == 2024].dropna(subset=["building_case_days_12w"])
    own = year.loc[year["code"] == "5001", "building_case_days_12w"].iloc[0]
    expected = int((year["building_case_days_12w"] < own).sum()) + 1
    assert _at(store, "building_case_rank", "5001", 2024) == expected


def test_tech_employees_carry_the_withheld_range(store):
    rows = store[store["indicator_id"] == "tech_employees"]
    assert rows["lower"].notna().all() and rows["upper"].notna().all()
    assert (rows["lower"] <= rows["value"]).all() and (rows["value"] <= rows["upper"]).all()
    assert (rows["upper"] > rows["lower"]).any()
    assert _at(store, "tech_companies", FIXED, 2025) > 500


# --- inputs ----------------------------------------------------------------------------------


def test_inputs_drop_invalid_codes_and_keep_missing_cells():
    tidy = pd.DataFrame(
        {
            "Region": ["1601", "5001", "5001", "1601", "9999", "K-5001"],
            "ContentsCode": ["Personer1"] * 6,
            "InnvandrKat": ["B"] * 6,
            "Landbakgrunn": ["999"] * 6,
            "Tid": ["2016", "2016", "2024", "2024", "2024", "2023"],
            "value": [10.0, np.nan, np.nan, np.nan, 5.0, 7.0],
            "status": [pd.NA, ".", "..", ".", pd.NA, pd.NA],
        }
    )
    out = inputs.immigrants(tidy).set_index(["code", "year"])["immigrants"]
    # 1601 in 2016 kept; 5001 "." in 2016 (not valid yet) dropped; ".." of a valid code kept
    # as NaN; 1601 in 2024 (gone) and the non-municipal 9999 dropped; "K-5001" normalised
    assert out.to_dict() == pytest.approx(
        {("1601", 2016): 10.0, ("5001", 2023): 7.0, ("5001", 2024): np.nan}, nan_ok=True
    )


def test_vintage_members_express_regions_in_one_code_vintage():
    members = membership.vintage_members([REGION, FIXED, NORWAY], range(2015, 2026), 2024, 2026)
    years = members.groupby("geo_code")["year"].unique()
    assert sorted(years[REGION]) == list(range(2020, 2026))  # whole 2024 municipalities only
    assert sorted(years[FIXED]) == list(range(2015, 2026))
    tr = members[(members["geo_code"] == REGION) & (members["year"] == 2020)]
    assert sorted(tr["code"]) == _members_2024(FIXED)
    assert (
        members[(members["geo_code"] == NORWAY) & (members["year"] == 2015)]["code"].nunique()
        == 357
    )


def test_goal_4_years_before_the_extract_are_marked_estimates(store):
    # the demo snapshot has one Brønnøysund extract (2026): 2026 is measured, earlier years are
    # counted from it (survivors only), and so is the doubling progress from 2014
    tech = store[store["goal_id"].isin(["4", "4.1"])]
    counted = tech[~tech["indicator_id"].str.endswith("_doubling_progress")]
    assert counted.loc[counted["year"] == 2026, "estimate"].isna().all()
    assert (counted.loc[counted["year"] < 2026, "estimate"] == "estimate (survivors only)").all()
    assert store.loc[~store["goal_id"].isin(["4", "4.1"]), "estimate"].isna().all()
