"""Template filters: presentation only."""

from __future__ import annotations

from datetime import datetime
from itertools import groupby

from flask import Flask


def when(iso: str | None) -> str:
    """``2026-11-29T17:15:28+00:00`` → ``2026-11-29 17:15 UTC``; unparsable input unchanged."""
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return iso or ""


def groupby_article(sections):
    """Consecutive sections grouped by ``article_title``: ``[(article_title, [section, …]), …]``."""
    return [(k, list(g)) for k, g in groupby(sections, key=lambda s: s.article_title)]


def init_app(app: Flask) -> None:
    """Register the filters."""
    app.add_template_filter(when)
    app.add_template_filter(groupby_article)
