"""Database URL defaults and the SQLite settings every connection gets."""
import os
import sqlite3
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

SQLITE_FILE = "exam.sqlite3"
#: requests with these methods take SQLite's write lock when their transaction begins
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def configure(app: Flask) -> None:
    """Point an unconfigured app at ``instance/exam.sqlite3`` and normalise PostgreSQL URLs."""
    os.makedirs(app.instance_path, exist_ok=True)
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + os.path.join(app.instance_path, SQLITE_FILE)
    elif uri.startswith(("postgres://", "postgresql://")):
        # psycopg 3 is the driver we ship; the bare scheme would ask for psycopg2
        uri = "postgresql+psycopg://" + uri.split("://", 1)[1]
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    if uri.startswith("sqlite"):
        # pysqlite's timeout is SQLite's busy timeout
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("timeout", app.config["SQLITE_BUSY_TIMEOUT_MS"] / 1000)
        options["connect_args"] = connect_args
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """WAL, synchronous=NORMAL and foreign keys on every SQLite connection.

    pysqlite's own transaction handling is switched off so that SQLAlchemy's
    ``begin`` below decides when a transaction starts.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


_writing: ContextVar[bool] = ContextVar("sqlite_writing", default=False)


@contextmanager
def writing():
    """Work outside a request (the finaliser, a command) whose transactions write: BEGIN IMMEDIATE."""
    token = _writing.set(True)
    try:
        yield
    finally:
        _writing.reset(token)


_reading: ContextVar[bool] = ContextVar("sqlite_reading", default=False)


@contextmanager
def reading():
    """A write request's reading after its commit (the reply's body): plain BEGIN, no write lock."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def _may_write() -> bool:
    if _reading.get():
        return False
    return _writing.get() or (has_request_context() and request.method in WRITE_METHODS)


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(connection):
    """``BEGIN IMMEDIATE`` in a request that may write, a plain (deferred) ``BEGIN`` elsewhere.

    A deferred transaction that has read cannot wait for the write lock later:
    SQLite answers SQLITE_BUSY at once, ignoring the busy timeout, whenever
    another connection holds the lock or has committed since the read. Under
    load most read-then-write requests (an autosave checks its attempt first)
    would fail; taking the lock at BEGIN lets the busy timeout queue them.
    GET pages and the CLI stay deferred so that readers never wait for writers;
    background work that writes runs inside :func:`writing`.
    Measurements: docs/PERFORMANCE.md.
    """
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE" if _may_write() else "BEGIN")
