"""Tests for trsplan.evaluation.targets and the shipped targets.yaml."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from trsplan.errors import TargetsFileError, TrsplanError
from trsplan.evaluation.targets import Goal, Target, Targets, default_targets_path, load_targets
from trsplan.paths import PROJECT_ROOT

SHARED_PLAN = PROJECT_ROOT.parent / "shared" / "plan"
GOALS_MD = SHARED_PLAN / "GOALS.md"
PLAN_TXT = SHARED_PLAN / "strategisk-naeringsplan.txt"
needs_goals_md = pytest.mark.skipif(
    not GOALS_MD.is_file(), reason=f"{GOALS_MD} is absent (../shared is not beside the checkout)"
)
needs_plan_txt = pytest.mark.skipif(
    not PLAN_TXT.is_file(), reason=f"{PLAN_TXT} is absent (../shared is not beside the checkout)"
)

# H, 1 + 1.1–1.5, 2 + 2.1–2.6, 3 + 3.1–3.4, 4 + 4.1–4.4, 5 + 5.1–5.5: 1+6+7+5+5+6 = 30 ids.
EXPECTED_IDS = (
    "H",
    "1", "1.1", "1.2", "1.3", "1.4", "1.5",
    "2", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6",
    "3", "3.1", "3.2", "3.3", "3.4",
    "4", "4.1", "4.2", "4.3", "4.4",
    "5", "5.1", "5.2", "5.3", "5.4", "5.5",
)  # fmt: skip


def goals_md_ids() -> list[str]:
    """The ID column of every table in GOALS.md, in order."""
    ids = []
    for line in GOALS_MD.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\|\s*([^|]+?)\s*\|", line)
        if m and re.fullmatch(r"H|\d+(\.\d+)?", m.group(1)):
            ids.append(m.group(1))
    return ids


@pytest.fixture(scope="module")
def shipped() -> Targets:
    return load_targets(default_targets_path())


# --------------------------------------------------------------------------- the shipped file


def test_shipped_file_has_the_expected_ids_in_order(shipped: Targets) -> None:
    assert len(EXPECTED_IDS) == 30
    assert shipped.goal_ids() == EXPECTED_IDS
    assert [g.id for g in shipped.goals()] == list(EXPECTED_IDS)


@needs_goals_md
def test_shipped_file_has_every_goals_md_id(shipped: Targets) -> None:
    ids = goals_md_ids()
    assert ids, "no IDs parsed from GOALS.md tables"
    assert len(ids) == len(set(ids))
    assert list(shipped.goal_ids()) == ids
    assert set(ids) == set(EXPECTED_IDS)


@needs_plan_txt
def test_text_nb_quotes_the_plan(shipped: Targets) -> None:
    def norm(s: str) -> str:
        return " ".join(s.split())

    plan = norm(PLAN_TXT.read_text(encoding="utf-8"))
    for g in shipped.goals():
        assert norm(g.text_nb) in plan, f"goal {g.id}: text_nb is not quoted from the plan"


def test_shipped_structure(shipped: Targets) -> None:
    assert shipped.version
    assert shipped.source.adopted.isoformat() == "2010-06-11"
    assert "Regionrådet" in shipped.source.adopted_by
    assert len(shipped.source.municipalities) == 10
    for g in shipped.goals():
        assert g.text_nb and g.text_en
        if g.level == "sub":
            assert g.parent == g.id.split(".")[0]
        else:
            assert g.parent is None
        if g.kind == "quantitative":
            assert g.indicator and g.targets
        else:
            assert not g.targets
        if g.kind == "qualitative":
            assert g.indicator is None
    assert [g.id for g in shipped.main_goals()] == ["1", "2", "3", "4", "5"]
    assert [g.id for g in shipped.children("3")] == ["3.1", "3.2", "3.3", "3.4"]
    assert shipped.goal("H").level == "overall"


def test_indicator_examples_from_the_brief(shipped: Targets) -> None:
    assert shipped.goal("5.1").indicator == "population_change"
    assert shipped.goal("H").indicator == "gdp_share_ratio"
    assert set(shipped.goal("4").indicators) == {"tech_companies", "tech_employees"}
    assert shipped.goal("3").indicator == "new_enterprises_per_1000"
    assert shipped.goal("3.4").indicator == "new_enterprises_per_1000"
    assert shipped.goal("3.1").indicator == "in_commuters_trondheim"
    assert shipped.goal("3.2").indicator == "building_case_days_12w"
    assert shipped.goal("5").indicator == "residential_attractiveness"
    assert shipped.goal("1.5").indicator == "cluster_regional_shift_pct"
    assert "location_quotient" in shipped.goal("1.5").indicators
    assert shipped.goal("5.3").indicator == "immigrant_share"
    # every indicator used anywhere is labelled
    labelled = set(shipped.indicator_ids())
    for g in shipped.goals():
        assert set(g.indicators) <= labelled
    for ind in shipped.indicators():
        assert ind.label_nb and ind.label_en and ind.unit


def test_operationalisations_quote_the_plan_and_5_3_is_context(shipped: Targets) -> None:
    def norm(s: str) -> str:
        return " ".join(s.split())

    ops = {t.goal_id: t.operationalisation for t in shipped.targets() if t.operationalisation}
    assert {"H", "1.5", "2.3", "3.2"} <= set(ops)
    for goal_id, op in ops.items():
        # the plan's words are the goal's own wording (text_nb is quoted from the plan)
        assert norm(op.plan_words) in norm(shipped.goal(goal_id).text_nb), goal_id
        assert op.reading_nb and op.reading_en
    assert "kvartil" in ops["3.2"].reading_nb and "quartile" in ops["3.2"].reading_en
    # 5.3 has no target in the plan: context only, never met or missed
    assert {t.direction for t in shipped.goal("5.3").targets} == {"context"}
    # 1.5's target can be met: the clusters' regional shift at least 0
    first = shipped.goal("1.5").targets[0]
    assert (first.indicator, first.direction, first.value) == (
        "cluster_regional_shift_pct",
        "at_least",
        0.0,
    )


def test_goal_5_1_targets(shipped: Targets) -> None:
    targets = shipped.goal("5.1").targets
    assert len(targets) == 2
    yearly = next(t for t in targets if t.basis == "level")
    cumulative = next(t for t in targets if t.basis == "cumulative_since_baseline")
    for t in (yearly, cumulative):
        assert t.indicator == "population_change"
        assert t.value == 4000
        assert t.unit == "persons"
        assert t.direction == "at_least"
        assert t.deadline is None and t.every_year
    assert cumulative.baseline_year == 2010
    assert shipped.targets_for("population_change") == targets


def test_goal_4_targets(shipped: Targets) -> None:
    targets = shipped.goal("4").targets
    levels = {(t.indicator, t.value, t.unit) for t in targets if t.basis == "level"}
    assert levels == {("tech_companies", 1000, "companies"), ("tech_employees", 20000, "persons")}
    doubling = [t for t in targets if t.basis == "ratio_to_baseline"]
    # "doble antall teknologiselskaper og ansatte i disse fra 2014 til 2025": both indicators
    assert {t.indicator for t in doubling} == {"tech_companies", "tech_employees"}
    for t in targets:
        assert t.deadline == 2025
        assert t.direction == "at_least"
    for t in doubling:
        assert t.value == 2.0 and t.unit == "ratio" and t.baseline_year == 2014
    assert "2014" in (shipped.goal("4").later_wording_nb or "")


def test_overall_goal_target(shipped: Targets) -> None:
    main = shipped.goal("H").targets[0]
    assert (main.indicator, main.value, main.unit, main.deadline, main.direction) == (
        "gdp_share_ratio",
        1.0,
        "ratio",
        2020,
        "at_least",
    )


def test_trend_and_rank_targets_have_no_value(shipped: Targets) -> None:
    for t in shipped.targets():
        if t.direction in ("increase", "decrease", "rank_best", "context"):
            assert t.value is None
        else:
            assert isinstance(t.value, float)
        if t.direction == "rank_best":
            assert t.comparison


def test_qualitative_goals(shipped: Targets) -> None:
    qual = shipped.qualitative_goals()
    assert [g.id for g in qual] == ["1.1", "1.2", "1.3", "1.4", "2.4", "2.5", "4.4", "5.4", "5.5"]
    assert all(isinstance(g, Goal) and g.indicator is None for g in qual)
    assert {g.id for g in shipped.goals_of_kind("not_available")} == {"3.3", "4.2", "4.3", "5.2"}


def test_as_frame_one_row_per_target(shipped: Targets) -> None:
    frame = shipped.as_frame()
    assert isinstance(frame, pd.DataFrame)
    assert len(frame) == len(shipped.targets())
    assert frame["deadline"].dtype == "Int64"
    assert frame["value"].dtype == "Float64"
    row = frame[(frame.goal_id == "4") & (frame.indicator == "tech_employees")].iloc[0]
    assert row["value"] == 20000 and row["deadline"] == 2025
    assert row["indicator_label_en"] == "Employees of technology companies"
    assert list(frame.goal_id.unique()) == [g.id for g in shipped.goals() if g.targets]


def test_unknown_goal_and_indicator_list_the_ids(shipped: Targets) -> None:
    with pytest.raises(TargetsFileError, match=r"'6\.1'.*known ids: H, 1, 1\.1"):
        shipped.goal("6.1")
    with pytest.raises(TargetsFileError, match="known ids: gdp_share_ratio"):
        shipped.targets_for("no_such_indicator")
    assert shipped.targets_for("natural_increase") == ()


def test_default_load_is_cached_and_honours_data_dir(tmp_path, monkeypatch) -> None:
    assert load_targets() is load_targets()
    monkeypatch.setenv("TRSPLAN_DATA_DIR", str(tmp_path))
    (tmp_path / "targets.yaml").write_text(BASE, encoding="utf-8")
    small = load_targets()
    assert small.goal_ids() == ("H", "4", "4.1", "5", "5.1")
    assert small.path == tmp_path / "targets.yaml"


def test_dataclasses_are_frozen(shipped: Targets) -> None:
    t = shipped.goal("5.1").targets[0]
    assert isinstance(t, Target)
    with pytest.raises(AttributeError):
        t.value = 1  # type: ignore[misc]


# --------------------------------------------------------------------------- invalid files
#
# BASE is valid. Each case replaces one line (so numbering is unchanged) and states, counted by
# hand in BASE below, the line the error must name. The line numbers are written to the right.

BASE = """\
version: "1"
source:
  title: "Testplan"
  adopted: "2010-06-11"
  adopted_by: "Regionrådet"
# Lines 6-14 keep the numbering of the cases below: indicator ids are those of the
# indicator catalogue (data/indicators.yaml), which this file no longer lists.
#
#
#
#
#
#
#
goals:
  - id: "H"
    parent: null
    level: overall
    text_nb: "Overordnet mål"
    text_en: "Overall goal"
    kind: qualitative
    indicator: null
  - id: "4"
    parent: null
    level: main
    text_nb: "1.000 teknologiselskaper"
    text_en: "1,000 technology companies"
    kind: quantitative
    indicator: tech_companies
    targets:
      - indicator: tech_companies
        value: 1000
        unit: companies
        deadline: 2025
        direction: at_least
  - id: "4.1"
    parent: "4"
    level: sub
    text_nb: "Kommersialisering"
    text_en: "Commercialisation"
    kind: qualitative
    indicator: null
  - id: "5"
    parent: null
    level: main
    text_nb: "Attraktiv region"
    text_en: "Attractive region"
    kind: not_available
    indicator: null
  - id: "5.1"
    parent: "5"
    level: sub
    text_nb: "Befolkningsvekst på 4.000 i året"
    text_en: "Population growth of 4,000 a year"
    kind: quantitative
    indicator: population_change
    targets:
      - indicator: population_change
        value: 4000
        unit: persons
        deadline: null
        direction: at_least
        basis: cumulative_since_baseline
        baseline_year: 2010
"""
#  1 version          16 - id: "H"        30 targets:             50 - id: "5.1"
#  2 source:          17 parent           31 - indicator: tech    51 parent: "5"
#  6-14 comments     23 - id: "4"        32 value: 1000          53 text_nb   54 text_en
#                    24 parent: null     33 unit: companies      55 kind: quantitative
#                    27 text_en          34 deadline: 2025       56 indicator: population_change
#                    28 kind: quant.     35 direction: at_least  58 - indicator: population_change
#                    29 indicator: tech  36 - id: "4.1"          59 value  60 unit  61 deadline
# 15 goals:                               37 parent: "4"          62 direction  63 basis
#                                         42 indicator: null      64 baseline_year
#                                         43 - id: "5"


def variant(line: int, new: str, expect_old: str) -> str:
    """BASE with line ``line`` (1-based) replaced; checks the hand count hit ``expect_old``."""
    lines = BASE.splitlines()
    assert expect_old in lines[line - 1], f"hand count off: line {line} is {lines[line - 1]!r}"
    indent = lines[line - 1][: len(lines[line - 1]) - len(lines[line - 1].lstrip())]
    lines[line - 1] = indent + new
    return "\n".join(lines) + "\n"


def test_base_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(BASE, encoding="utf-8")
    t = load_targets(path)
    assert t.goal("5.1").targets[0].basis == "cumulative_since_baseline"
    assert t.goal("5.1").line == 50
    assert t.goal("5.1").targets[0].line == 58


CASES = [
    # (name, line, replacement, text the line had, expected line, goal/indicator, words in message)
    ("unknown kind", 55, "kind: quantitive", "kind: quantitative", 55, "goal '5.1'",
     ["unknown kind 'quantitive'", "allowed: not_available, qualitative, quantitative"]),
    ("unknown direction", 35, "direction: lower", "direction: at_least", 35, "goal '4'",
     ["unknown direction 'lower'", "at_least", "rank_best"]),
    ("unknown target unit", 60, "unit: people", "unit: persons", 60, "goal '5.1'",
     ["unknown unit 'people'", "persons", "per_1000"]),
    ("unknown basis", 63, "basis: running_total", "basis: cumulative", 63, "goal '5.1'",
     ["unknown basis 'running_total'", "cumulative_since_baseline"]),
    ("unknown level", 38, "level: subgoal", "level: sub", 38, "goal '4.1'",
     ["unknown level 'subgoal'", "overall", "main", "sub"]),
    ("duplicate id", 36, '- id: "4"', 'id: "4.1"', 36, "goal '4'",
     ["duplicate goal id '4'", "first defined on line 23"]),
    ("parent not defined", 51, 'parent: "9"', 'parent: "5"', 51, "goal '5.1'",
     ["parent '9' is not defined", "4, 5"]),
    ("parent is a sub-goal", 51, 'parent: "4.1"', 'parent: "5"', 51, "goal '5.1'",
     ["parent '4.1' is a sub goal", "must be a main goal"]),
    ("main goal with a parent", 24, 'parent: "5"', "parent: null", 24, "goal '4'",
     ["main goal has parent null", "'5'"]),
    ("quantitative without indicator", 56, "indicator: null", "indicator: population_change",
     56, "goal '5.1'", ["quantitative goal needs an indicator", "qualitative"]),
    ("value not a number", 59, 'value: "many"', "value: 4000", 59, "goal '5.1'",
     ["target value 'many' is not a number", "null for increase"]),
    ("value a boolean", 32, "value: yes", "value: 1000", 32, "goal '4'",
     ["target value True is not a number"]),
    ("numeric direction without value", 32, "value: null", "value: 1000", 32, "goal '4'",
     ["value is null but direction at_least needs a number"]),
    ("deadline too late", 34, "deadline: 2099", "deadline: 2025", 34, "goal '4'",
     ["deadline 2099 is not a year between 2010 and 2050"]),
    ("deadline too early", 34, "deadline: 2005", "deadline: 2025", 34, "goal '4'",
     ["deadline 2005 is not a year between 2010 and 2050"]),
    ("deadline as text", 61, 'deadline: "each year"', "deadline: null", 61, "goal '5.1'",
     ["deadline 'each year' is not a year", "null for every year"]),
    ("baseline year out of range", 64, "baseline_year: 1990", "baseline_year: 2010", 64,
     "goal '5.1'", ["baseline_year 1990 is not a year between 2010 and 2050"]),
    ("missing text_nb", 53, "# text_nb removed", "text_nb:", 50, "goal '5.1'",
     ["lacks required field(s) text_nb"]),
    ("missing text_en", 27, "# text_en removed", "text_en:", 23, "goal '4'",
     ["lacks required field(s) text_en"]),
    ("empty text_en", 54, 'text_en: ""', "text_en:", 54, "goal '5.1'",
     ["text_en must be a non-empty text"]),
    ("goal indicator not listed", 29, "indicator: tech_firms", "indicator: tech_companies", 29,
     "goal '4'", ["indicator 'tech_firms' is not in the indicator catalogue",
                  "tech_companies"]),
    ("target indicator not listed", 58, "- indicator: pop_change",
     "- indicator: population_change", 58, "goal '5.1'",
     ["target indicator 'pop_change' is not in the indicator catalogue", "population_change"]),
    ("target indicator not the goal's", 58, "- indicator: tech_companies",
     "- indicator: population_change", 58, "goal '5.1'",
     ["'tech_companies' is not one of this goal's indicators"]),
    ("misspelt field", 61, "dedline: null", "deadline: null", 61, "goal '5.1'",
     ["unknown field 'dedline'", "allowed fields"]),
    ("qualitative with indicator", 42, "indicator: tech_companies", "indicator: null", 42,
     "goal '4.1'", ["qualitative goal has indicator: null"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("line", "new", "old", "expected_line", "who", "words"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_invalid_file_names_line_and_goal(
    tmp_path: Path,
    line: int,
    new: str,
    old: str,
    expected_line: int,
    who: str,
    words: list[str],
) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(variant(line, new, old), encoding="utf-8")
    with pytest.raises(TargetsFileError) as info:
        load_targets(path)
    message = str(info.value)
    assert message.startswith(f"{path}:{expected_line}: {who}: "), message
    for word in words:
        assert word in message, message
    assert isinstance(info.value, TrsplanError)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "targets.yaml"
    path.write_text(variant(32, "value: [1000", "value: 1000"), encoding="utf-8")
    with pytest.raises(TargetsFileError, match=r"not valid YAML") as info:
        load_targets(path)
    assert re.match(rf"{re.escape(str(path))}:3[2-4]: ", str(info.value))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TargetsFileError, match="cannot read"):
        load_targets(tmp_path / "nope.yaml")


def test_quantitative_goal_needs_targets(tmp_path: Path) -> None:
    text = BASE.replace(
        "    targets:\n      - indicator: tech_companies\n        value: 1000\n"
        "        unit: companies\n        deadline: 2025\n        direction: at_least\n",
        "",
    )
    path = tmp_path / "targets.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TargetsFileError, match="at least one target") as info:
        load_targets(path)
    assert str(info.value).startswith(f"{path}:23: goal '4': ")
