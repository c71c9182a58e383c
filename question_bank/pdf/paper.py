"""The printed paper (试卷): header, sealing strip, sections and items."""
from __future__ import annotations

import re

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, TableStyle

from ..model import Item, Option
from ..paper import Paper
from ..richtext import html_to_text
from .fonts import load_fonts
from .headings import (chinese_numeral, form_mark, numbered_sections, paper_title, points, section_heading,
                       section_instruction)
from .layout import build_pdf, page_layout
from .rich import BLANK_LINE, Grid, LoadImage, Typesetter, indented

JUDGE_BRACKETS = "（　　）"
_HAS_BRACKETS = re.compile(r"[（(][\s　]*[）)]")
_OPTION_GAP = 3 * mm


def render_paper(paper: Paper, *, layout: str = "a4", school_header: str = "",
                 load_image: LoadImage | None = None, font_path: str | None = None) -> bytes:
    """The paper as a PDF: A4 portrait, or ``layout="a3"`` (or ``"b4"``) landscape in two columns.

    ``school_header`` is printed above the title (e.g. the school or the joint exam);
    ``load_image(name)`` returns the bytes of a media file, or None when it is missing.

    :raise ValueError: for an unknown layout; :class:`~question_bank.pdf.fonts.FontError`
        when ``font_path`` cannot be used.
    """
    fonts = load_fonts(font_path)
    page = page_layout(layout)
    ts = Typesetter(fonts, load_image=load_image)
    width = page.column_width
    story = paper_header(ts, paper, width, school_header)
    story.append(score_table(ts, paper, width))
    number_width = fonts.width(f"{len(paper.items)}. ", ts.size)
    for index, section, first in numbered_sections(paper):
        story += section_intro(ts, index, section)
        for offset, item in enumerate(section.items):
            story.append(KeepTogether(item_flowables(ts, item, first + offset, width, number_width)))
    return build_pdf(story, page, fonts, title=paper_title(paper), subject="试卷")


def paper_header(ts: Typesetter, paper: Paper, width: float, school_header: str = "",
                 subtitle: str = "") -> list[Flowable]:
    """School line, the A卷/B卷 mark, the title and the time and points line."""
    story: list[Flowable] = []
    mark = form_mark(paper)
    if mark:
        box = Grid([[ts.text(mark, bold=True, size=14, align=1)]], colWidths=[22 * mm])
        box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 1, colors.black)]))
        box.hAlign = "RIGHT"
        story.append(box)
    if school_header:
        story.append(ts.text(school_header, size=12, align=1, space_before=2))
    story.append(ts.text(paper_title(paper), bold=True, size=16, align=1, space_before=4))
    if subtitle:
        story.append(ts.text(subtitle, bold=True, size=15, align=1, space_before=2))
    info = (f"（本试卷共 {len(paper.items)} 小题，满分 {points(paper.total_points)} 分，"
            f"考试时间 {paper.minutes} 分钟）")
    story.append(ts.text(info, size=10, align=1, space_before=4))
    story.append(Spacer(1, 3 * mm))
    return story


def score_table(ts: Typesetter, paper: Paper, width: float) -> Flowable:
    """题号 / 一 / 二 / … / 总分 over a row of empty 得分 cells."""
    heads = ["题号"] + [chinese_numeral(i + 1) for i in range(len(paper.sections))] + ["总分"]
    rows = [[ts.text(h, align=1) for h in heads], [ts.text("得分", align=1)] + [""] * (len(heads) - 1)]
    col = min(16 * mm, width / len(heads))
    table = Grid(rows, colWidths=[col] * len(heads), rowHeights=[7 * mm, 10 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    table.spaceAfter = 4 * mm
    return table


def section_intro(ts: Typesetter, index: int, section) -> list[Flowable]:
    """The section heading with count and points, then its one-line instruction."""
    heading = ts.text(section_heading(index, section), bold=True, space_before=6)
    instruction = section_instruction(section)
    parts = [heading]
    if instruction:
        parts.append(ts.text(instruction, size=9.5, leading=15))
    parts[-1].spaceAfter = 3
    return [KeepTogether(parts)]


def item_flowables(ts: Typesetter, item: Item, number: int, width: float,
                   number_width: float) -> list[Flowable]:
    """One numbered item: stem, then options, brackets, blanks or answer space by type."""
    prefix = ts.fonts.markup(f"{number}. ")
    suffix = ""
    plain = html_to_text(item.stem)
    if item.type == "truefalse" and not _HAS_BRACKETS.search(plain):
        suffix = ts.fonts.markup(JUDGE_BRACKETS)
    elif item.type == "blank":
        missing = len(item.answer or ()) - len(re.findall(r"_{3,}", plain))
        if missing > 0:
            suffix = ts.fonts.markup(" " + "，".join([BLANK_LINE] * missing))
    parts = ts.flowables(item.stem, width, prefix=prefix, suffix=suffix, indent=number_width)
    if item.options:
        parts.append(options_flowable(ts, item.options, width - number_width, number_width))
    if item.type == "short":
        parts.append(Spacer(1, min(90 * mm, max(25 * mm, item.points * 5 * mm))))
    parts[-1].spaceAfter = 4
    return parts


def options_per_line(ts: Typesetter, options: tuple[Option, ...], width: float) -> int:
    """4, 2 or 1 options to a line: the most that leave every option on one line of its cell."""
    if any("<table" in o.text or "<pre" in o.text for o in options):
        return 1
    widest = max(ts.fonts.width(f"{o.id}. {html_to_text(o.text)}", ts.size) for o in options)
    if any(o.image or "<img" in o.text for o in options):
        return 2 if widest < width / 2 - _OPTION_GAP else 1
    for n in (4, 2):
        if len(options) >= n and widest <= width / n - _OPTION_GAP:
            return n
    return 1


def options_flowable(ts: Typesetter, options: tuple[Option, ...], width: float, indent: float) -> Flowable:
    """The options in a borderless grid of 4, 2 or 1 columns."""
    per_line = options_per_line(ts, options, width)
    cell = width / per_line
    cells = []
    for option in options:
        label = f"{option.id}. "
        label_width = ts.fonts.width(label, ts.size)
        content = ts.flowables(option.text, cell - _OPTION_GAP, prefix=ts.fonts.markup(label),
                               indent=label_width)
        if option.image:
            content.append(ts.image(option.image, max_width=cell - _OPTION_GAP - label_width,
                                    indent=label_width))
        cells.append(content)
    rows = [cells[i:i + per_line] for i in range(0, len(cells), per_line)]
    rows[-1] += [""] * (per_line - len(rows[-1]))
    table = Grid(rows, colWidths=[cell] * per_line)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 0), ("BOTTOMPADDING", (0, 0), (-1, -1), 0)]))
    table.hAlign = "LEFT"
    return indented(table, indent, width)
