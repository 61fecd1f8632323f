"""The term-grouped posting pool (indexer/writers.py) gives Whoosh's sorted order, in memory and
through spilled runs, and a segment written with it equals one written by Whoosh's writer."""

from __future__ import annotations

import random

import numpy as np
import pytest

from whoosh import index as whoosh_index
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.writing import SegmentWriter

from indexer.writers import GroupedSegmentWriter, TermGroupedPool


def _postings(seed: int, docs: int = 400):
    """Postings as a segment writer adds them: document by document, in number order."""
    rng = random.Random(seed)
    items = []
    for docnum in range(docs):
        for field in ("body", "grams"):
            for term in rng.sample(range(60), rng.randint(1, 12)):
                vbytes = bytes([term % 7]) * (term % 3) if field == "body" else None
                items.append((field, f"t{term}".encode(), docnum, float(rng.randint(1, 4)), vbytes))
    return items


def test_the_pool_yields_postings_in_whooshs_sorted_order(tmp_path):
    store = FileStorage(str(tmp_path)).create()
    for seed in range(3):
        items = _postings(seed)
        for limit in (None, 20_000):  # all in memory; spilled to several runs and merged
            pool = TermGroupedPool(store, None)
            if limit:
                pool.limit = limit
            for item in items:
                pool.add(item)
            assert (len(pool.runs) > 1) == bool(limit)
            got = list(pool.iter_postings())
            pool.cleanup()
            assert got == sorted(items), (seed, limit)


def test_postings_copied_after_a_spill_are_spilled_too(tmp_path):
    """Copied postings alone past the pool's limit go to a run like added ones: they were
    left out of it, and lost, when no added posting was pooled beside them (breaker)."""
    from indexer.posting_arrays import FieldArrays

    store = FileStorage(str(tmp_path)).create()
    pool = TermGroupedPool(store, None)
    pool.limit = 2_000
    added = [("body", b"a", 0, 1.0, b"\x00\x00\x00\x01"), ("body", b"b", 1, 2.0, b"\x00\x00\x00\x02")]
    for item in added:
        pool.add(item)
    copied = []
    for segment in range(3):  # each past the limit, the last with nothing added beside it
        base = 2 + segment * 100
        terms = [f"t{k:03d}".encode() for k in range(40)]
        ids = np.arange(base, base + 80, dtype=np.uint16) - base
        arrays = FieldArrays(terms, np.arange(0, 81, 2), ids, np.full(80, 3, np.uint8))
        pool.add_copied("body", arrays, np.ones(80, bool), ids.astype(np.int64) + base,
                        np.zeros(80, bool), 4)
        copied += [("body", t, base + 2 * k + j, 3.0, b"\x00\x00\x00\x03")
                   for k, t in enumerate(terms) for j in range(2)]
    assert len(pool.runs) == 3
    got = list(pool.iter_postings())
    pool.cleanup()
    assert got == sorted(added + copied)


def _digest(ix) -> list:
    with ix.searcher() as s:
        r = s.reader()
        out = []
        for field in ("body", "sid"):
            for t in r.lexicon(field):
                m = r.postings(field, t)
                while m.is_active():
                    out.append((field, t, m.id(), m.weight(), m.value()))
                    m.next()
        return out


def test_a_segment_written_with_the_pool_equals_whooshs(tmp_path):
    schema = Schema(sid=ID(stored=True), body=TEXT(analyzer=SpaceSeparatedTokenizer(),
                                                   stored=True))
    rng = random.Random(7)
    docs = [" ".join(f"w{rng.randint(0, 80)}" for _ in range(rng.randint(1, 30)))
            for _ in range(500)]
    built = []
    for name, writer_class in (("whoosh", SegmentWriter), ("grouped", GroupedSegmentWriter)):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), schema)
        writer = writer_class(ix, limitmb=1)  # 1 MB: the grouped pool spills runs too
        if name == "grouped":
            writer.pool.limit = 50_000
        for k, text in enumerate(docs):
            writer.add_document(sid=str(k), body=text)
        writer.commit()
        built.append(_digest(ix))
        ix.close()
    assert built[0] and built[0] == built[1]


def _segment_files(folder) -> dict[str, bytes]:
    """The files of the one segment in ``folder`` by extension, its id blanked out (the
    posting-arrays header names it); the table of contents (ids, times) left out."""
    out = {}
    for path in folder.iterdir():
        if path.name.startswith("MAIN_") and "." in path.name:
            segment_id, ext = path.name[len("MAIN_"):].split(".", 1)
            out[ext] = path.read_bytes().replace(segment_id.encode(), b"SEGMENT")
    return out


def _sections(seed: int, count: int = 300) -> list[dict]:
    """Section fields from a small alphabet: each character is in most sections, so its
    posting list spans several blocks of the codec below, and the counts (weights) vary;
    some sections and fields boosted."""
    rng = random.Random(seed)
    alphabet = "的法人民国家第条款规定政府管理可以"
    out = []
    for k in range(count):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 120)))
        out.append({"section_id": f"s{k}", "doc_id": f"d{k % 7}", "article_key": f"d{k % 7}\x1fa",
                    "path": f"d{k % 7}.txt", "ordinal": k, "text": text, "body": text,
                    "heading": text[:6], "chars": text, "heading_chars": text[:6],
                    "grams": text, "heading_grams": text[:6], "norm_text": text,
                    "norm_heading": text[:6], "norm_offsets": text})
        if k % 3 == 0:  # weights that 32 bits cannot hold exactly (the block's largest is
            out[-1]["_heading_boost"] = 1.1  # kept as given)
        if k % 5 == 0:
            out[-1]["_boost"] = 0.3
    return out


def test_grouped_writing_writes_whooshs_files_byte_for_byte(tmp_path, monkeypatch):
    from indexer.codec import PostingArraysFieldWriter, SectionCodec
    from indexer.schema import make_schema

    grouped_calls = []
    add_grouped = PostingArraysFieldWriter.add_grouped

    def counted(self, schema, fields):
        grouped_calls.append(1)
        return add_grouped(self, schema, fields)

    monkeypatch.setattr(PostingArraysFieldWriter, "add_grouped", counted)
    sections = _sections(3)
    for fields in sections:  # no heading anywhere: Whoosh writes no heading field at all
        for name in ("heading", "heading_chars", "heading_grams", "norm_heading"):
            fields[name] = ""
    built = {}
    # 128 postings a block: the common characters' lists take several blocks, each long
    # enough (PACK_MIN) to be packed; the spilled pool falls back to Whoosh's per posting
    for name, writer_class, spill in (("whoosh", SegmentWriter, False),
                                      ("grouped", GroupedSegmentWriter, False),
                                      ("spilled", GroupedSegmentWriter, True)):
        (tmp_path / name).mkdir()
        ix = whoosh_index.create_in(str(tmp_path / name), make_schema())
        writer = writer_class(ix, codec=SectionCodec(blocklimit=128), compound=False)
        if spill:
            writer.pool.limit = 200_000
        for fields in sections:
            writer.add_document(**fields)
        if spill:
            assert writer.pool.runs
        writer.commit()
        ix.close()
        built[name] = _segment_files(tmp_path / name)
    assert len(grouped_calls) == 1  # the in-memory grouped pool wrote through add_grouped
    assert {"pst", "trm", "fpa"} <= set(built["whoosh"])
    for name in ("grouped", "spilled"):
        assert set(built[name]) == set(built["whoosh"])
        for ext, data in built["whoosh"].items():
            assert built[name][ext] == data, (name, ext)


def _two_segments(folder, sections, deleted=()):
    """An index in ``folder`` of ``sections`` in two segments (two commits, unmerged), with
    the documents numbered in ``deleted`` deleted."""
    from indexer.codec import SectionCodec
    from indexer.schema import make_schema

    ix = whoosh_index.create_in(str(folder), make_schema())
    half = len(sections) // 2
    for part in (sections[:half], sections[half:]):
        writer = GroupedSegmentWriter(ix, codec=SectionCodec(blocklimit=128), compound=False)
        for fields in part:
            writer.add_document(**fields)
        writer.commit(merge=False)
    if deleted:
        writer = GroupedSegmentWriter(ix, codec=SectionCodec(blocklimit=128), compound=False)
        for docnum in deleted:
            writer.delete_document(docnum)
        writer.commit(merge=False)
    assert len(ix._segments()) == 2
    return ix


def _merged(tmp_path, name, sections, monkeypatch, whooshs: bool, deleted=(), added=(),
            spill=False, reader_first=False, damaged=""):
    """The files of the one segment that merging ``_two_segments`` writes, by Whoosh's
    posting-by-posting copy (``whooshs``) or ours; ``added`` sections go in the same commit
    (before the merged documents, or after them with ``reader_first``); ``damaged``: one
    segment's posting arrays are gone and the other's are cut short."""
    from indexer.codec import SectionCodec

    folder = tmp_path / name
    folder.mkdir()
    ix = _two_segments(folder, sections, deleted)
    if damaged:
        gone, wrong = sorted(folder.glob("*.fpa"))
        gone.unlink()
        _damage(wrong, "grams", damaged)
    with monkeypatch.context() as patch:
        if whooshs:
            patch.setattr(GroupedSegmentWriter, "add_postings_to_pool",
                          SegmentWriter.add_postings_to_pool)
        writer = GroupedSegmentWriter(ix, codec=SectionCodec(blocklimit=128), compound=False)
        if spill:
            writer.pool.limit = 20_000
        if reader_first:  # the merged segments numbered first, the added documents after
            with ix.reader() as reader:
                for segment_reader in reader.readers:
                    writer.add_reader(segment_reader)
            writer.segments = []
        for fields in added:
            writer.add_document(**fields)
        if spill:
            assert writer.pool.runs or not added
        writer.commit(**({"merge": False} if reader_first else {"optimize": True}))
    assert len(ix._segments()) == 1
    ix.close()
    for path in folder.iterdir():  # only the merged segment's files are left
        if path.suffix == ".toc" or "WRITELOCK" in path.name:
            path.unlink()
    return _segment_files(folder)


DAMAGES = ["ids past the end", "zeroed", "starts past the end", "starts falling",
           "a term changed", "weights zeroed"]


def _damage(path, fieldname: str, how: str) -> None:
    """Damage the posting-arrays file ``path`` in place, its header intact, as ``how`` (one
    of :data:`DAMAGES`) says, in ``fieldname``'s arrays (all of them for "zeroed")."""
    import json
    import struct

    from indexer.posting_arrays import MAGIC

    data = bytearray(path.read_bytes())
    (length,) = struct.unpack_from("<Q", data, len(MAGIC))
    base = len(MAGIC) + 8 + length
    if how == "zeroed":
        data[base:] = bytes(len(data) - base)
        path.write_bytes(bytes(data))
        return
    header = json.loads(bytes(data[len(MAGIC) + 8:base]))["fields"][fieldname]

    def array(kind, count=None):
        at, dtype = header[kind]
        if kind == "keys":
            dtype = f"S{header['width']}"
        view = np.frombuffer(data, dtype, count, base + at).copy()
        return view, base + at

    starts, starts_at = array("starts", header["terms"] + header["long"] + 1)
    total = int(starts[-1])
    if how == "ids past the end":
        ids, at = array("ids", total)
        ids[-1] = np.iinfo(ids.dtype).max
        data[at:at + ids.nbytes] = ids.tobytes()
    elif how in ("starts past the end", "starts falling"):
        starts[1] = total + 5 if how == "starts past the end" else 0
        data[starts_at:starts_at + starts.nbytes] = starts.tobytes()
    elif how == "a term changed":
        keys, at = array("keys", header["terms"])
        data[at] ^= 0x01
    elif how == "weights zeroed":
        weights, at = array("weights", total)
        data[at:at + weights.nbytes] = bytes(weights.nbytes)
    path.write_bytes(bytes(data))


def _unboosted(seed: int, count: int = 300) -> list[dict]:
    sections = _sections(seed, count)
    for fields in sections:
        fields.pop("_boost", None)
        fields.pop("_heading_boost", None)
    return sections


@pytest.mark.parametrize("case", ["plain", "deleted", "added", "added after", "spilled",
                                  "boosted", *DAMAGES])
def test_a_merge_copying_posting_arrays_writes_whooshs_files_byte_for_byte(tmp_path, monkeypatch,
                                                                            case):
    from indexer import writers

    copied = []
    add_copied = writers.TermGroupedPool.add_copied

    def counted(self, fieldname, *args):
        copied.append(fieldname)
        return add_copied(self, fieldname, *args)

    monkeypatch.setattr(writers.TermGroupedPool, "add_copied", counted)
    sections = _sections(5) if case == "boosted" else _unboosted(5)
    options = {"deleted": {"deleted": range(0, 300, 7)},
               "added": {"added": _unboosted(6, 40), "deleted": range(3, 300, 11)},
               "added after": {"added": _unboosted(6, 40), "reader_first": True},
               "spilled": {"added": _unboosted(6, 40), "spill": True,
                           "deleted": range(0, 300, 5)},
               **{damage: {"damaged": damage} for damage in DAMAGES}}.get(case, {})
    whooshs = _merged(tmp_path, "whoosh", sections, monkeypatch, True, **options)
    assert not copied
    ours = _merged(tmp_path, "ours", sections, monkeypatch, False, **options)
    if case in DAMAGES:  # neither segment's arrays could be used: all Whoosh's way
        assert not copied
        assert ours == whooshs
        return
    # ordinal (a numeric field: its terms hold NUL bytes, so no arrays) goes Whoosh's way;
    # so do the frequency fields of boosted documents (their weights are no frequencies)
    assert "ordinal" not in copied
    assert {"doc_id", "path", "section_id", "article_key"} <= set(copied)
    frequencies = {"body", "grams", "chars", "heading", "heading_chars", "heading_grams"}
    assert (frequencies <= set(copied)) == (case != "boosted")
    assert (frequencies & set(copied)) == (set() if case == "boosted" else frequencies)
    assert {"pst", "trm", "fpa", "sfx"} <= set(whooshs)
    assert set(ours) == set(whooshs)
    for ext, data in whooshs.items():
        assert ours[ext] == data, (case, ext)
