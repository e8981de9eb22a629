"""Checks shared by the demo tests: a synthetic payload never passes as official statistics."""

from __future__ import annotations

import json
from typing import Any

from trsplan.sources.jsonstat import SSB_SOURCE


def assert_synthetic_payload(obj: dict[str, Any], generator: str) -> None:
    """The generator is the source; no StatBank link, no official-statistics flag, no SSB URL."""
    assert obj["source"].startswith(generator) and obj["source"] != SSB_SOURCE
    assert "ikke offisiell statistikk" in obj["source"]
    assert "link" not in obj
    assert "official-statistics" not in obj["extension"]["px"]
    assert obj["extension"]["synthetic"] is True
    assert obj["extension"]["generator"] == generator
    text = json.dumps(obj, ensure_ascii=False)
    assert "ssb.no" not in text and "statbank/table" not in text
