"""Images for items: type and size checks, and content-hash names."""
from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

from PIL import Image, UnidentifiedImageError

from .problems import N_, Problem, ProblemsError

MAX_IMAGE_BYTES = 2 * 1024 * 1024
MAX_IMAGE_PIXELS = 4096 * 4096
_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"),
            "GIF": ("gif", "image/gif"), "WEBP": ("webp", "image/webp")}


@dataclass(frozen=True)
class CheckedImage:
    name: str  # "<sha256>.<ext>"
    mime: str
    width: int
    height: int
    data: bytes


def check_image(data: bytes, where: str = "", max_bytes: int = MAX_IMAGE_BYTES) -> CheckedImage:
    """Check that ``data`` is a PNG, JPEG, GIF or WebP image within the limits.

    :raise ProblemsError: with a Chinese message naming ``where`` when it is not.
    """


    if len(data) > max_bytes:
        raise ProblemsError([Problem(where, N_("图片过大（%(size)s），上限为 %(limit)s"),
                                     {"size": _human(len(data)), "limit": _human(max_bytes)})])
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ProblemsError([Problem(where, N_("图片尺寸过大（%(w)d×%(h)d 像素）"),
                                             {"w": width, "h": height})])
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError):
        raise ProblemsError([Problem(where, N_("不是可用的图片文件（支持 PNG、JPEG、GIF、WebP）"))]) from None
    if kind not in _FORMATS:
        raise ProblemsError([Problem(where, N_("不支持的图片格式 %(kind)s（支持 PNG、JPEG、GIF、WebP）"),
                                     {"kind": kind})])
    ext, mime = _FORMATS[kind]
    return CheckedImage(f"{hashlib.sha256(data).hexdigest()}.{ext}", mime, width, height, data)


def _human(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"
