"""A real exam server in a subprocess on a database of its own, and students' PCs talking JSON to it.

``exam-server serve`` runs here exactly as a school runs it: gunicorn with two
worker processes, each with its finaliser thread, CSRF protection on. The fault
tests kill, stop and restart it while :class:`Student` clients save answers over
HTTP, keeping every save they sent and what the server answered, like the exam
page's queue in the browser.
"""
from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any, Callable, Iterator

from sqlalchemy import select

from exam_server.extensions import db
from exam_server.models import Attempt, Response
from ..conftest import make_app
from ..exam_fixtures import PASSWORD

#: ``python -m exam_server.cli`` does not run (the package has no ``__main__``); this does
SERVE_COMMAND = [sys.executable, "-c", "import sys; from exam_server.cli import main; sys.exit(main())", "serve"]
#: submitted attempts are graded when a worker is idle, or after this long whatever the load (20 s by default)
GRADE_WAIT_SECONDS = 5
INSTANCE_CONFIG = f"""\
SECRET_KEY = "fault-tests-secret-key"
BCRYPT_ROUNDS = 4
FINALISE_INTERVAL_SECONDS = 1
GRADE_WAIT_SECONDS = {GRADE_WAIT_SECONDS}
"""
START_TIMEOUT = 40.0
STOP_TIMEOUT = 30.0
REQUEST_TIMEOUT = 20.0


class Unreachable(Exception):
    """The request got no complete answer (refused, reset, cut off, timed out): its outcome is unknown."""


@dataclass
class Reply:
    status: int
    body: Any

    @property
    def code(self) -> str | None:
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), dict):
            return self.body["error"].get("code")
        return None

    def field(self, name: str) -> Any:
        return self.body.get(name) if isinstance(self.body, dict) else None


def _decoded(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")  # an HTML error page: the status tells what happened


class ApiClient:
    """One browser: a cookie jar, the CSRF token from the login reply and a device id."""

    def __init__(self, base_url: str, device: str):
        self.base_url = base_url
        self.device = device
        self.csrf_token: str | None = None
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def call(self, method: str, path: str, body: Any = None) -> Reply:
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"Accept": "application/json", "X-Device-Id": self.device}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.csrf_token:
            headers["X-CSRFToken"] = self.csrf_token
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with self._opener.open(request, timeout=REQUEST_TIMEOUT) as response:
                return Reply(response.status, _decoded(response.read()))
        except urllib.error.HTTPError as error:
            try:
                return Reply(error.code, _decoded(error.read()))
            except (OSError, http.client.HTTPException) as cut:
                raise Unreachable(f"{method} {path}: {cut!r}") from cut
        except (OSError, http.client.HTTPException) as error:
            raise Unreachable(f"{method} {path}: {error!r}") from error

    def login(self, username: str, password: str = PASSWORD) -> Reply:
        reply = self.call("POST", "/api/v1/auth/login", {"username": username, "password": password})
        assert reply.status == 200, f"login of {username} refused: {reply}"
        self.csrf_token = reply.body["csrf_token"]
        return reply

    def start(self, exam_id: int) -> Reply:
        return self.call("POST", f"/api/v1/exams/{exam_id}/attempts", {})

    def save(self, attempt_id: int, slot: int, response: Any, seq: int) -> Reply:
        return self.call("PUT", f"/api/v1/attempts/{attempt_id}/responses/{slot}", {"response": response, "seq": seq})

    def state(self, attempt_id: int) -> Reply:
        return self.call("GET", f"/api/v1/attempts/{attempt_id}")


# ---------------------------------------------------------------- students

@dataclass
class Save:
    """One save as the exam page queues it, and what became of it (``reply`` None: no complete answer)."""

    slot: int
    seq: int
    response: dict[str, Any]
    reply: Reply | None = None
    sent_at: float = 0.0
    answered_at: float = 0.0

    @property
    def acknowledged(self) -> bool:
        """The server said it has this save, or a newer one of the slot."""
        return (self.reply is not None and self.reply.status == 200
                and isinstance(self.reply.field("seq"), int) and self.reply.field("seq") >= self.seq)


def random_response(rng: random.Random, item: dict[str, Any], tag: str) -> dict[str, Any]:
    """A valid response to ``item`` (as the start reply lists it) in the server's canonical form."""
    ids = [option["id"] for option in item["options"]]
    if item["type"] in ("single", "truefalse"):
        return {"choice": rng.choice(ids)}
    if item["type"] == "multiple":
        return {"choices": sorted(rng.sample(ids, rng.randint(1, len(ids))))}
    if item["type"] == "blank":
        return {"blanks": [f"{tag} 空{k}" for k in range(item["blanks"])]}
    return {"text": f"{tag}：" + "运算器和控制器。" * rng.randint(1, 40)}


class Student:
    """A student's PC: logs in, starts or resumes the exam, and keeps every save it sends."""

    def __init__(self, base_url: str, username: str, exam_id: int, device: str = "pc-1", seed: Any = None):
        self.username, self.exam_id = username, exam_id
        self.client = ApiClient(base_url, device)
        self.rng = random.Random(seed if seed is not None else f"{username}:{device}")
        self.attempt_id: int | None = None
        self.items: list[dict[str, Any]] = []
        self.seq = 0
        self.saves: list[Save] = []
        self._lock = threading.Lock()

    def sign_in(self) -> Reply:
        """Log in and open the exam; returns the start reply (201 new, 200 resumed)."""
        self.client.login(self.username)
        return self.open_exam()

    def open_exam(self) -> Reply:
        reply = self.client.start(self.exam_id)
        assert reply.status in (200, 201), f"{self.username} could not open exam {self.exam_id}: {reply}"
        self.attempt_id = reply.body["attempt"]["id"]
        self.items = reply.body["items"]
        return reply

    def new_save(self, slot: int | None = None, response: dict[str, Any] | None = None,
                 seq: int | None = None) -> Save:
        """The next save (a fresh seq unless given), kept in :attr:`saves`; not sent yet."""
        with self._lock:
            if seq is None:
                self.seq += 1
                seq = self.seq
            slot = slot or self.rng.randint(1, len(self.items))
            if response is None:
                response = random_response(self.rng, self.items[slot - 1], f"{self.username} seq {seq}")
            save = Save(slot, seq, response)
            self.saves.append(save)
        return save

    def send(self, save: Save) -> Save:
        save.sent_at = time.monotonic()
        try:
            save.reply = self.client.save(self.attempt_id, save.slot, save.response, save.seq)
        except Unreachable:
            save.reply = None
        save.answered_at = time.monotonic()
        return save

    def resend(self, save: Save) -> Save:
        """Send a queued save again, as the exam page does with one that got no answer."""
        again = Save(save.slot, save.seq, save.response)
        with self._lock:
            self.saves.append(again)
        return self.send(again)

    def stored(self) -> dict[int, tuple[int, dict[str, Any]]]:
        """Slot → (seq, response) as the server reports them to the student."""
        reply = self.client.state(self.attempt_id)
        assert reply.status == 200, f"state of attempt {self.attempt_id}: {reply}"
        return {r["slot"]: (r["seq"], r["response"]) for r in reply.body["responses"]}

    def latest_sent(self) -> dict[int, Save]:
        """Each slot's save with the highest seq this PC sent."""
        latest: dict[int, Save] = {}
        for save in self.saves:
            if save.slot not in latest or save.seq > latest[save.slot].seq:
                latest[save.slot] = save
        return latest


@contextmanager
def saving(students: list[Student], pause: float = 0.0) -> Iterator[None]:
    """While inside, each student saves random answers in a thread of its own, ``pause`` seconds apart."""
    stop = threading.Event()

    def loop(student: Student) -> None:
        while not stop.is_set():
            if student.send(student.new_save()).reply is None:
                stop.wait(0.02)  # the server is gone: a browser retries later, not in a tight loop
            if pause:
                stop.wait(pause)
    threads = [threading.Thread(target=loop, args=(s,), name=f"saver-{s.username}", daemon=True) for s in students]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=REQUEST_TIMEOUT + 10)


def lost_or_invented(student: Student, stored: dict[int, tuple[int, dict[str, Any]]]) -> list[str]:
    """What the server has that breaks its word: an acknowledged save missing or changed, or a response never sent."""
    problems = []
    for save in student.saves:
        if not save.acknowledged:
            continue
        seq, response = stored.get(save.slot, (0, None))
        if seq < save.seq:
            problems.append(f"{student.username} slot {save.slot}: seq {save.seq} was acknowledged, "
                            f"the server has seq {seq}")
        elif seq == save.seq and response != save.response:
            problems.append(f"{student.username} slot {save.slot} seq {seq}: acknowledged {save.response!r}, "
                            f"the server has {response!r}")
    sent = {(save.slot, save.seq): save.response for save in student.saves}
    for slot, (seq, response) in stored.items():
        if (slot, seq) not in sent or sent[(slot, seq)] != response:
            problems.append(f"{student.username} slot {slot}: the server has seq {seq} {response!r}, "
                            f"which this PC never sent")
    return problems


# ---------------------------------------------------------------- the server

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """``exam-server serve`` with gunicorn in its own process group, so that a signal reaches every worker."""

    def __init__(self, instance: Path, database_uri: str, log_path: Path, workers: int = 2):
        self.instance, self.database_uri, self.log_path, self.workers = instance, database_uri, log_path, workers
        self.port = free_port()  # kept across restarts: the students' browsers know one address
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self) -> None:
        assert not self.running, "the server is already running"
        env = dict(os.environ, EXAM_SERVER_INSTANCE=str(self.instance), DATABASE_URL=self.database_uri)
        command = SERVE_COMMAND + ["--host", "127.0.0.1", "--port", str(self.port), "--server", "gunicorn",
                                   "--workers", str(self.workers)]
        with open(self.log_path, "ab") as log:
            log.write(f"\n=== start {time.strftime('%H:%M:%S')} ===\n".encode())
            log.flush()
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and self.running:
            try:
                with urllib.request.urlopen(self.url + "/login", timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, http.client.HTTPException):
                time.sleep(0.1)
        raise AssertionError(f"the server did not answer GET /login within {START_TIMEOUT} s:\n{self.log_tail()}")

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    def _wait_for_group_to_end(self, timeout: float = 10.0) -> None:
        """Until no process of the group is left (the workers die after the master is reaped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)

    def kill(self) -> None:
        """``kill -9`` the master and every worker at once, as a crash or the OOM killer would.

        The operating system keeps what the processes wrote: this is not a power cut.
        """
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=STOP_TIMEOUT)
        self._wait_for_group_to_end()

    def stop(self) -> int:
        """SIGTERM to the group (what systemd sends); SIGKILL if it does not end. Returns the master's exit code."""
        self._signal_group(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            code = self.process.wait(timeout=STOP_TIMEOUT)
        self._wait_for_group_to_end()
        return code

    def close(self) -> None:
        if self.process is None:
            return
        if self.running:
            self.stop()
        else:
            self._signal_group(signal.SIGKILL)  # a worker left behind by a master that died

    def log_text(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])


class Deployment:
    """An instance folder and a database, the server that serves them, and an in-process app to build and read data."""

    def __init__(self, root: Path, database_uri: str):
        instance = root / "instance"
        instance.mkdir(exist_ok=True)
        (instance / "config.py").write_text(INSTANCE_CONFIG, encoding="utf-8")
        self.database_uri = database_uri
        self.app = make_app(instance, database_uri)
        self.server = ServerProcess(instance, database_uri, root / "server.log")

    @contextmanager
    def database(self) -> Iterator[None]:
        """An app context for building data or reading what the server stored (a fresh session each time)."""
        with self.app.app_context():
            try:
                yield
            finally:
                db.session.remove()

    def run(self, function: Callable[[], Any]) -> Any:
        with self.database():
            return function()

    def stored_responses(self, attempt_id: int) -> dict[int, tuple[int, dict[str, Any]]]:
        """Slot → (seq, response) straight from the database (rows a save made; not those grading adds)."""
        def read():
            rows = db.session.scalars(select(Response).where(Response.attempt_id == attempt_id, Response.seq > 0))
            return {r.slot: (r.seq, r.response) for r in rows}
        return self.run(read)

    def attempt(self, attempt_id: int) -> dict[str, Any]:
        """The attempt's columns as the database holds them now."""
        def read():
            row = db.session.get(Attempt, attempt_id)
            return {column.name: getattr(row, column.key) for column in Attempt.__mapper__.columns}
        return self.run(read)

    def close(self) -> None:
        try:
            self.server.close()
        finally:
            with self.app.app_context():
                db.engine.dispose()
