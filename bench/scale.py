"""Performance at scale, ours beside three baselines, in one run on one machine.

    python bench/scale.py                      # cctv-news and cn-laws from ../shared/corpora
    python bench/scale.py --corpus DIR [--corpus DIR …] [--skip-stock] [--rounds 2]

For each corpus (read in place, never copied into the repo; a scratch copy in a temporary
folder is what the incremental updates change):

* ours: full build (``python -m indexer --rebuild`` in a child process: seconds, characters per
  second, size on disk, peak RSS); incremental update after changing, adding and deleting one
  file (median of 3 each); service start to first answer (``python -m webapp`` on 127.0.0.1,
  existing index, median of 3); ``/search.json`` through waitress on a freshly started server,
  one client sending the whole mix and 8 concurrent clients each sending an even sample of
  ``--http-queries`` queries of it (60 by default), ``--rounds`` times (p50/p95/p99,
  throughput, errors, server peak RSS); the one-client mix again on another fresh server,
  interleaved query by query with FTS5's in-process answer to the same query, so that the
  target's ratio is not skewed by the machine's slow spells, each answer followed by a bare
  waitress app's answer of as many bytes (``bench/bare_server.py``: the HTTP round trip's own
  share); in-process latency (parse +
  search + snippets of the first page); precision and
  recall of every query against substring ground truth; and, like for like, in-process
  latency over the queries FTS5's index answers exactly (ours and FTS5's).
* baselines, same sections, same queries: SQLite FTS5 with the ``trigram`` tokenizer (stdlib
  ``sqlite3``; normalized text, so it gets our Traditional/width folding for free; terms are
  quoted and ANDed; first 10 by ``bm25`` with ``snippet()`` plus a count; terms under three
  characters, which its index cannot serve, match nothing, and its recall says so), the same
  table answering those short terms with ``LIKE '%term%'`` as SQLite's documentation gives
  (complete, by scanning), a brute-force scan
  (``needle in text`` over every normalized section text, in memory), and jieba's stock
  ``ChineseAnalyzer`` with Whoosh defaults (``QueryParser`` AND, first 10, one process).

Times are medians and tails of wall-clock seconds or milliseconds; ratios are ours / theirs
(below 1: ours is faster). Query mixes are in ``bench/queries/<corpus>.tsv``
(``bench/make_queries.py`` writes them; a corpus without one gets a mix made on the fly).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import indexer  # noqa: E402
from indexer.normalize import normalized, spelling_variants  # noqa: E402
from tests import oracle  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
import make_queries  # noqa: E402

SHARED = Path(os.environ.get("ZHSEARCH_SHARED", REPO.parent / "shared"))
CLIENTS = 8


# --- small helpers ------------------------------------------------------------------------------

def pct(values: list[float], p: float) -> float:
    """The p-th percentile (nearest rank) of ``values``."""
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def tail(values: list[float]) -> dict:
    return {"p50": statistics.median(values), "p95": pct(values, 95), "p99": pct(values, 99),
            "n": len(values)}


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def terms_of(query: str) -> tuple[list[str], bool]:
    """The ground-truth reading: a quoted phrase, or white-space-separated terms (all must
    occur)."""
    if query.startswith('"') and query.endswith('"') and len(query) > 1:
        return [normalized(query[1:-1])], True
    return [t for t in (normalized(x) for x in query.split()) if t], False


def alternatives_of(query: str) -> list[tuple[str, ...]]:
    """:func:`terms_of`'s terms, each with its spelling variants (a section must hold one of
    each term's): the documented reading of a query (:func:`indexer.normalize.spelling_variants`)."""
    if query.startswith('"') and query.endswith('"') and len(query) > 1:
        raw = [query[1:-1]]
    else:
        raw = query.split()
    return [(normalized(x), *spelling_variants(x)) for x in raw if normalized(x)]


def load_queries(corpus: Path) -> list[tuple[str, str]]:
    path = REPO / "bench" / "queries" / f"{corpus.name}.tsv"
    if path.exists():
        lines = path.read_text(encoding="utf-8").splitlines()
        return [tuple(line.split("\t", 1)) for line in lines if line]
    return make_queries.make(corpus)


# --- baselines ----------------------------------------------------------------------------------

class BruteForce:
    """Every normalized section text in memory; a query is ``all(t in text)`` over all."""

    def __init__(self, sections):
        t = time.perf_counter()
        self.items = [(s.section_id, normalized(s.text)) for s in sections]
        self.build_s = time.perf_counter() - t

    def matches(self, query: str) -> set[str]:
        terms = alternatives_of(query)
        return {sid for sid, text in self.items
                if terms and all(any(a in text for a in alts) for alts in terms)}


class Fts5Trigram:
    """SQLite FTS5, ``tokenize='trigram'``, over the normalized section texts."""

    def __init__(self, sections, folder: Path):
        self.path = folder / "fts5.sqlite"
        t = time.perf_counter()
        db = sqlite3.connect(self.path)
        db.execute("CREATE VIRTUAL TABLE s USING fts5(sid UNINDEXED, body, tokenize='trigram')")
        db.executemany("INSERT INTO s (sid, body) VALUES (?, ?)",
                       ((s.section_id, normalized(s.text)) for s in sections))
        db.commit()
        self.build_s = time.perf_counter() - t
        self.db = db

    @staticmethod
    def _where(query: str) -> tuple[str, list, bool]:
        """``(SQL condition, parameters, ranked)``: the quoted terms ANDed through ``MATCH``;
        a term shorter than three characters cannot be answered by the trigram index, so the
        query matches nothing."""
        terms, _ = terms_of(query)
        if not terms or any(len(t) < 3 for t in terms):
            return "0", [], False
        return "s MATCH ?", [" AND ".join('"' + t.replace('"', '""') + '"' for t in terms)], True

    def search(self, query: str) -> tuple[int, list, set[str]]:
        """``(count, first 10 with snippets, empty set)``: by ``bm25`` with ``snippet()``
        when the query goes through ``MATCH``, else the first 10 rows and their openings."""
        where, params, ranked = self._where(query)
        if where == "0":  # nothing the table can answer: no query is sent
            return 0, [], set()
        count = self.db.execute(f"SELECT count(*) FROM s WHERE {where}", params).fetchone()[0]
        if ranked:
            top = self.db.execute(
                "SELECT sid, snippet(s, 1, '<mark>', '</mark>', '…', 32) FROM s WHERE "
                f"{where} ORDER BY rank LIMIT 10", params).fetchall()
        else:
            top = self.db.execute(f"SELECT sid, substr(body, 1, 64) FROM s WHERE {where} "
                                  "LIMIT 10", params).fetchall()
        return count, top, set()

    def matches(self, query: str) -> set[str]:
        where, params, _ = self._where(query)
        if where == "0":
            return set()
        return {r[0] for r in self.db.execute(f"SELECT sid FROM s WHERE {where}", params)}


class Fts5TrigramComplete(Fts5Trigram):
    """The same FTS5 trigram table queried the way SQLite's documentation gives for terms the
    trigram index cannot serve: a term of three or more characters through ``MATCH`` (ranked
    by ``bm25``, ``snippet()``), a shorter one through ``body LIKE '%term%'``, which SQLite
    answers by scanning (https://sqlite.org/fts5.html, "The Trigram Tokenizer"). Complete, so
    its recall is 1.000; a query without a long term has no rank, and takes the first 10 rows
    with the text's opening as the snippet. Shares the table built by :class:`Fts5Trigram`."""

    def __init__(self, built: Fts5Trigram):  # noqa: D107 - no build of its own
        self.path, self.build_s, self.db = built.path, built.build_s, built.db

    @staticmethod
    def _where(query: str) -> tuple[str, list, bool]:
        terms, _ = terms_of(query)
        clauses, params = [], []
        long = [t for t in terms if len(t) >= 3]
        if long:
            clauses.append("s MATCH ?")
            params.append(" AND ".join('"' + t.replace('"', '""') + '"' for t in long))
        for t in terms:
            if len(t) < 3:
                clauses.append("body LIKE ? ESCAPE '\\'")
                escaped = t.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
                params.append("%" + escaped + "%")
        return " AND ".join(clauses) or "0", params, bool(long)


class StockWhoosh:
    """jieba's ``ChineseAnalyzer`` with Whoosh defaults: what the jieba README shows."""

    def __init__(self, sections, folder: Path):
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import QueryParser

        t = time.perf_counter()
        schema = Schema(sid=ID(stored=True), body=TEXT(analyzer=ChineseAnalyzer(), stored=True))
        (folder / "stock").mkdir()
        ix = index.create_in(str(folder / "stock"), schema)
        writer = ix.writer(limitmb=256)
        for s in sections:
            writer.add_document(sid=s.section_id, body=s.text)
        writer.commit()
        self.build_s = time.perf_counter() - t
        self.size = du(folder / "stock")
        self.searcher = ix.searcher()
        self.parser = QueryParser("body", schema)

    def search(self, query: str):
        results = self.searcher.search(self.parser.parse(query), limit=10)
        return len(results), [(h["sid"], h.highlights("body")) for h in results]

    def matches(self, query: str) -> set[str]:
        results = self.searcher.search(self.parser.parse(query), limit=None)
        return {h["sid"] for h in results}


# --- ours ---------------------------------------------------------------------------------------

def build_ours(seeds: Path, index: Path) -> dict:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "indexer", "--seeds", str(seeds), "--index", str(index),
                    "--rebuild"], check=True, cwd=REPO, stdout=subprocess.DEVNULL,
                   env={**os.environ, "ZHSEARCH_LOG_EVERY_S": "3600"})
    seconds = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    gen = index / (index / "CURRENT").read_text().strip()
    return {"seconds": seconds, "size": du(gen), "peak_rss_kb": max(peak, before)}


def incremental(seeds: Path, index: Path) -> dict:
    files = sorted(p for p in seeds.rglob("*") if p.is_file() and p.suffix in (".md", ".txt"))
    out = {"change": [], "add": [], "delete": []}
    for k in range(3):
        victim = files[k * 7 % len(files)]  # a small folder (seeds/: one file) too
        victim.write_text(victim.read_text(encoding="utf-8") + f"\n\n补充说明第{k}条。\n",
                          encoding="utf-8")
        t = time.perf_counter()
        indexer.update(seeds, index)
        out["change"].append(time.perf_counter() - t)
        new = seeds / f"bench-added-{k}.md"
        new.write_text(f"# 新增文件{k}\n\n这是基准测试新增的文件，编号{k}。\n", encoding="utf-8")
        t = time.perf_counter()
        indexer.update(seeds, index)
        out["add"].append(time.perf_counter() - t)
        new.unlink()
        t = time.perf_counter()
        indexer.update(seeds, index)
        out["delete"].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in out.items()}


class Server:
    """``python -m webapp`` on 127.0.0.1 and a free port, on an existing index."""

    def __init__(self, seeds: Path, index: Path):
        self._start(lambda port: ["-m", "webapp", "--host", "127.0.0.1", "--port", str(port),
                                  "--seeds", str(seeds), "--index", str(index)],
                    "/search.json?q=" + quote("法"), "the service")

    def _start(self, arguments, probe: str, name: str, timeout_s: float = 120) -> None:
        """Start ``python *arguments(port)`` and wait until ``probe`` answers 200; the wait
        is ``start_s``. Raises RuntimeError (the child stopped) if it does not within
        ``timeout_s``."""
        self.port = free_port()
        t = time.perf_counter()
        self.proc = subprocess.Popen(
            [sys.executable, *arguments(self.port)],
            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                status, _ = self.get(probe)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"{name} did not answer")
            time.sleep(0.02)
        self.start_s = time.perf_counter() - t

    def get(self, path: str, conn: http.client.HTTPConnection | None = None):
        own = conn is None
        conn = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            return resp.status, resp.read()
        finally:
            if own:
                conn.close()

    def peak_rss_kb(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def http_load(server: Server, queries: list[str], clients: int, rounds: int) -> dict:
    """Each client sends every query ``rounds`` times over one keep-alive connection."""
    latencies: list[float] = []
    errors = []
    lock = threading.Lock()

    def client(offset: int):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        mine = []
        order = queries[offset:] + queries[:offset]
        for _ in range(rounds):
            for q in order:
                t = time.perf_counter()
                try:
                    status, body = server.get("/search.json?q=" + quote(q), conn)
                    ok = status == 200 and b'"total"' in body
                except OSError as exc:
                    ok, status = False, repr(exc)
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
                mine.append((time.perf_counter() - t) * 1000)
                if not ok:
                    with lock:
                        errors.append((q, status))
        conn.close()
        with lock:
            latencies.extend(mine)

    wall = run_clients(client, clients, len(queries))
    return {**tail(latencies), "throughput": len(latencies) / wall, "errors": len(errors),
            "error_examples": errors[:3]}


class BareServer(Server):
    """``bench/bare_server.py`` on 127.0.0.1 and a free port: waitress with the service's
    settings and an app that does nothing but answer ``?n=`` bytes."""

    def __init__(self):  # noqa: D107 - starts the child, as Server does
        self._start(lambda port: [str(REPO / "bench" / "bare_server.py"), str(port)], "/?n=2",
                    "the bare waitress app", timeout_s=60)


def interleaved(server: Server, fts: Fts5Trigram, queries: list[str]) -> dict:
    """One client sends the whole mix to a freshly started server, and each query is also
    asked of FTS5 in-process right beside it (which goes first alternates): a slow spell of a
    shared machine then falls on both, where the separate measurements, seconds or minutes
    apart, could catch it on one only (runs an hour apart gave ours/FTS5 p95 ratios of 2.35
    and 4.18 for the same code). Right after ours, a bare waitress app (:class:`BareServer`)
    is asked for as many bytes as our answer held: the HTTP round trip's own share.
    Returns ``{"ours": tail, "fts5": tail, "bare": tail}`` (ms)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    bare = BareServer()
    bare_conn = http.client.HTTPConnection("127.0.0.1", bare.port, timeout=60)
    ours: list[float] = []
    theirs: list[float] = []
    floor: list[float] = []

    def ask_ours(q):
        t = time.perf_counter()
        status, body = server.get("/search.json?q=" + quote(q), conn)
        ours.append((time.perf_counter() - t) * 1000)
        if status != 200 or b'"total"' not in body:
            raise RuntimeError(f"/search.json?q={q!r} answered {status}")
        t = time.perf_counter()
        status, same = bare.get(f"/?n={len(body)}", bare_conn)
        floor.append((time.perf_counter() - t) * 1000)
        if status != 200 or len(same) != len(body):
            raise RuntimeError(f"the bare app answered {status}, {len(same)} bytes")

    def ask_fts5(q):
        t = time.perf_counter()
        fts.search(q)
        theirs.append((time.perf_counter() - t) * 1000)

    try:
        for k, q in enumerate(queries):
            for ask in ((ask_ours, ask_fts5) if k % 2 else (ask_fts5, ask_ours)):
                ask(q)
    finally:
        conn.close()
        bare_conn.close()
        bare.stop()
    return {"ours": tail(ours), "fts5": tail(theirs), "bare": tail(floor)}


def run_clients(client, clients: int, n_queries: int) -> float:
    """Run ``client(offset)`` in ``clients`` threads at once, each starting at its own offset
    into the query mix; returns the wall-clock seconds until all have finished."""
    t = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k * n_queries // clients,))
               for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return time.perf_counter() - t


def timed_ms(fn, items) -> list[float]:
    out = []
    for x in items:
        t = time.perf_counter()
        fn(x)
        out.append((time.perf_counter() - t) * 1000)
    return out


# --- one corpus ---------------------------------------------------------------------------------

def run_corpus(corpus: Path, rounds: int, skip_stock: bool, http_queries: int) -> dict:
    print(f"\n== {corpus} ==", flush=True)
    queries = load_queries(corpus)
    texts = [q for _, q in queries]
    work = Path(tempfile.mkdtemp(prefix="zhsearch-bench-"))
    try:
        seeds = work / "seeds"
        shutil.copytree(corpus, seeds, ignore=shutil.ignore_patterns(".*"))
        sections = oracle.load_sections(seeds)
        chars = sum(len(s.text) for s in sections)
        print(f"{len(sections)} sections, {chars:,} characters, {len(queries)} queries", flush=True)
        r: dict = {"corpus": corpus.name, "sections": len(sections), "chars": chars}

        brute = BruteForce(sections)
        truth = {q: brute.matches(q) for q in texts}
        r["brute"] = {"build_s": brute.build_s, "query_ms": tail(timed_ms(brute.matches, texts))}
        print("brute force done", flush=True)

        fts = Fts5Trigram(sections, work)
        fts_ms = timed_ms(fts.search, texts)
        r["fts5"] = {"build_s": fts.build_s, "size": fts.path.stat().st_size,
                     "query_ms": tail(fts_ms), "recall": recall(fts.matches, texts, truth)}
        complete = Fts5TrigramComplete(fts)
        r["fts5_like"] = {"query_ms": tail(timed_ms(complete.search, texts)),
                          "recall": recall(complete.matches, texts, truth)}
        print("fts5 done", flush=True)

        index = work / "index"
        r["ours_build"] = build_ours(seeds, index)
        print(f"ours built in {r['ours_build']['seconds']:.1f} s", flush=True)
        with indexer.SearchSession(indexer.open_index(index)) as session:
            def ours_first_page(q):
                try:
                    return session.search(session.parse(q), per_page=10)
                except indexer.QueryError:
                    return None

            session.warm()  # as the server does before it serves: analyzer, columns, lengths
            ours_first_page("法")  # and the OpenCC table
            ours_ms = timed_ms(ours_first_page, texts * rounds)
            r["ours_inproc_ms"] = tail(ours_ms)
            # like for like: the queries FTS5's index answers exactly (the first round of ours)
            exact = [k for k, q in enumerate(texts) if fts.matches(q) == truth[q]]
            r["fts5_exact"] = {"n": len(exact), "fts5_ms": tail([fts_ms[k] for k in exact]),
                               "ours_ms": tail([ours_ms[k] for k in exact])}
            def ours_all(q):
                try:
                    return session.all_section_ids(session.parse(q))
                except indexer.QueryError:
                    return set()

            r["ours_recall"] = recall(ours_all, texts, truth)
        starts = []
        for _ in range(3):
            server = Server(seeds, index)
            starts.append(server.start_s)
            server.stop()
        r["start_s"] = statistics.median(starts)
        # one client sends the whole mix (its tail needs the samples); 8 clients an even sample
        # of it (every kind keeps its share), so that load stays bounded
        step = max(1, len(texts) // http_queries)
        sample = texts[::step][:http_queries]
        server = Server(seeds, index)
        try:
            r["http_1"] = http_load(server, texts, 1, rounds)
            r["http_8"] = http_load(server, sample, CLIENTS, rounds)
            r["server_rss_kb"] = server.peak_rss_kb()
        finally:
            server.stop()
        server = Server(seeds, index)
        try:
            r["interleaved"] = interleaved(server, fts, texts)
        finally:
            server.stop()
        print("http done", flush=True)
        r["incremental"] = incremental(seeds, index)

        if not skip_stock:
            stock = StockWhoosh(sections, work)
            r["stock"] = {"build_s": stock.build_s, "size": stock.size,
                          "query_ms": tail(timed_ms(stock.search, texts)),
                          "recall": recall(stock.matches, texts, truth)}
            print(f"stock built in {stock.build_s:.1f} s", flush=True)
        return r
    finally:
        shutil.rmtree(work, ignore_errors=True)


def recall(matches, texts, truth) -> dict:
    """Micro-averaged precision and recall over all queries, and over the quoted ones."""
    out = {}
    for name, subset in (("all", texts), ("quoted", [q for q in texts if q.startswith('"')])):
        tp = fp = fn = 0
        for q in subset:
            got = matches(q)
            tp += len(got & truth[q])
            fp += len(got - truth[q])
            fn += len(truth[q] - got)
        out[name] = {"precision": tp / (tp + fp) if tp + fp else 1.0,
                     "recall": tp / (tp + fn) if tp + fn else 1.0}
    return out


# --- report -------------------------------------------------------------------------------------

def report(r: dict) -> None:
    b = r["ours_build"]
    fts, brute, stock = r["fts5"], r["brute"], r.get("stock")

    def ratio(a, c):
        return f"{a / c:.2f}" if c else "—"

    print(f"\n### {r['corpus']}: {r['sections']:,} sections, {r['chars']:,} characters\n")
    print("| figure | ours | SQLite FTS5 trigram | brute-force scan | stock jieba+Whoosh | "
          "ours/FTS5 | ours/brute | ours/stock |")
    print("|---|---|---|---|---|---|---|---|")
    sb = stock["build_s"] if stock else None
    stock_build = f"{sb:.1f}" if sb else "—"
    print(f"| full build, s | {b['seconds']:.1f} | {fts['build_s']:.1f} | {brute['build_s']:.1f} | "
          f"{stock_build} | {ratio(b['seconds'], fts['build_s'])} | — | "
          f"{ratio(b['seconds'], sb) if sb else '—'} |")
    stock_rate = f"{r['chars'] / sb:,.0f}" if sb else "—"
    print(f"| build, characters/s | {r['chars'] / b['seconds']:,.0f} | "
          f"{r['chars'] / fts['build_s']:,.0f} | — | {stock_rate} | | | |")
    print(f"| index size, MB | {b['size'] / 1e6:.1f} | {fts['size'] / 1e6:.1f} | (memory) | "
          f"{stock['size'] / 1e6 if stock else float('nan'):.1f} | {ratio(b['size'], fts['size'])} | | "
          f"{ratio(b['size'], stock['size']) if stock else '—'} |")
    print(f"| build peak RSS, MB | {b['peak_rss_kb'] / 1024:.0f} | | | | | | |")
    for name in ("p50", "p95", "p99"):
        o = r["ours_inproc_ms"][name]
        print(f"| in-process query, {name} ms | {o:.2f} | {fts['query_ms'][name]:.2f} | "
              f"{brute['query_ms'][name]:.2f} | {stock['query_ms'][name] if stock else float('nan'):.2f} | "
              f"{ratio(o, fts['query_ms'][name])} | {ratio(o, brute['query_ms'][name])} | "
              f"{ratio(o, stock['query_ms'][name]) if stock else '—'} |")
    for name in ("p50", "p95", "p99"):
        o = r["http_1"][name]
        print(f"| /search.json 1 client, {name} ms | {o:.2f} | | | | "
              f"{ratio(o, fts['query_ms'][name])} (vs in-process) | "
              f"{ratio(o, brute['query_ms']['p50'])} (vs its p50) | |")
    def versus(label, o, f):  # a row of ours' and FTS5's p50 / p95 / p99, and their ratios
        names = ("p50", "p95", "p99")
        print(f"| {label}, p50 / p95 / p99 ms | {' / '.join(f'{o[n]:.2f}' for n in names)} | "
              f"{' / '.join(f'{f[n]:.2f}' for n in names)} | | | "
              f"{' / '.join(ratio(o[n], f[n]) for n in names)} | | |")

    both = r.get("interleaved")
    if both:
        versus("interleaved, query by query: /search.json 1 client (fresh server) vs FTS5 "
               "in-process", both["ours"], both["fts5"])
        if "bare" in both:
            f, o = both["bare"], both["ours"]
            names = ("p50", "p95", "p99")
            print(f"| the same, HTTP alone: a bare waitress app answering as many bytes right "
                  f"after ours, p50 / p95 / p99 ms | {' / '.join(f'{f[n]:.2f}' for n in names)} "
                  f"| | | | ours / it: {' / '.join(ratio(o[n], f[n]) for n in names)} | | |")
    like = r.get("fts5_like")
    if like:
        q = like["query_ms"]
        lr = like["recall"]["all"]
        print(f"| FTS5 trigram with LIKE for 1–2 character terms (complete; recall "
              f"{lr['recall']:.3f}), in-process p50 / p95 / p99 ms | "
              f"{q['p50']:.2f} / {q['p95']:.2f} / {q['p99']:.2f} | | | | ours in-process / it: "
              f"{ratio(r['ours_inproc_ms']['p50'], q['p50'])} / "
              f"{ratio(r['ours_inproc_ms']['p95'], q['p95'])}; ours /search.json / it: "
              f"{ratio(r['http_1']['p50'], q['p50'])} / {ratio(r['http_1']['p95'], q['p95'])} "
              "(p50 / p95) | | |")
    exact = r.get("fts5_exact")
    if exact:
        versus(f"in-process over the {exact['n']} queries FTS5's index answers exactly",
               exact["ours_ms"], exact["fts5_ms"])
    h8 = r["http_8"]
    print(f"| /search.json {CLIENTS} clients, p50 / p95 / p99 ms | {h8['p50']:.1f} / {h8['p95']:.1f} / "
          f"{h8['p99']:.1f} | | | | | | |")
    print(f"| throughput 1 / {CLIENTS} clients, requests/s | {r['http_1']['throughput']:.0f} / "
          f"{h8['throughput']:.0f} | | | | | | |")
    print(f"| errors 1 / {CLIENTS} clients | {r['http_1']['errors']} / {h8['errors']} "
          f"(of {r['http_1']['n']} / {h8['n']}) | | | | | | |")
    print(f"| start to first answer, s | {r['start_s']:.2f} | | | | | | |")
    print(f"| server peak RSS, MB | {r['server_rss_kb'] / 1024:.0f} | | | | | | |")
    inc = r["incremental"]
    print(f"| incremental: change / add / delete one file, s | {inc['change']:.2f} / "
          f"{inc['add']:.2f} / {inc['delete']:.2f} | | | | | | |")
    for kind in ("quoted", "all"):
        o = r["ours_recall"][kind]
        f = fts["recall"][kind]
        s = stock["recall"][kind] if stock else None
        stock_pr = f"{s['precision']:.3f} / {s['recall']:.3f}" if s else "—"
        print(f"| {kind} queries: precision / recall | {o['precision']:.3f} / {o['recall']:.3f} | "
              f"{f['precision']:.3f} / {f['recall']:.3f} | 1.000 / 1.000 (ground truth) | "
              f"{stock_pr} | | | |")
    if r["http_8"]["error_examples"]:
        print("error examples:", r["http_8"]["error_examples"])


def main() -> int:
    # SIGTERM (a timeout, a killed job) exits through the finally blocks that stop the
    # children, as Ctrl-C does: the service and the bare app were left running (breaker)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, action="append",
                    help="a folder of documents (repeatable; default: cctv-news and cn-laws)")
    ap.add_argument("--rounds", type=int, default=1, help="times each client sends its queries")
    ap.add_argument("--skip-stock", action="store_true",
                    help="leave out the stock jieba+Whoosh baseline (its build is the slowest)")
    ap.add_argument("--json", type=Path, help="also write the raw figures here")
    ap.add_argument("--http-queries", type=int, default=60,
                    help="queries of the mix each of the 8 HTTP clients sends per round (an even "
                         "sample; one client sends the whole mix)")
    args = ap.parse_args()
    corpora = args.corpus or [SHARED / "corpora" / "cctv-news", SHARED / "corpora" / "cn-laws"]
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}; "
          f"sqlite {sqlite3.sqlite_version}")
    results = [run_corpus(c, args.rounds, args.skip_stock, args.http_queries) for c in corpora]
    for r in results:
        report(r)
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
