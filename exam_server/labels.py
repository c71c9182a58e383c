"""Template helpers: display names of codes (roles, types, statuses, levels) and rich text."""
import re

from flask import Flask
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup

from question_bank.richtext import sanitize
from question_bank.types import ITEM_TYPES

ROLE_LABELS = {"admin": _l("管理员"), "teacher": _l("教师"), "proctor": _l("监考员"), "student": _l("学生")}
STATUS_LABELS = {"draft": _l("草稿"), "review": _l("待审核"), "published": _l("已发布"), "retired": _l("已停用")}
LEVEL_LABELS = {"easy": _l("易"), "medium": _l("中"), "hard": _l("难")}


def type_label(name: str) -> str:
    item_type = ITEM_TYPES.get(name)
    return gettext(item_type.label) if item_type else name


_ONE_PARAGRAPH = re.compile(r"^<p>((?:(?!</?p[ >]).)*)</p>$", re.S)


def rich_text(fragment: str, inline: bool = False) -> Markup:
    """Stored rich text as markup, sanitised again on the way out; ``inline`` unwraps a lone paragraph."""
    html = sanitize(fragment or "")
    match = _ONE_PARAGRAPH.match(html) if inline else None
    return Markup(match.group(1) if match else html)


def init_app(app: Flask) -> None:
    app.jinja_env.filters["rich"] = rich_text
    app.jinja_env.globals.update(
        role_label=lambda code: ROLE_LABELS.get(code, code),
        status_label=lambda code: STATUS_LABELS.get(code, code),
        level_label=lambda code: LEVEL_LABELS.get(code, code),
        type_label=type_label,
    )
