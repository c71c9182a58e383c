"""Stored blueprints (组卷方案): defaults per category, editing, import and export.

``Blueprint.spec`` holds the native document of question_bank.formats.blueprint,
normalised on save. The usage rules of ``exclude`` (items used in the last N
papers, or in more than M) are resolved against stored papers each time a
blueprint is turned into its domain form, so they follow the papers made since.
"""
from __future__ import annotations

import dataclasses
import os
import re
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import func, select, update

from question_bank import paper as qp
from question_bank.default_papers import DEFAULT_PAPERS, PaperShape, SectionShape
from question_bank.formats.blueprint import (
    blueprint_from_dict, blueprint_to_dict, exclude_rules, read_blueprint, write_blueprint)

from ..extensions import db
from ..models import Blueprint, Category, Item, ItemVersion, Paper, PaperItem, Subject, User
from .errors import N_, Problem, ProblemsError, ServiceError
from .taxonomy import categories, category_by_code

#: the shape of a category with no entry in DEFAULT_PAPERS (one an admin added)
FALLBACK_SHAPE = PaperShape(60, (SectionShape("truefalse", 20, 2), SectionShape("single", 30, 3),
                                 SectionShape("multiple", 5, 4)))
EXPORT_FORMATS = {"json": ".json", "yaml": ".yaml"}
_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\s]+')


def default_title(category: Category) -> str:
    """"2026年湖北省技能高考 护理专业 专业知识 模拟试卷", with the current year."""
    year = datetime.now(timezone.utc).year
    return f"{year}年湖北省技能高考 {category.name} 专业知识 模拟试卷"


def default_name(category: Category) -> str:
    return f"{category.name} 默认组卷方案"


def default_spec(category: Category) -> dict[str, Any]:
    """The default blueprint document of a category, from question_bank.default_papers."""
    shape = DEFAULT_PAPERS.get(category.code, FALLBACK_SHAPE)
    sections = tuple(qp.SectionSpec(s.type, s.count, s.points_each) for s in shape.sections)
    domain = qp.Blueprint(title=default_title(category), category=category.code, sections=sections,
                          minutes=shape.minutes)
    return blueprint_to_dict(domain)


def ensure_default_blueprints() -> int:
    """Give each category without one its default blueprint; returns how many were added. Commits.

    Idempotent: a category that has a default (even one a teacher edited) is left alone.
    """
    having = set(db.session.scalars(select(Blueprint.category_id).where(Blueprint.is_default)))
    added = 0
    for category in categories():
        if category.id not in having:
            db.session.add(Blueprint(name=default_name(category), category=category,
                                     spec=default_spec(category), is_default=True))
            added += 1
    db.session.commit()
    return added


def list_blueprints(category_id: int | None = None) -> list[Blueprint]:
    """Blueprints by category order, each category's default first."""
    query = (select(Blueprint).join(Blueprint.category)
             .order_by(Category.sort_order, Category.id, Blueprint.is_default.desc(), Blueprint.name, Blueprint.id))
    if category_id is not None:
        query = query.where(Blueprint.category_id == category_id)
    return list(db.session.scalars(query))


def get_default(category: Category) -> Blueprint:
    """The category's default blueprint, created (and committed) if it is missing."""
    query = select(Blueprint).where(Blueprint.category_id == category.id, Blueprint.is_default).order_by(Blueprint.id)
    record = db.session.scalars(query).first()
    if record is None:
        ensure_default_blueprints()
        record = db.session.scalars(query).first()
    return record


def get_blueprint(blueprint_id: int) -> Blueprint | None:
    return db.session.get(Blueprint, blueprint_id)


# ---------------------------------------------------------------- editing

def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ServiceError(N_("请填写方案名称"), "name")
    if len(name) > 200:
        raise ServiceError(N_("方案名称不能超过 %(limit)d 个字符"), "name", limit=200)
    return name


def taxonomy_problems(bp: qp.Blueprint, category: Category) -> list[Problem]:
    """Constraints naming a subject or knowledge point the category does not have."""
    subjects = {s.name: s for s in db.session.scalars(select(Subject).where(Subject.category_id == category.id))}
    problems = []
    for k, c in enumerate(bp.constraints):
        subject = subjects.get(c.subject)
        if subject is None:
            problems.append(Problem(f"constraints[{k}].subject", N_("%(category)s 没有科目“%(subject)s”"),
                                    {"category": category.name, "subject": c.subject}))
        elif c.knowledge_point and c.knowledge_point not in {p.name for p in subject.knowledge_points}:
            problems.append(Problem(f"constraints[{k}].knowledge_point",
                                    N_("科目“%(subject)s”没有知识点“%(point)s”"),
                                    {"subject": c.subject, "point": c.knowledge_point}))
    return problems


def normalize_spec(spec: dict[str, Any], category: Category) -> dict[str, Any]:
    """Check ``spec`` for ``category`` and return its normalised document.

    :raise ProblemsError: with the JSON path of each problem.
    """
    if isinstance(spec, dict) and spec.get("category") not in (None, "", category.code):
        raise ServiceError(N_("方案属于类别 %(code)s，不是 %(expected)s"), "category",
                           code=spec.get("category"), expected=category.code)
    spec = {**spec, "category": category.code} if isinstance(spec, dict) else spec
    bp = blueprint_from_dict(spec)
    problems = taxonomy_problems(bp, category)
    if problems:
        raise ProblemsError(problems)
    return blueprint_to_dict(bp, exclude=exclude_rules(spec))


def create_blueprint(name: str, category: Category, spec: dict, user: User | None) -> Blueprint:
    """Check and store a new (non-default) blueprint; commits.

    :raise ProblemsError: for the name ("name") or the spec (its JSON paths); nothing is stored.
    """
    name = _check_name(name)
    record = Blueprint(name=name, category=category, spec=normalize_spec(spec, category),
                       is_default=False, created_by_id=user.id if user else None)
    db.session.add(record)
    db.session.commit()
    return record


def update_blueprint(record: Blueprint, name: str, spec: dict, user: User | None) -> Blueprint:
    """Replace a blueprint's name and spec (its category stays); commits.

    :raise ProblemsError: as :func:`create_blueprint`; the record is unchanged then.
    """
    name = _check_name(name)
    normalized = normalize_spec(spec, record.category)
    record.name, record.spec = name, normalized
    db.session.commit()
    return record


def delete_blueprint(record: Blueprint) -> None:
    """Delete a blueprint; the papers made from it keep their items, their ``blueprint_id`` becomes NULL."""
    db.session.execute(update(Paper).where(Paper.blueprint_id == record.id).values(blueprint_id=None))
    db.session.delete(record)
    db.session.commit()


def export_blueprint(record: Blueprint, fmt: str = "json") -> tuple[bytes, str]:
    """The blueprint as a file: (data, filename); the file name is the blueprint's name."""
    if fmt not in EXPORT_FORMATS:
        raise ServiceError(N_("导出格式须为 json 或 yaml"), "format")
    stem = _UNSAFE_FILENAME.sub("_", record.name).strip("._") or f"blueprint-{record.id}"
    return write_blueprint(record.spec, fmt), stem + EXPORT_FORMATS[fmt]


def import_blueprint(data: bytes, filename: str, user: User | None) -> Blueprint:
    """Store a blueprint file (JSON or YAML) under the name of the file, in the category it names.

    :raise ProblemsError: syntax errors with ``file:line:column``, field problems
        with their JSON paths prefixed by the file name; nothing is stored then.
    """
    try:
        spec = read_blueprint(data, filename)
        category = _spec_category(spec)
        name = os.path.splitext(os.path.basename(filename))[0] or default_name(category)
        return create_blueprint(name, category, spec, user)
    except ProblemsError as error:
        raise ProblemsError([_in_file(p, filename) for p in error.problems]) from None


def _in_file(problem: Problem, filename: str) -> Problem:
    if problem.where.startswith(filename):
        return problem
    return problem.located(f"{filename}: ")


def _spec_category(spec: dict[str, Any]) -> Category:
    code = spec.get("category")
    category = category_by_code(code) if isinstance(code, str) else None
    if category is None:
        raise ServiceError(N_("没有类别代码为“%(code)s”的类别"), "category", code=code)
    return category


# ---------------------------------------------------------------- to the domain

def to_domain(record_or_spec: Blueprint | dict) -> qp.Blueprint:
    """The domain blueprint, with the usage rules of ``exclude`` resolved into ``excluded``.

    "used_in_last_papers": N excludes the items of the category's N most recent
    assemblies (parallel forms made together count as one); "used_more_than": M
    excludes items that appear in more than M papers of the category.

    :raise ProblemsError: when a spec (e.g. from a file) is invalid or names an unknown category.
    """
    spec = record_or_spec.spec if isinstance(record_or_spec, Blueprint) else record_or_spec
    bp = blueprint_from_dict(spec)
    rules = exclude_rules(spec)
    if not rules["used_in_last_papers"] and rules["used_more_than"] is None:
        return bp
    category = _spec_category(spec)
    excluded = set(bp.excluded)
    if rules["used_in_last_papers"]:
        excluded |= used_in_last_papers(category, rules["used_in_last_papers"])
    if rules["used_more_than"] is not None:
        excluded |= used_more_than(category, rules["used_more_than"])
    return dataclasses.replace(bp, excluded=frozenset(excluded))


def _paper_uids():
    return (select(Item.uid).select_from(PaperItem)
            .join(ItemVersion, PaperItem.item_version_id == ItemVersion.id)
            .join(Item, ItemVersion.item_id == Item.id))


def used_in_last_papers(category: Category, n: int) -> set[str]:
    """Uids of the items in the category's ``n`` most recent assemblies (form groups)."""
    groups = (select(Paper.form_group).where(Paper.category_id == category.id)
              .group_by(Paper.form_group).order_by(func.max(Paper.id).desc()).limit(n))
    recent = select(Paper.id).where(Paper.form_group.in_(groups.scalar_subquery()))
    return set(db.session.scalars(_paper_uids().where(PaperItem.paper_id.in_(recent))))


def used_more_than(category: Category, m: int) -> set[str]:
    """Uids of the category's items that appear in more than ``m`` papers."""
    query = (_paper_uids().where(Item.category_id == category.id)
             .group_by(Item.uid).having(func.count(func.distinct(PaperItem.paper_id)) > m))
    return set(db.session.scalars(query))


def resolve(ref: str) -> Blueprint | dict:
    """What ``exam-server paper assemble REF`` means: a blueprint file (.json/.yaml/.yml),
    a stored blueprint's id, or a category code (its default blueprint).

    :raise ProblemsError: a file's syntax errors, or nothing found by that name.
    """
    if os.path.isfile(ref):
        with open(ref, "rb") as handle:
            return read_blueprint(handle.read(), os.path.basename(ref))
    if ref.isdigit():
        record = db.session.get(Blueprint, int(ref))
        if record is None:
            raise ServiceError(N_("没有编号为 %(id)s 的组卷方案"), "", id=ref)
        return record
    category = category_by_code(ref) or category_by_code(ref.upper())
    if category is None:
        raise ServiceError(N_("“%(ref)s”既不是组卷方案文件，也不是方案编号或类别代码"), "", ref=ref)
    return get_default(category)

