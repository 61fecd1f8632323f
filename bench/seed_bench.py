"""Figures for the bundled seed: build time, contract precision/recall, /search.json latency.

    python bench/seed_bench.py [--seeds DIR] [--repeat N]

Prints medians; the baseline, measured in the same run, is a brute-force substring scan over
the section texts (what the oracle does), so ratios survive a noisy machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode
from urllib.request import urlopen

import waitress

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import indexer  # noqa: E402
from indexer.normalize import normalized  # noqa: E402
from tests import oracle  # noqa: E402
from tests.queries import as_query, seed_queries  # noqa: E402
from webapp import create_app  # noqa: E402


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", default=str(REPO / "seeds"))
    ap.add_argument("--repeat", type=int, default=3, help="builds and query passes to take the median of")
    args = ap.parse_args()
    seeds = Path(args.seeds)
    sections = oracle.load_sections(seeds)
    chars = sum(len(s.text) for s in sections)
    print(f"corpus: {seeds} — {len(sections)} sections, {chars} characters")
    # coverage: the seed's own characters (white space and ** markup aside) found in sections
    raw = "".join("".join(p.read_text(encoding="utf-8-sig").replace("**", "").split())
                  for p in sorted(seeds.rglob("*")) if p.suffix in (".txt", ".md"))
    covered = "".join("".join(s.text.split()) for s in sections)
    print(f"coverage: section texts hold {len(covered)} of the seed's {len(raw)} non-space "
          f"characters ({len(covered) / max(1, len(raw)):.1%}); identical in order: {covered == raw}")

    with tempfile.TemporaryDirectory() as tmp:
        builds = []
        for i in range(args.repeat):
            t = time.perf_counter()
            indexer.update(seeds, Path(tmp) / f"ix{i}", rebuild=True)
            builds.append(time.perf_counter() - t)
        print(f"build (full, cold process for the first): median {statistics.median(builds):.3f} s "
              f"over {len(builds)} builds; runs {', '.join(f'{b:.3f}' for b in builds)}")

        index_dir = Path(tmp) / "ix0"
        queries = seed_queries(sections)
        tp = fp = fn = 0
        uq_tp = uq_fn = 0
        with indexer.SearchSession(indexer.open_index(index_dir)) as session:
            for _kind, text, quoted in queries:
                got = session.all_section_ids(indexer.parse_query(as_query(text, quoted)))
                want = oracle.quoted(sections, text) if quoted else oracle.unquoted(sections, text)
                if quoted:
                    tp += len(got & want); fp += len(got - want); fn += len(want - got)
                else:
                    uq_tp += len(got & want); uq_fn += len(want - got)
        n_quoted = sum(1 for q in queries if q[2])
        print(f"queries: {len(queries)} ({n_quoted} quoted, {len(queries) - n_quoted} unquoted)")
        print(f"quoted precision {tp / max(1, tp + fp):.3f}, recall {tp / max(1, tp + fn):.3f}; "
              f"unquoted recall {uq_tp / max(1, uq_tp + uq_fn):.3f}")

        app = create_app({"SEEDS_DIR": str(seeds), "INDEX_DIR": str(index_dir)})
        server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        base = f"http://127.0.0.1:{int(server.effective_port)}"
        try:
            urlopen(base + "/search.json?q=x").read()  # warm up
            http, scan = [], []
            norm_texts = [normalized(s.text) for s in sections]
            for _ in range(args.repeat):
                for _kind, text, quoted in queries:
                    q = as_query(text, quoted)
                    t = time.perf_counter()
                    body = urlopen(base + "/search.json?" + urlencode({"q": q})).read()
                    http.append((time.perf_counter() - t) * 1000)
                    json.loads(body)
                    t = time.perf_counter()
                    needle = normalized(text)
                    [i for i, nt in enumerate(norm_texts) if needle in nt]
                    scan.append((time.perf_counter() - t) * 1000)
        finally:
            server.close()
            thread.join(timeout=5)
        print(f"/search.json through waitress, one client, {len(http)} requests: "
              f"median {statistics.median(http):.2f} ms, p95 {pct(http, 95):.2f} ms")
        print(f"baseline brute-force scan (query already normalized, no snippets): median "
              f"{statistics.median(scan):.3f} ms; ratio ours/scan {statistics.median(http) / statistics.median(scan):.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
