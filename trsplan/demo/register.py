"""SYNTHETIC Enhetsregisteret bulk files at full size, for tests and benchmarks.

:func:`write_register` writes ``enheter.csv.gz`` and ``underenheter.csv.gz`` in the layout of the
Brønnøysund bulk downloads (``/enheter/lastned/csv``, ``/underenheter/lastned/csv``: dotted JSON
paths as column names, ``true``/``false`` flags, ISO dates, codes as text) from a seed. Every
name starts with ``SYNTETISK`` and organisation numbers are not real ones. The full size (about
1.1 million enheter and 0.6 million underenheter, like the real register) is generated on demand
into an ignored folder (``data/processed/`` or a temporary one), never committed::

    trsplan demo-register data/processed/register-synthetic

Distributions (rough, to exercise the code at realistic shape, not to be read as statistics):
organisation forms (ENK and AS dominate), industries (a weighted list of divisions, 10 % without a
code), municipalities (a heavy-tailed spread over the municipalities valid at the extract, the
big cities first; some units with a foreign or missing address and some on Svalbard, 2100),
headcounts (most units have none registered; about a fifth withheld, 1–4; the rest a
heavy-tailed count from 5), deleted units, bankruptcies and units under dissolution, and both
NACE numberings: units registered from 2025 carry SN2025 codes (mapped from SN2007 through
``data/definitions/nace_sn2007_sn2025.csv``), older ones SN2007.
"""

from __future__ import annotations

import gzip
from datetime import date
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from trsplan.fileio import atomic_path
from trsplan.sources.brreg_bulk import BULK_COLUMNS

FULL_ENHETER = 1_100_000
FULL_UNDERENHETER = 600_000
SN2025_FROM = date(2025, 1, 1)

ENHET_COLUMNS = list(BULK_COLUMNS["enheter"])
UNDERENHET_COLUMNS = list(BULK_COLUMNS["underenheter"])

FORMS = {  # code: (description, share)
    "ENK": ("Enkeltpersonforetak", 0.36),
    "AS": ("Aksjeselskap", 0.33),
    "ESEK": ("Eierseksjonssameie", 0.08),
    "FLI": ("Forening/lag/innretning", 0.08),
    "ANS": ("Ansvarlig selskap", 0.03),
    "DA": ("Selskap med delt ansvar", 0.03),
    "NUF": ("Norskregistrert utenlandsk foretak", 0.03),
    "SA": ("Samvirkeforetak", 0.02),
    "STI": ("Stiftelse", 0.02),
    "BRL": ("Borettslag", 0.02),
}
# division: weight (SN2007); technology divisions (21, 26, 58-63, 72) included at realistic shares
DIVISIONS = {
    "01": 5, "02": 1, "03": 1, "10": 1, "16": 1, "20": 0.2, "21": 0.1, "25": 1, "26": 0.4,
    "27": 0.3, "28": 0.6, "33": 1, "41": 6, "43": 9, "45": 2, "46": 5, "47": 7, "49": 3,
    "55": 1, "56": 3, "58": 0.8, "59": 1.5, "60": 0.1, "61": 0.3, "62": 4, "63": 0.8, "64": 1,
    "68": 12, "69": 2, "70": 6, "71": 3, "72": 0.6, "73": 1.5, "74": 3, "77": 1, "81": 2,
    "82": 1.5, "85": 2, "86": 3, "90": 3, "93": 2, "94": 3, "96": 3,
}  # fmt: skip
SUBCLASSES = ("100", "110", "120", "190", "200", "210", "220", "300", "900", "909")
BIG_CITIES = ("0301", "4601", "5001", "1103", "3301", "3907", "5501", "4204", "1108", "3205")


def _municipalities(year: int) -> np.ndarray:
    from trsplan import geography

    try:
        codes = sorted(geography.valid_codes(year))
    except Exception:  # noqa: BLE001 - geography tables absent: a fixed list still exercises the code
        codes = [f"{c:04d}" for c in range(301, 5700, 13)]
    rest = [c for c in codes if c not in BIG_CITIES]
    return np.array([c for c in BIG_CITIES if c in codes] + rest, dtype=object)


def _pick(rng: np.random.Generator, n: int, values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    return values[rng.choice(len(values), size=n, p=weights / weights.sum())]


def _text(prefix: str, numbers: np.ndarray, suffix: str = "") -> pa.Array:
    return pc.binary_join_element_wise(prefix, pa.array(numbers).cast(pa.string()), suffix, "")


def _dates(days: np.ndarray) -> pa.Array:
    return pa.array(days.astype("datetime64[D]")).cast(pa.string())


def _nace(rng: np.random.Generator, n: int, sn2025: np.ndarray) -> pa.Array:
    divisions = np.array(list(DIVISIONS), dtype=object)
    division = _pick(rng, n, divisions, np.array(list(DIVISIONS.values()), dtype=float))
    sub = np.array(SUBCLASSES, dtype=object)[rng.integers(0, len(SUBCLASSES), n)]
    codes = np.char.add(np.char.add(division.astype(str), "."), sub.astype(str)).astype(object)
    uniques, inverse = np.unique(codes, return_inverse=True)
    new = _to_sn2025(uniques)[inverse]
    codes = np.where(sn2025, new, codes)
    codes[rng.random(n) < 0.10] = None
    return pa.array(codes, type=pa.string())


def _to_sn2025(codes: np.ndarray) -> np.ndarray:
    import pandas as pd

    from trsplan.indicators.technology import convert_nace

    candidates = convert_nace(pd.Series(codes, dtype="string"), to="sn2025")
    return np.array([c[0] for c in candidates], dtype=object)


def _headcounts(
    rng: np.random.Generator, n: int, employing: np.ndarray
) -> tuple[pa.Array, pa.Array]:
    """(harRegistrertAntallAnsatte, antallAnsatte): withheld 1-4 as null with the flag true."""
    u = rng.random(n)
    flag = employing & (u < 0.55)
    shown = flag & (u < 0.25)
    count = np.floor(5 * (1 - rng.random(n)) ** (-1 / 1.1)).astype(np.int64)
    count = np.minimum(count, 20_000)
    return pa.array(flag), pa.array(count, mask=~shown)


def _flags(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    return rng.random(n) < share


def enheter_table(n: int, extract: date, seed: int = 2026) -> pa.Table:
    """``n`` synthetic enheter as of ``extract`` (see the module docstring)."""
    rng = np.random.default_rng(seed)
    numbers = 810_000_000 + 53 * rng.permutation(n).astype(np.int64)
    forms = np.array(list(FORMS), dtype=object)
    form = _pick(rng, n, forms, np.array([v[1] for v in FORMS.values()]))
    end = np.datetime64(extract, "D").astype(np.int64)
    start = np.datetime64("1988-01-01", "D").astype(np.int64)
    # registration dates skewed towards recent years (the register grows)
    registered = (end - (end - start) * rng.random(n) ** 1.6).astype(np.int64)
    founded = registered - rng.integers(0, 30, n)
    sn2025 = registered >= np.datetime64(SN2025_FROM, "D").astype(np.int64)
    munis = _municipalities(extract.year)
    weights = 1.0 / np.arange(1, len(munis) + 1) ** 0.9
    muni = _pick(rng, n, munis, weights)
    foreign = _flags(rng, n, 0.004)
    muni[foreign] = None
    muni[_flags(rng, n, 0.0005)] = "2100"
    flag, count = _headcounts(rng, n, np.isin(form, ["AS", "ASA", "NUF", "SA", "ANS", "DA", "ENK"]))
    deleted = _flags(rng, n, 0.02)
    deleted_on = registered + ((end - registered) * rng.random(n)).astype(np.int64)
    bankrupt = _flags(rng, n, 0.005)
    dissolving = _flags(rng, n, 0.006)
    forced = _flags(rng, n, 0.003)
    postnr = pa.array((rng.integers(1, 9999, n)).astype(np.int64)).cast(pa.string())
    postnr = pc.utf8_lpad(postnr, 4, "0")
    form_desc = np.array([FORMS[f][0] for f in form], dtype=object)
    columns = {
        "organisasjonsnummer": pa.array(numbers).cast(pa.string()),
        "navn": _text("SYNTETISK ENHET ", numbers, " AS"),
        "organisasjonsform.kode": pa.array(form, type=pa.string()),
        "organisasjonsform.beskrivelse": pa.array(form_desc, type=pa.string()),
        "naeringskode1.kode": _nace(rng, n, sn2025),
        "naeringskode1.beskrivelse": pa.nulls(n, pa.string()).fill_null("Syntetisk næring"),
        "harRegistrertAntallAnsatte": flag,
        "antallAnsatte": count,
        "hjemmeside": pa.nulls(n, pa.string()),
        "postadresse.adresse": _text("Postboks ", rng.integers(1, 9000, n)),
        "postadresse.poststed": pa.nulls(n, pa.string()).fill_null("SYNTETISK"),
        "postadresse.postnummer": postnr,
        "postadresse.kommunenummer": pa.array(muni, type=pa.string()),
        "forretningsadresse.adresse": _text("Syntetisk gate ", rng.integers(1, 200, n)),
        "forretningsadresse.poststed": pa.nulls(n, pa.string()).fill_null("SYNTETISK"),
        "forretningsadresse.postnummer": postnr,
        "forretningsadresse.kommune": pa.nulls(n, pa.string()).fill_null("SYNTETISK KOMMUNE"),
        "forretningsadresse.kommunenummer": pa.array(muni, type=pa.string()),
        "forretningsadresse.land": pa.array(np.where(foreign, "Sverige", "Norge")),
        "forretningsadresse.landkode": pa.array(np.where(foreign, "SE", "NO")),
        "institusjonellSektorkode.kode": pa.nulls(n, pa.string()).fill_null("2100"),
        "stiftelsesdato": _dates(founded),
        "registreringsdatoEnhetsregisteret": _dates(registered),
        "registrertIMvaregisteret": pa.array(_flags(rng, n, 0.5)),
        "registrertIForetaksregisteret": pa.array(np.isin(form, ["AS", "ANS", "DA", "NUF", "SA"])),
        "konkurs": pa.array(bankrupt),
        "konkursdato": pa.array(np.where(bankrupt, _dates(deleted_on), None), type=pa.string()),
        "underAvvikling": pa.array(dissolving),
        "underAvviklingDato": pa.array(
            np.where(dissolving, _dates(deleted_on), None), type=pa.string()
        ),
        "underTvangsavviklingEllerTvangsopplosning": pa.array(forced),
        "maalform": pa.nulls(n, pa.string()).fill_null("Bokmål"),
        "slettedato": pa.array(np.where(deleted, _dates(deleted_on), None), type=pa.string()),
    }
    return pa.table(columns).select(ENHET_COLUMNS)


def underenheter_table(n: int, enheter: pa.Table, extract: date, seed: int = 2026) -> pa.Table:
    """``n`` synthetic underenheter whose ``overordnetEnhet`` are AS/NUF/SA/ANS/DA enheter of
    ``enheter`` (a parent has one or several); 70 % at the parent's municipality."""
    rng = np.random.default_rng(seed + 1)
    forms = enheter["organisasjonsform.kode"].to_numpy(zero_copy_only=False)
    eligible = np.flatnonzero(np.isin(forms, ["AS", "NUF", "SA", "ANS", "DA"]))
    # a few parents have many sites (heavy tail), most one
    weights = rng.pareto(1.3, len(eligible)) + 1
    parent = eligible[rng.choice(len(eligible), size=n, p=weights / weights.sum())]
    numbers = 970_000_000 + 17 * rng.permutation(n).astype(np.int64)
    parent_muni = enheter["forretningsadresse.kommunenummer"].to_numpy(zero_copy_only=False)
    munis = _municipalities(extract.year)
    other = _pick(rng, n, munis, 1.0 / np.arange(1, len(munis) + 1) ** 0.9)
    muni = np.where(rng.random(n) < 0.7, parent_muni[parent], other)
    parent_reg = (
        pc.strptime(enheter["registreringsdatoEnhetsregisteret"], "%Y-%m-%d", "s")
        .cast(pa.int64())
        .to_numpy()
        // 86_400
    )
    end = np.datetime64(extract, "D").astype(np.int64)
    started = parent_reg[parent] + ((end - parent_reg[parent]) * rng.random(n) ** 2).astype(
        np.int64
    )
    registered = started + rng.integers(0, 20, n)
    registered = np.minimum(registered, end)
    sn2025 = registered >= np.datetime64(SN2025_FROM, "D").astype(np.int64)
    flag, count = _headcounts(rng, n, np.ones(n, dtype=bool))
    closed = _flags(rng, n, 0.03)
    closed_on = registered + ((end - registered) * rng.random(n)).astype(np.int64)
    postnr = pc.utf8_lpad(pa.array(rng.integers(1, 9999, n)).cast(pa.string()), 4, "0")
    columns = {
        "organisasjonsnummer": pa.array(numbers).cast(pa.string()),
        "navn": _text("SYNTETISK AVDELING ", numbers),
        "organisasjonsform.kode": pa.nulls(n, pa.string()).fill_null("BEDR"),
        "organisasjonsform.beskrivelse": pa.nulls(n, pa.string()).fill_null(
            "Underenhet til næringsdrivende og offentlig forvaltning"
        ),
        "naeringskode1.kode": _nace(rng, n, sn2025),
        "naeringskode1.beskrivelse": pa.nulls(n, pa.string()).fill_null("Syntetisk næring"),
        "harRegistrertAntallAnsatte": flag,
        "antallAnsatte": count,
        "overordnetEnhet": enheter["organisasjonsnummer"].take(pa.array(parent)),
        "beliggenhetsadresse.adresse": _text("Syntetisk vei ", rng.integers(1, 200, n)),
        "beliggenhetsadresse.poststed": pa.nulls(n, pa.string()).fill_null("SYNTETISK"),
        "beliggenhetsadresse.postnummer": postnr,
        "beliggenhetsadresse.kommune": pa.nulls(n, pa.string()).fill_null("SYNTETISK KOMMUNE"),
        "beliggenhetsadresse.kommunenummer": pa.array(muni, type=pa.string()),
        "beliggenhetsadresse.land": pa.nulls(n, pa.string()).fill_null("Norge"),
        "beliggenhetsadresse.landkode": pa.nulls(n, pa.string()).fill_null("NO"),
        "oppstartsdato": _dates(started),
        "registreringsdatoEnhetsregisteret": _dates(registered),
        "nedleggelsesdato": pa.array(np.where(closed, _dates(closed_on), None), type=pa.string()),
        "slettedato": pa.array(np.where(closed, _dates(closed_on), None), type=pa.string()),
    }
    return pa.table(columns).select(UNDERENHET_COLUMNS)


def write_csv_gz(table: pa.Table, path: Path, *, level: int = 1) -> Path:
    """``table`` as a gzip CSV in the bulk layout (atomic)."""
    options = pacsv.WriteOptions(quoting_style="needed", batch_size=1 << 16)
    with atomic_path(Path(path)) as tmp, gzip.open(tmp, "wb", compresslevel=level) as out:
        pacsv.write_csv(table, out, write_options=options)
    return Path(path)


def write_register(
    folder: Path,
    *,
    enheter: int = FULL_ENHETER,
    underenheter: int = FULL_UNDERENHETER,
    extract: date = date(2026, 11, 1),
    seed: int = 2026,
) -> tuple[Path, Path]:
    """Write ``enheter.csv.gz`` and ``underenheter.csv.gz`` (SYNTHETIC) into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    units = enheter_table(enheter, extract, seed)
    sites = underenheter_table(underenheter, units, extract, seed)
    (folder / "SYNTHETIC.txt").write_text(
        f"SYNTHETIC Enhetsregisteret bulk files from trsplan.demo.register (seed {seed}, "
        f"extract {extract}); not real data.\n",
        encoding="utf-8",
    )
    return (
        write_csv_gz(units, folder / "enheter.csv.gz"),
        write_csv_gz(sites, folder / "underenheter.csv.gz"),
    )
