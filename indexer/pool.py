"""Idle Whoosh searchers of one opened index, reused from request to request.

Opening a searcher reads the table of contents and opens every segment's files; the first
stored-field read of each segment then loads that segment's offsets (20,000 of them on cn-laws).
On cn-laws that was about a fifth of a search. A searcher is not safe to share between
threads, so each request takes one out of the pool and gives it back when done; a searcher
that is behind the index on disk is closed and a new one opened. (Not ``Searcher.refresh()``:
in whoosh-reloaded 2.7.5 it keeps the old searcher's segments beside the new ones and matches
reused readers by segment id alone, so after a change or a deletion the refreshed searcher
still returned retired sections, twice over.)
"""

from __future__ import annotations

import threading

from .storage import hold_segment_files

MAX_IDLE = 8
"""Idle searchers kept at most (one per waitress worker thread)."""
OPEN_ATTEMPTS = 3
"""Times a new searcher is opened when an update removes its segments while it opens."""


class SearcherPool:
    """Searchers of one Whoosh index: :meth:`take` one, :meth:`give` it back."""

    def __init__(self):
        self._idle: list = []
        self._lock = threading.Lock()

    def take(self, ix):
        """An up-to-date searcher of ``ix`` (reused when one is idle, else opened, with its
        segment files held open: :func:`indexer.storage.hold_segment_files`). Raises what
        ``ix.searcher()`` raises. Its Whoosh weighting is never used: scores come from
        :mod:`indexer.matching`."""
        with self._lock:
            searcher = self._idle.pop() if self._idle else None
        if searcher is not None:
            try:
                if searcher.up_to_date():
                    return searcher
            except Exception:  # noqa: BLE001 -- an unreadable state means: open a new one
                pass
            _close(searcher)
        for attempt in range(OPEN_ATTEMPTS):
            searcher = ix.searcher()
            try:
                hold_segment_files(searcher)
                return searcher
            except FileNotFoundError:  # an update removed a segment meanwhile: open anew
                _close(searcher)
                if attempt == OPEN_ATTEMPTS - 1:
                    raise

    def give(self, searcher) -> None:
        """Return ``searcher`` for reuse (closed instead when the pool is full)."""
        with self._lock:
            if len(self._idle) < MAX_IDLE:
                self._idle.append(searcher)
                return
        _close(searcher)

    def __del__(self):
        # the handle holding the pool was dropped: close the files now rather than leave
        # them to the garbage collector (which warns about each open file)
        self.close()

    def close(self) -> None:
        """Close every idle searcher."""
        with self._lock:
            idle, self._idle = self._idle, []
        for searcher in idle:
            _close(searcher)


def _close(searcher) -> None:
    try:
        searcher.close()
    except Exception:  # noqa: BLE001 -- closing is best effort
        pass
