"""A hard time limit for a block of pure-Python work in the current thread.

Whoosh's matchers cannot be interrupted between documents from outside: a phrase over a
pathological text (300,000 repeats of one character) spends minutes inside one document's
position lists. :func:`hard_deadline` starts a timer thread that, when the time is up, raises
:class:`TimeUp` (or a subclass) in the working thread with
CPython's ``PyThreadState_SetAsyncExc`` (the documented C API behind "killable threads"; the
exception arrives between two bytecodes, so ``finally`` blocks and ``with`` exits still run).
A lock makes sure it is never raised after the block has ended.
"""

from __future__ import annotations

import ctypes
import threading
from contextlib import contextmanager


class TimeUp(BaseException):
    """The hard deadline of :func:`hard_deadline` passed inside the block. A BaseException,
    like KeyboardInterrupt, so that no ``except Exception`` on the way (Whoosh has some)
    swallows it."""


REPEAT_S = 0.25
"""If the block is still running this long after the exception was raised (something caught
it, or it arrived in a garbage-collector callback, where Python reports and drops it), it is
raised again."""


@contextmanager
def hard_deadline(seconds: float | None, exc: type[BaseException] = TimeUp):
    """Run the ``with`` block; if it is still running after ``seconds``, raise ``exc`` in it.

    Args:
        seconds: the time limit (None: no limit).
        exc: the exception class raised into the block, a subclass of :class:`TimeUp` (raised
            again every :data:`REPEAT_S` seconds until the block ends).
    Raises:
        exc: when the time ran out (raise it from the block, or catch it around this manager).
    """
    if seconds is None:
        yield
        return
    target = threading.get_ident()
    guard = threading.Lock()
    state = {"done": False}

    stop = threading.Event()

    def fire():
        if stop.wait(max(0.0, seconds)):
            return
        while True:
            with guard:
                if state["done"]:
                    return
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target),
                                                           ctypes.py_object(exc))
            if stop.wait(REPEAT_S):
                return

    timer = threading.Thread(target=fire, daemon=True, name="hard-deadline")
    timer.start()
    try:
        yield
    finally:
        while True:  # a raise pending from just before the end must not arrive later
            try:
                with guard:
                    state["done"] = True
                    # NULL clears an exception set but not yet delivered
                    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), None)
                break
            except TimeUp:
                continue
        stop.set()
