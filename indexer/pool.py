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
        segment files held open: :func:`indexer.storage.hold_segment_files`). When the idle
        one taken is behind the index, every idle one behind it is closed too (each holds
        the files of the segments an update deleted). Raises what ``ix.searcher()`` raises,
        or ``OSError`` when the files cannot be opened (too many open files): nothing is left
        open then. Its Whoosh weighting is never used: scores come from
        :mod:`indexer.matching`."""
        with self._lock:
            searcher = self._idle.pop() if self._idle else None
        if searcher is not None:
            if _up_to_date(searcher):
                return searcher
            _close(searcher)
            # an update came: the other idle searchers may hold the files it deleted
            self._close_stale()
        for attempt in range(OPEN_ATTEMPTS):
            searcher = ix.searcher()
            try:
                hold_segment_files(searcher)
            except FileNotFoundError:  # an update removed a segment meanwhile: open anew
                _close(searcher)
                if attempt == OPEN_ATTEMPTS - 1:
                    raise
                continue
            except BaseException:  # out of file descriptors, say: close what it opened
                _close(searcher)
                raise
            # an update that committed before the files were listed may have deleted some
            # unseen: the searcher is then behind already; open anew (the last one serves)
            if attempt == OPEN_ATTEMPTS - 1 or _up_to_date(searcher):
                return searcher
            _close(searcher)

    def _close_stale(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        fresh = []
        for searcher in idle:
            if _up_to_date(searcher):
                fresh.append(searcher)
            else:
                _close(searcher)
        with self._lock:
            self._idle.extend(fresh)

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


def _up_to_date(searcher) -> bool:
    try:
        return searcher.up_to_date()
    except Exception:  # noqa: BLE001 -- an unreadable state means: open a new one
        return False


def _close(searcher) -> None:
    try:
        searcher.close()
    except Exception:  # noqa: BLE001 -- closing is best effort
        pass
