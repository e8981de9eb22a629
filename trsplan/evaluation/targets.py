"""The plan's goals and targets, read from ``data/targets.yaml`` and validated at load.

``load_targets()`` returns a :class:`Targets` object: every goal of GOALS.md in file order (overall
goal H, main goals 1–5 and their sub-goals), each with its Norwegian and English wording, kind,
indicator ids and numeric or comparison targets, plus the ``indicators:`` section that labels every
indicator id.

Every problem in the file raises :class:`~trsplan.errors.TargetsFileError` with the file, the line
number and the goal (or indicator) id, what is wrong and what is allowed, e.g.::

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

**Size.** Over 500 lines for now: the hand-written parser here is being replaced by a pydantic
schema (issue 9, items 2-3); left as is until then.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from trsplan.errors import TargetsFileError
from trsplan.paths import targets_path

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
UNITS: tuple[str, ...] = (
    "persons",
    "companies",
    "count",
    "ratio",
    "percent",
    "days",
    "percentile",
    "rank",
    "per_1000",
    "index",
)
BASES: tuple[str, ...] = ("level", "ratio_to_baseline", "cumulative_since_baseline")
LEVELS: tuple[str, ...] = ("overall", "main", "sub")
_LEVEL_NAMES = {"overall": "the overall goal", "main": "a main goal", "sub": "a sub-goal"}
YEAR_MIN = 2010
YEAR_MAX = 2050

_TOP_REQUIRED = ("version", "source", "indicators", "goals")
_TOP_OPTIONAL = ("notes",)
_SOURCE_REQUIRED = ("title", "adopted", "adopted_by")
_INDICATOR_REQUIRED = ("id", "label_nb", "label_en", "unit")
_INDICATOR_OPTIONAL = ("source", "note")
_GOAL_REQUIRED = ("id", "parent", "level", "text_nb", "text_en", "kind", "indicator")
_GOAL_OPTIONAL = (
    "other_indicators",
    "targets",
    "theme_nb",
    "theme_en",
    "later_wording_nb",
    "note",
)
_TARGET_REQUIRED = ("indicator", "value", "unit", "deadline", "direction")
_TARGET_OPTIONAL = ("basis", "baseline_year", "comparison", "note", "operationalisation")
_OPERATIONALISATION_FIELDS = ("plan_words", "reading_nb", "reading_en")


# --------------------------------------------------------------------------- data classes


@dataclass(frozen=True, slots=True)
class Indicator:
    """An indicator id with the labels and unit reports use."""

    id: str
    label_nb: str
    label_en: str
    unit: str
    source: str | None = None
    note: str | None = None
    line: int = 0


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
        rows: list[dict[str, Any]] = []
        for g in self.goal_list:
            for t in g.targets:
                ind = labels[t.indicator]
                rows.append(
                    {
                        "goal_id": g.id,
                        "parent": g.parent,
                        "level": g.level,
                        "kind": g.kind,
                        "goal_text_nb": g.text_nb,
                        "goal_text_en": g.text_en,
                        "indicator": t.indicator,
                        "indicator_label_nb": ind.label_nb,
                        "indicator_label_en": ind.label_en,
                        "indicator_unit": ind.unit,
                        "value": t.value,
                        "unit": t.unit,
                        "deadline": t.deadline,
                        "direction": t.direction,
                        "basis": t.basis,
                        "baseline_year": t.baseline_year,
                        "comparison": t.comparison,
                        "note": t.note,
                        "line": t.line,
                    }
                )
        columns = [
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
            "value",
            "unit",
            "deadline",
            "direction",
            "basis",
            "baseline_year",
            "comparison",
            "note",
            "line",
        ]
        frame = pd.DataFrame(rows, columns=columns)
        return frame.astype(
            {"value": "Float64", "deadline": "Int64", "baseline_year": "Int64", "line": "int64"}
        )


# --------------------------------------------------------------------------- loading


def default_targets_path() -> Path:
    """The shipped ``trsplan/data/targets.yaml`` (or the data folder's copy, see ``paths``)."""
    return targets_path()


def load_targets(path: str | Path | None = None) -> Targets:
    """Load and validate a targets file; the default file is cached per path and modification."""
    if path is None:
        default = default_targets_path()
        try:
            stat = default.stat()
        except OSError as exc:
            raise TargetsFileError(f"{default}: cannot read the targets file ({exc})") from exc
        return _load_default(str(default), stat.st_mtime_ns, stat.st_size)
    return _parse_file(Path(path))


@lru_cache(maxsize=4)
def _load_default(path: str, mtime_ns: int, size: int) -> Targets:
    del mtime_ns, size  # cache key only: a changed file is read again
    return _parse_file(Path(path))


def _parse_file(path: Path) -> Targets:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsFileError(f"{path}: cannot read the targets file ({exc})") from exc
    return _Parser(path, text).parse()


def _entry_name(entry: Node, kind: str) -> str:
    """How errors name an entry before it is validated: "goal '5.1'", or "goal entry"."""
    if isinstance(entry, MappingNode):
        for k, v in entry.value:
            if isinstance(k, ScalarNode) and k.value == "id" and isinstance(v, ScalarNode):
                return f"{kind} {v.value!r}"
    return f"{kind} entry"


def _line(node: Node) -> int:
    return node.start_mark.line + 1


def _allowed(values: tuple[str, ...]) -> str:
    return ", ".join(sorted(values))


class _Parser:
    """Walks the composed YAML node tree so that every problem can name its line."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.text = text
        self._constructor = SafeConstructor()

    # -- error helpers -------------------------------------------------------------------
    def fail(self, line: int, where: str | None, message: str) -> TargetsFileError:
        prefix = f"{self.path}:{line}: "
        if where:
            prefix += f"{where}: "
        return TargetsFileError(prefix + message)

    def operationalisation(self, node: Node | None, where: str) -> Operationalisation | None:
        if node is None:
            return None
        fields = self.mapping(node, where, "an operationalisation", _OPERATIONALISATION_FIELDS, ())
        texts = [self.text_field(fields, k, where, required=True) or "" for k in fields]
        values = dict(zip(fields, texts, strict=True))
        return Operationalisation(**values)

    def value(self, node: Node) -> Any:
        return self._constructor.construct_document(node)

    def mapping(
        self,
        node: Node,
        where: str | None,
        what: str,
        required: tuple[str, ...],
        optional: tuple[str, ...],
    ) -> dict[str, Node]:
        """Field name → value node; rejects duplicate, unknown and missing fields."""
        if not isinstance(node, MappingNode):
            raise self.fail(_line(node), where, f"{what} must be a mapping of fields")
        allowed = required + optional
        out: dict[str, Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else None
            if not isinstance(key, str) or key not in allowed:
                raise self.fail(
                    _line(key_node),
                    where,
                    f"unknown field {key!r} in {what}; allowed fields: {', '.join(allowed)}",
                )
            if key in out:
                raise self.fail(
                    _line(key_node),
                    where,
                    f"field {key!r} given twice in {what} (first on line {_line(out[key])})",
                )
            out[key] = value_node
        missing = [k for k in required if k not in out]
        if missing:
            raise self.fail(
                _line(node),
                where,
                f"{what} lacks required field(s) {', '.join(missing)}; "
                f"required: {', '.join(required)}",
            )
        return out

    def sequence(self, node: Node, where: str | None, what: str) -> list[Node]:
        if isinstance(node, ScalarNode) and self.value(node) is None:
            return []
        if not isinstance(node, SequenceNode):
            raise self.fail(_line(node), where, f"{what} must be a list")
        return list(node.value)

    def text_field(
        self, fields: Mapping[str, Node], key: str, where: str, *, required: bool
    ) -> str | None:
        node = fields.get(key)
        if node is None:
            return None
        value = self.value(node)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(_line(node), where, f"{key} must be a non-empty text, got {value!r}")
        return value.strip()

    def choice(
        self, fields: Mapping[str, Node], key: str, where: str, allowed: tuple[str, ...]
    ) -> str:
        node = fields[key]
        value = self.value(node)
        if not isinstance(value, str) or value not in allowed:
            raise self.fail(
                _line(node), where, f"unknown {key} {value!r}; allowed: {_allowed(allowed)}"
            )
        return value

    def ident(self, node: Node, where: str | None, what: str, *, nullable: bool) -> str | None:
        """An id: a non-empty string; plain numbers are read as written (``1.10`` → "1.10")."""
        if not isinstance(node, ScalarNode):
            raise self.fail(
                _line(node), where, f"{what} must be a single id, not a list or mapping"
            )
        value = self.value(node)
        if value is None:
            if nullable:
                return None
            raise self.fail(_line(node), where, f"{what} is missing (null); give an id")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise self.fail(_line(node), where, f"{what} must be an id text, got {value!r}")
        text = node.value.strip() if not isinstance(value, str) else value.strip()
        if not text:
            raise self.fail(_line(node), where, f"{what} is empty; give an id")
        return text

    def year(self, node: Node, where: str, key: str) -> int | None:
        value = self.value(node)
        if value is None:
            return None
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not (YEAR_MIN <= value <= YEAR_MAX)
        ):
            raise self.fail(
                _line(node),
                where,
                f"{key} {value!r} is not a year between {YEAR_MIN} and {YEAR_MAX}; "
                f"give a whole year like 2025"
                + (", or null for every year" if key == "deadline" else ", or null"),
            )
        return value

    # -- sections ------------------------------------------------------------------------
    def parse(self) -> Targets:
        try:
            root = yaml.compose(self.text, Loader=yaml.SafeLoader)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 0
            raise self.fail(line, None, f"not valid YAML: {exc.problem or exc}") from exc
        except yaml.YAMLError as exc:
            raise self.fail(0, None, f"not valid YAML: {exc}") from exc
        if root is None:
            raise self.fail(
                1, None, "the file is empty; it needs version, source, indicators, goals"
            )
        top = self.mapping(root, None, "the file", _TOP_REQUIRED, _TOP_OPTIONAL)

        version_node = top["version"]
        version = self.value(version_node)
        if isinstance(version, bool) or not isinstance(version, str | int | float) or version == "":
            raise self.fail(_line(version_node), None, 'version must be a text like "1.0.0"')
        version = version_node.value if not isinstance(version, str) else version

        source = self.parse_source(top["source"])
        indicators = self.parse_indicators(top["indicators"])
        goals = self.parse_goals(top["goals"], {i.id: i for i in indicators})
        return Targets(
            version=str(version),
            source=source,
            path=self.path,
            goal_list=goals,
            indicator_list=indicators,
        )

    def parse_source(self, node: Node) -> PlanSource:
        where = "source"
        if not isinstance(node, MappingNode):
            raise self.fail(_line(node), where, "source must be a mapping of fields")
        extra_keys = tuple(
            k.value
            for k, _ in node.value
            if isinstance(k, ScalarNode) and k.value not in _SOURCE_REQUIRED
        )
        fields = self.mapping(node, where, "source", _SOURCE_REQUIRED, extra_keys)
        title = self.text_field(fields, "title", where, required=True)
        adopted_by = self.text_field(fields, "adopted_by", where, required=True)
        adopted_raw = self.value(fields["adopted"])
        try:
            adopted = (
                adopted_raw
                if isinstance(adopted_raw, dt.date)
                else dt.date.fromisoformat(str(adopted_raw))
            )
        except ValueError as exc:
            raise self.fail(
                _line(fields["adopted"]),
                where,
                f'adopted {adopted_raw!r} is not a date; write it as "2010-06-11"',
            ) from exc
        municipalities: tuple[str, ...] = ()
        details: list[tuple[str, str]] = []
        for key in extra_keys:
            raw = self.value(fields[key])
            if key == "municipalities":
                if not isinstance(raw, list) or not all(isinstance(m, str) for m in raw):
                    raise self.fail(
                        _line(fields[key]), where, "municipalities must be a list of names"
                    )
                municipalities = tuple(raw)
            elif raw is not None:
                details.append((key, str(raw).strip()))
        assert title is not None and adopted_by is not None
        return PlanSource(
            title=title,
            adopted=adopted,
            adopted_by=adopted_by,
            municipalities=municipalities,
            details=tuple(details),
        )

    def parse_indicators(self, node: Node) -> tuple[Indicator, ...]:
        out: list[Indicator] = []
        seen: dict[str, int] = {}
        for entry in self.sequence(node, "indicators", "indicators"):
            # Name the entry as early as possible, even when other fields are wrong.
            where = _entry_name(entry, "indicator")
            fields = self.mapping(
                entry, where, "an indicator entry", _INDICATOR_REQUIRED, _INDICATOR_OPTIONAL
            )
            ind_id = self.ident(fields["id"], where, "indicator id", nullable=False)
            assert ind_id is not None
            where = f"indicator {ind_id!r}"
            if ind_id in seen:
                raise self.fail(
                    _line(fields["id"]),
                    where,
                    f"duplicate indicator id {ind_id!r} (first defined on line {seen[ind_id]}); "
                    "ids must be unique",
                )
            seen[ind_id] = _line(fields["id"])
            out.append(
                Indicator(
                    id=ind_id,
                    label_nb=self.text_field(fields, "label_nb", where, required=True) or "",
                    label_en=self.text_field(fields, "label_en", where, required=True) or "",
                    unit=self.choice(fields, "unit", where, UNITS),
                    source=self.text_field(fields, "source", where, required=False),
                    note=self.text_field(fields, "note", where, required=False),
                    line=_line(entry),
                )
            )
        return tuple(out)

    def parse_goals(self, node: Node, indicators: Mapping[str, Indicator]) -> tuple[Goal, ...]:
        entries = self.sequence(node, "goals", "goals")
        if not entries:
            raise self.fail(_line(node), "goals", "goals is empty; list every goal of the plan")

        # Pass 1: ids, duplicates and levels, so that parents may be defined anywhere in the file.
        parsed: list[tuple[Node, dict[str, Node], str]] = []
        first_line: dict[str, int] = {}
        levels: dict[str, str] = {}
        for entry in entries:
            where = _entry_name(entry, "goal")
            fields = self.mapping(entry, where, "a goal entry", _GOAL_REQUIRED, _GOAL_OPTIONAL)
            goal_id = self.ident(fields["id"], where, "goal id", nullable=False)
            assert goal_id is not None
            where = f"goal {goal_id!r}"
            if goal_id in first_line:
                raise self.fail(
                    _line(fields["id"]),
                    where,
                    f"duplicate goal id {goal_id!r} (first defined on line {first_line[goal_id]}); "
                    "each goal id must appear once",
                )
            first_line[goal_id] = _line(fields["id"])
            levels[goal_id] = self.choice(fields, "level", where, LEVELS)
            parsed.append((entry, fields, goal_id))

        # Pass 2: everything else.
        return tuple(
            self.parse_goal(entry, fields, goal_id, levels, indicators)
            for entry, fields, goal_id in parsed
        )

    def parse_goal(
        self,
        entry: Node,
        fields: dict[str, Node],
        goal_id: str,
        levels: Mapping[str, str],
        indicators: Mapping[str, Indicator],
    ) -> Goal:
        where = f"goal {goal_id!r}"
        level = levels[goal_id]

        parent_node = fields["parent"]
        parent = self.ident(parent_node, where, "parent", nullable=True)
        main_ids = ", ".join(k for k, v in levels.items() if v == "main") or "none"
        if level == "sub":
            if parent is None:
                raise self.fail(
                    _line(parent_node),
                    where,
                    f"a sub-goal needs a parent: the id of its main goal (main goals: {main_ids})",
                )
            if parent not in levels:
                raise self.fail(
                    _line(parent_node),
                    where,
                    f"parent {parent!r} is not defined in this file; "
                    f"allowed: a main goal id ({main_ids})",
                )
            if levels[parent] != "main":
                raise self.fail(
                    _line(parent_node),
                    where,
                    f"parent {parent!r} is a {levels[parent]} goal; "
                    f"a parent must be a main goal ({main_ids})",
                )
        elif parent is not None:
            undefined = "" if parent in levels else " (and it is not defined in this file)"
            raise self.fail(
                _line(parent_node),
                where,
                f"{_LEVEL_NAMES[level]} has parent null, got {parent!r}{undefined}; "
                "use level: sub for sub-goals",
            )

        text_nb = self.text_field(fields, "text_nb", where, required=True)
        text_en = self.text_field(fields, "text_en", where, required=True)
        kind = self.choice(fields, "kind", where, KINDS)

        def known_indicator(node: Node, what: str, *, nullable: bool) -> str | None:
            ind = self.ident(node, where, what, nullable=nullable)
            if ind is not None and ind not in indicators:
                raise self.fail(
                    _line(node),
                    where,
                    f"{what} {ind!r} is not listed in the indicators: section; "
                    f"add it there or use one of: {', '.join(indicators)}",
                )
            return ind

        indicator_node = fields["indicator"]
        indicator = known_indicator(indicator_node, "indicator", nullable=True)
        others: list[str] = []
        if "other_indicators" in fields:
            for item in self.sequence(fields["other_indicators"], where, "other_indicators"):
                ind = known_indicator(item, "other indicator", nullable=False)
                assert ind is not None
                if ind == indicator or ind in others:
                    raise self.fail(
                        _line(item), where, f"indicator {ind!r} is listed twice for this goal"
                    )
                others.append(ind)

        target_nodes = (
            self.sequence(fields["targets"], where, "targets") if "targets" in fields else []
        )
        if kind == "quantitative":
            if indicator is None:
                raise self.fail(
                    _line(indicator_node),
                    where,
                    "a quantitative goal needs an indicator id; set indicator: <id> from the "
                    "indicators: section, or use kind: qualitative / not_available",
                )
            if not target_nodes:
                raise self.fail(
                    _line(entry),
                    where,
                    "a quantitative goal needs at least one target; a trend or ranking goal uses "
                    "direction increase / decrease / rank_best with value: null",
                )
        else:
            if kind == "qualitative" and indicator is not None:
                raise self.fail(
                    _line(indicator_node),
                    where,
                    f"a qualitative goal has indicator: null, got {indicator!r}; "
                    "use kind: quantitative to measure it with an indicator",
                )
            if target_nodes:
                raise self.fail(
                    _line(fields["targets"]),
                    where,
                    f"a {kind} goal cannot have targets; use kind: quantitative",
                )

        own = ((indicator,) if indicator else ()) + tuple(others)
        targets = tuple(
            self.parse_target(node, goal_id, own, known_indicator) for node in target_nodes
        )

        return Goal(
            id=goal_id,
            parent=parent,
            level=level,
            text_nb=text_nb or "",
            text_en=text_en or "",
            kind=kind,
            indicator=indicator,
            other_indicators=tuple(others),
            targets=targets,
            theme_nb=self.text_field(fields, "theme_nb", where, required=False),
            theme_en=self.text_field(fields, "theme_en", where, required=False),
            later_wording_nb=self.text_field(fields, "later_wording_nb", where, required=False),
            note=self.text_field(fields, "note", where, required=False),
            line=_line(entry),
        )

    def parse_target(
        self,
        node: Node,
        goal_id: str,
        own: tuple[str, ...],
        known_indicator: Callable[..., str | None],
    ) -> Target:
        where = f"goal {goal_id!r}"
        fields = self.mapping(node, where, "a target", _TARGET_REQUIRED, _TARGET_OPTIONAL)

        ind_node = fields["indicator"]
        indicator = known_indicator(ind_node, "target indicator", nullable=False)
        if indicator not in own:
            raise self.fail(
                _line(ind_node),
                where,
                f"target indicator {indicator!r} is not one of this goal's indicators "
                f"({', '.join(own) or 'none'}); add it to indicator or other_indicators",
            )

        direction = self.choice(fields, "direction", where, DIRECTIONS)
        unit = self.choice(fields, "unit", where, UNITS)
        basis = self.choice(fields, "basis", where, BASES) if "basis" in fields else "level"

        value_node = fields["value"]
        raw = self.value(value_node)
        value: float | None
        if raw is None:
            value = None
        elif isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise self.fail(
                _line(value_node),
                where,
                f"target value {raw!r} is not a number; give a number like 4000 or 1.0, "
                "or null for increase / decrease / rank_best targets",
            )
        else:
            value = float(raw)
        if direction in NUMERIC_DIRECTIONS and value is None:
            raise self.fail(
                _line(value_node),
                where,
                f"target value is null but direction {direction} needs a number",
            )
        if direction not in NUMERIC_DIRECTIONS and value is not None:
            raise self.fail(
                _line(value_node),
                where,
                f"direction {direction} takes value: null, got {raw!r}; "
                "use at_least / at_most for a numeric target",
            )

        deadline = self.year(fields["deadline"], where, "deadline")
        baseline_year = (
            self.year(fields["baseline_year"], where, "baseline_year")
            if "baseline_year" in fields
            else None
        )
        if basis != "level" and baseline_year is None:
            raise self.fail(
                _line(fields["basis"]),
                where,
                f"basis {basis} needs a baseline_year (e.g. 2010, or 2014 for goal 4)",
            )
        if deadline is not None and baseline_year is not None and baseline_year >= deadline:
            raise self.fail(
                _line(fields["baseline_year"]),
                where,
                f"baseline_year {baseline_year} is not before the deadline {deadline}",
            )

        comparison = self.text_field(fields, "comparison", where, required=False)
        if direction == "rank_best" and comparison is None:
            line = _line(fields["comparison"]) if "comparison" in fields else _line(node)
            raise self.fail(
                line,
                where,
                'a rank_best target needs a comparison, e.g. "rank among city regions"',
            )
        return Target(
            goal_id=goal_id,
            indicator=indicator,
            value=value,
            unit=unit,
            deadline=deadline,
            direction=direction,
            basis=basis,
            baseline_year=baseline_year,
            comparison=comparison,
            note=self.text_field(fields, "note", where, required=False),
            line=_line(node),
            operationalisation=self.operationalisation(fields.get("operationalisation"), where),
        )
