"""Snippets and document highlighting: tags stripped give the original, every mark is a match."""

from __future__ import annotations

import re
from html import unescape

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import indexer
from indexer.highlight import find_matches, make_snippet, mark
from indexer.normalize import normalized

from . import oracle

MARK = re.compile(r"<mark[^>]*>(.*?)</mark>", re.S)
QUERIES = ["两个确立", "公安", "案", '"2022年1月"', "安全 稳定", "“公安姓党”", "7·1", "的", "硬仗",
           "王志忠", "公安 机关 广东"]


def strip_tags(html: str) -> str:
    return unescape(re.sub(r"</?mark[^>]*>", "", html))


@pytest.fixture(scope="module")
def sections(seeds_dir):
    return {s.section_id: s for s in oracle.load_sections(seeds_dir)}


@pytest.mark.parametrize("query", QUERIES)
def test_snippets_mark_every_match_and_only_matches(seed_session, sections, query):
    parsed = indexer.parse_query(query)
    page = seed_session.search(parsed, per_page=100)
    assert page.total == len(page.hits) > 0
    for hit in page.hits:
        text = sections[hit.section_id].text
        assert 1 <= len(hit.fragments) <= 2
        for frag in hit.fragments:
            assert strip_tags(frag.html) == text[frag.start_char:frag.end_char]
            # every match inside the fragment is marked: marked chars == union of matches
            inside = [(start, end) for start, end in oracle.match_spans(text, parsed.needles)
                      if frag.start_char <= start and end <= frag.end_char]
            marked = set()
            pos = frag.start_char
            for piece in re.split(r"(<mark>.*?</mark>)", frag.html):
                plain = strip_tags(piece)
                if piece.startswith("<mark>"):
                    marked.update(range(pos, pos + len(plain)))
                    assert any(n in normalized(plain) for n in parsed.needles)
                pos += len(plain)
            want = {i for start, end in inside for i in range(start, end)}
            assert marked == want and want
        assert "…" in hit.snippet or len(text) <= 120


@pytest.mark.parametrize("query", QUERIES)
def test_snippets_cut_from_the_offset_columns_equal_snippets_cut_from_the_text(
        seed_session, sections, query):
    """Hits are cut from the index's ``norm_text`` and ``norm_offsets`` columns rather than by
    normalizing each section again; the snippet must be the one the text itself gives."""
    parsed = indexer.parse_query(query)
    page = seed_session.search(parsed, per_page=100)
    assert page.hits
    for hit in page.hits:
        docnum = seed_session._searcher.document_number(section_id=hit.section_id)
        assert seed_session._normalized(docnum) is not None  # the path under test
        expected = make_snippet(sections[hit.section_id].text, parsed.needles)
        assert (hit.snippet, hit.fragments, hit.match_count, hit.shown_count) == (
            expected.html, expected.fragments, expected.match_count, expected.shown)


def test_snippet_fragments_are_short(seed_session):
    page = seed_session.search(indexer.parse_query("公安"), per_page=100)
    for hit in page.hits:
        for frag in hit.fragments:
            assert 20 <= frag.end_char - frag.start_char <= 140


def test_mark_escapes_everything_else():
    html = mark('<script>alert("x")</script> 公安 &', [(28, 30)])
    assert html == '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <mark>公安</mark> &amp;'


@pytest.mark.parametrize("special", list("&<>\"'"))
def test_mark_escapes_each_special_character_wherever_it_is(special):
    text = f"公安{special}公安"
    for start, end in ((0, 5), (2, 3), (1, 4)):
        assert unescape(strip_tags(mark(text, [(0, 2)], start, end))) == text[start:end]
        assert special not in mark(text, [(0, 2)], start, end).replace("<mark>", "") \
            .replace("</mark>", "").replace("&amp;", "").replace("&lt;", "") \
            .replace("&gt;", "").replace("&quot;", "").replace("&#x27;", "")


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(0, 2000),
       st.lists(st.text(st.sampled_from(list("的人ab𠮷")), min_size=1, max_size=3),
                min_size=1, max_size=3),
       st.sampled_from([None, 1, 5, 33, 100]))
def test_occurrences_are_every_start_position_up_to_the_limit(rnd, length, needles, limit):
    """Past highlight.FIND_FIRST occurrences the rest are found as arrays: the same. (Few
    distinct characters, so that needles of two and three recur past it.)"""
    from indexer.highlight import _distinct, _occurrences

    alphabet = rnd.choice(["的人", "的人ab", "a\ud800𠮷b"])
    text = "".join(rnd.choice(alphabet) for _ in range(length))

    want = []
    for k, needle in _distinct(needles):
        at = [i for i in range(len(text)) if text.startswith(needle, i)]
        want.append((k, len(needle), at if limit is None else at[:limit]))
    assert _occurrences(text, needles, limit) == want


def test_matches_land_on_the_original_characters():
    text = "PDF 抽取：2022 年 1 月，ＩＴ行业"
    spans = [(m.start_char, m.end_char) for m in find_matches(text, ["2022年1月", "it"])]
    assert [text[a:b] for a, b in spans] == ["2022 年 1 月", "ＩＴ"]


def test_snippet_without_matches_is_the_opening():
    snip = make_snippet("甲" * 300, ["乙"])
    assert snip.match_count == 0 and snip.html.endswith("…") and "<mark>" not in snip.html


def test_document_view_marks_all_matches(seed_session, sections):
    doc = seed_session.document("000_8750069abcf0ab7e", indexer.parse_query("两个确立"))
    total = sum(normalized(s.text).count("两个确立") for s in sections.values())
    assert doc.match_count == total == sum(len(MARK.findall(s.html)) for s in doc.sections)
    for s in doc.sections:
        assert strip_tags(s.html) == s.text


def _overlapping_count(text: str, needle: str) -> int:
    """Occurrences of ``needle`` in ``text`` at every start position: the plain definition."""
    return sum(text.startswith(needle, i) for i in range(len(text)))


@pytest.mark.parametrize("text, needles", [
    ("哈" * 20000, ["哈哈"]),
    ("哈" * 20000, ["哈", "哈哈哈"]),
    ("法律规定，" * 5000, ["法律"]),
    ("abab" * 3000 + " 法律", ["aba", "法律"]),
])
def test_snippets_of_thousands_of_matches_stay_short_and_count_exactly(text, needles):
    snip = make_snippet(text, needles)
    assert snip.match_count == sum(_overlapping_count(normalized(text), n) for n in needles)
    covered = {i for m in find_matches(text, needles) for i in range(m.start_char, m.end_char)}
    for frag in snip.fragments:
        assert frag.end_char - frag.start_char <= 300  # highlight.MAX_FRAGMENT_CHARS
        assert strip_tags(frag.html) == text[frag.start_char:frag.end_char]
        pos, marked = frag.start_char, False
        for piece in re.split(r"(</?mark>)", frag.html):
            if piece in ("<mark>", "</mark>"):
                marked = piece == "<mark>"
                continue
            n = len(unescape(piece))
            if marked:  # every marked character lies in a match
                assert set(range(pos, pos + n)) <= covered
            pos += n


@pytest.mark.parametrize("text", ["哈哈哈哈", "abcabcab", "公安公安 公 安", "aaa bbb aaa", ""])
def test_count_matches_counts_what_find_matches_finds(text):
    from indexer.highlight import count_matches

    for needles in (["哈哈"], ["ab", "abc", "ab"], ["公安", "安"], ["a", ""], ["aa"]):
        assert count_matches(normalized(text), needles) == len(find_matches(text, needles))


def test_a_partial_match_document_marks_the_words_its_hit_was_found_by(seed_session):
    """A results page that fell back to partial matches links to documents where the whole
    query does not occur: they mark the query's words as the hit did, and say so."""
    q = indexer.parse_query("公安局长会议")
    page = seed_session.search(q)
    assert page.partial and page.hits  # the case under test
    for hit in page.hits[:3]:
        doc = seed_session.document(hit.doc_id, q)
        assert doc.partial_words and doc.match_count > 0
        for s in doc.sections:
            for m in MARK.findall(s.html):
                assert normalized(unescape(m)) in doc.partial_words
    whole = seed_session.document(page.hits[0].doc_id, indexer.parse_query("公安"))
    assert not whole.partial_words and whole.match_count > 0


def test_each_concordance_line_names_the_mark_that_holds_its_match(tmp_path):
    """Overlapping matches share one mark in the document view; a concordance line's m=n must
    still lead to the mark holding its n-th match (the page picks it by data-m/data-n)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.md").write_text("# 测试\n\n公安局，公安。哈哈哈。公安局长\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as session:
        for q in ("公安 安局", "哈哈", "公安局 局长 公安"):
            parsed = indexer.parse_query(q)
            lines = session.concordance(parsed).occurrences
            assert lines
            doc = session.document(lines[0].doc_id, parsed)
            for line in lines:
                section = next(s for s in doc.sections if s.section_id == line.section_id)
                marks = re.findall(r'<mark data-m="(\d+)" data-n="(\d+)">(.*?)</mark>',
                                   section.html)
                holding = [(int(m), int(n), t) for m, n, t in marks
                           if int(m) <= line.number < int(m) + int(n)]
                assert len(holding) == 1, (q, line.number, marks)
                assert line.match in unescape(holding[0][2])


def test_snippets_from_the_offset_columns_on_text_that_folds_unevenly(tmp_path):
    """Marks over composed marks (e + U+0301), an expansion (ﬁ → fi), full-width forms,
    folded white-space runs and dropped characters: the offset-column snippet equals the one
    cut from the text, and each mark covers exactly the original characters that matched."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    body = ("法国cafe\u0301  很好。ﬁle 文件 Ｃ＋＋ 11 标准，零\u200b宽字符。"
            "C++  11 和 cafe\u0301\n\n再说 ﬁle 一次。")
    (seeds / "odd.txt").write_text("标题\n\n" + body + "\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    sections = {s.section_id: s for s in oracle.load_sections(seeds)}
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as session:
        for q in ["café", "file", '"c++ 11"', "零宽", "很好", "标准"]:
            parsed = indexer.parse_query(q)
            page = session.search(parsed, per_page=100)
            assert page.hits, q
            for hit in page.hits:
                text = sections[hit.section_id].text
                expected = make_snippet(text, parsed.needles)
                assert (hit.snippet, hit.fragments, hit.match_count) == (
                    expected.html, expected.fragments, expected.match_count), q
                for m in find_matches(text, parsed.needles):
                    assert normalized(text[m.start_char:m.end_char]) in parsed.needles, q


def test_a_match_keeps_the_variation_selectors_of_its_characters(tmp_path):
    """``葛`` + U+E0100 (a selector picking the glyph of a name's character) was marked without
    its selector, and the concordance's right context began with it (new-user trial); the
    selector now goes with its character: in snippets, concordance lines and the document
    view, whether the match ends or starts at that character."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.md").write_text("# 說文\n\n諸葛\U000E0100亮作出師表，葛\uFE00\uFE01洪著抱朴子。\n",
                                encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as session:
        for q, marked in (("葛", ["葛\U000E0100", "葛\uFE00\uFE01"]), ("諸葛", ["諸葛\U000E0100"]),
                          ("葛亮", ["葛\U000E0100亮"])):
            parsed = indexer.parse_query(q)
            hit = session.search(parsed).hits[0]
            assert [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", hit.snippet)] == marked
            lines = session.concordance(parsed).occurrences
            assert [o.match for o in lines] == marked
            assert not any(o.right[:1] in ("\U000E0100", "\uFE00", "\uFE01") for o in lines)
            doc = session.document(hit.doc_id, parsed)
            html = "".join(s.html for s in doc.sections)
            assert [unescape(m) for m in re.findall(r"<mark[^>]*>(.*?)</mark>", html)] == marked


_PIECES = ["人民", "法律", "规定", "国務", "哈", "哈哈哈", "，", "。", " ", "　\n", "ﬁ", "Ａb",
           "e\u0301", "\u200b", "\U000E0100", "\uFE00", "的", "条例" * 3, "人", "x" * 40, "一二三四五六七八九十" * 3,
           "甲乙丙丁戊己庚辛壬癸" * 2]
"""Words, runs and characters that fold (full-width, composed, expanded, dropped, white
space): texts of a few hundred characters with clusters of matches and long merged runs."""


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False), st.integers(0, 400),
       st.lists(st.sampled_from(["人", "人民", "哈哈", "法", "的", "fi", "f", "例条", "x", "，"]),
                min_size=1, max_size=3))
def test_snippets_chosen_with_arrays_equal_those_chosen_one_by_one(rnd, pieces, raw):
    """A snippet of many matches places and scores its windows with arrays, of a few one at a
    time, and maps many occurrences back to the original together: each way gives the same
    fragments, marks and counts, on a packed offset map (as the index stores it) too."""
    from indexer import highlight
    from indexer.normalize import normalize, pack_offsets, unpack_offsets

    # (hypothesis draws lists short: a few hundred pieces come from its random generator)
    text = "".join(rnd.choice(_PIECES) for _ in range(pieces))
    needles = [n for n in (normalized(r) for r in raw) if n] or ["人"]
    full = normalize(text)
    for norm in (full, unpack_offsets(full.text, pack_offsets(full))):
        made = []
        for together in (1, 10**9):
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(highlight, "CHOOSE_TOGETHER", together)
                mp.setattr(highlight, "MAP_TOGETHER", together)
                snip = make_snippet(text, needles, norm)
                made.append((snip.html, snip.fragments, snip.match_count, snip.shown,
                             find_matches(text, needles, None, norm)))
        assert made[0] == made[1]
        if norm.text:
            at = np.arange(len(norm.text))
            starts, ends = norm.spans(at, at + 1)
            assert list(zip(starts.tolist(), ends.tolist())) == [norm.span(i, i + 1) for i in at]
        _assert_slices_equal_spans(norm)


def _assert_slices_equal_spans(norm) -> None:
    for length in (1, 2, 3):
        at = list(range(len(norm.text) - length + 1))
        starts, ends = norm.slices(at, length)
        assert list(zip(starts, ends)) == [norm.span(i, i + length) for i in at]


@pytest.mark.parametrize("text", ["人民法院审理人民", "，的 C++ 11", "国 務\u200b院ﬁ"])
def test_slices_map_back_as_spans_do(text):
    """Many matches' offsets mapped at once as lists equal one at a time, on a map that is the
    identity (nothing folded: its offsets are the positions) and on ones that are not, from
    the normalizer and packed as the index stores it."""
    from indexer.normalize import normalize, pack_offsets, unpack_offsets

    full = normalize(text)
    packed = unpack_offsets(full.text, pack_offsets(full))
    assert (not packed._jumps and not packed._wide) == (text == "人民法院审理人民")
    for norm in (full, packed):
        _assert_slices_equal_spans(norm)


def _both_ways(text: str, needles: list[str]) -> list:
    from indexer import highlight

    made = []
    for together in (1, 10**9):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(highlight, "CHOOSE_TOGETHER", together)
            snip = make_snippet(text, needles)
            made.append((snip.html, snip.fragments, snip.shown))
    return made


def test_snippet_windows_grown_to_a_long_run_agree_at_the_length_limit():
    """A merged run of overlapping matches straddling a window's edge grows the window only
    up to MAX_FRAGMENT_CHARS (300): swept across that limit, both ways of choosing agree."""
    for before in range(0, 40, 3):
        for run in range(255, 330, 2):
            for after in (0, 1, 50):
                text = "一" * before + "哈" * run + "二" * after + "哈哈" + "三" * 30
                a, b = _both_ways(text, ["哈哈"])
                assert a == b, (before, run, after)


def test_the_second_fragment_shows_a_needle_the_first_lacks():
    """Of the windows left after the best one, a window holding a needle the best lacks wins
    over one holding more matches of the needles already shown, either way of choosing."""
    text = "法律" * 30 + "一" * 200 + "法律" * 20 + "二" * 200 + "合同" + "三" * 50
    a, b = _both_ways(text, ["法", "合同"])
    assert a == b
    html, fragments, _ = a
    assert len(fragments) == 2 and "<mark>合同</mark>" in fragments[1].html
