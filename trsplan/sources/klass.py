"""Statistics Norway KLASS, classification 131 (municipalities): parse payloads, build tables.

Parsing (``parse_changes``, ``parse_version``) and the table logic (``reconstruct_code_lists``,
``territory_periods``, ``classify_changes``, ``split_weight_rows``) are pure functions of the
payloads; only ``write_geography_tables`` / ``build_geography_tables`` touch the file system.

:class:`KlassClient` is the live client (``TRSPLAN_KLASS_URL``; classification, versions, codes,
codesAt and changes, on the shared HTTP layer in :mod:`trsplan.sources.http`). ``trsplan fetch
--only klass`` uses it to store the raw payloads in the snapshot and rebuild the geography tables.

``trsplan geography-build --changes FILE --version FILE [--out DIR]`` builds the tables from saved
payloads (it calls :func:`build_geography_tables`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from trsplan import fileio
from trsplan.errors import KlassError, KlassNotFound, TrsplanError  # noqa: F401 (re-exported)
from trsplan.sources.http import (
    HttpClient,
    QueryError,
    SourceError,
    klass_url,
)

SOURCE = "Statistics Norway, KLASS 131"
DEFAULT_START = "2008-01-01"
# KLASS lists this pseudo-code in every version; it is not a municipality.
NON_MUNICIPAL_CODES = frozenset({"9999"})
CHANGE_KINDS = ("renumber", "merge", "split", "absorb")

MUNICIPALITY_COLUMNS = ("code", "name", "valid_from", "valid_to", "county")
CHANGE_COLUMNS = ("date", "old_code", "old_name", "new_code", "new_name", "kind")
SPLIT_WEIGHT_COLUMNS = ("date", "old_code", "new_code", "weight", "basis", "source")


@dataclass(frozen=True, order=True)
class CodeChange:
    """One row of the KLASS ``/changes`` response (one old code → one new code on a date)."""

    date: str
    old_code: str
    old_name: str
    new_code: str
    new_name: str
    note: str = ""  # empty for KLASS rows; the reason for project supplements


@dataclass(frozen=True)
class KlassVersion:
    """A KLASS version: its name, first valid date and the municipality list (code → name)."""

    name: str
    valid_from: str
    codes: Mapping[str, str]


@dataclass(frozen=True)
class SplitShare:
    """A sourced (or flagged) share of a split municipality going to one successor."""

    new_code: str
    weight: float
    basis: str
    source: str


# --- Facts KLASS does not carry -------------------------------------------------------------

# Boundary transfers of populated areas that KLASS 131 /changes omits. Verrabotn (part of 5039
# Verran) went to 5054 Indre Fosen on 2020-01-01 while KLASS only lists 5039 -> 5006 Steinkjer.
# The rows make Verran a split and Indre Fosen a kept code whose territory grew. Like KLASS does
# for 5001 and 1103, a kept absorbing code needs its identity row: the backward walk in
# ``reconstruct_code_lists`` relies on it to know that the code existed before the change.
_VERRABOTN = (
    "Not in KLASS 131 /changes: Verrabotn (about 68 residents) moved from Verran to Indre Fosen "
    "on 2020-01-01 (trondheimsregionen.no, 'Trondheimsregionen passerte 300 000 innbyggere')."
)
SUPPLEMENTARY_CHANGES: tuple[CodeChange, ...] = (
    CodeChange("2020-01-01", "5039", "Verran", "5054", "Indre Fosen", note=_VERRABOTN),
    CodeChange("2020-01-01", "5054", "Indre Fosen", "5054", "Indre Fosen", note=_VERRABOTN),
)

# Population shares for every split since 2008. KLASS carries no weights (see GEOGRAPHY.md §5.1).
SPLIT_SHARES: dict[tuple[str, str], tuple[SplitShare, ...]] = {
    ("2017-01-01", "0720"): (
        SplitShare(
            "0704",
            0.2145,
            "population 1 January 2016",
            "about 2,500 Stokke residents in the Vear area went to Tonsberg "
            "(regjeringen.no KMD press release 'Grensejustering mellom Stokke og Tonsberg', "
            "id2468436; reavisa.no 2016-12-31 'naermere 2.500'); Stokke 11,657 on 1.1.2016 "
            "(Wikipedia infobox citing SSB); 2,500/11,657 rounded",
        ),
        SplitShare(
            "0710",
            0.7855,
            "population 1 January 2016",
            "remainder of Stokke (11,657 - about 2,500) went to Sandefjord; same sources",
        ),
    ),
    ("2020-01-01", "1850"): (
        SplitShare(
            "1806",
            0.45,
            "population 1 January 2019",
            "UNVERIFIED estimate: north-east Tysfjord (Kjopsvik) to Narvik; Tysfjord had 1,925 "
            "residents on 1.1.2019 (Wikipedia citing SSB); the split of residents is a guess",
        ),
        SplitShare(
            "1875",
            0.55,
            "population 1 January 2019",
            "UNVERIFIED estimate: south-west Tysfjord (Drag, Musken) to Hamaroy; the split of "
            "residents is a guess",
        ),
    ),
    ("2020-01-01", "5012"): (
        SplitShare(
            "5055",
            0.26,
            "population 1 January 2019",
            "UNVERIFIED estimate: Ven krets (Ytre Snillfjord, Vennastranda) to Heim; Snillfjord "
            "had 999 residents on 1.1.2019 (de.wikipedia citing SSB); the shares are a guess",
        ),
        SplitShare(
            "5056",
            0.18,
            "population 1 January 2019",
            "UNVERIFIED estimate: Sundlandet to Hitra (hitra-froya.no 2019-02-28 names the area); "
            "the share is a guess",
        ),
        SplitShare(
            "5059",
            0.56,
            "population 1 January 2019",
            "UNVERIFIED estimate: Aa krets (Krokstadora) to Orkland; the share is a guess",
        ),
    ),
    ("2020-01-01", "5039"): (
        SplitShare(
            "5006",
            0.9722,
            "population 1 January 2019",
            "Verran 2,449 on 1.1.2019 (Wikipedia infobox citing SSB) less Verrabotn; derived, "
            "not checked against SSB grunnkrets figures",
        ),
        SplitShare(
            "5054",
            0.0278,
            "population 1 January 2019",
            "Verrabotn about 68 residents = Indre Fosen 10,084 (1.1.2020) - 10,016 "
            "(trondheimsregionen.no; derived in GEOGRAPHY.md) / Verran 2,449; derived",
        ),
    ),
    ("2024-01-01", "1507"): (
        SplitShare(
            "1508",
            0.8615,
            "population 1 January 2024",
            "UNVERIFIED estimate: Alesund 2020-2023 borders had 67,866 residents at the turn of "
            "2023/2024 (smp.no citing SSB); Haram about 9,400 is an estimate; remainder to 1508",
        ),
        SplitShare(
            "1580",
            0.1385,
            "population 1 January 2024",
            "UNVERIFIED estimate: Haram about 9,400 (9,383 on 1.1.2019 per de.wikipedia citing "
            "SSB, assumed roughly stable) / 67,866",
        ),
    ),
}


# --- Parsing --------------------------------------------------------------------------------


def _code(value: Any, what: str) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}", value):
        raise KlassError(f"{what}: expected a 4-digit municipality code string, got {value!r}")
    return value


def _iso(value: Any, what: str) -> str:
    try:
        return date.fromisoformat(str(value)[:10]).isoformat()
    except ValueError:
        raise KlassError(f"{what}: expected an ISO date, got {value!r}") from None


def parse_changes(payload: Mapping[str, Any]) -> list[CodeChange]:
    """The rows of a KLASS ``/changes`` response (``{"codeChanges": [...]}``), sorted.

    Rows without a new code (a code deleted without successor) are kept out: no municipality
    has disappeared without successor since 1971, so such a row would be a payload error.
    """
    items = payload.get("codeChanges") if isinstance(payload, Mapping) else None
    if not isinstance(items, list):
        raise KlassError("KLASS /changes payload: missing the 'codeChanges' list")
    out = []
    for i, item in enumerate(items):
        where = f"codeChanges[{i}]"
        if item.get("newCode") in (None, ""):
            raise KlassError(f"{where}: code {item.get('oldCode')!r} has no successor")
        out.append(
            CodeChange(
                date=_iso(item.get("changeOccurred"), f"{where}.changeOccurred"),
                old_code=_code(item.get("oldCode"), f"{where}.oldCode"),
                old_name=str(item.get("oldName") or "").strip(),
                new_code=_code(item.get("newCode"), f"{where}.newCode"),
                new_name=str(item.get("newName") or "").strip(),
            )
        )
    return sorted(set(out))


def parse_version(payload: Mapping[str, Any]) -> KlassVersion:
    """A KLASS version response: its level-1 ``classificationItems`` (the pseudo-code 9999 out)."""
    items = payload.get("classificationItems") if isinstance(payload, Mapping) else None
    if not isinstance(items, list) or not items:
        raise KlassError("KLASS version payload: missing the 'classificationItems' list")
    codes: dict[str, str] = {}
    for i, item in enumerate(items):
        if str(item.get("level", "1")) != "1":
            continue
        code = _code(item.get("code"), f"classificationItems[{i}].code")
        if code not in NON_MUNICIPAL_CODES:
            codes[code] = str(item.get("name") or "").strip()
    return KlassVersion(
        name=str(payload.get("name") or ""),
        valid_from=_iso(payload.get("validFrom"), "version.validFrom"),
        codes=dict(sorted(codes.items())),
    )


# --- Reconstruction -------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeTimeline:
    """The set of valid codes over time: ``before`` holds before the first change date in
    ``segments``; each segment ``(date, codes)`` holds from that date to the next one."""

    before: frozenset[str]
    segments: tuple[tuple[str, frozenset[str]], ...]

    def codes_on(self, day: str) -> frozenset[str]:
        current = self.before
        for start, codes in self.segments:
            if start > day:
                break
            current = codes
        return current


def _by_date(changes: Iterable[CodeChange]) -> dict[str, list[CodeChange]]:
    grouped: dict[str, list[CodeChange]] = defaultdict(list)
    for change in changes:
        grouped[change.date].append(change)
    return dict(sorted(grouped.items()))


def reconstruct_code_lists(
    changes: Sequence[CodeChange], latest: KlassVersion, start: str = DEFAULT_START
) -> CodeTimeline:
    """Walk the changes backwards from the latest version's full list (and forwards for any
    change after it) to get the code list in force at every change date from ``start`` on.

    On a change date D: codes before = (codes after − new codes) ∪ old codes, which also holds for
    identity rows (renames, kept absorbing codes).
    """
    grouped = {d: rows for d, rows in _by_date(changes).items() if d >= start}
    state = set(latest.codes)
    after: dict[str, frozenset[str]] = {}
    for day in sorted((d for d in grouped if d <= latest.valid_from), reverse=True):
        rows = grouped[day]
        after[day] = frozenset(state)
        state = (state - {c.new_code for c in rows}) | {c.old_code for c in rows}
    before = frozenset(state)
    state = set(latest.codes)
    for day in sorted(d for d in grouped if d > latest.valid_from):
        rows = grouped[day]
        state = (state - {c.old_code for c in rows}) | {c.new_code for c in rows}
        after[day] = frozenset(state)
    return CodeTimeline(before=before, segments=tuple(sorted(after.items())))


def _territory_breaks(rows: Sequence[CodeChange], before: frozenset[str], after: frozenset[str]):
    """Codes valid on both sides of a change date whose territory changed: a kept code that
    absorbed another code (5001 in 2020) or gave part of itself away."""
    gained = {c.new_code for c in rows if c.old_code != c.new_code}
    lost = {c.old_code for c in rows if c.old_code != c.new_code}
    return frozenset((gained | lost) & before & after)


def _day_before(day: str) -> str:
    return (date.fromisoformat(day) - timedelta(days=1)).isoformat()


@dataclass(frozen=True)
class Period:
    code: str
    name: str
    valid_from: str  # "" = on or before the start of the window
    valid_to: str  # "" = still valid (inclusive date otherwise)


def territory_periods(
    changes: Sequence[CodeChange], latest: KlassVersion, start: str = DEFAULT_START
) -> list[Period]:
    """One row per code territory period overlapping [start, today], sorted by code and date."""
    timeline = reconstruct_code_lists(changes, latest, start)
    grouped = _by_date(changes)
    open_from: dict[str, str] = {code: "" for code in timeline.before}
    periods: list[Period] = []
    previous = timeline.before
    for day, current in timeline.segments:
        rows = grouped[day]
        breaks = _territory_breaks(rows, previous, current)
        old_names = {c.old_code: c.old_name for c in rows}
        new_names = {c.new_code: c.new_name for c in rows}
        for code in sorted((previous - current) | breaks):
            valid_to = _day_before(day)
            if valid_to >= start:
                name = old_names.get(code) or new_names.get(code, "")
                periods.append(Period(code, name, open_from.pop(code), valid_to))
            else:
                open_from.pop(code)
        for code in sorted((current - previous) | breaks):
            open_from[code] = day if day >= start else ""
        previous = current
    # Open periods take the newest known name: the latest version's, or a later change's.
    latest_names = dict(latest.codes)
    for day, rows in grouped.items():
        if day > latest.valid_from:
            latest_names.update({c.new_code: c.new_name for c in rows})
    for code, valid_from in open_from.items():
        periods.append(Period(code, latest_names.get(code, ""), valid_from, ""))
    return sorted(periods, key=lambda p: (p.code, p.valid_from))


def classify_changes(
    changes: Sequence[CodeChange], latest: KlassVersion, start: str = DEFAULT_START
) -> list[tuple[CodeChange, str]]:
    """The code changes on or after ``start`` with their kind; pure renames left out.

    split: the old code has several new codes; merge: the new code has several old codes;
    renumber: 1:1 to a different code; absorb: identity row for a kept code whose territory
    changed (synthesised where KLASS has none, e.g. 5054 Indre Fosen in 2020).
    """
    timeline = reconstruct_code_lists(changes, latest, start)
    grouped = _by_date(changes)
    previous = timeline.before
    out: list[tuple[CodeChange, str]] = []
    for day, current in timeline.segments:
        rows = grouped[day]
        breaks = _territory_breaks(rows, previous, current)
        targets: dict[str, set[str]] = defaultdict(set)
        sources: dict[str, set[str]] = defaultdict(set)
        for c in rows:
            targets[c.old_code].add(c.new_code)
            sources[c.new_code].add(c.old_code)
        identity = {c.old_code for c in rows if c.old_code == c.new_code}
        for c in rows:
            if c.old_code == c.new_code:
                if c.old_code in breaks:
                    out.append((c, "absorb"))
                continue  # a pure rename
            if len(targets[c.old_code]) > 1:
                out.append((c, "split"))
            elif len(sources[c.new_code]) > 1:
                out.append((c, "merge"))
            else:
                out.append((c, "renumber"))
        names = {c.new_code: c.new_name for c in rows} | {c.old_code: c.old_name for c in rows}
        for code in sorted(breaks - identity):
            kind = "split" if code in {c.old_code for c in rows} else "absorb"
            synthetic = CodeChange(day, code, names[code], code, names[code])
            out.append((synthetic, kind))
        previous = current
    return sorted(out, key=lambda item: (item[0].date, item[0].old_code, item[0].new_code))


def split_weight_rows(
    classified: Sequence[tuple[CodeChange, str]],
    shares: Mapping[tuple[str, str], Sequence[SplitShare]] = SPLIT_SHARES,
) -> list[tuple[str, str, str, float, str, str]]:
    """One row per (split, successor), weights from ``shares``; equal shares flagged UNVERIFIED
    where no figure is known. Raises if known shares disagree with the splits found."""
    splits: dict[tuple[str, str], set[str]] = defaultdict(set)
    for change, kind in classified:
        if kind == "split":
            splits[(change.date, change.old_code)].add(change.new_code)
    rows = []
    for key in sorted(splits):
        day, old = key
        known = shares.get(key)
        if known is None:
            n = len(splits[key])
            known = tuple(
                SplitShare(
                    new,
                    round(1 / n, 6),
                    "equal shares",
                    "UNVERIFIED estimate: no population figure known; equal shares",
                )
                for new in sorted(splits[key])
            )
        if {s.new_code for s in known} != splits[key]:
            raise KlassError(
                f"split weights for {old} on {day} name {sorted(s.new_code for s in known)}, "
                f"but KLASS lists successors {sorted(splits[key])}"
            )
        total = sum(s.weight for s in known)
        if abs(total - 1.0) > 1e-9:
            raise KlassError(f"split weights for {old} on {day} sum to {total}, not 1")
        rows.extend((day, old, s.new_code, s.weight, s.basis, s.source) for s in known)
    unused = set(shares) - set(splits)
    if unused:
        raise KlassError(f"split weights given for changes that are not splits: {sorted(unused)}")
    return sorted(rows)


# --- Writing --------------------------------------------------------------------------------


def _csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder and ``os.replace``; readers never see a
    half-written file."""
    fileio.write_bytes(path, data)


def _format_weight(weight: float) -> str:
    return f"{weight:.6f}".rstrip("0").rstrip(".")


def geography_table_bytes(
    changes: Sequence[CodeChange],
    latest: KlassVersion,
    start: str = DEFAULT_START,
    changes_to: str | None = None,
    supplements: Sequence[CodeChange] = SUPPLEMENTARY_CHANGES,
    shares: Mapping[tuple[str, str], Sequence[SplitShare]] = SPLIT_SHARES,
) -> dict[str, bytes]:
    """The contents of every geography file, by file name (pure; no I/O)."""
    known = set(changes)
    seen = {(c.date, c.old_code, c.new_code) for c in known}
    extra = [s for s in supplements if (s.date, s.old_code, s.new_code) not in seen]
    all_changes = sorted(known | set(extra))
    periods = territory_periods(all_changes, latest, start)
    classified = classify_changes(all_changes, latest, start)
    last_change = max((c.date for c in all_changes), default=latest.valid_from)
    covered_to = changes_to or max(last_change, latest.valid_from)
    info = {
        "source": SOURCE,
        "classification": 131,
        "start": start,
        "changes_known_to": covered_to,
        "latest_version": latest.name,
        "latest_version_valid_from": latest.valid_from,
        "supplementary_changes": [
            {
                "date": s.date,
                "old_code": s.old_code,
                "new_code": s.new_code,
                "note": s.note,
            }
            for s in extra
        ],
    }
    return {
        "municipalities.csv": _csv_bytes(
            MUNICIPALITY_COLUMNS,
            ((p.code, p.name, p.valid_from, p.valid_to, p.code[:2]) for p in periods),
        ),
        "code_changes.csv": _csv_bytes(
            CHANGE_COLUMNS,
            (
                (c.date, c.old_code, c.old_name, c.new_code, c.new_name, kind)
                for c, kind in classified
            ),
        ),
        "split_weights.csv": _csv_bytes(
            SPLIT_WEIGHT_COLUMNS,
            (
                (d, old, new, _format_weight(w), basis, source)
                for d, old, new, w, basis, source in split_weight_rows(classified, shares)
            ),
        ),
        "build_info.json": (json.dumps(info, indent=2, ensure_ascii=False) + "\n").encode(),
    }


def write_geography_tables(files: Mapping[str, bytes], out_dir: Path) -> list[Path]:
    paths = []
    for name, data in sorted(files.items()):
        path = Path(out_dir) / name
        write_atomic(path, data)
        paths.append(path)
    return paths


def build_geography_tables(
    changes_payload: Mapping[str, Any],
    version_payload_latest: Mapping[str, Any],
    out_dir: str | Path,
    start: str = DEFAULT_START,
    changes_to: str | None = None,
) -> list[Path]:
    """Write municipalities.csv, code_changes.csv, split_weights.csv and build_info.json.

    ``changes_to`` is the ``to`` date of the /changes query (how far the changes are known);
    it defaults to the later of the last change and the latest version's first valid date.
    """
    files = geography_table_bytes(
        parse_changes(changes_payload),
        parse_version(version_payload_latest),
        start=_iso(start, "start"),
        changes_to=_iso(changes_to, "changes_to") if changes_to else None,
    )
    return write_geography_tables(files, Path(out_dir))


def changes_to_from_name(path: Path) -> str | None:
    """The saved reference payloads are named ``..._to2025-01-02.json``; use that date."""
    match = re.search(r"to(\d{4}-\d{2}-\d{2})", path.name)
    return match.group(1) if match else None


# --- Live client ----------------------------------------------------------------------------

#: KLASS is open data from Statistics Norway (NLOD 2.0; CC BY 4.0 compatible).
KLASS_LICENCE = "NLOD 2.0 / CC BY 4.0"
MUNICIPALITIES = 131  # Standard for kommuneinndeling
COUNTIES = 104  # Standard for fylkesinndeling


@dataclass(frozen=True)
class KlassResponse:
    """One KLASS answer: the body as sent (``raw``), decoded (``data``), and what was asked."""

    url: str  # the final URL, query string included
    path: str  # the path below the base URL, e.g. "/classifications/131/changes"
    query: dict[str, str]
    raw: bytes
    data: Any


@dataclass(frozen=True)
class VersionInfo:
    """One entry of a classification's ``versions`` list. ``valid_to`` is exclusive; ``None``
    means the version is still in force."""

    id: int
    name: str
    valid_from: str
    valid_to: str | None
    last_modified: str | None
    url: str | None

    def valid_on(self, day: str) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class KlassCode:
    """One item of a ``/codes`` or ``/codesAt`` answer (SSB's ``CodeItem`` / ``RangedCodeItem``).

    ``valid_from``/``valid_to`` are the code's own validity when KLASS records one (usually
    ``None``); ``in_range_from``/``in_range_to`` say, for ``/codes``, in which part of the
    requested range (``to`` exclusive, ``None`` = open) the code was valid.
    """

    code: str
    name: str
    level: str
    parent_code: str | None = None
    short_name: str | None = None
    presentation_name: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    in_range_from: str | None = None
    in_range_to: str | None = None
    notes: str | None = None


def _klass_date(value: Any, what: str) -> str:
    """``value`` as ``YYYY-MM-DD``; a malformed date is refused before anything is sent."""
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()[:10]
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise QueryError(
            f"KLASS {what} must be a date (YYYY-MM-DD), not {value!r}", query={what: value}
        ) from None


def _klass_id(value: Any, what: str) -> str:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise QueryError(f"KLASS {what} id must be a whole number, not {value!r}")
    return str(int(text))


def _optional_date(value: Any) -> str | None:
    return None if value in (None, "") else _iso(value, "date")


def _error_message(response: Any) -> str:
    """KLASS's own words: a ProblemDetail's ``detail`` (current API), the older ``message`` /
    ``error`` fields, or the plain-text body the API sends for non-JSON requests."""
    text = (response.text or "").strip()
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        for key in ("detail", "message", "error", "title"):
            if body.get(key):
                return str(body[key])[:500]
        return json.dumps(body, ensure_ascii=False)[:500]
    return text[:500] or (response.reason or f"HTTP {response.status_code}")


def _require(data: Any, key: str, what: str, kind: type = list) -> None:
    if not isinstance(data, Mapping) or not isinstance(data.get(key), kind):
        raise KlassError(f"KLASS {what}: the answer has no {key!r} {kind.__name__}")


class KlassClient:
    """Statistics Norway's KLASS API (``TRSPLAN_KLASS_URL``, default
    ``https://data.ssb.no/api/klass/v1``), on the shared HTTP layer (cache, rate limit, retries).

    Every call asks for JSON with ``Accept: application/json``; ``json_suffix=True`` also adds
    KLASS's ``.json`` path suffix (for mirrors that ignore the header). Errors: 400 →
    :class:`QueryError` with KLASS's message; 404 → :class:`KlassNotFound` (a
    :class:`TableUnavailable`); no connection → :class:`Offline`; persistent 429/5xx →
    :class:`ServiceUnavailable`; a 200 that is not the expected JSON → :class:`KlassError`.

    Dates are ``date`` objects or ``YYYY-MM-DD`` strings; KLASS ranges include ``from`` and
    exclude ``to``, and an omitted ``to`` means "open" (today and later).
    """

    def __init__(
        self,
        base_url: str | None = None,
        session: Any = None,
        *,
        http: HttpClient | None = None,
        json_suffix: bool = False,
    ) -> None:
        self.base_url = (base_url or klass_url()).rstrip("/")
        self.http = http or HttpClient(session=session)
        self.json_suffix = json_suffix

    # -- transport -------------------------------------------------------------------------

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, what: str | None = None
    ) -> KlassResponse:
        """GET ``path`` (below the base URL) as JSON and map errors; ``what`` names the resource
        in messages (``"classification 131"``)."""
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        url = f"{self.base_url}{path}{'.json' if self.json_suffix else ''}"
        what = what or path
        response = self.http.request(
            "GET", url, params=query or None, headers={"Accept": "application/json"}
        )
        status = response.status_code
        if status == 200:
            raw = response.content
            kind = response.headers.get("Content-Type", "")
            try:
                data = json.loads(raw)
            except ValueError:
                raise KlassError(
                    f"KLASS answered {response.url} with {kind or 'an unknown type'}, not JSON"
                ) from None
            return KlassResponse(url=response.url, path=path, query=query, raw=raw, data=data)
        message = _error_message(response)
        if status == 400:
            raise QueryError(
                f"KLASS rejected the query for {what}: {message}",
                query=query,
                url=response.url,
                status=400,
            )
        if status in (404, 410):
            kind_, _, ident = what.partition(" ")
            raise KlassNotFound(
                f"KLASS has no {what} (HTTP {status}: {message})",
                kind=kind_ if ident else "resource",
                ident=ident or what,
                status=status,
                url=response.url,
            )
        if status == 406:
            raise KlassError(f"KLASS would not answer {response.url} in JSON (HTTP 406)")
        raise SourceError(f"KLASS: unexpected HTTP {status} for {response.url}: {message}")

    # -- raw answers (what `trsplan fetch` stores) ------------------------------------------

    def classification_response(self, classification_id: Any) -> KlassResponse:
        cid = _klass_id(classification_id, "classification")
        response = self.get(f"/classifications/{cid}", what=f"classification {cid}")
        _require(response.data, "versions", f"classification {cid}")
        return response

    def version_response(self, version_id: Any) -> KlassResponse:
        vid = _klass_id(version_id, "version")
        response = self.get(f"/versions/{vid}", what=f"version {vid}")
        _require(response.data, "classificationItems", f"version {vid}")
        return response

    def _range_response(
        self, classification_id: Any, endpoint: str, key: str, from_date: Any, to_date: Any
    ) -> KlassResponse:
        """GET /classifications/{id}/{endpoint}?from=&to= and check that ``key`` came back."""
        cid = _klass_id(classification_id, "classification")
        params = {"from": _klass_date(from_date, "from")}
        if to_date is not None:
            params["to"] = _klass_date(to_date, "to")
        response = self.get(
            f"/classifications/{cid}/{endpoint}", params, what=f"classification {cid}"
        )
        _require(response.data, key, f"classification {cid} {endpoint}")
        return response

    def codes_response(
        self, classification_id: Any, from_date: Any, to_date: Any = None
    ) -> KlassResponse:
        return self._range_response(classification_id, "codes", "codes", from_date, to_date)

    def codes_at_response(self, classification_id: Any, on: Any) -> KlassResponse:
        cid = _klass_id(classification_id, "classification")
        params = {"date": _klass_date(on, "date")}
        response = self.get(f"/classifications/{cid}/codesAt", params, what=f"classification {cid}")
        _require(response.data, "codes", f"classification {cid} codesAt")
        return response

    def changes_response(
        self, classification_id: Any, from_date: Any, to_date: Any = None
    ) -> KlassResponse:
        return self._range_response(classification_id, "changes", "codeChanges", from_date, to_date)

    # -- decoded answers -------------------------------------------------------------------

    def classification(self, classification_id: Any) -> dict[str, Any]:
        """``GET /classifications/{id}``: name, description, ``versions`` and links."""
        return self.classification_response(classification_id).data

    def versions(self, classification_id: Any) -> list[VersionInfo]:
        """The classification's published versions, oldest first."""
        data = self.classification(classification_id)
        out = []
        for i, item in enumerate(data["versions"]):
            where = f"classification {classification_id} versions[{i}]"
            if not isinstance(item, Mapping) or item.get("id") is None:
                raise KlassError(f"KLASS {where}: no version id")
            out.append(
                VersionInfo(
                    id=int(item["id"]),
                    name=str(item.get("name") or ""),
                    valid_from=_iso(item.get("validFrom"), f"{where}.validFrom"),
                    valid_to=_optional_date(item.get("validTo")),
                    last_modified=item.get("lastModified"),
                    url=((item.get("_links") or {}).get("self") or {}).get("href"),
                )
            )
        return sorted(out, key=lambda v: (v.valid_from, v.id))

    def latest_version(self, classification_id: Any, on: Any = None) -> VersionInfo:
        """The version in force on ``on`` (default today); failing that, the newest one that
        started on or before it."""
        day = _klass_date(on if on is not None else date.today(), "date")
        versions = self.versions(classification_id)
        current = [v for v in versions if v.valid_on(day)]
        started = current or [v for v in versions if v.valid_from <= day]
        if not started:
            raise KlassError(f"KLASS classification {classification_id} has no version by {day}")
        return started[-1]

    def version(self, version_id: Any) -> dict[str, Any]:
        """``GET /versions/{id}``: the version with its full ``classificationItems`` list
        (what :func:`parse_version` reads)."""
        return self.version_response(version_id).data

    def codes(self, classification_id: Any, from_date: Any, to_date: Any = None) -> list[KlassCode]:
        """``GET /classifications/{id}/codes?from=&to=``: every code valid in the range."""
        return _codes(self.codes_response(classification_id, from_date, to_date).data)

    def codes_at(self, classification_id: Any, on: Any) -> list[KlassCode]:
        """``GET /classifications/{id}/codesAt?date=``: the codes valid on one day."""
        return _codes(self.codes_at_response(classification_id, on).data)

    def changes(self, classification_id: Any, from_date: Any, to_date: Any = None) -> dict:
        """``GET /classifications/{id}/changes?from=&to=``: ``{"codeChanges": [...]}`` (what
        :func:`parse_changes` reads), each row ``oldCode, oldName, newCode, newName,
        changeOccurred`` (and short names)."""
        return self.changes_response(classification_id, from_date, to_date).data


def _codes(data: Mapping[str, Any]) -> list[KlassCode]:
    out = []
    for i, item in enumerate(data["codes"]):
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            raise KlassError(f"KLASS codes[{i}]: expected an object with a string 'code'")
        out.append(
            KlassCode(
                code=item["code"],
                name=str(item.get("name") or ""),
                level=str(item.get("level") or ""),
                parent_code=item.get("parentCode") or None,
                short_name=item.get("shortName") or None,
                presentation_name=item.get("presentationName") or None,
                valid_from=_optional_date(item.get("validFrom")),
                valid_to=_optional_date(item.get("validTo")),
                in_range_from=_optional_date(item.get("validFromInRequestedRange")),
                in_range_to=_optional_date(item.get("validToInRequestedRange")),
                notes=item.get("notes") or None,
            )
        )
    return out
