"""Item banks: import and export in the native format, and counts of published items.

An import is all or nothing: it checks the whole bank first, then writes it in
one transaction, and any problem leaves the database as it was. Items are
matched by ``uid``, so importing the same bank again changes nothing.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import selectinload

from question_bank import model as qb
from question_bank.formats.native import Bank, CategoryNode, SubjectNode
from question_bank.media import CheckedImage, check_image
from question_bank.richtext import media_names, sanitize
from question_bank.types import ITEM_TYPES, validate

from ..extensions import db
from ..models import Category, Item, ItemVersion, KnowledgePoint, Media, Subject, Tag, User
from . import items as item_service
from . import media as media_service
from . import taxonomy
from .errors import N_, Problem, ProblemsError, ServiceError

#: column sizes of the taxonomy and item rows, checked before writing
_LIMITS = {"code": 16, "category": 64, "subject": 64, "knowledge_point": 100, "tag": 64, "source": 200}
_CHUNK = 500


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    media_added: int = 0
    dry_run: bool = False
    #: items left as they were, each with its place and the reason
    skipped: list[Problem] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return self.created + self.updated


# ---------------------------------------------------------------- import

def import_bank(bank: Bank, user: User | None = None, dry_run: bool = False,
                filename: str = "") -> ImportReport:
    """Import a bank: create new items, add a version to changed ones, leave identical ones alone.

    Unknown category codes are created only when the bank's taxonomy names them;
    subjects and knowledge points are created as needed; ``author`` names no
    account here → the item has no author. ``dry_run`` does everything but the
    commit (and stores no image files).

    :raise ProblemsError: with every problem found, each with its place
        (``filename: items[i] (uid …) field``); nothing is written then.
    """
    prefix = f"{filename}: " if filename else ""
    places = [f"{prefix}items[{i}]" + (f" (uid {item.uid})" if item.uid else "")
              for i, item in enumerate(bank.items)]
    items = [_with_uid(item) for item in bank.items]
    images, problems = _check_media(bank.media, prefix)
    problems = _check(bank, items, places, prefix) + problems
    if problems:
        raise ProblemsError(problems)
    try:
        report = _write(bank, items, images, places, user, dry_run)
    except Exception:
        db.session.rollback()
        raise
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    return report


def _with_uid(item: qb.Item) -> qb.Item:
    """The item with a uid: its own, or one derived from its content.

    A derived uid keeps a bank written by hand without uids importable twice
    without duplicating its items.
    """
    if item.uid:
        return item
    content = json.dumps(_content(_normalized(item)), ensure_ascii=False, sort_keys=True, default=list)
    return dataclasses.replace(item, uid="h-" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:40])


def _check(bank: Bank, items: list[qb.Item], places: list[str], prefix: str) -> list[Problem]:
    """Every problem that would stop the import, found without writing anything."""
    existing = {c.code: c.name for c in taxonomy.categories()}
    problems = _check_taxonomy(bank.taxonomy, existing, prefix)
    file_codes = {node.code for node in bank.taxonomy}
    known_media = set(bank.media) | _stored_media(_used_media(items) - set(bank.media))
    seen: dict[str, int] = {}
    for index, (item, where) in enumerate(zip(items, places)):
        found = [p.located(f"{where} ") for p in validate(item)]
        if item.category not in existing and item.category not in file_codes:
            found.append(Problem(where, N_("未知的大类代码“%(code)s”，题库文件的 taxonomy 中也没有它"),
                                 {"code": item.category}))
        found += _check_sizes(item, where)
        if item.uid in seen:
            found.append(Problem(where, N_("uid 与 items[%(other)d] 重复"), {"other": seen[item.uid]}))
        seen.setdefault(item.uid, index)
        for key in ("created_at", "updated_at"):
            if getattr(item, key) and _timestamp(getattr(item, key)) is None:
                found.append(Problem(f"{where} {key}", N_("时间格式不正确")))
        for name in sorted(_media_of(item) - known_media):
            found.append(Problem(where, N_("引用的图片 %(name)s 不在题库包中"), {"name": name}))
        problems += found
    return problems


def _check_media(media: dict[str, bytes], prefix: str) -> tuple[list[CheckedImage], list[Problem]]:
    images, problems = [], []
    for name in sorted(media):
        where = f"{prefix}media/{name}"
        try:
            image = check_image(media[name], where, current_app.config["MAX_IMAGE_BYTES"])
        except ProblemsError as error:
            problems += error.problems
            continue
        if image.name != name:
            problems.append(Problem(where, N_("图片内容与文件名中的哈希值不符")))
        images.append(image)
    return images, problems


def _check_taxonomy(nodes: list[CategoryNode], existing: dict[str, str], prefix: str) -> list[Problem]:
    problems = []
    names = {name: code for code, name in existing.items()}
    for index, node in enumerate(nodes):
        where = f"{prefix}taxonomy[{index}]"
        if (not node.code.isalnum() or len(node.code) > _LIMITS["code"]
                or len(node.name) > _LIMITS["category"]):
            problems.append(Problem(where, N_("大类代码须为不超过 16 位的字母或数字，名称不超过 64 个字符")))
        if node.code not in existing and names.get(node.name, node.code) != node.code:
            problems.append(Problem(where, N_("大类名称“%(name)s”已被代码 %(code)s 使用"),
                                    {"name": node.name, "code": names[node.name]}))
        for s_index, subject in enumerate(node.subjects):
            if len(subject.name) > _LIMITS["subject"]:
                problems.append(Problem(f"{where}.subjects[{s_index}]", N_("科目名称不超过 64 个字符")))
            if any(len(p) > _LIMITS["knowledge_point"] for p in subject.knowledge_points):
                problems.append(Problem(f"{where}.subjects[{s_index}]", N_("知识点名称不超过 100 个字符")))
    return problems


def _check_sizes(item: qb.Item, where: str) -> list[Problem]:
    problems = []
    if len(item.subject) > _LIMITS["subject"]:
        problems.append(Problem(f"{where} subject", N_("科目名称不超过 64 个字符")))
    if any(len(p) > _LIMITS["knowledge_point"] for p in item.knowledge_points):
        problems.append(Problem(f"{where} knowledge_points", N_("知识点名称不超过 100 个字符")))
    if any(len(t) > _LIMITS["tag"] for t in item.tags):
        problems.append(Problem(f"{where} tags", N_("标签不超过 64 个字符")))
    if len(item.source) > _LIMITS["source"]:
        problems.append(Problem(f"{where} source", N_("来源不超过 200 个字符")))
    return problems


def _timestamp(text: str) -> datetime | None:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _media_of(item: qb.Item) -> set[str]:
    names = media_names(item.stem) | media_names(item.explanation)
    for option in item.options:
        names |= media_names(option.text) | ({option.image} if option.image else set())
    if isinstance(item.answer, str):
        names |= media_names(item.answer)
    return names


def _used_media(items: Iterable[qb.Item]) -> set[str]:
    return set().union(*(_media_of(item) for item in items))


def _stored_media(names: set[str]) -> set[str]:
    found: set[str] = set()
    ordered = sorted(names)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start:start + _CHUNK]
        found.update(db.session.scalars(select(Media.name).where(Media.name.in_(chunk))))
    return found


def _write(bank: Bank, items: list[qb.Item], images: list[CheckedImage], places: list[str],
           user: User | None, dry_run: bool) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    if not dry_run:
        # image files are written before the commit; an import that fails leaves
        # only unreferenced, content-named files behind
        report.media_added = len({i.name for i in images} - _stored_media({i.name for i in images}))
        for image in images:
            media_service.store_checked(image, user)
    paths = _Paths(bank.taxonomy)
    existing = _existing_items([item.uid for item in items])
    authors = _accounts({item.author for item in items if item.author})
    for source in items:
        paths.resolve(source.category, source.subject, source.knowledge_points)
    _ensure_tags({t.strip() for source in items for t in source.tags if t.strip()})
    problems, outcomes = [], []
    # Every row the items service looks up (subjects, knowledge points, tags) now
    # exists, so nothing needs flushing before a query: the items are flushed
    # together at the commit, in batches, instead of one flush per item.
    with db.session.no_autoflush:
        for source, where in zip(items, places):
            try:
                outcome = _import_item(source, existing.get(source.uid), paths, authors, user)
                outcomes.append((where, outcome))
            except ProblemsError as error:
                problems += [p.located(f"{where} ") for p in error.problems]
    if problems:
        raise ProblemsError(problems)
    for where, outcome in outcomes:
        if outcome == "unchanged":
            report.unchanged += 1
            report.skipped.append(Problem(where, N_("与库中已有版本内容相同，未改动")))
        elif outcome == "created":
            report.created += 1
        else:
            report.updated += 1
    db.session.flush()
    return report


def _ensure_tags(names: set[str]) -> None:
    existing = set(db.session.scalars(select(Tag.name).where(Tag.name.in_(sorted(names)))))
    db.session.add_all(Tag(name=name) for name in sorted(names - existing))
    db.session.flush()


class _Paths:
    """Taxonomy lookups for one import: the bank's own tree first, then each item's path, cached."""

    def __init__(self, nodes: list[CategoryNode]):
        self.names = {node.code: node.name for node in nodes}
        self.cache: dict[tuple, tuple[Subject, list[KnowledgePoint]]] = {}
        for node in nodes:
            if not node.subjects and taxonomy.category_by_code(node.code) is None:
                order = _next_category_order()
                db.session.add(Category(code=node.code, name=node.name, sort_order=order))
                db.session.flush()
            for subject in node.subjects:
                self.resolve(node.code, subject.name, subject.knowledge_points)

    def resolve(self, code: str, subject: str,
                points: tuple[str, ...]) -> tuple[Subject, list[KnowledgePoint]]:
        key = (code, subject, points)
        if key not in self.cache:
            _, found, found_points = taxonomy.ensure_path(code, self.names.get(code), subject, points)
            self.cache[key] = (found, found_points)
        return self.cache[key]


def _next_category_order() -> int:
    return (db.session.scalar(select(func.max(Category.sort_order))) or 0) + 1


def _existing_items(uids: list[str]) -> dict[str, Item]:
    found = {}
    for start in range(0, len(uids), _CHUNK):
        query = (select(Item).where(Item.uid.in_(uids[start:start + _CHUNK]))
                 .options(*_item_loads()))
        found.update((item.uid, item) for item in db.session.scalars(query))
    return found


def _item_loads():
    return (selectinload(Item.versions), selectinload(Item.knowledge_points), selectinload(Item.tags),
            selectinload(Item.category), selectinload(Item.subject), selectinload(Item.author))


def _accounts(usernames: set[str]) -> dict[str, User]:
    if not usernames:
        return {}
    query = select(User).where(User.username.in_(sorted(usernames)))
    return {user.username: user for user in db.session.scalars(query)}


def _import_item(source: qb.Item, item: Item | None, paths: _Paths, authors: dict[str, User],
                 user: User | None) -> str:
    """Create, update or leave one item; returns "created", "updated" or "unchanged"."""
    if item is not None and _content(item_service.to_domain(item)) == _content(_normalized(source)):
        return _advance_status(item, source.status, user)
    subject, points = paths.resolve(source.category, source.subject, source.knowledge_points)
    draft = _draft(source, subject, points)
    if item is None:
        item = item_service.create_item(draft, authors.get(source.author), uid=source.uid,
                                        status=source.status, commit=False)
        _keep_history(item, source)
        return "created"
    if item.status == "retired":
        # update_item refuses retired items; the bank's status is applied just below
        item.status = "published" if item.published_version == item.latest_version else "draft"
    item_service.update_item(item, draft, user, commit=False)
    item.status = source.status
    if source.status in ("published", "retired"):
        item.published_version = item.latest_version
    return "updated"


#: the lifecycle order: a bank file may move an item forward, never back
_LIFECYCLE = {status: rank for rank, status in enumerate(qb.ITEM_STATUSES)}


def _advance_status(item: Item, status: str, user: User | None) -> str:
    """Same content: take the file's status when it is further on (a partner published or
    retired the item), never step back (a stale file must not unpublish local work)."""
    if _LIFECYCLE[status] <= _LIFECYCLE[item.status]:
        return "unchanged"
    item.status = status
    if status == "published" or (status == "retired" and item.published_version is None):
        item.published_version = item.latest_version
    item_service.log_event(item, "imported", user, status)
    return "updated"


def _keep_history(item: Item, source: qb.Item) -> None:
    """A new item keeps the bank's version number and times: uid + version mean the same everywhere."""
    number = source.version
    item.versions[0].number = number
    item.latest_version = number
    if item.published_version is not None:
        item.published_version = number
    for event in item.events:
        event.version = number
    if source.created_at:
        item.created_at = _timestamp(source.created_at)
    if source.updated_at:
        item.updated_at = _timestamp(source.updated_at)


def _draft(source: qb.Item, subject: Subject, points: list[KnowledgePoint]) -> item_service.ItemDraft:
    return item_service.ItemDraft(
        type=source.type, stem=source.stem, subject_id=subject.id,
        options=[{"id": o.id, "text": o.text, "image": o.image, "pinned": o.pinned}
                 for o in source.options],
        answer=source.answer,
        scoring_points=[{"text": p.text, "points": p.points} for p in source.scoring_points],
        explanation=source.explanation, difficulty=source.difficulty, points=source.points,
        knowledge_point_ids=[p.id for p in points], tags=list(source.tags), source=source.source,
        case_sensitive=source.case_sensitive,
    )


def _normalized(item: qb.Item) -> qb.Item:
    """The item as the database would keep it: sanitised, without parts its type does not use."""
    has_options = ITEM_TYPES[item.type].has_options if item.type in ITEM_TYPES else False
    return dataclasses.replace(
        item, stem=sanitize(item.stem), explanation=sanitize(item.explanation),
        options=tuple(qb.Option(o.id, sanitize(o.text), o.image or None, bool(o.pinned))
                      for o in item.options) if has_options else (),
        answer=sanitize(item.answer) if item.type == "short" and isinstance(item.answer, str)
        else item.answer,
        scoring_points=item.scoring_points if item.type == "short" else (),
    )


def _content(item: qb.Item) -> tuple:
    """The fields whose change makes a new version."""
    return (
        item.category, item.subject, item.type, item.stem,
        [(o.id, o.text, o.image, o.pinned) for o in item.options], _plain(item.answer),
        [(p.text, float(p.points)) for p in item.scoring_points], item.explanation,
        float(item.difficulty), float(item.points), sorted(set(item.knowledge_points)),
        sorted({t.strip()[:_LIMITS["tag"]] for t in item.tags if t.strip()}), item.source,
        item.case_sensitive,
    )


def _plain(answer: Any) -> Any:
    return [_plain(a) for a in answer] if isinstance(answer, (list, tuple)) else answer


# ---------------------------------------------------------------- export

def export_bank(category_code: str | None = None, statuses: Iterable[str] | None = None) -> Bank:
    """The items of one category (or all), with their taxonomy and the images they use.

    Each item is exported as its latest version with its status, version number,
    author and times.

    :raise ServiceError: for an unknown category code or status.
    :raise ProblemsError: when an image an item uses is missing from the media store.
    """
    if category_code:
        category = taxonomy.category_by_code(category_code)
        if category is None:
            raise ServiceError(N_("未知的大类代码“%(code)s”"), "category", code=category_code)
        chosen = [category]
    else:
        chosen = taxonomy.categories()
    statuses = list(statuses or [])
    unknown = [s for s in statuses if s not in qb.ITEM_STATUSES]
    if unknown:
        raise ServiceError(N_("状态须为 %(ok)s 之一"), "status", ok=", ".join(qb.ITEM_STATUSES))
    query = (select(Item).join(Category, Item.category_id == Category.id)
             .where(Item.category_id.in_([c.id for c in chosen]))
             .order_by(Category.sort_order, Category.id, Item.id).options(*_item_loads()))
    if statuses:
        query = query.where(Item.status.in_(statuses))
    items = [item_service.to_domain(item) for item in db.session.scalars(query)]
    return Bank(taxonomy=[_node(c) for c in chosen], items=items, media=_read_media(items))


def _node(category: Category) -> CategoryNode:
    return CategoryNode(category.code, category.name, tuple(
        SubjectNode(s.name, tuple(p.name for p in s.knowledge_points)) for s in category.subjects))


def _read_media(items: list[qb.Item]) -> dict[str, bytes]:
    media, problems = {}, []
    for index, item in enumerate(items):
        for name in sorted(_media_of(item) - set(media)):
            data = media_service.read_media(name)
            if data is None:
                problems.append(Problem(f"items[{index}] (uid {item.uid})", N_("图片 %(name)s 的文件已丢失"),
                                        {"name": name}))
            else:
                media[name] = data
    if problems:
        raise ProblemsError(problems)
    return media


# ---------------------------------------------------------------- statistics

def bank_stats() -> dict[str, Any]:
    """Counts of published items per category, subject, type and difficulty level.

    Shape (scripts depend on it): ``{"total": N, "categories": [{"code", "name",
    "items", "subjects": [{"name", "items"}], "types": {type: N},
    "difficulty": {"easy": N, "medium": N, "hard": N}}]}``. Every category and
    subject is listed, in taxonomy order, even with no items. An item counts
    with its published version's type and difficulty.
    """
    categories = taxonomy.categories()
    subjects: dict[int, list[Subject]] = defaultdict(list)
    for subject in db.session.scalars(select(Subject).order_by(Subject.sort_order, Subject.id)):
        subjects[subject.category_id].append(subject)
    rows = db.session.execute(
        select(Item.category_id, Item.subject_id, ItemVersion.type, ItemVersion.difficulty, func.count())
        .join(ItemVersion, and_(ItemVersion.item_id == Item.id,
                                ItemVersion.number == Item.published_version))
        .where(Item.live_clause())
        .group_by(Item.category_id, Item.subject_id, ItemVersion.type, ItemVersion.difficulty)
    ).all()
    by_subject: dict[int, int] = defaultdict(int)
    by_category: dict[int, dict] = defaultdict(lambda: {
        "types": dict.fromkeys(ITEM_TYPES, 0), "difficulty": dict.fromkeys(qb.DIFFICULTY_LEVELS, 0)})
    for category_id, subject_id, item_type, difficulty, count in rows:
        by_subject[subject_id] += count
        counts = by_category[category_id]
        counts["types"][item_type] += count
        counts["difficulty"][qb.difficulty_level(difficulty)] += count
    listed = []
    for category in categories:
        counts = by_category[category.id]
        listed.append({
            "code": category.code, "name": category.name, "items": sum(counts["types"].values()),
            "subjects": [{"name": s.name, "items": by_subject[s.id]} for s in subjects[category.id]],
            "types": counts["types"], "difficulty": counts["difficulty"],
        })
    return {"total": sum(c["items"] for c in listed), "categories": listed}
