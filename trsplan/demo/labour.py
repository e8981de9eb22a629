"""Synthetic labour-market and business data for the demo snapshot: SSB tables 08536, 13470,
03321, 07091 and 08316 and a small Brønnøysund (Enhetsregisteret) extract.

Run by ``trsplan demo-snapshot [--out DATA_DIR] [--version NAME]`` (second of three). It reads the
demo population (table 07459 of the same snapshot version, written by ``trsplan.demo.population``)
and writes, through ``trsplan.snapshot.store.write_file`` with a ``.meta.json`` sidecar each::

    <DATA_DIR>/snapshot/<NAME>/ssb/{08536,13470,03321,07091,08316}.json
    <DATA_DIR>/snapshot/<NAME>/brreg/{enheter,underenheter}.csv.gz

The population is read from ``<DATA_DIR>/snapshot/<NAME>`` when that folder has 07459, else from
the project's snapshot store. Parameters: ``data/demo/labour.yaml`` (every figure there is tagged
[S] sourced, [gk] general knowledge or [demo] a modelling choice). The output is byte-for-byte
reproducible for a given seed, population and geography: seeded numpy generators (one stream per
component), fixed timestamps, sorted orders, gzip with mtime 0 and a fixed inner file name.

EVERY NUMBER IS SYNTHETIC (``synthetic: true`` in every sidecar, "SYNTETISKE DEMODATA" in every
payload note). The SSB payloads have the PxWebApi v2 JSON-stat 2.0 layout (``to_jsonstat(api=
"v2")``) a fetch of the catalogue entry (``data/catalogue/statbank_tables.yaml``) would give:
the same dimension ids in the same order and the same code style. A code carries numbers only
in the years it is valid (code vintage of Y = codes valid on 1 January Y); elsewhere its cells
are ``null`` with status ``"."`` (never 0). Municipality labels are those of the demo's 07459
("Klæbu (2018-2019)" for discontinued codes).

Tables (ASSUMED: the table labels, every ContentsCode label and the labels of AntAnsatte,
OrgFormer, AntSyss, OverlevAar and Overlevelse codes; they are the StatBank style, not seen)
- 08536 "Sysselsatte per 4. kvartal": Region (plain codes, "????") × NACE2007 × Kjonn ("0") ×
  ContentsCode (``SysselArbsted``, ``SysselBosted``) × Tid 2008-2025. NACE2007: "00-99" and, of
  the 2-digit divisions the catalogue asks ("??"), only the eurostat_hightech ones 21, 26, 59,
  60, 61, 62, 63, 72 (DEMO RESTRICTION, size). SSB's perturbation is applied: every 1 and 2 is
  replaced by 0 or 3 (the demo keeps the expected value: 1 -> 3 with probability 1/3, 2 -> 3
  with probability 2/3), so divisions need not add up; the 00-99 totals are exact.
- 13470 "Sysselsatte per 4. kvartal, etter arbeidssted": Region (``agg_KommSummer``, "K-5001")
  × NACE2007 (the 17 ``agg_NACE2007arb11`` groups) × ContentsCode ``SysselsatteArb`` × Tid
  2015-2025. agg_KommSummer gives series on TODAY's borders, so every year uses the 2024 code list
  (= 2025's): older codes are summed into their successors and split municipalities shared out
  by the split weights of ``data/geography/split_weights.csv`` (integers by largest remainder).
  ASSUMED simplification: the real codelist puts split municipalities in "K-Rest" ("Delte
  kommuner og uoppgitt") instead. Per year, the sum over municipalities and groups equals the
  08536 national sum of SysselArbsted 00-99 exactly, and each harmonised municipality's groups
  add up to its 08536 total carried to 2024 borders (up to the rounding of split parts).
- 03321 "Sysselsatte, etter arbeidsstedskommune og bostedskommune (pendling)": Bokommuen (every
  code, plain) × ArbstedKomm × ContentsCode ``Sysselsatte`` × Tid 2010-2025. DEMO RESTRICTION:
  ArbstedKomm holds only the comparator centres (0301 Oslo; 1201/4601 Bergen; 1103 Stavanger;
  1001/4204 Kristiansand; 1902/5401/5501 Tromsø; 1601/5001 Trondheim), and the years start in
  2010 (the catalogue asks from 2008). So row sums are NOT employed residents: take those from
  08536 ``SysselBosted`` 00-99. A centre's 08536 ``SysselArbsted`` 00-99 equals the column sum of
  its flows exactly; flows of a residence never exceed its employed residents.
- 07091 "Bedrifter": Region (plain) × NACE2007 × AntAnsatte × ContentsCode ``Bedrifter`` × Tid
  2012-2026 (establishments on 1 January). NACE2007: only "01-99" (the all-industries code,
  labelled "Total"; DEMO RESTRICTION, size). AntAnsatte: all nine codes seen in real queries,
  "99" (all sizes, the exact sum of the other eight), "00", "01", "02", "03", "04", "05", "15",
  "16".
- 08316 "Nyetablerte foretak": Region (plain municipality codes; the catalogue's "*" may also
  return the country and counties: not in the demo) × NACE2007 "00-99" × OrgFormer "Alle" ×
  AntSyss "999" × OverlevAar "01" × Overlevelse "00" × ContentsCode ``Foretak`` × Tid
  2008-2024, about 6-12 new enterprises per 1,000 inhabitants (Trondheim higher).

Model (parameters in labour.yaml)
- Employed residents (08536 SysselBosted 00-99) = population on 1 January (07459) × a rate
  within [0.48, 0.52] (national cycle + persistent municipal effect + noise).
- Commuting: employed residents of r × share(r, centre), rounded: the centre's own residents
  (self share), named neighbours (Trondheim: the 2009 Telemarksforsking region above 10 %,
  Malvik/Melhus/Skaun/Stjørdal/Klæbu 25-50 %, Orkland/Indre Fosen/Midtre Gauldal/Selbu
  10-20 %; the comparator regions of regions.yaml elsewhere), the rest of the centre's county,
  adjacent counties, and a small long-distance share everywhere else; a slow upward trend.
- Workplace employment (SysselArbsted 00-99): centres = the column sums of their flows; other
  municipalities = residents not working in a centre × a local job factor (by the size of the
  2024 territory), plus the jobs of the centre's own residents who work outside the centres,
  placed in its named neighbours; scaled so that Norway's workplace total equals its residence
  total every year (largest remainder). Trondheim is a net importer (jobs ≈ 1.1 × employed
  residents).
- Industry: workplace jobs split over the 17 groups (multinomial; municipal multipliers by size,
  noise and named boosts, national shares re-fitted to the targets), the eight divisions drawn
  inside their group (so a division never exceeds its group). Residents by division mix the
  divisions of the places where they work (centres by flow, the home municipality otherwise).
- Establishments: population × about 0.115 with a size-class mix tilted by municipality size.
- New enterprises: Poisson around population × rate (per 1,000) × a yearly cycle.

Brønnøysund extract (``brreg/enheter.csv.gz``; ``brreg/underenheter.csv.gz``)
- The bulk CSV layout (columns are dotted JSON paths, SOURCES.md §3), comma-separated, UTF-8,
  booleans ``true``/``false``, empty = null. A few thousand FICTITIOUS units; every
  organisation number starts with 0 (real ones start with 8 or 9), and the eight numbers of the
  fictitious curated list ``data/definitions/tech_companies_orgnr.csv`` are included (in
  Trondheim) so that the curated method finds them.
- Registered 1990-2026 (``stiftelsesdato``; Enhetsregisteret started in 1995, so older units
  carry a 1995 ``registreringsdatoEnhetsregisteret``; ENK have no ``stiftelsesdato``).
  Units registered from 2025 carry SN2025 codes (62.100, ...), older ones SN2007 (62.010,
  26.110, 72.190, ...), as the brief asks, to exercise the code change (a real extract taken
  after the 2025 recoding has SN2025 codes throughout). ``antallAnsatte`` is null for withheld
  small counts (``harRegistrertAntallAnsatte`` true) and for units without employees (false).
- Some units are deleted (``slettedato``). DEMO CHOICE: they keep their other fields so that
  counts back in time can be exercised; the real bulk file has no deleted units and the API
  shows only organisasjonsnummer, navn, organisasjonsform and slettedato for them.
- Calibrated so that the eurostat_hightech NACE count in the eight member municipalities is a few
  hundred to about 1,000 companies with roughly 8,000-15,000 employees (the region's curated
  Impello count: 592 companies / 11,695 employees in 2016, ANCHORS.md §4.1).
- The real ``trsplan fetch`` stores Brreg extracts as ``<kind>.parquet``; the demo keeps the
  downloaded form (``<kind>.csv.gz``), which ``trsplan.sources.brreg_bulk.csv_to_parquet`` converts.

**Size.** Over 500 lines on purpose: one simulation of the labour market (residents, jobs,
commuting, industries, firms) whose stages share the ``Labour`` arrays and random streams; the
Brønnøysund extract is in ``trsplan.demo.brreg``, shared helpers in ``trsplan.demo.common``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from trsplan import geography, paths
from trsplan.demo.brreg import brreg_files, build_brreg
from trsplan.demo.common import (
    VERSION,
    apportion,
    round_half_up,
    snapshot_meta,
    version_folder,
    write_payloads,
)
from trsplan.errors import TrsplanError
from trsplan.snapshot.store import Snapshot
from trsplan.sources.jsonstat import dumps_jsonstat, to_jsonstat

__all__ = [
    "CENTRE_CODES",
    "DIVISIONS",
    "GROUPS",
    "SEED",
    "TABLES",
    "VERSION",
    "Labour",
    "build_payloads",
    "generate",
    "load_config",
    "harmonise_groups",
    "perturb",
    "simulate",
    "summary",
]

SEED = 20261102
UPDATED = "2026-06-18T06:00:00Z"  # fixed "last updated" of the tables
LICENCE = "NLOD 2.0 / CC BY 4.0 (synthetic demo data in the layout of SSB tables)"
TABLES = ("08536", "13470", "03321", "07091", "08316")

#: The 13470 groups (``agg_NACE2007arb11``) and the 08536 divisions the demo publishes.
GROUPS = (
    "01-03", "05-09", "10-33", "35-39", "41-43", "45-47", "49-53", "55-56", "58-63",
    "64-66", "68-75", "77-82", "84", "85", "86-88", "90-99", "00",
)  # fmt: skip
DIVISIONS = ("21", "26", "59", "60", "61", "62", "63", "72")
#: Comparator centres in 03321 (every code each centre had since 2008, see geography).
CENTRE_CODES = (
    "0301", "1001", "1103", "1201", "1601", "1902", "4204", "4601", "5001", "5401", "5501",
)  # fmt: skip

NOTE = (
    "SYNTETISKE DEMODATA generert av trsplan.demo_labour (seed {seed}); ikke offisiell "
    "statistikk. Tallene er simulert ut fra demo-befolkningen (tabell 07459 i samme snapshot)."
)
#: SSB's 08536 note (the English version is verified, SOURCES.md §1.3; Norwegian: translation).
NOTE_08536 = (
    "Alle 1- og 2-tall er erstattet med 0 eller 3 for å ivareta personvernet. Når tallene "
    "aggregeres til et høyere regionalt nivå, kan summen avvike noe fra det faktiske tallet."
)
NOTE_03321 = (
    "Demodata: bare sammenligningssentrene er med som arbeidssted (ArbstedKomm); radsummene er "
    "derfor ikke sysselsatte etter bosted (se tabell 08536, SysselBosted)."
)

_DIMENSION_LABELS = {
    "Region": "region",
    "NACE2007": "næring (SN2007)",
    "Kjonn": "kjønn",
    "ContentsCode": "statistikkvariabel",
    "Tid": "år",
    "Bokommuen": "bostedskommune",
    "ArbstedKomm": "arbeidsstedskommune",
    "AntAnsatte": "antall ansatte",
    "OrgFormer": "organisasjonsform",
    "AntSyss": "antall sysselsatte",
    "OverlevAar": "overlevelsesår",
    "Overlevelse": "overlevelse",
}

# Streams of random numbers, one per component (numpy SeedSequence([seed, stream])).
_STREAM = {
    "rate": 1,
    "commuting": 2,
    "jobs": 3,
    "groups": 4,
    "divisions": 5,
    "residence": 6,
    "perturb": 7,
    "establishments": 8,
    "new_enterprises": 9,
    "brreg": 10,
}


def _rng(seed: int, stream: str) -> np.random.Generator:
    return np.random.default_rng([seed, _STREAM[stream]])


# --- inputs ----------------------------------------------------------------------------------


def load_config(path: Path | None = None) -> dict[str, Any]:
    """The calibration inputs (``data/demo/labour.yaml``)."""
    path = Path(path) if path is not None else paths.demo_inputs_dir() / "labour.yaml"
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TrsplanError(f"cannot read the demo calibration {path}: {exc}") from None


def _population_root(out: Path | None, version: str) -> Path:
    """The snapshot root holding the population (07459) of ``version``."""
    candidates = []
    if out is not None:
        candidates.append(Path(out) / "snapshot")
    candidates.append(paths.snapshot_root())
    for root in candidates:
        if (root / version / "ssb" / "07459.json.meta.json").is_file():
            return root
    raise TrsplanError(
        f"no population (table 07459) in snapshot version {version!r}; write it first with "
        "`trsplan demo-snapshot`"
    )


@dataclass(frozen=True)
class _Population:
    frame: pd.DataFrame  # code, year, population (valid cells only)
    labels: dict[str, str]  # StatBank-style municipality labels
    sha256: str  # of the 07459 payload read


def _load_population(root: Path, version: str) -> _Population:
    snapshot = Snapshot.open(version, root=root)
    table = snapshot.read_table("07459")
    cells = table.loc[table["value"].notna(), ["Region", "Tid", "value"]]
    frame = pd.DataFrame(
        {
            "code": cells["Region"].astype(str).to_numpy(),
            "year": cells["Tid"].astype("int64").to_numpy(),
            "population": cells["value"].astype("int64").to_numpy(),
        }
    )
    labels = {str(k): str(v) for k, v in table.attrs["category_labels"]["Region"].items()}
    return _Population(frame, labels, snapshot.provenance("ssb", "07459.json").sha256)


# --- geography helpers ---------------------------------------------------------------------


def _successors_2024(codes: Sequence[str]) -> dict[str, str]:
    """Each code -> the 2024 code that took (most of) its territory (itself if still valid)."""
    table = geography.mapping_table(2024)
    last = table.sort_values(["code", "from_year", "weight", "new_code"], kind="stable")
    last = last.loc[last["from_year"] == last.groupby("code")["from_year"].transform("max")]
    best = last.sort_values(["code", "weight", "new_code"], ascending=[True, False, True])
    best = best.drop_duplicates("code")
    mapping = dict(zip(best["code"], best["new_code"], strict=True))
    return {c: mapping.get(c, c) for c in codes}


def _renumbered(codes: Sequence[str]) -> dict[str, str]:
    """Each code -> the earliest code of its chain of pure renumberings (code_changes.csv kind
    ``renumber``: 1601 -> 5001, 1902 -> 5401 -> 5501)."""
    changes = pd.read_csv(paths.geography_dir() / "code_changes.csv", dtype=str)
    parent = {c: c for c in codes}
    for row in changes.loc[changes["kind"] == "renumber"].sort_values("date").itertuples():
        if row.old_code in parent and row.new_code in parent:
            parent[row.new_code] = parent[row.old_code]
    out = {}
    for code in codes:
        root = code
        while parent[root] != root:
            root = parent[root]
        out[code] = root
    return out


def _interpolate(knots: Mapping[Any, float], years: np.ndarray) -> np.ndarray:
    """Linear interpolation of ``{year: value}``; held constant outside the knots."""
    xs = np.array(sorted(int(k) for k in knots), dtype=float)
    ys = np.array([float(knots[k]) for k in sorted(knots, key=int)])
    return np.interp(years.astype(float), xs, ys)


def perturb(values: np.ndarray, rng: np.random.Generator, p1: float, p2: float) -> np.ndarray:
    """SSB's rule for 08536: every 1 and 2 becomes 0 or 3 (1 -> 3 with probability ``p1``, 2 -> 3
    with probability ``p2``; the demo's choice keeps the expected value with 1/3 and 2/3)."""
    out = values.copy()
    draw = rng.random(values.shape)
    out[(values == 1)] = np.where(draw[values == 1] < p1, 3, 0)
    out[(values == 2)] = np.where(draw[values == 2] < p2, 3, 0)
    return out


# --- simulation ----------------------------------------------------------------------------


@dataclass
class Labour:
    """The simulated municipal accounts (arrays over ``codes`` × ``years``)."""

    seed: int
    codes: list[str]  # every code valid on 1 January of some year in ``years`` (sorted)
    years: np.ndarray  # 2008 .. 2026
    valid: np.ndarray  # bool [C, T]
    population: np.ndarray  # int [C, T] (0 where invalid)
    z: np.ndarray  # size index log10(population / 5,000) clipped, [C, T]
    successor: list[str]  # 2024 code of each code
    residents: np.ndarray  # employed residents [C, T] (08536 SysselBosted 00-99)
    workplace: np.ndarray  # jobs [C, T] (08536 SysselArbsted 00-99)
    flows: np.ndarray  # [C, K, T] commuters to the centres of CENTRE_CODES (-1 = not valid)
    groups: np.ndarray  # jobs by 13470 group [C, T, G]
    div_work: np.ndarray  # jobs by division [C, T, D] (before perturbation)
    div_res: np.ndarray  # employed residents by division [C, T, D] (before perturbation)
    establishments: np.ndarray  # [C, T, S] by AntAnsatte class (excluding the total)
    new_enterprises: np.ndarray  # [C, T]
    labels: dict[str, str]
    population_sha256: str

    def index(self, code: str) -> int:
        return self.codes.index(code)

    def year_index(self, year: int) -> int:
        return int(year) - int(self.years[0])

    def codes_in(self, first: int, last: int) -> list[str]:
        """Codes valid on 1 January of some year in [first, last], sorted."""
        cols = slice(self.year_index(first), self.year_index(last) + 1)
        return [c for c, ok in zip(self.codes, self.valid[:, cols].any(axis=1), strict=True) if ok]


def simulate(
    population: _Population, config: Mapping[str, Any] | None = None, seed: int = SEED
) -> Labour:
    """Simulate employment, commuting, industry, establishments and new enterprises."""
    cfg = dict(config) if config is not None else load_config()
    pop = population.frame
    years = np.arange(2008, 2027)
    codes = sorted(set(pop["code"]))
    ci = {c: i for i, c in enumerate(codes)}
    n_c, n_t = len(codes), len(years)
    pop_arr = np.zeros((n_c, n_t), dtype=np.int64)
    valid = np.zeros((n_c, n_t), dtype=bool)
    rows = pop["code"].map(ci).to_numpy()
    cols = pop["year"].to_numpy() - years[0]
    keep = (cols >= 0) & (cols < n_t)
    pop_arr[rows[keep], cols[keep]] = pop["population"].to_numpy()[keep]
    valid[rows[keep], cols[keep]] = True
    for t, year in enumerate(years):  # the population must cover exactly the valid codes
        expected = set(geography.valid_codes(int(year)))
        have = {codes[i] for i in np.flatnonzero(valid[:, t])}
        if have != expected:
            raise TrsplanError(
                f"07459 does not match the geography in {year}: "
                f"{sorted(have ^ expected)[:8]} differ; regenerate with `trsplan demo-snapshot`"
            )
    z = np.clip(np.log10(np.maximum(pop_arr, 1) / 5000.0), -1.5, 2.0)
    successor = _successors_2024(codes)
    succ = [successor[c] for c in codes]
    territories = sorted(set(succ))
    ti = {c: i for i, c in enumerate(territories)}
    succ_idx = np.array([ti[s] for s in succ])
    same = _renumbered(codes)  # a code and its pure renumberings share their own effects
    own_ids = sorted(set(same.values()))
    own_idx = np.array([own_ids.index(same[c]) for c in codes])

    def effect(rng: np.random.Generator, k: int = 1) -> np.ndarray:
        """Persistent municipal effects ~ N(0, 1), mostly shared with the 2024 successor (and
        identical for a code renumbered without a change of territory)."""
        terr = rng.standard_normal((len(territories), k))
        own = rng.standard_normal((len(own_ids), k))
        return 0.85 * terr[succ_idx] + math.sqrt(1 - 0.85**2) * own[own_idx]

    # employed residents -------------------------------------------------------------------
    er = cfg["employment_rate"]
    rng = _rng(seed, "rate")
    rate = (
        er["level"]
        + _interpolate(er["cycle"], years)[None, :]
        + er["municipal_sd"] * effect(rng)
        + er["year_sd"] * rng.standard_normal((n_c, n_t))
    )
    rate = np.clip(rate, er["min"], er["max"])
    residents = np.where(valid, round_half_up(pop_arr * rate), 0)

    # commuting to the centres ----------------------------------------------------------------
    cm = cfg["commuting"]
    identity = {code: str(k) for k, olds in cm["centres"].items() for code in olds}
    if sorted(identity) != list(CENTRE_CODES):
        raise TrsplanError(f"labour.yaml commuting.centres must list {CENTRE_CODES}")
    rng = _rng(seed, "commuting")
    n_k = len(CENTRE_CODES)
    base = np.zeros((n_c, n_k))
    idents = sorted(set(identity.values()))  # one noise column per centre, whatever its code
    noise = rng.standard_normal((len(own_ids), len(idents)))[own_idx]
    noise = noise[:, [idents.index(identity[c]) for c in CENTRE_CODES]]
    kinds = np.zeros((n_c, n_k), dtype=np.int64)  # 0 self, 1 named/absorbed, 2 other
    for k, centre in enumerate(CENTRE_CODES):
        ident = identity[centre]
        named = {str(a): float(b) for a, b in (cm["neighbours"].get(ident) or {}).items()}
        adjacent = set(cm["adjacent_counties"].get(ident, []))
        for i, code in enumerate(codes):
            s = succ[i]
            if code == centre:
                base[i, k] = cm["self_share"][ident]
                continue
            if code in named or s in named:
                value = named.get(code, named.get(s))
                base[i, k] = value * math.exp(cm["neighbour_sd"] * noise[i, k])
                kinds[i, k] = 1
            elif s == ident:
                base[i, k] = cm["absorbed_share"] * math.exp(cm["neighbour_sd"] * noise[i, k])
                kinds[i, k] = 1
            elif s[:2] == ident[:2]:
                p = cm["county_share"]
                base[i, k] = min(p["median"] * math.exp(p["sd"] * noise[i, k]), p["max"])
                kinds[i, k] = 2
            elif s[:2] in adjacent:
                p = cm["adjacent_share"]
                median = p["median"].get(ident, p["median"]["default"])
                base[i, k] = min(median * math.exp(p["sd"] * noise[i, k]), p["max"])
                kinds[i, k] = 2
            else:
                far = cm["far_share"][ident] * math.exp(cm["far_sd"] * noise[i, k])
                base[i, k] = min(far, cm["far_max"])
                kinds[i, k] = 2
    trend = 1.0 + cm["trend_per_year"] * (years - 2017)
    share = base[:, :, None] * np.where(kinds[:, :, None] == 0, 1.0, trend[None, None, :])
    # year-to-year noise, smaller for large flows (about Poisson-like above a few hundred)
    expected_flow = residents[:, None, :] * share
    year_sd = np.minimum(
        np.where(kinds == 0, cm["self_year_sd"], cm["year_sd"])[:, :, None],
        cm["year_noise_scale"] / np.sqrt(expected_flow + 1.0),
    )
    share = share * np.exp(year_sd * rng.standard_normal((n_c, n_k, n_t)))
    centre_rows = np.array([ci[c] for c in CENTRE_CODES])
    centre_valid = valid[centre_rows]  # [K, T]
    both = valid[:, None, :] & centre_valid[None, :, :]
    share = np.where(both, share, 0.0)
    total_share = share.sum(axis=1, keepdims=True)
    share = share * np.minimum(1.0, cm["max_total_share"] / np.maximum(total_share, 1e-12))
    flows = np.where(both, round_half_up(residents[:, None, :] * share), -1)

    # workplace employment ------------------------------------------------------------------
    workplace = np.zeros((n_c, n_t), dtype=np.int64)
    into_centres = np.where(both, flows, 0).sum(axis=1)  # [C, T]
    is_centre = np.zeros(n_c, dtype=bool)
    is_centre[centre_rows] = True
    rng = _rng(seed, "jobs")
    lj = cm["local_jobs"]
    boost = np.array([float(cm["local_job_boost"].get(s, 0.0)) for s in succ])
    # size of the 2024 territory (not of the code), so that reforms elsewhere do not move jobs
    t24 = int(np.flatnonzero(years == 2024)[0])
    z24 = np.clip(np.log10(np.maximum(pop_arr[[ci[s] for s in succ], t24], 1) / 5000.0), -1.5, 2)
    factor = np.exp(lj["slope"] * z24 + lj["sd"] * effect(rng)[:, 0] + boost)
    # the centre's residents who work outside the centres find their jobs in its named
    # neighbours (in proportion to their local jobs): Stavanger residents work in Sandnes/Sola
    near = np.zeros((n_k, n_c), dtype=bool)
    for k, centre in enumerate(CENTRE_CODES):
        named = {str(a) for a in (cm["neighbours"].get(identity[centre]) or {})}
        near[k] = [
            (c in named or s in named) and not is_centre[i]
            for i, (c, s) in enumerate(zip(codes, succ, strict=True))
        ]
    for t in range(n_t):
        ok = valid[:, t]
        cent = ok & is_centre
        workplace[centre_rows, t] = np.where(
            centre_valid[:, t], np.where(both[:, :, t], flows[:, :, t], 0).sum(axis=0), 0
        )
        others = ok & ~is_centre
        target = int(residents[ok, t].sum() - workplace[cent, t].sum())
        raw = (residents[:, t] - into_centres[:, t]) * factor
        extra = np.zeros(n_c)
        for k in np.flatnonzero(centre_valid[:, t]):
            row = centre_rows[k]
            outside = residents[row, t] - into_centres[row, t]
            where = near[k] & ok
            if where.any() and raw[where].sum() > 0:
                extra[where] += outside * raw[where] / raw[where].sum()
        workplace[others, t] = apportion(target, (raw + extra)[others])

    # industry groups and divisions ---------------------------------------------------------
    gc = cfg["groups"]
    if tuple(gc["order"]) != GROUPS:
        raise TrsplanError(f"labour.yaml groups.order must be {GROUPS}")
    n_g = len(GROUPS)
    rng = _rng(seed, "groups")
    eff = effect(rng, n_g)  # [C, G]
    slope = np.array([float(gc["size_slope"][g]) for g in GROUPS])
    sds = np.array([float(gc["sd"].get(g, gc["sd"]["default"])) for g in GROUPS])
    gboost = np.array(
        [[float((gc["boost"].get(s) or {}).get(g, 0.0)) for g in GROUPS] for s in succ]
    )
    target_share = np.array([float(gc["national_share"][g]) for g in GROUPS]) / 100.0
    g_trend = np.array([float(gc["trend_per_year"].get(g, 0.0)) for g in GROUPS])
    targets = target_share[None, :] * np.exp(g_trend[None, :] * (years[:, None] - 2015))
    targets = targets / targets.sum(axis=1, keepdims=True)  # [T, G]
    log_m = slope[None, None, :] * z[:, :, None] + (sds * eff + gboost)[:, None, :]  # [C, T, G]
    mult = np.exp(log_m)
    level = targets.copy()
    for _ in range(4):  # re-fit national levels so the national shares hit the targets
        p = level[None, :, :] * mult
        p = p / p.sum(axis=2, keepdims=True)
        realised = (workplace[:, :, None] * p).sum(axis=0)
        realised = realised / realised.sum(axis=1, keepdims=True)
        level = level * targets / realised
    p = level[None, :, :] * mult
    p = p / p.sum(axis=2, keepdims=True)
    groups = rng.multinomial(workplace, p)  # [C, T, G]

    dc = cfg["divisions"]
    n_d = len(DIVISIONS)
    rng = _rng(seed, "divisions")
    d_eff = effect(rng, n_d)
    div_work = np.zeros((n_c, n_t, n_d), dtype=np.int64)
    for g in sorted({dc["group"][d] for d in DIVISIONS}):
        members = [j for j, d in enumerate(DIVISIONS) if dc["group"][d] == g]
        shares = np.array([float(dc["share_of_group"][DIVISIONS[j]]) for j in members])
        trends = np.array([float(dc["trend_per_year"].get(DIVISIONS[j], 0.0)) for j in members])
        level_d = shares[None, :] * np.exp(trends[None, :] * (years[:, None] - 2015))  # [T, M]
        rest = np.clip(1.0 - level_d.sum(axis=1), 0.05, None)  # [T]
        dboost = np.array(
            [
                [float((dc["boost"].get(s) or {}).get(DIVISIONS[j], 0.0)) for j in members]
                for s in succ
            ]
        )
        m = np.exp(dc["sd"] * d_eff[:, members] + dboost)  # [C, M]
        q = np.concatenate(
            [
                level_d[None, :, :] * m[:, None, :],
                np.broadcast_to(rest[None, :, None], (n_c, n_t, 1)),
            ],
            axis=2,
        )
        q = q / q.sum(axis=2, keepdims=True)
        drawn = rng.multinomial(groups[:, :, GROUPS.index(g)], q)
        div_work[:, :, members] = drawn[:, :, : len(members)]

    # residents by division: the division mix of where they work
    rng = _rng(seed, "residence")
    with np.errstate(invalid="ignore", divide="ignore"):
        mix_work = np.where(workplace[:, :, None] > 0, div_work / workplace[:, :, None], 0.0)
    commuting_flows = np.where(both, flows, 0).astype(float)  # [C, K, T]
    centre_mix = mix_work[centre_rows]  # [K, T, D]
    expected = np.einsum("ckt,ktd->ctd", commuting_flows, centre_mix)
    expected += (residents - into_centres)[:, :, None] * mix_work
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(residents[:, :, None] > 0, expected / residents[:, :, None], 0.0)
    div_res = rng.binomial(residents[:, :, None], np.clip(frac, 0.0, 1.0))

    # establishments (07091) ------------------------------------------------------------------
    es = cfg["establishments"]
    rng = _rng(seed, "establishments")
    size_codes = list(es["sizes"])
    size_share = np.array([float(es["sizes"][s]["share"]) for s in size_codes])
    tilt_rank = np.array([-1.0, 0.0, 0.3, 0.6, 0.9, 1.2, 1.5, 1.8])[: len(size_codes)]
    level_e = (
        es["per_inhabitant"]
        * np.exp(es["size_slope"] * z + es["sd"] * effect(rng))
        * np.exp(es["growth_per_year"] * (years - es["base_year"]))[None, :]
    )
    lam = np.where(valid, pop_arr * level_e, 0.0)
    target = es["per_inhabitant"] * np.exp(es["growth_per_year"] * (years - es["base_year"]))
    lam *= (target * np.where(valid, pop_arr, 0).sum(axis=0) / lam.sum(axis=0))[None, :]
    total_est = rng.poisson(lam)
    w = size_share[None, None, :] * np.exp(es["size_tilt"] * z[:, :, None] * tilt_rank)
    w = w / w.sum(axis=2, keepdims=True)
    establishments = rng.multinomial(total_est, w)

    # new enterprises (08316) -----------------------------------------------------------------
    ne = cfg["new_enterprises"]
    rng = _rng(seed, "new_enterprises")
    nboost = np.array([float(ne["boost"].get(s, 0.0)) for s in succ])
    per_1000 = np.clip(
        ne["per_1000"]
        * np.exp(ne["size_slope"] * z + ne["sd"] * effect(rng) + nboost[:, None])
        * _interpolate(ne["cycle"], years)[None, :],
        ne["min_per_1000"],
        ne["max_per_1000"],
    )
    new_enterprises = rng.poisson(np.where(valid, pop_arr * per_1000 / 1000.0, 0.0))

    return Labour(
        seed=seed,
        codes=codes,
        years=years,
        valid=valid,
        population=pop_arr,
        z=z,
        successor=succ,
        residents=residents,
        workplace=workplace,
        flows=flows,
        groups=groups,
        div_work=div_work,
        div_res=div_res,
        establishments=establishments,
        new_enterprises=new_enterprises,
        labels=population.labels,
        population_sha256=population.sha256,
    )


def harmonise_groups(
    sim: Labour, first: int = 2015, last: int = 2025
) -> tuple[list[str], np.ndarray]:
    """13470: jobs by group on 2024 borders, years ``first``..``last`` -> (2024 codes,
    array [code, group, year]). Merged codes are summed; a split code's jobs in each group are
    shared out by the split weights (integers by largest remainder), so totals are kept."""
    codes24 = sorted(geography.valid_codes(2024))
    pos = {c: i for i, c in enumerate(codes24)}
    table = geography.mapping_table(2024)
    out = np.zeros((len(codes24), len(GROUPS), last - first + 1), dtype=np.int64)
    for y, year in enumerate(range(first, last + 1)):
        t = sim.year_index(year)
        if year > 2024:
            if set(geography.valid_codes(year)) != set(codes24):
                raise TrsplanError(f"the codes of {year} differ from 2024's: extend harmonise")
            for c in codes24:
                out[pos[c], :, y] = sim.groups[sim.index(c), t]
            continue
        rows = table.loc[table["from_year"] == year]
        for code, part in rows.groupby("code", sort=True):
            counts = sim.groups[sim.index(str(code)), t]
            targets = [pos[c] for c in part["new_code"]]
            if len(targets) == 1:
                out[targets[0], :, y] += counts
                continue
            weights = part["weight"].to_numpy(dtype=float)
            for g in range(len(GROUPS)):
                out[targets, g, y] += apportion(int(counts[g]), weights)
    return codes24, out


# --- payloads -----------------------------------------------------------------------------


def _frame(
    dims: Sequence[str], categories: Sequence[Sequence[str]], values: np.ndarray
) -> pd.DataFrame:
    """Full cross product of ``categories`` (row-major, last fastest) with ``values`` (NaN =
    not valid: status '.')."""
    grids = np.meshgrid(*[np.arange(len(c)) for c in categories], indexing="ij")
    data: dict[str, Any] = {
        dim: np.asarray(cats, dtype=object)[grid.reshape(-1)]
        for dim, cats, grid in zip(dims, categories, grids, strict=True)
    }
    flat = np.asarray(values, dtype=float).reshape(-1)
    if flat.size != math.prod(len(c) for c in categories):
        raise TrsplanError("internal error: value array does not match the categories")
    data["value"] = flat
    data["status"] = np.where(np.isnan(flat), ".", None)
    return pd.DataFrame(data)


def _dataset(
    generator: str,
    table_id: str,
    label: str,
    dims: Sequence[str],
    categories: Sequence[Sequence[str]],
    labels: Mapping[str, Mapping[str, str]],
    values: np.ndarray,
    units: Mapping[str, str],
    notes: Sequence[str],
    roles: Mapping[str, list[str]] | None = None,
) -> bytes:
    frame = _frame(dims, categories, values)
    obj = to_jsonstat(
        frame,
        list(dims),
        table_id=table_id,
        label=label,
        updated=UPDATED,
        category_labels=labels,
        dimension_labels={d: _DIMENSION_LABELS[d] for d in dims},
        roles=roles,
        contents_units={k: {"base": v, "decimals": 0} for k, v in units.items()},
        category_order={d: list(c) for d, c in zip(dims, categories, strict=True)},
        notes=list(notes),
        decimals=0,
        api="v2",
        synthetic=generator,
    )
    return dumps_jsonstat(obj)


def _query(selection: list[dict[str, Any]], cells: int, note: str | None = None) -> dict[str, Any]:
    query: dict[str, Any] = {
        "api": "v2",
        "method": "POST",
        "selection": selection,
        "outputFormat": "json-stat2",
        "cells": cells,
    }
    if note:
        query["demo_note"] = note
    return query


def _meta(table_id: str, query: dict[str, Any], sim: Labour) -> dict[str, Any]:
    return snapshot_meta(table_id, query, _generator(sim), updated=UPDATED, licence=LICENCE)


def _generator(sim: Labour) -> str:
    return f"trsplan.demo_labour seed={sim.seed}; population 07459 sha256={sim.population_sha256}"


def _years(cfg: Mapping[str, Any], table: str) -> list[int]:
    first, last = cfg["years"][table]
    return list(range(int(first), int(last) + 1))


def _masked(
    sim: Labour, codes: Sequence[str], years: Sequence[int], values: np.ndarray
) -> np.ndarray:
    """values [C_all, T_all, ...] -> float [codes, years, ...], NaN where the code is invalid."""
    rows = [sim.index(c) for c in codes]
    cols = [sim.year_index(y) for y in years]
    sub = values[np.ix_(rows, cols)].astype(float)
    ok = sim.valid[np.ix_(rows, cols)]
    return np.where(ok.reshape(ok.shape + (1,) * (sub.ndim - 2)), sub, np.nan)


def build_payloads(
    sim: Labour, config: Mapping[str, Any] | None = None
) -> dict[str, tuple[bytes, dict[str, Any]]]:
    """``{file name: (payload bytes, write_file keyword arguments)}`` for the five SSB tables."""
    cfg = dict(config) if config is not None else load_config()
    note = NOTE.format(seed=sim.seed)
    out: dict[str, tuple[bytes, dict[str, Any]]] = {}
    dc, gc = cfg["divisions"], cfg["groups"]

    # 08536 -----------------------------------------------------------------------------------
    years = _years(cfg, "08536")
    codes = sim.codes_in(years[0], years[-1])
    nace = ["00-99", *DIVISIONS]
    p1, p2 = dc["perturbation"]["one_to_three"], dc["perturbation"]["two_to_three"]
    rng = _rng(sim.seed, "perturb")
    work = np.concatenate([sim.workplace[:, :, None], sim.div_work], axis=2)
    res = np.concatenate([sim.residents[:, :, None], sim.div_res], axis=2)
    cube = np.stack([perturb(work, rng, p1, p2), perturb(res, rng, p1, p2)], axis=3)  # C,T,N,2
    values = _masked(sim, codes, years, cube)  # [code, year, nace, contents]
    values = values.transpose(0, 2, 3, 1)[:, :, None, :, :]  # Region, NACE, Kjonn, Contents, Tid
    contents = {
        "SysselArbsted": "Sysselsatte personer etter arbeidssted",
        "SysselBosted": "Sysselsatte personer etter bosted",
    }
    dims = ["Region", "NACE2007", "Kjonn", "ContentsCode", "Tid"]
    cats = [codes, nace, ["0"], list(contents), [str(y) for y in years]]
    payload = _dataset(
        f"trsplan.demo_labour seed={sim.seed}",  # the generator: the payload's source
        "08536",
        "08536: Sysselsatte per 4. kvartal, etter region, næring (SN2007), kjønn, "
        "statistikkvariabel og år",
        dims,
        cats,
        {
            "Region": {c: sim.labels[c] for c in codes},
            "NACE2007": {"00-99": "Alle næringer", **dc["labels"]},
            "Kjonn": {"0": "Begge kjønn"},
            "ContentsCode": contents,
        },
        values,
        dict.fromkeys(contents, "personer"),
        [note, NOTE_08536],
    )
    selection = [
        {"variableCode": "Region", "valueCodes": ["????"]},
        {"variableCode": "NACE2007", "valueCodes": nace},
        {"variableCode": "Kjonn", "valueCodes": ["0"]},
        {"variableCode": "ContentsCode", "valueCodes": list(contents)},
        {"variableCode": "Tid", "valueCodes": [f"from({years[0]})"]},
    ]
    query = _query(
        selection,
        values.size,
        "NACE2007 restricted to 00-99 and the eurostat_hightech divisions (the catalogue asks "
        '"??")',
    )
    out["08536.json"] = (payload, _meta("08536", query, sim))

    # 13470 -----------------------------------------------------------------------------------
    years = _years(cfg, "13470")
    codes24, harmonised = harmonise_groups(sim, years[0], years[-1])
    values = harmonised.astype(float)[:, :, None, :]  # Region, NACE, Contents, Tid
    k_codes = [f"K-{c}" for c in codes24]
    contents = {"SysselsatteArb": "Sysselsatte personer etter arbeidssted"}
    payload = _dataset(
        f"trsplan.demo_labour seed={sim.seed}",  # the generator: the payload's source
        "13470",
        "13470: Sysselsatte per 4. kvartal, etter region, næring (SN2007), statistikkvariabel "
        "og år",
        ["Region", "NACE2007", "ContentsCode", "Tid"],
        [k_codes, list(GROUPS), list(contents), [str(y) for y in years]],
        {
            "Region": {f"K-{c}": sim.labels[c] for c in codes24},
            "NACE2007": {g: gc["labels"][g] for g in GROUPS},
            "ContentsCode": contents,
        },
        values,
        dict.fromkeys(contents, "personer"),
        [note],
    )
    selection = [
        {"variableCode": "Region", "codelist": "agg_KommSummer", "valueCodes": ["*"]},
        {
            "variableCode": "NACE2007",
            "codelist": "agg_NACE2007arb11",
            "valueCodes": ["*"],
            "outputValues": "single",
        },
        {"variableCode": "ContentsCode", "valueCodes": list(contents)},
        {"variableCode": "Tid", "valueCodes": ["*"]},
    ]
    out["13470.json"] = (payload, _meta("13470", _query(selection, values.size), sim))

    # 03321 -----------------------------------------------------------------------------------
    years = _years(cfg, "03321")
    codes = sim.codes_in(years[0], years[-1])
    rows = [sim.index(c) for c in codes]
    cols = [sim.year_index(y) for y in years]
    flows = sim.flows[np.ix_(rows, range(len(CENTRE_CODES)), cols)].astype(float)
    flows[flows < 0] = np.nan
    values = flows[:, :, None, :]  # Bokommuen, ArbstedKomm, Contents, Tid
    contents = {"Sysselsatte": "Sysselsatte"}
    payload = _dataset(
        f"trsplan.demo_labour seed={sim.seed}",  # the generator: the payload's source
        "03321",
        "03321: Sysselsatte (4. kvartal), etter bostedskommune, arbeidsstedskommune, "
        "statistikkvariabel og år",
        ["Bokommuen", "ArbstedKomm", "ContentsCode", "Tid"],
        [codes, list(CENTRE_CODES), list(contents), [str(y) for y in years]],
        {
            "Bokommuen": {c: sim.labels[c] for c in codes},
            "ArbstedKomm": {c: sim.labels[c] for c in CENTRE_CODES},
            "ContentsCode": contents,
        },
        values,
        dict.fromkeys(contents, "personer"),
        [note, NOTE_03321],
        roles={"time": ["Tid"], "geo": ["Bokommuen", "ArbstedKomm"], "metric": ["ContentsCode"]},
    )
    selection = [
        {"variableCode": "Bokommuen", "valueCodes": ["*"]},
        {"variableCode": "ArbstedKomm", "valueCodes": list(CENTRE_CODES)},
        {"variableCode": "ContentsCode", "valueCodes": list(contents)},
        {"variableCode": "Tid", "valueCodes": [f"from({years[0]})"]},
    ]
    query = _query(
        selection,
        values.size,
        'ArbstedKomm restricted to the comparator centres (the catalogue asks "*") and Tid to '
        f"from({years[0]}) (the catalogue asks from(2008)); the real fetch is split by Tid and "
        "Bokommuen",
    )
    out["03321.json"] = (payload, _meta("03321", query, sim))

    # 07091 -----------------------------------------------------------------------------------
    es = cfg["establishments"]
    years = _years(cfg, "07091")
    codes = sim.codes_in(years[0], years[-1])
    sizes = [es["total_code"], *es["sizes"]]
    est = np.concatenate(
        [sim.establishments.sum(axis=2, keepdims=True), sim.establishments], axis=2
    )
    values = _masked(sim, codes, years, est)  # [code, year, size]
    values = values.transpose(0, 2, 1)[:, None, :, None, :]  # Region, NACE, Ant, Contents, Tid
    nace = dict(es["nace"])
    contents = {"Bedrifter": "Bedrifter"}
    payload = _dataset(
        f"trsplan.demo_labour seed={sim.seed}",  # the generator: the payload's source
        "07091",
        "07091: Bedrifter, etter region, næring (SN2007), antall ansatte, statistikkvariabel og år",
        ["Region", "NACE2007", "AntAnsatte", "ContentsCode", "Tid"],
        [codes, list(nace), sizes, list(contents), [str(y) for y in years]],
        {
            "Region": {c: sim.labels[c] for c in codes},
            "NACE2007": nace,
            "AntAnsatte": {
                es["total_code"]: es["total_label"],
                **{s: es["sizes"][s]["label"] for s in es["sizes"]},
            },
            "ContentsCode": contents,
        },
        values,
        dict.fromkeys(contents, "bedrifter"),
        [note],
    )
    selection = [
        {"variableCode": "Region", "valueCodes": ["????"]},
        {"variableCode": "NACE2007", "valueCodes": list(nace)},
        {"variableCode": "AntAnsatte", "valueCodes": ["*"]},
        {"variableCode": "ContentsCode", "valueCodes": ["*"]},
        {"variableCode": "Tid", "valueCodes": [f"from({years[0]})"]},
    ]
    query = _query(
        selection,
        values.size,
        'NACE2007 restricted to the all-industries code 01-99 (the catalogue asks "*")',
    )
    out["07091.json"] = (payload, _meta("07091", query, sim))

    # 08316 -----------------------------------------------------------------------------------
    years = _years(cfg, "08316")
    codes = sim.codes_in(years[0], years[-1])
    values = _masked(sim, codes, years, sim.new_enterprises)
    values = values.reshape(len(codes), 1, 1, 1, 1, 1, 1, len(years))
    contents = {"Foretak": "Foretak"}
    fixed = {
        "NACE2007": {"00-99": "Alle næringer"},
        "OrgFormer": {"Alle": "Alle organisasjonsformer"},
        "AntSyss": {"999": "Alle"},
        "OverlevAar": {"01": "Etableringsåret"},
        "Overlevelse": {"00": "Nyetablerte foretak"},
    }
    dims = ["Region", *fixed, "ContentsCode", "Tid"]
    payload = _dataset(
        f"trsplan.demo_labour seed={sim.seed}",  # the generator: the payload's source
        "08316",
        "08316: Nyetablerte foretak, etter region, næring (SN2007), organisasjonsform, antall "
        "sysselsatte, overlevelsesår, overlevelse, statistikkvariabel og år",
        dims,
        [codes, *[list(v) for v in fixed.values()], list(contents), [str(y) for y in years]],
        {"Region": {c: sim.labels[c] for c in codes}, **fixed, "ContentsCode": contents},
        values,
        dict.fromkeys(contents, "foretak"),
        [note],
    )
    selection = [
        {"variableCode": "Region", "valueCodes": ["*"]},
        *[{"variableCode": d, "valueCodes": list(v)} for d, v in fixed.items()],
        {"variableCode": "ContentsCode", "valueCodes": list(contents)},
        {"variableCode": "Tid", "valueCodes": ["*"]},
    ]
    query = _query(
        selection, values.size, "Region: municipalities only (a real '*' may add the country)"
    )
    out["08316.json"] = (payload, _meta("08316", query, sim))
    return out


# --- entry points ---------------------------------------------------------------------------


def generate(
    out: Path | None = None, version: str = VERSION, seed: int = SEED
) -> tuple[list[Path], Labour]:
    """Simulate and write the files under ``<out>/snapshot/<version>/`` (default: the project's
    data folder); return the paths written (payloads and sidecars) and the simulation."""
    config = load_config()
    root = _population_root(out, version)
    sim = simulate(_load_population(root, version), config, seed)
    folder = version_folder(out, version)
    written = write_payloads(folder, "ssb", build_payloads(sim, config))
    enheter, underenheter = build_brreg(config, _rng(seed, "brreg"))
    written += write_payloads(folder, "brreg", brreg_files(enheter, underenheter, seed))
    return written, sim


def summary(sim: Labour) -> pd.DataFrame:
    """A few calibration figures (for the command's report and the tests)."""
    rows = []
    for year in (2010, 2016, 2020, 2025):
        t = sim.year_index(year)
        ok = sim.valid[:, t]
        pop = sim.population[ok, t].sum()
        rows.append(
            (year, "Norway employed residents / population", sim.residents[ok, t].sum() / pop)
        )
        trd = sim.index("5001" if year >= 2018 else "1601")
        rows.append(
            (
                year,
                "Trondheim jobs / employed residents",
                sim.workplace[trd, t] / sim.residents[trd, t],
            )
        )
        members = geography.members("trondheimsregionen", year)
        idx = [sim.index(c) for c in members]
        tech = sim.div_work[idx, t].sum()
        rows.append((year, "Trondheimsregionen jobs in divisions 21-72 (08536)", float(tech)))
        rows.append((year, "Trondheimsregionen jobs (08536)", float(sim.workplace[idx, t].sum())))
        k = CENTRE_CODES.index("5001" if year >= 2018 else "1601")
        inflow = sum(max(int(sim.flows[i, k, t]), 0) for i in idx if sim.codes[i] != sim.codes[trd])
        rows.append((year, "commuters from the other members into Trondheim", float(inflow)))
        rows.append(
            (
                year,
                "new enterprises per 1,000 (Norway)",
                sim.new_enterprises[ok, t].sum() / pop * 1000,
            )
        )
        rows.append((year, "establishments (Norway)", float(sim.establishments[ok, t].sum())))
    return pd.DataFrame(rows, columns=["year", "measure", "value"])
