"""Value objects of the domain: items and their parts.

An :class:`Item` is one version of a question's content plus its place in the
taxonomy. It is immutable; an edit makes a new one.

Answers by type (``Item.answer``):

* ``single``    -- the id of the one correct option, e.g. ``"B"``
* ``multiple``  -- a tuple of option ids, e.g. ``("A", "C")``
* ``truefalse`` -- ``True`` or ``False``
* ``blank``     -- one tuple of accepted answers per blank, e.g. ``(("欧姆定律",), ("I=U/R",), ("2.5±0.1",))``;
  see :class:`question_bank.types.FillInBlank` for how answers are matched
* ``short``     -- the reference answer (rich text); scoring points in ``Item.scoring_points``

``difficulty`` is the expected facility P (得分率, 难度系数) in [0, 1]: the
fraction of students expected to answer correctly, so a higher value is easier.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

ITEM_STATUSES = ("draft", "review", "published", "retired")
OPTION_IDS = "ABCDEFGHIJ"
MIN_OPTIONS, MAX_OPTIONS = 2, 10

#: default facility for each difficulty level, and the bands that define the levels
DIFFICULTY_LEVELS = {"easy": 0.8, "medium": 0.6, "hard": 0.35}
EASY_FROM, HARD_BELOW = 0.7, 0.4


def difficulty_level(facility: float) -> str:
    """The level ("easy", "medium", "hard") that an expected facility falls in."""
    if facility >= EASY_FROM:
        return "easy"
    if facility < HARD_BELOW:
        return "hard"
    return "medium"


@dataclass(frozen=True)
class Option:
    id: str
    text: str
    image: str | None = None  # media file name "<sha256>.<ext>"
    pinned: bool = False  # keeps its place when options are shuffled ("以上都对")


@dataclass(frozen=True)
class ScoringPoint:
    text: str
    points: float


@dataclass(frozen=True)
class Item:
    type: str
    stem: str
    options: tuple[Option, ...] = ()
    answer: Any = None
    explanation: str = ""
    difficulty: float = DIFFICULTY_LEVELS["medium"]
    points: float = 1.0
    scoring_points: tuple[ScoringPoint, ...] = ()
    #: fill-in-the-blank: letters must match in case (units such as "mA" and "MA"); off by default
    case_sensitive: bool = False
    category: str = ""
    subject: str = ""
    knowledge_points: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    source: str = ""
    status: str = "draft"
    uid: str = ""
    version: int = 1
    author: str = ""
    created_at: str = ""  # ISO 8601, UTC
    updated_at: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def level(self) -> str:
        return difficulty_level(self.difficulty)

    def option_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.options)
