"""Forms of the exam pages: a new exam, and the proctor's actions.

Numbers and times are typed as text so a slip shows a Chinese message naming
the field. Times are typed in local time (Asia/Shanghai) and stored in UTC.
The service checks the exam itself; its problems come back placed by name
("closes_at", "allowed_networks:3", "usernames[2]") and :meth:`ExamForm.attach`
shows each at the field, naming the line of a text box.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone, tzinfo
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField,
                     SubmitField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from question_bank.problems import Problem, ProblemsError

from ..forms import attach_problems, choice, choices, is_whole_number, to_int
from ..i18n import problem_text
from ..services.exams import MAX_EXTRA_MINUTES, ExamSpec

SOURCES = {"paper": _l("一份试卷"), "forms": _l("多份平行卷（每名考生抽到其中一份）"),
           "blueprint": _l("按组卷方案现在组卷")}
REVIEW_LABELS = {"none": _l("不显示"), "score": _l("仅显示分数"), "full": _l("显示分数和答案解析")}
MAX_BLUEPRINT_FORMS = 6
INPUT_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends and shows
_TIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
                 "%Y/%m/%d %H:%M", "%Y/%m/%d %H:%M:%S")
_STUDENT_SEPARATORS = re.compile(r"[\s,，、;；]+")
_NETWORK_LINE = re.compile(r"^allowed_networks:(\d+)$")
_USERNAME_PLACE = re.compile(r"^usernames\[(\d+)\]$")
_EXTRA_PLACE = re.compile(r"^extra_minutes\[(.*)\]$")
_PAPER_PLACE = re.compile(r"^paper_ids(\[\d+\])?$")


# ---------------------------------------------------------------- local time

def local_zone() -> tzinfo:
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Shanghai")


def parse_local(text: str | None) -> datetime | None:
    """A date and time typed in local time ("2025-03-01 08:30" or the browser's "2025-03-01T08:30") in UTC."""
    text = (text or "").strip()
    for fmt in _TIME_FORMATS:
        try:
            moment = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return moment.replace(tzinfo=local_zone()).astimezone(timezone.utc)
    return None


def local_input(moment: datetime) -> str:
    """A UTC moment as a datetime-local input shows it."""
    return moment.astimezone(local_zone()).strftime(INPUT_FORMAT)


def is_local_time(form, field) -> None:
    """Validator: a date and time in one of the accepted formats."""
    if parse_local(field.data) is None:
        raise ValidationError(_l("请按“2025-03-01 08:30”的格式填写日期和时间"))


# ---------------------------------------------------------------- students typed one per line

def parse_students(text: str) -> tuple[list[tuple[int, str, int]], list[str]]:
    """``(line number, username, extra minutes)`` per filled line of "学号 [分钟]", and messages naming bad lines."""
    rows, messages, seen = [], [], {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        parts = [p for p in _STUDENT_SEPARATORS.split(line.strip()) if p]
        if not parts:
            continue
        if len(parts) > 2:
            messages.append(_("第 %(line)d 行：“%(text)s”应为“学号”或“学号 分钟”", line=number, text=line.strip()))
            continue
        minutes = to_int(parts[1]) if len(parts) == 2 else 0
        if minutes is None or not 0 <= minutes <= MAX_EXTRA_MINUTES:
            messages.append(_("第 %(line)d 行：延长时间须为 0 至 %(most)d 之间的整数（分钟）", line=number,
                              most=MAX_EXTRA_MINUTES))
            continue
        if parts[0] in seen:
            messages.append(_("第 %(line)d 行：学号“%(username)s”与第 %(first)d 行重复", line=number,
                              username=parts[0], first=seen[parts[0]]))
            continue
        seen[parts[0]] = number
        rows.append((number, parts[0], minutes))
    return rows, messages


# ---------------------------------------------------------------- a new exam

def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _source_choices():
    return choices(SOURCES.items())


def _review_choices():
    return choices(REVIEW_LABELS.items())


class ExamForm(FlaskForm):
    title = StringField(_l("考试名称"), filters=[_strip], validators=[
        DataRequired(message=_l("请填写考试名称")), Length(max=200, message=_l("不超过 200 个字符"))])
    source = RadioField(_l("试卷来源"), choices=_source_choices, default="paper", validate_choice=False)
    paper_id = SelectField(_l("试卷"), validate_choice=False)
    paper_ids = SelectMultipleField(_l("平行卷"), validate_choice=False,
                                    description=_l("按住 Ctrl 键可选多份；须属于同一大类"))
    blueprint_id = SelectField(_l("组卷方案"), validate_choice=False)
    forms = SelectField(_l("组卷份数"), choices=choices((str(n), str(n)) for n in range(1, MAX_BLUEPRINT_FORMS + 1)),
                        default="1", validate_choice=False, description=_l("多于 1 份时为 A卷、B卷 …，每名考生抽到其中一份"))
    class_ids = SelectMultipleField(_l("参加考试的班级"), validate_choice=False,
                                    description=_l("按住 Ctrl 键可选多个班级"))
    students = TextAreaField(_l("另行指定的学生和延长时间"),
                             description=_l("每行一名学生：学号，需要延长时间的在后面写分钟数，如“2024010203 15”"))
    opens_at = StringField(_l("开考时间"), validators=[InputRequired(message=_l("请填写开考时间")), is_local_time],
                           description=_l("北京时间，如 2025-03-01 08:30"))
    closes_at = StringField(_l("截止时间"), validators=[InputRequired(message=_l("请填写截止时间")), is_local_time],
                            description=_l("此后不能再开始作答；已开始的到此时为止"))
    minutes = StringField(_l("考试时长（分钟）"), validators=[is_whole_number], description=_l("不填则用试卷的时长"))
    attempts_allowed = StringField(_l("允许作答次数"), default="1",
                                   validators=[InputRequired(message=_l("请填写允许作答次数")), is_whole_number])
    shuffle_items = BooleanField(_l("打乱题目顺序（在各大题内）"), default=True)
    shuffle_options = BooleanField(_l("打乱选项顺序"), default=True)
    review_after_submit = SelectField(_l("交卷后学生可以看到"), choices=_review_choices, default="score",
                                      validate_choice=False)
    review_after_close = SelectField(_l("考试结束后学生可以看到"), choices=_review_choices, default="full",
                                     validate_choice=False)
    access_code = StringField(_l("考试口令"), validators=[Length(max=32, message=_l("不超过 32 个字符"))],
                              description=_l("不填则无需口令；开考和换机时须输入"))
    allowed_networks = TextAreaField(_l("允许的机房网段"),
                                     description=_l("每行一个，如 192.168.10.0/24；不填则不限制"))
    single_device = BooleanField(_l("锁定一台电脑作答（换机须监考员“解除锁定”）"), default=True)
    grace_seconds = StringField(_l("宽限时间（秒）"), default="30",
                                validators=[InputRequired(message=_l("请填写宽限时间")), is_whole_number],
                                description=_l("时间到后仍接受这几秒内发出的保存（网络延迟）"))
    submit = SubmitField(_l("创建考试"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.student_lines: dict[str, int] = {}

    # ------------------------------------------------------------ choices

    def fill_choices(self, papers, blueprints, classes, school_names: bool) -> None:
        """Offer papers (grouped by category), blueprints and classes (with their school for admins)."""
        grouped = [choice(str(p.id), _paper_label(p), p.category.name) for p in papers]
        self.paper_id.choices = [choice("", _("请选择试卷"))] + grouped
        self.paper_ids.choices = list(grouped)
        self.blueprint_id.choices = [choice("", _("请选择组卷方案"))] + [
            choice(str(b.id), f"{b.name}（{b.category.name}）") for b in blueprints]
        self.class_ids.choices = [choice(str(c.id), f"{c.school.name} {c.name}" if school_names else c.name)
                                  for c in classes]

    def set_window(self, opens_at: datetime, closes_at: datetime) -> None:
        self.opens_at.data, self.closes_at.data = local_input(opens_at), local_input(closes_at)

    # ------------------------------------------------------------ checking and the spec

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.source.data not in SOURCES:
            self.source.errors = list(self.source.errors) + [_("请选择试卷来源")]
            valid = False
        elif self.source.data == "blueprint" and to_int(self.blueprint_id.data) is None:
            self.blueprint_id.errors = list(self.blueprint_id.errors) + [_("请选择组卷方案")]
            valid = False
        elif self.source.data == "paper" and to_int(self.paper_id.data) is None:
            self.paper_id.errors = list(self.paper_id.errors) + [_("请选择试卷")]
            valid = False
        elif self.source.data == "forms" and len(self.chosen_papers()) < 2:
            self.paper_ids.errors = list(self.paper_ids.errors) + [_("平行卷须选择至少两份试卷")]
            valid = False
        rows, messages = parse_students(self.students.data)
        self.student_lines = {username: number for number, username, _m in rows}
        if messages:
            self.students.errors = list(self.students.errors) + messages
            valid = False
        return valid

    def chosen_papers(self) -> list[int]:
        if self.source.data == "paper":
            return [n for n in [to_int(self.paper_id.data)] if n is not None]
        if self.source.data == "forms":
            return [n for n in (to_int(v) for v in self.paper_ids.data or []) if n is not None]
        return []

    def blueprint(self) -> int | None:
        return to_int(self.blueprint_id.data)

    def form_count(self) -> int:
        return min(max(to_int(self.forms.data) or 1, 1), MAX_BLUEPRINT_FORMS)

    def to_spec(self) -> ExamSpec:
        rows, _messages = parse_students(self.students.data)
        minutes = to_int(self.minutes.data) if (self.minutes.data or "").strip() else None
        return ExamSpec(
            title=(self.title.data or "").strip(), opens_at=parse_local(self.opens_at.data),
            closes_at=parse_local(self.closes_at.data), minutes=minutes, paper_ids=self.chosen_papers(),
            class_ids=[n for n in (to_int(v) for v in self.class_ids.data or []) if n is not None],
            usernames=[username for _n, username, _m in rows],
            extra_minutes={username: extra for _n, username, extra in rows if extra},
            attempts_allowed=to_int(self.attempts_allowed.data, 1), shuffle_items=bool(self.shuffle_items.data),
            shuffle_options=bool(self.shuffle_options.data), review_after_submit=self.review_after_submit.data or "",
            review_after_close=self.review_after_close.data or "", access_code=(self.access_code.data or "").strip(),
            allowed_networks=self.allowed_networks.data or "", single_device=bool(self.single_device.data),
            grace_seconds=to_int(self.grace_seconds.data, 30))

    # ------------------------------------------------------------ the service's problems at their fields

    def attach(self, error: ProblemsError) -> list[str]:
        """Show each problem at its field (a text box's at its line); return those that name no field."""
        rest = []
        usernames = list(self.student_lines)
        for problem in error.problems:
            where = problem.where or ""
            message = problem_text(Problem("", problem.template, problem.params))
            network = _NETWORK_LINE.match(where)
            user_at = _USERNAME_PLACE.match(where)
            extra_of = _EXTRA_PLACE.match(where)
            if network:
                _add(self.allowed_networks, _("第 %(line)s 行：%(message)s", line=network.group(1), message=message))
            elif user_at or extra_of:
                username = (usernames[int(user_at.group(1))] if user_at and int(user_at.group(1)) < len(usernames)
                            else extra_of.group(1) if extra_of else "")
                line = self.student_lines.get(username)
                _add(self.students, _("第 %(line)d 行：%(message)s", line=line, message=message) if line else message)
            elif _PAPER_PLACE.match(where):
                _add(self._paper_field(), message)
            elif self.source.data == "blueprint" and where not in self._fields:
                # the blueprint's own problems (a shortage in the bank, …), with their place in it
                _add(self.blueprint_id, problem_text(problem))
            else:
                rest.append(problem)
        return attach_problems(self, ProblemsError(rest))

    def _paper_field(self):
        return {"paper": self.paper_id, "forms": self.paper_ids}.get(self.source.data, self.blueprint_id)


def _add(field, message: str) -> None:
    field.errors = list(field.errors) + [message]


def _paper_label(paper) -> str:
    form = _("（%(form)s卷）", form=paper.form) if paper.form else ""
    return f"#{paper.id} {paper.title}{form}"


# ---------------------------------------------------------------- the proctor's actions

class ActionForm(FlaskForm):
    """One console action on one attempt, or on every open attempt of the room shown."""

    attempt_id = HiddenField()
    class_id = HiddenField()
    minutes = StringField(_l("分钟"))

    def attempt(self) -> int | None:
        return to_int(self.attempt_id.data)

    def room(self) -> int | None:
        return to_int(self.class_id.data)

    def minutes_value(self) -> int | None:
        return to_int(self.minutes.data)


class RegradeForm(FlaskForm):
    submit = SubmitField(_l("按更正后的答案重新评分"))
