"""What the CLI prints for ``fetch`` and the register commands, and the exit codes it picks.

Part of the command line (``trsplan.cli`` registers the commands): the library functions these
call (``run_fetch``, ``write_template``, ``import_register``) return values and raise errors from
``trsplan.errors``; only this layer prints.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from trsplan import geography
from trsplan.errors import RegisterError, TrsplanError
from trsplan.evaluation import status as st
from trsplan.evaluation.register import (
    REGION,
    REGISTER_GOAL_IDS,
    import_register,
    qualitative_status,
)
from trsplan.paths import register_dir, snapshot_root
from trsplan.report.register_template import write_template
from trsplan.snapshot.fetch import FetchResult, run_fetch
from trsplan.snapshot.store import list_versions
from trsplan.sources.http import FetchError, Offline, origin


def _summary(result: FetchResult, console: Console) -> None:
    table = Table(title=None, show_edge=False, header_style="bold")
    for column in ("file", "status", "rows", "updated", "note"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for f in result.files:
        style = {"new": "green", "changed": "yellow"}.get(f.status, "dim")
        table.add_row(
            f.relpath,
            f"[{style}]{f.status}[/]",
            "" if f.rows is None else f"{f.rows:,}",
            f.updated or "",
            f.note,
        )
    if result.files:
        console.print(table)
    for line in result.skipped:
        console.print(f"skipped {line}", highlight=False, soft_wrap=True, markup=False)
    for line in result.warnings:
        console.print(f"warning: {line}", highlight=False, soft_wrap=True, markup=False)
    if result.geography_dir is not None:
        console.print(
            f"Geography tables in {result.geography_dir}: "
            + (
                f"rewrote {', '.join(result.geography_changed)}"
                if result.geography_changed
                else "unchanged"
            ),
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    if result.written:
        n_changed = sum(f.status == "changed" for f in result.files)
        n_new = sum(f.status == "new" for f in result.files)
        n_same = sum(f.status == "unchanged" for f in result.files)
        console.print(
            f"Wrote snapshot {result.version} ({n_changed} changed, {n_new} new, {n_same} "
            f"unchanged, {len(result.carried_over)} carried over from "
            f"{result.previous or 'nothing'}) in {result.path}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
    else:
        console.print(
            f"No changes: snapshot {result.previous} is up to date; nothing written",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )


def _kept(root: Path) -> str:
    with contextlib.suppress(OSError):
        versions = list_versions(root)
        if versions:
            return f"snapshot {versions[-1]} left unchanged"
    return "no snapshot written"


def fetch_command(
    *, root: Path | None = None, console: Console | None = None, **options: Any
) -> int:
    """``trsplan fetch``: :func:`~trsplan.snapshot.fetch.run_fetch` (``options`` are its keyword
    arguments), then a summary (stdout) or a one-line error (stderr); the exit code.

    0 fetched (or nothing changed); 1 a source or catalogue error; 2 bad arguments; 3 offline;
    130 interrupted.
    """
    out = console or Console()
    err = Console(stderr=True) if console is None else console
    root = Path(root) if root is not None else snapshot_root()

    def fail(message: str, code: int) -> int:
        err.print(
            f"trsplan fetch: {message}; {_kept(root)}",
            highlight=False,
            soft_wrap=True,
            markup=False,
        )
        return code

    try:
        result = run_fetch(root=root, console=err, **options)
    except Offline as exc:
        where = origin(exc.url) if exc.url else "the data sources"
        return fail(f"no network (could not reach {where})", 3)
    except FetchError as exc:
        return fail(str(exc), 2)
    except TrsplanError as exc:
        return fail(str(exc), 1)
    except KeyboardInterrupt:
        return fail("interrupted", 130)
    _summary(result, out)
    return 0


def register_template_command(
    year: int, out: Path | str | None = None, *, console: Console | None = None
) -> Path:
    """``trsplan register-template``: write the template and print what it holds."""
    console = console or Console()
    path = Path(out) if out is not None else Path(f"registermal_{int(year)}.xlsx")
    written = write_template(year, path)
    n_codes = len(geography.members(REGION, int(year)))
    console.print(
        f"Wrote the register template for {year} to [bold]{written}[/] "
        f"({n_codes} municipalities × {len(REGISTER_GOAL_IDS)} goals). "
        "Fill in sheet «Register», then run `trsplan register-import FILE`.",
        highlight=False,
    )
    return written


def register_import_command(path: Path | str, *, console: Console | None = None) -> int:
    """``trsplan register-import``: import, print a summary; exit code 0, or 2 on bad input."""
    console = console or Console()
    try:
        register = import_register(path)
    except RegisterError as exc:
        console.print(f"[bold red]trsplan:[/] {exc}", highlight=False)
        return 2
    for year, part in register.groupby("year", sort=True):
        status = qualitative_status(part, int(year))
        table = Table(title=f"Register {int(year)}: status per goal ({len(part)} rows imported)")
        table.add_column("Mål")
        for s in st.Status:
            table.add_column(s.text("nb"), justify="right")
        for gid in REGISTER_GOAL_IDS:
            counts = status.loc[status["goal_id"] == gid, "status"].value_counts()
            table.add_row(gid, *(str(int(counts.get(str(s), 0))) for s in st.Status))
        console.print(table)
        console.print(f"Stored {register_dir() / f'register_{int(year)}.csv'}", highlight=False)
    return 0
