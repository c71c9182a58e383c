"""Template helpers: display names of codes (roles, types, statuses, levels) and rich text."""
import re

from flask import Flask
from flask_babel import gettext, lazy_gettext as _l
from markupsafe import Markup, escape

from question_bank.richtext import sanitize
from question_bank.types import ITEM_TYPES

ROLE_LABELS = {"admin": _l("管理员"), "teacher": _l("教师"), "proctor": _l("监考员"), "student": _l("学生")}
STATUS_LABELS = {"draft": _l("草稿"), "review": _l("待审核"), "published": _l("已发布"), "retired": _l("已停用")}
LEVEL_LABELS = {"easy": _l("易"), "medium": _l("中"), "hard": _l("难")}


_GENERATED_UID = re.compile(r"^[0-9a-f]{32}$")


def short_uid(uid: str) -> str:
    """A uid as lists show it: generated hex uids cut to 8 characters, human ones (DEMO-DQ-008) whole."""
    return uid[:8] if _GENERATED_UID.match(uid or "") else (uid or "")


def type_label(name: str) -> str:
    item_type = ITEM_TYPES.get(name)
    return gettext(item_type.label) if item_type else name


_ONE_PARAGRAPH = re.compile(r"^<p>((?:(?!</?p[ >]).)*)</p>$", re.S)


def rich_text(fragment: str, inline: bool = False) -> Markup:
    """Stored rich text as markup, sanitised again on the way out; ``inline`` unwraps a lone paragraph."""
    html = sanitize(fragment or "")
    match = _ONE_PARAGRAPH.match(html) if inline else None
    return Markup(match.group(1) if match else html)


_TAG = re.compile(r"(<[^>]+>)")
_BLANK_RUN = re.compile(r"_{3,}")


def stem_with_blanks(item, name: str, response=None) -> Markup | None:
    """A fill-in-the-blank stem with an input where each "______" is, as on a printed paper.

    None when the stem's underscore runs do not match the item's blanks one for one;
    the caller then lists the inputs under the stem instead.
    """
    parts = _TAG.split(sanitize(item.stem or ""))  # text and tags alternate; only text is touched
    blanks = len(item.answer or ()) or 1
    if sum(len(_BLANK_RUN.findall(p)) for p in parts[::2]) != blanks:
        return None
    answers = list(response) if response and not isinstance(response, str) else []
    counter = iter(range(blanks))

    def blank_input(match) -> str:
        index = next(counter)
        value = answers[index] if index < len(answers) else ""
        label = gettext("第 %(n)d 空", n=index + 1)
        return (f'<input type="text" class="blank-input" name="{escape(name)}" autocomplete="off" '
                f'value="{escape(value)}" aria-label="{escape(label)}">')

    parts[::2] = [_BLANK_RUN.sub(blank_input, text) for text in parts[::2]]
    return Markup("".join(parts))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["rich"] = rich_text
    app.jinja_env.globals.update(
        role_label=lambda code: ROLE_LABELS.get(code, code),
        status_label=lambda code: STATUS_LABELS.get(code, code),
        level_label=lambda code: LEVEL_LABELS.get(code, code),
        type_label=type_label,
        stem_with_blanks=stem_with_blanks,
        short_uid=short_uid,
    )
