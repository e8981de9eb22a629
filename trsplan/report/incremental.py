"""Incremental runs: a key per report, a key for the shared data, and the output-folder lock.

A report's key hashes everything its output depends on: its parameters and formats, the notebook
file, the snapshot files it reads (through the store), the store, status and forecasts, and the
trsplan version. A report whose key is unchanged and whose outputs all exist is skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from trsplan import __version__
from trsplan.errors import TrsplanError

LOCK_NAME = ".trsplan-report.lock"


class OutputLockedError(TrsplanError):
    """Another ``trsplan report`` is writing into the same output folder."""


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else part.encode())
        h.update(b"\0")
    return h.hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def data_key(snapshot_checksums: dict[str, str], year: int) -> str:
    """What the store, status and forecasts are computed from: reusable while it is unchanged."""
    return digest(json.dumps(snapshot_checksums, sort_keys=True), str(year), __version__)


def report_key(
    parameters: dict, formats: tuple[str, ...], notebook: Path, data: str, title: str
) -> str:
    return digest(
        json.dumps(parameters, sort_keys=True, default=str),
        ",".join(formats),
        title,
        file_digest(notebook),
        data,
        __version__,
    )


def outputs_exist(out_dir: Path, entry: dict, formats: tuple[str, ...]) -> bool:
    names = [entry.get("html"), entry.get("notebook")]
    if "pdf" in formats:
        names.append(entry.get("pdf"))
    return all(n and (out_dir / n).is_file() for n in names)


def previous_reports(out_dir: Path) -> dict[str, dict]:
    """The last manifest's successful reports by stem (empty when there is none or it is bad)."""
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {
        r["stem"]: r
        for r in manifest.get("reports", [])
        if r.get("ok") and r.get("key") and r.get("stem")
    }


@contextlib.contextmanager
def output_lock(out_dir: Path) -> Iterator[None]:
    """Hold an exclusive lock on the output folder; a second run gets a clear error at once."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / LOCK_NAME
    handle = open(path, "a+", encoding="utf-8")  # noqa: SIM115 - held for the whole run
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise OutputLockedError(
                f"another trsplan report (pid {holder}) is writing to {out_dir}; wait for it "
                "to finish or choose another --out"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the lock
