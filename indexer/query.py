"""User text → a parsed query tree (evaluated by :mod:`indexer.matching`).

The query language (README "Query syntax", and the ``/help`` page):

* words separated by white space are ANDed (``AND`` may be written, it changes nothing);
  each must occur in the section as a substring of its normalized text, so a piece of a longer
  word, or a string crossing jieba's word boundaries, still matches;
* ``"…"`` (ASCII or full-width double quotes) is one exact phrase, spaces included; an
  unclosed quote runs to the end of the query;
* ``OR`` or ``|`` between terms: either; ``-term`` or ``NOT term``: without; ``( … )`` groups;
* ``title:term`` only in titles: the section's, its article's, a heading between them, or
  its document's; ``doc:ID`` only in that document;
* everything else is literal text (``* ? : [ ] ~ ^ \\ +`` …; lower-case ``or``/``not``;
  Chinese quotes ``“”``). A query that parses to nothing is searched for literally, as written.

Syntax problems are repaired (a dangling ``OR``, an unclosed parenthesis, a stray ``)``) and
each repair is a note the page shows beside how the query was read. Both sides go through
:func:`indexer.normalize.normalize` (so ``國際`` finds ``国际`` and ``２０２２`` finds ``2022``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Union

from .failures import english
from .highlight import Needles
from .normalize import normalized, spelling_variants

MAX_QUERY_CHARS = 1000
"""Longer queries are cut to this many characters (code points); the page says so."""
FALLBACK_MIN_CHARS = 4
"""A query this long (normalized characters) that matches nothing falls back to partial matches."""
MAX_CLAUSES = 32
"""At most this many words/phrases are searched; the rest are dropped and the page says so."""
MAX_SYNONYMS = 32
"""A synonym group holds at most this many terms (the indexer keeps a longer line's first ones
and reports the line), and a term matches at most this many alternatives: each alternative
is one more substring to match, and a group's map grows with its size squared (a line of
5,000 words took 2.3 s to read, breaker)."""

OPERATORS_ONLY_NOTE = "查询只有运算符号：按原文搜索。"
"""The one note of a query made of operators only, searched for as written."""
OPERATOR_WORDS = ("OR", "AND", "NOT")
"""Operators written as words: only in capitals (``or`` is searched for as text)."""

_IGNORED = "单独的 "
"""Start of the notes about a lone ``-`` or field prefix that was ignored."""
_TOO_LONG = "查询过长，"
_TOO_MANY = "词语过多，"
_SURROGATE = re.compile("[\ud800-\udfff]")
QUOTES = frozenset({'"', "\uff02"})
"""The quote characters of a phrase: '"' and its full-width form '＂'."""
_OPERATOR_CHARACTERS = {"(": "LP", ")": "RP", "|": "OR", "｜": "OR", "（": "LP", "）": "RP"}
"""Characters that are operators: parentheses and the bar, also in the full-width forms a
Chinese input method types (breaker: ``（广东 | 青海） 平安`` found nothing). A full-width
parenthesis is one only where :func:`_parentheses` says so, and an ASCII one unless it says
it is text."""
LONE_WORD_GROUP_NOTE = "括号只括住一个词，按分组读，括号本身不搜索：要找带括号的原文，请加引号，如 \"(一)\"。"
"""The note of a query whose ASCII parentheses stand alone around one word, ``(一)``."""
_FULL_WIDTH_CAPITALS = {0xFF21 + k: 0x41 + k for k in range(26)}
"""Ｏ → O: operator words typed in a full-width input mode (and no other look-alike: 𝐎𝐑)."""
_GROUPING = re.compile(r"[\s|｜()（）]")
"""What makes a pair of full-width parentheses a group: white space or an operator inside."""


_BREAKS_WORD = frozenset("|｜()（）-－:：") | QUOTES
"""Characters that end the word written against a parenthesis (besides white space): an
operator, a field's colon, a quote."""
_FIELD_PREFIX = re.compile(r"^(title|doc|标题)[:：]", re.I)


def _word_beside(text: str, i: int, step: int) -> str:
    """The word written right against position ``i`` of ``text`` (going back with ``step``
    -1, forward with 1): the characters up to white space or :data:`_BREAKS_WORD`; "" when
    there is none, or when it is an operator word (``NOT(机关)`` is ``NOT (机关)``). A colon
    ends it only as a field's (``title:(机关)``): elsewhere it is punctuation of the text, as
    in a pasted ``(新闻联播)：`` (new-user trial: it was read as 新闻联播 and ：)."""
    j = i
    while 0 <= j < len(text) and not text[j].isspace() and (
            text[j] not in _BREAKS_WORD or text[j] in ":：" and not _field_colon(text, j)):
        j += step
    word = text[j + 1:i + 1] if step < 0 else text[i:j]
    return "" if word.translate(_FULL_WIDTH_CAPITALS) in OPERATOR_WORDS else word


def _word_before(text: str, at: int) -> str:
    """The characters right before position ``at`` of ``text``, back to white space or
    :data:`_BREAKS_WORD`."""
    start = at
    while start > 0 and not text[start - 1].isspace() and text[start - 1] not in _BREAKS_WORD:
        start -= 1
    return text[start:at]


def _operator_before(text: str, at: int) -> bool:
    """Whether an operator word is written right against the parenthesis at ``at``
    (``NOT(新闻联播)：``, which groups whatever follows the pair: breaker)."""
    word = _word_before(text, at)
    return bool(word) and word.translate(_FULL_WIDTH_CAPITALS) in OPERATOR_WORDS


def _field_colon(text: str, at: int) -> bool:
    """Whether the colon at ``at`` of ``text`` ends a field prefix (``title:``, ``标题：``)."""
    return bool(_FIELD_PREFIX.match(_word_before(text, at) + text[at]))


def _pair_parentheses(text: str) -> list[tuple[int, int]]:
    """The pairs ``(opener, closer)`` of the parentheses of ``text``, either width: each closer
    pairs with the nearest opener of either width, as a query typed half in one input mode and
    half in the other pairs them (``（公安 (法院 | 检察院）)``: breaker); those inside quotes
    and unpaired ones are left out."""
    pairs: list[tuple[int, int]] = []
    opened: list[int] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in QUOTES:
            closing = next((j for j in range(i + 1, len(text)) if text[j] in QUOTES), len(text))
            i = closing + 1
            continue
        if ch in "(（":
            opened.append(i)
        elif ch in ")）" and opened:
            pairs.append((opened.pop(), i))
        i += 1
    return pairs


def _parentheses(text: str) -> tuple[set[int], set[int], bool]:
    """``(grouping, literal, lone_word)`` for the parentheses of ``text``:

    * ``grouping``: the places of the parentheses that group: a full-width pair ``（`` ``）``
      holding white space or an operator (``（广东 | 青海）``; Chinese text is written with
      them, so a pasted ``刑法（2020年修正）`` stays text to find), and every pair with an ASCII
      side that is not ``literal``;
    * ``literal``: the places of the pairs with an ASCII side (``(…)``, or ``(…）`` typed
      half in each input mode) that are text: a pair holding one word (no space, operator,
      parenthesis, quote, leading ``-`` or field prefix) and written against a word on either
      side (an operator word is none: ``NOT(机关)`` groups), ``刑法修正案(十一)``, ``第(一)项``,
      ``公司法(2018)``, as legal citations pasted from Word are (new-user trial: they were read
      as ``刑法修正案 十一``, counting every 十一);
    * ``lone_word``: whether such a pair standing alone (between spaces) holds one word,
      ``(一)``: it groups, which changes nothing but drops the parentheses, so the page says
      how to find them.

    Unpaired ASCII parentheses are operators (the parser closes or drops them, with a note);
    unpaired full-width ones, and any inside quotes, are text."""
    grouping: set[int] = set()
    literal: set[int] = set()
    lone_word = False
    for start, end in _pair_parentheses(text):
        inside = text[start + 1:end]
        simple = not _GROUPING.search(inside) and not any(q in inside for q in QUOTES) \
            and not inside.startswith(("-", "－")) and not _FIELD_PREFIX.match(inside)
        if text[start] == "（" and text[end] == "）":
            if not simple:
                grouping.update((start, end))
        elif simple and not _operator_before(text, start) and (
                _word_beside(text, start - 1, -1) or _word_beside(text, end + 1, 1)):
            literal.update((start, end))
        else:
            grouping.update((start, end))
            # standing alone, between spaces (not -(…), title:(…), NOT(…) or ((…)))
            lone_word = lone_word or simple and (start == 0 or text[start - 1].isspace()) \
                and (end + 1 == len(text) or text[end + 1].isspace())
    return grouping, literal, lone_word


_FIELDS = {"title": "title", "doc": "doc", "标题": "title"}


class QueryError(ValueError):
    """A query with nothing left to search for; the message says why, for a person."""


@dataclass(frozen=True)
class Clause:
    """A leaf of the query: one word or phrase that must occur (as a substring).

    Attributes:
        text: as the user typed it (quotes removed).
        norm: its normalized form.
        quoted: True for a ``"…"`` phrase.
        field: ``"body"`` (the section text), ``"title"`` (section and article titles) or
            ``"doc"`` (``text`` is a doc_id).
        synonyms: normalized alternatives from the synonym file; they match too, ranked lower.
        variants: its normalized spellings in the other standards of written Chinese
            (:func:`indexer.normalize.spelling_variants`: 了解 and 瞭解); they match as it does,
            quoted or not, and are not shown.
    """

    text: str
    norm: str
    quoted: bool = False
    field: str = "body"
    synonyms: tuple[str, ...] = ()
    variants: tuple[str, ...] = ()

    def display(self) -> str:
        """The clause as the page shows it (with its synonyms)."""
        return self.query_text() + "".join(f" (≈{s})" for s in self.synonyms)

    def query_text(self) -> str:
        """The clause as a query would be typed (no synonyms: they come back on parsing). A
        word that would not read back as itself (``OR`` or ``(`` taken literally, as a query of
        operators only is) is quoted: a phrase matches as the word does."""
        core = f'"{self.text}"' if self.quoted or not _reads_as_word(self.text) else self.text
        prefix = "" if self.field == "body" else f"{self.field}:"
        return prefix + core


@dataclass(frozen=True)
class Not:
    """Sections that do not match ``child``."""

    child: "Node"


@dataclass(frozen=True)
class All:
    """Sections matching every child (AND)."""

    children: tuple["Node", ...]


@dataclass(frozen=True)
class Any:
    """Sections matching at least one child (OR)."""

    children: tuple["Node", ...]


Node = Union[Clause, Not, All, Any]


def display(node: Node, top: bool = True) -> str:
    """How a node reads: ``公安 (武警 OR 部队) -积案``."""
    if isinstance(node, Clause):
        return node.display()
    if isinstance(node, Not):
        return "-" + display(node.child, False)
    if isinstance(node, All):
        inner = " ".join(display(c, False) for c in node.children)
        return inner if top else f"({inner})"
    inner = " OR ".join(display(c, False) for c in node.children)
    return inner if top else f"({inner})"


def query_text(node: Node) -> str:
    """A node as a query would be typed (:func:`display` without synonyms, which come back on
    parsing): ``公安 (武警 OR 部队) -积案``; :func:`parse_query` reads it as the same tree.
    Brackets only where the query had to have them, so the text is never nested deeper than
    the query it came from (the parser caps the depth)."""
    if isinstance(node, Clause):
        return node.query_text()
    if isinstance(node, Not):
        inner = query_text(node.child)
        return "-" + (inner if isinstance(node.child, Clause) else f"({inner})")
    # a group inside an AND, and an OR inside an OR, was typed in brackets; an AND inside an
    # OR need not have been ("a OR b c" reads as a OR (b c))
    grouped = (All, Any) if isinstance(node, All) else (Any,)
    joiner = " " if isinstance(node, All) else " OR "
    return joiner.join(f"({query_text(c)})" if isinstance(c, grouped) else query_text(c)
                       for c in node.children)


def relaxed(root: Node) -> list[Node]:
    """Queries a little wider than ``root``, for suggestions when it finds nothing, in this
    order: ``root`` (an AND) without one of its parts — a word, an OR group, an exclusion, a
    ``doc:`` or ``title:`` clause — each in turn; each ``title:`` clause searched in the text
    instead (``title:青海`` gives ``青海``); ``root`` without all of its ``doc:`` and
    ``title:`` clauses at once (``公安 doc:a title:b``). The rest of the query stays as typed
    (``公安 -量子 doc:gone`` gives ``公安 -量子``). Dropping one alternative of an OR would
    only narrow it, so an OR at the top gives none. What is left must still search for
    something: a text or title clause that a match contains (never a bare ``doc:X``, which
    lists a document), and a text clause where the query had one (``量子 doc:X`` never gives
    ``doc:X``, nor ``量子 title:Y`` a bare ``title:Y``)."""
    parts = root.children if isinstance(root, All) else (root,)

    def searched(nodes) -> bool:
        return any(c.field == "body" for n in nodes for c in positive_clauses(n))

    def searches(rest) -> bool:
        node = _all(list(rest))
        return node is not None and _has_positive(node) \
            and any(c.field != "doc" for c in positive_clauses(node)) \
            and (searched(rest) or not searched(parts))

    out: list[Node] = []
    if isinstance(root, All):
        for k in range(len(parts)):
            rest = parts[:k] + parts[k + 1:]
            if searches(rest):
                out.append(_all(list(rest)))
    for k, part in enumerate(parts):
        if isinstance(part, Clause) and part.field == "title":
            out.append(_all([*parts[:k], replace(part, field="body"), *parts[k + 1:]]))
    unfiltered = [n for n in parts if not (isinstance(n, Clause) and n.field != "body")]
    if len(parts) - len(unfiltered) > 1 and searches(unfiltered):
        out.append(_all(unfiltered))
    return out


def with_phrase(node: Node, clause: Clause, phrase: str) -> Node:
    """``node`` with ``clause`` (that very object, a positive clause) replaced by the quoted
    ``phrase`` (a suggestion's shorter piece of a word, the rest of the query kept)."""
    if node is clause:
        return Clause(phrase, normalized(phrase), quoted=True)
    if isinstance(node, (Clause, Not)):  # no positive clause is under a NOT
        return node
    return type(node)(tuple(with_phrase(c, clause, phrase) for c in node.children))


def positive_clauses(node: Node) -> list[Clause]:
    """The clauses that a match may contain (not under a NOT), in order."""
    if isinstance(node, Clause):
        return [node]
    if isinstance(node, Not):
        return []
    return [c for child in node.children for c in positive_clauses(child)]


def _forms(clause: Clause) -> tuple[str, ...]:
    return (clause.norm, *clause.variants, *clause.synonyms)


def _matched_clauses(node: Node, text: str, heading: str, doc_id: str) -> list[Clause] | None:
    """The positive clauses through which a section matches ``node`` (those of the branches it
    matches), or None when it does not match it; ``text`` and ``heading`` normalized."""
    if isinstance(node, Clause):
        if node.field == "doc":
            found = doc_id == node.text.strip()
        else:
            where = heading if node.field == "title" else text
            found = any(n in where for n in _forms(node))
        return [node] if found else None
    if isinstance(node, Not):
        return None if _matched_clauses(node.child, text, heading, doc_id) is not None else []
    parts = [_matched_clauses(c, text, heading, doc_id) for c in node.children]
    if isinstance(node, All):
        return None if any(p is None for p in parts) else [c for p in parts for c in p]
    found = [c for p in parts if p is not None for c in p]
    return found if any(p is not None for p in parts) else None


def _counted(clauses) -> list[Clause]:
    # a title: clause selects sections; its word is what a section counts and marks only
    # when it matched through titles alone: 罚款 title:勞動 counted 40 勞動 beside 6 罰款 in a
    # labour law, whose title holds 勞動 and whose text is full of it (new-user trial)
    clauses = [c for c in clauses if c.field != "doc"]
    return [c for c in clauses if c.field == "body"] or clauses


def _needles_of(clauses) -> Needles:
    return Needles.of_clauses(((c.norm, *c.variants), c.synonyms) for c in _counted(clauses))


@dataclass(frozen=True)
class ParsedQuery:
    """A query as read.

    Attributes:
        raw: the text the user sent (after the length cap).
        root: the query tree.
        notes: sentences for the user about how the query was read (cut, repaired, …).
    """

    raw: str
    root: Node
    notes: tuple[str, ...] = ()

    @property
    def clauses(self) -> tuple[Clause, ...]:
        """The positive leaves (what the highlighter marks)."""
        return tuple(positive_clauses(self.root))

    @property
    def reading(self) -> str:
        """How the query was read, e.g. ``"两个确立" 公安 -积案``."""
        return display(self.root)

    @cached_property  # asked for every section a concordance counts: worked out once
    def needles(self) -> list[str]:
        """The normalized strings to highlight and count: positive text clauses, their
        spelling variants and their synonyms (one list, shared: never change it); a query
        whose positive clauses are all ``title:`` ones counts and highlights their words."""
        return _needles_of(self.clauses)

    @cached_property
    def branch_dependent(self) -> bool:
        """Whether a section it matches may hold a needle of a branch it does not match: an
        OR with a branch of more than one clause, ``会见 OR (习近平 鑫鑫鑫)``, whose 习近平 a
        section matching through 会见 alone must not count, or with a ``title:`` branch, whose
        word a section matching through the other may hold in its text only
        (``title:刑罚 OR 罚金``: breaker; and one matching through both counts 罚金 alone,
        :func:`_needles_of`). When False, :attr:`needles` holds for every section
        it matches (each needle found in its text is its own text clause matched)."""
        def dependent(node: Node) -> bool:
            if isinstance(node, Clause):
                return False
            if isinstance(node, Not):
                return dependent(node.child)
            if isinstance(node, Any) and any(not isinstance(c, Clause) or c.field == "title"
                                             for c in node.children):
                return True
            return any(dependent(c) for c in node.children)
        return dependent(self.root)

    @property
    def synonyms(self) -> tuple[str, ...]:
        """The synonyms a count of it includes besides what was typed (normalized, in order,
        each once): those of the clauses it counts (:func:`_needles_of`) that no such clause
        has as its own text or spelling; for a query whose OR branches count apart
        (:attr:`branch_dependent`), those that are not the clause's own."""
        counted = _counted(self.clauses)
        # a synonym the whole query excludes (工作 -劳动, with 劳动 a synonym of 工作) is in
        # no section counted (breaker: the note named it)
        parts = self.root.children if isinstance(self.root, All) else (self.root,)
        excluded = {f for n in parts if isinstance(n, Not) and isinstance(n.child, Clause)
                    for f in _forms(n.child)}
        # a word typed in another branch may not count there; else one typed anywhere it is
        # counted (breaker: title:台湾 宝岛 counted 台湾 as 宝岛's synonym, and said nothing)
        typed = None if self.branch_dependent else \
            {n for c in counted for n in (c.norm, *c.variants)}
        return tuple(dict.fromkeys(
            s for c in counted for s in c.synonyms
            if s not in excluded and s not in (typed or (c.norm, *c.variants))))

    @property
    def exact_text(self) -> str | None:
        """The query as it would be typed with each positive clause that has synonyms quoted
        (a quoted phrase takes none): what counts the words as typed, ``"新型冠状病毒"`` for
        ``新型冠状病毒`` with the group ``新冠 新型冠状病毒`` (new-user trial: a concordance of
        155 for a word the texts never hold, all of them 新冠); None when the quotes make it
        longer than :data:`MAX_QUERY_CHARS` (it would be searched cut: breaker)."""
        def exact(node: Node) -> Node:
            if isinstance(node, Clause):
                return replace(node, quoted=True, synonyms=()) if node.synonyms else node
            if isinstance(node, Not):
                return node
            return type(node)(tuple(exact(c) for c in node.children))
        text = query_text(exact(self.root))
        return text if len(text) <= MAX_QUERY_CHARS else None

    def needles_in(self, text: str, heading: str, doc_id: str) -> list[str]:
        """:attr:`needles` of the clauses through which one section matches the query (all of
        them unless :attr:`branch_dependent`); none when it does not match.

        Args:
            text: the section's normalized text.
            heading: its normalized titles as a ``title:`` clause reads them: the
                ``norm_heading`` column and its document's title.
            doc_id: its document's id.
        """
        if not self.branch_dependent:
            return self.needles
        return _needles_of(_matched_clauses(self.root, text, heading, doc_id) or [])


@lru_cache(maxsize=4096)  # every page's reading renders its clauses
def _reads_as_word(text: str) -> bool:
    """Whether ``text`` typed alone is read as one unquoted word of that text."""
    toks = _lex(text, [])
    return len(toks) == 1 and toks[0].kind == "TERM" and toks[0].text == text \
        and not toks[0].quoted and toks[0].field == "body"


# --- lexer -----------------------------------------------------------------------------------

@dataclass
class _Tok:
    kind: str  # TERM, LP, RP, OR, NOT, NEG, AND
    text: str = ""
    quoted: bool = False
    field: str = "body"


def _drop_negation(toks: list[_Tok]) -> None:
    """Remove a ``-`` or NOT just before empty quotes, which are dropped: left in place it
    negated the next word, so ``公安 -"" 广东`` found the sections without 广东 (breaker). (A
    bare ``title:`` is dropped too, but a ``-`` before it keeps applying to what follows, as
    ``-title:(广东 | 青海)`` excludes the group: dropping that ``-`` turned the exclusion the
    person typed into an inclusion: second breaker round.)"""
    if toks and toks[-1].kind in ("NEG", "NOT"):
        toks.pop()


def _lex(text: str, notes: list[str]) -> list[_Tok]:
    toks: list[_Tok] = []
    i, n = 0, len(text)
    pending_field: str | None = None
    groups, literal, lone_word = _parentheses(text) if any(c in text for c in "()（）") \
        else (set(), set(), False)
    if lone_word:
        notes.append(LONE_WORD_GROUP_NOTE)

    def operator_at(k: int) -> bool:
        return text[k] in "|｜" or k in groups or text[k] in "()" and k not in literal

    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch in QUOTES:
            j = i + 1
            while j < n and text[j] not in QUOTES:
                j += 1
            phrase = text[i + 1:j]
            if j >= n:
                notes.append("引号没有闭合：从引号到结尾按短语搜索。" if normalized(phrase)
                             else "末尾多余的引号已忽略。")
            if normalized(phrase):
                toks.append(_Tok("TERM", phrase, True, pending_field or "body"))
            else:
                _drop_negation(toks)
                if j < n:
                    notes.append("空的引号已忽略。")
            pending_field = None
            i = j + 1
            continue
        if operator_at(i):
            toks.append(_Tok(_OPERATOR_CHARACTERS[ch]))
            i += 1
            continue
        if ch in "-－" and i + 1 < n and (text[i + 1] in "(（" and operator_at(i + 1)
                                         or text[i + 1] in QUOTES):
            toks.append(_Tok("NEG", "-"))  # -( … ) and -"…"
            i += 1
            continue
        j = i
        while j < n and not text[j].isspace() and not operator_at(j) and text[j] not in QUOTES:
            j += 1
        word = text[i:j]
        i = j
        if word in ("-", "－"):
            # exclusion is "-word"; a lone dash (typed before the word, or "2022 - 2023") is
            # not searched for, or every page typed as "公安 -" would come up empty
            note = f"{_IGNORED}- 已忽略：要排除一个词，请紧贴着写，如 -维护。"
            if note not in notes:
                notes.append(note)
            continue
        operator = word.translate(_FULL_WIDTH_CAPITALS)  # ＯＲ, as a full-width input types it
        if operator in OPERATOR_WORDS:
            toks.append(_Tok(operator, operator))
            continue
        # a full-width minus before a digit is a negative number, as Chinese text writes
        # them (－5℃), not an exclusion (breaker)
        if len(word) > 1 and (word[0] == "-" or word[0] == "－" and not word[1].isdigit()):
            toks.append(_Tok("NEG", "-"))
            word = word[1:]
        m = re.match(r"^(title|doc|标题)[:：](.*)$", word, re.I)
        if m:
            fld, rest = _FIELDS[m.group(1).lower()], m.group(2)
            if rest:
                toks.append(_Tok("TERM", rest, False, fld))
            elif i < n and text[i] in QUOTES:
                pending_field = fld  # title:"…"
            else:
                # "title:" before a group or at the end restricts nothing: say so, not search it
                example = "两个确立" if fld == "title" else "文档编号"
                notes.append(f"{_IGNORED}{word} 已忽略：它只作用于紧跟的一个词或引号中的短语，"
                             f"如 {word}{example}。")
            continue
        toks.append(_Tok("TERM", word))
    return toks


# --- parser (recursive descent, repairing as it goes) ------------------------------------------

MAX_DEPTH = 16
"""Parentheses nested deeper than this are ignored (with a note): the parser and every later
pass over the query tree recurse once per level."""


class _Parser:
    def __init__(self, toks: list[_Tok], notes: list[str]):
        self.toks, self.pos, self.notes, self.depth = toks, 0, notes, 0

    def peek(self) -> str | None:
        return self.toks[self.pos].kind if self.pos < len(self.toks) else None

    def take(self) -> _Tok:
        self.pos += 1
        return self.toks[self.pos - 1]

    def _note(self, note: str) -> None:
        if note not in self.notes:
            self.notes.append(note)

    def parse(self) -> Node | None:
        parts = []
        while self.peek() is not None:
            node = self.parse_or()
            if node is not None:
                parts.append(node)
            if self.peek() == "RP":
                self.take()
                self.notes.append("多余的右括号已忽略。")
        return _all(parts)

    def parse_or(self) -> Node | None:
        options = []
        left = self.parse_and()
        if left is not None:
            options.append(left)
        while self.peek() == "OR":
            self.take()
            right = self.parse_and()
            if right is None or left is None:
                self.notes.append("OR 两边要各有一个词：多余的 OR 已忽略。")
            if right is not None:
                options.append(right)
        if len(options) > 1:
            return Any(tuple(options))
        return options[0] if options else None

    def parse_and(self) -> Node | None:
        items = []
        while self.peek() not in (None, "RP", "OR"):
            if self.peek() == "AND":
                self.take()
                if not items or self.peek() in (None, "RP", "OR", "AND"):
                    self._note("AND 两边要各有一个词：多余的 AND 已忽略。")
                continue
            node = self.parse_unary()
            if node is not None:
                items.append(node)
        return _all(items)

    def parse_unary(self) -> Node | None:
        kind = self.peek()
        if kind in ("NOT", "NEG"):
            # a run of negations is read in a loop, not by recursion: NOT NOT x is x
            negations = 0
            while self.peek() in ("NOT", "NEG"):
                self.take()
                negations += 1
            if self.peek() in (None, "RP", "OR", "AND"):
                self.notes.append("NOT/- 后面没有词，已忽略。")
                return None
            child = self.parse_unary()
            if child is None or negations % 2 == 0:
                return child
            return child.child if isinstance(child, Not) else Not(child)
        if kind == "LP" and self.depth >= MAX_DEPTH:
            self.take()
            if not any(n.startswith("括号嵌套") for n in self.notes):
                self.notes.append(f"括号嵌套超过 {MAX_DEPTH} 层：更深的括号已忽略。")
            return None
        if kind == "LP":
            self.take()
            self.depth += 1
            node = self.parse_or()
            if self.peek() == "RP":
                self.take()
            else:
                self.notes.append("括号没有闭合：已在末尾补上。")
            self.depth -= 1
            return node
        tok = self.take()
        if not tok.quoted and tok.text.upper() in OPERATOR_WORDS and tok.text != tok.text.upper():
            self._note(f"小写的 {tok.text} 按普通文字查找；要用作运算符，请写大写的 "
                       f"{tok.text.upper()}。")
        norm = tok.text if tok.field == "doc" else normalized(tok.text)
        if not norm:
            return None
        return Clause(tok.text.strip() if not tok.quoted else tok.text, norm, tok.quoted, tok.field)


def _all(items: list[Node]) -> Node | None:
    if not items:
        return None
    return items[0] if len(items) == 1 else All(tuple(items))


def _dedupe_and_cap(node: Node, kept: list[int], notes: list[str]) -> Node | None:
    """Drop a clause repeated beside itself in one AND or OR ("abc ABC": it changes nothing
    there), and every clause past MAX_CLAUSES (``kept[0]`` counts those kept so far). A clause
    repeated elsewhere stays: ``的 -的`` finds nothing and ``(广东 | 青海) -广东`` finds 青海."""
    if isinstance(node, Clause):
        if kept[0] >= MAX_CLAUSES:
            if kept[0] == MAX_CLAUSES:
                kept[0] += 1  # past the cap: noted once
                notes.append(f"{_TOO_MANY}只搜索了前 {MAX_CLAUSES} 个。")
            return None
        kept[0] += 1
        return node
    if isinstance(node, Not):
        child = _dedupe_and_cap(node.child, kept, notes)
        return Not(child) if child is not None else None
    kids, siblings = [], set()
    for c in node.children:
        if isinstance(c, Clause):
            if (c.norm, c.field) in siblings:
                continue
            siblings.add((c.norm, c.field))
        k = _dedupe_and_cap(c, kept, notes)
        if isinstance(k, Clause) and not isinstance(c, Clause):  # a group of one: 公安|(公安 公安)
            if (k.norm, k.field) in siblings:
                continue
            siblings.add((k.norm, k.field))
        if k is not None:
            kids.append(k)
    if not kids:
        return None
    return kids[0] if len(kids) == 1 else type(node)(tuple(kids))


def _has_positive(node: Node) -> bool:
    if isinstance(node, Clause):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, All):
        return any(_has_positive(c) for c in node.children)
    return all(_has_positive(c) for c in node.children)


_SEPARATOR = re.compile(r"[\s|\uff5c]")
_TRAILING_OPERATORS = re.compile(
    r"(?:\s*(?:(?<![^\s(（|\uff5c])(?:OR|AND|NOT|\uff2f\uff32|\uff21\uff2e\uff24|\uff2e\uff2f\uff34)"
    r"|[|\uff5c\-\uff0d]))+\s*$")


def _cut(text: str) -> str:
    """``text`` cut to at most :data:`MAX_QUERY_CHARS` characters: at the last white space or
    ``|`` when there is one in the second half, so that no word is cut in two, and without
    the operators the cut leaves dangling at the end. Cut at exactly 1,000 characters,
    ``公安|公安|…`` ended in a search for ``公``, and ``… OR 新闻 OR`` in one for ``O`` ANDed
    with 新闻, each changing the count (breaker)."""
    head = text[:MAX_QUERY_CHARS]
    if len(text) > MAX_QUERY_CHARS and not _SEPARATOR.match(text[MAX_QUERY_CHARS]):
        last = max((m.start() for m in _SEPARATOR.finditer(head)), default=-1)
        if last >= MAX_QUERY_CHARS // 2:
            head = head[:last]
    if (head.count('"') + head.count("\uff02")) % 2:
        return head  # inside an open phrase an operator is text (breaker)
    # a text of operators only (NOT NOT …) is left whole: it is searched as written; the
    # start stays as sent, so the note's "first N characters" are those (breaker)
    cut = _TRAILING_OPERATORS.sub("", head).rstrip()
    return cut if cut.strip() else head


def parse_query(text: str, synonyms: dict[str, tuple[str, ...]] | None = None) -> ParsedQuery:
    """Read the user's query text.

    Args:
        text: the query as typed (any ``str``; it is cut to :data:`MAX_QUERY_CHARS`).
        synonyms: normalized term → its normalized alternatives (see :func:`synonym_map`).
    Returns:
        a :class:`ParsedQuery` whose tree has at least one positive clause.
    Raises:
        QueryError: nothing searchable is left (empty, white space only, empty quotes, only
            invisible characters), the query only excludes, or it holds a lone surrogate
            (no valid text has one; HTTP cannot send one); the message says which.
    """
    if _SURROGATE.search(text):
        raise QueryError("查询含有无效字符（孤立的代理码位），无法搜索。")
    notes: list[str] = []
    if len(text) > MAX_QUERY_CHARS:
        text = _cut(text)
        notes.append(f"{_TOO_LONG}只搜索了前 {len(text)} 个字符。")
    if not text.strip():
        raise QueryError("请输入要搜索的文字。")
    root = _Parser(_lex(text, notes), notes).parse()
    root = _dedupe_and_cap(root, [0], notes) if root is not None else None
    # a cut can leave nothing to search: the error then says so, not only what is left
    cut = "".join(f"（{n}）" for n in notes if n.startswith((_TOO_LONG, _TOO_MANY)))
    if root is None:
        literal = normalized(text.replace('"', "").replace("\uff02", ""))
        if not literal:
            raise QueryError(f"查询中没有可搜索的文字（只有引号、空白或不可见字符）。{cut}")
        # the whole text is searched as written now: drop the notes about repairing a parse
        # that was discarded ("extra OR ignored" beside "searched literally" contradicted it)
        notes[:] = [n for n in notes if n.startswith(_TOO_LONG)]
        notes.append(OPERATORS_ONLY_NOTE)
        root = Clause(text.strip(), normalized(text), True)
    if not _has_positive(root):
        if positive_clauses(root):  # -公安 OR 广东: one side of an OR only excludes
            raise QueryError("OR 的每一边都要有要查找的词：只有排除条件（- 或 NOT）的一边会找出"
                             f"几乎所有章节。请把排除条件放在 OR 之外，如 广东 -公安。{cut}")
        raise QueryError(f"查询只有排除条件（- 或 NOT）：请加上要查找的词。{cut}")
    root = _with_variants(root)
    _note_excluded_spellings(root, notes)
    if synonyms:
        searched = {f for c in positive_clauses(root) for f in (c.norm, *c.variants)}
        root = _with_synonyms(root, synonyms, searched, notes)
    return ParsedQuery(text, root, tuple(dict.fromkeys(notes)))


def _with_variants(node: Node) -> Node:
    """``node`` with each text clause's spelling variants attached (excluded ones too: -瞭解
    excludes 了解)."""
    if isinstance(node, Clause):
        alts = spelling_variants(node.text) if node.field != "doc" else ()
        return replace(node, variants=alts) if alts else node
    if isinstance(node, Not):
        return Not(_with_variants(node.child))
    return type(node)(tuple(_with_variants(c) for c in node.children))


def _note_excluded_spellings(root: Node, notes: list[str]) -> None:
    """Add a note for each clause the query excludes, beside a clause it searches for in the
    same field, that is another spelling of it (``计划 -計畫``: one word two ways, so nothing
    can match; it found nothing without a word: breaker). Only at the query's top AND, where
    the two contradict: ``了解 OR (公安 -瞭解)`` finds sections (breaker); a word excluded as
    it is searched (``计划 -计划``) is the query's own doing."""
    children = root.children if isinstance(root, All) else ()
    searched = [c for c in children if isinstance(c, Clause) and c.field != "doc"]
    for child in children:
        if not (isinstance(child, Not) and isinstance(child.child, Clause)):
            continue
        excluded = child.child
        if any(c.field == excluded.field and c.norm != excluded.norm
               and c.norm in (excluded.norm, *excluded.variants) for c in searched):
            notes.append(f"排除的 {excluded.text} 与要找的词是同一个词的不同写法（繁简），"
                         "所以没有章节能符合。")


def _synonyms_of(clause: Clause, synonyms: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The synonyms of ``clause`` and of its spelling variants, each with its own spelling
    variants, none of them a spelling of the clause: with 了解 and 知悉 synonyms, 瞭解 had none
    and 知悉 did not find 瞭解 (breaker)."""
    forms = (clause.norm, *clause.variants)
    alts: list[str] = []
    for form in forms:
        for synonym in synonyms.get(form, ()):
            for alt in (synonym, *spelling_variants(synonym)):
                if alt not in forms and alt not in alts:
                    alts.append(alt)
    return tuple(alts)


def _with_synonyms(node: Node, synonyms: dict[str, tuple[str, ...]], searched: set[str],
                   notes: list[str], excluded: bool = False) -> Node:
    """``node`` with each unquoted clause's synonyms attached. Under a NOT a clause does not
    expand to a synonym that the query searches for (``searched``: the positive clauses'
    normalized texts), and a note says so: with 公安 and 警察 synonyms, ``公安 -警察``
    excluded 公安 too and found nothing, without a word (breaker); it finds the sections with
    公安 and without 警察."""
    if isinstance(node, Clause):
        alts = _synonyms_of(node, synonyms) if node.field != "doc" and not node.quoted else ()
        if excluded and any(a in searched for a in alts):
            kept = [a for a in alts if a in searched]
            notes.append(f"排除 {node.text} 时没有排除它的同义词 {'、'.join(kept)}：查询要找它。")
            alts = tuple(a for a in alts if a not in searched)
        return replace(node, synonyms=alts) if alts else node
    if isinstance(node, Not):
        return Not(_with_synonyms(node.child, synonyms, searched, notes, not excluded))
    return type(node)(tuple(_with_synonyms(c, synonyms, searched, notes, excluded)
                            for c in node.children))


def read_synonyms(text: str) -> tuple[list[list[str]], list[str]]:
    """``synonyms.txt``'s text → ``(groups, problems)``: one group per line of two terms or
    more (separated by white space or commas; ``#`` starts a comment), each term once by its
    normalized form (the first spelling kept; ``國際`` and ``国际`` are one term), at most
    :data:`MAX_SYNONYMS` of them; ``problems`` are English reasons
    (:mod:`indexer.failures`), one for each line cut and one for each term that has more
    than :data:`MAX_SYNONYMS` synonyms in all its lines (it matches the first ones only,
    while each of them still matches it: :func:`synonym_map`), the first
    :data:`MAX_SYNONYM_PROBLEMS` of them and a count of the rest."""
    groups, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        forms: dict[str, str] = {}
        for term in re.split(r"[\s,，、]+", line.split("#", 1)[0]):
            forms.setdefault(normalized(term), term)
        forms.pop("", None)
        if len(forms) > MAX_SYNONYMS:
            problems.append(english("long_synonym_group", line=number, count=len(forms),
                                    limit=MAX_SYNONYMS))
        terms = list(forms.values())[:MAX_SYNONYMS]
        if len(terms) > 1:
            groups.append(terms)
    others: dict[str, set[str]] = {}
    for group in groups:
        norms = {normalized(t) for t in group}
        for norm in norms:
            others.setdefault(norm, set()).update(norms - {norm})
    problems.extend(english("many_synonyms", term=term, count=len(alts), limit=MAX_SYNONYMS)
                    for term, alts in others.items() if len(alts) > MAX_SYNONYMS)
    if len(problems) > MAX_SYNONYM_PROBLEMS:  # each is a line of the status page
        rest = len(problems) - MAX_SYNONYM_PROBLEMS
        problems = [*problems[:MAX_SYNONYM_PROBLEMS], english("more_problems", count=rest)]
    return groups, problems


MAX_SYNONYM_PROBLEMS = 20
"""At most this many problems of ``synonyms.txt`` are listed, then how many more there are: a
file of 20,000 over-long lines made 2 MB of status page (breaker)."""


def synonym_map(groups: list[list[str]]) -> dict[str, tuple[str, ...]]:
    """``[["武警", "武装警察"], …]`` → ``{"武警": ("武装警察",), "武装警察": ("武警",), …}``
    (every member normalized, each mapped to the others: the first :data:`MAX_SYNONYMS` of
    a group, and at most as many alternatives of a term in all its groups)."""
    alternatives: dict[str, dict[str, None]] = {}
    for group in groups:
        norms = list(dict.fromkeys(n for n in map(normalized, group) if n))[:MAX_SYNONYMS]
        for term in norms:
            mine = alternatives.setdefault(term, {})
            for other in norms:
                if len(mine) >= MAX_SYNONYMS:
                    break
                if other != term:
                    mine[other] = None
    return {term: tuple(alts) for term, alts in alternatives.items() if alts}


@dataclass(frozen=True)
class Fallback:
    """A partial-match query for a long query that matched nothing as a whole.

    Attributes:
        words: the query's words searched for (distinct, in query order, at most ``limit``).
        shortened: True when the query had more words than were used.
        documents: the ``doc:`` clauses' document ids: partial matches stay within them, as
            within a ``doc=`` filter.
        typed: of ``words``, those the person typed apart (see :func:`fallback_words`).
    """

    words: tuple[str, ...]
    shortened: bool = False
    documents: tuple[str, ...] = ()
    typed: frozenset[str] = frozenset()


def fallback_words(parsed: ParsedQuery, words, limit: int = 64) -> Fallback | None:
    """The words to look for when every clause together found nothing: the distinct jieba
    words of the query that hold a letter or digit (single characters included: BM25's idf
    weighs common ones down, and they add to the coordination), at most ``limit``. When the
    query is several words the person separated, each of them is a word too, before its
    jieba words (``typed``; matched and scored as a query clause is): jieba cuts 安厅 into 安
    and 厅, which alone would miss the sections holding 安厅 (keeping 安 and 厅 beside it
    leaves ``bench/relevance.py`` as it was; without them CMRC dev MRR@10 fell by 0.0002).
    None unless the query is a plain AND of unquoted words (``doc:`` clauses aside: they
    restrict, see :class:`Fallback`) at least :data:`FALLBACK_MIN_CHARS` long with two words
    or more (one repeated counts twice), one of them longer than a character (a partial
    match must share one)."""
    root = parsed.root
    clauses = list(root.children) if isinstance(root, All) else [root]
    documents = tuple(c.text.strip() for c in clauses if isinstance(c, Clause) and c.field == "doc")
    clauses = [c for c in clauses if not (isinstance(c, Clause) and c.field == "doc")]
    # only a plain AND of unquoted words is a "pasted text" query: quotes, OR, NOT and fields
    # say exactly what is wanted, and so do short queries
    if not clauses or not all(isinstance(c, Clause) and c.field == "body" and not c.quoted
                              for c in clauses):
        return None
    if sum(len(c.norm) for c in clauses) < FALLBACK_MIN_CHARS:
        return None
    found: list[str] = []
    cut: list[str] = []  # the jieba words alone
    cut_count = 0  # and how many, repeats included: 公安公安 is two words
    typed: set[str] = set()
    for c in clauses:
        pieces = [w for w in words(c.norm) if any(ch.isalnum() for ch in w)]
        cut_count += len(pieces)
        cut.extend(dict.fromkeys(w for w in pieces if w not in cut))
        if len(clauses) > 1 and len(c.norm) > 1 and any(ch.isalnum() for ch in c.norm):
            pieces = [c.norm, *pieces]
            typed.add(c.norm)
        found.extend(dict.fromkeys(w for w in pieces if w not in found))
    # a section that shares only single characters (的, 张) with the query is no answer to it:
    # nor is a query that jieba cuts into nothing longer (张三 王五: suggestions instead); one
    # word repeated (a pasted 公安公安公安) finds the sections holding it
    if cut_count < 2 or not any(len(w) > 1 for w in cut[:limit]):
        return None
    return Fallback(tuple(found[:limit]), shortened=len(found) > limit, documents=documents,
                    typed=frozenset(typed))
