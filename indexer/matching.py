"""Query evaluation: a parsed query (:mod:`indexer.query`) evaluated segment by segment over
whole posting lists (:mod:`indexer.postings`) into dense arrays — which sections match, and
each one's BM25F score — instead of through Whoosh's matchers, which step through postings
(and, for phrases, position lists) one Python call at a time.

Which sections match (the recall contract: plain substring search over the normalized text):

* a clause of one character: the ``chars`` postings of that character; of two: the ``grams``
  postings of that bigram; of three or more: its occurrences in the segment's suffix array
  (:mod:`indexer.suffixes`), or, for a segment without one, the sections holding every one
  of its bigrams (candidates from the postings) whose normalized text (``norm_text`` column)
  contains it (either way the sections found are kept per segment, deleted ones included,
  and the segment's live mask applied on each use: a segment's texts never change, its
  deletions may). Title clauses use the ``heading_*`` fields and the ``norm_heading``
  column (always the bigram path: headings are short), and every section of a document
  whose title holds the clause (:meth:`SegmentEvaluator.titled`); ``doc:`` clauses the
  ``doc_id`` term; synonyms are alternatives;
* AND intersects, OR unites, NOT takes the complement within the live (undeleted) sections.

How they score: Whoosh's BM25F formula (:func:`whoosh.scoring.bm25`, with idf and average field
length from the whole index as Whoosh's ``BM25FScorer`` takes them), summed over the clauses a
section matches as Whoosh sums ``And``/``Or`` children. A clause of three or more characters
scores as a phrase does in Lucene's ``PhraseQuery``: its frequency is how often it occurs in
the section (overlapping occurrences counted), its idf the sum of its bigrams' idfs. On top
of the matching
score come the optional ranking clauses (as Whoosh's ``AndMaybe``): the query's jieba words in
``body`` and ``heading``, each clause in the headings, the whole query as one string, and
proximity — the clauses of two or more characters found within :data:`PROXIMITY_SLOP`
characters of each other add :data:`PROXIMITY_BOOST` × their own scores. A section that is
only its heading keeps :data:`indexer.schema.BODYLESS_WEIGHT` of its score. Proximity needs the
text, so it is computed only where it can change the top N: sections are visited by their
upper bound (score + the largest possible bonus) until that falls below the N-th best exact
score (the "upper bound, stop early" idea of Turtle & Flood, "Query evaluation: strategies and
optimizations", 1995, and of WAND), which keeps the top N exact.

Ranking ties are broken by document number (indexing order), so pages never overlap.
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from whoosh.scoring import bm25

from . import suffixes
from .codec import SUFFIX_TEXT_COLUMN
from .highlight import count_matches, self_overlapping
from .normalize import normalized
from .postings import (
    bodyless, codes, column_texts, doc_frequency, document_titles, lengths, posting_arrays,
    postings, section_normalized, stored_record,
)
from .query import All, Clause, Node, Not, ParsedQuery
from .segment_cache import (
    LRUCache, kept_on, per_segment, per_segment_file, segment_key, segment_leaves,
)
from .suffixes import SUFFIX_EXT, SuffixIndex
from .schema import (
    B, BODYLESS_WEIGHT, HEADING_BOOST, HEADING_SEPARATOR, K1, PHRASE_BOOST, PROXIMITY_BOOST,
    PROXIMITY_SLOP, SYNONYM_BOOST, WORD_BOOST,
)

SCOPES = {"body": ("chars", "grams", "norm_text"),
          "heading": ("heading_chars", "heading_grams", "norm_heading")}
"""Per scope: the one-character field, the bigram field and the normalized-text column."""
MAX_SPANNED = 4
"""At most this many clauses take part in the proximity bonus."""
COMMON_WORD_SHARE = 0.5
"""A single character held as a word by this share of the sections or more (的, 是) does not
make a partial match on its own (:func:`_telling`)."""
MAX_CONTAINING_BYTES = 16 * 2**20
"""Memory (bytes) of verified substring matches kept (:meth:`SegmentEvaluator._containing`):
12 bytes per matching section, so 16 MB keeps a thousand or more queries' matches on cn-laws."""
_ENTRY_BYTES = 200  # what an entry's key and array header cost besides the ids
_containing_cache = LRUCache()


@dataclass
class Scored:
    """One node evaluated over one segment: ``mask[d]`` says whether segment document ``d``
    matches, ``score[d]`` its score (0 where it does not match). Arrays of the segment's
    document count (``bool`` and ``float64``)."""

    mask: np.ndarray
    score: np.ndarray


@dataclass
class SegmentMatches:
    """The matches of one segment: ``ids`` are segment document numbers (ascending,
    ``int32``), ``offset`` turns them into the searcher's global numbers."""

    reader: object
    offset: int
    ids: np.ndarray


@dataclass
class Ranked:
    """A ranked result.

    Attributes:
        docnums: global document numbers of the best ``limit`` matches, best first.
        scores: their scores, same order.
        total: how many sections matched.
        facet_matches: the matches without the caller's filters, per segment (facets count
            those).
        timed_out: the budget ran out, so later segments were not searched.
        absent: of :func:`rank_partial`'s words of two or more characters, those no section
            contains (a single character absent as a word may still be in the text).
    """

    docnums: list[int]
    scores: list[float]
    total: int
    facet_matches: list[SegmentMatches] = field(default_factory=list)
    timed_out: bool = False
    absent: tuple[str, ...] = ()


class SegmentEvaluator:
    """Evaluates query nodes over one segment.

    Args:
        searcher: the top-level Whoosh searcher (idf and average lengths of the whole index).
        reader: the segment's Whoosh ``SegmentReader``.
    """

    def __init__(self, searcher, reader):
        self.searcher = searcher
        self.reader = reader
        self.n = reader.doc_count_all()
        self.live = np.ones(self.n, bool)
        if reader.has_deletions():
            deleted = getattr(reader, "deleted_docs_set", None)
            deleted = list(deleted) if isinstance(deleted, frozenset) else \
                [d for d in range(self.n) if reader.is_deleted(d)]
            self.live[np.asarray(deleted, np.int64)] = False
        self._memo: dict[tuple, Scored] = {}

    def empty(self) -> Scored:
        """No document matches."""
        return Scored(np.zeros(self.n, bool), np.zeros(self.n))

    def _bm25(self, fieldname: str, idf: float, tf: np.ndarray, ids: np.ndarray) -> np.ndarray:
        avgfl = self.searcher.avg_field_length(fieldname) or 1
        return bm25(idf, tf, lengths(self.reader, fieldname)[ids], avgfl, B, K1)

    def term(self, fieldname: str, text: str, boost: float = 1.0) -> Scored:
        """Documents holding ``fieldname:text``, scored by BM25F × ``boost`` (an unscored
        field such as ``doc_id`` scores 0)."""
        key = ("term", fieldname, text)
        found = self._memo.get(key)
        if found is None:
            p = postings(self.reader, fieldname, text)
            found = self.empty()
            found.mask[p.ids] = True
            found.mask &= self.live
            if p.ids.size and self.searcher.schema[fieldname].scorable:
                found.score[p.ids] = self._bm25(fieldname, idf(self.searcher, fieldname, text),
                                                p.weights, p.ids)
                found.score *= found.mask
            self._memo[key] = found
        return _boosted(found, boost)

    def add_term(self, out: np.ndarray, fieldname: str, text: str, boost: float,
                 where: np.ndarray | None = None) -> None:
        """Add ``fieldname:text``'s BM25F score × ``boost`` to ``out`` (``float64``, one per
        segment document) at every document holding it, deleted ones included; when
        ``where`` (a boolean array over the segment's documents) is given, only at the
        documents it marks, and the others' scores are left out of the arithmetic: an AND of
        two common words matches a few hundred sections, and each of its optional word terms
        was scored at all of its thousands.

        For the optional ranking clauses, whose scores are only ever read at matching (so
        live) documents: unlike :meth:`term` it makes no mask or score array of the
        segment's size for each (the optional clauses' share of a search on the cn-laws mix
        fell from about 18 to 14 %). The sums are the same to the bit (each document gains
        the same product)."""
        p = postings(self.reader, fieldname, text)
        if p.ids.size and self.searcher.schema[fieldname].scorable:
            ids, weights = p.ids, p.weights
            if where is not None:
                kept = where[ids]
                ids, weights = ids[kept], weights[kept]
            out[ids] += self._bm25(fieldname, idf(self.searcher, fieldname, text),
                                   weights, ids) * boost

    def substring(self, scope: str, norm: str, boost: float = 1.0) -> Scored:
        """Documents whose normalized ``scope`` (``"body"`` or ``"heading"``) contains
        ``norm`` (already normalized, non-empty); see the module docstring."""
        chars_field, grams_field, column = SCOPES[scope]
        if len(norm) == 1:
            return self.term(chars_field, norm, boost)
        if len(norm) == 2:
            return self.term(grams_field, norm, boost)
        key = ("substring", scope, norm)
        found = self._memo.get(key)
        if found is None:
            found = self._verified(grams_field, column, norm)
            self._memo[key] = found
        return _boosted(found, boost)

    def _verified(self, grams_field: str, column: str, norm: str) -> Scored:
        grams = sorted({norm[i:i + 2] for i in range(len(norm) - 1)})
        found = self.empty()
        ids, tf = self._containing(grams_field, grams, column, norm)
        live = self.live[ids]
        ids, tf = ids[live], tf[live]
        if ids.size:
            found.mask[ids] = True
            summed = sum(table_idf(self.searcher, grams_field, g) for g in grams)
            found.score[ids] = self._bm25(grams_field, summed, tf, ids)
        return found

    def _containing(self, grams_field: str, grams: list[str], column: str,
                    norm: str) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, tf)``: the segment document numbers (ascending ``int32``, deleted ones
        included) whose ``column`` text contains ``norm``, and how often (``float64``,
        overlapping occurrences counted). From the segment's suffix array for the body
        (:mod:`indexer.suffixes`); otherwise (headings, or a segment without one) the
        sections holding every one of ``grams`` (its bigrams, postings of ``grams_field``),
        each checked with ``in`` and its occurrences counted. Kept per segment
        (:data:`MAX_CONTAINING_BYTES`), since a segment's texts never change: a second page,
        a facet link or the JSON of the same query does not look again."""
        key = (*segment_key(self.reader), column, norm)
        found = _containing_cache.get(key)
        if found is not None:
            return found
        index = suffix_index(self.reader) if column == SUFFIX_TEXT_COLUMN else None
        if index is not None:
            ids, tf = index.containing(norm)
        else:
            ids, tf = self._scanned(grams_field, grams, column, norm)
        return _containing_cache.put(key, (ids, tf), ids.nbytes + tf.nbytes + _ENTRY_BYTES,
                                     MAX_CONTAINING_BYTES)

    def _scanned(self, grams_field: str, grams: list[str], column: str,
                 norm: str) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_containing` without a suffix array: candidates from the bigram postings,
        each text scanned."""
        lists = sorted((postings(self.reader, grams_field, g) for g in grams),
                       key=lambda p: p.ids.size)
        candidates = lists[0].ids
        for p in lists[1:]:
            if not candidates.size:
                break
            candidates = np.intersect1d(candidates, p.ids, assume_unique=True)
        if not candidates.size:
            return candidates, np.zeros(0)
        texts = column_texts(self.reader, column)
        docs = candidates.tolist()
        # overlapping occurrences counted, as a suffix array counts them; a needle that cannot
        # overlap itself is counted by one str.count a text (count_matches' own calls cost
        # ten times that over the 1,800 headings holding 第六章)
        if self_overlapping(norm):
            tf = np.fromiter((count_matches(texts[d], [norm]) for d in docs), np.float64, len(docs))
        else:
            tf = np.fromiter((texts[d].count(norm) for d in docs), np.float64, len(docs))
        holding = tf > 0
        return candidates[holding], tf[holding]

    def clause(self, c: Clause) -> Scored:
        """One query clause with its spelling variants and its synonyms."""
        if c.field == "doc":
            return self.term("doc_id", c.text.strip(), 0.0)
        scope = "heading" if c.field == "title" else "body"
        out = self.substring(scope, c.norm)
        for v in c.variants:
            out = _union([out, self.substring(scope, v)])
        for s in c.synonyms:
            out = _union([out, self.substring(scope, s, SYNONYM_BOOST)])
        if c.field == "title":
            out = _union([out, self.titled((c.norm, *c.variants, *c.synonyms))])
        return out

    def titled(self, forms: tuple[str, ...]) -> Scored:
        """The sections of the documents whose title holds one of ``forms`` (normalized):
        ``title:广东 罚款`` is 罚款 in the laws of 广东 (new-user trial: an analyst comparing
        two provinces' laws found only each law's opening section). Scored 0: the title
        selects the document, and the section's own words rank it."""
        key = ("titled", forms)
        found = self._memo.get(key)
        if found is None:
            titles = document_titles(self.reader)
            holds = np.fromiter((any(f in t for f in forms) for t in titles), bool, len(titles))
            mask = holds[codes(self.reader, "doc_id")[1]] & self.live if holds.any() \
                else np.zeros(self.n, bool)
            found = self._memo[key] = Scored(mask, np.zeros(self.n))
        return found

    def node(self, node: Node) -> Scored:
        """A query tree node: which documents match it and their matching scores."""
        if isinstance(node, Clause):
            return self.clause(node)
        if isinstance(node, Not):
            return Scored(self.live & ~self.node(node.child).mask, np.zeros(self.n))
        parts = [self.node(c) for c in node.children]
        if isinstance(node, All):
            mask = parts[0].mask.copy()
            for p in parts[1:]:
                mask &= p.mask
            return Scored(mask, sum(p.score for p in parts) * mask)
        return _union(parts)

    def texts(self, scope: str) -> list[str]:
        """The segment's normalized texts of ``scope``, by segment document number."""
        return column_texts(self.reader, SCOPES[scope][2])


def idf(searcher, fieldname: str, text: str) -> float:
    """The inverse document frequency of ``fieldname:text`` over the whole index, as Whoosh's
    ``WeightingModel.idf`` gives it (``log(N / (df + 1)) + 1``, ``N`` and ``df`` counting
    deleted sections until their segment is merged), with ``df`` counted from the posting
    lists (:func:`indexer.postings.postings`, kept, and read for the search anyway) instead
    of from each segment's term table: a hash-table lookup of five or so file reads per
    segment, a fifth of a fresh server's search time on cn-laws."""
    return _kept_idf(searcher, fieldname, text,
                     lambda reader: postings(reader, fieldname, text).ids.size)


def table_idf(searcher, fieldname: str, text: str) -> float:
    """:func:`idf` with ``df`` read from each segment's term table (one lookup per segment)
    instead of from the posting lists: a long clause answered by the suffix arrays reads no
    posting list of its bigrams, and looking one up costs less than reading it. Equal to
    :func:`idf` (deleted sections counted until their segment is merged, as there)."""
    return _kept_idf(searcher, fieldname, text,
                     lambda reader: doc_frequency(reader, fieldname, text))


MAX_KEPT_IDF = 65536
"""Idfs a searcher keeps at most (:func:`_kept_idf`; about 150 bytes each), all dropped when
full."""


def _kept_idf(searcher, fieldname: str, text: str, df_of) -> float:
    """The idf of ``fieldname:text`` from ``df_of(segment reader)`` summed over the segments,
    kept on the searcher: its segments never change, and each segment's evaluation asked for
    the same term's idf again, every lookup in every segment (8 % of a fresh server's search
    time on the cn-laws mix)."""
    kept = kept_on(searcher, "_zhsearch_idf", dict)
    key = (fieldname, text)
    value = kept.get(key)
    if value is None:
        df = sum(df_of(reader) for reader, _ in _segments(searcher))
        value = math.log(searcher.doc_count_all() / (df + 1)) + 1
        if len(kept) >= MAX_KEPT_IDF:
            kept.clear()
        kept[key] = value
    return value


def suffix_index(reader) -> SuffixIndex | None:
    """The suffix array of ``reader``'s segment over its ``norm_text`` column
    (:mod:`indexer.suffixes`), memory-mapped once per segment and kept; None for a segment
    without one (written before they existed, a compound segment, one whose file is gone or
    does not fit its texts): its long clauses take the bigram postings."""
    return per_segment_file(reader, SUFFIX_EXT, lambda path: SuffixIndex(
        suffixes.load(path), column_texts(reader, SUFFIX_TEXT_COLUMN)))


def holds(searcher, fieldname: str, value: str) -> bool:
    """Whether a live (undeleted) section holds the term ``fieldname:value``."""
    return any(SegmentEvaluator(searcher, reader).term(fieldname, value).mask.any()
               for reader, _ in _segments(searcher))


def preload(searcher) -> None:
    """Read what every search needs from each segment (text columns, offset maps, field
    lengths, facet codes, which sections are only their heading, suffix arrays) and from the
    segments together (facet values) into the caches, so that the first searches do not pay
    for it (on cn-laws the text columns alone take about 0.1 s)."""
    for reader, _ in _segments(searcher):
        for scope in SCOPES.values():
            column_texts(reader, scope[2])
            for fieldname in scope[:2]:
                lengths(reader, fieldname)
        for fieldname in ("body", "heading"):
            lengths(reader, fieldname)
        for fieldname in ("doc_id", "article_key"):
            codes(reader, fieldname)
        bodyless(reader)  # every ranking weighs by it
        if reader.doc_count_all():
            section_normalized(reader, 0)  # loads the segment's offset maps
        suffix_index(reader)  # maps it now, before an update can delete the file
        posting_arrays(reader)  # likewise
    for fieldname in ("doc_id", "article_key"):
        preload_facets(searcher, fieldname)  # the facet values of all segments, sorted


def _boosted(s: Scored, boost: float) -> Scored:
    return s if boost == 1.0 else Scored(s.mask, s.score * boost)


def _union(parts: list[Scored]) -> Scored:
    mask = parts[0].mask.copy()
    for p in parts[1:]:
        mask |= p.mask
    return Scored(mask, sum(p.score for p in parts))


def _segments(searcher):
    """``(segment reader, global offset)`` for each segment of the searcher
    (:func:`indexer.segment_cache.segment_leaves`)."""
    return segment_leaves(searcher)


class _Budget:
    """The segments of a searcher, until ``deadline`` (:func:`time.monotonic` seconds) has
    passed: checked after each segment, so at least one is always searched; ``ran_out`` says
    whether any was left out."""

    def __init__(self, deadline: float | None):
        self.deadline = deadline
        self.ran_out = False

    def segments(self, searcher):
        """``(segment reader, global offset)`` pairs (see :func:`_segments`)."""
        for i, pair in enumerate(_segments(searcher)):
            if i and self.deadline is not None and time.monotonic() > self.deadline:
                self.ran_out = True
                return
            yield pair


def _restricted(ev: SegmentEvaluator, mask: np.ndarray, restrict) -> np.ndarray:
    """``mask`` (a boolean array over ``ev``'s segment) kept only where every
    ``(fieldname, value)`` term of ``restrict`` is held (a new array when any is given)."""
    for fieldname, value in restrict:
        mask = mask & ev.term(fieldname, value).mask
    return mask


def match(searcher, node: Node, deadline: float | None = None,
          restrict: list[tuple[str, str]] = ()) -> tuple[list[SegmentMatches], bool]:
    """Every section matching ``node`` and holding every ``(fieldname, value)`` term of
    ``restrict`` (facet filters), per segment, and whether the budget ran out (``deadline``:
    :func:`time.monotonic` seconds, checked after each segment, so at least one segment is
    always searched)."""
    out: list[SegmentMatches] = []
    budget = _Budget(deadline)
    for reader, offset in budget.segments(searcher):
        ev = SegmentEvaluator(searcher, reader)
        mask = _restricted(ev, ev.node(node).mask, restrict)
        out.append(SegmentMatches(reader, offset, np.flatnonzero(mask).astype(np.int32)))
    return out, budget.ran_out


def _whole_phrase(parsed: ParsedQuery) -> str:
    """The body clauses of an AND of two or more, joined by spaces and normalized: the phrase
    whose occurrences earn :data:`PHRASE_BOOST` (module docstring); "" for other queries."""
    body = [c for c in parsed.clauses if c.field == "body"]
    if len(body) > 1 and isinstance(parsed.root, All):
        return normalized(" ".join(c.text for c in body))
    return ""


def _optional(ev: SegmentEvaluator, parsed: ParsedQuery, words_of: dict[str, list[str]],
              whole: str, ranked: np.ndarray) -> np.ndarray:
    """The optional ranking clauses' summed score per document (module docstring);
    ``words_of`` maps each body clause's normalized text to its jieba words; ``whole`` is
    :func:`_whole_phrase` of the query (normalized once a query, not once a segment). Only
    the scores at the documents ``ranked`` marks are read (a boolean array over the
    segment's documents); the term clauses skip the others unless they are most of it."""
    score = np.zeros(ev.n)
    where = ranked if 2 * np.count_nonzero(ranked) < ev.n else None
    body = [c for c in parsed.clauses if c.field == "body"]
    heading_chars, heading_grams, _ = SCOPES["heading"]
    for clause in body:
        for word in words_of[clause.norm]:
            ev.add_term(score, "body", word, WORD_BOOST, where)
            ev.add_term(score, "heading", word, HEADING_BOOST, where)
        if len(clause.norm) <= 2:  # a term, as substring() takes it
            ev.add_term(score, heading_chars if len(clause.norm) == 1 else heading_grams,
                        clause.norm, HEADING_BOOST, where)
        else:
            score += ev.substring("heading", clause.norm, HEADING_BOOST).score
    if whole:
        score += ev.substring("body", whole, PHRASE_BOOST).score
    return score


def spanned_clauses(parsed: ParsedQuery) -> list[str]:
    """The normalized clauses that earn the proximity bonus: of an AND of two or more body
    clauses, those of two or more characters (at most :data:`MAX_SPANNED`); none otherwise."""
    body = [c for c in parsed.clauses if c.field == "body"]
    if len(body) < 2 or not isinstance(parsed.root, All):
        return []
    spanned = list(dict.fromkeys(c.norm for c in body if len(c.norm) >= 2))[:MAX_SPANNED]
    return spanned if len(spanned) > 1 else []


def near(text: str, needles: list[str], slop: int = PROXIMITY_SLOP) -> bool:
    """Whether ``text`` holds one occurrence of each of ``needles`` within a stretch of at
    most their total length plus ``slop`` characters per gap between them (any order)."""
    if len(needles) == 2:
        return _near_pair(text, needles[0], needles[1], len(needles[0]) + len(needles[1]) + slop)
    events: list[tuple[int, int, int]] = []
    for k, needle in enumerate(needles):
        start = text.find(needle)
        if start < 0:
            return False
        while start >= 0:
            events.append((start, start + len(needle), k))
            start = text.find(needle, start + 1)
    events.sort()
    allowed = sum(len(n) for n in needles) + slop * (len(needles) - 1)
    last_end: dict[int, tuple[int, int]] = {}
    for start, end, k in events:
        last_end[k] = (start, end)
        if len(last_end) == len(needles):
            lo = min(s for s, _ in last_end.values())
            if max(e for _, e in last_end.values()) - lo <= allowed:
                return True
    return False


def _near_pair(text: str, a: str, b: str, allowed: int) -> bool:
    """:func:`near` of two needles: whether an occurrence of ``a`` and one of ``b`` lie
    within ``allowed`` characters (from the first start to the last end).

    The closest partner of an occurrence is the other needle's first occurrence at or after
    it, or its last one at or before it; walking both lists of occurrences in order pairs
    each with the first, and is met as the second by the one before it. So this is the same
    test as :func:`near`'s, found without building and sorting the events, and occurrences
    are looked for only as far as the walk gets (the first near pair ends it)."""
    la, lb = len(a), len(b)
    x, y = text.find(a), text.find(b)
    while x >= 0 and y >= 0:
        if x <= y:
            if max(x + la, y + lb) - x <= allowed:
                return True
            x = text.find(a, x + 1)
        else:
            if max(x + la, y + lb) - y <= allowed:
                return True
            y = text.find(b, y + 1)
    return False


def rank(searcher, parsed: ParsedQuery, words, limit: int, restrict: list[tuple[str, str]] = (),
         deadline: float | None = None) -> Ranked:
    """The ``limit`` best sections for ``parsed``, exactly (see the module docstring).

    Args:
        searcher: a Whoosh searcher over the index.
        parsed: the query.
        words: ``str -> list[str]``, the index's word analyzer (its user dictionary).
        limit: how many of the best to return (≥ 1).
        restrict: ``(fieldname, value)`` terms every match must also hold (facet filters).
        deadline: :func:`time.monotonic` seconds; checked after each segment.
    Returns:
        a :class:`Ranked`.
    """
    spanned = spanned_clauses(parsed)
    words_of = {c.norm: words(c.norm) for c in parsed.clauses if c.field == "body"}
    whole = _whole_phrase(parsed)
    docnums: list[np.ndarray] = []
    base: list[np.ndarray] = []
    bonus: list[np.ndarray] = []
    segments: list[tuple[SegmentEvaluator, int]] = []
    ranked = Ranked([], [], 0)
    budget = _Budget(deadline)
    for reader, offset in budget.segments(searcher):
        ev = SegmentEvaluator(searcher, reader)
        required = ev.node(parsed.root)
        ranked.facet_matches.append(
            SegmentMatches(reader, offset, np.flatnonzero(required.mask).astype(np.int32)))
        mask = _restricted(ev, required.mask, restrict)
        ids = np.flatnonzero(mask).astype(np.int32)
        if not ids.size:
            continue
        score = required.score + _optional(ev, parsed, words_of, whole, mask)
        docnums.append(ids.astype(np.int64) + offset)
        base.append(_weighed(reader, ids, score[ids]))
        if spanned:
            bonus.append(_weighed(reader, ids, PROXIMITY_BOOST
                                  * sum(ev.substring("body", s).score[ids] for s in spanned)))
        segments.append((ev, offset))
    ranked.timed_out = budget.ran_out
    if not docnums:
        return ranked
    all_docnums = np.concatenate(docnums)
    all_base = np.concatenate(base)
    ranked.total = int(all_docnums.size)
    if not spanned:
        ranked.docnums, ranked.scores = _best(all_docnums, all_base, limit)
        return ranked
    ranked.docnums, ranked.scores, late = _with_proximity(
        all_docnums, all_base, np.concatenate(bonus), segments, spanned, limit, deadline)
    ranked.timed_out = ranked.timed_out or late
    return ranked


def rank_partial(searcher, words: tuple[str, ...], limit: int, scale: float,
                 deadline: float | None = None, restrict: list[tuple[str, str]] = (),
                 typed: frozenset[str] = frozenset()) -> Ranked:
    """The ``limit`` best sections holding any of ``words`` (normalized jieba words), scored
    as Whoosh scores ``Or(terms, scale=scale)``: the summed BM25F scores of the words, with
    the "SQR" coordination bonus of Whoosh's ``CoordMatcher`` (from the V-Twin
    engine: ``(score + (matching - 1) / (terms - scale) ** 2) * (terms - 1) / terms``).

    Unlike Whoosh, ``terms`` counts the words that occur anywhere in the index, not per
    segment, so that a ranking does not depend on how the index happens to be cut into
    segments; and when only one word occurs there is nothing to coordinate, and the sections
    rank by its score (the formula would make every score 0, leaving them in indexing order).

    A section holds a word of two or more characters wherever its text contains it, as a
    query clause is matched (公安 inside 公安机关, which jieba cuts as one word); a single
    character only as a word of its own (the character 的 is in nearly every section, the
    word 的 is the particle). Each word scores BM25F as a word (``body`` term), so a section
    holding it only inside a longer word gains from it only the coordination bonus:
    scoring containment instead (as a clause scores) moved MRR@10 on ``bench/relevance.py``
    by +0.0002/+0.0014 (CMRC dev/trial) but -0.0009/-0.0019 with the cn-laws distractors;
    this way all its figures stay as they were. The words in ``typed`` (typed apart by the
    person, :func:`indexer.query.fallback_words`) score as a query clause does, by how often
    the text contains them: a typed 长会 jieba cuts into 长 and 会 would otherwise score
    nothing inside 局长会议 and rank below sections holding 长 and 会 loose. ``deadline`` and
    ``restrict`` as in :func:`rank`.

    Only sections holding a word that tells sections apart are listed (:func:`_telling`):
    one sharing nothing but 的 with the query is no answer to it, though it scores as before
    where it also holds a telling word (隐藏的文字 listed every section holding 的: new-user
    trial; 部队的火星人 the one holding 部队 and then every section holding 的: breaker).
    """
    ranked = Ranked([], [], 0)
    budget = _Budget(deadline)
    found: list[tuple[SegmentEvaluator, int, dict[str, Scored]]] = []
    occurring: set[str] = set()
    for reader, offset in budget.segments(searcher):
        ev = SegmentEvaluator(searcher, reader)
        parts: dict[str, Scored] = {}  # each word the segment holds, in the query's order
        for w in dict.fromkeys(words):
            if w in typed:
                scored = ev.substring("body", w)
                held = scored.mask
            else:
                scored = ev.term("body", w)
                held = ev.substring("body", w).mask if len(w) > 1 else scored.mask
            if held.any():
                parts[w] = Scored(held, scored.score)
                occurring.add(w)
        if parts:
            found.append((ev, offset, parts))
    ranked.timed_out = budget.ran_out
    ranked.absent = tuple(w for w in dict.fromkeys(words) if len(w) > 1 and w not in occurring)
    terms = len(occurring)
    telling = {w for w in occurring if _telling(searcher, w)}
    docnums: list[np.ndarray] = []
    scores: list[np.ndarray] = []
    for ev, offset, parts in found:
        listed = [p.mask for w, p in parts.items() if w in telling]
        if not listed:
            continue
        total = _union(list(parts.values()))
        mask = _restricted(ev, np.logical_or.reduce(listed), restrict)
        ids = np.flatnonzero(mask)
        if not ids.size:
            continue
        if terms == 1:
            score = total.score[ids]
        else:
            matching = sum(p.mask[ids].astype(np.int64) for p in parts.values())
            score = (total.score[ids] + (matching - 1) / (terms - scale) ** 2) * (terms - 1) / terms
        docnums.append(ids.astype(np.int64) + offset)
        scores.append(_weighed(ev.reader, ids, score))
    if docnums:
        all_docnums = np.concatenate(docnums)
        ranked.total = int(all_docnums.size)
        ranked.docnums, ranked.scores = _best(all_docnums, np.concatenate(scores), limit)
    return ranked


def _weighed(reader, ids: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """``scores`` (a new array, one per section of ``ids``: ascending document numbers of
    ``reader``'s segment) with those of the sections that are only their heading times
    :data:`indexer.schema.BODYLESS_WEIGHT`, in place. Looked up from those few sections'
    side (a binary search each) rather than the matches': a common character's thousands of
    matches cost 22 µs a segment the other way."""
    flat = bodyless(reader)
    if flat.size and ids.size:
        at = np.searchsorted(ids, flat)
        held = at < ids.size
        at = at[held]
        scores[at[ids[at] == flat[held]]] *= BODYLESS_WEIGHT
    return scores


def _telling(searcher, word: str) -> bool:
    """Whether ``word`` (occurring in the index) tells sections apart, so that holding it
    makes a section a partial match: a word of two or more characters, or a single character
    held as a word by fewer than :data:`COMMON_WORD_SHARE` of the sections. A rarer character
    counts, as CMRC's answers often share only a name's characters with the question
    (requiring a longer word cost 0.005 MRR@10 on its dev split, ``bench/relevance.py``)."""
    return len(word) > 1 or \
        searcher.doc_frequency("body", word) < COMMON_WORD_SHARE * searcher.doc_count()


def _best(docnums: np.ndarray, scores: np.ndarray, limit: int) -> tuple[list[int], list[float]]:
    """The ``limit`` highest ``scores`` with their ``docnums``, ties by document number.

    Only the sections scoring at least the ``limit``-th best score are sorted, found in linear
    time with ``numpy.argpartition``: a common term matches most of an index and a full sort
    of its scores was an eighth of such a search's time."""
    if scores.size > 4 * limit:
        kth = scores[np.argpartition(scores, scores.size - limit)[scores.size - limit]]
        if not np.isnan(kth):  # (argpartition puts NaN above everything; none is expected)
            keep = np.flatnonzero(scores >= kth)  # every tie at the cut: ties go by number
            docnums, scores = docnums[keep], scores[keep]
    order = np.lexsort((docnums, -scores))[:limit]
    return docnums[order].tolist(), scores[order].tolist()


def _with_proximity(docnums, base, bonus, segments, spanned, limit, deadline=None):
    """``(docnums, scores, timed_out)``: the top ``limit`` by base + proximity bonus,
    computing the bonus (a text scan) only for sections whose upper bound can still reach the
    top. Past ``deadline`` the sections not yet scanned keep their base score (the ranking is
    then approximate, and ``timed_out`` says so)."""
    offsets = np.asarray([off for _, off in segments])
    upper = base + bonus
    order = np.lexsort((docnums, -upper)).tolist()
    best: list[tuple[float, int]] = []  # min-heap of (score, -docnum): the worst on top
    for visited, i in enumerate(order):
        if len(best) >= limit and upper[i] < best[0][0]:
            break
        if deadline is not None and not visited % 64 and time.monotonic() > deadline:
            rest = [(float(base[j]), -int(docnums[j])) for j in order[visited:visited + limit]]
            best = sorted([*best, *rest], reverse=True)[:limit]
            return [-d for _, d in best], [s for s, _ in best], True
        docnum = int(docnums[i])
        seg = int(np.searchsorted(offsets, docnum, side="right")) - 1
        ev, offset = segments[seg]
        exact = upper[i] if near(ev.texts("body")[docnum - offset], spanned) else base[i]
        item = (float(exact), -docnum)
        if len(best) < limit:
            heapq.heappush(best, item)
        elif item > best[0]:
            heapq.heapreplace(best, item)
    best.sort(reverse=True)
    return [-d for _, d in best], [s for s, _ in best], False


def section_needles(reader, docnum: int, parsed: ParsedQuery) -> list[str]:
    """The needles section ``docnum`` of ``reader``'s segment counts and marks for ``parsed``
    (:meth:`indexer.query.ParsedQuery.needles_in`): those of the branches it matches, read
    from its ``norm_text`` and ``norm_heading`` columns (only for a query whose OR holds a
    branch of several clauses; any other gets its needles at once)."""
    if not parsed.branch_dependent:
        return parsed.needles
    codes_of = codes(reader, "doc_id")[1]
    return parsed.needles_in(column_texts(reader, SCOPES["body"][2])[docnum],
                             column_texts(reader, SCOPES["heading"][2])[docnum]
                             + HEADING_SEPARATOR + document_titles(reader)[codes_of[docnum]],
                             stored_record(reader, docnum)["doc_id"])


def occurrence_counts(matches: list[SegmentMatches], parsed: ParsedQuery) \
        -> list[tuple[int, int]]:
    """``[(global document number, occurrences), …]`` for every section of ``matches``:
    occurrences of each distinct needle it counts (:func:`section_needles`) in its normalized
    text, overlapping ones included (:func:`indexer.highlight.count_matches`), read from the
    ``norm_text`` column without normalizing the section again."""
    out = []
    for m in matches:
        texts = column_texts(m.reader, SCOPES["body"][2])
        out.extend((d + m.offset, count_matches(texts[d], section_needles(m.reader, d, parsed)))
                   for d in m.ids.tolist())
    return out


def documents_per_segment(searcher):
    """Per segment, ``(sections, doc_ids, first)``: for each document with live sections in
    the segment, its number of sections there, its ``doc_id`` and the global number of one of
    its sections (lists of equal length)."""
    out = []
    for reader, offset in _segments(searcher):
        values, per_doc = codes(reader, "doc_id")
        live = np.flatnonzero(SegmentEvaluator(searcher, reader).live)
        present, at, counts = np.unique(per_doc[live], return_index=True, return_counts=True)
        out.append((counts.tolist(), [values[c] for c in present.tolist()],
                    (live[at] + offset).tolist()))
    return out


def column_summaries(searcher, fieldname: str, summary) -> list:
    """Per segment, ``summary(values)`` of the distinct values a sortable column holds there
    (deleted sections' too), worked out once per segment and kept (``summary``: a
    module-level function, which names the kept value; read it, never change it)."""
    name = f"summary:{fieldname}:{summary.__module__}.{summary.__qualname__}"
    return [per_segment(reader, name, lambda r=reader: summary(codes(r, fieldname)[0]))
            for reader, _ in _segments(searcher)]


def facet_top(matches: list[SegmentMatches], fieldname: str, k: int,
              counted=None, holders: bool = True) -> tuple[list[tuple], int]:
    """The ``k`` values of a sortable column held by most of ``matches``, and how many distinct
    values they hold in all: ``([(value, count, global document number of the first match
    holding it), …], distinct)``, largest count first, ties by the value's document (its
    ``doc_id``, the part before U+001F of an ``article_key``) and then by its first section
    in that document, so a document's articles tie in reading order (by value, 第100冊 came
    before 第10冊: new-user trial), the same however the index was built; the document
    number is None unless ``holders``. ``counted(value) -> bool``, when given, leaves out the values it
    rejects (before the top ``k`` is taken); it must be one module-level function, as its
    answers are kept per set of segments.

    Counting is one ``numpy.bincount`` per segment over its documents' codes shared by all
    segments (:func:`_shared_codes`), whose order is the values' order, so the top ``k`` is
    one ``numpy.lexsort``.
    """
    if not any(m.ids.size for m in matches):
        return [], 0
    # the shared codes of every segment searched (rank gives one match set per segment), so
    # that a search matching in some segments only finds them kept (preload_facets)
    values, maps, kept, order = _shared_codes([m.reader for m in matches], fieldname)
    tally = np.zeros(len(values), np.int64)
    of_matches = []
    for m, shared in zip(matches, maps):
        if not m.ids.size:
            continue
        local = shared[m.ids]
        of_matches.append((m, local))
        tally += np.bincount(local, minlength=len(values))
    present = np.flatnonzero(tally)
    if counted is not None:
        present = present[_kept(values, kept, counted)[present]]
    distinct = int(present.size)
    chosen = present[np.lexsort((order[present], -tally[present]))[:k]].tolist()
    first: dict[int, int | None] = dict.fromkeys(chosen)
    if holders:
        wanted = np.zeros(len(values), bool)
        for m, local in of_matches:
            missing = [c for c, d in first.items() if d is None]
            if not missing:
                break
            wanted[missing] = True
            at = np.flatnonzero(wanted[local])  # the matches holding a value still wanted
            found, where = np.unique(local[at], return_index=True)
            for c, i in zip(found.tolist(), where.tolist()):
                first[c] = int(m.ids[at[i]]) + m.offset
            wanted[:] = False
    return [(values[c], int(tally[c]), first[c]) for c in chosen], distinct


def _kept(values: list, kept: dict, counted) -> np.ndarray:
    keep = kept.get(counted)
    if keep is None:  # once per set of segments and predicate, not per search
        keep = kept[counted] = np.fromiter(map(counted, values), bool, len(values))
    return keep


def preload_facets(searcher, fieldname: str, counted=None) -> None:
    """Work out now what :func:`facet_top` keeps for ``fieldname`` over all the segments of
    ``searcher`` (and, when given, its ``counted`` predicate over their values), so that the
    first search does not (cn-laws: about 3 ms for the articles' predicate)."""
    readers = [reader for reader, _ in _segments(searcher)]
    if readers:
        values, _, kept, _ = _shared_codes(readers, fieldname)
        if counted is not None:
            _kept(values, kept, counted)


_SHARED: dict[tuple, tuple[list, list[np.ndarray], dict]] = {}
_SHARED_LIMIT = 16
_shared_lock = threading.Lock()


def _shared_codes(readers: list, fieldname: str) \
        -> tuple[list, list[np.ndarray], dict, np.ndarray]:
    """``(values, maps, kept, order)``: the distinct values of ``fieldname`` over the segments
    of ``readers``, sorted; per segment, an array giving each of its documents the index of
    its value in ``values`` (``int32``; through its codes, :func:`indexer.postings.codes`); a
    dict in which :func:`facet_top` keeps, per ``counted`` predicate, a boolean array over
    ``values``; and each value's rank in the order :func:`facet_top` breaks ties in (``int64``
    over ``values``). Kept per set of segments (the last :data:`_SHARED_LIMIT`)."""
    key = (fieldname, tuple(segment_key(r) for r in readers))
    with _shared_lock:
        found = _SHARED.get(key)
    if found is None:
        per_segment_values = [codes(reader, fieldname)[0] for reader in readers]
        values = sorted(set().union(*per_segment_values))
        index = {v: i for i, v in enumerate(values)}
        # each segment's documents straight to shared codes: one gather per search, not two
        maps = [np.asarray([index[v] for v in seg_values], np.int32)[codes(reader, fieldname)[1]]
                for reader, seg_values in zip(readers, per_segment_values)]
        # each value's first section (its lowest ordinal), within its document; the values'
        # sorted order already keeps a document's article keys together
        first = np.full(len(values), np.iinfo(np.int64).max, np.int64)
        for reader, shared in zip(readers, maps):
            ordinals, at = codes(reader, "ordinal")
            np.minimum.at(first, shared, np.asarray(ordinals, np.int64)[at])
        documents: dict[str, int] = {}  # each value's document, numbered in sorted order
        group = np.asarray([documents.setdefault(str(v).split("\x1f", 1)[0], len(documents))
                            for v in values], np.int64)
        order = np.empty(len(values), np.int64)
        order[np.lexsort((first, group))] = np.arange(len(values))
        found = (values, maps, {}, order)
        with _shared_lock:
            if len(_SHARED) >= _SHARED_LIMIT:
                _SHARED.pop(next(iter(_SHARED)))
            _SHARED[key] = found
    return found
