"""Statistics Norway KLASS, classification 131 (municipalities): parse payloads, build tables.

Parsing (``parse_changes``, ``parse_version``) and the table logic (``reconstruct_code_lists``,
``territory_periods``, ``classify_changes``, ``split_weight_rows``) are pure functions of the
payloads; only ``write_geography_tables`` / ``build_geography_tables`` touch the file system.

:class:`KlassClient` is the live client (``TRSPLAN_KLASS_URL``; classification, versions, codes,
codesAt and changes, on the shared HTTP layer in :mod:`trsplan.sources.http`). ``trsplan fetch
--only klass`` uses it to store the raw payloads in the snapshot and rebuild the geography tables.

``trsplan geography-build --changes FILE --version FILE [--out DIR]`` builds the tables from saved
payloads (it calls :func:`build_geography_tables`).

**Size.** Over 500 lines on purpose: parsing, reconstruction and the table writer are one pipeline
over the same dataclasses, and the facts KLASS lacks (Verrabotn, split shares) sit beside the code
that applies them, each with its source; the live client is in ``klass_client``.
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
from trsplan.errors import KlassError

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
