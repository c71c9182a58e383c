"""Students' pages: my exams, the exam page (driven by /api/v1), results."""
from __future__ import annotations

import random

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from question_bank import delivery
from question_bank.pdf.headings import chinese_numeral
from question_bank.types import ITEM_TYPES, MULTIPLE_RULES

from ..models import Attempt, Exam, utcnow
from ..security import roles_required
from ..services import attempts, results
from ..services import exams as exam_service
from ..services.errors import Refused

bp = Blueprint("student", __name__, template_folder="templates", url_prefix="/my")

#: with no successful save for this long, the exam page pings the server (keeps the console
#: and the countdown current: a proctor's added time shows within this plus the ping's own time)
PING_AFTER_SECONDS = 20
#: the longest wait between two tries to save while the server cannot be reached
MAX_RETRY_SECONDS = 30
#: section numbers: 一 … 三十
NUMERALS = [chinese_numeral(n) for n in range(1, 31)]


def _mine(exam: Exam, now) -> tuple[Attempt | None, int]:
    """The student's latest attempt at ``exam`` and how many they have made.

    Pages only read: an attempt whose time ran out is submitted by the finaliser (or by the
    exam page's next call to the API), not by a GET.
    """
    mine = exam_service.attempts_of(exam, current_user)
    if not mine:
        return None, 0
    return mine[-1], len(mine)


def _row(exam: Exam, now) -> dict:
    """One line of the student's exam list: phase, attempt status and what the button does."""
    latest, used = _mine(exam, now)
    phase = exam_service.phase(exam, now)
    action = None
    if latest is not None and latest.status == "open":
        action = None if attempts.is_overdue(latest, now) else "resume"
    elif phase == "open" and used < exam.attempts_allowed:
        action = "start"
    level = results.review_level(latest, now) if latest is not None and latest.status == "submitted" else "none"
    return {"exam": exam, "phase": phase, "attempt": latest, "used": used, "action": action, "level": level}


def exam_rows(now=None) -> list[dict]:
    """The logged-in student's exam list (also for the home page: ``main/home.html`` shows it as ``exam_rows``)."""
    now = now or utcnow()
    return [_row(exam, now) for exam in exam_service.student_exams(current_user)]


@bp.get("/exams")
@roles_required("student")
def exams():
    return render_template("student/exams.html", rows=exam_rows())


def _sitting(exam_id: int) -> Exam:
    exam = exam_service.get_exam(exam_id)
    if exam is None or not exam_service.is_candidate(exam, current_user):
        abort(404)
    return exam


def _strings() -> dict:
    """The exam page's words, translated here so exam.js has none of its own ({name} marks a value)."""
    return {
        "saving": _("保存中…"),
        "saved_at": _("已保存 %(time)s", time="{time}"),
        "saved": _("已保存"),
        "offline": _("未连接，答案已暂存在本机，将自动重试"),
        "offline_item": _("已暂存在本机，待上传"),
        "pending_count": _("（%(n)s 题待上传）", n="{n}"),
        "list_separator": _("、"),
        "start_failed": _("无法连接服务器，正在重试…"),
        "section_heading": _("%(n)s、%(type)s（共 %(count)s 题，每题 %(points)s 分）",
                             n="{n}", type="{type}", count="{count}", points="{points}"),
        "points": _("（%(points)s 分）", points="{points}"),
        "slot": _("第 %(n)s 题", n="{n}"),
        "blank_label": _("第 %(n)s 空", n="{n}"),
        "answer_label": _("作答"),
        "option_image": _("选项 %(id)s 的图片", id="{id}"),
        "flag": _("标记"),
        "unflag": _("取消标记"),
        "five_minutes": _("距离考试结束还有 5 分钟，请抓紧时间并检查答案。"),
        "one_minute": _("距离考试结束还有 1 分钟，时间到后系统将自动交卷。"),
        "time_up": _("考试时间到，正在提交答案…"),
        "time_up_unsent": _("考试时间到。有 %(n)s 题的答案尚未上传，网络恢复后会自动重试。", n="{n}"),
        "time_added": _("监考老师为你延长了考试时间。"),
        "submit_title": _("确认交卷"),
        "submit_unanswered": _("以下题目尚未作答：%(slots)s", slots="{slots}"),
        "submit_all_answered": _("全部题目均已作答。"),
        "submit_flagged": _("以下题目带有标记：%(slots)s", slots="{slots}"),
        "submit_warning": _("交卷后不能再修改答案。确定要交卷吗？"),
        "submit_confirm": _("确认交卷"),
        "submit_cancel": _("继续作答"),
        "submit_flushing": _("正在上传尚未保存的答案…"),
        "submit_unsent": _("有 %(n)s 题的答案还没有上传到服务器（网络未连接）。请检查网络后重试；如果现在交卷，这些答案将不计分。",
                           n="{n}"),
        "submit_retry": _("重试上传"),
        "submit_anyway": _("仍然交卷"),
        "submitting": _("正在交卷…"),
        "submit_failed": _("交卷未成功：%(message)s", message="{message}"),
        "network_error": _("无法连接服务器，请检查网络后重试"),
        "to_result": _("查看结果"),
        "to_list": _("返回我的考试"),
        "login": _("重新登录"),
        "login_again": _("登录已失效，请重新登录后继续作答（答案已暂存在本机）。"),
        "reload": _("页面已过期，请刷新页面后继续作答（答案已暂存在本机）。"),
        "closed": _("试卷已提交，不能再修改答案。"),
        "storage_unavailable": _("浏览器无法在本机暂存答案，请保持网络连接。"),
        "types": {name: _(kind.label) for name, kind in ITEM_TYPES.items()},
        "rules": {name: _(text) for name, text in MULTIPLE_RULES.items()},
        "numerals": NUMERALS,
    }


@bp.get("/exams/<int:exam_id>/take")
@roles_required("student")
def take(exam_id: int):
    exam = _sitting(exam_id)
    now = utcnow()
    latest, used = _mine(exam, now)
    resuming = latest is not None and latest.status == "open"
    if not resuming and latest is not None and used >= exam.attempts_allowed:
        return redirect(url_for("student.result", attempt_id=latest.id))
    config = {
        "exam_id": exam.id,
        "resume": resuming,
        "needs_code": bool(exam.access_code) and not resuming,
        "grace_seconds": exam.grace_seconds,
        "ping_after_seconds": PING_AFTER_SECONDS,
        "max_retry_seconds": MAX_RETRY_SECONDS,
        "start_url": url_for("api.start", exam_id=exam.id),
        "attempt_url": url_for("api.state", attempt_id=0)[:-1] + "{id}",
        "result_url": url_for("student.result", attempt_id=0).replace("/0/", "/{id}/"),
        "list_url": url_for("student.exams"),
        "login_url": url_for("auth.login", next=url_for("student.take", exam_id=exam.id)),
        "strings": _strings(),
    }
    return render_template("student/take.html", exam=exam, phase=exam_service.phase(exam, now), latest=latest,
                           used=used, resuming=resuming, exam_config=config)


def _sections(attempt: Attempt) -> list[dict]:
    return delivery.client_sections(attempts.delivered_paper(attempt.paper_id))


@bp.get("/attempts/<int:attempt_id>/result")
@roles_required("student")
def result(attempt_id: int):
    now = utcnow()
    try:
        attempt = attempts.own_attempt(attempt_id, current_user, now, settle=False)
    except Refused:
        abort(404)
    if attempt.status == "open":
        return redirect(url_for("student.take", exam_id=attempt.exam_id))
    review = results.review(attempt, now, translate=_)
    sections = _sections(attempt) if review["level"] == "full" else []
    refresh = current_app.config["RESULT_REFRESH_SECONDS"]
    return render_template("student/result.html", attempt=attempt, exam=attempt.exam, review=review,
                           sections=sections, closed=exam_service.phase(attempt.exam, now) == "closed",
                           chinese_numerals=NUMERALS,
                           refresh_seconds=max(1, round(refresh * random.uniform(0.75, 1.25))))
