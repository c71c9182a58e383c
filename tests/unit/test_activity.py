"""exam_server.activity: tells background grading whether the process has requests in progress."""
import threading
import time

from flask import Flask

from exam_server import activity


def counted_app():
    app = Flask(__name__)
    activity.init_app(app)
    return app


def test_idle_for_is_zero_while_a_request_is_in_progress_and_grows_after_it_ended():
    app = counted_app()
    seen = []
    app.add_url_rule("/", "probe", lambda: seen.append(activity.idle_for()) or "ok")

    assert app.test_client().get("/").get_data() == b"ok"
    assert seen == [0.0]
    first = activity.idle_for()
    time.sleep(0.05)
    second = activity.idle_for()
    assert 0 <= first < 0.5 and second - first >= 0.04


def test_it_counts_before_any_other_hook_so_an_early_answer_is_counted_too():
    app = counted_app()
    seen = []

    @app.before_request
    def refuse():  # e.g. a CSRF or login check that answers before the view
        seen.append(activity.idle_for())
        return "refused", 403

    assert app.test_client().get("/anything").status_code == 403
    assert seen == [0.0]
    time.sleep(0.01)
    assert activity.idle_for() >= 0.01


def test_a_request_that_raises_still_ends():
    app = counted_app()

    def broken():
        assert activity.idle_for() == 0.0
        raise RuntimeError("boom")

    app.add_url_rule("/", "broken", broken)
    assert app.test_client().get("/").status_code == 500
    time.sleep(0.01)
    assert activity.idle_for() >= 0.01  # not stuck "in progress" for ever


def test_the_process_is_busy_until_the_last_of_overlapping_requests_ends():
    app = counted_app()
    inside, leave = threading.Event(), threading.Event()

    def slow():
        inside.set()
        leave.wait(10)
        return "slow"

    app.add_url_rule("/slow", "slow", slow)
    app.add_url_rule("/quick", "quick", lambda: "quick")
    request = threading.Thread(target=lambda: app.test_client().get("/slow"))
    request.start()
    try:
        assert inside.wait(10)
        assert app.test_client().get("/quick").status_code == 200  # one ends while the other goes on
        time.sleep(0.02)
        assert activity.idle_for() == 0.0
    finally:
        leave.set()
        request.join()
    time.sleep(0.02)
    assert activity.idle_for() >= 0.02


def test_the_exam_server_counts_its_own_requests(app):
    seen = []

    def probe():
        seen.append(activity.idle_for())
        return "ok"

    app.add_url_rule("/probe-activity", "probe_activity", probe)
    assert app.test_client().get("/probe-activity").status_code == 200
    assert seen == [0.0] and activity.idle_for() > 0
