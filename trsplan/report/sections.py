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


def comparator_figure(store, geo_code, indicator_id, year, lang) -> str:
    """The city regions (and Norway) ranked on the indicator in the latest year with data."""
    regions = [r for r in geography.region_ids() if r != "trondheimsregionen" or r == geo_code]
    rows = select(store, geo_code=[*regions, "norge"], indicator_id=indicator_id)
    rows = rows.dropna(subset=["value"])
    if rows.empty:
        return ""
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
    parts.append(estimate_note(store, geo_code, goal_id, lang))
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


ESTIMATE_NOTES = {
    "en": (
        "Years {years} are estimates (survivors only): no register extract was taken in those "
        "years, so they are counted from the nearest later Brønnøysund extract. Units closed "
        "before that extract are missing, so the levels are too low and growth since then "
        "(e.g. from the 2014 baseline) is overstated."
    ),
    "nb": (
        "Årene {years} er anslag (bare overlevende): det finnes ikke registeruttrekk fra disse "
        "årene, så de er telt fra nærmeste senere uttrekk fra Brønnøysund. Enheter som ble lagt "
        "ned før det uttrekket mangler, så nivåene er for lave og veksten siden (f.eks. fra "
        "basisåret 2014) er overvurdert."
    ),
}
SURVIVORSHIP_METHOD = {
    "en": (
        "Technology companies (goal 4) are counted from Enhetsregisteret bulk extracts, one kept "
        "per extract date: companies (enheter) once at their business address, employees where "
        "they work (the location of their underenheter, else the business address); deleted, "
        "bankrupt and dissolving units are left out; a withheld headcount is a range (lower and "
        "upper bounds). A year with its own extract is measured; a year without one is "
        "estimated from the nearest later extract, which holds only the units that survived to "
        "it (survivorship bias: earlier levels too low, growth too high). The technology "
        "definition is named in the source column (a NACE list of tech_nace.yaml, or the "
        "region's curated list of organisation numbers, tech_companies_orgnr.csv)."
    ),
    "nb": (
        "Teknologiselskaper (mål 4) telles fra Enhetsregisterets totaluttrekk, ett tatt vare "
        "på per uttrekksdato: selskaper (enheter) én gang på forretningsadressen, ansatte der"
        " de arbeider (underenhetenes beliggenhet, ellers forretningsadressen); slettede "
        "enheter, konkursbo og enheter under avvikling holdes utenfor; et skjult antall "
        "ansatte er et intervall (nedre og øvre grense). Et år med eget uttrekk er målt; et "
        "år uten anslås fra nærmeste senere uttrekk, som bare har enhetene som overlevde til "
        "da (overlevelsesskjevhet: tidligere nivåer for lave, veksten for høy). "
        "Teknologidefinisjonen står i kildekolonnen (en NACE-liste i tech_nace.yaml, eller "
        "regionens egen liste over organisasjonsnumre, tech_companies_orgnr.csv)."
    ),
}


def estimate_note(store: pd.DataFrame, geo_code: str, goal_id: str, lang: str) -> str:
    """A footnote naming the goal's years that are estimates for ``geo_code`` ("" if none)."""
    if "estimate" not in store.columns:
        return ""
    rows = store[
        (store["geo_code"] == geo_code)
        & (store["goal_id"].str.split(".").str[0] == goal_id)
        & store["estimate"].notna()
    ]
    if rows.empty:
        return ""
    years = sorted(int(y) for y in rows["year"].unique())
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    text = ESTIMATE_NOTES[lang].format(years=span)
    return f'<p class="trsplan-footnote"><small>* {html.escape(text)}</small></p>'


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
    table = f'<table class="trsplan-methods"><thead>{head}</thead><tbody>{body}</tbody></table>'
    if not store["source_tables"].str.contains("brreg", regex=False).fillna(False).any():
        return table
    return f"{table}\n<p>{html.escape(SURVIVORSHIP_METHOD[lang])}</p>"
