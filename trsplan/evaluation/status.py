"""Status of a goal: met / on track / at risk / off track / not assessed — every rule is here.

:func:`assess` is the only function that decides a status. Reports, notebooks and the register
(:mod:`trsplan.evaluation.register`) call it; nothing else compares values with targets.

Status rules
------------
"Latest year" is the latest year with a value (after ``as_of`` cuts the series); ``P`` is the
probability that the target is met at the deadline from :func:`.forecast.forecast`.
"Satisfies" means ``value ≥ target`` (``at_least``) or ``value ≤ target`` (``at_most``), with a
relative tolerance of 1e-9 so that rounding noise does not decide.

=====================  =============================================  ===========================
Goal / target          Condition                                      Status (rule id)
=====================  =============================================  ===========================
qualitative            register answer yes (ja)                       ✔ met (qualitative)
(``target`` None)      partly (delvis)                                ⚠ at risk
                       no (nei)                                       ✖ off track
                       missing / not registered                       – not assessed
any quantitative       no value (after dropping missing values)       – not assessed (no_data)
at_least / at_most,    value in the deadline year satisfies           ✔ met (deadline_passed)
deadline ≤ latest      … does not satisfy                             ✖ not met (deadline_passed)
year, or deadline      no value for the deadline year (not yet        – not assessed
before the evaluated   published) — never a forecast, never "off       (deadline_passed)
year (``as_of``)       track"
at_least / at_most,    fewer than 4 points (forecast.MIN_OBS)         – not assessed (too_short)
deadline > latest      latest value satisfies and the linear slope    ✔ met (already_met)
year and ≥ as_of       keeps it (≥ 0 for at_least, ≤ 0 for at_most)
                       P ≥ 0.6 (P_ON_TRACK)                           ↗ on track (forecast)
                       0.3 ≤ P < 0.6 (P_AT_RISK)                      ⚠ at risk (forecast)
                       P < 0.3                                        ✖ off track (forecast)
annual (no deadline,   latest year satisfies                          ✔ met (annual)
basis level)           latest year does not satisfy                   ✖ off track (annual)
cumulative since       sum of baseline_year through the latest year   ✔ met (cumulative)
baseline_year          the latest year ≥ value × years                ✖ off track otherwise
                       a year in that range missing                   – not assessed
increase / decrease    OLS slope over the latest TREND_WINDOW (5)     ↗ on track (trend)
(trend goals)          years (not before baseline_year) has the
                       right sign (> 0 increase, < 0 decrease)
                       zero (or rounding noise) or wrong sign         ✖ off track (trend)
                       fewer than 4 points in the window              – not assessed (too_short)
rank_best              latest rank (1 = best; pass ranks) is 1        ✔ met (rank)
                       any other rank                                 ✖ off track (rank)
context (no target     the indicator is shown with its trend only     · context (context)
in the plan)
=====================  =============================================  ===========================

Passed deadlines: a target whose deadline lies before the evaluated year is judged once and for
all on its outcome in the deadline year ("ikke nådd i 2020: 0,94" / "not met in 2020: 0.94");
its status is ``not_met`` (or ``met``), never "off track", and reports show the latest value
beside it. :func:`context` gives the status of an indicator the plan sets no target for.

``basis: ratio_to_baseline`` divides the series by its value in ``baseline_year`` first (missing
or zero baseline value → not assessed) and then follows the rows for its direction and deadline.
A cumulative target is judged on the latest year without a forecast, deadline or not. An annual
goal such as 5.1 (≥ 4,000 a year) has both an annual and a cumulative target in
``data/targets.yaml``; each gets its own status, and reports show the two side by side.

Thresholds and reasoning
------------------------
- :data:`P_ON_TRACK` = 0.6: "on track" should mean the forecast gives the target clearly better
  odds than a coin toss (3 : 2), not merely more likely than not — short annual series make the
  probability itself uncertain by several percentage points.
- :data:`P_AT_RISK` = 0.3: below it a miss is more than twice as likely as a hit (7 : 3); between
  the two thresholds the outcome is genuinely open and the goal is "at risk". The boundaries
  belong to the better status (P = 0.6 → on track, P = 0.3 → at risk).
- :data:`TREND_WINDOW` = 5: a trend goal asks for the direction *now*, so the slope is fitted on
  the latest five years (two evaluation rounds and a bit), not on all years since 2010.
- The "already met" rule needs the slope's sign as well as the latest value so that a target
  passed on a falling series is not reported as done; it then goes to the forecast rules.

Display
-------
Each status has a symbol and a text label in Norwegian (``nb``) and English (``en``); a report
always shows both (``Assessment.text(lang)``, e.g. "✔ met"), never a colour alone.
:data:`COLOURS` are optional accents for the same statuses.

**Size.** Over 500 lines on purpose: the rule table above is the specification of
:func:`assess`, and the module's promise is that every status rule is here and nowhere else.
Splitting the rules (or the rule table from the code that applies it) over modules would break
the "one place decides a status" contract the reports and the register rely on; about a
sixth of the lines are this docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

import pandas as pd

from trsplan.errors import (
    StatusInputError,  # noqa: F401 (re-exported)
)
from trsplan.evaluation import forecast as fc

__all__ = [
    "ANSWERS",
    "COLOURS",
    "P_AT_RISK",
    "P_ON_TRACK",
    "TREND_WINDOW",
    "Assessment",
    "Status",
    "StatusInputError",
    "TargetLike",
    "assess",
    "context",
    "legend",
    "normalise_answer",
]

#: P(met) at or above this → on track.
P_ON_TRACK = 0.6
#: P(met) at or above this (and below P_ON_TRACK) → at risk; below → off track.
P_AT_RISK = 0.3
#: Trend goals: the slope is fitted on the latest this many years.
TREND_WINDOW = 5

#: Register answers (Norwegian and English) → canonical answer.
ANSWERS: dict[str, str] = {
    "yes": "yes",
    "ja": "yes",
    "partly": "partly",
    "delvis": "partly",
    "no": "no",
    "nei": "no",
}

LANGS = ("nb", "en")


class Status(StrEnum):
    """The statuses. ``str(Status.MET) == "met"``. ``NOT_MET`` is only for a passed deadline;
    ``CONTEXT`` only for an indicator without a target in the plan (shown, never judged)."""

    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NOT_MET = "not_met"
    NOT_ASSESSED = "not_assessed"
    CONTEXT = "context"

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]

    def label(self, lang: str = "nb") -> str:
        return _LABELS[_lang(lang)][self]

    def text(self, lang: str = "nb") -> str:
        """Symbol and label, e.g. "↗ i rute"."""
        return f"{self.symbol} {self.label(lang)}"


_SYMBOLS = {
    Status.MET: "✔",
    Status.ON_TRACK: "↗",
    Status.AT_RISK: "⚠",
    Status.OFF_TRACK: "✖",
    Status.NOT_MET: "✗",
    Status.NOT_ASSESSED: "–",
    Status.CONTEXT: "·",
}
_LABELS = {
    "nb": {
        Status.MET: "nådd",
        Status.ON_TRACK: "i rute",
        Status.AT_RISK: "i faresonen",
        Status.OFF_TRACK: "ikke i rute",
        Status.NOT_MET: "ikke nådd",
        Status.NOT_ASSESSED: "ikke vurdert",
        Status.CONTEXT: "kontekst (uten mål)",
    },
    "en": {
        Status.MET: "met",
        Status.ON_TRACK: "on track",
        Status.AT_RISK: "at risk",
        Status.OFF_TRACK: "off track",
        Status.NOT_MET: "not met",
        Status.NOT_ASSESSED: "not assessed",
        Status.CONTEXT: "context (no target)",
    },
}
#: Label of a target whose deadline has passed: "ikke nådd i 2020: 0,94".
OUTCOME_LABEL = {
    "nb": {True: "nådd i {year}: {value}", False: "ikke nådd i {year}: {value}"},
    "en": {True: "met in {year}: {value}", False: "not met in {year}: {value}"},
}
#: Optional accent colours (colour-blind-safe Okabe–Ito); always with symbol and label.
COLOURS = {
    Status.MET: "#009E73",
    Status.ON_TRACK: "#56B4E9",
    Status.AT_RISK: "#E69F00",
    Status.OFF_TRACK: "#D55E00",
    Status.NOT_MET: "#D55E00",
    Status.NOT_ASSESSED: "#999999",
    Status.CONTEXT: "#999999",
}


def _lang(lang: str) -> str:
    if lang not in LANGS:
        raise StatusInputError(f"unknown language {lang!r}; use one of {', '.join(LANGS)}")
    return lang


def legend(lang: str = "nb") -> list[tuple[str, str]]:
    """(symbol, label) for every status in order, for report legends."""
    return [(s.symbol, s.label(lang)) for s in Status]


class TargetLike(Protocol):
    """What :func:`assess` reads from a target (``trsplan.evaluation.targets.Target`` fits)."""

    value: float | None
    deadline: int | None
    direction: str
    basis: str
    baseline_year: int | None


@dataclass(frozen=True, slots=True)
class Assessment:
    """The status of one target (or qualitative goal) with the evidence that decided it."""

    status: Status
    rule: str
    reason_en: str
    reason_nb: str
    year: int | None = None
    value: float | None = None
    target_value: float | None = None
    probability: float | None = None
    slope: float | None = None
    forecast: fc.Forecast | None = None

    @property
    def missed(self) -> bool:
        """True when the deadline has passed and the target was not met."""
        return self.rule == "deadline_passed" and self.status is Status.NOT_MET

    @property
    def symbol(self) -> str:
        return self.status.symbol

    def label(self, lang: str = "nb") -> str:
        """The status word; for a passed deadline with an outcome "ikke nådd i 2020: 0,94"."""
        judged = self.status in (Status.MET, Status.NOT_MET)
        if self.rule == "deadline_passed" and judged and self.year is not None:
            text = OUTCOME_LABEL[_lang(lang)][self.status is Status.MET]
            return text.format(year=self.year, value=_fmt_lang(self.value, lang))
        return self.status.label(lang)

    def text(self, lang: str = "nb") -> str:
        """Symbol and label, never colour alone, e.g. "✖ missed"."""
        return f"{self.symbol} {self.label(lang)}"

    def reason(self, lang: str = "nb") -> str:
        return self.reason_nb if _lang(lang) == "nb" else self.reason_en


def normalise_answer(answer: Any) -> str | None:
    """yes/partly/no from a register answer (ja/delvis/nei accepted, any case); None if empty."""
    if answer is None or answer is pd.NA:
        return None
    if isinstance(answer, float) and math.isnan(answer):
        return None
    text = str(answer).strip().lower()
    if not text:
        return None
    if text not in ANSWERS:
        raise StatusInputError(
            f"unknown register answer {answer!r}; allowed: ja/delvis/nei or yes/partly/no"
        )
    return ANSWERS[text]


def _fmt(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _fmt_lang(x: float | None, lang: str) -> str:
    """Like :func:`_fmt`, with a decimal comma and two decimals below 100 in Norwegian."""
    if x is None:
        return "–"
    text = f"{x:,.0f}" if abs(x) >= 100 else f"{x:.2f}"
    if lang == "nb":
        text = text.replace(",", "\u00a0").replace(".", ",")
    return text


def context(series: pd.Series | None = None, *, as_of: int | None = None) -> Assessment:
    """Status of an indicator the plan sets no target for: shown as context with its trend.

    The slope over the latest :data:`TREND_WINDOW` years is reported in the reason (when there
    are :data:`trsplan.evaluation.forecast.MIN_OBS` points), but nothing is judged met or missed.
    """
    y = pd.Series(dtype="float64") if series is None else fc.clean_series(series)[0]
    if as_of is not None:
        y = y[y.index <= int(as_of)]
    if y.empty:
        return _a(Status.CONTEXT, "context", "no data; no target", "ingen data; uten mål")
    latest_year, latest = int(y.index[-1]), float(y.iloc[-1])
    window = y[y.index >= latest_year - TREND_WINDOW + 1]
    trend = fc.linear_trend(window) if len(window) >= fc.MIN_OBS else None
    en = f"{_fmt(latest)} in {latest_year}; no target in the plan"
    nb = f"{_fmt(latest)} i {latest_year}; planen setter ikke mål"
    if trend is not None:
        span = f"{int(window.index[0])}–{latest_year}"
        en += f"; trend {span}: {_fmt(trend.slope)} a year"
        nb += f"; trend {span}: {_fmt(trend.slope)} per år"
    slope = None if trend is None else trend.slope
    return _a(Status.CONTEXT, "context", en, nb, year=latest_year, value=latest, slope=slope)


def _a(status: Status, rule: str, en: str, nb: str, **kw: Any) -> Assessment:
    return Assessment(status=status, rule=rule, reason_en=en, reason_nb=nb, **kw)


def _not_assessed(rule: str, en: str, nb: str, **kw: Any) -> Assessment:
    return _a(Status.NOT_ASSESSED, rule, en, nb, **kw)


def assess(
    target: TargetLike | None,
    series: pd.Series | None = None,
    *,
    answer: Any = None,
    as_of: int | None = None,
    forecast: fc.Forecast | None = None,
) -> Assessment:
    """Status of one target by the rules in the module docstring.

    ``target`` None → a qualitative goal judged on the register ``answer``. Otherwise ``series``
    holds the indicator's values by int year (NaN allowed; for ``rank_best``, the ranks).
    ``as_of`` drops later years. ``forecast`` may pass a forecast made earlier (its
    ``probability`` is used as is); otherwise one is made when the rules need it.
    """
    # -- qualitative -----------------------------------------------------------------------
    if target is None:
        ans = normalise_answer(answer)
        if ans is None:
            return _not_assessed("qualitative", "nothing registered", "ikke registrert")
        status = {"yes": Status.MET, "partly": Status.AT_RISK, "no": Status.OFF_TRACK}[ans]
        nb = {"yes": "ja", "partly": "delvis", "no": "nei"}[ans]
        return _a(status, "qualitative", f"registered: {ans}", f"registrert: {nb}")

    direction = target.direction
    if direction == "context":
        return context(series, as_of=as_of)
    if direction not in ("at_least", "at_most", "increase", "decrease", "rank_best"):
        raise StatusInputError(f"unknown direction {direction!r}")
    basis = getattr(target, "basis", "level") or "level"
    baseline = getattr(target, "baseline_year", None)

    y = pd.Series(dtype="float64") if series is None else fc.clean_series(series)[0]
    if as_of is not None:
        y = y[y.index <= int(as_of)]
    if y.empty:
        return _not_assessed("no_data", "no data", "ingen data")
    latest_year = int(y.index[-1])
    latest = float(y.iloc[-1])

    # -- ranking -----------------------------------------------------------------------------
    if direction == "rank_best":
        kw = {"year": latest_year, "value": latest, "target_value": 1.0}
        if latest <= 1.0:
            return _a(
                Status.MET,
                "rank",
                f"ranked first in {latest_year}",
                f"rangert først i {latest_year}",
                **kw,
            )
        return _a(
            Status.OFF_TRACK,
            "rank",
            f"ranked {latest:.0f} in {latest_year}",
            f"rangert som nr. {latest:.0f} i {latest_year}",
            **kw,
        )

    # -- trend goals -------------------------------------------------------------------------
    if direction in ("increase", "decrease"):
        start = latest_year - TREND_WINDOW + 1
        if baseline is not None:
            start = max(start, int(baseline))
        window = y[y.index >= start]
        if len(window) < fc.MIN_OBS:
            return _not_assessed(
                "too_short",
                f"{len(window)} year(s) in {start}–{latest_year}; a trend needs {fc.MIN_OBS}",
                f"{len(window)} år i {start}–{latest_year}; en trend krever {fc.MIN_OBS}",
                year=latest_year,
                value=latest,
            )
        trend = fc.linear_trend(window)
        assert trend is not None  # len(window) >= MIN_OBS >= 3
        right = trend.slope > 0 if direction == "increase" else trend.slope < 0
        span = f"{int(window.index[0])}–{latest_year}"
        word_en = "rising" if trend.slope > 0 else "falling" if trend.slope < 0 else "flat"
        word_nb = "stigende" if trend.slope > 0 else "fallende" if trend.slope < 0 else "flat"
        return _a(
            Status.ON_TRACK if right else Status.OFF_TRACK,
            "trend",
            f"{word_en} {span} ({_fmt(trend.slope)} a year; goal: {direction})",
            f"{word_nb} {span} ({_fmt(trend.slope)} per år; mål: "
            f"{'økning' if direction == 'increase' else 'nedgang'})",
            year=latest_year,
            value=latest,
            slope=trend.slope,
        )

    # -- numeric targets ---------------------------------------------------------------------
    if target.value is None:
        raise StatusInputError(f"a {direction} target needs a value")
    goal = float(target.value)

    if basis == "cumulative_since_baseline":
        if baseline is None:
            raise StatusInputError("a cumulative_since_baseline target needs baseline_year")
        # flows from the baseline year on: growth from the population on 1 January of that year
        years = range(int(baseline), latest_year + 1)
        if not years:
            return _not_assessed(
                "cumulative",
                f"no year from the baseline {baseline} on",
                f"ingen år fra basisåret {baseline}",
            )
        missing = [yr for yr in years if yr not in y.index]
        if missing:
            return _not_assessed(
                "cumulative",
                f"values missing for {', '.join(map(str, missing))}",
                f"verdier mangler for {', '.join(map(str, missing))}",
            )
        total = float(y.loc[list(years)].sum())
        need = goal * len(years)
        ok = fc.satisfies(total, need, direction)
        span = f"{years[0]}–{latest_year}"
        return _a(
            Status.MET if ok else Status.OFF_TRACK,
            "cumulative",
            f"{_fmt(total)} in {span} against {_fmt(need)}",
            f"{_fmt(total)} i {span} mot {_fmt(need)}",
            year=latest_year,
            value=total,
            target_value=need,
        )

    if basis == "ratio_to_baseline":
        if baseline is None:
            raise StatusInputError("a ratio_to_baseline target needs baseline_year")
        base = y.get(int(baseline))
        if base is None or base == 0:
            return _not_assessed(
                "no_data",
                f"no (non-zero) value for the baseline year {baseline}",
                f"ingen verdi (ulik null) for basisåret {baseline}",
            )
        y = y / float(base)
        latest = float(y.iloc[-1])
    elif basis != "level":
        raise StatusInputError(f"unknown basis {basis!r}")

    deadline = target.deadline
    if deadline is None:  # annual target
        ok = fc.satisfies(latest, goal, direction)
        return _a(
            Status.MET if ok else Status.OFF_TRACK,
            "annual",
            f"{_fmt(latest)} in {latest_year} against {_fmt(goal)}",
            f"{_fmt(latest)} i {latest_year} mot {_fmt(goal)}",
            year=latest_year,
            value=latest,
            target_value=goal,
        )

    deadline = int(deadline)
    evaluated = latest_year if as_of is None else max(int(as_of), latest_year)
    if deadline <= latest_year or deadline < evaluated:
        return _deadline_passed(y, goal, direction, deadline, latest_year, latest)

    # deadline in the future
    if forecast is None:
        forecast = fc.forecast(y, deadline, target=goal, direction=direction)
    kw = {"year": latest_year, "value": latest, "target_value": goal, "forecast": forecast}
    if not forecast.assessed:
        return _not_assessed(
            "too_short",
            f"{forecast.n_obs} year(s) of data; a forecast needs {fc.MIN_OBS}",
            f"{forecast.n_obs} år med data; en prognose krever {fc.MIN_OBS}",
            **kw,
        )
    slope = forecast.slope
    keeps = slope is not None and (slope >= 0 if direction == "at_least" else slope <= 0)
    if fc.satisfies(latest, goal, direction) and keeps:
        return _a(
            Status.MET,
            "already_met",
            f"already {_fmt(latest)} in {latest_year} against {_fmt(goal)} by {deadline}",
            f"allerede {_fmt(latest)} i {latest_year} mot {_fmt(goal)} innen {deadline}",
            probability=forecast.probability,
            slope=slope,
            **kw,
        )
    p = forecast.probability
    if p is None:
        return _not_assessed("forecast", "no probability", "ingen sannsynlighet", **kw)
    if p >= P_ON_TRACK:
        status = Status.ON_TRACK
    elif p >= P_AT_RISK:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    return _a(
        status,
        "forecast",
        f"P(target met in {deadline}) = {p:.0%} ({forecast.model})",
        f"sannsynlighet for å nå målet i {deadline}: {p:.0%} ({forecast.model})".replace("%", " %"),
        probability=p,
        slope=slope,
        **kw,
    )


def _deadline_passed(
    y: pd.Series, goal: float, direction: str, deadline: int, latest_year: int, latest: float
) -> Assessment:
    """A passed deadline: the outcome in the deadline year decides, once; the latest beside."""
    beside_en = f"; latest {_fmt(latest)} in {latest_year}" if latest_year != deadline else ""
    beside_nb = f"; siste {_fmt(latest)} i {latest_year}" if latest_year != deadline else ""
    if deadline not in y.index:
        when_en = "not yet published" if deadline > latest_year else "missing"
        when_nb = "ikke publisert ennå" if deadline > latest_year else "mangler"
        return _not_assessed(
            "deadline_passed",
            f"the deadline was {deadline}; its value is {when_en}{beside_en}",
            f"fristen var {deadline}; verdien for {deadline} {when_nb}{beside_nb}",
            target_value=goal,
        )
    outcome = float(y.loc[deadline])
    ok = fc.satisfies(outcome, goal, direction)
    word_en = "met" if ok else "not met"
    word_nb = "nådd" if ok else "ikke nådd"
    return _a(
        Status.MET if ok else Status.NOT_MET,
        "deadline_passed",
        f"{word_en} in {deadline}: {_fmt(outcome)} against {_fmt(goal)}{beside_en}",
        f"{word_nb} i {deadline}: {_fmt(outcome)} mot {_fmt(goal)}{beside_nb}",
        year=deadline,
        value=outcome,
        target_value=goal,
    )
