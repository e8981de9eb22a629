"""Synthetic StatBank payloads for the non-population tables: 14304, 11713, 99901, 09429, 09817.

Run by ``trsplan demo-snapshot [--out DATA_DIR] [--version NAME]`` (last of three). It reads
the population of the demo snapshot (table 07459, written by ``trsplan.demo.population``) from
``<DATA_DIR>/snapshot/<NAME>`` (or ``population_root``) and
writes ``<DATA_DIR>/snapshot/<NAME>/ssb/{14304,11713,99901,09429,09817}.json`` with their
``.meta.json`` sidecars through ``snapshot.store.write_file`` (default: the project's ``data``
folder and version ``2026-11-01-demo``). Calibration inputs: ``data/demo/public.yaml`` (each with
its source or an "unverified" tag). Byte-for-byte reproducible: seeded numpy generators, fixed
timestamps, nothing read from the clock; the sidecar ``query`` is built from the table's entry in
``data/catalogue/statbank_tables.yaml`` (as a real fetch records it), so after editing that entry,
regenerate.

Every number is SYNTHETIC. Every file says so (``synthetic: true`` in the sidecar, a
"SYNTETISKE DEMODATA" note first in the payload). Numbers exist only for the codes valid in each
year (the year's code vintage, as in 07459); other cells are ``null`` with status ``"."``, never 0.

Tables (PxWebApi v2, JSON-stat 2.0 via ``to_jsonstat(api="v2")``, Norwegian labels)
- 14304 KOSTRA plan and building cases 2015-2025: ``Region`` (plain 4-digit municipality codes),
  ``ContentsCode`` (:data:`CONTENTS_14304`, the table's ten variables), ``Tid``. Per
  municipality-year a whole form may be missing (5-15 % of municipalities each year, some
  chronically): its cells are null with status ``".."`` (or ``":"``); a mean with no cases behind
  it is null with ``"."``. :data:`CASEWORK_COLUMNS` maps the codes to the columns of
  ``trsplan.indicators.casework``.
- 11713 county national accounts by industry 2008-2023: ``Region`` ("0" Hele landet, the counties
  valid in each year - 16 and 17 until 2017, 50 from 2018, the 2020 counties from 2020 - and "23"
  Kontinentalsokkelen), ``NACE2007`` ("00-99" total + the 16 arb11 groups of 13470, so
  ``trsplan.indicators.economy`` can join them; DROP "00-99" before apportioning),
  ``ContentsCode`` (:data:`CONTENTS_11713`; employment in 1,000 persons as the real table), ``Tid``.
- 99901 municipal wage bill by place of work and industry 2015-2025 (PLACEHOLDER id: no real
  StatBank table was identified; the sidecar query carries "notes" saying so): ``Region``
  (municipalities), ``NACE2007`` (the 16 arb11 groups, no total), ``ContentsCode``
  (``Lonnssum``, NOK million), ``Tid``. Per county, industry and year the municipal wages sum to
  the county's ``Lonnskostnader`` in 11713 within about 1 % (see :data:`WAGE_TOLERANCE`).
- 09429 education level 2008-2025: ``Region``, ``Kjonn`` ("0"), ``Nivaa`` (01, 02a, 11, 03a, 04a,
  09a), ``ContentsCode`` (``Personer``, ``PersonerProsent``), ``Tid``. Persons sum exactly to the
  residents 16+ (about 80 % of the population); percentages are the rounded shares.
- 09817 immigrants 2010-2026: ``Region``, ``InnvandrKat`` ("B"), ``Landbakgrunn`` ("999"),
  ``ContentsCode`` (``Personer1`` count, ``AndelBefolkning`` = round(100 × count / 07459
  population, 1)), ``Tid``.

Codes: VERIFIED / ASSUMED (looked up 2026-11 with the code/pages search; see the report)
- 09817: ``AndelBefolkning`` (SOURCES.md) and the count ``Personer1`` (a public client queries
  09817 with ``ContentsCode: ["Personer1"]``; an R script's labels show "Personer" and "Andel av
  befolkningen (prosent)", and the dimension labels innvandringskategori, landbakgrunn,
  statistikkvariabel) are verified; the label "I alt" of Landbakgrunn 999 is assumed.
- 14304: the ten variable labels are verified from the StatBank page (2024), except the 3-week
  mean-days label (assumed by analogy). The ContentsCode ids are ASSUMED in KOSTRA's style
  ("KOS" + abbreviation + "0000", seen e.g. as ``KOSlonnsut3903930001``).
- 11713: the five variable labels and units are verified from the StatBank page (2024:
  "Sysselsatte personer (1 000 personer)"). ``BNPB`` is verified as the id of the same measure in
  national-accounts table 09170; its use in 11713 and the other ids are ASSUMED. The industry
  codes are ASSUMED to be the arb11 groups (the real table likely uses national-accounts groups).
  "23" Kontinentalsokkelen is SSB's standard code (seen in several code lists); its use here is
  assumed.
- 09429: Nivaa, Kjonn and ContentsCode ids are verified (SOURCES.md); labels assumed.

Method (all vectorised numpy; per-municipality noise is keyed on the municipality *name*, so a
renumbered code such as Trondheim 1601 -> 5001 keeps its character; merged municipalities get
fresh draws). Sizes enter through z = clip(log10(population / 5,000), -1.5, 2).
- Run order: ``trsplan.demo.population`` (07459), ``trsplan.demo.labour`` (08536), then
  this module (``trsplan demo-snapshot`` keeps that order). Without 08536 the economy simulates
  its own workplace employment.
- Economy: municipal workplace employment = the demo's 08536 ``SysselArbsted`` "00-99" where the
  snapshot has it (else population × a jobs-per-resident ratio: national knots, size slope,
  noise, a few municipalities fixed), split over the industries by iterative proportional
  fitting to the national industry shares; wages = employment × wage per employed (industry
  level, size slope, noise). Counties sum their municipalities (the first two digits of each
  year's codes): wage costs and employed persons are those sums (× a noise of about 0.4 %);
  value added = wage costs × an industry VA/wage ratio × a county productivity factor, scaled
  to the national mainland total each year; Trøndelag's factor is set so its 2019 VA is NOK
  222.4 bn, a little below the national VA per employed person. The shelf (05-09 and pipeline
  transport) follows its own knots. :func:`region_gdp_ratio` shows what goal H then gives.
- KOSTRA: mean days lognormal around the national knot (persistent + yearly noise, a small size
  slope), squashed smoothly into the brief's ranges and rescaled so the unweighted mean of the
  reporters equals the knot; cases Poisson on population; non-reporters drawn per year by a
  persistent propensity (bigger municipalities report more reliably).
- Education: residents 16+ on 1 October (about 80 % of the population) split over the levels by
  proportional fitting to the national distribution (size slopes, noise, Oslo and Trondheim
  boosts), integers by largest remainder, so the persons add up exactly.
- Immigrants: national share knots × a persistent municipal level (size slope, noise, a slow
  random walk), Oslo and Trondheim pinned relative to the nation, scaled to the national share,
  kept within 5-25 %.

**Size.** Over 500 lines on purpose: one model of the public tables (regional accounts, wages,
casework, immigration) calibrated against each other; splitting it would separate the consistency
constraints from the tables they bind. Shared helpers are in ``trsplan.demo.common``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from trsplan import paths
from trsplan.demo.common import RETRIEVED_AT, VERSION, version_folder, write_payloads
from trsplan.demo.population import LICENCE, SEED
from trsplan.errors import TrsplanError
from trsplan.indicators.catalogue import table_columns
from trsplan.snapshot.store import Snapshot
from trsplan.sources.jsonstat import dumps_jsonstat, to_jsonstat

__all__ = [
    "CASEWORK_COLUMNS",
    "CONTENTS_09429",
    "CONTENTS_09817",
    "CONTENTS_11713",
    "CONTENTS_14304",
    "ECONOMY_CONTENTS",
    "INDUSTRIES",
    "NIVAA",
    "TABLES",
    "WAGE_TABLE",
    "WAGE_TOLERANCE",
    "Base",
    "Model",
    "build_payloads",
    "generate",
    "load_config",
    "read_base",
    "region_gdp_ratio",
    "simulate",
]

WAGE_TABLE = "99901"  # PLACEHOLDER id (no real wage-bill table identified)
TABLES = ("14304", "11713", WAGE_TABLE, "09429", "09817")
#: |Σ municipal wages - county wage costs| <= WAGE_TOLERANCE × county + 1 (NOK million).
WAGE_TOLERANCE = 0.02
#: fixed "last updated" of each (pretend) table
UPDATED = {
    "14304": "2026-06-16T06:00:00Z",
    "11713": "2026-03-12T07:00:00Z",
    WAGE_TABLE: "2026-03-05T07:00:00Z",
    "09429": "2026-06-18T06:00:00Z",
    "09817": "2026-03-09T07:00:00Z",
}
NOTE = (
    "SYNTETISKE DEMODATA generert av trsplan.demo_public (seed {seed}); ikke offisiell "
    "statistikk. Befolkningen er demo-øyeblikksbildets tabell 07459; se data/demo/public.yaml."
)

LABEL_14304 = (
    "14304: KOSTRA-nøkkeltall for plan- og byggesaksbehandling, etter region, "
    "statistikkvariabel og år"
)
#: 14304 ContentsCode (ASSUMED ids) -> label (verified from the StatBank page, except the 3-week
#: mean days), in the page's order.
CONTENTS_14304: dict[str, str] = {
    "KOSvedtattdetalj0000": "Vedtatte detaljreguleringer fremmet som private forslag (antall)",
    "KOSdetaljinnsig0000": "Detaljreguleringer møtt med innsigelse i alt (antall)",
    "KOSsaksbehtidplan0000": (
        "Kommunens gjennomsnittlige saksbehandlingstid fra mottatt komplett planforslag til "
        "endelig vedtak (dager)"
    ),
    "KOSklagerdetalj0000": "Klager mottatt på kommunens vedtak om detaljreguleringer (antall)",
    "KOSandelreginnsig0000": "Andel av reguleringsplanene som ble møtt med innsigelser (prosent)",
    "KOSandelkpinnsig0000": (
        "Andel av kommune- og kommunedelplanene som ble møtt med innsigelser (prosent)"
    ),
    "KOSbehbygg12uke0000": "Behandlede byggesøknader med 12 ukers frist (antall)",
    "KOSbehbygg3uke0000": "Behandlede byggesøknader med 3 ukers frist (antall)",
    "KOSsaksbehtid12uke0000": (
        "Kommunens gjennomsnittlige saksbehandlingstid for byggesøknader med 12 ukers frist (dager)"
    ),
    "KOSsaksbehtid3uke0000": (
        "Kommunens gjennomsnittlige saksbehandlingstid for byggesøknader med 3 ukers frist (dager)"
    ),
}
_UNITS_14304 = {
    "KOSvedtattdetalj0000": ("antall", 0),
    "KOSdetaljinnsig0000": ("antall", 0),
    "KOSsaksbehtidplan0000": ("dager", 0),
    "KOSklagerdetalj0000": ("antall", 0),
    "KOSandelreginnsig0000": ("prosent", 1),
    "KOSandelkpinnsig0000": ("prosent", 1),
    "KOSbehbygg12uke0000": ("antall", 0),
    "KOSbehbygg3uke0000": ("antall", 0),
    "KOSsaksbehtid12uke0000": ("dager", 0),
    "KOSsaksbehtid3uke0000": ("dager", 0),
}
#: 14304 ContentsCode -> column of trsplan.indicators.casework (the table catalogue's columns)
CASEWORK_COLUMNS: dict[str, str] = table_columns("14304")

LABEL_11713 = (
    "11713: Fylkesfordelt nasjonalregnskap, etter region, næring, statistikkvariabel og år"
)
#: 11713 ContentsCode -> label (labels verified from the StatBank page; ids ASSUMED, BNPB as 09170)
CONTENTS_11713: dict[str, str] = {
    "BNPB": "Bruttoprodukt i basisverdi. Løpende priser (mill. kr)",
    "BNPBVolum": "Bruttoprodukt i basisverdi. Volumendring, årlig (prosent)",
    "Bruttoinvestering": "Bruttoinvestering i fast realkapital. Løpende priser (mill. kr)",
    "Sysselsatte": "Sysselsatte personer (1 000 personer)",
    "Lonnskostnader": "Lønnskostnader. Løpende priser (mill. kr)",
}
_UNITS_11713 = {
    "BNPB": ("mill. kr", 0),
    "BNPBVolum": ("prosent", 1),
    "Bruttoinvestering": ("mill. kr", 0),
    "Sysselsatte": ("1 000 personer", 1),
    "Lonnskostnader": ("mill. kr", 0),
}
#: economy.py's names -> 11713 ContentsCode
ECONOMY_CONTENTS: dict[str, str] = {
    "value_added": "BNPB",
    "employment": "Sysselsatte",
    "wage_costs": "Lonnskostnader",
}
NATIONAL_CODE, SHELF_CODE, TOTAL_INDUSTRY = "0", "23", "00-99"

LABEL_WAGE = (
    f"{WAGE_TABLE}: Lønnssum for lønnstakere, etter arbeidsstedskommune, næring (SN2007), "
    "statistikkvariabel og år (PLASSHOLDER: tabell-ID ikke verifisert)"
)
CONTENTS_WAGE: dict[str, str] = {"Lonnssum": "Lønnssum (mill. kr)"}
WAGE_NOTES = [
    "UNVERIFIED PLACEHOLDER: no real StatBank table of wage sums by municipality of work and "
    "industry was identified; the table id 99901, the variable names and the ContentsCode "
    "'Lonnssum' are invented for the demo. Replace them when the real table is known.",
    "Lonnssum is the wage bill (NOK million) by place of work in the arb11 groups of 13470; in "
    "the demo it sums per county to 11713's Lonnskostnader (a real wage sum excludes the "
    "employer's contributions and would be ~15-20 % lower; only shares matter for apportioning).",
]

LABEL_09429 = "09429: Utdanningsnivå, etter region, kjønn, nivå, statistikkvariabel og år"
NIVAA: dict[str, str] = {  # ids verified (SOURCES.md); labels assumed
    "01": "Grunnskolenivå",
    "02a": "Videregående skolenivå",
    "11": "Fagskolenivå",
    "03a": "Universitets- og høgskolenivå, kort",
    "04a": "Universitets- og høgskolenivå, lang",
    "09a": "Uoppgitt eller ingen fullført utdanning",
}
CONTENTS_09429: dict[str, str] = {"Personer": "Personer", "PersonerProsent": "Personer (prosent)"}

LABEL_09817 = (
    "09817: Innvandrere og norskfødte med innvandrerforeldre, etter region, innvandringskategori, "
    "landbakgrunn, statistikkvariabel og år"
)
CONTENTS_09817: dict[str, str] = {
    "Personer1": "Personer",
    "AndelBefolkning": "Andel av befolkningen (prosent)",
}

#: county code -> SSB name (a validity suffix "(-2017)", "(2020-2023)" is added from geography)
COUNTY_NAMES: dict[str, str] = {
    "01": "Østfold",
    "02": "Akershus",
    "03": "Oslo",
    "04": "Hedmark",
    "05": "Oppland",
    "06": "Buskerud",
    "07": "Vestfold",
    "08": "Telemark",
    "09": "Aust-Agder",
    "10": "Vest-Agder",
    "11": "Rogaland",
    "12": "Hordaland",
    "14": "Sogn og Fjordane",
    "15": "Møre og Romsdal",
    "16": "Sør-Trøndelag",
    "17": "Nord-Trøndelag",
    "18": "Nordland",
    "19": "Troms - Romsa",
    "20": "Finnmark - Finnmárku",
    "30": "Viken",
    "31": "Østfold",
    "32": "Akershus",
    "33": "Buskerud",
    "34": "Innlandet",
    "38": "Vestfold og Telemark",
    "39": "Vestfold",
    "40": "Telemark",
    "42": "Agder",
    "46": "Vestland",
    "50": "Trøndelag - Trööndelage",
    "54": "Troms og Finnmark - Romsa ja Finnmárku",
    "55": "Troms - Romsa - Tromssa",
    "56": "Finnmark - Finnmárku - Finmarkku",
}
TRONDELAG = ("16", "17", "50")


def load_config(path: Path | None = None) -> dict[str, Any]:
    """``data/demo/public.yaml`` as a dict."""
    path = Path(path) if path is not None else paths.demo_inputs_dir() / "public.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TrsplanError(f"cannot read the demo calibration {path}: {exc}") from None


INDUSTRIES: tuple[str, ...] = tuple(i["code"] for i in load_config()["economy"]["industries"])


# --- the population base ------------------------------------------------------------------


@dataclass(frozen=True)
class Base:
    """The demo population (07459) as arrays: ``pop[i, t]`` for ``codes[i]`` on 1 January
    ``years[t]`` (NaN where the code is not valid that year)."""

    codes: np.ndarray  # str, sorted
    years: np.ndarray  # int
    pop: np.ndarray  # float, codes × years
    labels: dict[str, str]
    keys: list[str]  # name keys for the keyed noise
    #: workplace employment (08536 SysselArbsted 00-99) aligned with ``pop``, when the snapshot
    #: has it (written by trsplan.demo_labour); else None and the economy simulates its own
    workplace: np.ndarray | None = None

    def index(self, first: int, last: int) -> np.ndarray:
        """Rows of the codes valid on 1 January of some year first..last."""
        cols = (self.years >= first) & (self.years <= last)
        return np.flatnonzero(np.isfinite(self.pop[:, cols]).any(axis=1))

    def block(self, rows: np.ndarray, first: int, last: int) -> np.ndarray:
        return self.block_of(self.pop, rows, first, last)

    def block_of(self, array: np.ndarray, rows: np.ndarray, first: int, last: int) -> np.ndarray:
        cols = (self.years >= first) & (self.years <= last)
        return array[np.ix_(rows, np.flatnonzero(cols))]


_SUFFIX = re.compile(r"\s*\(\d{0,4}-\d{0,4}\)$")


def _name_key(label: str) -> str:
    return _SUFFIX.sub("", label).split(" - ")[0].strip().casefold()


def read_base(snapshot: Snapshot) -> Base:
    """The 07459 population of ``snapshot`` as a :class:`Base`."""
    table = snapshot.read_table("07459")
    table = table[table["ContentsCode"] == "Personer1"]
    wide = table.pivot_table(index="Region", columns="Tid", values="value", aggfunc="first")
    codes = np.array(sorted(table["Region"].unique()), dtype=object)
    years = np.array(sorted(int(t) for t in table["Tid"].unique()))
    wide = wide.reindex(index=codes, columns=[str(y) for y in years])
    labels = {c: str(table.attrs["category_labels"]["Region"].get(c, c)) for c in codes}
    workplace = None
    if any(f.source == "ssb" and f.table_id == "08536" for f in snapshot.files()):
        jobs = snapshot.read_table("08536")
        jobs = jobs[
            (jobs["ContentsCode"] == "SysselArbsted")
            & (jobs["NACE2007"] == "00-99")
            & (jobs["Kjonn"] == "0")
        ]
        jobs = jobs.pivot_table(index="Region", columns="Tid", values="value", aggfunc="first")
        workplace = jobs.reindex(index=codes, columns=[str(y) for y in years]).to_numpy(
            dtype="float64"
        )
    return Base(
        codes=codes,
        years=years,
        pop=wide.to_numpy(dtype="float64"),
        labels=labels,
        keys=[_name_key(labels[c]) for c in codes],
        workplace=workplace,
    )


# --- helpers ------------------------------------------------------------------------------


def _knots(mapping: Mapping[Any, float], years: np.ndarray) -> np.ndarray:
    ks = sorted(int(k) for k in mapping)
    return np.interp(years, ks, [float(mapping[k]) for k in ks])


def _keyed_normal(keys: Sequence[str], salt: str, size: int, seed: int) -> np.ndarray:
    """Standard normals per key (rows), the same for a key whatever else is drawn."""
    cache: dict[str, np.ndarray] = {}
    salt_id = zlib.crc32(salt.encode("utf-8"))
    out = np.empty((len(keys), size))
    for i, key in enumerate(keys):
        if key not in cache:
            rng = np.random.default_rng([seed, salt_id, zlib.crc32(key.encode("utf-8"))])
            cache[key] = rng.standard_normal(size)
        out[i] = cache[key]
    return out


def _z(pop: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.clip(np.log10(pop / 5000.0), -1.5, 2.0)


def _round(x: np.ndarray, decimals: int = 0) -> np.ndarray:
    """Round half away from zero (deterministic, unlike banker's rounding of ties)."""
    scale = 10.0**decimals
    return np.sign(x) * np.floor(np.abs(x) * scale + 0.5) / scale


def _largest_remainder(exact: np.ndarray, totals: np.ndarray) -> np.ndarray:
    """Integers per row summing to ``totals`` (rows × cols), in proportion to ``exact``."""
    base = np.floor(exact)
    rest = (totals - base.sum(axis=1)).astype(np.int64)
    order = np.argsort(-(exact - base), axis=1, kind="stable")
    rank = np.argsort(order, axis=1, kind="stable")
    return (base + (rank < rest[:, None])).astype(np.int64)


def _ipf(weights: np.ndarray, rows: np.ndarray, cols: np.ndarray, n: int = 60) -> np.ndarray:
    """Scale ``weights`` (rows × cols × years) so rows sum to ``rows`` (rows × years) and columns
    to ``cols`` (cols × years)."""
    x = weights.copy()
    for _ in range(n):  # columns first, so the rows are exact at the end
        s = x.sum(axis=0, keepdims=True)
        x *= np.divide(cols[None, :, :], s, out=np.zeros_like(s), where=s > 0)
        s = x.sum(axis=1, keepdims=True)
        x *= np.divide(rows[:, None, :], s, out=np.zeros_like(s), where=s > 0)
    return x


def _override_scalar(keys: Sequence[str], cfg: Mapping[str, Any], field: str) -> np.ndarray:
    """Per row: the ``overrides.<name>.<field>`` of the row's municipality name, else NaN."""
    overrides = cfg.get("overrides") or {}
    return np.array([float(overrides.get(k, {}).get(field, np.nan)) for k in keys], dtype="float64")


def _override_boost(
    keys: Sequence[str], cfg: Mapping[str, Any], field: str, codes: Sequence[str]
) -> np.ndarray:
    """Rows × codes: the ``overrides.<name>.<field>`` log boosts (0 where none)."""
    overrides = cfg.get("overrides") or {}
    out = np.zeros((len(keys), len(codes)))
    for name, settings in overrides.items():
        boosts = (settings or {}).get(field) or {}
        unknown = sorted(set(map(str, boosts)) - set(codes))
        if unknown:
            raise TrsplanError(f"public.yaml overrides.{name}.{field}: unknown codes {unknown}")
        rows = np.array([k == name for k in keys])
        for code, value in boosts.items():
            out[rows, list(codes).index(str(code))] = float(value)
    return out


def _squash(raw: np.ndarray, centre: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Map positive values smoothly into (lo, hi), nearly unchanged close to ``centre``
    (a tanh on the log scale, so the bounds are approached but never piled up on)."""
    u = np.log(raw / centre)
    up, down = np.log(hi / centre), np.log(centre / lo)
    return centre * np.exp(np.where(u > 0, up * np.tanh(u / up), -down * np.tanh(-u / down)))


# --- the simulation -----------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Everything simulated, as arrays (NaN where a code is not valid).

    ``kostra``: ContentsCode -> (values, status) over ``kostra_rows`` × 2015-2025.
    ``emp``/``wage``: municipal workplace employment (persons) and wage bill (NOK million),
    ``econ_rows`` × industries × 2008-2025.
    ``county``: ContentsCode -> county_codes × (total + industries) × 2008-2023 (NaN invalid).
    ``education``: persons ``edu_rows`` × levels × 2008-2025; ``pop16`` ``edu_rows`` × years.
    ``immigrants``: persons ``imm_rows`` × 2010-2026.
    """

    seed: int
    base: Base
    config: dict[str, Any]
    kostra_rows: np.ndarray
    kostra_years: np.ndarray
    kostra: dict[str, tuple[np.ndarray, np.ndarray]]
    econ_rows: np.ndarray
    econ_years: np.ndarray
    emp: np.ndarray
    wage: np.ndarray
    county_codes: list[str]
    county_years: np.ndarray
    county: dict[str, np.ndarray]
    county_labels: dict[str, str]
    edu_rows: np.ndarray
    edu_years: np.ndarray
    education: np.ndarray
    pop16: np.ndarray
    imm_rows: np.ndarray
    imm_years: np.ndarray
    immigrants: np.ndarray


def simulate(base: Base, config: Mapping[str, Any] | None = None, seed: int = SEED) -> Model:
    """Simulate every table from the population ``base`` (deterministic for a given seed)."""
    cfg = dict(config if config is not None else load_config())
    k_rows, k_years, kostra = _simulate_kostra(base, cfg, seed)
    e_rows, e_years, emp, wage = _simulate_municipal_economy(base, cfg, seed)
    c_codes, c_years, county, c_labels = _simulate_counties(base, cfg, seed, e_rows, emp, wage)
    d_rows, d_years, education, pop16 = _simulate_education(base, cfg, seed)
    i_rows, i_years, immigrants = _simulate_immigrants(base, cfg, seed)
    return Model(
        seed,
        base,
        cfg,
        k_rows,
        k_years,
        kostra,
        e_rows,
        e_years,
        emp,
        wage,
        c_codes,
        c_years,
        county,
        c_labels,
        d_rows,
        d_years,
        education,
        pop16,
        i_rows,
        i_years,
        immigrants,
    )


def _simulate_kostra(
    base: Base, cfg: Mapping[str, Any], seed: int
) -> tuple[np.ndarray, np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
    k = cfg["kostra"]
    first, last = (int(y) for y in k["years"])
    years = np.arange(first, last + 1)
    rows = base.index(first, last)
    pop = base.block(rows, first, last)
    valid = np.isfinite(pop)
    n, t = pop.shape
    keys = [base.keys[i] for i in rows]
    rng = np.random.default_rng([seed, 14304])
    z = np.where(valid, _z(pop), 0.0)
    p0 = np.where(valid, pop, 0.0)

    # who does not report: a persistent propensity plus yearly noise; top-k per year
    missing = {}
    status_symbol = np.where(rng.random((n, t)) < float(k["confidential_share"]), ":", "..")
    rho = float(k["nonreporting_persistence"])
    low, high = (float(v) for v in k["nonreporting_share"])
    for form in ("building", "plan"):
        score = (
            rho * _keyed_normal(keys, f"kostra-nr-{form}", 1, seed)
            + np.sqrt(1 - rho**2) * rng.standard_normal((n, t))
            - float(k["nonreporting_size_slope"]) * z
        )
        score = np.where(valid, score, -np.inf)
        share = rng.uniform(low, high, t)
        count = np.floor(share * valid.sum(axis=0) + 0.5).astype(int)
        rank = np.argsort(np.argsort(-score, axis=0, kind="stable"), axis=0, kind="stable")
        missing[form] = valid & (rank < count[None, :])

    cases: dict[str, np.ndarray] = {}
    days: dict[str, np.ndarray] = {}
    for measure in ("building_12w", "building_3w", "zoning"):
        form = "plan" if measure == "zoning" else "building"
        rate = float(k["cases_per_1000"][measure]) / 1000.0
        tilt = np.exp(0.3 * _keyed_normal(keys, f"kostra-cases-{measure}", 1, seed))
        cases[measure] = rng.poisson(p0 * rate * tilt).astype(float)
        target = _knots(k["national_mean_days"][measure], years)
        lo, hi = (float(v) for v in k["bounds"][measure])
        log_days = (
            float(k["size_slope"][measure]) * z
            + float(k["log_sd_persistent"][measure])
            * _keyed_normal(keys, f"kostra-days-{measure}", 1, seed)
            + float(k["log_sd_year"][measure]) * rng.standard_normal((n, t))
        )
        shown = valid & ~missing[form] & (cases[measure] > 0)
        raw = target[None, :] * np.exp(log_days)
        centre = np.broadcast_to(target[None, :], raw.shape)
        for _ in range(12):  # national (unweighted) mean of the reporters = the knot
            mean = np.nanmean(np.where(shown, _squash(raw, centre, lo, hi), np.nan), axis=0)
            raw *= (target / mean)[None, :]
        days[measure] = np.where(shown, _round(_squash(raw, centre, lo, hi)), np.nan)

    zoning = cases["zoning"]
    objections = rng.binomial(zoning.astype(np.int64), float(k["objection_rate"])).astype(float)
    complaints = rng.poisson(zoning * float(k["complaints_per_plan"])).astype(float)
    plans = rng.poisson(float(k["municipal_plans_per_year"]), (n, t))
    plan_obj = rng.binomial(plans, float(k["municipal_plan_objection_rate"]))
    with np.errstate(divide="ignore", invalid="ignore"):
        share_reg = _round(100.0 * objections / zoning, 1)
        share_kp = _round(100.0 * plan_obj / plans, 1)

    def cell(values: np.ndarray, form: str, defined: np.ndarray | None = None) -> tuple:
        status = np.full((n, t), None, dtype=object)
        out = np.where(valid, values, np.nan)
        if defined is not None:
            status[valid & ~defined] = "."
            out = np.where(defined, out, np.nan)
        status[missing[form]] = status_symbol[missing[form]]
        status[~valid] = "."
        out = np.where(missing[form] | ~valid, np.nan, out)
        return out, status

    tables = {
        "KOSvedtattdetalj0000": cell(zoning, "plan"),
        "KOSdetaljinnsig0000": cell(objections, "plan"),
        "KOSsaksbehtidplan0000": cell(days["zoning"], "plan", zoning > 0),
        "KOSklagerdetalj0000": cell(complaints, "plan"),
        "KOSandelreginnsig0000": cell(share_reg, "plan", zoning > 0),
        "KOSandelkpinnsig0000": cell(share_kp, "plan", plans > 0),
        "KOSbehbygg12uke0000": cell(cases["building_12w"], "building"),
        "KOSbehbygg3uke0000": cell(cases["building_3w"], "building"),
        "KOSsaksbehtid12uke0000": cell(days["building_12w"], "building", cases["building_12w"] > 0),
        "KOSsaksbehtid3uke0000": cell(days["building_3w"], "building", cases["building_3w"] > 0),
    }
    return rows, years, tables


def _simulate_municipal_economy(
    base: Base, cfg: Mapping[str, Any], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Workplace employment and wage bill per municipality, industry and year (2008-2025)."""
    e = cfg["economy"]
    first, last = int(e["first_year"]), int(e["wage_years"][1])
    years = np.arange(first, last + 1)
    rows = base.index(first, last)
    pop = base.block(rows, first, last)
    valid = np.isfinite(pop)
    p0 = np.where(valid, pop, 0.0)
    z = np.where(valid, _z(pop), 0.0)
    keys = [base.keys[i] for i in rows]
    n, t = pop.shape
    rng = np.random.default_rng([seed, 13470])
    industries = e["industries"]
    j = len(industries)

    # jobs per resident
    national = _knots(e["employment_ratio"], years)
    log_ratio = (
        float(e["employment_ratio_slope"]) * z
        + float(e["employment_ratio_sd"]) * _keyed_normal(keys, "emp-ratio", 1, seed)
        + 0.02 * rng.standard_normal((n, t))
    )
    ratio = np.exp(log_ratio)
    override = _override_scalar(keys, cfg, "employment_ratio")
    pinned = np.isfinite(override)
    fixed = override[:, None] * (national / _knots(e["employment_ratio"], [2019]))[None, :]
    free = valid & ~pinned[:, None]
    need = national * p0.sum(axis=0) - (np.where(pinned[:, None], fixed, 0.0) * p0).sum(axis=0)
    ratio *= need / (np.where(free, ratio, 0.0) * p0).sum(axis=0)
    ratio = np.where(pinned[:, None], fixed, ratio)
    employment = ratio * p0  # n × t
    if base.workplace is not None:  # the demo's 08536 workplace employment where it has a value
        jobs = base.block_of(base.workplace, rows, first, last)
        employment = np.where(valid & np.isfinite(jobs), jobs, employment)

    # industry mix by IPF: municipality totals × national industry shares
    shares = np.array([float(i["share_pct"]) for i in industries]) / 100.0
    slopes = np.array([float(i["size_slope"]) for i in industries])
    noise = _keyed_normal(keys, "industry-mix", j, seed) * float(e["industry_sd"])
    boost = _override_boost(keys, cfg, "industry_log_boost", INDUSTRIES)
    log_w = (
        np.log(shares)[None, :, None]
        + slopes[None, :, None] * z[:, None, :]
        + noise[:, :, None]
        + boost[:, :, None]
        + 0.03 * rng.standard_normal((n, j, t))
    )
    weights = np.exp(log_w) * valid[:, None, :]
    cols = shares[:, None] * employment.sum(axis=0)[None, :]
    emp = _round(_ipf(weights, employment, cols))

    # wages per employed
    level = _knots(e["wage_per_employed"], years)
    rel = np.array([float(i["rel_wage"]) for i in industries])
    log_wage = (
        float(e["wage_size_slope"]) * z[:, None, :]
        + float(e["wage_sd"]) * _keyed_normal(keys, "wage-level", 1, seed)[:, :, None]
        + np.nan_to_num(_override_scalar(keys, cfg, "wage_log_boost"))[:, None, None]
        + 0.02 * rng.standard_normal((n, j, t))
    )
    per_head = rel[None, :, None] * np.exp(log_wage)
    mean = (emp * per_head).sum(axis=(0, 1)) / emp.sum(axis=(0, 1))
    per_head *= (level / mean)[None, None, :]
    wage = emp * per_head
    nan = ~valid[:, None, :] & np.ones((1, j, 1), dtype=bool)
    return rows, years, np.where(nan, np.nan, emp), np.where(nan, np.nan, wage)


def _county_labels(counties: Sequence[str]) -> dict[str, str]:
    munis = pd.read_csv(paths.geography_dir() / "municipalities.csv", dtype=str)
    munis = munis.fillna("")
    out = {NATIONAL_CODE: "Hele landet", SHELF_CODE: "Kontinentalsokkelen"}
    for county in counties:
        rows = munis[munis["code"].str[:2] == county]
        name = COUNTY_NAMES.get(county, county)
        if (rows["valid_to"] == "").any():
            out[county] = name
        else:
            starts = rows["valid_from"]
            first = "" if (starts == "").any() else min(starts)[:4]
            out[county] = f"{name} ({first}-{max(rows['valid_to'])[:4]})"
    return out


def _simulate_counties(
    base: Base,
    cfg: Mapping[str, Any],
    seed: int,
    rows: np.ndarray,
    emp: np.ndarray,
    wage: np.ndarray,
) -> tuple[list[str], np.ndarray, dict[str, np.ndarray], dict[str, str]]:
    """11713: county sums of the municipal economy, value added scaled to national totals."""
    e = cfg["economy"]
    first, last = int(e["first_year"]), int(e["last_county_year"])
    years = np.arange(first, last + 1)
    t = len(years)
    emp, wage = emp[:, :, :t], wage[:, :, :t]
    prefix = np.array([base.codes[i][:2] for i in rows])
    counties = sorted(set(prefix[np.isfinite(emp[:, 0, :]).any(axis=1)]))
    industries = e["industries"]
    j = len(industries)
    rng = np.random.default_rng([seed, 11713])

    k = len(counties)
    c_emp = np.zeros((k, j, t))
    c_wage = np.zeros((k, j, t))
    c_valid = np.zeros((k, t), dtype=bool)
    for a, county in enumerate(counties):
        members = prefix == county
        c_emp[a] = np.nansum(emp[members], axis=0)
        c_wage[a] = np.nansum(wage[members], axis=0)
        c_valid[a] = np.isfinite(emp[members, 0, :]).any(axis=0)
    employed = _round(c_emp / 1000.0 * np.exp(0.004 * rng.standard_normal((k, j, t))), 1)
    wage_costs = _round(c_wage * np.exp(0.004 * rng.standard_normal((k, j, t))))

    ratio = np.array([float(i["va_per_wage"]) for i in industries])
    factor = np.exp(float(e["county_va_sd"]) * rng.standard_normal(k))
    for county, value in e["county_va_factor"].items():
        if county in counties:
            factor[counties.index(county)] = float(value)
    trond = np.isin(counties, TRONDELAG)
    factor[trond] = 1.0
    va = (
        c_wage
        * ratio[None, :, None]
        * factor[:, None, None]
        * np.exp(0.05 * rng.standard_normal((k, j, 1)) + 0.03 * rng.standard_normal((k, j, t)))
    )
    va *= c_valid[:, None, :]
    mainland = _knots(e["mainland_va_bn"], years) * 1000.0
    va *= (mainland / va.sum(axis=(0, 1)))[None, None, :]
    col = int(np.flatnonzero(years == 2019)[0])
    s = va[trond, :, col].sum() / mainland[col]
    d = float(e["trondelag_va_2019_bn"]) * 1000.0 / mainland[col]
    va[trond] *= d * (1 - s) / (s * (1 - d))
    va *= (mainland / va.sum(axis=(0, 1)))[None, None, :]
    value_added = _round(va)
    inv_ratio = np.array([float(i["inv_ratio"]) for i in industries])
    investment = _round(
        va * inv_ratio[None, :, None] * np.exp(0.15 * rng.standard_normal(va.shape))
    )
    volume = _knots(e["volume_change_pct"], years)[None, None, :] + rng.normal(0, 2.5, va.shape)
    volume[:, INDUSTRIES.index("05-09"), :] += rng.normal(0, 5.0, (k, t))
    volume = _round(volume, 1)

    # the continental shelf: 05-09 and pipeline transport (49-53)
    shelf = {name: np.zeros((j, t)) for name in CONTENTS_11713}
    shelf_va = _knots(e["shelf_va_bn"], years) * 1000.0
    pipe = float(e["shelf_pipeline_share"])
    oil, pipeline = INDUSTRIES.index("05-09"), INDUSTRIES.index("49-53")
    shelf["BNPB"][oil] = _round(shelf_va * (1 - pipe))
    shelf["BNPB"][pipeline] = _round(shelf_va * pipe)
    shelf_emp = _knots(e["shelf_employed_thousand"], years)
    shelf["Sysselsatte"][oil] = _round(shelf_emp, 1)
    shelf["Sysselsatte"][pipeline] = 0.8
    level = _knots(e["wage_per_employed"], years) * float(e["shelf_wage_factor"])
    shelf["Lonnskostnader"][oil] = _round(shelf_emp * 1000.0 * level)
    shelf["Lonnskostnader"][pipeline] = _round(800.0 * level)
    shelf["Bruttoinvestering"][[oil, pipeline]] = _round(shelf["BNPB"][[oil, pipeline]] * 0.3)
    shelf["BNPBVolum"][:] = np.nan
    shelf["BNPBVolum"][[oil, pipeline]] = _round(rng.normal(0.0, 4.0, (2, t)), 1)

    counties_all = [NATIONAL_CODE, *counties, SHELF_CODE]
    va_weights = np.concatenate([np.where(c_valid[:, None, :], va, 0.0), shelf["BNPB"][None]])

    def weighted(v: np.ndarray, w: np.ndarray, axis: Any) -> np.ndarray:
        s = w.sum(axis=axis)
        mean = np.nansum(v * w, axis=axis) / np.where(s > 0, s, 1.0)
        return np.where(s > 0, _round(mean, 1), np.nan)

    out: dict[str, np.ndarray] = {}
    for name, values in (
        ("BNPB", value_added),
        ("BNPBVolum", volume),
        ("Bruttoinvestering", investment),
        ("Sysselsatte", employed),
        ("Lonnskostnader", wage_costs),
    ):
        region = np.where(c_valid[:, None, :], values, np.nan)
        region = np.concatenate([region, shelf[name][None]], axis=0)  # counties + shelf
        if name == "BNPBVolum":
            w = np.where(np.isfinite(region), va_weights, 0.0)
            total = weighted(region, w, 1)
            nat_industry, nat_total = weighted(region, w, 0), weighted(region, w, (0, 1))
        else:
            digits = 1 if name == "Sysselsatte" else 0
            total = _round(np.nansum(region, axis=1), digits)
            nat_industry = _round(np.nansum(region, axis=0), digits)
            nat_total = _round(np.nansum(region, axis=(0, 1)), digits)
        total = np.where(np.isfinite(region).any(axis=1), total, np.nan)
        full = np.concatenate([total[:, None, :], region], axis=1)  # (k+1) × (1+j) × t
        national = np.concatenate([nat_total[None, :], nat_industry], axis=0)[None]
        out[name] = np.concatenate([national, full], axis=0)  # national, counties, shelf
    return counties_all, years, out, _county_labels(counties)


def _simulate_education(
    base: Base, cfg: Mapping[str, Any], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ed = cfg["education"]
    first, last = (int(y) for y in ed["years"])
    years = np.arange(first, last + 1)
    rows = base.index(first, last)
    pop = base.block(rows, first, last)
    nxt = base.block(rows, first + 1, last + 1)
    valid = np.isfinite(pop)
    keys = [base.keys[i] for i in rows]
    n, t = pop.shape
    rng = np.random.default_rng([seed, 9429])
    z = np.where(valid, _z(pop), 0.0)
    # residents on 1 October: 3/4 of the way to the next 1 January (national growth if the code
    # changes at the turn of the year)
    nat_growth = np.nansum(nxt, axis=0) / np.nansum(pop, axis=0)
    growth = np.where(np.isfinite(nxt) & valid, nxt / np.where(valid, pop, 1), nat_growth)
    share16 = _knots(ed["share_16_plus"], years)[None, :] * np.exp(
        float(ed["share_16_plus_sd"]) * _keyed_normal(keys, "share16", 1, seed)
        - 0.01 * z
        + 0.005 * rng.standard_normal((n, t))
    )
    pop16 = np.where(valid, _round(pop * growth**0.75 * share16), 0.0)

    levels = list(NIVAA)
    targets = np.array([_knots(ed["levels"][lv], years) for lv in levels]) / 100.0  # L × t
    targets /= targets.sum(axis=0, keepdims=True)
    slopes = np.array([float(ed["size_slope"][lv]) for lv in levels])
    sds = np.array([float(ed["log_sd"][lv]) for lv in levels])
    boost = _override_boost(keys, cfg, "education_log_boost", levels)
    log_w = (
        np.log(targets)[None, :, :]
        + slopes[None, :, None] * z[:, None, :]
        + (sds[None, :] * _keyed_normal(keys, "education", len(levels), seed))[:, :, None]
        + boost[:, :, None]
        + 0.02 * rng.standard_normal((n, len(levels), t))
    )
    weights = np.exp(log_w) * valid[:, None, :]
    exact = _ipf(weights, pop16, targets * pop16.sum(axis=0)[None, :])
    flat = exact.transpose(0, 2, 1).reshape(n * t, len(levels))
    counts = _largest_remainder(flat, pop16.reshape(n * t)).reshape(n, t, len(levels))
    counts = counts.transpose(0, 2, 1).astype(float)
    counts[~np.broadcast_to(valid[:, None, :], counts.shape)] = np.nan
    return rows, years, counts, np.where(valid, pop16, np.nan)


def _simulate_immigrants(
    base: Base, cfg: Mapping[str, Any], seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    im = cfg["immigrants"]
    first, last = (int(y) for y in im["years"])
    years = np.arange(first, last + 1)
    rows = base.index(first, last)
    pop = base.block(rows, first, last)
    valid = np.isfinite(pop)
    p0 = np.where(valid, pop, 0.0)
    keys = [base.keys[i] for i in rows]
    t = len(years)
    national = _knots(im["national_share_pct"], years)
    walk = np.cumsum(
        float(im["log_sd_year"]) * _keyed_normal(keys, "immigrant-walk", t, seed), axis=1
    )
    rel = np.exp(
        float(im["size_slope"]) * np.where(valid, _z(pop), 0.0)
        + float(im["log_sd"]) * _keyed_normal(keys, "immigrant-level", 1, seed)
        + walk
    )
    relative = _override_scalar(keys, cfg, "immigrant_share_vs_national")
    pinned = np.isfinite(relative)[:, None]
    fixed = np.nan_to_num(relative)[:, None] * np.ones((1, t))
    lo, hi = (float(v) for v in im["bounds_pct"])
    share = national[None, :] * rel
    for _ in range(20):  # national share = the knot, inside the bounds
        share = np.where(pinned, national[None, :] * fixed, share)
        share = np.clip(share, lo, hi)
        free = valid & ~pinned & (share > lo) & (share < hi)
        want = national * p0.sum(axis=0) - (np.where(free, 0.0, share) * p0).sum(axis=0)
        have = (np.where(free, share, 0.0) * p0).sum(axis=0)
        share = np.where(free, share * (want / have)[None, :], share)
    share = np.clip(np.where(pinned, national[None, :] * fixed, share), lo, hi)
    # integers whose published share (rounded to 0.1) stays inside the bounds
    counts = np.clip(
        _round(share / 100.0 * p0),
        np.ceil((lo - 0.049) / 100.0 * p0),
        np.floor((hi + 0.049) / 100.0 * p0),
    )
    immigrants = np.where(valid, counts, np.nan)
    return rows, years, immigrants


# --- diagnostics ------------------------------------------------------------------------------


def region_gdp_ratio(model: Model, region: str = "trondheimsregionen") -> pd.DataFrame:
    """Goal H as ``trsplan.indicators.economy`` would estimate it from these tables: the region's
    share of the counties' (mainland) value added ÷ its population share, per year of 11713 and
    the wage table (2015-2023), by the wage-bill and employment keys."""
    from trsplan import geography

    base = model.base
    county_idx = {c: i for i, c in enumerate(model.county_codes)}
    va = model.county["BNPB"]  # regions × (1+J) × years
    codes = base.codes[model.econ_rows]
    prefix = np.array([c[:2] for c in codes])
    out = []
    first_wage = int(model.config["economy"]["wage_years"][0])
    for year in model.county_years:
        if year < first_wage:
            continue
        t = int(year - model.econ_years[0])
        tc = int(year - model.county_years[0])
        weights = geography.member_weights(region, int(year))
        w = np.array([weights.get(c, 0.0) for c in codes])
        pop_col = int(year - base.years[0])
        pop = base.pop[model.econ_rows, pop_col]
        row = {"year": int(year)}
        for key, arr in (("wage_bill", model.wage), ("employment", model.emp)):
            total = 0.0
            for county in sorted(set(prefix[w > 0])):
                members = prefix == county
                share = np.nansum(arr[members, :, t] * w[members, None], axis=0) / np.nansum(
                    arr[members, :, t], axis=0
                )
                total += np.nansum(va[county_idx[county], 1:, tc] * share)
            row[f"value_added_{key}"] = total
        mainland = np.nansum(va[1:-1, 0, tc])
        pop_share = np.nansum(pop * w) / np.nansum(pop)
        for key in ("wage_bill", "employment"):
            row[f"ratio_{key}"] = row[f"value_added_{key}"] / mainland / pop_share
        row["population_share_pct"] = pop_share * 100
        out.append(row)
    return pd.DataFrame(out)


# --- payloads -----------------------------------------------------------------------------


def _frame(dims: Sequence[tuple[str, Sequence[str]]], values: np.ndarray, status: np.ndarray):
    """A full cross-product frame in row-major order of ``dims`` (values/status flattened)."""
    sizes = [len(codes) for _, codes in dims]
    total = int(np.prod(sizes))
    columns: dict[str, Any] = {}
    inner = total
    for name, codes in dims:
        inner //= len(codes)
        outer = total // (inner * len(codes))
        arr = np.array(list(codes), dtype=object)
        columns[name] = np.tile(np.repeat(arr, inner), outer)
    columns["value"] = values.reshape(total).astype("float64")
    columns["status"] = status.reshape(total)
    return pd.DataFrame(columns)


def _catalogue_entry(table_id: str):
    from trsplan.sources.catalogue import load_catalogue

    for entry in load_catalogue(paths.catalogue_path()):
        if entry.table_id == table_id:
            return entry
    return None


def _meta(table_id: str, n_cells: int, seed: int, fallback: list[dict[str, Any]] | None = None):
    entry = _catalogue_entry(table_id)
    if entry is not None:
        selection = [s.to_v2() for s in entry.selection]
    elif fallback is not None:
        selection = fallback
    else:
        raise TrsplanError(f"table {table_id} is not in the StatBank catalogue")
    query: dict[str, Any] = {
        "api": "v2",
        "method": "POST",
        "selection": selection,
        "outputFormat": "json-stat2",
        "cells": n_cells,
    }
    if table_id == WAGE_TABLE:
        query["notes"] = WAGE_NOTES
    return {
        "table_id": table_id,
        "url": None,  # generated, not retrieved: the generator is the source
        "query": query,
        "retrieved_at": RETRIEVED_AT,
        "licence": LICENCE,
        "synthetic": True,
        "updated": UPDATED[table_id],
        "media_type": "application/json",
        "generator": f"trsplan.demo_public seed={seed}",
    }


def _encode(
    table_id: str,
    label: str,
    dims: Sequence[tuple[str, Sequence[str]]],
    values: np.ndarray,
    status: np.ndarray,
    *,
    labels: Mapping[str, Mapping[str, str]],
    dimension_labels: Mapping[str, str],
    units: Mapping[str, tuple[str, int]],
    notes: Sequence[str],
    seed: int,
    fallback: list[dict[str, Any]] | None = None,
) -> tuple[bytes, dict[str, Any]]:
    frame = _frame(dims, values, status)
    obj = to_jsonstat(
        frame,
        [d for d, _ in dims],
        table_id=table_id,
        label=label,
        updated=UPDATED[table_id],
        category_labels=labels,
        dimension_labels=dimension_labels,
        contents_units={k: {"base": b, "decimals": d} for k, (b, d) in units.items()},
        category_order={d: list(codes) for d, codes in dims},
        notes=notes,
        decimals=max(d for _, d in units.values()),
        api="v2",
        synthetic=f"trsplan.demo_public seed={seed}",
    )
    return dumps_jsonstat(obj), _meta(table_id, len(frame), seed, fallback)


def _status_dot(values: np.ndarray) -> np.ndarray:
    status = np.full(values.shape, None, dtype=object)
    status[np.isnan(values)] = "."
    return status


def build_payloads(model: Model) -> dict[str, tuple[bytes, dict[str, Any]]]:
    """``{file name: (payload bytes, write_file keyword arguments)}`` for every table."""
    base, seed = model.base, model.seed
    note = NOTE.format(seed=seed)
    out: dict[str, tuple[bytes, dict[str, Any]]] = {}
    years_of = {
        "14304": model.kostra_years,
        "11713": model.county_years,
        WAGE_TABLE: np.arange(
            int(model.config["economy"]["wage_years"][0]),
            int(model.config["economy"]["wage_years"][1]) + 1,
        ),
        "09429": model.edu_years,
        "09817": model.imm_years,
    }

    def region_labels(rows: np.ndarray) -> dict[str, str]:
        return {base.codes[i]: base.labels[base.codes[i]] for i in rows}

    # 14304: Region × ContentsCode × Tid
    rows, years = model.kostra_rows, model.kostra_years
    codes = [base.codes[i] for i in rows]
    contents = list(CONTENTS_14304)
    values = np.stack([model.kostra[c][0] for c in contents], axis=1)  # n × C × t
    status = np.stack([model.kostra[c][1] for c in contents], axis=1)
    out["14304.json"] = _encode(
        "14304",
        LABEL_14304,
        [("Region", codes), ("ContentsCode", contents), ("Tid", [str(y) for y in years])],
        values,
        status,
        labels={"Region": region_labels(rows), "ContentsCode": CONTENTS_14304},
        dimension_labels={},
        units=_UNITS_14304,
        notes=[
            note,
            "KOSTRA: kommuner som ikke har rapportert, har '..' (mangler) eller ':' "
            "(konfidensielt); et gjennomsnitt uten saker bak har '.'. ContentsCode-kodene er "
            "antatt (ikke verifisert).",
        ],
        seed=seed,
    )

    # 11713: Region × NACE2007 × ContentsCode × Tid
    industries = [TOTAL_INDUSTRY, *INDUSTRIES]
    ind_labels = {TOTAL_INDUSTRY: "Totalt for næringer"} | {
        i["code"]: i["label"] for i in model.config["economy"]["industries"]
    }
    contents = list(CONTENTS_11713)
    values = np.stack([model.county[c] for c in contents], axis=2)  # R × I × C × t
    out["11713.json"] = _encode(
        "11713",
        LABEL_11713,
        [
            ("Region", model.county_codes),
            ("NACE2007", industries),
            ("ContentsCode", contents),
            ("Tid", [str(y) for y in model.county_years]),
        ],
        values,
        _status_dot(values),
        labels={
            "Region": model.county_labels,
            "NACE2007": ind_labels,
            "ContentsCode": CONTENTS_11713,
        },
        dimension_labels={"NACE2007": "næring (SN2007)"},
        units=_UNITS_11713,
        notes=[
            note,
            "Fylkene har tall bare i årene de finnes (16 og 17 til 2017, 50 fra 2018, "
            "2020-fylkene fra 2020). NACE2007 '00-99' er summen av næringene. ContentsCode- og "
            "næringskodene er antatt (ikke verifisert).",
            *(
                [
                    "Sysselsatte og lønnskostnader er fylkessummer av demoens sysselsatte etter "
                    "arbeidssted (08536 SysselArbsted)."
                ]
                if base.workplace is not None
                else []
            ),
        ],
        seed=seed,
    )

    # 99901: Region × NACE2007 × ContentsCode × Tid (the wage table)
    wage_years = years_of[WAGE_TABLE]
    t0 = int(wage_years[0] - model.econ_years[0])
    wage = model.wage[:, :, t0 : t0 + len(wage_years)]
    keep = np.isfinite(wage[:, 0, :]).any(axis=1)
    rows = model.econ_rows[keep]
    codes = [base.codes[i] for i in rows]
    values = _round(wage[keep], 1)[:, :, None, :]
    fallback = [
        {"variableCode": "Region", "codelist": "vs_Kommune", "valueCodes": ["*"]},
        {"variableCode": "NACE2007", "valueCodes": list(INDUSTRIES)},
        {"variableCode": "ContentsCode", "valueCodes": list(CONTENTS_WAGE)},
        {"variableCode": "Tid", "valueCodes": [f"from({int(wage_years[0])})"]},
    ]
    out[f"{WAGE_TABLE}.json"] = _encode(
        WAGE_TABLE,
        LABEL_WAGE,
        [
            ("Region", codes),
            ("NACE2007", list(INDUSTRIES)),
            ("ContentsCode", list(CONTENTS_WAGE)),
            ("Tid", [str(y) for y in wage_years]),
        ],
        values,
        _status_dot(values),
        labels={
            "Region": region_labels(rows),
            "NACE2007": {k: v for k, v in ind_labels.items() if k != TOTAL_INDUSTRY},
            "ContentsCode": CONTENTS_WAGE,
        },
        dimension_labels={"NACE2007": "næring (SN2007)", "Region": "arbeidsstedskommune"},
        units={"Lonnssum": ("mill. kr", 1)},
        notes=[note, "PLASSHOLDER: tabell-ID, variabler og koder er ikke verifisert.", *WAGE_NOTES],
        seed=seed,
        fallback=fallback,
    )

    # 09429: Region × Kjonn × Nivaa × ContentsCode × Tid
    rows = model.edu_rows
    codes = [base.codes[i] for i in rows]
    counts = model.education  # n × L × t
    total = np.nansum(counts, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        percent = _round(100.0 * counts / total, 1)
    values = np.stack([counts, percent], axis=2)[:, None]  # n × 1 × L × 2 × t
    out["09429.json"] = _encode(
        "09429",
        LABEL_09429,
        [
            ("Region", codes),
            ("Kjonn", ["0"]),
            ("Nivaa", list(NIVAA)),
            ("ContentsCode", list(CONTENTS_09429)),
            ("Tid", [str(y) for y in model.edu_years]),
        ],
        values,
        _status_dot(values),
        labels={
            "Region": region_labels(rows),
            "Kjonn": {"0": "Begge kjønn"},
            "Nivaa": NIVAA,
            "ContentsCode": CONTENTS_09429,
        },
        dimension_labels={"Nivaa": "nivå"},
        units={"Personer": ("personer", 0), "PersonerProsent": ("prosent", 1)},
        notes=[note, "Personer 16 år og over, 1. oktober."],
        seed=seed,
    )

    # 09817: Region × InnvandrKat × Landbakgrunn × ContentsCode × Tid
    rows = model.imm_rows
    codes = [base.codes[i] for i in rows]
    pop = base.block(rows, int(model.imm_years[0]), int(model.imm_years[-1]))
    imm = model.immigrants
    with np.errstate(divide="ignore", invalid="ignore"):
        share = _round(100.0 * imm / pop, 1)
    values = np.stack([imm, share], axis=1)[:, None, None]  # n × 1 × 1 × 2 × t
    out["09817.json"] = _encode(
        "09817",
        LABEL_09817,
        [
            ("Region", codes),
            ("InnvandrKat", ["B"]),
            ("Landbakgrunn", ["999"]),
            ("ContentsCode", list(CONTENTS_09817)),
            ("Tid", [str(y) for y in model.imm_years]),
        ],
        values,
        _status_dot(values),
        labels={
            "Region": region_labels(rows),
            "InnvandrKat": {"B": "Innvandrere"},
            "Landbakgrunn": {"999": "I alt"},
            "ContentsCode": CONTENTS_09817,
        },
        dimension_labels={"InnvandrKat": "innvandringskategori", "Landbakgrunn": "landbakgrunn"},
        units={"Personer1": ("personer", 0), "AndelBefolkning": ("prosent", 1)},
        notes=[note, "Befolkningen 1. januar; andelen er av folkemengden i 07459."],
        seed=seed,
    )
    return out


def generate(
    out: Path | None = None,
    version: str = VERSION,
    seed: int = SEED,
    population_root: Path | None = None,
) -> tuple[list[Path], Model]:
    """Read the population of snapshot ``version`` (under ``population_root``, default
    ``<out>/snapshot``), simulate and write the payloads beside it; return the paths written."""
    default_root = version_folder(out, version).parent
    root = Path(population_root) if population_root is not None else default_root
    try:
        snapshot = Snapshot.open(version, root=root)
    except TrsplanError as exc:
        raise TrsplanError(
            f"{exc}; run `trsplan demo-snapshot` (it writes the population, 07459, first)"
        ) from None
    model = simulate(read_base(snapshot), load_config(), seed)
    return write_payloads(version_folder(out, version), "ssb", build_payloads(model)), model
