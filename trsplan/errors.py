"""Errors trsplan raises. Each message names the thing that is wrong and how to fix it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any


class TrsplanError(Exception):
    """Base class for every error trsplan raises on bad input or data."""


class UnknownMunicipalityError(TrsplanError, KeyError):
    """A municipality code that no KLASS 131 version knows."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class CodeValidityError(TrsplanError, ValueError):
    """A municipality code used in a year outside its validity period."""


class UnknownRegionError(TrsplanError, KeyError):
    """A region id that is not defined in ``trsplan/data/geography/regions.yaml``."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class HarmonisationError(TrsplanError, ValueError):
    """Data that cannot be re-keyed to another code vintage as asked."""


class NonAdditiveColumnError(HarmonisationError):
    """A rate, share or other non-additive column was asked to be summed."""


class JsonStatError(TrsplanError, ValueError):
    """A malformed JSON-stat 2.0 payload."""


class SnapshotError(TrsplanError):
    """A snapshot that is missing, incomplete or inconsistent."""


class ChecksumMismatch(SnapshotError):
    """A snapshot file whose bytes do not match the sha256 in its provenance sidecar."""


class TargetsFileError(TrsplanError, ValueError):
    """A bad entry in the targets file."""


class YearOutOfRangeError(TrsplanError, ValueError):
    """A year for which the snapshot has no data."""


class NonMemberError(TrsplanError, ValueError):
    """A municipality asked for that is not a member of the region being reported."""


class RegisterFileError(TrsplanError, ValueError):
    """An Enhetsregisteret bulk file that cannot be read as a whole (a truncated gzip, a missing
    required column): nothing is written from it."""


class RegisterError(TrsplanError, ValueError):
    """A register workbook that cannot be imported; ``cells`` lists every bad cell."""

    def __init__(self, message: str, cells: Sequence[BadCell] = ()) -> None:
        super().__init__(message)
        self.cells: list[BadCell] = list(cells)


@dataclass(frozen=True, slots=True)
class BadCell:
    """One bad cell of the register workbook."""

    sheet: str
    row: int  # Excel row number (1 = header)
    column: str  # Excel column letter
    column_name: str  # the header text
    value: Any
    problem: str

    @property
    def ref(self) -> str:
        return f"{self.sheet}!{self.column}{self.row}"

    def __str__(self) -> str:
        return f"{self.ref} ({self.column_name}): {self.problem}"


class SourceError(TrsplanError):
    """A live data source refused or failed a request."""


class QueryError(SourceError, ValueError):
    """The source rejected the query (HTTP 400). Carries the source's own message and the query."""

    def __init__(
        self,
        message: str,
        *,
        query: Any = None,
        url: str | None = None,
        status: int | None = 400,
        table_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.query = query
        self.url = url
        self.status = status
        self.table_id = table_id


class TableUnavailable(SourceError):
    """The table (or resource) does not exist or may not be served through the API (403/404)."""

    def __init__(
        self,
        message: str,
        *,
        table_id: str | None = None,
        status: int | None = None,
        url: str | None = None,
    ) -> None:
        super().__init__(message)
        self.table_id = table_id
        self.status = status
        self.url = url


class Offline(SourceError, ConnectionError):
    """The source could not be reached at all (no network, DNS failure, refused connection)."""

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url


class ServiceUnavailable(SourceError):
    """The source kept answering 429/5xx or timing out after the bounded number of tries."""

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class CatalogueError(SourceError, ValueError):
    """The table catalogue is malformed, or a table lacks a variable or code it expects."""


class DownloadError(SourceError):
    """A bulk download that is incomplete, inconsistent or fails its checksum."""


class FetchError(SourceError, ValueError):
    """``trsplan fetch`` was asked for something it cannot do (unknown source, no client)."""


class SearchTooBroad(QueryError):
    """A search with more hits than the API will page through (10,000)."""


class CellLimitExceeded(QueryError):
    """The server refused a query as too large (403 ``Too many values selected``, v2 ``Too many
    cells selected``). The client reacts by splitting; it escapes only when no split fits."""


class KlassError(TrsplanError, ValueError):
    """A KLASS payload that is malformed or inconsistent with the other payloads."""


class KlassNotFound(TableUnavailable):
    """KLASS answered 404: the classification or version does not exist (or is unpublished)."""

    def __init__(
        self, message: str, *, kind: str, ident: str, status: int = 404, url: str | None = None
    ) -> None:
        super().__init__(message, table_id=ident, status=status, url=url)
        self.kind = kind  # "classification" | "version" | "resource"
        self.ident = ident


class StatusInputError(TrsplanError, ValueError):
    """A target or register answer that the status rules cannot judge."""


class ForecastInputError(TrsplanError, ValueError):
    """A series that cannot be forecast as given (bad index, duplicate years, infinities)."""


class IndicatorCatalogueError(TrsplanError, ValueError):
    """A bad entry in the indicator catalogue (``data/indicators.yaml``)."""
