"""The default paper of each category: the real 机考 shape where it is known.

护理 2023: 50 单选 × 3 points in 50 minutes; 学前教育 2021: 判断 + 单选, 75 items,
40 minutes, 150 points. For the others no official shape was found, so they
get 150 points in 55 items (判断, 单选, 多选), the proportions other provinces
draw by. The demo banks hold at least twice each section's count, so an A and
a B form can be drawn with no item in common.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SectionShape:
    type: str
    count: int
    points_each: float


@dataclass(frozen=True)
class PaperShape:
    minutes: int
    sections: tuple[SectionShape, ...]

    @property
    def total_points(self) -> float:
        return sum(s.count * s.points_each for s in self.sections)

    @property
    def item_count(self) -> int:
        return sum(s.count for s in self.sections)

    def count_of(self, item_type: str) -> int:
        return sum(s.count for s in self.sections if s.type == item_type)


_GENERAL = (SectionShape("truefalse", 20, 2), SectionShape("single", 30, 3), SectionShape("multiple", 5, 4))

DEFAULT_PAPERS: dict[str, PaperShape] = {
    "HL": PaperShape(50, (SectionShape("single", 50, 3),)),
    "XQ": PaperShape(40, (SectionShape("truefalse", 25, 2), SectionShape("single", 50, 2))),
    "JX": PaperShape(60, _GENERAL),
    "NX": PaperShape(40, _GENERAL),
    **{code: PaperShape(60, _GENERAL) for code in ("DQ", "JSJ", "JZ", "LY", "CJ", "QC")},
}
