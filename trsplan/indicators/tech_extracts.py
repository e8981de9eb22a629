"""Goal 4 counted from whole Enhetsregisteret bulk extracts (the register at full size): what
the indicator store uses (:func:`count_extracts`).

Every kept extract (enheter and underenheter, pyarrow Tables as
:func:`trsplan.sources.brreg_bulk.read_extract` returns them) is counted with vectorised rules:
companies at the business address, employees at their underenheter' locations, deleted /
bankrupt / dissolving units out, a year without its own extract estimated from the nearest later
one and marked :data:`ESTIMATE` (survivors only). Repetitive columns are read as dictionaries,
so each distinct code or date is processed once (:func:`_per_value`).

The definitions, NACE classification and employee rules are :mod:`trsplan.indicators.technology`'s
(whose :func:`~trsplan.indicators.technology.tech_counts` is the frame-based form for one
extract); this module only applies them to whole extracts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from trsplan.indicators.technology import (
    COUNT_COLUMNS,
    EMPLOYEE_RULES,
    TechDefinition,
    classify_nace,
    orgnr,
)

__all__ = [
    "END_DATES",
    "ESTIMATE",
    "EXCLUDED_FLAGS",
    "MEASURED",
    "SN2025_FROM",
    "START_DATES",
    "Extract",
    "ExtractCounts",
    "count_extracts",
    "extract_for_years",
]

MEASURED = "measured"
ESTIMATE = "estimate (survivors only)"
#: Units registered in Enhetsregisteret from this date carry SN2025 NACE codes (the register's
#: 2025 recoding); older units carry SN2007 codes in the demo extract. ASSUMPTION (unverified):
#: an extract taken after the recoding has SN2025 codes throughout; then pass an earlier
#: ``sn2025_from`` to :func:`count_extracts`.
SN2025_FROM = "2025-01-01"
#: Rule: a unit flagged so at the extract is not counted in the extract's own year.
EXCLUDED_FLAGS = ("konkurs", "underAvvikling", "underTvangsavviklingEllerTvangsopplosning")
#: Dates that end a unit's life for the years before the extract (the earliest one counts).
END_DATES = {
    "enheter": ("slettedato", "konkursdato", "underAvviklingDato"),
    "underenheter": ("slettedato", "nedleggelsesdato"),
}
START_DATES = {
    "enheter": ("registreringsdatoEnhetsregisteret", "stiftelsesdato"),
    "underenheter": ("registreringsdatoEnhetsregisteret", "oppstartsdato"),
}
PLACE = {
    "enheter": "forretningsadresse.kommunenummer",
    "underenheter": "beliggenhetsadresse.kommunenummer",
}


@dataclass(frozen=True)
class Extract:
    """One bulk extract: the date it was taken and its units (pyarrow Tables as
    :func:`trsplan.sources.brreg_bulk.read_extract` returns; ``underenheter`` may be None)."""

    taken: str  # ISO date
    enheter: object
    underenheter: object | None = None

    @property
    def year(self) -> int:
        return int(self.taken[:4])


def extract_for_years(extracts: Sequence[Extract], years: Iterable[int]) -> dict[int, Extract]:
    """{year: the extract that counts it}: the year's own extract (the latest taken in that
    year: *measured*), else the nearest later one (an *estimate*, survivors only). Years after
    the last extract are left out."""
    ordered = sorted(extracts, key=lambda e: e.taken)
    out = {}
    for year in sorted(set(years)):
        own = [e for e in ordered if e.year == year]
        later = [e for e in ordered if e.year > year]
        if own or later:
            out[year] = own[-1] if own else later[0]
    return out


def _column(table, name: str, n: int):
    import pyarrow as pa

    if name in table.column_names:
        return table[name].combine_chunks() if table[name].num_chunks != 1 else table[name].chunk(0)
    return pa.nulls(n, pa.string())


def _per_value(col, func):
    """``func`` applied to a column; for a dictionary column once per distinct value, spread
    back by the indices (the extract is read with dictionaries for repetitive columns)."""
    import pyarrow as pa

    if pa.types.is_dictionary(col.type):
        return func(col.dictionary).take(col.indices)
    return func(col)


def _years(table, names: Sequence[str], how: str) -> np.ndarray:
    """Year of the first present date among ``names`` (``first``) or the earliest (``min``);
    NaN where none is known. Dates are ISO text: the year is the first four characters."""
    import pyarrow as pa

    n = table.num_rows
    out = np.full(n, np.nan)
    for name in names:
        year = _per_value(_column(table, name, n), _year_of)
        year = year.cast(pa.float64()).to_numpy(zero_copy_only=False)
        out = np.where(np.isnan(out), year, out) if how == "first" else np.fmin(out, year)
    return out


def _year_of(dates):
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.utf8_slice_codeunits(dates.cast(pa.string()), 0, 4)
    return pc.if_else(pc.match_substring_regex(text, r"^\d{4}$"), text, None).cast(pa.int32())


def _before(table, names: Sequence[str], day: str) -> np.ndarray:
    """True where any of the ``names`` dates is on or before ``day`` (ISO text compares)."""
    import pyarrow.compute as pc

    n = table.num_rows
    hit = np.zeros(n, dtype=bool)
    for name in names:
        if name in table.column_names:
            le = _per_value(_column(table, name, n), lambda d: pc.less_equal(d, day))
            hit |= le.fill_null(False).to_numpy(zero_copy_only=False)
    return hit


def _flags_set(table, names: Sequence[str]) -> np.ndarray:
    n = table.num_rows
    out = np.zeros(n, dtype=bool)
    for name in names:
        if name in table.column_names:
            out |= _column(table, name, n).fill_null(False).to_numpy(zero_copy_only=False)
    return out


def _headcount(table, rules: dict[str, tuple[float, float, float]]) -> tuple[np.ndarray, ...]:
    """(lower, central, upper, withheld) per unit by :data:`EMPLOYEE_RULES`."""
    import pyarrow as pa

    n = table.num_rows
    count = _column(table, "antallAnsatte", n).cast(pa.float64()).to_numpy(zero_copy_only=False)
    flag = _column(table, "harRegistrertAntallAnsatte", n)
    if flag.type != pa.bool_():
        flag = pa.nulls(n, pa.bool_())
    true = flag.fill_null(False).to_numpy(zero_copy_only=False)
    false = (~flag.fill_null(True).to_numpy(zero_copy_only=False)).astype(bool)
    withheld = np.isnan(count)
    out = []
    for i in range(3):
        fill = np.select(
            [true, false], [rules["withheld"][i], rules["none_registered"][i]], rules["unknown"][i]
        )
        out.append(np.where(withheld, fill, count))
    return (*out, withheld)


def _classify_codes(
    table, definition: TechDefinition, mapping: pd.DataFrame | None, sn2025_from: str
) -> np.ndarray:
    """Per unit: 1 tech, 0 not, -1 undecided, classifying each distinct code once (SN2025 for
    units registered from ``sn2025_from``). A unit without a code is not tech (0)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    codes = _column(table, "naeringskode1.kode", n)
    if not pa.types.is_dictionary(codes.type):
        codes = codes.cast(pa.string()).dictionary_encode()
    recent = _per_value(
        _column(table, "registreringsdatoEnhetsregisteret", n),
        lambda d: pc.greater_equal(d, sn2025_from),
    ).fill_null(False)
    uniques = pd.Series(codes.dictionary.to_pylist(), dtype="string")
    value = {}
    for name in ("sn2007", "sn2025"):
        decided = classify_nace(uniques, definition, nace_version=name, mapping=mapping)
        decided[uniques.isna()] = False
        value[name] = np.append(decided.astype("Int8").fillna(-1).to_numpy(dtype=np.int8), 0)
    index = codes.indices.fill_null(len(uniques)).to_numpy(zero_copy_only=False)
    recent = recent.to_numpy(zero_copy_only=False)
    return np.where(recent, value["sn2025"][index], value["sn2007"][index]).astype(np.int8)


@dataclass(frozen=True)
class ExtractCounts:
    """:func:`count_extracts` output: ``counts`` (``geo_code, year, <COUNT_COLUMNS>, basis,
    extract``) and, per extract date, the tech units set aside because their municipality is
    missing or not a Norwegian municipality of the extract (``set_aside``)."""

    counts: pd.DataFrame
    set_aside: dict[str, int]


def count_extracts(
    extracts: Sequence[Extract],
    years: Iterable[int],
    definition: TechDefinition,
    *,
    municipalities: Callable[[int], Collection[str]],
    method: Literal["nace", "curated"] = "nace",
    curated: Collection[str] | None = None,
    mapping: pd.DataFrame | None = None,
    rules: dict[str, tuple[float, float, float]] = EMPLOYEE_RULES,
    sn2025_from: str = SN2025_FROM,
) -> ExtractCounts:
    """Technology companies and employees by municipality and year from whole bulk extracts.

    Rules (the report's methods text, ``trsplan.report.sections.SURVIVORSHIP_METHOD``, says the
    same in words):
    - a year is counted from :func:`extract_for_years`: its own extract (``basis`` =
      :data:`MEASURED`: the register on the extract date) or the nearest later one
      (:data:`ESTIMATE`: units alive on 31 December of the year among those still in the later
      extract, with that extract's headcounts, codes and municipality numbers: units closed
      since are missing, so levels are biased low and growth from them high);
    - ``method="nace"``: ``naeringskode1.kode`` under ``definition``; codes of units registered
      from ``sn2025_from`` are SN2025 and mapped back to SN2007 first (``mapping``, default
      ``nace_sn2007_sn2025.csv``); a code the mapping cannot decide counts in
      ``tech_companies_undecided``, never as tech; a unit without a code is not tech.
      ``method="curated"``: the organisation numbers in ``curated`` (the region's own list);
    - companies are enheter (counted once, at ``forretningsadresse.kommunenummer``); on the
      extract date a unit deleted by then, bankrupt or under (forced) dissolution
      (:data:`EXCLUDED_FLAGS`) is not counted; for earlier years a unit counts from its
      registration year to before the year of its earliest :data:`END_DATES` date;
    - employees of a technology company are counted where they work: at the
      ``beliggenhetsadresse.kommunenummer`` of its underenheter alive in the year, or at the
      company's own address when it has none; a null ``antallAnsatte`` is withheld and carried
      as a range (:func:`employee_range`'s rules);
    - a unit whose municipality is missing or not one of ``municipalities(extract year)``
      (abroad, Svalbard 2100, an outdated code) is set aside and counted in ``set_aside``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    chosen = extract_for_years(extracts, years)
    frames, set_aside = [], {}
    for extract in {id(e): e for e in chosen.values()}.values():
        mine = sorted(y for y, e in chosen.items() if e is extract)
        codes = sorted(municipalities(extract.year))
        units = extract.enheter
        if method == "nace":
            tech = _classify_codes(units, definition, mapping, sn2025_from)
        else:
            listed = pa.array(sorted(orgnr(pd.Series(list(curated or []), dtype="string"))))
            numbers = pc.utf8_lpad(_column(units, "organisasjonsnummer", units.num_rows), 9, "0")
            tech = pc.is_in(numbers, listed).to_numpy(zero_copy_only=False).astype(np.int8)
        keep = tech != 0
        units = units.filter(pa.array(keep))
        tech = tech[keep]
        sites = extract.underenheter
        if sites is not None:
            parent = pc.index_in(sites["overordnetEnhet"], units["organisasjonsnummer"])
            has = pc.is_valid(parent)
            sites = sites.filter(has).append_column("_parent", parent.filter(has))
        frame, aside = _count_one(extract, units, tech, sites, mine, codes, rules)
        frames.append(frame)
        set_aside[extract.taken] = aside
    if not frames:
        return ExtractCounts(pd.DataFrame(columns=["geo_code", "year", *COUNT_COLUMNS]), {})
    counts = pd.concat(frames, ignore_index=True).sort_values(["year", "geo_code"])
    return ExtractCounts(counts.reset_index(drop=True), set_aside)


def _place(table, kind: str, codes: Sequence[str]) -> np.ndarray:
    """Index into ``codes`` of each unit's municipality, -1 when missing or not in ``codes``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    known = pa.array(codes, type=pa.string())

    def lookup(values):
        text = pc.utf8_lpad(pc.utf8_trim_whitespace(values.cast(pa.string())), 4, "0")
        return pc.index_in(text, known)

    index = _per_value(_column(table, PLACE[kind], table.num_rows), lookup)
    return index.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


@dataclass(frozen=True)
class _Life:
    """Start and end years of each unit, and whether it is gone on the extract date."""

    start: np.ndarray
    end: np.ndarray
    gone: np.ndarray

    @classmethod
    def of(cls, table, kind: str, extract: Extract) -> _Life:
        gone = _before(table, ("slettedato", "nedleggelsesdato"), extract.taken)
        if kind == "enheter":
            gone |= _flags_set(table, EXCLUDED_FLAGS)
        return cls(
            _years(table, START_DATES[kind], "first"), _years(table, END_DATES[kind], "min"), gone
        )

    def alive(self, year: int, extract_year: int) -> np.ndarray:
        if year == extract_year:
            return (self.start <= year) & ~self.gone
        return (self.start <= year) & ~(self.end <= year)


@dataclass(frozen=True)
class _Units:
    """Per unit of one kind: municipality index (-1 = set aside), employee range, life."""

    place: np.ndarray
    lower: np.ndarray
    central: np.ndarray
    upper: np.ndarray
    withheld: np.ndarray
    life: _Life

    @classmethod
    def of(cls, table, kind: str, extract: Extract, codes, rules) -> _Units:
        lower, central, upper, withheld = _headcount(table, rules)
        place = _place(table, kind, codes)
        return cls(place, lower, central, upper, withheld, _Life.of(table, kind, extract))

    def sums(self, where: np.ndarray, m: int) -> dict[str, np.ndarray]:
        """Employee sums (central, lower, upper, withheld units) by municipality over ``where``."""
        ok = where & (self.place >= 0)
        at = self.place[ok]

        def total(weights: np.ndarray | None) -> np.ndarray:
            return np.bincount(at, weights=weights, minlength=m).astype("float64")

        return {
            "tech_employees": total(self.central[ok]),
            "tech_employees_lower": total(self.lower[ok]),
            "tech_employees_upper": total(self.upper[ok]),
            "tech_employees_withheld": total(self.withheld[ok].astype("float64")),
        }

    def count(self, where: np.ndarray, m: int) -> np.ndarray:
        ok = where & (self.place >= 0)
        return np.bincount(self.place[ok], minlength=m).astype("float64")


def _count_one(
    extract: Extract,
    units,
    tech: np.ndarray,
    sites,
    years: Sequence[int],
    codes: Sequence[str],
    rules: dict[str, tuple[float, float, float]],
) -> tuple[pd.DataFrame, int]:
    m = len(codes)
    own = _Units.of(units, "enheter", extract, codes, rules)
    is_tech = tech == 1
    if sites is not None:
        at = _Units.of(sites, "underenheter", extract, codes, rules)
        parent = sites["_parent"].to_numpy(zero_copy_only=False).astype(np.int64)
    rows = []
    for year in years:
        alive = own.life.alive(year, extract.year)
        company = alive & is_tech
        employing = company
        cols = dict.fromkeys(COUNT_COLUMNS, np.zeros(m))
        if sites is not None:
            # a company with open sites has its staff counted there, at their location
            open_sites = at.life.alive(year, extract.year) & company[parent]
            with_sites = np.zeros(len(company), dtype=bool)
            with_sites[parent[open_sites]] = True
            employing = company & ~with_sites
            cols.update(at.sums(open_sites, m))
        for name, value in own.sums(employing, m).items():
            cols[name] = cols[name] + value
        cols["tech_companies"] = own.count(company, m)
        cols["tech_startups"] = own.count(is_tech & (own.life.start == year), m)
        cols["tech_companies_undecided"] = own.count(alive & (tech == -1), m)
        frame = pd.DataFrame(cols)
        frame.insert(0, "year", year)
        frame.insert(0, "geo_code", pd.array(list(codes), dtype="string"))
        frame["basis"] = MEASURED if year == extract.year else ESTIMATE
        frame["extract"] = extract.taken
        rows.append(frame)
    alive_now = own.life.alive(extract.year, extract.year) & is_tech
    aside = int((alive_now & (own.place < 0)).sum())
    return pd.concat(rows, ignore_index=True), aside
