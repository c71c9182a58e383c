"""Fonts for the printed papers: embedded TrueType, Chinese and Latin, with a fake bold.

reportlab embeds only TrueType (glyf) outlines, and no single freely shippable
TrueType font covers both Chinese and Latin text, so text is set with a chain
of fonts: each character goes to the first font of the chain whose cmap has it.
The shipped chain (``fonts/``, see ``fonts/README.md``) is DejaVu Sans for Latin,
Greek and symbols (√ × ① ℃ …) and Droid Sans Fallback (Apache-2.0) for Chinese;
code is set in DejaVu Sans Mono. A school may put its own font first, e.g.
``C:\\Windows\\Fonts\\simhei.ttf`` or ``simsun.ttc``, by passing ``font_path``.

Neither shipped font has a bold face, so bold is drawn by stroking the glyph
outlines as well as filling them (text render mode 2), as word processors do
for fonts without a bold face.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject

FONT_DIR = os.path.join(os.path.dirname(__file__), "fonts")
LATIN_FILE = os.path.join(FONT_DIR, "DejaVuSans-Subset.ttf")
CJK_FILE = os.path.join(FONT_DIR, "DroidSansFallback-CJK.ttf")
MONO_FILE = os.path.join(FONT_DIR, "DejaVuSansMono-Subset.ttf")

BOLD_SUFFIX = "-FakeBold"
LATIN_FACE = "QB-Latin"  # always registered: the face for text outside any run
_BOLD_STROKE = 0.035  # stroke width of fake bold, as a fraction of the font size


class FontError(ValueError):
    """A font file that cannot be used; the message is Chinese and names the file."""


@dataclass(frozen=True)
class _Face:
    name: str
    chars: frozenset[int]


def _register(name: str, path: str, subfont: int = 0) -> _Face:
    if not os.path.isfile(path):
        raise FontError(f"找不到字体文件：{path}")
    try:
        font = TTFont(name, path, subfontIndex=subfont)
    except TTFError as error:
        raise FontError(f"字体文件 {path} 无法嵌入 PDF（只支持 TrueType 轮廓的 .ttf/.ttc 字体，"
                        f"例如 simhei.ttf、simsun.ttc）：{error}") from None
    pdfmetrics.registerFont(font)
    pdfmetrics.registerFont(TTFont(name + BOLD_SUFFIX, path, subfontIndex=subfont))
    return _Face(name, frozenset(font.face.charToGlyph))


class FontSet:
    """A chain of registered faces for body text and one for code."""

    def __init__(self, body: list[_Face], mono: list[_Face]):
        self.body = body
        self.mono = mono
        self._pick: dict[tuple[bool, str], str] = {}

    @property
    def main(self) -> str:
        return self.body[-1].name

    def _face(self, char: str, mono: bool) -> str:
        key = (mono, char)
        if key not in self._pick:
            chain = self.mono + self.body if mono else self.body
            code = ord(char)
            self._pick[key] = next((f.name for f in chain if code in f.chars), self.main)
        return self._pick[key]

    def runs(self, text: str, mono: bool = False) -> list[tuple[str, str]]:
        """``text`` split into (font name, text) runs, each set in one face of the chain."""
        runs: list[tuple[str, str]] = []
        # Droid Sans Fallback's ideographic space extracts as NUL: use the em space, as wide
        for char in text.replace("\u3000", "\u2003"):
            face = self._face(char, mono)
            if runs and runs[-1][0] == face:
                runs[-1] = (runs[-1][0], runs[-1][1] + char)
            else:
                runs.append((face, char))
        return runs

    def markup(self, text: str, *, bold: bool = False, mono: bool = False) -> str:
        """reportlab paragraph markup for plain ``text``: escaped, each run in its face."""
        suffix = BOLD_SUFFIX if bold else ""
        return "\n".join("".join(f'<font name="{face}{suffix}">{escape(part)}</font>'
                                  for face, part in self.runs(line, mono))
                          for line in text.split("\n"))

    def width(self, text: str, size: float, mono: bool = False) -> float:
        """The width in points of plain ``text`` at ``size``."""
        return sum(pdfmetrics.stringWidth(part, face, size) for face, part in self.runs(text, mono))

    def draw(self, canvas: Canvas, x: float, y: float, text: str, size: float,
             *, bold: bool = False, anchor: str = "left") -> float:
        """Draw one line of plain text at (x, y); returns its width."""
        width = self.width(text, size)
        x -= {"left": 0, "centre": width / 2, "right": width}[anchor]
        suffix = BOLD_SUFFIX if bold else ""
        for face, part in self.runs(text):
            canvas.setFont(face + suffix, size)
            canvas.drawString(x, y, part)
            x += pdfmetrics.stringWidth(part, face, size)
        return width


_CACHE: dict[str, FontSet] = {}


def load_fonts(font_path: str | None = None) -> FontSet:
    """The font chain: ``font_path`` first when given, then the shipped fonts.

    ``font_path`` may name a TrueType collection's face as ``"simsun.ttc#0"``.

    :raise FontError: when ``font_path`` is missing or has no TrueType outlines.
    """
    key = font_path or ""
    if key not in _CACHE:
        body = [_register(LATIN_FACE, LATIN_FILE), _register("QB-CJK", CJK_FILE)]
        mono = [_register("QB-Mono", MONO_FILE)]
        if font_path:
            path, _, index = font_path.partition("#")
            tag = hashlib.sha1(font_path.encode()).hexdigest()[:8]
            body.insert(0, _register(f"QB-User-{tag}", path, int(index or 0)))
        _CACHE[key] = FontSet(body, mono)
    return _CACHE[key]


class _TextObject(PDFTextObject):
    """Strokes as well as fills text set in a fake-bold face."""

    _stroking = False

    def _formatText(self, text):
        bold = self._fontname.endswith(BOLD_SUFFIX)
        prefix = ""
        if bold != self._stroking:
            self._stroking = bold
            prefix = f"2 Tr {self._fontsize * _BOLD_STROKE:.3f} w " if bold else self._reset()
        return prefix + super()._formatText(text)

    def _reset(self) -> str:
        # text render mode and line width outlive the text object: put back what the canvas expects
        return f"0 Tr {self._canvas._lineWidth} w "

    def getCode(self):
        if self._stroking:
            self._code.append(self._reset().strip())
            self._stroking = False
        return super().getCode()


class FakeBoldCanvas(Canvas):
    """A canvas whose text objects draw :data:`BOLD_SUFFIX` faces as bold."""

    def beginText(self, x=0, y=0, direction=None):
        return _TextObject(self, x, y, direction=direction)
