"""The Excel template of the qualitative goals register (``trsplan register-template``).

Its columns, goals and checks come from :mod:`trsplan.evaluation.register`, which also reads a
filled-in template back (``import_register``); this module only lays the workbook out.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from trsplan import geography
from trsplan.evaluation.register import (
    _INPUT_FIELDS,
    COLUMNS,
    GOALS_SHEET,
    GUIDE_SHEET,
    NUMBER_GOALS,
    QUESTIONS_NB,
    REGION,
    SHEET,
    _atomic_save,
    _register_goals,
)

__all__ = ["write_template"]

_STATUS_LIST = "ja,delvis,nei,yes,partly,no"
_HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
_INPUT_FILL = PatternFill("solid", fgColor="FFF2CC")
_NA_FILL = PatternFill("solid", fgColor="E7E6E6")


def write_template(
    year: int,
    path: Path | str,
    municipalities: Iterable[str] | None = None,
    goals: Iterable[str] | None = None,
) -> Path:
    """Write the register template for ``year`` to ``path`` (.xlsx) and return the path.

    One row per municipality (default: the members of Trondheimsregionen in ``year``) and per
    register goal (default: :data:`REGISTER_GOAL_IDS`).
    """
    year = int(year)
    if municipalities is None:
        codes = geography.members(REGION, year)
    else:
        codes = [geography.check_code(c, year) for c in municipalities]
    goal_rows = _register_goals(goals)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = SHEET
    for col, (_, header, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[1].height = 32
    ws.freeze_panes = "E2"
    letter = {field: get_column_letter(i) for i, (field, _, _) in enumerate(COLUMNS, start=1)}

    status_dv = DataValidation(
        type="list",
        formula1=f'"{_STATUS_LIST}"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Ugyldig status",
        error="Velg ja, delvis eller nei (yes, partly, no godtas også).",
        promptTitle="Status",
        prompt="ja = gjennomført, delvis = delvis gjennomført, nei = ikke gjennomført",
        showInputMessage=True,
    )
    count_dv = DataValidation(
        type="whole",
        operator="greaterThanOrEqual",
        formula1="0",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Ugyldig tall",
        error="Oppgi et helt tall, 0 eller mer.",
    )
    share_dv = DataValidation(
        type="decimal",
        operator="between",
        formula1="0",
        formula2="100",
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Ugyldig andel",
        error="Oppgi en andel i prosent mellom 0 og 100.",
    )
    for dv in (status_dv, count_dv, share_dv):
        ws.add_data_validation(dv)

    row = 1
    for code in codes:
        mname = geography.name(code, year)
        for gid, text_nb, _ in goal_rows:
            row += 1
            spec = NUMBER_GOALS.get(gid)
            values = {
                "year": year,
                "municipality_code": code,
                "municipality_name": mname,
                "goal_id": gid,
                "goal_text": text_nb,
                "question": QUESTIONS_NB[gid],
                "number_meaning": spec.text_nb if spec else "– (ikke relevant)",
            }
            for col, (field, _, _) in enumerate(COLUMNS, start=1):
                cell = ws.cell(row=row, column=col, value=values.get(field))
                cell.alignment = Alignment(
                    wrap_text=field in ("goal_text", "question", "evidence"), vertical="top"
                )
                if field in ("municipality_code", "goal_id"):
                    cell.number_format = "@"
            for field in _INPUT_FIELDS:
                ws[f"{letter[field]}{row}"].fill = _INPUT_FILL
            status_dv.add(f"{letter['status']}{row}")
            number_ref = f"{letter['number']}{row}"
            if spec is None:
                ws[number_ref].fill = _NA_FILL
            elif spec.unit == "percent":
                share_dv.add(number_ref)
            else:
                count_dv.add(number_ref)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{max(row, 2)}"

    _write_guide(wb.create_sheet(GUIDE_SHEET), year, len(codes), len(goal_rows))
    _write_goals(wb.create_sheet(GOALS_SHEET), goal_rows)
    wb.properties.title = f"Register for Strategisk næringsplan for Trondheimsregionen {year}"
    wb.properties.creator = "trsplan"
    return _atomic_save(wb.save, Path(path))


def _write_guide(ws: Any, year: int, n_codes: int, n_goals: int) -> None:
    lines = [
        f"Registrering av kvalitative mål – Strategisk næringsplan for Trondheimsregionen, {year}",
        "",
        "Slik fyller du ut arket «Register»:",
        f"1. Arket har én rad per kommune ({n_codes}) og mål ({n_goals}). Ikke endre kolonnene "
        "År, Kommunenr. og Mål, og ikke endre overskriftene i rad 1.",
        "2. Velg status i kolonnen «Status» fra nedtrekkslisten: ja (gjennomført), delvis "
        "(delvis gjennomført) eller nei (ikke gjennomført). yes/partly/no godtas også.",
        "3. Der kolonnen «Tallet gjelder» beskriver et tall, fyll inn kolonnen «Tall»: antall "
        "(helt tall, 0 eller mer) eller andel i prosent (0–100). Ellers skal «Tall» stå tom.",
        "4. Skriv kort dokumentasjon i «Dokumentasjon / kommentar»: hva som ble gjort, når, og "
        "gjerne lenke til saksdokument eller møtereferat.",
        "5. La status stå tom hvis målet ikke er vurdert; da vises det som «ikke vurdert».",
        "",
        "Vurdering: ja = nådd, delvis = i faresonen, nei = ikke i rute, tom = ikke vurdert.",
        "For mål 2.3 og 2.6 avgjør tallet når det er fylt inn: minst ett bedriftsbesøk i året, "
        "og 100 % av de næringsrelevante saksfremstillingene skal redegjøre for planen.",
        "",
        "Innlesing: trsplan register-import <fil>. Alle feil meldes samlet med ark, rad og "
        "kolonne; rett dem og les inn på nytt. En ny innlesing erstatter den forrige for "
        "samme år.",
        "Arket «Mål» har hele målformuleringen for hvert mål.",
    ]
    ws.column_dimensions["A"].width = 120
    for i, text in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws["A1"].font = Font(bold=True, size=13)
    ws["A3"].font = Font(bold=True)


def _write_goals(ws: Any, goal_rows: list[tuple[str, str, str]]) -> None:
    headers = ("Mål", "Målformulering", "Goal (English)", "Hva registreres", "Tallet gjelder")
    widths = (6, 70, 50, 60, 40)
    for col, (header, width) in enumerate(zip(headers, widths, strict=True), start=1):
        cell = ws.cell(row=1, column=col, value=header)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = _HEADER_FILL
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "B2"
    for row, (gid, text_nb, text_en) in enumerate(goal_rows, start=2):
        spec = NUMBER_GOALS.get(gid)
        values = (gid, text_nb, text_en, QUESTIONS_NB[gid], spec.text_nb if spec else "")
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=col, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if col == 1:
                cell.number_format = "@"


# --------------------------------------------------------------------------- import
