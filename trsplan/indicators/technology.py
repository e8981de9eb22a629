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

Whole extracts (what the store uses) are counted by
:func:`trsplan.indicators.tech_extracts.count_extracts` with this module's definitions and rules;
:func:`tech_counts` below is the frame-based form for one extract (back-casting every year).

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
    frame["organisasjonsnummer"] = orgnr(frame["organisasjonsnummer"])
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
        numbers = set(orgnr(pd.Series(list(listed), dtype="string")).dropna())
        out = orgnr(units["organisasjonsnummer"]).isin(numbers).astype("boolean")
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


def orgnr(numbers: pd.Series) -> pd.Series:
    """Organisation numbers as 9-digit text (white space dropped, leading zeros restored)."""
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
