"""The term-grouped posting pool (indexer/writers.py) gives Whoosh's sorted order, in memory and
through spilled runs, and a segment written with it equals one written by Whoosh's writer."""

from __future__ import annotations

import random

from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from indexer.writers import GroupedSegmentWriter, TermGroupedPool


def _postings(seed: int, docs: int = 400):
    """Postings as a segment writer adds them: document by document, in number order."""
    rng = random.Random(seed)
    items = []
    for docnum in range(docs):
        for field in ("body", "grams"):
            for term in rng.sample(range(60), rng.randint(1, 12)):
                vbytes = bytes([term % 7]) * (term % 3) if field == "body" else None
                items.append((field, f"t{term}".encode(), docnum, float(rng.randint(1, 4)), vbytes))
    return items


def test_the_pool_yields_postings_in_whooshs_sorted_order(tmp_path):
    store = FileStorage(str(tmp_path)).create()
    for seed in range(3):
        items = _postings(seed)
        for limit in (None, 20_000):  # all in memory; spilled to several runs and merged
            pool = TermGroupedPool(store, None)
            if limit:
                pool.limit = limit
            for item in items:
                pool.add(item)
            assert (len(pool.runs) > 1) == bool(limit)
            got = list(pool.iter_postings())
            pool.cleanup()
            assert got == sorted(items), (seed, limit)


def _digest(ix) -> list:
    with ix.searcher() as s:
        r = s.reader()
        out = []
        for field in ("body", "sid"):
            for t in r.lexicon(field):
                m = r.postings(field, t)
                while m.is_active():
                    out.append((field, t, m.id(), m.weight(), m.value()))
                    m.next()
        return out


def test_a_segment_written_with_the_pool_equals_whooshs(tmp_path):
    schema = Schema(sid=ID(stored=True), body=TEXT(analyzer=SpaceSeparatedTokenizer(),
                                                   stored=True))
    rng = random.Random(7)
    docs = [" ".join(f"w{rng.randint(0, 80)}" for _ in range(rng.randint(1, 30)))
            for _ in range(500)]
    built = []
    for name, writer_class in (("whoosh", SegmentWriter), ("grouped", GroupedSegmentWriter)):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), schema)
        writer = writer_class(ix, limitmb=1)  # 1 MB: the grouped pool spills runs too
        if name == "grouped":
            writer.pool.limit = 50_000
        for k, text in enumerate(docs):
            writer.add_document(sid=str(k), body=text)
        writer.commit()
        built.append(_digest(ix))
        ix.close()
    assert built[0] and built[0] == built[1]
