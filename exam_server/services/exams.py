"""Exams (考试): creating them from papers or a blueprint, who sits them, who may manage them."""
from __future__ import annotations

import ipaddress
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Iterable

from sqlalchemy import case, false, func, null, or_, select
from sqlalchemy.orm import joinedload, selectinload

from question_bank.formats.blueprint import MAX_MINUTES

from ..extensions import db
from ..models import (REVIEW_LEVELS, Attempt, Blueprint, Exam, ExamCandidate, ExamPaper, Paper, SchoolClass, User,
                      exam_class, utcnow)
from . import papers as paper_service
from .errors import N_, Problem, ProblemsError

MAX_FORMS_PER_EXAM = 26
MAX_ATTEMPTS = 20
MAX_EXTRA_MINUTES = 600
MAX_GRACE_SECONDS = 600


@dataclass
class ExamSpec:
    """What a teacher fills in; :func:`create_exam` checks all of it."""

    title: str
    opens_at: datetime
    closes_at: datetime
    minutes: int | None = None  # None: the paper's time
    paper_ids: list[int] = field(default_factory=list)  # one paper, or parallel forms
    class_ids: list[int] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)  # students assigned one by one
    extra_minutes: dict[str, int] = field(default_factory=dict)  # username → extra time
    attempts_allowed: int = 1
    shuffle_items: bool = True
    shuffle_options: bool = True
    review_after_submit: str = "score"
    review_after_close: str = "full"
    access_code: str = ""
    allowed_networks: str = ""
    single_device: bool = True
    grace_seconds: int = 30


def parse_networks(text: str, where: str = "allowed_networks") -> tuple[list[ipaddress._BaseNetwork], list[Problem]]:
    """One network per line ("192.168.10.0/24", "10.1.2.3"); blank lines and # comments are skipped."""
    networks, problems = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            problems.append(Problem(f"{where}:{number}", N_("“%(entry)s”不是 IP 地址或网段（如 192.168.10.0/24）"),
                                    {"entry": entry}))
    return networks, problems


def address_allowed(networks_text: str, address: str) -> bool:
    """Whether ``address`` is in one of the networks (every address is, when none are listed)."""
    networks, _ = parse_networks(networks_text)
    if not networks:
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _check(spec: ExamSpec, papers: list[Paper], problems: list[Problem]) -> None:
    title = (spec.title or "").strip()
    if not title or len(title) > 200:
        problems.append(Problem("title", N_("请填写考试名称（不超过 200 个字符）")))
    if spec.opens_at is None or spec.closes_at is None:
        problems.append(Problem("closes_at", N_("请填写开考和截止时间")))
    elif spec.closes_at <= spec.opens_at:
        problems.append(Problem("closes_at", N_("截止时间须晚于开考时间")))
    minutes = spec.minutes if spec.minutes is not None else (papers[0].minutes if papers else None)
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= MAX_MINUTES:
        problems.append(Problem("minutes", N_("考试时长须为 1 至 %(most)d 分钟的整数"), {"most": MAX_MINUTES}))
    if not papers:
        problems.append(Problem("paper_ids", N_("请选择试卷")))
    elif len({p.category_id for p in papers}) > 1:
        problems.append(Problem("paper_ids", N_("各套试卷须属于同一类别")))
    elif len(papers) > MAX_FORMS_PER_EXAM:
        problems.append(Problem("paper_ids", N_("一场考试最多 %(most)d 套试卷"), {"most": MAX_FORMS_PER_EXAM}))
    if not spec.class_ids and not spec.usernames:
        problems.append(Problem("class_ids", N_("请选择参加考试的班级或学生")))
    if not 1 <= spec.attempts_allowed <= MAX_ATTEMPTS:
        problems.append(Problem("attempts_allowed", N_("允许作答次数须在 1 至 %(most)d 之间"), {"most": MAX_ATTEMPTS}))
    for name in ("review_after_submit", "review_after_close"):
        if getattr(spec, name) not in REVIEW_LEVELS:
            problems.append(Problem(name, N_("须为 %(levels)s 之一"), {"levels": "、".join(REVIEW_LEVELS)}))
    if len(spec.access_code or "") > 32:
        problems.append(Problem("access_code", N_("考试口令不超过 32 个字符")))
    if not 0 <= spec.grace_seconds <= MAX_GRACE_SECONDS:
        problems.append(Problem("grace_seconds", N_("宽限时间须在 0 至 %(most)d 秒之间"), {"most": MAX_GRACE_SECONDS}))
    problems.extend(parse_networks(spec.allowed_networks)[1])


def _students(usernames: Iterable[str], extra: dict[str, int], problems: list[Problem],
              by: User | None = None) -> dict[int, int]:
    """Student id → extra minutes for the named students (and those given extra time).

    A teacher may name only their own school's students; an admin anyone's.
    """
    wanted = list(dict.fromkeys([u.strip() for u in usernames if u and u.strip()] + list(extra)))
    found = {u.username: u for u in db.session.scalars(select(User).where(User.username.in_(wanted)))} if wanted else {}
    result = {}
    for index, username in enumerate(wanted):
        user = found.get(username)
        if user is None or user.role != "student":
            problems.append(Problem(f"usernames[{index}]", N_("没有学号为“%(username)s”的学生"), {"username": username}))
            continue
        if by is not None and by.role != "admin" and user.school_id != by.school_id:
            problems.append(Problem(f"usernames[{index}]", N_("学生“%(username)s”不是本校学生"), {"username": username}))
            continue
        minutes = extra.get(username, 0)
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 <= minutes <= MAX_EXTRA_MINUTES:
            problems.append(Problem(f"extra_minutes[{username}]", N_("延长时间须为 0 至 %(most)d 分钟"),
                                    {"most": MAX_EXTRA_MINUTES}))
            continue
        result[user.id] = minutes
    return result


def create_exam(spec: ExamSpec, by: User | None) -> Exam:
    """Store an exam; commits.

    :raise ProblemsError: every problem, each naming its field ("title", "paper_ids",
        "allowed_networks:3", "usernames[2]", …); nothing is stored.
    """
    problems: list[Problem] = []
    papers = [db.session.get(Paper, pid) for pid in dict.fromkeys(spec.paper_ids)]
    for index, paper in enumerate(papers):
        if paper is None:
            problems.append(Problem(f"paper_ids[{index}]", N_("试卷不存在")))
    papers = [p for p in papers if p is not None]
    _check(spec, papers, problems)
    classes = [db.session.get(SchoolClass, cid) for cid in dict.fromkeys(spec.class_ids)]
    if any(c is None for c in classes):
        problems.append(Problem("class_ids", N_("所选班级不存在")))
    classes = [c for c in classes if c is not None]
    if by is not None and by.role != "admin" and any(c.school_id != by.school_id for c in classes):
        problems.append(Problem("class_ids", N_("只能安排本校的班级")))
    students = _students(spec.usernames, spec.extra_minutes, problems, by)
    if problems:
        raise ProblemsError(problems)
    exam = Exam(title=spec.title.strip(), category_id=papers[0].category_id,
                school_id=by.school_id if by is not None and by.role != "admin" else
                (classes[0].school_id if classes else None),
                opens_at=spec.opens_at, closes_at=spec.closes_at,
                minutes=spec.minutes if spec.minutes is not None else papers[0].minutes,
                attempts_allowed=spec.attempts_allowed, shuffle_items=spec.shuffle_items,
                shuffle_options=spec.shuffle_options, review_after_submit=spec.review_after_submit,
                review_after_close=spec.review_after_close, access_code=(spec.access_code or "").strip(),
                allowed_networks=(spec.allowed_networks or "").strip(), single_device=spec.single_device,
                grace_seconds=spec.grace_seconds, key_versions={}, created_by=by)
    exam.forms = [ExamPaper(paper=p, position=k) for k, p in enumerate(papers)]
    exam.classes = classes
    exam.candidates = [ExamCandidate(user_id=uid, extra_minutes=m) for uid, m in students.items()]
    db.session.add(exam)
    db.session.commit()
    return exam


def create_exam_from_blueprint(source: Blueprint | dict, spec: ExamSpec, forms: int, by: User | None,
                               seed: int | None = None) -> Exam:
    """Assemble ``forms`` parallel papers from a blueprint, then the exam on them (each student gets one form).

    :raise ProblemsError: the blueprint's or the bank's problems, or the exam's.
    """
    seed = random.SystemRandom().randrange(2**31) if seed is None else seed
    drawn = paper_service.assemble_papers(source, seed, forms=forms, user=by, title=spec.title or None)
    spec.paper_ids = [p.id for p in drawn]
    try:
        return create_exam(spec, by)
    except ProblemsError:
        for paper in drawn:  # do not leave papers behind for an exam that was refused
            db.session.delete(paper)
        db.session.commit()
        raise


# ---------------------------------------------------------------- who sees what

def manageable(user: User):
    """A query of the exams ``user`` (teacher, proctor, admin) may see and manage: their school's."""
    query = select(Exam).options(selectinload(Exam.category), selectinload(Exam.classes))
    if user.role != "admin":
        query = query.where(Exam.school_id == user.school_id if user.school_id is not None else false())
    return query.order_by(Exam.opens_at.desc(), Exam.id.desc())


def may_manage(user: User, exam: Exam) -> bool:
    return user.role == "admin" or (user.role in ("teacher", "proctor") and user.school_id is not None
                                    and exam.school_id == user.school_id)


def is_candidate(exam: Exam, user: User) -> bool:
    """Whether ``user`` sits ``exam``: their class is assigned, or they are by name."""
    return candidacy(exam, user) is not None


def candidacy(exam: Exam, user: User) -> int | None:
    """The extra minutes ``user`` has in ``exam`` (0 by default), or None when they do not sit it. One query."""
    by_class = (select(exam_class.c.exam_id).where(exam_class.c.exam_id == exam.id,
                                                   exam_class.c.class_id == user.class_id).scalar_subquery()
                if user.class_id is not None else null())
    extra = select(ExamCandidate.extra_minutes).where(ExamCandidate.exam_id == exam.id,
                                                      ExamCandidate.user_id == user.id).scalar_subquery()
    assigned, minutes = db.session.execute(select(by_class, extra)).one()
    if minutes is not None:
        return minutes
    return 0 if assigned is not None else None


def student_exams(user: User) -> list[Exam]:
    """The exams a student sits, soonest first."""
    by_class = select(exam_class.c.exam_id).where(exam_class.c.class_id == user.class_id)
    by_name = select(ExamCandidate.exam_id).where(ExamCandidate.user_id == user.id)
    query = select(Exam).options(selectinload(Exam.category)).where(
        or_(Exam.id.in_(by_class), Exam.id.in_(by_name)) if user.class_id is not None else Exam.id.in_(by_name))
    return list(db.session.scalars(query.order_by(Exam.opens_at, Exam.id)))


def candidates(exam: Exam, class_id: int | None = None) -> list[User]:
    """Every student who sits the exam (of one class when given), by username."""
    class_ids = [c.id for c in exam.classes]
    query = select(User).where(User.role == "student", or_(
        User.class_id.in_(class_ids) if class_ids else False,
        User.id.in_(select(ExamCandidate.user_id).where(ExamCandidate.exam_id == exam.id))))
    if class_id is not None:
        query = query.where(User.class_id == class_id)
    return list(db.session.scalars(query.options(selectinload(User.school_class)).order_by(User.username)))


def phase(exam: Exam, now: datetime | None = None) -> str:
    """"upcoming", "open" or "closed"."""
    now = now or utcnow()
    if now < exam.opens_at:
        return "upcoming"
    return "open" if now < exam.closes_at else "closed"


def progress(exam_ids: list[int]) -> dict[int, tuple[int, int]]:
    """exam id → (students who started, students who submitted)."""
    if not exam_ids:
        return {}
    rows = db.session.execute(
        select(Attempt.exam_id, func.count(func.distinct(Attempt.user_id)),
               func.count(func.distinct(case((Attempt.status == "submitted", Attempt.user_id)))))
        .where(Attempt.exam_id.in_(exam_ids)).group_by(Attempt.exam_id))
    return {exam_id: (started, submitted) for exam_id, started, submitted in rows}


def get_exam(exam_id: int) -> Exam | None:
    """The exam with its category and forms (a student's start reads both)."""
    return db.session.get(Exam, exam_id, options=[joinedload(Exam.category), joinedload(Exam.forms)])


def attempts_of(exam: Exam, user: User) -> list[Attempt]:
    return list(db.session.scalars(select(Attempt).where(Attempt.exam_id == exam.id, Attempt.user_id == user.id)
                                   .order_by(Attempt.number)))


def default_window(minutes: int, now: datetime | None = None) -> tuple[datetime, datetime]:
    """Opens now, closes after the duration plus an hour for late starts."""
    now = now or utcnow()
    return now, now + timedelta(minutes=minutes + 60)
