"""Blueprint ``document``: a whole document, opening at a section, with matches marked."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

import indexer

from . import urls
from .index_access import get_session
from .limits import expensive
from .params import ConcordanceParams, ParamError, SearchParams, from_concordance

bp = Blueprint("document", __name__)


def _load(doc_id: str) -> tuple[SearchParams | ConcordanceParams, indexer.DocumentView, bool]:
    # the last: whether the query could be read (else there is no page of it to go back to)
    # q marks the matches; page, per_page, doc and article name the results page we came from,
    # or, with from=concordance, the concordance page (and its sort)
    try:
        if from_concordance(request.args):
            results = ConcordanceParams.from_args(request.args)
        else:
            results = SearchParams.from_args(request.args)
    except ParamError as exc:
        abort(400, description=str(exc))
    session = get_session()
    try:
        parsed = session.parse(results.q) if results.q.strip() else None
    except indexer.QueryError:
        parsed = None  # a query with nothing to mark still shows the document
    try:
        # a document of 50,000 headings took 3 s to read and mark: it takes a search slot
        # like a search, so a few such requests cannot hold every thread (breaker)
        with expensive():
            return results, session.document(doc_id, parsed), parsed is not None
    except indexer.NotFoundError:
        abort(404, description="没有这个文档。")


@bp.get("/doc/<doc_id>")
def document(doc_id: str):
    """The document ``doc_id``; each section is an anchor ``#<section_id>``."""
    results, doc, readable = _load(doc_id)
    back, to_concordance = None, isinstance(results, ConcordanceParams)
    if readable:  # a query that cannot be read has no results page (it is a 400): no link
        # a concordance line's document leads back to that concordance page, sort and all
        back = urls.concordance_url(results.q, results.sort, results.page,
                                    per_page=results.per_page, doc=results.doc,
                                    article=results.article) \
            if to_concordance else urls.search_url(results)
    json_url = urls.doc_url(doc_id, fmt="json", concordance=results) if to_concordance \
        else urls.doc_url(doc_id, fmt="json", results=results)
    return render_template("document.html", doc=doc, q=results.q, back_url=back,
                           back_to_concordance=to_concordance, json_url=json_url)


@bp.get("/doc/<doc_id>.json")
def document_json(doc_id: str):
    """``{"doc_id", "index_version" (as ``/search.json``'s), "title", "source", "lang" (the
    script it is written in, ``zh-Hant`` or ``zh-Hans``), "partial_words", "absent",
    "unmarked", "sections": [{"section_id", "title", "article_title", "author", "breadcrumb",
    "text", "match_count"}]}``; ``partial_words`` are the words marked when the query, taken whole,
    occurs nowhere in the document (else empty); ``absent`` the query's words that no section
    of it contains; ``unmarked`` how many matches the page leaves unmarked (past
    :data:`indexer.searcher.MAX_DOCUMENT_MARKS`)."""
    _q, doc, _readable = _load(doc_id)
    return {
        "doc_id": doc.doc_id,
        # which state of the index the texts come from (new-user trial: a script building
        # ground truth from them while a reindex ran could not tell)
        "index_version": get_session().index_version,
        "title": doc.title,
        "source": doc.path,
        "lang": doc.lang,
        "partial_words": list(doc.partial_words),
        "absent": list(doc.absent),
        "unmarked": doc.unmarked,
        "sections": [
            {"section_id": s.section_id, "title": s.title, "article_title": s.article_title,
             "author": s.author, "breadcrumb": list(s.breadcrumb), "text": s.text,
             "match_count": s.match_count}
            for s in doc.sections
        ],
    }
