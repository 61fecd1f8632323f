"""The structure recovered from the seed and from Markdown."""

from __future__ import annotations

import re

import pytest

from indexer.documents import doc_id_for, read_document
from indexer.normalize import normalized
from indexer.sections import split_sections
from indexer.sources import SourceFile, scan

ARTICLE_1 = "聚焦主题主线，忠诚担当作为，以更高水平平安广东喜迎党的二十大"
ARTICLE_2 = "聚力防范重大风险，全面深化平安建设，努力为党的二十大营造安全稳定的政治社会环境"
HEADINGS_1 = [
    "一、聚焦“三个绝对”，忠诚拥护“两个确立”，坚决做到“两个维护”",
    "二、聚焦“四大风险”，严密落实防范化解措施，坚决守护国家“南大门”安全稳定",
    "三、聚焦“四类节点”，全面落实安保维稳措施，确保党的二十大等重要时间节点安全",
    "四、聚焦“三大攻坚”，依法严打突出违法犯罪，着力治理社会治安“顽疾”",
    "五、聚焦“四大整治”，大力开展社会治安综合治理，织牢织密社会面安全防控网",
    "六、聚焦“四个提升”，持续深化队伍教育管理，着力锻造高素质过硬南粤公安铁军",
]
HEADINGS_2 = [
    "一、坚定不移贯彻党对公安工作的绝对领导根本要求，努力在强化政治建警、捍卫“两个确立”上呈现新气象",
    "二、全面贯彻新时代公安机关的使命任务，努力在维护政治安全、社会稳定上展现新担当",
    "三、全面贯彻严格规范公正文明执法的新要求，努力在法治公安建设、维护社会公平正义上取得新成效",
    "四、全面打造改革强基动力新引擎，努力在维护安全稳定能力水平、工作质效上实现新突破",
    "五、全面形成从严管党治警新常态，努力在锻造适应新时代要求的忠诚队伍、公安铁军上展现新面貌",
]


def seed_doc(seeds_dir):
    return read_document(scan(seeds_dir).files[0])


def test_seed_structure(seeds_dir):
    sections = split_sections(seed_doc(seeds_dir))
    doc_title = "尽职履责护稳定 喜迎党的二十大"
    assert [s.title for s in sections] == (
        ["编者按", "导语", *HEADINGS_1, "导语", *HEADINGS_2, "责任编辑 黄新春"])
    assert {s.doc_title for s in sections} == {doc_title}
    assert [s.article_title for s in sections] == ["", *[ARTICLE_1] * 7, *[ARTICLE_2] * 6, ""]
    assert [s.author for s in sections] == ["", *["王志忠"] * 7, *["李宏亚"] * 6, ""]
    assert sections[0].text.startswith(doc_title) and sections[0].text.endswith("——编者")
    assert "——公安机关深入贯彻全国公安厅局长会议精神" in sections[0].text
    assert sections[3].breadcrumb == (doc_title, ARTICLE_1, HEADINGS_1[1])
    assert sections[-1].breadcrumb == (doc_title, "责任编辑 黄新春")


def test_ids_are_stable_url_safe_and_unique(seeds_dir):
    doc = seed_doc(seeds_dir)
    ids = [s.section_id for s in split_sections(doc)]
    assert ids == [s.section_id for s in split_sections(seed_doc(seeds_dir))]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in [doc.doc_id, *ids])
    assert doc.doc_id == "000_8750069abcf0ab7e"


def test_doc_ids_of_odd_paths():
    ids = [doc_id_for(p) for p in ["a.txt", "a.md", "sub/a.txt", "报告.txt", "a.b.txt", "x y.md"]]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", i) for i in ids)


def test_sections_tile_the_document(seeds_dir):
    doc = seed_doc(seeds_dir)
    sections = split_sections(doc)
    for s in sections:
        assert doc.text[s.start_char:s.end_char] == s.text
    for a, b in zip(sections, sections[1:]):
        assert a.end_char <= b.start_char and doc.text[a.end_char:b.start_char].strip() == ""
    covered = sum(len(normalized(s.text)) for s in sections)
    assert covered == len(normalized(doc.text))  # 100 % of the (normalized) characters
    raw = (seeds_dir / doc.path).read_text(encoding="utf-8").replace("**", "")  # markup only
    assert "".join("".join(s.text for s in sections).split()) == "".join(raw.split())


def test_markdown_headings_make_sections():
    raw = ("前言文字。\n\n# 总题\n\n## 第一章 ##\n\n### 第一节\n正文一。\n\n```\n# 代码\n```\n\n"
           "## 第二章\n\n正文**二**。")
    doc = read_document(SourceFile("d.md", raw.encode(), "0"))
    sections = split_sections(doc)
    assert [s.title for s in sections] == ["总题", "总题", "第一章", "第一节", "第二章"]
    assert sections[3].breadcrumb == ("总题", "第一章", "第一节")
    # a top heading's own section is in its article, with or without subheadings (a "##"
    # section without any was in no article, so the article facet missed its hits)
    assert [s.article_title for s in sections] == ["", "", "第一章", "第一章", "第二章"]
    assert sections[2].breadcrumb == ("总题", "第一章")
    assert sections[4].breadcrumb == ("总题", "第二章")
    # a subheading of the article's title is not the article's own section (breaker)
    raw = "# 总题\n\n## 概述\n\n引言。\n\n### 概述\n\n正文。\n"
    crumbs = [s.breadcrumb for s in split_sections(read_document(
        SourceFile("e.md", raw.encode(), "0")))]
    assert crumbs == [("总题",), ("总题", "概述"), ("总题", "概述", "概述")]
    assert sections[3].text == "第一节\n正文一。\n\n```\n# 代码\n```"
    assert sections[4].text == "第二章\n\n正文二。"
    assert "#" not in sections[2].text and "**" not in sections[4].text


def test_a_breadcrumb_holds_every_heading_above_its_section(tmp_path):
    """刑法 nests 编 › 章 › 节: the breadcrumb of its 第一节 量刑 read 刑法 › 第一编 总则 ›
    第一节 量刑, without the 第四章 it lies in, so the concordance's place column could not be
    cited among dozens of 第一节 (new-user trial). Every open heading is there, the hit, the
    concordance and the document view show it, and ``title:`` finds the sections under it."""
    import indexer

    raw = ("# 中华人民共和国刑法\n\n## 第一编 总则\n\n### 第四章 刑罚的具体运用\n\n"
           "#### 第一节 量刑\n\n第六十一条 对于犯罪分子决定刑罚的时候。\n\n"
           "#### 第二节 累犯\n\n第六十五条 被判处有期徒刑以上刑罚的犯罪分子。\n\n"
           "### 第五章 其他规定\n\n第九十九条 本法所称以上。\n")
    sections = split_sections(read_document(SourceFile("刑法.md", raw.encode(), "0")))
    # ground truth: the open headings of the file above each section, in order
    open_headings, want = {}, []
    for line in raw.splitlines():
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            open_headings = {k: v for k, v in open_headings.items() if k < level}
            open_headings[level] = line.lstrip("# ")
            want.append(tuple(open_headings[k] for k in sorted(open_headings)))
    assert [s.breadcrumb for s in sections] == want
    assert want[3] == ("中华人民共和国刑法", "第一编 总则", "第四章 刑罚的具体运用", "第一节 量刑")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "刑法.md").write_text(raw, encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as s:
        hit = s.search(s.parse("犯罪分子决定")).hits[0]
        assert hit.breadcrumb == want[3]
        assert [o.breadcrumb for o in s.concordance(s.parse("犯罪分子")).occurrences] == \
            [want[3], want[4]]
        assert {h.section_title for h in s.search(s.parse("title:第四章")).hits} == \
            {"第四章 刑罚的具体运用", "第一节 量刑", "第二节 累犯"}


def test_part_and_chapter_heading_lines_start_sections():
    """A plain text cut into 第一部分 … or 第一章 … parts gets a section per part, titled by its
    heading line (a report of two parts was one section: new-user trial); a line that starts
    so but is a sentence, or a long one, does not start one; the sections still tile the text."""
    raw = ("某县工作简报\n\n第一部分 产业发展\n\n新建大棚三百个。\n\n第二部分　人居环境\n"
           "改造厕所一千户。\n\n第三部分的内容是说明情况。这一段是正文。\n\n"
           "第１章 " + "很长的标题" * 8 + "\n\n第二章 法律责任\n第三条 违反本条例的，依法处理。\n")
    doc = read_document(SourceFile("r.txt", raw.encode(), "0"))
    sections = split_sections(doc)
    assert [s.title for s in sections] == [
        "某县工作简报", "第一部分 产业发展", "第二部分　人居环境", "第二章 法律责任"]
    assert sections[1].breadcrumb == ("某县工作简报", "第一部分 产业发展")
    assert sections[2].text.endswith("这一段是正文。\n\n第１章 " + "很长的标题" * 8)
    assert sections[3].text == "第二章 法律责任\n第三条 违反本条例的，依法处理。"
    assert "".join(s.text for s in sections).replace("\n", "") == raw.replace("\n", "")



@pytest.mark.parametrize("script", ["simplified", "traditional"])
def test_book_and_novel_chapter_lines_start_sections_in_either_script(script):
    """A book's 第一编 / 第一节 and a novel's 第一回 start sections in Traditional characters as
    in Simplified (第一編 and 第一節 did not, nor did 第一回 in either: new-user trial); a
    sentence that starts with 第三回合 is no heading."""
    import opencc

    raw = ("中国历史研究法\n\n第一编 总论\n\n史者何记述人类社会赓续活动之体相。\n\n"
           "第一节 史之意义\n\n校其总成绩求得其因果关系。\n\n"
           "第二卷 红楼梦\n\n第一回 甄士隐梦幻识通灵\n\n此开卷第一回也。\n\n"
           "第三回合比赛开始了\n\n双方战成平局。\n\n"
           # prose that starts so is no heading (breaker: each became a section)
           "第一回见到她，\n\n她正在看书。\n\n第三卷读得最慢，\n\n因为太长。\n\n"
           "第二回目的比赛更加激烈\n\n观众很多。\n\n第一节课是语文，\n\n老师很好。\n")
    if script == "traditional":
        raw = opencc.OpenCC("s2t").convert(raw)
    doc = read_document(SourceFile("h.txt", raw.encode(), "0"))
    sections = split_sections(doc)
    titles = [s.title for s in sections]
    want = ["中国历史研究法", "第一编 总论", "第一节 史之意义", "第二卷 红楼梦", "第一回 甄士隐梦幻识通灵"]
    if script == "traditional":
        want = [opencc.OpenCC("s2t").convert(t) for t in want]
    assert titles == want
    tail = ("第三回合比赛开始了\n\n双方战成平局。\n\n第一回见到她，\n\n她正在看书。\n\n"
            "第三卷读得最慢，\n\n因为太长。\n\n第二回目的比赛更加激烈\n\n观众很多。\n\n"
            "第一节课是语文，\n\n老师很好。")
    if script == "traditional":
        tail = opencc.OpenCC("s2t").convert(tail)
    assert sections[-1].text.endswith(tail)
    assert "".join(s.text for s in sections).replace("\n", "") == raw.replace("\n", "")


def test_a_text_under_its_title_and_byline_is_the_documents_section_not_an_intro():
    """A classical text saved as its title, its author and its body (出師表 / 諸葛亮) was one
    section titled 导语, a magazine article's intro, under no article (new-user trial): it
    is the document's own section, titled by the document, its author kept."""
    raw = "出師表\n諸葛亮\n\n先帝創業未半，而中道崩殂，今天下三分，益州疲弊。\n\n臣本布衣，躬耕於南陽。\n"
    doc = read_document(SourceFile("出師表.txt", raw.encode(), "0"))
    sections = split_sections(doc)
    assert [(s.title, s.article_title, s.author, s.breadcrumb) for s in sections] == [
        ("出師表", "", "諸葛亮", ("出師表",))]
    assert sections[0].text.replace("\n", "") == raw.replace("\n", "")
    # a second such text in the file is titled by its own first line (it took the
    # document's: breaker)
    more = raw + "\n後出師表\n諸葛亮\n\n先帝慮漢賊不兩立，王業不偏安。\n"
    sections = split_sections(read_document(SourceFile("出師表.txt", more.encode(), "0")))
    assert [(s.title, s.author) for s in sections] == [("出師表", "諸葛亮"), ("後出師表", "諸葛亮")]


def test_kangxi_radicals_from_a_pdf_font_read_as_the_ideographs_they_stand_for():
    """A Chromium-printed PDF's text reads 第⼆部分 with ⼆ the Kangxi radical U+2F06: the part
    heading started no section and titles and snippets showed look-alike characters (new-user
    trial). Each radical is written as its ideograph, in any format; nothing else changes."""
    from indexer.repair import RADICAL_IDEOGRAPHS

    raw = ("防汛简报\n\n第⼀部分 防汛⼯作部署\n\n各地落实责任，降⾬量偏多。\n\n"
           "第⼆部分 物资储备\n\n储备编织袋⼗万条。\n")
    want = "".join(RADICAL_IDEOGRAPHS.get(ord(c), c) for c in raw)
    assert want.count("第二部分") == 1 and "⼯" not in want  # the table holds these radicals
    for name, data in (("b.txt", raw.encode()), ("b.md", raw.encode())):
        doc = read_document(SourceFile(name, data, "0"))
        assert not any(0x2E80 <= ord(c) < 0x2FE0 for c in doc.text)
        sections = split_sections(doc)
        if name == "b.txt":
            assert [s.title for s in sections] == [
                "防汛简报", "第一部分 防汛工作部署", "第二部分 物资储备"]
        assert "".join(s.text for s in sections).replace("\n", "") == want.replace("\n", "")

def test_a_part_heading_up_to_the_longest_is_never_joined_to_what_follows():
    """A heading of 40 characters was glued to the paragraph after it by the page-break repair,
    and one of 20–40 characters to the line after it, so their sections were lost (second
    breaker round)."""
    long_heading = "第二部分 " + "关于推进农村人居环境整治提升" * 3  # 47 characters
    heading = long_heading[:40]
    assert len(heading) == 40
    mid = "第三部分 关于推进农村人居环境整治提升的主要做法"  # 24 characters
    raw = (f"某县工作简报\n\n第一部分 产业发展\n\n新建大棚三百个。\n\n{heading}\n\n"
           "全县改造农村厕所一千户，清理各类垃圾五千吨，村容村貌明显改善，群众满意度持续提高。\n\n"
           f"{mid}\n各村建立长效管护机制，明确专人负责日常保洁工作。\n\n{long_heading}\n\n正文。\n")
    doc = read_document(SourceFile("r.txt", raw.encode(), "0"))
    titles = [s.title for s in split_sections(doc)]
    assert titles == ["某县工作简报", "第一部分 产业发展", heading, mid]


def test_a_numbered_heading_on_a_line_of_its_own_is_the_whole_title():
    """A notice puts "一、总体要求" on a line of its own above the body: the section's title is
    that line, never the line break and the body's first sentence with it (new-user trial:
    the title, breadcrumb and title: clauses held body text); a numbered paragraph of one line
    is still titled by its opening sentence, and a wrapped one by its first sentence."""
    raw = ("关于加强档案管理工作的通知\n\n各处室：\n\n一、总体要求\n"
           "为进一步规范单位档案管理工作，提高档案利用效率，现就有关事项通知如下。各处室要高度重视。\n\n"
           "二、具体措施\n各处室应于每季度末将纸质文件整理归档，电子文件同步上传。\n\n"
           "三、加强组织领导，落实工作责任。各处室主要负责人是第一责任人。\n\n"
           "四、坚持统筹推进，把档案管理工作同业务工作同部署、同落实、同检查，确保各项\n"
           "要求落到实处。具体办法另行通知。\n")
    doc = read_document(SourceFile("通知.txt", raw.encode("gbk"), "0"))
    sections = split_sections(doc)
    assert [s.title for s in sections] == [
        "关于加强档案管理工作的通知", "一、总体要求", "二、具体措施", "三、加强组织领导，落实工作责任",
        "四、坚持统筹推进，把档案管理工作同业务工作同部署、同落实、同检查，确保各项要求落到实处"]
    assert all("\n" not in s.title and "\n" not in "".join(s.breadcrumb) for s in sections)
    assert sections[1].text.startswith("一、总体要求\n为进一步规范")
    # a heading line of 20 characters or more is not joined to the body as a wrapped line
    # would be, and any line boundary ends it (a form feed, U+2028, CRLF): breaker
    long_heading = "一、关于2023年度全市安全生产工作目标任务完成情况"
    for sep in ("\n", "\r\n", "\f", "\u2028", "\x85"):
        raw = f"通知\n\n{long_heading}{sep}全市生产安全事故起数和死亡人数实现双下降。继续努力。\n"
        titles = [s.title for s in split_sections(read_document(
            SourceFile("n.txt", raw.encode("utf-8"), "0")))]
        assert titles == ["通知", long_heading], repr(sep)


def test_parts_numbered_in_financial_numerals_start_sections():
    """Taiwan's official documents number their parts 壹、 貳、 參、: such a document had one
    section (new-user trial)."""
    raw = ("關於加強檔案管理工作的通知\n\n壹、總體要求\n為進一步規範單位檔案管理工作，提高檔案利用效率。\n\n"
           "貳、具體措施\n各處室應於每季度末將紙質文件整理歸檔。\n\n參、組織領導\n主要負責人是第一責任人。\n")
    sections = split_sections(read_document(SourceFile("通知.txt", raw.encode("big5"), "0")))
    assert [s.title for s in sections] == ["關於加強檔案管理工作的通知", "壹、總體要求", "貳、具體措施", "參、組織領導"]


NOTICE = """浙江省人民政府办公厅关于印发重点工作责任分解的通知
各市、县（市、区）人民政府，省政府直属各单位：
　　为贯彻落实省委、省政府决策部署，现将重点工作责任分解印发给你们，请认真贯彻执行。
一、提高思想认识
　　各地各部门要充分认识做好重点工作的重要意义，切实增强责任感和紧迫感，确保各项任务落到实处。
　　主要任务：
　　一、稳住经济大盘；
　　二、扩大有效投资。
二、加强组织领导
　　各牵头单位要明确分管领导和责任处室，细化工作举措，按时完成任务。
三、强化督查考核
　　省政府督查室将定期开展督查，督查结果纳入年度考核。
"""


def test_a_notice_without_blank_lines_has_its_title_and_numbered_sections():
    """A notice as Word saves it as plain text (GBK, one paragraph a line, no blank lines,
    indented or not) was one section titled after its file name (new-user trial): a heading
    on a line of its own (``一、提高思想认识``) starts a section and the first short line is the
    document's title. Numbered list items that end in a clause mark stay in their section."""
    for text in (NOTICE, NOTICE.replace("　　", ""), NOTICE.replace("\n", "\r\n")):
        sections = split_sections(read_document(SourceFile("通知.txt", text.encode("gbk"), "0")))
        assert [s.title for s in sections] == [
            "浙江省人民政府办公厅关于印发重点工作责任分解的通知", "一、提高思想认识",
            "二、加强组织领导", "三、强化督查考核"]
        assert {s.doc_title for s in sections} == {sections[0].title}
        assert "稳住经济大盘；" in sections[1].text and "扩大有效投资。" in sections[1].text
        assert normalized("".join(s.text for s in sections)) == normalized(text)
    # a first line cut at a clause mark is no title, nor a date, an address, a label, a rule
    # or a table of contents' heading above more lines (breaker)
    for first in ("据新华社报道，", "2023年5月1日", "https://www.gov.cn/zhengce/a.htm",
                  "发布时间：2023-05-01 来源：新华网", "甲：你吃饭了吗", "==========", "目录"):
        lead = read_document(SourceFile("lead.txt", f"{first}\n今天召开会议。\n".encode(), "0"))
        assert split_sections(lead)[0].doc_title == "lead", first


def test_a_heading_line_after_an_unfinished_line_starts_no_section():
    """Only a heading line after a line that ends a sentence starts a section in text without
    blank lines (breaker): a title and the 特急 under it were read as a byline (特急 the
    author of every section), and a table of contents, a table's rows, a list under its lead
    and a line wrapped before 第三章规定的… each became sections. Ground truth: the text of the
    sections adds up to the file's."""
    files = {
        "urgent.txt": "关于做好春节期间安全生产工作的紧急通知\n特急\n一、加强值班值守\n"
                      "各单位要严格落实24小时值班制度。\n二、强化隐患排查\n各地要全面开展隐患排查整治。\n",
        "table.txt": "经费预算\n序号 项目 金额（万元）\n一、办公用品 100\n二、设备购置 200\n合计 300\n",
        "list.txt": "会议纪要\n会议要求：\n一、提高政治站位\n二、压实工作责任\n会议强调，要狠抓落实。\n",
        "wrap.txt": "为规范管理工作，依照本办法有关规定执行，并对相关单位进行指导和监督检查工作依照本办法\n"
                    "第三章规定的程序和要求对违法行为予以查处并依法追究相关人员的法律责任\n和民事责任。\n",
    }
    titles = {}
    for name, text in files.items():
        sections = split_sections(read_document(SourceFile(name, text.encode(), "0")))
        assert not any(s.author for s in sections), name
        assert normalized("".join(s.text for s in sections)) == normalized(text), name
        titles[name] = [s.title for s in sections]
    assert titles == {
        "urgent.txt": ["关于做好春节期间安全生产工作的紧急通知", "二、强化隐患排查"],
        "table.txt": ["经费预算"],
        "list.txt": ["会议纪要", "一、提高政治站位"],
        "wrap.txt": ["wrap"],
    }


def test_plain_text_part_headings_nest_as_a_laws_do():
    """A law saved as plain text had every 第一节 beside its 第二章, not under it: the breadcrumb
    and ``title:`` did not know the chapter, and the 第一节 of each chapter had the same titles,
    so their ids were told apart only by their order (breaker). 编 › 章 › 节 nest as in the
    Markdown version; a numbered part lies under the parts open above it."""
    raw = ("中华人民共和国刑法\n\n第一编 总则\n\n第一章 任务\n\n第一条 为了惩罚犯罪。\n\n"
           "第二章 犯罪\n\n第一节 犯罪和刑事责任\n\n第十三条 一切危害。\n\n第二节 未遂\n\n"
           "第二十二条 预备。\n\n第三章 刑罚\n\n第一节 刑罚的种类\n\n第三十二条 刑罚分为。\n\n"
           "第二编 分则\n\n第一章 危害国家安全罪\n\n一、第一项。\n")
    sections = split_sections(read_document(SourceFile("刑法.txt", raw.encode(), "0")))
    # ground truth: the heading lines of the file, nested by their unit (编 > 章 > 节)
    rank = {"编": 0, "章": 1, "节": 2}
    open_parts, want = [], [("中华人民共和国刑法",)]
    for line in raw.split("\n\n")[1:]:
        unit = line.split(" ")[0][-1]
        if unit in rank and " " in line:
            open_parts = [p for p in open_parts if rank[p.split(" ")[0][-1]] < rank[unit]]
            open_parts.append(line)
            want.append(("中华人民共和国刑法", *open_parts))
        elif line.startswith("一、"):
            want.append(("中华人民共和国刑法", *open_parts, line.strip().rstrip("。")))
    assert [s.breadcrumb for s in sections] == want
    firsts = [s.section_id for s in sections if s.title.startswith("第一节")]
    assert len(firsts) == 2 and not any("x" in i.rsplit("-s", 1)[1] for i in firsts)


def test_section_ids_follow_their_titles_not_their_place():
    """An id is its document's and its titles' (article, headings between, its own): a section
    added above leaves the others' ids as they were, sections of the same titles are told
    apart by their order among themselves, and every id of a document is distinct."""
    import hashlib

    def ids(raw):
        doc = read_document(SourceFile("法.md", raw.encode(), "0"))
        seen: dict = {}
        out = {}
        for s in split_sections(doc):
            seen[s.breadcrumb] = seen.get(s.breadcrumb, 0) + 1
            out[(s.breadcrumb, seen[s.breadcrumb])] = s.section_id
        return out, doc.doc_id

    raw = "# 法\n\n## 第一章\n\n甲。\n\n## 附则\n\n乙。\n\n## 附则\n\n丙。\n\n## 第二章\n\n丁。\n"
    before, doc_id = ids(raw)
    after, _ = ids(raw.replace("## 第二章", "## 新增一章\n\n戊。\n\n## 第二章")
                   .replace("## 第一章", "## 序章\n\n己。\n\n## 第一章"))
    assert len(after) == len(before) + 2
    assert {k: after[k] for k in before} == before
    digest = hashlib.sha1("附则\x1f附则".encode()).hexdigest()[:8]
    assert [before[(("法", "附则"), n)] for n in (1, 2)] == \
        [f"{doc_id}-s{digest}", f"{doc_id}-s{digest}x2"]
    assert len(set(before.values())) == len(before) and len(set(after.values())) == len(after)


def test_a_law_without_blank_lines_or_title_keeps_its_first_chapter_and_its_parts_apart():
    """Breaker: a law written without blank lines lost its 第一章 into the title's section
    (title:总则 missed 第一条); one opening with 第一编 总则 was titled by it, and 第二编 分则
    was put under 总则 in every breadcrumb; chapters parted by U+2028, U+2029, NEL, a vertical
    tab or a form feed were one section titled with the whole text. Ground truth: the text of
    the sections adds up to the file's."""
    files = {
        "compact.txt": "无目录紧凑条例\n第一章 总则\n第一条 为了规范管理，制定本条例。\n"
                       "第二章 附则\n第二条 本条例自公布之日起施行。\n",
        "parts.txt": "第一编 总则\n\n第一章 任务\n\n第一条 任务条款。\n\n第二编 分则\n\n"
                     "第一章 罪名\n\n第一节 小节\n\n第二条 分则条款。\n",
        "breaks.txt": "第一章 总则\u2028\u2028第一条 其一。\u2029第二章 附则\u2029第二条 其二。\x85"
                      "第三章 其他\x0b第三条 其三。\x0c第四章 最后\n第四条 其四。\n",
    }
    got = {}
    for name, text in files.items():
        sections = split_sections(read_document(SourceFile(name, text.encode(), "0")))
        assert normalized("".join(s.text for s in sections)) == normalized(
            re.sub("[\u2028\u2029\x85\x0b\x0c]", "\n", text)), name
        got[name] = [s.breadcrumb for s in sections]
    assert got["compact.txt"] == [("无目录紧凑条例",), ("无目录紧凑条例", "第一章 总则"),
                                  ("无目录紧凑条例", "第二章 附则")]
    assert got["parts.txt"] == [
        ("parts", "第一编 总则"), ("parts", "第一编 总则", "第一章 任务"), ("parts", "第二编 分则"),
        ("parts", "第二编 分则", "第一章 罪名"), ("parts", "第二编 分则", "第一章 罪名", "第一节 小节")]
    assert got["breaks.txt"] == [("breaks", f"第{n}章 {t}") for n, t in
                                 zip("一二三四", ("总则", "附则", "其他", "最后"))]
    # 民法典's 分编 lies between its 编 and its 章 (breaker: no heading at all)
    civil = ("民法典\n\n第三编 合同\n\n第一分编 通则\n\n第一章 一般规定\n\n第四百六十三条 甲。\n\n"
             "第二分编 典型合同\n\n第九章 买卖合同\n\n第五百九十五条 乙。\n")
    sections = split_sections(read_document(SourceFile("civil.txt", civil.encode(), "0")))
    assert [s.breadcrumb[1:] for s in sections] == [
        (), ("第三编 合同",), ("第三编 合同", "第一分编 通则"), ("第三编 合同", "第一分编 通则", "第一章 一般规定"),
        ("第三编 合同", "第二分编 典型合同"), ("第三编 合同", "第二分编 典型合同", "第九章 买卖合同")]
    # a headline that opens like a part heading, with no space after its number, is a title
    for first, title in (("第一节课上了什么", "第一节课上了什么"), ("第一部分析报告发布", "第一部分析报告发布"),
                         ("第三编辑部年度工作总结", "第三编辑部年度工作总结"), ("第二章程修订说明", "第二章程修订说明"),
                         ("第一章总则", "n"), ("第一编 总则", "n")):
        sections = split_sections(read_document(SourceFile(
            "n.txt", f"{first}\n开学第一天，同学们很开心。\n".encode(), "0")))
        assert sections[0].doc_title == title, first


def test_a_contents_line_without_a_table_and_a_list_of_part_names_change_nothing():
    """Breaker: a 目录 line with no table under it (``目录从略``, or a 民法典 excerpt opening its
    body right under it) made the whole text one section, and a notice listing 第一部分 …
    第三部分 as items made them sections. Both read as they did before tables of contents
    were known. Ground truth: the text of the sections adds up to the file's."""
    files = {
        "nolist.txt": ("某某管理条例\n目录\n本条例共三章，目录从略。\n第一章 总则\n第一条 甲。\n第二章 管理\n"
                       "第二条 乙。\n第三章 附则\n第三条 丙。\n",
                       ["某某管理条例", "第一章 总则", "第二章 管理", "第三章 附则"]),
        "items.txt": ("关于举办培训班的通知\n各单位：\n本次培训分为以下内容：\n第一部分 政策解读\n"
                      "第二部分 案例分析\n第三部分 互动交流\n请各单位按时参加。\n联系人：张三\n",
                      ["关于举办培训班的通知", "第一部分 政策解读"]),  # after its "：", one part
    }
    for name, (text, titles) in files.items():
        sections = split_sections(read_document(SourceFile(name, text.encode(), "0")))
        assert normalized("".join(s.text for s in sections)) == normalized(text), name
        assert [s.title for s in sections] == titles, name


def test_a_plain_text_table_of_contents_is_text_of_its_section():
    """Each entry of a law's 目录 became a section without text, and the body's chapters of
    those titles second ones (ids ending x2), so title:总则 listed an empty 第一章 总则 (breaker).
    The entries are text of the section holding the 目录, with or without blank lines, and
    the body's chapters are the only sections of their titles; where the body's first heading
    reads otherwise than its entry, it is still a section. Ground truth: the text of the
    sections adds up to the file's."""
    blank = ("中华人民共和国目录测试法\n\n目录\n\n第一章 总则\n\n第二章 管理\n\n第三章 附则\n\n"
             "第一章 总则\n\n第一条 为了测试，制定本法。\n\n第二章 管理\n\n第二条 管理条款。\n\n"
             "第三章 附则\n\n第三条 本法自公布之日起施行。\n")
    compact = ("紧凑目录条例\n目录\n第一章 总则\n第二章 附则\n第一章 总则\n第一条 为了规范管理，制定本条例。\n"
               "第二章 附则\n第二条 本条例自公布之日起施行。\n")
    other = "不同目录法\n\n目录\n\n第一章 总则\n\n第二章 附则\n\n第一章 一般规定\n\n第一条 正文。\n"
    # entries of one title under two chapters (行政强制法's 第一节 一般规定), the law's history
    # between the table and the body, and the same without blank lines (breaker)
    chapters = ["第一章 总则", "第二章 强制措施", "第一节 一般规定", "第三章 强制执行", "第一节 一般规定"]
    body = "".join(f"{c}\n\n第{k}条 条文{k}。\n\n" for k, c in enumerate(chapters, 1))
    law = "行政强制测试法\n\n目录\n\n" + "\n\n".join(chapters) + \
        "\n\n2011年6月30日第十一届全国人民代表大会常务委员会通过\n\n" + body
    # one entry; chapters numbered again under a later part; page numbers (breaker)
    single = "单章条例\n\n目录\n\n第一章 总则\n\n第一章 总则\n\n第一条 条文。\n"
    restart = ("研究报告\n\n目录\n\n第一章 绪论\n\n第二章 方法\n\n第二部分 应用\n\n第一章 案例\n\n"
               "第一章 绪论\n\n绪论正文。\n\n第二章 方法\n\n方法正文。\n\n第二部分 应用\n\n"
               "第一章 案例\n\n案例正文。\n")
    paged = ("页码条例\n\n目录\n\n第一章 总则……1\n\n第二章 附则……5\n\n第一章 总则\n\n第一条 甲。\n\n"
             "第二章 附则\n\n第二条 乙。\n")
    # worded otherwise than its entry while an appendix repeats the entry; page numbers of
    # other styles; a second table, an appendix's; 节 right under 章 (breaker)
    appendix = ("某某条例\n目录\n第一章 总则\n第二章 管理\n第一章 总则与定义\n第一条 甲。\n第二章 管理\n"
                "第二条 乙。\n附件：某某条例实施办法\n目录\n第一章 适用范围\n第二章 罚则\n第一章 适用范围\n"
                "第一条 丁。\n第二章 罚则\n第一节 一般规定\n第二条 戊。\n")
    styles = "某某法\n目录\n第一章 总则⋯⋯1\n第二章 管理——3\n第三章 附则 (5)\n第一章 总则\n第一条 甲。\n" \
        "第二章 管理\n第二条 乙。\n第三章 附则\n第三条 丙。\n"
    want = {"appendix.txt": (appendix, ["第一章 总则与定义", "第二章 管理", "第一章 适用范围", "第二章 罚则",
                                        "第一节 一般规定"]),
            "appendix_blank.txt": (appendix.replace("\n", "\n\n"), [
                "第一章 总则与定义", "第二章 管理", "第一章 适用范围", "第二章 罚则", "第一节 一般规定"]),
            "styles.txt": (styles, ["第一章 总则", "第二章 管理", "第三章 附则"]),
            "single.txt": (single, ["第一章 总则"]),
            "restart.txt": (restart, ["第一章 绪论", "第二章 方法", "第二部分 应用", "第一章 案例"]),
            "paged.txt": (paged, ["第一章 总则", "第二章 附则"]),
            "blank.txt": (blank, ["第一章 总则", "第二章 管理", "第三章 附则"]),
            "compact.txt": (compact, ["第一章 总则", "第二章 附则"]),
            "other.txt": (other, ["第一章 一般规定"]),
            "law.txt": (law, chapters), "law_compact.txt": (law.replace("\n\n", "\n"), chapters)}
    for name, (text, chapters) in want.items():
        sections = split_sections(read_document(SourceFile(name, text.encode(), "0")))
        assert normalized("".join(s.text for s in sections)) == normalized(text), name
        assert [s.title for s in sections[1:]] == chapters, name
        assert len({s.section_id for s in sections}) == len(sections), name
        # none holds its heading alone but a part whose text is in the parts under it
        assert all(s.text.count("\n") or t.breadcrumb[:len(s.breadcrumb)] == s.breadcrumb
                   for s, t in zip(sections[1:], sections[2:] + [sections[0]])), name
        assert "目录" in sections[0].text, name
