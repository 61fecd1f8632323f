"""Encodings and formats, each from a fixture the test makes itself."""

from __future__ import annotations

import io

import pytest

import indexer
from indexer.documents import read_document
from indexer.repair import repair
from indexer.sections import split_sections
from indexer.sources import DocumentError, SourceFile

PHRASE = "刑事侦查工作要点"
BODY = f"{PHRASE}：公安机关应当依法全面收集证据，严禁刑讯逼供。"
TRADITIONAL = "刑事偵查工作要點：公安機關應當依法全面收集證據，嚴禁刑訊逼供。"


def doc(name: str, data: bytes):
    return read_document(SourceFile(name, data, "x"))


@pytest.mark.parametrize("text, encoding", [
    ("辽宁沈阳浑南科技城全", "gb18030"), ("央视网消息新闻联播：", "gb18030"),
    ("乡村振兴系列今晚开播", "gb18030"), ("障、健康监测、消杀等", "gb18030"),
    ("习近平在致纳扎尔巴耶夫的贺电中", "gb18030"), ("2新疆和若鐵路順利通過動態驗收；", "big5"),
    ("，用“一朵雪花”的故", "gb18030"),  # charset-normalizer offered only a Big5 reading
    ("辽宁：辽阔江海凭潮起", "gb18030"),  # was read as Big5 mojibake
])
def test_short_chinese_files_that_read_cleaner_as_another_encoding(text, encoding):
    """Short GBK/Big5 files that charset-normalizer reads cleaner as cp949, johab or UTF-16
    were refused (about 1 in 12 of 10–20 characters: breaker); they read as Chinese words.
    Over 2,000 cctv-news snippets of 6–30 characters in GB18030 or Big5, 3 are refused and none
    misread (49 refused and 1 misread before)."""
    d = doc("short.txt", text.encode(encoding))
    assert d.encoding == encoding and d.text == text


@pytest.mark.parametrize("text, encoding", [
    ("提供公平公正", "big5"), ("國際勞動", "big5"), ("（-:.2年，国（，", "gbk"),
])
def test_a_short_file_is_read_right_or_refused_never_misread(text, encoding):
    """Big5 提供公平公正 was read as GB18030 矗ㄑそキそタ (breaker)."""
    try:
        d = doc("short.txt", text.encode(encoding))
    except DocumentError:
        return
    assert d.text == text


@pytest.mark.parametrize("name,data,encoding,text", [
    ("gbk.txt", BODY.encode("gbk"), "gb18030", BODY),
    ("gbk-short.txt", PHRASE.encode("gbk"), "gb18030", PHRASE),
    ("notice.txt", "请于明天上午九点到三楼会议室开会。".encode("gbk"), "gb18030",
     "请于明天上午九点到三楼会议室开会。"),
    ("gb18030.txt", (BODY + "𠀀").encode("gb18030"), "gb18030", BODY + "𠀀"),
    ("big5.txt", TRADITIONAL.encode("big5"), "big5", TRADITIONAL),
    # Traditional text saved as GBK, punctuated and not: refused, its characters judged by
    # GB2312's Simplified ones alone (new-user trial)
    ("gbk-traditional.txt", TRADITIONAL.encode("gbk"), "gb18030", TRADITIONAL),
    ("gbk-classical.txt", "壬戌之秋七月既望蘇子與客泛舟遊於赤壁之下清風徐來水波不興".encode("gbk"),
     "gb18030", "壬戌之秋七月既望蘇子與客泛舟遊於赤壁之下清風徐來水波不興"),
    ("utf16.txt", BODY.encode("utf-16"), "utf-16", BODY),
    ("utf16be.txt", b"\xfe\xff" + BODY.encode("utf-16-be"), "utf-16", BODY),
    # without a byte-order mark: with line ends (NUL bytes), without, and Traditional
    ("le.txt", (BODY + "\r\n" + PHRASE).encode("utf-16-le"), "utf-16-le", BODY + "\n" + PHRASE),
    ("le-han.txt", BODY.encode("utf-16-le"), "utf-16-le", BODY),
    ("be.txt", (BODY + "\n").encode("utf-16-be"), "utf-16-be", BODY),
    ("big5le.txt", TRADITIONAL.encode("utf-16-le"), "utf-16-le", TRADITIONAL),
    ("bom.txt", b"\xef\xbb\xbf" + BODY.encode("utf-8"), "utf-8-sig", BODY),
    ("plain.txt", BODY.encode("utf-8"), "utf-8", BODY),
    ("crlf.txt", (BODY + "\r\n\r\n" + BODY).encode("utf-8"), "utf-8", BODY + "\n\n" + BODY),
])
def test_encodings(name, data, encoding, text):
    d = doc(name, data)
    assert d.encoding == encoding and d.text == text and "\ufeff" not in d.text


@pytest.mark.parametrize("data", [
    b"caf\xe9 r\xe9sum\xe9 na\xefve", bytes(range(256)), b"\x80\x81\xfe\xff\xc3\x28",
    b"\xff\xfe\x00\xd8", "서울특별시 날씨 예보입니다. 내일은 맑겠습니다.".encode("euc-kr"),
    "東京都の天気予報です。明日は晴れるでしょう。".encode("shift_jis"),
    "대한민국의 수도는 서울이며 인구는 약 천만 명이다.".encode("euc-kr"),
    "오늘회의에서는새로운예산안을논의했습니다.".encode("euc-kr"),
    "日本語の文章を中国語として読むとどうなるでしょうか".encode("euc_jp"),
    "会議は午後三時から始まります".encode("shift_jis"),
    # short Korean and Japanese read as common Han characters, cleanly (breaker)
    "안녕하세요".encode("euc-kr"), "회의록 초안".encode("euc-kr"), "会議資料".encode("euc_jp"),
    ("していた。寒くなるにつれて風邪の患者が増えている。今回の措置で中小企業の負担が大きく"
     "減ると予想される。").encode("euc_jp"),
    # a file mixing GBK and Big5 lines (the Big5 line read as GB18030 is kana and private use)
    "俄罗斯国防部表示，此事实为乌方挑衅。\n".encode("gbk") + "中菲兩國堅持睦鄰友好，攜手共同發展。".encode("big5"),
    "plain English only".encode("utf-16-le"), bytes(range(256)) * 4,
    bytes(range(1, 256, 2)) * 8,
])
def test_undecodable_files_are_refused_not_mojibake(data):
    with pytest.raises(DocumentError):
        doc("x.txt", data)


def test_a_gbk_file_is_found_and_reported_with_its_encoding(tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "gbk.txt").write_bytes(BODY.encode("gbk"))
    (seeds / "bad.txt").write_bytes(b"caf\xe9 \x80\x81")
    (seeds / "empty.txt").write_bytes(b"")
    report = indexer.update(seeds, tmp_path / "ix")
    assert [p for p, _ in report.failed] == ["bad.txt"] and report.empty == ["empty.txt"]
    assert indexer.read_meta(tmp_path / "ix")["encodings"]["gbk.txt"] == "gb18030"
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as s:
        assert s.search(indexer.parse_query("刑事侦查")).total == 1


def test_html(tmp_path):
    html = f"""<!doctype html><html><head><title>页面标题</title><style>.x{{color:red}}</style>
    <script>var 脚本 = "不应被索引";</script></head><body>
    <h1>总标题</h1><p>{PHRASE}，
       第一段。</p><h2>第一章</h2><p>第一章的内容。</p><ul><li>条目一</li><li>条目二</li></ul>
    <h3>第一节 &amp; 细则</h3><p>细则内容<br>第二行。</p></body></html>"""
    d = doc("page.html", html.encode("gbk").replace(b"<head>", b'<head><meta charset="gbk">'))
    sections = split_sections(d)
    assert [s.title for s in sections] == ["总标题", "第一章", "第一节 & 细则"]
    assert sections[0].breadcrumb == ("总标题",)
    assert sections[2].breadcrumb == ("总标题", "第一章", "第一节 & 细则")
    assert f"{PHRASE}，第一段。" in sections[0].text  # CJK line break inside <p> disappears
    assert "条目一\n\n条目二" in sections[1].text
    assert "脚本" not in d.text and "color" not in d.text and "页面标题" not in d.text


@pytest.mark.parametrize("page, text", [
    # an <h1> inside another heading counts: no title line
    ("<h2>小节<h1>内</h1></h2><title>页题</title><p>文</p>", "## 小节 内\n\n文"),
    # a heading's text leaves out dropped tags and ruby annotations; comments are no text
    ("<title>页题</title><h2>节<noscript>藏</noscript><script>x</script><ruby>汉<rt>han</rt>"
     "</ruby></h2><div>甲<!--注-->乙<![CDATA[丙]]></div>行一<br>行二",
     "# 页题\n\n## 节汉\n\n甲乙丙\n\n行一\n行二"),
    # a <br> breaks the line, as the page shows it; the source's own line breaks are white
    # space (an address's 电话 line and a poem's lines were joined: breaker)
    ("<p>联系地址：北京市朝阳区<br>电话：010-1234<br/>\n  邮编</p><p>一段\n  文字</p>",
     "联系地址：北京市朝阳区\n电话：010-1234\n邮编\n\n一段文字"),
    # inline tags join a heading's words as the page shows them (H2O, WiFi, CoVID-19:
    # joined with spaces, title:H2O found nothing: breaker); a <br> or a block parts them
    ("<h1>化学<b>H</b><sub>2</sub>O与Wi<span>Fi</span>网络</h1><h2>第二部分 Co<em>VID</em>-19"
     "<br>防控</h2><p>文</p>", "# 化学H2O与WiFi网络\n\n## 第二部分 CoVID-19 防控\n\n文"),
    # an <h1> inside a dropped tag does not count
    ("<title>页题</title><noscript><h1>不算</h1></noscript><ul><li>一</li><li>二</li></ul>",
     "# 页题\n\n一\n\n二"),
    # a saved news page's navigation is no text of it (new-user trial: every page was a hit
    # for 首页), by tag or by WAI-ARIA role; a banner with the page's title in it stays
    ("<header><nav><a>首页</a> <a>财经</a></nav><div role=navigation>您当前的位置：首页</div>"
     "<h1>统计局发布</h1></header><p>正文</p>",
     "# 统计局发布\n\n正文"),
    # the site's own footer is no text of a page with a <main> or <article> (new-user trial: a
    # saved page's 版权所有 footer was matched in its last section), by tag or by role; its
    # banner is kept, as it may hold the page's title; an article's header and footer are its
    # own, and so are those in a role=main or role=article element, and a quote's attribution
    ("<header><div>部门全球资讯网</div></header><div role=banner>标志</div><main><h1>纪要</h1>"
     "<p>正文</p><footer>记录人：王某</footer></main><article><header>作者：李某</header>"
     "</article><footer><p>版权所有 电话：8590</p></footer><div role=ContentInfo>地址</div>",
     "部门全球资讯网\n\n标志\n\n# 纪要\n\n正文\n\n记录人：王某\n\n作者：李某"),
    ("<div role=main><header><p>作者：张三</p></header><h1>通知</h1><p>正文</p><footer>注：施行"
     "</footer></div><div role=article><footer>责任编辑：钱七</footer></div><footer>版权所有"
     "</footer><blockquote><p>横眉冷对千夫指</p><footer>—— 鲁迅</footer></blockquote>",
     "作者：张三\n\n# 通知\n\n正文\n\n注：施行\n\n责任编辑：钱七\n\n横眉冷对千夫指\n\n—— 鲁迅"),
    # without a <main> or <article>, nothing is taken for the site's: a post in <div>s keeps
    # its header and footer, a page written in a <header> its text (breaker)
    ("<div class=post><header><div>我的第一篇博客</div><div>李四</div></header><p>正文</p>"
     "<footer>标签：随笔</footer></div><footer>© 2024</footer>",
     "我的第一篇博客\n\n李四\n\n正文\n\n标签：随笔\n\n© 2024"),
    ("<body><header><p>简讯：常务会议</p><p>研究了城市更新工作。</p></header></body>",
     "简讯：常务会议\n\n研究了城市更新工作。"),
    # a blog theme's banner holds the blog's name as a linked <h1> (Hexo landscape): a plain
    # line, not the title (breaker: every saved post was titled 小明的博客)
    ("<header id=header><h1><a>小明的博客</a></h1><h2><a>记录生活点滴</a></h2></header><section><article>"
     "<h1>我的第一篇文章</h1><p>正文</p></article></section><header role=none>栏目：随笔</header>",
     "小明的博客\n\n记录生活点滴\n\n# 我的第一篇文章\n\n正文\n\n栏目：随笔"),
    # a notice's header holds its title and number above a text headed 一、二、 (new-user
    # trial: it was dropped, and the notice titled after the site); a sidebar of related news
    # or archives beside the text is no text of the page, a note box inside it is
    ("<header><h1>关于印发民生实事的通知</h1><p>深府〔2025〕3号</p></header><main><h3>一、教育</h3>"
     "<p>正文</p><aside>注：详见附件</aside></main><aside><h2>相关新闻</h2><p>另一条</p></aside>"
     "<div role=complementary>归档 2024年3月</div>",
     "# 关于印发民生实事的通知\n\n深府〔2025〕3号\n\n### 一、教育\n\n正文\n\n注：详见附件"),
    # a site's logo, a linked <h1> or an image, is no title (breaker: every notice of a site
    # was titled 某市人民政府); a post title in the banner above a body of <h1>s stays, as a
    # line (Hux: it was dropped); an unclosed <header> holds the whole text and stays; a
    # notice's title that links to itself stays (breaker)
    ("<title>通知页</title><header><div><h1><a>某市人民政府</a></h1></div><h1 class=logo><a><img alt=县>"
     "</a></h1><span>设为首页</span></header><main><h2>关于春节安全的通知</h2><p>正文</p></main>",
     "# 通知页\n\n某市人民政府\n\n设为首页\n\n## 关于春节安全的通知\n\n正文"),
    ("<header><h1>Vue 源码解读</h1><span>Posted by 小明</span></header><article><h1>前言</h1>"
     "<p>正文</p></article>", "Vue 源码解读\n\nPosted by 小明\n\n# 前言\n\n正文"),
    ("<header><h1><a href='/a'>关于加强安全生产工作的通知</a></h1><p>某政办发〔2024〕1号</p></header>"
     "<main><p>正文。</p></main>", "关于加强安全生产工作的通知\n\n某政办发〔2024〕1号\n\n正文。"),
    ("<header><div><a>登录</a></div><div><main><article><h1>某地举行活动</h1><p>本报讯</p>"
     "</article></main></div>", "登录\n\n# 某地举行活动\n\n本报讯"),
    ("<article><h1>题</h1><p>正文</p><aside>文中的注释框</aside></article><aside>近期文章</aside>",
     "# 题\n\n正文\n\n文中的注释框"),
    # a sidebar of article cards (Ghost), or one in <main> beside the <article> (Hexo NexT),
    # is the site's (breaker: both were kept)
    ("<main><div><aside>文章目录 站点概览</aside></div><article><h1>Ghost 入门</h1><p>正文</p></article>"
     "</main><aside><article><h2>另一篇文章</h2></article></aside>", "# Ghost 入门\n\n正文"),
    # a post's title in the banner above a text with only <h2>s stays (Clean Blog); an
    # <article> in a sidebar or a <template>, or a heading in a dropped <nav>, says nothing of
    # the page (breaker)
    ("<header><div><h1>关于城市更新的思考</h1><span>Posted by 张小明</span></div></header><article>"
     "<p>城市更新。</p><h2>一、问题</h2></article><footer>版权所有</footer>",
     "# 关于城市更新的思考\n\nPosted by 张小明\n\n城市更新。\n\n## 一、问题"),
    ("<header><h1>区政府的通知</h1><p>发布时间：2024-01-02</p></header><div><p>正文</p></div><aside>"
     "<article><h3>另一条</h3></article></aside><template><article><h1>模板</h1></article></template>"
     "<footer>地址</footer>",
     "# 区政府的通知\n\n发布时间：2024-01-02\n\n正文\n\n### 另一条\n\n地址"),
    ("<header><a>某某市人民政府</a><nav><h2>主导航</h2></nav><span>无障碍</span></header><main><h1>题</h1>"
     "<p>正文</p></main>", "某某市人民政府\n\n无障碍\n\n# 题\n\n正文"),
    # a role is read in any case and by its first token; a dropped block still parts the
    # text around it, as a browser shows it (breaker)
    ("<div role=NAVIGATION>菜单</div><div role='navigation main'>栏目</div><p>前文<nav>导航</nav>"
     "后文。</p>", "前文\n\n后文。"),
])
def test_html_headings_blocks_and_dropped_tags(page, text):
    from indexer.formats import html_to_text

    assert html_to_text(page) == text


def test_html_is_read_without_searching_a_tags_children(monkeypatch):
    """A page of thousands of sibling paragraphs (or nested blocks) is read in one walk:
    marking blocks by inserting strings made every insertion search its parent's children
    (bs4's ``Tag.index``), so 20,000 paragraphs took 90 s and held the index lock all along
    (breaker). Counted, not timed: no call of ``Tag.index`` or ``Tag.insert`` at all."""
    from bs4.element import Tag

    from indexer.formats import html_to_text

    calls = []
    for name in ("index", "insert", "extract"):
        real = getattr(Tag, name)
        monkeypatch.setattr(Tag, name, lambda self, *a, _real=real, _n=name, **k:
                            calls.append(_n) or _real(self, *a, **k))
    page = ("<html><head><title>页</title><script>x</script></head><body>"
            + "".join(f"<p>段落{i}<br>续</p><h2>节{i}</h2>" for i in range(300))
            + "<div>" * 300 + "深处" + "</div>" * 300
            # comments with a header each, in <div>s left open, nest 300 deep: each header's
            # ancestors and contents were searched, 72 s for 10,000 (breaker)
            + "<main><h1>文</h1></main>" + "".join(f"<div><header>网友{i}</header><p>评论{i}</p>"
                                                  for i in range(300))
            + "</body></html>")
    for name in ("find_parent", "find_parents", "find"):
        real = getattr(Tag, name)
        monkeypatch.setattr(Tag, name, lambda self, *a, _real=real, _n=name, **k:
                            calls.append(_n) or _real(self, *a, **k))
    text = html_to_text(page)
    assert calls.count("find") <= 2 and not {"index", "insert", "extract", "find_parent",
                                             "find_parents"} & set(calls)
    assert "网友299" in text and "评论299" in text
    assert text.count("## 节") == 300 and "段落299\n续" in text
    assert "深处" in text and "\n# 文\n" in text  # the <h1> is the title, not <title>


HK_TEXT = ("政府今日公布石硤尾邨重建計劃，房屋署表示，重建工程將分期進行，預計於二零三零年完成。"
           "居民可向房屋署查詢安置安排。")
"""Traditional text with 邨, a Hong Kong character outside Big5 (in Big5-HKSCS)."""


def test_hong_kong_big5_is_read(tmp_path):
    """A Hong Kong page declared big5, or a text file, holding 邨 was refused, "it looks like
    big5hkscs" (new-user trial): a browser's Big5 is Big5-HKSCS (WHATWG Encoding Standard)."""
    page = (f"<html><head><meta charset=big5><title>新聞公報</title></head><body><p>{HK_TEXT}</p>"
            "</body></html>").encode("big5hkscs")
    assert HK_TEXT in doc("press.html", page).text
    text = doc("notes.txt", (HK_TEXT * 3 + "\n").encode("big5hkscs"))
    assert HK_TEXT in text.text and text.encoding == "big5hkscs"
    plain = doc("plain.txt", "政府今日公布重建計劃，房屋署表示，重建工程將分期進行。\n".encode("big5"))
    assert plain.encoding == "big5"  # plain Big5 is still named so
    # a declaration is read strictly: a Big5 page declared gb2312, read by a wider GB18030
    # decoder, was taken "validly" as mojibake (breaker)
    lie = doc("lie.html", ("<meta charset=gb2312><p>行政院今日召開院會，通過多項法案。政府今日公布重建計劃，"
                           "房屋署表示，重建工程將分期進行。</p>").encode("big5"))
    assert lie.encoding == "big5" and "行政院今日召開院會" in lie.text
    # gb2312 is read as GBK, as browsers do: a name list with 喆 and 珺 was refused, and
    # 中华·国务院 was stored with a katakana dot (breaker)
    names = doc("names.html", "<meta charset=gb2312><p>名单公示：王喆、李珺、张堃、刘赟。中华·国务院——通知。</p>"
                .encode("gbk"))
    assert names.encoding == "gb2312" and "王喆、李珺、张堃、刘赟。中华·国务院——通知。" in names.text


def test_a_saved_pages_resource_folder_is_not_read(tmp_path):
    """A browser's "save complete page" writes page.html and page_files/ (images, scripts, ad
    frames): the frames were indexed as documents titled 广告 (new-user trial). A folder that
    only ends in _files is read as any other."""
    from indexer.sources import scan

    (tmp_path / "台风登陆_腾讯新闻.html").write_text("<h1>台风</h1><p>正文</p>", encoding="utf-8")
    (tmp_path / "台风登陆_腾讯新闻_files").mkdir()
    (tmp_path / "台风登陆_腾讯新闻_files" / "saved_resource.html").write_text(
        "<title>广告</title><p>领取红包</p>", encoding="utf-8")
    (tmp_path / "台风登陆_腾讯新闻_files" / "style.css").write_text("p{}", encoding="utf-8")
    (tmp_path / "case_files").mkdir()
    (tmp_path / "case_files" / "a.txt").write_text("案卷。\n", encoding="utf-8")
    found = scan(tmp_path)
    assert sorted(f.rel_path for f in found.files) == ["case_files/a.txt", "台风登陆_腾讯新闻.html"]
    assert found.skipped == []


def test_html_title_is_used_when_there_is_no_h1():
    d = doc("t.htm", "<html><head><title>只有标题</title></head><body><p>正文。</p></body></html>".encode())
    assert [s.title for s in split_sections(d)] == ["只有标题"]


def test_docx():
    import docx

    document = docx.Document()
    document.add_heading("文档总标题", level=1)
    document.add_paragraph(BODY)
    document.add_heading("第二部分", level=2)
    document.add_paragraph("第二部分的内容。")
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "表格甲"
    table.rows[0].cells[1].text = "表格乙"
    buf = io.BytesIO()
    document.save(buf)
    d = doc("report.docx", buf.getvalue())
    sections = split_sections(d)
    assert d.encoding == "docx"
    assert [s.title for s in sections] == ["文档总标题", "第二部分"]
    assert BODY in sections[0].text and "表格甲" in sections[1].text


def test_a_docx_table_stays_in_the_section_it_stands_in():
    """A table under the first of two headings belongs to the first section, and a merged
    cell's text is read once (breaker: tables were read after all the paragraphs, so each
    fell into the last heading's section)."""
    import docx

    document = docx.Document()
    document.add_heading("表格测试文档", level=0)
    document.add_heading("第一篇甲", level=1)
    document.add_paragraph("甲篇正文。")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "甲篇表格独有词"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "合并单元格"
    document.add_heading("第二篇乙", level=1)
    document.add_paragraph("乙篇正文。")
    buf = io.BytesIO()
    document.save(buf)
    sections = split_sections(doc("table.docx", buf.getvalue()))
    where = {s.title: s.text for s in sections}
    assert "甲篇表格独有词" in where["第一篇甲"] and "甲篇表格独有词" not in where["第二篇乙"]
    assert where["第一篇甲"].count("合并单元格") == 1


@pytest.mark.parametrize("kind", ["html", "docx"])
def test_text_that_reads_as_markdown_is_text_in_html_and_docx(kind):
    """A paragraph ``# 这不是标题`` of a page or a Word file became an article, with the real
    headings after it put under it, and a paragraph of three backticks opened a code block
    that took every heading after it (breaker). Their text is text; only their headings are
    headings. Ground truth: the headings as written in the file."""
    import docx

    # a backslash before a # is the text's own there (breaker: C:\#temp read as C:#temp)
    paragraphs = ["# 这不是标题而是正文甲", "```", "## 缩进的井号", "路径 C:\\#temp 与 \\# 号"]
    if kind == "html":
        body = "".join(f"<p>{p}</p>" for p in paragraphs)
        data = (f"<h1>文档真标题</h1>{body}<h2>第一个真标题</h2><p>内容甲<br># 换行后的井号</p>"
                "<h2>第二个真标题</h2><pre><code>```python\nprint(1)</code></pre><p>内容乙</p>").encode()
    else:
        document = docx.Document()
        document.add_heading("文档真标题", level=0)
        for p in paragraphs:
            document.add_paragraph(p)
        document.add_heading("第一个真标题", level=2)
        document.add_paragraph("内容甲")
        document.add_paragraph("# 换行后的井号")
        document.add_heading("第二个真标题", level=2)
        document.add_paragraph("```python")
        document.add_paragraph("内容乙")
        buf = io.BytesIO()
        document.save(buf)
        data = buf.getvalue()
    sections = split_sections(doc(f"a.{kind}", data))
    assert [s.title for s in sections] == ["文档真标题", "第一个真标题", "第二个真标题"]
    assert [s.breadcrumb for s in sections[1:]] == [("文档真标题", "第一个真标题"),
                                                    ("文档真标题", "第二个真标题")]
    # a <pre>'s lines stay lines (breaker: ```python print(1), joined)
    lines = paragraphs + ["# 换行后的井号", "内容乙"] + (["```python", "print(1)"] if kind == "html" else [])
    for p in lines:
        assert sum(s.text.split("\n").count(p) for s in sections) == 1, p


def test_docx_text_in_nested_tables_content_controls_and_tracked_insertions_is_read():
    """Text inside a table nested in a cell, in a content control (w:sdt) around a paragraph
    and in a tracked insertion (w:ins) is found, in its section and in order; tracked deleted
    text (w:delText) is not, and a text box's text is read once, not also from its VML
    fallback (breaker: python-docx's text properties skip the first three)."""
    def tables(document):
        outer = document.add_table(rows=1, cols=2)
        outer.cell(0, 0).text = "外层格"
        outer.cell(0, 1).add_table(rows=1, cols=1).cell(0, 0).text = "嵌套内格甲"

    where = _two_articles("nested.docx", (
        '<w:sdt %s><w:sdtPr/><w:sdtContent><w:p><w:r><w:t>内容控件里的话</w:t></w:r></w:p>'
        '</w:sdtContent></w:sdt>',
        '<w:p %s><w:ins w:id="1" w:author="x"><w:r><w:t>修订插入的话</w:t></w:r></w:ins>'
        '<w:del w:id="2" w:author="x"><w:r><w:delText>已删除的话</w:delText></w:r></w:del></w:p>',
        # a text box as Word writes it: DrawingML, and a VML copy as the fallback
        '<w:p %s xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006">'
        '<w:r><w:t>框前文字</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><w:txbxContent>'
        '<w:p><w:r><w:t>文本框里的话</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>'
        '<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>文本框里的话</w:t></w:r></w:p>'
        '</w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r>'
        '<w:r><w:t>框后文字</w:t></w:r></w:p>',
        '<w:p %s><w:r><w:t>COVID</w:t><w:noBreakHyphen/><w:t>19疫情</w:t></w:r></w:p>',
        # a phonetic guide (拼音指南): the reading is no text, as HTML's <rt> (breaker)
        '<w:p %s><w:r><w:t>我们学习</w:t></w:r><w:r><w:ruby><w:rubyPr/><w:rt><w:r>'
        '<w:t>hàn</w:t></w:r></w:rt><w:rubyBase><w:r><w:t>汉</w:t></w:r></w:rubyBase>'
        '</w:ruby></w:r><w:r><w:t>字</w:t></w:r></w:p>'), before=tables)
    first = where["第一篇"]
    found = [first.find(t) for t in ("外层格", "嵌套内格甲", "内容控件里的话", "修订插入的话")]
    assert -1 not in found and found == sorted(found)
    assert "已删除的话" not in first + where["第二篇"]
    assert first.count("文本框里的话") == 1  # once, not once more from the fallback copy
    # a paragraph of its own, not glued into the one it is anchored in
    assert "框前文字框后文字" in first and "文字文本框" not in first
    assert "COVID-19疫情" in first
    assert "我们学习汉字" in first and "hàn" not in first


def _two_articles(name: str, xmls: tuple[str, ...], before=None, after=None) -> dict[str, str]:
    """A DOCX of two articles, 第一篇 holding the paragraphs ``xmls`` (raw WordprocessingML,
    ``%s`` where the namespace goes) and 第二篇 one paragraph, read back as ``{section title:
    text}``; ``before(document)`` runs before the XML is added, ``after(document)`` before the
    file is saved."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document()
    document.add_heading("第一篇", level=1)
    if before:
        before(document)
    for xml in xmls:
        document.element.body.sectPr.addprevious(parse_xml(xml % nsdecls("w")))
    document.add_heading("第二篇", level=1)
    document.add_paragraph("第二篇正文。")
    if after:
        after(document)
    buf = io.BytesIO()
    document.save(buf)
    return {s.title: s.text for s in split_sections(doc(name, buf.getvalue()))}


def _with_notes(document, kind: str, notes: dict[str, str]) -> None:
    """Add a footnotes or endnotes part (``kind``) holding ``notes`` (``{id: text}``) and
    Word's two separator notes, as Word writes them."""
    from docx.opc.constants import CONTENT_TYPE as CT, RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    body = "".join(f'<w:{kind} w:id="{i}"><w:p><w:r><w:t>{t}</w:t></w:r></w:p></w:{kind}>'
                   for i, t in notes.items())
    xml = (f'<w:{kind}s xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           f'<w:{kind} w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:{kind}>'
           f'<w:{kind} w:type="continuationSeparator" w:id="0"><w:p><w:r><w:t>分隔</w:t></w:r></w:p>'
           f'</w:{kind}>{body}</w:{kind}s>')
    content_type = CT.WML_FOOTNOTES if kind == "footnote" else CT.WML_ENDNOTES
    reltype = RT.FOOTNOTES if kind == "footnote" else RT.ENDNOTES
    part = Part(PackURI(f"/word/{kind}s.xml"), content_type, xml.encode(), document.part.package)
    document.part.relate_to(part, reltype)


def test_docx_footnotes_and_endnotes_are_read_in_the_section_that_cites_them():
    """A footnote's and an endnote's text is found, after the paragraph that refers to it and
    in its section, once even when cited twice; notes never cited (Word's separators) are
    not read (python-docx reads no notes: their text was not searchable)."""
    def notes(document):
        _with_notes(document, "footnote", {"1": "脚注里的出处说明", "2": "没有引用的脚注",
                                           "3": "删除了引用的脚注"})
        _with_notes(document, "endnote", {"1": "尾注里的补充材料"})

    where = _two_articles("notes.docx", (
        '<w:p %s><w:r><w:t>正文甲</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'
        '<w:r><w:t>句末</w:t></w:r></w:p>',
        '<w:p %s><w:r><w:t>正文乙</w:t></w:r><w:r><w:endnoteReference w:id="1"/></w:r>'
        '<w:r><w:footnoteReference w:id="1"/></w:r></w:p>',
        # a reference in a tracked deletion: its note is deleted text (breaker)
        '<w:p %s><w:r><w:t>正文丙</w:t></w:r><w:del w:id="9" w:author="x"><w:r>'
        '<w:footnoteReference w:id="3"/></w:r></w:del></w:p>'), after=notes)
    first = where["第一篇"]
    found = [first.find(t) for t in ("正文甲句末", "脚注里的出处说明", "正文乙", "尾注里的补充材料")]
    assert -1 not in found and found == sorted(found)
    assert first.count("脚注里的出处说明") == 1
    assert all("没有引用的脚注" not in t and "分隔" not in t and "删除了引用的脚注" not in t
               for t in where.values())
    assert "脚注" not in where["第二篇"]


def test_a_heading_style_inside_a_table_heads_nothing():
    """A cell's paragraph styled Heading 1 is table text: as a heading it started a section
    that took the rest of the table and the body after it (breaker)."""
    import docx

    document = docx.Document()
    document.add_heading("正文标题", level=1)
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).paragraphs[0].text = "单元格里的标题"
    table.cell(0, 0).paragraphs[0].style = document.styles["Heading 1"]
    table.cell(0, 1).text = "相邻单元格"
    document.add_paragraph("表后正文。")
    buf = io.BytesIO()
    document.save(buf)
    sections = split_sections(doc("cell.docx", buf.getvalue()))
    assert [s.title for s in sections] == ["正文标题"]
    assert all(t in sections[0].text for t in ("单元格里的标题", "相邻单元格", "表后正文"))


def test_broken_docx_and_pdf_are_reported(caplog):
    """…by the indexer alone: pypdf's own warnings, which reached stderr through Python's
    last-resort handler, are not emitted (breaker)."""
    with pytest.raises(DocumentError, match="docx"):
        doc("x.docx", b"not a zip")
    import fpdf

    with pytest.raises(DocumentError, match="PDF"):
        doc("x.pdf", b"%PDF-1.4 garbage")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("helvetica")
    pdf.cell(text="hello world")
    whole = bytes(pdf.output())
    with pytest.raises(DocumentError, match="PDF"):
        doc("cut.pdf", whole[:-10])  # pypdf: "EOF marker not found"
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]


def test_a_scanned_pdf_is_reported_as_one_not_as_an_empty_file(tmp_path):
    """A PDF of pages holding only images (a scan) was listed among the empty files with no
    reason (new-user trial): it fails with one that says what to do, in both languages."""
    import fpdf

    from indexer.failures import chinese

    pdf = fpdf.FPDF()
    for _ in range(2):
        pdf.add_page()
        pdf.rect(20, 20, 170, 250, style="F")  # a page that is a picture
    (tmp_path / "seeds").mkdir()
    (tmp_path / "seeds" / "扫描件.pdf").write_bytes(bytes(pdf.output()))
    (tmp_path / "seeds" / "a.txt").write_text("正文。\n", encoding="utf-8")
    report = indexer.update(tmp_path / "seeds", tmp_path / "ix")
    [(path, reason)] = report.failed
    assert path == "扫描件.pdf" and "2 page(s) hold no text" in reason and "OCR" in reason
    assert "可能是扫描件" in chinese(reason) and "扫描件.pdf" not in report.empty
    from .oracle import english_left

    assert not english_left(chinese(reason))  # the page says it all in Chinese


def test_pdf_running_headers_page_numbers_and_page_breaks(tmp_path):
    import fpdf  # fpdf2, in the test extra; the font comes with fonts-noto-cjk

    font = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
    pdf = fpdf.FPDF()
    pdf.add_font("cjk", fname=font, collection_font_number=2)  # 2: the SC face
    pdf.set_font("cjk", size=12)
    pdf.set_auto_page_break(False)  # each page's number at its foot, on that page
    pages = [["第一章 总则", "第一条 为了规范行政处罚的设定和实施，保障和监督行政机关有效实施行政", ],
             ["管理，根据宪法，制定本法。", "第二条 行政处罚是指行政机关依法惩戒违法行为。"],
             ["第三条 information retrieval needs infor-", "mation about words split across lines."]]
    for n, lines in enumerate(pages, 1):
        pdf.add_page()
        pdf.cell(0, 10, "法规汇编 · 内部资料", new_x="LMARGIN", new_y="NEXT")
        for line in lines:
            pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(-20)
        pdf.cell(0, 10, f"- {n} -")
    d = doc("law.pdf", bytes(pdf.output()))
    assert d.encoding == "pdf"
    assert "法规汇编" not in d.text and "- 2 -" not in d.text
    assert "保障和监督行政机关有效实施行政管理，根据宪法，制定本法。" in d.text
    assert "information" in d.text.replace("infor-", "") and "infor-" not in d.text


def test_missing_extra_gives_a_clear_message(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_docx(name, *args, **kwargs):
        if name in ("docx", "pypdf"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_docx)
    with pytest.raises(DocumentError, match=r"needs the 'docx' extra"):
        doc("x.docx", b"PK")
    with pytest.raises(DocumentError, match=r"needs the 'pdf' extra"):
        doc("x.pdf", b"%PDF")


@pytest.mark.parametrize("raw,want", [
    ("This talks about infor-\nmation retrieval and how a line\nbreak between words stays.",
     "This talks about information retrieval and how a line break between words stays."),
    ("这是从 PDF 抽取出来的一段很长的中文文字，行尾被硬\n换行切断了。", "这是从 PDF 抽取出来的一段很长的中文文字，行尾被硬换行切断了。"),
    ("短标题\n王志忠", "短标题\n王志忠"),
])
def test_line_breaks_from_extraction(raw, want):
    assert repair(raw, dehyphenate=True) == want


def test_a_hyphen_at_a_line_end_is_the_text_own_except_in_a_pdf():
    """A person's hard wrap does not hyphenate words: ``well-`` ⏎ ``known`` in a .txt or .md
    file is well-known (the hyphen was deleted, and "well-known" found nothing: breaker);
    only a PDF's typesetting hyphenates (``infor-`` ⏎ ``mation``)."""
    raw = ("This paper relies on the well-\nknown principle of free-\ntrade zones everywhere.\n")
    for name in ("a.txt", "a.md"):
        text = doc(name, raw.encode()).text
        assert "the well-known principle of free-trade zones" in text, name
    assert "wellknown" not in repair(raw) and "wellknown" in repair(raw, dehyphenate=True)


def test_short_gbk_prefers_gb18030_on_a_tie():
    assert doc("a.txt", "防范".encode("gbk")).text == "防范"
    assert doc("b.txt", "公安".encode("gbk")).text == "公安"


def test_html_declared_charset_is_used_when_the_bytes_are_not_utf8():
    page = "<meta charset='gbk'><title>标题</title><p>这是正文。</p>"
    d = doc("p.html", page.encode("gbk"))
    assert d.encoding == "gbk" and d.text.count("标题") == 1  # the <title>, once
    d = doc("lie.html", "<meta charset='gbk'><p>实际上是 UTF-8。</p>".encode("utf-8"))
    assert d.encoding == "utf-8" and "实际上是 UTF-8。" in d.text


@pytest.mark.parametrize("declared", ["iso-8859-1", "windows-1252", "latin1"])
def test_a_chinese_page_declared_in_a_latin_charset_is_read_as_chinese(declared):
    """A GBK page declaring a single-byte charset decoded "validly" in it, as mojibake, and
    改革开放 found nothing (breaker): a charset that reads any bytes proves nothing, and the
    page reads as Chinese. A page in that charset that is not Chinese keeps it."""
    page = (f"<meta charset='{declared}'><title>朱镕基总理讲话</title>"
            "<p>坚持改革开放，推进经济体制改革，全面建设小康社会。</p>")
    d = doc("gbk.html", page.encode("gbk"))
    assert d.encoding == "gb18030" and "坚持改革开放" in d.text and "朱镕基" in d.text
    latin = doc("fr.html", f"<meta charset='{declared}'><p>Élève à l'école, déjà fini.</p>"
                .encode("latin-1"))
    assert latin.encoding == declared and "Élève à l'école, déjà fini." in latin.text


def test_pdf_body_lines_that_differ_only_in_numbers_are_kept():
    import fpdf

    from indexer.formats import pdf_to_text

    pdf = fpdf.FPDF()
    pdf.add_font("cjk", fname="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                 collection_font_number=2)
    pdf.set_font("cjk", size=12)
    for y, n in ((2021, 1234), (2022, 5678)):
        pdf.add_page()
        for line in (f"{y}年全省共破获案件{n}起。", f"这是{y}年的正文，内容各不相同。"):
            pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    text = pdf_to_text(bytes(pdf.output()))
    assert "2021年全省共破获案件1234起。" in text and "这是2022年的正文" in text



def test_pdf_lines_of_digits_are_page_numbers_only_where_they_count_the_pages():
    """Every line of 1–4 digits was deleted as a page number wherever it stood: a table's
    figure (1412), a year alone on a line (breaker). Page numbers at a page's top or bottom
    that count with the pages go; other digit lines stay."""
    import fpdf

    from indexer.formats import pdf_to_text

    pdf = fpdf.FPDF()
    pdf.add_font("cjk", fname="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                 collection_font_number=2)
    pdf.set_font("cjk", size=12)
    pdf.set_auto_page_break(False)
    bodies = [["全年粮食产量（万吨）", "68653", "1412", "2023", "以上为统计数据。"],
              ["第二页的正文，说明情况。", "37", "全文完。"],
              ["第三页：2021", "2022", "2023", "三年数据相同。"]]
    for n, lines in enumerate(bodies, 11):  # printed page numbers start at 11
        pdf.add_page()
        for line in lines:
            pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(-20)
        pdf.cell(0, 10, str(n))
    paragraphs = pdf_to_text(bytes(pdf.output())).split("\n\n")
    for kept in ("68653", "1412", "2023", "37", "2022"):
        assert kept in paragraphs
    assert not {"11", "12", "13"} & set(paragraphs)
    # one page: its number is 1
    pdf = fpdf.FPDF()
    pdf.add_font("cjk", fname="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                 collection_font_number=2)
    pdf.set_font("cjk", size=12)
    pdf.set_auto_page_break(False)
    pdf.add_page()
    for line in ("单页文件的正文。", "1412"):
        pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(-20)
    pdf.cell(0, 10, "1")
    paragraphs = pdf_to_text(bytes(pdf.output())).split("\n\n")
    assert "1412" in paragraphs and "1" not in paragraphs

@pytest.mark.parametrize("text, kept, gone", [
    ("# 标题\n\n<!-- INFO END -->\n\n正文一段。\n", ["标题", "正文一段。"], ["INFO", "<!--"]),
    ("正文<!-- 注释 -->继续\n\n<!-- 跨\n多行 -->\n后文\n", ["正文继续", "后文"], ["注释", "多行"]),
    ("```\n<!-- 代码里的注释 -->\n```\n", ["<!-- 代码里的注释 -->"], []),
    # a <!-- that opens no comment is text, and the rest of the file stays (breaker: each of
    # these hid everything after it, headings and all): in a code span, never closed inside
    # a line, in indented code; a line opening with one starts a block to its -->
    ("使用 `<!--` 开始一个注释。\n\n## 第二节\n\n后续内容甲。\n", ["使用 <!-- 开始", "后续内容甲"], []),
    ("小于号后跟 <!-- 在句中，没有闭合。\n\n## 第二节\n\n后续内容丙。\n",
     ["小于号后跟 <!-- 在句中，没有闭合。", "后续内容丙"], []),
    ("正文\n\n    <!-- 缩进代码 -->\n\n## 第二节\n\n后续内容丁。\n", ["<!-- 缩进代码 -->", "后续内容丁"], []),
    ("正文<!-- 跨\n行的注释 -->继续\n\n  <!-- 块\n\n## 隐藏 -->\n\n后文。\n",
     ["正文", "继续", "后文。"], ["跨", "隐藏"]),
    # a heading ends the paragraph a comment would have to close in; a list item's indented
    # line is no code (breaker)
    ("### 第一条\n\n留言说 <!-- 不是注释\n### 第二条新闻\n正文，箭头 --> 表示流程。\n",
     ["留言说 <!-- 不是注释", "第二条新闻", "箭头 --> 表示流程"], []),
    ("- 列表项\n\n    <!-- 列表续行注释 -->\n\n正文。\n", ["列表项", "正文。"], ["列表续行注释"]),
    # a thematic break is no list item, and code inside an item is code (breaker)
    ("正文\n\n* * *\n\n    <!-- 代码注释 -->\n", ["<!-- 代码注释 -->"], []),
    ("- 列表项\n\n        <!-- 列表内代码 -->\n", ["<!-- 列表内代码 -->"], []),
])
def test_markdown_html_comments_are_not_text(tmp_path, text, kept, gone):
    from indexer.documents import read_document
    from indexer.sources import scan

    (tmp_path / "a.md").write_text(text, encoding="utf-8")
    (tmp_path / "b.txt").write_text("纯文本里的 <!-- 照原样 -->\n", encoding="utf-8")
    docs = {s.rel_path: read_document(s) for s in scan(tmp_path).files}
    for k in kept:
        assert k in docs["a.md"].text
    for g in gone:
        assert g not in docs["a.md"].text
    assert "<!-- 照原样 -->" in docs["b.txt"].text  # only Markdown hides comments


def test_markdown_fenced_code_lines_are_never_joined():
    """Fenced code is read as written (README): the page-break repair joined a fence's lines
    of 20 characters or more to the next, also past a blank line inside the fence (breaker);
    prose after the fence is still repaired."""
    from indexer.documents import read_document

    code = ("这是一行很长的代码注释文字并没有句号结尾的长长的一行\n第二行代码\n\n"
            "第三行在空行之后也很长很长很长很长很长很长很长没有句号\n第四行")
    text = ("正文一段。\n\n```\n" + code + "\n```\n\n"
            "后文，很长很长很长很长很长很长很长很长很长的一行没有句号\n接着一行。\n")
    read = read_document(SourceFile("a.md", text.encode(), "0")).text
    assert "```\n" + code + "\n```" in read
    assert read.endswith("后文，很长很长很长很长很长很长很长很长很长的一行没有句号接着一行。")


@pytest.mark.parametrize("inner", ["~~~", "```", "``", "````x", "    ```"])
def test_a_fence_closes_only_at_its_own_kind_of_line(inner):
    """A fence line inside a block of another kind or length is code, as CommonMark reads
    it, and so is not a fence to close the block; a line that opens with a code span is no
    fence. Counting every such line put the rest of a file inside code: its headings were no
    sections and its prose was left unrepaired (breaker)."""
    from indexer.documents import read_document

    opener = "````" if inner == "```" else "```"
    text = (f"# 文档\n\n{opener}js\n{inner}\n代码 *不变*\n{opener}\n\n## 第二部分\n\n"
            "后文，很长很长很长很长很长很长很长很长很长的一行没有句号\n接着一行，*强调*。\n\n"
            "```x``` 是一个行内代码，后面还有很长很长很长很长很长的文字没有句号\n接着写。\n")
    doc = read_document(SourceFile("a.md", text.encode(), "0"))
    assert [doc.text[h.start_char:h.end_char] for h in doc.headings] == ["文档", "第二部分"]
    assert f"{inner}\n代码 *不变*" in doc.text  # code as written
    assert "后文，很长很长很长很长很长很长很长很长很长的一行没有句号接着一行，强调。" in doc.text
    assert "没有句号接着写。" in doc.text


def test_a_markdown_comment_of_its_own_leaves_no_empty_paragraph(tmp_path):
    """cctv-news' items open and close with ``<!--repaste.body.begin-->`` lines: with the blank
    lines around them they left an empty paragraph, a tall gap in the document view (new-user
    trial). A comment line between two lines still parts them, as CommonMark's HTML block
    does."""
    from indexer.documents import read_document
    from indexer.sources import scan

    (tmp_path / "a.md").write_text(
        "### 央视快评\n\n<!--repaste.body.begin-->\n\n**央视网消息**：正文。\n\n"
        "<!--repaste.body.end-->\n\n后记一行\n<!-- 注 -->\n后记二行\n", encoding="utf-8")
    [source] = scan(tmp_path).files
    assert read_document(source).text.split("\n\n") == [
        "央视快评", "央视网消息：正文。", "后记一行", "后记二行"]


def test_markdown_links_images_and_tables_are_read_as_their_text():
    """Every cctv-news item ended in ``[查看原文](https://tv.cctv.com/…)`` and a table showed
    as ``| 来信 | 200 |`` ⏎ ``|---|---|`` in snippets (new-user trial): a link or image is read
    as its text, an autolink as its address, a table row as its cells; a code fence keeps
    what it holds, and a line with a bar that heads no table stays as written."""
    raw = ("# 来信来访统计\n\n本月来信增多[查看原文](https://tv.cctv.com/2022/07/15/VIDE.shtml)。"
           "见![示意图](img/a.png \"图\")与<https://example.org/a>，"
           "[维基](https://zh.wikipedia.org/wiki/X_(Y))。\n\n"
           "| 类别 | 数量 |\n|:---|---:|\n| 来信 | 200 |\n| 来访 [明细](b.md) | 3 |\n\n"
           "甲 | 乙 不是表格\n\n```\n| 代码 | 里 |\n|---|---|\n```\n")
    text = doc("tally.md", raw.encode()).text
    assert "本月来信增多查看原文。见示意图与https://example.org/a，维基。" in text
    assert "类别 数量\n来信 200\n来访 明细 3" in text
    assert "甲 | 乙 不是表格" in text and "| 代码 | 里 |\n|---|---|" in text
    assert "tv.cctv.com" not in text and "img/a.png" not in text and "|:---|" not in text
    # a plain text file is not Markdown: its brackets are its text
    assert "[查看原文](https://tv.cctv.com" in doc("tally.txt", raw.encode()).text


def test_markdown_badges_code_spans_references_and_table_edges():
    """A badge (a link around an image) kept its image; a code span lost its brackets;
    reference-style links and their definitions stayed; an escaped bar kept its backslash; a
    line with a bar above ``---`` was taken as a table (breaker)."""
    raw = ("# 说明\n\n徽章[![构建状态](img.svg)](https://ci.example.com/x)在此。代码 `arr[0](x)` 保留。\n"
           "参见[第一条][ref1]和[第二条][]。\n\n[ref1]: https://example.org/a \"标题\"\n"
           "[第二条]: https://example.org/b\n\n| 甲 | 乙 |\n|---|---|\n| 转义\\|竖线 | 2 |\n\n"
           "选项 A | 选项 B\n\n---\n")
    text = doc("edge.md", raw.encode()).text
    assert "徽章构建状态在此。" in text and "代码 arr[0](x) 保留" in text  # a code span's text
    assert "参见第一条和第二条。" in text and "example.org" not in text
    assert "转义|竖线 2" in text and "选项 A | 选项 B" in text



def test_markdown_backslash_escapes_read_as_the_characters_they_show():
    """Converters (pandoc, turndown) write ``1\\. 总则`` and ``\\[注\\]``; a reader shows
    ``1. 总则`` and ``[注]``, and a search for what is shown found nothing. An escaped ``#``
    starts no heading; code spans and fences, and files that are not Markdown, keep their
    backslashes; an escaped backslash is one backslash."""
    raw = ("# 标题\\#1\n\n1\\. 总则\\[注\\]见\\*附件\\*，路径C:\\\\temp与\\d。\n\n"
           "\\# 不是标题\n\n代码 `a\\[0\\]` 照写。\\[链接\\](b.md)\n\n```\n\\[围栏\\]\n```\n")
    d = doc("esc.md", raw.encode())
    assert "1. 总则[注]见*附件*，路径C:\\temp与\\d。" in d.text
    assert "# 不是标题" in d.text and "代码 a\\[0\\] 照写" in d.text and "[链接](b.md)" in d.text
    assert "\\[围栏\\]" in d.text
    assert [d.text[h.start_char:h.end_char] for h in d.headings] == ["标题#1"]
    assert "1\\. 总则\\[注\\]" in doc("esc.txt", raw.encode()).text


def test_dates_at_page_tops_are_no_page_counter(tmp_path):
    """Masking a page counter ``2/3`` at a line's end took ``发布日期：2024/05/06`` and
    ``…2024/07/06`` for one running header, and 13 of 120 dates went (breaker): only a counter
    of the PDF's own page count is masked."""
    import random

    rng = random.Random(5)
    dates = [f"2024/{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}" for _ in range(120)]
    body = "".join(f"<p>关于开展第{i}批次安全生产检查工作的通知</p><p>发布日期：{d}</p>"
                   for i, d in enumerate(dates, 1))
    from indexer.normalize import normalized

    text = normalized(doc("list.pdf", _printed(tmp_path, "<h1>通知公告列表</h1>" + body)).text)
    assert sum(text.count(normalized(f"发布日期：{d}")) for d in set(dates)) == len(dates)


def test_a_chromium_printed_pdf_reads_as_the_characters_printed(tmp_path):
    """Chromium printing with Noto CJK writes some characters as radicals or look-alikes that
    share their glyph: 长期 came back from the PDF as ⻓期, 部门 as 部⻔, 马上 as ⻢上, and none of
    them could be found (breaker). Printed here by the Chromium the browser tests use."""
    words = "长期以来，有关部门马上行动。长江、黄河、鱼类、飞鸟、风向、页码、龙舟、齐心、车辆、见面、民生、西部、青年、饮食、骨干、角色、鬼神、老虎、胶水、麦田、卤味、齿轮、门户。"
    text = doc("p.pdf", _printed(tmp_path, f"<p>{words}</p><p>二氧化氮 NO₂ 浓度下降，面积 20 m² 。</p>")).text
    assert words in text.replace("\n", "")
    assert "NO₂" in text and "m²" in text  # pypdf put a space before them: NO₂ was not found


def _printed(tmp_path, body: str, footer: bool = False) -> bytes:
    """``body`` (HTML) printed to PDF by the Chromium the browser tests use; ``footer``: with
    the date, title, address and page counter Chromium prints by default."""
    import subprocess

    page = tmp_path / "page.html"
    page.write_text('<html><head><meta charset="utf-8"><title>测试</title></head><body>'
                    f"{body}</body></html>", encoding="utf-8")
    subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    f"--print-to-pdf={tmp_path / 'page.pdf'}", str(page),
                    *([] if footer else ["--no-pdf-header-footer"])],
                   check=True, capture_output=True, timeout=120)
    return (tmp_path / "page.pdf").read_bytes()


def test_a_pdf_printed_with_chromiums_header_and_footer_reads_as_its_page(tmp_path):
    """Chromium prints a footer ``file:///…/page.html 1/3`` whose counter changes each page, so
    it was not taken for a running footer and was glued into sentences across pages; and its
    第⼆部分 (a Kangxi radical) was judged a heading only after lines were joined, so the part
    lost its section (new-user trial)."""
    from indexer.sections import split_sections

    unit = "各地要坚持问题导向，切实抓好粮食和重要农产品稳产保供，扎实推进乡村全面振兴"
    paragraph = "，".join(unit + str(i) for i in range(70)) + "。"
    data = _printed(tmp_path, f"<p>第一部分 工作回顾</p><p>{paragraph}</p>"
                              f"<p>第二部分 总体要求</p><p>{paragraph}</p>", footer=True)
    d = doc("report.pdf", data)
    assert "file://" not in d.text and "ﬁ" not in d.text and "PM 测试" not in d.text
    from indexer.normalize import normalized

    assert normalized(d.text).count(normalized(paragraph)) == 2  # pypdf spaces the digits
    titles = [" ".join(s.title.split()) for s in split_sections(d)]
    assert "第一部分 工作回顾" in titles and "第二部分 总体要求" in titles


def test_markdown_inline_html_entities_and_emphasis_read_as_a_reader_shows_them():
    """``*两个*``, ``***粗斜***`` (a ``*`` was left), ``<span>``, ``<br>``, ``&nbsp;`` and
    ``&amp;`` were indexed as written, so ``两个确立``, ``粗斜体`` and ``A&B`` found nothing
    (breaker, new-user trial). As CommonMark reads them; ``_`` inside a word, a list item's
    ``*``, code spans and non-Markdown files keep what they hold."""
    raw = ("# 标记\n\n甲一*两个*确立。甲二两<span class=\"x\">个</span>确立。甲三两<br>个确立。"
           "甲四两&nbsp;个确立。甲五 A&amp;B 公司。甲六 ***粗斜*** 体。甲七 __加粗__ 与 _强调_。\n\n"
           "* 列表项\n\n变量 snake_case_name 与 两__个__确立 照写，代码 `<b>&amp;*x*</b>` 照写，"
           "<中华人民共和国民法典> 照写。\n")
    text = doc("m.md", raw.encode()).text
    for shown in ("甲一两个确立", "甲二两个确立", "甲三两 个确立", "甲四两\u00a0个确立", "A&B 公司",
                  "甲六 粗斜 体", "甲七 加粗 与 强调。", "* 列表项", "snake_case_name 与 两__个__确立",
                  "代码 <b>&amp;*x*</b> 照写", "<中华人民共和国民法典>"):
        assert shown in text, shown
    assert "<span" not in text and "&nbsp;" not in text
    assert "<span class=\"x\">个</span>" in doc("m.txt", raw.encode()).text


def test_markdown_stars_autolinks_entities_and_escapes_that_are_text_stay_text():
    """The first reading of inline markup lost text a CommonMark reader shows (breaker): a
    ``*`` against punctuation is no emphasis (``注*：本表数据*，``, ``a*(b+c)*d``); an autolink's
    address keeps its ``_``; ``&copy2021;`` and ``&notice;`` are no entities; an escaped tag or
    entity is text; ``&#10;`` starts no line, so ``# 伪造标题`` after it is no heading."""
    raw = ("# 统计说明\n\n注*：本表数据*，来源于国家统计局。公式 a*(b+c)*d 不变。甲*（乙）*丙 签订。\n\n"
           "下载 <https://example.com/files/_v2_/setup.exe> 参考。版权 &copy2021; 与 &notice; 照写。\n\n"
           "转义 \\<b>粗体\\</b> 与 \\&amp; 照写。第一条 正文&#10;# 伪造标题 紧跟文字。\n")
    d = doc("s.md", raw.encode())
    for shown in ("注*：本表数据*，", "a*(b+c)*d", "甲*（乙）*丙", "files/_v2_/setup.exe",
                  "&copy2021; 与 &notice;", "转义 <b>粗体</b> 与 &amp; 照写", "正文 # 伪造标题 紧跟文字"):
        assert shown in d.text, shown
    assert [d.text[h.start_char:h.end_char] for h in d.headings] == ["统计说明"]


def test_markdown_notes_read_as_a_note_tool_shows_them():
    """Notes exported from Obsidian or Notion kept their block quote and callout markers,
    footnote marks, wiki-link brackets and code spans' backticks, so ``对接惠企通平台`` found
    only partial matches (new-user trial). What only looks like them stays (breaker): an
    undefined ``[^…]`` (a regular expression's ``[^，。]``), a code span's ``#`` at a line's
    start (no heading), escaped backticks (no code span), and YAML front matter, which
    readers show as a table or as properties."""
    raw = ("---\ntitle: 县域医共体调研日志\ntags: [调研, 医共体]\n---\n\n"
           "# 县域医共体调研日志\n\n> [!note] 待办\n> 数据是*重要*的。\n\n"
           "对接`惠企通`平台，政务服务[^1]。参见[[医共体建设情况调研报告]]与[[页面|显示的字]]。\n\n"
           "[^1]: 参见国务院文件。\n\n用正则 [^，。]+ 匹配，条款见[^本条款由甲方负责解释]。\n\n"
           "`# 注释行` 不会被执行，\\`不是代码\\`。\n")
    d = doc("note.md", raw.encode())
    for shown in ("tags: [调研, 医共体]", "待办\n数据是重要的。",
                  "对接惠企通平台，政务服务。参见医共体建设情况调研报告与显示的字。", "\n参见国务院文件。",
                  "[^，。]+ 匹配，条款见[^本条款由甲方负责解释]。", "# 注释行 不会被执行，`不是代码`。"):
        assert shown in d.text, shown
    assert [d.text[h.start_char:h.end_char] for h in d.headings] == ["县域医共体调研日志"]


def test_markdown_indented_code_is_read_as_written():
    """A block indented four spaces is code, shown as written, but the page-break repair
    stripped its indentation and joined it to the next paragraph, and the inline reading then
    took ``price*qty*rate``'s stars, its tags, entities and escapes (breaker)."""
    raw = ("# 示例代码\n\n下面是一段缩进代码：\n\n    total = price*qty*rate  # <b>计算</b> &amp; _tmp_ \\[x\\]\n"
           "    \\# 注释\n\n正文继续 *强调*，\\[注\\]。\n")
    d = doc("code.md", raw.encode())
    assert "\n\n    total = price*qty*rate  # <b>计算</b> &amp; _tmp_ \\[x\\]\n    \\# 注释\n\n正文继续 强调，[注]。" in d.text
    assert [d.text[h.start_char:h.end_char] for h in d.headings] == ["示例代码"]


def test_a_chinese_utf8_file_with_a_few_bad_bytes_is_read_with_replacement_characters():
    """A UTF-8 file with one stray byte, or its last character cut, was refused whole ("cannot
    tell its encoding"), and a 28 KB news item vanished from search (breaker): it is read with
    � for each damaged character, and its encoding says so. A file in another encoding, or
    with bad bytes all through, is not read so."""
    text = "央视网消息：正在举行的第133届广交会第三期，乡村振兴特色产品展区吸引了众多企业参展。" * 20
    data = text.encode("utf-8")
    for name, damaged, count in (("cut.txt", data[:-1], 1),
                                 ("stray.txt", data[:300] + b"\xff" + data[300:600] + b"\xfe" + data[600:], 2)):
        d = doc(name, damaged)
        assert d.encoding == f"utf-8, {count} damaged character{'s' if count > 1 else ''} replaced by \ufffd"
        assert d.text.count("\ufffd") == count and "乡村振兴特色产品" in d.text
    assert doc("gbk.txt", text.encode("gbk")).encoding == "gb18030"
    many = b"".join(data[i:i + 200] + b"\xff" for i in range(0, len(data), 200))  # all through
    with pytest.raises(DocumentError):
        doc("bad.txt", many)



def test_a_docx_with_malformed_notes_is_read_without_them():
    """A malformed footnotes part refused the whole document ("not a readable .docx"), where
    its body was read before notes were (breaker)."""
    import docx
    from docx.opc.constants import CONTENT_TYPE as CT, RELATIONSHIP_TYPE as RT
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    document = docx.Document()
    document.add_heading("正文标题", level=1)
    document.add_paragraph("正文照常读取。")
    part = Part(PackURI("/word/footnotes.xml"), CT.WML_FOOTNOTES, b"<w:footnotes><broken",
                document.part.package)
    document.part.relate_to(part, RT.FOOTNOTES)
    buf = io.BytesIO()
    document.save(buf)
    assert "正文照常读取。" in doc("notes.docx", buf.getvalue()).text



def test_pdf_page_numbers_win_a_tie_with_years_that_also_count_up():
    """Pages opening with 2021, 2022, 2023 and closing with 5, 6, 7: both count with the
    pages, and the years were deleted, the page numbers kept (breaker)."""
    import fpdf

    from indexer.formats import pdf_to_text

    pdf = fpdf.FPDF()
    pdf.add_font("cjk", fname="/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
                 collection_font_number=2)
    pdf.set_font("cjk", size=12)
    pdf.set_auto_page_break(False)
    for n, year in enumerate((2021, 2022, 2023)):
        pdf.add_page()
        for line in (str(year), f"{year}年的工作总结正文。"):
            pdf.cell(0, 10, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(-20)
        pdf.cell(0, 10, str(5 + n))
    paragraphs = pdf_to_text(bytes(pdf.output())).split("\n\n")
    assert {"2021", "2022", "2023"} <= set(paragraphs)
    assert not {"5", "6", "7"} & set(paragraphs)


def test_utf16_without_a_bom_with_a_damaged_code_unit_is_read():
    """One lone surrogate in a BOM-less UTF-16 Chinese file: refused as "a binary file, or
    UTF-16 without a byte-order mark", which it was (breaker). Read as UTF-8 files with a few
    damaged characters are; a file damaged all through is still refused."""
    text = "这是一个中文文本，用于测试编码。" * 5
    for encoding in ("utf-16-le", "utf-16-be"):
        unit = b"\x00\xdc" if encoding.endswith("le") else b"\xdc\x00"
        d = doc("x.txt", text[:10].encode(encoding) + unit + text[10:].encode(encoding))
        assert d.encoding == f"{encoding}, 1 damaged character replaced by \ufffd"
        assert d.text == text[:10] + "\ufffd" + text[10:]
    # as many as README allows in a short file, and a last character cut short (breaker)
    data = bytearray(text.encode("utf-16-le"))
    for at in (20, 60, 100, 140):
        data[at:at + 2] = b"\x34\xdc"
    assert doc("four.txt", bytes(data)).text.count("\ufffd") == 4
    assert doc("cut.txt", text.encode("utf-16-le")[:-1]).text.endswith(text[:-1] + "\ufffd")
    many = b"".join(text[i:i + 4].encode("utf-16-le") + b"\x00\xdc" for i in range(0, len(text), 4))
    with pytest.raises(DocumentError):
        doc("bad.txt", many)


def test_a_short_chinese_utf8_file_cut_short_is_read():
    """One damaged character is allowed in a file of any length: a 300-byte file with its
    last character cut was still refused (breaker)."""
    data = ("这是一份很短的中文说明文件，内容只有几句话，用来测试截断。" * 3).encode("utf-8")[:-1]
    assert len(data) < 1000
    d = doc("short.txt", data)
    assert d.encoding.startswith("utf-8, 1 damaged character") and d.text.endswith("\ufffd")
    # a stray byte inside a character breaks it into up to 4 invalid sequences (breaker)
    whole = ("这是一份很短的中文说明文件，内容只有几句话，用来测试截断。" * 3).encode("utf-8")
    d = doc("stray.txt", whole[:100] + b"\xff" + whole[100:])
    assert d.encoding.startswith("utf-8, ") and "用来测试截断" in d.text


def test_a_markdown_table_without_leading_bars_keeps_its_rows():
    """Rows of 20 characters or more without leading bars were joined by the line repair
    before the table was read, and a table paragraph to the paragraph after it: the rows ran
    together."""
    rows = ["这是一个很长的单元格内容甲甲甲甲甲 | 另一个很长的单元格内容乙乙乙乙", "--- | ---",
            "第二行的很长的单元格内容丙丙丙丙 | 第二行另一个很长的单元格丁丁丁",
            "第三行的很长的单元格内容戊戊戊戊 | 第三行另一个很长的单元格己己己"]
    raw = "# 表\n\n" + "\n".join(rows) + "\n\n表后正文的第一句话写得足够长，用来检验段落是否被接上去了。\n"
    text = doc("t.md", raw.encode()).text
    assert "第二行的很长的单元格内容丙丙丙丙 第二行另一个很长的单元格丁丁丁\n第三行" in text
    assert "己己己\n\n表后正文" in text



def test_markdown_brackets_that_are_no_links_keep_their_text():
    """[甲方][乙方] with no 乙方 defined, [1][2], a[i][j] and footnote-like lines [^1]: … and
    [注1]: … were read as links or link definitions, and their words were lost: 乙方, 国家统计局,
    双方协商 could not be found (breaker)."""
    raw = ("# 合同\n\n本合同参见[甲方][乙方]的约定。研究表明[1][2]。数组元素a[i][j]。\n\n"
           "[^1]: 这是脚注内容，说明数据来源于国家统计局。\n\n[注1]: 本条款由双方协商确定。\n\n"
           "参见[第一条][ref1]。\n\n[ref1]: https://example.org/a\n")
    text = doc("contract.md", raw.encode()).text
    for kept in ("[甲方][乙方]的约定", "[1][2]", "a[i][j]", "说明数据来源于国家统计局",
                 "本条款由双方协商确定", "参见第一条。"):
        assert kept in text, kept
    assert "example.org" not in text
