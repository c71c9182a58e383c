"""The key and marking scheme (参考答案及评分标准)."""
from __future__ import annotations

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, TableStyle

from ..model import Item
from ..paper import Paper, PaperSection
from .fonts import load_fonts
from .headings import numbered_sections, paper_title, points, section_heading
from .layout import build_pdf, page_layout
from .paper import paper_header
from .rich import Grid, LoadImage, Typesetter

GRID_COLUMNS = 10


def render_key(paper: Paper, *, layout: str = "a4", school_header: str = "",
               load_image: LoadImage | None = None, font_path: str | None = None) -> bytes:
    """The key and marking scheme for ``paper`` as a PDF.

    Choice and judgement keys in a compact grid per section, accepted answers for
    blanks, reference answers with scoring points for written items, then each
    item's explanation (解析).
    """
    fonts = load_fonts(font_path)
    page = page_layout(layout)
    ts = Typesetter(fonts, load_image=load_image)
    width = page.column_width
    story = paper_header(ts, paper, width, school_header, subtitle="参考答案及评分标准")
    number_width = fonts.width(f"{len(paper.items)}. ", ts.size)
    for index, section, first in numbered_sections(paper):
        story.append(ts.text(section_heading(index, section), bold=True, space_before=6))
        if section.type in {"single", "multiple", "truefalse"}:
            story.append(key_grid(ts, section, first, width))
        for offset, item in enumerate(section.items):
            parts = item_key(ts, section, item, first + offset, width, number_width)
            if parts:
                story.append(KeepTogether(parts))
    return build_pdf(story, page, fonts, title=f"{paper_title(paper)} 参考答案及评分标准", sealed=False,
                     subject="参考答案及评分标准")


def key_text(item: Item) -> str:
    """The key as printed: "B", "ACD", "√" / "×"; accepted answers of blanks joined by "或"."""
    if item.type == "truefalse":
        return "√" if item.answer is True else "×"
    if item.type in {"single", "multiple"}:
        answer = item.answer or ()
        return "".join(answer) if not isinstance(answer, str) else answer
    if item.type == "blank":
        blanks = [" 或 ".join(str(a) for a in accepted) for accepted in item.answer or ()]
        if len(blanks) == 1:
            return blanks[0]
        return "；".join(f"（{k}）{b}" for k, b in enumerate(blanks, start=1))
    return ""


def key_grid(ts: Typesetter, section: PaperSection, first: int, width: float) -> Flowable:
    """Rows of 题号 over 答案, ten items to a row."""
    rows = []
    items = section.items
    for start in range(0, len(items), GRID_COLUMNS):
        chunk = items[start:start + GRID_COLUMNS]
        pad = [""] * (GRID_COLUMNS - len(chunk))
        rows.append([ts.text("题号", align=1)] + [ts.text(str(first + start + i), align=1)
                                                  for i in range(len(chunk))] + pad)
        rows.append([ts.text("答案", align=1)] + [ts.text(key_text(item), bold=True, align=1)
                                                  for item in chunk] + pad)
    label = 14 * mm
    table = Grid(rows, colWidths=[label] + [(width - label) / GRID_COLUMNS] * GRID_COLUMNS)
    style = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
    style += [("BACKGROUND", (0, r), (-1, r), colors.Color(0.93, 0.93, 0.93)) for r in range(0, len(rows), 2)]
    table.setStyle(TableStyle(style))
    table.spaceBefore, table.spaceAfter = 3, 4
    return table


def item_key(ts: Typesetter, section: PaperSection, item: Item, number: int, width: float,
             number_width: float) -> list[Flowable]:
    """The answer (for blanks and written items) and the explanation of one item."""
    prefix = ts.fonts.markup(f"{number}. ")
    parts: list[Flowable] = []
    if item.type == "blank":
        parts.append(ts.para(prefix + ts.fonts.markup("【答案】" + key_text(item)), hanging=number_width))
        prefix = ""
    elif item.type == "short":
        parts += ts.flowables(item.answer or "", width, prefix=prefix + ts.fonts.markup("【参考答案】"),
                              indent=number_width)
        prefix = ""
        if item.scoring_points:
            parts.append(ts.text("【评分要点】", indent=number_width))
            for k, point in enumerate(item.scoring_points, start=1):
                parts.append(ts.text(f"（{k}）{point.text}（{points(point.points)} 分）",
                                     indent=number_width + 2 * mm))
    if item.explanation:
        label = ts.fonts.markup("【解析】")
        parts += ts.flowables(item.explanation, width, prefix=prefix + label, indent=number_width,
                              hang=bool(prefix))
    if parts:
        parts[-1].spaceAfter = 3
    return parts
