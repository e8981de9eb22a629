"""One report section per main goal: sentences that read the lead chart, the status lines, and
at most two charts (time series with target and forecast fan, the comparator city regions
ranked, for a region the breakdown by municipality); further charts go to the appendix.

Which indicators a goal shows comes from ``data/targets.yaml``; this module only selects rows of
the indicator store, status and forecast frames and draws them with the shared figure style.

**Size.** Over 500 lines: the three chart kinds of a goal section (time series with target and fan,
the comparator ranking, the member breakdown), the sentences that read them and the methods
tables share their selection helpers (``_series``, ``_comparators``, ``_decimals``); split by
chart kind they would have to import each other's private helpers.
"""

from __future__ import annotations

import html
from functools import cache
from typing import Any

import pandas as pd
import yaml

from trsplan.evaluation.evaluate import RANKED_AS
from trsplan.evaluation.targets import load_targets
from trsplan.indicators.compute import COMMUTING_IDS
from trsplan.indicators.store import select
from trsplan.paths import static_dir
from trsplan.report import figures, scorecard
from trsplan.report.memo import frame_memo, geo_rows
from trsplan.report.pages import geo_name
from trsplan.report.text import (
    LABELS,
    fmt_number,
    industry_name,
    label,
    source_text,
    unit_label,
    words,
)

MAIN_GOALS = ["H", "1", "2", "3", "4", "5"]
COUNT_UNITS = ("persons", "companies", "count", "days", "rank")
#: Units where a lower value ranks better (the evaluation's rule for rankings).
LOWER_IS_BETTER = ("rank", "days", "percentile")
MAIN_CHARTS = 2  # charts per goal in the main text; the rest go to the appendix
TREND_YEARS = 5  # the reading's trend: change over the latest five years


indicator_label = label


def goal_indicators(goal_id: str, store: pd.DataFrame, geo_code: str) -> list[str]:
    """Indicators of a main goal and its sub-goals that the store has for this geography;
    an indicator kept per industry (``location_quotient:58-63``) is listed by its base id."""
    targets = load_targets()
    ids = [g.id for g in targets.goals() if g.id == goal_id or g.parent == goal_id]
    wanted = [i for gid in ids for i in targets.goal(gid).indicators]
    present = set(geo_rows(store, geo_code)["indicator_id"])
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
    codes = rows["indicator_id"].str.split(":").str[1]
    values = rows.set_index(codes.map(lambda c: industry_name(c, lang)))["value"]
    name = str(rows["geo_name"].iloc[0])
    what = indicator_label(base_id, lang)
    title = f"{name}: " + words("by_industry", lang, what=what, year=latest)
    decimals = _decimals(store, base_id + ":")
    fig = figures.bar_chart(
        values, title, unit_label(str(rows["unit"].iloc[0]), lang), lang, decimals
    )
    return figures.figure_html(fig, title, _bars_alt(title, values, decimals, lang))


def _bars_alt(what: str, values: pd.Series, decimals: int, lang: str) -> str:
    return words(
        "bars_alt",
        lang,
        what=what,
        n=len(values),
        low=fmt_number(values.min(), decimals, lang),
        high=fmt_number(values.max(), decimals, lang),
    )


def _series(store: pd.DataFrame, geo_code: str, indicator_id: str, year: int) -> pd.Series:
    """The geography's values of the indicator from 2000 to ``year``, by year, without gaps."""
    memo = frame_memo(store).setdefault("series", {})
    if (geo_code, indicator_id) not in memo:
        own = geo_rows(store, geo_code)
        rows = own[own["indicator_id"] == indicator_id]
        memo[geo_code, indicator_id] = rows.set_index("year")["value"].sort_index().dropna()
    series = memo[geo_code, indicator_id]
    return series[(series.index >= 2000) & (series.index <= year)]


def _unit(store: pd.DataFrame, indicator_id: str) -> str:
    """The unit of an indicator, or of the first indicator in the store whose id starts with
    ``indicator_id`` (``location_quotient:`` for the per-industry ones)."""
    memo = frame_memo(store)
    if "units" not in memo:
        firsts = store.drop_duplicates("indicator_id")
        memo["units"] = dict(zip(firsts["indicator_id"], firsts["unit"], strict=True))
    units = memo["units"]
    if indicator_id in units:
        return str(units[indicator_id])
    return next((str(u) for i, u in units.items() if i.startswith(indicator_id)), "")


def _decimals(store: pd.DataFrame, indicator_id: str) -> int:
    return 0 if _unit(store, indicator_id) in COUNT_UNITS else 2


def _target_row(status: pd.DataFrame, geo_code: str, indicator_id: str) -> pd.Series | None:
    own = geo_rows(status, geo_code)
    rows = own[own["indicator_id"] == indicator_id]
    numeric = rows[rows["target_value"].notna() & (rows["basis"] == "level")]
    return numeric.iloc[0] if len(numeric) else (rows.iloc[0] if len(rows) else None)


def value_target(row: pd.Series | None, unit: str) -> float | None:
    """The target as a value of the charted quantity, or None: a rank, a trend, a ratio to a
    baseline or a cumulative sum is never drawn as a line on the level's chart."""
    if row is None or pd.isna(row["target_value"]):
        return None
    same_quantity = str(row["basis"]) == "level" and str(row["unit"]) == unit
    if str(row["direction"]) not in ("at_least", "at_most") or not same_quantity:
        return None
    return float(row["target_value"])


def time_series_figure(store, status, forecasts, geo_code, indicator_id, year, lang) -> str:
    history = _series(store, geo_code, indicator_id, year)
    if len(history) < 2:
        return ""
    name = geo_name(store, geo_code, lang)
    what = indicator_label(indicator_id, lang)
    title = f"{name}: {what}"
    unit = _unit(store, indicator_id)
    row = _target_row(status, geo_code, indicator_id)
    target = value_target(row, unit)
    fan = pd.DataFrame()
    if target is not None and len(forecasts):
        fan = forecasts[
            (forecasts["geo_code"] == geo_code)
            & (forecasts["goal_id"] == row["goal_id"])
            & (forecasts["target_index"] == row["target_index"])
        ]
    fig = figures.fan_chart(history, fan, target, title, unit_label(unit, lang), lang)
    not_zero = fig.axis_not_zero
    decimals = _decimals(store, indicator_id)
    first, last = int(history.index.min()), int(history.index.max())
    parts = [f"{first}–{last}"]
    alt = words(
        "series_alt",
        lang,
        what=f"{what}, {name}",
        first=first,
        last=last,
        v0=fmt_number(history.iloc[0], decimals, lang),
        v1=fmt_number(history.iloc[-1], decimals, lang),
    )
    if target is not None:
        parts.append(words("target_caption", lang, target=fmt_number(target, decimals, lang)))
        alt += words("series_alt_target", lang, target=fmt_number(target, decimals, lang))
    if len(fan):
        parts.append(words("fan_caption", lang))
        alt += words("series_alt_fan", lang)
    caption = f"{title} ({', '.join(parts)})"
    if not_zero:
        caption += " " + words("axis_not_zero", lang)
        alt += " " + words("axis_not_zero", lang)
    return figures.figure_html(fig, caption, alt)


def _comparators(store: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """The six city regions built by the 10 % commuting rule (one rule for all, each once) and
    Norway; Norway is left out when it is the whole of a share (100 %)."""
    memo = frame_memo(store)
    if "comparators" not in memo:
        every = select(store, geo_code=[*COMMUTING_IDS, "norge"]).dropna(subset=["value"])
        memo["comparators"] = (every, every.groupby("indicator_id", sort=False).indices, {})
    every, positions, done = memo["comparators"]
    if indicator_id not in done:
        rows = every.iloc[positions.get(indicator_id, [])]
        whole = (
            (rows["geo_code"] == "norge") & (rows["unit"] == "percent") & (rows["value"] >= 99.5)
        )
        done[indicator_id] = rows[~whole]
    return done[indicator_id]


def comparator_ranking(store, geo_code, indicator_id) -> tuple[int, int, int] | None:
    """(rank, number of city regions, year) of a region, 1 = best, or None."""
    own = RANKED_AS.get(geo_code, geo_code)
    rows = _comparators(store, indicator_id)
    rows = rows[rows["geo_code"] != "norge"]
    if rows.empty:
        return None
    latest = int(rows["year"].max())
    rows = rows[rows["year"] == latest]
    if own not in set(rows["geo_code"]) or len(rows) < 3:
        return None
    lower_better = _unit(store, indicator_id) in LOWER_IS_BETTER
    ranks = rows.set_index("geo_code")["value"].rank(ascending=lower_better, method="min")
    return int(ranks[own]), len(rows), latest


# The ranking is the same in every municipality's report of a run: drawn once per kernel, keyed
# by the rows it shows (so a different store can never reuse a stale figure).
_COMPARATOR_CACHE: dict[tuple, str] = {}


def comparator_figure(store, geo_code, indicator_id, year, lang) -> str:
    """The city regions (and Norway) ranked on the indicator in the latest year with data.

    The regions are the six built by the 10 % commuting rule (one rule for all, each once); the
    reported region's stand-in is highlighted. The membership and fixed-territory series are not
    in this chart (they are shown in the goal's own time series)."""
    own = RANKED_AS.get(geo_code, geo_code)
    rows = _comparators(store, indicator_id)
    if rows.empty:
        return ""
    content = pd.util.hash_pandas_object(rows[["geo_code", "year", "value", "unit"]], index=False)
    key = (indicator_id, year, lang, own if own in COMMUTING_IDS else "", int(content.sum()))
    if key not in _COMPARATOR_CACHE:
        if len(_COMPARATOR_CACHE) > 256:
            _COMPARATOR_CACHE.clear()
        _COMPARATOR_CACHE[key] = _comparator_figure(store, rows, own, indicator_id, lang)
    return _COMPARATOR_CACHE[key]


def _comparator_figure(store, rows, own, indicator_id, lang) -> str:
    latest = int(rows["year"].max())
    latest_rows = rows[rows["year"] == latest]
    if len(latest_rows) < 3:
        return ""
    names = latest_rows["geo_code"].map(lambda c: geo_name(store, c, lang))
    values = latest_rows.set_index(names)["value"]
    highlight = names[latest_rows["geo_code"] == own]
    what = indicator_label(indicator_id, lang)
    title = words("city_regions", lang, what=what, year=latest)
    decimals = _decimals(store, indicator_id)
    fig = figures.bar_chart(
        values,
        title,
        unit_label(_unit(store, indicator_id), lang),
        lang,
        decimals,
        highlight=highlight.iloc[0] if len(highlight) else "",
    )
    if len(highlight):
        alt = words(
            "ranking_alt",
            lang,
            what=what,
            n=len(values),
            year=latest,
            name=highlight.iloc[0],
            value=fmt_number(values[highlight.iloc[0]], decimals, lang),
        )
    else:
        alt = _bars_alt(title, values, decimals, lang)
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
    title = words("by_municipality", lang, what=indicator_label(indicator_id, lang), year=latest)
    decimals = _decimals(store, indicator_id)
    unit = str(rows["unit"].iloc[0])
    fig = figures.bar_chart(values, title, unit_label(unit, lang), lang, decimals)
    return figures.figure_html(fig, title, _bars_alt(title, values, decimals, lang))


def baseline_text(store, geo_code: str, indicator_id: str, plan_year: int, lang: str) -> str:
    """The baseline value; when the plan's year is outside the data, the year used and why."""
    series = _series(store, geo_code, indicator_id, 10**4)
    if series.empty:
        return ""
    decimals = _decimals(store, indicator_id)
    if plan_year in series.index:
        value = fmt_number(series[plan_year], decimals, lang)
        return words("baseline_in_data", lang, value=value, year=plan_year)
    used = int(series.index.min())
    rows = store[(store["indicator_id"] == indicator_id) & (store["geo_code"] == geo_code)]
    tables = str(rows["source_tables"].dropna().iloc[0]) if len(rows) else ""
    return words(
        "baseline_moved",
        lang,
        value=fmt_number(series[used], decimals, lang),
        used=used,
        tables=source_text(tables, lang).replace(";", ",") or "?",
        plan=plan_year,
    )


def reading(store, status, geo_code: str, indicator_id: str, year: int, lang: str) -> str:
    """Two or three sentences that read the lead chart: level, trend, rank, distance to target."""
    history = _series(store, geo_code, indicator_id, year)
    if history.empty:
        return ""
    decimals = _decimals(store, indicator_id)
    last = int(history.index.max())
    sentences = [
        words(
            "reading_level",
            lang,
            indicator=indicator_label(indicator_id, lang),
            value=fmt_number(history[last], decimals, lang),
            year=last,
        )
    ]
    start = max(int(history.index.min()), last - TREND_YEARS)
    if start < last:
        change = history[last] - history[start]
        size = fmt_number(abs(change), decimals, lang)
        key = "reading_up" if change > 0 else "reading_down" if change < 0 else "reading_flat"
        sentences.append(
            words(
                "reading_trend",
                lang,
                change=words(key, lang, x=size),
                start=start,
                first=fmt_number(history[start], decimals, lang),
            )
        )
    ranking = comparator_ranking(store, geo_code, indicator_id)
    if ranking is not None:
        rank, n, ranked_year = ranking
        name = geo_name(store, geo_code, lang)
        sentences.append(words("reading_rank", lang, n=n, name=name, rank=rank, year=ranked_year))
    row = _target_row(status, geo_code, indicator_id)
    target = value_target(row, _unit(store, indicator_id))
    deadline = int(row["deadline"]) if row is not None and pd.notna(row["deadline"]) else None
    if target is not None and deadline is not None and deadline < last:
        # a passed deadline is judged on its own year, the latest value beside it
        outcome = fmt_number(history[deadline], decimals, lang) if deadline in history else ".."
        sentences.append(
            words(
                "reading_deadline",
                lang,
                target=scorecard.format_target(row, lang),
                year=deadline,
                value=outcome,
            )
        )
    elif target is not None:
        gap = history[last] - target
        key = "reading_gap_above" if gap >= 0 else "reading_gap_below"
        sentences.append(
            words(
                key,
                lang,
                target=scorecard.format_target(row, lang),
                gap=fmt_number(abs(gap), decimals, lang),
            )
        )
    if row is not None and pd.notna(row["baseline_year"]):
        text = baseline_text(store, geo_code, indicator_id, int(row["baseline_year"]), lang)
        if text:
            sentences.append(words("baseline", lang, text=text))
    return " ".join(sentences)


def status_list(status: pd.DataFrame, geo_code: str, goal_id: str, lang: str) -> str:
    """Each target of the goal and its sub-goals: status as worded by the rules, and why."""
    rows = scorecard.scorecard_rows(status, geo_code)
    rows = rows[rows["goal_id"].astype(str).str.split(".").str[0] == goal_id]
    rows = rows[~rows["indicator_id"].fillna("").str.contains(":", regex=False)]
    rows = rows[scorecard.measured(rows)]  # the rest are summarised on the first page
    items = []
    for _, row in rows.iterrows():
        reason = row[f"reason_{lang}"]
        cell = scorecard.status_cell(
            scorecard.status_symbol(row), scorecard.status_word(row, lang), row["status"]
        )
        items.append(
            f"<li>{html.escape(str(row['goal_id']))}: {cell}"
            f" — {html.escape(str(reason) if pd.notna(reason) else '')}</li>"
        )
    return f'<ul class="trsplan-status-list">{"".join(items)}</ul>' if items else ""


def lead_first(store, status, geo_code: str, goal_id: str, indicators: list[str]) -> list[str]:
    """The goal's indicators with the one its first assessed target uses (the scorecard's) first."""
    rows = status[
        (status["geo_code"] == geo_code)
        & (status["goal_id"] == goal_id)
        & (status["latest_value"].notna())
    ].sort_values("target_index")
    present = set(geo_rows(store, geo_code)["indicator_id"])
    lead = [i for i in rows["indicator_id"] if i in present]
    return list(dict.fromkeys([*lead[:1], *indicators]))


def _charts(store, status, forecasts, geo_code, indicators, year, lang, members) -> list[str]:
    """The goal's charts, most telling first: the lead indicator over time, its ranking, the
    member breakdown; then the other indicators."""
    charts = []
    for indicator_id in indicators:
        if not (store["indicator_id"] == indicator_id).any():
            charts.append(industry_figure(store, geo_code, indicator_id, year, lang))
            continue
        charts.append(
            time_series_figure(store, status, forecasts, geo_code, indicator_id, year, lang)
        )
        charts.append(comparator_figure(store, geo_code, indicator_id, year, lang))
        if members and indicator_id == indicators[0]:
            charts.append(member_figure(store, members, indicator_id, year, lang))
    return [c for c in charts if c]


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
) -> tuple[str, list[str]]:
    """(HTML for one main goal, its further charts for the appendix).

    The section reads its lead chart in sentences, lists the statuses and shows at most
    :data:`MAIN_CHARTS` charts; the rest go to the appendix.
    """
    goal = load_targets().goal(goal_id)
    text = goal.text_nb if lang == "nb" else goal.text_en
    parts = [
        f'<h2 id="goal-{html.escape(goal_id)}">{words("goal", lang)} {html.escape(goal_id)}</h2>',
        f"<p><em>{html.escape(text)}</em></p>",
    ]
    indicators = lead_first(
        store, status, geo_code, goal_id, goal_indicators(goal_id, store, geo_code)
    )
    indicators = indicators[:max_indicators]
    if indicators and (store["indicator_id"] == indicators[0]).any():
        sentences = reading(store, status, geo_code, indicators[0], year, lang)
        parts.append(f'<p class="trsplan-reading">{html.escape(sentences)}</p>')
    parts.append(status_list(status, geo_code, goal_id, lang))
    parts.append(estimate_note(store, geo_code, goal_id, lang))
    if not indicators:
        parts.append(f"<p>{words('no_indicator', lang)}</p>")
    charts = _charts(store, status, forecasts, geo_code, indicators, year, lang, members)
    parts.extend(charts[:MAIN_CHARTS])
    extra = [f"<h3>{words('goal', lang)} {html.escape(goal_id)}</h3>", *charts[MAIN_CHARTS:]]
    return "\n".join(p for p in parts if p), (extra if len(extra) > 1 else [])


def appendix_html(charts: list[str], lang: str, extra: str = "") -> str:
    """The appendix: every chart the goal sections left out, and any the notebook adds."""
    if not charts and not extra:
        return ""
    body = "\n".join(charts) + extra
    return f'<section class="trsplan-appendix"><h2>{words("appendix", lang)}</h2>{body}</section>'


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
    own = store[(store["geo_code"] == geo_code) & store["estimate"].notna()]
    # the goal's first part, split on the geography's few estimated rows, not the whole store
    rows = own[own["goal_id"].str.split(".").str[0] == goal_id]
    if rows.empty:
        return ""
    years = sorted(int(y) for y in rows["year"].unique())
    span = f"{years[0]}–{years[-1]}" if len(years) > 1 else str(years[0])
    text = ESTIMATE_NOTES[lang].format(years=span)
    return f'<p class="trsplan-footnote"><small>* {html.escape(text)}</small></p>'


def methods_html(store: pd.DataFrame, lang: str) -> str:
    """Each indicator in the report with its definition (label, unit) and source tables; an
    indicator kept per industry (``employment:58-63``) is one row (``employment:*``)."""
    rows = store[["indicator_id", "unit", "source_tables"]].copy()
    rows["base"] = rows["indicator_id"].str.split(":").str[0]
    # the indicators the plan's goals name; every other column is in the workbook
    named = set(load_targets().indicator_ids()) | set(LABELS)
    rows = rows[rows["base"].isin(named)]
    per_industry = rows["indicator_id"].str.contains(":", regex=False)
    rows["shown"] = rows["base"].where(~per_industry, rows["base"] + ":*")
    rows = rows.drop_duplicates("shown")
    head = (
        "<tr><th>Indikator</th><th>Enhet</th><th>Kilde (SSB-tabell)</th></tr>"
        if lang == "nb"
        else "<tr><th>Indicator</th><th>Unit</th><th>Source (SSB table)</th></tr>"
    )
    body = "".join(
        f"<tr><td>{html.escape(indicator_label(r.base, lang))} "
        f"<small>(<code>{html.escape(r.shown)}</code>)</small></td>"
        f"<td>{html.escape(unit_label(str(r.unit), lang))}</td>"
        f"<td>{html.escape(source_text(r.source_tables, lang))}</td></tr>"
        for r in rows.sort_values("shown").itertuples()
    )
    table = f'<table class="trsplan-methods"><thead>{head}</thead><tbody>{body}</tbody></table>'
    if not store["source_tables"].str.contains("brreg", regex=False).fillna(False).any():
        return table
    return f"{table}\n<p>{html.escape(SURVIVORSHIP_METHOD[lang])}</p>"


@cache
def _methods() -> tuple[dict[str, Any], ...]:
    path = static_dir("methods.yaml")
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return tuple(raw.get("items", ()))


def operationalisations(lang: str) -> list[tuple[str, str, str]]:
    """(goal id, the plan's words, our reading) for every target with an operationalisation,
    once per goal and reading (3.2's three targets share one)."""
    out: dict[tuple[str, str], tuple[str, str, str]] = {}
    for target in load_targets().targets():
        op = target.operationalisation
        if op is None:
            continue
        reading = op.reading_nb if lang == "nb" else op.reading_en
        out.setdefault((target.goal_id, reading), (target.goal_id, op.plan_words, reading))
    return list(out.values())


def definitions_html(lang: str) -> str:
    """The methods section's definitions (data/methods.yaml) and the targets' operationalisations
    (data/targets.yaml): the plan's own words beside our reading of them."""
    parts = []
    for item in _methods():
        parts.append(f"<h3>{html.escape(str(item[f'title_{lang}']))}</h3>")
        parts.append(f"<p>{html.escape(str(item[f'text_{lang}']))}</p>")
    rows = "".join(
        f"<tr><th scope='row'>{html.escape(goal)}</th><td>«{html.escape(words)}»</td>"
        f"<td>{html.escape(reading)}</td></tr>"
        for goal, words, reading in operationalisations(lang)
    )
    head = (
        "<tr><th>Mål</th><th>Planens ord</th><th>Operasjonalisering (vår lesning)</th></tr>"
        if lang == "nb"
        else "<tr><th>Goal</th><th>The plan's words</th>"
        "<th>Operationalisation (our reading)</th></tr>"
    )
    caption = "Operasjonalisering av mål" if lang == "nb" else "Operationalisation of targets"
    parts.append(
        f'<table class="trsplan-methods"><caption>{caption}</caption><thead>{head}</thead>'
        f"<tbody>{rows}</tbody></table>"
    )
    return "\n".join(parts)
