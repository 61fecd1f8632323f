"""The one text normalization applied at index time, at query time and by the test oracle.

``normalize(text)`` is a pure function ``str -> NormalizedText``. It:

1. applies Unicode NFKC per *cluster* (a character plus the marks that may compose with it),
   so full-width forms fold to ASCII (``２０２２`` → ``2022``, ``，`` → ``,``, ``Ｗｉｆｉ`` → ``Wifi``);
2. case-folds (``str.casefold``): ``iPhone`` and ``IPHONE`` are one word;
3. folds Traditional characters to Simplified, character by character, with OpenCC's ``t2s``
   table (``國際論壇`` → ``国际论坛``), and punctuation variants to one form (``“”`` → ``"``,
   ``‘’`` → ``'``, ``•・`` → ``·``; NFKC already folds ``（）`` and ``，``);
4. drops invisible format and control characters (Unicode categories Cf and Cc other than
   white space: zero-width spaces, soft hyphens, a BOM in mid-text);
5. makes white space insignificant next to wide (CJK) characters and at both ends, and folds
   every other run of white space to one ``" "``: PDF extraction put spaces around digits
   (``2022 年 1 月``), which must match a typed ``2022年1月``, while ``C++ 11`` keeps its space.

Every output character remembers which input characters produced it, so a match found in the
normalized text maps back to exact ``str`` offsets (code points) in the original, which is what
the highlighter marks. The idea of keeping a char map beside the normalized token follows
charabia's ``Token.char_map`` (meilisearch/charabia, ``charabia/src/token.rs``).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

NORMALIZATION_VERSION = 2
"""Bump on any change to :func:`normalize`: indexes built with another version are rebuilt."""


@dataclass(frozen=True)
class NormalizedText:
    """A normalized string and its map back to the original.

    Attributes:
        text: the normalized string.
        starts: ``starts[i]`` is the offset (code points) in the original of the first input
            character that produced ``text[i]``; ``len(starts) == len(text)``.
        ends: ``ends[i]`` is the offset just past the last input character that produced
            ``text[i]``.
    """

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Map the normalized slice ``[start, end)`` (``start < end``) to original offsets.

        Returns ``(start_char, end_char)``, code-point offsets into the original string.
        Raises ``IndexError`` when the slice is empty or out of range.
        """
        if not 0 <= start < end <= len(self.text):
            raise IndexError(f"bad normalized span {start}:{end} of {len(self.text)}")
        return self.starts[start], self.ends[end - 1]


def is_wide(ch: str) -> bool:
    """True for a character that East Asian text sets without spaces (Han, kana, hangul, CJK
    punctuation): Unicode East Asian Width ``W`` or ``F``."""
    return unicodedata.east_asian_width(ch) in ("W", "F")


def _joins_previous(ch: str) -> bool:
    """True for a character that NFKC may compose with the one before it: combining marks,
    the half-width katakana (semi-)voiced sound marks (which have combining class 0 but become
    U+3099/U+309A), and conjoining Hangul vowel and final jamo."""
    if unicodedata.combining(ch):
        return True
    cp = ord(ch)
    return cp in (0xFF9E, 0xFF9F) or 0x1160 <= cp <= 0x11FF or 0xD7B0 <= cp <= 0xD7FF


def _clusters(text: str):
    """Yield ``(start, end)`` of each unit that NFKC treats as a whole: a character plus the
    characters after it that may compose with it."""
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or not _joins_previous(text[i]):
            yield start, i
            start = i


PUNCTUATION_FOLDS = {
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u301d": '"', "\u301e": '"',
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'",
    "\u2022": "·", "\u30fb": "·", "\u2027": "·", "\u2219": "·", "\u22c5": "·",
}
"""Punctuation variants folded for matching (after NFKC); the text shown keeps its own."""

_HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))
_folds: dict[str, str] | None = None


def _fold_table() -> dict[str, str]:
    """Punctuation folds plus OpenCC's Traditional → Simplified table, one character to one
    (built once per process by converting every Han code point; about 5,000 differ)."""
    global _folds
    if _folds is None:
        import opencc

        han = [chr(c) for a, b in _HAN_RANGES for c in range(a, b + 1)]
        # one character per line, so OpenCC's phrase rules never join neighbours
        simplified = opencc.OpenCC("t2s").convert("\n".join(han)).split("\n")
        table = {t: s for t, s in zip(han, simplified) if len(s) == 1 and s != t}
        # fold chains (A → B → C) to their end, so normalizing twice changes nothing
        for t, s in table.items():
            while s in table and table[s] != s:
                s = table[s]
            table[t] = s
        _folds = {**table, **PUNCTUATION_FOLDS}
    return _folds


def _fold(cluster: str) -> str:
    folded = unicodedata.normalize("NFKC", cluster).casefold()
    # casefold can leave a non-NFKC string behind (e.g. "ẞ" → "ss" is fine, but some
    # expansions need recomposing); a second NFKC makes the function idempotent.
    folded = unicodedata.normalize("NFKC", folded)
    table = _fold_table()
    return "".join(table.get(ch, ch) for ch in folded)


def _dropped(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return (cat == "Cf") or (cat == "Cc" and not ch.isspace())


def normalize(text: str) -> NormalizedText:
    """Normalize ``text`` for matching; see the module docstring for the rules.

    Args:
        text: any ``str`` (lone surrogates included: they pass through unchanged).
    Returns:
        a :class:`NormalizedText` whose ``text`` is what the index and the oracle compare.
    """
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _clusters(text):
        for ch in _fold(text[start:end]):
            if _dropped(ch):
                continue
            chars.append(ch)
            starts.append(start)
            ends.append(end)

    out_chars: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    i, n = 0, len(chars)
    while i < n:
        if not chars[i].isspace():
            out_chars.append(chars[i])
            out_starts.append(starts[i])
            out_ends.append(ends[i])
            i += 1
            continue
        j = i
        while j < n and chars[j].isspace():
            j += 1
        # Keep one space only between two narrow characters; drop it at the ends and
        # next to a wide (CJK) character.
        if out_chars and j < n and not is_wide(out_chars[-1]) and not is_wide(chars[j]):
            out_chars.append(" ")
            out_starts.append(starts[i])
            out_ends.append(ends[j - 1])
        i = j
    return NormalizedText("".join(out_chars), tuple(out_starts), tuple(out_ends))


def normalized(text: str) -> str:
    """Shorthand for ``normalize(text).text``."""
    return normalize(text).text
