"""Brønnøysund Enhetsregisteret: the search API and the bulk CSV downloads.

- :meth:`BrregClient.search` pages through ``/enheter`` or ``/underenheter`` (HAL:
  ``_embedded.<kind>``, ``page{size,totalElements,totalPages,number}``). The API will not page
  past 10,000 hits (page x size); a search with more hits raises :class:`SearchTooBroad` up front
  (narrow it, or use the bulk download) unless ``allow_truncated=True``.
- :meth:`BrregClient.download_bulk` streams ``/{kind}/lastned/csv`` (the whole register, gzip) to
  ``<dest>/<kind>.csv.gz.part``, resuming an interrupted download with ``Range`` (guarded by
  ``If-Range`` so that a file that changed meanwhile starts over), computes its sha256, checks the
  length and moves it into place. A finished download is revalidated with ``If-None-Match``.

The bulk layout and the CSV → Parquet conversion (:func:`csv_to_parquet`, :func:`read_extract`)
are in :mod:`trsplan.sources.brreg_bulk`; their names are re-exported here.

Base URL: ``TRSPLAN_BRREG_URL`` (default ``https://data.brreg.no/enhetsregisteret/api``).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
import urllib3

from trsplan.errors import SearchTooBroad
from trsplan.sources import http as _http
from trsplan.sources.brreg_bulk import (
    BOOLEAN_COLUMNS,
    KINDS,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    Conversion,
    check_kind,
    csv_to_parquet,
    read_extract,
)
from trsplan.sources.http import (
    DownloadError,
    HttpClient,
    QueryError,
    SourceError,
    TableUnavailable,
    brreg_url,
)

__all__ = [
    "BOOLEAN_COLUMNS",
    "BRREG_LICENCE",
    "KINDS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "BrregClient",
    "BulkDownload",
    "Conversion",
    "DownloadError",
    "SearchTooBroad",
    "csv_to_parquet",
    "read_extract",
]

BRREG_LICENCE = "NLOD 2.0 (Brønnøysundregistrene)"
SEARCH_CAP = 10_000
CHUNK = 1 << 16

Progress = Callable[[int, int | None], None]  # (bytes so far, total bytes or None)


@dataclass(frozen=True)
class BulkDownload:
    kind: str
    path: Path
    url: str
    sha256: str
    bytes: int
    etag: str | None
    last_modified: str | None
    resumed: bool  # some bytes came from an earlier, interrupted attempt
    not_modified: bool  # revalidated: the file on disk is still current
    attempts: int


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _read_state(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(path: Path, state: Mapping[str, Any]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(dict(state), indent=2), encoding="utf-8")
    os.replace(tmp, path)


def _content_range_total(value: str | None) -> tuple[int | None, int | None]:
    """``bytes START-END/TOTAL`` -> (START, TOTAL)."""
    if not value:
        return None, None
    m = re.fullmatch(r"\s*bytes\s+(\d+)-\d+/(\d+|\*)\s*", value)
    if not m:
        return None, None
    return int(m.group(1)), (int(m.group(2)) if m.group(2) != "*" else None)


class BrregClient:
    """Enhetsregisteret client (open data; no key)."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        http: HttpClient | None = None,
        page_size: int = 100,
        max_results: int = SEARCH_CAP,
    ) -> None:
        self.base_url = (base_url or brreg_url()).rstrip("/")
        self.http = http or HttpClient()
        self.page_size = page_size
        self.max_results = max_results

    # -- search ----------------------------------------------------------------------------

    def _get_json(self, url: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        response = self.http.request(
            "GET", url, params=params, headers={"Accept": "application/json"}
        )
        if response.status_code == 200:
            try:
                return response.json()
            except ValueError as exc:
                raise SourceError(
                    f"Enhetsregisteret answered {response.url} with non-JSON"
                ) from exc
        try:
            body = response.json()
            message = body.get("message") or body.get("error") or json.dumps(body)[:300]
        except ValueError:
            message = (response.text or "").strip()[:300] or response.reason
        if response.status_code == 400:
            raise QueryError(
                f"Enhetsregisteret rejected the search: {message}",
                query=dict(params or {}),
                url=response.url,
            )
        if response.status_code in (403, 404, 410):
            raise TableUnavailable(
                f"Enhetsregisteret has no {url} (HTTP {response.status_code}: {message})",
                status=response.status_code,
                url=response.url,
            )
        raise SourceError(f"Enhetsregisteret: unexpected HTTP {response.status_code}: {message}")

    def search_page(self, kind: str, page: int = 0, **params: Any) -> dict[str, Any]:
        """One HAL page of ``/{kind}`` (0-based ``page``)."""
        check_kind(kind)
        size = int(params.pop("size", self.page_size))
        return self._get_json(f"{self.base_url}/{kind}", {**params, "page": page, "size": size})

    def search(
        self, kind: str = "enheter", *, allow_truncated: bool = False, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every hit of a search, page by page (``params`` are the API's: ``navn``,
        ``kommunenummer``, ``naeringskode``, ``fraRegistreringsdatoEnhetsregisteret``, ...)."""
        check_kind(kind)
        size = int(params.pop("size", self.page_size))
        first = self.search_page(kind, 0, size=size, **params)
        info = first.get("page") or {}
        total = int(info.get("totalElements", 0))
        if total > self.max_results and not allow_truncated:
            raise SearchTooBroad(
                f"the Enhetsregisteret search {params} has {total:,} hits, more than the "
                f"{self.max_results:,} the API pages through; narrow it (e.g. by kommunenummer) "
                f"or use the bulk download",
                query=dict(params),
                url=f"{self.base_url}/{kind}",
            )
        pages = int(info.get("totalPages", 1))
        reachable = max(1, self.max_results // size) if size else 1
        page_data = first
        for page in range(pages):
            if page >= reachable:
                return
            if page > 0:
                page_data = self.search_page(kind, page, size=size, **params)
            yield from (page_data.get("_embedded") or {}).get(kind, [])
            if "next" not in (page_data.get("_links") or {}):
                return

    # -- bulk download ---------------------------------------------------------------------

    def bulk_url(self, kind: str) -> str:
        return f"{self.base_url}/{check_kind(kind)}/lastned/csv"

    def download_bulk(
        self,
        kind: str,
        dest_dir: Path,
        *,
        progress: Progress | None = None,
        expected_sha256: str | None = None,
        max_attempts: int = 6,
    ) -> BulkDownload:
        """Download ``/{kind}/lastned/csv`` to ``dest_dir/<kind>.csv.gz`` (resumable)."""
        url = self.bulk_url(kind)
        dest_dir = Path(dest_dir)
        dest_dir.mkdir(parents=True, exist_ok=True)
        final = dest_dir / f"{kind}.csv.gz"
        part = dest_dir / f"{kind}.csv.gz.part"
        part_state_path = dest_dir / f"{kind}.csv.gz.part.json"
        done_state_path = dest_dir / f"{kind}.csv.gz.json"
        resumed = False
        attempts = 0

        done = _read_state(done_state_path) if final.is_file() else {}
        if done.get("etag") and not part.exists():
            response = self.http.request(
                "GET", url, headers={"If-None-Match": done["etag"]}, stream=True, cached=False
            )
            attempts += 1
            if response.status_code == 304 and done.get("sha256") == _sha256(final):
                response.close()
                return BulkDownload(
                    kind=kind,
                    path=final,
                    url=url,
                    sha256=done["sha256"],
                    bytes=final.stat().st_size,
                    etag=done.get("etag"),
                    last_modified=done.get("last_modified"),
                    resumed=False,
                    not_modified=True,
                    attempts=attempts,
                )
            response.close()

        while True:
            attempts += 1
            if attempts > max_attempts:
                have = part.stat().st_size if part.exists() else 0
                raise DownloadError(
                    f"the download of {url} was interrupted {max_attempts} times; {have:,} bytes "
                    f"are kept in {part} and the next `trsplan fetch` resumes from there"
                )
            state = _read_state(part_state_path) if part.exists() else {}
            offset = part.stat().st_size if part.exists() else 0
            headers = {}
            validator = state.get("etag") or state.get("last_modified")
            if offset and validator and state.get("url") == url:
                headers = {"Range": f"bytes={offset}-", "If-Range": validator}
            else:
                offset = 0
            response = self.http.request("GET", url, headers=headers, stream=True, cached=False)
            status = response.status_code
            if status == 416:  # nothing left to send: the part may already be whole
                response.close()
                _, total = _content_range_total(response.headers.get("Content-Range"))
                if total is not None and total == offset:
                    break
                part.unlink(missing_ok=True)
                continue
            if status == 404:
                response.close()
                raise TableUnavailable(
                    f"Enhetsregisteret has no bulk file at {url}", url=url, status=404
                )
            if status not in (200, 206):
                response.close()
                raise SourceError(f"bulk download {url}: unexpected HTTP {status}")
            if status == 206:
                start, total = _content_range_total(response.headers.get("Content-Range"))
                if start != offset:
                    response.close()
                    part.unlink(missing_ok=True)
                    continue
                resumed = True
                mode = "ab"
            else:
                offset = 0
                length = response.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                mode = "wb"
            _write_state(
                part_state_path,
                {
                    "url": url,
                    "etag": response.headers.get("ETag"),
                    "last_modified": response.headers.get("Last-Modified"),
                    "total": total,
                },
            )
            written = offset
            try:
                with part.open(mode) as handle:
                    # the bytes as sent (no Content-Encoding decoding), so that offsets for
                    # Range and the checksum refer to the file itself
                    for block in response.raw.stream(CHUNK, decode_content=False):
                        handle.write(block)
                        written += len(block)
                        if progress is not None:
                            progress(written, total)
            except (
                urllib3.exceptions.HTTPError,
                requests.RequestException,
                OSError,
            ):
                # the connection dropped mid-body: keep what arrived and resume with Range
                _http.CLOCK.sleep(min(30.0, 2.0 ** (attempts - 1)))
                continue
            finally:
                response.close()
            size = part.stat().st_size
            if total is not None and size < total:
                continue  # short body without an error: resume
            if total is not None and size > total:
                part.unlink(missing_ok=True)
                continue
            break

        state = _read_state(part_state_path)
        digest = _sha256(part)
        if expected_sha256 and digest != expected_sha256.lower():
            part.unlink(missing_ok=True)
            part_state_path.unlink(missing_ok=True)
            raise DownloadError(
                f"{url}: sha256 {digest} does not match the expected {expected_sha256}; the "
                "partial file was removed"
            )
        size = part.stat().st_size
        os.replace(part, final)
        _write_state(
            done_state_path,
            {
                "url": url,
                "etag": state.get("etag"),
                "last_modified": state.get("last_modified"),
                "sha256": digest,
                "bytes": size,
            },
        )
        part_state_path.unlink(missing_ok=True)
        return BulkDownload(
            kind=kind,
            path=final,
            url=url,
            sha256=digest,
            bytes=size,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            resumed=resumed,
            not_modified=False,
            attempts=attempts,
        )
