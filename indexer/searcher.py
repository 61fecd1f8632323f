"""Run queries against an opened index and return plain dataclasses (no Whoosh object leaks).

A :class:`SearchSession` holds one Whoosh searcher: open one per request and close it after
(Whoosh searchers are not thread-safe). The searcher comes from the index handle's pool and
goes back to it on close, refreshed to the index on disk when it is taken again.
"""

from __future__ import annotations

import json
import math
import time
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from functools import lru_cache

from . import matching
from .deadline import TimeUp, hard_deadline
from .highlight import (
    Fragment, count_matches, find_matches, find_matches_located, make_snippet, mark,
    numbered_spans, synonyms_may_overlap,
)
from .indexing import IndexHandle, damaged
from .normalize import (
    normalize, normalized, spelling_variants,
)
from .query import (
    QUOTES, Clause, Fallback, ParsedQuery, QueryError, fallback_words, parse_query, query_text,
    relaxed, synonym_map, with_phrase,
)
from .postings import read_first_records, section_normalized, section_text, stored_record
from .schema import article_doc_id, article_title_of
from .segment_cache import kept_on, per_segment, segment_leaves
from .storage import read_ahead_columns

MAX_PER_PAGE = 100
"""The largest page size a caller may ask for."""
MAX_SUGGEST_CHARS = 16
"""Only a word this short (characters) gets "a shorter piece that occurs" suggestions."""
MAX_SUGGEST_PROBES = 40
"""At most this many searches are spent on suggestions for one query."""
MAX_CONCORDANCE = 10_000
"""A concordance lists at most this many occurrences (the total is still counted)."""
MAX_SORTED = 200_000
"""A concordance sorted by its left or right context orders at most this many occurrences,
the first in document order, and lists the first of them in that order: the first 10,000 in
document order, sorted, dropped the end of a period from a sorted view (new-user trial)."""
CONCORDANCE_SORTS = ("position", "left", "right")
"""The orders a concordance can be listed in: document order, or by the context left or right
of the match."""
MAX_DOCUMENT_MARKS = 20_000
"""A document view marks at most this many matches, the first ones (all are counted): a 2 MB
paragraph of one character took 4 s and 15 MB of page to mark its 350,000 matches, holding
one of the few search slots all along (breaker)."""
MAX_FACET_VALUES = 20
"""Facet values shown per facet, largest counts first."""
SEARCH_BUDGET_S = 3.0
"""Seconds of matching one search or concordance may spend; past it, what was found so far is
returned, marked ``timed_out`` (a worker is never held by one query)."""
PARTIAL_COORDINATION = 0.9
"""Coordination bonus of partial matching (Whoosh ``Or(scale=…)``): how much covering more of
the query's words lifts a section."""


@dataclass(frozen=True)
class Hit:
    """One ranked section.

    Attributes:
        section_id, doc_id, ordinal: where the section is.
        path: its document's path under the seeds folder (``/``-separated), which tells
            apart documents of one title (two versions of a law, two provinces' reports).
        doc_title, article_title, author, section_title: its headings ("" when absent).
        breadcrumb: document › article › section titles.
        score: BM25F score (higher is better; comparable within one result list only).
        snippet: HTML of 1–2 fragments with every match in ``<mark>``, the rest escaped.
        fragments: the fragments with their offsets into the section text.
        match_count: matches in the whole section.
        shown_count: matches marked in the snippet (``match_count - shown_count`` more are
            in the section but outside the snippet).
        needles: the normalized strings the snippet marks (the query's, or the words of a
            partial match it holds), for marking its titles the same way.
    """

    section_id: str
    doc_id: str
    ordinal: int
    doc_title: str
    article_title: str
    author: str
    section_title: str
    breadcrumb: tuple[str, ...]
    score: float
    snippet: str
    fragments: tuple[Fragment, ...]
    match_count: int
    shown_count: int = 0
    needles: tuple[str, ...] = ()
    path: str = ""
    lang: str = "zh-Hans"
    """The script its document is written in (:attr:`DocumentView.lang`, as indexed), so a
    page can draw Traditional text with Traditional glyphs."""


def _lang(stored: dict) -> str:
    # an index from before ANALYZER_VERSION 79 has none: it is rebuilt on its next update
    return stored.get("lang") or "zh-Hans"


@dataclass(frozen=True)
class Page:
    """One page of hits: ``total`` sections matched; ``hits`` is page ``page`` (1-based) of
    ``pages`` pages of ``per_page`` hits.

    ``partial`` is True when nothing matched the whole query and these are the best partial
    matches of its ``partial_words`` (``partial_absent``: those of two or more characters that
    no section contains); ``suggestions`` are queries worth trying when nothing matched at
    all. ``timed_out`` is True when matching stopped at the time budget: ``total`` and the
    ranking then cover only the sections matched so far. ``unknown_filters`` names
    the filters (``"doc_id"``, ``"article_key"``) whose value no section holds (a document
    removed or renamed since the link was made), when nothing matched; ``unknown_documents``
    the ids of the query's own ``doc:`` clauses that name no document, likewise.
    ``elsewhere``: when a document or article filter left nothing, how many sections match
    the query without it (0 without a filter): "nothing here" read as "nowhere" (new-user
    trial).
    """

    query: ParsedQuery
    total: int
    page: int
    per_page: int
    pages: int
    hits: tuple[Hit, ...]
    partial: bool = False
    partial_words: tuple[str, ...] = ()
    partial_shortened: bool = False
    partial_absent: tuple[str, ...] = ()
    suggestions: tuple[str, ...] = ()
    facets: "Facets | None" = None
    timed_out: bool = False
    unknown_filters: tuple[str, ...] = ()
    unknown_documents: tuple[str, ...] = ()
    elsewhere: int = 0


@dataclass(frozen=True)
class FacetValue:
    """One facet link: ``count`` matching sections have this ``value`` (a doc_id, or an
    article key ``doc_id`` + U+001F + article title), shown as ``label``."""

    value: str
    label: str
    count: int
    lang: str = "zh-Hans"
    """The script of its document (:attr:`Hit.lang`), which its link is tagged with."""


@dataclass(frozen=True)
class Facets:
    """Hit counts of the whole result set grouped by document and by article, largest first."""

    documents: tuple[FacetValue, ...]
    articles: tuple[FacetValue, ...]
    more_documents: int = 0
    """Documents holding hits beyond the :data:`MAX_FACET_VALUES` listed."""
    more_articles: int = 0
    """Articles holding hits beyond those listed."""


@dataclass(frozen=True)
class Filters:
    """Restrict a search to one document (``doc_id``) and/or one article (``article_key``)."""

    doc_id: str = ""
    article_key: str = ""

    def terms(self) -> list[tuple[str, str]]:
        """``(fieldname, value)`` terms every match must hold (none when unrestricted)."""
        return [(f, v) for f, v in (("doc_id", self.doc_id), ("article_key", self.article_key)) if v]


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of the query in the collection (a concordance line).

    Attributes:
        left, match, right: the text before (up to ``context`` characters), the matched text
            as written in the document, and the text after; line breaks become spaces.
        section_id, doc_id, breadcrumb: where it is.
        start_char, end_char: offsets of the match in the section text.
        number: 1-based rank of this match among the section's matches, in text order (the
            document view's ``m=`` parameter selects it).
        path: its document's path under the seeds folder (as :attr:`Hit.path`).
        shared_title: whether another document of the index has the same title, so that
            the breadcrumb alone does not tell which document it is in (the facets then name
            it with its path).
    """

    left: str
    match: str
    right: str
    section_id: str
    doc_id: str
    breadcrumb: tuple[str, ...]
    start_char: int
    end_char: int
    number: int = 1
    path: str = ""
    shared_title: bool = False
    lang: str = "zh-Hans"
    """The script its document is written in (as :attr:`Hit.lang`)."""


@dataclass(frozen=True)
class DocumentCount:
    """How often a query occurs in one document (a row of a concordance's per-document table).

    Attributes:
        doc_id: the document's id.
        name: its name as the facets show it (its path added when another shares its title).
        path: its path under the seeds folder.
        occurrences: the query's occurrences in it, as the concordance counts them.
        sections: how many of its sections hold them.
    """

    doc_id: str
    name: str
    path: str
    occurrences: int
    sections: int
    lang: str = "zh-Hans"
    """The script it is written in (:attr:`Hit.lang`)."""


@dataclass(frozen=True)
class Concordance:
    """Occurrences of a query, sorted: one page of the first ``listed`` (up to a cap); ``total``
    counts them all and ``truncated`` says whether fewer than all can be listed.
    ``timed_out``: the time budget ran out first: the list stops where it ran out (``total``
    still counts every occurrence, unless matching itself ran out: then only those in the
    segments searched). ``unknown_filters``: the filter fields (``"doc_id"``,
    ``"article_key"``) whose value no section holds, when nothing was found."""

    occurrences: tuple[Occurrence, ...]
    total: int
    truncated: bool
    timed_out: bool = False
    unknown_filters: tuple[str, ...] = ()
    sorted_among: int = 0
    """How many occurrences (the first in document order) a list sorted by context was chosen
    from: all of them (``total``) unless there were more than :data:`MAX_SORTED` to sort, or
    the time ran out; ``total`` for a list in document order."""
    listed: int = 0
    """How many occurrences can be listed: the first ``limit`` in the chosen order, fewer
    when the time ran out; ``occurrences`` are those of them from the asked ``offset``."""
    documents: tuple[DocumentCount, ...] = ()
    """Every document holding an occurrence, the most occurrences first (then by path): which
    laws use a phrase, and how often, which the document facet (sections, at most 20) could
    not say (new-user trial). Those read before the time ran out when ``timed_out``."""


@dataclass(frozen=True)
class SectionView:
    """A section as the document view shows it; ``html`` has the query's matches marked."""

    section_id: str
    ordinal: int
    title: str
    article_title: str
    author: str
    breadcrumb: tuple[str, ...]
    text: str
    html: str
    match_count: int
    marked: int = 0
    """How many of its ``match_count`` matches ``html`` marks: all of them, unless the
    document holds more than :data:`MAX_DOCUMENT_MARKS`."""


@dataclass(frozen=True)
class DocumentView:
    """A whole document: its sections in order."""

    doc_id: str
    title: str
    path: str
    sections: tuple[SectionView, ...]
    partial_words: tuple[str, ...] = ()
    """The words marked instead of the query when the query, taken whole, occurs nowhere in
    the document (the partial-match reading of :meth:`SearchSession.search`); else empty."""
    absent: tuple[str, ...] = ()
    """Of a query of several words, those (normalized) that no section of the document
    contains: a partial-match hit's document holds some of the query, and says which not."""
    lang: str = "zh-Hans"
    """The script the document is written in, as a BCP 47 tag (``zh-Hant`` or ``zh-Hans``):
    what indexing stored (:func:`indexer.normalize.script_of` of its sections' text)."""

    @property
    def match_count(self) -> int:
        """Matches of the query over all sections."""
        return sum(s.match_count for s in self.sections)

    @property
    def unmarked(self) -> int:
        """Matches counted but not marked, past :data:`MAX_DOCUMENT_MARKS` (0 mostly)."""
        return sum(s.match_count - s.marked for s in self.sections)


@dataclass(frozen=True)
class DocumentSummary:
    """One line of the collection listing."""

    doc_id: str
    title: str
    path: str
    sections: int
    lang: str = "zh-Hans"
    """The script it is written in (:attr:`DocumentView.lang`), as indexed."""


class NotFoundError(LookupError):
    """No document with the requested id."""


HARD_GRACE_S = 0.5
"""Past the budget by this much (seconds), matching is interrupted wherever it is (see
:mod:`indexer.deadline`); before that, the budget is checked between segments."""


class _HardTimeUp(TimeUp):
    """Matching ran :data:`HARD_GRACE_S` past its budget and was interrupted."""


def _finish(hard: hard_deadline) -> None:
    """End ``hard`` for sure: its ``with`` exit may itself have been interrupted."""
    while True:
        try:
            hard.finish()
            return
        except _HardTimeUp:
            continue


def _docnums(matches: list[matching.SegmentMatches]) -> list[int]:
    """The global document numbers of ``matches``, ascending."""
    return [d + m.offset for m in matches for d in m.ids.tolist()]


def _partial_marks(words: tuple[str, ...]) -> list[list[str]]:
    """The words to mark in a partial match, in order of preference: the longer ones (single
    characters would light up everything), else all of them, for a text that shares nothing
    but single characters with the query (those are then what it matched on)."""
    return [[w for w in words if len(w) > 1], list(words)]


def _in_an_article(article_key: str) -> bool:
    """Whether an ``article_key`` names an article: sections outside any article have an
    empty title there."""
    return bool(article_title_of(article_key))


_synonym_maps: tuple = ()
"""``((synonym groups as meta.json gave them, their map), …)``, the last four read (each
index, and each reading of its meta.json, gives its own list); replaced whole, so threads
read it without a lock."""


@lru_cache(maxsize=8192)
def _read(label: str) -> str:
    """``label`` as it reads: normalized as text is for search
    (:func:`indexer.normalize.normalized`: zero-width characters dropped, Traditional and
    full-width forms folded) and without white space, so ``第一章  总则``, ``第一章总则`` and
    ``第一章\u200b总则`` read alike (breaker: a zero-width space made two titles that look the
    same count as different). The last 8,192 are kept: the facets read about 40 labels a
    search, and normalizing each anew was a tenth of a fresh server's search time."""
    return "".join(normalized(label).split())


def _alike(named: list[tuple[str, str]]) -> list[bool]:
    """For ``[(key, label), …]``: whether another key's label reads the same as each one's
    (:func:`_read`)."""
    reads = [_read(label) for _, label in named]
    keys = defaultdict(set)
    for (key, _), read in zip(named, reads):
        keys[read].add(key)
    return [len(keys[read]) > 1 for read in reads]


def _title_holders(article_keys: list[str]) -> dict[str, frozenset[str]]:
    """``{title as it reads (:func:`_read`): the doc_ids of the articles of that title}`` for
    ``article_keys`` (the empty title of sections outside any article left out)."""
    holders = defaultdict(set)
    for key in article_keys:
        title = article_title_of(key)
        if title:  # read afresh: these would push out the labels _read keeps for searches
            holders[_read.__wrapped__(title)].add(article_doc_id(key))
    return {title: frozenset(doc_ids) for title, doc_ids in holders.items()}


def _article_label(key: str, doc_name: str) -> str:
    """Article ``key``'s title followed by its document's name in brackets:
    ``第一章 总则（上海口岸服务条例）``."""
    return f"{article_title_of(key)}（{doc_name}）"


def _crumbs(stored: dict) -> tuple[str, ...]:
    return tuple(json.loads(stored.get("breadcrumb") or "[]"))


def _warm_imports() -> None:
    """Import now what searches import on first use, by normalizing a text as long texts are
    (:func:`indexer.normalize.normalize`'s numpy path): the UTF-32 codec, and numpy's masked
    arrays, which ``np.unique`` imports on its first call (the path's table of characters
    learns new ones with it): a fresh server's first search of two words paid 40 ms; and
    OpenCC's converters for spelling variants (:func:`indexer.normalize.spelling_variants`),
    whose dictionaries took 120 ms to load on the first query."""
    normalized("预热 " * 40)
    spelling_variants("预热了解")


class SearchSession:
    """One searcher over an opened index. Use as a context manager or call :meth:`close`."""

    def __init__(self, handle: IndexHandle):
        """Take a searcher of ``handle`` from its pool (or open one).

        Raises:
            IndexDamagedError: a segment's files cannot be opened.
        """
        self.handle = handle
        self._searcher = self._pooled = None  # close() works whatever happens next
        try:
            self._searcher = self._pooled = handle.searchers.take(handle.ix)
        except Exception as exc:  # what decoding a damaged file happens to raise
            raise damaged(handle.path.parent, exc) from exc
        self._interrupted = False

    def close(self) -> None:
        """Give the searcher back to the pool (closed instead if a search was interrupted
        mid-read, or if it was replaced)."""
        if self._searcher is None:
            return
        if self._searcher is self._pooled and not self._interrupted:
            self.handle.searchers.give(self._searcher)
        else:
            self._searcher.close()
        self._searcher = self._pooled = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def index_version(self) -> str:
        """The state of the index this session reads: ``"<generation folder>.<commit>"``
        (``gen-000002.7``), Whoosh's table-of-contents generation being the commit; every
        update that changes the index changes it. A script paging through results compares
        it page to page: pages read from different versions may repeat or miss sections
        (new-user trial: nothing in an answer told them apart)."""
        return f"{self.handle.generation}.{self._searcher.reader().generation()}"

    def _bounded(self, deadline: float | None, fn, *args):
        """``(fn(*args), False)``, or ``(None, True)`` when :data:`HARD_GRACE_S` past
        ``deadline`` (monotonic seconds; None: no limit) it was interrupted (see
        :mod:`indexer.deadline`); an interrupted session's searcher is not pooled again."""
        hard = hard_deadline(None if deadline is None
                             else max(0.0, deadline - time.monotonic()) + HARD_GRACE_S, _HardTimeUp)
        try:
            with hard:
                return fn(*args), False
        except _HardTimeUp:
            self._interrupted = True
            return None, True
        finally:
            _finish(hard)

    def warm(self) -> None:
        """Load the word analyzer, the index's ``meta.json`` (a large collection's manifest
        takes milliseconds to parse) and its synonyms' map, the per-segment data searches use
        (:func:`indexer.matching.preload`) and the article facet's filter; opens this
        session's searcher's readers of the stored fields and section texts, which Whoosh
        opens on first use (reading the stored column's offsets, one per section: 2–3 ms a
        cn-laws segment that the first hit paid); and asks the kernel to read those two
        columns' files into its page cache in the background
        (:func:`indexer.storage.read_ahead_columns`); and reads every document's title, which
        the document facet shows and which tells whether it must name the document's path
        (:meth:`_shared_titles`; up to 20 titles a search, each a stored record to read the
        first time: about a tenth of a millisecond a search on a fresh cn-laws server, 40 ms
        here for all 3,475), and which article titles documents share
        (:meth:`_shared_article_titles`); and imports what searches would import on first use
        (:func:`_warm_imports`).

        Raises:
            IndexDamagedError: a segment's files cannot be read (they are all opened here).
        """
        self.words("预热")
        self._synonyms()
        try:
            matching.preload(self._searcher)
            matching.preload_facets(self._searcher, "article_key", _in_an_article)
            for reader in read_first_records(self._searcher):
                read_ahead_columns(reader, ("text", "_stored"))
            self._shared_titles()
            self._shared_article_titles()
        except Exception as exc:  # what decoding a damaged file happens to raise
            raise damaged(self.handle.path.parent, exc) from exc
        _warm_imports()

    def parse(self, text: str) -> ParsedQuery:
        """:func:`indexer.query.parse_query` with this index's synonyms.

        Raises:
            QueryError: see :func:`indexer.query.parse_query`.
        """
        return parse_query(text, self._synonyms())

    def _synonyms(self) -> dict[str, tuple[str, ...]]:
        """This index's synonyms (:func:`indexer.query.synonym_map` of its ``meta.json``),
        worked out once per reading of the file: every request built the map anew, and a
        thesaurus of 15,000 groups took 0.22 s of every search (breaker)."""
        global _synonym_maps
        groups = self.handle.current_meta().get("synonyms")
        if not groups:
            return {}
        for known, mapped in _synonym_maps:
            if known is groups:  # read_meta gives the same list until meta.json changes
                return mapped
        mapped = synonym_map(groups)
        _synonym_maps = ((groups, mapped), *_synonym_maps[:3])
        return mapped

    def unknown_documents(self, parsed: ParsedQuery) -> tuple[str, ...]:
        """The ids that ``doc:`` clauses of ``parsed`` name and no section of the index holds
        (a bookmark's document removed or renamed), in the order typed."""
        named = dict.fromkeys(c.text.strip() for c in parsed.clauses if c.field == "doc")
        return tuple(d for d in named if not matching.holds(self._searcher, "doc_id", d))

    def words(self, text: str) -> list[str]:
        """``text`` cut into words by this index's word analyzer (its user dictionary)."""
        return [t.text for t in self._searcher.schema["body"].analyzer(text)]

    def _hit(self, docnum: int, score: float, needles: list[str]) -> Hit:
        reader, local = self._leaf(docnum)
        stored = stored_record(reader, local)
        snip = make_snippet(section_text(reader, local), needles,
                            section_normalized(reader, local))
        return Hit(
            section_id=stored["section_id"],
            doc_id=stored["doc_id"],
            ordinal=stored["ordinal"],
            doc_title=stored.get("doc_title", ""),
            article_title=stored.get("article_title", ""),
            author=stored.get("author", ""),
            section_title=stored.get("title", ""),
            breadcrumb=_crumbs(stored),
            score=float(score or 0.0),
            snippet=snip.html,
            fragments=snip.fragments,
            match_count=snip.match_count,
            shown_count=snip.shown,
            needles=tuple(needles),
            path=self._doc_head(docnum, stored["doc_id"])[1],
            lang=_lang(stored),
        )

    def search(self, parsed: ParsedQuery, page: int = 1, per_page: int = 10,
               filters: Filters | None = None, budget_s: float | None = SEARCH_BUDGET_S) -> Page:
        """Rank the sections matching ``parsed`` and return page ``page``.

        When nothing matches and the query is long, the best partial matches are returned
        instead (``Page.partial``): sections holding any of its words, ranked by BM25 with a
        coordination bonus for holding more of them. When still nothing matches,
        ``Page.suggestions`` holds queries that do find something.

        Args:
            parsed: from :meth:`parse` or :func:`indexer.query.parse_query`.
            page: 1-based page number; a page past the end has no hits (``total`` still set).
            per_page: hits per page, 1 to :data:`MAX_PER_PAGE`.
            filters: restrict to a document and/or an article (facet links).
            budget_s: seconds the matching may take (None: no limit); see ``Page.timed_out``.
        Returns:
            a :class:`Page`, with :class:`Facets` counted over the whole (unfiltered) result.
        Raises:
            ValueError: ``page`` < 1 or ``per_page`` outside 1..MAX_PER_PAGE.
        """
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"page must be ≥ 1 and per_page 1–{MAX_PER_PAGE}")
        first = (page - 1) * per_page
        restrict = (filters or Filters()).terms()
        deadline = None if budget_s is None else time.monotonic() + budget_s
        ranked, _ = self._bounded(deadline, matching.rank, self._searcher, parsed, self.words,
                                  first + per_page, restrict, deadline)
        timed_out = ranked is None or ranked.timed_out
        if ranked is not None and ranked.total:
            hits = [self._hit(d, score, matching.section_needles(*self._leaf(d), parsed))
                    for d, score in zip(ranked.docnums[first:], ranked.scores[first:])]
            return Page(parsed, ranked.total, page, per_page,
                        max(1, math.ceil(ranked.total / per_page)), tuple(hits),
                        facets=self._facets(ranked.facet_matches), timed_out=timed_out)
        if timed_out:
            return Page(parsed, 0, page, per_page, 1, (), timed_out=True)
        fallback = fallback_words(parsed, self.words)
        if fallback is not None:
            ranked = self._partial(fallback, first + per_page, deadline,
                                   [*restrict, *(("doc_id", d) for d in fallback.documents)])
            timed_out = ranked is None or ranked.timed_out
            if ranked is not None and ranked.total:
                hits = []
                for d, score in zip(ranked.docnums[first:], ranked.scores[first:]):
                    for words in _partial_marks(fallback.words):
                        hit = self._hit(d, score, words)
                        if hit.match_count:
                            break
                    hits.append(hit)
                return Page(parsed, ranked.total, page, per_page,
                            max(1, math.ceil(ranked.total / per_page)), tuple(hits),
                            partial=True, partial_words=fallback.words,
                            partial_shortened=fallback.shortened,
                            partial_absent=ranked.absent, timed_out=timed_out)
        unknown = self._unknown(restrict)
        unknown_documents = self.unknown_documents(parsed)
        suggestions: list[str] = []  # kept as found, so an interrupt keeps the earlier ones
        elsewhere = 0
        if restrict:  # a filter naming nothing, a renamed article's, has its count too
            everywhere, _ = self._bounded(deadline, matching.rank, self._searcher, parsed,
                                          self.words, 1, [], deadline)
            elsewhere = everywhere.total if everywhere is not None else 0
        if not unknown and not elsewhere:
            # else the filter is what fails: the page offers the unfiltered search
            self._bounded(deadline, self._suggest, parsed, suggestions, deadline)
        return Page(parsed, 0, page, per_page, 1, (), suggestions=tuple(suggestions),
                    unknown_filters=unknown, unknown_documents=unknown_documents,
                    elsewhere=elsewhere)

    def _unknown(self, restrict: list[tuple[str, str]]) -> tuple[str, ...]:
        """The fields of the ``(fieldname, value)`` filter terms no section holds."""
        return tuple(field for field, value in restrict
                     if not matching.holds(self._searcher, field, value))

    def _facets(self, matches: list[matching.SegmentMatches]) -> Facets:
        """Hit counts per document and per article over ``matches``, read from the ``doc_id``
        and ``article_key`` columns."""
        top, doc_count = matching.facet_top(matches, "doc_id", MAX_FACET_VALUES)
        heads = {v: self._doc_name(d, v) for v, _, d in top}
        documents = tuple(FacetValue(v, heads[v][0], n, heads[v][2]) for v, n, _ in top)
        # sections outside any article have a key with an empty article part: not a facet
        # value, and left out before the top is taken so they never displace a real article
        top, article_count = matching.facet_top(matches, "article_key", MAX_FACET_VALUES,
                                                _in_an_article)
        # an article is named with its document's name where another listed article reads
        # the same (第一章 总则 and 第一章  总则 with two spaces) or an article of another
        # document of the index does (each law's 第一章 总则, each day's 新闻摘要, even when
        # only one is listed: new-user trial), or where its document shares its title with
        # another (two versions of a law: new-user trial)
        named = [(key, article_title_of(key)) for key, _, _ in top]
        docs = {article_doc_id(key): self._doc_name(d, article_doc_id(key)) for key, _, d in top}
        shared = self._shared_article_titles()
        articles = tuple(
            FacetValue(key, _article_label(key, docs[article_doc_id(key)][0])
                       if told or _read(label) in shared or docs[article_doc_id(key)][1]
                       else label, n, docs[article_doc_id(key)][2])
            for (key, n, _), (_, label), told in zip(top, named, _alike(named)))
        return Facets(documents, articles, doc_count - len(documents),
                      article_count - len(articles))

    def _doc_name(self, docnum: int, doc_id: str) -> tuple[str, bool, str]:
        """``(name, shared, lang)``: document ``doc_id``'s name as the facets and a filtered
        page show it, whether another document of the index shares its title, and its
        script (:attr:`Hit.lang`). The name is its title (its id when it has none), followed
        by `` · `` and its path where another document of the index has a title that reads
        the same (two provinces' 政府工作报告, two versions of a law), whether or not that one
        is among the hits. ``docnum``: the global number of one of its sections. One dict
        lookup once known: the facets ask it for each value."""
        names = kept_on(self._searcher, "_zhsearch_doc_names", dict)  # for this index's life
        named = names.get(doc_id)
        if named is None:
            title, path, lang = self._doc_head(docnum, doc_id)
            shared = _read(title) in self._shared_titles()
            named = names[doc_id] = (f"{title} · {path}" if shared else title), shared, lang
        return named

    def _shared_titles(self) -> frozenset[str]:
        """The titles (white space taken out, :func:`_read`) that two or more documents of
        the index share, from one stored record of each document (kept per segment by
        :meth:`_doc_head`), worked out once per searcher."""
        def make():
            titles = {doc_id: _read(self._doc_head(docnum, doc_id)[0])
                      for _, doc_ids, first in matching.documents_per_segment(self._searcher)
                      for doc_id, docnum in zip(doc_ids, first)}
            return frozenset(t for t, n in Counter(titles.values()).items() if n > 1)
        return kept_on(self._searcher, "_zhsearch_shared_titles", make)

    def _shared_article_titles(self) -> frozenset[str]:
        """The article titles (as they read, :func:`_read`) that articles of two or more
        documents of the index share, from the ``article_key`` column's values; each
        segment's titles are read once (about 130 ms for cn-laws' 20,000 articles), their
        union once per searcher."""
        def make():
            # a segment keeps its deleted sections' values: only documents still held count
            # (breaker: a label kept naming its document after the other was removed)
            live = {doc_id for _, doc_ids, _ in matching.documents_per_segment(self._searcher)
                    for doc_id in doc_ids}
            documents = defaultdict(set)
            for held in matching.column_summaries(self._searcher, "article_key", _title_holders):
                for title, doc_ids in held.items():
                    documents[title].update(doc_ids & live)
            return frozenset(t for t, holders in documents.items() if len(holders) > 1)
        return kept_on(self._searcher, "_zhsearch_shared_article_titles", make)

    def _leaf(self, docnum: int) -> tuple:
        """``(segment reader, segment document number)`` of global document ``docnum``."""
        leaves = segment_leaves(self._searcher)
        at = bisect_right([offset for _, offset in leaves], docnum) - 1
        reader, offset = leaves[at]
        return reader, docnum - offset

    def _text(self, docnum: int) -> str:
        """The text of section ``docnum`` (global number), as it was indexed
        (:func:`indexer.postings.section_text`)."""
        return section_text(*self._leaf(docnum))

    def _normalized(self, docnum: int):
        """Section ``docnum`` (global number) normalized, from the index's columns
        (:func:`indexer.postings.section_normalized`), or None."""
        return section_normalized(*self._leaf(docnum))

    def _doc_head(self, docnum: int, doc_id: str) -> tuple[str, str, str]:
        """``(title, path, lang)`` of document ``doc_id`` as its sections store them (its id
        for a title it lacks or that is empty, and for a path), read from section ``docnum``
        (global number) once per segment and kept."""
        reader, local = self._leaf(docnum)
        heads = per_segment(reader, "doc_heads", dict)  # filled lazily, shared by threads
        head = heads.get(doc_id)
        if head is None:
            stored = stored_record(reader, local)
            head = heads[doc_id] = (stored.get("doc_title") or doc_id,
                                    stored.get("path") or doc_id, _lang(stored))
        return head

    def concordance(self, parsed: ParsedQuery, context: int = 20, sort: str = "position",
                    limit: int = MAX_CONCORDANCE,
                    budget_s: float | None = SEARCH_BUDGET_S,
                    filters: Filters | None = None, offset: int = 0,
                    count: int | None = None) -> Concordance:
        """Every occurrence of the query's positive clauses in the sections that match it
        (and ``filters``), with ``context`` characters on each side (keyword in context).

        Args:
            parsed: the query.
            context: characters of context on each side.
            sort: ``"position"`` (document, section, offset), ``"left"`` (by the normalized
                text before the match, ``context`` characters of it read backwards from the
                match, as concordancers do) or ``"right"`` (the text after it).
            limit: at most this many occurrences are returned, the first in ``sort``'s order
                (all are counted; a sorted list is chosen from the first :data:`MAX_SORTED`
                in document order, see ``Concordance.sorted_among``).
            budget_s: seconds it may take (None: no limit); see ``Concordance.timed_out``.
            filters: only the sections of one document and/or article, as :meth:`search`'s
                (an analyst counting a phrase in one province's report).
            offset, count: return only the listed occurrences from ``offset`` (0-based), at
                most ``count`` of them (None: all): a page of them. In document order only
                those up to the page's end are found and cut out with their context (the page
                built the first 10,000 to show 100: 0.38 → 0.24 s for 法 on cn-laws).
        Raises:
            ValueError: an unknown ``sort``.
        """
        if sort not in CONCORDANCE_SORTS:
            raise ValueError(f"sort must be one of {CONCORDANCE_SORTS}, not {sort!r}")
        deadline = None if budget_s is None else time.monotonic() + budget_s
        restrict = (filters or Filters()).terms()
        found_matches, interrupted = self._bounded(deadline, matching.match, self._searcher,
                                                   parsed.root, deadline, restrict)
        if interrupted:
            return Concordance((), 0, False, True)
        matches, timed_out = found_matches
        counted = matching.occurrence_counts(matches, parsed)
        total = sum(n for _, n in counted)
        unknown = self._unknown(restrict) if not total else ()
        # sections in document order: sorted by path and ordinal
        keyed = []
        per_document: dict[str, list[int]] = {}  # doc_id → [occurrences, sections, docnum]
        for docnum, n in counted:
            if not n:
                continue
            if deadline is not None and time.monotonic() > deadline:
                timed_out = True
                break
            stored = self._searcher.stored_fields(docnum)
            keyed.append(((stored.get("path", ""), stored["ordinal"]), docnum, stored))
            row = per_document.setdefault(stored["doc_id"], [0, 0, docnum])
            row[0] += n
            row[1] += 1
        keyed.sort(key=lambda t: t[0])
        documents = []
        for doc_id, (n, sections, docnum) in per_document.items():
            name, _, lang = self._doc_name(docnum, doc_id)
            documents.append(DocumentCount(doc_id, name, self._doc_head(docnum, doc_id)[1], n,
                                           sections, lang))
        documents.sort(key=lambda d: (-d.occurrences, d.path))
        # the first `pool` occurrences in document order, as (section, text, match, number):
        # a sorted list is chosen from many, so an Occurrence is made only for those listed
        end = limit if count is None else min(limit, offset + count)
        pool = end if sort == "position" else max(limit, MAX_SORTED)
        found: list[tuple] = []
        for _, docnum, stored in keyed:
            if len(found) >= pool:
                break
            if deadline is not None and time.monotonic() > deadline:
                timed_out = True
                break
            text = self._text(docnum)
            norm = self._normalized(docnum) or normalize(text)
            needles = matching.section_needles(*self._leaf(docnum), parsed)
            for number, (m, i, j) in enumerate(find_matches_located(text, needles, norm), 1):
                if len(found) >= pool:
                    break
                # the sort key: the normalized text before the match read backwards, or after
                key = "" if sort == "position" else norm.text[max(0, i - context):i][::-1] \
                    if sort == "left" else norm.text[j:j + context]
                found.append((docnum, stored, text, m, number, key))
        if sort != "position":
            found.sort(key=lambda f: f[5])  # stable: ties stay in document order
        listed = min(len(found) if timed_out or sort != "position" else total, limit)
        occurrences = []
        for docnum, stored, text, m, number, _ in found[offset:end]:
            _, shared, _ = self._doc_name(docnum, stored["doc_id"])
            occurrences.append(Occurrence(
                left=text[max(0, m.start_char - context):m.start_char].replace("\n", " "),
                match=text[m.start_char:m.end_char],
                right=text[m.end_char:m.end_char + context].replace("\n", " "),
                section_id=stored["section_id"], doc_id=stored["doc_id"],
                breadcrumb=_crumbs(stored), start_char=m.start_char, end_char=m.end_char,
                number=number, path=self._doc_head(docnum, stored["doc_id"])[1],
                shared_title=shared, lang=_lang(stored)))
        return Concordance(tuple(occurrences), total, total > listed, timed_out, unknown,
                           sorted_among=total if sort == "position" else len(found),
                           listed=listed, documents=tuple(documents))

    def _partial(self, fallback: Fallback, limit: int, deadline: float | None = None,
                 restrict: list[tuple[str, str]] = ()) -> matching.Ranked | None:
        """BM25 over the fallback's words (an OR), with a coordination bonus so that sections
        holding more of the query rank higher; at least one word must occur. Single characters
        count: requiring a longer word cost 0.05 MRR@10 on CMRC 2018 (``bench/relevance.py``),
        whose relevant passages often share only characters of a name with the question. None
        when the hard deadline interrupted it."""
        return self._bounded(deadline, matching.rank_partial, self._searcher, fallback.words,
                             limit, PARTIAL_COORDINATION, deadline, restrict, fallback.typed)[0]

    def _exists(self, text: str, synonyms: dict[str, tuple[str, ...]]) -> bool:
        """Whether any section matches ``text`` read with ``synonyms`` (as a search of it
        reads it; :meth:`_synonyms`), stopping at the first; no scoring."""
        try:
            root = parse_query(text, synonyms).root
        except QueryError:
            return False
        return any(m.ids.size for m in matching.match(self._searcher, root)[0])

    def _suggest(self, parsed: ParsedQuery, out: list[str], deadline: float | None = None,
                 limit: int = 3) -> list[str]:
        """Queries that find something, appended to ``out`` as found (so that an interrupted
        search keeps those): the query a little wider (:func:`indexer.query.relaxed`: without
        one of its parts, a ``doc:`` or ``title:`` clause too, the rest kept as typed);
        failing that, for a query of one word, its longest pieces that occur in the index
        (with the query's other parts, exclusions and filters, kept). No probe starts past
        ``deadline`` (monotonic s); at most :data:`MAX_SUGGEST_PROBES` are made."""
        probes = 0
        synonyms = self._synonyms()  # once: every probe is read as its search will be

        def found(q: str) -> bool:
            nonlocal probes
            probes += 1
            return q not in out and self._exists(q, synonyms)

        def spent() -> bool:
            return probes >= MAX_SUGGEST_PROBES or len(out) >= limit or (
                deadline is not None and time.monotonic() > deadline)

        for wider in relaxed(parsed.root):
            if spent():
                return out
            q = query_text(wider)
            if found(q):
                out.append(q)
        clauses = parsed.clauses
        if out or len(clauses) != 1 or clauses[0].field != "body" \
                or not 1 < len(clauses[0].norm) <= MAX_SUGGEST_CHARS:
            return out
        word = clauses[0]
        folded = normalize(word.text)
        typed_pieces = folded.text == word.norm

        def as_typed(start: int, size: int, piece: str) -> str:
            """The piece in the characters the user typed (勞動合同 for 劳动合同: a suggestion
            came back in Simplified to a Traditional query: new-user trial), or as normalized
            when those do not normalize to it alone."""
            if not typed_pieces:
                return piece
            (begin,), (end,) = folded.slices([start], size)
            typed = word.text[begin:end]
            return typed if normalized(typed) == piece else piece

        tried: set[str] = set()  # normalized: 兩個 and 两个 of "兩個两个" are one search (breaker)
        for size in range(len(word.norm) - 1, 1, -1):
            for start in range(0, len(word.norm) - size + 1):
                piece = word.norm[start:start + size]
                # a piece cut at a space, or of punctuation only ("+ " of "c++ 11"), is
                # nothing a person would type; one holding a quote cannot be typed as a
                # phrase (Chinese quotes normalize to '"')
                if piece != piece.strip() or not any(ch.isalnum() for ch in piece) \
                        or any(ch in QUOTES for ch in piece) or piece in tried:
                    continue
                tried.add(piece)
                if spent():
                    return out
                piece = as_typed(start, size, piece)
                if parsed.root is word:  # the piece alone, quoted only if it must be
                    q = query_text(Clause(piece, normalized(piece)))
                else:  # quoted: a piece is literal text, whatever it holds
                    q = query_text(with_phrase(parsed.root, word, piece))
                if found(q):
                    out.append(q)
            if out:
                break
        return out

    def all_section_ids(self, parsed: ParsedQuery) -> set[str]:
        """The ids of every section matching ``parsed`` (no ranking, no paging)."""
        matches, _ = matching.match(self._searcher, parsed.root)
        return {self._searcher.stored_fields(d)["section_id"] for d in _docnums(matches)}

    def document(self, doc_id: str, parsed: ParsedQuery | None = None) -> DocumentView:
        """The document ``doc_id`` with the matches of ``parsed`` (if any) marked in the
        sections that match it, as its hits and concordance count them (a section the query
        excludes, ``-广东``, or that lacks one of its words, has none); when none does, the
        words of the query are marked wherever they occur, as a partial-match hit's are.

        Raises:
            NotFoundError: no such document.
        """
        docnums = list(self._searcher.document_numbers(doc_id=doc_id))
        if not docnums:
            raise NotFoundError(f"no document {doc_id!r}")
        pairs = sorted(((self._searcher.stored_fields(d), d) for d in docnums),
                       key=lambda pair: pair[0]["ordinal"])
        docnums = [d for _, d in pairs]
        stored = [{**fields, "text": self._text(d)} for fields, d in pairs]
        # the index's normalized texts and maps, as hits use them: no section normalized again
        norms = [self._normalized(d) for d in docnums] if parsed else []

        def matches_of(words_of, only: set[int] | None = None) -> list[tuple[list, int]]:
            """Each section's first matches (:data:`MAX_DOCUMENT_MARKS` over the document)
            and how many it holds; ``words_of(docnum)`` gives a section's needles."""
            out, room = [], MAX_DOCUMENT_MARKS
            for s, n, d in zip(stored, norms, docnums):
                if only is not None and d not in only:
                    out.append(([], 0))
                    continue
                n = n or normalize(s["text"])
                words = words_of(d)
                # each word's first `room` matches: fewer in all than `room` means they are
                # all (one pass over the text, as before the cap); else they are counted
                first = find_matches(s["text"], words, room, n) if room else []
                total = len(first) if len(first) < room and not synonyms_may_overlap(words) \
                    else count_matches(n.text, words)
                first = first[:room]
                room -= len(first)
                out.append((first, total))
            return out

        needles = parsed.needles if parsed else []
        if needles:
            # "公安 -广东" marked 公安 in the sections holding 广东 too: 82 marks where the
            # results and the concordance counted 57 (breaker)
            hits, _ = matching.match(self._searcher, parsed.root, restrict=[("doc_id", doc_id)])
            # and only the words of the OR's branches it matches (breaker)
            found = matches_of(lambda d: matching.section_needles(*self._leaf(d), parsed),
                               set(_docnums(hits)))
        else:
            found = [([], 0) for _ in stored]
        partial: tuple[str, ...] = ()
        fallback = fallback_words(parsed, self.words) \
            if parsed and not any(total for _, total in found) else None
        if fallback is not None:
            for words in _partial_marks(fallback.words):  # as a partial-match hit is marked
                found = matches_of(lambda d, words=words: words)
                if any(total for _, total in found):
                    partial = tuple(words)
                    break
        sections = []
        for s, (matches, total) in zip(stored, found):
            sections.append(SectionView(
                section_id=s["section_id"],
                ordinal=s["ordinal"],
                title=s.get("title", ""),
                article_title=s.get("article_title", ""),
                author=s.get("author", ""),
                breadcrumb=_crumbs(s),
                text=s["text"],
                html=mark(s["text"], numbered_spans(matches)),
                match_count=total,
                marked=len(matches),
            ))
        # a word is present in any of its spellings (了解 as 瞭解)
        spellings = {c.norm: (c.norm, *c.variants) for c in parsed.clauses
                     if c.field == "body"} if parsed else {}
        absent = tuple(w for w, forms in spellings.items()
                       if not any(f in n.text for f in forms for n in norms)) \
            if len(spellings) > 1 and all(norms) else ()
        first = stored[0]
        return DocumentView(doc_id, first.get("doc_title", ""), first.get("path", ""),
                            tuple(sections), partial, absent, _lang(first))

    def filter_label(self, doc: str = "", article: str = "") -> str | None:
        """What a page filtered to document ``doc`` or to article ``article`` (an article key,
        as its facet link gives it) calls its filter: the document's name as the facet
        writes it (its title, and its path where another document shares the title:
        ``政府工作报告 · 广东/报告.md``), or the article's title followed by that in brackets
        (each law has its 第一章 总则), as the facets write a told-apart article; a document
        the index does not hold by its id. None when neither is given."""
        if article:
            return _article_label(article, self._document_name(article_doc_id(article)))
        return self._document_name(doc) if doc else None

    def _document_name(self, doc_id: str) -> str:
        """Document ``doc_id``'s name as the facets show it (:meth:`_doc_name`), or its id
        where the index holds no section of it."""
        docnum = self._searcher.document_number(doc_id=doc_id)
        return doc_id if docnum is None else self._doc_name(docnum, doc_id)[0]

    def documents(self) -> list[DocumentSummary]:
        """Every document in the index, sorted by path, with its section count: counted from
        the ``doc_id`` column, titles and paths read from one section of each document (not
        every section's stored fields: a second on cn-laws)."""
        by_doc: dict[str, DocumentSummary] = {}
        for ids, doc_ids, first in matching.documents_per_segment(self._searcher):
            for doc_id, n, docnum in zip(doc_ids, ids, first):
                known = by_doc.get(doc_id)
                if known is None:
                    stored = self._searcher.stored_fields(docnum)
                    known = DocumentSummary(doc_id, stored.get("doc_title", ""),
                                            stored.get("path", ""), 0, _lang(stored))
                by_doc[doc_id] = replace(known, sections=known.sections + n)
        return sorted(by_doc.values(), key=lambda d: d.path)

    def section_count(self) -> int:
        """Number of sections (index documents)."""
        return self._searcher.doc_count()
