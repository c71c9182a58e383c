"""Fixtures: an app on a fresh database per test, on SQLite always and on
PostgreSQL too when ``TEST_DATABASE_URL`` is set.

The schema is made once per run by Alembic (never ``create_all``); each test
then gets a copy of the migrated SQLite file, or freshly truncated PostgreSQL
tables, with the ten categories seeded.
"""
import os
import shutil

import pytest
from click.testing import CliRunner
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from exam_server import create_app
from exam_server.cli import main as cli_main
from exam_server.cli.setup import upgrade_database
from exam_server.extensions import db
from exam_server.services import accounts, taxonomy

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if TEST_DATABASE_URL else [])
PASSWORD = "secret-pw"


def make_app(instance, uri, **extra):
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": uri, "SECRET_KEY": "test-secret",
              "BCRYPT_ROUNDS": 4, "WTF_CSRF_ENABLED": False}
    config.update(extra)
    os.environ["EXAM_SERVER_INSTANCE"] = str(instance)
    try:
        return create_app(config)
    finally:
        del os.environ["EXAM_SERVER_INSTANCE"]


def _migrate(app):
    with app.app_context():
        upgrade_database()
        taxonomy.seed_categories()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    folder = tmp_path_factory.mktemp("template")
    path = folder / "template.sqlite3"
    _migrate(make_app(folder, f"sqlite:///{path}"))
    return path


@pytest.fixture(scope="session")
def postgres_ready(tmp_path_factory):
    engine = create_engine(TEST_DATABASE_URL)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    _migrate(make_app(tmp_path_factory.mktemp("pg"), TEST_DATABASE_URL))
    return TEST_DATABASE_URL


def _reset_postgres(app):
    with app.app_context():
        tables = [t.name for t in db.metadata.sorted_tables]
        with db.engine.begin() as conn:
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        taxonomy.seed_categories()
        db.session.remove()


@pytest.fixture(params=BACKENDS)
def app(request, tmp_path):
    """A Flask app on a migrated, seeded, empty database of its own."""
    extra = getattr(request, "param_config", None) or {}
    marker = request.node.get_closest_marker("app_config")
    if marker:
        extra.update(marker.kwargs)
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        application = make_app(tmp_path, f"sqlite:///{path}", **extra)
    else:
        application = make_app(tmp_path, request.getfixturevalue("postgres_ready"), **extra)
        _reset_postgres(application)
    ctx = application.app_context()
    ctx.push()
    yield application
    db.session.remove()
    ctx.pop()
    with application.app_context():
        db.engine.dispose()


class FreshGlobalsClient(FlaskClient):
    """Each request starts with an empty ``g``, as in production.

    The fixture keeps one app context pushed so a test body shares the database
    session with the requests it makes; without this, values cached on ``g``
    (the chosen language, the logged-in user, the CSRF token) would leak from
    one request into the next.
    """

    def open(self, *args, **kwargs):
        vars(g._get_current_object()).clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = FreshGlobalsClient
    return app.test_client()


@pytest.fixture
def create_user(app):
    """Factory: ``create_user("t1", role="teacher")`` makes and commits an account."""
    def factory(username, role="teacher", password=PASSWORD, **fields):
        return accounts.create_user(username=username, password=password, role=role, **fields)
    return factory


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, username, password=PASSWORD):
        return self._client.post("/login", data={"username": username, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def teacher(create_user):
    return create_user("teacher1", role="teacher", name="张老师")


@pytest.fixture
def reviewer(create_user):
    return create_user("teacher2", role="teacher", name="李老师")


@pytest.fixture
def admin_user(create_user):
    return create_user("admin", role="admin", name="管理员")


@pytest.fixture
def student(create_user):
    return create_user("s001", role="student", name="王同学", school="示范中职学校", class_name="2024级计算机1班")


@pytest.fixture
def cli(app, monkeypatch, tmp_path):
    """Run ``exam-server ARGS…`` in-process against the test app's database and instance."""
    monkeypatch.setenv("EXAM_SERVER_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", app.config["SQLALCHEMY_DATABASE_URI"])
    runner = CliRunner()

    def invoke(*args):
        db.session.remove()
        return runner.invoke(cli_main, [str(a) for a in args], catch_exceptions=False)
    return invoke
