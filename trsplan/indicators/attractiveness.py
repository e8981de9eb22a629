"""Residential attractiveness in the Telemarksforsking style (goal 5).

Attractiveness is a place's ability to draw residents *given* its job growth (ANCHORS.md §2.3):

- ``net_migration_rate`` = net migration over the period (domestic + international, i.e. SSB
  «Nettoinnflytting inkl. inn- og utvandring», 01223/06913) ÷ population at the start of the
  period × 100;
- ``job_growth_rate`` = (jobs_end − jobs_start) ÷ jobs_start × 100, jobs = employment by place of
  work (e.g. SSB 13470 ``SysselsatteArb`` or 11618 ``SysselArbsted``);
- for each period, an OLS across all municipalities with data (unweighted, with an intercept):
  net_migration_rate = a + b · job_growth_rate [+ controls], as in the published
  y = 0.2857x − 0.1412 (R² 0.2156) for 2010–2012. Optional controls: numeric columns, and
  population size classes (dummies for population ≥ each bound, the smallest class the reference);
- ``expected_net_migration_rate`` = the fitted value; ``expected_net_migration`` (persons) = that ×
  population ÷ 100;
- ``residential_attractiveness`` = net_migration_rate − expected_net_migration_rate (percentage
  points of the population; the OLS residual).

Regions: Σ net migration − Σ expected net migration, ÷ Σ population × 100 over the members, i.e. the
population-weighted mean of member residuals, never an unweighted mean of residuals. Rows are
sorted by ``geo_code`` before fitting, so results are deterministic. Missing inputs stay NaN and
drop out of the regression sample (they get no residual).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from trsplan.errors import TrsplanError
from trsplan.indicators import catalogue, population
from trsplan.indicators.membership import MEMBER_COLUMNS

#: indicator id -> (goal id, unit), from the indicator catalogue (data/indicators.yaml)
MEASURES: dict[str, tuple[str, str]] = catalogue.measures("attractiveness")

PERIOD = ["geo_code", "year", "population", "net_migration", "jobs_start", "jobs_end"]
ANNUAL = ["geo_code", "year", "population", "net_migration", "jobs"]


@dataclass(frozen=True)
class AttractivenessResult:
    """``values``: one row per geography and period; ``models``: one row per period.

    ``models`` columns: ``year, nobs, r_squared, coef_const, coef_job_growth_rate`` and
    ``coef_<control>`` for each control (size classes as ``coef_size_class_<i>``).
    """

    values: pd.DataFrame
    models: pd.DataFrame


def rolling_periods(annual: pd.DataFrame, length: int = 3) -> pd.DataFrame:
    """Period frame (``PERIOD`` columns) from annual data; ``year`` = the period's last year.

    ``annual``: ``geo_code, year, population`` (1 January), ``net_migration`` (during the year),
    ``jobs`` (4th quarter of the year). For the period Y − length + 1 … Y: population on 1 January
    of its first year, net migration summed over its years, jobs_start = jobs(Y − length),
    jobs_end = jobs(Y). A missing year makes the period's figure missing.
    """
    if length < 1:
        raise TrsplanError(f"period length must be ≥ 1, not {length}")
    _require(annual, ANNUAL, "rolling_periods")
    keys = ["geo_code", "year"]

    def lagged(column: str, lag: int, name: str) -> pd.DataFrame:
        part = annual[[*keys, column]].rename(columns={column: name})
        return part.assign(year=part["year"] + lag)

    out = annual[keys].merge(lagged("population", length - 1, "population"), on=keys, how="left")
    flows = [f"_net_{k}" for k in range(length)]
    for k, name in enumerate(flows):
        out = out.merge(lagged("net_migration", k, name), on=keys, how="left")
    out["net_migration"] = out[flows].sum(axis=1, skipna=False)
    out = out.merge(lagged("jobs", length, "jobs_start"), on=keys, how="left")
    out = out.merge(lagged("jobs", 0, "jobs_end"), on=keys, how="left")
    return out[PERIOD].sort_values(["year", "geo_code"], ignore_index=True)


def rates(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``net_migration_rate`` and ``job_growth_rate`` (per cent) to a period frame."""
    _require(frame, PERIOD, "rates")
    out = frame.copy()
    out["net_migration_rate"] = _ratio(out["net_migration"], out["population"])
    out["job_growth_rate"] = _ratio(out["jobs_end"] - out["jobs_start"], out["jobs_start"])
    return out


def fit_attractiveness(
    frame: pd.DataFrame,
    controls: Sequence[str] = (),
    size_bounds: Sequence[float] | None = None,
) -> AttractivenessResult:
    """Fit the expected-migration regression per period and return residuals and models.

    ``frame``: a period frame (``PERIOD`` columns, e.g. from :func:`rolling_periods`) for *all*
    municipalities, plus any ``controls`` columns. ``size_bounds``: population bounds of size
    classes, e.g. ``[5_000, 20_000, 50_000]``; omitted = no size control. A regressor that is
    constant in a period's sample (e.g. an empty size class) is dropped (coefficient NaN). A period
    with no more observations than parameters gets NaN coefficients and residuals.
    """
    _require(frame, [*PERIOD, *controls], "fit_attractiveness")
    data = rates(frame).sort_values(["year", "geo_code"], ignore_index=True)
    design = data[["job_growth_rate", *controls]].astype("float64")
    if size_bounds is not None:
        bounds = np.sort(np.asarray(size_bounds, dtype="float64"))
        cls = np.searchsorted(bounds, data["population"].to_numpy("float64"), side="right")
        known = data["population"].notna().to_numpy()
        for i in range(1, bounds.size + 1):
            design[f"size_class_{i}"] = np.where(known, (cls == i).astype("float64"), np.nan)
    design.insert(0, "const", 1.0)
    expected = pd.Series(np.nan, index=data.index, dtype="float64")
    models = []
    for year, rows in sorted(data.groupby("year").groups.items()):
        x_all = design.loc[rows]
        y = data.loc[rows, "net_migration_rate"]
        sample = x_all.notna().all(axis=1) & y.notna()
        x = x_all[sample]
        x = x.loc[:, (x.nunique() > 1) | (x.columns == "const")]  # e.g. an empty size class
        model: dict[str, float | int] = {"year": int(year), "nobs": float(sample.sum())}
        if sample.sum() > x.shape[1]:
            import statsmodels.api as sm  # on first use: report kernels import this module

            fit = sm.OLS(y[sample].to_numpy(), x.to_numpy()).fit()
            params = pd.Series(fit.params, index=x.columns)
            fitted = x_all[x.columns].to_numpy() @ params.to_numpy()
            expected.loc[rows] = fitted
            constant_y = np.ptp(y[sample].to_numpy()) == 0  # R² is undefined (0 / 0)
            model["r_squared"] = np.nan if constant_y else float(fit.rsquared)
            model |= {f"coef_{k}": float(v) for k, v in params.items()}
        models.append(model)
    data["expected_net_migration_rate"] = expected
    data["expected_net_migration"] = expected * data["population"] / 100
    data["residential_attractiveness"] = data["net_migration_rate"] - expected
    columns = ["year", "nobs", "r_squared", *(f"coef_{c}" for c in design.columns)]
    models_frame = pd.DataFrame(models).reindex(columns=columns)
    return AttractivenessResult(values=data, models=models_frame)


def regional_attractiveness(values: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Regional attractiveness from summed net migration, expected migration and population.

    ``values``: ``AttractivenessResult.values``; ``members`` as from ``population.membership``.
    residential_attractiveness = (Σ net_migration − Σ expected_net_migration) ÷ Σ population × 100,
    the population-weighted mean of the member residuals; a missing member gives NaN.
    """
    columns = ["population", "net_migration", "expected_net_migration", "jobs_start", "jobs_end"]
    _require(values, ["geo_code", "year", *columns], "regional_attractiveness")
    sums = population.aggregate(
        values.rename(columns={"geo_code": "code"}), members[MEMBER_COLUMNS], columns
    )
    out = rates(sums)
    out["expected_net_migration_rate"] = _ratio(out["expected_net_migration"], out["population"])
    out["residential_attractiveness"] = _ratio(
        out["net_migration"] - out["expected_net_migration"], out["population"]
    )
    return out


def _ratio(num: pd.Series, den: pd.Series) -> pd.Series:
    """num ÷ den × 100; NaN where the denominator is missing or not positive."""
    return num / den.where(den > 0) * 100


def _require(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise TrsplanError(f"{what}: the input frame lacks the columns {missing}")
