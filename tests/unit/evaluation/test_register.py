"""The qualitative goals register (trsplan.evaluation.register): template, import, storage,
status."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from trsplan import geography
from trsplan.cli_output import register_import_command, register_template_command
from trsplan.errors import TrsplanError
from trsplan.evaluation import register as reg
from trsplan.report.register_template import write_template

MEMBERS_2024 = ["5001", "5027", "5028", "5029", "5031", "5035", "5054", "5059"]


@pytest.fixture(autouse=True)
def _store(tmp_path, monkeypatch):
    """Imports go to a temporary folder, never to the project's data/register."""
    monkeypatch.setattr(reg, "register_dir", lambda: tmp_path / "store")


@pytest.fixture
def template(tmp_path) -> Path:
    return write_template(2024, tmp_path / "mal.xlsx")


def _header_col(ws, field: str) -> int:
    header = dict((f, h) for f, h, _ in reg.COLUMNS)[field]
    for cell in ws[1]:
        if cell.value == header:
            return cell.column
    raise AssertionError(field)


def fill(path: Path, out: Path, answers: dict[tuple[str, str], dict[str, object]]) -> Path:
    """Fill cells of the Register sheet: {(code, goal): {field: value}}; returns ``out``."""
    wb = openpyxl.load_workbook(path)
    ws = wb[reg.SHEET]
    code_col, goal_col = _header_col(ws, "municipality_code"), _header_col(ws, "goal_id")
    done = set()
    for row in range(2, ws.max_row + 1):
        key = (ws.cell(row, code_col).value, ws.cell(row, goal_col).value)
        for field, value in answers.get(key, {}).items():
            ws.cell(row, _header_col(ws, field)).value = value
            done.add(key)
    assert done == set(answers), f"rows not found: {set(answers) - done}"
    wb.save(out)
    return out


def row_of(path: Path, code: str, goal: str) -> int:
    ws = openpyxl.load_workbook(path)[reg.SHEET]
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 2).value == code and ws.cell(row, 4).value == goal:
            return row
    raise AssertionError((code, goal))


def status_of(frame: pd.DataFrame, code: str, goal: str) -> str:
    hit = frame[(frame["municipality_code"] == code) & (frame["goal_id"] == goal)]
    assert len(hit) == 1
    return str(hit["status"].iloc[0])


# --------------------------------------------------------------------------- template


def test_template_layout(template):
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames == [reg.SHEET, "Veiledning", "Mål"]
    ws = wb[reg.SHEET]
    assert [c.value for c in ws[1]] == [h for _, h, _ in reg.COLUMNS]
    assert ws["A1"].font.bold
    assert ws.freeze_panes == "E2"
    assert ws.max_row == 1 + len(MEMBERS_2024) * len(reg.REGISTER_GOAL_IDS)
    codes = {ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}
    goals = [ws.cell(r, 4).value for r in range(2, 2 + len(reg.REGISTER_GOAL_IDS))]
    assert sorted(codes) == MEMBERS_2024
    assert goals == list(reg.REGISTER_GOAL_IDS)
    assert all(ws.cell(r, 1).value == 2024 for r in range(2, ws.max_row + 1))
    assert ws["C2"].value == geography.name("5001", 2024)
    assert ws["E2"].value.startswith("Trondheimsregionen skal etablere den beste praksis")


def test_template_validations(template):
    ws = openpyxl.load_workbook(template)[reg.SHEET]
    dvs = ws.data_validations.dataValidation
    lists = [dv for dv in dvs if dv.type == "list"]
    assert len(lists) == 1
    assert lists[0].formula1 == '"ja,delvis,nei,yes,partly,no"'
    assert "G2" in lists[0].sqref and f"G{ws.max_row}" in lists[0].sqref
    share = next(dv for dv in dvs if dv.type == "decimal")
    assert (share.formula1, share.formula2) == ("0", "100")
    assert f"H{row_of(template, '5001', '2.6')}" in share.sqref
    count = next(dv for dv in dvs if dv.type == "whole")
    assert f"H{row_of(template, '5001', '2.3')}" in count.sqref


def test_template_instructions_and_goals(template):
    wb = openpyxl.load_workbook(template)
    guide = " ".join(str(c.value) for c in wb["Veiledning"]["A"] if c.value)
    assert "Status" in guide and "ja" in guide and "delvis" in guide and "2024" in guide
    goals = wb["Mål"]
    assert [goals.cell(r, 1).value for r in range(2, goals.max_row + 1)] == list(
        reg.REGISTER_GOAL_IDS
    )


def test_template_for_an_earlier_year_has_that_years_members(tmp_path):
    path = write_template(2015, tmp_path / "t2015.xlsx", goals=["2.1", "5.4"])
    ws = openpyxl.load_workbook(path)[reg.SHEET]
    assert ws.max_row == 1 + 10 * 2
    assert "1601" in {ws.cell(r, 2).value for r in range(2, ws.max_row + 1)}


def test_template_rejects_unknown_goals_and_codes(tmp_path):
    with pytest.raises(reg.RegisterError, match="2.4"):
        write_template(2024, tmp_path / "x.xlsx", goals=["2.4"])
    with pytest.raises(TrsplanError):
        write_template(2024, tmp_path / "x.xlsx", municipalities=["1601"])


# --------------------------------------------------------------------------- round trip


def test_round_trip_changes_statuses(template, tmp_path):
    before = reg.qualitative_status(reg.load_register(2024), 2024)
    assert len(before) == len(MEMBERS_2024) * len(reg.REGISTER_GOAL_IDS)
    assert set(before["status"]) == {"not_assessed"}

    filled = fill(
        template,
        tmp_path / "filled.xlsx",
        {
            ("5001", "2.1"): {"status": "yes", "evidence": "Næringsforum, 4 møter"},
            ("5035", "1.1"): {"status": "delvis"},
            ("5028", "5.4"): {"status": "Nei"},
            ("5001", "2.3"): {"status": "ja", "number": 12},
            ("5059", "2.3"): {"status": "ja", "number": 0},  # the number decides
            ("5001", "2.6"): {"number": 100},
            ("5031", "2.6"): {"number": "80,5"},
        },
    )
    imported = reg.import_register(filled)
    assert list(imported.columns) == reg.REGISTER_COLUMNS
    assert len(imported) == len(before)
    assert (tmp_path / "store" / "register_2024.csv").is_file()

    stored = reg.load_register()
    assert stored.dtypes["municipality_code"] == "string"
    assert stored.dtypes["year"] == "int64"
    pd.testing.assert_frame_equal(stored, imported)
    row = stored[(stored.municipality_code == "5001") & (stored.goal_id == "2.1")].iloc[0]
    assert row["status"] == "yes" and row["evidence"] == "Næringsforum, 4 møter"
    assert row["source_file"] == "filled.xlsx"

    after = reg.qualitative_status(None, 2024)
    assert status_of(after, "5001", "2.1") == "met"
    assert status_of(after, "5035", "1.1") == "at_risk"
    assert status_of(after, "5028", "5.4") == "off_track"
    assert status_of(after, "5001", "2.3") == "met"
    assert status_of(after, "5059", "2.3") == "off_track"
    assert status_of(after, "5001", "2.6") == "met"
    assert status_of(after, "5031", "2.6") == "off_track"
    assert status_of(after, "5027", "2.1") == "not_assessed"
    assert (after["status"] != "not_assessed").sum() == 7
    met = after[after["status"] == "met"].iloc[0]
    assert met["symbol"] == "✔" and met["label_nb"] == "nådd" and met["label_en"] == "met"


def test_reimport_replaces_the_same_year(template, tmp_path):
    first = fill(template, tmp_path / "a.xlsx", {("5001", "2.1"): {"status": "nei"}})
    reg.import_register(first)
    assert status_of(reg.qualitative_status(None, 2024), "5001", "2.1") == "off_track"
    second = fill(template, tmp_path / "b.xlsx", {("5001", "2.1"): {"status": "ja"}})
    reg.import_register(second)
    assert [p.name for p in (tmp_path / "store").iterdir()] == ["register_2024.csv"]
    stored = reg.load_register()
    assert set(stored["source_file"]) == {"b.xlsx"}
    assert status_of(reg.qualitative_status(stored, 2024), "5001", "2.1") == "met"


def test_codes_typed_as_numbers_and_blank_rows_are_accepted(template, tmp_path):
    path = fill(template, tmp_path / "n.xlsx", {("5001", "1.1"): {"status": "yes"}})
    wb = openpyxl.load_workbook(path)
    ws = wb[reg.SHEET]
    ws["B2"].value = 5001  # Excel number cell
    ws.append([None] * len(reg.COLUMNS))  # an empty row at the end
    wb.save(path)
    out = reg.import_register(path)
    assert out.loc[0, "municipality_code"] == "5001"


def test_load_register_when_nothing_is_stored():
    empty = reg.load_register()
    assert empty.empty and list(empty.columns) == reg.REGISTER_COLUMNS
    assert reg.load_register(2019).empty


# --------------------------------------------------------------------------- bad files


def test_every_bad_cell_is_reported_once(template, tmp_path):
    rows = {
        "status": row_of(template, "5001", "1.2"),
        "code": row_of(template, "5028", "1.1"),
        "share": row_of(template, "5035", "2.6"),
    }
    wb = openpyxl.load_workbook(template)
    ws = wb[reg.SHEET]
    ws[f"G{rows['status']}"] = "kanskje"
    ws[f"B{rows['code']}"] = "501"
    ws[f"H{rows['share']}"] = 140
    wb.save(tmp_path / "bad.xlsx")

    with pytest.raises(reg.RegisterError) as info:
        reg.import_register(tmp_path / "bad.xlsx")
    err = info.value
    cells = {(c.sheet, c.row, c.column, c.column_name) for c in err.cells}
    assert cells == {
        ("Register", rows["status"], "G", "Status (ja/delvis/nei)"),
        ("Register", rows["code"], "B", "Kommunenr."),
        ("Register", rows["share"], "H", "Tall"),
    }
    text = str(err)
    assert "3 bad cell(s)" in text
    assert f"Register!G{rows['status']} (Status (ja/delvis/nei)): 'kanskje'" in text
    assert f"Register!B{rows['code']} (Kommunenr.): '501'" in text
    assert f"Register!H{rows['share']} (Tall): 140" in text
    assert isinstance(err, TrsplanError)
    assert not (tmp_path / "store").exists()  # nothing stored


def test_more_kinds_of_bad_cells(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb[reg.SHEET]
    r11, r23, r26 = (row_of(template, "5001", g) for g in ("1.1", "2.3", "2.6"))
    ws[f"A{r11}"] = "i fjor"  # year
    ws[f"H{r11}"] = 3  # no number for 1.1
    ws[f"H{r23}"] = 2.5  # visits must be whole
    ws[f"H{r26}"] = -1  # negative share
    ws[f"B{r26 + 1}"] = "1601"  # valid code, but not in 2024
    ws[f"D{r26 + 2}"] = "2.4"  # not a register goal
    ws[f"B{r26 + 3}"] = None  # required
    ws[f"H{row_of(template, '5027', '2.3')}"] = "mange"  # not a number
    wb.save(tmp_path / "bad2.xlsx")
    with pytest.raises(reg.RegisterError) as info:
        reg.import_register(tmp_path / "bad2.xlsx")
    got = {(c.row, c.column): c.problem for c in info.value.cells}
    assert len(got) == 8
    assert "not a year" in got[(r11, "A")]
    assert "asks for no number" in got[(r11, "H")]
    assert "whole number" in got[(r23, "H")]
    assert "negative" in got[(r26, "H")]
    assert "in 2024 use 5001" in got[(r26 + 1, "B")]
    assert "not a register goal" in got[(r26 + 2, "D")]
    assert "empty" in got[(r26 + 3, "B")]


def test_one_year_per_file(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    wb[reg.SHEET]["A5"] = 2023
    wb.save(tmp_path / "years.xlsx")
    with pytest.raises(reg.RegisterError) as info:
        reg.import_register(tmp_path / "years.xlsx")
    [cell] = info.value.cells
    assert (cell.row, cell.column) == (5, "A") and "2024" in cell.problem


def test_duplicate_rows_are_reported(template, tmp_path):
    wb = openpyxl.load_workbook(template)
    ws = wb[reg.SHEET]
    ws["D3"] = ws["D2"].value  # two rows for 5001 / 1.1
    wb.save(tmp_path / "dup.xlsx")
    with pytest.raises(reg.RegisterError) as info:
        reg.import_register(tmp_path / "dup.xlsx")
    assert [(c.row, c.column) for c in info.value.cells] == [(3, "D")]


def test_structural_problems(template, tmp_path):
    with pytest.raises(reg.RegisterError, match="no such file"):
        reg.import_register(tmp_path / "missing.xlsx")
    (tmp_path / "junk.xlsx").write_text("not a workbook")
    with pytest.raises(reg.RegisterError, match="not an Excel"):
        reg.import_register(tmp_path / "junk.xlsx")
    wb = openpyxl.load_workbook(template)
    wb[reg.SHEET]["G1"] = "Svar"
    wb.save(tmp_path / "renamed.xlsx")
    with pytest.raises(reg.RegisterError, match="Status"):
        reg.import_register(tmp_path / "renamed.xlsx")
    wb[reg.SHEET].title = "Ark1"
    wb.save(tmp_path / "nosheet.xlsx")
    with pytest.raises(reg.RegisterError, match="no sheet 'Register'"):
        reg.import_register(tmp_path / "nosheet.xlsx")


# --------------------------------------------------------------------------- CLI helpers


def test_cli_helpers(tmp_path):
    buf = io.StringIO()
    console = Console(file=buf, width=120)
    path = register_template_command(2024, tmp_path / "cli.xlsx", console=console)
    assert path.is_file() and "8 municipalities" in buf.getvalue()
    filled = fill(path, tmp_path / "cli_f.xlsx", {("5001", "2.1"): {"status": "ja"}})
    assert register_import_command(filled, console=console) == 0
    assert "✔ nådd" in buf.getvalue() and "register_2024.csv" in buf.getvalue()
    wb = openpyxl.load_workbook(filled)
    wb[reg.SHEET]["G2"] = "tja"
    wb.save(tmp_path / "cli_bad.xlsx")
    assert register_import_command(tmp_path / "cli_bad.xlsx", console=console) == 2
    assert "Register!G2" in buf.getvalue()
