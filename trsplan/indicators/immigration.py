"""Immigrants and net immigration (goal 5.3: take care of foreign labour that wants to settle).

Definitions
- ``immigrants``: persons born abroad to two foreign-born parents, resident on 1 January (SSB 09817,
  ``InnvandrKat`` = ``B``, ``Landbakgrunn`` = ``999`` all countries). Norwegian-born to immigrant
  parents (category ``C``) are *not* included unless the caller adds them to the column.
- ``immigrant_share`` = immigrants ÷ population on 1 January (SSB 07459) × 100, from counts (SSB's
  own ``AndelBefolkning`` is not averaged or re-used for regions).
- ``net_immigration`` = immigration − emigration during the year (SSB 06913 / 01223
  ``Innvandring`` − ``Utvandring``; the same as population.py's ``net_international_migration``).

Regional figures are recomputed from weighted sums of the municipal counts (members as from
``population.membership``); a missing member makes the regional figure missing. Missing stays NaN.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from trsplan.errors import TrsplanError
from trsplan.indicators import catalogue, population
from trsplan.indicators.membership import MEMBER_COLUMNS

#: indicator id -> (goal id, unit), from the indicator catalogue (data/indicators.yaml)
MEASURES: dict[str, tuple[str, str]] = catalogue.measures("immigration")
ADDITIVE = ["immigrants", "population", "immigration", "emigration"]


def immigrant_share(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``immigrant_share`` = immigrants ÷ population × 100.

    ``frame``: ``geo_code, year, immigrants, population`` (both on 1 January). NaN when either is
    missing or the population is not positive.
    """
    _require(frame, ["geo_code", "year", "immigrants", "population"], "immigrant_share")
    out = frame.copy()
    den = out["population"].where(out["population"] > 0)
    out["immigrant_share"] = out["immigrants"] / den * 100
    return out


def net_immigration(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``net_immigration`` = immigration − emigration.

    ``frame``: ``geo_code, year, immigration, emigration`` (flows during the year).
    """
    _require(frame, ["geo_code", "year", "immigration", "emigration"], "net_immigration")
    out = frame.copy()
    out["net_immigration"] = out["immigration"] - out["emigration"]
    return out


def derive(frame: pd.DataFrame) -> pd.DataFrame:
    """Add every indicator whose inputs are present (share and/or net immigration)."""
    out = frame
    if {"immigrants", "population"} <= set(frame.columns):
        out = immigrant_share(out)
    if {"immigration", "emigration"} <= set(frame.columns):
        out = net_immigration(out)
    return out


def regional(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Regional counts (weighted sums of the additive columns present) and derived indicators."""
    columns = [c for c in ADDITIVE if c in frame.columns]
    if not columns:
        raise TrsplanError(f"immigration.regional: the frame has none of the columns {ADDITIVE}")
    _require(frame, ["geo_code", "year"], "immigration.regional")
    sums = population.aggregate(
        frame.rename(columns={"geo_code": "code"}), members[MEMBER_COLUMNS], columns
    )
    return derive(sums)


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TrsplanError(f"{what}: the input frame lacks the columns {missing}")
