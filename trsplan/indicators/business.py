"""Business start-ups and business development (goals 3, 3.4 and 1).

Definitions (all pure functions on wide frames keyed by ``geo_code, year``)

- ``new_enterprises``: enterprises (foretak) newly established during the year (SSB new-enterprise
  statistics — table id not yet verified, see SOURCES.md §2 — or Brønnøysund registrations).
- ``new_enterprises_per_1000``: new enterprises ÷ population on 1 January (SSB 07459) × 1,000.
- ``startup_rate`` (NæringsNM «etableringsfrekvens»): new enterprises ÷ the stock of enterprises
  at the start of the year × 100.
- ``expected_startups``: Σ_j base_{g,j} × national start rate_j, where j runs over industries and
  the national start rate_j = national new enterprises_j ÷ national base_j (shift-share).
- ``startup_rate_industry_adjusted`` (NæringsNM «bransjejustert etableringsfrekvens»): actual
  starts ÷ expected starts. 1.0 = as many starts as the national industry rates predict for the
  geography's industry mix; above 1 = more. The *base* is the stock of enterprises (firms) per
  industry at the start of the year by default (as NæringsNM's frequency is per existing firm);
  employment per industry may be used instead (``base="employed"``) — say which in reports.
- ``net_firm_growth``: firms(Y) − firms(Y − 1); ``net_firm_growth_pct``: that ÷ firms(Y − 1) × 100
  (NæringsNM «vekst i antall foretak»: births − deaths + moves in − moves out).
- ``business_index``: a weighted sum of standardised components; components, weights, directions
  and the standardisation method come from ``data/definitions/startup_index.yaml``.

Regional figures are weighted sums of municipal numerators and denominators (members as returned
by :func:`trsplan.indicators.population.membership`), never averages of municipal rates; a missing
member makes the regional figure missing. Missing cells stay NaN and are never read as zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml

from trsplan.errors import TrsplanError
from trsplan.indicators import catalogue, population
from trsplan.indicators.membership import MEMBER_COLUMNS
from trsplan.paths import definitions_dir

#: indicator id -> (goal id, unit), from the indicator catalogue (data/indicators.yaml)
MEASURES: dict[str, tuple[str, str]] = catalogue.measures("business")

KEYS = ["geo_code", "year"]
METHODS = ("zscore", "rank")


def new_enterprises_per_1000(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``new_enterprises_per_1000`` = new_enterprises ÷ population × 1,000.

    ``frame``: ``geo_code, year, new_enterprises, population`` (population on 1 January of the
    year, SSB 07459). Sources: SSB new-enterprise statistics or Brreg; 07459.
    """
    _require(frame, [*KEYS, "new_enterprises", "population"], "new_enterprises_per_1000")
    out = frame.copy()
    out["new_enterprises_per_1000"] = _ratio(out["new_enterprises"], out["population"], 1000)
    return out


def regional_new_enterprises(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Regional ``new_enterprises_per_1000`` from summed new enterprises and summed population."""
    sums = _aggregate(frame, members, ["new_enterprises", "population"])
    return new_enterprises_per_1000(sums)


def national_start_rates(frame: pd.DataFrame, base: str = "firms") -> pd.DataFrame:
    """``year, industry, national_start_rate`` = Σ_geo new_enterprises ÷ Σ_geo ``base``.

    Sums run over the cells where both numbers are known (suppressed cells drop out of both sums),
    so ``frame`` must cover every municipality of the country for the rate to be national.
    """
    _require(frame, ["year", "industry", "new_enterprises", base], "national_start_rates")
    known = frame[frame["new_enterprises"].notna() & frame[base].notna()]
    sums = known.groupby(["year", "industry"], sort=True)[["new_enterprises", base]].sum()
    rate = _ratio(sums["new_enterprises"], sums[base], 1.0)
    return rate.rename("national_start_rate").reset_index()


def industry_adjusted_startups(
    frame: pd.DataFrame, national: pd.DataFrame | None = None, base: str = "firms"
) -> pd.DataFrame:
    """NæringsNM-style start-up indicators with the effect of industry structure removed.

    ``frame``: ``geo_code, year, industry, new_enterprises, <base>``, one row per geography, year
    and industry; ``base`` is the stock of enterprises at the start of the year (``firms``,
    default) or employment (e.g. ``employed``) in the industry.
    ``national``: ``year, industry, new_enterprises, <base>`` national totals; when None the
    national rates are :func:`national_start_rates` of ``frame`` (all municipalities needed).

    Returns ``geo_code, year, new_enterprises, <base>, expected_startups,
    startup_rate_industry_adjusted`` (+ ``startup_rate`` when the base is ``firms``), where
    expected_startups = Σ_j base_{g,j} × national_start_rate_j and the adjusted rate = actual ÷
    expected. Cells with base 0 expect 0 starts. Any missing industry cell of a geography-year
    makes its totals missing (NaN), as does a missing national rate for an industry it has.
    """
    cols = [*KEYS, "industry", "new_enterprises", base]
    _require(frame, cols, "industry_adjusted_startups")
    if national is None:
        rates = national_start_rates(frame, base)
    else:
        _require(national, ["year", "industry", "new_enterprises", base], "national")
        rates = national.assign(
            national_start_rate=_ratio(national["new_enterprises"], national[base], 1.0)
        )[["year", "industry", "national_start_rate"]]
    cells = frame[cols].merge(rates, on=["year", "industry"], how="left")
    expected = (cells[base] * cells["national_start_rate"]).mask(cells[base] == 0, 0.0)
    cells = cells.assign(expected_startups=expected)
    out = _strict_sum(cells, ["new_enterprises", base, "expected_startups"])
    return startup_rates(out, base)


def startup_rates(frame: pd.DataFrame, base: str = "firms") -> pd.DataFrame:
    """Add ``startup_rate_industry_adjusted`` (and ``startup_rate`` for the firm base).

    ``frame``: ``geo_code, year, new_enterprises, expected_startups, <base>`` (municipal totals
    from :func:`industry_adjusted_startups`, or regional sums of them).
    """
    _require(frame, [*KEYS, "new_enterprises", "expected_startups", base], "startup_rates")
    out = frame.copy()
    if base == "firms":
        out["startup_rate"] = _ratio(out["new_enterprises"], out["firms"], 100)
    out["startup_rate_industry_adjusted"] = _ratio(
        out["new_enterprises"], out["expected_startups"], 1.0
    )
    return out


def regional_startups(
    frame: pd.DataFrame, members: pd.DataFrame, base: str = "firms"
) -> pd.DataFrame:
    """Regional start-up rates from summed actual starts, expected starts and base.

    Expected starts are linear in the base, so their sum equals the expectation for the region's
    summed industry mix: the regional ratio is Σ actual ÷ Σ expected, not a mean of ratios.
    """
    sums = _aggregate(frame, members, ["new_enterprises", "expected_startups", base])
    return startup_rates(sums, base)


def net_firm_growth(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``firms_previous``, ``net_firm_growth`` and ``net_firm_growth_pct``.

    ``frame``: ``geo_code, year, firms`` — active enterprises at the same reference date each
    year (e.g. 1 January), on one territory (harmonised codes; otherwise a merger shows as
    growth). net_firm_growth = firms(Y) − firms(Y − 1); the per cent is ÷ firms(Y − 1) × 100.
    Y − 1 is the calendar year before, not the previous row: a gap gives NaN.
    """
    _require(frame, [*KEYS, "firms"], "net_firm_growth")
    previous = frame[[*KEYS, "firms"]].rename(columns={"firms": "firms_previous"})
    previous = previous.assign(year=previous["year"] + 1)
    out = frame.merge(previous, on=KEYS, how="left")
    out["net_firm_growth"] = out["firms"] - out["firms_previous"]
    out["net_firm_growth_pct"] = _ratio(out["net_firm_growth"], out["firms_previous"], 100)
    return out


def regional_net_firm_growth(frame: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Net firm growth of regions from summed firm counts (use a fixed-territory ``members``)."""
    return net_firm_growth(_aggregate(frame, members, ["firms"]))


# --------------------------------------------------------------------------- composite index


@dataclass(frozen=True)
class IndexComponent:
    """One component of the composite index: a column, its weight and its direction."""

    column: str
    weight: float
    higher_is_better: bool = True
    label: str = ""


@dataclass(frozen=True)
class IndexDefinition:
    """The composite index: components with weights summing to 1, and a standardisation method.

    ``method``: ``zscore`` — (x − mean) ÷ standard deviation (population, ddof 0) of all
    municipalities with a value that year (0 when they all have the same value); ``rank`` — the
    mid-rank percentile 100 × (#below + ½ #equal) ÷ n among those municipalities, in [0, 100].
    A component where lower is better enters negated (z) or as 100 − percentile (rank).
    """

    components: tuple[IndexComponent, ...]
    method: Literal["zscore", "rank"] = "zscore"
    id: str = "business_index"

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise TrsplanError(
                f"index {self.id!r}: unknown method {self.method!r}; allowed: {', '.join(METHODS)}"
            )
        if not self.components:
            raise TrsplanError(f"index {self.id!r} has no components")
        columns = [c.column for c in self.components]
        if len(set(columns)) != len(columns):
            raise TrsplanError(f"index {self.id!r}: a component column is repeated: {columns}")
        bad = [c.column for c in self.components if not (c.weight >= 0 and math.isfinite(c.weight))]
        if bad:
            raise TrsplanError(f"index {self.id!r}: weights must be finite and ≥ 0 for {bad}")
        total = math.fsum(c.weight for c in self.components)
        if not math.isclose(total, 1.0, rel_tol=0.0, abs_tol=1e-9):
            raise TrsplanError(
                f"index {self.id!r}: component weights sum to {total:.12g}, not 1; "
                "fix the weights (fractions such as '1/3' are allowed)"
            )


def default_index_path() -> Path:
    """``data/definitions/startup_index.yaml`` (honours ``TRSPLAN_DATA_DIR``)."""
    return definitions_dir() / "startup_index.yaml"


def load_index_definition(path: Path | str | None = None) -> IndexDefinition:
    """Read and validate an index definition (weights as numbers or fractions such as '1/3')."""
    path = Path(path) if path is not None else default_index_path()
    if not path.is_file():
        raise TrsplanError(f"index definition {path} does not exist")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        components = tuple(
            IndexComponent(
                column=str(c["column"]),
                weight=_weight(c["weight"]),
                higher_is_better=bool(c.get("higher_is_better", True)),
                label=str(c.get("label_en", "")),
            )
            for c in raw["components"]
        )
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise TrsplanError(
            f"{path}: each component needs 'column' and a numeric 'weight' ({exc!r})"
        ) from exc
    return IndexDefinition(
        components=components,
        method=raw.get("method", "zscore"),
        id=str(raw.get("id", "business_index")),
    )


def business_index(
    municipal: pd.DataFrame,
    regional: pd.DataFrame | None = None,
    definition: IndexDefinition | None = None,
) -> pd.DataFrame:
    """The composite business-development index for municipalities (and regions).

    ``municipal``: ``geo_code, year`` and every component column, one row per municipality and
    year, covering *all* municipalities (they are the standardisation reference).
    ``regional``: the same columns for regions (computed from summed numerators); each region is
    scored against that year's municipal distribution, so regions and municipalities share a
    scale. Returns ``geo_code, year, geo_level, <column>_score…, business_index`` where
    business_index = Σ weight × score; a missing component makes the index missing.
    """
    definition = definition or load_index_definition()
    columns = [c.column for c in definition.components]
    _require(municipal, [*KEYS, *columns], "business_index (municipal)")
    frames = [municipal[[*KEYS, *columns]].assign(geo_level="municipality")]
    if regional is not None:
        _require(regional, [*KEYS, *columns], "business_index (regional)")
        frames.append(regional[[*KEYS, *columns]].assign(geo_level="region"))
    out = pd.concat(frames, ignore_index=True)
    standardise = _zscore if definition.method == "zscore" else _percentile
    is_reference = out["geo_level"] == "municipality"
    index = pd.Series(0.0, index=out.index)
    for comp in definition.components:
        score = standardise(out[comp.column], out["year"], is_reference)
        if not comp.higher_is_better:
            score = -score if definition.method == "zscore" else 100.0 - score
        out[f"{comp.column}_score"] = score
        index = index + comp.weight * score
    out[definition.id] = index
    return out.drop(columns=columns)


def _zscore(values: pd.Series, year: pd.Series, is_reference: pd.Series) -> pd.Series:
    """(x − mean) ÷ sd of the reference rows of the same year (ddof 0; sd 0 gives 0)."""
    ref = values.where(is_reference)
    mean = ref.groupby(year).transform("mean")
    sd = ref.groupby(year).transform("std", ddof=0)
    z = (values - mean) / sd.where(sd > 0)
    return z.mask(values.notna() & (sd == 0), 0.0)


def _percentile(values: pd.Series, year: pd.Series, is_reference: pd.Series) -> pd.Series:
    """Mid-rank percentile of each value among the reference rows of its year, in [0, 100]."""
    out = pd.Series(np.nan, index=values.index, dtype="float64")
    for y in pd.unique(year):
        in_year = (year == y).to_numpy()
        ref = np.sort(values[in_year & is_reference.to_numpy()].dropna().to_numpy("float64"))
        target = values[in_year].dropna()
        if ref.size == 0 or target.empty:
            continue
        x = target.to_numpy("float64")
        below = np.searchsorted(ref, x, side="left")
        at_or_below = np.searchsorted(ref, x, side="right")
        out[target.index] = 100.0 * (below + 0.5 * (at_or_below - below)) / ref.size
    return out


# --------------------------------------------------------------------------- helpers


def _weight(value: object) -> float:
    """A YAML weight: a number, or a fraction string such as '1/3'."""
    if isinstance(value, bool):
        raise ValueError(f"weight {value!r} is not a number")
    if isinstance(value, int | float):
        return float(value)
    return float(Fraction(str(value).strip()))


def _ratio(num: pd.Series, den: pd.Series, scale: float) -> pd.Series:
    """num ÷ den × scale; NaN where the denominator is missing or not positive."""
    return num / den.where(den > 0) * scale


def _strict_sum(cells: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Sums of ``columns`` by geo_code and year; a missing cell makes the sum missing."""
    keys = [cells["geo_code"], cells["year"]]
    sums = cells[list(columns)].groupby(keys, sort=True).sum()
    incomplete = cells[list(columns)].isna().groupby(keys, sort=True).any()
    return sums.mask(incomplete).reset_index()


def _aggregate(frame: pd.DataFrame, members: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Weighted regional sums (``population.aggregate``) of a frame keyed by geo_code."""
    _require(frame, [*KEYS, *columns], "regional aggregation")
    return population.aggregate(
        frame.rename(columns={"geo_code": "code"}), members[MEMBER_COLUMNS], columns
    )


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TrsplanError(f"{what}: the input frame lacks the columns {missing}")
