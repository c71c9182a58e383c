"""A small exam for tests: a 计算机类 bank with every item type, a fixed paper, a class and its students.

``make_exam(**fields)`` stores everything and returns the exam; the paper has
five sections: 4 单选 (2 points), 2 多选 (4, half credit for a subset),
2 判断 (1), 2 填空 (3; one numeric with tolerance) and 1 简答 (10).
``KEYS`` gives each item's key by uid. Submitting only closes an attempt:
``grade_all()`` grades what waits, as the server's background round does
moments after 交卷.
"""
from __future__ import annotations

from datetime import timedelta

from exam_server.services import accounts, attempts, banks, exams, papers, taxonomy
from exam_server.models import utcnow
from question_bank.formats.native import Bank, CategoryNode, SubjectNode
from question_bank.model import Item, Option, ScoringPoint

SUBJECT = "计算机基础"
CLASS_NAME = "2024级计算机1班"
SCHOOL = "示范中职学校"
PASSWORD = "secret-pw"


def _options(n, tag):
    return tuple(Option(k, f"<p>{tag}选项{k}</p>") for k in "ABCD"[:n])


def bank_items() -> list[Item]:
    common = {"category": "JSJ", "subject": SUBJECT, "status": "published", "difficulty": 0.6}
    items = [Item(type="single", uid=f"t-s{n}", stem=f"<p>单选第 {n} 题</p>", options=_options(4, f"s{n}"),
                  answer="ABCD"[n % 4], points=2, **common) for n in range(4)]
    items += [Item(type="multiple", uid=f"t-m{n}", stem=f"<p>多选第 {n} 题</p>", options=_options(4, f"m{n}"),
                   answer=("A", "C") if n == 0 else ("B", "C", "D"), points=4, **common) for n in range(2)]
    items += [Item(type="truefalse", uid=f"t-tf{n}", stem=f"<p>判断第 {n} 题</p>", answer=n == 0, points=1, **common)
              for n in range(2)]
    items += [Item(type="blank", uid="t-b0", stem="<p>欧姆定律的表达式是____。</p>", answer=(("I=U/R",),), points=3,
                   **common),
              Item(type="blank", uid="t-b1", stem="<p>电阻为____Ω，电流为____mA。</p>",
                   answer=(("2.5±0.1",), ("20",)), points=3, **common)]
    items += [Item(type="short", uid="t-q0", stem="<p>简述 CPU 的组成。</p>", answer="<p>运算器和控制器</p>", points=10,
                   scoring_points=(ScoringPoint("运算器", 5), ScoringPoint("控制器", 5)), **common)]
    return items


KEYS = {item.uid: item.answer for item in bank_items()}
SECTIONS = [("single", 2, ["t-s0", "t-s1", "t-s2", "t-s3"]), ("multiple", 4, ["t-m0", "t-m1"]),
            ("truefalse", 1, ["t-tf0", "t-tf1"]), ("blank", 3, ["t-b0", "t-b1"]), ("short", 10, ["t-q0"])]
MAX_SCORE = 4 * 2 + 2 * 4 + 2 * 1 + 2 * 3 + 10


def make_paper(minutes=30):
    banks.import_bank(Bank([CategoryNode("JSJ", "计算机类", (SubjectNode(SUBJECT),))], bank_items()))
    category = taxonomy.category_by_code("JSJ")
    sections = [{"type": t, "points_each": p, "uids": uids, "rule": "half_for_subset" if t == "multiple" else None}
                for t, p, uids in SECTIONS]
    return papers.create_fixed_paper("单元测验", category, minutes, sections, None)


def make_students(n=3, prefix="s"):
    return [accounts.create_user(username=f"{prefix}{k:03d}", password=PASSWORD, role="student", name=f"学生{k}",
                                 school=SCHOOL, class_name=CLASS_NAME) for k in range(1, n + 1)]


def make_exam(students=3, minutes=30, by=None, **fields):
    """The paper, ``students`` students of one class, and an exam for the class open now."""
    paper = make_paper(minutes)
    people = make_students(students)
    now = utcnow()
    spec = exams.ExamSpec(title="单元测验", opens_at=fields.pop("opens_at", now - timedelta(minutes=1)),
                          closes_at=fields.pop("closes_at", now + timedelta(hours=2)), minutes=minutes,
                          paper_ids=[paper.id], class_ids=[people[0].class_id], **fields)
    return exams.create_exam(spec, by), people


def right_response(item_type, key):
    """The response that answers an item (in the student's displayed letters) correctly."""
    if item_type == "single":
        return {"choice": key}
    if item_type == "truefalse":
        return {"choice": "T" if key else "F"}
    if item_type == "multiple":
        return {"choices": list(key)}
    if item_type == "blank":
        return {"blanks": [accepted[0].split("±")[0] for accepted in key]}
    return {"text": "运算器和控制器"}


def grade_all(now=None):
    """Grade every submitted attempt still waiting for its score, as the server's background round does; returns
    how many. It ends the session's transaction (uncommitted changes are lost); objects reload with their scores."""
    return attempts.grade_pending(now=now, limit=1_000_000)
