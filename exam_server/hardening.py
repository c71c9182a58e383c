"""Request hardening: safe redirect targets, bounded ids, no NUL bytes, anti-framing headers."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

#: ids and integers from URLs and forms fit a 32-bit signed column on every database
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` that answers 404, not a database overflow, for ids no row can have."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def bounded_int(value, default=None):
    """An integer within ±MAX_ID parsed from ``value``, else ``default``."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return default
    return number if -MAX_ID <= number <= MAX_ID else default


def arg_int(name: str, default=None):
    """A bounded integer query parameter (``request.args.get(name, type=int)`` overflows the database)."""
    return bounded_int(request.args.get(name), default)


def local_target(target: str | None, default: str, prefix: str = "/") -> str:
    """``target`` when it is a path on this server under ``prefix``, else ``default``.

    Refuses anything a browser could read as another host: ``//host``, ``/\\host``,
    a scheme, and control characters (browsers drop a tab in ``/\\t/host``).
    """
    target = target or ""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in target) or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//") or not target.startswith(prefix):
        return default
    return target


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter

    @app.before_request
    def refuse_nul_bytes():
        """No text column accepts NUL on PostgreSQL; refuse it up front on every database."""
        if _has_nul(request.args.values()) or (request.form and _has_nul(request.form.values())):
            abort(400)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response
