"""Progress of an update as its caller shows it: a bar on a terminal, log lines otherwise.

Used by both command lines: ``python -m indexer`` and ``python -m webapp``, whose first start
may build a large collection's index for minutes.
"""

from __future__ import annotations

import os
import sys
import time

from .indexing import Progress


def _seconds(text: str | None, default: float) -> float:
    """``text`` read as seconds, or ``default`` when it is unset or not a number: a typo in
    an environment variable must not stop the service from starting (breaker)."""
    try:
        return float(text) if text is not None else default
    except ValueError:
        return default


LOG_EVERY_S = _seconds(os.environ.get("ZHSEARCH_LOG_EVERY_S"), 5.0)
"""Without a terminal, a progress line at most this often (seconds; env ZHSEARCH_LOG_EVERY_S;
5 when unset or not a number)."""


def make_progress(stream=None) -> tuple[Progress, callable]:
    """A progress callback for :func:`indexer.update`: a tqdm bar on a terminal, plain log
    lines otherwise, on ``stream`` (None: ``sys.stdout`` as it is when called, not as it was
    when this module was imported). Returns ``(callback, close)``."""
    stream = sys.stdout if stream is None else stream
    state: dict = {"bar": None, "last": 0.0}

    def progress(done: int, total: int, path: str) -> None:
        if stream.isatty():
            if state["bar"] is None:
                from tqdm import tqdm

                state["bar"] = tqdm(total=total, unit="file", file=stream, leave=False)
            state["bar"].update(1)
        elif time.monotonic() - state["last"] >= LOG_EVERY_S or done == total:
            state["last"] = time.monotonic()
            print(f"analyzed {done}/{total} files ({path})", file=stream, flush=True)

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].close()
            state["bar"] = None

    return progress, close
