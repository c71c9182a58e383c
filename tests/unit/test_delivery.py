"""Online delivery of a paper: what the browser gets, which responses are taken, how an attempt is graded."""
import itertools
import json
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from question_bank import delivery
from question_bank.model import Item, Option, ScoringPoint
from question_bank.paper import Paper, PaperSection
from question_bank.problems import ProblemsError
from question_bank.types import ITEM_TYPES
from question_bank.variants import to_original, variant

SECRET = "绝密"  # every key, explanation and scoring point below carries it; the browser must never see it


def options(tag, n=4, pinned_last=False):
    return tuple(Option(k, f"<p>{tag}选项{k}</p>", pinned=pinned_last and i == n - 1)
                 for i, k in enumerate("ABCDE"[:n]))


def items():
    explanation = f"<p>{SECRET}解析</p>"
    return {
        "single": [Item("single", f"<p>单选{n}</p>", options(f"s{n}"), "ABCD"[n], explanation=explanation,
                        points=99, uid=f"s{n}") for n in range(3)],
        "multiple": [Item("multiple", "<p>多选0</p>", options("m0", 5), ("A", "C", "D"), explanation=explanation,
                          uid="m0"),
                     Item("multiple", "<p>多选1</p>", options("m1", 4, pinned_last=True), ("B", "D"),
                          explanation=explanation, uid="m1")],
        "truefalse": [Item("truefalse", "<p>判断0</p>", answer=True, explanation=explanation, uid="tf0"),
                      Item("truefalse", "<p>判断1</p>", answer=False, explanation=explanation, uid="tf1")],
        "blank": [Item("blank", "<p>____定律：____</p>", answer=((f"欧姆{SECRET}", "欧姆"), ("I=U/R",)),
                       explanation=explanation, uid="b0"),
                  Item("blank", "<p>电阻约____Ω</p>", answer=(("2.5±0.1",),), explanation=explanation, uid="b1")],
        "short": [Item("short", "<p>简述 CPU 的组成。</p>", answer=f"<p>{SECRET}参考答案</p>", explanation=explanation,
                       scoring_points=(ScoringPoint(f"{SECRET}要点一", 5), ScoringPoint(f"{SECRET}要点二", 5)),
                       points=10, uid="q0")],
    }


POINTS = {"single": 2, "multiple": 6, "truefalse": 1, "blank": 3, "short": 10}


def make_paper(rule="half_for_subset"):
    """Five sections, one per type; the multiple-choice section grades by ``rule``."""
    sections = tuple(PaperSection(kind, POINTS[kind], rule if kind == "multiple" else "all_or_nothing",
                                  f"{kind} 说明", tuple(group)) for kind, group in items().items())
    return Paper("单元测验", "JSJ", 30, sections)


MAX_SCORE = 3 * 2 + 2 * 6 + 2 * 1 + 2 * 3 + 10


def plain(paper):
    return variant(paper, "plain", shuffle_items=False, shuffle_options=False)


def right(slot):
    """The stored response that answers a displayed slot correctly."""
    item = slot.item
    if item.type == "single":
        return {"choice": item.answer}
    if item.type == "multiple":
        return {"choices": list(item.answer)}
    if item.type == "truefalse":
        return {"choice": "T" if item.answer else "F"}
    if item.type == "blank":
        return {"blanks": [accepted[-1].split("±")[0] for accepted in item.answer]}
    return {"text": "运算器和控制器"}


# ---------------------------------------------------------------- what the browser gets

ENTRY_KEYS = {"slot", "section", "type", "stem", "options", "points"}


def test_client_items_carry_no_key_explanation_or_scoring_point_of_any_type():
    paper = make_paper()
    for shown in (plain(paper), variant(paper, "exam-1:student-7")):
        entries = delivery.client_items(paper, shown)
        assert {e["type"] for e in entries} == set(POINTS)
        for entry in entries:
            assert set(entry) == ENTRY_KEYS | ({"blanks"} if entry["type"] == "blank" else set())
            for option in entry["options"]:
                assert set(option) == {"id", "text", "image"}
        text = json.dumps(entries, ensure_ascii=False)
        assert SECRET not in text and "I=U/R" not in text and "2.5" not in text


def test_client_items_number_slots_and_take_points_from_the_section():
    paper = make_paper()
    entries = delivery.client_items(paper, plain(paper))
    assert [e["slot"] for e in entries] == list(range(1, 11))
    assert [e["section"] for e in entries] == [0, 0, 0, 1, 1, 2, 2, 3, 3, 4]
    assert [(e["type"], e["points"]) for e in entries[:4]] == [("single", 2)] * 3 + [("multiple", 6)]
    assert isinstance(entries[0]["points"], int)  # 2, not 2.0
    assert entries[0]["stem"] == "<p>单选0</p>"


def test_truefalse_gets_options_t_and_f_and_choices_get_their_own():
    paper = make_paper()
    entries = delivery.client_items(paper, plain(paper), translate=lambda text: f"[{text}]")
    by_type = {e["type"]: e for e in reversed(entries)}  # the first of each type
    assert by_type["truefalse"]["options"] == [{"id": "T", "text": "[正确]", "image": None},
                                               {"id": "F", "text": "[错误]", "image": None}]
    assert [o["id"] for o in by_type["multiple"]["options"]] == list("ABCDE")
    assert by_type["blank"]["options"] == [] and by_type["short"]["options"] == []
    assert "blanks" not in by_type["single"] and "blanks" not in by_type["short"]


def test_blank_items_say_how_many_blanks():
    paper = make_paper()
    blanks = [e["blanks"] for e in delivery.client_items(paper, plain(paper)) if e["type"] == "blank"]
    assert blanks == [2, 1]


def test_option_images_go_through_media_url():
    paper = make_paper()
    pictured = replace(paper.sections[0].items[0],
                       options=(Option("A", "", image="ab.png"),) + paper.sections[0].items[0].options[1:])
    paper = replace(paper, sections=(replace(paper.sections[0], items=(pictured,)),) + paper.sections[1:])
    entry = delivery.client_items(paper, plain(paper), media_url=lambda name: f"/media/{name}")[0]
    assert entry["options"][0]["image"] == "/media/ab.png" and entry["options"][1]["image"] is None


def test_layout_gives_each_slot_its_type_and_size():
    paper = make_paper()
    assert delivery.layout(plain(paper)) == (("single", 4),) * 3 + (("multiple", 5), ("multiple", 4)) + (
        ("truefalse", 2),) * 2 + (("blank", 2), ("blank", 1), ("short", 0))


def test_client_sections_describe_each_section_without_items():
    sections = delivery.client_sections(make_paper("per_option"))
    assert sections[1] == {"index": 1, "type": "multiple", "points_each": 6, "count": 2,
                           "instruction": "multiple 说明", "rule": "per_option"}
    assert [s["count"] for s in sections] == [3, 2, 2, 2, 1]


# ---------------------------------------------------------------- responses

@pytest.mark.parametrize("item_type, size, raw, parsed", [
    ("single", 4, {"choice": "D"}, {"choice": "D"}),
    ("single", 4, {"choice": None}, {"choice": None}),
    ("single", 4, {}, {"choice": None}),
    ("truefalse", 2, {"choice": "F"}, {"choice": "F"}),
    ("multiple", 5, {"choices": ["E", "A", "C", "A"]}, {"choices": ["A", "C", "E"]}),
    ("multiple", 4, {"choices": []}, {"choices": []}),
    ("multiple", 4, {}, {"choices": []}),
    ("blank", 3, {"blanks": ["欧姆"]}, {"blanks": ["欧姆", "", ""]}),
    ("blank", 2, {"blanks": ["a", "b"]}, {"blanks": ["a", "b"]}),
    ("blank", 2, {}, {"blanks": ["", ""]}),
    ("short", 0, {"text": "运算器"}, {"text": "运算器"}),
    ("short", 0, {"text": "x" * delivery.MAX_TEXT_CHARS}, {"text": "x" * delivery.MAX_TEXT_CHARS}),
    ("short", 0, {}, {"text": ""}),
])
def test_parse_response_takes_the_right_shapes_in_canonical_form(item_type, size, raw, parsed):
    assert delivery.parse_response(item_type, size, raw) == parsed


def test_parse_response_drops_fields_of_other_types():
    assert delivery.parse_response("single", 4, {"choice": "A", "text": "x", "answer": "A"}) == {"choice": "A"}


@pytest.mark.parametrize("item_type, size, raw, where", [
    ("single", 4, ["A"], "response"),
    ("single", 4, "A", "response"),
    ("single", 4, None, "response"),
    ("single", 4, {"choice": "E"}, "response.choice"),
    ("single", 4, {"choice": "a"}, "response.choice"),
    ("single", 4, {"choice": 1}, "response.choice"),
    ("single", 4, {"choice": "T"}, "response.choice"),
    ("truefalse", 2, {"choice": "A"}, "response.choice"),
    ("truefalse", 2, {"choice": True}, "response.choice"),
    ("multiple", 4, {"choices": "AC"}, "response.choices"),
    ("multiple", 4, {"choices": ["A", "E"]}, "response.choices"),
    ("multiple", 4, {"choices": None}, "response.choices"),
    ("multiple", 4, {"choices": [["A"]]}, "response.choices"),
    ("blank", 2, {"blanks": "欧姆"}, "response.blanks"),
    ("blank", 2, {"blanks": ["a", "b", "c"]}, "response.blanks"),
    ("blank", 2, {"blanks": ["a", 3]}, "response.blanks"),
    ("blank", 2, {"blanks": ["a", None]}, "response.blanks"),
    ("blank", 2, {"blanks": ["x" * (delivery.MAX_BLANK_CHARS + 1)]}, "response.blanks"),
    ("short", 0, {"text": 5}, "response.text"),
    ("short", 0, {"text": ["运算器"]}, "response.text"),
    ("short", 0, {"text": "x" * (delivery.MAX_TEXT_CHARS + 1)}, "response.text"),
    ("matching", 0, {"text": "x"}, "response"),
])
def test_parse_response_refuses_each_wrong_shape_naming_the_field(item_type, size, raw, where):
    with pytest.raises(ProblemsError) as refused:
        delivery.parse_response(item_type, size, raw)
    assert [p.where for p in refused.value.problems] == [where]
    assert refused.value.problems[0].message


def test_parse_response_names_the_place_it_is_given_and_lists_the_options():
    with pytest.raises(ProblemsError) as refused:
        delivery.parse_response("single", 3, {"choice": "D"}, where="responses[4]")
    problem = refused.value.problems[0]
    assert problem.where == "responses[4].choice" and "A、B、C" in problem.message and "D" in problem.message


def test_a_blank_as_long_as_allowed_is_taken():
    longest = "x" * delivery.MAX_BLANK_CHARS
    assert delivery.parse_response("blank", 1, {"blanks": [longest]}) == {"blanks": [longest]}


@pytest.mark.parametrize("response, answered", [
    (None, False), ({}, False), ({"choice": None}, False), ({"choices": []}, False),
    ({"blanks": ["", "  "]}, False), ({"blanks": []}, False), ({"text": ""}, False), ({"text": " \n "}, False),
    ({"choice": "A"}, True), ({"choice": "F"}, True), ({"choices": ["B"]}, True),
    ({"blanks": ["", "欧姆"]}, True), ({"text": "运算器"}, True),
])
def test_is_answered(response, answered):
    assert delivery.is_answered(response) is answered


# ---------------------------------------------------------------- grading

def test_right_responses_score_every_objective_point_and_the_essay_waits():
    paper = make_paper()
    shown = plain(paper)
    result = delivery.grade_attempt(paper, shown, {n: right(s) for n, s in enumerate(shown.slots, start=1)})
    assert [s.slot for s in result.slots] == list(range(1, 11))
    assert [s.uid for s in result.slots] == [i.uid for i in paper.items]
    assert all(s.correct for s in result.slots[:-1]) and result.slots[-1].points is None
    assert result.score == MAX_SCORE - 10 and result.max_score == MAX_SCORE and result.pending == 10


def test_points_come_from_the_section_not_the_item():
    paper = make_paper()
    first = delivery.grade_attempt(paper, plain(paper), {1: {"choice": "A"}}).slots[0]
    assert paper.sections[0].items[0].points == 99
    assert (first.points, first.max_points, first.correct) == (2, 2, True)


def test_nothing_answered_scores_nothing_and_nothing_is_pending():
    paper = make_paper()
    result = delivery.grade_attempt(paper, plain(paper), {})
    assert result.score == 0 and result.max_score == MAX_SCORE and result.pending == 0
    assert all(s.points == 0 and s.correct is False for s in result.slots)


@pytest.mark.parametrize("text, points, correct, pending", [
    ("", 0.0, False, 0), ("   ", 0.0, False, 0), ("运算器和控制器", None, None, 10)])
def test_a_short_answer_is_zero_when_blank_and_pending_when_answered(text, points, correct, pending):
    paper = make_paper()
    result = delivery.grade_attempt(paper, plain(paper), {10: {"text": text}})
    essay = result.slots[9]
    assert (essay.points, essay.max_points, essay.correct) == (points, 10, correct)
    assert result.pending == pending and result.score == 0


@pytest.mark.parametrize("rule, chosen, points", [
    ("all_or_nothing", ["A", "C", "D"], 6), ("all_or_nothing", ["A", "C"], 0), ("all_or_nothing", ["A", "B"], 0),
    ("half_for_subset", ["A", "C", "D"], 6), ("half_for_subset", ["A", "C"], 3), ("half_for_subset", ["A", "B"], 0),
    ("per_option", ["A", "C", "D"], 6), ("per_option", ["A", "C"], 4), ("per_option", ["C"], 2),
    ("per_option", ["A", "C", "D", "E"], 0), ("per_option", [], 0),
])
def test_multiple_choice_is_graded_by_its_section_rule(rule, chosen, points):
    paper = make_paper(rule)
    slot = delivery.grade_attempt(paper, plain(paper), {4: {"choices": chosen}}).slots[3]
    assert slot.uid == "m0" and slot.points == pytest.approx(points) and slot.max_points == 6
    assert slot.correct is (points == 6)


def test_partial_credit_adds_up_in_the_totals():
    paper = make_paper("per_option")
    responses = {1: {"choice": "A"}, 2: {"choice": "A"}, 4: {"choices": ["A", "C"]}, 6: {"choice": "F"},
                 8: {"blanks": ["欧姆", "I = u/r"]}, 9: {"blanks": ["2.45"]}, 10: {"text": "运算器"}}
    result = delivery.grade_attempt(paper, plain(paper), responses)
    assert [s.points for s in result.slots] == [2, 0, 0, 4, 0, 0, 0, 3, 3, None]
    assert result.score == 12 and result.max_score == MAX_SCORE and result.pending == 10


def test_a_blank_half_right_gets_half_the_section_points():
    paper = make_paper()
    slot = delivery.grade_attempt(paper, plain(paper), {8: {"blanks": ["欧姆", "I=R/U"]}}).slots[7]
    assert (slot.points, slot.correct) == (1.5, False)


def test_truefalse_choices_grade_as_booleans():
    paper = make_paper()
    result = delivery.grade_attempt(paper, plain(paper), {6: {"choice": "T"}, 7: {"choice": "T"}})
    assert [s.points for s in result.slots[5:7]] == [1, 0]


def _original_response(slot, response):
    if "choice" in response and slot.item.type == "single":
        return {"choice": to_original(slot, response["choice"])}
    if "choices" in response:
        return {"choices": list(to_original(slot, response["choices"]))}
    return response


@pytest.mark.parametrize("rule", ["all_or_nothing", "half_for_subset", "per_option"])
def test_a_shuffled_variant_graded_in_displayed_letters_scores_like_the_original(rule):
    paper = make_paper(rule)
    original = plain(paper)
    number_of = {slot.uid: n for n, slot in enumerate(original.slots, start=1)}
    moved = 0
    for student in range(12):
        shown = variant(paper, f"exam-3:student-{student}")
        moved += sum(1 for s in shown.slots if s.option_order and list(s.option_order) != sorted(s.option_order))
        pick = itertools.cycle([["A"], ["A", "B"], ["B", "C"], ["A", "C", "D"], ["C", "D"], ["B", "D"]])
        displayed = {}
        for n, slot in enumerate(shown.slots, start=1):
            if slot.item.type == "single":
                displayed[n] = {"choice": "ABCD"[(n + student) % 4]}
            elif slot.item.type == "multiple":
                displayed[n] = {"choices": next(pick)}
            else:
                displayed[n] = right(slot) if (n + student) % 2 else {}
        mapped = {number_of[slot.uid]: _original_response(slot, displayed[n])
                  for n, slot in enumerate(shown.slots, start=1)}
        graded = delivery.grade_attempt(paper, shown, displayed)
        expected = delivery.grade_attempt(paper, original, mapped)
        assert {s.uid: s.points for s in graded.slots} == {s.uid: s.points for s in expected.slots}
        assert (graded.score, graded.max_score, graded.pending) == (expected.score, expected.max_score,
                                                                    expected.pending)
        right_answers = delivery.grade_attempt(paper, shown, {n: right(s) for n, s in enumerate(shown.slots, 1)})
        assert right_answers.score == MAX_SCORE - 10
    assert moved > 0  # the options really were shuffled


# ---------------------------------------------------------------- review and time

@pytest.mark.parametrize("item, key", [
    (Item("single", "x", options("s"), "C"), "C"),
    (Item("multiple", "x", options("m"), ("A", "D")), "A、D"),
    (Item("truefalse", "x", answer=True), "正确"),
    (Item("truefalse", "x", answer=False), "错误"),
    (Item("blank", "x", answer=(("欧姆定律",), ("I=U/R", "U/R"))), "欧姆定律；I=U/R / U/R"),
    (Item("short", "x", answer="<p>参考</p>"), ""),
])
def test_display_key(item, key):
    assert delivery.display_key(item) == key


def test_display_key_translates_true_and_false():
    assert delivery.display_key(Item("truefalse", "x", answer=False), {"错误": "False"}.get) == "False"


START = datetime(2025, 6, 1, 8, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("minutes, extra, closes, end", [
    (30, 0, None, START + timedelta(minutes=30)),
    (30, 600, None, START + timedelta(minutes=40)),
    (30, 0, START + timedelta(hours=1), START + timedelta(minutes=30)),
    (30, 0, START + timedelta(minutes=20), START + timedelta(minutes=20)),
    (30, 900, START + timedelta(minutes=40), START + timedelta(minutes=40)),
    (30, 0, START + timedelta(minutes=30), START + timedelta(minutes=30)),
])
def test_deadline_is_start_plus_time_but_never_after_the_close(minutes, extra, closes, end):
    assert delivery.deadline(START, minutes, extra, closes) == end


# ---------------------------------------------------------------- variants without shuffling

def test_a_variant_without_shuffling_keeps_the_paper_order_and_the_option_letters():
    paper = make_paper()
    for key in ("a", "b", "exam-1:student-1"):
        shown = variant(paper, key, shuffle_items=False, shuffle_options=False)
        assert [s.uid for s in shown.slots] == [i.uid for i in paper.items]
        assert [s.section for s in shown.slots] == [k for k, sec in enumerate(paper.sections) for _ in sec.items]
        for slot, item in zip(shown.slots, paper.items):
            assert slot.item == item and slot.key == item.answer and slot.option_order == ()
            assert to_original(slot, slot.key) == item.answer


def test_shuffling_options_only_keeps_the_item_order():
    paper = make_paper()
    orders = set()
    for n in range(12):
        shown = variant(paper, f"k{n}", shuffle_items=False, shuffle_options=True)
        assert [s.uid for s in shown.slots] == [i.uid for i in paper.items]
        orders.add(tuple(s.option_order for s in shown.slots))
    assert len(orders) > 1


def test_shuffling_items_only_keeps_each_items_option_letters():
    paper = make_paper()
    by_uid = {item.uid: item for item in paper.items}
    orders = set()
    for n in range(12):
        shown = variant(paper, f"k{n}", shuffle_items=True, shuffle_options=False)
        orders.add(tuple(s.uid for s in shown.slots))
        assert all(slot.item == by_uid[slot.uid] for slot in shown.slots)
        for k, section in enumerate(paper.sections):  # shuffled within sections only
            assert sorted(s.uid for s in shown.section_slots(k)) == sorted(i.uid for i in section.items)
    assert len(orders) > 1


def test_the_paper_here_covers_every_item_type():
    assert set(POINTS) == set(ITEM_TYPES)
