"""The snapshot store (trsplan.snapshot): atomic writes, provenance sidecars, checksums."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trsplan.errors import ChecksumMismatch, SnapshotError
from trsplan.paths import snapshot_root
from trsplan.snapshot import store as snapshot_module
from trsplan.snapshot.store import (
    Provenance,
    Snapshot,
    list_versions,
    version_path,
    write_file,
)
from trsplan.sources.jsonstat import dumps_jsonstat, to_jsonstat

FIXTURES = Path(__file__).resolve().parents[2] / "support" / "fixtures" / "jsonstat"
RETRIEVED = "2026-11-27T08:30:00Z"
URL_07459 = "https://data.ssb.no/api/pxwebapi/v2/tables/07459/data?lang=no&outputFormat=json-stat2"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TRSPLAN_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def _write_07459(version_dir: Path, **overrides) -> Provenance:
    kwargs = dict(
        table_id="07459",
        url=URL_07459,
        query={"valueCodes[Region]": "K-5001,K-5035,K-Rest", "codelist[Region]": "agg_KommSummer"},
        retrieved_at=RETRIEVED,
        licence="NLOD 2.0 / CC BY 4.0",
        synthetic=False,
        updated="2025-02-20T07:00:00Z",
    )
    kwargs.update(overrides)
    payload = (FIXTURES / "v2_07459_population.json").read_bytes()
    return write_file(version_dir, "ssb", "07459_population.json", payload, **kwargs)


def _demo_payload() -> bytes:
    frame = pd.DataFrame(
        {
            "Region": pd.array(["5001", "5001"], dtype="str"),
            "Tid": pd.array(["2023", "2024"], dtype="str"),
            "value": [1.0, 2.0],
            "status": pd.array([None, None], dtype="string"),
        }
    )
    return dumps_jsonstat(
        to_jsonstat(frame, ["Region", "Tid"], table_id="13470", label="13470: Demo", updated="u")
    )


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------


def test_write_then_read_round_trip(data_dir: Path) -> None:
    version_dir = version_path("2026-11-27")
    assert version_dir == snapshot_root() / "2026-11-27"
    assert snapshot_root() == data_dir / "snapshot"
    prov = _write_07459(version_dir)

    payload = (FIXTURES / "v2_07459_population.json").read_bytes()
    assert prov.sha256 == hashlib.sha256(payload).hexdigest()
    assert prov.bytes == len(payload)
    assert prov.relpath == "ssb/07459_population.json"
    assert (version_dir / "ssb" / "07459_population.json").read_bytes() == payload

    snap = Snapshot.open()
    assert snap.version == "2026-11-27"
    assert snap.path == version_dir
    assert snap.files() == [prov]
    assert snap.provenance("ssb", "07459_population.json") == prov
    assert snap.read_bytes("ssb", "07459_population.json") == payload
    assert snap.synthetic is False
    assert snap.checksums() == {"ssb/07459_population.json": prov.sha256}

    frame = snap.read_table("07459")
    assert len(frame) == 12
    assert frame.attrs["table_id"] == "07459"
    assert frame.attrs["synthetic"] is False
    assert frame.attrs["snapshot_version"] == "2026-11-27"
    assert frame.attrs["sha256"] == prov.sha256
    assert frame.attrs["snapshot_file"] == "ssb/07459_population.json"


def test_sidecar_is_deterministic_and_complete(data_dir: Path) -> None:
    version_dir = version_path("2026-11-27")
    _write_07459(version_dir, generator=None)
    sidecar = version_dir / "ssb" / "07459_population.json.meta.json"
    first = sidecar.read_bytes()
    _write_07459(version_dir)
    assert sidecar.read_bytes() == first
    assert first.endswith(b"}\n") and not first.endswith(b"\n\n")
    text = first.decode("utf-8")
    data = json.loads(text)
    assert list(data) == sorted(data)
    assert text == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert set(data) == {
        "source",
        "name",
        "table_id",
        "url",
        "query",
        "retrieved_at",
        "sha256",
        "bytes",
        "licence",
        "synthetic",
        "updated",
        "media_type",
    }
    assert data["source"] == "ssb"
    assert data["retrieved_at"] == RETRIEVED
    assert data["media_type"] == "application/json"
    assert data["updated"] == "2025-02-20T07:00:00Z"
    assert Provenance.from_dict(data).to_dict() == data


def test_retrieved_at_is_normalised_to_utc(data_dir: Path) -> None:
    oslo = timezone(timedelta(hours=1))
    prov = _write_07459(
        version_path("2026-11-27"), retrieved_at=datetime(2026, 11, 27, 9, 30, tzinfo=oslo)
    )
    assert prov.retrieved_at == RETRIEVED
    prov = _write_07459(version_path("2026-11-27"), retrieved_at="2026-11-27T09:30:00+01:00")
    assert prov.retrieved_at == RETRIEVED
    with pytest.raises(SnapshotError, match="no time zone"):
        _write_07459(version_path("2026-11-27"), retrieved_at=datetime(2026, 11, 27, 8, 30))
    with pytest.raises(SnapshotError, match="not an ISO 8601"):
        _write_07459(version_path("2026-11-27"), retrieved_at="yesterday")


def test_synthetic_file_with_generator(data_dir: Path) -> None:
    version_dir = version_path("2026-03-01-demo")
    prov = write_file(
        version_dir,
        "ssb",
        "13470_demo.json",
        _demo_payload(),
        table_id="13470",
        url=None,
        query=None,
        retrieved_at=datetime(2026, 3, 1, tzinfo=UTC),
        licence="CC BY 4.0 (synthetic)",
        synthetic=True,
        generator="trsplan demo generator, seed 1",
    )
    assert prov.to_dict()["generator"] == "trsplan demo generator, seed 1"
    snap = Snapshot.open("2026-03-01-demo")
    assert snap.synthetic is True
    frame = snap.read_table("13470")
    assert frame.attrs["synthetic"] is True
    assert frame["value"].tolist() == [1.0, 2.0]
    manifest = snap.manifest()
    json.dumps(manifest)  # JSON-able
    assert manifest["version"] == "2026-03-01-demo"
    assert manifest["synthetic"] is True
    assert manifest["file_count"] == 1
    assert manifest["total_bytes"] == prov.bytes
    assert manifest["sources"] == ["ssb"]
    assert manifest["files"] == [prov.to_dict()]


@pytest.mark.parametrize(
    ("source", "name", "message"),
    [
        ("ssb", "../escape.json", "not a plain file name"),
        ("ssb", "a/b.json", "not a plain file name"),
        ("s s b", "x.json", "not a plain file name"),
        ("ssb", "x.json.meta.json", "may not end with"),
        ("ssb", ".hidden", "not a plain file name"),
    ],
)
def test_bad_names_are_refused(data_dir: Path, source: str, name: str, message: str) -> None:
    with pytest.raises(SnapshotError, match=message):
        write_file(
            version_path("2026-11-27"),
            source,
            name,
            b"{}",
            table_id=None,
            url=None,
            query=None,
            retrieved_at=RETRIEVED,
            licence="x",
            synthetic=False,
        )


def test_version_names_must_sort_by_date(data_dir: Path) -> None:
    with pytest.raises(SnapshotError, match="must start with an ISO date"):
        version_path("latest")


# --------------------------------------------------------------------------------------------
# atomicity
# --------------------------------------------------------------------------------------------


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_failing_payload_write_leaves_nothing(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(snapshot_module.os, "fsync", broken_fsync)
    version_dir = version_path("2026-11-27")
    with pytest.raises(OSError, match="No space left"):
        _write_07459(version_dir)
    assert _leftovers(version_dir / "ssb") == []  # no payload, no sidecar, no temporary file


def test_failing_replace_leaves_old_pair_intact(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version_dir = version_path("2026-11-27")
    old = _write_07459(version_dir)

    def broken_replace(src, dst) -> None:
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as patch, pytest.raises(OSError, match="Input/output"):
        patch.setattr(snapshot_module.os, "replace", broken_replace)
        write_file(
            version_dir,
            "ssb",
            "07459_population.json",
            b'{"changed": true}',
            table_id="07459",
            url=URL_07459,
            query=None,
            retrieved_at=RETRIEVED,
            licence="x",
            synthetic=False,
        )
    # the temporary file is gone; the old payload is untouched
    assert not [n for n in _leftovers(version_dir / "ssb") if n.endswith(".tmp")]
    payload = (version_dir / "ssb" / "07459_population.json").read_bytes()
    assert hashlib.sha256(payload).hexdigest() == old.sha256


def test_failing_sidecar_write_never_leaves_a_stale_sidecar(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    version_dir = version_path("2026-11-27")
    _write_07459(version_dir)

    def broken_sidecar(provenance: Provenance) -> bytes:
        raise RuntimeError("crash between payload and sidecar")

    with monkeypatch.context() as patch:
        patch.setattr(snapshot_module, "_sidecar_bytes", broken_sidecar)
        with pytest.raises(RuntimeError):
            _write_07459(version_dir, retrieved_at="2026-11-28T08:00:00Z")
    # a payload without a sidecar, reported clearly: never a sidecar describing other bytes
    with pytest.raises(SnapshotError, match="07459_population.json has no provenance sidecar"):
        Snapshot.open().files()


# --------------------------------------------------------------------------------------------
# integrity checks on reading
# --------------------------------------------------------------------------------------------


def test_checksum_mismatch_after_tampering(data_dir: Path) -> None:
    version_dir = version_path("2026-11-27")
    prov = _write_07459(version_dir)
    path = version_dir / "ssb" / "07459_population.json"
    data = bytearray(path.read_bytes())
    position = data.index(b"100211")
    data[position] = ord("9")  # same size, one byte changed
    path.write_bytes(bytes(data))
    actual = hashlib.sha256(bytes(data)).hexdigest()

    snap = Snapshot.open()
    with pytest.raises(ChecksumMismatch) as info:
        snap.read_bytes("ssb", "07459_population.json")
    message = str(info.value)
    assert "ssb/07459_population.json" in message
    assert prov.sha256 in message and actual in message
    assert "re-fetch" in message and "regenerate" in message
    with pytest.raises(ChecksumMismatch):
        snap.read_table("07459")
    with pytest.raises(ChecksumMismatch):
        snap.verify()
    assert isinstance(info.value, SnapshotError)


def test_size_mismatch_is_a_checksum_mismatch(data_dir: Path) -> None:
    version_dir = version_path("2026-11-27")
    _write_07459(version_dir)
    path = version_dir / "ssb" / "07459_population.json"
    path.write_bytes(path.read_bytes() + b"\n")
    with pytest.raises(ChecksumMismatch, match="size expected"):
        Snapshot.open().read_bytes("ssb", "07459_population.json")


def test_missing_sidecar(data_dir: Path) -> None:
    version_dir = version_path("2026-11-27")
    _write_07459(version_dir)
    (version_dir / "ssb" / "07459_population.json.meta.json").unlink()
    snap = Snapshot.open()
    with pytest.raises(SnapshotError, match=r"ssb/07459_population.json has no provenance sidecar"):
        snap.files()
    with pytest.raises(SnapshotError, match=r"07459_population.json has no provenance sidecar"):
        snap.read_bytes("ssb", "07459_population.json")


def test_missing_payload(data_dir: Path) -> None:
    version_dir = version_path("2026-11-27")
    _write_07459(version_dir)
    (version_dir / "ssb" / "07459_population.json").unlink()
    snap = Snapshot.open()
    with pytest.raises(SnapshotError, match=r"sidecar ssb/07459_population.json.meta.json has no"):
        snap.files()
    with pytest.raises(SnapshotError, match=r"has no payload ssb/07459_population.json"):
        snap.read_bytes("ssb", "07459_population.json")


def test_corrupt_or_misplaced_sidecar(data_dir: Path) -> None:
    version_dir = version_path("2026-11-27")
    _write_07459(version_dir)
    sidecar = version_dir / "ssb" / "07459_population.json.meta.json"
    data = json.loads(sidecar.read_text(encoding="utf-8"))
    del data["sha256"]
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SnapshotError, match=r"sidecar ssb/07459_population.json.meta.json.*sha256"):
        Snapshot.open().files()
    data["sha256"] = "0" * 64
    data["name"] = "other.json"
    sidecar.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SnapshotError, match="describes ssb/other.json"):
        Snapshot.open().files()
    sidecar.write_text("{", encoding="utf-8")
    with pytest.raises(SnapshotError, match="cannot read sidecar"):
        Snapshot.open().files()


def test_unknown_file_and_table(data_dir: Path) -> None:
    _write_07459(version_path("2026-11-27"))
    snap = Snapshot.open()
    with pytest.raises(SnapshotError, match=r"no file ssb/nope.json; it has: ssb/07459_population"):
        snap.read_bytes("ssb", "nope.json")
    with pytest.raises(SnapshotError, match=r"no ssb file for table '99999'.*tables: 07459"):
        snap.read_table("99999")


def test_read_table_with_two_files_needs_a_name(data_dir: Path) -> None:
    version_dir = version_path("2026-11-27")
    _write_07459(version_dir)
    payload = (FIXTURES / "v2_07459_population.json").read_bytes()
    write_file(
        version_dir,
        "ssb",
        "07459_part2.json",
        payload,
        table_id="07459",
        url=URL_07459,
        query=None,
        retrieved_at=RETRIEVED,
        licence="x",
        synthetic=False,
    )
    snap = Snapshot.open()
    with pytest.raises(SnapshotError, match="pass name= to pick one"):
        snap.read_table("07459")
    assert len(snap.read_table("07459", name="07459_part2.json")) == 12


def test_temporary_files_are_ignored(data_dir: Path) -> None:
    version_dir = version_path("2026-11-27")
    _write_07459(version_dir)
    (version_dir / "ssb" / ".07459_population.json.abc.tmp").write_bytes(b"partial")
    assert len(Snapshot.open().files()) == 1


# --------------------------------------------------------------------------------------------
# versions
# --------------------------------------------------------------------------------------------


def test_latest_version_is_selected(data_dir: Path) -> None:
    for version in ["2026-03-01-demo", "2025-12-31", "2026-11-27", "2026-03-01"]:
        _write_07459(version_path(version))
    (snapshot_root() / "not-a-version").mkdir()
    (snapshot_root() / "README.md").write_text("notes\n", encoding="utf-8")
    assert list_versions() == ["2025-12-31", "2026-03-01", "2026-03-01-demo", "2026-11-27"]
    assert Snapshot.open().version == "2026-11-27"
    assert Snapshot.open("2026-03-01-demo").version == "2026-03-01-demo"


def test_missing_version_lists_available(data_dir: Path) -> None:
    _write_07459(version_path("2026-03-01-demo"))
    _write_07459(version_path("2026-11-27"))
    with pytest.raises(SnapshotError) as info:
        Snapshot.open("2024-01-01")
    message = str(info.value)
    assert "'2024-01-01' not found" in message
    assert "2026-03-01-demo, 2026-11-27" in message and "latest 2026-11-27" in message


def test_no_snapshot_says_how_to_create_one(data_dir: Path) -> None:
    assert list_versions() == []
    with pytest.raises(SnapshotError, match=r"no snapshot found.*trsplan fetch.*demo"):
        Snapshot.open()
    snapshot_root().mkdir(parents=True)
    with pytest.raises(SnapshotError, match="no snapshot found"):
        Snapshot.open()


def test_explicit_root(tmp_path: Path) -> None:
    root = tmp_path / "elsewhere"
    _write_07459(root / "2026-11-27")
    snap = Snapshot.open(root=root)
    assert snap.path == root / "2026-11-27"
    assert list_versions(root) == ["2026-11-27"]
    frame = snap.read_table("07459")
    assert np.isnan(frame.loc[6, "value"]) and frame.loc[6, "status"] == ":"
