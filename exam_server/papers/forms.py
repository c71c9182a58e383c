"""Forms of the paper pages: the blueprint grid (双向细目表), assembly, a hand-picked paper, upload.

Numbers are typed as text so a slip shows a Chinese message rather than WTForms'
English one. The grid builds the blueprint's native spec dict
(question_bank.formats.blueprint); the rules themselves belong to the domain and
come back as problems placed by JSON path ("sections[1].count"), which
:meth:`BlueprintForm.attach` maps to the row the teacher typed them in.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import FieldList, Form, FormField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length

from question_bank.model import DIFFICULTY_LEVELS
from question_bank.problems import Problem, ProblemsError
from question_bank.types import DEFAULT_MULTIPLE_RULE, ITEM_TYPES, MULTIPLE_RULES

from ..forms import (attach_problems, choice as _choice, choices as _choices, is_number, is_whole_number,
                     to_int, to_number)
from ..i18n import problem_text
from ..labels import LEVEL_LABELS

#: empty rows offered below the filled ones, for browsers without JavaScript
SPARE_ROWS = 3
FIXED_SECTION_ROWS = 4
MAX_FORMS = 6
SPEC_FORMAT, SPEC_VERSION = "hbjn-exam-blueprint", 1
_UID_SEPARATORS = re.compile(r"[\s,，、;；]+")
_ROW_PLACE = re.compile(r"^(sections|constraints)\[(\d+)\](?:\.(\w+))?(?:\[(\d+)\])?")


# ---------------------------------------------------------------- parsing typed numbers

def _text(field) -> str:
    return (field.data or "").strip() if isinstance(field.data, str) else ""


def _format(value) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def split_uids(text: str) -> list[str]:
    """Item uids typed one per line (commas and spaces also separate them)."""
    return [uid for uid in _UID_SEPARATORS.split(text or "") if uid]


def _type_choices(blank=None):
    head = [_choice("", blank)] if blank is not None else []
    return head + _choices((name, _l(item_type.label)) for name, item_type in ITEM_TYPES.items())


def _rule_choices():
    return _choices((code, _l(text)) for code, text in MULTIPLE_RULES.items())


def _level_choices(blank):
    return [_choice("", blank)] + _choices((code, LEVEL_LABELS[code]) for code in DIFFICULTY_LEVELS)


def _message(problem: Problem) -> str:
    return problem_text(Problem("", problem.template, problem.params))


# ---------------------------------------------------------------- the blueprint grid

class SectionRow(Form):
    type = SelectField(_l("题型"), choices=_type_choices(blank="—"), validate_choice=False)
    count = StringField(_l("题数"), validators=[is_whole_number])
    points_each = StringField(_l("每题分值"), validators=[is_number])
    rule = SelectField(_l("多选评分"), choices=_rule_choices(), default=DEFAULT_MULTIPLE_RULE,
                       validate_choice=False)
    instruction = StringField(_l("说明"), validators=[Length(max=500, message=_l("不超过 500 个字符"))])

    def is_used(self) -> bool:
        return bool(self.type.data or _text(self.count) or _text(self.points_each) or _text(self.instruction))

    def to_dict(self) -> dict:
        return {"type": self.type.data or "", "count": to_int(self.count.data),
                "points_each": to_number(self.points_each.data),
                "rule": self.rule.data or DEFAULT_MULTIPLE_RULE, "instruction": _text(self.instruction)}


class ConstraintRow(Form):
    subject = SelectField(_l("科目"), validate_choice=False)
    knowledge_point = SelectField(_l("知识点"), validate_choice=False)
    type = SelectField(_l("题型"), choices=_type_choices(blank=_l("任意")), validate_choice=False)
    level = SelectField(_l("难度"), choices=_level_choices(_l("任意")), validate_choice=False)
    exact = StringField(_l("恰好"), validators=[is_whole_number])
    minimum = StringField(_l("至少"), validators=[is_whole_number])
    maximum = StringField(_l("至多"), validators=[is_whole_number])

    def is_used(self) -> bool:
        return bool(self.subject.data or self.knowledge_point.data or _text(self.exact)
                    or _text(self.minimum) or _text(self.maximum))

    def to_dict(self) -> dict:
        return {"subject": self.subject.data or "", "knowledge_point": self.knowledge_point.data or None,
                "type": self.type.data or None, "level": self.level.data or None,
                "exact": to_int(self.exact.data), "minimum": to_int(self.minimum.data),
                "maximum": to_int(self.maximum.data)}


DIFFICULTY_MODES = {"none": _l("不限"), "mean": _l("难度系数均值"), "counts": _l("各难度题数")}

#: a problem's place in the spec → the top-level field that shows it
_TOP_FIELDS = {
    "name": "name", "title": "title", "minutes": "minutes", "difficulty": "difficulty_mode",
    "difficulty.mean": "mean", "difficulty.tolerance": "tolerance",
    "difficulty.counts": "count_medium", "difficulty.counts.easy": "count_easy",
    "difficulty.counts.medium": "count_medium", "difficulty.counts.hard": "count_hard",
    "exclude": "exclude_uids", "exclude.used_in_last_papers": "used_in_last_papers",
    "exclude.used_more_than": "used_more_than", "exclude.uids": "exclude_uids", "pinned": "pinned",
}


class BlueprintForm(FlaskForm):
    name = StringField(_l("方案名称"), validators=[
        InputRequired(message=_l("请填写方案名称")), Length(max=200, message=_l("不超过 200 个字符"))])
    title = StringField(_l("试卷标题"), validators=[Length(max=200, message=_l("不超过 200 个字符"))])
    minutes = StringField(_l("考试时长（分钟）"), default="60", validators=[is_whole_number])
    sections = FieldList(FormField(SectionRow), min_entries=1, max_entries=30)
    constraints = FieldList(FormField(ConstraintRow), min_entries=1, max_entries=200)
    difficulty_mode = RadioField(_l("难度要求"), choices=_choices(DIFFICULTY_MODES.items()), default="none",
                                 validate_choice=False)
    mean = StringField(_l("均值"), validators=[is_number], description=_l("0 到 1，越大越容易"))
    tolerance = StringField(_l("允许偏差 ±"), default="0.05", validators=[is_number])
    count_easy = StringField(LEVEL_LABELS["easy"], validators=[is_whole_number])
    count_medium = StringField(LEVEL_LABELS["medium"], validators=[is_whole_number])
    count_hard = StringField(LEVEL_LABELS["hard"], validators=[is_whole_number])
    used_in_last_papers = StringField(_l("排除最近 N 份试卷用过的题"), validators=[is_whole_number])
    used_more_than = StringField(_l("排除已使用超过 M 次的题"), validators=[is_whole_number])
    exclude_uids = TextAreaField(_l("排除的试题编号"), description=_l("每行一个"))
    pinned = TextAreaField(_l("必选试题编号"), description=_l("每行一个；放入其题型所在的大题"))
    save = SubmitField(_l("保存方案"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec_rows: dict[str, list] = {"sections": [], "constraints": []}

    def set_taxonomy(self, category: dict) -> None:
        """Offer the category's subjects, and its knowledge points grouped by subject."""
        subjects = category["subjects"]
        for entry in self.constraints:
            row = entry.form
            row.subject.choices = [_choice("", _("请选择科目"))] + _choices((s["name"], s["name"]) for s in subjects)
            row.knowledge_point.choices = [_choice("", _("全部"))] + [
                _choice(p["name"], p["name"], s["name"]) for s in subjects for p in s["points"]]

    def add_spare_rows(self) -> None:
        for _n in range(SPARE_ROWS):
            self.sections.append_entry()
            self.constraints.append_entry()

    def totals(self) -> tuple[int, float]:
        """Items and points over the filled section rows (for the grid's footer)."""
        items = points = 0
        for entry in self.sections:
            count, each = to_int(entry.form.count.data) or 0, to_number(entry.form.points_each.data) or 0
            items, points = items + count, points + count * each
        return items, points

    # ------------------------------------------------------------ form → spec

    def to_spec(self, category_code: str) -> dict:
        """The blueprint's native spec; remembers which row each section and constraint came from."""
        self.spec_rows = {"sections": [e.form for e in self.sections if e.form.is_used()],
                          "constraints": [e.form for e in self.constraints if e.form.is_used()]}
        return {
            "format": SPEC_FORMAT, "version": SPEC_VERSION, "title": _text(self.title),
            "category": category_code, "minutes": to_int(self.minutes.data),
            "sections": [row.to_dict() for row in self.spec_rows["sections"]],
            "constraints": [row.to_dict() for row in self.spec_rows["constraints"]],
            "difficulty": self._difficulty(),
            "exclude": {"used_in_last_papers": to_int(self.used_in_last_papers.data),
                        "used_more_than": to_int(self.used_more_than.data),
                        "uids": split_uids(self.exclude_uids.data)},
            "pinned": split_uids(self.pinned.data),
        }

    def _difficulty(self):
        if self.difficulty_mode.data == "mean":
            tolerance = to_number(self.tolerance.data)
            return {"mean": to_number(self.mean.data), "tolerance": 0.05 if tolerance is None else tolerance}
        if self.difficulty_mode.data == "counts":
            return {"counts": {level: to_int(self[f"count_{level}"].data) or 0 for level in DIFFICULTY_LEVELS}}
        return None

    # ------------------------------------------------------------ problems → rows and fields

    def attach(self, error: ProblemsError) -> list[str]:
        """Show each problem at its row or field; return the messages that belong to neither."""
        rest = []
        for problem in error.problems:
            match = _ROW_PLACE.match(problem.where or "")
            rows = self.spec_rows.get(match.group(1), []) if match else []
            if match and int(match.group(2)) < len(rows):
                _add_error(rows[int(match.group(2))], match.group(3), _message(problem))
                continue
            place = re.sub(r"\[(\w+)\]$", lambda m: "" if m.group(1).isdigit() else "." + m.group(1),
                           problem.where or "")
            rest.append(Problem(_TOP_FIELDS.get(place, problem.where), problem.template, problem.params))
        return attach_problems(self, ProblemsError(rest))


def _add_error(row: Form, name: str | None, message: str) -> None:
    field = row._fields.get(name) if name else None
    if field is not None:
        field.errors = list(field.errors) + [message]
    else:
        row.row_errors = getattr(row, "row_errors", []) + [message]


def blueprint_form_data(name: str, spec: dict) -> dict:
    """The grid's fields filled from a stored spec."""
    difficulty = spec.get("difficulty") or {}
    counts = difficulty.get("counts") or {}
    exclude = spec.get("exclude") or {}
    mode = "counts" if counts else "mean" if difficulty.get("mean") is not None else "none"
    return {
        "name": name, "title": spec.get("title", ""), "minutes": _format(spec.get("minutes")),
        "sections": [{"type": s.get("type", ""), "count": _format(s.get("count")),
                      "points_each": _format(s.get("points_each")),
                      "rule": s.get("rule") or DEFAULT_MULTIPLE_RULE, "instruction": s.get("instruction", "")}
                     for s in spec.get("sections") or []],
        "constraints": [{"subject": c.get("subject") or "", "knowledge_point": c.get("knowledge_point") or "",
                         "type": c.get("type") or "", "level": c.get("level") or "",
                         "exact": _format(c.get("exact")), "minimum": _format(c.get("minimum")),
                         "maximum": _format(c.get("maximum"))} for c in spec.get("constraints") or []],
        "difficulty_mode": mode, "mean": _format(difficulty.get("mean")),
        "tolerance": _format(difficulty.get("tolerance", 0.05)),
        **{f"count_{level}": _format(counts.get(level)) for level in DIFFICULTY_LEVELS},
        "used_in_last_papers": _format(exclude.get("used_in_last_papers")),
        "used_more_than": _format(exclude.get("used_more_than")),
        "exclude_uids": "\n".join(exclude.get("uids") or []), "pinned": "\n".join(spec.get("pinned") or []),
    }


# ---------------------------------------------------------------- assembly

class AssembleForm(FlaskForm):
    seed = StringField(_l("随机种子"), validators=[InputRequired(message=_l("请填写随机种子")), is_whole_number],
                       description=_l("同一方案、同一种子组出的试卷相同"))
    forms = SelectField(_l("平行卷份数"), choices=_choices((str(n), str(n)) for n in range(1, MAX_FORMS + 1)),
                        default="1", description=_l("多于 1 份时为 A卷、B卷 …"))
    max_shared = StringField(_l("任意两卷最多共用的题数"), default="0", validators=[is_whole_number])
    title = StringField(_l("试卷标题（可选）"), validators=[Length(max=200, message=_l("不超过 200 个字符"))],
                        description=_l("不填则用方案中的标题"))
    submit = SubmitField(_l("开始组卷"))

    def options(self) -> dict:
        forms = to_int(self.forms.data) or 1
        return {"seed": to_int(self.seed.data), "forms": min(max(forms, 1), MAX_FORMS),
                "max_shared": to_int(self.max_shared.data) or 0, "title": _text(self.title) or None}


# ---------------------------------------------------------------- a paper picked by hand

class FixedSectionRow(Form):
    type = SelectField(_l("题型"), choices=_type_choices(blank="—"), validate_choice=False)
    points_each = StringField(_l("每题分值"), validators=[is_number])
    rule = SelectField(_l("多选评分"), choices=_rule_choices(), default=DEFAULT_MULTIPLE_RULE,
                       validate_choice=False)
    instruction = StringField(_l("说明"), validators=[Length(max=500, message=_l("不超过 500 个字符"))])
    uids = TextAreaField(_l("试题编号"), description=_l("每行一个"))

    def is_used(self) -> bool:
        return bool(self.type.data or _text(self.uids) or _text(self.points_each))

    def lines(self) -> list[tuple[int, str]]:
        """(line number from 1, uid) of each non-empty line of the uid box."""
        return [(n, line.strip()) for n, line in enumerate((self.uids.data or "").splitlines(), start=1)
                if line.strip()]


class FixedPaperForm(FlaskForm):
    title = StringField(_l("试卷标题"), validators=[
        InputRequired(message=_l("请填写试卷标题")), Length(max=200, message=_l("不超过 200 个字符"))])
    minutes = StringField(_l("考试时长（分钟）"), default="60",
                          validators=[InputRequired(message=_l("请填写考试时长")), is_whole_number])
    sections = FieldList(FormField(FixedSectionRow), min_entries=FIXED_SECTION_ROWS, max_entries=20)
    save = SubmitField(_l("保存试卷"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.used_rows: list[tuple[int, FixedSectionRow]] = []

    def to_sections(self) -> list[dict]:
        self.used_rows = [(n, e.form) for n, e in enumerate(self.sections, start=1) if e.form.is_used()]
        return [{"type": row.type.data or "", "points_each": to_number(row.points_each.data),
                 "rule": row.rule.data or DEFAULT_MULTIPLE_RULE, "instruction": _text(row.instruction),
                 "uids": [uid for _n, uid in row.lines()]} for _k, row in self.used_rows]

    def attach(self, error: ProblemsError) -> list[str]:
        """Problems of a section at that section (its uids by line); the rest as messages."""
        rest = []
        for problem in error.problems:
            match = _ROW_PLACE.match(problem.where or "")
            if not (match and match.group(1) == "sections" and int(match.group(2)) < len(self.used_rows)):
                rest.append(problem)
                continue
            number, row = self.used_rows[int(match.group(2))]
            message = _message(problem)
            if match.group(3) == "uids" and match.group(4) is not None and int(match.group(4)) < len(row.lines()):
                line = row.lines()[int(match.group(4))][0]
                message = _("第 %(section)d 大题第 %(line)d 行：%(message)s", section=number, line=line,
                            message=message)
            _add_error(row, match.group(3), message)
        return attach_problems(self, ProblemsError(rest))


# ---------------------------------------------------------------- lists and upload

class PaperFilterForm(FlaskForm):
    """The paper list's filter, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    category = SelectField(_l("大类"), coerce=to_int, validate_choice=False)

    def set_categories(self, categories) -> None:
        self.category.choices = [_choice("", _("全部"))] + _choices((c.id, c.name) for c in categories)


class ImportForm(FlaskForm):
    file = FileField(_l("方案文件"), description=_l("JSON 或 YAML，即本页导出的格式"))
    submit = SubmitField(_l("导入"))
