"""Real Region dimensions: codes that are not municipalities are set aside, logged and counted,
never an error and never in a municipal, regional or national sum (issue 8, item 1)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import realistic_snapshot

from trsplan import geography, paths, regioncodes
from trsplan.indicators import inputs, population
from trsplan.indicators.compute import compute_store
from trsplan.snapshot import Snapshot
from trsplan.sources.jsonstat import read_jsonstat, to_jsonstat

DEMO = paths.PROJECT_ROOT / "data" / "snapshot" / "2026-11-01-demo"


# --- classification ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code", "kind"),
    [
        ("K-5001", "5001", "municipality"),
        ("K.5603", "5603", "municipality"),
        ("K_3101", "3101", "municipality"),
        ("5001", "5001", "municipality"),
        ("301", "0301", "municipality"),
        ("K-21-22", "21-22", "svalbard"),
        ("2100", "2100", "svalbard"),
        ("2111", "2111", "svalbard"),
        ("K-23", "23", "continental_shelf"),
        ("2300", "2300", "continental_shelf"),
        ("K-Rest", "Rest", "unallocated"),
        ("9999", "9999", "not_stated"),
        ("F-50", "50", "county"),
        ("50", "50", "county"),
        ("0", "0", "country"),
        ("0000", "0000", "country"),
        ("EKA16", "EKA16", "other"),
        ("", "", "other"),
    ],
)
def test_classify(raw: str, code: str, kind: str) -> None:
    found = regioncodes.classify(raw)
    assert (found.code, found.kind) == (code, kind)


def test_no_listed_code_is_a_municipality_in_any_year() -> None:
    listed = set(regioncodes.non_municipal_codes().index)
    for year in range(geography.first_year(), geography.last_year() + 1):
        assert not listed & set(geography.valid_codes(year)), year


def test_split_counts_logs_and_sums_what_the_national_total_holds(caplog) -> None:
    frame = pd.DataFrame(
        {
            "Region": ["K-5001", "K-21-22", "K-23", "K-Rest", "K-5035", "9999"],
            "value": [210_496.0, 0.0, 0.0, 53_000.0, 24_287.0, 12.0],
        }
    )
    with caplog.at_level(logging.INFO, logger="trsplan.regioncodes"):
        kept, summary = regioncodes.split_municipal(frame, "Region", table="07459")
    assert kept["Region"].tolist() == ["5001", "5035"]
    assert summary["rows"] == 4
    assert summary["by_kind"] == {
        "continental_shelf": 1,
        "not_stated": 1,
        "svalbard": 1,
        "unallocated": 1,
    }
    # K-Rest and 9999 are in SSB's national figure: 53,000 + 12
    assert summary["national_only"] == 53_012.0
    assert "07459: 4 non-municipal rows set aside (9999, K-21-22, K-23, K-Rest)" in caplog.text


# --- readers on hand-made frames in the real shapes ----------------------------------------------


def _jsonstat_frame(
    regions: list[str], contents: list[str], years: list[str], values, status, table: str
) -> pd.DataFrame:
    """A tidy frame through JSON-stat (Region × ContentsCode × Tid, real dimension order)."""
    cells = [(r, c, t) for r in regions for c in contents for t in years]
    frame = pd.DataFrame(cells, columns=["Region", "ContentsCode", "Tid"])
    frame["value"] = values
    frame["status"] = pd.array(status, dtype="string")
    obj = to_jsonstat(
        frame, ["Region", "ContentsCode", "Tid"], table_id=table, label=f"{table}: x", updated="x"
    )
    return read_jsonstat(obj)


def test_population_reader_sets_aside_real_07459_codes() -> None:
    # agg_KommSummer payload for 2019 and 2020: Klæbu (K-5030) exists only in 2019 ("." in 2020),
    # Trondheim K-5001 in both; K-1601 (old Trondheim) is ".." in both years.
    regions = ["K-5001", "K-5030", "K-1601", "K-21-22", "K-23", "K-Rest"]
    values = [193_501, 205_332, 6_050, np.nan, np.nan, np.nan, 2_000, 2_100, 0, 0, 53_000, 0]
    status = [None, None, None, ".", "..", "..", None, None, None, None, None, None]
    pop = _jsonstat_frame(regions, ["Personer1"], ["2019", "2020"], values, status, "07459")
    changes = _jsonstat_frame(
        ["K-5001", "K-Rest"],
        ["Folketilvekst"],
        ["2019", "2020"],
        [1.0, 2.0, 3.0, 4.0],
        [None] * 4,
        "06913",
    )
    frame = population.municipal_frame(pop, changes)
    got = frame.set_index(["code", "year"])["population"].to_dict()
    assert got == {("5001", 2019): 193_501, ("5030", 2019): 6_050, ("5001", 2020): 205_332}
    notes = {n["table"]: n for n in frame.attrs["set_aside"]}
    assert notes["07459"]["rows"] == 6  # 3 codes × 2 years
    assert notes["07459"]["codes"] == ["K-21-22", "K-23", "K-Rest"]
    assert notes["06913"]["rows"] == 2 and notes["06913"]["national_only"] == 3.0 + 4.0
    # Norway 2019 = the municipal rows: 193,501 + 6,050 = 199,551 (not + 53,000 of K-Rest)
    members = population.membership(["norge"], [2019])
    norway = population.aggregate(
        frame, members[members["code"].isin(["5001", "5030"])], ["population"]
    )
    assert norway["population"].tolist() == [199_551]


def test_county_accounts_keep_counties_only() -> None:
    cells = [
        (r, n, "BNPB", "2022")
        for r in ["0", "F-50", "F-03", "23", "21-22"]
        for n in ["00-99", "01-03"]
    ]
    frame = pd.DataFrame(cells, columns=["Region", "NACE2007", "ContentsCode", "Tid"])
    frame["value"] = [900.0, 90.0, 40.0, 4.0, 60.0, 6.0, 300.0, 30.0, 1.0, 0.0]
    frame["status"] = pd.array([None] * 10, dtype="string")
    frame.attrs["table_id"] = "11713"
    out = inputs.county_accounts(frame)
    assert out[["county", "industry", "value_added"]].values.tolist() == [
        ["03", "01-03", 6.0],
        ["50", "01-03", 4.0],
    ]
    assert out.attrs["set_aside"][0]["codes"] == ["0", "21-22", "23"]


def test_commuting_matrix_sets_aside_both_dimensions() -> None:
    cells = [
        (b, a, "Sysselsatte", "2022")
        for b in ["5001", "5035", "9999"]
        for a in ["5001", "2300", "2100"]
    ]
    frame = pd.DataFrame(cells, columns=["Bokommuen", "ArbstedKomm", "ContentsCode", "Tid"])
    frame["value"] = np.arange(9, dtype=float) + 1
    frame["status"] = pd.array([None] * 9, dtype="string")
    frame.attrs["table_id"] = "03321"
    out = inputs.commuting_matrix(frame)
    assert out[["residence", "workplace", "employed"]].values.tolist() == [
        ["5001", "5001", 1.0],
        ["5035", "5001", 4.0],
    ]
    rows = {n["column"]: n["rows"] for n in inputs.set_aside(out)}
    assert rows == {"Bokommuen": 3, "ArbstedKomm": 4}  # 9999 × 3; then 2 × (2300, 2100)


# --- the reference 07459 response -----------------------------------------------------------------


def _reference_csv() -> Path:
    root = paths.shared_reference_dir() or Path("/work/shared/reference")
    path = root / "ssb" / "population_2022_by_municipality.csv"
    if not path.is_file():
        pytest.skip("../shared/reference/ssb/population_2022_by_municipality.csv is absent")
    return path


def test_reference_07459_municipal_rows_sum_to_norway() -> None:
    ref = pd.read_csv(_reference_csv(), dtype={"region_code": str})
    tidy = pd.DataFrame(
        {
            "Region": ref["region_code"],
            "ContentsCode": "Personer1",
            "Tid": "2022",
            "value": ref["population_2022_01_01"].astype(float),
        }
    )
    payload = read_jsonstat(
        to_jsonstat(
            tidy, ["Region", "ContentsCode", "Tid"], table_id="07459", label="07459: x", updated="x"
        )
    )
    changes = payload.assign(ContentsCode="Folketilvekst", value=np.nan)
    frame = population.municipal_frame(payload, changes)
    note = frame.attrs["set_aside"][0]
    assert note["rows"] == 3 and note["codes"] == ["K-21-22", "K-23", "K-Rest"]
    assert len(frame) == len(ref) - 3  # every other code is a municipality valid in 2022
    norway = population.aggregate(frame, population.membership(["norge"], [2022]), ["population"])
    assert norway["population"].tolist() == [5_425_270]


# --- a snapshot in the real shape of every catalogue table ----------------------------------------


@pytest.fixture(scope="module")
def realistic(tmp_path_factory) -> Path:
    data = realistic_snapshot.data_dir_with(
        tmp_path_factory.mktemp("realistic"), paths.PROJECT_ROOT / "data", DEMO
    )
    return data / "snapshot" / realistic_snapshot.VERSION


@pytest.fixture(scope="module")
def stores(realistic: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    demo = compute_store(Snapshot(DEMO))
    real = compute_store(Snapshot(realistic))
    return demo, real


def test_realistic_snapshot_has_every_added_code(realistic: Path) -> None:
    snap = Snapshot(realistic)
    for table_id, added in realistic_snapshot.ADDED.items():
        frame = snap.read_table(table_id)
        for dim, codes in added.items():
            assert set(codes) <= set(frame[dim]), (table_id, dim)
    assert set(snap.read_table("07459")["Region"]) >= {"K-5001", "K-21-22", "K-23", "K-Rest"}
    statuses = set(snap.read_table("07459")["status"].dropna())
    assert {".", ".."} <= statuses


def test_extra_rows_change_no_number(stores) -> None:
    demo, real = stores
    keys = ["indicator_id", "geo_code", "year"]
    both = demo.merge(real, on=keys, how="outer", suffixes=("_demo", "_real"), indicator=True)
    assert (both["_merge"] == "both").all()
    for col in ("value", "lower", "upper"):
        same = np.isclose(both[f"{col}_demo"], both[f"{col}_real"], rtol=0, atol=0, equal_nan=True)
        assert same.all(), both.loc[~same, [*keys, f"{col}_demo", f"{col}_real"]].head()


def test_population_sums_by_hand(realistic: Path, stores) -> None:
    _, real = stores
    obj = json.loads((realistic / "ssb" / "07459.json").read_text(encoding="utf-8"))
    frame = read_jsonstat(obj)
    year = 2022
    rows = frame[(frame["Tid"] == str(year)) & frame["value"].notna()]
    by_code = dict(zip(rows["Region"], rows["value"], strict=True))
    municipal = {c[2:]: v for c, v in by_code.items() if c[2:] in geography.valid_codes(year)}
    assert {"K-21-22", "K-23", "K-Rest"} <= set(by_code)  # with numbers (FILLER)
    assert len(by_code) == len(municipal) + 3
    pop = real[(real["indicator_id"] == "population") & (real["year"] == year)]
    value = pop.set_index("geo_code")["value"]
    assert value["norge"] == sum(municipal.values())
    members = geography.members("trondheimsregionen", year)
    assert value["trondheimsregionen"] == sum(municipal[c] for c in members)


def test_store_provenance_counts_the_rows_set_aside(stores) -> None:
    _, real = stores
    notes = real.attrs["set_aside"]
    # 07459: 3 codes × 19 years (2008-2026) of Personer1
    assert notes["07459:Region"]["rows"] == 3 * 19
    assert notes["07459:Region"]["codes"] == ["K-21-22", "K-23", "K-Rest"]
    for table_id, added in realistic_snapshot.ADDED.items():
        for dim, codes in added.items():
            key = f"{table_id}:{dim}"
            if table_id == "09429":  # not read by any indicator
                assert key not in notes
                continue
            assert set(codes) <= set(notes[key]["codes"]), key
    # the two added technology companies: one on Svalbard (2100), one without an address
    (key,) = [k for k in notes if k.startswith("brreg:enheter")]
    assert notes[key]["rows"] == 2


@pytest.mark.integration
def test_indicators_and_report_run_on_the_realistic_snapshot(realistic: Path, tmp_path) -> None:
    env = {**os.environ, "TRSPLAN_DATA_DIR": str(realistic.parent.parent)}
    cli = [sys.executable, "-m", "trsplan.cli"]
    run = subprocess.run(
        [*cli, "indicators", "--snapshot", realistic.name, "--year", "2024"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert "07459: 57 non-municipal rows set aside (K-21-22, K-23, K-Rest)" in run.stderr
    assert run.stdout.startswith("indicator_id") or "," in run.stdout.splitlines()[0]
    out = tmp_path / "reports"
    run = subprocess.run(
        [*cli, "report", "-m", "5001", "--format", "html", "--out", str(out)]
        + ["--snapshot", realistic.name],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    pages = list(out.rglob("*.html"))
    assert pages, "no report written"


def test_a_number_on_a_code_outside_its_years_is_dropped_with_a_warning(caplog) -> None:
    # an agg_KommSummer series back-casts K-5001 Trondheim to 2017, before the code existed
    pop = _jsonstat_frame(
        ["K-5001", "K-1601"], ["Personer1"], ["2017"], [190_000.0, 190_464.0], [None, None], "07459"
    )
    changes = pop.assign(ContentsCode="Folketilvekst", value=np.nan)
    changes.attrs = {**pop.attrs, "table_id": "06913"}
    with caplog.at_level(logging.WARNING, logger="trsplan.regioncodes"):
        frame = population.municipal_frame(pop, changes)
    assert frame[["code", "population"]].values.tolist() == [["1601", 190_464.0]]
    assert "07459: 1 rows with a number dropped" in caplog.text
