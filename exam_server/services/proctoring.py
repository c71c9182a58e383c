"""The proctor's console (监考): every student's state, and the actions, each written to the audit log."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..models import Attempt, Exam, ExamEvent, User, utcnow
from . import attempts as attempt_service
from . import exams as exam_service
from .errors import N_, Refused

MAX_ADDED_MINUTES = 240
#: a PC not heard from for this long shows as "no contact" on the console
SILENT_AFTER = timedelta(seconds=60)


@dataclass(frozen=True)
class Row:
    """One student on the console."""

    student: User
    attempt: Attempt | None
    answered: int
    state: str  # "not_started", "in_progress", "silent", "submitted"


def room(exam: Exam, class_id: int | None = None, now: datetime | None = None) -> list[Row]:
    """Every candidate (of one class when given) with their latest attempt and its answered count."""
    now = now or utcnow()
    students = exam_service.candidates(exam, class_id)
    latest: dict[int, Attempt] = {}
    for attempt in db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id).order_by(Attempt.number)):
        latest[attempt.user_id] = attempt
    counts = attempt_service.answered_counts([a.id for a in latest.values()])
    rows = []
    for student in students:
        attempt = latest.get(student.id)
        if attempt is None:
            state = "not_started"
        elif attempt.status == "submitted":
            state = "submitted"
        elif attempt.last_seen_at is None or now - attempt.last_seen_at > SILENT_AFTER:
            state = "silent"
        else:
            state = "in_progress"
        rows.append(Row(student, attempt, counts.get(attempt.id, 0) if attempt else 0, state))
    return rows


def _attempt_of(exam: Exam, attempt_id: int) -> Attempt:
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.exam_id != exam.id:
        raise Refused("not_found", 404, N_("没有这次作答"))
    return attempt


def add_time(exam: Exam, attempt_ids: list[int], minutes: int, by: User, now: datetime | None = None) -> int:
    """Give open attempts ``minutes`` more; commits. Returns how many got it.

    Added time may run past the exam's close: it makes up for time a student lost.
    """
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_ADDED_MINUTES:
        raise Refused("invalid", 422, N_("延长时间须为 1 至 %(most)d 分钟"), "minutes", most=MAX_ADDED_MINUTES)
    now = now or utcnow()
    changed = 0
    for attempt_id in attempt_ids:
        attempt = _attempt_of(exam, attempt_id)
        if attempt.status != "open":
            continue
        before = attempt.deadline_at
        attempt.extra_seconds += minutes * 60
        attempt.deadline_at = max(before, now) + timedelta(minutes=minutes)
        attempt_service.log(exam, attempt, by, "add_time",
                            {"minutes": minutes, "before": before.isoformat(), "after": attempt.deadline_at.isoformat()})
        changed += 1
    db.session.commit()
    return changed


def release_device(exam: Exam, attempt_id: int, by: User) -> None:
    """移机: the next PC the student logs in on takes the attempt over; the old one can no longer save."""
    attempt = _attempt_of(exam, attempt_id)
    attempt_service.log(exam, attempt, by, "release_device", {"device": attempt.device_id, "address": attempt.client_ip})
    attempt.device_id = None
    db.session.commit()


def force_submit(exam: Exam, attempt_id: int, by: User, now: datetime | None = None) -> bool:
    """Submit an attempt for the student (it keeps every saved answer); the server grades it moments later."""
    attempt = _attempt_of(exam, attempt_id)
    return attempt_service.finalise(attempt, "proctor", now or utcnow(), actor=by)


def reopen(exam: Exam, attempt_id: int, minutes: int, by: User, now: datetime | None = None) -> None:
    """Reopen a wrongly submitted attempt with at least ``minutes`` left; its saved answers stay; commits."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_ADDED_MINUTES:
        raise Refused("invalid", 422, N_("重新开放的作答时间须为 1 至 %(most)d 分钟"), "minutes", most=MAX_ADDED_MINUTES)
    now = now or utcnow()
    attempt = _attempt_of(exam, attempt_id)
    if attempt.status != "submitted":
        raise Refused("not_submitted", 409, N_("该考生尚未交卷，无需重新开放"))
    before = attempt.deadline_at
    attempt.status, attempt.submitted_at, attempt.submitted_by = "open", None, ""
    attempt.deadline_at = max(before, now + timedelta(minutes=minutes))
    attempt.score = attempt.max_score = attempt.pending_points = attempt.graded_at = None
    attempt_service.log(exam, attempt, by, "reopen", {"minutes": minutes, "deadline": attempt.deadline_at.isoformat()})
    db.session.commit()


def audit_log(exam: Exam, limit: int = 500) -> list[ExamEvent]:
    """The exam's audit log, newest first."""
    return list(db.session.scalars(select(ExamEvent).options(
        selectinload(ExamEvent.user), selectinload(ExamEvent.attempt).selectinload(Attempt.user))
        .where(ExamEvent.exam_id == exam.id).order_by(ExamEvent.at.desc(), ExamEvent.id.desc()).limit(limit)))
