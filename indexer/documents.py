"""One source file after decoding and repair: :class:`Document`, with a stable ``doc_id``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from .markup import Heading, markdown_headings, strip_emphasis
from .repair import repair
from .sources import SourceFile, decode

_SAFE_STEM = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Document:
    """A decoded, repaired source file.

    Attributes:
        doc_id: stable, URL-safe identifier (``[A-Za-z0-9_-]``, never a ``.``), derived from
            the relative path only, so it survives rebuilds and content edits.
        path: the source path relative to the seeds folder (``/``-separated).
        kind: ``"markdown"`` for ``.md`` files, ``"text"`` otherwise.
        text: the repaired plain text (markup removed); paragraphs are separated by one blank
            line.
        sha256: hex SHA-256 of the source bytes.
        headings: Markdown headings, with offsets into ``text`` (empty for plain text).
    """

    doc_id: str
    path: str
    kind: str
    text: str
    sha256: str
    headings: tuple[Heading, ...] = ()


def doc_id_for(rel_path: str) -> str:
    """Return the ``doc_id`` of a relative source path.

    A plain ASCII ``.txt`` name keeps its stem (``000_8750.txt`` → ``000_8750``; folders joined by
    ``--``). Any other name (Chinese characters, dots, another suffix) becomes a slug of its stem
    plus 8 hex characters of the path's SHA-1, which keeps ids unique and URL-safe.
    """
    path = PurePosixPath(rel_path)
    parts = [*path.parent.parts, path.stem] if str(path.parent) != "." else [path.stem]
    if path.suffix.lower() == ".txt" and all(_SAFE_STEM.match(p) for p in parts):
        return "--".join(parts)
    slug = re.sub(r"[^A-Za-z0-9_]+", "-", "--".join(parts)).strip("-")[:60]
    digest = hashlib.sha1(rel_path.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}" if slug else f"doc-{digest}"


def read_document(source: SourceFile) -> Document:
    """Decode, repair and unmark one source file: decode → join page breaks → drop ``**``
    emphasis → (Markdown) turn ``#`` heading lines into bare headings.

    Raises:
        DocumentError: the file cannot be decoded (see :func:`indexer.sources.decode`).
    """
    kind = "markdown" if source.rel_path.lower().endswith(".md") else "text"
    text = strip_emphasis(repair(decode(source)))
    headings: tuple[Heading, ...] = ()
    if kind == "markdown":
        text, headings = markdown_headings(text)
    return Document(
        doc_id=doc_id_for(source.rel_path),
        path=source.rel_path,
        kind=kind,
        text=text,
        sha256=source.sha256,
        headings=headings,
    )
