"""The answer sheet (答题卡): bubbles for objective items, boxes for written answers."""
from __future__ import annotations

import html
import re

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Spacer, TableStyle

from ..paper import Paper, PaperSection
from .fonts import load_fonts
from .headings import numbered_sections, paper_title, section_heading
from .layout import build_pdf, page_layout
from .paper import paper_header
from .rich import BLANK_LINE, Grid, LoadImage, Typesetter

GROUP = 5  # items per block of bubbles, as on machine-read sheets
NOTICE = ("注意事项：1. 答题前，考生务必将学校、班级、姓名、考号填写清楚。"
          "2. 选择题、判断题用 2B 铅笔把对应的方框涂黑，如需改动，用橡皮擦干净后再涂。"
          "3. 非选择题用黑色签字笔在各题的答题区域内作答，超出答题区域书写的答案无效。")


def render_answer_sheet(paper: Paper, *, layout: str = "a4", school_header: str = "",
                        load_image: LoadImage | None = None, font_path: str | None = None) -> bytes:
    """The answer sheet for ``paper`` as a PDF, numbered like the paper.

    ``load_image`` is accepted for symmetry with :func:`render_paper` and not used.
    """
    fonts = load_fonts(font_path)
    page = page_layout(layout)
    ts = Typesetter(fonts)
    width = page.column_width
    story = paper_header(ts, paper, width, school_header, subtitle="答 题 卡")
    story += [candidate_fields(ts, width), Spacer(1, 2 * mm), ts.text(NOTICE, size=9, leading=14),
              Spacer(1, 2 * mm)]
    for index, section, first in numbered_sections(paper):
        story.append(ts.text(section_heading(index, section), bold=True, space_before=6))
        if section.type in {"single", "multiple", "truefalse"}:
            story.append(bubbles(ts, section, first, width))
        elif section.type == "blank":
            story += blank_lines(ts, section, first, width)
        else:
            story += answer_boxes(ts, section, first, width)
    return build_pdf(story, page, fonts, title=f"{paper_title(paper)} 答题卡", sealed=False,
                     subject="答题卡")


def candidate_fields(ts: Typesetter, width: float) -> Flowable:
    """学校 / 班级 / 姓名 / 考号, each with a box to write in."""
    labels = ["学校", "班级", "姓名", "考号"]
    label_w = 12 * mm
    box_w = (width - label_w * len(labels)) / len(labels)
    row = []
    for label in labels:
        row += [ts.text(label, align=1), ""]
    table = Grid([row], colWidths=[label_w, box_w] * len(labels), rowHeights=[9 * mm])
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def _bubble_line(ts: Typesetter, number: int, section: PaperSection, item, digits: int) -> str:
    if section.type == "truefalse":
        marks = ["√", "×"]
    else:
        marks = [o.id for o in item.options] or list("ABCD")
    return ts.fonts.markup(f"{number:>{digits}} " + " ".join(f"[{m}]" for m in marks), mono=True)


def bubbles(ts: Typesetter, section: PaperSection, first: int, width: float) -> Flowable:
    """Blocks of five items, side by side, each line "12 [A] [B] [C] [D]"."""
    digits = len(str(first + len(section.items) - 1))
    lines = [_bubble_line(ts, first + i, section, item, digits) for i, item in enumerate(section.items)]
    widest = max((ts.fonts.width(html.unescape(re.sub(r"<[^>]+>", "", line)), ts.size, mono=True)
                  for line in lines), default=0)
    block_w = widest + 8 * mm
    per_row = max(1, int(width // block_w))
    blocks = [ts.para("<br/>".join(lines[i:i + GROUP]), leading=ts.size * 1.9)
              for i in range(0, len(lines), GROUP)]
    rows = [blocks[i:i + per_row] for i in range(0, len(blocks), per_row)] or [[""]]
    rows[-1] += [""] * (per_row - len(rows[-1]))
    table = Grid(rows, colWidths=[width / per_row] * per_row)
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                               ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 8),
                               ("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)]))
    table.spaceBefore = 2
    return table


def blank_lines(ts: Typesetter, section: PaperSection, first: int, width: float) -> list[Flowable]:
    """One line per fill-in item, an underline per blank, all inside one box."""
    lines = []
    for offset, item in enumerate(section.items):
        n_blanks = max(1, len(item.answer or ()))
        blanks = "　".join((f"（{k}）" if n_blanks > 1 else "") + BLANK_LINE * 2 for k in range(1, n_blanks + 1))
        lines.append([ts.text(f"{first + offset}. {blanks}", leading=ts.size * 2.2)])
    table = Grid(lines, colWidths=[width])
    table.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                               ("LEFTPADDING", (0, 0), (-1, -1), 8)]))
    table.spaceBefore = 2
    return [table]


def answer_boxes(ts: Typesetter, section: PaperSection, first: int, width: float) -> list[Flowable]:
    """A ruled box per written item, taller for more points."""
    out: list[Flowable] = []
    for offset, item in enumerate(section.items):
        height = min(150 * mm, max(35 * mm, item.points * 8 * mm))
        box = Grid([[ts.text(f"{first + offset}.")]], colWidths=[width], rowHeights=[height])
        box.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.6, colors.black),
                                 ("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 6)]))
        box.spaceBefore = 3
        out.append(KeepTogether([box]))
    return out
