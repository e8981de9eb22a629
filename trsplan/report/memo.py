"""Answers computed from one data frame, kept while the frame lives.

A report asks for the same rows of its store and status many times (a chart, its reading, its
ranking, the first page and each goal's status list); each boolean selection costs about a
millisecond on a report's 20,000 rows, so each is made once per frame.
"""

from __future__ import annotations

import weakref

import pandas as pd

_MEMOS: dict[int, tuple[weakref.ref, dict]] = {}


def frame_memo(frame: pd.DataFrame) -> dict:
    """A dict that lives as long as ``frame``: keyed by the frame's identity and checked
    through a weak reference, so a new frame (even at a reused address) never sees another's
    answers. Callers must not change a frame after memoising answers from it."""
    entry = _MEMOS.get(id(frame))
    if entry is None or entry[0]() is not frame:
        for key in [k for k, (ref, _) in _MEMOS.items() if ref() is None]:
            del _MEMOS[key]
        entry = (weakref.ref(frame), {})
        _MEMOS[id(frame)] = entry
    return entry[1]


def geo_rows(frame: pd.DataFrame, geo_code: str) -> pd.DataFrame:
    """One geography's rows of a store or status frame, in the frame's order."""
    memo = frame_memo(frame)
    if "geo" not in memo:
        memo["geo"] = frame.groupby("geo_code", sort=False, observed=True).indices
        memo["geo_rows"] = {}
    if geo_code not in memo["geo_rows"]:
        memo["geo_rows"][geo_code] = frame.iloc[memo["geo"].get(geo_code, [])]
    return memo["geo_rows"][geo_code]
