"""Papers: assembled from a blueprint (one form or parallel forms) or picked by hand, and printed.

A paper stores the item *versions* it was made from (PaperItem → ItemVersion),
so editing or retiring an item later never changes a paper that used it.
"""
from __future__ import annotations

import dataclasses
import random
import uuid
from collections import Counter
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from question_bank import paper as qp
from question_bank.assembly import assemble
from question_bank.formats.blueprint import MAX_MINUTES
from question_bank.pdf import render_answer_sheet, render_key, render_paper
from question_bank.types import ITEM_TYPES, MULTIPLE_RULES

from ..extensions import db
from ..models import Blueprint, Category, Item, ItemVersion, Paper, PaperItem, User
from . import blueprints
from .errors import N_, Problem, ProblemsError, ServiceError
from .items import to_domain
from .media import read_media
from .taxonomy import category_by_code

MAX_FORMS = 26
RENDERERS = {"paper": render_paper, "answer-sheet": render_answer_sheet, "key": render_key}
LAYOUTS = ("a4", "a3", "b4")


def _item_loads():
    return (selectinload(Item.versions), selectinload(Item.category), selectinload(Item.subject),
            selectinload(Item.knowledge_points), selectinload(Item.tags), selectinload(Item.author))


def published_bank(category: Category) -> tuple[list, dict[str, ItemVersion]]:
    """The category's live items in their published versions, and each uid's version row.

    An item whose edit awaits review is drawn in its published version.
    """
    items = db.session.scalars(select(Item).options(*_item_loads())
                               .where(Item.category_id == category.id, Item.live_clause()).order_by(Item.uid))
    bank, versions = [], {}
    for item in items:
        live = item.live
        if live is not None:
            bank.append(to_domain(item, live))
            versions[item.uid] = live
    return bank, versions


def _sections_json(sections: Iterable[qp.PaperSection | qp.SectionSpec]) -> list[dict[str, Any]]:
    return [{"type": s.type, "points_each": s.points_each, "rule": s.rule, "instruction": s.instruction}
            for s in sections]


def _store(title: str, category: Category, minutes: int, sections: list[dict], version_ids: list[list[int]],
           **fields) -> Paper:
    paper = Paper(title=title, category=category, minutes=minutes, sections=sections, **fields)
    position = 0
    for s, ids in enumerate(version_ids):
        for version_id in ids:
            position += 1
            paper.entries.append(PaperItem(position=position, section=s, item_version_id=version_id))
    db.session.add(paper)
    return paper


def assemble_papers(source: Blueprint | dict, seed: int, forms: int = 1, max_shared: int = 0,
                    user: User | None = None, title: str | None = None) -> list[Paper]:
    """Assemble ``forms`` parallel papers from a stored blueprint or a blueprint document; commits once.

    The bank is the category's published items in their published versions; the
    same seed and bank give the same papers. With one form the paper's ``form`` is
    "", with more they are "A", "B", …, sharing a ``form_group``.

    :raise ProblemsError: the blueprint's problems, or which constraint the bank
        cannot meet and by how many items (from question_bank.assembly); nothing is stored.
    """
    if not 1 <= forms <= MAX_FORMS:
        raise ServiceError(N_("套数须在 1 至 %(most)d 之间"), "forms", most=MAX_FORMS)
    if max_shared < 0:
        raise ServiceError(N_("共用题数不能为负数"), "max_shared")
    domain = blueprints.to_domain(source)
    if title and title.strip():
        domain = dataclasses.replace(domain, title=title.strip())
    category = category_by_code(domain.category)
    if category is None:
        raise ServiceError(N_("没有类别代码为“%(code)s”的类别"), "category", code=domain.category)
    if not isinstance(source, Blueprint):  # a stored blueprint was checked when it was saved
        problems = blueprints.taxonomy_problems(domain, category)
        if problems:
            raise ProblemsError(problems)
    bank, versions = published_bank(category)
    version_ids = {uid: version.id for uid, version in versions.items()}
    category_id, category_name = category.id, category.name
    blueprint_id = source.id if isinstance(source, Blueprint) else None
    user_id = user.id if user else None
    # end the read before solving (up to the solver's time limit): on SQLite a write request's
    # transaction holds the write lock, and autosaves must not wait behind a paper being drawn
    db.session.rollback()
    drawn = assemble(bank, domain, random.Random(seed), forms, max_shared, category_name=category_name)
    group = uuid.uuid4().hex
    category = db.session.get(Category, category_id)
    stored = [_store(p.title, category, p.minutes, _sections_json(p.sections),
                     [[version_ids[item.uid] for item in s.items] for s in p.sections],
                     blueprint_id=blueprint_id, kind="assembled",
                     form_group=group, form=p.form if forms > 1 else "", seed=seed, created_by_id=user_id)
              for p in drawn]
    db.session.commit()  # published versions never change, so the ids read before are still right
    return stored


def _fixed_section(raw: Any, where: str, category: Category, seen: dict[str, str],
                   problems: list[Problem]) -> tuple[dict, list[int]]:
    """Check one hand-picked section; returns its JSON and the ItemVersion ids of its uids."""
    if not isinstance(raw, dict):
        problems.append(Problem(where, N_("须为对象（{ … }）")))
        return {}, []
    item_type, points, rule = raw.get("type"), raw.get("points_each"), raw.get("rule") or qp.DEFAULT_RULE
    if item_type not in ITEM_TYPES:
        problems.append(Problem(f"{where}.type", N_("未知题型“%(type)s”，可用题型：%(types)s"),
                                {"type": item_type, "types": "、".join(ITEM_TYPES)}))
    if isinstance(points, bool) or not isinstance(points, (int, float)) or points <= 0:
        problems.append(Problem(f"{where}.points_each", N_("每题分值须为大于 0 的数")))
    if rule not in MULTIPLE_RULES:
        problems.append(Problem(f"{where}.rule", N_("未知的多选题计分规则“%(rule)s”"), {"rule": rule}))
    uids = raw.get("uids") or []
    if not isinstance(uids, list) or not uids:
        problems.append(Problem(f"{where}.uids", N_("这一大题还没有选题")))
        uids = []
    ids = []
    for j, uid in enumerate(uids):
        version = _pick(uid, f"{where}.uids[{j}]", item_type, category, seen, problems)
        if version is not None:
            ids.append(version.id)
    section = {"type": item_type, "points_each": points, "rule": rule, "instruction": raw.get("instruction") or ""}
    return section, ids


def _pick(uid: Any, place: str, item_type: str, category: Category, seen: dict[str, str],
          problems: list[Problem]) -> ItemVersion | None:
    item = db.session.scalar(select(Item).where(Item.uid == uid)) if isinstance(uid, str) else None
    if item is None:
        problems.append(Problem(place, N_("题库中没有试题 %(uid)s"), {"uid": uid}))
    elif item.category_id != category.id:
        problems.append(Problem(place, N_("试题 %(uid)s 不属于%(category)s"), {"uid": uid, "category": category.name}))
    elif not item.is_live:
        problems.append(Problem(place, N_("试题 %(uid)s 尚未发布或已停用"), {"uid": uid}))
    elif item.live.type != item_type:
        problems.append(Problem(place, N_("试题 %(uid)s 是%(type)s题，与这一大题的题型不符"),
                                {"uid": uid, "type": qp.TYPE_LABELS.get(item.live.type, item.live.type)}))
    elif uid in seen:
        problems.append(Problem(place, N_("试题 %(uid)s 已在 %(first)s 选过"), {"uid": uid, "first": seen[uid]}))
    else:
        seen[uid] = place
        return item.live
    return None


def create_fixed_paper(title: str, category: Category, minutes: int, sections: list[dict],
                       user: User | None) -> Paper:
    """Store a paper picked item by item; commits.

    ``sections``: ``[{"type", "points_each", "rule", "instruction", "uids": [...]}]``;
    every uid must be a published item of that type in ``category``, used once.

    :raise ProblemsError: every problem, placed as "title", "minutes",
        "sections[i].points_each", "sections[i].uids[j]", …; nothing is stored.
    """
    problems: list[Problem] = []
    title = (title or "").strip()
    if not title or len(title) > 200:
        problems.append(Problem("title", N_("请填写试卷标题（不超过 200 个字符）")))
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        problems.append(Problem("minutes", N_("考试时长须为 1 至 %(most)d 分钟的整数"), {"most": MAX_MINUTES}))
    if not sections:
        problems.append(Problem("sections", N_("至少要有一个大题")))
    seen: dict[str, str] = {}
    checked = [_fixed_section(raw, f"sections[{s}]", category, seen, problems) for s, raw in enumerate(sections or [])]
    if problems:
        raise ProblemsError(problems)
    paper = _store(title, category, minutes, [c[0] for c in checked], [c[1] for c in checked],
                   kind="fixed", form_group=uuid.uuid4().hex, form="", seed=None,
                   created_by_id=user.id if user else None)
    db.session.commit()
    return paper


# ---------------------------------------------------------------- reading papers

def get_paper(paper_id: int) -> Paper | None:
    return db.session.get(Paper, paper_id)


def paper_to_domain(paper: Paper) -> qp.Paper:
    """The paper with the item versions it was made from (not the items' current versions)."""
    by_section: dict[int, list] = {s: [] for s in range(len(paper.sections))}
    for entry in paper.entries:
        version = entry.item_version
        by_section.setdefault(entry.section, []).append(to_domain(version.item, version))
    sections = tuple(qp.PaperSection(s["type"], s["points_each"], s.get("rule") or qp.DEFAULT_RULE,
                                     s.get("instruction") or "", tuple(by_section[k]))
                     for k, s in enumerate(paper.sections))
    return qp.Paper(paper.title, paper.category.code, paper.minutes, sections, form=paper.form, seed=paper.seed)


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else round(value, 2)


def paper_stats(paper: Paper | qp.Paper) -> dict[str, Any]:
    """Counts and points per type and subject, the difficulty mix and the knowledge points covered.

    Takes the stored paper, or its domain paper when the caller already built it.
    """
    domain = paper if isinstance(paper, qp.Paper) else paper_to_domain(paper)
    by_type: dict[str, list[float]] = {}
    by_subject: dict[str, list[float]] = {}
    for section in domain.sections:
        for item in section.items:
            for table, key in ((by_type, section.type), (by_subject, item.subject)):
                row = table.setdefault(key, [0, 0.0])
                row[0] += 1
                row[1] += section.points_each
    levels = Counter(item.level for item in domain.items)
    return {
        "items": len(domain.items), "total_points": _plain(domain.total_points),
        "mean_difficulty": round(domain.mean_difficulty, 3),
        "by_type": [{"type": t, "count": n, "points": _plain(p)} for t, (n, p) in by_type.items()],
        "by_subject": [{"subject": s, "count": n, "points": _plain(p)} for s, (n, p) in by_subject.items()],
        "by_level": {level: levels.get(level, 0) for level in ("easy", "medium", "hard")},
        "knowledge_points": len({kp for item in domain.items for kp in item.knowledge_points}),
    }


def paper_json(paper: Paper) -> dict[str, Any]:
    """``{"id", "title", "total_points", "sections": [{"type", "points_each", "items": [item ids]}]}``."""
    items: dict[int, list[int]] = {s: [] for s in range(len(paper.sections))}
    for entry in paper.entries:
        items.setdefault(entry.section, []).append(entry.item_version.item_id)
    total = sum(s["points_each"] * len(items[k]) for k, s in enumerate(paper.sections))
    return {"id": paper.id, "title": paper.title, "total_points": _plain(total),
            "sections": [{"type": s["type"], "points_each": _plain(s["points_each"]), "items": items[k]}
                         for k, s in enumerate(paper.sections)]}


def render_pdf(paper: Paper, kind: str = "paper", layout: str = "a4") -> bytes:
    """The paper (``kind="paper"``), its answer sheet ("answer-sheet") or its key ("key") as a PDF.

    :raise ServiceError: for an unknown kind or layout.
    """
    if kind not in RENDERERS:
        raise ServiceError(N_("未知的 PDF 类型“%(kind)s”"), "kind", kind=kind)
    if layout not in LAYOUTS:
        raise ServiceError(N_("未知的版式“%(layout)s”，可用 a4、a3、b4"), "layout", layout=layout)
    return RENDERERS[kind](paper_to_domain(paper), layout=layout, load_image=read_media)


def sibling_forms(paper: Paper) -> list[Paper]:
    """The forms assembled together with ``paper`` (itself included), A, B, … in order."""
    return list(db.session.scalars(select(Paper).where(Paper.form_group == paper.form_group)
                                   .order_by(Paper.form, Paper.id)))


def list_papers(category_id: int | None = None) -> list[Paper]:
    """Papers, newest first."""
    query = select(Paper).order_by(Paper.created_at.desc(), Paper.id.desc())
    if category_id is not None:
        query = query.where(Paper.category_id == category_id)
    return list(db.session.scalars(query))


def delete_paper(paper: Paper) -> None:
    """Delete a paper and its item list (the items themselves stay); commits."""
    db.session.delete(paper)
    db.session.commit()

