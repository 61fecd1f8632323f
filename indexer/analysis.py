"""Analysis: text → tokens, for the index and for queries alike.

Two Whoosh tokenizers, both working on :func:`indexer.normalize.normalize`'s output and both
keeping the Token contract of Whoosh (``whoosh/analysis/acore.py``, ``docs/source/analysis.rst``):
``pos`` is an ordinal that rises by one per token, ``startchar``/``endchar`` are code-point
offsets into the *original* text (so ``normalized(text[startchar:endchar]) == token.text``),
``start_pos``/``start_char`` are honoured.

* :class:`WordTokenizer` — word segmentation with jieba for Han runs (no HMM, so a string is cut
  the same way wherever it stands), one token per run of other letters/digits, punctuation and
  space skipped. Feeds the ``body``/``heading`` fields that BM25F ranks on.
* :class:`CharTokenizer` — one token per normalized character, punctuation included, and one
  ``" "`` token per significant space. Feeds the ``chars``/``heading_chars`` fields (no
  positions): a one-character query clause is a term query there.
* :class:`BigramTokenizer` — every two consecutive normalized characters (overlapping, one per
  position). Feeds the ``grams``/``heading_grams`` fields (no positions): a clause of two
  characters is a term there; a longer one's candidates are the sections holding all of its
  bigrams, verified against the normalized text (:mod:`indexer.matching`), so jieba's word
  boundaries can never hide a match (``案`` inside ``积案``, ``武装警察`` inside
  ``中国人民武装警察部队``). Bigram posting lists are far shorter than those of single
  characters, which is what makes the candidates few on large collections; this is the CJK
  bigram indexing of Lucene's ``CJKBigramFilter``.

Why not jieba's bundled ``ChineseAnalyzer`` (``jieba/analyse/analyzer.py``): its ``pos`` is a char
offset with overlapping search-mode tokens (phrases never match), it drops digits and single
Latin letters, stems English and removes stop words such as ``it``.
"""

from __future__ import annotations

import array
import contextlib
import functools
import hashlib
import importlib
import logging
import os
import re
import struct
import sys
import tempfile
import threading
import time
from bisect import bisect_left
from collections.abc import Mapping

from whoosh.analysis import Token, Tokenizer

from .normalize import NORMALIZATION_VERSION, normalize

ANALYZER_VERSION = 79
"""Bump on any change to tokenization, to the schema, to the codec or to how documents are read
or cut into sections (5: long sections cut into parts; 6: headings joined by ¦; 7: bigrams
without positions, normalized text columns; 8: packed posting blocks; 9: Markdown comments
removed; 10: offset maps of the normalized text; 11: section text in a column of its own;
12: suffix arrays; 13: word fields of class ``indexer.schema.WordField``, which code before it
cannot unpickle, so it rebuilds such an index instead of failing to open it; 14: part and
chapter heading lines of plain text start sections; 15: legacy encodings also judged by
dictionary words, UTF-16 without a byte-order mark read, so files refused before are read;
16: a part heading line is never joined to the line or paragraph after it; 17: a numbered
section's title ends at its first line break; 18: a Markdown section under a top heading of
its own is in that heading's article; 19: a numbered heading line is never joined to the next
line; 20: two dated paragraphs are never joined, and a DOCX's tables, content controls and
tracked insertions are read where they stand; 21: a DOCX's footnotes and endnotes are read; 22: Kangxi radicals written as ideographs; 23: Markdown links and tables as their text; 24: a PDF's digit lines are page numbers only where they count the pages; 25: line-end hyphens kept outside PDFs, Markdown headings never continued; 26: HTML headings' inline tags join words, DOCX phonetic guides' readings dropped; 27: a Chinese page declared in a single-byte charset read as Chinese; 28: a UTF-8 file with a few damaged characters read; 29: a DOCX's deleted note references and malformed notes part; 30: PDF page-number ties, short UTF-8 files cut short; 31: Markdown badges, code spans, reference links, table edges; 32: a Markdown table's rows never joined by line repair; 33: Markdown reference links only for defined labels; 34: a stray byte in a short UTF-8 file; 35: Markdown backslash escapes; 36: radical look-alikes outside the Kangxi block written as ideographs; 37: Markdown inline HTML, entities and single emphasis markers; 38: BOM-less UTF-16 with a few damaged code units read; 39: a CJK line short of its paragraph's margin not joined, PDF page counters and glyphs; 40: Markdown emphasis by CommonMark's flanking rules, autolinks, escaped tags, defined entities only; 41: Markdown front matter, quotes, callouts, footnote marks, wiki links, code spans' backticks; 42: PDF sub/superscripts and address hyphens; 43: parts numbered 壹、 貳、; 44: front matter kept, undefined footnote marks kept, page counters of the page count only; 45: Markdown indented code read as written; 46: HTML navigation dropped; 47: a Markdown comment line leaves no empty paragraph; 48: a numbered heading line starts a paragraph in text without blank lines, a text's title is its first short line; 49: HTML role=navigation by its first token in any case, a dropped block parts the text around it; 50: Markdown fenced code never joined by line repair; 51: Markdown fences closed as CommonMark closes them; 52: a heading line starts a paragraph only after a sentence's end, a first line with more under it is a title only if it reads as one; 53: a PDF without text is a failure, not an empty file; 54: an HTML <br> is a line break; 55: an HTML page's site banner and footer dropped; 56: HTML sidebars dropped, a banner's title kept unless the text has an <h1>, big5 read as Big5-HKSCS; 57: a banner stays when it holds a heading that is not a link, a declared charset is read strictly; 58: a site banner is kept, its headings read as lines when the text has an <h1> or they are links, gb2312 read as GBK; 59: Traditional text in GBK read; 60: 第…編/節/卷/回 heading lines; 61: a variation selector mapped with the character before it; 62: a byline without an article title opens the document's own section, not an intro; 63: an empty .docx or .pdf is empty, a stray <![ in HTML is text; 64: 第…節/編/卷/回 headings need a space after them, a comma makes a line prose, a titled byline titles its section; 65: a section's breadcrumb and title fields hold the headings between its article and itself; 66: a line of zero-width characters only is a blank line; 67: section ids keyed by their titles, not their place; 68: lines of marks and soft hyphens blank too, code blocks' lines kept; 69: plain text's part headings nest, 编 › 章 › 节; 70: a Markdown link's target is no part of a line's length in page-break repair; 71: a Markdown <!-- opens a comment only as CommonMark reads one, U+2028/U+2029/NEL/VT/FF end lines, a part heading under a text's first line starts a section and is no title; 72: HTML and DOCX text that reads as Markdown is text, a <pre>'s line breaks kept; 73: a plain text's table of contents is text of its section; 74: the table ends where its first entry's part begins, a part heading under another heads a part, a headline is a title unless a space sets off its number, HTML and DOCX keep a backslash before #, a Markdown comment closes only within its paragraph up to a heading or fence, and not in a list item's indented line; link targets with parentheses, <…> or single-quoted titles; 75: a table of contents ends at the heading repeating its first entry, and is none without such a heading, a heading under another as before, 第一章总则 no title, thematic breaks no list items; 76: a table also ends where its first entry's number comes again, every 目录 of a text read, more page-number styles, a 节 under its 章 heads a part, 第三编辑部… a title; 77: 分编 heads a part between 编 and 章; 78: a section that is only its heading is marked ``bodyless``; 79: each section stores its document's script, ``lang``);
an index built
with another version is rebuilt."""

_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002fa1f]+")

_jieba_lock = threading.Lock()
_jieba_tokenizers: dict[tuple[str, ...], object] = {}
_cache_dir: list[str] = []


_import_lock = threading.Lock()


def import_jieba():
    """The ``jieba`` module, imported without ``pkg_resources`` when nothing imported it yet.

    jieba 0.42's ``jieba/_compat.py`` imports ``pkg_resources`` only to open its own data
    files, and opens them with ``open()`` beside its ``__file__`` when that import fails. The
    import cost 120 of jieba's 150 ms here (setuptools 65), an eighth of the service's start
    to first answer on cn-laws; so during jieba's import ``sys.modules["pkg_resources"]`` is
    ``None``, which makes ``import pkg_resources`` raise ImportError (the import system's
    documented meaning of ``None`` there), and the entry is removed afterwards, so that
    anything else imports ``pkg_resources`` as usual (another thread importing it during
    those ~20 ms would fail: nothing in the service imports it). When it was imported
    already, jieba uses it. jieba's fallback joins its files to ``os.getcwd()``: its
    dictionary is opened by :func:`open_default_dictionary` instead. Returns the module;
    raises ImportError as ``import jieba`` does.
    """
    if "jieba" not in sys.modules:
        with _import_lock:
            absent = "pkg_resources" not in sys.modules
            if absent:
                sys.modules["pkg_resources"] = None
            try:
                importlib.import_module("jieba")  # runs jieba's module code
            finally:
                if absent and "pkg_resources" in sys.modules \
                        and sys.modules["pkg_resources"] is None:
                    del sys.modules["pkg_resources"]
    # an import statement, not sys.modules: it waits while another thread is still running
    # jieba's module code, where the entry would give a half-initialised module
    import jieba

    return jieba


def set_cache_dir(path: str | os.PathLike) -> None:
    """Keep the cache of jieba's prefix dictionary (:data:`DICTIONARY_CACHE`, about 9 MB, written
    on first load) in ``path`` instead of the system's temporary folder, so that indexing and
    serving write only inside the index folder. Takes effect for tokenizers loaded later."""
    _cache_dir[:] = [str(path)]


DICTIONARY_CACHE = "jieba-dictionary.cache"
"""File name of the cached prefix dictionary (in the index folder, see :func:`set_cache_dir`).
Not jieba's ``jieba.cache`` (a marshalled dict, which marshal would unpack however it was
made): ours is checksummed and parsed by :func:`_read_dictionary_cache`."""
MAX_DICTIONARY_CACHE_BYTES = 64 * 1024 * 1024
"""Largest cache file read (bytes); jieba's default dictionary caches to about 9 MB."""
_CACHE_MAGIC = b"zhsearch jieba prefix dictionary 3\n"  # 3: words sorted
_CACHE_COUNTS = struct.Struct("<qq")  # the total, the number of entries
STALE_TEMPORARY_S = 3600
"""A temporary cache file this old (seconds) was left by a killed writer and is removed."""


class PrefixDictionary(Mapping):
    """jieba's prefix dictionary (``Tokenizer.FREQ``: each word's count, and 0 for each prefix
    of a word that is no word itself) as two parallel sequences in code point order, looked up
    by binary search, with words added later (jieba's ``add_word``) in a dict of their own.
    Equal to the dict of the same entries.

    Why: a dict of jieba's 498,113 entries (and their counts as int objects) takes 0.3 s to
    build, a sixth of a service's start to first answer on cn-laws, and 8 MB more memory:
    loading jieba's dictionary takes 0.10 s instead of 0.32 (both with the file read and its
    checksum; fresh processes, interleaved). A lookup costs about 1 µs instead of 0.05: a
    query's cut takes 50 µs instead of 25 (cn-laws mix), which no search feels, but whole
    documents cut at 17 µs a Han character instead of 6.5. So a tokenizer starts with this and
    is given a dict once it has cut :data:`LEAN_CUT_CHARS` characters (indexing;
    :func:`complete_dictionary`); a service that only searches keeps it for thousands of
    distinct queries.

    Args:
        words: every entry, sorted, no duplicates (``list[str]``).
        counts: their counts, in the same order (a sequence of ``int``, e.g. ``array('q')``).
    """

    __slots__ = ("words", "counts", "added", "cut_chars")

    def __init__(self, words: list[str], counts):
        self.words, self.counts = words, counts
        self.added: dict[str, int] = {}
        self.cut_chars = 0  # characters cut through this dictionary (:func:`_cutter`)

    def _at(self, word) -> int:
        """The position of ``word`` in :attr:`words`, or -1."""
        try:
            i = bisect_left(self.words, word)
        except TypeError:  # not a str: in no dictionary
            return -1
        return i if i < len(self.words) and self.words[i] == word else -1

    def __contains__(self, word) -> bool:
        return word in self.added or self._at(word) >= 0

    def __getitem__(self, word) -> int:
        if word in self.added:
            return self.added[word]
        i = self._at(word)
        if i < 0:
            raise KeyError(word)
        return self.counts[i]

    def get(self, word, default=None):
        if word in self.added:
            return self.added[word]
        i = self._at(word)
        return default if i < 0 else self.counts[i]

    def __setitem__(self, word: str, count: int) -> None:
        self.added[word] = count

    def __iter__(self):
        yield from (w for w in self.words if w not in self.added)
        yield from self.added

    def __len__(self) -> int:
        return len(self.words) + sum(1 for w in self.added if self._at(w) < 0)

    def to_dict(self) -> dict[str, int]:
        """The same entries as a dict."""
        freq = dict(zip(self.words, self.counts))
        freq.update(self.added)
        return freq


LEAN_CUT_CHARS = 30_000
"""Characters a tokenizer cuts with its :class:`PrefixDictionary` before it is given a dict
(:func:`_cutter`): by then its slower lookups have cost about as much as making the dict does
(0.3 s), so no process spends more than twice what a dict from the start would have cost it
(the rent-or-buy rule of the ski-rental problem: Karlin, Manasse, Rudolph and Sleator,
"Competitive snoopy caching", 1988). Indexing reaches it within a document or two; a
searching service's queries after thousands of distinct ones, if ever."""
_complete_lock = threading.Lock()


def complete_dictionary(tok) -> None:
    """Give jieba tokenizer ``tok`` its prefix dictionary as a dict, if it has a
    :class:`PrefixDictionary` (0.3–0.4 s for jieba's own); safe while other threads cut with
    it, as both hold the same entries."""
    lean = tok.FREQ
    if not isinstance(lean, PrefixDictionary):
        return
    with _complete_lock:
        if tok.FREQ is lean:
            tok.FREQ = lean.to_dict()


def _dictionary_cache_key() -> bytes:
    """What a cached prefix dictionary must have been built from to be used: jieba's version,
    the SHA-256 of its dictionary file, and this machine's byte order (of the counts)."""
    jieba = import_jieba()

    return (f"{getattr(jieba, '__version__', 'unknown')}|{_dictionary_digest()}|"
            f"{sys.byteorder}").encode()


def _read_dictionary_cache(path: str, key: bytes) -> tuple[Mapping[str, int], int] | None:
    """The ``(FREQ, total)`` cached in ``path`` for ``key``, or None when there is none to trust.

    The file is :data:`_CACHE_MAGIC`, the SHA-256 of ``key`` and the rest (32 bytes), the total
    and the number ``n`` of entries (:data:`_CACHE_COUNTS`), ``n`` counts (``int64``, native
    order), then the ``n`` words in UTF-8, one per line, in code point order; ``FREQ`` is a
    :class:`PrefixDictionary` over them (no dict is built). A damaged, foreign or stale file fails
    the checksum; one that passes it is still checked (every count ≥ 0, the total > 0, as many
    words as counts), since whoever can write the folder can make a valid checksum, and a
    wrong count makes every cut fail. Nothing in it is trusted to size an allocation (marshal,
    which jieba's own cache uses, allocates what five bytes declare: 4 GB for a tuple of 2**29
    items). Words out of order (made on purpose, with a valid checksum) are not looked for:
    checking costs 30 ms of every start, and such a file only cuts text differently.

    Opened non-blocking, so a FIFO at the path (put there at any moment) reads as empty instead
    of waiting forever for a writer; no more than :data:`MAX_DICTIONARY_CACHE_BYTES` is read.
    Never raises."""
    try:
        with open(path, "rb", opener=lambda p, flags: os.open(p, flags | os.O_NONBLOCK)) as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_DICTIONARY_CACHE_BYTES:
                return None
            # the size asked for is allocated up front: ask for the file's (a FIFO or device
            # says 0), plus a byte that the checksum then rejects if the file is still growing
            data = f.read(size + 1)
    except OSError:  # missing, a folder, unreadable
        return None
    if not data or not data.startswith(_CACHE_MAGIC):  # None: a FIFO with a silent writer
        return None
    view = memoryview(data)
    body = len(_CACHE_MAGIC) + 32
    digest = hashlib.sha256(key)
    digest.update(view[body:])
    if digest.digest() != data[len(_CACHE_MAGIC):body]:
        return None
    try:
        total, n = _CACHE_COUNTS.unpack_from(data, body)
        start = body + _CACHE_COUNTS.size
        counts = array.array("q")
        counts.frombytes(view[start:start + 8 * n])
        words = str(view[start + 8 * n:], "utf-8").split("\n")
    except (struct.error, ValueError):  # too short, or not UTF-8
        return None
    # a slice past the end is short, never allocated: n is checked by the lengths
    if total <= 0 or len(counts) != n or len(words) != n or min(counts) < 0:
        return None
    return PrefixDictionary(words, counts), total


def _write_dictionary_cache(path: str, key: bytes, value: tuple[dict[str, int], int]) -> None:
    """Cache ``value`` (``(FREQ, total)``) in ``path`` for ``key`` in the format
    :func:`_read_dictionary_cache` reads: written to a temporary file in the same folder, then
    renamed over ``path``, so no reader sees half a cache (as jieba writes its own); temporary
    files a killed writer left are removed first. Failure is ignored: the dictionary is in
    memory, the next start builds it again."""
    freq, total = value
    if any("\n" in word for word in freq):
        return  # one word per line: jieba's dictionary has none, but do not cache a wrong one
    words = sorted(freq)
    rest = (_CACHE_COUNTS.pack(total, len(words))
            + array.array("q", [freq[w] for w in words]).tobytes()
            + "\n".join(words).encode("utf-8"))
    folder = os.path.dirname(path) or "."
    prefix = os.path.basename(path) + "."
    try:
        for entry in os.scandir(folder):
            if (entry.name.startswith(prefix) and entry.name.endswith(".tmp")
                    and entry.stat().st_mtime < time.time() - STALE_TEMPORARY_S):
                os.unlink(entry.path)
        fd, temporary = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(_CACHE_MAGIC + hashlib.sha256(key + rest).digest())
            f.write(rest)
        os.replace(temporary, path)
    except OSError:
        pass
    finally:  # Ctrl-C too: leave no temporary file behind (once renamed, there is none)
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def _load_default_dictionary(tok) -> None:
    """Give ``tok`` (a new ``jieba.Tokenizer`` of jieba's default dictionary) its prefix
    dictionary, as ``jieba.Tokenizer.initialize`` would, but from our own cache, read in one
    piece (jieba's ``marshal.load(file)`` reads object by object through Python-level
    ``readinto`` calls, 0.8–1.5 s here, most of a service's start) into a
    :class:`PrefixDictionary` (0.10 s with the file read, a dict 0.32 s), and built as a dict
    with jieba's own ``gen_pfdict`` when the cache is missing, damaged or stale (jieba 0.42.1,
    ``jieba/__init__.py``). The cache is :data:`DICTIONARY_CACHE` in ``tok.tmp_dir`` or the
    system's temporary folder; with neither usable, nothing is cached.

    Raises:
        OSError: jieba's dictionary file cannot be read (as ``initialize`` would).
    """
    try:
        path = os.path.join(tok.tmp_dir or tempfile.gettempdir(), DICTIONARY_CACHE)
    except FileNotFoundError:  # gettempdir: no writable temporary folder at all
        path = None
    key = _dictionary_cache_key()
    loaded = None if path is None else _read_dictionary_cache(path, key)
    if loaded is None:
        loaded = tok.gen_pfdict(open_default_dictionary())
        if path is not None:
            _write_dictionary_cache(path, key, loaded)
    tok.FREQ, tok.total = loaded
    tok.initialized = True


def _jieba(user_words: tuple[str, ...] = ()):
    """This process's own ``jieba.Tokenizer`` (not jieba's global one) for a user dictionary,
    loaded once per dictionary, lazily.

    Args:
        user_words: user dictionary entries in jieba's format, ``"word [freq] [tag]"``.
    """
    tok = _jieba_tokenizers.get(user_words)
    if tok is None:
        with _jieba_lock:
            tok = _jieba_tokenizers.get(user_words)
            if tok is None:
                jieba = import_jieba()
                jieba.setLogLevel(logging.WARNING)
                tok = jieba.Tokenizer()
                if _cache_dir:
                    tok.tmp_dir = _cache_dir[0]
                _load_default_dictionary(tok)
                for entry in user_words:
                    parts = entry.split()
                    # isascii: "²".isdigit() is true but int("²") fails
                    freq = (int(parts[1]) if len(parts) > 1 and parts[1].isascii()
                            and parts[1].isdigit() else None)
                    tag = parts[-1] if len(parts) > 2 or (len(parts) == 2 and freq is None) else None
                    tok.add_word(parts[0], freq, tag)
                _jieba_tokenizers[user_words] = tok
    return tok


def _cutter(user_words: tuple[str, ...], chars: int):
    """:func:`_jieba`'s tokenizer for cutting ``chars`` characters, given a dict first when
    its :class:`PrefixDictionary` has cut :data:`LEAN_CUT_CHARS` in all."""
    tok = _jieba(user_words)
    lean = tok.FREQ
    if isinstance(lean, PrefixDictionary):
        lean.cut_chars += chars  # not exact under threads: it need not be
        if lean.cut_chars > LEAN_CUT_CHARS:
            complete_dictionary(tok)
    return tok


def word_share(text: str) -> float:
    """The share (0–1) of ``text``'s Han characters that lie inside words of two or more Han
    characters of jieba's own dictionary (its DAG cut, no HMM); 0.0 without Han characters.

    Chinese reads mostly as such words (news snippets of 10–20 characters: 0.83 median, 0.43
    at the 2nd percentile), while Korean or Japanese bytes read as GB18030 give common
    characters that form almost none (0.0–0.2 on sentences of both), so this tells a short
    Chinese file from such mojibake where charset-normalizer's measure of chaos cannot.
    Traditional characters are folded first (:func:`indexer.normalize.normalize`), as the
    dictionary's words are Simplified."""
    text = normalize(text).text
    han = sum(1 for c in text if "\u4e00" <= c <= "\u9fff")
    if not han:
        return 0.0
    inside = sum(len(w) for w in _cutter((), len(text)).cut(text, HMM=False)
                 if len(w) > 1 and all("\u4e00" <= c <= "\u9fff" for c in w))
    return inside / han


def read_user_dictionary(text: str) -> tuple[str, ...]:
    """Parse a jieba user dictionary (``word [freq] [tag]`` per line; ``#`` comments): returns
    its entries with the word normalized (jieba cuts normalized text), in file order."""
    from .normalize import normalized

    entries = []
    for line in text.splitlines():
        parts = line.split("#", 1)[0].split()
        if parts and normalized(parts[0]):
            entries.append(" ".join([normalized(parts[0]).replace(" ", ""), *parts[1:3]]))
    return tuple(entries)


def open_default_dictionary():
    """jieba's main dictionary file (``dict.txt`` beside its module), opened for reading bytes;
    what ``jieba.Tokenizer().get_dict_file()`` opens, found from ``jieba.__file__`` alone:
    imported without ``pkg_resources`` (:func:`import_jieba`), jieba joins the path to
    ``os.getcwd()``, which fails in a working folder that was deleted (breaker).

    Raises:
        OSError: the file cannot be opened.
    """
    jieba = import_jieba()
    return open(os.path.join(os.path.dirname(os.path.abspath(jieba.__file__)),
                             jieba.DEFAULT_DICT_NAME), "rb")


@functools.lru_cache(maxsize=1)
def _dictionary_digest() -> str:
    # opened without being loaded: no second of start-up here
    with open_default_dictionary() as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def analysis_signature(user_words: tuple[str, ...] = ()) -> dict:
    """What produced an index's tokens: stored with the index and compared on open.

    Returns a dict of ``analyzer``, ``normalization`` (ints), ``jieba`` (version string) and
    ``dictionary`` (hex SHA-256 of jieba's main dictionary file), ``opencc`` (version) and
    ``user_dictionary`` (hex SHA-256 of the user dictionary's entries).
    """
    import opencc

    jieba = import_jieba()

    return {
        "analyzer": ANALYZER_VERSION,
        "normalization": NORMALIZATION_VERSION,
        "opencc": getattr(opencc, "__version__", "unknown"),
        "jieba": getattr(jieba, "__version__", "unknown"),
        "dictionary": _dictionary_digest(),
        "user_dictionary": hashlib.sha256("\n".join(user_words).encode("utf-8")).hexdigest(),
    }


MAX_CACHED_RUNS = 200_000
"""Han runs whose cut is remembered per user dictionary (laws and news repeat many phrases)."""
MAX_CACHED_RUN = 24
"""Only runs this short (characters) are remembered."""
_cut_cache: dict[tuple[str, ...], dict[str, tuple[int, ...]]] = {}


def _cuts(user_words: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    cuts = _cut_cache.get(user_words)
    if cuts is None:
        cuts = _cut_cache.setdefault(user_words, {})
    return cuts


def word_spans(text: str, user_words: tuple[str, ...] = ()) -> list[tuple[int, int]]:
    """Cut normalized ``text`` into words: ``[(start, end), …]`` offsets into ``text``.

    Han runs are segmented by jieba (``cut(HMM=False)``, whose pieces cover the run end to end);
    runs of other letters and digits are one word each; everything else is skipped.
    """
    spans: list[tuple[int, int]] = []
    cuts = _cuts(user_words)
    i, n = 0, len(text)
    while i < n:
        m = _HAN_RUN.match(text, i)
        if m:
            run = m.group()
            lengths = cuts.get(run)
            if lengths is None:
                lengths = tuple(len(w) for w in _cutter(user_words, len(run)).cut(run, HMM=False))
                if len(run) <= MAX_CACHED_RUN and len(cuts) < MAX_CACHED_RUNS:
                    cuts[run] = lengths
            pos = i
            for length in lengths:
                spans.append((pos, pos + length))
                pos += length
            i = m.end()
        elif text[i].isalnum():
            j = i + 1
            while j < n and text[j].isalnum() and not _HAN_RUN.match(text, j):
                j += 1
            spans.append((i, j))
            i = j
        else:
            i += 1
    return spans


class _NormalizingTokenizer(Tokenizer):
    """Shared Token plumbing: subclasses say which normalized spans become tokens."""

    def spans(self, text: str) -> list[tuple[int, int]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __hash__(self):
        return hash(self.__class__.__name__)

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        norm = normalize(value)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for start, end in self.spans(norm.text):
            token.text = norm.text[start:end]
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = token.text
            if positions:
                token.pos = pos
            if chars:
                a, b = norm.span(start, end)
                token.startchar, token.endchar = start_char + a, start_char + b
            pos += 1
            yield token


class WordTokenizer(_NormalizingTokenizer):
    """Normalized words (jieba for Han text, with the user dictionary ``user_words``); see
    :func:`word_spans`. Pickles with its dictionary entries, not a jieba object."""

    def __init__(self, user_words: tuple[str, ...] = ()):
        self.user_words = tuple(user_words)

    def __eq__(self, other):
        return super().__eq__(other) and self.user_words == other.user_words

    def __hash__(self):
        return hash((self.__class__.__name__, self.user_words))

    def spans(self, text):
        return word_spans(text, self.user_words)


class CharTokenizer(_NormalizingTokenizer):
    """Every normalized character is a token (a significant space is the token ``" "``)."""

    def spans(self, text):
        return [(i, i + 1) for i in range(len(text))]


class BigramTokenizer(_NormalizingTokenizer):
    """Every two consecutive normalized characters, overlapping: ``"两个确立"`` → ``两个``,
    ``个确``, ``确立`` at positions 0, 1, 2 (a one-character text has none)."""

    def spans(self, text):
        return [(i, i + 2) for i in range(len(text) - 1)]


def word_analyzer(user_words: tuple[str, ...] = ()) -> WordTokenizer:
    """The analyzer of the word fields (``body``, ``heading``); no stop list, no stemming."""
    return WordTokenizer(user_words)


def char_analyzer() -> CharTokenizer:
    """The analyzer of the character fields (``chars``, ``heading_chars``)."""
    return CharTokenizer()


def gram_analyzer() -> BigramTokenizer:
    """The analyzer of the bigram fields (``grams``, ``heading_grams``)."""
    return BigramTokenizer()
