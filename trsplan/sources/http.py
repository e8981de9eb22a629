"""The HTTP layer every live client shares: base URLs, errors, caching, rate limit and retries.

- **Base URLs** come from the environment so that a mirror or a test server can stand in for the
  real services: ``TRSPLAN_SSB_URL`` (StatBank PxWebApi v2), ``TRSPLAN_SSB_V0_URL`` (PxWebApi v0;
  derived from ``TRSPLAN_SSB_URL`` when unset), ``TRSPLAN_KLASS_URL`` and ``TRSPLAN_BRREG_URL``.
- **Caching** is requests-cache (SQLite under ``TRSPLAN_CACHE_DIR``, default
  ``~/.cache/trsplan``). ``TRSPLAN_HTTP_CACHE=off`` disables it, ``=memory`` keeps it in memory
  (tests). Server cache headers are honoured; otherwise answers are reused for an hour. Cache hits
  never reach the network and so never spend rate-limit tokens.
- **Rate limit**: one token bucket per host and per process (:func:`limiter_for`), 30 calls a
  minute by default. The bucket is sized so that *no* window of 60 s ever holds more than 30 calls
  (burst + refill x window = limit), which is what SSB counts. :meth:`TokenBucket.configure` only
  ever makes it stricter (a ``/config`` answer cannot loosen the documented 30/min).
- **Retries**: 429 waits ``Retry-After`` (or a backoff when absent); 5xx and timeouts back off
  exponentially with jitter; both stop after ``max_tries``. A connection that cannot be opened at
  all raises :class:`Offline` at once.
- **Time** goes through the module-level :data:`CLOCK`, so that tests swap in a fake clock and
  nothing really sleeps.
"""

from __future__ import annotations

import email.utils
import os
import random
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from trsplan import __version__
from trsplan.errors import (  # noqa: F401 (re-exported)
    CatalogueError,
    DownloadError,
    FetchError,
    Offline,
    QueryError,
    ServiceUnavailable,
    SourceError,
    TableUnavailable,
    TrsplanError,
)

__all__ = [
    "CLOCK",
    "DEFAULT_BRREG_URL",
    "DEFAULT_KLASS_URL",
    "DEFAULT_SSB_URL",
    "CatalogueError",
    "Clock",
    "DownloadError",
    "FetchError",
    "HttpClient",
    "Offline",
    "QueryError",
    "ServiceUnavailable",
    "SourceError",
    "SystemClock",
    "TableUnavailable",
    "TokenBucket",
    "brreg_url",
    "cache_dir",
    "klass_url",
    "limiter_for",
    "make_session",
    "reset_limiters",
    "ssb_url",
    "ssb_v0_url",
]

DEFAULT_SSB_URL = "https://data.ssb.no/api/pxwebapi/v2"
DEFAULT_SSB_V0_URL = "https://data.ssb.no/api/v0"
DEFAULT_KLASS_URL = "https://data.ssb.no/api/klass/v1"
DEFAULT_BRREG_URL = "https://data.brreg.no/enhetsregisteret/api"

USER_AGENT = f"trsplan/{__version__} (evaluation of the Trondheim region business plan)"


# --------------------------------------------------------------------------------------- errors


# ----------------------------------------------------------------------------------- base URLs


def _env_url(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return (value or default).rstrip("/")


def ssb_url() -> str:
    """StatBank PxWebApi v2 base, e.g. ``https://data.ssb.no/api/pxwebapi/v2``."""
    return _env_url("TRSPLAN_SSB_URL", DEFAULT_SSB_URL)


def ssb_v0_url() -> str:
    """PxWebApi v0 base (without language). Derived from ``TRSPLAN_SSB_URL`` when only that is set:
    ``…/api/pxwebapi/v2`` becomes ``…/api/v0``."""
    explicit = os.environ.get("TRSPLAN_SSB_V0_URL", "").strip()
    if explicit:
        return explicit.rstrip("/")
    v2 = ssb_url()
    if v2 == DEFAULT_SSB_URL:
        return DEFAULT_SSB_V0_URL
    for suffix in ("/pxwebapi/v2", "/pxwebapi/v2-beta"):
        if v2.endswith(suffix):
            return v2[: -len(suffix)] + "/v0"
    return v2 + "/v0"


def klass_url() -> str:
    """KLASS base, e.g. ``https://data.ssb.no/api/klass/v1``."""
    return _env_url("TRSPLAN_KLASS_URL", DEFAULT_KLASS_URL)


def brreg_url() -> str:
    """Enhetsregisteret base, e.g. ``https://data.brreg.no/enhetsregisteret/api``."""
    return _env_url("TRSPLAN_BRREG_URL", DEFAULT_BRREG_URL)


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url`` (what a one-line error message names)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url


# --------------------------------------------------------------------------------------- clock


class Clock(Protocol):
    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """Monotonic time and real sleeps."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)


#: The clock limiters and retries use unless given one; tests replace it with a fake.
CLOCK: Clock = SystemClock()


def _clock(clock: Clock | None) -> Clock:
    return clock if clock is not None else CLOCK


# -------------------------------------------------------------------------------- token bucket


class TokenBucket:
    """At most ``calls`` calls in any window of ``window`` seconds.

    A token bucket with ``burst`` tokens (default a third of ``calls``) refilled at
    ``(calls - burst) / window`` per second: a window of length ``window`` can then hold at most
    ``burst + rate * window = calls`` calls, so the limit holds for sliding windows too.
    Thread-safe; sleeps through the (injectable) clock.
    """

    def __init__(
        self,
        calls: int = 30,
        window: float = 60.0,
        *,
        burst: int | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._clock = clock
        self._lock = threading.RLock()
        self.calls = 0
        self.window = 0.0
        self.capacity = 0
        self.rate = 0.0
        self._set(calls, window, burst)
        self._tokens = float(self.capacity)
        self._last: float | None = None
        self._blocked_until = float("-inf")
        self.waited = 0.0  # total seconds this bucket made callers wait

    def _set(self, calls: int, window: float, burst: int | None) -> None:
        if calls < 1 or window <= 0:
            raise ValueError(f"rate limit needs calls >= 1 and window > 0, got {calls}/{window}")
        capacity = burst if burst is not None else max(1, calls // 3)
        capacity = max(1, min(int(capacity), int(calls)))
        self.calls, self.window, self.capacity = int(calls), float(window), capacity
        # calls == capacity (limit 1): one call per window
        self.rate = (calls - capacity) / window if calls > capacity else 1.0 / window

    @property
    def clock(self) -> Clock:
        return _clock(self._clock)

    def configure(self, calls: int, window: float) -> bool:
        """Adopt ``calls`` per ``window`` if that is stricter than the current limit."""
        with self._lock:
            if calls <= 0 or window <= 0 or calls / window >= self.calls / self.window:
                return False
            self._set(calls, window, None)
            self._tokens = min(self._tokens, float(self.capacity))
            return True

    def _refill(self, now: float) -> None:
        if self._last is not None and now > self._last:
            self._tokens = min(float(self.capacity), self._tokens + (now - self._last) * self.rate)
        self._last = now if self._last is None else max(self._last, now)

    def penalise(self, seconds: float) -> None:
        """Hand out no token for ``seconds`` (a 429's ``Retry-After``); then one call, the retry,
        may go at once and the rest follow at the refill rate."""
        with self._lock:
            now = self.clock.now()
            self._refill(now)
            self._tokens = min(self._tokens, 1.0)
            self._blocked_until = max(self._blocked_until, now + max(0.0, seconds))

    def acquire(self) -> float:
        """Take one token, sleeping until one is available. Returns the seconds waited."""
        with self._lock:
            clock = self.clock
            waited = 0.0
            now = clock.now()
            if now < self._blocked_until:
                pause = self._blocked_until - now
                clock.sleep(pause)
                waited += pause
                now = max(clock.now(), self._blocked_until)
            self._refill(now)
            if self._tokens < 1.0:
                pause = (1.0 - self._tokens) / self.rate
                clock.sleep(pause)
                waited += pause
                now = max(clock.now(), now + pause)
                self._refill(now)
                self._tokens = max(self._tokens, 1.0)  # guard against float rounding
            self._tokens -= 1.0
            self.waited += waited
            return waited


_LIMITERS: dict[str, TokenBucket] = {}
_LIMITERS_LOCK = threading.Lock()


def limiter_for(url_or_host: str) -> TokenBucket:
    """The process-wide bucket for a host (``data.ssb.no`` serves StatBank and KLASS alike)."""
    host = urlsplit(url_or_host).netloc if "://" in url_or_host else url_or_host
    with _LIMITERS_LOCK:
        bucket = _LIMITERS.get(host)
        if bucket is None:
            bucket = _LIMITERS[host] = TokenBucket()
        return bucket


def reset_limiters() -> None:
    """Forget every bucket (tests)."""
    with _LIMITERS_LOCK:
        _LIMITERS.clear()


class RateLimitedAdapter(HTTPAdapter):
    """Takes a token from the host's bucket before anything goes on the wire.

    Mounted under the cache, so cached answers cost nothing. Retries are :class:`HttpClient`'s job.
    """

    def send(self, request, *args, **kwargs):  # type: ignore[override]
        limiter_for(request.url).acquire()
        return super().send(request, *args, **kwargs)


# -------------------------------------------------------------------------------------- session


def cache_dir() -> Path:
    explicit = os.environ.get("TRSPLAN_CACHE_DIR", "").strip()
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base else Path.home() / ".cache") / "trsplan"


def make_session(
    cache: str | None = None, *, expire_after: timedelta | None = None
) -> requests.Session:
    """A session with the rate-limited adapter, behind requests-cache unless ``cache == "off"``.

    ``cache``: ``"off"``, ``"memory"``, a path to an SQLite file, or ``None`` for
    ``TRSPLAN_HTTP_CACHE`` (default: ``cache_dir()/http_cache.sqlite``).
    """
    setting = (cache if cache is not None else os.environ.get("TRSPLAN_HTTP_CACHE", "")).strip()
    if setting.lower() in {"off", "0", "none", "false", "no"}:
        session: requests.Session = requests.Session()
    else:
        import requests_cache  # noqa: PLC0415  (keeps `import trsplan` light)

        expiry = expire_after if expire_after is not None else timedelta(hours=1)
        common: dict[str, Any] = {
            "expire_after": expiry,
            "cache_control": True,  # server Cache-Control/Expires/ETag win over expire_after
            "allowable_methods": ("GET", "HEAD", "POST"),  # POST data queries are keyed by body
            "allowable_codes": (200,),
            "stale_if_error": False,  # offline must say so, not quietly serve stale answers
        }
        if setting.lower() == "memory":
            session = requests_cache.CachedSession("trsplan", backend="memory", **common)
        else:
            path = Path(setting) if setting else cache_dir() / "http_cache.sqlite"
            path.parent.mkdir(parents=True, exist_ok=True)
            session = requests_cache.CachedSession(str(path), backend="sqlite", **common)
    adapter = RateLimitedAdapter(max_retries=0)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


# --------------------------------------------------------------------------------------- client


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; ``None`` when absent or bad."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


@dataclass
class HttpClient:
    """requests + cache + rate limit + bounded retries, shared by the StatBank and Brreg clients.

    ``request`` returns every response below 500 except 429 (status mapping is the caller's job,
    since 403 means different things to different APIs); it raises :class:`Offline` when the
    host cannot be reached and :class:`ServiceUnavailable` when tries run out.
    """

    session: requests.Session | None = None
    raw_session: requests.Session | None = None  # uncached, for streamed bulk downloads
    timeout: tuple[float, float] = (10.0, 120.0)
    max_tries: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    max_retry_after: float = 300.0
    clock: Clock | None = None
    rng: random.Random = field(default_factory=random.Random)
    log: list[dict[str, Any]] = field(default_factory=list)  # one entry per attempt (diagnostics)

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = make_session()
        if self.raw_session is None:
            self.raw_session = make_session("off")

    def backoff(self, attempt: int) -> float:
        """Equal-jitter exponential backoff for try number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return ceiling / 2 + self.rng.uniform(0, ceiling / 2)

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, Any] | Iterable[tuple[str, Any]] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        stream: bool = False,
        cached: bool = True,
    ) -> requests.Response:
        session = self.session if cached else self.raw_session
        assert session is not None
        clock = _clock(self.clock)
        last: str = ""
        for attempt in range(1, self.max_tries + 1):
            try:
                response = session.request(
                    method,
                    url,
                    params=params,
                    json=json,
                    headers=dict(headers or {}),
                    timeout=self.timeout,
                    stream=stream,
                )
            except requests.ConnectTimeout as exc:
                last = f"connection to {origin(url)} timed out"
                self.log.append({"url": url, "attempt": attempt, "error": "connect-timeout"})
                if attempt == self.max_tries:
                    raise Offline(f"could not reach {origin(url)} ({last})", url=url) from exc
                clock.sleep(self.backoff(attempt))
                continue
            except requests.Timeout as exc:
                last = f"{origin(url)} did not answer within {self.timeout[1]:g} s"
                self.log.append({"url": url, "attempt": attempt, "error": "read-timeout"})
                if attempt == self.max_tries:
                    raise ServiceUnavailable(
                        f"{last} ({self.max_tries} tries)", url=url, status=None
                    ) from exc
                clock.sleep(self.backoff(attempt))
                continue
            except requests.ConnectionError as exc:
                self.log.append({"url": url, "attempt": attempt, "error": "connection"})
                raise Offline(f"could not reach {origin(url)}", url=url) from exc

            status = response.status_code
            self.log.append(
                {
                    "url": response.url,
                    "attempt": attempt,
                    "status": status,
                    "from_cache": bool(getattr(response, "from_cache", False)),
                }
            )
            if status == 429 or status >= 500:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if wait is None:
                    wait = self.backoff(attempt)
                wait = min(wait, self.max_retry_after)
                last = f"HTTP {status} from {origin(url)}"
                response.close()
                if attempt == self.max_tries:
                    what = "rate limited" if status == 429 else "server error"
                    raise ServiceUnavailable(
                        f"{what}: {last} after {self.max_tries} tries", url=url, status=status
                    )
                if status == 429:
                    limiter_for(url).penalise(wait)
                clock.sleep(wait)
                continue
            return response
        raise ServiceUnavailable(
            f"{last} after {self.max_tries} tries", url=url
        )  # pragma: no cover
