"""Overall goal H: the region's share of value added ÷ its share of the population.

Denominators (named in reports, nb and en): the sum of the counties' value added in SSB 11713 is
mainland Norway (Fastlands-Norge) as 11713 distributes it, gross product in *basic prices*
(«bruttoprodukt i basisverdi») — not "Norges BNP", which is at market prices (with product taxes)
and includes the continental shelf. The status series ``gdp_share_ratio`` divides by mainland
Norway: the region's value added is apportioned from the counties, so the like-for-like whole is
the counties' sum; the shelf's oil and gas value added belongs to no region, and counting it
would put every region below 1 by the shelf's share. ``gdp_share_ratio_norway_total`` divides by
Norway in total (11713's whole country: mainland + shelf + extra-regional) and is shown beside it.
Population: the year's average (mean of 1 January of the year and of the next year,
:func:`mean_population`), for region and country alike.

GDP below county level is not published, so the region's value added (VA) is estimated by
apportioning county value added per industry (SSB county national accounts, «fylkesfordelt
nasjonalregnskap», tables 11713 / 09391: «bruttoprodukt i basisverdi», NOK million, current
prices) by the municipalities' share of the county's *apportionment key* in the same industry:

    VA_m,j,t = VA_county(m),j,t × K_m,j,t / K_county(m),j,t

with two keys, both by place of work: the wage bill (``wage_bill``; preferred, ANCHORS.md §7)
and employment (``employment``; SSB 13470 ``SysselsatteArb`` / 08536 ``SysselArbsted``). The
region's VA is the (weighted) sum over its member municipalities and industries; both methods
are shown, with lower = min and upper = max of the two and central = their mean (or one
method, see :func:`gdp_share_ratio`).

Counties are harmonised first through a data-driven map (:data:`COUNTY_MAP`): Sør- and
Nord-Trøndelag (16, 17) are summed to Trøndelag (50) for years before 2018, so the series is
apportioned within the same territory throughout. Pass another map (or an empty one) to
harmonise other reforms or to apportion within the historical counties.

Missing data: a suppressed or missing key (NaN) is never 0. That municipality–industry gets no
VA (NaN); without a separately published county key total, the county total of the key is NaN
too, so the whole county–industry is NaN. A region total over industries is NaN when any
industry is NaN, and is accompanied by ``industries_missing`` and ``value_added_known`` (the
sum over the industries that could be apportioned; a lower bound, not used for the ratio).

Frames and columns (tidy; codes are strings, years ints)
- ``county_va``: ``county`` ("50", "16", or "F-50"), ``year``, ``industry``, ``value_added``;
  industry rows must partition the total (no total row).
- ``municipal_share_base``: ``code`` (4-digit municipality), ``year``, ``industry`` (the same
  codes as ``county_va``), and the key column(s) ``wage_bill`` and/or ``employment``.
- ``county_of_municipality``: ``code, year, county`` (the county of each municipality in that
  year's codes), or None to take the first two digits of the municipality code.
- ``members``: ``geo_code, code, weight`` (+ optional ``year``), as
  :func:`trsplan.indicators.population.membership`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from trsplan.errors import TrsplanError
from trsplan.indicators import catalogue
from trsplan.indicators.industry import _as_string, _strict_sum, aggregate_members

Method = Literal["wage_bill", "employment"]
METHODS: tuple[Method, ...] = ("wage_bill", "employment")

TARGET_RATIO = 1.0
TARGET_YEAR = 2020

# County harmonisation: rows (county -> harmonised) valid for first_year..last_year (inclusive,
# NA = open). Rows outside their years are dropped (e.g. a back-cast 50 series before 2018 is
# ignored in favour of 16 + 17); counties not listed pass through unchanged.
COUNTY_MAP = pd.DataFrame(
    {
        "county": pd.array(["16", "17", "50"], dtype="string"),
        "harmonised": pd.array(["50", "50", "50"], dtype="string"),
        "first_year": pd.array([pd.NA, pd.NA, 2018], dtype="Int64"),
        "last_year": pd.array([2017, 2017, pd.NA], dtype="Int64"),
    }
)

#: indicator id -> (goal id, unit), from the indicator catalogue (data/indicators.yaml)
MEASURES: dict[str, tuple[str, str]] = catalogue.measures("economy")


def harmonise_counties(
    frame: pd.DataFrame,
    value_cols: Sequence[str],
    *,
    keys: Sequence[str] = ("industry",),
    county_map: pd.DataFrame = COUNTY_MAP,
) -> pd.DataFrame:
    """Sum counties into their harmonised county per ``year`` and ``keys``.

    ``frame``: ``county, year, <keys>, <value_cols>``. A harmonised county is NaN when any part
    is NaN or a part the map expects for that year is absent. Returns the same columns.
    """
    keys = list(keys)
    data = _as_string(frame, ["county", *keys])
    data["county"] = _county_code(data["county"])
    data["county"] = _map_counties(data[["county", "year"]], county_map)
    data = data[data["county"].notna()]
    sums = _strict_sum(data[list(value_cols)], _group(data, keys))
    parts = data.groupby(["county", "year", *keys], sort=True).size().to_numpy()
    incomplete = parts < _expected_parts(sums[["county", "year"]], county_map)
    sums.loc[incomplete, list(value_cols)] = np.nan
    return sums


def apportion_value_added(
    county_va: pd.DataFrame,
    municipal_share_base: pd.DataFrame,
    county_of_municipality: pd.DataFrame | None,
    method: Method,
    *,
    county_base: pd.DataFrame | None = None,
    county_map: pd.DataFrame = COUNTY_MAP,
) -> pd.DataFrame:
    """Each municipality's value added per industry: county VA × its share of the county key.

    Definition: VA_m,j,t = VA_c,j,t × K_m,j,t / K_c,j,t with c the harmonised county of m and K
    the ``method`` column of ``municipal_share_base`` (``wage_bill`` or ``employment`` by place
    of work). K_c is the strict sum of the county's municipal keys, or the ``county_base`` frame
    (``county, year, industry, <method>``) when a county total is published separately (then a
    suppressed small municipality does not blank out the others). Sources: SSB 11713 / 09391
    (county VA), 13470 / 08536 (employment), a wage-bill table by place of work.

    Returns ``code, year, industry, county, share, value_added`` for every municipality and
    every industry the county has VA for: NaN where the key or the county VA is missing.

    Without ``county_base`` the key must cover *every* municipality of the county: list them in
    ``county_of_municipality`` (an absent row then makes the county total NaN); with None the
    municipalities are those of ``municipal_share_base``, so passing only the region's members
    would give the region the whole county.
    """
    if method not in METHODS:
        raise TrsplanError(f"unknown apportionment method {method!r}; use one of {METHODS}")
    base = _as_string(municipal_share_base, ["code", "industry"])
    if method not in base.columns:
        raise TrsplanError(f"municipal_share_base has no {method!r} column")
    muni = _municipal_counties(base, county_of_municipality, county_map)
    va = harmonise_counties(county_va, ["value_added"], county_map=county_map)
    grid = muni.merge(va, on=["county", "year"], how="inner")
    key_cols = ["code", "year", "industry"]
    grid = grid.merge(base[[*key_cols, method]], on=key_cols, how="left")
    if county_base is None:
        totals = _strict_sum(grid[[method]], _group(grid, ["industry"]))
    else:
        totals = harmonise_counties(county_base, [method], county_map=county_map)
    totals = totals.rename(columns={method: "county_key"})
    grid = grid.merge(totals, on=["county", "year", "industry"], how="left")
    grid["share"] = (grid[method] / grid["county_key"].where(grid["county_key"] != 0)).astype(
        "float64"
    )
    grid["value_added"] = grid["value_added"] * grid["share"]
    cols = ["code", "year", "industry", "county", "share", "value_added"]
    return grid[cols].sort_values(["year", "code", "industry"], ignore_index=True)


def total_value_added(by_industry: pd.DataFrame) -> pd.DataFrame:
    """Sum VA over industries per ``geo_code, year``.

    ``value_added`` is NaN when any industry is NaN (flagged, never a partial sum);
    ``value_added_known`` sums the industries that are known and ``industries_missing`` counts
    the others.
    """
    keys = [by_industry["geo_code"], by_industry["year"]]
    va = by_industry["value_added"]
    out = _strict_sum(by_industry[["value_added"]], keys)
    out["value_added_known"] = va.groupby(keys, sort=True).sum(min_count=1).to_numpy()
    out["industries_missing"] = va.isna().groupby(keys, sort=True).sum().to_numpy()
    return out


def regional_value_added(
    county_va: pd.DataFrame,
    municipal_share_base: pd.DataFrame,
    county_of_municipality: pd.DataFrame | None,
    members: pd.DataFrame,
    *,
    methods: Sequence[Method] = METHODS,
    county_base: pd.DataFrame | None = None,
    county_map: pd.DataFrame = COUNTY_MAP,
) -> pd.DataFrame:
    """Estimated VA of each geography in ``members`` by every method (see module docstring).

    Returns ``geo_code, year`` and per method ``value_added_<method>``,
    ``value_added_known_<method>`` and ``industries_missing_<method>``.
    """
    frames = []
    for method in methods:
        muni = apportion_value_added(
            county_va,
            municipal_share_base,
            county_of_municipality,
            method,
            county_base=county_base,
            county_map=county_map,
        )
        by_industry = aggregate_members(muni, members, ["value_added"])
        total = total_value_added(by_industry).set_index(["geo_code", "year"])
        frames.append(total.add_suffix(f"_{method}"))
    return pd.concat(frames, axis=1).reset_index()


def gdp_share_ratio(
    regional: pd.DataFrame,
    national: pd.DataFrame,
    *,
    central: Literal["mean", "wage_bill", "employment"] = "mean",
) -> pd.DataFrame:
    """Goal H indicator: (region VA ÷ national VA) ÷ (region population ÷ national population).

    ``regional``: ``geo_code, year, population`` and ``value_added_<method>`` for one or more
    methods. ``national``: ``year, value_added, population``. The national VA should be on the
    basis that was apportioned: the sum of counties (excl. the continental shelf) in basic
    prices is the like-for-like choice; Norway's total VA (with the shelf) gives a lower share,
    and GDP at market prices adds product taxes that the county figures lack. Population: the same
    definition for region and nation (the compute step passes the year's average population).

    Per method ``gdp_share_<method>`` (percent) and ``gdp_share_ratio_<method>``; then
    ``gdp_share_ratio_lower``/``_upper`` = min/max over the methods (NaN unless every method is
    known), ``gdp_share_ratio`` = their mean (``central="mean"``) or one method's value, and
    the same for ``gdp_share``; ``population_share`` in percent. 1.00 = goal met.
    """
    present = [m for m in METHODS if f"value_added_{m}" in regional.columns]
    if not present:
        raise TrsplanError("regional has no value_added_<method> column")
    if central != "mean" and central not in present:
        raise TrsplanError(f"central method {central!r} is not among {present}")
    nat = national[["year", "value_added", "population"]].rename(
        columns={"value_added": "national_value_added", "population": "national_population"}
    )
    out = _as_string(regional, ["geo_code"]).merge(
        nat.astype({"year": "int64"}), on="year", how="left"
    )
    out["population_share"] = out["population"] / out["national_population"] * 100
    shares = pd.DataFrame(
        {m: out[f"value_added_{m}"] / out["national_value_added"] * 100 for m in present}
    )
    ratios = shares.div(out["population_share"].where(out["population_share"] != 0), axis=0)
    for m in present:
        out[f"gdp_share_{m}"] = shares[m]
        out[f"gdp_share_ratio_{m}"] = ratios[m]
    for name, values in (("gdp_share", shares), ("gdp_share_ratio", ratios)):
        complete = values.notna().all(axis=1)
        out[f"{name}_lower"] = values.min(axis=1).where(complete)
        out[f"{name}_upper"] = values.max(axis=1).where(complete)
        mid = values.mean(axis=1).where(complete) if central == "mean" else values[central]
        out[name] = mid
    return out.sort_values(["geo_code", "year"], ignore_index=True)


def mean_population(population: pd.DataFrame) -> pd.DataFrame:
    """``geo_code, year, population``: the year's average population, taken as the mean of the
    populations on 1 January of the year and of the next year (SSB 07459). Value added is a flow
    over the year, so its per-head share is set against the year's average population; NaN
    where either 1 January figure is missing (e.g. the latest year)."""
    pop = _as_string(population, ["geo_code"])[["geo_code", "year", "population"]]
    nxt = pop.assign(year=pop["year"] - 1).rename(columns={"population": "_next"})
    out = pop.merge(nxt, on=["geo_code", "year"], how="left")
    out["population"] = (out["population"] + out["_next"]) / 2
    return out[["geo_code", "year", "population"]].sort_values(
        ["geo_code", "year"], ignore_index=True
    )


def goal_h(frame: pd.DataFrame, target: float = TARGET_RATIO) -> pd.DataFrame:
    """Add ``gdp_share_ratio_gap`` (central − target), ``goal_h_met`` (central ≥ target) and
    ``goal_h_met_both_methods`` (lower ≥ target): 1.0 / 0.0, NaN where unknown."""
    out = frame.copy()
    out["gdp_share_ratio_gap"] = out["gdp_share_ratio"] - target
    for col, value in (
        ("goal_h_met", out["gdp_share_ratio"]),
        ("goal_h_met_both_methods", out["gdp_share_ratio_lower"]),
    ):
        out[col] = (value >= target).astype("float64").where(value.notna())
    return out


# --- Helpers ----------------------------------------------------------------------------------


def _county_code(codes: pd.Series) -> pd.Series:
    """ "F-50", "50", 5 -> "50", "05"."""
    text = codes.astype("string").str.strip().str.replace(r"^[KFkf][-._]", "", regex=True)
    return text.str.zfill(2)


def _map_counties(frame: pd.DataFrame, county_map: pd.DataFrame) -> pd.Series:
    """Harmonised county per row (``county, year``); NA where a mapped row is out of its years."""
    cmap = _as_string(county_map, ["county", "harmonised"]).drop_duplicates()
    joined = frame.reset_index(drop=True).merge(cmap, on="county", how="left")
    if len(joined) != len(frame):
        raise TrsplanError("county_map lists a county twice")
    year = joined["year"]
    inside = joined["first_year"].isna() | (year >= joined["first_year"])
    inside &= joined["last_year"].isna() | (year <= joined["last_year"])
    inside = inside.fillna(False).astype(bool)
    listed = joined["harmonised"].notna()
    out = joined["harmonised"].where(listed, joined["county"]).where(~listed | inside)
    return pd.Series(out.to_numpy(), index=frame.index, dtype="string")


def _expected_parts(keys: pd.DataFrame, county_map: pd.DataFrame) -> np.ndarray:
    """How many source counties the map sends to each (harmonised county, year); 1 if unlisted."""
    cmap = _as_string(county_map, ["county", "harmonised"])
    years = keys[["year"]].drop_duplicates()
    rows = cmap.merge(years, how="cross")
    inside = (rows["first_year"].isna() | (rows["year"] >= rows["first_year"])) & (
        rows["last_year"].isna() | (rows["year"] <= rows["last_year"])
    )
    counts = rows[inside.fillna(False).astype(bool)].groupby(["harmonised", "year"]).size()
    counts = counts.rename("n").reset_index().rename(columns={"harmonised": "county"})
    merged = keys.merge(counts, on=["county", "year"], how="left")
    return merged["n"].fillna(1).to_numpy()


def _municipal_counties(
    base: pd.DataFrame,
    county_of_municipality: pd.DataFrame | None,
    county_map: pd.DataFrame,
) -> pd.DataFrame:
    """``code, year, county`` with the harmonised county of each municipality."""
    if county_of_municipality is None:
        muni = base[["code", "year"]].drop_duplicates()
        muni = muni.assign(county=muni["code"].str.zfill(4).str[:2])
    else:
        muni = _as_string(county_of_municipality, ["code", "county"])[["code", "year", "county"]]
    muni = muni.assign(county=_county_code(muni["county"]))
    muni = muni.assign(county=_map_counties(muni[["county", "year"]], county_map))
    return muni[muni["county"].notna()].drop_duplicates(ignore_index=True)


def _group(frame: pd.DataFrame, keys: Sequence[str]) -> list[pd.Series]:
    return [frame["county"], frame["year"], *(frame[k] for k in keys)]
