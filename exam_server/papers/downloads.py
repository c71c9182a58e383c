"""File downloads with Chinese names: ``Content-Disposition`` with an ASCII ``filename`` and
the real name in ``filename*`` (RFC 5987/6266), which every current browser prefers."""
from __future__ import annotations

from urllib.parse import quote

from flask import Response
from flask_babel import gettext as _, lazy_gettext as _l

from question_bank.pdf.headings import form_mark

PDF_NAMES = {"paper": _l("试卷"), "answer-sheet": _l("答题卡"), "key": _l("参考答案")}


def attachment(data: bytes, mimetype: str, filename: str, fallback: str) -> Response:
    """``data`` as a download named ``filename``; ``fallback`` (ASCII) for old browsers."""
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{fallback}"; filename*=UTF-8\'\'{quote(filename, safe="")}')
    return response


def pdf_filename(paper, kind: str, layout: str) -> str:
    """"2026年…模拟试卷 A卷 参考答案.pdf"; the paper's A3/B4 print says so."""
    parts = [paper.title.strip() or _("试卷"), form_mark(paper), str(PDF_NAMES[kind])]
    if kind == "paper" and layout != "a4":
        parts.append(layout.upper())
    name = " ".join(p for p in parts if p)
    return "".join("_" if c in '\\/:*?"<>|' else c for c in name) + ".pdf"
