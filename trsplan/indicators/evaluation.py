"""Statuses and forecasts of the plan's targets from the indicator store, and the analyst table.

:func:`evaluate` judges every target of ``data/targets.yaml`` as of a year with
:func:`trsplan.status.assess` (the only place status rules live) and returns a status frame (one
row per target and geography) and a forecast frame (one row per forecast year). Everything is
deterministic: the forecasts are analytic and run single-threaded.

Which series
- A target's indicator id is translated to the store's id by the indicator catalogue
  (:func:`trsplan.indicators.compute.store_indicator`; e.g. ``business_development_index`` →
  ``business_index``; 3.2's targets are on the percentile of the mean days,
  ``building_case_percentile``; ``location_quotient`` → every ``location_quotient:<industry>``,
  one status per industry). The series is the store's values up to ``year``.
- ``rank_best`` targets ("best among the city regions") are judged on the rank (1 = best) of the
  region among :data:`CITY_REGIONS` each year: higher values are better unless the indicator's
  unit is a rank or days. ``trondheimsregionen-2020`` is ranked in the place of
  ``trondheimsregionen``. Norway is not a city region and gets no status for these targets.
- ``basis``: ``ratio_to_baseline`` and ``cumulative_since_baseline`` are applied by
  :func:`trsplan.status.assess`; the status frame's ``latest_value`` / ``previous_value`` are on
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

Qualitative goals (and the register goals 2.1, 2.2, 2.3, 2.6, see :mod:`trsplan.register`): one
status per member municipality of Trondheimsregionen in ``year`` from the register
(:func:`trsplan.register.qualitative_status`; nothing registered → not assessed), and one for
``trondheimsregionen``: not assessed unless every member has a status, otherwise the worst
member status (off track < at risk < on track < met), since these goals ask something of every
municipality. A qualitative goal the register does not ask about (2.4) is not assessed.

:func:`indicator_table` joins the store with the statuses for ``trsplan indicators``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from trsplan import geography
from trsplan import status as st
from trsplan.errors import YearOutOfRangeError
from trsplan.indicators.compute import NORWAY, store_indicator
from trsplan.indicators.store import STORE_COLUMNS
from trsplan.register import REGION, REGISTER_GOAL_IDS, load_register, qualitative_status
from trsplan.targets import Target, Targets, load_targets

try:  # forecasts are tiny problems: BLAS threads only slow them down
    from threadpoolctl import threadpool_limits
except ImportError:  # pragma: no cover - depends on the environment
    threadpool_limits = None

__all__ = [
    "CITY_REGIONS",
    "FORECAST_COLUMNS",
    "MUNICIPAL_TARGETS",
    "STATUS_COLUMNS",
    "TABLE_COLUMNS",
    "evaluate",
    "indicator_table",
    "region_filter",
]

#: The city regions the plan compares with ("best among city regions").
CITY_REGIONS: tuple[str, ...] = (
    "trondheimsregionen",
    "oslo",
    "bergen",
    "stavanger",
    "kristiansand",
    "tromso",
)
#: Regions ranked in the place of another (a fixed territory of the same region).
RANKED_AS: dict[str, str] = {"trondheimsregionen-2020": "trondheimsregionen"}
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
TABLE_COLUMNS: list[str] = [
    *STORE_COLUMNS[: STORE_COLUMNS.index("upper") + 1],
    "target_value",
    "deadline",
    "status",
    "probability",
    "source_tables",
    "synthetic",
]
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
    (default: the stored register of ``year``, :func:`trsplan.register.load_register`);
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
                        row["geo_level"] = levels[geo]
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
    """Norway is not judged on rankings among city regions or on its own reference measures."""
    if geo != NORWAY:
        return target.direction == "rank_best" and geo not in (*CITY_REGIONS, *RANKED_AS)
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
    """Each city region's rank (1 = best) among :data:`CITY_REGIONS` per year."""
    out = {}
    for geo in (*CITY_REGIONS, *RANKED_AS):
        if geo not in series:
            continue
        own = RANKED_AS.get(geo, geo)
        peers = [series[g] for g in CITY_REGIONS if g != own and g in series]
        frame = pd.concat([series[geo], *peers], axis=1)
        ranked = frame.rank(axis=1, method="min", ascending=lower_is_better)
        out[geo] = ranked.iloc[:, 0][frame.iloc[:, 0].notna()]
    return out


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


# --- The analyst table (``trsplan indicators``) ---------------------------------------------------


def region_filter(store: pd.DataFrame, region: str, year: int) -> list[str]:
    """Geographies shown for ``--region``: the region, its member municipalities in ``year``
    (in the store's codes), every other region (the comparators) and Norway."""
    geography.region_info(region)  # an unknown id raises UnknownRegionError
    vintage = int(store["code_vintage"].max()) if len(store) else year
    members = geography.members(region, year)
    table = geography.mapping_table(vintage)
    rows = table[(table["from_year"] == year) & table["code"].isin(members)]
    codes = sorted(set(rows["new_code"]))
    regions = store.loc[store["geo_level"] != "municipality", "geo_code"].unique()
    others = sorted(r for r in regions if r not in (region, NORWAY))
    return [region, *codes, *others, NORWAY]


def year_range(store: pd.DataFrame) -> tuple[int, int]:
    """First and last year with a value in the store."""
    years = store.loc[store["value"].notna(), "year"]
    return int(years.min()), int(years.max())


def check_year(store: pd.DataFrame, year: int | None) -> int:
    """``year``, or the latest year of the store; a year outside the data raises."""
    first, last = year_range(store)
    if year is None:
        return last
    if not first <= int(year) <= last:
        raise YearOutOfRangeError(
            f"year {year} is outside the data: the indicators cover {first}–{last}; "
            "choose a year in that range or run `trsplan fetch`"
        )
    return int(year)


def indicator_table(
    store: pd.DataFrame,
    statuses: pd.DataFrame,
    year: int,
    geo_codes: Sequence[str] | None = None,
    targets: Targets | None = None,
) -> pd.DataFrame:
    """The store as of ``year`` joined with the targets and statuses (:data:`TABLE_COLUMNS`).

    For each indicator and geography the latest value at or before ``year`` (its data year in
    ``year``); a row per target judged on it (``goal_id`` is then the target's goal), plus the
    statuses that have no store row (qualitative goals, indicators without data). ``geo_codes``
    limits and orders the geographies.
    """
    targets = targets or load_targets()
    rows = store[(store["year"] <= year) & store["value"].notna()]
    if geo_codes is not None:
        rows = rows[rows["geo_code"].isin(list(geo_codes))]
    rows = rows.sort_values(["indicator_id", "geo_code", "year"], kind="stable")
    rows = rows.drop_duplicates(["indicator_id", "geo_code"], keep="last")
    status = statuses
    if geo_codes is not None:
        status = status[status["geo_code"].isin(list(geo_codes))]
    joined_cols = ["indicator_id", "geo_code", "goal_id", "target_value", "deadline", "status"]
    judged = ["probability", "direction", "basis", "latest_year", "latest_value", "unit"]
    joined = rows.merge(
        status[joined_cols + judged].rename(
            columns={"goal_id": "target_goal", "unit": "target_unit"}
        ),
        on=["indicator_id", "geo_code"],
        how="left",
    )
    joined["goal_id"] = joined["target_goal"].fillna(joined["goal_id"])
    # a target judged on another scale (a rank, a ratio to the baseline, a cumulative sum)
    # shows the value it was judged on, so that value and target compare
    rank = joined["direction"].eq("rank_best").fillna(False).astype(bool)
    rescaled = rank | joined["basis"].isin(["ratio_to_baseline", "cumulative_since_baseline"])
    rescaled = rescaled.fillna(False).astype(bool)
    joined.loc[rescaled, "value"] = joined.loc[rescaled, "latest_value"]
    known = rescaled & joined["latest_year"].notna()
    joined.loc[known, "year"] = joined.loc[known, "latest_year"].astype("int64")
    joined.loc[rescaled, "unit"] = joined.loc[rescaled, "target_unit"].where(~rank, "rank")
    joined.loc[rescaled, ["lower", "upper"]] = np.nan
    keys = set(zip(rows["indicator_id"], rows["geo_code"], strict=True))
    extra = status[
        [
            (i, g) not in keys
            for i, g in zip(status["indicator_id"], status["geo_code"], strict=True)
        ]
    ]
    if len(extra):
        names = {g: _name(g, year) for g in extra["geo_code"].unique()}
        add = pd.DataFrame(
            {
                "indicator_id": extra["indicator_id"],
                "goal_id": extra["goal_id"],
                "geo_code": extra["geo_code"],
                "geo_name": extra["geo_code"].map(names),
                "geo_level": extra["geo_level"],
                "year": extra["latest_year"].fillna(year),
                "value": extra["latest_value"],
                "unit": extra["unit"],
                "target_value": extra["target_value"],
                "deadline": extra["deadline"],
                "status": extra["status"],
                "probability": extra["probability"],
                "synthetic": bool(store["synthetic"].any()),
            }
        )
        joined = pd.concat([joined, add], ignore_index=True)
    out = joined.reindex(columns=TABLE_COLUMNS)
    goal_order = {g: i for i, g in enumerate(targets.goal_ids())}
    geo_order = {g: i for i, g in enumerate(geo_codes or [])}
    out = out.assign(
        _goal=out["goal_id"].map(goal_order).fillna(len(goal_order)),
        _geo=out["geo_code"].map(geo_order).fillna(len(geo_order)),
        _level=out["geo_level"].map(_LEVEL_ORDER).fillna(3),
    )
    out = out.sort_values(
        ["_goal", "indicator_id", "_level", "_geo", "geo_code"], kind="stable", ignore_index=True
    )
    out = out.drop(columns=["_goal", "_geo", "_level"])
    for col in ("indicator_id", "goal_id", "geo_code", "geo_name", "geo_level", "unit", "status"):
        out[col] = out[col].astype("string")
    out["source_tables"] = out["source_tables"].astype("string")
    out["year"] = out["year"].astype("int64")
    out["deadline"] = pd.array(
        [None if _missing(v) else int(v) for v in out["deadline"]], dtype="Int64"
    )
    for col in ("value", "lower", "upper", "target_value", "probability"):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
    out["synthetic"] = out["synthetic"].astype("bool")
    return out


def _name(code: str, year: int) -> str:
    try:
        return geography.region_info(code)["label_nb"]
    except KeyError:
        return geography.name(code, year)
