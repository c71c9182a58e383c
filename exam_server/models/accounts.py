"""Schools, classes (班级) and user accounts."""
from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import UTCDateTime, utcnow

ROLES = ("admin", "teacher", "proctor", "student")


class School(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    code: Mapped[Optional[str]] = mapped_column(String(32), unique=True)

    classes: Mapped[list["SchoolClass"]] = relationship(back_populates="school", order_by="SchoolClass.name")


class SchoolClass(db.Model):
    __tablename__ = "school_class"
    __table_args__ = (UniqueConstraint("school_id", "name", name="uq_school_class_school_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("school.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))

    school: Mapped[School] = relationship(back_populates="classes")
    students: Mapped[list["User"]] = relationship(back_populates="school_class")


class User(UserMixin, db.Model):
    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'teacher', 'proctor', 'student')", name="role"),
        CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(64), default="")
    school_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school.id"), index=True)
    class_id: Mapped[Optional[int]] = mapped_column(ForeignKey("school_class.id"), index=True)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    failed_logins: Mapped[int] = mapped_column(default=0)
    last_failed_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    locked_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    school: Mapped[Optional[School]] = relationship()
    school_class: Mapped[Optional[SchoolClass]] = relationship(back_populates="students")

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in
        return self.is_enabled

    @property
    def session_token(self) -> str:
        """Changes whenever the password does, ending every session made with the old one."""
        return hashlib.sha256(self.password_hash.encode("ascii")).hexdigest()[:16]

    def get_id(self) -> str:  # Flask-Login stores this in the session cookie
        return f"{self.id}:{self.session_token}"

    def is_locked(self, now: datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def __repr__(self) -> str:
        return f"<User {self.username} {self.role}>"
