"""Report formatting, the runner's failure handling, and the report set end to end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from trsplan.errors import CodeValidityError, UnknownMunicipalityError, YearOutOfRangeError
from trsplan.paths import notebooks_dir
from trsplan.report.runner import ReportJob, check_parameters, run_report, run_reports
from trsplan.report.text import fmt_number, fmt_percent

NBSP = "\u00a0"


def test_norwegian_and_english_number_formatting():
    assert fmt_number(12345.6, 1) == f"12{NBSP}345,6"
    assert fmt_number(12345.6, 1, "en") == "12,345.6"
    assert fmt_number(-4000, 0) == f"\u22124{NBSP}000"
    assert fmt_number(250, 0, sign=True) == "+250"
    assert fmt_percent(5.75, 1) == f"5,8{NBSP}%"
    assert fmt_number(float("nan")) == ".."  # missing is shown as missing, never 0


@pytest.mark.parametrize("path", sorted(notebooks_dir().glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_are_stored_without_outputs(path: Path):
    notebook = nbformat.read(path, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    assert any("parameters" in c.metadata.get("tags", []) for c in code)


def test_unknown_notebook_parameter_is_refused():
    with pytest.raises(ValueError, match="no parameters \\['kommune'\\]"):
        check_parameters(notebooks_dir() / "municipality.ipynb", {"kommune": "5001"})


def _notebook(tmp_path: Path, name: str, source: str) -> Path:
    notebook = new_notebook(
        cells=[
            new_code_cell('x: str = "a"', metadata={"tags": ["parameters"]}),
            new_code_cell(source),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    path = tmp_path / name
    nbformat.write(notebook, path)
    return path


@pytest.mark.integration
def test_a_failing_notebook_is_recorded_and_the_others_still_run(tmp_path: Path):
    bad = _notebook(tmp_path, "bad.ipynb", "raise RuntimeError(f'no data for {x}')")
    good = _notebook(tmp_path, "good.ipynb", "print(x.zfill(4))")
    out = tmp_path / "out"
    results = run_reports(
        [
            ReportJob(bad, {"x": "0301"}, out, "bad", title="bad"),
            ReportJob(good, {"x": "301"}, out, "good", title="good"),
        ]
    )
    failed, ok = results
    assert not failed.ok and failed.ename == "RuntimeError" and "no data for 0301" in failed.error
    assert failed.failing_cell is not None and failed.html is None
    assert ok.ok and (out / "good.html").is_file()
    # parameters reach the notebook as strings: the leading zero survives
    executed = nbformat.read(out / "notebooks" / "bad.ipynb", as_version=4)
    assert executed.metadata.papermill.parameters == {"x": "0301"}


def test_run_report_records_bad_parameters_without_raising(tmp_path: Path):
    nb = _notebook(tmp_path, "n.ipynb", "pass")
    result = run_report(ReportJob(nb, {"y": "1"}, tmp_path / "out", "n"))
    assert not result.ok and result.ename == "ValueError"


def test_bad_input_is_refused_before_any_notebook_runs(tmp_path: Path):
    from trsplan.report.build import build_reports

    with pytest.raises(YearOutOfRangeError, match="outside the data"):
        build_reports(year=1999, out=tmp_path)
    with pytest.raises(UnknownMunicipalityError, match="9999"):
        build_reports(municipalities=["9999"], out=tmp_path)
    with pytest.raises(CodeValidityError, match="1601"):
        build_reports(municipalities=["1601"], out=tmp_path)
    assert not any(tmp_path.iterdir())


@pytest.mark.integration
def test_report_set_for_two_municipalities_and_the_region(tmp_path: Path):
    from typer.testing import CliRunner

    from trsplan.cli import app

    result = CliRunner().invoke(
        app, ["report", "--municipality", "5001", "--municipality", "5035", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    (year_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    manifest = json.loads((year_dir / "manifest.json").read_text())
    assert manifest["ok"] and [r["status"] for r in manifest["reports"]] == ["run"] * 3
    assert manifest["snapshot"]["checksums"]
    assert manifest["reports"][1]["parameters"]["municipality"] == "5001"
    expected = {
        "region-trondheimsregionen.html": "Trondheimsregionen",
        "5001-trondheim-traante.html": "Trondheim",
        "5035-stjordal.html": "Stjørdal",
    }
    index = (year_dir / "index.html").read_text()
    for name, place in expected.items():
        page = (year_dir / name).read_text()
        assert place in page
        assert re.search(r'<img [^>]*src="data:image/svg\+xml;base64,', page)
        assert "Demo data (synthetic)" in page
        assert "cdnjs" not in page  # self-contained: no external scripts
        assert f'href="{name}"' in index


def test_goal_4_footnote_and_methods_name_the_estimated_years():
    import pandas as pd

    from trsplan.indicators.store import conform
    from trsplan.report import sections

    years = [2014, 2015, 2016, 2026]
    store = conform(
        pd.DataFrame(
            {
                "indicator_id": "tech_companies",
                "goal_id": "4",
                "geo_code": "trondheimsregionen",
                "geo_name": "Trondheimsregionen",
                "geo_level": "region",
                "year": years,
                "value": [500.0, 510.0, 520.0, 700.0],
                "unit": "companies",
                "lower": float("nan"),
                "upper": float("nan"),
                "source_tables": "brreg:enheter+underenheter (2026-11-01 extracts)",
                "synthetic": True,
                "code_vintage": 2026,
                "estimate": ["estimate (survivors only)"] * 3 + [None],
            }
        )
    )
    note = sections.estimate_note(store, "trondheimsregionen", "4", "en")
    assert "Years 2014–2016 are estimates (survivors only)" in note
    assert "Årene 2014–2016 er anslag" in sections.estimate_note(
        store, "trondheimsregionen", "4", "nb"
    )
    assert sections.estimate_note(store, "trondheimsregionen", "5", "en") == ""
    assert (
        sections.estimate_note(store.assign(estimate=None), "trondheimsregionen", "4", "en") == ""
    )
    assert "survivorship bias" in sections.methods_html(store, "en")


def test_notebook_request_trusts_what_trsplan_report_resolved(tmp_path: Path):
    from trsplan.report import pages

    req = pages.request(
        kind="municipality",
        code="5001",
        region="trondheimsregionen",
        year=2024,
        lang="en",
        indicators_path=str(tmp_path / "data" / "indicators.parquet"),
        snapshot_version="v1",
        name="Trondheim",
        members=[],
    )
    assert (req.year, req.name, req.data_dir, req.snapshot_version) == (
        2024,
        "Trondheim",
        str(tmp_path / "data"),
        "v1",
    )
    assert pages.report_geos(req)[:1] == ["5001"] and "norge" in pages.report_geos(req)


def test_notebook_run_by_hand_honours_snapshot_version():
    from trsplan.errors import SnapshotError
    from trsplan.report import pages

    with pytest.raises(SnapshotError, match="1999-01-01-nothing"):
        pages.request(
            kind="municipality",
            code="5001",
            region="trondheimsregionen",
            snapshot_version="1999-01-01-nothing",
        )
