"""What an index holds and how it was built, read from its ``meta.json`` for people and pages.

The keys of ``meta.json`` are the indexer's own (:mod:`indexer.indexing` writes them); a page
that shows an index's state reads this instead, so the file's layout can change in one place.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IndexStatus:
    """One index generation's state.

    Attributes:
        generation: the generation folder's name (``gen-000001``), or None when not known.
        documents: documents with at least one section (files that failed or were empty are
            not counted); None for an index written before the count was recorded.
        sections: sections in the index.
        built_at / updated_at: the last full build / the last change of any kind (a full build
            or an incremental update), ISO 8601 in UTC; ``updated_at`` falls back to
            ``built_at`` for an index that never recorded it.
        build_seconds / update_seconds: how long they took, in seconds.
        last_update: the last update's one-line summary, in English.
        last_update_counts: its facts, as :meth:`indexer.UpdateReport.counts` gives them.
        files: ``(path, encoding)`` of every file the index knows, sorted by path; the
            encoding is the one the file was read in (None for a file not read as text).
        failed: ``(path, reason)`` of the files that could not be read (reason in English;
            :func:`indexer.failure_in_chinese` words it in Chinese).
        empty: paths of files read but holding no text.
        skipped: paths of the files in formats the indexer does not read (a ``.doc``, a
            ``.csv``), at most ``indexer.indexing.MAX_RECORDED_SKIPPED`` of them;
            ``skipped_count`` counts them all.
    """

    generation: str | None = None
    documents: int | None = None
    sections: int | None = None
    built_at: str | None = None
    build_seconds: float | None = None
    updated_at: str | None = None
    update_seconds: float | None = None
    last_update: str | None = None
    last_update_counts: dict | None = None
    files: tuple[tuple[str, str | None], ...] = ()
    failed: tuple[tuple[str, str], ...] = ()
    empty: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    skipped_count: int = 0


def index_status(meta: dict | None, generation: str | None = None) -> IndexStatus:
    """The :class:`IndexStatus` of a generation whose ``meta.json`` parsed to ``meta`` (None:
    nothing recorded, every field empty). Keys an older index did not write are left at
    their defaults; raises nothing."""
    meta = meta or {}
    encodings = meta.get("encodings") or {}
    return IndexStatus(
        generation=generation,
        documents=meta.get("documents"),
        sections=meta.get("sections"),
        built_at=meta.get("built_at"),
        build_seconds=meta.get("build_seconds"),
        updated_at=meta.get("updated_at") or meta.get("built_at"),
        update_seconds=meta.get("update_seconds"),
        last_update=meta.get("last_update"),
        last_update_counts=meta.get("last_update_counts"),
        files=tuple((p, encodings.get(p)) for p in sorted(meta.get("manifest") or {})),
        failed=tuple((p, r) for p, r in meta.get("failed") or ()),
        empty=tuple(meta.get("empty") or ()),
        skipped=tuple(meta.get("skipped") or ()),
        skipped_count=meta.get("skipped_count") or 0,
    )
