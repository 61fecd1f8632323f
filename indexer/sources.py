"""Find the source files under a seeds folder and decode them.

``scan(root)`` walks a folder and returns :class:`SourceFile` records (relative path, raw bytes,
SHA-256); ``decode(source)`` turns the bytes into ``str`` or raises :class:`DocumentError`.
Nothing here knows about documents' structure or the index.
"""

from __future__ import annotations

import codecs
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

SOURCE_SUFFIXES = (".txt", ".md")
"""File name endings read as documents (compared case-insensitively)."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Files larger than this (bytes) are reported and skipped rather than read into memory."""


class DocumentError(Exception):
    """A source file that cannot be read or decoded; the message names the reason."""


@dataclass(frozen=True)
class SourceFile:
    """One readable file under the seeds folder.

    Attributes:
        rel_path: path relative to the seeds folder, ``/``-separated (the index key ``path``).
        data: the raw bytes.
        sha256: hex SHA-256 of ``data``: changed content means a changed file.
    """

    rel_path: str
    data: bytes
    sha256: str


@dataclass(frozen=True)
class ScanResult:
    """What :func:`scan` found: readable files, and ``(rel_path, reason)`` for the rest."""

    files: list[SourceFile]
    failed: list[tuple[str, str]]


def _candidates(root: Path):
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        # Hidden folders (.git, an index kept beside the seeds) are never documents.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            if name.startswith(".") or not name.lower().endswith(SOURCE_SUFFIXES):
                continue
            yield Path(dirpath) / name


def read_source(root: Path, path: Path) -> SourceFile:
    """Read one file below ``root``.

    Raises :class:`DocumentError` for a file that resolves outside ``root`` (a symlink pointing
    away), is not a regular file, is larger than :data:`MAX_FILE_BYTES`, or cannot be read.
    """
    rel = path.relative_to(root).as_posix()
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raise DocumentError("file name is not valid UTF-8; rename the file") from None
    try:
        real = path.resolve(strict=True)
        if not real.is_relative_to(root.resolve()):
            raise DocumentError("links outside the seeds folder; not read")
        if not real.is_file():
            raise DocumentError("not a regular file")
        size = real.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DocumentError(f"{size} bytes is over the {MAX_FILE_BYTES}-byte limit")
        data = real.read_bytes()
    except DocumentError:
        raise
    except RuntimeError:  # resolve() on a symlink loop
        raise DocumentError("cannot read: symlink loop") from None
    except OSError as exc:  # say why, but never where: the reason is shown on web pages
        raise DocumentError(f"cannot read: {exc.strerror or exc.__class__.__name__}") from None
    return SourceFile(rel, data, hashlib.sha256(data).hexdigest())


def display_path(rel_path: str) -> str:
    """A relative path safe to print and store: undecodable bytes of a file name (kept by
    ``os.walk`` as surrogate escapes) become U+FFFD."""
    return rel_path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def scan(root: str | os.PathLike) -> ScanResult:
    """List every ``.txt`` and ``.md`` file under ``root``, recursively, sorted by path.

    Args:
        root: the seeds folder.
    Returns:
        a :class:`ScanResult`; files that cannot be read are in ``failed``, never raised.
    Raises:
        FileNotFoundError: ``root`` does not exist or is not a folder.
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"seeds folder not found: {root}")
    if not root.is_dir():
        raise FileNotFoundError(f"seeds must be a folder, not a file: {root}")
    files, failed = [], []
    for path in _candidates(root):
        try:
            files.append(read_source(root, path))
        except DocumentError as exc:
            failed.append((display_path(path.relative_to(root).as_posix()), str(exc)))
    return ScanResult(files, failed)


def decode(source: SourceFile) -> str:
    """Decode a source file's bytes to text.

    UTF-8 with or without a byte-order mark; the BOM is removed and line ends become ``\\n``.

    Raises:
        DocumentError: the bytes are not valid UTF-8 (the message gives the byte offset).
    """
    data = source.data
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not valid UTF-8 at byte {exc.start}") from None
    if "\x00" in text:
        raise DocumentError("contains NUL bytes: looks like a binary file")
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
