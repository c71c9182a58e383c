"""Simulated students sitting one exam through the real HTTP API on 127.0.0.1, open loop.

    .venv/bin/python benchmarks/exam_load.py                       # SQLite, every phase (about 6.5 min)
    .venv/bin/python benchmarks/exam_load.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/exam_load
    .venv/bin/python benchmarks/exam_load.py --phases starts,saves --students 500 --save-duration 20

Setup: a fresh instance (``exam-server init --demo``), then, written straight
into the database, one school with ``--students`` students in classes of
``--class-size``, a 55-item paper assembled from the demo 计算机类 default
blueprint and one exam for every class. The first ``--login-students`` students
get a bcrypt hash of cost ``--login-rounds`` (one hash, shared: checking it
costs the same), the others a cost-4 hash so that logging them in for the
later phases is quick. The server is benchmarks/bench_server.py: gunicorn as
``exam-server serve`` runs it (the product's serving code, the finaliser
thread), on the product app plus the benchmark's bare upsert endpoint; with
``--database-url`` (PostgreSQL) the script creates that database, runs
``exam-server init --demo`` in it and drops it at the end.

Phases, in this order (``--phases`` picks some), each printed as a table row:

logins     the first --login-students students log in (POST /api/v1/auth/login) at
           random moments spread evenly over --login-window seconds
starts     the first --start-students students start the exam (POST
           /api/v1/exams/{id}/attempts) within --start-window seconds
baseline   every student "saves" every --save-interval s (± --save-jitter) for
           --save-duration s, to POST /bench/upsert: one UPSERT of one row, no
           login, no checks (benchmarks/autosave_app.py): the physical floor
saves      the same schedule through the API: PUT /api/v1/attempts/{aid}/responses/{slot}
submits    the first --submit-students students submit within --submit-window seconds

Rows marked "(setup)" log in and start the remaining students at a paced rate;
they are not targets. The generator is open loop: every request is sent at its
planned moment whatever the answers to earlier ones, each on a new connection
(gunicorn's sync workers close it after each response), and its latency runs
from the planned moment (no coordinated omission). "lag" is how late the
generator itself sent (p99 / max); large values mean it could not keep up.

Checks: after the saves, the ``response`` rows of the exam equal the distinct
(attempt, slot) pairs whose save was acknowledged (HTTP 200), and each row's
seq is the highest acknowledged for its slot; the same for the baseline table;
after the submits, the submitted attempts equal the acknowledged submits, and
then (submitting only closes an attempt; the server grades in the background)
the time until every one of them is graded.

Columns: requests; window (planned spread, s); done in (first planned send to
last answer, s); req/s (answers per second over "done in"); latency p50 / p99 /
max (ms); errors (non-2xx answers, refused or reset connections, timeouts);
server CPU ms/req (user+system CPU of every server process per request; on
PostgreSQL "db CPU" adds the postgres processes'); generator CPU ms/req; lag.
Linux only (/proc).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from autosave_app import SCHEMA  # noqa: E402
from upsert_load import free_port, group_cpu_seconds, stop, wait_until_ready  # noqa: E402

HOST = "127.0.0.1"
PASSWORD = "bench-pass-1"
PHASES = ("logins", "starts", "baseline", "saves", "submits")
REQUEST_TIMEOUT = 120
GRADING_TIMEOUT = 300  # seconds to wait for the server to grade every submitted attempt
SETUP_LOGINS_PER_SECOND = 150
SETUP_STARTS_PER_SECOND = 100


# ---------------------------------------------------------------- setup


@dataclass
class Student:
    number: int
    username: str
    device: str
    cookies: dict = field(default_factory=dict)
    csrf: str = ""
    attempt: int | None = None
    items: list = field(default_factory=list)  # [(type, option ids, blanks)] by slot - 1
    seq: int = 0


def exam_server(*args: str, env: dict) -> str:
    command = [str(Path(sys.executable).with_name("exam-server")), *args]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True, timeout=600).stdout


def create_postgres_database(url: str) -> None:
    """Create the (new, empty) database named in ``url``; refuse shared names."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if target.database in (None, "", "postgres", "test", "template0", "template1"):
        sys.exit(f"use a database of your own, not {target.database!r}: this script creates and drops it")
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}):
            sys.exit(f"database {target.database!r} exists already: drop it first (dropdb), or name another")
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def drop_postgres_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def populate(args) -> dict:
    """Students, classes, a paper and the exam, written straight into the database; runs in a child process."""
    import bcrypt
    from sqlalchemy import insert, text

    from exam_server import create_app
    from exam_server.extensions import db
    from exam_server.models import School, SchoolClass, User, utcnow
    from exam_server.services import blueprints, exams, papers

    app = create_app()
    with app.app_context():
        school = School(name="压测学校")
        db.session.add(school)
        db.session.flush()
        classes = args.students // args.class_size + (1 if args.students % args.class_size else 0)
        db.session.execute(insert(SchoolClass), [
            {"school_id": school.id, "name": f"压测{k + 1:03d}班"} for k in range(classes)])
        class_ids = list(db.session.scalars(
            text("SELECT id FROM school_class WHERE school_id = :s ORDER BY name"), {"s": school.id}))
        secret = PASSWORD.encode()
        slow = bcrypt.hashpw(secret, bcrypt.gensalt(args.login_rounds)).decode()
        quick = bcrypt.hashpw(secret, bcrypt.gensalt(4)).decode()
        now = utcnow()
        db.session.execute(insert(User), [
            {"username": f"L{n:05d}",
             "password_hash": slow if n < args.login_students and "logins" in args.phases else quick,
             "role": "student", "name": f"考生{n}", "school_id": school.id,
             "class_id": class_ids[n // args.class_size], "is_enabled": True, "must_change_password": False,
             "failed_logins": 0, "created_at": now} for n in range(args.students)])
        for statement in SCHEMA:
            db.session.execute(text(statement))
        db.session.commit()
        paper = papers.assemble_papers(blueprints.resolve("JSJ"), seed=args.seed, forms=1)[0]
        spec = exams.ExamSpec(title="压测考试", opens_at=now - timedelta(minutes=5), closes_at=now + timedelta(hours=6),
                              minutes=args.minutes, paper_ids=[paper.id], class_ids=class_ids)
        exam = exams.create_exam(spec, None)
        return {"exam": exam.id, "paper": paper.id}


# ---------------------------------------------------------------- the HTTP client


@dataclass
class Reply:
    status: int
    headers: list
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class _Exchange(asyncio.Protocol):
    """One request on its own connection; done when the whole response (by Content-Length) is in."""

    def __init__(self, payload: bytes, done: asyncio.Future):
        self.payload, self.done, self.data, self.transport = payload, done, bytearray(), None

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(self.payload)

    def data_received(self, data: bytes) -> None:
        self.data += data
        head_end = self.data.find(b"\r\n\r\n")
        if head_end < 0 or self.done.done():
            return
        head = bytes(self.data[:head_end]).decode("latin-1")
        length = next((int(line.split(":", 1)[1]) for line in head.split("\r\n")[1:]
                       if line.lower().startswith("content-length:")), None)
        if length is not None and len(self.data) >= head_end + 4 + length:
            self.finish()

    def eof_received(self):
        self.finish()
        return False

    def connection_lost(self, exc) -> None:
        if not self.done.done():
            self.done.set_exception(exc or ConnectionError("connection closed before the answer"))

    def finish(self) -> None:
        if not self.done.done():
            self.done.set_result(bytes(self.data))
        # close at once: gunicorn's sync worker waits (up to 2 s) for the client to close its side
        self.transport.close()


class Client:
    """HTTP/1.1, a new connection per request (Connection: close), closed as soon as the answer is in."""

    def __init__(self, port: int):
        self.port = port

    async def request(self, method: str, path: str, body: Any = None, headers: dict | None = None,
                      cookies: dict | None = None) -> Reply:
        payload = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
        lines = [f"{method} {path} HTTP/1.1", f"Host: {HOST}:{self.port}", "Connection: close",
                 f"Content-Length: {len(payload)}"]
        if body is not None:
            lines.append("Content-Type: application/json")
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        request = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
        transport, _ = await loop.create_connection(lambda: _Exchange(request, done), HOST, self.port)
        try:
            data = await done
        finally:
            transport.close()
        head, _, content = data.partition(b"\r\n\r\n")
        if not head:
            raise ConnectionError("empty answer")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        pairs = [line.split(":", 1) for line in header_lines if ":" in line]
        return Reply(int(status_line.split()[1]), [(k.strip().lower(), v.strip()) for k, v in pairs], content)


def take_cookies(student: Student, reply: Reply) -> None:
    for name, value in reply.headers:
        if name == "set-cookie":
            key, _, rest = value.partition("=")
            student.cookies[key] = rest.split(";", 1)[0]


# ---------------------------------------------------------------- running a phase


@dataclass
class Outcome:
    planned: float
    sent: float
    done: float
    error: str = ""


@dataclass
class PhaseResult:
    name: str
    outcomes: list
    window: float
    cpu_server: float
    cpu_db: float | None
    cpu_generator: float
    errors: Counter
    began: float = 0.0  # Unix time, for --trace
    ended: float = 0.0


def postgres_cpu_seconds() -> float:
    """User+system CPU of every postgres process on the machine (other users' too)."""
    ticks = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        name, _, rest = text.partition(") ")
        if name.split("(", 1)[-1] == "postgres":
            fields = rest.split()
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def run_phase(name: str, plan: list[tuple[float, Callable]], window: float, server_pid: int,
                    postgres: bool) -> PhaseResult:
    """Send each ``(offset, action)`` at its planned moment (open loop); ``action()`` returns an error or ''."""
    plan = sorted(plan, key=lambda entry: entry[0])
    outcomes: list[Outcome] = []
    errors: Counter = Counter()
    cpu = (group_cpu_seconds(server_pid), postgres_cpu_seconds() if postgres else None, own_cpu_seconds())
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.2
    began = time.time()

    async def one(planned: float, action: Callable) -> None:
        sent = loop.time()
        try:
            error = await asyncio.wait_for(action(), REQUEST_TIMEOUT)
        except asyncio.TimeoutError:
            error = f"timeout after {REQUEST_TIMEOUT} s"
        except (OSError, ConnectionError, ValueError, IndexError) as problem:
            error = f"{type(problem).__name__}: {problem}"[:120]
        outcomes.append(Outcome(planned, sent - planned, loop.time() - planned, error))
        if error:
            errors[error] += 1

    tasks = []
    for offset, action in plan:
        planned = start + offset
        delay = planned - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.ensure_future(one(planned, action)))
    await asyncio.gather(*tasks)
    cpu_server = group_cpu_seconds(server_pid) - cpu[0]
    cpu_db = postgres_cpu_seconds() - cpu[1] if postgres else None
    for outcome in outcomes:
        outcome.planned -= start
    return PhaseResult(name, outcomes, window, cpu_server, cpu_db, own_cpu_seconds() - cpu[2], errors, began,
                       time.time())


def spread(count: int, window: float, rng: random.Random) -> list[float]:
    """``count`` moments at random, evenly likely over ``window`` seconds."""
    return [rng.uniform(0, window) for _ in range(count)]


# ---------------------------------------------------------------- what students do


def status_error(reply: Reply, *ok: int) -> str:
    if reply.status in ok:
        return ""
    try:
        detail = reply.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        detail = reply.body[:60].decode("utf-8", "replace")
    return f"HTTP {reply.status} {detail}"


def login_action(client: Client, student: Student):
    async def action() -> str:
        reply = await client.request("POST", "/api/v1/auth/login",
                                     {"username": student.username, "password": PASSWORD},
                                     {"X-Device-Id": student.device})
        error = status_error(reply, 200)
        if not error:
            take_cookies(student, reply)
            student.csrf = reply.json()["csrf_token"]
        return error
    return action


def headers_of(student: Student) -> dict:
    return {"X-Device-Id": student.device, "X-CSRFToken": student.csrf}


def start_action(client: Client, student: Student, exam_id: int):
    async def action() -> str:
        if not student.csrf:
            return "not logged in"
        reply = await client.request("POST", f"/api/v1/exams/{exam_id}/attempts", {"device": student.device},
                                     headers_of(student), student.cookies)
        error = status_error(reply, 200, 201)
        if not error:
            take_cookies(student, reply)
            body = reply.json()
            student.attempt = body["attempt"]["id"]
            student.items = [(item["type"], [o["id"] for o in item["options"]], item.get("blanks", 0))
                             for item in body["items"]]
        return error
    return action


def answer(item: tuple, rng: random.Random) -> dict:
    kind, options, blanks = item
    if kind in ("single", "truefalse"):
        return {"choice": rng.choice(options)}
    if kind == "multiple":
        return {"choices": sorted(rng.sample(options, rng.randint(1, len(options))))}
    if kind == "blank":
        return {"blanks": [f"答{k}" for k in range(blanks)]}
    return {"text": "简答：" + "运算器和控制器" * rng.randint(1, 20)}


class Acks:
    """The highest acknowledged seq of each (attempt, slot)."""

    def __init__(self):
        self.seq: dict[tuple[int, int], int] = {}

    def add(self, key: tuple[int, int], seq: int) -> None:
        if seq > self.seq.get(key, 0):
            self.seq[key] = seq


def save_action(client: Client, student: Student, slot: int, response: dict, seq: int, acks: Acks):
    async def action() -> str:
        if student.attempt is None:
            return "not started"
        reply = await client.request("PUT", f"/api/v1/attempts/{student.attempt}/responses/{slot}",
                                     {"response": response, "seq": seq}, headers_of(student), student.cookies)
        error = status_error(reply, 200)
        if not error:
            acks.add((student.attempt, slot), seq)
        return error
    return action


def baseline_action(client: Client, row: int, slot: int, response: dict, seq: int, acks: Acks):
    async def action() -> str:
        reply = await client.request("POST", "/bench/upsert",
                                     {"attempt": row, "slot": slot, "seq": seq, "response": response})
        error = status_error(reply, 200)
        if not error:
            acks.add((row, slot), seq)
        return error
    return action


def submit_action(client: Client, student: Student, submitted: set):
    async def action() -> str:
        if student.attempt is None:
            return "not started"
        reply = await client.request("POST", f"/api/v1/attempts/{student.attempt}/submit", {},
                                     headers_of(student), student.cookies)
        error = status_error(reply, 200)
        if not error:
            if reply.json()["status"] != "submitted":
                return "answered but not submitted"
            submitted.add(student.attempt)
        return error
    return action


def save_schedule(students: list[Student], args, rng: random.Random) -> list[tuple[float, Student, int, int]]:
    """(moment, student, slot, seq): every --save-interval s ± --save-jitter from a random first moment."""
    entries = []
    for student in students:
        moment = rng.uniform(0, args.save_interval)
        while moment < args.save_duration:
            student.seq += 1
            slots = len(student.items) or 55
            entries.append((moment, student, rng.randint(1, slots), student.seq))
            moment += args.save_interval + rng.uniform(-args.save_jitter, args.save_jitter)
    return entries


# ---------------------------------------------------------------- checks


def check_rows(engine, table: str, key: str, acks: Acks, scope: list[int]) -> str:
    from sqlalchemy import text

    stored: dict[tuple[int, int], int] = {}
    with engine.connect() as connection:
        for first in range(0, len(scope), 500):
            chunk = scope[first:first + 500]
            rows = connection.execute(text(f"SELECT {key}, slot, seq FROM {table} WHERE {key} IN ("
                                           + ",".join(str(int(n)) for n in chunk) + ")"))
            stored.update({(a, s): q for a, s, q in rows})
    missing = [k for k in acks.seq if k not in stored]
    extra = [k for k in stored if k not in acks.seq]
    wrong = [k for k in acks.seq if k in stored and stored[k] != acks.seq[k]]
    verdict = "OK" if not (missing or extra or wrong) else "FAILED"
    return (f"{table}: {len(stored):,} rows, {len(acks.seq):,} (row, slot) saves acknowledged; "
            f"missing {len(missing)}, unacknowledged {len(extra)}, seq not the highest acknowledged "
            f"{len(wrong)}: {verdict}")


def _attempt_ids(engine, attempts: list[int], condition: str) -> set:
    from sqlalchemy import text

    found = set()
    with engine.connect() as connection:
        for first in range(0, len(attempts), 500):
            chunk = ",".join(str(int(n)) for n in attempts[first:first + 500])
            found |= set(connection.scalars(text(f"SELECT id FROM attempt WHERE {condition} AND id IN ({chunk})")))
    return found


def check_submitted(engine, attempts: list[int], submitted: set, grading: bool = True) -> str:
    """The submitted attempts equal the acknowledged submits; then wait until the server has graded them all."""
    done = _attempt_ids(engine, attempts, "status = 'submitted'")
    if done != submitted:
        return (f"attempts submitted: {len(done):,}, submits acknowledged: {len(submitted):,}; FAILED")
    if not grading:
        return f"attempts submitted: {len(done):,} = submits acknowledged (no finaliser: not graded); OK"
    started = time.monotonic()
    graded: set = set()
    while time.monotonic() - started < GRADING_TIMEOUT:
        graded = _attempt_ids(engine, attempts, "status = 'submitted' AND graded_at IS NOT NULL")
        if graded == submitted:
            break
        time.sleep(0.5)
    verdict = "OK" if graded == submitted else "FAILED"
    return (f"attempts submitted: {len(done):,} = submits acknowledged; graded by the server (in the "
            f"background) {len(graded):,} within {time.monotonic() - started:.1f} s after the last answer; "
            f"{verdict}")


# ---------------------------------------------------------------- report


def percentile(values: list[float], p: float) -> float:
    return values[min(len(values) - 1, int(p * len(values)))] if values else float("nan")


def header(postgres: bool) -> str:
    names = ["phase", "requests", "window s", "done in s", "req/s", "p50 ms", "p99 ms", "max ms", "errors",
             "server CPU ms/req"]
    if postgres:
        names.append("db CPU ms/req")
    names += ["generator CPU ms/req", "lag p99/max ms"]
    return "| " + " | ".join(names) + " |\n|" + "---|" * len(names)


def row(result: PhaseResult, postgres: bool) -> str:
    outcomes = result.outcomes
    count = max(len(outcomes), 1)
    latencies = sorted(o.done * 1000 for o in outcomes)
    lags = sorted(o.sent * 1000 for o in outcomes)
    span = max((o.planned + o.done for o in outcomes), default=0) - min((o.planned for o in outcomes), default=0)
    failed = sum(1 for o in outcomes if o.error)
    cells = [result.name, f"{len(outcomes):,}", f"{result.window:g}", f"{span:.1f}",
             f"{(len(outcomes) - failed) / span if span else 0:,.0f}",
             f"{percentile(latencies, 0.5):,.0f}", f"{percentile(latencies, 0.99):,.0f}",
             f"{latencies[-1] if latencies else 0:,.0f}", f"{failed:,}", f"{1000 * result.cpu_server / count:.1f}"]
    if postgres:
        cells.append(f"{1000 * (result.cpu_db or 0) / count:.1f}")
    cells += [f"{1000 * result.cpu_generator / count:.1f}",
              f"{percentile(lags, 0.99):,.0f}/{lags[-1] if lags else 0:,.0f}"]
    return "| " + " | ".join(cells) + " |"


def describe(args, postgres: bool) -> str:
    import sqlite3

    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), "?")
    database = "PostgreSQL" if postgres else f"SQLite {sqlite3.sqlite_version}"
    return (f"{os.cpu_count()} cores ({model}); Python {sys.version.split()[0]}; {database}; "
            f"gunicorn {version('gunicorn')}, {args.workers} sync workers; load average "
            f"{os.getloadavg()[0]:.1f} before the run")


def trace_report(folder: Path, results: list[PhaseResult]) -> str:
    """Per phase, inside the app (benchmarks/autosave_app.py's tracer): means and p99 of the wall time,
    the CPU time, the wait for SQLite's write lock (BEGIN IMMEDIATE) and the time from then to the end."""
    rows = []
    for trace in folder.glob("trace-*.txt"):
        for line in trace.read_text().splitlines():
            parts = line.split()
            if len(parts) == 6:
                rows.append((float(parts[5]), parts[4], *map(float, parts[:4])))
    names = ["phase", "route", "requests", "wall mean", "wall p99", "CPU mean", "lock wait mean", "lock wait p99",
             "lock hold mean", "lock hold p99"]
    lines = ["| " + " | ".join(names) + " |", "|" + "---|" * len(names)]
    for result in results:
        by_route = defaultdict(list)
        for moment, route, *values in rows:
            if result.began <= moment <= result.ended:
                by_route[route].append(values)
        for route, values in sorted(by_route.items(), key=lambda pair: -len(pair[1])):
            columns = list(zip(*values))
            wall, cpu, wait, hold = (sorted(column) for column in columns)
            lines.append("| " + " | ".join([
                result.name, route, f"{len(values):,}", f"{sum(wall) / len(wall):.1f}",
                f"{percentile(wall, 0.99):.1f}", f"{sum(cpu) / len(cpu):.1f}", f"{sum(wait) / len(wait):.1f}",
                f"{percentile(wait, 0.99):.1f}", f"{sum(hold) / len(hold):.1f}", f"{percentile(hold, 0.99):.1f}"])
                + " |")
    return "\n".join(lines)


# ---------------------------------------------------------------- main


async def drive(args, port: int, server_pid: int, setup: dict, engine, postgres: bool,
                results: list[PhaseResult]) -> bool:
    client = Client(port)
    rng = random.Random(args.seed)
    students = [Student(n, f"L{n:05d}", f"pc-{n:05d}") for n in range(args.students)]
    exam_id = setup["exam"]
    wanted = set(args.phases)
    ok = True
    print(header(postgres), flush=True)

    def show(result: PhaseResult) -> None:
        nonlocal ok
        ok = ok and not any(o.error for o in result.outcomes)
        results.append(result)
        print(row(result, postgres), flush=True)
        for message, times in result.errors.most_common(5):
            print(f"|   {times:,} × {message} |", flush=True)

    measured = args.login_students if "logins" in wanted else 0
    if measured:
        plan = [(t, login_action(client, s)) for t, s in zip(spread(measured, args.login_window, rng),
                                                              students[:measured])]
        show(await run_phase(f"logins, bcrypt cost {args.login_rounds}", plan, args.login_window, server_pid,
                             postgres))
    rest = students[measured:]
    if rest:
        window = len(rest) / SETUP_LOGINS_PER_SECOND
        plan = [(t, login_action(client, s)) for t, s in zip(spread(len(rest), window, rng), rest)]
        show(await run_phase("(setup) logins, cost 4", plan, window, server_pid, postgres))

    first = args.start_students if "starts" in wanted else 0
    if first:
        plan = [(t, start_action(client, s, exam_id)) for t, s in zip(spread(first, args.start_window, rng),
                                                                       students[:first])]
        show(await run_phase("starts", plan, args.start_window, server_pid, postgres))
    rest = students[first:]
    if rest:
        window = len(rest) / SETUP_STARTS_PER_SECOND
        plan = [(t, start_action(client, s, exam_id)) for t, s in zip(spread(len(rest), window, rng), rest)]
        show(await run_phase("(setup) starts", plan, window, server_pid, postgres))
    sitting = [s for s in students if s.attempt is not None]
    if len(sitting) < len(students):
        print(f"{len(students) - len(sitting):,} students have no attempt; they are left out below")

    if "baseline" in wanted:
        acks = Acks()
        schedule = save_schedule(list(sitting), args, random.Random(args.seed + 1))
        plan = [(t, baseline_action(client, s.number + 1, slot, answer(s.items[slot - 1], rng), seq, acks))
                for t, s, slot, seq in schedule]
        for s in sitting:
            s.seq = 0
        show(await run_phase("baseline: bare upsert", plan, args.save_duration, server_pid, postgres))
        check = check_rows(engine, "bench_response", "attempt_id", acks, [s.number + 1 for s in sitting])
        print("| " + check + " |", flush=True)
        ok = ok and check.endswith("OK")
    if "saves" in wanted:
        acks = Acks()
        schedule = save_schedule(list(sitting), args, random.Random(args.seed + 1))
        plan = [(t, save_action(client, s, slot, answer(s.items[slot - 1], rng), seq, acks))
                for t, s, slot, seq in schedule]
        show(await run_phase("saves (API)", plan, args.save_duration, server_pid, postgres))
        check = check_rows(engine, "response", "attempt_id", acks, [s.attempt for s in sitting])
        print("| " + check + " |", flush=True)
        ok = ok and check.endswith("OK")

    last = min(args.submit_students, len(sitting)) if "submits" in wanted else 0
    if last:
        submitted: set = set()
        chosen = sitting[:last]
        plan = [(t, submit_action(client, s, submitted)) for t, s in zip(spread(last, args.submit_window, rng),
                                                                         chosen)]
        show(await run_phase("submits", plan, args.submit_window, server_pid, postgres))
        check = check_submitted(engine, [s.attempt for s in chosen], submitted, grading=not args.no_finaliser)
        print("| " + check + " |", flush=True)
        ok = ok and check.endswith("OK")
    return ok


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="a PostgreSQL database to create, use and drop (default: SQLite)")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    parser.add_argument("--students", type=int, default=5000)
    parser.add_argument("--class-size", type=int, default=50)
    parser.add_argument("--login-students", type=int, default=3000)
    parser.add_argument("--login-rounds", type=int, default=10, help="bcrypt cost of their passwords")
    parser.add_argument("--login-window", type=float, default=150, help="seconds")
    parser.add_argument("--start-students", type=int, default=3000)
    parser.add_argument("--start-window", type=float, default=10)
    parser.add_argument("--save-interval", type=float, default=10)
    parser.add_argument("--save-jitter", type=float, default=2, help="± seconds around each interval")
    parser.add_argument("--save-duration", type=float, default=60)
    parser.add_argument("--submit-students", type=int, default=3000)
    parser.add_argument("--submit-window", type=float, default=5)
    parser.add_argument("--minutes", type=int, default=120, help="length of the exam")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: exam-server serve's)")
    parser.add_argument("--generator-nice", type=int, default=-10,
                        help="niceness of the load generator (the server keeps 0); see prioritise_generator")
    parser.add_argument("--txn", default="product", help="benchmarks/autosave_app.py's BENCH_TXN (an experiment)")
    parser.add_argument("--no-finaliser", action="store_true",
                        help="run the server without its background thread (nothing is finalised or graded)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--trace", action="store_true",
                        help="time each request inside the app: CPU, SQLite lock wait and hold (a table at the end)")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder (and the database)")
    args = parser.parse_args()
    args.phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(args.phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases: {', '.join(sorted(unknown))}")
    for name in ("login_students", "start_students", "submit_students"):  # at most everyone
        setattr(args, name, min(getattr(args, name), args.students))
    if args.database_url and not args.database_url.startswith("postgresql"):
        parser.error("--database-url: a postgresql+psycopg:// URL (SQLite is the default)")
    if args.workers is None:
        from exam_server import serving
        args.workers = serving.default_workers()
    return args


def prioritise_generator(nice: int) -> None:
    """Give this process (not the server, started before) priority on the shared cores.

    In an exam the browsers run on their own PCs; here the generator shares the two cores
    with the server, and a starved generator sends late and closes late, which holds
    gunicorn's sync workers (each waits for the client to close) and measures itself.
    """
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except PermissionError:
        print(f"could not set the generator's niceness to {nice} (needs root); running at "
              f"{os.getpriority(os.PRIO_PROCESS, 0)}")


def main() -> None:
    args = parse_arguments()
    postgres = bool(args.database_url)
    folder = Path(tempfile.mkdtemp(prefix="exam-load-"))
    env = dict(os.environ, EXAM_SERVER_INSTANCE=str(folder))
    env.pop("DATABASE_URL", None)
    if postgres:
        env["DATABASE_URL"] = args.database_url
        create_postgres_database(args.database_url)
    url = args.database_url or f"sqlite:///{folder / 'exam.sqlite3'}"
    if args.trace:
        env.update(BENCH_TRACE=str(folder), BENCH_TRACE_ROUTES="1")
    env["BENCH_TXN"] = args.txn
    started = time.monotonic()
    ok = False
    results: list[PhaseResult] = []
    try:
        print(describe(args, postgres))
        exam_server("init", "--demo", env=env)
        code = ("import json, sys; sys.path[:0] = sys.argv[1:3]; import exam_load, argparse; "
                "print(json.dumps(exam_load.populate(argparse.Namespace(**json.loads(sys.argv[3])))))")
        output = subprocess.run([sys.executable, "-c", code, str(HERE), str(HERE.parent), json.dumps(vars(args))],
                                env=env, check=True, capture_output=True, text=True, timeout=600).stdout
        setup = json.loads(output.strip().splitlines()[-1])
        print(f"{args.students:,} students in classes of {args.class_size}, exam {setup['exam']} on a 55-item "
              f"计算机类 paper; setup {time.monotonic() - started:.0f} s\n", flush=True)
        port = free_port()
        command = [sys.executable, str(HERE / "bench_server.py"), "--server", "gunicorn", "--port", str(port),
                   "--workers", str(args.workers)] + ([] if args.no_finaliser else ["--finaliser"])
        with open(folder / "server.log", "w") as log:
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        from sqlalchemy import create_engine
        engine = create_engine(url)
        try:
            wait_until_ready(f"http://{HOST}:{port}/login", process)
            prioritise_generator(args.generator_nice)
            ok = asyncio.run(drive(args, port, process.pid, setup, engine, postgres, results))
        finally:
            stop(process)
            engine.dispose()
        if args.trace:
            print("\nInside the app, ms (--trace):\n" + trace_report(folder, results))
        server_log = (folder / "server.log").read_text(errors="replace")
        tracebacks = server_log.count("Traceback")
        if tracebacks or "WORKER TIMEOUT" in server_log:
            ok = False
            print(f"\nserver log: {tracebacks} tracebacks, {server_log.count('WORKER TIMEOUT')} worker timeouts; "
                  "the first:\n" + server_log[server_log.find("Traceback"):][:3000])
    finally:
        if not args.keep:
            if postgres:
                drop_postgres_database(args.database_url)
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"kept {folder}")
    print(f"\n{'all checks passed, 0 errors' if ok else 'ERRORS or FAILED checks above'}; "
          f"total {time.monotonic() - started:.0f} s")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
