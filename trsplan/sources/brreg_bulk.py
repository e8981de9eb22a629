"""The Enhetsregisteret bulk CSV layout and its conversion to Parquet.

The bulk downloads (``/enheter/lastned/csv``, ``/underenheter/lastned/csv``, gzip) have dotted
JSON paths as column names (``forretningsadresse.kommunenummer``), ``true``/``false`` flags, ISO
dates and codes as text. This module is the one home of that layout: the columns in their order
(:data:`BULK_COLUMNS`, which the synthetic generators in :mod:`trsplan.demo` and the tests write),
the typed columns, the columns counting needs, and:

- :func:`csv_to_parquet` converts a bulk CSV to Parquet, streaming: codes stay strings
  (``"0301"``), ``antallAnsatte`` is a nullable integer whose null means *withheld* (not 0), the
  flags are booleans, dates stay ISO strings.
- :func:`read_extract` reads the columns counting needs from such a Parquet file.

The download itself is :class:`trsplan.sources.brreg.BrregClient`'s.
"""

from __future__ import annotations

import contextlib
import csv
import gzip
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from trsplan.errors import RegisterFileError

__all__ = [
    "BOOLEAN_COLUMNS",
    "BULK_COLUMNS",
    "DICTIONARY_COLUMNS",
    "INTEGER_COLUMNS",
    "KINDS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "Conversion",
    "bulk_columns",
    "check_kind",
    "csv_to_parquet",
    "read_extract",
]

KINDS = ("enheter", "underenheter")

#: The columns both kinds start with.
_UNIT_COLUMNS = (
    "organisasjonsnummer",
    "navn",
    "organisasjonsform.kode",
    "organisasjonsform.beskrivelse",
    "naeringskode1.kode",
    "naeringskode1.beskrivelse",
    "harRegistrertAntallAnsatte",
    "antallAnsatte",
)


def _address(prefix: str) -> tuple[str, ...]:
    """An address object's columns (``forretningsadresse``, ``beliggenhetsadresse``)."""
    fields = ("adresse", "poststed", "postnummer", "kommune", "kommunenummer", "land", "landkode")
    return tuple(f"{prefix}.{field}" for field in fields)


#: The bulk files' columns in the register's order (a file may have more or fewer: the reader
#: needs only :data:`REQUIRED_COLUMNS`).
BULK_COLUMNS: dict[str, tuple[str, ...]] = {
    "enheter": (
        *_UNIT_COLUMNS,
        "hjemmeside",
        "postadresse.adresse",
        "postadresse.poststed",
        "postadresse.postnummer",
        "postadresse.kommunenummer",
        *_address("forretningsadresse"),
        "institusjonellSektorkode.kode",
        "stiftelsesdato",
        "registreringsdatoEnhetsregisteret",
        "registrertIMvaregisteret",
        "registrertIForetaksregisteret",
        "konkurs",
        "konkursdato",
        "underAvvikling",
        "underAvviklingDato",
        "underTvangsavviklingEllerTvangsopplosning",
        "maalform",
        "slettedato",
    ),
    "underenheter": (
        *_UNIT_COLUMNS,
        "overordnetEnhet",
        *_address("beliggenhetsadresse"),
        "oppstartsdato",
        "registreringsdatoEnhetsregisteret",
        "nedleggelsesdato",
        "slettedato",
    ),
}

#: Columns holding the register's ``true``/``false`` flags (others stay strings).
BOOLEAN_COLUMNS = frozenset(
    {
        "harRegistrertAntallAnsatte",
        "registrertIMvaregisteret",
        "registrertIForetaksregisteret",
        "registrertIStiftelsesregisteret",
        "registrertIFrivillighetsregisteret",
        "registrertIPartiregisteret",
        "konkurs",
        "underAvvikling",
        "underTvangsavviklingEllerTvangsopplosning",
        "erIKonsern",
    }
)
INTEGER_COLUMNS = frozenset({"antallAnsatte"})


def check_kind(kind: str) -> str:
    """``kind`` if it is one of :data:`KINDS`, else a ValueError."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    return kind


def bulk_columns(
    kind: str, *, omit: Iterable[str] = (), only: Iterable[str] | None = None
) -> tuple[str, ...]:
    """:data:`BULK_COLUMNS` of ``kind`` in their order, less ``omit`` and, with ``only``, less
    every column not in it (for a generator that writes part of the layout). An object name in
    ``omit`` (``"postadresse"``) drops all its columns (``postadresse.*``)."""
    layout = BULK_COLUMNS[check_kind(kind)]
    drop, keep = set(omit), None if only is None else set(only)
    known = set(layout) | {c.split(".")[0] for c in layout}
    unknown = (drop | (keep or set())) - known
    if unknown:
        raise ValueError(f"not columns of the {kind} bulk layout: {sorted(unknown)}")

    def kept(column: str) -> bool:
        dropped = column in drop or column.split(".")[0] in drop
        return not dropped and (keep is None or column in keep)

    return tuple(c for c in layout if kept(c))


#: The columns counting needs, per kind (a bulk file without one of them is refused).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "enheter": (
        "organisasjonsnummer",
        "naeringskode1.kode",
        "antallAnsatte",
        "forretningsadresse.kommunenummer",
        "registreringsdatoEnhetsregisteret",
    ),
    "underenheter": (
        "organisasjonsnummer",
        "overordnetEnhet",
        "antallAnsatte",
        "beliggenhetsadresse.kommunenummer",
        "registreringsdatoEnhetsregisteret",
    ),
}
#: Further columns read for counting when the file has them (older extracts lack some).
OPTIONAL_COLUMNS: dict[str, tuple[str, ...]] = {
    "enheter": (
        "harRegistrertAntallAnsatte",
        "organisasjonsform.kode",
        "stiftelsesdato",
        "slettedato",
        "konkurs",
        "konkursdato",
        "underAvvikling",
        "underAvviklingDato",
        "underTvangsavviklingEllerTvangsopplosning",
    ),
    "underenheter": (
        "harRegistrertAntallAnsatte",
        "naeringskode1.kode",
        "oppstartsdato",
        "nedleggelsesdato",
        "slettedato",
    ),
}
#: Repetitive columns read as dictionaries (each distinct value decoded and processed once).
DICTIONARY_COLUMNS = (
    "naeringskode1.kode",
    "organisasjonsform.kode",
    "forretningsadresse.kommunenummer",
    "beliggenhetsadresse.kommunenummer",
    "registreringsdatoEnhetsregisteret",
    "stiftelsesdato",
    "oppstartsdato",
    "slettedato",
    "nedleggelsesdato",
    "konkursdato",
    "underAvviklingDato",
)
MAX_REPORTED_LINES = 10
_INTEGER = r"^\s*\d+\s*$"


@dataclass(frozen=True)
class Conversion:
    """What :func:`csv_to_parquet` wrote: ``rows`` kept, ``malformed`` rows skipped (a wrong
    number of fields) with the first line numbers of the file, and ``bad_values`` (a typed
    field that is not a number or ``true``/``false``: kept as null) with the first row numbers
    of the converted table (1 = first data row kept)."""

    rows: int
    malformed: int = 0
    malformed_lines: tuple[int, ...] = ()
    bad_values: int = 0
    bad_value_records: tuple[int, ...] = ()

    def summary(self) -> str:
        parts = [f"{self.rows:,} rows"]
        if self.malformed:
            lines = ", ".join(str(n) for n in self.malformed_lines)
            parts.append(f"{self.malformed:,} malformed rows skipped (first at lines {lines})")
        if self.bad_values:
            records = ", ".join(str(n) for n in self.bad_value_records)
            parts.append(
                f"{self.bad_values:,} unreadable numbers or flags set to null (first in rows "
                f"{records} of the converted table)"
            )
        return "; ".join(parts)


def _header(gz_path: Path) -> list[str]:
    try:
        with gzip.open(gz_path, "rt", encoding="utf-8-sig", newline="") as handle:
            return next(csv.reader(handle))
    except (OSError, EOFError, UnicodeDecodeError, StopIteration, csv.Error) as exc:
        raise RegisterFileError(
            f"{gz_path} is not a readable gzip CSV ({exc}); download it again "
            "(`trsplan fetch --only brreg`)"
        ) from None


def _kind_of(header: Sequence[str]) -> str:
    return "underenheter" if "beliggenhetsadresse.kommunenummer" in header else "enheter"


def _typed_batch(batch: Any, names: Sequence[str], record0: int, bad: list[int]) -> Any:
    """The batch with ``antallAnsatte`` as int64 and the flags as bool; an unreadable value
    becomes null and its record number goes to ``bad``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = []
    for name, column in zip(names, batch.columns, strict=True):
        if name in INTEGER_COLUMNS:
            ok = pc.match_substring_regex(column, _INTEGER)
            problem = pc.and_(pc.is_valid(column), pc.invert(ok))
            column = pc.if_else(ok, pc.utf8_trim_whitespace(column), None).cast(pa.int64())
        elif name in BOOLEAN_COLUMNS:
            text = pc.utf8_lower(pc.utf8_trim_whitespace(column))
            known = pc.is_in(text, pa.array(["true", "false"]))
            problem = pc.and_(pc.is_valid(column), pc.invert(known))
            column = pc.if_else(known, pc.equal(text, "true"), None)
        else:
            arrays.append(column)
            continue
        arrays.append(column)
        if pc.any(problem).as_py():
            bad.extend(int(i) + record0 for i in pc.indices_nonzero(problem).to_numpy())
    return pa.RecordBatch.from_arrays(arrays, names=list(names))


def csv_to_parquet(gz_path: Path, parquet_path: Path, kind: str | None = None) -> Conversion:
    """Convert a bulk ``<kind>.csv.gz`` to Parquet (streamed, atomic).

    Types: strings for everything (codes keep their leading zeros; empty fields are null) except
    ``antallAnsatte`` (int64, null = withheld) and :data:`BOOLEAN_COLUMNS` (bool). Rows with a
    wrong number of fields are skipped and counted, an unreadable number or flag becomes null
    and is counted (:class:`Conversion`); a file that is not a gzip CSV, a truncated gzip or a
    missing :data:`REQUIRED_COLUMNS` column raises :class:`RegisterFileError` and writes nothing.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    gz_path, parquet_path = Path(gz_path), Path(parquet_path)
    header = _header(gz_path)
    kind = kind or _kind_of(header)
    missing = [c for c in REQUIRED_COLUMNS[check_kind(kind)] if c not in header]
    if missing:
        raise RegisterFileError(
            f"{gz_path}: the {kind} bulk file lacks the column(s) {missing}; the header starts "
            f"{header[:5]}. Is it the right file (/{kind}/lastned/csv)?"
        )
    schema = pa.schema(
        [
            (n, pa.int64() if n in INTEGER_COLUMNS else pa.bool_() if n in BOOLEAN_COLUMNS
             else pa.string())
            for n in header
        ]
    )  # fmt: skip
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(header, pa.string()),
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    malformed: list[int] = []

    def skip(row: Any) -> str:
        malformed.append(row.number)
        return "skip"

    read = pacsv.ReadOptions(block_size=16 << 20, encoding="utf8")
    parse = pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=skip)
    tmp = parquet_path.with_name(f".{parquet_path.name}.tmp")
    rows = 0
    bad: list[int] = []
    try:
        with contextlib.ExitStack() as stack:
            stream = stack.enter_context(pa.CompressedInputStream(pa.OSFile(str(gz_path)), "gzip"))
            reader = pacsv.open_csv(
                stream, read_options=read, parse_options=parse, convert_options=convert
            )
            writer = stack.enter_context(pq.ParquetWriter(str(tmp), schema, compression="zstd"))
            for batch in reader:
                writer.write_batch(_typed_batch(batch, header, rows + 1, bad))
                rows += batch.num_rows
        os.replace(tmp, parquet_path)
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        tmp.unlink(missing_ok=True)
        raise RegisterFileError(
            f"cannot convert {gz_path} to Parquet ({exc}); the file may be truncated: download "
            "it again (`trsplan fetch --only brreg`)"
        ) from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    lines = [n for n in malformed[:MAX_REPORTED_LINES] if n is not None]
    if len(lines) < min(len(malformed), MAX_REPORTED_LINES):
        # values may span lines, so the parser does not know line numbers: find them again
        lines = _malformed_lines(gz_path, len(header), MAX_REPORTED_LINES)
    return Conversion(
        rows=rows,
        malformed=len(malformed),
        malformed_lines=tuple(lines),
        bad_values=len(bad),
        bad_value_records=tuple(bad[:MAX_REPORTED_LINES]),
    )


def _malformed_lines(gz_path: Path, fields: int, limit: int) -> list[int]:
    """The first physical line numbers of records without ``fields`` fields (a slow second
    pass, only when the fast one found some)."""
    out: list[int] = []
    with gzip.open(gz_path, "rt", encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        start = reader.line_num + 1
        for record in reader:
            if len(record) != fields:
                out.append(start)
                if len(out) >= limit:
                    break
            start = reader.line_num + 1
    return out


def read_extract(source: Path | bytes, kind: str) -> Any:
    """The columns counting needs (:data:`REQUIRED_COLUMNS`, and :data:`OPTIONAL_COLUMNS` the
    file has) from a Parquet extract as written by :func:`csv_to_parquet`, as a pyarrow Table.
    A missing required column raises :class:`RegisterFileError`."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    handle = pa.BufferReader(source) if isinstance(source, bytes | bytearray) else str(source)
    parquet = pq.ParquetFile(handle)
    names = set(parquet.schema_arrow.names)
    missing = [c for c in REQUIRED_COLUMNS[check_kind(kind)] if c not in names]
    if missing:
        raise RegisterFileError(
            f"the {kind} extract lacks the column(s) {missing}; convert the bulk CSV again "
            "(`trsplan fetch --only brreg`)"
        )
    wanted = [*REQUIRED_COLUMNS[kind], *(c for c in OPTIONAL_COLUMNS[kind] if c in names)]
    parquet = pq.ParquetFile(handle, read_dictionary=[c for c in DICTIONARY_COLUMNS if c in names])
    return parquet.read(columns=wanted, use_threads=True)
