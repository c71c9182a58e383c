"""Regrading after a key is corrected in the bank: the dry run changes nothing, applying regrades every
submitted attempt (teachers' marks stay) and later submissions; corrections that change what the student
saw are not applied."""
import pytest
from sqlalchemy import select

from exam_server.extensions import db
from exam_server.models import Attempt, Exam, ExamEvent, Item, Response
from exam_server.services import attempts, regrade
from exam_server.services import items as item_service
from exam_server.services.items import ItemDraft
from question_bank.variants import to_displayed
from tests.exam_fixtures import SCHOOL, grade_all, make_exam


@pytest.fixture
def people(app, create_user):
    author = create_user("t1", role="teacher", name="张老师", school=SCHOOL)
    reviewer = create_user("t2", role="teacher", name="李老师", school=SCHOOL)
    return author, reviewer


@pytest.fixture
def sat(people):
    """An exam of four students; three answered 单选第 0 题 (key A) with A, B and C and submitted; s004 (B) is
    still working. s001 also answered the essay, which waits for marking."""
    author, _reviewer = people
    exam, students = make_exam(students=4, by=author)
    started = {}
    for student, letter in zip(students, "ABCB"):
        attempt, _, _ = attempts.start_or_resume(exam, student, device=student.username, address="10.0.0.1")
        answer(attempt, "t-s0", {"choice": letter})
        if student.username == "s001":
            answer(attempt, "t-q0", {"text": "运算器"})
        started[student.username] = attempt
    for username in ("s001", "s002", "s003"):
        attempts.submit(started[username])
    assert grade_all() == 3
    return exam, started


def slot_of(attempt, uid):
    shown = attempts.attempt_variant(attempt, attempt.exam)
    return next((number, slot) for number, slot in enumerate(shown.slots, start=1) if slot.uid == uid)


def answer(attempt, uid, response):
    """Save a response given in the original option letters."""
    number, slot = slot_of(attempt, uid)
    if "choice" in response and slot.option_order:
        response = {"choice": to_displayed(slot, response["choice"])}
    attempts.save(attempt.id, attempt.user, number, response, 1, device=attempt.user.username, address="10.0.0.1")


def correct(uid, author, reviewer, **changes):
    """Edit the item's published version as a teacher does, and have a second teacher publish it."""
    item = db.session.scalar(select(Item).where(Item.uid == uid))
    live = item.live
    fields = {"type": live.type, "stem": live.stem, "subject_id": item.subject_id,
              "options": [dict(o) for o in live.options], "answer": live.answer,
              "scoring_points": [dict(p) for p in live.scoring_points], "explanation": live.explanation,
              "difficulty": live.difficulty, "points": live.points, "case_sensitive": live.case_sensitive}
    fields.update(changes)
    item_service.update_item(item, ItemDraft(**fields), author)
    item_service.submit_for_review(item, author)
    item_service.approve(item, reviewer)
    return item


def scores(started):
    db.session.expire_all()
    return {name: db.session.get(Attempt, a.id).score for name, a in started.items()}


def regrade_events(exam):
    return list(db.session.scalars(select(ExamEvent).where(ExamEvent.exam_id == exam.id,
                                                           ExamEvent.action == "regrade")))


def test_the_dry_run_lists_the_key_and_the_changed_scores_and_writes_nothing(sat, people):
    exam, started = sat
    before = scores(started)
    assert before == {"s001": 2, "s002": 0, "s003": 0, "s004": None}
    item = correct("t-s0", *people, answer="B")
    responses = {r.attempt_id: (r.slot, r.points, r.correct) for r in db.session.scalars(select(Response))}
    plan = regrade.preview(exam)
    [key] = plan.keys
    assert (key.uid, key.old_key, key.new_key, key.applicable) == ("t-s0", "A", "B", True)
    assert (key.from_version, key.to_version, key.version_id) == (1, 2, item.live.id)
    assert {(s.student.username, s.old_score, s.new_score) for s in plan.scores} == {("s001", 2, 0), ("s002", 0, 2)}
    assert plan.submitted == 3 and plan.applied is False
    db.session.expire_all()
    assert scores(started) == before and db.session.get(Exam, exam.id).key_versions == {}
    assert {r.attempt_id: (r.slot, r.points, r.correct) for r in db.session.scalars(select(Response))} == responses
    assert regrade_events(exam) == []


def test_apply_regrades_submitted_attempts_and_grades_later_ones_with_the_new_key(sat, people):
    exam, started = sat
    author, _reviewer = people
    item = correct("t-s0", *people, answer="B")
    plan = regrade.apply(exam, author)
    assert plan.applied and [k.uid for k in plan.applicable] == ["t-s0"]
    assert scores(started) == {"s001": 0, "s002": 2, "s003": 0, "s004": None}
    exam = db.session.get(Exam, exam.id)
    assert exam.key_versions == {"t-s0": item.live.id}
    number, _slot = slot_of(started["s002"], "t-s0")
    assert db.session.get(Response, (started["s002"].id, number)).correct is True
    [event] = regrade_events(exam)
    assert event.user_id == author.id
    assert event.detail["keys"] == [{"uid": "t-s0", "from": 1, "to": 2, "old": "A", "new": "B"}]
    assert {(s["student"], s["old"], s["new"]) for s in event.detail["scores"]} == {("s001", 2, 0), ("s002", 0, 2)}
    late = db.session.get(Attempt, started["s004"].id)
    attempts.submit(late)
    assert late.score is None and grade_all() == 1
    assert late.score == 2  # answered B, the corrected key
    assert regrade.preview(exam).keys == []  # nothing left to apply
    assert regrade.apply(exam, author).applied is False and len(regrade_events(exam)) == 1


def test_a_teachers_mark_on_an_essay_survives_the_regrade(sat, people):
    exam, started = sat
    attempt = db.session.get(Attempt, started["s001"].id)
    number, _slot = slot_of(attempt, "t-q0")
    row = db.session.get(Response, (attempt.id, number))
    row.points, row.correct = 7.0, None  # a teacher's mark, written as marking does
    attempts.grade(attempt)  # in the same transaction: grading must see the mark not yet flushed
    db.session.commit()
    assert attempt.score == 9, "grade() read the response rows without the session's pending mark"
    correct("t-s0", *people, answer="B")
    [change] = [s for s in regrade.preview(exam).scores if s.student.username == "s001"]
    assert (change.old_score, change.new_score) == (9, 7)
    regrade.apply(exam, people[0])
    db.session.expire_all()
    assert db.session.get(Response, (attempt.id, number)).points == 7
    assert db.session.get(Attempt, attempt.id).score == 7


def test_a_correction_that_changes_what_students_saw_is_not_applied(sat, people):
    exam, started = sat
    correct("t-s1", *people, answer="A", options=[{"id": k, "text": f"<p>新选项{k}</p>"} for k in "ABC"])
    correct("t-tf0", *people, answer="A", type="single",
            options=[{"id": k, "text": f"<p>改成单选{k}</p>"} for k in "AB"])
    plan = regrade.preview(exam)
    reasons = {k.uid: k.reason for k in plan.keys}
    assert set(reasons) == {"t-s1", "t-tf0"} and plan.applicable == [] and plan.scores == []
    assert reasons["t-s1"].startswith("选项数量已改变") and reasons["t-tf0"].startswith("题型已改变")
    before = scores(started)
    assert regrade.apply(exam, people[0]).applied is False
    assert scores(started) == before and db.session.get(Exam, exam.id).key_versions == {}


def test_a_new_wording_with_the_same_key_is_not_a_correction(sat, people):
    exam, _started = sat
    correct("t-s2", *people, stem="<p>单选第 2 题（措辞修改）</p>")
    assert regrade.preview(exam).keys == []


def test_the_regrade_page_shows_the_dry_run_and_applies_on_post(client, auth, sat, people):
    exam, started = sat
    correct("t-s0", *people, answer="B")
    auth.login("t1")
    page = client.get(f"/exams/{exam.id}/regrade").get_data(as_text=True)
    assert 'id="key-t-s0"' in page and "v1 → v2" in page and "可以应用" in page
    assert "已交卷 3 份，其中 2 份的分数将改变" in page
    assert f'id="attempt-{started["s001"].id}"' in page and f'id="attempt-{started["s003"].id}"' not in page
    assert scores(started)["s001"] == 2 and regrade_events(exam) == []
    done = client.post(f"/exams/{exam.id}/regrade", follow_redirects=True).get_data(as_text=True)
    assert "已按更正后的答案重新评分：1 道题更正答案，2 名考生的分数改变" in done
    assert "本场考试所用试题没有待应用的答案更正" in done and "按第 2 版的答案评分" in done
    assert scores(started)["s001"] == 0
    log = client.get(f"/exams/{exam.id}/log").get_data(as_text=True)
    assert "重新评分" in log and "t-s0: A → B" in log


def test_an_attempt_waiting_for_its_grade_is_graded_by_the_regrade_with_the_new_key(sat, people):
    exam, started = sat
    late = db.session.get(Attempt, started["s004"].id)  # answered B
    attempts.submit(late)
    correct("t-s0", *people, answer="B")
    assert regrade.apply(exam, people[0]).submitted == 4
    assert scores(started) == {"s001": 0, "s002": 2, "s003": 0, "s004": 2}
    graded_at = db.session.get(Attempt, late.id).graded_at
    assert graded_at is not None
    assert attempts.grade_pending() == 0  # the background round has nothing left to do
    db.session.expire_all()
    assert db.session.get(Attempt, late.id).graded_at == graded_at
