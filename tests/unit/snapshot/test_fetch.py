"""`trsplan fetch` end to end against the test server: new dated versions, idempotence, atomicity,
offline behaviour, chunked tables, Brønnøysund files, and the report computed from a fetched
snapshot equal to the one computed from the shipped snapshot of the same data."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console
from statbank_server import BulkFile, StatBankServer, Table, closed_port, gzip_csv, table_for_entry

from trsplan import paths
from trsplan.cli_output import fetch_command
from trsplan.paths import catalogue_path
from trsplan.snapshot.fetch import run_fetch
from trsplan.snapshot.store import Snapshot, list_versions
from trsplan.sources.catalogue import load_catalogue
from trsplan.sources.http import CatalogueError, Offline

DEMO = "2026-11-01-demo"
DEMO_DIR = paths.PROJECT_ROOT / "data" / "snapshot" / DEMO
TODAY = date(2026, 11, 27)

pytestmark = pytest.mark.skipif(
    not (DEMO_DIR / "ssb" / "07459.json.meta.json").is_file()
    or not (DEMO_DIR / "ssb" / "06913.json.meta.json").is_file(),
    reason="the demo snapshot data/snapshot/2026-11-01-demo is not there",
)


DEMO_TABLES = sorted(
    p.name.removesuffix(".json") for p in (DEMO_DIR / "ssb").glob("*.json") if ".meta" not in p.name
)
DEMO_FILES = sorted(
    p.relative_to(DEMO_DIR).as_posix()
    for p in DEMO_DIR.glob("*/*")
    if p.is_file() and not p.name.endswith(".meta.json")
)
FETCH_DEMO_TABLES = ["fetch", "--only", "ssb"] + [a for t in DEMO_TABLES for a in ("--tables", t)]


def demo_table(table_id: str) -> Table:
    """A shipped demo payload served as the table its catalogue entry asks for."""
    payload = json.loads((DEMO_DIR / "ssb" / f"{table_id}.json").read_bytes())
    entry = next(e for e in load_catalogue(catalogue_path()) if e.table_id == table_id)
    codelists = {
        sel.variable: {sel.codelist: list(payload["dimension"][sel.variable]["category"]["index"])}
        for sel in entry.selection
        if sel.codelist
    }
    eliminated = (
        {"Kjonn": ["1", "2"], "Alder": ["000", "001", "105+"]} if table_id == "07459" else {}
    )
    return Table(payload, eliminated=eliminated, codelists=codelists)


def serve_catalogue(server: StatBankServer) -> None:
    """The shipped demo snapshot's tables as recorded; every other catalogue table synthetic."""
    for table_id in DEMO_TABLES:
        server.add_table(table_id, demo_table(table_id))
    for entry in load_catalogue(catalogue_path()):
        if entry.table_id not in server.tables:
            server.add_table(entry.table_id, table_for_entry(entry))


@pytest.fixture
def server(clock, monkeypatch):
    with StatBankServer() as s:
        serve_catalogue(s)
        monkeypatch.setenv("TRSPLAN_SSB_URL", s.v2_url)
        monkeypatch.setenv("TRSPLAN_BRREG_URL", s.brreg_url)
        monkeypatch.setenv("TRSPLAN_KLASS_URL", s.klass_url)
        monkeypatch.delenv("TRSPLAN_SSB_V0_URL", raising=False)
        monkeypatch.setenv("TRSPLAN_HTTP_CACHE", "off")
        yield s


@pytest.fixture
def root(tmp_path) -> Path:
    """A snapshot root holding a copy of the shipped demo version."""
    root = tmp_path / "snapshot"
    shutil.copytree(DEMO_DIR, root / DEMO)
    return root


def quiet() -> Console:
    return Console(record=True, width=160, force_terminal=False)


def fetch(root: Path, **kwargs):
    kwargs.setdefault("today", TODAY)
    kwargs.setdefault("console", quiet())
    return run_fetch(root=root, **kwargs)


def snapshot_state(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# ---------------------------------------------------------------------------- happy paths


def test_fetch_writes_a_new_dated_version_with_provenance(server, root):
    result = fetch(root, only=["ssb"], tables=["07459", "06913"])
    assert result.version == "2026-11-27" and list_versions(root) == [DEMO, "2026-11-27"]
    assert {f.relpath: f.status for f in result.files} == {
        "ssb/07459.json": "changed",  # same numbers, but the bytes of a live answer differ
        "ssb/06913.json": "changed",
    }
    snap = Snapshot.open(root=root)
    assert snap.version == "2026-11-27"
    assert not snap.provenance("ssb", "06913.json").synthetic
    p = snap.provenance("ssb", "07459.json")
    assert not p.synthetic
    assert p.url.startswith(server.v2_url + "/tables/07459/data?")
    assert p.query["selection"][0] == {
        "variableCode": "Region",
        "codelist": "vs_Kommune",
        "valueCodes": ["*"],
    }
    assert p.updated == "2026-02-20T07:00:00Z" and p.licence.startswith("CC BY 4.0")
    assert p.retrieved_at.endswith("Z") and p.table_id == "07459"
    # the payload is stored as sent, and decodes to exactly the shipped table
    assert snap.read_bytes("ssb", "07459.json") == _served_bytes(server, "07459")
    for table in ("07459", "06913"):
        pd.testing.assert_frame_equal(
            snap.read_table(table).reset_index(drop=True),
            Snapshot.open(DEMO, root=root).read_table(table).reset_index(drop=True),
            check_like=False,
        )
    # the previous version is untouched
    assert (root / DEMO / "ssb" / "07459.json").read_bytes() == (
        DEMO_DIR / "ssb" / "07459.json"
    ).read_bytes()


def _served_bytes(server: StatBankServer, table_id: str) -> bytes:
    import requests

    (request,) = [r for r in server.data_requests(table_id) if r["status"] == 200]
    url = f"{server.root}{request['path']}"
    return requests.get(url, params=request["query"], timeout=10).content


def test_nothing_new_means_nothing_written(server, root):
    first = fetch(root, only=["ssb"], tables=["07459", "06913"])
    state = snapshot_state(root)
    again = fetch(root, only=["ssb"], tables=["07459", "06913"])
    assert first.written and not again.written and again.version is None
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]
    assert snapshot_state(root) == state
    out = quiet()
    assert fetch_command(only=["ssb"], tables=["07459", "06913"], root=root, console=out) == 0
    assert "No changes: snapshot 2026-11-27 is up to date" in out.export_text()


def test_a_second_version_on_the_same_day_gets_a_suffix_and_carries_other_files(server, root):
    fetch(root, only=["ssb"], tables=["07459", "06913"])
    table = server.tables["07459"]
    table.payload["value"][5] = (table.payload["value"][5] or 0) + 1  # SSB revised one cell
    result = fetch(root, only=["ssb"], tables=["07459"])
    assert result.version == "2026-11-27-2"
    assert [(f.relpath, f.status) for f in result.changed] == [("ssb/07459.json", "changed")]
    assert result.carried_over == [f for f in DEMO_FILES if f != "ssb/07459.json"]
    new, old = root / "2026-11-27-2" / "ssb", root / "2026-11-27" / "ssb"
    for name in ("06913.json", "06913.json.meta.json"):  # carried over byte for byte
        assert (new / name).read_bytes() == (old / name).read_bytes()
    Snapshot.open(root=root).verify()


def test_tables_option_fetches_only_those_and_keeps_the_rest(server, root):
    result = fetch(root, tables=["07459"])  # naming tables implies --only ssb
    assert [f.relpath for f in result.files] == ["ssb/07459.json"]
    snap = Snapshot.open(root=root)
    assert snap.provenance("ssb", "06913.json").synthetic  # the demo file, carried over
    assert snap.synthetic  # so the version still says it holds synthetic data
    assert server.data_requests("06913") == []


def test_the_whole_catalogue_including_chunked_tables(server, root, clock):
    server.cell_limit = server.config_limit = 6000  # 07459 (842 x 19) and 06913 must split
    result = fetch(root, only=["ssb"])
    names = sorted(f.relpath for f in result.files)
    assert names == sorted(f"ssb/{e.file_name}" for e in load_catalogue(catalogue_path()))
    snap = Snapshot.open(root=root)
    p = snap.provenance("ssb", "07459.json")
    parts = p.query["chunked"]["parts"]
    assert len(parts) == 3  # 842 municipalities x 19 years: years in 3 groups of <= 7
    # 06913 (842 x 8 contents x 18 years): one year is too big, so each year in 2 region groups
    assert len(snap.provenance("ssb", "06913.json").query["chunked"]["parts"]) == 18 * 2
    assert all(part["url"].startswith(server.v2_url) for part in parts)
    # the re-assembled payload decodes to exactly the shipped table
    pd.testing.assert_frame_equal(
        snap.read_table("07459"), Snapshot.open(DEMO, root=root).read_table("07459")
    )
    chunked = {f.relpath for f in result.files if f.note}
    assert {"ssb/07459.json", "ssb/06913.json"} <= chunked
    for entry in load_catalogue(catalogue_path()):
        frame = snap.read_table(entry.table_id)
        assert len(frame) > 0 and frame.attrs["synthetic"] is False
    # the rate limit held over the whole fetch: a burst of 10, then one call every 3 s
    calls = len(server.requests)
    assert calls > 10 and sum(clock.sleeps) == pytest.approx((calls - 10) * 3.0)


# --------------------------------------------------------------------------------- failures


def test_offline_fails_with_one_line_and_leaves_the_snapshot(root, clock, monkeypatch, capsys):
    port = closed_port()
    monkeypatch.setenv("TRSPLAN_SSB_URL", f"http://127.0.0.1:{port}/api/pxwebapi/v2")
    monkeypatch.setenv("TRSPLAN_HTTP_CACHE", "off")
    state = snapshot_state(root)
    with pytest.raises(Offline):
        fetch(root, only=["ssb"])
    err = Console(stderr=True, width=300)
    code = fetch_command(only=["ssb"], root=root, console=err)
    lines = capsys.readouterr().err.strip().splitlines()
    assert code == 3
    assert lines == [
        f"trsplan fetch: no network (could not reach http://127.0.0.1:{port}); "
        f"snapshot {DEMO} left unchanged"
    ]
    assert snapshot_state(root) == state
    assert not [p for p in root.iterdir() if p.name.startswith(".")]


def test_a_failure_half_way_writes_nothing(server, root):
    server.fail_once = {"/tables/06913/data": 99}  # 06913 keeps failing after 07459 arrived
    state = snapshot_state(root)
    out = quiet()
    code = fetch_command(only=["ssb"], tables=["07459", "06913"], root=root, console=out)
    assert code == 1
    text = out.export_text()
    assert "server error: HTTP 503" in text and f"snapshot {DEMO} left unchanged" in text
    assert snapshot_state(root) == state


def test_an_interrupted_write_leaves_no_partial_version(server, root, monkeypatch):
    import trsplan.snapshot.fetch as fetch_module

    real = fetch_module.write_file
    calls = []

    def interrupted(*args, **kwargs):
        calls.append(args[2])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(fetch_module, "write_file", interrupted)
    state = snapshot_state(root)
    out = quiet()
    assert fetch_command(only=["ssb"], tables=["07459", "06913"], root=root, console=out) == 130
    assert "interrupted; snapshot 2026-11-01-demo left unchanged" in out.export_text()
    assert snapshot_state(root) == state
    assert list(root.iterdir()) == [root / DEMO]


def test_a_version_that_would_not_sort_last_is_flagged(server, root):
    result = fetch(root, tables=["07459"], today=date(2026, 11, 1))  # the demo's own day
    assert result.version == "2026-11-01"
    assert result.warnings and "sorts before 2026-11-01-demo" in result.warnings[0]


def test_a_partial_folder_of_a_killed_fetch_is_cleaned_up(server, root):
    stale = root / ".2026-11-26.partial-999999999-abc"
    (stale / "ssb").mkdir(parents=True)
    fetch(root, only=["ssb"], tables=["07459"])
    assert not stale.exists()
    assert list_versions(root) == [DEMO, "2026-11-27"]


def test_a_missing_expected_code_stops_before_any_download(server, root):
    table = server.tables["06913"]
    contents = table.payload["dimension"]["ContentsCode"]["category"]
    # SSB renamed a code: the catalogue's "Levende" is gone
    contents["index"] = {
        ("Levendefodte" if c == "Levende" else c): i for c, i in contents["index"].items()
    }
    contents["label"] = {
        ("Levendefodte" if c == "Levende" else c): v for c, v in contents["label"].items()
    }
    with pytest.raises(CatalogueError) as info:
        fetch(root, only=["ssb"])
    message = str(info.value)
    assert "table 06913 (entry unverified" in message
    assert "expected ContentsCode code(s) Levende absent from ContentsCode" in message
    assert f"fix {catalogue_path()}" in message  # names the file to edit, wherever it is
    assert server.data_requests() == []  # nothing was downloaded
    assert list_versions(root) == [DEMO]


def test_unknown_tables_and_sources_are_refused(server, root):
    with pytest.raises(CatalogueError, match="99999 are not in the catalogue"):
        fetch(root, tables=["99999"])
    out = quiet()
    assert fetch_command(only=["nope"], root=root, console=out) == 2
    assert "unknown source 'nope'" in out.export_text()


# -------------------------------------------------------------------------------- Brønnøysund


def test_brreg_bulk_files_become_parquet_in_the_snapshot(server, root, tmp_path):
    columns = [
        "organisasjonsnummer",
        "navn",
        "naeringskode1.kode",
        "antallAnsatte",
        "forretningsadresse.kommunenummer",
        "registreringsdatoEnhetsregisteret",
    ]
    rows = [
        {
            "organisasjonsnummer": "910000001",
            "navn": "A AS",
            "naeringskode1.kode": "62.010",
            "antallAnsatte": 3,
            "forretningsadresse.kommunenummer": "5001",
            "registreringsdatoEnhetsregisteret": "2020-01-02",
        },
        {
            "organisasjonsnummer": "910000002",
            "navn": "B AS",
            "naeringskode1.kode": None,
            "antallAnsatte": None,
            "forretningsadresse.kommunenummer": "0301",
            "registreringsdatoEnhetsregisteret": "2021-03-04",
        },
    ]
    site_columns = [
        "organisasjonsnummer",
        "overordnetEnhet",
        "antallAnsatte",
        "beliggenhetsadresse.kommunenummer",
        "registreringsdatoEnhetsregisteret",
    ]
    sites = [
        {
            "organisasjonsnummer": "970000001",
            "overordnetEnhet": "910000001",
            "antallAnsatte": 3,
            "beliggenhetsadresse.kommunenummer": "5001",
            "registreringsdatoEnhetsregisteret": "2020-01-02",
        }
    ]
    server.bulk["enheter"] = BulkFile(gzip_csv(rows, columns), etag='"e1"')
    server.bulk["underenheter"] = BulkFile(gzip_csv(sites, site_columns), etag='"u1"')
    taken = TODAY.isoformat()
    out = quiet()
    result = run_fetch(
        only=["brreg"], root=root, today=TODAY, console=out, download_dir=tmp_path / "dl"
    )
    assert sorted(f.relpath for f in result.files) == [
        f"brreg/enheter_{taken}.parquet",
        f"brreg/underenheter_{taken}.parquet",
    ]
    assert result.carried_over == DEMO_FILES
    snap = Snapshot.open(root=root)
    p = snap.provenance("brreg", f"enheter_{taken}.parquet")
    assert p.media_type == "application/vnd.apache.parquet" and not p.synthetic
    assert p.query["source_sha256"] and p.url == f"{server.brreg_url}/enheter/lastned/csv"
    assert p.query["extract_date"] == taken and p.query["malformed_rows"] == 0
    frame = pd.read_parquet(snap.path / "brreg" / f"enheter_{taken}.parquet")
    assert list(frame["forretningsadresse.kommunenummer"]) == ["5001", "0301"]
    assert frame["antallAnsatte"].isna().tolist() == [False, True]
    assert "brreg enheter: 2 rows" in out.export_text()
    # unchanged register: revalidated (304), nothing new written
    again = run_fetch(
        only=["brreg"], root=root, today=TODAY, console=quiet(), download_dir=tmp_path / "dl"
    )
    assert not again.written
    assert [r["status"] for r in server.requests[-2:]] == [304, 304]


# -------------------------------------------------------------------- the command line, e2e


def _data_dir(tmp_path: Path) -> Path:
    """A data folder like the project's, with its own snapshot folder."""
    data = tmp_path / "data"
    data.mkdir()
    for item in (paths.PROJECT_ROOT / "data").iterdir():
        if item.name != "snapshot":
            (data / item.name).symlink_to(item)
    shutil.copytree(DEMO_DIR, data / "snapshot" / DEMO)
    return data


def test_cli_fetch_then_the_indicators_equal_the_shipped_snapshots(server, tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from trsplan.cli import app
    from trsplan.indicators.compute import compute_store

    data = _data_dir(tmp_path)
    monkeypatch.setenv("TRSPLAN_DATA_DIR", str(data))
    runner = CliRunner()
    result = runner.invoke(app, FETCH_DEMO_TABLES)
    assert result.exit_code == 0, result.output
    versions = list_versions(data / "snapshot")
    assert len(versions) == 2 and DEMO in versions
    fetched = next(v for v in versions if v != DEMO)
    assert "Wrote snapshot" in result.output and fetched in result.output

    live = compute_store(Snapshot.open(fetched, root=data / "snapshot"))
    shipped = compute_store(Snapshot.open(DEMO, root=data / "snapshot"))
    keys = [c for c in live.columns if c not in ("synthetic", "value")]
    live_v = live.sort_values(keys, ignore_index=True)
    shipped_v = shipped.sort_values(keys, ignore_index=True)
    # every row built from fetched StatBank tables is real; the Brønnøysund extract was carried
    # over from the demo version (only --only ssb was fetched) and its rows stay synthetic
    from_register = live_v["source_tables"].str.contains("brreg")
    assert shipped_v["synthetic"].all() and from_register.any()
    assert not live_v.loc[~from_register, "synthetic"].any()
    assert live_v.loc[from_register, "synthetic"].all()
    pd.testing.assert_frame_equal(
        live_v.drop(columns="synthetic"), shipped_v.drop(columns="synthetic")
    )

    again = runner.invoke(app, FETCH_DEMO_TABLES)
    assert again.exit_code == 0 and "No changes" in again.output
    assert list_versions(data / "snapshot") == versions


def test_cli_fetch_offline_keeps_the_snapshot(tmp_path, clock, monkeypatch):
    from typer.testing import CliRunner

    from trsplan.cli import app

    data = _data_dir(tmp_path)
    monkeypatch.setenv("TRSPLAN_DATA_DIR", str(data))
    monkeypatch.setenv("TRSPLAN_SSB_URL", f"http://127.0.0.1:{closed_port()}/api/pxwebapi/v2")
    monkeypatch.setenv("TRSPLAN_HTTP_CACHE", "off")
    result = CliRunner().invoke(app, ["fetch"])
    assert result.exit_code == 3
    assert result.output.count("\n") == 1  # one line
    assert "no network" in result.output and f"snapshot {DEMO} left unchanged" in result.output
    assert list_versions(data / "snapshot") == [DEMO]
    # and the indicators still come from the last snapshot
    from trsplan.indicators.compute import compute_store

    assert len(compute_store(Snapshot.open())) > 0


@pytest.mark.integration
def test_cli_report_runs_on_the_fetched_snapshot(server, tmp_path, monkeypatch):
    """`trsplan fetch` against the test server, then `trsplan report` on what it wrote."""
    from typer.testing import CliRunner

    from trsplan.cli import app

    data = _data_dir(tmp_path)
    monkeypatch.setenv("TRSPLAN_DATA_DIR", str(data))
    runner = CliRunner()
    fetched = runner.invoke(app, FETCH_DEMO_TABLES)
    assert fetched.exit_code == 0, fetched.output
    (version,) = [v for v in list_versions(data / "snapshot") if v != DEMO]
    report = runner.invoke(app, ["report", "--out", str(tmp_path / "reports")])
    assert f"Snapshot {version}" in report.output  # the fetched snapshot, not the demo
    assert report.exit_code == 0, report.output
