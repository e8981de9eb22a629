"""Forecast a yearly indicator to a target's deadline and the probability that the target is met.

:func:`forecast` takes a yearly series (a ``pd.Series`` indexed by int year; NaN allowed) and
returns a :class:`Forecast`: the chosen model, its fitted parameters, the point forecast for every
year from the year after the latest observation to the deadline, 80 % and 95 % prediction
intervals, the probability that the target is met at the deadline, and the scores that chose the
model. Everything is analytic: the same input always gives the same output (no simulation).

Candidate models
----------------
``linear_trend``
    OLS of the value on the year (``statsmodels.OLS``). Prediction intervals come from
    ``get_prediction`` (Student t with ``n − 2`` degrees of freedom). Years need not be
    consecutive. Parameters: ``intercept`` (level in ``origin_year``, the first observed year),
    ``slope`` (per year), ``sigma`` (residual standard deviation).
``damped_trend_ets``
    Exponential smoothing with additive errors and a damped additive trend
    (``statsmodels.tsa.exponential_smoothing.ets.ETSModel``, ``damped_trend=True``). Intervals
    from ``get_prediction`` (analytic, normal, for this additive model). Needs
    :data:`MIN_OBS_ETS` *consecutive* years: it has five parameters (smoothing level and trend,
    damping, initial level and trend) plus the variance, and treats observations as equally
    spaced, so a series with a gap inside is fitted by the linear trend only.

Minimum data rules
------------------
- Missing values are dropped (a note says which years); the remaining points are ``n_obs``.
- ``n_obs < MIN_OBS`` (4) → no forecast: ``model`` is None and the status is "not assessed".
- ``MIN_OBS ≤ n_obs < MIN_OBS_ETS`` (8), or years with a gap → linear trend only.
- Otherwise both models are fitted and one is chosen as below.

Model choice
------------
Rolling-origin, one-step-ahead mean absolute error over the last ``k`` points,
``k = min(CV_MAX_HOLDOUT, n_obs − MIN_OBS_ETS)``: for each of those points both models are refitted
on every earlier point and predict it. One-step errors are used because the series are short
annual ones: h-step holdouts to a deadline several years ahead would leave too little to fit.

- ``k ≥ CV_MIN_HOLDOUT`` (3): the lower MAE wins. MAEs that differ by less than
  :data:`CV_TIE_RTOL` (5 %) of the larger one are a tie — three to five holdout errors cannot
  tell such models apart — and AICc decides.
- ``k < 3`` (8–10 points): AICc on the full series decides (fallback).
- A remaining tie prefers the simpler model (linear trend).

AICc is computed the same way for both models, ``−2 llf + 2p + 2p(p+1)/(n−p−1)``, with ``p``
counting the variance (linear 3, ETS 6), so the two are comparable.

Probability of meeting the target
---------------------------------
From the forecast distribution at the deadline: Student t (linear trend) or normal (ETS) with the
point forecast as centre and the scale implied by the 95 % interval. ``at_least`` gives
``P(value ≥ target)``, ``at_most`` ``P(value ≤ target)``. When the interval has zero width (a
perfect fit) the probability is 1 or 0 by comparing the point forecast with the target, with a
relative tolerance of 1e-9 so that rounding noise does not decide.

Warnings
--------
``ConvergenceWarning`` from statsmodels is suppressed while fitting the ETS model, deliberately:
on short, smooth series the likelihood is flat in the smoothing and damping parameters, so the
optimiser often stops at a bound and warns even though the forecast is usable; the warning would
be repeated for every indicator, municipality and holdout refit. Whether the final fit converged
is recorded in the model's score and in the notes instead. Other warnings are not touched.

The ETS likelihood of a training window without any variation is ``log(0)``; numpy's
divide-by-zero warning is silenced inside ETS fits for that reason, and a full series that lies
exactly on a line (a constant one included) is fitted by the linear trend only, which is exact.
A slope within 1e-9 × the mean absolute value of zero is rounding noise and reported as 0.

Errors are not suppressed. Numerical errors from the ETS fit (``LinAlgError``, ``ValueError``)
drop that candidate, with the message recorded in its score and in the notes; errors from the
linear fit propagate.

Speed
-----
One forecast refits the ETS model up to six times (~0.2 s on one core). Multi-threaded BLAS makes
these tiny problems much slower on a busy machine; when ``threadpoolctl`` is installed the fits
run single-threaded, otherwise set ``OPENBLAS_NUM_THREADS=1``.

**Size.** Over 500 lines on purpose: the candidate models (linear trend, ETS), their scoring and
the choice between them are one method; each part is a handful of short functions, and splitting
them would put the model choice away from the models it compares.
"""

from __future__ import annotations

import contextlib
import math
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from trsplan.errors import (
    ForecastInputError,  # noqa: F401 (re-exported)
)

try:  # optional: BLAS thread pools make the tiny ETS optimisations ~10× slower on busy hosts
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - depends on the environment
    threadpool_limits = None

__all__ = [
    "CV_MAX_HOLDOUT",
    "CV_MIN_HOLDOUT",
    "CV_TIE_RTOL",
    "LINEAR",
    "ETS",
    "MIN_OBS",
    "MIN_OBS_ETS",
    "Forecast",
    "ForecastInputError",
    "ModelScore",
    "TrendFit",
    "clean_series",
    "forecast",
    "linear_trend",
    "probability_of_meeting",
    "satisfies",
]

LINEAR = "linear_trend"
ETS = "damped_trend_ets"

#: Fewer observed points than this → no forecast ("not assessed").
MIN_OBS = 4
#: The damped-trend ETS model is fitted only from this many consecutive years.
MIN_OBS_ETS = 8
#: Rolling-origin holdout: at most this many of the latest points …
CV_MAX_HOLDOUT = 5
#: … and at least this many, otherwise AICc chooses.
CV_MIN_HOLDOUT = 3
#: MAEs closer than this share of the larger one are a tie (AICc decides).
CV_TIE_RTOL = 0.05
#: Relative tolerance when comparing a value with a target (rounding noise does not decide).
COMPARE_RTOL = 1e-9

# statsmodels and scipy load on first use: the report kernels import this module (through the
# status rules) but never fit a model.
_Z95 = NormalDist().inv_cdf(0.975)


# --------------------------------------------------------------------------- result types


@dataclass(frozen=True, slots=True)
class ModelScore:
    """How one candidate model scored in the selection."""

    name: str
    cv_mae: float | None = None
    n_cv: int = 0
    aicc: float | None = None
    converged: bool | None = None
    error: str | None = None

    @property
    def fitted(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class TrendFit:
    """The OLS slope of a series on the year, with its standard error and two-sided p-value."""

    slope: float
    se: float
    pvalue: float
    n_obs: int
    first_year: int
    last_year: int


@dataclass(frozen=True, slots=True)
class Forecast:
    """A forecast to a deadline year. ``model`` is None when there was too little data.

    The tuples ``years``, ``mean``, ``lower80`` … ``upper95`` and ``scale`` run in parallel from
    ``last_year + 1`` to ``deadline`` (empty when the deadline is not after the latest year).
    ``scale`` and ``df`` describe the forecast distribution (``df`` None = normal).
    """

    model: str | None
    params: Mapping[str, float]
    years: tuple[int, ...]
    mean: tuple[float, ...]
    lower80: tuple[float, ...]
    upper80: tuple[float, ...]
    lower95: tuple[float, ...]
    upper95: tuple[float, ...]
    scale: tuple[float, ...]
    df: float | None
    deadline: int | None
    target: float | None
    direction: str | None
    probability: float | None
    n_obs: int
    first_year: int | None
    last_year: int | None
    last_value: float | None
    slope: float | None
    scores: Mapping[str, ModelScore] = field(default_factory=dict)
    selected_by: str | None = None
    notes: tuple[str, ...] = ()

    @property
    def assessed(self) -> bool:
        """True when a model was fitted (enough data)."""
        return self.model is not None

    def at(self, year: int) -> dict[str, float]:
        """Point forecast and intervals for one forecast year."""
        try:
            i = self.years.index(int(year))
        except ValueError:
            raise ForecastInputError(
                f"no forecast for {year}; forecast years are {self._years_text()}"
            ) from None
        return {
            "mean": self.mean[i],
            "lower80": self.lower80[i],
            "upper80": self.upper80[i],
            "lower95": self.lower95[i],
            "upper95": self.upper95[i],
        }

    def probability_for(
        self, target: float, direction: str, year: int | None = None
    ) -> float | None:
        """P(target met) in ``year`` (default: the deadline) for another target value."""
        if not self.years:
            return None
        i = len(self.years) - 1 if year is None else self.years.index(int(year))
        return probability_of_meeting(self.mean[i], self.scale[i], self.df, target, direction)

    def to_frame(self) -> pd.DataFrame:
        """One row per forecast year: year, mean, lower80, upper80, lower95, upper95."""
        return pd.DataFrame(
            {
                "year": pd.Series(self.years, dtype="int64"),
                "mean": pd.Series(self.mean, dtype="float64"),
                "lower80": pd.Series(self.lower80, dtype="float64"),
                "upper80": pd.Series(self.upper80, dtype="float64"),
                "lower95": pd.Series(self.lower95, dtype="float64"),
                "upper95": pd.Series(self.upper95, dtype="float64"),
            }
        )

    def _years_text(self) -> str:
        return f"{self.years[0]}–{self.years[-1]}" if self.years else "none"


@dataclass(frozen=True, slots=True)
class _Path:
    mean: np.ndarray
    scale: np.ndarray
    df: float | None
    lower80: np.ndarray
    upper80: np.ndarray
    lower95: np.ndarray
    upper95: np.ndarray


# --------------------------------------------------------------------------- helpers


def clean_series(series: pd.Series) -> tuple[pd.Series, list[int]]:
    """The series with int years, sorted, NaN dropped; also the years that were dropped."""
    if not isinstance(series, pd.Series):
        raise ForecastInputError(f"expected a pandas Series indexed by year, got {type(series)!r}")
    try:
        years = [int(y) for y in series.index]
    except (TypeError, ValueError):
        raise ForecastInputError(
            f"the series index must be years (ints), got {list(series.index)[:5]!r}"
        ) from None
    if any(float(y) != float(o) for y, o in zip(years, series.index, strict=True)):
        raise ForecastInputError(
            f"the series index must be whole years, got {list(series.index)!r}"
        )
    values = pd.to_numeric(pd.Series(series.to_numpy(), index=years), errors="coerce")
    values = values.astype("float64")
    if values.index.has_duplicates:
        dup = sorted(set(values.index[values.index.duplicated()]))
        raise ForecastInputError(f"the series has duplicate years {dup}; give one value per year")
    if np.isinf(values.to_numpy()).any():
        bad = [int(y) for y, v in values.items() if np.isinf(v)]
        raise ForecastInputError(f"the series has infinite values in {bad}")
    values = values.sort_index()
    dropped = [int(y) for y in values.index[values.isna()]]
    return values.dropna(), dropped


def satisfies(value: float, target: float, direction: str) -> bool:
    """True if ``value`` meets ``target`` (``at_least``: ≥, ``at_most``: ≤), within COMPARE_RTOL."""
    tol = COMPARE_RTOL * max(1.0, abs(target))
    if direction == "at_least":
        return value >= target - tol
    if direction == "at_most":
        return value <= target + tol
    raise ForecastInputError(
        f"direction {direction!r} has no numeric target; use at_least or at_most"
    )


def probability_of_meeting(
    mean: float, scale: float, df: float | None, target: float, direction: str
) -> float:
    """P(value ≥ target) (``at_least``) or P(value ≤ target) (``at_most``) for a normal
    (``df`` None) or Student-t forecast distribution; a zero scale gives 0 or 1."""
    from scipy import stats

    if direction not in ("at_least", "at_most"):
        raise ForecastInputError(
            f"direction {direction!r} has no numeric target; use at_least or at_most"
        )
    tiny = COMPARE_RTOL * max(1.0, abs(target), abs(mean))
    if not np.isfinite(scale) or scale <= tiny:
        return 1.0 if satisfies(mean, target, direction) else 0.0
    z = (target - mean) / scale
    dist = stats.norm if df is None else stats.t(df)
    p_below = float(dist.cdf(z))
    return 1.0 - p_below if direction == "at_least" else p_below


def linear_trend(series: pd.Series) -> TrendFit | None:
    """OLS slope per year of a yearly series (NaN dropped); None with fewer than 3 points."""
    from scipy import stats

    y, _ = clean_series(series)
    if len(y) < 3:
        return None
    res = _fit_linear(y)
    slope = _snap(float(res.params[1]), y)
    se = float(res.bse[1])
    if se > COMPARE_RTOL * max(1.0, abs(slope)) and slope != 0.0:
        pvalue = float(2 * stats.t.sf(abs(slope) / se, res.df_resid))
    else:  # perfect fit
        pvalue = 0.0 if abs(slope) > 0 else 1.0
    return TrendFit(slope, se, pvalue, len(y), int(y.index[0]), int(y.index[-1]))


def _snap(slope: float, y: pd.Series) -> float:
    """A slope that is rounding noise (|slope| ≤ 1e-9 × mean |value|, at least 1e-9) is 0."""
    scale = max(1.0, float(np.mean(np.abs(y.to_numpy()))))
    return 0.0 if abs(slope) <= COMPARE_RTOL * scale else slope


def _aicc(llf: float, p: int, n: int) -> float:
    if n - p - 1 <= 0:
        return math.inf
    return -2.0 * llf + 2.0 * p + 2.0 * p * (p + 1) / (n - p - 1)


def _sigma2_floor(y: pd.Series) -> float:
    return (1e-10 * max(1.0, float(np.mean(np.abs(y.to_numpy()))))) ** 2


# --------------------------------------------------------------------------- linear trend


def _fit_linear(y: pd.Series) -> Any:
    import statsmodels.api as sm

    x = y.index.to_numpy(dtype="float64") - float(y.index[0])
    return sm.OLS(y.to_numpy(dtype="float64"), sm.add_constant(x, has_constant="add")).fit()


def _linear_llf(res: Any, y: pd.Series) -> float:
    n = len(y)
    sigma2 = max(float(res.ssr) / n, _sigma2_floor(y))
    return -0.5 * n * (math.log(2 * math.pi * sigma2) + 1.0)


def _linear_path(res: Any, origin: int, years: list[int]) -> _Path:
    import statsmodels.api as sm
    from scipy import stats

    x = np.asarray(years, dtype="float64") - float(origin)
    pred = res.get_prediction(sm.add_constant(x, has_constant="add"))
    f95 = pred.summary_frame(alpha=0.05)
    f80 = pred.summary_frame(alpha=0.20)
    df = float(res.df_resid)
    mean = f95["mean"].to_numpy(dtype="float64")
    q95 = stats.t.ppf(0.975, df)
    scale = (f95["obs_ci_upper"].to_numpy(dtype="float64") - mean) / q95
    return _Path(
        mean=mean,
        scale=np.maximum(scale, 0.0),
        df=df,
        lower80=f80["obs_ci_lower"].to_numpy(dtype="float64"),
        upper80=f80["obs_ci_upper"].to_numpy(dtype="float64"),
        lower95=f95["obs_ci_lower"].to_numpy(dtype="float64"),
        upper95=f95["obs_ci_upper"].to_numpy(dtype="float64"),
    )


# --------------------------------------------------------------------------- damped ETS


def _period_series(y: pd.Series) -> pd.Series:
    index = pd.period_range(str(int(y.index[0])), periods=len(y), freq="Y")
    return pd.Series(y.to_numpy(dtype="float64"), index=index)


def _fit_ets(y: pd.Series) -> tuple[Any, bool]:
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    model = ETSModel(_period_series(y), error="add", trend="add", damped_trend=True)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"):
        # Deliberate: see "Warnings" in the module docstring; convergence is recorded instead.
        warnings.simplefilter("ignore", ConvergenceWarning)
        res = model.fit(disp=False)
    converged = bool(getattr(res, "mle_retvals", {}).get("converged", True))
    return res, converged


def _ets_path(res: Any, n: int, steps: int) -> _Path:
    pred = res.get_prediction(start=n, end=n + steps - 1)
    f95 = pred.summary_frame(alpha=0.05)
    f80 = pred.summary_frame(alpha=0.20)
    mean = f95["mean"].to_numpy(dtype="float64")
    scale = (f95["pi_upper"].to_numpy(dtype="float64") - mean) / _Z95
    return _Path(
        mean=mean,
        scale=np.maximum(scale, 0.0),
        df=None,
        lower80=f80["pi_lower"].to_numpy(dtype="float64"),
        upper80=f80["pi_upper"].to_numpy(dtype="float64"),
        lower95=f95["pi_lower"].to_numpy(dtype="float64"),
        upper95=f95["pi_upper"].to_numpy(dtype="float64"),
    )


def _ets_params(res: Any) -> dict[str, float]:
    values = np.asarray(res.params, dtype="float64")
    out = {str(k): float(v) for k, v in zip(res.param_names, values, strict=True)}
    out["sigma"] = float(math.sqrt(max(float(np.mean(np.asarray(res.resid) ** 2)), 0.0)))
    return out


# --------------------------------------------------------------------------- selection


def _one_step(name: str, train: pd.Series) -> float:
    nxt = int(train.index[-1]) + 1
    if name == LINEAR:
        res = _fit_linear(train)
        return float(_linear_path(res, int(train.index[0]), [nxt]).mean[0])
    res, _ = _fit_ets(train)
    return float(np.asarray(res.forecast(1), dtype="float64")[0])


def _consecutive(y: pd.Series) -> bool:
    years = y.index.to_numpy()
    return bool(len(years) < 2 or np.all(np.diff(years) == 1))


def _choose(scores: dict[str, ModelScore]) -> tuple[str, str]:
    ok = [s for s in scores.values() if s.fitted]  # candidates in order of simplicity
    if len(ok) == 1:
        return ok[0].name, "only_candidate"
    n_cv = {s.n_cv for s in ok}
    have_cv = (
        all(s.cv_mae is not None for s in ok) and len(n_cv) == 1 and min(n_cv) >= CV_MIN_HOLDOUT
    )
    if have_cv:
        best = min(ok, key=lambda s: s.cv_mae)  # type: ignore[arg-type,return-value]
        worst = max(s.cv_mae for s in ok)  # type: ignore[type-var]
        tied = [s for s in ok if s.cv_mae - best.cv_mae <= CV_TIE_RTOL * worst]  # type: ignore[operator]
        if len(tied) == 1:
            return best.name, "cv_mae"
        return _by_aicc(tied), "cv_mae_tie_aicc"
    return _by_aicc(ok), "aicc"


def _by_aicc(candidates: list[ModelScore]) -> str:
    best = candidates[0]
    for s in candidates[1:]:
        a, b = s.aicc, best.aicc
        if a is not None and (b is None or a < b - 1e-9 * max(1.0, abs(b))):
            best = s
    return best.name


@contextlib.contextmanager
def _single_thread() -> Iterator[None]:
    """Run BLAS single-threaded when threadpoolctl is installed (results are unchanged)."""
    if threadpool_limits is None:
        yield
        return
    with threadpool_limits(limits=1):
        yield


# --------------------------------------------------------------------------- public entry


def forecast(
    series: pd.Series,
    deadline: int | None,
    *,
    target: float | None = None,
    direction: str | None = None,
) -> Forecast:
    """Fit the candidate models to ``series``, choose one and forecast to ``deadline``.

    ``target`` and ``direction`` (``at_least`` / ``at_most``) give ``probability``; without them,
    or when ``deadline`` is not after the latest observation, ``probability`` is None. See the
    module docstring for the models, the minimum data rules and the selection.
    """
    with _single_thread():
        return _forecast(series, deadline, target, direction)


def _forecast(
    series: pd.Series, deadline: int | None, target: float | None, direction: str | None
) -> Forecast:
    y, dropped = clean_series(series)
    notes: list[str] = []
    if dropped:
        notes.append(f"missing values dropped for {', '.join(str(d) for d in dropped)}")
    n = len(y)
    first = int(y.index[0]) if n else None
    last = int(y.index[-1]) if n else None
    last_value = float(y.iloc[-1]) if n else None
    if direction is not None and direction not in ("at_least", "at_most"):
        notes.append(f"direction {direction!r} has no numeric target; no probability")
    empty = {
        "params": {},
        "years": (),
        "mean": (),
        "lower80": (),
        "upper80": (),
        "lower95": (),
        "upper95": (),
        "scale": (),
        "df": None,
        "deadline": deadline,
        "target": target,
        "direction": direction,
        "probability": None,
        "n_obs": n,
        "first_year": first,
        "last_year": last,
        "last_value": last_value,
    }
    if n < MIN_OBS:
        notes.append(f"{n} observed year(s); at least {MIN_OBS} are needed for a forecast")
        return Forecast(model=None, slope=None, notes=tuple(notes), **empty)

    # -- fit the candidates ----------------------------------------------------------------
    scores: dict[str, ModelScore] = {}
    lin = _fit_linear(y)
    slope = _snap(float(lin.params[1]), y)
    fits: dict[str, Any] = {LINEAR: lin}
    scores[LINEAR] = ModelScore(LINEAR, aicc=_aicc(_linear_llf(lin, y), 3, n), converged=True)
    exact = float(lin.ssr) <= n * _sigma2_floor(y)
    use_ets = n >= MIN_OBS_ETS and _consecutive(y) and not exact
    if exact:
        notes.append("the points lie exactly on a line: linear trend only")
    elif n >= MIN_OBS_ETS and not use_ets:
        notes.append(f"{ETS} not fitted: the observed years have gaps (linear trend only)")
    elif n < MIN_OBS_ETS:
        notes.append(f"{ETS} not fitted: needs {MIN_OBS_ETS} consecutive years, have {n}")
    if use_ets:
        try:
            ets, converged = _fit_ets(y)
        except (np.linalg.LinAlgError, ValueError) as exc:
            scores[ETS] = ModelScore(ETS, error=f"{type(exc).__name__}: {exc}")
            notes.append(f"{ETS} failed and was dropped: {type(exc).__name__}: {exc}")
        else:
            fits[ETS] = ets
            llf = float(ets.llf)
            scores[ETS] = ModelScore(ETS, aicc=_aicc(llf, 6, n), converged=converged)
            if not converged:
                notes.append(f"{ETS}: the likelihood optimiser did not report convergence")

    # -- rolling-origin one-step MAE --------------------------------------------------------
    ok = [name for name, s in scores.items() if s.fitted]
    k = min(CV_MAX_HOLDOUT, n - MIN_OBS_ETS) if len(ok) > 1 else 0
    if k >= CV_MIN_HOLDOUT:
        errors: dict[str, list[float]] = {name: [] for name in ok}
        for i in range(n - k, n):
            train = y.iloc[:i]
            actual = float(y.iloc[i])
            for name in ok:
                try:
                    errors[name].append(abs(_one_step(name, train) - actual))
                except (np.linalg.LinAlgError, ValueError) as exc:
                    notes.append(f"{name}: holdout refit at {int(y.index[i])} failed: {exc}")
        for name in ok:
            errs = errors[name]
            mae = float(np.mean(errs)) if errs else None
            s = scores[name]
            scores[name] = ModelScore(
                name, cv_mae=mae, n_cv=len(errs), aicc=s.aicc, converged=s.converged
            )
    elif len(ok) > 1:
        notes.append(
            f"{n} points leave {max(k, 0)} holdout point(s) (< {CV_MIN_HOLDOUT}); AICc chose"
        )
    chosen, selected_by = _choose(scores)

    # -- forecast path ----------------------------------------------------------------------
    if chosen == LINEAR:
        params = {
            "intercept": float(lin.params[0]),
            "slope": slope,
            "sigma": float(math.sqrt(max(float(lin.scale), 0.0))),
            "origin_year": float(first),
        }
    else:
        params = _ets_params(fits[ETS])
    years: list[int] = list(range(last + 1, deadline + 1)) if deadline is not None else []
    if deadline is None:
        notes.append("no deadline: no forecast path")
    elif not years:
        notes.append(f"deadline {deadline} is not after the latest observation ({last})")
    if years:
        path = (
            _linear_path(lin, first, years)
            if chosen == LINEAR
            else _ets_path(fits[ETS], n, len(years))
        )
    else:
        path = _Path(*(np.empty(0),) * 2, None, *(np.empty(0),) * 4)  # type: ignore[arg-type]
    probability = None
    if years and target is not None and direction in ("at_least", "at_most"):
        probability = probability_of_meeting(
            float(path.mean[-1]), float(path.scale[-1]), path.df, float(target), direction
        )

    def tup(a: np.ndarray) -> tuple[float, ...]:
        return tuple(float(v) for v in a)

    return Forecast(
        model=chosen,
        params=params,
        years=tuple(years),
        mean=tup(path.mean),
        lower80=tup(path.lower80),
        upper80=tup(path.upper80),
        lower95=tup(path.lower95),
        upper95=tup(path.upper95),
        scale=tup(path.scale),
        df=path.df,
        deadline=deadline,
        target=target,
        direction=direction,
        probability=probability,
        n_obs=n,
        first_year=first,
        last_year=last,
        last_value=last_value,
        slope=slope,
        scores=scores,
        selected_by=selected_by,
        notes=tuple(notes),
    )
