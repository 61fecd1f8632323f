"""One search session per request, closed at teardown (as ``get_db`` in the Flask tutorial).

The opened index is kept between requests and reopened when the live generation changes, so
a rebuild shows on the next request without a restart.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app, g

import indexer

_lock = threading.Lock()


def _handle(warm_now: bool = False) -> indexer.IndexHandle:
    ext = current_app.extensions
    index_dir = current_app.config["INDEX_DIR"]
    handle = ext.get("zhsearch.handle")
    if handle is None or not indexer.is_current(index_dir, handle.generation, handle.current_key):
        with _lock:
            handle = ext.get("zhsearch.handle")
            if handle is None or not indexer.is_current(index_dir, handle.generation,
                                                        handle.current_key):
                handle = indexer.open_index(index_dir)
                if warm_now:  # a damaged index is refused here, before any request sees it
                    try:
                        with indexer.SearchSession(handle) as session:
                            session.warm()
                    except BaseException:
                        handle.searchers.close()
                        raise
                ext["zhsearch.handle"] = handle
                if not warm_now:
                    warming = threading.Thread(target=_warm, args=(handle,), daemon=True,
                                               name="index-warm-up")
                    ext["zhsearch.warming"] = warming
                    warming.start()
    return handle


def close_index(app: Flask, timeout_s: float = 60.0) -> None:
    """Close the index ``app`` has opened: wait (up to ``timeout_s`` seconds) for its warm-up
    to finish, then close its idle searchers and the files they hold. For programs and tests
    that make apps and let them go (the files would otherwise stay open until garbage
    collection); a later request opens the index again."""
    warming = app.extensions.pop("zhsearch.warming", None)
    if warming is not None:
        warming.join(timeout_s)
    handle = app.extensions.pop("zhsearch.handle", None)
    if handle is not None:
        handle.searchers.close()


def _warm(handle: indexer.IndexHandle) -> None:
    """Preload a newly opened index's analyzer and per-segment data, so the first searches
    after a start or a rebuild are as fast as the rest."""
    try:
        with indexer.SearchSession(handle) as session:
            session.warm()
    except Exception:  # noqa: BLE001 -- best effort: a search loads what it needs itself
        pass


def open_now(app: Flask) -> None:
    """Open the index and preload what searches need before the first request (about half
    a second on cn-laws, mostly jieba's dictionary, which the first query needs anyway); an
    index switched in later is warmed up in the background while the old one serves.

    Raises:
        indexer.IndexDamagedError: the index's files cannot be read (see
            :meth:`indexer.SearchSession.warm`); nothing was kept open.
    """
    with app.app_context():
        try:
            _handle(warm_now=True)
        except indexer.IndexMissingError:
            pass  # the first request says so


def get_session() -> indexer.SearchSession:
    """This request's :class:`indexer.SearchSession` (opened on first use).

    Raises:
        indexer.IndexMissingError: no index has been built in ``INDEX_DIR``.
    """
    if "search_session" not in g:
        g.search_session = indexer.SearchSession(_handle())
    return g.search_session


def index_status() -> indexer.IndexStatus:
    """The live index's state (:class:`indexer.IndexStatus`), its metadata read afresh (an
    incremental update rewrites it in place): build and update times, documents, sections,
    files, failures, generation.

    Raises:
        indexer.IndexMissingError: no index has been built in ``INDEX_DIR``.
    """
    handle = _handle()
    meta = indexer.read_meta(current_app.config["INDEX_DIR"]) or handle.meta
    return indexer.index_status(meta, handle.generation)


def close_session(exc=None) -> None:
    """Teardown handler: close the request's search session (``g.search_session``), if one was
    opened, releasing its searcher's open files. ``exc`` (the request's exception) is ignored."""
    session = g.pop("search_session", None)
    if session is not None:
        session.close()


def init_app(app: Flask) -> None:
    """Close the request's session at teardown."""
    app.teardown_appcontext(close_session)
