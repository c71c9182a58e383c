"""Blueprints (组卷方案, the 双向细目表) and the papers assembled from them.

Pure value objects; :mod:`question_bank.assembly` turns a blueprint and a
bank into papers, :mod:`question_bank.pdf` prints them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from .model import Item
from .problems import N_, Problem

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


# ---------------------------------------------------------------- labels for messages

#: short Chinese names of the item types, as a 双向细目表 writes them
TYPE_LABELS = {"single": N_("单选"), "multiple": N_("多选"), "truefalse": N_("判断"),
               "blank": N_("填空"), "short": N_("简答")}
LEVEL_LABELS = {"easy": N_("容易"), "medium": N_("中等"), "hard": N_("困难")}
_RULES = {"exact": N_("%(what)s：恰好 %(exact)d 题"), "min": N_("%(what)s：至少 %(minimum)d 题"),
          "max": N_("%(what)s：至多 %(maximum)d 题"), "range": N_("%(what)s：%(minimum)d 至 %(maximum)d 题")}


def form_letter(index: int) -> str:
    """The letter of the ``index``-th parallel form (0 → "A", 25 → "Z", 26 → "AA")."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def constraint_label(c: ContentConstraint, category_name: str) -> str:
    """The short name of a constraint's cell, e.g. "计算机类 / Excel / 单选"."""
    parts = [category_name, c.subject, c.knowledge_point,
             TYPE_LABELS.get(c.type, c.type) if c.type else None,
             LEVEL_LABELS.get(c.level, c.level) if c.level else None]
    return " / ".join(p for p in parts if p)


def describe_blueprint(blueprint: Blueprint, category_name: str) -> list[Problem]:
    """Every condition of a blueprint as a line (a :class:`Problem` with its place), for error reports."""
    lines = [Problem(f"sections[{s}]", N_("%(what)s：%(count)d 题"),
                     {"what": f"{category_name} / {TYPE_LABELS.get(spec.type, spec.type)}",
                      "count": spec.count})
             for s, spec in enumerate(blueprint.sections)]
    for k, c in enumerate(blueprint.constraints):
        kind = ("exact" if c.exact is not None else "range" if c.minimum is not None and c.maximum is not None
                else "min" if c.minimum is not None else "max")
        lines.append(Problem(f"constraints[{k}]", _RULES[kind],
                             {"what": constraint_label(c, category_name), "exact": c.exact,
                              "minimum": c.minimum, "maximum": c.maximum}))
    target = blueprint.difficulty
    if target is not None and target.mean is not None:
        lines.append(Problem("difficulty", N_("难度系数均值 %(mean).2f ± %(tolerance).2f"),
                             {"mean": target.mean, "tolerance": target.tolerance}))
    if target is not None and target.counts:
        for level, n in target.counts.items():
            lines.append(Problem(f"difficulty.counts[{level}]", N_("%(level)s题：%(count)d 题"),
                                 {"level": LEVEL_LABELS.get(level, level), "count": n}))
    for k, uid in enumerate(blueprint.pinned):
        lines.append(Problem(f"pinned[{k}]", N_("必选试题 %(uid)s"), {"uid": uid}))
    return lines
