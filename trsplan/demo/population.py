"""Synthetic StatBank payloads for offline use: SSB tables 07459, 06913 and 01223, 2008-2026.

Run by ``trsplan demo-snapshot [--out DATA_DIR] [--version NAME]`` (first of three). It writes
``<DATA_DIR>/snapshot/<NAME>/ssb/{07459,06913,01223}.json`` and their ``.meta.json`` sidecars
through ``trsplan.snapshot.store.write_file`` (default: the project's ``data`` folder and version
``2026-11-01-demo``). Inputs are the geography tables (``data/geography``) and the calibration
tables in ``data/demo`` (see ``data/demo/calibration.yaml``); ``../shared`` is not needed. The
output is byte-for-byte reproducible: a fixed seed (numpy ``Generator``), fixed timestamps and
sorted orders, nothing read from the clock or the environment.

Every number is SYNTHETIC except the calibration facts: the population on 1 January 2022 equals
SSB's figure for every municipality, and the published anchors in ``data/demo/anchors.csv``
(Norway, Trøndelag, Trondheimsregionen and its members, ...) are met up to integer rounding.
Every file says so (``synthetic: true`` in the sidecar, a note in the payload).

Layout (PxWebApi v2, JSON-stat 2.0, ``to_jsonstat(api="v2")``)
- 07459 "Befolkning": the query eliminates ``Kjonn`` and ``Alder``, so the payload has the
  dimensions ``Region``, ``ContentsCode`` (``Personer1``) and ``Tid`` (2008-2026).
- 06913 "Befolkning og endringer": ``Region``, ``ContentsCode`` (below) and ``Tid``
  (2008-2025; the changes of year Y are those during Y).
- ``Region`` is the codelist ``vs_Kommune`` restricted to the codes valid on 1 January of some
  year in the table (plain codes, "5001"); Norway ("0") is not included. A code carries numbers
  only in the years it is valid (code vintage of Y = codes valid on 1 January Y); in other years
  its cells are ``null`` with status ``"."`` (never 0). Discontinued codes are labelled the
  StatBank way, "Klæbu (2018-2019)", "Trondheim (-2017)" (convention assumed from StatBank
  labels such as "Hopen (1915-1959)").

06913 ContentsCodes (looked up 2026-11 with the code/pages search; see the report)
- VERIFIED as ids: ``Folkemengde``, ``Fodselsoverskudd``, ``Nettoinnflytting``,
  ``Folketilvekst`` (real queries, SOURCES.md §2) and ``Levende``, ``Dode``, ``Innflyttinger``,
  ``Utflyttinger``: a public ingest of the live v2 table lists exactly these eight codes (no
  separate immigration/emigration codes exist in 06913), and the StatBank page of 06913
  (2020) lists eight variables with the labels used here: Befolkning, Levendefødte, Døde,
  Fødselsoverskudd, Innflyttinger, Utflyttinger, Nettoinnflytting, Folketilvekst.
- ASSUMED: the labels are those of the 2020 StatBank page (today's v2 labels may differ, e.g.
  "Folkemengde 1. januar"); the table labels "07459: Befolkning, etter region, statistikkvariabel
  og år" (the title of the full table adds "kjønn, alder"; eliminated variables assumed dropped)
  and "06913: Befolkning og endringer, etter statistikkvariabel, region og år" (seen in one
  project's documentation); the dimension order Region, ContentsCode, Tid of 06913.
- In 06913, ``Innflyttinger``/``Utflyttinger`` of a municipality count all moves in and out,
  domestic and international. The generator simulates domestic moves and immigration/emigration
  separately (``simulate()`` returns them, and national domestic in-moves equal out-moves
  exactly), but the payload only carries what the real table carries; the split is published
  in 01223 (below).

01223: the domestic/international split of migration, by quarter (looked up 2026-11, search)
- WHAT THE TABLE IS (VERIFIED, StatBank pages of 01223 from 2017, 2018 and 2021 and a v2 client
  that reads it): "Folkemengd og endringar hittil i år (K)", since renamed "Endringar hittil i år
  for befolkninga, for kommunar, fylke og heile landet (K)". Its flows are cumulated FROM 1
  JANUARY TO THE END OF THE QUARTER ("hittil i år"; the v2 client keeps only K4 "because K4
  equals the whole year"). So 2024K3 is January-September, not the third quarter: the four
  quarters must NOT be summed; K4 is the year, and the flow during quarter q is
  K(q) - K(q - 1). (SSB's table of changes *during* each quarter is 01222, "Befolkning og
  kvartalsvise endringar, etter region, statistikkvariabel og kvartal", verified as a label.)
- VERIFIED: the 11 statistikkvariabel ids ``Folketallet1``, ``Fodte2``, ``Dode3``,
  ``Fodselsoverskudd4``, ``Innvandring5``, ``Utvandring6``, ``Tilflytting7``, ``Fraflytting8``,
  ``Nettoflytting9`` (the v2 client of 01223; older clients of the quarterly tables show
  ``Nettoinnflytting9``), ``Folketilvekst10``, ``Folketallet11``; the labels of the four used here
  ("Innvandring", "Utvandring", "Innflytting, innalandsk", "Utflytting, innalandsk"; unit
  "personar"); that ``Tilflytting7``/``Fraflytting8`` are domestic moves only (they sit beside
  Innvandring/Utvandring and net migration is "Nettoinnflytting inkl. inn- og utvandring"); the
  time dimension "kvartal" with codes "1997K4", "2008K1", ...; the footnote that folkevekst is a
  stock difference in K4 but births - deaths + net migration in K1-K3.
- PUBLISHED HERE: only ``Innvandring5``, ``Utvandring6``, ``Tilflytting7``, ``Fraflytting8``
  (what the indicators need; all 11 would make the file about 7 MB), 2008K1-2025K4, in the
  years of 06913. Per code and year: K4 of each = the annual simulated flow, so
  K4(Innvandring5 - Utvandring6 + Tilflytting7 - Fraflytting8) = 06913 Nettoinnflytting,
  K4(Tilflytting7) + K4(Innvandring5) = 06913 Innflyttinger, K4(Fraflytting8) +
  K4(Utvandring6) = 06913 Utflyttinger, exactly; nationally, domestic in-moves equal out-moves
  in every quarter. The quarterly profile is synthetic (``quarterly_flows``; seasonal shares
  in ``calibration.yaml``, largest-remainder rounding, no random draws).
- ASSUMED: the dataset label "01223: Endringar hittil i år for befolkninga, etter region,
  statistikkvariabel og kvartal" (the StatBank title, in the v2 "etter ..." form); the dimension
  order Region, ContentsCode, Tid (as 01222's label and 06913); the codelist ``vs_Kommune``
  with plain codes (the v2 client used ``agg_KommSummer`` with "K-" codes); the Region layout,
  "." cells and labels exactly as in 06913 (a code's four quarters are all valid or all ".",
  each year in its own code vintage).

Accounting (exact in integers, per code and year Y)
- Folketilvekst = Fodselsoverskudd + Nettoinnflytting; Fodselsoverskudd = Levende - Dode;
  Nettoinnflytting = Innflyttinger - Utflyttinger.
- Code unchanged between Y and Y+1: Folkemengde(Y+1) = Folkemengde(Y) + Folketilvekst(Y).
- Reform on 1 January Y+1: a new or changed code's population = the sum over its predecessors
  of Folkemengde(Y) + Folketilvekst(Y); a split predecessor contributes its split weight
  (``data/geography/split_weights.csv``) times that, apportioned to integers by largest
  remainder, so a split part differs from weight × total by less than 1 person (SPLIT_TOLERANCE).
- The simulation runs on "atoms": the finest pieces of territory across all reforms (each a path
  of codes from 2008 to 2026, split parts sized by the split weights), summed to codes.

Method and limits
- Atoms start from their 2022 figure and follow the national curve (the Norway anchors,
  log-linear in between) plus a size-related differential and noise; the anchors are then met by
  raking, each anchor's factor fading linearly to the neighbouring anchor years of the same
  territory and to 2022 (which stays exact). Populations are rounded per code, and the
  components are drawn around national rates (``calibration.yaml``); immigration closes the
  national account and domestic net migration closes each municipality's.
- Anchors on a territory that received a split part are met within a few persons (Orkland on
  1.1.2020: the Snillfjord part follows its weight, not the raked trajectory).
- Where no anchor exists, the pre-reform sizes of merged municipalities are synthetic (shares by
  a lognormal draw, the namesake predecessor favoured), e.g. old Ålesund is too small.

**Size.** Over 500 lines on purpose: one simulation (calibration, raking, integer accounting,
quarterly flows, payloads) whose steps hand arrays to each other; splitting it would scatter the
accounting identities its tests check. Shared helpers are in ``trsplan.demo.common``.
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

from trsplan import paths
from trsplan.demo.common import (
    VERSION,
    apportion,
    round_half_up,
    snapshot_meta,
    version_folder,
    write_payloads,
)
from trsplan.errors import TrsplanError
from trsplan.sources.jsonstat import dumps_jsonstat, to_jsonstat

__all__ = [
    "CONTENTS_01223",
    "CONTENTS_06913",
    "FLOWS_01223",
    "SEED",
    "SPLIT_TOLERANCE",
    "VERSION",
    "Simulation",
    "anchor_codes",
    "build_payloads",
    "evaluate_anchors",
    "frames_from_tables",
    "generate",
    "load_anchors",
    "quarterly_flows",
    "simulate",
    "ytd_frame",
]

SEED = 20261101
FIRST_YEAR = 2008
LAST_POPULATION_YEAR = 2026  # 07459: 1 January 2008 .. 2026
LAST_CHANGE_YEAR = 2025  # 06913: changes during 2008 .. 2025
QUARTERS = (1, 2, 3, 4)  # 01223: 2008K1 .. 2025K4 (the years of 06913)
PIN_YEAR = 2022  # reproduced exactly from population_2022.csv
SPLIT_TOLERANCE = 1.0  # |split part - weight × total| < 1 person (integer apportionment)
UPDATED = "2026-02-20T07:00:00Z"  # fixed "last updated" of the tables
LICENCE = "NLOD 2.0 / CC BY 4.0 (synthetic demo data, calibrated on SSB figures)"
REGION_CODELIST = "vs_Kommune"

LABEL_07459 = "07459: Befolkning, etter region, statistikkvariabel og år"
LABEL_06913 = "06913: Befolkning og endringer, etter statistikkvariabel, region og år"
CONTENTS_07459: dict[str, str] = {"Personer1": "Personer"}
#: 06913 ContentsCode -> label, in the table's order (see the module docstring).
CONTENTS_06913: dict[str, str] = {
    "Folkemengde": "Befolkning",
    "Levende": "Levendefødte",
    "Dode": "Døde",
    "Fodselsoverskudd": "Fødselsoverskudd",
    "Innflyttinger": "Innflyttinger",
    "Utflyttinger": "Utflyttinger",
    "Nettoinnflytting": "Nettoinnflytting",
    "Folketilvekst": "Folketilvekst",
}
LABEL_01223 = (
    "01223: Endringar hittil i år for befolkninga, etter region, statistikkvariabel og kvartal"
)
#: 01223 ContentsCodes published here (4 of the table's 11) -> label, in the table's order.
CONTENTS_01223: dict[str, str] = {
    "Innvandring5": "Innvandring",
    "Utvandring6": "Utvandring",
    "Tilflytting7": "Innflytting, innalandsk",
    "Fraflytting8": "Utflytting, innalandsk",
}
#: 01223 ContentsCode -> the simulated flow (a ``Simulation.changes``/``quarterly`` column).
FLOWS_01223: dict[str, str] = {
    "Innvandring5": "immigration",
    "Utvandring6": "emigration",
    "Tilflytting7": "domestic_in",
    "Fraflytting8": "domestic_out",
}
NOTE = (
    "SYNTETISKE DEMODATA generert av trsplan.demo (seed {seed}); ikke offisiell statistikk. "
    "Kalibrert mot SSBs publiserte folketall (1.1.2022 per kommune og utvalgte totaler)."
)

_YEARS = np.arange(FIRST_YEAR, LAST_POPULATION_YEAR + 1)
_T = len(_YEARS)
_PIN = PIN_YEAR - FIRST_YEAR
_BIG = 9999


def _read_csv(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


# --- geography: territory periods, transitions, atoms ----------------------------------------


@dataclass(frozen=True)
class _Geography:
    periods: pd.DataFrame  # code, name, county, valid_from, valid_to, start, end (years)
    at: list[dict[str, int]]  # per year index: code -> period index
    successors: dict[int, list[tuple[int, float, str]]]  # ending period -> (period, weight, kind)
    paths: np.ndarray  # atoms × years: period index
    atom_weight: np.ndarray  # product of split weights along the path


def _first_jan1_on_or_after(date: str) -> int:
    if not date:
        return -_BIG
    year = int(date[:4])
    return year if date[5:] == "01-01" else year + 1


def _last_jan1_on_or_before(date: str) -> int:
    return _BIG if not date else int(date[:4])


def _load_geography(folder: Path) -> _Geography:
    try:
        raw = _read_csv(folder / "municipalities.csv")
        changes = _read_csv(folder / "code_changes.csv")
        weight_rows = _read_csv(folder / "split_weights.csv")
    except FileNotFoundError as exc:
        raise TrsplanError(
            f"geography table missing: {exc.filename}; build data/geography first "
            "(trsplan geography-build)"
        ) from None
    raw = raw.assign(
        start=[max(_first_jan1_on_or_after(d), FIRST_YEAR) for d in raw["valid_from"]],
        end=[min(_last_jan1_on_or_before(d), LAST_POPULATION_YEAR) for d in raw["valid_to"]],
    )
    periods = raw.loc[raw["start"] <= raw["end"]].sort_values(["code", "start"], kind="stable")
    periods = periods.reset_index(drop=True)

    at: list[dict[str, int]] = [{} for _ in range(_T)]
    for p, row in enumerate(periods.itertuples()):
        for year in range(row.start, row.end + 1):
            if row.code in at[year - FIRST_YEAR]:
                raise TrsplanError(
                    f"municipalities.csv: code {row.code} has two rows valid in {year}"
                )
            at[year - FIRST_YEAR][row.code] = p

    weights = {(r.date, r.old_code, r.new_code): float(r.weight) for r in weight_rows.itertuples()}
    successors: dict[int, list[tuple[int, float, str]]] = {}
    incoming: set[int] = set()
    for year in range(FIRST_YEAR + 1, LAST_POPULATION_YEAR + 1):
        t = year - FIRST_YEAR
        window = changes.loc[
            (changes["date"] > f"{year - 1}-01-01") & (changes["date"] <= f"{year}-01-01")
        ]
        rows: dict[str, list[Any]] = {}
        for row in window.itertuples():
            rows.setdefault(row.old_code, []).append(row)
        for code, p in sorted(at[t - 1].items()):
            ends = periods.at[p, "end"] == year - 1
            if code not in rows:
                if ends:
                    raise TrsplanError(
                        f"geography: {code} ends on {year - 1}-12-31 but code_changes.csv names "
                        "no successor"
                    )
                continue
            if not ends:
                raise TrsplanError(
                    f"geography: code_changes.csv changes {code} on 1 January {year}, but its "
                    "row in municipalities.csv does not end on the day before"
                )
            out: list[tuple[int, float, str]] = []
            for row in sorted(rows.pop(code), key=lambda r: r.new_code):
                q = at[t].get(row.new_code)
                if q is None or periods.at[q, "start"] != year:
                    raise TrsplanError(
                        f"geography: {code} -> {row.new_code} on {row.date}, but "
                        f"{row.new_code} has no row in municipalities.csv starting that day"
                    )
                weight = 1.0
                if row.kind == "split":
                    key = (row.date, row.old_code, row.new_code)
                    if key not in weights:
                        raise TrsplanError(f"split_weights.csv has no weight for {key}")
                    weight = weights[key]
                out.append((q, weight, row.kind))
                incoming.add(q)
            if len(out) > 1 and any(kind != "split" for _, _, kind in out):
                raise TrsplanError(
                    f"geography: {code} has several successors in {year} but is no split"
                )
            total = sum(w for _, w, _ in out)
            if abs(total - 1.0) > 1e-3:
                raise TrsplanError(f"split weights of {code} in {year} sum to {total}, not 1")
            successors[p] = [(q, w / total, kind) for q, w, kind in out]
        if rows:
            raise TrsplanError(
                f"code_changes.csv changes codes not valid on 1 January {year - 1}: {sorted(rows)}"
            )
        for code, q in at[t].items():
            if periods.at[q, "start"] == year and q not in incoming:
                raise TrsplanError(f"geography: {code} starts in {year} but has no predecessor")

    # atoms: every path through the transitions, starting from the 2008 codes
    ends = periods["end"].to_numpy()
    current = [([p], 1.0) for _, p in sorted(at[0].items())]
    for t in range(1, _T):
        nxt: list[tuple[list[int], float]] = []
        for path, weight in current:
            p = path[-1]
            if ends[p] == FIRST_YEAR + t - 1:
                nxt += [(path + [q], weight * w) for q, w, _ in successors[p]]
            else:
                nxt.append((path + [p], weight))
        current = nxt
    atom_paths = np.array([path for path, _ in current], dtype=np.int64)
    atom_weight = np.array([weight for _, weight in current])
    return _Geography(periods, at, successors, atom_paths, atom_weight)


# --- calibration inputs -----------------------------------------------------------------------


def load_anchors(folder: Path | None = None) -> pd.DataFrame:
    """``data/demo/anchors.csv`` with typed columns (year, vintage, published int; tolerance
    float or NaN)."""
    table = _read_csv((folder or paths.demo_inputs_dir()) / "anchors.csv")
    return table.assign(
        year=table["year"].astype("int64"),
        vintage=table["vintage"].astype("int64"),
        published=table["published"].astype("int64"),
        tolerance_pct=pd.to_numeric(table["tolerance_pct"].replace("", np.nan)),
    )


def anchor_codes(selector: str, vintage: int, periods: pd.DataFrame) -> list[str]:
    """The municipality codes an anchor's ``codes`` field selects in ``vintage``.

    ``periods`` has columns code, county, start, end (years; as built from municipalities.csv).
    """
    valid = periods.loc[(periods["start"] <= vintage) & (periods["end"] >= vintage)]
    if selector == "*":
        return sorted(valid["code"])
    if selector.startswith("county:"):
        counties = selector.removeprefix("county:").split()
        return sorted(valid.loc[valid["county"].isin(counties), "code"])
    codes = selector.split()
    unknown = sorted(set(codes) - set(valid["code"]))
    if unknown:
        raise TrsplanError(f"anchor codes {unknown} are not valid on 1 January {vintage}")
    return sorted(codes)


def _rate_curve(knots: Mapping[int, float]) -> np.ndarray:
    years = sorted(int(y) for y in knots)
    return np.interp(_YEARS, years, [float(knots[y]) for y in years]) / 1000.0


# --- the simulation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Simulation:
    """The simulated municipal population accounts, in each year's code vintage.

    - ``periods``: territory periods from municipalities.csv (code, name, county, valid_from,
      valid_to, and ``start``/``end``: the first and last 1 January in 2008-2026).
    - ``population``: code, year, population (1 January); valid cells only.
    - ``changes``: code, year, births, deaths, domestic_in, domestic_out, immigration,
      emigration, growth (during the year, 2008-2025); valid cells only.
    - ``anchors``: anchors.csv with ``generated`` and ``diff_pct`` (see ``evaluate_anchors``).
    - ``quarterly``: code, year, quarter (1-4), immigration, emigration, domestic_in,
      domestic_out: the moves *during* each quarter (not cumulated), summing exactly to the
      year's figure in ``changes`` (see ``quarterly_flows``).
    """

    seed: int
    periods: pd.DataFrame
    population: pd.DataFrame
    changes: pd.DataFrame
    anchors: pd.DataFrame
    quarterly: pd.DataFrame

    def region_codes(self, last_year: int = LAST_POPULATION_YEAR) -> list[str]:
        """Codes valid on 1 January of some year FIRST_YEAR..last_year, sorted."""
        p = self.periods
        return sorted(set(p.loc[(p["start"] <= last_year), "code"]))

    def region_labels(self) -> dict[str, str]:
        """StatBank-style labels: the name of the code's last period; discontinued codes get
        their validity years, "Klæbu (2018-2019)"."""
        labels: dict[str, str] = {}
        for code, rows in self.periods.groupby("code", sort=True):
            last = rows.iloc[-1]
            if last["valid_to"]:
                first = rows.iloc[0]["valid_from"][:4]
                labels[str(code)] = f"{last['name']} ({first}-{last['valid_to'][:4]})"
            else:
                labels[str(code)] = str(last["name"])
        return labels


def simulate(seed: int = SEED) -> Simulation:
    """Simulate the municipal accounts 2008-2026 (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    demo = paths.demo_inputs_dir()
    config = yaml.safe_load((demo / "calibration.yaml").read_text(encoding="utf-8"))
    geo = _load_geography(paths.geography_dir())
    periods, at, paths_ = geo.periods, geo.at, geo.paths
    n_periods, n_atoms = len(periods), len(paths_)

    pin = _read_csv(demo / "population_2022.csv")
    pin_pop = dict(zip(pin["code"], pin["population"].astype("int64"), strict=True))
    if set(pin_pop) != set(at[_PIN]):
        raise TrsplanError(
            "population_2022.csv and the geography's 2022 codes differ: "
            f"{sorted(set(pin_pop) ^ set(at[_PIN]))[:10]}"
        )
    if any(periods.at[p, "start"] == PIN_YEAR for p in at[_PIN].values()):
        raise TrsplanError(f"a reform on 1 January {PIN_YEAR} is not supported (pinned year)")

    anchors = load_anchors(demo)
    atom_sets: list[np.ndarray] = []
    for row in anchors.itertuples():
        codes = anchor_codes(row.codes, row.vintage, periods)
        selected = np.array([at[row.vintage - FIRST_YEAR][c] for c in codes])
        atom_sets.append(np.flatnonzero(np.isin(paths_[:, row.vintage - FIRST_YEAR], selected)))

    # national curve: anchors on all codes, log-linear in between, last growth carried on
    national = {
        int(r.year): float(r.published)
        for r in anchors.itertuples()
        if r.codes == "*" and r.vintage == r.year
    }
    national[PIN_YEAR] = float(sum(pin_pop.values()))
    known = sorted(national)
    log_n = np.interp(_YEARS, known, np.log([national[y] for y in known]))
    if known[-1] < LAST_POPULATION_YEAR:
        step = log_n[known[-1] - FIRST_YEAR] - log_n[known[-1] - FIRST_YEAR - 1]
        tail = known[-1] < _YEARS
        log_n[tail] = log_n[known[-1] - FIRST_YEAR] + step * (_YEARS[tail] - known[-1])
    n_growth = np.diff(log_n)

    # --- atoms' populations on 1 January 2022 -------------------------------------------
    h = rng.lognormal(0.0, float(config["merge_shares"]["share_sd"]), n_periods)
    x22 = _atoms_2022(geo, anchors, atom_sets, pin_pop, log_n, h, config["merge_shares"])

    # --- baseline trajectories: national growth + municipal differential + noise ---------
    mun = config["municipal"]
    code22 = paths_[:, _PIN]
    pop22 = np.array([pin_pop[periods.at[c, "code"]] for c in code22], dtype=float)
    z22 = np.clip(np.log10(pop22 / 5000.0), -1.5, 2.0)
    code_noise = rng.normal(0.0, float(mun["growth_sd_code"]), n_periods)
    differential = float(mun["growth_slope"]) * z22 + code_noise[code22]
    differential += rng.normal(0.0, float(mun["growth_sd_code"]) / 3.0, n_atoms)
    differential -= np.average(differential, weights=x22)
    noise = rng.normal(0.0, float(mun["growth_sd_year"]), (n_atoms, _T - 1))
    growth = n_growth[None, :] + differential[:, None] + noise
    log_x = np.zeros((n_atoms, _T))
    log_x[:, _PIN] = np.log(x22)
    for t in range(_PIN - 1, -1, -1):
        log_x[:, t] = log_x[:, t + 1] - growth[:, t]
    for t in range(_PIN + 1, _T):
        log_x[:, t] = log_x[:, t - 1] + growth[:, t - 1]
    x = np.exp(log_x)

    # --- calibration: raking on the anchors, each spread over time by a hat function -----
    x = _rake(x, anchors, atom_sets)

    # --- integers: population on 1 January, end-of-year population, reform contributions --
    population, end = _integerise(x, periods, at, geo.successors, paths_, pin_pop)

    # --- components of change ----------------------------------------------------------
    changes = _components(population, end, periods, at, config, rng)

    pop_rows = [
        (periods.at[p, "code"], int(FIRST_YEAR + t), int(population[t][p]))
        for t in range(_T)
        for _, p in sorted(at[t].items())
    ]
    pop_frame = pd.DataFrame(pop_rows, columns=["code", "year", "population"])
    report = evaluate_anchors(
        pop_frame.rename(columns={"population": "value"}),
        changes[["code", "year", "growth"]].rename(columns={"growth": "value"}),
        anchors,
        periods,
    )
    quarterly = quarterly_flows(changes, config["quarterly_shares_pct"])
    return Simulation(seed, periods, pop_frame, changes, report, quarterly)


def _atoms_2022(
    geo: _Geography,
    anchors: pd.DataFrame,
    atom_sets: list[np.ndarray],
    pin_pop: Mapping[str, int],
    log_n: np.ndarray,
    h: np.ndarray,
    cfg: Mapping[str, Any],
) -> np.ndarray:
    """Each atom's population on 1 January 2022; the atoms of a 2022 code sum to its figure.

    Atoms of one 2008 code ("origin") share its size by their split weights. An origin whose
    own territory has an anchor gets that size (carried to 2022 at the national growth rate);
    the other origins of a merged code share the rest by a lognormal draw ``h``, the one with
    the merged code's name weighted by ``namesake_factor``."""
    periods, at, paths_, atom_weight = geo.periods, geo.at, geo.paths, geo.atom_weight
    code22, origin = paths_[:, _PIN], paths_[:, 0]
    names = periods["name"].str.split(" - ").str[0].str.casefold().to_numpy()
    hints: dict[int, tuple[int, float]] = {}  # origin -> (distance to 2022, size in 2022 terms)
    for row, atoms in zip(anchors.itertuples(), atom_sets, strict=True):
        origins = np.unique(origin[atoms])
        if len(origins) == 1 and np.array_equal(atoms, np.flatnonzero(origin == origins[0])):
            size = row.published * math.exp(log_n[_PIN] - log_n[row.year - FIRST_YEAR])
            distance = abs(row.year - PIN_YEAR)
            o = int(origins[0])
            if o not in hints or distance < hints[o][0]:
                hints[o] = (distance, size)
    x22 = np.zeros(len(paths_))
    for code, c in sorted(at[_PIN].items()):
        members = np.flatnonzero(code22 == c)
        total = float(pin_pop[code])
        mass: dict[int, float] = {}
        free: dict[int, float] = {}
        for o in np.unique(origin[members]).tolist():
            frac = atom_weight[members[origin[members] == o]].sum()
            if o in hints:
                mass[o] = hints[o][1] * frac
            else:
                bonus = float(cfg["namesake_factor"]) if names[o] == names[c] else 1.0
                free[o] = h[o] * bonus * frac
        fixed = sum(mass.values())
        if free and fixed < 0.95 * total:
            scale = (total - fixed) / sum(free.values())
            mass.update({o: v * scale for o, v in free.items()})
        else:  # the anchored origins (nearly) fill the code: the others get a token share
            mass.update({o: v * 1e-6 for o, v in free.items()})
        scale = total / sum(mass.values())
        for o, m in mass.items():
            part = members[origin[members] == o]
            x22[part] = m * scale * atom_weight[part] / atom_weight[part].sum()
    return x22


def _rake(x: np.ndarray, anchors: pd.DataFrame, atom_sets: list[np.ndarray]) -> np.ndarray:
    """Scale atoms so each anchor's atoms sum to its figure in its year. An anchor's factor
    applies fully in its year, fades linearly to the neighbouring anchor years of the same
    territory and to the pinned year 2022 (left untouched), and stays constant beyond the
    outermost anchor year."""
    steps: list[tuple[np.ndarray, int, float, np.ndarray]] = []
    nodes: dict[bytes, set[int]] = {}
    for row, atoms in zip(anchors.itertuples(), atom_sets, strict=True):
        if row.year != PIN_YEAR:
            nodes.setdefault(atoms.tobytes(), {_PIN}).add(row.year - FIRST_YEAR)
    for row, atoms in zip(anchors.itertuples(), atom_sets, strict=True):
        if row.year == PIN_YEAR:
            continue
        t = row.year - FIRST_YEAR
        grid = sorted(nodes[atoms.tobytes()])
        hat = np.interp(np.arange(_T), grid, [1.0 if g == t else 0.0 for g in grid])
        steps.append((atoms, t, float(row.published), hat))
    x = x.copy()
    for _ in range(5000):
        worst = 0.0
        for atoms, t, target, hat in steps:
            ratio = target / x[atoms, t].sum()
            x[atoms] *= np.power(ratio, hat)[None, :]
            worst = max(worst, abs(math.log(ratio)))
        if worst < 1e-12:
            return x
    bad = [
        row.anchor
        for row, atoms in zip(anchors.itertuples(), atom_sets, strict=True)
        if row.year != PIN_YEAR
        and abs(x[atoms, row.year - FIRST_YEAR].sum() / row.published - 1) > 1e-6
    ]
    raise TrsplanError(f"demo calibration did not converge; inconsistent anchors? {bad}")


def _integerise(
    x: np.ndarray,
    periods: pd.DataFrame,
    at: list[dict[str, int]],
    successors: dict[int, list[tuple[int, float, str]]],
    paths_: np.ndarray,
    pin_pop: Mapping[str, int],
) -> tuple[list[dict[int, int]], list[dict[int, int]]]:
    """Integer populations per (year, period) and end-of-year populations per (year, period).

    A period continuing into the next year ends the year with the next year's population; a
    period that ends gets the rounded sum of its atoms on 1 January next year, and the new
    periods of the next year get their predecessors' end-of-year populations (split parts
    apportioned by weight)."""
    n_periods = len(periods)
    population: list[dict[int, int]] = []
    end: list[dict[int, int]] = []
    inflow: dict[int, int] = {}
    for t in range(_T):
        sums = np.bincount(paths_[:, t], weights=x[:, t], minlength=n_periods)
        current: dict[int, int] = {}
        for code, p in sorted(at[t].items()):
            if t > 0 and periods.at[p, "start"] == FIRST_YEAR + t:
                current[p] = inflow.pop(p)
            elif t == _PIN:
                current[p] = int(pin_pop[code])
            else:
                current[p] = int(round_half_up(sums[p]))
        population.append(current)
        if t == _T - 1:
            break
        after = np.bincount(paths_[:, t], weights=x[:, t + 1], minlength=n_periods)
        year_end: dict[int, int] = {}
        for p in sorted(current):
            if periods.at[p, "end"] == FIRST_YEAR + t:  # the period ends: a reform next year
                year_end[p] = int(round_half_up(after[p]))
                targets = successors[p]
                parts = apportion(year_end[p], np.array([w for _, w, _ in targets]))
                for (q, _, _), part in zip(targets, parts.tolist(), strict=True):
                    inflow[q] = inflow.get(q, 0) + int(part)
        end.append(year_end)
    # continuing periods end the year with next year's population
    for t in range(_T - 1):
        for p in population[t]:
            if p not in end[t]:
                end[t][p] = population[t + 1][p]
    return population, end


def _components(
    population: list[dict[int, int]],
    end: list[dict[int, int]],
    periods: pd.DataFrame,
    at: list[dict[str, int]],
    config: Mapping[str, Any],
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Births, deaths, domestic and international moves per code and year, summing exactly to
    each code's growth; immigration closes the national account so that national domestic
    in-moves equal out-moves."""
    rates = config["national_rates_per_1000"]
    births_n = _rate_curve(rates["births"])
    deaths_n = _rate_curve(rates["deaths"])
    emig_n = _rate_curve(rates["emigration"])
    out_n = _rate_curve(rates["domestic_out"])
    mun = config["municipal"]
    sd = float(mun["rate_sd"])
    n_periods = len(periods)
    # persistent municipal noise per territory period, one draw per rate
    noise = rng.normal(0.0, sd, (5, n_periods))
    slopes = np.array(
        [
            float(mun["births_slope"]),
            float(mun["deaths_slope"]),
            float(mun["emigration_slope"]),
            float(mun["immigration_slope"]),
            float(mun["domestic_out_slope"]),
        ]
    )
    frames = []
    last = LAST_CHANGE_YEAR - FIRST_YEAR
    for t in range(last + 1):
        ps = np.array([p for _, p in sorted(at[t].items())])
        pop = np.array([population[t][p] for p in ps], dtype=np.int64)
        grow = np.array([end[t][p] for p in ps], dtype=np.int64) - pop
        z = np.clip(np.log10(np.maximum(pop, 1) / 5000.0), -1.5, 2.0)
        factor = np.exp(slopes[:, None] * z[None, :] + noise[:, ps])
        factor /= (factor * pop).sum(axis=1, keepdims=True) / pop.sum()  # national mean 1
        births = rng.poisson(pop * births_n[t] * factor[0])
        deaths = rng.poisson(pop * deaths_n[t] * factor[1])
        emigration = rng.poisson(pop * emig_n[t] * factor[2])
        total_imm = int(grow.sum() - (births - deaths).sum() + emigration.sum())
        if total_imm < 0:
            raise TrsplanError(f"demo: negative national immigration in {FIRST_YEAR + t}")
        immigration = apportion(total_imm, pop * factor[3])
        net_domestic = grow - (births - deaths) - (immigration - emigration)
        out = rng.poisson(pop * out_n[t] * factor[4])
        # a large domestic net loss needs enough out-moves: keep in-moves >= half the out-moves
        out = np.where(net_domestic < -(out // 2), -2 * net_domestic, out)
        frames.append(
            pd.DataFrame(
                {
                    "code": periods["code"].to_numpy()[ps],
                    "year": FIRST_YEAR + t,
                    "births": births,
                    "deaths": deaths,
                    "domestic_in": out + net_domestic,
                    "domestic_out": out,
                    "immigration": immigration,
                    "emigration": emigration,
                    "growth": grow,
                }
            )
        )
    changes = pd.concat(frames, ignore_index=True)
    ints = [c for c in changes.columns if c != "code"]
    return changes.astype(dict.fromkeys(ints, "int64"))


# --- quarters (table 01223) -------------------------------------------------------------------


def _split_rows(annual: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split each annual integer over the quarters in proportion to integer ``shares`` (percent,
    summing to 100) by largest remainder (ties to the earlier quarter). Returns (parts, deviation
    in hundredths of a person: 100 × part - annual × share), both rows × quarters, exact
    integers."""
    exact = annual[:, None] * shares[None, :]  # hundredths of a person
    parts = exact // 100
    rest = annual - parts.sum(axis=1)
    rank = np.argsort(np.argsort(-(exact % 100), axis=1, kind="stable"), axis=1, kind="stable")
    parts += rank < rest[:, None]
    return parts, 100 * parts - exact


def _balance(parts: np.ndarray, deviation: np.ndarray, target: np.ndarray) -> None:
    """Move single units between quarters within rows (in place, row sums kept) until the
    column sums equal ``target``; each move takes the rows whose rounding it improves most."""
    while True:
        excess = parts.sum(axis=0) - target
        if not excess.any():
            return
        a, b = int(np.argmax(excess)), int(np.argmin(excess))
        rows = np.flatnonzero(parts[:, a] > 0)
        score = deviation[rows, a] - deviation[rows, b]  # what the move gains, in hundredths
        take = rows[np.lexsort((rows, -score))][: min(int(excess[a]), int(-excess[b]))]
        parts[take, a] -= 1
        parts[take, b] += 1
        deviation[take, a] -= 100
        deviation[take, b] += 100


def quarterly_flows(changes: pd.DataFrame, shares_pct: Mapping[str, Sequence[int]]) -> pd.DataFrame:
    """Split the annual immigration, emigration and domestic moves of ``changes`` (code, year,
    ...) over the four quarters; returns code, year, quarter, and the flows *during* each quarter.

    Deterministic, no randomness: each flow by its seasonal profile (``shares_pct``: keys
    immigration, emigration, domestic; integer percent summing to 100), rounded by largest
    remainder per code and year, so the quarters add up exactly to the annual figure. Domestic
    out-moves are split first; domestic in-moves are then rebalanced between quarters (a unit at
    a time, where the rounding suffers least) so that national in-moves equal out-moves in every
    quarter, as every domestic move is both."""
    profiles = {}
    for key in ("immigration", "emigration", "domestic"):
        shares = np.asarray([int(s) for s in shares_pct[key]], dtype=np.int64)
        if len(shares) != len(QUARTERS) or shares.sum() != 100 or (shares < 0).any():
            raise TrsplanError(f"quarterly_shares_pct.{key}: 4 integers >= 0 summing to 100")
        profiles[key] = shares
    frames = []
    for year, rows in changes.sort_values(["year", "code"]).groupby("year", sort=True):
        split = {}
        for flow in FLOWS_01223.values():
            profile = profiles["domestic" if flow.startswith("domestic") else flow]
            split[flow] = _split_rows(rows[flow].to_numpy(dtype=np.int64), profile)
        moves_in, deviation = split["domestic_in"]
        if moves_in.sum() != split["domestic_out"][0].sum():
            raise TrsplanError(f"demo: national domestic in- and out-moves differ in {year}")
        _balance(moves_in, deviation, split["domestic_out"][0].sum(axis=0))
        n = len(rows)
        frames.append(
            pd.DataFrame(
                {
                    "code": np.repeat(rows["code"].to_numpy(), len(QUARTERS)),
                    "year": int(year),
                    "quarter": np.tile(np.array(QUARTERS, dtype=np.int64), n),
                    **{flow: parts.reshape(-1) for flow, (parts, _) in split.items()},
                }
            )
        )
    out = pd.concat(frames, ignore_index=True)
    return out.astype(dict.fromkeys(["year", "quarter", *FLOWS_01223.values()], "int64"))


# --- checking against the anchors ---------------------------------------------------------


def evaluate_anchors(
    population: pd.DataFrame,
    growth: pd.DataFrame,
    anchors: pd.DataFrame,
    periods: pd.DataFrame,
) -> pd.DataFrame:
    """``anchors`` with ``generated`` and ``diff_pct`` (generated vs published, in %).

    ``population``/``growth``: columns code, year, value (1 January population; growth during
    the year). An anchor on the borders of ``vintage`` = ``year`` sums the population; one on
    the previous year's borders (``vintage`` = ``year`` - 1) sums population + growth of that
    year."""
    pop = population.set_index(["code", "year"])["value"]
    grow = growth.set_index(["code", "year"])["value"]
    generated = []
    for row in anchors.itertuples():
        codes = anchor_codes(row.codes, row.vintage, periods)
        keys = pd.MultiIndex.from_arrays([codes, [row.vintage] * len(codes)])
        if row.vintage == row.year:
            value = pop.reindex(keys).sum(skipna=False)
        elif row.vintage == row.year - 1:
            value = pop.reindex(keys).sum(skipna=False) + grow.reindex(keys).sum(skipna=False)
        else:
            raise TrsplanError(f"anchor {row.anchor}: vintage must be year or year - 1")
        generated.append(float(value))
    out = anchors.copy()
    out["generated"] = generated
    out["diff_pct"] = (out["generated"] / out["published"] - 1.0) * 100.0
    return out


def frames_from_tables(
    t07459: pd.DataFrame, t06913: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Tidy frames (from ``read_jsonstat``) -> (population: code, year, value;
    changes: code, year, one column per 06913 ContentsCode), valid cells only."""
    pop = t07459.loc[t07459["value"].notna(), ["Region", "Tid", "value"]]
    pop = pop.rename(columns={"Region": "code", "Tid": "year"}).astype(
        {"code": "str", "year": "int64"}
    )
    chg = t06913.loc[t06913["value"].notna(), ["Region", "Tid", "ContentsCode", "value"]]
    wide = chg.pivot_table(
        index=["Region", "Tid"], columns="ContentsCode", values="value", aggfunc="first"
    )
    wide = wide.reset_index().rename(columns={"Region": "code", "Tid": "year"})
    wide.columns.name = None
    wide = wide.astype({"code": "str", "year": "int64"})
    return pop.reset_index(drop=True), wide


def ytd_frame(t01223: pd.DataFrame) -> pd.DataFrame:
    """Tidy 01223 (from ``read_jsonstat``) -> code, year, quarter, one column per ContentsCode:
    the published values, i.e. cumulated from 1 January to the end of the quarter; valid cells
    only. ``frame.groupby(["code", "year"])[cols].diff()`` (first quarter: the value itself)
    gives the flows during each quarter; the fourth quarter is the whole year."""
    rows = t01223.loc[t01223["value"].notna(), ["Region", "Tid", "ContentsCode", "value"]]
    wide = rows.pivot_table(
        index=["Region", "Tid"], columns="ContentsCode", values="value", aggfunc="first"
    ).reset_index()
    wide.columns.name = None
    tid = wide.pop("Tid").astype(str)
    wide.insert(1, "year", tid.str.slice(0, 4).astype("int64"))
    wide.insert(2, "quarter", tid.str.slice(5).astype("int64"))
    wide = wide.rename(columns={"Region": "code"}).astype({"code": "str"})
    return wide.sort_values(["code", "year", "quarter"], ignore_index=True)


# --- payloads -----------------------------------------------------------------------------


def _cube(
    values: pd.DataFrame,
    codes: Sequence[str],
    contents: Sequence[str],
    periods: Sequence[int | str],
    time_col: str = "year",
) -> pd.DataFrame:
    """Full Region × ContentsCode × Tid frame; cells without a value are null with status '.'.
    ``values`` has Region, ContentsCode, value and the period in ``time_col``."""
    grid = pd.MultiIndex.from_product(
        [list(codes), list(contents), [str(p) for p in periods]],
        names=["Region", "ContentsCode", "Tid"],
    )
    keyed = values.assign(Tid=values[time_col].astype(str)).set_index(
        ["Region", "ContentsCode", "Tid"]
    )
    value = keyed["value"].astype("float64").reindex(grid)
    frame = value.reset_index()
    frame["status"] = np.where(frame["value"].isna(), ".", None)
    return frame


def _query(
    codes: Sequence[str], contents: Sequence[str], periods: Sequence[int | str]
) -> dict[str, Any]:
    return {
        "selection": [
            {"variableCode": "Region", "codelist": REGION_CODELIST, "valueCodes": list(codes)},
            {"variableCode": "ContentsCode", "valueCodes": list(contents)},
            {"variableCode": "Tid", "valueCodes": [str(p) for p in periods]},
        ]
    }


def build_payloads(sim: Simulation) -> dict[str, tuple[bytes, dict[str, Any]]]:
    """``{file name: (payload bytes, write_file keyword arguments)}`` for 07459, 06913 and
    01223."""
    labels = sim.region_labels()
    note = [NOTE.format(seed=sim.seed)]
    out: dict[str, tuple[bytes, dict[str, Any]]] = {}

    pop_years = list(range(FIRST_YEAR, LAST_POPULATION_YEAR + 1))
    pop_codes = sim.region_codes(LAST_POPULATION_YEAR)
    pop = sim.population.rename(columns={"code": "Region", "population": "value"})
    pop = pop.assign(ContentsCode="Personer1")
    cube = _cube(pop, pop_codes, list(CONTENTS_07459), pop_years)
    out["07459.json"] = _encode(
        cube, "07459", LABEL_07459, pop_codes, CONTENTS_07459, pop_years,
        labels=labels, note=note, seed=sim.seed,
    )  # fmt: skip

    chg_years = list(range(FIRST_YEAR, LAST_CHANGE_YEAR + 1))
    chg_codes = sim.region_codes(LAST_CHANGE_YEAR)
    c = sim.changes.merge(sim.population, on=["code", "year"], how="left", validate="one_to_one")
    columns = {
        "Folkemengde": c["population"],
        "Levende": c["births"],
        "Dode": c["deaths"],
        "Fodselsoverskudd": c["births"] - c["deaths"],
        "Innflyttinger": c["domestic_in"] + c["immigration"],
        "Utflyttinger": c["domestic_out"] + c["emigration"],
        "Nettoinnflytting": c["domestic_in"]
        + c["immigration"]
        - c["domestic_out"]
        - c["emigration"],
        "Folketilvekst": c["growth"],
    }
    long = pd.concat(
        [
            pd.DataFrame({"Region": c["code"], "ContentsCode": k, "year": c["year"], "value": v})
            for k, v in columns.items()
        ],
        ignore_index=True,
    )
    cube = _cube(long, chg_codes, list(CONTENTS_06913), chg_years)
    out["06913.json"] = _encode(
        cube, "06913", LABEL_06913, chg_codes, CONTENTS_06913, chg_years,
        labels=labels, note=note, seed=sim.seed,
    )  # fmt: skip

    # 01223: year to date, "2008K1" .. "2025K4", the year's code vintage in all its quarters
    periods = [f"{y}K{q}" for y in chg_years for q in QUARTERS]
    q = sim.quarterly.sort_values(["code", "year", "quarter"], ignore_index=True)
    flows = list(FLOWS_01223.values())
    ytd = q[flows].groupby([q["code"], q["year"]]).cumsum()
    tid = q["year"].astype(str) + "K" + q["quarter"].astype(str)
    long = pd.concat(
        [
            pd.DataFrame({"Region": q["code"], "ContentsCode": k, "Tid": tid, "value": ytd[v]})
            for k, v in FLOWS_01223.items()
        ],
        ignore_index=True,
    )
    cube = _cube(long, chg_codes, list(CONTENTS_01223), periods, time_col="Tid")
    out["01223.json"] = _encode(
        cube, "01223", LABEL_01223, chg_codes, CONTENTS_01223, periods,
        labels=labels, note=note, seed=sim.seed, unit="personar",
        dimension_labels={"Tid": "kvartal"},
    )  # fmt: skip
    return out


def _encode(
    cube: pd.DataFrame,
    table_id: str,
    label: str,
    codes: list[str],
    contents: dict[str, str],
    periods: Sequence[int | str],
    *,
    labels: dict[str, str],
    note: list[str],
    seed: int,
    unit: str = "personer",
    dimension_labels: dict[str, str] | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """One Region × ContentsCode × Tid payload in the v2 layout, with its provenance."""
    obj = to_jsonstat(
        cube,
        ["Region", "ContentsCode", "Tid"],
        table_id=table_id,
        label=label,
        updated=UPDATED,
        category_labels={"Region": {c: labels[c] for c in codes}, "ContentsCode": contents},
        **({"dimension_labels": dimension_labels} if dimension_labels else {}),
        contents_units={k: {"base": unit, "decimals": 0} for k in contents},
        category_order={"Region": codes, "ContentsCode": list(contents)},
        notes=note,
        decimals=0,
        api="v2",
        synthetic=f"trsplan.demo seed={seed}",
    )
    return dumps_jsonstat(obj), _meta(table_id, _query(codes, list(contents), periods), seed)


def _meta(table_id: str, query: dict[str, Any], seed: int) -> dict[str, Any]:
    return snapshot_meta(
        table_id, query, f"trsplan.demo seed={seed}", updated=UPDATED, licence=LICENCE
    )


def generate(
    out: Path | None = None, version: str = VERSION, seed: int = SEED
) -> tuple[list[Path], Simulation]:
    """Simulate and write the snapshot files under ``<out>/snapshot/<version>/ssb/``; return the
    paths written (payloads and sidecars) and the simulation."""
    sim = simulate(seed)
    return write_payloads(version_folder(out, version), "ssb", build_payloads(sim)), sim
