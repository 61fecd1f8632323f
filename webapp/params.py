"""Query string → typed parameters, or a :class:`ParamError` with a message for a person."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request
from werkzeug.datastructures import MultiDict

from indexer import CONCORDANCE_SORTS, MAX_PER_PAGE

DEFAULT_PER_PAGE = 10
MAX_PAGE = 1000
"""Pages beyond this are refused: nobody reads them, and they would cost the most."""


def last_page(pages: int) -> int:
    """The last page of ``pages`` that can be asked for (:data:`MAX_PAGE` at most): a page
    links to a next one only up to it (page 1000 linked to page 1001, which was refused:
    breaker)."""
    return min(pages, MAX_PAGE)


def paging_note(page: int, pages: int) -> str | None:
    """What a page says when it is the last that can be asked for while more pages follow
    (page :data:`MAX_PAGE` of more), else None: in the JSON too (``paging_note``), where
    page 1000 said nothing (new-user trial)."""
    if page != last_page(pages) or pages <= MAX_PAGE:
        return None
    return f"只能翻到第 {MAX_PAGE:,} 页：加词或筛选可缩小范围，每页也可多显示一些（per_page）。"


class ParamError(ValueError):
    """A bad request parameter; ``str(err)`` is the message shown with the 400."""


def _one(args: MultiDict, name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise ParamError(f"参数 {name} 只能给一次（收到 {len(values)} 个）。")
    return values[0] if values else None


_CONTROLS = {**dict.fromkeys([*range(0x00, 0x09), *range(0x0E, 0x1C), *range(0x7F, 0xA0)]),
             **dict.fromkeys([0x09, 0x0A, 0x0B, 0x0C, 0x0D, *range(0x1C, 0x20), 0x85], " ")}
"""Control characters (C0, DEL and C1): those that separate words (tab, line breaks, form
feed, the information separators, U+0085: all white space to the query parser) as a space,
the others dropped. A page that wrote them back raw broke its own search box: a NUL became U+FFFD in the
box, and a line break vanished from it, so Enter searched for something else (breaker); and
dropped rather than turned into a space, a form feed copied from a PDF joined two words, and
a separator before ``-广东`` turned the exclusion into text (breaker)."""


def clean_query(text: str) -> str:
    """``text`` (a query as sent) with :data:`_CONTROLS` replaced: what the page writes back
    in its search box, and what is searched. The search box's script does the same."""
    return text.translate(_CONTROLS)


def _query(args: MultiDict) -> str:
    """``q`` read by :func:`clean_query`, "" when absent (ParamError when repeated)."""
    return clean_query(_one(args, "q") or "")


def _int(args: MultiDict, name: str, default: int, low: int, high: int) -> int:
    raw = _one(args, name)
    if raw is None or raw == "":
        return default
    raw = raw.strip(" \t")  # str.strip() would also take U+2009 and friends: "\u20091" is not a number
    shown = raw if len(raw) <= 20 else raw[:20] + "…"
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 9 and low <= int(raw) <= high):
        raise ParamError(f"参数 {name} 必须是 {low} 到 {high} 之间的整数，收到的是“{shown}”。")
    return int(raw)


MAX_FILTER_CHARS = 2000
"""A ``doc`` or ``article`` value longer than this is refused. Values are never cut: a cut
article key names nothing (a heading of 400 characters made its facet link find nothing)."""


FILTER_PARAMS = {"doc_id": "doc", "article_key": "article"}
"""The URL parameter of each filter field (:class:`indexer.Filters`)."""


def _filter(args: MultiDict, name: str) -> str:
    value = _one(args, name) or ""
    if len(value) > MAX_FILTER_CHARS:
        raise ParamError(f"参数 {name} 太长（{len(value)} 个字符，最多 {MAX_FILTER_CHARS} 个）。")
    return value


@dataclass(frozen=True)
class SearchParams:
    """``q`` (query text, may be empty), ``page`` (1-based), ``per_page``, and the facet
    filters ``doc`` (a doc_id) and ``article`` (an article key)."""

    q: str
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    doc: str = ""
    article: str = ""

    @classmethod
    def from_args(cls, args: MultiDict) -> "SearchParams":
        """Read ``q``, ``page``, ``per_page``, ``doc``, ``article``; unknown parameters are
        ignored.

        Raises:
            ParamError: a parameter is repeated, not a whole number, out of range, or (``doc``,
                ``article``) longer than :data:`MAX_FILTER_CHARS`.
        """
        return cls(
            q=_query(args),
            page=_int(args, "page", 1, 1, MAX_PAGE),
            per_page=_int(args, "per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE),
            doc=_filter(args, "doc"),
            article=_filter(args, "article"),
        )


DEFAULT_CONCORDANCE_PER_PAGE = 100
MAX_CONCORDANCE_PAGE = 1000


@dataclass(frozen=True)
class ConcordanceParams:
    """``q``, ``sort`` (position, left, right), ``page``, ``per_page`` (up to 1000) and the
    filters ``doc`` and ``article``, as a results page has them."""

    q: str
    sort: str = "position"
    page: int = 1
    per_page: int = DEFAULT_CONCORDANCE_PER_PAGE
    doc: str = ""
    article: str = ""

    @classmethod
    def from_args(cls, args: MultiDict) -> "ConcordanceParams":
        """Raises ParamError for a bad ``sort``, ``page``, ``per_page``, ``doc`` or
        ``article`` (as :meth:`SearchParams.from_args`)."""
        sort = _one(args, "sort") or "position"
        if sort not in CONCORDANCE_SORTS:
            raise ParamError(f"参数 sort 只能是 {'、'.join(CONCORDANCE_SORTS)}，收到的是“{sort[:20]}”。")
        return cls(q=_query(args), sort=sort, page=_int(args, "page", 1, 1, MAX_PAGE),
                   per_page=_int(args, "per_page", DEFAULT_CONCORDANCE_PER_PAGE, 1,
                                 MAX_CONCORDANCE_PAGE),
                   doc=_filter(args, "doc"), article=_filter(args, "article"))


def from_concordance(args: MultiDict) -> bool:
    """Whether a document view was opened from a concordance line (``from=concordance``), so
    its way back is that concordance page. Raises ParamError when ``from`` is repeated."""
    return _one(args, "from") == "concordance"


def check_query_string(raw: bytes) -> None:
    """Refuse a query string whose percent-escapes are not UTF-8 (``%FF``, a cut ``%E4%B8``).

    Werkzeug would quietly turn such bytes into the literal text ``%FF`` and search for that.

    Raises:
        ParamError: with a message naming the problem.
    """
    for part in raw.split(b"&"):
        try:
            unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError:
            raise ParamError("网址中的查询参数不是有效的 UTF-8 编码（请检查 %XX 转义）。") from None


def init_app(app: Flask) -> None:
    """Check every request's query string before any view runs."""

    @app.before_request
    def _valid_query_string():
        try:
            check_query_string(request.query_string)
        except ParamError as exc:
            abort(400, description=str(exc))


def read_query(params_cls, session):
    """``(params, parsed)`` for this request: the parameters read by ``params_cls.from_args``
    and the query parsed by ``session``; a bad parameter or query aborts with a 400 that says
    why."""
    try:
        params = params_cls.from_args(request.args)
        return params, session.parse(params.q)
    except (ParamError, ValueError) as exc:  # QueryError is a ValueError
        abort(400, description=str(exc))


def filters_dict(params, session) -> dict:
    """The JSON of ``params``' filters (a :class:`SearchParams` or
    :class:`ConcordanceParams`): ``{"doc", "article", "label"}``, ``label`` being what a
    page shows for them (:meth:`indexer.SearchSession.filter_label`). A filtered page named
    the document by its id (``report-c4f2a6fb89``) where its facet link had named it by its
    title: new-user trial."""
    return {"doc": params.doc, "article": params.article,
            "label": session.filter_label(params.doc, params.article)}
