"""The live KLASS client (``TRSPLAN_KLASS_URL``): classification, versions, codes, codesAt and
changes, on the shared HTTP layer in :mod:`trsplan.sources.http`. ``trsplan fetch --only klass``
uses it to store the raw payloads in the snapshot; :mod:`trsplan.sources.klass` parses them and
builds the geography tables.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from trsplan.errors import KlassError, KlassNotFound
from trsplan.sources.http import HttpClient, QueryError, SourceError, klass_url
from trsplan.sources.klass import _iso

#: KLASS is open data from Statistics Norway (NLOD 2.0; CC BY 4.0 compatible).
KLASS_LICENCE = "NLOD 2.0 / CC BY 4.0"
MUNICIPALITIES = 131  # Standard for kommuneinndeling
COUNTIES = 104  # Standard for fylkesinndeling


@dataclass(frozen=True)
class KlassResponse:
    """One KLASS answer: the body as sent (``raw``), decoded (``data``), and what was asked."""

    url: str  # the final URL, query string included
    path: str  # the path below the base URL, e.g. "/classifications/131/changes"
    query: dict[str, str]
    raw: bytes
    data: Any


@dataclass(frozen=True)
class VersionInfo:
    """One entry of a classification's ``versions`` list. ``valid_to`` is exclusive; ``None``
    means the version is still in force."""

    id: int
    name: str
    valid_from: str
    valid_to: str | None
    last_modified: str | None
    url: str | None

    def valid_on(self, day: str) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class KlassCode:
    """One item of a ``/codes`` or ``/codesAt`` answer (SSB's ``CodeItem`` / ``RangedCodeItem``).

    ``valid_from``/``valid_to`` are the code's own validity when KLASS records one (usually
    ``None``); ``in_range_from``/``in_range_to`` say, for ``/codes``, in which part of the
    requested range (``to`` exclusive, ``None`` = open) the code was valid.
    """

    code: str
    name: str
    level: str
    parent_code: str | None = None
    short_name: str | None = None
    presentation_name: str | None = None
    valid_from: str | None = None
    valid_to: str | None = None
    in_range_from: str | None = None
    in_range_to: str | None = None
    notes: str | None = None


def _klass_date(value: Any, what: str) -> str:
    """``value`` as ``YYYY-MM-DD``; a malformed date is refused before anything is sent."""
    if isinstance(value, date):  # datetime is a date too
        return value.isoformat()[:10]
    text = str(value).strip()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise QueryError(
            f"KLASS {what} must be a date (YYYY-MM-DD), not {value!r}", query={what: value}
        ) from None


def _klass_id(value: Any, what: str) -> str:
    text = str(value).strip()
    if isinstance(value, bool) or not text.isdigit():
        raise QueryError(f"KLASS {what} id must be a whole number, not {value!r}")
    return str(int(text))


def _optional_date(value: Any) -> str | None:
    return None if value in (None, "") else _iso(value, "date")


def _error_message(response: Any) -> str:
    """KLASS's own words: a ProblemDetail's ``detail`` (current API), the older ``message`` /
    ``error`` fields, or the plain-text body the API sends for non-JSON requests."""
    text = (response.text or "").strip()
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    if isinstance(body, Mapping):
        for key in ("detail", "message", "error", "title"):
            if body.get(key):
                return str(body[key])[:500]
        return json.dumps(body, ensure_ascii=False)[:500]
    return text[:500] or (response.reason or f"HTTP {response.status_code}")


def _require(data: Any, key: str, what: str, kind: type = list) -> None:
    if not isinstance(data, Mapping) or not isinstance(data.get(key), kind):
        raise KlassError(f"KLASS {what}: the answer has no {key!r} {kind.__name__}")


class KlassClient:
    """Statistics Norway's KLASS API (``TRSPLAN_KLASS_URL``, default
    ``https://data.ssb.no/api/klass/v1``), on the shared HTTP layer (cache, rate limit, retries).

    Every call asks for JSON with ``Accept: application/json``; ``json_suffix=True`` also adds
    KLASS's ``.json`` path suffix (for mirrors that ignore the header). Errors: 400 →
    :class:`QueryError` with KLASS's message; 404 → :class:`KlassNotFound` (a
    :class:`TableUnavailable`); no connection → :class:`Offline`; persistent 429/5xx →
    :class:`ServiceUnavailable`; a 200 that is not the expected JSON → :class:`KlassError`.

    Dates are ``date`` objects or ``YYYY-MM-DD`` strings; KLASS ranges include ``from`` and
    exclude ``to``, and an omitted ``to`` means "open" (today and later).
    """

    def __init__(
        self,
        base_url: str | None = None,
        session: Any = None,
        *,
        http: HttpClient | None = None,
        json_suffix: bool = False,
    ) -> None:
        self.base_url = (base_url or klass_url()).rstrip("/")
        self.http = http or HttpClient(session=session)
        self.json_suffix = json_suffix

    # -- transport -------------------------------------------------------------------------

    def get(
        self, path: str, params: Mapping[str, Any] | None = None, *, what: str | None = None
    ) -> KlassResponse:
        """GET ``path`` (below the base URL) as JSON and map errors; ``what`` names the resource
        in messages (``"classification 131"``)."""
        query = {k: str(v) for k, v in (params or {}).items() if v is not None}
        url = f"{self.base_url}{path}{'.json' if self.json_suffix else ''}"
        what = what or path
        response = self.http.request(
            "GET", url, params=query or None, headers={"Accept": "application/json"}
        )
        status = response.status_code
        if status == 200:
            raw = response.content
            kind = response.headers.get("Content-Type", "")
            try:
                data = json.loads(raw)
            except ValueError:
                raise KlassError(
                    f"KLASS answered {response.url} with {kind or 'an unknown type'}, not JSON"
                ) from None
            return KlassResponse(url=response.url, path=path, query=query, raw=raw, data=data)
        message = _error_message(response)
        if status == 400:
            raise QueryError(
                f"KLASS rejected the query for {what}: {message}",
                query=query,
                url=response.url,
                status=400,
            )
        if status in (404, 410):
            kind_, _, ident = what.partition(" ")
            raise KlassNotFound(
                f"KLASS has no {what} (HTTP {status}: {message})",
                kind=kind_ if ident else "resource",
                ident=ident or what,
                status=status,
                url=response.url,
            )
        if status == 406:
            raise KlassError(f"KLASS would not answer {response.url} in JSON (HTTP 406)")
        raise SourceError(f"KLASS: unexpected HTTP {status} for {response.url}: {message}")

    # -- raw answers (what `trsplan fetch` stores) ------------------------------------------

    def classification_response(self, classification_id: Any) -> KlassResponse:
        cid = _klass_id(classification_id, "classification")
        response = self.get(f"/classifications/{cid}", what=f"classification {cid}")
        _require(response.data, "versions", f"classification {cid}")
        return response

    def version_response(self, version_id: Any) -> KlassResponse:
        vid = _klass_id(version_id, "version")
        response = self.get(f"/versions/{vid}", what=f"version {vid}")
        _require(response.data, "classificationItems", f"version {vid}")
        return response

    def _range_response(
        self, classification_id: Any, endpoint: str, key: str, from_date: Any, to_date: Any
    ) -> KlassResponse:
        """GET /classifications/{id}/{endpoint}?from=&to= and check that ``key`` came back."""
        cid = _klass_id(classification_id, "classification")
        params = {"from": _klass_date(from_date, "from")}
        if to_date is not None:
            params["to"] = _klass_date(to_date, "to")
        response = self.get(
            f"/classifications/{cid}/{endpoint}", params, what=f"classification {cid}"
        )
        _require(response.data, key, f"classification {cid} {endpoint}")
        return response

    def codes_response(
        self, classification_id: Any, from_date: Any, to_date: Any = None
    ) -> KlassResponse:
        return self._range_response(classification_id, "codes", "codes", from_date, to_date)

    def codes_at_response(self, classification_id: Any, on: Any) -> KlassResponse:
        cid = _klass_id(classification_id, "classification")
        params = {"date": _klass_date(on, "date")}
        response = self.get(f"/classifications/{cid}/codesAt", params, what=f"classification {cid}")
        _require(response.data, "codes", f"classification {cid} codesAt")
        return response

    def changes_response(
        self, classification_id: Any, from_date: Any, to_date: Any = None
    ) -> KlassResponse:
        return self._range_response(classification_id, "changes", "codeChanges", from_date, to_date)

    # -- decoded answers -------------------------------------------------------------------

    def classification(self, classification_id: Any) -> dict[str, Any]:
        """``GET /classifications/{id}``: name, description, ``versions`` and links."""
        return self.classification_response(classification_id).data

    def versions(self, classification_id: Any) -> list[VersionInfo]:
        """The classification's published versions, oldest first."""
        data = self.classification(classification_id)
        out = []
        for i, item in enumerate(data["versions"]):
            where = f"classification {classification_id} versions[{i}]"
            if not isinstance(item, Mapping) or item.get("id") is None:
                raise KlassError(f"KLASS {where}: no version id")
            out.append(
                VersionInfo(
                    id=int(item["id"]),
                    name=str(item.get("name") or ""),
                    valid_from=_iso(item.get("validFrom"), f"{where}.validFrom"),
                    valid_to=_optional_date(item.get("validTo")),
                    last_modified=item.get("lastModified"),
                    url=((item.get("_links") or {}).get("self") or {}).get("href"),
                )
            )
        return sorted(out, key=lambda v: (v.valid_from, v.id))

    def latest_version(self, classification_id: Any, on: Any = None) -> VersionInfo:
        """The version in force on ``on`` (default today); failing that, the newest one that
        started on or before it."""
        day = _klass_date(on if on is not None else date.today(), "date")
        versions = self.versions(classification_id)
        current = [v for v in versions if v.valid_on(day)]
        started = current or [v for v in versions if v.valid_from <= day]
        if not started:
            raise KlassError(f"KLASS classification {classification_id} has no version by {day}")
        return started[-1]

    def version(self, version_id: Any) -> dict[str, Any]:
        """``GET /versions/{id}``: the version with its full ``classificationItems`` list
        (what :func:`parse_version` reads)."""
        return self.version_response(version_id).data

    def codes(self, classification_id: Any, from_date: Any, to_date: Any = None) -> list[KlassCode]:
        """``GET /classifications/{id}/codes?from=&to=``: every code valid in the range."""
        return _codes(self.codes_response(classification_id, from_date, to_date).data)

    def codes_at(self, classification_id: Any, on: Any) -> list[KlassCode]:
        """``GET /classifications/{id}/codesAt?date=``: the codes valid on one day."""
        return _codes(self.codes_at_response(classification_id, on).data)

    def changes(self, classification_id: Any, from_date: Any, to_date: Any = None) -> dict:
        """``GET /classifications/{id}/changes?from=&to=``: ``{"codeChanges": [...]}`` (what
        :func:`parse_changes` reads), each row ``oldCode, oldName, newCode, newName,
        changeOccurred`` (and short names)."""
        return self.changes_response(classification_id, from_date, to_date).data


def _codes(data: Mapping[str, Any]) -> list[KlassCode]:
    out = []
    for i, item in enumerate(data["codes"]):
        if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
            raise KlassError(f"KLASS codes[{i}]: expected an object with a string 'code'")
        out.append(
            KlassCode(
                code=item["code"],
                name=str(item.get("name") or ""),
                level=str(item.get("level") or ""),
                parent_code=item.get("parentCode") or None,
                short_name=item.get("shortName") or None,
                presentation_name=item.get("presentationName") or None,
                valid_from=_optional_date(item.get("validFrom")),
                valid_to=_optional_date(item.get("validTo")),
                in_range_from=_optional_date(item.get("validFromInRequestedRange")),
                in_range_to=_optional_date(item.get("validToInRequestedRange")),
                notes=item.get("notes") or None,
            )
        )
    return out
