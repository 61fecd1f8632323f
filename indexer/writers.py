"""Whoosh index writers whose posting pool groups postings by term instead of sorting them.

Whoosh's ``SegmentWriter`` puts every posting of a segment, as a tuple ``(field, term bytes,
document number, weight, value)``, in one list (its ``PostingPool``) and sorts that list when
the segment is written: Python's tuple sort over every posting was 19 % of a cn-laws build.
:class:`TermGroupedPool` files each posting under its field and term as it arrives instead,
so writing needs only the distinct terms sorted; each term's postings arrive in document order
already (documents are numbered as they are added, and a merge adds each segment's postings in
order), which the stable per-term sort below confirms at linear cost. The items come out in
the order Whoosh's sort gives, so the segment written is the same. Past the pool's size limit
the groups are written out as one sorted run, and runs are merged as Whoosh's own pool merges
them, so memory stays bounded as before.

Merging segments (an update past ``indexer.indexing.MAX_DELETED_SHARE``, Whoosh's merging of
small segments) copies each merged segment's postings from its posting arrays
(:mod:`indexer.posting_arrays`) a field at a time, as numpy arrays, instead of reading them
back through Whoosh one posting at a time: Whoosh's way took 30 s to merge a 6 M-character
slice of cn-laws (the slice's parallel build took 22 s) and several minutes for all of it;
this way 16 s and 72 s. The segment written is byte for byte Whoosh's
(``tests/test_writers.py``).

:class:`GroupedSegmentWriter` and :class:`GroupedMpWriter` are Whoosh's writers with that pool
(``MpWriter``'s worker processes make their own ``SegmentWriter``; :class:`_GroupedTask`
points them at ours inside the worker process only).
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import threading
from operator import itemgetter
from typing import NamedTuple

import numpy as np
from whoosh import multiproc
from whoosh.formats import Existence, Frequency
from whoosh.writing import PostingPool, SegmentWriter

from . import posting_arrays
from .codec import read_as_ints
from .postings import read_posting_arrays

_DOCNUM = itemgetter(0)


class ArrayPostings(NamedTuple):
    """One term's postings as arrays: ``ids`` (``uint32``, ascending), ``weights``
    (``float64``: exactly the weights given, which the block header keeps unrounded),
    ``ints`` (bool: which weights Whoosh's merge would hold as ``int``, see
    :func:`indexer.codec.read_as_ints`) and ``values``, the value bytes of every posting
    joined, ``value_size`` bytes each (0: the format keeps none)."""

    ids: np.ndarray
    weights: np.ndarray
    ints: np.ndarray
    values: bytes
    value_size: int

    def tuples(self):
        """The postings as the pool's ``(docnum, weight, value bytes or None)`` tuples."""
        size, values = self.value_size, self.values
        return [(d, int(w) if whole else w, values[k * size:(k + 1) * size] if size else None)
                for k, (d, w, whole) in enumerate(zip(self.ids.tolist(), self.weights.tolist(),
                                                      self.ints.tolist()))]


class TermGroupedPool(PostingPool):
    """A ``PostingPool`` that keeps postings grouped by field and term (see the module
    docstring). Items in and out are Whoosh's ``(fieldname, tbytes, docnum, weight, vbytes)``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fields: dict[str, dict[bytes, list]] = {}
        # postings copied from merged segments: field -> term -> [(ids, weights, ints)], each
        # a term's postings of one segment (see add_copied)
        self._copied: dict[str, dict[bytes, list[tuple]]] = {}
        self._value_sizes: dict[str, int] = {}

    def add(self, item):
        fieldname, tbytes, docnum, weight, vbytes = item
        terms = self._fields.get(fieldname)
        if terms is None:
            terms = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        postings = terms.get(tbytes)
        if postings is None:
            postings = terms[tbytes] = []
            self.currentsize += 80 + len(tbytes)  # the dict entry, key and list (estimated)
        postings.append((docnum, weight, vbytes))
        self.currentsize += 72 + (len(vbytes) if vbytes else 0)  # the tuple and its numbers
        if self.currentsize > self.limit:
            self.save()

    def add_field(self, fieldname: str, docnum: int, items, boost: float, scorable: bool) -> int:
        """File the postings of one field of document ``docnum``: ``items`` yields ``(term
        bytes, frequency, weight, value bytes)`` as Whoosh's ``FieldType.index`` does, each
        weight is multiplied by ``boost``; returns the field's length (the frequencies
        summed when ``scorable``, else 0). The same as :meth:`add` once per posting, as
        Whoosh's ``SegmentWriter.add_document`` calls it, without a call and a tuple of five
        per posting."""
        terms = self._fields.get(fieldname)
        new = terms is None
        if new:  # filed only once it has a posting, as add() files it: a field without any
            terms = {}  # in the segment is not written (Whoosh's field numbers stay the same)
        get = terms.get
        length = size = 0
        for tbytes, freq, weight, vbytes in items:
            postings = get(tbytes)
            if postings is None:
                postings = terms[tbytes] = []
                size += 80 + len(tbytes)
            postings.append((docnum, weight * boost, vbytes))
            size += 72 + (len(vbytes) if vbytes else 0)
            if scorable:
                length += freq
        if new and terms:
            self._fields[fieldname] = terms
            self.fieldnames.add(fieldname)
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()
        return length

    def add_copied(self, fieldname: str, arrays, keep: np.ndarray, new_ids: np.ndarray,
                   ints: np.ndarray, value_size: int) -> None:
        """File one field's postings of a segment being merged, all at once: ``arrays`` is
        its :class:`indexer.posting_arrays.FieldArrays`, ``keep`` marks the postings to copy
        (those of documents not deleted), ``new_ids`` gives each posting's document number
        in the segment being written and ``ints`` which weights Whoosh reads as ``int``
        (:func:`indexer.codec.read_as_ints`). Each posting's value is its weight as a big-endian
        ``uint32`` when ``value_size`` is 4 (Whoosh's ``Frequency`` format, where an unboosted
        weight is the frequency the value holds), none when 0. Terms left without a posting
        are not filed, as Whoosh's merge files none for them."""
        kept = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
        starts = kept[np.asarray(arrays.starts, np.int64)].tolist()
        ids = new_ids[keep].astype(np.uint32)
        weights = np.asarray(arrays.weights)[keep].astype(np.float32)
        ints = ints[keep]
        terms = self._copied.get(fieldname)
        if terms is None:
            terms = self._copied[fieldname] = {}
            self.fieldnames.add(fieldname)
            self._value_sizes[fieldname] = value_size
        size = ids.nbytes + weights.nbytes + ints.nbytes
        for k, tbytes in enumerate(arrays.terms):
            lo, hi = starts[k], starts[k + 1]
            if lo == hi:
                continue
            parts = terms.get(tbytes)
            if parts is None:
                parts = terms[tbytes] = []
                size += 80 + len(tbytes)
            parts.append((ids[lo:hi], weights[lo:hi], ints[lo:hi]))
        self.currentsize += size
        if self.currentsize > self.limit:
            self.save()

    def _grouped_items(self):
        for fieldname, terms in self._grouped():
            for tbytes, postings in terms:
                if isinstance(postings, ArrayPostings):
                    postings = postings.tuples()
                for docnum, weight, vbytes in postings:
                    yield fieldname, tbytes, docnum, weight, vbytes

    def _grouped(self):
        fields, self._fields = self._fields, {}
        copied, self._copied = self._copied, {}
        for fieldname in sorted(fields.keys() | copied.keys()):
            terms = fields.get(fieldname, {})
            if fieldname in copied:
                yield fieldname, self._with_copied(terms, copied[fieldname],
                                                   self._value_sizes[fieldname])
            else:
                yield fieldname, self._terms(terms)

    @staticmethod
    def _terms(terms: dict):
        for tbytes in sorted(terms):
            postings = terms[tbytes]
            postings.sort(key=_DOCNUM)
            yield tbytes, postings

    @staticmethod
    def _with_copied(terms: dict, copied: dict, value_size: int):
        """A field's terms in order, each with its postings, as :class:`ArrayPostings` where
        any were copied from a merged segment (added ones, if the term has any, first)."""
        for tbytes in sorted(terms.keys() | copied.keys()):
            parts = copied.get(tbytes)
            if parts is None:
                postings = terms[tbytes]
                postings.sort(key=_DOCNUM)
                yield tbytes, postings
                continue
            added = terms.get(tbytes)
            if added:
                added.sort(key=_DOCNUM)
                docnums, weights, values = zip(*added)
                parts = [(np.array(docnums, np.uint32), np.array(weights, np.float64),
                          np.array([isinstance(w, int) for w in weights], bool),
                          b"".join(v or b"" for v in values)), *parts]
            yield tbytes, _joined(parts, value_size)

    def grouped_postings(self):
        """Every posting as ``(fieldname, terms)`` per field in order, ``terms`` yielding
        ``(tbytes, [(docnum, weight, vbytes), …])`` per term in order, its postings by
        document number: what :meth:`items` yields one posting at a time. None when postings
        were written out as runs (past the pool's size limit): merging those gives them one
        at a time (:meth:`items`)."""
        return None if self.runs else self._grouped()

    def save(self):
        """Write the pool's postings out as one sorted run (Whoosh's external sort)."""
        if self._fields or self._copied:
            path, f = self._new_run()
            self._write_run(f, self._grouped_items())
            self._add_run(path)
        self.currentsize = 0

    def items(self, maxfiles=128):
        """Every posting, sorted by field, term and document number."""
        if not self.runs:
            return self._grouped_items()
        return super().items(maxfiles)  # saves what is left as a run, then merges the runs

    def cleanup(self):
        self._fields = {}
        self._copied = {}
        super().cleanup()


def _joined(parts: list[tuple], value_size: int) -> ArrayPostings:
    """One term's postings from its parts: ``(ids, weights, ints)`` copied from merged
    segments (values made from the weights, see :meth:`TermGroupedPool.add_copied`), or
    ``(ids, weights, ints, values)`` of added documents; put in document order if they are
    not in it."""
    ids = [p[0] for p in parts]
    weights = [p[1].astype(np.float64) for p in parts]
    ints = [p[2] for p in parts]
    values = b"".join(p[3] if len(p) > 3 else
                      (p[1].astype(">u4").tobytes() if value_size else b"") for p in parts)
    if len(parts) == 1:
        return ArrayPostings(ids[0], weights[0], ints[0], values, value_size)
    all_ids, all_weights, all_ints = (np.concatenate(ids), np.concatenate(weights),
                                      np.concatenate(ints))
    if any(int(a[-1]) >= int(b[0]) for a, b in zip(ids, ids[1:])):
        order = np.argsort(all_ids, kind="stable")
        all_ids, all_weights, all_ints = all_ids[order], all_weights[order], all_ints[order]
        if value_size:
            values = np.frombuffer(values, np.uint8).reshape(-1, value_size)[order].tobytes()
    return ArrayPostings(all_ids, all_weights, all_ints, values, value_size)


class GroupedSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with a :class:`TermGroupedPool`; same arguments. When the
    segment is written, a field writer that takes a term's postings at once
    (``add_grouped``: :class:`indexer.codec.PostingArraysFieldWriter`) gets them so, instead
    of one call per posting."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = TermGroupedPool(self._tempstorage, self.newsegment,
                                    limitmb=kwargs.get("limitmb", 128))
        self._plain: bool | None = None  # no spelling or vector field (known at first use)

    def add_document(self, **fields):
        """Whoosh's ``SegmentWriter.add_document`` (whoosh-reloaded 2.7.5, ``writing.py``),
        with each indexed field's postings filed by :meth:`TermGroupedPool.add_field`
        instead of one ``pool.add`` call per posting (5 % of a build). A schema with
        spelling or vector fields (ours has none) goes through Whoosh's own."""
        schema = self.schema
        if self._plain is None:
            self._plain = not any(f.separate_spelling() or f.vector for f in schema)
        if not self._plain:
            super().add_document(**fields)
            return
        self._check_state()
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        add_field = self.pool.add_field
        docboost = self._doc_boost(fields)
        fieldnames = sorted([name for name in fields.keys() if not name.startswith("_")])
        self._check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    length = add_field(fieldname, docnum, field.index(value),
                                       self._field_boost(fields, fieldname, docboost),
                                       field.scorable)
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None,
                                       length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column,
                                                  field.to_column_value(customval))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def add_postings_to_pool(self, reader, startdoc, docmap):
        """Whoosh's ``SegmentWriter.add_postings_to_pool`` (a merge: file every posting of
        ``reader``'s segment under its new document number; ``docmap`` maps old numbers to
        new ones when the segment has deletions, else they are ``startdoc`` on), with each
        field whose postings the segment keeps as arrays (:mod:`indexer.posting_arrays`)
        copied from them at once (:meth:`TermGroupedPool.add_copied`) instead of read
        through Whoosh one posting at a time, which made merging cn-laws' two segments take
        longer than building them. The postings filed are the same; other fields, and
        segments without the arrays (or with arrays that disagree with the segment's term
        table: :func:`indexer.posting_arrays.agrees`), go Whoosh's way."""
        arrays = read_posting_arrays(reader) if isinstance(self.pool, TermGroupedPool) else None
        count = reader.doc_count_all()
        plan = {}  # field name -> its arrays and value size, or None: Whoosh's way
        for fieldname in reader.indexed_field_names() if arrays is not None else ():
            if fieldname in self.schema:
                field = arrays.field_postings(fieldname)
                size = _copied_value_size(self.schema[fieldname], field)
                plan[fieldname] = None if size is None else (field, size)
        tables = _term_tables(reader, {f for f, p in plan.items() if p}) if plan else {}
        if arrays is None or not all(
                posting_arrays.agrees(p[0], tables[f], count) for f, p in plan.items() if p):
            # no arrays, or damaged ones: Whoosh's own files are copied, as they are read
            super().add_postings_to_pool(reader, startdoc, docmap)
            return
        if docmap is None:
            new_ids = np.arange(startdoc, startdoc + count, dtype=np.int64)
        else:
            new_ids = np.full(count, -1, np.int64)
            new_ids[np.fromiter(docmap.keys(), np.int64, len(docmap))] = \
                np.fromiter(docmap.values(), np.int64, len(docmap))
        blocklimit = reader.segment().codec()._blocklimit
        for fieldname, copy in plan.items():
            if copy is None:
                self._add_field_postings(reader, fieldname, startdoc, docmap)
                continue
            field, size = copy
            mapped = new_ids[field.ids]
            # a segment with deletions is read through a filter that multiplies each
            # weight by its boost of 1.0: every weight then comes as a float
            ints = (np.zeros(field.ids.size, bool) if reader.has_deletions()
                    else read_as_ints(field.weights, field.starts, blocklimit))
            self.pool.add_copied(fieldname, field, mapped >= 0, mapped, ints, size)

    def _add_field_postings(self, reader, fieldname, startdoc, docmap):
        """One field's postings of ``reader`` filed one at a time, as Whoosh's merge files
        them (its ``iter_postings``, for this field only)."""
        add = self.pool.add
        for btext in reader.lexicon(fieldname):
            m = reader.postings(fieldname, btext)
            while m.is_active():
                docnum = m.id()
                add((fieldname, btext, docmap[docnum] if docmap is not None else startdoc + docnum,
                     m.weight(), m.value()))
                m.next()

    def _flush_segment(self):
        add_grouped = getattr(self.fieldwriter, "add_grouped", None)
        grouped = self.pool.grouped_postings() if add_grouped and not self.codec.length_stats \
            else None
        if grouped is None:  # field lengths per posting, or postings in runs: Whoosh's way
            super()._flush_segment()
            return
        self.perdocwriter.close()
        add_grouped(self.schema, grouped)
        self.fieldwriter.close()


def _term_tables(reader, fieldnames: set[str]) -> dict[str, posting_arrays.TermTable]:
    """The term table of ``reader``'s segment for each of ``fieldnames`` (all of them, empty
    for a field without terms), read in one pass over Whoosh's ``.trm`` file (1.5–2.3 s for
    a cn-laws segment of 300,000 terms)."""
    rows: dict[str, list] = {name: [] for name in fieldnames}
    for (fieldname, btext), info in reader._terms.items():
        kept = rows.get(fieldname)
        if kept is not None:
            kept.append((btext, info.doc_frequency(), info.weight(), info.min_id(),
                         info.max_id()))
    tables = {}
    for name, kept in rows.items():
        terms, counts, weights, first, last = zip(*kept) if kept else ((),) * 5
        tables[name] = posting_arrays.TermTable(
            list(terms), np.array(counts, np.int64), np.array(weights, np.float64),
            np.array(first, np.int64), np.array(last, np.int64))
    return tables


def _copied_value_size(field, arrays) -> int | None:
    """The value size of ``field``'s postings when they can be copied from ``arrays`` (its
    :class:`indexer.posting_arrays.FieldArrays`, or None) with their values made from their
    weights: 0 for Whoosh's ``Existence`` format (no values), 4 for its ``Frequency`` format
    without a field boost whose weights are all whole numbers (the frequency, which the
    value holds: our fields never boost a document). None otherwise: copy them Whoosh's way.
    """
    if arrays is None:
        return None
    fmt = type(field.format)
    if fmt is Existence:
        return 0
    if fmt is not Frequency or field.format.field_boost != 1.0:
        return None
    weights = np.asarray(arrays.weights)
    if weights.dtype.kind == "f" and weights.size and not (
            (weights == np.floor(weights)).all() and weights.min() >= 0
            and weights.max() < 1 << 32):
        return None
    return 4


PR_SET_PDEATHSIG = 1
"""``prctl`` option: the signal this process gets when its parent dies (Linux, prctl(2))."""


def die_with_parent(parent_pid: int) -> None:
    """Make this (forked) process end when its parent ``parent_pid`` does: SIGKILL on the
    parent's death (Linux ``prctl(PR_SET_PDEATHSIG)``, see prctl(2); elsewhere nothing is
    set), and an exit now if the parent is already gone.

    A build killed mid-way left its worker processes waiting forever on their job queue,
    whose write end each also holds (fork copies it), holding the index folder's lock that
    they inherited: every later update said "already running" (breaker)."""
    # Ctrl-C reaches the whole process group: the parent stops the build, and a worker's own
    # KeyboardInterrupt printed a traceback of its own (breaker)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # no prctl on this system
        pass
    if os.getppid() != parent_pid:  # died before prctl took effect: no signal will come
        os._exit(1)


STOPPED_BUILD_WAIT_S = 1.0
"""How long a worker that failed waits (seconds) to be told its build was stopped, before it
reports its failure as its own."""


class _GroupedTask(multiproc.SubWriterTask):
    parent_pid: int | None = None
    stopped = None  # the writer's multiprocessing.Event, set when the parent stops the build

    def run(self):
        if self.parent_pid is not None:
            die_with_parent(self.parent_pid)
        # runs in the worker process: Whoosh's task makes its writer by this module-level
        # name, so rebinding it here changes the worker's writer and nothing in the parent
        multiproc.SegmentWriter = GroupedSegmentWriter
        try:
            super().run()
        except Exception:  # noqa: BLE001 - re-raised unless the build was stopped
            # the parent stopped the build (Ctrl-C, an error) and removed its folder under
            # this worker, which printed a traceback of its own for whatever failed first
            # (a job file gone, Whoosh's EmptyIndexError: breaker); a worker failing otherwise
            # still says why, and the parent reports the build lost
            if self.stopped is not None and self.stopped.wait(STOPPED_BUILD_WAIT_S):
                os._exit(1)
            raise


class GroupedMpWriter(multiproc.MpWriter):
    """Whoosh's ``MpWriter`` whose worker processes write with :class:`GroupedSegmentWriter`;
    same arguments (``ix``, ``procs``, ``batchsize``, ``multisegment``, writer keywords)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stopped = multiprocessing.Event()

    def cancel(self):
        """Stop the build: the workers are told first (a worker that then fails on a file the
        stopped build removed exits quietly), then Whoosh's cancel."""
        self._stopped.set()
        super().cancel()

    def _new_task(self):
        task = _GroupedTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                            self.subargs, self.multisegment)
        task.parent_pid = os.getpid()  # read in the worker: see die_with_parent
        task.stopped = self._stopped
        self.tasks.append(task)
        # the worker is forked ignoring Ctrl-C: a SIGINT to the process group before its run()
        # ignored it (die_with_parent) raised KeyboardInterrupt in multiprocessing's own start-up
        # code, with a traceback (breaker); the parent stops the build and the workers with it
        in_main = threading.current_thread() is threading.main_thread()
        before = signal.signal(signal.SIGINT, signal.SIG_IGN) if in_main else None
        try:
            task.start()
        finally:
            if in_main:
                signal.signal(signal.SIGINT, before)
        return task
