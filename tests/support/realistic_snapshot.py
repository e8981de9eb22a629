"""Turn the demo snapshot into one with the Region dimensions of real StatBank payloads.

Real responses hold codes that are not municipalities beside the municipal ones (see
../shared/domain/SOURCES.md §1.4 and data/geography/non_municipal_codes.csv): 07459 with
``agg_KommSummer`` has ``K-`` prefixes and ``K-21-22``, ``K-23``, ``K-Rest``; tables asked for
``????`` or ``*`` hold ``2100``/``2111`` (Svalbard), ``2300`` (the shelf), ``9999`` (not stated)
and ``0``/``0000`` (the country); KOSTRA tables hold groups such as ``EKA16``; county tables use
``F-`` prefixes. :func:`build` copies the demo snapshot into a new version with such rows added
(with numbers, so a leak into a sum would show), the country rows holding the true national
sum, historical codes' missing cells marked ``..`` as well as ``.``, and two Brønnøysund units
outside the municipalities (Svalbard ``2100`` and no address). The municipal cells are left as
they are, so every indicator must come out exactly as on the demo snapshot.
"""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from trsplan.snapshot import write_file
from trsplan.sources.jsonstat import dumps_jsonstat, read_jsonstat, to_jsonstat

VERSION = "2026-11-02-realistic"
FILLER = 777.0  # the value of every added non-municipal cell (except the country's sum)

#: table -> {geo dimension: codes added}. The codes are those named by SOURCES.md §1.4.
ADDED: dict[str, dict[str, list[str]]] = {
    "07459": {"Region": ["K-21-22", "K-23", "K-Rest"]},
    "06913": {"Region": ["0", "2100", "9999"]},
    "01223": {"Region": ["0", "2111", "9999"]},
    "13470": {"Region": ["K-21-22", "K-23", "K-Rest", "F-50"]},
    "08536": {"Region": ["0000", "2100", "2300", "9999"]},
    "03321": {"Bokommuen": ["2111", "9999"], "ArbstedKomm": ["2100", "2300"]},
    "07091": {"Region": ["0", "2100", "9999"]},
    "09429": {"Region": ["0", "2100", "9999"]},
    "09817": {"Region": ["0", "2100", "9999"]},
    "14304": {"Region": ["0000", "EKA16", "9999"]},
    "99901": {"Region": ["2100", "9999"]},
    "08316": {"Region": ["0", "50", "2100", "9999"]},
    "11713": {},  # already has "0" and "23"; its counties get the F- prefix
}
#: tables whose municipal codes carry the agg_KommSummer prefix (13470 has it already)
K_PREFIX = {"07459"}
COUNTRY = {"0", "0000"}


def build(source: Path, data_dir: Path) -> Path:
    """Write the realistic copy of the snapshot folder ``source`` under
    ``data_dir/snapshot/VERSION`` and return that folder."""
    folder = data_dir / "snapshot" / VERSION
    for sidecar in sorted(source.glob("*/*.meta.json")):
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
        payload = (sidecar.parent / meta["name"]).read_bytes()
        if meta["source"] == "ssb":
            payload = _realistic_table(payload, meta["table_id"])
        elif meta["name"] == "enheter.csv.gz":
            payload = _realistic_units(payload)
        fields = {
            k: meta.get(k)
            for k in (
                "table_id",
                "url",
                "query",
                "retrieved_at",
                "licence",
                "synthetic",
                "updated",
                "media_type",
                "generator",
            )
        }
        write_file(folder, meta["source"], meta["name"], payload, **fields)
    return folder


def _realistic_table(payload: bytes, table_id: str) -> bytes:
    frame = read_jsonstat(payload)
    attrs = frame.attrs
    dims = list(attrs["dimensions"])
    order = {d: list(attrs["category_labels"][d]) for d in dims}
    labels = {d: dict(v) for d, v in attrs["category_labels"].items()}
    for dim, codes in ADDED.get(table_id, {}).items():
        frame = pd.concat([frame, *(_rows(frame, dim, code) for code in codes)], ignore_index=True)
        order[dim] = order[dim] + codes
        labels[dim].update({c: f"ikke kommune {c}" for c in codes})
    if table_id in K_PREFIX:
        frame, order, labels = _prefix(frame, order, labels, "Region", "K-")
    if table_id == "11713":
        counties = [c for c in order["Region"] if c not in ("0", "23")]
        frame, order, labels = _prefix(frame, order, labels, "Region", "F-", only=counties)
    # StatBank marks a code's years outside its validity with "." or ".."; both are missing
    dots = frame["status"].eq(".").fillna(False).to_numpy()
    frame.loc[dots & (np.arange(len(frame)) % 2 == 0), "status"] = ".."
    obj = to_jsonstat(
        frame,
        dims,
        table_id=table_id,
        label=str(attrs["label"]),
        updated=str(attrs["updated"]),
        source=str(attrs["source"]),
        category_labels=labels,
        dimension_labels=attrs["dimension_labels"],
        roles=attrs["roles"] or None,
        category_order=order,
        notes=attrs["notes"],
        contents_units=attrs["units"].get("ContentsCode") or None,
        api="v2",
    )
    return dumps_jsonstat(obj)


def _rows(frame: pd.DataFrame, dim: str, code: str) -> pd.DataFrame:
    """Cells for ``code``: the national sum over the municipal cells for the country, else
    :data:`FILLER` in every cell."""
    first = frame[dim].iloc[0]
    template = frame[frame[dim] == first].copy()
    others = [c for c in frame.columns if c not in (dim, "value", "status")]
    if code in COUNTRY:
        sums = frame.groupby(others, sort=False)["value"].sum(min_count=1).rename("sum")
        template = template.merge(sums.reset_index(), on=others, how="left")
        template["value"] = template["sum"]
        template = template.drop(columns="sum")
    else:
        template["value"] = FILLER
    template[dim] = code
    template["status"] = pd.NA
    return template


def _prefix(frame, order, labels, dim, prefix, only=None):
    codes = set(order[dim] if only is None else only)

    def rename(code: str) -> str:
        return prefix + code if code in codes and not code.startswith(("K-", "F-")) else code

    frame = frame.assign(**{dim: frame[dim].map(rename)})
    order = {**order, dim: [rename(c) for c in order[dim]]}
    labels = {**labels, dim: {rename(c): v for c, v in labels[dim].items()}}
    return frame, order, labels


def _realistic_units(payload: bytes) -> bytes:
    units = pd.read_csv(
        io.BytesIO(gzip.decompress(payload)), dtype=str, keep_default_na=False, na_values=[""]
    )
    extra = units.head(2).copy()
    extra["organisasjonsnummer"] = ["099999991", "099999992"]
    extra["forretningsadresse.kommunenummer"] = ["2100", None]  # Svalbard; no address in Norway
    out = pd.concat([units, extra], ignore_index=True).to_csv(index=False, lineterminator="\n")
    return gzip.compress(out.encode("utf-8"), mtime=0)


def data_dir_with(tmp_path: Path, project_data: Path, source: Path) -> Path:
    """A data folder: the project's data items (symlinked) and the realistic snapshot only."""
    data = tmp_path / "data"
    data.mkdir()
    for item in project_data.iterdir():
        if item.name != "snapshot":
            (data / item.name).symlink_to(item)
    build(source, data)
    return data


__all__ = ["ADDED", "VERSION", "build", "data_dir_with"]
