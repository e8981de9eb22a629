"""The indicator catalogue (``trsplan/data/indicators.yaml``): what every indicator id is.

One :class:`IndicatorEntry` per id: its goal, unit, producer, nb/en labels and definitions, the
tables it is computed from and the goals whose targets it feeds. The theme modules take their
``MEASURES`` from :func:`measures`, :mod:`~trsplan.indicators.compute` its goal ids, units, source
tables and levels, the targets file its indicator ids, and the reports their labels
(:func:`label`). Read once per file version (:func:`load_catalogue`); every problem raises
:class:`~trsplan.errors.IndicatorCatalogueError` naming the file, line and indicator id.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic import model_validator as _model_validator

from trsplan.errors import IndicatorCatalogueError
from trsplan.paths import catalogue_path as table_catalogue_path
from trsplan.paths import static_dir
from trsplan.sources import catalogue as table_catalogue
from trsplan.yamlschema import (
    DuplicateKeyError,
    Text,
    YamlSyntaxError,
    error_loc,
    field_error,
    line_of,
    load_marked,
    node_at,
)

__all__ = [
    "GEO_LEVELS",
    "PRODUCERS",
    "THEMES",
    "UNITS",
    "Catalogue",
    "IndicatorEntry",
    "catalogue_path",
    "entry",
    "label",
    "load_catalogue",
    "measures",
    "source_tables",
    "sources",
    "store_id",
    "unit",
]

#: The theme modules of trsplan.indicators, in the order compute runs them.
THEMES = (
    "population",
    "economy",
    "industry",
    "business",
    "commuting",
    "casework",
    "technology",
    "attractiveness",
    "immigration",
)
#: What may produce an indicator: a theme, the municipal register, or nothing yet.
PRODUCERS = (*THEMES, "register", "planned")
UNITS = (
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
    "boolean",
    "NOK million",
)
GEO_LEVELS = ("municipality", "region", "country")


class IndicatorEntry(BaseModel):
    """One indicator id of the catalogue (fields: see ``trsplan/data/indicators.yaml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: Text
    goal: Text
    unit: Literal[UNITS]  # type: ignore[valid-type]
    producer: Literal[PRODUCERS] | None = None  # type: ignore[valid-type]
    alias_of: Text | None = None
    evaluated_as: Text | None = None
    per_industry: bool = False
    levels: tuple[Literal[GEO_LEVELS], ...] = GEO_LEVELS  # type: ignore[valid-type]
    label_nb: Text
    label_en: Text
    definition_nb: Text
    definition_en: Text
    sources: tuple[Text, ...] = Field(min_length=1)
    feeds: tuple[Text, ...] = ()
    #: When the producer computes it only from some inputs: the condition, in words.
    only_when: Text | None = None
    #: The line of the entry in the file (set by the loader).
    line: int = 0

    @_model_validator(mode="after")
    def _one_origin(self) -> IndicatorEntry:
        if (self.producer is None) == (self.alias_of is None):
            raise field_error(
                "give either producer (what computes it) or alias_of (the store id that "
                "measures it), not both or neither",
                "producer",
            )
        return self

    def label(self, lang: str = "nb") -> str:
        return self.label_nb if lang == "nb" else self.label_en

    def definition(self, lang: str = "nb") -> str:
        return self.definition_nb if lang == "nb" else self.definition_en

    @property
    def source(self) -> str:
        """The sources as the store's ``source_tables`` writes them (``"08316;07459"``)."""
        return ";".join(self.sources)


class _File(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: Text
    indicators: list[IndicatorEntry] = Field(min_length=1)


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The validated catalogue; look entries up with :meth:`entry`."""

    path: Path
    version: str
    entries: tuple[IndicatorEntry, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {e.id: e for e in self.entries})

    def __contains__(self, indicator_id: object) -> bool:
        return self.get(str(indicator_id)) is not None

    def ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)

    def get(self, indicator_id: str) -> IndicatorEntry | None:
        """The entry of an id; ``base:industry`` ids find the base's per-industry entry."""
        by_id: dict[str, IndicatorEntry] = self._by_id  # type: ignore[attr-defined]
        if indicator_id in by_id:
            return by_id[indicator_id]
        base, sep, _ = indicator_id.partition(":")
        found = by_id.get(base) if sep else None
        return found if found is not None and found.per_industry else None

    def entry(self, indicator_id: str) -> IndicatorEntry:
        found = self.get(indicator_id)
        if found is None:
            raise IndicatorCatalogueError(
                f"{self.path}: no indicator {indicator_id!r}; add an entry for it "
                f"(known ids: {', '.join(self.ids())})"
            )
        return found

    def produced_by(self, producer: str) -> tuple[IndicatorEntry, ...]:
        return tuple(e for e in self.entries if e.producer == producer)

    def store_id(self, indicator_id: str) -> str:
        """The store id a target on ``indicator_id`` is judged on (``"location_quotient:"`` =
        every per-industry id with that prefix); unknown ids are returned unchanged."""
        found = self.get(indicator_id)
        if found is None:
            return indicator_id
        if found.alias_of:
            found = self.entry(found.alias_of)
        if found.evaluated_as:
            return found.evaluated_as
        return f"{found.id}:" if found.per_industry else found.id


def catalogue_path() -> Path:
    """The shipped ``indicators.yaml``, unless the working data folder holds its own copy."""
    return static_dir("indicators.yaml")


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Load and check the catalogue; cached per path and file version."""
    path = Path(path) if path is not None else catalogue_path()
    try:
        stat = path.stat()
    except OSError as exc:
        raise IndicatorCatalogueError(
            f"{path}: cannot read the indicator catalogue ({exc})"
        ) from None
    return _load(str(path), stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=4)
def _load(path_text: str, mtime_ns: int, size: int) -> Catalogue:
    del mtime_ns, size  # cache key only: a changed file is read again
    path = Path(path_text)
    try:
        data = load_marked(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise IndicatorCatalogueError(
            f"{path}: cannot read the indicator catalogue ({exc})"
        ) from None
    except YamlSyntaxError as exc:
        raise IndicatorCatalogueError(f"{path}:{exc.line}: not valid YAML: {exc.problem}") from None
    except DuplicateKeyError as exc:
        raise IndicatorCatalogueError(f"{path}:{exc.line}: {exc}") from None
    try:
        parsed = _File.model_validate(data)
    except ValidationError as exc:
        raise _error(path, data, exc) from None
    entries = tuple(
        e.model_copy(update={"line": line_of(data, ("indicators", i))})
        for i, e in enumerate(parsed.indicators)
    )
    catalogue = Catalogue(path=path, version=parsed.version, entries=entries)
    _check_references(catalogue)
    return catalogue


def _error(path: Path, data: Any, exc: ValidationError) -> IndicatorCatalogueError:
    error = exc.errors()[0]
    loc = error_loc(error)
    where = ""
    if len(loc) >= 2 and loc[0] == "indicators":
        where = f"indicator {node_at(data, (*loc[:2], 'id'))!r}: "
    field = ".".join(str(p) for p in loc[2:]) or "entry"
    if error["type"] == "literal_error":
        message = f"unknown {loc[-1]} {error['input']!r}; allowed: {error['ctx']['expected']}"
    elif error["type"] == "missing":
        message = f"lacks required field {loc[-1]}"
    elif error["type"] == "extra_forbidden":
        message = f"unknown field {loc[-1]!r}; allowed: {', '.join(IndicatorEntry.model_fields)}"
    elif error["type"] == "trsplan":
        message = error["msg"]
    else:
        message = f"{field}: {error['msg']}"
    return IndicatorCatalogueError(f"{path}:{line_of(data, loc)}: {where}{message}")


def _check_references(catalogue: Catalogue) -> None:
    """Unique ids; aliases point to produced entries; ``evaluated_as`` to entries."""
    seen: dict[str, int] = {}
    for e in catalogue.entries:
        where = f"{catalogue.path}:{e.line}: indicator {e.id!r}"
        if e.id in seen:
            raise IndicatorCatalogueError(
                f"{where}: duplicate indicator id (first defined on line {seen[e.id]}); "
                "ids must be unique"
            )
        seen[e.id] = e.line
    for e in catalogue.entries:
        where = f"{catalogue.path}:{e.line}: indicator {e.id!r}"
        target = catalogue.get(e.alias_of) if e.alias_of else None
        if e.alias_of and (target is None or target.producer is None):
            raise IndicatorCatalogueError(
                f"{where}: alias_of {e.alias_of!r} is not an entry with a producer"
            )
        if e.evaluated_as and e.evaluated_as not in catalogue:
            raise IndicatorCatalogueError(
                f"{where}: evaluated_as {e.evaluated_as!r} is not in the catalogue"
            )


# --- Shortcuts on the default catalogue ------------------------------------------------------


def entry(indicator_id: str) -> IndicatorEntry:
    return load_catalogue().entry(indicator_id)


def label(indicator_id: str, lang: str = "nb") -> str:
    """The entry's label; ``base:industry`` ids get the industry in brackets."""
    text = entry(indicator_id).label(lang)
    _, sep, detail = indicator_id.partition(":")
    return f"{text} ({detail})" if sep and indicator_id not in load_catalogue().ids() else text


def unit(indicator_id: str) -> str:
    return entry(indicator_id).unit


def sources(indicator_id: str) -> tuple[str, ...]:
    return entry(indicator_id).sources


def store_id(indicator_id: str) -> str:
    return load_catalogue().store_id(indicator_id)


def measures(producer: str, level: str | None = None) -> dict[str, tuple[str, str]]:
    """``id -> (goal id, unit)`` of what ``producer`` computes (for ``level`` only, if given),
    in catalogue order: the ``measures`` of :func:`trsplan.indicators.store.long_format`."""
    return {
        e.id: (e.goal, e.unit)
        for e in load_catalogue().produced_by(producer)
        if level is None or level in e.levels
    }


def source_tables(producer: str) -> dict[str, str]:
    """``id -> "table;table"`` (the store's ``source_tables``) of what ``producer`` computes."""
    return {e.id: e.source for e in load_catalogue().produced_by(producer)}


def levels(producer: str) -> dict[str, tuple[str, ...]]:
    """``id -> geo levels`` it is computed for, of what ``producer`` computes."""
    return {e.id: e.levels for e in load_catalogue().produced_by(producer)}


def table_columns(table_id: str) -> dict[str, str]:
    """ContentsCode -> the column name the indicators read a StatBank table's statistic as: the
    ``columns:`` of the table's entry in the table catalogue."""
    return table_catalogue.table_columns(table_id, table_catalogue_path())
