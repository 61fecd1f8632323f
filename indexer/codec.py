"""The Whoosh codec our segments are written with.

It is Whoosh's own ``W3Codec`` (the default file format) with these changes.

Posting blocks hold up to 1,024 postings instead of 128: :mod:`indexer.postings` reads whole
posting lists, and with a tenth of the blocks a cold read of common terms took 40 % less time
(4.8 vs 7.9 ms for 18 lists of 600 cn-laws files) at the same size.

``length_stats = False``. With it on, the segment writer looks up the field length of the
section behind every posting it writes, through a column reader (a seek and a read each), to
keep each term's shortest and longest field length; those only serve Whoosh's block-quality
bounds, which our exact top-N does not use (:mod:`indexer.searcher`), and with them absent
(zero) the bounds only get looser, never wrong. Writing without them made a build about 13 %
faster. Scoring reads field lengths from the per-document columns, which are unchanged.

Each long block's document-number deltas, and its weights when they differ, are written as a
packed ``array.array`` of the narrowest type that holds them (``B``, ``H``, ``I``; weights that
are not whole numbers as ``f``, the precision Whoosh keeps them in) instead of a pickled tuple
of Python numbers. Whoosh's own matchers still read them (an array iterates like the tuple
did); :mod:`indexer.postings` hands them to numpy without a Python object per number. A cold
read of a posting list (a fresh server's first queries, where reading postings was a third of
the time) got cheaper: 200 common single-character lists of 600 cn-laws files took 21 ms
instead of 47, at a slightly smaller size. (Reading the term table and postings through
``mmap`` as well saved nothing measurable end to end, and the mapped pages raised the cn-laws
server's peak resident size from about 230 to 493 MB, so segments are read as plain files.)

Each segment also gets a suffix array of its normalized section texts (``<segment>.sfx``,
:mod:`indexer.suffixes`), written by :class:`SuffixArrayPerDocWriter` as the segment's
columns are, and its posting lists again as plain arrays (``<segment>.fpa``,
:mod:`indexer.posting_arrays`), written by :class:`PostingArraysFieldWriter` as its postings
are, so a segment made by a merge has both too.

The codec object is pickled into each segment's table of contents, so this class must stay
importable under this name for as long as indexes written with it are read; renaming it means
raising :data:`indexer.analysis.ANALYZER_VERSION` so old indexes are rebuilt.
"""

from __future__ import annotations

import os
from array import array

import numpy as np
from whoosh.codec.whoosh3 import (
    W3Codec, W3FieldWriter, W3PerDocReader, W3PerDocWriter, W3PostingsWriter,
)

from . import posting_arrays, suffixes
from .storage import damaged


REQUIRED_COLUMNS = ("_stored", "text", "norm_text", "doc_id", "ordinal")
"""The columns every section has a value in, so every segment a file of (Whoosh writes a
column's file only for a segment where some document has a value: a segment of untitled
sections has no heading length column)."""


def segment_files(segment_id: str) -> set[str]:
    """The files every segment ``segment_id`` written by :class:`SectionCodec` has: its terms,
    its postings and the :data:`REQUIRED_COLUMNS`. A live segment without one of them is
    damaged: Whoosh reads a missing column as an empty one, and searches then found nothing
    in it, or a document of one section, with no error (breaker)."""
    return {segment_id + ".trm", segment_id + ".pst"} | {
        f"{segment_id}.{column}.col" for column in REQUIRED_COLUMNS}


class SectionCodec(W3Codec):
    """``W3Codec`` with larger posting blocks and without per-term field-length statistics
    (see the module docstring)."""

    length_stats = False

    def __init__(self, blocklimit: int = 1024, compression: int = 3, inlinelimit: int = 1):
        super().__init__(blocklimit=blocklimit, compression=compression, inlinelimit=inlinelimit)

    def per_document_writer(self, storage, segment):
        """Whoosh's per-document writer that also writes the segment's suffix array
        (:class:`SuffixArrayPerDocWriter`)."""
        return SuffixArrayPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        """Whoosh's per-document reader whose open column files answer for themselves
        (:class:`HeldColumnsPerDocReader`)."""
        return HeldColumnsPerDocReader(storage, segment)

    def field_writer(self, storage, segment):
        """Whoosh's field writer that also writes the segment's posting arrays
        (:class:`PostingArraysFieldWriter`)."""
        return PostingArraysFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        """Whoosh's postings writer with packed blocks (see the module docstring)."""
        return PackedPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                    compression=self._compression,
                                    inlinelimit=self._inlinelimit)


class PackedArray(array):
    """An ``array.array`` that pickles as its type code and raw bytes, even under the pickle
    protocol 2 that Whoosh writes blocks with (where a plain array pickles as a list)."""

    def __reduce_ex__(self, protocol):
        return unpack_array, (self.typecode, self.tobytes())


def unpack_array(typecode: str, data: bytes) -> array:
    """The array a :class:`PackedArray` was pickled from (a plain ``array.array``)."""
    return array(typecode, data)


def packed(values: np.ndarray) -> PackedArray:
    """``values`` (a numpy array of non-negative numbers) in the narrowest array type that
    holds them: ``B``, ``H`` or ``I`` when all are whole numbers under 2**32, else ``f``."""
    whole = values.size == 0 or bool((values == np.floor(values)).all() and values.min() >= 0
                                      and values.max() < 1 << 32)
    if not whole:
        return PackedArray("f", values.astype(np.float32).tobytes())
    top = values.max() if values.size else 0
    code, dtype = ("B", np.uint8) if top < 1 << 8 else ("H", np.uint16) if top < 1 << 16 \
        else ("I", np.uint32)
    return PackedArray(code, values.astype(dtype).tobytes())


PACK_MIN = 64
"""Blocks of fewer postings keep Whoosh's tuples: a packed array's pickle carries about 85
bytes of names, more than a short tuple of small numbers, and most terms have a few postings."""


class PackedPostingsWriter(W3PostingsWriter):
    """``W3PostingsWriter`` whose blocks of :data:`PACK_MIN` postings or more hold packed
    arrays (see the module docstring), and which copies every posting it writes into
    ``sink`` (a :class:`indexer.posting_arrays.FieldPostings`) when one is set."""

    sink: posting_arrays.FieldPostings | None = None

    def _write_block(self, last=False):
        # every posting passes through here: Whoosh 2.7 inlines a posting list in its term
        # info only below the inline limit, 1 here (and its inline path fails: W3TermInfo
        # has no set_inline)
        if self.sink is not None:
            self.sink.ids.extend(self._ids)
            self.sink.weights.extend(self._weights)
        super()._write_block(last)

    def _mini_ids(self):
        if self._byteids or len(self._ids) < PACK_MIN:
            return super()._mini_ids()
        ids = np.frombuffer(self._ids, np.uint32).astype(np.int64)
        return packed(np.diff(ids, prepend=0))

    def _mini_weights(self):
        if len(self._weights) < PACK_MIN:
            return super()._mini_weights()
        weights = np.frombuffer(self._weights, np.float32)
        # Whoosh's own minification first: None when all are 1.0, one float when all alike
        if (weights == 1.0).all():
            return None
        if (weights == weights[0]).all():
            return self._weights[0]
        return packed(weights)


def read_as_ints(weights: np.ndarray, starts: np.ndarray, blocklimit: int) -> np.ndarray:
    """Which postings Whoosh's reader gives an ``int`` weight for, of a segment written by
    :class:`PackedPostingsWriter` with ``blocklimit`` postings a block: those in a block it
    packed as a whole-number array (:meth:`PackedPostingsWriter._mini_weights`: at least
    :data:`PACK_MIN` postings, not all alike, all whole numbers under 2**32); the others
    read as floats. ``weights`` holds every posting of a field, term after term, term ``k``'s
    at ``starts[k]:starts[k + 1]``; returns a boolean array beside it.

    A merge needs this to write Whoosh's bytes: a block's largest weight is pickled into its
    header as the type it was read as (``9`` or ``9.0``)."""
    n = weights.size
    if not n:
        return np.zeros(0, bool)
    starts = np.asarray(starts, np.int64)
    counts = np.diff(starts)
    term_of = np.repeat(np.arange(counts.size), counts)
    block_of = (np.arange(n) - starts[term_of]) // blocklimit
    first = np.ones(n, bool)
    first[1:] = (term_of[1:] != term_of[:-1]) | (block_of[1:] != block_of[:-1])
    begins = np.flatnonzero(first)
    sizes = np.diff(np.append(begins, n))
    w = weights.astype(np.float64)
    whole = (w == np.floor(w)) & (w >= 0) & (w < 1 << 32)
    packed_whole = ((sizes >= PACK_MIN)
                    & (np.minimum.reduceat(w, begins) != np.maximum.reduceat(w, begins))
                    & np.logical_and.reduceat(whole, begins))
    return np.repeat(packed_whole, sizes)


SUFFIX_TEXT_COLUMN = "norm_text"
"""The column whose texts a segment's suffix array is built over (:mod:`indexer.suffixes`)."""


class SuffixArrayPerDocWriter(W3PerDocWriter):
    """``W3PerDocWriter`` that keeps the :data:`SUFFIX_TEXT_COLUMN` values it writes (UTF-8,
    in document order: added documents and, in a merge, the documents copied from the merged
    segments alike) and, when the segment's columns are written, writes the suffix array of
    those texts as the segment's ``.sfx`` file (:func:`indexer.suffixes.build`). Whoosh
    writes a segment's table of contents after its files, so no reader sees a segment
    without its suffix array; a document without the column counts as an empty text."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._texts: list[bytes] = []

    def add_column_value(self, fieldname, column, value):
        """Whoosh's, keeping the suffix array's texts."""
        if fieldname == SUFFIX_TEXT_COLUMN:
            del self._texts[self._docnum:]  # a document cancelled after its text was added
            self._texts.extend([b""] * (self._docnum - len(self._texts)))
            self._texts.append(value)
        super().add_column_value(fieldname, column, value)

    def close(self):
        """Whoosh's, then the suffix array written (none for a segment without texts)."""
        super().close()
        texts = [b.decode("utf-8", "surrogatepass") for b in self._texts[:self._doccount]]
        self._texts = []
        texts.extend([""] * (self._doccount - len(texts)))
        if not any(texts):
            return
        array = suffixes.build(texts)
        if array is not None:
            f = self._segment.create_file(self._storage, suffixes.SUFFIX_EXT)
            try:
                suffixes.save(array, f)
            finally:
                f.close()


class PostingArraysFieldWriter(W3FieldWriter):
    """``W3FieldWriter`` that keeps every posting it writes (through its postings writer's
    ``sink``) and, when the segment's postings are written, writes them again as the
    segment's posting arrays, ``<segment>.fpa`` (:mod:`indexer.posting_arrays`). Whoosh
    writes a segment's table of contents after its files, so no reader sees a segment
    without them."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self._arrays: dict[str, posting_arrays.FieldPostings] = {}
        self._start = 0

    def start_field(self, fieldname, fieldobj):
        """Whoosh's, pointing the new postings writer at this field's arrays."""
        super().start_field(fieldname, fieldobj)
        self._postwriter.sink = self._arrays.setdefault(fieldname,
                                                        posting_arrays.FieldPostings())

    def start_term(self, btext):
        """Whoosh's, noting where the term's postings begin."""
        super().start_term(btext)
        self._start = len(self._postwriter.sink.ids)

    def finish_term(self):
        """Whoosh's, recording the term and its number of postings."""
        sink = self._postwriter.sink
        super().finish_term()
        sink.terms.append(self._btext)
        sink.counts.append(len(sink.ids) - self._start)

    def add_grouped(self, schema, fields) -> None:
        """Write every posting of the segment, grouped: ``fields`` yields ``(fieldname,
        terms)`` in order, ``terms`` yields ``(term bytes, [(docnum, weight, value bytes or
        None), …])`` in order, each term's postings by document number (from
        :meth:`indexer.writers.TermGroupedPool.grouped_postings`).

        The files written are byte for byte those of Whoosh's ``add_postings`` over the same
        postings one at a time (a test builds both ways). Here a block's lists are filled at
        once instead of one ``add_posting`` call per posting (2.5 million calls for 400
        cn-laws files); the field lengths per posting, which this codec does not keep
        (``length_stats``), are left out as Whoosh leaves them out then.
        """
        for fieldname, terms in fields:
            self.start_field(fieldname, schema[fieldname])
            writer = self._postwriter
            limit = writer._blocklimit
            for btext, postings in terms:
                self.start_term(btext)
                if not isinstance(postings, list):  # arrays (a merged segment's): no tuples
                    _fill_blocks(writer, postings, limit)
                    self.finish_term()
                    continue
                for at in range(0, len(postings), limit):
                    if at:  # a full block before more: Whoosh writes it as the next arrives
                        writer._write_block()
                    docnums, weights, values = zip(*postings[at:at + limit])
                    writer._ids = array("I", docnums)
                    writer._weights = array("f", weights)
                    writer._values = [v for v in values if v]
                    # the largest weight as given (not as stored in 32 bits), and the first
                    # of equals: what add_posting keeps, pickled into the block's header
                    top = max(weights)
                    writer._maxweight = top if top > 0 else 0
                self.finish_term()
            self.finish_field()

    def close(self):
        """Whoosh's, then the posting arrays written."""
        super().close()
        fields, self._arrays = self._arrays, {}
        f = self._segment.create_file(self._storage, posting_arrays.POSTING_ARRAYS_EXT)
        try:
            posting_arrays.write(f, fields, self._segment.segment_id())
        finally:
            f.close()


def _fill_blocks(writer: W3PostingsWriter, postings, limit: int) -> None:
    """Fill ``writer``'s blocks with one term's postings given as arrays (an
    :class:`indexer.writers.ArrayPostings`), as :meth:`PostingArraysFieldWriter.add_grouped`
    fills them from tuples: the same lists, so the same bytes are written."""
    ids, weights, ints, values, size = postings
    for at in range(0, ids.size, limit):
        if at:
            writer._write_block()
        chunk = weights[at:at + limit]
        writer._ids = array("I", ids[at:at + limit].astype(np.uint32).tobytes())
        writer._weights = array("f", chunk.astype(np.float32).tobytes())
        writer._values = [values[at * size:(at + limit) * size]] if size else []
        first_top = at + int(chunk.argmax())  # max() keeps the first of equals, and its type
        top = int(weights[first_top]) if ints[first_top] else float(weights[first_top])
        writer._maxweight = top if top > 0 else 0


class HeldColumnsPerDocReader(W3PerDocReader):
    """``W3PerDocReader`` for which a column whose file it has open exists.

    Whoosh asks the file system whether a column exists before each first use of it, and
    reads a deleted file as "no column": an empty one. A searcher's column files are opened
    when it opens (:func:`indexer.storage.hold_segment_files`), so that an update merging
    its segments away cannot take them from under it; with this, the open file answers."""

    def has_column(self, fieldname):
        """Whether the segment has a ``fieldname`` column: its file is open, or on disk."""
        return fieldname in self._colfiles or super().has_column(fieldname)

    def column_reader(self, fieldname, column):
        """Whoosh's reader of the ``fieldname`` column (``column``: its column type).

        Raises:
            IndexDamagedError: the column's file cannot be decoded (Whoosh raises whatever
                reading its header and offsets happens to raise: a page of search results
                was a 500 "internal error" whose cause no one could see).
        """
        try:
            return super().column_reader(fieldname, column)
        except Exception as exc:
            raise damaged(os.path.dirname(os.path.abspath(self._storage.folder)), exc) from exc
