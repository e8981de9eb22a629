"""``pages.load``'s per-report cut: the rows of the report's geographies, in the file's order."""

from __future__ import annotations

import pandas as pd

from trsplan.report.pages import _cut, _split


def _frame() -> pd.DataFrame:
    # geographies interleaved, as the store is ordered by indicator, then geography
    frame = pd.DataFrame(
        {
            "geo_code": ["5001", "5028", "norge", "5001", "5028", "norge", "5029"],
            "value": [1.0, 2.0, 3.0, 4.0, None, 6.0, 7.0],
        }
    )
    frame.attrs["set_aside"] = {"07459:Region": {"rows": 3}}
    return frame


def test_cut_keeps_the_geographies_rows_in_file_order():
    frame = _frame()
    # by hand: rows of 5028 and norge are positions 1, 2, 4, 5 -> values 2, 3, missing, 6;
    # "9999" has no rows and the asked order (norge first) does not reorder them
    got = _cut(_split(frame), ["norge", "5028", "9999", "norge"])
    assert got.index.tolist() == [1, 2, 4, 5]
    assert got["geo_code"].tolist() == ["5028", "norge", "5028", "norge"]
    assert got["value"].isna().tolist() == [False, False, True, False]  # missing stays missing
    pd.testing.assert_frame_equal(got, frame[frame["geo_code"].isin(["norge", "5028"])])


def test_cut_drops_the_readers_attrs_and_leaves_the_frame_alone():
    frame = _frame()
    got = _cut(_split(frame), ["5001"])
    assert got.attrs == {} and got["value"].tolist() == [1.0, 4.0]
    assert frame.attrs == {"set_aside": {"07459:Region": {"rows": 3}}}


def test_cut_without_rows_keeps_the_columns_and_types():
    got = _cut(_split(_frame()), ["9999"])
    assert got.empty and got.dtypes.equals(_frame().dtypes)
    empty = _cut(_split(_frame().iloc[:0]), ["5001"])
    assert empty.empty and list(empty.columns) == ["geo_code", "value"]


def test_cut_of_a_reordered_frame_follows_its_rows_not_its_labels():
    frame = _frame().iloc[[6, 0, 1, 2, 3, 4, 5]]  # labels no longer ascending
    got = _cut(_split(frame), ["5029", "5001"])
    # by hand: 5029 is now the first row, then 5001's two rows
    assert got["value"].tolist() == [7.0, 1.0, 4.0]
