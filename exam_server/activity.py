"""How busy this server process is, so that background work gives way to requests.

Grading submitted attempts is deferred work (:mod:`exam_server.finaliser`): when a
class of students submits at the same minute, answering every 交卷 comes first and
the grading follows in the moments the process has no request to serve.
:func:`init_app` counts the app's requests in progress.
"""
from __future__ import annotations

import threading
import time

_lock = threading.Lock()
_in_flight = 0
_last_finished = 0.0


def init_app(app) -> None:
    """Count the app's requests in progress. Registered first, so no other hook can skip it;
    teardown runs for every request, whatever happened in it."""
    app.before_request_funcs.setdefault(None, []).insert(0, _begin)
    app.teardown_request(_end)


def _begin() -> None:
    global _in_flight
    with _lock:
        _in_flight += 1


def _end(_error=None) -> None:
    global _in_flight, _last_finished
    with _lock:
        _in_flight = max(0, _in_flight - 1)
        _last_finished = time.monotonic()


def idle_for() -> float:
    """Seconds since this process last served a request; 0 while one is in progress."""
    with _lock:
        if _in_flight:
            return 0.0
        return time.monotonic() - _last_finished
