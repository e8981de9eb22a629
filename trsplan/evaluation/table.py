"""The analyst table of ``trsplan indicators``: the store as of a year joined with the targets
and the statuses of :func:`trsplan.evaluation.evaluate.evaluate`, one row per indicator,
geography and target.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from trsplan import geography
from trsplan.errors import YearOutOfRangeError
from trsplan.evaluation.evaluate import _LEVEL_ORDER, _missing
from trsplan.evaluation.targets import Targets, load_targets
from trsplan.indicators.compute import NORWAY, region_label
from trsplan.indicators.store import STORE_COLUMNS

__all__ = ["TABLE_COLUMNS", "check_year", "indicator_table", "region_filter", "year_range"]

TABLE_COLUMNS: list[str] = [
    *STORE_COLUMNS[: STORE_COLUMNS.index("upper") + 1],
    "target_value",
    "deadline",
    "status",
    "probability",
    "source_tables",
    "synthetic",
]


def region_filter(store: pd.DataFrame, region: str, year: int) -> list[str]:
    """Geographies shown for ``--region``: the region, its member municipalities in ``year``
    (in the store's codes), every other region (the comparators) and Norway."""
    geography.region_info(region)  # an unknown id raises UnknownRegionError
    vintage = int(store["code_vintage"].max()) if len(store) else year
    members = geography.members(region, year)
    table = geography.mapping_table(vintage)
    rows = table[(table["from_year"] == year) & table["code"].isin(members)]
    codes = sorted(set(rows["new_code"]))
    regions = store.loc[store["geo_level"] != "municipality", "geo_code"].unique()
    others = sorted(r for r in regions if r not in (region, NORWAY))
    return [region, *codes, *others, NORWAY]


def year_range(store: pd.DataFrame) -> tuple[int, int]:
    """First and last year with a value in the store."""
    years = store.loc[store["value"].notna(), "year"]
    return int(years.min()), int(years.max())


def check_year(store: pd.DataFrame, year: int | None) -> int:
    """``year``, or the latest year of the store; a year outside the data raises."""
    first, last = year_range(store)
    if year is None:
        return last
    if not first <= int(year) <= last:
        raise YearOutOfRangeError(
            f"year {year} is outside the data: the indicators cover {first}–{last}; "
            "choose a year in that range or run `trsplan fetch`"
        )
    return int(year)


def indicator_table(
    store: pd.DataFrame,
    statuses: pd.DataFrame,
    year: int,
    geo_codes: Sequence[str] | None = None,
    targets: Targets | None = None,
) -> pd.DataFrame:
    """The store as of ``year`` joined with the targets and statuses (:data:`TABLE_COLUMNS`).

    For each indicator and geography the latest value at or before ``year`` (its data year in
    ``year``); a row per target judged on it (``goal_id`` is then the target's goal), plus the
    statuses that have no store row (qualitative goals, indicators without data). ``geo_codes``
    limits and orders the geographies.
    """
    targets = targets or load_targets()
    rows = store[(store["year"] <= year) & store["value"].notna()]
    if geo_codes is not None:
        rows = rows[rows["geo_code"].isin(list(geo_codes))]
    rows = rows.sort_values(["indicator_id", "geo_code", "year"], kind="stable")
    rows = rows.drop_duplicates(["indicator_id", "geo_code"], keep="last")
    status = statuses
    if geo_codes is not None:
        status = status[status["geo_code"].isin(list(geo_codes))]
    joined_cols = ["indicator_id", "geo_code", "goal_id", "target_value", "deadline", "status"]
    judged = ["probability", "direction", "basis", "latest_year", "latest_value", "unit"]
    joined = rows.merge(
        status[joined_cols + judged].rename(
            columns={"goal_id": "target_goal", "unit": "target_unit"}
        ),
        on=["indicator_id", "geo_code"],
        how="left",
    )
    joined["goal_id"] = joined["target_goal"].fillna(joined["goal_id"])
    # a target judged on another scale (a rank, a ratio to the baseline, a cumulative sum)
    # shows the value it was judged on, so that value and target compare
    rank = joined["direction"].eq("rank_best").fillna(False).astype(bool)
    rescaled = rank | joined["basis"].isin(["ratio_to_baseline", "cumulative_since_baseline"])
    rescaled = rescaled.fillna(False).astype(bool)
    joined.loc[rescaled, "value"] = joined.loc[rescaled, "latest_value"]
    known = rescaled & joined["latest_year"].notna()
    joined.loc[known, "year"] = joined.loc[known, "latest_year"].astype("int64")
    joined.loc[rescaled, "unit"] = joined.loc[rescaled, "target_unit"].where(~rank, "rank")
    joined.loc[rescaled, ["lower", "upper"]] = np.nan
    keys = set(zip(rows["indicator_id"], rows["geo_code"], strict=True))
    extra = status[
        [
            (i, g) not in keys
            for i, g in zip(status["indicator_id"], status["geo_code"], strict=True)
        ]
    ]
    if len(extra):
        names = {g: _name(g, year) for g in extra["geo_code"].unique()}
        add = pd.DataFrame(
            {
                "indicator_id": extra["indicator_id"],
                "goal_id": extra["goal_id"],
                "geo_code": extra["geo_code"],
                "geo_name": extra["geo_code"].map(names),
                "geo_level": extra["geo_level"],
                "year": extra["latest_year"].fillna(year),
                "value": extra["latest_value"],
                "unit": extra["unit"],
                "target_value": extra["target_value"],
                "deadline": extra["deadline"],
                "status": extra["status"],
                "probability": extra["probability"],
                "synthetic": bool(store["synthetic"].any()),
            }
        )
        joined = pd.concat([joined, add], ignore_index=True)
    out = joined.reindex(columns=TABLE_COLUMNS)
    goal_order = {g: i for i, g in enumerate(targets.goal_ids())}
    geo_order = {g: i for i, g in enumerate(geo_codes or [])}
    out = out.assign(
        _goal=out["goal_id"].map(goal_order).fillna(len(goal_order)),
        _geo=out["geo_code"].map(geo_order).fillna(len(geo_order)),
        _level=out["geo_level"].map(_LEVEL_ORDER).fillna(3),
    )
    out = out.sort_values(
        ["_goal", "indicator_id", "_level", "_geo", "geo_code"], kind="stable", ignore_index=True
    )
    out = out.drop(columns=["_goal", "_geo", "_level"])
    for col in ("indicator_id", "goal_id", "geo_code", "geo_name", "geo_level", "unit", "status"):
        out[col] = out[col].astype("string")
    out["source_tables"] = out["source_tables"].astype("string")
    out["year"] = out["year"].astype("int64")
    out["deadline"] = pd.array(
        [None if _missing(v) else int(v) for v in out["deadline"]], dtype="Int64"
    )
    for col in ("value", "lower", "upper", "target_value", "probability"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["synthetic"] = out["synthetic"].astype("bool")
    return out


def _name(code: str, year: int) -> str:
    try:
        return region_label(code)
    except KeyError:
        return geography.name(code, year)
