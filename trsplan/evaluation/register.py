"""The register of qualitative goals that the member municipalities fill in every year.

Workflow (see ``data/register/README.md``):

1. :func:`trsplan.report.register_template.write_template`
   writes an Excel workbook for a year: sheet ``Register`` with one row per
   member municipality of Trondheimsregionen that year and per register goal
   (:data:`REGISTER_GOAL_IDS`), a drop-down for the status (ja/delvis/nei; yes/partly/no are
   accepted too), a number column where the goal asks for one (:data:`NUMBER_GOALS`) and a column
   for evidence; sheet ``Veiledning`` (instructions, Norwegian) and sheet ``Mål`` (goal texts).
2. The municipalities fill it in; the regional office collects the rows in one workbook.
3. :func:`import_register` validates it (a pandera schema, ``lazy=True``; one year per file)
   and reports *every* bad cell with sheet, Excel row and column in one :class:`RegisterError`;
   a valid file is stored atomically as ``data/register/register_<year>.csv``, replacing an
   earlier import of that year.
4. :func:`load_register` reads the stored registers and :func:`qualitative_status` turns them
   into a status per municipality and goal with :func:`trsplan.evaluation.status.assess` (nothing
   registered → "not assessed").

Goals 2.1, 2.2, 2.3 and 2.6 are register goals although ``data/targets.yaml`` files them as
quantitative (their indicators are computed from this register); the other register goals are the
file's qualitative goals except 2.4 (KOSTRA context, not registered). For 2.3 (business visits)
and 2.6 (share of case documents following the plan) the registered number, when given, is judged
against the goal's target in ``data/targets.yaml`` (annual rule: ≥ 1 visit, 100 %); otherwise,
and for every other goal, the status answer decides (yes → met, partly → at risk, no → off track).

**Size.** Over 500 lines on purpose: the workbook's columns, the per-cell validation schema
(pandera) and the error report that names every bad cell are one contract with the template
(``trsplan.report.register_template``); the checks are many small functions.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from trsplan import geography
from trsplan.errors import BadCell, RegisterError, TargetsFileError, TrsplanError
from trsplan.evaluation import status as st
from trsplan.fileio import atomic_path
from trsplan.paths import register_dir

if TYPE_CHECKING:  # pandera and openpyxl load when a register is read, not with the module
    import pandera.pandas as pa

__all__ = [
    "COLUMNS",
    "NUMBER_GOALS",
    "REGION",
    "REGISTER_COLUMNS",
    "REGISTER_GOAL_IDS",
    "SHEET",
    "BadCell",
    "RegisterError",
    "import_register",
    "load_register",
    "qualitative_status",
    "register_dir",
]

REGION = "trondheimsregionen"
SHEET = "Register"
GUIDE_SHEET = "Veiledning"
GOALS_SHEET = "Mål"

#: The goals scored from the register, in plan order.
REGISTER_GOAL_IDS: tuple[str, ...] = (
    "1.1",
    "1.2",
    "1.3",
    "1.4",
    "2.1",
    "2.2",
    "2.3",
    "2.5",
    "2.6",
    "4.4",
    "5.4",
    "5.5",
)


@dataclass(frozen=True, slots=True)
class NumberSpec:
    """A number a goal asks for: its unit, what it is (Norwegian), and its indicator."""

    unit: str  # "count" (whole number ≥ 0) or "percent" (0–100)
    text_nb: str
    indicator: str | None  # the targets.yaml indicator judged on the number (None: context)
    default_target: float | None = None  # used when targets.yaml has no target for it


#: Goals whose row has a number to fill in.
NUMBER_GOALS: dict[str, NumberSpec] = {
    "2.2": NumberSpec("count", "antall næringssaker knyttet til planen på agendaen", None),
    "2.3": NumberSpec("count", "antall bedriftsbesøk", "register_business_visits", 1.0),
    "2.6": NumberSpec(
        "percent",
        "andel (%) næringsrelevante saksfremstillinger som redegjør for planen",
        "register_case_docs_plan_share",
        100.0,
    ),
}

#: What each goal asks the municipality to register (Norwegian, shown in the template).
QUESTIONS_NB: dict[str, str] = {
    "1.1": "Har kommunen hatt tiltak som kobler næringsliv og FoU/utdanningsmiljøer i år?",
    "1.2": "Har kommunen lagt til rette for innovasjon og gründerskap i eksisterende næringsliv?",
    "1.3": "Har kommunen deltatt i samarbeid mellom næringsliv, FoU/utdanning og offentlige "
    "myndigheter (trippel helix)?",
    "1.4": "Har kommunen arbeidet overfor sentrale myndigheter for FoU, laboratorier og "
    "utdanning i regionen?",
    "2.1": "Har kommunen en felles arena for næringsliv, politikere og administrasjon, og ble de "
    "faste møtene holdt i år?",
    "2.2": "Har næringssaker knyttet til planen stått på agendaen i kommunestyret, og er arbeidet "
    "med planen vurdert i toårsperioden? Oppgi antall saker.",
    "2.3": "Har politikere og administrasjon besøkt bedrifter i år? Oppgi antall besøk.",
    "2.5": "Har kommunen deltatt i tverrpolitisk samarbeid om regionens påvirkningsarbeid?",
    "2.6": "Redegjør næringsrelevante saksfremstillinger for om saken er i tråd med planen? "
    "Oppgi andelen i prosent.",
    "4.4": "Har kommunen arbeidet for at kommersialisering av teknologi bidrar til det grønne "
    "skiftet?",
    "5.4": "Har kommunen brukt merkevaren «teknologihovedstaden» i profileringen?",
    "5.5": "Har kommunen bidratt til å styrke regionens omdømme som innovasjonstyngdepunkt?",
}

#: Template columns: (field, Norwegian header, width). Import finds columns by header.
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("year", "År", 7),
    ("municipality_code", "Kommunenr.", 12),
    ("municipality_name", "Kommune", 18),
    ("goal_id", "Mål", 6),
    ("goal_text", "Målformulering", 60),
    ("question", "Hva registreres", 50),
    ("status", "Status (ja/delvis/nei)", 14),
    ("number", "Tall", 10),
    ("number_meaning", "Tallet gjelder", 30),
    ("evidence", "Dokumentasjon / kommentar", 60),
)
_HEADERS = {field: header for field, header, _ in COLUMNS}
_HEADER_ALIASES: dict[str, str] = {
    **{header.lower(): field for field, header, _ in COLUMNS},
    **{field: field for field, _, _ in COLUMNS},
    "status": "status",
    "year": "year",
    "code": "municipality_code",
    "goal": "goal_id",
}
_REQUIRED = ("year", "municipality_code", "goal_id", "status", "number", "evidence")
_INPUT_FIELDS = ("status", "number", "evidence")

#: Columns of a stored register (``register_<year>.csv``).
REGISTER_COLUMNS: list[str] = [
    "year",
    "municipality_code",
    "municipality_name",
    "goal_id",
    "status",
    "number",
    "evidence",
    "source_file",
]

# --------------------------------------------------------------------------- goals


def _targets() -> Any | None:
    try:
        from trsplan.evaluation.targets import load_targets

        return load_targets()
    except (TargetsFileError, FileNotFoundError, ImportError):
        return None


def _register_goals(goals: Iterable[str] | None) -> list[tuple[str, str, str]]:
    """(id, text_nb, text_en) of the register goals asked for, in plan order."""
    wanted = list(REGISTER_GOAL_IDS) if goals is None else [str(g).strip() for g in goals]
    unknown = [g for g in wanted if g not in REGISTER_GOAL_IDS]
    if unknown:
        raise RegisterError(
            f"not register goals: {', '.join(unknown)}; register goals: "
            f"{', '.join(REGISTER_GOAL_IDS)}"
        )
    targets = _targets()
    out = []
    for gid in REGISTER_GOAL_IDS:
        if gid not in wanted:
            continue
        if targets is not None and gid in targets:
            g = targets.goal(gid)
            out.append((gid, g.text_nb, g.text_en))
        else:
            out.append((gid, QUESTIONS_NB[gid], ""))
    return out


def _number_target(goal_id: str) -> tuple[float, str] | None:
    """(value, direction) of the target judged on a goal's registered number."""
    spec = NUMBER_GOALS.get(goal_id)
    if spec is None or spec.indicator is None:
        return None
    targets = _targets()
    if targets is not None:
        try:
            found = [t for t in targets.targets_for(spec.indicator) if t.is_numeric]
        except TargetsFileError:
            found = []
        if found:
            return float(found[0].value), found[0].direction
    if spec.default_target is None:
        return None
    return spec.default_target, "at_least"


# --------------------------------------------------------------------------- template


def _atomic_save(write: Any, path: Path) -> Path:
    path = Path(path)
    with atomic_path(path) as tmp:
        write(tmp)
    return path


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _norm_year(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, numbers.Integral):
        return int(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, str) and v.strip().isdigit():
        return int(v.strip())
    return v.strip() if isinstance(v, str) else v


def _norm_code(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, numbers.Integral) or (isinstance(v, float) and v.is_integer()):
        return f"{int(v):04d}"  # a number cell lost its leading zero
    return v.strip() if isinstance(v, str) else v


def _norm_goal(v: Any) -> Any:
    if isinstance(v, float | int) and not isinstance(v, bool):
        return f"{v:g}"  # "2.1" typed into a number cell
    return v.strip() if isinstance(v, str) else v


def _norm_status(v: Any) -> Any:
    return v.strip().lower() if isinstance(v, str) else v


_NUMBER_RE = re.compile(r"^[+-]?\d+([.,]\d+)?\s*%?$")


def _norm_number(v: Any) -> Any:
    if isinstance(v, bool):
        return v
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        text = v.strip().replace("\u00a0", "").replace(" ", "")
        if _NUMBER_RE.match(text):
            return float(text.rstrip("%").replace(",", "."))
    return v


_NORMALISE = {
    "year": _norm_year,
    "municipality_code": _norm_code,
    "goal_id": _norm_goal,
    "status": _norm_status,
    "number": _norm_number,
    "evidence": lambda v: str(v).strip() if not isinstance(v, str) else v.strip(),
}


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_num(v: Any) -> bool:
    return isinstance(v, float) and math.isfinite(v)


def _code_ok_in_year(row: pd.Series) -> bool:
    code, year = row["municipality_code"], row["year"]
    if not (isinstance(code, str) and len(code) == 4 and code.isdigit()) or not _is_int(year):
        return True  # reported by the element checks
    if not geography.first_year() <= year <= geography.last_year():
        return True
    return code in geography.valid_codes(year)


def _share_ok(row: pd.Series) -> bool:
    spec = NUMBER_GOALS.get(row["goal_id"]) if isinstance(row["goal_id"], str) else None
    v = row["number"]
    if spec is None or spec.unit != "percent" or not _is_num(v):
        return True
    return v <= 100.0


def _count_ok(row: pd.Series) -> bool:
    spec = NUMBER_GOALS.get(row["goal_id"]) if isinstance(row["goal_id"], str) else None
    v = row["number"]
    if spec is None or spec.unit != "count" or not _is_num(v):
        return True
    return float(v).is_integer()


def _number_allowed(row: pd.Series) -> bool:
    gid = row["goal_id"]
    if not isinstance(gid, str) or gid not in REGISTER_GOAL_IDS or _blank_cell(row["number"]):
        return True
    return gid in NUMBER_GOALS


def _file_year(frame: pd.DataFrame) -> int | None:
    """The year most rows give (the earliest on a tie): the year the file registers."""
    years = [v for v in frame["year"] if _is_int(v)]
    if not years:
        return None
    counts = pd.Series(years).value_counts()
    return int(min(counts[counts == counts.max()].index))


def _one_year(frame: pd.DataFrame) -> pd.Series:
    year = _file_year(frame)
    return frame["year"].map(lambda v: not _is_int(v) or year is None or v == year).astype(bool)


def _blank_cell(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA


def _row_checks(fn: Any) -> Any:
    return lambda frame: frame.apply(fn, axis=1).astype(bool)


def _schema() -> pa.DataFrameSchema:
    import pandera.pandas as pa

    y0, y1 = geography.first_year(), geography.last_year()

    def element(name: str, fn: Any) -> pa.Check:
        def safe(v: Any) -> bool:
            try:
                return bool(fn(v))
            except Exception:  # a check must answer, never raise
                return False

        return pa.Check(safe, element_wise=True, name=name)

    return pa.DataFrameSchema(
        {
            "year": pa.Column(
                None, element("year_range", lambda v: _is_int(v) and y0 <= v <= y1), nullable=False
            ),
            "municipality_code": pa.Column(
                None,
                element("code_format", lambda v: isinstance(v, str) and re.fullmatch(r"\d{4}", v)),
                nullable=False,
            ),
            "goal_id": pa.Column(
                None, element("goal_known", lambda v: v in REGISTER_GOAL_IDS), nullable=False
            ),
            "status": pa.Column(
                None, element("status_allowed", lambda v: v in st.ANSWERS), nullable=True
            ),
            "number": pa.Column(
                None,
                [
                    element("number_numeric", _is_num),
                    element("number_nonnegative", lambda v: not _is_num(v) or v >= 0),
                ],
                nullable=True,
            ),
            "evidence": pa.Column(None, nullable=True),
        },
        checks=[
            pa.Check(_row_checks(_code_ok_in_year), name="code_valid_in_year"),
            pa.Check(_row_checks(_share_ok), name="share_at_most_100"),
            pa.Check(_row_checks(_count_ok), name="count_whole"),
            pa.Check(_row_checks(_number_allowed), name="number_not_asked"),
            pa.Check(
                lambda f: ~f.duplicated(["year", "municipality_code", "goal_id"], keep="first"),
                name="unique_row",
            ),
            pa.Check(_one_year, name="one_year"),
        ],
        strict=False,
    )


#: Frame-level checks: the column their failures belong to.
_FRAME_CHECK_COLUMN = {
    "code_valid_in_year": "municipality_code",
    "share_at_most_100": "number",
    "count_whole": "number",
    "number_not_asked": "number",
    "unique_row": "goal_id",
    "one_year": "year",
}


def _problem(
    check: str, value: Any, row: dict[str, Any], y0: int, y1: int, file_year: int | None
) -> str:
    v = repr(value.strip() if isinstance(value, str) else value)
    if check == "not_nullable":
        return "required; the cell is empty"
    if check == "year_range":
        return f"{v} is not a year between {y0} and {y1}"
    if check == "code_format":
        return f"{v} is not a 4-digit municipality code (e.g. '5001')"
    if check == "code_valid_in_year":
        try:
            geography.check_code(value, row["year"])
        except TrsplanError as exc:
            return f"{v} is not a municipality code valid in {row['year']}: {exc}"
        return f"{v} is not a municipality code valid in {row['year']}"
    if check == "goal_known":
        return f"{v} is not a register goal; use one of {', '.join(REGISTER_GOAL_IDS)}"
    if check == "status_allowed":
        return f"{v} is not an allowed status; use ja/delvis/nei (or yes/partly/no)"
    if check == "number_numeric":
        return f"{v} is not a number"
    if check == "number_nonnegative":
        return f"{v} is negative; numbers must be 0 or more"
    if check == "share_at_most_100":
        return f"{v} is not a share in percent between 0 and 100 (goal {row['goal_id']})"
    if check == "count_whole":
        return f"{v} is not a whole number (goal {row['goal_id']} asks for a count)"
    if check == "number_not_asked":
        return f"goal {row['goal_id']} asks for no number; leave the cell empty"
    if check == "unique_row":
        return (
            f"municipality {row['municipality_code']} and goal {row['goal_id']} appear more "
            f"than once for {row['year']}"
        )
    if check == "one_year":
        return f"{v} differs from the file's year {file_year}; register one year per file"
    return f"{v} fails {check}"


def _read_workbook(path: Path) -> tuple[pd.DataFrame, dict[str, tuple[str, str]]]:
    """Raw rows of the Register sheet (object columns, ``_row`` = Excel row) and, per field,
    (column letter, header)."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except FileNotFoundError:
        raise RegisterError(f"{path}: no such file") from None
    except Exception as exc:  # openpyxl raises several types for a non-xlsx file
        raise RegisterError(f"{path}: not an Excel (.xlsx) workbook ({exc})") from exc
    try:
        if SHEET not in wb.sheetnames:
            raise RegisterError(
                f"{path}: no sheet {SHEET!r} (sheets: {', '.join(wb.sheetnames)}); use the "
                "template from `trsplan register-template`"
            )
        rows = list(wb[SHEET].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise RegisterError(f"{path}: sheet {SHEET!r} is empty")
    where: dict[str, tuple[str, str]] = {}
    for i, header in enumerate(rows[0]):
        if header is None:
            continue
        field = _HEADER_ALIASES.get(str(header).strip().lower())
        if field and field not in where:
            where[field] = (get_column_letter(i + 1), str(header).strip())
    missing = [f for f in _REQUIRED if f not in where]
    if missing:
        raise RegisterError(
            f"{path}: sheet {SHEET!r} row 1 lacks the column(s) "
            + ", ".join(repr(_HEADERS[f]) for f in missing)
            + "; do not rename the template's headers"
        )
    index = {f: openpyxl.utils.column_index_from_string(where[f][0]) - 1 for f in where}
    records = []
    for excel_row, values in enumerate(rows[1:], start=2):
        cells = {f: (values[i] if i < len(values) else None) for f, i in index.items()}
        if all(_is_blank(cells.get(f)) for f in _REQUIRED):
            continue
        rec: dict[str, Any] = {"_row": excel_row}
        for f in _REQUIRED:
            raw = cells.get(f)
            rec[f] = None if _is_blank(raw) else _NORMALISE[f](raw)
            rec[f"_raw_{f}"] = raw
        records.append(rec)
    raw_cols = [f"_raw_{f}" for f in _REQUIRED]
    frame = pd.DataFrame(records, columns=["_row", *_REQUIRED, *raw_cols], dtype=object)
    return frame, where


def _validate(frame: pd.DataFrame, where: dict[str, tuple[str, str]], path: Path) -> None:
    import pandera.pandas as pa

    data = frame[list(_REQUIRED)]
    try:
        _schema().validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        fc = exc.failure_cases
    else:
        return
    y0, y1 = geography.first_year(), geography.last_year()
    file_year = _file_year(data)
    bad: dict[tuple[int, str], BadCell] = {}
    unmapped: list[str] = []
    for rec in fc.to_dict("records"):
        check = str(rec["check"])
        idx = rec["index"]
        column = _FRAME_CHECK_COLUMN.get(check, rec["column"])
        frame_check = rec["schema_context"] == "DataFrameSchema" and check in _FRAME_CHECK_COLUMN
        if frame_check and rec["column"] != column:
            continue  # frame-level checks report every column of a bad row
        if idx is None or pd.isna(idx) or column not in where:
            unmapped.append(f"{column}: {check} ({rec['failure_case']!r})")
            continue
        idx = int(idx)
        row = data.loc[idx].to_dict()
        excel_row = int(frame.loc[idx, "_row"])
        key = (excel_row, column)
        if key in bad:
            continue  # one problem per cell is enough
        letter, header = where[column]
        value = frame.loc[idx, f"_raw_{column}"]
        bad[key] = BadCell(
            SHEET, excel_row, letter, header, value, _problem(check, value, row, y0, y1, file_year)
        )
    cells = sorted(bad.values(), key=lambda c: (c.row, c.column))
    lines = [str(c) for c in cells] + unmapped
    raise RegisterError(
        f"{path}: {len(lines)} bad cell(s); fix them and import again:\n  " + "\n  ".join(lines),
        cells,
    )


def _typed(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "year": frame["year"].astype("int64"),
            "municipality_code": frame["municipality_code"].astype("string"),
            "goal_id": frame["goal_id"].astype("string"),
            "status": frame["status"].map(lambda v: None if v is None else st.ANSWERS[v]),
            "number": pd.to_numeric(frame["number"], errors="raise").astype("float64"),
            "evidence": frame["evidence"].astype("string"),
        }
    )
    out["status"] = out["status"].astype("string")
    out["municipality_name"] = [
        geography.name(c, int(y))
        for c, y in zip(out["municipality_code"], out["year"], strict=True)
    ]
    out["municipality_name"] = out["municipality_name"].astype("string")
    out["source_file"] = pd.Series(source, index=out.index, dtype="string")
    order = {g: i for i, g in enumerate(REGISTER_GOAL_IDS)}
    out["_order"] = out["goal_id"].map(order)
    out = out.sort_values(["year", "municipality_code", "_order"], kind="stable")
    return out[REGISTER_COLUMNS].reset_index(drop=True)


def _conform(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.reindex(columns=REGISTER_COLUMNS).copy()
    out["year"] = out["year"].astype("int64")
    for col in (
        "municipality_code",
        "municipality_name",
        "goal_id",
        "status",
        "evidence",
        "source_file",
    ):
        out[col] = out[col].astype("string")
    out["number"] = out["number"].astype("float64")
    return out.reset_index(drop=True)


def import_register(path: Path | str) -> pd.DataFrame:
    """Validate a filled-in register workbook and store it; returns the validated rows.

    Every bad cell is reported in one :class:`RegisterError` (``.cells`` lists them). A file
    registers one year (rows with another year are bad cells). A valid file is stored as
    ``register_<year>.csv`` in :func:`register_dir`, replacing an earlier import of that year
    (written to a temporary file, then renamed, so a failed import leaves the old one intact).
    """
    path = Path(path)
    frame, where = _read_workbook(path)
    if frame.empty:
        raise RegisterError(f"{path}: sheet {SHEET!r} has no rows below the header")
    _validate(frame, where, path)
    register = _typed(frame, path.name)
    year = int(register["year"].iloc[0])
    target = register_dir() / f"register_{year}.csv"
    _atomic_save(lambda tmp: register.to_csv(tmp, index=False), target)
    return register


def load_register(year: int | None = None) -> pd.DataFrame:
    """The stored registers (all years, or one year); an empty frame when none is stored."""
    folder = register_dir()
    if year is not None:
        files = [folder / f"register_{int(year)}.csv"]
    else:
        files = sorted(folder.glob("register_*.csv")) if folder.is_dir() else []
    parts = [
        pd.read_csv(
            f,
            dtype={
                "municipality_code": "string",
                "goal_id": "string",
                "status": "string",
                "evidence": "string",
                "municipality_name": "string",
                "source_file": "string",
            },
            keep_default_na=False,
            na_values={"status": [""], "evidence": [""], "number": [""]},
        )
        for f in files
        if f.is_file()
    ]
    if not parts:
        return _conform(pd.DataFrame(columns=REGISTER_COLUMNS))
    return _conform(pd.concat(parts, ignore_index=True))


def qualitative_status(register: pd.DataFrame | None, year: int) -> pd.DataFrame:
    """Status per member municipality of Trondheimsregionen in ``year`` and per register goal.

    ``register`` None reads the stored register of ``year``. Goals with a number target (2.3,
    2.6) are judged on the number when one is registered, the others on the answer; a goal with
    nothing registered is "not assessed".
    """
    year = int(year)
    if register is None:
        register = load_register(year)
    rows = register[register["year"] == year] if len(register) else register
    by_key = {(str(r.municipality_code), str(r.goal_id)): r for r in rows.itertuples(index=False)}
    records = []
    for code in geography.members(REGION, year):
        mname = geography.name(code, year)
        for gid in REGISTER_GOAL_IDS:
            r = by_key.get((code, gid))
            answer = None if r is None or pd.isna(r.status) else str(r.status)
            number = None if r is None or pd.isna(r.number) else float(r.number)
            target = _number_target(gid) if number is not None else None
            if target is not None:
                result = st.assess(
                    _NumberTarget(value=target[0], direction=target[1]),
                    pd.Series([number], index=[year]),
                )
            else:
                result = st.assess(None, answer=answer)
            records.append(
                {
                    "year": year,
                    "municipality_code": code,
                    "municipality_name": mname,
                    "goal_id": gid,
                    "answer": answer,
                    "number": number,
                    "status": str(result.status),
                    "symbol": result.symbol,
                    "label_nb": result.label("nb"),
                    "label_en": result.label("en"),
                    "rule": result.rule,
                    "reason_nb": result.reason_nb,
                    "reason_en": result.reason_en,
                }
            )
    out = pd.DataFrame(records)
    for col in out.columns:
        if col == "year":
            out[col] = out[col].astype("int64")
        elif col == "number":
            out[col] = out[col].astype("float64")
        else:
            out[col] = out[col].astype("string")
    return out


@dataclass(frozen=True, slots=True)
class _NumberTarget:
    """An annual target on a registered number (fits :class:`.status.TargetLike`)."""

    value: float
    direction: str
    deadline: int | None = None
    basis: str = "level"
    baseline_year: int | None = None
