"""The evaluation's front page: a scorecard of every goal, a plain-language summary, fan charts.

Reads the status frame from ``trsplan.indicators.evaluation.evaluate`` (one row per goal target and
geography); words and symbols come from ``trsplan.status`` so the status is never colour alone.
"""

from __future__ import annotations

import html
import math

import pandas as pd
from matplotlib.figure import Figure

from trsplan.report import figures
from trsplan.report.text import fmt_number, label
from trsplan.status import Status
from trsplan.targets import Targets, load_targets

STATUS_ORDER = [s.value for s in Status]
HEADERS = {
    "nb": ["Mål", "Indikator", "Utgangspunkt", "Siste", "Endring siden forrige", "Mål", "Status"],
    "en": ["Goal", "Indicator", "Baseline", "Latest", "Change since previous", "Target", "Status"],
}


def _value(value: float | None, unit: str | None, lang: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    decimals = 0 if unit in ("persons", "companies", "count", "rank", "days") else 2
    return fmt_number(float(value), decimals, lang)


def status_cell(status: str, lang: str, text: str | None = None) -> str:
    """Symbol and word (never colour alone); the symbol is decoration for screen readers.

    ``text``: the status row's own label (``status_nb`` / ``status_en``), which says more for a
    passed deadline ("ikke nådd i 2020: 0,94"); default the status's word.
    """
    value = Status(status)
    word = text if isinstance(text, str) and text else value.label(lang)
    return (
        f'<span class="trsplan-status trsplan-status-{value}">'
        f'<span aria-hidden="true">{value.symbol}</span> {html.escape(word)}</span>'
    )


def row_status_cell(row: object, lang: str) -> str:
    """:func:`status_cell` of a status-frame row (itertuples) with its own label."""
    text = getattr(row, "status_nb" if lang == "nb" else "status_en", None)
    return status_cell(str(row.status), lang, text if pd.notna(text) else None)


def _rank(value: float | None, lang: str) -> str:
    """A rank among the city regions: "nr. 2" / "no. 2"."""
    if value is None or pd.isna(value):
        return "–"
    return ("nr. " if lang == "nb" else "no. ") + str(int(value))


def _goal_text(targets: Targets, goal_id: str, lang: str) -> str:
    goal = targets.goal(goal_id)
    text = goal.text_nb if lang == "nb" else goal.text_en
    return text if len(text) <= 90 else text[:87].rstrip() + "…"


def scorecard_rows(status: pd.DataFrame, geo_code: str) -> pd.DataFrame:
    """One row per goal target for a geography, in the targets file's goal order.

    Industry-level rows (``location_quotient:58-63``) belong in the goal's section, not here.
    """
    rows = status[status["geo_code"] == geo_code].copy()
    rows = rows[~rows["indicator_id"].fillna("").str.contains(":", regex=False)]
    order = {g.id: i for i, g in enumerate(load_targets().goals())}
    rows["_order"] = rows["goal_id"].map(order)
    return rows.sort_values(["_order", "target_index"]).drop(columns="_order")


def baseline_year(goal_id: str) -> int:
    """The plan's baseline: 2014 for goal 4 (doubling from 2014), else 2010."""
    return 2014 if goal_id.split(".")[0] == "4" else 2010


def _store_value(store: pd.DataFrame | None, geo_code: str, indicator_id: str, year: int):
    if store is None:
        return None
    rows = store[
        (store["geo_code"] == geo_code)
        & (store["indicator_id"] == indicator_id)
        & (store["year"] == year)
    ]
    return float(rows["value"].iloc[0]) if len(rows) else None


def scorecard_html(
    status: pd.DataFrame, geo_code: str, lang: str = "nb", store: pd.DataFrame | None = None
) -> str:
    """Scorecard: baseline, latest, change since the previous evaluation, target, status.

    Where the status has no baseline, the store's value in the plan's baseline year is shown.
    """
    targets = load_targets()
    head = "".join(f'<th scope="col">{h}</th>' for h in HEADERS[lang])
    body = []
    for row in scorecard_rows(status, geo_code).itertuples():
        indicator = label(row.indicator_id, lang) if isinstance(row.indicator_id, str) else "–"
        base_year = (
            row.baseline_year if pd.notna(row.baseline_year) else baseline_year(str(row.goal_id))
        )
        base_value = row.baseline_value
        if pd.isna(base_value) and isinstance(row.indicator_id, str):
            base_value = _store_value(store, geo_code, row.indicator_id, int(base_year))
        ranked = str(row.direction) == "rank_best"
        baseline = "–" if ranked else _value(base_value, row.unit, lang)
        if baseline != "–":
            baseline += f" ({int(base_year)})"
        latest = (
            _rank(row.latest_value, lang) if ranked else _value(row.latest_value, row.unit, lang)
        )
        if not pd.isna(row.latest_year):
            latest += f" ({int(row.latest_year)})"
        change = row.change_since_previous
        change_text = (
            "–"
            if pd.isna(change)
            else fmt_number(float(change), 0 if abs(change) >= 10 else 2, lang, sign=True)
        )
        target = _rank(1, lang) if ranked else _value(row.target_value, row.unit, lang)
        if not pd.isna(row.deadline):
            target += f" ({int(row.deadline)})"
        body.append(
            "<tr>"
            f'<th scope="row">{html.escape(str(row.goal_id))}<br/><small>'
            f"{html.escape(_goal_text(targets, row.goal_id, lang))}</small></th>"
            f"<td>{html.escape(indicator)}</td><td>{baseline}</td><td>{latest}</td>"
            f"<td>{change_text}</td><td>{target}</td><td>{row_status_cell(row, lang)}</td>"
            "</tr>"
        )
    caption = "Måloppnåelse" if lang == "nb" else "Goal attainment"
    widths = "".join(f'<col style="width:{w}%"/>' for w in (30, 18, 11, 11, 10, 9, 11))
    return (
        f'<table class="trsplan-scorecard"><caption>{caption}</caption>'
        f"<colgroup>{widths}</colgroup><thead><tr>{head}</tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table>"
    )


def status_counts(status: pd.DataFrame, geo_code: str) -> dict[str, int]:
    rows = scorecard_rows(status, geo_code)
    counts = rows["status"].value_counts()
    return {s: int(counts.get(s, 0)) for s in STATUS_ORDER}


def summary_text(status: pd.DataFrame, geo_code: str, name: str, year: int, lang: str) -> str:
    """A short summary generated only from the status rows."""
    counts = status_counts(status, geo_code)
    total = sum(counts.values())
    assessed = total - counts["not_assessed"] - counts["context"]  # context is shown, not judged
    parts = [f"{counts[s]} {Status(s).label(lang)}" for s in STATUS_ORDER if counts[s]]
    if lang == "nb":
        return (
            f"Evalueringen {year} for {name} vurderer {total} mål og delmål med tallfestede mål "
            f"eller registreringer; {assessed} kunne vurderes: " + ", ".join(parts) + "."
        )
    return (
        f"The {year} evaluation for {name} covers {total} goal targets with numbers or register "
        f"entries; {assessed} could be assessed: " + ", ".join(parts) + "."
    )


def fan_chart(
    history: pd.Series,
    forecast: pd.DataFrame,
    target: float | None,
    title: str,
    ylabel: str,
    lang: str = "nb",
) -> Figure:
    """The observed series, the forecast with 80 % and 95 % bands, and the target line."""
    fig, ax = figures._axes()
    ax.plot(history.index, history.values, color=figures.PALETTE[0], marker="o", ms=3, label=ylabel)
    if len(forecast):
        f = forecast.sort_values("year")
        for level, alpha in (("95", 0.18), ("80", 0.35)):
            ax.fill_between(
                f["year"],
                f[f"lower{level}"],
                f[f"upper{level}"],
                color=figures.PALETTE[5],
                alpha=alpha,
                label=f"{level} %",
            )
        ax.plot(
            f["year"],
            f["mean"],
            color=figures.PALETTE[5],
            ls=":",
            lw=2,
            label="Framskriving" if lang == "nb" else "Forecast",
        )
    if target is not None and not math.isnan(target):
        ax.axhline(
            target,
            color=figures.TARGET_COLOUR,
            ls="--",
            lw=2,
            label="Mål" if lang == "nb" else "Target",
        )
    ax.set_title(figures.wrap(title))
    ax.set_xlabel(label("year", lang))
    ax.set_ylabel(ylabel)
    figures._number_axis(ax, lang, 0 if history.abs().max() >= 100 else 2)
    ax.legend(frameon=False, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    return fig
