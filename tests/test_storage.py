"""Segment files are read with positional reads (``indexer.storage``): the same bytes as
Whoosh's seek-and-read, and the file position left alone."""

from __future__ import annotations

import random

from whoosh.filedb.structfile import StructFile

import indexer
from indexer.storage import PositionalFile, PositionalFileStorage


def test_positional_reads_give_the_bytes_seek_and_read_give(seed_index):
    handle = indexer.open_index(seed_index)
    storage = handle.ix.storage
    assert isinstance(storage, PositionalFileStorage)
    names = [n for n in storage.list() if n.endswith((".trm", ".pst", "_stored.col"))]
    assert len(names) >= 3
    rng = random.Random(7)
    for name in names:
        size = storage.file_length(name)
        ours = storage.open_file(name)
        assert isinstance(ours, PositionalFile)
        whooshs = StructFile(open(storage._fpath(name), "rb"))
        try:
            ours.seek(5)
            for _ in range(300):
                position = rng.randrange(size)
                length = rng.choice([1, 4, 16, 300, size])  # past the end: what is there
                assert ours.get(position, length) == whooshs.get(position, length)
            assert ours.tell() == 5  # a positional read does not move a read in progress
            assert ours.get_uint(0) == whooshs.get_uint(0)
        finally:
            ours.close()
            whooshs.close()


def test_searches_read_through_positional_files(seed_session):
    files = []
    for reader, _ in seed_session._searcher.reader().leaf_readers():
        reader.stored_fields(0)  # opens the stored-fields column file
        files += [reader._terms._dbfile, reader._terms._postfile,
                  *(entry[0] for entry in reader._perdoc._colfiles.values())]
    assert files and all(isinstance(f, PositionalFile) for f in files)


def _advised(monkeypatch) -> list[tuple[int, int, int]]:
    """Record every ``posix_fadvise(fd, offset, length, WILLNEED)`` call (and still make it)."""
    import os

    calls = []
    real = os.posix_fadvise

    def record(fd, offset, length, advice):
        if advice == os.POSIX_FADV_WILLNEED:
            calls.append((os.fstat(fd).st_ino, offset, length))
        return real(fd, offset, length, advice)

    monkeypatch.setattr(os, "posix_fadvise", record)
    return calls


def test_read_ahead_asks_for_every_chunk_of_the_file(tmp_path, monkeypatch):
    """One call per READ_AHEAD_CHUNK, together covering the whole file (Linux reads at most
    its read-ahead window per call)."""
    from indexer import storage

    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * (storage.READ_AHEAD_CHUNK * 2 + 100))
    calls = _advised(monkeypatch)
    with open(path, "rb") as f:
        storage.read_ahead(f.fileno())
    assert [(off, n) for _, off, n in calls] == [
        (k * storage.READ_AHEAD_CHUNK, storage.READ_AHEAD_CHUNK) for k in range(3)]


def test_warm_up_reads_ahead_the_text_and_stored_field_columns(seed_index, monkeypatch):
    """A warm-up asks for each segment's section-text and stored-fields column files whole
    (each hit reads its section's text and record from them), and for no other column."""
    import os

    from indexer.segment_cache import segment_leaves

    handle = indexer.open_index(seed_index)
    calls = _advised(monkeypatch)
    with indexer.SearchSession(handle) as session:
        session.warm()
        expected, others = set(), set()
        for reader, _ in segment_leaves(session._searcher):
            for fieldname, (f, _, _) in reader._perdoc._colfiles.items():
                inode = os.fstat(f._fd).st_ino
                (expected if fieldname in ("text", "_stored") else others).add(inode)
    advised = {inode for inode, _, _ in calls}
    assert expected and expected <= advised
    assert not others & advised
