"""Statuses and forecasts of the plan's targets from the indicator store, and the analyst table.

:func:`evaluate` judges every target of ``data/targets.yaml`` as of a year with
:func:`.status.assess` (the only place status rules live) and returns a status frame (one
row per target and geography) and a forecast frame (one row per forecast year). Everything is
deterministic: the forecasts are analytic and run single-threaded.

Which series
- A target's indicator id is translated to the store's id by the indicator catalogue
  (:func:`trsplan.indicators.compute.store_indicator`; e.g. ``business_development_index`` →
  ``business_index``; 3.2's targets are on the percentile of the mean days,
  ``building_case_percentile``; ``location_quotient`` → every ``location_quotient:<industry>``,
  one status per industry). The series is the store's values up to ``year``.
- ``rank_best`` targets ("best among the city regions") are judged on the rank (1 = best) among
  :data:`CITY_REGIONS` each year — the six comparators built by the 10 % commuting rule from
  03321, one rule for all: higher values are better unless the indicator's unit is a rank or
  days. The membership and fixed-territory regions are never ranked with them; their rows carry
  the rank of the commuting-rule region that stands for them (:data:`RANKED_AS`), and the reason
  names it. Norway is not a city region and gets no status for these targets.
- ``basis``: ``ratio_to_baseline`` and ``cumulative_since_baseline`` are applied by
  :func:`.status.assess`; the status frame's ``latest_value`` / ``previous_value`` are on
  the same scale (the ratio, the cumulative sum since the baseline year).

Which geographies (the goal "applies")
- Every target: every region and Norway that has the series (Norway is left out for the
  location quotient, whose reference it is: its LQ is 1 by definition, and for ``rank_best``).
  A target whose indicator is not in the store at all (e.g. ``private_job_growth``,
  ``enterprise_survival_rate``, ``kommune_nm_rank``) is "not assessed" (no data) for every
  region and Norway, so the gap shows.
- Municipalities as well for the targets in :data:`MUNICIPAL_TARGETS`, whose wording is about each
  municipality or whose trend means something locally: 3.2's top-quartile case times, 3.4's
  start-ups per 1,000 and 5.3's immigrant share. Regional level targets (H's 1.00, goal 4's
  1,000 companies, 5.1's 4,000 a year), the rankings among city regions and the location
  quotients are not judged for single municipalities.
- Forecasts are made only where the status rules need them: targets with a deadline after the
  latest observed year (H 2020, goal 4 2025), for regions and Norway.

Qualitative goals (and the register goals 2.1, 2.2, 2.3, 2.6, see :mod:`.register`): one
status per member municipality of Trondheimsregionen in ``year`` from the register
(:func:`.register.qualitative_status`; nothing registered → not assessed), and one for
``trondheimsregionen``: not assessed unless every member has a status, otherwise the worst
member status (off track < at risk < on track < met), since these goals ask something of every
municipality. A qualitative goal the register does not ask about (2.4) is not assessed.

:func:`trsplan.evaluation.table.indicator_table` joins the store with the statuses for
``trsplan indicators``.

**Size.** Slightly over 500 lines: the quantitative and qualitative halves of ``evaluate`` share
the row builder and the status/forecast frame conformers; the analyst table is in
``trsplan.evaluation.table``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from trsplan import geography
from trsplan.evaluation import status as st
from trsplan.evaluation.register import REGION, REGISTER_GOAL_IDS, load_register, qualitative_status
from trsplan.evaluation.targets import Target, Targets, load_targets
from trsplan.indicators.compute import (
    COMMUTING_IDS,
    COMMUTING_REGIONS,
    NORWAY,
    region_label,
    store_indicator,
)

try:  # forecasts are tiny problems: BLAS threads only slow them down
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - depends on the environment
    threadpool_limits = None

__all__ = [
    "CITY_REGIONS",
    "FORECAST_COLUMNS",
    "MUNICIPAL_TARGETS",
    "STATUS_COLUMNS",
    "evaluate",
]

#: The city regions the plan compares with ("best among city regions"): the six comparators
#: built each year by the 10 % commuting rule (regions.yaml ``commuting_regions``), one rule
#: for all, so that the ranking is like for like.
CITY_REGIONS: tuple[str, ...] = COMMUTING_IDS
#: Membership and fixed-territory regions are never ranked with them; their reports show the
#: rank of the commuting-rule region that stands for them, labelled as such.
RANKED_AS: dict[str, str] = {
    other: r.id for r in COMMUTING_REGIONS for other in r.stands_for if other != r.id
}
#: (goal id, targets.yaml indicator id) also judged for every municipality.
MUNICIPAL_TARGETS: frozenset[tuple[str, str]] = frozenset(
    {
        ("3.2", "building_case_days_12w"),
        ("3.2", "building_case_days_3w"),
        ("3.2", "zoning_case_days"),
        ("3.4", "new_enterprises_per_1000"),
        ("5.3", "immigrant_share"),
    }
)
#: Store ids (or prefixes ending in ":") measured relative to Norway: Norway is not judged.
REFERENCE_INDICATORS: tuple[str, ...] = ("location_quotient:",)
#: Units where a lower value ranks better.
LOWER_IS_BETTER_UNITS = frozenset({"rank", "days"})
#: Qualitative statuses from worst to best (the region takes its worst member's).
_WORST_FIRST = (st.Status.OFF_TRACK, st.Status.AT_RISK, st.Status.ON_TRACK, st.Status.MET)
_LEVEL_ORDER = {"region": 0, "country": 1, "municipality": 2}

STATUS_COLUMNS: list[str] = [
    "goal_id",
    "target_index",
    "indicator_id",
    "geo_code",
    "geo_level",
    "year",
    "baseline_year",
    "baseline_value",
    "latest_year",
    "latest_value",
    "previous_value",
    "change_since_previous",
    "target_value",
    "unit",
    "deadline",
    "direction",
    "basis",
    "status",
    "status_symbol",
    "status_nb",
    "status_en",
    "probability",
    "forecast_model",
    "forecast_value",
    "lower80",
    "upper80",
    "lower95",
    "upper95",
    "reason_nb",
    "reason_en",
]
FORECAST_COLUMNS: list[str] = [
    "goal_id",
    "target_index",
    "geo_code",
    "year",
    "mean",
    "lower80",
    "upper80",
    "lower95",
    "upper95",
    "model",
]
#: Columns of ``trsplan indicators``.
_INT_COLUMNS = ("target_index", "year", "baseline_year", "latest_year", "deadline")
_FLOAT_COLUMNS = (
    "baseline_value",
    "latest_value",
    "previous_value",
    "change_since_previous",
    "target_value",
    "probability",
    "forecast_value",
    "lower80",
    "upper80",
    "lower95",
    "upper95",
)


# --- Evaluation ---------------------------------------------------------------------------------


def evaluate(
    store: pd.DataFrame,
    year: int,
    targets: Targets | None = None,
    register: pd.DataFrame | None = None,
    *,
    geo_codes: Iterable[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(status_frame, forecast_frame) of every target as of ``year`` (see the module docstring).

    ``store``: the indicator store (:func:`trsplan.indicators.compute.compute_store`);
    ``targets``: default ``data/targets.yaml``; ``register``: the qualitative register rows
    (default: the stored register of ``year``, :func:`trsplan.evaluation.register.load_register`);
    ``geo_codes``: judge only these geographies (default: all).
    """
    year = int(year)
    targets = targets or load_targets()
    wanted = None if geo_codes is None else set(geo_codes)
    data = store.loc[
        (store["year"] <= year) & store["value"].notna(),
        ["indicator_id", "geo_code", "geo_level", "year", "value", "unit"],
    ]
    levels = dict(zip(store["geo_code"], store["geo_level"], strict=False))
    estimates = _estimates(store, year)
    regional = sorted(
        (c for c, lv in levels.items() if lv != "municipality"), key=lambda c: _geo_key(c, levels)
    )
    ids = set(data["indicator_id"].unique())
    rows: list[dict[str, Any]] = []
    forecasts: list[pd.DataFrame] = []

    def run() -> None:
        for goal in targets.goals():
            if goal.id in REGISTER_GOAL_IDS or goal.kind != "quantitative":
                continue
            for index, target in enumerate(goal.targets):
                store_ids = _store_ids(target.indicator, ids)
                if not store_ids:
                    for geo in regional:
                        if _skip(target, target.indicator, geo) or not _keep(geo, wanted):
                            continue
                        rows.append(
                            _row(goal.id, index, target, target.indicator, geo, levels, year)
                        )
                    continue
                for sid in store_ids:
                    series = _series(data, sid, wanted)
                    if target.direction == "rank_best":
                        unit = data.loc[data["indicator_id"] == sid, "unit"].iloc[0]
                        series = _ranks(series, lower_is_better=unit in LOWER_IS_BETTER_UNITS)
                    municipal = (goal.id, target.indicator) in MUNICIPAL_TARGETS
                    for geo in sorted(series, key=lambda c: _geo_key(c, levels)):
                        if levels.get(geo) == "municipality" and not municipal:
                            continue
                        if _skip(target, sid, geo) or not _keep(geo, wanted):
                            continue
                        row, fc = _assess(goal.id, index, target, sid, geo, series[geo], year)
                        _note_estimates(row, estimates.get((sid, geo), {}))
                        row["geo_level"] = levels.get(geo, "region")
                        if geo in RANKED_AS and target.direction == "rank_best":
                            _label_proxy(row, RANKED_AS[geo])
                        rows.append(row)
                        if fc is not None:
                            forecasts.append(fc)
        rows.extend(_qualitative(targets, year, register, wanted))

    if threadpool_limits is None:  # pragma: no cover
        run()
    else:
        with threadpool_limits(limits=1):
            run()
    status = _conform_status(pd.DataFrame(rows, columns=STATUS_COLUMNS))
    if forecasts:
        forecast = pd.concat(forecasts, ignore_index=True)
    else:
        forecast = pd.DataFrame(columns=FORECAST_COLUMNS)
    return status, _conform_forecast(forecast)


def _estimates(store: pd.DataFrame, year: int) -> dict[tuple[str, str], dict[int, str]]:
    """{(indicator, geo): {year: kind of estimate}} for the store rows marked as estimates."""
    if "estimate" not in store.columns:
        return {}
    rows = store[store["estimate"].notna() & (store["year"] <= year)]
    out: dict[tuple[str, str], dict[int, str]] = {}
    for r in rows[["indicator_id", "geo_code", "year", "estimate"]].itertuples(index=False):
        out.setdefault((r.indicator_id, r.geo_code), {})[int(r.year)] = str(r.estimate)
    return out


def _note_estimates(row: dict[str, Any], estimated: dict[int, str]) -> None:
    """Say in the status note when the baseline or the latest value is an estimate (e.g. a
    Brønnøysund year counted from a later extract: survivors only, closed units missing, so
    the level is too low; from an estimated baseline the growth is overstated)."""
    notes_en, notes_nb = [], []
    base, latest = row.get("baseline_year"), row.get("latest_year")
    if base is not None and not pd.isna(base) and int(base) in estimated:
        notes_en.append(
            f"the {int(base)} baseline is an {estimated[int(base)]}: counted from a later "
            "register extract, it misses units closed since, so growth from it is overstated"
        )
        notes_nb.append(
            f"basisåret {int(base)} er et anslag (bare overlevende): telt fra et senere "
            "registeruttrekk mangler enheter som er lagt ned siden, så veksten er overvurdert"
        )
    judged = {row.get("deadline"), latest} - {None}
    for at in sorted(int(y) for y in judged if not pd.isna(y) and int(y) in estimated):
        notes_en.append(
            f"the {at} value is an {estimated[at]} from a later extract "
            "(too low by the units closed since)"
        )
        notes_nb.append(
            f"verdien for {at} er et anslag (bare overlevende) fra et senere uttrekk "
            "(for lav med enhetene som er lagt ned siden)"
        )
    if notes_en:
        row["reason_en"] = f"{row.get('reason_en') or ''} Note: {'; '.join(notes_en)}.".strip()
        row["reason_nb"] = f"{row.get('reason_nb') or ''} Merk: {'; '.join(notes_nb)}.".strip()


def _keep(geo: str, wanted: set[str] | None) -> bool:
    return wanted is None or geo in wanted


def _geo_key(code: str, levels: dict[str, str]) -> tuple[int, str]:
    return (_LEVEL_ORDER.get(levels.get(code, "municipality"), 3), code)


def _store_ids(target_indicator: str, ids: set[str]) -> list[str]:
    sid = store_indicator(target_indicator)
    if sid.endswith(":"):
        return sorted(i for i in ids if i.startswith(sid))
    return [sid] if sid in ids else []


def _skip(target: Target, sid: str, geo: str) -> bool:
    """Norway is not judged on rankings among city regions or on its own reference measures;
    the commuting-rule comparators are judged on the rankings only."""
    if geo in CITY_REGIONS:
        return target.direction != "rank_best"
    if geo != NORWAY:
        return target.direction == "rank_best" and geo not in RANKED_AS
    if target.direction == "rank_best":
        return True
    return any(sid.startswith(p) if p.endswith(":") else sid == p for p in REFERENCE_INDICATORS)


def _series(data: pd.DataFrame, sid: str, wanted: set[str] | None) -> dict[str, pd.Series]:
    rows = data[data["indicator_id"] == sid]
    out = {}
    for geo, part in rows.groupby("geo_code", sort=True):
        out[str(geo)] = pd.Series(
            part["value"].to_numpy(dtype="float64"), index=part["year"].to_numpy(dtype="int64")
        ).sort_index()
    return out


def _ranks(series: dict[str, pd.Series], *, lower_is_better: bool) -> dict[str, pd.Series]:
    """Each city region's rank (1 = best) among :data:`CITY_REGIONS` per year; a region of
    :data:`RANKED_AS` gets the rank of the commuting-rule region that stands for it (it is
    never ranked itself, so a region appears once in a ranking)."""
    out = {}
    present = [g for g in CITY_REGIONS if g in series]
    if not present:
        return out
    frame = pd.concat([series[g] for g in present], axis=1, keys=present)
    ranked = frame.rank(axis=1, method="min", ascending=lower_is_better)
    for geo in present:
        out[geo] = ranked[geo][frame[geo].notna()]
    for geo, proxy in RANKED_AS.items():
        if proxy in out:
            out[geo] = out[proxy]
    return out


def _label_proxy(row: dict[str, Any], proxy: str) -> None:
    """Say in the reason that the rank is that of the commuting-rule region."""
    for lang in ("nb", "en"):
        key = f"reason_{lang}"
        row[key] = f"{region_label(proxy, lang)}: {row.get(key) or ''}".rstrip(": ")


def _display(series: pd.Series, target: Target, ranked: bool) -> pd.Series:
    """The series on the scale the target is judged on (ratio, cumulative sum, rank)."""
    if ranked or target.basis == "level":
        return series
    base = target.baseline_year
    if base is None:
        return series * np.nan
    if target.basis == "ratio_to_baseline":
        value = series.get(int(base))
        if value is None or value == 0 or pd.isna(value):
            return series * np.nan
        return series / float(value)
    since = series[series.index >= int(base)]  # as status.assess: from the baseline year on
    if since.empty:
        return since
    years = range(int(base), int(since.index.max()) + 1)
    return since.reindex(years).cumsum(skipna=False)


def _row(
    goal_id: str,
    index: int | None,
    target: Target | None,
    indicator_id: str,
    geo: str,
    levels: dict[str, str],
    year: int,
    assessment: st.Assessment | None = None,
) -> dict[str, Any]:
    """A status row; without ``assessment`` "not assessed: no data"."""
    if assessment is None:
        assessment = st.assess(target, pd.Series(dtype="float64")) if target else None
    a = assessment
    row: dict[str, Any] = dict.fromkeys(STATUS_COLUMNS)
    row.update(
        goal_id=goal_id,
        target_index=index,
        indicator_id=indicator_id,
        geo_code=geo,
        geo_level=levels.get(geo, "municipality"),
        year=year,
    )
    if target is not None:
        row.update(
            baseline_year=target.baseline_year,
            target_value=target.value,
            unit=target.unit,
            deadline=target.deadline,
            direction=target.direction,
            basis=target.basis,
        )
    if a is not None:
        row.update(
            status=str(a.status),
            status_symbol=a.symbol,
            status_nb=a.label("nb"),
            status_en=a.label("en"),
            probability=a.probability,
            reason_nb=a.reason_nb,
            reason_en=a.reason_en,
        )
        if a.target_value is not None:
            row["target_value"] = a.target_value
    return row


def _assess(
    goal_id: str,
    index: int,
    target: Target,
    sid: str,
    geo: str,
    series: pd.Series,
    year: int,
) -> tuple[dict[str, Any], pd.DataFrame | None]:
    ranked = target.direction == "rank_best"
    assessment = st.assess(target, series, as_of=year)
    row = _row(goal_id, index, target, sid, geo, {}, year, assessment)
    if target.baseline_year is not None and not ranked:
        row["baseline_value"] = series.get(int(target.baseline_year))
    shown = _display(series, target, ranked).dropna()
    if len(shown):
        latest_year = int(shown.index[-1])
        row["latest_year"] = latest_year
        row["latest_value"] = float(shown.iloc[-1])
        previous = shown.get(latest_year - 2)
        if previous is not None:
            row["previous_value"] = float(previous)
            row["change_since_previous"] = float(shown.iloc[-1]) - float(previous)
    fc = assessment.forecast
    frame = None
    if fc is not None:
        row["forecast_model"] = fc.model
        if row["probability"] is None:
            row["probability"] = fc.probability
        if fc.years:
            at = fc.at(fc.years[-1])
            row.update(
                forecast_value=at["mean"],
                lower80=at["lower80"],
                upper80=at["upper80"],
                lower95=at["lower95"],
                upper95=at["upper95"],
            )
            frame = fc.to_frame().assign(
                goal_id=goal_id, target_index=index, geo_code=geo, model=fc.model
            )
    return row, frame


def _qualitative(
    targets: Targets, year: int, register: pd.DataFrame | None, wanted: set[str] | None
) -> list[dict[str, Any]]:
    """Register statuses per member municipality and for Trondheimsregionen."""
    goals = [g for g in targets.goals() if g.id in REGISTER_GOAL_IDS or g.kind == "qualitative"]
    if not goals:
        return []
    frame = qualitative_status(load_register(year) if register is None else register, year)
    members = geography.members(REGION, year)
    rows = []
    for goal in goals:
        indicator = goal.indicator or "register"
        target = goal.targets[0] if goal.targets else None
        index = 0 if target is not None else None
        unit = target.unit if target is not None else "answer"
        part = frame[frame["goal_id"] == goal.id].set_index("municipality_code")
        statuses = []
        for code in members:
            if code in part.index:
                r = part.loc[code]
                status = st.Status(str(r["status"]))
                texts = (r["label_nb"], r["label_en"], r["reason_nb"], r["reason_en"])
                number = r["number"]
            else:  # a goal the register does not ask about
                status = st.Status.NOT_ASSESSED
                texts = (
                    status.label("nb"),
                    status.label("en"),
                    "ikke i registeret",
                    "not in the register",
                )
                number = np.nan
            statuses.append(status)
            if _keep(code, wanted):
                rows.append(
                    _qual_row(
                        goal.id,
                        index,
                        indicator,
                        code,
                        "municipality",
                        year,
                        unit,
                        status,
                        texts,
                        number,
                    )
                )
        if not _keep(REGION, wanted):
            continue
        assessed = [s for s in statuses if s is not st.Status.NOT_ASSESSED]
        if statuses and len(assessed) == len(statuses):
            worst = min(assessed, key=_WORST_FIRST.index)
            reason = (
                f"dårligste status blant {len(statuses)} medlemskommuner",
                f"worst status among the {len(statuses)} member municipalities",
            )
        else:
            worst = st.Status.NOT_ASSESSED
            reason = (
                f"{len(assessed)} av {len(statuses)} medlemskommuner har registrert",
                f"{len(assessed)} of {len(statuses)} member municipalities registered",
            )
        texts = (worst.label("nb"), worst.label("en"), *reason)
        rows.append(
            _qual_row(goal.id, index, indicator, REGION, "region", year, unit, worst, texts, np.nan)
        )
    return rows


def _qual_row(
    goal_id: str,
    index: int | None,
    indicator: str,
    geo: str,
    level: str,
    year: int,
    unit: str,
    status: st.Status,
    texts: Sequence[str],
    number: float,
) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(STATUS_COLUMNS)
    registered = status is not st.Status.NOT_ASSESSED
    row.update(
        goal_id=goal_id,
        target_index=index,
        indicator_id=indicator,
        geo_code=geo,
        geo_level=level,
        year=year,
        latest_year=year if registered else None,
        latest_value=number,
        unit=unit,
        status=str(status),
        status_symbol=status.symbol,
        status_nb=texts[0],
        status_en=texts[1],
        reason_nb=texts[2],
        reason_en=texts[3],
    )
    return row


def _conform_status(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=STATUS_COLUMNS).copy()
    for col in STATUS_COLUMNS:
        if col in _INT_COLUMNS:
            out[col] = pd.array([None if _missing(v) else int(v) for v in out[col]], dtype="Int64")
        elif col in _FLOAT_COLUMNS:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
        else:
            out[col] = out[col].astype("string")
    return out.reset_index(drop=True)


def _conform_forecast(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=FORECAST_COLUMNS).copy()
    for col in ("goal_id", "geo_code", "model"):
        out[col] = out[col].astype("string")
    for col in ("target_index", "year"):
        out[col] = out[col].astype("int64")
    for col in ("mean", "lower80", "upper80", "lower95", "upper95"):
        out[col] = out[col].astype("float64")
    return out.reset_index(drop=True)


def _missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
