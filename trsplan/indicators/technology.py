"""Goal 4: technology companies and their employees (1,000 companies and 20,000 employees in
2025; later wording: double both from 2014 to 2025); goal 4.1: new technology companies.

A unit (enhet or underenhet in Brønnøysund's Enhetsregisteret) is a technology company either
- by NACE (:func:`classify_nace`): its ``naeringskode1.kode`` falls under a named definition of
  ``data/definitions/tech_nace.yaml`` (default ``eurostat_hightech``). Definitions are in SN2007;
  SN2025 codes (the register after the 2025 recoding) are mapped back to SN2007 through
  ``data/definitions/nace_sn2007_sn2025.csv``. When the mapping leaves it open (a SN2025 code
  that comes from several SN2007 codes, some tech and some not), the answer is NA (undecided),
  counted separately and never as tech; or
- by a curated list of organisation numbers (:func:`load_curated_list`), the region's own
  (Impello-style) method. The list shipped in the repository is a fictitious example.

Counting (:func:`tech_counts`). A unit counts in year Y when it was registered by 31 December
Y and not deleted by then: start year ≤ Y < end year, where start = ``registreringsdato
Enhetsregisteret`` (else ``stiftelsesdato``, else ``oppstartsdato``) and end = the earliest of
``slettedato`` / ``nedleggelsesdato`` (a unit deleted on 31 December Y does not count in Y).
A unit without a start date never counts. It is placed in ``forretningsadresse.kommunenummer``
(enheter) or ``beliggenhetsadresse.kommunenummer`` (underenheter: the workplace, better for
employees by municipality). Caveat: one extract describes the units *at extraction*: its
municipality codes are the extract's code vintage, employees and NACE codes are current, and
units deleted before the extract are usually absent, so back-casting earlier years from one
extract under-counts them. Prefer one archived extract per year (count each only in its year).

Employees (:func:`employee_range`). Enhetsregisteret withholds headcounts below 5: a null
``antallAnsatte`` is not zero. Rules (lower, central, upper), see :data:`EMPLOYEE_RULES`:
- ``antallAnsatte`` given: that number (all three);
- null and ``harRegistrertAntallAnsatte`` true: withheld 1–4 → (1, 2.5, 4), central = midpoint;
- null and ``harRegistrertAntallAnsatte`` false: the register says no employees are registered
  → (0, 0, 4); the upper bound 4 covers the reading that this too may hide 1–4 (unverified);
- null and the flag missing (older extracts): unknown 0–4 → (0, 2, 4).
Regional sums add the members' lower, central and upper values separately.

Whole extracts (:func:`count_extracts`, what the store uses): every kept bulk extract (enheter
and underenheter, pyarrow Tables) counted with vectorised rules: companies at the business
address, employees at their underenheter' locations, deleted / bankrupt / dissolving units out,
a year without its own extract estimated from the nearest later one and marked
:data:`ESTIMATE` (survivors only). :func:`tech_counts` below is the frame-based form for one
extract (back-casting every year).

Input columns (Brreg bulk CSV layout, dotted JSON paths): ``organisasjonsnummer``,
``naeringskode1.kode``, ``antallAnsatte``, ``harRegistrertAntallAnsatte``,
``forretningsadresse.kommunenummer`` or ``beliggenhetsadresse.kommunenummer``,
``registreringsdatoEnhetsregisteret``, ``stiftelsesdato`` / ``oppstartsdato``, ``slettedato`` /
``nedleggelsesdato`` (ISO dates), optionally ``organisasjonsform.kode``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml

from trsplan.errors import TrsplanError
from trsplan.indicators import catalogue
from trsplan.indicators.industry import aggregate_members
from trsplan.paths import definitions_dir

NaceVersion = Literal["sn2007", "sn2025"]

TARGETS_2025: dict[str, float] = {"tech_companies": 1000.0, "tech_employees": 20000.0}
TARGET_YEAR = 2025
BASELINE_YEAR = 2014

# situation -> (lower, central, upper) employees of a unit whose antallAnsatte is null
EMPLOYEE_RULES: dict[str, tuple[float, float, float]] = {
    "withheld": (1.0, 2.5, 4.0),
    "none_registered": (0.0, 0.0, 4.0),
    "unknown": (0.0, 2.0, 4.0),
}
MUNICIPALITY_COLUMNS = ("forretningsadresse.kommunenummer", "beliggenhetsadresse.kommunenummer")
START_COLUMNS = ("registreringsdatoEnhetsregisteret", "stiftelsesdato", "oppstartsdato")
END_COLUMNS = ("slettedato", "nedleggelsesdato")
COUNT_COLUMNS = [
    "tech_companies",
    "tech_employees",
    "tech_employees_lower",
    "tech_employees_upper",
    "tech_employees_withheld",
    "tech_startups",
    "tech_companies_undecided",
]

#: indicator id -> (goal id, unit), from the indicator catalogue (data/indicators.yaml)
MEASURES: dict[str, tuple[str, str]] = catalogue.measures("technology")


# --- Definitions files ----------------------------------------------------------------------


@dataclass(frozen=True)
class TechDefinition:
    """A named NACE definition: SN2007 codes matched as prefixes (on the digits)."""

    name: str
    codes: tuple[str, ...]
    label_en: str = ""
    source: str = ""
    certainty: str = ""


def _definitions_dir() -> Path:
    return definitions_dir()


def load_tech_definitions(path: Path | str | None = None) -> tuple[str, dict[str, TechDefinition]]:
    """(default name, {name: TechDefinition}) from ``data/definitions/tech_nace.yaml``."""
    path = Path(path) if path else _definitions_dir() / "tech_nace.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out = {}
    for name, entry in (raw.get("definitions") or {}).items():
        codes = tuple(str(c) for c in entry.get("codes") or ())
        bad = [c for c in codes if not _digits(c) or len(_digits(c)) < 2]
        if not codes or bad:
            raise TrsplanError(f"{path}: definition {name!r} has no or bad codes {bad}")
        out[name] = TechDefinition(
            name,
            codes,
            entry.get("label_en", ""),
            entry.get("source", ""),
            entry.get("certainty", ""),
        )
    default = raw.get("default")
    if default not in out:
        raise TrsplanError(f"{path}: default {default!r} is not a defined name ({sorted(out)})")
    return default, out


def tech_definition(name: str | None = None, path: Path | str | None = None) -> TechDefinition:
    """The named definition (the file's default when ``name`` is None)."""
    default, definitions = load_tech_definitions(path)
    name = name or default
    if name not in definitions:
        raise TrsplanError(f"unknown technology definition {name!r}; known: {sorted(definitions)}")
    return definitions[name]


def load_nace_mapping(path: Path | str | None = None) -> pd.DataFrame:
    """``sn2007, sn2025, note, status`` from ``data/definitions/nace_sn2007_sn2025.csv``.

    One row per correspondence: a SN2007 code (any level) and a SN2025 code it maps to; several
    rows for one code are splits, several codes to one target are merges. ``status`` is
    ``documented`` or ``unverified``. Codes absent from the file are taken as unchanged.
    """
    path = Path(path) if path else _definitions_dir() / "nace_sn2007_sn2025.csv"
    frame = pd.read_csv(path, dtype="string", comment="#")
    missing = {"sn2007", "sn2025", "note", "status"} - set(frame.columns)
    if missing:
        raise TrsplanError(f"{path}: missing columns {sorted(missing)}")
    for col in ("sn2007", "sn2025"):
        bad = frame.loc[~frame[col].fillna("").str.fullmatch(r"\d{2}(\.\d{1,3})?"), col]
        if len(bad):
            raise TrsplanError(f"{path}: bad {col} codes {bad.tolist()}")
    return frame


def load_curated_list(path: Path | str | None = None) -> pd.DataFrame:
    """The curated organisation numbers (``organisasjonsnummer`` as 9-character text, plus the
    file's other columns). The shipped ``tech_companies_orgnr.csv`` is a fictitious example."""
    path = Path(path) if path else _definitions_dir() / "tech_companies_orgnr.csv"
    frame = pd.read_csv(path, dtype="string", comment="#")
    if "organisasjonsnummer" not in frame.columns:
        raise TrsplanError(f"{path}: no 'organisasjonsnummer' column")
    frame["organisasjonsnummer"] = _orgnr(frame["organisasjonsnummer"])
    return frame


# --- NACE codes -------------------------------------------------------------------------------


def convert_nace(
    codes: pd.Series, *, to: NaceVersion, mapping: pd.DataFrame | None = None
) -> pd.Series:
    """Each code's candidate codes in the other version, as a tuple of dotted codes.

    The mapping row(s) whose source code is the longest prefix of the code apply: an identity
    row (same code both sides) keeps the full code, other rows give their target code; several
    rows give several candidates. A code no row covers is kept (taken as unchanged). NA stays NA.
    Example: ``"62.010"`` → ``("62.10",)`` in SN2025; ``"61.100"`` (SN2025) → ``("61.1", "61.2",
    "61.3")`` in SN2007.
    """
    table = _table(mapping if mapping is not None else load_nace_mapping(), to)
    return _map_unique(codes, lambda c: tuple(_dotted(d) for d in _convert(_digits(c), table)))


def classify_nace(
    codes: pd.Series,
    definition: TechDefinition,
    *,
    nace_version: NaceVersion,
    mapping: pd.DataFrame | None = None,
) -> pd.Series:
    """True where a code falls under ``definition``, False where not, NA where undecided.

    SN2025 codes are first mapped to their SN2007 candidates (:func:`convert_nace`): True if
    every candidate is tech, False if none is, NA if they disagree or a candidate is coarser
    than the definition needs. Missing codes are NA. Returns a ``boolean`` Series.
    """
    prefixes = tuple(_digits(c) for c in definition.codes)
    table = (
        _table(mapping if mapping is not None else load_nace_mapping(), "sn2007")
        if nace_version == "sn2025"
        else None
    )

    def decide(code: str) -> bool | object:
        digits = _digits(code)
        if not digits:
            return pd.NA
        candidates = _convert(digits, table) if table is not None else (digits,)
        return _all_any(_match(c, prefixes) for c in candidates)

    return _map_unique(codes, decide).astype("boolean")


def classify_units(
    units: pd.DataFrame,
    *,
    method: Literal["nace", "curated"] = "nace",
    definition: TechDefinition | str | None = None,
    nace_version: NaceVersion | None = None,
    curated: pd.DataFrame | Collection[str] | None = None,
    organisation_forms: Collection[str] | None = None,
    mapping: pd.DataFrame | None = None,
) -> pd.Series:
    """Which units are technology companies (``boolean``, NA = undecided), aligned to ``units``.

    ``method="nace"`` classifies ``naeringskode1.kode`` by ``definition`` (a name, or the
    file's default) and needs ``nace_version`` (``"sn2007"`` before the 2025 recoding,
    ``"sn2025"`` after). ``method="curated"`` marks the ``organisasjonsnummer`` on the curated
    list (a frame as :func:`load_curated_list` returns, or the numbers; default: that file).
    ``organisation_forms`` (e.g. ``{"AS", "ASA", "BEDR"}``) sets the others to False.
    """
    if method == "nace":
        if nace_version not in ("sn2007", "sn2025"):
            raise TrsplanError("classify_units(method='nace') needs nace_version 'sn2007'/'sn2025'")
        if not isinstance(definition, TechDefinition):
            definition = tech_definition(definition)
        out = classify_nace(
            units["naeringskode1.kode"], definition, nace_version=nace_version, mapping=mapping
        )
    elif method == "curated":
        listed = load_curated_list() if curated is None else curated
        if isinstance(listed, pd.DataFrame):
            listed = listed["organisasjonsnummer"]
        numbers = set(_orgnr(pd.Series(list(listed), dtype="string")).dropna())
        out = _orgnr(units["organisasjonsnummer"]).isin(numbers).astype("boolean")
    else:
        raise TrsplanError(f"unknown classification method {method!r} (use 'nace' or 'curated')")
    if organisation_forms is not None:
        form = units["organisasjonsform.kode"].astype("string")
        out = out.mask(~form.isin(list(organisation_forms)).fillna(False), False)
    return out


# --- Employees and counts ---------------------------------------------------------------------


def employee_range(
    units: pd.DataFrame, rules: dict[str, tuple[float, float, float]] = EMPLOYEE_RULES
) -> pd.DataFrame:
    """``employees_lower, employees, employees_upper, withheld`` per unit (see module docstring).

    ``withheld`` is True where ``antallAnsatte`` is null (whatever the flag says).
    """
    count = pd.to_numeric(units["antallAnsatte"], errors="coerce").astype("float64")
    flag = _flag(units.get("harRegistrertAntallAnsatte"), units.index)
    situation = np.select(
        [flag.eq(True).fillna(False).to_numpy(), flag.eq(False).fillna(False).to_numpy()],
        ["withheld", "none_registered"],
        "unknown",
    )
    known = count.notna()
    out = {}
    for i, name in enumerate(("employees_lower", "employees", "employees_upper")):
        fill = pd.Series(situation, index=units.index).map({k: v[i] for k, v in rules.items()})
        out[name] = count.where(known, fill.astype("float64"))
    return pd.DataFrame(out, index=units.index).assign(withheld=~known)


def tech_counts(
    units: pd.DataFrame,
    years: Iterable[int],
    is_tech: pd.Series,
    *,
    municipalities: Sequence[str] | None = None,
    municipality_col: str | None = None,
    rules: dict[str, tuple[float, float, float]] = EMPLOYEE_RULES,
) -> pd.DataFrame:
    """Technology companies and employees by municipality and year.

    ``is_tech``: :func:`classify_units` output aligned to ``units``. Returns ``geo_code`` (the
    municipality code of the extract's vintage), ``year``, ``tech_companies`` (units alive at
    the end of the year), ``tech_employees`` (central), ``tech_employees_lower`` /
    ``_upper``, ``tech_employees_withheld`` (companies with a withheld headcount),
    ``tech_startups`` (tech units whose start date is in the year: goal 4.1) and
    ``tech_companies_undecided`` (alive units the NACE mapping could not decide). The register
    is complete, so a municipality without tech units has 0 (rows for ``municipalities``,
    default every municipality in ``units``). Source: Enhetsregisteret (bulk extract).
    """
    col = municipality_col or next((c for c in MUNICIPALITY_COLUMNS if c in units.columns), None)
    if col is None:
        raise TrsplanError(f"units have none of the municipality columns {MUNICIPALITY_COLUMNS}")
    geo = units[col].astype("string").str.strip().str.zfill(4)
    emp = employee_range(units, rules)
    tech = is_tech.reindex(units.index).astype("boolean")
    base = pd.DataFrame(
        {
            "geo_code": geo,
            "start": _first_year(units, START_COLUMNS, "min_first"),
            "end": _first_year(units, END_COLUMNS, "min").fillna(np.inf),
            "tech": tech.fillna(False).astype(bool),
            "undecided": tech.isna(),
            **emp,
        }
    )
    base = base[(base["tech"] | base["undecided"]) & base["geo_code"].notna()]
    grid = base.merge(pd.DataFrame({"year": sorted(set(years))}, dtype="int64"), how="cross")
    alive = (grid["start"] <= grid["year"]) & (grid["year"] < grid["end"])
    t = grid["tech"]
    counted = pd.DataFrame(
        {
            "tech_companies": (alive & t).astype("float64"),
            "tech_employees": grid["employees"].where(alive & t, 0.0),
            "tech_employees_lower": grid["employees_lower"].where(alive & t, 0.0),
            "tech_employees_upper": grid["employees_upper"].where(alive & t, 0.0),
            "tech_employees_withheld": (alive & t & grid["withheld"]).astype("float64"),
            "tech_startups": (t & (grid["start"] == grid["year"])).astype("float64"),
            "tech_companies_undecided": (alive & grid["undecided"]).astype("float64"),
        }
    )
    sums = counted.groupby([grid["geo_code"], grid["year"]]).sum()
    codes = sorted(set(geo.dropna()) if municipalities is None else set(municipalities))
    full = pd.MultiIndex.from_product([codes, sorted(set(years))], names=["geo_code", "year"])
    out = sums.reindex(full, fill_value=0.0).reset_index()
    return out.astype({"geo_code": "string", "year": "int64"})


def regional_sums(counts: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Sum :func:`tech_counts` over region members (``geo_code, code, weight``, optional
    ``year``); lower, central and upper are summed separately. Use members in the extract's
    code vintage (e.g. a fixed territory without a ``year`` column): a Brreg extract carries
    the municipality codes valid when it was taken, in every year it is counted for. A member
    missing from ``counts`` makes the region NaN, so give :func:`tech_counts` every member in
    ``municipalities``."""
    columns = [c for c in COUNT_COLUMNS if c in counts.columns]
    frame = counts.rename(columns={"geo_code": "code"})
    return aggregate_members(frame, members, columns, keys=())


# --- Targets ----------------------------------------------------------------------------------


def doubling_progress(
    values: pd.DataFrame,
    baseline_year: int = BASELINE_YEAR,
    columns: Sequence[str] = ("tech_companies", "tech_employees"),
) -> pd.DataFrame:
    """Progress towards doubling from ``baseline_year``: value / (2 × baseline value).

    ``values``: ``geo_code, year, <columns>``. Returns ``geo_code, year`` and
    ``<column>_doubling_progress`` (1.0 = doubled; NaN without a positive baseline).
    """
    columns = [c for c in columns if c in values.columns]
    base = values.loc[values["year"] == baseline_year, ["geo_code", *columns]]
    base = base.set_index("geo_code")
    out = values[["geo_code", "year"]].copy()
    for col in columns:
        b = values["geo_code"].map(base[col]).astype("float64")
        out[f"{col}_doubling_progress"] = values[col] / (2 * b.where(b > 0))
    return out


def goal_4(frame: pd.DataFrame, baseline_year: int = BASELINE_YEAR) -> pd.DataFrame:
    """Add the 2025 target shares (``tech_companies`` / 1,000, ``tech_employees`` / 20,000) and
    the doubling progress from ``baseline_year`` (regions and Norway only, by the catalogue)."""
    out = frame.copy()
    for col, target in TARGETS_2025.items():
        if col in out.columns:
            out[f"{col}_target_share"] = out[col] / target
    progress = doubling_progress(out, baseline_year)
    return pd.concat([out, progress.drop(columns=["geo_code", "year"])], axis=1)


# --- Helpers ----------------------------------------------------------------------------------

_NON_DIGIT = re.compile(r"\D")


def _map_unique(codes: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """``func`` applied once per distinct code and spread back by position (NA stays NA)."""
    positions, uniques = pd.factorize(codes.astype("string"), use_na_sentinel=True)
    values = np.empty(len(uniques) + 1, dtype=object)
    for i, code in enumerate(uniques):
        values[i] = func(str(code))
    values[-1] = pd.NA  # position -1 (missing code)
    return pd.Series(values[positions], index=codes.index, dtype=object)


def _digits(code: str) -> str:
    return _NON_DIGIT.sub("", str(code))


def _dotted(digits: str) -> str:
    return digits[:2] + ("." + digits[2:] if len(digits) > 2 else "")


@cache
def _table_cached(
    rows: tuple[tuple[str, str], ...],
) -> tuple[dict[str, tuple[str, ...]], tuple[int, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for source, target in rows:
        table[source] = (*table.get(source, ()), target)
    return table, tuple(sorted({len(k) for k in table}, reverse=True))


def _table(
    mapping: pd.DataFrame, to: NaceVersion
) -> tuple[dict[str, tuple[str, ...]], tuple[int, ...]]:
    """{source digits: target digits} for converting *to* ``to``, and the source lengths."""
    source = "sn2007" if to == "sn2025" else "sn2025"
    pairs = zip(mapping[source].map(_digits), mapping[to].map(_digits), strict=True)
    return _table_cached(tuple(dict.fromkeys(pairs)))


def _convert(
    digits: str, table: tuple[dict[str, tuple[str, ...]], tuple[int, ...]]
) -> tuple[str, ...]:
    rows, lengths = table
    for n in lengths:
        if n <= len(digits) and digits[:n] in rows:
            prefix = digits[:n]
            return tuple(dict.fromkeys(digits if t == prefix else t for t in rows[prefix]))
    return (digits,)


def _match(candidate: str, prefixes: tuple[str, ...]) -> bool | None:
    """True if a definition code covers the candidate; None if the candidate is too coarse."""
    if any(candidate.startswith(p) for p in prefixes):
        return True
    if any(p.startswith(candidate) for p in prefixes):
        return None
    return False


def _all_any(values: Iterable[bool | None]) -> bool | object:
    seen = set(values)
    if seen == {True}:
        return True
    if seen == {False}:
        return False
    return pd.NA


def _orgnr(numbers: pd.Series) -> pd.Series:
    text = numbers.astype("string").str.replace(r"\s", "", regex=True)
    return text.str.zfill(9)


def _flag(values: pd.Series | None, index: pd.Index) -> pd.Series:
    """harRegistrertAntallAnsatte as ``boolean`` (accepts bools and 'true'/'false' text)."""
    if values is None:
        return pd.Series(pd.NA, index=index, dtype="boolean")
    text = values.astype("string").str.strip().str.lower()
    return text.map({"true": True, "false": False, "1": True, "0": False}).astype("boolean")


def _first_year(units: pd.DataFrame, columns: Sequence[str], how: str) -> pd.Series:
    """Year of a date from ``columns``: the first non-null in order (``min_first``) or the
    earliest (``min``). NaN where none is known."""
    present = [c for c in columns if c in units.columns]
    if not present:
        return pd.Series(np.nan, index=units.index)
    dates = pd.DataFrame(
        {c: pd.to_datetime(units[c], errors="coerce", format="ISO8601") for c in present}
    )
    years = dates.apply(lambda s: s.dt.year).astype("float64")
    if how == "min_first":
        return years.bfill(axis=1).iloc[:, 0]
    return years.min(axis=1)


# --- Counting whole extracts (the bulk register at full size) -------------------------------

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
            listed = pa.array(sorted(_orgnr(pd.Series(list(curated or []), dtype="string"))))
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
