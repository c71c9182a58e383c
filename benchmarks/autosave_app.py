"""The product app plus an exam-autosave endpoint, for benchmarks only.

``create_bench_app()`` wraps :func:`exam_server.create_app` and adds

* ``POST /bench/autosave`` -- what an exam autosave does: read the attempt (is it
  still open?), then UPSERT one answer slot, only if its sequence number is newer,
  and commit: one transaction per request;
* ``POST /bench/upsert`` -- the same UPSERT without the read before it;
* ``POST /bench/echo`` -- the control: parse the same JSON, no database.

The tables exist only in the benchmark database (``prepare_database``).
Environment variables, for experiments:

``BENCH_TXN``
    ``product`` (default: what exam_server/database.py does), ``deferred`` (plain
    ``BEGIN``, the product before the change), ``immediate`` (``BEGIN IMMEDIATE``
    always), ``locked`` (``BEGIN IMMEDIATE`` behind a process-wide threading.Lock),
    ``flock`` (the product's rule, but a write request first takes an exclusive
    ``flock`` on a file next to the database, released when its connection goes
    back to the pool: writers in every process queue in the kernel and wake as soon
    as it is free, instead of polling in SQLite's busy handler).
``BENCH_TRACE``
    a folder: each process appends, per request, its wall time, its thread's CPU
    time, the time spent waiting for the write lock and holding it.
``BENCH_TRACE_ROUTES``
    with ``BENCH_TRACE``: each row also gets the request's method and path (digits
    as ``N``) and the Unix time it ended (benchmarks/exam_load.py ``--trace``).
``BENCH_SWITCH_INTERVAL``
    seconds, passed to ``sys.setswitchinterval`` (CPython's default is 0.005).
``BENCH_POOL_SIZE``
    SQLAlchemy pool size; ``exam-server serve`` makes it the waitress thread count.
"""
import fcntl
import os
import re
import sqlite3
import sys
import threading
import time

from flask import abort, request
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from exam_server import create_app, database
from exam_server.extensions import csrf, db

ATTEMPTS = 200
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS bench_attempt (id INTEGER PRIMARY KEY, status TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS bench_response (attempt_id INTEGER NOT NULL, slot INTEGER NOT NULL,"
    " response TEXT NOT NULL, seq INTEGER NOT NULL, saved_at TEXT NOT NULL,"
    " PRIMARY KEY (attempt_id, slot))",
)
UPSERT = text(
    "INSERT INTO bench_response (attempt_id, slot, response, seq, saved_at)"
    " VALUES (:attempt, :slot, :response, :seq, CURRENT_TIMESTAMP)"
    " ON CONFLICT (attempt_id, slot) DO UPDATE SET response = excluded.response,"
    " seq = excluded.seq, saved_at = excluded.saved_at WHERE excluded.seq > bench_response.seq")
ATTEMPT_STATUS = text("SELECT status FROM bench_attempt WHERE id = :attempt")
_STATEMENTS = {"deferred": "BEGIN", "immediate": "BEGIN IMMEDIATE", "locked": "BEGIN IMMEDIATE"}
_process_lock = threading.Lock()


def prepare_database(path: str, attempts: int = ATTEMPTS) -> None:
    """Create the benchmark tables and ``attempts`` open attempts in the SQLite file at ``path``."""
    connection = sqlite3.connect(path)
    with connection:
        for statement in SCHEMA:
            connection.execute(statement)
        connection.executemany("INSERT OR IGNORE INTO bench_attempt VALUES (?, 'open')",
                               [(n,) for n in range(1, attempts + 1)])
    connection.close()


def _use_transaction_strategy(mode: str, lock_file: str = ""):
    """Install the ``begin`` listener for ``mode`` in place of the product's; return it."""
    if mode == "product":
        return database._sqlite_on_begin
    if mode == "flock":
        return _use_file_lock(lock_file)
    statement = _STATEMENTS[mode]
    event.remove(Engine, "begin", database._sqlite_on_begin)

    @event.listens_for(Engine, "begin")
    def begin(connection):
        if mode == "locked":
            _process_lock.acquire()
            connection.connection.info["bench_locked"] = True
        connection.exec_driver_sql(statement)

    @event.listens_for(Pool, "checkin")
    def checkin(dbapi_connection, record):
        # the ORM session gives its connection back right after COMMIT or ROLLBACK
        if record.info.pop("bench_locked", False):
            _process_lock.release()

    return begin


def _use_file_lock(path: str):
    event.remove(Engine, "begin", database._sqlite_on_begin)

    @event.listens_for(Engine, "begin")
    def begin(connection):
        if connection.dialect.name == "sqlite" and database._may_write():
            handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(handle, fcntl.LOCK_EX)
            connection.connection.info["bench_flock"] = handle
        database._sqlite_on_begin(connection)

    @event.listens_for(Pool, "checkin")
    def checkin(dbapi_connection, record):
        handle = record.info.pop("bench_flock", None)
        if handle is not None:
            os.close(handle)  # releases the lock

    return begin


class _Tracer:
    """Per request: wall time, the thread's CPU time, waiting for the write lock, holding it.

    Wall time minus CPU time minus lock waiting is time the thread was runnable
    but had neither the GIL nor a CPU.
    """

    def __init__(self, folder: str, begin_listener, routes: bool = False):
        self.path = os.path.join(folder, f"trace-{os.getpid()}.txt")
        self.routes = routes
        self.local = threading.local()
        self.rows: list[str] = []
        self.rows_lock = threading.Lock()
        # time the listener that issues BEGIN (and waits for the lock) from both sides
        event.remove(Engine, "begin", begin_listener)
        event.listen(Engine, "begin", self.before_begin)
        event.listen(Engine, "begin", begin_listener)
        event.listen(Engine, "begin", self.after_begin)
        event.listen(Pool, "checkin", self.checkin)

    def before_begin(self, connection):
        self.local.begin = time.perf_counter()

    def after_begin(self, connection):
        self.local.locked = time.perf_counter()

    def checkin(self, dbapi_connection, record):
        self.local.released = time.perf_counter()

    def wrap(self, wsgi_app):
        def traced(environ, start_response):
            local = self.local
            local.begin = local.locked = local.released = None
            wall, cpu = time.perf_counter(), time.thread_time()
            body = list(wsgi_app(environ, start_response))
            wall, cpu = time.perf_counter() - wall, time.thread_time() - cpu
            wait = hold = 0.0
            if local.begin and local.locked and local.released:
                wait, hold = local.locked - local.begin, local.released - local.locked
            route = ""
            if self.routes:
                path = re.sub(r"[0-9]+", "N", environ.get("PATH_INFO", ""))
                route = f" {environ.get('REQUEST_METHOD')}:{path} {time.time():.3f}"
            self.record(f"{wall * 1000:.3f} {cpu * 1000:.3f} {wait * 1000:.3f} {hold * 1000:.3f}{route}\n")
            return body
        return traced

    def record(self, row: str) -> None:
        with self.rows_lock:
            self.rows.append(row)
            if len(self.rows) >= 50:
                with open(self.path, "a") as handle:
                    handle.writelines(self.rows)
                self.rows.clear()


def _save(read_first: bool):
    data = request.get_json()
    params = {"attempt": int(data["attempt"]), "slot": int(data["slot"]), "seq": int(data["seq"]),
              "response": request.get_data(as_text=True)}
    if read_first and db.session.execute(ATTEMPT_STATUS, params).scalar() != "open":
        abort(409)
    saved = db.session.execute(UPSERT, params).rowcount == 1
    db.session.commit()
    return {"saved": saved}


def create_bench_app():
    begin_listener = _use_transaction_strategy(os.environ.get("BENCH_TXN", "product"),
                                               os.path.join(os.environ.get("EXAM_SERVER_INSTANCE", "."),
                                                            "write.lock"))
    trace = os.environ.get("BENCH_TRACE")
    tracer = _Tracer(trace, begin_listener, bool(os.environ.get("BENCH_TRACE_ROUTES"))) if trace else None
    if os.environ.get("BENCH_SWITCH_INTERVAL"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH_INTERVAL"]))
    pool_size = os.environ.get("BENCH_POOL_SIZE")
    pool = {"SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": int(pool_size)}} if pool_size else None
    app = create_app(pool)

    @app.post("/bench/autosave")
    @csrf.exempt
    def bench_autosave():
        return _save(read_first=True)

    @app.post("/bench/upsert")
    @csrf.exempt
    def bench_upsert():
        return _save(read_first=False)

    @app.post("/bench/echo")
    @csrf.exempt
    def bench_echo():
        return {"saved": int(request.get_json()["seq"]) > 0}

    if tracer:
        app.wsgi_app = tracer.wrap(app.wsgi_app)
    return app
