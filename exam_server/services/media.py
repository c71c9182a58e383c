"""Images stored under ``instance/media/<first two hex digits>/<sha256>.<ext>``, one row each."""
from __future__ import annotations

import os
import tempfile

from flask import current_app
from sqlalchemy import select

from question_bank.media import CheckedImage, check_image

from ..extensions import db
from ..models import Media, User

MEDIA_DIR = "media"


def media_path(name: str) -> str:
    """Where the file of a media name lives (the name is checked by the caller's URL rule)."""
    return os.path.join(current_app.instance_path, MEDIA_DIR, name[:2], name)


def _write_once(path: str, data: bytes) -> None:
    if os.path.exists(path):
        return
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".upload-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)  # atomic: a reader never sees half a file


def store_checked(image: CheckedImage, user: User | None = None) -> Media:
    """Keep a checked image (once per content) and return its row; does not commit."""
    media = db.session.scalar(select(Media).where(Media.name == image.name))
    _write_once(media_path(image.name), image.data)
    if media is None:
        media = Media(name=image.name, mime=image.mime, size=len(image.data),
                      width=image.width, height=image.height, uploaded_by_id=user.id if user else None)
        db.session.add(media)
        db.session.flush()
    return media


def store_image(data: bytes, filename: str = "", user: User | None = None) -> Media:
    """Check and keep an uploaded image; commits.

    :raise ProblemsError: when the file is not an allowed image or is too large,
        naming ``filename``; nothing is stored then.
    """
    image = check_image(data, filename, current_app.config["MAX_IMAGE_BYTES"])
    media = store_checked(image, user)
    db.session.commit()
    return media


def read_media(name: str) -> bytes | None:
    path = media_path(name)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as handle:
        return handle.read()


def get_media(name: str) -> Media | None:
    return db.session.scalar(select(Media).where(Media.name == name))
