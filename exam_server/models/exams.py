"""Exams (考试), who sits them, attempts, saved responses and the proctoring audit log.

An exam is delivered from one or more papers (parallel forms); each student gets
one form and a shuffle of it fixed by ``Attempt.variant_key``. Responses are
keyed by the slot number the student saw and carry the client's ``seq``, so a
late or repeated save never overwrites a newer one.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import School, SchoolClass, User
from .papers import Paper
from .taxonomy import Category
from .types import UTCDateTime, utcnow

REVIEW_LEVELS = ("none", "score", "full")
ATTEMPT_STATUSES = ("open", "submitted")


class Exam(db.Model):
    __table_args__ = (
        CheckConstraint("minutes > 0", name="minutes"),
        CheckConstraint("attempts_allowed > 0", name="attempts_allowed"),
        CheckConstraint("review_after_submit IN ('none', 'score', 'full')", name="review_after_submit"),
        CheckConstraint("review_after_close IN ('none', 'score', 'full')", name="review_after_close"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    #: the school that runs it: its teachers and proctors manage it (None: made by an admin for all)
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school.id"), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    minutes: Mapped[int] = mapped_column()
    attempts_allowed: Mapped[int] = mapped_column(default=1)
    shuffle_items: Mapped[bool] = mapped_column(default=True)
    shuffle_options: Mapped[bool] = mapped_column(default=True)
    review_after_submit: Mapped[str] = mapped_column(String(8), default="score")
    review_after_close: Mapped[str] = mapped_column(String(8), default="full")
    access_code: Mapped[str] = mapped_column(String(32), default="")
    #: allowed client networks, one CIDR per line ("" allows every address)
    allowed_networks: Mapped[str] = mapped_column(Text, default="")
    single_device: Mapped[bool] = mapped_column(default=True)
    grace_seconds: Mapped[int] = mapped_column(default=30)
    #: corrected keys: {item uid: item_version id} used instead of the paper's version when grading
    key_versions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship()
    school: Mapped[Optional[School]] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
    forms: Mapped[list["ExamPaper"]] = relationship(order_by="ExamPaper.position", cascade="all, delete-orphan")
    classes: Mapped[list[SchoolClass]] = relationship(secondary="exam_class", order_by="SchoolClass.name")
    candidates: Mapped[list["ExamCandidate"]] = relationship(cascade="all, delete-orphan")


class ExamPaper(db.Model):
    """One of the exam's forms; a student gets one of them."""

    __tablename__ = "exam_paper"
    __table_args__ = (UniqueConstraint("exam_id", "paper_id", name="uq_exam_paper_exam_paper"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("paper.id"), index=True)
    position: Mapped[int] = mapped_column(default=0)

    paper: Mapped[Paper] = relationship()


exam_class = db.Table(
    "exam_class",
    db.Column("exam_id", db.ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True),
    db.Column("class_id", db.ForeignKey("school_class.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class ExamCandidate(db.Model):
    """A student assigned by name, or given extra time (both: a row per student who needs one)."""

    __tablename__ = "exam_candidate"
    __table_args__ = (CheckConstraint("extra_minutes >= 0", name="extra_minutes"),)

    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True,
                                         index=True)
    extra_minutes: Mapped[int] = mapped_column(default=0)

    user: Mapped[User] = relationship()


class Attempt(db.Model):
    __table_args__ = (
        UniqueConstraint("exam_id", "user_id", "number", name="uq_attempt_exam_user_number"),
        CheckConstraint("status IN ('open', 'submitted')", name="status"),
        Index("ix_attempt_status_deadline", "status", "deadline_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)
    paper_id: Mapped[int] = mapped_column(ForeignKey("paper.id"))
    #: seeds the shuffle: the same key always gives the same order of items and options
    variant_key: Mapped[str] = mapped_column(String(64))
    #: each slot's [type, options or blanks], to check a save without loading the items
    layout: Mapped[list[list[Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(12), default="open")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: start + duration + extra time, capped by the exam's close; moved by a proctor's "add time"
    deadline_at: Mapped[datetime] = mapped_column(UTCDateTime)
    extra_seconds: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: "student", "proctor" or "server" (finalised at the deadline)
    submitted_by: Mapped[str] = mapped_column(String(12), default="")
    device_id: Mapped[Optional[str]] = mapped_column(String(64))
    client_ip: Mapped[str] = mapped_column(String(64), default="")
    last_seen_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    score: Mapped[Optional[float]] = mapped_column(Float)
    max_score: Mapped[Optional[float]] = mapped_column(Float)
    #: points of answered subjective items not yet marked: while > 0 the score is provisional
    pending_points: Mapped[Optional[float]] = mapped_column(Float)
    graded_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    exam: Mapped[Exam] = relationship()
    user: Mapped[User] = relationship()
    paper: Mapped[Paper] = relationship()


class Response(db.Model):
    """The latest save of one slot; ``seq`` is the client's counter, stamped ``saved_at`` on arrival."""

    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempt.id", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[int] = mapped_column(primary_key=True)
    response: Mapped[dict[str, Any]] = mapped_column(JSON)
    answered: Mapped[bool] = mapped_column(default=False)
    seq: Mapped[int] = mapped_column()
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime)
    points: Mapped[Optional[float]] = mapped_column(Float)
    correct: Mapped[Optional[bool]] = mapped_column()


class ExamEvent(db.Model):
    """The audit log: who did what to an exam or an attempt, and when."""

    __tablename__ = "exam_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    exam_id: Mapped[int] = mapped_column(ForeignKey("exam.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[Optional[int]] = mapped_column(ForeignKey("attempt.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[Optional[User]] = relationship()
    attempt: Mapped[Optional[Attempt]] = relationship()
