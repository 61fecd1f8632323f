"""Sustained load on ``/search.json`` through waitress on 127.0.0.1, with and without a full
rebuild switching in underneath.

    python bench/load.py                                  # cctv-news from ../shared/corpora
    python bench/load.py --corpus DIR [--clients 16] [--seconds 30]

Runs, each for ``--seconds`` (bounded; nothing leaves this machine):

1. ``steady``: ``--clients`` threads, each on its own keep-alive connection, send the corpus'
   query mix (``bench/queries/<corpus>.tsv``) round-robin from different offsets.
2. ``rebuild``: the same, while ``python -m indexer --rebuild`` writes a new generation of the
   same index in a child process and switches it in (the run lasts until 5 s after the switch).

Before the runs every query's ``total`` is recorded. An *error* is any answer other than 200
with a JSON body (or a dropped connection); an *empty* answer is a total of 0 for a query whose
recorded total is above 0; a *changed* answer is any other total than the recorded one (the
rebuild indexes the same files, so the totals must not move). Latencies are client-side
milliseconds. The service is the one README starts (``python -m webapp``), on a temporary copy
of nothing: the seeds are read in place and the index lives in a temporary folder.
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent))
import scale  # noqa: E402  (Server, load_queries, run_clients, tail: the scale benchmark's harness)

REPO = scale.REPO


def run_load(port: int, queries: list[str], expected: dict[str, int], clients: int,
             seconds: float, until=None) -> dict:
    """``clients`` threads query for ``seconds``, and on until ``until()`` is true when given;
    returns latency tails, throughput, errors, empty and changed answers."""
    latencies: list[float] = []
    problems = {"errors": [], "empty": [], "changed": []}
    lock = threading.Lock()
    start = time.monotonic()

    def running() -> bool:
        return time.monotonic() < start + seconds or (until is not None and not until())

    def client(offset: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, i = [], offset
        while running():
            q = queries[i % len(queries)]
            i += 1
            t = time.perf_counter()
            try:
                conn.request("GET", "/search.json?q=" + quote(q))
                resp = conn.getresponse()
                body = resp.read()
                total = json.loads(body)["total"] if resp.status == 200 else None
            except (OSError, ValueError, KeyError) as exc:
                total, resp = None, None
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                err = repr(exc)
            else:
                err = resp.status
            mine.append((time.perf_counter() - t) * 1000)
            with lock:
                if total is None:
                    problems["errors"].append((q, err))
                elif total == 0 and expected[q] > 0:
                    problems["empty"].append(q)
                elif total != expected[q]:
                    problems["changed"].append((q, expected[q], total))
        conn.close()
        with lock:
            latencies.extend(mine)

    wall = scale.run_clients(client, clients, len(queries))
    return {**scale.tail(latencies), "throughput": len(latencies) / wall,
            **{k: len(v) for k, v in problems.items()},
            "examples": {k: v[:3] for k, v in problems.items() if v}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=scale.SHARED / "corpora" / "cctv-news")
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=30.0, help="length of each run")
    args = ap.parse_args()
    queries = [q for _kind, q in scale.load_queries(args.corpus)]
    with tempfile.TemporaryDirectory() as tmp:
        index = Path(tmp) / "index"
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "indexer", "--seeds", str(args.corpus),
                        "--index", str(index)], cwd=REPO, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"{args.corpus.name}: index built in {time.perf_counter() - t:.1f} s; "
              f"{len(queries)} queries, {args.clients} clients, {args.seconds:.0f} s per run",
              flush=True)
        server = scale.Server(args.corpus, index)
        rows = {}
        try:
            expected = {}
            for q in queries:
                status, body = server.get("/search.json?q=" + quote(q))
                expected[q] = json.loads(body)["total"] if status == 200 else 0
            rows["steady"] = run_load(server.port, queries, expected, args.clients, args.seconds)
            before = json.loads(server.get("/status.json")[1])["generation"]
            rebuild = subprocess.Popen(
                [sys.executable, "-m", "indexer", "--seeds", str(args.corpus), "--index",
                 str(index), "--rebuild"], cwd=REPO,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            t = time.perf_counter()
            finished: list[float] = []

            def switched_a_while_ago() -> bool:
                # keep the load on until the new generation has served for 5 s
                if not finished and rebuild.poll() is not None:
                    finished.append(time.perf_counter())
                return bool(finished) and time.perf_counter() > finished[0] + 5

            rows["rebuild"] = run_load(server.port, queries, expected, args.clients, args.seconds,
                                       until=switched_a_while_ago)
            _, err = rebuild.communicate(timeout=1800)
            rebuild_s = finished[0] - t
            after = json.loads(server.get("/status.json")[1])["generation"]
            rows["rebuild"]["note"] = (f"rebuild exit {rebuild.returncode} after {rebuild_s:.1f} s, "
                                       f"generation {before} → {after}")
            if rebuild.returncode:
                print(err, file=sys.stderr)
            # the switched-in index answers every query as before
            after_totals = {q: json.loads(server.get("/search.json?q=" + quote(q))[1])["total"]
                            for q in queries}
            moved = [q for q in queries if after_totals[q] != expected[q]]
            rows["after"] = {"note": f"{len(moved)} of {len(queries)} totals differ after the switch"}
            rss = server.peak_rss_kb() / 1024
        finally:
            server.stop()
    print()
    print("| run | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors | empty | changed |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ("steady", "rebuild"):
        r = rows[name]
        print(f"| {name} | {args.clients} | {r['n']} | {r['throughput']:.1f} | {r['p50']:.1f} | "
              f"{r['p95']:.1f} | {r['p99']:.1f} | {r['errors']} | {r['empty']} | {r['changed']} |")
    print()
    print(f"* {rows['rebuild']['note']}; {rows['after']['note']}; server peak RSS {rss:.0f} MB")
    for name in ("steady", "rebuild"):
        if rows[name].get("examples"):
            print(f"* {name} examples: {rows[name]['examples']}")
    bad = any(rows[n][k] for n in ("steady", "rebuild") for k in ("errors", "empty", "changed"))
    return 1 if bad or moved or rebuild.returncode else 0


if __name__ == "__main__":
    sys.exit(main())
