"""The fixed query set drawn from the seed (seeded, so every run asks the same questions).

Used by ``test_contract.py`` and by ``bench/seed_bench.py``; each query is
``(kind, text, quoted)``.
"""

from __future__ import annotations

import random

from indexer.analysis import word_spans
from indexer.normalize import normalized
from indexer.sections import Section

# Every page-break join in the seed, read off the file by eye: (end of one piece, start of next).
PAGE_BREAK_JOINS = [
    ("“两", "个确立”"),
    ("防范", "化解措施"),
    ("硬", "仗"),
    ("工作目", "标"),
    ("”，", "严查酒驾"),
    ("“公", "安姓党”"),
    ("犯罪活动", "规律特点"),
    ("执", "法标准"),
    ("一体", "化运行"),
    ("重要论", "述"),
]

MIXED = ["2022年1月", "2022 年 1 月", "70名", "25周年", "7·1", "1、3、5分钟", "5分钟", "5 分钟",
         "110报警？", "5G网络", "iPhone", "C++", "第5条"]
ABSENT = ["量子计算机", "火星基地", "xyzzy", "二十一大", "平安北京", "两个确定", "公安姓民"]


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


def seed_queries(sections: list[Section], n_words: int = 60, n_substrings: int = 240,
                 seed: int = 20221) -> list[tuple[str, str, bool]]:
    """About 350 queries: jieba words, random 1–8 character substrings at arbitrary offsets,
    page-break phrases, mixed digit/Latin strings, full-width forms, absent strings."""
    rng = random.Random(seed)
    out: list[tuple[str, str, bool]] = []
    words = sorted({normalized(s.text)[a:b] for s in sections
                    for a, b in word_spans(normalized(s.text))})
    for w in rng.sample(words, min(n_words, len(words))):
        out.append(("word", w, False))
    texts = [s.text for s in sections if s.text.strip()]
    while len([q for q in out if q[0] == "substring"]) < n_substrings:
        t = rng.choice(texts)
        i = rng.randrange(len(t))
        q = t[i:i + rng.randint(1, 8)]
        if not normalized(q) or '"' in q:
            continue
        out.append(("substring", q, rng.random() < 0.5))
    for before, after in PAGE_BREAK_JOINS:
        out.append(("page-break", before + after, True))
        out.append(("page-break", before[-1] + after[0], False))
    for q in MIXED:
        out.append(("mixed", q, True))
        out.append(("mixed", q, False))
    for q in ["2022", "70名", "25周年", "5分钟"]:
        out.append(("fullwidth", _fullwidth(q), True))
    for q in ABSENT:
        out.append(("absent", q, True))
        out.append(("absent", q, False))
    return out


def as_query(text: str, quoted: bool) -> str:
    """The query string a user would type."""
    return f'"{text}"' if quoted else text
