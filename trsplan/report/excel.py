"""``indicators.xlsx``: a formatted sheet per main goal and a data sheet with the tidy store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from trsplan.fileio import atomic_path
from trsplan.report.text import label

MAIN_GOALS = ["H", "1", "2", "3", "4", "5"]
SHEET_TITLES = {
    "nb": {
        "H": "Mål H",
        "1": "Mål 1",
        "2": "Mål 2",
        "3": "Mål 3",
        "4": "Mål 4",
        "5": "Mål 5",
        "data": "Data",
    },
    "en": {
        "H": "Goal H",
        "1": "Goal 1",
        "2": "Goal 2",
        "3": "Goal 3",
        "4": "Goal 4",
        "5": "Goal 5",
        "data": "Data",
    },
}
HEADER_FILL = PatternFill("solid", fgColor="1F4E79")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def main_goal(goal_id: str) -> str:
    return goal_id.split(".")[0]


def goal_sheet(store: pd.DataFrame, goal: str, geo_codes: list[str], years: list[int], lang: str):
    """Indicator × geography rows with one column per year, for one main goal."""
    rows = store[
        (store["goal_id"].map(main_goal) == goal)
        & store["geo_code"].isin(geo_codes)
        & store["year"].isin(years)
    ]
    if rows.empty:
        return pd.DataFrame()
    # only combinations that exist: a pivot_table over four keys would build their product
    table = (
        rows.set_index(["indicator_id", "unit", "geo_code", "geo_name", "year"])["value"]
        .unstack("year")
        .reindex(columns=years)  # the same year columns on every sheet, empty where no data
        .reset_index()
    )
    table.columns.name = None
    order = {code: i for i, code in enumerate(geo_codes)}
    table = table.sort_values(
        ["indicator_id", "geo_code"], key=lambda s: s.map(order) if s.name == "geo_code" else s
    )
    table.insert(0, "indicator", table["indicator_id"].map(lambda i: label(i, lang)))
    headers = {
        "nb": ["Indikator", "Id", "Enhet", "Kode", "Geografi"],
        "en": ["Indicator", "Id", "Unit", "Code", "Geography"],
    }[lang]
    table.columns = headers + [str(y) for y in table.columns[5:]]
    marks = _estimated_years(rows, lang)
    if marks:
        keys = zip(table["Id"], table[headers[3]], strict=True)
        table[ESTIMATE_HEADER[lang]] = [marks.get(k, "") for k in keys]
    return table


ESTIMATE_HEADER = {"nb": "Anslag (år)", "en": "Estimated years"}
ESTIMATE_TEXT = {
    "nb": {"estimate (survivors only)": "anslag (bare overlevende)"},
    "en": {},
}


def _estimated_years(rows: pd.DataFrame, lang: str) -> dict[tuple[str, str], str]:
    """{(indicator, geo): "2014-2025: estimate (survivors only)"} for rows marked estimates."""
    if "estimate" not in rows.columns:
        return {}
    marked = rows[rows["estimate"].notna()]
    out = {}
    for (indicator, geo), part in marked.groupby(["indicator_id", "geo_code"], sort=False):
        texts = []
        for kind, years in part.groupby("estimate")["year"]:
            kind = ESTIMATE_TEXT[lang].get(str(kind), str(kind))
            texts.append(f"{_spans(sorted(int(y) for y in years))}: {kind}")
        out[(str(indicator), str(geo))] = "; ".join(texts)
    return out


def _spans(years: list[int]) -> str:
    """[2014, 2015, 2016, 2019] -> "2014-2016, 2019"."""
    spans: list[list[int]] = []
    for year in years:
        if spans and year == spans[-1][1] + 1:
            spans[-1][1] = year
        else:
            spans.append([year, year])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def _format(sheet, n_cols: int) -> None:
    for cell in sheet[1]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.freeze_panes = "F2" if n_cols > 5 else "A2"
    for i in range(1, n_cols + 1):
        letter = get_column_letter(i)
        sheet.column_dimensions[letter].width = 34 if i == 1 else (22 if i in (2, 5) else 12)
        if i > 5:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                cell.number_format = "#,##0.00"
    sheet.auto_filter.ref = sheet.dimensions


def write_workbook(
    store: pd.DataFrame, path: Path, geo_codes: list[str], years: list[int], lang: str = "nb"
) -> Path:
    """Write the workbook atomically; sheets for main goals without indicators are omitted."""
    path = Path(path)
    titles = SHEET_TITLES[lang]
    with atomic_path(path) as tmp, pd.ExcelWriter(tmp, engine="openpyxl") as writer:
        for goal in MAIN_GOALS:
            table = goal_sheet(store, goal, geo_codes, years, lang)
            if table.empty:
                continue
            table.to_excel(writer, sheet_name=titles[goal], index=False)
            _format(writer.sheets[titles[goal]], table.shape[1])
        data = store[store["geo_code"].isin(geo_codes)]
        data.to_excel(writer, sheet_name=titles["data"], index=False)
        _format(writer.sheets[titles["data"]], 0)
    return path
