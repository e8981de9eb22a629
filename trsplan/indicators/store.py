"""The indicator store: one tidy table holding every indicator for every geography and year.

Indicator modules return rows in this layout; reports and notebooks only read it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from trsplan.errors import TrsplanError
from trsplan.fileio import atomic_path

STORE_COLUMNS: list[str] = [
    "indicator_id",
    "goal_id",
    "geo_code",
    "geo_name",
    "geo_level",
    "year",
    "value",
    "unit",
    "lower",
    "upper",
    "source_tables",
    "synthetic",
    "code_vintage",
    "estimate",
]
#: ``estimate``: missing for a value measured from data of its own year; otherwise what kind of
#: estimate it is, e.g. ``"estimate (survivors only)"`` (a Brønnøysund year counted from a later
#: extract: units closed since are missing).

GEO_LEVELS = ("municipality", "region", "country")


def long_format(
    wide: pd.DataFrame,
    measures: dict[str, tuple[str, str]],
    *,
    geo_level: str,
    source_tables: dict[str, str],
    synthetic: bool,
    code_vintage: int,
) -> pd.DataFrame:
    """Melt a wide frame (geo_code, geo_name, year, <measures>) into store rows.

    ``measures`` maps a column to (goal_id, unit); ``source_tables`` maps it to the tables used.
    """
    present = [m for m in measures if m in wide.columns]
    rows = wide.melt(
        id_vars=["geo_code", "geo_name", "year"],
        value_vars=present,
        var_name="indicator_id",
        value_name="value",
    )
    rows["goal_id"] = rows["indicator_id"].map({k: v[0] for k, v in measures.items()})
    rows["unit"] = rows["indicator_id"].map({k: v[1] for k, v in measures.items()})
    rows["source_tables"] = rows["indicator_id"].map(source_tables)
    rows["geo_level"] = geo_level
    rows["lower"] = float("nan")
    rows["upper"] = float("nan")
    rows["synthetic"] = synthetic
    rows["code_vintage"] = code_vintage
    return conform(rows)


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """Column order and dtypes of the store; raises when a column is missing."""
    if "estimate" not in frame.columns:
        frame = frame.assign(estimate=pd.Series(pd.NA, index=frame.index, dtype="string"))
    missing = [c for c in STORE_COLUMNS if c not in frame.columns]
    if missing:
        raise TrsplanError(f"indicator rows lack the store columns {missing}")
    out = frame[STORE_COLUMNS].copy()
    for col in ("indicator_id", "goal_id", "geo_code", "geo_name", "geo_level", "unit"):
        out[col] = out[col].astype("string")
    out["source_tables"] = out["source_tables"].astype("string")
    out["year"] = out["year"].astype("int64")
    for col in ("value", "lower", "upper"):
        out[col] = out[col].astype("float64")
    out["synthetic"] = out["synthetic"].astype("bool")
    out["code_vintage"] = out["code_vintage"].astype("int64")
    out["estimate"] = out["estimate"].astype("string")
    return out.reset_index(drop=True)


def write_store(frame: pd.DataFrame, path: Path) -> Path:
    """Write the store as Parquet atomically (temporary file, then rename)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        conform(frame).to_parquet(tmp, index=False)
    return path


def read_store(path: Path | str) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise TrsplanError(
            f"indicator store {path} does not exist; run `trsplan report` (or "
            "`trsplan.indicators.compute_store`) to build it"
        )
    return conform(pd.read_parquet(path))


def select(
    store: pd.DataFrame,
    *,
    geo_code: str | list[str] | None = None,
    indicator_id: str | list[str] | None = None,
    years: tuple[int, int] | None = None,
) -> pd.DataFrame:
    """Rows of the store for some geographies, indicators and an inclusive year range."""
    mask = pd.Series(True, index=store.index)
    if geo_code is not None:
        codes = [geo_code] if isinstance(geo_code, str) else list(geo_code)
        mask &= store["geo_code"].isin(codes)
    if indicator_id is not None:
        ids = [indicator_id] if isinstance(indicator_id, str) else list(indicator_id)
        mask &= store["indicator_id"].isin(ids)
    if years is not None:
        mask &= store["year"].between(*years)
    return store[mask]


def wide(store: pd.DataFrame, geo_code: str, indicator_ids: list[str]) -> pd.DataFrame:
    """One geography's indicators as columns, indexed by year (for tables and plots)."""
    rows = select(store, geo_code=geo_code, indicator_id=indicator_ids)
    table = rows.pivot(index="year", columns="indicator_id", values="value")
    return table.reindex(columns=[i for i in indicator_ids if i in table.columns])
