"""``exam-server exam …``: create (from papers or a blueprint), list, finalize, regrade; bad options named."""
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Attempt, Exam, Paper, User
from exam_server.services import accounts, attempts, blueprints, taxonomy
from tests.exam_fixtures import CLASS_NAME, MAX_SCORE, SCHOOL, grade_all, make_exam, make_paper, make_students

from .test_regrade import answer, correct

UTC = timezone.utc


@pytest.fixture
def bank(app):
    paper = make_paper()
    students = make_students(2)
    return paper, students


def exam_count():
    db.session.remove()
    return db.session.scalar(select(func.count(Exam.id)))


def create(cli, *args):
    return cli("exam", "create", "--title", "期末考试", "--minutes", 45, *args)


def test_create_prints_the_id_of_an_exam_open_now(cli, bank):
    paper, students = bank
    result = create(cli, "--paper", paper.id, "--class", CLASS_NAME)
    assert result.exit_code == 0, result.output
    db.session.remove()
    exam = db.session.get(Exam, int(result.stdout.strip()))
    assert (exam.title, exam.minutes, [f.paper_id for f in exam.forms]) == ("期末考试", 45, [paper.id])
    assert [c.name for c in exam.classes] == [CLASS_NAME] and exam.school.name == SCHOOL
    assert exam.closes_at - exam.opens_at == timedelta(minutes=45 + 60)
    assert abs((exam.opens_at - datetime.now(UTC)).total_seconds()) < 60


def test_times_without_an_offset_are_beijing_time(cli, bank):
    paper, _students = bank
    result = create(cli, "--paper", paper.id, "--class", CLASS_NAME, "--opens", "2030-03-01T08:30",
                    "--closes", "2030-03-01T10:00+08:00")
    assert result.exit_code == 0, result.output
    exam = db.session.get(Exam, int(result.stdout))
    assert exam.opens_at == datetime(2030, 3, 1, 0, 30, tzinfo=UTC)
    assert exam.closes_at == datetime(2030, 3, 1, 2, 0, tzinfo=UTC)
    listed = cli("exam", "list").stdout
    assert f"{exam.id}\tJSJ\t2030-03-01 08:30 – 2030-03-01 10:00\t45 分钟\t{CLASS_NAME}\t期末考试" in listed


@pytest.mark.parametrize("args, message", [
    (("--paper", 999, "--class", CLASS_NAME), "--paper: 没有编号为 999 的试卷"),
    (("--class", CLASS_NAME), "--paper / --blueprint"),
    (("--paper", "PAPER", "--class", "不存在的班"), "--class: 没有名为“不存在的班”的班级"),
    (("--paper", "PAPER"), "--class: 请至少指定一个"),
    (("--paper", "PAPER", "--class", CLASS_NAME, "--opens", "明天"), "--opens: “明天”不是 ISO 格式的日期时间"),
    (("--paper", "PAPER", "--class", CLASS_NAME, "--opens", "2030-03-01T10:00", "--closes", "2030-03-01T09:00"),
     "--closes: 截止时间须晚于开考时间"),
    (("--paper", "PAPER", "--class", CLASS_NAME, "--forms", 2), "--forms: 只能与 --blueprint 一起使用"),
])
def test_bad_options_exit_1_naming_the_option_and_create_nothing(cli, bank, args, message):
    paper, _students = bank
    result = create(cli, *(paper.id if a == "PAPER" else a for a in args))
    assert result.exit_code == 1 and message in result.stderr and result.stdout == ""
    assert exam_count() == 0


def test_a_bad_duration_is_named(cli, bank):
    paper, _students = bank
    result = cli("exam", "create", "--title", "期末", "--minutes", 0, "--paper", paper.id, "--class", CLASS_NAME)
    assert result.exit_code == 1 and "--minutes: 考试时长须为 1 至 600 分钟的整数" in result.stderr
    assert "未创建考试" in result.stderr and exam_count() == 0


def test_a_class_name_used_by_two_schools_must_name_the_school(cli, bank):
    paper, _students = bank
    accounts.create_user(username="o001", password="secret-pw", role="student", school="另一所中职学校",
                         class_name=CLASS_NAME)
    result = create(cli, "--paper", paper.id, "--class", CLASS_NAME)
    assert result.exit_code == 1 and "--class" in result.stderr
    assert SCHOOL in result.stderr and "另一所中职学校" in result.stderr and exam_count() == 0
    chosen = create(cli, "--paper", paper.id, "--class", f"另一所中职学校/{CLASS_NAME}")
    assert chosen.exit_code == 0, chosen.output
    assert db.session.get(Exam, int(chosen.stdout)).school.name == "另一所中职学校"


def test_a_blueprint_file_or_id_assembles_the_forms(cli, bank, tmp_path):
    path = tmp_path / "小测.yaml"
    path.write_text("title: 小测\ncategory: JSJ\nminutes: 20\nsections:\n"
                    "  - {type: single, count: 2, points_each: 5}\n", encoding="utf-8")
    result = create(cli, "--blueprint", path, "--forms", 2, "--class", CLASS_NAME)
    assert result.exit_code == 0, result.output
    exam = db.session.get(Exam, int(result.stdout))
    assert [f.paper.form for f in exam.forms] == ["A", "B"]
    record = blueprints.create_blueprint("小测方案", taxonomy.category_by_code("JSJ"), {
        "format": "hbjn-exam-blueprint", "version": 1, "title": "小测", "category": "JSJ", "minutes": 20,
        "sections": [{"type": "truefalse", "count": 2, "points_each": 1}]}, None)
    by_id = create(cli, "--blueprint", record.id, "--class", CLASS_NAME)
    assert by_id.exit_code == 0, by_id.output
    assert len(db.session.get(Exam, int(by_id.stdout)).forms) == 1


def test_a_blueprint_the_bank_cannot_fill_creates_nothing(cli, bank, tmp_path):
    papers_before = db.session.scalar(select(func.count(Paper.id)))
    path = tmp_path / "大.yaml"
    path.write_text("title: 大考\ncategory: JSJ\nminutes: 20\nsections:\n"
                    "  - {type: single, count: 40, points_each: 2}\n", encoding="utf-8")
    result = create(cli, "--blueprint", path, "--class", CLASS_NAME)
    assert result.exit_code == 1 and "40" in result.stderr and "未创建考试" in result.stderr
    assert exam_count() == 0 and db.session.scalar(select(func.count(Paper.id))) == papers_before
    missing = create(cli, "--blueprint", 999, "--class", CLASS_NAME)
    assert missing.exit_code == 1 and "--blueprint: 没有编号为 999 的组卷方案" in missing.stderr


def test_finalize_submits_attempts_whose_time_ran_out_and_grades_every_submitted_one(cli, app):
    exam, students = make_exam(students=3)
    overdue, _, _ = attempts.start_or_resume(exam, students[0], device="pc", address="10.0.0.1")
    attempts.start_or_resume(exam, students[1], device="pc2", address="10.0.0.2")
    submitted, _, _ = attempts.start_or_resume(exam, students[2], device="pc3", address="10.0.0.3")
    attempts.submit(submitted)  # closed, waiting for its grade
    overdue.deadline_at = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()
    result = cli("exam", "finalize")
    assert result.exit_code == 0 and "已自动交卷 1 份超时的作答，评分 2 份" in result.stdout
    db.session.remove()
    rows = [(a.status, a.graded_at is not None, a.max_score)
            for a in db.session.scalars(select(Attempt).order_by(Attempt.user_id))]
    assert rows == [("submitted", True, MAX_SCORE), ("open", False, None), ("submitted", True, MAX_SCORE)]
    again = cli("exam", "finalize")
    assert again.exit_code == 0 and "已自动交卷 0 份超时的作答，评分 0 份" in again.stdout


def test_regrade_prints_the_dry_run_and_applies_with_apply(cli, app, create_user):
    author = create_user("t1", role="teacher", school=SCHOOL)
    reviewer = create_user("t2", role="teacher", school=SCHOOL)
    exam, students = make_exam(students=1, by=author)
    attempt, _, _ = attempts.start_or_resume(exam, students[0], device=students[0].username, address="10.0.0.1")
    answer(attempt, "t-s0", {"choice": "B"})
    attempts.submit(attempt)
    grade_all()
    exam_id, attempt_id, people = exam.id, attempt.id, (author.id, reviewer.id)
    assert cli("exam", "regrade", exam_id).stdout.strip() == "没有待应用的答案更正"
    correct("t-s0", *(db.session.get(User, i) for i in people), answer="B")
    dry = cli("exam", "regrade", exam_id)
    assert dry.exit_code == 0
    assert "t-s0\tv1 → v2\tA → B" in dry.stdout and "s001\t学生1\t0 → 2" in dry.stdout
    assert "试运行：1 份作答的分数将改变" in dry.stdout
    db.session.remove()
    assert db.session.get(Attempt, attempt_id).score == 0
    applied = cli("exam", "regrade", exam_id, "--apply")
    assert applied.exit_code == 0 and "已重新评分：1 道题更正答案，1 份作答分数改变" in applied.stdout
    db.session.remove()
    assert db.session.get(Attempt, attempt_id).score == 2
    assert cli("exam", "regrade", 999).exit_code == 1
