"""Online delivery of a paper: what a student's browser gets, what it may send back, how it is graded.

Pure functions over a :class:`~question_bank.paper.Paper` and a student's
:class:`~question_bank.variants.Variant` of it. Slots are numbered 1, 2, … in the
order the student sees them. Nothing built here for the browser carries a key,
an explanation or a scoring point.

Responses, as the JSON API takes and stores them:

* ``single``, ``truefalse`` -- ``{"choice": "B"}`` (``"T"``/``"F"`` for true/false), ``{"choice": null}`` to clear
* ``multiple``  -- ``{"choices": ["A", "C"]}``
* ``blank``     -- ``{"blanks": ["欧姆定律", "I=U/R"]}``, one text per blank in order
* ``short``     -- ``{"text": "…"}``

Option ids are the letters the student saw; grading maps nothing back, because
each slot's displayed item carries its key in displayed letters.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Callable, Mapping

from .model import OPTION_IDS, Item
from .paper import Paper
from .problems import N_, Problem, ProblemsError
from .types import ITEM_TYPES, Score
from .variants import Variant, VariantSlot

TRUE_ID, FALSE_ID = "T", "F"
#: true/false items are delivered as a choice between these two options
TRUEFALSE_OPTIONS = ((TRUE_ID, N_("正确")), (FALSE_ID, N_("错误")))
MAX_BLANK_CHARS = 500
MAX_TEXT_CHARS = 20_000

#: a slot's shape, enough to check a response without the item: (type, options or blanks)
Layout = tuple[tuple[str, int], ...]


def slot_item(paper: Paper, slot: VariantSlot) -> Item:
    """The displayed item of ``slot`` worth its section's points (a paper's section sets them)."""
    return replace(slot.item, points=paper.sections[slot.section].points_each)


def layout(variant: Variant) -> Layout:
    """Each slot's type and its number of options (choice items) or blanks (fill-in items)."""
    def size(item: Item) -> int:
        if item.type in ("single", "multiple"):
            return len(item.options)
        if item.type == "truefalse":
            return 2
        if item.type == "blank":
            return len(item.answer or ())
        return 0
    return tuple((slot.item.type, size(slot.item)) for slot in variant.slots)


def client_items(paper: Paper, variant: Variant, translate: Callable[[str], str] = str,
                 media_url: Callable[[str], str] = str) -> list[dict[str, Any]]:
    """The slots as the browser gets them: ``{"slot", "section", "type", "stem", "options", "points"}``.

    Fill-in items add ``"blanks"`` (how many). Never a key or an explanation.
    """
    items = []
    truefalse = [(key, translate(text)) for key, text in TRUEFALSE_OPTIONS]
    points = [_plain(section.points_each) for section in paper.sections]
    for number, slot in enumerate(variant.slots, start=1):
        item = slot.item
        entry: dict[str, Any] = {"slot": number, "section": slot.section, "type": item.type, "stem": item.stem,
                                 "options": [], "points": points[slot.section]}
        if item.type in ("single", "multiple"):
            entry["options"] = [{"id": o.id, "text": o.text, "image": media_url(o.image) if o.image else None}
                                for o in item.options]
        elif item.type == "truefalse":
            entry["options"] = [{"id": key, "text": text, "image": None} for key, text in truefalse]
        elif item.type == "blank":
            entry["blanks"] = len(item.answer or ())
        items.append(entry)
    return items


def client_sections(paper: Paper, translate: Callable[[str], str] = str) -> list[dict[str, Any]]:
    """Each section's type, points per item, instruction and multi-select rule, in paper order."""
    return [{"index": k, "type": s.type, "points_each": _plain(s.points_each), "count": len(s.items),
             "instruction": s.instruction, "rule": s.rule} for k, s in enumerate(paper.sections)]


# ---------------------------------------------------------------- responses

def parse_response(item_type: str, size: int, raw: Any, where: str = "response") -> dict[str, Any]:
    """``raw`` checked against a slot of ``item_type`` with ``size`` options or blanks, in canonical form.

    :raise ProblemsError: naming ``where`` and the offending field.
    """
    if not isinstance(raw, dict):
        raise ProblemsError([Problem(where, N_("作答须为 JSON 对象"))])
    if item_type in ("single", "truefalse"):
        ids = (TRUE_ID, FALSE_ID) if item_type == "truefalse" else tuple(OPTION_IDS[:size])
        choice = raw.get("choice")
        if choice is not None and choice not in ids:
            raise ProblemsError([Problem(f"{where}.choice", N_("“%(value)s”不是本题的选项，可选：%(ids)s"),
                                         {"value": choice, "ids": "、".join(ids)})])
        return {"choice": choice}
    if item_type == "multiple":
        choices = raw.get("choices", [])
        ids = tuple(OPTION_IDS[:size])
        if not isinstance(choices, list) or any(c not in ids for c in choices):
            raise ProblemsError([Problem(f"{where}.choices", N_("须为本题选项的列表，可选：%(ids)s"),
                                         {"ids": "、".join(ids)})])
        return {"choices": sorted(set(choices))}
    if item_type == "blank":
        blanks = raw.get("blanks", [])
        if not isinstance(blanks, list) or len(blanks) > size or any(not isinstance(b, str) for b in blanks):
            raise ProblemsError([Problem(f"{where}.blanks", N_("须为不超过 %(n)d 个文字的列表"), {"n": size})])
        if any(len(b) > MAX_BLANK_CHARS for b in blanks):
            raise ProblemsError([Problem(f"{where}.blanks", N_("每空不超过 %(n)d 个字"), {"n": MAX_BLANK_CHARS})])
        return {"blanks": blanks + [""] * (size - len(blanks))}
    if item_type == "short":
        text = raw.get("text", "")
        if not isinstance(text, str):
            raise ProblemsError([Problem(f"{where}.text", N_("须为文字"))])
        if len(text) > MAX_TEXT_CHARS:
            raise ProblemsError([Problem(f"{where}.text", N_("不超过 %(n)d 个字"), {"n": MAX_TEXT_CHARS})])
        return {"text": text}
    raise ProblemsError([Problem(where, N_("未知题型“%(type)s”"), {"type": item_type})])


def is_answered(response: Mapping[str, Any] | None) -> bool:
    """Whether a stored response says anything (a cleared choice or empty blanks do not)."""
    if not response:
        return False
    if response.get("choice") is not None:
        return True
    if response.get("choices"):
        return True
    if any(str(b).strip() for b in response.get("blanks") or ()):
        return True
    return bool(str(response.get("text") or "").strip())


def grading_input(item_type: str, response: Mapping[str, Any] | None) -> Any:
    """A stored response in the form :mod:`question_bank.types` grades."""
    response = response or {}
    if item_type == "single":
        return response.get("choice")
    if item_type == "truefalse":
        return {TRUE_ID: True, FALSE_ID: False}.get(response.get("choice"))
    if item_type == "multiple":
        return tuple(response.get("choices") or ())
    if item_type == "blank":
        return list(response.get("blanks") or ())
    return response.get("text") or ""


# ---------------------------------------------------------------- grading

@dataclass(frozen=True)
class SlotResult:
    slot: int
    uid: str
    points: float | None  # None: a teacher must mark it
    max_points: float
    correct: bool | None


@dataclass(frozen=True)
class AttemptResult:
    slots: tuple[SlotResult, ...]

    @property
    def score(self) -> float:
        """Points given so far (objective items, and subjective ones already marked)."""
        return round(sum(s.points for s in self.slots if s.points is not None), 4)

    @property
    def max_score(self) -> float:
        return round(sum(s.max_points for s in self.slots), 4)

    @property
    def pending(self) -> float:
        """The points of answered items that wait for a teacher's marking."""
        return round(sum(s.max_points for s in self.slots if s.points is None), 4)


def grade_slot(paper: Paper, slot: VariantSlot, number: int, response: Mapping[str, Any] | None) -> SlotResult:
    item = slot_item(paper, slot)
    item_type = ITEM_TYPES[item.type]
    if not item_type.is_objective:
        points = None if is_answered(response) else 0.0
        return SlotResult(number, slot.uid, points, item.points, None if points is None else False)
    score: Score = item_type.grade(item, grading_input(item.type, response), paper.sections[slot.section].rule)
    return SlotResult(number, slot.uid, score.points, score.max_points, score.correct)


def grade_attempt(paper: Paper, variant: Variant, responses: Mapping[int, Mapping[str, Any]]) -> AttemptResult:
    """Every slot graded; ``responses`` maps slot numbers to stored responses (missing: unanswered).

    Unanswered subjective items score 0 at once; answered ones wait for marking (points None).
    """
    return AttemptResult(tuple(grade_slot(paper, slot, number, responses.get(number))
                               for number, slot in enumerate(variant.slots, start=1)))


def display_key(item: Item, translate: Callable[[str], str] = str) -> str:
    """The key as the student's review shows it: "C", "A、D", "正确", "欧姆定律；I=U/R"."""
    if item.type == "single":
        return str(item.answer or "")
    if item.type == "multiple":
        return "、".join(item.answer or ())
    if item.type == "truefalse":
        return translate(dict(TRUEFALSE_OPTIONS)[TRUE_ID if item.answer else FALSE_ID])
    if item.type == "blank":
        return "；".join(" / ".join(str(a) for a in accepted) for accepted in item.answer or ())
    return ""


# ---------------------------------------------------------------- time

def deadline(started_at: datetime, minutes: int, extra_seconds: int = 0,
             closes_at: datetime | None = None) -> datetime:
    """When an attempt ends: start + duration + extra time, but never after the exam closes."""
    end = started_at + timedelta(minutes=minutes, seconds=extra_seconds)
    return min(end, closes_at) if closes_at is not None else end


def _plain(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value
