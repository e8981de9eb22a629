"""Statistics Norway StatBank: the live PxWebApi client (queries: :mod:`trsplan.sources.ssb_query`;
the table catalogue: :mod:`trsplan.sources.catalogue`).

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

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
import requests

from trsplan.errors import (
    CellLimitExceeded,  # noqa: F401 (re-exported)
    JsonStatError,
)
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
from trsplan.sources.ssb_query import (
    _FUNCTION,
    Codelist,
    TableMetadata,
    Variable,
    VariableSelection,
    _is_function,
    _is_pattern,
    _selection_list,
    estimate_cells,
    expand_values,
    merge_jsonstat,
    parse_v0_metadata,
    parse_v2_metadata,
    plan_chunks,
)

__all__ = [
    "DEFAULT_MAX_CELLS",
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
    "estimate_cells",
    "expand_values",
    "merge_jsonstat",
    "plan_chunks",
    "read_jsonstat",
]

DEFAULT_MAX_CELLS = 800_000
MAX_GET_URL = 2000  # SSB answers 404 to GET URLs beyond ~2,100 characters
SSB_LICENCE = "CC BY 4.0 (Statistics Norway, NLOD-compatible)"


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
