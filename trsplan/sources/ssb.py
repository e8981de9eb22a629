"""Statistics Norway StatBank: the live PxWebApi client, the table catalogue and JSON-stat decoding.

The client speaks PxWebApi v2 (``/config``, ``/tables/{id}/metadata``, ``/codelists/{id}``,
``/tables/{id}/data`` with ``outputFormat=json-stat2``; GET while the URL stays short, POST for
long selections) and falls back to PxWebApi v0 for a table that v2 does not serve (403/404 on its
metadata). Base URLs: ``TRSPLAN_SSB_URL`` / ``TRSPLAN_SSB_V0_URL`` (see
:mod:`trsplan.sources.http`, which also holds the rate limiter, cache and retries).

**Cell limit.** Before asking for data the client resolves every value expression (``*``,
``50*``, ``top(5)``, ``from(2010)``, ...) against the table's metadata (and the codelist's
values when a codelist is used) and multiplies the counts. A selection above the limit (``/config``
``maxDataCells``, 800,000 by default), or one the server refuses with 403 ``Too many values
selected`` / ``Too many cells selected``, is split: first by time, then by region (the variables
in ``split_by``), into chunks that fit. The parts are joined cell by cell into one JSON-stat
dataset (:func:`merge_jsonstat`) whose categories, values and statuses are those one query would
have returned; the stored payload of a chunked table is that re-assembled dataset, and its
provenance lists every chunk's URL and selection.

**Errors.** 400 → :class:`QueryError` (with SSB's message and the query); 403/404 →
:class:`TableUnavailable`; no connection → :class:`Offline`; persistent 429/5xx →
:class:`ServiceUnavailable`; a table lacking a code the catalogue expects →
:class:`CatalogueError`.
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import requests
import yaml

from trsplan.errors import JsonStatError
from trsplan.paths import PROJECT_ROOT, data_dir
from trsplan.sources.http import (
    CatalogueError,
    HttpClient,
    Offline,
    QueryError,
    ServiceUnavailable,
    SourceError,
    TableUnavailable,
    limiter_for,
    ssb_url,
    ssb_v0_url,
)
from trsplan.sources.jsonstat import read_jsonstat

__all__ = [
    "DEFAULT_MAX_CELLS",
    "CatalogueEntry",
    "CatalogueError",
    "CellLimitExceeded",
    "Codelist",
    "JsonStatError",
    "Offline",
    "QueryError",
    "ServiceUnavailable",
    "SourceError",
    "StatBankClient",
    "StatBankResult",
    "TableMetadata",
    "TableUnavailable",
    "Variable",
    "VariableSelection",
    "catalogue_path",
    "check_entry",
    "estimate_cells",
    "expand_values",
    "load_catalogue",
    "merge_jsonstat",
    "plan_chunks",
    "read_jsonstat",
]

DEFAULT_MAX_CELLS = 800_000
MAX_GET_URL = 2000  # SSB answers 404 to GET URLs beyond ~2,100 characters
SSB_LICENCE = "CC BY 4.0 (Statistics Norway, NLOD-compatible)"

_FUNCTION = re.compile(r"^\s*(top|bottom|from|to|range)\s*\((.*)\)\s*$", re.IGNORECASE)


class CellLimitExceeded(QueryError):
    """The server refused a query as too large (403 ``Too many values selected``, v2 ``Too many
    cells selected``). The client reacts by splitting; it escapes only when no split fits."""


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


# --------------------------------------------------------------------------------- the client


@dataclass
class StatBankResult:
    table_id: str
    payload: dict[str, Any]
    frame: pd.DataFrame
    api: str
    method: str
    url: str  # the single query's URL, or the first chunk's
    selection: list[dict[str, Any]]
    chunks: list[dict[str, Any]]  # per chunk: url, method, selection (empty when not chunked)
    cells: int
    raw: bytes | None = None  # the response body as sent (None for a re-assembled payload)

    @property
    def updated(self) -> str | None:
        return self.payload.get("updated")

    def provenance_query(self) -> dict[str, Any]:
        """What the snapshot sidecar records as ``query``."""
        query: dict[str, Any] = {
            "api": self.api,
            "method": self.method,
            "selection": self.selection,
            "outputFormat": "json-stat2",
            "cells": self.cells,
        }
        if self.chunks:
            query["chunked"] = {
                "note": "the stored payload is the JSON-stat re-assembled from these parts",
                "parts": self.chunks,
            }
        return query


def _error_text(response: requests.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        text = (response.text or "").strip()
        return text[:300] or response.reason or f"HTTP {response.status_code}"
    if isinstance(body, Mapping):
        if "error" in body:  # v0
            return str(body["error"])
        title = body.get("title")
        detail = body.get("detail")
        if title or detail:
            return ": ".join(str(x) for x in (title, detail) if x)
        errors = body.get("errors")
        if errors:
            return json.dumps(errors, ensure_ascii=False)[:300]
    return json.dumps(body, ensure_ascii=False)[:300]


def _is_cell_limit(message: str) -> bool:
    text = message.lower()
    return "too many values" in text or "too many cells" in text


class StatBankClient:
    """PxWebApi v2 client with a v0 fallback. See the module docstring for behaviour."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        v0_url: str | None = None,
        http: HttpClient | None = None,
        lang: str = "no",
        max_cells: int | None = None,
    ) -> None:
        self.base_url = (base_url or ssb_url()).rstrip("/")
        self.v0_url = (v0_url or ssb_v0_url()).rstrip("/")
        self.http = http or HttpClient()
        self.lang = lang
        self.max_cells = max_cells or DEFAULT_MAX_CELLS
        self._config: dict[str, Any] | None = None
        self._metadata: dict[str, TableMetadata] = {}
        self._codelists: dict[str, Codelist] = {}

    # -- plumbing --------------------------------------------------------------------------

    def _call(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        body: Any = None,
        table_id: str | None = None,
        query: Any = None,
        what: str = "data",
    ) -> tuple[Any, str, bytes]:
        response = self.http.request(method, url, params=params, json=body)
        final_url = response.url or url
        status = response.status_code
        if status == 200:
            try:
                return response.json(), final_url, response.content
            except ValueError as exc:
                raise JsonStatError(
                    f"StatBank answered {final_url} with something that is not JSON"
                ) from exc
        message = _error_text(response)
        table = f"table {table_id}" if table_id else "StatBank"
        if status in (400, 403, 413) and _is_cell_limit(message):
            raise CellLimitExceeded(
                f"{table}: {message}", query=query, url=final_url, status=status, table_id=table_id
            )
        if status == 400:
            raise QueryError(
                f"StatBank rejected the query for {table}: {message} "
                f"(query: {json.dumps(query, ensure_ascii=False)[:400]})",
                query=query,
                url=final_url,
                status=status,
                table_id=table_id,
            )
        if status in (403, 404, 410):
            reason = "is not available through the API" if status == 403 else "was not found"
            raise TableUnavailable(
                f"{table} {reason} (HTTP {status} for {what}: {message})",
                table_id=table_id,
                status=status,
                url=final_url,
            )
        raise SourceError(f"{table}: unexpected HTTP {status} from {final_url}: {message}")

    # -- /config ---------------------------------------------------------------------------

    def config(self) -> dict[str, Any]:
        """``/config``: adopts ``maxDataCells`` and (only if stricter) the rate limit."""
        if self._config is not None:
            return self._config
        try:
            config, _, _ = self._call("GET", f"{self.base_url}/config", what="config")
        except TableUnavailable:
            config = {}  # a mirror without /config: keep the documented defaults
        if not isinstance(config, Mapping):
            config = {}
        self._config = dict(config)
        cells = config.get("maxDataCells")
        if isinstance(cells, int) and cells > 0:
            self.max_cells = min(self.max_cells, cells) if self.max_cells else cells
        calls, window = config.get("maxCallsPerTimeWindow"), config.get("timeWindow")
        if isinstance(calls, int) and isinstance(window, int | float) and calls > 0 and window > 0:
            limiter_for(self.base_url).configure(calls, float(window))
        return self._config

    # -- metadata --------------------------------------------------------------------------

    def metadata(self, table_id: str) -> TableMetadata:
        """The table's variables and values; v0's when v2 does not serve the table."""
        table_id = str(table_id)
        if table_id in self._metadata:
            return self._metadata[table_id]
        url = f"{self.base_url}/tables/{table_id}/metadata"
        try:
            obj, final, _ = self._call(
                "GET",
                url,
                params={"lang": self.lang, "outputFormat": "json-stat2"},
                table_id=table_id,
                what="metadata",
            )
            meta = parse_v2_metadata(table_id, obj, final)
        except TableUnavailable as v2_error:
            if not self.v0_url:
                raise
            v0 = f"{self.v0_url}/{self.lang}/table/{table_id}"
            try:
                obj, final, _ = self._call("GET", v0, table_id=table_id, what="v0 metadata")
            except TableUnavailable as v0_error:
                raise TableUnavailable(
                    f"table {table_id} is served by neither PxWebApi v2 ({v2_error}) nor v0 "
                    f"(HTTP {v0_error.status})",
                    table_id=table_id,
                    status=v2_error.status,
                    url=v2_error.url,
                ) from v2_error
            meta = parse_v0_metadata(table_id, obj, final)
        self._metadata[table_id] = meta
        return meta

    def codelist(self, codelist_id: str) -> Codelist:
        """``/codelists/{id}``: the codes an aggregation or valueset offers."""
        if codelist_id in self._codelists:
            return self._codelists[codelist_id]
        obj, _, _ = self._call(
            "GET",
            f"{self.base_url}/codelists/{codelist_id}",
            params={"lang": self.lang},
            what=f"codelist {codelist_id}",
        )
        values = tuple(str(v["code"]) for v in obj.get("values", []) if "code" in v)
        codelist = Codelist(
            id=str(obj.get("id", codelist_id)),
            label=str(obj.get("label", codelist_id)),
            type=str(obj.get("type", "")),
            values=values,
        )
        self._codelists[codelist_id] = codelist
        return codelist

    def universe(self, metadata: TableMetadata, selection: VariableSelection) -> list[str] | None:
        """The codes ``selection`` chooses from: the codelist's when it names one (v2 only),
        else the variable's values; ``None`` when unknown."""
        variable = metadata.variables.get(selection.variable)
        if variable is None:
            return None
        if selection.codelist:
            if metadata.api != "v2":
                return None
            return list(self.codelist(selection.codelist).values)
        return list(variable.values)

    # -- data ------------------------------------------------------------------------------

    def data(
        self,
        table_id: str,
        selection: Iterable[Any],
        *,
        split_by: Sequence[str] | None = None,
        max_cells: int | None = None,
    ) -> StatBankResult:
        """Fetch ``selection`` from ``table_id`` as JSON-stat 2.0, chunked when too large."""
        table_id = str(table_id)
        selections = _selection_list(selection)
        self.config()  # maxDataCells and the rate limit, once per client
        meta = self.metadata(table_id)
        unknown = [s.variable for s in selections if s.variable not in meta.variables]
        if unknown:
            raise QueryError(
                f"table {table_id} has no variable(s) {unknown}; it has {list(meta.variables)}",
                query=[s.to_v2() for s in selections],
                table_id=table_id,
            )
        resolved = {s.variable: expand_values(s.values, self.universe(meta, s)) for s in selections}
        cells = estimate_cells(meta, resolved)
        if split_by is None:
            split_by = [v for v in [meta.time_variable, *meta.geo_variables] if v]
        limit = max_cells or self.max_cells

        while True:
            if cells <= limit:
                try:
                    payload, method, url, raw = self._query(meta, selections)
                except CellLimitExceeded:
                    if cells <= 1:  # nothing to split (the estimate knows too little)
                        raise
                    limit = cells // 2
                    continue
                return self._result(meta, payload, method, url, selections, [], raw)
            counts: dict[str, int] = {}
            for code, variable in meta.variables.items():
                if code in resolved:
                    values = resolved[code]
                    counts[code] = max(1, len(values)) if values is not None else 1
                elif not variable.elimination:
                    counts[code] = max(1, len(variable.values))
            lists = {v: list(resolved[v] or []) for v in split_by if resolved.get(v)}
            plan = plan_chunks(counts, lists, limit, split_by)
            parts, chunks = [], []
            try:
                for override in plan:
                    chunk_selection = [
                        s.with_values(override[s.variable]) if s.variable in override else s
                        for s in selections
                    ]
                    payload, method, url, _ = self._query(meta, chunk_selection)
                    parts.append(payload)
                    chunks.append(
                        {
                            "url": url,
                            "method": method,
                            "selection": [s.to_v2() for s in chunk_selection],
                        }
                    )
            except CellLimitExceeded:
                if limit <= 1:
                    raise
                limit = max(1, limit // 2)
                continue
            merged = merge_jsonstat(parts)
            return self._result(
                meta, merged, chunks[0]["method"], chunks[0]["url"], selections, chunks, None
            )

    def _result(
        self,
        meta: TableMetadata,
        payload: dict[str, Any],
        method: str,
        url: str,
        selections: list[VariableSelection],
        chunks: list[dict[str, Any]],
        raw: bytes | None,
    ) -> StatBankResult:
        try:
            frame = read_jsonstat(payload)
        except JsonStatError as exc:
            raise JsonStatError(f"table {meta.table_id}: {exc}") from exc
        return StatBankResult(
            table_id=meta.table_id,
            payload=payload,
            frame=frame,
            api=meta.api,
            method=method,
            url=url,
            selection=[s.to_v2() for s in selections],
            chunks=chunks,
            cells=len(frame),
            raw=raw,
        )

    def _query(
        self, meta: TableMetadata, selections: list[VariableSelection]
    ) -> tuple[dict[str, Any], str, str, bytes]:
        if meta.api == "v0":
            return self._query_v0(meta, selections)
        url = f"{self.base_url}/tables/{meta.table_id}/data"
        query = [s.to_v2() for s in selections]
        params: list[tuple[str, str]] = [("lang", self.lang), ("outputFormat", "json-stat2")]
        for s in selections:
            params.append((f"valueCodes[{s.variable}]", ",".join(s.values)))
            if s.codelist:
                params.append((f"codelist[{s.variable}]", s.codelist))
            if s.output_values:
                params.append((f"outputValues[{s.variable}]", s.output_values))
        prepared = requests.Request("GET", url, params=params).prepare()
        needs_post = len(prepared.url or "") > MAX_GET_URL or any(
            "," in v for s in selections for v in s.values
        )
        if needs_post:
            payload, final, raw = self._call(
                "POST",
                url,
                params=[("lang", self.lang), ("outputFormat", "json-stat2")],
                body={"selection": query},
                table_id=meta.table_id,
                query=query,
            )
            return payload, "POST", final, raw
        payload, final, raw = self._call(
            "GET", url, params=params, table_id=meta.table_id, query=query
        )
        return payload, "GET", final, raw

    def _query_v0(
        self, meta: TableMetadata, selections: list[VariableSelection]
    ) -> tuple[dict[str, Any], str, str, bytes]:
        url = f"{self.v0_url}/{self.lang}/table/{meta.table_id}"
        body = {
            "query": [self._v0_selection(meta, s) for s in selections],
            "response": {"format": "json-stat2"},
        }
        payload, final, raw = self._call("POST", url, body=body, table_id=meta.table_id, query=body)
        return payload, "POST", final, raw

    def _v0_selection(self, meta: TableMetadata, s: VariableSelection) -> dict[str, Any]:
        values = list(s.values)
        if s.codelist:
            kind, _, name = s.codelist.partition("_")
            if kind == "agg":
                filt = f"agg_single:{name}" if s.output_values == "single" else f"agg:{name}"
            elif kind == "vs":
                filt = f"vs:{name}"
            else:
                filt = s.codelist
            if any(_is_function(v) for v in values):
                raise QueryError(
                    f"table {meta.table_id} is only served by PxWebApi v0, which cannot combine "
                    f"{s.codelist} with {values}; list the codes",
                    query=s.to_v2(),
                    table_id=meta.table_id,
                )
            return {"code": s.variable, "selection": {"filter": filt, "values": values}}
        if len(values) == 1 and (m := _FUNCTION.match(values[0])) and m.group(1).lower() == "top":
            return {"code": s.variable, "selection": {"filter": "top", "values": [m.group(2)]}}
        if any(_is_function(v) for v in values):
            universe = list(meta.variables[s.variable].values)
            values = expand_values(values, universe) or []
            return {"code": s.variable, "selection": {"filter": "item", "values": values}}
        if any(_is_pattern(v) for v in values):
            return {"code": s.variable, "selection": {"filter": "all", "values": values}}
        return {"code": s.variable, "selection": {"filter": "item", "values": values}}


# ---------------------------------------------------------------------------------- catalogue


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


def catalogue_path() -> Path:
    """``TRSPLAN_CATALOGUE``, else ``<data_dir>/catalogue/statbank_tables.yaml``, else the
    project's own copy (a test data folder need not carry the catalogue)."""
    explicit = os.environ.get("TRSPLAN_CATALOGUE", "").strip()
    if explicit:
        return Path(explicit)
    candidate = data_dir() / "catalogue" / "statbank_tables.yaml"
    if candidate.is_file():
        return candidate
    return PROJECT_ROOT / "data" / "catalogue" / "statbank_tables.yaml"


def load_catalogue(path: Path | None = None) -> list[CatalogueEntry]:
    """Parse and check the catalogue; raises :class:`CatalogueError` naming the bad entry."""
    path = Path(path) if path is not None else catalogue_path()
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


def table_columns(table_id: str, path: Path | None = None) -> dict[str, str]:
    """ContentsCode -> column name of a table: the ``columns:`` of its catalogue entry (read once
    per catalogue file version)."""
    path = Path(path) if path is not None else catalogue_path()
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
