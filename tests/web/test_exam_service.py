"""Creating exams through the service: every problem named, schools kept apart."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Exam, utcnow
from exam_server.services import accounts, exams
from exam_server.services.errors import ProblemsError
from tests.exam_fixtures import SCHOOL, make_paper, make_students


def spec(paper, klass, **fields):
    now = utcnow()
    values = {"title": "期中考试", "opens_at": now, "closes_at": now + timedelta(hours=2), "minutes": 60,
              "paper_ids": [paper.id], "class_ids": [klass]}
    values.update(fields)
    return exams.ExamSpec(**values)


def test_every_problem_is_named_and_nothing_is_stored(app):
    paper = make_paper()
    student = make_students(1)[0]
    teacher = accounts.create_user(username="t1", password="secret-pw", role="teacher", school=SCHOOL)
    bad = spec(paper, student.class_id, title="", minutes=0, closes_at=utcnow() - timedelta(hours=1),
               allowed_networks="192.168.1.0/24\n# lab 2\n10.0.0.300/8", review_after_close="all",
               usernames=["nobody"], grace_seconds=-1)
    with pytest.raises(ProblemsError) as error:
        exams.create_exam(bad, teacher)
    places = {p.where for p in error.value.problems}
    assert places == {"title", "minutes", "closes_at", "allowed_networks:3", "review_after_close", "usernames[0]",
                      "grace_seconds"}
    assert db.session.scalar(select(func.count(Exam.id))) == 0


def test_a_teacher_may_not_seat_another_schools_students_or_classes(app):
    paper = make_paper()
    own = make_students(1)[0]
    other = accounts.create_user(username="x001", password="secret-pw", role="student", school="别的学校",
                                 class_name="别的班")
    teacher = accounts.create_user(username="t1", password="secret-pw", role="teacher", school=SCHOOL)
    with pytest.raises(ProblemsError) as error:
        exams.create_exam(spec(paper, own.class_id, usernames=["x001"]), teacher)
    assert [p.where for p in error.value.problems] == ["usernames[0]"]
    with pytest.raises(ProblemsError) as error:
        exams.create_exam(spec(paper, other.class_id), teacher)
    assert [p.where for p in error.value.problems] == ["class_ids"]
    exam = exams.create_exam(spec(paper, own.class_id), teacher)
    assert exam.school_id == teacher.school_id and exams.candidates(exam) == [own]


def test_staff_without_a_school_manage_no_exams_and_admins_all(app):
    paper = make_paper()
    own = make_students(1)[0]
    admin = accounts.create_user(username="root", password="secret-pw", role="admin")
    exam = exams.create_exam(spec(paper, own.class_id), admin)
    loose = accounts.create_user(username="t9", password="secret-pw", role="teacher")
    assert list(db.session.scalars(exams.manageable(loose))) == [] and not exams.may_manage(loose, exam)
    assert list(db.session.scalars(exams.manageable(admin))) == [exam] and exams.may_manage(admin, exam)


def test_candidacy_gives_the_extra_minutes_of_a_candidate_and_none_for_anyone_else(app):
    paper = make_paper()
    by_class, named_in_class = make_students(2)
    other_class = [accounts.create_user(username=f"x00{k}", password="secret-pw", role="student",
                                        school=SCHOOL, class_name="2024级机电1班") for k in (1, 2, 3)]
    classless = accounts.create_user(username="y001", password="secret-pw", role="student", school=SCHOOL)
    named_classless = accounts.create_user(username="y002", password="secret-pw", role="student", school=SCHOOL)
    exam = exams.create_exam(spec(paper, by_class.class_id, usernames=["x001", "x002", "y002"],
                                  extra_minutes={"x001": 20, named_in_class.username: 10}), None)
    expected = {by_class: 0, named_in_class: 10, other_class[0]: 20, other_class[1]: 0, named_classless: 0,
                other_class[2]: None, classless: None}
    assert {user.username: exams.candidacy(exam, user) for user in expected} == {
        user.username: minutes for user, minutes in expected.items()}
    assert {user.username: exams.is_candidate(exam, user) for user in expected} == {
        user.username: minutes is not None for user, minutes in expected.items()}
    classless_exam = exams.create_exam(spec(paper, by_class.class_id, class_ids=[], usernames=["y001"]), None)
    assert (exams.candidacy(classless_exam, classless), exams.candidacy(classless_exam, by_class)) == (0, None)
