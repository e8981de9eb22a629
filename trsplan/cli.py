"""The ``trsplan`` command line."""

from __future__ import annotations

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


def _fail(exc: Exception) -> typer.Exit:
    console.print(f"[bold red]trsplan:[/] {exc}", highlight=False)
    return typer.Exit(code=2)


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
    from trsplan.fetch import fetch_command

    raise typer.Exit(code=fetch_command(only=only, tables=tables))


@app.command("register-template")
def register_template(
    year: Annotated[int, typer.Option(help="Year the register covers.")],
    out: Annotated[Path | None, typer.Option(help="Excel file to write.")] = None,
) -> None:
    """Write the Excel template for the qualitative goals register."""
    from trsplan.register import register_template_command

    try:
        register_template_command(year, out)
    except (TrsplanError, ValueError) as exc:
        raise _fail(exc) from exc


@app.command("register-import")
def register_import(
    file: Annotated[Path, typer.Argument(help="A filled-in register template (.xlsx).")],
) -> None:
    """Validate a filled-in register and store it; every bad cell is reported."""
    from trsplan.register import register_import_command

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
    from trsplan.indicators.compute import compute_store, data_years
    from trsplan.indicators.evaluation import (
        check_year,
        evaluate,
        indicator_table,
        region_filter,
    )
    from trsplan.snapshot import Snapshot

    try:
        snap = Snapshot.open(snapshot)
        years = data_years(snap)
        if year is not None and not years[0] <= year <= years[-1]:
            raise TrsplanError(
                f"year {year} is outside the data: snapshot {snap.version} covers "
                f"{years[0]}–{years[-1]}; choose a year in that range or run `trsplan fetch`"
            )
        store = compute_store(snap)
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


@app.command("demo-snapshot")
def demo_snapshot(
    out: Annotated[Path | None, typer.Option(help="Data folder (default: the project's).")] = None,
) -> None:
    """Regenerate the synthetic demo snapshot (deterministic: a re-run changes nothing).

    Population first; the labour-market tables build on it, and the public-sector tables on both.
    """
    from trsplan import demo, demo_labour, demo_public

    argv = ["--out", str(out)] if out else []
    for generator in (demo, demo_labour, demo_public):
        code = generator.main(argv)
        if code:
            raise typer.Exit(code=code)


if __name__ == "__main__":
    app()
