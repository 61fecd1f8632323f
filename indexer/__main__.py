"""``python -m indexer [--seeds DIR] [--index DIR] [--rebuild] [--watch]``.

Brings the index up to date with its documents folder (incrementally unless ``--rebuild``;
the folder it was built from unless ``--seeds`` or ``$ZHSEARCH_SEEDS`` names another) and
prints what it did: added / changed / removed / unchanged / failed files, sections, seconds.
Exits 1 when a file failed or the index could not be written, 0 otherwise. ``--watch`` then
keeps watching the seeds folder and updates the index whenever changes have settled, until
interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .config import (
    default_index_dir, default_seeds_dir, folder_argument, interruptible, seeds_for,
)
from .indexing import (
    IndexBusyError, IndexLocationError, SeedsUnreadableError, UpdateReport, update,
)
from .progress import make_progress, print_report

WATCH_RETRY_S = 10.0
"""Seconds before ``--watch`` looks again at a folder it could not watch."""
WATCH_QUIET_MS = 1500
"""Changes are gathered until the folder has been quiet this long (milliseconds): watchfiles'
``step``. Left at its 50 ms, a file written in pieces was indexed half-written, once per piece
(breaker)."""
WATCH_MAX_WAIT_MS = 10_000
"""A folder that never stays quiet is still updated at least this often (milliseconds):
watchfiles' ``debounce``, the longest it gathers changes, and the longest :func:`_settle`
waits for the changed files to stop changing."""
WATCH_CHECK_MS = 5000
"""Between changes, ``--watch`` looks this often (milliseconds) whether the seeds folder was
replaced and whether an update that could not run can run now."""
BUSY_RETRY_S = 2.0
"""In --watch, how long to wait before trying again when another update holds the lock."""


def run_update(seeds: str, index: str, rebuild: bool, retry_busy: bool = False,
               told: set | None = None) -> UpdateReport | None:
    """One update with progress and a printed summary; None when it could not run.

    With ``retry_busy``, an update blocked by another indexer (or ``POST /reindex``) is tried
    again every :data:`BUSY_RETRY_S` seconds until it runs, so no change is left unindexed.
    ``told``: the ``(path, reason)`` failures printed before (``--watch``), which are counted
    instead of printed again; the new ones are added to it.
    """
    while True:
        progress, close = make_progress()
        try:
            report = update(seeds, index, rebuild=rebuild, progress=progress)
            break
        except IndexBusyError as exc:
            if not retry_busy:
                print(f"error: {exc}", file=sys.stderr)
                return None
            print(f"waiting: {exc}", flush=True)
            time.sleep(BUSY_RETRY_S)
        except (FileNotFoundError, SeedsUnreadableError, IndexLocationError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return None
        finally:
            close()
    print_report(report, index, told)
    return report


def _relevant(seeds: Path, index: Path):
    """Changes worth an update: anything under the seeds folder except hidden paths and the
    index folder. Folders are not told by suffix (``v1.2/`` is a folder), and an update for an
    irrelevant change costs only a hash check."""
    index = index.resolve()

    def keep(_change, path: str) -> bool:
        try:
            p = Path(path).resolve()
        except (RuntimeError, OSError):
            # a symlink loop: the update reports it (it killed the watcher: breaker)
            return True
        if index == p or index in p.parents:
            return False
        rel = p.relative_to(seeds) if p.is_relative_to(seeds) else p
        return not any(part.startswith((".", "~$")) for part in rel.parts)

    return keep


def _stats(paths) -> dict:
    """``{path: (size, mtime_ns) or None}`` (None: gone or unreadable)."""
    out = {}
    for path in paths:
        try:
            st = os.stat(path)
            out[path] = (st.st_size, st.st_mtime_ns)
        except OSError:
            out[path] = None
    return out


def _settle(changes: set, quiet_s: float, max_s: float) -> dict:
    """Return once none of the changed paths has changed (size, modification time) for
    ``quiet_s`` seconds, or ``max_s`` seconds after the call; returns their last
    :func:`_stats`. watchfiles ends a batch when no *new* path changed for a step, so a file
    written in pieces every half second was updated every 3 s, half-written (breaker)."""
    paths = {path for _, path in changes}
    start = steady = time.monotonic()
    last = _stats(paths)
    while time.monotonic() - start < max_s:
        time.sleep(min(0.25, quiet_s))
        now = _stats(paths)
        if now != last:
            last, steady = now, time.monotonic()
        elif time.monotonic() - steady >= quiet_s:
            break
    return last


def _identity(seeds: str) -> tuple | None:
    """``(resolved path, device, inode)`` of the folder ``seeds`` names now; None when it is
    gone. A link re-pointed (``current -> v2``) or a folder swapped in by renames changes it."""
    try:
        path = Path(seeds).resolve()
        st = path.stat()
    except (OSError, RuntimeError):
        return None
    return str(path), st.st_dev, st.st_ino


def watch(seeds: str, index: str, told: set = frozenset()) -> int:
    """Update the index after each settled batch of changes under ``seeds``, until Ctrl-C;
    ``told``: failures already printed (see :func:`run_update`).

    Every :data:`WATCH_CHECK_MS` without a change it also looks whether ``seeds`` names
    another folder than the one watched (a link re-pointed, a folder swapped in: the watcher
    kept watching the old one and went deaf, breaker), then updates from it and watches it;
    and it tries again an update that could not run (a full disk: the change waited for
    another one, breaker)."""
    from watchfiles import watch as watch_changes

    told = set(told)
    said = ""
    read: dict = {}  # the settled stats of the paths the last updates read
    pending = False  # the last update could not run: tried again at the next check

    def failed_update() -> bool:
        """Run an update; whether it could not run (see :func:`run_update`)."""
        return run_update(seeds, index, rebuild=False, retry_busy=True, told=told) is None
    while True:
        identity = _identity(seeds)
        if identity is None:
            if said != "gone":
                said = "gone"
                print(f"note: {seeds} is gone; waiting for it to come back", file=sys.stderr,
                      flush=True)
            try:
                time.sleep(WATCH_RETRY_S)
            except KeyboardInterrupt:
                return 0
            if _identity(seeds) is not None:
                pending = failed_update()
            continue
        seeds_path = Path(identity[0])
        print(f"watching {seeds_path} (Ctrl-C to stop)", flush=True)
        try:
            for changes in watch_changes(seeds_path, step=WATCH_QUIET_MS,
                                         debounce=WATCH_MAX_WAIT_MS,
                                         watch_filter=_relevant(seeds_path, Path(index)),
                                         rust_timeout=WATCH_CHECK_MS, yield_on_timeout=True):
                now = _identity(seeds)
                if now != identity:
                    if now is not None:
                        print(f"note: {seeds} now names another folder; watching it",
                              flush=True)
                        pending = failed_update()
                    break
                if not changes:
                    if pending:
                        pending = failed_update()
                    continue
                settled = _settle(changes, WATCH_QUIET_MS / 1000, WATCH_MAX_WAIT_MS / 1000)
                # writes that _settle waited out arrive again as the next batch: an update
                # for them found nothing new (breaker)
                if all(p in read and read[p] == st for p, st in settled.items()) and not pending:
                    continue
                read.update(settled)
                print(f"{len(changes)} change(s) seen", flush=True)
                pending = failed_update()
            else:
                return 0
        except KeyboardInterrupt:
            return 0
        except OSError as exc:
            # a folder the watcher may not read (permission denied) ended watching for every
            # other file (breaker): say so once, look again a little later, and catch up
            if str(exc) != said:
                said = str(exc)
                print(f"note: cannot watch all of {seeds_path} ({exc}); trying again every "
                      f"{WATCH_RETRY_S:g} s", file=sys.stderr, flush=True)
            time.sleep(WATCH_RETRY_S)
            pending = failed_update()


@interruptible
def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (130 when interrupted by Ctrl-C)."""
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default=None, type=folder_argument,
                        help="folder of documents, read recursively (default: $ZHSEARCH_SEEDS, "
                             "else the folder the index was built from, else "
                             f"{default_seeds_dir()})")
    parser.add_argument("--index", default=str(default_index_dir()), type=folder_argument,
                        help="index folder (default: %(default)s)")
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild from scratch instead of updating incrementally")
    parser.add_argument("--watch", action="store_true",
                        help="after updating, keep watching the seeds folder and update on changes")
    args = parser.parse_args(argv)
    if args.seeds is None:
        try:
            args.seeds, recorded = seeds_for(args.index)
        except FileNotFoundError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        if recorded:
            print(f"seeds: {args.seeds} (the folder this index was last updated from)",
                  flush=True)
    told: set = set()
    report = run_update(args.seeds, args.index, args.rebuild, told=told)
    if report is None:
        return 1
    if args.watch:
        return watch(args.seeds, args.index, told)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
