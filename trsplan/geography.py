"""Municipality codes, regions and code-vintage harmonisation for Norway from 2008.

The tables in ``data/geography`` (built from Statistics Norway, KLASS 131, by
``trsplan geography-build``) are read once and cached. The code vintage of year Y is
the set of codes valid on 1 January Y (every Norwegian reform takes effect on 1 January).

**Size.** Over 500 lines on purpose: codes, regions and harmonisation all read one cached set of
tables (``_geo()``) and one notion of code vintage; the public API (``docs/CONTRACTS.md``) is one
module so callers never reach into the cache.
"""

from __future__ import annotations

import difflib
import functools
import json
import numbers
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from trsplan.errors import (
    CodeValidityError,
    HarmonisationError,
    NonAdditiveColumnError,
    UnknownMunicipalityError,
    UnknownRegionError,
    YearOutOfRangeError,
)
from trsplan.paths import geography_dir
from trsplan.regioncodes import strip_prefix

__all__ = [
    "check_code",
    "clear_cache",
    "first_year",
    "harmonise",
    "is_non_additive",
    "last_year",
    "mapping_table",
    "member_weights",
    "members",
    "municipalities",
    "name",
    "normalise_code",
    "region_ids",
    "region_info",
    "valid_codes",
]

# Words that mark a column as a rate, share or average: summing those is meaningless.
_NON_ADDITIVE_WORDS = frozenset(
    {
        "share",
        "shares",
        "rate",
        "rates",
        "ratio",
        "ratios",
        "pct",
        "percent",
        "percentage",
        "index",
        "mean",
        "avg",
        "average",
        "median",
        "andel",
        "prosent",
        "per",
    }
)
_NON_ADDITIVE_PATTERN = re.compile(r"per_?1000|_per_|per_capita|per_inhabitant", re.IGNORECASE)


# --- Loading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Geo:
    periods: pd.DataFrame  # code, name, valid_from, valid_to, county (all str)
    changes: pd.DataFrame  # date, old_code, old_name, new_code, new_name, kind
    weights: dict[tuple[str, str, str], float]  # (date, old, new) -> weight
    regions: dict[str, dict[str, Any]]
    first_year: int
    last_year: int
    folder: str


def _read_csv(path: Path) -> pd.DataFrame:
    # Every column as text: codes keep leading zeros, empty dates stay "".
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@functools.cache
def _load(folder: str) -> _Geo:
    root = Path(folder)
    try:
        periods = _read_csv(root / "municipalities.csv")
        changes = _read_csv(root / "code_changes.csv")
        weight_rows = _read_csv(root / "split_weights.csv")
        info = json.loads((root / "build_info.json").read_text(encoding="utf-8"))
        regions_doc = yaml.safe_load((root / "regions.yaml").read_text(encoding="utf-8"))
        coverage_path = root / "coverage.yaml"
        coverage = (
            yaml.safe_load(coverage_path.read_text(encoding="utf-8"))
            if coverage_path.is_file()
            else {}
        )
    except FileNotFoundError as exc:
        raise FileNotFoundError(
            f"geography table missing: {exc.filename}. Build it with "
            "`trsplan geography-build --changes FILE --version FILE`."
        ) from exc
    weights = {(r.date, r.old_code, r.new_code): float(r.weight) for r in weight_rows.itertuples()}
    regions = {str(r["id"]): r for r in regions_doc["regions"]}
    return _Geo(
        periods=periods,
        changes=changes,
        weights=weights,
        regions=regions,
        first_year=int(info["start"][:4]),
        # the code list stays valid past the changes file only as far as coverage.yaml vouches
        last_year=max(
            int(info["changes_known_to"][:4]), int(coverage.get("assume_unchanged_through", 0))
        ),
        folder=folder,
    )


def _geo() -> _Geo:
    return _load(str(geography_dir()))


def clear_cache() -> None:
    """Forget the loaded tables (after a rebuild, or when ``TRSPLAN_DATA_DIR`` changes)."""
    _load.cache_clear()
    _valid_set.cache_clear()
    _step.cache_clear()
    _mapping.cache_clear()
    _mapping_table.cache_clear()


def first_year() -> int:
    return _geo().first_year


def last_year() -> int:
    """The last year whose 1 January code list is known (the KLASS changes reach into it)."""
    return _geo().last_year


# --- Codes ----------------------------------------------------------------------------------


def normalise_code(code: Any) -> str:
    """A region code as used in the tables: "0301" for municipalities, "50" for counties.

    Strips StatBank codelist prefixes (``K-5001``, ``K.5603``, ``K_3101``, ``F-50``) and pads
    integers and short digit strings to 4 digits ("301" or 301 -> "0301").
    """
    if isinstance(code, bool) or code is None:
        raise ValueError(f"not a region code: {code!r}")
    if isinstance(code, numbers.Integral):
        text = str(int(code))
    elif isinstance(code, float) and code.is_integer():
        text = str(int(code))  # codes read as floats from spreadsheets (301.0)
    elif isinstance(code, str):
        text = code.strip()
    else:
        raise ValueError(f"not a region code: {code!r}")
    text, prefix = strip_prefix(text)  # the one prefix rule (trsplan.regioncodes)
    width = 2 if prefix == "F" else 4
    if not text.isascii() or not text.isdigit() or len(text) > width:
        kind = "county" if width == 2 else "municipality"
        raise ValueError(
            f"not a {kind} code: {code!r} (expected up to {width} digits, optionally with a "
            "StatBank prefix such as 'K-' or 'F-')"
        )
    return text.zfill(width)


def _year(year: Any) -> int:
    geo = _geo()
    if isinstance(year, bool) or not isinstance(year, numbers.Integral):
        raise TypeError(f"year must be an int, got {year!r}")
    year = int(year)
    if not geo.first_year <= year <= geo.last_year:
        raise YearOutOfRangeError(
            f"year {year} is outside the municipality code years {geo.first_year}-"
            f"{geo.last_year} known from KLASS 131; for later years rebuild data/geography "
            "with newer KLASS changes (trsplan geography-build ...)"
        )
    return year


def _jan1(year: int) -> str:
    return f"{year:04d}-01-01"


def _periods_on(year: int) -> pd.DataFrame:
    periods = _geo().periods
    day = _jan1(year)
    valid = ((periods["valid_from"] == "") | (periods["valid_from"] <= day)) & (
        (periods["valid_to"] == "") | (periods["valid_to"] >= day)
    )
    return periods.loc[valid]


@functools.cache
def _valid_set(year: int) -> frozenset[str]:
    return frozenset(_periods_on(year)["code"])


def valid_codes(year: int) -> list[str]:
    """The municipality codes valid on 1 January ``year``, sorted."""
    return sorted(_valid_set(_year(year)))


def municipalities(year: int) -> pd.DataFrame:
    """Code and name of every municipality valid on 1 January ``year``, sorted by code."""
    frame = _periods_on(_year(year))[["code", "name"]]
    return frame.sort_values("code").reset_index(drop=True)


def _code_periods(code: str) -> pd.DataFrame:
    periods = _geo().periods
    return periods.loc[periods["code"] == code]


def _near_codes(code: str, codes: list[str]) -> list[str]:
    """Similar codes, most similar (difflib) and numerically nearest first; same county first,
    as a typo usually keeps the county digits."""
    if not code.isdigit():
        return []

    def score(other: str) -> tuple[bool, float, int]:
        ratio = difflib.SequenceMatcher(None, code, other).ratio()
        return (other[:2] != code[:2], -ratio, abs(int(other) - int(code)))

    ranked = sorted((c for c in codes if score(c)[1] <= -0.5), key=score)
    return ranked[:4]


def _unknown(code: str) -> UnknownMunicipalityError:
    """An error for an unknown code, suggesting near codes and names (typos, old numbers)."""
    periods = _geo().periods
    latest = periods.drop_duplicates("code", keep="last").set_index("code")["name"]
    if code == "9999":
        return UnknownMunicipalityError(
            "'9999' is KLASS's 'Uoppgitt' (municipality not stated), not a municipality; "
            "drop or allocate those rows before using municipality codes"
        )
    near = _near_codes(code, list(latest.index))
    names = {n.lower(): c for c, n in latest.items()}
    near += [names[n] for n in difflib.get_close_matches(code.lower(), list(names), n=3)]
    hint = ", ".join(f"{c} {latest[c]}" for c in dict.fromkeys(near))
    return UnknownMunicipalityError(
        f"unknown municipality code {code!r}: KLASS 131 has no such code valid since "
        f"{_geo().first_year}." + (f" Did you mean: {hint}?" if hint else "")
    )


def _resolve(code: Any) -> str:
    try:
        text = normalise_code(code)
    except ValueError:
        if isinstance(code, str):  # maybe a name: suggest the code
            raise _unknown(code.strip()) from None
        raise
    if len(text) != 4 or _code_periods(text).empty:
        raise _unknown(text)
    return text


def _validity_text(code: str) -> str:
    rows = _code_periods(code)
    start = rows["valid_from"].iloc[0]
    end = rows["valid_to"].iloc[-1]
    first = start or f"{_geo().first_year}-01-01 (or earlier)"
    last = end or "today"
    return f"{code} {rows['name'].iloc[-1]} is valid {first}–{last}"


def _counterparts(code: str, year: int) -> list[str]:
    """Codes of ``year`` covering (some of) the territory of ``code``: successors for later
    years, predecessors for earlier ones."""
    rows = _code_periods(code)
    if rows["valid_to"].iloc[-1] and rows["valid_to"].iloc[-1] < _jan1(year):
        last = int(rows["valid_to"].iloc[-1][:4])  # valid_to is 31 December of that year
        return sorted(_mapping(last, year).get(code, {}))
    begin = rows["valid_from"].iloc[0]
    if begin and begin > _jan1(year):
        start_year = int(begin[:4])
        back = _mapping(year, start_year)
        return sorted(c for c, targets in back.items() if code in targets)
    return []


def check_code(code: Any, year: int) -> str:
    """The normalised ``code`` if it is valid on 1 January ``year``; a clear error otherwise."""
    year = _year(year)
    text = _resolve(code)
    if text in _valid_set(year):
        return text
    others = _counterparts(text, year)
    hint = f"; in {year} use {', '.join(others)}" if others else ""
    raise CodeValidityError(f"{_validity_text(text)}{hint}")


def name(code: Any, year: int | None = None) -> str:
    """The municipality's name (valid on 1 January ``year``; the latest name when ``year`` is
    None)."""
    if year is None:
        return str(_code_periods(_resolve(code))["name"].iloc[-1])
    text = check_code(code, year)
    rows = _periods_on(year)
    return str(rows.loc[rows["code"] == text, "name"].iloc[0])


# --- Code changes between vintages ----------------------------------------------------------


@functools.cache
def _step(year: int) -> dict[str, dict[str, float]]:
    """Where each code valid on 1 January ``year`` goes on 1 January ``year + 1`` (with weights
    for splits). Codes without a change keep their number."""
    geo = _geo()
    changes = geo.changes
    window = changes.loc[(changes["date"] > _jan1(year)) & (changes["date"] <= _jan1(year + 1))]
    step: dict[str, dict[str, float]] = {c: {c: 1.0} for c in _valid_set(year)}
    moved: dict[str, dict[str, float]] = defaultdict(dict)
    for row in window.itertuples():
        weight = 1.0
        if row.kind == "split":
            key = (row.date, row.old_code, row.new_code)
            if key not in geo.weights:
                raise HarmonisationError(
                    f"no split weight for {row.old_code} -> {row.new_code} on {row.date} in "
                    "split_weights.csv"
                )
            weight = geo.weights[key]
        moved[row.old_code][row.new_code] = weight
    step.update(moved)
    return step


@functools.cache
def _mapping(from_year: int, to_year: int) -> dict[str, dict[str, float]]:
    """Compose the yearly steps: code of ``from_year`` -> {code of ``to_year``: weight}."""
    if from_year == to_year:
        return {c: {c: 1.0} for c in _valid_set(from_year)}
    later = _mapping(from_year + 1, to_year)
    out: dict[str, dict[str, float]] = {}
    for code, targets in _step(from_year).items():
        combined: dict[str, float] = defaultdict(float)
        for middle, weight in targets.items():
            for target, weight2 in later[middle].items():
                combined[target] += weight * weight2
        out[code] = dict(combined)
    return out


def mapping_table(to_year: int) -> pd.DataFrame:
    """Columns code, from_year, new_code, weight: how codes of every year from the first up
    to ``to_year`` map onto the codes of ``to_year``."""
    return _mapping_table(_year(to_year)).copy()


@functools.cache
def _mapping_table(to_year: int) -> pd.DataFrame:
    rows = [
        (code, from_year, target, weight)
        for from_year in range(_geo().first_year, to_year + 1)
        for code, targets in sorted(_mapping(from_year, to_year).items())
        for target, weight in sorted(targets.items())
    ]
    table = pd.DataFrame(rows, columns=["code", "from_year", "new_code", "weight"])
    return table.astype({"code": "str", "from_year": "int64", "new_code": "str"})


# --- Regions --------------------------------------------------------------------------------


def region_ids() -> list[str]:
    return sorted(_geo().regions)


def _region(region: str) -> dict[str, Any]:
    regions = _geo().regions
    if region not in regions:
        raise UnknownRegionError(
            f"unknown region {region!r}; known regions: {', '.join(sorted(regions))} "
            "(defined in data/geography/regions.yaml)"
        )
    return regions[region]


def region_info(region: str) -> dict[str, Any]:
    """The region's definition from regions.yaml (a copy; codes as strings)."""
    return json.loads(json.dumps(_region(region)))


def _fixed_weights(definition: Mapping[str, Any], year: int) -> dict[str, float]:
    base = int(definition["base_year"])
    members = {normalise_code(c) for c in definition["members"]}
    if year <= base:
        # Back-cast: each older code contributes the share of it that ends up in the region.
        weights = {
            code: sum(w for target, w in targets.items() if target in members)
            for code, targets in _mapping(year, base).items()
        }
        return {c: (1.0 if abs(w - 1) < 1e-12 else w) for c, w in weights.items() if w > 0}
    forward = _mapping(base, year)
    image = {t for m in members for t in forward[m]}
    for target in image:
        outside = [c for c, ts in forward.items() if target in ts and c not in members]
        if outside:
            raise HarmonisationError(
                f"region {definition['id']!r} (defined in {base} codes) is not a whole number of "
                f"municipalities in {year}: {target} also covers {', '.join(sorted(outside))}"
            )
    return dict.fromkeys(image, 1.0)


def member_weights(region: str, year: int) -> dict[str, float]:
    """Codes valid on 1 January ``year`` that make up the region, with the share of each code
    inside it (1.0, or the split weight of a partly included municipality)."""
    definition = _region(region)
    year = _year(year)
    kind = definition["kind"]
    if kind == "all":
        return dict.fromkeys(valid_codes(year), 1.0)
    if kind == "fixed_territory":
        weights = _fixed_weights(definition, year)
    elif kind == "membership":
        period = _membership_period(definition, year)
        weights = dict.fromkeys((normalise_code(c) for c in period["members"]), 1.0)
    else:
        raise HarmonisationError(f"region {region!r} has an unknown kind {kind!r}")
    return dict(sorted(weights.items()))


def _membership_period(definition: Mapping[str, Any], year: int) -> Mapping[str, Any]:
    for period in definition["periods"]:
        if int(period["from"]) <= year <= int(period.get("to") or 9999):
            return period
    raise HarmonisationError(f"region {definition['id']!r} has no members defined for {year}")


def members(region: str, year: int) -> list[str]:
    """The codes valid on 1 January ``year`` that belong to the region wholly or partly."""
    return sorted(member_weights(region, year))


# --- Harmonisation --------------------------------------------------------------------------


def is_non_additive(column: str, declared: Iterable[str] = ()) -> bool:
    """True for columns that cannot be summed: declared ones and rate-like names."""
    if column in set(declared):
        return True
    text = str(column).lower()
    words = set(re.split(r"[^a-z0-9]+", text.replace("_", " ")))
    return bool(words & _NON_ADDITIVE_WORDS) or bool(_NON_ADDITIVE_PATTERN.search(text))


def _value_columns(
    frame: pd.DataFrame, code_col: str, year_col: str, value_cols: Sequence[str] | None
) -> list[str]:
    if value_cols is None:
        return [
            c
            for c in frame.columns
            if c not in (code_col, year_col)
            and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])
        ]
    cols = list(value_cols)
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise HarmonisationError(f"value columns not in the frame: {missing}")
    if code_col in cols or year_col in cols:
        raise HarmonisationError(f"{code_col!r} and {year_col!r} are keys, not value columns")
    return cols


def _data_years(frame: pd.DataFrame, year_col: str) -> pd.Series:
    years = pd.to_numeric(frame[year_col], errors="coerce")
    if years.isna().any() or (years % 1 != 0).any():
        bad = frame.loc[years.isna() | (years % 1 != 0), year_col].unique()[:5]
        raise HarmonisationError(f"column {year_col!r} must hold whole years; found {list(bad)}")
    return years.astype("int64")


def harmonise(
    frame: pd.DataFrame,
    to_year: int,
    code_col: str = "region",
    year_col: str = "year",
    value_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Re-key data coded in each row's own year's code vintage to the codes of ``to_year``.

    Renumbered codes are renamed, merged codes summed, split codes shared out by the split
    weights (composed across several reforms). Every column that is not a value column is a key
    (kept and grouped on; ``year_col`` keeps the data year). Values default to the numeric
    columns other than ``year_col``; they must be additive. A target with any missing
    contribution is missing (never 0).
    """
    for col in (code_col, year_col):
        if col not in frame.columns:
            raise HarmonisationError(f"column {col!r} not in the frame ({list(frame.columns)})")
    to_year = _year(to_year)
    values = _value_columns(frame, code_col, year_col, value_cols)
    if not values:
        raise HarmonisationError("no value columns to harmonise (pass value_cols=...)")
    declared = frame.attrs.get("non_additive", [])
    for col in values:
        if is_non_additive(col, declared):
            raise NonAdditiveColumnError(
                f"column {col!r} is not additive (a rate, share or average) and cannot be summed "
                "across merged or split municipalities; harmonise its numerator and denominator "
                "and recompute it"
            )
    years = _data_years(frame, year_col)
    if len(years) and years.max() > to_year:
        raise HarmonisationError(
            f"cannot harmonise backwards: the data has year {years.max()} but to_year is "
            f"{to_year}; a merged code cannot be split back without data. Harmonise to "
            f"{years.max()} or later"
        )
    for year in years.unique():
        _year(int(year))

    # Normalise each distinct code once (fast on large frames), then check validity per year.
    uniques = frame[code_col].unique()
    lookup = {raw: _normalise_for_frame(raw) for raw in uniques}
    codes = frame[code_col].map(lookup).astype("str")
    _check_vintages(codes, years)

    table = _mapping_table(to_year)
    work = frame.assign(__code=codes.to_numpy(), __year=years.to_numpy())
    work = work.merge(
        table.rename(columns={"code": "__code", "from_year": "__year"}),
        on=["__code", "__year"],
        how="left",
        validate="many_to_many",
        sort=False,
    )
    if work["weight"].isna().any():  # cannot happen after _check_vintages; guard the invariant
        raise HarmonisationError("internal error: codes without a mapping")
    all_whole = bool((work["weight"] == 1.0).all())
    for col in values:
        # Skip the multiplication when no row is split so integer counts stay integers.
        if not all_whole:
            work[col] = work[col] * work["weight"]
    work[code_col] = work["new_code"].astype("str")
    keys = [c for c in frame.columns if c not in values]
    result = (
        work[keys + values]
        .groupby(keys, dropna=False, sort=True)[values]
        .sum(skipna=False)
        .reset_index()
    )
    result = result[list(frame.columns)]
    result.attrs = {**frame.attrs, "code_vintage": to_year}
    return result


def _normalise_for_frame(raw: Any) -> str:
    try:
        return normalise_code(raw)
    except ValueError as exc:
        raise CodeValidityError(f"bad municipality code in the data: {exc}") from None


def _check_vintages(codes: pd.Series, years: pd.Series) -> None:
    pairs = pd.DataFrame({"code": codes.to_numpy(), "year": years.to_numpy()}).drop_duplicates()
    bad: list[str] = []
    for year, group in pairs.groupby("year"):
        valid = _valid_set(int(year))
        bad += [f"{c} in {year}" for c in sorted(set(group["code"]) - valid)]
    if bad:
        shown = ", ".join(bad[:12]) + (f" … ({len(bad)} in all)" if len(bad) > 12 else "")
        raise CodeValidityError(
            f"codes not valid in the year of their row: {shown}. Each row must carry the codes "
            "valid on 1 January of its year (use check_code() to see a code's validity)"
        )
