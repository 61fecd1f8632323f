"""The Whoosh schema: one index document per section, and the ranking constants.

Fields:

* ``doc_id`` and ``article_key`` (``doc_id`` + U+001F + article title) are indexed and sortable
  for facet counts and filters;
* stored only: ``section_id`` (unique key), ``doc_id``, ``path``, ``ordinal``, ``doc_title``,
  ``article_title``, ``author``, ``title``, ``breadcrumb`` (a JSON list of titles),
  ``text`` (the repaired section text), ``sha256`` (of the source file: the manifest);
* ``body`` / ``heading``: jieba words of the text / of the article and section titles, ranked
  by BM25F;
* ``chars`` / ``heading_chars``: one token per character, no positions (one-character query
  clauses);
* ``grams`` / ``heading_grams``: overlapping character bigrams with positions: a clause of two
  or more characters is a phrase query over its bigrams, an exact substring test.
"""

from __future__ import annotations

from whoosh import scoring
from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from .analysis import char_analyzer, gram_analyzer, word_analyzer

# BM25F parameters (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and
# Beyond", 2009). K1: how fast repeated occurrences stop adding score; B: how much a long
# section is penalised for its length.
K1 = 1.2
B = 0.75

# Query-side boosts (multiplied into the optional ranking clauses in indexer/searcher.py).
HEADING_BOOST = 3.0
"""A query term found in the section or article title."""
PHRASE_BOOST = 2.0
"""The whole unquoted query found as one contiguous phrase in the text."""
WORD_BOOST = 1.0
"""A jieba word of the query found as a word of the body."""
PROXIMITY_BOOST = 1.5
"""Query words found within :data:`PROXIMITY_SLOP` characters of each other."""
PROXIMITY_SLOP = 20
"""How near (characters) query words must be to earn the proximity boost."""
SYNONYM_BOOST = 0.5
"""A synonym's match counts this much of an exact match (synonyms rank below exact matches)."""


ARTICLE_KEY_SEP = "\x1f"


def article_key(doc_id: str, article_title: str) -> str:
    """The ``article_key`` of a section: its document and article, one facet value."""
    return f"{doc_id}{ARTICLE_KEY_SEP}{article_title}"


def make_schema(user_words: tuple[str, ...] = ()) -> Schema:
    """Return a new :class:`whoosh.fields.Schema` for section documents.

    Args:
        user_words: the user dictionary's entries (``"word [freq] [tag]"`` lines, normalized),
            kept inside the word analyzers so the index remembers how it was cut.
    """
    return Schema(
        section_id=ID(stored=True, unique=True),
        doc_id=ID(stored=True, sortable=True),
        article_key=ID(sortable=True),
        path=ID(stored=True),
        ordinal=NUMERIC(stored=True, sortable=True),
        doc_title=STORED(),
        article_title=STORED(),
        author=STORED(),
        title=STORED(),
        breadcrumb=STORED(),
        text=STORED(),
        sha256=STORED(),
        body=TEXT(analyzer=word_analyzer(user_words), phrase=False),
        heading=TEXT(analyzer=word_analyzer(user_words), phrase=False),
        chars=TEXT(analyzer=char_analyzer(), phrase=False),
        heading_chars=TEXT(analyzer=char_analyzer(), phrase=False),
        grams=TEXT(analyzer=gram_analyzer(), phrase=True),
        heading_grams=TEXT(analyzer=gram_analyzer(), phrase=True),
    )


def weighting() -> scoring.BM25F:
    """The scoring model: BM25F with :data:`B` and :data:`K1`."""
    return scoring.BM25F(B=B, K1=K1)
