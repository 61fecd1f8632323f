"""Write the fixed query mix of ``bench/scale.py`` for a corpus (seeded, so re-running it on
the same corpus gives the same file; the files for the shared corpora are committed).

    python bench/make_queries.py ../shared/corpora/cn-laws bench/queries/cn-laws.tsv

One query per line: ``kind<TAB>query``. Kinds: ``word`` (a jieba word of a random section),
``substring`` (1–8 characters at a random offset, no white space), ``phrase`` (a quoted
4–12-character substring), ``and`` (two words of one section), ``common`` (very frequent
characters), ``absent`` (strings that occur nowhere).
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from indexer.analysis import word_spans  # noqa: E402
from indexer.normalize import normalized  # noqa: E402
from tests import oracle  # noqa: E402

COUNTS = {"word": 40, "substring": 80, "phrase": 30, "and": 30, "absent": 10}
COMMON = ["的", "法", "人", "国"]
SYNTAX = set('"-|():*?')


def make(corpus: Path, seed: int = 2026) -> list[tuple[str, str]]:
    """The query mix for ``corpus``: ``[(kind, query), …]``."""
    rnd = random.Random(seed)
    texts = [normalized(s.text) for s in oracle.load_sections(corpus)]
    texts = [t for t in texts if len(t) >= 20]
    whole = "\n".join(texts)
    out: list[tuple[str, str]] = []

    def substring(lo: int, hi: int) -> str:
        while True:
            t = rnd.choice(texts)
            n = rnd.randint(lo, hi)
            i = rnd.randrange(0, max(1, len(t) - n))
            s = t[i:i + n]
            # no white space and no query-syntax characters, so every system reads it alike
            if len(s) == n and not any(c.isspace() or c in SYNTAX for c in s) \
                    and s.upper() not in ("OR", "AND", "NOT"):
                return s

    def words(t: str) -> list[str]:
        return [t[a:b] for a, b in word_spans(t) if b - a >= 2]

    for _ in range(COUNTS["word"]):
        ws = []
        while not ws:
            ws = words(rnd.choice(texts))
        out.append(("word", rnd.choice(ws)))
    out += [("substring", substring(1, 8)) for _ in range(COUNTS["substring"])]
    out += [("phrase", f'"{substring(4, 12)}"') for _ in range(COUNTS["phrase"])]
    for _ in range(COUNTS["and"]):
        ws = []
        while len(set(ws)) < 2:
            ws = words(rnd.choice(texts))
        a, b = rnd.sample(sorted(set(ws)), 2)
        out.append(("and", f"{a} {b}"))
    out += [("common", c) for c in COMMON]
    han = [chr(c) for c in range(0x4E00, 0x9FA6)]
    while sum(k == "absent" for k, _ in out) < COUNTS["absent"]:
        s = "".join(rnd.choice(han) for _ in range(rnd.randint(3, 6)))
        if s not in whole:
            out.append(("absent", s))
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--seed", type=int, default=2026)
    args = ap.parse_args()
    queries = make(args.corpus, args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(f"{k}\t{q}\n" for k, q in queries), encoding="utf-8")
    print(f"{len(queries)} queries → {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
