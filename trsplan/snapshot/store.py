"""The snapshot store: raw API payloads, byte for byte, each with a provenance sidecar.

Layout (``trsplan.paths.snapshot_root()``, i.e. ``data/snapshot/`` unless ``TRSPLAN_DATA_DIR``
points elsewhere)::

    <root>/<version>/<source>/<name>              the payload exactly as the API returned it
    <root>/<version>/<source>/<name>.meta.json    its provenance (see ``Provenance``)

A version is a folder whose name starts with an ISO date (``2026-11-27``, ``2026-03-01-demo``),
so that names sort by date; the latest version is the greatest name. ``write_file`` writes
atomically (temporary file in the same folder, fsync, ``os.replace``), the payload first and the
sidecar last, so a sidecar always describes a complete payload. Readers check every payload
against the sha256 and size in its sidecar.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from trsplan.errors import ChecksumMismatch, SnapshotError
from trsplan.fileio import atomic_path, write_bytes
from trsplan.paths import snapshot_root

__all__ = [
    "SIDECAR_SUFFIX",
    "Provenance",
    "Snapshot",
    "list_versions",
    "version_path",
    "write_file",
]

SIDECAR_SUFFIX = ".meta.json"
_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[-_.][A-Za-z0-9._-]+)?$")
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_HOW_TO_CREATE = (
    "create one with `trsplan fetch` (downloads real data) or `trsplan demo-snapshot` "
    "(the demo-data generator: synthetic data for offline use)"
)


@dataclass(frozen=True)
class Provenance:
    """What a snapshot file is and where it came from (the ``<name>.meta.json`` sidecar)."""

    source: str  # "ssb" | "klass" | "brreg" | ...
    name: str  # file name inside <version>/<source>/
    table_id: str | None
    url: str | None
    query: dict[str, Any] | None
    retrieved_at: str  # ISO 8601 UTC, e.g. "2026-11-27T08:30:00Z"
    sha256: str
    bytes: int
    licence: str
    synthetic: bool
    updated: str | None  # the table's own ``updated`` stamp, when it has one
    media_type: str = "application/json"
    generator: str | None = None  # what produced a synthetic file

    @property
    def relpath(self) -> str:
        """``<source>/<name>``, the file's path inside its version folder."""
        return f"{self.source}/{self.name}"

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        if out["generator"] is None:
            del out["generator"]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Provenance:
        known = {f.name for f in fields(cls)}
        optional = {"media_type", "generator"}
        missing = sorted(known - optional - set(data))
        if missing:
            raise SnapshotError(f"provenance lacks field(s) {missing}")
        unknown = sorted(set(data) - known)
        if unknown:
            raise SnapshotError(f"provenance has unknown field(s) {unknown}")
        if not isinstance(data["synthetic"], bool):
            raise SnapshotError(
                f"provenance 'synthetic' must be true or false, not {data['synthetic']!r}"
            )
        if not isinstance(data["bytes"], int) or isinstance(data["bytes"], bool):
            raise SnapshotError(f"provenance 'bytes' must be an integer, not {data['bytes']!r}")
        return cls(**{k: data[k] for k in known if k in data})


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------


def write_file(
    version_dir: Path,
    source: str,
    name: str,
    payload: bytes,
    *,
    table_id: str | None,
    url: str | None,
    query: Mapping[str, Any] | None,
    retrieved_at: datetime | str,
    licence: str,
    synthetic: bool,
    updated: str | None = None,
    media_type: str = "application/json",
    generator: str | None = None,
) -> Provenance:
    """Store ``payload`` at ``<version_dir>/<source>/<name>`` plus its sidecar; return provenance.

    Atomic: each file is written to a temporary file in the same folder, fsynced and moved into
    place with ``os.replace``; the payload goes first and the sidecar last. When a file is
    replaced, its old sidecar is removed first, so an interrupted rewrite leaves a payload
    without a sidecar (reported as such) rather than a sidecar describing other bytes.
    ``retrieved_at`` must be timezone-aware; it is stored in UTC.
    """
    for label, value in (("source", source), ("name", name)):
        if not isinstance(value, str) or not _NAME_RE.match(value) or ".." in value:
            raise SnapshotError(
                f"snapshot {label} {value!r} is not a plain file name "
                "(letters, digits, '.', '_', '-')"
            )
    if name.endswith(SIDECAR_SUFFIX):
        raise SnapshotError(f"snapshot name {name!r} may not end with {SIDECAR_SUFFIX!r}")
    if not isinstance(payload, bytes | bytearray | memoryview):
        raise SnapshotError(f"payload must be bytes, not {type(payload).__name__}")
    payload = bytes(payload)
    if query is not None:
        if not isinstance(query, Mapping):
            raise SnapshotError(f"query must be a dict or None, not {type(query).__name__}")
        query = json.loads(json.dumps(query))  # a plain JSON copy; fails early if not JSON-able
    provenance = Provenance(
        source=source,
        name=name,
        table_id=None if table_id is None else str(table_id),
        url=url,
        query=query,
        retrieved_at=_utc_iso(retrieved_at),
        sha256=hashlib.sha256(payload).hexdigest(),
        bytes=len(payload),
        licence=licence,
        synthetic=bool(synthetic),
        updated=updated,
        media_type=media_type,
        generator=generator,
    )
    folder = Path(version_dir) / source
    folder.mkdir(parents=True, exist_ok=True)
    sidecar = folder / (name + SIDECAR_SUFFIX)
    with atomic_path(folder / name, fsync=True) as tmp:
        tmp.write_bytes(payload)
        if sidecar.exists():  # the old sidecar must not outlive the bytes it describes
            sidecar.unlink()
    _fsync_dir(folder)
    write_bytes(sidecar, _sidecar_bytes(provenance), fsync=True)
    return provenance


def version_path(version: str, root: Path | None = None) -> Path:
    """The folder of snapshot ``version`` (checked to be a date-sortable name); not created."""
    if not _VERSION_RE.match(version):
        raise SnapshotError(
            f"snapshot version {version!r} must start with an ISO date, e.g. '2026-11-27' or "
            f"'2026-03-01-demo', so that versions sort by date"
        )
    return (Path(root) if root is not None else snapshot_root()) / version


def _sidecar_bytes(provenance: Provenance) -> bytes:
    text = json.dumps(provenance.to_dict(), indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode("utf-8")


def _fsync_dir(folder: Path) -> None:
    """Make a rename durable (best effort: not every platform can open a directory)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _utc_iso(value: datetime | str) -> str:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise SnapshotError(f"retrieved_at {value!r} is not an ISO 8601 timestamp") from None
    elif isinstance(value, datetime):
        parsed = value
    else:
        raise SnapshotError(f"retrieved_at must be a datetime or ISO string, not {value!r}")
    if parsed.tzinfo is None:
        raise SnapshotError(
            f"retrieved_at {value!s} has no time zone; give it in UTC (e.g. '2026-11-27T08:30:00Z')"
        )
    return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------


def list_versions(root: Path | None = None) -> list[str]:
    """Snapshot versions under ``root`` (default ``snapshot_root()``), oldest first."""
    root = Path(root) if root is not None else snapshot_root()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _VERSION_RE.match(p.name))


class Snapshot:
    """One version of the snapshot store. Open with ``Snapshot.open()`` (the latest version)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.version = self.path.name
        if not self.path.is_dir():
            raise SnapshotError(f"snapshot folder {self.path} does not exist")

    @classmethod
    def open(cls, version: str | None = None, root: Path | None = None) -> Snapshot:
        """Open ``version`` (default: the latest) under ``root`` (default ``snapshot_root()``)."""
        root = Path(root) if root is not None else snapshot_root()
        versions = list_versions(root)
        if not versions:
            raise SnapshotError(
                f"no snapshot found in {root} (set TRSPLAN_DATA_DIR to use another data folder); "
                f"{_HOW_TO_CREATE}"
            )
        if version is None:
            version = versions[-1]
        elif version not in versions:
            raise SnapshotError(
                f"snapshot version {version!r} not found in {root}; available: "
                f"{', '.join(versions)} (latest {versions[-1]})"
            )
        return cls(root / version)

    def __repr__(self) -> str:
        return f"Snapshot(version={self.version!r}, path={str(self.path)!r})"

    # -- listing ---------------------------------------------------------------------------

    def files(self) -> list[Provenance]:
        """Every file's provenance, sorted by source and name.

        Raises ``SnapshotError`` for a sidecar without its payload, a payload without its
        sidecar, or a sidecar that cannot be read.
        """
        out = []
        for folder in sorted(p for p in self.path.iterdir() if p.is_dir()):
            if folder.name.startswith("."):
                continue
            names = {p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")}
            for file_name in sorted(names):
                if file_name.endswith(SIDECAR_SUFFIX):
                    payload = file_name[: -len(SIDECAR_SUFFIX)]
                    if payload not in names:
                        raise SnapshotError(
                            f"snapshot {self.version}: sidecar {folder.name}/{file_name} has no "
                            f"payload {folder.name}/{payload}; {self._fix_hint()}"
                        )
                    out.append(self._load_sidecar(folder / file_name))
                elif file_name + SIDECAR_SUFFIX not in names:
                    raise SnapshotError(
                        f"snapshot {self.version}: {folder.name}/{file_name} has no provenance "
                        f"sidecar {file_name}{SIDECAR_SUFFIX} (an interrupted write, or a file put "
                        f"there by hand); {self._fix_hint()}"
                    )
        return out

    def provenance(self, source: str, name: str) -> Provenance:
        """The provenance of ``<source>/<name>``."""
        sidecar = self.path / source / (name + SIDECAR_SUFFIX)
        payload = self.path / source / name
        if not sidecar.is_file():
            if payload.is_file():
                raise SnapshotError(
                    f"snapshot {self.version}: {source}/{name} has no provenance sidecar "
                    f"{name}{SIDECAR_SUFFIX}; {self._fix_hint()}"
                )
            available = [p.relpath for p in self.files()]
            raise SnapshotError(
                f"snapshot {self.version} has no file {source}/{name}; it has: "
                f"{', '.join(available) or 'no files'}"
            )
        if not payload.is_file():
            raise SnapshotError(
                f"snapshot {self.version}: sidecar {source}/{name}{SIDECAR_SUFFIX} has no payload "
                f"{source}/{name}; {self._fix_hint()}"
            )
        return self._load_sidecar(sidecar)

    def _load_sidecar(self, sidecar: Path) -> Provenance:
        rel = f"{sidecar.parent.name}/{sidecar.name}"
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise SnapshotError(
                f"snapshot {self.version}: cannot read sidecar {rel}: {exc}"
            ) from None
        if not isinstance(data, dict):
            raise SnapshotError(f"snapshot {self.version}: sidecar {rel} is not a JSON object")
        try:
            provenance = Provenance.from_dict(data)
        except SnapshotError as exc:
            raise SnapshotError(f"snapshot {self.version}: sidecar {rel}: {exc}") from None
        expected_name = sidecar.name[: -len(SIDECAR_SUFFIX)]
        if (provenance.source, provenance.name) != (sidecar.parent.name, expected_name):
            raise SnapshotError(
                f"snapshot {self.version}: sidecar {rel} describes {provenance.relpath}, "
                f"not {sidecar.parent.name}/{expected_name}"
            )
        return provenance

    def _fix_hint(self) -> str:
        return (
            "re-fetch it (`trsplan fetch`) or regenerate the demo snapshot "
            "(`trsplan demo-snapshot`)"
        )

    # -- reading ---------------------------------------------------------------------------

    def read_bytes(self, source: str, name: str) -> bytes:
        """The payload of ``<source>/<name>``, after checking its size and sha256."""
        provenance = self.provenance(source, name)
        data = (self.path / source / name).read_bytes()
        actual = hashlib.sha256(data).hexdigest()
        if actual != provenance.sha256 or len(data) != provenance.bytes:
            raise ChecksumMismatch(
                f"snapshot {self.version}: {source}/{name} does not match its sidecar: sha256 "
                f"expected {provenance.sha256}, actual {actual}; size expected "
                f"{provenance.bytes} bytes, actual {len(data)}. The file changed after it was "
                f"written; {self._fix_hint()} rather than editing it"
            )
        return data

    def read_table(
        self, table_id: str, source: str = "ssb", *, name: str | None = None
    ) -> pd.DataFrame:
        """Decode the JSON-stat file holding ``table_id`` (found through the sidecars).

        ``name`` picks one file when several hold the same table. The frame's attrs gain
        ``synthetic``, ``snapshot_version``, ``snapshot_file``, ``sha256``, ``retrieved_at`` and
        ``url`` beside those ``read_jsonstat`` sets.
        """
        from trsplan.sources.jsonstat import read_jsonstat

        candidates = [
            p
            for p in self.files()
            if p.source == source
            and p.table_id == str(table_id)
            and (name is None or p.name == name)
        ]
        if not candidates:
            tables = sorted({p.table_id for p in self.files() if p.source == source and p.table_id})
            raise SnapshotError(
                f"snapshot {self.version} has no {source} file for table {table_id!r}"
                f"{'' if name is None else f' named {name!r}'}; its {source} tables: "
                f"{', '.join(tables) or 'none'}"
            )
        if len(candidates) > 1:
            raise SnapshotError(
                f"snapshot {self.version} has {len(candidates)} {source} files for table "
                f"{table_id!r} ({', '.join(p.name for p in candidates)}); pass name= to pick one"
            )
        provenance = candidates[0]
        frame = read_jsonstat(self.read_bytes(provenance.source, provenance.name))
        frame.attrs.update(
            {
                "synthetic": provenance.synthetic,
                "snapshot_version": self.version,
                "snapshot_file": provenance.relpath,
                "sha256": provenance.sha256,
                "retrieved_at": provenance.retrieved_at,
                "url": provenance.url,
            }
        )
        return frame

    # -- summaries -------------------------------------------------------------------------

    @property
    def synthetic(self) -> bool:
        """True when any file in this snapshot is synthetic (demo) data."""
        return any(p.synthetic for p in self.files())

    def checksums(self) -> dict[str, str]:
        """``{"<source>/<name>": sha256}`` as recorded in the sidecars."""
        return {p.relpath: p.sha256 for p in self.files()}

    def verify(self) -> None:
        """Check every payload against its sidecar (``ChecksumMismatch``, ``SnapshotError``)."""
        for p in self.files():
            self.read_bytes(p.source, p.name)

    def manifest(self) -> dict[str, Any]:
        """A JSON-able summary: version, synthetic flag, sources, totals and every provenance."""
        files = self.files()
        return {
            "version": self.version,
            "synthetic": any(p.synthetic for p in files),
            "sources": sorted({p.source for p in files}),
            "file_count": len(files),
            "total_bytes": sum(p.bytes for p in files),
            "files": [p.to_dict() for p in files],
        }
