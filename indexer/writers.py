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

    def _grouped_items(self):
        for fieldname, terms in self._grouped():
            for tbytes, postings in terms:
                for docnum, weight, vbytes in postings:
                    yield fieldname, tbytes, docnum, weight, vbytes

    def _grouped(self):
        fields, self._fields = self._fields, {}
        for fieldname in sorted(fields):
            yield fieldname, self._terms(fields[fieldname])

    @staticmethod
    def _terms(terms: dict):
        for tbytes in sorted(terms):
            postings = terms[tbytes]
            postings.sort(key=_DOCNUM)
            yield tbytes, postings

    def grouped_postings(self):
        """Every posting as ``(fieldname, terms)`` per field in order, ``terms`` yielding
        ``(tbytes, [(docnum, weight, vbytes), …])`` per term in order, its postings by
        document number: what :meth:`items` yields one posting at a time. None when postings
        were written out as runs (past the pool's size limit): merging those gives them one
        at a time (:meth:`items`)."""
        return None if self.runs else self._grouped()

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
