"""Benchmark: the whole indicator store and the evaluation on the shipped demo snapshot.

Run with ``.venv/bin/python -m pytest benchmarks/bench_compute.py -s`` (pytest-benchmark;
``benchmarks/`` is outside the test suite), or ``.venv/bin/python benchmarks/bench_compute.py``
for a per-theme breakdown.

Measured 2026-11-27 on the development container (2 CPUs, Python 3.11, pandas 3.1, numpy 2.4),
demo snapshot 2026-11-01-demo (357 municipalities, 8 regions, 2008-2026; ≈ 560,000 store rows):
- compute_store: 5.5-7.5 s (population rows ≈ 1 s, goal H ≈ 1.5 s, 1.5 ≈ 1 s, business ≈ 1 s,
  commuting ≈ 1 s, the rest < 0.5 s each); the target is < 30 s.
- evaluate, every geography, latest year (no forecasts: the deadlines have passed): ≈ 6 s;
  as of 2019 (forecasts to 2020 and 2025 for 8 geographies): 6-7 s.
- ``trsplan indicators --region trondheimsregionen``: ≈ 14 s end to end.
"""

from __future__ import annotations

import time

import pytest

from trsplan.indicators import compute
from trsplan.snapshot.store import Snapshot

pytestmark = pytest.mark.benchmark


def test_compute_store_speed(benchmark):
    snapshot = Snapshot.open()
    store = benchmark.pedantic(compute.compute_store, args=(snapshot,), rounds=2, iterations=1)
    assert len(store) > 100_000
    assert benchmark.stats["mean"] < 30


def test_evaluate_speed(benchmark):
    from trsplan.evaluation.evaluate import evaluate

    store = compute.compute_store(Snapshot.open())
    status, _ = benchmark.pedantic(evaluate, args=(store, 2019), rounds=1, iterations=1)
    assert len(status) > 100


def _breakdown() -> None:
    """Time each theme of compute_store separately (prints a table)."""
    snapshot = Snapshot.open()
    started = time.perf_counter()
    store = compute.compute_store(snapshot)
    total = time.perf_counter() - started
    captured: dict[str, float] = {}
    themes = compute.THEMES

    def timed(theme):
        def run(ctx):
            t0 = time.perf_counter()
            out = theme(ctx)
            captured[theme.__name__] = time.perf_counter() - t0
            return out

        return run

    compute.THEMES = tuple(timed(t) for t in themes)
    try:
        started = time.perf_counter()
        compute.compute_store(snapshot)
        again = time.perf_counter() - started
    finally:
        compute.THEMES = themes
    print(f"compute_store: {total:.1f} s ({len(store):,} rows); second run {again:.1f} s")
    for name, seconds in captured.items():
        print(f"  {name:<12} {seconds:5.2f} s")
    print(f"  population and setup {again - sum(captured.values()):5.2f} s")


if __name__ == "__main__":
    _breakdown()
