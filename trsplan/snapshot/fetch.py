"""``trsplan fetch``: refresh the snapshot from the live sources into a new dated version.

What it does
1. Reads the StatBank table catalogue (``paths.catalogue_path()``), checks every
   selected table's metadata against it (stopping, before any data is downloaded, with one message
   per missing variable or code), then fetches each table as JSON-stat 2.0 (chunked when large).
   With ``--only brreg`` (or by default) it also downloads the Brønnøysund bulk files
   (resumable; kept in ``<cache>/downloads``) and converts them to Parquet.
2. Compares every payload's sha256 with the latest version's. Nothing new → nothing is written
   ("no changes").
3. Otherwise builds the new version ``<snapshot_root>/<YYYY-MM-DD>`` (``-2``, ``-3`` ... when that
   day exists) in a hidden folder beside it: the fetched files (via ``store.write_file``,
   ``synthetic: false``, with URL and query) plus copies of the previous version's other files with
   their sidecars, checks every checksum, and renames the folder into place. A failure or an
   interrupt removes the hidden folder: the previous versions are never touched, and stay
   readable (``Snapshot.open(version=...)``).

A chunked table's stored payload is the JSON-stat re-assembled from its parts (see
``trsplan.sources.ssb.merge_jsonstat``); its sidecar's ``query.chunked.parts`` lists every part's
URL and selection. Unchunked payloads are stored byte for byte as StatBank sent them.

KLASS (``--only klass``, and part of a plain fetch): the 131 ``/changes`` from 2008-01-01 through
today (KLASS's ``to`` is exclusive, so the query says ``to=<tomorrow>``), the full code list of the
131 version in force today and the 104 (county) codes from 2008-01-01 are stored under ``klass/``
like any other payload. The geography folder (``geography_dir``) is then rebuilt from the 131
payloads held by the newest snapshot version, with ``changes_known_to`` set to the ``known_to``
date recorded in that payload's provenance, so that unchanged payloads give unchanged tables. The
tables are built in a hidden folder beside the geography folder *before* the snapshot is written;
only files whose bytes differ are then moved into place. A failing build raises, and neither the
snapshot nor ``trsplan/data/geography`` is touched.

**Size.** Over 500 lines on purpose: one transaction (fetch every source, compare, write a version
atomically, rebuild the geography) whose steps share the staging folder and the rollback; splitting
it would spread the all-or-nothing rule over modules. What the command prints is in
``trsplan.cli_output``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from trsplan.errors import SnapshotError
from trsplan.paths import catalogue_path, snapshot_root
from trsplan.paths import geography_dir as default_geography_dir
from trsplan.snapshot.store import SIDECAR_SUFFIX, Snapshot, list_versions, write_file
from trsplan.sources.http import (
    CatalogueError,
    FetchError,
    HttpClient,
    cache_dir,
)
from trsplan.sources.jsonstat import dumps_jsonstat

__all__ = [
    "SOURCES",
    "FetchResult",
    "FetchedFile",
    "FileChange",
    "run_fetch",
]

SOURCES = ("ssb", "klass", "brreg")
PARQUET = "application/vnd.apache.parquet"


@dataclass
class FetchedFile:
    source: str
    name: str
    payload: bytes
    table_id: str | None
    url: str | None
    query: dict[str, Any] | None
    licence: str
    updated: str | None = None
    media_type: str = "application/json"
    rows: int | None = None
    note: str = ""

    @property
    def relpath(self) -> str:
        return f"{self.source}/{self.name}"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()


@dataclass
class FileChange:
    relpath: str
    table_id: str | None
    status: str  # "new" | "changed" | "unchanged"
    rows: int | None
    updated: str | None
    bytes: int
    note: str = ""


@dataclass
class FetchResult:
    previous: str | None
    version: str | None  # the version written, None when nothing changed
    path: Path | None
    files: list[FileChange] = field(default_factory=list)
    carried_over: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    geography_dir: Path | None = None  # set when KLASS was fetched
    geography_changed: list[str] = field(default_factory=list)  # file names rewritten there

    @property
    def written(self) -> bool:
        return self.version is not None

    @property
    def changed(self) -> list[FileChange]:
        return [f for f in self.files if f.status != "unchanged"]


# ------------------------------------------------------------------------------------ sources


def _select_sources(only: Sequence[str] | None, tables: Sequence[str] | None) -> list[str]:
    if only:
        picked = []
        for item in only:
            for name in str(item).replace(",", " ").split():
                name = name.strip().lower()
                if name not in SOURCES:
                    raise FetchError(
                        f"unknown source {name!r} for --only; choose from {', '.join(SOURCES)}"
                    )
                if name not in picked:
                    picked.append(name)
        return picked
    if tables:
        return ["ssb"]  # naming tables means StatBank tables
    return list(SOURCES)


def _fetch_ssb(
    tables: Sequence[str] | None, http: HttpClient, say: Callable[[str], None]
) -> list[FetchedFile]:
    from trsplan.sources.catalogue import check_entry, load_catalogue
    from trsplan.sources.ssb import SSB_LICENCE, StatBankClient

    catalogue = load_catalogue(catalogue_path())
    if tables:
        wanted = [str(t).strip() for item in tables for t in str(item).replace(",", " ").split()]
        known = {e.table_id for e in catalogue}
        unknown = [t for t in wanted if t not in known]
        if unknown:
            raise CatalogueError(
                f"table(s) {', '.join(unknown)} are not in the catalogue; it has "
                f"{', '.join(sorted(known))} (add an entry to {catalogue_path()})"
            )
        catalogue = [e for e in catalogue if e.table_id in wanted]

    client = StatBankClient(http=http)
    client.config()
    problems: list[str] = []
    for entry in catalogue:
        problems.extend(check_entry(client, entry))
    if problems:
        raise CatalogueError(
            "the table catalogue does not match StatBank; nothing was downloaded:\n  "
            + "\n  ".join(problems)
            + f"\nfix {catalogue_path()}"
        )
    out = []
    for entry in catalogue:
        result = client.data(entry.table_id, entry.selection, split_by=entry.split_by or None)
        payload = result.raw if result.raw is not None else dumps_jsonstat(result.payload)
        parts = len(result.chunks)
        note = f"{parts} chunks" if parts else ""
        say(
            f"ssb {entry.table_id}: {len(result.frame):,} cells"
            + (f" in {parts} chunks" if parts else "")
            + (f" (via PxWebApi {result.api})" if result.api != "v2" else "")
        )
        out.append(
            FetchedFile(
                source="ssb",
                name=entry.file_name,
                payload=payload,
                table_id=entry.table_id,
                url=result.url,
                query=result.provenance_query(),
                licence=SSB_LICENCE,
                updated=result.updated,
                rows=len(result.frame),
                note=note,
            )
        )
    return out


def _fetch_brreg(
    http: HttpClient,
    download_dir: Path,
    console: Console,
    say: Callable[[str], None],
    today: date,
) -> list[FetchedFile]:
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    from trsplan.sources.brreg import BRREG_LICENCE, BrregClient
    from trsplan.sources.brreg_bulk import KINDS, csv_to_parquet

    client = BrregClient(http=http)
    taken = today.isoformat()
    out = []
    for kind in KINDS:
        with Progress(
            TextColumn(f"brreg {kind}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as progress:
            task = progress.add_task(kind, total=None)

            def update(done: int, total: int | None, _task=task, _progress=progress) -> None:
                _progress.update(_task, completed=done, total=total)

            download = client.download_bulk(kind, download_dir, progress=update)
        with tempfile.TemporaryDirectory(dir=download_dir) as tmp:
            parquet = Path(tmp) / f"{kind}.parquet"
            conversion = csv_to_parquet(download.path, parquet, kind)
            payload = parquet.read_bytes()
        rows = conversion.rows
        say(
            f"brreg {kind}: {conversion.summary()} ({download.bytes:,} bytes gzip"
            + (", resumed" if download.resumed else "")
            + (", not modified" if download.not_modified else "")
            + ")"
        )
        out.append(
            FetchedFile(
                source="brreg",
                # one file per extract date: earlier extracts are carried over from version to
                # version, so each year with its own extract is measured from it
                name=f"{kind}_{taken}.parquet",
                payload=payload,
                table_id=None,
                url=download.url,
                query={
                    "download": download.url,
                    "format": "csv (gzip), converted to Parquet by trsplan.sources.brreg_bulk",
                    "source_sha256": download.sha256,
                    "source_bytes": download.bytes,
                    "etag": download.etag,
                    "last_modified": download.last_modified,
                    "extract_date": taken,
                    "malformed_rows": conversion.malformed,
                    "malformed_lines": list(conversion.malformed_lines),
                    "unreadable_values": conversion.bad_values,
                },
                licence=BRREG_LICENCE,
                updated=download.last_modified,
                media_type=PARQUET,
                rows=rows,
            )
        )
    return out


KLASS_CHANGES = "131_changes.json"
KLASS_VERSION = "131_version.json"
KLASS_COUNTIES = "104_codes.json"


def _fetch_klass(http: HttpClient, today: date, say: Callable[[str], None]) -> list[FetchedFile]:
    from trsplan.sources.klass import DEFAULT_START, parse_changes, parse_version
    from trsplan.sources.klass_client import COUNTIES, KLASS_LICENCE, MUNICIPALITIES, KlassClient

    client = KlassClient(http=http)
    to = today.isoformat()
    tomorrow = (today + timedelta(days=1)).isoformat()  # KLASS ranges exclude `to`
    latest = client.latest_version(MUNICIPALITIES, on=to)
    changes = client.changes_response(MUNICIPALITIES, DEFAULT_START, tomorrow)
    version = client.version_response(latest.id)
    counties = client.codes_response(COUNTIES, DEFAULT_START)
    # refuse payloads the geography build cannot read before anything is written
    n_changes = len(parse_changes(changes.data))
    parsed = parse_version(version.data)
    n_counties = len(counties.data["codes"])
    say(
        f"klass {MUNICIPALITIES}: {n_changes:,} code changes {DEFAULT_START} to {to}; "
        f"version {parsed.name!r} (id {latest.id}, from {parsed.valid_from}, "
        f"{len(parsed.codes):,} municipalities)"
    )
    say(f"klass {COUNTIES}: {n_counties:,} county code periods from {DEFAULT_START}")
    base = {"base_url": client.base_url}
    return [
        FetchedFile(
            source="klass",
            name=KLASS_CHANGES,
            payload=changes.raw,
            table_id=str(MUNICIPALITIES),
            url=changes.url,
            query={**base, "endpoint": changes.path, **changes.query, "known_to": to},
            licence=KLASS_LICENCE,
            rows=n_changes,
        ),
        FetchedFile(
            source="klass",
            name=KLASS_VERSION,
            payload=version.raw,
            table_id=str(MUNICIPALITIES),
            url=version.url,
            query={
                **base,
                "endpoint": version.path,
                "classification": MUNICIPALITIES,
                "version_id": latest.id,
                "version_name": latest.name,
                "valid_from": latest.valid_from,
                "valid_to": latest.valid_to,
                "in_force_on": to,
            },
            licence=KLASS_LICENCE,
            updated=version.data.get("lastModified"),
            rows=len(parsed.codes),
            note=latest.name,
        ),
        FetchedFile(
            source="klass",
            name=KLASS_COUNTIES,
            payload=counties.raw,
            table_id=str(COUNTIES),
            url=counties.url,
            query={**base, "endpoint": counties.path, **counties.query},
            licence=KLASS_LICENCE,
            rows=n_counties,
        ),
    ]


@dataclass
class _GeographyBuild:
    """Geography tables built in a hidden folder beside ``target``, not yet moved into place."""

    target: Path
    staging: Path
    changed: list[str]

    def commit(self) -> None:
        """Move the changed files into ``target`` (each with an atomic ``os.replace``)."""
        if not self.changed:
            return
        self.target.mkdir(parents=True, exist_ok=True)
        for name in self.changed:
            os.replace(self.staging / name, self.target / name)
        with contextlib.suppress(OSError):
            fd = os.open(self.target, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        from trsplan import geography

        geography.clear_cache()  # the tables read in this process are stale now

    def discard(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def _build_geography(
    changes: bytes, version: bytes, changes_to: str, target: Path
) -> _GeographyBuild:
    """Build the geography tables from KLASS 131 payloads into a hidden folder beside ``target``
    and list the files whose bytes differ from ``target``'s. Raises (leaving ``target`` as it
    was, and no hidden folder) when the build fails."""
    from trsplan.sources.klass import build_geography_tables

    target = Path(target)
    parent = target.resolve().parent  # beside the real folder, so os.replace stays on one disk
    parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(parent, rf"\.{re.escape(target.name)}\.build-(\d+)-.*")
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.build-{os.getpid()}-", dir=parent))
    try:
        written = build_geography_tables(
            json.loads(changes), json.loads(version), staging, changes_to=changes_to
        )
        changed = []
        for path in sorted(written, key=lambda p: p.name):
            old = target / path.name
            if not old.is_file() or old.read_bytes() != path.read_bytes():
                changed.append(path.name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return _GeographyBuild(target=target, staging=staging, changed=changed)


def _known_to(query: dict[str, Any] | None) -> str | None:
    """The last day a stored 131 /changes payload covers: its ``known_to``, or the day before
    the (exclusive) ``to`` of the query."""
    query = query or {}
    if query.get("known_to"):
        return str(query["known_to"])
    with contextlib.suppress(TypeError, ValueError):
        return (date.fromisoformat(str(query["to"])) - timedelta(days=1)).isoformat()
    return None


# ------------------------------------------------------------------------------------ writing


def _new_version_name(root: Path, today: date, versions: list[str]) -> str:
    existing = set(versions) | {p.name for p in root.iterdir()} if root.is_dir() else set(versions)
    name = today.isoformat()
    n = 2
    while name in existing:
        name = f"{today.isoformat()}-{n}"
        n += 1
    return name


def _remove_stale_partials(root: Path, pattern: str = r"\..+\.partial-(\d+)-.*") -> None:
    """Hidden build folders left by a fetch that was killed (its process is gone)."""
    if not root.is_dir():
        return
    for path in root.iterdir():
        m = re.fullmatch(pattern, path.name)
        if not m or not path.is_dir():
            continue
        pid = int(m.group(1))
        if pid == os.getpid():
            continue
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass


def _write_version(
    root: Path,
    name: str,
    previous: Snapshot | None,
    fetched: list[FetchedFile],
    retrieved_at: datetime,
) -> tuple[Path, list[str]]:
    root.mkdir(parents=True, exist_ok=True)
    build = Path(tempfile.mkdtemp(prefix=f".{name}.partial-{os.getpid()}-", dir=root))
    carried: list[str] = []
    try:
        fresh = {f.relpath for f in fetched}
        if previous is not None:
            for p in previous.files():
                if p.relpath in fresh:
                    continue
                folder = build / p.source
                folder.mkdir(parents=True, exist_ok=True)
                shutil.copy2(previous.path / p.source / p.name, folder / p.name)
                shutil.copy2(
                    previous.path / p.source / (p.name + SIDECAR_SUFFIX),
                    folder / (p.name + SIDECAR_SUFFIX),
                )
                carried.append(p.relpath)
        for f in fetched:
            write_file(
                build,
                f.source,
                f.name,
                f.payload,
                table_id=f.table_id,
                url=f.url,
                query=f.query,
                retrieved_at=retrieved_at,
                licence=f.licence,
                synthetic=False,
                updated=f.updated,
                media_type=f.media_type,
            )
        Snapshot(build).verify()
        target = root / name
        if target.exists():
            raise SnapshotError(f"snapshot version {target} appeared while fetching; try again")
        os.rename(build, target)
    except BaseException:
        shutil.rmtree(build, ignore_errors=True)
        raise
    return target, carried


# --------------------------------------------------------------------------------------- API


def run_fetch(
    only: Sequence[str] | None = None,
    tables: Sequence[str] | None = None,
    root: Path | None = None,
    today: date | None = None,
    console: Console | None = None,
    *,
    http: HttpClient | None = None,
    download_dir: Path | None = None,
    geography_dir: Path | None = None,
) -> FetchResult:
    """Fetch, compare with the latest snapshot, and write a new version when anything changed.

    With KLASS among the sources, also rebuild the geography tables in ``geography_dir``
    (default ``trsplan.paths.geography_dir()``) from the 131 payloads.

    Raises ``Offline`` without network, ``CatalogueError`` when a table lacks an expected code,
    ``QueryError``/``TableUnavailable``/``ServiceUnavailable`` from the sources, ``KlassError``
    when the KLASS payloads do not build; in every such case nothing is written (neither the
    snapshot nor the geography tables).

    Progress (one line per step, download bars) goes to ``console`` when the caller gives one
    (the CLI does); without it the function is silent.
    """
    console = console or Console(quiet=True)
    root = Path(root) if root is not None else snapshot_root()
    sources = _select_sources(only, tables)
    skipped: list[str] = []
    today = today or date.today()
    _remove_stale_partials(root)
    versions = list_versions(root)
    previous = Snapshot(root / versions[-1]) if versions else None
    previous_files = {p.relpath: p for p in previous.files()} if previous else {}

    http = http or HttpClient()

    def say(text: str) -> None:
        console.print(text, highlight=False, soft_wrap=True, markup=False)

    fetched: list[FetchedFile] = []
    if "ssb" in sources:
        fetched += _fetch_ssb(tables, http, say)
    if "klass" in sources:
        fetched += _fetch_klass(http, today, say)
    if "brreg" in sources:
        folder = Path(download_dir) if download_dir is not None else cache_dir() / "downloads"
        fetched += _fetch_brreg(http, folder, console, say, today)

    changes = []
    for f in fetched:
        before = previous_files.get(f.relpath)
        status = (
            "new" if before is None else "unchanged" if before.sha256 == f.sha256 else "changed"
        )
        changes.append(
            FileChange(f.relpath, f.table_id, status, f.rows, f.updated, len(f.payload), f.note)
        )
    result = FetchResult(
        previous=previous.version if previous else None,
        version=None,
        path=None,
        files=changes,
        skipped=skipped,
    )
    geography: _GeographyBuild | None = None
    if "klass" in sources:
        # the tables follow the 131 payloads of the version that will hold them: the new one
        # (known through today) or, when nothing changed, the previous one (its own known_to)
        by_name = {f.relpath: f for f in fetched}
        changes_file = by_name[f"klass/{KLASS_CHANGES}"]
        holder = changes_file.query
        if not result.changed and previous is not None:
            with contextlib.suppress(SnapshotError):
                holder = previous.provenance("klass", KLASS_CHANGES).query
        changes_to = _known_to(holder) or today.isoformat()
        target = Path(geography_dir) if geography_dir is not None else default_geography_dir()
        geography = _build_geography(
            changes_file.payload, by_name[f"klass/{KLASS_VERSION}"].payload, changes_to, target
        )
        result.geography_dir = target
    try:
        if result.changed:
            name = _new_version_name(root, today, versions)
            path, carried = _write_version(root, name, previous, fetched, datetime.now(UTC))
            result.version, result.path, result.carried_over = name, path, carried
            latest = list_versions(root)[-1]
            if latest != name:
                result.warnings.append(
                    f"{name} sorts before {latest}, so `trsplan report` still opens {latest} by "
                    f"default; pass --snapshot {name} to use the new one"
                )
        if geography is not None:
            geography.commit()
            result.geography_changed = list(geography.changed)
    finally:
        if geography is not None:
            geography.discard()
    return result
