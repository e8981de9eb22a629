"""Errors trsplan raises. Each message names the thing that is wrong and how to fix it."""

from __future__ import annotations


class TrsplanError(Exception):
    """Base class for every error trsplan raises on bad input or data."""


class UnknownMunicipalityError(TrsplanError, KeyError):
    """A municipality code that no KLASS 131 version knows."""

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0]) if self.args else ""


class CodeValidityError(TrsplanError, ValueError):
    """A municipality code used in a year outside its validity period."""


class UnknownRegionError(TrsplanError, KeyError):
    """A region id that is not defined in ``data/geography/regions.yaml``."""

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


class IndicatorCatalogueError(TrsplanError, ValueError):
    """A bad entry in the indicator catalogue (``data/indicators.yaml``)."""
