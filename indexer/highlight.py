"""Highlighting: find every match in a section text, cut fragments, render HTML snippets.

Matches are found the same way the contract defines them: each needle (a clause's normalized
text) is searched for as a substring of the normalized section text, every occurrence,
overlaps included, and mapped back to ``str`` offsets of the original text through
:class:`indexer.normalize.NormalizedText`. So the highlighter marks exactly what the index
matched, on the document's own characters. Everything outside ``<mark>`` is HTML-escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from .normalize import normalize

FRAGMENT_CHARS = 100
"""Target length of one fragment (characters); fragments grow to include whole matches."""
CONTEXT_BEFORE = 30
"""Characters of context kept before the first match of a fragment."""
MAX_FRAGMENTS = 2
ELLIPSIS = "…"


@dataclass(frozen=True)
class Match:
    """One occurrence of needle number ``needle`` at ``text[start_char:end_char]``."""

    start_char: int
    end_char: int
    needle: int


@dataclass(frozen=True)
class Fragment:
    """A span ``text[start_char:end_char]`` and its HTML with the matches inside it marked."""

    start_char: int
    end_char: int
    html: str


@dataclass(frozen=True)
class Snippet:
    """The rendered excerpt of a hit.

    Attributes:
        fragments: 1 to :data:`MAX_FRAGMENTS` fragments, in text order.
        html: the fragments joined, with ``…`` where text was cut.
        match_count: all matches in the section; ``shown`` of them lie in the fragments.
    """

    fragments: tuple[Fragment, ...]
    html: str
    match_count: int
    shown: int


def find_matches(text: str, needles: list[str]) -> list[Match]:
    """Every occurrence of every normalized needle in ``text``, sorted by position.

    Args:
        text: original (not normalized) text.
        needles: normalized strings (see :func:`indexer.normalize.normalized`); empty ones are
            ignored.
    Returns:
        matches with code-point offsets into ``text``.
    """
    norm = normalize(text)
    found: list[Match] = []
    for k, needle in enumerate(needles):
        if not needle:
            continue
        i = norm.text.find(needle)
        while i != -1:
            a, b = norm.span(i, i + len(needle))
            found.append(Match(a, b, k))
            i = norm.text.find(needle, i + 1)
    found.sort(key=lambda m: (m.start_char, -m.end_char))
    return found


def merge_spans(matches: list[Match]) -> list[tuple[int, int]]:
    """Union of the matches' spans: sorted, non-overlapping ``(start_char, end_char)``."""
    spans: list[tuple[int, int]] = []
    for m in sorted(matches, key=lambda m: m.start_char):
        if spans and m.start_char <= spans[-1][1]:
            spans[-1] = (spans[-1][0], max(spans[-1][1], m.end_char))
        else:
            spans.append((m.start_char, m.end_char))
    return spans


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """HTML of ``text[start:end]`` with each span (absolute offsets, merged) in ``<mark>``."""
    end = len(text) if end is None else end
    out, pos = [], start
    for a, b in spans:
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        out.append(escape(text[pos:a]))
        out.append("<mark>" + escape(text[a:b]) + "</mark>")
        pos = b
    out.append(escape(text[pos:end]))
    return "".join(out)


def _window(text: str, spans: list[tuple[int, int]], anchor: int) -> tuple[int, int]:
    """A window of about FRAGMENT_CHARS around span ``anchor``, grown to whole matches."""
    start = max(0, spans[anchor][0] - CONTEXT_BEFORE)
    end = min(len(text), start + FRAGMENT_CHARS)
    if end - start < FRAGMENT_CHARS:
        start = max(0, end - FRAGMENT_CHARS)
    for a, b in spans:  # never cut a match in two
        if a < start < b:
            start = a
        if a < end < b:
            end = b
    return start, end


def _needles_in(matches: list[Match], start: int, end: int) -> set[int]:
    return {m.needle for m in matches if start <= m.start_char and m.end_char <= end}


def make_snippet(text: str, needles: list[str]) -> Snippet:
    """Cut one or two fragments of about :data:`FRAGMENT_CHARS` characters that show the most
    distinct needles (then the most matches), with every match inside them marked.

    Args:
        text: the section text.
        needles: normalized clause texts.
    Returns:
        a :class:`Snippet`; for a text without matches, its opening fragment unmarked.
    """
    matches = find_matches(text, needles)
    spans = merge_spans(matches)
    if not spans:
        end = min(len(text), FRAGMENT_CHARS)
        frag = Fragment(0, end, mark(text, [], 0, end))
        return Snippet((frag,), frag.html + (ELLIPSIS if end < len(text) else ""), 0, 0)

    def score(window):
        a, b = window
        inside = sum(1 for s, e in spans if a <= s and e <= b)
        return (len(_needles_in(matches, a, b)), inside, -a)

    windows = [_window(text, spans, k) for k in range(len(spans))]
    chosen = [max(windows, key=score)]
    covered = _needles_in(matches, *chosen[0])
    rest = [w for w in windows if w[1] <= chosen[0][0] or w[0] >= chosen[0][1]]
    if rest and len(chosen) < MAX_FRAGMENTS:
        best = max(rest, key=lambda w: (len(_needles_in(matches, *w) - covered), score(w)))
        chosen.append(best)
    chosen.sort()

    fragments, html, shown = [], [], 0
    for a, b in chosen:
        fragments.append(Fragment(a, b, mark(text, spans, a, b)))
        shown += sum(1 for m in matches if a <= m.start_char and m.end_char <= b)
    prev_end = 0
    for frag in fragments:
        if frag.start_char > prev_end or (frag.start_char > 0 and not html):
            html.append(ELLIPSIS)
        html.append(frag.html)
        prev_end = frag.end_char
    if prev_end < len(text):
        html.append(ELLIPSIS)
    return Snippet(tuple(fragments), "".join(html), len(matches), shown)
