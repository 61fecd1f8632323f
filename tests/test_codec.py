"""The segment codec (indexer/codec.py): packed posting blocks read back the same through
Whoosh's own matchers, through our parse of their extents and from the segment's posting
arrays."""

from __future__ import annotations

import pickle
from array import array

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import TEXT, Schema

from indexer import postings
from indexer.codec import PACK_MIN, SectionCodec, packed


@pytest.mark.parametrize("values, code", [
    ([0, 1, 255], "B"), ([3, 256, 7], "H"), ([1, 70000], "I"), ([1.5, 2.25, 0.125], "f"),
    ([2.0, 3.0], "B"), ([], "B"),
])
def test_packed_arrays_pickle_to_their_values_under_whooshs_protocol(values, code):
    a = packed(np.asarray(values, np.float64))
    assert a.typecode == code
    back = pickle.loads(pickle.dumps(a, 2))
    assert type(back) is array and list(back) == values


def _walk(reader, field, term):
    m = reader._terms.matcher(field, term.encode(), reader.schema[field].format)
    ids, weights, blocks = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        if m._data is not None and m._data[0] not in blocks:
            blocks.append(m._data[0])
        m.next()
    return ids, weights, blocks


def test_packed_blocks_read_back_through_whoosh_and_our_arrays(tmp_path, monkeypatch):
    schema = Schema(body=TEXT(analyzer=SpaceSeparatedTokenizer()))
    ix = whoosh_index.create_in(str(tmp_path), schema)
    writer = ix.writer(codec=SectionCodec(), compound=False)  # as indexer.indexing writes
    n = 3000
    for d in range(n):
        words = ["every"] * (d % 7 + 1)  # frequencies 1..7: weights differ within a block
        if d % 300 == 0:
            words.append("sparse")  # deltas of 300 need two bytes
        if d % 2 == 0:
            words.append("even")  # all weights 1.0: Whoosh's None stays
        if d == 17:
            words.append("once")  # a block far shorter than PACK_MIN keeps Whoosh's tuple
        writer.add_document(body=" ".join(words))
    writer.commit()
    expect = {
        "every": (list(range(n)), [d % 7 + 1 for d in range(n)]),
        "sparse": (list(range(0, n, 300)), [1] * 10),
        "even": (list(range(0, n, 2)), [1] * (n // 2)),
        "once": ([17], [1]),
    }
    with ix.searcher() as s:
        reader = s.reader()

        def walked(*args, **kwargs):
            raise AssertionError("posting list walked through the matcher, not parsed whole")
        monkeypatch.setattr(type(reader), "postings", walked)
        from_file = postings.posting_arrays(reader)
        assert from_file is not None  # the segment's posting arrays (indexer.posting_arrays)
        # without them, our arrays come from the term's extent, parsed whole
        # (postings._read_extent)
        monkeypatch.setattr(postings, "posting_arrays", lambda reader: None)
        for term, (ids, weights) in expect.items():
            got_ids, got_weights, blocks = _walk(reader, "body", term)
            assert got_ids == ids and got_weights == weights, term
            arrays = postings._read(reader, "body", term)
            assert arrays.ids.tolist() == ids
            assert np.array_equal(arrays.weights, np.asarray(weights, np.float64))
            file_ids, file_weights = from_file.postings("body", term.encode())
            assert file_ids.tolist() == ids and file_weights.tolist() == weights
            packed_blocks = [b for b in blocks if isinstance(b, array)]
            if term in ("every", "even"):  # thousands of postings: every block packed
                assert packed_blocks and len(packed_blocks) == len(blocks), term
            else:  # 10 and 1 postings, under PACK_MIN
                assert len(ids) < PACK_MIN and not packed_blocks, term
    ix.close()


def test_the_section_text_column_is_opened_from_stored_offsets(tmp_path, seeds_dir):
    """The ``text`` column writes its offsets, so a new searcher opens it without adding up
    every section's length in Python (Whoosh writes them only past 32,768 documents)."""
    import indexer

    indexer.update(seeds_dir, tmp_path / "ix")
    handle = indexer.open_index(tmp_path / "ix")
    with handle.ix.searcher() as s:
        for reader, _ in s.reader().leaf_readers():
            column = reader._perdoc._cached_reader("text", reader.schema["text"].column_type)
            assert column.had_stored_offsets
    handle.ix.close()
