"""Incremental runs: unchanged reports are skipped, a missing output or --force re-runs them."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from trsplan.report import incremental
from trsplan.report.build import build_reports

pytestmark = pytest.mark.integration


def _manifest(year_dir: Path) -> dict:
    return json.loads((year_dir / "manifest.json").read_text())


def test_a_rerun_with_nothing_changed_skips_every_report(report_set: Path):
    rewritten = ("index.html", "manifest.json", incremental.LOCK_NAME)
    reports = [p for p in report_set.glob("*.*") if p.name not in rewritten]
    before = {p.name: p.stat().st_mtime_ns for p in reports}
    started = time.perf_counter()
    build = build_reports(municipalities=["5001", "5035"], out=report_set.parent, workers=2)
    assert time.perf_counter() - started < 60  # no notebook ran (the goal, 3 s, is benchmarked)
    assert [r.status for r in build.results] == ["skipped"] * 3 and build.ok
    assert {p.name: p.stat().st_mtime_ns for p in reports} == before
    manifest = _manifest(report_set)
    assert [r["status"] for r in manifest["reports"]] == ["skipped"] * 3
    assert "3 skipped" in manifest["summary"]
    assert all(r["key"] for r in manifest["reports"])


def test_report_key_changes_with_each_input(tmp_path: Path):
    nb = tmp_path / "n.ipynb"
    nb.write_text("{}")
    base = ({"municipality": "5001", "year": 2024}, ("html",), nb, "data", "5001 Trondheim")
    key = incremental.report_key(*base)
    assert key == incremental.report_key(*base)
    changed = [
        ({"municipality": "5001", "year": 2023}, *base[1:]),
        (base[0], ("html", "pdf"), *base[2:]),
        (*base[:3], "other data", base[4]),
    ]
    assert all(incremental.report_key(*args) != key for args in changed)
    nb.write_text('{"cells": []}')
    assert incremental.report_key(*base) != key
    checksums = {"ssb/07459.json": "abc"}
    assert incremental.data_key(checksums, 2024) != incremental.data_key(checksums, 2025)
    assert incremental.data_key(checksums, 2024) != incremental.data_key(
        {"ssb/07459.json": "x"}, 2024
    )


def test_a_new_output_folder_takes_the_data_from_the_shared_cache(
    report_set: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The report set filled the shared cache; a run into another folder computes nothing
    (store, evaluation, previous evaluation) and its data files equal the set's."""
    from trsplan.evaluation import evaluate as evaluate_module
    from trsplan.indicators import compute as compute_module
    from trsplan.report.build import ensure_data
    from trsplan.snapshot.store import Snapshot

    def boom(*args, **kwargs):
        raise AssertionError("computed although the shared cache holds the data")

    monkeypatch.setattr(compute_module, "compute_store", boom)
    monkeypatch.setattr(evaluate_module, "evaluate", boom)
    data = tmp_path / "out" / report_set.name / "data"
    manifest = _manifest(report_set)
    snapshot = Snapshot.open(manifest["snapshot"]["version"])
    ensure_data(snapshot, int(report_set.name), data, ["5001", "5035"])
    names = ("indicators", "status", "forecasts", "status_previous")
    for name in names:
        assert (data / f"{name}.parquet").read_bytes() == (
            report_set / "data" / f"{name}.parquet"
        ).read_bytes()
    assert (data / "key.txt").read_text() == (report_set / "data" / "key.txt").read_text()
