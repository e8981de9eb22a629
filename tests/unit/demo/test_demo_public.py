"""The synthetic public tables of the demo snapshot (trsplan.demo_public): provenance, layout
against the catalogue, internal consistency, reproducibility. Most checks read the shipped
files; one regenerates into a temporary folder and compares bytes."""

from __future__ import annotations

import json
import shutil
import time

import numpy as np
import pandas as pd
import pytest
from synthetic_checks import assert_synthetic_payload

from trsplan import geography, paths
from trsplan.demo import common
from trsplan.demo import public as demo_public
from trsplan.indicators import casework
from trsplan.paths import catalogue_path
from trsplan.snapshot.store import Snapshot
from trsplan.sources.catalogue import load_catalogue

SHIPPED_ROOT = paths.PROJECT_ROOT / "data" / "snapshot"
SSB_DIR = SHIPPED_ROOT / demo_public.VERSION / "ssb"
NAMES = [f"{t}.json" for t in demo_public.TABLES]
MAX_BYTES = 6_000_000
REGENERATE_HINT = (
    "the shipped files differ from a fresh run; regenerate with `trsplan demo-snapshot` "
    "(needed after editing trsplan/data/demo/public.yaml or the catalogue entries, or the "
    "population or labour generators)"
)


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return Snapshot.open(demo_public.VERSION, root=SHIPPED_ROOT)


@pytest.fixture(scope="module")
def tables(snapshot: Snapshot) -> dict[str, pd.DataFrame]:
    return {t: snapshot.read_table(t) for t in [*demo_public.TABLES, "07459"]}


@pytest.fixture(scope="module")
def population(tables) -> pd.Series:
    pop = tables["07459"]
    pop = pop[pop["value"].notna()]
    return pop.set_index(["Region", "Tid"])["value"]


def _valid_cells(frame: pd.DataFrame, population: pd.Series) -> pd.Series:
    """True where the row's Region is a municipality valid in its year (07459 has a value)."""
    keys = pd.MultiIndex.from_arrays([frame["Region"], frame["Tid"]])
    return pd.Series(keys.isin(population.index), index=frame.index)


def test_every_file_is_synthetic_with_provenance(snapshot: Snapshot) -> None:
    files = {p.name: p for p in snapshot.files()}
    assert set(NAMES) <= set(files)
    assert snapshot.synthetic
    for name in NAMES:
        table_id = name.removesuffix(".json")
        meta = json.loads((SSB_DIR / f"{name}.meta.json").read_text(encoding="utf-8"))
        assert meta["synthetic"] is True
        assert meta["source"] == "ssb" and meta["table_id"] == table_id
        assert meta["generator"] == f"trsplan.demo_public seed={demo_public.SEED}"
        assert meta["retrieved_at"] == common.RETRIEVED_AT
        assert meta["licence"] == demo_public.LICENCE
        assert meta["url"] is None  # generated, not retrieved
        assert meta["query"]["api"] == "v2" and meta["query"]["method"] == "POST"
        payload = json.loads(snapshot.read_bytes("ssb", name))  # also checks the sha256
        assert "SYNTETISKE DEMODATA" in payload["note"][0]
        assert_synthetic_payload(payload, f"trsplan.demo_public seed={demo_public.SEED}")
        assert payload["extension"]["px"]["tableid"] == table_id
        assert payload["label"].startswith(f"{table_id}: ")
        assert meta["query"]["cells"] == len(payload["value"])
    wage = json.loads((SSB_DIR / f"{demo_public.WAGE_TABLE}.json.meta.json").read_text("utf-8"))
    assert any("UNVERIFIED" in n for n in wage["query"]["notes"])


def test_size_stays_small() -> None:
    total = sum((SSB_DIR / n).stat().st_size for n in NAMES)
    assert total <= MAX_BYTES, f"{total:,} bytes"


@pytest.mark.parametrize("table_id", ["14304", "11713", "09429", "09817"])
def test_layout_matches_catalogue(table_id: str, tables, snapshot: Snapshot) -> None:
    entry = next(e for e in load_catalogue(catalogue_path()) if e.table_id == table_id)
    frame = tables[table_id]
    selected = [s.variable for s in entry.selection]
    assert sorted(frame.attrs["dimensions"]) == sorted(selected)  # nothing else, none eliminated
    meta = snapshot.provenance("ssb", f"{table_id}.json")
    assert meta.query["selection"] == [s.to_v2() for s in entry.selection]
    for s in entry.selection:
        codes = list(frame[s.variable].unique())
        explicit = [v for v in s.values if not any(ch in v for ch in "*?(")]
        if explicit and len(explicit) == len(s.values):
            assert codes == explicit, s.variable  # exactly the listed codes, in order
        if s.values == ("????",):
            assert all(len(c) == 4 and c.isdigit() for c in codes)
    for variable, expected in entry.expect.items():
        assert set(expected) <= set(frame[variable].unique()), variable


def test_cells_outside_a_codes_years_are_dots(tables, population) -> None:
    for table_id in ["14304", demo_public.WAGE_TABLE, "09429", "09817"]:
        frame = tables[table_id]
        valid = _valid_cells(frame, population)
        outside = frame[~valid]
        assert len(outside) and outside["value"].isna().all()
        assert (outside["status"] == ".").all(), table_id
        inside = frame[valid]
        if table_id != "14304":  # KOSTRA has non-reporters, tested below
            assert inside["value"].notna().all(), table_id
        for year, codes in inside.groupby("Tid")["Region"]:
            assert set(codes) <= set(geography.valid_codes(int(year))), (table_id, year)


def test_education_consistent(tables, population) -> None:
    frame = tables["09429"]
    frame = frame[frame["value"].notna()]
    wide = frame.pivot_table(
        index=["Region", "Tid"], columns=["ContentsCode", "Nivaa"], values="value"
    )
    percent = wide["PersonerProsent"].sum(axis=1)
    assert percent.between(99.6, 100.4).all()
    persons = wide["Personer"]
    share = persons.div(persons.sum(axis=1), axis=0) * 100
    assert (share - wide["PersonerProsent"]).abs().max().max() <= 0.05 + 1e-9
    adults = persons.sum(axis=1) / population.reindex(persons.index)
    assert adults.between(0.70, 0.92).all() and 0.78 <= adults.median() <= 0.83
    national = persons.groupby(level="Tid").sum()
    national = national.div(national.sum(axis=1), axis=0) * 100
    for year, code in ((2015, "1601"), (2024, "5001")):
        trondheim = share.loc[(code, str(year))]
        assert trondheim["04a"] > national.loc[str(year), "04a"] + 4


def test_immigrants_consistent(tables, population) -> None:
    frame = tables["09817"]
    frame = frame[frame["value"].notna()]
    wide = frame.pivot_table(index=["Region", "Tid"], columns="ContentsCode", values="value")
    pop = population.reindex(wide.index)
    assert pop.notna().all()
    assert (wide["Personer1"] <= pop).all() and (wide["Personer1"] >= 0).all()
    recomputed = 100 * wide["Personer1"] / pop
    assert (wide["AndelBefolkning"] - recomputed).abs().max() <= 0.05 + 1e-9
    assert wide["AndelBefolkning"].between(5.0, 25.0).all()
    assert sorted(wide.index.get_level_values("Tid").astype(int).unique()) == list(
        range(2010, 2027)
    )
    assert 12.0 <= wide.loc[("5001", "2024"), "AndelBefolkning"] <= 15.0
    totals = wide.groupby(level="Tid")["Personer1"].sum() / pop.groupby(level="Tid").sum()
    assert totals.between(0.08, 0.20).all()


def _county(tables) -> pd.DataFrame:
    frame = tables["11713"]
    return frame.pivot_table(
        index=["Region", "NACE2007", "Tid"], columns="ContentsCode", values="value"
    )


def test_county_accounts(tables, population) -> None:
    wide = _county(tables)
    regions = wide.index.get_level_values("Region")
    industries = wide.index.get_level_values("NACE2007")
    counties = wide[~regions.isin([demo_public.NATIONAL_CODE, demo_public.SHELF_CODE])]
    assert (counties["BNPB"] > 0).all() and (counties["Lonnskostnader"] > 0).all()
    assert (counties["Sysselsatte"] > 0).all()
    # counties present only in their years
    years = {
        c: sorted(g.index.get_level_values("Tid").astype(int).unique())
        for c, g in counties.groupby(level="Region")
    }
    assert years["16"] == list(range(2008, 2018)) and years["17"] == list(range(2008, 2018))
    assert years["50"] == list(range(2018, 2024)) and years["30"] == list(range(2020, 2024))
    assert "31" not in years  # no 2024 counties: the accounts end in 2023
    # industries match the arb11 groups; the total is their sum; Norway is the sum of regions
    assert set(industries) == {demo_public.TOTAL_INDUSTRY, *demo_public.INDUSTRIES}
    for code in ("BNPB", "Lonnskostnader", "Sysselsatte"):
        table = wide[code].unstack("NACE2007").dropna(how="all")
        parts = table.drop(columns=demo_public.TOTAL_INDUSTRY).sum(axis=1)
        assert np.allclose(table[demo_public.TOTAL_INDUSTRY], parts, atol=0.051)
        nation = table.xs(demo_public.NATIONAL_CODE, level="Region")
        rest = table.drop(index=demo_public.NATIONAL_CODE, level="Region").groupby("Tid").sum()
        assert np.allclose(nation, rest.reindex(nation.index), atol=0.051)
    # employment about half the population, Trøndelag's VA per employed below the average
    total = counties.xs(demo_public.TOTAL_INDUSTRY, level="NACE2007")
    pop = population.groupby([population.index.get_level_values(0).str[:2], "Tid"]).sum()
    ratio = total["Sysselsatte"] * 1000 / pop.reindex(total.index)
    assert ratio.between(0.30, 0.80).all()  # Akershus commutes to Oslo
    assert 0.48 <= total["Sysselsatte"].sum() * 1000 / pop.reindex(total.index).sum() <= 0.55
    for year in ("2010", "2015", "2019", "2023"):
        mainland = total.xs(year, level="Tid")
        average = mainland["BNPB"].sum() / mainland["Sysselsatte"].sum()
        trondelag = mainland[mainland.index.isin(["16", "17", "50"])].sum()
        assert 0.85 <= trondelag["BNPB"] / trondelag["Sysselsatte"] / average <= 0.99
    assert total.loc[("50", "2019"), "BNPB"] == pytest.approx(222_400, abs=1)


def test_municipal_wages_sum_to_county_wage_costs(tables) -> None:
    wages = tables[demo_public.WAGE_TABLE]
    wages = wages[wages["value"].notna()]
    assert set(wages["NACE2007"]) == set(demo_public.INDUSTRIES)
    assert (wages["value"] >= 0).all()
    sums = wages.groupby([wages["Region"].str[:2], "NACE2007", "Tid"])["value"].sum()
    county = _county(tables)["Lonnskostnader"].dropna()
    county.index = county.index.set_names(["Region", "NACE2007", "Tid"])
    sums.index = sums.index.set_names(["Region", "NACE2007", "Tid"])
    joined = pd.concat([sums.rename("muni"), county.rename("county")], axis=1, join="inner")
    years = sorted(joined.index.get_level_values("Tid").astype(int).unique())
    assert years == list(range(2015, 2024))
    assert len(joined) == sums[sums.index.get_level_values("Tid") <= "2023"].size
    gap = (joined["muni"] - joined["county"]).abs()
    assert (gap <= demo_public.WAGE_TOLERANCE * joined["county"] + 1).all()


def test_kostra_non_reporting_is_missing_never_zero(tables, population) -> None:
    frame = tables["14304"]
    valid = _valid_cells(frame, population)
    inside = frame[valid]
    missing = inside[inside["value"].isna()]
    assert missing["status"].isin([".", "..", ":"]).all()  # every gap says why
    day_codes = [
        c for c, col in demo_public.CASEWORK_COLUMNS.items() if col in casework.CASE_MEASURES
    ]
    days = inside[inside["ContentsCode"].isin(day_codes)]
    assert (days["value"].dropna() > 0).all()
    bounds = {
        "KOSsaksbehtid12uke0000": (20, 70),
        "KOSsaksbehtid3uke0000": (5, 25),
        "KOSsaksbehtidplan0000": (100, 400),
    }
    for code, (lo, hi) in bounds.items():
        values = inside.loc[inside["ContentsCode"] == code, "value"].dropna()
        assert values.between(lo, hi).all(), code
    twelve = inside[inside["ContentsCode"] == "KOSsaksbehtid12uke0000"]
    for _year, rows in twelve.groupby("Tid"):
        share = rows["status"].isin(["..", ":"]).mean()
        assert 0.04 <= share <= 0.16
        assert 35 <= rows["value"].mean() <= 41
    assert set(twelve["status"].dropna()) >= {"..", ":", "."}


def test_kostra_feeds_casework(tables) -> None:
    frame = tables["14304"]
    frame = frame[frame["ContentsCode"].isin(list(demo_public.CASEWORK_COLUMNS))]
    wide = frame.pivot_table(
        index=["Region", "Tid"], columns="ContentsCode", values="value", dropna=False
    ).rename(columns=demo_public.CASEWORK_COLUMNS)
    wide = wide.reset_index().rename(columns={"Region": "geo_code", "Tid": "year"})
    wide["year"] = wide["year"].astype(int)
    ranked = casework.case_rankings(wide)
    reported = ranked[ranked["building_case_reported"]]
    assert reported["building_case_percentile"].between(0, 100).all()
    assert ranked.loc[~ranked["building_case_reported"], "building_case_rank"].isna().all()


def test_region_gdp_ratio_is_plausible(snapshot: Snapshot) -> None:
    model = demo_public.simulate(demo_public.read_base(snapshot))
    ratio = demo_public.region_gdp_ratio(model)
    assert list(ratio["year"]) == list(range(2015, 2024))
    for key in ("ratio_wage_bill", "ratio_employment"):
        assert ratio[key].between(0.88, 1.02).all(), ratio[key].tolist()


def test_regenerate_is_byte_identical(tmp_path) -> None:
    source = SSB_DIR
    target = tmp_path / "snapshot" / demo_public.VERSION / "ssb"
    target.mkdir(parents=True)
    for table in ("07459", "08536"):  # the inputs: population, workplace employment
        for name in (f"{table}.json", f"{table}.json.meta.json"):
            if (source / name).exists():
                shutil.copy(source / name, target / name)
    start = time.perf_counter()
    written, _ = demo_public.generate(tmp_path)
    assert time.perf_counter() - start < 60
    assert {p.name for p in written} == {n for name in NAMES for n in (name, f"{name}.meta.json")}
    for path in written:
        assert path.read_bytes() == (source / path.name).read_bytes(), (
            f"{path.name}: {REGENERATE_HINT}"
        )


def test_economy_apportioning_end_to_end(tables, population) -> None:
    """The tables feed trsplan.indicators.economy as they are (after dropping the total)."""
    from trsplan.indicators import economy
    from trsplan.indicators.population import membership

    county = tables["11713"]
    county = county[
        (county["ContentsCode"] == demo_public.ECONOMY_CONTENTS["value_added"])
        & (county["NACE2007"] != demo_public.TOTAL_INDUSTRY)
        & ~county["Region"].isin([demo_public.NATIONAL_CODE, demo_public.SHELF_CODE])
        & county["value"].notna()
    ]
    county_va = pd.DataFrame(
        {
            "county": county["Region"].astype(str),
            "year": county["Tid"].astype(int),
            "industry": county["NACE2007"].astype(str),
            "value_added": county["value"],
        }
    )
    wages = tables[demo_public.WAGE_TABLE]
    wages = wages[wages["value"].notna() & (wages["Tid"].astype(int) <= 2023)]
    base = pd.DataFrame(
        {
            "code": wages["Region"].astype(str),
            "year": wages["Tid"].astype(int),
            "industry": wages["NACE2007"].astype(str),
            "wage_bill": wages["value"],
        }
    )
    years = list(range(2015, 2024))
    members = membership(["trondheimsregionen"], years)
    regional = economy.regional_value_added(county_va, base, None, members, methods=["wage_bill"])
    assert regional["industries_missing_wage_bill"].eq(0).all()
    pop = population.rename_axis(["code", "year"]).reset_index()
    pop["year"] = pop["year"].astype(int)
    region_pop = members.merge(pop, on=["code", "year"])
    region_pop = (region_pop["value"] * region_pop["weight"]).groupby(region_pop["year"]).sum()
    regional["population"] = regional["year"].map(region_pop)
    national = pd.DataFrame(
        {
            "year": years,
            "value_added": [
                county_va.loc[county_va["year"] == y, "value_added"].sum() for y in years
            ],
            "population": [pop.loc[pop["year"] == y, "value"].sum() for y in years],
        }
    )
    ratio = economy.gdp_share_ratio(regional, national)["gdp_share_ratio"]
    assert ratio.between(0.88, 1.02).all(), ratio.tolist()


def test_county_employment_is_the_sum_of_municipal_workplace_employment(
    snapshot: Snapshot, tables
) -> None:
    if not any(f.table_id == "08536" for f in snapshot.files()):
        pytest.skip("the demo snapshot has no 08536 (run trsplan demo-snapshot)")
    jobs = snapshot.read_table("08536")
    jobs = jobs[
        (jobs["ContentsCode"] == "SysselArbsted")
        & (jobs["NACE2007"] == "00-99")
        & jobs["value"].notna()
        & (jobs["Tid"].astype(int) <= 2023)
    ]
    sums = jobs.groupby([jobs["Region"].str[:2], "Tid"])["value"].sum() / 1000
    county = _county(tables)["Sysselsatte"].xs(demo_public.TOTAL_INDUSTRY, level="NACE2007")
    county = county.drop(index=[demo_public.NATIONAL_CODE, demo_public.SHELF_CODE], level=0)
    sums.index = sums.index.set_names(county.index.names)
    joined = pd.concat([sums.rename("jobs"), county.rename("county")], axis=1, join="inner")
    assert len(joined) == len(county.dropna())
    assert ((joined["county"] - joined["jobs"]).abs() <= 0.015 * joined["jobs"] + 0.2).all()
