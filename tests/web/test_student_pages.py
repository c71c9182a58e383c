"""The student's pages: my exams, the exam page's shell, results at each review level."""
import json
import re
from datetime import timedelta

import pytest

from exam_server.extensions import db
from exam_server.models import Attempt, utcnow
from exam_server.services import attempts, exams
from tests.exam_fixtures import MAX_SCORE, grade_all, make_exam, right_response

KEY_TEXTS = ("I=U/R", "2.5±0.1", "运算器和控制器", "scoring", '"answer"', '"key"')


def text_of(response):
    return response.get_data(as_text=True)


def row_html(page, exam_id):
    match = re.search(rf'<tr id="exam-{exam_id}".*?</tr>', page, re.S)
    assert match, f"no row for exam {exam_id}"
    return match.group(0)


def buttons(row):
    return re.findall(r'<a class="btn[^"]*" href="([^"]+)">([^<]+)</a>', row)


def another_exam(exam, title, **fields):
    """A second exam on the same paper and class."""
    spec = exams.ExamSpec(title=title, opens_at=fields.pop("opens_at"), closes_at=fields.pop("closes_at"), minutes=30,
                          paper_ids=[exam.forms[0].paper_id], class_ids=[c.id for c in exam.classes], **fields)
    return exams.create_exam(spec, None)


def sit(exam, student, wrong_slots=(), submit=True, grade=True):
    """Start an attempt and answer every slot correctly (except ``wrong_slots``, answered wrongly); submit it
    and have it graded, as the server does moments after 交卷."""
    attempt, _, _ = attempts.start_or_resume(exam, student, device="pc-1", access_code=exam.access_code)
    shown = attempts.attempt_variant(attempt, exam)
    for number, slot in enumerate(shown.slots, start=1):
        response = right_response(slot.item.type, slot.key)
        if number in wrong_slots:
            assert slot.item.type == "single"
            response = {"choice": next(o.id for o in slot.item.options if o.id != slot.key)}
        attempts.save(attempt.id, student, number, response, number, device="pc-1")
    if submit:
        attempts.submit(attempt)
        if grade:
            assert grade_all() == 1
    return attempt


# ---------------------------------------------------------------- access

def test_only_students_see_the_pages_and_only_their_own_results(client, auth, teacher):
    exam, students = make_exam(students=2, review_after_submit="full")
    attempt = sit(exam, students[0])
    assert client.get("/my/exams").status_code == 302  # not logged in: to the login page
    auth.login(teacher.username)
    for url in ("/my/exams", f"/my/exams/{exam.id}/take", f"/my/attempts/{attempt.id}/result"):
        assert client.get(url).status_code == 403, url
    auth.logout()
    auth.login(students[1].username)
    assert client.get(f"/my/attempts/{attempt.id}/result").status_code == 404
    assert client.get("/my/attempts/999999/result").status_code == 404
    auth.logout()
    auth.login(students[0].username)
    assert client.get(f"/my/attempts/{attempt.id}/result").status_code == 200


def test_the_exam_page_of_an_exam_the_student_does_not_sit_is_404(client, auth, create_user):
    exam, _ = make_exam(students=1)
    create_user("other", role="student", school="另一所学校", class_name="2024级机电1班")
    auth.login("other")
    assert client.get(f"/my/exams/{exam.id}/take").status_code == 404
    assert "单元测验" not in text_of(client.get("/my/exams"))


# ---------------------------------------------------------------- my exams

def test_my_exams_shows_the_right_button_for_each_state(client, auth):
    exam, students = make_exam(students=2)
    now = utcnow()
    upcoming = another_exam(exam, "期中考试", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=1, hours=2))
    closed = another_exam(exam, "上月测验", opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=29))
    coded = another_exam(exam, "口令考试", opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=2),
                         access_code="8421")
    student = students[0]
    auth.login(student.username)

    page = text_of(client.get("/my/exams"))
    assert buttons(row_html(page, exam.id)) == [(f"/my/exams/{exam.id}/take", "开始考试")]
    assert "进行中" in row_html(page, exam.id) and "未作答" in row_html(page, exam.id)
    assert "30 分钟" in row_html(page, exam.id)
    assert buttons(row_html(page, upcoming.id)) == [] and "未开始" in row_html(page, upcoming.id)
    assert buttons(row_html(page, closed.id)) == [] and "已结束" in row_html(page, closed.id)
    assert "未参加" in row_html(page, closed.id)
    assert "需输入考试口令" in row_html(page, coded.id) and "需输入考试口令" not in row_html(page, exam.id)
    # times are local (Asia/Shanghai, UTC+8)
    opens_local = (upcoming.opens_at + timedelta(hours=8)).strftime("%Y-%m-%d %H:%M")
    assert opens_local in row_html(page, upcoming.id)

    attempt = sit(exam, student, submit=False)
    row = row_html(text_of(client.get("/my/exams")), exam.id)
    assert buttons(row) == [(f"/my/exams/{exam.id}/take", "继续作答")] and "作答中" in row

    attempts.submit(attempt)
    row = row_html(text_of(client.get("/my/exams")), exam.id)
    assert buttons(row) == [(f"/my/attempts/{attempt.id}/result", "查看成绩")]
    assert "已交卷（评分中）" in row and f"/ {MAX_SCORE} 分" not in row  # graded moments after 交卷
    assert grade_all() == 1
    row = row_html(text_of(client.get("/my/exams")), exam.id)
    assert buttons(row) == [(f"/my/attempts/{attempt.id}/result", "查看成绩")] and "评分中" not in row
    assert "已交卷" in row and f"{MAX_SCORE - 10} / {MAX_SCORE} 分" in row and "暂定" in row  # the default policy shows the score


def test_a_second_attempt_is_offered_while_attempts_are_left(client, auth):
    exam, students = make_exam(students=1, attempts_allowed=2, review_after_submit="none")
    first = sit(exam, students[0])
    auth.login(students[0].username)
    row = row_html(text_of(client.get("/my/exams")), exam.id)
    assert buttons(row) == [(f"/my/attempts/{first.id}/result", "查看成绩"), (f"/my/exams/{exam.id}/take", "再次作答")]
    assert "已作答 1 次 / 共 2 次" in row
    assert "分）" not in row  # review level none: no score in the list either


def test_an_attempt_whose_time_ran_out_cannot_be_resumed_and_shows_its_score_once_finalised(app, client, auth):
    from exam_server import finaliser
    exam, students = make_exam(students=1)
    attempt = sit(exam, students[0], submit=False)
    attempt.deadline_at = utcnow() - timedelta(seconds=exam.grace_seconds + 5)
    db.session.commit()
    attempt_id = attempt.id
    auth.login(students[0].username)
    row = row_html(text_of(client.get("/my/exams")), exam.id)
    assert buttons(row) == []  # the list only reads; the server's finaliser submits it
    db.session.remove()  # as at the end of a real request: the test shares its session with the client
    assert finaliser.sweep(app) == 1
    row = row_html(text_of(client.get("/my/exams")), exam.id)
    assert buttons(row) == [(f"/my/attempts/{attempt_id}/result", "查看成绩")]
    attempt = db.session.get(Attempt, attempt_id)
    assert attempt.status == "submitted" and attempt.submitted_by == "server"


def test_the_home_page_leads_a_student_to_their_exams(client, auth):
    _, students = make_exam(students=1)
    auth.login(students[0].username)
    page = text_of(client.get("/"))
    assert "欢迎，" in page and 'href="/my/exams"' in page
    assert "目前没有安排给你的考试" not in page


# ---------------------------------------------------------------- the exam page

def exam_config(page):
    match = re.search(r'<script type="application/json" id="exam-config">(.*?)</script>', page, re.S)
    assert match, "no exam config"
    return json.loads(match.group(1))


@pytest.mark.app_config(WTF_CSRF_ENABLED=True)
def test_the_exam_page_is_a_shell_whose_token_the_api_accepts(client):
    exam, students = make_exam(students=1)
    login = client.get("/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text_of(login)).group(1)
    client.post("/login", data={"username": students[0].username, "password": "secret-pw", "csrf_token": token})
    page = text_of(client.get(f"/my/exams/{exam.id}/take"))
    meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)
    assert meta, "no csrf meta"
    config = exam_config(page)
    assert config["exam_id"] == exam.id and config["resume"] is False and config["needs_code"] is False
    assert config["start_url"] == f"/api/v1/exams/{exam.id}/attempts"
    assert config["attempt_url"] == "/api/v1/attempts/{id}" and config["result_url"] == "/my/attempts/{id}/result"
    assert config["strings"]["saving"] == "保存中…" and config["strings"]["types"]["single"] == "单选题"
    assert config["strings"]["saved_at"] == "已保存 {time}"
    assert '/static/exam.js' in page and 'id="exam-start-button"' in page
    # the page's token is what the API wants in X-CSRFToken
    assert client.post(f"/api/v1/exams/{exam.id}/attempts", json={"device": "pc-1"}).status_code == 400
    started = client.post(f"/api/v1/exams/{exam.id}/attempts", json={"device": "pc-1"},
                          headers={"X-CSRFToken": meta.group(1), "X-Device-Id": "pc-1"})
    assert started.status_code == 201
    # resuming: the shell again, still without a single item, key or answer
    page = text_of(client.get(f"/my/exams/{exam.id}/take"))
    assert exam_config(page)["resume"] is True
    for text in KEY_TEXTS + ("单选第", "s0选项"):
        assert text not in page, text


def test_the_access_code_field_shows_before_a_start_but_not_on_resume(client, auth):
    exam, students = make_exam(students=1, access_code="8421")
    auth.login(students[0].username)
    page = text_of(client.get(f"/my/exams/{exam.id}/take"))
    assert exam_config(page)["needs_code"] is True
    assert re.search(r'<div class="field" id="exam-code-field">', page)
    assert "8421" not in page
    sit(exam, students[0], submit=False)
    page = text_of(client.get(f"/my/exams/{exam.id}/take"))
    assert exam_config(page)["needs_code"] is False
    assert re.search(r'id="exam-code-field" style="display:none"', page)


def test_the_exam_page_outside_the_window_says_so_without_a_start(client, auth):
    exam, students = make_exam(students=1)
    now = utcnow()
    upcoming = another_exam(exam, "期中考试", opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=1, hours=2))
    closed = another_exam(exam, "上月测验", opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=29))
    auth.login(students[0].username)
    page = text_of(client.get(f"/my/exams/{upcoming.id}/take"))
    assert "考试尚未开始" in page and "exam.js" not in page and "exam-start-button" not in page
    page = text_of(client.get(f"/my/exams/{closed.id}/take"))
    assert "考试已结束" in page and "exam.js" not in page


def test_the_exam_page_of_a_finished_exam_leads_to_the_result(client, auth):
    exam, students = make_exam(students=1)
    attempt = sit(exam, students[0])
    auth.login(students[0].username)
    reply = client.get(f"/my/exams/{exam.id}/take")
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/my/attempts/{attempt.id}/result")


# ---------------------------------------------------------------- results

def test_an_open_attempt_has_no_result_yet(client, auth):
    exam, students = make_exam(students=1)
    attempt = sit(exam, students[0], submit=False)
    auth.login(students[0].username)
    reply = client.get(f"/my/attempts/{attempt.id}/result")
    assert reply.status_code == 302 and reply.headers["Location"].endswith(f"/my/exams/{exam.id}/take")


def test_review_level_none_shows_only_that_it_was_submitted(client, auth):
    exam, students = make_exam(students=1, review_after_submit="none")
    attempt = sit(exam, students[0])
    auth.login(students[0].username)
    page = text_of(client.get(f"/my/attempts/{attempt.id}/result"))
    assert "已交卷" in page and "成绩将在考试结束后公布" in page
    assert 'id="result-score"' not in page and "得分" not in page and "平均分" not in page
    for text in KEY_TEXTS + ("正确答案", "单选第"):
        assert text not in page, text


def test_review_level_score_shows_the_provisional_total_and_nothing_per_item(client, auth):
    exam, students = make_exam(students=1, review_after_submit="score")
    attempt = sit(exam, students[0], wrong_slots=(1,))
    auth.login(students[0].username)
    page = text_of(client.get(f"/my/attempts/{attempt.id}/result"))
    score = re.search(r'id="result-score">(.*?)</p>', page, re.S).group(1)
    assert f"<strong>{MAX_SCORE - 12}</strong> / {MAX_SCORE}" in score  # less the essay (waiting) and slot 1 (wrong)
    assert "暂定" in score and "10 分" in score
    assert 'id="review-' not in page and "平均分" not in page  # the exam has not closed: no class stats
    for text in KEY_TEXTS + ("正确答案", "单选第"):
        assert text not in page, text


def test_review_level_full_shows_every_item_with_the_key_and_class_stats_after_close(client, auth):
    exam, students = make_exam(students=2, review_after_submit="score", review_after_close="full")
    attempt = sit(exam, students[0], wrong_slots=(1,))
    sit(exam, students[1])
    exam.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    auth.login(students[0].username)
    page = text_of(client.get(f"/my/attempts/{attempt.id}/result"))
    assert f"<strong>{MAX_SCORE - 12}</strong> / {MAX_SCORE}" in page
    assert len(re.findall(r'id="review-\d+"', page)) == 11
    shown = attempts.attempt_variant(attempt, exam)
    first = re.search(r'<div class="item item-single item-review wrong" id="review-1">.*?</table>', page, re.S)
    assert first, "slot 1 is not marked wrong"
    assert f'<td class="key">{shown.slots[0].key}</td>' in first.group(0)
    assert "✗ 错误" in first.group(0)
    assert re.search(r'item-review right" id="review-2"', page)
    essay = next(n for n, s in enumerate(shown.slots, start=1) if s.item.type == "short")
    assert re.search(rf'item-short item-review pending" id="review-{essay}"', page) and "待评分" in page
    assert "I=U/R" in page and "参考答案" in page and "一、单选题" in page
    stats = re.search(r'<table class="grid" id="class-stats".*?</table>', page, re.S).group(0)
    assert re.findall(r"<td>([^<]*)</td>", stats) == ["2024级计算机1班", "2", str(MAX_SCORE - 11),
                                                         str(MAX_SCORE - 10), str(MAX_SCORE - 12)]


REFRESH = re.compile(r'<meta http-equiv="refresh" content="(\d+)">')


def test_the_result_page_says_grading_and_reloads_until_the_score_is_there(client, auth):
    exam, students = make_exam(students=1, review_after_submit="score")
    attempt = sit(exam, students[0], wrong_slots=(1,), grade=False)
    auth.login(students[0].username)
    page = text_of(client.get(f"/my/attempts/{attempt.id}/result"))
    assert '<p class="result-grading" id="result-grading">正在评分，几秒后本页自动刷新显示成绩…</p>' in page
    assert 'id="result-score"' not in page and "得分" not in page
    delays = {int(REFRESH.search(text_of(client.get(f"/my/attempts/{attempt.id}/result"))).group(1))
              for _ in range(20)}
    assert delays <= {4, 5, 6} and len(delays) > 1  # RESULT_REFRESH_SECONDS (5) ± 25 %: not a hall at once
    assert grade_all() == 1
    page = text_of(client.get(f"/my/attempts/{attempt.id}/result"))
    assert 'id="result-grading"' not in page and 'http-equiv="refresh"' not in page
    score = re.search(r'id="result-score">(.*?)</p>', page, re.S).group(1)
    assert f"<strong>{MAX_SCORE - 12}</strong> / {MAX_SCORE}" in score


@pytest.mark.app_config(RESULT_REFRESH_SECONDS=0)
def test_the_result_page_reloads_after_one_second_at_the_least(client, auth):
    exam, students = make_exam(students=1)
    attempt = sit(exam, students[0], grade=False)
    auth.login(students[0].username)
    page = text_of(client.get(f"/my/attempts/{attempt.id}/result"))
    assert REFRESH.search(page).group(1) == "1" and 'id="result-grading"' in page


def test_the_full_review_waits_for_the_grade_too(client, auth):
    exam, students = make_exam(students=1, review_after_submit="full")
    attempt = sit(exam, students[0], grade=False)
    auth.login(students[0].username)
    page = text_of(client.get(f"/my/attempts/{attempt.id}/result"))
    assert 'id="result-grading"' in page and REFRESH.search(page)
    assert 'id="review-' not in page and "正确答案" not in page
    for text in KEY_TEXTS:
        assert text not in page, text
    grade_all()
    page = text_of(client.get(f"/my/attempts/{attempt.id}/result"))
    assert len(re.findall(r'id="review-\d+"', page)) == 11 and not REFRESH.search(page)


def test_with_review_level_none_nothing_says_grading(client, auth):
    exam, students = make_exam(students=1, review_after_submit="none")
    attempt = sit(exam, students[0], grade=False)
    auth.login(students[0].username)
    page = text_of(client.get(f"/my/attempts/{attempt.id}/result"))
    assert "成绩将在考试结束后公布" in page and 'id="result-grading"' not in page and not REFRESH.search(page)
    assert "评分中" not in row_html(text_of(client.get("/my/exams")), exam.id)
