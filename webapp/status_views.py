"""Blueprint ``status``: what the index holds and how it was built; the optional reindex hook.

``POST /reindex`` exists only when the app is configured with ``ADMIN_TOKEN``
(``python -m webapp --admin-token …``); the token is compared in constant time, and every
attempt (right token or not) counts against :data:`REINDEX_RATE` per client address
(Flask-Limiter, in memory), so the token cannot be guessed by trying.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, abort, current_app, render_template, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

import indexer

from .index_access import index_status

bp = Blueprint("status", __name__)

REINDEX_RATE = "5 per minute"
"""How often one client address may call ``POST /reindex`` (Flask-Limiter's notation)."""


def _status() -> dict:
    status = index_status()
    return {
        "documents": status.documents,
        "sections": status.sections,
        "generation": status.generation,
        "built_at": status.built_at,
        "build_seconds": status.build_seconds,
        "updated_at": status.updated_at,
        "update_seconds": status.update_seconds,
        "last_update": status.last_update,
        "last_update_counts": status.last_update_counts,
        "files": [{"path": path, "encoding": encoding} for path, encoding in status.files],
        "failed": [{"path": p, "reason": r, "reason_zh": indexer.failure_in_chinese(r)}
                   for p, r in status.failed],
        "empty": list(status.empty),
        "skipped": list(status.skipped),
        "skipped_count": status.skipped_count,
    }


@bp.get("/status")
def status():
    """The index: documents, sections, last update, generation, failed files and why."""
    return render_template("status.html", status=_status(), json_url="/status.json")


@bp.get("/status.json")
def status_json():
    """JSON twin of :func:`status`."""
    return _status()


def reindex():
    """``POST /reindex``: run an incremental update now. Needs ``Authorization: Bearer <token>``
    (the service's ``--admin-token``).

    Returns:
        JSON: the update's ``summary``, whether it was ``full``, the ``added``, ``changed``,
        ``removed`` and ``failed`` file counts, ``sections`` and ``seconds`` (wall time).
    Raises:
        HTTPException: 403 without the token or with a wrong one; 409 while another update
            runs, when the documents' folder is empty (and the index is not) or gone; 503 when
            the index cannot be written; 429 (from the rate limiter) when called too often.
    """
    token = current_app.config["ADMIN_TOKEN"]
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.strip().partition(" ")
    if scheme.lower() != "bearer":  # auth schemes are case-insensitive (RFC 7235)
        abort(403, description="缺少管理令牌：请加上 Authorization: Bearer <令牌>。")
    given = given.strip()
    if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        abort(403, description="管理令牌不正确。")
    try:
        report = indexer.update(current_app.config["SEEDS_DIR"], current_app.config["INDEX_DIR"],
                                procs=1)  # other threads run here: never fork
    except indexer.IndexBusyError:
        abort(409, description="另一个索引更新正在进行，请稍后再试。")
    except indexer.SeedsEmptyError:
        abort(409, description="文档文件夹是空的，而索引中有文档：为避免全部删除，没有更新"
                               "（共享文件夹没有挂载？）；原来的索引仍在使用。")
    except indexer.SeedsUnreadableError:
        abort(409, description="无法读取文档文件夹（没有权限），无法更新；原来的索引仍在使用。")
    except FileNotFoundError:  # the documents' folder was moved or deleted
        abort(409, description="文档文件夹已不存在（被移动或删除），无法更新；原来的索引仍在使用。")
    except indexer.IndexLocationError as exc:  # disk full, read-only, a worker lost: say so, no path
        current_app.logger.error("reindex failed: %s", exc)
        abort(503, description="索引无法写入（例如磁盘已满或只读），原来的索引仍在使用。")
    return {
        "summary": report.summary(), "full": report.full, "added": report.added,
        "changed": report.changed, "removed": report.removed, "failed": report.failed,
        "sections": report.sections, "seconds": round(report.seconds, 3),
    }


def init_app(app) -> None:
    """Register the blueprint, and ``POST /reindex`` only when an admin token is configured."""
    app.register_blueprint(bp)
    if app.config.get("ADMIN_TOKEN"):
        app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)  # Retry-After on a 429
        limiter = Limiter(get_remote_address, app=app, storage_uri="memory://",
                          default_limits=[])
        app.add_url_rule("/reindex", "reindex", limiter.limit(REINDEX_RATE)(reindex),
                         methods=["POST"])
