"""The synthetic demo snapshot (trsplan.demo): provenance, calibration, exact accounting,
reproducibility. Most checks read the shipped files; one regenerates into a temporary folder."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from synthetic_checks import assert_synthetic_payload

from trsplan import geography, paths
from trsplan.demo import common
from trsplan.demo import population as demo
from trsplan.errors import TrsplanError
from trsplan.snapshot.store import Snapshot

SHIPPED_ROOT = paths.PROJECT_ROOT / "data" / "snapshot"
SSB_DIR = SHIPPED_ROOT / demo.VERSION / "ssb"
NAMES = ["07459.json", "06913.json", "01223.json"]


@pytest.fixture(scope="module")
def snapshot() -> Snapshot:
    return Snapshot.open(demo.VERSION, root=SHIPPED_ROOT)


@pytest.fixture(scope="module")
def frames(snapshot: Snapshot) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(07459 table, 06913 table, population code/year/value, changes wide)."""
    t07459 = snapshot.read_table("07459")
    t06913 = snapshot.read_table("06913")
    pop, changes = demo.frames_from_tables(t07459, t06913)
    return t07459, t06913, pop, changes


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("demo")
    written, sim = demo.generate(out)
    return out, written, sim


def _periods() -> pd.DataFrame:
    return demo._load_geography(paths.geography_dir()).periods


def test_every_file_says_synthetic(snapshot: Snapshot) -> None:
    files = {p.name: p for p in snapshot.files()}
    assert set(NAMES) <= set(files)
    assert snapshot.synthetic
    for name in NAMES:
        meta = json.loads((SSB_DIR / f"{name}.meta.json").read_text(encoding="utf-8"))
        table_id = name.removesuffix(".json")
        assert meta["synthetic"] is True
        assert meta["source"] == "ssb" and meta["table_id"] == table_id
        assert meta["licence"] == demo.LICENCE
        assert meta["generator"] == f"trsplan.demo seed={demo.SEED}"
        assert meta["url"] is None  # generated, not retrieved
        payload = json.loads((SSB_DIR / name).read_text(encoding="utf-8"))
        assert_synthetic_payload(payload, f"trsplan.demo seed={demo.SEED}")
        assert meta["retrieved_at"] == common.RETRIEVED_AT
        selection = {s["variableCode"]: s for s in meta["query"]["selection"]}
        assert set(selection) == {"Region", "ContentsCode", "Tid"}  # Kjonn, Alder eliminated
        assert selection["Region"]["codelist"] == "vs_Kommune"
        payload = json.loads(snapshot.read_bytes("ssb", name))  # also checks the sha256
        assert "SYNTETISKE DEMODATA" in payload["note"][0]
        assert payload["id"] == ["Region", "ContentsCode", "Tid"]
        assert payload["extension"]["px"]["tableid"] == table_id


def test_layout_and_labels(frames) -> None:
    t07459, t06913, _, _ = frames
    assert t07459.attrs["label"] == demo.LABEL_07459
    assert t06913.attrs["label"] == demo.LABEL_06913
    assert list(t06913["ContentsCode"].unique()) == list(demo.CONTENTS_06913)
    assert t06913.attrs["category_labels"]["ContentsCode"] == demo.CONTENTS_06913
    assert set(t07459["ContentsCode"]) == {"Personer1"}
    assert sorted(t07459["Tid"].astype(int).unique()) == list(range(2008, 2027))
    assert sorted(t06913["Tid"].astype(int).unique()) == list(range(2008, 2026))
    regions = t07459.attrs["category_labels"]["Region"]
    assert regions["5030"] == "Klæbu (2018-2019)"
    assert regions["1601"] == "Trondheim (-2017)"
    assert regions["5001"] == geography.name("5001", 2026)
    assert "0" not in regions  # vs_Kommune: municipalities only, no "Hele landet"


def test_2022_equals_project_table(frames) -> None:
    _, _, pop, _ = frames
    table = pd.read_csv(
        paths.PACKAGE_DATA_DIR / "demo" / "population_2022.csv", dtype={"code": str}
    )
    got = pop[pop["year"] == 2022].set_index("code")["value"]
    expected = table.set_index("code")["population"].astype(float)
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False)
    assert got.sum() == 5_425_270


def test_2022_equals_shared_reference(frames) -> None:
    reference_dir = paths.shared_reference_dir()
    if reference_dir is None:
        pytest.skip("../shared/reference is absent: cannot compare with SSB's 2022 figures")
    ref = pd.read_csv(reference_dir / "ssb" / "population_2022_by_municipality.csv", dtype=str)
    ref = ref[~ref["region_code"].isin(["K-21-22", "K-23", "K-Rest"])]
    expected = pd.Series(
        ref["population_2022_01_01"].astype(float).to_numpy(),
        index=ref["region_code"].str.replace(r"^K-", "", regex=True),
    )
    _, _, pop, _ = frames
    got = pop[pop["year"] == 2022].set_index("code")["value"]
    assert set(got.index) == set(expected.index)
    diff = (got - expected.reindex(got.index)).abs()
    assert diff.max() == 0, diff[diff > 0].head()


def test_codes_present_each_year_are_the_valid_codes(frames) -> None:
    t07459, t06913, _, _ = frames
    assert (t07459["value"].dropna() > 0).all()
    for table, last in ((t07459, 2026), (t06913, 2025)):
        missing = table["value"].isna()
        assert (table.loc[missing, "status"] == ".").all()  # every empty cell is "not possible"
        assert table.loc[~missing, "status"].isna().all()
        for year in range(2008, last + 1):
            rows = table[(table["Tid"] == str(year)) & ~missing]
            assert set(rows["Region"]) == set(geography.valid_codes(year)), year
        # within a (code, year) the cells are all present or all empty
        present = (~missing).groupby([table["Region"], table["Tid"]]).agg(["all", "any"])
        assert (present["all"] == present["any"]).all()


def test_accounting_identities_exact(frames) -> None:
    _, _, pop, ch = frames
    assert (ch["Fodselsoverskudd"] == ch["Levende"] - ch["Dode"]).all()
    assert (ch["Nettoinnflytting"] == ch["Innflyttinger"] - ch["Utflyttinger"]).all()
    assert (ch["Folketilvekst"] == ch["Fodselsoverskudd"] + ch["Nettoinnflytting"]).all()
    for col in ["Levende", "Dode", "Innflyttinger", "Utflyttinger", "Folkemengde"]:
        assert (ch[col] >= 0).all()
        assert (ch[col] == ch[col].round()).all()
    merged = ch.merge(pop, on=["code", "year"], how="left")
    assert (merged["Folkemengde"] == merged["value"]).all()  # 06913 stock = 07459
    # unchanged territory (the code's row in municipalities.csv covers Y and Y + 1):
    # pop(Y + 1) = pop(Y) + growth(Y)
    periods = _periods()
    same = pd.DataFrame(
        [
            (row.code, year)
            for row in periods.itertuples()
            for year in range(row.start, min(row.end, 2026))
        ],
        columns=["code", "year"],
    )
    nxt = pop.assign(year=pop["year"] - 1).rename(columns={"value": "next"})
    check = same.merge(ch, on=["code", "year"], how="inner").merge(
        nxt, on=["code", "year"], how="inner"
    )
    assert len(check) > 6000
    assert (check["Folkemengde"] + check["Folketilvekst"] == check["next"]).all()


def test_reforms_add_up_after_harmonise(frames) -> None:
    """pop(Y + 1) = harmonise(pop(Y) + growth(Y)) exactly for merges and unchanged codes, and
    within the documented split tolerance for codes that received part of a split one."""
    _, _, pop, ch = frames
    end = ch.assign(value=ch["Folkemengde"] + ch["Folketilvekst"])[["code", "year", "value"]]
    splits_seen = 0
    for year in range(2008, 2026):
        before = end[end["year"] == year]
        moved = geography.harmonise(
            before, year + 1, code_col="code", year_col="year", value_cols=["value"]
        )
        after = pop[pop["year"] == year + 1].set_index("code")["value"]
        moved = moved.set_index("code")["value"]
        assert set(moved.index) == set(after.index), year
        diff = (after - moved.reindex(after.index)).abs()
        assert diff.max() < demo.SPLIT_TOLERANCE, (year, diff.sort_values().tail())
        splits_seen += int((diff > 1e-6).sum())
        if year == 2019:  # 2020 reform: Klæbu into Trondheim exact; Verrabotn part within 1
            assert diff["5001"] == 0
            assert after["5001"] == 205_163
            assert after["5054"] == pytest.approx(10_084, abs=1)
    assert splits_seen > 0  # the split parts really are apportioned, not dropped


def test_anchors_within_tolerance(frames) -> None:
    _, _, pop, ch = frames
    anchors = demo.load_anchors(paths.PACKAGE_DATA_DIR / "demo")
    report = demo.evaluate_anchors(
        pop,
        ch[["code", "year", "Folketilvekst"]].rename(columns={"Folketilvekst": "value"}),
        anchors,
        _periods(),
    )
    checked = report[report["tolerance_pct"].notna()]
    assert len(checked) > 50
    bad = checked[checked["diff_pct"].abs() > checked["tolerance_pct"]]
    assert bad.empty, bad[["anchor", "published", "generated", "diff_pct"]]
    norway = report[(report["codes"] == "*") & (report["certainty"] == "verified")]
    assert set(norway["year"]) == {2008, 2009, 2015, 2023, 2024}
    assert (norway["diff_pct"].abs() < 0.5).all()
    # every anchor, even the unverified ones, is met up to integer rounding
    assert (report["diff_pct"].abs() < 0.1).all()


def test_regenerating_gives_identical_bytes(regenerated) -> None:
    out, written, _ = regenerated
    assert sorted(p.name for p in written) == sorted([*NAMES, *(n + ".meta.json" for n in NAMES)])
    for path in written:
        shipped = SSB_DIR / path.name
        assert path.read_bytes() == shipped.read_bytes(), (
            f"{path.name} differs from the shipped file"
        )
    total = sum(p.stat().st_size for p in written)
    assert total < 5_000_000


def test_simulated_components_are_plausible(regenerated) -> None:
    _, _, sim = regenerated
    ch = sim.changes.merge(sim.population, on=["code", "year"], validate="one_to_one")
    national = ch.groupby("year").sum(numeric_only=True)
    # domestic moves cancel out nationally, every year
    assert (national["domestic_in"] == national["domestic_out"]).all()
    rate = national.div(national["population"], axis=0)
    assert rate["births"].between(0.009, 0.014).all()
    assert rate["deaths"].between(0.007, 0.010).all()
    assert rate["domestic_out"].between(0.04, 0.06).all()
    assert rate["immigration"].between(0.005, 0.02).all()
    assert rate["emigration"].between(0.003, 0.009).all()
    parts = ch["births"] - ch["deaths"] + ch["domestic_in"] - ch["domestic_out"]
    parts += ch["immigration"] - ch["emigration"]
    assert (parts == ch["growth"]).all()
    components = ["births", "deaths", "domestic_in", "domestic_out", "immigration", "emigration"]
    assert (ch[components].to_numpy() >= 0).all()
    assert np.isfinite(ch[components].to_numpy(dtype=float)).all()


# --- 01223: migration split by quarter (year to date) --------------------------------------


@pytest.fixture(scope="module")
def quarters(snapshot: Snapshot, frames) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(01223 table, year-to-date wide frame, flows during each quarter)."""
    t01223 = snapshot.read_table("01223")
    ytd = demo.ytd_frame(t01223)
    cols = list(demo.CONTENTS_01223)
    during = ytd.copy()
    during[cols] = ytd.groupby(["code", "year"])[cols].diff().fillna(ytd[cols])
    return t01223, ytd, during


def test_01223_layout(quarters) -> None:
    t01223, ytd, _ = quarters
    assert t01223.attrs["label"] == demo.LABEL_01223
    assert list(t01223["ContentsCode"].unique()) == list(demo.CONTENTS_01223)
    assert t01223.attrs["category_labels"]["ContentsCode"] == demo.CONTENTS_01223
    expected = [f"{y}K{q}" for y in range(2008, 2026) for q in (1, 2, 3, 4)]
    assert list(t01223["Tid"].unique()) == expected
    payload = json.loads((SSB_DIR / "01223.json").read_bytes())
    assert payload["dimension"]["Tid"]["label"] == "kvartal"
    assert payload["extension"]["firstPeriod"] == "2008K1"
    assert payload["extension"]["lastPeriod"] == "2025K4"
    meta = json.loads((SSB_DIR / "01223.json.meta.json").read_text(encoding="utf-8"))
    selection = {s["variableCode"]: s["valueCodes"] for s in meta["query"]["selection"]}
    assert selection["Tid"] == expected
    assert selection["ContentsCode"] == list(demo.CONTENTS_01223)
    # same regions and labels as 06913; every empty cell is ".", never 0
    missing = t01223["value"].isna()
    assert (t01223.loc[missing, "status"] == ".").all()
    assert t01223.loc[~missing, "status"].isna().all()
    for year in range(2008, 2026):
        rows = ytd[ytd["year"] == year]
        assert set(rows["code"]) == set(geography.valid_codes(year)), year
        assert (rows.groupby("code").size() == 4).all(), year  # all four quarters or none
    present = (~missing).groupby([t01223["Region"], t01223["Tid"].str[:4]]).agg(["all", "any"])
    assert (present["all"] == present["any"]).all()
    regions = t01223.attrs["category_labels"]["Region"]
    assert regions["5030"] == "Klæbu (2018-2019)"
    assert "0" not in regions


def test_01223_year_to_date_is_cumulative(quarters) -> None:
    _, ytd, during = quarters
    cols = list(demo.CONTENTS_01223)
    assert (ytd[cols] == ytd[cols].round()).all().all()
    assert (during[cols] >= 0).all().all()  # gross flows: year to date never decreases
    # the flows during the four quarters add up to the 4th-quarter (whole-year) figure
    summed = during.groupby(["code", "year"])[cols].sum()
    k4 = ytd[ytd["quarter"] == 4].set_index(["code", "year"])[cols]
    pd.testing.assert_frame_equal(summed.sort_index(), k4.sort_index())


def test_01223_consistent_with_06913(frames, quarters) -> None:
    _, _, _, ch = frames
    _, _, during = quarters
    year = during.groupby(["code", "year"])[list(demo.CONTENTS_01223)].sum().reset_index()
    m = ch.merge(year, on=["code", "year"], how="outer", validate="one_to_one", indicator=True)
    assert (m["_merge"] == "both").all()  # the same (code, year) cells in both tables
    assert len(m) > 7000
    international = m["Innvandring5"] - m["Utvandring6"]
    domestic = m["Tilflytting7"] - m["Fraflytting8"]
    assert (international + domestic == m["Nettoinnflytting"]).all()
    assert (m["Tilflytting7"] == m["Innflyttinger"] - m["Innvandring5"]).all()
    assert (m["Fraflytting8"] == m["Utflyttinger"] - m["Utvandring6"]).all()
    national = m.groupby("year")[["Tilflytting7", "Fraflytting8"]].sum()
    assert (national["Tilflytting7"] == national["Fraflytting8"]).all()
    assert len(national) == 18
    # and in every quarter: each domestic move is an out-move and an in-move
    per_quarter = during.groupby(["year", "quarter"])[["Tilflytting7", "Fraflytting8"]].sum()
    assert (per_quarter["Tilflytting7"] == per_quarter["Fraflytting8"]).all()
    assert len(per_quarter) == 72


def test_01223_follows_the_simulation(regenerated) -> None:
    _, _, sim = regenerated
    q = sim.quarterly
    flows = list(demo.FLOWS_01223.values())
    summed = q.groupby(["code", "year"])[flows].sum()
    annual = sim.changes.set_index(["code", "year"])[flows]
    pd.testing.assert_frame_equal(summed.sort_index(), annual.sort_index())
    # seasonal: the 3rd quarter has the most domestic moves nationally, every year
    national = q.groupby(["year", "quarter"])["domestic_out"].sum().unstack("quarter")
    assert (national.idxmax(axis=1) == 3).all()


def test_quarterly_split_is_exact_and_balanced() -> None:
    changes = pd.DataFrame(
        {
            "code": ["a", "b", "c"],
            "year": [2020, 2020, 2020],
            "immigration": [0, 1, 7],
            "emigration": [3, 0, 101],
            "domestic_in": [5, 2, 0],
            "domestic_out": [1, 3, 3],
        }
    )
    shares = {
        "immigration": [25, 25, 25, 25],
        "emigration": [10, 20, 30, 40],
        "domestic": [21, 24, 34, 21],
    }
    q = demo.quarterly_flows(changes, shares)
    flows = list(demo.FLOWS_01223.values())
    assert (q.groupby("code")[flows].sum().to_numpy() == changes[flows].to_numpy()).all()
    assert (q[flows].to_numpy() >= 0).all()
    national = q.groupby("quarter")[["domestic_in", "domestic_out"]].sum()
    assert (national["domestic_in"] == national["domestic_out"]).all()
    assert q.loc[q["code"] == "b", "immigration"].tolist() == [1, 0, 0, 0]  # ties: earlier
    assert q.loc[q["code"] == "c", "emigration"].tolist() == [10, 20, 30, 41]
    with pytest.raises(TrsplanError):
        demo.quarterly_flows(changes, {**shares, "domestic": [50, 50, 1, 0]})
