"""Rich text (the sanitised HTML of :mod:`question_bank.richtext`) as reportlab flowables.

Paragraphs, line breaks, bold, underline, sub/superscript, lists, tables,
code (monospace, on a grey ground) and images from the media store, scaled
to the column. Images are read through ``load_image(name) -> bytes | None``.
"""
from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Callable

from PIL import Image as PILImage
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Image, Paragraph, Table, TableStyle, XPreformatted

from ..richtext import MEDIA_SRC
from .fonts import LATIN_FACE, FontSet

LoadImage = Callable[[str], "bytes | None"]
MAX_IMAGE_HEIGHT = 70 * mm
HEADER_GREY = colors.Color(0.92, 0.92, 0.92)
PX = 0.75  # points per CSS pixel
_BLANK = re.compile(r"_{3,}")
BLANK_LINE = "_" * 12  # a blank to fill in, printed as an underline


class Grid(Table):
    """A table whose cells are set in an embedded face: reportlab's default, Helvetica, is not."""

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        self.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), LATIN_FACE)]))


@dataclass
class _Cell:
    parts: list[str] = field(default_factory=list)
    images: list[tuple[str, int, int]] = field(default_factory=list)
    colspan: int = 1
    rowspan: int = 1
    header: bool = False


class _Blocks(HTMLParser):
    """Parses a fragment into blocks: ("p", markup), ("pre", markup), ("table", rows), ("img", …)."""

    def __init__(self, fonts: FontSet):
        super().__init__(convert_charrefs=True)
        self.fonts = fonts
        self.blocks: list[tuple] = []
        self.buf: list[str] = []
        self.pre: list[str] | None = None
        self.rows: list[list[_Cell]] | None = None
        self.cell: _Cell | None = None
        self.lists: list[list] = []
        self.bold = self.code = 0

    def _out(self) -> list[str]:
        if self.cell is not None:
            return self.cell.parts
        return self.pre if self.pre is not None else self.buf

    def flush(self) -> None:
        markup = "".join(self.buf).strip()
        if markup and markup != "<br/>":
            self.blocks.append(("p", markup))
        self.buf = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        out = self._out()
        if tag in {"b", "strong", "th"}:
            self.bold += 1
        if tag in {"p", "div"} and self.cell is None:
            self.flush()
        elif tag == "p" and self.cell is not None and self.cell.parts:
            out.append("<br/>")
        elif tag == "br":
            out.append("\n" if self.pre is not None and self.cell is None else "<br/>")
        elif tag in {"u", "sub"}:
            out.append(f"<{tag}>")
        elif tag == "sup":
            out.append("<super>")
        elif tag == "code":
            self.code += 1
        elif tag == "pre" and self.cell is None:
            self.flush()
            self.pre = []
        elif tag == "table":
            self.flush()
            self.rows = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in {"td", "th"} and self.rows:
            self.cell = _Cell(colspan=int(attrs.get("colspan") or 1),
                              rowspan=int(attrs.get("rowspan") or 1), header=tag == "th")
            self.rows[-1].append(self.cell)
        elif tag in {"ul", "ol"}:
            self.flush()
            self.lists.append([tag, 0])
        elif tag == "li":
            self.flush()
            if self.lists:
                self.lists[-1][1] += 1
                kind, n = self.lists[-1]
                self.buf.append(self.fonts.markup(f"{n}. " if kind == "ol" else "• "))
        elif tag == "img":
            self._image(attrs)

    def _image(self, attrs: dict) -> None:
        match = MEDIA_SRC.match(attrs.get("src") or "")
        if not match:
            return
        image = (match.group(1), int(attrs.get("width") or 0), int(attrs.get("height") or 0))
        if self.cell is not None:
            self.cell.images.append(image)
        else:
            self.flush()
            self.blocks.append(("img",) + image)

    def handle_endtag(self, tag):
        out = self._out()
        if tag in {"b", "strong", "th"}:
            self.bold = max(0, self.bold - 1)
        if tag in {"p", "div", "li"} and self.cell is None and self.pre is None:
            self.flush()
        elif tag in {"u", "sub"}:
            out.append(f"</{tag}>")
        elif tag == "sup":
            out.append("</super>")
        elif tag == "code":
            self.code = max(0, self.code - 1)
        elif tag == "pre" and self.pre is not None and self.cell is None:
            self.blocks.append(("pre", "".join(self.pre).strip("\n")))
            self.pre = None
        elif tag in {"td", "th"}:
            self.cell = None
        elif tag == "table" and self.rows is not None:
            self.blocks.append(("table", [r for r in self.rows if r]))
            self.rows = self.cell = None
        elif tag in {"ul", "ol"} and self.lists:
            self.lists.pop()

    def handle_data(self, data):
        if self.pre is None or self.cell is not None:
            data = re.sub(r"\s+", " ", data)
            data = _BLANK.sub(lambda m: m.group(0) if len(m.group(0)) >= 8 else BLANK_LINE, data)
        if data:
            mono = self.code > 0 or (self.pre is not None and self.cell is None)
            self._out().append(self.fonts.markup(data, bold=self.bold > 0, mono=mono))


class Typesetter:
    """Turns rich text into flowables in one column of a page."""

    def __init__(self, fonts: FontSet, size: float = 10.5, leading: float = 17,
                 load_image: LoadImage | None = None):
        self.fonts = fonts
        self.size = size
        self.leading = leading
        self.load_image = load_image
        self.style = ParagraphStyle("body", fontName=fonts.main, fontSize=size, leading=leading,
                                    wordWrap="CJK", spaceAfter=1)

    def para(self, markup: str, *, indent: float = 0, hanging: float = 0, size: float | None = None,
             align: int = 0, space_before: float = 0, leading: float | None = None) -> Paragraph:
        """A paragraph of markup; ``hanging`` pulls the first line out to the left by that much."""
        size = size or self.size
        style = ParagraphStyle("p", parent=self.style, fontSize=size,
                               leading=leading or (self.leading if size == self.size else size * 1.5),
                               leftIndent=indent + hanging, firstLineIndent=-hanging,
                               alignment=align, spaceBefore=space_before)
        return Paragraph(markup, style)

    def text(self, text: str, **kw) -> Paragraph:
        """A paragraph of plain text; ``bold=True`` for a heading."""
        bold = kw.pop("bold", False)
        return self.para(self.fonts.markup(text, bold=bold), **kw)

    def flowables(self, fragment: str, width: float, *, prefix: str = "", suffix: str = "",
                  indent: float = 0, hang: bool = True) -> list[Flowable]:
        """``fragment`` as flowables ``width`` wide, indented by ``indent``; ``prefix`` (e.g. the
        item number) starts the first line, hanging in the indent unless ``hang`` is False;
        ``suffix`` ends the last paragraph."""
        parser = _Blocks(self.fonts)
        parser.feed(fragment or "")
        parser.close()
        parser.flush()
        blocks = parser.blocks
        if prefix and (not blocks or blocks[0][0] != "p"):
            blocks.insert(0, ("p", ""))
        if suffix:
            if blocks and blocks[-1][0] == "p":
                blocks[-1] = ("p", blocks[-1][1] + suffix)
            else:
                blocks.append(("p", suffix))
        out: list[Flowable] = []
        for index, block in enumerate(blocks):
            kind = block[0]
            if kind == "p":
                if index == 0 and prefix and hang:
                    out.append(self.para(prefix + block[1], hanging=indent))
                elif index == 0 and prefix:
                    out.append(self.para(prefix + block[1], indent=indent))
                else:
                    out.append(self.para(block[1], indent=indent))
            elif kind == "pre":
                out.append(self._code(block[1], width - indent, indent))
            elif kind == "table":
                out.append(self._table(block[1], width - indent, indent))
            else:
                out.append(self.image(*block[1:], max_width=width - indent, indent=indent))
        return out

    def _code(self, markup: str, width: float, indent: float) -> Flowable:
        style = ParagraphStyle("code", parent=self.style, fontSize=self.size - 1.5,
                               leading=(self.size - 1.5) * 1.35, fontName=self.fonts.mono[0].name)
        table = Grid([[XPreformatted(markup, style)]], colWidths=[width])
        table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, -1), colors.Color(0.94, 0.94, 0.94)),
                                   ("BOX", (0, 0), (-1, -1), 0.4, colors.grey),
                                   ("LEFTPADDING", (0, 0), (-1, -1), 6)]))
        table.hAlign = "LEFT"
        return indented(table, indent, width)

    def _table(self, rows: list[list[_Cell]], width: float, indent: float) -> Flowable:
        n_cols = max(sum(c.colspan for c in row) for row in rows)
        taken: set[tuple[int, int]] = set()
        grid = [[""] * n_cols for _ in rows]
        commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]
        col_width = width / n_cols
        for r, row in enumerate(rows):
            c = 0
            for cell in row:
                while c < n_cols and (r, c) in taken:
                    c += 1
                if c >= n_cols:
                    break
                span_c, span_r = min(cell.colspan, n_cols - c), min(cell.rowspan, len(rows) - r)
                content = [self.para("".join(cell.parts), align=1)] if cell.parts else []
                content += [self.image(*im, max_width=col_width * span_c - 6) for im in cell.images]
                grid[r][c] = content
                for dr in range(span_r):
                    for dc in range(span_c):
                        taken.add((r + dr, c + dc))
                if span_c > 1 or span_r > 1:
                    commands.append(("SPAN", (c, r), (c + span_c - 1, r + span_r - 1)))
                if cell.header:
                    commands.append(("BACKGROUND", (c, r), (c + span_c - 1, r), HEADER_GREY))
                c += span_c
        widths = self._column_widths(rows, n_cols, width)
        table = Grid(grid, colWidths=widths, style=TableStyle(commands))
        table.hAlign = "LEFT"
        return indented(table, indent, width)

    def _column_widths(self, rows, n_cols: int, width: float) -> list[float]:
        natural = [self.size * 2] * n_cols
        for row in rows:
            for c, cell in enumerate(row[:n_cols]):
                if cell.colspan == 1:
                    text = re.sub(r"<[^>]+>", "", "".join(cell.parts))
                    natural[c] = max(natural[c], self.fonts.width(html.unescape(text), self.size) + 16)
        total = sum(natural)
        return [w * width / total for w in natural] if total > width else natural

    def image(self, name: str, width: int = 0, height: int = 0, *, max_width: float,
              indent: float = 0) -> Flowable:
        """An image from the media store, scaled to fit ``max_width``; a marked gap if it is missing."""
        data = self.load_image(name) if self.load_image else None
        if not data:
            return self.para(self.fonts.markup("［图片缺失］"), indent=indent)
        try:
            with PILImage.open(io.BytesIO(data)) as probe:
                px_w, px_h = probe.size
        except OSError:
            return self.para(self.fonts.markup("［图片无法读取］"), indent=indent)
        w = width * PX if width else px_w * PX
        h = height * PX if height else (w * px_h / px_w)
        scale = min(1.0, max_width / w, MAX_IMAGE_HEIGHT / h)
        flowable = Image(io.BytesIO(data), width=w * scale, height=h * scale)
        flowable.hAlign = "LEFT"
        return indented(flowable, indent, max_width)


def indented(flowable: Flowable, indent: float, width: float) -> Flowable:
    """``flowable`` moved right by ``indent`` in a column ``indent + width`` wide."""
    if not indent:
        return flowable
    table = Grid([["", flowable]], colWidths=[indent, width])
    table.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                               ("TOPPADDING", (0, 0), (-1, -1), 2), ("BOTTOMPADDING", (0, 0), (-1, -1), 2)]))
    table.hAlign = "LEFT"
    return table
