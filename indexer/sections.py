"""Document → sections: the unit we index and return.

Plain text (the magazine layout of the seed)::

    issue title                      ┐
    ——subtitle                       │ front matter: one section, "编者按" when the note is signed
    editor's note …  ——编者           ┘
    **article title (may span lines)**   ┐
    role line (广东省副省长、…)          │ article: title, byline (role + name), intro section "导语"
    name line (王志忠)                   │
    intro paragraphs …                  ┘
    一、opening sentence。 …             numbered sections; title = opening sentence up to "。"
                                         (or the end of the line: "一、总体要求" on a line of
                                         its own above the body)
    二、…
    第一部分 产业发展                    a part, chapter or section heading line also starts one;
                                         title = the line
    plain article title / byline / …     the next article
    责任编辑 …                           closing lines: the last section

Markdown: ``#`` … ``######`` headings (found by :mod:`indexer.markup`) start sections; the
breadcrumb is the heading path.

Every character of ``Document.text`` belongs to exactly one section, in order: sections are
slices ``text[start_char:end_char]`` that tile the document (only the blank lines between them
are left out).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from .documents import Document
from .repair import (
    CHAPTER_NUMBER, CLAUSE_MARKS, CLOSING_LINE, CONTENTS_LINE, DATED, SECTION_NUMBER,
    SENTENCE_END, contents_end, part_rank,
    ends_sentence, is_part_heading,
)

FRONT_TITLE = "编者按"
INTRO_TITLE = "导语"
MAX_TITLE_CHARS = 80

_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,6}$")
_EDITOR_SIGNATURE = re.compile(r"^——\s*编\s*者\s*$")


@dataclass(frozen=True)
class Section:
    """A numbered part of an article (or the front matter, an intro, the closing lines).

    Attributes:
        section_id: ``f"{doc_id}-s{key}"``, ``key`` from the section's titles
            (:func:`section_key`): stable across rebuilds and across edits elsewhere in the
            document, URL-safe.
        doc_id: the document's id.
        ordinal: 0-based order in the document.
        doc_title, article_title, author, title: the headings ("" when absent).
        breadcrumb: document › article › the headings between the article and the section
            (a law's 编 › 章 › 节: the 章) › section titles, empty levels left out.
        between: those headings between the article's and the section's, outermost first.
        text: ``document.text[start_char:end_char]`` (repaired text).
        start_char, end_char: offsets (code points) into ``Document.text``.
    """

    section_id: str
    doc_id: str
    ordinal: int
    doc_title: str
    article_title: str
    author: str
    title: str
    breadcrumb: tuple[str, ...]
    text: str
    start_char: int
    end_char: int
    between: tuple[str, ...] = ()

    @property
    def bodyless(self) -> bool:
        """Whether the section's text is only its title (white space aside): a heading with
        nothing under it before the next (广东篇 above its subsections), or a document's title
        line alone."""
        return bool(self.title) and "".join(self.text.split()) == "".join(self.title.split())


@dataclass
class _Draft:
    title: str
    article_title: str
    author: str
    start: int
    end: int
    own: bool = False  # the article's own section (its heading is the article's)
    # the open headings between the article's and the section's: 刑法's 第四章 above its
    # 第一节 量刑, which a breadcrumb of document › article › section lost (new-user trial)
    between: tuple[str, ...] = ()


def _paragraph_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for para in text.split("\n\n"):
        if para.strip():
            spans.append((pos, pos + len(para)))
        pos += len(para) + 2
    return spans


def _short_line(p: str, limit: int = MAX_TITLE_CHARS) -> bool:
    return "\n" not in p and 0 < len(p) <= limit and not ends_sentence(p)


def _part_heading(paragraph: str) -> str:
    """The paragraph's first line when it heads a numbered part
    (:func:`indexer.repair.is_part_heading`), else "": such a line starts a section as ``一、``
    does (a report cut into parts was one section: new-user trial)."""
    first = paragraph.split("\n", 1)[0].strip()
    return first if is_part_heading(first) else ""


def _heading_sentence(paragraph: str) -> str:
    """The title of a numbered paragraph: its opening sentence, up to "。" or the end of its
    first line. A line break left inside a repaired paragraph (:func:`indexer.repair.join_lines`
    joins wrapped lines of 20 characters or more that end no sentence) follows a heading line
    of its own, as in a notice's "一、总体要求" ⏎ "为进一步规范……" (whose title was the heading,
    a line break and the body's first sentence: new-user trial), however long the heading
    (:func:`indexer.repair.heading_line`)."""
    lines = paragraph.splitlines()  # every line boundary: a form feed or U+2028 as well
    first = (lines[0] if lines else "").split("。", 1)[0].strip()
    return first if len(first) <= MAX_TITLE_CHARS else first[: MAX_TITLE_CHARS - 1] + "…"


def _byline(paragraph: str) -> tuple[list[str], str, str] | None:
    """``(title_lines, role, name)`` when the paragraph ends with a role line and a name line."""
    lines = [ln.strip() for ln in paragraph.split("\n") if ln.strip()]
    if len(lines) < 2:
        return None
    role, name = lines[-2], lines[-1]
    if _NAME.match(name) and _short_line(role, 40) and "。" not in role:
        return lines[:-2], role, name
    return None


def _article_starts(paras: list[str], first: int) -> dict[int, tuple[str, str]]:
    """Map paragraph index → (article title, author) where an article begins."""
    starts: dict[int, tuple[str, str]] = {}
    for j in range(first, len(paras)):
        found = _byline(paras[j])
        if not found:
            continue
        title_lines, _role, name = found
        if title_lines:
            starts[j] = ("".join(title_lines), name)
        elif j - 1 >= first and j - 1 not in starts and _short_line(paras[j - 1]):
            starts[j - 1] = (paras[j - 1].strip(), name)
        else:
            starts[j] = ("", name)
    return starts


def _front_end(paras: list[str]) -> int:
    """Index of the last front-matter paragraph (the editor's signature), or -1."""
    for k, p in enumerate(paras[:8]):
        if _EDITOR_SIGNATURE.match(p):
            return k
    return -1


def _doc_title(document: Document, paras: list[str]) -> str:
    """The first line of the first paragraph when it is a short line, not numbered (nor a part
    heading, ``第一编 总则``) and not cut at a clause mark (``据新华社报道，`` is no title);
    else the file name's stem. Its first line, not only a paragraph of one line: a notice
    saved from Word as plain text has no blank line under its title (new-user trial: titled
    after its file name)."""
    first = paras[0].split("\n", 1)[0].strip() if paras else ""
    # nor a part heading: a law opening with 第一编 总则 (or 第一章总则) was titled by it, and
    # each part was put under it in the breadcrumbs; but 第一节课上了什么, 第一部分析报告 and
    # 第三编辑部年度工作总结 are headlines, the unit written against a longer run of words
    # (breaker)
    number = CHAPTER_NUMBER.match(first)
    heading = number and is_part_heading(first) and (
        number.end() == len(first) or first[number.end()].isspace()
        or number.group().endswith(("章", "编", "編")) and len(first) - number.end() <= 4)
    if _short_line(first) and not SECTION_NUMBER.match(first) and first[-1] not in CLAUSE_MARKS \
            and not heading \
            and (len(paras[0]) == len(first) or _titled(first)):
        return first
    return PurePosixPath(document.path).stem


_NOT_TITLES = re.compile(r"^(?:目\s*录|contents)$|^[\W_]+$", re.I)
"""First lines that are no title: a table of contents' heading, a rule of ``=====``."""


def _titled(line: str) -> bool:
    """Whether a first line that has more text under it without a blank line between can be
    the document's title: not a date, a rule or ``目录``, and no clause mark inside, as a
    wrapped sentence's first line, an address (``https:``), a label (``来源：…``) or a
    speaker's ``甲：`` has; such lines were taken for the title once the first line was read
    (breaker)."""
    return not (DATED.match(line) or _NOT_TITLES.search(line)
                or any(mark in line for mark in CLAUSE_MARKS))


def _contents_entries(paras: list[str]) -> set[int]:
    """The places in ``paras`` of the entries of plain-text tables of contents: after a
    paragraph ``目录``, the paragraphs of part headings (one a line, page numbers allowed) up
    to the one where the body begins (:func:`indexer.repair.contents_end`: past a law's
    history paragraph if need be); when none is found, the run of them up to the last before
    body text, which is the body's first heading, two entries at least. Each entry was a
    section of its own, empty, and made the body's sections of those titles second ones
    (``…x2``; breaker)."""
    entries: set[int] = set()
    j = 0
    while j < len(paras):
        if not CONTENTS_LINE.match(paras[j].strip()):
            j += 1
            continue
        heads = []
        for p in paras[j + 1:]:
            lines = [line.strip() for line in p.split("\n") if line.strip()]
            heads.append(lines[0] if lines and all(map(is_part_heading, lines)) else "")
        end = contents_end(heads)
        if end is not None:
            run = [j + 1 + k for k in range(end) if heads[k]]
        else:
            run = list(itertools.takewhile(lambda k: heads[k - j - 1], range(j + 1, len(paras))))
            if run and run[-1] + 1 < len(paras):
                run.pop()  # the last was the body's first heading
            if len(run) < 2:
                run = []
        entries.update(run)
        j = max(run, default=j) + 1
    return entries


def _text_drafts(document: Document, doc_title: str) -> list[_Draft]:
    spans = _paragraph_spans(document.text)
    paras = [document.text[a:b] for a, b in spans]
    if not paras:
        return []
    contents = _contents_entries(paras)
    front_end = _front_end(paras)
    articles = _article_starts(paras, front_end + 1)
    drafts: list[_Draft] = []
    if front_end >= 0:
        drafts.append(_Draft(FRONT_TITLE, "", "", spans[0][0], spans[front_end][1]))
    article, author = "", ""
    # the open part headings, outermost first, as (rank, heading): a plain-text law's 第一节
    # lies under its 第二章 (breaker: its breadcrumb, title: and id did not know the chapter,
    # and the 第一节 of every chapter had the same titles)
    parts: list[tuple[int, str]] = []
    closing = len(paras)
    while closing > 0 and CLOSING_LINE.match(paras[closing - 1]):
        closing -= 1
    for j in range(front_end + 1, len(paras)):
        a, b = spans[j]
        if j == closing:
            drafts.append(_Draft(_heading_sentence(paras[j]), "", "", a, spans[-1][1]))
            break
        if j in contents and drafts:  # text of the section holding the table of contents
            drafts[-1].end = b
        elif j in articles:
            article, author = articles[j]
            parts = []
            # an intro is the article's: with no article title (a title over a byline, as a
            # classical text's 出師表 / 諸葛亮, read as a role line and a name), the section
            # is titled by that first line, not "导语" (new-user trial), nor by the document's
            # title when a second such text follows (後出師表: breaker)
            title = INTRO_TITLE if article else paras[j].split("\n", 1)[0].strip() or doc_title
            drafts.append(_Draft(title, article, author, a, b))
        elif (numbered := SECTION_NUMBER.match(paras[j])) or \
                (part := _part_heading(paras[j])) or not drafts:
            title = _heading_sentence(paras[j]) if numbered else part or doc_title
            if not numbered and part:
                rank = part_rank(part)
                while parts and parts[-1][0] >= rank:
                    parts.pop()
            drafts.append(_Draft(title, article, author, a, b,
                                 between=tuple(h for _, h in parts)))
            if not numbered and part:
                parts.append((rank, part))
        else:
            drafts[-1].end = b
    return drafts


def _markdown_drafts(document: Document, doc_title: str) -> list[_Draft]:
    text = document.text
    starts = {h.start_char: h for h in document.headings}
    drafts: list[_Draft] = []
    stack: list[tuple[int, str]] = []  # (level, heading) of the open headings
    pos = 0
    for line in text.split("\n"):
        start, pos = pos, pos + len(line) + 1
        heading = starts.get(start)
        if heading is not None:
            while stack and stack[-1][0] >= heading.level:
                stack.pop()
            stack.append((heading.level, line))
            path = [h for _, h in stack]
            if path and path[0] == doc_title:
                path = path[1:]
            # the top heading below the document's title is the article, its own section
            # included (as a magazine article's intro is), so that the article facet counts
            # every hit inside it: a "## 下一步工作" without subheadings, and the text under
            # "## 主要议题" before its first "###", counted in no article (new-user trial)
            article = path[0] if path else ""
            drafts.append(_Draft(line, article, "", start, start + len(line), len(path) == 1,
                                 tuple(path[1:-1])))
        elif line.strip():
            if not drafts:
                drafts.append(_Draft(doc_title, "", "", start, start + len(line)))
            drafts[-1].end = start + len(line)
    return drafts


def _markdown_title(document: Document) -> str:
    first = document.headings[0] if document.headings else None
    if first is not None and first.level == 1:
        return document.text[first.start_char:first.end_char]
    return PurePosixPath(document.path).stem


def document_title(document: Document) -> str:
    """The document's title: the first short line of a text file, the first ``#`` heading of a
    Markdown file, else the file name's stem."""
    if document.kind == "headed":
        return _markdown_title(document)
    return _doc_title(document, [document.text[a:b] for a, b in _paragraph_spans(document.text)])


MAX_SECTION_CHARS = 100_000
"""A section longer than this (characters) is cut into parts: the index holds each section's
postings in memory while it is written (about 650 bytes per character), and a snippet or a
highlight works on a whole section."""
PART_TITLE = "{title}（第 {n} 部分）"


def _cut(text: str, start: int, end: int) -> int:
    """Where to end the part that begins at ``start``: at the last paragraph break, else line
    break, else sentence end in the second half of the allowed window, else at the limit."""
    limit = start + MAX_SECTION_CHARS
    floor = start + MAX_SECTION_CHARS // 2
    for sep in ("\n\n", "\n"):
        at = text.rfind(sep, floor, limit)
        if at > 0:
            return at + len(sep)
    window = text[floor:limit]
    ends = [m.end() for m in SENTENCE_END.finditer(window)]
    return floor + ends[-1] if ends else limit


def _bounded(drafts: list[_Draft], text: str) -> list[_Draft]:
    """``drafts`` with each one longer than :data:`MAX_SECTION_CHARS` cut into consecutive
    parts (titled :data:`PART_TITLE` from the second on); the parts still tile the draft, so
    every character stays in exactly one section. A phrase that straddles a cut is not found
    as one: cuts go at paragraph, line or sentence ends to make that unlikely."""
    out: list[_Draft] = []
    for d in drafts:
        bounds = [d.start]
        while d.end - bounds[-1] > MAX_SECTION_CHARS:
            bounds.append(_cut(text, bounds[-1], d.end))
        bounds.append(d.end)
        for n, (start, end) in enumerate(zip(bounds, bounds[1:]), 1):
            title = d.title if n == 1 else PART_TITLE.format(title=d.title or "正文", n=n)
            out.append(_Draft(title, d.article_title, d.author, start, end, d.own, d.between))
    return out


def section_key(titles: tuple[str, ...], taken: dict[str, int]) -> str:
    """The part of a section id after its document's: ``s`` and 8 hex digits of the SHA-1 of
    the section's titles (article, the headings between, its own), with ``x2``, ``x3``… added
    for a second, third… section of the document with the same titles (``taken``: the keys
    given so far in the document, updated).

    Numbered by their place (``-s20``), a section added or removed above it renumbered every
    section after it, and a bookmark or a CSV's link then opened another section without a
    word (new-user trial, breaker); keyed by its titles, it keeps its id until its own titles
    change, and a link to an id the document no longer holds says so."""
    digest = hashlib.sha1("\x1f".join(titles).encode("utf-8", "surrogatepass")).hexdigest()[:8]
    n = taken[digest] = taken.get(digest, 0) + 1
    return f"s{digest}" if n == 1 else f"s{digest}x{n}"


def split_sections(document: Document) -> list[Section]:
    """Split a document into its sections, in order.

    Args:
        document: a decoded, repaired :class:`Document`.
    Returns:
        the sections; an empty document has none. Never raises for odd layouts: text whose
        structure is not recognised becomes one section per numbered part, or one in all.
    """
    doc_title = document_title(document)
    if document.kind == "headed":
        drafts = _markdown_drafts(document, doc_title)
    else:
        drafts = _text_drafts(document, doc_title)
    drafts = _bounded(drafts, document.text)
    sections = []
    keys: dict[str, int] = {}
    for ordinal, d in enumerate(drafts):
        crumbs = tuple(c for c in (doc_title, d.article_title if not d.own else "", *d.between,
                                   d.title) if c)
        if d.title == doc_title and not d.article_title:
            crumbs = (doc_title,)
        titles = (d.article_title, *d.between, d.title)
        sections.append(
            Section(
                section_id=f"{document.doc_id}-{section_key(titles, keys)}",
                doc_id=document.doc_id,
                ordinal=ordinal,
                doc_title=doc_title,
                article_title=d.article_title,
                author=d.author,
                title=d.title,
                breadcrumb=crumbs,
                text=document.text[d.start : d.end],
                start_char=d.start,
                end_char=d.end,
                between=d.between,
            )
        )
    return sections
