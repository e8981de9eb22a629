"""JSON-stat 2.0 datasets (Statistics Norway PxWebApi v0 and v2) to and from tidy pandas frames.

``read_jsonstat`` decodes a dataset into one row per cell, in the dataset's own order (row-major,
the last dimension in ``id`` varying fastest, the same order as ``value``):

- one column per dimension in ``id`` order, holding category *codes* (pandas ``str`` dtype);
- ``value``: float64, NaN where the payload has ``null`` (or no entry in a sparse ``value``);
- ``status``: the cell's symbol (``"."``, ``".."``, ``":"``, ...) or ``<NA>`` (pandas ``string``).

SSB's symbols ``.`` (not possible), ``..`` (missing), ``...`` (not yet available) and ``:``
(confidential) always decode to NaN even if a payload carries a number beside them; they are
never read as 0. Other symbols (``*`` preliminary, ``-`` nil) keep their value.

``to_jsonstat`` is the inverse writer (used for demo data and fixtures) and ``dumps_jsonstat``
its deterministic serialisation. ``read_jsonstat(to_jsonstat(df, dims))`` gives back ``df``
when ``df`` is a full cross product in dataset order with the column dtypes above.

**Size.** Over 500 lines on purpose: the reader and the writer of one format mirror each other (the
demo data and the tests round-trip through both), so they stay together.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from trsplan.errors import JsonStatError

__all__ = [
    "MISSING_SYMBOLS",
    "SSB_SOURCE",
    "dumps_jsonstat",
    "read_jsonstat",
    "to_jsonstat",
]

SSB_SOURCE = "Statistisk sentralbyrå"

#: Status symbols meaning "there is no number here": their cells are always NaN.
MISSING_SYMBOLS = frozenset({".", "..", "...", ":"})

_STR_DTYPE = pd.StringDtype(na_value=np.nan)  # pandas' default ``str`` dtype
_STATUS_DTYPE = pd.StringDtype()  # ``string``: missing is <NA>

_DEFAULT_DIMENSION_LABELS = {
    "Region": "region",
    "Kjonn": "kjønn",
    "Alder": "alder",
    "ContentsCode": "statistikkvariabel",
    "Tid": "år",
    "NACE2007": "næring (SN2007)",
}

_TABLE_ID_IN_LABEL = re.compile(r"^\s*([0-9A-Za-z]+)\s*:")


# --------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------


def read_jsonstat(obj: Any) -> pd.DataFrame:
    """Decode a JSON-stat 2.0 dataset into a tidy frame (see the module docstring).

    ``obj`` is a parsed ``dict``, JSON text (``str``/``bytes``), or the path of a file holding it
    (``pathlib.Path``, or a ``str`` naming an existing file). Raises ``JsonStatError`` saying what
    is wrong when the payload is not a well-formed dataset.

    ``DataFrame.attrs`` holds ``table_id``, ``label``, ``updated``, ``source``, ``dimensions``
    (the ``id`` list), ``dimension_labels`` ``{dim: label}``, ``category_labels``
    ``{dim: {code: label}}``, ``units`` ``{dim: {code: {base, decimals}}}`` (empty when the
    payload has none), ``roles`` and ``notes``.
    """
    data = _load(obj)
    _check_class(data)

    missing = [key for key in ("id", "size", "dimension", "value") if key not in data]
    if missing:
        raise JsonStatError(
            f"JSON-stat dataset has no {', '.join(repr(k) for k in missing)} "
            f"(a dataset needs 'id', 'size', 'dimension' and 'value'; keys found: "
            f"{', '.join(sorted(map(str, data))) or 'none'})"
        )
    ids = _check_ids(data["id"])
    sizes = _check_sizes(data["size"], ids)
    dimensions = data["dimension"]
    if not isinstance(dimensions, Mapping):
        raise JsonStatError(f"'dimension' must be an object, not {type(dimensions).__name__}")
    n_cells = math.prod(sizes)

    values = _decode_values(data["value"], n_cells, sizes)
    status = _decode_status(data.get("status"), n_cells)

    dimension_labels: dict[str, str] = {}
    category_labels: dict[str, dict[str, str]] = {}
    units: dict[str, dict[str, Any]] = {}
    columns: dict[str, Any] = {}
    for k, (dim, size) in enumerate(zip(ids, sizes, strict=True)):
        if dim not in dimensions:
            raise JsonStatError(
                f"dimension {dim!r} is listed in 'id' but missing from 'dimension' "
                f"(which has: {', '.join(map(repr, dimensions)) or 'nothing'})"
            )
        spec = dimensions[dim]
        if not isinstance(spec, Mapping):
            raise JsonStatError(f"dimension {dim!r} must be an object, not {type(spec).__name__}")
        codes, labels, unit = _decode_category(dim, spec, size)
        dimension_labels[dim] = str(spec.get("label", dim))
        category_labels[dim] = labels
        if unit:
            units[dim] = unit
        inner, outer = math.prod(sizes[k + 1 :]), math.prod(sizes[:k])
        positions = np.tile(np.repeat(np.arange(size, dtype=np.int64), inner), outer)
        dictionary = pa.array(codes, type=pa.large_string())
        columns[dim] = pd.Series(
            dictionary.take(pa.array(positions)), dtype=_STR_DTYPE, copy=False
        ).array

    if status is not None:
        symbols, status_positions = status
        missing_mask = np.isin(
            status_positions, [i for i, s in enumerate(symbols) if s in MISSING_SYMBOLS]
        )
        if missing_mask.any():
            values[missing_mask] = np.nan
        status_array = pa.array(symbols, type=pa.large_string()).take(
            pa.array(status_positions, mask=status_positions < 0)
        )
    else:
        status_array = pa.nulls(n_cells, type=pa.large_string())
    columns["value"] = values
    columns["status"] = pd.Series(status_array, dtype=_STATUS_DTYPE, copy=False).array

    frame = pd.DataFrame(columns, index=pd.RangeIndex(n_cells), copy=False)
    frame.attrs.update(
        {
            "table_id": _table_id(data),
            "label": data.get("label"),
            "updated": data.get("updated"),
            "source": data.get("source"),
            "dimensions": list(ids),
            "dimension_labels": dimension_labels,
            "category_labels": category_labels,
            "units": units,
            "roles": _roles_attr(data.get("role")),
            "notes": [str(n) for n in data.get("note") or []]
            if isinstance(data.get("note"), list)
            else [],
        }
    )
    return frame


def _load(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Mapping):
        return dict(obj)
    if isinstance(obj, PathLike):
        path = Path(obj)
        if not path.is_file():
            raise JsonStatError(f"JSON-stat file {path} does not exist")
        return _parse(path.read_bytes(), where=str(path))
    if isinstance(obj, bytes | bytearray | memoryview):
        return _parse(bytes(obj), where="payload")
    if isinstance(obj, str):
        stripped = obj.lstrip("\ufeff \t\r\n")
        if stripped.startswith(("{", "[")):
            return _parse(stripped, where="payload")
        if len(obj) < 4096 and Path(obj).is_file():
            return _parse(Path(obj).read_bytes(), where=obj)
        shown = obj if len(obj) <= 60 else obj[:57] + "..."
        raise JsonStatError(f"not JSON and not an existing file: {shown!r}")
    raise JsonStatError(
        f"cannot read JSON-stat from a {type(obj).__name__}; "
        "give a dict, JSON text, bytes or a path"
    )


def _parse(text: str | bytes, *, where: str) -> dict[str, Any]:
    try:
        if isinstance(text, bytes):
            text = text.decode("utf-8-sig")
        data = json.loads(text)
    except UnicodeDecodeError as exc:
        raise JsonStatError(f"{where} is not JSON: not UTF-8 text ({exc})") from None
    except json.JSONDecodeError as exc:
        raise JsonStatError(
            f"{where} is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from None
    if not isinstance(data, dict):
        raise JsonStatError(f"{where} is JSON but not an object (got a {type(data).__name__})")
    return data


def _check_class(data: Mapping[str, Any]) -> None:
    cls = data.get("class")
    if cls == "dataset":
        return
    if cls in ("collection", "bundle"):
        raise JsonStatError(
            f"JSON-stat {cls} given, but only a single dataset can be read: pick one dataset from "
            f"the {cls} (its 'link.item' entries) and read that"
        )
    if cls is not None:
        raise JsonStatError(f"JSON-stat class is {cls!r}, expected 'dataset'")
    # No class: say what this is when we can recognise it.
    if "error" in data and len(data) <= 2:
        raise JsonStatError(f"this is a PxWebApi v0 error body, not a dataset: {data['error']!r}")
    if "title" in data and "status" in data and "dimension" not in data:
        raise JsonStatError(
            f"this is a PxWebApi v2 error (problem) body, not a dataset: "
            f"{data.get('status')} {data.get('title')!r}"
        )
    if data and all(isinstance(v, Mapping) and "dimension" in v for v in data.values()):
        raise JsonStatError(
            "this looks like JSON-stat 1.x (response format 'json-stat'); ask the API for "
            "'json-stat2' (JSON-stat 2.0)"
        )
    raise JsonStatError("JSON-stat payload has no 'class'; expected class 'dataset'")


def _check_ids(ids: Any) -> list[str]:
    if not isinstance(ids, list) or not all(isinstance(d, str) for d in ids):
        raise JsonStatError(f"'id' must be a list of dimension names, got {ids!r:.80}")
    clash = [d for d in ids if d in ("value", "status")]
    if clash:
        raise JsonStatError(
            f"dimension {clash[0]!r} clashes with the frame's own {clash[0]!r} column"
        )
    seen: set[str] = set()
    for dim in ids:
        if dim in seen:
            raise JsonStatError(f"dimension {dim!r} appears twice in 'id'")
        seen.add(dim)
    return ids


def _check_sizes(sizes: Any, ids: list[str]) -> list[int]:
    if not isinstance(sizes, list) or not all(
        isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in sizes
    ):
        raise JsonStatError(f"'size' must be a list of non-negative integers, got {sizes!r:.80}")
    if len(sizes) != len(ids):
        raise JsonStatError(
            f"'id' names {len(ids)} dimensions but 'size' has {len(sizes)} entries "
            f"(id={ids}, size={sizes})"
        )
    return sizes


def _flat_keys(keys: Any, n_cells: int, what: str) -> np.ndarray:
    """Integer flat indices from the string keys of a sparse ``value``/``status`` object."""
    try:
        positions = np.asarray(keys, dtype=str).astype(np.int64)
    except (TypeError, ValueError):
        bad = next(k for k in keys if not re.fullmatch(r"\s*-?\d+\s*", str(k)))
        raise JsonStatError(f"{what} key {bad!r} is not a cell index (an integer)") from None
    out = (positions < 0) | (positions >= n_cells)
    if out.any():
        bad = list(keys)[int(np.argmax(out))]
        raise JsonStatError(
            f"{what} key {bad!r} is out of range: the dataset has {n_cells} cells "
            f"(valid keys 0..{n_cells - 1})"
        )
    return positions


def _to_float(items: Sequence[Any], what: str) -> np.ndarray:
    try:
        return np.array(items, dtype=np.float64)
    except (TypeError, ValueError):
        for i, item in enumerate(items):
            if item is not None and not isinstance(item, int | float):
                raise JsonStatError(
                    f"{what} holds a non-numeric entry {item!r:.40} at index {i}"
                ) from None
        raise JsonStatError(f"{what} holds non-numeric entries") from None


def _decode_values(raw: Any, n_cells: int, sizes: list[int]) -> np.ndarray:
    if isinstance(raw, list):
        if len(raw) != n_cells:
            hint = ""
            if not raw and n_cells:
                hint = " (an empty value list is what the /metadata endpoint returns; fetch /data)"
            raise JsonStatError(
                f"'value' has {len(raw)} entries but the sizes {sizes} multiply to {n_cells}{hint}"
            )
        return _to_float(raw, "'value'")
    if isinstance(raw, Mapping):
        values = np.full(n_cells, np.nan)
        if raw:
            positions = _flat_keys(list(raw.keys()), n_cells, "'value'")
            values[positions] = _to_float(list(raw.values()), "'value'")
        return values
    raise JsonStatError(f"'value' must be a list or an object, not {type(raw).__name__}")


def _decode_status(raw: Any, n_cells: int) -> tuple[list[str], np.ndarray] | None:
    """Return (symbols, per-cell position into symbols or -1), or None when no cell has one."""
    if raw is None:
        return None
    if isinstance(raw, str):
        raw = [raw]
    if isinstance(raw, list):
        if len(raw) == 1 and n_cells != 1:  # one symbol for every cell
            if raw[0] is None:
                return None
            return [str(raw[0])], np.zeros(n_cells, dtype=np.int64)
        if len(raw) != n_cells:
            raise JsonStatError(
                f"'status' list has {len(raw)} entries; expected 1 (applies to every cell) "
                f"or one per cell ({n_cells})"
            )
        codes, uniques = pd.factorize(pd.Series(raw, dtype=object), use_na_sentinel=True)
        return [str(s) for s in uniques], codes.astype(np.int64)
    if isinstance(raw, Mapping):
        if not raw:
            return None
        keys = list(raw.keys())
        positions = _flat_keys(keys, n_cells, "'status'")
        codes, uniques = pd.factorize(pd.Series(list(raw.values()), dtype=object))
        per_cell = np.full(n_cells, -1, dtype=np.int64)
        per_cell[positions] = codes
        return [str(s) for s in uniques], per_cell
    raise JsonStatError(f"'status' must be a string, list or object, not {type(raw).__name__}")


def _decode_category(
    dim: str, spec: Mapping[str, Any], size: int
) -> tuple[list[str], dict[str, str], dict[str, Any]]:
    category = spec.get("category")
    if not isinstance(category, Mapping):
        raise JsonStatError(f"dimension {dim!r} has no 'category' object")
    labels = category.get("label") or {}
    if not isinstance(labels, Mapping):
        raise JsonStatError(f"dimension {dim!r}: category 'label' must be an object")
    index = category.get("index")
    if index is None:
        if len(labels) != 1 or size != 1:
            raise JsonStatError(
                f"dimension {dim!r} has no category index but size {size} and {len(labels)} "
                f"labels (an index may be left out only for a single category)"
            )
        codes = [str(next(iter(labels)))]
    elif isinstance(index, list):
        codes = [str(c) for c in index]
        if len(codes) != size:
            raise JsonStatError(
                f"dimension {dim!r}: category index lists {len(codes)} codes but size is {size}"
            )
        if len(set(codes)) != len(codes):
            dup = pd.Series(codes)[pd.Series(codes).duplicated()].iloc[0]
            raise JsonStatError(f"dimension {dim!r}: category code {dup!r} appears twice in index")
    elif isinstance(index, Mapping):
        if len(index) != size:
            raise JsonStatError(
                f"dimension {dim!r}: category index has {len(index)} codes but size is {size}"
            )
        raw_positions = list(index.values())
        if not all(isinstance(p, int) and not isinstance(p, bool) for p in raw_positions):
            raise JsonStatError(f"dimension {dim!r}: category index positions must be integers")
        positions = np.array(raw_positions, dtype=np.int64)
        if size and not np.array_equal(np.sort(positions), np.arange(size)):
            raise JsonStatError(
                f"dimension {dim!r}: category index positions are not a permutation of "
                f"0..{size - 1} (got {sorted(raw_positions)[:10]}"
                f"{'...' if size > 10 else ''})"
            )
        ordered = np.empty(size, dtype=object)
        ordered[positions] = [str(c) for c in index]
        codes = ordered.tolist()
    else:
        raise JsonStatError(f"dimension {dim!r}: category index must be an object or a list")
    unit = category.get("unit")
    return (
        codes,
        {code: str(labels.get(code, code)) for code in codes},
        dict(unit) if isinstance(unit, Mapping) else {},
    )


def _roles_attr(role: Any) -> dict[str, list[str]]:
    if not isinstance(role, Mapping):
        return {}
    return {str(k): [str(d) for d in v] for k, v in role.items() if isinstance(v, list)}


def _table_id(data: Mapping[str, Any]) -> str | None:
    extension = data.get("extension")
    if isinstance(extension, Mapping):
        px = extension.get("px")
        if isinstance(px, Mapping):
            for key in ("tableid", "matrix"):
                if px.get(key):
                    return str(px[key])
        if extension.get("tableid"):
            return str(extension["tableid"])
    match = _TABLE_ID_IN_LABEL.match(str(data.get("label") or ""))
    return match.group(1) if match else None


# --------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------


def to_jsonstat(
    frame: pd.DataFrame,
    dimensions: list[str],
    *,
    value_col: str = "value",
    status_col: str = "status",
    table_id: str,
    label: str,
    updated: str,
    source: str = SSB_SOURCE,
    category_labels: Mapping[str, Mapping[str, str]] | None = None,
    dimension_labels: Mapping[str, str] | None = None,
    roles: Mapping[str, list[str]] | None = None,
    api: str = "v2",
    contents_units: Mapping[str, Any] | None = None,
    category_order: Mapping[str, Sequence[str]] | None = None,
    notes: Sequence[str] | None = None,
    decimals: int | None = None,
    synthetic: str | None = None,
) -> dict[str, Any]:
    """Write a tidy frame as a JSON-stat 2.0 dataset in the StatBank (PxWebApi) layout.

    ``synthetic`` names the generator of synthetic data (e.g. ``"trsplan.demo seed=1"``): the
    dataset's ``source`` is then that generator, it has no StatBank ``link`` and no
    ``official-statistics`` flag, and its root ``extension`` says ``synthetic: true`` with the
    ``generator``, so made-up numbers never pass as official statistics.

    ``dimensions`` are the frame's dimension columns in ``id`` order (codes are written with
    ``str()``). Categories appear in the order of first appearance in the frame unless
    ``category_order[dim]`` lists them (it may add categories that have no rows). Missing
    combinations become ``null``; a ``status`` (object keyed by flat index) is written only where a
    cell has one, and cells whose symbol is in ``MISSING_SYMBOLS`` get ``null`` as their value.

    ``roles`` maps ``time``/``geo``/``metric`` to dimensions (default: ``Tid``, ``Region``,
    ``ContentsCode`` when present). ``contents_units`` maps each metric code to
    ``{"base": ..., "decimals": ...}`` (or just the base as a string). ``api`` is ``"v2"``
    (PxWebApi v2: root extension with contact/firstPeriod/lastPeriod, dimension extensions,
    ``note`` when ``notes`` are given, ``link``) or ``"v0"`` (the older, leaner layout).
    """
    if api not in ("v0", "v2"):
        raise JsonStatError(f"api must be 'v0' or 'v2', not {api!r}")
    if synthetic is not None:
        source = f"{synthetic} (syntetiske demodata, ikke offisiell statistikk)"
    dims = list(dimensions)
    if len(set(dims)) != len(dims):
        raise JsonStatError(f"dimensions repeat a column: {dims}")
    absent = [c for c in [*dims, value_col] if c not in frame.columns]
    if absent:
        raise JsonStatError(
            f"cannot write JSON-stat: column(s) {absent} not in the frame "
            f"(columns: {list(frame.columns)})"
        )
    category_labels = category_labels or {}
    dimension_labels = dimension_labels or {}
    category_order = category_order or {}

    # categories and each row's position per dimension
    categories: dict[str, list[str]] = {}
    row_positions: list[np.ndarray] = []
    for dim in dims:
        column = frame[dim]
        if column.isna().any():
            raise JsonStatError(
                f"cannot write JSON-stat: dimension column {dim!r} has missing codes"
            )
        codes = column.astype(str).to_numpy(dtype=object)
        if dim in category_order:
            order = [str(c) for c in category_order[dim]]
            if len(set(order)) != len(order):
                raise JsonStatError(f"category_order[{dim!r}] repeats a code")
            positions = pd.Index(order, dtype=object).get_indexer(codes)
            if (positions < 0).any():
                unknown = sorted(set(codes[positions < 0].tolist()))
                raise JsonStatError(
                    f"category_order[{dim!r}] lacks code(s) present in the frame: {unknown[:10]}"
                )
            categories[dim] = order
        else:
            positions, uniques = pd.factorize(codes, sort=False)
            categories[dim] = [str(u) for u in uniques]
        row_positions.append(np.asarray(positions, dtype=np.int64))
    sizes = [len(categories[d]) for d in dims]
    n_cells = math.prod(sizes)

    flat = np.zeros(len(frame), dtype=np.int64)
    for positions, size in zip(row_positions, sizes, strict=True):
        flat = flat * size + positions
    duplicated = pd.Series(flat).duplicated(keep=False).to_numpy()
    if duplicated.any():
        first = frame.loc[duplicated, dims].iloc[0].to_dict()
        raise JsonStatError(
            f"cannot write JSON-stat: {int(duplicated.sum())} rows share a dimension combination, "
            f"e.g. {first}"
        )

    try:
        raw_values = pd.to_numeric(frame[value_col], errors="raise").to_numpy(
            dtype=np.float64, na_value=np.nan
        )
    except (TypeError, ValueError) as exc:
        raise JsonStatError(
            f"cannot write JSON-stat: column {value_col!r} is not numeric ({exc})"
        ) from None
    if np.isinf(raw_values).any():
        raise JsonStatError(f"cannot write JSON-stat: column {value_col!r} has infinite values")
    values = np.full(n_cells, np.nan)
    values[flat] = raw_values

    status: dict[str, str] = {}
    if status_col in frame.columns:
        symbols = frame[status_col]
        has = symbols.notna().to_numpy()
        if has.any():
            cells = flat[has]
            texts = symbols[has].astype(str).to_numpy(dtype=object)
            order = np.argsort(cells, kind="stable")
            cells, texts = cells[order], texts[order]
            values[cells[np.isin(texts, list(MISSING_SYMBOLS))]] = np.nan
            status = dict(zip(map(str, cells.tolist()), texts.tolist(), strict=True))

    roles = _roles(dims, roles)
    metric_dims = roles.get("metric", [])
    time_dims = roles.get("time", [])
    if decimals is None:
        decimals = _infer_decimals(values)

    dimension: dict[str, Any] = {}
    for dim in dims:
        cats = categories[dim]
        labels = category_labels.get(dim, {})
        category: dict[str, Any] = {
            "index": {code: i for i, code in enumerate(cats)},
            "label": {code: str(labels.get(code, code)) for code in cats},
        }
        if dim in metric_dims and contents_units:
            category["unit"] = {
                code: _unit(contents_units[code], decimals)
                for code in cats
                if code in contents_units
            }
        entry: dict[str, Any] = {
            "label": dimension_labels.get(dim, _DEFAULT_DIMENSION_LABELS.get(dim, dim)),
            "category": category,
        }
        if api == "v2":
            entry["extension"] = {
                "elimination": dim not in metric_dims and dim not in time_dims,
                "show": "code" if dim in time_dims else "value",
                "codelists": [],
            }
        dimension[dim] = entry

    value_list = _json_values(values)
    role = {k: v for k, v in roles.items() if v}
    if api == "v0":
        out: dict[str, Any] = {
            "class": "dataset",
            "label": label,
            "source": source,
            "updated": updated,
            "id": dims,
            "size": sizes,
            "dimension": dimension,
            "value": value_list,
        }
        if status:
            out["status"] = status
        out["role"] = role
        out["version"] = "2.0"
        out["extension"] = {"px": {"infofile": "None", "tableid": table_id, "decimals": decimals}}
        if synthetic is not None:
            out["extension"] |= {"synthetic": True, "generator": synthetic}
        return out

    heading = [d for d in dims if d in metric_dims or d in time_dims]
    time_codes = sorted(categories[time_dims[0]]) if time_dims and categories[time_dims[0]] else []
    out = {
        "version": "2.0",
        "class": "dataset",
        "label": label,
        "source": source,
        "updated": updated,
    }
    if synthetic is None:
        out["link"] = {
            "related": [
                {
                    "extension": {"relation": "statbank-table"},
                    "href": f"https://www.ssb.no/statbank/table/{table_id}",
                    "label": "Statistikkbanktabell",
                    "type": "text/html",
                }
            ]
        }
    if notes:
        out["note"] = [str(n) for n in notes]
    out["role"] = role
    out["id"] = dims
    out["size"] = sizes
    out["dimension"] = dimension
    px: dict[str, Any] = {
        "infofile": "None",
        "tableid": table_id,
        "decimals": decimals,
        "official-statistics": True,
        "language": "no",
        "contents": _contents(label),
        "descriptiondefault": False,
        "heading": heading,
        "stub": [d for d in dims if d not in heading],
        "matrix": table_id,
    }
    if synthetic is not None:
        del px["official-statistics"]
    out["extension"] = {
        "px": px,
        "contact": [],
        "firstPeriod": time_codes[0] if time_codes else None,
        "lastPeriod": time_codes[-1] if time_codes else None,
    }
    if synthetic is not None:
        out["extension"] |= {"synthetic": True, "generator": synthetic}
    out["value"] = value_list
    if status:
        out["status"] = status
    return out


def dumps_jsonstat(obj: Mapping[str, Any]) -> bytes:
    """Deterministic compact UTF-8 JSON: keys in the order built, no spaces, no trailing newline."""
    try:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError as exc:  # NaN/inf
        raise JsonStatError(f"cannot serialise JSON-stat: {exc}") from None
    return text.encode("utf-8")


def _roles(dims: list[str], roles: Mapping[str, list[str]] | None) -> dict[str, list[str]]:
    if roles is None:
        guess = {"time": ["Tid"], "geo": ["Region"], "metric": ["ContentsCode"]}
        return {k: [d for d in v if d in dims] for k, v in guess.items()}
    unknown_roles = set(roles) - {"time", "geo", "metric"}
    if unknown_roles:
        raise JsonStatError(f"roles must be time/geo/metric, not {sorted(unknown_roles)}")
    out = {}
    for key in ("time", "geo", "metric"):
        listed = list(roles.get(key, []))
        stray = [d for d in listed if d not in dims]
        if stray:
            raise JsonStatError(f"role {key!r} names dimension(s) {stray} not in {dims}")
        out[key] = listed
    return out


def _unit(spec: Any, decimals: int) -> dict[str, Any]:
    if isinstance(spec, str):
        return {"base": spec, "decimals": decimals}
    if isinstance(spec, Mapping) and "base" in spec:
        return {"base": str(spec["base"]), "decimals": int(spec.get("decimals", decimals))}
    raise JsonStatError(
        f"a contents unit must be a base string or {{base, decimals}}, not {spec!r}"
    )


def _infer_decimals(values: np.ndarray, most: int = 6) -> int:
    finite = values[np.isfinite(values)]
    with np.errstate(over="ignore", invalid="ignore"):
        for d in range(most + 1):
            scaled = finite * 10**d
            if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-6):
                return d
    return most


def _json_values(values: np.ndarray) -> list[Any]:
    """JSON-ready numbers: integral values as int (as SSB prints them), NaN as None."""
    out = values.astype(object)
    nan = np.isnan(values)
    integral = ~nan & (values == np.floor(values)) & (np.abs(values) < 2**53)
    out[integral] = values[integral].astype(np.int64).astype(object)
    out[nan] = None
    return out.tolist()


def _contents(label: str) -> str:
    head, sep, _ = label.partition(", etter ")
    return head + "," if sep else label
