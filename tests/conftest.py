"""Fixtures, chained as in the Flask tutorial: corpus folder → built index → app → client.

Indexes are built once per session into temporary folders; tests that change an index build
their own copy.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import waitress
from waitress import wasyncore

import indexer
import webapp
from webapp import create_app
from webapp.index_access import close_index

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
CORPUS = Path(__file__).resolve().parent / "corpus"


def small_index(tmp_path: Path, files: dict[str, str]) -> Path:
    """Build an index of ``files`` (name → text, written as UTF-8 into ``tmp_path/seeds``) in
    ``tmp_path/ix`` and return that folder: the set-up of the tests that need a few sections
    of their own."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in files.items():
        (seeds / name).write_text(text, encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    return tmp_path / "ix"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, seeds_dir) -> Path:
    index_dir = tmp_path_factory.mktemp("seed-index")
    indexer.update(seeds_dir, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def corpus_index(tmp_path_factory, corpus_dir) -> Path:
    index_dir = tmp_path_factory.mktemp("corpus-index")
    indexer.update(corpus_dir, index_dir)
    return index_dir


@pytest.fixture(scope="session")
def seed_session(seed_index):
    with indexer.SearchSession(indexer.open_index(seed_index)) as session:
        yield session


@pytest.fixture(scope="session")
def corpus_session(corpus_index):
    with indexer.SearchSession(indexer.open_index(corpus_index)) as session:
        yield session


def _app(seeds, index):
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(index)})
    return app


@pytest.fixture(scope="session")
def app(seeds_dir, seed_index):
    app = _app(seeds_dir, seed_index)
    yield app
    close_index(app)


@pytest.fixture(scope="session")
def corpus_app(corpus_dir, corpus_index):
    app = _app(corpus_dir, corpus_index)
    yield app
    close_index(app)


@pytest.fixture(autouse=True)
def _close_the_apps_a_test_makes(monkeypatch):
    """An app a test makes (``from webapp import create_app`` in its body) holds its index's
    files open until garbage collection, which may come at interpreter exit, where each file
    warns "unclosed file" (an error under this suite's warning filter): close them when the
    test ends."""
    made = []

    def tracking(*args, **kwargs):
        made.append(create_app(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(webapp, "create_app", tracking)
    yield
    for app in made:
        close_index(app)


@pytest.fixture()
def client(app):
    return app.test_client()


@pytest.fixture()
def corpus_client(corpus_app):
    return corpus_app.test_client()


@pytest.fixture(scope="module")
def multi(tmp_path_factory, seeds_dir, corpus_dir):
    """An index of two segments with deleted sections in one of them
    (``tests.test_segment_cache.two_segment_index``)."""
    from .test_segment_cache import two_segment_index

    mp = pytest.MonkeyPatch()
    handle = two_segment_index(tmp_path_factory.mktemp("multi"), seeds_dir, corpus_dir, mp)
    yield handle
    mp.undo()
    handle.ix.close()


@pytest.fixture(scope="session")
def live_server(app):
    """waitress on 127.0.0.1, a free port, in a thread; stopped at the end of the session."""
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{int(server.effective_port)}"
    finally:
        stop_server(server, thread)


def stop_server(server, thread) -> None:
    """Stop a waitress server run in ``thread``: its worker threads first (a request still
    being answered writes to the wake-up pipe), then every socket, closed by the loop thread
    itself (closed from here, they were closed under a running ``select``: EBADF there)."""
    server.task_dispatcher.shutdown()
    server.trigger.pull_trigger(lambda: wasyncore.close_all(server._map))
    thread.join(timeout=5)
