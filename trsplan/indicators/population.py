"""Population indicators and goal 5.1 (population growth of 4,000 a year).

Definitions
- ``population``: residents on 1 January of the year (SSB 07459, ``Personer1``).
- ``population_change`` and its components: changes *during* the year (SSB 06913), so
  population(Y + 1) = population(Y) + population_change(Y) on an unchanged territory.
- ``population_share_norway``: population ÷ Norway's population × 100.
- Goal 5.1, for regions: the annual change against the target (4,000 from ``data/targets.yaml``),
  and the cumulative change since the baseline year (2010) against target × years.

Regional figures are sums over member municipalities (split municipalities by weight), never
averages of rates; rates are recomputed from those sums.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from trsplan import geography, regioncodes
from trsplan.indicators import catalogue
from trsplan.indicators.catalogue import table_columns
from trsplan.indicators.membership import MEMBER_COLUMNS, members_frame

# ContentsCode -> column maps: the ``columns:`` of data/catalogue/statbank_tables.yaml. 06913's
# components are flows during the year; in- and out-migration there count every move across the
# municipal border, from abroad included. 01223 is cumulative "so far this year" by quarter, so
# the fourth quarter (K4) holds the whole year.

FLOWS = [
    "births",
    "deaths",
    "in_migration",
    "out_migration",
    "immigration",
    "emigration",
    "domestic_in_migration",
    "domestic_out_migration",
    "population_change",
]
ADDITIVE = ["population", *FLOWS]

#: indicator id -> (goal id, unit), from the indicator catalogue (data/indicators.yaml)
MEASURES: dict[str, tuple[str, str]] = catalogue.measures("population")


def _valid_rows(frame: pd.DataFrame, table: str = "?") -> pd.DataFrame:
    """Keep rows whose code is valid in the row's year (the rest are '.' cells of old codes)."""
    valid = pd.DataFrame(
        [(c, y) for y in sorted(frame["year"].unique()) for c in geography.valid_codes(int(y))],
        columns=["code", "year"],
    ).astype({"code": "string", "year": "int64"})
    kept = frame.merge(valid, on=["code", "year"], how="inner")
    regioncodes.warn_dropped_numbers(frame, kept, table)
    return kept


def _municipal(rows: pd.DataFrame, notes: list[dict[str, object]]) -> pd.DataFrame:
    """The municipal rows (plain codes); the summary of the rows set aside goes to ``notes``."""
    table = str(rows.attrs.get("table_id") or "?")
    kept, summary = regioncodes.split_municipal(rows, "Region", table=table)
    notes.append(summary)
    return kept


def _flows(
    tidy: pd.DataFrame, codes: dict[str, str], notes: list[dict[str, object]] | None = None
) -> pd.DataFrame:
    """Wide ``code, year, <flows>`` from a tidy table of annual values (``Tid`` = ``2024``)."""
    rows = _municipal(tidy[tidy["ContentsCode"].isin(list(codes))], [] if notes is None else notes)
    flows = pd.DataFrame(
        {
            "code": rows["Region"].astype("string"),
            "year": rows["Tid"].astype("int64"),
            "measure": rows["ContentsCode"].map(codes),
            "value": rows["value"].astype("float64"),
        }
    )
    wide = flows.pivot(index=["code", "year"], columns="measure", values="value")
    return wide.reindex(columns=list(codes.values())).reset_index()


def year_to_date_totals(tidy: pd.DataFrame) -> pd.DataFrame:
    """Fourth-quarter rows of a cumulative quarterly table, keyed by year (2024K4 -> 2024)."""
    rows = tidy[tidy["Tid"].str.endswith("K4")].copy()
    rows["Tid"] = rows["Tid"].str.slice(0, 4)
    return rows


def municipal_frame(
    pop_07459: pd.DataFrame,
    changes_06913: pd.DataFrame,
    migration_01223: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Wide frame ``code, year, population, <flows>`` in each year's code vintage.

    Inputs are tidy frames from ``read_jsonstat``. Missing cells stay NaN; without 01223 the
    split of migration into domestic and international is missing. Rows of codes that are not
    municipalities are set aside (:mod:`trsplan.regioncodes`); ``attrs["set_aside"]``
    lists a summary per table.
    """
    notes: list[dict[str, object]] = []
    pop = _municipal(pop_07459[pop_07459["ContentsCode"].isin(list(table_columns("07459")))], notes)
    pop = pd.DataFrame(
        {
            "code": pop["Region"].astype("string"),
            "year": pop["Tid"].astype("int64"),
            "population": pop["value"].astype("float64"),
        }
    )
    frame = _valid_rows(pop, "07459").merge(
        _valid_rows(_flows(changes_06913, table_columns("06913"), notes), "06913"),
        on=["code", "year"],
        how="outer",
    )
    if migration_01223 is not None:
        totals = year_to_date_totals(migration_01223)
        migration = _valid_rows(_flows(totals, table_columns("01223"), notes), "01223")
        frame = frame.merge(migration, on=["code", "year"], how="left")
    frame = frame.reindex(columns=["code", "year", "population", *FLOWS])
    frame = frame.sort_values(["year", "code"], ignore_index=True)
    frame.attrs["set_aside"] = notes
    return frame


def derive(frame: pd.DataFrame) -> pd.DataFrame:
    """Add the derived counts and rates from the additive columns (pure, row-wise)."""
    out = frame.copy()
    out["natural_increase"] = out["births"] - out["deaths"]
    out["net_migration"] = out["in_migration"] - out["out_migration"]
    out["net_international_migration"] = out["immigration"] - out["emigration"]
    out["net_domestic_migration"] = out["domestic_in_migration"] - out["domestic_out_migration"]
    out["population_growth_pct"] = out["population_change"] / out["population"] * 100
    return out


def membership(region_ids: list[str], years: list[int]) -> pd.DataFrame:
    """``geo_code, year, code, weight``: which year-vintage codes make up each region."""
    rows = [
        (rid, year, code, weight)
        for rid in region_ids
        for year in years
        for code, weight in geography.member_weights(rid, year).items()
    ]
    return members_frame(pd.DataFrame(rows, columns=MEMBER_COLUMNS))


def aggregate(frame: pd.DataFrame, members: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Weighted sums of additive columns over region members; a missing member makes NaN."""
    joined = members.merge(frame, on=["code", "year"], how="left")
    weighted = joined[columns].mul(joined["weight"], axis=0)
    keys = [joined["geo_code"], joined["year"]]
    sums = weighted.groupby(keys, sort=True).sum()
    incomplete = weighted.isna().groupby(keys, sort=True).any()
    return sums.mask(incomplete).reset_index()


def goal_5_1(
    regions: pd.DataFrame, target_per_year: float, baseline_year: int = 2010
) -> pd.DataFrame:
    """Goal 5.1 columns for a wide region frame (geo_code, year, population_change).

    The cumulative change runs from ``baseline_year`` through the year, and is missing once
    any year in between is missing.
    """
    out = regions.sort_values(["geo_code", "year"]).copy()
    change = out["population_change"]
    out["population_change_target"] = np.where(
        out["year"] >= baseline_year, target_per_year, np.nan
    )
    out["population_change_vs_target"] = change - out["population_change_target"]
    out["goal_5_1_annual_met"] = _met(change, out["population_change_target"])
    since = change.where(out["year"] >= baseline_year)
    in_window = out["year"] >= baseline_year
    cum = since.fillna(0).groupby(out["geo_code"]).cumsum()
    gaps = (since.isna() & in_window).astype(int).groupby(out["geo_code"]).cumsum()
    out["cumulative_population_change"] = cum.where(in_window & (gaps == 0))
    years = (out["year"] - baseline_year + 1).where(in_window)
    out["cumulative_population_change_target"] = target_per_year * years
    out["goal_5_1_cumulative_met"] = _met(
        out["cumulative_population_change"], out["cumulative_population_change_target"]
    )
    return out


def _met(value: pd.Series, target: pd.Series) -> pd.Series:
    """1.0 where value ≥ target, 0.0 where below, NaN where either is missing."""
    met = (value >= target).astype("float64")
    return met.where(value.notna() & target.notna())
