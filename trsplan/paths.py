"""Where trsplan finds its data; never relies on the current working directory."""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent


def data_dir() -> Path:
    """The project's data folder; ``TRSPLAN_DATA_DIR`` points elsewhere (tests, mirrors)."""
    return Path(os.environ.get("TRSPLAN_DATA_DIR", PROJECT_ROOT / "data"))


def geography_dir() -> Path:
    return data_dir() / "geography"


def snapshot_root() -> Path:
    return data_dir() / "snapshot"


def processed_dir() -> Path:
    return data_dir() / "processed"


def notebooks_dir() -> Path:
    return PROJECT_ROOT / "notebooks"


def shared_reference_dir() -> Path | None:
    """``../shared/reference`` beside the checkout, when present (tests skip without it)."""
    candidate = Path(
        os.environ.get("TRSPLAN_SHARED_REFERENCE", PROJECT_ROOT.parent / "shared" / "reference")
    )
    return candidate if candidate.is_dir() else None
