"""The Whoosh schema: one index document per section, and the ranking constants.

Fields:

* ``doc_id`` and ``article_key`` (``doc_id`` + U+001F + article title) are indexed and sortable
  for facet counts and filters;
* stored only: ``section_id`` (unique key), ``doc_id``, ``path``, ``ordinal``, ``doc_title``,
  ``article_title``, ``author``, ``title``, ``breadcrumb`` (a JSON list of titles),
  ``sha256`` (of the source file: the manifest);
* ``text``: a column (not indexed) of the repaired section text as it was read, UTF-8 and
  uncompressed, read back by :func:`indexer.postings.section_text`;
* ``body`` / ``heading``: jieba words of the text / of the article and section titles, ranked
  by BM25F;
* ``chars`` / ``heading_chars``: one token per character, no positions (one-character query
  clauses);
* ``grams`` / ``heading_grams``: overlapping character bigrams, no positions: a clause of two
  characters is one bigram term; a longer clause's candidates are the sections holding all of
  its bigrams, verified against the normalized text (:mod:`indexer.matching`);
* ``norm_text`` / ``norm_heading``: columns (not indexed) of the normalized section text and
  headings, UTF-8: what substring clauses are verified and counted against;
* ``norm_offsets``: a column of each section text's map from normalized back to original
  offsets, packed (:func:`indexer.normalize.pack_offsets`): snippets are cut from it and the
  ``norm_text`` column without normalizing the text again.
"""

from __future__ import annotations

from collections import defaultdict

from whoosh.system import pack_uint
from whoosh import columns
from whoosh.fields import COLUMN, ID, NUMERIC, STORED, TEXT, Schema

from .analysis import char_analyzer, gram_analyzer, word_analyzer, word_spans
from .normalize import normalize, normalized, pack_offsets

# BM25F parameters (Robertson & Zaragoza, "The Probabilistic Relevance Framework: BM25 and
# Beyond", 2009). K1: how fast repeated occurrences stop adding score; B: how much a long
# section is penalised for its length.
K1 = 1.2
B = 0.75

HEADING_SEPARATOR = "\u00a6"
"""Between two titles in the heading fields (¦, BROKEN BAR): the article's, those of the headings
between it and the section, and the section's; it survives normalization (a line break next to
Chinese does not), so no n-gram spans the end of one title and the start of the next."""

# Query-side boosts (multiplied into the optional ranking clauses in indexer/matching.py).
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
BODYLESS_WEIGHT = 0.5
"""A section whose text is only its heading (a part heading such as 广东篇 followed by its
subsections, a document's title line) scores this share of its score: it matched through a
heading with nothing under it to read, and topped the results for its heading's words over
the passages under it (new-user trials, three times)."""


ARTICLE_KEY_SEP = "\x1f"


def article_key(doc_id: str, article_title: str) -> str:
    """The ``article_key`` of a section: its document and article, one facet value."""
    return f"{doc_id}{ARTICLE_KEY_SEP}{article_title}"


def article_title_of(key: str) -> str:
    """The article title of an ``article_key`` (empty for sections outside any article)."""
    return key.partition(ARTICLE_KEY_SEP)[2]


def article_doc_id(key: str) -> str:
    """The document id of an ``article_key``."""
    return key.partition(ARTICLE_KEY_SEP)[0]


class NgramField(TEXT):
    """A ``TEXT`` field of the normalized text's character n-grams (n = 1 or 2, one per
    position), indexed without building a Whoosh ``Token`` per character.

    :meth:`index` yields exactly what ``TEXT.index`` yields through the field's analyzer
    (:class:`indexer.analysis.CharTokenizer` or :class:`~indexer.analysis.BigramTokenizer`):
    ``(term bytes, frequency, weight, encoded postings value)`` per distinct n-gram, positions
    being the n-gram's offset in the normalized text — checked by
    ``tests/test_analysis.py::test_ngram_fields_index_as_their_analyzers``. It is the
    indexer's inner loop (every character of every section, twice), so it is written for
    speed; the analyzer stays for anything that analyzes through the field.
    """

    def __init__(self, n: int, phrase: bool):
        super().__init__(analyzer=char_analyzer() if n == 1 else gram_analyzer(), phrase=phrase)
        self.n = n

    def index(self, value, **kwargs):
        """``(bytes, freq, weight, value)`` for each distinct n-gram of ``value`` (a str)."""
        text = normalize(value).text
        n = self.n
        fmt = self.format
        boost = fmt.field_boost
        if fmt.supports("positions"):
            positions: dict[str, list[int]] = defaultdict(list)
            for i in range(len(text) - n + 1):
                positions[text[i:i + n]].append(i)
            for gram, where in positions.items():
                yield gram.encode("utf-8"), len(where), len(where) * boost, fmt.encode(where)
        else:
            counts: dict[str, int] = defaultdict(int)
            for i in range(len(text) - n + 1):
                counts[text[i:i + n]] += 1
            for gram, count in counts.items():
                yield gram.encode("utf-8"), count, count * boost, pack_uint(count)


class WordField(TEXT):
    """A ``TEXT`` field of jieba words (:func:`indexer.analysis.word_spans`, the user
    dictionary ``user_words``), without positions, indexed without a Whoosh ``Token`` per
    word.

    :meth:`index` yields what ``TEXT.index`` yields through the field's analyzer
    (:class:`indexer.analysis.WordTokenizer`): ``(term bytes, frequency, weight, encoded
    frequency)`` per distinct word, the weight the frequency times the field boost, as
    Whoosh's ``Frequency.word_values`` adds it up — checked by
    ``tests/test_analysis.py::test_word_fields_index_as_their_analyzer``. Going through the
    analyzer's tokens cost 6 % of a build.
    """

    def __init__(self, user_words: tuple[str, ...] = ()):
        super().__init__(analyzer=word_analyzer(user_words), phrase=False)

    def index(self, value, **kwargs):
        """``(bytes, freq, weight, value)`` for each distinct word of ``value`` (a str)."""
        if not isinstance(value, str):  # a list of words, say: Whoosh's way
            yield from super().index(value, **kwargs)
            return
        text = normalize(value).text
        counts: dict[str, int] = defaultdict(int)
        for start, end in word_spans(text, self.analyzer.user_words):
            counts[text[start:end]] += 1
        boost = self.format.field_boost
        for word, count in counts.items():
            yield word.encode("utf-8"), count, float(count) * boost, pack_uint(count)


class NormalizedColumn(COLUMN):
    """A per-document column of the field value's normalized text (UTF-8 bytes; lone
    surrogates pass through), read back whole per segment by
    :func:`indexer.postings.column_texts`."""

    def __init__(self):
        super().__init__(columns.VarBytesColumn())

    def to_column_value(self, value):
        """``value`` (a str) normalized and encoded."""
        return normalized(value).encode("utf-8", "surrogatepass")


class SectionTextColumn(COLUMN):
    """A per-document column of the section text (UTF-8 bytes, uncompressed; lone surrogates
    pass through). Kept out of the stored fields, which Whoosh keeps as one compressed pickle
    per document: a hit's snippet then costs one positional read and a decode (6 µs on
    cn-laws) instead of decompressing and unpickling the whole record with the text in it
    (33 µs); the stored record left holds only the short fields. Its offsets are written
    with it (Whoosh writes them only past 32,768 documents and otherwise adds the lengths up
    in Python whenever a searcher first reads the column: a millisecond per segment on
    cn-laws, paid by every new searcher)."""

    def __init__(self):
        super().__init__(columns.VarBytesColumn(write_offsets_cutoff=0))

    def to_column_value(self, value):
        """``value`` (a str) encoded."""
        return value.encode("utf-8", "surrogatepass")


class OffsetMapColumn(COLUMN):
    """A per-document column of the field value's normalization map back to the original
    (:func:`indexer.normalize.pack_offsets`), so that the highlighter maps matches found in
    the ``norm_text`` column without normalizing the section text again."""

    def __init__(self):
        super().__init__(columns.VarBytesColumn())

    def to_column_value(self, value):
        """``value`` (a str) normalized, its map packed."""
        return pack_offsets(normalize(value))


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
        lang=STORED(),
        title=STORED(),
        breadcrumb=STORED(),
        text=SectionTextColumn(),
        sha256=STORED(),
        body=WordField(user_words),
        heading=WordField(user_words),
        chars=NgramField(1, phrase=False),
        heading_chars=NgramField(1, phrase=False),
        grams=NgramField(2, phrase=False),
        heading_grams=NgramField(2, phrase=False),
        norm_text=NormalizedColumn(),
        norm_heading=NormalizedColumn(),
        norm_offsets=OffsetMapColumn(),
        bodyless=COLUMN(columns.BitColumn()),
    )
