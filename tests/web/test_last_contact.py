"""A save refreshes the attempt's last contact (the console's 最后联系) at most every SEEN_EVERY, or at once from a new PC address."""
from datetime import timedelta

from exam_server.extensions import db
from exam_server.models import Attempt
from exam_server.services import attempts
from tests.exam_fixtures import make_exam


def _seen(attempt_id):
    db.session.expire_all()
    attempt = db.session.get(Attempt, attempt_id)
    return attempt.last_seen_at, attempt.client_ip


def test_quick_saves_do_not_rewrite_the_last_contact_but_a_later_one_and_a_new_address_do(app):
    exam, students = make_exam(students=1)
    student = students[0]
    attempt, _, _ = attempts.start_or_resume(exam, student, device="pc", address="10.0.0.1")
    started = attempt.started_at
    attempt_id = attempt.id

    quick = started + attempts.SEEN_EVERY - timedelta(seconds=1)
    assert attempts.save(attempt_id, student, 1, {}, 1, device="pc", address="10.0.0.1", now=quick)["applied"]
    assert _seen(attempt_id) == (started, "10.0.0.1")  # the answer is stored; the attempt row is not rewritten

    later = started + attempts.SEEN_EVERY
    assert attempts.save(attempt_id, student, 1, {}, 2, device="pc", address="10.0.0.1", now=later)["applied"]
    assert _seen(attempt_id) == (later, "10.0.0.1")

    moved = later + timedelta(seconds=1)
    assert attempts.save(attempt_id, student, 2, {}, 3, device="pc", address="10.0.0.9", now=moved)["applied"]
    assert _seen(attempt_id) == (moved, "10.0.0.9")  # another address shows at once
