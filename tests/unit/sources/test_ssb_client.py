"""The StatBank client against the test server: rate limit, retries, chunking, errors, v0, cache.

Nothing here sleeps for real: ``trsplan.sources.http.CLOCK`` is a fake clock whose ``sleep``
only advances its time, and every test talks to a server on 127.0.0.1.
"""

from __future__ import annotations

import json
import math
import socket
from pathlib import Path

import pandas as pd
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st
from statbank_server import (
    FakeClock,
    StatBankServer,
    Table,
    closed_port,
    slice_payload,
    synthetic_payload,
)

from trsplan.paths import catalogue_path
from trsplan.sources import http
from trsplan.sources.catalogue import CatalogueEntry, check_entry, load_catalogue
from trsplan.sources.http import (
    HttpClient,
    Offline,
    QueryError,
    ServiceUnavailable,
    TableUnavailable,
    TokenBucket,
    make_session,
)
from trsplan.sources.ssb import (
    StatBankClient,
    VariableSelection,
    expand_values,
    merge_jsonstat,
    plan_chunks,
    read_jsonstat,
)

YEARS = [str(y) for y in range(2000, 2025)]  # 25 years
REGIONS = ["0", "50", "0301", "1601", "1624", "5001", "5028", "5035", "5054", "5059"] + [
    f"K-{c}" for c in ("0301", "5001", "5035", "5059")
]


def population_table(api: str = "v2") -> Table:
    payload = synthetic_payload(
        "07459",
        {"Region": REGIONS, "ContentsCode": ["Personer1"], "Tid": YEARS},
        label="07459: Befolkning, etter region, statistikkvariabel og år",
    )
    return Table(
        payload,
        eliminated={"Kjonn": ["1", "2"], "Alder": ["000", "001", "105+"]},
        codelists={"Region": {"agg_KommSummer": ["K-0301", "K-5001", "K-5035", "K-5059"]}},
        api=api,
    )


@pytest.fixture
def server(clock):
    with StatBankServer() as s:
        s.add_table("07459", population_table())
        yield s


def client_for(server: StatBankServer, **kwargs) -> StatBankClient:
    httpc = HttpClient(session=make_session("memory"), raw_session=make_session("off"))
    return StatBankClient(server.v2_url, v0_url=server.v0_url, http=httpc, **kwargs)


MUNICIPALITIES = [
    VariableSelection("Region", ("????",)),
    VariableSelection("ContentsCode", ("Personer1",)),
    VariableSelection("Tid", ("from(2000)",)),
]


# ----------------------------------------------------------------------------- rate limiter


def test_bucket_allows_a_burst_then_one_call_every_three_seconds():
    fake = FakeClock()
    bucket = TokenBucket(30, 60, clock=fake)
    waits = [bucket.acquire() for _ in range(31)]
    assert waits[:10] == [0.0] * 10  # burst of 10
    assert waits[10:] == pytest.approx([3.0] * 21)  # then 20 more per minute
    assert fake.t - 1000.0 == pytest.approx(63.0)


@settings(max_examples=60, deadline=None)
@given(
    calls=st.integers(min_value=1, max_value=40),
    window=st.sampled_from([10.0, 60.0]),
    gaps=st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=120),
)
def test_no_window_ever_holds_more_than_the_limit(calls, window, gaps):
    fake = FakeClock()
    bucket = TokenBucket(calls, window, clock=fake)
    times = []
    for gap in gaps:
        fake.t += gap
        bucket.acquire()
        times.append(fake.t)
    for i, start in enumerate(times):
        inside = sum(1 for t in times[i:] if t <= start + window - 1e-9)
        assert inside <= calls


def test_config_can_only_tighten_the_limit():
    bucket = TokenBucket(30, 60, clock=FakeClock())
    assert not bucket.configure(30, 10)  # SSB's /config example is looser: ignored
    assert (bucket.calls, bucket.window) == (30, 60.0)
    assert bucket.configure(10, 60)
    assert (bucket.calls, bucket.window) == (10, 60.0)


def test_the_limiter_is_one_bucket_per_host(clock):
    assert http.limiter_for("http://127.0.0.1:1/a") is http.limiter_for("http://127.0.0.1:1/b")
    assert http.limiter_for("https://data.ssb.no/x") is not http.limiter_for("http://127.0.0.1:1")


def test_every_request_takes_a_token_and_cache_hits_take_none(server, clock):
    client = client_for(server)
    client.metadata("07459")
    client.data("07459", MUNICIPALITIES)
    bucket = http.limiter_for(server.v2_url)
    used = bucket.capacity - bucket._tokens
    assert used == pytest.approx(3, abs=0.01)  # config, metadata, data (the clock is frozen)
    again = client_for(server)
    again.http.session = client.http.session  # same cache
    before = len(server.requests)
    again.data("07459", MUNICIPALITIES)
    assert len(server.requests) == before  # metadata and data both from the cache
    assert bucket.capacity - bucket._tokens == pytest.approx(used, abs=0.01)


def test_a_31st_call_within_a_minute_waits(server, clock):
    client = client_for(server)
    for i in range(31):
        client.http.request("GET", f"{server.v2_url}/config?i={i}")
    assert sum(clock.sleeps) == pytest.approx(63.0)
    assert len(server.requests) == 31


# ---------------------------------------------------------------------------------- retries


def test_429_waits_retry_after_then_succeeds(server, clock):
    server.throttle, server.retry_after = 2, "7"
    result = client_for(server).data("07459", MUNICIPALITIES)
    assert [s for s in clock.sleeps if s == 7.0] == [7.0, 7.0]
    statuses = [r.get("status") for r in server.requests]
    assert statuses == [429, 429, 200, 200, 200]  # two throttled; then config, metadata, data
    assert len(result.frame) == 8 * 25


def test_429_after_a_burst(server, clock):
    server.burst, server.retry_after = 3, "2"
    client = client_for(server)
    for i in range(5):
        client.http.request("GET", f"{server.v2_url}/config?i={i}")
    assert [r["status"] for r in server.requests] == [200, 200, 200, 429, 200, 200]
    assert 2.0 in clock.sleeps


def test_backoff_is_exponential_with_equal_jitter():
    import random

    client = HttpClient(session=make_session("off"), rng=random.Random(3))
    for attempt in range(1, 10):
        ceiling = min(60.0, 2.0 ** (attempt - 1))
        waits = [client.backoff(attempt) for _ in range(50)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 1  # jittered


def test_429_without_retry_after_backs_off_and_gives_up(server, clock):
    server.throttle, server.retry_after = 99, None
    client = client_for(server)
    with pytest.raises(ServiceUnavailable, match="rate limited: HTTP 429"):
        client.config()
    assert len(server.requests) == client.http.max_tries == 5
    # four backoffs of at least 0.5, 1, 2 and 4 s (plus whatever the limiter adds)
    assert sum(clock.sleeps) >= 0.5 + 1 + 2 + 4


def test_503_once_then_success(server, clock):
    server.fail_once = {"/data": 1}
    result = client_for(server).data("07459", MUNICIPALITIES)
    assert [r["status"] for r in server.data_requests()] == [503, 200]
    assert len(result.frame) == 8 * 25
    assert any(0.5 <= s <= 1.0 for s in clock.sleeps)  # first backoff: 1 s with jitter


def test_5xx_every_time_raises_service_unavailable(server, clock):
    server.fail_once = {"/metadata": 10}
    with pytest.raises(ServiceUnavailable, match="server error: HTTP 503"):
        client_for(server).metadata("07459")
    assert len(server.requests) == 5


class _TimeoutSession:
    """Raises ReadTimeout ``n`` times, then delegates."""

    def __init__(self, real: requests.Session, n: int) -> None:
        self.real, self.n, self.calls = real, n, 0

    def request(self, *args, **kwargs):
        self.calls += 1
        if self.calls <= self.n:
            raise requests.ReadTimeout("read timed out")
        return self.real.request(*args, **kwargs)


def test_timeouts_are_retried_with_backoff(server, clock):
    client = client_for(server)
    client.http.session = _TimeoutSession(client.http.session, 2)
    assert client.config()["maxDataCells"] == 800_000
    assert client.http.session.calls == 3
    client2 = client_for(server)
    client2.http.session = _TimeoutSession(client2.http.session, 99)
    with pytest.raises(ServiceUnavailable, match="did not answer"):
        client2.config()


def test_no_network_raises_offline_at_once(clock):
    base = f"http://127.0.0.1:{closed_port()}/api/pxwebapi/v2"
    client = StatBankClient(base, http=HttpClient(session=make_session("off")))
    with pytest.raises(Offline) as info:
        client.config()
    assert info.value.url.startswith(base)
    assert "could not reach http://127.0.0.1:" in str(info.value)
    assert clock.sleeps == []  # no retry loop on a refused connection


# ----------------------------------------------------------------------------------- errors


def test_400_is_a_query_error_with_ssbs_message_and_the_query(server, clock):
    client = client_for(server)
    bad = [*MUNICIPALITIES[:2], VariableSelection("Tid", ("1850",))]
    with pytest.raises(QueryError) as info:
        client.data("07459", bad)
    assert "Non-existent value" in str(info.value)
    assert info.value.status == 400 and info.value.table_id == "07459"
    assert {"variableCode": "Tid", "valueCodes": ["1850"]} in info.value.query


def test_missing_mandatory_variable_gives_the_real_v2_body(server, clock):
    with pytest.raises(QueryError, match="Missing selection for mandantory variable"):
        client_for(server).data("07459", MUNICIPALITIES[:2])  # no Tid


def test_unknown_variable_is_refused_before_asking(server, clock):
    with pytest.raises(QueryError, match="has no variable"):
        client_for(server).data("07459", [*MUNICIPALITIES, VariableSelection("Kjønn", ("1",))])
    assert server.data_requests() == []


def test_404_and_403_are_table_unavailable(server, clock):
    client = client_for(server)
    with pytest.raises(TableUnavailable) as info:
        client.metadata("99999")
    assert info.value.status == 404 and "neither PxWebApi v2" in str(info.value)
    server.forbidden.add("07459")
    with pytest.raises(TableUnavailable) as info:
        client_for(server).metadata("07459")
    assert info.value.status == 403


def test_data_on_a_vanished_table_is_table_unavailable(server, clock):
    client = client_for(server)
    client.metadata("07459")
    server.forbidden.add("07459")
    with pytest.raises(TableUnavailable, match="not available through the API"):
        client.data("07459", MUNICIPALITIES)


# ------------------------------------------------------------------------------ GET / POST


def test_a_short_selection_is_a_get_and_keeps_the_raw_bytes(server, clock):
    result = client_for(server).data("07459", MUNICIPALITIES)
    assert result.method == "GET" and "valueCodes%5BRegion%5D=%3F%3F%3F%3F" in result.url
    assert result.raw is not None and json.loads(result.raw) == result.payload
    assert set(result.frame["Region"]) == {r for r in REGIONS if len(r) == 4}
    assert result.chunks == [] and result.provenance_query()["method"] == "GET"


def test_a_long_selection_is_posted(server, clock):
    codes = [r for r in REGIONS if len(r) == 4] + [f"9{i:03d}" for i in range(400)]
    server.tables["07459"].payload = synthetic_payload(
        "07459", {"Region": codes, "ContentsCode": ["Personer1"], "Tid": YEARS}
    )
    result = client_for(server).data(
        "07459", [VariableSelection("Region", tuple(codes)), *MUNICIPALITIES[1:]]
    )
    assert result.method == "POST"
    body = server.data_requests()[-1]["body"]
    assert body["selection"][0]["valueCodes"] == codes
    assert len(result.frame) == len(codes) * 25


def test_codelist_selection_and_range_expression(server, clock):
    result = client_for(server).data(
        "07459",
        [
            VariableSelection("Region", ("*",), codelist="agg_KommSummer"),
            VariableSelection("ContentsCode", ("Personer1",)),
            VariableSelection("Tid", ("range(2010,2012)",)),
        ],
    )
    assert result.method == "POST"  # a comma inside range() cannot travel in a GET list
    assert sorted(set(result.frame["Region"])) == ["K-0301", "K-5001", "K-5035", "K-5059"]
    assert sorted(set(result.frame["Tid"])) == ["2010", "2011", "2012"]


# --------------------------------------------------------------------------------- chunking


def _single(server) -> dict:
    return client_for(server).data("07459", MUNICIPALITIES).payload


def test_chunked_by_time_is_identical_to_one_query(server, clock):
    single = _single(server)
    server.cell_limit = server.config_limit = 40  # 8 municipalities x 5 years
    before = len(server.data_requests())
    result = client_for(server).data("07459", MUNICIPALITIES)
    parts = server.data_requests()[before:]
    assert len(result.chunks) == len(parts) == 5  # 25 years in 5 balanced groups of 5
    assert all(r["status"] == 200 for r in parts)
    assert result.payload == single
    pd.testing.assert_frame_equal(result.frame, read_jsonstat(single))
    assert result.raw is None and result.provenance_query()["chunked"]["parts"][0]["url"]


def test_chunked_by_time_and_region_is_identical_to_one_query(server, clock):
    single = _single(server)
    server.cell_limit = server.config_limit = 3  # below one year's 8 municipalities
    result = client_for(server).data("07459", MUNICIPALITIES)
    assert len(result.chunks) == 25 * 3  # each year, municipalities in 3 groups of <= 3
    assert result.payload == single


@pytest.mark.parametrize("status", [403, 400])
def test_a_server_cell_limit_refusal_makes_the_client_split(server, clock, status):
    single = _single(server)
    server.cell_limit, server.cell_limit_status = 100, status
    server.config_limit = 800_000  # /config says more than the server allows
    result = client_for(server).data("07459", MUNICIPALITIES)
    refused = [r for r in server.data_requests() if r["status"] == status]
    assert len(refused) == 1  # the single query; then it splits under half the estimate
    assert result.payload == single and len(result.chunks) >= 3


def test_statuses_survive_chunking(server, clock):
    single = _single(server)
    assert single.get("status")  # the fixture has '..' and ':' cells
    server.cell_limit = server.config_limit = 30
    assert client_for(server).data("07459", MUNICIPALITIES).payload["status"] == single["status"]


def test_selection_that_cannot_be_split_small_enough(server, clock):
    with pytest.raises(QueryError, match="cannot be split"):
        client_for(server, max_cells=1).data(
            "07459",
            [*MUNICIPALITIES[:1], VariableSelection("ContentsCode", ("*",)), MUNICIPALITIES[2]],
            split_by=["Tid"],
        )


# --------------------------------------------------------------------------------------- v0


def test_a_table_v2_does_not_serve_comes_from_v0(server, clock):
    server.add_table("06913", population_table("v0"))
    client = client_for(server)
    meta = client.metadata("06913")
    assert meta.api == "v0" and meta.time_variable == "Tid"
    result = client.data("06913", [*MUNICIPALITIES[:2], VariableSelection("Tid", ("top(5)",))])
    posted = server.data_requests("06913")[-1]
    assert posted["method"] == "POST" and posted["path"] == "/api/v0/no/table/06913"
    assert posted["body"]["response"] == {"format": "json-stat2"}
    assert posted["body"]["query"][2] == {
        "code": "Tid",
        "selection": {"filter": "top", "values": ["5"]},
    }
    assert sorted(set(result.frame["Tid"])) == YEARS[-5:]
    assert result.api == "v0" and result.provenance_query()["api"] == "v0"


def test_v0_cell_limit_403_splits(server, clock):
    server.add_table("06913", population_table("v0"))
    single = client_for(server).data("06913", MUNICIPALITIES).payload
    server.cell_limit, server.config_limit = 50, 800_000
    result = client_for(server).data("06913", MUNICIPALITIES)
    refused = [r for r in server.data_requests("06913") if r["status"] == 403]
    assert refused and result.payload == single


# ------------------------------------------------------------------------ pure functions


def test_expand_values():
    years = [str(y) for y in range(2015, 2025)]
    assert expand_values(["top(3)"], years) == ["2022", "2023", "2024"]
    assert expand_values(["bottom(2)"], years) == ["2015", "2016"]
    assert expand_values(["from(2023)"], years) == ["2023", "2024"]
    assert expand_values(["to(2016)"], years) == ["2015", "2016"]
    assert expand_values(["range(2018, 2019)"], years) == ["2018", "2019"]
    assert expand_values(["2024", "2015"], years) == ["2015", "2024"]  # table order
    regions = ["0", "50", "5001", "5035", "0301", "K-5001"]
    assert expand_values(["50*"], regions) == ["50", "5001", "5035"]
    assert expand_values(["????"], regions) == ["5001", "5035", "0301"]
    assert expand_values(["*"], regions) == regions
    assert expand_values(["K-9999"], regions) == ["K-9999"]  # unknown explicit code kept
    assert expand_values(["50*"], None) is None
    assert expand_values(["5001", "5001"], None) == ["5001"]


@settings(max_examples=80, deadline=None)
@given(
    n_time=st.integers(1, 30),
    n_region=st.integers(1, 30),
    other=st.integers(1, 5),
    limit=st.integers(1, 400),
)
def test_plan_chunks_tiles_the_query_under_the_limit(n_time, n_region, other, limit):
    times = [f"t{i}" for i in range(n_time)]
    regions = [f"r{i}" for i in range(n_region)]
    counts = {"Tid": n_time, "Region": n_region, "ContentsCode": other}
    try:
        plan = plan_chunks(counts, {"Tid": times, "Region": regions}, limit, ["Tid", "Region"])
    except QueryError:
        assert other > limit  # only impossible when one time x one region is too big
        return
    cells = []
    for chunk in plan:
        t = chunk.get("Tid", times)
        r = chunk.get("Region", regions)
        assert len(t) * len(r) * other <= limit or plan == [{}]
        cells += [(a, b) for a in t for b in r]
    assert sorted(cells) == sorted((a, b) for a in times for b in regions)
    if n_time * n_region * other <= limit:
        assert plan == [{}]
    else:  # no more chunks than needed at the level where the split happened
        per_time = n_region * other
        if per_time <= limit:
            assert len(plan) == math.ceil(n_time / (limit // per_time))


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_merge_reassembles_any_grid_split(data):
    dims = {
        "Region": [f"{i:04d}" for i in range(data.draw(st.integers(1, 6)))],
        "ContentsCode": ["A", "B"][: data.draw(st.integers(1, 2))],
        "Tid": [str(2000 + i) for i in range(data.draw(st.integers(1, 6)))],
    }
    full = synthetic_payload("07459", dims, status_every=3)
    cuts = {}
    for d, codes in dims.items():
        k = data.draw(st.integers(1, len(codes)))
        size = math.ceil(len(codes) / k)
        cuts[d] = [codes[i : i + size] for i in range(0, len(codes), size)]
    parts = [
        slice_payload(full, {"Region": r, "ContentsCode": c, "Tid": t})
        for r in cuts["Region"]
        for c in cuts["ContentsCode"]
        for t in cuts["Tid"]
    ]
    assert merge_jsonstat(parts) == full


# -------------------------------------------------------------------------------- catalogue


def test_the_shipped_catalogue_loads_and_says_what_is_unverified():
    entries = load_catalogue(catalogue_path())
    ids = [e.table_id for e in entries]
    for required in (
        "07459",
        "06913",
        "13470",
        "08536",
        "03321",
        "07091",
        "09429",
        "09817",
        "14304",
        "09391",
        "11713",
    ):
        assert required in ids
    assert all(e.verified or e.unverified for e in entries)
    population = next(e for e in entries if e.table_id == "07459")
    assert population.file_name == "07459.json"
    assert {s.variable for s in population.selection} == {"Region", "ContentsCode", "Tid"}


def test_catalogue_errors_name_the_entry(tmp_path: Path):
    from trsplan.sources.http import CatalogueError

    bad = tmp_path / "c.yaml"
    bad.write_text("tables:\n  - id: 7459\n    verified: true\n    selection: []\n")
    with pytest.raises(CatalogueError, match="five digits"):
        load_catalogue(bad)
    bad.write_text(
        "tables:\n  - id: '07459'\n    verified: false\n"
        "    selection: [{variable: Tid, values: ['*']}]\n"
    )
    with pytest.raises(CatalogueError, match="lists what is 'unverified'"):
        load_catalogue(bad)


def test_a_missing_expected_code_is_named_before_any_data(server, clock):
    entry = CatalogueEntry(
        table_id="07459",
        name="07459",
        title="",
        selection=tuple(MUNICIPALITIES),
        expect={"ContentsCode": ("Personer1", "Personer2"), "Region": ("K-5001",)},
        verified=False,
        unverified=("ContentsCode Personer2",),
    )
    problems = check_entry(client_for(server), entry)
    assert len(problems) == 2
    assert "expected ContentsCode code(s) Personer2 absent" in problems[0]
    assert "(entry unverified: ContentsCode Personer2)" in problems[0]
    assert "Region code(s) K-5001 absent" in problems[1]  # not in the default valueset
    ok = CatalogueEntry(
        "07459",
        "07459",
        "",
        (VariableSelection("Region", ("*",), codelist="agg_KommSummer"), *MUNICIPALITIES[1:]),
        {"Region": ("K-5001",)},
        True,
    )
    assert check_entry(client_for(server), ok) == []
    assert server.data_requests() == []


def test_base_urls_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRSPLAN_SSB_URL", "http://127.0.0.1:9/api/pxwebapi/v2/")
    monkeypatch.setenv("TRSPLAN_KLASS_URL", "http://127.0.0.1:9/klass")
    monkeypatch.setenv("TRSPLAN_BRREG_URL", "http://127.0.0.1:9/brreg")
    monkeypatch.delenv("TRSPLAN_SSB_V0_URL", raising=False)
    assert StatBankClient(http=HttpClient(session=make_session("off"))).base_url == (
        "http://127.0.0.1:9/api/pxwebapi/v2"
    )
    assert http.ssb_v0_url() == "http://127.0.0.1:9/api/v0"
    assert http.klass_url() == "http://127.0.0.1:9/klass"
    assert http.brreg_url() == "http://127.0.0.1:9/brreg"
    monkeypatch.delenv("TRSPLAN_SSB_URL")
    assert http.ssb_url() == "https://data.ssb.no/api/pxwebapi/v2"
    assert http.ssb_v0_url() == "https://data.ssb.no/api/v0"


def test_the_cache_is_requests_cache_and_can_be_switched_off(monkeypatch, tmp_path):
    import requests_cache

    monkeypatch.setenv("TRSPLAN_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("TRSPLAN_HTTP_CACHE", raising=False)
    session = make_session()
    assert isinstance(session, requests_cache.CachedSession)
    assert (tmp_path / "http_cache.sqlite").exists()
    monkeypatch.setenv("TRSPLAN_HTTP_CACHE", "off")
    assert not isinstance(make_session(), requests_cache.CachedSession)


def test_the_network_guard_fails_any_non_loopback_connection():
    with socket.socket() as sock, pytest.raises(pytest.fail.Exception, match="reach the network"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1, never routed
    with pytest.raises(pytest.fail.Exception, match="lookup of 'data.ssb.no'"):
        socket.getaddrinfo("data.ssb.no", 443)
    with pytest.raises(pytest.fail.Exception):  # through requests, too: not mistaken for Offline
        requests.get("https://data.ssb.no/api/pxwebapi/v2/config", timeout=0.1)
    with socket.socket() as listener:  # loopback is fine
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        socket.create_connection(listener.getsockname()).close()


def test_retry_after_as_an_http_date():
    from datetime import UTC, datetime

    now = datetime(2026, 11, 27, 8, 0, 0, tzinfo=UTC)
    assert http.retry_after_seconds("Fri, 27 Nov 2026 08:00:30 GMT", now=now) == 30.0
    assert http.retry_after_seconds("5") == 5.0
    assert http.retry_after_seconds("soon") is None
