"""Ranking quality on public data, ours beside a plain BM25 baseline measured in the same run.

    python bench/relevance.py [--laws] [--limit-queries N]

1. CMRC 2018 retrieval set (``../shared/corpora/cmrc2018-retrieval``, CC BY-SA 4.0): every
   passage is one document (``# title`` + text); every query is run unquoted, as a user types it;
   MRR@10, Recall@10 and nDCG@10 per split (dev, trial) from the qrels.
   With ``--laws`` the same again with all of ``../shared/corpora/cn-laws`` added as distractors.
2. With ``--laws``: simulated known-item queries over cn-laws sections (Azzopardi, de Rijke &
   Balog, "Building simulated queries for known-item topics", SIGIR 2007): pick a section, draw
   2–5 of its words weighted by tf·idf, count every section with identical text as relevant;
   MRR@10 and Success@10.

Both systems index the same units: our sections (a CMRC passage is one section).

Baseline: jieba's stock ``ChineseAnalyzer`` with Whoosh defaults (BM25F) and an OR query over
the analyzed query text. The corpora are read from shared/, never copied into the repository.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import indexer  # noqa: E402
from indexer.documents import doc_id_for  # noqa: E402

# the shared corpora: ../shared beside the repository, or ZHSEARCH_SHARED (as bench/scale.py)
SHARED = Path(os.environ.get("ZHSEARCH_SHARED", REPO.parent / "shared")) / "corpora"
CMRC = SHARED / "cmrc2018-retrieval"
LAWS = SHARED / "cn-laws"
K = 10


def load_cmrc():
    passages = [json.loads(line) for line in (CMRC / "corpus.jsonl").open(encoding="utf-8")]
    queries = {q["_id"]: q["text"] for q in map(json.loads, (CMRC / "queries.jsonl").open(encoding="utf-8"))}
    qrels: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for split in ("dev", "trial"):
        for line in (CMRC / "qrels" / f"{split}.tsv").open(encoding="utf-8"):
            qid, pid, score = line.rstrip("\n").split("\t")
            if qid != "query-id" and int(score) > 0:
                qrels[split][qid].add(pid)
    return passages, queries, qrels


def metrics(ranked: list[str], relevant: set[str]) -> tuple[float, float, float]:
    """(reciprocal rank, recall, nDCG) at K for one query; binary relevance."""
    top = ranked[:K]
    rr = next((1 / (i + 1) for i, d in enumerate(top) if d in relevant), 0.0)
    recall = len(set(top) & relevant) / len(relevant)
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(top) if d in relevant)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(K, len(relevant))))
    return rr, recall, dcg / idcg


class Ours:
    name = "ours"

    def __init__(self, seeds: Path, index_dir: Path):
        t = time.perf_counter()
        indexer.update(seeds, index_dir, rebuild=True)
        self.build_s = time.perf_counter() - t
        self.session = indexer.SearchSession(indexer.open_index(index_dir))

    def search(self, text: str) -> list[str]:
        """Section ids of the top K, as a user's unquoted query."""
        try:
            page = self.session.search(self.session.parse(text), per_page=K)
        except indexer.QueryError:
            return []
        return [h.section_id for h in page.hits]


class Baseline:
    name = "baseline"

    def __init__(self, docs: list[tuple[str, str]], index_dir: Path):
        from jieba.analyse import ChineseAnalyzer
        from whoosh import index
        from whoosh.fields import ID, TEXT, Schema
        from whoosh.qparser import OrGroup, QueryParser

        t = time.perf_counter()
        schema = Schema(key=ID(stored=True), content=TEXT(analyzer=ChineseAnalyzer()))
        index_dir.mkdir(parents=True)
        ix = index.create_in(str(index_dir), schema)
        writer = ix.writer(limitmb=256)
        for key, text in docs:
            writer.add_document(key=key, content=text)
        writer.commit()
        self.build_s = time.perf_counter() - t
        self.searcher = ix.searcher()
        self.parser = QueryParser("content", schema, group=OrGroup)

    def search(self, text: str) -> list[str]:
        q = self.parser.parse(text)
        return [hit["key"] for hit in self.searcher.search(q, limit=K)]


def write_passages(passages, folder: Path) -> dict[str, str]:
    """One Markdown file per passage; returns the doc_id of each passage's file → passage id
    (a passage is one section; :func:`passage_of` maps its section id)."""
    folder.mkdir(parents=True, exist_ok=True)
    back = {}
    for p in passages:
        name = f"{p['_id']}.md"
        (folder / name).write_text(f"# {p['title']}\n\n{p['text']}\n", encoding="utf-8")
        back[doc_id_for("cmrc/" + name)] = p["_id"]
    return back


def passage_of(section_id: str, back: dict[str, str]) -> str:
    """The passage id of a section id (``<doc_id>-s<key>``), by its document (``back`` from
    :func:`write_passages`); a cn-laws section's own id. Section ids were ``<doc_id>-s0`` once
    and are keyed by the section's titles now, so the document is the key: matching the old
    form found no passage at all, and every figure read 0."""
    return back.get(section_id.rsplit("-s", 1)[0], section_id)


def evaluate(system, queries, qrels, to_pid, limit):
    rows = {}
    for split, rel in qrels.items():
        scores = []
        for qid in sorted(rel)[:limit]:
            ranked = [to_pid(k) for k in system.search(queries[qid])]
            scores.append(metrics(ranked, rel[qid]))
        rows[split] = tuple(statistics.mean(s[i] for s in scores) for i in range(3)) + (len(scores),)
    return rows


def load_sections(folder: Path):
    """Sections as the indexer makes them (ids included), parsed straight from the files."""
    from tests import oracle

    return oracle.load_sections(folder)


def known_item_queries(candidates, sections, n: int, seed: int = 2007):
    """Azzopardi et al. 2007: per query, one section and 2–5 of its words drawn by tf·idf."""
    import random
    from collections import Counter

    from indexer.analysis import word_spans
    from indexer.normalize import normalized

    def words(text):
        norm = normalized(text)
        return [norm[a:b] for a, b in word_spans(norm) if b - a > 1]

    rng = random.Random(seed)
    pool = [s for s in candidates if len(s.text) > 200]
    sample = rng.sample(pool, min(len(pool), 3000))
    df = Counter()
    for s in sample:
        df.update(set(words(s.text)))
    copies: dict[str, set[str]] = defaultdict(set)
    for s in sections:
        copies[normalized(s.text)].add(s.section_id)
    out = []
    for s in rng.sample(pool, min(n, len(pool))):
        tf = Counter(words(s.text))
        terms = list(tf)
        weights = [max(tf[w] * math.log(len(sample) / (1 + df[w])), 1e-9) for w in terms]
        chosen: list[str] = []
        for _ in range(rng.randint(2, 5)):
            w = rng.choices(terms, weights=weights)[0]
            if w not in chosen:
                chosen.append(w)
        out.append((" ".join(chosen), copies[normalized(s.text)]))
    return out


def print_table(title, rows):
    print(f"\n{title}")
    print(f"{'system':<10}{'split':<8}{'queries':>8}{'MRR@10':>9}{'Recall@10':>11}{'nDCG@10':>9}")
    for system, by_split in rows.items():
        for split, (mrr, rec, ndcg, n) in by_split.items():
            print(f"{system:<10}{split:<8}{n:>8}{mrr:>9.4f}{rec:>11.4f}{ndcg:>9.4f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--laws", action="store_true", help="also run with cn-laws as distractors")
    ap.add_argument("--known-items", type=int, default=300, help="known-item queries (with --laws)")
    ap.add_argument("--limit-queries", type=int, default=10**9, help="per split, for a quick run")
    args = ap.parse_args()
    passages, queries, qrels = load_cmrc()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        seeds = tmp / "seeds"
        back = write_passages(passages, seeds / "cmrc")
        settings = [("CMRC 2018 passages", False)] + ([("CMRC 2018 + cn-laws distractors", True)]
                                                      if args.laws else [])
        for title, with_laws in settings:
            if with_laws:
                shutil.copytree(LAWS, seeds / "laws")
            sections = load_sections(seeds)
            docs = [(sec.section_id, sec.text) for sec in sections]
            ours = Ours(seeds, tmp / f"ours-{with_laws}")
            base = Baseline(docs, tmp / f"base-{with_laws}")
            print(f"\n[{title}] {len(sections)} sections; build: ours {ours.build_s:.1f} s, "
                  f"baseline {base.build_s:.1f} s")
            to_pid = lambda k: passage_of(k, back)  # noqa: E731
            rows = {
                "ours": evaluate(ours, queries, qrels, to_pid, args.limit_queries),
                "baseline": evaluate(base, queries, qrels, to_pid, args.limit_queries),
            }
            print_table(title, rows)
            if with_laws and args.known_items:
                laws = [sec for sec in sections if sec.doc_id not in back]
                items = known_item_queries(laws, sections, args.known_items)
                print(f"\nknown-item queries over cn-laws sections: {len(items)}")
                print(f"{'system':<10}{'MRR@10':>9}{'Success@10':>12}")
                for system in (ours, base):
                    scores = [metrics(system.search(q), relevant) for q, relevant in items]
                    mrr = statistics.mean(m[0] for m in scores)
                    success = statistics.mean(1.0 if m[0] > 0 else 0.0 for m in scores)
                    print(f"{system.name:<10}{mrr:>9.4f}{success:>12.4f}")
            shutil.rmtree(seeds / "laws", ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
