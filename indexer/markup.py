"""Light markup → plain text: what the reader sees and the index matches.

PDF-extracted text wraps titles in ``**…**``; Markdown marks headings with ``#`` and may hold
HTML comments (``<!-- … -->``, which no Markdown reader displays). None of these is content, so
they are removed before sections are found and indexed; Markdown headings are remembered
(:class:`Heading`) so that sections can still start at them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_EMPHASIS = re.compile(r"\*\*((?:(?!\n\n)[^*])+?)\*\*")
_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^(```|~~~)")


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
    """Remove ``<!-- … -->`` (possibly over several lines) outside code fences, as CommonMark
    ends such an HTML block at ``-->`` (an unclosed one runs to the end). Lines keep their
    place, so paragraphs stay apart."""
    out: list[str] = []
    fenced = in_comment = False
    for line in text.split("\n"):
        if not in_comment and _FENCE.match(line.strip()):
            fenced = not fenced
        if fenced:
            out.append(line)
            continue
        kept, i = [], 0
        while i < len(line):
            if in_comment:
                j = line.find("-->", i)
                if j < 0:
                    break
                in_comment, i = False, j + 3
            else:
                j = line.find("<!--", i)
                if j < 0:
                    kept.append(line[i:])
                    break
                kept.append(line[i:j])
                in_comment, i = True, j + 4
        out.append("".join(kept))
    return "\n".join(out)


def markdown_headings(text: str) -> tuple[str, tuple[Heading, ...]]:
    """Replace each ATX heading line (``## 标题 ##``) by its bare text, outside code fences.

    Returns:
        ``(plain, headings)``: the text with the markers removed, and where each heading now is
        (code-point offsets into ``plain``).
    """
    out: list[str] = []
    headings: list[Heading] = []
    pos, fenced = 0, False
    for line in text.split("\n"):
        if _FENCE.match(line.strip()):
            fenced = not fenced
        m = None if fenced else _HEADING.match(line)
        if m:
            line = m.group(2).strip()
            headings.append(Heading(pos, pos + len(line), len(m.group(1))))
        out.append(line)
        pos += len(line) + 1
    return "\n".join(out), tuple(headings)
