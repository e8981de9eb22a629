"""Looking up one value of a tidy result frame in the indicator tests."""

from __future__ import annotations

import pandas as pd


def value_at(frame: pd.DataFrame, col: str, **keys: object) -> float:
    """``col`` of the one row of ``frame`` whose columns equal ``keys`` (fails unless exactly one
    row matches)."""
    mask = pd.Series(True, index=frame.index)
    for key, value in keys.items():
        mask &= frame[key] == value
    assert mask.sum() == 1, keys
    return float(frame.loc[mask, col].iloc[0])
