"""Every URL the app emits is built here, so pages, JSON twins and links agree."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from urllib.parse import quote, quote_plus

from flask import request, url_for

from .params import DEFAULT_CONCORDANCE_PER_PAGE, DEFAULT_PER_PAGE, ConcordanceParams, SearchParams


def _page_args(q: str, page: int, per_page: int, default_per_page: int, doc: str, article: str,
               sort: str = "position") -> dict:
    """A results or concordance page's query-string arguments; defaults are left out so URLs
    stay short."""
    args = {"q": q}
    if sort != "position":
        args["sort"] = sort
    if page != 1:
        args["page"] = page
    if per_page != default_per_page:
        args["per_page"] = per_page
    if doc:
        args["doc"] = doc
    if article:
        args["article"] = article
    return args


def _search_args(params: SearchParams, page: int | None = None) -> dict:
    """The query-string arguments of ``params`` (``page`` replacing its page)."""
    return _page_args(params.q, params.page if page is None else page, params.per_page,
                      DEFAULT_PER_PAGE, params.doc, params.article)


_QUERY_SAFE = "!$'()*,/:;?@"
"""Characters Werkzeug leaves unescaped in query values (``werkzeug.urls._urlencode``, after
the WHATWG URL standard's query percent-encode set); tests hold :func:`search_url` to Flask's
``url_for`` and :func:`facet_urls` to :func:`search_url`, so a change there shows."""
MAX_QUOTED = 4096
"""Escaped values remembered (queries, document ids, facet values and section ids recur from
page to page; escaping one with ``urllib.parse.quote`` took 3 µs, 60 times a results page)."""
MAX_QUOTED_CHARS = 200
"""Only values this short (characters) are remembered: a stream of long distinct queries
cannot fill memory (at most about 10 MB)."""


@lru_cache(maxsize=MAX_QUOTED)
def _remembered(value: str, safe: str, plus: bool) -> str:
    return quote_plus(value, safe=safe) if plus else quote(value, safe=safe)


def _quoted(value: str, safe: str, plus: bool) -> str:
    """``quote_plus(value, safe=safe)`` if ``plus`` else ``quote(value, safe=safe)``,
    remembered for short values."""
    if len(value) > MAX_QUOTED_CHARS:
        return _remembered.__wrapped__(value, safe, plus)
    return _remembered(value, safe, plus)


_PATHS: dict[tuple[str, str], str] = {}
"""The path of each endpoint without arguments, per script root (``url_for(endpoint)``)."""


def search_url(params: SearchParams, page: int | None = None, fmt: str = "html",
               external: bool = False) -> str:
    """URL of a results page; ``page`` replaces the page number, defaults are left out.

    The endpoint's path is built by Flask once per script root; the query string as Werkzeug
    builds it (``urllib.parse.urlencode`` with :data:`_QUERY_SAFE`, each value escaped once
    and remembered): a results page links itself up to five times, and each ``url_for``
    took 15 µs."""
    args = _search_args(params, page)
    endpoint = "search.search_json" if fmt == "json" else "search.search"
    if external:
        return url_for(endpoint, _external=True, **args)
    key = (endpoint, request.script_root)
    path = _PATHS.get(key)
    if path is None:
        path = _PATHS[key] = url_for(endpoint)
    return path + "?" + "&".join(f"{name}={_quoted(str(value), _QUERY_SAFE, True)}"
                                 for name, value in args.items())


_PROBE = "zhsearchFacetProbe"
"""A stand-in facet value: letters only, so it stands in a URL as itself."""


def facet_urls(params: SearchParams, key: str, values: list[str]) -> list[str]:
    """``search_url(replace(params, page=1, doc="", article="", **{key: value}))`` for each of
    ``values`` (``key``: ``"doc"`` or ``"article"``): a facet link replaces the page's filter,
    as the facets count the whole unfiltered result (a document's link on a page filtered to
    another document's article found nothing: breaker). The part the links share is built
    once: a results page links up to 40 facet values, and Werkzeug's URL builder took 14 µs
    a link (0.5 ms of a ``/search.json`` answer); this takes 4."""
    params = replace(params, page=1, doc="", article="")
    url = search_url(replace(params, **{key: _PROBE}))
    if url.count(_PROBE) != 1:  # the query itself holds the stand-in: build each in full
        return [search_url(replace(params, **{key: v})) for v in values]
    head, tail = url.split(_PROBE)
    return [head + _quoted(v, _QUERY_SAFE, True) + tail for v in values]


def doc_url(doc_id: str, q: str = "", section_id: str | None = None, fmt: str = "html",
            external: bool = False, results: SearchParams | None = None,
            match: int | None = None, concordance: ConcordanceParams | None = None) -> str:
    """URL of a document view, opening at ``section_id`` and highlighting ``q``.

    ``results``, when given, is the results page the link is on: its query replaces ``q`` and
    its page and filters ride along, so the document's "back to results" link returns to that
    same page. ``concordance`` does the same for a concordance page (``from=concordance``, its
    sort, page and filters). ``match`` (1-based, ``m=``) selects one match of the section (a
    concordance line).
    """
    if concordance is not None:
        args = {"from": "concordance", **_concordance_args(concordance)}
    elif results is not None:
        args = _search_args(results) if results.q else {}
    else:
        args = {"q": q} if q else {}
    if match is not None and match > 1:
        args["m"] = match
    if fmt == "json":
        return url_for("document.document_json", doc_id=doc_id, _external=external, **args)
    return url_for("document.document", doc_id=doc_id, _anchor=section_id, _external=external,
                   **args)


_PATH_SAFE = "!$&'()*+,/:;=@"
"""Characters Werkzeug leaves unescaped in a path segment (``UnicodeConverter.to_url``)."""
_ANCHOR_PROBE = "zhsearchAnchorProbe"
_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"
"""Characters Flask leaves unescaped in an ``_anchor`` (``Flask.url_for``)."""


def hit_urls(results: SearchParams, targets: list[tuple[str, str]]) -> list[str]:
    """``doc_url(doc_id, section_id=section_id, results=results)`` for each ``(doc_id,
    section_id)`` of ``targets``, with the part they share built once, as
    :func:`facet_urls` does (a results page links each of its hits: Werkzeug's builder was
    a quarter of a ``/search.json`` answer's time outside the search)."""
    url = doc_url(_PROBE, section_id=_ANCHOR_PROBE, results=results)
    if url.count(_PROBE) != 1 or url.count(_ANCHOR_PROBE) != 1:  # the query holds one
        return [doc_url(d, section_id=s, results=results) for d, s in targets]
    head, rest = url.split(_PROBE)
    middle, tail = rest.split(_ANCHOR_PROBE)
    return [head + _quoted(d, _PATH_SAFE, False) + middle + _quoted(s, _ANCHOR_SAFE, False)
            + tail for d, s in targets]


def _concordance_args(params: ConcordanceParams) -> dict:
    """The query-string arguments of a concordance page."""
    return _page_args(params.q, params.page, params.per_page, DEFAULT_CONCORDANCE_PER_PAGE,
                      params.doc, params.article, params.sort)


def concordance_url(q: str, sort: str = "position", page: int = 1, fmt: str = "html",
                    per_page: int = DEFAULT_CONCORDANCE_PER_PAGE, doc: str = "",
                    article: str = "") -> str:
    """URL of a concordance page (``fmt``: html, json or csv), filtered to a document
    and/or an article when ``doc``/``article`` are given."""
    args = _concordance_args(ConcordanceParams(q, sort, page, per_page, doc, article))
    endpoint = {"html": "concordance.concordance", "json": "concordance.concordance_json",
                "csv": "concordance.concordance_csv"}[fmt]
    return url_for(endpoint, **args)
