"""Teachers' and proctors' exam pages: exams, the proctor console, the audit log, regrading.

Teachers and proctors see their own school's exams (admins every exam); any
other exam id answers 404. Creating exams and regrading are for teachers and
admins; proctors run the console.
"""
from __future__ import annotations

import math
from datetime import datetime

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from flask_login import current_user

from question_bank.problems import Problem, ProblemsError

from ..extensions import db
from ..hardening import arg_int
from ..i18n import problem_text
from ..models import Attempt, Exam, ExamEvent, ItemVersion, utcnow
from ..papers.paging import ListPage
from ..security import roles_required
from ..services import accounts, blueprints, exams as exam_service, papers, proctoring, regrade
from ..services.errors import N_, Refused
from .forms import REVIEW_LABELS, SOURCES, ActionForm, ExamForm, RegradeForm

bp = Blueprint("exams", __name__, template_folder="templates", url_prefix="/exams")

STATE_LABELS = {"not_started": _l("未开始"), "in_progress": _l("作答中"), "silent": _l("失去联系"),
                "submitted": _l("已交卷")}
PHASE_LABELS = {"upcoming": _l("未开始"), "open": _l("进行中"), "closed": _l("已结束")}
ACTION_LABELS = {"add_time": _l("加时"), "release_device": _l("解除锁定（移机）"), "force_submit": _l("强制交卷"),
                 "reopen": _l("重新开放"), "finalised": _l("到时自动交卷"), "device_claimed": _l("在另一台电脑上继续"),
                 "regrade": _l("重新评分")}
SUBMITTED_BY_LABELS = {"student": _l("考生交卷"), "proctor": _l("监考员强制交卷"), "server": _l("到时自动交卷")}
#: the console reloads itself this often (seconds) while no form is being filled in
REFRESH_SECONDS = 20


def _exam_or_404(exam_id: int) -> Exam:
    """The exam when the user may manage it; 404 otherwise (another school's exams do not exist for them)."""
    exam = exam_service.get_exam(exam_id)
    if exam is None or not exam_service.may_manage(current_user, exam):
        abort(404)
    return exam


def _local(moment: datetime | None, fmt: str = "yyyy-MM-dd HH:mm") -> str:
    return format_datetime(moment, fmt) if moment is not None else ""


def _parse_iso(text) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except (TypeError, ValueError):
        return None


def _message(problem: Problem) -> str:
    return problem_text(Problem("", problem.template, problem.params))


@bp.app_context_processor
def exam_labels():
    return {"exam_phase_label": lambda exam: PHASE_LABELS[exam_service.phase(exam)]}


# ---------------------------------------------------------------- exams

@bp.get("/")
@roles_required("teacher", "proctor", "admin")
def index():
    rows = list(db.session.scalars(exam_service.manageable(current_user)))
    page = ListPage(rows, arg_int("page", 1), current_app.config["ITEMS_PER_PAGE"])
    progress = exam_service.progress([exam.id for exam in page.items])
    counts = {exam.id: (len(exam_service.candidates(exam)),) + progress.get(exam.id, (0, 0)) for exam in page.items}
    return render_template("exams/index.html", page=page, counts=counts)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("teacher", "admin")
def new():
    form = ExamForm()
    is_admin = current_user.role == "admin"
    classes = accounts.school_classes() if is_admin else (
        accounts.school_classes(current_user.school_id) if current_user.school_id else [])
    form.fill_choices(papers.list_papers(), blueprints.list_blueprints(), classes, school_names=is_admin)
    if not form.is_submitted():
        form.set_window(*exam_service.default_window(60, utcnow().replace(second=0, microsecond=0)))
    if form.validate_on_submit():
        spec = form.to_spec()
        try:
            if form.source.data == "blueprint":
                source = blueprints.get_blueprint(form.blueprint())
                if source is None:
                    raise ProblemsError([Problem("blueprint_id", N_("组卷方案不存在"))])
                exam = exam_service.create_exam_from_blueprint(source, spec, form.form_count(), current_user)
            else:
                exam = exam_service.create_exam(spec, current_user)
        except ProblemsError as error:
            db.session.rollback()
            for message in form.attach(error):
                flash(message, "error")
            flash(_("考试有问题，未保存；请按提示修改。"), "error")
        else:
            flash(_("考试“%(title)s”已创建", title=exam.title), "success")
            return redirect(url_for(".detail", exam_id=exam.id))
    elif form.is_submitted():
        flash(_("考试有问题，未保存；请按提示修改。"), "error")
    return render_template("exams/new.html", form=form, sources=SOURCES)


@bp.get("/<int:exam_id>")
@roles_required("teacher", "proctor", "admin")
def detail(exam_id):
    exam = _exam_or_404(exam_id)
    students = exam_service.candidates(exam)
    progress = exam_service.progress([exam.id]).get(exam.id, (0, 0))
    named = sorted(exam.candidates, key=lambda c: c.user.username)
    return render_template("exams/detail.html", exam=exam, students=len(students), progress=progress,
                           named=named, review_labels=REVIEW_LABELS, local=_local)


# ---------------------------------------------------------------- the proctor's console

def _room_classes(exam: Exam) -> list:
    """The classes the console can filter by: the exam's, and those of students assigned by name."""
    found = {c.id: c for c in exam.classes}
    for candidate in exam.candidates:
        klass = candidate.user.school_class
        if klass is not None:
            found.setdefault(klass.id, klass)
    return sorted(found.values(), key=lambda c: (c.school_id, c.name))


def _remaining_minutes(attempt: Attempt, now: datetime) -> int:
    return max(0, math.ceil((attempt.deadline_at - now).total_seconds() / 60))


@bp.get("/<int:exam_id>/console")
@roles_required("teacher", "proctor", "admin")
def console(exam_id):
    exam = _exam_or_404(exam_id)
    class_id = arg_int("class_id")
    now = utcnow()
    rows = proctoring.room(exam, class_id, now)
    states = {state: sum(1 for r in rows if r.state == state) for state in STATE_LABELS}
    return render_template("exams/console.html", exam=exam, rows=rows, class_id=class_id,
                           classes=_room_classes(exam), states=states, state_labels=STATE_LABELS,
                           submitted_by_labels=SUBMITTED_BY_LABELS, now=now, local=_local,
                           remaining=lambda attempt: _remaining_minutes(attempt, now),
                           refresh_seconds=REFRESH_SECONDS, form=ActionForm(),
                           open_count=sum(1 for r in rows if r.attempt is not None and r.attempt.status == "open"))


def _back(exam: Exam, form: ActionForm):
    room = form.room()
    return redirect(url_for(".console", exam_id=exam.id, class_id=room) if room else
                    url_for(".console", exam_id=exam.id))


def _student_name(exam: Exam, attempt_id: int | None) -> str:
    attempt = db.session.get(Attempt, attempt_id) if attempt_id is not None else None
    if attempt is None or attempt.exam_id != exam.id:
        return ""
    return f"{attempt.user.username} {attempt.user.display_name}"


def _refused(error: ProblemsError, field_label: str = "") -> None:
    for problem in error.problems:
        message = _message(problem)
        flash(_("%(field)s：%(message)s", field=field_label, message=message)
              if field_label and problem.where == "minutes" else message, "error")


def _minutes(form: ActionForm, label: str) -> int | None:
    minutes = form.minutes_value()
    if minutes is None:
        flash(_("%(field)s：请填写分钟数（整数）", field=label), "error")
    return minutes


@bp.post("/<int:exam_id>/console/add-time")
@roles_required("teacher", "proctor", "admin")
def add_time(exam_id):
    """加时 for one student (``attempt_id``) or for every open attempt in the room shown (no ``attempt_id``)."""
    exam = _exam_or_404(exam_id)
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    minutes = _minutes(form, _("加时分钟数"))
    if minutes is None:
        return _back(exam, form)
    attempt_id = form.attempt()
    if attempt_id is not None:
        ids = [attempt_id]
    else:
        ids = [r.attempt.id for r in proctoring.room(exam, form.room())
               if r.attempt is not None and r.attempt.status == "open"]
    try:
        changed = proctoring.add_time(exam, ids, minutes, current_user)
    except Refused as error:
        db.session.rollback()
        if error.code == "not_found":
            abort(404)
        _refused(error, _("加时分钟数"))
    else:
        if changed:
            flash(_("已为 %(n)d 名考生加时 %(minutes)d 分钟", n=changed, minutes=minutes), "success")
        else:
            flash(_("没有正在作答的考生，未加时"), "warning")
    return _back(exam, form)


def _one_attempt(form: ActionForm) -> int:
    if not form.validate_on_submit():
        abort(400)
    attempt_id = form.attempt()
    if attempt_id is None:
        abort(404)
    return attempt_id


@bp.post("/<int:exam_id>/console/release")
@roles_required("teacher", "proctor", "admin")
def release(exam_id):
    exam = _exam_or_404(exam_id)
    form = ActionForm()
    attempt_id = _one_attempt(form)
    try:
        proctoring.release_device(exam, attempt_id, current_user)
    except Refused:
        db.session.rollback()
        abort(404)
    flash(_("已解除 %(student)s 的电脑锁定：考生在另一台电脑上登录即可继续作答", student=_student_name(exam, attempt_id)),
          "success")
    return _back(exam, form)


@bp.post("/<int:exam_id>/console/force-submit")
@roles_required("teacher", "proctor", "admin")
def force_submit(exam_id):
    exam = _exam_or_404(exam_id)
    form = ActionForm()
    attempt_id = _one_attempt(form)
    try:
        done = proctoring.force_submit(exam, attempt_id, current_user)
    except Refused:
        db.session.rollback()
        abort(404)
    name = _student_name(exam, attempt_id)
    if done:
        flash(_("已为 %(student)s 强制交卷，已保存的答案几秒内计分", student=name), "success")
    else:
        flash(_("%(student)s 已经交卷", student=name), "warning")
    return _back(exam, form)


@bp.post("/<int:exam_id>/console/reopen")
@roles_required("teacher", "proctor", "admin")
def reopen(exam_id):
    exam = _exam_or_404(exam_id)
    form = ActionForm()
    attempt_id = _one_attempt(form)
    minutes = _minutes(form, _("重新开放的分钟数"))
    if minutes is None:
        return _back(exam, form)
    try:
        proctoring.reopen(exam, attempt_id, minutes, current_user)
    except Refused as error:
        db.session.rollback()
        if error.code == "not_found":
            abort(404)
        _refused(error, _("重新开放的分钟数"))
    else:
        attempt = db.session.get(Attempt, attempt_id)
        flash(_("已重新开放 %(student)s 的作答，截止时间 %(deadline)s", student=_student_name(exam, attempt_id),
                deadline=_local(attempt.deadline_at, "HH:mm")), "success")
    return _back(exam, form)


# ---------------------------------------------------------------- the audit log

def describe(event: ExamEvent) -> str:
    """The details of an audit log entry in words."""
    detail = event.detail or {}
    if event.action == "add_time":
        return _("延长 %(minutes)s 分钟，截止时间 %(before)s → %(after)s", minutes=detail.get("minutes", ""),
                 before=_local(_parse_iso(detail.get("before")), "HH:mm:ss"),
                 after=_local(_parse_iso(detail.get("after")), "HH:mm:ss"))
    if event.action == "reopen":
        return _("作答时间 %(minutes)s 分钟，截止时间 %(deadline)s", minutes=detail.get("minutes", ""),
                 deadline=_local(_parse_iso(detail.get("deadline")), "HH:mm:ss"))
    if event.action in ("release_device", "device_claimed"):
        return _("电脑 %(address)s", address=detail.get("address") or "—")
    if event.action == "regrade":
        keys = "；".join(f"{k.get('uid')}: {k.get('old')} → {k.get('new')}" for k in detail.get("keys", []))
        return _("更正 %(keys)d 道题的答案（%(list)s），%(changed)d 份作答分数改变，共重新评分 %(n)d 份",
                 keys=len(detail.get("keys", [])), list=keys, changed=len(detail.get("scores", [])),
                 n=detail.get("regraded", 0))
    return ""


@bp.get("/<int:exam_id>/log")
@roles_required("teacher", "proctor", "admin")
def log(exam_id):
    exam = _exam_or_404(exam_id)
    return render_template("exams/log.html", exam=exam, events=proctoring.audit_log(exam),
                           action_labels=ACTION_LABELS, describe=describe, local=_local)


# ---------------------------------------------------------------- regrading

@bp.route("/<int:exam_id>/regrade", methods=["GET", "POST"])
@roles_required("teacher", "admin")
def regrade_page(exam_id):
    """GET: what a regrade would change (nothing is written); POST: carry it out."""
    exam = _exam_or_404(exam_id)
    form = RegradeForm()
    if form.validate_on_submit():
        plan = regrade.apply(exam, current_user, translate=_)
        if plan.applied:
            flash(_("已按更正后的答案重新评分：%(keys)d 道题更正答案，%(changed)d 名考生的分数改变",
                    keys=len(plan.applicable), changed=len(plan.scores)), "success")
        else:
            flash(_("没有可以应用的答案更正"), "warning")
        return redirect(url_for(".regrade_page", exam_id=exam.id))
    plan = regrade.preview(exam, translate=_)
    applied = _applied_corrections(exam)
    return render_template("exams/regrade.html", exam=exam, plan=plan, form=form, applied=applied,
                           reason=lambda template: _(template))


def _applied_corrections(exam: Exam) -> list[tuple[str, int]]:
    """(uid, version number) of the corrections the exam grades with already."""
    found = []
    for uid, version_id in sorted((exam.key_versions or {}).items()):
        version = db.session.get(ItemVersion, version_id)
        found.append((uid, version.number if version else 0))
    return found
