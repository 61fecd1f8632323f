"""Per-segment values read once and kept: field lengths for BM25F and column values for facets.

A Whoosh segment never changes once written (deletions are recorded beside it, and merging
writes a new segment under a new random id), so what is read from it stays true for as long as
the segment exists. Reading it through Whoosh's per-document API costs a seek, a read and
several Python calls per document; the profile of the cctv-news query mix had
``doc_field_length`` (called for every scored posting) and the facet column lookups at about a
quarter of all search time. Here each is read once per segment into a Python list.

Entries are keyed by ``(index folder, segment id, document count, name)`` (a segment id is
random, but from Python's ``random``, which a test framework may seed the same way twice) and
bounded
(:data:`MAX_ENTRIES`, least recently used dropped), so segments that a rebuild or merge retired
fall out by themselves.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict

from whoosh.codec.whoosh3 import LENGTHS_COLUMN
from whoosh.reading import SegmentReader
from whoosh.util.numeric import byte_to_length

MAX_ENTRIES = 512
"""Cached values kept at most (each one value per section of one segment)."""
MAX_BYTES = 256 * 2**20
"""Estimated memory the cached values may hold (bytes); least recently used dropped first, so
the text columns of a generation that a rebuild retired leave when the new one is used (they
stayed before: a server's memory grew by each rebuild's columns)."""



class LRUCache:
    """A thread-safe least-recently-used map bounded by entries and by the bytes its values
    hold (the caller says each value's size); limits are given per insertion, so that module
    constants can be changed (tests do)."""

    def __init__(self):
        self._items: OrderedDict[tuple, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key):
        """The value kept for ``key`` (now the most recently used), or None."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return None
            self._items.move_to_end(key)
            return entry[0]

    def put(self, key, value, size: int, max_bytes: int, max_entries: int | None = None):
        """Keep ``value`` (``size`` bytes) unless ``key`` is already kept; drop the least
        recently used until within the limits (the newest always stays). Returns the value
        kept for ``key``."""
        with self._lock:
            if key in self._items:
                return self._items[key][0]
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > 1 and (
                    self._bytes > max_bytes
                    or (max_entries is not None and len(self._items) > max_entries)):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
            return value

    def __contains__(self, key) -> bool:
        with self._lock:
            return key in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)


_cache = LRUCache()


def _estimate(value) -> int:
    """Rough bytes held by a cached value (arrays exactly; lists of str or bytes by length)."""
    if hasattr(value, "nbytes"):
        return int(value.nbytes)
    if isinstance(value, tuple):
        return sum(_estimate(v) for v in value)
    if isinstance(value, list):
        if value and isinstance(value[0], str):
            return 2 * sum(map(len, value)) + 64 * len(value)
        if value and isinstance(value[0], bytes):
            return sum(map(len, value)) + 40 * len(value)
        return 36 * len(value)
    return 1024

# Whoosh stores a field length as one byte (a lossy log scale); 0 means "no length", for which
# BM25FScorer asks doc_field_length for its default of 1.
_LENGTH_OF_BYTE = [byte_to_length(b) if b else 1 for b in range(256)]


def kept_on(obj, attribute: str, make):
    """``make()``, worked out once and kept on ``obj`` as ``attribute`` (for values true for
    the object's lifetime: a reader's segment, a searcher's segments never change); an
    object that takes no attributes gets ``make()`` anew each time."""
    value = getattr(obj, attribute, None)
    if value is None:
        value = make()
        try:
            setattr(obj, attribute, value)
        except AttributeError:
            pass
    return value


def segment_key(reader: SegmentReader) -> tuple:
    """``(index folder, segment id, document count)``: names one segment's contents. Kept on
    the reader (:func:`kept_on`): a search asks for it about 90 times, and working it out
    through Whoosh's accessors was 7 % of a search."""
    def make():
        storage = getattr(reader, "_storage", None)
        storage = getattr(storage, "b", storage)  # a compound segment's OverlayStorage
        return (getattr(storage, "folder", None), reader.segment().segment_id(),
                reader.doc_count_all())
    return kept_on(reader, "_zhsearch_segment_key", make)


def segment_leaves(searcher) -> tuple[tuple[SegmentReader, int], ...]:
    """``(segment reader, global offset of its first document)`` for each segment of
    ``searcher`` (a Whoosh searcher). An index of no sections has none: Whoosh gives it one
    ``EmptyReader``, which has no segment, and every per-segment read failed on it (a search
    of an empty seeds folder answered 500: breaker). Kept on the searcher (:func:`kept_on`):
    a search lists them dozens of times (each idf, each hit)."""
    return kept_on(searcher, "_zhsearch_leaves", lambda: tuple(
        (reader, offset) for reader, offset in searcher.reader().leaf_readers()
        if isinstance(reader, SegmentReader)))


def segment_file(reader: SegmentReader, ext: str) -> str | None:
    """The path of the file with extension ``ext`` (``".sfx"``…) beside ``reader``'s segment
    files, or None when its segment keeps no files of its own (a compound segment, or a
    storage that is not a folder)."""
    segment = reader.segment()
    folder = getattr(getattr(reader, "_storage", None), "folder", None)
    if folder is None or getattr(segment, "compound", False):
        return None
    return os.path.join(folder, segment.make_filename(ext))


def per_segment_file(reader: SegmentReader, ext: str, open_file):
    """``open_file(path)`` of the file with extension ``ext`` beside ``reader``'s segment
    (:func:`segment_file`), opened once per segment and kept (:func:`per_segment`); None when
    the segment has no such file, or ``open_file`` returns None or raises ``OSError`` or
    ``ValueError`` (a file gone, unreadable or damaged: the caller then reads the segment
    without it)."""
    def load():
        path = segment_file(reader, ext)
        try:
            return (None if path is None else open_file(path)) or False
        except (OSError, ValueError):
            return False
    return per_segment(reader, "file:" + ext, load) or None


def _cached(reader: SegmentReader, name: str, load):
    key = (*segment_key(reader), name)
    values = _cache.get(key)
    if values is None:
        values = load()  # outside the lock: two threads may both load once, harmlessly
        values = _cache.put(key, values, _estimate(values), MAX_BYTES, MAX_ENTRIES)
    return values


def per_segment(reader: SegmentReader, name: str, load):
    """``load()``'s value for ``reader``'s segment, computed once and kept (see the module
    docstring); ``name`` says what it is. The value may be shared: read it, never change it."""
    return _cached(reader, name, load)


def _read_lengths(reader: SegmentReader, fieldname: str) -> list[int]:
    count = reader.doc_count_all()
    try:
        # the length column is one byte per document; read it whole (Whoosh internals,
        # hence the fallback below)
        column = reader._perdoc._cached_reader(f"_{fieldname}_len", LENGTHS_COLUMN)
        raw = b"" if column is None else column._dbfile.get(column._basepos, column._count)
    except (AttributeError, TypeError):
        return [reader.doc_field_length(d, fieldname, 1) for d in range(count)]
    lengths = [_LENGTH_OF_BYTE[b] for b in raw[:count]]
    lengths.extend([1] * (count - len(lengths)))
    return lengths


def field_lengths(reader, fieldname: str) -> list[int] | None:
    """Every document's length of ``fieldname`` in one segment, indexed by the segment's
    document number: what ``reader.doc_field_length(docnum, fieldname, 1)`` returns (in
    tokens, after Whoosh's one-byte rounding). None when ``reader`` is not a single-segment
    reader (the caller then asks the reader per document)."""
    if not isinstance(reader, SegmentReader):
        return None
    return _cached(reader, "len:" + fieldname, lambda: _read_lengths(reader, fieldname))
