"""The query language: Traditional/Simplified, punctuation, syntax, synonyms, user dictionary,
partial matches, suggestions. Ground truth evaluates the parsed tree with substring tests over
the section texts (never the index)."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import indexer
from indexer.normalize import normalized
from indexer.query import All, Any, Clause, Not

from . import oracle
from .conftest import small_index

DOC = "000_8750069abcf0ab7e"


def matches(node, section) -> bool:
    """The documented semantics of a query tree, evaluated on one section."""
    if isinstance(node, Clause):
        if node.field == "doc":
            return section.doc_id == node.text.strip()
        # title: the document's title, the article's, a heading between it and the section (a
        # law's 章 above its 节) or the section's, each on its own (never across two)
        wheres = [t for t in (section.doc_title, section.article_title, *section.between,
                              section.title) if t] \
            if node.field == "title" else [section.text]
        return any(n in normalized(w) for w in wheres for n in (node.norm, *node.synonyms))
    if isinstance(node, Not):
        return not matches(node.child, section)
    if isinstance(node, All):
        return all(matches(c, section) for c in node.children)
    assert isinstance(node, Any)
    return any(matches(c, section) for c in node.children)


@pytest.fixture(scope="module")
def seed_sections(seeds_dir):
    return oracle.load_sections(seeds_dir)


@pytest.mark.parametrize("query,reading", [
    ("公安 广东", "公安 广东"),
    ("公安 AND 广东", "公安 广东"),
    ("广东 OR 青海", "广东 OR 青海"),
    ("广东 | 青海", "广东 OR 青海"),
    ("两个确立 -维护", "两个确立 -维护"),
    ("两个确立 NOT 王志忠", "两个确立 -王志忠"),
    ("(广东 | 青海) 平安", "(广东 OR 青海) 平安"),
    ("(广东 OR 青海) -(疫情 OR 冬奥)", "(广东 OR 青海) -(疫情 OR 冬奥)"),
    ("title:两个确立", "title:两个确立"),
    ('title:"四大风险"', 'title:"四大风险"'),
    (f"doc:{DOC} 硬仗", f"doc:{DOC} 硬仗"),
    ("doc:nope 硬仗", "doc:nope 硬仗"),
    ('"安全 稳定" 广东', '"安全 稳定" 广东'),
    ("兩個確立", "兩個確立"),
    ("國際論壇 OR 枫桥", "國際論壇 OR 枫桥"),
    ("的", "的"),
    ("or", "or"),
    ("公安|公安 公安", "公安"),  # the group of one left by a repeat is a repeat itself
])
def test_syntax_forms_against_ground_truth(seed_session, seed_sections, query, reading):
    parsed = indexer.parse_query(query)
    assert parsed.reading == reading
    want = {s.section_id for s in seed_sections if matches(parsed.root, s)}
    assert seed_session.all_section_ids(parsed) == want


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(['公安', '广东', ' ', ' ', 'OR', 'NOT', '|', '-', '(', ')', '"',
                                 '\uff02', 'title:', 'doc:', 'AND', 'a', '的', '+', ':']),
                min_size=1, max_size=24).map("".join))
def test_a_tree_reads_back_from_its_query_text(text):
    """query_text renders a tree as it would be typed: parsing that gives the same tree (the
    suggestions are built this way from the query's own tree)."""
    from indexer.query import query_text

    try:
        parsed = indexer.parse_query(text)
    except indexer.QueryError:
        return
    if parsed.notes and any("原文" in n for n in parsed.notes):
        return  # operators only: one literal clause of the whole text, never rendered alone
    again = indexer.parse_query(query_text(parsed.root)).root
    # a word that would read as an operator is quoted, which changes nothing it matches
    assert _unquoted(again) == _unquoted(parsed.root)
    assert all(b.quoted for a, b in zip(_clauses(parsed.root), _clauses(again)) if a.quoted)


def _clauses(node) -> list[Clause]:
    if isinstance(node, Clause):
        return [node]
    if isinstance(node, Not):
        return _clauses(node.child)
    return [c for child in node.children for c in _clauses(child)]


def _unquoted(node):
    from dataclasses import replace

    if isinstance(node, Clause):
        return replace(node, quoted=False)
    if isinstance(node, Not):
        return Not(_unquoted(node.child))
    return type(node)(tuple(_unquoted(c) for c in node.children))


@pytest.mark.parametrize("query,expected", [
    ("公安 -量子 doc:gone", "公安 -量子"),
    ("(公安 OR 量子) doc:gone", "公安 OR 量子"),
    ("(公安 OR 量子) 火星 -广东", "(公安 OR 量子) -广东"),
    ("公安 doc:no-such title:没有这样的标题", "公安"),
    ("公安 -公安", "公安"),
    ('"两个确定" -维护', '"两个" -维护'),
])
def test_suggestions_keep_the_rest_of_the_query(seed_session, seed_sections, query, expected):
    """A suggestion widens the query by one part and keeps the others as typed (an exclusion,
    an OR group, a filter), and finds what ground truth says it should."""
    page = seed_session.search(indexer.parse_query(query))
    assert page.total == 0 and expected in page.suggestions
    for q in page.suggestions:
        parsed = indexer.parse_query(q)
        want = {s.section_id for s in seed_sections if matches(parsed.root, s)}
        assert want and seed_session.all_section_ids(parsed) == want


@pytest.mark.parametrize("query,expected", [
    ("title:青海", "青海"),  # a title clause widened to the text
    ("公安 title:青海", "公安 青海"),
])
def test_a_title_clause_is_suggested_in_the_text(seed_session, seed_sections, query, expected):
    page = seed_session.search(indexer.parse_query(query))
    assert page.total == 0 and expected in page.suggestions
    parsed = indexer.parse_query(expected)
    want = {s.section_id for s in seed_sections if matches(parsed.root, s)}
    assert want and seed_session.all_section_ids(parsed) == want


@pytest.mark.parametrize("query", [
    '"公安” -量子z"', '" “两个” -维护', "title:广东 doc:nope", "title:量子 doc:{doc}",
    "量子 doc:{doc}", "doc:{doc} title:没有 -公安", "(公安 -广东) 量子 OR 火星",
])
def test_every_suggestion_is_typed_text_that_finds_something(seed_session, seed_sections,
                                                             query):
    """Whatever the query, a suggestion is a query that finds what ground truth says, and
    it searches for something: never a bare doc: clause (that lists a document), never a
    piece holding a quote (a phrase cannot hold one)."""
    doc = seed_sections[0].section_id.rsplit("-s", 1)[0]
    page = seed_session.search(indexer.parse_query(query.format(doc=doc)))
    assert page.total == 0
    for q in page.suggestions:
        parsed = indexer.parse_query(q)
        assert parsed.notes == (), q  # reads as typed: nothing to repair
        assert any(c.field != "doc" for c in parsed.clauses), q
        want = {s.section_id for s in seed_sections if matches(parsed.root, s)}
        assert want and seed_session.all_section_ids(parsed) == want, q


def test_a_deeply_grouped_query_reads_back_within_the_nesting_cap():
    """query_text brackets only what had to be bracketed: a query the parser read without a
    note reads back the same, however its groups nest (up to the cap)."""
    from indexer.query import query_text

    text = "广东"
    for _ in range(15):
        text = f"会议 OR 青海 ({text})"
    parsed = indexer.parse_query("量子力学 (" + text + ")")
    assert parsed.notes == ()
    again = indexer.parse_query(query_text(parsed.root))
    assert again.notes == () and again.root == parsed.root


@pytest.mark.parametrize("query,note", [
    ("公安 OR", "OR"), ("(公安", "括号"), ("公安)", "右括号"), ("公安 NOT", "NOT"),
    ("OR", "原文"), ("(", "原文"), ('两个确立"', "引号"), ("公安 AND", "AND"), ("AND 公安", "AND"),
    ("公安 or 广东", "大写的 OR"), ("not 公安", "大写的 NOT"),
])
def test_syntax_problems_are_repaired_and_said(seed_session, query, note):
    parsed = indexer.parse_query(query)
    assert any(note in n for n in parsed.notes)
    seed_session.search(parsed)  # runs


@pytest.mark.parametrize("query", ["-公安", "NOT 公安", "-(公安 OR 广东)"])
def test_only_exclusions_is_an_error(query):
    with pytest.raises(indexer.QueryError):
        indexer.parse_query(query)


@pytest.fixture()
def variants_index(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "jian.txt").write_text("简体\n\n国际论坛召开。坚决做到两个确立，发展枫桥经验。“公安姓党”。\n",
                                    encoding="utf-8")
    (seeds / "fan.txt").write_text("繁體\n\n國際論壇召開。堅決做到兩個確立，發展楓橋經驗。\"公安姓黨\"。(五)、7•1、甲，乙。\n",
                                   encoding="utf-8")
    (seeds / "wj.txt").write_text("武警\n\n武警部队执行任务。\n", encoding="utf-8")
    (seeds / "wz.txt").write_text("武装警察\n\n中国人民武装警察部队。\n", encoding="utf-8")
    (seeds / "synonyms.txt").write_text("# 同义词\n武警 武装警察\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as session:
        yield seeds, tmp_path / "ix", session


def doc_ids(session, q):
    return {i.split("-s")[0] for i in session.all_section_ids(session.parse(q))}


@pytest.mark.parametrize("query", ["国际论坛", "國際論壇", "两个确立", "兩個確立", "楓橋經驗", "枫桥经验",
                                   "国際论壇"])
def test_traditional_and_simplified_find_each_other(variants_index, query):
    _seeds, _ix, session = variants_index
    assert doc_ids(session, query) == {"jian", "fan"}
    page = session.search(session.parse(query))
    marked = {h.doc_id: re.findall(r"<mark>(.*?)</mark>", h.snippet) for h in page.hits}
    # highlights land on each document's own characters
    assert all(normalized(m) == normalized(query) for ms in marked.values() for m in ms)
    assert any(ch in "".join(marked["fan"]) for ch in "國際論壇兩個確立楓橋經驗")


@pytest.mark.parametrize("query,docs", [
    ('“公安姓党”', {"jian", "fan"}), ('"\\"公安姓党\\""', set()), ("（五）", {"fan"}), ('"(五)"', {"fan"}),
    ("7·1", {"fan"}), ("甲,乙", {"fan"}),
])
def test_punctuation_variants_fold(variants_index, query, docs):
    _seeds, _ix, session = variants_index
    if docs:
        assert doc_ids(session, query) == docs
    else:
        session.parse(query)


def test_synonyms_expand_highlight_and_rank_below_exact(variants_index):
    seeds, ix, session = variants_index
    page = session.search(session.parse("武警"))
    assert [h.doc_id for h in page.hits] == ["wj", "wz"]  # exact match first
    assert "<mark>武装警察</mark>" in page.hits[1].snippet
    assert page.query.reading == "武警 (≈武装警察)"
    assert doc_ids(session, '"武警"') == {"wj"}  # a quoted phrase is exact: no synonyms
    (seeds / "synonyms.txt").write_text("", encoding="utf-8")
    report = indexer.update(seeds, ix)
    assert not report.full
    assert doc_ids(session, "武警") == {"wj"}
    # the update says it took the new synonyms.txt into use (new-user trial: "up to date,
    # nothing written"), and an update after it has nothing to say of it
    assert report.synonym_groups == 0 and report.summary().startswith(
        "documents up to date, synonyms.txt changed")
    assert report.notes() == ["synonyms.txt changed: 0 synonym group(s) in use from now on"]
    again = indexer.update(seeds, ix)
    assert again.synonym_groups is None and again.summary().startswith("up to date, nothing")


def test_user_dictionary_is_used_and_its_change_rebuilds(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("题目\n\n牢牢把握公安姓党的根本政治属性。\n", encoding="utf-8")
    (seeds / "synonyms.txt").write_text("公安 警察\n", encoding="utf-8")
    first = indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as s:
        assert "公安姓党" not in s.words("牢牢把握公安姓党")
    (seeds / "userdict.txt").write_text("公安姓党 10 n\n", encoding="utf-8")
    (seeds / "synonyms.txt").write_bytes(b"\xff\xfe\xfd\x80\x81 \xc3\x28\n")  # unreadable
    second = indexer.update(seeds, tmp_path / "ix")
    assert second.full and second.generation != first.generation
    assert "userdict.txt" not in second.indexed
    # the rebuild names its cause, and a synonyms.txt edited with it (breaker: "built by
    # another version of the analysis code", and nothing of synonyms.txt, or "read again"
    # for one that could not be read)
    assert second.notes()[:2] == [
        "userdict.txt changed; rebuilt from the documents",
        "synonyms.txt changed: 0 synonym group(s) in use from now on (some or all of it could "
        "not be used: see failed)"]
    assert second.counts()["dictionary_changed"]
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as s:
        assert "公安姓党" in s.words("牢牢把握公安姓党")
        assert s.search(s.parse("公安姓党")).total == 1
    assert not indexer.update(seeds, tmp_path / "ix").wrote


def test_long_query_falls_back_to_partial_matches(seed_session, seed_sections):
    query = "青海公安必须深刻认识两个确立的决定性意义并且努力奋斗到底"
    parsed = indexer.parse_query(query)
    assert seed_session.all_section_ids(parsed) == set()
    page = seed_session.search(parsed)
    assert page.partial and page.total >= 1 and len(page.partial_words) >= 2
    covered = []
    for hit in page.hits:
        text = normalized(next(s.text for s in seed_sections if s.section_id == hit.section_id))
        covered.append(sum(w in text for w in page.partial_words))
    assert min(covered) >= 1
    # the section that holds the most of the query comes first
    assert covered[0] == max(covered)
    # exact intent never falls back
    assert not seed_session.search(indexer.parse_query(f'"{query}"')).partial


def test_pasted_paragraph_is_capped(seed_session, seeds_dir):
    text = (seeds_dir / f"{DOC}.txt").read_text(encoding="utf-8")[500:2600]
    parsed = indexer.parse_query(text)
    page = seed_session.search(parsed)
    cut = [n for n in parsed.notes if n.startswith("查询过长")]
    assert cut and 500 <= int(re.search(r"前 (\d+) 个字符", cut[0]).group(1)) <= 1000
    assert page.total >= 1 and len(page.partial_words) <= 64
    assert page.partial_shortened == (len(page.partial_words) == 64)


@pytest.mark.parametrize("query, read_as", [
    ("|".join(["公安"] * 500), "公安"),
    (" OR ".join(["公安", "哈哈", "新闻", "广东"] * 75), "公安 OR 哈哈 OR 新闻 OR 广东"),
    ("公安 " * 333 + "广东" * 10, "公安"),
    ("公" * 1200, "公" * 1000),
])
def test_a_long_query_is_cut_between_words(query, read_as):
    """Cut at exactly 1,000 characters, ``公安|公安|…`` searched for ``公`` too, and ``… OR 新闻
    OR`` for ``O`` ANDed with 新闻 (breaker): the cut falls between words, drops an operator
    it leaves dangling, and the note gives the length searched."""
    parsed = indexer.parse_query(query)
    assert parsed.reading == read_as
    searched = int(re.search(r"前 (\d+) 个字符", parsed.notes[0]).group(1))
    assert searched <= 1000 and indexer.parse_query(query[:searched]).reading == read_as


def test_zero_results_suggest_queries_that_find_something(seed_session):
    page = seed_session.search(indexer.parse_query('"量子计算机" 公安'))
    assert page.total == 0 and "公安" in page.suggestions
    page = seed_session.search(indexer.parse_query('"两个确定"'))
    assert page.total == 0 and page.suggestions
    for s in page.suggestions:
        assert seed_session.search(indexer.parse_query(s)).total > 0


@pytest.mark.parametrize("query", ['"兩個確定"', '"「兩個確定」"', '"兩个確定"', '"兩個两个"'])
def test_a_suggested_piece_is_in_the_characters_typed(seed_session, seed_sections, query):
    """A Traditional query's pieces are suggested as typed (new-user trial: 「勞動合同」 was
    suggested 劳动合同), and each still finds what its normalized form finds."""
    page = seed_session.search(indexer.parse_query(query))
    assert page.total == 0 and page.suggestions
    typed = query.strip('"「」')
    # one search is suggested once, in whichever spelling comes first (breaker: 兩個 and 两个)
    assert len({normalized(s) for s in page.suggestions}) == len(page.suggestions)
    for s in page.suggestions:
        assert s in typed and seed_session.search(indexer.parse_query(s)).total == len(
            oracle.unquoted(seed_sections, s))


def test_suggestions_are_never_cut_at_a_space_or_punctuation_only(seed_session):
    """A one-word query is suggested its longest pieces that occur; "c++ 11" has pieces such
    as "+ " and " 1" that occur but that nobody would type."""
    page = seed_session.search(indexer.parse_query('"C++ 11"'))
    assert page.total == 0
    for s in page.suggestions:
        assert s == s.strip() and any(ch.isalnum() for ch in s)
    page = seed_session.search(indexer.parse_query('"两个确定"'))
    assert page.suggestions  # pieces are still suggested


def test_zero_result_page_shows_reading_and_suggestions(client):
    from bs4 import BeautifulSoup

    resp = client.get("/search", query_string={"q": '"量子计算机" 公安'})
    page = BeautifulSoup(resp.get_data(as_text=True), "html.parser")
    assert '"量子计算机" 公安' in page.select_one(".empty").get_text()
    assert [a.get_text() for a in page.select("a.suggestion")][0] == "公安"
    data = client.get("/search.json", query_string={"q": '"量子计算机" 公安'}).get_json()
    assert data["suggestions"][0] == {"query": "公安", "url": "/search?q=%E5%85%AC%E5%AE%89"}


@pytest.mark.parametrize("q, several", [("蓝鲸湖", False), ('"量子计算机" 蓝鲸湖', True)])
def test_zero_result_advice_fits_the_number_of_words(client, q, several):
    """Without suggestions, the page advises fewer characters, and dropping a word only when
    there is more than one (a one-word query was told to drop "one of its words")."""
    from bs4 import BeautifulSoup

    data = client.get("/search.json", query_string={"q": q}).get_json()
    assert data["total"] == 0 and not data["suggestions"] and not data["partial"]
    page = BeautifulSoup(client.get("/search", query_string={"q": q}).get_data(as_text=True),
                         "html.parser")
    advice = page.select_one(".empty").get_text()
    assert "试试少写几个字" in advice and ("去掉其中一个词" in advice) == several


def test_help_page(client):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(client.get("/help").get_data(as_text=True), "html.parser")
    codes = {c.get_text() for c in page.select("code")}
    assert {"广东 OR 青海", "公安 -广东", "title:两个确立", '"安全 稳定"'} <= codes
    for a in page.select(".syntax a"):
        assert client.get(a["href"]).status_code == 200


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=40))
@example("\x01-a")  # read as -a once the control character is dropped: an exclusion only
def test_any_user_string_gets_a_well_formed_answer(client, text):
    from webapp.params import clean_query

    resp = client.get("/search.json", query_string={"q": text})
    data = resp.get_json()
    text = clean_query(text)  # what the service reads, and shows back, of what was sent
    try:
        indexer.parse_query(text)
        parses = True
    except indexer.QueryError:
        parses = False
    # the parser is the code under test too: text with something to search for and none of
    # the characters that can make a query unsearchable (quotes, exclusions) must be searched
    plain = not re.search("[\"\uff02\\-\uff0d\ud800-\udfff]|NOT|\uff2e\uff2f\uff34", text)
    if plain and normalized(text):
        assert parses, text
    if parses:
        assert resp.status_code == 200 and isinstance(data["total"], int)
        assert isinstance(data["hits"], list) and isinstance(data["read_as"], str)
    else:
        assert resp.status_code == 400 and data["error"]


def test_words_near_each_other_rank_above_the_same_words_far_apart(tmp_path):
    filler = "会议强调要持续推进各项工作落实到位。" * 8
    ix = small_index(tmp_path, {"far.txt": f"远\n\n治安防控{filler}基层建设。\n",
                                "near.txt": f"近\n\n{filler}治安防控和基层建设。\n"})
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        page = s.search(s.parse("治安防控 基层建设"))
        assert [h.doc_id for h in page.hits] == ["near", "far"]


def test_partial_results_are_not_counted_as_containing_the_query(client):
    from bs4 import BeautifulSoup

    html = client.get("/search", query_string={"q": "<script>公安</script>"}).get_data(as_text=True)
    count = BeautifulSoup(html, "html.parser").select_one("#result-count").get_text()
    assert "部分匹配" in count and "找到" not in count
    # said first: no section holds the whole query
    assert " ".join(count.split()).startswith("没有章节符合 <script>公安</script>；")
    # the concordance lists occurrences of the whole query: none here, so no link to it
    assert "语境索引" not in html
    data = client.get("/search.json", query_string={"q": "<script>公安</script>"}).get_json()
    assert data["partial"] and data["concordance_url"] is None
    data = client.get("/search.json", query_string={"q": '"量子计算机"'}).get_json()
    assert data["total"] == 0 and data["concordance_url"] is None  # nothing to list either
    data = client.get("/search.json", query_string={"q": "公安"}).get_json()
    assert data["total"] and data["concordance_url"] == "/concordance?q=%E5%85%AC%E5%AE%89"


def test_every_partial_match_shows_what_it_matched(client, seeds_dir):
    """A query whose words all split into single characters gets suggestions, not partial
    matches, and so does one none of whose longer words occurs (苹果手机的价格 listed every
    section holding 的); a partial match that shares only single characters with the query
    has those marked, never "0 matches"."""
    sections = oracle.load_sections(seeds_dir)
    data = client.get("/search.json", query_string={"q": "张三 王五"}).get_json()
    assert (data["total"], data["partial"]) == (0, False)
    assert not any("苹果" in s.text or "手机" in s.text or "价格" in s.text for s in sections)
    for q in ("苹果手机的价格", "隐藏的文字"):
        data = client.get("/search.json", query_string={"q": q}).get_json()
        assert (data["total"], data["partial"], data["hits"]) == (0, False, [])
    data = client.get("/search.json", query_string={"q": "公安手机的价格", "per_page": 100}).get_json()
    assert data["partial"] and data["total"] >= 1  # every hit holds 公安, none only 的
    assert all("<mark>公安</mark>" in h["snippet"] for h in data["hits"])
    # a rarer single character is a partial match of its own, and marked
    data = client.get("/search.json", query_string={"q": "量子计算的省", "per_page": 100}).get_json()
    assert data["partial"] and data["total"] >= 1
    assert all(h["match_count"] >= 1 and "<mark>" in h["snippet"] for h in data["hits"])
    holding = {s.section_id for s in sections
               if any(w in normalized(s.text) for w in data["partial_words"])}
    assert {h["section_id"] for h in data["hits"]} <= holding


def test_deep_nesting_and_negation_runs_are_read_without_recursion():
    """Parentheses past MAX_DEPTH are dropped with a note; NOT NOT x is x (parity)."""
    from indexer.query import MAX_DEPTH, parse_query

    deep = parse_query("(" * (MAX_DEPTH + 40) + "公安" + ")" * (MAX_DEPTH + 40) + " 民警")
    assert [c.norm for c in deep.clauses] == ["公安", "民警"] and isinstance(deep.root, All)
    assert any(str(MAX_DEPTH) in n for n in deep.notes)
    assert parse_query("NOT NOT 公安").root == Clause("公安", "公安", False, "body")
    odd = parse_query("NOT " * 201 + "公安 民警").root
    assert isinstance(odd, All) and odd.children[0] == Not(Clause("公安", "公安", False, "body"))


def test_a_lone_dash_is_ignored_with_a_note_not_searched():
    """"公安 -" (typed on the way to "公安 -维护") searches 公安; a dash alone is still literal."""
    typing = indexer.parse_query("公安 -")
    assert typing.root == Clause("公安", "公安", False, "body") and typing.notes
    assert [c.norm for c in indexer.parse_query("2022 - 2023").clauses] == ["2022", "2023"]
    alone = indexer.parse_query("-")
    assert alone.root.norm == "-" and not any("单独" in n for n in alone.notes)


def test_a_field_prefix_without_a_word_is_ignored_with_a_note():
    """title:( … ) is not a grouped title search: the group is searched in the text and the
    page says the prefix was ignored; "title:" alone is still searched literally."""
    grouped = indexer.parse_query("title:(广东 | 青海)")
    assert isinstance(grouped.root, Any) and all(c.field == "body" for c in grouped.clauses)
    assert any("title:" in n for n in grouped.notes)
    assert indexer.parse_query("title:").root.norm == "title:"


def test_title_matches_never_span_the_article_and_section_titles(seed_session, seed_sections):
    """Article "…二十大" + section "一、…": title:大一 once matched across the two."""
    s = next(s for s in seed_sections if s.article_title.endswith("二十大") and s.title.startswith("一、"))
    across = s.article_title[-1] + s.title[0]
    within = {x.section_id for x in seed_sections
              if across in normalized(x.article_title) or across in normalized(x.title)}
    assert seed_session.all_section_ids(indexer.parse_query(f"title:{across}")) == within


def test_suggestions_with_synonyms_are_queries_that_find_something(tmp_path):
    """A suggestion is typed text: a clause's synonyms (shown as "(≈粤)") are not part of it."""
    ix = small_index(tmp_path, {"a.txt": "广东公安工作。\n", "synonyms.txt": "广东 粤\n"})
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        page = s.search(s.parse("广东 兔"))
        assert page.total == 0 and "广东" in page.suggestions
        assert all(s.search(s.parse(q)).total for q in page.suggestions)
        # probed as it will be searched, synonyms included: under an exclusion they exclude
        # more (-粤 also drops the sections holding 广东), so '公安 -粤' finds nothing here
        page = s.search(s.parse("公安 -粤 兔"))
        assert page.total == 0 and "公安 -粤" not in page.suggestions
        assert all(s.search(s.parse(q)).total for q in page.suggestions)


def test_a_long_synonym_line_gives_its_first_terms_and_is_reported(tmp_path):
    """A line of 40 terms in synonyms.txt: its first 32 (MAX_SYNONYMS) are a group and the
    index reports the line; the rest match only themselves. A line of 5,000 (breaker: 2.3 s
    of every search, the answer listing all 5,000) is cut the same way. Ground truth: which
    file holds which term."""
    from indexer.query import MAX_SYNONYMS, synonym_map

    terms = [f"同义{k:02d}号" for k in range(40)]
    files = {f"t{k:02d}.txt": f"第{k}篇\n\n本文只写{t}。\n" for k, t in enumerate(terms)}
    ix = small_index(tmp_path, {**files, "synonyms.txt": " ".join(terms) + "\n"})
    report = indexer.update(tmp_path / "seeds", ix)
    assert [f for f in report.failed if f[0] == "synonyms.txt"] == [[
        "synonyms.txt",
        f"line 1: 40 terms is over the {MAX_SYNONYMS}-term limit of a group; "
        f"its first {MAX_SYNONYMS} are used"]]
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        assert doc_ids(s, terms[0]) == {f"t{k:02d}" for k in range(MAX_SYNONYMS)}
        assert doc_ids(s, terms[-1]) == {"t39"}
        assert s._synonyms() is s._synonyms()  # worked out once, not per request
    huge = synonym_map([[f"词{k}" for k in range(5000)], ["词1", "另一个"]])
    assert len(huge) == MAX_SYNONYMS + 1 and len(huge["词1"]) == MAX_SYNONYMS
    assert huge["另一个"] == ("词1",) and "词4999" not in huge


def test_synonym_lines_count_a_term_once_and_a_crowded_term_is_reported():
    """A line of one term written 35 times (and in Traditional) and another is a group of
    two, not a line over the limit (breaker: the second term was cut off); a term with more
    synonyms than the limit over all its lines is reported by name."""
    from indexer.query import MAX_SYNONYMS, read_synonyms

    groups, problems = read_synonyms("凤凰丙 " * 35 + "鳳凰丙 冒充\n")
    assert groups == [["凤凰丙", "冒充"]] and problems == []
    lines = "\n".join(f"枢纽词 分支{k:02d}" for k in range(40))
    groups, problems = read_synonyms(lines + "\n# 注释 不是 词\n孤单\n")
    assert len(groups) == 40 and problems == [
        f"枢纽词 has 40 synonyms, over the limit of {MAX_SYNONYMS}; "
        f"it matches the first {MAX_SYNONYMS}"]
    # a flood of problems is listed up to 20, then counted (breaker: 20,000 lines of them)
    groups, problems = read_synonyms("\n".join(" ".join(f"词{k}_{j}" for j in range(40))
                                              for k in range(100)))
    assert len(groups) == 100 and len(problems) == 21
    assert problems[0].startswith("line 1: 40 terms") and problems[-1] == (
        "80 more problems of the same kinds, not listed")


@pytest.mark.parametrize("query, expected", [
    ("的 -的", lambda has: set()),
    ("公安 -公安", lambda has: set()),
    ("-公安 公安", lambda has: set()),
    ("(广东 | 青海) -广东", lambda has: has("青海") - has("广东")),
    ("(公安 -广东) | 广东", lambda has: (has("公安") - has("广东")) | has("广东")),
    ("公安 (广东 | 公安)", lambda has: has("公安")),
    ("公安 公安 广东", lambda has: has("公安") & has("广东")),
])
def test_a_clause_repeated_across_not_or_or_keeps_its_meaning(seed_session, seed_sections,
                                                              query, expected):
    """Only a clause repeated beside itself in one AND/OR is redundant; one repeated under a
    NOT or in another group changes the result (ground truth: substring sets)."""
    def has(text):
        return oracle.quoted(seed_sections, text)

    parsed = seed_session.parse(query)
    assert seed_session.all_section_ids(parsed) == expected(has)


def test_suggestion_probes_stop_at_the_time_budget(seed_session):
    """Suggestions run searches of their own (up to 40): none starts past the budget, so a
    query built to make them expensive cannot hold a worker beyond it."""
    parsed = seed_session.parse('"两个确立" "没有这个词语"')
    assert seed_session.search(parsed, budget_s=None).suggestions  # there is one to find
    assert seed_session.search(parsed, budget_s=0.0).suggestions == ()


@pytest.mark.parametrize("q", ["OR", "NOT", "OR OR", "( OR", "AND ("])
def test_a_query_of_operators_only_has_one_note_saying_it_is_searched_as_written(q):
    from indexer.query import OPERATORS_ONLY_NOTE

    parsed = indexer.parse_query(q)
    assert parsed.notes == (OPERATORS_ONLY_NOTE,)
    assert parsed.needles == [normalized(q)]


@pytest.mark.parametrize("q", ["公安\ud800", "\udfff", "doc:x\ud83d 公安"])
def test_a_query_with_a_lone_surrogate_is_refused_not_a_crash(seed_session, q):
    with pytest.raises(indexer.QueryError):
        seed_session.search(seed_session.parse(q))


@pytest.mark.parametrize("query", ["公安 量子", "公安机关 量子计算", "民警 青海 量子", "公安手机的价格", "量子计算的省",
                                   "安厅 火星", "长会 火星", "安机 量子", "公安公安",
                                   "公安公安公安公安公安公安"])
def test_partial_matches_are_every_section_containing_a_typed_word(seed_session, seed_sections,
                                                                   query):
    """When no section holds every term, the partial matches are exactly the sections whose
    text contains one of the query's words of two or more characters (公安 inside 公安机关,
    which jieba cuts as one word, included) or holds one of its single characters as a word
    of its own (的 the particle, not every 的), one holding the most of them first; when
    only one word occurs anywhere, they rank as that word alone would (not in indexing
    order)."""
    page = seed_session.search(indexer.parse_query(query), per_page=100)
    assert page.partial
    words = [w for w in page.partial_words if len(w) > 1]
    texts = {s.section_id: normalized(s.text) for s in seed_sections}
    as_words = {s.section_id: set(seed_session.words(s.text)) for s in seed_sections}
    # a single character counts held as a word by fewer than half of the sections (的 not)
    chars = [w for w in page.partial_words if len(w) == 1
             and 2 * sum(w in held for held in as_words.values()) < len(seed_sections)]
    holding = {s.section_id for s in seed_sections
               if any(w in texts[s.section_id] for w in words)
               or set(chars) & as_words[s.section_id]}
    assert page.total == len(holding) and {h.section_id for h in page.hits} <= holding
    assert len(page.hits) == min(len(holding), 100)
    # every word typed apart counts whole, though jieba cuts 安厅 into 安 and 厅
    typed = [normalized(t) for t in query.split() if len(normalized(t)) > 1] if " " in query else []
    assert {sid for sid, text in texts.items() if any(t in text for t in typed)} <= holding
    assert set(page.partial_absent) == {w for w in words if not any(w in t for t in texts.values())}
    covered = [sum(w in texts[h.section_id] for w in words) for h in page.hits]
    assert covered[0] == max(covered)
    occurring = [w for w in words if any(w in t for t in texts.values())]
    if len(occurring) == 1:
        scores = [h.score for h in page.hits]
        assert scores == sorted(scores, reverse=True) and len(set(scores)) > 1


def test_partial_ranking_does_not_depend_on_how_the_index_is_cut_into_segments(tmp_path,
                                                                               monkeypatch):
    """The same documents in one segment, or in two (one per update, unmerged), give the same
    partial matches with the same scores: how many of the words occur is counted over the
    whole index, not per segment as Whoosh's coordination does."""
    import whoosh.writing

    monkeypatch.setattr(whoosh.writing, "MERGE_SMALL", whoosh.writing.NO_MERGE)
    texts = {"a.txt": "公安工作\n\n公安机关加强公安队伍建设。\n\n另一节：公安。\n",
             "b.txt": "量子通信\n\n量子计算与量子通信的进展。\n"}
    results = []
    for name, batches in (("one", [list(texts)]), ("two", [["a.txt"], ["b.txt"]])):
        seeds = tmp_path / name / "seeds"
        seeds.mkdir(parents=True)
        for batch in batches:
            for f in batch:
                (seeds / f).write_text(texts[f], encoding="utf-8")
            indexer.update(seeds, tmp_path / name / "ix")
        handle = indexer.open_index(tmp_path / name / "ix")
        with handle.ix.searcher() as s:
            assert len(s.reader().leaf_readers()) == len(batches)
        with indexer.SearchSession(handle) as session:
            page = session.search(session.parse("公安队伍 量子计算"), per_page=50)
            assert page.partial
            results.append([(h.section_id, round(h.score, 9)) for h in page.hits])
        handle.ix.close()
    assert results[0] == results[1] and len(results[0]) == 2


@pytest.mark.parametrize("query", ["公安 doc:no-such-document", "公安 title:没有这样的标题"])
def test_a_filter_clause_that_finds_nothing_is_dropped_in_a_suggestion(seed_session,
                                                                      seed_sections, query):
    """``doc:`` and ``title:`` clauses are clauses like the others: when one of them is why
    nothing matches, the query without it is suggested (and finds what ground truth says)."""
    page = seed_session.search(indexer.parse_query(query))
    assert page.total == 0 and "公安" in page.suggestions
    # the one word searched for is never the clause dropped
    doc = seed_sections[0].section_id.rsplit("-s", 1)[0]
    assert seed_session.search(indexer.parse_query(f"量子 doc:{doc}")).suggestions == ()
    holding = {s.section_id for s in seed_sections if "公安" in normalized(s.text)}
    assert seed_session.all_section_ids(indexer.parse_query("公安")) == holding != set()


def test_a_doc_clause_naming_no_document_is_said(client, seed_sections):
    """'公安 doc:nope' finds nothing because no document is called nope: the page says so
    (as it does for a doc= filter) and still suggests the query without it; a doc: clause
    naming a real document is not listed."""
    from bs4 import BeautifulSoup

    data = client.get("/search.json", query_string={"q": "公安 doc:nope"}).get_json()
    assert data["total"] == 0 and data["unknown_documents"] == ["nope"]
    assert data["suggestions"]
    html = client.get("/search", query_string={"q": "公安 doc:nope"}).get_data(as_text=True)
    page = BeautifulSoup(html, "html.parser")
    assert "nope" in page.select_one(".unknown-document").get_text()
    assert page.select("a.suggestion")  # the way out is still offered
    doc = seed_sections[0].section_id.rsplit("-s", 1)[0]
    data = client.get("/search.json", query_string={"q": f"量子 doc:{doc}"}).get_json()
    assert data["total"] == 0 and data["unknown_documents"] == []


def test_a_single_character_makes_a_partial_match_only_as_a_word(tmp_path):
    """In partial matching a single character counts where jieba cuts it as a word of its own:
    the 的 of 目的地 is no partial match for 苹果手机的价格, the particle 的 is."""
    ix = small_index(tmp_path, {f"{name}.txt": f"标题{name}\n\n{body}\n" for name, body in
                                {"a": "目的地很远。", "b": "苹果很好吃。", "c": "我的书。"}.items()})
    with indexer.SearchSession(indexer.open_index(ix)) as session:
        assert "的" in session.words("我的书") and "的" not in session.words("目的地很远")
        page = session.search(session.parse("苹果手机的价格"))
        assert page.partial
        assert sorted(h.doc_id[0] for h in page.hits) == ["b", "c"]


def test_partial_matches_keep_to_the_documents_a_doc_clause_names(seed_session, seed_sections):
    """``doc:X`` beside words that no section holds together restricts the partial matches to
    document X, as the ``doc=`` filter does, instead of dropping the fallback."""
    doc = seed_sections[0].section_id.rsplit("-s", 1)[0]
    plain = seed_session.search(indexer.parse_query("公安 量子"), per_page=100)
    within = seed_session.search(indexer.parse_query(f"doc:{doc} 公安 量子"), per_page=100)
    filtered = seed_session.search(indexer.parse_query("公安 量子"), per_page=100,
                                   filters=indexer.Filters(doc_id=doc))
    assert within.partial and within.total == filtered.total == plain.total > 0
    assert [h.section_id for h in within.hits] == [h.section_id for h in filtered.hits]
    assert all(h.doc_id == doc for h in within.hits)
    gone = seed_session.search(indexer.parse_query("doc:no-such-doc 公安 量子"))
    assert gone.total == 0


@pytest.mark.parametrize("query", ["公安 量子", "公安 民警", "公安", "量子", "民警 火星 量子"])
def test_the_document_view_names_the_query_words_the_document_lacks(client, seed_sections,
                                                                     query):
    """A partial-match hit's document holds some of the query's words: its view (and JSON)
    names the others, those no section of it contains; a query of one word names none."""
    doc = seed_sections[0].section_id.rsplit("-s", 1)[0]
    texts = [normalized(s.text) for s in seed_sections if s.section_id.startswith(doc + "-")]
    data = client.get(f"/doc/{doc}.json", query_string={"q": query}).get_json()
    words = query.split()
    expected = [w for w in words if not any(w in t for t in texts)] if len(words) > 1 else []
    assert data["absent"] == expected
    html = client.get(f"/doc/{doc}", query_string={"q": query}).get_data(as_text=True)
    assert ("本文档没有：" + "、".join(expected) in html) == bool(expected)


def test_partial_matches_each_hold_a_telling_word_also_within_a_filter(tmp_path):
    """Every partial match holds a word that tells sections apart: one holding 部队 came
    first, then every section holding 的 (breaker); and within a document that lacks 部队
    there is no partial match, though 部队 occurs elsewhere."""
    ix = small_index(tmp_path, {"a.md": "# 甲\n\n部队的任务是训练。\n\n# 乙\n\n我们的工作很多。\n",
                                "b.md": "# 丙\n\n他们的书在桌上。\n\n# 丁\n\n今天的天气很好。\n"})
    with indexer.SearchSession(indexer.open_index(ix)) as session:
        page = session.search(session.parse("部队的火星人"), per_page=100)
        assert page.partial and page.total == 1 and "部队" in page.hits[0].snippet
        doc_b = next(d.doc_id for d in session.documents() if d.path.endswith("b.md"))
        filtered = session.search(session.parse("部队的火星人"), per_page=100,
                                  filters=indexer.Filters(doc_id=doc_b))
        assert (filtered.partial, filtered.total) == (False, 0)


@pytest.mark.parametrize("query", ["武警 -武装警察", "-武装警察 武警", "武警 NOT 武装警察"])
def test_an_exclusion_does_not_exclude_a_synonym_the_query_searches_for(variants_index, query):
    """With 武警 and 武装警察 synonyms, "武警 -武装警察" excluded 武警 too and found nothing, with
    no word (breaker); it finds the sections holding 武警 and not 武装警察, and says why."""
    _seeds, _ix, session = variants_index
    parsed = session.parse(query)
    assert doc_ids(session, query) == {"wj"}
    assert any("没有排除它的同义词 武警" in n for n in parsed.notes)
    assert doc_ids(session, "武警") == {"wj", "wz"}  # the positive clause still expands


@pytest.mark.parametrize("query, excluded", [
    ('公安 -"" 广东', False), ('公安 NOT "" 广东', False), ('公安 -"" -"" 广东', False),
    ('公安 -title: 广东', True), ('公安 NOT title: 广东', True), ('公安 -doc: 广东', True),
    ('公安 -title:(广东 | 青海)', True),
])
def test_a_negation_keeps_to_what_the_person_negated(seed_session, seed_sections, query,
                                                     excluded):
    """A - before empty quotes negates nothing ("公安 -"" 广东" found the sections without 广东:
    breaker); a - before a dropped title:/doc: prefix still negates what follows, as it would
    with the prefix ("公安 -title:(广东 | 青海)" became an inclusion: second breaker round).
    Ground truth: substring tests over the section texts."""
    others = ["广东", "青海"] if "青海" in query else ["广东"]
    want = {s.section_id for s in seed_sections if "公安" in s.text
            and any(o in s.text for o in others) != excluded}
    parsed = indexer.parse_query(query)
    assert seed_session.all_section_ids(parsed) == want and want
    assert parsed.notes


@pytest.mark.parametrize("query, said", [
    ("-公安 OR 广东", "OR 的每一边"), ("广东 OR -公安", "OR 的每一边"),
    ("\u200b" * 5000 + "公安", "查询过长"),
    (" ".join(f"-词{i}" for i in range(33)) + " 的", "词语过多"),
], ids=["or-exclusion-first", "or-exclusion-last", "cut-at-length", "cut-at-words"])
def test_a_refused_query_is_told_what_it_lacks_and_that_it_was_cut(query, said):
    """An OR with a side of exclusions only was told it had no word to find; a query whose
    words were cut off by the length caps was told only what was left (breaker)."""
    with pytest.raises(indexer.QueryError) as refused:
        indexer.parse_query(query)
    assert said in str(refused.value)


def test_the_document_view_marks_only_the_sections_the_query_matches(client, seeds_dir):
    """``公安 -广东``: the results and the concordance count the sections without 广东, and
    the document view marked 公安 in every section, 82 marks against their 57 (breaker)."""
    from indexer.normalize import normalized

    from . import oracle

    sections = oracle.load_sections(seeds_dir)
    keep = {s.section_id for s in sections if "公安" in normalized(s.text)
            and "广东" not in normalized(s.text)}
    want = {s.section_id: normalized(s.text).count("公安") for s in sections if s.section_id in keep}
    assert keep and len(keep) < len(oracle.quoted(sections, "公安"))  # the case under test
    results = client.get("/search.json", query_string={"q": "公安 -广东", "per_page": 50}).get_json()
    assert {h["section_id"] for h in results["hits"]} == keep
    conc = client.get("/concordance.json", query_string={"q": "公安 -广东"}).get_json()
    assert conc["total"] == sum(want.values())
    doc_id = results["hits"][0]["doc_id"]
    doc = client.get(f"/doc/{doc_id}.json", query_string={"q": "公安 -广东"}).get_json()
    counts = {s["section_id"]: s["match_count"] for s in doc["sections"] if s["match_count"]}
    assert counts == {k: v for k, v in want.items() if k.startswith(doc_id)}
    page = client.get(f"/doc/{doc_id}", query_string={"q": "公安 -广东"}).get_data(as_text=True)
    assert page.count("<mark") == sum(counts.values())


def branch_needles(node, section) -> list[str] | None:
    """The documented counting of a query tree on one section: the positive clauses of the
    branches it matches (None: it does not match); an OR counts its matched branches only,
    and a title: clause counts only where no text clause was matched with it."""
    found = _branch_clauses(node, section)
    if found is None:
        return None
    text = [c for c in found if c.field == "body"]
    return [c.norm for c in text or found]


def _branch_clauses(node, section) -> list | None:
    if isinstance(node, Clause):
        return [node] if matches(node, section) else None
    if isinstance(node, Not):
        return None if matches(node.child, section) else []
    parts = [_branch_clauses(c, section) for c in node.children]
    if isinstance(node, All):
        return None if None in parts else [n for p in parts for n in p]
    found = [p for p in parts if p is not None]
    return [n for p in found for n in p] if found else None


@pytest.mark.parametrize("q", ["广东 OR (青海 平安)", "公安 OR (鑫鑫鑫 平安)",
                               "广东 OR (平安 -平安)", "(公安 广东) OR (青海 -公安)",
                               "title:公安 OR 青海"])
def test_an_or_counts_and_marks_only_the_branches_a_section_matches(client, seeds_dir, q):
    """``会见 OR (习近平 鑫鑫鑫)`` selects the sections of 会见 alone, yet counted, listed and
    marked the 习近平 in them: 254 occurrences where 会见 has 97 (breaker). Each section counts
    the words of the branches it matches, in every view."""
    from . import oracle

    sections = oracle.load_sections(seeds_dir)
    root = indexer.parse_query(q).root
    want = {}
    for s in sections:
        found = branch_needles(root, s)
        if found is not None:
            text = normalized(s.text)
            want[s.section_id] = sum(len(oracle.match_spans(text, [n])) for n in dict.fromkeys(found))
    leaves = {c.norm for c in indexer.parse_query(q).clauses}
    every = sum(len(oracle.match_spans(normalized(s.text), [n])) for s in sections
                if s.section_id in want for n in leaves)
    assert want and every > sum(want.values())  # some section holds a word it does not count
    hits = client.get("/search.json", query_string={"q": q, "per_page": 100}).get_json()
    assert hits["total"] == len(want) <= 100
    assert {h["section_id"]: h["match_count"] for h in hits["hits"]} == want
    conc = client.get("/concordance.json", query_string={"q": q, "per_page": 100}).get_json()
    assert conc["total"] == sum(want.values())
    for doc_id in {h["doc_id"] for h in hits["hits"]}:
        doc = client.get(f"/doc/{doc_id}.json", query_string={"q": q}).get_json()
        counts = {x["section_id"]: x["match_count"] for x in doc["sections"] if x["match_count"]}
        assert counts == {k: v for k, v in want.items() if k.startswith(doc_id) and v}, doc_id


@pytest.mark.parametrize("query, found", [
    ("了解", "tw"), ('"充分了解"', "tw"), ("凭借", "tw"), ("仿佛", "tw"), ("借口", "tw"),
    ("家具", "tw"), ("苏醒", "tw"), ("計畫", "cn"), ("瞭解 政策", "tw"), ("title:計畫", None),
    # what a character is alone is no other spelling: 着 alone converts to 著 (著作), 幺 to 么
    # (什么); taken as variants they found 著作权 and 什么 (breaker)
    ("着", None), ("幺", None), ("显着", None),
    # t2s reads its input as Traditional: the surname 沈 of a Simplified 沈醉 became 沉 (沉醉)
    ("沈醉", None),
])
def test_a_query_finds_the_other_standards_spelling_of_its_words(tmp_path, query, found):
    """Traditional is folded to Simplified a character at a time, which cannot tell 瞭 in
    瞭解 (了解) from 瞭 in 瞭望: a search for 了解 missed a Taiwanese text's 瞭解, 凭借 missed
    憑藉, 計畫 missed 计划 (breaker). A query matches its OpenCC phrase-level spellings too;
    the text is not converted (see spelling_variants), and other words are not: 了望 and 计划
    stay apart from the words here."""
    ix = small_index(tmp_path, {
        "tw.md": "# 臺灣施政年報\n\n民眾充分瞭解政策內容，憑藉各方努力，彷彿一切順利；"
                 "藉口不再，傢俱齊全，經濟甦醒。\n",
        "cn.md": "# 年度工作\n\n本年度计划已经完成。\n",
        "other.md": "# 其他\n\n登高瞭望，了却心愿。著作权显著，什么都有。沉醉于山水。\n",
    })
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        page = s.search(s.parse(query))
        assert {h.path for h in page.hits} == ({found + ".md"} if found else set()), query
        if found:
            # the variant is marked where it was found
            assert "<mark>" in page.hits[0].snippet
            conc = s.concordance(s.parse(query))
            assert conc.total >= 1
            view = s.document(page.hits[0].doc_id, s.parse(query + " 年"))
            assert not view.absent  # 了解 is there, as 瞭解


def test_spelling_variants_of_odd_text_never_fail():
    """A NUL ended OpenCC's reading of the text, so its pieces no longer lined up and a query
    holding one was a 500 (found by the hypothesis test above, whose shrinking then ran for
    many minutes)."""
    from indexer.normalize import spelling_variants

    assert spelling_variants("了解\x00政策") == ("瞭解政策",)
    assert spelling_variants("\r了解\r\n") == ("瞭解",)
    for odd in ("\x00", "了\x00", "\n\n了解", "了" * 40, "\ud7ff了解", "了\u2028解"):
        assert isinstance(spelling_variants(odd), tuple)



def test_synonyms_reach_the_spellings_of_a_word(tmp_path):
    """With 了解 and 知悉 synonyms, 瞭解 had no synonyms and 知悉 did not find 瞭解; 计划 -計畫
    found nothing without a word (breaker)."""
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "synonyms.txt").write_text("了解 知悉\n", encoding="utf-8")
    for name, text in {"tw.md": "# 甲\n\n民眾瞭解情況。\n", "cn.md": "# 乙\n\n大家知悉此事。\n",
                       "plan.md": "# 丙\n\n年度计划。\n"}.items():
        (seeds / name).write_text(text, encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as s:
        def paths(q):
            return {h.path for h in s.search(s.parse(q)).hits}
        assert paths("知悉") == paths("瞭解") == paths("了解") == {"tw.md", "cn.md"}
        page = s.search(s.parse("计划 -計畫"))
        assert page.total == 0 and any("同一个词的不同写法" in n for n in page.query.notes)
        # no note where sections can still match (breaker), nor for the same word excluded as
        # written (new-user trial)
        for q in ("了解 OR (知悉 -瞭解)", "了解 -title:瞭解", "计划 -计划"):
            assert not any("不同写法" in n for n in s.parse(q).notes), q
        assert s.search(s.parse("了解 OR (知悉 -瞭解)")).total == 2


def test_numbers_and_symbols_are_found_as_written_not_as_nfkc_spells_them(tmp_path):
    """New-user trial: NFKC spells ``Ⅲ`` as ``III``, so ``Ⅰ级应急响应`` also counted the Ⅱ级 and
    Ⅲ级 responses; ``①`` was every ``1``, ``㎡`` every ``M2`` (the money supply), and ``…`` was
    counted four times in ``……``. Such characters match themselves only, while the forms that
    write the same text still match (full-width ``２０２２``, ``CO₂`` = ``CO2``). Ground truth:
    occurrences counted the plain way, character by character, over the files' own text in one
    case (no character in them has another width or script to fold)."""
    files = {
        "a.txt": "启动Ⅲ级应急响应。\n\n一、响应\n\n本地启动Ⅱ级应急响应，①组织人员1名；面积12㎡。\n",
        "b.txt": "启动Ⅰ级应急响应……\n\n一、货币\n\nM2增长1.5%，人均12 m2，CO₂排放下降…TM™\n",
    }
    ix = small_index(tmp_path, files)

    def occurrences(needle: str) -> int:  # overlapping ones included, as the service counts
        return sum(sum(text.casefold().startswith(needle.casefold(), i) for i in range(len(text)))
                   for text in files.values())

    with indexer.SearchSession(indexer.open_index(ix)) as s:
        for query in ("Ⅰ级应急响应", "Ⅱ级应急响应", "Ⅰ级", "①", "㎡", "…", "M2", "1", "TM", "™"):
            found = s.concordance(s.parse(f'"{query}"'))
            assert found.total == occurrences(query), query
        # the same text in another form still matches
        assert s.concordance(s.parse("co2")).total == 1
        assert s.concordance(s.parse("ＣＯ２")).total == 1
        assert {o.match for o in s.concordance(s.parse('"m2"')).occurrences} == {"M2", "m2"}


@pytest.mark.parametrize("typed, ascii_form", [
    ("公安 －广东", "公安 -广东"),
    ("（广东 | 青海） 平安", "(广东 | 青海) 平安"),
    ("公安 ｜ 广东", "公安 | 广东"),
    ("公安 ＯＲ 广东", "公安 OR 广东"),
    ("－（广东 ｜ 青海） 公安", "-(广东 | 青海) 公安"),
    ("公安 ＮＯＴ 广东", "公安 NOT 广东"),
    # half typed in one input mode, half in the other: each closer pairs with the nearest
    # opener of either width (breaker: a stray ）was searched for, or （公安 was a word)
    ("（公安 (广东 | 青海））", "(公安 (广东 | 青海))"),
    ("（公安 （广东 | 青海)）", "(公安 (广东 | 青海))"),
    ("(公安 （广东 | 青海))", "(公安 (广东 | 青海))"),
])
def test_operators_typed_full_width_are_operators(seed_session, seed_sections, typed, ascii_form):
    """A Chinese input method types －, ｜, （）and ＯＲ: they were searched as text, so
    ``公安 －广东`` listed partial matches marking the very word to exclude (breaker). They read
    as their ASCII forms; ground truth for the exclusion from the section texts."""
    parsed = indexer.parse_query(typed)
    assert parsed.root == indexer.parse_query(ascii_form).root and not parsed.notes
    assert seed_session.all_section_ids(parsed) == seed_session.all_section_ids(
        indexer.parse_query(ascii_form))
    if typed == "公安 －广东":
        assert seed_session.all_section_ids(parsed) == \
            oracle.unquoted(seed_sections, "公安") - oracle.unquoted(seed_sections, "广东") != set()


@pytest.mark.parametrize("typed", ["（2021年修订）", "刑法（2020年修正）", '"（广东 青海）"', "（广东 青海",
                                   "气温 －5℃", "广东 𝐎𝐑 青海"])
def test_full_width_parentheses_in_text_stay_text(typed):
    """Chinese text is written with （）: a pasted title stays one term to find as written; only
    a pair holding a space or an operator groups, and never inside quotes or unpaired. A
    full-width minus before a digit is a negative number (－5℃), and only full-width capitals
    make an operator word, no other look-alike (𝐎𝐑): breaker."""
    parsed = indexer.parse_query(typed)
    words = [c.text for c in parsed.clauses]
    assert words == ([typed.strip('"')] if " " not in typed or '"' in typed
                     else typed.split())


def test_ascii_parentheses_against_a_word_are_text_and_a_lone_word_group_says_so(tmp_path):
    """A lawyer pastes ``刑法修正案(十一)`` or ``第(一)项`` from Word: the ASCII parentheses
    grouped, so the concordance counted every 十一 and 一 (72 and 22,087 where the texts hold 2
    and 16), with no note (new-user trial). A pair holding one word against a word is text;
    a pair standing alone around one word still groups, and the page says how to find it."""
    text = ("根据刑法修正案（十一）第一条，依照第(一)项处理。\n\n"
            "十一月，第一项工作完成；刑法修正案(十一)已经施行。(一)总则。\n")
    ix = small_index(tmp_path, {"a.txt": text})
    norm = normalized(text)
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        for typed, written in (("刑法修正案(十一)", "刑法修正案(十一)"), ("第(一)项", "第(一)项"),
                               ("公司法(2018)", "公司法(2018)")):
            parsed = s.parse(typed)
            assert [c.norm for c in parsed.clauses] == [normalized(written)] and not parsed.notes
            assert s.concordance(parsed).total == norm.count(normalized(written)), typed
        assert norm.count(normalized("刑法修正案(十一)")) == 2
        lone = s.parse("(一)")
        assert [c.norm for c in lone.clauses] == ["一"] and lone.notes == (
            indexer.query.LONE_WORD_GROUP_NOTE,)
        assert s.concordance(s.parse('"(一)"')).total == norm.count("(一)") == 2
    for grouped, words in (("(广东 | 青海) 平安", ["广东", "青海", "平安"]),
                           ("((((公安)))) 民警", ["公安", "民警"]), ("-(公安) 民警", ["民警"])):
        parsed = indexer.parse_query(grouped)
        assert [c.norm for c in parsed.clauses] == words and not parsed.notes, grouped
    # an operator, a quote, a "-" or a field prefix against or inside the pair is no word:
    # NOT(机关) was read as the text "NOT(机关)", flipping the query (breaker)
    for typed, spaced in (("公安 NOT(机关)", "公安 NOT 机关"), ("罚金 OR(没收)", "罚金 OR 没收"),
                          ("(广东)OR 公安", "广东 OR 公安"), ("公安(-广东)", "公安 -广东"),
                          ("公安(title:广东)", "公安 title:广东"), ('"罚金"(没收)', '"罚金" 没收'),
                          ('罚金("没收")', '罚金 "没收"'), ("公安 AND(广东)", "公安 广东")):
        parsed = indexer.parse_query(typed)
        assert parsed.root == indexer.parse_query(spaced).root and not parsed.notes, typed
    # typed half in each input mode, a pair against a word is text too (breaker: 第(一）项
    # still grouped, counting every 一)
    assert [c.norm for c in indexer.parse_query("第(一）项").clauses] == [normalized("第(一)项")]


def test_ascii_parentheses_against_a_colon_are_text_unless_it_is_a_fields(tmp_path):
    """A journalist pastes ``(新闻联播)：`` from a transcript: the colon ended the word beside
    the pair, so it grouped, and the search counted every 新闻联播 and every ： with no note
    (new-user trial: 5,426 occurrences where the texts hold 1,796). A colon is a word break
    only as a field's, ``title:(机关)``."""
    text = ("央视网消息(新闻联播)：今天上午，会议召开。\n\n"
            "新闻联播：节目预告。时间：七点。\n\n消息：(新闻联播)报道。\n")
    ix = small_index(tmp_path, {"a.txt": text})
    norm = normalized(text)
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        for typed in ("(新闻联播)：", "(新闻联播):", "消息：(新闻联播)", "(新闻联播)：今天"):
            parsed = s.parse(typed)
            assert [c.norm for c in parsed.clauses] == [normalized(typed)] and not parsed.notes
            assert s.concordance(parsed).total == norm.count(normalized(typed)) > 0, typed
    # an operator written against the pair still applies to it (breaker: NOT(新闻联播)： was
    # read as one word, and the sections to exclude came back as partial matches)
    for typed in ("习近平 NOT(新闻联播)：", "习近平 ＮＯＴ(新闻联播)：", "罚金 OR(没收)："):
        assert indexer.parse_query(typed).root == \
            indexer.parse_query(typed.replace("(", " (").replace(")", ") ")).root, typed
    for typed, spaced in (("标题：(机关) 公安", "标题：机关 公安"), ("公安 title:(机关)", "公安 title:机关")):
        assert [c.norm for c in indexer.parse_query(typed).clauses] == \
            [c.norm for c in indexer.parse_query(spaced).clauses], typed


def test_document_numbers_quotes_and_dashes_are_found_as_typed(tmp_path):
    """A clerk types a document number's 〔2024〕 as 【2024】, [2024] or （2024） (a pinyin
    keyboard gives no 〔), 「」 for “”, and —— where a PDF holds the two-em dash ⸺; each found
    nothing but partial matches (new-user trial). Ground truth: the one place each is written."""
    text = "县政办发〔2024〕12号：推进「放管服」改革。\n\n⸺2024年1月20日\n"
    ix = small_index(tmp_path, {"a.txt": text})
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        for typed, written in (("【2024】12号", "〔2024〕12号"), ("[2024]12号", "〔2024〕12号"),
                               ("（2024）12号", "〔2024〕12号"), ("〖2024〗12号", "〔2024〕12号"),
                               ("“放管服”", "「放管服」"), ("——2024年", "⸺2024年")):
            found = s.concordance(s.parse(f'"{typed}"'))
            assert [o.match for o in found.occurrences] == [written], typed
            assert s.search(s.parse(typed)).total == 1 and not s.search(s.parse(typed)).partial


def test_a_long_querys_note_counts_from_its_start_and_an_open_phrase_keeps_its_operators():
    """The note said 只搜索了前 899 个字符 of a query that began with spaces it did not count,
    and the cut took OR off the end of an open quoted phrase, where it is text (breaker)."""
    query = " " * 100 + "公安 " * 320
    parsed = indexer.parse_query(query)
    searched = int(re.search(r"前 (\d+) 个字符", parsed.notes[0]).group(1))
    assert parsed.reading == indexer.parse_query(query[:searched]).reading
    phrase = '"' + "a " * 497 + "a OR " + "b" * 10
    assert indexer.parse_query(phrase).clauses[0].norm.endswith("a or")


def _counted(text: str, clauses) -> list[tuple[int, int]]:
    """Ground truth of what a query counts in ``text``, by plain substring search: every
    occurrence of each typed form (overlapping ones included), and each occurrence of a
    synonym that overlaps none of them, nor a synonym occurrence kept before it (by start,
    the longer first). ``clauses``: ``(typed forms, synonyms)`` per clause."""
    typed = {f for own, _ in clauses for f in own}
    synonyms = {f for _, syns in clauses for f in syns} - typed

    def found(f):
        return [(i, i + len(f)) for i in range(len(text)) if text.startswith(f, i)]
    spans = [span for f in typed for span in found(f)]
    covered = {j for a, b in spans for j in range(a, b)}
    for a, b in sorted((span for f in synonyms for span in found(f)),
                       key=lambda span: (span[0], -span[1])):
        if not covered.intersection(range(a, b)):
            spans.append((a, b))
            covered.update(range(a, b))
    return sorted(spans, key=lambda span: (span[0], -span[1]))


def test_synonyms_add_the_places_the_typed_words_leave(tmp_path):
    """Helpers 88, 89: with the synonym group 法院 人民法院, each 人民法院 counted, listed and
    marked as two matches of 法院 (a concordance of 74 where the texts hold 37 places), and a
    natural group such as 北京 北京市 doubled every 北京市 in a count of 北京. Helper 94: the
    first fix, merging forms within a clause, made 法院 and "法院" 人民法院 lose the 法院 of
    人民法院 that the quoted word counts, so adding a group lowered counts. Now every
    occurrence of a typed word counts, as without synonyms, and a synonym adds the places
    none touches, once each: in the hits, the concordance (rows, numbers, per-document
    counts) and the document view alike."""
    texts = {
        "a.md": "# 甲\n\n人民法院受理后，法院应当通知。最高人民法院和人民法院人民法院。法院法院\n",
        "b.md": "# 乙\n\n北京市政府与北京高校。北京市北京。北京市政府\n",
        "c.md": "# 丙\n\n哈哈哈，法院。\n",
        # more than a snippet locates of 哈哈 (SNIPPET_MATCHES)
        "d.md": "# 丁\n\n" + "哈哈哈，" * 1500 + "哈哈，" * 600 + "\n",
        "e.md": "# 戊\n\n中华人民共和国和人民共和国。\n",
    }
    ix = small_index(tmp_path, texts)
    (tmp_path / "seeds" / "synonyms.txt").write_text(
        "法院 人民法院\n北京 北京市 北京市政府\n哈哈 哈哈哈\n中华人民 人民共和国\n", encoding="utf-8")
    indexer.update(tmp_path / "seeds", ix)
    body = {name: text.split("\n\n", 1)[1].strip() for name, text in texts.items()}
    court = (["法院"], ["人民法院"]), (["人民法院"], ["法院"])
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        for q, clauses in [
                ("法院", [court[0]]), ("人民法院", [court[1]]),
                ('"法院" 人民法院', [(["法院"], []), court[1]]),
                ('"人民法院" 法院', [(["人民法院"], []), court[0]]),
                ("法院 人民法院", list(court)), ("法院 OR 人民法院", list(court)),
                ("北京", [(["北京"], ["北京市", "北京市政府"])]),
                ("北京市政府", [(["北京市政府"], ["北京", "北京市"])]),
                ("哈哈", [(["哈哈"], ["哈哈哈"])]), ("哈哈哈", [(["哈哈哈"], ["哈哈"])]),
                ("中华人民", [(["中华人民"], ["人民共和国"])])]:
            want = {name: _counted(text, clauses) for name, text in body.items()
                    if all(any(f in text for f in own + syns) for own, syns in clauses)}
            parsed = s.parse(q)
            page = s.search(parsed, per_page=20)
            assert {h.path: h.match_count for h in page.hits} == \
                {name: len(spans) for name, spans in want.items()}, q
            conc = s.concordance(parsed)
            assert conc.total == sum(len(spans) for spans in want.values()), q
            rows = {}
            for o in conc.occurrences:
                rows.setdefault(o.doc_id, []).append((o.start_char, o.end_char, o.number))
            for hit in page.hits:
                view = s.document(hit.doc_id, parsed).sections[0]
                at = view.text.index(body[hit.path])
                assert [(a, b) for a, b, _ in rows[hit.doc_id]] == \
                    [(at + a, at + b) for a, b in want[hit.path]], q
                assert [n for _, _, n in rows[hit.doc_id]] == list(range(1, len(want[hit.path]) + 1))
                assert view.match_count == len(want[hit.path]), q
            assert sorted(d.occurrences for d in conc.documents) == \
                sorted(len(spans) for spans in want.values()), q
            # a synonym group never lowers a count: the words alone, quoted, count no more
            exact = s.concordance(s.parse(parsed.exact_text)) if parsed.synonyms else conc
            assert exact.total <= conc.total, q
        # marked whole where the typed word is the longer: 人民法院 typed holds its synonym
        assert "<mark>人民法院</mark>" in s.search(s.parse("人民法院")).hits[0].snippet
        # different words of a query still count each (documented: "the occurrences of each
        # term added up"): 人民法院 holds 民法 and a 法院
        page = s.search(s.parse("民法 法院"))
        want = len(_counted(body["a.md"], [(["民法"], []), court[0]]))
        assert {h.path: h.match_count for h in page.hits} == {"a.md": want}
        # the concordance names only synonyms nobody typed (breaker: 法院 人民法院 said it
        # counted the synonyms 人民法院 and 法院)
        assert s.parse("法院 人民法院").synonyms == () and s.parse("法院").synonyms == ("人民法院",)
        # words typed where they are not counted are named (breaker: title:台湾 宝岛 counted
        # 台湾 as a synonym of 宝岛 and said nothing), and so are those of another branch
        assert s.parse("title:人民法院 法院").synonyms == ("人民法院",)
        # a synonym the query excludes is in no section counted, and is not named (breaker)
        assert s.parse("法院 -人民法院").synonyms == ()
        assert s.concordance(s.parse("法院 -人民法院")).total == sum(
            len(_counted(t, [court[0]])) for t in body.values()
            if "法院" in t and "人民法院" not in t)
        assert s.parse("法院 OR (人民法院 北京)").synonyms[:2] == ("人民法院", "法院")


def test_a_title_clause_reads_the_documents_title_too(tmp_path):
    """New-user trial: an analyst comparing two provinces' laws typed ``罚款 title:广东`` and
    found only each law's opening section, whose title is the law's name: the chapters below
    it (第五章 法律责任) hold the fines. A ``title:`` clause now holds for every section of a
    document whose title holds it, as for one whose own headings do; ground truth from the
    sections as the document parser gives them (never the index)."""
    files = {
        "gd.md": "# 广东省环境保护条例\n\n## 第一章 总则\n\n为了保护环境。\n\n"
                 "## 第二章 法律责任\n\n违反规定的，处以罚款。\n",
        "zj.md": "# 浙江省环境保护条例\n\n## 第一章 总则\n\n为了保护环境。\n\n"
                 "## 第二章 法律责任\n\n违反规定的，处以罚款；情节严重的，加倍罚款。\n",
        "gd2.md": "# 年度报告\n\n## 广东篇\n\n罚款收入下降。\n\n## 浙江篇\n\n罚款收入上升。\n",
    }
    ix = small_index(tmp_path, files)
    sections = oracle.load_sections(tmp_path / "seeds")
    with indexer.SearchSession(indexer.open_index(ix)) as s:
        for q in ("罚款 title:广东", "title:浙江", "罚款 -title:广东", "title:广东 OR 加倍",
                  "title:环境保护 title:法律责任", "title:(广东 | 浙江) 罚款"):
            parsed = s.parse(q)
            want = {x.section_id for x in sections if matches(parsed.root, x)}
            assert s.all_section_ids(parsed) == want, q
            assert want, q  # each asks for something the texts hold
        # the fines of 广东's law and of the report's 广东篇 (its heading), not 浙江's
        page = s.search(s.parse("罚款 title:广东"))
        assert {(h.path, h.section_title) for h in page.hits} == {
            ("gd.md", "第二章 法律责任"), ("gd2.md", "广东篇")}
        # the other words are counted, not the title's (new-user trial: 罚款 title:勞動 counted
        # the 40 勞動 of a labour law beside its 6 罰款), in the hits and the concordance
        text_of = {x.section_id: normalized(x.text) for x in sections}
        assert {h.section_id: h.match_count for h in page.hits} == {
            h.section_id: text_of[h.section_id].count("罚款") for h in page.hits}
        assert "<mark>广东</mark>" not in page.hits[1].snippet
        conc = s.concordance(s.parse("罚款 title:广东"))
        assert conc.total == sum(text_of[h.section_id].count("罚款") for h in page.hits)
        assert {o.match for o in conc.occurrences} == {"罚款"}
        # title: clauses alone count their words where the text holds them, as before
        page = s.search(s.parse("title:广东"))
        assert {h.section_id: h.match_count for h in page.hits} == {
            h.section_id: text_of[h.section_id].count("广东") for h in page.hits}
        # an OR branch through the title counts its words only where the text holds them
        page = s.search(s.parse("title:广东 OR 加倍"))
        assert {h.path: h.match_count for h in page.hits if h.section_title == "第二章 法律责任"} \
            == {"gd.md": 0, "zj.md": 1}
