"""The JSON shapes of exams and attempts, shared by the API and the exam page."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..models import Attempt, Exam, User
from ..services import attempts, exams, results


def iso(moment: datetime | None) -> str | None:
    """UTC with milliseconds and a Z: what JavaScript's Date.parse reads on every browser."""
    if moment is None:
        return None
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def exam_summary(exam: Exam, user: User, now: datetime, mine: list[Attempt] | None = None) -> dict[str, Any]:
    """The exam as the student's list shows it; ``mine``: the student's attempts, when the caller has them."""
    mine = exams.attempts_of(exam, user) if mine is None else mine
    return {
        "id": exam.id, "title": exam.title, "category": exam.category.name,
        "opens_at": iso(exam.opens_at), "closes_at": iso(exam.closes_at), "minutes": exam.minutes,
        "phase": exams.phase(exam, now), "attempts_allowed": exam.attempts_allowed,
        "access_code_required": bool(exam.access_code),
        "attempts": [{"id": a.id, "number": a.number, "status": a.status} for a in mine],
    }


def attempt_state(attempt: Attempt, now: datetime, saved: list | None = None) -> dict[str, Any]:
    """Status, time and every saved response by slot with its seq; the score when the review policy shows it.

    Right after submitting, ``grading`` is true and ``score`` null for a few seconds.
    """
    saved = attempts.saved_responses(attempt.id) if saved is None else saved
    state = {
        "id": attempt.id, "exam_id": attempt.exam_id, "number": attempt.number, "status": attempt.status,
        "server_time": iso(now), "started_at": iso(attempt.started_at), "deadline": iso(attempt.deadline_at),
        "submitted_at": iso(attempt.submitted_at), "submitted_by": attempt.submitted_by or None,
        "slots": len(attempt.layout),
        "answered": sum(1 for r in saved if r.answered),
        "responses": [{"slot": r.slot, "response": r.response, "seq": r.seq, "saved_at": iso(r.saved_at)}
                      for r in saved if r.seq > 0],
    }
    if attempt.status == "submitted" and results.review_level(attempt, now) != "none":
        state["grading"] = attempt.graded_at is None
        state["score"] = attempt.score
        state["max_score"] = attempt.max_score
        state["provisional"] = bool(attempt.pending_points)
    return state
