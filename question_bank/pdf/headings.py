"""The words printed around the items: section headings, instructions, item numbers."""
from __future__ import annotations

from ..paper import Paper, PaperSection
from ..types import MULTIPLE_RULES

SECTION_NAMES = {
    "single": "单项选择题",
    "multiple": "多项选择题",
    "truefalse": "判断题",
    "blank": "填空题",
    "short": "简答题",
}

DEFAULT_INSTRUCTIONS = {
    "single": "在每小题给出的备选项中，只有一项是符合题目要求的，请将其选出。未选、错选或多选均不得分。",
    "multiple": "在每小题给出的备选项中，有两项或两项以上是符合题目要求的，请将其选出。",
    "truefalse": "判断下列各小题的正误，正确的在括号内打“√”，错误的打“×”。",
    "blank": "请将答案填写在题中横线上。",
    "short": "请在每小题后的空白处作答，写出必要的文字说明或步骤。",
}

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十 (sections never reach 100)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def points(value: float) -> str:
    """3.0 → "3", 2.5 → "2.5"."""
    return f"{value:g}"


def section_heading(index: int, section: PaperSection) -> str:
    """"一、单项选择题（本大题共 30 小题，每小题 3 分，共 90 分）"."""
    n = len(section.items)
    name = SECTION_NAMES.get(section.type, section.type)
    return (f"{chinese_numeral(index)}、{name}（本大题共 {n} 小题，每小题 {points(section.points_each)} 分，"
            f"共 {points(n * section.points_each)} 分）")


def section_instruction(section: PaperSection) -> str:
    """The section's own instruction, else the default for its type; multiple choice names its rule."""
    text = section.instruction.strip() or DEFAULT_INSTRUCTIONS.get(section.type, "")
    if section.type == "multiple":
        rule = MULTIPLE_RULES.get(section.rule, "")
        if rule and rule not in text:
            text = f"{text}{rule}。"
    return text


def numbered_sections(paper: Paper):
    """(section index from 1, section, number of its first item) for each section; items
    are numbered continuously through the paper."""
    first = 1
    for index, section in enumerate(paper.sections, start=1):
        yield index, section, first
        first += len(section.items)


def paper_title(paper: Paper) -> str:
    return paper.title.strip() or "试卷"


def form_mark(paper: Paper) -> str:
    """"A卷" for form "A"; empty for a paper with no parallel forms."""
    form = (paper.form or "").strip()
    if not form:
        return ""
    return form if form.endswith("卷") else f"{form}卷"
