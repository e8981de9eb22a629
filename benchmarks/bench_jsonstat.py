"""Benchmark: decoding a generated 1,000,000-cell JSON-stat 2.0 payload.

Run with ``.venv/bin/python -m pytest benchmarks/bench_jsonstat.py`` (pytest-benchmark;
``benchmarks/`` is outside the test suite's ``testpaths``).

Measured 2026-11-27 on the development container (2 CPUs, Python 3.11, pandas 3.1.1, numpy 2.4.6,
pyarrow 26), pytest-benchmark, 5 rounds, three runs:
- read_jsonstat(bytes), JSON parsing included: mean 0.20-0.30 s (min 0.14 s, max 0.50 s)
- read_jsonstat(dict), already parsed:          mean 0.07-0.11 s
The stdlib ``json.loads`` of the ~7 MB payload is most of the first figure.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from trsplan.sources.jsonstat import read_jsonstat

SIZES = {"Region": 50, "Kjonn": 2, "Alder": 100, "ContentsCode": 1, "Tid": 100}  # 1,000,000 cells


def _payload() -> dict:
    rng = np.random.default_rng(20261127)
    n_cells = int(np.prod(list(SIZES.values())))
    values = rng.integers(0, 5000, n_cells).astype(float)
    missing = rng.random(n_cells) < 0.01
    codes = {
        "Region": [f"K-{5001 + i:04d}" for i in range(SIZES["Region"])],
        "Kjonn": ["1", "2"],
        "Alder": [f"{a:03d}" for a in range(SIZES["Alder"])],
        "ContentsCode": ["Personer1"],
        "Tid": [str(1926 + y) for y in range(SIZES["Tid"])],
    }
    value_list = values.astype(np.int64).astype(object)
    value_list[missing] = None
    return {
        "version": "2.0",
        "class": "dataset",
        "label": "07459: Befolkning (benchmark)",
        "source": "Statistisk sentralbyrå",
        "updated": "2026-11-27T07:00:00Z",
        "id": list(SIZES),
        "size": list(SIZES.values()),
        "dimension": {
            dim: {
                "label": dim,
                "category": {
                    "index": {c: i for i, c in enumerate(cats)},
                    "label": {c: c for c in cats},
                },
            }
            for dim, cats in codes.items()
        },
        "value": value_list.tolist(),
        "status": {str(i): ".." for i in np.flatnonzero(missing).tolist()},
        "role": {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]},
        "extension": {"px": {"tableid": "07459", "decimals": 0}},
    }


@pytest.fixture(scope="module")
def payload() -> dict:
    return _payload()


@pytest.fixture(scope="module")
def payload_bytes(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


@pytest.mark.benchmark
def test_decode_1m_cells_from_bytes(benchmark, payload_bytes: bytes) -> None:
    frame = benchmark.pedantic(read_jsonstat, args=(payload_bytes,), rounds=5, iterations=1)
    assert len(frame) == 1_000_000
    assert frame["status"].notna().sum() == frame["value"].isna().sum() > 0
    assert benchmark.stats.stats.mean < 3.0


@pytest.mark.benchmark
def test_decode_1m_cells_from_dict(benchmark, payload: dict) -> None:
    frame = benchmark.pedantic(read_jsonstat, args=(payload,), rounds=5, iterations=1)
    assert len(frame) == 1_000_000
    assert frame.loc[999_999, "Tid"] == "2025"
    assert benchmark.stats.stats.mean < 3.0
