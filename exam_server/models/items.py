"""Items and their immutable versions, tags, media and the review trail.

An :class:`Item` is the identity of a question: where it sits in the taxonomy,
its status and who wrote it. Its content lives in :class:`ItemVersion` rows,
numbered 1, 2, …. ``latest_version`` is the one being edited;
``published_version`` is the one papers and statistics use. A version that was
ever published is never changed: editing it makes a new version.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint, and_, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .taxonomy import Category, KnowledgePoint, Subject
from .types import UTCDateTime, utcnow

ITEM_STATUS_CHECK = "status IN ('draft', 'review', 'published', 'retired')"
ITEM_TYPE_CHECK = "type IN ('single', 'multiple', 'truefalse', 'blank', 'short')"

item_knowledge_point = Table(
    "item_knowledge_point", db.metadata,
    Column("item_id", ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("knowledge_point_id", ForeignKey("knowledge_point.id"), primary_key=True, index=True),
)

item_tag = Table(
    "item_tag", db.metadata,
    Column("item_id", ForeignKey("item.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id"), primary_key=True, index=True),
)


class Tag(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)


class Item(db.Model):
    __table_args__ = (
        CheckConstraint(ITEM_STATUS_CHECK, name="status"),
        CheckConstraint("latest_version >= 1", name="latest_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(64), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="draft", index=True)
    latest_version: Mapped[int] = mapped_column(default=1)
    published_version: Mapped[Optional[int]] = mapped_column()
    source: Mapped[str] = mapped_column(String(200), default="")
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    subject: Mapped[Subject] = relationship()
    author: Mapped[Optional[User]] = relationship()
    knowledge_points: Mapped[list[KnowledgePoint]] = relationship(
        secondary=item_knowledge_point, order_by=KnowledgePoint.id)
    tags: Mapped[list[Tag]] = relationship(secondary=item_tag, order_by=Tag.name)
    versions: Mapped[list["ItemVersion"]] = relationship(
        back_populates="item", order_by="ItemVersion.number", cascade="all, delete-orphan")
    events: Mapped[list["ItemEvent"]] = relationship(
        back_populates="item", order_by="ItemEvent.id", cascade="all, delete-orphan")

    def version(self, number: int | None) -> Optional["ItemVersion"]:
        return next((v for v in self.versions if v.number == number), None)

    @property
    def latest(self) -> "ItemVersion":
        return self.version(self.latest_version)

    @property
    def live(self) -> Optional["ItemVersion"]:
        """The published version papers use, if any."""
        return self.version(self.published_version)

    @property
    def is_live(self) -> bool:
        """Papers and statistics may use it: it has a published version and is not retired.

        A pending revision (an edit awaiting review) does not hide the published version.
        """
        return self.published_version is not None and self.status != "retired"

    @classmethod
    def live_clause(cls):
        """:attr:`is_live` as a SQL condition."""
        return and_(cls.published_version.is_not(None), cls.status != "retired")

    @property
    def has_pending_revision(self) -> bool:
        return self.published_version is not None and self.published_version != self.latest_version


class ItemVersion(db.Model):
    __tablename__ = "item_version"
    __table_args__ = (
        UniqueConstraint("item_id", "number", name="uq_item_version_item_number"),
        CheckConstraint(ITEM_TYPE_CHECK, name="type"),
        CheckConstraint("difficulty >= 0 AND difficulty <= 1", name="difficulty"),
        CheckConstraint("points > 0", name="points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    type: Mapped[str] = mapped_column(String(16), index=True)
    stem: Mapped[str] = mapped_column(Text)
    #: plain text of the stem, for search and near-duplicate checks
    stem_text: Mapped[str] = mapped_column(Text, default="")
    options: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    answer: Mapped[Any] = mapped_column(JSON, nullable=True)
    scoring_points: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    explanation: Mapped[str] = mapped_column(Text, default="")
    difficulty: Mapped[float] = mapped_column()
    points: Mapped[float] = mapped_column()
    #: fill-in-the-blank answers must match in case
    case_sensitive: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="versions")
    created_by: Mapped[Optional[User]] = relationship()


class ItemEvent(db.Model):
    """The review trail: who created, submitted, approved, rejected or retired what, and why."""

    __tablename__ = "item_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("item.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="events")
    user: Mapped[Optional[User]] = relationship()


class Media(db.Model):
    """An image stored under ``instance/media`` by the SHA-256 of its content."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    mime: Mapped[str] = mapped_column(String(32))
    size: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
