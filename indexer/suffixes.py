"""Suffix arrays of a segment's normalized section texts: every occurrence of a substring of
three or more characters in two binary searches, with no posting list read and no text
scanned.

A segment's suffix array (Manber & Myers, "Suffix arrays: a new method for on-line string
searches", 1993) lists the start of every suffix of its texts, joined by a separator that
sorts below every character, in the suffixes' sorted order; the suffixes that begin with a
needle are then one contiguous run, found by binary search, and each entry of the run is one
occurrence (overlapping ones included). It is built with ``pydivsufsort`` (Yuta Mori's
``libdivsufsort``) when the segment is written (:class:`indexer.codec.SectionCodec`), over the
characters' ranks rather than their code points (``libdivsufsort`` sorts integer arrays; the
rank keeps the order and fits in 16 bits unless a segment holds more than 65,535 distinct
characters), and saved beside the segment's other files as ``<segment>.sfx`` (NumPy's ``.npy``
format, ``int32``), which Whoosh's own clean-up deletes with the segment. It is read through
``numpy.load(mmap_mode="r")``: the pages a search touches are read, not the whole array.

The binary search compares the needle with the texts themselves (the segment's ``norm_text``
column, in memory for the search anyway: :func:`indexer.postings.column_texts`), cut at the
end of their section — the same order as the separator's, so no occurrence spans two sections.
"""

from __future__ import annotations

import bisect
import os

import numpy as np

from .storage import read_ahead

SUFFIX_EXT = ".sfx"
"""The file extension of a segment's suffix array."""
CHECKED_PAIRS = 256
"""Neighbouring entries of a suffix array compared when it is opened (:class:`SuffixIndex`):
about half a millisecond a segment."""
CHECKED_CHARS = 64
"""Characters of each suffix those comparisons read."""
MAX_CHARACTERS = 2**31 - 2**20
"""A segment's texts (characters, separators included) above this are not given a suffix
array (its positions are ``int32``); their substring clauses take the bigram postings."""


def ranks(texts: list[str]) -> np.ndarray:
    """``texts`` joined, one separator after each but the last, as character ranks: 0 for a
    separator, 1 and up for characters in code point order (lone surrogates included).

    Returns:
        a ``uint16`` array (``uint32`` past 65,535 distinct characters), one entry per
        character and separator.
    """
    joined = "\x00".join(texts)
    points = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), np.uint32)
    present = np.zeros(0x110000, bool)
    present[points] = True
    rank_of = np.cumsum(present, dtype=np.uint32)  # a present code point's rank, from 1
    out = rank_of[points]
    lengths = np.fromiter(map(len, texts), np.int64, len(texts))
    out[np.cumsum(lengths + 1)[:-1] - 1] = 0  # the separators (a "\x00" of the text keeps 1)
    return out.astype(np.uint16) if rank_of[-1] < 2**16 else out


def _divsufsort():
    """``pydivsufsort.divsufsort``, its library loaded single-threaded.

    ``libdivsufsort`` is built with OpenMP (GNU ``libgomp``), whose thread pool does not
    survive ``fork``: a process that sorted once and then forked Whoosh's multi-process
    writer hung in the child's first sort. ``libgomp`` reads ``OMP_NUM_THREADS`` when it is
    loaded; with one thread it starts no pool. Segments are sorted one per worker process
    anyway, so a full build still uses every core."""
    saved = os.environ.get("OMP_NUM_THREADS")
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        from pydivsufsort import divsufsort
    finally:
        if saved is None:
            del os.environ["OMP_NUM_THREADS"]
        else:
            os.environ["OMP_NUM_THREADS"] = saved
    return divsufsort


def build(texts: list[str]) -> np.ndarray | None:
    """The suffix array of ``texts`` (see the module docstring): ``int32`` positions into
    the joined texts, in the sorted order of their suffixes; None when the texts are too
    long for ``int32`` positions (:data:`MAX_CHARACTERS`) or empty."""
    divsufsort = _divsufsort()
    total = sum(map(len, texts)) + len(texts)
    if not texts or total > MAX_CHARACTERS:
        return None
    return np.asarray(divsufsort(ranks(texts)), np.int32)


def save(array: np.ndarray, fileobj) -> None:
    """Write ``array`` to ``fileobj`` (a binary file) in NumPy's ``.npy`` format."""
    np.lib.format.write_array(fileobj, np.ascontiguousarray(array), allow_pickle=False)


def load(path: str | os.PathLike) -> np.ndarray:
    """The suffix array saved at ``path``, memory-mapped read-only (and read ahead into the
    page cache: :func:`indexer.storage.read_ahead`).

    Raises:
        OSError: the file cannot be read (``FileNotFoundError`` when missing).
        ValueError: it is empty, cut short, or not an ``int32`` array of one dimension.
    """
    try:
        array = np.load(path, mmap_mode="r", allow_pickle=False)
    except EOFError:  # an empty file
        raise ValueError(f"{path}: empty") from None
    if array.dtype != np.int32 or array.ndim != 1:
        raise ValueError(f"{path}: not a suffix array")
    with open(path, "rb") as f:
        read_ahead(f.fileno())
    return array


class SuffixIndex:
    """One segment's suffix array with its texts.

    Args:
        array: the suffix array of ``texts`` (:func:`build`).
        texts: the segment's normalized texts, by segment document number.
    Raises:
        ValueError: ``array`` does not have one entry per character and separator of
            ``texts`` (it belongs to other texts), or a sample of it is not in order
            (:meth:`_check_sample`: a damaged file).
    """

    def __init__(self, array: np.ndarray, texts: list[str]):
        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        starts = np.zeros(len(texts), np.int64)
        np.cumsum(lengths[:-1] + 1, out=starts[1:])
        if array.size != int(lengths.sum()) + max(len(texts) - 1, 0):
            raise ValueError("the suffix array does not fit the texts")
        self.array = array
        self._array = np.asarray(array)  # a plain view: slicing a memmap costs more
        self._positions = memoryview(self._array)  # indexing it gives an int: no numpy scalar
        self.texts = texts
        self.starts = starts
        self._starts = starts.tolist()  # bisect on a list: no numpy call per probe
        self._check_sample()

    def _check_sample(self, samples: int = CHECKED_PAIRS) -> None:
        """Raise ``ValueError`` unless ``samples`` pairs of neighbouring entries, spread over
        the array, are positions of the texts, distinct, and in order (each one's first
        :data:`CHECKED_CHARS` characters, cut at the end of its section, not above the
        next one's: cutting keeps the order, as the separator sorts lowest). A file of the
        right size but damaged (zeroed, overwritten, another segment's) answered searches
        with sections that do not hold the needle and missed ones that do (breaker); it is
        then not used, and the segment's substring clauses take the bigram postings."""
        size = self._array.size
        if size < 2:
            return
        at = np.unique(np.linspace(0, size - 2, min(samples, size - 1)).astype(np.int64))
        first, second = self._array[at].astype(np.int64), self._array[at + 1].astype(np.int64)
        if (min(first.min(), second.min()) < 0 or max(first.max(), second.max()) >= size
                or (first == second).any()):
            raise ValueError("the suffix array holds positions outside its texts")
        for p, q in zip(first.tolist(), second.tolist()):
            if self._at(p, CHECKED_CHARS) > self._at(q, CHECKED_CHARS):
                raise ValueError("the suffix array is not in order")

    def _at(self, p: int, m: int) -> str:
        """The ``m`` characters at position ``p`` of the joined texts, cut at the end of
        its section ("" at a separator)."""
        d = bisect.bisect_right(self._starts, p) - 1
        off = p - self._starts[d]
        return self.texts[d][off:off + m]

    @property
    def nbytes(self) -> int:
        """Memory held besides the memory-mapped array and the shared texts (bytes)."""
        return self.starts.nbytes + 36 * len(self._starts)

    def _bound(self, needle: str, lo: int, hi: int, after: bool) -> int:
        """The first suffix in ``[lo, hi)`` whose prefix (its first ``len(needle)``
        characters, cut at the end of its section) is not below ``needle`` (``after``: not
        below or equal), by binary search; ``hi`` when there is none. Written out rather than
        :func:`bisect.bisect_left` with a ``key``: the key's two calls per probe were a third
        of a lookup."""
        m = len(needle)
        positions, starts, texts = self._positions, self._starts, self.texts
        while lo < hi:
            mid = (lo + hi) // 2
            p = positions[mid]
            d = bisect.bisect_right(starts, p) - 1
            off = p - starts[d]
            prefix = texts[d][off:off + m]
            if prefix < needle or (after and prefix == needle):
                lo = mid + 1
            else:
                hi = mid
        return lo

    def _prefix(self, i: int, m: int) -> str:
        """The ``m`` characters at suffix ``i``'s position, cut at the end of its section."""
        return self._at(self._positions[i], m)

    def occurrences(self, needle: str) -> np.ndarray:
        """The positions (into the joined texts, ``int32``, unordered) of every occurrence of
        ``needle`` (non-empty), overlapping ones included."""
        size, m = self.array.size, len(needle)
        lo = self._bound(needle, 0, size, False)
        # the run's end, galloping from its start (suffixes lo, lo+1, lo+3, lo+7, … until
        # one does not begin with needle): most needles occur a few times, and a few probes
        # bracket the end where a search over the rest of the array takes two dozen
        reach = 1
        while lo + reach - 1 < size and self._prefix(lo + reach - 1, m) == needle:
            reach *= 2
        end = self._bound(needle, lo + reach // 2, min(lo + reach - 1, size), True)
        return self._array[lo:end]

    def containing(self, needle: str) -> tuple[np.ndarray, np.ndarray]:
        """``(ids, counts)``: the segment document numbers whose text contains ``needle``
        (ascending, ``int32``) and how often (overlapping occurrences, ``float64``)."""
        found = self.occurrences(needle)
        if not found.size:
            return np.zeros(0, np.int32), np.zeros(0)
        # sorted first, the positions are looked up in order and each section's run is
        # contiguous: for 人民政府's 25,000 occurrences in a cn-laws segment, 1.4 ms instead
        # of 2.7 for an unordered searchsorted and np.unique
        docs = np.searchsorted(self.starts, np.sort(found), side="right") - 1
        firsts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
        counts = np.diff(firsts, append=docs.size)
        return docs[firsts].astype(np.int32), counts.astype(np.float64)
