"""Error pages: our JSON error shape ``{"error": "…"}`` for ``.json`` and ``.csv`` paths, HTML
otherwise.

No traceback or file path ever reaches a response; unexpected errors are logged and answered
with a short 500 message.
"""

from __future__ import annotations

from flask import Flask, render_template, request
from werkzeug.exceptions import HTTPException, SecurityError

import indexer

from .params import clean_query

_MESSAGES = {
    400: "请求有误。",
    403: "没有权限。",
    404: "没有这个页面。",
    405: "不支持这种请求方法。",
    409: "另一个索引更新正在进行。",
    429: "请求太频繁，请稍后再试。",
    503: "索引还没有建好。",
}


def _wants_json() -> bool:
    # browsers navigating get HTML pages; PUT, DELETE, … come from programs, unless they ask
    # for HTML first (a form posted to /search showed a browser raw JSON: breaker); a JSON
    # address with a slash after it (/search.json/) is a program's too (breaker), and so is a
    # CSV one: a script reading /concordance.csv got an HTML page (new-user trial)
    return request.path.rstrip("/").endswith((".json", ".csv")) \
        or (request.method not in ("GET", "HEAD")
            and request.accept_mimetypes.best != "text/html")


def error_response(code: int, message: str):
    """Render an error in the format the path asks for."""
    if _wants_json():
        return {"error": message}, code
    # keep what the user typed in the search box, so a bad page number does not lose the query
    q = clean_query(request.args.get("q", "")[:1000])
    return render_template("error.html", code=code, message=message, q=q), code


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError):
        # no URL can be built for an untrusted Host, so no page either: a short JSON answer
        return {"error": "这个主机名不在服务允许的名单中（TRUSTED_HOSTS / --allowed-host）。"}, 400

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        message = exc.description if exc.code in (400, 403, 404, 409, 503) and exc.description else None
        if exc.code == 404 and message and message.startswith("The requested URL"):
            message = None
        response = error_response(exc.code or 500, message or _MESSAGES.get(exc.code, exc.name))
        if exc.code == 405:
            body, code = response
            headers = {"Allow": ", ".join(exc.valid_methods or [])}
            return body, code, headers
        return response

    @app.errorhandler(indexer.IndexMissingError)
    def index_missing(exc):
        app.logger.error("index missing: %s", exc)
        if isinstance(exc, indexer.IndexOutdatedError):
            return error_response(503, "索引是另一个版本的程序建的，需要重建：请运行 python -m indexer"
                                       "（已经在运行的话，等它完成后刷新本页），或重启服务（启动时会自动重建）。")
        return error_response(503, "索引还没有建好：请先运行 python -m indexer。")

    @app.errorhandler(indexer.IndexDamagedError)
    def index_damaged(exc):
        app.logger.error("index damaged: %s", exc)
        return error_response(503, "索引文件无法读取（可能已损坏）：请运行 python -m indexer "
                                   "--rebuild 重建索引，或重启服务（启动时会自动重建）。")

    @app.errorhandler(Exception)
    def unexpected(exc):
        app.logger.exception("unexpected error")
        if indexer.raised_reading_index(exc):
            # Whoosh failed while decoding index files: the files changed under a running
            # service (emptied, overwritten) more likely than not; say what mends it
            return error_response(503, "读取索引文件时出错（索引可能已损坏）：请运行 python -m "
                                       "indexer --rebuild 重建索引，或重启服务。")
        return error_response(500, "服务器内部错误。")
