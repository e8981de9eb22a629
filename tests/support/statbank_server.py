"""A StatBank-like (and Brønnøysund-like) HTTP server for the test suite, on 127.0.0.1.

It serves recorded JSON-stat 2.0 payloads the way PxWebApi does where it matters to the client:

- ``/api/pxwebapi/v2/config``, ``/tables/{id}/metadata``, ``/codelists/{id}`` and
  ``/tables/{id}/data`` (GET with ``valueCodes[...]``/``codelist[...]``, or POST with a
  ``selection`` body). Data answers are *slices* of a table's full recorded payload, cut to the
  selection (explicit codes, ``*``/``?`` wildcards, ``top``/``bottom``/``from``/``to``/``range``),
  so a chunked fetch really is assembled from parts.
- PxWebApi v0 for the tables registered as v0-only: ``GET /api/v0/{lang}/table/{id}`` (metadata)
  and ``POST`` (a ``query`` body with ``item``/``all``/``top``/``agg:``/``vs:`` filters).
- Switches: ``burst`` (after that many calls, one 429 with ``Retry-After``), ``throttle`` (the next
  N calls get 429), ``cell_limit`` (above it: 403 ``Too many values selected`` on v0, the v2
  problem ``Too many cells selected`` with ``cell_limit_status``), ``fail_once`` (a path substring
  answered 503 once), 400 bodies for bad variables/values/missing selections.
- Error bodies come from ``../shared/reference/ssb/errors/`` where present, else from the
  project's own copies of those shapes in ``tests/fixtures/server/errors.json``.
- Brønnøysund: ``/enhetsregisteret/api/{enheter,underenheter}`` (HAL paging with the 10,000-hit
  cap) and ``/{kind}/lastned/csv`` (gzip, ``Range`` for resumes, ``truncate_once`` to drop a
  connection half-way).
- KLASS (``/api/klass/v1``): ``/classifications/{id}``, ``/classifications/{id}/changes``
  (filtered to ``from`` <= changeOccurred < ``to``), ``/classifications/{id}/codes`` and
  ``/codesAt`` (built from the version payloads the server holds) and ``/versions/{id}``, with or
  without the ``.json`` suffix; JSON only (406 when ``Accept`` rules JSON out). Classification 131
  comes from ``../shared/reference/klass/`` where present, else from the project's own fixtures in
  ``tests/fixtures/klass/``; 104 always from those fixtures. Errors are ``ProblemDetail`` bodies:
  400 for a missing or malformed date or ``from`` not before ``to``, 404 for an unknown
  classification or version. ``server.klass`` holds the payloads (tests may swap them);
  ``klass_xml`` makes every KLASS answer XML, as if the ``Accept`` header had been ignored.

Every request is logged in ``server.requests``.
"""

from __future__ import annotations

import fnmatch
import gzip
import json
import math
import re
import socket
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import numpy as np

from trsplan.paths import shared_reference_dir

FIXTURES = Path(__file__).parent / "fixtures" / "server"
KLASS_FIXTURES = Path(__file__).parent / "fixtures" / "klass"
V2 = "/api/pxwebapi/v2"
V0 = "/api/v0"
BRREG = "/enhetsregisteret/api"
KLASS = "/api/klass/v1"
_FUNCTION = re.compile(r"^\s*(top|bottom|from|to|range)\s*\((.*)\)\s*$", re.IGNORECASE)


# ------------------------------------------------------------------------------- error bodies


def error_bodies() -> dict[str, Any]:
    """Error bodies by case: the real ones from ../shared/reference where present."""
    own = json.loads((FIXTURES / "errors.json").read_text(encoding="utf-8"))
    bodies = dict(own["bodies"])
    reference = shared_reference_dir()
    if reference is not None:
        for case, file_name in own["reference_files"].items():
            path = reference / "ssb" / "errors" / file_name
            if path.is_file():
                bodies[case] = json.loads(path.read_text(encoding="utf-8"))
    return bodies


# ---------------------------------------------------------------------------------- tables


@dataclass
class Table:
    """A table the server knows: the full payload plus what metadata adds to it.

    ``payload``: JSON-stat 2.0 with every category the table has for its returned dimensions.
    ``eliminated``: further variables that only exist in metadata (always eliminated here).
    ``codelists``: ``{variable: {codelist_id: [codes]}}``; a codelist's codes must be categories
    of the payload; the variable's default values (metadata) are the codes no aggregation
    (``agg_*``) codelist owns.
    ``api``: ``"v2"`` (also served by v0) or ``"v0"`` (v2 answers 404).
    """

    payload: dict[str, Any]
    eliminated: dict[str, list[str]] = field(default_factory=dict)
    codelists: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    api: str = "v2"

    @property
    def ids(self) -> list[str]:
        return list(self.payload["id"])

    def codes(self, dim: str) -> list[str]:
        index = self.payload["dimension"][dim]["category"]["index"]
        if isinstance(index, list):
            return list(index)
        return [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]

    def default_values(self, dim: str) -> list[str]:
        """The variable's own values: every category except the codes only an aggregation
        (``agg_*``) codelist produces; a valueset (``vs_*``) is a subset of them."""
        aggregated = {
            c
            for cid, codes in self.codelists.get(dim, {}).items()
            if not cid.startswith("vs")
            for c in codes
        }
        return [c for c in self.codes(dim) if c not in aggregated]

    def time_dims(self) -> list[str]:
        return list((self.payload.get("role") or {}).get("time") or ["Tid"])

    def eliminable(self, dim: str) -> bool:
        if dim in self.eliminated:
            return True
        ext = self.payload["dimension"][dim].get("extension") or {}
        if "elimination" in ext:
            return bool(ext["elimination"])
        role = self.payload.get("role") or {}
        return dim not in (role.get("time") or []) + (role.get("metric") or [])


def expand(exprs: Sequence[str], universe: Sequence[str]) -> list[str] | None:
    """The server's own reading of v2 value expressions; ``None`` for an unknown code."""
    chosen: set[str] = set()
    for expr in exprs:
        expr = expr.strip()
        m = _FUNCTION.match(expr)
        if m:
            name, arg = m.group(1).lower(), m.group(2).strip()
            if name == "top":
                chosen.update(universe[-int(arg) :])
            elif name == "bottom":
                chosen.update(universe[: int(arg)])
            elif name == "from":
                chosen.update(v for v in universe if v >= arg)
            elif name == "to":
                chosen.update(v for v in universe if v <= arg)
            else:
                lo, hi = (p.strip() for p in arg.split(","))
                chosen.update(v for v in universe if lo <= v <= hi)
        elif "*" in expr or "?" in expr:
            chosen.update(v for v in universe if fnmatch.fnmatchcase(v, expr))
        elif expr in universe:
            chosen.add(expr)
        else:
            return None
    return [v for v in universe if v in chosen]


def slice_payload(payload: Mapping[str, Any], keep: Mapping[str, list[str]]) -> dict[str, Any]:
    """The dataset restricted to ``keep[dim]`` codes (kept in the payload's order)."""
    ids = list(payload["id"])
    sizes = list(payload["size"])
    all_codes = {}
    for d in ids:
        index = payload["dimension"][d]["category"]["index"]
        all_codes[d] = (
            list(index)
            if isinstance(index, list)
            else [c for c, _ in sorted(index.items(), key=lambda kv: kv[1])]
        )
    picks = []
    new_codes = {}
    for d in ids:
        wanted = set(keep.get(d, all_codes[d]))
        positions = [i for i, c in enumerate(all_codes[d]) if c in wanted]
        picks.append(np.array(positions, dtype=np.int64))
        new_codes[d] = [all_codes[d][i] for i in positions]
    strides = [math.prod(sizes[k + 1 :]) for k in range(len(ids))]
    flat = np.zeros([len(p) for p in picks], dtype=np.int64)
    for k, p in enumerate(picks):
        shape = [1] * len(ids)
        shape[k] = len(p)
        flat = flat + p.reshape(shape) * strides[k]
    flat = flat.ravel()
    raw = payload["value"]
    if isinstance(raw, Mapping):
        values = [raw.get(str(i)) for i in flat.tolist()]
    else:
        values = [raw[i] for i in flat.tolist()]
    old_status = payload.get("status") or {}
    if isinstance(old_status, list):
        old_status = {str(i): s for i, s in enumerate(old_status) if s is not None}
    status = {
        str(new): old_status[str(old)]
        for new, old in enumerate(flat.tolist())
        if str(old) in old_status
    }
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key == "dimension":
            dims = {}
            for d in ids:
                entry = json.loads(json.dumps(payload["dimension"][d]))
                category = entry["category"]
                category["index"] = {c: i for i, c in enumerate(new_codes[d])}
                category["label"] = {c: category.get("label", {}).get(c, c) for c in new_codes[d]}
                if "unit" in category:
                    category["unit"] = {
                        c: u for c, u in category["unit"].items() if c in set(new_codes[d])
                    }
                dims[d] = entry
            out[key] = dims
        elif key == "size":
            out[key] = [len(new_codes[d]) for d in ids]
        elif key == "value":
            out[key] = values
        elif key == "status":
            continue
        else:
            out[key] = json.loads(json.dumps(value))
    if status:
        out["status"] = status
    return out


# -------------------------------------------------------------------------------- brreg data


@dataclass
class BulkFile:
    data: bytes  # gzip bytes
    etag: str = '"v1"'


# -------------------------------------------------------------------------------- KLASS data


@dataclass
class KlassData:
    """The KLASS payloads the server answers from, keyed by id (strings)."""

    classifications: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    changes: dict[str, dict[str, Any]] = field(default_factory=dict)
    source_131: str = "fixtures"  # "reference" when 131 comes from ../shared/reference/klass

    @classmethod
    def load(cls, reference: Path | None = None, *, use_reference: bool = True) -> KlassData:
        """131 from ``reference/klass`` (default: ``shared_reference_dir()``) when it is there,
        else from the fixtures; 104 from the fixtures."""
        data = cls()

        def read(path: Path) -> dict[str, Any]:
            return json.loads(path.read_text(encoding="utf-8"))

        for path in sorted(KLASS_FIXTURES.glob("klass_*_classification.json")):
            meta = read(path)
            data.classifications[str(meta["id"])] = meta
        for path in sorted(KLASS_FIXTURES.glob("klass_*_version_*.json")):
            version = read(path)
            data.versions[str(version["id"])] = version
        data.changes["131"] = read(KLASS_FIXTURES / "klass_131_changes.json")

        base = reference or shared_reference_dir()
        if not use_reference or base is None:
            return data
        folder = base / "klass"
        changes = sorted(folder.glob("klass_131_changes*.json"))
        meta_path = folder / "klass_131_classification.json"
        if changes and meta_path.is_file():
            fixture_versions = [str(v["id"]) for v in data.classifications["131"]["versions"]]
            for version_id in fixture_versions:
                data.versions.pop(version_id, None)
            data.classifications["131"] = read(meta_path)
            data.changes["131"] = read(changes[-1])
            for path in sorted(folder.glob("klass_131_version_*.json")):
                version = read(path)
                data.versions[str(version["id"])] = version
            data.source_131 = "reference"
        return data

    def version_ranges(self, cid: str) -> list[tuple[str, str, dict[str, Any]]]:
        """(valid_from, valid_to or "9999-12-31", payload) of every version the server holds."""
        out = []
        for summary in self.classifications[cid]["versions"]:
            payload = self.versions.get(str(summary["id"]))
            if payload is not None:
                end = summary.get("validTo") or "9999-12-31"
                out.append((summary["validFrom"][:10], end[:10], payload))
        return sorted(out, key=lambda item: item[0])


_MAX_DATE = "9999-12-31"


def _problem(status: int, detail: str | None, instance: str) -> tuple[int, dict[str, str], bytes]:
    titles = {400: "Bad Request", 404: "Not Found", 406: "Not Acceptable"}
    body: dict[str, Any] = {"type": "about:blank", "title": titles.get(status, "Error")}
    body["status"] = status
    if detail is not None:
        body["detail"] = detail
    body["instance"] = instance
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": "application/problem+json"}, data


def _accepts_json(accept: str) -> bool:
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ("*/*", "application/*") or media.endswith("json"):
            return True
    return False


# ---------------------------------------------------------------------------------- server


class StatBankServer:
    """Start with ``with StatBankServer() as server:`` (or ``start()``/``stop()``)."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}
        self.brreg_records: dict[str, list[dict[str, Any]]] = {"enheter": [], "underenheter": []}
        self.bulk: dict[str, BulkFile] = {}
        self.cell_limit = 800_000
        self.cell_limit_status = 403
        self.config_limit: int | None = None  # maxDataCells in /config (default: cell_limit)
        self.burst: int | None = None
        self.retry_after: str | None = "1"
        self.throttle = 0
        self.fail_once: dict[str, int] = {}
        self.truncate_once: set[str] = set()
        self.brreg_cap = 10_000
        self.forbidden: set[str] = set()  # table ids answered 403 (not available via the API)
        self.requests: list[dict[str, Any]] = []
        self.errors = error_bodies()
        self.klass = KlassData.load()
        self.klass_xml = False
        self._since_429 = 0
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> StatBankServer:
        server = self

        class Handler(_Handler):
            owner = server

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> StatBankServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None
        return self._httpd.server_address[1]

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def v2_url(self) -> str:
        return self.root + V2

    @property
    def v0_url(self) -> str:
        return self.root + V0

    @property
    def brreg_url(self) -> str:
        return self.root + BRREG

    @property
    def klass_url(self) -> str:
        return self.root + KLASS

    def klass_requests(self) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["path"].startswith(KLASS)]

    # -- content ---------------------------------------------------------------------------

    def add_table(self, table_id: str, table: Table) -> None:
        self.tables[str(table_id)] = table

    def data_requests(self, table_id: str | None = None) -> list[dict[str, Any]]:
        return [
            r
            for r in self.requests
            if "/data" in r["path"] or (r["path"].startswith(V0) and r["method"] == "POST")
            if table_id is None or f"/{table_id}" in r["path"]
        ]

    # -- request gate (shared by every endpoint) -------------------------------------------

    def gate(self, path: str) -> tuple[int, dict[str, str], bytes] | None:
        with self._lock:
            for key, count in list(self.fail_once.items()):
                if key in path and count > 0:
                    self.fail_once[key] = count - 1
                    return 503, {"Content-Type": "text/plain"}, b"Service Unavailable"
            throttled = self.throttle > 0
            if throttled:
                self.throttle -= 1
            elif self.burst is not None:
                self._since_429 += 1
                if self._since_429 > self.burst:
                    self._since_429 = 0
                    throttled = True
            if throttled:
                headers = {"Content-Type": "application/json"}
                if self.retry_after is not None:
                    headers["Retry-After"] = self.retry_after
                body = {"type": "Too Many Requests", "title": "Too many requests", "status": 429}
                return 429, headers, json.dumps(body).encode()
        return None


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None):
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return status, {"Content-Type": "application/json; charset=utf-8", **(headers or {})}, data


class _Handler(BaseHTTPRequestHandler):
    owner: StatBankServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def setup(self) -> None:
        super().setup()
        # headers and body go out in two writes: without this, Nagle + delayed ACK add ~40 ms
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # -- dispatch --------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle("GET")

    def do_HEAD(self) -> None:
        self._handle("HEAD")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        length = int(self.headers.get("Content-Length") or 0)
        raw_body = self.rfile.read(length) if length else b""
        body = None
        if raw_body:
            try:
                body = json.loads(raw_body)
            except ValueError:
                body = raw_body.decode("utf-8", "replace")
        entry = {
            "method": method,
            "path": parts.path,
            "query": query,
            "body": body,
            "headers": dict(self.headers),
        }
        self.owner.requests.append(entry)
        gated = self.owner.gate(parts.path)
        if gated is not None:
            entry["status"] = gated[0]
            self._send(*gated)
            return
        try:
            result = self._route(method, parts.path, query, body)
        except Exception as exc:  # a bug in the server must show up as a 500, not a hang
            result = _json(500, {"error": f"test server error: {exc!r}"})
        if result is None:
            return  # streamed already
        entry["status"] = result[0]
        self._send(*result)

    def _send(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _route(self, method: str, path: str, query: list[tuple[str, str]], body: Any):
        if path.startswith(V2):
            return self._v2(method, path[len(V2) :], query, body)
        if path.startswith(V0):
            return self._v0(method, path[len(V0) :], body)
        if path.startswith(BRREG):
            return self._brreg(path[len(BRREG) :], query)
        if path.startswith(KLASS):
            return self._klass(path, query)
        return _json(404, {"error": "not found"})

    # -- PxWebApi v2 -----------------------------------------------------------------------

    def _v2(self, method: str, path: str, query: list[tuple[str, str]], body: Any):
        owner = self.owner
        if path == "/config":
            return _json(
                200,
                {
                    "apiVersion": "2.0.0",
                    "maxDataCells": owner.config_limit or owner.cell_limit,
                    "maxCallsPerTimeWindow": 30,
                    "timeWindow": 10,
                    "defaultLanguage": "no",
                    "defaultDataFormat": "json-stat2",
                    "dataFormats": ["px", "json-stat2", "csv", "xlsx", "html", "json-px"],
                },
            )
        m = re.fullmatch(r"/codelists/([^/]+)", path)
        if m:
            for table in owner.tables.values():
                for variable, lists in table.codelists.items():
                    if m.group(1) in lists:
                        labels = table.payload["dimension"][variable]["category"].get("label", {})
                        return _json(
                            200,
                            {
                                "id": m.group(1),
                                "label": m.group(1),
                                "language": "no",
                                "type": "Aggregation"
                                if m.group(1).startswith("agg")
                                else "Valueset",
                                "values": [
                                    {"code": c, "label": labels.get(c, c), "valueMap": [c]}
                                    for c in lists[m.group(1)]
                                ],
                            },
                        )
            return _json(
                404, {"type": "Not found", "title": "Non-existent codelist", "status": 404}
            )
        m = re.fullmatch(r"/tables/([^/]+)/(metadata|data)", path)
        if not m:
            return _json(404, {"type": "Not found", "title": "Not found", "status": 404})
        if m.group(1) in owner.forbidden:
            body = {"type": "Forbidden", "title": "Table not available via the API", "status": 403}
            return _json(403, body)
        table = owner.tables.get(m.group(1))
        if table is None or table.api != "v2":
            return _json(404, {"type": "Not found", "title": "Non-existent table", "status": 404})
        if m.group(2) == "metadata":
            return _json(200, self._metadata(table))
        if method == "POST":
            selection = (body or {}).get("selection") if isinstance(body, dict) else None
            if not isinstance(selection, list):
                return _json(400, owner.errors["v2_parameter_error"])
            choices = {
                s["variableCode"]: (list(s.get("valueCodes") or []), s.get("codelist"))
                for s in selection
            }
        else:
            choices = {}
            lists = {}
            for key, value in query:
                km = re.fullmatch(r"(?i)(valuecodes|codelist|outputvalues)\[(.+)\]", key)
                if not km:
                    continue
                kind = km.group(1).lower()
                if kind == "valuecodes":
                    choices[km.group(2)] = (_split_codes(value), None)
                elif kind == "codelist":
                    lists[km.group(2)] = value
            choices = {k: (v, lists.get(k)) for k, (v, _) in choices.items()}
        fmt = dict(query).get("outputFormat", "json-stat2")
        if fmt != "json-stat2":
            return _json(400, owner.errors["v2_parameter_error"])
        return self._data(table, choices, v2=True)

    def _metadata(self, table: Table) -> dict[str, Any]:
        meta = {k: json.loads(json.dumps(v)) for k, v in table.payload.items()}
        meta.pop("value", None)
        meta.pop("status", None)
        ids = list(table.ids) + list(table.eliminated)
        dims = {}
        for d in table.ids:
            entry = meta["dimension"][d]
            codes = table.default_values(d)
            labels = entry["category"].get("label", {})
            entry["category"] = {
                "index": {c: i for i, c in enumerate(codes)},
                "label": {c: labels.get(c, c) for c in codes},
                **({"unit": entry["category"]["unit"]} if "unit" in entry["category"] else {}),
            }
            ext = dict(entry.get("extension") or {})
            ext["elimination"] = table.eliminable(d)
            ext["codelists"] = [
                {
                    "id": cid,
                    "label": cid,
                    "type": "Aggregation" if cid.startswith("agg") else "Valueset",
                    "links": [{"rel": "metadata", "href": f"/codelists/{cid}"}],
                }
                for cid in table.codelists.get(d, {})
            ]
            entry["extension"] = ext
            dims[d] = entry
        for d, codes in table.eliminated.items():
            dims[d] = {
                "label": d,
                "category": {
                    "index": {c: i for i, c in enumerate(codes)},
                    "label": {c: c for c in codes},
                },
                "extension": {"elimination": True, "show": "value", "codelists": []},
            }
        meta["id"] = ids
        meta["size"] = [len(dims[d]["category"]["index"]) for d in ids]
        meta["dimension"] = dims
        meta["value"] = []
        return meta

    def _data(self, table: Table, choices: dict[str, tuple[list[str], str | None]], *, v2: bool):
        owner = self.owner
        known = set(table.ids) | set(table.eliminated)
        for variable in choices:
            if variable not in known:
                return _json(
                    400, owner.errors["v2_non_existent_variable" if v2 else "v0_parameter_error"]
                )
        for d in table.ids:
            if d not in choices and not table.eliminable(d) and v2:
                return _json(400, owner.errors["v2_missing_selection"])
        keep: dict[str, list[str]] = {}
        for variable, (values, codelist) in choices.items():
            if variable in table.eliminated:
                if v2:
                    return _json(400, owner.errors["v2_non_existent_value"])
                return _json(400, _v0_variable_error(owner.errors, variable))
            if codelist:
                universe = table.codelists.get(variable, {}).get(codelist)
                if universe is None:
                    return _json(400, owner.errors["v2_non_existent_value"])
            else:
                universe = table.default_values(variable)
            picked = expand(values, universe)
            if picked is None:
                if v2:
                    return _json(400, owner.errors["v2_non_existent_value"])
                return _json(400, _v0_variable_error(owner.errors, variable))
            keep[variable] = picked
        cells = math.prod(len(keep.get(d, table.codes(d))) for d in table.ids)
        if cells > owner.cell_limit:
            if v2:
                body = dict(owner.errors["v2_too_many_cells"])
                body["status"] = owner.cell_limit_status
                body["detail"] = f"{cells} cells selected, the limit is {owner.cell_limit}"
                return _json(owner.cell_limit_status, body)
            return _json(403, owner.errors["v0_too_many_values"])
        for d in table.ids:
            keep.setdefault(d, table.default_values(d))
        return _json(200, slice_payload(table.payload, keep))

    # -- PxWebApi v0 -----------------------------------------------------------------------

    def _v0(self, method: str, path: str, body: Any):
        owner = self.owner
        m = re.fullmatch(r"/(no|en)/table/([^/]+)/?", path)
        if not m:
            return _json(404, {"error": "not found"})
        table = owner.tables.get(m.group(2))
        if table is None or m.group(2) in owner.forbidden:
            return _json(404, {"error": "not found"})
        if method == "GET":
            variables = []
            for d in table.ids:
                codes = table.default_values(d)
                labels = table.payload["dimension"][d]["category"].get("label", {})
                item = {
                    "code": d,
                    "text": table.payload["dimension"][d].get("label", d),
                    "values": codes,
                    "valueTexts": [labels.get(c, c) for c in codes],
                }
                if table.eliminable(d):
                    item["elimination"] = True
                if d in table.time_dims():
                    item["time"] = True
                variables.append(item)
            for d, codes in table.eliminated.items():
                variables.append(
                    {
                        "code": d,
                        "text": d,
                        "values": codes,
                        "valueTexts": codes,
                        "elimination": True,
                    }
                )
            return _json(
                200, {"title": table.payload.get("label", m.group(2)), "variables": variables}
            )
        if not isinstance(body, dict) or not isinstance(body.get("query"), list):
            return _json(400, owner.errors["v0_parameter_error"])
        if (body.get("response") or {}).get("format") != "json-stat2":
            return _json(400, owner.errors["v0_parameter_error"])
        choices: dict[str, tuple[list[str], str | None]] = {}
        for item in body["query"]:
            code = item.get("code")
            selection = item.get("selection") or {}
            filt, values = selection.get("filter"), [str(v) for v in selection.get("values", [])]
            if filt == "top":
                choices[code] = ([f"top({values[0]})"], None)
            elif filt in ("item", "all"):
                choices[code] = (values, None)
            elif filt and (filt.startswith("agg") or filt.startswith("vs:")):
                kind, _, name = filt.partition(":")
                prefix = "vs" if kind == "vs" else "agg"
                choices[code] = (values, f"{prefix}_{name}")
            else:
                return _json(400, owner.errors["v0_parameter_error"])
        return self._data(table, choices, v2=False)

    # -- Brønnøysund -----------------------------------------------------------------------

    def _brreg(self, path: str, query: list[tuple[str, str]]):
        owner = self.owner
        m = re.fullmatch(r"/(enheter|underenheter)/lastned/csv", path)
        if m:
            return self._bulk(m.group(1))
        m = re.fullmatch(r"/(enheter|underenheter)", path)
        if not m:
            return _json(404, {"status": 404, "error": "Not Found", "path": BRREG + path})
        kind = m.group(1)
        params = dict(query)
        page, size = int(params.pop("page", 0)), int(params.pop("size", 20))
        if (page + 1) * size > owner.brreg_cap:
            return _json(
                400,
                {
                    "timestamp": "2026-11-01T00:00:00.000+00:00",
                    "status": 400,
                    "error": "Bad Request",
                    "message": f"Kan ikke hente mer enn {owner.brreg_cap} treff (page * size)",
                    "path": BRREG + path,
                },
            )
        records = [r for r in owner.brreg_records[kind] if _brreg_match(r, params)]
        total = len(records)
        pages = math.ceil(total / size) if size else 0
        chunk = records[page * size : (page + 1) * size]
        base = f"{owner.brreg_url}/{kind}"
        extra = "".join(f"&{k}={v}" for k, v in params.items())
        links = {"self": {"href": f"{base}?page={page}&size={size}{extra}"}}
        if total:
            links["first"] = {"href": f"{base}?page=0&size={size}{extra}"}
            links["last"] = {"href": f"{base}?page={pages - 1}&size={size}{extra}"}
        if page + 1 < pages:
            links["next"] = {"href": f"{base}?page={page + 1}&size={size}{extra}"}
        out: dict[str, Any] = {}
        if chunk:
            out["_embedded"] = {kind: chunk}
        out["_links"] = links
        out["page"] = {"size": size, "totalElements": total, "totalPages": pages, "number": page}
        return _json(200, out)

    def _bulk(self, kind: str):
        owner = self.owner
        bulk = owner.bulk.get(kind)
        if bulk is None:
            return _json(404, {"status": 404, "error": "Not Found"})
        data = bulk.data
        headers = {
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{kind}.csv.gz"',
            "ETag": bulk.etag,
            "Accept-Ranges": "bytes",
        }
        if self.headers.get("If-None-Match") == bulk.etag:
            return 304, {"ETag": bulk.etag}, b""
        start = 0
        status = 200
        rng = self.headers.get("Range")
        if_range = self.headers.get("If-Range")
        if rng and (if_range is None or if_range == bulk.etag):
            m = re.fullmatch(r"bytes=(\d+)-", rng.strip())
            if m:
                start = int(m.group(1))
                if start >= len(data):
                    return 416, {"Content-Range": f"bytes */{len(data)}"}, b""
                status = 206
                headers["Content-Range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
        body = data[start:]
        if kind in owner.truncate_once and status == 200:
            owner.truncate_once.discard(kind)
            # promise everything, send half, drop the connection
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            self.owner.requests[-1]["status"] = f"{status} (truncated)"
            return None
        return status, headers, body

    # -- KLASS -----------------------------------------------------------------------------

    def _klass(self, full_path: str, query: list[tuple[str, str]]):
        owner = self.owner
        path = full_path[len(KLASS) :]
        suffix = path.endswith(".json")
        if suffix:
            path = path[: -len(".json")]
        accept = self.headers.get("Accept") or "*/*"
        if not suffix and not _accepts_json(accept):
            return _problem(406, None, full_path)
        if owner.klass_xml:
            return 200, {"Content-Type": "application/xml"}, b"<classification/>"
        params = dict(query)
        data = owner.klass
        m = re.fullmatch(r"/versions/([^/]+)", path)
        if m:
            if not m.group(1).isdigit():
                return _problem(400, _type_mismatch(m.group(1), "java.lang.Long"), full_path)
            version = data.versions.get(str(int(m.group(1))))
            if version is None:
                detail = f"ClassificationVersion not found with id = {m.group(1)}"
                return _problem(404, detail, full_path)
            return _json(200, version)
        m = re.fullmatch(r"/classifications/([^/]+)(?:/(changes|codes|codesAt))?", path)
        if not m:
            return _problem(404, None, full_path)
        cid, endpoint = m.group(1), m.group(2)
        if not cid.isdigit():
            return _problem(400, _type_mismatch(cid, "java.lang.Long"), full_path)
        cid = str(int(cid))
        if cid not in data.classifications:
            return _problem(404, f"Classification not found with id = {cid}", full_path)
        if endpoint is None:
            return _json(200, data.classifications[cid])
        names = ("date",) if endpoint == "codesAt" else ("from", "to")
        dates: dict[str, str | None] = {}
        for name in names:
            value = params.get(name)
            if value is None:
                if name == "to":
                    dates[name] = None
                    continue
                detail = (
                    f"Required request parameter '{name}' for method parameter type LocalDate "
                    "is not present"
                )
                return _problem(400, detail, full_path)
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) or not _valid_date(value):
                return _problem(400, _type_mismatch(value, "java.time.LocalDate"), full_path)
            dates[name] = value
        if endpoint == "codesAt":
            return _json(200, {"codes": _codes_at(data, cid, dates["date"])})
        start, end = dates["from"], dates["to"] or _MAX_DATE
        if start >= end:
            detail = f"From is equal or after to. From: {start} To: {end}"
            return _problem(400, detail, full_path)
        if endpoint == "changes":
            rows = (data.changes.get(cid) or {"codeChanges": []})["codeChanges"]
            kept = [r for r in rows if start <= r["changeOccurred"][:10] < end]
            return _json(200, {"codeChanges": kept})
        return _json(200, {"codes": _codes_between(data, cid, start, end)})


def _valid_date(value: str) -> bool:
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _type_mismatch(value: str, java_type: str) -> str:
    return (
        f"Failed to convert value of type 'java.lang.String' to required type '{java_type}'; "
        f"Failed to convert from type [java.lang.String] to type [{java_type}] for value "
        f"[{value}]"
    )


def _code_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """A version's classificationItem as KLASS's ``CodeItem`` (field order as SSB's DTO)."""
    return {
        "code": item["code"],
        "parentCode": item.get("parentCode") or None,
        "level": str(item.get("level", "1")),
        "name": item.get("name"),
        "shortName": item.get("shortName") or "",
        "presentationName": "",
        "validFrom": None,
        "validTo": None,
        "notes": item.get("notes") or "",
    }


def _codes_at(data: KlassData, cid: str, day: str) -> list[dict[str, Any]]:
    for start, end, payload in data.version_ranges(cid):
        if start <= day < end:
            items = [_code_item(i) for i in payload["classificationItems"]]
            return sorted(items, key=lambda i: i["code"])
    return []


def _codes_between(data: KlassData, cid: str, start: str, end: str) -> list[dict[str, Any]]:
    """``RangedCodeItem``s: each code with the part of [start, end) in which it was valid; the
    same code and name in consecutive versions is one item (KLASS's ``compress``)."""
    spans: dict[tuple[str, str, str], list[list[Any]]] = {}
    for v_start, v_end, payload in data.version_ranges(cid):
        if not (v_start < end and start < v_end):
            continue
        lo, hi = max(start, v_start), min(end, v_end)
        for item in payload["classificationItems"]:
            key = (item["code"], str(item.get("name")), str(item.get("level", "1")))
            runs = spans.setdefault(key, [])
            if runs and runs[-1][1] == lo:
                runs[-1][1] = hi
            else:
                runs.append([lo, hi, item])
    out = []
    for runs in spans.values():
        for lo, hi, item in runs:
            entry = _code_item(item)
            notes = entry.pop("notes")
            entry["validFromInRequestedRange"] = lo
            entry["validToInRequestedRange"] = None if hi == _MAX_DATE else hi
            entry["notes"] = notes
            out.append(entry)
    return sorted(out, key=lambda i: (i["code"], i["validFromInRequestedRange"]))


def _split_codes(value: str) -> list[str]:
    """Split a GET ``valueCodes`` value on commas outside parentheses (``range(a,b)``)."""
    out, depth, current = [], 0, ""
    for ch in value:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(current)
            current = ""
        else:
            current += ch
    out.append(current)
    return [c for c in out if c != ""]


def _v0_variable_error(errors: Mapping[str, Any], variable: str) -> dict[str, Any]:
    body = dict(errors["v0_variable_error"])
    body["error"] = re.sub(r"variable '[^']*'", f"variable '{variable}'", str(body["error"]))
    return body


def _brreg_match(record: Mapping[str, Any], params: Mapping[str, str]) -> bool:
    for key, value in params.items():
        if key == "navn":
            if value.lower() not in str(record.get("navn", "")).lower():
                return False
        elif key == "kommunenummer":
            address = record.get("forretningsadresse") or record.get("beliggenhetsadresse") or {}
            if address.get("kommunenummer") not in value.split(","):
                return False
    return True


# --------------------------------------------------------------------------- fixture helpers


def synthetic_payload(
    table_id: str,
    dims: Mapping[str, Sequence[str]],
    *,
    label: str | None = None,
    updated: str = "2026-10-01T06:00:00Z",
    seed: int = 0,
    status_every: int | None = 7,
) -> dict[str, Any]:
    """A deterministic JSON-stat 2.0 payload in SSB's v2 layout with made-up numbers."""
    ids = list(dims)
    sizes = [len(dims[d]) for d in ids]
    n = math.prod(sizes)
    rng = np.random.default_rng(int(table_id) * 1000 + seed)
    values: list[Any] = [int(v) for v in rng.integers(0, 50_000, size=n)]
    status = {}
    if status_every:
        for i in range(3, n, status_every):
            values[i] = None
            status[str(i)] = ".." if i % 2 else ":"
    role = {
        "time": [d for d in ids if d == "Tid"],
        "geo": [d for d in ids if d in ("Region", "Bokommuen", "ArbstedKomm")],
        "metric": [d for d in ids if d == "ContentsCode"],
    }
    payload: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": label or f"{table_id}: synthetic test table",
        "source": "Statistisk sentralbyrå",
        "updated": updated,
        "note": ["Test-server fixture; the numbers are invented."],
        "role": {k: v for k, v in role.items() if v},
        "id": ids,
        "size": sizes,
        "dimension": {
            d: {
                "label": d,
                "category": {
                    "index": {c: i for i, c in enumerate(dims[d])},
                    "label": {c: f"{d} {c}" for c in dims[d]},
                },
                "extension": {
                    "elimination": d not in ("Tid", "ContentsCode"),
                    "show": "code" if d == "Tid" else "value",
                },
            }
            for d in ids
        },
        "extension": {"px": {"tableid": table_id, "decimals": 0, "matrix": table_id}},
        "value": values,
    }
    if status:
        payload["status"] = status
    return payload


def gzip_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """A Brønnøysund-style bulk CSV (dotted column names, every field quoted), gzipped."""
    import csv
    import io

    text = io.StringIO()
    writer = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
    return gzip.compress(text.getvalue().encode("utf-8"), mtime=0)


def iter_chunks(data: bytes, size: int) -> Iterator[bytes]:
    for i in range(0, len(data), size):
        yield data[i : i + size]


_STANDARD = {
    "Region": ["0", "50", "0301", "1601", "5001", "5035"],
    "Bokommuen": ["0301", "1601", "5001", "5035"],
    "ArbstedKomm": ["0301", "1601", "5001", "5035"],
    "Tid": [str(y) for y in range(2006, 2025)],
}


def table_for_entry(entry: Any) -> Table:
    """A small synthetic table that satisfies a catalogue entry (its selection and expectations).

    Every explicit and expected code exists; wildcards and ``*`` match a few standard codes
    plus one code the selection leaves out, so slicing is exercised too.
    """
    dims: dict[str, list[str]] = {}
    codelists: dict[str, dict[str, list[str]]] = {}
    for selection in entry.selection:
        variable = selection.variable
        expected = list(entry.expect.get(variable, ()))
        explicit = [v for v in selection.values if not ("*" in v or "?" in v or _FUNCTION.match(v))]
        patterns = [v for v in selection.values if v not in explicit]
        codes = list(dict.fromkeys(explicit + expected))
        if patterns:
            base = _STANDARD.get(variable, ["01", "02", "10-33", "99"])
            codes = list(dict.fromkeys(codes + base))
        if not patterns:
            codes.append("ZZ")  # a value the query leaves out
        if selection.codelist:
            members = [c for c in codes if c != "ZZ"]
            if selection.codelist.startswith("agg_KommSummer"):
                members = list(
                    dict.fromkeys([c for c in members if c.startswith("K-")] + ["K-0301", "K-5001"])
                )
            codelists[variable] = {selection.codelist: members}
            codes = list(dict.fromkeys(codes + members))
        if variable == "Tid":
            codes = sorted(codes)
        dims[variable] = codes
    payload = synthetic_payload(entry.table_id, dims, label=f"{entry.table_id}: {entry.title}")
    return Table(payload, codelists=codelists)


class FakeClock:
    """A clock for the rate limiter and retries: time moves only when something sleeps."""

    def __init__(self, start: float = 1000.0) -> None:
        self.t = start
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += max(0.0, seconds)


def closed_port() -> int:
    """A local port nothing listens on (bound, then released): a connection to it is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port
