"""StatBank queries without the network: variable selections, table metadata (v2 and v0),
value expressions (``*``, ``50*``, ``top(5)``, ``from(2010)``, ...), the cell count of a selection,
splitting a selection into chunks under the cell limit, and joining the chunks' JSON-stat
answers into one dataset (:func:`merge_jsonstat`). :mod:`trsplan.sources.ssb` is the client that
uses them.
"""

from __future__ import annotations

import fnmatch
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from trsplan.errors import JsonStatError
from trsplan.sources.http import CatalogueError, QueryError

_FUNCTION = re.compile(r"^\s*(top|bottom|from|to|range)\s*\((.*)\)\s*$", re.IGNORECASE)


# ------------------------------------------------------------------------------ selections


@dataclass(frozen=True)
class VariableSelection:
    """One variable's part of a query, in PxWebApi v2 terms."""

    variable: str
    values: tuple[str, ...]
    codelist: str | None = None
    output_values: str | None = None  # "aggregated" | "single" (with an aggregation codelist)

    def __post_init__(self) -> None:
        if isinstance(self.values, str):
            object.__setattr__(self, "values", (self.values,))
        object.__setattr__(self, "values", tuple(str(v) for v in self.values))
        if not self.values:
            raise ValueError(f"selection for {self.variable!r} has no values")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> VariableSelection:
        """From the catalogue's ``{variable, values, codelist?, output_values?}`` or v2's own
        ``{variableCode, valueCodes, codelist?, outputValues?}``."""
        variable = data.get("variable", data.get("variableCode"))
        values = data.get("values", data.get("valueCodes"))
        if not variable or values is None:
            raise CatalogueError(f"a selection needs 'variable' and 'values': {dict(data)}")
        if isinstance(values, str):
            values = [values]
        return cls(
            variable=str(variable),
            values=tuple(str(v) for v in values),
            codelist=data.get("codelist"),
            output_values=data.get("output_values", data.get("outputValues")),
        )

    def with_values(self, values: Sequence[str]) -> VariableSelection:
        return VariableSelection(self.variable, tuple(values), self.codelist, self.output_values)

    def to_v2(self) -> dict[str, Any]:
        out: dict[str, Any] = {"variableCode": self.variable}
        if self.codelist:
            out["codelist"] = self.codelist
        out["valueCodes"] = list(self.values)
        if self.output_values:
            out["outputValues"] = self.output_values
        return out


def _selection_list(selection: Iterable[Any]) -> list[VariableSelection]:
    out = []
    for item in selection:
        out.append(
            item if isinstance(item, VariableSelection) else VariableSelection.from_mapping(item)
        )
    seen = [s.variable for s in out]
    if len(set(seen)) != len(seen):
        raise QueryError(f"a variable is selected twice: {seen}", query=[s.to_v2() for s in out])
    return out


# -------------------------------------------------------------------------------- metadata


@dataclass(frozen=True)
class Variable:
    code: str
    label: str
    values: tuple[str, ...]
    value_labels: Mapping[str, str] = field(default_factory=dict)
    elimination: bool = False
    time: bool = False
    geo: bool = False
    codelists: tuple[str, ...] = ()


@dataclass(frozen=True)
class TableMetadata:
    table_id: str
    label: str
    updated: str | None
    variables: Mapping[str, Variable]  # in the table's order
    api: str  # "v2" | "v0"
    url: str

    @property
    def time_variable(self) -> str | None:
        return next((v.code for v in self.variables.values() if v.time), None)

    @property
    def geo_variables(self) -> list[str]:
        geo = [v.code for v in self.variables.values() if v.geo]
        return geo or [c for c in self.variables if c == "Region"]


@dataclass(frozen=True)
class Codelist:
    id: str
    label: str
    type: str  # "Aggregation" | "Valueset"
    values: tuple[str, ...]


def _ordered_codes(index: Any) -> list[str]:
    if isinstance(index, list):
        return [str(c) for c in index]
    if isinstance(index, Mapping):
        return [str(c) for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
    return []


def parse_v2_metadata(table_id: str, obj: Mapping[str, Any], url: str) -> TableMetadata:
    """A ``/tables/{id}/metadata`` answer (a JSON-stat 2.0 dataset without values)."""
    try:
        ids = list(obj["id"])
        dims = obj["dimension"]
    except (KeyError, TypeError) as exc:
        raise JsonStatError(f"table {table_id}: metadata is not a JSON-stat dataset") from exc
    role = obj.get("role") or {}
    time_dims = set(role.get("time") or [])
    geo_dims = set(role.get("geo") or [])
    variables: dict[str, Variable] = {}
    for code in ids:
        dim = dims.get(code) or {}
        category = dim.get("category") or {}
        codes = _ordered_codes(category.get("index"))
        if not codes and isinstance(category.get("label"), Mapping):
            codes = [str(c) for c in category["label"]]
        extension = dim.get("extension") or {}
        codelists = tuple(
            str(c.get("id")) for c in extension.get("codelists") or [] if isinstance(c, Mapping)
        )
        variables[code] = Variable(
            code=code,
            label=str(dim.get("label", code)),
            values=tuple(codes),
            value_labels=dict(category.get("label") or {}),
            elimination=bool(extension.get("elimination", False)),
            time=code in time_dims or (not time_dims and code == "Tid"),
            geo=code in geo_dims,
            codelists=codelists,
        )
    return TableMetadata(
        table_id=table_id,
        label=str(obj.get("label", table_id)),
        updated=obj.get("updated"),
        variables=variables,
        api="v2",
        url=url,
    )


def parse_v0_metadata(table_id: str, obj: Mapping[str, Any], url: str) -> TableMetadata:
    """A v0 ``GET /{lang}/table/{id}`` answer: ``{title, variables: [{code, text, values}]}``."""
    try:
        raw = list(obj["variables"])
    except (KeyError, TypeError) as exc:
        raise JsonStatError(f"table {table_id}: v0 metadata has no 'variables'") from exc
    variables: dict[str, Variable] = {}
    for item in raw:
        code = str(item["code"])
        values = tuple(str(v) for v in item.get("values", []))
        texts = item.get("valueTexts") or []
        variables[code] = Variable(
            code=code,
            label=str(item.get("text", code)),
            values=values,
            value_labels=dict(zip(values, map(str, texts), strict=False)),
            elimination=bool(item.get("elimination", False)),
            time=bool(item.get("time", False)),
            geo=code == "Region",
        )
    return TableMetadata(
        table_id=table_id,
        label=str(obj.get("title", table_id)),
        updated=None,
        variables=variables,
        api="v0",
        url=url,
    )


# ------------------------------------------------------------------- value expressions, cells


def _is_pattern(expr: str) -> bool:
    return "*" in expr or "?" in expr


def _is_function(expr: str) -> bool:
    return _FUNCTION.match(expr) is not None


def expand_values(expressions: Sequence[str], universe: Sequence[str] | None) -> list[str] | None:
    """The codes a list of v2 value expressions selects, in the universe's order.

    ``universe`` is the variable's values (or its codelist's). Supports explicit codes, ``*``,
    ``?`` wildcards, ``top(N)`` (the last N, i.e. the newest periods), ``bottom(N)``,
    ``from(x)``, ``to(x)`` and ``range(a,b)``. Returns ``None`` when the answer cannot be known
    (no universe, and the expressions are not all explicit codes). Explicit codes outside the
    universe are kept at the end (the API resolves some codes across codelists).
    """
    exprs = [str(e).strip() for e in expressions]
    if universe is None:
        if any(_is_pattern(e) or _is_function(e) for e in exprs):
            return None
        return list(dict.fromkeys(exprs))
    universe = list(universe)
    chosen: set[str] = set()
    extra: list[str] = []
    for expr in exprs:
        match = _FUNCTION.match(expr)
        if match:
            name, arg = match.group(1).lower(), match.group(2).strip()
            if name in ("top", "bottom"):
                try:
                    n = int(arg)
                except ValueError:
                    raise QueryError(f"{name}() needs a whole number, not {arg!r}") from None
                picked = universe[-n:] if name == "top" and n > 0 else universe[:n] if n > 0 else []
            elif name == "range":
                parts = [p.strip() for p in arg.split(",")]
                if len(parts) != 2:
                    raise QueryError(f"range() needs two values, not {arg!r}")
                lo, hi = parts
                picked = [v for v in universe if lo <= v <= hi]
            elif name == "from":
                picked = [v for v in universe if v >= arg]
            else:  # to
                picked = [v for v in universe if v <= arg]
            chosen.update(picked)
        elif _is_pattern(expr):
            chosen.update(v for v in universe if fnmatch.fnmatchcase(v, expr))
        elif expr in universe:
            chosen.add(expr)
        elif expr not in extra:
            extra.append(expr)
    return [v for v in universe if v in chosen] + extra


def estimate_cells(metadata: TableMetadata, resolved: Mapping[str, list[str] | None]) -> int:
    """Cells a query returns: the product of selected counts (1 for an eliminated variable, all
    values for an unselected one that cannot be eliminated). Unknown counts count as 1."""
    cells = 1
    for code, variable in metadata.variables.items():
        if code in resolved:
            values = resolved[code]
            cells *= max(1, len(values)) if values is not None else 1
        elif not variable.elimination:
            cells *= max(1, len(variable.values))
    return cells


def _balanced(values: list[str], per: int) -> list[list[str]]:
    per = max(1, per)
    k = math.ceil(len(values) / per)
    size = math.ceil(len(values) / k) if k else 0
    return [values[i : i + size] for i in range(0, len(values), size)] if size else [values]


def plan_chunks(
    counts: Mapping[str, int],
    lists: Mapping[str, list[str]],
    max_cells: int,
    split_by: Sequence[str],
) -> list[dict[str, list[str]]]:
    """Split a query of ``prod(counts)`` cells into chunks of at most ``max_cells``.

    ``counts`` holds every dimension's count; ``lists`` the explicit codes of the dimensions that
    may be split, tried in ``split_by`` order (time first, then region): each is cut into
    balanced groups when that is enough, or into single codes before moving to the next. Returns
    one ``{dimension: codes}`` override per chunk (``[{}]`` when the query fits).
    """
    total = math.prod(max(1, c) for c in counts.values())
    if total <= max_cells:
        return [{}]
    chunks: list[dict[str, list[str]]] = [{}]
    rest = total
    for variable in split_by:
        codes = lists.get(variable)
        if not codes or len(codes) < 2:
            continue
        other = rest // len(codes)
        if other <= max_cells:
            groups = _balanced(list(codes), max_cells // other)
            return [{**chunk, variable: group} for chunk in chunks for group in groups]
        chunks = [{**chunk, variable: [code]} for chunk in chunks for code in codes]
        rest = other
    raise QueryError(
        f"the selection needs {total:,} cells and cannot be split under the limit of "
        f"{max_cells:,}: even one value of each of {list(split_by)} leaves {rest:,} cells; "
        "select fewer values of the other variables"
    )


# ----------------------------------------------------------------------------- JSON-stat merge


def merge_jsonstat(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Join JSON-stat 2.0 datasets that are slices of one query into the dataset of that query.

    Every part must have the same dimensions in the same order; categories are united in the
    order first seen (parts are given in plan order, so this is the table's order), values and
    statuses are placed cell by cell, and every cell must be covered exactly once. Labels, units,
    roles, notes and extensions come from the first part; ``updated`` is the latest.
    """
    if not parts:
        raise JsonStatError("nothing to merge")
    if len(parts) == 1:
        return json.loads(json.dumps(parts[0]))
    first = parts[0]
    ids = list(first["id"])
    categories: dict[str, list[str]] = {d: [] for d in ids}
    labels: dict[str, dict[str, Any]] = {d: {} for d in ids}
    units: dict[str, dict[str, Any]] = {d: {} for d in ids}
    seen: dict[str, set[str]] = {d: set() for d in ids}
    for part in parts:
        if list(part["id"]) != ids:
            raise JsonStatError(f"cannot merge parts with dimensions {part['id']} and {ids}")
        for d in ids:
            category = part["dimension"][d]["category"]
            for code in _ordered_codes(category.get("index")) or list(category.get("label", {})):
                if code not in seen[d]:
                    seen[d].add(code)
                    categories[d].append(code)
            labels[d].update(category.get("label") or {})
            units[d].update(category.get("unit") or {})
    sizes = [len(categories[d]) for d in ids]
    n_cells = math.prod(sizes)
    strides = [math.prod(sizes[k + 1 :]) for k in range(len(ids))]
    values: list[Any] = [None] * n_cells
    covered = np.zeros(n_cells, dtype=np.int64)
    status: dict[int, str] = {}
    for part in parts:
        part_sizes = list(part["size"])
        position = {d: {c: i for i, c in enumerate(categories[d])} for d in ids}
        maps = []
        for d in ids:
            codes = _ordered_codes(part["dimension"][d]["category"].get("index")) or list(
                part["dimension"][d]["category"].get("label", {})
            )
            maps.append(np.array([position[d][c] for c in codes], dtype=np.int64))
        target = np.zeros(part_sizes, dtype=np.int64)
        for k, mapping in enumerate(maps):
            shape = [1] * len(ids)
            shape[k] = len(mapping)
            target = target + mapping.reshape(shape) * strides[k]
        target = target.ravel()
        np.add.at(covered, target, 1)
        raw = part.get("value", [])
        if isinstance(raw, Mapping):
            for key, v in raw.items():
                values[int(target[int(key)])] = v
        else:
            if len(raw) != len(target):
                raise JsonStatError(f"a part has {len(raw)} values for {len(target)} cells")
            for flat, v in zip(target.tolist(), raw, strict=True):
                values[flat] = v
        raw_status = part.get("status")
        if isinstance(raw_status, str):
            raw_status = {str(i): raw_status for i in range(len(target))}
        elif isinstance(raw_status, list):
            if len(raw_status) == 1 and len(target) != 1:
                raw_status = {str(i): raw_status[0] for i in range(len(target))}
            else:
                raw_status = {str(i): s for i, s in enumerate(raw_status) if s is not None}
        for key, symbol in (raw_status or {}).items():
            status[int(target[int(key)])] = symbol
    if (covered != 1).any():
        missing, twice = int((covered == 0).sum()), int((covered > 1).sum())
        raise JsonStatError(
            f"chunks do not tile the query: {missing} cells missing, {twice} cells repeated"
        )

    merged: dict[str, Any] = {}
    for key, value in first.items():  # keep the key order of a real answer
        if key == "dimension":
            dimension = {}
            for d in ids:
                entry = json.loads(json.dumps(first["dimension"][d]))
                category = dict(entry.get("category") or {})
                category["index"] = {c: i for i, c in enumerate(categories[d])}
                category["label"] = {c: labels[d].get(c, c) for c in categories[d]}
                if units[d]:
                    category["unit"] = {c: units[d][c] for c in categories[d] if c in units[d]}
                entry["category"] = category
                dimension[d] = entry
            merged[key] = dimension
        elif key == "size":
            merged[key] = sizes
        elif key == "value":
            merged[key] = values
        elif key == "status":
            continue  # placed after value below
        elif key == "updated":
            stamps = [p.get("updated") for p in parts if p.get("updated")]
            merged[key] = max(stamps) if stamps else value
        else:
            merged[key] = json.loads(json.dumps(value))
    if status:
        merged["status"] = {str(k): status[k] for k in sorted(status)}
    return merged
