"""Stored blueprints (组卷方案) and papers.

A paper keeps the item *versions* it was assembled from, so editing an item
later never changes a paper that used it.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .items import ItemVersion
from .taxonomy import Category
from .types import UTCDateTime, utcnow


class Blueprint(db.Model):
    """A blueprint as a teacher edits it; ``spec`` is its native JSON (question_bank.formats.blueprint)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category] = relationship()
    created_by: Mapped[Optional[User]] = relationship()


class Paper(db.Model):
    """One form of an assembled paper, or a fixed paper picked by hand."""

    __table_args__ = (CheckConstraint("kind IN ('assembled', 'fixed')", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    blueprint_id: Mapped[Optional[int]] = mapped_column(ForeignKey("blueprint.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12), default="assembled")
    #: parallel forms assembled together share a group
    form_group: Mapped[str] = mapped_column(String(32), index=True)
    form: Mapped[str] = mapped_column(String(4), default="")
    seed: Mapped[Optional[int]] = mapped_column()
    minutes: Mapped[int] = mapped_column()
    #: the sections: [{"type", "points_each", "rule", "instruction"}], in order
    sections: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship()
    blueprint: Mapped[Optional[Blueprint]] = relationship()
    created_by: Mapped[Optional[User]] = relationship()
    entries: Mapped[list["PaperItem"]] = relationship(
        back_populates="paper", order_by="PaperItem.position", cascade="all, delete-orphan")


class PaperItem(db.Model):
    __tablename__ = "paper_item"
    __table_args__ = (UniqueConstraint("paper_id", "position", name="uq_paper_item_paper_position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("paper.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column()  # 1, 2, … across the whole paper
    section: Mapped[int] = mapped_column()  # index into Paper.sections
    item_version_id: Mapped[int] = mapped_column(ForeignKey("item_version.id"), index=True)

    paper: Mapped[Paper] = relationship(back_populates="entries")
    item_version: Mapped[ItemVersion] = relationship()
