"""Repair text damaged by PDF extraction: paragraphs split at page breaks.

In the seed, a page break left a blank line in the middle of a sentence and even of a word
(``“两`` ⏎⏎ ``个确立”``, ``硬`` ⏎⏎ ``仗``). :func:`repair` joins such pieces back together.

The rule, for two consecutive paragraphs P and Q (blank-line separated):

* P does not end with terminal punctuation (closing quotes and brackets are looked through);
* P is body text: a numbered heading (``一、…``) or a last line at least :data:`BODY_MIN_CHARS` long, so
  titles, bylines and signatures (short, unpunctuated) are never glued to what follows;
* Q is body text that ends a sentence (or is long enough to be a whole page of one), and does
  not start a new numbered section, a signature (``——``), a closing line (``责任编辑``) or a
  Markdown block (heading, list, quote, fence, table).

Joined pieces meet without a space between CJK characters, and with one space between two
Latin letters or digits. Everything here is a pure function of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

BODY_MIN_CHARS = 40
"""A paragraph at least this long (characters) is body text, not a title or byline."""

TERMINAL = "。！？!?；;…："
CLOSERS = "”’」』）)》〉】]\"'*"

SECTION_NUMBER = re.compile(r"^[一二三四五六七八九十百]+、")
CLOSING_LINE = re.compile(r"^(责任编辑|责编|编辑|校对|审校)[\s：:]")
MARKDOWN_BLOCK = re.compile(r"^(#{1,6}\s|[-*+]\s|\d+[.)]\s|>|```|~~~|\||\*\*)")


@dataclass(frozen=True)
class Join:
    """One repair: ``before`` ended a paragraph and ``after`` began the next; they now meet."""

    before: str
    after: str


def split_paragraphs(text: str) -> list[str]:
    """Split text at blank lines; strip each paragraph; drop empty ones."""
    return [p.strip() for p in re.split(r"\n[ \t\u3000]*\n", text) if p.strip()]


def ends_sentence(paragraph: str) -> bool:
    """True when the paragraph's last character (looking through closers) is terminal."""
    stripped = paragraph.rstrip(CLOSERS + " \t")
    return bool(stripped) and stripped[-1] in TERMINAL


def _starts_block(paragraph: str) -> bool:
    return bool(
        SECTION_NUMBER.match(paragraph)
        or CLOSING_LINE.match(paragraph)
        or MARKDOWN_BLOCK.match(paragraph)
        or paragraph.startswith("——")
    )


def _is_body(paragraph: str) -> bool:
    if MARKDOWN_BLOCK.match(paragraph) or paragraph.startswith("——"):
        return False
    # The last line decides: a title block followed by a byline ends on a short name line.
    last_line = paragraph.splitlines()[-1].strip()
    return bool(SECTION_NUMBER.match(paragraph)) or len(last_line) >= BODY_MIN_CHARS


def continues(p: str, q: str) -> bool:
    """Whether paragraph ``q`` continues paragraph ``p`` across a page break (rule above)."""
    if ends_sentence(p) or not _is_body(p) or _starts_block(q):
        return False
    return ends_sentence(q) or len(q) >= BODY_MIN_CHARS


def _glue(p: str, q: str) -> str:
    narrow = p[-1].isascii() and p[-1].isalnum() and q[0].isascii() and q[0].isalnum()
    return p + (" " if narrow else "") + q


def repair_paragraphs(paragraphs: list[str]) -> tuple[list[str], list[Join]]:
    """Join paragraphs split at page breaks.

    Args:
        paragraphs: stripped, non-empty paragraphs in order.
    Returns:
        ``(repaired, joins)``: the new paragraph list and each join made, in order.
    """
    out: list[str] = []
    joins: list[Join] = []
    for q in paragraphs:
        if out and continues(out[-1], q):
            joins.append(Join(out[-1][-12:], q[:12]))
            out[-1] = _glue(out[-1], q)
        else:
            out.append(q)
    return out, joins


def repair(text: str) -> str:
    """Return ``text`` with page-break splits joined and paragraphs separated by one blank line."""
    return "\n\n".join(repair_paragraphs(split_paragraphs(text))[0])
