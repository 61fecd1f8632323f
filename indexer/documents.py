"""One source file after decoding and repair: :class:`Document`, with a stable ``doc_id``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from .markup import Heading, markdown_headings, strip_emphasis
from .repair import repair
from .sources import SourceFile, decode

_PLAIN_STEM = re.compile(r"^[A-Za-z0-9_]+$")


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
    """Return the ``doc_id`` of a relative source path; distinct paths get distinct ids.

    A top-level ``.txt`` file whose stem is plain ASCII (``[A-Za-z0-9_]``, no ``-``) keeps its
    stem (``000_8750.txt`` → ``000_8750``). Any other path (a folder, another suffix or case,
    Chinese characters, dots, dashes) becomes a slug of its stem plus ``-`` and 10 hex
    characters of the path's SHA-1: the ``-`` keeps the two forms apart, the hash keeps ids
    unique and URL-safe.
    """
    path = PurePosixPath(rel_path)
    if path.suffix == ".txt" and len(path.parts) == 1 and _PLAIN_STEM.match(path.stem):
        return path.stem
    slug = re.sub(r"[^A-Za-z0-9_]+", "-", path.stem).strip("-")[:60] or "doc"
    raw = rel_path.encode("utf-8", "surrogatepass")
    return f"{slug}-{hashlib.sha1(raw).hexdigest()[:10]}"


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
