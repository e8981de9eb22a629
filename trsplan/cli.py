"""The ``trsplan`` command line: the one front door. Only this layer (with its printing helpers
in ``trsplan.cli_output``) prints and picks exit codes; the library returns values and raises
errors from ``trsplan.errors``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from trsplan.errors import TrsplanError

app = typer.Typer(
    help="Evaluation toolkit for Strategisk næringsplan for Trondheimsregionen.",
    no_args_is_help=True,
    add_completion=False,
)
console = Console(stderr=True)


@app.callback()
def main(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            envvar="TRSPLAN_DATA_DIR",
            help="Working data folder (snapshots, register). Default: the repository's data/ "
            "in a source checkout, else the current directory.",
        ),
    ] = None,
) -> None:
    """Evaluation toolkit for Strategisk næringsplan for Trondheimsregionen."""
    if data_dir is not None:
        # absolute, and in the environment, so report notebooks' kernels see the same folder
        os.environ["TRSPLAN_DATA_DIR"] = str(data_dir.resolve())


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[bold red]trsplan:[/] {exc}", highlight=False)
    return typer.Exit(code=2)


def _set_aside_note(store: object) -> None:
    """Say on stderr which rows of other region codes (Svalbard, the shelf, K-Rest, ...) the
    readers set aside, so stdout stays the table."""
    from trsplan.regioncodes import set_aside_text

    for summary in getattr(store, "attrs", {}).get("set_aside", {}).values():
        console.print(f"note: {set_aside_text(summary)}", highlight=False)


@app.command()
def report(
    year: Annotated[
        int | None, typer.Option(help="Year to report (default: latest with data).")
    ] = None,
    municipality: Annotated[
        list[str] | None,
        typer.Option(
            "--municipality", "-m", help="Municipality code (repeatable); default: members."
        ),
    ] = None,
    region: Annotated[str, typer.Option(help="Region definition id.")] = "trondheimsregionen",
    out: Annotated[Path, typer.Option(help="Output folder.")] = Path("reports"),
    lang: Annotated[str, typer.Option(help="Language: nb or en.")] = "nb",
    workers: Annotated[
        int | None,
        typer.Option(help="Warm kernels running reports in parallel (default: CPU cores)."),
    ] = None,
    snapshot: Annotated[
        str | None, typer.Option(help="Snapshot version (default: latest).")
    ] = None,
    format: Annotated[
        list[str] | None,
        typer.Option(
            "--format",
            help="html, pdf, xlsx (repeatable; default all, pdf where WeasyPrint works).",
        ),
    ] = None,
    any_municipality: Annotated[
        bool, typer.Option(help="Allow municipalities outside the region.")
    ] = False,
    all_municipalities: Annotated[
        bool, typer.Option(help="Report every municipality valid that year.")
    ] = False,
    force: Annotated[
        bool, typer.Option(help="Re-run reports whose inputs are unchanged (default: skip).")
    ] = False,
    recompute: Annotated[
        bool,
        typer.Option(
            help="Compute the indicator store and evaluations again instead of reusing the "
            "cached ones (<data dir>/processed/computed), and re-run every report."
        ),
    ] = False,
    executor: Annotated[
        str, typer.Option(help="local (warm kernels here) or dask (a Dask cluster).")
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option(help="Dask scheduler address (default: a local cluster of --workers)."),
    ] = None,
) -> None:
    """Compute the indicators once and produce the report set for a year."""
    from trsplan.report.build import build_reports

    progress = ReportProgress(console)
    try:
        if snapshot is None:
            _ensure_snapshot()
        with progress:
            build = build_reports(
                year=year,
                municipalities=municipality,
                region=region,
                out=out,
                lang=lang,
                workers=workers,
                snapshot_version=snapshot,
                formats=format,
                any_municipality=any_municipality,
                all_municipalities=all_municipalities,
                force=force,
                recompute=recompute,
                executor=executor,
                scheduler=scheduler,
                on_plan=progress.plan,
                on_result=progress.result,
            )
    except (TrsplanError, ValueError, KeyError) as exc:
        raise _fail(exc) from exc
    except KeyboardInterrupt:
        console.print("[bold red]trsplan:[/] interrupted; every kernel was stopped")
        raise typer.Exit(code=130) from None
    note = " (synthetic demo data)" if build.synthetic else ""
    console.print(f"Snapshot {build.snapshot_version}{note}; reports in {build.out_dir}")
    for r in build.results:
        if not r.ok:
            console.print(
                f"  {r.title}: [red]FAILED[/] {r.error} (cell {r.failing_cell})", highlight=False
            )
    console.print(build.summary(), highlight=False)
    if not build.ok:
        raise typer.Exit(code=1)


class ReportProgress:
    """A progress bar with counts and time left on a terminal; one log line per report otherwise."""

    def __init__(self, out: Console) -> None:
        self.console = out
        self.bar: Progress | None = None
        self.task = None
        self.done = 0
        self.total = 0

    def __enter__(self) -> ReportProgress:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()

    def plan(self, to_run: int, skipped: int) -> None:
        self.total = to_run
        self.console.print(
            f"{to_run} reports to run, {skipped} unchanged (skipped)", highlight=False
        )
        if self.console.is_terminal and to_run:
            self.bar = Progress(
                TextColumn("reports"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("left"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self.task = self.bar.add_task("reports", total=to_run)
            self.bar.start()

    def result(self, r) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.advance(self.task)
            if not r.ok:
                self.bar.console.print(f"  {r.title}: [red]FAILED[/] {r.error}", highlight=False)
            return
        state = "ok" if r.ok else f"FAILED {r.error}"
        self.console.print(
            f"[{self.done}/{self.total}] {r.title}: {state} ({r.duration_s:.1f} s)",
            highlight=False,
            markup=False,
        )


@app.command()
def fetch(
    only: Annotated[
        list[str] | None, typer.Option(help="Only these sources: ssb, klass, brreg (repeatable).")
    ] = None,
    tables: Annotated[
        list[str] | None, typer.Option(help="Only these StatBank table ids (repeatable).")
    ] = None,
) -> None:
    """Refresh the data snapshot from the live APIs into a new dated version."""
    from trsplan.cli_output import fetch_command

    raise typer.Exit(code=fetch_command(only=only, tables=tables))


@app.command("register-template")
def register_template(
    year: Annotated[int, typer.Option(help="Year the register covers.")],
    out: Annotated[Path | None, typer.Option(help="Excel file to write.")] = None,
) -> None:
    """Write the Excel template for the qualitative goals register."""
    from trsplan.cli_output import register_template_command

    try:
        register_template_command(year, out)
    except (TrsplanError, ValueError) as exc:
        raise _fail(exc) from exc


@app.command("register-import")
def register_import(
    file: Annotated[Path, typer.Argument(help="A filled-in register template (.xlsx).")],
) -> None:
    """Validate a filled-in register and store it; every bad cell is reported."""
    from trsplan.cli_output import register_import_command

    raise typer.Exit(code=register_import_command(file))


INDICATOR_FORMATS = ("csv", "xlsx", "parquet")


@app.command()
def indicators(
    year: Annotated[
        int | None,
        typer.Option(help="Evaluate as of this year (default: the latest year with data)."),
    ] = None,
    region: Annotated[
        str | None,
        typer.Option(
            help="Only this region, its member municipalities, the other regions and Norway."
        ),
    ] = None,
    format: Annotated[
        str | None,
        typer.Option(
            "--format", help="csv, xlsx or parquet (default: from --out's suffix, else csv)."
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="File to write (CSV without it goes to stdout).")
    ] = None,
    snapshot: Annotated[
        str | None, typer.Option(help="Snapshot version (default: latest).")
    ] = None,
) -> None:
    """Every indicator with its target and status as of a year (one row per indicator,
    geography and target; each value is the latest at or before the year)."""
    fmt = (format or (out.suffix.lstrip(".").lower() if out is not None else "") or "csv").lower()
    if fmt not in INDICATOR_FORMATS:
        raise _fail(
            ValueError(f"unknown format {fmt!r}; use one of {', '.join(INDICATOR_FORMATS)}")
        )
    if fmt != "csv" and out is None:
        raise _fail(ValueError(f"--format {fmt} writes a file: give it with --out FILE"))
    from trsplan.evaluation.evaluate import evaluate
    from trsplan.evaluation.table import check_year, indicator_table, region_filter
    from trsplan.indicators.compute import compute_store, data_years
    from trsplan.snapshot.store import Snapshot

    try:
        if snapshot is None:
            _ensure_snapshot()
        snap = Snapshot.open(snapshot)
        years = data_years(snap)
        if year is not None and not years[0] <= year <= years[-1]:
            raise TrsplanError(
                f"year {year} is outside the data: snapshot {snap.version} covers "
                f"{years[0]}–{years[-1]}; choose a year in that range or run `trsplan fetch`"
            )
        store = compute_store(snap)
        _set_aside_note(store)
        year = check_year(store, year)
        geos = region_filter(store, region, year) if region else None
        statuses, _ = evaluate(store, year, geo_codes=geos)
        table = indicator_table(store, statuses, year, geos)
    except (TrsplanError, ValueError, KeyError) as exc:
        raise _fail(exc) from exc
    if out is None:
        typer.echo(table.to_csv(index=False), nl=False)
        return
    from trsplan.fileio import atomic_path

    with atomic_path(out) as tmp:
        if fmt == "csv":
            table.to_csv(tmp, index=False)
        elif fmt == "xlsx":
            table.to_excel(tmp, index=False, sheet_name="indicators", engine="openpyxl")
        else:
            table.to_parquet(tmp, index=False)
    note = " (synthetic demo data)" if snap.synthetic else ""
    console.print(f"Wrote {len(table)} rows for {year}{note} to {out}", highlight=False)


def _ensure_snapshot() -> None:
    """First use without any snapshot (an installed ``trsplan`` in a new folder): write the
    synthetic demo snapshot into the working data folder, and say so."""
    from trsplan.paths import snapshot_root
    from trsplan.snapshot.store import list_versions

    root = snapshot_root()
    if list_versions(root):
        return
    console.print(
        f"No snapshot in {root}: writing the synthetic demo snapshot there "
        "(not official statistics; `trsplan fetch` gets the real data).",
        highlight=False,
    )
    _write_demo(None, None, None)


def _write_demo(out: Path | None, version: str | None, seed: int | None) -> list[Path]:
    """Run the three demo generators in order; the seed, when given, is the population's."""
    from trsplan.demo import labour, population, public
    from trsplan.demo.common import VERSION

    version = version or VERSION
    written = population.generate(out, version, seed or population.SEED)[0]
    written += labour.generate(out, version, labour.SEED)[0]
    written += public.generate(out, version, public.SEED)[0]
    return written


@app.command("demo-snapshot")
def demo_snapshot(
    out: Annotated[
        Path | None, typer.Option(help="Data folder (default: the working data folder).")
    ] = None,
    version: Annotated[
        str | None, typer.Option(help="Snapshot version (default: 2026-11-01-demo).")
    ] = None,
) -> None:
    """Regenerate the synthetic demo snapshot (deterministic: a re-run changes nothing).

    Population first; the labour-market tables build on it, and the public-sector tables on both.
    """
    try:
        written = _write_demo(out, version, None)
    except (TrsplanError, ValueError) as exc:
        raise _fail(exc) from exc
    total = sum(p.stat().st_size for p in written)
    console.print(f"Wrote {len(written)} files ({total:,} bytes) under {written[0].parents[2]}")


@app.command("demo-register")
def demo_register(
    out: Annotated[Path, typer.Argument(help="Folder for the two bulk files.")] = Path(
        "data/processed/register-synthetic"
    ),
    enheter: Annotated[int | None, typer.Option(help="Number of enheter (default 1.1 M).")] = None,
    underenheter: Annotated[
        int | None, typer.Option(help="Number of underenheter (default 0.6 M).")
    ] = None,
) -> None:
    """Write a SYNTHETIC full-size Enhetsregisteret bulk extract (enheter.csv.gz,
    underenheter.csv.gz) for tests and benchmarks; seeded, never official data."""
    from trsplan.demo import register

    sizes = {"enheter": enheter, "underenheter": underenheter}
    written = register.write_register(out, **{k: v for k, v in sizes.items() if v is not None})
    for path in written:
        console.print(f"{path}  {path.stat().st_size:,} bytes (synthetic)")


cache_app = typer.Typer(
    help="The cache of computed data (indicator store, evaluations) shared by report runs.",
    no_args_is_help=True,
)
app.add_typer(cache_app, name="cache")


@cache_app.command("info")
def cache_info() -> None:
    """Where the cache is and how much it holds."""
    from trsplan.report.datacache import cache_root, cache_size

    folders, size = cache_size()
    typer.echo(f"{cache_root()}: {folders} data keys, {size / 2**20:.1f} MiB")


@cache_app.command("clear")
def cache_clear() -> None:
    """Delete the cached data (report folders keep their own copies); the next run recomputes."""
    from trsplan.report.datacache import cache_root, clear_cache

    removed = clear_cache()
    typer.echo(f"removed {removed} data keys from {cache_root()}")


@app.command("geography-build")
def geography_build(
    changes: Annotated[Path, typer.Option(help="A saved KLASS 131 /changes JSON response.")],
    version: Annotated[Path, typer.Option(help="The latest KLASS 131 version JSON.")],
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: the shipped geography tables).")
    ] = None,
    start: Annotated[str, typer.Option(help="First date covered (YYYY-MM-DD).")] = "2008-01-01",
    changes_to: Annotated[
        str | None,
        typer.Option(help="The 'to' date of the /changes query (default: from the file name)."),
    ] = None,
) -> None:
    """Build the geography tables (municipalities, code changes, split weights) from saved
    KLASS 131 payloads; a rebuild from the same payloads is byte-identical."""
    import json

    from trsplan.paths import geography_dir
    from trsplan.sources.klass import build_geography_tables, changes_to_from_name

    try:
        written = build_geography_tables(
            json.loads(changes.read_text(encoding="utf-8")),
            json.loads(version.read_text(encoding="utf-8")),
            out or geography_dir(),
            start=start,
            changes_to=changes_to or changes_to_from_name(changes),
        )
    except (OSError, ValueError, TrsplanError) as exc:
        raise _fail(exc) from exc
    for path in written:
        typer.echo(str(path))


def run() -> None:
    """The console entry point (``trsplan``): the command, its exit handlers, then the end.

    Python's own teardown of what a report run loaded (about 1,600 modules and 270,000 objects)
    took 0.6 s after the work was done. By then every file is written (atomically) and closed and
    every kernel is shut down, so after the exit handlers have run and the streams are flushed
    the process ends at once."""
    import atexit
    import sys

    # jsonschema (imported by nbformat) imports rfc3987_syntax when it is installed, which compiles
    # some 35 grammars at import: 1 CPU-s of every report run, for IRI format checks that nothing
    # here makes (nbformat validates notebooks without format checks). Without the module
    # jsonschema simply has no "iri" checker (python-jsonschema/jsonschema#1428). Only this
    # application's process: the library never changes what its users import.
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
    try:
        app()
        code = 0
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:  # a message instead of a code, as ``sys.exit("...")`` gives
            print(exc.code, file=sys.stderr)
            code = 1
    atexit._run_exitfuncs()  # noqa: SLF001 (what normal interpreter exit runs first)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
