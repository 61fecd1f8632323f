"""Incremental update versus full rebuild on a real corpus of ≥ 1,000 files.

    python bench/incremental_bench.py [--corpus ../shared/corpora/cn-laws] [--files 1000] [--repeat 5]

Copies the first N files (sorted by path) of the corpus to a temporary folder (the corpus is read
from shared/, never copied into the repository), builds the index once from scratch, then times
incremental updates after changing one file, adding one and deleting one. Prints medians; the
full rebuild, measured in the same run, is the baseline of the ratios.

Then it times merging every segment into one, what an update does once deleted sections pass
``indexer.indexing.MAX_DELETED_SHARE``: on two copies of the index as built (its segments, a
tenth of its sections deleted), once as the indexer merges (posting arrays copied whole,
``indexer.writers``) and once by Whoosh's own copy, posting by posting (the baseline), in
alternation, ``--merges`` times each; both must write the same bytes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from whoosh.writing import SegmentWriter  # noqa: E402

import indexer  # noqa: E402
from indexer.indexing import _LIVE_WRITER, _read_current  # noqa: E402
from indexer.sources import SOURCE_SUFFIXES  # noqa: E402
from indexer.storage import open_generation  # noqa: E402
from indexer.writers import GroupedSegmentWriter  # noqa: E402


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    shared = Path(os.environ.get("ZHSEARCH_SHARED", REPO.parent / "shared"))
    ap.add_argument("--corpus", default=str(shared / "corpora" / "cn-laws"))
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--merges", type=int, default=1, help="merges timed each way (default 1)")
    args = ap.parse_args()
    corpus = Path(args.corpus)
    files = sorted(p for p in corpus.rglob("*") if p.suffix.lower() in SOURCE_SUFFIXES)[:args.files]
    with tempfile.TemporaryDirectory() as tmp:
        seeds, index_dir = Path(tmp) / "seeds", Path(tmp) / "ix"
        for i, f in enumerate(files):
            dst = seeds / f"{i:05d}{f.suffix}"
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(f, dst)
        chars = sum(len(f.read_text(encoding="utf-8")) for f in seeds.iterdir())
        print(f"corpus: {len(files)} files from {corpus}, {chars:,} characters")

        full_s, report = timed(lambda: indexer.update(seeds, index_dir, rebuild=True))
        print(f"full rebuild: {full_s:.2f} s, {report.sections} sections, "
              f"{chars / full_s:,.0f} characters/s")
        noop_s = statistics.median(timed(lambda: indexer.update(seeds, index_dir))[0]
                                   for _ in range(args.repeat))

        target = seeds / "00000.md" if (seeds / "00000.md").exists() else next(seeds.iterdir())
        original = target.read_text(encoding="utf-8")
        change, add, delete = [], [], []
        for k in range(args.repeat):
            target.write_text(original + f"\n\n修改第 {k} 次。\n", encoding="utf-8")
            s, r = timed(lambda: indexer.update(seeds, index_dir))
            assert r.changed == [target.name], r.summary()
            change.append(s)
            extra = seeds / f"zz-added-{k}.md"
            extra.write_text(original, encoding="utf-8")
            s, r = timed(lambda: indexer.update(seeds, index_dir))
            assert r.added == [extra.name], r.summary()
            add.append(s)
            extra.unlink()
            s, r = timed(lambda: indexer.update(seeds, index_dir))
            assert r.removed == [extra.name], r.summary()
            delete.append(s)
        print(f"{'operation':<28}{'median s':>10}{'ratio to full rebuild':>24}")
        print(f"{'full rebuild (1 run)':<28}{full_s:>10.3f}{1:>24.3f}")
        for name, values in [("no change", [noop_s]), ("change one file", change),
                             ("add one file", add), ("delete one file", delete)]:
            med = statistics.median(values)
            print(f"{name:<28}{med:>10.3f}{med / full_s:>24.4f}")
        merges(index_dir, Path(tmp), args.merges)
    return 0


def _segment_bytes(gen: Path) -> dict[str, bytes]:
    """The merged segment's files by extension, its id blanked out (the posting arrays name
    it)."""
    out = {}
    for path in gen.iterdir():
        if path.name.startswith("MAIN_") and "." in path.name and "WRITELOCK" not in path.name:
            segment_id, ext = path.name[len("MAIN_"):].split(".", 1)
            out[ext] = path.read_bytes().replace(segment_id.encode(), b"SEGMENT")
    return out


def _merge_once(index_dir: Path, scratch: Path, whooshs: bool) -> tuple[float, dict]:
    """Seconds to merge every segment of a fresh copy of ``index_dir`` (a tenth of its
    sections deleted first), and the merged segment's files."""
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(index_dir, scratch)
    gen = _read_current(scratch)
    ix = open_generation(gen)
    deleter = GroupedSegmentWriter(ix, **_LIVE_WRITER)
    for docnum in range(0, ix.doc_count_all(), 10):
        deleter.delete_document(docnum)
    deleter.commit(merge=False)
    writer = GroupedSegmentWriter(ix, **_LIVE_WRITER)
    if whooshs:
        writer.add_postings_to_pool = SegmentWriter.add_postings_to_pool.__get__(writer)
    t = time.perf_counter()
    writer.commit(optimize=True)
    seconds = time.perf_counter() - t
    ix.close()
    return seconds, _segment_bytes(gen)


def merges(index_dir: Path, tmp: Path, rounds: int) -> None:
    """Print the median seconds of merging all segments, ours against Whoosh's (see the
    module docstring)."""
    segments = len(open_generation(_read_current(index_dir))._segments())
    times: dict[bool, list[float]] = {False: [], True: []}
    written = {}
    for _ in range(rounds):
        for whooshs in (False, True):
            seconds, files = _merge_once(index_dir, tmp / "merge", whooshs)
            times[whooshs].append(seconds)
            written[whooshs] = files
    same = written[False] == written[True]
    ours, theirs = statistics.median(times[False]), statistics.median(times[True])
    print(f"merge {segments} segments (a tenth of the sections deleted), median of {rounds}:")
    print(f"{'copy':<28}{'median s':>10}{'ratio to Whoosh':>24}")
    print(f"{'posting arrays (ours)':<28}{ours:>10.2f}{ours / theirs:>24.3f}")
    print(f"{'posting by posting (Whoosh)':<28}{theirs:>10.2f}{1:>24.3f}")
    print(f"same bytes written: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    sys.exit(main())
