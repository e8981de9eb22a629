"""Where trsplan finds its files.

Two kinds of files:

- **Static data shipped with the package** (``trsplan/data/``: geography, targets.yaml,
  catalogue, definitions, demo calibration; ``trsplan/notebooks/``). They are package data, so a
  wheel install has them. A working folder may override one of them by holding its own copy
  (``<data dir>/geography/``, ``<data dir>/targets.yaml``, ...): tests and mirrors use that.
- **The working data folder** (snapshots, the register, processed files): ``TRSPLAN_DATA_DIR``
  (the CLI's ``--data-dir`` sets it) if given; else, in a source checkout, the repository's
  ``data/`` (so ``make report`` uses the shipped demo snapshot under ``data/snapshot``); else the
  current directory, where an installed ``trsplan`` keeps its snapshots.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_DIR.parent
PACKAGE_DATA_DIR = PACKAGE_DIR / "data"
DATA_DIR_ENV = "TRSPLAN_DATA_DIR"


def is_checkout() -> bool:
    """True when running from the source repository (editable install or ``PYTHONPATH``)."""
    return (PROJECT_ROOT / "pyproject.toml").is_file() and (PROJECT_ROOT / "data").is_dir()


def data_dir() -> Path:
    """The working data folder (snapshots, register); see the module docstring for the order."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured:
        return Path(configured)
    return PROJECT_ROOT / "data" if is_checkout() else Path.cwd()


def static_dir(name: str) -> Path:
    """A shipped static file or folder, unless the working data folder holds its own copy."""
    configured = os.environ.get(DATA_DIR_ENV)
    if configured and (Path(configured) / name).exists():
        return Path(configured) / name
    return PACKAGE_DATA_DIR / name


def geography_dir() -> Path:
    return static_dir("geography")


def targets_path() -> Path:
    return static_dir("targets.yaml")


def catalogue_dir() -> Path:
    return static_dir("catalogue")


def catalogue_path() -> Path:
    """The StatBank table catalogue: ``TRSPLAN_CATALOGUE`` if set, else the shipped one."""
    explicit = os.environ.get("TRSPLAN_CATALOGUE", "").strip()
    return Path(explicit) if explicit else catalogue_dir() / "statbank_tables.yaml"


def definitions_dir() -> Path:
    return static_dir("definitions")


def demo_inputs_dir() -> Path:
    return static_dir("demo")


def snapshot_root() -> Path:
    return data_dir() / "snapshot"


def processed_dir() -> Path:
    return data_dir() / "processed"


def register_dir() -> Path:
    return data_dir() / "register"


def notebooks_dir() -> Path:
    return PACKAGE_DIR / "notebooks"


def shared_reference_dir() -> Path | None:
    """``../shared/reference`` beside the checkout, when present (tests skip without it)."""
    candidate = Path(
        os.environ.get("TRSPLAN_SHARED_REFERENCE", PROJECT_ROOT.parent / "shared" / "reference")
    )
    return candidate if candidate.is_dir() else None
