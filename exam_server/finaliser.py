"""The server's background work: attempts whose time has run out are submitted, submitted ones graded.

``exam-server serve`` starts one daemon thread per server process. Each round
(every FINALISE_INTERVAL_SECONDS) it

1. closes every attempt whose deadline and grace have passed: students who never
   press 交卷 (a crashed PC, a closed browser) are submitted with every answer
   saved before the deadline;
2. grades submitted attempts that have no score yet. Submitting only closes an
   attempt, so that a hall submitting at the same minute is answered at once;
   grading runs while this process has no request to serve
   (:mod:`exam_server.activity`), and regardless of load for attempts waiting
   longer than GRADE_WAIT_SECONDS.

Several processes doing the same rounds is safe: closing and grading are
conditional UPDATEs, so each attempt is closed once and its grade written once.
"""
from __future__ import annotations

import logging
import random
import threading

from flask import Flask

from . import activity, database
from .extensions import db

log = logging.getLogger(__name__)


#: a request in the last this many seconds counts as busy: grading waits for a quiet moment
IDLE_SECONDS = 0.05


def busy() -> bool:
    return activity.idle_for() < IDLE_SECONDS


def sweep(app: Flask, *, when_busy: bool = True) -> int:
    """One round: close every overdue attempt, then grade what is waiting; returns how many were closed.

    ``when_busy=False`` grades only while the process is idle (and what has waited
    longer than GRADE_WAIT_SECONDS); the server's thread passes it, tests do not.
    """
    from .services.attempts import finalise_overdue, grade_pending

    with app.app_context(), database.writing():
        try:
            closed = finalise_overdue()
            grade_pending(busy=None if when_busy else busy, wait_at_most=app.config["GRADE_WAIT_SECONDS"])
            return closed
        except Exception:  # a bad moment (database busy, restarting) must not end the thread
            log.exception("finalising or grading attempts failed; trying again next round")
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
            sweep(app, when_busy=False)

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
