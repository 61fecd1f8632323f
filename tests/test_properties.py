"""Property-based tests (hypothesis) over arbitrary document texts: reading and sectioning never
raise anything but DocumentError, the sections still tile the document, and quoted queries
drawn from an indexed arbitrary document find exactly the sections that contain them."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import indexer
from indexer.documents import read_document
from indexer.normalize import normalized
from indexer.sections import split_sections
from indexer.sources import DocumentError, SourceFile

from . import oracle

# Chinese text with the shapes the structure finder looks at: numbered headings, markdown
# markers, bylines, page-break-like blank lines, emphasis, punctuation, Latin, digits, odd code
# points (controls, surrogates are not encodable and so left out, private use, emoji)
PIECES = st.sampled_from([
    "一、", "二、", "（三）", "第一条", "# ", "## ", "###### ", "**", "——编者", "责任编辑 ",
    "\n", "\n\n", "\n\n\n", "。", "，", "“", "”", "《", "》", " ", "\t", "\u3000", "-", "•",
    "公安", "广东", "两个确立", "平安建设", "民警", "案", "的", "C++", "2022年", "ＡＢＣ", "國際",
    "\u200b", "\u202e", "\x0c", "\x1b", "\ue000", "😀", "<script>", "&amp;", "\r\n",
])
TEXTS = st.lists(st.one_of(PIECES, st.text(min_size=1, max_size=8)), max_size=80).map("".join)
SUFFIXES = st.sampled_from([".txt", ".md", ".html"])


def _sections(name: str, text: str):
    try:
        document = read_document(SourceFile(name, text.encode("utf-8", "surrogatepass"), "x"))
    except DocumentError:
        return None, []
    return document, split_sections(document)


@settings(max_examples=400, deadline=None)
@given(text=TEXTS, suffix=SUFFIXES)
def test_sections_tile_any_document(text, suffix):
    document, sections = _sections("d" + suffix, text)
    if document is None:
        return
    pos = 0
    for s in sections:
        assert s.text == document.text[s.start_char:s.end_char]
        assert not document.text[pos:s.start_char].strip(), "only blank lines between sections"
        pos = s.end_char
    assert not document.text[pos:].strip()
    assert [s.ordinal for s in sections] == list(range(len(sections)))


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=3), data=st.data())
def test_quoted_queries_find_exactly_the_sections_of_arbitrary_documents(texts, data):
    tmp = Path(tempfile.mkdtemp())
    try:
        seeds = tmp / "seeds"
        seeds.mkdir()
        for i, text in enumerate(texts):
            (seeds / f"d{i}.txt").write_text(text, encoding="utf-8", errors="surrogatepass")
        report = indexer.update(seeds, tmp / "ix")  # never raises for a document's content
        sections = oracle.load_sections(seeds)
        assume(sections)
        assert report.sections == len(sections)
        with indexer.SearchSession(indexer.open_index(tmp / "ix")) as session:
            for _ in range(3):
                section = data.draw(st.sampled_from(sections))
                start = data.draw(st.integers(0, max(0, len(section.text) - 1)))
                needle = section.text[start:start + data.draw(st.integers(1, 10))]
                if not normalized(needle).strip() or '"' in needle or "＂" in needle:
                    continue
                got = session.all_section_ids(indexer.parse_query(f'"{needle}"'))
                assert section.section_id in got, needle
                assert got == oracle.quoted(sections, needle), needle
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.text(max_size=60), page=st.one_of(st.none(), st.text(max_size=6), st.integers(-5, 10**10)))
def test_any_unicode_query_and_page_on_every_search_route_is_200_or_a_clear_400(client, q, page):
    """Arbitrary code points (controls, private use, astral, combining marks …) in ``q`` and
    arbitrary ``page`` values: every search route answers 200 or a 400 with a message."""
    args = {"q": q} if page is None else {"q": q, "page": str(page)}
    for route in ("/search", "/search.json", "/concordance", "/concordance.json",
                  "/concordance.csv", "/doc/000_8750069abcf0ab7e"):
        resp = client.get(route, query_string=args)
        assert resp.status_code in (200, 400), (route, resp.status_code)
        if resp.status_code == 400:
            body = resp.get_json()["error"] if route.endswith(".json") else resp.get_data(as_text=True)
            assert body.strip() and "Traceback" not in body
