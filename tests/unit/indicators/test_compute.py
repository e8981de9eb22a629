"""The indicator store computed from the shipped snapshot: identities and regional sums."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from trsplan import geography
from trsplan.indicators.compute import compute_store
from trsplan.indicators.store import STORE_COLUMNS, wide
from trsplan.snapshot.store import Snapshot


@pytest.fixture(scope="module")
def store() -> pd.DataFrame:
    return compute_store(Snapshot.open())


def _table(store: pd.DataFrame, indicator: str) -> pd.DataFrame:
    rows = store[store["indicator_id"] == indicator]
    return rows.pivot(index="year", columns="geo_code", values="value")


def test_store_layout_and_provenance(store):
    assert list(store.columns) == STORE_COLUMNS
    assert set(store["geo_level"]) == {"municipality", "region", "country"}
    assert store["synthetic"].all()  # the demo snapshot says so, and so must every row
    assert not store.duplicated(["indicator_id", "geo_code", "year"]).any()


def test_components_add_up_everywhere(store):
    change = _table(store, "population_change")
    natural = _table(store, "natural_increase")
    migration = _table(store, "net_migration")
    domestic = _table(store, "net_domestic_migration")
    international = _table(store, "net_international_migration")
    known = change.notna()
    assert known.to_numpy().sum() > 1000
    np.testing.assert_allclose((natural + migration)[known], change[known], atol=1e-6)
    np.testing.assert_allclose((domestic + international)[known], migration[known], atol=1e-6)


def test_norway_has_no_net_domestic_migration_and_a_full_share(store):
    norway = wide(store, "norge", ["net_domestic_migration", "population_share_norway"])
    assert (norway["net_domestic_migration"].dropna() == 0).all()
    assert np.allclose(norway["population_share_norway"], 100)


def test_region_totals_equal_the_sum_of_their_members(store):
    population = _table(store, "population")
    members = geography.members("trondheimsregionen", 2024)
    assert len(members) == 8
    assert population.loc[2024, "trondheimsregionen"] == population.loc[2024, members].sum()
    # the fixed 2020 territory, back-cast: equals the sum of today's 8 municipalities every year
    np.testing.assert_allclose(
        population["trondheimsregionen-2020"], population[members].sum(axis=1), rtol=1e-9
    )


def test_published_figures_are_reproduced_by_the_demo(store):
    population = _table(store, "population")
    assert population.loc[2016, "trondheimsregionen"] == 282_569  # 10 members, 1.1.2016
    assert population.loc[2023, "trondheimsregionen"] == 312_444  # 8 members, 1.1.2023
    assert population.loc[2024, "norge"] == pytest.approx(5_550_203, rel=1e-5)


def test_population_follows_from_the_change_on_a_fixed_territory(store):
    population = _table(store, "population")["trondheimsregionen-2020"]
    change = _table(store, "population_change")["trondheimsregionen-2020"]
    years = [y for y in population.index if y + 1 in population.index and pd.notna(change[y])]
    residual = np.array([population[y + 1] - population[y] - change[y] for y in years])
    # exact except where split municipalities (Snillfjord, Verran) are apportioned by weight
    assert np.abs(residual).max() <= 2


def test_goal_5_1_rows_exist_for_regions_only(store):
    goal = store[store["indicator_id"] == "goal_5_1_annual_met"]
    assert set(goal["geo_level"]) == {"region"}
    values = goal["value"].dropna()
    assert set(values.unique()) <= {0.0, 1.0}
