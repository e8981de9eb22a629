"""The shared cache of computed data (trsplan.report.datacache), on hand-made frames.

The indicator computation and the evaluation are replaced by small fakes that record their
calls, so each test says exactly what was computed, what was reused and what landed in the
output folder.
"""

from __future__ import annotations

import errno
from pathlib import Path

import pandas as pd
import pytest

from trsplan.evaluation import evaluate as evaluate_module
from trsplan.indicators import compute as compute_module
from trsplan.report import datacache, incremental
from trsplan.report.build import ensure_data

YEAR = 2024
DATA_FILES = (
    "indicators.parquet",
    "status.parquet",
    "forecasts.parquet",
    "status_previous.parquet",
    "status_previous.key",
    "key.txt",
)


class FakeSnapshot:
    """Only what ensure_data reads from a snapshot: its checksums."""

    def __init__(self, checksum: str = "abc") -> None:
        self.checksum = checksum

    def checksums(self) -> dict[str, str]:
        return {"ssb/07459.json": self.checksum}


def _store() -> pd.DataFrame:
    """Two geographies, one indicator, one year (values made up for the test)."""
    return pd.DataFrame(
        {
            "indicator_id": ["population", "population"],
            "goal_id": ["g1", "g1"],
            "geo_code": ["5001", "5035"],
            "geo_name": ["Trondheim", "Stjørdal"],
            "geo_level": ["municipality", "municipality"],
            "year": [YEAR, YEAR],
            "value": [214565.0, 25177.0],
            "unit": ["persons", "persons"],
            "lower": [float("nan")] * 2,
            "upper": [float("nan")] * 2,
            "source_tables": ["07459", "07459"],
            "synthetic": [True, True],
            "code_vintage": [YEAR, YEAR],
        }
    )


class Calls:
    def __init__(self) -> None:
        self.stores = 0
        self.evaluations: list[tuple[int, list[str] | None]] = []


@pytest.fixture
def calls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Calls:
    """A data folder of its own (the cache goes under it) and recording fakes."""
    monkeypatch.setenv("TRSPLAN_DATA_DIR", str(tmp_path / "datadir"))
    record = Calls()

    def compute_store(snapshot, to_year):
        record.stores += 1
        return _store()

    def evaluate(store, year, targets=None, register=None, *, geo_codes=None):
        record.evaluations.append((year, None if geo_codes is None else list(geo_codes)))
        geos = list(geo_codes) if geo_codes is not None else sorted(store["geo_code"])
        status = pd.DataFrame({"geo_code": geos, "year": [year] * len(geos), "status": "on"})
        forecasts = pd.DataFrame({"geo_code": geos, "forecast": [1.5] * len(geos)})
        return status, forecasts

    monkeypatch.setattr(compute_module, "compute_store", compute_store)
    monkeypatch.setattr(evaluate_module, "evaluate", evaluate)
    return record


def _forbid_computing(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*args, **kwargs):
        raise AssertionError("computed although the shared cache holds the data")

    monkeypatch.setattr(compute_module, "compute_store", boom)
    monkeypatch.setattr(evaluate_module, "evaluate", boom)


def _data(out: Path) -> Path:
    return out / str(YEAR) / "data"


def test_a_new_output_folder_reuses_the_cache_and_stays_self_contained(
    calls: Calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    first, second = _data(tmp_path / "out1"), _data(tmp_path / "out2")
    key = ensure_data(FakeSnapshot(), YEAR, first, ["5001"])
    assert calls.stores == 1
    _forbid_computing(monkeypatch)
    assert ensure_data(FakeSnapshot(), YEAR, second, ["5001"]) == key
    for name in DATA_FILES:
        assert (second / name).read_bytes() == (first / name).read_bytes(), name
    folders, size = datacache.cache_size()
    assert folders == 1 and size == sum(
        (first / f"{n}.parquet").stat().st_size
        for n in ("indicators", "status", "forecasts", "status_previous")
    )
    assert datacache.clear_cache() == 1  # the folder holds its own files (hardlinks or copies)
    assert not any(datacache.cache_root().iterdir()) and datacache.cache_size() == (0, 0)
    assert pd.read_parquet(second / "status.parquet")["geo_code"].tolist() == ["5001", "5035"]
    assert pd.read_parquet(second / "status_previous.parquet")["geo_code"].tolist() == ["5001"]


def test_the_cache_lives_in_the_data_folder_stamped_with_the_full_key(calls: Calls, tmp_path: Path):
    key = ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "out"), ["5001"])
    shared = tmp_path / "datadir" / "processed" / "computed" / key[:16]
    assert datacache.cache_dir(key) == shared
    for name in ("indicators", "status", "forecasts"):
        assert datacache.read_stamp(shared / f"{name}.parquet") == {"data_key": key}
    assert datacache.read_stamp(shared / "status_previous.parquet") == {
        "data_key": key,
        "geographies": "5001",
    }


def test_a_changed_snapshot_recomputes(calls: Calls, tmp_path: Path):
    one = ensure_data(FakeSnapshot("abc"), YEAR, _data(tmp_path / "a"), [])
    two = ensure_data(FakeSnapshot("def"), YEAR, _data(tmp_path / "b"), [])
    assert one != two and calls.stores == 2


def test_changed_code_recomputes(calls: Calls, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    one = ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "a"), [])
    monkeypatch.setattr(incremental, "code_digest", lambda: "an edited indicator")
    two = ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "a"), [])
    assert one != two and calls.stores == 2
    assert (_data(tmp_path / "a") / "key.txt").read_text().strip() == two


def test_a_cache_file_with_another_stamp_is_recomputed_not_used(calls: Calls, tmp_path: Path):
    key = ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "a"), [])
    cached = datacache.cache_dir(key) / "status.parquet"
    wrong = pd.DataFrame({"geo_code": ["9999"], "year": [YEAR], "status": ["wrong"]})
    datacache.write_stamped(wrong, cached, data_key="0" * 64)
    ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "b"), [])
    assert calls.stores == 2
    assert datacache.read_stamp(cached) == {"data_key": key}
    status = pd.read_parquet(_data(tmp_path / "b") / "status.parquet")
    assert status["geo_code"].tolist() == ["5001", "5035"]


def test_a_cache_file_that_is_not_parquet_is_recomputed(calls: Calls, tmp_path: Path):
    key = ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "a"), [])
    (datacache.cache_dir(key) / "indicators.parquet").write_bytes(b"half a file")
    ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "b"), [])
    assert calls.stores == 2
    assert len(pd.read_parquet(_data(tmp_path / "b") / "indicators.parquet")) == 2


def test_the_previous_evaluation_grows_by_the_missing_geographies_only(
    calls: Calls, tmp_path: Path
):
    ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "a"), ["5001"])
    ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "b"), ["5001", "5035"])
    # the main evaluation once (all geographies), the previous one for 5001, then 5035 only
    assert calls.evaluations == [(YEAR, None), (YEAR - 2, ["5001"]), (YEAR - 2, ["5035"])]
    previous = pd.read_parquet(_data(tmp_path / "b") / "status_previous.parquet")
    assert previous["geo_code"].tolist() == ["5001", "5035"]
    assert set(previous["year"]) == {YEAR - 2}
    stamp = (_data(tmp_path / "b") / "status_previous.key").read_text().splitlines()
    assert stamp[1] == "5001,5035"
    # a third folder asking for 5035 alone takes the cached file (both geographies) as it is
    ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "c"), ["5035"])
    assert len(calls.evaluations) == 3
    assert (_data(tmp_path / "c") / "status_previous.key").read_text().splitlines()[1] == (
        "5001,5035"
    )


def test_recompute_computes_again_with_a_warm_cache(calls: Calls, tmp_path: Path):
    ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "a"), ["5001"])
    ensure_data(FakeSnapshot(), YEAR, _data(tmp_path / "a"), ["5001"], recompute=True)
    assert calls.stores == 2
    assert calls.evaluations[-1] == (YEAR - 2, ["5001"])


def test_code_digest_covers_a_data_folders_overrides_and_registers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("TRSPLAN_DATA_DIR", str(tmp_path))
    plain = incremental.code_digest()
    assert incremental.code_digest() == plain
    (tmp_path / "targets.yaml").write_text("goals: []\n")  # paths.static_dir picks this one
    overridden = incremental.code_digest()
    (tmp_path / "register").mkdir()
    (tmp_path / "register" / "register_2024.csv").write_text("municipality_code\n5001\n")
    registered = incremental.code_digest()
    (tmp_path / "unrelated.txt").write_text("not read by trsplan\n")
    assert len({plain, overridden, registered}) == 3
    assert incremental.code_digest() == registered
    labels = [label for label, _ in incremental._computing_inputs()]
    assert "code/indicators/compute.py" in labels and "package/targets.yaml" in labels
    assert "override/targets.yaml" in labels


def test_place_hardlinks_on_one_filesystem_and_copies_across(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    src = tmp_path / "cache" / "status.parquet"
    src.parent.mkdir()
    src.write_bytes(b"cached bytes")
    datacache.place(src, tmp_path / "linked" / "status.parquet")
    assert (tmp_path / "linked" / "status.parquet").stat().st_ino == src.stat().st_ino

    def cross_device(a, b):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(datacache.os, "link", cross_device)
    copied = tmp_path / "copied" / "status.parquet"
    datacache.place(src, copied)
    assert copied.read_bytes() == b"cached bytes" and copied.stat().st_ino != src.stat().st_ino
    assert sorted(p.name for p in copied.parent.iterdir()) == ["status.parquet"]  # no temp left
