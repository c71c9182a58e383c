"""The /api/v1 exam flow through HTTP: log in, start, save, resume, submit; errors and isolation."""
import json
from datetime import timedelta

import pytest

from exam_server.models import Attempt, Response, utcnow
from exam_server.extensions import db
from exam_server.services import attempts
from tests.exam_fixtures import MAX_SCORE, PASSWORD, grade_all, make_exam, right_response


def api_login(client, username, password=PASSWORD):
    reply = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.get_json()
    return reply.get_json()["csrf_token"]


@pytest.fixture
def exam(app):
    return make_exam(students=2)


def start(client, exam_id, **body):
    return client.post(f"/api/v1/exams/{exam_id}/attempts", json=body)


def key_in_displayed_letters(attempt, slot):
    shown = attempts.attempt_variant(attempt, attempt.exam)
    return shown.slots[slot - 1].item


def test_start_lists_items_without_keys_and_resume_returns_the_same_attempt(client, exam):
    exam_row, students = exam
    api_login(client, students[0].username)
    listed = client.get("/api/v1/exams").get_json()["exams"]
    assert [e["id"] for e in listed] == [exam_row.id] and listed[0]["phase"] == "open"
    first = start(client, exam_row.id)
    assert first.status_code == 201
    body = first.get_json()
    assert [i["slot"] for i in body["items"]] == list(range(1, 12))
    assert {i["type"] for i in body["items"]} == {"single", "multiple", "truefalse", "blank", "short"}
    text = json.dumps(body, ensure_ascii=False)
    for forbidden in ('"answer"', '"explanation"', '"key"', "运算器和控制器", "I=U/R", "2.5±0.1", "scoring"):
        assert forbidden not in text
    assert all(set(i) >= {"slot", "type", "stem", "options", "points"} for i in body["items"])
    again = start(client, exam_row.id)
    assert again.status_code == 200 and again.get_json()["attempt"]["id"] == body["attempt"]["id"]
    assert again.get_json()["items"] == body["items"]


def test_saves_keep_the_highest_seq_and_are_idempotent(client, exam):
    exam_row, students = exam
    api_login(client, students[0].username)
    attempt_id = start(client, exam_row.id).get_json()["attempt"]["id"]
    url = f"/api/v1/attempts/{attempt_id}/responses/1"
    assert client.put(url, json={"response": {"choice": "A"}, "seq": 5}).get_json()["applied"] is True
    stale = client.put(url, json={"response": {"choice": "B"}, "seq": 3}).get_json()
    assert stale == {**stale, "applied": False, "seq": 5}
    repeat = client.put(url, json={"response": {"choice": "A"}, "seq": 5}).get_json()
    assert repeat["applied"] is False and repeat["seq"] == 5
    state = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert state["responses"] == [{"slot": 1, "response": {"choice": "A"}, "seq": 5,
                                   "saved_at": state["responses"][0]["saved_at"]}]
    assert client.put(url, json={"response": {"choice": "C"}, "seq": 6}).get_json()["applied"] is True
    assert db.session.get(Response, (attempt_id, 1)).response == {"choice": "C"}


@pytest.mark.parametrize("body, field", [
    ({"response": {"choice": "Z"}, "seq": 1}, "response.choice"),
    ({"response": {"choice": "A"}, "seq": 0}, "seq"),
    ({"response": {"choice": "A"}, "seq": "7"}, "seq"),
    ({"response": ["A"], "seq": 1}, "response"),
    ({"seq": 1}, "response"),
])
def test_bad_saves_name_the_field_and_change_nothing(client, exam, body, field):
    exam_row, students = exam
    api_login(client, students[0].username)
    attempt_id = start(client, exam_row.id).get_json()["attempt"]["id"]
    reply = client.put(f"/api/v1/attempts/{attempt_id}/responses/1", json=body)
    assert reply.status_code == 422
    error = reply.get_json()["error"]
    assert error["code"] == "invalid" and error["message"].startswith(field)
    assert db.session.get(Response, (attempt_id, 1)) is None


def test_a_slot_past_the_paper_and_a_body_that_is_not_json_are_refused(client, exam):
    exam_row, students = exam
    api_login(client, students[0].username)
    attempt_id = start(client, exam_row.id).get_json()["attempt"]["id"]
    reply = client.put(f"/api/v1/attempts/{attempt_id}/responses/99", json={"response": {}, "seq": 1})
    assert reply.status_code == 422 and reply.get_json()["error"]["message"].startswith("slot")
    reply = client.put(f"/api/v1/attempts/{attempt_id}/responses/1", data="x", content_type="text/plain")
    assert reply.status_code == 400 and reply.get_json()["error"]["code"] == "invalid"


def test_submit_grades_every_objective_item_and_leaves_the_essay_pending(client, exam):
    exam_row, students = exam
    api_login(client, students[0].username)
    attempt_id = start(client, exam_row.id).get_json()["attempt"]["id"]
    attempt = db.session.get(Attempt, attempt_id)
    shown = attempts.attempt_variant(attempt, attempt.exam)
    for number, slot in enumerate(shown.slots, start=1):
        reply = client.put(f"/api/v1/attempts/{attempt_id}/responses/{number}",
                           json={"response": right_response(slot.item.type, slot.key), "seq": number})
        assert reply.status_code == 200
    state = client.post(f"/api/v1/attempts/{attempt_id}/submit").get_json()
    assert state["status"] == "submitted" and state["submitted_by"] == "student"
    # closed at once, graded moments later by the server's background round
    assert state["grading"] is True and state["score"] is None and state["max_score"] is None
    assert client.get(f"/api/v1/attempts/{attempt_id}").get_json()["grading"] is True
    result = client.get(f"/api/v1/attempts/{attempt_id}/result").get_json()
    assert result == {"attempt_id": attempt_id, "exam_id": exam_row.id, "status": "submitted", "level": "score",
                      "grading": True}
    late = client.put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"response": {"choice": "A"}, "seq": 99})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "attempt_closed"
    assert grade_all() == 1
    state = client.get(f"/api/v1/attempts/{attempt_id}").get_json()
    assert state["grading"] is False
    assert state["score"] == MAX_SCORE - 10 and state["max_score"] == MAX_SCORE and state["provisional"] is True
    result = client.get(f"/api/v1/attempts/{attempt_id}/result").get_json()
    assert "grading" not in result and result["level"] == "score"
    assert (result["score"], result["max_score"], result["pending_points"], result["provisional"]) == (
        MAX_SCORE - 10, MAX_SCORE, 10, True)
    again = client.post(f"/api/v1/attempts/{attempt_id}/submit")  # repeating changes nothing
    assert again.status_code == 200 and again.get_json() == {**state, "server_time": again.get_json()["server_time"]}


def test_saves_after_the_grace_window_are_refused_and_earlier_ones_count(client, exam):
    exam_row, students = exam
    api_login(client, students[0].username)
    attempt_id = start(client, exam_row.id).get_json()["attempt"]["id"]
    attempt = db.session.get(Attempt, attempt_id)
    key = key_in_displayed_letters(attempt, 1)
    assert client.put(f"/api/v1/attempts/{attempt_id}/responses/1",
                      json={"response": right_response(key.type, key.answer), "seq": 1}).status_code == 200
    attempt.deadline_at = utcnow() - timedelta(seconds=20)  # within the 30 s grace: still taken
    db.session.commit()
    assert client.put(f"/api/v1/attempts/{attempt_id}/responses/2",
                      json={"response": {"choice": "A"}, "seq": 2}).status_code == 200
    attempt.deadline_at = utcnow() - timedelta(seconds=31)
    db.session.commit()
    late = client.put(f"/api/v1/attempts/{attempt_id}/responses/3", json={"response": {"choice": "A"}, "seq": 3})
    assert late.status_code == 409 and late.get_json()["error"]["code"] == "deadline_passed"
    assert attempts.finalise_overdue() == 1
    db.session.refresh(attempt)
    assert attempt.status == "submitted" and attempt.submitted_by == "server" and attempt.score is None
    assert grade_all() == 1
    assert attempt.score >= 2
    assert {r.slot for r in attempts.responses_of(attempt).values() if r.answered} == {1, 2}


def test_csrf_header_is_required_with_the_session_cookie(client, exam):
    client.application.config["WTF_CSRF_ENABLED"] = True
    exam_row, students = exam
    token = api_login(client, students[0].username)
    refused = start(client, exam_row.id)
    assert refused.status_code == 400 and refused.get_json()["error"]["code"] == "csrf"
    ok = client.post(f"/api/v1/exams/{exam_row.id}/attempts", json={}, headers={"X-CSRFToken": token})
    assert ok.status_code == 201


def test_a_student_sees_only_their_own_attempts(client, exam):
    exam_row, students = exam
    api_login(client, students[0].username)
    attempt_id = start(client, exam_row.id).get_json()["attempt"]["id"]
    client.post("/api/v1/auth/logout")
    api_login(client, students[1].username)
    assert client.get(f"/api/v1/attempts/{attempt_id}").status_code == 404
    reply = client.put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"response": {"choice": "A"}, "seq": 1})
    assert reply.status_code == 404 and db.session.get(Response, (attempt_id, 1)) is None


def test_a_second_pc_is_refused_until_the_proctor_releases_the_first(client, exam, create_user):
    from exam_server.services import proctoring
    exam_row, students = exam
    api_login(client, students[0].username)
    attempt_id = start(client, exam_row.id, device="pc-1").get_json()["attempt"]["id"]
    refused = start(client, exam_row.id, device="pc-2")
    assert refused.status_code == 409 and refused.get_json()["error"]["code"] == "device_locked"
    proctor = create_user("proctor9", role="proctor", school="示范中职学校")
    proctoring.release_device(exam_row, attempt_id, proctor)
    assert start(client, exam_row.id, device="pc-2").status_code == 200
    old = client.put(f"/api/v1/attempts/{attempt_id}/responses/1", json={"response": {"choice": "A"}, "seq": 1},
                     headers={"X-Device-Id": "pc-1"})
    assert old.status_code == 409 and old.get_json()["error"]["code"] == "device_locked"


def test_login_failures_and_anonymous_calls_answer_json(client, exam):
    reply = client.post("/api/v1/auth/login", json={"username": "s001", "password": "wrong"})
    assert reply.status_code == 401 and reply.get_json()["error"]["code"] == "login_failed"
    assert client.get("/api/v1/exams").get_json()["error"]["code"] == "unauthorized"
    assert client.get("/api/v1/nothing").get_json()["error"]["code"] == "not_found"


def test_a_submit_after_the_grace_window_is_recorded_as_the_servers(client, exam):
    exam_row, students = exam
    api_login(client, students[0].username)
    attempt_id = start(client, exam_row.id).get_json()["attempt"]["id"]
    attempt = db.session.get(Attempt, attempt_id)
    attempt.deadline_at = utcnow() - timedelta(seconds=exam_row.grace_seconds + 1)
    db.session.commit()
    state = client.post(f"/api/v1/attempts/{attempt_id}/submit").get_json()
    assert (state["status"], state["submitted_by"], state["grading"], state["score"]) == (
        "submitted", "server", True, None)


def test_with_review_level_none_the_submit_reply_shows_neither_grading_nor_score(client):
    exam_row, students = make_exam(students=1, review_after_submit="none")
    api_login(client, students[0].username)
    attempt_id = start(client, exam_row.id).get_json()["attempt"]["id"]
    state = client.post(f"/api/v1/attempts/{attempt_id}/submit").get_json()
    assert state["status"] == "submitted"
    assert not {"grading", "score", "max_score", "provisional"} & set(state)
    result = client.get(f"/api/v1/attempts/{attempt_id}/result").get_json()
    assert result == {"attempt_id": attempt_id, "exam_id": exam_row.id, "status": "submitted", "level": "none"}
    assert grade_all() == 1  # graded all the same, for the teacher
    assert db.session.get(Attempt, attempt_id).max_score == MAX_SCORE
    assert not {"grading", "score"} & set(client.get(f"/api/v1/attempts/{attempt_id}").get_json())


def test_json_replies_are_utf_8_in_the_order_built(client, exam):
    exam_row, students = exam
    api_login(client, students[0].username)
    reply = start(client, exam_row.id)
    raw = reply.get_data(as_text=True)
    assert "单选第" in raw and "\\u" not in raw
    assert list(reply.get_json()) == ["attempt", "exam", "sections", "items"]
    assert list(reply.get_json()["attempt"])[:3] == ["id", "exam_id", "number"]
