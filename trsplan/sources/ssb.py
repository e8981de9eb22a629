"""Statistics Norway StatBank (PxWebApi v0/v2): JSON-stat 2.0 decoding and, later, the live client."""

from __future__ import annotations

from trsplan.errors import JsonStatError
from trsplan.sources.jsonstat import read_jsonstat

__all__ = ["JsonStatError", "read_jsonstat"]
