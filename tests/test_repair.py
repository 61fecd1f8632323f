"""Page-break repair on the seed: every join found, nothing else glued."""

from __future__ import annotations

from indexer.repair import continues, join_lines, repair, repair_paragraphs, split_paragraphs

from .queries import PAGE_BREAK_JOINS


def seed_text(seeds_dir):
    return (seeds_dir / "000_8750069abcf0ab7e.txt").read_text(encoding="utf-8")


def test_every_page_break_in_the_seed_is_joined(seeds_dir):
    raw = seed_text(seeds_dir)
    _, joins = repair_paragraphs(split_paragraphs(raw))
    assert len(joins) == len(PAGE_BREAK_JOINS)
    for join, (before, after) in zip(joins, PAGE_BREAK_JOINS):
        assert join.before.endswith(before) and join.after.startswith(after)
    repaired = repair(raw)
    for before, after in PAGE_BREAK_JOINS:
        assert before + after in repaired
        assert f"{before}\n\n{after}" in raw  # the damage really was there


def test_titles_bylines_and_signatures_are_not_joined(seeds_dir):
    paragraphs = split_paragraphs(repair(seed_text(seeds_dir)))
    for expected in ["尽职履责护稳定 喜迎党的二十大", "——公安机关深入贯彻全国公安厅局长会议精神",
                     "——编者", "聚力防范重大风险，全面深化平安建设，努力为党的二十大营造安全稳定的政治社会环境",
                     "青海省副省长、公安厅党委书记、厅长\n李宏亚", "责任编辑 黄新春"]:
        assert expected in paragraphs


def test_no_text_is_lost(seeds_dir):
    raw = seed_text(seeds_dir)
    squeeze = lambda s: "".join(s.split())  # noqa: E731
    assert squeeze(repair(raw)) == squeeze(raw)


def test_latin_pieces_keep_a_space():
    body = "这是一个足够长的正文段落，用来说明在分页处被切断的英文单词如何被重新连接 alpha"
    out, joins = repair_paragraphs([body, "beta 继续这句话。"])
    assert out == [body + " beta 继续这句话。"] and len(joins) == 1


def test_a_latin_line_ending_in_a_comma_keeps_its_space():
    """"carefully," ⏎ "approved" was glued into "carefully,approved", so the quoted phrase
    "carefully, approved" was not found (breaker)."""
    text = ("The committee reviewed the annual budget carefully,\n"
            "approved most of the proposals and sent them on.")
    assert repair(text) == text.replace("\n", " ")


def test_markdown_blocks_are_never_joined():
    body = "这是一个足够长的正文段落，没有结束的标点，后面跟着的是一个标题而不是续文内容，再多写几个字"
    assert not continues(body, "## 下一节")
    assert not continues(body, "- 列表项。")
    assert not continues(body, "二、第二部分。")
    assert continues(body, "续文。")


def test_law_articles_and_chapters():
    article = "第一条 为了规范行政处罚的设定和实施，保障和监督行政机关有效实施行政"
    assert continues(article, "管理，根据宪法，制定本法。")
    assert not continues(article, "第二条 行政处罚是指行政机关依法惩戒违法行为。")
    assert not continues("第一章 总则", "本法所称的行政机关，是指依法享有行政处罚权的机关。")
    # a report's part heading starts a block: a wrapped line before it is not continued by it
    body = "全县今年新建蔬菜大棚三百个，带动周边农户增收的情况良好"
    assert not continues(body, "第二部分 人居环境整治的情况和下一步的工作")
    assert repair(body + "\n第２部分 人居环境").endswith("\n第２部分 人居环境")


def test_a_numbered_heading_line_is_not_joined_to_the_next_paragraph():
    """A short numbered line without a clause mark is a heading; one with a comma is a
    sentence cut at a page break and is continued."""
    from indexer.repair import repair

    text = "一、关于推进“一网通办”改革的情况\n\n今年以来，深圳市推进改革。\n\n二、聚焦主题主线，忠诚\n\n担当作为。"
    assert repair(text) == ("一、关于推进“一网通办”改革的情况\n\n今年以来，深圳市推进改革。\n\n"
                            "二、聚焦主题主线，忠诚担当作为。")


def test_a_dated_list_keeps_its_entries_apart_and_a_cut_sentence_before_a_date_is_joined():
    """A law's amendment history (each entry starts with its date, none ends a sentence) keeps
    one entry per paragraph (new-user trial: cn-laws showed them run together); a sentence cut
    by a page break just before a date is still joined."""
    history = ("1999年4月29日 第九届全国人民代表大会常务委员会第九次会议通过\n\n"
               "2009年8月27日 第十一届全国人民代表大会常务委员会第十次会议《关于修改部分法律的决定》第一次修正\n\n"
               "2017年9月1日 第十二届全国人民代表大会常务委员会第二十九次会议《关于修改<中华人民共和国法官法>等八部法律的决定》第二次修正")
    assert split_paragraphs(repair(history)) == split_paragraphs(history)
    body = "第十一届全国人民代表大会常务委员会第十次会议《关于修改部分法律的决定》第一次修正"
    for first, second in [("1993年12月29日 ", "根据1999年12月25日 "), ("2009 年 8 月 27 日 ", "2017 年 9 月 1 日 "),
                          ("二○○九年八月 ", "二○一七年九月 "), ("2009.8.27 ", "2017.9.1 "),
                          ("2009-08-27 ", "2017-09-01 "), ("【2009年8月27日】", "【2017年9月1日】")]:
        entries = f"{first}{body}\n\n{second}{body}"
        assert len(split_paragraphs(repair(entries))) == 2, first  # breaker: each was joined
    cut = ("全省安全生产工作会议在省委和省政府的统一领导下认真筹备，经过多次反复研究讨论，决定会议于\n\n"
           "2022年1月1日在省会召开，各市县主要负责同志参加会议并汇报工作。")
    assert split_paragraphs(repair(cut)) == [cut.replace("\n\n", "")]


def test_a_markdown_heading_line_is_never_continued():
    """``## 关于…的若干意见`` ⏎ ``本段是正文`` (valid CommonMark: no blank line after the
    heading) was joined into one line, so the section's title held its body (breaker)."""
    heading = "## 关于进一步加强和改进新时代统计工作的若干意见"
    assert len(heading) >= 20
    body = "本段是正文内容，测试标题后直接跟正文。"
    assert repair(f"{heading}\n{body}") == f"{heading}\n{body}"
    long_heading = "## " + "关于进一步加强和改进新时代统计工作的若干意见" * 2  # a paragraph of 40+
    assert split_paragraphs(repair(f"{long_heading}\n\n{body}")) == [long_heading, body]


def test_a_line_that_stops_short_of_the_margin_ends_there():
    """Each line was judged by what had been joined so far, so after one long line every
    short one was joined too: a report's dateline, its speaker and its first paragraph ran
    together, and a heading with a comma ran into its body (new-user trial, Chromium PDFs). A
    CJK line well short of its paragraph's widest ends there; wrapped lines still join."""
    body = "各位代表：现在，我代表市人民政府，向大会报告政府工作，请予审议，并请市政协委员和其他"
    text = ("——2024年1月15日在市第十七届人民代表大会第四次会议上\n市长 李长风\n" + body
            + "\n列席人员提出意见。")
    assert join_lines(text).split("\n") == [
        "——2024年1月15日在市第十七届人民代表大会第四次会议上", "市长 李长风", body + "列席人员提出意见。"]
    heading = "二、着力推动科技创新，加快培育新质生产力"
    wrapped = "深入实施创新驱动发展战略，加快建设具有全国影响力的科技创新中心，全年新增高新"
    assert join_lines(f"{heading}\n{wrapped}\n技术企业500家以上。").split("\n") == [
        heading, wrapped + "技术企业500家以上。"]


def test_a_hyphen_at_a_line_end_inside_a_web_address_stays():
    """``https://www.example-`` ⏎ ``miit.cn`` became ``examplemiit.cn`` (new-user trial); a
    word's soft hyphen in a PDF still goes."""
    text = "详见网站https://www.example-\nmiit.cn，或发邮件至 policy@example-\nmail.cn 咨询相关事项的办理流程。"
    joined = join_lines(text, dehyphenate=True)
    assert "https://www.example-miit.cn" in joined and "policy@example-mail.cn" in joined
    assert join_lines("This talks about infor-\nmation retrieval.", dehyphenate=True) == \
        "This talks about information retrieval."


def test_a_long_address_is_no_measure_of_a_paragraphs_margin():
    """A URL overflowing the margin was the paragraph's widest line, so a heading's first line
    fell short of it and its title was cut mid-word (breaker)."""
    text = ("一、全面贯彻新时代公安机关的使命任务，努力在维护政治安全、社\n会稳定上展现新担当。详见网址"
            "https://www.mps.gov.cn/n2254314/n6409334/c8339845/content.html\n，并及时报送情况。")
    assert join_lines(text).startswith("一、全面贯彻新时代公安机关的使命任务，努力在维护政治安全、社会稳定上")


def test_a_line_of_zero_width_spaces_is_a_blank_line(tmp_path):
    """Laws copied from web pages hold lines of U+200B alone (42 in a 公司法): each was a
    paragraph of its own, a blank gap in the document view, and a stray U+200B in the
    concordance's context (new-user trial). They separate paragraphs, as they show; a
    zero-width character inside text stays, and so does a line of a code block."""
    import indexer

    text = ("# 公司法\n\n## 第一章\n\n第一条 测试短语甲乙丙。\n\u200b\n第二条 其余。\n"
            "\u2060 \u200b\n\n第三条 内\u200b有。\n\u200e\n第四条 标记。\n\n"
            "```\n代码\n\u200b\n```\n")
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "公司法.md").write_text(text, encoding="utf-8")
    indexer.update(seeds, tmp_path / "ix")
    with indexer.SearchSession(indexer.open_index(tmp_path / "ix")) as s:
        view = s.document(s.search(s.parse("测试短语")).hits[0].doc_id)
        body = view.sections[-1].text
        # a code block is read as written, its line of U+200B too (breaker)
        assert body.split("\n\n") == ["第一章", "第一条 测试短语甲乙丙。", "第二条 其余。",
                                      "第三条 内\u200b有。", "第四条 标记。",
                                      "```\n代码\n\u200b\n```"]
        (row,) = s.concordance(s.parse("测试短语甲乙丙")).occurrences
        assert row.right.startswith("。  第二条")


def test_a_markdown_link_on_its_own_is_no_line_of_body_text():
    """A paragraph holding only ``[查看原文](https://tv.cctv.com/…)`` measured as 80 characters
    of body text, so the next paragraph was taken as its continuation across a page break:
    ``查看原文新增段落…`` on one line in the document view (new-user trial). Its reader sees
    four characters; a long sentence cut at a page break is still joined."""
    link = "[查看原文](https://tv.cctv.com/2022/09/11/VIDExMM1aELmYy9VWW8xQh08220911.shtml)"
    image = '![现场图片](https://tv.cctv.com/2022/09/11/VIDExMM1aELmYy9VWW8xQh08220911.jpg "现场")'
    body = "新增段落：乡村振兴示范村建设提速。"
    odd = ("[维基百科](https://zh.wikipedia.org/wiki/法_(消歧义)_abcdefghijklmnopqrst)",
           "[查看原文](https://tv.cctv.com/2022/09/11/VIDExMM1aELmYy9.shtml '央视')",
           "[原文](<https://tv.cctv.com/2022/09/11/VIDExMM1aELmYy9VWW8xQh.shtml>)")
    for alone in (link, image, *odd):
        assert len(alone) >= 40
        assert split_paragraphs(repair(f"## 节\n\n{alone}\n\n{body}\n", markdown=True)) == \
            ["## 节", alone, body]
    cut = ("会议指出，要坚持以人民为中心的发展思想，更好统筹发展和安全，详见[通知全文]"
           "(https://www.gov.cn/zhengce/content.htm)中关于")
    assert split_paragraphs(repair(f"{cut}\n\n推进乡村振兴的部署。\n", markdown=True)) == \
        [cut + "推进乡村振兴的部署。"]
