"""Highlighting: find every match in a section text, cut fragments, render HTML snippets.

Matches are found the same way the contract defines them: each needle (a clause's normalized
text) is searched for as a substring of the normalized section text, every occurrence,
overlaps included, and mapped back to ``str`` offsets of the original text through
:class:`indexer.normalize.NormalizedText`. So the highlighter marks exactly what the index
matched, on the document's own characters. Everything outside ``<mark>`` is HTML-escaped.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from html import escape
from typing import NamedTuple

import numpy as np

from .normalize import NormalizedText, normalize

FRAGMENT_CHARS = 100
"""Target length of one fragment (characters); fragments grow to include whole matches."""
CONTEXT_BEFORE = 30
"""Characters of context kept before the first match of a fragment."""
MAX_FRAGMENT_CHARS = 3 * FRAGMENT_CHARS
"""A fragment grows to whole matches only up to this length (characters): a run of
overlapping matches (``哈哈`` in ten thousand ``哈``) is cut at the edge instead."""
MAX_FRAGMENTS = 2
MAX_ANCHORS = 200
"""Candidate fragment positions tried per section (one per match, in text order)."""
SNIPPET_MATCHES = 2000
"""Matches of each needle a snippet locates, from the start (its ``match_count`` still counts
them all, at C speed): a section holding a needle 100,000 times costs no more than one holding
it a few thousand times."""
ELLIPSIS = "…"
MAP_TOGETHER = 24
"""From this many occurrences of a needle on, they are mapped back to the original text all
at once (:meth:`indexer.normalize.NormalizedText.spans`) rather than one by one."""
CHOOSE_TOGETHER = 64
"""From this many matches on, a snippet's windows are placed and scored with array operations
(:func:`_choose_many`) rather than one by one (:func:`_choose_few`): a section holding a
common character hundreds of times took most of such a query's time, while for fewer
matches the arrays' fixed costs (about 80 µs) are the larger; one by one costs about 1 µs a
window (measured on cn-laws' hits and on random texts of one and two needles)."""


class Match(NamedTuple):
    """One occurrence of needle number ``needle`` at ``text[start_char:end_char]`` (a named
    tuple: a section can hold thousands, and a tuple is several times cheaper to make)."""

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


class Needles(list):
    """A query's needles (normalized strings, in order, no repeats) that know which of them
    are synonyms only: with the group 法院 人民法院, ``法院`` searches for 法院 as typed and for
    人民法院 as its synonym, and each 人民法院 holds a 法院.

    Every occurrence of a word as typed counts (a clause's own text or a spelling of it, of
    any clause: what the query counts without synonyms, ``公安 安厅`` both in 公安厅, ``00``
    twice in ``000``); a synonym adds the places no such occurrence touches, once each: an
    occurrence of a synonym that overlaps an occurrence of a typed word, or of a synonym
    counted before it (by position, the longer first), is not counted, listed or numbered
    (the typed word's mark shows the place). So adding a synonym group never lowers a
    query's count, and a place where a synonym holds the typed word counts once. A plain
    list of needles has no synonyms.

    Attributes:
        synonyms: the numbers of the needles that are synonyms only and can overlap a needle
            (themselves included); the others' occurrences all count.
    """

    def __init__(self, needles=(), synonyms=frozenset()):
        super().__init__(needles)
        self.synonyms = frozenset(synonyms)

    @classmethod
    def of_clauses(cls, clauses) -> "Needles":
        """The needles of clauses given as ``(own forms, synonyms)`` pairs of string
        sequences (a clause's own text and its spelling variants; its synonyms), in order,
        repeats and empty strings left out, with their :attr:`synonyms`."""
        needles: list[str] = []
        typed: set[str] = set()
        synonyms: set[str] = set()
        for own, alternatives in clauses:
            for forms, kind in ((own, typed), (alternatives, synonyms)):
                for f in forms:
                    if f:
                        kind.add(f)
                        if f not in needles:
                            needles.append(f)
        return cls(needles, {k for k, n in enumerate(needles) if n in synonyms - typed
                             and any(_can_overlap(n, other) for other in needles)})


def _can_overlap(a: str, b: str) -> bool:
    """Whether an occurrence of ``a`` and one of ``b`` (another of it when ``a == b``) can
    share a character: one holds the other, or an end of one is the start of the other."""
    if a == b:
        return self_overlapping(a)
    return a in b or b in a or any(a[-k:] == b[:k] or b[-k:] == a[:k]
                                   for k in range(1, min(len(a), len(b))))


def synonyms_may_overlap(needles: list[str]) -> bool:
    """Whether some occurrences of ``needles`` may not count (:class:`Needles`: a synonym's
    where a typed word or another synonym is): the located occurrences of a needle, after
    those are left out, then do not tell whether it had more than a limit let be located."""
    return bool(getattr(needles, "synonyms", None))


def _distinct(needles: list[str]):
    """``(index, needle)`` of each non-empty needle not seen before in ``needles``."""
    return ((k, n) for k, n in enumerate(needles) if n and n not in needles[:k])


FIND_FIRST = 32
"""Occurrences of a needle found one ``str.find`` at a time; past that many, the rest of the
text is compared as an array of code points (:func:`_found_together`): a common character
in a long section (cn-laws' 人, 438 times in 7,807 characters) took 92 µs by ``find``, 18 by
the arrays."""


def _found_together(codes: np.ndarray, needle: str, start: int) -> np.ndarray:
    """Every position from ``start`` on at which ``needle`` occurs in the text whose code
    points are ``codes`` (``uint32``), overlapping ones included, ascending."""
    at = start + np.flatnonzero(codes[start:codes.size - len(needle) + 1] == ord(needle[0]))
    for j in range(1, len(needle)):
        at = at[codes[at + j] == ord(needle[j])]
    return at


def _occurrences(text: str, needles: list[str], limit: int | None) -> list[tuple[int, int, list[int]]]:
    """``(needle number, needle length, [positions])``: each distinct needle's occurrences in
    the normalized ``text``, overlapping ones included, at most ``limit`` each (None: all)."""
    out = []
    codes = None
    for k, needle in _distinct(needles):
        at: list[int] = []
        i = text.find(needle)
        left = -1 if limit is None else limit
        while i != -1 and left:
            if len(at) == FIND_FIRST:  # a common needle: the rest at once
                if codes is None:
                    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
                rest = _found_together(codes, needle, i)
                at.extend((rest if limit is None else rest[:left]).tolist())
                break
            at.append(i)
            i = text.find(needle, i + 1)
            left -= 1
        out.append((k, len(needle), at))
    return _synonym_places(out, needles.synonyms) if synonyms_may_overlap(needles) else out


def _synonym_places(found: list[tuple[int, int, list[int]]], synonyms: frozenset) \
        -> list[tuple[int, int, list[int]]]:
    """:func:`_occurrences`' ``found`` with the occurrences of the needles numbered in
    ``synonyms`` that do not count left out (:class:`Needles`): those overlapping an
    occurrence of another needle, or one of a synonym kept before them."""
    typed = [(np.asarray(at, np.int64), length) for k, length, at in found
             if k not in synonyms and at]
    rows = []
    for k, length, at in found:
        if k in synonyms and at:
            starts = np.asarray(at, np.int64)
            free = np.ones(starts.size, bool)
            for other, size in typed:  # an occurrence of it starting within reach
                i = np.searchsorted(other, starts - size + 1)
                reach = i < other.size
                free[reach] &= other[i[reach]] >= starts[reach] + length
            rows.extend(zip(starts[free].tolist(), [-length] * int(free.sum()),
                            [k] * int(free.sum())))
    rows.sort()  # by position, the longer first, then in the needles' order
    kept: dict[int, list[int]] = {k: [] for k in synonyms}
    far = -1
    for start, negative, k in rows:
        if start >= far:
            kept[k].append(start)
            far = start - negative
    return [(k, length, kept[k] if k in synonyms else at) for k, length, at in found]


def _mapped(norm: NormalizedText, found: list[tuple[int, int, list[int]]]) -> list[Match]:
    """The :func:`_occurrences` ``found`` in ``norm.text`` as matches in the original text,
    sorted by position, then longer first, then in the needles' order."""
    return [m for m, _, _ in _mapped_located(norm, found)]


def _mapped_located(norm: NormalizedText, found: list[tuple[int, int, list[int]]]) \
        -> list[tuple[Match, int, int]]:
    """:func:`_mapped`'s matches, each with its span in ``norm.text``: ``(match, start, end)``."""
    rows: list[tuple[Match, int, int]] = []
    for k, length, at in found:
        if len(at) < MAP_TOGETHER:
            rows.extend((Match(*norm.span(i, i + length), k), i, i + length) for i in at)
        else:
            starts = np.asarray(at, np.int64)
            a, b = norm.spans(starts, starts + length)
            rows.extend(zip(map(Match, a.tolist(), b.tolist(), [k] * len(at)), at,
                            [i + length for i in at]))
    rows.sort(key=lambda r: (r[0].start_char, -r[0].end_char))  # stable: ties in needle order
    return rows


def find_matches_located(text: str, needles: list[str], norm: NormalizedText | None = None) \
        -> list[tuple[Match, int, int]]:
    """:func:`find_matches` (every occurrence, in its order), each match with where it lies in
    the normalized text: ``(match, start, end)``, code points of ``norm.text``. What a
    concordance sorts by: the normalized text around each match, sliced rather than
    normalized anew (that took most of a sorted concordance's time: breaker)."""
    norm = normalize(text) if norm is None else norm
    return _mapped_located(norm, _occurrences(norm.text, needles, None))


def _located(norm: NormalizedText, found: list[tuple[int, int, list[int]]]) \
        -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_mapped` as three ``int64`` arrays: start, end and needle number of each match,
    in the same order."""
    at = np.concatenate([np.asarray(positions, np.int64) for _, _, positions in found])
    lengths = np.concatenate([np.full(len(p), n, np.int64) for _, n, p in found])
    numbers = np.concatenate([np.full(len(p), k, np.int64) for k, _, p in found])
    starts, ends = norm.spans(at, at + lengths)
    order = np.lexsort((-ends, starts))  # stable: ties keep the needles' order, as in _mapped
    return starts[order], ends[order], numbers[order]


def find_matches(text: str, needles: list[str], limit: int | None = None,
                 norm: NormalizedText | None = None) -> list[Match]:
    """Every occurrence of every normalized needle in ``text``, sorted by position (then
    longer first, then in the order of ``needles``).

    Args:
        text: original (not normalized) text.
        needles: normalized strings (see :func:`indexer.normalize.normalized`); empty ones and
            repeats are ignored.
        limit: at most this many occurrences of each needle, the first ones (None: all).
        norm: ``normalize(text)`` when the caller has it (from the index's columns:
            :func:`indexer.postings.section_normalized`); None: computed here.
    Returns:
        matches with code-point offsets into ``text``.
    """
    norm = normalize(text) if norm is None else norm
    return _mapped(norm, _occurrences(norm.text, needles, limit))


def self_overlapping(needle: str) -> bool:
    """Whether two occurrences of ``needle`` can overlap (a proper prefix equals a suffix)."""
    return any(needle[:k] == needle[-k:] for k in range(1, len(needle)))


def count_matches(normalized_text: str, needles: list[str]) -> int:
    """How many matches :func:`find_matches` finds without a limit (each distinct needle's
    occurrences, overlapping ones included), counted in the normalized text: ``str.count``
    when a needle cannot overlap itself, else one ``find`` per occurrence."""
    if synonyms_may_overlap(needles):
        return sum(len(at) for _, _, at in _occurrences(normalized_text, needles, None))
    count = 0
    for _, needle in _distinct(needles):
        if not self_overlapping(needle):
            count += normalized_text.count(needle)
            continue
        i = normalized_text.find(needle)
        while i != -1:
            count += 1
            i = normalized_text.find(needle, i + 1)
    return count


def numbered_spans(matches: list[Match]) -> list[tuple[int, int, int, int]]:
    """The union of ``matches`` (sorted by start, as :func:`find_matches` returns them) as
    ``(start_char, end_char, first, count)``: each span holds matches number ``first`` to
    ``first + count - 1`` (1-based, in the order of ``matches``, which is how the concordance
    numbers a section's occurrences). Overlapping matches share one mark, so the n-th match is
    found through these numbers, not by counting marks."""
    spans: list[list[int]] = []
    for number, m in enumerate(matches, 1):
        if spans and m.start_char < spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], m.end_char)
            spans[-1][3] += 1
        else:
            spans.append([m.start_char, m.end_char, number, 1])
    return [tuple(span) for span in spans]


_SPECIAL = re.compile("[&<>\"']")
"""What :func:`html.escape` (with ``quote=True``) replaces."""


def mark(text: str, spans: list[tuple], start: int = 0, end: int | None = None) -> str:
    """HTML of ``text[start:end]`` with each span (absolute offsets, merged, sorted) in ``<mark>``.

    A span is ``(start_char, end_char)``, or ``(start_char, end_char, first, count)`` from
    :func:`numbered_spans`, whose mark then carries ``data-m="first" data-n="count"``. Only the
    spans that overlap ``[start, end)`` are visited (found by bisection), so marking a short
    fragment of a long text costs no more than the fragment.
    """
    end = len(text) if end is None else end
    out, pos = [], start
    # most fragments hold nothing to escape: spare the call per piece then
    esc = escape if _SPECIAL.search(text, start, end) else str
    first = max(0, bisect_right(spans, (start, start)) - 1)
    for span in spans[first:]:
        a, b = span[0], span[1]
        if a >= end:
            break
        a, b = max(a, start), min(b, end)
        if a >= b:
            continue
        out.append(esc(text[pos:a]))
        tag = "<mark>" if len(span) < 4 else f'<mark data-m="{span[2]}" data-n="{span[3]}">'
        out.append(tag + esc(text[a:b]) + "</mark>")
        pos = b
    out.append(esc(text[pos:end]))
    return "".join(out)


def mark_matches(text: str, needles: list[str]) -> str:
    """HTML of ``text`` (escaped) with every occurrence of the normalized ``needles`` in
    ``<mark>`` (overlapping ones share one): for short texts shown whole, such as a hit's
    title. ``needles`` as :func:`find_matches` takes them (empty: ``text`` escaped)."""
    spans = numbered_spans(find_matches(text, needles)) if needles else []
    return mark(text, [(a, b) for a, b, _, _ in spans])


def _listed(norm: NormalizedText, found: list[tuple[int, int, list[int]]]) \
        -> tuple[list[int], list[int], list[int]]:
    """:func:`_mapped` as three lists (start, end and needle number of each match, in the
    same order), without a :class:`Match` per occurrence: what :func:`_choose_few` reads."""
    if len(found) == 1:  # one needle: its occurrences, and their spans, are in order already
        k, length, at = found[0]
        starts, ends = norm.slices(at, length)
        return starts, ends, [k] * len(at)
    rows = []
    for k, length, at in found:
        starts, ends = norm.slices(at, length)
        rows.extend(zip(starts, [-e for e in ends], [k] * len(at)))
    rows.sort()  # by position, then longer first, then in the needles' order, as _mapped
    return [r[0] for r in rows], [-r[1] for r in rows], [r[2] for r in rows]


def _choose_few(text_len: int, starts: list[int], ends: list[int], numbers: list[int]) \
        -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
    """``(windows, spans, shown)``: the one or two windows :func:`make_snippet` shows (sorted),
    the merged spans of the matches (sorted by position, at least one) and how many matches
    lie inside the windows.

    The matches are three lists in :func:`find_matches`' order (start, end and needle number
    of each). A window of about :data:`FRAGMENT_CHARS` is placed :data:`CONTEXT_BEFORE`
    characters before each merged span (the first :data:`MAX_ANCHORS`), its edges grown to
    whole spans up to :data:`MAX_FRAGMENT_CHARS`. A window's score is how many distinct
    needles start inside it, then how many matches, then the earlier; the second window,
    apart from the first, shows the most needles the first lacks, then scores best. A
    window's needles are a bit set (bit ``k`` for needle number ``k``), each found by
    bisecting its own starts. Plain lists and bisection: for the few dozen matches of most
    sections, each array operation's fixed cost is more than the loop (:func:`_choose_many`
    does the same with arrays for many matches)."""
    span_starts, span_ends = [], []
    far = -1
    for a, b in zip(starts, ends):
        if a < far:  # overlaps the span being merged (adjacent matches stay apart)
            if b > far:
                far = span_ends[-1] = b
        else:
            span_starts.append(a)
            span_ends.append(b)
            far = b
    needles: dict[int, list[int]] = {}  # each needle's match starts, for its bisection
    for a, k in zip(starts, numbers):
        needles.setdefault(k, []).append(a)
    mine = [(1 << k, at, len(at)) for k, at in needles.items()] if len(needles) > 1 else None
    best = None  # (key, start, end, held)
    windows = []
    for s in span_starts[:MAX_ANCHORS]:
        # spans never overlap, so only the span just before an edge can straddle it
        a = s - CONTEXT_BEFORE if s > CONTEXT_BEFORE else 0
        b = a + FRAGMENT_CHARS
        if b > text_len:
            b = text_len
            a = b - FRAGMENT_CHARS if b > FRAGMENT_CHARS else 0
        i = bisect_left(span_starts, a) - 1
        if i >= 0 and a < span_ends[i] and b - span_starts[i] <= MAX_FRAGMENT_CHARS:
            a = span_starts[i]
        j = bisect_left(span_starts, b) - 1
        if j >= 0 and b < span_ends[j] and span_ends[j] - a <= MAX_FRAGMENT_CHARS:
            b = span_ends[j]
        lo = bisect_left(starts, a)
        hi = bisect_left(starts, b, lo)
        if mine is None:
            held = 1 if hi > lo else 0
        else:
            held = 0
            for bit, at, n in mine:
                x = bisect_left(at, a)
                if x < n and at[x] < b:
                    held |= bit
        key = (held.bit_count(), hi - lo, -a)
        windows.append((key, a, b, held))
        if best is None or key > best[0]:  # the first of the best
            best = windows[-1]
    _, first_start, first_end, first_held = best
    chosen = [(first_start, first_end)]
    lacking = ~first_held
    second = None
    for key, a, b, held in windows:
        if b <= first_start or a >= first_end:
            rank = ((held & lacking).bit_count(), key)
            if second is None or rank > second[0]:
                second = (rank, a, b)
    if second is not None and len(chosen) < MAX_FRAGMENTS:
        chosen.append(second[1:])
    chosen.sort()
    shown = 0
    for a, b in chosen:
        lo = bisect_left(starts, a)
        shown += sum(1 for e in ends[lo:bisect_left(starts, b, lo)] if e <= b)
    return chosen, list(zip(span_starts, span_ends)), shown


def _choose_many(text_len: int, starts: np.ndarray, ends: np.ndarray, numbers: np.ndarray) \
        -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
    """:func:`_choose_few` over the matches as arrays (``int64``, in :func:`find_matches`'
    order: start, end and needle number of each), all windows at once; the same choice."""
    # merged spans, as _choose_few's: a match opens one unless it starts before the furthest
    # end so far
    opens = np.ones(starts.size, bool)
    opens[1:] = starts[1:] >= np.maximum.accumulate(ends)[:-1]
    firsts = np.flatnonzero(opens)
    span_starts, span_ends = starts[firsts], np.maximum.reduceat(ends, firsts)
    # the windows, as _choose_few places them
    win_starts = np.maximum(0, span_starts[:MAX_ANCHORS] - CONTEXT_BEFORE)
    win_ends = np.minimum(text_len, win_starts + FRAGMENT_CHARS)
    win_starts = np.where(win_ends - win_starts < FRAGMENT_CHARS,
                          np.maximum(0, win_ends - FRAGMENT_CHARS), win_starts)
    i = np.searchsorted(span_starts, win_starts) - 1
    a, b = span_starts[np.maximum(i, 0)], span_ends[np.maximum(i, 0)]
    win_starts = np.where((i >= 0) & (a < win_starts) & (win_starts < b)
                          & (win_ends - a <= MAX_FRAGMENT_CHARS), a, win_starts)
    j = np.searchsorted(span_starts, win_ends) - 1
    a, b = span_starts[np.maximum(j, 0)], span_ends[np.maximum(j, 0)]
    win_ends = np.where((j >= 0) & (a < win_ends) & (win_ends < b)
                        & (b - win_starts <= MAX_FRAGMENT_CHARS), b, win_ends)
    # their scores, as _choose_few's: the matches starting inside, and which needles they are
    counts = np.searchsorted(starts, win_ends) - np.searchsorted(starts, win_starts)
    # needle numbers are small: bincount, not np.unique, whose first call in a process
    # imports numpy.ma (17-40 ms here, numpy 2.4), which a fresh server's first snippet of
    # many matches paid
    kinds = np.flatnonzero(np.bincount(numbers))
    holds = (counts > 0)[None, :] if kinds.size == 1 else \
        np.stack([np.searchsorted(mine, win_ends) > np.searchsorted(mine, win_starts)
                  for mine in (starts[numbers == k] for k in kinds)])
    distinct = holds.sum(axis=0)
    index = np.arange(win_starts.size)
    best = int(np.lexsort((index, win_starts, -counts, -distinct))[0])  # first of the best
    chosen = [best]
    rest = np.flatnonzero((win_ends <= win_starts[best]) | (win_starts >= win_ends[best]))
    if rest.size and len(chosen) < MAX_FRAGMENTS:
        new = holds[~holds[:, best]].sum(axis=0)[rest]  # needles the first one lacks
        chosen.append(int(rest[np.lexsort((index[rest], win_starts[rest], -counts[rest],
                                           -distinct[rest], -new))[0]]))
    windows = sorted((int(win_starts[w]), int(win_ends[w])) for w in chosen)
    shown = 0
    for a, b in windows:
        lo, hi = np.searchsorted(starts, [a, b])
        shown += int(np.count_nonzero(ends[lo:hi] <= b))
    return windows, list(zip(span_starts.tolist(), span_ends.tolist())), shown


def make_snippet(text: str, needles: list[str], norm: NormalizedText | None = None) -> Snippet:
    """Cut one or two fragments of about :data:`FRAGMENT_CHARS` characters that show the most
    distinct needles (then the most matches), with every match inside them marked.

    At most :data:`MAX_ANCHORS` windows are considered (one per match, from the first), so a
    section with thousands of matches costs no more than one with a few hundred.

    Args:
        text: the section text.
        needles: normalized clause texts.
        norm: ``normalize(text)`` when the caller has it (see :func:`find_matches`).
    Returns:
        a :class:`Snippet`; for a text without matches, its opening fragment unmarked.
    """
    norm = normalize(text) if norm is None else norm
    found = _occurrences(norm.text, needles, SNIPPET_MATCHES)
    total = sum(len(at) for _, _, at in found)
    if not total:
        end = min(len(text), FRAGMENT_CHARS)
        frag = Fragment(0, end, mark(text, [], 0, end))
        return Snippet((frag,), frag.html + (ELLIPSIS if end < len(text) else ""), 0, 0)
    if total < CHOOSE_TOGETHER:
        chosen, spans, shown = _choose_few(len(text), *_listed(norm, found))
    else:
        chosen, spans, shown = _choose_many(len(text), *_located(norm, found))
    # some needle may have more than were located (or fewer kept than it had)
    if total >= SNIPPET_MATCHES or synonyms_may_overlap(needles):
        total = count_matches(norm.text, needles)

    fragments = [Fragment(a, b, mark(text, spans, a, b)) for a, b in chosen]
    html, prev_end = [], 0
    for frag in fragments:
        if frag.start_char > prev_end or (frag.start_char > 0 and not html):
            html.append(ELLIPSIS)
        html.append(frag.html)
        prev_end = frag.end_char
    if prev_end < len(text):
        html.append(ELLIPSIS)
    return Snippet(tuple(fragments), "".join(html), total, shown)
