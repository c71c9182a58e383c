"""Sitting an exam: start or resume an attempt, save responses, submit, and grade.

Time is the server's: every call takes ``now`` (the moment the request arrived).
An attempt ends at its ``deadline_at``; saves stamped up to ``grace_seconds``
later are still taken, later ones are refused, and attempts nobody submits are
finalised by :func:`finalise_overdue` (run by the server every few seconds) with
the answers saved before that.

A save is one UPSERT of ``(attempt, slot) → (response, seq)`` that applies only
when ``seq`` is higher than the stored one, so repeated, late or reordered saves
(an offline queue replayed, two PCs) never replace a newer answer.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Callable, NamedTuple

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from question_bank import delivery
from question_bank import paper as qp
from question_bank.problems import ProblemsError
from question_bank.variants import Variant, rng_for, variant

from ..extensions import db
from ..models import Attempt, Exam, ExamEvent, ItemVersion, Response, User, utcnow
from . import exams as exam_service
from .errors import N_, Refused
from .items import to_domain
from .papers import get_paper, paper_to_domain

MAX_SEQ = 2**53  # what a JavaScript number holds exactly
#: a save refreshes the attempt's last contact (the console's 最后联系) when it is older than this,
#: so that a student answering quickly does not rewrite the attempt row with every click
SEEN_EVERY = timedelta(seconds=10)


# ---------------------------------------------------------------- papers and variants (cached)

class _Recent:
    """The last ``size`` values used, shared by the threads of a server process."""

    def __init__(self, size: int):
        self._size = size
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> Any:
        with self._lock:
            value = self._values.get(key)
            if value is not None:
                self._values.move_to_end(key)
            return value

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._values[key] = value
            self._values.move_to_end(key)
            while len(self._values) > self._size:
                self._values.popitem(last=False)


_papers = _Recent(64)
_variants = _Recent(128)  # a start needs the student's variant twice: for the layout and for the reply


def delivered_paper(paper_id: int, key_versions: dict[str, int] | None = None) -> qp.Paper:
    """The paper as delivered (its own item versions); with ``key_versions``, keys corrected for grading.

    Item versions never change once published, so the result is cached per process.
    """
    cache_key = (paper_id, tuple(sorted((key_versions or {}).items())))
    paper = _papers.get(cache_key)
    if paper is None:
        paper = paper_to_domain(get_paper(paper_id))
        if key_versions:
            paper = _with_corrected_keys(paper, key_versions)
        _papers.put(cache_key, paper)
    return paper


def _with_corrected_keys(paper: qp.Paper, key_versions: dict[str, int]) -> qp.Paper:
    """The same items as delivered, with the answers of the corrected versions."""
    sections = []
    for section in paper.sections:
        items = []
        for item in section.items:
            version = db.session.get(ItemVersion, key_versions[item.uid]) if item.uid in key_versions else None
            if version is not None:
                fixed = to_domain(version.item, version)
                item = replace(item, answer=fixed.answer, case_sensitive=fixed.case_sensitive)
            items.append(item)
        sections.append(replace(section, items=tuple(items)))
    return replace(paper, sections=tuple(sections))


def attempt_variant(attempt: Attempt, exam: Exam, paper: qp.Paper | None = None) -> Variant:
    """The paper as this attempt shows it; the last few are cached."""
    paper = paper or delivered_paper(attempt.paper_id)
    cache_key = (id(paper), attempt.variant_key, exam.shuffle_items, exam.shuffle_options)
    cached = _variants.get(cache_key)
    if cached is not None and cached[0] is paper:  # the same paper object, not one that reused its id
        return cached[1]
    shown = variant(paper, attempt.variant_key, exam.shuffle_items, exam.shuffle_options)
    _variants.put(cache_key, (paper, shown))
    return shown


def _choose_form(exam: Exam, user: User, number: int) -> int:
    forms = [f.paper_id for f in exam.forms]
    return forms[rng_for(f"{exam.id}:{user.id}:{number}:form").randrange(len(forms))]


# ---------------------------------------------------------------- starting

def _refuse_unless_may_sit(exam: Exam | None, user: User, address: str, now: datetime) -> tuple[Exam, int]:
    """The exam and the student's extra minutes."""
    extra_minutes = exam_service.candidacy(exam, user) if exam is not None and user.role == "student" else None
    if extra_minutes is None:
        raise Refused("not_found", 404, N_("没有这场考试，或你不在考生名单中"))
    if not exam_service.address_allowed(exam.allowed_networks, address):
        raise Refused("address_not_allowed", 403, N_("这台电脑（%(address)s）不在允许参加本场考试的网段内，请到指定机房作答"),
                      address=address)
    return exam, extra_minutes


def _overdue(attempt: Attempt, grace_seconds: int, now: datetime) -> bool:
    return now > attempt.deadline_at + timedelta(seconds=grace_seconds)


def is_overdue(attempt: Attempt, now: datetime | None = None) -> bool:
    """Open past its deadline and grace: the finaliser is about to submit it (no more saves are taken)."""
    return attempt.status == "open" and _overdue(attempt, attempt.exam.grace_seconds, now or utcnow())


class Sitting(NamedTuple):
    attempt: Attempt
    started: bool  # False: an open attempt was resumed
    attempts: list[Attempt]  # all of the student's attempts at the exam, this one last


def start_or_resume(exam: Exam | None, user: User, device: str = "", address: str = "", access_code: str = "",
                    now: datetime | None = None) -> Sitting:
    """The student's open attempt (resumed), or a new one; commits. Returns ``(attempt, started, attempts)``.

    :raise Refused: outside the window, no attempts left, another PC holds the
        exam (``device_locked``), a wrong access code, an address not allowed.
    """
    now = now or utcnow()
    device = (device or "default")[:64]
    exam, extra_minutes = _refuse_unless_may_sit(exam, user, address, now)
    for _ in range(2):  # a second try when another PC started the same attempt at the same moment
        attempts = exam_service.attempts_of(exam, user)
        current = attempts[-1] if attempts else None
        if current is not None and current.status == "open" and _overdue(current, exam.grace_seconds, now):
            finalise(current, "server", now)
        if current is not None and current.status == "open":
            return Sitting(_resume(exam, current, device, address, access_code, now), False, attempts)
        try:
            attempt = _start(exam, user, len(attempts) + 1, extra_minutes, device, address, access_code, now)
            return Sitting(attempt, True, [*attempts, attempt])
        except IntegrityError:
            db.session.rollback()
    raise Refused("conflict", 409, N_("正在另一台电脑上开始本场考试，请稍后再试"))


def _check_code(exam: Exam, access_code: str) -> None:
    if exam.access_code and (access_code or "").strip() != exam.access_code:
        raise Refused("access_code", 403, N_("考试口令不正确，请向监考老师询问"), "access_code")


def _resume(exam: Exam, attempt: Attempt, device: str, address: str, access_code: str, now: datetime) -> Attempt:
    if attempt.device_id != device:
        if exam.single_device and attempt.device_id is not None:
            raise Refused("device_locked", 409,
                          N_("你已在另一台电脑上开始本场考试。如需换机，请联系监考老师“解除锁定（移机）”后再登录"))
        _check_code(exam, access_code)
        if attempt.device_id is not None or attempt.client_ip != address:
            log(exam, attempt, None, "device_claimed", {"device": device, "address": address})
        attempt.device_id = device
    attempt.client_ip = address
    attempt.last_seen_at = now
    _commit_keeping_state()
    return attempt


def _commit_keeping_state() -> None:
    """Commit without expiring the session's objects: the start's reply reads them right after.

    Expiring would reload the attempt, the exam and the user in a new transaction.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def _start(exam: Exam, user: User, number: int, extra_minutes: int, device: str, address: str, access_code: str,
           now: datetime) -> Attempt:
    if number > exam.attempts_allowed:
        raise Refused("no_attempts_left", 409, N_("你已交卷，本场考试不能再次作答"))
    phase = exam_service.phase(exam, now)
    if phase != "open":
        raise Refused("not_open", 409, N_("考试尚未开始") if phase == "upcoming" else N_("考试已结束"))
    _check_code(exam, access_code)
    paper_id = _choose_form(exam, user, number)
    attempt = Attempt(exam_id=exam.id, user_id=user.id, number=number, paper_id=paper_id,
                      variant_key=f"{exam.id}:{user.id}:{number}", status="open", started_at=now,
                      deadline_at=delivery.deadline(now, exam.minutes, 60 * extra_minutes,
                                                    exam.closes_at),
                      device_id=device, client_ip=address, last_seen_at=now)
    attempt.layout = [list(shape) for shape in delivery.layout(attempt_variant(attempt, exam))]
    db.session.add(attempt)
    _commit_keeping_state()
    return attempt


# ---------------------------------------------------------------- saving

def _save_statements(dialect: str) -> tuple:
    """The statements of a save, built once per dialect and run on the session's connection.

    A save holds SQLite's write lock from its first statement to its commit, so nothing
    is built or looked up in between that could be done before (docs/PERFORMANCE.md,
    "Exams under load"). Core statements on the table skip the ORM's bulk-DML path.
    """
    statements = _SAVE_STATEMENTS.get(dialect)
    if statements is None:
        attempt, exam, response = Attempt.__table__, Exam.__table__, Response.__table__
        check = (select(attempt.c.user_id, attempt.c.status, attempt.c.deadline_at, attempt.c.device_id,
                        attempt.c.layout, attempt.c.last_seen_at, attempt.c.client_ip,
                        exam.c.grace_seconds, exam.c.single_device, exam.c.allowed_networks)
                 .join(exam, exam.c.id == attempt.c.exam_id).where(attempt.c.id == bindparam("b_attempt")))
        upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(response)
        upsert = upsert.on_conflict_do_update(
            index_elements=["attempt_id", "slot"],
            set_={"response": upsert.excluded.response, "answered": upsert.excluded.answered,
                  "seq": upsert.excluded.seq, "saved_at": upsert.excluded.saved_at},
            where=response.c.seq < upsert.excluded.seq).returning(response.c.seq)
        stored = select(response.c.seq).where(response.c.attempt_id == bindparam("b_attempt"),
                                              response.c.slot == bindparam("b_slot"))
        seen = (update(attempt).where(attempt.c.id == bindparam("b_attempt"))
                .values(last_seen_at=bindparam("b_now"), client_ip=bindparam("b_address")))
        statements = _SAVE_STATEMENTS[dialect] = (check, upsert, stored, seen)
    return statements


_SAVE_STATEMENTS: dict[str, tuple] = {}


def save(attempt_id: int, user: User, slot: Any, raw: Any, seq: Any, device: str = "", address: str = "",
         now: datetime | None = None) -> dict[str, Any]:
    """Save one response; commits. Returns ``{"slot", "seq", "applied", "deadline"}``.

    ``seq`` is the stored one after the call: the one sent, or a higher one already
    there (then ``applied`` is False and the stored response stands).

    :raise Refused: ``not_found``, ``attempt_closed``, ``deadline_passed``,
        ``device_locked``, ``address_not_allowed``, ``invalid`` (naming the field).
    """
    now = now or utcnow()
    device = (device or "default")[:64]
    user_id = user.id
    check, upsert, stored_seq, seen = _save_statements(db.engine.dialect.name)
    connection = db.session.connection()
    row = connection.execute(check, {"b_attempt": attempt_id}).one_or_none()
    if row is None or row.user_id != user_id:
        raise Refused("not_found", 404, N_("没有这次作答"))
    if row.status != "open":
        raise Refused("attempt_closed", 409, N_("试卷已提交，不能再修改答案"))
    if now > row.deadline_at + timedelta(seconds=row.grace_seconds):
        raise Refused("deadline_passed", 409, N_("考试时间已到，此后的修改未被保存；此前保存的答案有效"))
    if row.single_device and row.device_id != device:
        raise Refused("device_locked", 409, N_("本场考试已在另一台电脑上继续，这台电脑的修改未被保存"))
    if row.allowed_networks and not exam_service.address_allowed(row.allowed_networks, address):
        raise Refused("address_not_allowed", 403, N_("这台电脑（%(address)s）不在允许参加本场考试的网段内"),
                      address=address)
    if isinstance(slot, bool) or not isinstance(slot, int) or not 1 <= slot <= len(row.layout):
        raise Refused("invalid", 422, N_("题号须为 1 至 %(n)d"), "slot", n=len(row.layout))
    if isinstance(seq, bool) or not isinstance(seq, int) or not 0 < seq < MAX_SEQ:
        raise Refused("invalid", 422, N_("seq 须为正整数"), "seq")
    item_type, size = row.layout[slot - 1]
    try:
        response = delivery.parse_response(item_type, size, raw)
    except ProblemsError as error:
        problem = error.problems[0]
        raise Refused("invalid", 422, problem.template, problem.where, **dict(problem.params)) from None
    applied = connection.execute(upsert, {
        "attempt_id": attempt_id, "slot": slot, "response": response, "answered": delivery.is_answered(response),
        "seq": seq, "saved_at": now}).first() is not None
    stored = seq if applied else connection.scalar(stored_seq, {"b_attempt": attempt_id, "b_slot": slot})
    if row.client_ip != address or row.last_seen_at is None or now - row.last_seen_at >= SEEN_EVERY:
        connection.execute(seen, {"b_attempt": attempt_id, "b_now": now, "b_address": address})
    db.session.commit()
    return {"slot": slot, "seq": stored, "applied": applied, "deadline": row.deadline_at}


def touch(attempt: Attempt, device: str = "", address: str = "", now: datetime | None = None) -> None:
    """Record that the student's PC is alive (the page pings while nothing is saved); commits."""
    now = now or utcnow()
    if attempt.status == "open" and (attempt.device_id == (device or "default")[:64] or not attempt.exam.single_device):
        attempt.last_seen_at = now
        attempt.client_ip = address
    db.session.commit()


# ---------------------------------------------------------------- submitting and grading

def responses_of(attempt: Attempt) -> dict[int, Response]:
    return {r.slot: r for r in db.session.scalars(select(Response).where(Response.attempt_id == attempt.id))}


def saved_responses(attempt_id: int) -> list[Any]:
    """The attempt's stored responses as read-only rows (slot, response, answered, seq, saved_at), by slot."""
    return list(db.session.execute(
        select(Response.slot, Response.response, Response.answered, Response.seq, Response.saved_at)
        .where(Response.attempt_id == attempt_id).order_by(Response.slot)))


def submit(attempt: Attempt, by: str = "student", now: datetime | None = None, actor: User | None = None) -> Attempt:
    """Close the attempt; commits. Submitting a submitted attempt changes nothing.

    A student's submit after the grace window is recorded as the server's (it
    would have finalised the attempt anyway). Grading follows in the background
    (:func:`grade_pending`); until then the attempt has no score.
    """
    now = now or utcnow()
    if attempt.status != "open":
        return attempt
    if by == "student" and _overdue(attempt, attempt.exam.grace_seconds, now):
        by = "server"
    finalise(attempt, by, now, actor)
    return attempt


def finalise(attempt: Attempt, by: str, now: datetime, actor: User | None = None) -> bool:
    """Close an open attempt with one conditional UPDATE; commits. False when someone else closed it first.

    Closing is kept this cheap so that a whole hall can submit at the same
    minute; :func:`grade_pending` grades the attempt moments later.
    """
    claimed = db.session.execute(
        update(Attempt).where(Attempt.id == attempt.id, Attempt.status == "open")
        .values(status="submitted", submitted_at=now, submitted_by=by)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return False
    for name, value in (("status", "submitted"), ("submitted_at", now), ("submitted_by", by)):
        set_committed_value(attempt, name, value)  # what the UPDATE wrote, without reloading the attempt
    if by != "student":
        log(attempt.exam, attempt, actor, "force_submit" if by == "proctor" else "finalised", {})
    _commit_keeping_state()
    return True


def _grade_statements(dialect: str) -> tuple:
    """The statements of grading, built once per dialect (see :func:`_save_statements`)."""
    statements = _GRADE_STATEMENTS.get(dialect)
    if statements is None:
        response = Response.__table__
        stored = select(response.c.slot, response.c.response, response.c.points, response.c.correct).where(
            response.c.attempt_id == bindparam("b_attempt"))
        write = (pg_insert if dialect == "postgresql" else sqlite_insert)(response)
        write = write.on_conflict_do_update(index_elements=["attempt_id", "slot"], set_={
            "points": write.excluded.points, "correct": write.excluded.correct})
        statements = _GRADE_STATEMENTS[dialect] = (stored, write)
    return statements


_GRADE_STATEMENTS: dict[str, tuple] = {}


def _grade_rows(attempt: Attempt, now: datetime) -> delivery.AttemptResult:
    """Grade every slot of ``attempt`` into its response rows (a row is made for unanswered slots).

    Marks already given to subjective items are kept. Returns the totals; does not commit.
    """
    exam = attempt.exam
    paper = delivered_paper(attempt.paper_id, exam.key_versions or None)
    shown = attempt_variant(attempt, exam, paper)
    stored_rows, write = _grade_statements(db.engine.dialect.name)
    db.session.flush()  # a teacher's mark set in this session must be read below
    connection = db.session.connection()
    stored = {row.slot: row for row in connection.execute(stored_rows, {"b_attempt": attempt.id})}
    result = delivery.grade_attempt(paper, shown, {slot: row.response for slot, row in stored.items()})
    slots, values = [], []
    for outcome in result.slots:
        row = stored.get(outcome.slot)
        if outcome.points is None and row is not None and row.points is not None:  # keep a teacher's mark
            outcome = replace(outcome, points=row.points, correct=row.correct)
        slots.append(outcome)
        values.append({"attempt_id": attempt.id, "slot": outcome.slot, "response": {}, "answered": False, "seq": 0,
                       "saved_at": now, "points": outcome.points, "correct": outcome.correct})
    connection.execute(write, values)
    return delivery.AttemptResult(tuple(slots))


def grade(attempt: Attempt, now: datetime | None = None) -> delivery.AttemptResult:
    """Grade the attempt now, into its response rows and its totals (regrading one that was graded). Does not commit."""
    now = now or utcnow()
    totals = _grade_rows(attempt, now)
    attempt.score, attempt.max_score, attempt.pending_points = totals.score, totals.max_score, totals.pending
    attempt.graded_at = now
    return totals


def grade_submitted(attempt_id: int, now: datetime | None = None) -> bool:
    """Grade one submitted, ungraded attempt; commits. False when there is nothing to do.

    The totals are written by a conditional UPDATE (still submitted at the same
    moment, still ungraded), so a reopen or a regrade in between wins and this
    grading is rolled back.
    """
    now = now or utcnow()
    attempt = db.session.get(Attempt, attempt_id)
    if attempt is None or attempt.status != "submitted" or attempt.graded_at is not None:
        db.session.rollback()
        return False
    submitted_at = attempt.submitted_at
    totals = _grade_rows(attempt, now)
    claimed = db.session.execute(
        update(Attempt).where(Attempt.id == attempt_id, Attempt.status == "submitted",
                              Attempt.submitted_at == submitted_at, Attempt.graded_at.is_(None))
        .values(score=totals.score, max_score=totals.max_score, pending_points=totals.pending, graded_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()
        return False
    db.session.commit()
    return True


def grade_pending(now: datetime | None = None, limit: int = 500, busy: Callable[[], bool] | None = None,
                  wait_at_most: float = 0) -> int:
    """Grade submitted attempts that have no score yet, the oldest first; returns how many. Commits each.

    While ``busy()`` says the server has requests to serve, attempts submitted
    less than ``wait_at_most`` seconds ago are left for a later round.
    """
    now = now or utcnow()
    rows = db.session.execute(
        select(Attempt.id, Attempt.submitted_at).where(Attempt.status == "submitted", Attempt.graded_at.is_(None))
        .order_by(Attempt.submitted_at, Attempt.id).limit(limit)).all()
    db.session.rollback()
    done = 0
    for attempt_id, submitted_at in rows:
        if busy is not None and busy() and submitted_at > utcnow() - timedelta(seconds=wait_at_most):
            break
        if grade_submitted(attempt_id, now):
            done += 1
    return done


def finalise_overdue(now: datetime | None = None, limit: int = 500) -> int:
    """Close attempts whose deadline and grace have passed; returns how many. Commits each."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Attempt.id, Attempt.deadline_at, Exam.grace_seconds).join(Exam, Exam.id == Attempt.exam_id)
        .where(Attempt.status == "open", Attempt.deadline_at < now).order_by(Attempt.deadline_at).limit(limit)).all()
    db.session.rollback()
    done = 0
    for attempt_id, deadline_at, grace in rows:
        if now > deadline_at + timedelta(seconds=grace):
            attempt = db.session.get(Attempt, attempt_id)
            if attempt is not None and finalise(attempt, "server", now):
                done += 1
    return done


# ---------------------------------------------------------------- reading

def get_attempt(attempt_id: int) -> Attempt | None:
    return db.session.get(Attempt, attempt_id)


def own_attempt(attempt_id: int, user: User, now: datetime | None = None, settle: bool = True) -> Attempt:
    """The user's attempt, finalised first if its time ran out (unless ``settle`` is False).

    Reading views pass ``settle=False``: on SQLite a GET's transaction is deferred
    and must not write; the finaliser closes the attempt within seconds anyway.

    :raise Refused: ``not_found`` when it is not theirs.
    """
    attempt = db.session.get(Attempt, attempt_id, options=[joinedload(Attempt.exam)])
    if attempt is None or attempt.user_id != user.id:
        raise Refused("not_found", 404, N_("没有这次作答"))
    now = now or utcnow()
    if settle and attempt.status == "open" and _overdue(attempt, attempt.exam.grace_seconds, now):
        finalise(attempt, "server", now)
    return attempt


def answered_counts(attempt_ids: list[int]) -> dict[int, int]:
    if not attempt_ids:
        return {}
    rows = db.session.execute(select(Response.attempt_id, func.count()).where(
        Response.attempt_id.in_(attempt_ids), Response.answered.is_(True)).group_by(Response.attempt_id))
    return dict(rows.all())


def log(exam: Exam, attempt: Attempt | None, user: User | None, action: str, detail: dict) -> None:
    """Add an entry to the exam's audit log (not committed)."""
    db.session.add(ExamEvent(exam_id=exam.id, attempt_id=attempt.id if attempt else None,
                             user_id=user.id if user else None, action=action, detail=detail, at=utcnow()))
