"""Synthetic data never passes as official (issue 8, item 8): per-row provenance and labels."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from trsplan import paths
from trsplan.indicators import inputs
from trsplan.indicators.compute import compute_store
from trsplan.report.pages import sources_html
from trsplan.report.sections import methods_html
from trsplan.snapshot import Snapshot, write_file
from trsplan.sources.jsonstat import SSB_SOURCE, dumps_jsonstat, read_jsonstat, to_jsonstat

DEMO = paths.PROJECT_ROOT / "data" / "snapshot" / "2026-11-01-demo"
FIELDS = ("table_id", "url", "query", "retrieved_at", "licence", "synthetic", "updated")


def _mixed(folder: Path) -> Path:
    """The demo snapshot with 07459 as if fetched from StatBank (real, not synthetic)."""
    for sidecar in sorted(DEMO.glob("*/*.meta.json")):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        payload = (sidecar.parent / meta["name"]).read_bytes()
        fields = {k: meta.get(k) for k in FIELDS} | {
            "media_type": meta["media_type"],
            "generator": meta.get("generator"),
        }
        if meta["table_id"] == "07459":
            frame = read_jsonstat(payload)
            payload = dumps_jsonstat(
                to_jsonstat(
                    frame,
                    ["Region", "ContentsCode", "Tid"],
                    table_id="07459",
                    label=str(frame.attrs["label"]),
                    updated=str(frame.attrs["updated"]),
                )
            )
            fields |= {
                "synthetic": False,
                "generator": None,
                "url": "https://data.ssb.no/api/pxwebapi/v2/tables/07459/data?lang=no",
            }
        write_file(folder, meta["source"], meta["name"], payload, **fields)
    return folder


@pytest.fixture(scope="module")
def mixed_store(tmp_path_factory) -> pd.DataFrame:
    folder = _mixed(tmp_path_factory.mktemp("mixed") / "2026-11-03-mixed")
    return compute_store(Snapshot(folder))


def _flags(store: pd.DataFrame, indicator: str) -> set[bool]:
    return set(store.loc[store["indicator_id"] == indicator, "synthetic"].tolist())


def test_real_population_stays_real_beside_demo_tables(mixed_store: pd.DataFrame) -> None:
    assert _flags(mixed_store, "population") == {False}
    assert _flags(mixed_store, "population_share_norway") == {False}
    # any synthetic input makes the row synthetic
    assert _flags(mixed_store, "population_change") == {True}  # 06913
    assert _flags(mixed_store, "population_growth_pct") == {True}  # 07459;06913
    assert _flags(mixed_store, "new_enterprises_per_1000") == {True}  # 08316;07459
    assert _flags(mixed_store, "location_quotient:58-63") == {True}  # 13470


def test_synthetic_sources_reads_the_source_list() -> None:
    snap = Snapshot(DEMO)
    assert inputs.synthetic_sources(snap, "07459;06913")
    assert inputs.synthetic_sources(snap, "brreg:enheter (2026 extract);tech_nace.yaml:x")
    # no file of the snapshot named: the fallback decides
    assert not inputs.synthetic_sources(snap, "data/definitions/startup_index.yaml", False)


def test_demo_payloads_do_not_pass_as_official() -> None:
    for path in sorted(DEMO.glob("ssb/*.json")):
        if path.name.endswith(".meta.json"):
            continue
        obj = json.loads(path.read_text(encoding="utf-8"))
        meta = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
        assert obj["source"] != SSB_SOURCE and obj["source"].startswith("trsplan.demo")
        assert "link" not in obj and "official-statistics" not in obj["extension"]["px"]
        assert obj["extension"]["synthetic"] is True
        assert meta["synthetic"] is True and meta["url"] is None and meta["generator"]


def test_invented_table_is_never_shown_as_an_ssb_table() -> None:
    store = pd.DataFrame(
        {
            "indicator_id": ["gdp_share_ratio", "population"],
            "unit": ["ratio", "persons"],
            "source_tables": ["11713;07459;99901;13470", "07459"],
            "synthetic": [True, True],
        }
    )
    for lang, word in (("nb", "syntetisk"), ("en", "synthetic")):
        for html in (methods_html(store, lang), sources_html(store, lang)):
            assert "99901" not in html
            assert f"{word} (trsplan demo" in html
            assert "11713" in html and "07459" in html
