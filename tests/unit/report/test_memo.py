"""Per-frame memos: the same frame gets its answers back, another frame never does."""

from __future__ import annotations

import gc

import pandas as pd

from trsplan.report.memo import frame_memo, geo_rows


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"geo_code": ["a", "b", "a", "c"], "value": [1.0, 2.0, 3.0, 4.0]})


def test_the_same_frame_gets_the_same_memo_and_a_new_frame_an_empty_one():
    frame = _frame()
    frame_memo(frame)["answer"] = 42
    assert frame_memo(frame)["answer"] == 42
    other = _frame()  # equal content, another object
    assert "answer" not in frame_memo(other)


def test_a_dead_frames_memo_is_never_handed_to_a_new_frame_at_its_address():
    frame = _frame()
    frame_memo(frame)["answer"] = 42
    address = id(frame)
    del frame
    gc.collect()
    for _ in range(50):  # new frames may reuse the address; none may see the old answer
        new = _frame()
        assert "answer" not in frame_memo(new), id(new) == address


def test_geo_rows_are_the_boolean_selection_in_the_frames_order():
    frame = _frame()
    pd.testing.assert_frame_equal(geo_rows(frame, "a"), frame[frame["geo_code"] == "a"])
    assert geo_rows(frame, "missing").empty
    assert list(geo_rows(frame, "missing").columns) == ["geo_code", "value"]
