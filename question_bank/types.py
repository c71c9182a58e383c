"""The registry of item types: how each one is validated and graded.

``ITEM_TYPES["multiple"].grade(item, response, rule)``. A new type is one class
and one entry in :data:`ITEM_TYPES`.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .model import MAX_OPTIONS, MIN_OPTIONS, OPTION_IDS, Item
from .problems import N_, Problem
from .richtext import html_to_text

#: multi-select scoring rules; every one of them gives 0 when a wrong option is chosen
MULTIPLE_RULES = {
    "all_or_nothing": N_("少选、多选、错选均不得分"),
    "half_for_subset": N_("全部选对得满分，少选得一半分，错选不得分"),
    "per_option": N_("每选对一项得相应分数，错选不得分"),
}
DEFAULT_MULTIPLE_RULE = "all_or_nothing"


@dataclass(frozen=True)
class Score:
    """The outcome of grading one response; ``points`` is None until a teacher marks it."""

    points: float | None
    max_points: float
    correct: bool | None


def _fold(text: str, case_sensitive: bool = False) -> str:
    """Full-width to half-width (NFKC), every space dropped, and case folded unless it matters."""
    folded = "".join(unicodedata.normalize("NFKC", text or "").split())
    return folded if case_sensitive else folded.casefold()


_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _number(text: str) -> float | None:
    """The number a folded answer spells ("12.50", "-3", "1e3"), or None."""
    if not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def accepted_matcher(accepted: str, case_sensitive: bool = False):
    """A test for one accepted answer of a blank: ``matcher(given) -> bool``.

    * a number ("12.5") accepts any spelling of the same number ("12.50", "１２.５");
    * a number with a tolerance ("12.5±0.1", also "12.5+-0.1") accepts 12.4 to 12.6;
    * anything else is compared as text after NFKC (full-width letters, digits and
      punctuation become half-width), with every space removed and, unless the item is
      case-sensitive, case folded.
    """
    folded = _fold(str(accepted), case_sensitive=True)
    centre, sep, tolerance = folded.replace("+-", "±").partition("±")
    value, spread = _number(centre), _number(tolerance) if sep else 0.0
    if value is not None and spread is not None:
        spread = abs(spread)
        return lambda given: (n := _number(_fold(given, True))) is not None and abs(n - value) <= spread + 1e-12
    text = _fold(str(accepted), case_sensitive)
    return lambda given: bool(given) and _fold(given, case_sensitive) == text


class ItemType:
    name = ""
    label = ""
    is_objective = True
    has_options = False

    def validate(self, item: Item) -> list[Problem]:
        """Every problem with the item's content, each naming its field."""
        problems = []
        if not html_to_text(item.stem) and "<img" not in (item.stem or ""):
            problems.append(Problem("stem", N_("题干不能为空")))
        if not item.points or item.points <= 0:
            problems.append(Problem("points", N_("分值必须大于 0")))
        if not 0 <= item.difficulty <= 1:
            problems.append(Problem("difficulty", N_("难度系数必须在 0 到 1 之间")))
        if item.options and not self.has_options:
            problems.append(Problem("options", N_("%(type)s不使用选项"), {"type": self.label}))
        return problems + self.validate_answer(item)

    def validate_answer(self, item: Item) -> list[Problem]:
        raise NotImplementedError

    def grade(self, item: Item, response: Any, rule: str | None = None) -> Score:
        raise NotImplementedError


class _ChoiceType(ItemType):
    has_options = True

    def validate_answer(self, item: Item) -> list[Problem]:
        problems = []
        ids = item.option_ids()
        if not MIN_OPTIONS <= len(ids) <= MAX_OPTIONS:
            problems.append(Problem("options", N_("选项须有 %(min)d 到 %(max)d 个，现有 %(n)d 个"),
                                    {"min": MIN_OPTIONS, "max": MAX_OPTIONS, "n": len(ids)}))
        if ids != tuple(OPTION_IDS[:len(ids)]):
            problems.append(Problem("options", N_("选项须依次标为 A、B、C……")))
        for index, option in enumerate(item.options):
            if not html_to_text(option.text) and not option.image:
                problems.append(Problem(f"options[{option.id or index}]",
                                        N_("选项 %(id)s 没有内容"), {"id": option.id}))
        keys = self.keys(item)
        unknown = [k for k in keys if k not in ids]
        if unknown:
            problems.append(Problem("answer", N_("答案 %(keys)s 不是已有的选项"),
                                    {"keys": "、".join(map(str, unknown))}))
        return problems + self.validate_keys(keys)

    @staticmethod
    def keys(item: Item) -> tuple[str, ...]:
        answer = item.answer
        if answer is None or answer == "":
            return ()
        if isinstance(answer, str):
            return tuple(answer)
        return tuple(answer)

    def validate_keys(self, keys: tuple[str, ...]) -> list[Problem]:
        raise NotImplementedError


class SingleChoice(_ChoiceType):
    name, label = "single", N_("单选题")

    def validate_keys(self, keys):
        if len(keys) != 1:
            return [Problem("answer", N_("单选题必须恰好有一个正确答案，现有 %(n)d 个"), {"n": len(keys)})]
        return []

    def grade(self, item, response, rule=None):
        correct = response == self.keys(item)[0]
        return Score(item.points if correct else 0.0, item.points, correct)


class MultipleChoice(_ChoiceType):
    name, label = "multiple", N_("多选题")

    def validate_keys(self, keys):
        if len(set(keys)) < 2:
            return [Problem("answer", N_("多选题至少要有两个正确答案，现有 %(n)d 个"), {"n": len(set(keys))})]
        return []

    def grade(self, item, response, rule=None):
        rule = rule or DEFAULT_MULTIPLE_RULE
        if rule not in MULTIPLE_RULES:
            raise ValueError(f"unknown multiple-choice rule {rule!r}")
        keys, chosen = set(self.keys(item)), set(response or ())
        if chosen == keys:
            return Score(item.points, item.points, True)
        if not chosen or chosen - keys or rule == "all_or_nothing":
            return Score(0.0, item.points, False)
        if rule == "half_for_subset":
            return Score(item.points / 2, item.points, False)
        return Score(round(item.points * len(chosen) / len(keys), 4), item.points, False)


class TrueFalse(ItemType):
    name, label = "truefalse", N_("判断题")

    def validate_answer(self, item):
        if not isinstance(item.answer, bool):
            return [Problem("answer", N_("判断题的答案必须是“对”或“错”"))]
        return []

    def grade(self, item, response, rule=None):
        correct = isinstance(response, bool) and response is item.answer
        return Score(item.points if correct else 0.0, item.points, correct)


class FillInBlank(ItemType):
    name, label = "blank", N_("填空题")

    def validate_answer(self, item):
        blanks = item.answer
        if not blanks or not isinstance(blanks, (list, tuple)):
            return [Problem("answer", N_("填空题至少要有一个空，并给出每个空的答案"))]
        problems = []
        for index, accepted in enumerate(blanks, start=1):
            if not isinstance(accepted, (list, tuple)) or not [a for a in accepted if str(a).strip()]:
                problems.append(Problem(f"answer[{index}]", N_("第 %(n)d 个空没有可接受的答案"), {"n": index}))
        return problems + self.validate_accepted(item)

    def validate_accepted(self, item):
        problems = []
        for index, accepted in enumerate(item.answer or (), start=1):
            for answer in accepted if isinstance(accepted, (list, tuple)) else ():
                centre, sep, spread = _fold(str(answer), True).replace("+-", "±").partition("±")
                if sep and (_number(centre) is None or _number(spread) is None):
                    problems.append(Problem(f"answer[{index}]", N_("“%(answer)s”：带 ± 的答案须写成“数值±误差”，如 12.5±0.1"),
                                            {"answer": answer}))
        return problems

    def matches(self, item, index: int, given: Any) -> bool:
        """Whether ``given`` is an accepted answer for blank ``index`` (0-based) of ``item``."""
        text = "" if given is None else str(given)
        return bool(text.strip()) and any(accepted_matcher(a, item.case_sensitive)(text)
                                          for a in item.answer[index])

    def grade(self, item, response, rule=None):
        """Each blank is worth an equal share of the item's points; see :func:`accepted_matcher`."""
        blanks = item.answer
        given = list(response or ())
        right = sum(1 for index in range(len(blanks)) if index < len(given) and self.matches(item, index, given[index]))
        points = round(item.points * right / len(blanks), 4)
        return Score(points, item.points, right == len(blanks))


class ShortAnswer(ItemType):
    name, label = "short", N_("简答题")
    is_objective = False

    def validate_answer(self, item):
        problems = []
        if not html_to_text(item.answer or ""):
            problems.append(Problem("answer", N_("简答题必须有参考答案")))
        for index, point in enumerate(item.scoring_points, start=1):
            if not point.text.strip() or point.points <= 0:
                problems.append(Problem(f"scoring_points[{index}]",
                                        N_("第 %(n)d 个评分要点须有内容和大于 0 的分值"), {"n": index}))
        total = sum(p.points for p in item.scoring_points)
        if item.scoring_points and abs(total - item.points) > 1e-9:
            problems.append(Problem("scoring_points", N_("评分要点分值之和 %(sum)g 与题目分值 %(points)g 不一致"),
                                    {"sum": total, "points": item.points}))
        return problems

    def grade(self, item, response, rule=None):
        return Score(None, item.points, None)


ITEM_TYPES: dict[str, ItemType] = {t.name: t for t in (
    SingleChoice(), MultipleChoice(), TrueFalse(), FillInBlank(), ShortAnswer())}


def validate(item: Item) -> list[Problem]:
    """Every problem with ``item``, or an empty list when it is sound."""
    item_type = ITEM_TYPES.get(item.type)
    if item_type is None:
        return [Problem("type", N_("未知题型“%(type)s”，可用题型：%(types)s"),
                        {"type": item.type, "types": "、".join(ITEM_TYPES)})]
    return item_type.validate(item)
