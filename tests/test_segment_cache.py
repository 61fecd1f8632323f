"""Per-segment caches (indexer/segment_cache.py) hold exactly what Whoosh's per-document API
returns."""

from __future__ import annotations

import shutil

import whoosh.writing

import indexer
from indexer import indexing
from indexer.postings import codes, stored_record
from indexer.segment_cache import field_lengths


def two_segment_index(tmp_path, seeds_dir, corpus_dir, monkeypatch):
    monkeypatch.setattr(indexing, "BUILD_BATCH", 4)
    monkeypatch.setattr(indexing, "MAX_DELETED_SHARE", 1.0)  # keep the deleted documents
    # and keep Whoosh from merging the small segment that holds them (which drops them)
    monkeypatch.setattr(whoosh.writing, "MERGE_SMALL", whoosh.writing.NO_MERGE)
    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir, seeds)
    shutil.copytree(corpus_dir, seeds / "corpus")
    indexer.update(seeds, tmp_path / "ix", procs=2)
    # one file added and one deleted: a third segment and deleted documents
    (seeds / "corpus" / "追加.md").write_text("# 追加\n\n追加的一段文字。\n", encoding="utf-8")
    (seeds / "corpus" / "cases.md").unlink()  # a file with sections (bad-bytes.txt has none)
    indexer.update(seeds, tmp_path / "ix")
    handle = indexer.open_index(tmp_path / "ix")
    with handle.ix.searcher() as s:
        assert len(s.reader().leaf_readers()) >= 2 and s.doc_count() < s.doc_count_all()
    return handle


def test_cached_values_equal_whoosh_per_document_reads(tmp_path, seeds_dir, corpus_dir,
                                                      monkeypatch):
    handle = two_segment_index(tmp_path, seeds_dir, corpus_dir, monkeypatch)
    with handle.ix.searcher() as searcher:
        leaves = searcher.reader().leaf_readers()
        assert len(leaves) >= 2
        for reader, _ in leaves:
            for field in ("body", "heading", "chars", "grams", "heading_grams"):
                expected = [reader.doc_field_length(d, field, 1)
                            for d in range(reader.doc_count_all())]
                assert field_lengths(reader, field) == expected
                assert field_lengths(reader, field) is field_lengths(reader, field)
        assert field_lengths(searcher.reader(), "body") is None or len(leaves) == 1
        for field in ("doc_id", "article_key"):
            for reader, _ in leaves:
                expected = list(reader.column_reader(field))
                values, per_doc = codes(reader, field)
                assert [values[c] for c in per_doc.tolist()] == expected
        for reader, offset in leaves:  # a hit's record, read past Whoosh's schema filter
            for d in range(reader.doc_count_all()):
                record = stored_record(reader, d)
                assert record == searcher.stored_fields(offset + d) != {}
                assert record is not stored_record(reader, d)  # each caller's own
    handle.ix.close()


def test_cached_values_are_bounded_by_memory(tmp_path, seeds_dir, monkeypatch):
    """Text columns of an index no longer used leave the cache once newer ones need the room
    (a server rebuilt many times kept every generation's columns)."""
    from indexer import postings, segment_cache

    monkeypatch.setattr(segment_cache, "MAX_BYTES", 1)
    keys = []
    for i in range(3):
        indexer.update(seeds_dir, tmp_path / f"ix{i}")
        handle = indexer.open_index(tmp_path / f"ix{i}")
        with handle.ix.searcher() as s:
            reader = s.reader().leaf_readers()[0][0]
            assert postings.column_texts(reader, "norm_text")
            keys.append((*segment_cache.segment_key(reader), "texts:norm_text"))
        handle.ix.close()
    assert keys[-1] in segment_cache._cache
    assert keys[0] not in segment_cache._cache and keys[1] not in segment_cache._cache
    assert len(segment_cache._cache) == 1
