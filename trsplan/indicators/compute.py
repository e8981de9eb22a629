"""Compute the whole indicator store from a snapshot in one vectorised pass.

:func:`compute_store` returns one tidy table (:data:`trsplan.indicators.store.STORE_COLUMNS`)
with every measurable goal of the plan for every municipality (in the codes of ``to_year``),
every region of ``data/geography/regions.yaml`` and Norway (``"norge"``, geo_level
``country``), every year the snapshot has data for. Each theme is one vectorised pass over all
municipalities; a theme whose tables are absent from the snapshot is left out (its rows are
missing, nothing fails). Rows without a value are not stored, except the population rows, which
are kept exactly as before.

Geographies
- Municipal rows: counts in each year's own codes re-keyed to the codes of ``to_year`` (default:
  the latest population year) by summing over the codes that went into each ``to_year`` code
  (split municipalities by their split weight); rates are recomputed from those sums.
- Regional rows (and Norway): weighted sums of each year's own codes over
  :func:`trsplan.indicators.population.membership` (``trondheimsregionen`` = the members of the
  year; ``trondheimsregionen-2020`` and the comparators = fixed territories), rates from the sums.
  Never an average of rates.
- Tables on one code vintage for every year (13470 on today's borders, the Brønnøysund extract
  in the codes of the day it was taken) are summed over the regions expressed in that vintage
  (:func:`trsplan.indicators.membership.vintage_members`). A region defined by its members of each
  year is a whole number of today's municipalities only from 2020 (Orkland and Indre Fosen hold
  former non-members), so ``trondheimsregionen``'s figures from those sources start in 2020;
  ``trondheimsregionen-2020`` has every year.

What the store holds: every id of the indicator catalogue (``trsplan/data/indicators.yaml``,
:mod:`trsplan.indicators.catalogue`) whose producer is a theme, with its goal, unit, definition and
source tables; a ``per_industry`` id is stored as ``<id>:<industry code of 13470>``. Theme notes:

- ``H``: county value added (11713 gross product in basic prices, county rows only) apportioned
  by the wage bill (99901, a PLACEHOLDER table id) and by employment (13470) per industry; the
  central ratio is the mean of the two methods, ``lower`` / ``upper`` their min / max. The
  status series divides by mainland Norway (the sum of the counties, like for like with the
  apportioned numerator); ``gdp_share_ratio_norway_total`` / ``gdp_share_norway_total`` divide by
  Norway in total (11713's whole-country row: with the continental shelf and the extra-regional
  part). Shares of population use the year's average (mean of 1 January of the year and the
  next).
- ``1.5``: every industry with a known code (the unknown industry "00" counts in the totals
  only); the shift-share runs *since the first 13470 year* (2015). Norway is the LQ and
  shift-share reference, so its LQ is 1 in every industry. The target series is the clusters'
  regional shift-share component (clusters fixed in each geography's first year).
- ``3`` / ``3.4`` / ``1``: ``startup_rate`` divides new enterprises (foretak) by establishments
  (bedrifter); ``expected_startups`` and ``startup_rate_industry_adjusted`` only when 08316 and
  07091 share detailed industries (with totals only the ratio would be the plain rate ÷ the
  national rate); the previous year's firms are re-keyed to the year's codes, so mergers are not
  growth.
- ``3.1``: the matrix is re-keyed to ``to_year`` codes in both dimensions first, so flows inside
  today's municipalities (Klæbu → Trondheim before 2020) are not commuting; a region's centre is
  its most populous municipality; Norway has no centre (``employed_residents`` only). The six
  comparator city regions (:data:`COMMUTING_IDS`) are built each year by the same 10 % rule.
- ``3.2``: ranks and percentiles are positions among the municipalities that reported in the
  year, in that year's codes — for an unchanged municipality the same as
  :func:`trsplan.indicators.casework.rank_shortest`.
- ``4``: every Enhetsregisteret extract of the snapshot, counted by
  :func:`trsplan.indicators.tech_extracts.count_extracts`: companies at their business address,
  employees at their underenheter' locations; a year with its own extract is measured, earlier
  years come from the nearest later extract and are marked ``estimate = "estimate (survivors
  only)"``. In the demo the extract holds only 21 municipalities, so Norway's count is theirs.
- ``5``: OLS across all municipalities per :data:`ATTRACTIVENESS_PERIOD`-year period ending in
  the year; municipalities in ``to_year`` codes (periods span mergers), regions from their sums.

:func:`store_indicator` gives the store id a targets.yaml id is judged on (the catalogue's
``alias_of``, ``evaluated_as`` and ``per_industry``).

Timing (demo snapshot 2026-11-01-demo, 2 CPUs): the whole store (≈ 560,000 rows) in 6-8 s, of
which the population rows take about 1.5 s and each theme 0.1-1.5 s (target: < 30 s);
``tests/bench_compute.py`` measures it and prints the breakdown per theme.

**Size.** Over 500 lines for now: one function per goal over a shared context, edited in parallel
by the indicator-catalogue work (issue 9, items 2-3), which turns the per-goal tables here into
data; split it once that lands (e.g. one module per goal group).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from trsplan import geography, regioncodes
from trsplan.evaluation.targets import load_targets
from trsplan.indicators import (
    attractiveness,
    business,
    casework,
    catalogue,
    commuting,
    economy,
    immigration,
    industry,
    inputs,
    membership,
    population,
    tech_extracts,
    technology,
)
from trsplan.indicators.industry import aggregate_members
from trsplan.indicators.store import STORE_COLUMNS, conform, long_format
from trsplan.snapshot.store import Snapshot

log = logging.getLogger(__name__)

NORWAY = "norge"

#: Years per attractiveness period (Telemarksforsking publishes 3-year periods).
ATTRACTIVENESS_PERIOD = 3
#: 13470's code for an unknown industry: counted in the totals, given no LQ.
UNKNOWN_INDUSTRY = "00"


def population_target_per_year() -> tuple[float, int]:
    """Goal 5.1's annual target and baseline year, from the targets file."""
    for target in load_targets().targets_for("population_change"):
        if (target.direction, target.basis, target.deadline) == ("at_least", "level", None):
            return float(target.value), int(target.baseline_year or 2010)
    raise LookupError("data/targets.yaml has no annual at_least target for population_change")


def data_years(snapshot: Snapshot) -> list[int]:
    """Years with population figures in the snapshot (07459)."""
    years = snapshot.read_table("07459")["Tid"].astype("int64")
    return sorted(set(years.tolist()))


def store_indicator(target_indicator: str) -> str:
    """The store's indicator id (or per-industry prefix ending in ":") for a targets.yaml id."""
    return catalogue.store_id(target_indicator)


def compute_store(
    snapshot: Snapshot, to_year: int | None = None, region_ids: list[str] | None = None
) -> pd.DataFrame:
    """Every indicator for every municipality, region and Norway, all years (module docstring).

    Municipal rows are re-keyed to the code vintage of ``to_year`` (default: the latest year);
    regional rows are weighted sums of each year's own codes.
    """
    muni = population.municipal_frame(
        snapshot.read_table("07459"), snapshot.read_table("06913"), _optional(snapshot, "01223")
    )
    years = sorted(set(muni["year"].tolist()))
    to_year = to_year or years[-1]
    synthetic = inputs.synthetic(snapshot, ["07459", "06913", "01223"])
    region_ids = region_ids or geography.region_ids()
    if NORWAY not in region_ids:
        region_ids = [*region_ids, NORWAY]

    functional = functional_members(snapshot, years, to_year)
    members = pd.concat(
        [population.membership(region_ids, years), _in_year_codes(functional, years, to_year)],
        ignore_index=True,
    )
    regions = population.derive(population.aggregate(muni, members, population.ADDITIVE))
    norway_pop = regions.loc[regions["geo_code"] == NORWAY, ["year", "population"]]
    norway_pop = norway_pop.rename(columns={"population": "norway_population"})

    municipal = geography.harmonise(
        muni, to_year, code_col="code", year_col="year", value_cols=population.ADDITIVE
    )
    municipal = population.derive(municipal).rename(columns={"code": "geo_code"})

    target, baseline = population_target_per_year()
    frames = []
    for level, wide in (
        ("municipality", municipal),
        ("region", population.goal_5_1(regions[regions["geo_code"] != NORWAY], target, baseline)),
        ("country", regions[regions["geo_code"] == NORWAY]),
    ):
        wide = wide.merge(norway_pop, on="year", how="left")
        wide["population_share_norway"] = wide["population"] / wide["norway_population"] * 100
        wide["geo_name"] = _names(wide["geo_code"], level, to_year)
        if level == "region":  # the commuting-rule comparators are ranked on growth only
            goal_5_1 = set(catalogue.measures("population", "region")) - set(
                catalogue.measures("population", "municipality")
            )
            wide = wide.assign(
                **{
                    c: wide[c].where(~wide["geo_code"].isin(COMMUTING_IDS))
                    for c in goal_5_1
                    if c in wide.columns
                }
            )
        frames.append(
            long_format(
                wide,
                catalogue.measures("population", level),
                geo_level=level,
                source_tables=catalogue.source_tables("population"),
                synthetic=synthetic,
                code_vintage=to_year,
            )
        )
    frames = [_row_provenance(snapshot, f, synthetic) for f in frames]

    ctx = _Context(
        snapshot=snapshot,
        to_year=to_year,
        years=years,
        region_ids=list(region_ids),
        muni=muni,
        municipal=municipal,
        regions=regions,
        members=pd.concat(
            [membership.municipal_members(years, to_year), members], ignore_index=True
        ),
        functional=functional,
    )
    for theme in THEMES:
        frames.extend(theme(ctx))
    store = pd.concat(frames, ignore_index=True)
    store.attrs["set_aside"] = _set_aside(ctx, muni)
    return store


def _set_aside(ctx: _Context, muni: pd.DataFrame) -> dict[str, dict[str, object]]:
    """Rows of non-municipal codes the readers set aside, per table and column (provenance)."""
    notes = inputs.set_aside(muni) + ctx.set_aside
    merged = regioncodes.merge_summaries([n for n in notes if n.get("rows")])
    total = sum(int(n["rows"]) for n in merged.values())
    if total:
        log.info(
            "store: %d rows of other region codes set aside in %d table(s)", total, len(merged)
        )
    return merged


def _row_provenance(snapshot: Snapshot, rows: pd.DataFrame, fallback: bool) -> pd.DataFrame:
    """Each row synthetic only when a file its ``source_tables`` names is synthetic."""
    flags = {
        s: inputs.synthetic_sources(snapshot, s, fallback)
        for s in rows["source_tables"].dropna().unique()
    }
    rows["synthetic"] = rows["source_tables"].map(flags).fillna(fallback).astype("bool")
    return rows


def _optional(snapshot: Snapshot, table_id: str) -> pd.DataFrame | None:
    """A table the indicators can do without (their columns then stay missing)."""
    if any(p.table_id == table_id for p in snapshot.files()):
        return snapshot.read_table(table_id)
    return None


def _names(codes: pd.Series, level: str, year: int) -> pd.Series:
    unique = codes.unique()
    if level == "municipality":
        lookup = {c: geography.name(c, year) for c in unique}
    else:
        lookup = {c: region_label(c) for c in unique}
    return codes.map(lookup)


#: The comparator city regions built by the commuting rule (regions.yaml ``commuting_regions``).
COMMUTING_REGIONS, COMMUTING_THRESHOLD = commuting.load_commuting_regions()
COMMUTING_IDS: tuple[str, ...] = tuple(r.id for r in COMMUTING_REGIONS)


def region_label(code: str, lang: str = "nb") -> str:
    """The label of a region of regions.yaml or of a commuting-rule comparator."""
    for r in COMMUTING_REGIONS:
        if r.id == code:
            return r.label_nb if lang == "nb" else r.label_en
    info = geography.region_info(code)
    return str(info["label_nb"] if lang == "nb" else info["label_en"])


def functional_members(snapshot: Snapshot, years: Sequence[int], to_year: int) -> pd.DataFrame:
    """``geo_code, year, code, weight`` of the commuting-rule comparators in ``to_year`` codes
    (empty without 03321): the rule of goal 3.1 on the matrix re-keyed to ``to_year`` codes, the
    denominators the employed residents of 08536 where the snapshot has it."""
    t03321 = inputs.table(snapshot, "03321")
    if t03321 is None or not COMMUTING_REGIONS:
        return pd.DataFrame(columns=["geo_code", "year", "code", "weight"])
    keyed = _keyed_matrix(inputs.commuting_matrix(t03321), to_year)
    totals = None
    t08536 = inputs.table(snapshot, "08536")
    if t08536 is not None:
        employed = inputs.employment_totals(t08536)[["code", "year", "employed_residents"]]
        totals = _aggregate(
            employed, membership.municipal_members(list(years), to_year), ["employed_residents"]
        )
    return commuting.commuting_region_members(
        keyed, COMMUTING_REGIONS, COMMUTING_THRESHOLD, totals, years
    )


def _keyed_matrix(matrix: pd.DataFrame, to_year: int) -> pd.DataFrame:
    """The 03321 matrix in ``to_year`` codes in both dimensions."""
    keyed = geography.harmonise(
        matrix, to_year, code_col="residence", year_col="year", value_cols=["employed"]
    )
    keyed = geography.harmonise(
        keyed, to_year, code_col="workplace", year_col="year", value_cols=["employed"]
    )
    return keyed.astype({"residence": "string", "workplace": "string"})


def _in_year_codes(functional: pd.DataFrame, years: Sequence[int], to_year: int) -> pd.DataFrame:
    """Members in ``to_year`` codes → the codes of each year that make them up (weighted)."""
    if functional.empty:
        return functional
    parts = membership.municipal_members(list(years), to_year).rename(
        columns={"geo_code": "_today", "weight": "_w"}
    )
    joined = functional.rename(columns={"code": "_today"}).merge(
        parts, on=["_today", "year"], how="inner"
    )
    joined["weight"] = joined["weight"] * joined["_w"]
    return joined[["geo_code", "year", "code", "weight"]].astype(
        {"geo_code": "string", "code": "string", "year": "int64", "weight": "float64"}
    )


# --- The shared context and row builders ------------------------------------------------------


@dataclass
class _Context:
    """What every theme needs: the snapshot, the years, the population and the member frames."""

    snapshot: Snapshot
    to_year: int
    years: list[int]
    region_ids: list[str]
    muni: pd.DataFrame  # population frame in each year's codes (code, year, population, flows)
    municipal: pd.DataFrame  # the same in to_year codes, derived (geo_code, …)
    regions: pd.DataFrame  # regional and national sums (geo_code, …)
    members: pd.DataFrame  # municipal (→ to_year) + regional members, each year's codes
    set_aside: list[dict[str, object]] = field(default_factory=list)  # readers' summaries
    functional: pd.DataFrame = field(default_factory=pd.DataFrame)  # commuting rule, to_year
    _vintage: dict[int, pd.DataFrame] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)

    def vintage_members(self, vintage: int) -> pd.DataFrame:
        """Members for a table on the codes of ``vintage`` (cached)."""
        if vintage not in self._vintage:
            frame = membership.vintage_members(self.region_ids, self.years, vintage, self.to_year)
            if vintage == self.to_year and not self.functional.empty:
                frame = pd.concat([frame, self.functional], ignore_index=True)
            self._vintage[vintage] = frame
        return self._vintage[vintage]

    def note(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Keep the reader's set-aside summaries (``attrs["set_aside"]``) for the store."""
        self.set_aside.extend(inputs.set_aside(frame))
        return frame

    @property
    def region_set(self) -> set[str]:
        return set(self.region_ids) | set(COMMUTING_IDS)

    def population(self) -> pd.DataFrame:
        """``geo_code, year, population`` of every geography (municipalities in to_year codes)."""
        cols = ["geo_code", "year", "population"]
        return pd.concat([self.municipal[cols], self.regions[cols]], ignore_index=True)

    def levels(self, codes: pd.Series) -> pd.Series:
        level = np.where(
            codes == NORWAY, "country", np.where(codes.isin(self.region_set), "region", "")
        )
        return pd.Series(level, index=codes.index).replace("", "municipality")

    def names(self, codes: pd.Series) -> pd.Series:
        for code in pd.unique(codes):
            if code not in self._names:
                self._names[code] = (
                    region_label(code)
                    if code in self.region_set
                    else geography.name(code, self.to_year)
                )
        return codes.map(self._names)


def _emit(
    ctx: _Context,
    wide: pd.DataFrame,
    producer: str,
    synthetic: bool,
    *,
    tables: Sequence[str] | None = None,
    bounds: dict[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Store rows from a wide frame (``geo_code, year`` + indicator columns) of a theme.

    Goal, unit, source tables and levels come from the catalogue entries ``producer`` computes,
    keyed by the id before any ":" (``location_quotient:58-63`` takes ``location_quotient``'s);
    ``tables`` (the tables the run actually used) replaces the catalogue's sources. ``bounds``
    names each indicator's lower and upper columns. Rows without a value, and rows of a level the
    catalogue does not compute the indicator for, are dropped.
    ``synthetic`` per row comes from the files its sources name
    (:func:`trsplan.indicators.inputs.synthetic_sources`); ``synthetic`` is the flag of rows whose
    sources name no file of the snapshot.
    """
    measures = catalogue.measures(producer)
    cols = [c for c in wide.columns if c.split(":", 1)[0] in measures and c != "geo_code"]
    cols = [c for c in cols if c not in ("year",)]
    if wide.empty or not cols:
        return conform(pd.DataFrame(columns=STORE_COLUMNS))
    wide = wide.assign(
        geo_code=wide["geo_code"].astype("string"), year=wide["year"].astype("int64")
    )
    base = {c: c.split(":", 1)[0] for c in cols}
    sources = catalogue.source_tables(producer)
    if tables is not None:
        sources = dict.fromkeys(sources, ";".join(tables))
    levels = catalogue.levels(producer)
    rows = wide.melt(
        id_vars=["geo_code", "year"], value_vars=cols, var_name="indicator_id", value_name="value"
    )
    rows["value"] = rows["value"].astype("float64")
    rows["lower"] = np.nan
    rows["upper"] = np.nan
    for indicator, (low, high) in (bounds or {}).items():
        if indicator not in cols or low not in wide.columns or high not in wide.columns:
            continue
        at = rows["indicator_id"] == indicator
        keyed = wide.set_index(["geo_code", "year"])
        index = pd.MultiIndex.from_frame(rows.loc[at, ["geo_code", "year"]])
        rows.loc[at, "lower"] = keyed[low].reindex(index).to_numpy(dtype="float64")
        rows.loc[at, "upper"] = keyed[high].reindex(index).to_numpy(dtype="float64")
    rows = rows[rows["value"].notna()]
    rows["geo_level"] = ctx.levels(rows["geo_code"])
    for c in (c for c in cols if levels[base[c]] != catalogue.GEO_LEVELS):
        drop = (rows["indicator_id"] == c) & ~rows["geo_level"].isin(list(levels[base[c]]))
        rows = rows[~drop]
    rows["geo_name"] = ctx.names(rows["geo_code"])
    rows["goal_id"] = rows["indicator_id"].map({c: measures[b][0] for c, b in base.items()})
    rows["unit"] = rows["indicator_id"].map({c: measures[b][1] for c, b in base.items()})
    rows["source_tables"] = rows["indicator_id"].map({c: sources[b] for c, b in base.items()})
    rows["code_vintage"] = ctx.to_year
    return conform(_row_provenance(ctx.snapshot, rows, synthetic))


def _aggregate(
    frame: pd.DataFrame, members: pd.DataFrame, columns: Sequence[str], keys: Sequence[str] = ()
) -> pd.DataFrame:
    """Strict weighted sums (a missing member or cell gives NaN) over every geography."""
    return aggregate_members(frame, members, list(columns), keys=keys)


def _strict_total(frame: pd.DataFrame, keys: list[str], column: str) -> pd.DataFrame:
    """Sum of ``column`` over the other keys (e.g. industries), NaN when any part is NaN."""
    grouped = frame.groupby(keys, sort=True)[column]
    total = grouped.sum().mask(frame[column].isna().groupby([frame[k] for k in keys]).any())
    return total.reset_index()


def _wide(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Outer-join frames keyed by ``geo_code, year``."""
    parts = [p.astype({"geo_code": "string", "year": "int64"}) for p in parts if p is not None]
    if not parts:
        return pd.DataFrame(columns=["geo_code", "year"])
    out = parts[0]
    for part in parts[1:]:
        out = out.merge(part, on=["geo_code", "year"], how="outer")
    return out


# --- Goal H: GDP share ÷ population share --------------------------------------------------------


def _goal_h(ctx: _Context) -> list[pd.DataFrame]:
    t11713 = inputs.table(ctx.snapshot, "11713")
    if t11713 is None:
        return []
    accounts = ctx.note(inputs.county_accounts(t11713))
    county_va = accounts[["county", "year", "industry", "value_added"]]
    tables = ["11713", "07459"]
    methods: dict[str, tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]] = {}
    t_wage = inputs.table(ctx.snapshot, inputs.WAGE_TABLE)
    if t_wage is not None:
        methods["wage_bill"] = (ctx.note(inputs.wage_bill(t_wage)), None, ctx.members)
        tables.append(inputs.WAGE_TABLE)
    t13470 = inputs.table(ctx.snapshot, "13470")
    if t13470 is not None:
        jobs = ctx.note(inputs.employment_by_industry(t13470))
        vintage = jobs.attrs["vintage"]
        counties = membership.county_of_codes(
            jobs["code"].unique(), sorted(jobs["year"].unique()), vintage, ctx.muni
        )
        methods["employment"] = (jobs, counties, ctx.vintage_members(vintage))
        tables.append("13470")
    if not methods:
        return []
    totals = []
    for method, (base, counties, members) in methods.items():
        va = economy.apportion_value_added(county_va, base, counties, method)
        by_geo = _aggregate(
            va[["code", "year", "industry", "value_added"]], members, ["value_added"], ("industry",)
        )
        total = economy.total_value_added(by_geo).set_index(["geo_code", "year"])
        totals.append(
            total[["value_added"]].rename(columns={"value_added": f"value_added_{method}"})
        )
    regional = pd.concat(totals, axis=1).reset_index()
    population_mean = economy.mean_population(ctx.population())
    regional = regional.merge(population_mean, on=["geo_code", "year"], how="left")
    norway = population_mean.loc[population_mean["geo_code"] == NORWAY, ["year", "population"]]
    accounts_national = inputs.national_accounts(t11713).merge(norway, on="year", how="left")
    # the status uses mainland Norway (the sum of the counties the region's share comes from);
    # Norway in total (with the shelf and the extra-regional part) is shown beside it
    mainland = accounts_national.rename(columns={"value_added_mainland": "value_added"})
    out = economy.goal_h(economy.gdp_share_ratio(regional, mainland))
    total = accounts_national.rename(columns={"value_added_norway": "value_added"})
    if total["value_added"].notna().any():
        whole = economy.gdp_share_ratio(regional, total)
        keep = whole[["geo_code", "year", "gdp_share_ratio", "gdp_share"]].rename(
            columns={
                "gdp_share_ratio": "gdp_share_ratio_norway_total",
                "gdp_share": "gdp_share_norway_total",
            }
        )
        out = out.merge(keep, on=["geo_code", "year"], how="left")
    bounds = {
        "gdp_share_ratio": ("gdp_share_ratio_lower", "gdp_share_ratio_upper"),
        "gdp_share": ("gdp_share_lower", "gdp_share_upper"),
    }
    synthetic = inputs.synthetic(ctx.snapshot, tables)
    return [_emit(ctx, out, "economy", synthetic, tables=tables, bounds=bounds)]


# --- Goal 1.5: location quotients, cluster candidates, shift-share -------------------------------


def _goal_1_5(ctx: _Context) -> list[pd.DataFrame]:
    t13470 = inputs.table(ctx.snapshot, "13470")
    if t13470 is None:
        return []
    jobs = ctx.note(inputs.employment_by_industry(t13470))
    members = ctx.vintage_members(jobs.attrs["vintage"])
    by_geo = _aggregate(jobs, members, ["employment"], ("industry",))
    lq = industry.cluster_candidates(industry.location_quotients(by_geo, reference_geo=NORWAY))
    lq = lq[lq["industry"] != UNKNOWN_INDUSTRY]
    candidates = lq.groupby(["geo_code", "year"], sort=True)["cluster_candidate"]
    counts = candidates.sum(min_count=1).rename("cluster_candidates").reset_index()
    total = _strict_total(by_geo, ["geo_code", "year"], "employment")

    years = sorted(by_geo["year"].unique())
    shifts = [
        industry.shift_share(by_geo, years[0], int(end), reference_geo=NORWAY) for end in years[1:]
    ]
    parts = [total, counts]
    clusters = _cluster_growth(by_geo, lq)
    if clusters is not None:
        parts.append(clusters)
    if shifts:
        shift = pd.concat(shifts, ignore_index=True)
        cols = ["employment_change", *industry.SHIFT_SHARE_COLUMNS]
        summed = shift.groupby(["geo_code", "year"], sort=True)[cols].sum()
        summed = summed.mask(shift[cols].isna().groupby([shift["geo_code"], shift["year"]]).any())
        parts.append(summed.reset_index())

    per_industry = [
        by_geo.assign(indicator_id="employment:" + by_geo["industry"], value=by_geo["employment"]),
        lq.assign(
            indicator_id="location_quotient:" + lq["industry"], value=lq["location_quotient"]
        ),
        lq.assign(
            indicator_id="cluster_candidate:" + lq["industry"], value=lq["cluster_candidate"]
        ),
    ]
    long = pd.concat([p[["geo_code", "year", "indicator_id", "value"]] for p in per_industry])
    wide_ind = long.pivot_table(
        index=["geo_code", "year"], columns="indicator_id", values="value", aggfunc="first"
    )
    wide_ind.columns.name = None
    wide = _wide([*parts, wide_ind.reset_index()])
    synthetic = inputs.synthetic(ctx.snapshot, ["13470"])
    return [_emit(ctx, wide, "industry", synthetic)]


def _cluster_growth(by_geo: pd.DataFrame, lq: pd.DataFrame) -> pd.DataFrame | None:
    """Goal 1.5's target series: the clusters' regional shift since each geography's first year
    with employment (2015 for most; 2020 for the membership region, whose territory 13470's
    codes express only from then), clusters fixed in that year."""
    known = by_geo.dropna(subset=["employment"])
    first = known.groupby("geo_code", sort=True)["year"].min()
    out = []
    for base in sorted(set(first.tolist())):
        geos = [*first.index[first == base], NORWAY]
        part = by_geo[by_geo["geo_code"].isin(geos)]
        clusters = industry.base_year_clusters(lq[lq["geo_code"].isin(geos)], int(base))
        ends = sorted(y for y in part["year"].unique() if y > base)
        out.extend(
            industry.cluster_regional_shift(part, clusters, int(base), int(end)) for end in ends
        )
    return pd.concat(out, ignore_index=True) if out else None


# --- Goals 3, 3.4 and 1: business starts ---------------------------------------------------------


def _firms_with_previous(firms: pd.DataFrame) -> pd.DataFrame:
    """``code, year, firms, firms_previous``: the previous year's count in the year's codes."""
    years = sorted(firms["year"].unique())
    previous = []
    for year in years[1:]:
        before = firms[firms["year"] == year - 1]
        if before.empty:
            continue
        moved = geography.harmonise(
            before, int(year), code_col="code", year_col="year", value_cols=["firms"]
        )
        previous.append(moved.assign(year=int(year)).rename(columns={"firms": "firms_previous"}))
    if not previous:
        return firms.assign(firms_previous=np.nan)
    prev = pd.concat(previous, ignore_index=True).astype({"code": "string", "year": "int64"})
    return firms.merge(prev, on=["code", "year"], how="left")


def _goals_3(ctx: _Context) -> list[pd.DataFrame]:
    t08316 = inputs.table(ctx.snapshot, "08316")
    t07091 = inputs.table(ctx.snapshot, "07091")
    if t08316 is None and t07091 is None:
        return []
    new = ctx.note(inputs.new_enterprises(t08316)) if t08316 is not None else None
    firms = ctx.note(inputs.establishments(t07091)) if t07091 is not None else None
    pop = ctx.muni[["code", "year", "population"]].astype({"code": "string"})
    parts = []
    if new is not None:
        total = _strict_total(new, ["code", "year"], "new_enterprises")
        total = total.merge(pop, on=["code", "year"], how="left")
        sums = _aggregate(total, ctx.members, ["new_enterprises", "population"])
        parts.append(
            business.new_enterprises_per_1000(sums)[
                ["geo_code", "year", "new_enterprises", "new_enterprises_per_1000"]
            ]
        )
    if new is not None and firms is not None:
        cells = inputs.startup_cells(new, firms).rename(columns={"code": "geo_code"})
        adjusted = business.industry_adjusted_startups(cells)
        cols = ["new_enterprises", "expected_startups", "firms"]
        sums = _aggregate(adjusted.rename(columns={"geo_code": "code"}), ctx.members, cols)
        rates = business.startup_rates(sums)
        keep = ["geo_code", "year", "startup_rate"]
        # with the all-industries totals only, "expected" starts are the national rate times the
        # stock: the "adjusted" rate would be the plain rate ÷ the national rate, not an
        # industry adjustment, so it is computed only from detailed industries
        if set(cells["industry"]) - {inputs.TOTAL}:
            keep += ["expected_startups", "startup_rate_industry_adjusted"]
        parts.append(rates[keep])
    if firms is not None:
        stock = _firms_with_previous(_strict_total(firms, ["code", "year"], "firms"))
        sums = _aggregate(stock, ctx.members, ["firms", "firms_previous"])
        sums["net_firm_growth"] = sums["firms"] - sums["firms_previous"]
        prev = sums["firms_previous"]
        sums["net_firm_growth_pct"] = sums["net_firm_growth"] / prev.where(prev > 0) * 100
        parts.append(sums[["geo_code", "year", "firms", "net_firm_growth", "net_firm_growth_pct"]])
    wide = _wide(parts)
    definition = business.load_index_definition()
    components = [c.column for c in definition.components]
    if set(components) <= set(wide.columns):
        level = ctx.levels(wide["geo_code"])
        index = business.business_index(
            wide[level == "municipality"], wide[level != "municipality"], definition
        )
        wide = wide.merge(
            index[["geo_code", "year", definition.id]].astype({"geo_code": "string"}),
            on=["geo_code", "year"],
            how="left",
        ).rename(columns={definition.id: "business_index"})
    tables = [t for t, f in (("08316", new), ("07091", firms)) if f is not None] + ["07459"]
    synthetic = inputs.synthetic(ctx.snapshot, tables)
    return [_emit(ctx, wide, "business", synthetic)]


# --- Goal 3.1: commuting ---------------------------------------------------------------------

TRONDHEIM_REGIONS = ("trondheimsregionen", "trondheimsregionen-2020")


def centres(ctx: _Context) -> dict[str, str]:
    """Each region's centre: its most populous whole member in ``to_year`` codes (Norway: none)."""
    pop = ctx.municipal[["geo_code", "year", "population"]].dropna()
    latest = pop[pop["year"] == pop["year"].max()].set_index("geo_code")["population"]
    out = {}
    for region in ctx.region_ids:
        if region == NORWAY:
            continue
        whole = [c for c, w in geography.member_weights(region, ctx.to_year).items() if w == 1]
        sized = latest.reindex(whole).dropna()
        if len(sized):
            out[region] = str(sized.idxmax())
    return out


def _goal_3_1(ctx: _Context) -> list[pd.DataFrame]:
    t03321 = inputs.table(ctx.snapshot, "03321")
    t08536 = inputs.table(ctx.snapshot, "08536")
    parts = []
    tables = []
    totals = None
    if t08536 is not None:
        employed = ctx.note(inputs.employment_totals(t08536))[
            ["code", "year", "employed_residents"]
        ]
        sums = _aggregate(employed, ctx.members, ["employed_residents"])
        parts.append(sums)
        totals = sums[ctx.levels(sums["geo_code"]) == "municipality"]
        tables.append("08536")
    if t03321 is not None:
        tables = ["03321", *tables, "07459"]
        parts.extend(_commuting(ctx, ctx.note(inputs.commuting_matrix(t03321)), totals))
    if not parts:
        return []
    synthetic = inputs.synthetic(ctx.snapshot, tables)
    return [_emit(ctx, _wide(parts), "commuting", synthetic, tables=tables)]


def _commuting(
    ctx: _Context, matrix: pd.DataFrame, totals: pd.DataFrame | None
) -> list[pd.DataFrame]:
    """Municipal and regional commuting figures from the matrix re-keyed to ``to_year`` codes."""
    keyed = _keyed_matrix(matrix, ctx.to_year)
    by_centre = centres(ctx)
    centre_list = list(dict.fromkeys(c for c in by_centre.values() if c in set(keyed["workplace"])))
    inc = commuting.in_commuters(keyed, sorted(keyed["workplace"].unique()))
    trondheim = next((by_centre[r] for r in TRONDHEIM_REGIONS if r in by_centre), "5001")
    shares = commuting.share_working_in_centre(keyed, centre_list, totals)
    mine = shares[shares["centre"] == trondheim]
    functional = commuting.comparator_regions(keyed, centre_list, totals=totals)
    size = commuting.region_size(functional)
    pop = ctx.municipal[["geo_code", "year", "population"]].rename(columns={"geo_code": "code"})
    fpop = _aggregate(pop, functional[["geo_code", "year", "code", "weight"]], ["population"])
    fr = size.merge(fpop, on=["geo_code", "year"], how="left").rename(
        columns={"population": "commuting_region_population"}
    )
    in_trondheim = functional.loc[functional["centre"] == trondheim, ["code", "year"]]
    flag = mine.merge(
        in_trondheim.rename(columns={"code": "geo_code"}).assign(_in=True),
        on=["geo_code", "year"],
        how="left",
    )
    member = flag["_in"].eq(True)
    municipal = pd.DataFrame(
        {
            "geo_code": flag["geo_code"],
            "year": flag["year"],
            "share_working_in_trondheim": flag["share_working_in_centre"],
            "employed_in_trondheim": flag["employed_in_centre"],
            "commuting_region_member": member.astype("float64").where(
                member | flag["share_working_in_centre"].notna()
            ),
        }
    )
    out = [_wide([inc, municipal])]
    members = ctx.vintage_members(ctx.to_year)
    for region, centre in by_centre.items():
        if centre not in centre_list:
            continue
        own = members[members["geo_code"] == region]
        share = commuting.regional_share_working_in_centre(shares, own, centre)
        frame = share[["geo_code", "year", "employed_in_centre", "share_working_in_centre"]]
        centre_inc = inc[inc["geo_code"] == centre].assign(geo_code=region)
        centre_fr = fr[fr["geo_code"] == f"commuting_{centre}"].assign(geo_code=region)
        out.append(_wide([frame, centre_inc, centre_fr]))
    return [pd.concat(out, ignore_index=True)]


# --- Goal 3.2: building and zoning case times -----------------------------------------------------


def _position(
    values: pd.Series, years: pd.Series, reference: pd.DataFrame, column: str
) -> tuple[pd.Series, pd.Series]:
    """(rank, percentile) of each value among the reporters of its year in ``reference``."""
    rank = pd.Series(np.nan, index=values.index, dtype="float64")
    pct = pd.Series(np.nan, index=values.index, dtype="float64")
    ref_years = reference["year"].to_numpy()
    ref_values = reference[column].to_numpy(dtype="float64")
    for year in pd.unique(years):
        ref = np.sort(ref_values[(ref_years == year) & ~np.isnan(ref_values)])
        at = (years == year) & values.notna()
        if not ref.size or not at.any():
            continue
        x = values[at].to_numpy(dtype="float64")
        below = np.searchsorted(ref, x - 1e-9 * np.maximum(1.0, np.abs(x)), side="left")
        rank[at] = below + 1.0
        n = ref.size
        pct[at] = np.minimum(below / (n - 1) * 100, 100.0) if n > 1 else 0.0
    return rank, pct


def _goal_3_2(ctx: _Context) -> list[pd.DataFrame]:
    t14304 = inputs.table(ctx.snapshot, "14304")
    if t14304 is None:
        return []
    cases = ctx.note(inputs.casework(t14304))
    members = ctx.members[ctx.members["year"].isin(set(cases["year"]))]
    out = casework.regional_case_days(cases.rename(columns={"code": "geo_code"}), members)
    out = out.astype({"geo_code": "string", "year": "int64"})
    # a municipality that is one code of its year keeps that code's own figures
    single = members.groupby(["geo_code", "year"]).agg(n=("code", "size"), w=("weight", "first"))
    single = single[(single["n"] == 1) & (single["w"] == 1.0)].reset_index()
    single = single.merge(members[["geo_code", "year", "code"]], on=["geo_code", "year"])
    own = single.merge(cases, on=["code", "year"], how="inner").drop(columns=["n", "w", "code"])
    own = own.set_index(["geo_code", "year"])
    keyed = out.set_index(["geo_code", "year"])
    value_cols = [c for c in inputs.columns("14304").values() if c in keyed.columns]
    keyed.update(own[value_cols])
    out = keyed.reset_index()
    level = ctx.levels(out["geo_code"])
    for column, (_, prefix) in casework.CASE_MEASURES.items():
        if column not in out.columns:
            continue
        rank, pct = _position(out[column], out["year"], cases, column)
        out[f"{prefix}_rank"] = rank
        out[f"{prefix}_percentile"] = pct
        out[f"{prefix}_top_quartile"] = (
            (pct <= casework.TOP_QUARTILE).astype("float64").where(pct.notna())
        )
        reported = out[column].notna().astype("float64")
        out[f"{prefix}_reported"] = reported.where(level == "municipality")
        col = f"{prefix}_members_reported"
        if col in out.columns:
            out[col] = out[col].where(level != "municipality")
    synthetic = inputs.synthetic(ctx.snapshot, ["14304"])
    return [_emit(ctx, out, "casework", synthetic)]


# --- Goal 4: technology companies ----------------------------------------------------------------


def _goal_4(ctx: _Context) -> list[pd.DataFrame]:
    extracts = inputs.brreg_extracts(ctx.snapshot)
    if not extracts:
        return []
    definition = technology.tech_definition()
    last = max(e.year for e in extracts)
    own = {e.year for e in extracts}
    years = sorted({y for y in ctx.years if y <= last} | (own & set(ctx.years)) or {last})
    result = tech_extracts.count_extracts(
        extracts, years, definition, municipalities=geography.valid_codes
    )
    counts = result.counts
    ctx.set_aside.extend(
        {
            "table": f"brreg:enheter {taken}",
            "column": "forretningsadresse.kommunenummer",
            "rows": n,
            "by_kind": {"missing or not a municipality": n},
            "codes": [],
            "national_only": None,
        }
        for taken, n in result.set_aside.items()
        if n
    )
    columns = [c for c in technology.COUNT_COLUMNS if c in counts.columns]
    parts = []
    for taken, part in counts.groupby("extract", sort=True):
        vintage = min(max(int(str(taken)[:4]), geography.first_year()), geography.last_year())
        members = ctx.vintage_members(vintage)
        parts.append(_aggregate(part.rename(columns={"geo_code": "code"}), members, columns))
    out = technology.goal_4(pd.concat(parts, ignore_index=True))
    taken = ", ".join(e.taken for e in extracts)
    tables = [f"brreg:enheter+underenheter ({taken} extracts)", f"tech_nace.yaml:{definition.name}"]
    synthetic = inputs.synthetic(ctx.snapshot, [], sources=["brreg"])
    bounds = {"tech_employees": ("tech_employees_lower", "tech_employees_upper")}
    rows = _emit(ctx, out, "technology", synthetic, tables=tables, bounds=bounds)
    return [_mark_estimates(rows, counts)]


def _mark_estimates(rows: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """``estimate`` from the year's basis; doubling progress is an estimate also when its
    baseline year is."""
    basis = counts.drop_duplicates("year").set_index("year")["basis"]
    estimated = basis[basis != tech_extracts.MEASURED]
    mark = rows["year"].map(estimated).astype("string")
    doubling = rows["indicator_id"].str.endswith("_doubling_progress").fillna(False)
    base = estimated.get(technology.BASELINE_YEAR)
    if base is not None:
        mark = mark.mask(doubling & mark.isna(), base)
    return rows.assign(estimate=mark)


# --- Goal 5: residential attractiveness ----------------------------------------------------------


def _goal_5(ctx: _Context) -> list[pd.DataFrame]:
    t08536 = inputs.table(ctx.snapshot, "08536")
    if t08536 is None:
        return []
    jobs = ctx.note(inputs.employment_totals(t08536))[["code", "year", "jobs"]]
    municipal_members = ctx.members[~ctx.members["geo_code"].isin(ctx.region_set)]
    jobs = _aggregate(jobs, municipal_members, ["jobs"])
    annual = ctx.municipal[["geo_code", "year", "population", "net_migration"]].merge(
        jobs, on=["geo_code", "year"], how="inner"
    )
    periods = attractiveness.rolling_periods(annual, ATTRACTIVENESS_PERIOD)
    fit = attractiveness.fit_attractiveness(periods)
    members = ctx.vintage_members(ctx.to_year)
    members = members[members["geo_code"].isin(ctx.region_set)]
    regional = attractiveness.regional_attractiveness(fit.values, members)
    cols = ["geo_code", "year", *attractiveness.MEASURES]
    wide = pd.concat([fit.values[cols], regional[cols]], ignore_index=True)
    synthetic = inputs.synthetic(ctx.snapshot, ["06913", "07459", "08536"])
    return [_emit(ctx, wide, "attractiveness", synthetic)]


# --- Goal 5.3: immigrants and net immigration ----------------------------------------------------


def _goal_5_3(ctx: _Context) -> list[pd.DataFrame]:
    t09817 = inputs.table(ctx.snapshot, "09817")
    cols = [c for c in ("population", "immigration", "emigration") if c in ctx.muni.columns]
    frame = ctx.muni[["code", "year", *cols]].astype({"code": "string"})
    tables = ["07459", "01223"]
    if t09817 is not None:
        frame = frame.merge(ctx.note(inputs.immigrants(t09817)), on=["code", "year"], how="outer")
        tables.insert(0, "09817")
    columns = [c for c in immigration.ADDITIVE if c in frame.columns]
    if not {"immigrants", "immigration"} & set(columns) or frame[columns].isna().all().all():
        return []
    sums = _aggregate(frame, ctx.members, columns)
    out = immigration.derive(sums)
    synthetic = inputs.synthetic(ctx.snapshot, tables)
    return [_emit(ctx, out, "immigration", synthetic)]


#: The themes computed after the population rows, in this order.
THEMES = (_goal_h, _goal_1_5, _goals_3, _goal_3_1, _goal_3_2, _goal_4, _goal_5, _goal_5_3)
