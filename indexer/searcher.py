"""Run queries against an opened index and return plain dataclasses (no Whoosh object leaks).

A :class:`SearchSession` wraps one Whoosh searcher: open one per request and close it after
(Whoosh searchers are not thread-safe, and a fresh one sees the latest generation).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .highlight import Fragment, find_matches, make_snippet, mark, merge_spans
from .indexing import IndexHandle
from .query import ParsedQuery, whoosh_query
from .schema import weighting

MAX_PER_PAGE = 100
"""The largest page size a caller may ask for."""


@dataclass(frozen=True)
class Hit:
    """One ranked section.

    Attributes:
        section_id, doc_id, ordinal: where the section is.
        doc_title, article_title, author, section_title: its headings ("" when absent).
        breadcrumb: document › article › section titles.
        score: BM25F score (higher is better; comparable within one result list only).
        snippet: HTML of 1–2 fragments with every match in ``<mark>``, the rest escaped.
        fragments: the fragments with their offsets into the section text.
        match_count: matches in the whole section (the snippet may show fewer).
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


@dataclass(frozen=True)
class Page:
    """One page of hits: ``total`` sections matched; ``hits`` is page ``page`` (1-based) of
    ``pages`` pages of ``per_page`` hits."""

    query: ParsedQuery
    total: int
    page: int
    per_page: int
    pages: int
    hits: tuple[Hit, ...]


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


@dataclass(frozen=True)
class DocumentView:
    """A whole document: its sections in order."""

    doc_id: str
    title: str
    path: str
    sections: tuple[SectionView, ...]

    @property
    def match_count(self) -> int:
        """Matches of the query over all sections."""
        return sum(s.match_count for s in self.sections)


@dataclass(frozen=True)
class DocumentSummary:
    """One line of the collection listing."""

    doc_id: str
    title: str
    path: str
    sections: int


class NotFoundError(LookupError):
    """No document with the requested id."""


def _crumbs(stored: dict) -> tuple[str, ...]:
    return tuple(json.loads(stored.get("breadcrumb") or "[]"))


class SearchSession:
    """One searcher over an opened index. Use as a context manager or call :meth:`close`."""

    def __init__(self, handle: IndexHandle):
        self.handle = handle
        self._searcher = handle.ix.searcher(weighting=weighting())

    def close(self) -> None:
        """Release the searcher's files."""
        self._searcher.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def search(self, parsed: ParsedQuery, page: int = 1, per_page: int = 10) -> Page:
        """Rank the sections matching ``parsed`` and return page ``page``.

        Args:
            parsed: from :func:`indexer.query.parse_query`.
            page: 1-based page number; a page past the end has no hits (``total`` still set).
            per_page: hits per page, 1 to :data:`MAX_PER_PAGE`.
        Raises:
            ValueError: ``page`` < 1 or ``per_page`` outside 1..MAX_PER_PAGE.
        """
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"page must be ≥ 1 and per_page 1–{MAX_PER_PAGE}")
        first = (page - 1) * per_page
        results = self._searcher.search(whoosh_query(parsed), limit=first + per_page)
        total = len(results)  # counts every match, not only the collected top documents
        pages = max(1, math.ceil(total / per_page))
        hits: list[Hit] = []
        if first < total:
            needles = parsed.needles
            for r in results[first:first + per_page]:
                stored = r.fields()
                snip = make_snippet(stored["text"], needles)
                hits.append(Hit(
                    section_id=stored["section_id"],
                    doc_id=stored["doc_id"],
                    ordinal=stored["ordinal"],
                    doc_title=stored.get("doc_title", ""),
                    article_title=stored.get("article_title", ""),
                    author=stored.get("author", ""),
                    section_title=stored.get("title", ""),
                    breadcrumb=_crumbs(stored),
                    score=float(r.score or 0.0),
                    snippet=snip.html,
                    fragments=snip.fragments,
                    match_count=snip.match_count,
                ))
        return Page(parsed, total, page, per_page, pages, tuple(hits))

    def all_section_ids(self, parsed: ParsedQuery) -> set[str]:
        """The ids of every section matching ``parsed`` (no ranking, no paging)."""
        results = self._searcher.search(whoosh_query(parsed), limit=None, scored=False)
        return {r["section_id"] for r in results}

    def document(self, doc_id: str, parsed: ParsedQuery | None = None) -> DocumentView:
        """The document ``doc_id`` with the matches of ``parsed`` (if any) marked.

        Raises:
            NotFoundError: no such document.
        """
        stored = list(self._searcher.documents(doc_id=doc_id))
        if not stored:
            raise NotFoundError(f"no document {doc_id!r}")
        stored.sort(key=lambda s: s["ordinal"])
        needles = parsed.needles if parsed else []
        sections = []
        for s in stored:
            matches = find_matches(s["text"], needles) if needles else []
            sections.append(SectionView(
                section_id=s["section_id"],
                ordinal=s["ordinal"],
                title=s.get("title", ""),
                article_title=s.get("article_title", ""),
                author=s.get("author", ""),
                breadcrumb=_crumbs(s),
                text=s["text"],
                html=mark(s["text"], merge_spans(matches)),
                match_count=len(matches),
            ))
        first = stored[0]
        return DocumentView(doc_id, first.get("doc_title", ""), first.get("path", ""), tuple(sections))

    def documents(self) -> list[DocumentSummary]:
        """Every document in the index, sorted by path, with its section count."""
        by_doc: dict[str, DocumentSummary] = {}
        for stored in self._searcher.all_stored_fields():
            d = by_doc.get(stored["doc_id"])
            by_doc[stored["doc_id"]] = DocumentSummary(
                stored["doc_id"], stored.get("doc_title", ""), stored.get("path", ""),
                (d.sections if d else 0) + 1)
        return sorted(by_doc.values(), key=lambda d: d.path)

    def section_count(self) -> int:
        """Number of sections (index documents)."""
        return self._searcher.doc_count()
