"""The searcher pool (indexer/pool.py) with updates that merge segments: no searcher answers
from files it does not hold, none leaks descriptors, none keeps deleted files open for long."""

from __future__ import annotations

import errno
import os

import pytest

import indexer
from indexer import pool

from . import oracle
from .test_incremental import PARAGRAPHS, write


def _seeds(tmp_path, n=12):
    seeds = tmp_path / "seeds"
    for k in range(n):
        write(seeds / f"{k:02}.txt", [f"第{k}号文件说明公安机关依法打击犯罪。", PARAGRAPHS[1 + k % 8]])
    indexer.update(seeds, tmp_path / "ix")
    return seeds


def _open_fds() -> list[str]:
    return [os.readlink(f"/proc/self/fd/{fd}") for fd in os.listdir("/proc/self/fd")
            if os.path.exists(f"/proc/self/fd/{fd}")]


def test_an_update_between_opening_and_holding_files_opens_a_new_searcher(tmp_path, monkeypatch):
    """A merging update that commits after ``ix.searcher()`` read the table of contents but
    before the searcher's files are listed deletes files the listing never sees: the pool
    must notice the searcher is behind and open a new one."""
    seeds = _seeds(tmp_path)
    handle = indexer.open_index(tmp_path / "ix")
    real = pool.hold_segment_files
    updates = []

    def update_first(searcher):
        if not updates:
            for k in range(6):  # over MAX_DELETED_SHARE: everything is merged
                (seeds / f"{k:02}.txt").unlink()
            updates.append(indexer.update(seeds, tmp_path / "ix"))
        return real(searcher)

    monkeypatch.setattr(pool, "hold_segment_files", update_first)
    with indexer.SearchSession(handle) as session:
        assert updates  # the case under test
        for q in ("公安机关", "第7号", "积案"):
            parsed = indexer.parse_query(q)
            want = oracle.unquoted(oracle.load_sections(seeds), q)
            page = session.search(parsed, per_page=100)
            assert {h.section_id for h in page.hits} == want and page.total == len(want), q
    handle.searchers.close()


def test_a_searcher_that_cannot_hold_its_files_is_closed(tmp_path, monkeypatch):
    """Out of file descriptors while holding files: the half-opened searcher is closed at
    once (it used to keep its files until the cycle collector ran), and the error is
    raised."""
    _seeds(tmp_path)
    handle = indexer.open_index(tmp_path / "ix")
    real = pool.hold_segment_files

    def fail_after_opening(searcher):
        real(searcher)
        raise OSError(errno.EMFILE, "Too many open files")

    ix_files = str(tmp_path / "ix")
    before = [f for f in _open_fds() if f.startswith(ix_files)]
    monkeypatch.setattr(pool, "hold_segment_files", fail_after_opening)
    with pytest.raises(OSError):
        handle.searchers.take(handle.ix)
    assert [f for f in _open_fds() if f.startswith(ix_files)] == before


def test_idle_searchers_behind_an_update_let_go_of_its_deleted_files(tmp_path):
    seeds = _seeds(tmp_path)
    handle = indexer.open_index(tmp_path / "ix")
    taken = [handle.searchers.take(handle.ix) for _ in range(3)]
    for searcher in taken:
        handle.searchers.give(searcher)
    for k in range(6):
        (seeds / f"{k:02}.txt").unlink()
    indexer.update(seeds, tmp_path / "ix")
    ix_files = str(tmp_path / "ix")
    assert any(f.startswith(ix_files) and f.endswith("(deleted)") for f in _open_fds())
    fresh = handle.searchers.take(handle.ix)
    assert not [f for f in _open_fds() if f.startswith(ix_files) and f.endswith("(deleted)")]
    handle.searchers.give(fresh)
    handle.searchers.close()
