"""Template filters: presentation only."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask

import indexer



def when(iso: str | None) -> str:
    """``2026-11-29T17:15:28+00:00`` → ``2026-11-29 17:15 UTC``; unparsable input unchanged."""
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return iso or ""


def toc(sections) -> list[dict]:
    """Table-of-contents entries for a document view, in order.

    Each entry is ``{"label": str}`` (an article title that is not itself a section, as in the
    magazine layout) or ``{"section": SectionView, "depth": int}``, where ``depth`` (0–5) is the
    section's level below the shallowest one (from its breadcrumb), for indentation.
    """
    titles = {s.title for s in sections}
    base = min((len(s.breadcrumb) for s in sections), default=1)
    entries, article = [], None
    for s in sections:
        if s.article_title and s.article_title != article and s.article_title not in titles:
            entries.append({"label": s.article_title})
        article = s.article_title
        entries.append({"section": s, "depth": min(5, len(s.breadcrumb) - base)})
    return entries


_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def path(rel_path: str) -> str:
    """A file path, or a label that may hold one (a facet's, a filter's), for display:
    bidirectional control characters (which could make ``x\u202egnp.exe`` look like
    ``xexe.png``) are shown as ``<U+202E>``."""
    return _BIDI_CONTROLS.sub(lambda m: f"<U+{ord(m.group()):04X}>", rel_path or "")


def shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters in the middle (``…``), keeping its start and its
    end: a facet's label ends with what tells it apart, as the path and date of
    ``第七章 附则（中华人民共和国行政复议法 · …/行政复议法(2023-09-01).md）``, which a cut
    at the end dropped (new-user trial)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) * 3 // 5
    return text[:head] + "…" + text[len(text) - (limit - 1 - head):]


def grouped(value):
    """A count with its digits grouped by thousands for a page to show, ``25123`` →
    ``25,123``; anything but a whole number (seconds, ``None``, a flag) is left as it is.
    Only for text a person reads: addresses, ids, attributes and JSON keep plain digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return value


def reason(english: str) -> str:
    """Why a file failed, in Chinese (:func:`indexer.failures.chinese`; the index records it
    in English)."""
    return indexer.failure_in_chinese(english or "")


def init_app(app: Flask) -> None:
    """Register the filters, and the query length limit the search box's script cuts at."""
    app.add_template_global(indexer.MAX_QUERY_CHARS, "max_query_chars")
    app.add_template_filter(reason)
    app.add_template_filter(when)
    app.add_template_filter(toc)
    app.add_template_filter(path)
    app.add_template_filter(shorten)
    app.add_template_filter(grouped)
