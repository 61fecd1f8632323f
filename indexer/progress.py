"""Progress of an update as its caller shows it (a bar on a terminal, log lines otherwise), and
its outcome: the summary, changes, notes and failures.

Used by both command lines: ``python -m indexer`` and ``python -m webapp``, whose first start
may build a large collection's index for minutes.
"""

from __future__ import annotations

import os
import sys
import time

from .indexing import Progress, UpdateReport, printable_path


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
            print(f"analyzed {done}/{total} files ({printable_path(path)})", file=stream,
                  flush=True)

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].close()
            state["bar"] = None

    return progress, close


def print_report(report: UpdateReport, index: str, told: set | None = None) -> None:
    """Print what an update did: its summary, each change and note to stdout, each failed
    file to stderr.

    Args:
        report: the update's report.
        index: the index folder, named in the summary line.
        told: the ``(path, reason)`` failures printed before (``--watch``), which are counted
            instead of printed again; the new ones are added to it. None: print them all.
    """
    print(f"index {index}: {report.summary()}", flush=True)
    for line in report.changes():
        print(line, flush=True)
    for note in report.notes():
        print(f"note: {note}", flush=True)
    told = set() if told is None else told
    # --watch printed every failing file again after each change, burying what changed
    failures = [(path, reason) for path, reason in report.failed]
    told.intersection_update(failures)  # one mended and broken again is told again
    for path, reason in failures:
        if (path, reason) not in told:
            print(f"failed: {printable_path(path)}: {reason}", file=sys.stderr)
    again = sum(1 for failure in failures if failure in told)
    if again:
        print(f"note: {again} file(s) still failing, as said before", flush=True)
    told.update(failures)
