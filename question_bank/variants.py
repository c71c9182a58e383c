"""Per-student variants of a paper for online exams: items and options shuffled.

``variant(paper, f"{exam_id}:{student_id}")`` always gives the same variant for
the same key, on any machine and Python (the rng is seeded from SHA-256 of the
key, not from the salted built-in ``hash``). Items are shuffled within each
section; options are shuffled except pinned ones ("以上都对"), which keep their
place. Each slot carries the item as displayed (options relabelled A, B, … in
their new order, answer mapped to the displayed letters), so grading the
displayed item with the student's displayed letters gives the same score as
grading the original item with :func:`to_original` of them.
"""
from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from .model import OPTION_IDS, Item, Option
from .paper import Paper

_CHOICE_TYPES = ("single", "multiple")


@dataclass(frozen=True)
class VariantSlot:
    """One item as one student sees it."""

    section: int  # index into paper.sections
    uid: str  # the original item's uid
    item: Item  # as displayed: options in displayed order, lettered A, B, …; answer in displayed letters
    option_order: tuple[str, ...] = ()  # the original option ids, in displayed order

    @property
    def key(self) -> Any:
        """The answer in displayed letters: "C" for single choice, ("A", "D") for multiple."""
        return self.item.answer


@dataclass(frozen=True)
class Variant:
    key: str
    form: str
    slots: tuple[VariantSlot, ...]

    def section_slots(self, section: int) -> tuple[VariantSlot, ...]:
        return tuple(slot for slot in self.slots if slot.section == section)


def rng_for(key: str) -> random.Random:
    """A random generator seeded from ``key`` alone, the same on every machine."""
    return random.Random(int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest(), "big"))


def variant(paper: Paper, key: str, shuffle_items: bool = True, shuffle_options: bool = True) -> Variant:
    """The variant of ``paper`` for ``key`` (e.g. ``f"{exam_id}:{student_id}"``).

    The same key always gives the same variant. Without ``shuffle_items`` the
    items keep the paper's order; without ``shuffle_options`` the options do.
    """
    rng = rng_for(key)
    slots = []
    for s, section in enumerate(paper.sections):
        items = list(section.items)
        if shuffle_items:
            rng.shuffle(items)
        slots.extend(_slot(s, item, rng) if shuffle_options else VariantSlot(s, item.uid, item) for item in items)
    return Variant(key, paper.form, tuple(slots))


def shuffled_options(options: tuple[Option, ...], rng: random.Random) -> tuple[Option, ...]:
    """``options`` shuffled, except that pinned options stay at their positions."""
    free = [o for o in options if not o.pinned]
    rng.shuffle(free)
    moving = iter(free)
    return tuple(o if o.pinned else next(moving) for o in options)


def _slot(section: int, item: Item, rng: random.Random) -> VariantSlot:
    if item.type not in _CHOICE_TYPES or not item.options:
        return VariantSlot(section, item.uid, item)
    order = shuffled_options(item.options, rng)
    try:
        shown = _displayed(item, order)
    except TypeError:  # an unhashable field (a list where a tuple belongs): build it without the cache
        shown = _displayed.__wrapped__(item, order)
    return VariantSlot(section, item.uid, shown, tuple(o.id for o in order))


@lru_cache(maxsize=8192)
def _displayed(item: Item, order: tuple[Option, ...]) -> Item:
    """``item`` with its options in ``order``, relabelled A, B, …, and its answer in those letters.

    Cached: a four-option item has only 24 orders, and every student of an exam
    sees one of them, so a hall of students shares a few hundred displayed items.
    """
    displayed = {o.id: OPTION_IDS[k] for k, o in enumerate(order)}
    options = tuple(replace(o, id=OPTION_IDS[k]) for k, o in enumerate(order))
    keys = tuple(item.answer) if item.answer else ()
    if item.type == "single":
        answer = displayed.get(keys[0], "") if keys else item.answer
    else:
        answer = tuple(sorted(displayed[k] for k in keys if k in displayed))
    return replace(item, options=options, answer=answer)


def to_original(slot: VariantSlot, response: Any) -> Any:
    """A response in displayed letters mapped to the original item's option ids.

    Single choice: a letter; multiple choice: letters (a string or a sequence;
    a sorted tuple comes back). Other types are returned unchanged. Letters that
    are not displayed options are kept as they are, so they still grade as wrong.
    """
    if not slot.option_order or response is None:
        return response
    original = dict(zip(OPTION_IDS, slot.option_order))
    if slot.item.type == "single":
        return original.get(response, response)
    return tuple(sorted(original.get(letter, letter) for letter in response))


def to_displayed(slot: VariantSlot, response: Any) -> Any:
    """The inverse of :func:`to_original`: original option ids to the letters this student saw."""
    if not slot.option_order or response is None:
        return response
    shown = {original: OPTION_IDS[k] for k, original in enumerate(slot.option_order)}
    if slot.item.type == "single":
        return shown.get(response, response)
    return tuple(sorted(shown.get(option, option) for option in response))
