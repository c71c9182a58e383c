"""In Chromium: a student sits an exam: answers are saved, survive a reload and a lost network, the
countdown follows the server (and a proctor's added time), and 交卷 leads to the score.

The app runs with CSRF on, so every call the page makes must carry the token from its meta tag.
Submitting only closes the attempt: the result page says it is grading and reloads itself until the
server's background rounds (the ``grading`` fixture starts them, every half second) have graded it.
"""
import shutil
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_server import finaliser
from exam_server.extensions import db
from exam_server.models import Attempt, Response, utcnow
from exam_server.services import accounts, attempts, proctoring
from question_bank import delivery

from ..conftest import make_app
from ..exam_fixtures import PASSWORD, make_exam, right_response

FLUSH_WAIT_MS = 5_000  # a failed upload is reported at once, not after the 15 s flush limit
SAVED = "document.getElementById('exam-save-state').textContent.indexOf('已保存') === 0"
TIMER_SECONDS = """() => {
  var parts = document.getElementById('exam-timer').textContent.split(':'), total = 0;
  for (var k = 0; k < parts.length; k++) { total = total * 60 + parseInt(parts[k], 10); }
  return total;
}"""


@pytest.fixture
def live_app(sqlite_template, tmp_path):
    """The browser tests' app, with CSRF checks on (the page must send X-CSRFToken)."""
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    return make_app(tmp_path, f"sqlite:///{path}", WTF_CSRF_ENABLED=True,
                    FINALISE_INTERVAL_SECONDS=0.5, RESULT_REFRESH_SECONDS=1)


@pytest.fixture
def grading(live_server, live_app):
    """Call it to start the server's background rounds (closing overdue attempts, grading), as ``serve`` does."""
    threads = []

    def start():
        if not threads:
            threads.append(finaliser.start(live_app))
    yield start
    for thread in threads:
        thread.stop.set()
        thread.join(timeout=10)


GRADED_WAIT_MS = 15_000  # a round every 0.5 s, the result page reloading every second


def grading_then_score(page, grading):
    """The result page says it is grading (nothing grades yet), then shows the score by itself once graded."""
    assert page.locator("#result-grading").inner_text() == "正在评分，几秒后本页自动刷新显示成绩…"
    assert page.locator("#result-score").count() == 0
    assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == "1"
    grading()
    score = page.locator("#result-score")
    score.wait_for(timeout=GRADED_WAIT_MS)  # the page reloads itself: no reload here
    assert page.locator("#result-grading").count() == 0 and page.locator('meta[http-equiv="refresh"]').count() == 0
    return score.inner_text()


@pytest.fixture
def sitting(live_app):
    """An exam open now whose window closes in 20 minutes (so the 30-minute attempt gets 20)."""
    with live_app.app_context():
        exam, students = make_exam(students=2, minutes=30, closes_at=utcnow() + timedelta(minutes=20),
                                   review_after_submit="score")
        ids = {"exam": exam.id, "student": students[0].username}
        db.session.remove()
    return ids


@pytest.fixture
def errors(page):
    found = []
    page.on("pageerror", lambda error: found.append(str(error)))
    return found


def login(page, base, username):
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#submit")
    page.wait_for_url(base + "/")


def start_exam(page, base, sitting):
    login(page, base, sitting["student"])
    page.goto(base + "/my/exams")
    page.click(f"#exam-{sitting['exam']} >> text=开始考试")
    page.wait_for_url(f"{base}/my/exams/{sitting['exam']}/take")
    page.click("#exam-start-button")
    page.wait_for_selector("#exam-items .item")
    assert page.locator("#exam-items .item").count() == 11


def db_state(live_app, fn):
    with live_app.app_context():
        try:
            return fn()
        finally:
            db.session.remove()


def the_attempt(live_app):
    """(attempt id, [(type, displayed key)] by slot) of the only attempt."""
    def read():
        attempt = db.session.scalars(select(Attempt)).one()
        shown = attempts.attempt_variant(attempt, attempt.exam)
        return attempt.id, [(slot.item.type, slot.key) for slot in shown.slots]
    return db_state(live_app, read)


def stored(live_app, attempt_id):
    """slot → stored response of the attempt."""
    return db_state(live_app, lambda: {r.slot: r.response for r in db.session.scalars(
        select(Response).where(Response.attempt_id == attempt_id, Response.seq > 0))})


def slots_of(keys, item_type):
    return [n for n, (kind, _) in enumerate(keys, start=1) if kind == item_type]


def answer(page, slot, item_type, response):
    """Answer through the controls, as a student would."""
    item = f"#item-{slot}"
    if item_type in ("single", "truefalse"):
        page.check(f"{item} input[value='{response['choice']}']")
    elif item_type == "multiple":
        for choice in response["choices"]:
            page.check(f"{item} input[value='{choice}']")
    elif item_type == "blank":
        for index, text in enumerate(response["blanks"]):
            page.fill(f"{item} input.blank-input >> nth={index}", text)
    else:
        page.fill(f"{item} textarea", response["text"])


def shown_response(page, slot, item_type):
    """What the controls of a slot show now, as the API's response shape."""
    item = f"#item-{slot}"
    if item_type in ("single", "truefalse"):
        checked = page.locator(f"{item} input:checked")
        return {"choice": checked.get_attribute("value") if checked.count() else None}
    if item_type == "multiple":
        return {"choices": sorted(e.get_attribute("value") for e in page.locator(f"{item} input:checked").all())}
    if item_type == "blank":
        return {"blanks": [e.input_value() for e in page.locator(f"{item} input.blank-input").all()]}
    return {"text": page.locator(f"{item} textarea").input_value()}


def queued(page, attempt_id):
    return page.evaluate(f"Object.keys(JSON.parse(localStorage.getItem('exam.queue.{attempt_id}') || '{{}}'))")


def test_answers_survive_a_reload_and_submitting_shows_the_score(live_server, live_app, sitting, page, errors,
                                                                grading):
    start_exam(page, live_server, sitting)
    attempt_id, keys = the_attempt(live_app)
    singles, multiples = slots_of(keys, "single"), slots_of(keys, "multiple")
    wrong_single = next(o for o in "ABCD" if o != keys[singles[1] - 1][1])
    answers = {singles[0]: right_response("single", keys[singles[0] - 1][1]),  # 2 points
               singles[1]: {"choice": wrong_single},                          # 0
               multiples[0]: right_response("multiple", keys[multiples[0] - 1][1])}  # 4
    for slot in slots_of(keys, "truefalse") + slots_of(keys, "blank"):        # 2 × 1 + 2 × 3
        answers[slot] = right_response(keys[slot - 1][0], keys[slot - 1][1])
    essay = slots_of(keys, "short")[0]
    answers[essay] = {"text": "运算器、控制器\n（第二行）"}                  # waits for marking
    expected_score = 2 + 4 + 2 * 1 + 2 * 3
    for slot, response in answers.items():
        answer(page, slot, keys[slot - 1][0], response)
    page.wait_for_function(SAVED, timeout=10_000)
    assert page.locator(f"#item-{essay} .item-state").inner_text() == "已保存"
    canonical = {slot: delivery.parse_response(keys[slot - 1][0], 4 if keys[slot - 1][0] != "blank"
                                               else len(keys[slot - 1][1]), response)
                 for slot, response in answers.items()}
    assert stored(live_app, attempt_id) == canonical
    assert page.locator("#exam-grid .grid-slot.answered").count() == len(answers)

    # flag one item; reload: answers, flag and the remaining time come back (20 min left, not the 30 of the paper)
    page.click(f"#item-{singles[2]} .item-flag")
    before, reloaded_at = page.evaluate(TIMER_SECONDS), time.monotonic()
    assert 19 * 60 <= before <= 20 * 60
    page.reload()
    page.wait_for_selector("#exam-items .item")
    page.wait_for_function("document.getElementById('exam-timer').textContent !== '--:--'")
    after = page.evaluate(TIMER_SECONDS)
    assert abs((before - after) - (time.monotonic() - reloaded_at)) <= 3, (before, after)
    for slot, response in canonical.items():
        assert shown_response(page, slot, keys[slot - 1][0]) == response, slot
    assert page.locator("#exam-grid .grid-slot.flagged").count() == 1
    assert page.locator(f"#exam-grid .grid-slot[data-slot='{singles[2]}']").get_attribute("class").count("flagged")

    # 交卷: the confirmation names the unanswered items, then the result shows the score
    unanswered = [n for n in range(1, 12) if n not in answers]
    page.click("#exam-submit")
    dialog = page.locator("#exam-dialog")
    dialog.wait_for(state="visible")
    assert f"以下题目尚未作答：{'、'.join(map(str, unanswered))}" in dialog.inner_text()
    assert f"以下题目带有标记：{singles[2]}" in dialog.inner_text()
    page.click("#exam-confirm-submit")
    page.wait_for_url(f"{live_server}/my/attempts/{attempt_id}/result")
    score = grading_then_score(page, grading)
    assert score.startswith(f"得分：{expected_score} / 34") and "暂定" in score
    assert errors == []


def test_a_proctors_added_time_reaches_the_countdown_within_30_seconds(live_server, live_app, sitting, page, errors):
    start_exam(page, live_server, sitting)
    attempt_id, _ = the_attempt(live_app)
    before = page.evaluate(TIMER_SECONDS)

    def add():
        proctor = accounts.create_user(username="proctor1", password=PASSWORD, role="proctor", school="示范中职学校")
        attempt = db.session.get(Attempt, attempt_id)
        assert proctoring.add_time(attempt.exam, [attempt_id], 10, proctor) == 1
    db_state(live_app, add)
    added_at = time.monotonic()
    page.wait_for_function(f"({TIMER_SECONDS})() >= {before + 9 * 60}", timeout=30_000, polling=500)
    waited = time.monotonic() - added_at
    after = page.evaluate(TIMER_SECONDS)
    assert abs(after - (before + 10 * 60 - waited)) <= 5, (before, after, waited)
    assert "延长" in page.locator("#exam-notice").inner_text()
    assert errors == []


def offline_answers(keys):
    single, truefalse, essay = slots_of(keys, "single")[0], slots_of(keys, "truefalse")[0], slots_of(keys, "short")[0]
    return {single: right_response("single", keys[single - 1][1]), truefalse: {"choice": "F"},
            essay: {"text": "离线时写的答案"}}


def test_answers_made_offline_wait_in_local_storage_and_are_saved_when_the_network_returns(
        live_server, live_app, sitting, page, errors):
    start_exam(page, live_server, sitting)
    attempt_id, keys = the_attempt(live_app)
    answers = offline_answers(keys)
    page.context.set_offline(True)
    for slot, response in answers.items():
        answer(page, slot, keys[slot - 1][0], response)
    page.locator("body").click(position={"x": 5, "y": 5})  # leave the text box: saved on blur
    page.wait_for_function("document.getElementById('exam-save-state').textContent.indexOf('未连接') === 0",
                           timeout=5_000)
    assert sorted(map(int, queued(page, attempt_id))) == sorted(answers)

    page.wait_for_timeout(60_000)  # a minute without the network
    assert stored(live_app, attempt_id) == {}
    assert sorted(map(int, queued(page, attempt_id))) == sorted(answers)
    assert "未连接" in page.locator("#exam-save-state").inner_text()
    assert page.locator(f"#item-{slots_of(keys, 'short')[0]} .item-state").inner_text() == "已暂存在本机，待上传"

    page.context.set_offline(False)
    page.wait_for_function(SAVED, timeout=35_000, polling=250)
    assert queued(page, attempt_id) == []
    assert stored(live_app, attempt_id) == answers
    assert errors == []


def test_a_reload_while_saves_are_queued_loses_nothing(live_server, live_app, sitting, page, errors):
    start_exam(page, live_server, sitting)
    attempt_id, keys = the_attempt(live_app)
    answers = offline_answers(keys)
    page.context.set_offline(True)
    for slot, response in answers.items():
        answer(page, slot, keys[slot - 1][0], response)
    page.locator("body").click(position={"x": 5, "y": 5})
    page.wait_for_function("document.getElementById('exam-save-state').textContent.indexOf('未连接') === 0",
                           timeout=5_000)
    # the server stays unreachable for saves while the page comes back (a reload, a crashed browser)
    page.context.route("**/responses/**", lambda route: route.abort())
    page.context.set_offline(False)
    page.reload()
    page.wait_for_selector("#exam-items .item")
    for slot, response in answers.items():
        assert shown_response(page, slot, keys[slot - 1][0]) == response, slot
    page.wait_for_function("document.getElementById('exam-save-state').textContent.indexOf('未连接') === 0",
                           timeout=10_000)
    assert stored(live_app, attempt_id) == {}
    assert sorted(map(int, queued(page, attempt_id))) == sorted(answers)

    page.context.unroute("**/responses/**")
    page.wait_for_function(SAVED, timeout=35_000, polling=250)
    assert stored(live_app, attempt_id) == answers
    # the seq kept growing across the reload: a later change still replaces the saved one
    page.check(f"#item-{slots_of(keys, 'truefalse')[0]} input[value='T']")
    page.wait_for_function(SAVED, timeout=10_000)
    assert stored(live_app, attempt_id)[slots_of(keys, "truefalse")[0]] == {"choice": "T"}
    assert errors == []


def test_notices_before_the_end_and_time_up_lead_to_the_result(live_server, live_app, sitting, page, errors,
                                                               grading):
    start_exam(page, live_server, sitting)
    attempt_id, keys = the_attempt(live_app)

    def move_deadline(seconds, grace=None):
        def move():
            attempt = db.session.get(Attempt, attempt_id)
            attempt.deadline_at = utcnow() + timedelta(seconds=seconds)
            if grace is not None:
                attempt.exam.grace_seconds = grace
            db.session.commit()
        db_state(live_app, move)
        page.reload()
        page.wait_for_selector("#exam-items .item")

    notice = page.locator("#exam-notice")
    move_deadline(5 * 60 + 2)
    notice.wait_for(state="visible", timeout=5_000)
    assert "还有 5 分钟" in notice.inner_text()
    move_deadline(61)
    notice.wait_for(state="visible", timeout=5_000)
    assert "还有 1 分钟" in notice.inner_text()

    move_deadline(3, grace=2)
    single = slots_of(keys, "single")[0]
    answer(page, single, "single", right_response("single", keys[single - 1][1]))
    page.locator("#exam-dialog").wait_for(state="visible", timeout=6_000)
    assert "考试时间到" in page.locator("#exam-dialog").inner_text()
    assert page.locator(f"#item-{single} input").first.is_disabled()
    page.wait_for_url(f"{live_server}/my/attempts/{attempt_id}/result", timeout=15_000)
    assert page.locator("#result-status").inner_text().startswith("已交卷（考试时间到，系统自动交卷）")
    assert grading_then_score(page, grading).startswith("得分：2 / 34")
    assert page.locator("#result-status").inner_text().startswith("已交卷（考试时间到，系统自动交卷）")
    assert errors == []


def test_the_access_code_and_another_pcs_lock_are_explained(live_server, live_app, browser, page, errors):
    with live_app.app_context():
        exam, students = make_exam(students=1, access_code="8421")
        exam_id, username = exam.id, students[0].username
        db.session.remove()
    login(page, live_server, username)
    page.goto(f"{live_server}/my/exams/{exam_id}/take")
    assert page.locator("#exam-code").is_visible()
    page.fill("#exam-code", "1234")
    page.click("#exam-start-button")
    page.wait_for_function("document.getElementById('exam-start-error').textContent.length > 0")
    assert page.locator("#exam-start-error").inner_text() == "access_code: 考试口令不正确，请向监考老师询问"
    assert page.locator("#exam-items .item").count() == 0
    page.fill("#exam-code", "8421")
    page.click("#exam-start-button")
    page.wait_for_selector("#exam-items .item")

    other_pc = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    try:
        second = other_pc.new_page()
        login(second, live_server, username)
        second.goto(f"{live_server}/my/exams/{exam_id}/take")
        second.wait_for_function("document.getElementById('exam-start-error').textContent.length > 0")
        assert "你已在另一台电脑上开始本场考试" in second.locator("#exam-start-error").inner_text()
        assert second.locator("#exam-items .item").count() == 0
    finally:
        other_pc.close()
    assert errors == []


def test_submitting_with_answers_not_yet_uploaded_asks_first(live_server, live_app, sitting, page, errors, grading):
    grading()  # running all along, as on a real server
    start_exam(page, live_server, sitting)
    attempt_id, keys = the_attempt(live_app)
    single = slots_of(keys, "single")[0]
    page.context.set_offline(True)
    answer(page, single, "single", right_response("single", keys[single - 1][1]))
    page.click("#exam-submit")
    page.click("#exam-confirm-submit")
    dialog = page.locator("#exam-dialog")
    page.wait_for_function("document.getElementById('exam-dialog').textContent.indexOf('还没有上传') >= 0",
                           timeout=FLUSH_WAIT_MS)
    assert "有 1 题的答案还没有上传到服务器" in dialog.inner_text()
    assert dialog.locator("button").all_inner_texts() == ["重试上传", "仍然交卷", "继续作答"]
    assert db_state(live_app, lambda: db.session.get(Attempt, attempt_id).status) == "open"

    page.context.set_offline(False)
    dialog.locator("button", has_text="重试上传").click()
    page.wait_for_url(f"{live_server}/my/attempts/{attempt_id}/result")
    score = page.locator("#result-score")
    score.wait_for(timeout=GRADED_WAIT_MS)  # at once, or after the page's reloads while grading
    assert score.inner_text().startswith("得分：2 / 34")
    assert errors == []
