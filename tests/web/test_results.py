"""Grading, results by review policy, class statistics, corrected grading input and the finaliser.

Submitting only closes an attempt; grading follows (:func:`attempts.grade_pending`,
run by the finaliser's rounds), giving way to requests for a while.
"""
import threading
import time
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import select, update

from exam_server import activity, finaliser
from exam_server.extensions import db
from exam_server.models import Attempt, Response, utcnow
from exam_server.services import attempts, proctoring, results
from tests.exam_fixtures import MAX_SCORE, SCHOOL, grade_all, make_exam, right_response


def sit(exam, student, right=(), wrong=(), essay=None, device="pc"):
    """Start an attempt and save right answers for the slots in ``right``, wrong ones for ``wrong``."""
    attempt, _, _ = attempts.start_or_resume(exam, student, device=device)
    shown = attempts.attempt_variant(attempt, exam)
    seq = 0
    for number, slot in enumerate(shown.slots, start=1):
        item = slot.item
        if item.type == "short":
            if essay is not None:
                seq += 1
                attempts.save(attempt.id, student, number, {"text": essay}, seq, device=device)
            continue
        if number in right:
            response = right_response(item.type, item.answer)
        elif number in wrong:
            response = wrong_response(item)
        else:
            continue
        seq += 1
        attempts.save(attempt.id, student, number, response, seq, device=device)
    return attempt, shown


def wrong_response(item):
    if item.type == "single":
        return {"choice": "A" if item.answer != "A" else "B"}
    if item.type == "truefalse":
        return {"choice": "F" if item.answer else "T"}
    if item.type == "multiple":
        return {"choices": ["A", "B", "C", "D"]}
    return {"blanks": ["错"] * len(item.answer)}


def points_of(shown, paper_id, numbers):
    paper = attempts.delivered_paper(paper_id)
    return sum(paper.sections[shown.slots[n - 1].section].points_each for n in numbers)


def test_grading_gives_the_points_of_right_answers_and_zero_for_wrong_and_blank(app):
    exam, (student, *_) = make_exam()
    attempt, shown = sit(exam, student, right={1, 2, 3}, wrong={4, 5, 6, 7, 8, 9, 10})
    attempts.submit(attempt)
    assert attempt.status == "submitted" and attempt.submitted_at is not None
    assert (attempt.score, attempt.max_score, attempt.pending_points, attempt.graded_at) == (None, None, None, None)
    assert len(attempts.responses_of(attempt)) == 10  # only what was saved, not graded yet
    assert grade_all() == 1
    assert attempt.status == "submitted" and attempt.max_score == MAX_SCORE and attempt.graded_at is not None
    assert attempt.score == points_of(shown, attempt.paper_id, {1, 2, 3}) and attempt.pending_points == 0
    rows = attempts.responses_of(attempt)
    assert sorted(rows) == list(range(1, 12))  # unanswered slots get a row too, for item analysis
    assert [rows[n].correct for n in (1, 2, 3)] == [True, True, True]
    assert all(rows[n].points == 0 for n in range(4, 12))


def test_an_answered_essay_leaves_the_score_provisional(app):
    exam, (student, *_) = make_exam()
    attempt, _ = sit(exam, student, essay="运算器、控制器")
    attempts.submit(attempt)
    grade_all()
    assert attempt.pending_points == 10 and attempts.responses_of(attempt)[11].points is None
    body = results.review(attempt)
    assert body["provisional"] is True and body["pending_points"] == 10


BASIC = {"attempt_id", "exam_id", "status", "level"}


@pytest.mark.parametrize("after_submit, while_grading, keys", [
    ("none", BASIC, BASIC),
    ("score", BASIC | {"grading"}, BASIC | {"score", "max_score", "pending_points", "provisional"}),
])
def test_review_shows_only_what_the_policy_allows_before_the_exam_closes(app, after_submit, while_grading, keys):
    exam, (student, *_) = make_exam(review_after_submit=after_submit)
    attempt, _ = sit(exam, student, right={1})
    assert results.review(attempt)["level"] == "none"  # nothing while the attempt is open
    attempts.submit(attempt)
    body = results.review(attempt)
    assert set(body) == while_grading and body["level"] == after_submit
    assert body.get("grading", True) is True
    assert grade_all() == 1
    body = results.review(attempt)
    assert set(body) == keys and body["level"] == after_submit


def test_full_review_after_the_close_has_keys_explanations_and_class_stats(app):
    exam, students = make_exam(students=3, review_after_submit="none", review_after_close="full")
    submitted = []
    for k, student in enumerate(students):
        attempt, shown = sit(exam, student, right=set(range(1, 2 + 3 * k)))
        attempts.submit(attempt)
        submitted.append(attempt)
    exam.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert results.review(attempt) == {"attempt_id": attempt.id, "exam_id": exam.id, "status": "submitted",
                                       "level": "full", "grading": True}  # no keys, no stats before the score
    assert grade_all() == 3
    scores = [a.score for a in submitted]
    body = results.review(attempt)
    assert body["level"] == "full" and len(body["items"]) == 11
    first = body["items"][0]
    assert first["key"] == shown.slots[0].item.answer and first["correct"] is True
    assert body["class_stats"] == {"class": "2024级计算机1班", "count": 3, "average": round(sum(scores) / 3, 2),
                                   "highest": max(scores), "lowest": min(scores)}


def test_a_second_attempt_is_refused_unless_allowed(app):
    from exam_server.services.errors import Refused
    exam, (student, *_) = make_exam()
    attempt, _ = sit(exam, student)
    attempts.submit(attempt)
    with pytest.raises(Refused) as refused:
        attempts.start_or_resume(exam, student, device="pc")
    assert refused.value.code == "no_attempts_left"
    exam.attempts_allowed = 2
    db.session.commit()
    second, started, _ = attempts.start_or_resume(exam, student, device="pc")
    assert started and second.number == 2 and second.id != attempt.id


def test_outside_the_window_and_outside_the_allowed_network_start_is_refused(app):
    from exam_server.services.errors import Refused
    exam, (student, *_) = make_exam(opens_at=utcnow() + timedelta(hours=1), closes_at=utcnow() + timedelta(hours=3),
                                    allowed_networks="192.168.10.0/24")
    with pytest.raises(Refused) as refused:
        attempts.start_or_resume(exam, student, address="10.0.0.5")
    assert refused.value.code == "address_not_allowed"
    with pytest.raises(Refused) as refused:
        attempts.start_or_resume(exam, student, address="192.168.10.7")
    assert refused.value.code == "not_open"


def test_the_deadline_is_capped_by_the_close_and_extra_time_is_added(app):
    now = utcnow()
    exam, (student, other, *_) = make_exam(minutes=30, closes_at=now + timedelta(minutes=20),
                                           usernames=["s002"], extra_minutes={"s002": 15})
    attempt, _, _ = attempts.start_or_resume(exam, student, now=now)
    assert attempt.deadline_at == exam.closes_at
    exam.closes_at = now + timedelta(hours=2)
    db.session.commit()
    longer, _, _ = attempts.start_or_resume(exam, other, now=now)
    assert longer.deadline_at == now + timedelta(minutes=45)


def test_the_finaliser_submits_and_grades_attempts_whose_time_ran_out(app):
    exam, (student, *_) = make_exam()
    attempt, shown = sit(exam, student, right={1, 2})
    attempt.deadline_at = utcnow() - timedelta(seconds=exam.grace_seconds + 1)
    db.session.commit()
    attempt_id, expected = attempt.id, points_of(shown, attempt.paper_id, {1, 2})
    db.session.remove()
    assert finaliser.sweep(app) == 1
    assert finaliser.sweep(app) == 0
    done = db.session.get(Attempt, attempt_id)
    assert done.status == "submitted" and done.submitted_by == "server"
    assert done.score == expected and done.graded_at is not None


def test_the_finaliser_waits_for_sqlites_write_lock_instead_of_failing(app):
    """A save holding the write lock must delay the finaliser, not make it fail (it takes the lock at BEGIN)."""
    import sqlite3
    import threading

    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's locking")
    exam, (student, *_) = make_exam()
    attempt, _ = sit(exam, student, right={1})
    attempt.deadline_at = utcnow() - timedelta(seconds=exam.grace_seconds + 1)
    db.session.commit()
    db.session.remove()
    other = sqlite3.connect(db.engine.url.database, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("UPDATE user_account SET name = name")
    release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
    release.start()
    try:
        assert finaliser.sweep(app) == 1
    finally:
        release.join()
        other.close()


# ---------------------------------------------------------------- grading after submitting

def graded(*attempt_ids):
    db.session.expire_all()
    return [db.session.get(Attempt, i).graded_at is not None for i in attempt_ids]


def saved_rows(attempt_id):
    """Every response row of the attempt as stored (what grading writes included)."""
    return db.session.execute(select(Response.slot, Response.response, Response.answered, Response.points,
                                     Response.correct).where(Response.attempt_id == attempt_id)
                              .order_by(Response.slot)).all()


def test_while_busy_only_attempts_that_waited_long_enough_are_graded(app):
    exam, students = make_exam(students=4)
    now = utcnow()
    sat = [sit(exam, student, right={1})[0] for student in students]
    # s001 submitted half a minute ago; the others in the last few seconds, oldest first
    for attempt, ago in zip(sat, (30, 3, 2, 1)):
        attempts.submit(attempt, now=now - timedelta(seconds=ago))
    ids = [a.id for a in sat]
    assert attempts.grade_pending(busy=lambda: True, wait_at_most=20) == 1  # the one that waited 30 s
    assert graded(*ids) == [True, False, False, False]
    assert attempts.grade_pending(busy=lambda: True, wait_at_most=20) == 0  # still busy: the rest wait
    assert graded(*ids) == [True, False, False, False]
    assert attempts.grade_pending(busy=lambda: False, wait_at_most=20, limit=1) == 1  # idle: the oldest next
    assert graded(*ids) == [True, True, False, False]
    assert attempts.grade_pending(busy=lambda: True, wait_at_most=0, limit=1) == 1  # no waiting at all
    assert graded(*ids) == [True, True, True, False]
    assert attempts.grade_pending(busy=None, wait_at_most=3600) == 1  # no busy(): grade whatever the wait
    assert graded(*ids) == [True, True, True, True]
    assert attempts.grade_pending() == 0
    assert [db.session.get(Attempt, i).score for i in ids] == [db.session.get(Attempt, ids[0]).score] * 4


def test_the_servers_round_grades_while_no_request_is_in_progress(app):
    exam, students = make_exam(students=2)
    old, _ = sit(exam, students[0], right={1})
    fresh, _ = sit(exam, students[1], right={1, 2})
    attempts.submit(old, now=utcnow() - timedelta(seconds=app.config["GRADE_WAIT_SECONDS"] + 10))
    attempts.submit(fresh)
    ids = old.id, fresh.id
    db.session.remove()
    inside, leave = threading.Event(), threading.Event()

    def slow_request():
        inside.set()
        leave.wait(10)
        return "done"

    other = Flask(__name__)  # another app of the process, counted by the same activity module
    activity.init_app(other)
    other.add_url_rule("/slow", "slow", slow_request)
    request = threading.Thread(target=lambda: other.test_client().get("/slow"))
    request.start()
    try:
        assert inside.wait(10) and finaliser.busy()
        finaliser.sweep(app, when_busy=False)
        assert graded(*ids) == [True, False]  # waited longer than GRADE_WAIT_SECONDS: graded all the same
    finally:
        leave.set()
        request.join()
    time.sleep(finaliser.IDLE_SECONDS * 2)
    assert not finaliser.busy()
    db.session.remove()
    finaliser.sweep(app, when_busy=False)
    assert graded(*ids) == [True, True]


def test_grading_writes_nothing_for_an_attempt_reopened_before_it_was_graded(app, create_user):
    teacher = create_user("t1", role="teacher", school=SCHOOL)
    exam, (student, *_) = make_exam(by=teacher)
    attempt, _ = sit(exam, student, right={1, 2})
    attempts.submit(attempt)
    before = saved_rows(attempt.id)
    proctoring.reopen(exam, attempt.id, 10, teacher)
    assert attempts.grade_submitted(attempt.id) is False
    assert attempts.grade_pending() == 0
    db.session.expire_all()
    assert (attempt.status, attempt.score, attempt.max_score, attempt.graded_at) == ("open", None, None, None)
    assert saved_rows(attempt.id) == before and len(before) == 2  # no graded rows for the other slots
    attempts.submit(attempt)  # submitted again: graded then, once
    assert grade_all() == 1 and attempt.graded_at is not None and attempt.max_score == MAX_SCORE


def test_grading_again_an_attempt_already_graded_changes_nothing(app):
    exam, (student, *_) = make_exam()
    attempt, _ = sit(exam, student, right={1, 2}, essay="运算器")
    attempts.submit(attempt)
    assert attempts.grade_submitted(attempt.id) is True
    first = (attempt.score, attempt.max_score, attempt.pending_points, attempt.graded_at)
    rows = saved_rows(attempt.id)
    assert first[1] == MAX_SCORE and len(rows) == 11
    assert attempts.grade_submitted(attempt.id, now=utcnow() + timedelta(minutes=5)) is False
    assert attempts.grade_pending() == 0
    db.session.expire_all()
    assert (attempt.score, attempt.max_score, attempt.pending_points, attempt.graded_at) == first
    assert saved_rows(attempt.id) == rows


def test_grading_that_loses_the_race_to_a_reopen_is_rolled_back(app, monkeypatch):
    """The reopen commits between grading's read and its write: the conditional UPDATE finds nothing to claim."""
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite: grading holds the write lock from BEGIN (the finaliser's writing()): nothing comes between")
    exam, (student, *_) = make_exam()
    attempt, _ = sit(exam, student, right={1, 2})
    attempts.submit(attempt)
    before = saved_rows(attempt.id)
    grade_rows = attempts._grade_rows

    def reopened_meanwhile(target, now):
        with db.engine.begin() as other:  # another connection: a proctor's reopen
            other.execute(update(Attempt).where(Attempt.id == target.id).values(
                status="open", submitted_at=None, submitted_by=""))
        return grade_rows(target, now)

    monkeypatch.setattr(attempts, "_grade_rows", reopened_meanwhile)
    assert attempts.grade_submitted(attempt.id) is False
    db.session.expire_all()
    assert (attempt.status, attempt.score, attempt.graded_at) == ("open", None, None)
    assert saved_rows(attempt.id) == before  # the graded rows were rolled back


def test_class_stats_count_graded_attempts_only(app):
    exam, students = make_exam(students=2, review_after_close="score")
    first, _ = sit(exam, students[0], right={1})
    attempts.submit(first)
    grade_all()
    second, _ = sit(exam, students[1], right={1, 2})
    attempts.submit(second)
    exam.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert results.review(first)["class_stats"]["count"] == 1
    assert results.review(second)["grading"] is True
    grade_all()
    assert results.review(first)["class_stats"]["count"] == 2
