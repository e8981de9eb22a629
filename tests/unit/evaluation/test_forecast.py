"""Forecasts to a deadline and the probability of meeting a target (trsplan.evaluation.forecast)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.tools.sm_exceptions import ConvergenceWarning

from trsplan.errors import TrsplanError
from trsplan.evaluation import forecast as fc

YEARS = list(range(2010, 2024))  # 14 consecutive years


def line(intercept: float = 100.0, slope: float = 3.0, years=YEARS) -> pd.Series:
    return pd.Series([intercept + slope * (y - years[0]) for y in years], index=years)


def noisy(seed: int = 0, n: int = 14) -> pd.Series:
    rng = np.random.default_rng(seed)
    return pd.Series(50 + np.cumsum(rng.normal(1.0, 2.0, n)), index=YEARS[:n])


def saturating() -> pd.Series:
    """Fast growth that levels off: a damped trend fits, a straight line does not."""
    values = np.r_[np.linspace(0, 100, 8), 100 + np.linspace(0, 10, 6)]
    return pd.Series(values, index=YEARS)


# --------------------------------------------------------------------------- hand-made series


def test_perfect_line_is_forecast_exactly_by_the_linear_trend():
    f = fc.forecast(line(), 2030, target=150.0, direction="at_least")
    assert f.model == fc.LINEAR
    assert f.years == tuple(range(2024, 2031))
    expected = [100.0 + 3.0 * (y - 2010) for y in f.years]
    assert f.mean == pytest.approx(expected, rel=1e-12)
    for lo, hi in [(f.lower80, f.upper80), (f.lower95, f.upper95)]:
        assert np.max(np.subtract(hi, lo)) < 1e-9
    assert f.params["slope"] == pytest.approx(3.0)
    assert f.params["intercept"] == pytest.approx(100.0)
    assert f.params["origin_year"] == 2010
    assert f.slope == pytest.approx(3.0)
    assert f.n_obs == 14 and f.last_year == 2023 and f.last_value == pytest.approx(139.0)
    # 2030 forecast is 160: a target of 150 is certain, 170 impossible, 160 exactly met
    assert f.probability == 1.0
    assert f.probability_for(170.0, "at_least") == 0.0
    assert f.probability_for(160.0, "at_least") == 1.0
    assert f.probability_for(160.0, "at_most") == 1.0
    assert f.at(2030)["mean"] == pytest.approx(160.0)


def test_perfect_short_line_uses_the_linear_trend_only():
    f = fc.forecast(line(years=YEARS[:5]), 2026, target=200, direction="at_most")
    assert f.model == fc.LINEAR
    assert f.selected_by == "only_candidate"
    assert f.mean[-1] == pytest.approx(100.0 + 3.0 * 16)
    assert f.probability == 1.0


def test_constant_series_forecasts_the_constant():
    s = pd.Series(5.0, index=YEARS)
    f = fc.forecast(s, 2026, target=5.0, direction="at_least")
    assert f.model == fc.LINEAR
    assert f.mean == pytest.approx((5.0, 5.0, 5.0), rel=1e-12)
    assert np.max(np.subtract(f.upper95, f.lower95)) < 1e-9
    assert f.probability == 1.0
    assert f.probability_for(5.1, "at_least") == 0.0
    assert f.probability_for(4.9, "at_most") == 0.0
    assert f.slope == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_short_series_gets_no_forecast(n):
    f = fc.forecast(line(years=YEARS[:n]), 2030, target=1.0, direction="at_least")
    assert not f.assessed
    assert f.model is None and f.probability is None and f.years == ()
    assert f.n_obs == n
    assert any(f"at least {fc.MIN_OBS}" in note for note in f.notes)


def test_missing_values_are_dropped_with_a_note():
    s = line().astype("float64")
    s.loc[[2012, 2015]] = np.nan
    f = fc.forecast(s, 2025)
    assert f.n_obs == 12
    assert any("2012, 2015" in note for note in f.notes)
    # gaps inside the years: ETS (equally spaced) is not fitted
    assert fc.ETS not in f.scores
    assert f.mean[-1] == pytest.approx(100.0 + 3.0 * 15)


def test_nan_only_at_the_start_keeps_the_ets_candidate():
    s = noisy()
    s.iloc[:2] = np.nan
    f = fc.forecast(s, 2026)
    assert f.n_obs == 12
    assert fc.ETS in f.scores


def test_selection_by_rolling_origin_mae():
    f = fc.forecast(saturating(), 2030, target=120.0, direction="at_least")
    assert f.selected_by == "cv_mae"
    lin, ets = f.scores[fc.LINEAR], f.scores[fc.ETS]
    assert lin.n_cv == ets.n_cv == fc.CV_MAX_HOLDOUT
    assert ets.cv_mae < lin.cv_mae
    assert f.model == fc.ETS
    assert set(f.params) >= {"smoothing_level", "smoothing_trend", "damping_trend", "sigma"}
    assert f.df is None  # normal forecast distribution
    assert 0.0 < f.probability < 1.0


def test_aicc_decides_when_too_few_points_for_holdout():
    f = fc.forecast(noisy(n=9), 2030)
    assert f.selected_by == "aicc"
    assert set(f.scores) == {fc.LINEAR, fc.ETS}
    assert all(s.aicc is not None for s in f.scores.values())
    assert any("AICc chose" in note for note in f.notes)


def test_fewer_than_eight_points_fit_the_linear_trend_only():
    f = fc.forecast(noisy(n=7), 2030)
    assert f.model == fc.LINEAR and f.selected_by == "only_candidate"
    assert set(f.scores) == {fc.LINEAR}


def test_intervals_are_nested_and_widen():
    f = fc.forecast(noisy(), 2035)
    for i in range(len(f.years)):
        assert f.lower95[i] <= f.lower80[i] <= f.mean[i] <= f.upper80[i] <= f.upper95[i]
    widths = np.subtract(f.upper95, f.lower95)
    assert widths[-1] >= widths[0]


def test_probability_is_consistent_with_the_interval():
    f = fc.forecast(noisy(), 2030)
    # the 95 % bounds are the 2.5 % and 97.5 % quantiles of the forecast distribution
    assert f.probability_for(f.upper95[-1], "at_least") == pytest.approx(0.025, abs=1e-6)
    assert f.probability_for(f.lower80[-1], "at_most") == pytest.approx(0.10, abs=1e-6)


def test_forecast_is_deterministic():
    a = fc.forecast(noisy(3), 2030, target=70.0, direction="at_least")
    b = fc.forecast(noisy(3), 2030, target=70.0, direction="at_least")
    assert a == b


def test_deadline_not_after_latest_year_gives_no_path():
    f = fc.forecast(noisy(), 2023, target=10.0, direction="at_least")
    assert f.assessed and f.years == () and f.probability is None
    assert f.to_frame().empty
    with pytest.raises(fc.ForecastInputError):
        f.at(2023)


def test_to_frame_layout():
    frame = fc.forecast(noisy(), 2027).to_frame()
    assert list(frame.columns) == ["year", "mean", "lower80", "upper80", "lower95", "upper95"]
    assert frame["year"].tolist() == [2024, 2025, 2026, 2027]


def test_no_convergence_warning_escapes():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fc.forecast(noisy(1), 2030)
        fc.forecast(saturating(), 2030)
    assert not [w for w in caught if issubclass(w.category, ConvergenceWarning)]


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([1.0, 2.0], index=["a", "b"]),
        pd.Series([1.0, 2.0, 3.0, 4.0], index=[2010, 2010, 2011, 2012]),
        pd.Series([1.0, np.inf, 3.0, 4.0], index=[2010, 2011, 2012, 2013]),
        pd.Series([1.0, 2.0], index=[2010.5, 2011.5]),
    ],
)
def test_bad_series_raise(series):
    with pytest.raises(fc.ForecastInputError) as info:
        fc.forecast(series, 2030)
    assert isinstance(info.value, TrsplanError)


def test_linear_trend_slope():
    t = fc.linear_trend(line(slope=-2.0))
    assert t.slope == pytest.approx(-2.0) and t.pvalue == 0.0
    assert fc.linear_trend(line(years=YEARS[:2])) is None
    flat = fc.linear_trend(pd.Series(3.0, index=YEARS))
    assert flat.slope == pytest.approx(0.0, abs=1e-12) and flat.pvalue == 1.0


# --------------------------------------------------------------------------- properties

_NOISY = fc.forecast(noisy(7), 2030)


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=-1e3, max_value=1e3, allow_nan=False),
    st.floats(min_value=0.0, max_value=1e3, allow_nan=False),
)
def test_probability_is_monotone_in_the_target(t, step):
    lo, hi = t, t + step
    assert _NOISY.probability_for(lo, "at_least") >= _NOISY.probability_for(hi, "at_least")
    assert _NOISY.probability_for(lo, "at_most") <= _NOISY.probability_for(hi, "at_most")
    p = _NOISY.probability_for(t, "at_least")
    assert 0.0 <= p <= 1.0
    assert p + _NOISY.probability_for(t, "at_most") == pytest.approx(1.0)


@settings(max_examples=10, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_probability_monotone_for_any_fitted_series(seed):
    f = fc.forecast(noisy(seed, n=10), 2028)
    targets = np.linspace(f.mean[-1] - 50, f.mean[-1] + 50, 21)
    ps = [f.probability_for(float(x), "at_least") for x in targets]
    assert all(a >= b for a, b in zip(ps, ps[1:], strict=False))
