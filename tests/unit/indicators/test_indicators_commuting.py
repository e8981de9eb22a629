"""Commuting indicators (goal 3.1) on small hand-made matrices; expected numbers by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from trsplan.indicators import commuting

NAN = float("nan")


def _matrix(rows: list[tuple[str, str, float]], year: int = 2020) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["residence", "workplace", "employed"])
    frame["year"] = year
    return frame.astype({"residence": "string", "workplace": "string", "year": "int64"})


# Centre A; B and C around it.
#   A: 900 at home, 50 to B, 50 to C         -> 1000 employed residents
#   B:  30 to A, 150 at home, 20 to C        ->  200; 30 / 200 = 15 %  (> 10 %: member)
#   C:  10 to A,   0 to B,   90 at home      ->  100; 10 / 100 = 10 %  (not > 10 %: outside)
THREE = [
    ("A", "A", 900.0), ("A", "B", 50.0), ("A", "C", 50.0),
    ("B", "A", 30.0), ("B", "B", 150.0), ("B", "C", 20.0),
    ("C", "A", 10.0), ("C", "B", 0.0), ("C", "C", 90.0),
]  # fmt: skip


def test_employed_residents_are_row_sums():
    out = commuting.employed_residents(_matrix(THREE)).set_index("geo_code")
    assert out["employed_residents"].to_dict() == {"A": 1000, "B": 200, "C": 100}


def test_in_commuters_to_the_centre():
    out = commuting.in_commuters(_matrix(THREE), "A").iloc[0]
    assert out["geo_code"] == "A" and out["year"] == 2020
    assert out["in_commuters"] == 40  # 30 from B + 10 from C (A's own 900 are not commuters)
    assert out["workers_in_centre"] == 940  # 900 + 30 + 10


def test_shares_and_the_ten_percent_rule_is_strictly_greater():
    out = commuting.functional_region(_matrix(THREE), "A").set_index("geo_code")
    assert out.loc["A", "share_working_in_centre"] == pytest.approx(90.0)  # 900 / 1000
    assert out.loc["B", "share_working_in_centre"] == pytest.approx(15.0)  # 30 / 200
    assert out.loc["C", "share_working_in_centre"] == pytest.approx(10.0)  # 10 / 100
    assert out["commuting_region_member"].to_dict() == {"A": True, "B": True, "C": False}
    # the threshold is configurable: at 9.99 % C (exactly 10 %) is in
    lower = commuting.functional_region(_matrix(THREE), "A", threshold=9.99)
    assert lower["commuting_region_member"].all()


def test_missing_cells_stay_missing_and_absent_pairs_are_zero():
    rows = [
        *THREE,
        ("D", "A", NAN), ("D", "D", 100.0),  # D -> A suppressed
        ("E", "E", 50.0),  # E has no row towards A at all: a zero flow
    ]  # fmt: skip
    matrix = _matrix(rows)
    shares = commuting.functional_region(matrix, "A").set_index("geo_code")
    assert math.isnan(shares.loc["D", "employed_residents"])  # 100 + unknown
    assert math.isnan(shares.loc["D", "share_working_in_centre"])
    assert not shares.loc["D", "commuting_region_member"]  # cannot be shown to exceed 10 %
    assert (
        shares.loc["E", "employed_in_centre"] == 0 and shares.loc["E", "employed_residents"] == 50
    )
    assert shares.loc["E", "share_working_in_centre"] == 0
    # strict by default: one unknown in-commuter cell makes the total unknown
    assert math.isnan(commuting.in_commuters(matrix, "A").iloc[0]["in_commuters"])
    assert math.isnan(commuting.in_commuters(matrix, "A").iloc[0]["workers_in_centre"])
    # documented lower bound when asked for: 30 + 10, D's cell left out
    assert commuting.in_commuters(matrix, "A", skipna=True).iloc[0]["in_commuters"] == 40


def test_given_totals_replace_row_sums():
    totals = pd.DataFrame(
        {
            "geo_code": ["A", "B", "C"],
            "year": [2020] * 3,
            "employed_residents": [1000.0, 300.0, NAN],
        }
    )
    out = commuting.share_working_in_centre(_matrix(THREE), "A", totals).set_index("geo_code")
    assert out.loc["B", "share_working_in_centre"] == pytest.approx(10.0)  # 30 / 300
    assert math.isnan(out.loc["C", "share_working_in_centre"])  # NaN denominator


def test_comparator_regions_assign_double_members_to_the_larger_share():
    # centres A and X.
    #   M: 30 to A (30 %), 40 to X (40 %), 30 at home  -> goes to X (larger share)
    #   N: 20 to A (20 %), 20 to X (20 %), 60 at home  -> tie: goes to A (listed first)
    #   X: 20 to A (20/120 = 16.7 %), 100 at home      -> a centre stays in its own region
    #   K:  5 to A (5 %), 95 at home                   -> in no region
    rows = [
        ("A", "A", 100.0),
        ("X", "X", 100.0), ("X", "A", 20.0),
        ("M", "A", 30.0), ("M", "X", 40.0), ("M", "M", 30.0),
        ("N", "A", 20.0), ("N", "X", 20.0), ("N", "N", 60.0),
        ("K", "A", 5.0), ("K", "K", 95.0),
    ]  # fmt: skip
    members = commuting.comparator_regions(_matrix(rows), ["A", "X"])
    got = members.groupby("geo_code")["code"].apply(sorted).to_dict()
    assert got == {"commuting_A": ["A", "N"], "commuting_X": ["M", "X"]}
    assert (members["weight"] == 1.0).all()
    m = members.set_index("code")
    assert m.loc["M", "share_working_in_centre"] == pytest.approx(40.0)
    sizes = commuting.region_size(members).set_index("geo_code")["commuting_region_size"]
    assert sizes.to_dict() == {"commuting_A": 2, "commuting_X": 2}


def test_regional_share_from_summed_flows_excluding_the_centre():
    shares = commuting.share_working_in_centre(_matrix(THREE), "A")
    members = pd.DataFrame(
        {"geo_code": ["R"] * 3, "year": [2020] * 3, "code": ["A", "B", "C"], "weight": [1.0] * 3}
    )
    out = commuting.regional_share_working_in_centre(shares, members, "A").iloc[0]
    # (30 + 10) / (200 + 100) × 100 = 13.33 %, not the mean of 15 % and 10 % (12.5 %)
    assert out["share_working_in_centre"] == pytest.approx(40 / 300 * 100)


def test_a_centre_that_is_no_workplace_that_year_gives_missing_shares():
    # 2017: the centre A is no workplace yet (e.g. 5001 before 2018); B still has data
    matrix = pd.concat([_matrix(THREE), _matrix([("B", "B", 100.0)], year=2017)])
    out = commuting.functional_region(matrix, "A").set_index(["year", "geo_code"])
    assert math.isnan(out.loc[(2017, "B"), "share_working_in_centre"])
    assert not out.loc[(2017, "B"), "commuting_region_member"]
    assert out.loc[(2020, "B"), "share_working_in_centre"] == pytest.approx(15.0)
    assert commuting.comparator_regions(matrix, ["A"])["year"].unique().tolist() == [2020]


def test_commuting_rule_comparators_from_a_hand_made_03321_frame():
    from trsplan.indicators import inputs

    # 03321 in read_jsonstat's shape. 2020: Malvik (5031) 400 of 1000 work in Trondheim = 40 %
    # (member), Melhus (5028) 50 of 1000 = 5 % (not); Askøy (4627) 300 of 1000 in Bergen = 30 %.
    # 2021: Melhus 150 of 1000 = 15 % (joins); Malvik 410 to Trondheim (41 %) and 90 to Bergen
    # (9 %): Trondheim's. 2022 has no matrix yet: the 2021 members carry forward.
    flows = {
        2020: [("5001", "5001", 1000), ("5031", "5001", 400), ("5031", "5031", 600),
               ("5028", "5001", 50), ("5028", "5028", 950), ("4601", "4601", 1000),
               ("4627", "4601", 300), ("4627", "4627", 700)],
        2021: [("5001", "5001", 1000), ("5031", "5001", 410), ("5031", "4601", 90),
               ("5031", "5031", 500), ("5028", "5001", 150), ("5028", "5028", 850),
               ("4601", "4601", 1000), ("4627", "4601", 300), ("4627", "4627", 700)],
    }  # fmt: skip
    frame = pd.DataFrame(
        [
            ("K-" + r, w, "Sysselsatte", str(y), float(v), pd.NA)
            for y, rows in flows.items()
            for r, w, v in rows
        ],
        columns=["Bokommuen", "ArbstedKomm", "ContentsCode", "Tid", "value", "status"],
    )
    matrix = inputs.commuting_matrix(frame)
    regions = [
        commuting.CommutingRegion("trondheim-pendling", "5001", ("trondheimsregionen",), "T", "T"),
        commuting.CommutingRegion("bergen-pendling", "4601", ("bergen",), "B", "B"),
    ]
    out = commuting.commuting_region_members(matrix, regions, 10.0, years=[2020, 2021, 2022])
    got = {(g, y): sorted(part["code"]) for (g, y), part in out.groupby(["geo_code", "year"])}
    assert got == {
        ("trondheim-pendling", 2020): ["5001", "5031"],
        ("trondheim-pendling", 2021): ["5001", "5028", "5031"],
        ("trondheim-pendling", 2022): ["5001", "5028", "5031"],
        ("bergen-pendling", 2020): ["4601", "4627"],
        ("bergen-pendling", 2021): ["4601", "4627"],
        ("bergen-pendling", 2022): ["4601", "4627"],
    }
    assert (out["weight"] == 1.0).all()


def test_the_six_comparators_are_defined_once_by_one_rule():
    regions, threshold = commuting.load_commuting_regions()
    assert threshold == 10.0
    assert [r.centre for r in regions] == ["5001", "0301", "4601", "1103", "4204", "5501"]
    stands = [s for r in regions for s in r.stands_for]
    assert len(stands) == len(set(stands))  # a region is represented by one comparator only
