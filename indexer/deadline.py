"""A hard time limit for a block of pure-Python work in the current thread.

Whoosh's matchers cannot be interrupted between documents from outside: a phrase over a
pathological text (300,000 repeats of one character) spends minutes inside one document's
position lists. :class:`hard_deadline` registers the block with one watchdog thread (shared by
every block of the process: starting a thread per search cost 5% of a search) that, when the
time is up, raises :class:`TimeUp` (or a subclass) in the working thread with CPython's
``PyThreadState_SetAsyncExc`` (the documented C API behind "killable threads"; the exception
arrives between two bytecodes, so ``finally`` blocks and ``with`` exits still run).

Python drops an exception that lands in a garbage-collector callback or a ``__del__``, so it
is raised again every :data:`REPEAT_S` seconds, at most :data:`MAX_RAISES` times, while the
block runs. Python also reports each dropped one through ``sys.unraisablehook`` ("Exception
ignored in …" on stderr, a failure under pytest): the hook is wrapped to pass over those,
since the raise that follows does the work. When the block ends (``__exit__``, or :meth:`hard_deadline.finish` for a caller
whose ``with`` exit was itself interrupted), no more are raised and one still pending is
cleared, so none arrives after the block.
"""

from __future__ import annotations

import ctypes
import heapq
import itertools
import os
import sys
import threading
import time


class TimeUp(BaseException):
    """The hard deadline passed inside the block. A BaseException, like KeyboardInterrupt, so
    that no ``except Exception`` on the way (Whoosh has some) swallows it."""


REPEAT_S = 0.25
"""Seconds between two raises while the block still runs."""
MAX_RAISES = 8
"""Raises at most (about 2 s of trying)."""


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None)


def _passes_over_time_up(hook):
    """``hook`` (a ``sys.unraisablehook``) wrapped to ignore a dropped :class:`TimeUp`."""
    def wrapped(unraisable):
        if unraisable.exc_type is None or not issubclass(unraisable.exc_type, TimeUp):
            hook(unraisable)
    wrapped.passes_over_time_up = True
    return wrapped


def _quiet_dropped_raises() -> None:
    # checked at each raise rather than once: a program (or a test) may set its own hook later
    if not getattr(sys.unraisablehook, "passes_over_time_up", False):
        sys.unraisablehook = _passes_over_time_up(sys.unraisablehook)


class _Watchdog:
    """One daemon thread raising into the blocks whose time is up (earliest first)."""

    def __init__(self):
        self._due: list[tuple[float, int, "hard_deadline"]] = []
        self._order = itertools.count()
        self._wake = threading.Condition()
        self._pid = None

    def watch(self, block: "hard_deadline", at: float) -> None:
        with self._wake:
            if self._pid != os.getpid():  # first use, or a forked child (threads do not fork)
                self._pid = os.getpid()
                self._due = []
                threading.Thread(target=self._run, daemon=True, name="hard-deadline").start()
            # the watchdog sleeps until the earliest deadline (ended blocks included, popped
            # when it wakes), so only one due earlier needs it woken: waking it for every
            # search cost a thread switch each (3% of a fresh server's search time)
            earliest = not self._due or at < self._due[0][0]
            heapq.heappush(self._due, (at, next(self._order), block))
            if earliest:
                self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._due and self._due[0][2]._done:
                    heapq.heappop(self._due)  # ended in time: forget it
                if not self._due:
                    self._wake.wait()
                    continue
                at, _, block = self._due[0]
                now = time.monotonic()
                if at > now:
                    self._wake.wait(at - now)
                    continue
                heapq.heappop(self._due)
                if block._raise() and block._raised < MAX_RAISES:
                    heapq.heappush(self._due, (now + REPEAT_S, next(self._order), block))


_watchdog = _Watchdog()


class hard_deadline:  # noqa: N801 - used like a function: ``with hard_deadline(2.0): …``
    """Context manager: if the ``with`` block still runs after ``seconds``, raise ``exc`` in it.

    Args:
        seconds: the time limit (None: no limit).
        exc: the exception class raised into the block, a subclass of :class:`TimeUp`.
    Raises:
        exc: when the time ran out (catch it around the ``with`` statement: it can surface
            as the block ends).
    """

    def __init__(self, seconds: float | None, exc: type[TimeUp] = TimeUp):
        self.seconds, self.exc = seconds, exc
        self._guard = threading.Lock()
        self._done = False
        self._raised = 0

    def _raise(self) -> bool:
        """Raise into the block unless it ended; whether it was raised."""
        with self._guard:
            if self._done:
                return False
            _quiet_dropped_raises()
            _set_async_exc(self._target, self.exc)
            self._raised += 1
            return True

    def __enter__(self) -> "hard_deadline":
        if self.seconds is not None:
            self._target = threading.get_ident()
            _watchdog.watch(self, time.monotonic() + self.seconds)
        return self

    def __exit__(self, *exc_info) -> bool:
        self.finish()
        return False

    def finish(self) -> None:
        """No more raises; clear one not yet delivered. Idempotent: call it again from a
        ``finally`` around the ``with`` in case the exit itself was interrupted."""
        if self.seconds is None:
            return
        with self._guard:
            self._done = True
            # NULL clears a raise not yet delivered; only called when one was raised: under a
            # profiler or tracer (sys.setprofile) CPython 3.11 loops forever after it
            if self._raised:
                _set_async_exc(self._target, None)
