"""The evaluation's first page: the verdict in sentences and a compact scorecard, one goal a row.

Reads the status frame from ``trsplan.evaluation.evaluate.evaluate`` (one row per goal target
and geography). Status words and symbols are the frame's own columns (``status_symbol``,
``status_nb``/``status_en``), so whatever status the rules give is shown as they word it; a
status is never colour alone. "Since the last evaluation" is the same evaluation run for the year
two years earlier on the same indicator store.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

import pandas as pd

from trsplan.evaluation.status import Status
from trsplan.evaluation.targets import load_targets
from trsplan.report.memo import frame_memo, geo_rows
from trsplan.report.text import fmt_number, fmt_percent, join_words, words

#: Known statuses best first; a status the rules add later sorts after these.
STATUS_ORDER = [s.value for s in Status]
EVALUATION_INTERVAL = 2  # the plan is evaluated every second year
COUNT_UNITS = ("persons", "companies", "count", "days")
#: The register's reasons for a municipality with no entry (trsplan.evaluation.register).
NOT_REGISTERED = ("ikke registrert", "nothing registered")


@dataclass(frozen=True)
class GoalLine:
    """One measured goal on the first page."""

    goal_id: str
    status: str  # the status key of the goal's lead target
    symbol: str
    word: str
    latest: str
    target: str
    previous: str
    previous_status: str | None
    more: str  # the goal's other targets, "+ 2 delmål: ↗ 1, ✖ 1"


def scorecard_rows(status: pd.DataFrame, geo_code: str) -> pd.DataFrame:
    """Every target row of a geography, in the targets file's goal order."""
    memo = frame_memo(status).setdefault("scorecard_rows", {})
    if geo_code not in memo:
        rows = geo_rows(status, geo_code).copy()
        order = {g.id: i for i, g in enumerate(load_targets().goals())}
        rows["_order"] = rows["goal_id"].map(order)
        memo[geo_code] = rows.sort_values(["_order", "target_index"]).drop(columns="_order")
    return memo[geo_code]


def previous_evaluation(store: pd.DataFrame, year: int, geo_code: str) -> pd.DataFrame:
    """The status frame of the evaluation two years earlier, from the same store."""
    from trsplan.evaluation.evaluate import evaluate

    status, _ = evaluate(store, year - EVALUATION_INTERVAL, geo_codes=[geo_code])
    return status


def measured(rows: pd.DataFrame) -> pd.Series:
    return (rows["status"] != Status.NOT_ASSESSED.value) | rows["latest_value"].notna()


def status_word(row, lang: str) -> str:
    column = f"status_{lang}"
    if column in row and pd.notna(row[column]):
        return str(row[column])
    return Status(row["status"]).label(lang)


def status_symbol(row) -> str:
    if "status_symbol" in row and pd.notna(row["status_symbol"]):
        return str(row["status_symbol"])
    return Status(row["status"]).symbol


def format_value(value, unit, lang: str) -> str:
    if value is None or pd.isna(value):
        return ".."
    if unit == "rank":
        return words("rank", lang, n=int(value))
    if unit == "percent":
        return fmt_percent(float(value), 1, lang)
    return fmt_number(float(value), 0 if unit in COUNT_UNITS or abs(value) >= 1000 else 2, lang)


def _latest(row, lang: str) -> str:
    ranked = str(row["direction"]) == "rank_best"
    unit = "rank" if ranked else row["unit"]
    if pd.isna(row["latest_value"]):
        return ".."
    text = format_value(row["latest_value"], unit, lang)
    return f"{text} ({int(row['latest_year'])})" if pd.notna(row["latest_year"]) else text


def format_target(row, lang: str) -> str:
    """The target in words: "≥ 4 000 per år", "nr. 1", "økning", "2 × nivået i 2014 innen 2025"."""
    direction, basis = str(row["direction"]), str(row["basis"])
    value = row["target_value"]
    if direction == "rank_best":
        text = words("rank_best", lang)
    elif direction in ("increase", "decrease"):
        text = words(direction, lang)
    elif direction == Status.CONTEXT.value:
        return words("no_target", lang)
    elif pd.isna(value):
        return ".."
    elif basis == "ratio_to_baseline":
        text = words(
            "times_baseline", lang, x=fmt_number(value, 0, lang), year=int(row["baseline_year"])
        )
    else:
        sign = "≥" if direction == "at_least" else "≤" if direction == "at_most" else ""
        text = f"{sign} {format_value(value, row['unit'], lang)}".strip()
        if basis == "cumulative_since_baseline" and pd.notna(row["baseline_year"]):
            text += (
                " "
                + words("a_year", lang)
                + ", "
                + words("cumulative", lang, year=int(row["baseline_year"]))
            )
    if pd.notna(row["deadline"]):
        text += " " + words("by_deadline", lang, year=int(row["deadline"]))
    return text


def _rank(key: str) -> int:
    return STATUS_ORDER.index(key) if key in STATUS_ORDER else len(STATUS_ORDER)


def _industry_line(goal_id: str, rows: pd.DataFrame, previous: pd.DataFrame, lang: str):
    """A goal judged per industry: the majority status and "n of N industries" per status."""
    counts = rows.groupby("status", sort=False).size()
    key = max(counts.index, key=lambda k: (counts[k], _rank(k)))
    lead = rows[rows["status"] == key].iloc[0]
    tally = ", ".join(
        f"{status_symbol(r)} {int(counts[r['status']])}"
        for _, r in rows.drop_duplicates("status").iterrows()
    )
    before = previous[previous["goal_id"] == goal_id] if len(previous) else previous
    prev_key = None
    prev_text = ".."
    if len(before):
        prev_counts = before.groupby("status", sort=False).size()
        prev_key = max(prev_counts.index, key=lambda k: (prev_counts[k], _rank(k)))
        prev_text = "; ".join(
            f"{status_symbol(r)} {int(prev_counts[r['status']])}/{len(before)}"
            for _, r in before.drop_duplicates("status").iterrows()
        )
    return GoalLine(
        goal_id,
        key,
        status_symbol(lead),
        status_word(lead, lang),
        words("industries", lang, text=tally, total=len(rows)),
        format_target(lead, lang),
        prev_text,
        prev_key,
        "",
    )


def _match(previous: pd.DataFrame, row) -> pd.Series | None:
    if not len(previous):
        return None
    hit = previous[
        (previous["goal_id"] == row["goal_id"])
        & (previous["target_index"].astype("Int64") == row["target_index"])
        & (previous["indicator_id"] == row["indicator_id"])
    ]
    return hit.iloc[0] if len(hit) else None


def goal_lines(
    status: pd.DataFrame, geo_code: str, lang: str, previous: pd.DataFrame | None = None
) -> tuple[list[GoalLine], list[tuple[str, str]]]:
    """(one line per measured goal, (goal id, why not) per goal that cannot be assessed)."""
    rows = scorecard_rows(status, geo_code)
    previous = previous if previous is not None else rows.iloc[0:0]
    if len(previous):
        previous = previous[previous["geo_code"] == geo_code]
    lines, unmeasured = [], []
    for goal_id, goal_rows in rows.groupby("goal_id", sort=False):
        assessed = goal_rows[measured(goal_rows)]
        if assessed.empty:
            unmeasured.append((str(goal_id), _why_not(goal_rows.iloc[0], lang)))
            continue
        per_industry = assessed["indicator_id"].fillna("").str.contains(":", regex=False)
        if per_industry.all():
            lines.append(_industry_line(str(goal_id), assessed, previous, lang))
            continue
        assessed = assessed[~per_industry]
        lead, others = assessed.iloc[0], assessed.iloc[1:]
        before = _match(previous, lead)
        prev_text, prev_key = "..", None
        if before is not None:
            prev_key = str(before["status"])
            prev_text = f"{status_symbol(before)} {status_word(before, lang)}"
            if pd.notna(before["latest_value"]):
                prev_text += f", {_latest(before, lang)}"
        more = ""
        if len(others):
            tally = others.groupby("status", sort=False).size()
            text = ", ".join(
                f"{status_symbol(r)} {int(tally[r['status']])}"
                for _, r in others.drop_duplicates("status").iterrows()
            )
            more = words("more_targets", lang, n=len(others), text=text)
        lines.append(
            GoalLine(
                str(goal_id),
                str(lead["status"]),
                status_symbol(lead),
                status_word(lead, lang),
                _latest(lead, lang),
                format_target(lead, lang),
                prev_text,
                prev_key,
                more,
            )
        )
    return lines, unmeasured


def _why_not(row, lang: str) -> str:
    indicator = str(row["indicator_id"]) if pd.notna(row["indicator_id"]) else ""
    reason = row.get(f"reason_{lang}")
    nobody = pd.isna(reason) or str(reason).startswith("0 ") or str(reason) in NOT_REGISTERED
    if indicator.startswith("register") and pd.isna(row["latest_value"]) and nobody:
        own = row.get("geo_level") == "municipality"
        return words("no_register_own" if own else "no_register", lang)
    if pd.isna(row["latest_value"]) and indicator and not indicator.startswith("register"):
        from trsplan.report.text import label

        text = words("no_data", lang, what=label(indicator, lang))
        if pd.notna(reason) and str(reason) not in ("ingen data", "no data"):
            text += f" ({reason})"
        return text
    return str(reason) if pd.notna(reason) else words("none", lang)


def _goal_ranges(goal_ids: list[str]) -> str:
    """ "1.1–1.4, 2.1–2.6": consecutive sub-goals of one main goal as a range."""
    targets = [g.id for g in load_targets().goals()]
    position = {g: i for i, g in enumerate(targets)}
    ordered = sorted(goal_ids, key=lambda g: position.get(g, 10**6))
    runs: list[list[str]] = []
    for goal in ordered:
        last = runs[-1][-1] if runs else None
        if (
            last is not None
            and position.get(goal) == position.get(last, -2) + 1
            and goal.split(".")[0] == last.split(".")[0]
        ):
            runs[-1].append(goal)
        else:
            runs.append([goal])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def unmeasured_html(unmeasured: list[tuple[str, str]], lang: str) -> str:
    """One line per reason: "Mål 2.1–2.6: ingen kommuner har registrert ennå; mal: …"."""
    if not unmeasured:
        return ""
    by_reason: dict[str, list[str]] = {}
    for goal_id, reason in unmeasured:
        by_reason.setdefault(reason, []).append(goal_id)
    items = []
    for reason, goals in by_reason.items():
        reason_html = html.escape(reason)
        if "`" in reason_html:  # the one command a reader can run, as code
            head, code, tail = reason_html.split("`", 2)
            reason_html = f"{head}<code>{code}</code>{tail}"
        items.append(
            f"<li>{words('goals' if len(goals) > 1 else 'goal', lang)} "
            f"{html.escape(_goal_ranges(goals))}: {reason_html}</li>"
        )
    return (
        f'<div class="trsplan-unmeasured"><p><strong>{words("unmeasured_heading", lang)}'
        f"</strong></p><ul>{''.join(items)}</ul></div>"
    )


def status_cell(symbol: str, word: str, key: str) -> str:
    """Symbol and word (never colour alone); the symbol is decoration for screen readers."""
    return (
        f'<span class="trsplan-status trsplan-status-{html.escape(key)}">'
        f'<span aria-hidden="true">{html.escape(symbol)}</span> {html.escape(word)}</span>'
    )


def _goal_text(goal_id: str, lang: str, limit: int = 70) -> str:
    goal = load_targets().goal(goal_id)
    text = goal.text_nb if lang == "nb" else goal.text_en
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def scorecard_html(lines: list[GoalLine], year: int, lang: str) -> str:
    """The compact scorecard: goal, status, latest value, target, the previous evaluation."""
    heads = [
        words("col_goal", lang),
        words("col_status", lang),
        words("col_latest", lang),
        words("col_target", lang),
        words("col_previous", lang, year=year - EVALUATION_INTERVAL),
    ]
    head = "".join(f'<th scope="col">{h}</th>' for h in heads)
    body, main = [], None
    for line in lines:
        this_main = line.goal_id.split(".")[0]
        group = ' class="trsplan-group-start"' if this_main != main and main is not None else ""
        main = this_main
        more = f"<br/><small>{html.escape(line.more)}</small>" if line.more else ""
        body.append(
            f"<tr{group}>"
            f'<th scope="row">{html.escape(line.goal_id)} <small>'
            f"{html.escape(_goal_text(line.goal_id, lang))}</small></th>"
            f"<td>{status_cell(line.symbol, line.word, line.status)}{more}</td>"
            f"<td>{html.escape(line.latest)}</td><td>{html.escape(line.target)}</td>"
            f"<td>{html.escape(line.previous)}</td></tr>"
        )
    widths = "".join(f'<col style="width:{w}%"/>' for w in (34, 17, 16, 17, 16))
    return (
        f'<table class="trsplan-scorecard"><caption>'
        f"{words('scorecard_caption', lang, year=year)}</caption>"
        f"<colgroup>{widths}</colgroup><thead><tr>{head}</tr>"
        f"</thead><tbody>{''.join(body)}</tbody></table>"
    )


def _verdict_word(line: GoalLine, lang: str) -> tuple[str, str]:
    """(symbol, word) a goal is counted under: the status's own word for a known status (so
    "ikke nådd i 2020: 0,94" and "ikke nådd i 2025: 948" count together as "ikke nådd"), the
    line's word for a status the rules add later."""
    if line.status in STATUS_ORDER:
        known = Status(line.status)
        return known.symbol, known.label(lang)
    return line.symbol, line.word


def verdict_counts(lines: list[GoalLine], lang: str = "nb") -> list[tuple[str, str, int]]:
    """(symbol, word, number of goals) per status, best status first."""
    counts: dict[tuple[str, str], int] = {}
    keys: dict[tuple[str, str], str] = {}
    for line in lines:
        shown = _verdict_word(line, lang)
        counts[shown] = counts.get(shown, 0) + 1
        keys[shown] = line.status
    ordered = sorted(counts, key=lambda k: _rank(keys[k]))
    return [(symbol, word, counts[(symbol, word)]) for symbol, word in ordered]


def _change_rank(key: str) -> int:
    """Rank for "better / worse since the last evaluation": a passed deadline not met is as bad
    as off track (the same judgement, made final), not worse."""
    return _rank(Status.OFF_TRACK.value if key == Status.NOT_MET.value else key)


def verdict_text(
    lines: list[GoalLine], unmeasured: list[tuple[str, str]], year: int, lang: str
) -> str:
    """The verdict in sentences, generated from the goal lines only."""
    sentences = []
    context = [ln for ln in lines if ln.status == Status.CONTEXT.value]
    judged = [ln for ln in lines if ln.status != Status.CONTEXT.value]
    if judged:
        parts = []
        for symbol, word, n in verdict_counts(judged, lang):
            goals = [ln.goal_id for ln in judged if _verdict_word(ln, lang) == (symbol, word)]
            parts.append(words("verdict_part", lang, n=n, word=word, goals=", ".join(goals)))
        sentences.append(
            words("verdict_measured", lang, total=len(judged), parts=join_words(parts, lang))
        )
    if context:
        ids = ", ".join(ln.goal_id for ln in context)
        sentences.append(words("verdict_context", lang, goals=ids))
    if unmeasured:
        register = (words("no_register", lang), words("no_register_own", lang))
        waiting = [g for g, why in unmeasured if why in register]
        lacking = [g for g, why in unmeasured if why not in register]
        own = any(why == words("no_register_own", lang) for _, why in unmeasured)
        parts = []
        if waiting:
            key = "waiting_register_own" if own else "waiting_register"
            parts.append(words(key, lang, n=len(waiting)))
        if lacking:
            parts.append(words("lacking_data", lang, n=len(lacking), goals=", ".join(lacking)))
        sentences.append(
            words("verdict_unmeasured", lang, n=len(unmeasured), parts=join_words(parts, lang))
        )
    compared = [ln for ln in judged if ln.previous_status is not None]
    if compared:
        up = [
            ln.goal_id
            for ln in compared
            if _change_rank(ln.status) < _change_rank(ln.previous_status)
        ]
        down = [
            ln.goal_id
            for ln in compared
            if _change_rank(ln.status) > _change_rank(ln.previous_status)
        ]

        def named(ids: list[str]) -> str:
            return words("goal_list", lang, ids=", ".join(ids)) if ids else words("no_goal", lang)

        sentences.append(
            words(
                "verdict_changes",
                lang,
                year=year - EVALUATION_INTERVAL,
                up=named(up),
                down=named(down),
            )
        )
    return " ".join(sentences)


def first_page_html(
    status: pd.DataFrame,
    geo_code: str,
    year: int,
    lang: str,
    previous: pd.DataFrame | None = None,
) -> str:
    """Verdict sentences, the scorecard and the one-line list of goals not yet assessable.

    The section carries its verdict counts (``data-verdict-counts``), so the index page shows
    what the report says without judging every goal again."""
    lines, unmeasured = goal_lines(status, geo_code, lang, previous)
    verdict = html.escape(verdict_text(lines, unmeasured, year, lang))
    counts = html.escape(json.dumps(counts_from_lines(lines, unmeasured, lang), ensure_ascii=False))
    return (
        f'<section class="trsplan-first-page" {COUNTS_ATTRIBUTE}="{counts}">'
        f"<h2>{words('verdict_heading', lang)}</h2>"
        f'<p class="trsplan-verdict">{verdict}</p>'
        f"{scorecard_html(lines, year, lang)}{unmeasured_html(unmeasured, lang)}</section>"
    )


COUNTS_ATTRIBUTE = "data-verdict-counts"
_COUNTS = re.compile(COUNTS_ATTRIBUTE + r'="([^"]*)"')


def status_counts(status: pd.DataFrame, geo_code: str, lang: str = "nb") -> list[tuple]:
    """The verdict counts of one report (for the index page): (symbol, word, n) per status."""
    lines, unmeasured = goal_lines(status, geo_code, lang)
    return counts_from_lines(lines, unmeasured, lang)


def counts_from_lines(
    lines: list[GoalLine], unmeasured: list[tuple[str, str]], lang: str
) -> list[tuple[str, str, int]]:
    counts = verdict_counts(lines, lang)
    if unmeasured:
        na = Status.NOT_ASSESSED
        counts.append((na.symbol, na.label(lang), len(unmeasured)))
    return counts


def counts_in_html(text: str) -> list[tuple[str, str, int]] | None:
    """The verdict counts a rendered first page carries, or None if it carries none."""
    found = _COUNTS.search(text)
    if found is None:
        return None
    return [(str(a), str(b), int(n)) for a, b, n in json.loads(html.unescape(found.group(1)))]
