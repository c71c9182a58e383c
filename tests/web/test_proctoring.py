"""The proctor console: each student's state, and the actions (add time, release the PC, force submit,
reopen), each written to the audit log; another school's exam does not exist for a proctor."""
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_server.extensions import db
from exam_server.models import Attempt, ExamEvent, utcnow
from exam_server.services import attempts, exams
from exam_server.services.errors import Refused
from tests.exam_fixtures import MAX_SCORE, SCHOOL, grade_all, make_exam, right_response

OTHER_SCHOOL = "另一所中职学校"


@pytest.fixture
def school(app, create_user):
    """An exam of 示范中职学校 with three students, its teacher and its proctor."""
    teacher = create_user("t1", role="teacher", name="张老师", school=SCHOOL)
    proctor = create_user("p1", role="proctor", name="赵监考", school=SCHOOL)
    exam, students = make_exam(students=3, by=teacher)
    return exam, students, teacher, proctor


def start(exam, student, device="pc-1", address="10.0.0.11"):
    attempt, _started, _ = attempts.start_or_resume(exam, student, device=device, address=address)
    return attempt


def reload(attempt):
    db.session.expire_all()
    return db.session.get(Attempt, attempt.id)


def events(exam, action):
    db.session.expire_all()
    return list(db.session.scalars(select(ExamEvent).where(ExamEvent.exam_id == exam.id,
                                                           ExamEvent.action == action)))


def page_text(response):
    return response.get_data(as_text=True)


def row_of(page, student):
    return re.search(rf'<tr id="student-{student.id}".*?</tr>', page, re.S).group(0)


def answer_first_slots(attempt, count):
    """Answer the first ``count`` slots correctly; returns the points they are worth."""
    paper = attempts.delivered_paper(attempt.paper_id)
    shown = attempts.attempt_variant(attempt, attempt.exam, paper)
    worth = 0.0
    for number, slot in enumerate(shown.slots[:count], start=1):
        attempts.save(attempt.id, attempt.user, number, right_response(slot.item.type, slot.key), number,
                      device="pc-1", address="10.0.0.11")
        worth += paper.sections[slot.section].points_each
    return worth


# ---------------------------------------------------------------- the room

def test_the_console_shows_each_students_state_answered_count_and_pc(client, auth, school):
    exam, students, _teacher, _proctor = school
    working, silent, done = students
    first = start(exam, working)
    answer_first_slots(first, 2)
    lost = start(exam, silent, device="pc-2", address="10.0.0.12")
    lost.last_seen_at = utcnow() - timedelta(minutes=5)
    finished = start(exam, done, device="pc-3", address="10.0.0.13")
    attempts.submit(finished)
    db.session.commit()
    auth.login("p1")
    page = page_text(client.get(f"/exams/{exam.id}/console"))
    assert "作答中" in row_of(page, working) and "已答 2/11" in row_of(page, working)
    assert "10.0.0.11" in row_of(page, working) and "剩 30 分钟" in row_of(page, working)
    assert "失去联系" in row_of(page, silent) and "10.0.0.12" in row_of(page, silent)
    assert "已交卷" in row_of(page, done), row_of(page, done)
    assert "评分中" in row_of(page, done) and f"/ {MAX_SCORE} 分" not in row_of(page, done)  # graded moments later
    assert "评分中" not in row_of(page, working) and "评分中" not in row_of(page, silent)
    assert "重新开放" in row_of(page, done) and "强制交卷" not in row_of(page, done)
    assert 'http-equiv="refresh"' in page and "console.js" in page
    assert grade_all() == 1
    page = page_text(client.get(f"/exams/{exam.id}/console"))
    assert f"0 / {MAX_SCORE} 分" in row_of(page, done) and "评分中" not in row_of(page, done)


def test_the_room_filter_shows_one_class(client, auth, school, create_user):
    exam, students, _teacher, _proctor = school
    create_user("x001", role="student", name="外班学生", school=SCHOOL, class_name="2024级机电1班")
    auth.login("p1")
    page = page_text(client.get(f"/exams/{exam.id}/console?class_id={students[0].class_id}"))
    assert all(f'id="student-{s.id}"' in page for s in students)
    other = page_text(client.get(f"/exams/{exam.id}/console?class_id={students[0].class_id + 99}"))
    assert not any(f'id="student-{s.id}"' in other for s in students) and "这个考场没有考生" in other


# ---------------------------------------------------------------- actions

def test_add_time_moves_the_deadline_and_the_log_records_who_and_when(client, auth, school):
    exam, students, _teacher, proctor = school
    attempt = start(exam, students[0])
    before = attempt.deadline_at
    auth.login("p1")
    response = client.post(f"/exams/{exam.id}/console/add-time", data={"attempt_id": attempt.id, "minutes": "10"},
                           follow_redirects=True)
    assert "已为 1 名考生加时 10 分钟" in page_text(response)
    assert reload(attempt).deadline_at == before + timedelta(minutes=10)
    [event] = events(exam, "add_time")
    assert event.user_id == proctor.id and event.attempt_id == attempt.id and event.detail["minutes"] == 10
    assert abs((utcnow() - event.at).total_seconds()) < 60
    log = page_text(client.get(f"/exams/{exam.id}/log"))
    assert "加时" in log and "赵监考" in log and "延长 10 分钟" in log and students[0].username in log


def test_add_time_for_the_room_reaches_every_open_attempt_only(client, auth, school):
    exam, students, _teacher, _proctor = school
    first, second, finished = (start(exam, s, device=f"pc-{k}") for k, s in enumerate(students))
    attempts.submit(finished)
    deadlines = [first.deadline_at, second.deadline_at, reload(finished).deadline_at]
    auth.login("p1")
    response = client.post(f"/exams/{exam.id}/console/add-time",
                           data={"minutes": "5", "class_id": students[0].class_id}, follow_redirects=True)
    assert "已为 2 名考生加时 5 分钟" in page_text(response)
    assert [reload(a).deadline_at for a in (first, second, finished)] == [
        deadlines[0] + timedelta(minutes=5), deadlines[1] + timedelta(minutes=5), deadlines[2]]
    assert len(events(exam, "add_time")) == 2


@pytest.mark.parametrize("minutes, message", [("abc", "加时分钟数：请填写分钟数（整数）"),
                                              ("", "加时分钟数：请填写分钟数（整数）"),
                                              ("999", "加时分钟数：延长时间须为 1 至 240 分钟")])
def test_bad_minutes_name_the_field_and_change_nothing(client, auth, school, minutes, message):
    exam, students, _teacher, _proctor = school
    attempt = start(exam, students[0])
    before = attempt.deadline_at
    auth.login("p1")
    response = client.post(f"/exams/{exam.id}/console/add-time", data={"attempt_id": attempt.id, "minutes": minutes},
                           follow_redirects=True)
    assert message in page_text(response)
    assert reload(attempt).deadline_at == before and events(exam, "add_time") == []


def test_release_lets_the_student_continue_on_a_second_pc(client, auth, school):
    exam, students, _teacher, proctor = school
    attempt = start(exam, students[0], device="pc-1")
    with pytest.raises(Refused) as refused:
        start(exam, students[0], device="pc-2", address="10.0.0.22")
    assert refused.value.code == "device_locked"
    auth.login("p1")
    response = client.post(f"/exams/{exam.id}/console/release", data={"attempt_id": attempt.id},
                           follow_redirects=True)
    assert "已解除 s001 学生1 的电脑锁定" in page_text(response)
    moved = start(exam, students[0], device="pc-2", address="10.0.0.22")
    assert moved.id == attempt.id and moved.device_id == "pc-2" and moved.client_ip == "10.0.0.22"
    [event] = events(exam, "release_device")
    assert event.user_id == proctor.id and event.detail == {"device": "pc-1", "address": "10.0.0.11"}
    with pytest.raises(Refused) as old_pc:
        attempts.save(attempt.id, students[0], 1, {"choice": "A"}, 1, device="pc-1", address="10.0.0.11")
    assert old_pc.value.code == "device_locked"


def test_force_submit_grades_the_saved_answers(client, auth, school):
    exam, students, _teacher, proctor = school
    attempt = start(exam, students[0])
    worth = answer_first_slots(attempt, 3)
    auth.login("p1")
    response = client.post(f"/exams/{exam.id}/console/force-submit", data={"attempt_id": attempt.id},
                           follow_redirects=True)
    assert "已为 s001 学生1 强制交卷" in page_text(response)
    done = reload(attempt)
    assert (done.status, done.submitted_by, done.score, done.graded_at) == ("submitted", "proctor", None, None)
    assert grade_all() == 1
    done = reload(attempt)
    assert done.score == worth and worth > 0
    [event] = events(exam, "force_submit")
    assert event.user_id == proctor.id and event.attempt_id == attempt.id
    again = client.post(f"/exams/{exam.id}/console/force-submit", data={"attempt_id": attempt.id},
                        follow_redirects=True)
    assert "已经交卷" in page_text(again) and len(events(exam, "force_submit")) == 1


def test_reopen_gives_a_submitted_attempt_time_and_keeps_its_answers(client, auth, school):
    exam, students, teacher, _proctor = school
    attempt = start(exam, students[0])
    answer_first_slots(attempt, 2)
    attempts.submit(attempt)
    assert grade_all() == 1
    auth.login("t1")
    response = client.post(f"/exams/{exam.id}/console/reopen", data={"attempt_id": attempt.id, "minutes": "15"},
                           follow_redirects=True)
    assert "已重新开放 s001 学生1 的作答" in page_text(response)
    opened = reload(attempt)
    assert opened.status == "open" and opened.score is None and opened.graded_at is None
    assert opened.deadline_at >= utcnow() + timedelta(minutes=14)
    assert len(attempts.responses_of(opened)) == 11  # graded rows, the two answers among them
    assert sum(r.answered for r in attempts.responses_of(opened).values()) == 2
    [event] = events(exam, "reopen")
    assert event.user_id == teacher.id and event.detail["minutes"] == 15
    refused = client.post(f"/exams/{exam.id}/console/reopen", data={"attempt_id": attempt.id, "minutes": "15"},
                          follow_redirects=True)
    assert "该考生尚未交卷" in page_text(refused) and len(events(exam, "reopen")) == 1


def test_an_attempt_of_another_exam_is_404(client, auth, school):
    exam, students, teacher, _proctor = school
    now = utcnow()
    other = exams.create_exam(exams.ExamSpec(
        title="第二场", opens_at=now, closes_at=now + timedelta(hours=1), minutes=20,
        paper_ids=[exam.forms[0].paper_id], class_ids=[exam.classes[0].id]), teacher)
    attempt = start(exam, students[0])
    before = attempt.deadline_at
    auth.login("p1")
    for action, data in (("add-time", {"attempt_id": attempt.id, "minutes": "5"}),
                         ("force-submit", {"attempt_id": attempt.id}), ("release", {"attempt_id": attempt.id})):
        assert client.post(f"/exams/{other.id}/console/{action}", data=data).status_code == 404, action
    after = reload(attempt)
    assert (after.deadline_at, after.status, after.device_id) == (before, "open", "pc-1")


# ---------------------------------------------------------------- isolation

def test_another_schools_proctor_gets_404_and_changes_nothing(client, auth, school, create_user):
    exam, students, _teacher, _proctor = school
    create_user("p2", role="proctor", school=OTHER_SCHOOL)
    attempt = start(exam, students[0])
    before = attempt.deadline_at
    auth.login("p2")
    assert f"/exams/{exam.id}" not in page_text(client.get("/exams/"))
    for url in (f"/exams/{exam.id}", f"/exams/{exam.id}/console", f"/exams/{exam.id}/log"):
        assert client.get(url).status_code == 404, url
    for action, data in (("add-time", {"attempt_id": attempt.id, "minutes": "10"}),
                         ("add-time", {"minutes": "10"}), ("release", {"attempt_id": attempt.id}),
                         ("force-submit", {"attempt_id": attempt.id}),
                         ("reopen", {"attempt_id": attempt.id, "minutes": "10"})):
        assert client.post(f"/exams/{exam.id}/console/{action}", data=data).status_code == 404, action
    after = reload(attempt)
    assert (after.deadline_at, after.status, after.device_id) == (before, "open", "pc-1")
    assert db.session.scalars(select(ExamEvent)).all() == []


def test_students_cannot_open_the_console(client, auth, school):
    exam, students, _teacher, _proctor = school
    auth.login(students[0].username)
    assert client.get(f"/exams/{exam.id}/console").status_code == 403
    assert client.post(f"/exams/{exam.id}/console/add-time", data={"minutes": "10"}).status_code == 403
