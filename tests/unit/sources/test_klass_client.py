"""The live KLASS client (``klass_client.KlassClient``) and ``trsplan fetch --only klass``,
offline against the local test server (``TRSPLAN_KLASS_URL`` points at it).

The server answers classification 131 from ``../shared/reference/klass`` when that folder is
there (real payloads) and from ``tests/fixtures/klass`` otherwise; 104 always from the fixtures.
Assertions hold for both unless marked ``needs_reference``. No test writes to the real
``data/geography`` (an autouse fixture checks it).
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import requests
from rich.console import Console
from statbank_server import KLASS_FIXTURES, StatBankServer, closed_port

from trsplan import paths
from trsplan.cli_output import fetch_command
from trsplan.errors import KlassError, KlassNotFound
from trsplan.snapshot.fetch import _select_sources, run_fetch
from trsplan.snapshot.store import Snapshot, list_versions
from trsplan.sources import klass as klass_module
from trsplan.sources.http import Offline, QueryError, TableUnavailable
from trsplan.sources.klass import parse_changes, parse_version
from trsplan.sources.klass_client import KLASS_LICENCE, KlassClient, KlassCode

REFERENCE = paths.shared_reference_dir()
HAS_REFERENCE = (
    REFERENCE is not None
    and (REFERENCE / "klass" / "klass_131_changes_from1971_to2025-01-02.json").is_file()
    and (REFERENCE / "klass" / "klass_131_version_kommuneinndeling_2024.json").is_file()
)
needs_reference = pytest.mark.skipif(
    not HAS_REFERENCE,
    reason="../shared/reference/klass (the real KLASS payloads the shipped data/geography was "
    "built from) is not beside the checkout; the server falls back to the small project "
    "fixtures, which do not build the shipped tables",
)
SHIPPED = paths.PACKAGE_DATA_DIR / "geography"
BUILT = ["build_info.json", "code_changes.csv", "municipalities.csv", "split_weights.csv"]
# The shipped tables record changes known to 2025-01-02, the `to` of the reference /changes query.
TODAY = date(2025, 1, 2)
KLASS_FILES = ["klass/104_codes.json", "klass/131_changes.json", "klass/131_version.json"]


@pytest.fixture(autouse=True)
def _real_geography_untouched():
    """Whatever a test does, the project's own data/geography must not change."""

    def state():
        if not SHIPPED.is_dir():
            return {}
        return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in SHIPPED.iterdir()}

    before = state()
    yield
    assert state() == before, "a test changed the real data/geography"


@pytest.fixture
def server(clock, monkeypatch):
    with StatBankServer() as s:
        monkeypatch.setenv("TRSPLAN_KLASS_URL", s.klass_url)
        monkeypatch.setenv("TRSPLAN_HTTP_CACHE", "off")
        yield s


@pytest.fixture
def client(server) -> KlassClient:
    return KlassClient()  # base URL from TRSPLAN_KLASS_URL


def quiet() -> Console:
    return Console(record=True, width=300, force_terminal=False)


def tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` with its bytes and mtime (a rewrite changes the mtime)."""
    if not folder.exists():
        return {}
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# ------------------------------------------------------------------------------ the client


def test_base_url_comes_from_the_environment(server, client):
    assert client.base_url == server.klass_url
    assert KlassClient(base_url="http://127.0.0.1:1/x/").base_url == "http://127.0.0.1:1/x"


def test_classification_and_versions(server, client):
    meta = client.classification(131)
    assert meta["id"] == 131 and meta["name"] == "Standard for kommuneinndeling"
    (request,) = server.klass_requests()
    assert request["path"] == "/api/klass/v1/classifications/131"
    assert request["headers"]["Accept"] == "application/json"

    versions = client.versions(131)
    assert [v.valid_from for v in versions] == sorted(v.valid_from for v in versions)
    latest = client.latest_version(131, on=TODAY)
    assert (latest.id, latest.name, latest.valid_from, latest.valid_to) == (
        1710,
        "Kommuneinndeling 2024",
        "2024-01-01",
        None,
    )
    assert latest.url.endswith("/versions/1710")
    assert client.latest_version(131, on="2019-06-01").name == "Kommuneinndeling 2019"
    v2020 = next(v for v in versions if v.id == 1860)
    assert v2020.valid_to == "2022-01-01" and v2020.valid_on("2021-12-31")
    assert not v2020.valid_on("2022-01-01")  # validTo is exclusive
    with pytest.raises(KlassError, match="no version by 1800-01-01"):
        client.latest_version(131, on="1800-01-01")


def test_version_parses_into_the_municipality_list(client):
    payload = client.version(1710)
    version = parse_version(payload)
    assert version.name == "Kommuneinndeling 2024" and version.valid_from == "2024-01-01"
    assert "5001" in version.codes and "9999" not in version.codes
    assert version.codes["1580"] == "Haram"
    if HAS_REFERENCE:
        assert len(version.codes) == 357
    assert parse_version(client.version(1860)).valid_from == "2020-01-01"


def test_changes_between_dates(server, client):
    payload = client.changes(131, "2008-01-01", date(2025, 1, 2))
    rows = parse_changes(payload)
    assert rows and min(r.date for r in rows) >= "2008-01-01"
    pairs = {(r.date, r.old_code, r.new_code) for r in rows}
    assert {
        ("2020-01-01", "5012", "5055"),
        ("2020-01-01", "5012", "5059"),
        ("2020-01-01", "5039", "5006"),
        ("2024-01-01", "1507", "1580"),
    } <= pairs
    assert set(payload["codeChanges"][0]) >= {
        "oldCode",
        "oldName",
        "oldShortName",
        "newCode",
        "newName",
        "newShortName",
        "changeOccurred",
    }
    request = server.klass_requests()[-1]
    assert request["path"] == "/api/klass/v1/classifications/131/changes"
    assert request["query"] == [("from", "2008-01-01"), ("to", "2025-01-02")]
    # `to` is optional (open-ended); and the server keeps `from` inclusive, `to` exclusive
    everything = parse_changes(client.changes(131, "1971-01-01"))
    assert server.klass_requests()[-1]["query"] == [("from", "1971-01-01")]
    assert min(r.date for r in everything) < "2008-01-01"
    assert not parse_changes(client.changes(131, "2024-01-02", "2025-01-02"))
    assert {r.date for r in parse_changes(client.changes(131, "2024-01-01", "2024-01-02"))} == {
        "2024-01-01"
    }


def test_codes_at_a_date(client):
    codes = client.codes_at(131, date(2024, 6, 1))
    assert all(isinstance(c, KlassCode) for c in codes)
    by_code = {c.code: c for c in codes}
    assert by_code["5001"].name.startswith("Trondheim") and by_code["5001"].level == "1"
    assert "1507" not in by_code and "1508" in by_code
    counties = {c.code: c.name for c in client.codes_at(104, "2019-06-01")}
    assert counties["50"] == "Trøndelag" and "16" not in counties and len(counties) == 18
    assert client.codes_at(104, "1990-01-01") == []  # before any version the server holds


def test_codes_over_a_range(server, client):
    codes = client.codes(104, "2008-01-01")
    assert server.klass_requests()[-1]["query"] == [("from", "2008-01-01")]
    spans = {(c.code, c.name): (c.in_range_from, c.in_range_to) for c in codes}
    assert spans[("16", "Sør-Trøndelag")] == ("2008-01-01", "2018-01-01")
    assert spans[("50", "Trøndelag")] == ("2018-01-01", None)  # one item over three versions
    assert spans[("03", "Oslo")] == ("2008-01-01", None)
    assert spans[("01", "Østfold")] == ("2008-01-01", "2020-01-01")
    assert spans[("31", "Østfold")] == ("2024-01-01", None)
    window = {
        c.code: (c.in_range_from, c.in_range_to)
        for c in client.codes(104, "2019-01-01", "2021-01-01")
    }
    assert window["50"] == ("2019-01-01", "2021-01-01")
    assert window["30"] == ("2020-01-01", "2021-01-01")
    assert window["19"] == ("2019-01-01", "2020-01-01")
    assert "56" not in window


def test_the_json_suffix_variant(server):
    client = KlassClient(json_suffix=True)
    assert client.classification(104)["name"] == "Standard for fylkesinndeling"
    assert client.changes(131, "2024-01-01", "2024-01-02")["codeChanges"]
    paths_asked = [r["path"] for r in server.klass_requests()]
    assert paths_asked == [
        "/api/klass/v1/classifications/104.json",
        "/api/klass/v1/classifications/131/changes.json",
    ]


def test_raw_responses_keep_the_bytes_as_sent(server, client):
    response = client.changes_response(131, "2008-01-01", "2025-01-02")
    served = requests.get(
        server.klass_url + "/classifications/131/changes",
        params={"from": "2008-01-01", "to": "2025-01-02"},
        timeout=10,
    ).content
    assert response.raw == served and json.loads(served) == response.data
    assert (
        response.url
        == f"{server.klass_url}/classifications/131/changes?from=2008-01-01&to=2025-01-02"
    )
    assert response.query == {"from": "2008-01-01", "to": "2025-01-02"}


# ---------------------------------------------------------------------------------- errors


def test_400_carries_klass_message(server, client):
    with pytest.raises(QueryError) as info:
        client.changes(131, "2020-01-01", "2019-01-01")
    error = info.value
    assert "From is equal or after to. From: 2020-01-01 To: 2019-01-01" in str(error)
    assert error.status == 400 and error.query == {"from": "2020-01-01", "to": "2019-01-01"}
    assert error.url.startswith(server.klass_url + "/classifications/131/changes?")
    with pytest.raises(QueryError, match="Required request parameter 'date'"):
        client.get("/classifications/131/codesAt", what="classification 131")


def test_malformed_arguments_are_refused_before_sending(server, client):
    with pytest.raises(QueryError, match="from must be a date"):
        client.changes(131, "2020-13-01")
    with pytest.raises(QueryError, match="classification id must be a whole number"):
        client.classification("kommuner")
    assert server.klass_requests() == []


def test_404_is_not_found(client):
    with pytest.raises(KlassNotFound) as info:
        client.classification(9999)
    error = info.value
    assert isinstance(error, TableUnavailable) and error.status == 404
    assert (error.kind, error.ident) == ("classification", "9999")
    assert "KLASS has no classification 9999" in str(error)
    assert "Classification not found with id = 9999" in str(error)
    with pytest.raises(KlassNotFound, match="no classification 9999") as info:
        client.changes(9999, "2008-01-01")
    with pytest.raises(KlassNotFound, match="KLASS has no version 1") as info:
        client.version(1)
    assert info.value.kind == "version"


def test_offline(clock, monkeypatch):
    monkeypatch.setenv("TRSPLAN_HTTP_CACHE", "off")
    client = KlassClient(base_url=f"http://127.0.0.1:{closed_port()}/api/klass/v1")
    with pytest.raises(Offline, match="could not reach http://127.0.0.1"):
        client.classification(131)


def test_an_answer_that_is_not_json(server, client):
    server.klass_xml = True  # as if a proxy ignored the Accept header
    with pytest.raises(KlassError, match="application/xml, not JSON"):
        client.classification(131)


def test_an_answer_of_the_wrong_shape(server, client):
    server.klass.classifications["104"] = {"name": "Standard for fylkesinndeling", "id": 104}
    with pytest.raises(KlassError, match="no 'versions' list"):
        client.versions(104)


def test_a_server_error_is_retried(server, client, clock):
    server.fail_once = {"/classifications/104": 1}
    assert client.classification(104)["id"] == 104
    assert [r.get("status") for r in server.klass_requests()] == [503, 200]
    assert len(clock.sleeps) == 1


# ------------------------------------------------------------------- trsplan fetch --only klass


def test_plain_fetch_includes_klass():
    assert "klass" in _select_sources(None, None)
    assert _select_sources(["klass"], None) == ["klass"]


def test_fetch_only_klass_writes_the_snapshot_and_the_geography(server, tmp_path):
    root, geo = tmp_path / "snapshot", tmp_path / "geography"
    out = quiet()
    assert (
        fetch_command(only=["klass"], root=root, today=TODAY, console=out, geography_dir=geo) == 0
    )
    text = out.export_text()
    assert list_versions(root) == ["2025-01-02"]
    snap = Snapshot.open(root=root)
    assert sorted(p.relpath for p in snap.files()) == KLASS_FILES
    snap.verify()
    for p in snap.files():
        assert p.source == "klass" and p.licence == KLASS_LICENCE == "NLOD 2.0 / CC BY 4.0"
        assert p.synthetic is False and p.retrieved_at.endswith("Z")
        assert p.sha256 == hashlib.sha256(snap.read_bytes("klass", p.name)).hexdigest()
        assert p.url.startswith(server.klass_url + "/")
        assert p.query["base_url"] == server.klass_url

    changes = snap.provenance("klass", "131_changes.json")
    assert changes.table_id == "131"
    # KLASS's `to` is exclusive: asking up to tomorrow includes a change taking effect today
    assert changes.url == (
        f"{server.klass_url}/classifications/131/changes?from=2008-01-01&to=2025-01-03"
    )
    assert changes.query == {
        "base_url": server.klass_url,
        "endpoint": "/classifications/131/changes",
        "from": "2008-01-01",
        "to": "2025-01-03",
        "known_to": "2025-01-02",
    }
    stored = snap.read_bytes("klass", "131_changes.json")
    assert stored == requests.get(changes.url, timeout=10).content  # byte for byte as served

    version = snap.provenance("klass", "131_version.json")
    assert version.url == f"{server.klass_url}/versions/1710"
    assert version.query["version_id"] == 1710 and version.query["in_force_on"] == "2025-01-02"
    assert version.query["version_name"] == "Kommuneinndeling 2024"
    payload = json.loads(snap.read_bytes("klass", "131_version.json"))
    assert version.updated == payload["lastModified"]

    counties = snap.provenance("klass", "104_codes.json")
    assert counties.url == f"{server.klass_url}/classifications/104/codes?from=2008-01-01"
    assert counties.table_id == "104"
    assert json.loads(snap.read_bytes("klass", "104_codes.json"))["codes"]

    assert sorted(p.name for p in geo.iterdir()) == BUILT
    info = json.loads((geo / "build_info.json").read_text(encoding="utf-8"))
    assert info["changes_known_to"] == "2025-01-02"
    assert info["latest_version"] == "Kommuneinndeling 2024"
    assert f"Geography tables in {geo}: rewrote {', '.join(BUILT)}" in text
    assert "klass 131:" in text and "Wrote snapshot 2025-01-02" in text
    assert hidden(tmp_path) == [] and hidden(root) == []  # no build folders left behind


@needs_reference
def test_fetched_geography_equals_the_shipped_tables(server, tmp_path):
    geo = tmp_path / "geography"
    result = run_fetch(
        only=["klass"], root=tmp_path / "snapshot", today=TODAY, console=quiet(), geography_dir=geo
    )
    assert server.klass.source_131 == "reference"
    assert result.geography_changed == BUILT
    for name in BUILT:
        assert (geo / name).read_bytes() == (SHIPPED / name).read_bytes(), name


@needs_reference
def test_a_copy_of_the_shipped_folder_is_left_as_it_is(server, tmp_path):
    geo = tmp_path / "geography"
    shutil.copytree(SHIPPED, geo)
    before = tree(geo)
    out = quiet()
    code = fetch_command(
        only=["klass"], root=tmp_path / "snapshot", today=TODAY, console=out, geography_dir=geo
    )
    assert code == 0 and tree(geo) == before
    assert f"Geography tables in {geo}: unchanged" in out.export_text()


def test_fixture_payloads_build(tmp_path):
    """The project's own 131 fixtures are consistent: they build, and walking the 2024 list
    back through the changes gives the 2020 list."""
    changes = json.loads((KLASS_FIXTURES / "klass_131_changes.json").read_text(encoding="utf-8"))
    v2024 = json.loads((KLASS_FIXTURES / "klass_131_version_2024.json").read_text("utf-8"))
    v2020 = json.loads((KLASS_FIXTURES / "klass_131_version_2020.json").read_text("utf-8"))
    klass_module.build_geography_tables(changes, v2024, tmp_path, changes_to="2025-01-02")
    assert sorted(p.name for p in tmp_path.iterdir()) == BUILT
    timeline = klass_module.reconstruct_code_lists(parse_changes(changes), parse_version(v2024))
    assert timeline.codes_on("2021-06-01") == frozenset(parse_version(v2020).codes)


def test_a_second_fetch_writes_nothing(server, tmp_path):
    root, geo = tmp_path / "snapshot", tmp_path / "geography"
    first = run_fetch(only=["klass"], root=root, today=TODAY, console=quiet(), geography_dir=geo)
    assert first.written and first.geography_changed == BUILT
    snapshot_before, geo_before = tree(root), tree(geo)

    out = quiet()
    assert (
        fetch_command(only=["klass"], root=root, today=TODAY, console=out, geography_dir=geo) == 0
    )
    text = out.export_text()
    assert "No changes: snapshot 2025-01-02 is up to date" in text
    assert f"Geography tables in {geo}: unchanged" in text
    # the next day: same payloads, so still nothing (changes_known_to stays what was fetched)
    later = run_fetch(
        only=["klass"],
        root=root,
        today=TODAY + timedelta(days=1),
        console=quiet(),
        geography_dir=geo,
    )
    assert not later.written and later.geography_changed == []
    assert [f.status for f in later.files] == ["unchanged"] * 3
    assert tree(root) == snapshot_before and tree(geo) == geo_before


def test_a_changed_payload_gives_a_new_version_and_a_rebuild(server, tmp_path):
    root, geo = tmp_path / "snapshot", tmp_path / "geography"
    run_fetch(only=["klass"], root=root, today=TODAY, console=quiet(), geography_dir=geo)
    municipalities = (geo / "municipalities.csv").read_bytes()
    server.klass.versions["1710"]["lastModified"] = "2025-01-02T10:00:00.000+0000"  # SSB edited
    later = run_fetch(
        only=["klass"], root=root, today=date(2025, 1, 3), console=quiet(), geography_dir=geo
    )
    assert later.version == "2025-01-03"
    assert {f.relpath: f.status for f in later.files} == {
        "klass/131_changes.json": "unchanged",
        "klass/131_version.json": "changed",
        "klass/104_codes.json": "unchanged",
    }
    # the new version's 131 payload covers changes through 2025-01-03, so the tables say so
    assert later.geography_changed == ["build_info.json"]
    info = json.loads((geo / "build_info.json").read_text(encoding="utf-8"))
    assert info["changes_known_to"] == "2025-01-03"
    assert (geo / "municipalities.csv").read_bytes() == municipalities
    new = Snapshot.open(root=root).provenance("klass", "131_changes.json")
    assert (new.query["to"], new.query["known_to"]) == ("2025-01-04", "2025-01-03")


def _drop_snillfjord_split(server: StatBankServer) -> None:
    rows = server.klass.changes["131"]["codeChanges"]
    server.klass.changes["131"] = {"codeChanges": [r for r in rows if r["oldCode"] != "5012"]}


def test_a_failing_rebuild_leaves_the_geography_and_the_snapshot(server, tmp_path):
    root, geo = tmp_path / "snapshot", tmp_path / "geography"
    run_fetch(only=["klass"], root=root, today=TODAY, console=quiet(), geography_dir=geo)
    snapshot_before, geo_before = tree(root), tree(geo)
    # KLASS now lists no split of Snillfjord, but the project holds split weights for it
    _drop_snillfjord_split(server)
    out = quiet()
    code = fetch_command(
        only=["klass"], root=root, today=date(2025, 1, 3), console=out, geography_dir=geo
    )
    assert code == 1
    text = out.export_text()
    assert "split weights given for changes that are not splits" in text
    assert "snapshot 2025-01-02 left unchanged" in text
    assert tree(geo) == geo_before and tree(root) == snapshot_before
    assert hidden(tmp_path) == []


def test_a_build_that_dies_half_way_leaves_the_geography(server, tmp_path, monkeypatch):
    geo = tmp_path / "geography"
    geo.mkdir()
    (geo / "municipalities.csv").write_text("old\n", encoding="utf-8")
    (geo / "regions.yaml").write_text("kept: true\n", encoding="utf-8")
    before = tree(geo)
    real = klass_module.build_geography_tables

    def dies(changes, version, out_dir, **kwargs):
        real(changes, version, out_dir, **kwargs)  # every file written into the build folder ...
        (Path(out_dir) / "municipalities.csv").write_text("half", encoding="utf-8")
        raise OSError("disk full")  # ... and then the build fails

    monkeypatch.setattr(klass_module, "build_geography_tables", dies)
    root = tmp_path / "snapshot"
    with pytest.raises(OSError, match="disk full"):
        run_fetch(only=["klass"], root=root, today=TODAY, console=quiet(), geography_dir=geo)
    assert tree(geo) == before
    assert list_versions(root) == []  # the snapshot is not written either
    assert hidden(tmp_path) == []


def test_a_missing_version_fails_with_one_message(server, tmp_path):
    server.klass.versions.pop("1710")
    geo = tmp_path / "geography"
    out = quiet()
    code = fetch_command(
        only=["klass"], root=tmp_path / "snapshot", today=TODAY, console=out, geography_dir=geo
    )
    assert code == 1
    assert "KLASS has no version 1710 (HTTP 404" in out.export_text()
    assert not geo.exists() and list_versions(tmp_path / "snapshot") == []


def test_fetch_offline(clock, tmp_path, monkeypatch, capsys):
    port = closed_port()
    monkeypatch.setenv("TRSPLAN_KLASS_URL", f"http://127.0.0.1:{port}/api/klass/v1")
    monkeypatch.setenv("TRSPLAN_HTTP_CACHE", "off")
    geo = tmp_path / "geography"
    err = Console(stderr=True, width=300)
    code = fetch_command(
        only=["klass"], root=tmp_path / "snapshot", today=TODAY, console=err, geography_dir=geo
    )
    assert code == 3
    assert capsys.readouterr().err.strip().splitlines() == [
        f"trsplan fetch: no network (could not reach http://127.0.0.1:{port}); no snapshot written"
    ]
    assert not geo.exists() and not (tmp_path / "snapshot").exists()


def test_a_plain_fetch_fetches_klass_too(server, tmp_path, monkeypatch):
    import trsplan.snapshot.fetch as fetch_module

    monkeypatch.setattr(fetch_module, "_fetch_ssb", lambda *a, **k: [])
    monkeypatch.setattr(fetch_module, "_fetch_brreg", lambda *a, **k: [])
    geo = tmp_path / "geography"
    result = run_fetch(root=tmp_path / "snapshot", today=TODAY, console=quiet(), geography_dir=geo)
    assert sorted(f.relpath for f in result.files) == KLASS_FILES
    assert result.geography_changed == BUILT


def test_cli_fetch_only_klass(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from trsplan.cli import app

    data = tmp_path / "data"
    data.mkdir()
    shutil.copytree(SHIPPED, data / "geography")
    monkeypatch.setenv("TRSPLAN_DATA_DIR", str(data))
    result = CliRunner().invoke(app, ["fetch", "--only", "klass"])
    assert result.exit_code == 0, result.output
    (version,) = list_versions(data / "snapshot")
    assert sorted(p.relpath for p in Snapshot.open(root=data / "snapshot").files()) == KLASS_FILES
    info = json.loads((data / "geography" / "build_info.json").read_text(encoding="utf-8"))
    assert info["changes_known_to"] == version[:10] == date.today().isoformat()
    assert f"Geography tables in {data / 'geography'}: rewrote" in result.output
    assert (data / "geography" / "regions.yaml").read_bytes() == (
        SHIPPED / "regions.yaml"
    ).read_bytes()  # hand-written files beside the tables are left alone


def test_a_change_taking_effect_on_the_day_of_the_fetch_is_included(server, tmp_path):
    """On 1 January the new version is already in force; its changes must come with it."""
    rows = server.klass.changes["131"]["codeChanges"]
    new_year = [r for r in rows if r["changeOccurred"] == "2024-01-01"]
    assert new_year
    result = run_fetch(
        only=["klass"],
        root=tmp_path / "snapshot",
        today=date(2024, 1, 1),
        console=quiet(),
        geography_dir=tmp_path / "geography",
    )
    stored = json.loads(
        Snapshot.open(root=tmp_path / "snapshot").read_bytes("klass", "131_changes.json")
    )
    assert {r["changeOccurred"] for r in stored["codeChanges"]} >= {"2024-01-01"}
    assert result.geography_changed == BUILT
