"""A hard time limit for a block of pure-Python work in the current thread.

Whoosh's matchers cannot be interrupted between documents from outside: a phrase over a
pathological text (300,000 repeats of one character) spends minutes inside one document's
position lists. :class:`hard_deadline` starts a timer thread that, when the time is up, raises
:class:`TimeUp` (or a subclass) once in the working thread with CPython's
``PyThreadState_SetAsyncExc`` (the documented C API behind "killable threads"; the exception
arrives between two bytecodes, so ``finally`` blocks and ``with`` exits still run).

It is raised once only, and a raise still pending when the block ends is cleared: a second
one could arrive after the block, anywhere. The price: if the one raise lands where Python
drops exceptions (a garbage-collector callback, a ``__del__``), that block runs to its end.
"""

from __future__ import annotations

import ctypes
import threading


class TimeUp(BaseException):
    """The hard deadline passed inside the block. A BaseException, like KeyboardInterrupt, so
    that no ``except Exception`` on the way (Whoosh has some) swallows it."""


def _set_async_exc(thread_id: int, exc: type[BaseException] | None) -> None:
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread_id), ctypes.py_object(exc) if exc is not None else None)


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
        self._stop = threading.Event()

    def _fire(self) -> None:
        if self._stop.wait(self.seconds):
            return
        with self._guard:
            if not self._done:
                _set_async_exc(self._target, self.exc)

    def __enter__(self) -> "hard_deadline":
        if self.seconds is not None:
            self._target = threading.get_ident()
            threading.Thread(target=self._fire, daemon=True, name="hard-deadline").start()
        return self

    def __exit__(self, *exc_info) -> bool:
        if self.seconds is None:
            return False
        with self._guard:
            self._done = True
            _set_async_exc(self._target, None)  # NULL clears a raise not yet delivered
        self._stop.set()
        return False
