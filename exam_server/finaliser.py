"""The server's own clock-watcher: attempts whose time (and grace) has run out are submitted and graded.

``exam-server serve`` starts one daemon thread per server process; several
processes doing the same sweep is safe, because each attempt is claimed with a
conditional UPDATE (only the one that changes it from "open" grades it). Students
who never press 提交 — a crashed PC, a closed browser — are finalised within
FINALISE_INTERVAL_SECONDS of their deadline plus grace, with every answer saved
before it.
"""
from __future__ import annotations

import logging
import random
import threading

from flask import Flask

from . import database
from .extensions import db

log = logging.getLogger(__name__)


def sweep(app: Flask) -> int:
    """One pass: finalise every overdue attempt; returns how many."""
    from .services.attempts import finalise_overdue

    with app.app_context(), database.writing():
        try:
            return finalise_overdue()
        except Exception:  # a bad moment (database busy, restarting) must not end the thread
            log.exception("finalising overdue attempts failed; trying again next round")
            db.session.rollback()
            return 0
        finally:
            db.session.remove()


def start(app: Flask) -> threading.Thread | None:
    """Run :func:`sweep` every FINALISE_INTERVAL_SECONDS (± 20 %) in a daemon thread; 0 switches it off."""
    interval = float(app.config.get("FINALISE_INTERVAL_SECONDS") or 0)
    if interval <= 0:
        return None
    stop = threading.Event()

    def loop():
        while not stop.wait(interval * random.uniform(0.8, 1.2)):
            sweep(app)

    thread = threading.Thread(target=loop, name="exam-finaliser", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread


def with_finaliser(factory):
    """An app factory whose apps run the finaliser (each server process builds one app)."""
    def build():
        app = factory()
        start(app)
        return app
    return build
