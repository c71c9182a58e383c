"""Demo data: the item banks in ``demo_data/banks`` and the accounts in ``demo_data/accounts.json``.

Loading is idempotent: existing accounts are left alone and the banks are
imported by uid, so a second load changes nothing.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Callable

from sqlalchemy import select

from question_bank.formats.native import Bank, read_bank

from ..extensions import db
from ..labels import ROLE_LABELS
from ..models import Exam, SchoolClass, User
from ..security import hash_password
from . import accounts, banks, blueprints, exams, papers
from .errors import N_, Problem, ProblemsError
from .taxonomy import category_by_code

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo_data"


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str
    name: str
    class_name: str = ""
    created: bool = False


@dataclass
class DemoReport:
    accounts: list[DemoAccount] = field(default_factory=list)
    #: (bank file name, what its import did), in file-name order
    banks: list[tuple[str, banks.ImportReport]] = field(default_factory=list)
    #: the demo exam, and whether this load made it
    exam: Exam | None = None
    exam_created: bool = False


def read_demo_banks(folder: Path = DEMO_DIR) -> list[tuple[str, Bank]]:
    """Every ``banks/*.json`` with the images in ``media/`` it uses, its items published.

    :raise ProblemsError: when a bank has problems, or two banks share a uid.
    """
    images = {path.name: path.read_bytes() for path in sorted((folder / "media").glob("*.*"))}
    loaded = []
    for path in sorted((folder / "banks").glob("*.json")):
        bank = read_bank(path.read_bytes(), path.name, images)
        bank.items = [dataclasses.replace(item, status="published") for item in bank.items]
        loaded.append((path.name, bank))
    _check_distinct_uids(loaded)
    return loaded


def load_demo(folder: Path = DEMO_DIR) -> DemoReport:
    """Load the demo accounts, then the demo banks (:func:`read_demo_banks`).

    Every bank file is read and checked before anything is written.

    :raise ProblemsError: when a demo bank has problems; the banks imported before it stay.
    """
    loaded = read_demo_banks(folder)
    report = DemoReport(accounts=load_accounts(folder / "accounts.json"))
    for name, bank in loaded:
        report.banks.append((name, banks.import_bank(bank, filename=name)))
    report.exam, report.exam_created = ensure_demo_exam()
    return report


DEMO_EXAM_TITLE = "示范考试：计算机类专业知识"
DEMO_EXAM_CLASS = "2024级计算机1班"
DEMO_EXAM_DAYS = 365


def ensure_demo_exam() -> tuple[Exam | None, bool]:
    """An exam for the demo class to try the exam page: two parallel forms of the 计算机类 default
    blueprint, open for a year, three attempts, answers and explanations shown after submitting.
    Made once; returns ``(exam, created)`` (None when the demo class is missing or the bank too small).
    """
    existing = db.session.scalar(select(Exam).where(Exam.title == DEMO_EXAM_TITLE))
    if existing is not None:
        return existing, False
    klass = db.session.scalar(select(SchoolClass).where(SchoolClass.name == DEMO_EXAM_CLASS))
    category = category_by_code("JSJ")
    if klass is None or category is None:
        return None, False
    try:
        drawn = papers.assemble_papers(blueprints.get_default(category), seed=2024, forms=2,
                                       title=DEMO_EXAM_TITLE)
    except ProblemsError:  # a smaller demo bank than the shipped one: no demo exam
        db.session.rollback()
        return None, False
    opens, _ = exams.default_window(drawn[0].minutes)
    spec = exams.ExamSpec(title=DEMO_EXAM_TITLE, opens_at=opens, closes_at=opens + timedelta(days=DEMO_EXAM_DAYS),
                          paper_ids=[p.id for p in drawn], class_ids=[klass.id], attempts_allowed=3,
                          review_after_submit="full", review_after_close="full")
    return exams.create_exam(spec, None), True


def _check_distinct_uids(loaded: list[tuple[str, Bank]]) -> None:
    """Refuse a uid used in two demo files: each load would make a new version of it."""
    first: dict[str, str] = {}
    problems = []
    for name, bank in loaded:
        for index, item in enumerate(bank.items):
            where = f"{name}: items[{index}] (uid {item.uid})"
            if item.uid and first.setdefault(item.uid, where) != where:
                problems.append(Problem(where, N_("uid 与 %(other)s 重复"), {"other": first[item.uid]}))
    if problems:
        raise ProblemsError(problems)


def load_accounts(path: Path) -> list[DemoAccount]:
    """Create the accounts listed in ``path`` that do not exist yet; one commit."""
    spec = json.loads(path.read_text(encoding="utf-8"))
    password, school_name = spec["password"], spec["school"]
    usernames = [entry["username"] for entry in spec["accounts"]]
    taken = set(db.session.scalars(select(User.username).where(User.username.in_(usernames))))
    # one hash for all: every demo account has the same password, and 34 bcrypt
    # hashes at the production cost would take about ten seconds
    password_hash = hash_password(password) if set(usernames) - taken else ""
    school = accounts.get_or_create_school(school_name) if password_hash else None
    listed = []
    for entry in spec["accounts"]:
        class_name = entry.get("class", "")
        new = entry["username"] not in taken
        if new:
            db.session.add(User(
                username=entry["username"], password_hash=password_hash, role=entry["role"],
                name=entry.get("name", ""), school=school, must_change_password=False,
                school_class=accounts.get_or_create_class(school, class_name) if class_name else None))
        listed.append(DemoAccount(entry["role"], entry["username"], password, entry.get("name", ""),
                                  class_name, new))
    db.session.commit()
    return listed


def load_and_report(echo: Callable[[str], None]) -> DemoReport:
    """Load the demo data and print the accounts (role, username, password) and item counts."""
    report = load_demo()
    echo(f"示范账号（新建 {sum(a.created for a in report.accounts)} 个，已有的未改动）：")
    students = [a for a in report.accounts if a.role == "student"]
    for account in report.accounts:
        if account.role != "student":
            echo(f"  {_role(account.role)}{account.username:<12} 密码 {account.password}  {account.name}")
    if students:
        classes = "、".join(dict.fromkeys(a.class_name for a in students if a.class_name))
        echo(f"  {_role('student')}{students[0].username} … {students[-1].username}"
             f"  密码 {students[0].password}  （{len(students)} 人，{classes}）")
    for name, imported in report.banks:
        echo(f"题库 {name}：新增 {imported.created} 道，更新 {imported.updated} 道，未变 {imported.unchanged} 道")
    stats = banks.bank_stats()
    summary = "，".join(f"{c['code']} {c['items']}" for c in stats["categories"])
    echo(f"已发布试题共 {stats['total']} 道：{summary}")
    if report.exam is not None:
        state = "新建" if report.exam_created else "已有"
        echo(f"示范考试（{state}）：编号 {report.exam.id}，{report.exam.title}，{DEMO_EXAM_CLASS}，"
             f"{report.exam.minutes} 分钟，可作答 {report.exam.attempts_allowed} 次")
    return report


def _role(role: str) -> str:
    """The role's label padded with full-width spaces, so the usernames line up."""
    label = str(ROLE_LABELS[role])
    return label + "　" * max(1, 4 - len(label))
