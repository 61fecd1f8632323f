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


def test_a_warmed_up_session_imports_nothing_more_when_it_searches(tmp_path):
    """What searches import on first use is imported by the warm-up (a fresh server's first
    search with two words paid 40 ms importing ``numpy.ma``): in a new interpreter, searches
    that take every path (one character, two words, a long quoted phrase, Traditional
    characters, a section with many matches) import no module after ``warm()``."""
    import json
    import subprocess
    import sys

    from tests.conftest import REPO

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    sentence = "依法治国是发展的保障，人民代表大会依法行使国家权力。"
    (seeds / "law.md").write_text(
        "# 法治文件\n\n## 一、总则\n\n" + sentence * 40 + "\n\n## 二、附则\n\n本办法自公布之日起施行。\n",
        encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    script = """
import json, sys
import indexer
handle = indexer.open_index(sys.argv[1])
with indexer.SearchSession(handle) as session:
    session.warm()
before = set(sys.modules)
counts = []
for q in sys.argv[2:]:
    with indexer.SearchSession(handle) as session:
        page = session.search(session.parse(q), per_page=10)
        counts.append(max([0] + [h.match_count for h in page.hits]))
print(json.dumps({"new": sorted(set(sys.modules) - before), "counts": counts}))
"""
    queries = ["法", "发展 人民", '"' + sentence * 3 + '"', "國家 發展", "施行"]
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "ix"), *queries],
                         cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout)
    assert all(result["counts"]), result  # every query found its section
    # a snippet placed with arrays (highlight._choose_many: 64 matches or more)
    assert result["counts"][0] == 40 * sentence.count("法") >= 64
    assert result["new"] == []
