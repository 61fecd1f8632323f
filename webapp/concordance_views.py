"""Blueprint ``concordance``: every occurrence of a query with its context (keyword in
context), as a page, JSON and CSV."""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from functools import partial
from urllib.parse import quote

from flask import Blueprint, Response, abort, render_template, request

import indexer

from . import urls
from .index_access import get_session
from .limits import budget_s, expensive
from .params import (
    FILTER_PARAMS, ConcordanceParams, SearchParams, filters_dict, last_page, paging_note,
    read_query,
)

bp = Blueprint("concordance", __name__)


DOCUMENT_ROWS = 200
"""The per-document table (page and JSON) lists at most this many documents, those with the
most occurrences; ``documents_count`` counts them all."""
CSV_CHUNK_ROWS = 500
"""Rows of a CSV download sent at a time."""
MAX_CSV_ROWS = 100_000
"""A CSV download lists at most this many occurrences (a page, :data:`indexer.MAX_CONCORDANCE`):
the file is what a journalist counts in a spreadsheet, and cutting it at 10,000 lost the last
weeks of a phrase found 10,355 times (new-user trial)."""


def _run(limit: int | None = None, paged: bool = False) \
        -> tuple[ConcordanceParams, indexer.ParsedQuery, indexer.Concordance]:
    """Read the request and build the concordance (at most ``limit`` occurrences listed; None:
    :data:`indexer.MAX_CONCORDANCE`), only the request's page of them when ``paged``; a bad
    request aborts with 400."""
    session = get_session()
    params, parsed = read_query(ConcordanceParams, session)
    with expensive():
        return params, parsed, session.concordance(
            parsed, sort=params.sort, budget_s=budget_s(),
            limit=indexer.MAX_CONCORDANCE if limit is None else limit,
            filters=indexer.Filters(doc_id=params.doc, article_key=params.article),
            offset=(params.page - 1) * params.per_page if paged else 0,
            count=params.per_page if paged else None)


def _link(params: ConcordanceParams):
    """``urls.concordance_url`` for ``params``' query and filters (sort, page, format and
    page size given per link)."""
    return partial(urls.concordance_url, params.q, doc=params.doc, article=params.article)


def _data() -> tuple[ConcordanceParams, dict]:
    params, parsed, conc = _run(paged=True)
    rows = conc.occurrences
    pages = max(1, math.ceil(conc.listed / params.per_page))
    link = _link(params)
    exact = parsed.exact_text if parsed.synonyms else None
    return params, {
        "query": params.q,
        "index_version": get_session().index_version,
        "read_as": parsed.reading,
        # how the query was read, as the results page says it (breaker: a query cut at 32
        # words, or a lower-case "or" taken as text, was counted with no word of why)
        "notes": list(parsed.notes),
        # the count includes the synonyms' occurrences: say which, and link the count of the
        # words as typed (new-user trial: 155 for a word the texts never hold, all 新冠)
        "synonyms": list(parsed.synonyms),
        "exact_url": urls.concordance_url(exact, params.sort, per_page=params.per_page,
                                          doc=params.doc, article=params.article)
        if exact else None,
        "exact_query": exact,
        "sort": params.sort,
        "filters": filters_dict(params, get_session()),
        "unknown_filters": [FILTER_PARAMS[f] for f in conc.unknown_filters],
        "unfiltered_url": urls.concordance_url(params.q, params.sort, per_page=params.per_page),
        # back to the hits of the same query and filter (new-user trial: no way back)
        "results_url": urls.search_url(SearchParams(params.q, doc=params.doc,
                                                    article=params.article)),
        "total": conc.total,
        "listed": conc.listed,
        "truncated": conc.truncated,
        "sorted_among": conc.sorted_among,
        "timed_out": conc.timed_out,
        "page": params.page,
        "per_page": params.per_page,
        "pages": pages,
        "last_page": last_page(pages),
        # the last listed page of a list cut short says where the rest is (new-user trial:
        # next was null and nothing said that 11,808 more were not listed)
        "paging_note": paging_note(params.page, pages) or (
            f"只列出了前 {conc.listed:,} 次（共 {conc.total:,} 次）：全部出现处请下载 CSV，"
            "或加词、筛选缩小范围。" if conc.truncated and params.page >= pages else None),
        "occurrences": [
            {"left": o.left, "match": o.match, "right": o.right, "doc_id": o.doc_id,
             "section_id": o.section_id, "breadcrumb": list(o.breadcrumb), "source": o.path,
             "shared_title": o.shared_title, "lang": o.lang,
             "start_char": o.start_char, "end_char": o.end_char,
             "url": urls.doc_url(o.doc_id, section_id=o.section_id, match=o.number,
                                 concordance=params)}
            for o in rows
        ],
        "sort_urls": {s: link(s, per_page=params.per_page)
                      for s in indexer.CONCORDANCE_SORTS},
        # from a page past the end, back to the last one (as the results pages do)
        "prev": (link(params.sort, min(params.page - 1, pages), per_page=params.per_page)
                 if params.page > 1 else None),
        "first_url": link(params.sort, per_page=params.per_page),
        "next": (link(params.sort, params.page + 1, per_page=params.per_page)
                 if params.page < last_page(pages) else None),
        "csv_url": link(params.sort, fmt="csv"),
        # which documents hold it and how often, most first, each a link to its own count
        # (the first DOCUMENT_ROWS: all 3,474 documents holding 的 made every page's JSON 1 MB)
        "documents": [
            {"doc_id": d.doc_id, "name": d.name, "source": d.path,
             "occurrences": d.occurrences, "sections": d.sections, "lang": d.lang,
             "url": urls.concordance_url(params.q, params.sort, doc=d.doc_id,
                                         per_page=params.per_page)}
            for d in conc.documents[:DOCUMENT_ROWS]
        ],
        "documents_count": len(conc.documents),
    }


@bp.get("/concordance")
def concordance():
    """Every occurrence with 20 characters of context each side, sortable."""
    params, data = _data()
    return render_template("concordance.html", q=params.q, data=data,
                           document_rows=DOCUMENT_ROWS,
                           json_url=_link(params)(params.sort, params.page, "json",
                                                  per_page=params.per_page))


@bp.get("/concordance.json")
def concordance_json():
    """JSON twin of :func:`concordance` (one page of occurrences)."""
    return _data()[1]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value) -> str:
    """A CSV cell a spreadsheet shows as text: one starting like a formula gets a leading
    apostrophe (OWASP "CSV Injection"), since document text can start with anything."""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


@bp.get("/concordance.csv")
def concordance_csv():
    """Every occurrence (not only one page; at most :data:`MAX_CSV_ROWS`) as CSV: left,
    match, right, breadcrumb, source (the document's path), ids, offsets and url;
    cells that a spreadsheet would run as a formula start with an apostrophe. The links are
    whole addresses (scheme and host as the request named them): a path pasted into a
    spreadsheet opens nothing (new-user trial). A file that lists fewer than all says so in
    its name (``concordance-的-前100000次-共250000次.csv``). A filter to a document or article
    the index does not hold answers 404, as does a query whose ``doc:`` clause names one and
    finds nothing: the pages say so beside their empty list, but an empty file says nothing
    (``doc=`` of a bookmark whose document was removed)."""
    params, parsed, conc = _run(MAX_CSV_ROWS)
    unknown = [FILTER_PARAMS[f] for f in conc.unknown_filters]
    missing = [label for key, label in (("doc", "这篇文档"), ("article", "这篇文章"))
               if key in unknown]
    if not conc.total and not missing:
        # a doc: clause in the query naming a document the index does not hold (breaker)
        missing = [f"文档 {d}" for d in get_session().unknown_documents(parsed)]
    if missing:
        abort(404, description=f"索引里没有{'和'.join(missing)}（也许已被删除或改名）："
                               "没有可下载的出现处。")
    base = request.host_url.rstrip("/")
    links = [base + urls.doc_url(o.doc_id, section_id=o.section_id, match=o.number,
                                 concordance=params) for o in conc.occurrences]

    def rows():
        # written a few hundred rows at a time: the whole file of 100,000 rows built as one
        # string was held three times over (about 150 MB a download: breaker)
        out = io.StringIO()
        writer = csv.writer(out)
        out.write("\ufeff")  # BOM: Excel reads UTF-8
        writer.writerow(["left", "match", "right", "breadcrumb", "source", "doc_id",
                         "section_id", "start_char", "end_char", "url"])
        for k, (o, link) in enumerate(zip(conc.occurrences, links), 1):
            writer.writerow([_cell(v) for v in (
                o.left, o.match, o.right, " › ".join(o.breadcrumb), o.path, o.doc_id,
                o.section_id, o.start_char, o.end_char, link)])
            if k % CSV_CHUNK_ROWS == 0:
                yield out.getvalue().encode("utf-8")
                out.seek(0)
                out.truncate()
        yield out.getvalue().encode("utf-8")

    name = _download_name(params.q, conc.listed, conc.total, _filter_name(params),
                          conc.timed_out, article=bool(params.article))
    disposition = f'attachment; filename="concordance.csv"; filename*=UTF-8\'\'{quote(name)}'
    # the index state it was read from, as the JSON's index_version (new-user trial: a
    # script could not tell which state a download came from while a reindex ran)
    return Response(rows(), mimetype="text/csv",
                    headers={"Content-Disposition": disposition,
                             "X-Index-Version": get_session().index_version})


_NOT_IN_FILE_NAMES = re.compile(r'[/\\:*?"<>|]')


def _filter_name(params: ConcordanceParams) -> str:
    """What the page calls its filter (the document's or article's name), or ""."""
    if not (params.doc or params.article):
        return ""
    return get_session().filter_label(params.doc, params.article) or params.article or params.doc


FILE_NAME_PART_BYTES = 90
"""A query or a filter gives at most this many bytes (UTF-8) of a download's name: with the
rest of the name (at most about 60 bytes), it stays within the 255 bytes most file systems
allow a name (breaker: 40 characters of emoji were 160 bytes)."""


def _boundary(name: str, i: int) -> bool:
    """Whether ``name`` may be cut before ``name[i]`` without parting what shows as one
    character: not before a combining mark, a joiner, a variation selector or a skin tone,
    not after a joiner, and not between the two regional indicators of a flag (breaker:
    a cut left an accent on the ``…`` and half a flag)."""
    if i <= 0 or i >= len(name):
        return True
    ch, before = name[i], name[i - 1]
    if unicodedata.category(ch)[0] == "M" or before == "\u200d" or ch == "\u200d" \
            or "\U0001f3fb" <= ch <= "\U0001f3ff" or "\U000e0020" <= ch <= "\U000e007f":
        return False
    if "\U0001f1e6" <= ch <= "\U0001f1ff":
        run = 0
        while i - run > 0 and "\U0001f1e6" <= name[i - run - 1] <= "\U0001f1ff":
            run += 1
        return run % 2 == 0
    return True


def _cut_bytes(name: str, limit: int, from_end: bool = False) -> str:
    """The longest start (or, ``from_end``, end) of ``name`` within ``limit`` UTF-8 bytes that
    is cut at a :func:`_boundary`."""
    size, i = 0, 0
    chars = reversed(name) if from_end else iter(name)
    for ch in chars:
        size += len(ch.encode("utf-8", "surrogatepass"))
        if size > limit:
            break
        i += 1
    at = len(name) - i if from_end else i
    step = 1 if from_end else -1
    while not _boundary(name, at):
        at += step
    return name[at:] if from_end else name[:at]


def _file_name_part(text: str, keep_end: bool = False) -> str:
    """``text`` with what a file name cannot hold, control characters, line and paragraph
    separators and invisible format characters (a right-to-left override would show
    ``…\u202egnp.exe`` as an ``.exe.png``: breaker) replaced by ``_``, within
    :data:`FILE_NAME_PART_BYTES`: a longer one keeps its
    beginning and its end around a ``…``, or only its end (``keep_end``: a filter's name,
    ``法名 · 2017/法名.md``, whose end, the file's path, tells two versions of a law apart: cut
    at the end, the date was lost, and cut in the middle, the folder: new-user trial, breaker).
    """
    # separators too: U+2028 and U+2029 end a line wherever a name is shown (breaker)
    name = "".join("_" if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") else c
                   for c in text)
    name = re.sub("_+", "_", _NOT_IN_FILE_NAMES.sub("_", name)).strip(" ._")
    if len(name.encode("utf-8")) <= FILE_NAME_PART_BYTES:
        return name
    room = FILE_NAME_PART_BYTES - len("…".encode("utf-8"))
    if keep_end:
        return "…" + _cut_bytes(name, room, from_end=True).lstrip(" ._")
    head = _cut_bytes(name, room // 2).rstrip(" ._")
    return f"{head}…{_cut_bytes(name, room - len(head.encode('utf-8')), from_end=True).lstrip(' ._')}"


def _download_name(q: str, listed: int, total: int, filtered: str = "",
                   timed_out: bool = False, article: bool = False) -> str:
    """``concordance-<query>.csv``, with ``-<filter>`` after the query when the page is
    filtered (two provinces' downloads of one phrase had one name: new-user trial),
    ``-前<listed>次-共<total>次`` when it lists fewer than all ``total``, and ``-超时未完`` when
    the time ran out before all were listed (the file held only its header: breaker); each
    part as
    :func:`_file_name_part` makes it: the CSV of each query is saved under a name of its own
    (new-user trial: every download was concordance.csv). A document's name keeps its end, an
    article's (``第一章 总则（法名）``, ``article``) its beginning and end: cut to its end, the
    chapters of one law had one name (breaker). Sent as RFC 6266's ``filename*``, which
    browsers prefer to the plain ``filename`` beside it."""
    name = _file_name_part(q) or "query"
    if filtered and (place := _file_name_part(filtered, keep_end=not article)):
        name += f"-{place}"
    cut = f"-前{listed}次-共{total}次" if listed < total else ""
    return f"concordance-{name}{cut}{'-超时未完' if timed_out else ''}.csv"
