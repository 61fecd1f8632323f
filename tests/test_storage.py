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
