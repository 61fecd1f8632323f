"""Light markup → plain text: what the reader sees and the index matches.

PDF-extracted text wraps titles in ``**…**``; Markdown marks headings with ``#``, links with
``[text](address)``, emphasis with ``*``/``_``, tables with ``|``, escapes with ``\\``, and may
hold HTML comments (``<!-- … -->``, which no Markdown reader displays), inline tags and
entities (``<span>``, ``&amp;``). None of these is content, so they are removed (or read as the
character they stand for) before sections are found and indexed (a link keeps its text, a
table row its cells); Markdown headings are remembered (:class:`Heading`) so that sections can
still start at them. The inline rules follow CommonMark (https://spec.commonmark.org/).

These few constructs are read here, line by line, rather than by a Markdown library: the
headings' offsets and the paragraphs' line breaks must stay as the rest of the pipeline (page
break repair, sections) expects them, and a library renders to HTML, which would be read back.
"""

from __future__ import annotations

import html
import html.entities
import re
import unicodedata
from dataclasses import dataclass

from .repair import fence_step, indented_code

_EMPHASIS = re.compile(r"\*\*((?:(?!\n\n)[^*])+?)\*\*")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")


@dataclass(frozen=True)
class Heading:
    """A Markdown heading: its text is ``plain[start_char:end_char]``, ``level`` 1–6."""

    start_char: int
    end_char: int
    level: int


def strip_emphasis(text: str) -> str:
    """Remove ``**`` around text (within one paragraph); unpaired ``**`` stay as written."""
    return _EMPHASIS.sub(r"\1", text)


def strip_html_comments(text: str) -> str:
    """Remove ``<!-- … -->`` (possibly over several lines) outside code, as CommonMark reads
    them: a line that opens with ``<!--`` starts an HTML block that ends at ``-->`` (an
    unclosed one runs to the end); inside a line a comment is one only when its ``-->``
    follows within the paragraph, and a ``<!--`` in a code span or in indented code is text
    (breaker: each such unclosed ``<!--`` took the rest of the document, headings and all).
    A line left blank parts the paragraphs around it, as the block does, but the blank lines
    around a comment of its own are one paragraph break: cctv-news'
    ``<!--repaste.body.begin-->`` lines left an empty paragraph, a tall gap in the document
    view (new-user trial)."""
    lines = text.split("\n")
    out: list[str] = []
    blank_run: list[tuple[str, bool]] = []  # blank lines just read; whether each held a comment
    fence, in_comment = None, False
    code = False  # in indented code
    listed = False  # whether the last line with text read is in a list item

    def end_blank_run() -> None:
        out.extend([""] if any(c for _, c in blank_run) else [b for b, _ in blank_run])
        blank_run.clear()

    def closes_in_paragraph(k: int, i: int) -> bool:
        """Whether ``-->`` follows position ``i`` of line ``k`` before the paragraph ends, at
        a blank line, a heading or a fence (breaker: a heading under the line, with no blank
        line between, and its item were taken into the comment)."""
        if "-->" in lines[k][i:]:
            return True
        for line in lines[k + 1:]:
            if not line.strip() or _HEADING.match(line) or fence_step(None, line)[1]:
                return False
            if "-->" in line:
                return True
        return False

    for k, line in enumerate(lines):
        at_fence = False
        if not in_comment:
            fence, at_fence = fence_step(fence, line)
        if not line.strip():
            code = False
        elif not in_comment and (k == 0 or not lines[k - 1].strip()):
            # indented code starts after a blank line, unless it continues a list item
            # (breaker: a comment there was shown as text)
            code = line.startswith(("    ", "\t")) and not listed \
                or line.startswith(("        ", "\t\t"))  # code in a list item
        if line.strip():
            listed = bool(_LIST_ITEM.match(line)) or line.startswith(("  ", "\t")) and listed
        if fence is not None or at_fence or code:
            end_blank_run()
            out.append(line)
            continue
        spans = [m.span() for m in _CODE_SPAN.finditer(line)] if "`" in line else []
        had_comment = in_comment
        kept, i = [], 0
        while i < len(line):
            if in_comment:
                j = line.find("-->", i)
                if j < 0:
                    break
                in_comment, i = False, j + 3
                continue
            j = line.find("<!--", i)
            while j >= 0 and (any(a <= j < b for a, b in spans) or (
                    line[:j].strip() or j > 3) and not closes_in_paragraph(k, j + 4)):
                j = line.find("<!--", j + 4)  # text: in a code span, or never closed
            if j < 0:
                kept.append(line[i:])
                break
            kept.append(line[i:j])
            in_comment, had_comment, i = True, True, j + 4
        line = "".join(kept)
        if line.strip():
            end_blank_run()
            out.append(line)
        else:
            blank_run.append((line, had_comment))
    end_blank_run()
    return "\n".join(out)


_LIST_ITEM = re.compile(r"^ {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)(?! {0,3}(?:[-*_][ \t]*){2,}$)")
"""A Markdown list item's first line (a thematic break, ``* * *``, is none: breaker)."""
_LINK = re.compile(r"(?<!\\)!?\[([^\[\]\n]*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)")
"""An inline link or image, ``[text](address "title")`` / ``![alt](address)``: its text is
group 1 (an address may hold one level of parentheses, as CommonMark allows; an escaped
bracket opens no link)."""
_REFERENCE = re.compile(r"(?<!\\)!?\[([^\[\]\n]+)\]\[([^\[\]\n]*)\]")
"""A reference-style link, ``[text][ref]`` or ``[text][]``: its text is group 1, its label
group 2 (or the text). Only a label the document defines makes a link: ``[甲方][乙方]`` and
``a[i][j]`` are text (breaker: read as links, 乙方 and j were lost)."""
_DEFINITION = re.compile(r"^ {0,3}\[(?!\^)([^\[\]\n]+)\]:\s*<?[!-~]+>?(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'|\([^()\n]*\)))?\s*$")
"""A link reference definition line (``[ref]: https://… "title"``), shown by no reader: an
address of printable ASCII (a footnote ``[^1]: …`` or ``[注1]: 本条款…`` is text: breaker);
the label is group 1."""
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^\s<>]+|mailto:[^\s<>]+)>")
_CODE_SPAN = re.compile(r"(?<![\\`])(`+)(?!`).*?(?<!`)\1(?!`)")
_TABLE_DELIMITER = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")


def _cells(row: str) -> list[str]:
    """A table row's cells (``| 来信 | 200 |`` → ``["来信", "200"]``), an escaped bar read as
    a bar."""
    row = row.strip()
    row = row[1:] if row.startswith("|") else row
    row = row[:-1] if row.endswith("|") and not row.endswith("\\|") else row
    return [cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", row)]


def _label(text: str) -> str:
    """A link label as CommonMark matches them: case-folded, white space collapsed."""
    return " ".join(text.split()).casefold()


def _outside_code(line: str, change) -> str:
    """``line`` with ``change(str) -> str`` applied to its text outside code spans, and each
    code span as a reader shows it: its content as written, without the backticks (and
    without the one space CommonMark strips from each end when both have one):
    ``对接`惠企通`平台`` reads ``对接惠企通平台`` (new-user trial)."""
    if "`" not in line:
        return change(line)
    out, at = [], 0
    for span in _CODE_SPAN.finditer(line):
        out.append(change(line[at:span.start()]))
        code = span.group(0)[len(span.group(1)):-len(span.group(1))]
        if code.startswith(" ") and code.endswith(" ") and code.strip():
            code = code[1:-1]
        out.append(code)
        at = span.end()
    out.append(change(line[at:]))
    return "".join(out)


def _links_as_text(line: str, labels: set[str], notes: frozenset[str]) -> str:
    """``line`` with its links and images as their text, outside code spans (reference
    links whose label is in ``labels``); a link around an image (a badge,
    ``[![构建](b.svg)](https://ci…)``) as the image's text."""
    return _outside_code(line, lambda text: _unlinked(text, labels, notes))


_ESCAPE = re.compile(r"\\([!-\"$-/:-@\[-`{-~])")
"""A CommonMark backslash escape: a backslash before ASCII punctuation shows that character
(group 1): ``\\[注\\]`` → ``[注]``, ``1\\. 总则`` → ``1. 总则``, as converters such as pandoc
and turndown write them; before anything else a backslash is itself. All but ``\\#``, read
by :func:`markdown_headings` once headings are found (``\\# 标题`` is text, not a heading)."""


_INLINE_TAG = re.compile(
    r"(?<!\\)</[A-Za-z][A-Za-z0-9-]*\s*>"
    r"|(?<!\\)<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][\w.:-]*(?:\s*=\s*(?:[^\s\"'=<>`]+|'[^']*'|\"[^\"]*\"))?)*\s*/?>")
"""CommonMark's raw inline HTML, an open or closing tag (``<span class="x">``, ``</b>``,
``<br/>``): shown by no reader, so removed; ``<中华人民共和国…>`` is no tag (a tag's name is
ASCII)."""
_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_ENTITY = re.compile(r"(?<!\\)&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
"""An HTML entity or numeric character reference, which CommonMark reads as its character
(``&amp;`` → ``&``, ``&nbsp;`` → U+00A0); see :func:`_entity`."""


def _entity(m: re.Match) -> str:
    """The character an :data:`_ENTITY` match stands for, when it is a numeric reference or
    a name HTML5 defines with its ``;`` (``&copy2021;`` and ``&notice;`` are text, where
    ``html.unescape`` reads a known name's prefix: breaker); a line or paragraph separator is
    a space (``&#10;`` must not start a line, which could be a heading:
    breaker)."""
    ref = m.group(0)
    if ref[1] != "#" and ref[1:] not in html.entities.html5:
        return ref
    ch = html.unescape(ref)
    return " " if ch in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029" else ch


_EMPHASIS_RUN = re.compile(r"(?<![*\\])(\*)(?!\*)([^*\n]+?)\*(?!\*)"
                           r"|(?<![_\\])(__?)(?!_)([^_\n]+?)(?<!_)\3(?!_)")
"""A candidate ``*强调*``, ``_强调_`` or ``__强调__`` (what is left of ``***强调***`` once ``**``
went): the text between holds no delimiter of its kind, so each line is scanned once. Whether
it is emphasis is for :func:`_emphasis` to say."""


def _punctuation(ch: str) -> bool:
    """CommonMark's Unicode punctuation character: category P or S (``（``, ``：``, ``+``)."""
    return unicodedata.category(ch)[0] in "PS"


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    """``(left, right)``: whether a delimiter run between ``before`` and ``after`` (a
    character, or "" at the line's edge) is left- and right-flanking, as CommonMark defines
    them (https://spec.commonmark.org/0.31.2/#left-flanking-delimiter-run)."""
    space_before, space_after = not before or before.isspace(), not after or after.isspace()
    left = not space_after and (not _punctuation(after) or space_before or _punctuation(before))
    right = not space_before and (not _punctuation(before) or space_after or _punctuation(after))
    return left, right


def _emphasis(m: re.Match) -> str:
    """The emphasised text of an :data:`_EMPHASIS_RUN` match whose delimiters CommonMark lets
    open and close it, else the match as written: ``注*：本表数据*，`` and ``a*(b+c)*d`` are no
    emphasis (a ``*`` against punctuation must have space or punctuation on its other side:
    breaker), nor is ``snake_case_name`` (a ``_`` inside a word opens nothing)."""
    text, start, end = m.string, m.start(), m.end()
    delimiter, inner = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
    n = len(delimiter)
    if inner.endswith("\\"):  # the closing delimiter is escaped
        return m.group(0)
    open_left, open_right = _flanking(text[start - 1:start], text[start + n:start + n + 1])
    close_left, close_right = _flanking(text[end - n - 1:end - n], text[end:end + 1])
    if delimiter[0] == "*":
        ok = open_left and close_right
    else:
        ok = open_left and (not open_right or _punctuation(text[start - 1:start] or " ")) \
            and close_right and (not close_left or _punctuation(text[end:end + 1] or " "))
    return inner if ok else m.group(0)


_MARKUP_CHARS = re.compile(r"[\[<*_&\\]")
"""What every construct :func:`_unlinked` reads starts with."""


def _unlinked(text: str, labels: set[str], notes: frozenset[str]) -> str:
    """``text`` (no code span in it) as a reader shows it: links and images as their text,
    inline HTML tags removed (``<br>`` a space), entities as their characters and emphasis
    markers removed."""
    if not _MARKUP_CHARS.search(text):  # most lines: none of the passes below changes them
        return text

    def reference(m: re.Match) -> str:
        return m.group(1) if _label(m.group(2) or m.group(1)) in labels else m.group(0)

    text = _WIKI_LINK.sub(lambda m: m.group(2) or m.group(1), text)
    if notes:
        text = _FOOTNOTE_REFERENCE.sub(lambda m: "" if m.group(1) in notes else m.group(0), text)
    for _ in range(3):  # a badge is a link around an image: inside first
        plain = _LINK.sub(r"\1", text)
        plain = _REFERENCE.sub(reference, plain) if labels else plain
        if plain == text:
            break
        text = plain
    out, at = [], 0
    for link in _AUTOLINK.finditer(text):  # an autolink's address is shown as written
        out.append(_inline(text[at:link.start()]))
        out.append(link.group(1))
        at = link.end()
    out.append(_inline(text[at:]))
    return "".join(out)


def _inline(text: str) -> str:
    """``text`` with inline tags, emphasis markers, entities and escapes read (see
    :func:`_unlinked`)."""
    text = _INLINE_TAG.sub("", _BREAK_TAG.sub(" ", text))
    return _ESCAPE.sub(r"\1", _ENTITY.sub(_entity, _EMPHASIS_RUN.sub(_emphasis, text)))


_WIKI_LINK = re.compile(r"\[\[([^\[\]|\n]+)(?:\|([^\[\]\n]+))?\]\]")
"""A wiki link (Obsidian, and other note tools), ``[[页面]]`` or ``[[页面|显示的字]]``: shown as
its text (new-user trial: the brackets were indexed)."""
_FOOTNOTE_REFERENCE = re.compile(r"(?<!\\)\[\^([^\]\[\s]+)\](?!:)")
"""A footnote reference, ``政务服务[^1]。``: a reader shows a small number, not text, when the
document defines the note (:data:`_FOOTNOTE_DEFINITION`, read where it stands); otherwise, as
a regular expression's ``[^，。]`` or ``[^注意]``, it is text (breaker). The label holds no
bracket, so a line of ``[^a[^a…`` is read in linear time."""
_FOOTNOTE_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\[\s]+)\]:[ \t]*")
_QUOTE = re.compile(r"^(?: {0,3}> ?)+(?:\[![A-Za-z-]+\][+-]?[ \t]*)?")
"""A block quote's ``>`` markers, and the ``[!note]`` of a callout (Obsidian, GitHub), which
a reader shows as a box, not as text (new-user trial)."""


def _code_lines(lines: list[str]) -> set[int]:
    """Numbers of the lines in blocks of indented code (:func:`indexer.repair.indented_code`,
    blocks being runs of lines between blank ones): shown as written, so read as written."""
    code: set[int] = set()
    start = 0
    for i in range(len(lines) + 1):
        if i == len(lines) or not lines[i].strip():
            if i > start and indented_code("\n".join(lines[start:i])):
                code.update(range(start, i))
            start = i + 1
    return code


def strip_links_and_tables(text: str) -> str:
    """Markdown links and images as their text (``[查看原文](https://…)`` → ``查看原文``,
    reference-style ones too, their definition lines removed, an autolink ``<https://…>`` as
    its address; other inline markup read, code spans as their text, see :func:`_unlinked`;
    indented code and fences as written), and tables as their rows' cells (a row a line,
    cells separated by a space; the ``|---|`` delimiter row removed), outside code fences. A
    table is a row holding ``|`` followed by a delimiter row of as many cells, and the rows
    after it up to a line without ``|`` (GitHub Flavored Markdown's table extension)."""
    lines = text.split("\n")
    labels = {_label(m.group(1)) for m in map(_DEFINITION.match, lines) if m}
    notes = frozenset(m.group(1) for m in map(_FOOTNOTE_DEFINITION.match, lines) if m)
    code = _code_lines(lines)
    out: list[str] = []
    fence, in_table = None, False
    for i, line in enumerate(lines):
        fence, at_fence = fence_step(fence, line)
        if fence is not None or at_fence or i in code:
            out.append(line)
            continue
        if in_table and "|" in line:
            if not _TABLE_DELIMITER.match(line):
                out.append(_row(line, labels, notes))
            continue
        if _DEFINITION.match(line):
            continue
        line = _FOOTNOTE_DEFINITION.sub("", _QUOTE.sub("", line))
        following = lines[i + 1] if i + 1 < len(lines) else ""
        in_table = "|" in line and bool(_TABLE_DELIMITER.match(following)) \
            and len(_cells(line)) == len(_cells(following))
        read = _row(line, labels, notes) if in_table else _links_as_text(line, labels, notes)
        if _HEADING.match(read) and not _HEADING.match(line):
            read = "\\" + read  # a code span's or an escape's "#": text, not a heading (breaker)
        out.append(read)
    return "\n".join(out)


def _row(line: str, labels: set[str], notes: frozenset[str]) -> str:
    """A table row as its cells' text, separated by spaces: split first (GFM splits at every
    unescaped ``|``, in a link's text too), then each cell read as a line is."""
    return " ".join(c for c in (_links_as_text(cell, labels, notes) for cell in _cells(line)) if c)


_LITERAL = "\0"
"""Marks a line that :func:`markdown_headings` reads as text (:func:`literal_line`): a NUL,
which no decoded file holds (a text with one is refused), and which it removes."""


def literal_line(line: str) -> str:
    """``line``, a line of text of a format without Markdown (HTML, DOCX), marked where it
    would read as a Markdown heading (``# 注意``), so that :func:`markdown_headings` reads it
    as the text it is (breaker: a paragraph ``# 这不是标题`` became an article, and the page's
    real headings were put under it). Not with a backslash, which the text may hold
    itself before a ``#`` (``C:\\#temp``: breaker)."""
    return _LITERAL + line if _HEADING.match(line) else line


def markdown_headings(text: str, escapes: bool = False,
                      fences: bool = True) -> tuple[str, tuple[Heading, ...]]:
    """Replace each ATX heading line (``## 标题 ##``) by its bare text, outside code fences.

    Args:
        text: lines, headings ``#``-marked.
        escapes: also read Markdown's escaped ``\\#`` (the other escapes are read by
            :func:`strip_links_and_tables`) outside code fences, after the heading is
            recognised: ``\\# 标题`` is text, not a heading, as CommonMark reads it. Only for
            Markdown files: elsewhere a backslash is text. A line :func:`literal_line` marked
            is text in any case.
        fences: read code fences (Markdown's): in HTML and DOCX a paragraph of three
            backticks is text, and took every heading after it (breaker).
    Returns:
        ``(plain, headings)``: the text with the markers removed, and where each heading now is
        (code-point offsets into ``plain``).
    """
    out: list[str] = []
    headings: list[Heading] = []
    pos, fence = 0, None
    lines = text.split("\n")
    code = _code_lines(lines) if escapes and "\\#" in text else set()
    for i, line in enumerate(lines):
        if fences:
            fence, at_fence = fence_step(fence, line)
        fenced = fences and (fence is not None or at_fence)
        literal = line.startswith(_LITERAL)
        if literal:
            line = line[len(_LITERAL):]
        m = None if fenced or literal else _HEADING.match(line)
        if m:
            line = m.group(2).strip()
        if escapes and not fenced and i not in code:
            line = line.replace("\\#", "#")  # see _ESCAPE
        if m:
            headings.append(Heading(pos, pos + len(line), len(m.group(1))))
        out.append(line)
        pos += len(line) + 1
    return "\n".join(out), tuple(headings)
