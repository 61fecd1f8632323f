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

:class:`GroupedSegmentWriter` and :class:`GroupedMpWriter` are Whoosh's writers with that pool
(``MpWriter``'s worker processes make their own ``SegmentWriter``; :class:`_GroupedTask`
points them at ours inside the worker process only).
"""

from __future__ import annotations

from operator import itemgetter

from whoosh import multiproc
from whoosh.writing import PostingPool, SegmentWriter

_DOCNUM = itemgetter(0)


class TermGroupedPool(PostingPool):
    """A ``PostingPool`` that keeps postings grouped by field and term (see the module
    docstring). Items in and out are Whoosh's ``(fieldname, tbytes, docnum, weight, vbytes)``.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._fields: dict[str, dict[bytes, list]] = {}

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

    def _grouped_items(self):
        fields, self._fields = self._fields, {}
        for fieldname in sorted(fields):
            terms = fields[fieldname]
            for tbytes in sorted(terms):
                postings = terms[tbytes]
                postings.sort(key=_DOCNUM)
                for docnum, weight, vbytes in postings:
                    yield fieldname, tbytes, docnum, weight, vbytes

    def save(self):
        """Write the pool's postings out as one sorted run (Whoosh's external sort)."""
        if self._fields:
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
        super().cleanup()


class GroupedSegmentWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with a :class:`TermGroupedPool`; same arguments."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool = TermGroupedPool(self._tempstorage, self.newsegment,
                                    limitmb=kwargs.get("limitmb", 128))


class _GroupedTask(multiproc.SubWriterTask):
    def run(self):
        # runs in the worker process: Whoosh's task makes its writer by this module-level
        # name, so rebinding it here changes the worker's writer and nothing in the parent
        multiproc.SegmentWriter = GroupedSegmentWriter
        super().run()


class GroupedMpWriter(multiproc.MpWriter):
    """Whoosh's ``MpWriter`` whose worker processes write with :class:`GroupedSegmentWriter`;
    same arguments (``ix``, ``procs``, ``batchsize``, ``multisegment``, writer keywords)."""

    def _new_task(self):
        task = _GroupedTask(self.storage, self.indexname, self.jobqueue, self.resultqueue,
                            self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task
