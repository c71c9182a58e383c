"""Items: authoring with versions, the review workflow, search and bulk actions.

Workflow: draft → review → published → retired. A second teacher approves:
the reviewer can never be the author of the version under review. Editing a
version that was published makes a new version; the published one stays live
for papers until the new one is approved.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from question_bank import model as qb
from question_bank.richtext import html_to_text, sanitize
from question_bank.similarity import near_duplicates
from question_bank.types import validate

from ..extensions import db
from ..models import Category, Item, ItemEvent, ItemVersion, KnowledgePoint, Subject, Tag, User, utcnow
from .errors import N_, Problem, ProblemsError, ServiceError


@dataclass
class ItemDraft:
    """Item content and classification as a form or an importer supplies it."""

    type: str
    stem: str
    subject_id: int
    options: list[dict[str, Any]] = field(default_factory=list)
    answer: Any = None
    scoring_points: list[dict[str, Any]] = field(default_factory=list)
    explanation: str = ""
    difficulty: float = qb.DIFFICULTY_LEVELS["medium"]
    points: float = 1.0
    knowledge_point_ids: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    source: str = ""
    case_sensitive: bool = False


# ---------------------------------------------------------------- conversions

def _answer_to_domain(item_type: str, answer: Any) -> Any:
    if item_type == "multiple" and isinstance(answer, list):
        return tuple(answer)
    if item_type == "blank" and isinstance(answer, list):
        return tuple(tuple(a) for a in answer)
    return answer


def _answer_to_json(answer: Any) -> Any:
    if isinstance(answer, tuple):
        return [_answer_to_json(a) for a in answer]
    return answer


def to_domain(item: Item, version: ItemVersion | None = None) -> qb.Item:
    """The domain view of one version of an item (the latest by default)."""
    version = version or item.latest
    return qb.Item(
        type=version.type, stem=version.stem,
        options=tuple(qb.Option(o["id"], o.get("text", ""), o.get("image"), bool(o.get("pinned")))
                      for o in version.options or []),
        answer=_answer_to_domain(version.type, version.answer),
        explanation=version.explanation, difficulty=version.difficulty, points=version.points,
        scoring_points=tuple(qb.ScoringPoint(p["text"], p["points"]) for p in version.scoring_points or []),
        case_sensitive=bool(version.case_sensitive),
        category=item.category.code, subject=item.subject.name,
        knowledge_points=tuple(p.name for p in item.knowledge_points),
        tags=tuple(t.name for t in item.tags), source=item.source, status=item.status,
        uid=item.uid, version=version.number,
        author=item.author.username if item.author else "",
        created_at=item.created_at.isoformat() if item.created_at else "",
        updated_at=item.updated_at.isoformat() if item.updated_at else "",
    )


def _draft_to_domain(draft: ItemDraft) -> qb.Item:
    return qb.Item(
        type=draft.type, stem=draft.stem,
        options=tuple(qb.Option(o.get("id", ""), o.get("text", ""), o.get("image"), bool(o.get("pinned")))
                      for o in draft.options),
        answer=_answer_to_domain(draft.type, draft.answer), explanation=draft.explanation,
        difficulty=draft.difficulty, points=draft.points,
        scoring_points=tuple(qb.ScoringPoint(str(p.get("text", "")), float(p.get("points") or 0))
                             for p in draft.scoring_points),
        case_sensitive=bool(draft.case_sensitive) and draft.type == "blank",
    )


def _clean(draft: ItemDraft) -> ItemDraft:
    """Sanitise rich text and check the content; return the cleaned draft.

    :raise ProblemsError: naming each bad field.
    """
    draft.stem = sanitize(draft.stem)
    draft.explanation = sanitize(draft.explanation)
    draft.options = [{"id": o.get("id", ""), "text": sanitize(o.get("text", "")),
                      "image": o.get("image") or None, "pinned": bool(o.get("pinned"))}
                     for o in draft.options]
    if draft.type == "short" and isinstance(draft.answer, str):
        draft.answer = sanitize(draft.answer)
    problems = list(validate(_draft_to_domain(draft)))
    subject = db.session.get(Subject, draft.subject_id) if draft.subject_id else None
    if subject is None:
        problems.append(Problem("subject_id", N_("请选择科目")))
    else:
        for point_id in draft.knowledge_point_ids:
            point = db.session.get(KnowledgePoint, point_id)
            if point is None or point.subject_id != subject.id:
                problems.append(Problem("knowledge_point_ids", N_("知识点必须属于所选科目")))
                break
    if problems:
        raise ProblemsError(problems)
    return draft


def _tags(names: Iterable[str]) -> list[Tag]:
    tags = []
    for name in dict.fromkeys(n.strip() for n in names if n and n.strip()):
        tag = db.session.scalar(select(Tag).where(Tag.name == name[:64]))
        if tag is None:
            tag = Tag(name=name[:64])
            db.session.add(tag)
        tags.append(tag)
    return tags


def _fill_version(version: ItemVersion, draft: ItemDraft, editor: User | None) -> None:
    version.type = draft.type
    version.stem = draft.stem
    version.stem_text = html_to_text(draft.stem)
    version.options = draft.options if draft.type in ("single", "multiple") else []
    version.answer = _answer_to_json(draft.answer)
    version.scoring_points = [{"text": str(p["text"]), "points": float(p["points"])}
                              for p in draft.scoring_points] if draft.type == "short" else []
    version.explanation = draft.explanation
    version.difficulty = float(draft.difficulty)
    version.points = float(draft.points)
    version.case_sensitive = bool(draft.case_sensitive) and draft.type == "blank"
    version.created_by = editor
    version.created_at = utcnow()


def _classify(item: Item, draft: ItemDraft) -> None:
    subject = db.session.get(Subject, draft.subject_id)
    item.subject = subject
    item.category_id = subject.category_id
    item.knowledge_points = [db.session.get(KnowledgePoint, i) for i in dict.fromkeys(draft.knowledge_point_ids)]
    item.tags = _tags(draft.tags)
    item.source = (draft.source or "")[:200]


#: review-trail actions that write a version's content
_WRITING = ("created", "edited")


def log_event(item: Item, action: str, user: User | None, comment: str = "") -> None:
    """Add a line to the item's review trail (not committed)."""
    item.events.append(ItemEvent(version=item.latest_version, action=action, user=user,
                                 comment=comment, created_at=utcnow()))


# ---------------------------------------------------------------- authoring

def create_item(draft: ItemDraft, author: User | None, uid: str | None = None,
                status: str = "draft", commit: bool = True) -> Item:
    """Create an item (version 1) from a draft.

    :raise ProblemsError: naming each bad field; nothing is saved then.
    """
    draft = _clean(draft)
    item = Item(uid=uid or uuid.uuid4().hex, status=status, latest_version=1, author=author)
    _classify(item, draft)
    version = ItemVersion(number=1)
    _fill_version(version, draft, author)
    item.versions.append(version)
    if status in ("published", "retired"):
        item.published_version = 1
    db.session.add(item)
    log_event(item, "created", author)
    if commit:
        db.session.commit()
    return item


def update_item(item: Item, draft: ItemDraft, editor: User, commit: bool = True) -> Item:
    """Save an edit. A version that was ever published is kept; the edit becomes a new draft version.

    :raise ProblemsError: naming each bad field; nothing is saved then.
    :raise ServiceError: for a retired item.
    """
    if item.status == "retired":
        raise ServiceError(N_("已停用的试题不能编辑，请先恢复"))
    draft = _clean(draft)
    _classify(item, draft)
    if item.published_version is not None and item.published_version == item.latest_version:
        item.latest_version += 1
        version = ItemVersion(number=item.latest_version)
        item.versions.append(version)
        item.status = "draft"
    else:
        version = item.latest
        if item.status == "review":
            item.status = "draft"  # an edit under review goes back to its author's draft
    _fill_version(version, draft, editor)
    log_event(item, "edited", editor)
    if commit:
        db.session.commit()
    return item


def submit_for_review(item: Item, user: User) -> None:
    if item.status != "draft":
        raise ServiceError(N_("只有草稿可以提交审核"))
    item.status = "review"
    log_event(item, "submitted", user)
    db.session.commit()


def approve(item: Item, reviewer: User, comment: str = "") -> None:
    """Publish the version under review.

    :raise ServiceError: if the item is not in review or the reviewer wrote this version.
    """
    if item.status != "review":
        raise ServiceError(N_("该试题不在待审核状态"))
    if wrote_version_under_review(item, reviewer):
        raise ServiceError(N_("不能审核自己编写的试题，请由另一位教师审核"))
    item.status = "published"
    item.published_version = item.latest_version
    log_event(item, "approved", reviewer, comment)
    db.session.commit()


def wrote_version_under_review(item: Item, user: User) -> bool:
    """Whether ``user`` created or edited the latest version (so cannot be its second pair of eyes)."""
    return item.latest.created_by_id == user.id or any(
        e.user_id == user.id and e.version == item.latest_version and e.action in _WRITING
        for e in item.events)


def reject(item: Item, reviewer: User, comment: str) -> None:
    """Send the version under review back to draft with the reviewer's reason."""
    if item.status != "review":
        raise ServiceError(N_("该试题不在待审核状态"))
    if not (comment or "").strip():
        raise ServiceError(N_("退回时请写明原因"), "comment")
    item.status = "draft"
    log_event(item, "rejected", reviewer, comment.strip())
    db.session.commit()


# ---------------------------------------------------------------- bulk actions

def retire(items: Iterable[Item], user: User) -> int:
    count = 0
    for item in items:
        if item.status != "retired":
            item.status = "retired"
            log_event(item, "retired", user)
            count += 1
    db.session.commit()
    return count


def restore(item: Item, user: User) -> None:
    """Bring a retired item back: published if it had a published version, else draft."""
    if item.status != "retired":
        raise ServiceError(N_("该试题未停用"))
    item.status = "published" if item.published_version == item.latest_version else "draft"
    log_event(item, "restored", user)
    db.session.commit()


def move(items: Iterable[Item], subject: Subject, knowledge_points: list[KnowledgePoint], user: User) -> int:
    """Move items to a subject (and knowledge points of it). Classification is not versioned content."""
    if any(p.subject_id != subject.id for p in knowledge_points):
        raise ServiceError(N_("知识点必须属于所选科目"), "knowledge_point_ids")
    count = 0
    for item in items:
        item.subject = subject
        item.category_id = subject.category_id
        item.knowledge_points = list(knowledge_points)
        log_event(item, "moved", user, f"{subject.category.name} / {subject.name}")
        count += 1
    db.session.commit()
    return count


def add_tags(items: Iterable[Item], names: Iterable[str], user: User) -> int:
    tags = _tags(names)
    if not tags:
        raise ServiceError(N_("请输入至少一个标签"), "tags")
    count = 0
    for item in items:
        for tag in tags:
            if tag not in item.tags:
                item.tags.append(tag)
        log_event(item, "tagged", user, ", ".join(t.name for t in tags))
        count += 1
    db.session.commit()
    return count


# ---------------------------------------------------------------- queries

@dataclass
class ItemFilter:
    category_id: int | None = None
    subject_id: int | None = None
    knowledge_point_id: int | None = None
    type: str | None = None
    level: str | None = None
    status: str | None = None
    text: str | None = None
    tag: str | None = None


#: what a page listing items shows of each, loaded in a few queries rather than one per row
_LISTING_LOADS = (selectinload(Item.versions), selectinload(Item.subject), selectinload(Item.author))


def _latest_join():
    return and_(ItemVersion.item_id == Item.id, ItemVersion.number == Item.latest_version)


def search(filters: ItemFilter):
    """A select of items matching the filters, newest first, joined with their latest version."""
    query = select(Item).join(ItemVersion, _latest_join())
    if filters.category_id:
        query = query.where(Item.category_id == filters.category_id)
    if filters.subject_id:
        query = query.where(Item.subject_id == filters.subject_id)
    if filters.knowledge_point_id:
        query = query.where(Item.knowledge_points.any(KnowledgePoint.id == filters.knowledge_point_id))
    if filters.type:
        query = query.where(ItemVersion.type == filters.type)
    if filters.level == "easy":
        query = query.where(ItemVersion.difficulty >= qb.EASY_FROM)
    elif filters.level == "hard":
        query = query.where(ItemVersion.difficulty < qb.HARD_BELOW)
    elif filters.level == "medium":
        query = query.where(ItemVersion.difficulty >= qb.HARD_BELOW, ItemVersion.difficulty < qb.EASY_FROM)
    if filters.status:
        query = query.where(Item.status == filters.status)
    if filters.tag:
        query = query.where(Item.tags.any(Tag.name == filters.tag))
    if filters.text:
        pattern = f"%{filters.text.strip()}%"
        query = query.where(or_(ItemVersion.stem_text.ilike(pattern), Item.uid == filters.text.strip()))
    return query.options(*_LISTING_LOADS).order_by(Item.id.desc())


def review_queue(reviewer: User):
    """Items waiting for review that ``reviewer`` may approve (not their own versions)."""
    wrote = (select(ItemEvent.id).where(ItemEvent.item_id == Item.id, ItemEvent.version == Item.latest_version,
                                        ItemEvent.user_id == reviewer.id, ItemEvent.action.in_(_WRITING))
             .exists())
    return (select(Item).join(ItemVersion, _latest_join())
            .where(Item.status == "review", ~wrote, or_(ItemVersion.created_by_id.is_(None),
                                                         ItemVersion.created_by_id != reviewer.id))
            .options(*_LISTING_LOADS).order_by(Item.updated_at))


def similar_items(category_id: int, stem: str, exclude_item_id: int | None = None,
                  limit: int = 5) -> list[tuple[Item, float]]:
    """Items of the category whose latest stem is nearly the same as ``stem``."""
    rows = db.session.execute(
        select(Item.id, ItemVersion.stem_text).join(ItemVersion, _latest_join())
        .where(Item.category_id == category_id, Item.status != "retired")
    ).all()
    candidates = ((item_id, text) for item_id, text in rows if item_id != exclude_item_id)
    found = near_duplicates(html_to_text(stem), candidates)[:limit]
    return [(db.session.get(Item, item_id), score) for item_id, score in found]


def get_category(category_id: int) -> Category | None:
    return db.session.get(Category, category_id)


def similar_to_draft(draft: ItemDraft, exclude_item_id: int | None = None,
                     limit: int = 5) -> list[tuple[Item, float]]:
    """Near-duplicates of a draft's stem in the category of the draft's subject (none if no subject)."""
    subject = db.session.get(Subject, draft.subject_id) if draft.subject_id else None
    if subject is None:
        return []
    return similar_items(subject.category_id, draft.stem, exclude_item_id, limit)


def preview_draft(draft: ItemDraft) -> tuple[qb.Item, list[Problem]]:
    """The sanitised domain item a draft would become, and its problems; saves nothing."""
    try:
        draft = _clean(draft)
    except ProblemsError as error:  # _clean sanitised the draft before it found the problems
        return _draft_to_domain(draft), error.problems
    return _draft_to_domain(draft), []


def items_by_ids(ids: Iterable[int]) -> list[Item]:
    """The items with these ids that exist, in id order."""
    wanted = {int(i) for i in ids if i}
    if not wanted:
        return []
    return list(db.session.scalars(select(Item).where(Item.id.in_(wanted)).order_by(Item.id)))


def taxonomy_tree() -> list[dict[str, Any]]:
    """Categories → subjects → knowledge points as plain data, for the item forms' pickers."""
    categories = db.session.scalars(
        select(Category).order_by(Category.sort_order, Category.id)
        .options(selectinload(Category.subjects).selectinload(Subject.knowledge_points)))
    return [{"id": c.id, "name": c.name, "code": c.code,
             "subjects": [{"id": s.id, "name": s.name,
                           "points": [{"id": p.id, "name": p.name} for p in s.knowledge_points]}
                          for s in c.subjects]}
            for c in categories]
