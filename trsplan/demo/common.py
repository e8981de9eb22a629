"""What the three demo generators share: the snapshot version and pretend download time, the
provenance of a synthetic payload, writing payloads into the snapshot, and integer apportioning.

The provenance strings (``generator``: ``trsplan.demo seed=...``, ``trsplan.demo_labour ...``,
``trsplan.demo_public ...``) keep the generators' original module names: they are stored in the
shipped snapshot's sidecars and notes, so changing them would change the snapshot's bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from trsplan import paths
from trsplan.snapshot.store import write_file

VERSION = "2026-11-01-demo"
RETRIEVED_AT = "2026-11-01T06:00:00Z"  # fixed retrieval time of the (pretend) download
API_BASE = "https://data.ssb.no/api/pxwebapi/v2"


def snapshot_meta(
    table_id: str, query: dict[str, Any], generator: str, *, updated: str, licence: str
) -> dict[str, Any]:
    """Provenance for a synthetic payload (all demo modules): the generator is its source; it
    has no URL, since nothing was retrieved (``query`` is the selection it imitates)."""
    return {
        "table_id": table_id,
        "url": None,
        "query": query,
        "retrieved_at": RETRIEVED_AT,
        "licence": licence,
        "synthetic": True,
        "updated": updated,
        "media_type": "application/json",
        "generator": generator,
    }


def version_folder(out: Path | None, version: str) -> Path:
    """``<out>/snapshot/<version>`` (default: the working data folder's snapshot root)."""
    root = Path(out) / "snapshot" if out is not None else paths.snapshot_root()
    return root / version


def write_payloads(
    folder: Path, source: str, payloads: Mapping[str, tuple[bytes, dict[str, Any]]]
) -> list[Path]:
    """Write each ``name -> (payload, provenance)`` with its sidecar; return the paths written."""
    written: list[Path] = []
    for name, (payload, meta) in payloads.items():
        write_file(folder, source, name, payload, **meta)
        written += [folder / source / name, folder / source / (name + ".meta.json")]
    return written


def apportion(total: int, weights: np.ndarray) -> np.ndarray:
    """Integers summing to ``total`` in proportion to ``weights`` (largest remainder; ties go to
    the earlier position); all zeros when there is nothing to share."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=np.int64)
    share = total * (weights / weights.sum())
    base = np.floor(share).astype(np.int64)
    rest = int(total - base.sum())
    order = np.lexsort((np.arange(len(share)), -(share - base)))
    base[order[:rest]] += 1
    return base


def round_half_up(values: np.ndarray) -> np.ndarray:
    """Round to whole numbers, halves up (numpy's ``round`` rounds halves to even)."""
    return np.floor(values + 0.5).astype(np.int64)
