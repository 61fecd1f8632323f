"""One source file after decoding and repair: :class:`Document`, with a stable ``doc_id``."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from .markup import (
    Heading, markdown_headings, strip_emphasis, strip_html_comments, strip_links_and_tables,
)
from .formats import MARKDOWN_SUFFIXES, TEXT_SUFFIXES, extract
from .failures import english
from .repair import blank_invisible_lines, repair, unify_radicals
from .sources import DocumentError, SourceFile

_PLAIN_STEM = re.compile(r"^[A-Za-z0-9_]+$")


@dataclass(frozen=True)
class Document:
    """A decoded, repaired source file.

    Attributes:
        doc_id: stable, URL-safe identifier (``[A-Za-z0-9_-]``, never a ``.``), derived from
            the relative path only, so it survives rebuilds and content edits.
        path: the source path relative to the seeds folder (``/``-separated).
        kind: ``"headed"`` when headings mark the sections (Markdown, HTML, DOCX), ``"text"``
            otherwise (plain text, PDF: structure is recovered from the text itself).
        text: the repaired plain text (markup removed); paragraphs are separated by one blank
            line.
        sha256: hex SHA-256 of the source bytes.
        headings: the headings, with offsets into ``text`` (empty for plain text).
        encoding: the codec the file was read with, or its format (``docx``, ``pdf``).
    """

    doc_id: str
    path: str
    kind: str
    text: str
    sha256: str
    headings: tuple[Heading, ...] = ()
    encoding: str = "utf-8"


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


MAX_DOCUMENT_CHARS = 8_000_000
"""A document with more text than this (characters, about 24 MB of Chinese in UTF-8) is
reported and skipped: indexing it would take minutes and gigabytes in one piece."""


def read_document(source: SourceFile) -> Document:
    """Read one source file: extract its text (:mod:`indexer.formats`) → write radicals as the
    ideographs they stand for (any format) → join wrapped lines and page breaks (plain text,
    Markdown, PDF) → drop ``**`` emphasis → turn ``#`` heading lines
    into bare headings (Markdown, HTML, DOCX).

    Raises:
        DocumentError: the file cannot be decoded or parsed, or holds more than
            :data:`MAX_DOCUMENT_CHARS` characters (the message says why).
    """
    # any encoding read spends at most 4 bytes a character: a longer text file is over the
    # limit, said before decoding it (a 54 MB one took 2.2 GB to be refused: breaker)
    if source.rel_path.lower().endswith(TEXT_SUFFIXES + MARKDOWN_SUFFIXES) \
            and len(source.data) > 4 * MAX_DOCUMENT_CHARS:
        raise DocumentError(english("too_many_characters",
                                    chars=f"{len(source.data) // 4:,}+",
                                    limit=f"{MAX_DOCUMENT_CHARS:,}"))
    extracted = extract(source)
    try:
        extracted.text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate: the index could not store it
        bad = ord(exc.object[exc.start])
        raise DocumentError(english("bad_character", point=f"{bad:04X}", at=exc.start)) from None
    if len(extracted.text) > MAX_DOCUMENT_CHARS:
        raise DocumentError(english("too_many_characters", chars=f"{len(extracted.text):,}",
                                    limit=f"{MAX_DOCUMENT_CHARS:,}"))
    markdown = source.rel_path.lower().endswith(MARKDOWN_SUFFIXES)
    # before repair: 第⼆部分 must read as a heading, a line of U+200B as a blank line
    text = blank_invisible_lines(unify_radicals(extracted.text), markdown)
    # only typesetting hyphenates words at a line's end
    text = repair(text, dehyphenate=extracted.encoding == "pdf", markdown=markdown) \
        if extracted.paged else text
    text = strip_emphasis(text)
    if markdown:
        text = strip_links_and_tables(strip_html_comments(text))
    headings: tuple[Heading, ...] = ()
    if extracted.headed:  # HTML and DOCX have no fences (nor escapes)
        text, headings = markdown_headings(text, escapes=markdown, fences=markdown)
    return Document(
        doc_id=doc_id_for(source.rel_path),
        path=source.rel_path,
        kind="headed" if extracted.headed else "text",
        text=text,
        sha256=source.sha256,
        headings=headings,
        encoding=extracted.encoding,
    )
