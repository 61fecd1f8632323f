"""Every route in HTML and JSON; the error paths; HTML escaping. HTML is parsed, not grepped."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from bs4 import BeautifulSoup

from indexer.normalize import normalized

from . import oracle

DOC = "000_8750069abcf0ab7e"


@pytest.fixture(scope="module")
def n_sections(seeds_dir) -> int:
    """How many sections the bundled document has, by the document parser (not the index)."""
    return len(oracle.load_sections(seeds_dir))


def soup(resp):
    assert resp.mimetype == "text/html"
    return BeautifulSoup(resp.get_data(as_text=True), "html.parser")


def test_home_lists_the_collection(client, n_sections):
    page = soup(client.get("/"))
    box = page.find("input", id="q")
    assert box.has_attr("autofocus") and page.find("label", attrs={"for": "q"})
    assert page.find("form", role="search")["action"] == "/search"
    links = page.select(".doclist a")
    assert [a.get_text() for a in links] == ["尽职履责护稳定 喜迎党的二十大"]
    assert f"{n_sections} 个章节" in page.select_one(".doclist").get_text()
    assert page.find("html")["lang"] == "zh-CN"
    assert page.find("time").get_text().startswith("20")


def test_headed_document_toc_is_indented_not_duplicated(corpus_client):
    doc_id = next(d["doc_id"] for d in corpus_client.get("/docs.json").get_json()["docs"]
                  if d["source"] == "cases.md")
    page = soup(corpus_client.get(f"/doc/{doc_id}"))
    assert not page.select(".toc-article")
    items = page.select(".toc li")
    assert items[0]["class"] == ["depth-0"] and items[0].get_text() == "检索测试用例"
    assert {tuple(li["class"]) for li in items[1:]} == {("depth-1",)}


def test_docs_json(client, n_sections):
    data = client.get("/docs.json").get_json()
    assert data["docs"] == [{"doc_id": DOC, "title": "尽职履责护稳定 喜迎党的二十大",
                             "source": "000_8750069abcf0ab7e.txt", "sections": n_sections,
                             "lang": "zh-Hans", "url": f"/doc/{DOC}"}]


def test_search_page(client, seeds_dir):
    resp = client.get("/search?q=" + quote("两个确立"))
    page = soup(resp)
    want = oracle.quoted(oracle.load_sections(seeds_dir), "两个确立")
    assert page.select_one("#result-count strong").get_text() == str(len(want))
    assert page.find("input", id="q")["value"] == "两个确立"
    hits = page.select("li.hit")
    assert len(hits) == len(want)
    for hit in hits:
        assert all(m.get_text() == "两个确立" for m in hit.select(".snippet mark"))
        assert hit.select(".snippet mark")
        # document › article above the section's own title (not repeated in the breadcrumb)
        crumbs = [s.get_text() for s in hit.select(".breadcrumb span")]
        assert crumbs[0] == "尽职履责护稳定 喜迎党的二十大" and len(crumbs) == 2
        assert crumbs[-1] not in hit.select_one(".hit-title").get_text()
        href = hit.select_one(".hit-title a")["href"]
        parts = urlsplit(href)
        assert parts.path == f"/doc/{DOC}" and parse_qs(parts.query)["q"] == ["两个确立"]
        assert parts.fragment.startswith(DOC + "-s")
    assert page.find("link", rel="alternate", type="application/json")["href"].startswith("/search.json")


def test_search_json_shape_and_values(client, seeds_dir):
    data = client.get("/search.json?q=" + quote("公安") + "&per_page=5&page=2").get_json()
    want = oracle.unquoted(oracle.load_sections(seeds_dir), "公安")
    assert set(data) >= {"query", "total", "page", "per_page", "hits"}
    assert (data["query"], data["total"], data["page"], data["per_page"]) == ("公安", len(want), 2, 5)
    assert len(data["hits"]) == 5
    for hit in data["hits"]:
        assert set(hit) >= {"doc_id", "doc_title", "section_id", "section_title", "breadcrumb",
                            "url", "snippet", "score"}
        assert hit["section_id"] in want and "<mark>公安</mark>" in hit["snippet"]
        assert hit["url"].startswith(f"/doc/{DOC}?q=")
    assert data["prev"] == "/search?q=%E5%85%AC%E5%AE%89&per_page=5"


def test_hit_titles_mark_the_query_where_they_hold_it(client, seeds_dir):
    """A hit's title marks each occurrence of the query, as its snippet does, and otherwise
    reads as the plain title (escaped); a partial match's title marks its words."""
    import html as html_lib
    import re

    titles = sorted({s.title for s in oracle.load_sections(seeds_dir) if len(s.title) > 3})
    marked = 0
    for q in [titles[0][1:3], titles[-1][-3:-1], "安全", "公安 量子", "公安量子的火星"]:
        data = client.get("/search.json", query_string={"q": q, "per_page": 100}).get_json()
        # a partial match's titles mark what its snippets mark: the longer words, not 的
        needles = [w for w in data["partial_words"] if len(w) > 1] if data["partial"] \
            else [normalized(t) for t in q.split()]
        for hit in data["hits"]:
            shown = hit["display_title_html"]
            assert html_lib.unescape(re.sub(r"</?mark>", "", shown)) == hit["display_title"]
            want = sum(normalized(hit["display_title"]).count(n) for n in needles)
            assert bool(want) == ("<mark>" in shown)
            marked += "<mark>" in shown
        page = BeautifulSoup(client.get("/search", query_string={"q": q}).get_data(as_text=True),
                             "html.parser")
        for title, hit in zip(page.select("li.hit .hit-title a"), data["hits"]):
            assert title.get_text() == hit["display_title"]
            assert [m.get_text() for m in title.select("mark")] == re.findall(
                r"<mark>(.*?)</mark>", html_lib.unescape(hit["display_title_html"]))
    assert marked >= 2


def test_lead_sections_are_titled_by_their_article(client):
    data = client.get("/search.json", query_string={"q": "王志忠"}).get_json()
    hit = data["hits"][0]
    assert hit["section_title"] == "导语"
    assert hit["display_title"] == "聚焦主题主线，忠诚担当作为，以更高水平平安广东喜迎党的二十大（导语）"


def test_pages_partition_the_results(client):
    seen = []
    for page in (1, 2, 3):
        data = client.get(f"/search.json?q=%E5%AE%89&per_page=5&page={page}").get_json()
        seen += [h["section_id"] for h in data["hits"]]
    assert len(seen) == len(set(seen)) == min(15, data["total"])
    scores = [h["score"] for h in client.get("/search.json?q=%E5%AE%89&per_page=15").get_json()["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_pagination_links(client):
    page = soup(client.get("/search?q=%E5%AE%89&per_page=3"))
    nxt = page.find("a", rel="next")["href"]
    assert parse_qs(urlsplit(nxt).query) == {"q": ["安"], "page": ["2"], "per_page": ["3"]}
    page2 = soup(client.get(nxt))
    assert page2.find("a", rel="prev") and page2.select_one("ol.hits")["start"] == "4"


def test_document_view(client, seeds_dir, n_sections):
    page = soup(client.get(f"/doc/{DOC}?q=" + quote("两个确立")))
    sections = page.select("section.section")
    assert len(sections) == n_sections
    assert [s["id"] for s in sections] == [s.section_id for s in oracle.load_sections(seeds_dir)]
    assert all(s["id"].startswith(f"{DOC}-s") for s in sections)
    want = sum(normalized(s.text).count("两个确立") for s in oracle.load_sections(seeds_dir))
    assert want > 2
    assert [m.get_text() for m in page.select("mark")] == ["两个确立"] * want
    back = page.select_one("a.back")["href"]
    assert back == "/search?q=" + quote("两个确立")
    assert [a["href"] for a in page.select(".toc a")] == [f"#{s['id']}" for s in sections]


def test_document_json(client, seeds_dir):
    data = client.get(f"/doc/{DOC}.json").get_json()
    sections = oracle.load_sections(seeds_dir)
    assert data["doc_id"] == DOC and data["source"] == "000_8750069abcf0ab7e.txt"
    assert [s["text"] for s in data["sections"]] == [s.text for s in sections]
    assert [s["section_id"] for s in data["sections"]] == [s.section_id for s in sections]
    assert data["sections"][2]["breadcrumb"] == list(sections[2].breadcrumb)
    # an analyst comparing the provinces' articles reads whose each section is
    assert [(s["article_title"], s["author"]) for s in data["sections"]] == [
        (s.article_title, s.author) for s in sections]
    assert len({s.author for s in sections if s.author}) == 2
    assert "个确立" in data["sections"][2]["text"] and "“两\n" not in data["sections"][2]["text"]


@pytest.mark.parametrize("url", [
    "/search.json?q=a&page=0", "/search.json?q=a&page=-1", "/search.json?q=a&page=x",
    "/search.json?q=a&page=1000000000", "/search.json?q=a&per_page=0",
    "/search.json?q=a&per_page=101", "/search.json?q=a&per_page=1.5", "/search.json?q=a&page=1&page=2",
    "/search.json?q=", "/search.json?q=%20%20", "/search.json", '/search.json?q=%22%22',
    "/search.json?q=%E2%80%8B",
    # the concordance's CSV is a program's too: its errors came as an HTML page (new-user trial)
    "/concordance.csv?q=-%E4%B9%8B", "/concordance.csv?q=a&sort=nope", "/concordance.csv",
    # a document view's way back, given twice, was read as its first (breaker)
    "/doc/000_8750069abcf0ab7e.json?q=a&from=concordance&from=x",
])
def test_bad_parameters_are_400_json(client, url):
    resp = client.get(url)
    assert resp.status_code == 400
    assert resp.is_json and isinstance(resp.get_json()["error"], str) and resp.get_json()["error"]


@pytest.mark.parametrize("url", ["/search?q=a&page=0", "/search?q=", "/search?q=a&per_page=abc",
                                 "/doc/000_8750069abcf0ab7e?q=a&from=concordance&from=x"])
def test_bad_parameters_are_400_html(client, url):
    resp = client.get(url)
    assert resp.status_code == 400
    page = soup(resp)
    assert page.select_one(".message").get_text().strip()
    assert "Traceback" not in resp.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/doc/nope", "/doc/nope.json", "/doc/..%2F..%2Fetc%2Fpasswd",
                                 "/doc/%2e%2e", "/nowhere", "/nowhere.json", "/doc/"])
def test_unknown_is_404(client, url):
    resp = client.get(url)
    assert resp.status_code == 404
    if url.endswith(".json"):
        assert resp.get_json()["error"]
    else:
        assert soup(resp).select_one(".message")


def test_wrong_method_is_405(client):
    resp = client.post("/search.json?q=a")
    assert resp.status_code == 405 and resp.get_json()["error"] and "GET" in resp.headers["Allow"]
    # a program posting to a page gets JSON; a browser's form (it asks for HTML) a page
    # (breaker: raw JSON in the browser)
    assert client.post("/search?q=a").is_json
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    resp = client.post("/search?q=a", headers={"Accept": browser})
    assert resp.status_code == 405 and "GET" in resp.headers["Allow"]
    assert soup(resp).select_one(".message").get_text().strip() == "不支持这种请求方法。"


@pytest.mark.parametrize("q", ["*", "?", ":", "(", ")", '"', '"abc', "[a TO]", "AND", "OR", "NOT",
                               "~", "^", "\\", "a:b", "title:", "-", "+", "**", "a AND b", "!@#$%",
                               "\x00", "x" * 5000])
def test_odd_queries_never_break(client, seeds_dir, q):
    resp = client.get("/search.json", query_string={"q": q})
    assert resp.status_code in (200, 400)
    data = resp.get_json()
    if resp.status_code == 400:
        assert data["error"]
        return
    sections = oracle.load_sections(seeds_dir)
    assert data["total"] == len(oracle.unquoted(sections, q.replace('"', " ")))
    assert data["total"] < len(sections) or q in ("",)  # never the whole corpus by accident
    assert client.get("/search", query_string={"q": q}).status_code == 200


@pytest.mark.parametrize("raw", ["%ED%A0%80", "%E4%B8", "%FF%FE", "%C0%80"])
def test_invalid_utf8_in_the_url_is_400(client, raw):
    for path in ("/search.json?q=", "/search?q=", f"/doc/{DOC}?q=", "/?x="):
        resp = client.get(path + raw)
        assert resp.status_code == 400
        if ".json" in path:
            assert "UTF-8" in resp.get_json()["error"]


@pytest.mark.parametrize("raw", ["%zz", "%", "100%25", "a+b"])
def test_odd_but_valid_percent_encoding_is_searched(client, raw):
    assert client.get("/search.json?q=" + raw).status_code == 200


def test_a_term_typed_twice_is_one_clause(client):
    data = client.get("/search.json", query_string={"q": "硬仗 硬仗 \"硬仗\""}).get_json()
    assert data["read_as"] == "硬仗" and data["hits"][0]["match_count"] == 1


def test_long_query_is_cut_and_says_so(client):
    data = client.get("/search.json", query_string={"q": "公" * 5000}).get_json()
    assert data["total"] == 0 and any("1000" in n for n in data["notes"])


def test_unclosed_quote_is_read_as_a_phrase(client):
    data = client.get("/search.json", query_string={"q": '"两个确立'}).get_json()
    assert data["read_as"] == '"两个确立"' and data["total"] == 2 and len(data["notes"]) == 1
    data = client.get("/search.json", query_string={"q": '两个确立"'}).get_json()
    assert data["read_as"] == "两个确立" and data["notes"] == ["末尾多余的引号已忽略。"]


def test_error_page_keeps_the_query(client):
    page = soup(client.get("/search", query_string={"q": "两个确立", "page": "0"}))
    assert page.find("input", id="q")["value"] == "两个确立"
    assert "“0”" in page.select_one(".message").get_text()


def test_a_gone_document_offers_its_query_across_all_documents(client):
    """A bookmark of a document that was deleted answers 404 with its reason first and a link
    searching its query in all documents (new-user trial: a bare "404" and only a link home)."""
    resp = client.get("/doc/gone-0123456789", query_string={"q": "两个确立"})
    assert resp.status_code == 404
    page = soup(resp)
    assert page.find("h1").get_text() == page.select_one(".message").get_text() != "404"
    assert page.select_one(".code").get_text() == "HTTP 404"
    link = page.find("a", string="在全部文档中搜索“两个确立”")
    data = client.get(link["href"].replace("/search?", "/search.json?")).get_json()
    assert data["query"] == "两个确立" and data["total"] > 0
    bad = soup(client.get("/search", query_string={"q": "两个确立", "page": "0"}))
    assert not bad.find("a", string=lambda t: t and t.startswith("在全部文档中搜索"))
    blank = soup(client.get("/doc/gone-0123456789", query_string={"q": "   "}))
    assert not blank.find("a", string=lambda t: t and t.startswith("在全部文档中搜索"))


def test_page_past_the_end(client):
    resp = client.get("/search", query_string={"q": "两个确立", "page": "5"})
    page = soup(resp)
    assert resp.status_code == 200 and not page.select("li.hit")
    assert "只有 1 页" in page.select_one(".empty").get_text()
    assert "5 / 1" not in page.get_text()
    assert parse_qs(urlsplit(page.find("a", rel="prev")["href"]).query)["q"] == ["两个确立"]


def test_concordance_page_past_the_end(client):
    """A concordance page past the last says so and links back to the last page and the first
    (it showed 第 9 / 3 页 over an empty table, its 上一页 to the empty page 8: new-user trial)."""
    q = quote("公安")
    data = client.get(f"/concordance.json?q={q}&per_page=5&page=1").get_json()
    pages = data["pages"]
    assert pages > 1 and data["occurrences"]
    resp = client.get(f"/concordance?q={q}&per_page=5&page={pages + 7}")
    page = soup(resp)
    assert resp.status_code == 200 and not page.select("table.kwic tbody tr")
    assert f"只有 {pages} 页" in page.select_one(".empty").get_text()
    assert f"{pages + 7} / {pages}" not in page.get_text()
    prev = parse_qs(urlsplit(page.find("a", rel="prev")["href"]).query)
    assert prev["page"] == [str(pages)] and prev["per_page"] == ["5"]
    first = parse_qs(urlsplit(page.select_one(".empty a")["href"]).query)
    assert "page" not in first and first["q"] == ["公安"]
    past = client.get(f"/concordance.json?q={q}&per_page=5&page={pages + 7}").get_json()
    assert parse_qs(urlsplit(past["prev"]).query)["page"] == [str(pages)]
    # a page in range shows no such note
    assert not soup(client.get(f"/concordance?q={q}&per_page=5&page={pages}")).select(".empty")


def test_hits_matched_only_in_their_titles_say_so(client, seeds_dir):
    """A title: hit whose text lacks the clause says its match is in the title, not "0 处匹配"
    (new-user trial); hits whose text holds it keep their count."""
    texts = {s.section_id: s.text for s in oracle.load_sections(seeds_dir)}
    data = client.get("/search.json?q=" + quote("title:二十大") + "&per_page=50").get_json()
    page = soup(client.get("/search?q=" + quote("title:二十大") + "&per_page=50"))
    metas = [m.get_text() for m in page.select("li.hit .meta")]
    assert len(metas) == len(data["hits"]) == data["total"]
    in_text = [h["match_count"] > 0 for h in data["hits"]]
    assert any(in_text) and not all(in_text)
    for hit, meta in zip(data["hits"], metas):
        assert hit["match_count"] == texts[hit["section_id"]].count("二十大")
        if hit["match_count"]:
            assert meta.startswith(f"{hit['match_count']} 处匹配")
        else:
            assert meta.startswith("正文没有，匹配在标题中") and "0 处匹配" not in meta


def test_document_toc_is_grouped_by_article(client, n_sections):
    page = soup(client.get(f"/doc/{DOC}"))
    assert len(page.select(".toc a")) == n_sections
    assert [p.get_text() for p in page.select(".toc-article")] == [
        "聚焦主题主线，忠诚担当作为，以更高水平平安广东喜迎党的二十大",
        "聚力防范重大风险，全面深化平安建设，努力为党的二十大营造安全稳定的政治社会环境"]
    assert "**" not in page.get_text()


def test_script_in_query_is_escaped(client):
    q = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    body = client.get("/search", query_string={"q": q}).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    assert "&lt;script&gt;" in body


def test_script_in_documents_is_escaped(corpus_client):
    data = corpus_client.get("/search.json", query_string={"q": "alert"}).get_json()
    assert data["total"] >= 2
    for hit in data["hits"]:
        assert "<script" not in hit["snippet"] and "<img" not in hit["snippet"]
    doc_id = data["hits"][0]["doc_id"]
    body = corpus_client.get(f"/doc/{doc_id}", query_string={"q": "alert"}).get_data(as_text=True)
    assert "<script>alert" not in body and "<img src=x" not in body
    page = BeautifulSoup(body, "html.parser")
    # the only scripts are our own files, none inline
    assert all(s.get("src", "").startswith("/static/") and not s.string
               for s in page.find_all("script"))
    assert page.find("img") is None
    assert "<script>alert('t')</script>" in page.find("h1").get_text()


def test_failed_files_are_reported_and_the_rest_indexed(corpus_client):
    page = soup(corpus_client.get("/"))
    assert "bad-bytes.txt" in page.select_one(".failed").get_text()
    titles = [a.get_text() for a in page.select(".doclist a")]
    assert sorted(titles) == sorted(["检索测试用例", "nested", "标题<script>alert('t')</script>"])
    assert "sub/nested.txt" in page.select_one(".doclist").get_text()


def test_more_matches_counts_what_the_snippet_leaves_out(client, seeds_dir):
    sections = {s.section_id: s for s in oracle.load_sections(seeds_dir)}
    data = client.get("/search.json?q=" + quote("两个确立")).get_json()
    page = soup(client.get("/search?q=" + quote("两个确立")))
    for hit, li in zip(data["hits"], page.select("li.hit")):
        in_section = sections[hit["section_id"]].text.count("两个确立")
        shown = hit["snippet"].count("<mark>")
        assert hit["match_count"] == in_section
        assert hit["more_matches"] == in_section - shown
        note = li.select_one(".more")
        if hit["more_matches"]:
            assert f"另有 {hit['more_matches']} 处" in note.get_text()
        else:
            assert note is None
    assert any(h["more_matches"] for h in data["hits"])


def test_document_link_returns_to_the_same_results_page(client):
    page = soup(client.get("/search?q=" + quote("两个确立") + "&per_page=1&page=2"))
    href = page.select_one("li.hit .hit-title a")["href"]
    args = parse_qs(urlsplit(href).query)
    assert args == {"q": ["两个确立"], "page": ["2"], "per_page": ["1"]}
    back = soup(client.get(href)).select_one("a.back")["href"]
    assert parse_qs(urlsplit(back).query) == args and urlsplit(back).path == "/search"
    assert client.get(href.replace("page=2", "page=x")).status_code == 400


def test_static_assets_are_small_and_cached(client):
    def get(url, **kw):
        resp = client.get(url, **kw)
        resp.close()  # static files are streamed from an open file
        return resp

    page = soup(client.get("/"))
    urls = [page.find("link", rel="stylesheet")["href"]] + [s["src"] for s in page.find_all("script")]
    assert len(urls) >= 2
    for url in urls:
        path, _, query = url.partition("?")
        assert path.startswith("/static/") and query.startswith("v=")
        resp = client.get(url)
        body = resp.data
        resp.close()
        assert resp.status_code == 200 and len(body) < 16_000
        assert resp.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        etag = resp.headers["ETag"]
        # a stale or missing version must be revalidated, and revalidation is a 304
        assert get(path + "?v=000000000000").headers["Cache-Control"] == "no-cache"
        assert get(path, headers={"If-None-Match": etag}).status_code == 304
    # the version is the content's hash: it changes exactly when the file does
    css = next(u for u in urls if u.startswith("/static/style.css"))
    digest = hashlib.sha256((Path(client.application.static_folder) / "style.css").read_bytes())
    assert css.endswith("v=" + digest.hexdigest()[:12])
    assert get("/static/../pyproject.toml").status_code == 404


def test_query_text_is_isolated_from_the_page_direction(client):
    # an unclosed right-to-left override in the query must not reverse the rest of the line
    page = soup(client.get("/search?q=" + quote("\u202e公安")))
    reading = page.select_one("#result-count .reading")
    assert reading.name == "bdi" and "公安" in reading.get_text()


def test_concordance_pages_keep_per_page_and_lines_name_their_occurrence(client, seeds_dir):
    data = client.get("/concordance.json?q=" + quote("公安") + "&per_page=5&page=2").get_json()
    assert parse_qs(urlsplit(data["next"]).query)["per_page"] == ["5"]
    assert parse_qs(urlsplit(data["prev"]).query)["per_page"] == ["5"]
    sections = {s.section_id: s.text for s in oracle.load_sections(seeds_dir)}
    for o in data["occurrences"]:
        args = parse_qs(urlsplit(o["url"]).query)
        number = int(args.get("m", ["1"])[0])
        text = sections[o["section_id"]]
        # the m-th occurrence of the match in its section is this one
        assert [i for i in range(len(text)) if text.startswith("公安", i)][number - 1] == o["start_char"]


def test_an_index_of_no_sections_answers_every_page(tmp_path):
    """An empty seeds folder (or only empty or unreadable files) builds an index of no
    sections, which Whoosh reads through an EmptyReader without a segment: every search page
    answered 500 (breaker)."""
    import indexer
    from webapp import create_app
    from webapp.index_access import close_index

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "empty.txt").write_text("", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix")})
    try:
        client = app.test_client()
        q = quote("的")
        for path in ("/", f"/search?q={q}", f"/search.json?q={q}", f"/concordance?q={q}",
                     f"/concordance.json?q={q}", f"/concordance.csv?q={q}", "/docs.json",
                     "/status.json"):
            assert client.get(path).status_code == 200, path
        assert client.get(f"/search.json?q={q}").get_json()["total"] == 0
        assert client.get("/docs.json").get_json()["docs"] == []
    finally:
        close_index(app)


@pytest.mark.parametrize("url", [
    "/search.json?q=" + quote('"两个确立"'), "/search.json?q=" + quote("公安 广东"),
    "/search.json?q=" + quote("量子纠缠"), "/search.json?q=" + quote("<script>"), "/docs.json",
    f"/doc/{DOC}.json?q=" + quote("发展"), "/concordance.json?q=" + quote("发展"),
    "/search.json?q=" + quote('"'), "/search.json?q=x&page=0", "/nowhere.json", "/status.json",
])
def test_json_answers_are_the_bytes_flasks_own_encoder_writes(client, app, url):
    """The faster encoder (webapp/json_output.py) changes no answer: each JSON answer, errors
    included, is byte for byte what Flask's default provider writes for the same data."""
    import json

    from flask.json.provider import DefaultJSONProvider

    from webapp.json_output import OrjsonProvider

    assert isinstance(app.json, OrjsonProvider)
    resp = client.get(url)
    assert resp.mimetype == "application/json"
    flasks = DefaultJSONProvider(app)
    flasks.ensure_ascii = flasks.sort_keys = False
    with app.app_context():
        expected = flasks.response(json.loads(resp.get_data())).get_data()
    assert resp.get_data() == expected


def test_what_orjson_refuses_or_writes_otherwise_is_left_to_flasks_encoder(app):
    """Values orjson cannot write (an integer past 64 bits, keys that are not strings, a lone
    surrogate) or writes its own way (dates, dataclasses, Markup) come out as Flask's encoder
    writes them; sorted keys and debug-mode indentation too. Only NaN differs: null, not the
    NaN no JSON parser accepts."""
    import dataclasses
    import datetime
    import json

    from flask.json.provider import DefaultJSONProvider
    from markupsafe import Markup

    from webapp.json_output import OrjsonProvider

    @dataclasses.dataclass
    class Point:
        x: int

    values = [{"n": 2**70}, {1: "one", None: "none"},
              {"when": datetime.datetime(2026, 12, 2, 20, 0, tzinfo=datetime.timezone.utc)},
              {"day": datetime.date(2026, 12, 2)}, {"p": Point(3)}, {"html": Markup("<b>粗</b>")},
              ["中文", 1.5, None, True], {"b": 1, "a": {"d": 2, "c": 3}}]
    ours, flasks = OrjsonProvider(app), DefaultJSONProvider(app)
    flasks.ensure_ascii = flasks.sort_keys = False
    with app.app_context():
        for value in values:
            assert ours.response(value).get_data() == flasks.response(value).get_data(), value
        for provider in (ours, flasks):  # documents and queries never hold one (both refuse)
            with pytest.raises(UnicodeEncodeError):
                provider.response({"text": "a\ud800b"})
        ours.sort_keys = flasks.sort_keys = True
        for value in values[-2:]:
            assert ours.response(value).get_data() == flasks.response(value).get_data(), value
        ours.sort_keys = flasks.sort_keys = False
        ours.compact = flasks.compact = False
        assert ours.response(values[-1]).get_data() == flasks.response(values[-1]).get_data()
        ours.compact = None
        assert json.loads(ours.response({"s": float("nan")}).get_data()) == {"s": None}


def test_no_page_links_past_the_last_page_that_can_be_asked_for(client, monkeypatch):
    """Page MAX_PAGE of a longer result links to no next page (it linked to page 1001, which is
    refused with a 400: breaker) and says how to reach the rest; results and concordance."""
    from webapp import params

    monkeypatch.setattr(params, "MAX_PAGE", 3)
    q = quote("公安")
    for path in ["/search", "/concordance"]:
        data = client.get(f"{path}.json?q={q}&per_page=1&page=3").get_json()
        assert data["pages"] > 3 and data["last_page"] == 3 and data["next"] is None, path
        # the JSON says so too (it said nothing: new-user trial)
        assert data["paging_note"].startswith("只能翻到第 3 页"), path
        earlier = client.get(f"{path}.json?q={q}&per_page=1&page=2").get_json()
        assert earlier["next"] and earlier["paging_note"] is None
        assert client.get(f"{path}.json?q={q}&per_page=1&page=4").status_code == 400
        page = soup(client.get(f"{path}?q={q}&per_page=1&page=3"))
        assert page.find("a", rel="prev") and not page.find("a", rel="next")
        assert "只能翻到第 3 页" in page.select_one(".last-page").get_text()
        assert not soup(client.get(f"{path}?q={q}&per_page=1&page=2")).select(".last-page")


def test_a_long_facet_label_is_cut_in_the_middle():
    """What tells two versions of a law's chapters apart is at a label's end (the file's date):
    a label over 40 characters keeps its start and end (new-user trial)."""
    from webapp.filters import shorten

    label = "第七章 附则（中华人民共和国行政复议法 · 诉讼与非诉讼程序法/行政复议法(2023-09-01).md）"
    short = shorten(label, 40)
    assert len(short) == 40 and short.count("…") == 1
    assert short.startswith("第七章 附则（中华") and short.endswith("(2023-09-01).md）")
    assert shorten("第一章 总则", 40) == "第一章 总则" and shorten("甲" * 40, 40) == "甲" * 40


@pytest.mark.parametrize("path", ["/search", "/concordance", f"/doc/{DOC}"])
def test_a_control_character_in_the_query_is_not_written_back(client, path):
    """A NUL in ``q`` was written raw into the page; the browser showed it as U+FFFD in the
    search box, and Enter then searched for that (breaker). The page's query is the one
    searched, without the control characters matching ignores anyway."""
    resp = client.get(path, query_string={"q": "两个\x00确\x1b立"})
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200 and "\x00" not in html and "\x1b" not in html
    assert soup(resp).find("input", id="q")["value"] == "两个确立"
    data = client.get("/search.json", query_string={"q": "两个\x00确\x1b立"}).get_json()
    assert data["query"] == "两个确立"
    assert data["total"] == client.get("/search.json?q=" + quote("两个确立")).get_json()["total"] > 0


def test_a_document_with_too_many_matches_marks_the_first_and_counts_all(client, seeds_dir,
                                                                        monkeypatch):
    """Marking 350,000 matches of a 2 MB paragraph took 4 s and 15 MB of page (breaker): the
    view marks the first MAX_DOCUMENT_MARKS, counts all, and says so."""
    import indexer.searcher

    monkeypatch.setattr(indexer.searcher, "MAX_DOCUMENT_MARKS", 7)
    want = sum(normalized(s.text).count("的") for s in oracle.load_sections(seeds_dir))
    assert want > 7
    data = client.get(f"/doc/{DOC}.json?q=" + quote("的")).get_json()
    assert sum(s["match_count"] for s in data["sections"]) == want
    assert data["unmarked"] == want - 7
    page = soup(client.get(f"/doc/{DOC}?q=" + quote("的")))
    assert len(page.select("section.section mark")) == 7
    assert "只标出了前 7 处" in page.select_one(".unmarked").get_text()
    rare = sum(normalized(s.text).count("王志忠") for s in oracle.load_sections(seeds_dir))
    assert 0 < rare <= 7
    assert client.get(f"/doc/{DOC}.json?q=" + quote("王志忠")).get_json()["unmarked"] == 0


def test_control_characters_between_words_part_them_and_error_pages_clean_the_box_too(client):
    """A form feed copied from a PDF, a line break or an information separator parts words, as
    the query parser reads them; deleted, they joined 国家 to 人民政府 and turned -广东 into
    text; and an error page wrote a NUL back raw into its search box (breaker)."""
    for sent, read in [("国家\x0c人民政府", "国家 人民政府"), ("公安\x1e-广东", "公安 -广东"),
                       ("人民\n检索", "人民 检索"), ("两个\x85确立", "两个 确立"),
                       ("两个\x9b确立", "两个确立")]:
        data = client.get("/search.json", query_string={"q": sent}).get_json()
        assert data["query"] == read
        assert data["total"] == client.get("/search.json", query_string={"q": read}).get_json()["total"]
    for path, args in [("/search", {"q": "公安\x00", "page": "0"}), ("/doc/nope", {"q": "\x00公"}),
                       ("/concordance", {"q": "\x00公", "sort": "bad"}), ("/nowhere", {"q": "\x00x"})]:
        resp = client.get(path, query_string=args)
        assert resp.status_code in (400, 404) and "\x00" not in resp.get_data(as_text=True)
        box = soup(resp).find("input", id="q")
        assert box["value"] == args["q"].replace("\x00", "")


def test_a_json_address_with_a_trailing_slash_answers_json(client):
    """``/search.json/`` answered its 404 as an HTML page (breaker)."""
    resp = client.get("/search.json/?q=" + quote("公安"))
    assert resp.status_code == 404 and resp.mimetype == "application/json"
    assert resp.get_json()["error"]


def test_document_and_error_titles_say_what_the_tab_shows(client):
    """A document's <title> was its title alone, so two bookmarks of it for two queries looked
    the same, and an error tab read "404 - 中文全文检索" without saying what went wrong (UI
    review): a document's title names the query and the site, an error's says what it is."""
    def title(*args, **kwargs) -> str:
        return soup(client.get(*args, **kwargs)).title.get_text()

    doc_title = "尽职履责护稳定 喜迎党的二十大"
    assert title(f"/doc/{DOC}", query_string={"q": "两个确立"}) \
        == f"{doc_title}（两个确立）- 中文全文检索"
    assert title(f"/doc/{DOC}", query_string={"q": "公安", "from": "concordance"}) \
        == f"{doc_title}（公安）- 中文全文检索"
    assert title(f"/doc/{DOC}") == title(f"/doc/{DOC}", query_string={"q": "  "}) \
        == f"{doc_title} - 中文全文检索"
    assert len(title(f"/doc/{DOC}", query_string={"q": "公" * 500})) < len(doc_title) + 60
    assert title("/doc/gone-0123456789") == "没有这个文档（404）- 中文全文检索"
    assert title("/nowhere") == "没有这个页面（404）- 中文全文检索"
    assert title("/search", query_string={"q": ""}) == "请输入要搜索的文字（400）- 中文全文检索"
    long = soup(client.get("/search", query_string={"q": "两个确立", "page": "0"}))
    message = long.select_one(".message").get_text()
    assert long.title.get_text().startswith(message[:20]) and "（400）" in long.title.get_text()


def test_the_help_page_names_the_documents_folder_as_the_other_pages_do(client):
    """The help page called the folder of documents "种子文件夹", a word-for-word rendering of
    the code's "seeds folder" that no other page uses (UI review); the others say 文档文件夹."""
    text = soup(client.get("/help")).select_one("main").get_text()
    assert "种子" not in text and "文档文件夹中的 synonyms.txt" in text


def test_grouped_writes_counts_with_thousands_separators():
    from webapp.filters import grouped

    assert [grouped(n) for n in (0, 7, 999, 1000, 25123, 1234567)] == [
        "0", "7", "999", "1,000", "25,123", "1,234,567"]
    # only whole numbers: seconds, missing values and flags are left as they are
    assert grouped(1.25) == 1.25 and grouped(None) is None and grouped(True) is True


def test_large_counts_are_written_with_thousands_separators(tmp_path, monkeypatch):
    """Templates wrote "共出现 25123 次（只列出前 10000 次）" and "25000 处匹配（…前 20000 处）"
    (UI review): every count on a page is grouped, 1,200; addresses, ids, attributes and the
    JSON keep plain numbers."""
    import indexer
    import indexer.searcher
    from webapp import create_app

    from .conftest import small_index

    index = small_index(tmp_path, {"a.md": "# 书目\n\n## 第一部分\n\n" + "我的书。" * 1200
                                   + "\n\n## 第二部分\n\n他的书。\n"})
    client = create_app({"SEEDS_DIR": str(tmp_path / "seeds"), "INDEX_DIR": str(index),
                         "TESTING": True}).test_client()
    monkeypatch.setattr(indexer, "MAX_CONCORDANCE", 1100)
    monkeypatch.setattr(indexer.searcher, "MAX_DOCUMENT_MARKS", 1050)

    conc = soup(client.get("/concordance", query_string={"q": "的"}))
    assert "共出现 1,201 次（只列出前 1,100 次）" in conc.select_one("#conc-count").get_text()
    assert parse_qs(urlsplit(conc.find("a", rel="next")["href"]).query)["page"] == ["2"]
    assert client.get("/concordance.json", query_string={"q": "的"}).get_json()["total"] == 1201

    results = soup(client.get("/search", query_string={"q": "的"}))
    first = results.select("li.hit")[0]
    assert first.select_one(".meta").get_text().startswith("1,200 处匹配")
    assert "本节另有 1,1" in first.select_one(".more").get_text()
    assert results.select_one("ol.hits")["start"] == "1"
    hit = client.get("/search.json", query_string={"q": "的"}).get_json()["hits"][0]
    assert hit["match_count"] == 1200

    doc_id = hit["doc_id"]
    doc = soup(client.get(f"/doc/{doc_id}", query_string={"q": "的"}))
    nav = doc.select_one(".docnav").get_text()
    assert "1,201 处匹配" in nav and "只标出了前 1,050 处" in nav
    badge = doc.select_one(f"a[href='#{hit['section_id']}'] + .count-badge")
    assert badge.get_text() == "1,200 处匹配" and badge["title"] == "1,200 处匹配"


def test_back_to_the_first_page_keeps_the_page_size_and_the_filters(client):
    """A results page past the last linked 回到第一页 to /search?q=公安, dropping its filter
    and page size, where the concordance's link keeps them (UI review)."""
    article = client.get("/search.json", query_string={"q": "公安"}).get_json()[
        "facets"]["articles"][0]["value"]
    for filters in ({"doc": DOC}, {"article": article}):
        page = soup(client.get("/search", query_string={"q": "公安", "page": 9, "per_page": 5,
                                                        **filters}))
        link = page.find("a", string="回到第一页")["href"]
        assert parse_qs(urlsplit(link).query) == {
            "q": ["公安"], "per_page": ["5"], **{k: [v] for k, v in filters.items()}}
        first = client.get(link.replace("/search?", "/search.json?")).get_json()
        assert first["page"] == 1 and first["per_page"] == 5 and first["hits"]
        assert first["filters"][next(iter(filters))] == next(iter(filters.values()))


def test_a_document_is_tagged_with_the_script_it_is_written_in(tmp_path):
    """Traditional documents were served as zh-CN, so fonts drew them with the mainland's
    glyphs and screen readers read them as Simplified (new-user trials): the document view
    and its JSON say zh-Hant for a Traditional text, zh-Hans for a Simplified one."""
    from indexer.documents import doc_id_for
    from webapp import create_app

    from .conftest import small_index

    index = small_index(tmp_path, {
        "trad.md": "# 出師表\n\n先帝創業未半，而中道崩殂，今天下三分，益州疲弊。\n",
        "simp.md": "# 出师表\n\n先帝创业未半，而中道崩殂，今天下三分，益州疲弊。\n"})
    client = create_app({"SEEDS_DIR": str(tmp_path / "seeds"), "INDEX_DIR": str(index),
                         "TESTING": True}).test_client()
    for name, lang in (("trad.md", "zh-Hant"), ("simp.md", "zh-Hans")):
        doc_id = doc_id_for(name)
        assert client.get(f"/doc/{doc_id}.json").get_json()["lang"] == lang
        page = soup(client.get(f"/doc/{doc_id}", query_string={"q": "先帝"}))
        assert page.select_one("article.document")["lang"] == lang


def test_the_document_view_searches_within_its_document(tmp_path):
    """"刑法 第六十四条" finds nothing when 刑法 is only the law's title, and the law's page had
    no way to search it (new-user trial): its form sends the query with the document's filter,
    and the results are that document's sections holding it (ground truth from the files)."""
    from bs4 import BeautifulSoup

    from webapp import create_app

    from .conftest import close_index, small_index

    files = {"刑法.md": "# 刑法\n\n## 第一章\n\n第六十四条 没收。\n\n## 第二章\n\n第六十五条 累犯。\n",
             "民法.md": "# 民法\n\n## 第一章\n\n第六十四条 另一部法律。\n"}
    ix = small_index(tmp_path, files)
    app = create_app({"TESTING": True, "SEEDS_DIR": str(tmp_path / "seeds"), "INDEX_DIR": str(ix)})
    try:
        client = app.test_client()
        everywhere = client.get("/search.json", query_string={"q": "第六十四条"}).get_json()
        assert everywhere["total"] == sum("第六十四条" in t for t in files.values()) == 2
        doc_id = next(h["doc_id"] for h in everywhere["hits"] if h["doc_title"] == "刑法")
        page = BeautifulSoup(client.get(f"/doc/{doc_id}").get_data(as_text=True), "html.parser")
        form = page.select_one("form.docsearch")
        assert form["action"] == "/search" and form.select_one("input[name=doc]")["value"] == doc_id
        box = form.select_one("input[name=q]")
        assert box.has_attr("required") and box["pattern"] == page.select_one("#q")["pattern"]
        within = client.get(form["action"] + ".json", query_string={
            "q": "第六十四条", "doc": doc_id}).get_json()
        assert [h["section_title"] for h in within["hits"]] == ["第一章"]
    finally:
        close_index(app)


def test_traditional_text_is_tagged_on_every_page_that_shows_it(tmp_path):
    """New-user trial (a researcher in Taiwan): only the document view was tagged zh-Hant, so
    results, the concordance and the document list drew Traditional text with the mainland's
    glyphs (骨, 直, 令 differ). Each hit, concordance row and listed document carries its
    document's script, the one its document view is tagged with (and /doc/<id>.json says)."""
    from webapp import create_app

    from .conftest import small_index

    index = small_index(tmp_path, {
        "tw.md": "# 勞動基準法\n\n## 第一章 總則\n\n為規定勞動條件最低標準，保障勞工權益，特制定本法。\n",
        "cn.md": "# 劳动法\n\n## 第一章 总则\n\n为了保护劳动者的合法权益，调整劳动关系，制定本法。\n",
    })
    client = create_app({"SEEDS_DIR": str(tmp_path / "seeds"), "INDEX_DIR": str(index),
                         "TESTING": True}).test_client()
    data = client.get("/search.json", query_string={"q": "劳动"}).get_json()
    want = {h["doc_id"]: client.get(f"/doc/{h['doc_id']}.json").get_json()["lang"]
            for h in data["hits"]}
    assert sorted(want.values()) == ["zh-Hans", "zh-Hant"]
    assert {h["doc_id"]: h["lang"] for h in data["hits"]} == want
    page = soup(client.get("/search", query_string={"q": "劳动"}))
    assert [li["lang"] for li in page.select("li.hit")] == [h["lang"] for h in data["hits"]]
    conc = client.get("/concordance.json", query_string={"q": "劳动"}).get_json()
    assert {o["doc_id"]: o["lang"] for o in conc["occurrences"]} == want
    rows = soup(client.get("/concordance", query_string={"q": "劳动"})).select("table.kwic tbody tr")
    assert sorted({tr["lang"] for tr in rows}) == sorted(want.values())
    docs = client.get("/docs.json").get_json()["docs"]
    assert {d["doc_id"]: d["lang"] for d in docs} == want
    # and the facets and the concordance's per-document table (breaker)
    assert {f["value"]: f["lang"] for f in data["facets"]["documents"]} == want
    assert {f["value"].split("\x1f")[0]: f["lang"] for f in data["facets"]["articles"]} == want
    assert {d["doc_id"]: d["lang"] for d in conc["documents"]} == want
    facet_links = soup(client.get("/search", query_string={"q": "劳动"})).select(
        ".facets a[lang]")
    assert sorted({a["lang"] for a in facet_links}) == sorted(want.values())
    home = soup(client.get("/"))
    assert sorted(li["lang"] for li in home.select("main li[lang]")) == sorted(want.values())


def test_every_json_answer_and_the_csv_say_which_index_state_they_read(client):
    """New-user trial (a script building ground truth from /doc/<id>.json while a reindex
    ran): only /search.json and /concordance.json named the index state; the document list,
    a document's JSON and the CSV now do too, the same value for the same state."""
    version = client.get("/search.json", query_string={"q": "公安"}).get_json()["index_version"]
    assert version
    assert client.get("/docs.json").get_json()["index_version"] == version
    assert client.get(f"/doc/{DOC}.json").get_json()["index_version"] == version
    csv_resp = client.get("/concordance.csv", query_string={"q": "公安"})
    assert csv_resp.headers["X-Index-Version"] == version
