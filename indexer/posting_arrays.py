"""A segment's posting lists as flat arrays in one file (``<segment>.fpa``), memory-mapped.

Whoosh keeps a term's postings in its ``.pst`` file as pickled, zlib-compressed blocks found
through the hash table of its ``.trm`` file. Reading one cold (a term no query asked for
before, as for most of a fresh server's queries) is a hash-table lookup of several file reads,
then a pickle load and a decompression per block: on the cn-laws query mix, about a third of
a fresh server's first answer to each query, while the same queries asked again (their arrays
cached) took half the time.

Here every term of every indexed field of a segment is also written, as the segment is (by
:class:`indexer.codec.PostingArraysFieldWriter`, so a merged segment gets one too), into one
file of plain arrays:

* per field, its terms of up to :data:`KEY_WIDTH` bytes in Whoosh's order (sorted bytes) as
  one fixed-width byte-string array, found by binary search (``numpy.searchsorted``); its
  longer terms, sorted, as their bytes joined with an ``int64`` array of offsets (a binary
  search by :mod:`bisect`); where each term's postings start, the short terms' then the long
  ones', as a cumulative ``int64`` array;
* the field's document numbers, one after another per term (ascending within a term), as
  ``uint16`` when every one of the segment's is below 65,536, else ``uint32``; and its weights
  (term frequency × field boost) as ``uint8`` or ``uint16`` when all are whole numbers that
  fit, else ``float32`` (the precision Whoosh keeps them in), so widening them gives exactly
  the values Whoosh's own reader gives.

The file is read through ``mmap``: looking a term up touches the pages of its binary search
and of its postings, nothing else. A segment without the file (written before it existed, or
by another codec) or a field missing from it (one whose terms hold a NUL byte, which the
fixed-width array could not tell apart) is read through Whoosh as before.

Layout: :data:`MAGIC`; the header's length (8 bytes, little-endian); the header (JSON: the
segment's id, so that a file cannot be taken for another segment's; per field, its short and
long term counts, key width, and each array's byte offset and dtype); then the arrays, each
starting at a multiple of 8 bytes. Nothing checks the arrays' contents (Whoosh's own files
are not checked either); a reader checks that a posting list's ids fit its segment.
"""

from __future__ import annotations

import bisect
import json
import mmap
import struct
from array import array
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

from .storage import read_ahead

POSTING_ARRAYS_EXT = ".fpa"
"""The file extension of a segment's posting arrays."""
MAGIC = b"ZHFPA02\n"
KEY_WIDTH = 32
"""Terms up to this many bytes are fixed-width keys; longer ones are kept apart, so one long
token (a run of digits or letters is one word) cannot widen every key of its field (a
20,000-digit number made a segment's file 389 MB instead of 5: breaker)."""
_LENGTH = struct.Struct("<Q")


@dataclass
class FieldPostings:
    """One field's posting lists as the writer collects them.

    Attributes:
        terms: the field's terms, bytes, in the order written (Whoosh writes them sorted).
        counts: each term's number of postings.
        ids: every term's document numbers, one term after another.
        weights: their weights, likewise (``float32``, as Whoosh buffers them).
    """

    terms: list[bytes] = field(default_factory=list)
    counts: list[int] = field(default_factory=list)
    ids: array = field(default_factory=lambda: array("I"))
    weights: array = field(default_factory=lambda: array("f"))


def _narrow_weights(weights: np.ndarray) -> np.ndarray:
    if weights.size == 0 or not (weights == np.floor(weights)).all() or weights.min() < 0:
        return weights
    top = weights.max()
    if top < 1 << 8:
        return weights.astype(np.uint8)
    if top < 1 << 16:
        return weights.astype(np.uint16)
    return weights


def _increasing(terms: list[bytes]) -> bool:
    return all(a < b for a, b in zip(terms, terms[1:]))


def _field_arrays(fp: FieldPostings, id_type) -> tuple[dict, dict[str, np.ndarray]]:
    """A field's header entry and arrays: terms up to :data:`KEY_WIDTH` bytes as the
    fixed-width keys, longer ones after them (their bytes joined, with offsets), and the
    postings reordered to match."""
    counts = np.asarray(fp.counts, np.int64)
    ids = np.frombuffer(fp.ids, np.uint32)
    weights = np.frombuffer(fp.weights, np.float32)
    long = np.fromiter((len(t) > KEY_WIDTH for t in fp.terms), bool, len(fp.terms))
    short_terms, long_terms = fp.terms, []
    if long.any():
        per_posting = np.repeat(long, counts)
        ids = np.concatenate([ids[~per_posting], ids[per_posting]])
        weights = np.concatenate([weights[~per_posting], weights[per_posting]])
        counts = np.concatenate([counts[~long], counts[long]])
        short_terms = [t for t, is_long in zip(fp.terms, long.tolist()) if not is_long]
        long_terms = [t for t, is_long in zip(fp.terms, long.tolist()) if is_long]
    width = max(map(len, short_terms), default=1)
    starts = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=starts[1:])
    offsets = np.zeros(len(long_terms) + 1, np.int64)
    np.cumsum([len(t) for t in long_terms], out=offsets[1:])
    arrays = {
        "keys": np.array(short_terms, dtype=f"S{width}"),
        "starts": starts,
        "ids": ids.astype(id_type),
        "weights": _narrow_weights(weights),
        "long_terms": np.frombuffer(b"".join(long_terms), np.uint8),
        "long_offsets": offsets,
    }
    return {"terms": len(short_terms), "long": len(long_terms), "width": width}, arrays


def write(f, fields: dict[str, FieldPostings], segment_id: str = "") -> None:
    """Write ``fields`` to the binary file object ``f`` in the layout of the module docstring.

    Args:
        f: a writable binary file (a Whoosh ``StructFile`` or an ``open(..., "wb")`` file).
        fields: field name → its postings; a field whose terms hold a NUL byte, or are not
            strictly ascending, is left out (its postings are then read through Whoosh).
        segment_id: the segment's id, recorded so that a reader can tell the file belongs
            to its segment.
    Raises:
        ValueError: a field's counts do not add up to its ids or weights.
    """
    top = max((int(np.frombuffer(fp.ids, np.uint32).max()) for fp in fields.values()
               if len(fp.ids)), default=0)
    id_type = np.uint16 if top < 1 << 16 else np.uint32
    header: dict[str, dict] = {}
    blobs: list[tuple[str, str, np.ndarray]] = []
    for name, fp in fields.items():
        total = sum(fp.counts)
        if total != len(fp.ids) or total != len(fp.weights) or len(fp.terms) != len(fp.counts):
            raise ValueError(f"field {name!r}: {len(fp.counts)} counts of {total} postings, "
                             f"{len(fp.ids)} ids, {len(fp.weights)} weights")
        if any(b"\x00" in t for t in fp.terms) or not _increasing(fp.terms):
            continue
        header[name], arrays = _field_arrays(fp, id_type)
        blobs.extend((name, kind, a) for kind, a in arrays.items())
    # offsets are relative to the first array, so the header can be sized before it is known
    offset = 0
    for name, kind, a in blobs:
        header[name][kind] = [offset, a.dtype.str]
        offset += -(-a.nbytes // 8) * 8
    head = json.dumps({"segment": segment_id, "fields": header}).encode("utf-8")
    start = len(MAGIC) + _LENGTH.size + len(head)
    pad = -start % 8
    f.write(MAGIC + _LENGTH.pack(len(head) + pad) + head + b" " * pad)
    for _, _, a in blobs:
        data = a.tobytes()
        f.write(data + b"\0" * (-len(data) % 8))


class _Terms:
    """A field's long terms (over :data:`KEY_WIDTH` bytes) as a sorted sequence of bytes,
    sliced from the mapped file as :func:`bisect.bisect_left` asks for them (no copy of
    them all: a collection of hashes or long numbers may hold many)."""

    def __init__(self, data: np.ndarray, offsets: np.ndarray):
        self._data, self._offsets = data, offsets

    def __len__(self) -> int:
        return self._offsets.size - 1

    def __getitem__(self, i: int) -> bytes:
        return self._data[int(self._offsets[i]):int(self._offsets[i + 1])].tobytes()


class _Field(NamedTuple):
    keys: np.ndarray       # the terms up to KEY_WIDTH bytes, fixed width, sorted
    width: int             # their width
    starts: np.ndarray     # where each term's postings start: keys first, then long terms
    ids: np.ndarray
    weights: np.ndarray
    long_terms: _Terms     # the longer terms, sorted


class FieldArrays(NamedTuple):
    """One field's postings in a segment, from :meth:`PostingArrays.field_postings`: term
    ``k`` (``terms[k]``, bytes) has the postings ``ids[starts[k]:starts[k + 1]]`` (segment
    document numbers, ascending) with the weights at the same places."""

    terms: list[bytes]
    starts: np.ndarray
    ids: np.ndarray
    weights: np.ndarray


class TermTable(NamedTuple):
    """One field's terms as a segment's own term table lists them (Whoosh's ``.trm``), for
    checking its posting arrays against (:func:`agrees`): the terms in sorted order, and per
    term its number of postings, summed weight, and first and last document number."""

    terms: list[bytes]
    counts: np.ndarray
    weights: np.ndarray
    first_ids: np.ndarray
    last_ids: np.ndarray


def agrees(field: FieldArrays, table: TermTable, doc_count: int) -> bool:
    """Whether ``field``'s arrays hold what the segment's term table says its postings are:
    well-formed (term boundaries rising from 0 to the number of postings, document numbers
    below ``doc_count`` and rising within each term) and the same terms with the same number
    of postings, summed weights and first and last document numbers. A file damaged in place
    (zeroed, an id or a term changed, a boundary out of range) fails it; a merge that copied
    it would make the damage permanent in the merged segment's files too (breaker)."""
    starts = np.asarray(field.starts, np.int64)
    n = len(field.terms)
    if (starts.size != n + 1 or starts[0] != 0 or starts[-1] != field.ids.size
            or field.weights.size != field.ids.size or n != len(table.terms)
            or (n and (np.diff(starts) < 1).any())):
        return False
    if not n:
        return True
    ids = np.asarray(field.ids, np.int64)
    rising = np.diff(ids) > 0
    rising[starts[1:-1] - 1] = True  # a term's first id follows another term's last
    if ids.max() >= doc_count or not rising.all():
        return False
    order = sorted(range(n), key=field.terms.__getitem__)
    if [field.terms[k] for k in order] != table.terms:
        return False
    summed = np.add.reduceat(np.asarray(field.weights, np.float64), starts[:-1])
    return (np.array_equal(np.diff(starts)[order], table.counts)
            and np.array_equal(ids[starts[:-1]][order], table.first_ids)
            and np.array_equal(ids[starts[1:] - 1][order], table.last_ids)
            and np.allclose(summed[order], table.weights, rtol=1e-6, atol=1e-6))


class PostingArrays:
    """A segment's ``.fpa`` file, memory-mapped (see the module docstring).

    Args:
        path: the file.
    Attributes:
        segment_id: the id of the segment it was written for ("" when not recorded).
    Raises:
        OSError: it cannot be opened or mapped.
        ValueError: it is not in this layout, is cut short, or its header is damaged.
    """

    def __init__(self, path: str):
        with open(path, "rb") as f:
            if f.seek(0, 2) < len(MAGIC) + _LENGTH.size:
                raise ValueError(f"{path}: too short for posting arrays")
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
            read_ahead(f.fileno())
        if self._map[:len(MAGIC)] != MAGIC:
            raise ValueError(f"{path}: not a posting-arrays file")
        (length,) = _LENGTH.unpack_from(self._map, len(MAGIC))
        base = len(MAGIC) + _LENGTH.size + length
        self._fields: dict[str, _Field] = {}
        try:
            header = json.loads(bytes(self._map[len(MAGIC) + _LENGTH.size:base]))
            self.segment_id: str = str(header.get("segment", ""))
            for name, h in header["fields"].items():
                self._fields[name] = self._field(h, base)
        except (KeyError, TypeError, IndexError, AttributeError, OverflowError) as exc:
            raise ValueError(f"{path}: a damaged header ({exc!r})") from exc

    def _field(self, h: dict, base: int) -> "_Field":
        """A field's arrays as views of the mapped file (numpy raises ValueError when the
        file is too short for one, or a count is negative)."""
        def view(kind, count):
            if count < 0:  # numpy takes -1 as "all the rest"
                raise ValueError(f"a negative count of {kind}")
            offset, dtype = h[kind]
            dt = np.dtype(f"S{h['width']}") if kind == "keys" else np.dtype(dtype)
            return np.frombuffer(self._map, dt, count, base + offset)

        n, n_long = int(h["terms"]), int(h["long"])
        starts = view("starts", n + n_long + 1)
        offsets = view("long_offsets", n_long + 1)
        return _Field(view("keys", n), int(h["width"]), starts,
                      view("ids", int(starts[-1])), view("weights", int(starts[-1])),
                      _Terms(view("long_terms", int(offsets[-1])), offsets))

    def has_field(self, fieldname: str) -> bool:
        """Whether ``fieldname``'s postings are in this file."""
        return fieldname in self._fields

    def _span(self, fieldname: str, btext: bytes) -> tuple[int, int]:
        f = self._fields[fieldname]
        if len(btext) > KEY_WIDTH:
            i = bisect.bisect_left(f.long_terms, btext)
            if i == len(f.long_terms) or f.long_terms[i] != btext:
                return 0, 0
            i += f.keys.size
        else:
            if len(btext) > f.width or not f.keys.size:  # no key is longer: spare the search
                return 0, 0
            i = int(f.keys.searchsorted(btext))
            if i == f.keys.size or f.keys[i] != btext:
                return 0, 0
        return int(f.starts[i]), int(f.starts[i + 1])

    def postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """``(ids, weights)`` of the term ``btext`` (its bytes, as Whoosh's field encodes it)
        in ``fieldname``: segment document numbers, ascending (``int32``, deleted documents
        included) and weights (``float64``), both new arrays; empty ones for a term that does
        not occur; None when the field is not in this file. (A damaged file can give ids
        out of the segment's range: the caller checks them.)"""
        if fieldname not in self._fields:
            return None
        lo, hi = self._span(fieldname, btext)
        f = self._fields[fieldname]
        return f.ids[lo:hi].astype(np.int32), f.weights[lo:hi].astype(np.float64)

    def field_postings(self, fieldname: str) -> FieldArrays | None:
        """Every posting of ``fieldname`` at once, for copying a whole segment (a merge):
        its terms in this file's order (those of up to :data:`KEY_WIDTH` bytes sorted, then
        the longer ones sorted) and views of the mapped arrays (deleted documents included;
        weights as stored, which widen to exactly Whoosh's). None when the field is not in
        this file."""
        f = self._fields.get(fieldname)
        if f is None:
            return None
        terms = f.keys.tolist()  # bytes: a key never ends in NUL (no term holding one is kept)
        terms.extend(f.long_terms[i] for i in range(len(f.long_terms)))
        return FieldArrays(terms, f.starts, f.ids, f.weights)

    def doc_frequency(self, fieldname: str, btext: bytes) -> int | None:
        """How many documents of the segment hold the term (deleted ones included, as
        Whoosh's ``doc_frequency``); None when the field is not in this file."""
        if fieldname not in self._fields:
            return None
        lo, hi = self._span(fieldname, btext)
        return hi - lo
