"""/api/v1: log in, my exams, start or resume, save, ping, submit, results.

Errors are ``{"error": {"code", "message"}}`` with the HTTP status; ``message``
is in the user's language and names the field when one is at fault.
State-changing calls made with the session cookie need the ``X-CSRFToken``
header (the token comes with the login reply, or the exam page's meta tag).
"""
from __future__ import annotations

from functools import wraps
from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from question_bank import delivery

from .. import database
from ..extensions import csrf
from ..i18n import problem_text
from ..models import utcnow
from ..services import accounts, attempts, exams, results
from ..services.errors import N_, ProblemsError, Refused
from . import openapi
from .payloads import attempt_state, exam_summary, iso

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def error(code: str, message: str, status: int):
    return jsonify({"error": {"code": code, "message": message}}), status


@bp.before_request
def stamp_arrival():
    """The moment the request arrived: saves and deadlines are judged by it."""
    g.now = utcnow()


@bp.errorhandler(Refused)
def refused(err: Refused):
    return error(err.code, problem_text(err.problems[0]), err.status)


@bp.errorhandler(ProblemsError)
def problems(err: ProblemsError):
    return error("invalid", "；".join(problem_text(p) for p in err.problems), 422)


def student_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return error("unauthorized", _("请先登录"), 401)
        if current_user.role != "student":
            return error("forbidden", _("只有考生可以作答"), 403)
        return view(*args, **kwargs)
    return wrapped


def _json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused("invalid", 400, N_("请求正文须为 JSON 对象（Content-Type: application/json）"))
    return data


def _device(data: dict[str, Any] | None = None) -> str:
    value = request.headers.get("X-Device-Id") or (data or {}).get("device") or ""
    return str(value)[:64]


def _address() -> str:
    return request.remote_addr or ""


# ---------------------------------------------------------------- sessions

@bp.post("/auth/login")
@csrf.exempt  # nothing to protect yet; a JSON body cannot be sent cross-site without a preflight
def login():
    data = _json()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise Refused("invalid", 422, N_("须提供 username 和 password 两个文字字段"), "username")
    result = accounts.authenticate(username, password)
    if not result.ok:
        return error("login_failed", _(result.template, **(result.params or {})), 401)
    login_user(result.user)
    user = result.user
    return jsonify({"user": {"id": user.id, "username": user.username, "name": user.name, "role": user.role},
                    "must_change_password": user.must_change_password, "csrf_token": generate_csrf()})


@bp.post("/auth/logout")
def logout():
    logout_user()
    return jsonify({"ok": True})


# ---------------------------------------------------------------- exams and attempts

@bp.get("/exams")
@student_required
def my_exams():
    return jsonify({"exams": [exam_summary(exam, current_user, g.now) for exam in exams.student_exams(current_user)],
                    "server_time": iso(g.now)})


@bp.post("/exams/<int:exam_id>/attempts")
@student_required
def start(exam_id: int):
    data = request.get_json(silent=True) or {}
    if not isinstance(data, dict):
        raise Refused("invalid", 400, N_("请求正文须为 JSON 对象（Content-Type: application/json）"))
    exam = exams.get_exam(exam_id)  # held here, so the reply finds it in the session without a query
    attempt, started, mine = attempts.start_or_resume(exam, current_user, device=_device(data), address=_address(),
                                                      access_code=str(data.get("access_code") or ""), now=g.now)
    with database.reading():  # committed: reading the reply needs no write lock
        paper = attempts.delivered_paper(attempt.paper_id)
        shown = attempts.attempt_variant(attempt, exam, paper)
        body = {"attempt": attempt_state(attempt, g.now, saved=[] if started else None),
                "exam": exam_summary(exam, current_user, g.now, mine),
                "sections": delivery.client_sections(paper),
                "items": delivery.client_items(paper, shown, translate=_,
                                               media_url=lambda name: url_for("media.serve", name=name))}
    return jsonify(body), 201 if started else 200


@bp.get("/attempts/<int:attempt_id>")
@student_required
def state(attempt_id: int):
    return jsonify(attempt_state(attempts.own_attempt(attempt_id, current_user, g.now, settle=False), g.now))


@bp.put("/attempts/<int:attempt_id>/responses/<int:slot>")
@student_required
def save(attempt_id: int, slot: int):
    data = _json()
    if "response" not in data or "seq" not in data:
        raise Refused("invalid", 422, N_("须提供 response 和 seq 两个字段"), "response")
    saved = attempts.save(attempt_id, current_user, slot, data["response"], data["seq"], device=_device(data),
                          address=_address(), now=g.now)
    return jsonify({"slot": saved["slot"], "seq": saved["seq"], "applied": saved["applied"],
                    "server_time": iso(g.now), "deadline": iso(saved["deadline"])})


@bp.post("/attempts/<int:attempt_id>/ping")
@student_required
def ping(attempt_id: int):
    attempt = attempts.own_attempt(attempt_id, current_user, g.now)
    attempts.touch(attempt, _device(), _address(), g.now)
    return jsonify({"status": attempt.status, "server_time": iso(g.now), "deadline": iso(attempt.deadline_at)})


@bp.post("/attempts/<int:attempt_id>/submit")
@student_required
def submit(attempt_id: int):
    attempt = attempts.own_attempt(attempt_id, current_user, g.now)
    attempts.submit(attempt, "student", g.now)
    with database.reading():
        return jsonify(attempt_state(attempt, g.now))


@bp.get("/attempts/<int:attempt_id>/result")
@student_required
def result(attempt_id: int):
    attempt = attempts.own_attempt(attempt_id, current_user, g.now, settle=False)
    return jsonify(results.review(attempt, g.now, translate=_))


@bp.get("/openapi.json")
def openapi_document():
    return jsonify(openapi.document())
