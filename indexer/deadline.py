"""A hard time limit for a block of pure-Python work in the current thread.

Whoosh's matchers cannot be interrupted between documents from outside: a phrase over a
pathological text (300,000 repeats of one character) spends minutes inside one document's
position lists. :func:`hard_deadline` starts a timer thread that, when the time is up, raises
:class:`indexer.searcher.OutOfTime`'s base (:class:`TimeUp`) in the working thread with
CPython's ``PyThreadState_SetAsyncExc`` (the documented C API behind "killable threads"; the
exception arrives between two bytecodes, so ``finally`` blocks and ``with`` exits still run).
A lock makes sure it is never raised after the block has ended.
"""

from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager


class TimeUp(Exception):
    """The hard deadline of :func:`hard_deadline` passed inside the block."""


@contextmanager
def hard_deadline(seconds: float | None, exc: type[BaseException] = TimeUp):
    """Run the ``with`` block; if it is still running after ``seconds``, raise ``exc`` in it.

    Args:
        seconds: the time limit (None: no limit).
        exc: the exception class raised into the block (a subclass of :class:`TimeUp` lets the
            caller tell it from its own errors).
    Raises:
        exc: when the time ran out (raise it from the block, or catch it around this manager).
    """
    if seconds is None:
        yield
        return
    target = threading.get_ident()
    guard = threading.Lock()
    state = {"done": False}

    def fire():
        with guard:
            if not state["done"]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(exc))

    timer = threading.Timer(max(0.0, seconds), fire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with guard:
            state["done"] = True
        timer.cancel()
