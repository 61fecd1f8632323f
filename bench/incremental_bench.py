"""Incremental update versus full rebuild on a real corpus of ≥ 1,000 files.

    python bench/incremental_bench.py [--corpus ../shared/corpora/cn-laws] [--files 1000] [--repeat 5]

Copies the first N files (sorted by path) of the corpus to a temporary folder (the corpus is read
from shared/, never copied into the repository), builds the index once from scratch, then times
incremental updates after changing one file, adding one and deleting one. Prints medians; the
full rebuild, measured in the same run, is the baseline of the ratios.
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

import indexer  # noqa: E402
from indexer.sources import SOURCE_SUFFIXES  # noqa: E402


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
    return 0


if __name__ == "__main__":
    sys.exit(main())
