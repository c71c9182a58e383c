"""The category → subject → knowledge point tree: seeding, lookups and edits."""
from __future__ import annotations

from sqlalchemy import func, select

from question_bank.taxonomy import TEN_CATEGORIES

from ..extensions import db
from ..models import Category, Item, KnowledgePoint, Subject, item_knowledge_point
from .errors import N_, ServiceError


def seed_categories() -> int:
    """Add the ten categories and their subjects where missing; returns how many rows were added.

    Never renames or removes anything an admin changed, so running it again changes nothing.
    """
    added = 0
    for order, seed in enumerate(TEN_CATEGORIES):
        category = db.session.scalar(select(Category).where(Category.code == seed.code))
        if category is None:
            category = Category(code=seed.code, name=seed.name, sort_order=order)
            db.session.add(category)
            db.session.flush()
            added += 1
            for s_order, name in enumerate(seed.subjects):
                db.session.add(Subject(category=category, name=name, sort_order=s_order))
                added += 1
    db.session.commit()
    return added


def categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.sort_order, Category.id)))


def category_by_code(code: str) -> Category | None:
    return db.session.scalar(select(Category).where(Category.code == code))


def ensure_path(code: str, category_name: str | None, subject_name: str,
                point_names: tuple[str, ...] = ()) -> tuple[Category, Subject, list[KnowledgePoint]]:
    """Find the category, subject and knowledge points of a path, creating the missing ones.

    Used by imports; does not commit.

    :raise ServiceError: when the category is unknown and no name is given to create it.
    """
    category = category_by_code(code)
    if category is None:
        if not category_name:
            raise ServiceError(N_("未知的大类代码“%(code)s”"), "category", code=code)
        category = Category(code=code, name=category_name,
                            sort_order=(db.session.scalar(select(func.max(Category.sort_order))) or 0) + 1)
        db.session.add(category)
        db.session.flush()
    subject = db.session.scalar(select(Subject).where(
        Subject.category_id == category.id, Subject.name == subject_name))
    if subject is None:
        subject = Subject(category=category, name=subject_name, sort_order=len(category.subjects))
        db.session.add(subject)
        db.session.flush()
    points = []
    for name in point_names:
        point = db.session.scalar(select(KnowledgePoint).where(
            KnowledgePoint.subject_id == subject.id, KnowledgePoint.name == name))
        if point is None:
            point = KnowledgePoint(subject=subject, name=name, sort_order=len(subject.knowledge_points))
            db.session.add(point)
            db.session.flush()
        points.append(point)
    return category, subject, points


def _check_name(name: str, limit: int) -> str:
    name = (name or "").strip()
    if not name or len(name) > limit:
        raise ServiceError(N_("名称不能为空，且不超过 %(n)d 个字符"), "name", n=limit)
    return name


def add_category(code: str, name: str) -> Category:
    code = (code or "").strip().upper()
    if not code.isalnum() or len(code) > 16:
        raise ServiceError(N_("代码须为不超过 16 位的字母或数字"), "code")
    name = _check_name(name, 64)
    if category_by_code(code) or db.session.scalar(select(Category).where(Category.name == name)):
        raise ServiceError(N_("代码或名称已存在"), "code")
    category = Category(code=code, name=name, sort_order=len(categories()))
    db.session.add(category)
    db.session.commit()
    return category


def add_subject(category: Category, name: str) -> Subject:
    name = _check_name(name, 64)
    if any(s.name == name for s in category.subjects):
        raise ServiceError(N_("该大类下已有科目“%(name)s”"), "name", name=name)
    subject = Subject(category=category, name=name, sort_order=len(category.subjects))
    db.session.add(subject)
    db.session.commit()
    return subject


def add_knowledge_point(subject: Subject, name: str) -> KnowledgePoint:
    name = _check_name(name, 100)
    if any(p.name == name for p in subject.knowledge_points):
        raise ServiceError(N_("该科目下已有知识点“%(name)s”"), "name", name=name)
    point = KnowledgePoint(subject=subject, name=name, sort_order=len(subject.knowledge_points))
    db.session.add(point)
    db.session.commit()
    return point


def rename(node: Category | Subject | KnowledgePoint, name: str) -> None:
    """Rename a node; siblings keep distinct names."""
    name = _check_name(name, 100 if isinstance(node, KnowledgePoint) else 64)
    if isinstance(node, Category):
        siblings = categories()
    elif isinstance(node, Subject):
        siblings = node.category.subjects
    else:
        siblings = node.subject.knowledge_points
    if any(s.name == name and s is not node for s in siblings):
        raise ServiceError(N_("同一层级下已有“%(name)s”"), "name", name=name)
    node.name = name
    db.session.commit()


def delete(node: Category | Subject | KnowledgePoint) -> None:
    """Delete an empty node.

    :raise ServiceError: if the node still has children or items.
    """
    if isinstance(node, KnowledgePoint):
        used = db.session.scalar(select(func.count()).select_from(item_knowledge_point).where(
            item_knowledge_point.c.knowledge_point_id == node.id))
    elif isinstance(node, Subject):
        used = len(node.knowledge_points) + (db.session.scalar(
            select(func.count(Item.id)).where(Item.subject_id == node.id)) or 0)
    else:
        used = len(node.subjects) + (db.session.scalar(
            select(func.count(Item.id)).where(Item.category_id == node.id)) or 0)
    if used:
        raise ServiceError(N_("“%(name)s”下还有内容或试题，不能删除"), "name", name=node.name)
    db.session.delete(node)
    db.session.commit()


def item_counts() -> tuple[dict[int, int], dict[int, int]]:
    """How many items each subject and each knowledge point holds: ``(by_subject, by_point)``."""
    by_subject = dict(db.session.execute(
        select(Item.subject_id, func.count(Item.id)).group_by(Item.subject_id)).all())
    by_point = dict(db.session.execute(
        select(item_knowledge_point.c.knowledge_point_id, func.count())
        .group_by(item_knowledge_point.c.knowledge_point_id)).all())
    return by_subject, by_point
