"""What ``trsplan report`` hands out besides the HTML: the PDFs, indicators.xlsx, the English set.

All tests read one report set built per session (``report_set`` in conftest.py: the region, 5001
and 5035 in Norwegian); the English set is built once for this module. PDF tests skip where
WeasyPrint cannot run. The analysts' notebook ``notebooks/explore.ipynb`` is executed here too.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from trsplan.paths import notebooks_dir
from trsplan.report.excel import ESTIMATE_HEADER
from trsplan.report.runner import pdf_support

pytestmark = pytest.mark.integration  # everything here runs the report notebooks

NBSP = "\u00a0"
REGION = "trondheimsregionen"
MUNICIPALITIES = {"5001": "Trondheim", "5035": "Stjørdal"}
GOALS = ["H", "1", "2", "3", "4", "5"]  # the plan's main goals, in sheet order
HEADERS = {
    "nb": ["Indikator", "Id", "Enhet", "Kode", "Geografi"],
    "en": ["Indicator", "Id", "Unit", "Code", "Geography"],
}
GOAL_SHEET = {"nb": "Mål {}", "en": "Goal {}"}


def _manifest(year_dir: Path) -> dict:
    return json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))


def _reports(year_dir: Path) -> dict[str, dict]:
    """Report by place: "region", "5001", "5035" (all ok: the fixtures check)."""
    out = {}
    for report in _manifest(year_dir)["reports"]:
        params = report["parameters"]
        out["region" if report["kind"] == "region" else params["municipality"]] = report
    assert "region" in out and set(out) <= {"region", *MUNICIPALITIES}, out
    return out


def _flat(text: str) -> str:
    """Whitespace (line breaks, non-breaking spaces) folded to single spaces."""
    return re.sub(r"\s+", " ", text.replace(NBSP, " ")).strip()


ENGLISH_MUNICIPALITIES = ["5001"]  # the region and one municipality: two reports, one round


# ---- PDF -------------------------------------------------------------------------------------

needs_pdf = pytest.mark.skipif(
    pdf_support() is not None, reason=f"no PDF export here: {pdf_support()}"
)


def _pdf_text(path: Path) -> str:
    """The PDF's text: poppler's pdftotext when installed (the better reader), else pypdf."""
    if shutil.which("pdftotext"):
        run = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=60,
        )
        return run.stdout.decode("utf-8")
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)


def _outline(path: Path) -> list[tuple[int, str]]:
    """The PDF's bookmarks (WeasyPrint makes one per heading) as (depth, title)."""
    from pypdf import PdfReader

    out: list[tuple[int, str]] = []

    def walk(items, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                out.append((depth, _flat(item.title)))

    walk(PdfReader(path).outline, 0)
    return out


@needs_pdf
@pytest.mark.parametrize("place", ["region", *MUNICIPALITIES])
def test_pdf_report(report_set: Path, place: str):
    from pypdf import PdfReader

    report = _reports(report_set)[place]
    assert report["pdf"], f"no PDF recorded for {place}: {report}"
    path = report_set / report["pdf"]
    reader = PdfReader(path)
    # a scorecard, one section per main goal and the methods: a case-document attachment
    assert 1 <= len(reader.pages) <= 40, f"{path.name}: {len(reader.pages)} pages"
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842), "the print stylesheet asks for A4"

    year = _manifest(report_set)["year"]
    name = "Trondheimsregionen" if place == "region" else MUNICIPALITIES[place]
    (depth, title), *rest = _outline(path)
    assert depth == 0 and name in title and str(year) in title, title
    if place != "region":
        assert f"({place})" in title, title
    assert (1, "Metode og kilder") in rest, rest

    text = _flat(_pdf_text(path))
    assert "Demo data (synthetic)" in text
    assert "Metode og kilder" in text
    assert title in text  # the heading is printed, not only bookmarked
    assert "Traceback" not in text and "Error" not in text


# ---- Excel -----------------------------------------------------------------------------------


def _goal_sheets_expected(year_dir: Path, lang: str) -> list[str]:
    """Sheets for the main goals that have indicators in the store, in the plan's order."""
    store = pd.read_parquet(year_dir / "data" / "indicators.parquet", columns=["goal_id"])
    present = {str(g).split(".")[0] for g in store["goal_id"].unique()}
    return [GOAL_SHEET[lang].format(g) for g in GOALS if g in present]


def _rows(sheet) -> list[dict]:
    header = [c.value for c in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(2, values_only=True)]


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_excel_workbook(request, lang: str):
    year_dir = request.getfixturevalue("report_set" if lang == "nb" else "english_set")
    year = _manifest(year_dir)["year"]
    book = openpyxl.load_workbook(year_dir / "indicators.xlsx", read_only=False)
    goal_sheets = _goal_sheets_expected(year_dir, lang)
    assert GOAL_SHEET[lang].format("H") in goal_sheets
    assert book.sheetnames == [*goal_sheets, "Data"]

    store = pd.read_parquet(year_dir / "data" / "indicators.parquet")
    wanted = {REGION, *(MUNICIPALITIES if lang == "nb" else ENGLISH_MUNICIPALITIES)}
    code_col = HEADERS[lang][3]
    for title in goal_sheets:
        sheet = book[title]
        header = [c.value for c in sheet[1]]
        assert header[:5] == HEADERS[lang], header
        years = [h for h in header[5:] if h != ESTIMATE_HEADER[lang]]
        assert years and all(re.fullmatch(r"\d{4}", y) for y in years), years
        assert years == sorted(years) and str(year) in years and "2010" in years
        assert sheet.freeze_panes == "F2"  # names and codes stay in view

        rows = [r for r in _rows(sheet) if any(r[y] is not None for y in years)]
        assert wanted <= {r[code_col] for r in rows}, (
            f"{title}: {sorted({r[code_col] for r in rows})}"
        )

    # goal 4's years counted from a later Brønnøysund extract are marked as estimates
    tech = [r for r in _rows(book[GOAL_SHEET[lang].format("4")]) if r["Id"] == "tech_companies"]
    survivors = "anslag (bare overlevende)" if lang == "nb" else "estimate (survivors only)"
    assert tech and all(survivors in (r[ESTIMATE_HEADER[lang]] or "") for r in tech)

    # a number in the workbook is the number in the store
    goal_5 = _rows(book[GOAL_SHEET[lang].format("5")])
    (row,) = [
        r
        for r in goal_5
        if r["Id"] == "population" and r[code_col] == "5001" and r[str(year)] is not None
    ]
    stored = store.query("indicator_id == 'population' and geo_code == '5001' and year == @year")
    assert row[str(year)] == pytest.approx(float(stored["value"].iloc[0]))

    data = book["Data"]
    assert [c.value for c in data[1]][:3] == ["indicator_id", "goal_id", "geo_code"]
    assert data.freeze_panes == "A2"
    assert wanted <= {r["geo_code"] for r in _rows(data)}


def test_excel_goal_sheet_rows_are_real_places(report_set: Path):
    store = pd.read_parquet(report_set / "data" / "indicators.parquet")
    names = dict(zip(store["geo_code"], store["geo_name"], strict=True))
    units = dict(zip(store["indicator_id"], store["unit"], strict=True))
    book = openpyxl.load_workbook(report_set / "indicators.xlsx")
    for title in book.sheetnames[:-1]:
        for row in _rows(book[title]):
            assert names[row["Kode"]] == row["Geografi"], (title, row)
            assert units[row["Id"]] == row["Enhet"], (title, row)
            assert any(isinstance(v, float | int) for v in list(row.values())[5:]), (title, row)


# ---- languages -------------------------------------------------------------------------------


def _key_figures(page: str) -> str:
    match = re.search(r'<table class="trsplan-keyfigures">.*?</table>', page, re.S)
    assert match, "no key-figure table"
    return html.unescape(match.group(0))


@pytest.mark.parametrize("place", ["region", *MUNICIPALITIES])
def test_norwegian_number_formatting_in_the_key_figures(report_set: Path, place: str):
    report = _reports(report_set)[place]
    table = _key_figures((report_set / report["html"]).read_text(encoding="utf-8"))
    cells = " ".join(re.findall(r"<td>([^<]*)</td>", table))
    assert re.search(rf"\d{NBSP}\d{{3}}", cells), f"no 12{NBSP}345-style number: {cells!r}"
    assert re.search(r"\d,\d", cells), f"no decimal comma: {cells!r}"
    assert not re.search(r"\d,\d{3}(?!\d)|\d\.\d", cells), f"English-style number: {cells!r}"
    assert not re.search(r"(?<![\w\u2212])-\d", cells), "minus must be U+2212, not a hyphen"
    assert "Indikator" in table and "To år før" in table


def test_english_report_set(english_set: Path):
    index = (english_set / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index
    assert "Reports" in index and "Data snapshot" in index and "Demo data (synthetic)" in index
    assert "Rapporter" not in index and "ferdig" not in index

    reports = _reports(english_set)
    assert set(reports) == {"region", *ENGLISH_MUNICIPALITIES}
    for place, report in reports.items():
        page = (english_set / report["html"]).read_text(encoding="utf-8")
        text = _flat(html.unescape(re.sub(r"<[^>]+>", " ", page)))
        assert "Population" in text and "Methods and sources" in text, place
        assert "Demo data (synthetic)" in text
        assert "Metode og kilder" not in text and "Folkemengde" not in text, place
        table = _key_figures(page)
        assert "Indicator" in table and "Two years earlier" in table
        assert re.search(r"\d,\d{3}", table) and NBSP not in table, table

    if pdf_support() is None:
        for report in reports.values():
            assert (1, "Methods and sources") in _outline(english_set / report["pdf"])


def test_norwegian_report_pages_declare_their_language(report_set: Path):
    for report in _reports(report_set).values():
        page = (report_set / report["html"]).read_text(encoding="utf-8")
        assert re.search(r'<html[^>]* lang="nb"', page), report["html"]


def test_report_titles_name_the_place(report_set: Path):
    for place, report in _reports(report_set).items():
        page = (report_set / report["html"]).read_text(encoding="utf-8")
        title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
        assert ("Trondheimsregionen" if place == "region" else MUNICIPALITIES[place]) in title


# ---- the analysts' notebook --------------------------------------------------------------------


def test_explore_notebook_runs(tmp_path: Path):
    import nbformat
    import papermill as pm

    source = notebooks_dir() / "explore.ipynb"
    stored = nbformat.read(source, as_version=4)
    assert stored.metadata.kernelspec.name == "python3"
    assert all(cell.get("id") for cell in stored.cells)

    out = tmp_path / "explore.ipynb"
    pm.execute_notebook(
        str(source),
        str(out),
        kernel_name="python3",
        cwd=str(tmp_path),  # the notebook must not depend on where it is run from
        progress_bar=False,
        start_timeout=120,
        execution_timeout=300,
    )
    executed = nbformat.read(out, as_version=4)
    outputs = [o for c in executed.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    figures = [
        o for o in outputs if "data:image/svg+xml;base64," in o.get("data", {}).get("text/html", "")
    ]
    assert len(figures) >= 2, "the figures section draws nothing"
