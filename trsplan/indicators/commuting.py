"""Commuting into a centre and functional (commuting) regions (goal 3.1).

Input: a commuting matrix with the columns ``residence, workplace, year, employed`` — employed
persons aged 15–74 living in ``residence`` and working in ``workplace`` in the 4th quarter of
``year`` (SSB 03321, ``Bokommuen`` × ``ArbstedKomm``, ``ContentsCode`` = ``Sysselsatte``), with
4-character municipality codes of the year's vintage. The matrix is taken as dense, as
``read_jsonstat`` returns it: a (residence, workplace) pair absent from the frame is a zero
flow, while a pair present with NaN (SSB '.', '..', ':') is missing and never read as zero.
Workplace codes that are not municipalities (abroad, the continental shelf, unknown) count as
workplaces in the row totals; regional total rows must not be in the matrix.

Definitions
- ``employed_residents`` of r: Σ_w employed(r, w), or a given total (e.g. SSB 11618
  ``SysselBosted``). A missing cell in the row makes the row sum missing.
- ``in_commuters`` to centre c: Σ_{r ≠ c} employed(r, c) — people working in c and living
  elsewhere; ``workers_in_centre``: Σ_r employed(r, c).
- ``share_working_in_centre`` of r: employed(r, c) ÷ employed_residents(r) × 100 (NaN when either is
  missing).
- Functional region of c (Telemarksforsking's rule, GEOGRAPHY.md §3.1: «alle kommuner der over ti
  prosent av de sysselsatte har arbeid i senteret»): c itself plus every municipality whose share
  is *strictly greater* than the threshold (10 % by default). A municipality with a missing share
  is not a member (it cannot be shown to exceed the threshold). In a year where the centre is no
  workplace in the matrix (e.g. its code is not valid yet), every share towards it is missing.
- Comparator regions for several centres: each centre is in its own region; any other municipality
  above the threshold for more than one centre goes to the centre with the larger share (an exact
  tie goes to the centre listed first).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import pandas as pd
import yaml

from trsplan.errors import TrsplanError
from trsplan.indicators import catalogue, population
from trsplan.paths import geography_dir

#: indicator id -> (goal id, unit), from the indicator catalogue (data/indicators.yaml)
MEASURES: dict[str, tuple[str, str]] = catalogue.measures("commuting")

MATRIX = ["residence", "workplace", "year", "employed"]
DEFAULT_THRESHOLD = 10.0
DEFAULT_CENTRES = ("5001", "0301", "4601", "1103", "4204", "5501")


@dataclass(frozen=True)
class CommutingRegion:
    """A comparator city region built each year by the commuting rule around ``centre``."""

    id: str
    centre: str
    stands_for: tuple[str, ...]
    label_nb: str
    label_en: str


@cache
def load_commuting_regions() -> tuple[tuple[CommutingRegion, ...], float]:
    """(regions, threshold in per cent) from ``commuting_regions`` in ``regions.yaml``."""
    path = geography_dir() / "regions.yaml"
    raw = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("commuting_regions")
    if not raw:
        return (), DEFAULT_THRESHOLD
    try:
        regions = tuple(
            CommutingRegion(
                id=str(r["id"]),
                centre=str(r["centre"]),
                stands_for=tuple(str(x) for x in r.get("stands_for", ())),
                label_nb=str(r["label_nb"]),
                label_en=str(r["label_en"]),
            )
            for r in raw["regions"]
        )
        return regions, float(raw.get("threshold_percent", DEFAULT_THRESHOLD))
    except (KeyError, TypeError, ValueError) as exc:
        raise TrsplanError(
            f"{path}: commuting_regions needs regions with id, centre, label_nb, label_en ({exc!r})"
        ) from exc


def commuting_region_members(
    matrix: pd.DataFrame,
    regions: Sequence[CommutingRegion],
    threshold: float = DEFAULT_THRESHOLD,
    totals: pd.DataFrame | None = None,
    years: Sequence[int] = (),
) -> pd.DataFrame:
    """``geo_code, year, code, weight``: each comparator built by the commuting rule each year.

    :func:`comparator_regions` around the regions' centres, with the region ids as ``geo_code``;
    a year in ``years`` after the matrix's last year keeps the last year's members (the rule
    needs commuting data, published later than population), stated in the methods.
    """
    centres = [r.centre for r in regions if r.centre in set(matrix["workplace"])]
    if not centres:
        return pd.DataFrame(columns=["geo_code", "year", "code", "weight"])
    built = comparator_regions(matrix, centres, threshold, totals, prefix="")
    ids = {r.centre: r.id for r in regions}
    built = built.assign(geo_code=built["centre"].map(ids).astype("string"))
    out = built[["geo_code", "year", "code", "weight"]]
    last = int(out["year"].max())
    later = [int(y) for y in years if int(y) > last]
    carried = [out[out["year"] == last].assign(year=y) for y in later]
    return pd.concat([out, *carried], ignore_index=True)


def employed_residents(matrix: pd.DataFrame) -> pd.DataFrame:
    """``geo_code, year, employed_residents``: row sums of the matrix (strict: NaN cell → NaN)."""
    _require(matrix, MATRIX, "employed_residents")
    out = _sum(matrix, ["residence", "year"], skipna=False)
    return out.rename(columns={"residence": "geo_code", "employed": "employed_residents"})


def in_commuters(
    matrix: pd.DataFrame, centres: str | Sequence[str], *, skipna: bool = False
) -> pd.DataFrame:
    """``geo_code, year, in_commuters, workers_in_centre`` for each centre (``geo_code``).

    in_commuters = employed persons working in the centre and living in another municipality.
    ``skipna=False`` (default): a missing cell makes the total missing. ``skipna=True`` leaves
    missing cells out of the sums, which are then lower bounds; say so when reporting them.
    """
    _require(matrix, MATRIX, "in_commuters")
    centres = [centres] if isinstance(centres, str) else list(centres)
    into = matrix[matrix["workplace"].isin(centres)]
    workers = _sum(into, ["workplace", "year"], skipna=skipna)
    commuters = _sum(into[into["residence"] != into["workplace"]], ["workplace", "year"], skipna)
    out = workers.rename(columns={"employed": "workers_in_centre"}).merge(
        commuters.rename(columns={"employed": "in_commuters"}), on=["workplace", "year"], how="left"
    )
    out["in_commuters"] = out["in_commuters"].fillna(0.0).where(out["workers_in_centre"].notna())
    out = out.rename(columns={"workplace": "geo_code"})
    return out[["geo_code", "year", "in_commuters", "workers_in_centre"]]


def share_working_in_centre(
    matrix: pd.DataFrame, centres: str | Sequence[str], totals: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Each municipality's share of its employed residents who work in each centre.

    Returns ``geo_code, year, centre, employed_residents, employed_in_centre,
    share_working_in_centre`` (per cent), one row per residence in the matrix, year and centre.
    ``totals`` (``geo_code, year, employed_residents``) replaces the matrix row sums when given.
    """
    _require(matrix, MATRIX, "share_working_in_centre")
    centres = [centres] if isinstance(centres, str) else list(centres)
    if totals is None:
        residents = employed_residents(matrix)
    else:
        _require(totals, ["geo_code", "year", "employed_residents"], "totals")
        residents = totals[["geo_code", "year", "employed_residents"]]
    grid = residents.merge(pd.DataFrame({"centre": pd.array(centres, dtype="string")}), how="cross")
    flows = matrix.loc[matrix["workplace"].isin(centres), MATRIX].rename(
        columns={"residence": "geo_code", "workplace": "centre", "employed": "employed_in_centre"}
    )
    flows = flows.astype({"centre": "string", "geo_code": "string"})
    grid = grid.astype({"geo_code": "string"})
    out = grid.merge(flows, on=["geo_code", "year", "centre"], how="left", indicator=True)
    # a pair absent from a dense matrix is a zero flow, if the centre is a workplace that year
    known = flows[["year", "centre"]].drop_duplicates().assign(_centre_known=True)
    out = out.merge(known, on=["year", "centre"], how="left")
    absent = (out["_merge"] == "left_only") & out["_centre_known"].eq(True)
    out["employed_in_centre"] = out["employed_in_centre"].astype("float64").mask(absent, 0.0)
    den = out["employed_residents"]
    out["share_working_in_centre"] = out["employed_in_centre"] / den.where(den > 0) * 100
    out = out.drop(columns=["_merge", "_centre_known"]).sort_values(["year", "centre", "geo_code"])
    return out.reset_index(drop=True)


def functional_region(
    matrix: pd.DataFrame,
    centre: str,
    threshold: float = DEFAULT_THRESHOLD,
    totals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Shares for one centre plus ``commuting_region_member`` (bool) by the threshold rule.

    Member = the centre itself, or share_working_in_centre > ``threshold`` (strictly greater, per
    cent); a missing share is not a member.
    """
    out = share_working_in_centre(matrix, centre, totals)
    above = out["share_working_in_centre"].gt(threshold).fillna(False).astype(bool)
    out["commuting_region_member"] = above | (out["geo_code"] == centre).astype(bool)
    return out


def comparator_regions(
    matrix: pd.DataFrame,
    centres: Sequence[str] = DEFAULT_CENTRES,
    threshold: float = DEFAULT_THRESHOLD,
    totals: pd.DataFrame | None = None,
    prefix: str = "commuting_",
) -> pd.DataFrame:
    """Functional regions around several centres, built from the data each year.

    Returns a members frame usable by :func:`trsplan.indicators.population.aggregate`:
    ``geo_code`` (region id ``prefix + centre``), ``year``, ``code`` (member municipality),
    ``weight`` (1.0), ``centre``, ``share_working_in_centre``. A centre is always in its own region
    (when it appears as a residence that year); another municipality above the threshold for
    several centres joins the one with the larger share, an exact tie the centre listed first.
    """
    centres = list(centres)
    shares = share_working_in_centre(matrix, centres, totals)
    shares["order"] = shares["centre"].map({c: i for i, c in enumerate(centres)}).astype("int64")
    is_centre = shares["geo_code"].isin(centres)
    own = shares[is_centre & (shares["geo_code"] == shares["centre"])]
    candidates = shares[~is_centre & shares["share_working_in_centre"].gt(threshold).fillna(False)]
    order = ["year", "geo_code", "share_working_in_centre", "order"]
    best = candidates.sort_values(order, ascending=[True, True, False, True], kind="stable")
    best = best.drop_duplicates(["year", "geo_code"], keep="first")
    members = pd.concat([own, best], ignore_index=True).sort_values(["year", "order", "geo_code"])
    return pd.DataFrame(
        {
            "geo_code": (prefix + members["centre"].astype("string")).astype("string"),
            "year": members["year"].astype("int64"),
            "code": members["geo_code"].astype("string"),
            "weight": 1.0,
            "centre": members["centre"].astype("string"),
            "share_working_in_centre": members["share_working_in_centre"].astype("float64"),
        }
    ).reset_index(drop=True)


def region_size(members: pd.DataFrame) -> pd.DataFrame:
    """``geo_code, year, commuting_region_size``: number of member municipalities."""
    _require(members, ["geo_code", "year", "code"], "region_size")
    size = members.groupby(["geo_code", "year"], sort=True)["code"].nunique()
    return size.rename("commuting_region_size").astype("float64").reset_index()


def regional_share_working_in_centre(
    shares: pd.DataFrame, members: pd.DataFrame, centre: str, *, exclude_centre: bool = True
) -> pd.DataFrame:
    """Share of the employed residents of a region's members who work in ``centre``.

    Σ employed_in_centre ÷ Σ employed_residents × 100 over the members (weighted), excluding the
    centre itself by default (targets.yaml: "the other member municipalities"); a member with a
    missing number makes the regional share missing. ``shares`` is the output of
    :func:`share_working_in_centre`; ``members`` as from ``population.membership``.
    """
    one = shares[shares["centre"] == centre].drop(columns="centre")
    if exclude_centre:
        members = members[members["code"] != centre]
    sums = population.aggregate(
        one.rename(columns={"geo_code": "code"}),
        members[["geo_code", "year", "code", "weight"]],
        ["employed_in_centre", "employed_residents"],
    )
    den = sums["employed_residents"]
    sums["share_working_in_centre"] = sums["employed_in_centre"] / den.where(den > 0) * 100
    return sums


def _sum(frame: pd.DataFrame, keys: list[str], skipna: bool) -> pd.DataFrame:
    """Sum of ``employed`` by ``keys``; with ``skipna=False`` a missing cell gives NaN."""
    employed = frame["employed"].astype("float64")
    grouped = employed.groupby([frame[k] for k in keys], sort=True)
    sums = grouped.sum()
    if not skipna:
        sums = sums.mask(employed.isna().groupby([frame[k] for k in keys], sort=True).any())
    else:
        sums = sums.mask(grouped.count() == 0)
    return sums.reset_index()


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TrsplanError(f"{what}: the input frame lacks the columns {missing}")
