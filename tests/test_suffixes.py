"""Suffix arrays (indexer/suffixes.py): their order equals a plain sort of the suffixes, and
the occurrences they find equal a plain scan of the texts; the index's segments carry one and
long clauses answered through it equal the bigram-and-scan path."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import indexer
from indexer import matching, suffixes
from indexer.segment_cache import LRUCache


# few distinct characters, so that needles recur, overlap and cross section ends
_ALPHABET = st.sampled_from(list("的法人民政府哈\x00 𠮷Ａ"))
_TEXTS = st.lists(st.text(_ALPHABET, max_size=30), min_size=1, max_size=8)


def _scan(texts: list[str], needle: str) -> tuple[list[int], list[float]]:
    ids, counts = [], []
    for d, text in enumerate(texts):
        n = sum(text.startswith(needle, i) for i in range(len(text)))
        if n:
            ids.append(d)
            counts.append(float(n))
    return ids, counts


@settings(max_examples=200, deadline=None)
@given(_TEXTS)
def test_the_array_is_the_sorted_order_of_the_suffixes(texts):
    if not any(texts):
        return
    ranks = suffixes.ranks(texts).tolist()
    assert len(ranks) == sum(map(len, texts)) + len(texts) - 1
    want = sorted(range(len(ranks)), key=lambda i: ranks[i:])
    assert suffixes.build(texts).tolist() == want


@settings(max_examples=300, deadline=None)
@given(_TEXTS, st.data())
def test_occurrences_equal_a_scan_of_the_texts(texts, data):
    if not any(texts):
        return
    index = suffixes.SuffixIndex(suffixes.build(texts), texts)
    joined = "\x00".join(texts)
    start = data.draw(st.integers(0, max(0, len(joined) - 1)))
    size = data.draw(st.integers(1, 6))
    for needle in {joined[start:start + size] or "的", "哈哈", "𠮷", "人民政府", "无此"}:
        ids, counts = index.containing(needle)
        assert (ids.tolist(), counts.tolist()) == _scan(texts, needle), needle


def _sort_in_child(queue):
    queue.put(suffixes.build(["人民政府", "政府工作"]).tolist())


def test_a_process_that_sorted_can_fork_one_that_sorts():
    """libdivsufsort's OpenMP pool does not survive fork: a child of a process that had
    sorted hung in its own first sort (Whoosh's multi-process writer forks after an
    incremental update in the same process). Bounded: the child gets 60 s."""
    import multiprocessing

    parent = suffixes.build(["人民政府", "政府工作"]).tolist()
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_sort_in_child, args=(queue,))
    child.start()
    child.join(60)
    hung = child.is_alive()
    if hung:
        child.kill()
        child.join()
    assert not hung, "the forked child hung in libdivsufsort"
    assert queue.get(timeout=5) == parent


def test_a_suffix_array_must_fit_its_texts():
    array = suffixes.build(["人民政府", "政府"])
    with pytest.raises(ValueError):
        suffixes.SuffixIndex(array, ["人民政府", "政府工作"])


@pytest.mark.parametrize("damage", ["zeros", "reversed", "outside", "shuffled"])
def test_a_damaged_array_of_the_right_size_is_refused(damage):
    texts = ["中国特色社会主义法治体系", "人民政府依法行政", "的的的法法"] * 20
    array = suffixes.build(texts)
    bad = {"zeros": np.zeros_like(array), "reversed": array[::-1].copy(),
           "outside": array + np.int32(array.size),
           "shuffled": np.random.default_rng(3).permutation(array)}[damage]
    with pytest.raises(ValueError):
        suffixes.SuffixIndex(bad, texts)
    suffixes.SuffixIndex(array, texts)  # the intact one is taken


@pytest.mark.parametrize("damage", ["empty", "cut", "zeros", "reversed"])
def test_an_index_with_a_damaged_suffix_file_answers_as_an_intact_one(tmp_path, seeds_dir,
                                                                      damage):
    """A ``.sfx`` file emptied, cut short or overwritten from outside is not used: its
    segment's clauses take the bigram postings, and every answer is the intact index's (an
    empty one made every search a 500, an overwritten one gave wrong sections: breaker)."""
    import shutil

    from . import oracle

    index = tmp_path / "ix"
    indexer.update(seeds_dir, index)
    damaged = tmp_path / "damaged"
    shutil.copytree(index, damaged)
    files = list(damaged.glob("gen-*/*.sfx"))
    assert files
    for path in files:
        data = path.read_bytes()
        if damage in ("empty", "cut"):
            path.write_bytes(b"" if damage == "empty" else data[:len(data) // 2])
            continue
        array = np.load(path)
        with open(path, "wb") as f:
            suffixes.save(np.zeros_like(array) if damage == "zeros" else array[::-1], f)
    sections = oracle.load_sections(seeds_dir)
    queries = ["两个确立", "公安厅", "全面从严治党", "硬仗", "的公安"]
    for folder in (index, damaged):
        with indexer.SearchSession(indexer.open_index(folder)) as session:
            for q in queries:
                page = session.search(session.parse(f'"{q}"'), per_page=100)
                assert {h.section_id for h in page.hits} == oracle.quoted(sections, q), (folder, q)


def test_more_than_65535_distinct_characters_rank_in_32_bits():
    texts = ["".join(map(chr, range(0x20000, 0x20000 + 70_000))), "\U00020001\U00020002"]
    assert suffixes.ranks(texts).dtype == np.uint32
    index = suffixes.SuffixIndex(suffixes.build(texts), texts)
    ids, counts = index.containing("\U00020001\U00020002")
    assert ids.tolist() == [0, 1] and counts.tolist() == [1.0, 1.0]


def test_every_segment_has_one_and_long_clauses_equal_the_bigram_path(multi):
    """Segments written by adds and by merges carry a suffix array; for long clauses drawn
    from the texts (and absent ones), what it finds — sections and occurrence counts —
    equals the bigram postings' candidates scanned."""
    rng = random.Random(7)
    with multi.ix.searcher() as s:
        leaves = s.reader().leaf_readers()
        assert len(leaves) > 1
        for reader, _ in leaves:
            index = matching.suffix_index(reader)
            assert index is not None
            ev = matching.SegmentEvaluator(s, reader)
            texts = ev.texts("body")
            needles = {"中国特色社会主义", "无此一说法", "的的的"}
            for _ in range(60):
                text = rng.choice([t for t in texts if len(t) > 8])
                at = rng.randrange(len(text) - 8)
                needles.add(text[at:at + rng.randint(3, 8)])
            for needle in needles:
                grams = sorted({needle[i:i + 2] for i in range(len(needle) - 1)})
                ids, tf = index.containing(needle)
                want_ids, want_tf = ev._scanned("grams", grams, "norm_text", needle)
                assert ids.tolist() == want_ids.tolist(), needle
                assert tf.tolist() == want_tf.tolist(), needle
                assert ids.tolist() == _scan(texts, needle)[0], needle


def test_a_search_without_suffix_arrays_ranks_the_same(multi, monkeypatch):
    """A segment without a suffix array (an index written before them) answers a long clause
    through the bigram postings with the same sections and the same scores."""
    queries = ["中国特色社会主义", "人民群众", "“一带一路” 建设"]
    with indexer.SearchSession(multi) as session:
        with_arrays = [session.search(session.parse(q), per_page=50) for q in queries]
    monkeypatch.setattr(matching, "_containing_cache", LRUCache())
    monkeypatch.setattr(matching, "suffix_index", lambda reader: None)
    with indexer.SearchSession(multi) as session:
        without = [session.search(session.parse(q), per_page=50) for q in queries]
    for a, b in zip(with_arrays, without):
        assert a.total == b.total > 0
        assert [(h.section_id, round(h.score, 9)) for h in a.hits] == \
            [(h.section_id, round(h.score, 9)) for h in b.hits]


def test_sections_holding_every_bigram_but_not_the_clause_are_left_out(tmp_path):
    """The bigram path's candidates hold every bigram of the clause; those whose text does not
    hold the clause itself are dropped, in the body (no suffix array) and in headings alike."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    # 人民民政政府 holds 人民, 民政 and 政府, but not 人民政府
    (seeds / "a.md").write_text("# 人民民政政府\n\n人民民政政府的公告。\n", encoding="utf-8")
    (seeds / "b.md").write_text("# 人民政府\n\n人民政府的公告，人民政府。\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    handle = indexer.open_index(tmp_path / "ix")
    with indexer.SearchSession(handle) as session:
        with_arrays = session.search(session.parse("人民政府"))
        titled = session.search(session.parse("title:人民政府"))
    assert [h.doc_title for h in with_arrays.hits] == ["人民政府"]
    assert [h.doc_title for h in titled.hits] == ["人民政府"]
    with handle.ix.searcher() as s:
        for reader, _ in s.reader().leaf_readers():
            ev = matching.SegmentEvaluator(s, reader)
            for grams_field, column in (("grams", "norm_text"), ("heading_grams", "norm_heading")):
                ids, tf = ev._scanned(grams_field, ["人民", "民政", "政府"], column, "人民政府")
                texts = ev.texts("body" if column == "norm_text" else "heading")
                assert ids.tolist() == _scan(texts, "人民政府")[0]
                assert tf.tolist() == _scan(texts, "人民政府")[1]
