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

* per field, its terms in Whoosh's order (sorted bytes) as one fixed-width byte-string array,
  found by binary search (``numpy.searchsorted``); where each term's postings start, as a
  cumulative ``int64`` array;
* the field's document numbers, one after another per term (ascending within a term), as
  ``uint16`` when every one of the segment's is below 65,536, else ``uint32``; and its weights
  (term frequency × field boost) as ``uint8`` or ``uint16`` when all are whole numbers that
  fit, else ``float32`` (the precision Whoosh keeps them in), so widening them gives exactly
  the values Whoosh's own reader gives.

The file is read through ``mmap``: looking a term up touches the pages of its binary search
and of its postings, nothing else. A segment without the file (written before it existed, or
by another codec) or a field missing from it (one whose terms hold a NUL byte, which the
fixed-width array could not tell apart) is read through Whoosh as before.

Layout: :data:`MAGIC`; the header's length (8 bytes, little-endian); the header (JSON: per
field, its term count, key width, and each array's byte offset and dtype); then the arrays,
each starting at a multiple of 8 bytes.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
from array import array
from dataclasses import dataclass, field

import numpy as np

POSTING_ARRAYS_EXT = ".fpa"
"""The file extension of a segment's posting arrays."""
MAGIC = b"ZHFPA01\n"
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


def write(f, fields: dict[str, FieldPostings]) -> None:
    """Write ``fields`` to the binary file object ``f`` in the layout of the module docstring.

    Args:
        f: a writable binary file (a Whoosh ``StructFile`` or an ``open(..., "wb")`` file).
        fields: field name → its postings; a field whose terms hold a NUL byte, or are not
            strictly ascending, is left out (its postings are then read through Whoosh).
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
        width = max(map(len, fp.terms), default=1)
        starts = np.zeros(len(fp.counts) + 1, np.int64)
        np.cumsum(np.asarray(fp.counts, np.int64), out=starts[1:])
        arrays = {
            "keys": np.array(fp.terms, dtype=f"S{width}"),
            "starts": starts,
            "ids": np.frombuffer(fp.ids, np.uint32).astype(id_type),
            "weights": _narrow_weights(np.frombuffer(fp.weights, np.float32)),
        }
        header[name] = {"terms": len(fp.terms), "width": width}
        blobs.extend((name, kind, a) for kind, a in arrays.items())
    # offsets are relative to the first array, so the header can be sized before it is known
    offset = 0
    for name, kind, a in blobs:
        header[name][kind] = [offset, a.dtype.str]
        offset += -(-a.nbytes // 8) * 8
    head = json.dumps({"fields": header}).encode("utf-8")
    start = len(MAGIC) + _LENGTH.size + len(head)
    pad = -start % 8
    f.write(MAGIC + _LENGTH.pack(len(head) + pad) + head + b" " * pad)
    for _, _, a in blobs:
        data = a.tobytes()
        f.write(data + b"\0" * (-len(data) % 8))


def read_ahead(fd: int) -> None:
    """Ask the kernel to read the whole file behind ``fd`` into its page cache now, in the
    background (``posix_fadvise(POSIX_FADV_WILLNEED)``), so that the first searches of a
    fresh server do not each wait on the disk for the pages of a mapped file they touch
    (the pages count towards no process's memory until a search touches them). A no-op
    where the call is missing."""
    if hasattr(os, "posix_fadvise"):
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except OSError:
            pass


class PostingArrays:
    """A segment's ``.fpa`` file, memory-mapped (see the module docstring).

    Args:
        path: the file.
    Raises:
        OSError: it cannot be opened or mapped.
        ValueError: it is not in this layout (or is cut short).
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
        self._fields: dict[str, tuple] = {}
        try:
            header = json.loads(bytes(self._map[len(MAGIC) + _LENGTH.size:base]))
            for name, h in header["fields"].items():
                self._fields[name] = self._views(h, base)
        except (KeyError, TypeError, IndexError) as exc:
            raise ValueError(f"{path}: a damaged header ({exc!r})") from exc

    def _views(self, h: dict, base: int) -> tuple:
        """A field's arrays as views of the mapped file (numpy raises ValueError when the
        file is too short for one)."""
        def view(kind, count):
            offset, dtype = h[kind]
            dt = np.dtype(f"S{h['width']}") if kind == "keys" else np.dtype(dtype)
            return np.frombuffer(self._map, dt, count, base + offset)

        n = h["terms"]
        starts = view("starts", n + 1)
        total = int(starts[-1]) if n else 0
        return view("keys", n), h["width"], starts, view("ids", total), view("weights", total)

    def has_field(self, fieldname: str) -> bool:
        """Whether ``fieldname``'s postings are in this file."""
        return fieldname in self._fields

    def _span(self, fieldname: str, btext: bytes) -> tuple[int, int] | None:
        keys, width, starts, _, _ = self._fields[fieldname]
        if len(btext) > width or not keys.size:  # no key is longer: spare the search
            return 0, 0
        i = int(keys.searchsorted(btext))
        if i < keys.size and keys[i] == btext:
            return int(starts[i]), int(starts[i + 1])
        return 0, 0

    def postings(self, fieldname: str, btext: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """``(ids, weights)`` of the term ``btext`` (its bytes, as Whoosh's field encodes it)
        in ``fieldname``: segment document numbers, ascending (``int32``, deleted documents
        included) and weights (``float64``), both new arrays; empty ones for a term that does
        not occur; None when the field is not in this file."""
        if fieldname not in self._fields:
            return None
        lo, hi = self._span(fieldname, btext)
        _, _, _, ids, weights = self._fields[fieldname]
        return ids[lo:hi].astype(np.int32), weights[lo:hi].astype(np.float64)

    def doc_frequency(self, fieldname: str, btext: bytes) -> int | None:
        """How many documents of the segment hold the term (deleted ones included, as
        Whoosh's ``doc_frequency``); None when the field is not in this file."""
        if fieldname not in self._fields:
            return None
        lo, hi = self._span(fieldname, btext)
        return hi - lo
