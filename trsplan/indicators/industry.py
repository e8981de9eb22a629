"""Goal 1.5 (use clusters for business development): location quotients, cluster candidates and
shift-share decomposition of employment by place of work and industry.

Sources: SSB 13470 (employed persons by place of work, ``SysselsatteArb``, NACE groups of
``agg_single:NACE2007arb11``) or SSB 08536 (4th-quarter employment by 2-digit NACE,
``SysselArbsted``; note 08536's perturbation: 1s and 2s are replaced by 0 or 3, so sums of small
cells differ from published totals). Both are counts of *jobs located in the geography*.

Input contract (tidy, one row per geography, year and industry)
- ``geo_code`` (str): a municipality code, a region id or the national reference (``"norge"``);
- ``year`` (int);
- ``industry`` (str): the same code list for every geography; rows must partition employment
  (no total row, unless it is named with ``total_industry``);
- ``employment`` (float): jobs; NaN where SSB suppresses or lacks the cell (never 0).

Regional figures are sums of member municipalities' counts (:func:`aggregate_members`), and
their quotients are recomputed from those sums, never averaged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from trsplan.errors import TrsplanError
from trsplan.indicators import catalogue
from trsplan.paths import definitions_dir

NORWAY = "norge"

#: indicator id -> (goal id, unit), from the indicator catalogue (data/indicators.yaml)
MEASURES: dict[str, tuple[str, str]] = catalogue.measures("industry")

SHIFT_SHARE_COLUMNS = ["shift_share_national", "shift_share_industry_mix", "shift_share_regional"]


# --- Aggregation ----------------------------------------------------------------------------


def aggregate_members(
    frame: pd.DataFrame,
    members: pd.DataFrame,
    columns: Sequence[str],
    keys: Sequence[str] = ("industry",),
) -> pd.DataFrame:
    """Weighted sums of additive columns over the members of each geography.

    ``frame``: ``code, year, <keys>, <columns>`` (municipal counts in the codes of each year).
    ``members``: ``geo_code, code, weight`` and optionally ``year`` (as
    :func:`trsplan.indicators.population.membership` returns; without ``year`` the membership
    applies to every year). Returns ``geo_code, year, <keys>, <columns>``.

    Strict: a member whose value is NaN, or whose row is absent for a key present elsewhere in
    that year, makes the sum NaN (a suppressed cell is never counted as 0).
    """
    keys = list(keys)
    data = _as_string(frame, ["code", *keys])
    members = _as_string(members, ["geo_code", "code"])
    grid_keys = data[["year", *keys]].drop_duplicates()
    if "year" in members.columns:
        grid = members.merge(grid_keys, on="year", how="inner")
    else:
        grid = members.merge(grid_keys, how="cross")
    joined = grid.merge(
        data[["code", "year", *keys, *columns]], on=["code", "year", *keys], how="left"
    )
    weighted = joined[list(columns)].mul(joined["weight"], axis=0)
    return _strict_sum(weighted, [joined["geo_code"], joined["year"], *(joined[k] for k in keys)])


def sum_industries(frame: pd.DataFrame, columns: Sequence[str], label: str = "all") -> pd.DataFrame:
    """Sum ``columns`` over industries per ``geo_code, year`` (NaN if any industry is NaN);
    the result's ``industry`` is ``label``."""
    out = _strict_sum(frame[list(columns)], [frame["geo_code"], frame["year"]])
    out.insert(2, "industry", pd.array([label] * len(out), dtype="string"))
    return out


# --- Location quotients -----------------------------------------------------------------------


def location_quotients(
    employment: pd.DataFrame,
    *,
    reference_geo: str = NORWAY,
    total_industry: str | None = None,
) -> pd.DataFrame:
    """Location quotients LQ_ij = (e_ij / e_i) / (E_j / E) for every geography i and industry j.

    e_ij: jobs in industry j in geography i; e_i: all jobs in i; E_j, E: the same for the
    reference geography (``reference_geo`` rows of ``employment``, e.g. Norway as summed
    municipalities or SSB's national row), so the reference's own LQ is 1 for every industry.
    Totals are the sum over industries (NaN if any industry is NaN), or the ``total_industry``
    rows when given (those rows are then not given an LQ). Source: SSB 13470 / 08536.

    Returns ``geo_code, year, industry, employment, location_quotient`` (NaN where any part is
    missing or a denominator is 0).
    """
    data = _as_string(employment, ["geo_code", "industry"])
    rows, totals = _split_totals(data, total_industry)
    own = rows.merge(totals, on=["geo_code", "year"], how="left")
    ref = own[own["geo_code"] == reference_geo]
    if ref.empty:
        raise TrsplanError(
            f"no rows for the reference geography {reference_geo!r}; add the national counts "
            "(e.g. summed municipalities) under that geo_code"
        )
    ref_share = ref.assign(ref_share=_ratio(ref["employment"], ref["total"]))
    out = own.merge(
        ref_share[["year", "industry", "ref_share"]], on=["year", "industry"], how="left"
    )
    out["location_quotient"] = _ratio(_ratio(out["employment"], out["total"]), out["ref_share"])
    out = out[["geo_code", "year", "industry", "employment", "location_quotient"]]
    return out.sort_values(["year", "geo_code", "industry"], ignore_index=True)


@dataclass(frozen=True)
class ClusterSettings:
    """Cluster-candidate rule of goal 1.5 (``data/definitions/clusters.yaml``)."""

    lq_threshold: float
    min_jobs: float


def load_cluster_settings(path: Path | str | None = None) -> ClusterSettings:
    """Read the LQ threshold and minimum jobs from ``data/definitions/clusters.yaml``."""
    path = Path(path) if path else definitions_dir() / "clusters.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        return ClusterSettings(float(raw["lq_threshold"]), float(raw["min_jobs"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise TrsplanError(f"{path}: needs numeric 'lq_threshold' and 'min_jobs' ({exc})") from exc


def cluster_candidates(
    lq: pd.DataFrame, *, threshold: float | None = None, min_jobs: float | None = None
) -> pd.DataFrame:
    """Add ``cluster_candidate``: 1.0 where LQ ≥ threshold and jobs ≥ min_jobs, else 0.0;
    NaN where the LQ or the jobs are missing. Defaults come from ``clusters.yaml`` (1.25 and
    the minimum jobs there). ``lq``: output of :func:`location_quotients`."""
    if threshold is None or min_jobs is None:
        settings = load_cluster_settings()
        threshold = settings.lq_threshold if threshold is None else threshold
        min_jobs = settings.min_jobs if min_jobs is None else min_jobs
    out = lq.copy()
    hit = (out["location_quotient"] >= threshold) & (out["employment"] >= min_jobs)
    known = out["location_quotient"].notna() & out["employment"].notna()
    out["cluster_candidate"] = hit.astype("float64").where(known)
    return out


# --- Shift-share ------------------------------------------------------------------------------


def shift_share(
    employment: pd.DataFrame,
    base_year: int,
    end_year: int,
    *,
    reference_geo: str = NORWAY,
    total_industry: str | None = None,
) -> pd.DataFrame:
    """Classic (Dunn 1960) shift-share of the employment change from ``base_year`` to ``end_year``.

    For geography i and industry j with jobs e0 = e_ij(base), e1 = e_ij(end), national growth
    g = E(end)/E(base) − 1 (all industries of the reference) and national industry growth
    g_j = E_j(end)/E_j(base) − 1:

    - national share   NS = e0 · g
    - industry mix     IM = e0 · (g_j − g)
    - regional (competitive) shift  RS = e0 · (g_ij − g_j), g_ij = e1/e0 − 1, computed as
      (e1 − e0) − e0 · g_j

    so NS + IM + RS = e1 − e0 exactly (RS is written without dividing by e0, so a new industry
    with e0 = 0 has RS = e1). For the reference geography RS = 0. Source: SSB 13470 / 08536.

    Returns ``geo_code, year`` (= ``end_year``), ``industry, base_year, employment_change,
    shift_share_national, shift_share_industry_mix, shift_share_regional``.
    """
    data = _as_string(employment, ["geo_code", "industry"])
    data = data[data["year"].isin([base_year, end_year])]
    rows, totals = _split_totals(data, total_industry)
    wide = _by_year(rows, "employment", base_year, end_year, ["geo_code", "industry"])
    ref_tot = totals[totals["geo_code"] == reference_geo].set_index("year")["total"]
    ref_tot = ref_tot.reindex([base_year, end_year]).astype("float64")
    ref = wide[wide["geo_code"] == reference_geo]
    if ref.empty:
        raise TrsplanError(f"no {base_year}/{end_year} rows for reference {reference_geo!r}")
    g = ref_tot[end_year] / ref_tot[base_year] - 1 if ref_tot[base_year] else np.nan
    g_j = ref.assign(g_j=_ratio(ref["e1"], ref["e0"]) - 1)[["industry", "g_j"]]
    out = wide.merge(g_j, on="industry", how="left")
    e0, e1 = out["e0"], out["e1"]
    out["employment_change"] = e1 - e0
    out["shift_share_national"] = e0 * g
    out["shift_share_industry_mix"] = e0 * (out["g_j"] - g)
    out["shift_share_regional"] = (e1 - e0) - e0 * out["g_j"]
    out["year"] = end_year
    out["base_year"] = base_year
    cols = ["geo_code", "year", "industry", "base_year", "employment_change", *SHIFT_SHARE_COLUMNS]
    return out[cols].sort_values(["geo_code", "industry"], ignore_index=True)


def base_year_clusters(candidates: pd.DataFrame, base_year: int) -> pd.DataFrame:
    """``geo_code, industry``: the pairs that are cluster candidates in ``base_year``.

    The set is fixed in the base year so that growth is measured on the same industries
    throughout (choosing the industries by their latest LQ would pick the winners afterwards).
    ``candidates``: output of :func:`cluster_candidates`.
    """
    at = (candidates["year"] == base_year) & (candidates["cluster_candidate"] == 1.0)
    return _as_string(candidates.loc[at, ["geo_code", "industry"]], ["geo_code", "industry"])


def cluster_regional_shift(
    employment: pd.DataFrame,
    clusters: pd.DataFrame,
    base_year: int,
    end_year: int,
    *,
    reference_geo: str = NORWAY,
) -> pd.DataFrame:
    """Goal 1.5: do the geography's clusters grow faster than the same industries nationally?

    ``employment``: ``geo_code, year, industry, employment`` (as :func:`shift_share`);
    ``clusters``: ``geo_code, industry`` (:func:`base_year_clusters`). Over the cluster
    industries C of each geography, with g_j the national growth of industry j:

        cluster_regional_shift = Σ_{j∈C} RS_j = Σ_{j∈C} (e1_j − e0_j × (1 + g_j))
        cluster_regional_shift_pct = cluster_regional_shift ÷ Σ_{j∈C} e0_j × 100

    i.e. the clusters' jobs beyond what they would have had if each had grown at its industry's
    national rate, in per cent of their base-year jobs; positive = faster than the same
    industries nationally. Unlike "every location quotient rises" (impossible by construction:
    employment-weighted LQs average 1 across industries), every region can meet it. Also
    ``cluster_jobs`` = Σ e1_j. A geography without clusters gets no row; a missing cell makes
    its sums missing. Returns ``geo_code, year`` (= end_year) and the three columns.
    """
    shift = shift_share(employment, base_year, end_year, reference_geo=reference_geo)
    data = _as_string(employment, ["geo_code", "industry"])
    wide = _by_year(data, "employment", base_year, end_year, ["geo_code", "industry"])
    cells = shift.merge(wide, on=["geo_code", "industry"], how="left").merge(
        _as_string(clusters, ["geo_code", "industry"]), on=["geo_code", "industry"], how="inner"
    )
    sums = _strict_sum(
        cells[["shift_share_regional", "e0", "e1"]], [cells["geo_code"], cells["year"]]
    )
    sums["cluster_regional_shift_pct"] = _ratio(sums["shift_share_regional"], sums["e0"]) * 100
    sums = sums.rename(
        columns={"shift_share_regional": "cluster_regional_shift", "e1": "cluster_jobs"}
    )
    cols = [
        "geo_code",
        "year",
        "cluster_jobs",
        "cluster_regional_shift",
        "cluster_regional_shift_pct",
    ]
    return sums[cols]


# --- Helpers ----------------------------------------------------------------------------------


def _as_string(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """A copy with key columns as the ``string`` dtype (so merges never fall back to object)."""
    out = frame.copy()
    for col in columns:
        if col in out.columns:
            out[col] = out[col].astype("string")
    if "year" in out.columns:
        out["year"] = out["year"].astype("int64")
    return out


def _strict_sum(values: pd.DataFrame, keys: list[pd.Series]) -> pd.DataFrame:
    """Group sums that are NaN when any summand is NaN."""
    sums = values.groupby(keys, sort=True).sum()
    incomplete = values.isna().groupby(keys, sort=True).any()
    return sums.mask(incomplete).reset_index()


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num / den with NaN (not ±inf) where den is 0."""
    return (num / den.where(den != 0)).astype("float64")


def _split_totals(
    data: pd.DataFrame, total_industry: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(industry rows, ``geo_code, year, total``) from a total row or the strict industry sum."""
    if total_industry is None:
        rows = data
        totals = _strict_sum(data[["employment"]], [data["geo_code"], data["year"]])
    else:
        is_total = data["industry"] == total_industry
        rows = data[~is_total]
        totals = data.loc[is_total, ["geo_code", "year", "employment"]]
    return rows, totals.rename(columns={"employment": "total"})


def _by_year(
    frame: pd.DataFrame, column: str, base_year: int, end_year: int, keys: list[str]
) -> pd.DataFrame:
    """``<keys>, e0, e1``: the column in the base and end year side by side (NaN if absent)."""
    wide = frame.set_index([*keys, "year"])[column].unstack("year")
    wide = wide.reindex(columns=[base_year, end_year]).astype("float64")
    wide.columns = ["e0", "e1"]
    return wide.reset_index()
