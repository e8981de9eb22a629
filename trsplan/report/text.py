"""User-facing words and number formatting, in Norwegian bokmål (default) and English."""

from __future__ import annotations

import csv
import functools
import math

from trsplan.paths import definitions_dir

# The indicator catalogue and inputs (pandas, the SSB client) load when first needed: the
# report command imports this module on its way to deciding a re-run has nothing to do.

LANGUAGES = ("nb", "en")
DEMO_BANNER = {
    "nb": "Demodata (syntetiske) – Demo data (synthetic): tallene er laget av en generator "
    "og er ikke offisiell statistikk.",
    "en": "Demo data (synthetic): the numbers come from a generator, not from official statistics.",
}

PLACEHOLDER_SOURCE = {
    "nb": "syntetisk (trsplan demo-generator, ingen SSB-tabell)",
    "en": "synthetic (trsplan demo generator, no SSB table)",
}


def source_text(source_tables: str, lang: str = "nb") -> str:
    """A store row's ``source_tables`` for people: an invented table id (the demo's wage-bill
    placeholder 99901) is shown as synthetic, never as an SSB table."""
    from trsplan.indicators.inputs import PLACEHOLDER_TABLES

    parts = [p for p in str(source_tables).split(";") if p]
    shown = [PLACEHOLDER_SOURCE[lang] if p in PLACEHOLDER_TABLES else p for p in parts]
    return "; ".join(dict.fromkeys(shown))


#: Words of the reports that are not indicators (indicator labels: the indicator catalogue).
LABELS: dict[str, dict[str, str]] = {
    "register": {"nb": "Register (kvalitativt)", "en": "Register (qualitative)"},
    "year": {"nb": "År", "en": "Year"},
    "persons": {"nb": "Personer", "en": "Persons"},
    "met": {"nb": "nådd", "en": "met"},
    "not_met": {"nb": "ikke nådd", "en": "not met"},
    "not_assessed": {"nb": "ikke vurdert", "en": "not assessed"},
}

UNITS = {
    "nb": {
        "persons": "Personer",
        "companies": "Foretak",
        "percent": "Prosent",
        "ratio": "Forhold",
        "days": "Dager",
        "per_1000": "Per 1 000 innbyggere",
        "index": "Indeks",
        "percentile": "Persentil",
        "rank": "Rangering",
        "count": "Antall",
        "boolean": "Ja/nei",
        "percentage_points": "Prosentpoeng",
    },
    "en": {
        "persons": "Persons",
        "companies": "Companies",
        "percent": "Per cent",
        "ratio": "Ratio",
        "days": "Days",
        "per_1000": "Per 1,000 inhabitants",
        "index": "Index",
        "percentile": "Percentile",
        "rank": "Rank",
        "count": "Number",
        "boolean": "Yes/no",
        "percentage_points": "Percentage points",
    },
}


def unit_label(unit: str, lang: str = "nb") -> str:
    return UNITS[check_lang(lang)].get(unit, unit)


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not supported; use one of {', '.join(LANGUAGES)}")
    return lang


def label(key: str, lang: str = "nb") -> str:
    """A user-facing label: this module's words, else the indicator catalogue's label.

    Industry-specific ids (``location_quotient:58-63``) get the industry in brackets; a key that
    is neither is shown as it is.
    """
    check_lang(lang)
    if key in LABELS:
        return LABELS[key][lang]
    from trsplan.indicators import catalogue

    if key in catalogue.load_catalogue():
        return catalogue.label(key, lang)
    return key


def fmt_number(value: float | None, decimals: int = 0, lang: str = "nb", sign: bool = False) -> str:
    """12 345,6 in Norwegian, 12,345.6 in English; missing values show as '..' (SSB's symbol)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ".."
    text = f"{value:{'+' if sign else ''},.{decimals}f}"
    if check_lang(lang) == "nb":
        # swap separators through a placeholder; SSB uses a space for thousands, comma decimals
        text = text.replace(",", "\u00a0").replace(".", ",")
        text = text.replace("-", "\u2212")
    return text


def fmt_percent(value: float | None, decimals: int = 1, lang: str = "nb") -> str:
    number = fmt_number(value, decimals, lang)
    if number == "..":
        return number
    return f"{number}\u00a0%" if lang == "nb" else f"{number}%"


@functools.cache
def _industries() -> dict[str, dict[str, str]]:
    """``data/definitions/nace_industries.csv``: NACE range -> name in nb and en."""
    path = definitions_dir() / "nace_industries.csv"
    if not path.is_file():  # a mirrored data folder without definitions: codes only
        return {}
    with path.open(encoding="utf-8", newline="") as handle:
        return {row["code"]: row for row in csv.DictReader(handle)}


def industry_name(code: str, lang: str = "nb") -> str:
    """ "68-75 Eiendom, faglig, …": the NACE range with its name (the code alone if unknown)."""
    row = _industries().get(code)
    return f"{code} {row['name_' + check_lang(lang)]}" if row else code


#: Sentences and headings of the report; ``{name}`` fields are filled by ``words(key, lang, …)``.
WORDS: dict[str, dict[str, str]] = {
    "title": {
        "nb": "Evaluering av strategisk næringsplan",
        "en": "Evaluation of the strategic business plan",
    },
    "goal": {"nb": "Mål", "en": "Goal"},
    "goals": {"nb": "Mål", "en": "Goals"},
    "and": {"nb": "og", "en": "and"},
    "verdict_heading": {"nb": "Hovedfunn", "en": "Main findings"},
    "scorecard_caption": {
        "nb": "Måloppnåelse {year} (ett mål per rad)",
        "en": "Goal attainment {year} (one goal per row)",
    },
    "col_goal": {"nb": "Mål", "en": "Goal"},
    "col_status": {"nb": "Status", "en": "Status"},
    "col_latest": {"nb": "Siste verdi", "en": "Latest value"},
    "col_target": {"nb": "Målverdi", "en": "Target"},
    "col_previous": {"nb": "Forrige evaluering ({year})", "en": "Previous evaluation ({year})"},
    "verdict_measured": {
        "nb": "Av {total} mål med tall eller registreringer er {parts}.",
        "en": "Of {total} goals with figures or register entries, {parts}.",
    },
    "verdict_part": {"nb": "{n} {word} ({goals})", "en": "{n} {word} ({goals})"},
    "no_target": {"nb": "ingen (kontekst)", "en": "none (context)"},
    "verdict_context": {
        "nb": "Mål {goals} vises som kontekst med utvikling: planen setter ikke noe mål å måle "
        "mot.",
        "en": "Goal {goals} is shown as context with its trend: the plan sets no target to judge.",
    },
    "verdict_unmeasured": {
        "nb": "{n} mål kan ikke vurderes ennå: {parts}.",
        "en": "{n} goals cannot be assessed yet: {parts}.",
    },
    "waiting_register": {
        "nb": "{n} venter på registreringer fra kommunene",
        "en": "{n} await the municipalities' register entries",
    },
    "waiting_register_own": {
        "nb": "{n} venter på kommunens registrering",
        "en": "{n} await the municipality's register entries",
    },
    "lacking_data": {"nb": "{n} mangler data ({goals})", "en": "{n} without data ({goals})"},
    "verdict_changes": {
        "nb": "Endring siden forrige evaluering ({year}): bedre status for {up}; dårligere for "
        "{down}.",
        "en": "Change since the previous evaluation ({year}): better status for {up}; worse for "
        "{down}.",
    },
    "no_goal": {"nb": "ingen mål", "en": "no goal"},
    "goal_list": {"nb": "mål {ids}", "en": "goal {ids}"},
    "none": {"nb": "ingen", "en": "none"},
    "no_register": {
        "nb": "ingen kommuner har registrert ennå; mal: `trsplan register-template`",
        "en": "no municipality has registered yet; template: `trsplan register-template`",
    },
    "no_register_own": {
        "nb": "kommunen har ikke registrert ennå; mal: `trsplan register-template`",
        "en": "the municipality has not registered yet; template: `trsplan register-template`",
    },
    "no_data": {"nb": "ingen data for {what}", "en": "no data for {what}"},
    "unmeasured_heading": {"nb": "Kan ikke vurderes ennå", "en": "Cannot be assessed yet"},
    "more_targets": {"nb": "+ {n} til: {text}", "en": "+ {n} more: {text}"},
    "industries": {"nb": "{text} av {total} næringer", "en": "{text} of {total} industries"},
    "increase": {"nb": "økning", "en": "increase"},
    "decrease": {"nb": "nedgang", "en": "decrease"},
    "rank_best": {"nb": "nr. 1", "en": "no. 1"},
    "rank": {"nb": "nr. {n}", "en": "no. {n}"},
    "times_baseline": {"nb": "{x} × nivået i {year}", "en": "{x} × the {year} level"},
    "by_deadline": {"nb": "innen {year}", "en": "by {year}"},
    "a_year": {"nb": "per år", "en": "a year"},
    "cumulative": {"nb": "samlet siden {year}", "en": "cumulative since {year}"},
    "reading_level": {
        "nb": "{indicator} var {value} i {year}.",
        "en": "{indicator} was {value} in {year}.",
    },
    "reading_trend": {
        "nb": "Det er {change} siden {start} ({first}).",
        "en": "That is {change} since {start} ({first}).",
    },
    "reading_up": {"nb": "en økning på {x}", "en": "an increase of {x}"},
    "reading_down": {"nb": "en nedgang på {x}", "en": "a decrease of {x}"},
    "reading_flat": {"nb": "uendret", "en": "unchanged"},
    "reading_rank": {
        "nb": "Blant {n} byregioner er {name} nr. {rank} i {year}.",
        "en": "Among {n} city regions, {name} ranks no. {rank} in {year}.",
    },
    "reading_gap_above": {
        "nb": "Målet er {target}; verdien ligger {gap} over.",
        "en": "The target is {target}; the value is {gap} above it.",
    },
    "reading_gap_below": {
        "nb": "Målet er {target}; det mangler {gap}.",
        "en": "The target is {target}; {gap} short of it.",
    },
    "reading_deadline": {
        "nb": "Målet var {target}; i {year} var verdien {value}.",
        "en": "The target was {target}; in {year} the value was {value}.",
    },
    "baseline": {"nb": "Utgangspunkt: {text}.", "en": "Baseline: {text}."},
    "baseline_in_data": {"nb": "{value} i {year}", "en": "{value} in {year}"},
    "baseline_moved": {
        "nb": "{value} i {used} ({used}: første år med data fra tabell {tables}; planens "
        "utgangsår {plan} ligger utenfor dataene)",
        "en": "{value} in {used} ({used}: first year with data from table {tables}; the plan's "
        "baseline year {plan} is outside the data)",
    },
    "no_indicator": {
        "nb": "Ingen tallfestet indikator for dette målet i datagrunnlaget.",
        "en": "No quantified indicator for this goal in the data.",
    },
    "appendix": {"nb": "Vedlegg: flere figurer", "en": "Appendix: more charts"},
    "by_industry": {"nb": "{what} etter næring {year}", "en": "{what} by industry {year}"},
    "city_regions": {
        "nb": "{what}, byregioner (10 %-regelen for pendling) {year}",
        "en": "{what}, city regions (10 % commuting rule) {year}",
    },
    "by_municipality": {"nb": "{what} per kommune {year}", "en": "{what} by municipality {year}"},
    "ranking_alt": {
        "nb": "Liggende stolper: {what} for {n} byregioner i {year}, størst øverst. {name} er "
        "uthevet med mørk farge og skravur: {value}.",
        "en": "Horizontal bars: {what} for {n} city regions in {year}, largest at the top. {name} "
        "is highlighted in dark colour with hatching: {value}.",
    },
    "bars_alt": {
        "nb": "Liggende stolper: {what}, {n} verdier fra {low} til {high}.",
        "en": "Horizontal bars: {what}, {n} values from {low} to {high}.",
    },
    "series_alt": {
        "nb": "Linje: {what} {first}–{last}, fra {v0} til {v1}.",
        "en": "Line: {what} {first}–{last}, from {v0} to {v1}.",
    },
    "series_alt_target": {
        "nb": " Stiplet linje: målet {target}.",
        "en": " Dashed line: the target {target}.",
    },
    "series_alt_fan": {
        "nb": " Skyggelagt: framskriving med 80 og 95 % intervall.",
        "en": " Shaded: forecast with 80 and 95 % intervals.",
    },
    "axis_not_zero": {
        "nb": "Merk: aksen starter ikke på null.",
        "en": "Note: the axis does not start at zero.",
    },
    "forecast": {"nb": "Framskriving", "en": "Forecast"},
    "target": {"nb": "Mål", "en": "Target"},
    "target_caption": {"nb": "mål {target}", "en": "target {target}"},
    "fan_caption": {
        "nb": "framskriving med 80 og 95 % intervall",
        "en": "forecast with 80 and 95 % intervals",
    },
    "methods": {"nb": "Metode og kilder", "en": "Methods and sources"},
    "workbook": {
        "nb": "Fullstendige tabeller for alle indikatorer: [indicators.xlsx](indicators.xlsx).",
        "en": "Full tables of every indicator: [indicators.xlsx](indicators.xlsx).",
    },
    "method_region": {
        "nb": "Regionens tall er summen av medlemskommunenes tall (delte kommuner med vekter), "
        "aldri gjennomsnitt av rater. Status for hvert mål følger reglene i "
        "trsplan.evaluation.status; framskrivinger er laget med statsmodels.",
        "en": "Regional figures are sums over member municipalities (split municipalities by "
        "weight), never averages of rates. Each goal's status follows the rules in "
        "trsplan.evaluation.status; forecasts are made with statsmodels.",
    },
    "method_municipality": {
        "nb": "Tall for tidligere år er omregnet til dagens kommunegrenser; delte kommuner er "
        "fordelt med vekter. Status for hvert mål følger reglene i trsplan.evaluation.status; "
        "framskrivinger er laget med statsmodels.",
        "en": "Earlier years are re-keyed to current municipal boundaries; split municipalities "
        "are apportioned by weights. Each goal's status follows the rules in "
        "trsplan.evaluation.status; forecasts are made with statsmodels.",
    },
    "goal_5_1_title": {
        "nb": "Mål 5.1: årlig folketilvekst mot målet på 4 000",
        "en": "Goal 5.1: annual population growth against the 4,000 target",
    },
    "goal_5_1_alt": {
        "nb": "Stolper: årlig vekst i {name} {first}–{last}; stiplet linje: målet.",
        "en": "Bars: annual growth in {name} {first}–{last}; dashed line: the target.",
    },
    "components_title": {
        "nb": "Komponenter i befolkningsendringen",
        "en": "Components of population change",
    },
    "components_alt": {
        "nb": "Stolper: fødselsoverskudd, innenlands flytting og innvandring per år for {name}; "
        "linje: samlet endring.",
        "en": "Bars: natural increase, domestic and international migration per year for "
        "{name}; line: total change.",
    },
}


def words(key: str, lang: str = "nb", **fields: object) -> str:
    """One of :data:`WORDS` in ``lang`` with its ``{fields}`` filled."""
    return WORDS[key][check_lang(lang)].format(**fields)


def join_words(items: list[str], lang: str = "nb") -> str:
    """ "a, b og c" / "a, b and c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {words('and', lang)} " + items[-1]
