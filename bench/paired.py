"""Paired A/B of search latency: this checkout's code against another's, in one process.

    git worktree add /tmp/base <rev>          # the code to compare against
    python bench/paired.py --base-tree /tmp/base --index IX [--base-index IX_BASE]
                           [--queries bench/queries/cn-laws.tsv] [--passes 3]

This machine's speed swings by half from hour to hour, more than most changes gain, so two
runs of ``bench/scale.py`` an hour apart cannot tell a 10 % change. Here both versions answer
the same query one right after the other (the order flipped each query), in one process, for
``--passes`` passes over the mix (the first pass reads each query's posting lists for the
first time, as a fresh server does; later ones find them in memory). Per pass it prints each
version's p50/p95 (ms, query parse + search + snippets of the first page, as the benchmark's
in-process figure), the ratio of total times (this / base) and the median of the per-query
ratios, and the ratios per kind of query.

``--base-index`` is needed when the two versions' analysis differs (an index is only opened
by the code that wrote it): build it with the base code first
(``PYTHONPATH=/tmp/base python -m indexer --seeds … --index IX_BASE``). Index files that
were not read recently make the first pass slow for whichever version reads them first:
compare its later passes, or warm the page cache first.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _load_base(tree: Path):
    """The ``indexer`` package of ``tree``, imported under the name ``baseindexer`` (its
    modules import each other relatively, so a copy under another name is self-contained)."""
    folder = Path(tempfile.mkdtemp(prefix="zhsearch-base-"))
    shutil.copytree(tree / "indexer", folder / "baseindexer")
    sys.path.insert(0, str(folder))
    import baseindexer  # noqa: PLC0415 - only importable once copied

    return baseindexer


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base-tree", type=Path, required=True, help="a checkout of the other code")
    ap.add_argument("--index", type=Path, required=True, help="an index this code opens")
    ap.add_argument("--base-index", type=Path, help="an index the base code opens (default: --index)")
    ap.add_argument("--queries", type=Path, default=REPO / "bench" / "queries" / "cn-laws.tsv")
    ap.add_argument("--passes", type=int, default=3)
    args = ap.parse_args()

    sys.path.insert(0, str(REPO))
    import indexer

    base = _load_base(args.base_tree)
    rows = [line.rstrip("\n").split("\t", 1)
            for line in args.queries.read_text(encoding="utf-8").splitlines() if line.strip()]
    versions = {"base": (base, base.open_index(args.base_index or args.index)),
                "this": (indexer, indexer.open_index(args.index))}
    for module, handle in versions.values():
        with module.SearchSession(handle) as session:
            session.warm()

    def timed(name: str, query: str) -> float:
        module, handle = versions[name]
        t = time.perf_counter()
        with module.SearchSession(handle) as session:
            try:
                session.search(session.parse(query))
            except module.QueryError:
                pass
        return (time.perf_counter() - t) * 1000

    def pct(values, p):
        ordered = sorted(values)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    for n in range(args.passes):
        ms = {"base": [], "this": []}
        for i, (_, query) in enumerate(rows):
            for name in (("base", "this") if (i + n) % 2 else ("this", "base")):
                ms[name].append(timed(name, query))
        ratios = [t / b for t, b in zip(ms["this"], ms["base"])]
        print(f"pass {n}: base p50 {pct(ms['base'], .5):.2f} p95 {pct(ms['base'], .95):.2f} ms"
              f" | this p50 {pct(ms['this'], .5):.2f} p95 {pct(ms['this'], .95):.2f} ms"
              f" | total this/base {sum(ms['this']) / sum(ms['base']):.3f}"
              f", median per-query ratio {statistics.median(ratios):.3f}")
        kinds: dict[str, list[float]] = {}
        for (kind, _), b, t in zip(rows, ms["base"], ms["this"]):
            kinds.setdefault(kind, [0.0, 0.0])
            kinds[kind][0] += b
            kinds[kind][1] += t
        print("    by kind, this/base: " + ", ".join(f"{k} {t / b:.2f}" for k, (b, t) in kinds.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
