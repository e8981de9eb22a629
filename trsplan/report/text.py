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
    "year": {"nb": "År", "en": "Year"},
    "persons": {"nb": "Personer", "en": "Persons"},
    "met": {"nb": "nådd", "en": "met"},
    "not_met": {"nb": "ikke nådd", "en": "not met"},
    "not_assessed": {"nb": "ikke vurdert", "en": "not assessed"},
}


def check_lang(lang: str) -> str:
    if lang not in LANGUAGES:
        raise ValueError(f"language {lang!r} is not supported; use one of {', '.join(LANGUAGES)}")
    return lang


def label(key: str, lang: str = "nb") -> str:
    return LABELS.get(key, {}).get(check_lang(lang), key)


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
