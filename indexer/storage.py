"""How a generation's segment files are opened for reading.

Whoosh reads most of a segment by position: a term lookup in the hash table of terms
(``HashReader.ranges_for_key``), a posting block's bytes, a stored-fields record are each a
``StructFile.get(position, length)``, which is a ``seek`` and a ``read`` on a buffered file. On
a term or record not read before, the buffered file refills its whole 8 KiB buffer for the few
bytes asked for, so each ``get`` costs two system calls and a copy: 3.3 µs here, against 1.1 µs
for one ``os.pread`` of just those bytes (100,000 random 16-byte reads of cn-laws' term table).
A fresh server's first queries on cn-laws made about 190 such reads each.

:class:`PositionalFileStorage` opens segment files whose ``get`` is one ``os.pread``. Reads
that go on from the current position (``seek`` then ``read_int``, ``read_pickle``…) keep the
buffered file. ``os.pread`` also leaves the file position alone, so a ``get`` never disturbs a
sequential read in progress; Whoosh never relies on the position a ``get`` leaves behind.

:func:`hold_segment_files` opens every column file of a searcher's segments as soon as the
searcher is opened. Whoosh opens them on first use, and an incremental update that merges
segments deletes the merged ones' files: a request whose searcher was opened before such an
update (one waiting for a search slot) then found them gone, and Whoosh failed with a
``TypeError`` on the stored fields or, for our text columns, read an empty column and silently
dropped those sections. A file that is open stays readable after it is deleted (POSIX), and
the segments' per-document reader (:class:`indexer.codec.HeldColumnsPerDocReader`) takes an
open column file as proof the column exists, so a searcher now answers from the index as it
was when it was opened.

:func:`read_ahead` asks the kernel for a whole file at once, for the files searches read
through memory maps (suffix arrays, posting arrays); :func:`read_ahead_columns` for the column
files a searcher holds open (the section texts and stored fields every hit reads).
"""

from __future__ import annotations

import os

import whoosh
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class IndexDamagedError(Exception):
    """The live generation's files cannot be read (one damaged, cut short or removed outside
    the indexer); ``python -m indexer --rebuild`` writes the index anew."""


_WHOOSH = os.path.dirname(whoosh.__file__) + os.sep


def raised_reading_index(exc: BaseException) -> bool:
    """Whether ``exc`` was raised inside Whoosh's own code (its innermost frame): while it
    decoded index files, which then were not what it wrote (changed under a running service:
    emptied, overwritten). An error in our code is not one."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and tb.tb_frame.f_code.co_filename.startswith(_WHOOSH)


def check_files(folder: str | os.PathLike, needed: set[str]) -> None:
    """Raise :class:`IndexDamagedError` (via :func:`damaged`) when a file of ``needed`` is
    missing from ``folder`` or empty (no index file is empty)."""
    sizes = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            sizes[entry.name] = entry.stat().st_size
    bad = sorted(n for n in needed if not sizes.get(n))
    if bad:
        what = "missing" if bad[0] not in sizes else "empty"
        raise damaged(os.path.dirname(os.path.abspath(folder)),
                      FileNotFoundError(f"{bad[0]} is {what}"))


def damaged(index_dir: str | os.PathLike, exc: BaseException) -> IndexDamagedError:
    """The :class:`IndexDamagedError` for ``index_dir`` whose reading raised ``exc``: the
    message names the folder, the error and the command that mends it."""
    detail = f"{type(exc).__name__}: {exc}" if isinstance(exc, FileNotFoundError) and \
        not exc.filename else type(exc).__name__
    return IndexDamagedError(
        f"the index in {index_dir} cannot be read ({detail}: a file of it is damaged or "
        f"missing); rebuild it: python -m indexer --rebuild --index {index_dir}")


class PositionalFile(StructFile):
    """A Whoosh ``StructFile`` over a real file whose :meth:`get` is one ``os.pread``."""

    def __init__(self, fileobj, name=None, onclose=None):
        super().__init__(fileobj, name=name, onclose=onclose)
        self._fd = fileobj.fileno()

    def get(self, position: int, length: int) -> bytes:
        """``length`` bytes from byte offset ``position`` (fewer at the end of the file), read
        without moving the file position.

        Raises:
            OSError: the read failed (a closed file: ``ValueError`` from ``fileno`` is not
                reached, since the descriptor was taken at open).
        """
        return os.pread(self._fd, length, position)


class PositionalFileStorage(FileStorage):
    """Whoosh's ``FileStorage`` whose opened files are :class:`PositionalFile` (see the module
    docstring). Files it creates for writing are Whoosh's own."""

    def open_file(self, name, **kwargs):
        """Open the existing file ``name`` of this folder for reading.

        Raises:
            OSError: as ``open`` does (a missing file: ``FileNotFoundError``).
        """
        return PositionalFile(open(self._fpath(name), "rb"), name=name, **kwargs)


def open_generation(folder: str | os.PathLike):
    """The Whoosh index (``FileIndex``) in ``folder``, read through
    :class:`PositionalFileStorage`.

    Raises:
        whoosh.index.EmptyIndexError: ``folder`` holds no Whoosh index.
    """
    return PositionalFileStorage(str(folder)).open_index()


def hold_segment_files(searcher) -> None:
    """Open every column file of every segment of ``searcher`` (a Whoosh searcher) now, and
    keep them open for its lifetime (see the module docstring).

    Files an update deleted before they were listed are not seen at all, so the caller must
    also check that the searcher is still up to date afterwards (:meth:`SearcherPool.take
    <indexer.pool.SearcherPool.take>` does).

    Raises:
        FileNotFoundError: a file was deleted before it could be opened (an update committed
            between reading the table of contents and now): open a new searcher.
        OSError: any other failure to open (too many open files).
    """
    listed: dict[int, list[str]] = {}  # one listing per folder, not per segment
    for reader, _ in searcher.reader().leaf_readers():
        perdoc = getattr(reader, "_perdoc", None)
        opened = getattr(perdoc, "_colfiles", None)
        storage = getattr(perdoc, "_storage", None)
        if opened is None or storage is None:
            continue  # not Whoosh 2.7's W3 format: nothing known to open
        prefix = reader.segment().make_filename(".")
        names = listed.get(id(storage))
        if names is None:
            names = listed[id(storage)] = storage.list()
        for name in names:
            if name.startswith(prefix) and name.endswith(".col"):
                fieldname = name[len(prefix):-len(".col")]
                if fieldname not in opened:
                    opened[fieldname] = perdoc._get_column_file(fieldname)


READ_AHEAD_CHUNK = 2 << 20
"""Bytes asked for per ``posix_fadvise`` call (:func:`read_ahead`): Linux reads at most its
largest read-ahead window per call (8 MB of a 39 MB file here when asked for all at once)."""


def read_ahead(fd: int) -> None:
    """Ask the kernel to read the whole file behind ``fd`` into its page cache now, in the
    background (``posix_fadvise(POSIX_FADV_WILLNEED)``, a chunk at a time: 10 ms of calls for
    39 MB here), so that the first searches of a fresh server do not each wait on the disk
    for the pages of a mapped file they touch (the pages count towards no process's memory
    until a search touches them). This machine pages out what was not read for a minute, so
    a fresh index's files are often not in the cache. A no-op where the call is missing."""
    if not hasattr(os, "posix_fadvise"):
        return
    try:
        size = os.fstat(fd).st_size
        for offset in range(0, size, READ_AHEAD_CHUNK):
            os.posix_fadvise(fd, offset, READ_AHEAD_CHUNK, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass


def read_ahead_columns(reader, fieldnames) -> None:
    """:func:`read_ahead` the column files of ``fieldnames`` (e.g. ``"text"``, ``"_stored"``)
    of a Whoosh segment reader whose files :func:`hold_segment_files` opened; columns not
    held open are left alone. A hit reads its section's text and stored fields by position,
    one ``pread`` each: 6 and 11 µs from the page cache, 166 and 138 µs when the page had to
    come from disk (100 random cn-laws sections, the files evicted first)."""
    opened = getattr(getattr(reader, "_perdoc", None), "_colfiles", None) or {}
    for fieldname in fieldnames:
        held = opened.get(fieldname)  # (file, offset, length), as Whoosh 2.7 keeps it
        fd = getattr(held[0], "_fd", None) if isinstance(held, tuple) and held else None
        if fd is not None:
            read_ahead(fd)
