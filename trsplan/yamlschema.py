"""YAML files checked by pydantic models, with every error naming the file's line.

:func:`load_marked` reads YAML into plain dicts and lists that remember where each value starts
(PyYAML's composer gives every node a start mark), and rejects a key given twice (PyYAML would
silently keep the last). :func:`line_of` walks a pydantic error ``loc`` back to that line, so a
schema error reads ``data/targets.yaml:212: goal '3.2': …``.

A schema validator that checks several fields at once reports a field by raising
:func:`field_error`; its ``loc`` (relative to the model, or absolute with ``absolute=True``) is
carried in the error's context and joined to pydantic's ``loc`` by :func:`error_loc`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import yaml
from pydantic import Field, StringConstraints
from pydantic_core import ErrorDetails, PydanticCustomError
from yaml.nodes import MappingNode, Node, SequenceNode

__all__ = [
    "DuplicateKeyError",
    "MarkedDict",
    "MarkedList",
    "Text",
    "YamlSyntaxError",
    "error_loc",
    "field_error",
    "line_of",
    "load_marked",
    "node_at",
    "raw_float",
]


#: A non-empty text field (surrounding white space dropped; a number is not taken as text).
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), Field(strict=True)]


class MarkedDict(dict):
    """A mapping that knows its own line and the line of each value."""

    line: int = 1
    lines: dict[Any, int]


class MarkedList(list):
    """A sequence that knows its own line and the line of each item."""

    line: int = 1
    lines: list[int]


class RawFloat(float):
    """A float that keeps the text it was written as (an unquoted id ``1.10`` is not 1.1)."""

    text: str


class DuplicateKeyError(Exception):
    """A key given twice in one mapping: ``line``, ``first_line``, ``key``."""

    def __init__(self, key: object, line: int, first_line: int) -> None:
        super().__init__(f"field {key!r} given twice (first on line {first_line})")
        self.key, self.line, self.first_line = key, line, first_line


class YamlSyntaxError(Exception):
    """Not valid YAML: ``line`` (0 when unknown) and ``problem``."""

    def __init__(self, line: int, problem: str) -> None:
        super().__init__(problem)
        self.line, self.problem = line, problem


def _line(node: Node) -> int:
    return node.start_mark.line + 1


class _MarkedLoader(yaml.SafeLoader):
    def construct_marked_map(self, node: MappingNode):  # type: ignore[no-untyped-def]
        data = MarkedDict()
        data.line, data.lines = _line(node), {}
        yield data
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            if key in data.lines:
                raise DuplicateKeyError(key, _line(key_node), data.lines[key])
            data[key] = self.construct_object(value_node, deep=True)
            data.lines[key] = _line(value_node)

    def construct_marked_seq(self, node: SequenceNode):  # type: ignore[no-untyped-def]
        data = MarkedList()
        data.line, data.lines = _line(node), [_line(n) for n in node.value]
        yield data
        data.extend(self.construct_object(n, deep=True) for n in node.value)

    def construct_raw_float(self, node: Node) -> float:
        value = RawFloat(self.construct_yaml_float(node))
        value.text = str(node.value)
        return value


_MarkedLoader.add_constructor("tag:yaml.org,2002:map", _MarkedLoader.construct_marked_map)
_MarkedLoader.add_constructor("tag:yaml.org,2002:seq", _MarkedLoader.construct_marked_seq)
_MarkedLoader.add_constructor("tag:yaml.org,2002:float", _MarkedLoader.construct_raw_float)


def load_marked(text: str) -> Any:
    """Parse YAML text into :class:`MarkedDict` / :class:`MarkedList` values.

    Raises :class:`YamlSyntaxError` or :class:`DuplicateKeyError` (both with a line)."""
    try:
        return yaml.load(text, Loader=_MarkedLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlSyntaxError(mark.line + 1 if mark else 0, str(exc.problem or exc)) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(0, str(exc)) from exc


def raw_float(value: object) -> object:
    """The text a float was written as (for ids), else the value itself."""
    return value.text if isinstance(value, RawFloat) else value


def field_error(message: str, *loc: str | int, absolute: bool = False) -> PydanticCustomError:
    """An error a model validator raises about field ``loc`` (relative to the model)."""
    return PydanticCustomError(
        "trsplan", "{message}", {"message": message, "loc": loc, "absolute": absolute}
    )


def error_loc(error: ErrorDetails) -> tuple[str | int, ...]:
    """Where an error is: pydantic's ``loc`` plus the field a model validator named."""
    ctx = error.get("ctx") or {}
    extra = tuple(ctx.get("loc") or ())
    return extra if ctx.get("absolute") else tuple(error["loc"]) + extra


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)


def line_of(data: Any, loc: Sequence[str | int]) -> int:
    """The line of the deepest value on ``loc`` that the file has (its container's, if absent)."""
    line = getattr(data, "line", 1)
    node = data
    for part in loc:
        if not _has(node, part) or not isinstance(node, MarkedDict | MarkedList):
            break
        line, node = node.lines[part], node[part]  # type: ignore[index]
    return line


def node_at(data: Any, loc: Sequence[str | int]) -> Any:
    """The raw value at ``loc`` (None when the file has nothing there)."""
    node = data
    for part in loc:
        if not _has(node, part):
            return None
        node = node[part]
    return node
