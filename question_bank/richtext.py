"""Rich text for stems, options and explanations: sanitising and plain-text views.

Allowed: paragraphs, line breaks, bold/italic/underline, sub/superscript,
lists, tables, preformatted code, and images served from the media store
(``/media/<sha256>.<ext>``). Everything else -- scripts, event handlers,
styles, links to other hosts -- is removed.
"""
from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import nh3

MEDIA_SRC = re.compile(r"^/media/([0-9a-f]{64}\.(?:png|jpg|gif|webp))$")

_TAGS = {
    "p", "br", "b", "strong", "i", "em", "u", "s", "sub", "sup", "span",
    "ul", "ol", "li", "pre", "code", "table", "thead", "tbody", "tfoot",
    "tr", "th", "td", "caption", "img",
}
_ATTRIBUTES = {
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    if tag == "img" and attribute == "src":
        return value if MEDIA_SRC.match(value) else None
    if attribute in {"width", "height", "colspan", "rowspan"}:
        return value if value.isdigit() and 0 < int(value) <= 2000 else None
    return value


def sanitize(fragment: str) -> str:
    """Return ``fragment`` with everything but the allowed markup removed."""
    cleaned = nh3.clean(
        fragment or "",
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=_filter_attribute,
        url_schemes=set(),
        strip_comments=True,
        link_rel=None,
    )
    # an <img> whose src was refused is worthless
    return re.sub(r"<img(?![^>]*\ssrc=)[^>]*>", "", cleaned).strip()


def text_to_html(text: str) -> str:
    """Plain text (from a spreadsheet cell or a CLI) as paragraphs of escaped text."""
    paragraphs = [p for p in re.split(r"\n\s*\n", (text or "").strip()) if p.strip()]
    return "".join(
        "<p>" + "<br>".join(html.escape(line) for line in p.splitlines()) + "</p>"
        for p in paragraphs
    )


class _TextExtractor(HTMLParser):
    _BLOCKS = {"p", "br", "li", "tr", "pre", "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BLOCKS:
            self.parts.append("\n")
        elif tag in {"td", "th"}:
            self.parts.append(" ")
        elif tag == "img":
            self.parts.append("[图]")

    def handle_data(self, data):
        self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The readable text of a rich-text fragment, for search, previews and similarity."""
    parser = _TextExtractor()
    parser.feed(fragment or "")
    parser.close()
    text = "".join(parser.parts)
    return re.sub(r"[ \t]*\n\s*", "\n", text).strip()


def media_names(fragment: str) -> set[str]:
    """The media files a fragment's images refer to."""
    return set(re.findall(r'src="/media/([0-9a-f]{64}\.[a-z]+)"', fragment or ""))
