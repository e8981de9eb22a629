"""The synthetic Brønnøysund (Enhetsregisteret) extract of the demo snapshot: enheter and
underenheter in the bulk CSV layout (gzip), with fictitious units. Written by the labour
generator (:mod:`trsplan.demo.labour`) beside its SSB tables, with its seed and configuration.
"""

from __future__ import annotations

import csv
import gzip
import io
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from trsplan import geography, paths
from trsplan.demo.common import RETRIEVED_AT, round_half_up
from trsplan.sources.brreg_bulk import BULK_COLUMNS, bulk_columns

__all__ = [
    "BRREG_FILES",
    "BRREG_LICENCE",
    "ENHET_COLUMNS",
    "UNDERENHET_COLUMNS",
    "brreg_files",
    "build_brreg",
]

BRREG_LICENCE = "NLOD 2.0 (synthetic demo data in the layout of Brønnøysundregistrene's extract)"
BRREG_BASE = "https://data.brreg.no/enhetsregisteret/api"
BRREG_FILES = ("enheter.csv.gz", "underenheter.csv.gz")
#: The bulk layout less what the demo does not simulate (postal address, other registers).
ENHET_COLUMNS = bulk_columns(
    "enheter",
    omit=(
        "hjemmeside",
        "postadresse",
        "institusjonellSektorkode.kode",
        "registrertIMvaregisteret",
        "registrertIForetaksregisteret",
        "underAvviklingDato",
        "underTvangsavviklingEllerTvangsopplosning",
        "maalform",
    ),
)
UNDERENHET_COLUMNS = BULK_COLUMNS["underenheter"]


def _date(ordinal: np.ndarray) -> np.ndarray:
    """Day numbers (days since 1970-01-01) -> ISO date strings."""
    return np.datetime_as_string(ordinal.astype("datetime64[D]"), unit="D")


def _day(text: str) -> int:
    return int(np.datetime64(text, "D").astype(np.int64))


def _gzip(text: str, inner_name: str) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(
        filename=inner_name, mode="wb", fileobj=buffer, mtime=0, compresslevel=9
    ) as handle:
        handle.write(text.encode("utf-8"))
    return buffer.getvalue()


def _csv(columns: Sequence[str], frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(columns)
    writer.writerows(frame[list(columns)].itertuples(index=False, name=None))
    return buffer.getvalue()


def _street(cfg: Mapping[str, Any], rng: np.random.Generator) -> str:
    streets = cfg["streets"]
    return f"{streets[int(rng.integers(0, len(streets)))]} {int(rng.integers(1, 80))}"


def _kommune_name(code: str) -> str:
    return geography.name(code).split(" - ")[0].upper()


def build_brreg(
    config: Mapping[str, Any], rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The synthetic Enhetsregisteret extract: (enheter, underenheter) as string frames in the
    bulk CSV layout (empty string = null); ``config`` is the labour generator's (``brreg`` part
    used), ``rng`` its ``brreg`` random stream."""
    cfg = dict(config)["brreg"]
    extract = _day(cfg["extract_date"])
    first = int(cfg["first_year"])
    last = int(cfg["extract_date"][:4])

    # tech units registered in the region, per year (Poisson), placed by member weights
    years = np.arange(first, last + 1)
    births = cfg["region_births_1990"] * np.exp(cfg["region_birth_growth"] * (years - first))
    births[-1] *= (extract - _day(f"{last}-01-01")) / 365.0  # the extract year is partial
    n_region = rng.poisson(births)
    n_outside = rng.poisson(births * cfg["outside_share"])
    n_tech = n_region + n_outside
    member = list(cfg["member_weights"])
    outside = list(cfg["outside_weights"])
    mw = np.array([cfg["member_weights"][c] for c in member], dtype=float)
    ow = np.array([cfg["outside_weights"][c] for c in outside], dtype=float)
    year_of = np.repeat(years, n_tech)
    in_region = np.concatenate(
        [
            np.r_[np.ones(a, bool), np.zeros(b, bool)]
            for a, b in zip(n_region, n_outside, strict=True)
        ]
    )
    kommune = np.where(
        in_region,
        np.array(member)[rng.choice(len(member), size=len(year_of), p=mw / mw.sum())],
        np.array(outside)[rng.choice(len(outside), size=len(year_of), p=ow / ow.sum())],
    )
    n_non = rng.poisson(len(year_of) * cfg["non_tech_per_tech"])
    # non-tech units: same years and places as a random tech unit
    pick = rng.choice(len(year_of), size=n_non)
    tech = np.r_[np.ones(len(year_of), bool), np.zeros(n_non, bool)]
    year_of = np.r_[year_of, year_of[pick]]
    kommune = np.r_[kommune, kommune[pick]]
    n = len(year_of)

    tech_codes = cfg["tech_codes"]
    other_codes = cfg["non_tech_codes"]
    tc = list(tech_codes)
    oc = list(other_codes)
    tw = np.array([tech_codes[c]["weight"] for c in tc], dtype=float)
    ow2 = np.array([other_codes[c]["weight"] for c in oc], dtype=float)
    code = np.where(
        tech,
        np.array(tc)[rng.choice(len(tc), size=n, p=tw / tw.sum())],
        np.array(oc)[rng.choice(len(oc), size=n, p=ow2 / ow2.sum())],
    )
    forms = list(cfg["forms"])
    fw = np.array([cfg["forms"][f]["share"] for f in forms], dtype=float)
    form = np.array(forms)[rng.choice(len(forms), size=n, p=fw / fw.sum())]

    # dates: founded within the year; registered in Enhetsregisteret shortly after (1995 for
    # older units); deleted after an exponential lifetime if that falls before the extract
    start_of_year = np.array([_day(f"{y}-01-01") for y in year_of])
    founded = start_of_year + rng.integers(0, 365, size=n)
    founded = np.minimum(founded, extract - 1)
    registered = founded + rng.integers(0, 30, size=n)
    old = founded < _day("1995-01-01")
    registered = np.where(old, _day("1995-01-01") + rng.integers(0, 365, size=n), registered)
    registered = np.minimum(registered, extract - 1)
    lifetime = rng.exponential(365.25 / cfg["deletion_hazard"], size=n).astype(np.int64)
    deleted_on = registered + 30 + lifetime
    deleted = deleted_on < extract

    # employees
    ec = cfg["employees"]
    u = rng.random(n)
    counts = np.minimum(
        np.maximum(
            round_half_up(np.exp(math.log(ec["median"]) + ec["sigma"] * rng.standard_normal(n))), 5
        ),
        ec["max"],
    )
    company = np.isin(form, ["AS", "ASA", "NUF"])
    withheld = np.where(
        company, (u >= ec["none"]) & (u < ec["none"] + ec["withheld"]), u < cfg["enk_withheld"]
    )
    has_count = company & (u >= ec["none"] + ec["withheld"])
    has_count |= form == "ASA"
    withheld &= ~has_count
    flag = has_count | withheld

    # flags of alive units
    v = rng.random(n)
    konkurs = ~deleted & (v < cfg["konkurs"])
    avvikling = ~deleted & ~konkurs & (v < cfg["konkurs"] + cfg["under_avvikling"])
    konkursdato = np.where(konkurs, np.minimum(registered + 365 * 3, extract - 1), -1)

    # SN2025 for units registered from the cut-off date
    sn2025 = registered >= _day(cfg["sn2025_from"])
    labels = {
        **{c: v["label"] for c, v in tech_codes.items()},
        **{c: v["label"] for c, v in other_codes.items()},
    }
    new_code = {
        **{c: v.get("sn2025", c) for c, v in tech_codes.items()},
        **{c: v.get("sn2025", c) for c, v in other_codes.items()},
    }
    new_label = {
        **{c: v.get("label_sn2025", v["label"]) for c, v in tech_codes.items()},
        **{c: v.get("label_sn2025", v["label"]) for c, v in other_codes.items()},
    }
    nace = np.where(sn2025, [new_code[c] for c in code], code)
    nace_label = np.where(sn2025, [new_label[c] for c in code], [labels[c] for c in code])

    # organisation numbers: 9 digits starting with 0 (never a real one), unique
    pool = 10_000_000 + rng.choice(90_000_000, size=3 * n + 100, replace=False)
    orgnr = np.array([f"0{x:08d}" for x in pool[:n]])

    # names
    first_part = np.array(cfg["name_first"])[rng.integers(0, len(cfg["name_first"]), size=n)]
    second_part = np.array(cfg["name_second"])[rng.integers(0, len(cfg["name_second"]), size=n)]
    persons_first = np.array(
        ["OLA", "KARI", "PER", "INGRID", "ANDERS", "SIGRID", "JONAS", "MARTE", "EIRIK", "SILJE"]
    )
    persons_last = np.array(
        ["NORDMANN", "HANSEN", "BAKKEN", "LIEN", "MOEN", "AUNE", "STRAND", "HAUGEN", "BERG", "DAHL"]
    )
    person = np.char.add(
        np.char.add(persons_first[rng.integers(0, 10, size=n)], " "),
        persons_last[rng.integers(0, 10, size=n)],
    )
    names = []
    seen: dict[str, int] = {}
    for i in range(n):
        if form[i] == "ENK":
            name = f"{person[i]} {second_part[i]}"
        else:
            name = f"{first_part[i]} {second_part[i]} {form[i]}"
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:
            stem, _, suffix = name.rpartition(" ")
            name = f"{stem} {seen[name]} {suffix}" if form[i] != "ENK" else f"{name} {seen[name]}"
        names.append(name)

    street = np.array(cfg["streets"])[rng.integers(0, len(cfg["streets"]), size=n)]
    number = rng.integers(1, 80, size=n)
    post = {str(k): v for k, v in cfg["post"].items()}

    enheter = pd.DataFrame(
        {
            "organisasjonsnummer": orgnr,
            "navn": names,
            "organisasjonsform.kode": form,
            "organisasjonsform.beskrivelse": [cfg["forms"][f]["label"] for f in form],
            "naeringskode1.kode": nace,
            "naeringskode1.beskrivelse": nace_label,
            "harRegistrertAntallAnsatte": np.where(flag, "true", "false"),
            "antallAnsatte": np.where(has_count, counts.astype(str), ""),
            "forretningsadresse.adresse": [f"{s} {k}" for s, k in zip(street, number, strict=True)],
            "forretningsadresse.poststed": [post[k][1] for k in kommune],
            "forretningsadresse.postnummer": [post[k][0] for k in kommune],
            "forretningsadresse.kommune": [_kommune_name(k) for k in kommune],
            "forretningsadresse.kommunenummer": kommune,
            "forretningsadresse.land": "Norge",
            "forretningsadresse.landkode": "NO",
            "stiftelsesdato": np.where(form == "ENK", "", _date(founded)),
            "registreringsdatoEnhetsregisteret": _date(registered),
            "konkurs": np.where(konkurs, "true", "false"),
            "konkursdato": np.where(konkurs, _date(np.maximum(konkursdato, 0)), ""),
            "underAvvikling": np.where(avvikling, "true", "false"),
            "slettedato": np.where(deleted, _date(deleted_on), ""),
        }
    )
    enheter["_employees"] = np.where(has_count, counts, 0)

    if cfg.get("curated_list"):
        enheter = pd.concat([enheter, _curated_units(cfg, rng, post)], ignore_index=True)
    enheter = enheter.sort_values("organisasjonsnummer", kind="stable", ignore_index=True)

    underenheter = _underenheter(enheter, cfg, rng, pool[n:], post)
    return enheter.drop(columns="_employees"), underenheter


def _curated_units(
    cfg: Mapping[str, Any], rng: np.random.Generator, post: Mapping[str, Any]
) -> pd.DataFrame:
    path = paths.definitions_dir() / "tech_companies_orgnr.csv"
    listed = pd.read_csv(path, dtype=str, comment="#", keep_default_na=False)
    codes = {**cfg["tech_codes"], **cfg["non_tech_codes"]}
    rows = []
    for r in listed.sort_values("organisasjonsnummer").itertuples():
        code = cfg["curated_nace"].get(r.kategori, "62.010")
        year = int(rng.integers(1996, 2016))
        founded = _day(f"{year}-01-01") + int(rng.integers(0, 365))
        employees = int(rng.integers(40, 400))
        rows.append(
            {
                "organisasjonsnummer": str(r.organisasjonsnummer).zfill(9),
                "navn": str(r.navn).upper(),
                "organisasjonsform.kode": "AS",
                "organisasjonsform.beskrivelse": cfg["forms"]["AS"]["label"],
                "naeringskode1.kode": code,
                "naeringskode1.beskrivelse": codes[code]["label"],
                "harRegistrertAntallAnsatte": "true",
                "antallAnsatte": str(employees),
                "forretningsadresse.adresse": _street(cfg, rng),
                "forretningsadresse.poststed": post["5001"][1],
                "forretningsadresse.postnummer": post["5001"][0],
                "forretningsadresse.kommune": _kommune_name("5001"),
                "forretningsadresse.kommunenummer": "5001",
                "forretningsadresse.land": "Norge",
                "forretningsadresse.landkode": "NO",
                "stiftelsesdato": str(_date(np.array([founded]))[0]),
                "registreringsdatoEnhetsregisteret": str(_date(np.array([founded + 7]))[0]),
                "konkurs": "false",
                "konkursdato": "",
                "underAvvikling": "false",
                "slettedato": "",
                "_employees": employees,
            }
        )
    return pd.DataFrame(rows)


def _underenheter(
    enheter: pd.DataFrame,
    cfg: Mapping[str, Any],
    rng: np.random.Generator,
    numbers: np.ndarray,
    post: Mapping[str, Any],
) -> pd.DataFrame:
    """One establishment (BEDR) per company with employees; companies with 100+ employees get a
    second one elsewhere (a member municipality or a city), with part of the employees."""
    parents = enheter[enheter["organisasjonsform.kode"].isin(["AS", "ASA", "NUF"])]
    parents = parents[parents["harRegistrertAntallAnsatte"] == "true"]
    rows = []
    places = list(cfg["member_weights"]) + ["0301", "4601", "1103"]
    k = 0
    for rec in parents.to_dict("records"):
        employees = int(rec["_employees"])
        split = employees >= 100
        parts = [(rec["forretningsadresse.kommunenummer"], employees)]
        if split:
            second = int(employees * rng.uniform(0.1, 0.4))
            other = places[int(rng.integers(0, len(places)))]
            if other == rec["forretningsadresse.kommunenummer"]:
                other = "0301" if other != "0301" else "5001"
            parts = [(parts[0][0], employees - second), (other, second)]
        for j, (kommune, count) in enumerate(parts):
            known = rec["antallAnsatte"] != ""
            rows.append(
                {
                    "organisasjonsnummer": f"0{int(numbers[k]):08d}",
                    "navn": rec["navn"]
                    if j == 0
                    else f"{rec['navn']} AVD {_kommune_name(kommune)}",
                    "organisasjonsform.kode": "BEDR",
                    "organisasjonsform.beskrivelse": (
                        "Underenhet til næringsdrivende og offentlig forvaltning"
                    ),
                    "naeringskode1.kode": rec["naeringskode1.kode"],
                    "naeringskode1.beskrivelse": rec["naeringskode1.beskrivelse"],
                    "harRegistrertAntallAnsatte": "true",
                    "antallAnsatte": str(count) if known and count >= 5 else "",
                    "overordnetEnhet": rec["organisasjonsnummer"],
                    "beliggenhetsadresse.adresse": (
                        rec["forretningsadresse.adresse"] if j == 0 else _street(cfg, rng)
                    ),
                    "beliggenhetsadresse.poststed": post[kommune][1],
                    "beliggenhetsadresse.postnummer": post[kommune][0],
                    "beliggenhetsadresse.kommune": _kommune_name(kommune),
                    "beliggenhetsadresse.kommunenummer": kommune,
                    "beliggenhetsadresse.land": "Norge",
                    "beliggenhetsadresse.landkode": "NO",
                    "oppstartsdato": rec["stiftelsesdato"]
                    or rec["registreringsdatoEnhetsregisteret"],
                    "registreringsdatoEnhetsregisteret": rec["registreringsdatoEnhetsregisteret"],
                    "nedleggelsesdato": rec["slettedato"],
                    "slettedato": rec["slettedato"],
                }
            )
            k += 1
    frame = pd.DataFrame(rows, columns=list(UNDERENHET_COLUMNS))
    return frame.sort_values("organisasjonsnummer", kind="stable", ignore_index=True)


def brreg_files(
    enheter: pd.DataFrame, underenheter: pd.DataFrame, sim_seed: int
) -> dict[str, tuple[bytes, dict[str, Any]]]:
    out = {}
    for kind, frame, columns in (
        ("enheter", enheter, ENHET_COLUMNS),
        ("underenheter", underenheter, UNDERENHET_COLUMNS),
    ):
        payload = _gzip(_csv(columns, frame), f"{kind}.csv")
        imitated = f"{BRREG_BASE}/{kind}/lastned/csv"
        out[f"{kind}.csv.gz"] = (
            payload,
            {
                "table_id": None,
                "url": None,  # generated, not downloaded
                "query": {
                    "layout_of": imitated,
                    "format": "csv (gzip): the bulk layout, columns are dotted JSON paths",
                    "rows": len(frame),
                    "columns": list(columns),
                    "demo_note": (
                        "fictitious units; organisation numbers start with 0; deleted units keep "
                        "their last fields (the real bulk file has no deleted units)"
                    ),
                },
                "retrieved_at": RETRIEVED_AT,
                "licence": BRREG_LICENCE,
                "synthetic": True,
                "updated": None,
                "media_type": "application/gzip",
                "generator": f"trsplan.demo_labour seed={sim_seed}",
            },
        )
    return out
