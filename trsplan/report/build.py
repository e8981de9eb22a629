"""The report set for one year: indicators once, one notebook per report, manifest and index."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from trsplan import __version__, geography
from trsplan.errors import NonMemberError, YearOutOfRangeError
from trsplan.evaluation.evaluate import evaluate
from trsplan.fileio import atomic_path, write_text
from trsplan.indicators.compute import compute_store, data_years
from trsplan.indicators.store import write_store
from trsplan.paths import notebooks_dir
from trsplan.report import scorecard
from trsplan.report.excel import write_workbook
from trsplan.report.runner import (
    ReportJob,
    ReportResult,
    pdf_support,
    run_reports,
)
from trsplan.report.text import DEMO_BANNER, check_lang
from trsplan.snapshot.store import Snapshot

FORMATS = ("html", "pdf", "xlsx")


@dataclass
class BuildResult:
    year: int
    out_dir: Path
    results: list[ReportResult]
    snapshot_version: str
    synthetic: bool
    workbook: str | None = None

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)


def resolve_year(snapshot: Snapshot, year: int | None) -> int:
    years = data_years(snapshot)
    if year is None:
        return years[-1]
    if year not in years:
        raise YearOutOfRangeError(
            f"year {year} is outside the data: snapshot {snapshot.version} has population "
            f"figures for {years[0]}–{years[-1]}; choose a year in that range "
            "or run `trsplan fetch`"
        )
    return year


def region_members(region: str, year: int) -> list[str]:
    """Whole member municipalities of a region in the year's codes."""
    return [c for c, w in geography.member_weights(region, year).items() if w == 1.0]


def resolve_municipalities(
    codes: list[str] | None,
    region: str,
    year: int,
    *,
    any_municipality: bool = False,
    all_municipalities: bool = False,
) -> list[str]:
    """The municipalities to report, each checked: the region's members unless told otherwise."""
    if all_municipalities:
        return geography.valid_codes(year)
    members = region_members(region, year)
    if not codes:
        return members
    checked = [geography.check_code(geography.normalise_code(c), year) for c in codes]
    outside = [c for c in checked if c not in members]
    if outside and not any_municipality:
        listed = ", ".join(f"{c} {geography.name(c, year)}" for c in members)
        raise NonMemberError(
            f"{', '.join(outside)} is not a member of {region} in {year}; its members are "
            f"{listed}. Use --any-municipality to report any Norwegian municipality."
        )
    return checked


def resolve_formats(formats: list[str] | None) -> tuple[str, ...]:
    """html always; pdf by default where WeasyPrint works (asking for it where not is an error)."""
    unknown = sorted(set(formats or []) - set(FORMATS))
    if unknown:
        raise ValueError(f"unknown format {unknown}; choose from {', '.join(FORMATS)}")
    problem = pdf_support()
    if formats is None:
        wanted = set(FORMATS) - ({"pdf"} if problem else set())
    else:
        wanted = {"html", *formats}
        if "pdf" in wanted and problem:
            raise ValueError(f"cannot write PDF: {problem}")
    return tuple(f for f in FORMATS if f in wanted)


def plan_jobs(
    year: int,
    region: str,
    municipalities: list[str],
    lang: str,
    out_dir: Path,
    store_path: Path,
    snapshot_version: str,
    formats: tuple[str, ...] = ("html",),
) -> list[ReportJob]:
    common = {
        "year": year,
        "lang": lang,
        "indicators_path": str(store_path),
        "snapshot_version": snapshot_version,
    }
    region_name = geography.region_info(region)["label_nb" if lang == "nb" else "label_en"]
    jobs = [
        ReportJob(
            notebook=notebooks_dir() / "region.ipynb",
            parameters={"region": region, **common},
            output_dir=out_dir,
            stem=f"region-{region}",
            kind="region",
            title=region_name,
            formats=formats,
        )
    ]
    for code in municipalities:
        name = geography.name(code, year)
        jobs.append(
            ReportJob(
                notebook=notebooks_dir() / "municipality.ipynb",
                parameters={"municipality": code, "region": region, **common},
                output_dir=out_dir,
                stem=f"{code}-{_slug(name)}",
                kind="municipality",
                title=f"{code} {name}",
                formats=formats,
            )
        )
    return jobs


def _slug(text: str) -> str:
    table = str.maketrans({"æ": "ae", "ø": "o", "å": "a", "Æ": "Ae", "Ø": "O", "Å": "A"})
    ascii_text = text.translate(table).lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def build_reports(
    *,
    year: int | None = None,
    municipalities: list[str] | None = None,
    region: str = "trondheimsregionen",
    out: Path = Path("reports"),
    lang: str = "nb",
    workers: int = 1,
    snapshot_version: str | None = None,
    formats: list[str] | None = None,
    any_municipality: bool = False,
    all_municipalities: bool = False,
) -> BuildResult:
    """Validate everything, compute the store, run every report, write manifest and index."""
    check_lang(lang)
    geography.region_info(region)
    wanted = resolve_formats(formats)
    snapshot = Snapshot.open(snapshot_version)
    year = resolve_year(snapshot, year)
    codes = resolve_municipalities(
        municipalities,
        region,
        year,
        any_municipality=any_municipality,
        all_municipalities=all_municipalities,
    )

    out_dir = Path(out).resolve() / str(year)
    out_dir.mkdir(parents=True, exist_ok=True)
    store = compute_store(snapshot, to_year=year)
    store_path = write_store(store, out_dir / "data" / "indicators.parquet")
    status, forecasts = evaluate(store, year)
    for name, frame in (("status", status), ("forecasts", forecasts)):
        with atomic_path(out_dir / "data" / f"{name}.parquet") as tmp:
            frame.to_parquet(tmp, index=False)
    jobs = plan_jobs(year, region, codes, lang, out_dir, store_path, snapshot.version, wanted)
    results = run_reports(jobs, workers=workers)

    build = BuildResult(year, out_dir, results, snapshot.version, snapshot.synthetic)
    if "xlsx" in wanted:
        geos = [region, *codes, *comparators(region), "norge"]
        build.workbook = write_workbook(
            store,
            out_dir / "indicators.xlsx",
            list(dict.fromkeys(geos)),
            evaluation_years(year),
            lang,
        ).name
    write_manifest(build, snapshot, region, lang)
    write_index(build, region, lang, status)
    return build


def comparators(region: str) -> list[str]:
    """The comparator city regions reported beside a region (all fixed-territory city regions)."""
    return [r for r in geography.region_ids() if r not in (region, "norge")]


def evaluation_years(year: int) -> list[int]:
    """Baselines (2010, 2014), every second year back from the report year, and the year."""
    return sorted({2010, 2014, *range(year, 2009, -2), year - 1})


def write_manifest(build: BuildResult, snapshot: Snapshot, region: str, lang: str) -> Path:
    manifest = {
        "trsplan_version": __version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "year": build.year,
        "region": region,
        "lang": lang,
        "ok": build.ok,
        "snapshot": {
            "version": snapshot.version,
            "synthetic": snapshot.synthetic,
            "checksums": snapshot.checksums(),
        },
        "reports": [{**r.to_dict(), "status": "ok" if r.ok else "failed"} for r in build.results],
    }
    path = build.out_dir / "manifest.json"
    write_text(path, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return path


INDEX_TEXT = {
    "nb": {
        "title": "Evaluering av Strategisk næringsplan for Trondheimsregionen",
        "reports": "Rapporter",
        "ok": "ferdig",
        "failed": "feilet",
        "snapshot": "Datagrunnlag",
    },
    "en": {
        "title": "Evaluation of the Trondheim region's strategic business plan",
        "reports": "Reports",
        "ok": "done",
        "failed": "failed",
        "snapshot": "Data snapshot",
    },
}


def goal_tally(status: pd.DataFrame, geo_code: str, lang: str) -> str:
    """ "✔ 2 nådd · ↗ 5 i rute · …": the report's verdict counts (one per goal), as its first
    page words them."""
    counts = scorecard.status_counts(status, geo_code, lang)
    return " · ".join(f"{symbol} {n} {word}" for symbol, word, n in counts)


def write_index(
    build: BuildResult, region: str, lang: str, status: pd.DataFrame | None = None
) -> Path:
    words = INDEX_TEXT[lang]
    items = []
    for r in build.results:
        status_text = words["ok"] if r.ok else f"{words['failed']}: {html.escape(r.error or '')}"
        geo = r.parameters.get("municipality", r.parameters.get("region"))
        if status is not None and r.ok:
            status_text += f" — {html.escape(goal_tally(status, str(geo), lang))}"
        link = (
            f'<a href="{html.escape(r.html)}">{html.escape(r.title)}</a>'
            if r.html
            else html.escape(r.title)
        )
        if r.pdf:
            link += f' (<a href="{html.escape(r.pdf)}">PDF</a>)'
        items.append(f'<li>{link} — <span class="status">{status_text}</span></li>')
    banner = (
        f'<p class="trsplan-banner" role="note">{html.escape(DEMO_BANNER[lang])}</p>'
        if build.synthetic
        else ""
    )
    workbook = f'<a href="{build.workbook}">{build.workbook}</a> · ' if build.workbook else ""
    page = f"""<!DOCTYPE html>
<html lang="{"nb" if lang == "nb" else "en"}">
<head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
<link rel="icon" href="data:,"/>
<title>{html.escape(words["title"])} {build.year}</title>
<style>
body {{ font-family: "DejaVu Sans", Arial, sans-serif; max-width: 50rem; margin: 2rem auto; }}
.trsplan-banner {{ background: #fff4ce; border: 2px solid #8a6d00; padding: .6rem 1rem;
                  font-weight: bold; }}
</style></head>
<body>
<h1>{html.escape(words["title"])} {build.year}</h1>
{banner}
<h2>{words["reports"]}</h2>
<ul>
{chr(10).join(items)}
</ul>
<p>{words["snapshot"]}: {html.escape(build.snapshot_version)} · trsplan {__version__} ·
{workbook}<a href="manifest.json">manifest.json</a></p>
</body></html>
"""
    path = build.out_dir / "index.html"
    write_text(path, page)
    return path
