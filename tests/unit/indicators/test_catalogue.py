"""The indicator catalogue (data/indicators.yaml): every store id has an entry, every entry a
producer, and the catalogue, the targets file and the table catalogue agree."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from trsplan.errors import IndicatorCatalogueError
from trsplan.evaluation.register import REGISTER_GOAL_IDS
from trsplan.evaluation.targets import load_targets
from trsplan.indicators import catalogue
from trsplan.indicators.catalogue import table_columns
from trsplan.indicators.compute import compute_store, store_indicator
from trsplan.report.text import label
from trsplan.snapshot import Snapshot
from trsplan.sources import catalogue as table_catalogue
from trsplan.sources.http import CatalogueError


@pytest.fixture(scope="module")
def store() -> pd.DataFrame:
    return compute_store(Snapshot.open())


@pytest.fixture(scope="module")
def base_ids(store: pd.DataFrame) -> pd.DataFrame:
    """One row per base id of the store: its goals, units and source tables."""
    rows = store.assign(base=store["indicator_id"].str.split(":").str[0])
    return rows.groupby("base").agg(
        ids=("indicator_id", "unique"),
        goals=("goal_id", "unique"),
        units=("unit", "unique"),
        sources=("source_tables", "unique"),
    )


def test_every_store_indicator_has_an_entry(store: pd.DataFrame) -> None:
    cat = catalogue.load_catalogue()
    missing = sorted({i for i in store["indicator_id"].unique() if i not in cat})
    assert not missing, f"store ids without a catalogue entry: {missing}"


def test_every_entry_has_a_producer(base_ids: pd.DataFrame) -> None:
    cat = catalogue.load_catalogue()
    targets = load_targets()
    for e in cat.entries:
        if e.producer in catalogue.THEMES and e.only_when:
            continue  # computed only from inputs the demo snapshot lacks (the entry says which)
        if e.producer in catalogue.THEMES:
            assert e.id in base_ids.index, f"{e.id}: {e.producer} does not produce it"
        elif e.alias_of:
            assert cat.entry(e.alias_of).producer in catalogue.THEMES, e.id
            assert e.id not in base_ids.index, f"{e.id}: an alias the store also holds"
        elif e.producer == "register":
            # a register goal, or a main goal whose sub-goals the register asks about
            asked = {e.goal} | {g.id for g in targets.children(e.goal)} if e.goal != "H" else set()
            assert asked & set(REGISTER_GOAL_IDS), f"{e.id}: no register goal measures it"
            assert e.id not in base_ids.index
        else:
            assert e.producer == "planned", f"{e.id}: no producer"
            assert e.id not in base_ids.index, f"{e.id}: planned but produced; name its producer"


def test_store_rows_carry_the_catalogue_goal_unit_and_sources(base_ids: pd.DataFrame) -> None:
    def name(source: str) -> str:  # "brreg:enheter (2026 extract)" -> "brreg", a path -> its name
        return Path(source.split(" ")[0].split(":")[0]).name

    for base, row in base_ids.iterrows():
        e = catalogue.entry(str(base))
        assert list(row["goals"]) == [e.goal], base
        assert list(row["units"]) == [e.unit], base
        declared = {name(s) for s in e.sources}
        for used in row["sources"]:
            assert {name(s) for s in used.split(";")} <= declared, (base, used, e.sources)
        if len(row["ids"]) > 1 or ":" in row["ids"][0]:
            assert e.per_industry, base


def test_levels_restrict_the_geographies(store: pd.DataFrame) -> None:
    restricted = [e for e in catalogue.load_catalogue().entries if e.levels != catalogue.GEO_LEVELS]
    assert {e.id for e in restricted} >= {"goal_h_met", "tech_companies_target_share"}
    for e in restricted:
        levels = set(store.loc[store["indicator_id"] == e.id, "geo_level"])
        assert levels and levels <= set(e.levels), e.id


def test_feeds_match_the_targets_file() -> None:
    targets = load_targets()
    fed: dict[str, list[str]] = {}
    for t in targets.targets():
        fed.setdefault(t.indicator, [])
        if t.goal_id not in fed[t.indicator]:
            fed[t.indicator].append(t.goal_id)
    for e in catalogue.load_catalogue().entries:
        assert list(e.feeds) == fed.get(e.id, []), e.id


def test_store_id_of_target_indicators() -> None:
    # the former compute.TARGET_INDICATORS table, written out by hand
    expected = {
        "business_development_index": "business_index",
        "in_commuters_trondheim": "in_commuters",
        "commuter_share_to_trondheim": "share_working_in_centre",
        "population_growth_rate": "population_growth_pct",
        "location_quotient": "location_quotient:",
        "building_case_days_12w": "building_case_percentile",
        "building_case_days_3w": "building_case_3w_percentile",
        "zoning_case_days": "zoning_case_percentile",
        "population_change": "population_change",
        "tech_companies": "tech_companies",
        "not_in_the_catalogue": "not_in_the_catalogue",
    }
    assert {k: store_indicator(k) for k in expected} == expected


def test_labels_keep_what_reports_showed() -> None:
    # the five ids whose report label differed from the old targets.yaml label keep the report's
    assert label("population_change", "en") == "Population growth"
    assert label("natural_increase", "en") == "Natural increase"
    assert label("net_domestic_migration", "nb") == "Netto innenlands flytting"
    assert label("net_international_migration", "nb") == "Nettoinnvandring"
    assert label("immigrant_share", "en") == "Immigrant share"
    assert label("location_quotient:58-63", "nb") == (
        "Lokaliseringskvotient (sysselsatte etter arbeidssted og næring) (58-63)"
    )
    assert label("year", "nb") == "År"
    assert label("no_such_id", "en") == "no_such_id"


def test_theme_measures_are_the_catalogue_entries() -> None:
    from trsplan.indicators import casework, population

    assert population.MEASURES["population"] == ("5", "persons")
    assert casework.MEASURES["building_case_percentile"] == ("3.2", "percentile")
    region_only = set(catalogue.measures("population", "region")) - set(
        catalogue.measures("population", "municipality")
    )
    assert "goal_5_1_annual_met" in region_only


# --------------------------------------------------------------------------- bad catalogues

ENTRY = """\
  - id: "{id}"
    goal: "5"
    unit: "{unit}"
    producer: "population"
    label_nb: "Folkemengde"
    label_en: "Population"
    definition_nb: "Folkemengde 1. januar."
    definition_en: "Population on 1 January."
    sources: ["07459"]
"""


def _write(tmp_path: Path, *entries: str) -> Path:
    path = tmp_path / "indicators.yaml"
    path.write_text('version: "1"\nindicators:\n' + "".join(entries), encoding="utf-8")
    return path


def test_small_catalogue_loads(tmp_path: Path) -> None:
    cat = catalogue.load_catalogue(_write(tmp_path, ENTRY.format(id="population", unit="persons")))
    assert cat.ids() == ("population",)
    assert cat.entry("population").line == 3


def test_duplicate_id_names_both_lines(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        ENTRY.format(id="population", unit="persons"),
        ENTRY.format(id="population", unit="persons"),
    )
    with pytest.raises(IndicatorCatalogueError, match=r":12: indicator 'population': duplicate"):
        catalogue.load_catalogue(path)


def test_unknown_unit_names_line_and_id(tmp_path: Path) -> None:
    path = _write(tmp_path, ENTRY.format(id="population", unit="people"))
    with pytest.raises(IndicatorCatalogueError) as info:
        catalogue.load_catalogue(path)
    assert str(info.value).startswith(f"{path}:5: indicator 'population': unknown unit 'people'")


def test_entry_without_producer_is_an_error(tmp_path: Path) -> None:
    text = ENTRY.format(id="population", unit="persons").replace('    producer: "population"\n', "")
    with pytest.raises(IndicatorCatalogueError, match="either producer .* or alias_of"):
        catalogue.load_catalogue(_write(tmp_path, text))


def test_table_columns_come_from_the_table_catalogue(tmp_path: Path) -> None:
    assert table_columns("08536") == {"SysselArbsted": "jobs", "SysselBosted": "employed_residents"}
    assert list(table_columns("14304").values())[:3] == [
        "building_case_days_12w",
        "building_case_days_3w",
        "zoning_case_days",
    ]
    path = tmp_path / "statbank_tables.yaml"
    path.write_text(
        'version: 1\ntables:\n  - id: "07459"\n    verified: true\n    selection:\n'
        '      - variable: Tid\n        values: ["2020"]\n',
        encoding="utf-8",
    )
    with pytest.raises(CatalogueError, match="table 07459 has no 'columns'"):
        table_catalogue.table_columns("07459", path)
