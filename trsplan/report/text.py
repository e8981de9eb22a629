"""User-facing words and number formatting, in Norwegian bokmål (default) and English."""

from __future__ import annotations

import math

from trsplan.indicators import catalogue

LANGUAGES = ("nb", "en")
DEMO_BANNER = {
    "nb": "Demodata (syntetiske) – Demo data (synthetic): tallene er laget av en generator "
    "og er ikke offisiell statistikk.",
    "en": "Demo data (synthetic): the numbers come from a generator, not from official statistics.",
}

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
