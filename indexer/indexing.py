"""Build the index from a seeds folder, and open it.

Layout of an index folder::

    INDEX_DIR/CURRENT        the name of the live generation (replaced atomically)
    INDEX_DIR/gen-000007/    a complete Whoosh index + meta.json
    INDEX_DIR/.lock          held (fcntl) by the one indexer allowed to run

A build writes a whole new generation beside the live one and then switches ``CURRENT`` with
one ``os.replace``: readers see the old index or the new one, never a half-written one, and an
indexer killed mid-build leaves only an unused folder that the next build removes.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from whoosh import index as whoosh_index

from .analysis import analysis_signature
from .documents import read_document
from .schema import make_schema
from .sections import Section, split_sections
from .sources import DocumentError, scan

CURRENT = "CURRENT"
META = "meta.json"


class IndexBusyError(Exception):
    """Another indexer holds the index folder's lock; the message names its pid."""


class IndexLocationError(Exception):
    """The index folder cannot be created or written (a file is in the way, no permission)."""


class IndexMissingError(Exception):
    """No built index in the folder (or it was built by other analysis code)."""


@dataclass
class BuildReport:
    """What :func:`build` did.

    Attributes:
        indexed: relative paths of the files in the index (empty ones included).
        failed: ``[relative path, reason]`` of files that could not be read or decoded.
        empty: relative paths of files that hold no text (indexed, but with no section).
        sections: number of sections in the index after the build.
        seconds: wall-clock duration of the build (seconds).
        rebuilt: False when the index was already up to date and nothing was written.
        generation: the live generation's folder name after the build.
    """

    indexed: list[str] = field(default_factory=list)
    failed: list[list[str]] = field(default_factory=list)
    empty: list[str] = field(default_factory=list)
    sections: int = 0
    seconds: float = 0.0
    rebuilt: bool = True
    generation: str = ""


    def summary(self) -> str:
        """One line for a person: what was done, counts, seconds."""
        state = "rebuilt" if self.rebuilt else "up to date, nothing written"
        files = len(self.indexed)
        return (f"{state}: {files} file{'s' if files != 1 else ''} "
                f"({len(self.empty)} empty), {self.sections} sections, {len(self.failed)} failed, "
                f"{self.seconds:.2f} s ({self.generation})")


def _read_current(index_dir: Path) -> Path | None:
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except (OSError, ValueError):
        return None
    gen = index_dir / name
    return gen if name and (gen / META).is_file() else None


def read_meta(index_dir: str | os.PathLike) -> dict | None:
    """The live generation's metadata (``meta.json``), or None when there is no readable index
    (none built yet, or its metadata damaged: then the next build replaces it)."""
    gen = _read_current(Path(index_dir))
    if gen is None:
        return None
    try:
        meta = json.loads((gen / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


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


def _fields(section: Section, sha256: str, path: str) -> dict:
    headings = "\n".join(t for t in (section.article_title, section.title) if t)
    return dict(
        section_id=section.section_id,
        doc_id=section.doc_id,
        path=path,
        ordinal=section.ordinal,
        doc_title=section.doc_title,
        article_title=section.article_title,
        author=section.author,
        title=section.title,
        breadcrumb=json.dumps(section.breadcrumb, ensure_ascii=False),
        text=section.text,
        sha256=sha256,
        body=section.text,
        heading=headings,
        chars=section.text,
        heading_chars=headings,
    )


def _next_generation(index_dir: Path) -> Path:
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    return index_dir / f"gen-{max(numbers, default=0) + 1:06d}"


def _remove_old_generations(index_dir: Path, keep: set[str]) -> None:
    for gen in index_dir.glob("gen-*"):
        if gen.name not in keep:
            shutil.rmtree(gen, ignore_errors=True)


def build(seeds_dir: str | os.PathLike, index_dir: str | os.PathLike,
          rebuild: bool = False) -> BuildReport:
    """Index every document under ``seeds_dir`` into ``index_dir``.

    Without ``rebuild``, nothing is written when the live index was built by the same analysis
    code from the same files (same paths, same SHA-256). Otherwise a complete new generation is
    written and switched in atomically; the previous generation is kept for readers that still
    have it open, older ones are removed.

    Args:
        seeds_dir: folder of ``.txt``/``.md`` documents (read recursively).
        index_dir: folder holding the index generations (created if missing).
        rebuild: write a new generation even when the index is up to date.
    Returns:
        a :class:`BuildReport`.
    Raises:
        FileNotFoundError: ``seeds_dir`` is not a folder.
        IndexBusyError: another indexer is running on ``index_dir``.
        IndexLocationError: ``index_dir`` cannot be created or written.
    """
    started = time.monotonic()
    seeds_dir, index_dir = Path(seeds_dir), Path(index_dir)
    scanned = scan(seeds_dir)  # raises FileNotFoundError before we touch the index folder
    lock = _lock(index_dir)
    try:
        report = BuildReport(failed=[list(f) for f in scanned.failed])
        # The manifest covers every file read, decodable or not: unchanged bytes give the same
        # outcome, so an unchanged folder is recognised before anything is parsed.
        signature = analysis_signature()
        manifest = {f.rel_path: f.sha256 for f in scanned.files}
        unreadable = sorted(path for path, _ in scanned.failed)
        live = _read_current(index_dir)
        meta = read_meta(index_dir)
        if (not rebuild and meta and meta.get("signature") == signature
                and meta.get("manifest") == manifest and meta.get("unreadable") == unreadable):
            report.rebuilt = False
            report.failed = meta["failed"]
            report.empty = meta.get("empty", [])
            report.indexed = sorted(set(manifest) - {p for p, _ in report.failed})
            report.sections = meta["sections"]
            report.generation = live.name
            report.seconds = time.monotonic() - started
            return report

        parsed: list[tuple[str, str, list[Section]]] = []
        for source in scanned.files:
            try:
                sections = split_sections(read_document(source))
            except DocumentError as exc:
                report.failed.append([source.rel_path, str(exc)])
                continue
            except Exception as exc:  # a bug on one odd file must not stop the others
                report.failed.append([source.rel_path, f"could not be parsed ({type(exc).__name__})"])
                continue
            parsed.append((source.rel_path, source.sha256, sections))
            if not sections:
                report.empty.append(source.rel_path)
        report.failed.sort()

        gen = _next_generation(index_dir)
        gen.mkdir()
        ix = whoosh_index.create_in(str(gen), make_schema())
        writer = ix.writer(limitmb=256)
        try:
            for path, sha, sections in parsed:
                for section in sections:
                    writer.add_document(**_fields(section, sha, path))
                    report.sections += 1
                report.indexed.append(path)
        except BaseException:
            writer.cancel()
            shutil.rmtree(gen, ignore_errors=True)
            raise
        writer.commit()
        ix.close()
        report.seconds = time.monotonic() - started
        report.generation = gen.name
        meta = {
            "signature": signature,
            "manifest": manifest,
            "unreadable": unreadable,
            "failed": report.failed,
            "empty": report.empty,
            "sections": report.sections,
            "documents": len(parsed) - len(report.empty),
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "build_seconds": round(report.seconds, 3),
            "seeds_dir": str(seeds_dir.resolve()),
        }
        (gen / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
        tmp = index_dir / f"{CURRENT}.tmp"
        tmp.write_text(gen.name, encoding="utf-8")
        os.replace(tmp, index_dir / CURRENT)
        _remove_old_generations(index_dir, keep={gen.name, live.name if live else ""})
        return report
    finally:
        lock.close()


@dataclass(frozen=True)
class IndexHandle:
    """An opened generation: the Whoosh index, its folder name and its ``meta.json``."""

    ix: whoosh_index.Index
    generation: str
    meta: dict


def open_index(index_dir: str | os.PathLike) -> IndexHandle:
    """Open the live generation of ``index_dir``.

    Raises:
        IndexMissingError: there is no built index, or it was built by other analysis code
            (then it must be rebuilt before it can answer queries correctly).
    """
    index_dir = Path(index_dir)
    gen = _read_current(index_dir)
    meta = read_meta(index_dir)
    if gen is None or meta is None:
        raise IndexMissingError(f"no index in {index_dir}: run `python -m indexer` first")
    if meta.get("signature") != analysis_signature():
        raise IndexMissingError(f"the index in {index_dir} was built by other analysis code")
    return IndexHandle(whoosh_index.open_dir(str(gen)), gen.name, meta)


def is_current(index_dir: str | os.PathLike, generation: str) -> bool:
    """True while ``generation`` is still the live generation of ``index_dir``."""
    gen = _read_current(Path(index_dir))
    return gen is not None and gen.name == generation
