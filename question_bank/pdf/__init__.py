"""Printable PDFs of a paper: the paper itself, its answer sheet (答题卡) and its key
(参考答案及评分标准). Built with reportlab; fonts are embedded (see :mod:`.fonts`)."""
from .fonts import FontError, load_fonts
from .answer_sheet import render_answer_sheet
from .key import render_key
from .paper import render_paper

__all__ = ["FontError", "load_fonts", "render_answer_sheet", "render_key", "render_paper"]
