"""Goal 4: technology definitions, SN2007/SN2025 mapping, counts with withheld headcounts."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trsplan.errors import TrsplanError
from trsplan.indicators import technology as tech

NA = pd.NA


def test_definitions_file_default_and_alternatives():
    default, definitions = tech.load_tech_definitions()
    assert default == "eurostat_hightech"
    assert definitions[default].codes == ("21", "26", "59", "60", "61", "62", "63", "72")
    assert {"ict_narrow", "eurostat_medium_high_tech_manufacturing", "tr_proxy"} <= set(definitions)
    assert tech.tech_definition("ict_narrow").codes == ("61", "62", "63.1")
    with pytest.raises(TrsplanError):
        tech.tech_definition("no_such_definition")


def test_mapping_file_has_the_documented_example_and_marks_the_rest():
    mapping = tech.load_nace_mapping()
    documented = mapping[mapping["status"] == "documented"]
    assert list(zip(documented["sn2007"], documented["sn2025"], strict=True)) == [
        ("96.02", "96.210")
    ]
    assert set(mapping["status"]) == {"documented", "unverified"}


def test_convert_nace_examples():
    codes = pd.Series(["96.021", "62.010", "62.030", "63.120", "21.200", None], dtype="string")
    out = tech.convert_nace(codes, to="sn2025").tolist()
    assert out[:5] == [("96.210",), ("62.10",), ("62.20",), ("63.91", "60.39"), ("21.200",)]
    assert pd.isna(out[5])
    back = tech.convert_nace(pd.Series(["96.210", "61.100", "60.310", "62.200"]), to="sn2007")
    assert back.tolist() == [("96.02",), ("61.1", "61.2", "61.3"), ("63.91",), ("62.02", "62.03")]


def test_classify_nace_sn2007_and_sn2025():
    eurostat = tech.tech_definition()
    sn2007 = pd.Series(["62.010", "26.110", "47.110", "72.190", "96.021", None])
    assert tech.classify_nace(sn2007, eurostat, nace_version="sn2007").tolist() == [
        True, True, False, True, False, NA
    ]  # fmt: skip
    sn2025 = pd.Series(["62.100", "60.310", "96.210", "63.920"])
    assert tech.classify_nace(sn2025, eurostat, nace_version="sn2025").tolist() == [
        True, True, False, True
    ]  # fmt: skip
    narrow = tech.tech_definition("ict_narrow")  # 61, 62, 63.1
    # 63.100 <- 63.11 (in 63.1); 63.920 <- 63.99 (not); 60.310 <- 63.91 (not)
    out = tech.classify_nace(
        pd.Series(["63.100", "63.920", "60.310"]), narrow, nace_version="sn2025"
    )
    assert out.tolist() == [True, False, False]


def test_classify_nace_is_undecided_when_the_candidates_disagree():
    only_wireless = tech.TechDefinition("wireless", ("61.2",))
    # SN2025 61.100 comes from 61.1, 61.2 and 61.3: some in, some out
    out = tech.classify_nace(pd.Series(["61.100", "61.200"]), only_wireless, nace_version="sn2025")
    assert out.tolist() == [NA, False]  # 61.200 <- 61.9 only
    assert str(out.dtype) == "boolean"


def test_curated_example_list_is_fictitious():
    listed = tech.load_curated_list()
    assert listed["organisasjonsnummer"].str.fullmatch(r"0\d{8}").all()  # real ones start 8/9
    assert (listed["synthetic"] == "true").all()


# Hand-made register extract (SN2007 codes). Region r = {5001, 5028}; 0301 is outside.
#   u1 62.010 5001 reg 2010           50 employees
#   u2 26.110 5001 reg 2015           withheld (null, flag true)  -> 1 / 2.5 / 4
#   u3 47.110 5001 reg 2000           not tech
#   u4 72.190 5028 reg 2012, deleted 2016-06-30, 10 employees
#   u5 62.020 5028 reg 2014-12-31     null, flag false            -> 0 / 0 / 4
#   u6 62.010 0301 reg 2011           7 employees (outside the region)
# 2014: 5001 u1 -> 1 company, 50/50/50; 5028 u4 + u5 -> 2 companies, 10/10/14
# 2016: 5001 u1 + u2 -> 2, 51/52.5/54; 5028 u5 (u4 deleted in 2016) -> 1, 0/0/4
# region 2014: 3 companies, 60/60/64; 2016: 3 companies, 51/52.5/58
UNITS = pd.DataFrame(
    {
        "organisasjonsnummer": [f"90000000{i}" for i in range(1, 7)],
        "naeringskode1.kode": ["62.010", "26.110", "47.110", "72.190", "62.020", "62.010"],
        "antallAnsatte": [50, None, 3, 10, None, 7],
        "harRegistrertAntallAnsatte": ["true", "true", "true", "true", "false", "true"],
        "forretningsadresse.kommunenummer": ["5001", "5001", "5001", "5028", "5028", "0301"],
        "registreringsdatoEnhetsregisteret": [
            "2010-05-01", "2015-03-01", "2000-01-01", "2012-02-02", "2014-12-31", "2011-01-01"
        ],
        "slettedato": [None, None, None, "2016-06-30", None, None],
    }
)  # fmt: skip
MEMBERS = pd.DataFrame({"geo_code": ["r", "r"], "code": ["5001", "5028"], "weight": [1.0, 1.0]})


def _row(frame: pd.DataFrame, geo: str, year: int) -> pd.Series:
    return frame[(frame["geo_code"] == geo) & (frame["year"] == year)].iloc[0]


def _counts() -> pd.DataFrame:
    is_tech = tech.classify_units(UNITS, nace_version="sn2007")
    return tech.tech_counts(UNITS, [2014, 2016], is_tech)


def test_employee_range_rules():
    out = tech.employee_range(UNITS)
    assert out["employees_lower"].tolist() == [50, 1, 3, 10, 0, 7]
    assert out["employees"].tolist() == [50, 2.5, 3, 10, 0, 7]
    assert out["employees_upper"].tolist() == [50, 4, 3, 10, 4, 7]
    # booleans and nullable integers as trsplan.sources.brreg_bulk.csv_to_parquet writes them
    typed = UNITS.astype({"antallAnsatte": "Int64", "harRegistrertAntallAnsatte": "string"})
    typed["harRegistrertAntallAnsatte"] = typed["harRegistrertAntallAnsatte"] == "true"
    assert tech.employee_range(typed).equals(out)
    no_flag = tech.employee_range(UNITS.drop(columns="harRegistrertAntallAnsatte"))
    assert no_flag.loc[1, ["employees_lower", "employees", "employees_upper"]].tolist() == [0, 2, 4]


def test_tech_counts_by_municipality_and_year():
    out = _counts()
    cols = ["tech_companies", "tech_employees_lower", "tech_employees", "tech_employees_upper"]
    assert _row(out, "5001", 2014)[cols].tolist() == [1, 50, 50, 50]
    assert _row(out, "5028", 2014)[cols].tolist() == [2, 10, 10, 14]
    assert _row(out, "5001", 2016)[cols].tolist() == [2, 51, 52.5, 54]
    assert _row(out, "5028", 2016)[cols].tolist() == [1, 0, 0, 4]
    assert _row(out, "5001", 2016)["tech_employees_withheld"] == 1  # u2
    assert (
        _row(out, "5001", 2016)["tech_startups"] == 0
        and _row(out, "5028", 2014)["tech_startups"] == 1
    )
    assert _row(out, "0301", 2014)["tech_companies"] == 1


def test_regional_sums_and_goal_4():
    region = tech.regional_sums(_counts(), MEMBERS)
    cols = ["tech_companies", "tech_employees_lower", "tech_employees", "tech_employees_upper"]
    assert _row(region, "r", 2014)[cols].tolist() == [3, 60, 60, 64]
    assert _row(region, "r", 2016)[cols].tolist() == [3, 51, 52.5, 58]
    goal = tech.goal_4(region)
    row = _row(goal, "r", 2016)
    assert row["tech_companies_doubling_progress"] == pytest.approx(0.5)  # 3 / (2 × 3)
    assert row["tech_employees_doubling_progress"] == pytest.approx(52.5 / 120)  # / (2 × 60)
    assert row["tech_companies_target_share"] == pytest.approx(0.003)  # 3 / 1000
    assert row["tech_employees_target_share"] == pytest.approx(52.5 / 20000)


def test_doubling_progress_without_baseline_is_missing():
    values = pd.DataFrame(
        {"geo_code": ["r", "r"], "year": [2015, 2016], "tech_companies": [4.0, 6.0]}
    )
    out = tech.doubling_progress(values, baseline_year=2014)
    assert out["tech_companies_doubling_progress"].isna().all()


def test_curated_method_and_organisation_forms():
    by_list = tech.classify_units(UNITS, method="curated", curated=["900000001", "900000003"])
    assert by_list.tolist() == [True, False, True, False, False, False]
    forms = UNITS.assign(**{"organisasjonsform.kode": ["AS", "ENK", "AS", "AS", "AS", "AS"]})
    out = tech.classify_units(forms, nace_version="sn2007", organisation_forms={"AS"})
    assert out.tolist() == [True, False, False, True, True, True]
    with pytest.raises(TrsplanError):
        tech.classify_units(UNITS)  # nace_version must be said


def test_sn2025_extract_gives_the_same_counts():
    recoded = UNITS.assign(
        **{"naeringskode1.kode": ["62.100", "26.110", "47.110", "72.190", "62.200", "62.100"]}
    )
    is_tech = tech.classify_units(recoded, nace_version="sn2025")
    assert tech.tech_counts(recoded, [2014, 2016], is_tech).equals(_counts())


# --- properties ---------------------------------------------------------------------------

unit_rows = st.tuples(
    st.sampled_from(["5001", "5028", "5029"]),
    st.one_of(st.none(), st.integers(0, 500)),
    st.sampled_from(["true", "false", None]),
    st.integers(2005, 2020),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(unit_rows, min_size=1, max_size=25))
def test_withheld_range_is_ordered_and_sums_over_members(rows):
    units = pd.DataFrame(
        {
            "organisasjonsnummer": [f"9{i:08d}" for i in range(len(rows))],
            "forretningsadresse.kommunenummer": [r[0] for r in rows],
            "antallAnsatte": pd.array([r[1] for r in rows], dtype="Int64"),
            "harRegistrertAntallAnsatte": [r[2] for r in rows],
            "registreringsdatoEnhetsregisteret": [f"{r[3]}-06-01" for r in rows],
        }
    )
    emp = tech.employee_range(units)
    assert (emp["employees_lower"] <= emp["employees"]).all()
    assert (emp["employees"] <= emp["employees_upper"]).all()
    is_tech = pd.Series(True, index=units.index, dtype="boolean")
    counts = tech.tech_counts(units, [2010, 2020], is_tech, municipalities=["5001", "5028", "5029"])
    assert (counts["tech_employees_lower"] <= counts["tech_employees"]).all()
    assert (counts["tech_employees"] <= counts["tech_employees_upper"]).all()
    members = pd.DataFrame(
        {"geo_code": ["r"] * 3, "code": ["5001", "5028", "5029"], "weight": [1.0] * 3}
    )
    region = tech.regional_sums(counts, members).set_index("year")
    summed = counts.groupby("year")[tech.COUNT_COLUMNS].sum()
    assert region[tech.COUNT_COLUMNS].to_numpy() == pytest.approx(summed.to_numpy())


_, DEFINITIONS = tech.load_tech_definitions()
MAPPING = tech.load_nace_mapping()
TECH_DIVISIONS = sorted({c[:2] for d in DEFINITIONS.values() for c in d.codes})
# Where SN2025 reorganises classes, only real SN2007 codes can round-trip (a made-up "63.920"
# would come back as 63.99): the SN2007 subclasses of those groups [unverified (general
# knowledge)]. Every other code of a tech division is drawn at random.
SN2007_CODES = {
    "46": ["46.510", "46.520", "46.190", "46.900"],
    "60": ["60.100", "60.200"],
    "61": ["61.100", "61.200", "61.300", "61.900"],
    "62": ["62.010", "62.020", "62.030", "62.090"],
    "63": ["63.110", "63.120", "63.910", "63.990"],
}
tech_codes = st.one_of(
    st.sampled_from([c for codes in SN2007_CODES.values() for c in codes]),
    st.builds(
        "{}.{:03d}".format,
        st.sampled_from([d for d in TECH_DIVISIONS if d not in SN2007_CODES]),
        st.integers(0, 999),
    ),
)


@settings(max_examples=200, deadline=None)
@given(tech_codes)
def test_sn2025_mapping_round_trips_for_tech_divisions(code: str):
    division = code[:2]
    forward = tech.convert_nace(pd.Series([code]), to="sn2025", mapping=MAPPING).iloc[0]
    back = tech.convert_nace(pd.Series(list(forward)), to="sn2007", mapping=MAPPING)
    candidates = {c for tup in back for c in tup}
    digits = code.replace(".", "")
    # the original code is recovered (at the mapping's level of detail) and stays in its division
    assert any(digits.startswith(c.replace(".", "")) for c in candidates)
    assert {c[:2] for c in candidates} == {division}
    # and every definition classifies the SN2007 code and its SN2025 image alike
    for definition in DEFINITIONS.values():
        old = tech.classify_nace(pd.Series([code]), definition, nace_version="sn2007").iloc[0]
        new = tech.classify_nace(
            pd.Series(list(forward)), definition, nace_version="sn2025", mapping=MAPPING
        )
        assert all(v is NA or v == old for v in new.tolist()), (definition.name, code, forward)


def test_missing_municipality_column_is_an_error():
    with pytest.raises(TrsplanError):
        tech.tech_counts(
            UNITS.drop(columns="forretningsadresse.kommunenummer"),
            [2014],
            pd.Series(True, index=UNITS.index),
        )


def test_measures():
    assert set(tech.MEASURES) >= {
        "tech_companies",
        "tech_employees",
        "tech_employees_lower",
        "tech_employees_upper",
    }
    assert math.isclose(tech.TARGETS_2025["tech_employees"], 20000)
