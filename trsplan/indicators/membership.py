"""Member frames: which municipality codes make up each geography, and with what weight.

A member frame has the columns :data:`MEMBER_COLUMNS` (``geo_code, year, code, weight``): the
geography, the year, a municipality code of that year (or of one code vintage) and the share of
it that belongs to the geography (1 unless a municipality was split). The aggregations
(:func:`trsplan.indicators.population.aggregate`,
:func:`trsplan.indicators.industry.aggregate_members`) sum over them.

- :func:`trsplan.indicators.population.membership`: the regions' members of each year.
- :func:`municipal_members` re-keys each year's codes to the codes of ``to_year`` (a
  municipality is then the "region" of its predecessors, as :func:`trsplan.geography.harmonise`
  does).
- :func:`vintage_members` expresses every geography in the codes of one vintage, for tables that
  use one vintage throughout; :func:`county_of_codes` gives each such code's county by year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from trsplan import geography

__all__ = [
    "MEMBER_COLUMNS",
    "county_of_codes",
    "members_frame",
    "municipal_members",
    "vintage_members",
]

MEMBER_COLUMNS = ["geo_code", "year", "code", "weight"]


def members_frame(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows``' :data:`MEMBER_COLUMNS`, in their types."""
    return rows[MEMBER_COLUMNS].astype(
        {"geo_code": "string", "year": "int64", "code": "string", "weight": "float64"}
    )


def municipal_members(years: Iterable[int], to_year: int) -> pd.DataFrame:
    """Each year's codes as members of the ``to_year`` municipality they went into (with the
    split weight): aggregating over these re-keys municipal data to ``to_year`` codes."""
    table = geography.mapping_table(to_year)
    rows = table[table["from_year"].isin(list(years))]
    return members_frame(
        pd.DataFrame(
            {
                "geo_code": rows["new_code"],
                "year": rows["from_year"],
                "code": rows["code"],
                "weight": rows["weight"],
            }
        )
    )


def _region_members_in_vintage(region: str, year: int, vintage: int) -> dict[str, float] | None:
    """The region of ``year`` in ``vintage`` codes: {code: weight}, or None when it is not a
    whole number of ``vintage`` municipalities (e.g. Trondheimsregionen before 2020 in today's
    codes: Orkland and Indre Fosen also hold former non-members)."""
    info = geography.region_info(region)
    if info["kind"] in ("fixed_territory", "all"):
        return geography.member_weights(region, vintage)
    members = geography.member_weights(region, year)
    if year > vintage:  # back-cast the year's region to the older codes (shares of each code)
        table = geography.mapping_table(year)
        rows = table[table["from_year"] == vintage]
        share = rows["weight"].where(rows["new_code"].isin(list(members)), 0.0)
        weights = share.groupby(rows["code"]).sum()
        return {c: (1.0 if abs(w - 1) < 1e-12 else float(w)) for c, w in weights.items() if w > 0}
    table = geography.mapping_table(vintage)
    rows = table[table["from_year"] == year]
    rows = rows.assign(member=rows["code"].isin(list(members)))
    touched = rows.groupby("new_code")["member"].agg(["any", "all"])
    touched = touched[touched["any"]]
    if not touched["all"].all():
        return None
    return dict.fromkeys(sorted(touched.index), 1.0)


def vintage_members(
    region_ids: Sequence[str], years: Iterable[int], vintage: int, to_year: int
) -> pd.DataFrame:
    """Members in the codes of ``vintage`` for every year (tables on one code vintage).

    Municipalities: each ``vintage`` code → the ``to_year`` code(s) it went into. Fixed
    territories and Norway: their ``vintage`` members every year. A membership region (the
    members of each year): its ``vintage`` codes where the year's members make up whole
    ``vintage`` municipalities; other years get no members (the region's figure is missing).
    """
    years = sorted({int(y) for y in years})
    table = geography.mapping_table(to_year) if vintage <= to_year else None
    parts = []
    if table is not None:
        rows = table[table["from_year"] == vintage]
        base = pd.DataFrame(
            {"geo_code": rows["new_code"], "code": rows["code"], "weight": rows["weight"]}
        )
        parts.append(base.merge(pd.DataFrame({"year": years}), how="cross"))
    for region in region_ids:
        for year in years:
            weights = _region_members_in_vintage(region, year, vintage)
            if weights:
                parts.append(
                    pd.DataFrame(
                        {
                            "geo_code": region,
                            "year": year,
                            "code": list(weights),
                            "weight": list(weights.values()),
                        }
                    )
                )
    if not parts:
        return members_frame(pd.DataFrame(columns=MEMBER_COLUMNS))
    return members_frame(pd.concat(parts, ignore_index=True))


def county_of_codes(
    codes: Iterable[str],
    years: Iterable[int],
    vintage: int,
    population: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """``code, year, county``: the county each ``vintage`` code belonged to in each year.

    A code's county in year Y is the county (first two digits) of its largest year-Y part: the
    year-Y code with the largest population × share going into it (by share alone without
    ``population``: ``code, year, population``). Exact unless a municipality merged across a
    county border (e.g. Heim 2020, mostly Hemne in Trøndelag).
    """
    codes = set(codes)
    parts = []
    for year in sorted({int(y) for y in years}):
        if year <= vintage:
            table = geography.mapping_table(vintage)
            rows = table[(table["from_year"] == year) & table["new_code"].isin(codes)]
            frame = pd.DataFrame(
                {
                    "code": rows["new_code"],
                    "part": rows["code"],
                    "year": year,
                    "weight": rows["weight"],
                    "county": rows["code"].str[:2],
                }
            )
        else:
            table = geography.mapping_table(year)
            rows = table[(table["from_year"] == vintage) & table["code"].isin(codes)]
            frame = pd.DataFrame(
                {
                    "code": rows["code"],
                    "part": rows["new_code"],
                    "year": year,
                    "weight": rows["weight"],
                    "county": rows["new_code"].str[:2],
                }
            )
        parts.append(frame)
    out = pd.concat(parts, ignore_index=True).astype({"part": "string", "year": "int64"})
    score = out["weight"].astype("float64")
    if population is not None:
        pop = population[["code", "year", "population"]].rename(columns={"code": "part"})
        pop = pop.astype({"part": "string", "year": "int64"})
        sized = out.merge(pop, on=["part", "year"], how="left")["population"].to_numpy()
        score = score * np.where(np.isnan(sized), 1.0, sized)
    out = out.assign(score=score.to_numpy())
    out = out.sort_values(["year", "code", "score"], ascending=[True, True, False], kind="stable")
    out = out.drop_duplicates(["year", "code"], keep="first")
    return out[["code", "year", "county"]].astype({"code": "string", "county": "string"})
