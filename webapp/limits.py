"""Caps on expensive requests: how many searches run at once, and how long they may take.

Searches are CPU-bound and Python runs one thread at a time, so running more of them at once
than there are cores only makes each slower; a request that cannot start within
``QUEUE_WAIT_S`` gets a 503 with a message instead of waiting without end.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from flask import Flask, abort, current_app

MAX_CONCURRENT_SEARCHES = 2
"""Searches, concordances and document views (the expensive requests) that may run at the
same time. A search
is mostly Python, and Python runs one thread at a time (its interpreter lock), so more at once
only take turns: 8 clients over the cn-laws mix were served 277–290 requests/s with 2 at once
against 197–226 with 4 (p95 42–43 against 55–65 ms; 1 at once gave 298–337, but one slow
search would then hold up every other). Two, so that a search running into its budget
(``SEARCH_BUDGET_S``) never stops the others."""
QUEUE_WAIT_S = 10.0
"""Seconds a request waits for a free search slot before it is answered 503."""


@contextmanager
def expensive():
    """Hold one of the app's search slots while the block runs.

    Raises:
        werkzeug.exceptions.ServiceUnavailable: (503) no slot came free in ``QUEUE_WAIT_S``.
    """
    slots: threading.BoundedSemaphore = current_app.extensions["zhsearch.slots"]
    if not slots.acquire(timeout=current_app.config["QUEUE_WAIT_S"]):
        abort(503, description="服务繁忙：同时进行的查询太多，请稍后再试。")
    try:
        yield
    finally:
        slots.release()


def budget_s() -> float:
    """Seconds one search may spend matching (``SEARCH_BUDGET_S`` in the app's config)."""
    return current_app.config["SEARCH_BUDGET_S"]


def init_app(app: Flask) -> None:
    """Create the app's search slots (``MAX_CONCURRENT_SEARCHES`` in its config)."""
    app.extensions["zhsearch.slots"] = threading.BoundedSemaphore(
        app.config["MAX_CONCURRENT_SEARCHES"])
