"""Build and update the index from a seeds folder, and open it.

Layout of an index folder::

    INDEX_DIR/CURRENT        the name of the live generation (replaced atomically)
    INDEX_DIR/gen-000007/    a complete Whoosh index + meta.json (what produced it, the files)
    INDEX_DIR/.lock          held (fcntl) by the one indexer allowed to run

An **incremental update** (the default) compares the folder with the manifest in ``meta.json``
(path → SHA-256; files whose stat key is as the last update recorded it are not read again,
see :mod:`indexer.sources`) and rewrites only the sections of added, changed and removed files, in one
Whoosh commit on the live generation: it deletes every section of each such path first, so a
path is never indexed twice. ``meta.json`` is replaced (``os.replace``) after the commit; if the
indexer dies in between, the next run sees those files as changed again and redoes them.

A **full rebuild** (``rebuild=True``, no index yet, or an index made by other analysis code)
writes a whole new generation beside the live one and then switches ``CURRENT`` with one
``os.replace``: readers see the old index or the new one, never a half-written one. An indexer
killed mid-build leaves an unused folder that the next build removes; the lock is an ``flock``,
which the kernel drops when the process dies, so nothing needs cleaning by hand.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index

from .analysis import analysis_signature, read_user_dictionary, set_cache_dir
from .deadline import TimeUp, hard_deadline
from .codec import SectionCodec
from .failures import english
from .pool import SearcherPool
from .query import read_synonyms
from .documents import read_document
from .schema import HEADING_SEPARATOR, article_key, make_schema
from .sections import Section, split_sections
from .codec import segment_files
from .postings import read_first_records
from .normalize import script_of
from .storage import IndexDamagedError, check_files, damaged, open_generation
from .writers import GroupedMpWriter, GroupedSegmentWriter
from .sources import (
    SOURCE_SUFFIXES, SYNONYMS, USER_DICTIONARY, DocumentError, KnownFiles, SourceFile, load,
    read_config_text, scan,
)

CURRENT = "CURRENT"
META = "meta.json"

BUILD_BATCH = 64
"""Sections per job handed to a worker process in a parallel build."""

POOL_MB = 1024
"""Memory (MB, Whoosh's estimate) of postings each segment writer sorts in memory before it
spills a sorted run to disk. Merging spilled runs is pure Python and took a third of a large
build; at 1024 a 7.7 MB slice of cn-laws builds in 37 s instead of 60 s (two processes), for
about 100 MB more peak memory per process."""

# Segments are written as separate files, never as Whoosh's "compound" single file: a searcher
# opening a compound segment copies each part it reads into memory (``BufferFile`` wraps the
# mapped bytes in a ``BytesIO``), which made every request copy the postings (1.3 GB of RSS and
# ~100 ms per request on cctv-news). Separate files are read in place.
_WRITER = {"limitmb": POOL_MB, "compound": False, "codec": SectionCodec()}
# Writers on the live generation also leave Whoosh's WRITELOCK off (``_lk``): our lock file
# already admits one writer per index folder, and a writer whose construction fails part-way
# (a full disk) would keep Whoosh's lock held until its traceback is collected, refusing the
# next update. (MpWriter sets ``_lk`` itself: a second value kills its workers.)
_LIVE_WRITER = {**_WRITER, "_lk": False}

PARALLEL_MIN_BYTES = 4_000_000
"""A full build of at least this many bytes of source files uses every core."""

NAMED_SKIPPED = 10
"""Files in other formats named in :meth:`UpdateReport.skipped_note` (the rest are counted)."""

MAX_RECORDED_SKIPPED = 1000
"""Files in other formats recorded in ``meta.json`` (``skipped``; ``skipped_count`` counts
them all), so that a folder of photos does not grow it without bound."""

MAX_DELETED_SHARE = 0.1
"""An incremental update merges all segments when deleted sections exceed this share."""

Progress = Callable[[int, int, str], None]
"""``progress(done, total, path)``: called after each file is analyzed (``done`` of ``total``)."""


class IndexBusyError(Exception):
    """Another indexer holds the index folder's lock; the message names its pid."""


class IndexLocationError(Exception):
    """The index folder cannot be created or written (a file is in the way, no permission)."""


class IndexWriteError(IndexLocationError):
    """Writing the index failed part-way (disk full, read-only folder, I/O error): what was
    being written was discarded and the previous index stays in use."""


class IndexBuildError(IndexLocationError):
    """A full build did not write every section (a worker process died); it was discarded and
    the previous generation stays live."""


class IndexMissingError(Exception):
    """No built index in the folder (or it was built by other analysis code)."""


class IndexOutdatedError(IndexMissingError):
    """The folder's index was built by other analysis code (another version of this program):
    it must be rebuilt, by ``python -m indexer`` or the service's next start, before it can
    answer. A service that said "no index yet: run python -m indexer" sent users to a command
    that only answered "already running" (breaker)."""


class SeedsUnreadableError(PermissionError):
    """The seeds folder itself may not be read (its permissions, a share's access list): the
    index is left as it was. (An update raised the bare ``PermissionError``, a traceback on
    the command line and a 500 from ``POST /reindex``: breaker.)"""


class SeedsEmptyError(FileNotFoundError):
    """The seeds folder holds nothing at all (no file, no folder, nothing hidden) while the
    index holds documents: an update would remove every one (an unmounted share's empty mount
    point did: breaker), so it is refused and the index left as it was; ``rebuild=True``
    empties the index on purpose. (A folder whose documents were deleted one by one usually
    keeps something, a subfolder or a hidden file, and is updated as usual.)"""


def _bare(folder: Path) -> bool:
    """Whether ``folder`` holds no entry at all."""
    with os.scandir(folder) as entries:
        return next(entries, None) is None


@dataclass
class UpdateReport:
    """What :func:`update` did.

    Attributes:
        full: True when a whole new generation was written (rebuild), False for an
            incremental update or when nothing had changed.
        added, changed, removed, unchanged: relative paths, by what happened to them since the
            last update (a full rebuild lists every file as added).
        failed: ``[relative path, reason]`` of files that cannot be read or decoded (all of
            them, also those that failed in an earlier run and did not change).
        empty: relative paths of files without text (in the manifest, no section).
        sections: sections in the index after the update.
        seconds: wall-clock duration (seconds).
        generation: the live generation's folder name afterwards.
        previous_seeds: the folder the index was updated from before, when that was another
            folder (its documents have now been replaced by this one's); "" otherwise.
        skipped: relative paths of the files in formats the indexer does not read (a ``.doc``,
            a ``.csv``), not indexed; neither failed nor counted among the others.
        damaged: why the live index could not be read, so that it was rebuilt ("" when it
            could, or there was none).
        outdated: the live index was built by other analysis code (another version of this
            program), so that it was rebuilt: a start that rebuilt for a minute said only
            "full rebuild: N added" (breaker).
        dictionary_changed: the live index was built with another ``userdict.txt``, so that it
            was rebuilt (said so rather than as :attr:`outdated`: breaker).
        synonym_groups: how many synonym groups are in use, when ``synonyms.txt`` changed
            since the last update (None when it did not, or there was no index): an update
            that took a new synonyms.txt into use said only "up to date, nothing written"
            (new-user trial).
        index_inside: the index folder's path inside the seeds folder when it lies there
            in a folder that is not hidden, whose files are then not read as documents; ""
            otherwise (such a folder's documents were left out without a word: breaker).
    """

    full: bool = False
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    sections: int = 0
    seconds: float = 0.0
    generation: str = ""
    previous_seeds: str = ""
    skipped: list[str] = field(default_factory=list)
    damaged: str = ""
    outdated: bool = False
    dictionary_changed: bool = False
    synonym_groups: int | None = None
    index_inside: str = ""

    @property
    def wrote(self) -> bool:
        """True when the index was changed (a commit or a new generation)."""
        return self.full or bool(self.added or self.changed or self.removed)

    @property
    def indexed(self) -> list[str]:
        """Paths of the files now in the index (empty ones included), sorted."""
        failed = {p for p, _ in self.failed}
        return sorted(p for p in (*self.added, *self.changed, *self.unchanged) if p not in failed)

    def counts(self) -> dict:
        """The summary's facts, for a page to word in its own language: ``{"kind": "full" |
        "incremental" | "unchanged", "added", "changed", "removed", "unchanged", "failed",
        "empty", "sections": int, "seconds": float, "synonym_groups": int | None,
        "dictionary_changed": bool}`` (counts of files but ``sections``, :attr:`synonym_groups`
        and :attr:`dictionary_changed`)."""
        return {"kind": "full" if self.full else ("incremental" if self.wrote else "unchanged"),
                "added": len(self.added), "changed": len(self.changed),
                "removed": len(self.removed), "unchanged": len(self.unchanged),
                "failed": len(self.failed), "empty": len(self.empty),
                "sections": self.sections, "seconds": round(self.seconds, 3),
                "synonym_groups": self.synonym_groups,
                "dictionary_changed": self.dictionary_changed}

    def switch_note(self) -> str:
        """A sentence for a person when the index now follows another folder than before
        (:attr:`previous_seeds`), "" otherwise: giving ``--seeds`` to an index built from
        another folder replaces its documents, which a person may not have meant."""
        if not self.previous_seeds:
            return ""
        if not self.wrote:  # the same files (a moved folder): nothing was replaced
            return (f"this index was updated from {self.previous_seeds}; it now follows the "
                    "folder given, which holds the same files")
        return (f"this index was updated from {self.previous_seeds}; its documents are now "
                "those of the folder given (give --index DIR to keep a separate index per "
                "folder)")

    def skipped_note(self) -> str:
        """A sentence for a person naming the files in other formats (:attr:`skipped`, the
        first :data:`NAMED_SKIPPED`), "" when there are none: a clerk who drops a ``.doc`` in
        the folder is told it was not read (new-user trial)."""
        if not self.skipped:
            return ""
        named = ", ".join(printable_path(p) for p in self.skipped[:NAMED_SKIPPED])
        more = f" and {len(self.skipped) - NAMED_SKIPPED} more" \
            if len(self.skipped) > NAMED_SKIPPED else ""
        return (f"{len(self.skipped)} file(s) in other formats not read: {named}{more} "
                f"(read: {' '.join(SOURCE_SUFFIXES)})")

    def notes(self) -> list[str]:
        """The sentences a command prints after the summary (why it rebuilt, :meth:`switch_note`,
        :meth:`skipped_note`), those that apply."""
        damaged = f"{self.damaged}; rebuilt from the documents" if self.damaged else ""
        outdated = ("the index was built by another version of the analysis code; rebuilt from "
                    "the documents") if self.outdated else ""
        dictionary = ""
        if self.dictionary_changed:
            unread = any(path == USER_DICTIONARY for path, _ in self.failed)
            dictionary = "userdict.txt changed; rebuilt from the documents" + (
                " without a user dictionary, as it could not be read (see failed)" if unread
                else "")
        synonyms = ""
        if self.synonym_groups is not None:
            problems = any(path == SYNONYMS for path, _ in self.failed)
            synonyms = (f"synonyms.txt changed: {self.synonym_groups} synonym group(s) in use from "
                        "now on" + (" (some or all of it could not be used: see failed)"
                                    if problems else ""))
        inside = (f"the index folder {printable_path(self.index_inside)} is inside the "
                  "documents' folder: files in it are not read as documents (a folder whose "
                  "name starts with a dot, .index, says so by itself)") if self.index_inside else ""
        return [n for n in (damaged, outdated, dictionary, synonyms, self.switch_note(),
                            self.skipped_note(), inside) if n]

    def changes(self, limit: int = 20) -> list[str]:
        """Lines naming the files an incremental update added, changed or removed
        (``changed: 报告.md``), at most ``limit`` and then how many more: the summary's counts
        did not say which files (new-user trial). A file that was added or changed but could
        not be read says so (``added, failed: 乱码.txt``; its reason is in :attr:`failed`).
        None for a full rebuild, which reads every file."""
        if self.full:
            return []
        failed = {path for path, _ in self.failed}
        lines = [f"{what}{', failed' if path in failed else ''}: {printable_path(path)}"
                 for what, paths in
                 (("added", self.added), ("changed", self.changed), ("removed", self.removed))
                 for path in paths]
        if len(lines) > limit:
            lines[limit:] = [f"... and {len(lines) - limit} more"]  # ASCII: any stdout prints it
        return lines

    def summary(self) -> str:
        """One line for a person: what was done, counts, seconds."""
        c = self.counts()
        kind = {"full": "full rebuild", "incremental": "incremental update",
                "unchanged": "up to date, nothing written"}[c["kind"]]
        if c["kind"] == "unchanged" and self.synonym_groups is not None:
            kind = "documents up to date, synonyms.txt changed"
        return (f"{kind}: {c['added']} added, {c['changed']} changed, {c['removed']} removed, "
                f"{c['unchanged']} unchanged, {c['failed']} failed, {c['empty']} empty; "
                f"{c['sections']} sections; {self.seconds:.2f} s ({self.generation})")


def printable_path(path: str) -> str:
    """``path`` with control and format characters written as ``\\uXXXX``: a file name
    holding a line break printed a line of its own (``failed: …``), and an escape sequence or
    a right-to-left override reached the terminal (breaker)."""
    return "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cc", "Cf") else c
                   for c in path)


def _read_current(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    gen = index_dir / name
    return gen if name and (gen / META).is_file() else None


def recorded_seeds(index_dir: str | os.PathLike) -> tuple[str | None, bool]:
    """``(folder, built)``: the documents' folder the index in ``index_dir`` was last updated
    from, as the live generation's ``meta.json`` records it, else as the newest generation
    folder's does (a ``CURRENT`` lost or damaged: that index was rebuilt from the bundled
    sample, and the user's generation removed: breaker); ``built``: whether any index was
    built there at all (a ``CURRENT`` file or a generation folder)."""
    index_dir = Path(index_dir)
    gens = sorted(_generations(index_dir), reverse=True) if index_dir.is_dir() else []
    live = read_meta(index_dir)
    metas = [live] if live is not None else [_parsed_meta(g / META) for g in gens]
    for meta in metas:
        if meta is not None and isinstance(meta.get("seeds_dir"), str):
            return meta["seeds_dir"], True
    return None, bool(gens) or (index_dir / CURRENT).exists()


def read_meta(index_dir: str | os.PathLike) -> dict | None:
    """The live generation's metadata (``meta.json``), or None when there is no readable index
    (none built yet, or its metadata damaged: then the next build replaces it)."""
    gen = _read_current(Path(index_dir))
    return None if gen is None else _parsed_meta(gen / META)


def _parsed_meta(path: Path) -> dict | None:
    """The ``meta.json`` at ``path`` parsed, or None when it cannot be read or is no JSON
    object. The last one parsed is kept (:data:`_META_CACHE`) with its file's identity and
    parsed again only when that changed: a service's start read it five times (the folder
    it was updated from, the update's look before and after taking the lock, opening the
    index, warming up), 20–25 ms each on cn-laws, whose manifest lists 3,475 files. Treat the
    dict as read-only."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())  # of the file read, so key and text always belong together
            key = (str(path), st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)
            cached = _META_CACHE.get("meta")
            if cached is not None and cached[0] == key:
                return cached[1]
            meta = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError):  # UnicodeDecodeError is a ValueError
        return None
    if not isinstance(meta, dict):
        return None
    _META_CACHE["meta"] = (key, meta)
    return meta


def _known_files(meta: dict | None) -> KnownFiles | None:
    """The stat keys and hashes an earlier update recorded, for :func:`indexer.sources.scan`."""
    if not meta or not isinstance(meta.get("stat_keys"), dict) or "scanned_ns" not in meta:
        return None
    manifest = meta.get("manifest") or {}
    return KnownFiles({p: (tuple(k), manifest[p]) for p, k in meta["stat_keys"].items()
                       if p in manifest}, int(meta["scanned_ns"]))


def _lock(index_dir: Path):
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        fh = open(index_dir / ".lock", "a+")
    except OSError as exc:
        raise IndexLocationError(f"cannot use {index_dir} as the index folder: "
                                 f"{exc.strerror or exc}") from None
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        pid = fh.read().strip() or "unknown"
        fh.close()
        raise IndexBusyError(f"an index update is already running (pid {pid})") from None
    fh.seek(0)
    fh.truncate()
    fh.write(str(os.getpid()))
    fh.flush()
    return fh  # the lock lives as long as the file stays open; the kernel drops it on exit


def _fields(section: Section, sha256: str, path: str, lang: str) -> dict:
    headings = HEADING_SEPARATOR.join(
        t for t in (section.article_title, *section.between, section.title) if t)
    return dict(
        section_id=section.section_id,
        doc_id=section.doc_id,
        path=path,
        ordinal=section.ordinal,
        doc_title=section.doc_title,
        article_title=section.article_title,
        article_key=article_key(section.doc_id, section.article_title),
        author=section.author,
        lang=lang,
        title=section.title,
        breadcrumb=json.dumps(section.breadcrumb, ensure_ascii=False),
        text=section.text,
        sha256=sha256,
        body=section.text,
        heading=headings,
        chars=section.text,
        heading_chars=headings,
        grams=section.text,
        heading_grams=headings,
        norm_text=section.text,
        norm_heading=headings,
        norm_offsets=section.text,
        bodyless=section.bodyless,
    )


GENERATION_MARK = ".zhsearch-generation"
"""An empty file every generation folder holds from its creation: only folders holding it
(or Whoosh's table of contents, for generations written before it existed) are ever
removed (:func:`_generations`)."""
_GENERATION_NAME = re.compile(r"gen-\d{6}")
_WHOOSH_TOC = re.compile(r"_MAIN_\d+\.toc")


def _generations(index_dir: Path) -> list[Path]:
    """The generation folders in ``index_dir`` this program wrote: named ``gen-`` and six
    digits, and holding :data:`GENERATION_MARK` or (written before the mark) Whoosh's table of
    contents. A user's own ``gen-2023年度报告`` folder, in a folder given as ``--index``, was
    deleted by the next build, and so was a ``gen-20240101`` holding a ``meta.json``
    (breakers)."""
    found = []
    for gen in index_dir.glob("gen-*"):
        try:
            if _GENERATION_NAME.fullmatch(gen.name) and gen.is_dir() and not gen.is_symlink() \
                    and any(_WHOOSH_TOC.fullmatch(n) or n == GENERATION_MARK
                            for n in os.listdir(gen)):
                found.append(gen)
        except OSError:
            continue
    return found


def _next_generation(index_dir: Path) -> Path:
    # past any folder of that shape, ours or not, so that a new generation never joins one
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*")
               if _GENERATION_NAME.fullmatch(p.name)]
    return index_dir / f"gen-{max(numbers, default=0) + 1:06d}"


def _remove_abandoned_builds(index_dir: Path, live: Path | None) -> None:
    """Remove generations newer than the live one: builds whose indexer died (we hold the lock,
    so none is running)."""
    if live is None:
        return
    live_number = int(live.name[4:])
    for gen in _generations(index_dir):
        if int(gen.name[4:]) > live_number:
            shutil.rmtree(gen, ignore_errors=True)


def _remove_old_generations(index_dir: Path, keep: set[str]) -> None:
    for gen in _generations(index_dir):
        if gen.name not in keep:
            shutil.rmtree(gen, ignore_errors=True)


def _read_config(seeds_dir: Path) -> tuple[tuple[str, ...], list[list[str]], list[list[str]]]:
    """``(user dictionary entries, synonym groups, failures)`` from the seeds folder's
    ``userdict.txt`` and ``synonyms.txt`` (:func:`indexer.query.read_synonyms`, whose
    problems are failures of that file)."""
    failed: list[list[str]] = []
    texts = {}
    for name in (USER_DICTIONARY, SYNONYMS):
        try:
            texts[name] = read_config_text(seeds_dir, name)
        except DocumentError as exc:
            failed.append([name, str(exc)])
            texts[name] = ""
    groups, problems = read_synonyms(texts[SYNONYMS])
    failed.extend([SYNONYMS, problem] for problem in problems)
    return read_user_dictionary(texts[USER_DICTIONARY]), groups, failed


def _inside(index_dir: Path, seeds_dir: Path) -> str:
    """``index_dir``'s path relative to ``seeds_dir`` when it lies inside it and no part of
    that path is hidden (``.index`` is: the scan skips hidden paths anyway); else ""."""
    try:
        rel = index_dir.resolve().relative_to(seeds_dir.resolve())
    except (ValueError, OSError, RuntimeError):
        return ""
    return "" if any(part.startswith(".") for part in rel.parts) else rel.as_posix()


def _sync_file(path: Path) -> None:
    """``fsync`` the file or folder ``path`` (a folder: the names in it), so that what was
    written to it survives a power cut. Raises ``OSError``."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """``fsync`` every file directly in ``folder``, then the folder itself."""
    for entry in os.scandir(folder):
        if entry.is_file(follow_symlinks=False):
            _sync_file(Path(entry.path))
    _sync_file(folder)


def _write_meta(gen: Path, meta: dict) -> None:
    """Replace ``gen``'s ``meta.json`` at once (a temporary file renamed over it); on failure
    the temporary file is removed and the error raised (``OSError``)."""
    tmp = gen / f"{META}.tmp"
    try:
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        os.replace(tmp, gen / META)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


READ_BUDGET_S = float(os.environ.get("ZHSEARCH_READ_BUDGET_S", "120"))
"""Seconds one file may take to be read and cut into sections before it is given up as a
failure (``$ZHSEARCH_READ_BUDGET_S``): a 164 KB PDF of 1,000 pages sharing one huge content
stream would have held an update, and a service's start, for hours (breaker). A 1,000-page
book takes well under a minute here."""


class _ReadTimeUp(TimeUp):
    """The file's reading passed :data:`READ_BUDGET_S`."""


def _analyze(files: list[SourceFile], report: UpdateReport, encodings: dict[str, str],
             progress: Progress | None):
    """Yield ``(source, sections)`` for each readable file; record failures and empties."""
    for done, source in enumerate(files, 1):
        try:
            with hard_deadline(READ_BUDGET_S, _ReadTimeUp) as limit:
                try:
                    document = read_document(source)
                    sections = split_sections(document)
                finally:
                    limit.finish()
        except _ReadTimeUp:
            report.failed.append([source.rel_path, english("read_too_long", seconds=f"{READ_BUDGET_S:g}")])
            sections = None
        except DocumentError as exc:
            report.failed.append([source.rel_path, str(exc)])
            sections = None
        except Exception as exc:  # a bug on one odd file must not stop the others
            report.failed.append([source.rel_path, english("unparsable", error=type(exc).__name__)])
            sections = None
        if sections is not None:
            encodings[source.rel_path] = document.encoding
            if not sections:
                report.empty.append(source.rel_path)
            yield source, sections
        if progress:
            progress(done, len(files), source.rel_path)


def _add(writer, source: SourceFile, sections: list[Section]) -> int:
    lang = script_of(s.text for s in sections)  # the document's, as its view tags it
    for section in sections:
        writer.add_document(**_fields(section, source.sha256, source.rel_path, lang))
    return len(sections)


def build_processes(files: list[SourceFile], procs: int | None) -> int:
    """How many processes analyze a full build: ``procs`` if given, else one per usable core
    for a collection of at least :data:`PARALLEL_MIN_BYTES`, else 1 (starting worker
    processes and loading jieba's dictionary in each costs about a second).

    Automatic choice stays at 1 while other threads run in this process (a web server, a
    test's live server): the workers are forked, and forking beside running threads is unsafe
    (a waitress thread lost its sockets that way)."""
    if procs is not None:
        return max(1, procs)
    if threading.active_count() > 1 or sum(f.size for f in files) < PARALLEL_MIN_BYTES:
        return 1
    return max(1, len(os.sched_getaffinity(0)))


def _discard(writer) -> None:
    """Cancel a Whoosh writer after a failure. Cancelling closes its files, which can fail
    again for the same reason (a full disk): what matters then is that the caller's cleanup
    still runs and the first error is the one reported."""
    try:
        writer.cancel()
    except Exception:  # noqa: BLE001 - the original error is being raised
        pass


def _full_build(index_dir: Path, files: list[SourceFile], report: UpdateReport,
                encodings: dict[str, str], progress: Progress | None,
                user_words: tuple[str, ...], procs: int) -> Path:
    gen = _next_generation(index_dir)
    gen.mkdir()
    try:
        (gen / GENERATION_MARK).touch()
        ix = whoosh_index.create_in(str(gen), make_schema(user_words))
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    if procs > 1:
        # Whoosh's MpWriter: this process reads and splits the documents, worker processes
        # analyze and write one segment each; the segments are kept as they are
        # (multisegment), since merging them would be one more single-core pass.
        writer = GroupedMpWriter(ix, procs=procs, multisegment=True, batchsize=BUILD_BATCH,
                                 **_WRITER)
    else:
        writer = GroupedSegmentWriter(ix, **_WRITER)
    try:
        for source, sections in _analyze(files, report, encodings, progress):
            report.sections += _add(writer, source, sections)
        writer.commit()
    except BaseException:
        _discard(writer)
        ix.close()
        shutil.rmtree(gen, ignore_errors=True)
        raise
    try:
        # MpWriter drops a worker's segment without a word if the worker died; never switch
        # to an index that lacks sections
        with ix.searcher() as searcher:
            indexed = searcher.doc_count()
        if indexed != report.sections:
            raise IndexBuildError(
                f"the build wrote {indexed} of {report.sections} sections (a worker process "
                "failed); the previous index stays in use")
    except BaseException:
        ix.close()
        shutil.rmtree(gen, ignore_errors=True)
        raise
    ix.close()
    return gen


def _incremental(gen: Path, files: list[SourceFile], gone: list[str], report: UpdateReport,
                 encodings: dict[str, str], progress: Progress | None) -> None:
    ix = open_generation(gen)
    writer = GroupedSegmentWriter(ix, **_LIVE_WRITER)
    try:
        # never add a path that may still be indexed: delete all its sections first
        for path in [*gone, *(f.rel_path for f in files)]:
            writer.delete_by_term("path", path)
        for source, sections in _analyze(files, report, encodings, progress):
            _add(writer, source, sections)
    except BaseException:
        _discard(writer)
        ix.close()
        raise
    writer.commit()
    # Deleted sections still count in BM25 statistics until their segment is merged; merge
    # everything once they are a noticeable share, so ranking stays close to a fresh build.
    with ix.searcher() as searcher:
        report.sections = searcher.doc_count()
        deleted = searcher.doc_count_all() - report.sections
    if deleted > MAX_DELETED_SHARE * max(1, report.sections + deleted):
        GroupedSegmentWriter(ix, **_LIVE_WRITER).commit(optimize=True)
    ix.close()


def update(seeds_dir: str | os.PathLike, index_dir: str | os.PathLike, rebuild: bool = False,
           progress: Progress | None = None, procs: int | None = None) -> UpdateReport:
    """Bring the index in ``index_dir`` up to date with the documents under ``seeds_dir``.

    Incremental by default: only added, changed (by SHA-256 of the bytes; unchanged stat keys
    spare reading a file) and removed files are analyzed and rewritten, in one commit. A full
    rebuild into a new generation happens when ``rebuild`` is set, when there is no readable
    index, or when the index was built by other analysis code (its recorded
    :func:`indexer.analysis.analysis_signature` differs).
    Either way the index then answers exactly as a fresh full build would.

    Args:
        seeds_dir: folder of documents (read recursively; see ``sources.SOURCE_SUFFIXES``).
        index_dir: folder holding the index generations (created if missing).
        rebuild: always write a new generation from scratch.
        progress: optional callback, see :data:`Progress`.
        procs: processes for a full build (see :func:`build_processes`; None: automatic).
            Pass 1 from a process that runs other threads: worker processes are forked.
    Returns:
        an :class:`UpdateReport`.
    Raises:
        FileNotFoundError: ``seeds_dir`` does not exist or is not a folder.
        SeedsEmptyError: ``seeds_dir`` holds nothing at all and the index holds documents
            (not raised with ``rebuild``).
        SeedsUnreadableError: ``seeds_dir`` may not be read (permission denied).
        IndexBusyError: another indexer is running on ``index_dir``.
        IndexLocationError: ``index_dir`` cannot be created or written, or is ``seeds_dir``.
        IndexBuildError: a parallel build lost sections; nothing was switched.
        IndexWriteError: writing failed (disk full, read-only, I/O error); nothing was switched
            and the previous index answers as before.
    """
    started = time.monotonic()
    seeds_dir, index_dir = Path(seeds_dir), Path(index_dir)
    if seeds_dir.resolve() == index_dir.resolve():
        # its own files were then listed as documents of other formats, and a --watch saw no
        # change of the documents, all inside the index folder (breaker)
        raise IndexLocationError(f"{index_dir} is the documents' folder: give the index a "
                                 "folder of its own (inside it is fine: --index DIR/.index)")
    try:
        with os.scandir(seeds_dir):
            pass
    except PermissionError as exc:
        raise SeedsUnreadableError(f"cannot read the documents' folder {seeds_dir}: "
                                   f"{exc.strerror}; the index is left as it was") from None
    except (FileNotFoundError, NotADirectoryError):
        pass  # scan says so
    scanned_ns = time.time_ns()
    # raises FileNotFoundError before we touch the index folder; the stat keys are read
    # without the lock: they describe the files, whichever update recorded them
    before_meta = read_meta(index_dir)
    scanned = scan(seeds_dir, None if rebuild else _known_files(before_meta), exclude=index_dir)
    held = len((before_meta or {}).get("manifest") or {})
    if held and not rebuild and not scanned.files and _bare(seeds_dir):
        raise SeedsEmptyError(
            f"{seeds_dir} is empty, and the index holds {held} file(s): not removing them all "
            "(is a share not mounted?); python -m indexer --rebuild empties it on purpose")
    lock = _lock(index_dir)
    set_cache_dir(index_dir)
    live: Path | None = None
    try:
        user_words, synonyms, config_failed = _read_config(seeds_dir)
        signature = analysis_signature(user_words)
        live = _read_current(index_dir)
        meta = read_meta(index_dir)
        if meta != before_meta:
            # another update committed between our scan and our lock: it may have indexed a
            # newer version of a file than the one we read, which we would put back (breaker)
            scanned_ns = time.time_ns()
            scanned = scan(seeds_dir, None if rebuild else _known_files(meta),
                           exclude=index_dir)
        files = {f.rel_path: f for f in scanned.files}
        _remove_abandoned_builds(index_dir, live)
        # built by other analysis code (another version of this program, or another user
        # dictionary): rebuilt, and said so, naming userdict.txt when that is what changed
        # (breaker: editing it was reported as "built by another version")
        stale = not rebuild and live is not None and meta is not None \
            and meta.get("signature") != signature
        dictionary_changed = stale and meta.get("user_dictionary") != list(user_words)
        outdated = stale and not dictionary_changed
        full = rebuild or live is None or meta is None or stale
        # an index whose files cannot be read is no index to update: an incremental update
        # of it died with Whoosh's traceback (breaker)
        damage = "" if full else _damage(live)
        full = full or bool(damage)
        known: dict[str, str] = {} if full else meta["manifest"]
        # read the files that will be analyzed (a scan skipped the unchanged ones)
        failed = list(scanned.failed)
        for path, f in list(files.items()):
            if f.data is None and (full or known.get(path) != f.sha256):
                try:
                    files[path] = load(seeds_dir, f)
                except DocumentError as exc:
                    del files[path]
                    failed.append((path, str(exc)))
        unreadable = [list(f) for f in sorted(failed)] + config_failed
        manifest = {p: f.sha256 for p, f in files.items()}
        stat_keys = {p: list(f.stat_key) for p, f in files.items()}
        scanned_files = list(files.values())
        report = UpdateReport(full=full, skipped=scanned.skipped, damaged=damage,
                              outdated=outdated, dictionary_changed=dictionary_changed,
                              index_inside=_inside(index_dir, seeds_dir))
        if meta is not None and meta.get("synonyms") != synonyms:
            report.synonym_groups = len(synonyms)
        skipped = {"skipped": scanned.skipped[:MAX_RECORDED_SKIPPED],
                   "skipped_count": len(scanned.skipped)}
        # absolute but with its links kept: a service given a "current" link follows the
        # link, not the folder it pointed to at the time (breaker)
        seeds_now = os.path.abspath(seeds_dir)
        before = (meta or {}).get("seeds_dir")
        if isinstance(before, str) and before != seeds_now:
            report.previous_seeds = before
        encodings: dict[str, str] = {}
        if full:
            report.added = sorted(manifest)
            gen = _full_build(index_dir, scanned_files, report, encodings, progress, user_words,
                              build_processes(scanned_files, procs))
        else:
            report.added = sorted(set(manifest) - set(known))
            report.removed = sorted(set(known) - set(manifest))
            report.changed = sorted(p for p in manifest if p in known and known[p] != manifest[p])
            report.unchanged = sorted(p for p in manifest if known.get(p) == manifest[p])
            todo = set(report.added) | set(report.changed)
            # what earlier runs learnt about unchanged files still holds
            keep = set(report.unchanged)
            report.failed = [f for f in meta.get("failed", []) if f[0] in keep]
            report.empty = [p for p in meta.get("empty", []) if p in keep]
            encodings = {p: e for p, e in meta.get("encodings", {}).items() if p in keep}
            gen = live
            if todo or report.removed:
                _incremental(gen, [f for f in scanned_files if f.rel_path in todo],
                             report.removed, report, encodings, progress)
            else:
                report.sections = meta["sections"]
                if meta.get("unreadable") == unreadable and meta.get("synonyms") == synonyms:
                    listed = before == seeds_now and meta.get("skipped") == skipped["skipped"] \
                        and meta.get("skipped_count") == skipped["skipped_count"]
                    if not listed or meta.get("stat_keys") != stat_keys or \
                            any(f.data is not None for f in scanned_files):
                        # Same content, but something to record. New stat keys (a touched
                        # or copied file) or a new scan time (files read again because they
                        # changed just before the last scan: a service started on files
                        # copied in just before its first build hashed them all at every
                        # start) spare the next scan reading them: a saving, so a full disk
                        # must not fail the update (a service would refuse to start). A new
                        # folder (a bare `python -m indexer` reads the folder recorded) or new
                        # skipped files (the pages list them) must be recorded (breaker).
                        record = {**meta, "stat_keys": stat_keys, "scanned_ns": scanned_ns,
                                  "seeds_dir": seeds_now, **skipped}
                        with contextlib.suppress(OSError) if listed else contextlib.nullcontext():
                            _write_meta(gen, record)
                    report.failed = sorted(report.failed + unreadable)
                    report.generation = gen.name
                    report.seconds = time.monotonic() - started
                    return report
        report.failed = sorted([f for f in report.failed if f not in unreadable] + unreadable)
        report.empty.sort()
        report.seconds = time.monotonic() - started
        report.generation = gen.name
        now = datetime.now(timezone.utc).isoformat(timespec="seconds")
        _write_meta(gen, {
            "signature": signature,
            "manifest": manifest,
            "stat_keys": stat_keys,
            "scanned_ns": scanned_ns,
            "unreadable": unreadable,
            "failed": report.failed,
            "empty": report.empty,
            "encodings": encodings,
            "user_dictionary": list(user_words),
            "synonyms": synonyms,
            "sections": report.sections,
            "documents": len(manifest) - len(report.empty) - len(
                {p for p, _ in report.failed} & set(manifest)),
            "built_at": now if full else (meta or {}).get("built_at", now),
            "build_seconds": round(report.seconds, 3) if full else (meta or {}).get("build_seconds"),
            "updated_at": now,
            "update_seconds": round(report.seconds, 3),
            "last_update": report.summary(),
            "last_update_counts": report.counts(),
            "seeds_dir": seeds_now,
            **skipped,
        })
        if full:
            # on disk before it is named: after a power cut CURRENT named a generation whose
            # files were still empty, beside the intact previous one (breaker)
            _sync_folder(gen)
            tmp = index_dir / f"{CURRENT}.tmp"
            tmp.write_text(gen.name, encoding="utf-8")
            _sync_file(tmp)
            os.replace(tmp, index_dir / CURRENT)
            _sync_file(index_dir)
            _remove_old_generations(index_dir, keep={gen.name, live.name if live else ""})
        return report
    except OSError as exc:
        # a new generation is only switched in once complete, and a Whoosh commit only
        # becomes visible when its table of contents is renamed into place: nothing half-written
        # is ever read; say so instead of showing a traceback
        # (a complete generation that was not switched in is removed by the next run)
        reason = exc.strerror or exc.__class__.__name__
        # a first build has no previous index to speak of (it said there was one: breaker)
        kept = "the previous index is still in use" if live is not None else "no index was made"
        raise IndexWriteError(f"cannot write the index in {index_dir}: {reason}; {kept}") \
            from exc
    finally:
        lock.close()


@dataclass(frozen=True)
class IndexHandle:
    """An opened generation: the Whoosh index, its folder name, its ``meta.json`` as opened,
    its folder (``path``), its idle searchers (:class:`indexer.pool.SearcherPool`) and the
    identity of the ``CURRENT`` file it was opened from (:func:`is_current`)."""

    ix: whoosh_index.Index
    generation: str
    meta: dict
    path: Path
    searchers: SearcherPool = field(default_factory=SearcherPool, compare=False, repr=False)
    current_key: tuple | None = field(default=None, compare=False)

    def segment_files(self) -> int:
        """How many segment files (terms, postings, columns) the generation holds now: what
        one searcher holds open (:func:`indexer.storage.hold_segment_files`)."""
        try:
            return sum(1 for name in os.listdir(self.path)
                       if name.endswith((".col", ".trm", ".pst")))
        except OSError:
            return 0

    def current_meta(self) -> dict:
        """``meta.json`` as it is now (an incremental update replaces it in place); parsed
        again only when its stat key changed (it holds the manifest: parsing it per search
        cost milliseconds on a large collection). Treat the dict as read-only."""
        meta = _parsed_meta(self.path / META)
        return self.meta if meta is None else meta


_META_CACHE: dict[str, tuple[tuple, dict]] = {}
"""The last ``meta.json`` parsed (:func:`_parsed_meta`), with its file's identity."""


def open_index(index_dir: str | os.PathLike) -> IndexHandle:
    """Open the live generation of ``index_dir``.

    Raises:
        IndexMissingError: there is no built index; :class:`IndexOutdatedError` (a kind of
            it) when it was built by other analysis code and must be rebuilt before it can
            answer queries correctly.
        IndexDamagedError: the generation's table of contents cannot be read, or a file of
            one of its segments is missing or empty (:func:`indexer.codec.segment_files`).
    """
    index_dir = Path(index_dir)
    set_cache_dir(index_dir)
    key = _current_key(index_dir)  # before the name: a switch in between reopens, never hides
    gen = _read_current(index_dir)
    meta = read_meta(index_dir)
    if gen is None or meta is None:
        raise IndexMissingError(f"no index in {index_dir}: run `python -m indexer` first")
    if meta.get("signature") != analysis_signature(tuple(meta.get("user_dictionary", ()))):
        raise IndexOutdatedError(f"the index in {index_dir} was built by other analysis code")
    return IndexHandle(open_checked(gen), gen.name, meta, gen, current_key=key)


def _damage(gen: Path) -> str:
    """Why generation ``gen`` cannot be read, or "" when it can: it opens
    (:func:`open_checked`), and each segment's first stored record, first text and first
    term decode (a service's warm-up reads those, and rebuilt an index that
    ``python -m indexer`` called up to date: breaker)."""
    try:
        ix = open_checked(gen)
        try:
            with ix.searcher() as searcher:
                read_first_records(searcher)
        except IndexDamagedError:
            raise
        except Exception as exc:  # what decoding a damaged file happens to raise
            raise damaged(gen.parent, exc) from exc
        finally:
            ix.close()
    except IndexDamagedError as exc:
        return str(exc).split("; rebuild it:")[0]
    return ""


def open_checked(gen: Path):
    """:func:`indexer.storage.open_generation`, each segment's files checked
    (:func:`indexer.codec.segment_files`; a listing of the folder, not a read).

    Raises:
        IndexDamagedError: see :func:`open_index`.
    """
    try:
        ix = open_generation(gen)
        segments = ix._segments()
    except Exception as exc:  # Whoosh raises what unpickling a damaged file happens to raise
        raise damaged(gen.parent, exc) from exc
    try:
        check_files(gen, set().union(*(segment_files(s.segment_id()) for s in segments
                                       if s.doc_count_all())))
    except BaseException:
        ix.close()
        raise
    return ix


def _current_key(index_dir: Path) -> tuple | None:
    """``CURRENT``'s identity (device, inode, modification time in ns, size), or None."""
    try:
        st = (index_dir / CURRENT).stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_mtime_ns, st.st_size)


def is_current(index_dir: str | os.PathLike, generation: str, key: tuple | None = None) -> bool:
    """True while ``generation`` is still the live generation of ``index_dir``.

    With ``key`` (:attr:`IndexHandle.current_key`), true only while ``CURRENT`` is the very
    file the handle was opened from (one ``stat``): an index folder deleted and built again
    names its new generation as the old one was named, and must not pass for it.
    """
    if key is not None:
        return _current_key(Path(index_dir)) == key
    gen = _read_current(Path(index_dir))
    return gen is not None and gen.name == generation
