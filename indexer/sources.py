"""Find the source files under a seeds folder and decode them.

``scan(root)`` walks a folder and returns :class:`SourceFile` records (relative path, raw bytes,
SHA-256); ``decode(source)`` turns the bytes into ``str`` or raises :class:`DocumentError`.
Nothing here knows about documents' structure or the index.

Given the stat keys and hashes of an earlier scan, ``scan`` skips reading and hashing files whose
key (size, mtime, ctime, inode) is unchanged, as git's index does ("racy git": a file modified
in the same clock tick as the earlier scan is read again; see git's
Documentation/technical/racy-git.txt). Their ``data`` is then None until :func:`load`.
"""

from __future__ import annotations

import codecs
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from .failures import english

SOURCE_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".docx", ".pdf")
"""File name endings read as documents (compared case-insensitively); see indexer/formats.py."""

USER_DICTIONARY = "userdict.txt"
SYNONYMS = "synonyms.txt"
"""Configuration files at the top of the seeds folder: read by the indexer, never documents."""

MAX_FILE_BYTES = 64 * 1024 * 1024
"""Files larger than this (bytes) are reported and skipped rather than read into memory."""


class DocumentError(Exception):
    """A source file that cannot be read or decoded; the message names the reason."""


@dataclass(frozen=True)
class SourceFile:
    """One readable file under the seeds folder.

    Attributes:
        rel_path: path relative to the seeds folder, ``/``-separated (the index key ``path``).
        data: the raw bytes; None when :func:`scan` took ``sha256`` from an earlier scan
            (:func:`load` reads them).
        sha256: hex SHA-256 of the bytes: changed content means a changed file.
        stat_key: ``[size in bytes, mtime ns, ctime ns, inode]`` when read (``[]`` for a
            file made in memory); stored so that the next scan can skip unchanged files.
    """

    rel_path: str
    data: bytes | None
    sha256: str
    stat_key: tuple[int, ...] = ()

    @property
    def size(self) -> int:
        """Size in bytes."""
        return self.stat_key[0] if self.stat_key else len(self.data or b"")


@dataclass(frozen=True)
class ScanResult:
    """What :func:`scan` found: readable files, ``(rel_path, reason)`` for the documents that
    cannot be read, and the relative paths of the files in other formats (``skipped``)."""

    files: list[SourceFile]
    failed: list[tuple[str, str]]
    skipped: list[str] = field(default_factory=list)


RACY_NS = 2_000_000_000
"""A file changed (ctime) less than this (nanoseconds) before the scan that recorded its stat
key is read again next time: a change within the same timestamp tick would not show in the key."""


@dataclass(frozen=True)
class KnownFiles:
    """What an earlier scan learnt: ``{rel_path: (stat_key, sha256)}`` and when it ran
    (``scanned_ns``, :func:`time.time_ns`)."""

    files: dict[str, tuple[tuple[int, ...], str]]
    scanned_ns: int


def _saved_page_files(folder: str, names: set[str]) -> bool:
    """Whether ``folder`` is a saved page's resources: ``X_files`` beside ``X.html`` or
    ``X.htm`` (``names``: the file names beside it, in lower case)."""
    stem = folder[:-len("_files")].lower() if folder.lower().endswith("_files") else ""
    return bool(stem) and (f"{stem}.html" in names or f"{stem}.htm" in names)


def _candidates(root: Path, skipped: list[str], exclude: str | None = None,
                failed: list[tuple[str, str]] | None = None):
    """``(path, rel_path)`` of each candidate file below ``root``, sorted: its path (a ``str``
    below ``root``'s) and its path relative to ``root`` with ``/`` between parts. Strings, not
    ``Path`` objects: three path operations per file were half of the start-up check of
    cn-laws' 3,475 files (90 of 105 ms). The relative paths of the other files (a format not
    in :data:`SOURCE_SUFFIXES`: a clerk's ``.doc`` or ``.wps``) are appended to ``skipped``;
    hidden files, office lock files, the configuration files and the folder ``exclude`` (an
    index kept inside the seeds folder) are neither. A link to a folder is not followed (it
    may loop, or lead out of the seeds folder, as a link to a file may not): it is appended
    to ``failed`` (``(path + "/", reason)``), which said nothing before (breaker)."""
    top = os.fspath(root)
    config = {os.path.join(top, USER_DICTIONARY), os.path.join(top, SYNONYMS)}
    # compared with links resolved: a seeds folder given by a link holds the index all the
    # same (its files were listed as skipped: breaker)
    exclude = None if exclude is None else os.path.realpath(exclude)
    def unreadable(exc: OSError) -> None:
        # a folder that cannot be listed was passed over as if empty, its documents removed
        # without a word (breaker): it is named, as an unreadable file is
        rel = os.fspath(exc.filename or "")[len(top):].strip(os.sep).replace(os.sep, "/")
        if failed is not None and rel:
            failed.append((display_path(rel + "/"),
                           english("unreadable", error=exc.strerror or type(exc).__name__)))

    for dirpath, dirnames, filenames in os.walk(top, followlinks=False, onerror=unreadable):
        # Hidden folders (.git, an index kept beside the seeds) are never documents, nor is
        # the folder of a page's images, scripts and ads that a browser's "save complete page"
        # writes beside it (page.html, page_files/): its ad frames were indexed as documents
        # titled 广告 (new-user trial)
        pages = {n.lower() for n in filenames}
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and (
            exclude is None or os.path.realpath(os.path.join(dirpath, d)) != exclude)
            and not _saved_page_files(d, pages))
        # os.walk joins below top: the rest is the folder's relative path (worked out from the
        # strings alone, as Path.relative_to does; os.path.relpath asks for the working folder,
        # which fails when it was deleted)
        folder = dirpath[len(top):].lstrip(os.sep)
        prefix = folder.replace(os.sep, "/") + "/" if folder else ""
        if failed is not None:
            failed.extend((display_path(prefix + d + "/"), english("linked_folder"))
                          for d in dirnames if os.path.islink(os.path.join(dirpath, d)))
        for name in sorted(filenames):
            # hidden files, and the lock files office programs leave beside an open document
            if name.startswith((".", "~$")):
                continue
            path = os.path.join(dirpath, name)
            if path in config:
                continue
            if not name.lower().endswith(SOURCE_SUFFIXES):
                skipped.append(display_path(prefix + name))
                continue
            yield path, prefix + name


def _stat_key(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _unchanged(rel: str, st: os.stat_result, known: KnownFiles) -> bool:
    """Whether the file at ``rel`` still has the stat key of the last scan, and that scan
    began :data:`RACY_NS` after its last change (every write moves ctime forward, and users
    cannot set it back, unlike mtime)."""
    old_key = known.files.get(rel, ((), ""))[0]
    return tuple(old_key) == _stat_key(st) and st.st_size <= MAX_FILE_BYTES \
        and st.st_ctime_ns < known.scanned_ns - RACY_NS


def read_source(root: Path, path: str | os.PathLike, known: KnownFiles | None = None,
                rel: str | None = None) -> SourceFile:
    """Read one file below ``root`` (or only stat it, when ``known`` says it is unchanged);
    ``rel`` is its path relative to ``root`` with ``/`` between parts, when the caller has it.

    Raises :class:`DocumentError` for a file that resolves outside ``root`` (a symlink pointing
    away), is not a regular file, is larger than :data:`MAX_FILE_BYTES`, or cannot be read.
    """
    if rel is None:
        rel = Path(path).relative_to(root).as_posix()
    try:
        rel.encode("utf-8")
    except UnicodeEncodeError:
        raise DocumentError(english("bad_name")) from None
    try:
        if known is not None:
            # an unchanged plain file (not a link) is only stat'ed: the walk never follows
            # linked folders, so it lies inside the seeds; resolving every path cost half
            # of the start-up check of cn-laws
            st = os.lstat(path)
            if stat.S_ISREG(st.st_mode) and _unchanged(rel, st, known):
                return SourceFile(rel, None, known.files[rel][1], _stat_key(st))
        real = Path(path).resolve(strict=True)
        if not real.is_relative_to(root.resolve()):
            raise DocumentError(english("outside"))
        if not real.is_file():
            raise DocumentError(english("not_a_file"))
        st = real.stat()
        size = st.st_size
        if size > MAX_FILE_BYTES:
            raise DocumentError(english("too_many_bytes", size=size, limit=MAX_FILE_BYTES))
        key = _stat_key(st)
        if known is not None and _unchanged(rel, st, known):
            return SourceFile(rel, None, known.files[rel][1], key)
        data = real.read_bytes()
    except DocumentError:
        raise
    except RuntimeError:  # resolve() on a symlink loop
        raise DocumentError(english("loop")) from None
    except OSError as exc:  # say why, but never where: the reason is shown on web pages
        raise DocumentError(english("unreadable", error=exc.strerror or exc.__class__.__name__)) \
            from None
    return SourceFile(rel, data, hashlib.sha256(data).hexdigest(), key)


def load(root: str | os.PathLike, source: SourceFile) -> SourceFile:
    """``source`` with its bytes: itself when read already, else read now (its hash then
    describes the bytes read, which differ from the scan's if the file changed since).

    Raises:
        DocumentError: as :func:`read_source` (the file may have gone since the scan).
    """
    if source.data is not None:
        return source
    root = Path(root)
    return read_source(root, root / source.rel_path)


def display_path(rel_path: str) -> str:
    """A relative path safe to print and store: undecodable bytes of a file name (kept by
    ``os.walk`` as surrogate escapes) become U+FFFD."""
    return rel_path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def scan(root: str | os.PathLike, known: KnownFiles | None = None,
         exclude: str | os.PathLike | None = None) -> ScanResult:
    """List every source file under ``root`` (see :data:`SOURCE_SUFFIXES`), recursively,
    sorted by path.

    Args:
        root: the seeds folder.
        known: an earlier scan's stat keys and hashes: files whose key is unchanged are not
            read (``data`` None, ``sha256`` from ``known``).
        exclude: a folder below ``root`` not to look in (the index, when kept there).
    Returns:
        a :class:`ScanResult`; files that cannot be read are in ``failed``, never raised.
    Raises:
        FileNotFoundError: ``root`` does not exist or is not a folder.
    """
    root = Path(root)
    if not root.exists():
        raise FileNotFoundError(f"seeds folder not found: {root}")
    if not root.is_dir():
        raise FileNotFoundError(f"seeds must be a folder, not a file: {root}")
    files, failed, skipped = [], [], []
    for path, rel in _candidates(root, skipped, None if exclude is None else os.fspath(exclude),
                                 failed):
        try:
            files.append(read_source(root, path, known, rel))
        except DocumentError as exc:
            failed.append((display_path(rel), str(exc)))
    return ScanResult(files, failed, skipped)


@dataclass(frozen=True)
class Decoded:
    """A file's text and the encoding it was read with (Python codec name, e.g. ``gb18030``)."""

    text: str
    encoding: str


_BOMS = (  # longest first: the UTF-32 LE BOM begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
CHINESE_ENCODINGS = ("gb18030", "big5")
"""Legacy encodings tried when a file is not UTF-8: GB18030 (a superset of GBK and GB2312) and
Big5."""
MIN_COMMON_SHARE = 0.85
"""A legacy decoding is accepted only if this share of its Han characters are common ones."""
_FOREIGN = re.compile("[\u1100-\u11ff\u3040-\u31ff\u3400-\u4dbf\uac00-\ud7af"
                      "\ue000-\uf8ff]")
"""Kana, bopomofo, Hangul, rare Han (Extension A) and private-use characters: few in a
Chinese file, many in bytes of another encoding read as GB18030 or Big5 (the Big5 half of a
mixed file read as GB18030 gives kana, bopomofo and private-use characters)."""
MAX_FOREIGN_SHARE = 0.02
WORD_WINDOW = 600
"""Characters of a legacy reading whose words are counted, at its start, middle and end
(:func:`_word_shares`): enough to judge, and a 10 MB file costs no more than a short one."""
MIN_WINDOW_HAN = 2
MIN_WINDOW_WORD_SHARE = 0.3
"""Every window of a legacy reading holding :data:`MIN_WINDOW_HAN` Han characters or more must
have this share of them in dictionary words, however clean charset-normalizer finds it: Korean
in EUC-KR and Japanese in EUC-JP read as common Han characters, cleanly, and form none (about
all 5–8-character Korean snippets and one 40-character Japanese snippet in eleven: breaker)."""
MIN_WORD_SHARE = 0.4
"""A legacy decoding that charset-normalizer finds less clean than another encoding's reading
is still accepted when this share of its Han characters form dictionary words
(:func:`indexer.analysis.word_share`): short files read cleaner as cp949 or UTF-16 about one
time in twelve (breaker), while Korean and Japanese mojibake scores 0.0–0.2."""


def _han_count(text: str) -> int:
    """How many characters of ``text`` are in the CJK Unified Ideographs block (U+4E00–U+9FFF),
    the Han characters the checks below count."""
    return sum(1 for c in text if "\u4e00" <= c <= "\u9fff")


def _is_common(c: str, table: str, low: int, high: int) -> bool:
    try:
        return low <= c.encode(table)[0] <= high
    except UnicodeEncodeError:
        return False


def _common_share(text: str, encoding: str) -> float | None:
    """Share of Han characters that are in the encoding's common set; None when the text has
    no Han character. For Big5: Big5's 常用字 (lead bytes A4–C6). For GB18030: GB2312's level
    1 (lead bytes B0–D7), or Big5's 常用字, as GBK holds the Traditional characters too: a
    Traditional text saved as GBK was refused, its characters "rare" (new-user trial).

    Mojibake (bytes of one encoding read as another) yields mostly rare characters, so this
    separates a right guess from a wrong one even on a few bytes.
    """
    han = [c for c in text if "\u4e00" <= c <= "\u9fff"]
    if not han:
        return None
    if encoding == "gb18030":
        common = sum(1 for c in han if _is_common(c, "gb2312", 0xB0, 0xD7)
                     or _is_common(c, "big5", 0xA4, 0xC6))
    else:
        common = sum(1 for c in han if _is_common(c, "big5", 0xA4, 0xC6))
    return common / len(han)


_LINE_BREAKS = str.maketrans({"\u2028": "\n", "\u2029": "\n\n", "\x85": "\n", "\x0b": "\n",
                              "\x0c": "\n"})
"""The other characters that end a line (Unicode's line and paragraph separators, NEL, the
vertical tab, a form feed between pages), as ``str.splitlines`` and editors read them: each
stood inside one line, so a law whose chapters they parted was one section titled with all
of it (breaker)."""


def _clean(text: str) -> str:
    if "\x00" in text:
        raise DocumentError(english("nul_characters"))
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").translate(_LINE_BREAKS)


_UNLIKELY = re.compile("[^\t\n\f\r\x20-\x7e\u00b7\u2010-\u206f\u3000-\u303f"
                       "\u4e00-\u9fff\uff00-\uffef]")
"""Characters other than Han, ASCII and Chinese punctuation: in bytes of another kind read as
UTF-16 (or the right bytes in the wrong byte order) most characters are such."""
MAX_UNLIKELY_SHARE = 0.02
MIN_UTF16_HAN = 8
"""Han characters a file read as UTF-16 without a byte-order mark must hold: a few random
bytes can pass the other tests."""


def _bomless_utf16(data: bytes) -> Decoded | None:
    """``data`` read as UTF-16 without a byte-order mark (little-endian, then big-endian),
    which some Windows tools write; accepted only when it decodes strictly, nearly all its
    characters are Han, ASCII or Chinese punctuation (no control character but tabs, form
    feeds and line ends; at most :data:`MAX_UNLIKELY_SHARE` others), and most of its Han
    characters (at least :data:`MIN_UTF16_HAN`) are common ones (:data:`MIN_COMMON_SHARE` of
    GB2312's or of Big5's, as for the legacy encodings).
    None otherwise. (Such files were refused although charset-normalizer named the encoding:
    new-user trial.) A few damaged code units (a lone surrogate) are read as ``�``, as many
    as :func:`_mostly_utf8` allows in UTF-8 (one was refused "a binary file": breaker)."""
    cut = len(data) % 2  # a last character cut short: one damaged character more
    for encoding in ("utf-16-le", "utf-16-be"):
        text = data[:len(data) - cut].decode(encoding, errors="replace") + "\ufffd" * cut
        bad = text.count("\ufffd") - data.count("\ufffd".encode(encoding))
        if not bad <= _damage_allowed(data):
            continue
        # the damaged characters are counted above, not as unlikely ones (a short file with
        # four was refused: breaker)
        unlikely = [ch for ch in _UNLIKELY.findall(text) if ch != "\ufffd"]
        if len(unlikely) > MAX_UNLIKELY_SHARE * len(text) or any(c < " " for c in unlikely):
            continue
        shares = [share for share in (_common_share(text, "gb18030"), _common_share(text, "big5"))
                  if share is not None]
        if shares and max(shares) >= MIN_COMMON_SHARE and \
                _han_count(text) >= MIN_UTF16_HAN:
            return Decoded(_clean(text), _damaged(encoding, bad))
    return None


def _word_shares(text: str) -> list[float]:
    """:func:`indexer.analysis.word_share` of up to three windows of :data:`WORD_WINDOW`
    characters of ``text`` (start, middle, end; the whole text when short), those holding at
    least :data:`MIN_WINDOW_HAN` Han characters; ``[1.0]`` when none does (too few Han
    characters to judge by words: the other tests decide)."""
    from .analysis import word_share

    n = len(text)
    if n <= 3 * WORD_WINDOW:
        windows = [text]
    else:
        middle = (n - WORD_WINDOW) // 2
        windows = [text[:WORD_WINDOW], text[middle:middle + WORD_WINDOW], text[-WORD_WINDOW:]]
    judged = [w for w in windows if _han_count(w) >= MIN_WINDOW_HAN]
    if not judged:
        return [1.0]  # too few Han characters to judge by words: the other tests decide
    return [word_share(w) for w in judged]


def decode(source: SourceFile) -> Decoded:
    """Decode a source file's bytes to text, detecting the encoding.

    In order: a byte-order mark (UTF-8, UTF-16, UTF-32); strict UTF-8; then GB18030 or Big5,
    as ranked by charset-normalizer (its "chaos" measure, or read directly when it offers no
    such reading), accepted only when most Han characters read are common ones
    (:data:`MIN_COMMON_SHARE`), few are foreign (:data:`MAX_FOREIGN_SHARE`), every sampled
    window reads as Chinese words (:data:`MIN_WINDOW_WORD_SHARE`) and the reading is as clean
    as any other encoding's or reads as words still better (:data:`MIN_WORD_SHARE`); then
    UTF-16 without a byte-order mark (:func:`_bomless_utf16`). Leading BOMs are removed and
    line ends become ``\\n``.

    Returns:
        a :class:`Decoded` (text and codec name).
    Raises:
        DocumentError: no encoding reads the bytes confidently (binary data, an unsupported
            or mixed encoding): the message says what was tried. Never returns mojibake.
    """
    data = source.data
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return Decoded(_clean(data.decode(encoding)), encoding)
            except UnicodeDecodeError as exc:
                raise DocumentError(english("bad_bom", encoding=encoding, at=exc.start)) \
                    from None
    try:
        return Decoded(_clean(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError as exc:
        utf8_error = exc.start
    if b"\x00" in data:  # no legacy Chinese encoding has NUL bytes; UTF-16 of ASCII does
        utf16 = _bomless_utf16(data)
        if utf16 is not None:
            return utf16
        raise DocumentError(english("nul_bytes"))

    from charset_normalizer import from_bytes

    # Korean (EUC-KR) and Japanese bytes also decode as GB18030, often into common characters:
    # a Chinese reading must be at least as clean as the best reading of any encoding.
    overall = list(from_bytes(data))
    cleanest = min((m.chaos for m in overall), default=0.0)
    readings = [(m.encoding, m.chaos, str(m))
                for m in from_bytes(data, cp_isolation=list(CHINESE_ENCODINGS))]
    # charset-normalizer sometimes offers no reading in an encoding that reads the bytes
    # cleanly (a 10-character GBK snippet got only Big5): such a reading is judged by its
    # words alone (its chaos counts as the worst)
    for encoding in CHINESE_ENCODINGS:
        if all(e != encoding for e, _, _ in readings):
            try:
                readings.append((encoding, 1.0, data.decode(encoding)))
            except UnicodeDecodeError:
                pass
    if all(e != "big5" for e, _, _ in readings):
        # Hong Kong's own characters (邨 of 石硤尾邨) are outside Big5, in its HKSCS extension
        # (what a browser's Big5 decoder reads, per the WHATWG Encoding Standard): such a file
        # was refused, "it looks like big5hkscs" (new-user trial)
        try:
            readings.append(("big5hkscs", 1.0, data.decode("big5hkscs")))
        except UnicodeDecodeError:
            pass
    best: tuple | None = None
    for encoding, chaos, text in readings:
        share = _common_share(text, encoding)
        if share is None or share < MIN_COMMON_SHARE or \
                len(_FOREIGN.findall(text)) > MAX_FOREIGN_SHARE * len(text):
            continue
        shares = _word_shares(text)
        if min(shares) < MIN_WINDOW_WORD_SHARE or \
                (chaos > cleanest and sum(shares) / len(shares) < MIN_WORD_SHARE):
            continue
        # ties (short files read equally well both ways) go to GB18030, the commoner encoding
        candidate = (round(share, 2), encoding == "gb18030", -chaos, encoding, text)
        if best is None or candidate[:3] > best[:3]:
            best = candidate
    if best is None:
        utf16 = _bomless_utf16(data)
        if utf16 is not None:
            return utf16
        damaged = _mostly_utf8(data)
        if damaged is not None:
            return damaged
        tried = " or ".join(CHINESE_ENCODINGS)
        if overall:
            raise DocumentError(english("encoding_guessed", at=utf8_error, tried=tried,
                                        guess=overall[0].encoding))
        raise DocumentError(english("encoding", at=utf8_error, tried=tried))
    return Decoded(_clean(best[4]), best[3])


MAX_BAD_UTF8 = 8
"""A UTF-8 file with at most this many invalid sequences (and at most one per
:data:`BAD_UTF8_EVERY` bytes, or 4 in a shorter file) is read with U+FFFD in their place
(:func:`_mostly_utf8`)."""
BAD_UTF8_EVERY = 1000
MIN_UTF8_HAN = 20
"""…and only when the rest holds this many Han characters: a Chinese UTF-8 file."""


def _mostly_utf8(data: bytes) -> Decoded | None:
    """A Chinese UTF-8 file with a few invalid bytes (a cut last character, a stray byte from
    a bad copy), read with U+FFFD ``�`` for each invalid sequence, its encoding named
    ``utf-8, N damaged characters replaced by �``; None for anything else. Such a file was refused whole
    ("cannot tell its encoding"), and a 28 KB news item vanished from search (breaker); a
    file in another encoding has invalid sequences all through and is never read so."""
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.count("\ufffd".encode("utf-8"))
    if not 0 < bad <= _damage_allowed(data):
        return None
    if _han_count(text) < MIN_UTF8_HAN:
        return None
    return Decoded(_clean(text), _damaged("utf-8", bad))


def _damage_allowed(data: bytes) -> int:
    """How many damaged characters a file of ``data`` may hold and still be read: one per
    :data:`BAD_UTF8_EVERY` bytes, up to :data:`MAX_BAD_UTF8`, and 4 in any file (a stray byte
    inside a UTF-8 character breaks it into as many as 4 invalid sequences, and a 613-byte
    file was refused: breaker)."""
    return min(MAX_BAD_UTF8, max(4, len(data) // BAD_UTF8_EVERY))


def _damaged(encoding: str, bad: int) -> str:
    """The encoding as ``/status`` names it: ``utf-8, 2 damaged characters replaced by �``
    (just ``encoding`` when ``bad`` is 0)."""
    if not bad:
        return encoding
    return f"{encoding}, {bad} damaged character{'s' if bad > 1 else ''} replaced by \ufffd"


def read_config_text(root: str | os.PathLike, name: str) -> str:
    """The text of a configuration file at the top of the seeds folder ("" when absent).

    Raises:
        DocumentError: the file exists but cannot be read or decoded.
    """
    path = Path(root) / name
    if not path.is_file():
        return ""
    return decode(read_source(Path(root), path)).text
