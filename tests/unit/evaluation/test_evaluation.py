"""Statuses and forecasts from the store (trsplan.evaluation.evaluate) on small hand-made
stores with answers worked out by hand, the register changing the qualitative statuses, and the
``trsplan indicators`` command."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from trsplan import paths
from trsplan.cli import app
from trsplan.evaluation import register as reg
from trsplan.evaluation.evaluate import FORECAST_COLUMNS, STATUS_COLUMNS, evaluate
from trsplan.evaluation.table import TABLE_COLUMNS, indicator_table
from trsplan.indicators import compute
from trsplan.indicators.store import conform
from trsplan.report.register_template import write_template
from trsplan.snapshot.store import Snapshot

NORWAY = "norge"
TR = "trondheimsregionen"
EMPTY_REGISTER = pd.DataFrame(columns=reg.REGISTER_COLUMNS)
TRP, OSLOP = "trondheim-pendling", "oslo-pendling"  # commuting-rule comparators
LEVEL = {
    TR: "region",
    "trondheimsregionen-2020": "region",
    "oslo": "region",
    TRP: "region",
    OSLOP: "region",
    NORWAY: "country",
}


def series(indicator: str, geo: str, values: dict[int, float], goal: str = "x") -> pd.DataFrame:
    """Store rows of one indicator for one geography."""
    n = len(values)
    return pd.DataFrame(
        {
            "indicator_id": [indicator] * n,
            "goal_id": [goal] * n,
            "geo_code": [geo] * n,
            "geo_name": [geo] * n,
            "geo_level": [LEVEL.get(geo, "municipality")] * n,
            "year": list(values),
            "value": list(values.values()),
            "unit": ["persons"] * n,
            "lower": [float("nan")] * n,
            "upper": [float("nan")] * n,
            "source_tables": ["test"] * n,
            "synthetic": [True] * n,
            "code_vintage": [2026] * n,
        }
    )


def store_of(*parts: pd.DataFrame) -> pd.DataFrame:
    return conform(pd.concat(parts, ignore_index=True))


def one(status: pd.DataFrame, goal: str, index: int, geo: str) -> pd.Series:
    hit = status[
        (status["goal_id"] == goal)
        & (status["target_index"] == index)
        & (status["geo_code"] == geo)
    ]
    assert len(hit) == 1, (goal, index, geo, hit)
    return hit.iloc[0]


# --- numeric targets ------------------------------------------------------------------------------


def test_annual_growth_of_4100_meets_goal_5_1_every_way():
    store = store_of(
        series("population_change", TR, dict.fromkeys(range(2010, 2025), 4100.0)),
        series("population_change", "oslo", dict.fromkeys(range(2010, 2025), 3900.0)),
    )
    status, forecast = evaluate(store, 2024, register=EMPTY_REGISTER)
    assert list(status.columns) == STATUS_COLUMNS and list(forecast.columns) == FORECAST_COLUMNS
    annual = one(status, "5.1", 0, TR)
    assert annual["status"] == "met" and annual["status_symbol"] == "✔"
    assert (annual["latest_year"], annual["latest_value"], annual["target_value"]) == (
        2024,
        4100,
        4000,
    )
    assert annual["previous_value"] == 4100 and annual["change_since_previous"] == 0
    cumulative = one(status, "5.1", 1, TR)
    assert cumulative["status"] == "met"
    # 15 years 2010-2024 (from 1 January 2010): 15 × 4,100 against 15 × 4,000
    assert cumulative["latest_value"] == 61_500 and cumulative["target_value"] == 60_000
    assert cumulative["previous_value"] == 13 * 4100
    assert one(status, "5.1", 0, "oslo")["status"] == "off_track"
    assert one(status, "5.1", 1, "oslo")["status"] == "off_track"
    assert forecast.empty  # nothing with a deadline to forecast


def test_a_passed_deadline_is_judged_on_the_outcome():
    years = range(2014, 2026)
    store = store_of(
        series("tech_companies", TR, {y: 500.0 + 40 * (y - 2014) for y in years}),  # 940 in 2025
        series("tech_companies", "oslo", {y: 600.0 + 60 * (y - 2014) for y in years}),  # 1,260
    )
    status, forecast = evaluate(store, 2026, register=EMPTY_REGISTER)
    missed = one(status, "4", 0, TR)
    assert missed["status"] == "not_met" and missed["status_en"] == "not met in 2025: 940"
    assert missed["status_nb"] == "ikke nådd i 2025: 940" and "2025" in missed["reason_en"]
    assert missed["latest_value"] == 940 and pd.isna(missed["probability"])
    assert one(status, "4", 0, "oslo")["status"] == "met"
    # the doubling (ratio to 2014): 940 / 500 = 1.88 < 2; 1,260 / 600 = 2.1
    assert one(status, "4", 2, TR)["status"] == "not_met"
    assert one(status, "4", 2, TR)["latest_value"] == pytest.approx(1.88)
    assert one(status, "4", 2, "oslo")["status"] == "met"
    assert forecast.empty


def test_an_estimated_baseline_is_said_in_the_status_note():
    years = range(2014, 2027)
    rows = series("tech_companies", TR, {y: 500.0 + 40 * (y - 2014) for y in years})
    # 2014-2025 counted from the 2026 register extract (survivors only), 2026 measured
    rows["estimate"] = ["estimate (survivors only)" if y < 2026 else None for y in years]
    status, _ = evaluate(store_of(rows), 2026, register=EMPTY_REGISTER)
    doubling = one(status, "4", 2, TR)
    assert doubling["baseline_year"] == 2014
    assert "2014 baseline is an estimate (survivors only)" in doubling["reason_en"]
    assert "growth from it is overstated" in doubling["reason_en"]
    assert "basisåret 2014 er et anslag" in doubling["reason_nb"]
    # the 1,000 target is judged on 2025, itself an estimate from the later extract
    assert "the 2025 value is an estimate" in one(status, "4", 0, TR)["reason_en"]
    measured = store_of(series("tech_companies", TR, {y: 500.0 + 40 * (y - 2014) for y in years}))
    status, _ = evaluate(measured, 2026, register=EMPTY_REGISTER)
    assert "estimate" not in one(status, "4", 2, TR)["reason_en"]


def test_a_passed_deadline_is_never_shown_as_off_track():
    from trsplan.report import scorecard

    # goal H: 0.94 in 2020 (the deadline) against 1.00, 0.97 in 2023; goal 4: 2025 deadline,
    # 940 companies in 2025; evaluated in 2026, after both deadlines
    years = range(2014, 2026)
    store = store_of(
        series(
            "gdp_share_ratio",
            TR,
            {2018: 0.92, 2019: 0.93, 2020: 0.94, 2021: 0.95, 2022: 0.96, 2023: 0.97},
        ),
        series("tech_companies", TR, {y: 500.0 + 40 * (y - 2014) for y in years}),
    )
    status, _ = evaluate(store, 2026, register=EMPTY_REGISTER)
    passed = status[status["deadline"].notna() & (status["deadline"] < 2026)]
    assert len(passed) >= 3  # H's 2020 target, goal 4's 2025 targets
    assert "off_track" not in set(passed["status"])
    h = one(status, "H", 0, TR)
    assert h["status"] == "not_met" and h["status_nb"] == "ikke nådd i 2020: 0,94"
    assert h["status_en"] == "not met in 2020: 0.94"
    assert h["latest_value"] == pytest.approx(0.97) and h["latest_year"] == 2023
    for lang, off, missed, latest in (
        ("nb", "ikke i rute", "ikke nådd i 2020: 0,94", "0,97 (2023)"),
        ("en", "off track", "not met in 2020: 0.94", "0.97 (2023)"),
    ):
        page = scorecard.first_page_html(status, TR, 2026, lang)
        rows = {r.split("<small>")[0]: r for r in page.split("<tr")[1:]}
        h_row = next(r for k, r in rows.items() if '<th scope="row">H ' in k)
        four_row = next(r for k, r in rows.items() if '<th scope="row">4 ' in k)
        # goal H's lead target is the 2020 one, goal 4's the 2025 one: judged, never off track
        assert missed in h_row and latest in h_row and off not in h_row
        assert off not in four_row and ("2025" in four_row)


def test_a_future_deadline_on_a_perfect_line_is_on_track_with_probability_one():
    store = store_of(
        series("tech_companies", TR, {y: 500.0 + 50 * (y - 2014) for y in range(2014, 2026)}),
    )
    status, forecast = evaluate(store, 2020, register=EMPTY_REGISTER)  # 800 in 2020
    row = one(status, "4", 0, TR)
    assert row["status"] == "on_track" and row["latest_value"] == 800
    assert row["probability"] == pytest.approx(1.0)
    assert row["forecast_model"] == "linear_trend"
    assert row["forecast_value"] == pytest.approx(1050)  # 500 + 50 × 11
    assert row["lower95"] == pytest.approx(1050) and row["upper95"] == pytest.approx(1050)
    path = forecast[(forecast["goal_id"] == "4") & (forecast["target_index"] == 0)]
    assert path["year"].tolist() == [2021, 2022, 2023, 2024, 2025]
    assert path["mean"].tolist() == pytest.approx([850, 900, 950, 1000, 1050])
    assert set(path["geo_code"]) == {TR} and set(path["model"]) == {"linear_trend"}
    ratio = one(status, "4", 2, TR)  # 1,050 / 500 = 2.1 ≥ 2
    assert ratio["status"] == "on_track" and ratio["probability"] == pytest.approx(1.0)
    # deterministic
    again, again_fc = evaluate(store, 2020, register=EMPTY_REGISTER)
    pd.testing.assert_frame_equal(status, again)
    pd.testing.assert_frame_equal(forecast, again_fc)


def test_rankings_among_city_regions_and_where_goals_apply():
    store = store_of(
        series("new_enterprises_per_1000", TRP, {2022: 10.0, 2023: 12.0}),
        series("new_enterprises_per_1000", OSLOP, {2022: 11.0, 2023: 11.0}),
        # the membership and fixed-territory series are never ranked among the comparators:
        # their 20 and 30 would beat everything if they were
        series("new_enterprises_per_1000", TR, {2022: 20.0, 2023: 20.0}),
        series("new_enterprises_per_1000", "trondheimsregionen-2020", {2022: 30.0, 2023: 30.0}),
        series("new_enterprises_per_1000", "oslo", {2022: 11.0, 2023: 11.0}),
        series("new_enterprises_per_1000", NORWAY, {2022: 9.0, 2023: 9.0}),
        series("new_enterprises_per_1000", "5001", {2022: 13.0, 2023: 14.0}),
        series("building_case_percentile", "5001", {2023: 10.0}),
        series("building_case_percentile", "5035", {2023: 40.0}),
        series("building_case_percentile", TR, {2023: 25.0}),
    )
    status, _ = evaluate(store, 2023, register=EMPTY_REGISTER)
    best = one(status, "3", 0, TRP)  # 12 beats Oslo's 11: rank 1
    assert best["status"] == "met" and best["latest_value"] == 1
    assert one(status, "3", 0, OSLOP)["latest_value"] == 2
    # 2022: Oslo's 11 beats Trondheim's 10 (Trondheim's own 20 and 30 do not take part)
    ranked = status[(status["goal_id"] == "3") & (status["target_index"] == 0)]
    # the membership region shows the commuting-rule region's rank, labelled as such
    for geo in (TR, "trondheimsregionen-2020"):
        row = one(status, "3", 0, geo)
        assert row["latest_value"] == 1 and row["status"] == "met"
        assert row["reason_en"].startswith("Trondheim commuting region (10 % rule):")
    assert NORWAY not in set(ranked["geo_code"]) and "5001" not in set(ranked["geo_code"])
    # a fixed territory is not ranked either: it shows its commuting region's rank, labelled
    assert one(status, "3", 0, "oslo")["latest_value"] == 2
    assert one(status, "3", 0, "oslo")["reason_en"].startswith("Oslo commuting region")
    # comparators are judged on the rankings only
    assert set(status.loc[status["geo_code"] == TRP, "direction"]) == {"rank_best"}
    # 3.2 applies to municipalities too: top quartile (percentile ≤ 25)
    assert one(status, "3.2", 0, "5001")["status"] == "met"
    assert one(status, "3.2", 0, "5035")["status"] == "off_track"
    assert one(status, "3.2", 0, TR)["status"] == "met"  # the boundary is met
    assert one(status, "3.2", 0, TR)["indicator_id"] == "building_case_percentile"
    # 3.4's trend applies to municipalities; a region without the series is not judged on it
    trend = status[(status["goal_id"] == "3.4") & (status["geo_code"] == "5001")]
    assert trend["status"].tolist() == ["not_assessed"]  # two points: too short for a trend
    # a target whose indicator is not in the store is "not assessed" for regions and Norway
    gap = status[(status["goal_id"] == "1") & (status["indicator_id"] == "private_job_growth")]
    assert set(gap["status"]) == {"not_assessed"} and TR in set(gap["geo_code"])


def test_geo_codes_limit_the_evaluation():
    store = store_of(
        series("population_change", TR, dict.fromkeys(range(2010, 2025), 4100.0)),
        series("population_change", "oslo", dict.fromkeys(range(2010, 2025), 3900.0)),
    )
    status, _ = evaluate(store, 2024, register=EMPTY_REGISTER, geo_codes=["oslo"])
    assert set(status["geo_code"]) == {"oslo"}


# --- the register ---------------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    """A data folder like the project's whose register folder is empty and temporary."""
    data = tmp_path / "data"
    data.mkdir()
    for item in (paths.PROJECT_ROOT / "data").iterdir():
        if item.name != "register":
            (data / item.name).symlink_to(item)
    (data / "register").mkdir()
    monkeypatch.setenv("TRSPLAN_DATA_DIR", str(data))
    return data


def _fill(template: Path, out: Path, answers: dict[str, str]) -> Path:
    """Answer every member's row of the goals in ``answers``; the first member says "nei" to
    goals whose answer is "mixed" (the others "ja")."""
    wb = openpyxl.load_workbook(template)
    ws = wb[reg.SHEET]
    header = {cell.value: cell.column for cell in ws[1]}
    col = {f: header[h] for f, h, _ in reg.COLUMNS}
    seen: set[str] = set()
    for row in range(2, ws.max_row + 1):
        goal = ws.cell(row, col["goal_id"]).value
        if goal not in answers:
            continue
        answer = answers[goal]
        if answer == "mixed":
            answer = "ja" if goal in seen else "nei"
        seen.add(goal)
        ws.cell(row, col["status"]).value = answer
    wb.save(out)
    return out


def test_the_register_changes_the_qualitative_statuses(data_dir, tmp_path):
    real = sorted(p.name for p in (paths.PROJECT_ROOT / "data" / "register").iterdir())
    store = store_of(series("population_change", TR, dict.fromkeys(range(2010, 2025), 4100.0)))
    before, _ = evaluate(store, 2024)
    assert _one_qual(before, "1.1", TR)["status"] == "not_assessed"
    members = sorted(before.loc[(before["goal_id"] == "1.1"), "geo_code"])
    assert len(members) == 9  # the eight members and the region
    template = write_template(2024, tmp_path / "mal.xlsx")
    filled = _fill(template, tmp_path / "utfylt.xlsx", {"1.1": "ja", "1.2": "mixed"})
    reg.import_register(filled)
    assert (data_dir / "register" / "register_2024.csv").is_file()

    after, _ = evaluate(store, 2024)
    assert _one_qual(after, "1.1", TR)["status"] == "met"
    assert _one_qual(after, "1.1", "5001")["status"] == "met"
    assert _one_qual(after, "1.2", TR)["status"] == "off_track"  # one member said no
    assert _one_qual(after, "1.3", TR)["status"] == "not_assessed"  # nothing registered
    assert _one_qual(after, "2.4", TR)["status"] == "not_assessed"  # not a register goal
    assert _one_qual(after, "1.1", TR)["reason_en"].startswith("worst status")
    # the project's own register was never written
    assert sorted(p.name for p in (paths.PROJECT_ROOT / "data" / "register").iterdir()) == real


def _one_qual(status: pd.DataFrame, goal: str, geo: str) -> pd.Series:
    hit = status[(status["goal_id"] == goal) & (status["geo_code"] == geo)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_register_statuses_show_in_the_table(data_dir, tmp_path):
    store = store_of(series("population_change", TR, dict.fromkeys(range(2010, 2025), 4100.0)))
    template = write_template(2024, tmp_path / "mal.xlsx")
    reg.import_register(_fill(template, tmp_path / "utfylt.xlsx", {"5.4": "delvis"}))
    status, _ = evaluate(store, 2024)
    assert _one_qual(status, "5.4", TR)["status"] == "at_risk"
    table = indicator_table(store, status, 2024, [TR, "5001"])
    row = table[(table["goal_id"] == "5.4") & (table["geo_code"] == TR)]
    assert row["status"].tolist() == ["at_risk"] and row["indicator_id"].tolist() == ["register"]


# --- trsplan indicators --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_store() -> pd.DataFrame:
    return compute.compute_store(Snapshot.open())


SHOWN_GOALS = ["H", "1.5", "3", "3.1", "3.2", "3.4", "4", "5", "5.1", "5.3"]
SHOWN_GEOS = [TR, "oslo", "bergen", "stavanger", "kristiansand", "tromso", NORWAY]


def test_cli_prints_every_goal_for_the_region_comparators_and_norway_offline():
    latest = compute.data_years(Snapshot.open())[-1]
    result = CliRunner().invoke(
        app, ["indicators", "--year", str(latest), "--region", "trondheimsregionen"]
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"goal_id": str, "geo_code": str})
    assert list(table.columns) == TABLE_COLUMNS
    valued = table[table["value"].notna()]
    for goal in SHOWN_GOALS:
        geos = set(valued.loc[valued["goal_id"] == goal, "geo_code"])
        assert set(SHOWN_GEOS) <= geos, (goal, set(SHOWN_GEOS) - geos)
    region = table[table["geo_code"] == TR]
    judged = region[region["status"].notna() & region["target_value"].notna()]
    assert {"H", "3.2", "4", "5.1"} <= set(judged["goal_id"])
    assert set(table["status"].dropna()) <= {
        "met",
        "on_track",
        "at_risk",
        "off_track",
        "not_met",
        "not_assessed",
        "context",
    }
    # the member municipalities are there, other municipalities are not
    municipal = set(table.loc[table["geo_level"] == "municipality", "geo_code"])
    assert municipal == {"5001", "5027", "5028", "5029", "5031", "5035", "5054", "5059"}
    assert table["synthetic"].all()
    h = region[(region["indicator_id"] == "gdp_share_ratio") & region["deadline"].eq(2020)]
    assert len(h) == 1 and h["lower"].notna().all() and h["target_value"].iloc[0] == 1.0


def test_cli_writes_xlsx_and_parquet_atomically(tmp_path, monkeypatch, demo_store):
    monkeypatch.setattr(compute, "compute_store", lambda snapshot, *a, **k: demo_store)
    out = tmp_path / "indikatorer.xlsx"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "indicators",
            "--year",
            "2024",
            "--region",
            "bergen",
            "--format",
            "xlsx",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_excel(out, dtype={"goal_id": str, "geo_code": str})
    assert list(table.columns) == TABLE_COLUMNS
    assert "4601" in set(table["geo_code"]) and TR in set(table["geo_code"])
    assert table["year"].max() <= 2024
    parquet = tmp_path / "indikatorer.parquet"
    result = runner.invoke(
        app, ["indicators", "--year", "2024", "--region", "bergen", "--out", str(parquet)]
    )
    assert result.exit_code == 0, result.output
    assert len(pd.read_parquet(parquet)) == len(table)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["indikatorer.parquet", "indikatorer.xlsx"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--year", "1990"], "outside the data"),
        (["--year", "2031", "--region", "trondheimsregionen"], "outside the data"),
        (["--format", "xlsx"], "--out"),
        (["--format", "pdf"], "unknown format"),
    ],
)
def test_cli_errors_exit_2_with_a_message(args, message):
    result = CliRunner().invoke(app, ["indicators", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_cli_unknown_region(monkeypatch, demo_store):
    monkeypatch.setattr(compute, "compute_store", lambda snapshot, *a, **k: demo_store)
    result = CliRunner().invoke(app, ["indicators", "--region", "narvik"])
    assert result.exit_code == 2 and "unknown region" in result.output
