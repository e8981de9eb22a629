"""Processing times for building and zoning cases, KOSTRA (goal 3.2).

Input: a municipal frame ``geo_code, year`` with any of the mean-days columns
- ``building_case_days_12w``: the municipality's mean processing time (days) for building
  applications with a 12-week deadline;
- ``building_case_days_3w``: the same for applications with a 3-week deadline;
- ``zoning_case_days``: mean days from a complete private zoning proposal (detaljregulering) to the
  final decision;
and, for regional figures, the matching case counts ``building_cases_12w``, ``building_cases_3w``
(processed applications) and ``zoning_cases`` (adopted private detailed zoning plans). Source: SSB
14304 «KOSTRA-nøkkeltall for plan- og byggesaksbehandling (K)», 2015– (ANCHORS.md §6). KOSTRA
measures from the *complete* application only.

Ranking (per measure and year, among all municipalities that reported that year):
- ``reported``: the mean days is not missing. Non-reporters (NaN; SSB '.', '..', ':') are flagged
  and get no rank, percentile or quartile flag — they are never read as 0 days.
- ``rank``: 1 = shortest. Ties take the *minimum* rank by default (competition ranking 1, 2, 2, 4),
  so tied municipalities share the better position; ``ties="average"`` gives mid-ranks instead.
- ``percentile`` = (rank − 1) ÷ (n − 1) × 100 with n = number of reporters (0 = shortest,
  100 = longest; 0 when n = 1), in [0, 100].
- ``top_quartile`` = percentile ≤ 25 (the target in data/targets.yaml), as 1.0 / 0.0, NaN for
  non-reporters.
The frame must hold every municipality of the country for the ranks to be national.

Regional figures: the case-weighted mean Σ days × cases ÷ Σ cases over the members that reported
both days and cases (a split municipality's cases count with its weight), never a mean of
municipal means; the number of members behind it is returned. Without case counts there is no
regional figure (NaN).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd

from trsplan.errors import TrsplanError
from trsplan.indicators import catalogue

# mean-days column -> (case-count column, output prefix for rank columns)
CASE_MEASURES: dict[str, tuple[str, str]] = {
    "building_case_days_12w": ("building_cases_12w", "building_case"),
    "building_case_days_3w": ("building_cases_3w", "building_case_3w"),
    "zoning_case_days": ("zoning_cases", "zoning_case"),
}

#: indicator id -> (goal id, unit), from the indicator catalogue (data/indicators.yaml)
MEASURES: dict[str, tuple[str, str]] = catalogue.measures("casework")

TOP_QUARTILE = 25.0


def rank_shortest(
    frame: pd.DataFrame, column: str, ties: Literal["min", "average"] = "min"
) -> pd.DataFrame:
    """``geo_code, year, reported, rank, percentile, top_quartile`` for one mean-days column.

    Ranks run within each year over the municipalities with a value (1 = shortest); see the
    module docstring for ties, percentile and quartile.
    """
    if ties not in ("min", "average"):
        raise TrsplanError(f"ties must be 'min' or 'average', not {ties!r}")
    _require(frame, ["geo_code", "year", column], "rank_shortest")
    days = frame[column].astype("float64")
    rank = days.groupby(frame["year"]).rank(method=ties, ascending=True, na_option="keep")
    n = days.notna().groupby(frame["year"]).transform("sum").astype("float64")
    percentile = ((rank - 1) / (n - 1).where(n > 1) * 100).mask(rank.notna() & (n == 1), 0.0)
    top = (percentile <= TOP_QUARTILE).astype("float64").where(percentile.notna())
    return pd.DataFrame(
        {
            "geo_code": frame["geo_code"],
            "year": frame["year"],
            "reported": days.notna(),
            "rank": rank,
            "percentile": percentile,
            "top_quartile": top,
        }
    )


def case_rankings(frame: pd.DataFrame, ties: Literal["min", "average"] = "min") -> pd.DataFrame:
    """Add ``<prefix>_reported, _rank, _percentile, _top_quartile`` for each mean-days column.

    Prefixes: ``building_case`` (12-week deadline), ``building_case_3w``, ``zoning_case``; mean-days
    columns absent from ``frame`` are skipped.
    """
    _require(frame, ["geo_code", "year"], "case_rankings")
    out = frame.copy()
    for column, (_, prefix) in CASE_MEASURES.items():
        if column not in frame.columns:
            continue
        ranked = rank_shortest(frame, column, ties)
        for part in ("reported", "rank", "percentile", "top_quartile"):
            out[f"{prefix}_{part}"] = ranked[part].to_numpy()
    return out


def regional_case_days(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Case-weighted regional mean days: Σ days × cases ÷ Σ cases over reporting members.

    ``members``: ``geo_code`` (region), ``year``, ``code`` (municipality), ``weight``, as from
    ``population.membership``. Returns ``geo_code, year`` and, per mean-days column present, the
    weighted mean, the summed cases and ``<prefix>_members_reported`` (members with both days and
    cases). Members without data count as not reported; a region with no reporting member, or
    with zero cases, gets NaN.
    """
    _require(members, ["geo_code", "year", "code", "weight"], "members")
    data = frame.rename(columns={"geo_code": "code"})
    joined = members[["geo_code", "year", "code", "weight"]].merge(
        data, on=["code", "year"], how="left"
    )
    keys = [joined["geo_code"], joined["year"]]
    parts: list[pd.Series] = []
    for column, (cases_col, prefix) in CASE_MEASURES.items():
        if column not in joined.columns:
            continue
        if cases_col not in joined.columns:
            nan = pd.Series(np.nan, index=joined.index)
            parts.append(nan.groupby(keys, sort=True).first().rename(column))
            continue
        ok = joined[column].notna() & joined[cases_col].notna()
        cases = (joined[cases_col] * joined["weight"]).where(ok)
        total_days = (joined[column] * cases).groupby(keys, sort=True).sum(min_count=1)
        total_cases = cases.groupby(keys, sort=True).sum(min_count=1)
        parts.append((total_days / total_cases.where(total_cases > 0)).rename(column))
        parts.append(total_cases.rename(cases_col))
        reported = ok.groupby(keys, sort=True).sum().astype("float64")
        parts.append(reported.rename(f"{prefix}_members_reported"))
    if not parts:
        raise TrsplanError("regional_case_days: the frame has none of the mean-days columns")
    return pd.concat(parts, axis=1).reset_index()


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TrsplanError(f"{what}: the input frame lacks the columns {missing}")
