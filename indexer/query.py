"""User text → a parsed query → Whoosh queries.

The query language (README "Query syntax"):

* words separated by white space are ANDed: every one must occur in the section, each as a
  substring of its normalized text (so a piece of a longer word, or a string crossing jieba's
  word boundaries, still matches);
* ``"…"`` (ASCII or full-width double quotes) is one exact phrase, spaces included; an
  unclosed quote runs to the end of the query;
* every other character is literal text: ``* ? : ( ) [ ] ~ ^ \\ + -`` and the words
  ``AND``/``OR``/``NOT`` are searched for as written. Chinese quotes ``“”`` are literal too:
  they are part of the text being searched.

Both sides go through :func:`indexer.normalize.normalize`, so ``２０２２`` finds ``2022``,
``Wifi`` finds ``ＷＩＦＩ`` and ``2022年1月`` finds ``2022 年 1 月``.
"""

from __future__ import annotations

from dataclasses import dataclass

from whoosh import query as wq

from .analysis import word_spans
from .normalize import normalized
from .schema import HEADING_BOOST, PHRASE_BOOST, WORD_BOOST

MAX_QUERY_CHARS = 1000
"""Longer queries are cut to this many characters (code points); the page says so."""
MAX_CLAUSES = 32
"""At most this many words/phrases are searched; the rest are dropped and the page says so."""

_QUOTES = {'"', "\uff02"}  # '"' and its full-width form '＂'


class QueryError(ValueError):
    """A query with nothing left to search for; the message says why, for a person."""


@dataclass(frozen=True)
class Clause:
    """One AND-ed part of a query.

    Attributes:
        text: as the user typed it (quotes removed).
        norm: its normalized form: what must occur, as a substring, in a matching section.
        quoted: True for a ``"…"`` phrase.
    """

    text: str
    norm: str
    quoted: bool

    def display(self) -> str:
        """The clause as the page shows it: phrases in quotes."""
        return f'"{self.text}"' if self.quoted else self.text


@dataclass(frozen=True)
class ParsedQuery:
    """A query as read.

    Attributes:
        raw: the text the user sent (after the length cap).
        clauses: the AND-ed clauses, in order.
        notes: sentences for the user about how the query was read (cut, quote closed, …).
    """

    raw: str
    clauses: tuple[Clause, ...]
    notes: tuple[str, ...] = ()

    @property
    def reading(self) -> str:
        """How the query was read, e.g. ``"两个确立" 公安``: the clauses, space-separated."""
        return " ".join(c.display() for c in self.clauses)

    @property
    def needles(self) -> list[str]:
        """The normalized strings to highlight."""
        return [c.norm for c in self.clauses]


def _split(text: str) -> tuple[list[tuple[str, bool]], bool]:
    """Split into ``(piece, quoted)`` pairs; the bool says whether a quote was left open."""
    pieces: list[tuple[str, bool]] = []
    buf: list[str] = []
    quoted = False

    def flush():
        if quoted or "".join(buf).strip():
            pieces.append(("".join(buf), quoted))
        buf.clear()

    for ch in text:
        if ch in _QUOTES:
            flush()
            quoted = not quoted
        elif ch.isspace() and not quoted:
            flush()
        else:
            buf.append(ch)
    open_quote = quoted
    flush()
    return pieces, open_quote


def parse_query(text: str) -> ParsedQuery:
    """Read the user's query text.

    Args:
        text: the query as typed (any ``str``; it is cut to :data:`MAX_QUERY_CHARS`).
    Returns:
        a :class:`ParsedQuery` with at least one clause.
    Raises:
        QueryError: nothing searchable is left (empty, white space only, empty quotes, or only
            characters that normalization removes); the message says which.
    """
    notes: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notes.append(f"查询过长，只搜索了前 {MAX_QUERY_CHARS} 个字符。")
    if not text.strip():
        raise QueryError("请输入要搜索的文字。")
    pieces, open_quote = _split(text)
    if open_quote and normalized(pieces[-1][0]):
        notes.append("引号没有闭合：从引号到结尾按短语搜索。")
    elif open_quote:
        notes.append("末尾多余的引号已忽略。")
        pieces = pieces[:-1]
    clauses: list[Clause] = []
    dropped = 0
    for piece, quoted in pieces:
        norm = normalized(piece)
        if not norm:
            dropped += 1
            continue
        # one needle once: "abc ABC" is one clause (the same matches, counted once)
        if all(c.norm != norm for c in clauses):
            clauses.append(Clause(piece.strip() if not quoted else piece, norm, quoted))
    if dropped:
        notes.append("空的引号或不可见字符已忽略。")
    if len(clauses) > MAX_CLAUSES:
        notes.append(f"词语过多，只搜索了前 {MAX_CLAUSES} 个。")
        clauses = clauses[:MAX_CLAUSES]
    if not clauses:
        raise QueryError("查询中没有可搜索的文字（只有引号、空白或不可见字符）。")
    return ParsedQuery(text, tuple(clauses), tuple(notes))


def _substring_query(fieldname: str, norm: str, boost: float = 1.0) -> wq.Query:
    chars = list(norm)
    if len(chars) == 1:
        return wq.Term(fieldname, chars[0], boost=boost)
    return wq.Phrase(fieldname, chars, boost=boost)


def matching_query(parsed: ParsedQuery) -> wq.Query:
    """The query that decides *which* sections match: every clause as an exact substring
    (a phrase over the per-character ``chars`` field)."""
    parts = [_substring_query("chars", c.norm) for c in parsed.clauses]
    return parts[0] if len(parts) == 1 else wq.And(parts)


def ranking_query(parsed: ParsedQuery) -> wq.Query | None:
    """Optional clauses that only add score: jieba words in ``body`` and ``heading``, each
    clause in the headings, and the whole unquoted query as one contiguous phrase."""
    optional: list[wq.Query] = []
    for clause in parsed.clauses:
        for a, b in word_spans(clause.norm):
            word = clause.norm[a:b]
            optional.append(wq.Term("body", word, boost=WORD_BOOST))
            optional.append(wq.Term("heading", word, boost=HEADING_BOOST))
        optional.append(_substring_query("heading_chars", clause.norm, boost=HEADING_BOOST))
    if len(parsed.clauses) > 1:
        whole = normalized(" ".join(c.text for c in parsed.clauses))
        optional.append(_substring_query("chars", whole, boost=PHRASE_BOOST))
    return wq.Or(optional) if optional else None


def whoosh_query(parsed: ParsedQuery) -> wq.Query:
    """Matching query, with the ranking clauses attached as optional (``AndMaybe``)."""
    required = matching_query(parsed)
    optional = ranking_query(parsed)
    return wq.AndMaybe(required, optional) if optional is not None else required
