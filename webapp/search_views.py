"""Blueprint ``search``: the home page, results pages and their JSON twins."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, render_template

import indexer

from . import urls
from .index_access import get_session, index_status
from .limits import budget_s, expensive
from .params import (FILTER_PARAMS, SearchParams, filters_dict, last_page, paging_note,
                     read_query)

bp = Blueprint("search", __name__)


def _display_title(hit: indexer.Hit) -> str:
    # a lead section ("导语") says little on its own: name the article it opens
    if hit.section_title == indexer.INTRO_TITLE and hit.article_title:
        return f"{hit.article_title}（{indexer.INTRO_TITLE}）"
    return hit.section_title or hit.doc_title


def _hit_dict(hit: indexer.Hit, url: str) -> dict:
    title = _display_title(hit)
    return {
        "doc_id": hit.doc_id,
        "doc_title": hit.doc_title,
        "section_id": hit.section_id,
        "section_title": hit.section_title,
        "display_title": title,
        "display_title_html": indexer.mark_matches(title, list(hit.needles)),
        "article_title": hit.article_title,
        "author": hit.author,
        "source": hit.path,
        "breadcrumb": list(hit.breadcrumb),
        "url": url,
        "snippet": hit.snippet,
        "match_count": hit.match_count,
        "more_matches": hit.match_count - hit.shown_count,
        "score": round(hit.score, 4),
        "lang": hit.lang,
    }


def _facets_dict(params: SearchParams, facets: indexer.Facets | None) -> dict:
    def values(items, key):
        links = urls.facet_urls(params, key, [f.value for f in items])
        return [{"value": f.value, "label": f.label, "count": f.count, "lang": f.lang,
                 "url": url}
                for f, url in zip(items, links)]

    if facets is None:
        return {"documents": [], "articles": [], "more_documents": 0, "more_articles": 0}
    return {"documents": values(facets.documents, "doc"),
            "articles": values(facets.articles, "article"),
            "more_documents": facets.more_documents, "more_articles": facets.more_articles}


def _page_dict(params: SearchParams, page: indexer.Page, session: indexer.SearchSession) -> dict:
    """The one shape both formats share."""
    return {
        "query": params.q,
        "index_version": session.index_version,
        "read_as": page.query.reading,
        "notes": list(page.query.notes),
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
        "last_page": last_page(page.pages),
        "paging_note": paging_note(page.page, page.pages),
        "hits": [_hit_dict(h, url) for h, url in zip(page.hits, urls.hit_urls(
            params, [(h.doc_id, h.section_id) for h in page.hits]))],
        "filters": filters_dict(params, session),
        "unknown_filters": [FILTER_PARAMS[f] for f in page.unknown_filters],
        "unknown_documents": list(page.unknown_documents),
        "elsewhere": page.elsewhere,
        "unfiltered_url": urls.search_url(replace(params, page=1, doc="", article="")),
        "facets": _facets_dict(params, page.facets),
        # the concordance lists occurrences of the whole query: partial matches have none,
        # nor has a query that matches nothing
        "concordance_url": None if page.partial or not page.total
        else urls.concordance_url(params.q, doc=params.doc, article=params.article),
        "partial": page.partial,
        "partial_words": list(page.partial_words),
        "partial_shortened": page.partial_shortened,
        "partial_absent": list(page.partial_absent),
        "timed_out": page.timed_out,
        "suggestions": [{"query": sq, "url": urls.search_url(SearchParams(sq))}
                        for sq in page.suggestions],
        "prev": urls.search_url(params, min(page.page - 1, page.pages)) if page.page > 1 else None,
        "next": urls.search_url(params, page.page + 1)
        if page.page < last_page(page.pages) else None,
    }


def _run_search() -> tuple[SearchParams, indexer.Page, dict]:
    session = get_session()
    params, parsed = read_query(SearchParams, session)
    filters = indexer.Filters(doc_id=params.doc, article_key=params.article)
    with expensive():
        page = session.search(parsed, page=params.page, per_page=params.per_page,
                              filters=filters, budget_s=budget_s())
    return params, page, _page_dict(params, page, session)


@bp.get("/")
def home():
    """The query box and the collection."""
    session = get_session()
    return render_template(
        "home.html",
        docs=session.documents(),
        sections=session.section_count(),
        status=index_status(),
        json_url="/docs.json",
    )


@bp.get("/help")
def help_page():
    """The query syntax, with examples that link to their results."""
    return render_template("help.html")


@bp.get("/docs.json")
def docs_json():
    """``{"index_version", "docs": [{"doc_id", "title", "source", "sections", "lang", "url"}],
    "sections", "built_at", "updated_at"}``: ``built_at`` is the last full build,
    ``updated_at`` the last change of the index (a full build or an incremental update;
    ISO 8601, UTC)."""
    session = get_session()
    status = index_status()
    return {
        "index_version": session.index_version,
        "docs": [
            {"doc_id": d.doc_id, "title": d.title, "source": d.path, "sections": d.sections,
             "lang": d.lang, "url": urls.doc_url(d.doc_id)}
            for d in session.documents()
        ],
        "sections": session.section_count(),
        "built_at": status.built_at,
        "updated_at": status.updated_at,
    }


@bp.get("/search")
def search():
    """A results page: total, hits with highlighted snippets, pagination."""
    params, page, data = _run_search()
    # a hit with no match in its text matched in its titles (a title: clause), or only by
    # its document (doc:): say which rather than "0 处匹配"
    titled = any(c.field == "title" for c in page.query.clauses)
    # "drop one of the words" is advice only for a query of several
    several = len(page.query.clauses) > 1
    # a page past the last links back to the first of the same search: page size and filters
    # kept, as the concordance's link does
    return render_template("search.html", q=params.q, data=data, titled=titled, several=several,
                           first_url=urls.search_url(params, 1),
                           json_url=urls.search_url(params, fmt="json"))


@bp.get("/search.json")
def search_json():
    """JSON twin of :func:`search`."""
    _params, _page, data = _run_search()
    return data
