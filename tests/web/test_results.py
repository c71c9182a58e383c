"""Grading, results by review policy, class statistics, corrected grading input and the finaliser."""
from datetime import timedelta

import pytest

from exam_server import finaliser
from exam_server.extensions import db
from exam_server.models import Attempt, utcnow
from exam_server.services import attempts, results
from tests.exam_fixtures import MAX_SCORE, make_exam, right_response


def sit(exam, student, right=(), wrong=(), essay=None, device="pc"):
    """Start an attempt and save right answers for the slots in ``right``, wrong ones for ``wrong``."""
    attempt, _ = attempts.start_or_resume(exam, student, device=device)
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
    assert attempt.status == "submitted" and attempt.max_score == MAX_SCORE
    assert attempt.score == points_of(shown, attempt.paper_id, {1, 2, 3}) and attempt.pending_points == 0
    rows = attempts.responses_of(attempt)
    assert sorted(rows) == list(range(1, 12))  # unanswered slots get a row too, for item analysis
    assert [rows[n].correct for n in (1, 2, 3)] == [True, True, True]
    assert all(rows[n].points == 0 for n in range(4, 12))


def test_an_answered_essay_leaves_the_score_provisional(app):
    exam, (student, *_) = make_exam()
    attempt, _ = sit(exam, student, essay="运算器、控制器")
    attempts.submit(attempt)
    assert attempt.pending_points == 10 and attempts.responses_of(attempt)[11].points is None
    body = results.review(attempt)
    assert body["provisional"] is True and body["pending_points"] == 10


@pytest.mark.parametrize("after_submit, keys", [
    ("none", {"attempt_id", "exam_id", "status", "level"}),
    ("score", {"attempt_id", "exam_id", "status", "level", "score", "max_score", "pending_points", "provisional"}),
])
def test_review_shows_only_what_the_policy_allows_before_the_exam_closes(app, after_submit, keys):
    exam, (student, *_) = make_exam(review_after_submit=after_submit)
    attempt, _ = sit(exam, student, right={1})
    assert results.review(attempt)["level"] == "none"  # nothing while the attempt is open
    attempts.submit(attempt)
    body = results.review(attempt)
    assert set(body) == keys and body["level"] == after_submit


def test_full_review_after_the_close_has_keys_explanations_and_class_stats(app):
    exam, students = make_exam(students=3, review_after_submit="none", review_after_close="full")
    scores = []
    for k, student in enumerate(students):
        attempt, shown = sit(exam, student, right=set(range(1, 2 + 3 * k)))
        attempts.submit(attempt)
        scores.append(attempt.score)
    exam.closes_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
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
    second, started = attempts.start_or_resume(exam, student, device="pc")
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
    attempt, _ = attempts.start_or_resume(exam, student, now=now)
    assert attempt.deadline_at == exam.closes_at
    exam.closes_at = now + timedelta(hours=2)
    db.session.commit()
    longer, _ = attempts.start_or_resume(exam, other, now=now)
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
    assert done.score == expected


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
