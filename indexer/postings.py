"""One segment's posting lists and text columns, read whole into arrays and kept.

Whoosh's matchers walk postings one at a time through several Python calls each; on cn-laws
that walk (and the position lists it decoded for phrases) was most of the search time. Here a
term's posting list is read whole into numpy arrays that :mod:`indexer.matching` combines at C
speed: sliced from the segment's posting arrays (:mod:`indexer.posting_arrays`) when it has
them, else parsed from Whoosh's blocks, one pickle load per block of up to 1,024 postings
(:mod:`indexer.codec`). A segment never changes once written
(see :mod:`indexer.segment_cache`), so the arrays stay true for its lifetime; they are kept in
a least-recently-used cache bounded by :data:`MAX_CACHED_BYTES`.
"""

from __future__ import annotations

import io
import os
import pickle
import struct
import zlib
from dataclasses import dataclass

import numpy as np
from whoosh.reading import TermNotFound

from .normalize import NormalizedText, normalized, unpack_offsets
from .storage import damaged
from .posting_arrays import POSTING_ARRAYS_EXT, PostingArrays
from .segment_cache import (
    LRUCache, field_lengths, per_segment, per_segment_file, segment_file, segment_key,
    segment_leaves,
)

MAX_CACHED_BYTES = 96 * 2**20
"""Posting arrays kept at most (bytes; 12 bytes per posting), least recently used dropped."""


@dataclass(frozen=True)
class Postings:
    """A term's postings in one segment.

    Attributes:
        ids: segment document numbers, ascending (``int32``; deleted documents included).
        weights: the matching ``weights`` (``float64``): term frequency × field boost.
    """

    ids: np.ndarray
    weights: np.ndarray

    @property
    def nbytes(self) -> int:
        """Memory held by the arrays (bytes)."""
        return self.ids.nbytes + self.weights.nbytes


EMPTY = Postings(np.zeros(0, np.int32), np.zeros(0, np.float64))

_cache = LRUCache()


_POSTINGS_MAGIC = b"W3Bl"  # whoosh.codec.whoosh3.WHOOSH3_HEADER_MAGIC
_BLOCK_LENGTH = struct.Struct("!i")  # Whoosh's read_int: negative for a term's last block


def _read_extent(data: bytes) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """A term's whole posting list (``data``: the bytes of its extent in the postings file,
    read at once) as per-block arrays of ids and weights.

    The layout is Whoosh 2.7's ``W3PostingsWriter``/``W3LeafMatcher``: a 4-byte tag, then
    blocks of ``(length: big-endian int, negative for the last block; a pickled info tuple
    whose fourth item says whether the data is zlib-compressed; the data: a pickled tuple of
    document number deltas from 0 and weights — None for all 1.0, one float for all alike,
    else a sequence)``. Parsed from memory here instead of through the matcher, whose seeks,
    reads and tells on a buffered file cost more than the reading itself (a third of a cold
    posting read on cn-laws). The deltas are summed with numpy.

    Raises:
        ValueError: ``data`` is not in that layout (the caller then walks Whoosh's matcher).
    """
    if data[:4] != _POSTINGS_MAGIC:
        raise ValueError("not a Whoosh 3 posting list")
    ids: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    stream = io.BytesIO(data)
    pos, last = 4, False
    while not last:
        (length,) = _BLOCK_LENGTH.unpack_from(data, pos)
        last = length < 0
        end = pos + _BLOCK_LENGTH.size + abs(length)
        stream.seek(pos + _BLOCK_LENGTH.size)
        info = pickle.load(stream)
        block = data[stream.tell():end]
        if info[3]:
            block = zlib.decompress(block)
        deltas, block_weights = pickle.loads(block)[:2]
        if isinstance(deltas, (bytes, bytearray)):
            raise ValueError("term-vector postings")
        n = len(deltas)
        # packed arrays (indexer.codec) convert through the buffer protocol; older tuples too
        ids.append(np.cumsum(np.asarray(deltas), dtype=np.int64))
        if block_weights is None:
            weights.append(np.ones(n))
        elif isinstance(block_weights, float):
            weights.append(np.full(n, block_weights))
        else:
            weights.append(np.asarray(block_weights, np.float64))
        pos = end
    return ids, weights


def posting_arrays(reader) -> PostingArrays | None:
    """The posting arrays of ``reader``'s segment (:mod:`indexer.posting_arrays`), mapped
    once per segment and kept; None for a segment without them (written before they existed,
    a compound segment, one whose file is gone or unreadable): its postings are read through
    Whoosh."""
    return per_segment_file(reader, POSTING_ARRAYS_EXT, lambda path: _own_arrays(reader, path))


def read_posting_arrays(reader) -> PostingArrays | None:
    """The posting arrays of ``reader``'s segment as :func:`posting_arrays` gives them, but
    opened afresh and not kept: for a merge, whose segments are deleted after it (kept, their
    mapped files would hold the disk space)."""
    path = segment_file(reader, POSTING_ARRAYS_EXT)
    try:
        return None if path is None else _own_arrays(reader, path)
    except (OSError, ValueError):
        return None


def _own_arrays(reader, path: str) -> PostingArrays | None:
    arrays = PostingArrays(path)
    # a file written for another segment (copied or renamed in) is not this one's
    return arrays if arrays.segment_id == reader.segment().segment_id() else None


def doc_frequency(reader, fieldname: str, text: str) -> int:
    """How many documents of ``reader``'s segment hold ``fieldname:text``, deleted ones
    included (Whoosh's ``reader.doc_frequency``), from the segment's posting arrays when it
    has them (a binary search in memory instead of a hash-table lookup of several file
    reads)."""
    arrays = posting_arrays(reader)
    if arrays is not None:
        found = arrays.doc_frequency(fieldname, reader.schema[fieldname].to_bytes(text))
        if found is not None:
            return found
    return reader.doc_frequency(fieldname, text)


def _read(reader, fieldname: str, text: str) -> Postings:
    fieldobj = reader.schema[fieldname]
    btext = fieldobj.to_bytes(text)
    arrays = posting_arrays(reader)
    if arrays is not None:
        found = arrays.postings(fieldname, btext)
        if found is not None and not found[0].size:
            return EMPTY
        if found is not None and 0 <= found[0].min() and found[0].max() < reader.doc_count_all():
            return Postings(*found)
        # else not in the arrays, or a damaged file's ids: read through Whoosh
    try:
        terms = reader._terms
        info = terms.term_info(fieldname, btext)
        if info.is_inlined():  # a term of one posting keeps it in its term info
            ids, weights = list(info._inlined[0]), list(info._inlined[1])
        else:
            offset, length = info.extent()
            if isinstance(length, tuple):  # W3TermInfo.from_bytes leaves it a 1-tuple
                length = length[0]
            ids, weights = _read_extent(terms._postfile.get(offset, length))
    except (TermNotFound, KeyError):
        return EMPTY
    except (AttributeError, ValueError):
        # not Whoosh 2.7's W3 format: walk the public matcher API one posting at a time
        try:
            matcher = reader.postings(fieldname, text)
        except (TermNotFound, KeyError):
            return EMPTY
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    if not len(ids):
        return EMPTY
    if isinstance(ids[0], np.ndarray):
        return Postings(np.concatenate(ids).astype(np.int32), np.concatenate(weights))
    return Postings(np.asarray(ids, np.int32), np.asarray(weights, np.float64))


def postings(reader, fieldname: str, text: str) -> Postings:
    """The postings of ``fieldname:text`` in ``reader``'s segment (a Whoosh ``SegmentReader``);
    :data:`EMPTY` when the term does not occur. The arrays may be shared: never change them."""
    key = (*segment_key(reader), fieldname, text)
    found = _cache.get(key)
    if found is None:
        found = _read(reader, fieldname, text)  # outside the lock: a duplicate read is harmless
        found = _cache.put(key, found, found.nbytes, MAX_CACHED_BYTES)
    return found


def lengths(reader, fieldname: str) -> np.ndarray:
    """Every document's length of ``fieldname`` in ``reader``'s segment (``float64``, tokens,
    as :func:`indexer.segment_cache.field_lengths` reads them)."""
    return per_segment(reader, "lenarray:" + fieldname,
                       lambda: np.asarray(field_lengths(reader, fieldname), np.float64))


def column_texts(reader, fieldname: str) -> list[str]:
    """The ``fieldname`` column (a :class:`indexer.schema.NormalizedColumn`) of every document
    in ``reader``'s segment, decoded, indexed by segment document number."""
    def load():
        return [b.decode("utf-8", "surrogatepass") for b in reader.column_reader(fieldname)]
    return per_segment(reader, "texts:" + fieldname, load)


def section_text(reader, docnum: int) -> str:
    """The text of section ``docnum`` of ``reader``'s segment (a Whoosh ``SegmentReader``), as
    it was indexed, from the ``text`` column (:class:`indexer.schema.SectionTextColumn`).
    The column reader is the segment reader's own (Whoosh keeps one per field and reader),
    so it reads the files the reader holds.

    Raises:
        IndexDamagedError: the stored text is not UTF-8 (its file was overwritten under a
            running service: a 500 before, as the error was raised in this module, not in
            Whoosh's: breaker).
    """
    column = reader._perdoc._cached_reader("text", reader.schema["text"].column_type)
    try:
        return column[docnum].decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        folder = getattr(reader.storage(), "folder", ".")
        raise damaged(os.path.dirname(os.path.abspath(folder)), exc) from exc


def read_first_records(searcher) -> list:
    """The segment readers of ``searcher`` that hold sections, each made to read its first
    stored record, its first section text and its first body term, as a hit and a search
    read theirs (which opens Whoosh's readers of them): a service's warm-up and an update's
    check of the live index (:func:`indexer.indexing.update`) both start so.

    Raises:
        whatever decoding a damaged file raises (callers name it: ``IndexDamagedError``).
    """
    readers = [reader for reader, _ in segment_leaves(searcher) if reader.doc_count_all()]
    for reader in readers:
        stored_record(reader, 0)
        section_text(reader, 0)
        next(iter(reader.lexicon("body")), None)
    return readers


def stored_record(reader, docnum: int) -> dict:
    """The stored fields of section ``docnum`` of ``reader``'s segment (field name → value; a
    new dict, unpickled from the record), as Whoosh's ``stored_fields`` gives them. Whoosh's
    reader also copies the record keeping only the fields still in the schema, one schema
    lookup per field (a third of the 30 µs a hit's record took); ours never drops a stored
    field without a rebuild."""
    return reader._perdoc.stored_fields(docnum)


def section_normalized(reader, docnum: int) -> NormalizedText | None:
    """Section ``docnum`` of ``reader``'s segment, normalized, as its ``norm_text`` and
    ``norm_offsets`` columns hold it (equal to :func:`indexer.normalize.normalize` of its
    text, which it spares); None for a segment written without offset maps, or a map that
    does not fit its text (the caller then normalizes the text itself)."""
    def load():  # has_column asks the file system: once per segment, not per hit
        if not reader.has_column("norm_offsets"):
            return ()
        return list(reader.column_reader("norm_offsets"))
    maps = per_segment(reader, "bytes:norm_offsets", load)
    if not maps:
        return None
    try:
        return unpack_offsets(column_texts(reader, "norm_text")[docnum], maps[docnum])
    except ValueError:
        return None


def codes(reader, fieldname: str) -> tuple[list, np.ndarray]:
    """A sortable column as ``(values, codes)``: its distinct values and, per document, the
    index of its value (``int32``), for counting facets with ``numpy.bincount``."""
    def load():
        index: dict = {}
        per_doc = [index.setdefault(v, len(index)) for v in reader.column_reader(fieldname)]
        return list(index), np.asarray(per_doc, np.int32)
    return per_segment(reader, "codes:" + fieldname, load)


def document_titles(reader) -> list[str]:
    """Per value of the segment's ``doc_id`` column (in :func:`codes`' order), its document's
    title, normalized: what a ``title:`` clause reads besides the section's own headings. Read
    from one stored record per document, once per segment."""
    def load():
        values, per_doc = codes(reader, "doc_id")
        first: dict[int, int] = {}
        for docnum, code in enumerate(per_doc.tolist()):
            first.setdefault(code, docnum)
        return [normalized(stored_record(reader, first[k]).get("doc_title", "") or "")
                for k in range(len(values))]
    return per_segment(reader, "doc_titles", load)


def bodyless(reader) -> np.ndarray:
    """The segment's sections whose text is only their heading
    (:attr:`indexer.sections.Section.bodyless`, the ``bodyless`` column): their document
    numbers, ascending (``int32``; a few in a hundred)."""
    def load():
        flags = np.fromiter((bool(v) for v in reader.column_reader("bodyless")), bool,
                            reader.doc_count_all())
        return np.flatnonzero(flags).astype(np.int32)
    return per_segment(reader, "bodyless", load)
