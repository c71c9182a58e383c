"""Regrading an exam after a key was corrected in the bank (更正答案后重新评分).

Papers keep the item versions students saw. When a teacher corrects an item's
key and a second teacher publishes the correction, the exam can grade with the
corrected version instead: ``exam.key_versions`` maps the item's uid to the
corrected version, and :func:`exam_server.services.attempts.delivered_paper`
applies it. Only a correction that keeps what the student saw (the type, the
number of options or blanks) can be applied; any other change means the
student answered a different question.

:func:`preview` shows what would change and writes nothing; :func:`apply`
stores the corrections, regrades every submitted attempt (keeping teachers'
marks on subjective items) and writes one "regrade" entry to the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from question_bank import delivery
from question_bank.richtext import html_to_text

from ..extensions import db
from ..models import Attempt, Exam, ItemVersion, PaperItem, User, utcnow
from . import attempts as attempt_service
from .errors import N_
from .items import to_domain

#: why a correction cannot be applied: the student saw different content
NOT_APPLICABLE = {
    "type": N_("题型已改变：考生作答时看到的是原来的题目，不能按新答案评分"),
    "options": N_("选项数量已改变：考生作答时看到的选项不同，不能按新答案评分"),
    "blanks": N_("填空数量已改变：考生作答时看到的题目不同，不能按新答案评分"),
    "subjective": N_("简答题由教师评分，参考答案的修改不改变分数"),
}


@dataclass(frozen=True)
class KeyChange:
    """A corrected key of one item used by the exam."""

    uid: str
    item_id: int
    from_version: int  # the version graded with now (as delivered, or an earlier correction)
    to_version: int  # the corrected, published version
    version_id: int  # its ItemVersion id, stored in exam.key_versions
    item_type: str
    old_key: str  # in the original option letters, as the bank shows the item
    new_key: str
    reason: str = ""  # a template from NOT_APPLICABLE; "" when the correction applies

    @property
    def applicable(self) -> bool:
        return not self.reason


@dataclass(frozen=True)
class ScoreChange:
    attempt_id: int
    number: int
    student: User
    old_score: float | None
    new_score: float
    max_score: float | None


@dataclass
class Plan:
    exam_id: int
    keys: list[KeyChange] = field(default_factory=list)
    scores: list[ScoreChange] = field(default_factory=list)
    #: exam.key_versions with the applicable corrections added
    key_versions: dict[str, int] = field(default_factory=dict)
    submitted: int = 0  # submitted attempts looked at
    applied: bool = False

    @property
    def applicable(self) -> list[KeyChange]:
        return [k for k in self.keys if k.applicable]

    @property
    def not_applicable(self) -> list[KeyChange]:
        return [k for k in self.keys if not k.applicable]


# ---------------------------------------------------------------- finding corrections

def _shown_key(version: ItemVersion, translate: Callable[[str], str]) -> str:
    item = to_domain(version.item, version)
    if item.type == "short":
        text = html_to_text(item.answer or "").strip()
        return text if len(text) <= 60 else text[:60] + "…"
    return delivery.display_key(item, translate)


def _size(version: ItemVersion) -> int:
    if version.type in ("single", "multiple"):
        return len(version.options or [])
    if version.type == "blank":
        return len(version.answer or [])
    return 0


def _reason(delivered: list[ItemVersion], corrected: ItemVersion) -> str:
    for version in delivered:
        if version.type != corrected.type:
            return NOT_APPLICABLE["type"]
        if _size(version) != _size(corrected):
            return NOT_APPLICABLE["options" if version.type in ("single", "multiple") else "blanks"]
    if corrected.type == "short":
        return NOT_APPLICABLE["subjective"]
    return ""


def _delivered_versions(exam: Exam) -> dict[str, list[ItemVersion]]:
    """uid → the versions the exam's papers delivered (one per paper, usually the same), in paper order."""
    paper_ids = [form.paper_id for form in exam.forms]
    if not paper_ids:
        return {}
    entries = db.session.scalars(
        select(PaperItem).options(selectinload(PaperItem.item_version).selectinload(ItemVersion.item))
        .where(PaperItem.paper_id.in_(paper_ids)).order_by(PaperItem.paper_id, PaperItem.position))
    found: dict[str, list[ItemVersion]] = {}
    for entry in entries:
        version = entry.item_version
        versions = found.setdefault(version.item.uid, [])
        if all(v.id != version.id for v in versions):
            versions.append(version)
    return found


def key_changes(exam: Exam, translate: Callable[[str], str] = str) -> list[KeyChange]:
    """Items of the exam whose published version has a different key from the one graded with now."""
    overrides = exam.key_versions or {}
    changes = []
    for uid, delivered in _delivered_versions(exam).items():
        item = delivered[0].item
        corrected = item.live
        current = db.session.get(ItemVersion, overrides[uid]) if uid in overrides else None
        current = current or delivered[0]
        if corrected is None or corrected.number <= current.number:
            continue
        if corrected.answer == current.answer and bool(corrected.case_sensitive) == bool(current.case_sensitive):
            continue  # a new wording, not a new key
        changes.append(KeyChange(uid=uid, item_id=item.id, from_version=current.number,
                                 to_version=corrected.number, version_id=corrected.id, item_type=corrected.type,
                                 old_key=_shown_key(current, translate), new_key=_shown_key(corrected, translate),
                                 reason=_reason(delivered, corrected)))
    return changes


# ---------------------------------------------------------------- scores

def _submitted(exam: Exam) -> list[Attempt]:
    return list(db.session.scalars(
        select(Attempt).options(selectinload(Attempt.user)).where(
            Attempt.exam_id == exam.id, Attempt.status == "submitted").order_by(Attempt.user_id, Attempt.number)))


def rescore(attempt: Attempt, key_versions: dict[str, int]) -> float:
    """The attempt's score graded with ``key_versions``, as :func:`attempts.grade` would give it; writes nothing."""
    exam = attempt.exam
    paper = attempt_service.delivered_paper(attempt.paper_id, key_versions or None)
    shown = attempt_service.attempt_variant(attempt, exam, paper)
    stored = attempt_service.responses_of(attempt)
    result = delivery.grade_attempt(paper, shown, {slot: r.response for slot, r in stored.items()})
    total = 0.0
    for outcome in result.slots:
        row = stored.get(outcome.slot)
        points = outcome.points
        if points is None and row is not None:
            points = row.points  # a teacher's mark stays
        total += points or 0.0
    return round(total, 4)


def _changed(old: float | None, new: float) -> bool:
    return old is None or abs(old - new) > 1e-6


def preview(exam: Exam, translate: Callable[[str], str] = str) -> Plan:
    """What :func:`apply` would do now: the corrected keys and every submitted attempt whose score changes."""
    keys = key_changes(exam, translate)
    key_versions = dict(exam.key_versions or {})
    key_versions.update({k.uid: k.version_id for k in keys if k.applicable})
    plan = Plan(exam_id=exam.id, keys=keys, key_versions=key_versions)
    if not plan.applicable:
        return plan
    attempts = _submitted(exam)
    plan.submitted = len(attempts)
    for attempt in attempts:
        new = rescore(attempt, key_versions)
        if attempt.graded_at is not None and _changed(attempt.score, new):  # ungraded ones get the new key anyway
            plan.scores.append(ScoreChange(attempt.id, attempt.number, attempt.user, attempt.score, new,
                                           attempt.max_score))
    return plan


def apply(exam: Exam, by: User | None, now: datetime | None = None, translate: Callable[[str], str] = str) -> Plan:
    """Grade with the corrected keys from now on and regrade every submitted attempt; commits.

    Corrections that cannot be applied are left out (they stay listed in the plan).
    Returns the plan carried out (``applied`` False when there was nothing to apply).
    """
    now = now or utcnow()
    plan = preview(exam, translate)
    if not plan.applicable:
        return plan
    exam.key_versions = dict(plan.key_versions)  # a new dict, so the JSON column is written
    for attempt in _submitted(exam):
        attempt_service.grade(attempt, now)
    attempt_service.log(exam, None, by, "regrade", {
        "keys": [{"uid": k.uid, "from": k.from_version, "to": k.to_version, "old": k.old_key, "new": k.new_key}
                 for k in plan.applicable],
        "scores": [{"attempt": s.attempt_id, "student": s.student.username, "old": s.old_score, "new": s.new_score}
                   for s in plan.scores],
        "regraded": plan.submitted,
    })
    db.session.commit()
    return replace(plan, applied=True)
