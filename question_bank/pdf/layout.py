"""Page layouts: A4 portrait in one column, A3 or B4 landscape in two; the sealing strip
(密封线) on odd pages and the "第 x 页 共 y 页" footer under each column."""
from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A3, A4, B4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from .fonts import FakeBoldCanvas, FontSet

SEAL_FIELDS = "学校＿＿＿＿＿＿＿＿＿＿　班级＿＿＿＿＿＿＿　姓名＿＿＿＿＿＿＿　考号＿＿＿＿＿＿＿＿＿＿"
SEAL_WORDS = "密 封 线 内 不 要 答 题"


@dataclass(frozen=True)
class PageLayout:
    name: str
    size: tuple[float, float]
    columns: int
    left: float  # wide enough for the sealing strip
    right: float
    top: float
    bottom: float
    gap: float = 0

    @property
    def column_width(self) -> float:
        usable = self.size[0] - self.left - self.right - self.gap * (self.columns - 1)
        return usable / self.columns

    def frames(self) -> list[Frame]:
        height = self.size[1] - self.top - self.bottom
        return [Frame(self.left + i * (self.column_width + self.gap), self.bottom, self.column_width,
                      height, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0, id=f"col{i}")
                for i in range(self.columns)]


LAYOUTS = {
    "a4": PageLayout("a4", A4, 1, 28 * mm, 16 * mm, 15 * mm, 18 * mm),
    "a3": PageLayout("a3", landscape(A3), 2, 34 * mm, 18 * mm, 15 * mm, 18 * mm, 18 * mm),
    "b4": PageLayout("b4", landscape(B4), 2, 32 * mm, 14 * mm, 13 * mm, 16 * mm, 15 * mm),
}


def page_layout(name: str) -> PageLayout:
    """The layout called ``name`` ("a4", "a3" or "b4").

    :raise ValueError: for any other name.
    """
    try:
        return LAYOUTS[name.lower()]
    except (KeyError, AttributeError):
        raise ValueError(f"未知版式“{name}”，可用：{'、'.join(LAYOUTS)}") from None


def draw_seal(canvas, layout: PageLayout, fonts: FontSet) -> None:
    """The sealing strip down the left margin: the candidate's fields outside the dashed line."""
    width, height = layout.size
    line_x = layout.left - 7 * mm
    canvas.saveState()
    canvas.translate(line_x, height / 2)
    canvas.rotate(90)  # text reads from the bottom of the page up, as on printed papers
    words = fonts.width(SEAL_WORDS, 10)
    length = height - layout.top - layout.bottom
    canvas.setLineWidth(0.6)
    canvas.setDash(4, 2)
    canvas.line(-length / 2, 0, -words / 2 - 3 * mm, 0)
    canvas.line(words / 2 + 3 * mm, 0, length / 2, 0)
    canvas.setDash()
    fonts.draw(canvas, 0, -1.3 * mm, SEAL_WORDS, 10, anchor="centre")
    fonts.draw(canvas, 0, 9 * mm, SEAL_FIELDS, 10.5, anchor="centre")
    canvas.restoreState()


def _canvas_class(layout: PageLayout, fonts: FontSet):
    """A canvas that holds its pages back until the end, to print "共 y 页" on each."""

    class PagedCanvas(FakeBoldCanvas):
        def __init__(self, *args, **kwargs):
            # the canvas's initial font is put on every page: make it an embedded one, not Helvetica
            kwargs["initialFontName"] = fonts.body[0].name
            super().__init__(*args, **kwargs)
            self._held: list[dict] = []

        def showPage(self):
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._held) * layout.columns
            for page, state in enumerate(self._held):
                self.__dict__.update(state)
                for column in range(layout.columns):
                    x = layout.left + column * (layout.column_width + layout.gap) + layout.column_width / 2
                    number = page * layout.columns + column + 1
                    fonts.draw(self, x, layout.bottom / 2 - 1 * mm, f"第 {number} 页 共 {total} 页", 9,
                               anchor="centre")
                FakeBoldCanvas.showPage(self)
            FakeBoldCanvas.save(self)

    return PagedCanvas


def build_pdf(story: list[Flowable], layout: PageLayout, fonts: FontSet, *, title: str,
              sealed: bool = True, subject: str = "") -> bytes:
    """Lay ``story`` out on pages of ``layout`` and return the PDF."""
    buffer = io.BytesIO()

    def decorate(canvas, doc):
        if sealed and canvas.getPageNumber() % 2 == 1:
            draw_seal(canvas, layout, fonts)

    width, height = layout.size
    doc = BaseDocTemplate(buffer, pagesize=layout.size, leftMargin=layout.left, rightMargin=layout.right,
                          topMargin=layout.top, bottomMargin=layout.bottom, title=title,
                          subject=subject, creator="hbjn-exam", invariant=1)
    doc.addPageTemplates([PageTemplate("page", frames=layout.frames(), onPage=decorate,
                                       pagesize=(width, height))])
    doc.build(story, canvasmaker=_canvas_class(layout, fonts))
    return buffer.getvalue()
