"""Every URL the app emits is built here, so pages, JSON twins and links agree."""

from __future__ import annotations

from flask import url_for

from .params import DEFAULT_CONCORDANCE_PER_PAGE, DEFAULT_PER_PAGE, SearchParams


def _search_args(params: SearchParams, page: int | None = None) -> dict:
    """The query-string arguments of ``params``; defaults are left out so URLs stay short."""
    page = params.page if page is None else page
    args = {"q": params.q}
    if page != 1:
        args["page"] = page
    if params.per_page != DEFAULT_PER_PAGE:
        args["per_page"] = params.per_page
    if params.doc:
        args["doc"] = params.doc
    if params.article:
        args["article"] = params.article
    return args


def search_url(params: SearchParams, page: int | None = None, fmt: str = "html",
               external: bool = False) -> str:
    """URL of a results page; ``page`` replaces the page number, defaults are left out."""
    args = _search_args(params, page)
    endpoint = "search.search_json" if fmt == "json" else "search.search"
    return url_for(endpoint, _external=external, **args)


def doc_url(doc_id: str, q: str = "", section_id: str | None = None, fmt: str = "html",
            external: bool = False, results: SearchParams | None = None,
            match: int | None = None) -> str:
    """URL of a document view, opening at ``section_id`` and highlighting ``q``.

    ``results``, when given, is the results page the link is on: its query replaces ``q`` and
    its page and filters ride along, so the document's "back to results" link returns to that
    same page. ``match`` (1-based, ``m=``) selects one match of the section (a concordance line).
    """
    if results is not None:
        args = _search_args(results) if results.q else {}
    else:
        args = {"q": q} if q else {}
    if match is not None and match > 1:
        args["m"] = match
    if fmt == "json":
        return url_for("document.document_json", doc_id=doc_id, _external=external, **args)
    return url_for("document.document", doc_id=doc_id, _anchor=section_id, _external=external,
                   **args)


def concordance_url(q: str, sort: str = "position", page: int = 1, fmt: str = "html",
                    per_page: int = DEFAULT_CONCORDANCE_PER_PAGE) -> str:
    """URL of a concordance page (``fmt``: html, json or csv)."""
    args = {"q": q}
    if sort != "position":
        args["sort"] = sort
    if page != 1:
        args["page"] = page
    if per_page != DEFAULT_CONCORDANCE_PER_PAGE:
        args["per_page"] = per_page
    endpoint = {"html": "concordance.concordance", "json": "concordance.concordance_json",
                "csv": "concordance.concordance_csv"}[fmt]
    return url_for(endpoint, **args)
