"""User-facing words and number formatting, in Norwegian bokmål (default) and English."""

from __future__ import annotations

import math

LANGUAGES = ("nb", "en")
DEMO_BANNER = {
    "nb": "Demodata (syntetiske) – Demo data (synthetic): tallene er laget av en generator "
    "og er ikke offisiell statistikk.",
    "en": "Demo data (synthetic): the numbers come from a generator, not from official statistics.",
}

LABELS: dict[str, dict[str, str]] = {
    "population": {"nb": "Folkemengde 1. januar", "en": "Population 1 January"},
    "population_change": {"nb": "Folketilvekst", "en": "Population growth"},
    "births": {"nb": "Levendefødte", "en": "Live births"},
    "deaths": {"nb": "Døde", "en": "Deaths"},
    "natural_increase": {"nb": "Fødselsoverskudd", "en": "Natural increase"},
    "net_domestic_migration": {"nb": "Netto innenlands flytting", "en": "Net domestic migration"},
    "net_international_migration": {
        "nb": "Nettoinnvandring",
        "en": "Net international migration",
    },
    "net_migration": {"nb": "Nettoinnflytting", "en": "Net migration"},
    "population_growth_pct": {"nb": "Vekst i prosent", "en": "Growth, per cent"},
    "population_share_norway": {"nb": "Andel av Norges befolkning", "en": "Share of Norway"},
    "population_change_target": {"nb": "Mål (5.1)", "en": "Target (5.1)"},
    "cumulative_population_change": {
        "nb": "Samlet vekst siden 2010",
        "en": "Cumulative growth since 2010",
    },
    "cumulative_population_change_target": {
        "nb": "Mål: 4 000 × år",
        "en": "Target: 4,000 × years",
    },
    "register": {"nb": "Register (kvalitativt)", "en": "Register (qualitative)"},
    "business_index": {"nb": "Næringsutviklingsindeks", "en": "Business development index"},
    "in_commuters": {"nb": "Innpendlere til Trondheim", "en": "In-commuters to Trondheim"},
    "share_working_in_centre": {
        "nb": "Andel sysselsatte bosatte som arbeider i Trondheim",
        "en": "Share of employed residents working in Trondheim",
    },
    "building_case_percentile": {
        "nb": "Byggesaker 12 uker: persentil (0 = raskest)",
        "en": "Building cases 12 weeks: percentile (0 = fastest)",
    },
    "building_case_3w_percentile": {
        "nb": "Byggesaker 3 uker: persentil (0 = raskest)",
        "en": "Building cases 3 weeks: percentile (0 = fastest)",
    },
    "zoning_case_percentile": {
        "nb": "Reguleringssaker: persentil (0 = raskest)",
        "en": "Zoning cases: percentile (0 = fastest)",
    },
    "immigrant_share": {"nb": "Innvandrerandel", "en": "Immigrant share"},
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
    """A user-facing label: this module's words, else the targets file's indicator labels.

    Industry-specific ids (``location_quotient:58-63``) get the industry in brackets.
    """
    check_lang(lang)
    if key in LABELS:
        return LABELS[key][lang]
    base, _, detail = key.partition(":")
    from trsplan.evaluation.targets import load_targets

    targets = load_targets()
    if base in targets.indicator_ids():
        indicator = targets.indicator(base)
        text = indicator.label_nb if lang == "nb" else indicator.label_en
        return f"{text} ({detail})" if detail else text
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
