"""What a student sees of a submitted attempt, as the exam's review policy allows.

Review levels: ``none`` (that it was submitted), ``score`` (the total, provisional
while subjective items wait for marking), ``full`` (also each item: the
response, right or wrong, the key and the explanation). The exam sets one level
for after submitting and one for after it closes. The class's average, highest
and lowest scores are shown from the ``score`` level once the exam has closed.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy import func, select

from question_bank import delivery

from ..extensions import db
from ..models import Attempt, User, utcnow
from . import attempts as attempt_service
from . import exams as exam_service

LEVELS = ("none", "score", "full")


def review_level(attempt: Attempt, now: datetime | None = None) -> str:
    if attempt.status != "submitted":
        return "none"
    exam = attempt.exam
    closed = exam_service.phase(exam, now or utcnow()) == "closed"
    return exam.review_after_close if closed else exam.review_after_submit


def class_stats(attempt: Attempt) -> dict[str, Any] | None:
    """Average, highest and lowest score of the student's class (each student's best submitted attempt)."""
    student = attempt.user
    if student.class_id is None:
        return None
    best = (select(Attempt.user_id, func.max(Attempt.score).label("score"))
            .join(User, User.id == Attempt.user_id)
            .where(Attempt.exam_id == attempt.exam_id, Attempt.status == "submitted", Attempt.score.is_not(None),
                   User.class_id == student.class_id)
            .group_by(Attempt.user_id).subquery())
    count, average, highest, lowest = db.session.execute(
        select(func.count(), func.avg(best.c.score), func.max(best.c.score), func.min(best.c.score))).one()
    if not count:
        return None
    return {"class": student.school_class.name, "count": count, "average": round(float(average), 2),
            "highest": highest, "lowest": lowest}


def review(attempt: Attempt, now: datetime | None = None, translate: Callable[[str], str] = str) -> dict[str, Any]:
    """The attempt's result at the level the policy allows now."""
    now = now or utcnow()
    level = review_level(attempt, now)
    body: dict[str, Any] = {"attempt_id": attempt.id, "exam_id": attempt.exam_id, "status": attempt.status,
                            "level": level}
    if level == "none":
        return body
    if attempt.graded_at is None:  # submitted a moment ago: the server grades it within seconds
        body["grading"] = True
        return body
    body.update(score=attempt.score, max_score=attempt.max_score, pending_points=attempt.pending_points or 0,
                provisional=bool(attempt.pending_points))
    if exam_service.phase(attempt.exam, now) == "closed":
        body["class_stats"] = class_stats(attempt)
    if level != "full":
        return body
    exam = attempt.exam
    paper = attempt_service.delivered_paper(attempt.paper_id, exam.key_versions or None)
    shown = attempt_service.attempt_variant(attempt, exam, paper)
    stored = attempt_service.responses_of(attempt)
    items = delivery.client_items(paper, shown, translate=translate)
    for entry, slot in zip(items, shown.slots):
        row = stored.get(entry["slot"])
        entry.update(response=row.response if row else {}, awarded=row.points if row else 0,
                     correct=row.correct if row else False,
                     key=delivery.display_key(slot.item, translate), explanation=slot.item.explanation)
        if slot.item.type == "short":
            entry["reference"] = slot.item.answer
    body["items"] = items
    return body
