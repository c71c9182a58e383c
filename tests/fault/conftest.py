"""Fixtures: a migrated database of its own per test (SQLite always, PostgreSQL too when
``TEST_DATABASE_URL`` is set) and a :class:`~tests.fault.harness.Deployment` on it.

On PostgreSQL each test gets a new database copied from a template migrated once per
run, on the server ``TEST_DATABASE_URL`` names; the database it names is never touched.
"""
import secrets
import shutil

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ..conftest import BACKENDS, TEST_DATABASE_URL, _migrate, make_app
from .harness import Deployment


def _admin_engine():
    """A connection to the PostgreSQL server's maintenance database, outside any transaction."""
    return create_engine(make_url(TEST_DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT")


def _url_of(database: str) -> str:
    return make_url(TEST_DATABASE_URL).set(database=database).render_as_string(hide_password=False)


def _drop(engine, database: str) -> None:
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def fault_postgres_template(tmp_path_factory):
    """The name of a migrated, seeded PostgreSQL database to copy; dropped after the run."""
    engine = _admin_engine()
    name = f"fault_template_{secrets.token_hex(4)}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        _migrate(make_app(tmp_path_factory.mktemp("fault-pg"), _url_of(name)))
        yield name
    finally:
        _drop(engine, name)
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_uri(request, tmp_path):
    """A migrated database with the categories seeded and nothing else, for this test alone."""
    if request.param == "sqlite":
        path = tmp_path / "exam.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("fault_postgres_template")
    engine = _admin_engine()
    name = f"fault_{secrets.token_hex(6)}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    try:
        yield _url_of(name)
    finally:
        _drop(engine, name)
        engine.dispose()


@pytest.fixture
def deployment(database_uri, tmp_path):
    """The instance and database, with the server not started yet (``deployment.server.start()``)."""
    deployment = Deployment(tmp_path, database_uri)
    yield deployment
    deployment.close()
