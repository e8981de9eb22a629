"""The synthetic labour-market and business demo data (trsplan.demo_labour): provenance, layout
against the table catalogue, validity of codes, accounting between the tables, calibration of
the Brønnøysund extract, reproducibility. Most checks read the shipped files; one regenerates
into a temporary folder."""

from __future__ import annotations

import gzip
import json
import re
import struct

import numpy as np
import pandas as pd
import pytest
import yaml
from synthetic_checks import assert_synthetic_payload

from trsplan import geography, paths
from trsplan.demo import brreg as demo_brreg
from trsplan.demo import common
from trsplan.demo import labour as demo_labour
from trsplan.indicators import technology
from trsplan.snapshot.store import Snapshot

SHIPPED_ROOT = paths.PROJECT_ROOT / "data" / "snapshot"
VERSION_DIR = SHIPPED_ROOT / demo_labour.VERSION
SSB_NAMES = [f"{t}.json" for t in demo_labour.TABLES]
ALL_FILES = [("ssb", n) for n in SSB_NAMES] + [("brreg", n) for n in demo_brreg.BRREG_FILES]
CATALOGUE = paths.PACKAGE_DATA_DIR / "catalogue" / "statbank_tables.yaml"

#: What the demo restricts relative to the catalogue (documented in data/demo/labour.yaml).
RESTRICTED = {
    ("08536", "NACE2007"),  # 00-99 and the eurostat_hightech divisions of "??"
    ("03321", "ArbstedKomm"),  # the comparator centres only
    ("03321", "Tid"),  # from 2010
    ("07091", "NACE2007"),  # the all-industries code only
}
PLAIN_REGION = {  # (table, dimension) holding plain municipality codes in the year's vintage
    ("08536", "Region"),
    ("03321", "Bokommuen"),
    ("03321", "ArbstedKomm"),
    ("07091", "Region"),
    ("08316", "Region"),
}


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return Snapshot.open(demo_labour.VERSION, root=SHIPPED_ROOT)


@pytest.fixture(scope="module")
def tables(snapshot: Snapshot) -> dict[str, pd.DataFrame]:
    return {t: snapshot.read_table(t) for t in demo_labour.TABLES}


@pytest.fixture(scope="module")
def catalogue() -> dict[str, dict]:
    raw = yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))
    return {str(e["id"]): e for e in raw["tables"]}


@pytest.fixture(scope="module")
def totals(tables) -> pd.DataFrame:
    """08536 00-99: Region, year, SysselArbsted, SysselBosted (valid cells only)."""
    t = tables["08536"]
    t = t[(t["NACE2007"] == "00-99") & t["value"].notna()]
    wide = t.pivot_table(index=["Region", "Tid"], columns="ContentsCode", values="value")
    wide = wide.reset_index()
    wide.columns.name = None
    return wide.assign(year=wide["Tid"].astype(int)).drop(columns="Tid")


@pytest.fixture(scope="module")
def population(snapshot: Snapshot) -> pd.DataFrame:
    t = snapshot.read_table("07459")
    t = t[t["value"].notna()]
    return pd.DataFrame(
        {"Region": t["Region"].astype(str), "year": t["Tid"].astype(int), "pop": t["value"]}
    )


@pytest.fixture(scope="module")
def enheter(snapshot: Snapshot) -> pd.DataFrame:
    snapshot.read_bytes("brreg", "enheter.csv.gz")  # checks the sha256
    return pd.read_csv(VERSION_DIR / "brreg" / "enheter.csv.gz", dtype=str)


@pytest.fixture(scope="module")
def underenheter(snapshot: Snapshot) -> pd.DataFrame:
    snapshot.read_bytes("brreg", "underenheter.csv.gz")
    return pd.read_csv(VERSION_DIR / "brreg" / "underenheter.csv.gz", dtype=str)


# --- provenance ---------------------------------------------------------------------------


def test_every_file_is_synthetic_with_provenance(snapshot: Snapshot) -> None:
    listed = {(p.source, p.name) for p in snapshot.files()}
    assert set(ALL_FILES) <= listed
    for source, name in ALL_FILES:
        meta = json.loads((VERSION_DIR / source / f"{name}.meta.json").read_text("utf-8"))
        assert meta["synthetic"] is True, name
        assert meta["retrieved_at"] == common.RETRIEVED_AT
        assert meta["generator"].startswith(f"trsplan.demo_labour seed={demo_labour.SEED}")
        payload = snapshot.read_bytes(source, name)  # also checks size and sha256
        if source == "ssb":
            table_id = name.removesuffix(".json")
            assert meta["table_id"] == table_id
            assert meta["licence"] == demo_labour.LICENCE
            assert meta["url"] is None  # generated, not retrieved
            assert meta["query"]["api"] == "v2" and meta["query"]["method"] == "POST"
            obj = json.loads(payload)
            assert obj["version"] == "2.0" and obj["class"] == "dataset"
            assert "SYNTETISKE DEMODATA" in obj["note"][0]
            assert obj["extension"]["px"]["tableid"] == table_id
            assert obj["label"].startswith(f"{table_id}: ")
            assert_synthetic_payload(obj, f"trsplan.demo_labour seed={demo_labour.SEED}")
        else:
            assert meta["media_type"] == "application/gzip"
            assert meta["url"] is None  # generated, not downloaded
            assert meta["query"]["layout_of"].startswith(
                "https://data.brreg.no/enhetsregisteret/api/"
            )
            assert meta["licence"] == demo_brreg.BRREG_LICENCE


def test_population_input_is_current(snapshot: Snapshot) -> None:
    sha = snapshot.provenance("ssb", "07459.json").sha256
    meta = json.loads((VERSION_DIR / "ssb" / "08536.json.meta.json").read_text("utf-8"))
    assert meta["generator"].endswith(f"sha256={sha}"), (
        "07459 changed since the labour demo data were written: rerun `trsplan demo-snapshot`"
    )


def test_total_size_is_small() -> None:
    size = sum(
        (VERSION_DIR / s / n).stat().st_size + (VERSION_DIR / s / f"{n}.meta.json").stat().st_size
        for s, n in ALL_FILES
    )
    assert size < 8_000_000


# --- layout against the catalogue ------------------------------------------------------------


def _pattern(value: str) -> re.Pattern[str] | None:
    if "?" in value or "*" in value:
        return re.compile("^" + re.escape(value).replace(r"\?", ".").replace(r"\*", ".*") + "$")
    return None


@pytest.mark.parametrize("table_id", demo_labour.TABLES)
def test_layout_matches_catalogue(table_id: str, tables, catalogue, snapshot) -> None:
    entry = catalogue[table_id]
    frame = tables[table_id]
    selection = entry["selection"]
    assert frame.attrs["dimensions"] == [s["variable"] for s in selection]
    meta = snapshot.provenance("ssb", f"{table_id}.json")
    asked = {s["variableCode"]: s for s in meta.query["selection"]}
    assert list(asked) == [s["variable"] for s in selection]
    for sel in selection:
        dim = sel["variable"]
        codes = list(frame.attrs["category_labels"][dim])
        values = [str(v) for v in sel["values"]]
        assert codes, dim
        assert asked[dim].get("codelist") == sel.get("codelist"), dim
        if sel.get("codelist") == "agg_KommSummer":
            assert set(codes) == {f"K-{c}" for c in geography.valid_codes(2024)}
            continue
        if dim == "Tid":
            start = re.fullmatch(r"from\((\d{4})\)", values[0])
            if start:
                first = min(int(c) for c in codes)
                assert first >= int(start.group(1))
                if (table_id, dim) not in RESTRICTED:
                    assert first == int(start.group(1))
            continue
        explicit = [v for v in values if _pattern(v) is None]
        patterns = [_pattern(v) for v in values if _pattern(v) is not None]
        for code in codes:
            assert code in explicit or any(p.match(code) for p in patterns), (dim, code)
        if (table_id, dim) in RESTRICTED:
            assert set(codes) <= set(asked[dim]["valueCodes"]) | set(explicit) or patterns
        elif not patterns:
            assert codes == explicit, dim
        if (table_id, dim) in PLAIN_REGION:
            assert all(re.fullmatch(r"\d{4}", c) for c in codes)
    for dim, expected in (entry.get("expect") or {}).items():
        have = set(frame.attrs["category_labels"][dim])
        assert {str(c) for c in expected} <= have, (table_id, dim)


def test_restrictions_are_the_documented_ones(tables) -> None:
    nace = list(tables["08536"].attrs["category_labels"]["NACE2007"])
    assert nace == ["00-99", *demo_labour.DIVISIONS]
    assert set(demo_labour.DIVISIONS) == set(technology.tech_definition("eurostat_hightech").codes)
    centres = list(tables["03321"].attrs["category_labels"]["ArbstedKomm"])
    assert centres == list(demo_labour.CENTRE_CODES)
    assert list(tables["07091"].attrs["category_labels"]["NACE2007"]) == ["01-99"]
    sizes = list(tables["07091"].attrs["category_labels"]["AntAnsatte"])
    assert sizes == ["99", "00", "01", "02", "03", "04", "05", "15", "16"]
    assert list(tables["13470"].attrs["category_labels"]["NACE2007"]) == list(demo_labour.GROUPS)


# --- codes valid in each year; "." and never 0 elsewhere ---------------------------------------


@pytest.mark.parametrize(("table_id", "dim"), sorted(PLAIN_REGION))
def test_values_exactly_where_codes_are_valid(table_id: str, dim: str, tables) -> None:
    frame = tables[table_id]
    years = sorted({int(y) for y in frame["Tid"].unique()})
    valid = pd.DataFrame(
        [(c, y) for y in years for c in geography.valid_codes(y)], columns=[dim, "year"]
    ).assign(ok=True)
    cells = frame.assign(year=frame["Tid"].astype(int)).merge(valid, on=[dim, "year"], how="left")
    ok = cells["ok"].fillna(False).astype(bool)
    if table_id == "03321":  # both the residence and the workplace must be valid
        other = "ArbstedKomm" if dim == "Bokommuen" else "Bokommuen"
        both = cells.merge(
            valid.rename(columns={dim: other, "ok": "ok2"}), on=[other, "year"], how="left"
        )
        ok = ok & both["ok2"].fillna(False).astype(bool).to_numpy()
        cells = cells.assign(ok=ok)
    else:
        cells = cells.assign(ok=ok)
    assert cells.loc[cells["ok"], "value"].notna().all()
    invalid = cells[~cells["ok"]]
    assert invalid["value"].isna().all()
    assert (invalid["status"] == ".").all()
    if table_id != "03321":  # every code has some valid year
        assert cells.groupby(dim)["ok"].any().all()


# --- accounting -----------------------------------------------------------------------------


def test_employed_residents_within_population(totals, population) -> None:
    merged = totals.merge(population, on=["Region", "year"], how="left", validate="one_to_one")
    assert merged["pop"].notna().all()
    assert (merged["SysselBosted"] <= merged["pop"]).all()
    rate = merged["SysselBosted"] / merged["pop"]
    assert rate.between(0.475, 0.525).all()  # 48-52 % up to rounding of small places
    national = merged.groupby("year")[["SysselBosted", "pop"]].sum()
    assert (national["SysselBosted"] / national["pop"]).between(0.48, 0.52).all()


def test_workplace_and_residence_totals_balance_nationally(totals) -> None:
    national = totals.groupby("year")[["SysselArbsted", "SysselBosted"]].sum()
    assert (national["SysselArbsted"] == national["SysselBosted"]).all()


def test_commuting_flows_within_employed_residents(tables, totals) -> None:
    flows = tables["03321"]
    flows = flows[flows["value"].notna()].assign(year=flows["Tid"].astype(int))
    out = flows.groupby(["Bokommuen", "year"])["value"].sum().rename("flows").reset_index()
    out = out.merge(
        totals.rename(columns={"Region": "Bokommuen"}), on=["Bokommuen", "year"], how="left"
    )
    assert out["SysselBosted"].notna().all()
    assert (out["flows"] <= out["SysselBosted"]).all()
    # a centre's jobs (08536) are exactly the column sum of its flows
    into = flows.groupby(["ArbstedKomm", "year"])["value"].sum().rename("into").reset_index()
    into = into.merge(
        totals.rename(columns={"Region": "ArbstedKomm"}), on=["ArbstedKomm", "year"], how="left"
    )
    assert (into["into"] == into["SysselArbsted"]).all()


def test_trondheim_is_a_net_importer(totals) -> None:
    trd = totals[totals["Region"].isin(["1601", "5001"])]
    assert (trd["SysselArbsted"] > 1.05 * trd["SysselBosted"]).all()


def _shares(tables, totals, centre: str, year: int) -> pd.Series:
    f = tables["03321"]
    f = f[(f["ArbstedKomm"] == centre) & (f["Tid"] == str(year)) & f["value"].notna()]
    res = totals[totals["year"] == year].set_index("Region")["SysselBosted"]
    return (f.set_index("Bokommuen")["value"] / res.reindex(f["Bokommuen"]).to_numpy()) * 100


def test_commuting_reproduces_the_telemarksforsking_region(tables, totals) -> None:
    # 2010: Malvik, Stjørdal, Leksvik, Rissa, Melhus, Klæbu, Midtre Gauldal, Skaun, Selbu, Orkdal
    shares = _shares(tables, totals, "1601", 2010)
    above = set(shares[shares > 10].index) - {"1601"}
    tf = {"1663", "1714", "1718", "1624", "1653", "1662", "1648", "1657", "1664", "1638"}
    assert above == tf
    # 2024: the eight members (Trondheim itself aside) plus Selbu
    shares = _shares(tables, totals, "5001", 2024)
    above = set(shares[shares > 10].index) - {"5001"}
    assert above == set(geography.members("trondheimsregionen", 2024)) - {"5001"} | {"5032"}
    for code in ("5031", "5028", "5029", "5035"):  # Malvik, Melhus, Skaun, Stjørdal
        assert 25 <= shares[code] <= 50
    for code in ("5059", "5054", "5027", "5032"):  # Orkland, Indre Fosen, Midtre Gauldal, Selbu
        assert 10 <= shares[code] <= 20


def test_13470_national_total_equals_the_sum_of_municipalities(tables, totals) -> None:
    t = tables["13470"]
    assert t["value"].notna().all()
    by_year = t.groupby(t["Tid"].astype(int))["value"].sum()
    work = totals.groupby("year")["SysselArbsted"].sum()
    assert (by_year == work.loc[by_year.index]).all()
    # each municipality: the 17 groups add up to its 08536 total carried to 2024 borders
    carried = geography.harmonise(  # to 2025: the same codes as 2024 (checked above)
        totals.loc[totals["year"] >= 2015, ["Region", "year", "SysselArbsted"]],
        2025,
        code_col="Region",
        value_cols=["SysselArbsted"],
    ).rename(columns={"Region": "region"})
    mine = t.assign(region=t["Region"].str.removeprefix("K-"), year=t["Tid"].astype(int))
    mine = mine.groupby(["region", "year"])["value"].sum().reset_index()
    both = mine.merge(carried, on=["region", "year"], how="outer", validate="one_to_one")
    diff = (both["value"] - both["SysselArbsted"]).abs()
    assert diff.max() <= len(demo_labour.GROUPS)  # rounding of split parts, group by group


def test_industry_mix(tables) -> None:
    t = tables["13470"]
    t = t[t["Tid"] == "2025"].assign(code=t["Region"].str.removeprefix("K-"))
    share = t.pivot_table(index="code", columns="NACE2007", values="value")
    national = share.sum() / share.sum().sum()
    lq = share.div(share.sum(axis=1), axis=0) / national
    for group in ("58-63", "68-75", "85"):
        assert lq.loc["5001", group] > 1.1, group
    rural = [c for c in share.index if share.loc[c].sum() < 2000]
    assert lq.loc[rural, "01-03"].median() > 2
    assert lq.loc[rural, "10-33"].median() > 1


def test_08536_is_perturbed_and_divisions_within_totals(tables) -> None:
    t = tables["08536"]
    assert not t["value"].isin([1.0, 2.0]).any()
    assert any("erstattet med 0 eller 3" in n for n in t.attrs["notes"])
    wide = t[t["value"].notna()].pivot_table(
        index=["Region", "ContentsCode", "Tid"], columns="NACE2007", values="value"
    )
    divisions = wide[list(demo_labour.DIVISIONS)].sum(axis=1)
    assert (divisions <= wide["00-99"]).all()
    assert (wide["62"].groupby(level="Tid").sum() > 30_000).all()


def test_07091_total_is_the_sum_of_the_size_classes(tables, population) -> None:
    t = tables["07091"]
    t = t[t["value"].notna()]
    wide = t.pivot_table(index=["Region", "Tid"], columns="AntAnsatte", values="value")
    sizes = [c for c in wide.columns if c != "99"]
    assert (wide[sizes].sum(axis=1) == wide["99"]).all()
    national = wide["99"].groupby(level="Tid").sum()
    assert national.is_monotonic_increasing
    pop = population.groupby("year")["pop"].sum()
    per_inhabitant = national.to_numpy() / pop.loc[national.index.astype(int)].to_numpy()
    assert ((per_inhabitant > 0.08) & (per_inhabitant < 0.13)).all()


def test_08316_new_enterprises_per_1000(tables, population) -> None:
    t = tables["08316"]
    t = t[t["value"].notna()].assign(year=t["Tid"].astype(int))
    merged = t.merge(population, on=["Region", "year"], how="left")
    national = merged.groupby("year")[["value", "pop"]].sum()
    per_1000 = national["value"] / national["pop"] * 1000
    assert per_1000.between(6, 12).all()
    trd = merged[merged["Region"].isin(["1601", "5001"])].set_index("year")
    assert (trd["value"] / trd["pop"] * 1000 > per_1000.loc[trd.index]).all()


# --- Brønnøysund extract -------------------------------------------------------------------------


def test_brreg_layout(enheter: pd.DataFrame, underenheter: pd.DataFrame) -> None:
    assert list(enheter.columns) == list(demo_brreg.ENHET_COLUMNS)
    assert list(underenheter.columns) == list(demo_brreg.UNDERENHET_COLUMNS)
    for frame in (enheter, underenheter):
        orgnr = frame["organisasjonsnummer"]
        assert orgnr.str.fullmatch(r"0\d{8}").all()  # fictitious: real numbers start with 8/9
        assert orgnr.is_unique
        count = pd.to_numeric(frame["antallAnsatte"], errors="raise")
        assert (count.dropna() >= 5).all()
        assert (
            set(frame["harRegistrertAntallAnsatte"]) == {"true", "false"} or frame is underenheter
        )
    assert set(underenheter["overordnetEnhet"]) <= set(enheter["organisasjonsnummer"])
    curated = technology.load_curated_list()["organisasjonsnummer"]
    assert set(curated) <= set(enheter["organisasjonsnummer"])
    valid_2026 = set(geography.valid_codes(2026))
    assert set(enheter["forretningsadresse.kommunenummer"]) <= valid_2026
    assert set(underenheter["beliggenhetsadresse.kommunenummer"]) <= valid_2026
    registered = pd.to_datetime(enheter["registreringsdatoEnhetsregisteret"], format="%Y-%m-%d")
    assert registered.min().year == 1995 and registered.max() < pd.Timestamp("2026-11-01")
    founded = pd.to_datetime(enheter["stiftelsesdato"], format="%Y-%m-%d")
    assert founded.min().year == 1990
    assert enheter["slettedato"].notna().sum() > 100
    withheld = enheter["antallAnsatte"].isna()
    assert (withheld & (enheter["harRegistrertAntallAnsatte"] == "true")).sum() > 100
    assert (withheld & (enheter["harRegistrertAntallAnsatte"] == "false")).sum() > 100
    # SN2025 codes (62.100, ...) for units registered from 2025, SN2007 before
    sn2025 = {"62.100", "62.200", "62.900", "63.100", "96.210"}
    new = registered >= pd.Timestamp("2025-01-01")
    codes = enheter["naeringskode1.kode"]
    assert codes[new].isin(sn2025).any()
    assert not codes[~new].isin(sn2025).any()
    assert codes.str.fullmatch(r"\d{2}\.\d{3}").all()


def test_brreg_gzip_is_deterministic() -> None:
    for name in demo_brreg.BRREG_FILES:
        raw = (VERSION_DIR / "brreg" / name).read_bytes()
        assert raw[:3] == b"\x1f\x8b\x08"
        flags, mtime = raw[3], struct.unpack("<I", raw[4:8])[0]
        assert mtime == 0
        assert flags & 0x08  # FNAME
        inner = raw[10 : raw.index(b"\x00", 10)].decode("latin-1")
        assert inner == name.removesuffix(".gz")
        assert gzip.decompress(raw).startswith(b"organisasjonsnummer,")


def test_brreg_tech_counts_are_calibrated(enheter: pd.DataFrame) -> None:
    members = pd.DataFrame(
        {"geo_code": "tr", "code": geography.members("trondheimsregionen", 2024), "weight": 1.0}
    )
    is_tech = technology.classify_units(enheter, method="nace", nace_version="sn2007")
    counts = technology.tech_counts(
        enheter,
        [2016, 2025],
        is_tech,
        municipalities=sorted(set(enheter["forretningsadresse.kommunenummer"])),
    )
    region = technology.regional_sums(counts, members).set_index("year")
    assert 400 <= region.loc[2016, "tech_companies"] <= 800  # Impello: 592 (2016)
    assert 600 <= region.loc[2025, "tech_companies"] <= 1200
    assert 8_000 <= region.loc[2025, "tech_employees"] <= 15_000
    assert region.loc[2025, "tech_companies"] > region.loc[2016, "tech_companies"]
    curated = technology.classify_units(enheter, method="curated")
    assert int(curated.sum()) == len(technology.load_curated_list())


# --- reproducibility ------------------------------------------------------------------------


def test_regenerating_gives_identical_bytes(tmp_path) -> None:
    written, _ = demo_labour.generate(tmp_path)
    names = sorted((p.parent.name, p.name) for p in written)
    expected = sorted(
        [(s, n) for s, n in ALL_FILES] + [(s, f"{n}.meta.json") for s, n in ALL_FILES]
    )
    assert names == expected
    for path in written:
        shipped = VERSION_DIR / path.parent.name / path.name
        assert path.read_bytes() == shipped.read_bytes(), (
            f"{path.name} differs from the shipped file"
        )


def test_perturbation_keeps_the_expected_value() -> None:
    rng = np.random.default_rng(0)
    values = np.array([1, 2] * 30_000 + [0, 3, 7])
    out = demo_labour.perturb(values, rng, 1 / 3, 2 / 3)
    assert set(np.unique(out[:-3])) <= {0, 3}
    assert list(out[-3:]) == [0, 3, 7]
    assert abs(out[:-3].mean() - values[:-3].mean()) < 0.03
