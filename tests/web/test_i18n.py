"""The UI is Chinese by default and fully translated into English when switched on."""
import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import exam_server

ROOT = Path(exam_server.__file__).parent.parent
PO = ROOT / "exam_server/translations/en/LC_MESSAGES/messages.po"
MO = PO.with_suffix(".mo")
KEYWORDS = {"_": None, "_l": None, "N_": None, "gettext": None, "lazy_gettext": None, "ngettext": (1, 2)}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2")]


def _source_msgids():
    found = set()
    for package in ("exam_server", "question_bank"):
        for _file, _line, message, _comments, _ctx in extract_from_dir(
                ROOT / package, METHODS, keywords=KEYWORDS):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _catalog():
    with PO.open("rb") as handle:
        return read_po(handle)


def test_every_ui_string_has_an_english_translation():
    catalog = _catalog()
    missing = sorted(m for m in _source_msgids()
                     if m not in catalog or not catalog[m].string or catalog[m].fuzzy)
    assert missing == [], f"run scripts/i18n.sh and translate: {missing[:20]}"


def test_compiled_catalogue_matches_the_po_file():
    buffer = io.BytesIO()
    write_mo(buffer, _catalog())
    assert MO.read_bytes() == buffer.getvalue(), "run scripts/i18n.sh to compile"


def test_pages_are_chinese_by_default_and_english_on_request(client):
    assert "登录" in client.get("/login").get_data(as_text=True)
    client.get("/lang/en")
    page = client.get("/login").get_data(as_text=True)
    assert "Log in" in page and "登录" not in page
