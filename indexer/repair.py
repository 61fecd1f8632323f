"""Repair text damaged by PDF extraction: paragraphs split at page breaks, and radicals
standing for the ideographs they look like.

In the seed, a page break left a blank line in the middle of a sentence and even of a word
(``“两`` ⏎⏎ ``个确立”``, ``硬`` ⏎⏎ ``仗``). :func:`repair` joins such pieces back together.

The rule, for two consecutive paragraphs P and Q (blank-line separated):

* P does not end with terminal punctuation (closing quotes and brackets are looked through);
* P is body text: a last line at least :data:`BODY_MIN_CHARS` long, or a numbered paragraph
  (``一、…``) that is not a short heading line (one line without a clause mark), so titles,
  headings, bylines and signatures are never glued to what follows;
* Q is body text that ends a sentence (or is long enough to be a whole page of one), and does
  not start a new numbered section, a signature (``——``), a closing line (``责任编辑``) or a
  Markdown block (heading, list, quote, fence, table);
* P and Q do not both start with a date (``2009年8月27日 …``): dated entries, as a law's
  amendment history or a chronicle, are a list, each its own paragraph (793 such pairs in
  cn-laws were joined into run-on lines: new-user trial).

Joined pieces meet without a space between CJK characters, with one space between two Latin
words; in a PDF's text a word hyphenated at the break (``infor-`` / ``mation``) is made whole,
elsewhere the hyphen is the text's own (``well-`` / ``known``: typesetting hyphenates, a
person's hard wrap does not, and deleting a real hyphen made ``"well-known"`` unsearchable:
breaker). A Markdown heading line (``## …``) is never continued. Hard-wrapped
lines inside a paragraph are joined the same way (:func:`join_lines`).

Some PDF fonts map common characters to the Kangxi Radicals block (``⼀`` U+2F00 for 一, ``⼯``
for 工, ``⾬`` for 雨): a Chromium-printed PDF reads as ``第⼆部分 防汛⼯作部署``. Search
folds them (NFKC), but the text shown and copied carried the look-alikes and ``第⼆部分`` was
no heading (new-user trial). :func:`unify_radicals` writes each as its ideograph.

Everything here is a pure function of the text.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .normalize import LOOKALIKE_IDEOGRAPHS, is_wide

BODY_MIN_CHARS = 40
"""A paragraph at least this long (characters) is body text, not a title or byline."""
LINE_MIN_CHARS = 20
"""A wrapped line at least this long (characters) may continue on the next line."""
FULL_LINE_SHARE = 0.85
"""...and, when it ends in a CJK character, only when it is this share of its paragraph's
widest line at least (in display width, a CJK character counting as two ASCII ones): CJK text
wraps at any character, so a wrapped line runs to the margin, and one that stops well short of
it (a title, a dateline, a heading such as ``二、着力推动科技创新，加快培育新质生产力`` above
its body) ended there (new-user trial). Lines ending in a Latin word are left to the length
rule alone: word wrapping leaves them ragged."""

TERMINAL = "。！？!?；;…：."
CLAUSE_MARKS = "，,、；;：:"
"""Marks inside a sentence: a short numbered line holding one is a sentence cut short, not a
heading."""
CLOSERS = "”’」』）)》〉】]\"'*"

SECTION_NUMBER = re.compile(r"^(?:[一二三四五六七八九十百]+|[壹贰貳叁參肆伍陆陸柒捌玖拾佰]+)、")
"""``一、`` or, in the financial numerals Taiwan's official documents number their parts with,
``壹、`` ``貳、`` (new-user trial: such a document had no sections)."""
ARTICLE_NUMBER = re.compile(r"^第[一二三四五六七八九十百千零〇0-9]+条")
"""An article of a law ("第三条 …"): it starts a block and is body text."""
CHAPTER_NUMBER = re.compile(
    r"^第[一二三四五六七八九十百千零〇0-9０-９]+(?:部分|章|节|编|分编"
    r"|(?:部份|節|編|分編|卷|回)(?=[\s\u3000]|$))")
"""A chapter heading of a law ("第一章 总则"; 民法典's 分编 between its 编 and 章), a report's
part ("第一部分 产业发展"), a book's 编, 节 or 卷, or a novel's 回 ("第一回 甄士隐梦幻识通灵"), in
Simplified or Traditional
characters (第一編 and 第一節 were not headings: new-user trial): it starts a block and is
never continued (on a short line of its own it starts a section: :mod:`indexer.sections`).
The units read in prose (第一回见到她, 第三卷读得最慢, 第一節課: breaker) are headings only
when a space or the line's end follows them."""
MAX_PART_HEADING_CHARS = 40
"""A part heading line (:func:`is_part_heading`) is at most this long: a longer line starting
with 第…章 is a sentence that mentions a chapter."""
DATED = re.compile(r"^[（(【\[]?(?:根据)?\s*[0-9０-９〇○零一二三四五六七八九]{4}\s*(?:年|[.．\-/][0-9０-９])")
"""A paragraph that starts with a date (``2009年8月27日 …``, ``2009 年 8 月``, ``（一九九九年…``,
``二○○九年``, ``2009.8.27``, ``2009-08-27``, ``【2009年…``, a law's ``根据1999年…修正``): an
entry of a dated list when the paragraph before it starts with one too."""
SENTENCE_END = re.compile(r"[。！？；!?;]")
_CLAUSE_MARK = re.compile(r"[，,]")
"""A comma: a line holding one is a sentence's start, no heading (第三卷读得最慢，…: breaker).
(A colon or 、 can be a heading's: 第一章：总则, 第一部分 产业发展、人居环境.)"""
"""A mark that ends a sentence (a heading holds none; a long section is cut after one)."""


def is_part_heading(line: str) -> bool:
    """Whether ``line`` (stripped) heads a numbered part: "第一部分 产业发展", "第三章 法律责任"
    (:data:`CHAPTER_NUMBER`), at most :data:`MAX_PART_HEADING_CHARS` long, no sentence in it.
    Such a line starts a section (:mod:`indexer.sections`) and is never continued: neither
    the next line nor the next paragraph is joined to it (a 40-character one was glued to the
    paragraph after it, so its section was lost: breaker)."""
    return bool(CHAPTER_NUMBER.match(line)) and len(line) <= MAX_PART_HEADING_CHARS \
        and not SENTENCE_END.search(line) and not _CLAUSE_MARK.search(line)


CONTENTS_LINE = re.compile(r"^目\s*[录錄]$")
"""The heading of a table of contents."""


_PART_RANKS = (("部分", 0), ("部份", 0), ("分编", 1), ("分編", 1), ("编", 0), ("編", 0),
               ("卷", 0), ("章", 2), ("回", 2), ("节", 3), ("節", 3))
"""How part headings nest in plain text, outermost first: a law's 编 › 分编 › 章 › 节, a
report's 部分, a book's 卷, a novel's 回 (a unit is matched by the end of its name, so 分编
comes before 编)."""


def part_rank(heading: str) -> int:
    """The nesting rank of a part heading line (:func:`is_part_heading`): 0 for 编, 1 for 分编,
    2 for 章…"""
    number = CHAPTER_NUMBER.match(heading)
    unit = number.group() if number else ""
    return next((rank for name, rank in _PART_RANKS if unit.endswith(name)), 0)


_PAGE_NUMBER = re.compile(r"[\s.…·．・⋯—–\-]*[(（]?(?:[0-9０-９]+|[ivxlcIVXLC]+)[)）]?[\s\-—–]*$")
"""A table of contents entry's page number (``……1``, ``⋯⋯3``, ``——5``, ``(7)``, ``iii``,
``- 9 -``), with what leads to it."""


def contents_key(heading: str) -> str:
    """A part heading as a table of contents and the body both write it: white space and a
    trailing page number aside (``第一章 总则……1`` and ``第一章  总则`` read alike)."""
    number = CHAPTER_NUMBER.match(heading)
    rest = heading[number.end():] if number else heading
    return "".join(((number.group() if number else "") + _PAGE_NUMBER.sub("", rest)).split())


def contents_end(headings: list[str]) -> int | None:
    """Where the body listed by a table of contents begins: given the part headings that
    follow its ``目录`` line (``""`` for a line that is none), the place of the first that
    repeats the first entry (:func:`contents_key`), or numbers its part as the first entry
    does while no entry of an outer rank has come between (a body whose 第一章 is worded
    otherwise than its entry; but the 第一章 of a later 第二部分 is an entry); None when none
    does (a ``目录`` line with no table under it: breaker)."""
    if not headings or not headings[0]:
        return None
    first, number, rank = contents_key(headings[0]), CHAPTER_NUMBER.match(headings[0]), \
        part_rank(headings[0])
    by_number = True
    for k, heading in enumerate(headings[1:], 1):
        if not heading:
            continue
        if contents_key(heading) == first:
            return k
        if part_rank(heading) < rank:
            by_number = False
        elif by_number and number and CHAPTER_NUMBER.match(heading).group() == number.group():
            return k
    return None


CLOSING_LINE = re.compile(r"^(责任编辑|责编|编辑|校对|审校)[\s：:]")
MARKDOWN_BLOCK = re.compile(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|```|~~~|\||\*\*)")
TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$|^\s*\|\s*:?-+:?\s*\|\s*$")
"""A Markdown table's delimiter row (``|---|:--:|``, ``--- | ---``), bars required."""
MARKDOWN_DEFINITION = re.compile(r"^\[(?!\^)[^\[\]\n]+\]:\s*<?[!-~]+>?(\s|$)")
"""A Markdown link reference definition (``[ref]: https://…``): a line of its own, never
joined to a neighbour (joined, its address stayed in the text: breaker)."""


@dataclass(frozen=True)
class Join:
    """One repair: ``before`` ended a paragraph and ``after`` began the next; they now meet."""

    before: str
    after: str


_PARAGRAPH_BREAK = re.compile(r"\n[ \t\u3000]*\n")


def split_paragraphs(text: str) -> list[str]:
    """Split text at blank lines; strip each paragraph; drop empty ones."""
    return [p.strip() for p in _PARAGRAPH_BREAK.split(text) if p.strip()]


def ends_sentence(paragraph: str) -> bool:
    """True when the paragraph's last character (looking through closers) is terminal."""
    stripped = paragraph.rstrip(CLOSERS + " \t")
    return bool(stripped) and stripped[-1] in TERMINAL


def _starts_block(paragraph: str) -> bool:
    return bool(
        SECTION_NUMBER.match(paragraph)
        or ARTICLE_NUMBER.match(paragraph)
        or CHAPTER_NUMBER.match(paragraph)
        or CLOSING_LINE.match(paragraph)
        or MARKDOWN_BLOCK.match(paragraph)
        or paragraph.startswith("——")
    )


def _is_body(paragraph: str) -> bool:
    if MARKDOWN_BLOCK.match(paragraph) or paragraph.startswith("——"):
        return False
    if "\n" not in paragraph and is_part_heading(paragraph.strip()):
        return False
    # The last line decides: a title block followed by a byline ends on a short name line.
    last_line = paragraph.splitlines()[-1].strip()
    if _shown_length(last_line) >= BODY_MIN_CHARS:
        return True
    numbered = SECTION_NUMBER.match(paragraph) or ARTICLE_NUMBER.match(paragraph)
    if not numbered:
        return False
    # a numbered paragraph cut by a page break is body text; a short numbered line on its own
    # without a clause mark ("一、关于推进改革的情况") is a heading, and never continues
    rest = paragraph[numbered.end():]
    return "\n" in paragraph or any(c in rest for c in CLAUSE_MARKS)


MARKDOWN_HEADING = re.compile(r"^#{1,6}(\s|$)")


def _is_table(paragraph: str) -> bool:
    """Whether ``paragraph`` holds a Markdown table's delimiter row."""
    return "|" in paragraph and any(TABLE_DELIMITER.match(line)
                                    for line in paragraph.split("\n"))


def heading_line(line: str) -> bool:
    """Whether ``line`` (stripped) is a heading on a line of its own: numbered, ``一、`` and
    no clause mark after it ("一、关于2023年度全市安全生产工作目标任务完成情况"), or a Markdown
    heading (``## …``). Such a line is never continued by the next one, however long (one of
    20 characters or more took the body's first sentence into its section's title: breaker;
    so did a Markdown heading with the body on the next line, valid CommonMark: breaker)."""
    if MARKDOWN_HEADING.match(line):
        return True
    numbered = SECTION_NUMBER.match(line)
    return bool(numbered) and not any(c in line[numbered.end():] for c in CLAUSE_MARKS) \
        and not ends_sentence(line)


def continues(p: str, q: str) -> bool:
    """Whether paragraph ``q`` continues paragraph ``p`` across a page break (rule above)."""
    if ends_sentence(p) or not _is_body(p) or _starts_block(q) or MARKDOWN_HEADING.match(p) \
            or _is_table(p):
        return False
    if DATED.match(p) and DATED.match(q):
        return False
    return ends_sentence(q) or _shown_length(q) >= BODY_MIN_CHARS


_LINK_TARGET = re.compile(r"\]\((?:<[^<>\n]*>|(?:[^()\s]|\([^()\s]*\))*)"
                          r"(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*\)")
"""The target of a Markdown link or image, which the reader does not see: ``](https://…)``,
an address holding one level of parentheses or written ``<…>``, and a title in either
quotes or parentheses (breaker: ``(消歧义)`` in an address, a title in single quotes)."""


def _shown_length(text: str) -> int:
    """``len(text)`` without its Markdown link and image targets: a line holding only
    ``[查看原文](https://tv.cctv.com/…)`` is a short link, not a line of body text, and was
    continued by the next paragraph, ``查看原文新增段落`` (new-user trial)."""
    return len(_LINK_TARGET.sub("]", text)) if "](" in text else len(text)


_ADDRESS_END = re.compile(r"(?:://|www\.|@|/)\S*-$")
"""A line ending inside a web or mail address: its hyphen is the address's own
(``https://www.example-`` ⏎ ``miit.cn``: new-user trial)."""


def _glue(p: str, q: str, dehyphenate: bool = False) -> str:
    """Join two pieces of one sentence: with ``dehyphenate``, ``infor-`` + ``mation`` →
    ``information`` (else ``well-`` + ``known`` → ``well-known``); two Latin words keep a space
    between them, also after a comma or stop; CJK characters meet directly."""
    p, q = p.rstrip(), q.lstrip()
    if dehyphenate and len(p) >= 2 and p[-1] == "-" and p[-2].isascii() and p[-2].isalpha() \
            and q[:1].islower() and not _ADDRESS_END.search(p):
        return p[:-1] + q
    # two Latin words, or a Latin word after a comma or stop ("carefully," / "approved"),
    # keep their space: glued, a quoted phrase across the line end was not found (breaker)
    narrow = p[-1].isascii() and (p[-1].isalnum() or p[-1] in ",.;:!?)\"'") \
        and q[0].isascii() and q[0].isalnum()
    return p + (" " if narrow else "") + q


def join_lines(paragraph: str, dehyphenate: bool = False) -> str:
    """Join the hard-wrapped lines of one paragraph (text from PDF and other extractions);
    ``dehyphenate``: a typeset text's (PDF) line-end hyphens before a lower-case letter are
    soft (see :func:`_glue`).

    A line at least :data:`LINE_MIN_CHARS` long that does not end a sentence is continued by
    the next line unless that one starts a block (numbered section, Markdown list or heading,
    signature) or the line is a heading (:func:`heading_line`, :func:`is_part_heading`);
    short lines (titles, bylines, list items) keep their line breaks. A paragraph holding a
    Markdown table's delimiter row (``---|---``) is a table: its rows are never joined (a
    row without leading bars was, and the table lost its rows).
    """
    if _is_table(paragraph):
        return paragraph
    lines = paragraph.split("\n")
    widest = 0  # the widest line's display width, measured when first needed
    out = [lines[0]]
    for prev, line in zip(lines, lines[1:]):
        # each line is judged on its own: judged by what was joined so far, every short line
        # after one long one was joined too (a byline, a dateline, table cells: new-user trial)
        prev = prev.strip()
        joins = (line.strip() and len(prev) >= LINE_MIN_CHARS and not ends_sentence(prev)
                 and not _starts_block(line.strip()) and not is_part_heading(prev)
                 and not heading_line(prev)
                 and not MARKDOWN_DEFINITION.match(prev)
                 and not MARKDOWN_DEFINITION.match(line.strip()))
        if joins and is_wide(prev[-1]):
            # among the lines that end in a CJK character: a long address overflowing the
            # margin is no measure of it (a heading's first line fell short of one: breaker)
            widest = widest or max(_display_width(text) for text in map(str.strip, lines)
                                   if text and is_wide(text[-1]))
            joins = _display_width(prev) >= FULL_LINE_SHARE * widest
        if joins:
            out[-1] = _glue(out[-1], line, dehyphenate)
        else:
            out.append(line)
    return "\n".join(out)


_WIDE_CHARS = re.compile("[\u1100-\u115f\u2e80-\u303e\u3041-\ua4cf\uac00-\ud7a3\uf900-\ufaff"
                         "\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\U00020000-\U0003fffd]")
"""The East Asian wide and full-width blocks (Unicode's EastAsianWidth.txt, W and F), for
counting them at C speed."""


def _display_width(text: str) -> int:
    """Columns ``text`` takes: 2 for a wide (CJK) character, 1 for any other."""
    return len(text) + len(_WIDE_CHARS.findall(text))


def repair_paragraphs(paragraphs: list[str], dehyphenate: bool = False) \
        -> tuple[list[str], list[Join]]:
    """Join paragraphs split at page breaks.

    Args:
        paragraphs: stripped, non-empty paragraphs in order.
        dehyphenate: see :func:`join_lines`.
    Returns:
        ``(repaired, joins)``: the new paragraph list and each join made, in order.
    """
    out: list[str] = []
    joins: list[Join] = []
    for q in paragraphs:
        if out and continues(out[-1], q):
            joins.append(Join(out[-1][-12:], q[:12]))
            out[-1] = _glue(out[-1], q, dehyphenate)
        else:
            out.append(q)
    return out, joins


RADICAL_IDEOGRAPHS = {
    **{cp: unicodedata.normalize("NFKC", chr(cp))
       for cp in range(0x2E80, 0x2FE0)  # CJK Radicals Supplement, Kangxi Radicals
       if unicodedata.normalize("NFKC", chr(cp)) != chr(cp)},
    **{ord(r): h for r, h in LOOKALIKE_IDEOGRAPHS.items()},
    0x2F3E: "户",  # NFKC gives 戶, but the fonts that print 户 as ⼾ are Simplified ones
}
"""``str.translate`` table: each radical that Unicode makes compatible with an ideograph (all
214 Kangxi radicals and two of the supplement), and each character of
:data:`indexer.normalize.LOOKALIKE_IDEOGRAPHS` (``⻓`` → ``长``), → that ideograph (one
character each)."""


_INVISIBLE = "\u00ad\u180e\u200b-\u200f\u2060-\u2064\ufeff"
"""Characters that show nothing: the soft hyphen, zero-width space, non-joiner and joiner,
left-to-right and right-to-left marks, word joiner, invisible operators, BOM (as a character
class's contents)."""
_INVISIBLE_CHARS = re.compile(f"[{_INVISIBLE}]")
_INVISIBLE_LINE = re.compile(f"[^\\S\\n]*[{_INVISIBLE}][{_INVISIBLE}\\s]*")


def blank_invisible_lines(text: str, markdown: bool = False) -> str:
    """``text`` with each line that holds only characters that show nothing (see
    :data:`_INVISIBLE`: U+200B and its kind) and white space made empty, so that it
    separates paragraphs as the blank line it shows as. Laws copied from web pages hold such
    lines (42 in a 公司法): each was a paragraph of its own, a blank gap in the document view
    and a stray U+200B in concordance contexts (new-user trial). ``markdown``: lines of a
    fenced code block are kept as written (breaker)."""
    if not _INVISIBLE_CHARS.search(text):
        return text
    lines = text.split("\n")
    fence = None
    for k, line in enumerate(lines):
        if markdown:
            fence, at_fence = fence_step(fence, line)
            if fence is not None or at_fence:
                continue
        if _INVISIBLE_LINE.fullmatch(line):
            lines[k] = ""
    return "\n".join(lines)


def unify_radicals(text: str) -> str:
    """``text`` with each radical of :data:`RADICAL_IDEOGRAPHS` written as its ideograph
    (``⼀`` → ``一``); the length in characters is unchanged."""
    return text.translate(RADICAL_IDEOGRAPHS)


def repair(text: str, dehyphenate: bool = False, markdown: bool = False) -> str:
    """Return ``text`` with wrapped lines and page-break splits joined, paragraphs separated by
    one blank line; ``dehyphenate`` for a typeset text's (PDF) soft hyphens (see
    :func:`join_lines`); ``markdown``: a paragraph of indented code (:func:`indented_code`)
    is kept as written, indentation included, and joined to nothing, so that the Markdown
    reader still sees it as code (breaker: ``price*qty*rate`` lost its stars); so is every
    paragraph of a fenced code block, fences included."""
    out: list[str] = []
    prose: list[str] = []  # stripped paragraphs not yet repaired

    def repaired() -> None:
        joined = [join_lines(q, dehyphenate) for q in prose]
        if not markdown:  # in Markdown, lines without a blank line between are one paragraph
            joined = [part for k, q in enumerate(joined)
                      for part in _headed_paragraphs(q, opens_text=not out and k == 0)]
        out.extend(repair_paragraphs(joined, dehyphenate)[0])
        prose.clear()

    fence = None  # the open Markdown code fence, which may hold blank lines
    for paragraph in _PARAGRAPH_BREAK.split(text):
        code = fence is not None
        if markdown:
            for line in paragraph.split("\n"):
                fence, at_fence = fence_step(fence, line)
                code = code or at_fence
        if markdown and (code or indented_code(paragraph)):
            # code, fenced (breaker: a fence's long lines were joined) or indented
            repaired()
            out.append(paragraph.rstrip())
        elif paragraph.strip():
            prose.append(paragraph.strip())
    repaired()
    return "\n\n".join(out)


def _title_like(line: str) -> bool:
    """Whether ``line`` may be a text's title above its first part heading: shorter than body
    text, with no clause mark (a sentence wrapped before ``第三章规定的…`` is none), and no
    part heading itself."""
    line = line.strip()
    return 0 < len(line) < BODY_MIN_CHARS and not _CLAUSE_MARK.search(line) \
        and not is_part_heading(line)


def _headed_paragraphs(paragraph: str, opens_text: bool = False) -> list[str]:
    """``paragraph`` (lines joined by :func:`join_lines`) cut before each line that is a
    heading of its own (:func:`heading_line`, :func:`is_part_heading`) after a line that
    ends a sentence: a notice written without blank lines, ``一、提高思想认识`` on a line above
    its body, was one paragraph, so one section (new-user trial). Not after a line that does
    not end one: a title and its ``特急`` above the first heading were then read as a byline,
    and a table of contents, a table's rows, a list under a title or a line wrapped before
    ``第三章规定的…`` each became sections (breaker). Three exceptions: when the paragraph
    ``opens_text``, a part heading (``第一章 总则``) right under its first line, the text's
    title (breaker: a law written without blank lines lost its first chapter into the
    title's section); after a table of contents (``目录`` and its entries), the heading that
    repeats its first entry (:func:`_contents_tables`), the entries themselves never; and a
    part heading right under one of an outer rank (a 节 under its 章)."""
    lines = paragraph.split("\n")
    tables = _contents_tables(lines)
    parts = [[lines[0]]]
    for k, (prev, line) in enumerate(zip(lines, lines[1:]), 1):
        stripped, before = line.strip(), prev.strip()
        if opens_text and k == 1 and is_part_heading(stripped) and _title_like(prev):
            parts.append([line])
        elif any(a < k < b for a, b in tables):
            parts[-1].append(line)  # a table of contents: its entries are no headings
        elif any(k == b for _, b in tables) or ends_sentence(prev) and (
                heading_line(stripped) or is_part_heading(stripped)) or (
                is_part_heading(before) and is_part_heading(stripped)
                and part_rank(stripped) > part_rank(before)):
            # a 节 right under its 章 heads its own part; items of one rank (第一部分 …
            # 第二部分 …) under each other do not (breaker)
            parts.append([line])
        else:
            parts[-1].append(line)
    return ["\n".join(part) for part in parts] if len(parts) > 1 else [paragraph]


def _contents_tables(lines: list[str]) -> list[tuple[int, int]]:
    """``[(start, end), …]``: each table of contents written without blank lines, from its
    ``目录`` line to the line where the body it lists begins (:func:`contents_end`)."""
    tables = []
    for i, line in enumerate(lines):
        if CONTENTS_LINE.match(line.strip()) and not any(a <= i < b for a, b in tables):
            end = contents_end([h if is_part_heading(h) else "" for h in
                                (x.strip() for x in lines[i + 1:])])
            if end is not None:
                tables.append((i, i + 1 + end))
    return tables


_FENCE_LINE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")


def fence_step(fence: str | None, line: str) -> tuple[str | None, bool]:
    """Follow Markdown code fences line by line: given the open fence's marker (``"```"``,
    ``"~~~~"``…; None outside code) before ``line``, return the marker after it and whether
    ``line`` is a fence line. As CommonMark has it: a fence is three or more backticks or
    tildes, indented at most three spaces; a backtick fence's info string holds no backtick
    (```` ```x``` ```` is a code span); it closes at a line of the same character, at least
    as long, with nothing after it (a ``~~~`` inside a backtick block, or a shorter run, is
    code; counting every such line flipped the rest of a file in and out of code: breaker)."""
    m = _FENCE_LINE.match(line)
    if not m:
        return fence, False
    marker, rest = m.group(1), m.group(2)
    if fence is None:
        if marker[0] == "`" and "`" in rest:
            return None, False
        return marker, True
    if marker[0] == fence[0] and len(marker) >= len(fence) and not rest.strip():
        return None, True
    return fence, False


def indented_code(paragraph: str) -> bool:
    """Whether ``paragraph`` (a Markdown block between blank lines) is CommonMark indented
    code: every line four spaces or a tab in."""
    lines = [line for line in paragraph.split("\n") if line.strip()]
    return bool(lines) and all(line.startswith(("    ", "\t")) for line in lines)
