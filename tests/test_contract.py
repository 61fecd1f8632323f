"""The search contract on the seed and on small hand-made documents.

Quoted: exactly the sections whose normalized text contains the phrase. Unquoted: exactly the
sections containing every term (we assert equality, which implies the required recall).
Ground truth comes from tests/oracle.py, never from the index.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import indexer
from indexer.normalize import normalized

from . import oracle
from .queries import PAGE_BREAK_JOINS, as_query, seed_queries


@pytest.fixture(scope="module")
def seed_sections(seeds_dir):
    return oracle.load_sections(seeds_dir)


@pytest.fixture(scope="module")
def corpus_sections(corpus_dir):
    return oracle.load_sections(corpus_dir)


def found(session, query: str) -> set[str]:
    return session.all_section_ids(indexer.parse_query(query))


def expected(sections, text: str, quoted: bool) -> set[str]:
    return oracle.quoted(sections, text) if quoted else oracle.unquoted(sections, text)


def test_query_set_is_large_and_varied(seed_sections):
    queries = seed_queries(seed_sections)
    kinds = {k for k, _, _ in queries}
    assert len(queries) >= 300
    assert kinds == {"word", "substring", "page-break", "mixed", "fullwidth", "absent"}
    # the set must exercise both outcomes, or it proves little
    hits = [q for q in queries if expected(seed_sections, q[1], q[2])]
    assert 200 < len(hits) < len(queries)


def test_seed_contract(seed_session, seed_sections):
    failures = []
    for kind, text, quoted in seed_queries(seed_sections):
        q = as_query(text, quoted)
        want, got = expected(seed_sections, text, quoted), found(seed_session, q)
        if want != got:
            failures.append((kind, q, sorted(want - got), sorted(got - want)))
    assert failures == []


@pytest.mark.parametrize("before,after", PAGE_BREAK_JOINS)
def test_page_break_phrases_are_found(seed_session, seed_sections, before, after):
    phrase = before + after
    want = oracle.quoted(seed_sections, phrase)
    assert want, f"{phrase!r} should be in the repaired seed"
    assert found(seed_session, f'"{phrase}"') == want


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_substring_is_found_exactly(seed_session, seed_sections, data):
    section = data.draw(st.sampled_from(seed_sections))
    start = data.draw(st.integers(0, len(section.text) - 1))
    text = section.text[start:start + data.draw(st.integers(1, 12))]
    assume(normalized(text) and '"' not in text)
    got = found(seed_session, f'"{text}"')
    assert section.section_id in got
    assert got == oracle.quoted(seed_sections, text)


# --- small hand-made documents (tests/corpus) -------------------------------------------------

def titles(session, query):
    page = session.search(indexer.parse_query(query), per_page=100)
    return {h.section_title for h in page.hits}


@pytest.mark.parametrize("query,present,absent", [
    ("武装警察", {"部队"}, set()),
    ("中国人民武装警察部队", {"部队"}, {"简称"}),
    ("武警", {"简称"}, {"部队"}),
    ("案", {"积案", "立案"}, set()),
    ("积案", {"积案"}, {"立案"}),
    ('"电信网络诈骗"', {"电诈"}, {"诈骗网络"}),
    ('"诈骗网络"', {"诈骗网络"}, {"电诈"}),
    ("IT行业", {"IT"}, set()),
    ("it", {"IT"}, set()),
    ("第5条", {"第5条"}, {"第3条"}),
    ("第3条", {"第3条"}, {"第5条"}),
    ("wifi", {"无线"}, set()),
    ("Ｗｉｆｉ", {"无线"}, set()),
    ("5G网络", {"5G"}, set()),
    ("iPhone", {"5G"}, set()),
    ("C++", {"编程"}, set()),
    ("25周年", {"纪念"}, set()),
    ("7·1", {"纪念"}, set()),
    ("110报警？", {"报警"}, set()),
])
def test_hand_made_cases(corpus_session, corpus_sections, query, present, absent):
    got = titles(corpus_session, query)
    assert present <= got
    assert not (absent & got)
    quoted = query.startswith('"')
    text = query.strip('"')
    want = expected(corpus_sections, text, quoted)
    assert corpus_session.all_section_ids(indexer.parse_query(query)) == want


def test_corpus_contract_on_every_short_substring(corpus_session, corpus_sections):
    # every distinct 1-, 2- and 3-character window of every section, quoted, against the oracle
    windows = sorted({s.text[i:i + n] for s in corpus_sections for n in (1, 2, 3)
                      for i in range(len(s.text) - n + 1)})
    windows = [w for w in windows if normalized(w) and '"' not in w]
    assert len(windows) > 600
    bad = [w for w in windows
           if found(corpus_session, f'"{w}"') != oracle.quoted(corpus_sections, w)]
    assert bad == []


@pytest.mark.parametrize("query", ["的", "公安", "安全 OR 稳定", "广东 公安", "两个确立", "一"])
@pytest.mark.parametrize("per_page", [1, 3, 10])
def test_pages_partition_the_ranking(seed_session, seed_sections, query, per_page):
    """Page k of n hits is exactly items (k-1)·n … k·n−1 of the one full ranking: no hit
    repeated on two pages, none skipped, and together exactly the matching sections."""
    parsed = seed_session.parse(query)
    full = [h.section_id for h in seed_session.search(parsed, per_page=100).hits]
    pages = seed_session.search(parsed, per_page=per_page).pages
    paged = [h.section_id for k in range(1, pages + 1)
             for h in seed_session.search(parsed, page=k, per_page=per_page).hits]
    assert paged == full
    assert set(full) == seed_session.all_section_ids(parsed)
    if " OR " not in query:
        assert set(full) == oracle.unquoted(seed_sections, query)
