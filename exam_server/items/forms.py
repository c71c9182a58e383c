"""Forms of the item pages: the item editor, the list filters, bulk actions and review.

The editor's fields are flat and typed as text where a number is expected, so a
slip shows a Chinese message rather than WTForms' English one; the content
rules themselves (one correct answer, options A, B, C …) belong to the domain
and come back from the service as problems that :meth:`ItemForm.attach` places.
"""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, FieldList, Form, FormField, HiddenField, RadioField, SelectField,
                     SelectMultipleField, StringField, SubmitField, TextAreaField)
from wtforms.validators import Length, ValidationError

from question_bank.model import DIFFICULTY_LEVELS, MAX_OPTIONS, OPTION_IDS, difficulty_level
from question_bank.problems import Problem, ProblemsError
from question_bank.richtext import MEDIA_SRC
from question_bank.types import ITEM_TYPES

from ..hardening import local_target
from ..forms import attach_problems, choice as _choice, choices as _choices, is_number, to_int, to_number
from ..i18n import problem_text
from ..labels import LEVEL_LABELS, STATUS_LABELS
from ..services.items import ItemDraft, ItemFilter

SCORING_POINT_ROWS = 6
CHOICE_TYPES = ("single", "multiple")
_TAG_SEPARATORS = re.compile(r"[,，、;；\n]+")
_ACCEPTED_SEPARATORS = re.compile(r"[|｜]")


def _format_number(value) -> str:
    return "" if value is None else f"{float(value):g}"


def _is_media_name(form, field):
    if field.data and not MEDIA_SRC.match("/media/" + field.data):
        raise ValidationError(_l("图片名称无效，请重新上传"))


def split_tags(text: str) -> list[str]:
    """Tags typed as one line, separated by commas (either width), 、 or ;."""
    return [t.strip() for t in _TAG_SEPARATORS.split(text or "") if t.strip()]


def _type_choices():
    return _choices((name, _l(item_type.label)) for name, item_type in ITEM_TYPES.items())


def _level_choices():
    return _choices((code, LEVEL_LABELS[code]) for code in DIFFICULTY_LEVELS)


class OptionForm(Form):
    text = TextAreaField(_l("选项内容"))
    image = HiddenField(validators=[_is_media_name])
    image_file = FileField(_l("选项图片"))
    pinned = BooleanField(_l("固定位置"), description=_l("打乱选项时保持在原位，如“以上都对”"))
    correct = BooleanField(_l("正确"))

    def is_used(self) -> bool:
        return bool((self.text.data or "").strip() or self.image.data or self.correct.data)


class ScoringPointForm(Form):
    text = StringField(_l("评分要点"), validators=[Length(max=500, message=_l("不超过 500 个字符"))])
    points = StringField(_l("分值"), validators=[is_number])


class ItemForm(FlaskForm):
    type = SelectField(_l("题型"), choices=_type_choices(), default="single", validate_choice=False)
    category_id = SelectField(_l("大类"), coerce=to_int, validate_choice=False)
    subject_id = SelectField(_l("科目"), coerce=to_int, validate_choice=False)
    knowledge_point_ids = SelectMultipleField(_l("知识点"), coerce=to_int, validate_choice=False,
                                              description=_l("可多选（按住 Ctrl 点选）"))
    stem = TextAreaField(_l("题干"))
    options = FieldList(FormField(OptionForm), min_entries=MAX_OPTIONS, max_entries=MAX_OPTIONS)
    answer_single = RadioField(_l("正确答案"), choices=_choices((k, k) for k in OPTION_IDS),
                               validate_choice=False)
    answer_tf = RadioField(_l("正确答案"), choices=_choices([("true", _l("对")), ("false", _l("错"))]),
                           validate_choice=False)
    answer_blanks = TextAreaField(_l("各空答案"),
                                  description=_l("每行对应一个空；同一个空的多个可接受答案用“|”分隔"))
    case_sensitive = BooleanField(_l("区分大小写（如单位 mA 与 MA）"))
    answer_text = TextAreaField(_l("参考答案"))
    scoring_points = FieldList(FormField(ScoringPointForm), min_entries=SCORING_POINT_ROWS,
                               max_entries=20)
    explanation = TextAreaField(_l("解析"))
    level = SelectField(_l("难度"), choices=_level_choices(), default="medium", validate_choice=False)
    facility = StringField(_l("难度系数（可选）"), validators=[is_number],
                           description=_l("0 到 1 之间的预计得分率，越大越容易；填写后以此为准"))
    points = StringField(_l("分值"), default="1", validators=[is_number])
    tags = StringField(_l("标签"), description=_l("多个标签用逗号或顿号分隔"))
    source = StringField(_l("来源"), validators=[Length(max=200, message=_l("不超过 200 个字符"))])
    confirm_not_duplicate = BooleanField(_l("我已确认这不是重复题"))
    save = SubmitField(_l("保存"))
    preview = SubmitField(_l("预览"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_errors: list[str] = []
        self.answer_errors: list[str] = []

    # ------------------------------------------------------------ taxonomy pickers

    def set_taxonomy(self, tree: list[dict]) -> None:
        """Offer the categories, the subjects of the chosen category and the points of the chosen subject."""
        self.category_id.choices = _choices((c["id"], c["name"]) for c in tree)
        category = _find(tree, self.category_id.data) or _category_of(tree, self.subject_id.data)
        if category is None and tree:
            category = tree[0]
        if category is not None:
            self.category_id.data = category["id"]
        subjects = category["subjects"] if category else []
        self.subject_id.choices = _choices([("", _l("请选择科目"))] + [(s["id"], s["name"]) for s in subjects])
        subject = _find(subjects, self.subject_id.data)
        self.knowledge_point_ids.choices = _choices((p["id"], p["name"]) for p in _points(subject))

    # ------------------------------------------------------------ form → draft

    def option_rows(self) -> list[OptionForm]:
        return [entry.form for entry in self.options]

    def uploads(self):
        """(option form, file) for each option image sent with the form itself (no JavaScript)."""
        return [(row, row.image_file.data) for row in self.option_rows()
                if row.image_file.data and getattr(row.image_file.data, "filename", "")]

    def to_draft(self) -> ItemDraft:
        """The item the teacher described; never raises, the service judges the content."""
        kind = self.type.data
        options, answer = self._options_and_answer(kind) if kind in CHOICE_TYPES else ([], None)
        scoring_points = []
        if kind == "truefalse":
            answer = {"true": True, "false": False}.get(self.answer_tf.data)
        elif kind == "blank":
            lines = [line for line in (self.answer_blanks.data or "").splitlines() if line.strip()]
            answer = [[a.strip() for a in _ACCEPTED_SEPARATORS.split(line) if a.strip()] for line in lines]
        elif kind == "short":
            answer = self.answer_text.data or ""
            scoring_points = [{"text": (row.text.data or "").strip(), "points": to_number(row.points.data, 0.0)}
                              for row in (entry.form for entry in self.scoring_points)
                              if (row.text.data or "").strip() or (row.points.data or "").strip()]
        level = self.level.data if self.level.data in DIFFICULTY_LEVELS else "medium"
        return ItemDraft(
            type=kind, stem=self.stem.data or "", subject_id=self.subject_id.data or 0,
            options=options, answer=answer, scoring_points=scoring_points,
            explanation=self.explanation.data or "",
            difficulty=to_number(self.facility.data, DIFFICULTY_LEVELS[level]),
            points=to_number(self.points.data, 0.0),
            knowledge_point_ids=[i for i in self.knowledge_point_ids.data or [] if i],
            tags=split_tags(self.tags.data), source=(self.source.data or "").strip(),
            case_sensitive=kind == "blank" and bool(self.case_sensitive.data),
        )

    def _options_and_answer(self, kind: str):
        rows = self.option_rows()
        if kind == "single":
            for index, row in enumerate(rows):
                row.correct.data = OPTION_IDS[index] == self.answer_single.data
        used = [index for index, row in enumerate(rows) if row.is_used()]
        rows = rows[:used[-1] + 1] if used else []
        options = [{"id": OPTION_IDS[i], "text": row.text.data or "", "image": row.image.data or None,
                    "pinned": bool(row.pinned.data)} for i, row in enumerate(rows)]
        keys = [OPTION_IDS[i] for i, row in enumerate(rows) if row.correct.data]
        if kind == "single":
            return options, keys[0] if keys else None
        return options, keys

    # ------------------------------------------------------------ problems → fields

    def attach(self, error: ProblemsError) -> list[str]:
        """Show each problem beside its field; return the messages that belong to no field."""
        rest = []
        for problem in error.problems:
            base = problem.where.split("[", 1)[0]
            message = problem_text(Problem("", problem.template, problem.params))
            if base == "options":
                self.option_errors.append(message)
            elif base in ("answer", "scoring_points"):
                self.answer_errors.append(message)
            else:
                rest.append(Problem("facility" if base == "difficulty" else base,
                                    problem.template, problem.params))
        return attach_problems(self, ProblemsError(rest))


def item_form_data(item, version) -> dict:
    """The editor's fields filled from one version of an item."""
    answer = version.answer
    keys = answer if version.type == "multiple" else [answer]
    level = difficulty_level(version.difficulty)
    data = {
        "type": version.type, "category_id": item.category_id, "subject_id": item.subject_id,
        "knowledge_point_ids": [p.id for p in item.knowledge_points], "stem": version.stem,
        "options": [{"text": o.get("text", ""), "image": o.get("image") or "",
                     "pinned": bool(o.get("pinned")), "correct": o["id"] in (keys or [])}
                    for o in version.options or []],
        "explanation": version.explanation, "level": level,
        "facility": ("" if version.difficulty == DIFFICULTY_LEVELS[level]
                     else _format_number(version.difficulty)),
        "points": _format_number(version.points), "tags": "、".join(t.name for t in item.tags),
        "source": item.source,
    }
    if version.type == "single":
        data["answer_single"] = answer
    elif version.type == "truefalse":
        data["answer_tf"] = "true" if answer is True else "false" if answer is False else None
    elif version.type == "blank":
        data["answer_blanks"] = "\n".join("|".join(accepted) for accepted in answer or [])
        data["case_sensitive"] = bool(version.case_sensitive)
    elif version.type == "short":
        data["answer_text"] = answer or ""
        data["scoring_points"] = [{"text": p["text"], "points": _format_number(p["points"])}
                                  for p in version.scoring_points or []]
    return data


def _find(nodes: list[dict], node_id) -> dict | None:
    return next((n for n in nodes if n["id"] == node_id), None)


def _points(subject: dict | None) -> list[dict]:
    return subject["points"] if subject else []


def _category_of(tree: list[dict], subject_id) -> dict | None:
    return next((c for c in tree if _find(c["subjects"], subject_id)), None)


# ---------------------------------------------------------------- the list page

class ItemFilterForm(FlaskForm):
    """The list's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    category = SelectField(_l("大类"), coerce=to_int, validate_choice=False)
    subject = SelectField(_l("科目"), coerce=to_int, validate_choice=False)
    point = SelectField(_l("知识点"), coerce=to_int, validate_choice=False)
    type = SelectField(_l("题型"), choices=[_choice("", _l("全部"))] + _type_choices(), validate_choice=False)
    level = SelectField(_l("难度"), choices=[_choice("", _l("全部"))] + _level_choices(), validate_choice=False)
    status = SelectField(_l("状态"), choices=[_choice("", _l("全部"))] + _choices(STATUS_LABELS.items()),
                         validate_choice=False)
    tag = StringField(_l("标签"))
    q = StringField(_l("题干或编号"))

    def set_taxonomy(self, tree: list[dict]) -> None:
        everything = ("", _l("全部"))
        self.category.choices = _choices([everything] + [(c["id"], c["name"]) for c in tree])
        category = _find(tree, self.category.data)
        subjects = category["subjects"] if category else []
        self.subject.choices = _choices([everything] + [(s["id"], s["name"]) for s in subjects])
        subject = _find(subjects, self.subject.data)
        self.point.choices = _choices([everything] + [(p["id"], p["name"]) for p in _points(subject)])

    def to_filter(self) -> ItemFilter:
        return ItemFilter(category_id=self.category.data, subject_id=self.subject.data,
                          knowledge_point_id=self.point.data, type=self.type.data or None,
                          level=self.level.data or None, status=self.status.data or None,
                          text=(self.q.data or "").strip() or None, tag=(self.tag.data or "").strip() or None)


BULK_ACTIONS = {"retire": _l("停用"), "move": _l("移动到科目"), "tag": _l("添加标签")}


class BulkForm(FlaskForm):
    """One form for the list's checkboxes and the action applied to the ticked items."""

    item_ids = SelectMultipleField(coerce=to_int, validate_choice=False)
    action = SelectField(_l("批量操作"), choices=_choices(BULK_ACTIONS.items()), validate_choice=False)
    subject_id = SelectField(_l("目标科目"), coerce=to_int, validate_choice=False)
    knowledge_point_ids = SelectMultipleField(_l("目标知识点"), coerce=to_int, validate_choice=False)
    tags = StringField(_l("标签"))
    next = HiddenField()
    submit = SubmitField(_l("执行"))

    def set_taxonomy(self, tree: list[dict]) -> None:
        self.subject_id.choices = [_choice("", _l("请选择科目"))] + [
            _choice(s["id"], s["name"], c["name"]) for c in tree for s in c["subjects"]]
        self.knowledge_point_ids.choices = _choices(
            (p["id"], f"{s['name']} / {p['name']}") for c in tree for s in c["subjects"] for p in s["points"])

    def safe_next(self, default: str) -> str:
        return local_target(self.next.data, default, prefix="/items/")


class ReviewForm(FlaskForm):
    comment = TextAreaField(_l("审核意见"), validators=[Length(max=2000, message=_l("不超过 2000 个字符"))],
                            description=_l("退回时必须写明原因"))
    approve = SubmitField(_l("通过"))
    reject = SubmitField(_l("退回"))
