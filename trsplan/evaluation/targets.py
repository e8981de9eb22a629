"""The plan's goals and targets, read from ``data/targets.yaml`` and validated at load.

``load_targets()`` returns a :class:`Targets` object: every goal of GOALS.md in file order (overall
goal H, main goals 1–5 and their sub-goals), each with its Norwegian and English wording, kind,
indicator ids and numeric or comparison targets. Indicator ids are those of the indicator
catalogue (``data/indicators.yaml``, :mod:`trsplan.indicators.catalogue`), which labels them.

(Over 500 lines: the public dataclasses and the schema that builds them, with the wording of its
error messages, are one unit; the YAML line bookkeeping lives in :mod:`trsplan.yamlschema`.)

The file is checked by a pydantic schema (the ``_*Model`` classes below). Every problem raises
:class:`~trsplan.errors.TargetsFileError` with the file, the line number and the goal id, what is
wrong and what is allowed, e.g.::

    data/targets.yaml:212: goal '3.2': unknown direction 'lower'; allowed: at_least, at_most,
    decrease, increase, rank_best

Target semantics (used by the evaluation code):

- ``direction``: ``at_least`` / ``at_most`` compare with ``value``; ``increase`` / ``decrease`` are
  trend goals (``value`` is null), compared with ``baseline_year`` when given; ``rank_best`` means
  best in ``comparison`` (``value`` is null).
- ``basis``: ``level`` (default) is the indicator's value in the year; ``ratio_to_baseline`` is
  the value divided by the value in ``baseline_year`` (goal 4's doubling: 2.0);
  ``cumulative_since_baseline`` sums the annual values (flows during each year) from
  ``baseline_year`` through the evaluated year Y and compares the sum with
  ``value × (Y − baseline_year + 1)`` (goal 5.1: growth from the population on 1 January 2010).
- ``deadline``: the year by which the target must be met; null means it is checked every year.
- ``direction: context``: the plan sets no target; the indicator is shown with its trend and is
  never judged met or missed (goal 5.3).
- ``operationalisation``: where a target is our reading of the plan's words, the plan's own
  words (``plan_words``, quoted) and the reading (``reading_nb`` / ``reading_en``); reports show
  them in the methods section.

**Size.** Over 500 lines: the frozen data classes the evaluation reads, the pydantic schema that
checks the file (with file:line errors) and the builder between them belong together.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import ErrorDetails

from trsplan.errors import TargetsFileError
from trsplan.indicators.catalogue import UNITS as CATALOGUE_UNITS
from trsplan.indicators.catalogue import Catalogue, IndicatorEntry, load_catalogue
from trsplan.paths import targets_path
from trsplan.yamlschema import (
    DuplicateKeyError,
    Text,
    YamlSyntaxError,
    error_loc,
    field_error,
    line_of,
    load_marked,
    node_at,
    raw_float,
)

__all__ = [
    "BASES",
    "DIRECTIONS",
    "KINDS",
    "LEVELS",
    "UNITS",
    "YEAR_MAX",
    "YEAR_MIN",
    "Goal",
    "Indicator",
    "Operationalisation",
    "PlanSource",
    "Target",
    "Targets",
    "default_targets_path",
    "load_targets",
]

KINDS: tuple[str, ...] = ("quantitative", "qualitative", "not_available")
DIRECTIONS: tuple[str, ...] = (
    "at_least",
    "at_most",
    "increase",
    "decrease",
    "rank_best",
    "context",
)
#: Directions that compare with a number; the others are trend or ranking goals with value null.
NUMERIC_DIRECTIONS: tuple[str, ...] = ("at_least", "at_most")
#: A target's units: the catalogue's, less those of indicators no target is set in.
UNITS: tuple[str, ...] = tuple(u for u in CATALOGUE_UNITS if u not in ("boolean", "NOK million"))
BASES: tuple[str, ...] = ("level", "ratio_to_baseline", "cumulative_since_baseline")
LEVELS: tuple[str, ...] = ("overall", "main", "sub")
_LEVEL_NAMES = {"overall": "the overall goal", "main": "a main goal", "sub": "a sub-goal"}
YEAR_MIN = 2010
YEAR_MAX = 2050

#: An indicator id with its labels and unit: the indicator catalogue's entry.
Indicator = IndicatorEntry


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True, slots=True)
class Operationalisation:
    """How a target reads words of the plan that set no number: the plan's own words, quoted,
    and our reading of them (e.g. "blant de korteste i Norge" read as the best quartile)."""

    plan_words: str
    reading_nb: str
    reading_en: str


@dataclass(frozen=True, slots=True)
class Target:
    """One numeric, trend or ranking target of a goal."""

    goal_id: str
    indicator: str
    value: float | None
    unit: str
    deadline: int | None
    direction: str
    basis: str = "level"
    baseline_year: int | None = None
    comparison: str | None = None
    note: str | None = None
    line: int = 0
    operationalisation: Operationalisation | None = None

    @property
    def is_numeric(self) -> bool:
        """True for ``at_least`` / ``at_most`` targets, which compare with ``value``."""
        return self.direction in NUMERIC_DIRECTIONS

    @property
    def every_year(self) -> bool:
        """True when the target is checked every year (no deadline)."""
        return self.deadline is None


@dataclass(frozen=True, slots=True)
class Goal:
    """A goal of the plan: the overall goal, a main goal or a sub-goal."""

    id: str
    parent: str | None
    level: str
    text_nb: str
    text_en: str
    kind: str
    indicator: str | None
    other_indicators: tuple[str, ...] = ()
    targets: tuple[Target, ...] = ()
    theme_nb: str | None = None
    theme_en: str | None = None
    later_wording_nb: str | None = None
    note: str | None = None
    line: int = 0

    @property
    def indicators(self) -> tuple[str, ...]:
        """The primary indicator (if any) followed by the other indicators."""
        head = (self.indicator,) if self.indicator else ()
        return head + self.other_indicators

    @property
    def is_quantitative(self) -> bool:
        return self.kind == "quantitative"


@dataclass(frozen=True, slots=True)
class PlanSource:
    """Where the goals come from: the plan and its adoption."""

    title: str
    adopted: dt.date
    adopted_by: str
    municipalities: tuple[str, ...] = ()
    #: Further descriptive ``source:`` fields (document, later_wordings, note …) as (key, text).
    details: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Targets:
    """The validated contents of a targets file. Immutable; look goals up with :meth:`goal`."""

    version: str
    source: PlanSource
    path: Path
    goal_list: tuple[Goal, ...]
    indicator_list: tuple[Indicator, ...]

    # -- goals ---------------------------------------------------------------------------
    def goals(self) -> tuple[Goal, ...]:
        """Every goal in file order."""
        return self.goal_list

    def goal_ids(self) -> tuple[str, ...]:
        return tuple(g.id for g in self.goal_list)

    def goal(self, goal_id: str) -> Goal:
        """The goal with this id; an unknown id raises TargetsFileError listing the known ids."""
        key = str(goal_id).strip()
        for g in self.goal_list:
            if g.id == key:
                return g
        raise TargetsFileError(
            f"{self.path}: no goal with id {goal_id!r}; known ids: {', '.join(self.goal_ids())}"
        )

    def __contains__(self, goal_id: object) -> bool:
        return any(g.id == goal_id for g in self.goal_list)

    def __iter__(self) -> Iterator[Goal]:
        return iter(self.goal_list)

    def __len__(self) -> int:
        return len(self.goal_list)

    def main_goals(self) -> tuple[Goal, ...]:
        """The main goals (1–5), in file order; the overall goal H is not included."""
        return tuple(g for g in self.goal_list if g.level == "main")

    def children(self, goal_id: str) -> tuple[Goal, ...]:
        """The sub-goals of a main goal, in file order."""
        parent = self.goal(goal_id).id
        return tuple(g for g in self.goal_list if g.parent == parent)

    def qualitative_goals(self) -> tuple[Goal, ...]:
        """Goals of kind ``qualitative`` (scored from the municipal register), in file order."""
        return tuple(g for g in self.goal_list if g.kind == "qualitative")

    def goals_of_kind(self, kind: str) -> tuple[Goal, ...]:
        if kind not in KINDS:
            raise TargetsFileError(f"unknown goal kind {kind!r}; allowed: {', '.join(KINDS)}")
        return tuple(g for g in self.goal_list if g.kind == kind)

    # -- targets and indicators ----------------------------------------------------------
    def targets(self) -> tuple[Target, ...]:
        """Every target of every goal, in file order."""
        return tuple(t for g in self.goal_list for t in g.targets)

    def targets_for(self, indicator_id: str) -> tuple[Target, ...]:
        """Every target (of any goal) on this indicator, in file order; () if it has none."""
        self.indicator(indicator_id)  # raises for unknown ids
        return tuple(t for t in self.targets() if t.indicator == indicator_id)

    def indicators(self) -> tuple[Indicator, ...]:
        """The ``indicators:`` section, in file order."""
        return self.indicator_list

    def indicator_ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.indicator_list)

    def indicator(self, indicator_id: str) -> Indicator:
        """Labels and unit of an indicator; an unknown id raises TargetsFileError listing ids."""
        for ind in self.indicator_list:
            if ind.id == indicator_id:
                return ind
        raise TargetsFileError(
            f"{self.path}: no indicator with id {indicator_id!r}; "
            f"known ids: {', '.join(self.indicator_ids())}"
        )

    def as_frame(self) -> pd.DataFrame:
        """One row per target, in file order, with the goal's and the indicator's labels."""
        labels = {i.id: i for i in self.indicator_list}
        rows = [
            {
                "goal_id": g.id,
                "parent": g.parent,
                "level": g.level,
                "kind": g.kind,
                "goal_text_nb": g.text_nb,
                "goal_text_en": g.text_en,
                "indicator": t.indicator,
                "indicator_label_nb": labels[t.indicator].label_nb,
                "indicator_label_en": labels[t.indicator].label_en,
                "indicator_unit": labels[t.indicator].unit,
                **{k: getattr(t, k) for k in _TARGET_COLUMNS},
            }
            for g in self.goal_list
            for t in g.targets
        ]
        frame = pd.DataFrame(rows, columns=_FRAME_COLUMNS)
        return frame.astype(
            {"value": "Float64", "deadline": "Int64", "baseline_year": "Int64", "line": "int64"}
        )


_TARGET_COLUMNS = (
    "value",
    "unit",
    "deadline",
    "direction",
    "basis",
    "baseline_year",
    "comparison",
    "note",
    "line",
)
_FRAME_COLUMNS = [
    "goal_id",
    "parent",
    "level",
    "kind",
    "goal_text_nb",
    "goal_text_en",
    "indicator",
    "indicator_label_nb",
    "indicator_label_en",
    "indicator_unit",
    *_TARGET_COLUMNS,
]


# --------------------------------------------------------------------------- schema


def _ident(value: object) -> object:
    """An id is text; an unquoted number is read as written (``1.10`` stays "1.10")."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be a single id text, not a list, mapping or yes/no")
    text = str(raw_float(value)).strip()
    if not text:
        raise ValueError("is empty; give an id")
    return text


_Id = Annotated[str, BeforeValidator(_ident)]
_Year = Annotated[int, Field(strict=True, ge=YEAR_MIN, le=YEAR_MAX)]
_Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _OperationalisationModel(_Model):
    plan_words: Text
    reading_nb: Text
    reading_en: Text


class _TargetModel(_Model):
    indicator: _Id
    value: _Number | None
    unit: Literal[UNITS]  # type: ignore[valid-type]
    deadline: _Year | None
    direction: Literal[DIRECTIONS]  # type: ignore[valid-type]
    basis: Literal[BASES] = "level"  # type: ignore[valid-type]
    baseline_year: _Year | None = None
    comparison: Text | None = None
    note: Text | None = None
    operationalisation: _OperationalisationModel | None = None

    @model_validator(mode="after")
    def _consistent(self) -> _TargetModel:
        numeric = self.direction in NUMERIC_DIRECTIONS
        if numeric and self.value is None:
            raise field_error(
                f"target value is null but direction {self.direction} needs a number", "value"
            )
        if not numeric and self.value is not None:
            raise field_error(
                f"direction {self.direction} takes value: null, got {self.value:g}; "
                "use at_least / at_most for a numeric target",
                "value",
            )
        if self.basis != "level" and self.baseline_year is None:
            raise field_error(
                f"basis {self.basis} needs a baseline_year (e.g. 2010, or 2014 for goal 4)", "basis"
            )
        if self.deadline is not None and (self.baseline_year or 0) >= self.deadline:
            raise field_error(
                f"baseline_year {self.baseline_year} is not before the deadline {self.deadline}",
                "baseline_year",
            )
        if self.direction == "rank_best" and self.comparison is None:
            raise field_error(
                'a rank_best target needs a comparison, e.g. "rank among city regions"'
            )
        return self


class _GoalModel(_Model):
    id: _Id
    parent: _Id | None
    level: Literal[LEVELS]  # type: ignore[valid-type]
    text_nb: Text
    text_en: Text
    kind: Literal[KINDS]  # type: ignore[valid-type]
    indicator: _Id | None
    other_indicators: list[_Id] | None = None
    targets: list[_TargetModel] | None = None
    theme_nb: Text | None = None
    theme_en: Text | None = None
    later_wording_nb: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> _GoalModel:
        catalogue: Catalogue = (info.context or {})["catalogue"]
        _known(catalogue, self.indicator, "indicator", "indicator")
        others = self.other_indicators or []
        for i, ind in enumerate(others):
            _known(catalogue, ind, "other indicator", "other_indicators", i)
            if ind == self.indicator or ind in others[:i]:
                raise field_error(
                    f"indicator {ind!r} is listed twice for this goal", "other_indicators", i
                )
        self._check_kind()
        own = ((self.indicator,) if self.indicator else ()) + tuple(others)
        for i, target in enumerate(self.targets or []):
            _known(catalogue, target.indicator, "target indicator", "targets", i, "indicator")
            if target.indicator not in own:
                raise field_error(
                    f"target indicator {target.indicator!r} is not one of this goal's "
                    f"indicators ({', '.join(own) or 'none'}); add it to indicator or "
                    "other_indicators",
                    "targets",
                    i,
                    "indicator",
                )
        return self

    def _check_kind(self) -> None:
        if self.kind == "quantitative":
            if self.indicator is None:
                raise field_error(
                    "a quantitative goal needs an indicator id; set indicator: <id> from the "
                    "indicator catalogue, or use kind: qualitative / not_available",
                    "indicator",
                )
            if not self.targets:
                raise field_error(
                    "a quantitative goal needs at least one target; a trend or ranking goal "
                    "uses direction increase / decrease / rank_best with value: null"
                )
            return
        if self.kind == "qualitative" and self.indicator is not None:
            raise field_error(
                f"a qualitative goal has indicator: null, got {self.indicator!r}; "
                "use kind: quantitative to measure it with an indicator",
                "indicator",
            )
        if self.targets:
            raise field_error(f"a {self.kind} goal cannot have targets; use kind: quantitative")


def _known(catalogue: Catalogue, indicator: str | None, what: str, *loc: str | int) -> None:
    if indicator is None or indicator in catalogue:
        return
    close = difflib.get_close_matches(indicator, catalogue.ids(), n=5, cutoff=0.5)
    raise field_error(
        f"{what} {indicator!r} is not in the indicator catalogue ({catalogue.path}); add it "
        f"there or use a known id{' such as ' + ', '.join(close) if close else ''}",
        *loc,
    )


class _SourceModel(BaseModel):
    #: Further descriptive fields (document, later_wordings, note …) are kept as details.
    model_config = ConfigDict(extra="allow", frozen=True)

    title: Text
    adopted: dt.date
    adopted_by: Text
    municipalities: list[Text] | None = None


class _FileModel(_Model):
    version: Annotated[str, BeforeValidator(_ident)]
    source: _SourceModel
    goals: list[_GoalModel] = Field(min_length=1)
    notes: Any = None

    @model_validator(mode="after")
    def _ids_and_parents(self, info: ValidationInfo) -> _FileModel:
        data = (info.context or {})["data"]
        first: dict[str, int] = {}
        for i, goal in enumerate(self.goals):
            if goal.id in first:
                raise field_error(
                    f"duplicate goal id {goal.id!r} (first defined on line "
                    f"{line_of(data, ('goals', first[goal.id], 'id'))}); each goal id must "
                    "appear once",
                    "goals",
                    i,
                    "id",
                )
            first[goal.id] = i
        levels = {g.id: g.level for g in self.goals}
        for i, goal in enumerate(self.goals):
            message = _parent_problem(goal, levels)
            if message:
                raise field_error(message, "goals", i, "parent")
        return self


def _parent_problem(goal: _GoalModel, levels: dict[str, str]) -> str | None:
    main_ids = ", ".join(k for k, v in levels.items() if v == "main") or "none"
    parent = goal.parent
    if goal.level != "sub":
        if parent is None:
            return None
        undefined = "" if parent in levels else " (and it is not defined in this file)"
        return (
            f"{_LEVEL_NAMES[goal.level]} has parent null, got {parent!r}{undefined}; "
            "use level: sub for sub-goals"
        )
    if parent is None:
        return f"a sub-goal needs a parent: the id of its main goal (main goals: {main_ids})"
    if parent not in levels:
        return (
            f"parent {parent!r} is not defined in this file; allowed: a main goal id ({main_ids})"
        )
    if levels[parent] != "main":
        return (
            f"parent {parent!r} is a {levels[parent]} goal; a parent must be a main goal "
            f"({main_ids})"
        )
    return None


# --------------------------------------------------------------------------- loading


def default_targets_path() -> Path:
    """The shipped ``trsplan/data/targets.yaml`` (or the data folder's copy, see ``paths``)."""
    return targets_path()


def load_targets(path: str | Path | None = None) -> Targets:
    """Load and validate a targets file; the default file is cached per path and modification."""
    catalogue = load_catalogue()
    if path is None:
        default = default_targets_path()
        try:
            stat = default.stat()
        except OSError as exc:
            raise TargetsFileError(f"{default}: cannot read the targets file ({exc})") from exc
        return _load_default(str(default), stat.st_mtime_ns, stat.st_size, catalogue)
    return _parse_file(Path(path), catalogue)


@lru_cache(maxsize=4)
def _load_default(path: str, mtime_ns: int, size: int, catalogue: Catalogue) -> Targets:
    del mtime_ns, size  # cache key only: a changed file is read again
    return _parse_file(Path(path), catalogue)


def _parse_file(path: Path, catalogue: Catalogue) -> Targets:
    try:
        data = load_marked(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsFileError(f"{path}: cannot read the targets file ({exc})") from exc
    except YamlSyntaxError as exc:
        raise TargetsFileError(f"{path}:{exc.line}: not valid YAML: {exc.problem}") from exc
    except DuplicateKeyError as exc:
        raise TargetsFileError(f"{path}:{exc.line}: {exc}") from exc
    if data is None:
        raise TargetsFileError(f"{path}:1: the file is empty; it needs version, source, goals")
    if not isinstance(data, dict):
        raise TargetsFileError(f"{path}:1: the file must be a mapping of version, source, goals")
    try:
        model = _FileModel.model_validate(data, context={"catalogue": catalogue, "data": data})
    except ValidationError as exc:
        raise _file_error(path, data, exc) from None
    return _targets(path, data, model, catalogue)


def _targets(path: Path, data: Any, model: _FileModel, catalogue: Catalogue) -> Targets:
    goals = tuple(
        Goal(
            id=g.id,
            parent=g.parent,
            level=g.level,
            text_nb=g.text_nb,
            text_en=g.text_en,
            kind=g.kind,
            indicator=g.indicator,
            other_indicators=tuple(g.other_indicators or ()),
            targets=tuple(
                Target(
                    goal_id=g.id,
                    **t.model_dump(exclude={"operationalisation"}),
                    line=line_of(data, ("goals", i, "targets", j)),
                    operationalisation=(
                        Operationalisation(**t.operationalisation.model_dump())
                        if t.operationalisation is not None
                        else None
                    ),
                )
                for j, t in enumerate(g.targets or ())
            ),
            theme_nb=g.theme_nb,
            theme_en=g.theme_en,
            later_wording_nb=g.later_wording_nb,
            note=g.note,
            line=line_of(data, ("goals", i)),
        )
        for i, g in enumerate(model.goals)
    )
    used = dict.fromkeys(ind for g in goals for ind in g.indicators)
    source = model.source
    details = tuple(
        (key, str(value).strip())
        for key, value in (source.model_extra or {}).items()
        if value is not None
    )
    return Targets(
        version=model.version,
        source=PlanSource(
            title=source.title,
            adopted=source.adopted,
            adopted_by=source.adopted_by,
            municipalities=tuple(source.municipalities or ()),
            details=details,
        ),
        path=path,
        goal_list=goals,
        indicator_list=tuple(catalogue.entry(i) for i in used),
    )


#: What an error message calls the mapping a field is missing from or unknown in.
_WHAT = {0: "the file", 1: "source", 2: "a goal entry", 4: "a target"}
_FIELDS: dict[str, type[BaseModel]] = {
    "the file": _FileModel,
    "source": _SourceModel,
    "a goal entry": _GoalModel,
    "a target": _TargetModel,
}


def _file_error(path: Path, data: Any, exc: ValidationError) -> TargetsFileError:
    """The first error in file order, as ``file:line: goal 'id': message``.

    Errors are ordered by the entry they are in; within an entry a missing field comes last (a
    misspelt field is then named as unknown, not as missing)."""

    def order(error: ErrorDetails) -> tuple[int, bool, int]:
        loc = error_loc(error)
        missing = error["type"] == "missing"
        return line_of(data, loc[:-1]), missing, line_of(data, loc)

    error = min(exc.errors(), key=order)
    loc = error_loc(error)
    line = line_of(data, loc)
    where = ""
    if loc[:1] == ("source",):
        where = "source: "
    elif len(loc) >= 2 and loc[0] == "goals" and isinstance(loc[1], int):
        entry = node_at(data, loc[:2])
        goal_id = entry.get("id") if isinstance(entry, dict) else None
        where = f"goal {raw_float(goal_id)!r}: " if goal_id is not None else "goal entry: "
    return TargetsFileError(f"{path}:{line}: {where}{_message(error, loc)}")


def _message(error: ErrorDetails, loc: tuple[str | int, ...]) -> str:
    kind = error["type"]
    field = str(loc[-1]) if loc else "file"
    given = error.get("input")
    what = _WHAT.get(len(loc) - 1 if kind in ("missing", "extra_forbidden") else -1, "the entry")
    if kind == "trsplan":
        return error["msg"]
    if kind == "missing":
        required = [n for n, f in _FIELDS[what].model_fields.items() if f.is_required()]
        return f"{what} lacks required field(s) {field}; required: {', '.join(required)}"
    if kind == "extra_forbidden":
        allowed = ", ".join(_FIELDS[what].model_fields)
        hint = " (indicators are listed in data/indicators.yaml)" if field == "indicators" else ""
        return f"unknown field {field!r} in {what}{hint}; allowed fields: {allowed}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"{field if isinstance(loc[-1], str) else 'each entry'} must be a mapping of fields"
    if kind == "list_type":
        return f"{field} must be a list"
    if kind == "literal_error":
        return f"unknown {field} {given!r}; allowed: {', '.join(_choices(field))}"
    if field in ("deadline", "baseline_year"):
        return (
            f"{field} {given!r} is not a year between {YEAR_MIN} and {YEAR_MAX}; give a whole "
            "year like 2025" + (", or null for every year" if field == "deadline" else ", or null")
        )
    if field == "value":
        return (
            f"target value {given!r} is not a number; give a number like 4000 or 1.0, "
            "or null for increase / decrease / rank_best targets"
        )
    if field == "goals" and kind == "too_short":
        return "goals is empty; list every goal of the plan"
    if field == "adopted":
        return f'adopted {given!r} is not a date; write it as "2010-06-11"'
    if kind.startswith("string") or field in _TEXT_FIELDS:
        return f"{field} must be a non-empty text, got {given!r}"
    if kind == "value_error":
        return f"{field} {error['msg'].removeprefix('Value error, ')}"
    return f"{field}: {error['msg']}"


_CHOICES = {
    "kind": KINDS,
    "direction": DIRECTIONS,
    "unit": UNITS,
    "basis": BASES,
    "level": LEVELS,
}
_TEXT_FIELDS = ("title", "adopted_by", "text_nb", "text_en", "comparison", "note")


def _choices(field: str) -> list[str]:
    return sorted(_CHOICES.get(field, ()))
