"""Posting arrays (indexer/posting_arrays.py): every segment the codec writes carries them,
every term reads back from them as Whoosh's own matcher walks it, and a search without them
(an index written before they existed) finds and ranks exactly the same."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from whoosh.codec.whoosh3 import W3TermsReader

import indexer
from indexer import matching, postings, segment_cache
from indexer.posting_arrays import FieldPostings, PostingArrays, write
from indexer.segment_cache import LRUCache

# the fields searches read postings of; each must be in the arrays
_SEARCHED = ("chars", "grams", "heading_chars", "heading_grams", "body", "heading", "doc_id",
             "article_key")


def _walk(reader, field: str, btext: bytes) -> tuple[list[int], list[float]]:
    """The term's postings as Whoosh's own matcher gives them, one at a time."""
    m = reader._terms.matcher(field, btext, reader.schema[field].format)
    ids, weights = [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        m.next()
    return ids, weights


def test_every_term_of_every_segment_reads_as_whoosh_walks_it(multi):
    with multi.ix.searcher() as s:
        leaves = s.reader().leaf_readers()
        assert len(leaves) > 1
        for reader, _ in leaves:
            arrays = postings.posting_arrays(reader)
            assert arrays is not None
            for field in reader.indexed_field_names():
                if not arrays.has_field(field):
                    assert field not in _SEARCHED
                    continue
                terms = list(reader.lexicon(field))
                assert terms
                for btext in terms:
                    ids, weights = arrays.postings(field, btext)
                    want_ids, want_weights = _walk(reader, field, btext)
                    assert ids.tolist() == want_ids, (field, btext)
                    assert weights.tolist() == want_weights, (field, btext)
                    assert ids.dtype == np.int32 and weights.dtype == np.float64
                    assert arrays.doc_frequency(field, btext) == len(want_ids) \
                        == reader.doc_frequency(field, reader.schema[field].from_bytes(btext))
                # terms that are not there: before the first, after the last, between two,
                # and longer than any (a fixed-width key would cut it to fit)
                absent = [b"", terms[0][:-1] + b"\x01" if terms[0][-1:] > b"\x01" else b"\x01",
                          terms[-1] + b"\xff", terms[len(terms) // 2] + b"\x01",
                          max(terms, key=len) * 2]
                for btext in absent:
                    if btext in set(terms):
                        continue
                    ids, weights = arrays.postings(field, btext)
                    assert ids.size == weights.size == 0, (field, btext)
                    assert arrays.doc_frequency(field, btext) == 0


def _file(tmp_path, fields: dict[str, FieldPostings]) -> PostingArrays:
    buf = io.BytesIO()
    write(buf, fields)
    return _mapped(tmp_path, buf.getvalue())


def _mapped(tmp_path, data: bytes) -> PostingArrays:
    path = tmp_path / f"{len(list(tmp_path.iterdir()))}.fpa"
    path.write_bytes(data)
    return PostingArrays(str(path))


def _field(terms: dict[bytes, list[tuple[int, float]]]) -> FieldPostings:
    fp = FieldPostings()
    for term, plist in terms.items():
        fp.terms.append(term)
        fp.counts.append(len(plist))
        fp.ids.extend(d for d, _ in plist)
        fp.weights.extend(w for _, w in plist)
    return fp


@pytest.mark.parametrize("terms", [
    {b"a": [(0, 1.0), (5, 2.0)], b"b": [(3, 255.0)]},        # small whole weights
    {b"a": [(0, 1.0)], b"bb": [(70000, 300.0)]},              # ids past 16 bits, weights 8
    {b"x": [(1, 0.5), (2, 1.25)], b"y": [(9, 70000.0)]},      # fractions, and past 16 bits
    {"中文".encode(): [(2, 3.0)], "中".encode(): [(1, 1.0)]},  # multi-byte keys, sorted bytes
])
def test_written_arrays_read_back_exactly(tmp_path, terms):
    ordered = dict(sorted(terms.items()))
    arrays = _file(tmp_path, {"f": _field(ordered)})
    for term, plist in ordered.items():
        ids, weights = arrays.postings("f", term)
        assert ids.tolist() == [d for d, _ in plist]
        assert weights.tolist() == [float(np.float32(w)) for _, w in plist]
    assert arrays.postings("f", b"zz")[0].size == 0
    assert arrays.postings("g", b"a") is None and arrays.doc_frequency("g", b"a") is None


def test_fields_the_fixed_width_keys_cannot_hold_are_left_to_whoosh(tmp_path):
    repeated = _field({b"a": [(1, 1.0)], b"b": [(2, 1.0)]})
    repeated.terms[1] = b"a"
    arrays = _file(tmp_path, {
        "nul": _field({b"a\x00": [(1, 1.0)], b"b": [(2, 1.0)]}),
        "unsorted": _field({b"b": [(1, 1.0)], b"a": [(2, 1.0)]}),
        "repeated": repeated,
        "prefix": _field({b"a": [(1, 1.0)], b"a ": [(2, 1.0)], b"ab": [(3, 1.0)]}),
        "empty": FieldPostings(),
    })
    assert not any(arrays.has_field(f) for f in ("nul", "unsorted", "repeated"))
    assert arrays.postings("nul", b"b") is None
    assert [arrays.postings("prefix", t)[0].tolist() for t in (b"a", b"a ", b"ab")] == \
        [[1], [2], [3]]
    assert arrays.has_field("empty") and arrays.postings("empty", b"a")[0].size == 0


def test_long_terms_are_kept_apart_from_the_fixed_width_keys(tmp_path):
    """A term over KEY_WIDTH bytes (one long run of digits or letters is one word) does not
    widen every key of its field: the breaker's 20,000-digit number made a file of 389 MB."""
    long = b"f" * 50_000
    terms = {b"w%04d" % i: [(i, 1.0)] for i in range(5000)}
    terms.update({long: [(7, 2.0), (9, 1.0)], long + b"g": [(3, 1.0)],
                  b"a" * 33: [(1, 3.0)], b"a" * 32: [(2, 1.0)], b"a" * 34: [(4, 1.0)]})
    ordered = dict(sorted(terms.items()))
    buf = io.BytesIO()
    write(buf, {"f": _field(ordered)})
    assert len(buf.getvalue()) < 400_000  # keys of 32 bytes and the long ones once, not 5,005 × 50,000
    arrays = _mapped(tmp_path, buf.getvalue())
    for term, plist in ordered.items():
        ids, weights = arrays.postings("f", term)
        assert ids.tolist() == [d for d, _ in plist], term[:40]
        assert weights.tolist() == [w for _, w in plist]
        assert arrays.doc_frequency("f", term) == len(plist)
    for absent in (long[:-1], long + b"a", long + b"h", b"a" * 35, b"a" * 31, b"w5000"):
        assert arrays.postings("f", absent)[0].size == 0 and arrays.doc_frequency("f", absent) == 0


def test_counts_must_add_up():
    fp = _field({b"a": [(1, 1.0)]})
    fp.counts[0] = 2
    with pytest.raises(ValueError):
        write(io.BytesIO(), {"f": fp})


def test_a_damaged_file_is_refused(tmp_path):
    buf = io.BytesIO()
    write(buf, {"f": _field({b"a": [(d, 1.0) for d in range(100)]})})
    data = buf.getvalue()
    header_end = data.index(b"}}}") + 3
    head_at = data.index(b"{")
    length = int.from_bytes(data[head_at - 8:head_at], "little")

    def with_header(text: bytes) -> bytes:  # another header of the same length
        return data[:head_at] + text.ljust(length) + data[head_at + length:]

    for bad in (data[:-64], b"XX" + data[2:], data[:10], b"",
                data.replace(b'"fields"', b'"fieldz"', 1), data[:header_end - 2] + b"  " + data[header_end:],
                with_header(b'{"fields": []}'), with_header(b'"x"'), with_header(b"[1]"),
                with_header(data[head_at:header_end].replace(b'"terms": 1', b'"terms": -3'))):
        with pytest.raises(ValueError):
            _mapped(tmp_path, bad)


def test_a_search_without_posting_arrays_finds_and_ranks_the_same(multi, monkeypatch):
    """A segment without posting arrays reads its postings through Whoosh: same sections,
    same scores to the bit, same facets, for every kind of clause."""
    queries = ["中国特色社会主义", "人民群众", "“一带一路” 建设", "的", "发展 OR 改革", "title:一",
               "人民 -群众", "经济", "doc:cases"]

    def run():
        with indexer.SearchSession(multi) as session:
            return [session.search(session.parse(q), per_page=50) for q in queries]

    def fresh_caches():
        monkeypatch.setattr(postings, "_cache", LRUCache())
        monkeypatch.setattr(matching, "_containing_cache", LRUCache())

    def untouched(*args, **kwargs):
        raise AssertionError("a posting list or its frequency read through the term table")

    fresh_caches()
    with monkeypatch.context() as m:  # with arrays, nothing asks Whoosh's term table
        m.setattr(W3TermsReader, "term_info", untouched)
        m.setattr(W3TermsReader, "doc_frequency", untouched)
        with_arrays = run()
    fresh_caches()
    read = []
    monkeypatch.setattr(postings, "posting_arrays", lambda reader: read.append(1))
    without = run()
    assert read  # the fallback asked, and read through Whoosh
    assert sum(p.total for p in with_arrays) > 0
    for q, a, b in zip(queries, with_arrays, without):
        assert a.total == b.total, q
        assert [(h.section_id, h.score) for h in a.hits] == \
            [(h.section_id, h.score) for h in b.hits], q
        assert a.facets == b.facets, q


def test_a_file_of_another_segment_or_with_ids_out_of_range_is_not_read(tmp_path, seeds_dir,
                                                                          monkeypatch):
    """A posting-arrays file copied in from another segment is refused (its segment id), and
    ids past the segment's documents (a damaged file) are read through Whoosh instead: the
    breaker had 500s from both."""
    import shutil

    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir, seeds)
    index_dir = tmp_path / "ix"
    indexer.update(seeds, index_dir)
    queries = ["公安", "的", "两个确立", "平安 广东", "title:一"]

    def fresh_caches():
        monkeypatch.setattr(segment_cache, "_cache", LRUCache())  # the mapped files too
        monkeypatch.setattr(postings, "_cache", LRUCache())
        monkeypatch.setattr(matching, "_containing_cache", LRUCache())

    def run():
        fresh_caches()
        with indexer.SearchSession(indexer.open_index(index_dir)) as session:
            return [[(h.section_id, h.score) for h in
                     session.search(session.parse(q), per_page=50).hits] for q in queries]

    want = run()
    assert all(want)
    (fpa,) = index_dir.glob("*/*.fpa")
    original = fpa.read_bytes()
    head_at = original.index(b"{")
    segment = original[head_at:].split(b'"segment": "', 1)[1].split(b'"', 1)[0]
    fpa.write_bytes(original.replace(segment, b"x" * len(segment), 1))  # another segment's
    fresh_caches()
    with indexer.SearchSession(indexer.open_index(index_dir)) as session:
        assert postings.posting_arrays(session._searcher.reader().leaf_readers()[0][0]) is None
    assert run() == want
    # every id of every field set to the largest number its type holds: far past the
    # segment's sections, while keys and starts still find the terms
    length = int.from_bytes(original[head_at - 8:head_at], "little")
    base = head_at + length
    damaged = bytearray(original)
    for h in json.loads(original[head_at:base])["fields"].values():
        offset, dtype = h["ids"]
        starts_at = base + h["starts"][0]
        total = int(np.frombuffer(original, "<i8", 1, starts_at + 8 * (h["terms"] + h["long"]))[0])
        size = total * np.dtype(dtype).itemsize
        damaged[base + offset:base + offset + size] = b"\xff" * size
    fpa.write_bytes(bytes(damaged))
    assert run() == want
