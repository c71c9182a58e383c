"""The exam pages for teachers: the list, a new exam (one paper, parallel forms, a blueprint), the details;
bad input named at its field with nothing stored; CSRF; each school sees only its own exams."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from exam_server.extensions import db
from exam_server.models import Exam, ExamCandidate, Paper, SchoolClass, utcnow
from exam_server.services import accounts, attempts, blueprints, exams, papers, taxonomy
from tests.exam_fixtures import CLASS_NAME, SCHOOL, SECTIONS, make_paper, make_students

OTHER_SCHOOL = "另一所中职学校"
UTC = timezone.utc


@pytest.fixture
def setup(app, create_user):
    """A paper, three students of 示范中职学校 and its teacher."""
    paper = make_paper()
    students = make_students(3)
    teacher = create_user("t1", role="teacher", name="张老师", school=SCHOOL)
    return paper, students, teacher


def exam_form(paper_id, class_ids, **fields):
    data = {"title": "期中考试", "source": "paper", "paper_id": str(paper_id),
            "class_ids": [str(c) for c in class_ids], "students": "", "opens_at": "2030-03-01T08:30",
            "closes_at": "2030-03-01T11:00", "minutes": "90", "attempts_allowed": "1", "shuffle_items": "y",
            "shuffle_options": "y", "review_after_submit": "score", "review_after_close": "full",
            "access_code": "", "allowed_networks": "", "single_device": "y", "grace_seconds": "30"}
    data.update(fields)
    return data


def text_of(response):
    return response.get_data(as_text=True)


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def field_errors(page, name):
    """The messages shown under the form field ``name``."""
    for block in re.split(r'(?=<div class="field[ "])', page):
        first_id = re.search(r'\bid="([^"]+)"', block)
        if first_id and first_id.group(1) == name:
            block = re.split(r'</fieldset>|<div class="form-buttons"', block)[0]
            return re.findall(r'<div class="error">(.*?)</div>', block, re.S)
    raise AssertionError(f"no field {name}")


def newest_exam():
    db.session.expire_all()
    return db.session.scalars(select(Exam).order_by(Exam.id.desc())).first()


def second_paper():
    sections = [{"type": t, "points_each": p, "uids": list(reversed(uids)),
                 "rule": "half_for_subset" if t == "multiple" else None} for t, p, uids in SECTIONS]
    return papers.create_fixed_paper("单元测验 B", taxonomy.category_by_code("JSJ"), 30, sections, None)


# ---------------------------------------------------------------- creating

def test_a_teacher_creates_an_exam_in_local_time_with_students_given_extra_time(client, auth, setup):
    paper, students, teacher = setup
    auth.login("t1")
    response = client.post("/exams/new", data=exam_form(
        paper.id, [students[0].class_id], students="s001 15\ns002", shuffle_items="", review_after_submit="none",
        access_code=" 8848 ", allowed_networks="192.168.10.0/24\n10.1.2.3", grace_seconds="45"))
    exam = newest_exam()
    assert response.status_code == 302 and response.headers["Location"] == f"/exams/{exam.id}"
    assert exam.opens_at == datetime(2030, 3, 1, 0, 30, tzinfo=UTC)
    assert exam.closes_at == datetime(2030, 3, 1, 3, 0, tzinfo=UTC)
    assert (exam.title, exam.minutes, exam.school_id, exam.created_by_id) == ("期中考试", 90, teacher.school_id,
                                                                              teacher.id)
    assert [f.paper_id for f in exam.forms] == [paper.id] and [c.name for c in exam.classes] == [CLASS_NAME]
    assert {c.user.username: c.extra_minutes for c in exam.candidates} == {"s001": 15, "s002": 0}
    assert (exam.shuffle_items, exam.shuffle_options, exam.single_device) == (False, True, True)
    assert (exam.review_after_submit, exam.review_after_close) == ("none", "full")
    assert (exam.access_code, exam.grace_seconds) == ("8848", 45)
    assert exam.allowed_networks == "192.168.10.0/24\n10.1.2.3"
    page = text_of(client.get(f"/exams/{exam.id}"))
    assert "2030-03-01 08:30" in page and "不显示" in page and "显示分数和答案解析" in page
    assert f"/papers/{paper.id}/pdf/paper" in page and "15 分钟" in page


def test_a_blank_duration_takes_the_papers(client, auth, setup):
    paper, students, _teacher = setup
    auth.login("t1")
    assert client.post("/exams/new", data=exam_form(paper.id, [students[0].class_id], minutes="")).status_code == 302
    assert newest_exam().minutes == paper.minutes == 30


def test_parallel_forms_make_one_exam_on_several_papers(client, auth, setup):
    paper, students, _teacher = setup
    other = second_paper()
    auth.login("t1")
    response = client.post("/exams/new", data=exam_form(
        "", [students[0].class_id], source="forms", paper_ids=[str(paper.id), str(other.id)]))
    assert response.status_code == 302, text_of(response)
    assert [f.paper_id for f in newest_exam().forms] == [paper.id, other.id]


def test_one_paper_is_not_parallel_forms(client, auth, setup):
    paper, students, _teacher = setup
    auth.login("t1")
    page = text_of(client.post("/exams/new", data=exam_form(
        "", [students[0].class_id], source="forms", paper_ids=[str(paper.id)])))
    assert field_errors(page, "paper_ids") == ["平行卷须选择至少两份试卷"] and count(Exam) == 0


def test_a_blueprint_assembles_forms_for_the_exam(client, auth, setup):
    _paper, students, teacher = setup
    record = blueprints.create_blueprint("小测方案", taxonomy.category_by_code("JSJ"), {
        "format": "hbjn-exam-blueprint", "version": 1, "title": "小测", "category": "JSJ", "minutes": 20,
        "sections": [{"type": "single", "count": 2, "points_each": 5}]}, teacher)
    before = count(Paper)
    auth.login("t1")
    response = client.post("/exams/new", data=exam_form(
        "", [students[0].class_id], source="blueprint", blueprint_id=str(record.id), forms="2", minutes=""))
    assert response.status_code == 302, text_of(response)
    exam = newest_exam()
    assert [f.paper.form for f in exam.forms] == ["A", "B"] and count(Paper) == before + 2
    assert exam.minutes == 20


def test_a_blueprint_the_bank_cannot_fill_is_shown_at_the_blueprint_and_stores_nothing(client, auth, setup):
    _paper, students, teacher = setup
    record = blueprints.create_blueprint("太大的方案", taxonomy.category_by_code("JSJ"), {
        "format": "hbjn-exam-blueprint", "version": 1, "title": "大考", "category": "JSJ", "minutes": 20,
        "sections": [{"type": "single", "count": 40, "points_each": 2}]}, teacher)
    before = count(Paper)
    auth.login("t1")
    page = text_of(client.post("/exams/new", data=exam_form(
        "", [students[0].class_id], source="blueprint", blueprint_id=str(record.id))))
    [message] = field_errors(page, "blueprint_id")
    assert "40" in message and "单选" in message
    assert count(Exam) == 0 and count(Paper) == before


@pytest.mark.parametrize("fields, field, message", [
    ({"title": "  "}, "title", "请填写考试名称"),
    ({"closes_at": "2030-03-01T08:00"}, "closes_at", "截止时间须晚于开考时间"),
    ({"opens_at": "明天早上"}, "opens_at", "请按“2025-03-01 08:30”的格式填写日期和时间"),
    ({"allowed_networks": "10.0.0.0/8\n\n机房三"}, "allowed_networks",
     "第 3 行：“机房三”不是 IP 地址或网段（如 192.168.10.0/24）"),
    ({"students": "s001\nnobody 5"}, "students", "第 2 行：没有学号为“nobody”的学生"),
    ({"students": "s001 很多"}, "students", "第 1 行：延长时间须为 0 至 600 之间的整数（分钟）"),
    ({"students": "s001\ns002 1 2"}, "students", "第 2 行：“s002 1 2”应为“学号”或“学号 分钟”"),
    ({"minutes": "0"}, "minutes", "考试时长须为 1 至 600 分钟的整数"),
    ({"minutes": "九十"}, "minutes", "请输入整数"),
    ({"attempts_allowed": "0"}, "attempts_allowed", "允许作答次数须在 1 至 20 之间"),
    ({"grace_seconds": "9999"}, "grace_seconds", "宽限时间须在 0 至 600 秒之间"),
    ({"paper_id": ""}, "paper_id", "请选择试卷"),
    ({"paper_id": "999"}, "paper_id", "试卷不存在"),
    ({"class_ids": []}, "class_ids", "请选择参加考试的班级或学生"),
    ({"review_after_close": "all"}, "review_after_close", "须为 none、score、full 之一"),
    ({"source": "magic"}, "source", "请选择试卷来源"),
])
def test_bad_input_is_named_at_its_field_and_stores_nothing(client, auth, setup, fields, field, message):
    paper, students, _teacher = setup
    auth.login("t1")
    response = client.post("/exams/new", data={**exam_form(paper.id, [students[0].class_id]), **fields})
    page = text_of(response)
    assert response.status_code == 200 and message in field_errors(page, field)
    assert "考试有问题，未保存" in page
    assert count(Exam) == 0 and count(ExamCandidate) == 0


def test_the_network_problem_names_its_line(client, auth, setup):
    paper, students, _teacher = setup
    auth.login("t1")
    page = text_of(client.post("/exams/new", data=exam_form(
        paper.id, [students[0].class_id], allowed_networks="# 机房\n192.168.1.0/24\n300.1.1.1")))
    assert field_errors(page, "allowed_networks") == ["第 3 行：“300.1.1.1”不是 IP 地址或网段（如 192.168.10.0/24）"]


def test_a_teacher_is_offered_and_may_use_only_their_schools_classes(client, auth, setup):
    paper, students, _teacher = setup
    outsider = accounts.create_user(username="o001", password="secret-pw", role="student", school=OTHER_SCHOOL,
                                    class_name="2024级外校1班")
    auth.login("t1")
    form = text_of(client.get("/exams/new"))
    assert CLASS_NAME in form and "2024级外校1班" not in form
    page = text_of(client.post("/exams/new", data=exam_form(paper.id, [outsider.class_id])))
    assert field_errors(page, "class_ids") == ["只能安排本校的班级"] and count(Exam) == 0


def test_an_admin_is_offered_every_class_with_its_school(client, auth, setup, admin_user):
    accounts.create_user(username="o001", password="secret-pw", role="student", school=OTHER_SCHOOL,
                         class_name="2024级外校1班")
    auth.login("admin")
    form = text_of(client.get("/exams/new"))
    assert f"{SCHOOL} {CLASS_NAME}" in form and f"{OTHER_SCHOOL} 2024级外校1班" in form


def test_the_form_opens_with_a_window_from_now_in_local_time(client, auth, setup):
    auth.login("t1")
    form = text_of(client.get("/exams/new"))
    opens = re.search(r'id="opens_at"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="opens_at"', form)
    value = next(v for v in opens.groups() if v)
    local_now = utcnow().astimezone(timezone(timedelta(hours=8))).replace(tzinfo=None)
    assert abs((datetime.strptime(value, "%Y-%m-%dT%H:%M") - local_now).total_seconds()) < 120
    assert 'type="datetime-local"' in form


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_creating_needs_the_csrf_token(client, setup):
    paper, students, _teacher = setup
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"',
                      text_of(client.get("/login")))
    login_token = next(v for v in token.groups() if v)
    client.post("/login", data={"username": "t1", "password": "secret-pw", "csrf_token": login_token})
    refused = client.post("/exams/new", data=exam_form(paper.id, [students[0].class_id]))
    assert refused.status_code == 400 and count(Exam) == 0
    form = text_of(client.get("/exams/new"))
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    accepted = client.post("/exams/new", data=exam_form(paper.id, [students[0].class_id], csrf_token=token))
    assert accepted.status_code == 302 and count(Exam) == 1


# ---------------------------------------------------------------- who sees what

def make_school_exam(title, teacher, students, minutes=30):
    now = utcnow()
    paper_id = db.session.scalar(select(Paper.id).order_by(Paper.id))
    spec = exams.ExamSpec(title=title, opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=2),
                          minutes=minutes, paper_ids=[paper_id], class_ids=[students[0].class_id])
    return exams.create_exam(spec, teacher)


def test_each_school_lists_and_opens_only_its_own_exams(client, auth, setup, create_user):
    _paper, students, teacher = setup
    mine = make_school_exam("本校考试", teacher, students)
    attempts.start_or_resume(mine, students[0], device="pc", address="10.0.0.1")
    other_teacher = create_user("t2", role="teacher", school=OTHER_SCHOOL)
    other_students = [accounts.create_user(username="o001", password="secret-pw", role="student",
                                           school=OTHER_SCHOOL, class_name="外校1班")]
    theirs = make_school_exam("外校考试", other_teacher, other_students)
    auth.login("t1")
    listed = text_of(client.get("/exams/"))
    assert "本校考试" in listed and "外校考试" not in listed
    row = re.search(rf'<tr id="exam-{mine.id}".*?</tr>', listed, re.S).group(0)
    assert re.findall(r'<td class="num (?:candidates|started|submitted)">(\d+)</td>', row) == ["3", "1", "0"]
    for url in (f"/exams/{theirs.id}", f"/exams/{theirs.id}/console", f"/exams/{theirs.id}/log",
                f"/exams/{theirs.id}/regrade"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/exams/{theirs.id}/regrade").status_code == 404
    auth.logout()
    create_user("boss", role="admin")
    auth.login("boss")
    everything = text_of(client.get("/exams/"))
    assert "本校考试" in everything and "外校考试" in everything


@pytest.mark.app_config(ITEMS_PER_PAGE=1)
def test_the_list_is_newest_first_and_paged(client, auth, setup):
    _paper, students, teacher = setup
    older = make_school_exam("早的考试", teacher, students)
    older.opens_at = older.opens_at - timedelta(days=1)
    db.session.commit()
    make_school_exam("新的考试", teacher, students)
    auth.login("t1")
    first = text_of(client.get("/exams/"))
    assert "新的考试" in first and "早的考试" not in first and "第 1 页 / 共 2 页" in first
    assert "早的考试" in text_of(client.get("/exams/?page=2"))


def test_roles(client, auth, setup, create_user):
    _paper, students, teacher = setup
    exam = make_school_exam("本校考试", teacher, students)
    create_user("p1", role="proctor", school=SCHOOL)
    auth.login("p1")
    assert "本校考试" in text_of(client.get("/exams/"))
    assert client.get(f"/exams/{exam.id}").status_code == 200
    assert client.get("/exams/new").status_code == 403
    assert client.get(f"/exams/{exam.id}/regrade").status_code == 403
    assert "/pdf/" not in text_of(client.get(f"/exams/{exam.id}"))
    auth.logout()
    auth.login(students[0].username)
    assert client.get("/exams/").status_code == 403
    assert client.get(f"/exams/{exam.id}").status_code == 403


def test_a_teacher_without_a_school_is_offered_no_classes(client, auth, setup, create_user):
    create_user("lonely", role="teacher")
    auth.login("lonely")
    form = text_of(client.get("/exams/new"))
    assert CLASS_NAME not in form and "没有可选的班级" in form
    assert db.session.scalar(select(func.count(SchoolClass.id))) == 1
