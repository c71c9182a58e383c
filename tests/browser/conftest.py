"""A live server on a free port and Debian's Chromium driven by Playwright."""
import shutil
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from exam_server.extensions import db
from exam_server.services import accounts

from ..conftest import PASSWORD, make_app

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture
def live_app(sqlite_template, tmp_path):
    path = tmp_path / "live.sqlite3"
    shutil.copy(sqlite_template, path)
    return make_app(tmp_path, f"sqlite:///{path}")


@pytest.fixture
def live_server(live_app):
    """Base URL of the app served by a real WSGI server in a thread."""
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)
    with live_app.app_context():
        db.engine.dispose()


@pytest.fixture
def make_account(live_app):
    def factory(username, role="teacher", **fields):
        with live_app.app_context():
            accounts.create_user(username=username, password=PASSWORD, role=role, **fields)
            db.session.remove()
        return username
    return factory


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 768}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
