"""KLASS 131 parsing and the geography table builder (trsplan.sources.klass)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trsplan import paths
from trsplan.cli import app
from trsplan.sources import klass
from trsplan.sources.klass import CodeChange, KlassError, KlassVersion

REFERENCE = paths.shared_reference_dir()
needs_reference = pytest.mark.skipif(
    REFERENCE is None, reason="../shared/reference (real KLASS payloads) is not beside the checkout"
)
BUILT_FILES = ("municipalities.csv", "code_changes.csv", "split_weights.csv", "build_info.json")


def _change(day, old, old_name, new, new_name):
    return {
        "oldCode": old,
        "oldName": old_name,
        "oldShortName": "",
        "newCode": new,
        "newName": new_name,
        "newShortName": "",
        "changeOccurred": day,
    }


# A miniature Norway: A+B merge into a new code, C absorbs D keeping its number, E splits into
# C and F, G is renamed (not a code change), H is renumbered. The latest version is 2020.
TOY_CHANGES = {
    "codeChanges": [
        _change("2018-01-01", "0001", "A", "0010", "AB"),
        _change("2018-01-01", "0002", "B", "0010", "AB"),
        _change("2018-01-01", "0007", "G", "0007", "G-new"),
        _change("2020-01-01", "0003", "C", "0003", "C"),
        _change("2020-01-01", "0004", "D", "0003", "C"),
        _change("2020-01-01", "0005", "E", "0003", "C"),
        _change("2020-01-01", "0005", "E", "0006", "F"),
        _change("2020-01-01", "0008", "H", "0009", "H"),
        _change("2005-01-01", "0099", "Old", "0001", "A"),  # before the window
    ]
}
TOY_LATEST = {
    "name": "Toy 2020",
    "validFrom": "2020-01-01",
    "classificationItems": [
        {"code": c, "name": n, "level": "1"}
        for c, n in [
            ("0003", "C"),
            ("0006", "F"),
            ("0007", "G-new"),
            ("0009", "H"),
            ("0010", "AB"),
            ("9999", "Uoppgitt"),
        ]
    ],
}
TOY_SHARES = {
    ("2020-01-01", "0005"): (
        klass.SplitShare("0003", 0.25, "population", "test"),
        klass.SplitShare("0006", 0.75, "population", "test"),
    )
}


def _toy_files(start="2008-01-01"):
    return klass.geography_table_bytes(
        klass.parse_changes(TOY_CHANGES),
        klass.parse_version(TOY_LATEST),
        start=start,
        supplements=(),
        shares=TOY_SHARES,
    )


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(data.decode().splitlines()))


# --- parsing --------------------------------------------------------------------------------


def test_parse_changes_sorted_and_typed():
    changes = klass.parse_changes(TOY_CHANGES)
    assert changes[0] == CodeChange("2005-01-01", "0099", "Old", "0001", "A")
    assert [c.date for c in changes] == sorted(c.date for c in changes)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"codeChanges": None},
        {"codeChanges": [_change("2020-01-01", "301", "x", "0301", "y")]},
        {"codeChanges": [_change("2020-13-01", "0301", "x", "0301", "y")]},
        {"codeChanges": [_change("2020-01-01", "0301", "x", None, None)]},
    ],
)
def test_parse_changes_rejects_malformed(payload):
    with pytest.raises(KlassError):
        klass.parse_changes(payload)


def test_parse_version_drops_pseudo_code():
    version = klass.parse_version(TOY_LATEST)
    assert version.valid_from == "2020-01-01"
    assert "9999" not in version.codes
    assert version.codes["0010"] == "AB"
    with pytest.raises(KlassError):
        klass.parse_version({"validFrom": "2020-01-01"})


# --- reconstruction and tables on the toy ---------------------------------------------------


def test_toy_reconstruction():
    timeline = klass.reconstruct_code_lists(
        klass.parse_changes(TOY_CHANGES), klass.parse_version(TOY_LATEST)
    )
    assert timeline.codes_on("2010-01-01") == {
        "0001",
        "0002",
        "0003",
        "0004",
        "0005",
        "0007",
        "0008",
    }
    assert timeline.codes_on("2018-06-30") == {"0003", "0004", "0005", "0007", "0008", "0010"}
    assert timeline.codes_on("2021-01-01") == {"0003", "0006", "0007", "0009", "0010"}


def test_toy_municipalities_periods():
    rows = _rows(_toy_files()["municipalities.csv"])
    table = [(r["code"], r["name"], r["valid_from"], r["valid_to"]) for r in rows]
    assert table == [
        ("0001", "A", "", "2017-12-31"),
        ("0002", "B", "", "2017-12-31"),
        ("0003", "C", "", "2019-12-31"),  # C absorbed D and part of E: a new territory period
        ("0003", "C", "2020-01-01", ""),
        ("0004", "D", "", "2019-12-31"),
        ("0005", "E", "", "2019-12-31"),
        ("0006", "F", "2020-01-01", ""),
        ("0007", "G-new", "", ""),  # a rename is not a code change
        ("0008", "H", "", "2019-12-31"),
        ("0009", "H", "2020-01-01", ""),
        ("0010", "AB", "2018-01-01", ""),
    ]
    assert {r["county"] for r in rows} == {"00"}


def test_toy_code_changes_kinds():
    rows = _rows(_toy_files()["code_changes.csv"])
    kinds = {(r["date"], r["old_code"], r["new_code"]): r["kind"] for r in rows}
    assert kinds == {
        ("2018-01-01", "0001", "0010"): "merge",
        ("2018-01-01", "0002", "0010"): "merge",
        ("2020-01-01", "0003", "0003"): "absorb",
        ("2020-01-01", "0004", "0003"): "merge",
        ("2020-01-01", "0005", "0003"): "split",
        ("2020-01-01", "0005", "0006"): "split",
        ("2020-01-01", "0008", "0009"): "renumber",
    }


def test_toy_split_weights_and_missing_weights_flagged():
    rows = _rows(_toy_files()["split_weights.csv"])
    assert [(r["old_code"], r["new_code"], r["weight"]) for r in rows] == [
        ("0005", "0003", "0.25"),
        ("0005", "0006", "0.75"),
    ]
    classified = klass.classify_changes(
        klass.parse_changes(TOY_CHANGES), klass.parse_version(TOY_LATEST)
    )
    unknown = klass.split_weight_rows(classified, shares={})
    assert {r[3] for r in unknown} == {0.5}
    assert all(r[5].startswith("UNVERIFIED estimate") for r in unknown)
    with pytest.raises(KlassError, match="sum to"):
        bad = {k: (v[0], klass.SplitShare("0006", 0.5, "b", "s")) for k, v in TOY_SHARES.items()}
        klass.split_weight_rows(classified, shares=bad)
    with pytest.raises(KlassError, match="successors"):
        klass.split_weight_rows(
            classified, shares={("2020-01-01", "0005"): (klass.SplitShare("0003", 1.0, "", ""),)}
        )


def test_kept_absorbing_code_without_identity_row_is_synthesised():
    changes = [
        CodeChange("2020-01-01", "0004", "D", "0003", "C"),
        CodeChange("2020-01-01", "0003", "C", "0003", "C"),
    ]
    latest = KlassVersion("v", "2020-01-01", {"0003": "C"})
    classified = klass.classify_changes(changes, latest)
    assert [(c.old_code, c.new_code, k) for c, k in classified] == [
        ("0003", "0003", "absorb"),
        ("0004", "0003", "merge"),
    ]


def test_write_is_atomic_and_deterministic(tmp_path):
    out = tmp_path / "geo"
    klass.write_geography_tables(_toy_files(), out)
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    klass.write_geography_tables(_toy_files(), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first
    assert sorted(first) == sorted(BUILT_FILES)  # no temporary files left behind


def test_changes_to_from_file_name():
    assert klass.changes_to_from_name(Path("x_from1971_to2025-01-02.json")) == "2025-01-02"
    assert klass.changes_to_from_name(Path("changes.json")) is None


# --- the real KLASS payloads ----------------------------------------------------------------


@pytest.fixture(scope="module")
def real():
    assert REFERENCE is not None
    folder = REFERENCE / "klass"
    changes = klass.parse_changes(
        json.loads((folder / "klass_131_changes_from1971_to2025-01-02.json").read_text())
    )
    versions = {
        year: klass.parse_version(
            json.loads((folder / f"klass_131_version_kommuneinndeling_{year}.json").read_text())
        )
        for year in (2018, 2020, 2024)
    }
    all_changes = sorted(set(changes) | set(klass.SUPPLEMENTARY_CHANGES))
    return {"changes": all_changes, "versions": versions, "klass_only": changes}


@needs_reference
@pytest.mark.parametrize("year", [2018, 2020, 2024])
def test_reconstructed_lists_equal_klass_versions(real, year):
    timeline = klass.reconstruct_code_lists(real["changes"], real["versions"][2024])
    assert timeline.codes_on(f"{year}-01-01") == set(real["versions"][year].codes)
    # the supplement (a boundary transfer) does not change any code list
    plain = klass.reconstruct_code_lists(real["klass_only"], real["versions"][2024])
    assert plain.codes_on(f"{year}-01-01") == set(real["versions"][year].codes)


@needs_reference
def test_code_counts_per_year(real):
    timeline = klass.reconstruct_code_lists(real["changes"], real["versions"][2024])
    counts = {y: len(timeline.codes_on(f"{y}-01-01")) for y in range(2008, 2026)}
    assert counts[2008] == 430
    assert counts[2012] == 429  # Mosvik + Inderøy
    assert counts[2013] == 428  # Bjarkøy + Harstad
    assert counts[2017] == 426
    assert counts[2018] == counts[2019] == 422 == len(real["versions"][2018].codes)
    assert counts[2020] == 356 == len(real["versions"][2020].codes)
    assert counts[2024] == counts[2025] == 357 == len(real["versions"][2024].codes)


@needs_reference
def test_real_change_kinds(real):
    classified = klass.classify_changes(real["changes"], real["versions"][2024])
    kinds = {(c.date, c.old_code, c.new_code): k for c, k in classified}
    assert kinds[("2012-01-01", "1723", "1756")] == "merge"  # Mosvik -> Inderøy
    assert kinds[("2018-01-01", "1601", "5001")] == "renumber"
    assert kinds[("2018-01-01", "1624", "5054")] == "merge"
    assert kinds[("2018-01-01", "1718", "5054")] == "merge"
    assert kinds[("2020-01-01", "5030", "5001")] == "merge"
    assert kinds[("2020-01-01", "5001", "5001")] == "absorb"
    assert kinds[("2020-01-01", "5054", "5054")] == "absorb"
    assert kinds[("2020-01-01", "1103", "1103")] == "absorb"
    assert kinds[("2017-01-01", "0704", "0704")] == "absorb"
    for old in ("5016", "5023", "5024"):
        assert kinds[("2020-01-01", old, "5059")] == "merge"
    for new in ("5055", "5056", "5059"):
        assert kinds[("2020-01-01", "5012", new)] == "split"
    assert kinds[("2020-01-01", "5039", "5006")] == "split"
    assert kinds[("2024-01-01", "1507", "1580")] == "split"
    assert kinds[("2019-01-01", "1567", "5061")] == "renumber"  # Rindal changed county in 2019
    # pure renames are no code changes
    assert ("2023-01-01", "5001", "5001") not in kinds
    assert ("2011-01-01", "1736", "1736") not in kinds
    assert all(c.date >= "2008-01-01" for c, _ in classified)
    renumbered_2024 = {c.old_code for c, k in classified if c.date == "2024-01-01"}
    assert len(renumbered_2024) == 114


@needs_reference
def test_rebuild_is_byte_identical(tmp_path):
    folder = REFERENCE / "klass"
    result = CliRunner().invoke(
        app,
        [
            "geography-build",
            "--changes",
            str(folder / "klass_131_changes_from1971_to2025-01-02.json"),
            "--version",
            str(folder / "klass_131_version_kommuneinndeling_2024.json"),
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    committed = paths.PACKAGE_DATA_DIR / "geography"
    for name in BUILT_FILES:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


def test_committed_split_weights_cover_every_split():
    folder = paths.PACKAGE_DATA_DIR / "geography"
    changes = list(csv.DictReader((folder / "code_changes.csv").open(encoding="utf-8")))
    weights = list(csv.DictReader((folder / "split_weights.csv").open(encoding="utf-8")))
    splits = {(r["date"], r["old_code"], r["new_code"]) for r in changes if r["kind"] == "split"}
    assert {(r["date"], r["old_code"], r["new_code"]) for r in weights} == splits
    totals: dict[tuple[str, str], float] = {}
    for r in weights:
        key = (r["date"], r["old_code"])
        totals[key] = totals.get(key, 0.0) + float(r["weight"])
        assert r["basis"] and r["source"]
    assert all(abs(t - 1) < 1e-9 for t in totals.values())
    assert set(totals) == {
        ("2017-01-01", "0720"),
        ("2020-01-01", "1850"),
        ("2020-01-01", "5012"),
        ("2020-01-01", "5039"),
        ("2024-01-01", "1507"),
    }
