"""Ground truth, independent of the index: plain substring search over the section texts.

Both sides use the one documented normalization (:func:`indexer.normalize.normalized`); the
sections come from the document parser, never from the index under test.
"""

from __future__ import annotations

import re

from pathlib import Path

from indexer.documents import read_document
from indexer.normalize import normalized, spelling_variants
from indexer.sections import Section, split_sections
from indexer.sources import DocumentError, scan


def load_sections(folder: Path) -> list[Section]:
    """Every section of every readable document under ``folder``."""
    sections: list[Section] = []
    for source in scan(folder).files:
        try:
            sections.extend(split_sections(read_document(source)))
        except DocumentError:
            continue
    return sections


def _spellings(term: str) -> tuple[str, ...]:
    """The normalized term and its spelling variants: the documented reading of a clause
    (:func:`indexer.normalize.spelling_variants`, 了解 and 瞭解)."""
    return (normalized(term), *spelling_variants(term))


def quoted(sections: list[Section], phrase: str) -> set[str]:
    """Sections whose normalized text contains the normalized phrase (or a spelling variant)."""
    needles = _spellings(phrase)
    return {s.section_id for s in sections if any(n in normalized(s.text) for n in needles)}


def unquoted(sections: list[Section], query: str) -> set[str]:
    """Sections containing every white-space-separated term (normalized, or a spelling
    variant of it) as a substring."""
    terms = [_spellings(t) for t in query.split() if normalized(t)]
    return {s.section_id for s in sections
            if all(any(n in normalized(s.text) for n in alts) for alts in terms)}


def match_spans(text: str, needles: tuple[str, ...] | list[str]) -> set[tuple[int, int]]:
    """``(start, end)`` character offsets in ``text`` of each shortest span that normalizes to
    one of ``needles`` (normalized query strings), found by trying every start and end: slow,
    but it shares nothing with the highlighter's offset mapping. Spans neither start nor end
    with white space (which normalization drops beside Han text)."""
    spans = set()
    for i in range(len(text)):
        if text[i].isspace():
            continue
        for needle in needles:
            for j in range(i + 1, min(len(text), i + 3 * len(needle) + 4) + 1):
                if text[j - 1].isspace():
                    continue
                got = normalized(text[i:j])
                if got == needle:
                    spans.add((i, j))
                    break
                if not needle.startswith(got[:1]):
                    break
    return spans


TECHNICAL_NAMES = ("UTF-8", "UTF-16", "NUL", "PDF", ".docx", ".pdf", "'.[docx]'", "'.[pdf]'",
                   "docx", "pdf", "pip install -e", "U+")
"""Names a Chinese sentence keeps as they are."""


def english_left(text: str, *allowed: str) -> list[str]:
    """The words of Latin letters in ``text`` besides ``allowed`` values and
    :data:`TECHNICAL_NAMES` (a sentence said in Chinese has none)."""
    for word in sorted((*allowed, *TECHNICAL_NAMES), key=len, reverse=True):
        text = text.replace(word, "")
    return re.findall("[A-Za-z]+", text)
