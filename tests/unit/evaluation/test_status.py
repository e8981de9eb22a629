"""The status rules (trsplan.evaluation.status), tested at their edges."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest

from trsplan.evaluation import forecast as fc
from trsplan.evaluation import status as st
from trsplan.evaluation.status import Status


@dataclasses.dataclass(frozen=True)
class T:
    """A target as trsplan.evaluation.targets.Target has it (only the fields the rules read)."""

    value: float | None
    direction: str
    deadline: int | None = None
    basis: str = "level"
    baseline_year: int | None = None


def series(values, start=2010) -> pd.Series:
    return pd.Series([float(v) for v in values], index=range(start, start + len(values)))


RISING = series([100, 104, 107, 112, 115, 120, 123, 128, 131, 136])  # 2010–2019


# --------------------------------------------------------------------------- display


def test_every_status_has_a_symbol_and_text_labels_in_both_languages():
    expected = {
        Status.MET: ("✔", "nådd", "met"),
        Status.ON_TRACK: ("↗", "i rute", "on track"),
        Status.AT_RISK: ("⚠", "i faresonen", "at risk"),
        Status.OFF_TRACK: ("✖", "ikke i rute", "off track"),
        Status.NOT_MET: ("✗", "ikke nådd", "not met"),
        Status.NOT_ASSESSED: ("–", "ikke vurdert", "not assessed"),
        Status.CONTEXT: ("·", "kontekst (uten mål)", "context (no target)"),
    }
    for status, (symbol, nb, en) in expected.items():
        assert status.symbol == symbol
        assert status.label("nb") == nb and status.label("en") == en
        assert status.text("en") == f"{symbol} {en}"
        assert status.text("nb") == f"{symbol} {nb}"
    assert len({s.symbol for s in Status}) == len(Status) == 7
    assert st.legend("en")[0] == ("✔", "met")
    with pytest.raises(st.StatusInputError):
        Status.MET.label("de")


def test_assessment_text_never_colour_only():
    a = st.assess(None, answer="ja")
    assert a.text("nb") == "✔ nådd" and a.text("en") == "✔ met"
    assert set(st.COLOURS) == set(Status)


# --------------------------------------------------------------------------- qualitative


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        ("yes", Status.MET),
        ("ja", Status.MET),
        (" Ja ", Status.MET),
        ("partly", Status.AT_RISK),
        ("delvis", Status.AT_RISK),
        ("no", Status.OFF_TRACK),
        ("NEI", Status.OFF_TRACK),
        (None, Status.NOT_ASSESSED),
        ("", Status.NOT_ASSESSED),
        (float("nan"), Status.NOT_ASSESSED),
        (pd.NA, Status.NOT_ASSESSED),
    ],
)
def test_qualitative_answers(answer, status):
    a = st.assess(None, answer=answer)
    assert a.status is status
    assert a.rule == "qualitative"


def test_unknown_answer_raises():
    with pytest.raises(st.StatusInputError, match="kanskje"):
        st.assess(None, answer="kanskje")


# --------------------------------------------------------------------------- deadline passed


def test_deadline_equal_to_latest_year_is_judged_on_the_outcome():
    a = st.assess(T(136.0, "at_least", deadline=2019), RISING)
    assert a.status is Status.MET and a.rule == "deadline_passed"
    assert a.year == 2019 and a.value == 136.0
    b = st.assess(T(136.5, "at_least", deadline=2019), RISING)
    assert b.status is Status.NOT_MET and b.missed
    # RISING's 2019 value is 136 (see the test above)
    assert b.label("en") == "not met in 2019: 136" and b.label("nb") == "ikke nådd i 2019: 136"
    assert b.text("en") == "✗ not met in 2019: 136"


def test_deadline_passed_uses_the_deadline_year_not_the_latest():
    # 2015 value 120 misses 125 even though later values pass it
    a = st.assess(T(125.0, "at_least", deadline=2015), RISING)
    assert a.status is Status.NOT_MET and a.year == 2015 and a.value == 120.0
    assert st.assess(T(120.0, "at_most", deadline=2015), RISING).status is Status.MET


def test_deadline_passed_without_a_value_is_not_assessed():
    s = RISING.copy()
    s.loc[2015] = np.nan
    a = st.assess(T(100.0, "at_least", deadline=2015), s)
    assert a.status is Status.NOT_ASSESSED and a.rule == "deadline_passed"


def test_a_passed_deadline_is_never_off_track_and_shows_the_latest_value():
    # ratio 0.94 in 2020 against 1.00; later 0.97 in 2023; evaluated in 2026
    s = pd.Series([0.90, 0.92, 0.94, 0.95, 0.96, 0.97], index=range(2018, 2024))
    target = T(1.0, "at_least", deadline=2020)
    a = st.assess(target, s, as_of=2026)
    assert a.status is Status.NOT_MET and a.year == 2020 and a.value == pytest.approx(0.94)
    assert a.label("nb") == "ikke nådd i 2020: 0,94"
    assert a.label("en") == "not met in 2020: 0.94"
    assert "latest 0.97 in 2023" in a.reason("en") and "siste 0.97 i 2023" in a.reason("nb")
    # deadline 2025 before the evaluated year 2026, data only to 2023: awaiting the outcome,
    # never a forecast verdict
    b = st.assess(T(2.0, "at_least", deadline=2025), s, as_of=2026)
    assert b.status is Status.NOT_ASSESSED and b.rule == "deadline_passed"
    assert b.forecast is None and "2025" in b.reason("en")
    # the same target evaluated in 2024 (deadline still ahead) is forecast as before
    c = st.assess(T(2.0, "at_least", deadline=2025), s, as_of=2024)
    assert c.rule == "forecast" and c.status is Status.OFF_TRACK


def test_context_target_is_never_judged():
    # slope of 1, 2, 3, 4, 5 over 2019-2023 is 1 a year
    s = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], index=range(2019, 2024))
    a = st.assess(T(None, "context"), s)
    assert a.status is Status.CONTEXT and a.slope == pytest.approx(1.0)
    assert "no target" in a.reason("en") and a.value == 5.0
    assert st.assess(T(None, "context"), None).status is Status.CONTEXT


def test_tolerance_on_equality():
    s = series([0.1 + 0.2] * 4)  # 0.30000000000000004
    assert st.assess(T(0.3, "at_most", deadline=2013), s).status is Status.MET


# --------------------------------------------------------------------------- future deadline


def _fc_with(p: float) -> fc.Forecast:
    base = fc.forecast(RISING, 2025, target=1000.0, direction="at_least")
    return dataclasses.replace(base, probability=p)


@pytest.mark.parametrize(
    ("p", "status"),
    [
        (1.0, Status.ON_TRACK),
        (0.6, Status.ON_TRACK),
        (math.nextafter(0.6, 0), Status.AT_RISK),
        (0.45, Status.AT_RISK),
        (0.3, Status.AT_RISK),
        (math.nextafter(0.3, 0), Status.OFF_TRACK),
        (0.0, Status.OFF_TRACK),
    ],
)
def test_probability_thresholds(p, status):
    a = st.assess(T(1000.0, "at_least", deadline=2025), RISING, forecast=_fc_with(p))
    assert a.status is status
    assert a.rule == "forecast" and a.probability == p


def test_thresholds_are_the_documented_constants():
    assert st.P_ON_TRACK == 0.6 and st.P_AT_RISK == 0.3


def test_forecast_made_when_not_given():
    # rising ~4 a year from 136 in 2019: 2025 ≈ 160
    on = st.assess(T(150.0, "at_least", deadline=2025), RISING)
    assert on.status is Status.ON_TRACK and on.probability > 0.9
    assert on.forecast is not None and on.forecast.deadline == 2025
    off = st.assess(T(200.0, "at_least", deadline=2025), RISING)
    assert off.status is Status.OFF_TRACK and off.probability < 0.01


def test_already_met_when_the_direction_keeps_it():
    a = st.assess(T(130.0, "at_least", deadline=2025), RISING)
    assert a.status is Status.MET and a.rule == "already_met"
    falling = series(list(reversed(RISING.tolist())))  # 136 → 100, latest 100
    b = st.assess(T(105.0, "at_most", deadline=2025), falling)
    assert b.status is Status.MET and b.rule == "already_met"


def test_target_passed_on_a_falling_series_goes_to_the_forecast():
    falling = series([200, 190, 180, 170, 160, 150])  # 2010–2015
    a = st.assess(T(140.0, "at_least", deadline=2025), falling)
    assert a.rule == "forecast" and a.status is Status.OFF_TRACK


def test_short_series_with_future_deadline_is_not_assessed():
    a = st.assess(T(100.0, "at_least", deadline=2030), series([1, 2, 3]))
    assert a.status is Status.NOT_ASSESSED and a.rule == "too_short"
    assert a.text("en") == "– not assessed"


@pytest.mark.parametrize("s", [None, pd.Series(dtype="float64"), series([np.nan] * 5)])
def test_no_data_is_not_assessed(s):
    for target in (T(1.0, "at_least", 2030), T(None, "increase"), T(1.0, "at_least")):
        a = st.assess(target, s)
        assert a.status is Status.NOT_ASSESSED and a.rule == "no_data"


def test_as_of_cuts_later_years():
    a = st.assess(T(125.0, "at_least", deadline=2018), RISING, as_of=2016)
    assert a.rule in {"forecast", "already_met"} and a.year == 2016
    b = st.assess(T(125.0, "at_least", deadline=2018), RISING)
    assert b.rule == "deadline_passed" and b.status is Status.MET


def test_ratio_to_baseline():
    s = series([50, 60, 70, 80, 90, 100], start=2014)  # 2019: ratio 2.0
    target = T(2.0, "at_least", deadline=2019, basis="ratio_to_baseline", baseline_year=2014)
    a = st.assess(target, s)
    assert a.status is Status.MET and a.value == pytest.approx(2.0)
    later = T(2.0, "at_least", deadline=2025, basis="ratio_to_baseline", baseline_year=2014)
    assert st.assess(later, s.loc[:2017]).rule == "forecast"
    no_base = T(2.0, "at_least", deadline=2025, basis="ratio_to_baseline", baseline_year=2010)
    assert st.assess(no_base, s).status is Status.NOT_ASSESSED


# --------------------------------------------------------------------------- annual, cumulative


def test_annual_target_on_the_latest_year():
    target = T(4000.0, "at_least")
    assert st.assess(target, series([5000, 3000, 4000])).status is Status.MET  # edge: = 4000
    a = st.assess(target, series([5000, 5000, 3999]))
    assert a.status is Status.OFF_TRACK and a.rule == "annual" and a.year == 2012
    # a missing latest year: the latest year with a value counts
    assert st.assess(target, series([3000, 4500, np.nan])).status is Status.MET


def test_cumulative_since_baseline():
    target = T(4000.0, "at_least", basis="cumulative_since_baseline", baseline_year=2010)
    s = series([4000, 5000, 3000, 4000])  # 2010–2013 sum 16,000 = 4 × 4,000
    a = st.assess(target, s)
    assert a.status is Status.MET and a.value == 16000 and a.target_value == 16000
    assert st.assess(target, series([4000, 5000, 3000, 3999])).status is Status.OFF_TRACK
    gap = series([4000, 5000, np.nan, 4000])
    b = st.assess(target, gap)
    assert b.status is Status.NOT_ASSESSED and "2012" in b.reason_en
    assert st.assess(target, series([4000])).status is Status.MET  # 2010 alone: 4,000 ≥ 4,000
    early = series([4000, 4000], start=2008)  # nothing from the baseline on
    assert st.assess(target, early).status is Status.NOT_ASSESSED


def test_population_change_targets_from_the_targets_file():
    from trsplan.evaluation.targets import load_targets

    targets = load_targets().targets_for("population_change")
    annual = next(t for t in targets if t.basis == "level")
    cumulative = next(t for t in targets if t.basis == "cumulative_since_baseline")
    s = series([4100, 4200, 3900, 4300, 3000], start=2010)
    assert st.assess(annual, s).status is Status.OFF_TRACK  # 2014: 3,000
    assert st.assess(cumulative, s).status is Status.OFF_TRACK  # 19,500 < 5 × 4,000
    assert st.assess(cumulative, s, as_of=2013).status is Status.MET  # 16,500 ≥ 16,000


# --------------------------------------------------------------------------- trend, rank


def test_trend_goals_follow_the_sign_of_the_latest_slope():
    assert st.assess(T(None, "increase"), RISING).status is Status.ON_TRACK
    assert st.assess(T(None, "decrease"), RISING).status is Status.OFF_TRACK
    flat = series([5] * 8)
    a = st.assess(T(None, "increase"), flat)
    assert a.status is Status.OFF_TRACK and a.slope == 0.0
    assert st.assess(T(None, "decrease"), flat).status is Status.OFF_TRACK


def test_trend_uses_the_latest_window():
    # falls until 2014, then rises for five years: the latest slope is positive
    s = series([100, 90, 80, 70, 60, 65, 70, 75, 80, 85])
    a = st.assess(T(None, "increase", baseline_year=2010), s)
    assert a.status is Status.ON_TRACK and a.slope == pytest.approx(5.0)


def test_trend_with_too_few_points_in_the_window():
    s = series([1, 2, 3, 4, 5, 6])  # 2010–2015
    a = st.assess(T(None, "increase", baseline_year=2013), s)  # 2013–2015: 3 points
    assert a.status is Status.NOT_ASSESSED and a.rule == "too_short"


def test_rank_best():
    assert st.assess(T(None, "rank_best"), series([3, 2, 1])).status is Status.MET
    assert st.assess(T(None, "rank_best"), series([1, 1, 2])).status is Status.OFF_TRACK


def test_bad_targets_raise():
    with pytest.raises(st.StatusInputError):
        st.assess(T(1.0, "lower"), RISING)
    with pytest.raises(st.StatusInputError):
        st.assess(T(None, "at_least"), RISING)
    with pytest.raises(st.StatusInputError):
        st.assess(T(1.0, "at_least", basis="cumulative_since_baseline"), RISING)
