#!/usr/bin/env python3
"""Draw the illustrated demo items and write them as the demo bank ``figures.json``.

Every figure is a black-on-white line drawing made with Pillow; the picture and the
item (stem, options, key, explanation) are generated from the same Python data, so the
key always follows from what is drawn (resistances, dimensions, cell values …).

Output (nothing else is touched):

* ``exam_server/demo_data/media/<sha256>.png``  -- one file per picture; PNGs in that
  folder that this script no longer produces are removed, unless another demo bank
  refers to them;
* ``exam_server/demo_data/banks/figures.json`` -- a native bank (``hbjn-exam-bank`` v1).

Deterministic and idempotent: a second run writes byte-identical files with the same
names. No CJK text is drawn (a CJK font is not guaranteed); the images use Latin
letters, digits, symbols and numbered callouts, and the stems give their meaning.

Run: ``.venv/bin/python scripts/make_demo_figures.py``
"""
from __future__ import annotations

import hashlib
import heapq
import io
import ipaddress
import json
import math
import random
import re
import sys
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Sequence

from PIL import Image, ImageChops, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from question_bank.formats.native import FORMAT_NAME, FORMAT_VERSION, read_bank  # noqa: E402
from question_bank.richtext import MEDIA_SRC  # noqa: E402
from question_bank.taxonomy import TEN_CATEGORIES  # noqa: E402

DEMO_DIR = ROOT / "exam_server" / "demo_data"
MEDIA_DIR = DEMO_DIR / "media"
BANK_PATH = DEMO_DIR / "banks" / "figures.json"

SOURCE = "示范题库（原创）"
TAGS = ["图示"]
POINTS = 2
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩"
CATEGORY_ORDER = [c.code for c in TEN_CATEGORIES]
CATEGORY_NAMES = {c.code: c.name for c in TEN_CATEGORIES}
CATEGORY_SUBJECTS = {c.code: c.subjects for c in TEN_CATEGORIES}

# =====================================================================
# drawing primitives
# =====================================================================

SS = 3  # drawn at SS x the final size, then scaled down (anti-aliasing)
INK, PAPER = 0, 255
LIGHT = 215  # light grey for fills (water, grid lines)

#: characters the bundled font draws, and those drawn here with lines
_FONT_CHARS = set(chr(c) for c in range(32, 127)) | set("°±·")
_SPECIAL = {"Ω": 0.80, "×": 0.62, "⌀": 0.74}  # advance width in em
_FONTS: dict[int, ImageFont.FreeTypeFont] = {}


def _font(px: int):
    if px not in _FONTS:
        _FONTS[px] = ImageFont.load_default(size=px)
    return _FONTS[px]


def _text_runs(s: str) -> list[str]:
    runs: list[str] = []
    for ch in s:
        if ch not in _FONT_CHARS and ch not in _SPECIAL:
            raise ValueError(f"character {ch!r} cannot be drawn (no CJK or exotic glyphs in figures)")
        if ch in _SPECIAL or not runs or runs[-1] in _SPECIAL:
            runs.append(ch)
        else:
            runs[-1] += ch
    return runs


def _draw_text(dr: ImageDraw.ImageDraw, x: float, y: float, s: str, px: int, anchor: str,
               fill: int = INK) -> tuple[float, float, float, float]:
    """Draw ``s`` (pixel units) and return its box; anchor is h in lmr + v in tmb (cap-height based)."""
    f = _font(px)
    runs = _text_runs(s)
    widths = [(_SPECIAL[r] * px if r in _SPECIAL else f.getlength(r)) for r in runs]
    width = sum(widths)
    cap = -f.getbbox("H", anchor="ls")[1]
    x0 = x - width * {"l": 0, "m": 0.5, "r": 1}[anchor[0]]
    base = y + {"t": cap, "m": cap / 2, "b": 0}[anchor[1]]
    cx = x0
    stroke = max(1, round(px * 0.085))
    for run, w in zip(runs, widths):
        if run == "Ω":
            r = 0.31 * px
            ox, oy = cx + 0.40 * px, base - 0.43 * px
            dr.arc((ox - r, oy - r, ox + r, oy + r), 118, 422, fill=fill, width=stroke)
            for side in (-1, 1):
                ang = math.radians(90 + side * -28)
                ex, ey = ox + r * math.cos(ang), oy + r * math.sin(ang)
                dr.line([(ex, ey), (ex, base - stroke / 2)], fill=fill, width=stroke)
                dr.line([(ex - (0.16 * px if side < 0 else 0), base - stroke / 2),
                         (ex + (0.16 * px if side > 0 else 0), base - stroke / 2)], fill=fill, width=stroke)
        elif run == "×":
            c, h = (cx + 0.31 * px, base - 0.34 * px), 0.19 * px
            dr.line([(c[0] - h, c[1] - h), (c[0] + h, c[1] + h)], fill=fill, width=stroke)
            dr.line([(c[0] - h, c[1] + h), (c[0] + h, c[1] - h)], fill=fill, width=stroke)
        elif run == "⌀":
            c, r = (cx + 0.37 * px, base - 0.36 * px), 0.27 * px
            dr.ellipse((c[0] - r, c[1] - r, c[0] + r, c[1] + r), outline=fill, width=stroke)
            d = 0.38 * px
            dr.line([(c[0] - d * 0.8, c[1] + d), (c[0] + d * 0.8, c[1] - d)], fill=fill, width=stroke)
        else:
            dr.text((cx, base), run, font=f, fill=fill, anchor="ls")
        cx += w
    return (x0, base - cap, x0 + width, base + 0.22 * px)


class Canvas:
    """A white figure of ``w`` x ``h`` pixels; all coordinates are in final pixels."""

    def __init__(self, w: int, h: int):
        assert 300 <= w <= 600 and 150 <= h <= 600, (w, h)
        self.w, self.h = w, h
        self.im = Image.new("L", (w * SS, h * SS), PAPER)
        self.dr = ImageDraw.Draw(self.im)

    # -- lines and shapes
    @staticmethod
    def _pts(pts):
        return [(x * SS, y * SS) for x, y in pts]

    def line(self, pts, w: float = 1.5, fill: int = INK, caps: bool = True):
        pts = list(pts)
        width = max(1, round(w * SS))
        self.dr.line(self._pts(pts), fill=fill, width=width, joint="curve" if len(pts) > 2 else None)
        if caps and w >= 1.8:
            r = width / 2
            for x, y in (pts[0], pts[-1]):
                self.dr.ellipse((x * SS - r, y * SS - r, x * SS + r, y * SS + r), fill=fill)

    def poly(self, pts, w: float = 1.5, fill: int | None = None, outline: int = INK):
        pts = list(pts)
        if fill is not None:
            self.dr.polygon(self._pts(pts), fill=fill)
        if w > 0:
            self.line(pts + pts[:2], w, outline, caps=False)

    def rect(self, x0, y0, x1, y1, w: float = 1.5, fill: int | None = None):
        self.poly([(x0, y0), (x1, y0), (x1, y1), (x0, y1)], w, fill)

    def fill_rect(self, x0, y0, x1, y1, fill: int = PAPER):
        self.dr.rectangle((x0 * SS, y0 * SS, x1 * SS, y1 * SS), fill=fill)

    def ellipse(self, cx, cy, rx, ry, w: float = 1.5, fill: int | None = None, outline: int = INK):
        h = w / 2
        box = ((cx - rx - h) * SS, (cy - ry - h) * SS, (cx + rx + h) * SS, (cy + ry + h) * SS)
        if w > 0:
            self.dr.ellipse(box, fill=fill, outline=outline, width=max(1, round(w * SS)))
        else:
            self.dr.ellipse(((cx - rx) * SS, (cy - ry) * SS, (cx + rx) * SS, (cy + ry) * SS), fill=fill)

    def circle(self, cx, cy, r, w: float = 1.5, fill: int | None = None):
        self.ellipse(cx, cy, r, r, w, fill)

    def dot(self, cx, cy, r: float = 3.0):
        self.ellipse(cx, cy, r, r, 0, fill=INK)

    def arc(self, cx, cy, r, start, end, w: float = 1.2):
        """Arc in degrees, 0 = 3 o'clock, clockwise on the page."""
        h = w / 2
        self.dr.arc(((cx - r - h) * SS, (cy - r - h) * SS, (cx + r + h) * SS, (cy + r + h) * SS),
                    start, end, fill=INK, width=max(1, round(w * SS)))

    def pattern_line(self, p, q, pattern: Sequence[float], w: float = 1.0):
        """A line drawn as on/off lengths (dash, gap, dash, gap …), starting with a dash."""
        (x0, y0), (x1, y1) = p, q
        length = math.hypot(x1 - x0, y1 - y0)
        if length == 0:
            return
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        t, i, on = 0.0, 0, True
        while t < length:
            seg = pattern[i % len(pattern)]
            if on:
                t1 = min(length, t + seg)
                self.line([(x0 + ux * t, y0 + uy * t), (x0 + ux * t1, y0 + uy * t1)], w, caps=False)
            t += seg
            i += 1
            on = not on

    def dashed(self, p, q, w: float = 1.2, dash: float = 6, gap: float = 3.5):
        self.pattern_line(p, q, (dash, gap), w)

    def dashdot(self, p, q, w: float = 0.9):
        self.pattern_line(p, q, (14, 3, 2, 3), w)

    def dashdot_circle(self, cx, cy, r, w: float = 0.9):
        pattern, circumference = (14, 3, 2, 3), 2 * math.pi * r
        t, i, on = 0.0, 0, True
        while t < circumference - 1:
            seg = pattern[i % 4]
            if on:
                a0, a1 = t / r, min(circumference, t + seg) / r
                pts = [(cx + r * math.cos(a0 + (a1 - a0) * k / 4), cy + r * math.sin(a0 + (a1 - a0) * k / 4))
                       for k in range(5)]
                self.line(pts, w, caps=False)
            t += seg
            i += 1
            on = not on

    def arrow(self, p, q, w: float = 1.3, head: float = 9, half: float = 3.2, filled: bool = True):
        (x0, y0), (x1, y1) = p, q
        length = math.hypot(x1 - x0, y1 - y0)
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        bx, by = x1 - ux * head, y1 - uy * head
        self.line([(x0, y0), (bx + ux * 1, by + uy * 1)], w, caps=False)
        tri = [(x1, y1), (bx - uy * half, by + ux * half), (bx + uy * half, by - ux * half)]
        if filled:
            self.poly(tri, 0, fill=INK)
        else:
            self.line([tri[1], tri[0], tri[2]], w)

    # -- text
    def text(self, x, y, s: str, size: float = 13, anchor: str = "mm", bg: bool = False,
             fill: int = INK):
        px = round(size * SS)
        if bg:
            probe = Image.new("L", (4, 4))
            x0, y0, x1, y1 = _draw_text(ImageDraw.Draw(probe), x * SS, y * SS, s, px, anchor)
            pad = 2 * SS
            self.dr.rectangle((x0 - pad, y0 - pad, x1 + pad, y1 + pad), fill=PAPER)
        box = _draw_text(self.dr, x * SS, y * SS, s, px, anchor, fill)
        return tuple(v / SS for v in box)

    def vtext(self, x, y, s: str, size: float = 13):
        """Text turned 90 degrees anticlockwise (read from bottom to top), centred on (x, y)."""
        px = round(size * SS)
        probe = Image.new("L", (4, 4))
        x0, y0, x1, y1 = _draw_text(ImageDraw.Draw(probe), 0, 0, s, px, "mm")
        w, h = int(x1 - x0) + 4 * SS, int(y1 - y0) + 4 * SS
        tile = Image.new("L", (w, h), PAPER)
        _draw_text(ImageDraw.Draw(tile), w / 2, h / 2, s, px, "mm")
        tile = tile.rotate(90, expand=True)
        left, top = round(x * SS - tile.width / 2), round(y * SS - tile.height / 2)
        region = self.im.crop((left, top, left + tile.width, top + tile.height))
        self.im.paste(ImageChops.darker(region, tile), (left, top))

    def callout(self, x, y, n: int, r: float = 9.5):
        """A numbered callout: a circle with the number in it (printed as ①② in the stem)."""
        self.circle(x, y, r, 1.3, fill=PAPER)
        self.text(x, y + 0.3, str(n), 12.5)

    def leader(self, callout_xy, target_xy, n: int, r: float = 9.5, dot: bool = True):
        (cx, cy), (tx, ty) = callout_xy, target_xy
        d = math.hypot(tx - cx, ty - cy)
        sx, sy = cx + (tx - cx) * r / d, cy + (ty - cy) * r / d
        self.line([(sx, sy), (tx, ty)], 0.9)
        if dot:
            self.dot(tx, ty, 2.2)
        self.callout(cx, cy, n, r)

    # -- dimensions (GB style: thin lines, filled arrows, figures above / left of the line)
    def dim_h(self, x1, x2, y, label: str, ext_from: tuple[float, float] | None = None, size=12):
        if ext_from is not None:
            for x, yf in ((x1, ext_from[0]), (x2, ext_from[1])):
                s = 1 if y > yf else -1
                self.line([(x, yf + 2 * s), (x, y + 4 * s)], 0.8)
        self.arrow((x1 + (x2 - x1) / 2, y), (x1, y), 0.8, 8, 2.4)
        self.arrow((x1 + (x2 - x1) / 2, y), (x2, y), 0.8, 8, 2.4)
        self.text((x1 + x2) / 2, y - 3, label, size, "mb")

    def dim_v(self, y1, y2, x, label: str, ext_from: tuple[float, float] | None = None, size=12, at=0.5):
        if ext_from is not None:
            for yy, xf in ((y1, ext_from[0]), (y2, ext_from[1])):
                s = 1 if x > xf else -1
                self.line([(xf + 2 * s, yy), (x + 4 * s, yy)], 0.8)
        self.arrow((x, y1 + (y2 - y1) / 2), (x, y1), 0.8, 8, 2.4)
        self.arrow((x, y1 + (y2 - y1) / 2), (x, y2), 0.8, 8, 2.4)
        self.vtext(x - 9, y1 + (y2 - y1) * at, label, size)

    # -- output
    def png(self) -> bytes:
        small = self.im.resize((self.w, self.h), Image.LANCZOS)
        buffer = io.BytesIO()
        small.save(buffer, "PNG", optimize=True)
        return buffer.getvalue()


# -- electrical symbols (GB/T 4728 style), drawn over a wire that was drawn first

def resistor(cv: Canvas, cx, cy, vertical: bool, label: str = "", side: str = "right"):
    w, h = (14, 40) if vertical else (40, 14)
    cv.rect(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, 1.6, fill=PAPER)
    if label:
        if vertical:
            cv.text(cx + 12, cy, label, 13, "lm") if side != "left" else cv.text(cx - 12, cy, label, 13, "rm")
        else:
            cv.text(cx, cy - 12, label, 13, "mb") if side != "below" else cv.text(cx, cy + 12, label, 13, "mt")


def battery(cv: Canvas, cx, cy, plus_up: bool = True, label: str = ""):
    """A cell on a vertical wire: long thin plate = +, short thick plate = -."""
    cv.fill_rect(cx - 18, cy - 7, cx + 18, cy + 7)
    long_y, short_y = (cy - 6, cy + 6) if plus_up else (cy + 6, cy - 6)
    cv.line([(cx - 16, long_y), (cx + 16, long_y)], 1.6)
    cv.line([(cx - 8, short_y), (cx + 8, short_y)], 4.0, caps=False)
    cv.text(cx - 22, long_y + (-6 if plus_up else 6), "+", 13, "mm")
    if label:
        cv.text(cx + 24, cy, label, 13, "lm")


def lamp(cv: Canvas, cx, cy, r=13, label: str = "", label_side: str = "right"):
    cv.circle(cx, cy, r, 1.5, fill=PAPER)
    d = r * 0.707
    cv.line([(cx - d, cy - d), (cx + d, cy + d)], 1.2, caps=False)
    cv.line([(cx - d, cy + d), (cx + d, cy - d)], 1.2, caps=False)
    if label:
        if label_side == "right":
            cv.text(cx + r + 6, cy, label, 13, "lm")
        else:
            cv.text(cx - r - 6, cy, label, 13, "rm")


def diode_h(cv: Canvas, cx, cy, pointing_right: bool, label: str = "VD"):
    s = 1 if pointing_right else -1
    base, tip = cx - 11 * s, cx + 11 * s
    cv.poly([(base, cy - 11), (base, cy + 11), (tip, cy)], 1.5, fill=PAPER)
    cv.line([(tip, cy - 11), (tip, cy + 11)], 2.0)
    if label:
        cv.text(cx, cy - 16, label, 13, "mb")


def switch_h(cv: Canvas, x0, x1, y, closed: bool, label: str = "S"):
    cv.fill_rect(x0 + 1, y - 3, x1 - 1, y + 3)
    cv.circle(x0 + 3, y, 2.6, 1.2, fill=PAPER)
    cv.circle(x1 - 3, y, 2.6, 1.2, fill=PAPER)
    if closed:
        cv.line([(x0 + 5, y - 1), (x1 - 5, y - 1)], 1.6)
    else:
        ang = math.radians(28)
        length = (x1 - x0) - 6
        cv.line([(x0 + 5, y - 1), (x0 + 5 + length * math.cos(ang), y - 1 - length * math.sin(ang))], 1.6)
    if label:
        cv.text((x0 + x1) / 2, y + 10, label, 13, "mt")


def ground(cv: Canvas, x, y):
    cv.line([(x, y - 10), (x, y)], 1.5)
    for i, half in enumerate((11, 7, 3)):
        cv.line([(x - half, y + 4 * i), (x + half, y + 4 * i)], 1.5, caps=False)


# =====================================================================
# solids made of boxes: orthographic views (visible / hidden edges) and isometric drawing
# =====================================================================

@dataclass(frozen=True)
class Solid:
    """Cells of a box grid; xs, ys, zs are the cell sizes along length, width (y=0 front), height."""

    xs: tuple[float, ...]
    ys: tuple[float, ...]
    zs: tuple[float, ...]
    cells: frozenset

    @property
    def size(self):
        return sum(self.xs), sum(self.ys), sum(self.zs)


def _cum(sizes):
    out = [0.0]
    for s in sizes:
        out.append(out[-1] + s)
    return out


def view_edges(solid: Solid, view: str) -> list[tuple[str, tuple, tuple]]:
    """Edges of an orthographic view (first-angle projection, as in GB/T 14692).

    Returns ``(kind, (u0, v0), (u1, v1))`` in model units with u to the right and v up on
    the paper; kind is "visible" (thick) or "hidden" (dashed). An edge lies between two
    neighbouring cells of the view whose columns along the line of sight differ; it is
    visible when the nearest surface differs, otherwise it is hidden behind a face.
    """
    nx, ny, nz = len(solid.xs), len(solid.ys), len(solid.zs)
    L, W, H = solid.size
    if view == "front":       # viewer in front (y < 0): paper u = x, v = z
        A, B, order, cell = nx, nz, list(range(ny)), (lambda a, b, d: (a, d, b))
        au, bu = _cum(solid.xs), _cum(solid.zs)
        to_paper = lambda a, b: (a, b)
    elif view == "top":       # viewer above: paper u = x, v = y (the front is at the bottom)
        A, B, order, cell = nx, ny, list(reversed(range(nz))), (lambda a, b, d: (a, b, d))
        au, bu = _cum(solid.xs), _cum(solid.ys)
        to_paper = lambda a, b: (a, b)
    elif view == "left":      # viewer on the left (x < 0): paper u = W - y (the front is at the right), v = z
        A, B, order, cell = ny, nz, list(range(nx)), (lambda a, b, d: (d, a, b))
        au, bu = _cum(solid.ys), _cum(solid.zs)
        to_paper = lambda a, b: (W - a, b)
    else:
        raise ValueError(view)

    def column(a, b):
        if not (0 <= a < A and 0 <= b < B):
            return ()
        return tuple(d for d in order if cell(a, b, d) in solid.cells)

    segments: dict[tuple, list[tuple[float, float]]] = {}
    for a in range(A + 1):          # boundaries at u = au[a]
        for b in range(B):
            p, q = column(a - 1, b), column(a, b)
            if p != q:
                kind = "visible" if p[:1] != q[:1] else "hidden"
                segments.setdefault((kind, "v", au[a]), []).append((bu[b], bu[b + 1]))
    for b in range(B + 1):          # boundaries at v = bu[b]
        for a in range(A):
            p, q = column(a, b - 1), column(a, b)
            if p != q:
                kind = "visible" if p[:1] != q[:1] else "hidden"
                segments.setdefault((kind, "h", bu[b]), []).append((au[a], au[a + 1]))
    edges = []
    for (kind, orient, fixed), spans in sorted(segments.items()):
        spans.sort()
        merged = [list(spans[0])]
        for s0, s1 in spans[1:]:
            if abs(s0 - merged[-1][1]) < 1e-9:
                merged[-1][1] = s1
            else:
                merged.append([s0, s1])
        for s0, s1 in merged:
            if orient == "v":
                p, q = to_paper(fixed, s0), to_paper(fixed, s1)
            else:
                p, q = to_paper(s0, fixed), to_paper(s1, fixed)
            edges.append((kind, p, q))
    return edges


def draw_view(cv: Canvas, edges, ox: float, oy: float, scale: float, thick: float = 2.2):
    """Draw view edges with the paper origin (u=0, v=0) at pixel (ox, oy); v grows upwards."""
    for kind, (u0, v0), (u1, v1) in edges:
        p, q = (ox + u0 * scale, oy - v0 * scale), (ox + u1 * scale, oy - v1 * scale)
        if kind == "hidden":
            cv.dashed(p, q, 1.2, 6, 3.5)
    for kind, (u0, v0), (u1, v1) in edges:
        p, q = (ox + u0 * scale, oy - v0 * scale), (ox + u1 * scale, oy - v1 * scale)
        if kind == "visible":
            cv.line([p, q], thick)


_C30, _S30 = math.cos(math.radians(30)), math.sin(math.radians(30))


def iso_point(x, y, z, unit, ox, oy):
    """Isometric axonometry seen from front-right-above (x to the lower right, y to the upper right)."""
    return ox + (x + y) * _C30 * unit, oy - ((y - x) * _S30 + z) * unit


def draw_isometric(cv: Canvas, cells: frozenset, unit: float, ox: float, oy: float):
    """Unit cubes drawn far to near; each visible face is filled white and outlined on its free edges."""
    def has(c):
        return c in cells

    faces = {  # normal: (corner offsets, neighbour that hides it, in-plane axes)
        "+x": ([(1, 0, 0), (1, 1, 0), (1, 1, 1), (1, 0, 1)], (1, 0, 0)),
        "-y": ([(0, 0, 0), (1, 0, 0), (1, 0, 1), (0, 0, 1)], (0, -1, 0)),
        "+z": ([(0, 0, 1), (1, 0, 1), (1, 1, 1), (0, 1, 1)], (0, 0, 1)),
    }

    def exposed(c, normal):
        off = faces[normal][1]
        return has(c) and not has((c[0] + off[0], c[1] + off[1], c[2] + off[2]))

    for c in sorted(cells, key=lambda c: (-(-c[0] + c[1] - c[2]), c)):
        for normal, (corners, _) in faces.items():
            if not exposed(c, normal):
                continue
            pts3 = [(c[0] + a, c[1] + b, c[2] + d) for a, b, d in corners]
            pts = [iso_point(*p, unit, ox, oy) for p in pts3]
            cv.poly(pts, 0, fill=PAPER)
            for k in range(4):
                p3, q3 = pts3[k], pts3[(k + 1) % 4]
                # the neighbour across this edge in the face's own plane
                mid = [(p3[i] + q3[i]) / 2 for i in range(3)]
                centre = [sum(p[i] for p in pts3) / 4 for i in range(3)]
                step = tuple(round(2 * (mid[i] - centre[i])) for i in range(3))
                nb = (c[0] + step[0], c[1] + step[1], c[2] + step[2])
                if exposed(nb, normal):
                    continue
                cv.line([pts[k], pts[(k + 1) % 4]], 2.0)


# =====================================================================
# the bank: items, media, arrangement of options
# =====================================================================

MEDIA: dict[str, bytes] = {}


def save(cv: Canvas) -> str:
    data = cv.png()
    name = hashlib.sha256(data).hexdigest() + ".png"
    assert MEDIA_SRC.match("/media/" + name)
    MEDIA[name] = data
    return name


def img(name: str, alt: str) -> str:
    return f'<p><img src="/media/{name}" alt="{alt}"></p>'


@dataclass
class Opt:
    text: str
    image: str | None = None


@dataclass
class Spec:
    code: str
    subject: str
    kp: str
    difficulty: str
    stem: str
    options: list[Opt]          # options[0] is the key
    explain: Callable[[list[str]], str]  # gets the letter of each option in the order given
    order: str = "shuffle"      # "shuffle": key place from the uid; "given": keep the order; "numeric": ascending
    numeric: list[float] | None = None
    uid: str = ""


def arrange(spec: Spec) -> tuple[list[Opt], str, list[str]]:
    """Place the options; returns (options in A–D order, key letter, letter of each given option)."""
    n = len(spec.options)
    assert n == 4, spec.uid
    texts = [(o.text, o.image) for o in spec.options]
    assert len(set(texts)) == n, f"{spec.uid}: options are not distinct: {texts}"
    if spec.order == "given":
        perm = list(range(n))
    elif spec.order == "numeric":
        assert spec.numeric and len(set(spec.numeric)) == n, spec.uid
        perm = sorted(range(n), key=lambda i: spec.numeric[i])
    else:
        digest = hashlib.sha256(spec.uid.encode()).digest()
        key_at = digest[0] % n
        rest = sorted(range(1, n), key=lambda i: hashlib.sha256(f"{spec.uid}/{i}".encode()).digest())
        perm = rest[:key_at] + [0] + rest[key_at:]
    letters = [""] * n
    for place, original in enumerate(perm):
        letters[original] = "ABCD"[place]
    return [spec.options[i] for i in perm], letters[0], letters


def num(v) -> str:
    """A number as printed: exact, no trailing zeros (refuses values that would be rounded)."""
    v = Fraction(v)
    if v.denominator == 1:
        return str(v.numerator)
    d = v.denominator
    while d % 2 == 0:
        d //= 2
    while d % 5 == 0:
        d //= 5
    assert d == 1, f"{v} has no exact decimal form"
    s = f"{float(v):.6f}".rstrip("0").rstrip(".")
    assert Fraction(s) == v
    return s


def snum(v) -> str:
    """``num`` with a typographic minus for negative values (for the stems and explanations)."""
    return ("−" + num(-Fraction(v))) if Fraction(v) < 0 else num(v)


def money(v: int) -> str:
    return f"{v:,}"


def pick_distractors(key, candidates, fmt=lambda v: v, n=3):
    """The first n candidates that differ (as printed) from the key and from each other."""
    seen, out = {fmt(key)}, []
    for c in candidates:
        if fmt(c) not in seen:
            seen.add(fmt(c))
            out.append(c)
        if len(out) == n:
            return out
    raise AssertionError(f"not enough distractors for {key}: {candidates}")


def p(text: str) -> str:
    return f"<p>{text}</p>"


# =====================================================================
# DQ 电气电子类
# =====================================================================

def dq_series_parallel() -> Spec:
    E, R1, R2, R3 = 12, 4, 6, 12
    cv = Canvas(500, 250)
    top, bot, xl, xa, xb = 50, 210, 60, 290, 410
    cv.line([(xl, bot), (xl, top), (xb, top), (xb, bot), (xl, bot)], 1.5)
    cv.line([(xa, top), (xa, bot)], 1.5)
    battery(cv, xl, 130, True, f"E = {E} V")
    resistor(cv, 170, top, False, f"R1 = {R1} Ω")
    resistor(cv, xa, 130, True, f"R2 = {R2} Ω")
    resistor(cv, xb, 130, True, f"R3 = {R3} Ω")
    for x, y in ((xa, top), (xa, bot)):
        cv.dot(x, y, 3.2)
    cv.arrow((xb + 14, 68), (xb + 14, 94), 1.2, 8, 3)
    cv.text(xb + 22, 80, "I3", 13, "lm")
    name = save(cv)

    r23 = Fraction(R2 * R3, R2 + R3)
    total = R1 + r23
    current = Fraction(E) / total
    u23 = current * r23
    i3, i2 = u23 / R3, u23 / R2
    wrong = pick_distractors(i3, [current, i2, Fraction(E, R1 + R3), Fraction(E, R1 + R2 + R3)], num)
    values = [i3] + wrong

    def explain(L):
        return p(f"R2 与 R3 并联：R23 = {R2}×{R3}/({R2}+{R3}) = {num(r23)} Ω；再与 R1 串联，总电阻 "
                 f"R = {R1} + {num(r23)} = {num(total)} Ω。总电流 I = E/R = {E}/{num(total)} = {num(current)} A，"
                 f"并联部分电压 U = I·R23 = {num(current)}×{num(r23)} = {num(u23)} V，"
                 f"故 I3 = U/R3 = {num(u23)}/{R3} = {num(i3)} A，选 {L[0]}。"
                 f"{num(current)} A 是干路总电流，{num(i2)} A 是 R2 支路的电流（并联支路电阻越小电流越大）。")

    return Spec("DQ", "电工技术基础与技能", "电阻的串联与并联", "medium",
                p("图示电路中，电源内阻不计，各元件参数如图所示。通过电阻 R3 的电流 I3 为（　）。")
                + img(name, "电阻混联电路：R1 与 R2、R3 的并联部分串联后接于电源 E"),
                [Opt(f"{num(v)} A") for v in values], explain, "numeric", [float(v) for v in values])


def dq_kcl_node() -> Spec:
    known = [("I1", 3, "in", 200), ("I2", 5, "in", 110), ("I3", 2, "out", 15)]  # name, A, direction, angle
    unknown_angle = 285
    cv = Canvas(380, 300)
    cx, cy, length = 185, 150, 115
    cv.dot(cx, cy, 4.5)
    cv.text(cx - 10, cy + 16, "a", 14, "mm")
    for name_, amps, direction, ang in known + [("I4", None, None, unknown_angle)]:
        a = math.radians(ang)
        ux, uy = math.cos(a), -math.sin(a)
        end = (cx + ux * length, cy + uy * length)
        cv.line([(cx, cy), end], 1.5)
        mid_out, mid_in = (cx + ux * 72, cy + uy * 72), (cx + ux * 46, cy + uy * 46)
        if direction == "in":
            cv.arrow(mid_out, mid_in, 1.5, 11, 4.2)
        elif direction == "out":
            cv.arrow(mid_in, mid_out, 1.5, 11, 4.2)
        nx, ny = -uy, ux  # label beside the branch
        if ny > 0 or (abs(ny) < 0.2 and nx < 0):
            nx, ny = -nx, -ny
        lx, ly = cx + ux * 62 + nx * 18, cy + uy * 62 + ny * 18
        label = f"{name_} = {amps} A" if amps is not None else f"{name_} = ?"
        cv.text(lx, ly, label, 13, ("l" if nx > 0.3 else "r" if nx < -0.3 else "m") + "m")
    name = save(cv)

    net_in = sum(a for _, a, d, _ in known if d == "in") - sum(a for _, a, d, _ in known if d == "out")
    mag, way = abs(net_in), ("流出" if net_in > 0 else "流入")
    other = "流入" if way == "流出" else "流出"
    all_sum = sum(a for _, a, _, _ in known)
    flipped = -known[0][1] + known[1][1] - known[2][1]  # I1 taken as leaving the node
    texts = [f"{mag} A，{way}节点 a", f"{mag} A，{other}节点 a", f"{all_sum} A，{way}节点 a",
             f"{abs(flipped)} A" if flipped == 0 else f"{abs(flipped)} A，{way if flipped > 0 else other}节点 a"]

    def explain(L):
        ins = " + ".join(f"{n}" for n, _, d, _ in known if d == "in")
        outs = " + ".join(f"{n}" for n, _, d, _ in known if d == "out")
        return p(f"由基尔霍夫电流定律，流入节点的电流之和等于流出节点的电流之和。图中 {ins} 流入节点 a，"
                 f"{outs} 流出，已知流入合计 {sum(a for _, a, d, _ in known if d == 'in')} A、"
                 f"流出合计 {sum(a for _, a, d, _ in known if d == 'out')} A，相差 {mag} A，"
                 f"只能由 I4 {way}节点来平衡，故选 {L[0]}。"
                 f"把各电流直接相加得 {all_sum} A，是忽略了电流方向的错误。")

    return Spec("DQ", "电工技术基础与技能", "基尔霍夫电流定律", "easy",
                p("图示为电路中的节点 a，各支路电流的大小和参考方向如图所示。支路电流 I4 的大小和实际方向为（　）。")
                + img(name, "节点 a 连接四条支路，I1、I2、I3 的方向用箭头标出，I4 未知"),
                [Opt(t) for t in texts], explain)


def dq_diode_current() -> Spec:
    E, R, drop, forward = 5, 1000, Fraction(7, 10), True
    cv = Canvas(440, 240)
    xl, xr, top, bot = 70, 340, 60, 195
    cv.line([(xl, bot), (xl, top), (xr, top), (xr, bot), (xl, bot)], 1.5)
    battery(cv, xl, 128, True, f"E = {E} V")
    diode_h(cv, 200, top, forward, "VD (Si)")
    resistor(cv, xr, 128, True, f"R = {R // 1000} kΩ")
    cv.arrow((250, top + 12), (285, top + 12), 1.2, 8, 3)
    cv.text(268, top + 18, "I", 13, "mt")
    name = save(cv)

    current_ma = (E - drop) / R * 1000 if forward else Fraction(0)
    wrong = pick_distractors(current_ma, [Fraction(E * 1000, R), Fraction(0), drop / R * 1000], num)
    values = [current_ma] + wrong

    def explain(L):
        return p(f"图中电源正极在上，电流沿顶边向右流动，二极管三角形指向右侧，即阳极接电源正极一侧，"
                 f"二极管正向偏置而导通。硅管导通压降约 {num(drop)} V，电阻两端电压为 {E} − {num(drop)} = "
                 f"{num(E - drop)} V，I = {num(E - drop)} V / {R // 1000} kΩ = {num(current_ma)} mA，选 {L[0]}。"
                 f"{num(Fraction(E * 1000, R))} mA 是忽略了二极管导通压降的结果。")

    return Spec("DQ", "电子技术基础与技能", "二极管的伏安特性", "medium",
                p(f"图示电路中，VD 为硅二极管，导通压降按 {num(drop)} V 计，电源内阻不计。电路中的电流 I 为（　）。")
                + img(name, "电源、硅二极管 VD 与电阻 R 组成的串联电路"),
                [Opt(f"{num(v)} mA") for v in values], explain, "numeric", [float(v) for v in values])


def _diode_lamp_circuit(plus_up: bool, diode_right: bool, closed: bool) -> str:
    cv = Canvas(300, 190)
    xl, xr, top, bot = 52, 236, 42, 150
    cv.line([(xl, bot), (xl, top), (xr, top), (xr, bot), (xl, bot)], 1.5)
    battery(cv, xl, 96, plus_up, "")
    diode_h(cv, 144, top, diode_right, "VD")
    switch_h(cv, 124, 164, bot, closed, "S")
    lamp(cv, xr, 96, 13, "EL")
    return save(cv)


def lamp_lights(plus_up: bool, diode_right: bool, closed: bool) -> bool:
    """Conventional current leaves the + plate; with + at the top it runs rightwards along the top wire."""
    top_wire_rightwards = plus_up
    return closed and (diode_right == top_wire_rightwards)


def dq_diode_lamp_options() -> Spec:
    cases = [(True, True, True), (True, False, True), (False, True, True), (True, True, False)]
    lit = [lamp_lights(*c) for c in cases]
    assert lit.count(True) == 1 and lit[0]
    names = [_diode_lamp_circuit(*c) for c in cases]

    def reason(case):
        plus_up, right, closed = case
        flow = "向右" if plus_up else "向左"
        points = "向右" if right else "向左"
        if not closed:
            return "开关 S 断开，电路不通"
        if lamp_lights(*case):
            return f"电源正极在{'上' if plus_up else '下'}，顶边电流{flow}，与二极管箭头方向（{points}）一致且开关闭合，二极管正偏导通，灯亮"
        return f"电源正极在{'上' if plus_up else '下'}，顶边电流应{flow}，而二极管箭头{points}，二极管反偏截止"

    def explain(L):
        parts = [f"选项 {L[i]}：{reason(c)}" for i, c in sorted(enumerate(cases), key=lambda t: L[t[0]])]
        return p("二极管具有单向导电性，只有电流从阳极（三角形底边）流向阴极（短竖线）时才导通。"
                 "电流从电源正极（长线）流出。" + "；".join(parts) + f"。故选 {L[0]}。")

    return Spec("DQ", "电子技术基础与技能", "二极管的单向导电性", "easy",
                p("下列电路中，二极管 VD 为理想二极管，能使灯泡 EL 发光的是（　）。"),
                [Opt("", n) for n in names], explain)


def transistor_state(vb, vc, ve, threshold=Fraction(1, 2)) -> str:
    """NPN silicon transistor: state from the electrode potentials."""
    vbe, vbc = vb - ve, vb - vc
    if vbe < threshold:
        return "截止状态"
    if vbc > 0:
        return "饱和状态"
    return "放大状态"


def dq_transistor_state() -> Spec:
    vb, vc, ve = Fraction(27, 10), Fraction(6), Fraction(2)
    cv = Canvas(340, 260)
    bx, cx_ = 150, 195
    cv.line([(80, 130), (bx, 130)], 1.5)
    cv.line([(bx, 104), (bx, 156)], 3.2)
    cv.line([(bx, 118), (cx_, 92), (cx_, 42)], 1.5)
    cv.line([(bx, 142), (cx_, 168), (cx_, 218)], 1.5)
    # NPN: the emitter arrow points away from the base
    ex0, ey0, ex1, ey1 = bx, 142, cx_, 168
    t = 0.78
    cv.arrow((ex0 + (ex1 - ex0) * 0.3, ey0 + (ey1 - ey0) * 0.3), (ex0 + (ex1 - ex0) * t, ey0 + (ey1 - ey0) * t),
             1.5, 11, 4.5)
    for x, y in ((80, 130), (cx_, 42), (cx_, 218)):
        cv.circle(x, y, 3.5, 1.3, fill=PAPER)
    cv.text(80, 118, f"B: {num(vb)} V", 13, "mb")
    cv.text(cx_ + 10, 42, f"C: {num(vc)} V", 13, "lm")
    cv.text(cx_ + 10, 218, f"E: {num(ve)} V", 13, "lm")
    cv.text(235, 130, "VT (NPN, Si)", 13, "lm")
    name = save(cv)

    state = transistor_state(vb, vc, ve)
    others = [s for s in ("饱和状态", "截止状态", "放大状态") if s != state] + ["击穿损坏"]
    texts = [state] + others[:3]

    def explain(L):
        return p(f"硅 NPN 管：U_BE = {num(vb)} − {num(ve)} = {snum(vb - ve)} V，正是硅管的正常导通压降，发射结正偏；"
                 f"U_BC = {num(vb)} − {num(vc)} = {snum(vb - vc)} V，集电结反偏。"
                 f"发射结正偏、集电结反偏是放大状态的条件（U_C > U_B > U_E），故选 {L[0]}。"
                 "若两个结都正偏为饱和，发射结不导通（U_BE 小于死区电压）则为截止。")

    return Spec("DQ", "电子技术基础与技能", "三极管的工作状态", "medium",
                p("测得电路中一只硅材料 NPN 型三极管 VT 各电极对地的电位如图所示，该管处于（　）。")
                + img(name, "NPN 三极管，基极、集电极、发射极分别标出对地电位"),
                [Opt(t) for t in texts], explain)


# =====================================================================
# JX 机械类
# =====================================================================

def _block_with_notch(notch_x: int | None = 3, block_y: int | None = 0) -> Solid:
    cells = {(i, j, 0) for i in range(4) for j in range(3)}          # base plate 4 x 3 x 1
    cells |= {(i, 2, k) for i in range(4) for k in (1, 2)}           # upright wall at the back
    if notch_x is not None:
        cells.discard((notch_x, 2, 2))                                # a notch in the top of the wall
    if block_y is not None:
        cells.add((0, block_y, 1))                                    # a small block on the base, at the left
    return Solid((1,) * 4, (1,) * 3, (1,) * 3, frozenset(cells))


def _mirror_edges(edges, width):
    return [(k, (width - u0, v0), (width - u1, v1)) for k, (u0, v0), (u1, v1) in edges]


def _view_png(edges, width_units, height_units, scale=44) -> str:
    cv = Canvas(300, 200)
    ox = 150 - width_units * scale / 2
    oy = 100 + height_units * scale / 2
    draw_view(cv, edges, ox, oy, scale)
    return save(cv)


def jx_left_view_options() -> Spec:
    solid = _block_with_notch(3, 0)
    L, W, H = solid.size
    # the stem: isometric drawing with the direction of the front view
    cv = Canvas(400, 320)
    unit, ox, oy = 46, 95, 210
    draw_isometric(cv, solid.cells, unit, ox, oy)
    tip = iso_point(2, -0.2, 0.5, unit, ox, oy)
    tail = iso_point(2, -1.7, 0.5, unit, ox, oy)
    cv.arrow(tail, tip, 1.8, 13, 5)
    stem_name = save(cv)

    key = view_edges(solid, "left")
    candidates = [
        ("key", key),
        ("mirror", _mirror_edges(key, W)),
        ("notch_left", view_edges(_block_with_notch(0, 0), "left")),
        ("no_notch", view_edges(_block_with_notch(None, 0), "left")),
    ]
    drawn = [frozenset(e) for _, e in candidates]
    assert len(set(drawn)) == 4, "the candidate left views must differ"
    assert any(k == "hidden" for k, _, _ in key), "the notch must show as a hidden line"
    names = [_view_png(e, W, H) for _, e in candidates]

    def explain(L):
        return p("左视图是从物体左侧向右投射所得，位于主视图右方，反映物体的宽和高；"
                 "按第一角投影，左视图中远离主视图的一侧（右侧）表示物体的前面。"
                 "立体图中小方块在左端前部，其轮廓在左视图右下方画成粗实线，它与底板顶面的交线被方块挡住，画成虚线；"
                 f"后部立板右端顶部的缺口从左侧看不见，也应画成虚线。只有选项 {L[0]} 同时满足，故选 {L[0]}。"
                 f"选项 {L[1]} 前后颠倒（把立板画在了右侧）；选项 {L[2]} 把缺口画成可见的粗实线，"
                 f"是缺口位于左端时的画法；选项 {L[3]} 漏画了缺口的虚线。")

    return Spec("JX", "机械制图", "三视图的投影规律", "medium",
                p("根据立体图（箭头所指方向为主视图的投射方向），选择正确的左视图（　）。")
                + img(stem_name, "由底板、后部立板（右端顶部有缺口）和左前方小方块组成的立体的正等轴测图"),
                [Opt("", n) for n in names], explain)


def jx_three_views_width() -> Spec:
    xs, ys, zs = (20, 20, 20), (12, 16, 12), (15, 20)
    cells = {(i, j, 0) for i in range(3) for j in range(3)}
    cells |= {(i, j, 1) for i in range(3) for j in (0, 2)}   # a groove along the length on top
    solid = Solid(xs, ys, zs, frozenset(cells))
    L, W, H = solid.size
    groove, base = ys[1], zs[0]
    s = 2.2
    cv = Canvas(420, 340)
    fx, fy = 78, 150                      # front view: bottom-left corner
    lx = fx + L * s + 62                  # left view to the right of it
    ty = fy + 45 + W * s                  # top view below it (its front edge at the bottom)
    draw_view(cv, view_edges(solid, "front"), fx, fy, s)
    draw_view(cv, view_edges(solid, "left"), lx, fy, s)
    draw_view(cv, view_edges(solid, "top"), fx, ty, s)
    cv.dim_h(fx, fx + L * s, fy - H * s - 22, num(L), (fy - H * s, fy - H * s))
    cv.dim_v(fy - H * s, fy, fx - 22, num(H), (fx, fx))
    cv.dim_v(ty - W * s, ty, fx - 22, num(W), (fx, fx))
    g0, g1 = ty - (ys[0] + ys[1]) * s, ty - ys[0] * s
    cv.dim_v(g0, g1, fx + L * s + 26, num(groove), (fx + L * s, fx + L * s))
    cv.dim_h(lx, lx + W * s, fy + 24, "a", (fy, fy))
    name = save(cv)

    wrong = pick_distractors(W, [L, H, W - groove, H - base], num)
    values = [W] + wrong

    def explain(L_):
        return p(f"三视图的投影规律是“长对正、高平齐、宽相等”：俯视图与左视图都反映物体的宽度，且宽度相等。"
                 f"俯视图中物体的宽为 {num(W)}，左视图中的尺寸 a 同样是物体的总宽，所以 a = {num(W)}，选 {L_[0]}。"
                 f"{num(L)} 是长（主视图、俯视图反映），{num(H)} 是高（主视图、左视图反映），"
                 f"{num(W - groove)} 是从总宽中错误地减去了槽宽 {num(groove)}。")

    return Spec("JX", "机械制图", "三视图的投影规律", "easy",
                p("图示为某物体的三视图（主视图、俯视图、左视图按规定位置配置，单位为 mm）。左视图中的尺寸 a 应为（　）。")
                + img(name, "上部开有通槽的长方体的三视图，左视图下方的宽度尺寸标为 a"),
                [Opt(f"{num(v)} mm") for v in values], explain, "numeric", values)


def _gear_outline(cx, cy, z, r_tip, r_pitch, r_root):
    pitch = 2 * math.pi / z
    pts = []
    for t in range(z):
        c = t * pitch - math.pi / 2
        half = [(r_root, -0.31), (r_root + 0.45 * (r_pitch - r_root), -0.285), (r_pitch, -0.25),
                (r_pitch + 0.55 * (r_tip - r_pitch), -0.205), (r_tip, -0.165), (r_tip, -0.08)]
        profile = half + [(r_tip, 0.0)] + [(r, -f) for r, f in reversed(half)]
        for r, f in profile:
            pts.append((cx + r * math.cos(c + f * pitch), cy + r * math.sin(c + f * pitch)))
        for f in (0.38, 0.5, 0.62):   # root land to the next tooth
            pts.append((cx + r_root * math.cos(c + f * pitch), cy + r_root * math.sin(c + f * pitch)))
    return pts


def jx_gear_tip_diameter() -> Spec:
    m, z = 3, 24
    d = m * z
    da = m * (z + 2)
    df = Fraction(m) * (z - Fraction(5, 2))
    scale = 3.1
    cv = Canvas(420, 320)
    cx, cy = 165, 162
    cv.poly(_gear_outline(cx, cy, z, da / 2 * scale, d / 2 * scale, float(df) / 2 * scale), 1.8)
    cv.dashdot_circle(cx, cy, d / 2 * scale, 0.9)
    bore = 12 * scale
    key_w, key_d = 4 * scale, 2.6 * scale
    ang = math.asin(key_w / 2 / bore)
    arc_pts = [(cx + bore * math.cos(-math.pi / 2 + ang + k * (2 * math.pi - 2 * ang) / 60),
                cy + bore * math.sin(-math.pi / 2 + ang + k * (2 * math.pi - 2 * ang) / 60)) for k in range(61)]
    top_y = cy - bore * math.cos(ang) - key_d
    cv.line(arc_pts + [(cx - key_w / 2, top_y), (cx + key_w / 2, top_y), arc_pts[0]], 1.8)
    ext = da / 2 * scale + 12
    cv.dashdot((cx - ext, cy), (cx + ext, cy))
    cv.dashdot((cx, cy - ext), (cx, cy + ext))
    cv.rect(318, 120, 408, 196, 1.0)
    cv.text(328, 145, f"m = {m}", 14, "lm")
    cv.text(328, 172, f"z = {z}", 14, "lm")
    name = save(cv)

    wrong = pick_distractors(da, [d, df, d + m], num)
    values = [Fraction(da)] + [Fraction(v) for v in wrong]

    def explain(L):
        return p(f"图中标准直齿圆柱齿轮 m = {m} mm、z = {z}。分度圆（图中细点画线圆）直径 d = mz = {m}×{z} = {d} mm；"
                 f"标准齿顶高 ha = m = {m} mm，齿顶圆直径 da = d + 2ha = m(z + 2) = {m}×{z + 2} = {da} mm，选 {L[0]}。"
                 f"{d} mm 是分度圆直径，{num(df)} mm 是齿根圆直径 df = m(z − 2.5)，{d + m} mm 只加了一个齿顶高。")

    return Spec("JX", "机械基础", "渐开线标准直齿圆柱齿轮的几何尺寸", "medium",
                p("图示为一个渐开线标准直齿圆柱齿轮（正常齿制），模数 m 与齿数 z 如图所示。该齿轮的齿顶圆直径 da 为（　）。")
                + img(name, "标准直齿圆柱齿轮，图中注有模数 m 与齿数 z，分度圆以细点画线表示"),
                [Opt(f"{num(v)} mm") for v in values], explain, "numeric", [float(v) for v in values])


def jx_shaft_length() -> Spec:
    total = 160
    segments = [(30, 40), (40, None), (25, 35)]  # (diameter, length); None is asked for
    unknown = total - sum(l for _, l in segments if l is not None)
    lengths = [l if l is not None else unknown for _, l in segments]
    s = 2.6
    cv = Canvas(520, 260)
    x0, cy = 52, 112
    xs = [x0]
    for l in lengths:
        xs.append(xs[-1] + l * s)
    outline_top = []
    for (dia, _), a, b in zip(segments, xs, xs[1:]):
        outline_top += [(a, cy - dia / 2 * s), (b, cy - dia / 2 * s)]
    bottom = [(x, 2 * cy - y) for x, y in reversed(outline_top)]
    cv.poly(outline_top + bottom, 2.2)
    for (dia, _), (dnext, _), x in zip(segments, segments[1:], xs[1:-1]):
        h = max(dia, dnext) / 2 * s
        cv.line([(x, cy - h), (x, cy + h)], 2.2)
    cv.dashdot((x0 - 10, cy), (xs[-1] + 10, cy))
    low = cy + max(d for d, _ in segments) / 2 * s
    y1, y2 = low + 34, low + 66
    for (dia, l), a, b in zip(segments, xs, xs[1:]):
        cv.dim_h(a, b, y1, num(l) if l is not None else "L", (cy + dia / 2 * s, cy + dia / 2 * s))
        mid = (a + b) / 2 + (8 if l is None else 0)
        cv.dim_v(cy - dia / 2 * s, cy + dia / 2 * s, mid, f"⌀{dia}", at=0.27)
    cv.dim_h(xs[0], xs[-1], y2, num(total), (cy + segments[0][0] / 2 * s, cy + segments[-1][0] / 2 * s))
    name = save(cv)

    known = [l for _, l in segments if l is not None]
    wrong = pick_distractors(unknown, [total - known[0], total - known[1], sum(known), total - sum(known) - 10], num)
    values = [unknown] + wrong

    def explain(L):
        return p(f"图中总长 {total} mm 由三段轴段组成，左、右两段长度分别为 {known[0]} mm 和 {known[1]} mm，"
                 f"中间 ⌀{segments[1][0]} 轴段的长度 L = {total} − {known[0]} − {known[1]} = {unknown} mm，选 {L[0]}。"
                 f"{total - known[0]} mm 和 {total - known[1]} mm 只减去了一段；{sum(known)} mm 是两端轴段长度之和。")

    return Spec("JX", "机械制图", "尺寸标注的基本规则", "easy",
                p("图示阶梯轴的尺寸单位为 mm，中间轴段的长度 L 应为（　）。")
                + img(name, "三段阶梯轴，注有各段直径、两端轴段长度和总长"),
                [Opt(f"{num(v)} mm") for v in values], explain, "numeric", values)


# =====================================================================
# JSJ 计算机类
# =====================================================================

def _sheet(cv: Canvas, x0, y0, cols: list[str], rows: list[list], col_w, active: str, formula: str,
           row_h=26, head_h=22, num_w=34):
    cv.rect(x0, 12, x0 + 58, 34, 1.0)
    cv.text(x0 + 29, 23, active, 12.5)
    cv.text(x0 + 76, 23, "fx", 13, "mm")
    right = x0 + num_w + col_w * len(cols)
    cv.rect(x0 + 92, 12, right, 34, 1.0)
    cv.text(x0 + 100, 23, formula, 12.5, "lm")
    n = len(rows)
    bottom = y0 + head_h + n * row_h
    cv.fill_rect(x0, y0, right, y0 + head_h, 235)
    cv.fill_rect(x0, y0, x0 + num_w, bottom, 235)
    for i in range(len(cols) + 1):
        x = x0 + num_w + i * col_w
        cv.line([(x, y0), (x, bottom)], 0.8)
    cv.line([(x0, y0), (x0, bottom)], 0.8)
    for r in range(n + 1):
        y = y0 + head_h + r * row_h
        cv.line([(x0, y), (right, y)], 0.8)
    cv.line([(x0, y0), (right, y0)], 0.8)
    for i, c in enumerate(cols):
        cv.text(x0 + num_w + i * col_w + col_w / 2, y0 + head_h / 2, c, 12.5)
    for r, row in enumerate(rows):
        y = y0 + head_h + r * row_h + row_h / 2
        cv.text(x0 + num_w / 2, y, str(r + 1), 12.5)
        for i, value in enumerate(row):
            if value is None or value == "":
                continue
            left = x0 + num_w + i * col_w
            if isinstance(value, (int, float)):
                cv.text(left + col_w - 6, y, str(value), 13, "rm")
            else:
                cv.text(left + 6, y, str(value), 13, "lm")
    col, row = ord(active[0]) - ord("A"), int(active[1:]) - 1
    ax, ay = x0 + num_w + col * col_w, y0 + head_h + row * row_h
    cv.rect(ax, ay, ax + col_w, ay + row_h, 2.4)


def jsj_relative_reference() -> Spec:
    header = ["Name", "Jan", "Feb", "Mar", "Total"]
    data = [["Li", 85, 92, 78], ["Wang", 76, 88, 90], ["Zhao", 93, 81, 87], ["Chen", 68, 95, 84]]
    sums = [sum(r[1:]) for r in data]
    rows = [header] + [r + ([sums[0]] if i == 0 else [None]) for i, r in enumerate(data)] + [[None] * 5]
    cv = Canvas(520, 230)
    _sheet(cv, 12, 50, list("ABCDE"), rows, 92, "E2", "=SUM(B2:D2)")
    name = save(cv)

    target_row = 4                      # E4
    key = sums[target_row - 2]
    wrong = pick_distractors(key, [sums[0], sums[1], sums[3], sum(r[1] for r in data)])
    values = [key] + wrong

    def explain(L):
        r = data[target_row - 2]
        return p(f"公式中的 B2:D2 是相对引用。把 E2 的公式复制到 E4，行号随之加 2，公式变为 =SUM(B4:D4)，"
                 f"即第 4 行 {r[0]} 的三个月数据之和：{r[1]} + {r[2]} + {r[3]} = {key}，选 {L[0]}。"
                 f"{sums[0]} 是 E2 本身的值，把相对引用误当成绝对引用才会得到它。")

    return Spec("JSJ", "Excel", "单元格的相对引用与绝对引用", "easy",
                p("在图示 Excel 工作表中，E2 单元格的公式为 =SUM(B2:D2)。将 E2 单元格复制后粘贴到 E4 单元格，E4 中显示的结果为（　）。")
                + img(name, "Excel 工作表，A 至 E 列、1 至 6 行，E2 为活动单元格，编辑栏显示 =SUM(B2:D2)"),
                [Opt(str(v)) for v in values], explain, "numeric", values)


def jsj_countif() -> Spec:
    scores = [("S01", 85), ("S02", 72), ("S03", 80), ("S04", 91), ("S05", 88), ("S06", 66)]
    threshold = 80
    rows = [["ID", "Score", None, "Result"]] + [[i, s, None, None] for i, s in scores] + [[None] * 4]
    formula = f'=COUNTIF(B2:B{len(scores) + 1},">={threshold}")'
    cv = Canvas(460, 290)
    _sheet(cv, 12, 50, list("ABCD"), rows, 100, "D2", formula, row_h=25)
    name = save(cv)

    at_least = sum(1 for _, s in scores if s >= threshold)
    above = sum(1 for _, s in scores if s > threshold)
    below = sum(1 for _, s in scores if s < threshold)
    wrong = pick_distractors(at_least, [above, below, len(scores), at_least + 1])
    values = [at_least] + wrong

    def explain(L):
        hits = "、".join(str(s) for _, s in scores if s >= threshold)
        return p(f"COUNTIF(区域, 条件) 统计区域中满足条件的单元格个数。B2:B{len(scores) + 1} 中大于或等于 {threshold} 的有 "
                 f"{hits}，共 {at_least} 个（等于 {threshold} 的也计入），选 {L[0]}。"
                 f"若漏掉等于 {threshold} 的单元格会得到 {above}；{len(scores)} 是区域中全部成绩的个数。")

    return Spec("JSJ", "Excel", "条件计数函数 COUNTIF", "easy",
                p(f"在图示工作表的 D2 单元格中输入公式 {formula}，按回车键后 D2 显示的结果为（　）。")
                + img(name, "Excel 工作表，A 列为学号，B 列为 6 名学生的成绩，编辑栏显示 COUNTIF 公式"),
                [Opt(str(v)) for v in values], explain, "numeric", values)


def _computer(cv: Canvas, x, y, s=1.0):
    cv.rect(x - 10 * s, y - 8 * s, x + 10 * s, y + 5 * s, 1.3, fill=PAPER)
    cv.line([(x - 5 * s, y + 9 * s), (x + 5 * s, y + 9 * s)], 1.3, caps=False)
    cv.line([(x, y + 5 * s), (x, y + 9 * s)], 1.3, caps=False)


def jsj_topology() -> Spec:
    panels = [("a", "bus"), ("b", "star"), ("c", "ring"), ("d", "mesh")]
    names = {"bus": "总线型", "star": "星型", "ring": "环型", "mesh": "网状型"}
    asked = "ring"
    cv = Canvas(520, 380)
    for idx, (label, kind) in enumerate(panels):
        ox, oy = 130 + (idx % 2) * 260, 95 + (idx // 2) * 180
        if kind == "bus":
            cv.line([(ox - 100, oy), (ox + 100, oy)], 2.2)
            for k, x in enumerate(range(ox - 80, ox + 81, 40)):
                y = oy - 38 if k % 2 == 0 else oy + 38
                cv.line([(x, oy), (x, y)], 1.2)
                _computer(cv, x, y)
        elif kind == "star":
            for k in range(6):
                a = math.radians(90 + k * 60)
                x, y = ox + 62 * math.cos(a), oy - 52 * math.sin(a)
                cv.line([(ox, oy), (x, y)], 1.2)
                _computer(cv, x, y)
            cv.rect(ox - 16, oy - 9, ox + 16, oy + 9, 1.5, fill=PAPER)
            cv.text(ox, oy, "SW", 11)
        elif kind == "ring":
            pts = [(ox + 60 * math.cos(math.radians(90 + k * 60)), oy - 52 * math.sin(math.radians(90 + k * 60)))
                   for k in range(6)]
            cv.poly(pts, 1.2)
            for x, y in pts:
                _computer(cv, x, y)
        else:
            pts = [(ox + 62 * math.cos(math.radians(90 + k * 72)), oy - 54 * math.sin(math.radians(90 + k * 72)))
                   for k in range(5)]
            links = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2), (1, 3), (1, 4), (2, 4)]
            for a, b in links:
                cv.line([pts[a], pts[b]], 1.2)
            for x, y in pts:
                _computer(cv, x, y)
        cv.text(ox, oy + 80, f"({label})", 14)
    name = save(cv)

    by_kind = {kind: label for label, kind in panels}
    key_label = by_kind[asked]
    labels = [key_label] + [label for label, _ in panels if label != key_label]
    texts = [f"图({label})" for label in labels]

    def explain(L):
        desc = "；".join(f"图({label}) 为{names[kind]}拓扑" for label, kind in panels)
        return p(f"环型拓扑中各节点首尾相连，构成一个闭合的环，数据沿环依次传递。{desc}。"
                 f"故选 {L[0]}。星型有一个中心节点（交换机 SW），总线型共用一条主干线，网状型节点之间有多条冗余链路。")

    return Spec("JSJ", "计算机网络应用", "网络拓扑结构", "easy",
                p("下图中属于环型拓扑结构的是（　）。")
                + img(name, "四种网络拓扑示意图，分别标为 (a)(b)(c)(d)"),
                [Opt(t) for t in texts], explain, "numeric", [ord(l) for l in labels])


def jsj_subnet() -> Spec:
    prefix = 26
    hosts = [("A", "192.168.10.20"), ("B", "192.168.10.70"), ("C", "192.168.10.62"),
             ("D", "192.168.10.130"), ("E", "192.168.10.200")]
    cv = Canvas(560, 280)
    cv.circle(280, 45, 20, 1.6, fill=PAPER)
    cv.text(280, 45, "R", 14)
    cv.rect(240, 112, 320, 136, 1.6, fill=PAPER)
    cv.text(280, 124, "SW", 13)
    cv.line([(280, 65), (280, 112)], 1.3)
    for k, (label, ip) in enumerate(hosts):
        x = 60 + k * 110
        cv.line([(280, 136), (x, 190)], 1.2)
        _computer(cv, x, 198, 1.3)
        cv.text(x, 228, label, 14)
        cv.text(x, 248, f"{ip}/{prefix}", 11.5)
    name = save(cv)

    net = {label: ipaddress.ip_interface(f"{ip}/{prefix}").network for label, ip in hosts}
    same = [label for label, _ in hosts[1:] if net[label] == net["A"]]
    assert len(same) == 1
    key = same[0]
    texts = [f"主机 {key}"] + [f"主机 {label}" for label, _ in hosts[1:] if label != key]

    def explain(L):
        mask = ipaddress.ip_network(f"0.0.0.0/{prefix}").netmask
        block = 2 ** (32 - prefix)
        lines = "，".join(f"{label} 属于 {net[label]}" for label, _ in hosts)
        return p(f"/{prefix} 表示子网掩码 {mask}，最后一个字节按 {block} 划分子网（0–{block - 1}、{block}–{2 * block - 1}……）。"
                 f"{lines}。只有主机 {key} 与 A 的网络地址相同，选 {L[0]}。"
                 f"主机 B 的地址虽然与 A 的数字接近，但已跨入下一个子网。")

    return Spec("JSJ", "计算机网络应用", "子网掩码与子网划分", "hard",
                p("图中各主机的 IP 地址和前缀长度如图所示。与主机 A 处于同一子网的是（　）。")
                + img(name, "路由器 R 经交换机 SW 连接 A–E 五台主机，每台主机下方标有 IP 地址/前缀长度"),
                [Opt(t) for t in texts], explain, "numeric", [ord(t[-1]) for t in texts])


# =====================================================================
# JZ 建筑技术类
# =====================================================================

def _axis_bubble(cv: Canvas, x, y, label: str, r=11):
    cv.circle(x, y, r, 1.1, fill=PAPER)
    cv.text(x, y + 0.3, label, 12.5)


def jz_axis_distance() -> Spec:
    bays = [3600, 4200, 3300]           # between axes 1-2, 2-3, 3-4
    depths = [5100, 2400]               # between axes A-B, B-C
    s = 0.03
    cv = Canvas(500, 380)
    x0, ybottom = 140, 265
    xs = [x0]
    for b in bays:
        xs.append(xs[-1] + b * s)
    ys = [ybottom]
    for d in depths:
        ys.append(ys[-1] - d * s)
    wall = 240 * s
    for x in xs:
        cv.fill_rect(x - wall / 2, ys[-1] - wall / 2, x + wall / 2, ys[0] + wall / 2, INK)
    for y in ys:
        cv.fill_rect(xs[0] - wall / 2, y - wall / 2, xs[-1] + wall / 2, y + wall / 2, INK)
    for x in xs:
        cv.dashdot((x, ys[-1] - 18), (x, ys[0] + 80))
    for y in ys:
        cv.dashdot((xs[0] - 80, y), (xs[-1] + 18, y))
    for i in range(len(bays)):
        cv.dim_h(xs[i], xs[i + 1], ys[0] + 34, str(bays[i]))
    cv.dim_h(xs[0], xs[-1], ys[0] + 58, str(sum(bays)))
    for i in range(len(depths)):
        cv.dim_v(ys[i], ys[i + 1], xs[0] - 34, str(depths[i]))
    cv.dim_v(ys[0], ys[-1], xs[0] - 58, str(sum(depths)))
    for i, x in enumerate(xs):
        _axis_bubble(cv, x, ys[0] + 91, str(i + 1))
    for i, y in enumerate(ys):
        _axis_bubble(cv, xs[0] - 91, y, "ABC"[i])
    name = save(cv)

    a, b = 2, 4
    key = sum(bays[a - 1:b - 1])
    wrong = pick_distractors(key, [bays[a - 1], sum(bays), sum(bays[:2]), bays[-1]])
    values = [key] + wrong

    def explain(L):
        parts = " + ".join(str(v) for v in bays[a - 1:b - 1])
        return p(f"横向定位轴线用阿拉伯数字自左向右编号，竖向用大写拉丁字母自下而上编号。"
                 f"平面图下方第一道尺寸为轴线间距（开间），②轴至③轴为 {bays[a - 1]} mm，③轴至④轴为 {bays[a]} mm，"
                 f"所以②轴至④轴的距离为 {parts} = {key} mm，选 {L[0]}。"
                 f"{sum(bays)} mm 是第二道尺寸（①轴至④轴的总尺寸）。")

    return Spec("JZ", "建筑识图与构造", "定位轴线", "easy",
                p("图示为某建筑平面图的轴网及尺寸（单位：mm）。图中②轴与④轴之间的距离为（　）。")
                + img(name, "建筑平面图轴网：横向轴线 1–4、竖向轴线 A–C，下方和左侧各有两道尺寸线"),
                [Opt(f"{v} mm") for v in values], explain, "numeric", values)


def _level_label(v: Fraction) -> str:
    if v == 0:
        return "±0.000"
    return f"{'-' if v < 0 else ''}{abs(float(v)):.3f}"


def jz_levels() -> Spec:
    floors = [Fraction(0), Fraction(33, 10), Fraction(66, 10), Fraction(99, 10)]   # floor levels and the roof
    outdoor = Fraction(-45, 100)
    s = 27
    cv = Canvas(460, 360)
    y0, xl, xr = 300, 140, 330

    def y(level):
        return y0 - float(level) * s

    roof = floors[-1]
    cv.line([(25, y(outdoor)), (xl - 6, y(outdoor))], 2.4)
    cv.line([(xr + 6, y(outdoor)), (445, y(outdoor))], 2.4)
    cv.fill_rect(xl - 6, y(roof), xl, y(outdoor), INK)
    cv.fill_rect(xr, y(roof), xr + 6, y(outdoor), INK)
    for level in floors:
        cv.fill_rect(xl - 6, y(level), xr + 6, y(level) + (6 if level == roof else 4), INK)
    for level, nxt in zip(floors, floors[1:]):                # windows
        ya, yb = y(nxt) + 30, y(level) - 22
        for xa in (xl + 30, xr - 80):
            cv.rect(xa, ya, xa + 50, yb, 1.0)
            cv.line([(xa + 25, ya), (xa + 25, yb)], 0.8)
    # level symbols: right-angled triangle on a leader, figures above it; a filled one for the outdoor ground
    for level in floors + [outdoor]:
        ty = y(level)
        tx = 92 if level == outdoor else 372
        tri = [(tx, ty), (tx - 8, ty - 8), (tx + 8, ty - 8)]
        if level == outdoor:   # outdoor ground: a filled triangle, figures to the left
            cv.poly(tri, 1.0, fill=INK)
            cv.line([(tx + 8, ty - 8), (tx - 62, ty - 8)], 1.0)
            cv.text(tx - 27, ty - 12, _level_label(level), 12.5, "mb")
        else:
            cv.line([(xr + 8, ty), (tx + 8, ty)], 0.7)
            cv.poly(tri, 1.0)
            cv.line([(tx - 8, ty - 8), (tx + 62, ty - 8)], 1.0)
            cv.text(tx + 27, ty - 12, _level_label(level), 12.5, "mb")
    name = save(cv)

    key = roof - outdoor
    wrong = pick_distractors(key, [roof, roof + outdoor, -outdoor], num)
    values = [key] + wrong

    def explain(L):
        return p(f"标高以首层室内地面为零点（±0.000），高于零点为正，低于零点注“-”号，单位为 m。"
                 f"图中屋面标高为 {_level_label(roof)}，室外地坪（涂黑三角形）标高为 {_level_label(outdoor)}，"
                 f"两者高差 = {num(roof)} − ({snum(outdoor)}) = {num(key)} m，选 {L[0]}。"
                 f"{num(roof)} m 只是屋面相对室内地面的高度，{num(roof + outdoor)} m 是把负号当成减法的结果，"
                 f"{num(-outdoor)} m 是室内外高差。")

    return Spec("JZ", "建筑识图与构造", "标高", "medium",
                p("图示为某建筑剖面示意图中的标高标注（单位：m），涂黑三角形为室外地坪标高。屋面与室外地坪的高差为（　）。")
                + img(name, "三层建筑剖面示意，右侧依次标注各层楼面、屋面和室外地坪的标高"),
                [Opt(f"{num(v)} m") for v in values], explain, "numeric", [float(v) for v in values])


def jz_section_symbol() -> Spec:
    direction = "left"   # where the view direction lines point
    words = {"left": "向左", "right": "向右", "up": "向上", "down": "向下"}
    cv = Canvas(420, 310)
    x0, y0, x1, y1 = 80, 70, 340, 240
    t = 7
    cv.fill_rect(x0 - t / 2, y0 - t / 2, x1 + t / 2, y0 + t / 2, INK)
    cv.fill_rect(x0 - t / 2, y1 - t / 2, x1 + t / 2, y1 + t / 2, INK)
    cv.fill_rect(x0 - t / 2, y0 - t / 2, x0 + t / 2, y1 + t / 2, INK)
    cv.fill_rect(x1 - t / 2, y0 - t / 2, x1 + t / 2, y1 + t / 2, INK)
    xm = 250
    cv.fill_rect(xm - t / 2, y0, xm + t / 2, y1, INK)
    cv.fill_rect(xm - 3.6, 120, xm + 3.6, 165, PAPER)                     # door in the partition
    cv.line([(xm, 120), (xm - 45, 120)], 1.0)
    cv.arc(xm, 120, 45, 90, 180, 1.0)
    cv.fill_rect(130, y1 - 3.6, 190, y1 + 3.6, PAPER)                    # window in the front wall
    for dy in (-3.6, -1.2, 1.2, 3.6):
        cv.line([(130, y1 + dy), (190, y1 + dy)], 0.8, caps=False)
    cut = 170
    for (ya, yb), end in (((y0 - 44, y0 - 22), y0 - 44), ((y1 + 22, y1 + 44), y1 + 44)):
        cv.line([(cut, ya), (cut, yb)], 3.2, caps=False)
        dx = {"left": -14, "right": 14}.get(direction, 0)
        cv.line([(cut, end), (cut + dx, end)], 3.2, caps=False)
        cv.text(cut + dx * 1.8, end, "1", 14)
    name = save(cv)

    texts = [words[direction]] + [w for k, w in words.items() if k != direction]

    def explain(L):
        return p("剖切符号由剖切位置线和剖视方向线组成，均用粗实线绘制：较长的一段是剖切位置线，表示剖切平面的位置；"
                 "与它垂直的较短一段是剖视方向线，它画在哪一侧就表示向哪一侧投射，编号写在剖视方向线的端部。"
                 f"图中 1—1 剖切位置线竖直，剖视方向线和编号都在其{'左' if direction == 'left' else '右'}侧，"
                 f"表示{words[direction]}投射，选 {L[0]}。")

    return Spec("JZ", "建筑识图与构造", "剖面图的剖切符号", "medium",
                p("图示平面图上标注了 1—1 剖切符号，该剖面图的投射方向是（　）。")
                + img(name, "两开间房屋平面图，上下墙外侧各有一组编号为 1 的剖切符号"),
                [Opt(t) for t in texts], explain)


# =====================================================================
# LY 旅游类
# =====================================================================

def _all_path_lengths(edges: dict, start: str, goal: str) -> list[int]:
    graph: dict[str, list[tuple[str, int]]] = {}
    for (a, b), d in edges.items():
        graph.setdefault(a, []).append((b, d))
        graph.setdefault(b, []).append((a, d))
    out = []

    def walk(node, seen, total):
        if node == goal:
            out.append(total)
            return
        for nxt, d in graph[node]:
            if nxt not in seen:
                walk(nxt, seen | {nxt}, total + d)

    walk(start, {start}, 0)
    return sorted(set(out))


def _dijkstra(edges: dict, start: str, goal: str) -> tuple[int, list[str]]:
    graph: dict[str, list[tuple[str, int]]] = {}
    for (a, b), d in edges.items():
        graph.setdefault(a, []).append((b, d))
        graph.setdefault(b, []).append((a, d))
    queue, best = [(0, start, [start])], {}
    while queue:
        dist, node, path = heapq.heappop(queue)
        if node in best:
            continue
        best[node] = (dist, path)
        for nxt, d in sorted(graph[node]):
            if nxt not in best:
                heapq.heappush(queue, (dist + d, nxt, path + [nxt]))
    return best[goal]


def ly_route_map() -> Spec:
    places = {"W": ("武汉", (430, 225)), "X": ("襄阳", (265, 85)), "D": ("武当山", (95, 60)),
              "Y": ("宜昌", (215, 265)), "S": ("神农架", (80, 185))}
    edges = {("W", "Y"): 330, ("W", "X"): 310, ("X", "Y"): 210, ("Y", "S"): 170,
             ("X", "D"): 170, ("D", "S"): 190, ("X", "S"): 260}
    cv = Canvas(500, 320)
    for (a, b), d in edges.items():
        pa, pb = places[a][1], places[b][1]
        cv.line([pa, pb], 1.4)
    for (a, b), d in edges.items():
        pa, pb = places[a][1], places[b][1]
        cv.text((pa[0] + pb[0]) / 2, (pa[1] + pb[1]) / 2, str(d), 12.5, bg=True)
    for label, (_, (x, y)) in places.items():
        cv.circle(x, y, 15, 1.8, fill=PAPER)
        cv.text(x, y + 0.5, label, 14)
    cv.arrow((465, 70), (465, 25), 1.5, 11, 5)
    cv.text(465, 82, "N", 14, "mt")
    cv.text(490, 310, "km", 12, "rb")
    name = save(cv)

    start, goal = "W", "S"
    shortest, path = _dijkstra(edges, start, goal)
    lengths = _all_path_lengths(edges, start, goal)
    assert lengths[0] == shortest
    wrong = pick_distractors(shortest, lengths[1:])
    values = [shortest] + wrong
    legend = "，".join(f"{k}—{v[0]}" for k, v in places.items())

    def explain(L):
        route = "—".join(path)
        legs = " + ".join(str(edges.get((a, b), edges.get((b, a)))) for a, b in zip(path, path[1:]))
        others = "、".join(f"{v} km" for v in wrong)
        return p(f"从 {start}（{places[start][0]}）到 {goal}（{places[goal][0]}）有多条线路，逐条把途经路段的里程相加后比较："
                 f"最短的是 {route}，{legs} = {shortest} km，选 {L[0]}。"
                 f"其余线路如途经襄阳的走法分别为 {others}，都更长。设计线路时应在满足游览需要的前提下尽量减少重复和迂回。")

    return Spec("LY", "导游业务", "旅游线路的设计", "medium",
                p(f"图为某旅行社设计线路时绘制的湖北旅游交通示意图（{legend}），连线旁的数字为两地间的行车里程（km，教学假设数据）。"
                  f"从 {start} 出发前往 {goal}，最短的行车里程为（　）。")
                + img(name, "五个地点 W、X、D、Y、S 之间的交通线路示意图，连线上标有里程"),
                [Opt(f"{v} km") for v in values], explain, "numeric", values)


def _fork(cv: Canvas, x, y0, y1, tines=4):
    cv.line([(x, y1), (x, y0 + 34)], 2.4)
    cv.line([(x - 6, y0 + 30), (x - 6, y0 + 22), (x + 6, y0 + 22), (x + 6, y0 + 30)], 1.2)
    cv.line([(x - 6, y0 + 30), (x, y0 + 36), (x + 6, y0 + 30)], 1.2)
    for k in range(tines):
        tx = x - 6 + 12 * k / (tines - 1)
        cv.line([(tx, y0 + 22), (tx, y0)], 1.2)


def _knife(cv: Canvas, x, y0, y1, wide=False, edge_left=True):
    cv.line([(x, y1), (x, y0 + 48)], 3.0)
    w = 7 if wide else 4.5
    s = -1 if edge_left else 1
    cv.poly([(x, y0 + 48), (x, y0 + 4), (x + s * w * 0.4, y0), (x + s * w, y0 + 12), (x + s * w, y0 + 48)], 1.2)


def _spoon(cv: Canvas, x, y0, y1, size=1.0):
    cv.ellipse(x, y0 + 12 * size, 7 * size, 12 * size, 1.3)
    cv.line([(x, y0 + 24 * size), (x, y1)], 2.4)


def _hspoon(cv: Canvas, x0, x1, y):
    cv.ellipse(x0 + 9, y, 9, 5.5, 1.3)
    cv.line([(x0 + 18, y), (x1, y)], 2.2)


def _hfork(cv: Canvas, x0, x1, y):
    """A fork lying across: handle to the left, tines to the right."""
    cv.line([(x0, y), (x1 - 24, y)], 2.2)
    cv.line([(x1 - 24, y), (x1 - 14, y - 4.5)], 1.1)
    cv.line([(x1 - 24, y), (x1 - 14, y + 4.5)], 1.1)
    cv.line([(x1 - 14, y - 4.5), (x1 - 14, y + 4.5)], 1.1)
    for k in range(4):
        ty = y - 4.5 + 3 * k
        cv.line([(x1 - 14, ty), (x1, ty)], 1.1)


def ly_western_setting() -> Spec:
    # item: (name, callout position, leader target); callouts are numbered in this order
    cx, cy = 260, 230
    layout = [
        ("面包盘", (40, 100), (96, 124)),
        ("鱼叉", (142, 322), (142, 301)),
        ("主菜叉", (170, 322), (170, 301)),
        ("甜品叉", (182, 176), (215, 160)),
        ("主菜刀", (344, 322), (344, 301)),
        ("鱼刀", (369, 322), (369, 301)),
        ("汤勺", (401, 322), (401, 301)),
        ("水杯", (470, 70), (366, 112)),
    ]
    cv = Canvas(520, 350)
    cv.line([(20, 342), (500, 342)], 1.0)
    cv.circle(cx, cy, 58, 1.6)
    cv.circle(cx, cy, 42, 1.0)
    _fork(cv, 142, 178, 300)            # fish fork (outer left)
    _fork(cv, 170, 170, 300)            # main fork (inner left)
    _knife(cv, 344, 170, 300)           # main knife (inner right), edge towards the plate
    _knife(cv, 369, 178, 300, wide=True)  # fish knife
    _spoon(cv, 401, 176, 300)           # soup spoon (outer right)
    _hfork(cv, 215, 305, 160)           # dessert fork: handle left
    _hspoon(cv, 215, 305, 146)          # dessert spoon above it: handle right
    cv.circle(108, 128, 27, 1.5)        # bread plate with butter knife
    cv.line([(92, 118), (124, 138)], 2.2)
    for gx, gy, r in ((358, 118, 13), (388, 132, 12), (414, 146, 11)):
        cv.circle(gx, gy, r, 1.4)
        cv.circle(gx, gy, r - 4, 0.8)
    for n, (_, at, target) in enumerate(layout, start=1):
        cv.leader(at, target, n)
    name = save(cv)

    asked = "汤勺"
    number = [n for n, (item, _, _) in enumerate(layout, start=1) if item == asked][0]
    distractor_names = ["鱼刀", "主菜刀", "甜品勺"]
    texts = [asked] + distractor_names

    def explain(L):
        right = [item for item, _, _ in layout if item in ("主菜刀", "鱼刀", "汤勺")]
        nums = {item: CIRCLED[n - 1] for n, (item, _, _) in enumerate(layout, start=1)}
        return p(f"西餐摆台遵循“左叉右刀、刀口朝盘，按上菜顺序由外向内取用”的原则。装饰盘右侧由内向外依次为"
                 f"{'、'.join(f'{nums[i]}{i}' for i in right)}；汤先于鱼和主菜上桌，所以汤勺放在最外侧，"
                 f"图中{CIRCLED[number - 1]}为最外侧的勺，选 {L[0]}。甜品勺横放在装饰盘正上方，不在右侧。")

    return Spec("LY", "酒店服务", "西餐摆台", "easy",
                p(f"图为西餐宴会摆台的俯视示意图（中间为装饰盘）。图中编号{CIRCLED[number - 1]}所指的餐具是（　）。")
                + img(name, "西餐宴会摆台俯视示意图，各餐具用编号 1–8 标出"),
                [Opt(t) for t in texts], explain)


def ly_banquet_seating() -> Spec:
    seats = 10
    host = 1
    cx, cy, r_table, r_seat = 200, 170, 92, 132
    cv = Canvas(400, 390)
    cv.circle(cx, cy, r_table, 2.0)
    positions = {}
    for k in range(1, seats + 1):
        ang = math.radians(-90 + (k - 1) * 360 / seats)        # clockwise on the page from the top
        x, y = cx + r_seat * math.cos(ang), cy + r_seat * math.sin(ang)
        positions[k] = (x, y)
        cv.circle(x, y, 16, 1.5, fill=PAPER)
        cv.text(x, y + 0.5, str(k), 13)
    wall_y, door = 378, 50
    cv.line([(20, wall_y), (cx - door / 2, wall_y)], 3.0)
    cv.line([(cx + door / 2, wall_y), (380, wall_y)], 3.0)
    cv.line([(cx - door / 2, wall_y), (cx - door / 2, wall_y - door)], 1.2)
    cv.arc(cx - door / 2, wall_y, door, 270, 360, 0.9)
    name = save(cv)

    # the host faces the door (down the page); a person facing down has his right hand on the page's left
    hx, hy = positions[host]
    facing = (cx - hx, cy - hy)
    right = (-facing[1], facing[0])      # on the page, whose y axis points down
    neighbours = [host % seats + 1, (host - 2) % seats + 1]
    guest = max(neighbours, key=lambda k: (positions[k][0] - hx) * right[0] + (positions[k][1] - hy) * right[1])
    assert positions[guest][0] < hx, "facing the door at the bottom, the host's right hand is on the page's left"
    left_neighbour = [k for k in neighbours if k != guest][0]
    opposite = (host - 1 + seats // 2) % seats + 1
    beyond_guest = (guest - 2) % seats + 1 if guest == (host - 2) % seats + 1 else guest % seats + 1
    texts = [f"{guest} 号位", f"{left_neighbour} 号位", f"{opposite} 号位", f"{beyond_guest} 号位"]
    assert host not in (guest, left_neighbour, opposite, beyond_guest)

    def explain(L):
        return p(f"中餐宴会排座以“面门为上、以右为尊”为原则：主人坐在正对门的位置，主宾安排在主人的右侧。"
                 f"图中门在下方，{host} 号位主人面向门，其右手一侧是图面的左侧，紧邻的是 {guest} 号位，选 {L[0]}。"
                 f"{left_neighbour} 号位在主人左侧（观看者的右侧，容易看反）；{opposite} 号位与主人相对，通常安排副主人。")

    return Spec("LY", "酒店服务", "中餐宴会座次安排", "medium",
                p(f"图为 {seats} 人中餐宴会圆桌的座位示意图，下方为宴会厅的门，{host} 号位为主人位（正对门）。主宾的座位应为（　）。")
                + img(name, "圆桌周围 10 个座位按顺时针编号 1–10，下方墙上画有门"),
                [Opt(t) for t in texts], explain)


# =====================================================================
# NX 农学类
# =====================================================================

def _rounded_rect(cv: Canvas, x0, y0, x1, y1, r, w):
    pts = []
    for (cx, cy, a0) in ((x1 - r, y0 + r, -90), (x1 - r, y1 - r, 0), (x0 + r, y1 - r, 90), (x0 + r, y0 + r, 180)):
        for k in range(9):
            a = math.radians(a0 + k * 90 / 8)
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    cv.poly(pts, w)


def _chloroplast(cv: Canvas, x, y, ang=0.0):
    rx, ry = 11, 6
    a = math.radians(ang)
    pts = [(x + rx * math.cos(t) * math.cos(a) - ry * math.sin(t) * math.sin(a),
            y + rx * math.cos(t) * math.sin(a) + ry * math.sin(t) * math.cos(a))
           for t in [k * 2 * math.pi / 36 for k in range(36)]]
    cv.poly(pts, 1.1, fill=PAPER)
    for k in (-5, 0, 5):
        px, py = x + k * math.cos(a), y + k * math.sin(a)
        qx, qy = -math.sin(a) * 3.5, math.cos(a) * 3.5
        cv.line([(px - qx, py - qy), (px + qx, py + qy)], 0.9, caps=False)


def nx_plant_cell() -> Spec:
    structures = {  # key: (name, function)
        "wall": ("细胞壁", "保护和支持细胞"),
        "membrane": ("细胞膜", "控制物质进出细胞"),
        "chloroplast": ("叶绿体", "进行光合作用的场所"),
        "vacuole": ("液泡", "内含细胞液，溶解着糖类、无机盐等物质"),
        "nucleus": ("细胞核", "含有遗传物质，是细胞生命活动的控制中心"),
        "cytoplasm": ("细胞质", "是细胞进行生命活动的主要场所"),
    }
    numbering = ["wall", "membrane", "chloroplast", "vacuole", "nucleus", "cytoplasm"]
    cv = Canvas(440, 320)
    x0, y0, x1, y1 = 70, 30, 330, 290
    _rounded_rect(cv, x0, y0, x1, y1, 22, 2.2)
    _rounded_rect(cv, x0 + 6, y0 + 6, x1 - 6, y1 - 6, 17, 1.4)
    _rounded_rect(cv, x0 + 11, y0 + 11, x1 - 11, y1 - 11, 13, 0.9)
    vac = [(205 + 78 * math.cos(t) + 6 * math.sin(3 * t), 172 + 72 * math.sin(t) + 5 * math.cos(2 * t))
           for t in [k * 2 * math.pi / 72 for k in range(72)]]
    cv.poly(vac, 1.0)
    cv.circle(122, 88, 27, 1.6)
    cv.dot(128, 92, 7)
    for x, y, a in ((262, 62, 10), (305, 140, 80), (300, 252, -30), (200, 270, 5), (100, 205, 70), (160, 52, -8)):
        _chloroplast(cv, x, y, a)
    targets = {
        "wall": ((395, 45), (x1 - 1.5, 78)),
        "membrane": ((395, 95), (x1 - 11, 112)),
        "chloroplast": ((395, 150), (305, 140)),
        "vacuole": ((395, 200), (250, 190)),
        "nucleus": ((25, 75), (110, 88)),
        "cytoplasm": ((25, 240), (92, 250)),
    }
    for n, key in enumerate(numbering, start=1):
        at, target = targets[key]
        cv.leader(at, target, n)
    name = save(cv)

    asked = "membrane"
    number = {k: CIRCLED[i] for i, k in enumerate(numbering)}
    options = [asked, "wall", "nucleus", "vacuole"]
    texts = [number[k] for k in options]

    def explain(L):
        lines = "；".join(f"{number[k]}{structures[k][0]}（{structures[k][1]}）" for k in numbering)
        return p(f"图中各结构：{lines}。紧贴在细胞壁内侧的一层薄膜{number[asked]}是细胞膜，"
                 f"它具有选择透过性，能控制物质进出细胞，选 {L[0]}。细胞壁{number['wall']}是全透性的，只起保护和支持作用。")

    return Spec("NX", "植物基础知识", "植物细胞的结构", "easy",
                p("图为植物细胞结构模式图，图中能控制物质进出细胞的结构是（　）。")
                + img(name, "植物细胞模式图，六个结构用编号 1–6 标出"),
                [Opt(t) for t in texts], explain, "numeric", [numbering.index(k) for k in options])


def nx_leaf_section() -> Spec:
    tissues = {
        "upper": ("上表皮", "细胞排列紧密，一般不含叶绿体，起保护作用"),
        "palisade": ("栅栏组织", "细胞呈圆柱形、排列整齐紧密，含叶绿体最多，是光合作用的主要场所"),
        "spongy": ("海绵组织", "细胞形状不规则、排列疏松，含叶绿体较少"),
        "vein": ("叶脉", "内有导管和筛管，输导水分、无机盐和有机物，并起支持作用"),
        "lower": ("下表皮", "起保护作用，分布有较多气孔"),
        "stoma": ("气孔", "由一对保卫细胞围成，是气体交换的“窗口”"),
    }
    numbering = ["upper", "palisade", "spongy", "vein", "lower", "stoma"]
    rng = random.Random(20240601)
    cv = Canvas(520, 320)
    x0, x1 = 30, 420
    top, pal_b, spo_b, low_b = 40, 118, 228, 248
    cv.line([(x0, top - 3), (x1, top - 3)], 1.8)            # cuticle
    for x in range(x0, x1, 30):                                # upper epidermis
        cv.rect(x, top, x + 30, top + 18, 1.0)
    for x in range(x0 + 2, x1 - 14, 17):                       # palisade
        cv.poly([(x, top + 22), (x + 14, top + 22), (x + 14, pal_b), (x, pal_b)], 1.0)
        for k in range(4):
            cv.dot(x + 4 + 6 * (k % 2), top + 29 + 13 * k, 2.3)
    vein_c, vein_r = (175, 175), 30
    stoma_x = 300
    for k in range(60):                                        # spongy cells, loosely arranged
        x = x0 + 12 + (k % 15) * 25.5 + rng.uniform(-4, 4)
        y = pal_b + 16 + (k // 15) * 26 + rng.uniform(-3, 3) + (8 if (k % 2) else 0)
        if math.hypot(x - vein_c[0], y - vein_c[1]) < vein_r + 14 or abs(x - stoma_x) < 18 and y > spo_b - 30:
            continue
        if y > spo_b - 9:
            continue
        cv.ellipse(x, y, 10 + rng.uniform(-1, 2), 7 + rng.uniform(-1, 1.5), 1.0)
        if k % 3 == 0:
            cv.dot(x + 2, y - 1, 2.0)
    cv.circle(*vein_c, vein_r, 1.6)
    for ang in range(0, 360, 45):
        a = math.radians(ang)
        cv.circle(vein_c[0] + 17 * math.cos(a), vein_c[1] + 17 * math.sin(a), 6, 0.9)
    cv.circle(*vein_c, 7, 0.9)
    for x in range(x0, x1, 30):                                # lower epidermis with one stoma
        if abs(x + 15 - stoma_x) < 30:
            continue
        cv.rect(x, spo_b, x + 30, low_b, 1.0)
    for side in (-1, 1):                                       # guard cells
        cv.ellipse(stoma_x + side * 9, spo_b + 10, 8, 11, 1.4)
    cv.line([(x0, low_b + 3), (x1, low_b + 3)], 1.8)
    cv.line([(x0, top - 3), (x0, low_b + 3)], 0.8)
    cv.line([(x1, top - 3), (x1, low_b + 3)], 0.8)
    targets = {
        "upper": ((485, 30), (400, 49)),
        "palisade": ((485, 80), (405, 90)),
        "spongy": ((485, 175), (395, 180)),
        "vein": ((175, 295), (175, 205)),
        "lower": ((485, 238), (404, 238)),
        "stoma": ((300, 295), (stoma_x, spo_b + 12)),
    }
    for n, key in enumerate(numbering, start=1):
        at, target = targets[key]
        cv.leader(at, target, n)
    name = save(cv)

    asked = "palisade"
    number = {k: CIRCLED[i] for i, k in enumerate(numbering)}
    options = [asked, "upper", "spongy", "lower"]
    texts = [number[k] for k in options]

    def explain(L):
        lines = "；".join(f"{number[k]}{tissues[k][0]}：{tissues[k][1]}" for k in numbering)
        return p(f"{lines}。靠近上表皮、细胞呈圆柱形整齐排列的{number[asked]}是栅栏组织，"
                 f"含叶绿体最多（图中黑点最密），是光合作用的主要部位，选 {L[0]}。")

    return Spec("NX", "植物基础知识", "叶片的结构", "medium",
                p("图为双子叶植物叶片横切面的结构示意图。叶片中进行光合作用的主要部位是（　）。")
                + img(name, "叶片横切面示意图，上表皮、叶肉、叶脉、下表皮和气孔用编号 1–6 标出"),
                [Opt(t) for t in texts], explain, "numeric", [numbering.index(k) for k in options])


def nx_root_tip() -> Spec:
    zones = [  # key, name, feature, (top, bottom) in pixels
        ("maturation", "成熟区（根毛区）", "表皮细胞向外突起形成根毛，是吸收水分和无机盐的主要部位", (18, 160)),
        ("elongation", "伸长区", "细胞迅速伸长，使根不断加长", (160, 262)),
        ("meristem", "分生区", "细胞小、排列紧密、分裂能力强，不断产生新细胞", (262, 330)),
        ("cap", "根冠", "位于根的最先端，保护分生区", (330, 410)),
    ]
    cx, half = 150, 34
    cv = Canvas(340, 430)
    mat, elo, mer, cap = (z[3] for z in zones)
    cv.line([(cx - half, mat[0]), (cx - half, mer[1])], 1.8)
    cv.line([(cx + half, mat[0]), (cx + half, mer[1])], 1.8)
    for y in range(int(mat[0]) + 8, int(mat[1]) - 4, 9):         # root hairs
        for side in (-1, 1):
            length = 26 + 14 * ((y // 9) % 3)
            cv.line([(cx + side * half, y), (cx + side * (half + length), y - 6)], 0.9, caps=False)
    for y in range(int(mat[0]), int(mat[1]), 36):
        cv.line([(cx - half, y), (cx + half, y)], 0.7)
    cv.line([(cx - 11, mat[0]), (cx - 11, mer[0])], 0.7)
    cv.line([(cx + 11, mat[0]), (cx + 11, mer[0])], 0.7)
    for y in range(int(elo[0]), int(elo[1]), 22):                  # long cells
        cv.line([(cx - half, y), (cx + half, y)], 0.8)
    for y in range(int(mer[0]), int(mer[1]) + 1, 9):              # small dense cells
        cv.line([(cx - half, y), (cx + half, y)], 0.8)
    for x in range(cx - half, cx + half + 1, 10):
        cv.line([(x, mer[0]), (x, mer[1])], 0.8)
    cap_pts = [(cx + (half + 4) * math.cos(math.radians(a)), mer[1] - 18 + 78 * math.sin(math.radians(a)) * 0.9)
               for a in range(0, 181, 6)]
    cv.line(cap_pts, 1.8)
    for k in range(1, 4):
        inner = [(cx + (half - 7 * k) * math.cos(math.radians(a)), mer[1] - 10 + (66 - 15 * k) * math.sin(math.radians(a)))
                 for a in range(0, 181, 10)]
        cv.line(inner, 0.7)
    for n, (key, _, _, (a, b)) in enumerate(zones, start=1):
        y = (a + b) / 2 if key != "cap" else 360
        cv.leader((300, y), (cx + half - 6 if key != "cap" else cx + 20, y), n)
        cv.line([(272, a + 2), (272, b - 2)], 0.8)
        cv.line([(268, a + 2), (276, a + 2)], 0.8)
        cv.line([(268, b - 2), (276, b - 2)], 0.8)
    name = save(cv)

    asked = "maturation"
    index = [z[0] for z in zones].index(asked)
    texts = [CIRCLED[index]] + [CIRCLED[i] for i in range(len(zones)) if i != index]

    def explain(L):
        lines = "；".join(f"{CIRCLED[i]}{z[1]}：{z[2]}" for i, z in enumerate(zones))
        return p(f"根尖自上而下可分为四部分：{lines}。图中{CIRCLED[index]}区段表皮上长有大量根毛，大大增加了吸收面积，"
                 f"是吸收水分和无机盐的主要部位，选 {L[0]}。")

    return Spec("NX", "植物基础知识", "根的结构与功能", "easy",
                p("图为根尖纵切面的结构示意图。根吸收水分和无机盐的主要部位是（　）。")
                + img(name, "根尖结构示意图，自上而下四个区段用编号 1–4 标出"),
                [Opt(t) for t in texts], explain, "numeric", [CIRCLED.index(t) for t in texts])


# =====================================================================
# CJ 财经类
# =====================================================================

def _t_account(cv: Canvas, left: list[tuple[str, str]], right: list[tuple[str, str]],
               rule_before_last: tuple[bool, bool] = (False, False), title: str = ""):
    x0, xm, x1, yt = 40, 230, 420, 62
    if title:
        cv.text(xm, 22, title, 14)
    cv.text(x0, yt - 10, "Dr", 14, "lb")
    cv.text(x1, yt - 10, "Cr", 14, "rb")
    cv.line([(x0, yt), (x1, yt)], 2.2)
    rows = max(len(left), len(right))
    bottom = yt + 24 + rows * 30
    cv.line([(xm, yt), (xm, bottom)], 2.2)
    for side, entries, rule in ((0, left, rule_before_last[0]), (1, right, rule_before_last[1])):
        lx, rx = (x0 + 8, xm - 12) if side == 0 else (xm + 12, x1 - 8)
        for k, (label, amount) in enumerate(entries):
            y = yt + 26 + k * 30
            if rule and k == len(entries) - 1:
                cv.line([(lx - 4, y - 15), (rx + 4, y - 15)], 1.0)
            cv.text(lx, y, label, 13, "lm")
            cv.text(rx, y, amount, 13, "rm")


def cj_asset_balance() -> Spec:
    opening = 50000
    debits = [("(1)", 30000), ("(3)", 12000)]
    credits = [("(2)", 20000), ("(4)", 8000)]
    cv = Canvas(460, 200)
    _t_account(cv, [("Op. bal.", money(opening))] + [(l, money(a)) for l, a in debits],
               [(l, money(a)) for l, a in credits])
    name = save(cv)

    dr, cr = sum(a for _, a in debits), sum(a for _, a in credits)
    closing = opening + dr - cr
    assert closing > 0
    texts = [f"{money(closing)} 元（借方）", f"{money(closing)} 元（贷方）",
             f"{money(opening - dr + cr)} 元（借方）", f"{money(opening + dr)} 元（借方）"]

    def explain(L):
        return p(f"“银行存款”是资产类账户，借方登记增加、贷方登记减少，余额一般在借方。"
                 f"本期借方发生额 = {' + '.join(money(a) for _, a in debits)} = {money(dr)} 元，"
                 f"贷方发生额 = {' + '.join(money(a) for _, a in credits)} = {money(cr)} 元。"
                 f"期末余额 = 期初余额 + 本期借方发生额 − 本期贷方发生额 = {money(opening)} + {money(dr)} − {money(cr)} = "
                 f"{money(closing)} 元，在借方，选 {L[0]}。{money(opening - dr + cr)} 元是把借贷方向弄反的结果。")

    return Spec("CJ", "会计基础", "账户余额的计算", "easy",
                p("图为某企业“银行存款”账户的丁字账（Dr 为借方，Cr 为贷方，Op. bal. 为期初余额，(1)–(4) 为经济业务序号，单位：元）。该账户的期末余额为（　）。")
                + img(name, "银行存款丁字账：借方有期初余额和两笔发生额，贷方有两笔发生额"),
                [Opt(t) for t in texts], explain)


def cj_liability_unknown() -> Spec:
    opening = 20000
    debits = [("(2)", 15000)]
    known_credits = [("(1)", 25000)]
    closing = 36000
    cv = Canvas(460, 200)
    _t_account(cv, [(l, money(a)) for l, a in debits],
               [("Op. bal.", money(opening))] + [(l, money(a)) for l, a in known_credits] + [("(3)", "?"),
                                                                                             ("Cl. bal.", money(closing))],
               (False, True))
    name = save(cv)

    credit_total = closing + sum(a for _, a in debits) - opening
    unknown = credit_total - sum(a for _, a in known_credits)
    assert unknown > 0
    dr = sum(a for _, a in debits)
    wrong = pick_distractors(unknown, [credit_total, closing - opening, closing - opening - dr, unknown + dr])
    values = [unknown] + wrong

    def explain(L):
        return p(f"“应付账款”是负债类账户，贷方登记增加、借方登记减少，余额在贷方："
                 f"期末余额 = 期初余额 + 本期贷方发生额 − 本期借方发生额。"
                 f"由图，{money(closing)} = {money(opening)} + 本期贷方发生额 − {money(dr)}，"
                 f"得本期贷方发生额 = {money(credit_total)} 元；其中业务 (1) 为 {money(known_credits[0][1])} 元，"
                 f"所以业务 (3) = {money(credit_total)} − {money(known_credits[0][1])} = {money(unknown)} 元，选 {L[0]}。"
                 f"{money(credit_total)} 元是本期贷方发生额合计，不是业务 (3) 的金额。")

    return Spec("CJ", "会计基础", "账户的结构", "medium",
                p("图为某企业“应付账款”账户的丁字账（Dr 为借方，Cr 为贷方，Op. bal. 为期初余额，Cl. bal. 为期末余额，单位：元），业务 (3) 的金额未知。业务 (3) 的金额为（　）元。")
                + img(name, "应付账款丁字账：贷方有期初余额、业务 (1)、未知的业务 (3) 和期末余额，借方有业务 (2)"),
                [Opt(money(v)) for v in values], explain, "numeric", values)


def cj_sales_chart() -> Spec:
    sales = [12, 15, 14, 21, 24, 32]          # months 1–6, in 10,000 yuan
    cv = Canvas(500, 320)
    ox, oy, top, ymax = 62, 275, 35, 35
    scale = (oy - top) / ymax
    for v in range(0, ymax + 1, 5):
        y = oy - v * scale
        if v:
            cv.line([(ox, y), (470, y)], 0.6, fill=LIGHT)
        cv.line([(ox - 5, y), (ox, y)], 1.0)
        cv.text(ox - 9, y, str(v), 12, "rm")
    cv.line([(ox, oy), (475, oy)], 1.5)
    cv.line([(ox, oy), (ox, top - 12)], 1.5)
    for m, v in enumerate(sales, start=1):
        x = ox + m * 64 - 20
        cv.rect(x - 18, oy - v * scale, x + 18, oy, 1.3, fill=200)
        cv.text(x, oy - v * scale - 5, str(v), 12.5, "mb")
        cv.text(x, oy + 8, str(m), 12.5, "mt")
    cv.text(482, oy + 8, "Month", 12, "rt")
    cv.text(ox + 8, top - 16, "Sales", 12, "lm")
    name = save(cv)

    rates = {m: Fraction(sales[m - 1] - sales[m - 2], sales[m - 2]) for m in range(2, len(sales) + 1)}
    best = max(rates, key=rates.get)
    assert sum(1 for r in rates.values() if r == rates[best]) == 1
    biggest_increase = max(range(2, len(sales) + 1), key=lambda m: sales[m - 1] - sales[m - 2])
    highest = max(range(1, len(sales) + 1), key=lambda m: sales[m - 1])
    by_rate = sorted(rates, key=rates.get, reverse=True)
    wrong = pick_distractors(best, [biggest_increase, highest] + by_rate)
    values = [best] + wrong

    def explain(L):
        lines = "，".join(f"{m} 月 {float(r) * 100:.1f}%".replace("-", "−") for m, r in rates.items())
        return p(f"环比增长率 = (本月销售额 − 上月销售额) ÷ 上月销售额 × 100%。由图中数据：{lines}。"
                 f"{best} 月由 {sales[best - 2]} 万元增至 {sales[best - 1]} 万元，增长率 {float(rates[best]) * 100:.1f}% 最高，选 {L[0]}。"
                 f"{biggest_increase} 月增加的绝对额（{sales[biggest_increase - 1] - sales[biggest_increase - 2]} 万元）最大，"
                 f"但基数也大，增长率并非最高。")

    return Spec("CJ", "市场营销", "销售数据分析", "medium",
                p("图为某网店上半年各月销售额柱形图（横轴为月份，纵轴为销售额，单位：万元）。环比增长率最高的月份是（　）。")
                + img(name, "1–6 月销售额柱形图，柱顶标有数值"),
                [Opt(f"{v} 月") for v in values], explain, "numeric", values)


# =====================================================================
# XQ 学前教育专业
# =====================================================================

GROWTH = {  # boys' height (cm) by age (years); simplified teaching data
    "P3": [81.6, 89.3, 96.3, 102.8, 108.6],
    "P25": [85.9, 94.0, 101.3, 108.3, 114.6],
    "P50": [87.9, 96.1, 103.7, 110.8, 117.3],
    "P75": [90.0, 98.4, 106.2, 113.4, 120.1],
    "P97": [94.4, 103.1, 111.2, 118.7, 125.8],
}
AGES = [2, 3, 4, 5, 6]


def xq_growth_chart() -> Spec:
    child_age, child_height = 4, 99.0
    cv = Canvas(520, 380)
    ox, oy, x1, ytop = 70, 330, 450, 25
    hmin, hmax = 75, 130
    sx = (x1 - ox) / (AGES[-1] - AGES[0])
    sy = (oy - ytop) / (hmax - hmin)
    X = lambda age: ox + (age - AGES[0]) * sx
    Y = lambda h: oy - (h - hmin) * sy
    for h in range(hmin, hmax + 1, 5):
        cv.line([(ox, Y(h)), (x1, Y(h))], 0.6, fill=LIGHT)
        cv.text(ox - 8, Y(h), str(h), 11.5, "rm")
    for k in range(0, 9):
        age = AGES[0] + k * 0.5
        cv.line([(X(age), oy), (X(age), ytop)], 0.6, fill=LIGHT)
    for age in AGES:
        cv.text(X(age), oy + 8, str(age), 12, "mt")
    cv.line([(ox, oy), (x1, oy)], 1.4)
    cv.line([(ox, oy), (ox, ytop)], 1.4)
    for label, values in GROWTH.items():
        pts = [(X(a), Y(h)) for a, h in zip(AGES, values)]
        if label == "P50":
            for a, b in zip(pts, pts[1:]):
                cv.dashed(a, b, 1.2)
        else:
            cv.line(pts, 1.6)
        cv.text(x1 + 6, pts[-1][1], label, 12, "lm")
    px, py = X(child_age), Y(child_height)
    cv.dot(px, py, 4.5)
    cv.text(px + 8, py + 10, f"({child_age}, {child_height:g})", 12, "lt", bg=True)
    cv.text(x1, oy + 26, "Age (years)", 12, "rt")
    cv.text(ox + 6, ytop - 12, "Height (cm)", 12, "lm")
    name = save(cv)

    i = AGES.index(child_age)
    bounds = [("P3", GROWTH["P3"][i]), ("P25", GROWTH["P25"][i]), ("P75", GROWTH["P75"][i]), ("P97", GROWTH["P97"][i])]
    grades = ["下等", "中下等", "中等", "中上等", "上等"]
    band = sum(1 for _, v in bounds if child_height >= v)
    key = grades[band]
    others = sorted((g for g in grades if g != key), key=lambda g: abs(grades.index(g) - band))
    texts = [key] + others[:3]

    def explain(L):
        lo = bounds[band - 1] if band > 0 else None
        hi = bounds[band] if band < len(bounds) else None
        where = (f"介于 {lo[0]}（{lo[1]} cm）与 {hi[0]}（{hi[1]} cm）之间" if lo and hi else
                 f"低于 {hi[0]}（{hi[1]} cm）" if hi else f"高于 {lo[0]}（{lo[1]} cm）")
        return p(f"百分位数法按五个等级评价：低于 P3 为下等，P3～P25 为中下等，P25～P75 为中等，P75～P97 为中上等，高于 P97 为上等。"
                 f"图中该男童 {child_age} 岁时身高 {child_height:g} cm，{where}，属于{key}，选 {L[0]}；"
                 f"仍在 P3～P97 的正常范围内，但应定期测量，观察其生长趋势。")

    return Spec("XQ", "学前儿童卫生与保健", "生长发育的评价", "medium",
                p("图为某地男童身高百分位数曲线（教学用简化数据），图中黑点表示一名男童 4 岁时的身高。按百分位数法的五等级评价，该男童的身高属于（　）。")
                + img(name, "男童身高百分位数曲线 P3、P25、P50、P75、P97，4 岁处标有一名男童的身高点"),
                [Opt(t) for t in texts], explain)


def _beaker(cv: Canvas, x, width, height, level, bottom=250, label=""):
    x0, x1 = x - width / 2, x + width / 2
    if level > 0:
        cv.fill_rect(x0, bottom - level, x1, bottom, 205)
        cv.line([(x0, bottom - level), (x1, bottom - level)], 1.0)
    cv.line([(x0 - 4, bottom - height), (x0, bottom - height + 4), (x0, bottom), (x1, bottom),
             (x1, bottom - height + 4), (x1 + 4, bottom - height)], 1.8)
    if label:
        cv.text(x, bottom + 14, label, 15, "mt")


def xq_conservation() -> Spec:
    wide, narrow, level_wide = 62.0, 44.0, 70.0     # cylinder diameters and the water height in A and B (px)
    level_narrow = level_wide * (wide / narrow) ** 2  # the same volume in the narrow cylinder
    cv = Canvas(480, 300)
    _beaker(cv, 80, wide, 120, level_wide, label="A")
    _beaker(cv, 190, wide, 120, level_wide, label="B")
    _beaker(cv, 390, narrow, 185, level_narrow, label="C")
    cv.text(135, 200, "=", 20)
    pts = [(215, 120), (260, 70), (330, 60), (372, 80)]
    cv.line(pts[:-1], 1.4)
    cv.arrow(pts[-2], pts[-1], 1.4, 10, 4)
    cv.dashed((190 - wide / 2 - 10, 250 - level_wide), (390 + narrow / 2 + 10, 250 - level_wide), 0.8, 4, 3)
    name = save(cv)

    ratio = (wide / narrow) ** 2
    texts = ["尚未获得液体守恒概念，处于前运算阶段", "已经获得守恒概念，处于具体运算阶段",
             "尚未形成客体永久性，处于感知运动阶段", "能进行假设—演绎推理，处于形式运算阶段"]

    def explain(L):
        return p(f"C 杯比 B 杯细（直径约为 {narrow / wide:.2f} 倍），同样多的水倒入后液面升高到原来的约 {ratio:.2f} 倍（图中虚线为 A、B 杯的液面）。"
                 f"幼儿只注意到“液面更高”这一个维度，不能同时考虑杯子变细，也不能在头脑中把水倒回去（思维不可逆），"
                 f"因而认为 C 杯水多，说明尚未获得守恒概念。这是皮亚杰所说前运算阶段（约 2～7 岁）的典型表现，选 {L[0]}；"
                 "具体运算阶段的儿童能认识到水的量不变。")

    return Spec("XQ", "幼儿心理学", "守恒概念的发展", "easy",
                p("如图，先让幼儿确认 A、B 两杯水一样多，再当着幼儿的面把 B 杯的水全部倒入细高的 C 杯。幼儿说：“C 杯的水多。”这说明该幼儿（　）。")
                + img(name, "液体守恒实验：A、B 两只相同的杯子水位相同，B 杯的水倒入更细更高的 C 杯后水位更高"),
                [Opt(t) for t in texts], explain)


def xq_primary_teeth() -> Spec:
    # name, half of the mesiodistal width, half of the buccolingual depth (px, about 4 px per mm), shape
    teeth = [("乳中切牙", 16, 11, "incisor"), ("乳侧切牙", 13, 10.5, "incisor"), ("乳尖牙", 15, 13, "canine"),
             ("第一乳磨牙", 18, 19, "molar"), ("第二乳磨牙", 20.5, 23, "molar")]
    asked = 3  # index into teeth (0-based): the 4th tooth from the midline
    cv = Canvas(440, 280)
    cx, top, A, B = 220, 52, 128, 150      # arch: x = cx ± A·sin(t), y = top + B·(1 − cos t)
    ts = [k * 1.6 / 4000 for k in range(4001)]
    arc = [0.0]
    for t0, t1 in zip(ts, ts[1:]):
        arc.append(arc[-1] + math.hypot(A * (math.sin(t1) - math.sin(t0)), B * (math.cos(t0) - math.cos(t1))))

    def at_length(length):
        k = min(range(len(arc)), key=lambda i: abs(arc[i] - length))
        return ts[k]

    gap = 3.0
    positions = []
    for side in (-1, 1):
        along = gap / 2
        for k, (name_, hw, hd, shape) in enumerate(teeth):
            t = at_length(along + hw)
            along += 2 * hw + gap
            x, y = cx + side * A * math.sin(t), top + B * (1 - math.cos(t))
            tx, ty = side * A * math.cos(t), B * math.sin(t)
            n = math.hypot(tx, ty)
            ux, uy = tx / n, ty / n                   # along the arch
            vx, vy = -uy, ux                          # across it, turned outwards
            if vx * (x - cx) + vy * (y - (top + B)) < 0:
                vx, vy = -vx, -vy
            if shape == "canine":   # rhomboid outline with the cusp tip in the middle
                pts = [(x - ux * hw, y - uy * hw), (x - ux * hw * 0.3 + vx * hd, y - uy * hw * 0.3 + vy * hd),
                       (x + ux * hw * 0.3 + vx * hd, y + uy * hw * 0.3 + vy * hd), (x + ux * hw, y + uy * hw),
                       (x + ux * hw * 0.3 - vx * hd, y + uy * hw * 0.3 - vy * hd),
                       (x - ux * hw * 0.3 - vx * hd, y - uy * hw * 0.3 - vy * hd)]
            else:
                pts = [(x + ux * a_ + vx * b_, y + uy * a_ + vy * b_)
                       for a_, b_ in ((-hw, -hd), (hw, -hd), (hw, hd), (-hw, hd))]
            cv.poly(pts, 1.6, fill=PAPER)
            if shape == "molar":
                cv.line([(x - ux * hw * 0.55, y - uy * hw * 0.55), (x + ux * hw * 0.55, y + uy * hw * 0.55)], 0.9)
                cv.line([(x - vx * hd * 0.55, y - vy * hd * 0.55), (x + vx * hd * 0.55, y + vy * hd * 0.55)], 0.9)
            elif shape == "incisor":
                cv.line([(x - ux * hw * 0.7 + vx * hd * 0.45, y - uy * hw * 0.7 + vy * hd * 0.45),
                         (x + ux * hw * 0.7 + vx * hd * 0.45, y + uy * hw * 0.7 + vy * hd * 0.45)], 0.9)
            if side == -1:
                positions.append((x, y, vx, vy, hd))
    cv.dashdot((cx, 14), (cx, 266))
    for k, (x, y, vx, vy, hd) in enumerate(positions):
        d = hd + 30
        cv.leader((x + vx * d, y + vy * d), (x, y), k + 1)
    name = save(cv)

    key = teeth[asked][0]
    others = [teeth[i][0] for i in (2, 4, 1)]
    texts = [key] + others

    def explain(L):
        order = "、".join(f"{CIRCLED[i]}{t[0]}" for i, t in enumerate(teeth))
        return p(f"乳牙共 20 颗，上、下颌左右各 5 颗，从中线（图中点画线）向后依次为：{order}。"
                 f"编号{CIRCLED[asked]}是中线起第 {asked + 1} 颗、紧接在尖牙之后的第一颗磨牙，即{key}，选 {L[0]}。"
                 "乳牙一般在 6～7 个月开始萌出，2 岁半左右出齐。")

    return Spec("XQ", "学前儿童卫生与保健", "牙齿的发育与保健", "easy",
                p(f"图为幼儿上颌乳牙牙列的示意图（点画线为中线），一侧的牙齿用编号①～⑤标出。编号{CIRCLED[asked]}所指的牙齿是（　）。")
                + img(name, "上颌乳牙牙列示意图，共 10 颗牙，中线一侧 5 颗牙依次编号"),
                [Opt(t) for t in texts], explain)


# =====================================================================
# HL 护理专业
# =====================================================================

def fever_type(days: list[list[Fraction]]) -> str:
    normal_max = Fraction(37)
    highs, lows = [max(d) for d in days], [min(d) for d in days]
    ranges = [h - l for h, l in zip(highs, lows)]
    if all(t >= 39 for d in days for t in d) and all(r <= 1 for r in ranges):
        return "稽留热"
    if all(h >= 39 for h in highs) and all(r > 1 for r in ranges) and min(lows) > normal_max:
        return "弛张热"
    if any(h >= 39 for h in highs) and any(max(d) <= normal_max for d in days):
        return "间歇热"
    return "不规则热"


def hl_temperature_chart() -> Spec:
    tenths = [[382, 380, 389, 396, 394, 386], [378, 376, 386, 395, 398, 387], [380, 377, 387, 394, 396, 384],
              [379, 376, 385, 393, 395, 383], [376, 375, 383, 391, 392, 380]]
    days = [[Fraction(t, 10) for t in d] for d in tenths]
    slots = [2, 6, 10, 14, 18, 22]
    cv = Canvas(560, 380)
    x0, col, top, tmin, tmax, step = 75, 15.5, 50, 35, 42, 9.0   # 9 px per 0.2 degree
    rows = int((tmax - tmin) * 5)
    bottom = top + rows * step
    ncol = len(days) * len(slots)
    x1 = x0 + ncol * col
    X = lambda i: x0 + i * col + col / 2
    Y = lambda t: bottom - float(t - tmin) * 5 * step
    for r in range(rows + 1):
        y = top + r * step
        cv.line([(x0, y), (x1, y)], 1.3 if r % 5 == 0 else 0.5, fill=INK if r % 5 == 0 else 170)
    for c in range(ncol + 1):
        x = x0 + c * col
        strong = c % len(slots) == 0
        cv.line([(x, top - (34 if strong else 16)), (x, bottom)], 1.3 if strong else 0.5, fill=INK if strong else 170)
    cv.line([(x0, top - 34), (x1, top - 34)], 1.3)
    cv.line([(x0, top - 16), (x1, top - 16)], 0.8)
    cv.pattern_line((x0, Y(37)), (x1, Y(37)), (8, 4), 2.0)
    for d in range(len(days)):
        cv.text(x0 + (d + 0.5) * len(slots) * col, top - 25, f"Day {d + 1}", 12)
        for s, h in enumerate(slots):
            cv.text(X(d * len(slots) + s), top - 8, str(h), 8.5)
    for t in range(tmin, tmax + 1):
        cv.text(x0 - 8, Y(t), str(t), 12, "rm")
    cv.text(x0 - 8, top - 25, "°C", 12, "rm")
    pts = [(X(d * len(slots) + s), Y(t)) for d, day in enumerate(days) for s, t in enumerate(day)]
    cv.line(pts, 1.3)
    for x, y in pts:
        cv.line([(x - 3.5, y - 3.5), (x + 3.5, y + 3.5)], 1.5, caps=False)
        cv.line([(x - 3.5, y + 3.5), (x + 3.5, y - 3.5)], 1.5, caps=False)
    name = save(cv)

    kind = fever_type(days)
    assert kind == "弛张热"
    texts = [kind] + [k for k in ("稽留热", "间歇热", "不规则热") if k != kind]
    highs, lows = [max(d) for d in days], [min(d) for d in days]
    ranges = [h - l for h, l in zip(highs, lows)]

    def explain(L):
        return p(f"从图中读数：5 天中每天最高体温 {num(min(highs))}～{num(max(highs))} ℃，均在 39 ℃以上；"
                 f"每天最高与最低之差为 {num(min(ranges))}～{num(max(ranges))} ℃，超过 1 ℃；最低体温 {num(min(lows))} ℃，"
                 f"始终高于正常（腋温 36～37 ℃，图中粗虚线为 37 ℃）。体温在 39 ℃以上、24 h 内波动超过 1 ℃、但最低时仍高于正常，"
                 f"属于弛张热，选 {L[0]}，常见于败血症、风湿热等。稽留热 24 h 波动不超过 1 ℃；间歇热在发热之间有体温正常的间歇期。")

    return Spec("HL", "基础护理", "热型的观察", "medium",
                p("图为某患者 5 天的腋温记录（体温单式样，横轴为日期和时刻，纵轴为体温 ℃，“×”为腋温）。该患者的热型为（　）。")
                + img(name, "5 天、每天 6 次的体温曲线，体温在 37.5～39.8 ℃之间波动"),
                [Opt(t) for t in texts], explain)


POSITIONS = {  # name: (trunk raised, legs raised) in degrees, as textbook ranges
    "中凹卧位": ((10, 20), (20, 30)),
}


def hl_shock_position() -> Spec:
    trunk, legs = 20, 30
    kind = [k for k, ((t0, t1), (l0, l1)) in POSITIONS.items() if t0 <= trunk <= t1 and l0 <= legs <= l1]
    assert kind == ["中凹卧位"]
    cv = Canvas(480, 290)
    hip = (245, 175)
    lt, ll = 165, 150
    ta, la = math.radians(trunk), math.radians(legs)
    head_end = (hip[0] - lt * math.cos(ta), hip[1] - lt * math.sin(ta))
    foot_end = (hip[0] + ll * math.cos(la), hip[1] - ll * math.sin(la))
    # mattress (two layers following the bent bed), frame and legs
    for off in (0, 12):
        cv.line([(head_end[0], head_end[1] + off), (hip[0], hip[1] + off), (foot_end[0], foot_end[1] + off)], 1.5)
    cv.line([(head_end[0], head_end[1]), (head_end[0], head_end[1] + 12)], 1.5)
    cv.line([(foot_end[0], foot_end[1]), (foot_end[0], foot_end[1] + 12)], 1.5)
    cv.line([(60, 240), (420, 240)], 2.0)
    for x in (75, 405):
        cv.line([(x, 240), (x, 268)], 2.0)
    cv.line([(hip[0], hip[1] + 12), (hip[0], 240)], 1.4)
    cv.line([(head_end[0] + 10, head_end[1] + 15), (head_end[0] + 10, 240)], 1.4)
    cv.line([(foot_end[0] - 10, foot_end[1] + 17), (foot_end[0] - 10, 240)], 1.4)
    # the patient: body lines a little above the mattress, head at the raised end
    lift = 10
    ux_t, uy_t = -math.cos(ta), -math.sin(ta)
    shoulder = (hip[0] + ux_t * (lt - 38), hip[1] + uy_t * (lt - 38) - lift)
    cv.line([(hip[0], hip[1] - lift), shoulder], 5.0)
    cv.line([(hip[0], hip[1] - lift), (foot_end[0] - 14 * math.cos(la), foot_end[1] + 14 * math.sin(la) - lift)], 4.0)
    cv.circle(shoulder[0] + ux_t * 18, shoulder[1] + uy_t * 18 - 8, 13, 1.8, fill=PAPER)
    # angles against the horizontal through the hip
    cv.dashed((hip[0] - 130, hip[1] + 12), (hip[0] + 130, hip[1] + 12), 0.9, 5, 3)
    cv.arc(hip[0], hip[1] + 12, 70, 180, 180 + trunk, 1.1)
    cv.arc(hip[0], hip[1] + 12, 60, 360 - legs, 360, 1.1)
    mid_t = math.radians(180 + trunk / 2)
    mid_l = math.radians(-legs / 2)
    cv.text(hip[0] + 88 * math.cos(mid_t), hip[1] + 12 + 88 * math.sin(mid_t) + 2, f"{trunk}°", 13, bg=True)
    cv.text(hip[0] + 80 * math.cos(mid_l) + 4, hip[1] + 12 + 80 * math.sin(mid_l) + 2, f"{legs}°", 13, bg=True)
    name = save(cv)

    texts = ["中凹卧位", "半坐卧位", "头低足高位", "头高足低位"]

    def explain(L):
        return p(f"图中患者头胸部抬高约 {trunk}°、下肢抬高约 {legs}°，臀部处于最低处，符合中凹卧位（休克卧位）的要求："
                 f"抬高头胸部 10°～20°，有利于保持气道通畅、改善缺氧；抬高下肢 20°～30°，有利于静脉血回流、增加心排出量，选 {L[0]}。"
                 "半坐卧位床头抬高 30°～50°；头低足高位是床尾垫高、整个床面倾斜，头部最低。")

    return Spec("HL", "基础护理", "卧位与安全的护理", "easy",
                p("图为护理休克患者时安置卧位的示意图（左侧为头端），图中角度为床面与水平面的夹角。该卧位是（　）。")
                + img(name, "患者卧于床上，头胸部抬高 20°，下肢抬高 30°"),
                [Opt(t) for t in texts], explain)


def hl_injection_angle() -> Spec:
    layers = [("表皮", 120, 132), ("真皮", 132, 172), ("皮下组织", 172, 240), ("肌肉", 240, 305)]
    techniques = {"皮内注射": (1, 5, 5), "皮下注射": (2, 30, 40), "肌内注射": (3, 90, 90)}  # layer, angle range
    angle = 35
    tip_depth_y = 208
    cv = Canvas(480, 320)
    x0, x1 = 30, 400
    for k, (_, a, b) in enumerate(layers):
        cv.line([(x0, a), (x1, a)], 2.0 if k == 0 else 1.0)
    cv.line([(x0, layers[-1][2]), (x1, layers[-1][2])], 1.0)
    for x in range(x0 + 10, x1, 22):                       # fat lobules
        for y in (186, 218):
            cv.ellipse(x + (8 if y == 218 else 0), y, 8, 9, 0.7)
    for y in range(250, 300, 9):                            # muscle fibres
        cv.line([(x0, y), (x1, y)], 0.5, fill=120)
    for n, (_, a, b) in enumerate(layers, start=1):
        cv.leader((445, (a + b) / 2), (x1, (a + b) / 2), n, dot=False)
    entry = (195.0, layers[0][1])
    ang = math.radians(angle)
    inside = (tip_depth_y - entry[1]) / math.sin(ang)
    tip = (entry[0] + inside * math.cos(ang), entry[1] + inside * math.sin(ang))
    back = (entry[0] - 70 * math.cos(ang), entry[1] - 70 * math.sin(ang))
    cv.line([back, tip], 1.6)
    ux, uy = math.cos(ang), math.sin(ang)
    hub0 = back
    hub1 = (back[0] - 14 * ux, back[1] - 14 * uy)
    barrel_end = (hub1[0] - 95 * ux, hub1[1] - 95 * uy)
    nx_, ny_ = -uy, ux
    cv.poly([(hub0[0] + nx_ * 3, hub0[1] + ny_ * 3), (hub1[0] + nx_ * 5, hub1[1] + ny_ * 5),
             (hub1[0] - nx_ * 5, hub1[1] - ny_ * 5), (hub0[0] - nx_ * 3, hub0[1] - ny_ * 3)], 1.2, fill=PAPER)
    cv.poly([(hub1[0] + nx_ * 11, hub1[1] + ny_ * 11), (barrel_end[0] + nx_ * 11, barrel_end[1] + ny_ * 11),
             (barrel_end[0] - nx_ * 11, barrel_end[1] - ny_ * 11), (hub1[0] - nx_ * 11, hub1[1] - ny_ * 11)], 1.5,
            fill=PAPER)
    for k in range(1, 5):
        m = (hub1[0] - 18 * k * ux, hub1[1] - 18 * k * uy)
        cv.line([(m[0] + nx_ * 11, m[1] + ny_ * 11), (m[0] + nx_ * 5, m[1] + ny_ * 5)], 0.8, caps=False)
    cv.line([(entry[0] - 75, entry[1]), (entry[0], entry[1])], 1.2)
    cv.arc(entry[0], entry[1], 52, 180, 180 + angle, 1.1)
    mid = math.radians(180 + angle / 2)
    cv.text(entry[0] + 74 * math.cos(mid) - 4, entry[1] + 74 * math.sin(mid), f"{angle}°", 13)
    name = save(cv)

    tip_layer = [k for k, (_, a, b) in enumerate(layers) if a <= tip[1] < b][0]
    method = [m for m, (layer, lo, hi) in techniques.items() if layer == tip_layer and lo <= angle <= hi]
    assert method == ["皮下注射"]
    texts = [method[0], "皮内注射", "肌内注射", "静脉注射"]

    def explain(L):
        names = "、".join(f"{CIRCLED[k]}{n}" for k, (n, _, _) in enumerate(layers))
        return p(f"图中各层依次为 {names}。针头与皮肤呈 {angle}° 刺入，针尖位于{CIRCLED[tip_layer]}{layers[tip_layer][0]}内。"
                 f"皮下注射进针角度为 30°～40°，将药液注入皮下组织，选 {L[0]}。"
                 "皮内注射针尖斜面向上与皮肤呈 5° 刺入表皮与真皮之间；肌内注射与皮肤呈 90° 刺入肌肉；"
                 "静脉注射以 15°～30° 刺入静脉。")

    return Spec("HL", "基础护理", "注射法", "easy",
                p("图为注射时进针的示意图，①～④分别为表皮、真皮、皮下组织和肌肉层。图示进针角度和深度对应的注射法是（　）。")
                + img(name, "皮肤及皮下组织分层示意图，注射器针头以 35° 刺入，针尖位于第 3 层"),
                [Opt(t) for t in texts], explain)


# =====================================================================
# QC 汽车维修类
# =====================================================================

STROKES = {  # intake valve open, exhaust valve open, piston moving down, spark
    "进气行程": (True, False, True, False),
    "压缩行程": (False, False, False, False),
    "做功行程": (False, False, True, True),
    "排气行程": (False, True, False, False),
}


def _cylinder(intake_open: bool, exhaust_open: bool, down: bool, spark: bool) -> str:
    cv = Canvas(300, 300)
    cx, x0, x1, head, liner_bottom = 150, 108, 192, 78, 205
    cv.line([(x0, head), (x0, liner_bottom)], 2.4)
    cv.line([(x1, head), (x1, liner_bottom)], 2.4)
    cv.line([(x0 - 22, head), (x0, head)], 2.4)
    cv.line([(x1, head), (x1 + 22, head)], 2.4)
    # ports: the intake channel rises to the upper left, the exhaust channel to the upper right
    seats = {-1: cx - 24, 1: cx + 24}
    cv.line([(x0 - 22, head), (seats[-1] - 12, head)], 2.4)
    cv.line([(seats[-1] + 12, head), (seats[1] - 12, head)], 2.4)
    cv.line([(seats[1] + 12, head), (x1 + 22, head)], 2.4)
    for side, is_open in ((-1, intake_open), (1, exhaust_open)):
        sx = seats[side]
        inner, outer = sx - side * 12, sx + side * 12
        cv.line([(outer, head), (outer + side * 48, head - 28)], 1.8)
        cv.line([(inner, head), (inner, head - 20), (inner + side * 74, head - 60)], 1.8)
        drop = 12 if is_open else 0
        vy = head + 2 + drop
        cv.poly([(sx - 13, vy), (sx + 13, vy), (sx + 4, vy - 7), (sx - 4, vy - 7)], 1.4, fill=PAPER)
        cv.line([(sx, vy - 7), (sx, 20 + drop)], 2.0)
        cv.line([(sx - 7, 28 + drop), (sx + 7, 28 + drop)], 1.4)
        cv.text(sx + side * 72, head - 72, "IN" if side < 0 else "EX", 13)
        mouth, seat = (sx + side * 56, head - 40), (sx + side * 12, head - 12)
        if is_open:
            cv.arrow(mouth, seat, 1.3, 9, 3.5) if side < 0 else cv.arrow(seat, mouth, 1.3, 9, 3.5)
    # spark plug in the middle of the head
    cv.rect(cx - 5, head - 30, cx + 5, head - 2, 1.3, fill=PAPER)
    cv.line([(cx, head - 2), (cx, head + 5)], 1.6)
    if spark:
        for ang in range(0, 360, 45):
            a = math.radians(ang)
            cv.line([(cx + 5 * math.cos(a), head + 12 + 5 * math.sin(a)),
                     (cx + 13 * math.cos(a), head + 12 + 13 * math.sin(a))], 1.3)
    # crank, connecting rod and piston from the crank angle (clockwise from top dead centre)
    crank_c, r_crank, rod = (cx, 250), 24, 88
    theta = math.radians(90 if down else 270)
    pin = (crank_c[0] + r_crank * math.sin(theta), crank_c[1] - r_crank * math.cos(theta))
    piston_pin_y = pin[1] - math.sqrt(rod ** 2 - (pin[0] - cx) ** 2)
    ptop = piston_pin_y - 22
    cv.rect(x0 + 3, ptop, x1 - 3, ptop + 38, 1.8, fill=PAPER)
    for k in (6, 12):
        cv.line([(x0 + 3, ptop + k), (x1 - 3, ptop + k)], 0.8, caps=False)
    cv.line([(cx, piston_pin_y), pin], 3.0)
    cv.circle(cx, piston_pin_y, 4, 1.2, fill=PAPER)
    cv.circle(crank_c[0], crank_c[1], r_crank + 9, 1.2)
    cv.line([crank_c, pin], 3.0)
    cv.circle(*pin, 4, 1.2, fill=PAPER)
    cv.dot(*crank_c, 3)
    mid = ptop + 19
    if down:
        cv.arrow((x1 + 30, mid - 24), (x1 + 30, mid + 26), 2.0, 12, 5)
    else:
        cv.arrow((x1 + 30, mid + 26), (x1 + 30, mid - 24), 2.0, 12, 5)
    return save(cv)


def qc_stroke_options() -> Spec:
    asked = "压缩行程"
    order = [asked, "做功行程", "进气行程", "排气行程"]
    names = [_cylinder(*STROKES[s]) for s in order]
    matches = [s for s in order if STROKES[s] == (False, False, False, False)]
    assert matches == [asked]

    def describe(s):
        i, e, down, spark = STROKES[s]
        valves = ("进气门开启、排气门关闭" if i else "排气门开启、进气门关闭" if e else "进、排气门均关闭")
        return f"{valves}，活塞{'下行' if down else '上行'}{'，火花塞跳火' if spark else ''}，为{s}"

    def explain(L):
        parts = "；".join(f"选项 {L[k]}：{describe(s)}" for k, s in sorted(enumerate(order), key=lambda t: L[t[0]]))
        return p("判断四冲程汽油机的行程，看两个气门的开闭和活塞的运动方向（IN 为进气门，EX 为排气门，箭头为活塞运动方向）。"
                 f"{parts}。压缩行程中进、排气门都关闭，活塞由下止点向上止点运动压缩混合气，故选 {L[0]}。")

    return Spec("QC", "汽车构造", "四冲程发动机的工作原理", "medium",
                p("下列四冲程汽油机工作示意图中（IN 为进气门，EX 为排气门，箭头表示活塞运动方向），表示压缩行程的是（　）。"),
                [Opt("", n) for n in names], explain)


def qc_headlamp_circuit() -> Spec:
    U, lamps = 12, [("EL1", 60), ("EL2", 60)]
    cv = Canvas(540, 260)
    top, gy = 50, 205
    xb, xf, xs0, xs1 = 60, 150, 215, 265
    xl = [345, 440]
    cv.line([(xb, gy - 12), (xb, top), (xl[-1], top)], 1.5)
    for x in xl:
        cv.line([(x, top), (x, gy - 12)], 1.5)
        ground(cv, x, gy)
    ground(cv, xb, gy)
    cv.dot(xl[0], top, 3.2)
    battery(cv, xb, 128, True, f"{U} V")
    cv.rect(xf - 20, top - 7, xf + 20, top + 7, 1.5, fill=PAPER)
    cv.line([(xf - 20, top), (xf + 20, top)], 1.0)
    cv.text(xf, top - 12, "FU", 13, "mb")
    switch_h(cv, xs0, xs1, top, False, "S")
    for (label, watts), x in zip(lamps, xl):
        lamp(cv, x, 125, 14, "", "right")
        cv.text(x + 20, 118, label, 13, "lb")
        cv.text(x + 20, 124, f"{U} V {watts} W", 11.5, "lt")
    name = save(cv)

    currents = [Fraction(w, U) for _, w in lamps]
    total = sum(currents)
    wrong = pick_distractors(total, [currents[0], Fraction(sum(w for _, w in lamps), U) * 2,
                                     Fraction(U * U, lamps[0][1]) / U, total / 4], num)
    values = [total] + wrong

    def explain(L):
        return p(f"汽车电路采用单线制，两只前照灯 EL1、EL2 的一端都接电源（经熔断器 FU 和开关 S），另一端搭铁，"
                 f"二者为并联，每只灯两端电压均为 {U} V。每只灯的电流 I = P/U = {lamps[0][1]}/{U} = {num(currents[0])} A，"
                 f"熔断器在干路上，电流为两灯之和 {num(currents[0])} + {num(currents[1])} = {num(total)} A，选 {L[0]}。"
                 f"{num(currents[0])} A 只是一只灯的电流。")

    return Spec("QC", "汽车电气设备", "汽车照明系统", "medium",
                p("图为简化的汽车前照灯电路（单线制，三条递减横线为搭铁符号），蓄电池电压与灯泡规格如图所示。开关 S 闭合、两灯正常发光时，流过熔断器 FU 的电流为（　）。")
                + img(name, "蓄电池经熔断器 FU、开关 S 向两只并联的前照灯 EL1、EL2 供电，灯的另一端搭铁"),
                [Opt(f"{num(v)} A") for v in values], explain, "numeric", [float(v) for v in values])


def qc_battery_series() -> Spec:
    volts, ah, mode = 12, 60, "series"
    cv = Canvas(480, 250)
    boxes = [(60, 200), (280, 420)]
    y0, y1 = 110, 185
    posts = []
    for bx0, bx1 in boxes:
        cv.rect(bx0, y0, bx1, y1, 2.0)
        neg, pos = bx0 + 26, bx1 - 26
        for x, plus in ((neg, False), (pos, True)):
            cv.rect(x - 8, y0 - 12, x + 8, y0, 1.5, fill=PAPER)
            cv.line([(x - 6, y0 + 14), (x + 6, y0 + 14)], 2.0)
            if plus:
                cv.line([(x, y0 + 8), (x, y0 + 20)], 2.0)
        cv.text((bx0 + bx1) / 2, y0 + 36, f"{volts} V", 14)
        cv.text((bx0 + bx1) / 2, y0 + 56, f"{ah} Ah", 14)
        posts.append((neg, pos))
    (n1, p1), (n2, p2) = posts
    if mode == "series":
        cv.line([(p1, y0 - 12), (p1, 75), (n2, 75), (n2, y0 - 12)], 1.8)
        out = [(n1, "a"), (p2, "b")]
    else:
        cv.line([(p1, y0 - 12), (p1, 75), (p2, 75), (p2, y0 - 12)], 1.8)
        cv.line([(n1, y0 - 12), (n1, 60), (n2, 60), (n2, y0 - 12)], 1.8)
        out = [(n1, "a"), (p2, "b")]
    for x, label in out:
        cv.line([(x, y0 - 12), (x, 40)], 1.8)
        cv.circle(x, 36, 4, 1.4, fill=PAPER)
        cv.text(x + 10, 32, label, 14, "lm")
    name = save(cv)

    n = len(boxes)
    key = (volts * n, ah) if mode == "series" else (volts, ah * n)
    candidates = [(volts, ah * n), (volts * n, ah * n), (volts, ah)]
    texts = [f"{v} V，{c} Ah" for v, c in [key] + candidates]

    def explain(L):
        return p(f"图中第一只蓄电池的“+”极与第二只的“−”极相连，a、b 分别从第一只的“−”极和第二只的“+”极引出，两只蓄电池为串联。"
                 f"串联后总电压等于各电池电压之和：{volts} + {volts} = {key[0]} V；流过两只电池的是同一电流，容量不变，仍为 {ah} Ah，"
                 f"选 {L[0]}。并联（同极性相连）时电压不变、容量相加，得 {volts} V、{ah * n} Ah。")

    return Spec("QC", "汽车电气设备", "蓄电池的连接", "easy",
                p("两只规格相同的蓄电池按图示方式连接（“+”“−”为极柱极性），a、b 两端输出的电压和容量分别为（　）。")
                + img(name, "两只 12 V 60 Ah 蓄电池，第一只正极接第二只负极，a、b 为引出端"),
                [Opt(t) for t in texts], explain)


# =====================================================================
# assembling the bank
# =====================================================================

BUILDERS: dict[str, list[Callable[[], Spec]]] = {
    "JX": [jx_left_view_options, jx_three_views_width, jx_gear_tip_diameter, jx_shaft_length],
    "DQ": [dq_series_parallel, dq_kcl_node, dq_diode_current, dq_diode_lamp_options, dq_transistor_state],
    "JSJ": [jsj_relative_reference, jsj_countif, jsj_topology, jsj_subnet],
    "JZ": [jz_axis_distance, jz_levels, jz_section_symbol],
    "LY": [ly_route_map, ly_western_setting, ly_banquet_seating],
    "NX": [nx_plant_cell, nx_leaf_section, nx_root_tip],
    "CJ": [cj_asset_balance, cj_liability_unknown, cj_sales_chart],
    "XQ": [xq_growth_chart, xq_conservation, xq_primary_teeth],
    "HL": [hl_temperature_chart, hl_shock_position, hl_injection_angle],
    "QC": [qc_stroke_options, qc_headlamp_circuit, qc_battery_series],
}


def build() -> tuple[list[dict], list[dict]]:
    items: list[dict] = []
    used: dict[str, dict[str, list[str]]] = {}
    for code in CATEGORY_ORDER:
        for n, builder in enumerate(BUILDERS.get(code, []), start=1):
            spec = builder()
            spec.uid = f"DEMO-FIG-{code}-{n:02d}"
            assert spec.code == code and spec.subject in CATEGORY_SUBJECTS[code], (spec.uid, spec.subject)
            assert spec.difficulty in ("easy", "medium", "hard")
            options, key, letters = arrange(spec)
            explanation = spec.explain(letters)
            assert f"选 {key}" in explanation or f"故选 {key}" in explanation, (spec.uid, explanation)
            items.append({
                "uid": spec.uid, "version": 1, "status": "published",
                "category": code, "subject": spec.subject, "knowledge_points": [spec.kp],
                "type": "single", "stem": spec.stem,
                "options": [({"id": "ABCD"[i], "text": o.text, "image": o.image} if o.image else
                             {"id": "ABCD"[i], "text": o.text}) for i, o in enumerate(options)],
                "answer": key, "explanation": explanation,
                "difficulty": spec.difficulty, "points": POINTS, "tags": list(TAGS), "source": SOURCE,
            })
            kps = used.setdefault(code, {}).setdefault(spec.subject, [])
            if spec.kp not in kps:
                kps.append(spec.kp)
    taxonomy = []
    for code in CATEGORY_ORDER:
        if code not in used:
            continue
        subjects = [{"name": s, "knowledge_points": used[code][s]}
                    for s in CATEGORY_SUBJECTS[code] if s in used[code]]
        taxonomy.append({"code": code, "name": CATEGORY_NAMES[code], "subjects": subjects})
    return taxonomy, items


def _write_if_changed(path: Path, data: bytes) -> bool:
    if path.exists() and path.read_bytes() == data:
        return False
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return True


def _referenced_elsewhere() -> set[str]:
    """Media names that the other demo banks refer to (never removed here)."""
    names: set[str] = set()
    for path in sorted((DEMO_DIR / "banks").glob("*.json")):
        if path.resolve() == BANK_PATH.resolve():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        names.update(m for m in re.findall(r"[0-9a-f]{64}\.(?:png|jpg|gif|webp)", text))
    return names


def main() -> int:
    started = time.perf_counter()
    taxonomy, items = build()
    document = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "taxonomy": taxonomy, "items": items}
    bank_bytes = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")

    used_media = set()
    for item in items:
        used_media.update(re.findall(r"/media/([0-9a-f]{64}\.png)", item["stem"]))
        used_media.update(o["image"] for o in item["options"] if o.get("image"))
    assert used_media == set(MEDIA), "every drawn figure must be used by exactly the items"
    # check the bank exactly as the server will read it, before writing anything
    bank = read_bank(bank_bytes, BANK_PATH.name, MEDIA)
    assert len(bank.items) == len(items) and set(bank.media) == set(MEDIA)

    MEDIA_DIR.mkdir(parents=True, exist_ok=True)
    written = sum(_write_if_changed(MEDIA_DIR / name, data) for name, data in sorted(MEDIA.items()))
    keep = set(MEDIA) | _referenced_elsewhere()
    removed = []
    for path in sorted(MEDIA_DIR.glob("*.png")):
        if path.name not in keep:
            path.unlink()
            removed.append(path.name)
    bank_changed = _write_if_changed(BANK_PATH, bank_bytes)

    per_category = {}
    for item in items:
        per_category[item["category"]] = per_category.get(item["category"], 0) + 1
    keys = {k: sum(1 for i in items if i["answer"] == k) for k in "ABCD"}
    print(f"{len(items)} items, {len(MEDIA)} images "
          f"({written} written, {len(removed)} stale removed); bank {'written' if bank_changed else 'unchanged'}")
    print("items per category: " + ", ".join(f"{c} {n}" for c, n in per_category.items()))
    print("keys: " + ", ".join(f"{k} {n}" for k, n in keys.items()))
    print(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
