"""The StatBank table catalogue (``trsplan/data/catalogue/statbank_tables.yaml``): its entries,
loading and validation (the caller says where the file is, usually
``trsplan.paths.catalogue_path()``), and the check of an entry against a table's live metadata.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from trsplan.errors import CatalogueError
from trsplan.sources.ssb import StatBankClient
from trsplan.sources.ssb_query import VariableSelection

__all__ = ["CatalogueEntry", "check_entry", "load_catalogue"]


@dataclass(frozen=True)
class CatalogueEntry:
    """One StatBank table the evaluation uses (see ``data/catalogue/statbank_tables.yaml``)."""

    table_id: str
    name: str  # snapshot file stem: ``ssb/<name>.json``
    title: str
    selection: tuple[VariableSelection, ...]
    expect: Mapping[str, tuple[str, ...]]
    verified: bool
    unverified: tuple[str, ...] = ()
    split_by: tuple[str, ...] = ()
    used_for: tuple[str, ...] = ()
    notes: str = ""
    #: ContentsCode -> the column name the indicators read it as (``columns:``).
    columns: Mapping[str, str] = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.name}.json"


def load_catalogue(path: Path) -> list[CatalogueEntry]:
    """Parse and check the catalogue at ``path`` (the caller says where it is, usually
    ``trsplan.paths.catalogue_path()``); raises :class:`CatalogueError` naming the bad entry."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"cannot read the table catalogue {path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"the table catalogue {path} is not valid YAML: {exc}") from None
    tables = raw.get("tables") if isinstance(raw, Mapping) else None
    if not isinstance(tables, list) or not tables:
        raise CatalogueError(f"{path}: expected a non-empty 'tables:' list")
    out: list[CatalogueEntry] = []
    seen: set[str] = set()
    for i, item in enumerate(tables):
        where = f"{path.name}, entry {i + 1}"
        if not isinstance(item, Mapping) or "id" not in item:
            raise CatalogueError(f"{where}: each entry needs an 'id'")
        table_id = str(item["id"])
        where = f"{path.name}, table {table_id}"
        if not re.fullmatch(r"\d{5}", table_id):
            raise CatalogueError(f"{where}: a StatBank id is five digits (quote it: '07459')")
        name = str(item.get("name", table_id))
        if name in seen:
            raise CatalogueError(f"{where}: file name {name!r} is used twice")
        seen.add(name)
        try:
            selection = tuple(VariableSelection.from_mapping(s) for s in item.get("selection", []))
        except (CatalogueError, ValueError) as exc:
            raise CatalogueError(f"{where}: {exc}") from None
        if not selection:
            raise CatalogueError(f"{where}: needs a 'selection'")
        expect_raw = item.get("expect") or {}
        if not isinstance(expect_raw, Mapping):
            raise CatalogueError(f"{where}: 'expect' maps variables to code lists")
        expect = {str(k): tuple(str(c) for c in (v or [])) for k, v in expect_raw.items()}
        verified = item.get("verified")
        if not isinstance(verified, bool):
            raise CatalogueError(f"{where}: say 'verified: true' or 'verified: false'")
        unverified = tuple(str(u) for u in item.get("unverified") or [])
        if not verified and not unverified:
            raise CatalogueError(f"{where}: an unverified entry lists what is 'unverified'")
        out.append(
            CatalogueEntry(
                table_id=table_id,
                name=name,
                title=str(item.get("title", "")),
                selection=selection,
                expect=expect,
                verified=verified,
                unverified=unverified,
                split_by=tuple(str(s) for s in item.get("split_by") or []),
                used_for=tuple(str(u) for u in item.get("used_for") or []),
                notes=str(item.get("notes", "")).strip(),
                columns=_columns(item.get("columns"), where),
            )
        )
    return out


def _columns(raw: object, where: str) -> dict[str, str]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping) or not all(isinstance(v, str) for v in raw.values()):
        raise CatalogueError(f"{where}: 'columns' maps each ContentsCode to a column name")
    return {str(k): v for k, v in raw.items()}


def table_columns(table_id: str, path: Path) -> dict[str, str]:
    """ContentsCode -> column name of a table: the ``columns:`` of its entry in the catalogue at
    ``path`` (read once per catalogue file version)."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError as exc:
        raise CatalogueError(f"cannot read the table catalogue {path}: {exc}") from None
    columns = _catalogue_columns(str(path), stat.st_mtime_ns, stat.st_size).get(table_id)
    if not columns:
        raise CatalogueError(
            f"{path.name}: table {table_id} has no 'columns' (ContentsCode -> column name); "
            "add them to its entry"
        )
    return dict(columns)


@lru_cache(maxsize=4)
def _catalogue_columns(path: str, mtime_ns: int, size: int) -> dict[str, dict[str, str]]:
    del mtime_ns, size  # cache key only: a changed file is read again
    return {e.table_id: dict(e.columns) for e in load_catalogue(Path(path))}


def check_entry(client: StatBankClient, entry: CatalogueEntry) -> list[str]:
    """Problems between the catalogue entry and the table's live metadata (empty when fine).

    Checks that every selected and expected variable exists, and that every expected code is
    among the variable's values (the codelist's values when the selection names a codelist)."""
    meta = client.metadata(entry.table_id)
    tag = "" if entry.verified else f" (entry unverified: {', '.join(entry.unverified)})"
    problems: list[str] = []
    by_variable = {s.variable: s for s in entry.selection}
    for variable in sorted(set(by_variable) | set(entry.expect)):
        if variable not in meta.variables:
            problems.append(
                f"table {entry.table_id}{tag}: no variable {variable!r}; the table has "
                f"{', '.join(meta.variables)}"
            )
            continue
        selection = by_variable.get(variable)
        if selection and selection.codelist and meta.api == "v2":
            listed = meta.variables[variable].codelists
            if listed and selection.codelist not in listed:
                problems.append(
                    f"table {entry.table_id}{tag}: {variable} has no codelist "
                    f"{selection.codelist!r}; it offers {', '.join(listed)}"
                )
                continue
        expected = entry.expect.get(variable, ())
        if not expected:
            continue
        universe = (
            client.universe(meta, selection)
            if selection is not None
            else list(meta.variables[variable].values)
        )
        if universe is None:
            continue
        absent = [c for c in expected if c not in set(universe)]
        if absent:
            shown = ", ".join(universe[:12]) + (" ..." if len(universe) > 12 else "")
            source = (
                f"codelist {selection.codelist}" if selection and selection.codelist else variable
            )
            problems.append(
                f"table {entry.table_id}{tag}: expected {variable} code(s) "
                f"{', '.join(absent)} absent from {source} (it has {shown})"
            )
    return problems
