"""Validation and grading of the five item types."""
import dataclasses

import pytest

from question_bank.model import Item, Option, ScoringPoint, difficulty_level
from question_bank.types import ITEM_TYPES, validate

ABCD = tuple(Option(i, f"选项{i}") for i in "ABCD")


def single(**kw):
    return Item(**{"type": "single", "stem": "<p>题干</p>", "options": ABCD, "answer": "B", "points": 2, **kw})


def fields(problems):
    return [p.where for p in problems]


def test_a_sound_single_choice_item_has_no_problems():
    assert validate(single()) == []


@pytest.mark.parametrize("answer, message", [(None, "现有 0 个"), ("AB", "现有 2 个")])
def test_single_choice_needs_exactly_one_key(answer, message):
    problems = validate(single(answer=answer))
    assert fields(problems) == ["answer"] and message in problems[0].message


def test_a_key_must_be_an_existing_option():
    problems = validate(single(answer="F"))
    assert "F 不是已有的选项" in problems[0].message


def test_options_are_two_to_ten_lettered_in_order():
    assert "选项须有 2 到 10 个" in validate(single(options=ABCD[:1], answer="A"))[0].message
    eleven = tuple(Option(chr(65 + i), "x") for i in range(11))
    assert "options" in fields(validate(single(options=eleven, answer="A")))
    shuffled = (ABCD[1], ABCD[0], ABCD[2], ABCD[3])
    assert "依次标为" in validate(single(options=shuffled))[0].message


def test_empty_stem_empty_option_bad_points_and_difficulty_are_each_named():
    item = single(stem="<p> </p>", options=ABCD[:3] + (Option("D", ""),), points=0, difficulty=1.5)
    assert set(fields(validate(item))) == {"stem", "options[D]", "points", "difficulty"}


def test_multiple_choice_needs_two_keys():
    item = Item("multiple", "<p>x</p>", ABCD, ("A",))
    assert "至少要有两个正确答案" in validate(item)[0].message
    assert validate(Item("multiple", "<p>x</p>", ABCD, ("A", "C"))) == []


def test_truefalse_answer_is_a_boolean_and_takes_no_options():
    assert validate(Item("truefalse", "<p>x</p>", answer=True)) == []
    assert fields(validate(Item("truefalse", "<p>x</p>", answer="对"))) == ["answer"]
    assert "options" in fields(validate(Item("truefalse", "<p>x</p>", ABCD, True)))


def test_blank_needs_accepted_answers_for_every_blank():
    assert validate(Item("blank", "<p>x</p>", answer=(("a",), ("b", "B")))) == []
    assert fields(validate(Item("blank", "<p>x</p>", answer=(("a",), ("",))))) == ["answer[2]"]
    assert fields(validate(Item("blank", "<p>x</p>", answer=()))) == ["answer"]


def test_short_answer_needs_reference_and_points_that_add_up():
    good = Item("short", "<p>x</p>", answer="<p>参考</p>", points=4,
                scoring_points=(ScoringPoint("要点一", 2), ScoringPoint("要点二", 2)))
    assert validate(good) == []
    bad = Item("short", "<p>x</p>", answer="", points=5, scoring_points=(ScoringPoint("要点", 2),))
    assert set(fields(validate(bad))) == {"answer", "scoring_points"}


def test_unknown_type_is_named():
    assert "未知题型" in validate(Item("matching", "<p>x</p>"))[0].message


def test_grading_single_and_truefalse():
    item = single()
    assert ITEM_TYPES["single"].grade(item, "B").points == 2
    assert ITEM_TYPES["single"].grade(item, "A").points == 0
    tf = Item("truefalse", "x", answer=False, points=1)
    assert ITEM_TYPES["truefalse"].grade(tf, False).correct is True
    assert ITEM_TYPES["truefalse"].grade(tf, "false").points == 0


@pytest.mark.parametrize("rule, chosen, points", [
    ("all_or_nothing", ("A", "C", "D"), 4), ("all_or_nothing", ("A", "C"), 0),
    ("half_for_subset", ("A", "C"), 2), ("half_for_subset", ("A", "B"), 0),
    ("per_option", ("A",), 4 / 3), ("per_option", ("A", "B"), 0), ("per_option", (), 0),
])
def test_multiple_choice_rules(rule, chosen, points):
    item = Item("multiple", "x", ABCD, ("A", "C", "D"), points=4)
    assert ITEM_TYPES["multiple"].grade(item, chosen, rule).points == pytest.approx(points, abs=1e-3)


def test_blank_grading_folds_width_case_and_spaces_and_gives_credit_per_blank():
    item = Item("blank", "x", answer=(("I=U/R",), ("欧姆",)), points=4)
    assert ITEM_TYPES["blank"].grade(item, ["ｉ = u/r", "欧 姆"]).points == 4  # full-width, case, spaces
    assert ITEM_TYPES["blank"].grade(item, ["I=R/U", "欧姆"]).points == 2
    assert ITEM_TYPES["blank"].grade(item, [" I=U/R ", "欧姆"]).points == 4
    assert ITEM_TYPES["blank"].grade(item, ["i=u/r"]).points == 2


def test_short_answer_waits_for_a_teacher():
    item = Item("short", "x", answer="ref", points=10)
    score = ITEM_TYPES["short"].grade(item, "我的答案")
    assert score.points is None and score.max_points == 10


def test_difficulty_levels():
    assert [difficulty_level(p) for p in (0.9, 0.7, 0.69, 0.4, 0.39)] == ["easy", "easy", "medium", "medium", "hard"]


def test_blank_case_matters_when_the_item_says_so():
    item = Item("blank", "x", answer=(("mA",),), points=2, case_sensitive=True)
    assert ITEM_TYPES["blank"].grade(item, ["ｍA"]).points == 2
    assert ITEM_TYPES["blank"].grade(item, ["MA"]).points == 0
    assert ITEM_TYPES["blank"].grade(dataclasses.replace(item, case_sensitive=False), ["MA"]).points == 2


@pytest.mark.parametrize("accepted, given, right", [
    ("12.5", "12.50", True), ("12.5", "１２．５", True), ("12.5", "12.6", False),
    ("12.5±0.1", "12.41", True), ("12.5±0.1", "12.6", True), ("12.5±0.1", "12.61", False),
    ("12.5 +- 0.1", "12.45", True), ("-3", "-3.0", True), ("1e3", "1000", True),
    ("12.5±0.1", "12.5V", False), ("12.5", "", False), ("0", "0", True), ("3.14", "abc", False),
])
def test_blank_numbers_match_by_value_within_the_tolerance(accepted, given, right):
    item = Item("blank", "x", answer=((accepted,),), points=1)
    assert ITEM_TYPES["blank"].grade(item, [given]).correct is right


def test_blank_alternatives_each_count_and_a_bad_tolerance_is_refused():
    item = Item("blank", "x", answer=(("欧姆定律", "Ohm's law", "I=U/R"),), points=1)
    assert all(ITEM_TYPES["blank"].grade(item, [g]).correct for g in ("ohm's LAW", "I = U / R", "欧姆定律"))
    bad = Item("blank", "x", answer=(("12±abc",),), points=1)
    assert [p.where for p in validate(bad)] == ["answer[1]"]
