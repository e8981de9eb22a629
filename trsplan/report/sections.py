"""One report section per main goal: status lines, time series with target and forecast fan,
the comparator city regions ranked, and (for a region) the breakdown by municipality.

Which indicators a goal shows comes from ``data/targets.yaml``; this module only selects rows of
the indicator store, status and forecast frames and draws them with the shared figure style.
"""

from __future__ import annotations

import html

import pandas as pd

from trsplan import geography
from trsplan.indicators.store import select
from trsplan.report import figures, scorecard
from trsplan.report.pages import geo_name
from trsplan.report.text import fmt_number, label, unit_label
from trsplan.targets import load_targets

MAIN_GOALS = ["H", "1", "2", "3", "4", "5"]
COUNT_UNITS = ("persons", "companies", "count", "days", "rank")


indicator_label = label


def goal_indicators(goal_id: str, store: pd.DataFrame, geo_code: str) -> list[str]:
    """Indicators of a main goal and its sub-goals that the store has for this geography;
    an indicator kept per industry (``location_quotient:58-63``) is listed by its base id."""
    targets = load_targets()
    ids = [g.id for g in targets.goals() if g.id == goal_id or g.parent == goal_id]
    wanted = [i for gid in ids for i in targets.goal(gid).indicators]
    present = set(store.loc[store["geo_code"] == geo_code, "indicator_id"])
    bases = {p.split(":")[0] for p in present}
    return list(dict.fromkeys(i for i in wanted if i in present or i in bases))


def industry_figure(store: pd.DataFrame, geo_code: str, base_id: str, year: int, lang: str) -> str:
    """One indicator across industries (ids ``base:industry``) in the latest year with data."""
    rows = store[
        (store["geo_code"] == geo_code)
        & store["indicator_id"].str.startswith(base_id + ":")
        & (store["year"] <= year)
    ].dropna(subset=["value"])
    if rows.empty:
        return ""
    latest = int(rows["year"].max())
    rows = rows[rows["year"] == latest]
    values = rows.set_index(rows["indicator_id"].str.split(":").str[1])["value"]
    name = str(rows["geo_name"].iloc[0])
    title = f"{name}: {indicator_label(base_id, lang)} " + (
        f"etter næring {latest}" if lang == "nb" else f"by industry {latest}"
    )
    fig = figures.bar_chart(values, title, unit_label(str(rows["unit"].iloc[0]), lang), lang, 2)
    return figures.figure_html(fig, title, title)


def _series(store: pd.DataFrame, geo_code: str, indicator_id: str, year: int) -> pd.Series:
    rows = select(store, geo_code=geo_code, indicator_id=indicator_id, years=(2000, year))
    return rows.set_index("year")["value"].sort_index().dropna()


def _decimals(store: pd.DataFrame, indicator_id: str) -> int:
    unit = store.loc[store["indicator_id"] == indicator_id, "unit"]
    return 0 if len(unit) and unit.iloc[0] in COUNT_UNITS else 2


def _target_row(status: pd.DataFrame, geo_code: str, indicator_id: str) -> pd.Series | None:
    rows = status[(status["geo_code"] == geo_code) & (status["indicator_id"] == indicator_id)]
    numeric = rows[rows["target_value"].notna() & (rows["basis"] == "level")]
    return numeric.iloc[0] if len(numeric) else (rows.iloc[0] if len(rows) else None)


def time_series_figure(store, status, forecasts, geo_code, indicator_id, year, lang) -> str:
    history = _series(store, geo_code, indicator_id, year)
    if len(history) < 2:
        return ""
    name = geo_name(store, geo_code, lang)
    title = f"{name}: {indicator_label(indicator_id, lang)}"
    row = _target_row(status, geo_code, indicator_id)
    target = (
        float(row["target_value"]) if row is not None and pd.notna(row["target_value"]) else None
    )
    fan = pd.DataFrame()
    if row is not None and len(forecasts):
        fan = forecasts[
            (forecasts["geo_code"] == geo_code)
            & (forecasts["goal_id"] == row["goal_id"])
            & (forecasts["target_index"] == row["target_index"])
        ]
    unit = str(store.loc[store["indicator_id"] == indicator_id, "unit"].iloc[0])
    fig = scorecard.fan_chart(history, fan, target, title, unit_label(unit, lang), lang)
    parts = [f"{history.index.min()}–{history.index.max()}"]
    if target is not None:
        parts.append(("mål " if lang == "nb" else "target ") + fmt_number(target, 2, lang))
    if len(fan):
        parts.append(
            "framskriving med 80 og 95 % intervall"
            if lang == "nb"
            else "forecast with 80 and 95 % intervals"
        )
    caption = f"{title} ({', '.join(parts)})"
    return figures.figure_html(fig, caption, caption)


# The ranking is the same in every municipality's report of a run: drawn once per kernel, keyed
# by the rows it shows (so a different store can never reuse a stale figure).
_COMPARATOR_CACHE: dict[tuple, str] = {}


def comparator_figure(store, geo_code, indicator_id, year, lang) -> str:
    """The city regions (and Norway) ranked on the indicator in the latest year with data."""
    regions = [r for r in geography.region_ids() if r != "trondheimsregionen" or r == geo_code]
    rows = select(store, geo_code=[*regions, "norge"], indicator_id=indicator_id)
    rows = rows.dropna(subset=["value"])
    if rows.empty:
        return ""
    content = pd.util.hash_pandas_object(rows[["geo_code", "year", "value", "unit"]], index=False)
    key = (indicator_id, year, lang, geo_code if geo_code in regions else "", int(content.sum()))
    if key not in _COMPARATOR_CACHE:
        if len(_COMPARATOR_CACHE) > 256:
            _COMPARATOR_CACHE.clear()
        _COMPARATOR_CACHE[key] = _comparator_figure(store, rows, geo_code, indicator_id, lang)
    return _COMPARATOR_CACHE[key]


def _comparator_figure(store, rows, geo_code, indicator_id, lang) -> str:
    latest = int(rows["year"].max())
    latest_rows = rows[rows["year"] == latest]
    if len(latest_rows) < 3:
        return ""
    names = latest_rows["geo_code"].map(lambda c: geo_name(store, c, lang))
    values = latest_rows.set_index(names)["value"]
    highlight = names[latest_rows["geo_code"] == geo_code]
    title = (
        f"{indicator_label(indicator_id, lang)}, byregioner {latest}"
        if lang == "nb"
        else f"{indicator_label(indicator_id, lang)}, city regions {latest}"
    )
    unit = str(latest_rows["unit"].iloc[0])
    fig = figures.bar_chart(
        values,
        title,
        unit_label(unit, lang),
        lang,
        _decimals(store, indicator_id),
        highlight=highlight.iloc[0] if len(highlight) else "",
    )
    alt = (
        f"Rangering av byregionene på {indicator_label(indicator_id, lang)}; den omtalte regionen"
        " er skravert."
        if lang == "nb"
        else f"City regions ranked on {indicator_label(indicator_id, lang)}; the reported region "
        "is hatched."
    )
    return figures.figure_html(fig, title, alt)


def member_figure(store, members, indicator_id, year, lang) -> str:
    rows = select(store, geo_code=members, indicator_id=indicator_id).dropna(subset=["value"])
    rows = rows[rows["year"] <= year]
    if rows.empty:
        return ""
    latest = int(rows["year"].max())
    values = rows[rows["year"] == latest].set_index("geo_name")["value"]
    if len(values) < 2:
        return ""
    title = (
        f"{indicator_label(indicator_id, lang)} per kommune {latest}"
        if lang == "nb"
        else f"{indicator_label(indicator_id, lang)} by municipality {latest}"
    )
    unit = str(rows["unit"].iloc[0])
    fig = figures.bar_chart(
        values, title, unit_label(unit, lang), lang, _decimals(store, indicator_id)
    )
    return figures.figure_html(fig, title, title)


def status_list(status: pd.DataFrame, geo_code: str, goal_id: str, lang: str) -> str:
    rows = scorecard.scorecard_rows(status, geo_code)
    rows = rows[rows["goal_id"].astype(str).str.split(".").str[0] == goal_id]
    items = []
    for row in rows.itertuples():
        reason = row.reason_nb if lang == "nb" else row.reason_en
        items.append(
            f"<li>{html.escape(str(row.goal_id))}: {scorecard.status_cell(row.status, lang)}"
            f" — {html.escape(str(reason) if pd.notna(reason) else '')}</li>"
        )
    return f"<ul>{''.join(items)}</ul>" if items else ""


def goal_section(
    store: pd.DataFrame,
    status: pd.DataFrame,
    forecasts: pd.DataFrame,
    geo_code: str,
    goal_id: str,
    year: int,
    lang: str,
    members: list[str] | None = None,
    max_indicators: int = 2,
) -> str:
    """HTML for one main goal: heading, statuses, and figures for its leading indicators."""
    goal = load_targets().goal(goal_id)
    heading = ("Mål" if lang == "nb" else "Goal") + f" {goal_id}"
    text = goal.text_nb if lang == "nb" else goal.text_en
    parts = [
        f"<h2>{heading}</h2>",
        f"<p><em>{html.escape(text)}</em></p>",
        status_list(status, geo_code, goal_id, lang),
    ]
    indicators = goal_indicators(goal_id, store, geo_code)[:max_indicators]
    if not indicators:
        parts.append(
            "<p>"
            + (
                "Ingen tallfestet indikator for dette målet i datagrunnlaget."
                if lang == "nb"
                else "No quantified indicator for this goal in the data."
            )
            + "</p>"
        )
    for indicator_id in indicators:
        if not (store["indicator_id"] == indicator_id).any():
            parts.append(industry_figure(store, geo_code, indicator_id, year, lang))
            continue
        parts.append(
            time_series_figure(store, status, forecasts, geo_code, indicator_id, year, lang)
        )
        parts.append(comparator_figure(store, geo_code, indicator_id, year, lang))
        if members and indicator_id == indicators[0]:  # the breakdown for the lead indicator
            parts.append(member_figure(store, members, indicator_id, year, lang))
    return "\n".join(p for p in parts if p)


def methods_html(store: pd.DataFrame, lang: str) -> str:
    """Each indicator in the report with its definition (label, unit) and source tables."""
    rows = store[["indicator_id", "unit", "source_tables"]].drop_duplicates("indicator_id")
    head = (
        "<tr><th>Indikator</th><th>Enhet</th><th>Kilde (SSB-tabell)</th></tr>"
        if lang == "nb"
        else "<tr><th>Indicator</th><th>Unit</th><th>Source (SSB table)</th></tr>"
    )
    body = "".join(
        f"<tr><td>{html.escape(indicator_label(r.indicator_id, lang))} "
        f"<small>(<code>{html.escape(r.indicator_id)}</code>)</small></td>"
        f"<td>{html.escape(str(r.unit))}</td><td>{html.escape(str(r.source_tables))}</td></tr>"
        for r in rows.sort_values("indicator_id").itertuples()
    )
    return f'<table class="trsplan-methods"><thead>{head}</thead><tbody>{body}</tbody></table>'
