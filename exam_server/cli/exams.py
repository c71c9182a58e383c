"""``exam-server exam …``: create and list exams, finalise overdue attempts, regrade after a key correction."""
import sys
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import click
from flask import current_app
from sqlalchemy import select

from .. import database
from ..extensions import db
from ..i18n import problem_text
from ..models import Exam, School, SchoolClass
from ..services import attempts, blueprints, exams, papers, regrade
from ..services.errors import Problem, ProblemsError

#: a service's field → the option that set it
_OPTIONS = {"title": "--title", "minutes": "--minutes", "paper_ids": "--paper", "class_ids": "--class",
            "closes_at": "--closes", "opens_at": "--opens", "forms": "--forms"}


@click.group()
def exam() -> None:
    """Exams (考试): create, list, finalise overdue attempts, regrade."""


def _fail(*messages: str) -> None:
    for message in messages:
        click.echo(message, err=True)
    sys.exit(1)


def _local_zone():
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def _moment(text: str, option: str) -> datetime:
    """An ISO date and time; without an offset it is local time (Asia/Shanghai)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        _fail(f"{option}: “{text}”不是 ISO 格式的日期时间（如 2025-03-01T08:30，不带时区时按北京时间）")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_local_zone())
    return moment.astimezone(timezone.utc)


def _local(moment: datetime) -> str:
    return moment.astimezone(_local_zone()).strftime("%Y-%m-%d %H:%M")


def _classes(names: tuple[str, ...]) -> list[int]:
    """Class ids by name ("2024级计算机1班", or "学校/班级" when the name is used by several schools)."""
    ids = []
    for name in names:
        school_name, _sep, class_name = name.rpartition("/")
        query = select(SchoolClass).join(SchoolClass.school).where(SchoolClass.name == class_name.strip())
        if school_name:
            query = query.where(School.name == school_name.strip())
        found = list(db.session.scalars(query.order_by(School.name)))
        if not found:
            _fail(f"--class: 没有名为“{name}”的班级")
        if len(found) > 1:
            schools = "、".join(c.school.name for c in found)
            _fail(f"--class: 多所学校都有名为“{name}”的班级（{schools}），请写成“学校/班级”，如“{found[0].school.name}/{name}”")
        ids.append(found[0].id)
    return ids


def _print_problems(error: ProblemsError, summary: str) -> None:
    for problem in error.problems:
        where = problem.where or ""
        head, _sep, rest = where.partition("[")
        option = _OPTIONS.get(head)
        if option:
            problem = Problem(option + (f"[{rest}" if rest else ""), problem.template, problem.params)
        click.echo(problem_text(problem), err=True)
    _fail(summary)


@exam.command("create")
@click.option("--paper", "paper_ids", multiple=True, type=int, help="A paper id; repeat for parallel forms.")
@click.option("--blueprint", default=None,
              help="Assemble the papers now from a blueprint: a stored blueprint's id or a blueprint file.")
@click.option("--forms", type=click.IntRange(1, papers.MAX_FORMS), default=1, show_default=True,
              help="With --blueprint: number of parallel forms to assemble.")
@click.option("--title", required=True, help="The exam's title.")
@click.option("--minutes", required=True, type=int, help="Time each student has, in minutes.")
@click.option("--class", "class_names", multiple=True,
              help="A class that sits the exam (repeatable); “学校/班级” when several schools use the name.")
@click.option("--opens", default=None, help="Opening time, ISO (local time without an offset); default now.")
@click.option("--closes", default=None, help="Closing time, ISO; default opening time + minutes + 60.")
def create(paper_ids, blueprint, forms, title, minutes, class_names, opens, closes) -> None:
    """Create an exam and print its id."""
    if bool(paper_ids) == bool(blueprint):
        _fail("--paper / --blueprint: 请用 --paper 指定试卷，或用 --blueprint 指定组卷方案（二者选一）")
    if forms != 1 and not blueprint:
        _fail("--forms: 只能与 --blueprint 一起使用；已有的平行卷请用多个 --paper 指定")
    if not class_names:
        _fail("--class: 请至少指定一个参加考试的班级")
    for paper_id in paper_ids:
        if papers.get_paper(paper_id) is None:
            _fail(f"--paper: 没有编号为 {paper_id} 的试卷")
    class_ids = _classes(class_names)
    if opens:
        opens_at = _moment(opens, "--opens")
        closes_at = _moment(closes, "--closes") if closes else exams.default_window(minutes, opens_at)[1]
    else:
        opens_at, default_close = exams.default_window(minutes)
        closes_at = _moment(closes, "--closes") if closes else default_close
    spec = exams.ExamSpec(title=title, opens_at=opens_at, closes_at=closes_at, minutes=minutes,
                          paper_ids=list(paper_ids), class_ids=class_ids)
    try:
        if blueprint:
            try:
                source = blueprints.resolve(blueprint)
            except ProblemsError as error:
                _fail(*(f"--blueprint: {problem_text(p)}" for p in error.problems))
            made = exams.create_exam_from_blueprint(source, spec, forms, None)
        else:
            made = exams.create_exam(spec, None)
    except ProblemsError as error:
        _print_problems(error, "未创建考试")
    click.echo(made.id)


@exam.command("list")
def list_() -> None:
    """List exams, newest first: id, category, window (local time), minutes, classes, title."""
    for record in db.session.scalars(select(Exam).order_by(Exam.opens_at.desc(), Exam.id.desc())):
        classes = "、".join(c.name for c in record.classes) or "—"
        click.echo(f"{record.id}\t{record.category.code}\t{_local(record.opens_at)} – {_local(record.closes_at)}\t"
                   f"{record.minutes} 分钟\t{classes}\t{record.title}")


@exam.command("finalize")
def finalize() -> None:
    """Submit every attempt whose time ran out and grade every submitted one (the server does both every few seconds)."""
    with database.writing():  # wait for SQLite's write lock rather than fail during an exam
        done = attempts.finalise_overdue()
        graded = attempts.grade_pending(limit=1_000_000)
    click.echo(f"已自动交卷 {done} 份超时的作答，评分 {graded} 份")


@exam.command("regrade")
@click.argument("exam_id", type=int)
@click.option("--apply", "do_apply", is_flag=True, help="Store the corrections and regrade (default: dry run).")
def regrade_(exam_id: int, do_apply: bool) -> None:
    """Show how corrected keys in the bank change the exam's scores; regrade with --apply."""
    record = exams.get_exam(exam_id)
    if record is None:
        _fail(f"没有编号为 {exam_id} 的考试")
    with database.writing():
        plan = regrade.apply(record, None) if do_apply else regrade.preview(record)
    if not plan.keys:
        click.echo("没有待应用的答案更正")
        return
    for key in plan.keys:
        state = "" if key.applicable else f"（不能应用：{problem_text(Problem('', key.reason, {}))}）"
        click.echo(f"{key.uid}\tv{key.from_version} → v{key.to_version}\t{key.old_key} → {key.new_key}{state}")
    for change in plan.scores:
        old = "—" if change.old_score is None else f"{change.old_score:g}"
        click.echo(f"{change.student.username}\t{change.student.name}\t{old} → {change.new_score:g}")
    if plan.applied:
        click.echo(f"已重新评分：{len(plan.applicable)} 道题更正答案，{len(plan.scores)} 份作答分数改变")
    elif plan.applicable:
        click.echo(f"试运行：{len(plan.scores)} 份作答的分数将改变（共 {plan.submitted} 份已交卷）；加 --apply 执行")
    else:
        click.echo("没有可以应用的答案更正")
