"""Assembling papers to a blueprint, parallel forms, and per-student variants."""
import itertools
import random
from collections import Counter
from pathlib import Path

import pytest

from question_bank.assembly import assemble
from question_bank.default_papers import DEFAULT_PAPERS
from question_bank.formats.native import read_bank
from question_bank.model import Item, Option
from question_bank.paper import Blueprint, ContentConstraint, DifficultyTarget, SectionSpec, form_letter
from question_bank.problems import ProblemsError
from question_bank.types import ITEM_TYPES
from question_bank.variants import to_displayed, to_original, variant

DEMO = Path(__file__).resolve().parents[2] / "exam_server" / "demo_data"
SUBJECTS = ("Word", "Excel", "C 语言")
TYPES = ("truefalse", "single", "multiple")


def make_item(uid, item_type, subject, facility, category="JSJ", status="published", pinned_last=False):
    place = {"category": category, "subject": subject, "knowledge_points": (f"{subject}-kp{int(uid[-1]) % 2}",),
             "status": status, "uid": uid, "difficulty": facility}
    if item_type == "truefalse":
        return Item("truefalse", f"<p>{uid}</p>", answer=True, **place)
    options = tuple(Option(i, f"{uid}-{i}", pinned=pinned_last and i == "D") for i in "ABCD")
    answer = "B" if item_type == "single" else ("A", "C")
    return Item(item_type, f"<p>{uid}</p>", options, answer, **place)


def make_bank(per_cell=10, seed=0):
    """``per_cell`` items of each subject × type, facilities spread over the three levels."""
    rng = random.Random(seed)
    bank = []
    for subject, item_type in itertools.product(SUBJECTS, TYPES):
        for n in range(per_cell):
            uid = f"{subject[:1]}{item_type[:2]}{n:03d}"
            bank.append(make_item(uid, item_type, subject, round(rng.uniform(0.2, 0.95), 2)))
    bank.append(make_item("OTHERCAT0", "single", "Word", 0.5, category="HL"))
    bank.append(make_item("DRAFT0", "single", "Word", 0.5, status="draft"))
    return bank


SECTIONS = (SectionSpec("truefalse", 8, 2), SectionSpec("single", 10, 3), SectionSpec("multiple", 4, 4))
CONSTRAINTS = (
    ContentConstraint("Excel", type="single", exact=4),
    ContentConstraint("Word", minimum=6),
    ContentConstraint("C 语言", maximum=7),
    ContentConstraint("Word", knowledge_point="Word-kp1", type="truefalse", minimum=2),
    ContentConstraint("Excel", type="multiple", level="hard", exact=1),
)


def blueprint(**kw):
    return Blueprint(**{"title": "模拟卷", "category": "JSJ", "sections": SECTIONS, **kw})


def uids(paper):
    return [item.uid for item in paper.items]


def test_the_same_seed_gives_the_same_paper_and_other_seeds_differ():
    bank, bp = make_bank(), blueprint(constraints=CONSTRAINTS)
    first = assemble(bank, bp, random.Random(7))
    assert uids(first[0]) == uids(assemble(list(reversed(bank)), bp, random.Random(7))[0])
    others = {tuple(uids(assemble(bank, bp, random.Random(seed))[0])) for seed in range(5)}
    assert len(others) == 5


@pytest.mark.parametrize("seed", range(50))
def test_every_constraint_holds(seed):
    bp = blueprint(constraints=CONSTRAINTS, difficulty=DifficultyTarget(mean=0.6, tolerance=0.03),
                   excluded=frozenset({"Esi001", "Wmu002"}), pinned=("Ctr003",))
    [paper] = assemble(make_bank(), bp, random.Random(seed))
    items = paper.items
    shape = [(s.type, len(s.items)) for s in paper.sections]
    assert shape == [("truefalse", 8), ("single", 10), ("multiple", 4)]
    assert all(item.type == s.type for s in paper.sections for item in s.items)
    assert len(set(uids(paper))) == 22
    assert all(i.category == "JSJ" and i.status == "published" for i in items)
    count = Counter((i.subject, i.type, i.level) for i in items)
    assert sum(n for (subj, t, _), n in count.items() if (subj, t) == ("Excel", "single")) == 4
    assert sum(1 for i in items if i.subject == "Word") >= 6
    assert sum(1 for i in items if i.subject == "C 语言") <= 7
    assert sum(1 for i in items if i.type == "truefalse" and "Word-kp1" in i.knowledge_points) >= 2
    assert count[("Excel", "multiple", "hard")] == 1
    assert abs(paper.mean_difficulty - 0.6) <= 0.03 + 1e-9
    assert "Ctr003" in uids(paper) and not {"Esi001", "Wmu002"} & set(uids(paper))


def test_difficulty_counts_per_level_hold():
    bp = blueprint(difficulty=DifficultyTarget(counts={"easy": 6, "medium": 10, "hard": 6}))
    for seed in range(10):
        [paper] = assemble(make_bank(), bp, random.Random(seed))
        assert Counter(i.level for i in paper.items) == {"easy": 6, "medium": 10, "hard": 6}


def test_a_short_constraint_is_named_with_its_shortage():
    bp = blueprint(constraints=(ContentConstraint("Excel", type="single", exact=6),))
    bank = [i for i in make_bank() if not (i.subject == "Excel" and i.type == "single")][:-2]
    bank += [make_item(f"Esi90{n}", "single", "Excel", 0.6) for n in range(4)]
    with pytest.raises(ProblemsError) as caught:
        assemble(bank, bp, random.Random(1), category_name="计算机类")
    assert [str(p) for p in caught.value.problems] == [
        "constraints[0]: 计算机类 / Excel / 单选 需要 6 题，题库仅有 4 题可用"]


def test_a_short_section_over_two_forms_is_named():
    bank = make_bank(per_cell=2)  # 6 multiple-choice items; two disjoint forms need 8
    with pytest.raises(ProblemsError) as caught:
        assemble(bank, blueprint(sections=(SectionSpec("multiple", 4, 4),)), random.Random(1), forms=2)
    assert caught.value.problems[0].message == "JSJ / 多选 需要 8 题（2 套试卷），题库仅有 6 题可用"


def test_constraints_that_clash_only_together_are_listed():
    clash = (ContentConstraint("Excel", type="single", exact=8),
             ContentConstraint("Word", type="single", exact=5))
    with pytest.raises(ProblemsError) as caught:
        assemble(make_bank(), blueprint(constraints=clash), random.Random(1), category_name="计算机类")
    lines = [str(p) for p in caught.value.problems]
    assert lines[0].startswith("各项条件单独都能满足，但合在一起无解")
    assert "constraints[0]: 计算机类 / Excel / 单选：恰好 8 题" in lines
    assert "sections[1]: 计算机类 / 单选：10 题" in lines


def test_unusable_pinned_items_and_an_unreachable_mean_are_named():
    bp = blueprint(pinned=("DRAFT0", "nope"), difficulty=DifficultyTarget(mean=0.97, tolerance=0.01))
    with pytest.raises(ProblemsError) as caught:
        assemble(make_bank(), bp, random.Random(1))
    wheres = [p.where for p in caught.value.problems]
    assert wheres == ["pinned[0]", "pinned[1]", "difficulty"]


@pytest.mark.parametrize("forms, max_shared", [(2, 0), (3, 0), (3, 2)])
def test_parallel_forms_meet_overlap_and_difficulty_limits(forms, max_shared):
    bp = blueprint(constraints=CONSTRAINTS[:3], pinned=("Wsi004",))
    for seed in range(5):
        papers = assemble(make_bank(per_cell=14), bp, random.Random(seed), forms=forms, max_shared=max_shared)
        assert [p.form for p in papers] == [form_letter(f) for f in range(forms)]
        for a, b in itertools.combinations(papers, 2):
            assert len((set(uids(a)) & set(uids(b))) - {"Wsi004"}) <= max_shared
            assert abs(a.mean_difficulty - b.mean_difficulty) <= 0.05 + 1e-9
        assert all("Wsi004" in uids(p) for p in papers)


def test_form_letters():
    assert [form_letter(n) for n in (0, 1, 25, 26, 27)] == ["A", "B", "Z", "AA", "AB"]


def demo_items(code):
    images = {p.name: p.read_bytes() for p in (DEMO / "media").glob("*.*")}
    return read_bank((DEMO / "banks" / f"{code}.json").read_bytes(), f"{code}.json", images).items


@pytest.mark.parametrize("code", ["HL", "JSJ"])
def test_demo_banks_give_disjoint_a_and_b_forms_of_the_default_paper(code):
    shape = DEFAULT_PAPERS[code]
    bp = Blueprint("模拟卷", code, tuple(SectionSpec(s.type, s.count, s.points_each) for s in shape.sections),
                   shape.minutes)
    a, b = assemble(demo_items(code), bp, random.Random(2026), forms=2)
    assert not set(uids(a)) & set(uids(b))
    assert abs(a.mean_difficulty - b.mean_difficulty) <= 0.05
    assert a.total_points == b.total_points == shape.total_points


# ---------------------------------------------------------------- variants

def variant_paper():
    bank = make_bank()
    bank = [make_item(i.uid, i.type, i.subject, i.difficulty, pinned_last=True) if i.type == "multiple" else i
            for i in bank]
    return assemble(bank, blueprint(), random.Random(3))[0]


def test_variants_are_reproducible_and_differ_between_students():
    paper = variant_paper()
    one = variant(paper, "exam-1:student-1")
    assert one == variant(paper, "exam-1:student-1")
    other = variant(paper, "exam-1:student-2")
    assert [s.uid for s in one.slots] != [s.uid for s in other.slots]
    assert [s.option_order for s in one.slots] != [s.option_order for s in other.slots]
    for s, section in enumerate(paper.sections):  # shuffled within sections only
        assert sorted(slot.uid for slot in one.section_slots(s)) == sorted(i.uid for i in section.items)


def test_pinned_options_keep_their_place():
    paper = variant_paper()
    for n in range(20):
        for slot in variant(paper, f"e:{n}").slots:
            if slot.item.type == "multiple":
                assert slot.option_order[3] == "D" and slot.item.options[3].pinned


def test_the_mapped_key_grades_like_the_original():
    paper = variant_paper()
    by_uid = {item.uid: item for item in paper.items}
    for slot in variant(paper, "exam-9:s-42").slots:
        original, grade = by_uid[slot.uid], ITEM_TYPES[slot.item.type].grade
        if slot.item.type == "single":
            responses = list("ABCD")
        elif slot.item.type == "multiple":
            responses = [tuple(c) for n in (1, 2, 3) for c in itertools.combinations("ABCD", n)]
        else:
            responses = [True, False]
        for response in responses:
            for rule in ("all_or_nothing", "half_for_subset", "per_option"):
                assert grade(slot.item, response, rule) == grade(original, to_original(slot, response), rule)
            assert to_displayed(slot, to_original(slot, response)) == response
        assert grade(slot.item, slot.key).correct and grade(original, to_original(slot, slot.key)).correct


@pytest.mark.parametrize("max_shared", [0, 3])
def test_large_problems_solved_form_by_form_meet_the_same_limits(monkeypatch, max_shared):
    monkeypatch.setattr("question_bank.assembly.JOINT_LIMIT", 0)
    bp = blueprint(constraints=CONSTRAINTS[:3], pinned=("Wsi004",))
    papers = assemble(make_bank(per_cell=14), bp, random.Random(4), forms=3, max_shared=max_shared)
    assert uids(papers[0]) == uids(assemble(make_bank(per_cell=14), bp, random.Random(4), forms=3,
                                            max_shared=max_shared)[0])
    for a, b in itertools.combinations(papers, 2):
        assert len((set(uids(a)) & set(uids(b))) - {"Wsi004"}) <= max_shared
        assert abs(a.mean_difficulty - b.mean_difficulty) <= 0.05 + 1e-9
