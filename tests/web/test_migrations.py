"""Alembic owns the schema: the chain runs from empty to head and matches the models."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade
from sqlalchemy import inspect

from exam_server.cli.setup import migrations_dir, upgrade_database
from exam_server.extensions import db


def _diff():
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def test_chain_from_empty_database_to_head_matches_models(app):
    db.session.remove()
    downgrade(directory=migrations_dir(), revision="base")
    assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade_database()
    tables = set(inspect(db.engine).get_table_names())
    assert {"user_account", "item", "item_version", "category", "subject", "knowledge_point"} <= tables
    assert _diff() == []


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
