"""The shared cache of computed data: the store, the evaluation and the previous evaluation.

Computing the indicator store takes about 8 s and the evaluation about 6 s, so they are computed
once per data key (:func:`trsplan.report.incremental.data_key`: snapshot, year, trsplan version,
computing code and static data) into ``<data dir>/processed/computed/<key[:16]>/`` and every
output folder gets hardlinks to (or, on another filesystem, copies of) those files: a report
folder stays self-contained, and a run into a new folder does not compute them again. Notebooks
run by hand read the cache folder itself.

Each cached Parquet file carries its full data key in its schema metadata (``trsplan.data_key``;
the previous evaluation also its geographies, ``trsplan.geographies``), written with the file in
one atomic rename: a file whose stamp does not match is recomputed, never used.

Two runs computing the same key at once (different output folders) both write complete files
and rename them into place; the files are the same computation of the same inputs, so whichever
rename lands last, every file a reader sees is whole and right: atomic rename is enough. The
previous evaluation grows (geographies are added to it), so its read-merge-write runs under a
lock on the cache folder, else a run could drop the geographies another one just added.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from trsplan import paths
from trsplan.fileio import atomic_path, write_text

if TYPE_CHECKING:
    import pandas as pd

    from trsplan.snapshot.store import Snapshot

CACHE_NAME = "computed"
MAIN = ("indicators", "status", "forecasts")
PREVIOUS = "status_previous"
_STAMP_PREFIX = b"trsplan."


def cache_root() -> Path:
    """Where computed data is cached: ``<data dir>/processed/computed``."""
    return paths.processed_dir() / CACHE_NAME


def cache_dir(key: str) -> Path:
    """The cache folder of a data key; a temporary folder when the data folder is read-only."""
    folder = cache_root() / key[:16]
    with contextlib.suppress(OSError):  # read-only: os.access below says so
        folder.mkdir(parents=True, exist_ok=True)
    if os.access(folder, os.W_OK):
        return folder
    return Path(tempfile.gettempdir()) / f"trsplan-data-{key[:16]}"


def cache_size() -> tuple[int, int]:
    """(folders, bytes) held in the cache."""
    root = cache_root()
    if not root.is_dir():
        return 0, 0
    files = {p: [f for f in p.glob("*.parquet") if f.is_file()] for p in root.iterdir()}
    filled = [p for p, held in files.items() if held]
    return len(filled), sum(f.stat().st_size for p in filled for f in files[p])


def clear_cache() -> int:
    """Delete the cache (report folders keep their own hardlinks or copies); folders removed."""
    root = cache_root()
    if not root.is_dir():
        return 0
    folders = [p for p in root.iterdir() if p.is_dir()]
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)
    return len(folders)


def ensure(
    snapshot: Snapshot,
    year: int,
    key: str,
    data_dir: Path,
    geos: list[str],
    *,
    recompute: bool = False,
) -> None:
    """Store, status and forecasts of ``key`` in ``data_dir``, and the previous evaluation for
    ``geos`` (added to those already there): from ``data_dir`` itself when current, else from
    the shared cache, else computed (into the cache, then placed in ``data_dir``)."""
    shared = cache_dir(key)
    store = _ensure_main(snapshot, year, key, data_dir, shared, recompute)
    _ensure_previous(year, key, data_dir, shared, geos, store, recompute)


def _ensure_main(
    snapshot: Snapshot, year: int, key: str, data_dir: Path, shared: Path, recompute: bool
) -> pd.DataFrame | None:
    """The three main files; the computed store when it was computed here (else None)."""
    own = _own(data_dir, shared)
    stamp = data_dir / "key.txt"
    files = [f"{n}.parquet" for n in MAIN]
    current = own and not recompute and _text_key(stamp) == key
    if current and all((data_dir / f).is_file() for f in files):
        return None
    cached = not recompute and all(read_stamp(shared / f).get("data_key") == key for f in files)
    if cached and own:
        try:
            for f in files:
                place(shared / f, data_dir / f)
        except FileNotFoundError:  # the cache was cleared meanwhile
            cached = False
    store = None
    if not cached:
        store = _compute(snapshot, year, key, shared)
        for f in files if own else []:
            place(shared / f, data_dir / f)
    write_text(stamp, key + "\n")
    return store


def _compute(snapshot: Snapshot, year: int, key: str, shared: Path) -> pd.DataFrame:
    from trsplan.evaluation.evaluate import evaluate
    from trsplan.indicators.compute import compute_store
    from trsplan.indicators.store import conform

    store = compute_store(snapshot, to_year=year)
    status, forecasts = evaluate(store, year)
    for name, frame in zip(MAIN, (conform(store), status, forecasts), strict=True):
        write_stamped(frame, shared / f"{name}.parquet", data_key=key)
    return store


def _ensure_previous(
    year: int,
    key: str,
    data_dir: Path,
    shared: Path,
    geos: list[str],
    store: pd.DataFrame | None,
    recompute: bool,
) -> None:
    """The evaluation two years earlier, once per run for all its reports (each report would
    otherwise run it in its notebook), only for the geographies asked for and not yet computed,
    so a small set does not pay for every municipality."""
    path, stamp = data_dir / f"{PREVIOUS}.parquet", data_dir / f"{PREVIOUS}.key"
    have = set() if recompute or not path.is_file() else _text_geos(stamp, key)
    if not geos or set(geos) <= have:
        return
    import pandas as pd

    from trsplan.evaluation.evaluate import evaluate
    from trsplan.indicators.store import read_store
    from trsplan.report import scorecard

    cached_path = shared / f"{PREVIOUS}.parquet"
    with _locked(shared):
        frame, cached = (None, set()) if recompute else _read_previous(cached_path, key)
        wanted = have | set(geos) | cached
        missing = sorted(wanted - cached)
        listed = ",".join(sorted(wanted))
        if missing:
            if store is None:
                store = read_store(data_dir / "indicators.parquet")
            new, _ = evaluate(store, year - scorecard.EVALUATION_INTERVAL, geo_codes=missing)
            # each geography's rows do not depend on the others asked for (evaluate judges
            # every geography on its own series), so appending equals evaluating all at once
            parts = [f for f in (frame, new) if f is not None and len(f)]
            frame = pd.concat(parts, ignore_index=True) if len(parts) > 1 else (parts or [new])[0]
            write_stamped(frame, cached_path, data_key=key, geographies=listed)
            write_text(shared / f"{PREVIOUS}.key", key + "\n" + listed + "\n")
        if _own(data_dir, shared):
            place(cached_path, path)
        write_text(stamp, key + "\n" + listed + "\n")


def _read_previous(path: Path, key: str) -> tuple[pd.DataFrame | None, set[str]]:
    """The cached previous evaluation and its geographies, when stamped with ``key``."""
    stamp = read_stamp(path)
    if stamp.get("data_key") != key:
        return None, set()
    import pandas as pd

    return pd.read_parquet(path), set(filter(None, stamp.get("geographies", "").split(",")))


def _own(data_dir: Path, shared: Path) -> bool:
    """True when ``data_dir`` is an output folder's, not the cache folder itself."""
    return data_dir.resolve() != shared.resolve()


def _text_key(stamp: Path) -> str:
    try:
        return stamp.read_text().strip()
    except OSError:
        return ""


def _text_geos(stamp: Path, key: str) -> set[str]:
    """The geographies a ``status_previous.key`` lists, when its first line is ``key``."""
    head, _, listed = _text_key(stamp).partition("\n")
    return set(filter(None, listed.split(","))) if head == key else set()


def write_stamped(frame: pd.DataFrame, path: Path, **stamp: str) -> Path:
    """``frame.to_parquet(path, index=False)`` with ``stamp`` in the schema metadata, atomically
    (the same file pandas writes, plus the ``trsplan.*`` keys)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False)
    metadata = dict(table.schema.metadata or {})
    if frame.attrs:  # as pandas keeps them
        metadata[b"PANDAS_ATTRS"] = json.dumps(frame.attrs).encode()
    metadata.update({_STAMP_PREFIX + k.encode(): v.encode() for k, v in stamp.items()})
    with atomic_path(path) as tmp:
        pq.write_table(table.replace_schema_metadata(metadata), tmp)
    return path


def read_stamp(path: Path) -> dict[str, str]:
    """The ``trsplan.*`` stamp of a Parquet file (empty when missing or unreadable)."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):  # missing, or not Parquet (ArrowInvalid is a ValueError)
        return {}
    n = len(_STAMP_PREFIX)
    return {k[n:].decode(): v.decode() for k, v in metadata.items() if k.startswith(_STAMP_PREFIX)}


def place(src: Path, dst: Path) -> None:
    """``src`` at ``dst``, atomically: a hardlink on the same filesystem, else a copy.

    Cached files are only ever replaced (a new file renamed over them), never written in place,
    so a report folder's hardlink keeps its content when the cache changes later.
    """
    with atomic_path(dst) as tmp:
        tmp.unlink()
        try:
            os.link(src, tmp)
        except FileNotFoundError:
            raise
        except OSError:  # another filesystem, or hardlinks not allowed there
            shutil.copyfile(src, tmp)


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """An exclusive lock on a cache folder (waits; released when the process ends)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
