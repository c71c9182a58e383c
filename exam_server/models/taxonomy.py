"""Category (大类) → subject (科目) → knowledge point (知识点)."""
from __future__ import annotations

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Category(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    subjects: Mapped[list["Subject"]] = relationship(
        back_populates="category", order_by="(Subject.sort_order, Subject.id)")


class Subject(db.Model):
    __table_args__ = (UniqueConstraint("category_id", "name", name="uq_subject_category_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("category.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    sort_order: Mapped[int] = mapped_column(default=0)

    category: Mapped[Category] = relationship(back_populates="subjects")
    knowledge_points: Mapped[list["KnowledgePoint"]] = relationship(
        back_populates="subject", order_by="(KnowledgePoint.sort_order, KnowledgePoint.id)")


class KnowledgePoint(db.Model):
    __tablename__ = "knowledge_point"
    __table_args__ = (UniqueConstraint("subject_id", "name", name="uq_knowledge_point_subject_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    sort_order: Mapped[int] = mapped_column(default=0)

    subject: Mapped[Subject] = relationship(back_populates="knowledge_points")
