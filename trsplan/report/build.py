"""The report set for one year: indicators once, one notebook per report, manifest and index.

**Size.** Over 500 lines: input checks (year, codes, formats), the request of every report, the
data written once per run (store, statuses, the previous evaluation), the skip decision and the
manifest and index are one transaction over one output folder and its lock; the parts share the
run's ``BuildResult`` and data key.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from trsplan import __version__, geography
from trsplan.errors import NonMemberError, YearOutOfRangeError
from trsplan.fileio import write_text
from trsplan.paths import notebooks_dir
from trsplan.report import incremental
from trsplan.report.pages import ReportRequest
from trsplan.report.runner import (
    ReportJob,
    ReportResult,
    default_workers,
    pdf_support,
    run_reports,
    sigterm_as_interrupt,
)
from trsplan.report.text import DEMO_BANNER, check_lang
from trsplan.snapshot.store import Snapshot

if TYPE_CHECKING:
    import pandas as pd

# The indicator computation, the evaluation (statsmodels, scipy), the workbook (openpyxl) and the
# scorecard are imported where used: a re-run whose reports are all unchanged decides so, and
# finishes, without loading them.

#: Bumped when the index page's layout changes, so an unchanged run still rewrites it then.
INDEX_VERSION = "1"

FORMATS = ("html", "pdf", "xlsx")
EXECUTORS = ("local", "dask")


@dataclass
class BuildResult:
    year: int
    out_dir: Path
    results: list[ReportResult]
    snapshot_version: str
    synthetic: bool
    workbook: str | None = None
    duration_s: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def summary(self) -> str:
        """One line for the end of a run: how many reports ran, were skipped or failed."""
        c = {s: sum(r.status == s for r in self.results) for s in ("run", "skipped", "failed")}
        return (
            f"{len(self.results)} reports: {c['run']} run, {c['skipped']} skipped (unchanged), "
            f"{c['failed']} failed in {self.duration_s:.1f} s"
        )


def data_years(snapshot: Snapshot) -> list[int]:
    """Years with population figures in the snapshot (07459), as ``compute.data_years``
    finds them, without importing the indicator computation."""
    years = snapshot.read_table("07459")["Tid"].astype("int64")
    return sorted(set(years.tolist()))


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
    if formats is not None and "pdf" not in formats:
        return tuple(f for f in FORMATS if f in {"html", *formats})
    problem = pdf_support()
    if formats is None:
        wanted = set(FORMATS) - ({"pdf"} if problem else set())
    else:
        wanted = {"html", *formats}
        if "pdf" in wanted and problem:
            raise ValueError(f"cannot write PDF: {problem}")
    return tuple(f for f in FORMATS if f in wanted)


def plan_requests(
    year: int,
    region: str,
    municipalities: list[str],
    lang: str,
    data_dir: Path,
    snapshot_version: str,
) -> list[ReportRequest]:
    """The region's report, then one per municipality: every field resolved and checked here."""
    members = tuple(region_members(region, year))
    info = geography.region_info(region)
    common = {
        "region": region,
        "year": year,
        "lang": lang,
        "data_dir": str(data_dir),
        "snapshot_version": snapshot_version,
    }
    requests = [
        ReportRequest(
            kind="region",
            code=region,
            name=info["label_nb" if lang == "nb" else "label_en"],
            members=members,
            **common,
        )
    ]
    for code in municipalities:
        name = geography.name(code, year)
        requests.append(
            ReportRequest(kind="municipality", code=code, name=name, members=(), **common)
        )
    return requests


def notebook_parameters(req: ReportRequest) -> dict[str, str | int | list[str]]:
    """The papermill parameters of a request (codes stay strings)."""
    params: dict[str, str | int | list[str]] = {"region": req.region}
    if req.kind == "municipality":
        params["municipality"] = req.code
    params.update(
        year=req.year,
        lang=req.lang,
        indicators_path=str(Path(req.data_dir) / "indicators.parquet"),
        snapshot_version=req.snapshot_version,
        name=req.name,
        members=list(req.members),
    )
    return params


def report_job(
    req: ReportRequest, out_dir: Path, formats: tuple[str, ...], data_key: str
) -> ReportJob:
    notebook = notebooks_dir() / f"{req.kind}.ipynb"
    if req.kind == "region":
        stem, title = f"region-{req.code}", req.name
    else:
        stem, title = f"{req.code}-{_slug(req.name)}", f"{req.code} {req.name}"
    params = notebook_parameters(req)
    formats = tuple(f for f in formats if f != "xlsx")
    return ReportJob(
        notebook=notebook,
        parameters=params,
        output_dir=out_dir,
        stem=stem,
        kind=req.kind,
        title=title,
        formats=formats,
        key=incremental.report_key(params, formats, notebook, data_key, title),
    )


def plan_jobs(
    year: int,
    region: str,
    municipalities: list[str],
    lang: str,
    out_dir: Path,
    store_path: Path,
    snapshot_version: str,
    formats: tuple[str, ...] = ("html",),
    data_key: str = "",
) -> list[ReportJob]:
    requests = plan_requests(
        year, region, municipalities, lang, Path(store_path).parent, snapshot_version
    )
    return [report_job(req, out_dir, formats, data_key) for req in requests]


def ensure_data(
    snapshot: Snapshot,
    year: int,
    data_dir: Path,
    previous_for: list[str] | None = None,
    *,
    recompute: bool = False,
    key: str | None = None,
) -> str:
    """Store, status and forecasts in ``data_dir``, computed only when their inputs changed.

    Returns the data key the reports' keys build on. Reused from ``data_dir`` when current,
    else from the shared cache (``datacache``: hardlinked or copied in), else computed into
    both; ``recompute`` computes them again regardless (and refreshes the cache).
    ``status_previous`` holds the evaluation ``EVALUATION_INTERVAL`` years earlier (the first
    pages compare with it) for the geographies ``previous_for`` (the reports of the run), added
    to those already there. ``key``: the data key, when the caller has computed it already.
    """
    from trsplan.report import datacache

    key = key or incremental.data_key(snapshot.checksums(), year)
    datacache.ensure(snapshot, year, key, data_dir, previous_for or [], recompute=recompute)
    return key


def resolve_request(
    *,
    kind: str,
    code: str,
    region: str,
    year: int | None,
    lang: str,
    snapshot_version: str | None,
    indicators_path: str = "",
) -> ReportRequest:
    """A notebook run by hand: resolve and check what ``trsplan report`` would have passed."""
    check_lang(lang)
    geography.region_info(region)
    snapshot = Snapshot.open(snapshot_version)
    year = resolve_year(snapshot, year)
    if indicators_path:
        data_dir = Path(indicators_path).parent
    else:  # the shared cache's folder, as `trsplan report` fills it (datacache)
        from trsplan.report import datacache

        key = incremental.data_key(snapshot.checksums(), year)
        data_dir = datacache.cache_dir(key)
        ensure_data(snapshot, year, data_dir, [code], key=key)
    codes = [] if kind == "region" else [code]
    requests = plan_requests(
        year,
        region,
        resolve_municipalities(codes, region, year, any_municipality=True),
        lang,
        data_dir,
        snapshot.version,
    )
    return requests[0] if kind == "region" else requests[1]


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
    workers: int | None = None,
    snapshot_version: str | None = None,
    formats: list[str] | None = None,
    any_municipality: bool = False,
    all_municipalities: bool = False,
    force: bool = False,
    recompute: bool = False,
    executor: str = "local",
    scheduler: str | None = None,
    on_plan: Callable[[int, int], None] | None = None,
    on_result: Callable[[ReportResult], None] | None = None,
) -> BuildResult:
    """Validate everything, compute the store, run every report, write manifest and index.

    Reports whose key is unchanged and whose outputs exist are skipped unless ``force``;
    ``recompute`` computes the store and evaluations again instead of reusing the output
    folder's or the shared cache's (``datacache``), and re-runs every report.
    ``on_plan(to_run, skipped)`` and ``on_result(result)`` let the caller show progress.
    """
    started = time.perf_counter()
    force = force or recompute
    check_lang(lang)
    geography.region_info(region)
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r}; choose from {', '.join(EXECUTORS)}")
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
    with sigterm_as_interrupt(), incremental.output_lock(out_dir):
        # the reports' keys need only the snapshot's checksums, not the computed data
        data_key = incremental.data_key(snapshot.checksums(), year)
        requests = plan_requests(year, region, codes, lang, out_dir / "data", snapshot.version)
        jobs = [report_job(req, out_dir, wanted, data_key) for req in requests]
        previous = {} if force else incremental.previous_reports(out_dir)
        skipped, to_run = _split_unchanged(jobs, previous, out_dir)
        if on_plan is not None:
            on_plan(len(to_run), len(skipped))
        ran = _execute(
            to_run,
            workers or default_workers(),
            executor,
            scheduler,
            on_result,
            prepare=lambda: ensure_data(
                snapshot,
                year,
                out_dir / "data",
                [r.code for r in requests],
                recompute=recompute,
                key=data_key,
            ),
        )
        by_stem = {r.stem: r for r in [*skipped, *ran]}
        results = [by_stem[job.stem] for job in jobs]

        build = BuildResult(year, out_dir, results, snapshot.version, snapshot.synthetic)
        if "xlsx" in wanted:
            build.workbook = _workbook(out_dir, region, codes, year, lang, data_key, force)
        build.duration_s = round(time.perf_counter() - started, 2)
        write_manifest(build, snapshot, region, lang)
        _write_index_if_changed(build, region, lang, data_key)
    return build


def _write_index_if_changed(build: BuildResult, region: str, lang: str, data_key: str) -> None:
    """The index, rewritten only when what it shows changed (reading the status frame and
    wording each report's verdict counts is most of an unchanged re-run otherwise)."""
    import pandas as pd

    shown = [[r.stem, r.title, r.ok, r.error, r.html, r.pdf, r.parameters] for r in build.results]
    key = incremental.digest(
        INDEX_VERSION,
        __version__,
        str(build.year),
        data_key,
        region,
        lang,
        build.snapshot_version,
        str(build.synthetic),
        build.workbook or "",
        json.dumps(shown, sort_keys=True, default=str),
    )
    stamp = build.out_dir / "data" / "index.key"
    index = build.out_dir / "index.html"
    if index.is_file() and stamp.is_file() and stamp.read_text().strip() == key:
        return
    write_index(build, region, lang, pd.read_parquet(build.out_dir / "data" / "status.parquet"))
    write_text(stamp, key + "\n")


def _split_unchanged(
    jobs: list[ReportJob], previous: dict[str, dict], out_dir: Path
) -> tuple[list[ReportResult], list[ReportJob]]:
    skipped, to_run = [], []
    for job in jobs:
        entry = previous.get(job.stem)
        if (
            entry
            and entry["key"] == job.key
            and incremental.outputs_exist(out_dir, entry, job.formats)
        ):
            skipped.append(
                ReportResult(
                    job.stem,
                    job.kind,
                    job.title,
                    dict(job.parameters),
                    ok=True,
                    html=entry.get("html"),
                    pdf=entry.get("pdf"),
                    notebook=entry.get("notebook"),
                    status="skipped",
                    key=job.key,
                    extra=entry.get("extra") or {},
                )
            )
        else:
            to_run.append(job)
    return skipped, to_run


def _execute(
    jobs: list[ReportJob],
    workers: int,
    executor: str,
    scheduler: str | None,
    on_result: Callable[[ReportResult], None] | None,
    prepare: Callable[[], object],
) -> list[ReportResult]:
    """Run the jobs; ``prepare`` (the data they read) runs first, or while kernels start."""
    if not jobs:
        prepare()
        return []
    if executor == "dask":
        from trsplan.report.dask_executor import run_reports_dask

        prepare()
        return run_reports_dask(jobs, workers=workers, scheduler=scheduler, on_result=on_result)
    return run_reports(jobs, workers=workers, on_result=on_result, prepare=prepare)


def _workbook(
    out_dir: Path, region: str, codes: list[str], year: int, lang: str, data_key: str, force: bool
) -> str:
    """The indicator workbook, rewritten only when its inputs changed."""
    path = out_dir / "indicators.xlsx"
    geos = list(dict.fromkeys([region, *codes, *comparators(region), "norge"]))
    key = incremental.digest(data_key, lang, ",".join(geos))
    stamp = out_dir / "data" / "indicators.xlsx.key"
    if not force and path.is_file() and stamp.is_file() and stamp.read_text().strip() == key:
        return path.name
    from trsplan.indicators.store import read_store
    from trsplan.report.excel import write_workbook

    store = read_store(out_dir / "data" / "indicators.parquet")
    name = write_workbook(store, path, geos, evaluation_years(year), lang).name
    write_text(stamp, key + "\n")
    return name


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
        "duration_s": build.duration_s,
        "summary": build.summary(),
        "reports": [r.to_dict() for r in build.results],
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


def goal_tally(counts: list[tuple[str, str, int]]) -> str:
    """ "✔ 2 nådd · ↗ 5 i rute · …": a report's verdict counts (one per goal), as its first
    page words them."""
    return " · ".join(f"{symbol} {n} {word}" for symbol, word, n in counts)


def _report_counts(
    result: ReportResult, status: pd.DataFrame | None, lang: str
) -> list[tuple[str, str, int]] | None:
    """The counts the report's first page carries; judged again from the status frame only for
    a report run before the pages carried them."""
    counts = result.extra.get("verdict_counts")
    if counts is not None:
        return [tuple(c) for c in counts]
    if status is None:
        return None
    from trsplan.report import scorecard

    geo = str(result.parameters.get("municipality", result.parameters.get("region")))
    return scorecard.status_counts(status, geo, lang)  # empty for a geography not in it


def write_index(
    build: BuildResult, region: str, lang: str, status: pd.DataFrame | None = None
) -> Path:
    words = INDEX_TEXT[lang]
    items = []
    for r in build.results:
        status_text = words["ok"] if r.ok else f"{words['failed']}: {html.escape(r.error or '')}"
        counts = _report_counts(r, status, lang) if r.ok else None
        if counts:
            status_text += f" — {html.escape(goal_tally(counts))}"
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
