"""Shape the snapshot's tables into the input frames of the theme modules.

Every reader takes the tidy frame :func:`trsplan.sources.jsonstat.read_jsonstat` returns (one
row per cell: the dimension codes as strings, ``value`` float, ``status``) and returns the
frame a theme function expects, so each can be tested on a hand-made frame; :func:`table`
reads a table from a snapshot (None when the snapshot lacks it).

Rules for municipal tables
- Codes are classified by :mod:`trsplan.regioncodes` (the one place that knows which
  codes are municipalities; "K-5001" → "5001"). Rows of codes that are not municipalities (the
  country "0"/"0000", counties "50"/"F-50", Svalbard "21-22"/"2100"/"2111", the continental shelf
  "23"/"2300", "K-Rest", "9999") are set aside: never an error, never in a municipal or regional
  sum. Each reader logs how many (``logging``, logger ``trsplan.regioncodes``) and
  records the count in ``frame.attrs["set_aside"]`` (see :func:`set_aside`).
- A row is kept only when its code is valid on 1 January of the row's year (the year's code
  vintage). StatBank fills the cells of codes outside their validity with ``null`` and status
  ``"."`` or ``".."``: those rows are dropped, never read as 0 (a dropped row that holds a
  number is logged as a warning).
- Missing cells of valid codes (``".."`` not available, ``":"`` confidential, ``"."`` not
  applicable) stay NaN.
- A table published on *one* set of codes for every year (13470's ``agg_KommSummer`` series
  follow today's borders) is kept whole in that code vintage: :func:`table_vintage` finds it
  (the latest year in which every code is valid) and the frame's ``attrs["vintage"]`` says it.

Member frames (which municipality codes make up each geography) are
:mod:`trsplan.indicators.membership`'s.
"""

from __future__ import annotations

import gzip
import logging
import re
import tempfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path

import pandas as pd

from trsplan import geography, regioncodes
from trsplan.errors import SnapshotError, TrsplanError
from trsplan.indicators.catalogue import table_columns as columns
from trsplan.indicators.tech_extracts import Extract
from trsplan.snapshot.store import Snapshot

log = logging.getLogger(__name__)

# Each table's ContentsCode -> column map is the ``columns:`` of its entry in the table
# catalogue (trsplan/data/catalogue/statbank_tables.yaml, :func:`columns`). 14304's codes are
# the demo's (KOSTRA style, ASSUMED until a real payload is seen; see trsplan/demo/public.py);
# 11713's columns are in NOK million, employment in 1,000s.
TOTAL_INDUSTRIES = ("00-99", "01-99")  # the all-industries codes of 08316 / 07091 / 11713
TOTAL = "total"
#: The municipal wage bill by place of work: a PLACEHOLDER table id (no real StatBank table was
#: identified; see trsplan/demo_public.py), ContentsCode "Lonnssum" (NOK million).
WAGE_TABLE = "99901"
#: Table ids that are not StatBank tables (invented for the demo): never shown as an SSB table.
PLACEHOLDER_TABLES = frozenset({WAGE_TABLE})


# --- Reading ----------------------------------------------------------------------------------


def table(snapshot: Snapshot, table_id: str) -> pd.DataFrame | None:
    """The tidy frame of an SSB table in the snapshot, or None when the snapshot lacks it."""
    if not any(p.source == "ssb" and p.table_id == table_id for p in snapshot.files()):
        return None
    return snapshot.read_table(table_id)


def synthetic(snapshot: Snapshot, table_ids: Iterable[str], sources: Iterable[str] = ()) -> bool:
    """True when any file of these tables (or of these whole sources, e.g. "brreg") is synthetic."""
    wanted, whole = set(table_ids), set(sources)
    files = [
        p
        for p in snapshot.files()
        if p.source in whole or (p.source == "ssb" and p.table_id in wanted)
    ]
    return any(p.synthetic for p in files) if files else snapshot.synthetic


_TABLE_ID = re.compile(r"^\d{5}$")


def synthetic_sources(snapshot: Snapshot, source_tables: str, fallback: bool | None = None) -> bool:
    """True when a file that a store row's ``source_tables`` names is synthetic.

    ``source_tables`` is the store's ``;``-separated list: SSB table ids ("07459"), Brønnøysund
    extracts ("brreg:enheter (2026 extract)") and definition files (never synthetic). A row is
    synthetic only when an input it used is, so real 07459 figures stay real beside demo tables.
    When the list names no file of the snapshot, ``fallback`` (default: the snapshot's flag).
    """
    parts = [p.strip() for p in str(source_tables).split(";") if p.strip()]
    tables = {p for p in parts if _TABLE_ID.match(p)}
    sources = {p.split(":", 1)[0] for p in parts if p.startswith("brreg")}
    files = [
        f
        for f in snapshot.files()
        if f.source in sources or (f.source == "ssb" and f.table_id in tables)
    ]
    if files:
        return any(f.synthetic for f in files)
    return snapshot.synthetic if fallback is None else fallback


# --- Codes ------------------------------------------------------------------------------------


def municipality_codes(codes: pd.Series) -> pd.Series:
    """Plain 4-character codes ("K-5001" → "5001"); NA for codes that are not municipal."""
    kinds = regioncodes.classify_series(codes)
    return kinds["code"].where(kinds["kind"].eq(regioncodes.MUNICIPALITY)).astype("string")


def municipal_rows(
    frame: pd.DataFrame, column: str = "Region", table: str | None = None
) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` is a municipality code (made plain: "K-5001" →
    "5001"); the rest are set aside, logged and counted in ``attrs["set_aside"]``."""
    name = table or str(frame.attrs.get("table_id") or "?")
    kept, summary = regioncodes.split_municipal(frame, column, table=name)
    kept.attrs = {**frame.attrs, "set_aside": [*set_aside(frame), summary]}
    return kept


def set_aside(frame: pd.DataFrame) -> list[dict[str, object]]:
    """The set-aside summaries a reader recorded on ``frame`` (empty when none)."""
    return list(frame.attrs.get("set_aside") or [])


def _noted(out: pd.DataFrame, *sources: pd.DataFrame) -> pd.DataFrame:
    """``out`` with the set-aside summaries of ``sources`` (pivots and merges drop attrs)."""
    out.attrs["set_aside"] = [s for frame in sources for s in set_aside(frame)]
    return out


@cache
def _valid_pairs(years: tuple[int, ...]) -> pd.DataFrame:
    rows = [(c, y) for y in years for c in geography.valid_codes(y)]
    return pd.DataFrame(rows, columns=["code", "year"]).astype({"code": "string", "year": "int64"})


def _known_years(years: pd.Series) -> list[int]:
    first, last = geography.first_year(), geography.last_year()
    return sorted(int(y) for y in years.unique() if first <= int(y) <= last)


def keep_valid(
    frame: pd.DataFrame, code_col: str = "code", year_col: str = "year", vintage: int | None = None
) -> pd.DataFrame:
    """Rows whose code is valid on 1 January of their year (or of ``vintage`` for every row).

    Years outside the municipality code years known from KLASS are dropped as well. Dropped rows
    are the ``.``/``..`` cells of historical codes; one that holds a number is logged.
    """
    years = _known_years(frame[year_col])
    out = frame[frame[year_col].isin(years) & frame[code_col].notna()]
    if vintage is not None:
        out = out[out[code_col].isin(geography.valid_codes(vintage))].reset_index(drop=True)
    else:
        valid = _valid_pairs(tuple(years)).rename(columns={"code": code_col, "year": year_col})
        out = out.merge(valid, on=[code_col, year_col], how="inner")
    regioncodes.warn_dropped_numbers(frame, out, str(frame.attrs.get("table_id") or "?"), code_col)
    out.attrs = dict(frame.attrs)
    return out


def table_vintage(codes: pd.Series, years: Sequence[int]) -> int:
    """The latest year (≤ the table's last year) in which every code is valid: the code vintage
    of a table published on one set of codes (e.g. 13470's ``agg_KommSummer``)."""
    distinct = set(codes.dropna().unique())
    last = min(max(years), geography.last_year())
    for year in range(last, geography.first_year() - 1, -1):
        if distinct <= set(geography.valid_codes(year)):
            return year
    raise TrsplanError(
        f"no year has every code of the table valid ({sorted(distinct)[:5]} …); it is not "
        "published on one code vintage"
    )


def _tidy(
    frame: pd.DataFrame, contents: dict[str, str], dims: dict[str, str], code_col: str = "Region"
) -> pd.DataFrame:
    """``code, year, <dims renamed>, measure, value`` for the wanted ContentsCodes, municipal
    rows only (the set-aside count in ``attrs``)."""
    rows = municipal_rows(frame[frame["ContentsCode"].isin(list(contents))], code_col)
    out = pd.DataFrame(
        {
            "code": rows[code_col].astype("string"),
            "year": rows["Tid"].astype("int64"),
            **{new: rows[old].astype("string") for old, new in dims.items()},
            "measure": rows["ContentsCode"].map(contents).astype("string"),
            "value": rows["value"].astype("float64"),
        }
    )
    out.attrs = dict(rows.attrs)
    return out


def _wide(tidy: pd.DataFrame, keys: list[str], columns: list[str]) -> pd.DataFrame:
    wide = tidy.pivot(index=keys, columns="measure", values="value")
    wide = wide.reindex(columns=columns).reset_index()
    wide.columns.name = None
    return wide


def _industry(codes: pd.Series) -> pd.Series:
    """Industry codes, with the all-industries codes ("00-99", "01-99") as "total"."""
    return codes.astype("string").mask(codes.isin(TOTAL_INDUSTRIES), TOTAL)


# --- Tables -----------------------------------------------------------------------------------


def employment_totals(t08536: pd.DataFrame) -> pd.DataFrame:
    """``code, year, jobs, employed_residents`` (08536, all industries "00-99", both sexes).

    ``jobs`` = employed persons by place of work (``SysselArbsted``), ``employed_residents`` =
    by place of residence (``SysselBosted``), 4th quarter; codes of the year's vintage.
    """
    rows = t08536[t08536["NACE2007"] == "00-99"]
    if "Kjonn" in rows.columns:
        rows = rows[rows["Kjonn"] == "0"]
    codes = columns("08536")
    tidy = keep_valid(_tidy(rows, codes, {}))
    return _noted(_wide(tidy, ["code", "year"], list(codes.values())), tidy)


def employment_by_industry(t13470: pd.DataFrame) -> pd.DataFrame:
    """``code, year, industry, employment`` from 13470 (jobs by place of work, arb11 groups).

    13470's ``agg_KommSummer`` codes ("K-5001") follow one set of borders for every year: the
    frame keeps them in that vintage (``attrs["vintage"]``, see :func:`table_vintage`).
    """
    rows = municipal_rows(t13470[t13470["ContentsCode"].isin(list(columns("13470")))])
    out = pd.DataFrame(
        {
            "code": rows["Region"].astype("string"),
            "year": rows["Tid"].astype("int64"),
            "industry": rows["NACE2007"].astype("string"),
            "employment": rows["value"].astype("float64"),
        }
    )
    out = out[out["code"].notna() & out["industry"].ne("00-99")]
    vintage = table_vintage(out["code"], sorted(out["year"].unique()))
    out = keep_valid(out, vintage=vintage).sort_values(["year", "code", "industry"])
    out = _noted(out.reset_index(drop=True), rows)
    out.attrs["vintage"] = vintage
    return out


def commuting_matrix(t03321: pd.DataFrame) -> pd.DataFrame:
    """``residence, workplace, year, employed`` from 03321 (both codes valid in the year)."""
    rows = t03321[t03321["ContentsCode"].isin(list(columns("03321")))]
    rows = municipal_rows(municipal_rows(rows, "Bokommuen"), "ArbstedKomm")
    out = pd.DataFrame(
        {
            "residence": rows["Bokommuen"].astype("string"),
            "workplace": rows["ArbstedKomm"].astype("string"),
            "year": rows["Tid"].astype("int64"),
            "employed": rows["value"].astype("float64"),
        }
    )
    out = keep_valid(out, code_col="residence")
    out = keep_valid(out, code_col="workplace")
    return _noted(out.sort_values(["year", "workplace", "residence"], ignore_index=True), rows)


def new_enterprises(t08316: pd.DataFrame) -> pd.DataFrame:
    """``code, year, industry, new_enterprises`` (08316 «Foretak»: all legal forms and sizes,
    newly established in the year). The all-industries code becomes ``"total"``."""
    rows = t08316[t08316["ContentsCode"].isin(list(columns("08316")))]
    for dim, code in (("OrgFormer", "Alle"), ("AntSyss", "999"), ("Overlevelse", "00")):
        if dim in rows.columns:
            rows = rows[rows[dim] == code]
    if "OverlevAar" in rows.columns:
        rows = rows[rows["OverlevAar"] == rows["OverlevAar"].min()]
    tidy = _tidy(rows, columns("08316"), {"NACE2007": "industry"})
    tidy["industry"] = _industry(tidy["industry"])
    return _noted(_wide(keep_valid(tidy), ["code", "year", "industry"], ["new_enterprises"]), tidy)


def establishments(t07091: pd.DataFrame) -> pd.DataFrame:
    """``code, year, industry, firms``: establishments of all sizes (07091 ``AntAnsatte`` 99)
    on 1 January of the year. The all-industries code becomes ``"total"``."""
    rows = t07091[t07091["AntAnsatte"] == "99"]
    tidy = _tidy(rows, columns("07091"), {"NACE2007": "industry"})
    tidy["industry"] = _industry(tidy["industry"])
    return _noted(_wide(keep_valid(tidy), ["code", "year", "industry"], ["firms"]), tidy)


def startup_cells(new: pd.DataFrame, firms: pd.DataFrame) -> pd.DataFrame:
    """``code, year, industry, new_enterprises, firms`` on the industries both tables share.

    When they share detailed industries the totals are dropped (the detail partitions them);
    otherwise only the totals remain (then the industry adjustment is the start rate relative to
    the national one).
    """
    common = set(new["industry"]) & set(firms["industry"])
    detail = common - {TOTAL}
    keep = detail or (common & {TOTAL})
    cells = new[new["industry"].isin(keep)].merge(
        firms[firms["industry"].isin(keep)], on=["code", "year", "industry"], how="inner"
    )
    return cells.sort_values(["year", "code", "industry"], ignore_index=True)


def casework(t14304: pd.DataFrame) -> pd.DataFrame:
    """``code, year`` and the mean-days and case-count columns of
    :mod:`trsplan.indicators.casework` (14304; non-reporters stay NaN)."""
    codes = columns("14304")
    tidy = keep_valid(_tidy(t14304, codes, {}))
    return _noted(_wide(tidy, ["code", "year"], list(codes.values())), tidy)


def county_accounts(t11713: pd.DataFrame) -> pd.DataFrame:
    """``county, year, industry, value_added, wage_costs, employment_1000`` for the counties of
    each year (11713, NOK million). Only county codes are kept (:mod:`trsplan.regioncodes`):
    the country ("0"), the continental shelf ("23") and any other aggregate are set aside, and
    the all-industries total ("00-99") is left out: the county rows partition mainland value
    added.
    """
    codes = columns("11713")
    rows = t11713[t11713["ContentsCode"].isin(list(codes))]
    rows, summary = regioncodes.split_municipal(
        rows, "Region", table=str(t11713.attrs.get("table_id") or "11713"), keep=regioncodes.COUNTY
    )
    rows = rows[~rows["NACE2007"].isin(TOTAL_INDUSTRIES)]
    tidy = pd.DataFrame(
        {
            "county": rows["Region"].astype("string"),
            "year": rows["Tid"].astype("int64"),
            "industry": rows["NACE2007"].astype("string"),
            "measure": rows["ContentsCode"].map(codes).astype("string"),
            "value": rows["value"].astype("float64"),
        }
    )
    wide = _wide(tidy, ["county", "year", "industry"], list(codes.values()))
    # a county without figures in a year (it did not exist then: status ".") is not a county then
    out = wide[wide[list(codes.values())].notna().any(axis=1)].reset_index(drop=True)
    out.attrs["set_aside"] = [summary]
    return out


def national_accounts(t11713: pd.DataFrame) -> pd.DataFrame:
    """``year, value_added_mainland, value_added_norway, value_added_shelf,
    value_added_extra_regional`` (11713 «BNPB», gross product in basic prices, NOK million).

    - mainland (Fastlands-Norge as 11713 distributes it): the strict sum of the county industry
      rows (:func:`county_accounts`) — what the region's apportioned value added is a part of;
    - Norway: the whole-country row (all industries: the "00-99" cell, else the strict sum of
      its industries), which adds the continental shelf and the extra-regional part;
    - shelf: the «Kontinentalsokkelen» row, likewise; extra-regional = Norway − mainland − shelf
      (what belongs to no county and not to the shelf, e.g. Svalbard, embassies abroad).
    A column is NaN where 11713 lacks the row (a real response may leave the country out).
    """
    counties = county_accounts(t11713)
    mainland = counties.groupby("year", sort=True)["value_added"]
    out = mainland.sum().mask(counties["value_added"].isna().groupby(counties["year"]).any())
    out = out.rename("value_added_mainland").reset_index()
    va = t11713[t11713["ContentsCode"] == "BNPB"]
    kind = regioncodes.classify_series(va["Region"])["kind"]
    for column, wanted in (
        ("value_added_norway", "country"),
        ("value_added_shelf", "continental_shelf"),
    ):
        rows = va[(kind == wanted).to_numpy()]
        out = out.merge(_all_industries(rows, column), on="year", how="left")
    out["value_added_extra_regional"] = (
        out["value_added_norway"] - out["value_added_mainland"] - out["value_added_shelf"]
    )
    return out


def _all_industries(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """``year, <column>``: the all-industries cell, else the strict sum of the industry cells."""
    years = rows["Tid"].astype("int64")
    total = rows[rows["NACE2007"].isin(TOTAL_INDUSTRIES)]
    if len(total):
        out = total.assign(year=years[total.index])[["year", "value"]]
        out = out.groupby("year", sort=True)["value"].sum(min_count=1)
    else:
        value = rows["value"].astype("float64")
        out = value.groupby(years).sum().mask(value.isna().groupby(years).any())
    out = out.rename(column).rename_axis("year").reset_index()
    return out.astype({"year": "int64", column: "float64"})


def wage_bill(t99901: pd.DataFrame) -> pd.DataFrame:
    """``code, year, industry, wage_bill`` (NOK million, place of work) from the wage-bill table
    (placeholder id 99901; codes of the year's vintage)."""
    tidy = _tidy(t99901, columns(WAGE_TABLE), {"NACE2007": "industry"})
    tidy = tidy[~tidy["industry"].isin(TOTAL_INDUSTRIES)]
    return _noted(_wide(keep_valid(tidy), ["code", "year", "industry"], ["wage_bill"]), tidy)


def immigrants(t09817: pd.DataFrame) -> pd.DataFrame:
    """``code, year, immigrants``: immigrants (category B, all countries) on 1 January (09817)."""
    rows = t09817
    for dim, code in (("InnvandrKat", "B"), ("Landbakgrunn", "999")):
        if dim in rows.columns:
            rows = rows[rows[dim] == code]
    tidy = keep_valid(_tidy(rows, columns("09817"), {}))
    return _noted(_wide(tidy, ["code", "year"], ["immigrants"]), tidy)


# --- Brønnøysund ------------------------------------------------------------------------------


_EXTRACT_NAME = re.compile(
    r"^(?P<kind>enheter|underenheter)(?:_(?P<taken>\d{4}-\d{2}-\d{2}))?\.(?:parquet|csv\.gz|csv)$"
)


def brreg_extracts(snapshot: Snapshot) -> list[Extract]:
    """Every Enhetsregisteret extract of the snapshot, oldest first.

    ``brreg/<kind>_<YYYY-MM-DD>.parquet`` is the extract taken that day (``trsplan fetch`` keeps
    one per date, carried from version to version); ``brreg/<kind>.parquet`` / ``.csv.gz`` (older
    snapshots, the demo) is dated by its ``retrieved_at``. Only the columns counting needs are
    read, types fixed (:func:`trsplan.sources.brreg_bulk.read_extract`); a CSV is converted first.
    """
    found: dict[str, dict[str, object]] = {}
    for provenance in snapshot.files():
        match = _EXTRACT_NAME.match(provenance.name) if provenance.source == "brreg" else None
        if match is None:
            continue
        taken = match["taken"] or str(provenance.retrieved_at)[:10]
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", taken):
            raise SnapshotError(f"brreg/{provenance.name}: bad retrieved_at {taken!r}")
        slot = found.setdefault(taken, {})
        if match["kind"] not in slot or provenance.name.endswith(".parquet"):
            slot[match["kind"]] = _read_extract(snapshot, provenance.name, match["kind"])
    return [
        Extract(taken, kinds["enheter"], kinds.get("underenheter"))
        for taken, kinds in sorted(found.items())
        if "enheter" in kinds
    ]


def _read_extract(snapshot: Snapshot, name: str, kind: str):
    from trsplan.sources.brreg_bulk import csv_to_parquet, read_extract

    raw = snapshot.read_bytes("brreg", name)
    if name.endswith(".parquet"):
        return read_extract(raw, kind)
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "bulk.csv.gz"
        source.write_bytes(raw if name.endswith(".gz") else gzip.compress(raw))
        csv_to_parquet(source, Path(tmp) / "bulk.parquet", kind)
        return read_extract(Path(tmp) / "bulk.parquet", kind)
