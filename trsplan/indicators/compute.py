"""Compute the whole indicator store from a snapshot in one vectorised pass."""

from __future__ import annotations

import pandas as pd

from trsplan import geography
from trsplan.indicators import population
from trsplan.indicators.store import long_format
from trsplan.snapshot import Snapshot
from trsplan.targets import load_targets

NORWAY = "norge"


def population_target_per_year() -> tuple[float, int]:
    """Goal 5.1's annual target and baseline year, from the targets file."""
    for target in load_targets().targets_for("population_change"):
        if (target.direction, target.basis, target.deadline) == ("at_least", "level", None):
            return float(target.value), int(target.baseline_year or 2010)
    raise LookupError("data/targets.yaml has no annual at_least target for population_change")


def data_years(snapshot: Snapshot) -> list[int]:
    """Years with population figures in the snapshot (07459)."""
    years = snapshot.read_table("07459")["Tid"].astype("int64")
    return sorted(set(years.tolist()))


def compute_store(
    snapshot: Snapshot, to_year: int | None = None, region_ids: list[str] | None = None
) -> pd.DataFrame:
    """Every population indicator for every municipality, region and Norway, all years.

    Municipal rows are re-keyed to the code vintage of ``to_year`` (default: the latest year);
    regional rows are weighted sums of each year's own codes.
    """
    muni = population.municipal_frame(
        snapshot.read_table("07459"), snapshot.read_table("06913"), _optional(snapshot, "01223")
    )
    years = sorted(set(muni["year"].tolist()))
    to_year = to_year or years[-1]
    synthetic = snapshot.synthetic
    region_ids = region_ids or geography.region_ids()
    if NORWAY not in region_ids:
        region_ids = [*region_ids, NORWAY]

    members = population.membership(region_ids, years)
    regions = population.derive(population.aggregate(muni, members, population.ADDITIVE))
    norway_pop = regions.loc[regions["geo_code"] == NORWAY, ["year", "population"]]
    norway_pop = norway_pop.rename(columns={"population": "norway_population"})

    municipal = geography.harmonise(
        muni, to_year, code_col="code", year_col="year", value_cols=population.ADDITIVE
    )
    municipal = population.derive(municipal).rename(columns={"code": "geo_code"})

    target, baseline = population_target_per_year()
    frames = []
    for level, wide in (
        ("municipality", municipal),
        ("region", population.goal_5_1(regions[regions["geo_code"] != NORWAY], target, baseline)),
        ("country", regions[regions["geo_code"] == NORWAY]),
    ):
        wide = wide.merge(norway_pop, on="year", how="left")
        wide["population_share_norway"] = wide["population"] / wide["norway_population"] * 100
        wide["geo_name"] = _names(wide["geo_code"], level, to_year)
        measures = dict(population.MEASURES)
        if level == "region":
            measures |= population.GOAL_5_1_MEASURES
        frames.append(
            long_format(
                wide,
                measures,
                geo_level=level,
                source_tables=population.SOURCES,
                synthetic=synthetic,
                code_vintage=to_year,
            )
        )
    return pd.concat(frames, ignore_index=True)


def _optional(snapshot: Snapshot, table_id: str) -> pd.DataFrame | None:
    """A table the indicators can do without (their columns then stay missing)."""
    if any(p.table_id == table_id for p in snapshot.files()):
        return snapshot.read_table(table_id)
    return None


def _names(codes: pd.Series, level: str, year: int) -> pd.Series:
    unique = codes.unique()
    if level == "municipality":
        lookup = {c: geography.name(c, year) for c in unique}
    else:
        lookup = {c: geography.region_info(c)["label_nb"] for c in unique}
    return codes.map(lookup)
