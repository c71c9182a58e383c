"""Blueprints (组卷方案, the 双向细目表) and the papers assembled from them.

Pure value objects; :mod:`question_bank.assembly` turns a blueprint and a
bank into papers, :mod:`question_bank.pdf` prints them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Item

#: per-section scoring rules for multiple choice (see question_bank.types.MULTIPLE_RULES)
DEFAULT_RULE = "all_or_nothing"


@dataclass(frozen=True)
class SectionSpec:
    """One section of a blueprint: ``count`` items of ``type``, ``points_each`` each."""

    type: str
    count: int
    points_each: float
    rule: str = DEFAULT_RULE
    instruction: str = ""  # printed under the section heading; a default per type when empty


@dataclass(frozen=True)
class ContentConstraint:
    """How many of a section type (or of all items, ``type`` None) come from a subject or knowledge point.

    ``subject`` and ``knowledge_point`` are names within the blueprint's category;
    at least one of ``exact``, ``minimum`` and ``maximum`` is set.
    """

    subject: str
    knowledge_point: str | None = None
    type: str | None = None
    exact: int | None = None
    minimum: int | None = None
    maximum: int | None = None
    level: str | None = None  # "easy" / "medium" / "hard": a cell of a knowledge point × difficulty grid


@dataclass(frozen=True)
class DifficultyTarget:
    """Either a mean expected facility (± tolerance) or counts per level over the whole paper."""

    mean: float | None = None
    tolerance: float = 0.05
    counts: dict[str, int] | None = None  # {"easy": n, "medium": n, "hard": n}


@dataclass(frozen=True)
class Blueprint:
    title: str
    category: str  # category code, e.g. "HL"
    sections: tuple[SectionSpec, ...]
    minutes: int = 60
    constraints: tuple[ContentConstraint, ...] = ()
    difficulty: DifficultyTarget | None = None
    #: uids never drawn (recently used, over-used, …: the caller decides and passes them)
    excluded: frozenset[str] = frozenset()
    #: uids that must appear (in their type's section)
    pinned: tuple[str, ...] = ()

    @property
    def total_points(self) -> float:
        return sum(s.count * s.points_each for s in self.sections)


@dataclass(frozen=True)
class PaperSection:
    type: str
    points_each: float
    rule: str
    instruction: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Paper:
    """An assembled paper: one form (``form`` "A", "B", …) of a blueprint."""

    title: str
    category: str
    minutes: int
    sections: tuple[PaperSection, ...]
    form: str = ""
    seed: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def total_points(self) -> float:
        return sum(s.points_each * len(s.items) for s in self.sections)

    @property
    def mean_difficulty(self) -> float:
        items = self.items
        return sum(i.difficulty for i in items) / len(items) if items else 0.0
