"""Faults during a timed exam, against a real ``exam-server serve`` (gunicorn, two workers, CSRF on).

The promise under test: an answer the server acknowledged is never lost. Acknowledged
means HTTP 200 with a reply ``seq`` at least the one sent; the server may then hold
that save or a newer one of the slot, never an older one and never a different
response under the same seq. The tests kill the server with SIGKILL and stop it with
SIGTERM while students save, keep a student offline for a minute, let two PCs race on
one slot, and let the deadline pass with nobody at the keyboard.

``FAULT_OFFLINE_SECONDS`` shortens the offline minute when running these by hand.
"""
from __future__ import annotations

import itertools
import os
import random
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from exam_server import serving
from exam_server.extensions import db
from exam_server.models import Attempt, ExamEvent, Response, utcnow
from exam_server.services import attempts, exams
from tests import exam_fixtures
from tests.exam_fixtures import MAX_SCORE, right_response

from .harness import GRADE_WAIT_SECONDS, ApiClient, Student, lost_or_invented, saving

pytestmark = pytest.mark.skipif(not serving.gunicorn_available(),
                                reason="the fault tests run gunicorn and signal its process group (POSIX)")

#: "a client offline for a minute"
OFFLINE_SECONDS = float(os.environ.get("FAULT_OFFLINE_SECONDS", "60"))
#: acknowledged saves each student has before the server is interrupted
SAVES_BEFORE_FAULT = 25
#: the timed exam closes this long after it is made; its attempts end then
CLOSES_IN_SECONDS = 8
GRACE_SECONDS = 3
#: the finaliser sweeps every second in each worker; allow for a slow machine
FINALISE_WAIT_SECONDS = 15


def make_exam(deployment, students: int, **fields) -> tuple[int, list[str]]:
    """The fixture exam for ``students`` students of one class; returns its id and their usernames."""
    def build():
        exam, people = exam_fixtures.make_exam(students=students, **fields)
        return exam.id, [person.username for person in people]
    return deployment.run(build)


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting {timeout} s for {what}"
        time.sleep(0.05)


def sleep_until(moment) -> None:
    """Sleep until the UTC datetime ``moment`` (the server runs on this machine's clock)."""
    remaining = (moment - utcnow()).total_seconds()
    if remaining > 0:
        time.sleep(remaining)


def acknowledged_count(student: Student) -> int:
    return sum(1 for save in list(student.saves) if save.acknowledged)


def refused_or_failed(students: list[Student]) -> list[str]:
    """Every complete answer to a save that was not a 200: with the server up, each one is a fault."""
    return [f"{s.username} slot {save.slot} seq {save.seq}: {save.reply}"
            for s in students for save in s.saves if save.reply is not None and save.reply.status != 200]


def server_errors(deployment) -> list[str]:
    """What the server logged as failing: each traceback as "message → exception", and gunicorn's [ERROR] lines.

    A 500 or a finaliser round that fails shows here; the list is empty when all went well.
    """
    lines = deployment.server.log_text().splitlines()
    found = [line for line in lines if "[ERROR]" in line or "[CRITICAL]" in line]
    for number, line in enumerate(lines):
        if line.startswith("Traceback") and number and lines[number - 1].strip():  # the first of a chain
            cause = next((later for later in lines[number + 1:] if later and not later[0].isspace()), "")
            found.append(f"{lines[number - 1]} → {cause}")
    return found


def save_until_interrupted(students: list[Student], interrupt) -> float:
    """Students save continuously; once each has SAVES_BEFORE_FAULT acknowledged, ``interrupt()`` mid-stream.

    Returns the moment (``time.monotonic()``) of the interruption.
    """
    with saving(students):
        wait_until(lambda: all(acknowledged_count(s) >= SAVES_BEFORE_FAULT for s in students), 60,
                   f"{SAVES_BEFORE_FAULT} acknowledged saves per student")
        time.sleep(random.uniform(0.05, 0.3))
        interrupted_at = time.monotonic()
        interrupt()
    return interrupted_at


def check_stored_against_sent(deployment, students: list[Student]) -> None:
    """What the student sees and the database holds agree, and both keep every acknowledged save."""
    problems = []
    for student in students:
        over_http = student.stored()
        in_database = deployment.stored_responses(student.attempt_id)
        assert in_database == over_http, f"{student.username}: the API and the database disagree"
        problems += lost_or_invented(student, over_http)
    assert not problems, "\n".join(problems)


def replay_queue(student: Student) -> None:
    """Send again, in seq order, every save that got no answer (the exam page's queue after a reconnect)."""
    for save in sorted([s for s in student.saves if s.reply is None], key=lambda s: s.seq):
        again = student.resend(save)
        assert again.acknowledged, f"{student.username} slot {save.slot} seq {save.seq} resent: {again.reply}"


def check_latest_stored(deployment, student: Student) -> None:
    """Each slot holds the newest save this PC sent: over HTTP and in the database."""
    expected = {slot: (save.seq, save.response) for slot, save in student.latest_sent().items()}
    assert student.stored() == expected
    assert deployment.stored_responses(student.attempt_id) == expected


# ---------------------------------------------------------------- kill -9 and SIGTERM mid-exam

def test_kill_9_while_students_save_loses_no_acknowledged_answer(deployment):
    deployment.server.start()
    exam_id, usernames = make_exam(deployment, students=5)
    students = [Student(deployment.server.url, username, exam_id) for username in usernames]
    for student in students:
        assert student.sign_in().status == 201

    killed_at = save_until_interrupted(students, deployment.server.kill)

    assert not refused_or_failed(students), "\n".join(refused_or_failed(students))
    in_flight = [save for s in students for save in s.saves if save.reply is None and save.sent_at < killed_at]
    print(f"before the kill: {sum(map(acknowledged_count, students))} saves acknowledged, "
          f"{len(in_flight)} in flight")
    assert in_flight, "the kill came between requests: it tested nothing"

    deployment.server.start()
    for student in students:
        student.client = ApiClient(deployment.server.url, student.client.device)
        student.client.login(student.username)
        assert deployment.attempt(student.attempt_id)["status"] == "open"
    check_stored_against_sent(deployment, students)

    for student in students:
        replay_queue(student)
        check_latest_stored(deployment, student)
    assert not server_errors(deployment), "\n".join(server_errors(deployment))


def test_a_clean_stop_mid_exam_and_a_restart_resume_every_attempt_with_its_saves(deployment):
    deployment.server.start()
    exam_id, usernames = make_exam(deployment, students=3)
    students = [Student(deployment.server.url, username, exam_id) for username in usernames]
    first_items = {}
    for student in students:
        started = student.sign_in()
        assert started.status == 201
        first_items[student.username] = started.body["items"]

    exit_codes = []
    save_until_interrupted(students, lambda: exit_codes.append(deployment.server.stop()))
    assert exit_codes == [0], deployment.server.log_tail()
    assert not refused_or_failed(students), "\n".join(refused_or_failed(students))

    deployment.server.start()
    for student in students:
        # the same browser, cookie and PC: the page just asks for its attempt again
        attempt_id = student.attempt_id
        resumed = student.open_exam()
        assert resumed.status == 200, resumed
        assert resumed.body["attempt"]["id"] == attempt_id
        assert resumed.body["attempt"]["status"] == "open"
        assert resumed.body["items"] == first_items[student.username]
    check_stored_against_sent(deployment, students)

    for student in students:
        replay_queue(student)
        assert student.send(student.new_save()).acknowledged
        check_latest_stored(deployment, student)
    assert not server_errors(deployment), "\n".join(server_errors(deployment))


# ---------------------------------------------------------------- a client offline for a minute

def test_a_client_offline_for_a_minute_sends_its_queue_and_all_of_it_is_saved(deployment):
    deployment.server.start()
    exam_id, (username, classmate_name) = make_exam(deployment, students=2)
    student = Student(deployment.server.url, username, exam_id)
    classmate = Student(deployment.server.url, classmate_name, exam_id)
    student.sign_in()
    classmate.sign_in()
    for _ in range(3):
        assert student.send(student.new_save()).acknowledged
    seen_before = deployment.attempt(student.attempt_id)["last_seen_at"]

    queue = []
    back_online = time.monotonic() + OFFLINE_SECONDS
    with saving([classmate], pause=0.5):  # the server keeps serving the rest of the room meanwhile
        while time.monotonic() < back_online:
            queue.append(student.new_save())  # answered on screen, kept in the page's queue
            time.sleep(min(OFFLINE_SECONDS / 30, max(0.0, back_online - time.monotonic())))
    assert len({save.slot for save in queue}) < len(queue), "the queue should change some slot twice"

    offline = deployment.attempt(student.attempt_id)
    assert offline["status"] == "open" and offline["last_seen_at"] == seen_before

    for save in queue:
        reply = student.send(save).reply
        assert reply is not None and reply.status == 200, f"queued seq {save.seq}: {reply}"
        assert reply.body["applied"] is True and reply.body["seq"] == save.seq
    check_latest_stored(deployment, student)
    assert deployment.attempt(student.attempt_id)["last_seen_at"] > seen_before

    latest = student.latest_sent()
    for save in queue:  # the page did not see the answers and sends the queue again: nothing changes
        reply = student.resend(save).reply
        assert reply.status == 200 and reply.body["applied"] is False
        assert reply.body["seq"] == latest[save.slot].seq
    check_latest_stored(deployment, student)

    assert acknowledged_count(classmate) >= OFFLINE_SECONDS // 2 - 2
    assert not refused_or_failed([student, classmate]), "\n".join(refused_or_failed([student, classmate]))
    check_latest_stored(deployment, classmate)
    assert not server_errors(deployment), "\n".join(server_errors(deployment))


# ---------------------------------------------------------------- two PCs, one slot

def test_two_devices_racing_on_the_same_slots_keep_the_highest_seq(deployment):
    deployment.server.start()
    exam_id, (username,) = make_exam(deployment, students=1, single_device=False)
    pcs = [Student(deployment.server.url, username, exam_id, device=f"pc-{name}") for name in ("a", "b")]
    assert pcs[0].sign_in().status == 201
    assert pcs[1].sign_in().status == 200
    assert pcs[0].attempt_id == pcs[1].attempt_id
    attempt_id = pcs[0].attempt_id
    essay = next(item["slot"] for item in pcs[0].items if item["type"] == "short")
    blanks = {item["slot"]: item["blanks"] for item in pcs[0].items if item["type"] == "blank"}
    contested = [essay, *blanks]

    counter, counter_lock = itertools.count(1), threading.Lock()

    def take() -> int:
        with counter_lock:
            return next(counter)

    def response(pc: Student, slot: int, seq: int) -> dict:
        text = f"{pc.client.device} 第 {seq} 次保存"
        if slot == essay:
            return {"text": text}
        return {"blanks": [text] + [""] * (blanks[slot] - 1)}

    def race(pc: Student) -> None:
        for _ in range(40):
            seq = take()
            slot = pc.rng.choice(contested)
            save = pc.new_save(slot=slot, response=response(pc, slot, seq), seq=seq)
            time.sleep(pc.rng.uniform(0, 0.03))  # a slow network: a seq taken earlier may arrive later
            pc.send(save)
    threads = [threading.Thread(target=race, args=(pc,)) for pc in pcs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    raced = [save for pc in pcs for save in pc.saves]
    print(f"{sum(1 for save in raced if save.reply and save.reply.field('applied') is False)} of {len(raced)} "
          f"saves arrived after a newer one")

    # one PC's saves held up until the other has saved something newer
    a, b = pcs
    held = [a.new_save(slot=essay, response=response(a, essay, seq), seq=seq) for seq in (take(), take(), take())]
    newer_seq = take()
    newer = b.send(b.new_save(slot=essay, response=response(b, essay, newer_seq), seq=newer_seq))
    assert newer.reply.status == 200 and newer.reply.body == {**newer.reply.body, "applied": True, "seq": newer_seq}
    for save in held:
        reply = a.send(save).reply
        assert reply.status == 200 and reply.body["applied"] is False and reply.body["seq"] == newer_seq

    every = [save for pc in pcs for save in pc.saves]
    assert not refused_or_failed(pcs), "\n".join(refused_or_failed(pcs))
    sent = {(save.slot, save.seq) for save in every}
    for save in every:
        stored_seq, applied = save.reply.body["seq"], save.reply.body["applied"]
        assert stored_seq >= save.seq and applied == (stored_seq == save.seq), save
        assert (save.slot, stored_seq) in sent, f"seq {stored_seq} of slot {save.slot} was never sent"
    for earlier in every:  # a reply never reports an older seq than one already reported before it was sent
        for later in every:
            if later.slot == earlier.slot and earlier.answered_at < later.sent_at:
                assert later.reply.body["seq"] >= earlier.reply.body["seq"], (earlier, later)

    highest = {}
    for save in every:
        if save.slot not in highest or save.seq > highest[save.slot].seq:
            highest[save.slot] = save
    expected = {slot: (save.seq, save.response) for slot, save in highest.items()}
    assert highest[essay] is newer
    assert a.stored() == expected == b.stored()
    assert deployment.stored_responses(attempt_id) == expected
    assert not server_errors(deployment), "\n".join(server_errors(deployment))


# ---------------------------------------------------------------- the deadline passes with nobody at the PC

def _wrong(kind: str, key) -> dict:
    if kind == "single":
        return {"choice": next(letter for letter in "ABCD" if letter != key)}
    if kind == "truefalse":
        return {"choice": "F" if key else "T"}
    if kind == "multiple":
        return {"choices": sorted(set(key) | {next(letter for letter in "ABCD" if letter not in key)})}
    return {"blanks": ["不知道"] * len(key)}


def _displayed(deployment, attempt_id: int) -> dict[str, tuple[int, str, object]]:
    """Item uid → (slot, type, key in the letters this student sees)."""
    def read():
        attempt = db.session.get(Attempt, attempt_id)
        shown = attempts.attempt_variant(attempt, attempt.exam)
        return {slot.uid: (number, slot.item.type, slot.key) for number, slot in enumerate(shown.slots, start=1)}
    return deployment.run(read)


def test_the_server_finalises_and_grades_attempts_whose_deadline_passed_while_offline(deployment):
    """A and B stop sending before their deadline; the rest of the room, in a later exam, keeps saving."""
    deployment.server.start()
    closes_at = utcnow() + timedelta(seconds=CLOSES_IN_SECONDS)

    def build():
        exam, people = exam_fixtures.make_exam(students=5, closes_at=closes_at, grace_seconds=GRACE_SECONDS)
        now = utcnow()
        later = exams.create_exam(exams.ExamSpec(
            title="补考", opens_at=now - timedelta(minutes=1), closes_at=now + timedelta(hours=2), minutes=60,
            paper_ids=[form.paper_id for form in exam.forms], class_ids=[people[0].class_id]), None)
        return exam.id, later.id, [person.username for person in people]
    exam_id, later_id, usernames = deployment.run(build)
    a, b = (Student(deployment.server.url, username, exam_id) for username in usernames[:2])
    room = [Student(deployment.server.url, username, later_id) for username in usernames[2:]]
    for student in (a, b, *room):
        student.sign_in()
    deadline = deployment.attempt(a.attempt_id)["deadline_at"]
    assert deadline == closes_at == deployment.attempt(b.attempt_id)["deadline_at"]  # capped by the close
    shown = {a: _displayed(deployment, a.attempt_id), b: _displayed(deployment, b.attempt_id)}

    def answer(student: Student, uid: str, how: str = "right"):
        slot, kind, key = shown[student][uid]
        response = right_response(kind, key) if how == "right" else _wrong(kind, key) if how == "wrong" else how
        return student.send(student.new_save(slot=slot, response=response))

    # what each saved item earns (None: the essay waits for a teacher); A answers some right, some wrong
    earns = {a: {"t-s0": 2, "t-s1": 2, "t-s2": 0, "t-m0": 4, "t-m1": 2, "t-tf0": 1, "t-tf1": 0, "t-b1": 1.5,
                 "t-q0": None},
             b: {"t-s0": 2, "t-s1": 2, "t-s2": 2, "t-s3": 2, "t-m0": 0, "t-tf1": 1}}
    with saving(room):  # from A's and B's first answer until both are finalised
        for uid in ("t-s0", "t-s1", "t-m0", "t-tf0"):
            assert answer(a, uid).acknowledged
        for uid in ("t-s2", "t-tf1"):
            assert answer(a, uid, "wrong").acknowledged
        assert answer(a, "t-m1", {"choices": sorted(shown[a]["t-m1"][2])[:2]}).acknowledged  # two of three: half
        assert answer(a, "t-b1", {"blanks": ["2.58", "30"]}).acknowledged  # the first blank within ±0.1
        assert answer(a, "t-q0", {"text": "运算器、控制器和寄存器"}).acknowledged
        assert answer(b, "t-s0", "wrong").acknowledged  # corrected by the newer save below
        for uid in ("t-s0", "t-s1", "t-s2", "t-s3", "t-tf1"):
            assert answer(b, uid).acknowledged
        assert answer(b, "t-m0", "wrong").acknowledged
        assert utcnow() < deadline, f"setting up took past the deadline; raise CLOSES_IN_SECONDS ({CLOSES_IN_SECONDS})"

        # within the grace window after the deadline a save still counts
        sleep_until(deadline + timedelta(seconds=1))
        in_grace = answer(a, "t-b0")
        assert in_grace.acknowledged and in_grace.reply.body["applied"] is True
        earns[a]["t-b0"] = 3
        assert utcnow() < deadline + timedelta(seconds=GRACE_SECONDS), "the grace-window save came too late"

        # after it nothing is taken: refused as past the deadline, or as closed if the finaliser was quicker
        sleep_until(deadline + timedelta(seconds=GRACE_SECONDS, milliseconds=100))
        late = answer(a, "t-s3")
        print(f"a save {GRACE_SECONDS} s + 0.1 s after the deadline: {late.reply.status} {late.reply.code}")
        assert late.reply.status == 409 and late.reply.code in ("deadline_passed", "attempt_closed"), late.reply

        # nobody asks for anything now (B never comes back): only the server's finaliser can submit
        wait_until(lambda: all(deployment.attempt(s.attempt_id)["status"] == "submitted" for s in (a, b)),
                   FINALISE_WAIT_SECONDS, "the finaliser to submit both attempts")
        # graded in a later moment: while the room keeps the workers busy, after GRADE_WAIT_SECONDS at the latest
        wait_until(lambda: all(deployment.attempt(s.attempt_id)["graded_at"] is not None for s in (a, b)),
                   GRADE_WAIT_SECONDS + FINALISE_WAIT_SECONDS, "the finaliser to grade both attempts")
    after_close = answer(a, "t-s3")
    assert after_close.reply.status == 409 and after_close.reply.code == "attempt_closed", after_close.reply

    for student, score, pending in ((a, 15.5, 10.0), (b, 9.0, 0.0)):
        assert sum(points or 0 for points in earns[student].values()) == score  # the plan adds up
        row = deployment.attempt(student.attempt_id)
        print(f"{student.username} finalised {(row['submitted_at'] - deadline).total_seconds():.2f} s "
              f"after the deadline")
        print(f"{student.username} graded {(row['graded_at'] - row['submitted_at']).total_seconds():.2f} s "
              f"after it was finalised")
        assert row["submitted_by"] == "server" and row["graded_at"] >= row["submitted_at"]
        assert deadline + timedelta(seconds=GRACE_SECONDS) < row["submitted_at"] < utcnow()
        assert (row["score"], row["max_score"], row["pending_points"]) == (score, MAX_SCORE, pending)

        def slot_points(attempt_id=student.attempt_id):
            rows = db.session.scalars(select(Response).where(Response.attempt_id == attempt_id))
            return {r.slot: r.points for r in rows}
        points = deployment.run(slot_points)
        assert len(points) == len(shown[student])  # every slot graded, unanswered ones too
        for uid, earned in earns[student].items():
            assert points[shown[student][uid][0]] == earned, uid
        assert sum(p for p in points.values() if p is not None) == score

        def events(attempt_id=student.attempt_id):
            return db.session.scalars(select(ExamEvent.action).where(ExamEvent.attempt_id == attempt_id)).all()
        assert deployment.run(events) == ["finalised"]  # two workers sweep; one claims it

        state = student.client.state(student.attempt_id).body
        assert state["status"] == "submitted" and state["submitted_by"] == "server" and state["grading"] is False
        assert state["score"] == score and state["provisional"] is (pending > 0)
    assert min(map(acknowledged_count, room)) >= 10
    assert not refused_or_failed(room), "\n".join(refused_or_failed(room))
    check_stored_against_sent(deployment, [a, b, *room])
    assert not server_errors(deployment), "\n".join(server_errors(deployment))
