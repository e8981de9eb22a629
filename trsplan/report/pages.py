"""Building blocks the report notebooks call: load the store, tables and sentences from numbers.

Everything here only selects and words what the indicator store already holds.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from trsplan import geography
from trsplan.indicators.store import read_store, select, wide
from trsplan.report.memo import geo_rows
from trsplan.report.text import (
    DEMO_BANNER,
    PLACEHOLDER_SOURCE,
    fmt_number,
    fmt_percent,
    label,
)

COMPONENTS = ["natural_increase", "net_domestic_migration", "net_international_migration"]
KEY_FIGURES = [
    "population",
    "population_change",
    "births",
    "deaths",
    "net_domestic_migration",
    "net_international_migration",
    "population_share_norway",
]


@dataclass(frozen=True)
class ReportRequest:
    """What one report is about, resolved and checked once (by ``trsplan.report.build``).

    The notebooks receive these fields as papermill parameters and trust them; run by hand with
    the defaults, ``request`` resolves the empty ones the same way ``trsplan report`` does.
    """

    kind: str  # "region" or "municipality"
    code: str
    region: str
    year: int
    lang: str
    name: str
    members: tuple[str, ...]
    data_dir: str  # folder with indicators.parquet, status.parquet and forecasts.parquet
    snapshot_version: str


def request(
    *,
    kind: str,
    code: str,
    region: str,
    year: int = 0,
    lang: str = "nb",
    indicators_path: str = "",
    snapshot_version: str = "",
    name: str = "",
    members: list[str] | None = None,
) -> ReportRequest:
    """The notebook's request: trusted when ``trsplan report`` resolved it, else resolved here."""
    if not (indicators_path and year and name and members is not None):
        from trsplan.report.build import resolve_request

        return resolve_request(
            kind=kind,
            code=code,
            region=region,
            year=year or None,
            lang=lang,
            snapshot_version=snapshot_version or None,
            indicators_path=indicators_path,
        )
    return ReportRequest(
        kind=kind,
        code=code,
        region=region,
        year=int(year),
        lang=lang,
        name=name,
        members=tuple(members),
        data_dir=str(Path(indicators_path).parent),
        snapshot_version=snapshot_version,
    )


# Read once per kernel (a warm kernel runs many reports): keyed by the files' identity, so a
# rewritten store is read again. A geography's rows are cut out the first time a report asks for
# them and kept (``memo.geo_rows``; the comparator regions and Norway are in every report), so a
# report's rows are a concatenation of a few small pieces instead of a pick from the whole store.
# Cutting every geography up front cost ~3 s per kernel before its first report.
_DATA_CACHE: dict[tuple, tuple[pd.DataFrame, ...]] = {}
DATA_FILES = ("indicators", "status", "forecasts")


def _identity(folder: Path) -> tuple:
    stats = [(folder / f"{n}.parquet").stat() for n in DATA_FILES]
    return (str(folder.resolve()), *((s.st_mtime_ns, s.st_size) for s in stats))


def _split(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a kernel keeps it, to be cut by geography (``_cut``): its index in file
    order, and without the reader's ``attrs`` (set-aside notes), which reports do not read and
    pandas deep-copies into the result of every operation on the frame."""
    frame = frame.copy(deep=False)
    frame.attrs = {}
    if not frame.index.is_monotonic_increasing:  # the pieces' index must give file order
        frame = frame.reset_index(drop=True)
    return frame


def _cut(frame: pd.DataFrame, geos: list[str]) -> pd.DataFrame:
    """The rows of ``geos`` in the file's order (as a boolean mask on the whole frame gives)."""
    picked = [p for p in (geo_rows(frame, g) for g in dict.fromkeys(geos)) if len(p)]
    if not picked:
        return frame.iloc[:0]
    rows = pd.concat(picked) if len(picked) > 1 else picked[0]
    return rows.take(np.argsort(rows.index.to_numpy(), kind="stable"))


def report_geos(req: ReportRequest) -> list[str]:
    """The geographies a report shows: itself, the region's members, every region, the
    comparator city regions (10 % commuting rule) and Norway."""
    from trsplan.indicators.compute import COMMUTING_IDS

    regions = [*geography.region_ids(), *COMMUTING_IDS]
    return list(dict.fromkeys([req.code, *req.members, *regions, "norge"]))


def load(req: ReportRequest) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The store, status and forecasts ``trsplan report`` wrote, cut to the report's geographies.

    The rows kept are exactly those of ``report_geos`` in the files' order, so every selection
    a report makes gives the same answer as on the whole files, only faster.
    """
    folder = Path(req.data_dir)
    key = _identity(folder)
    if key not in _DATA_CACHE:
        _DATA_CACHE.clear()
        _DATA_CACHE[key] = (
            _split(read_store(folder / "indicators.parquet")),
            _split(pd.read_parquet(folder / "status.parquet")),
            _split(pd.read_parquet(folder / "forecasts.parquet")),
        )
    geos = report_geos(req)
    store, status, forecasts = (_cut(split, geos) for split in _DATA_CACHE[key])
    return store, status, forecasts


_PREVIOUS_CACHE: dict[tuple, tuple[set[str], pd.DataFrame]] = {}


def previous_status(req: ReportRequest, store: pd.DataFrame) -> pd.DataFrame:
    """The evaluation two years earlier for the report's geography: from the
    ``status_previous.parquet`` ``trsplan report`` wrote for its reports (read once per kernel),
    else computed here (a notebook run by hand on another geography)."""
    path = Path(req.data_dir) / "status_previous.parquet"
    stamp = path.with_suffix(".key")
    if path.is_file() and stamp.is_file():
        stats = (path.stat(), stamp.stat())
        key = (str(path.resolve()), *((s.st_mtime_ns, s.st_size) for s in stats))
        if key not in _PREVIOUS_CACHE:
            _PREVIOUS_CACHE.clear()
            covered = set(stamp.read_text().strip().partition("\n")[2].split(","))
            _PREVIOUS_CACHE[key] = (covered, _split(pd.read_parquet(path)))
        covered, previous = _PREVIOUS_CACHE[key]
        if req.code in covered:
            return geo_rows(previous, req.code).reset_index(drop=True)
    from trsplan.report.scorecard import previous_evaluation

    return previous_evaluation(store, req.year, req.code)


_CHECKSUMS: dict[str, dict[str, str]] = {}


def snapshot_checksums(version: str) -> dict[str, str]:
    """The snapshot's file checksums, read once per kernel and version."""
    if version not in _CHECKSUMS:
        from trsplan.snapshot import Snapshot

        _CHECKSUMS[version] = Snapshot.open(version or None).checksums()
    return _CHECKSUMS[version]


def load_store(indicators_path: str = "", snapshot_version: str = "") -> pd.DataFrame:
    """The store written by ``trsplan report``; computed from the snapshot when no path."""
    if indicators_path:
        return read_store(indicators_path)
    from trsplan.indicators.compute import compute_store
    from trsplan.snapshot.store import Snapshot

    return compute_store(Snapshot.open(snapshot_version or None))


def check_geo(store: pd.DataFrame, geo_code: str) -> str:
    if not isinstance(geo_code, str):
        raise TypeError(f"geography code must be a string such as '5001', got {geo_code!r}")
    if not (store["geo_code"] == geo_code).any():
        raise ValueError(
            f"{geo_code} is not in the indicator store (code vintage "
            f"{int(store['code_vintage'].iloc[0])})"
        )
    return geo_code


def banner(store: pd.DataFrame, lang: str) -> str:
    if not store["synthetic"].any():
        return ""
    return f'<p class="trsplan-banner" role="note">{html.escape(DEMO_BANNER[lang])}</p>'


def geo_name(store: pd.DataFrame, geo_code: str, lang: str = "nb") -> str:
    name = str(store.loc[store["geo_code"] == geo_code, "geo_name"].iloc[0])
    if lang == "en" and store.loc[store["geo_code"] == geo_code, "geo_level"].iloc[0] == "region":
        from trsplan.indicators.compute import region_label

        return region_label(geo_code, "en")
    return name


def last_complete(series: pd.Series, year: int) -> int | None:
    """The latest year up to ``year`` with a value (flows lag the 1 January stock by a year)."""
    known = series.loc[:year].dropna()
    return int(known.index[-1]) if len(known) else None


def key_figures_html(store: pd.DataFrame, geo_code: str, year: int, lang: str) -> str:
    """A small table: each key figure in the report year and two years earlier."""
    table = wide(store, geo_code, KEY_FIGURES)
    flows_year = last_complete(table["population_change"], year) or year
    head = "Indikator" if lang == "nb" else "Indicator"
    rows = []
    for key in KEY_FIGURES:
        y = year if key in ("population", "population_share_norway") else flows_year
        now, before = table[key].get(y), table[key].get(y - 2)
        fmt = (
            (lambda v: fmt_percent(v, 2, lang))
            if key.endswith("share_norway")
            else (lambda v: fmt_number(v, 0, lang))
        )
        rows.append(
            f"<tr><td>{html.escape(label(key, lang))} ({y})</td><td>{fmt(now)}</td>"
            f"<td>{fmt(before)}</td></tr>"
        )
    cols = ("Verdi", "To år før") if lang == "nb" else ("Value", "Two years earlier")
    return (
        '<table class="trsplan-keyfigures"><thead><tr>'
        f"<th>{head}</th><th>{cols[0]}</th><th>{cols[1]}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def population_summary(store: pd.DataFrame, geo_code: str, year: int, lang: str) -> str:
    """Two sentences on population and growth, from the numbers only."""
    table = wide(store, geo_code, ["population", "population_change", *COMPONENTS])
    name = geo_name(store, geo_code, lang)
    pop = table["population"].get(year)
    fy = last_complete(table["population_change"], year)
    if fy is None:
        return f"{name}: {fmt_number(pop, 0, lang)}."
    change = table.loc[fy, "population_change"]
    natural, domestic, intl = (table.loc[fy, c] for c in COMPONENTS)
    if lang == "nb":
        direction = "økte" if change >= 0 else "gikk ned"
        return (
            f"{name} hadde {fmt_number(pop, 0, lang)} innbyggere 1. januar {year}. "
            f"I {fy} {direction} folketallet med {fmt_number(abs(change), 0, lang)}: "
            f"fødselsoverskudd {fmt_number(natural, 0, lang, sign=True)}, netto innenlands "
            f"flytting {fmt_number(domestic, 0, lang, sign=True)} og nettoinnvandring "
            f"{fmt_number(intl, 0, lang, sign=True)}."
        )
    direction = "grew" if change >= 0 else "fell"
    return (
        f"{name} had {fmt_number(pop, 0, lang)} inhabitants on 1 January {year}. "
        f"In {fy} the population {direction} by {fmt_number(abs(change), 0, lang)}: natural "
        f"increase {fmt_number(natural, 0, lang, sign=True)}, net domestic migration "
        f"{fmt_number(domestic, 0, lang, sign=True)} and net international migration "
        f"{fmt_number(intl, 0, lang, sign=True)}."
    )


def goal_5_1_summary(store: pd.DataFrame, region: str, year: int, lang: str) -> str:
    """Whether goal 5.1 is met in the latest complete year and cumulatively since 2010."""
    table = wide(
        store,
        region,
        [
            "population_change",
            "population_change_target",
            "goal_5_1_annual_met",
            "cumulative_population_change",
            "cumulative_population_change_target",
            "goal_5_1_cumulative_met",
        ],
    )
    fy = last_complete(table["population_change"], year)
    if fy is None:
        return label("not_assessed", lang)
    row = table.loc[fy]
    annual = label("met" if row["goal_5_1_annual_met"] == 1 else "not_met", lang)
    cumulative = label("met" if row["goal_5_1_cumulative_met"] == 1 else "not_met", lang)
    target, change, cum, cum_target = (
        fmt_number(row[k], 0, lang)
        for k in (
            "population_change_target",
            "population_change",
            "cumulative_population_change",
            "cumulative_population_change_target",
        )
    )
    if lang == "nb":
        return (
            f"Mål 5.1 (befolkningsvekst på {target} i året): "
            f"veksten i {fy} var {change} – målet er **{annual}**. "
            f"Samlet vekst 2010–{fy} var {cum} mot et mål på {cum_target} – "
            f"**{cumulative}**."
        )
    return (
        f"Goal 5.1 (population growth of {target} a "
        f"year): growth in {fy} was {change} – the target "
        f"is **{annual}**. Cumulative growth 2010–{fy} was "
        f"{cum} against a target of {cum_target} – **{cumulative}**."
    )


def member_table(store: pd.DataFrame, codes: list[str], indicator_id: str, year: int) -> pd.Series:
    """One indicator for several municipalities in a year, named by municipality."""
    rows = select(store, geo_code=codes, indicator_id=indicator_id, years=(year, year))
    return rows.set_index("geo_name")["value"]


SOURCE_NOTES = {
    (
        "nb",
        True,
    ): "Dataene er syntetiske demodata kalibrert mot SSBs tall, ikke offisiell statistikk.",
    ("nb", False): "Dataene er hentet fra SSBs API.",
    (
        "en",
        True,
    ): "The data are synthetic demo data calibrated on SSB figures, not official statistics.",
    ("en", False): "The data were retrieved from SSB's API.",
}


def sources_html(
    store: pd.DataFrame, lang: str, snapshot_checksums: dict[str, str] | None = None
) -> str:
    """The tables behind the store's rows and the checksums of exactly those snapshot files."""
    tables = sorted({t for s in store["source_tables"].dropna().unique() for t in s.split(";")})
    lead = (
        "Kilder: Statistisk sentralbyrå (SSB), tabellene "
        if lang == "nb"
        else ("Sources: Statistics Norway (SSB), tables ")
    )
    note = SOURCE_NOTES[(lang, bool(store["synthetic"].any()))]
    used = {
        path: digest
        for path, digest in (snapshot_checksums or {}).items()
        if path.rsplit("/", 1)[-1].split(".")[0] in tables
    }
    items = "".join(
        f"<li><code>{html.escape(p)}</code> sha256 <code>{h[:16]}…</code></li>"
        for p, h in sorted(used.items())
    )
    from trsplan.indicators.inputs import PLACEHOLDER_TABLES

    ssb = [t for t in tables if t not in PLACEHOLDER_TABLES]
    extra = f"; {PLACEHOLDER_SOURCE[lang]}" if len(ssb) < len(tables) else ""
    text = f"<p>{html.escape(lead + ', '.join(ssb) + extra + '.')} {html.escape(note)}</p>"
    return text + (f'<ul class="trsplan-sources">{items}</ul>' if items else "")
