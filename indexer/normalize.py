"""The one text normalization applied at index time, at query time and by the test oracle.

``normalize(text)`` is a pure function ``str -> NormalizedText``. It:

1. applies Unicode NFKC per *cluster* (a character plus the marks that may compose with it),
   so full-width forms fold to ASCII (``２０２２`` → ``2022``, ``，`` → ``,``, ``Ｗｉｆｉ`` → ``Wifi``),
   except to numbers and symbols that NFKC spells out in other characters (``Ⅲ``, ``①``, ``…``,
   ``㎡`` stay as written: :func:`compatibility_fold`);
2. case-folds (``str.casefold``): ``iPhone`` and ``IPHONE`` are one word;
3. folds Traditional characters to Simplified, character by character, with OpenCC's ``t2s``
   table (``國際論壇`` → ``国际论坛``), and punctuation variants to one form (``“”`` → ``"``,
   ``‘’`` → ``'``, ``•・`` → ``·``; NFKC already folds ``（）`` and ``，``);
4. drops invisible format and control characters (Unicode categories Cf and Cc other than
   white space: zero-width spaces, soft hyphens, a BOM in mid-text);
5. makes white space insignificant next to wide (CJK) characters and punctuation marks and at
   both ends, and folds every other run of white space to one ``" "``: PDF extraction put spaces
   around digits (``2022 年 1 月``) and inside brackets (``（ 2021 年修订）``, whose ``（`` NFKC
   has made a narrow ``(``), which must match a typed ``2022年1月`` and ``（2021年修订）``, while
   ``C++ 11`` keeps its space.

Every output character remembers which input characters produced it, so a match found in the
normalized text maps back to exact ``str`` offsets (code points) in the original, which is what
the highlighter marks. The idea of keeping a char map beside the normalized token follows
charabia's ``Token.char_map`` (meilisearch/charabia, ``charabia/src/token.rs``).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache

import numpy as np

NORMALIZATION_VERSION = 11
"""Bump on any change to :func:`normalize`: indexes built with another version are rebuilt.
3: a mark composes with its character across characters that vanish (``e``, soft hyphen,
``◌́`` gives ``é``, as ``normalized`` of its own output does); 4: white space next to
punctuation insignificant, variation selectors dropped, radical look-alikes folded; 5: ― = —
and 〜 = ～; 6: numbers and symbols that NFKC spells out in other characters kept as written
(:func:`compatibility_fold`); 7: nor a superscript symbol (``™`` is not ``tm``); 8: canonically equivalent characters
judged alike (U+1FFD as ``´``); 9: a Hangul compatibility vowel or final composes with the jamo before
it; 10: instead, compatibility jamo stay as written, half-width ones fold to them; 11: brackets
〔〕【】〖〗[] fold to (), corner quotes 「」『』 to ", ⸺ to ——."""


class NormalizedText:
    """A normalized string and its map back to the original.

    Attributes:
        text: the normalized string.
        starts: ``starts[i]`` is the offset (code points) in the original of the first input
            character that produced ``text[i]``; ``len(starts) == len(text)`` (a tuple).
        ends: ``ends[i]`` is the offset just past the last input character that produced
            ``text[i]`` (a tuple).

    The maps are kept as given (numpy arrays from the vectorized path, tuples from the
    per-cluster one); :meth:`span` reads them without converting, since a highlighter maps a
    handful of matches in a text of thousands of characters.
    """

    __slots__ = ("text", "_starts", "_ends")

    def __init__(self, text: str, starts, ends):
        self.text = text
        self._starts = starts
        self._ends = ends

    @property
    def starts(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self._starts)

    @property
    def ends(self) -> tuple[int, ...]:
        return tuple(int(v) for v in self._ends)

    def __repr__(self):
        return f"NormalizedText({self.text!r}, starts={self.starts}, ends={self.ends})"

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalized slice ``[start, end)`` (``start < end``) to original offsets.

        Returns ``(start_char, end_char)``, code-point offsets into the original string.
        Raises ``IndexError`` when the slice is empty or out of range.
        """
        if not 0 <= start < end <= len(self.text):
            raise IndexError(f"bad normalized span {start}:{end} of {len(self.text)}")
        return int(self._starts[start]), int(self._ends[end - 1])

    def spans(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`span` of many slices at once: ``starts`` and ``ends`` are equal-length
        ``int64`` arrays of normalized offsets, each slice ``0 <= start < end <= len(text)``
        (not checked); returns ``(start_chars, end_chars)``, ``int64`` arrays of offsets into
        the original."""
        return (np.asarray(self._starts, np.int64)[starts],
                np.asarray(self._ends, np.int64)[ends - 1])

    def slices(self, at: list[int], length: int) -> tuple[list[int], list[int]]:
        """:meth:`span` of the slices ``[i, i + length)`` for each ``i`` in ``at`` (each in
        range, not checked; ``length`` ≥ 1), as two lists of original offsets: starts and
        ends. For the few dozen matches of a snippet, plain lists cost less than arrays."""
        starts, ends = self._starts, self._ends
        return [int(starts[i]) for i in at], [int(ends[i + length - 1]) for i in at]


def is_wide(ch: str) -> bool:
    """True for a character that East Asian text sets without spaces (Han, kana, hangul, CJK
    punctuation): Unicode East Asian Width ``W`` or ``F``."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def absorbs_space(ch: str) -> bool:
    """True for a (normalized) character next to which white space does not count: a wide one
    (:func:`is_wide`) or a punctuation mark (Unicode category P*). Punctuation because NFKC
    folds the full-width ``（，：％`` to the narrow ``(,:%``, and ``（ 2021 年`` must match a typed
    ``（2021年``, whichever width either side was written in; symbols (``+``, ``$``) are not
    punctuation, so ``C++ 11`` keeps its space."""
    return is_wide(ch) or unicodedata.category(ch)[0] == "P"


def _joins_previous(ch: str) -> bool:
    """True for a character that NFKC may compose with the one before it: combining marks,
    the half-width katakana (semi-)voiced sound marks (which have combining class 0 but become
    U+3099/U+309A), and conjoining Hangul vowel and final jamo."""
    if unicodedata.combining(ch):
        return True
    cp = ord(ch)
    return cp in (0xFF9E, 0xFF9F) or 0x1160 <= cp <= 0x11FF or 0xD7B0 <= cp <= 0xD7FF


PUNCTUATION_FOLDS = {
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u301d": '"', "\u301e": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u2022": "·", "\u30fb": "·", "\u2027": "·", "\u2219": "·", "\u22c5": "·",
    # a PDF's text holds the horizontal bar and the wave dash where ― and ～ were typed, and
    # the two- and three-em dashes where —— was (new-user trial)
    "\u2015": "\u2014", "\u301c": "~", "\u2e3a": "\u2014\u2014", "\u2e3b": "\u2014" * 3,
    # corner brackets quote as “” do (「放管服」); and a document number's 〔2024〕 is typed
    # 【2024】, [2024] or （2024） with a pinyin keyboard, which gives no 〔 (new-user trial)
    "\u300c": '"', "\u300d": '"', "\u300e": '"', "\u300f": '"',
    "\u3014": "(", "\u3015": ")", "\u3010": "(", "\u3011": ")", "\u3016": "(", "\u3017": ")",
    "[": "(", "]": ")",
}
"""Punctuation variants folded for matching (after NFKC); the text shown keeps its own."""

LOOKALIKE_IDEOGRAPHS = {
    # CJK Radicals Supplement: the simplified radicals Unicode's CJKRadicals.txt (17.0) pairs
    # with an ideograph formed from the radical alone
    "\u2ea6": "丬", "\u2eb0": "纟", "\u2ec5": "见", "\u2ec8": "讠", "\u2ec9": "贝", "\u2ecb": "车",
    "\u2ed0": "钅", "\u2ed3": "长", "\u2ed4": "门", "\u2ed9": "韦", "\u2eda": "页", "\u2edb": "风",
    "\u2edc": "飞", "\u2ee0": "饣", "\u2ee2": "马", "\u2ee5": "鱼", "\u2ee6": "鸟", "\u2ee7": "卤",
    "\u2ee8": "麦", "\u2ee9": "黄", "\u2eea": "黾", "\u2eeb": "斉", "\u2eec": "齐", "\u2eed": "歯",
    "\u2eee": "齿", "\u2eef": "竜", "\u2ef0": "龙", "\u2ef2": "亀", "\u2ef3": "龟",
    # and the ones whose glyph is a whole character's (EquivalentUnifiedIdeograph.txt), seen
    # in PDFs Chromium printed with Noto CJK SC, TC and JP
    "\u2ea0": "民", "\u2ec4": "西", "\u2ed8": "青", "\u2ed1": "長", "\u2edd": "食", "\u2ec6": "角",
    "\u2ee3": "骨", "\u2ec1": "虎", "\u2ee4": "鬼",
    # an Extension A character that Noto CJK SC draws with 胶's glyph, and that such a PDF's
    # text then holds for every 胶 (its variant: U+3B35)
    "\u3b35": "胶",
}
"""Characters that PDF text extraction gives for a common ideograph because the font draws
both with one glyph (the PDF maps the glyph back to the first code point it lists), and that
NFKC does not fold: ``部⻔⻢上`` is 部门马上. Found by printing the 4,280 most frequent
characters of cn-laws and cctv-news to PDF in headless Chromium and reading them back with
pypdf (all 214 Kangxi radicals, U+2F00–2FD5, come back too, and NFKC folds those). Folded for
matching, and written as the ideograph when a document is read
(:func:`indexer.repair.unify_radicals`)."""

_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))
_folds: dict[str, str] | None = None


def _fold_table() -> dict[str, str]:
    """Punctuation folds plus OpenCC's Traditional → Simplified table, one character to one
    (built once per process by converting every Han code point; about 5,000 differ), plus
    :data:`LOOKALIKE_IDEOGRAPHS`."""
    global _folds
    if _folds is None:
        import opencc

        han = [chr(c) for a, b in _HAN_RANGES for c in range(a, b + 1)]
        # one character per line, so OpenCC's phrase rules never join neighbours
        simplified = opencc.OpenCC("t2s").convert("\n".join(han)).split("\n")
        table = {t: s for t, s in zip(han, simplified) if len(s) == 1 and s != t}
        table.update({r: table.get(h, h) for r, h in LOOKALIKE_IDEOGRAPHS.items()})  # ⻑ → 长
        # fold chains (A → B → C) to their end, so normalizing twice changes nothing
        for t, s in table.items():
            while s in table and table[s] != s:
                s = table[s]
            table[t] = s
        _folds = {**table, **PUNCTUATION_FOLDS}
    return _folds


_scripts: tuple[frozenset, frozenset] | None = None

SCRIPT_SAMPLE_CHARS = 4000
"""Characters of a text that :func:`language_tag` looks at (its beginning)."""


def language_tag(text: str) -> str:
    """The BCP 47 tag of the Chinese script ``text`` is written in: ``"zh-Hant"`` when more of
    its characters are Traditional-only (changed by OpenCC's Traditional → Simplified table)
    than Simplified-only (changed by its Simplified → Traditional table: 们, 说, not 表,
    which also stands for 錶), else ``"zh-Hans"``; only the first
    :data:`SCRIPT_SAMPLE_CHARS` characters are looked at.
    A page tagged so picks a font's Traditional glyphs, and a screen reader its reading,
    where ``zh-CN`` showed 骨 and 直 as the mainland writes them (new-user trials)."""
    global _scripts
    if _scripts is None:
        import opencc

        table = _fold_table()
        han = [chr(c) for a, b in _HAN_RANGES for c in range(a, b + 1)]
        # one character per line, so OpenCC's phrase rules never join neighbours (as above)
        traditional = opencc.OpenCC("s2t").convert("\n".join(han)).split("\n")
        _scripts = (frozenset(h for h in han if table.get(h, h) != h),
                    frozenset(h for h, t in zip(han, traditional) if t != h))
    traditional, simplified = _scripts
    sample = text[:SCRIPT_SAMPLE_CHARS]
    hant = sum(1 for c in sample if c in traditional)
    hans = sum(1 for c in sample if c in simplified)
    return "zh-Hant" if hant > hans else "zh-Hans"


def script_of(texts) -> str:
    """:func:`language_tag` of ``texts`` (strings, a document's sections in order) read as
    one text: what a document is tagged with, from its first
    :data:`SCRIPT_SAMPLE_CHARS` characters."""
    sample, length = [], 0
    for text in texts:
        sample.append(text)
        length += len(text)
        if length >= SCRIPT_SAMPLE_CHARS:
            break
    return language_tag("".join(sample))


SAME_TEXT_FORMS = frozenset(("<wide>", "<narrow>", "<noBreak>", "<font>", "<small>",
                             "<vertical>", "<initial>", "<medial>", "<final>", "<isolated>",
                             "<super>", "<sub>"))
"""Unicode compatibility decompositions (UnicodeData.txt's tags, Unicode Standard Annex #44)
that write the same text in another form, and that :func:`compatibility_fold` applies: width
(``２０２２``, ``Ｗｉｆｉ``, ``（``), no-break spaces, letters in a font, small, vertical and
contextual forms, and superscripts and subscripts (``CO₂`` = ``CO2``, ``m²`` = ``m2``)."""


def _same_text(ch: str) -> bool:
    """Whether NFKC's compatibility mapping of ``ch`` is the same text in another form. Besides
    :data:`SAME_TEXT_FORMS`, a plain ``<compat>`` mapping counts for a letter (ligatures ``ﬁ``,
    ``ĳ``), white space (en and em spaces) and the CJK radicals (``⼆`` is 二, as PDF text gives
    it), not for the numbers and symbols that NFKC spells out in other characters: ``Ⅲ`` as
    ``III``, which holds ``I``, so ``Ⅰ级`` found ``Ⅲ级``; ``①`` as ``1``, so ``①`` found every
    ``1``; ``……`` as six dots, which held ``…`` four times; ``㎡`` as ``m2`` (new-user trial)."""
    decomposition = unicodedata.decomposition(ch)
    if not decomposition.startswith("<"):
        return True  # canonical or none: NFKC changes only what NFC would
    if 0x3131 <= ord(ch) <= 0x318E:
        # Hangul compatibility jamo are letters shown on their own (ㅋㅋ, ㅠㅠ, ㄳ): NFKC makes
        # them conjoining jamo, which then compose with what is before them (정보ㄳ became
        # 정볷, not found by 정보: breaker)
        return False
    tag = decomposition.split(" ", 1)[0]
    kind = unicodedata.category(ch)[0]
    if kind != "L" and len(unicodedata.normalize("NFKC", ch)) > 1:
        return False  # a symbol spelled out: ™ as TM, ⑴ as (1), … as ...
    if tag in SAME_TEXT_FORMS:
        return True
    return tag == "<compat>" and (kind in "LZ" or 0x2E80 <= ord(ch) <= 0x2FDF)


def compatibility_fold(text: str) -> str:
    """``text`` under NFKC, except that a character whose compatibility mapping is not the same
    text (:func:`_same_text`) keeps its own form: NFC of the text's canonical decomposition
    (NFD) with each other character replaced by its NFKC form (so ``ｶﾞ`` still composes to
    ガ). Decomposed first, so that canonically equivalent characters are judged alike: Greek
    oxia U+1FFD is U+00B4 ``´``, which stays as written, and so must it (breaker)."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", "".join(
        _HALF_WIDTH_JAMO.get(ch) or unicodedata.normalize("NFKC", ch) if _same_text(ch) else ch
        for ch in unicodedata.normalize("NFD", text)))


_HALF_WIDTH_JAMO = {chr(cp): chr(int(unicodedata.decomposition(chr(cp)).split()[1], 16))
                    for cp in range(0xFFA0, 0xFFDD) if unicodedata.decomposition(chr(cp))}
"""Half-width Hangul jamo → the compatibility jamo they are narrow forms of (``ﾡ`` → ``ㄱ``),
which stay as written, where NFKC would go on to conjoining jamo."""


def _fold(cluster: str) -> str:
    folded = compatibility_fold(cluster).casefold()
    # casefold can leave a string that is not folded (e.g. "ẞ" → "ss" is fine, but some
    # expansions need recomposing); a second fold makes the function idempotent.
    folded = compatibility_fold(folded)
    table = _fold_table()
    return "".join(table.get(ch, ch) for ch in folded)


def _dropped(ch: str) -> bool:
    """Invisible: a format or control character (Cf, Cc other than white space), or a
    variation selector, which picks a glyph of the character before it (``葛`` + U+E0100, in
    names) and is category Mn, not Cf."""
    cat = unicodedata.category(ch)
    if cat == "Mn":
        cp = ord(ch)
        return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF or 0x180B <= cp <= 0x180D \
            or cp == 0x180F
    return (cat == "Cf") or (cat == "Cc" and not ch.isspace())


_MEMO_LIMIT = 1 << 18
_memo: dict[str, tuple[str, bool, bool]] = {}


def _entry(ch: str) -> tuple[str, bool, bool]:
    """``(folded, joins_previous, space)`` of one character, memoized: ``folded`` is what the
    character becomes on its own (NFKC, casefold, folds; dropped characters removed, so it may
    be ""), ``space`` whether that is white space."""
    e = _memo.get(ch)
    if e is None:
        folded = "".join(c for c in _fold(ch) if not _dropped(c))
        e = (folded, _joins_previous(ch), folded.isspace())
        if len(_memo) < _MEMO_LIMIT:  # bounded: text from any script cannot grow it forever
            _memo[ch] = e
    return e


def _composes_at(text: str, i: int, run: list[int]) -> bool:
    """Whether ``text[i]`` belongs to the cluster of the character before it: it composes
    with it (a mark), or it vanishes (a soft hyphen, a zero-width space) and so do the
    characters up to the next that composes. Were such a mark cut off by the vanishing
    character, it would stay decomposed here, while normalizing the output again (the
    vanished character gone) composes it, and neither form would match the other.

    ``run`` (``[start, end, answer]``, one list per text, ``[0, 0, 0]`` to begin) keeps the
    answer for the last run of vanishing characters looked through: it is the same for
    each of them, and looking again from each would take time quadratic in the run's length
    (a document of 40,000 zero-width spaces took 95 s)."""
    if run[0] <= i < run[1]:
        return bool(run[2])
    folded, joins, _ = _entry(text[i])
    if joins or folded:
        return joins
    j = i + 1
    while j < len(text) and not any(_entry(text[j])[:2]):
        j += 1
    run[:] = [i, j, j < len(text) and _entry(text[j])[1]]
    return bool(run[2])


_SPECIAL = "\x00"
"""Stands, in the one-to-one pass, for every character that needs the slow path (NUL itself
included: it is a control character, so it never reaches the output)."""


class _OneToOne(dict):
    """``str.translate`` table, filled on first sight of each character: the character's
    single folded form when it folds to exactly one visible character and composes with
    nothing before it, else :data:`_SPECIAL`."""

    def __missing__(self, code: int) -> str:
        folded, joins, space = _entry(chr(code))
        value = folded if len(folded) == 1 and not joins and not space and folded != _SPECIAL \
            else _SPECIAL
        if len(self) < _MEMO_LIMIT:
            self[code] = value
        return value


_one_to_one = _OneToOne()

# Per code point, filled on first sight (the vectorized path's tables): its kind, its folded
# code (kinds ONE and SPACE), and whether that folded character is wide.
_UNKNOWN, _ONE, _WHITE, _OTHER = 255, 0, 1, 2
_kind = np.full(0x110000, _UNKNOWN, np.uint8)
_folded_code = np.zeros(0x110000, np.uint32)
_absorbs_code = np.zeros(0x110000, bool)


def _learn(codes) -> None:
    """Fill the tables for ``codes`` (distinct code points). The kind is written last, so a
    thread that sees it known also sees the folded code (re-learning writes equal values)."""
    for code in codes.tolist():
        folded, joins, space = _entry(chr(code))
        if space and not joins and folded.strip() == "":
            kind, out = _WHITE, 32
        elif len(folded) == 1 and not joins and not space and folded != _SPECIAL:
            kind, out = _ONE, ord(folded)
        else:
            kind, out = _OTHER, 0
        _folded_code[code] = out
        _absorbs_code[out] = absorbs_space(chr(out))
        _kind[code] = kind


def _normalize_vectorized(text: str) -> NormalizedText | None:
    """:func:`normalize` for the usual text, whose every character either folds to one
    character on its own or is white space: done with numpy over the code points (the white
    space rule needs only each run's neighbours). ``None`` when some character needs the
    per-cluster path (marks that compose, characters that vanish or expand)."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    kinds = _kind[codes]
    unknown = kinds == _UNKNOWN
    if unknown.any():
        _learn(np.unique(codes[unknown]))
        kinds = _kind[codes]
    if (kinds == _OTHER).any():
        return None
    mapped = _folded_code[codes]
    white = kinds == _WHITE
    n = len(codes)
    if not white.any():
        starts = np.arange(n)
        return NormalizedText(mapped.tobytes().decode("utf-32-le", "surrogatepass"),
                              starts, starts + 1)
    edges = np.diff(np.concatenate(([0], white.view(np.int8), [0])))
    run_starts, run_ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    # a run keeps one space only between two characters that absorb none, never at either end
    inner = (run_starts > 0) & (run_ends < n)
    run_starts, run_ends = run_starts[inner], run_ends[inner]
    narrow = ~_absorbs_code[mapped[run_starts - 1]] & ~_absorbs_code[mapped[run_ends]]
    run_starts, run_ends = run_starts[narrow], run_ends[narrow]
    keep = ~white
    keep[run_starts] = True
    starts = np.flatnonzero(keep)
    ends = starts + 1
    ends[np.searchsorted(starts, run_starts)] = run_ends
    return NormalizedText(mapped[keep].tobytes().decode("utf-32-le", "surrogatepass"),
                          starts, ends)


SHORT_TEXT = 64
"""Texts up to this long (code points), queries and their words, are first tried with one
``str.translate``: when every character folds to exactly one character on its own, that is
the whole answer, without the dozen array operations of the vectorized path (about 40 µs
for a query word, several per search); when the others are only white space, the runs are
settled in a short loop (:func:`_normalize_short`)."""


def _normalize_short(text: str, quick: str) -> NormalizedText | None:
    """:func:`_normalize_vectorized` for a short ``text`` (up to :data:`SHORT_TEXT` code
    points) given its ``str.translate`` by the one-to-one table (``quick``): the same rule
    for white space runs, walked in Python. A title such as 第一章 总则 or a query of two
    words took 75 µs in the array operations and takes about 10 here; a results page
    normalizes ten or so (its hits' titles, the query and its clauses). ``None`` when some
    character is neither one-to-one nor white space."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    n = len(text)
    i = 0
    while i < n:
        ch = quick[i]
        if ch != _SPECIAL:
            pieces.append(ch)
            starts.append(i)
            ends.append(i + 1)
            i += 1
            continue
        j = i
        while j < n and quick[j] == _SPECIAL:
            code = ord(text[j])
            if _kind[code] == _UNKNOWN:
                _learn(np.asarray([code]))
            if _kind[code] != _WHITE:
                return None
            j += 1
        # a run keeps one space only between two characters that absorb none, never at either end
        if pieces and j < n and not absorbs_space(pieces[-1]) and not absorbs_space(quick[j]):
            pieces.append(" ")
            starts.append(i)
            ends.append(j)
        i = j
    return NormalizedText("".join(pieces), tuple(starts), tuple(ends))


_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef\u180b-\u180d\u180f]+")
"""Variation selectors (standardized, ideographic and Mongolian): dropped from the normalized
text (:func:`_dropped`), yet part of the character before them (a grapheme cluster's Extend,
Unicode UAX #29)."""


@lru_cache(maxsize=8)
def normalize(text: str) -> NormalizedText:
    """Normalize ``text`` for matching; see the module docstring for the rules.

    A variation selector belongs to the character before it: that character's slice of the
    original ends after its selectors, so a highlight or a concordance row never parts
    ``葛`` from the U+E0100 that picks its glyph (new-user trial: ``<mark>葛</mark>`` and a
    right context that began with the selector).

    Most characters fold to exactly one character on their own. A short text made only of
    those is one ``str.translate``; a longer one, or one with white space, is normalized with
    numpy over its code points (table lookups, one pass for the white space runs). Otherwise
    one ``str.translate`` pass (C speed) does most of the work, the runs between the rest
    (white space, marks that compose with the character before them, characters that vanish
    or expand) are copied in bulk, and only those others go through the per-cluster path.
    Each distinct character is folded once per process. The last few results are cached: the
    indexer analyzes each section text several times (word and character fields, columns).

    Args:
        text: any ``str`` (lone surrogates included: they pass through unchanged).
    Returns:
        a :class:`NormalizedText` whose ``text`` is what the index and the oracle compare.
    """
    norm = _normalize(text)
    return norm if _SELECTORS.search(text) is None else _with_selectors(text, norm)


def _with_selectors(text: str, norm: NormalizedText) -> NormalizedText:
    """``norm`` with each character's end moved past the variation selectors after it."""
    ends = list(norm.ends)
    for m in _SELECTORS.finditer(text):
        # the characters that end where the selectors begin (one, or an expansion's several)
        k = bisect_left(ends, m.start())
        while k < len(ends) and ends[k] == m.start():
            ends[k] = m.end()
            k += 1
    return NormalizedText(norm.text, norm._starts, ends)


def _normalize(text: str) -> NormalizedText:
    if len(text) <= SHORT_TEXT:
        quick = text.translate(_one_to_one)
        if _SPECIAL not in quick:  # every character folds to one, none is white space
            return NormalizedText(quick, range(len(text)), range(1, len(text) + 1))
        short = _normalize_short(text, quick)
        if short is not None:
            return short
    fast = _normalize_vectorized(text)
    if fast is not None:
        return fast
    quick = text.translate(_one_to_one)
    n = len(text)
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    last = ""  # the last character written
    pending = -1  # start of a run of white space not yet written (-1: none)
    pending_end = 0
    pos = 0
    run = [0, 0, 0]  # see _composes_at
    while pos < n:
        special = quick.find(_SPECIAL, pos)
        if special < 0:
            special = n
        # a mark that composes with the character before it makes that character the start
        # of a cluster, so the bulk copy stops one short
        cluster = special
        if pos < special < n and _composes_at(text, special, run):
            cluster = special - 1
        if cluster > pos:
            if pending >= 0:
                _space(pieces, starts, ends, last, pending, pending_end, quick[pos])
                pending = -1
            pieces.append(quick[pos:cluster])
            starts.extend(range(pos, cluster))
            ends.extend(range(pos + 1, cluster + 1))
            last = quick[cluster - 1]
        if cluster >= n:
            break
        end = cluster + 1
        while end < n and _composes_at(text, end, run):
            end += 1
        if end == cluster + 1:
            folded = _entry(text[cluster])[0]
        else:  # what vanishes goes first, so that nothing stands between a mark and its base
            kept = "".join(c for c in text[cluster:end] if any(_entry(c)[:2]))
            folded = "".join(c for c in _fold(kept) if not _dropped(c))
        for ch in folded:
            if ch.isspace():
                if pending < 0:
                    pending = cluster
                pending_end = end
                continue
            if pending >= 0:
                _space(pieces, starts, ends, last, pending, pending_end, ch)
                pending = -1
            pieces.append(ch)
            starts.append(cluster)
            ends.append(end)
            last = ch
        pos = end
    return NormalizedText("".join(pieces), tuple(starts), tuple(ends))


def _space(pieces, starts, ends, last: str, start: int, end: int, following: str) -> None:
    """Write the white space run ``text[start:end]`` between ``last`` and ``following``: one
    space between two characters that absorb none (:func:`absorbs_space`); nothing at the
    start or next to a wide (CJK) character or a punctuation mark."""
    if last and not absorbs_space(last) and not absorbs_space(following):
        pieces.append(" ")
        starts.append(start)
        ends.append(end)


def normalized(text: str) -> str:
    """Shorthand for ``normalize(text).text``."""
    return normalize(text).text


VARIANT_CONVERSIONS = ("t2s", "s2tw")
"""OpenCC configurations whose phrase-level conversions give a query's other spellings:
Traditional → Simplified, and Simplified → Traditional with Taiwan's variant characters
(OpenCC's ``*.json`` configurations, opencc/opencc ``data/config``). Not ``s2twp``: its
Taiwan vocabulary (信息 → 資訊, 窗口 → 視窗) is other words, not other spellings, and a
search for 信息 that counted 资讯 would miscount (so is Hong Kong's ``s2hk``, which gave
nothing ``s2t`` does not on the breaker's words)."""
MAX_SPLIT_CHARS = 32
"""A text up to this long (characters) is also converted cut in two at each place (see
:func:`spelling_variants`); a longer one only whole."""
MAX_VARIANTS = 4
"""A text has at most this many spelling variants (the whole text's conversions first)."""
_converters: dict = {}


def _converter(config: str):
    converter = _converters.get(config)
    if converter is None:
        import opencc

        converter = _converters[config] = opencc.OpenCC(config)
    return converter


def _written_back(variant: str, parts: tuple[str, ...], base: str) -> bool:
    """Whether ``s2tw`` writes ``variant``, cut as ``parts`` are, back as the text whose
    normalized form is ``base`` (瞭解 from 了解): the text was the Traditional spelling."""
    convert, pieces, at = _converter("s2tw").convert, [], 0
    for part in parts:
        pieces.append(convert(variant[at:at + len(part)]))
        at += len(part)
    return normalized("".join(pieces)) == base


@lru_cache(maxsize=8192)  # a results page's clauses come back on every page and hit
def spelling_variants(text: str) -> tuple[str, ...]:
    """The normalized spellings of ``text`` in the other standards of written Chinese that
    differ from ``normalized(text)``: ``text`` converted by each of
    :data:`VARIANT_CONVERSIONS`, then normalized; ``()`` for most text.

    :func:`normalize` folds Traditional to Simplified one character at a time, which cannot
    tell 瞭 in 瞭解 (了解) from 瞭 in 瞭望: a search for 了解 missed 瞭解, 凭借 missed 憑藉, 計畫
    missed 计划 (breaker). OpenCC's phrase tables can: ``s2tw`` writes 了解 as 瞭解, which
    normalizes to itself, as the text's 瞭解 does; ``t2s`` writes 計畫 as 计划. A query clause
    matches any of its variants (:mod:`indexer.query`). Only the query is converted: OpenCC's
    phrase rules on a text change what its substrings are (``t2s`` turns 破坏土地 into 破坯土地,
    which no longer holds 破坏), so the index keeps the character-by-character fold; a Taiwan
    text's 計畫 is therefore found by 計畫 or 计画, not by 计划, which OpenCC writes 計劃."""
    base = normalized(text)
    if not any(is_wide(ch) and ch.isalpha() for ch in base):  # no Han character: nothing to do
        return ()
    # OpenCC reads a C string: a NUL would end the text there; other controls are no words
    text = "".join(ch for ch in text if not _dropped(ch))
    # t2s reads its input as Traditional: given Simplified, its phrase rules turn the surname
    # 沈 of 沈醉 into 沉 (沉醉, drunk); its variants count only for a text that is Traditional
    # by a character, or that is what s2tw writes for the variant (瞭解 for 了解) (breaker)
    traditional = any(ch >= "\u3400" and ch in _fold_table() for ch in text)
    out: list[str] = []
    for config in VARIANT_CONVERSIONS:
        convert = _converter(config).convert
        pieces = [(text,)]
        if len(text) <= MAX_SPLIT_CHARS and "\n" not in text:
            # OpenCC cuts a text by longest match, and a neighbour can take a word's first
            # character (充分了解 stays as it is, 了解 alone becomes 瞭解): each cut of the
            # text in two is converted too
            pieces += [(text[:i], text[i:]) for i in range(1, len(text))]
        flat = [p for parts in pieces for p in parts] + list(text)  # and each character alone
        # one call for all: no phrase spans a line break (a text holding one is not cut)
        converted = convert("\n".join(flat)).split("\n")
        if len(converted) != len(flat):  # OpenCC changed the line breaks: convert one by one
            converted = [convert(p) for p in flat]
        by_character = converted[len(flat) - len(text):]
        at = 0
        for parts in pieces:
            phrased = "".join(converted[at:at + len(parts)])
            at += len(parts)
            if len(phrased) != len(text) or any(len(c) != 1 for c in by_character):
                continue  # a conversion that changes the length cannot be lined up
            # only what the phrase tables change: what each character becomes alone is not
            # another spelling of the word (着 alone is 著, as in 著作; 幺 alone is 么, as in
            # 什么), and taken as one it found 著作权 for 着 and 什么 for 幺 (breaker)
            variant = normalized("".join(p if p != c else t for t, p, c
                                         in zip(text, phrased, by_character)))
            if config == "t2s" and not traditional and not _written_back(variant, parts, base):
                continue
            if variant and variant != base and variant not in out:
                out.append(variant)
    return tuple(out[:MAX_VARIANTS])


def pack_offsets(norm: NormalizedText) -> bytes:
    """``norm``'s map back to the original, packed sparsely for an index column: where
    ``starts[i] - i`` changes (white space dropped or folded, marks composed) and where
    ``ends[i] - starts[i]`` is not 1 (a run of white space kept as one space, a composed
    cluster). Ordinary text has one of those per paragraph break or so: a cn-laws section's
    map takes about 240 bytes instead of eight per character.

    Args:
        norm: what :func:`normalize` returned (not a :class:`PackedNormalizedText`).

    Returns:
        little-endian ``int32`` values: the number ``k`` of changes, their ``k`` positions and
        ``k`` new shifts, then the positions and extra lengths of the wide characters (bytes).
    """
    n = len(norm.text)
    starts = np.asarray(norm._starts, np.int64).reshape(n)
    widths = np.asarray(norm._ends, np.int64).reshape(n) - starts - 1
    shift = starts - np.arange(n)
    jumps = np.flatnonzero(np.diff(shift, prepend=0))
    wide = np.flatnonzero(widths)
    return np.concatenate(([jumps.size], jumps, shift[jumps], wide, widths[wide])) \
        .astype("<i4").tobytes()


class PackedNormalizedText(NormalizedText):
    """A :class:`NormalizedText` read back from :func:`pack_offsets`'s sparse map: offsets
    are worked out per :meth:`span` by bisection over the few places where the map is not
    the identity, rather than unpacked into two arrays the length of the text first (a
    snippet maps a handful of matches)."""

    __slots__ = ("_jumps", "_shifts", "_wide")

    def __init__(self, text: str, jumps: list[int], shifts: list[int], wide: dict[int, int]):
        super().__init__(text, None, None)
        self._jumps = jumps
        self._shifts = shifts
        self._wide = wide

    def _start(self, i: int) -> int:
        k = bisect_right(self._jumps, i) - 1
        return i + self._shifts[k] if k >= 0 else i

    def _end(self, i: int) -> int:
        return self._start(i) + 1 + self._wide.get(i, 0)

    @property
    def starts(self) -> tuple[int, ...]:
        return tuple(self._start(i) for i in range(len(self.text)))

    @property
    def ends(self) -> tuple[int, ...]:
        return tuple(self._end(i) for i in range(len(self.text)))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """As :meth:`NormalizedText.span`."""
        if not 0 <= start < end <= len(self.text):
            raise IndexError(f"bad normalized span {start}:{end} of {len(self.text)}")
        return self._start(start), self._end(end - 1)

    def spans(self, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`NormalizedText.spans`: one bisection over the changes for all slices."""
        last = ends - 1
        first_char, last_char = starts, last
        if self._jumps:
            shifts = np.asarray(self._shifts, np.int64)
            k = np.searchsorted(np.asarray(self._jumps, np.int64), [starts, last], side="right") - 1
            shift = np.where(k >= 0, shifts[np.maximum(k, 0)], 0)
            first_char, last_char = starts + shift[0], last + shift[1]
        extra = np.zeros(last.size, np.int64)  # more original characters behind the last
        if self._wide:
            wide = np.fromiter(self._wide, np.int64, len(self._wide))
            order = np.argsort(wide)
            wide, widths = wide[order], np.fromiter(self._wide.values(), np.int64)[order]
            k = np.minimum(np.searchsorted(wide, last), wide.size - 1)
            extra = np.where(wide[k] == last, widths[k], 0)
        return first_char, last_char + 1 + extra

    def slices(self, at: list[int], length: int) -> tuple[list[int], list[int]]:
        """As :meth:`NormalizedText.slices`; where the map is the identity (most texts: no
        character was dropped, expanded or merged), the offsets are the positions."""
        jumps, shifts, wide = self._jumps, self._shifts, self._wide
        if not jumps and not wide:
            return list(at), [i + length for i in at]
        # _start and _end written out: two method calls a match were most of the cost
        starts, ends = [], []
        for i in at:
            k = bisect_right(jumps, i) - 1
            starts.append(i + shifts[k] if k >= 0 else i)
            j = i + length - 1
            k = bisect_right(jumps, j) - 1
            ends.append((j + shifts[k] if k >= 0 else j) + 1 + wide.get(j, 0))
        return starts, ends


def unpack_offsets(text: str, packed: bytes) -> PackedNormalizedText:
    """The :class:`NormalizedText` that :func:`pack_offsets` packed, given its ``text``
    (the normalized string, as the ``norm_text`` column holds it): equal to ``normalize`` of
    the original, without the original.

    Raises:
        ValueError: ``packed`` is not a map of a text of ``len(text)`` characters.
    """
    values = np.frombuffer(packed, "<i4").tolist()
    n = len(text)
    k = values[0] if values else -1
    rest = values[1 + 2 * k:]
    if k < 0 or len(values) < 1 + 2 * k or len(rest) % 2:
        raise ValueError("not a packed offset map")
    jumps, shifts = values[1:1 + k], values[1 + k:1 + 2 * k]
    wide = dict(zip(rest[:len(rest) // 2], rest[len(rest) // 2:]))
    if any(not 0 <= j < n for j in (*jumps[:1], *jumps[-1:], *wide)) or jumps != sorted(jumps):
        raise ValueError(f"offset map does not fit a text of {n} characters")
    return PackedNormalizedText(text, jumps, shifts, wide)
