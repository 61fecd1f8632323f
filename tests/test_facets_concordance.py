"""Facet counts and the concordance, against plain substring scans over the section texts."""

from __future__ import annotations

import csv
import io
from collections import Counter
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from markupsafe import escape

import indexer
from indexer.documents import doc_id_for
from indexer.normalize import normalize, normalized

from . import oracle


@pytest.fixture(scope="module")
def sections(seeds_dir):
    return oracle.load_sections(seeds_dir)


@pytest.mark.parametrize("q", ["安全", "两个确立", "的", "公安 广东"])
def test_facet_counts_match_ground_truth(client, sections, q):
    data = client.get("/search.json", query_string={"q": q}).get_json()
    hits = [s for s in sections if s.section_id in oracle.unquoted(sections, q)]
    by_doc = Counter(s.doc_id for s in hits)
    by_article = Counter(s.article_title for s in hits if s.article_title)
    assert {f["value"]: f["count"] for f in data["facets"]["documents"]} == dict(by_doc)
    assert {f["label"]: f["count"] for f in data["facets"]["articles"]} == dict(by_article)
    for f in data["facets"]["articles"]:  # each link filters to exactly its article
        args = parse_qs(urlsplit(f["url"]).query)
        filtered = client.get("/search.json", query_string={k: v[0] for k, v in args.items()}).get_json()
        assert filtered["total"] == f["count"] and filtered["filters"]["article"] == f["value"]
        assert {h["article_title"] for h in filtered["hits"]} == {f["label"]}


def test_doc_filter_is_kept_in_the_url(client):
    data = client.get("/search.json", query_string={"q": "安全", "doc": "nope"}).get_json()
    assert data["total"] == 0 and data["filters"]["doc"] == "nope"
    doc = "000_8750069abcf0ab7e"
    data = client.get("/search.json", query_string={"q": "安全", "doc": doc, "per_page": 2}).get_json()
    assert data["next"] and parse_qs(urlsplit(data["next"]).query)["doc"] == [doc]


def _source(seeds_dir, doc_id: str) -> str:
    """The path under ``seeds_dir`` of the file whose document is ``doc_id``."""
    from indexer.documents import doc_id_for

    [path] = [p.relative_to(seeds_dir).as_posix() for p in seeds_dir.rglob("*")
              if p.is_file() and doc_id_for(p.relative_to(seeds_dir).as_posix()) == doc_id]
    return path


def test_a_filtered_page_names_its_document_and_article_by_title(client, sections, seeds_dir):
    """The note over a filtered results page or concordance names the document by its title,
    not by its id (new-user trial), and an article by its title and its document's; a
    document the index does not hold keeps its id, and the page says it is not there."""
    doc = sections[0].doc_id
    title = sections[0].doc_title
    assert title and title != doc
    for path in ("/search", "/concordance"):
        data = client.get(path + ".json", query_string={"q": "公安", "doc": doc}).get_json()
        assert data["filters"] == {"doc": doc, "article": "", "label": title}
        html = client.get(path, query_string={"q": "公安", "doc": doc}).get_data(as_text=True)
        assert f"只看：<bdi>{escape(title)}</bdi>（" in html  # by its title, not its id
        gone = client.get(path + ".json", query_string={"q": "公安", "doc": "nope"}).get_json()
        assert gone["filters"]["label"] == "nope" and gone["unknown_filters"] == ["doc"]
        plain = client.get(path + ".json", query_string={"q": "公安"}).get_json()
        assert plain["filters"] == {"doc": "", "article": "", "label": None}
    article = next(s for s in sections if s.article_title)
    key = f"{article.doc_id}\x1f{article.article_title}"
    data = client.get("/search.json", query_string={"q": "公安", "article": key}).get_json()
    # with its document's title: each law has its 第一章 总则 (breaker)
    assert data["filters"]["label"] == f"{article.article_title}（{article.doc_title}）"


def test_articles_of_one_title_in_several_documents_are_told_apart(tmp_path):
    """Each law's "## 第一章 总则" is an article of its own: where the facet lists several of
    one title (or of titles that read the same, 第一章  总则 with two spaces), each names its
    document, and its link filters to exactly its hits."""
    from webapp import create_app

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    # two spaces read the same; a title of nothing but markup names the document by its id
    for name, title, n, space in (("甲法", "甲法", 2, " "), ("乙法", "乙法", 1, "  "),
                                  ("丙法", "** **", 1, " ")):
        body = "\n\n".join(["第一条 本法所称示范单位。"] * n + [f"{name}独有条款。"])
        (seeds / f"{name}.md").write_text(
            f"# {title}\n\n## 第一章{space}总则\n\n{body}\n\n## 第二章 附则\n\n示范条款。\n"
            f"\n## 第三章 {name}罚则\n\n{name}罚款。\n", encoding="utf-8")
    for k in range(120):  # enough that removing two laws leaves their sections deleted in place
        (seeds / f"其他{k}.txt").write_text(f"其他文件{k}。\n", encoding="utf-8")
    sections = oracle.load_sections(seeds)
    hits = [s for s in sections if s.section_id in oracle.unquoted(sections, "示范")]
    want = Counter(f"{s.article_title}（{s.doc_title or s.doc_id}）" for s in hits)
    assert len(want) == 6 and all(s.article_title for s in hits)  # the case under test
    assert sum(not s.doc_title for s in hits) == 2
    indexer.update(seeds, tmp_path / "ix")
    client = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"),
                         "TESTING": True}).test_client()
    facets = client.get("/search.json", query_string={"q": "示范"}).get_json()["facets"]
    assert {f["label"]: f["count"] for f in facets["articles"]} == dict(want)
    for f in facets["articles"]:
        args = {k: v[0] for k, v in parse_qs(urlsplit(f["url"]).query).items()}
        filtered = client.get("/search.json", query_string=args).get_json()
        assert filtered["total"] == f["count"]
        assert {f"{h['article_title']}（{h['doc_title'] or h['doc_id']}）"
                for h in filtered["hits"]} == {f["label"]}
        # on a filtered page, every facet link replaces the filter: none leads to nothing
        for g in filtered["facets"]["documents"] + filtered["facets"]["articles"]:
            args = {k: v[0] for k, v in parse_qs(urlsplit(g["url"]).query).items()}
            assert client.get("/search.json", query_string=args).get_json()["total"] == g["count"]
    # listed alone, an article is still named with its document where another document of
    # the index has one of its title (new-user trial: one day's 新闻摘要 listed bare, as if the
    # only one); one whose title no other document has stays bare
    for query, label in (("甲法独有", "第一章 总则（甲法）"), ("甲法罚款", "第三章 甲法罚则")):
        [article] = client.get("/search.json", query_string={"q": query}).get_json()[
            "facets"]["articles"]
        assert article["label"] == label
    # the others removed (an incremental update leaves their sections deleted in place), its
    # title is its own again (breaker: the label kept naming its document)
    for name in ("乙法", "丙法"):
        (seeds / f"{name}.md").unlink()
    indexer.update(seeds, tmp_path / "ix")
    [article] = client.get("/search.json", query_string={"q": "甲法独有"}).get_json()[
        "facets"]["articles"]
    assert article["label"] == "第一章 总则"


def test_documents_of_one_title_are_told_apart_by_their_paths(tmp_path):
    """Two provinces' reports of one title (and a third and a fourth whose titles read the
    same but for a space, a zero-width one): the document facet names each with its path after its title, and their articles
    of one title with that name; a document of a title of its own keeps its bare title. Each
    label's link filters to exactly its count, which is the substring ground truth's, and
    the filtered page names its document as the facet did. A report named alone in a facet
    (the others hold nothing of the query) still names its path, and its article its
    document: the index holds others of its title (new-user trials)."""
    from webapp import create_app

    from indexer.documents import doc_id_for

    files = {"广东/报告.md": "政府工作报告", "青海/报告.md": "政府工作报告",
             "西藏/report.md": "政府工作 报告", "综述.md": "两省报告综述",
             "新疆/报告.md": "政府工作\u200b报告"}
    seeds = tmp_path / "seeds"
    for k, (path, title) in enumerate(files.items()):
        (seeds / path).parent.mkdir(parents=True, exist_ok=True)
        body = "\n\n".join(["全省经济运行稳中有进。"] * (k + 1) + [f"第{k}号事项。"])
        (seeds / path).write_text(f"# {title}\n\n## 一、工作回顾\n\n{body}\n", encoding="utf-8")
    sections = oracle.load_sections(seeds)
    path_of = {doc_id_for(p): p for p in files}
    hits = [s for s in sections if s.section_id in oracle.unquoted(sections, "经济运行")]
    same = {d for d, p in path_of.items() if normalized(files[p]) == "政府工作报告"}
    def name(s):
        return f"{s.doc_title} · {path_of[s.doc_id]}" if s.doc_id in same else s.doc_title
    want_docs = Counter(name(s) for s in hits)
    want_articles = Counter(f"{s.article_title}（{name(s)}）" for s in hits)
    assert len(want_docs) == 5 and len(want_articles) == 5 and len(same) == 4
    indexer.update(seeds, tmp_path / "ix")
    client = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"),
                         "TESTING": True}).test_client()
    facets = client.get("/search.json", query_string={"q": "经济运行"}).get_json()["facets"]
    assert {f["label"]: f["count"] for f in facets["documents"]} == dict(want_docs)
    assert {f["label"]: f["count"] for f in facets["articles"]} == dict(want_articles)
    for f in facets["documents"] + facets["articles"]:
        args = {k: v[0] for k, v in parse_qs(urlsplit(f["url"]).query).items()}
        assert client.get("/search.json", query_string=args).get_json()["total"] == f["count"]
    # each hit names its file, so that the two reports' hits, whose breadcrumbs read the
    # same, are told apart; a page filtered to one names its file too
    data = client.get("/search.json", query_string={"q": "经济运行", "per_page": 50}).get_json()
    assert sorted(h["source"] for h in data["hits"]) == sorted(path_of[s.doc_id] for s in hits)
    html = client.get("/search", query_string={"q": "经济运行"}).get_data(as_text=True)
    assert all(f'<bdi class="source">{p}</bdi>' in html for p in files)
    for f in facets["documents"]:
        doc = parse_qs(urlsplit(f["url"]).query)["doc"][0]
        label = client.get("/search.json", query_string={"q": "经济运行", "doc": doc}
                           ).get_json()["filters"]["label"]
        assert label == f["label"] == name(next(s for s in hits if s.doc_id == doc))
    for k, path in enumerate(files):
        alone = client.get("/search.json", query_string={"q": f"第{k}号事项"}).get_json()
        [f] = alone["facets"]["documents"]
        section = next(s for s in hits if s.doc_id == doc_id_for(path))
        assert f["label"] == name(section)
        # its article too, alone in its facet: named with its document, as every document
        # here has an article of its title
        [a] = alone["facets"]["articles"]
        assert a["label"] == f"{section.article_title}（{name(section)}）"
    # and so does each occurrence the concordance lists, and its CSV
    conc = client.get("/concordance.json", query_string={"q": "经济运行"}).get_json()
    assert Counter(o["source"] for o in conc["occurrences"]) == Counter(
        path_of[s.doc_id] for s in hits for _ in range(s.text.count("经济运行")))
    rows = list(csv.DictReader(io.StringIO(client.get(
        "/concordance.csv", query_string={"q": "经济运行"}).get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["source"] for r in rows] == [o["source"] for o in conc["occurrences"]]
    # the place column names the file where the breadcrumb alone cannot tell which it is
    assert {o["source"]: o["shared_title"] for o in conc["occurrences"]} == {
        path_of[s.doc_id]: s.doc_id in same for s in hits}
    html = client.get("/concordance", query_string={"q": "经济运行"}).get_data(as_text=True)
    assert all((f" · {p}</span>" in html) == (doc_id_for(p) in same) for p in files)


def test_a_path_in_a_label_cannot_pose_as_another(tmp_path):
    """A file named ``a\u202egnp.md`` shares its title with another: its path, in the document
    facet and in a filtered page's note, shows the override as <U+202E>, as a hit's source
    line does, rather than reading as "adm.png" (breaker)."""
    from webapp import create_app

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a\u202egnp.md").write_text("# 双向同名\n\n凤凰丙\n", encoding="utf-8")
    (seeds / "另一个.md").write_text("# 双向同名\n\n另一个 凤凰丙\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    client = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"),
                         "TESTING": True}).test_client()
    data = client.get("/search.json", query_string={"q": "凤凰丙"}).get_json()
    [doc] = [f["value"] for f in data["facets"]["documents"] if "\u202e" in f["label"]]
    pages = [client.get("/search", query_string={"q": "凤凰丙"}),
             client.get("/search", query_string={"q": "凤凰丙", "doc": doc}),
             client.get("/concordance", query_string={"q": "凤凰丙", "doc": doc})]
    for html in (r.get_data(as_text=True) for r in pages):
        assert "\u202e" not in html and "a&lt;U+202E&gt;gnp.md" in html


def scan(sections, q):
    """Every occurrence by brute force: (section_id, start_char, end_char)."""
    needle = normalized(q)
    out = []
    for s in sections:
        norm = normalize(s.text)
        i = norm.text.find(needle)
        while i != -1:
            a, b = norm.span(i, i + len(needle))
            out.append((s.section_id, a, b))
            i = norm.text.find(needle, i + 1)
    return out


@pytest.mark.parametrize("q", ["两个确立", "安全", "的", "2022年1月", "兩個確立"])
def test_concordance_lists_every_occurrence_with_exact_offsets(seed_session, sections, q):
    conc = seed_session.concordance(indexer.parse_query(q))
    got = [(o.section_id, o.start_char, o.end_char) for o in conc.occurrences]
    want = scan(sections, q)
    assert sorted(got) == sorted(want) and conc.total == len(want) and not conc.truncated
    texts = {s.section_id: s.text for s in sections}
    for o in conc.occurrences:
        text = texts[o.section_id]
        assert o.match == text[o.start_char:o.end_char]
        assert o.left == text[max(0, o.start_char - 20):o.start_char].replace("\n", " ")
        assert o.right == text[o.end_char:o.end_char + 20].replace("\n", " ")


def _within(sections, doc_id="", article_title=None):
    return [s for s in sections if (not doc_id or s.doc_id == doc_id)
            and (article_title is None or s.article_title == article_title)]


@pytest.mark.parametrize("q", ["公安", "安全"])
def test_concordance_filtered_to_a_document_or_an_article(seed_session, sections, q):
    """An analyst counts a phrase in one document, or one article (one province's report):
    the concordance holds exactly the occurrences in those sections."""
    docs = Counter(s.doc_id for s in sections)
    articles = Counter((s.doc_id, s.article_title) for s in sections if s.article_title)
    assert len(articles) > 1
    parsed = indexer.parse_query(q)
    for doc_id in docs:
        conc = seed_session.concordance(parsed, filters=indexer.Filters(doc_id=doc_id))
        want = scan(_within(sections, doc_id), q)
        assert sorted((o.section_id, o.start_char) for o in conc.occurrences) == \
            sorted((sid, a) for sid, a, _ in want)
        assert conc.total == len(want) and not conc.unknown_filters
    gone = seed_session.concordance(parsed, filters=indexer.Filters(doc_id="nope"))
    assert (gone.total, gone.occurrences, gone.unknown_filters) == (0, (), ("doc_id",))
    tried = 0
    for doc_id, title in articles:
        key = indexer.schema.article_key(doc_id, title)
        conc = seed_session.concordance(parsed, filters=indexer.Filters(article_key=key))
        want = scan(_within(sections, doc_id, title), q)
        assert conc.total == len(want)
        assert {o.section_id for o in conc.occurrences} == {sid for sid, _, _ in want}
        tried += bool(want)
    assert tried > 1  # the query occurs in several articles, so the filter chose among them


def test_concordance_link_keeps_the_results_filter(client, sections):
    """From a results page filtered to an article, the concordance link counts within it,
    and its sort, paging and CSV links keep the filter; an unknown filter finds nothing
    and says so."""
    data = client.get("/search.json", query_string={"q": "公安"}).get_json()
    facet = max(data["facets"]["articles"], key=lambda f: f["count"])
    args = {k: v[0] for k, v in parse_qs(urlsplit(facet["url"]).query).items()}
    filtered = client.get("/search.json", query_string=args).get_json()
    link = urlsplit(filtered["concordance_url"])
    assert parse_qs(link.query)["article"] == [facet["value"]]
    conc = client.get("/concordance.json", query_string={
        k: v[0] for k, v in parse_qs(link.query).items()}).get_json()
    doc_id, _, title = facet["value"].partition("\x1f")
    want = scan(_within(sections, doc_id, title), "公安")
    assert conc["total"] == len(want) == sum(h["match_count"] for h in filtered["hits"])
    assert conc["total"] < len(scan(sections, "公安"))
    title = next(s.doc_title for s in sections if s.doc_id == doc_id)
    assert conc["filters"] == {"doc": "", "article": facet["value"],
                               "label": f"{facet['label']}（{title}）"}
    for url in [*conc["sort_urls"].values(), conc["csv_url"], conc["first_url"]]:
        assert parse_qs(urlsplit(url).query)["article"] == [facet["value"]]
    assert "article" not in parse_qs(urlsplit(conc["unfiltered_url"]).query)
    html = client.get(link.path + "?" + link.query).get_data(as_text=True)
    assert "全部出现处" in html and html.count("<mark>公安</mark>") == len(want)
    gone = client.get("/concordance.json", query_string={"q": "公安", "doc": "nope"}).get_json()
    assert gone["total"] == 0 and gone["unknown_filters"] == ["doc"]
    page = client.get("/concordance", query_string={"q": "公安", "doc": "nope"})
    assert page.status_code == 200 and "索引里没有这篇文档" in page.get_data(as_text=True)
    assert "下载 CSV" not in page.get_data(as_text=True)
    # one way back to everything, not the filter's line and the note's one under the other
    assert page.get_data(as_text=True).count("全部出现处") == 1
    results = client.get("/search", query_string={"q": "公安", "doc": "nope"})
    assert results.get_data(as_text=True).count("全部结果") == 1
    # a download has no page to say so beside its empty list: an empty file said nothing
    for args in ({"doc": "nope"}, {"article": "nope"}, {"doc": "nope", "article": "nope"}):
        download = client.get("/concordance.csv", query_string={"q": "公安", **args})
        assert download.status_code == 404 and download.is_json, args
        assert "索引里没有这篇" in download.get_json()["error"], args
    gone = client.get("/concordance.csv", query_string={"q": "公安 doc:nope"})
    assert gone.status_code == 404 and "nope" in gone.get_json()["error"]
    kept = client.get("/concordance.csv", query_string={"q": "公安", "article": facet["value"]})
    assert kept.status_code == 200
    assert len(kept.get_data(as_text=True).splitlines()) == 1 + len(want)
    assert client.get("/concordance.json", query_string={
        "q": "公安", "doc": "x" * 3000}).status_code == 400


def test_concordance_rows_say_which_article_a_section_is_in(client, seeds_dir):
    """Both articles open with a section titled 导语: a row names its article (and its
    document, where the page lists several; each cut to 16 characters) before the section,
    and carries the whole breadcrumb and the file's path as its title; the same rows filtered
    to one document do not repeat its title."""
    from bs4 import BeautifulSoup

    data = client.get("/concordance.json", query_string={"q": "公安", "per_page": 1000}).get_json()
    page = BeautifulSoup(client.get("/concordance", query_string={"q": "公安", "per_page": 1000})
                         .get_data(as_text=True), "html.parser")
    cells = page.select("td.where")
    assert len(cells) == len(data["occurrences"])
    several = len({o["doc_id"] for o in data["occurrences"]}) > 1
    leads = set()
    for cell, o in zip(cells, data["occurrences"]):
        crumbs = o["breadcrumb"]
        assert cell["title"] == " › ".join(crumbs) + " · " + _source(seeds_dir, o["doc_id"])
        # the whole breadcrumb, each level above the section cut to 16 characters, the
        # document's title (a news transcript's date: new-user trial) only where the page's
        # rows come from several documents
        shown = crumbs[:-1] if several else crumbs[1:-1]
        assert cell.get_text() == "".join(
            (c if len(c) <= 16 else c[:15] + "…") + " › " for c in shown) + crumbs[-1]
        if crumbs[-1] == "导语":
            leads.add(cell.get_text())
    assert len(leads) == 2 and not several  # the seeds are one document


def test_concordance_rows_from_several_documents_name_each_document(tmp_path):
    """A news transcript's title holds its date, which the place column left to the tooltip
    (new-user trial): where a page's rows come from several documents, each row names its
    document first; filtered to one, they do not repeat it."""
    from bs4 import BeautifulSoup

    from webapp import create_app

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for day in ("20220105", "20220106"):
        (seeds / f"{day}.md").write_text(
            f"# 《新闻联播》（{day}）\n\n## 详细新闻\n\n### 全国会议召开\n\n会议强调两个确立。\n",
            encoding="utf-8")
    client = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"),
                         "TESTING": True}).test_client()
    indexer.update(seeds, tmp_path / "ix")

    def places(**filters):
        page = client.get("/concordance", query_string={"q": "两个确立", **filters})
        return [c.get_text() for c in BeautifulSoup(page.get_data(as_text=True),
                                                    "html.parser").select("td.where")]

    assert places() == [f"《新闻联播》（{d}） › 详细新闻 › 全国会议召开" for d in ("20220105", "20220106")]
    one = client.get("/concordance.json", query_string={"q": "两个确立"}).get_json()
    assert places(doc=one["occurrences"][0]["doc_id"]) == ["详细新闻 › 全国会议召开"]


def test_concordance_sorts_by_the_shown_context_where_it_reads_the_same(seed_session):
    """The contexts shown (20 characters of the document's own text) are in the order sorted
    by, where the text has no white space to drop (the order itself is checked against ground
    truth below)."""
    parsed = indexer.parse_query("安全")
    left = [normalized(o.left)[::-1] for o in seed_session.concordance(parsed, sort="left")
            .occurrences if not any(c.isspace() for c in o.left)]
    right = [normalized(o.right) for o in seed_session.concordance(parsed, sort="right")
             .occurrences if not any(c.isspace() for c in o.right)]
    assert len(left) > 40 and len(right) > 40
    assert left == sorted(left) and right == sorted(right)
    with pytest.raises(ValueError):
        seed_session.concordance(parsed, sort="middle")


@pytest.mark.parametrize("sort", ["left", "right"])
def test_a_sorted_concordance_lists_the_first_in_its_order_among_all(seed_session, sections, sort):
    """A sorted list cut to its first few is the first few of every occurrence in that order,
    not the first few in document order sorted (new-user trial: with more than 10,000, the end
    of a period was missing from a sorted view); the whole list is in that order. The order:
    the 20 characters of normalized text before the match read backwards, or after it; ties in
    document order. Ground truth: every occurrence by brute force over the section texts."""
    every = {}  # (section_id, start_char, end_char) -> sort key
    needle = normalized("安全")
    for s in sections:
        norm = normalize(s.text)
        i = norm.text.find(needle)
        while i != -1:
            j = i + len(needle)
            every[(s.section_id, *norm.span(i, j))] = \
                norm.text[max(0, i - 20):i][::-1] if sort == "left" else norm.text[j:j + 20]
            i = norm.text.find(needle, i + 1)
    parsed = indexer.parse_query("安全")
    conc = seed_session.concordance(parsed, sort=sort, limit=7)
    listed = [(o.section_id, o.start_char, o.end_char) for o in conc.occurrences]
    assert len(every) > 50 and conc.total == len(every) == conc.sorted_among and conc.truncated
    assert set(listed) <= set(every)
    assert [every[o] for o in listed] == sorted(every.values())[:7]
    whole = seed_session.concordance(parsed, sort=sort).occurrences
    keys = [every[(o.section_id, o.start_char, o.end_char)] for o in whole]
    assert len(whole) == len(every) and keys == sorted(keys)


def test_a_cut_list_says_so_in_the_csv_name_and_a_cut_sort_on_the_page(client, sections,
                                                                         monkeypatch):
    """A CSV listing fewer occurrences than there are is named for it (a spreadsheet shows no
    total: new-user trial); a page sorted among the first occurrences only says so."""
    import webapp.concordance_views as views

    total = len(scan(sections, "安全"))
    monkeypatch.setattr(views, "MAX_CSV_ROWS", 5)
    resp = client.get("/concordance.csv", query_string={"q": "安全"})
    assert len(list(csv.reader(io.StringIO(resp.get_data(as_text=True))))) == 1 + 5
    assert resp.headers["Content-Disposition"].endswith("filename*=UTF-8''" + quote(
        f"concordance-安全-前5次-共{total}次.csv"))
    # sent a few rows at a time, every row arrives once, in order
    monkeypatch.setattr(views, "MAX_CSV_ROWS", 1000)
    monkeypatch.setattr(views, "CSV_CHUNK_ROWS", 3)
    rows = list(csv.reader(io.StringIO(client.get("/concordance.csv", query_string={
        "q": "安全"}).get_data(as_text=True).lstrip("\ufeff"))))
    occurrences = client.get("/concordance.json", query_string={
        "q": "安全", "per_page": 1000}).get_json()["occurrences"]
    assert [(r[6], int(r[7])) for r in rows[1:]] == \
        [(o["section_id"], o["start_char"]) for o in occurrences] and len(rows) == 1 + total
    # a download whose time ran out says so in its name (it held its header only: breaker)
    from webapp import create_app

    hurried = create_app({**client.application.config, "SEARCH_BUDGET_S": 0.0}).test_client()
    late = hurried.get("/concordance.csv", query_string={"q": "安全"})
    assert late.headers["Content-Disposition"].endswith(quote(f"共{total}次-超时未完.csv"))
    monkeypatch.setattr(indexer, "MAX_CONCORDANCE", 5)
    monkeypatch.setattr(indexer.searcher, "MAX_SORTED", 20)
    data = client.get("/concordance.json", query_string={"q": "安全", "sort": "left"}).get_json()
    assert (data["total"], data["listed"], data["sorted_among"]) == (total, 5, 20)
    page = client.get("/concordance", query_string={"q": "安全", "sort": "left"})
    assert "排序只在按位置的前 20 次中进行" in page.get_data(as_text=True)
    page = client.get("/concordance", query_string={"q": "安全"})
    assert "排序只在" not in page.get_data(as_text=True)
    # the last listed page of a cut list says where the rest is (new-user trial: next was
    # null and nothing said more were not listed); an earlier page, and a whole list, do not
    cut = f"只列出了前 5 次（共 {total:,} 次）"
    last = client.get("/concordance.json", query_string={"q": "安全", "per_page": 2, "page": 3})
    assert last.get_json()["next"] is None and cut in last.get_json()["paging_note"]
    assert client.get("/concordance.json", query_string={"q": "安全", "per_page": 2}).get_json()[
        "paging_note"] is None
    assert cut in client.get("/concordance", query_string={"q": "安全"}).get_data(as_text=True)
    monkeypatch.setattr(indexer, "MAX_CONCORDANCE", 10_000)
    assert client.get("/concordance.json", query_string={"q": "安全"}).get_json()[
        "paging_note"] is None


def test_a_long_filter_keeps_its_end_in_the_download_name():
    """Two versions of a law share a title; their filter labels differ at the end, in the
    path's date or folder, which a cut after 40 characters, or one in the middle, lost
    (new-user trial, breaker). Names stay within 255 bytes and never part a character."""
    import unicodedata

    from webapp.concordance_views import _download_name

    title = "中华人民共和国道路交通安全法实施条例"
    pairs = [[f"中华人民共和国行政复议法 · laws/诉讼与非诉讼程序法/行政复议法({day}).md"
              for day in ("2017-09-01", "2023-09-01")],
             [f"{title} · {year}/{title}.md" for year in ("2017", "2023")]]
    for labels in pairs:
        names = [_download_name("行政复议机关", 5, 5, label) for label in labels]
        assert names[0] != names[1] and all(n.endswith(").md.csv") or n.endswith("条例.md.csv")
                                            for n in names)
    assert "(2017-09-01).md" in _download_name("机关", 5, 5, pairs[0][0])
    # an article's name keeps its beginning too: the chapters of one law (breaker)
    law = "中华人民共和国全国人民代表大会和地方各级人民代表大会选举法"
    chapters = [_download_name("公安机关", 5, 5, f"{c}（{law}）", article=True)
                for c in ("第一章 总则", "第二章 选举机构")]
    assert chapters[0] != chapters[1] and all("选举法）" in n for n in chapters)
    for q, label in [("😀" * 60, "😀" * 30 + "🇨🇳" * 3), ("公安" * 200, title * 10),
                     ("a\u0301" * 100, "e\u0301" * 100)]:
        name = _download_name(q, 5, 10 ** 6, label, True)
        assert len(name.encode("utf-8")) <= 255
        cut = name.split("…")
        assert all(not unicodedata.category(part[:1] or "x").startswith("M") for part in cut)
        assert "🇨🇳" * 3 in name if "🇨🇳" in label else True
        assert name.count("\U0001f1e8") == name.count("\U0001f1f3")  # no flag cut in half
    # a line or paragraph separator ends a line wherever the name shows (breaker)
    assert _download_name("分隔\u2028符\u2029号", 1, 1) == "concordance-分隔_符_号.csv"


def test_concordance_page_json_and_csv(client, sections):
    want = scan(sections, "安全")
    data = client.get("/concordance.json?q=%E5%AE%89%E5%85%A8&per_page=10").get_json()
    assert data["total"] == len(want) and len(data["occurrences"]) == 10 and data["next"]
    resp = client.get("/concordance.csv?q=%E5%AE%89%E5%85%A8")
    assert resp.mimetype == "text/csv"
    # saved under a name of its own query (new-user trial), the plain name for old clients
    assert resp.headers["Content-Disposition"] == (
        "attachment; filename=\"concordance.csv\"; "
        "filename*=UTF-8''concordance-%E5%AE%89%E5%85%A8.csv")
    odd = client.get("/concordance.csv", query_string={"q": '安全/"../x'})
    assert odd.headers["Content-Disposition"].endswith(
        "filename*=UTF-8''concordance-%E5%AE%89%E5%85%A8_.._x.csv")
    # a filtered download is named for its filter too (new-user trial: two provinces' CSVs
    # of one phrase had one name)
    doc_id = client.get("/docs.json").get_json()["docs"][0]["doc_id"]
    label = client.get("/concordance.json", query_string={"q": "安全", "doc": doc_id}) \
        .get_json()["filters"]["label"]
    filtered = client.get("/concordance.csv", query_string={"q": "安全", "doc": doc_id})
    assert label and filtered.headers["Content-Disposition"].endswith(
        "filename*=UTF-8''" + quote(f"concordance-安全-{label[:40].strip()}.csv"))
    spoof = client.get("/concordance.csv", query_string={"q": "安全\u202egnp.exe"})
    assert spoof.headers["Content-Disposition"].endswith(
        "filename*=UTF-8''concordance-%E5%AE%89%E5%85%A8_gnp.exe.csv")
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == len(want) and {r["match"] for r in rows} == {"安全"}
    listed = client.get("/concordance.json?q=%E5%AE%89%E5%85%A8&per_page=100").get_json()
    assert [r["url"] for r in rows[:100]] == [  # whole addresses, for a spreadsheet
        "http://localhost" + o["url"] for o in listed["occurrences"]]
    assert data["results_url"] == "/search?q=%E5%AE%89%E5%85%A8"  # the way back to the hits
    html = client.get("/concordance?q=%E5%AE%89%E5%85%A8&sort=left").get_data(as_text=True)
    assert 'href="/search?q=%E5%AE%89%E5%85%A8">‹ 返回' in html
    from bs4 import BeautifulSoup

    # a line's document leads back to its concordance page, sort, page and all (new-user
    # trial: it led to the results, and the sorted concordance was lost)
    here = "/concordance?q=%E5%AE%89%E5%85%A8&sort=right&page=2&per_page=5"
    line = client.get(here.replace("/concordance", "/concordance.json")).get_json()["occurrences"][0]
    doc_page = BeautifulSoup(client.get(line["url"]).get_data(as_text=True), "html.parser")
    back = doc_page.select_one("a.back")
    assert back["href"] == here and "语境索引" in back.get_text()
    assert doc_page.find(id=line["section_id"]).select("mark")  # the query still marked there
    assert html.count("<mark>安全</mark>") == min(100, len(want))
    assert client.get("/concordance.json?q=%E5%AE%89&sort=bad").status_code == 400
    assert client.get("/concordance.json?q=").status_code == 400


def test_facets_list_real_articles_first_and_say_how_many_more(tmp_path):
    """25 documents: each has a hit outside any article (under its title, before its first
    top heading) and some have one inside an article. The facets list the 20 largest
    documents and every article (sections outside articles are no facet value, and never
    crowd articles out), and count the documents not listed."""
    from webapp import create_app

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for k in range(25):
        parts = [f"# 文件{k}", "", "示范条款一。"]
        if k % 10 == 0:
            parts += ["", f"## 第{k}章", "", "### 第一节", "", "示范条款四。"]
        (seeds / f"doc{k:02}.md").write_text("\n".join(parts) + "\n", encoding="utf-8")
    sections = oracle.load_sections(seeds)
    hits = [s for s in sections if s.section_id in oracle.unquoted(sections, "示范")]
    by_article = Counter(s.article_title for s in hits if s.article_title)
    assert len({s.doc_id for s in hits}) == 25 and len(by_article) == 3  # the case under test
    indexer.update(seeds, tmp_path / "ix")
    app = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"), "TESTING": True})
    facets = app.test_client().get("/search.json", query_string={"q": "示范"}).get_json()["facets"]
    assert {f["label"]: f["count"] for f in facets["articles"]} == dict(by_article)
    assert facets["more_articles"] == 0
    by_doc = Counter(s.doc_id for s in hits)
    assert len(facets["documents"]) == 20 and facets["more_documents"] == 5
    listed = {f["value"]: f["count"] for f in facets["documents"]}
    assert all(by_doc[d] == n for d, n in listed.items())
    assert min(listed.values()) >= max(n for d, n in by_doc.items() if d not in listed)
    # largest count first, ties by doc_id: 22 documents tie at 1 hit for 17 places
    expected = sorted(by_doc.items(), key=lambda kv: (-kv[1], kv[0]))[:20]
    assert [(f["value"], f["count"]) for f in facets["documents"]] == expected


def test_facet_values_that_tie_are_listed_in_reading_order_and_the_rest_not_called_fewer(
        tmp_path):
    """Articles with as many matches were listed by their keys' text (第100冊 before 第10冊),
    and the page called the values left out "匹配较少的" though they tied with those listed
    (new-user trial). A document's articles that tie come in reading order, in any build
    (serial or parallel); documents that tie, by their ids."""
    from bs4 import BeautifulSoup

    from webapp import create_app

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    volumes = "\n\n".join(f"## 第{k}冊\n\n出師表正文。" for k in range(1, 31))
    (seeds / "古文彙編.md").write_text(f"# 古文彙編\n\n{volumes}\n", encoding="utf-8")
    names = ["甲", "乙", "丙", "丁", "戊", "己"]
    for k, name in enumerate(names):
        (seeds / f"{k}{name}.md").write_text(f"# {name}\n\n出師表一篇。\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix", procs=2)  # two segments, as a large build makes
    client = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"),
                         "TESTING": True}).test_client()
    facets = client.get("/search.json", query_string={"q": "出師表"}).get_json()["facets"]
    assert [f["label"] for f in facets["articles"]] == [f"第{k}冊" for k in range(1, 21)]
    assert facets["more_articles"] == 10
    ids = sorted(doc_id_for(f.name) for f in seeds.iterdir() if f.name != "古文彙編.md")
    assert [f["value"] for f in facets["documents"]] == [doc_id_for("古文彙編.md"), *ids]
    html = client.get("/search", query_string={"q": "出師表"}).get_data(as_text=True)
    more = BeautifulSoup(html, "html.parser").select(".facet-more")
    assert [m.get_text() for m in more] == ["另有 10 篇文章不在此列（各自匹配的章节不多于上列）"]



def test_the_results_page_folds_a_long_facet_and_marks_the_one_it_is_filtered_to(tmp_path):
    """Twenty document links and twenty article links filled a phone's first screen before
    any hit (new-user trial): the page shows each facet's first five values, the rest folded
    (in the JSON's order, each once), says how many are not listed, and marks the value the
    page is filtered to."""
    from bs4 import BeautifulSoup

    from webapp import create_app

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for k in range(25):
        (seeds / f"doc{k:02}.md").write_text(f"# 文件{k}\n\n示范条款{'示范' * (k % 4)}。\n",
                                             encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    app = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"), "TESTING": True})
    client = app.test_client()
    facets = client.get("/search.json", query_string={"q": "示范"}).get_json()["facets"]
    assert len(facets["documents"]) == 20 and facets["more_documents"] == 5
    html = client.get("/search", query_string={"q": "示范"}).get_data(as_text=True)
    nav = BeautifulSoup(html, "html.parser").select_one("nav.facets")
    shown = nav.select(".facet > a")
    folded = nav.select(".facet details a")
    assert [a["href"] for a in shown + folded] == [f["url"] for f in facets["documents"]]
    assert len(shown) == 5 and "展开其余 15 篇文档" in nav.select_one("details summary").get_text()
    # the two counts read as two different things (new-user trial: 另外 15 … and 另有 15 …
    # 没有列出 read as the same)
    assert "另有 5 篇文档不在此列（各自匹配的章节不多于上列；各篇的出现次数见语境索引）" in nav.get_text()
    assert nav.select(".facet-more a")[0]["href"].endswith("#documents")
    assert not nav.select("[aria-current]")
    # filtered to the third document: its link is marked, no other
    third = facets["documents"][2]
    html = client.get(third["url"]).get_data(as_text=True)
    current = BeautifulSoup(html, "html.parser").select("nav.facets [aria-current]")
    assert [a["href"] for a in current] == [third["url"]]
    assert not BeautifulSoup(html, "html.parser").select("nav.facets details[open]")
    # filtered to a folded one: the fold is open, so the marked value shows (breaker)
    eighth = facets["documents"][7]
    page = BeautifulSoup(client.get(eighth["url"]).get_data(as_text=True), "html.parser")
    assert [a["href"] for a in page.select("nav.facets details[open] [aria-current]")] == [
        eighth["url"]]

@pytest.mark.parametrize("q", ["示范", "a b&c=d#e+f%g", "", "/?:@!$'()*,;", "\u00e9\U0001f600 \t~"])
def test_results_links_are_the_links_flask_builds(app, q):
    """search_url builds the query string itself (the path once per script root): it must
    be exactly what Flask's url_for gives for the same arguments, escaping and defaults
    included, also under a script root (a service mounted below a path)."""
    from flask import url_for

    from webapp import urls
    from webapp.params import SearchParams

    cases = [(SearchParams(q), 1, {"q": q}),
             (SearchParams(q, page=3, per_page=7, doc="文件 一&x", article="d\x1f第一章 总则"), 2,
              {"q": q, "page": 2, "per_page": 7, "doc": "文件 一&x", "article": "d\x1f第一章 总则"})]
    for base in ("http://127.0.0.1/", "http://127.0.0.1/mounted/below/"):
        with app.test_request_context("/", base_url=base):
            for params, page, args in cases:
                for fmt, endpoint in (("html", "search.search"), ("json", "search.search_json")):
                    assert urls.search_url(params, page, fmt) == url_for(endpoint, **args)
                    assert urls.search_url(params, page, fmt, external=True) == \
                        url_for(endpoint, _external=True, **args)


@pytest.mark.parametrize("q", ["示范", "a b&c=d#e+f%g", "zhsearchFacetProbe", "/?:@!$'()*,;"])
def test_facet_links_are_the_links_search_url_builds(app, q):
    """Facet links are built by splicing each value into one built URL; they must be exactly
    what Werkzeug's builder gives for every value (escaping included), also when the query
    holds the stand-in value itself."""
    from dataclasses import replace

    from webapp import urls
    from webapp.params import SearchParams

    values = ["000_8750069abcf0ab7e", "文件 一\x1f第一章 总则", "a&b=c#d+e%f/g?h", "'()*,;:@!$~",
              "zhsearchFacetProbe", "\u00e9\U0001f600 \t"]
    for params in (SearchParams(q), SearchParams(q, page=3, per_page=7, doc="d1", article="x")):
        with app.test_request_context("/"):
            for key in ("doc", "article"):
                # a facet link replaces the page's filter
                expected = [urls.search_url(replace(params, page=1, **{"doc": "", "article": "",
                                                                       key: v})) for v in values]
                assert urls.facet_urls(params, key, values) == expected


@pytest.mark.parametrize("q", ["示范", "a b&c=d#e+f%g", "zhsearchFacetProbe", "zhsearchAnchorProbe",
                               "/?:@!$'()*,;"])
def test_hit_links_are_the_links_doc_url_builds(app, q):
    """Hit links are built by splicing each document and section into one built URL; they
    must be exactly what Flask's and Werkzeug's builders give (escaping included), also when
    the query holds a stand-in value itself."""
    from webapp import urls
    from webapp.params import SearchParams

    ids = ["000_8750069abcf0ab7e", "文件 一", "a&b=c#d+e%f/g?h", "'()*,;:@!$~", "..", "",
           "zhsearchFacetProbe", "zhsearchAnchorProbe", "\u00e9\U0001f600 \t"]
    targets = [(d, s) for d in ids for s in ids[::-1]]
    for params in (SearchParams(q), SearchParams(q, page=3, per_page=7, doc="d1", article="x")):
        with app.test_request_context("/"):
            expected = [urls.doc_url(d, section_id=s, results=params) for d, s in targets]
            assert urls.hit_urls(params, targets) == expected


def test_filters_hold_for_partial_matches_and_unknown_ones_are_named(tmp_path):
    """A long query without full matches falls back to partial matches; within a document
    filter those must come from that document only. A filter naming no document (a bookmark
    of a removed file) answers nothing and says which filter it was."""
    from webapp import create_app

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.md").write_text("# 甲\n\n公安局长讲话。\n\n## 二\n\n局长会议。\n", encoding="utf-8")
    (seeds / "b.md").write_text("# 乙\n\n全国会议召开。\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    sections = oracle.load_sections(seeds)
    client = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"),
                         "TESTING": True}).test_client()
    q = "公安局长会议"
    assert not oracle.unquoted(sections, q)  # the case under test: partial matches only
    data = client.get("/search.json", query_string={"q": q}).get_json()
    assert data["partial"] and data["unknown_filters"] == []
    docs = {h["doc_id"] for h in data["hits"]}
    assert docs == {s.doc_id for s in sections} and len(docs) == 2
    for doc in docs:
        filtered = client.get("/search.json", query_string={"q": q, "doc": doc}).get_json()
        assert filtered["partial"] and filtered["unknown_filters"] == []
        assert {h["doc_id"] for h in filtered["hits"]} == {doc}
        assert filtered["total"] == sum(h["doc_id"] == doc for h in data["hits"])
    nope = client.get("/search.json", query_string={"q": q, "doc": "nope"}).get_json()
    assert nope["total"] == 0 and nope["hits"] == [] and nope["unknown_filters"] == ["doc"]
    both = client.get("/search.json", query_string={"q": "会议", "doc": "nope",
                                                    "article": "x\x1fy"}).get_json()
    assert both["total"] == 0 and both["unknown_filters"] == ["doc", "article"]
    page = client.get("/search", query_string={"q": "会议", "doc": "nope"}).get_data(as_text=True)
    assert "索引里没有这篇文档" in page and "试试少写几个字" not in page  # not the query's fault
    # nor does it suggest pieces of a word the index holds whole (new-user trial: a bookmark to
    # a removed document offered 公安局 and 安局长 for 公安局长, in the JSON only)
    gone = client.get("/search.json", query_string={"q": "公安局长", "doc": "nope"}).get_json()
    assert gone["total"] == 0 and gone["suggestions"] == [] and gone["unfiltered_url"]


def test_a_facet_link_for_a_long_article_title_filters_to_its_count(tmp_path):
    """Filter values are never cut: an article whose heading is 500 characters long has a
    facet link that finds exactly its sections; a value past the cap is a 400, not a cut."""
    from webapp import create_app
    from webapp.params import MAX_FILTER_CHARS

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "long.md").write_text("# 文档\n\n## " + "长" * 500 + "\n\n### 节\n\n探针内容\n\n## 短\n\n"
                                   "### 节二\n\n探针二\n", encoding="utf-8")
    (seeds / "other.txt").write_text("其他\n\n探针在别处\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    client = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"),
                         "TESTING": True}).test_client()
    data = client.get("/search.json", query_string={"q": "探针"}).get_json()
    longest = max(data["facets"]["articles"], key=lambda f: len(f["value"]))
    assert len(longest["value"]) > 500 and longest["count"] == 1
    for facet in data["facets"]["articles"] + data["facets"]["documents"]:
        followed = client.get(facet["url"].replace("/search?", "/search.json?", 1)).get_json()
        assert followed["total"] == facet["count"] and followed["unknown_filters"] == []
    too_long = client.get("/search.json", query_string={"q": "探针",
                                                        "article": "x" * (MAX_FILTER_CHARS + 1)})
    assert too_long.status_code == 400 and "article" in too_long.get_json()["error"]


def test_warm_up_reads_every_document_title_the_facets_show(tmp_path, monkeypatch):
    """After a warm-up a search reads one stored record per hit and none for its document
    facet's titles (read then, once per document), and the titles are the documents' own
    (each document's stored title, read through Whoosh's own reader)."""
    from indexer import searcher as searcher_module

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for k in range(6):
        (seeds / f"doc{k}.md").write_text(
            f"# 第{k}号文件\n\n## 一、总则\n\n这是第{k}个文件的正文。\n\n## 二、附则\n\n本文件的附则。\n",
            encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")  # a new index: no titles kept from other tests
    handle = indexer.open_index(tmp_path / "ix")
    with indexer.SearchSession(handle) as session:
        session.warm()
        truth = {}
        for docnum in range(session._searcher.doc_count_all()):
            stored = session._searcher.stored_fields(docnum)
            truth.setdefault(stored["doc_id"], stored.get("doc_title", ""))
    reads = []
    real = searcher_module.stored_record
    monkeypatch.setattr(searcher_module, "stored_record",
                        lambda reader, docnum: reads.append(docnum) or real(reader, docnum))
    with indexer.SearchSession(handle) as session:
        page = session.search(session.parse("的"), per_page=3)
    assert len(truth) > 3 and len(page.facets.documents) == len(truth)
    assert {f.value: f.label for f in page.facets.documents} == truth
    assert len(reads) == len(page.hits) == 3


def test_long_values_are_escaped_without_being_remembered(app):
    """Escaped values are remembered only when short: a stream of long distinct queries
    cannot grow the memory (and a long value is escaped all the same)."""
    from urllib.parse import quote_plus

    from webapp import urls
    from webapp.params import SearchParams

    long_q = "两个确立" * 60
    urls._remembered.cache_clear()
    with app.test_request_context("/"):
        url = urls.search_url(SearchParams(long_q))
        assert urls._remembered.cache_info().currsize == 0
        short = urls.search_url(SearchParams("两个确立"))
        assert urls._remembered.cache_info().currsize == 1
    assert url.endswith("?q=" + quote_plus(long_q)) and short.endswith("?q=" + quote_plus("两个确立"))


def test_a_document_opened_with_a_query_that_cannot_be_read_has_no_back_link(client):
    """A concordance line's document opened with a query that is no query (only an
    exclusion) linked back to a page that is a 400 (breaker): it shows the document, no link."""
    from bs4 import BeautifulSoup

    doc_id = client.get("/docs.json").get_json()["docs"][0]["doc_id"]
    for args in ({"q": "-了", "from": "concordance"}, {"q": "-了"}):
        page = client.get(f"/doc/{doc_id}", query_string=args)
        assert page.status_code == 200
        assert not BeautifulSoup(page.get_data(as_text=True), "html.parser").select("a.back")
    assert client.get(f"/doc/{doc_id}", query_string={"q": "公安", "from": "concordance"}) \
        .get_data(as_text=True).count('class="back"') == 1


def test_nothing_in_the_filtered_document_says_where_else_it_is(client, tmp_path):
    """A search inside one document that finds nothing there said "没有章节包含 张建国" and
    offered pieces of the name, though other documents hold it (new-user trial): the page
    counts the sections that match without the filter and links them. Ground truth: which
    file holds the name."""
    from bs4 import BeautifulSoup

    from webapp import create_app

    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("会议纪要\n\n联系人张建国负责防汛。\n", encoding="utf-8")
    (seeds / "b.txt").write_text("通知\n\n一、加强值班。\n\n张建国同志主持。\n", encoding="utf-8")
    (seeds / "c.txt").write_text("报告\n\n经济运行平稳。\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    app = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"), "TESTING": True})
    c = app.test_client()
    docs = {d["source"]: d["doc_id"] for d in c.get("/docs.json").get_json()["docs"]}
    data = c.get("/search.json", query_string={"q": "张建国", "doc": docs["c.txt"]}).get_json()
    assert (data["total"], data["elsewhere"], data["suggestions"]) == (0, 2, [])
    page = BeautifulSoup(c.get("/search", query_string={"q": "张建国", "doc": docs["c.txt"]})
                         .get_data(as_text=True), "html.parser")
    note = page.select_one("p.elsewhere")
    assert "2 个章节" in note.get_text() and note.a["href"] == data["unfiltered_url"]
    # found in the document: nothing to say; not anywhere: the suggestions as before
    assert c.get("/search.json", query_string={"q": "张建国", "doc": docs["a.txt"]}) \
        .get_json()["elsewhere"] == 0
    nowhere = c.get("/search.json", query_string={"q": "防汛值班", "doc": docs["c.txt"]}).get_json()
    assert nowhere["elsewhere"] == 0 and nowhere["total"] == 0
    # a bookmark's article renamed, or its document removed: the count is given too, and the
    # page names what it cannot find (new-user trial: "elsewhere": 0 though 2 sections match)
    for gone in ({"doc": "report-0000000000"}, {"article": f"{docs['b.txt']}\x1f旧的标题"}):
        data = c.get("/search.json", query_string={"q": "张建国", **gone}).get_json()
        assert (data["total"], data["elsewhere"], data["unknown_filters"]) == \
            (0, 2, list(gone)), gone
        note = BeautifulSoup(c.get("/search", query_string={"q": "张建国", **gone})
                             .get_data(as_text=True), "html.parser").select_one("p.unknown-filter")
        assert data["filters"]["label"] in note.bdi.get_text() and "（2 个章节）" in note.a.get_text()
        assert note.a["href"] == data["unfiltered_url"]


def test_the_concordance_says_how_the_query_was_read(client):
    """A query cut at 32 words, or a lower-case ``or`` read as text, was counted on the
    concordance with no word of why, while the results page said it (breaker)."""
    from bs4 import BeautifulSoup

    for q in ["or 公安", " ".join(f"公安{i}" for i in range(40))]:
        said = client.get("/search.json", query_string={"q": q}).get_json()["notes"]
        data = client.get("/concordance.json", query_string={"q": q}).get_json()
        assert said and data["notes"] == said
        page = BeautifulSoup(client.get("/concordance", query_string={"q": q}).get_data(
            as_text=True), "html.parser")
        assert [p.get_text() for p in page.select("p.note")][:len(said)] == said


@pytest.mark.parametrize("sort", ["position", "left", "right"])
def test_a_page_of_the_concordance_is_that_slice_of_the_whole_list(seed_session, sections, sort):
    """The session builds only the asked page (the view cut it from the first 10,000); the
    page is the same slice of the same list, and ``listed`` counts the whole list."""
    parsed = indexer.parse_query("公安")
    whole = seed_session.concordance(parsed, sort=sort)
    assert whole.total == len(scan(sections, "公安")) == whole.listed == len(whole.occurrences)
    for offset, count, limit in [(0, 10, 10_000), (7, 5, 10_000), (whole.total - 3, 10, 10_000),
                                 (whole.total + 5, 10, 10_000), (15, 10, 20)]:
        page = seed_session.concordance(parsed, sort=sort, limit=limit, offset=offset,
                                        count=count)
        cut = seed_session.concordance(parsed, sort=sort, limit=limit).occurrences
        assert page.occurrences == cut[offset:offset + count]
        assert page.listed == min(whole.total, limit) and page.total == whole.total
        assert page.truncated == (whole.total > limit)


def test_the_concordance_counts_each_documents_occurrences_most_first(tmp_path, monkeypatch):
    """"In which laws, and how often": the document facet counts sections, shows 20, and
    left out 证券法, whose one chapter holds the phrase 71 times, as having "no more matches"
    than those listed (new-user trial). The concordance lists every document with its
    occurrences and sections, most first, each linking to its own count; ground truth from the
    files' texts."""
    from webapp import concordance_views, create_app

    from .conftest import close_index

    files = {f"法{k:02d}.md": f"# 第{k}号法\n\n## 第一章\n\n" + "违法所得，" * k + "正文。\n\n"
             + ("## 第二章\n\n没收违法所得。\n" if k % 3 == 0 else "")
             for k in range(1, 26)}
    files["无关.md"] = "# 无关\n\n没有这个词。\n"
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for name, text in files.items():
        (seeds / name).write_text(text, encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    want = {}
    for name, text in files.items():
        n = normalized(text).count("违法所得")
        if n:
            sections = [p for p in text.split("\n## ")[1:] if "违法所得" in p]
            want[name] = (n, len(sections))
    app = create_app({"TESTING": True, "SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix")})
    try:
        client = app.test_client()
        data = client.get("/concordance.json", query_string={"q": "违法所得"}).get_json()
        rows = data["documents"]
        assert data["documents_count"] == len(rows) == len(want)
        assert {r["source"]: (r["occurrences"], r["sections"]) for r in rows} == want
        assert [r["occurrences"] for r in rows] == sorted((n for n, _ in want.values()), reverse=True)
        assert sum(r["occurrences"] for r in rows) == data["total"]
        assert [r["source"] for r in rows] == sorted(want, key=lambda f: (-want[f][0], f))
        top = rows[0]
        followed = client.get(top["url"].replace("/concordance?", "/concordance.json?")).get_json()
        assert followed["total"] == top["occurrences"] and followed["documents"] == [
            {**top, "url": followed["documents"][0]["url"]}]
        page = client.get("/concordance", query_string={"q": "违法所得"}).get_data(as_text=True)
        assert "按文档统计：25 篇文档" in page and "第24号法" in page
        # the facet's note says what its figures count
        results = client.get("/search", query_string={"q": "违法所得"}).get_data(as_text=True)
        assert "匹配的章节不多于上列" in results
        # a common word's documents are many: the first ones only, all of them counted
        monkeypatch.setattr(concordance_views, "DOCUMENT_ROWS", 10)
        capped = client.get("/concordance.json", query_string={"q": "违法所得"}).get_json()
        assert capped["documents"] == rows[:10] and capped["documents_count"] == len(want)
        page = client.get("/concordance", query_string={"q": "违法所得"}).get_data(as_text=True)
        assert page.count('<td class="num">') == 2 * 10 and "只列出出现最多的 10 篇" in page
    finally:
        close_index(app)


def test_a_concordance_says_its_count_includes_synonyms_and_links_the_words_alone(tmp_path):
    """New-user trial: with the group 新冠 新型冠状病毒, the concordance of 新型冠状病毒 said
    共出现 155 次 where the texts never hold it (all 155 were 新冠), with only a small (≈新冠)
    to tell. The page and JSON name the synonyms counted and link the count of the words as
    typed; ground truth is plain substring counting over the texts."""
    from bs4 import BeautifulSoup

    from webapp import create_app
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    texts = {"a.md": "# 甲\n\n新冠疫苗接种。新冠防控。\n", "b.md": "# 乙\n\n新型冠状病毒肺炎。\n"}
    for name, text in texts.items():
        (seeds / name).write_text(text, encoding="utf-8")
    (seeds / "synonyms.txt").write_text("新冠 新型冠状病毒\n", encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    client = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(tmp_path / "ix"),
                         "TESTING": True}).test_client()
    joined = "".join(texts.values())
    data = client.get("/concordance.json", query_string={"q": "新型冠状病毒"}).get_json()
    assert data["total"] == joined.count("新型冠状病毒") + joined.count("新冠")
    assert data["synonyms"] == ["新冠"] and data["exact_query"] == '"新型冠状病毒"'
    exact = client.get(data["exact_url"]).get_data(as_text=True)
    args = {k: v[0] for k, v in parse_qs(urlsplit(data["exact_url"]).query).items()}
    assert client.get("/concordance.json", query_string=args).get_json()["total"] == \
        joined.count("新型冠状病毒")
    page = client.get("/concordance", query_string={"q": "新型冠状病毒"}).get_data(as_text=True)
    note = BeautifulSoup(page, "html.parser").select_one(".synonyms-counted")
    assert "新冠" in note.get_text() and note.a["href"] == data["exact_url"]
    assert exact and "synonyms-counted" not in exact
    # a query without synonyms says nothing of them
    plain = client.get("/concordance.json", query_string={"q": "疫苗"}).get_json()
    assert plain["synonyms"] == [] and plain["exact_url"] is None
    # nor links a words-alone query that the quotes make too long to be searched whole
    # (breaker: 1,006 characters, searched cut)
    for n, linked in ((900, True), (993, False)):
        long = client.get("/concordance.json", query_string={"q": "人" * n + " | 新冠"}).get_json()
        assert long["synonyms"] == ["新型冠状病毒"]
        assert (long["exact_url"] is not None) == linked
        assert long["exact_query"] is None or len(long["exact_query"]) <= indexer.MAX_QUERY_CHARS
