"""The query evaluator (indexer/matching.py): its BM25F scores equal Whoosh's own for the same
terms, its early-stopping proximity ranking returns exactly the top of the full ranking, and
its posting arrays hold what Whoosh's matchers walk."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq
from whoosh import scoring

import indexer
from indexer import matching, postings, schema



def _whoosh_scores(handle, q) -> dict[int, float]:
    with handle.ix.searcher(weighting=scoring.BM25F(B=schema.B, K1=schema.K1)) as s:
        return {hit.docnum: hit.score for hit in s.search(q, limit=None)}


@pytest.mark.parametrize("text", ["的", "公安", "安全 OR 稳定", "广东 -青海", "追加"])
def test_scores_equal_whoosh_bm25f_for_the_same_terms(multi, text):
    """One- and two-character clauses are single terms: our score (matching term + optional
    word and heading terms) equals Whoosh's stock BM25F on the same query, on an index with
    several segments and deleted documents."""
    with indexer.SearchSession(multi) as session:
        parsed = session.parse(text)
        ours = session.search(parsed, per_page=100)
        docnum = {h.section_id: None for h in ours.hits}
        positive = [c for c in parsed.clauses]
        required = [wq.Term("chars" if len(c.norm) == 1 else "grams", c.norm) for c in positive]
        optional = []
        for c in positive:
            for w in session.words(c.norm):
                optional += [wq.Term("body", w), wq.Term("heading", w, boost=schema.HEADING_BOOST)]
            optional.append(wq.Term("heading_chars" if len(c.norm) == 1 else "heading_grams",
                                    c.norm, boost=schema.HEADING_BOOST))
        root = parsed.root
        if isinstance(root, indexer.query.Any):
            match = wq.Or(required)
        elif isinstance(root, indexer.query.All):
            match = wq.AndNot(required[0], wq.Term("grams", root.children[1].child.norm))
        else:
            match = required[0]
        theirs = _whoosh_scores(multi, wq.AndMaybe(match, wq.Or(optional)))
        with multi.ix.searcher() as s:
            for d in range(s.doc_count_all()):
                if s.reader().is_deleted(d):
                    continue
                sid = s.stored_fields(d)["section_id"]
                if sid in docnum:
                    docnum[sid] = d
    assert ours.total == len(theirs) > 0
    for hit in ours.hits:
        assert hit.score == pytest.approx(theirs[docnum[hit.section_id]], rel=1e-9)


@pytest.mark.parametrize("text", ["公安 安全", "平安 建设 工作", "人民 群众", "的 公安"])
def test_early_stopping_keeps_the_exact_top_n(multi, text):
    """With proximity, sections are scored exactly only while they can still reach the top N;
    the top N equals the first N of the ranking computed exactly for every match."""
    with indexer.SearchSession(multi) as session:
        parsed = session.parse(text)
        searcher = session._searcher
        full = matching.rank(searcher, parsed, session.words, 10_000)
        assert full.total == len(full.docnums) > 0
        assert full.scores == sorted(full.scores, reverse=True)
        for n in (1, 2, 3, 5, 10):
            top = matching.rank(searcher, parsed, session.words, n)
            assert top.docnums == full.docnums[:n]
            assert top.scores == full.scores[:n]


def test_proximity_rewards_nearby_clauses():
    assert matching.near("公安机关加强安全建设", ["公安", "安全"])
    assert not matching.near("公安" + "。" * 40 + "安全", ["公安", "安全"])
    assert matching.near("安全" + "是" * 19 + "公安", ["公安", "安全"])  # any order, 19 apart
    assert not matching.near("公安机关", ["公安", "安全"])


def _occurrences(text: str, needle: str) -> list[int]:
    return [i for i in range(len(text)) if text.startswith(needle, i)]


@settings(max_examples=1500, deadline=None)
@given(st.text("甲乙丙", max_size=60), st.lists(st.text("甲乙丙", min_size=1, max_size=3),
                                              min_size=2, max_size=3, unique=True),
       st.integers(0, 6))
def test_proximity_is_one_occurrence_of_each_within_the_allowed_stretch(text, needles, slop):
    """near() against its definition, by brute force over every pair of occurrences: the two
    needles' walk must agree with it (and the general path for three, where it holds as a
    necessary condition: a stretch it finds is one)."""
    allowed = sum(map(len, needles)) + slop * (len(needles) - 1)
    spans = [[(i, i + len(n)) for i in _occurrences(text, n)] for n in needles]
    if len(needles) == 2:
        truth = any(max(b1, b2) - min(a1, a2) <= allowed
                    for a1, b1 in spans[0] for a2, b2 in spans[1])
        assert matching.near(text, needles, slop) == truth
    elif matching.near(text, needles, slop):
        assert any(max(b1, b2, b3) - min(a1, a2, a3) <= allowed
                   for a1, b1 in spans[0] for a2, b2 in spans[1] for a3, b3 in spans[2])


def test_posting_arrays_hold_what_whoosh_matchers_walk(multi):
    with multi.ix.searcher() as s:
        for reader, _ in s.reader().leaf_readers():
            for field, term in [("chars", "的"), ("grams", "公安"), ("body", "公安"),
                                ("heading", "公安"), ("doc_id", "seed"), ("grams", "无此词")]:
                p = postings.postings(reader, field, term)
                ids, weights = [], []
                try:
                    m = reader._terms.matcher(field, reader.schema[field].to_bytes(term),
                                              reader.schema[field].format)
                    while m.is_active():
                        ids.append(m.id())
                        weights.append(m.weight())
                        m.next()
                except indexer.indexing.whoosh_index.EmptyIndexError:
                    pass
                except KeyError:
                    pass
                except Exception as exc:  # TermNotFound
                    assert type(exc).__name__ == "TermNotFound"
                assert p.ids.tolist() == ids
                assert np.allclose(p.weights, weights)


def _ranked(tmp_path, texts: dict[str, str], query: str) -> indexer.Page:
    """The first page of ``query`` over an index of one ``.txt`` document per ``texts`` item
    (file stem → text), indexed in key order."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for stem, text in texts.items():
        (seeds / f"{stem}.txt").write_text(text, encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as session:
        return session.search(session.parse(query))


def test_the_same_words_near_each_other_rank_first(tmp_path):
    """Two sections alike in everything but the distance between the query's words: the one
    with them within PROXIMITY_SLOP characters ranks first, by the proximity bonus."""
    far = "公安" + "的" * 50 + "安全" + "的" * 10
    near = "公安" + "的" * 10 + "安全" + "的" * 50
    page = _ranked(tmp_path, {"a": far, "b": near}, "公安 安全")
    assert [h.doc_id for h in page.hits] == ["b", "a"]
    assert page.hits[0].score > page.hits[1].score


def test_a_pooled_searcher_sees_an_incremental_update(tmp_path):
    """Sessions reuse searchers; one given back before an update answers from the updated
    index when it is taken again (and a session of an interrupted search is not pooled)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("第一份文件", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    handle = indexer.open_index(tmp_path / "ix")
    with indexer.SearchSession(handle) as session:
        first = session._searcher
        assert session.search(session.parse("文件")).total == 1
    with indexer.SearchSession(handle) as session:
        assert session._searcher is first  # reused
    (seeds / "b.txt").write_text("第二份文件", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(handle) as session:
        assert session.search(session.parse("文件")).total == 2
        assert session.search(session.parse("第二份")).total == 1
    # a change and a deletion (merging segments): retired sections must not come back
    (seeds / "a.txt").write_text("第一份材料", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(handle) as session:
        assert [h.doc_id for h in session.search(session.parse("文件")).hits] == ["b"]
        assert session.search(session.parse("第一份")).total == 1
    (seeds / "b.txt").unlink()
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(handle) as session:
        assert session.search(session.parse("文件")).total == 0
        assert session.search(session.parse("份")).total == 1


def test_the_document_list_counts_live_sections_per_document(multi):
    """documents() reads the doc_id column and one section per document; the same list as
    reading every live section's stored fields (several segments, deleted sections)."""

    with indexer.SearchSession(multi) as session:
        listed = session.documents()
        with multi.ix.searcher() as s:
            stored = list(s.all_stored_fields())
    counts = Counter(f["doc_id"] for f in stored)
    titles = {f["doc_id"]: (f.get("doc_title", ""), f.get("path", "")) for f in stored}
    assert [(d.doc_id, d.sections, d.title, d.path) for d in listed] == sorted(
        ((i, n, *titles[i]) for i, n in counts.items()), key=lambda t: t[3])


def test_idf_from_the_posting_lists_equals_whoosh_idf(tmp_path):
    """``matching.idf`` counts document frequency from our posting arrays, ``table_idf`` from
    each segment's term table; on an index with
    two segments and a deleted section it must equal Whoosh's, read from the term tables."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for k in range(12):
        (seeds / f"{k:02}.txt").write_text(f"第{k}号\n\n公安机关第{k % 4}次会议。\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    (seeds / "01.txt").unlink()  # stays deleted in place: under MAX_DELETED_SHARE
    (seeds / "新.txt").write_text("新\n\n公安机关新的会议。\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    handle = indexer.open_index(tmp_path / "ix")
    with handle.ix.searcher(weighting=scoring.BM25F(B=schema.B, K1=schema.K1)) as s:
        assert len(s.reader().leaf_readers()) == 2 and s.doc_count() < s.doc_count_all()
        checked = 0
        for field in ("chars", "grams", "body", "heading", "heading_grams"):
            for term in s.reader().lexicon(field):
                text = term.decode("utf-8")
                assert matching.idf(s, field, text) == pytest.approx(s.idf(field, text), rel=1e-12)
                del s._zhsearch_idf  # the idfs the searcher keeps: table_idf counts anew
                assert matching.table_idf(s, field, text) == pytest.approx(s.idf(field, text),
                                                                           rel=1e-12)
                del s._zhsearch_idf
                checked += 1
        assert checked > 50
        assert matching.idf(s, "grams", "无此词语") == pytest.approx(s.idf("grams", "无此词语"))
        del s._zhsearch_idf
        assert matching.table_idf(s, "grams", "无此词语") == pytest.approx(s.idf("grams", "无此词语"))
    handle.ix.close()


def test_a_searcher_keeps_its_idfs_and_a_new_one_sees_an_update(tmp_path, monkeypatch):
    """A term's idf is worked out once per searcher (its segments never change); a searcher
    opened after an update works it out anew, and a full memo is emptied, not grown."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for k in range(6):
        (seeds / f"{k}.txt").write_text(f"第{k}号\n\n公安机关会议。\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    calls = []
    real = matching.postings
    monkeypatch.setattr(matching, "postings", lambda *a: calls.append(a) or real(*a))
    handle = indexer.open_index(tmp_path / "ix")
    with handle.ix.searcher() as s:
        first = matching.idf(s, "grams", "公安")
        asked = len(calls)
        assert asked >= 1 and matching.idf(s, "grams", "公安") == first
        assert matching.table_idf(s, "grams", "公安") == first and len(calls) == asked
        monkeypatch.setattr(matching, "MAX_KEPT_IDF", 2)
        matching.idf(s, "grams", "机关")
        matching.idf(s, "grams", "会议")  # the third: the memo was full, and is emptied
        assert len(s._zhsearch_idf) == 1
    (seeds / "新.txt").write_text("新\n\n无关的一段。\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.open_index(tmp_path / "ix").ix.searcher() as s:
        assert matching.idf(s, "grams", "公安") == pytest.approx(s.idf("grams", "公安"))
        assert matching.idf(s, "grams", "公安") != first
    handle.ix.close()


@pytest.mark.parametrize("seed", range(20))
def test_best_equals_a_full_sort_with_ties(seed):
    """``_best`` sorts only the sections at or above the cut; its answer equals a full sort by
    score, ties by document number, including ties across the cut and limits past the end."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    scores = rng.integers(0, 6, n).astype(np.float64) / 3  # few distinct values: many ties
    docnums = rng.permutation(n * 3)[:n].astype(np.int64)
    if seed % 5 == 4:  # a NaN score (none is expected) must not make hits disappear
        scores[rng.integers(0, n)] = np.nan
    for limit in (1, 3, 10, n, n + 5):
        full = np.lexsort((docnums, -scores))[:limit]
        got_docnums, got_scores = matching._best(docnums, scores, limit)
        assert got_docnums == docnums[full].tolist()
        if seed % 5 == 4:
            continue
        want = sorted(zip(-scores, docnums))[:limit]
        got_docnums, got_scores = matching._best(docnums, scores, limit)
        assert got_docnums == [int(d) for _, d in want]
        assert got_scores == [float(-s) for s, _ in want]


@pytest.mark.parametrize("index, text", [("multi", "的"), ("multi", "公安"),
                                         ("multi", "广东 -青海"), ("corpus_index", "的"),
                                         ("corpus_index", "公安 OR 安全")])
def test_facet_values_name_the_first_match_holding_them(request, index, text):
    """Each facet value's document number is the first match (in segment order, then document
    order) whose column holds that value, on an index of two segments with deletions and on
    one of many documents; counts equal a plain tally of the matches' column values."""
    handle = request.getfixturevalue(index)
    handle = indexer.open_index(handle) if not isinstance(handle, indexer.IndexHandle) else handle
    with indexer.SearchSession(handle) as session:
        matches, _ = matching.match(session._searcher, session.parse(text).root)
        for field, holders in (("doc_id", True), ("article_key", False)):
            held = [(int(d) + m.offset, list(m.reader.column_reader(field))[d])
                    for m in matches for d in m.ids]
            top, distinct = matching.facet_top(matches, field, 5, holders=holders)
            tally = Counter(value for _, value in held)
            assert distinct == len(tally) and top
            for value, count, holder in top:
                assert count == tally[value]
                first = next(d for d, v in held if v == value)
                assert holder == (first if holders else None)



def test_the_words_of_an_and_query_side_by_side_rank_first(tmp_path):
    """Two sections alike but for one character's place: the one holding the query's words
    side by side, in the order typed (the whole query as a phrase), ranks first, by the
    phrase bonus. Both hold the same characters and jieba words, both earn the proximity
    bonus (one character apart is near), and the other comes first in indexing order."""
    import jieba

    apart, together = "公安的安全" + "的" * 40, "公安安全的" + "的" * 40
    assert sorted(apart) == sorted(together)
    assert sorted(jieba.lcut(apart)) == sorted(jieba.lcut(together))
    assert 1 <= matching.PROXIMITY_SLOP
    page = _ranked(tmp_path, {"a": apart, "b": together}, "公安 安全")
    assert [h.doc_id for h in page.hits] == ["b", "a"]
    assert page.hits[0].score > page.hits[1].score


def test_a_section_that_is_only_its_heading_ranks_below_passages_under_it(tmp_path, monkeypatch):
    """New-user trials, three times: a part heading with nothing under it but subsections
    (广东篇), or a Markdown title alone (员工手册), topped the results for its words above the
    passages that hold them. Such a section keeps BODYLESS_WEIGHT of its score: still found
    (the recall contract), ranked by what there is to read. A section is bodyless when its
    text is its title and nothing else (the document parser's sections, not the index)."""
    from . import oracle

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "report.md").write_text(
        "# 各省年度工作报告\n\n## 广东篇\n\n### 经济发展\n\n今年外贸平稳增长，广东的港口吞吐量位居前列。\n\n"
        "## 广西篇\n\n### 经济发展\n\n北部湾港货物吞吐量增长。\n", encoding="utf-8")
    sections = oracle.load_sections(seeds)
    flat = {s.title for s in sections if s.bodyless}
    assert flat == {"各省年度工作报告", "广东篇", "广西篇"}
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as session:
        page = session.search(session.parse("广东"))
        # both are found; the passage first, though the heading holds the word and is short
        assert [h.section_title for h in page.hits] == ["经济发展", "广东篇"]
        # the weight is the only difference: unweighted, the heading ranked first
        monkeypatch.setattr(matching, "BODYLESS_WEIGHT", 1.0)
        plain = session.search(session.parse("广东"))
        assert [h.section_title for h in plain.hits] == ["广东篇", "经济发展"]
        assert page.hits[1].score == pytest.approx(schema.BODYLESS_WEIGHT * plain.hits[0].score)
        assert page.hits[0].score == pytest.approx(plain.hits[1].score)
