"""What a StatBank region code is: the one place that tells municipalities from the rest.

Real Region variables mix municipalities with codes that are not municipalities: the country
(``0``, ``0000``), counties (``50``, ``F-50``), Svalbard og Jan Mayen (``21-22``, ``2100``,
``2111``), the continental shelf (``23``, ``2300``), "Delte kommuner og uoppgitt" (``Rest``) and
"Uoppgitt" (``9999``), with the codelist prefixes ``K-``/``K.``/``K_``/``F-`` of aggregation
codelists (``agg_KommSummer`` gives ``K-5001``, ``K-21-22``, ``K-23``, ``K-Rest``). The list of
non-municipal codes is data: ``trsplan/data/geography/non_municipal_codes.csv`` (code, kind, name,
in_national_total, source).

:func:`classify` gives each raw code its plain code and kind; :func:`split_municipal` keeps a
frame's municipal rows and counts the rest, which the readers of
:mod:`trsplan.indicators.inputs` log and record in ``frame.attrs["set_aside"]``.

National totals: trsplan's Norway is the sum of the municipal rows of a table (the
``norge`` region of ``data/geography/regions.yaml``). The set-aside rows never enter it. For
07459 that *is* SSB's Norway (the reference response for 1 January 2022 has 0 persons on
``K-21-22``, ``K-23`` and ``K-Rest``, and its municipal rows sum to 5,425,270 = Norway). Where
SSB's national figure includes rows that are not municipalities (``in_national_total`` = yes:
``Rest`` before 2020 in ``agg_KommSummer`` series, ``9999``), their sum is reported in
``attrs["set_aside"]["national_only"]`` so the difference is visible, never silently added.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from trsplan.paths import PACKAGE_DATA_DIR, geography_dir

__all__ = [
    "KINDS",
    "MUNICIPALITY",
    "RegionCode",
    "classify",
    "classify_series",
    "non_municipal_codes",
    "set_aside_text",
    "split_municipal",
    "strip_prefix",
]

log = logging.getLogger(__name__)

#: Two-digit numbers counties have had (01-20 before 2020; 30-59 since): 21-23 are Svalbard, Jan
#: Mayen and the shelf (in the code list above), 24-29 and 60-99 are not counties (e.g. a
#: counties' total "99"), so they are never summed as one.
COUNTY_NUMBERS = re.compile(r"0[1-9]|1[0-9]|20|[3-5][0-9]")
MUNICIPALITY = "municipality"
COUNTY = "county"
OTHER = "other"
#: Kinds of region code; every kind but "municipality" is set aside by the municipal readers.
KINDS = (
    MUNICIPALITY,
    COUNTY,
    "country",
    "svalbard",
    "continental_shelf",
    "unallocated",
    "not_stated",
    OTHER,
)
# StatBank codelists prefix region codes: K-5001 / K.5603 / K_3101 (municipality), F-50 (county).
_PREFIX = re.compile(r"^(?P<kind>[KF])[-._](?P<rest>.+)$", re.IGNORECASE)
_FILE = "non_municipal_codes.csv"


@dataclass(frozen=True)
class RegionCode:
    raw: str
    code: str  # without the codelist prefix; municipalities padded to 4 digits
    kind: str
    name: str | None = None

    @property
    def is_municipality(self) -> bool:
        return self.kind == MUNICIPALITY


def strip_prefix(raw: str) -> tuple[str, str | None]:
    """``("5001", "K")`` for ``"K-5001"``; ``("5001", None)`` for a plain code."""
    text = str(raw).strip()
    match = _PREFIX.match(text)
    if match:
        return match.group("rest"), match.group("kind").upper()
    return text, None


@functools.cache
def _table(folder: str) -> pd.DataFrame:
    path = Path(folder) / _FILE
    if not path.is_file():  # a test data folder without the list: the project's own
        path = PACKAGE_DATA_DIR / "geography" / _FILE
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    unknown = sorted(set(table["kind"]) - set(KINDS))
    if unknown:
        raise ValueError(f"{path}: unknown kind(s) {unknown}; use one of {', '.join(KINDS)}")
    return table.set_index("code")


def non_municipal_codes() -> pd.DataFrame:
    """The table of non-municipal codes (index ``code``; kind, name, in_national_total, source)."""
    return _table(str(geography_dir()))


def classify(raw: object) -> RegionCode:
    """The plain code and kind of one raw StatBank region code (never raises).

    The list of non-municipal codes is looked up first (after stripping the prefix), so
    ``K-23`` is the continental shelf and ``K-21-22`` Svalbard og Jan Mayen; then an ``F-``
    prefix or two digits make a county when the number is one a county has had
    (:data:`COUNTY_NUMBERS`: 01-20, 30-59), up to four digits a municipality; anything else (a
    counties' total "F-99", "F-Fastland") is ``"other"``.
    """
    raw_text = "" if raw is None else str(raw)
    code, prefix = strip_prefix(raw_text)
    table = non_municipal_codes()
    if code in table.index:
        row = table.loc[code]
        return RegionCode(raw_text, code, str(row["kind"]), str(row["name"]))
    if code.isascii() and code.isdigit():
        if prefix == "F" or len(code) <= 2:
            county = code.zfill(2)
            kind = COUNTY if COUNTY_NUMBERS.fullmatch(county) else OTHER
            return RegionCode(raw_text, county, kind)
        if len(code) <= 4:
            return RegionCode(raw_text, code.zfill(4), MUNICIPALITY)
    return RegionCode(raw_text, code, OTHER)


def classify_series(codes: pd.Series) -> pd.DataFrame:
    """``code`` (plain) and ``kind`` for every raw code of ``codes`` (same index)."""
    raw = codes.astype("string")
    lookup = {value: classify(value) for value in pd.unique(raw.dropna())}
    plain = raw.map({k: v.code for k, v in lookup.items()}).astype("string")
    kind = raw.map({k: v.kind for k, v in lookup.items()}).fillna(OTHER).astype("string")
    return pd.DataFrame({"code": plain, "kind": kind}, index=codes.index)


def split_municipal(
    frame: pd.DataFrame,
    column: str,
    *,
    table: str = "?",
    value_col: str = "value",
    keep: str = MUNICIPALITY,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """The rows of ``frame`` whose ``column`` is of kind ``keep`` (default municipalities; with
    ``column`` replaced by the plain code) and a summary of the rows set aside (``rows``,
    ``by_kind``, ``codes``, ``national_only``: the sum of ``value_col`` over rows that SSB's
    national total includes). Logs one line when any row is set aside.
    """
    kinds = classify_series(frame[column])
    municipal = kinds["kind"].eq(keep)
    kept = frame[municipal.to_numpy()].assign(**{column: kinds.loc[municipal, "code"]})
    aside = frame[~municipal.to_numpy()]
    summary = _summary(aside, kinds[~municipal], table, column, value_col) | {"kept": keep}
    if summary["rows"]:
        log.info(set_aside_text(summary))
    return kept, summary


def warn_dropped_numbers(
    before: pd.DataFrame, after: pd.DataFrame, table: str, column: str = "code"
) -> int:
    """Log a warning when rows dropped for their code's validity held numbers.

    StatBank fills a code's years outside its validity with ``.``/``..`` (NaN), so dropping them
    loses nothing; a number there means the table is on one code vintage for every year (an
    ``agg_KommSummer`` series) and must be read that way. Returns how many such rows.
    """
    numeric = [
        c for c in before.columns if c not in (column, "year") and before[c].dtype.kind == "f"
    ]
    if not numeric:
        return 0
    lost = int(before[numeric].notna().any(axis=1).sum() - after[numeric].notna().any(axis=1).sum())
    if lost > 0:
        log.warning(
            "%s: %d rows with a number dropped because their %s is not a municipality code "
            "valid in the row's year (a series on one code vintage, e.g. agg_KommSummer?)",
            table,
            lost,
            column,
        )
    return max(lost, 0)


def _summary(
    aside: pd.DataFrame, kinds: pd.DataFrame, table: str, column: str, value_col: str
) -> dict[str, object]:
    national = non_municipal_codes()["in_national_total"]
    counted = kinds["code"].map(national).eq("yes")
    total = None
    if value_col in aside.columns and counted.any():
        total = float(aside.loc[counted.to_numpy(), value_col].sum(min_count=1))
    return {
        "table": table,
        "column": column,
        "rows": len(aside),
        "by_kind": {str(k): int(n) for k, n in kinds["kind"].value_counts().sort_index().items()},
        "codes": sorted(str(c) for c in pd.unique(aside[column].astype("string").dropna())),
        "national_only": total,
    }


def set_aside_text(summary: dict[str, object]) -> str:
    """``"07459: 3 non-municipal rows set aside (K-21-22, K-23, K-Rest)"``."""
    codes = list(summary.get("codes") or [])
    shown = ", ".join(codes[:8]) + (f" … ({len(codes)} codes)" if len(codes) > 8 else "")
    where = summary.get("table", "?")
    column = summary.get("column")
    if column and column != "Region":
        where = f"{where} {column}"
    what = "non-municipal" if summary.get("kept", MUNICIPALITY) == MUNICIPALITY else "non-county"
    return f"{where}: {summary['rows']} {what} rows set aside ({shown})"


def merge_summaries(summaries: list[dict[str, object]]) -> dict[str, object]:
    """One summary per table and column (rows and kinds added), for a store's provenance."""
    out: dict[str, dict[str, object]] = {}
    for s in summaries:
        key = f"{s['table']}:{s['column']}"
        if key not in out:
            out[key] = {**s, "by_kind": dict(s["by_kind"]), "codes": list(s["codes"])}
            continue
        known = out[key]
        if known == s:
            continue
        known["rows"] = max(int(known["rows"]), int(s["rows"]))
        for kind, n in dict(s["by_kind"]).items():
            known["by_kind"][kind] = max(known["by_kind"].get(kind, 0), n)
        known["codes"] = sorted(set(known["codes"]) | set(s["codes"]))
    return out
