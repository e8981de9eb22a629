"""Incremental runs: a key per report, a key for the shared data, and the output-folder lock.

A report's key hashes everything its output depends on: its parameters and formats, the notebook
file, the snapshot files it reads (through the store), the store, status and forecasts, and the
trsplan version. A report whose key is unchanged and whose outputs all exist is skipped.

The data key (store, status, forecasts) hashes the snapshot's checksums, the year, the trsplan
version and :func:`code_digest`: the code and static data that compute them, so a developer
editing an indicator, a target or a geography file gets a new key, not a stale cached store.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from trsplan import __version__, paths
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


#: The package's code that computes the store and the evaluations (the report pages, figures and
#: notebooks are in the reports' own keys, so editing them does not recompute the data).
CODE_PARTS = (
    "sources",
    "snapshot",
    "indicators",
    "evaluation",
    "geography.py",
    "regioncodes.py",
    "yamlschema.py",
)


def data_key(snapshot_checksums: dict[str, str], year: int) -> str:
    """What the store, status and forecasts are computed from: reusable while it is unchanged."""
    return digest(
        json.dumps(snapshot_checksums, sort_keys=True), str(year), __version__, code_digest()
    )


def code_digest() -> str:
    """The computing code, the static data (package data and a data folder's own overrides,
    ``paths.static_dir``) and the stored qualitative registers, hashed by content.

    About 100 small files: a few ms, paid by every run, including an unchanged re-run.
    """
    h = hashlib.sha256()
    for label, path in _computing_inputs():
        h.update(label.encode())
        h.update(b"\0")
        h.update(path.read_bytes())
        h.update(b"\0")
    return h.hexdigest()


def _computing_inputs() -> Iterator[tuple[str, Path]]:
    """(label, file) of everything :func:`code_digest` covers, in a fixed order."""
    for part in CODE_PARTS:
        root = paths.PACKAGE_DIR / part
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root]
        yield from ((f"code/{f.relative_to(paths.PACKAGE_DIR)}", f) for f in files)
    yield from _tree("package", paths.PACKAGE_DATA_DIR)
    configured = os.environ.get(paths.DATA_DIR_ENV)
    if configured:  # the overrides paths.static_dir would pick instead of the package's files
        for entry in sorted(paths.PACKAGE_DATA_DIR.iterdir()):
            yield from _tree(f"override/{entry.name}", Path(configured) / entry.name)
    register = paths.register_dir()
    if register.is_dir():  # the evaluation reads the qualitative register of its year
        yield from ((f"register/{f.name}", f) for f in sorted(register.glob("register_*.csv")))
    catalogue = os.environ.get("TRSPLAN_CATALOGUE", "").strip()
    if catalogue and Path(catalogue).is_file():
        yield "catalogue", Path(catalogue)


def _tree(label: str, root: Path) -> Iterator[tuple[str, Path]]:
    """A file, or the files under a folder (hidden ones and caches left out)."""
    if root.is_file():
        yield label, root
    elif root.is_dir():
        for f in sorted(root.rglob("*")):
            rel = f.relative_to(root)
            if f.is_file() and not any(p.startswith((".", "__")) for p in rel.parts):
                yield f"{label}/{rel}", f


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
