"""The term-grouped posting pool (indexer/writers.py) gives Whoosh's sorted order, in memory and
through spilled runs, and a segment written with it equals one written by Whoosh's writer."""

from __future__ import annotations

import random

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
