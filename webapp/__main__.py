"""``python -m webapp [--host 127.0.0.1] [--port 8000] [--seeds DIR] [--index DIR]``.

Brings the index up to date first (built on the first start, rebuilt when documents changed or
the analysis code did), then serves the app with waitress. Flask's development server is never
used.
"""

from __future__ import annotations

import argparse
import resource
import sys

import waitress

import indexer

from . import LOOPBACK_HOSTS, create_app
from .index_access import open_now

THREADS = 8
"""waitress worker threads: requests served at once. Searches are CPU-bound and at most
``webapp.limits.MAX_CONCURRENT_SEARCHES`` of them run together; the other threads keep pages,
documents and static files answering meanwhile."""
WAITRESS = {
    "threads": THREADS,
    "connection_limit": 100,      # open connections; more wait in the listen backlog
    "backlog": 128,
    "channel_timeout": 30,        # seconds an idle connection is kept
    "max_request_header_size": 64 * 1024,   # bytes: a 10,000-character query fits easily
    "max_request_body_size": 64 * 1024,     # bytes: only POST /reindex takes a body, an empty one
    "expose_tracebacks": False,
    "ident": "zhsearch",          # the Server header names no version
}
"""waitress settings, chosen rather than left to the defaults (see waitress' "Arguments to
waitress.serve" documentation)."""


def ensure_index(seeds: str, index: str, rebuild: bool = False) -> None:
    """Bring the index up to date with ``seeds``: built on first start (or when ``rebuild``),
    rebuilt when files changed, left alone (a quick hash check) otherwise.

    Raises:
        the errors of :func:`indexer.update`.
    """
    print(f"{'rebuilding' if rebuild else 'checking'} the index of {seeds} in {index} …",
          flush=True)
    # a first start on a large folder builds for minutes: show that it moves
    progress, close = indexer.make_progress()
    try:
        report = indexer.update(seeds, index, rebuild=rebuild, progress=progress)
    finally:
        close()
    indexer.print_report(report, index)


def _brought_up_to_date(seeds: str, index: str, rebuild: bool = False) -> bool | None:
    """:func:`ensure_index`, saying what stood in its way: True when done, None when the
    index stays as it is and can be served (another indexer holds it; the seeds folder is
    empty, gone or unreadable; the disk cannot be written), False when there is nothing to
    serve (the message is printed)."""
    try:
        ensure_index(seeds, index, rebuild=rebuild)
        return True
    except indexer.IndexBusyError as exc:
        # another indexer (say, `python -m indexer --watch`) keeps the index current: serve it
        if indexer.read_meta(index) is None:
            print(f"error: {exc}; no index to serve yet", file=sys.stderr)
            return False
        print(f"note: {exc}; serving the current index", flush=True)
    except indexer.SeedsEmptyError as exc:
        print(f"note: {exc}; serving the index as it is, not updated", flush=True)
    except (FileNotFoundError, indexer.SeedsUnreadableError, indexer.IndexLocationError) as exc:
        # a complete index stays servable when it cannot be updated (the documents' folder
        # gone or unreadable, a read-only or full disk): the service refused to start, with
        # its own message saying the previous index was still in use (breaker)
        if indexer.read_meta(index) is None:
            print(f"error: {exc}", file=sys.stderr)
            return False
        print(f"note: {exc}; serving the index as it is, not updated", flush=True)
    return None


def _rebuilt_and_opened(app, seeds: str, index: str) -> bool:
    """Rebuild a damaged index and open it in ``app``; False (the reason printed) when it
    could not be rebuilt or is still unreadable."""
    if _brought_up_to_date(seeds, index, rebuild=True) is False:
        return False
    try:
        open_now(app)
    except indexer.IndexDamagedError as exc:  # another indexer held it, or the disk is failing
        print(f"error: {exc}", file=sys.stderr)
        return False
    return True


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a TCP port (0–65535)")
    return value


OPEN_FILES = 65536
"""The soft limit on open files the server raises itself to (within the hard limit): each
pooled searcher holds its segments' files open (:func:`indexer.storage.hold_segment_files`,
about 15 a segment), and Debian's default soft limit is 1,024."""


def raise_open_files_limit(wanted: int = OPEN_FILES) -> tuple[int, int]:
    """Raise this process's soft limit on open files to ``wanted`` (or the hard limit, if
    lower); never lowers it. Returns the ``(soft, hard)`` limits now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass  # not allowed here: serve with what there is
    return resource.getrlimit(resource.RLIMIT_NOFILE)


def _warn_if_few_open_files(app, soft_limit: int) -> None:
    """Say so when the open-files limit cannot hold the files of every searcher: THREADS
    searchers, each holding the index's segment files, twice over while a rebuilt index is
    switched in, and a margin for sockets."""
    handle = app.extensions.get("zhsearch.handle")
    if handle is None or soft_limit == resource.RLIM_INFINITY:
        return
    files = handle.segment_files()
    needed = 2 * THREADS * files + 64
    if soft_limit < needed:
        print(f"warning: the limit on open files is {soft_limit}, and this index needs about "
              f"{needed} ({files} segment files per searcher, {THREADS} "
              "searchers, twice while a rebuilt index is switched in); searches may fail "
              "with 'too many open files': raise it (ulimit -n) before starting",
              file=sys.stderr, flush=True)


@indexer.interruptible
def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (serves until interrupted; 130 when
    Ctrl-C came during the first build or update)."""
    parser = argparse.ArgumentParser(prog="python -m webapp", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default: %(default)s, this machine only; "
                             "0.0.0.0 exposes the service to your network)")
    parser.add_argument("--port", type=_port, default=8000,
                        help="port (default: %(default)s; 0 picks a free one)")
    parser.add_argument("--seeds", default=None, type=indexer.folder_argument,
                        help="folder of documents (default: $ZHSEARCH_SEEDS, else the folder "
                             "the index was last updated from, else "
                             f"{indexer.default_seeds_dir()})")
    parser.add_argument("--index", default=str(indexer.default_index_dir()),
                        type=indexer.folder_argument,
                        help="index folder (default: %(default)s)")
    parser.add_argument("--allowed-host", action="append", default=[], metavar="NAME",
                        help="a host name clients use to reach the service when it is bound to "
                             "another address than 127.0.0.1 (repeatable; requests naming any "
                             "other host get 400). Without it such a service answers any name")
    parser.add_argument("--admin-token", default=None,
                        help="enable POST /reindex, authorised by 'Authorization: Bearer TOKEN' "
                             "(off by default)")
    args = parser.parse_args(argv)
    update_first = True
    if args.seeds is None:
        try:
            args.seeds, recorded = indexer.seeds_for(args.index)
            if recorded:
                print(f"seeds: {args.seeds} (the folder this index was last updated from)",
                      flush=True)
        except FileNotFoundError as exc:
            # the documents may have moved with a moved clone: serve what the index holds
            # rather than replace it with another folder's documents
            recorded, _ = indexer.recorded_seeds(args.index)
            if recorded is None:  # no record of them at all: nothing to serve
                print(f"error: {exc}", file=sys.stderr)
                return 1
            args.seeds = recorded
            update_first = False
            print(f"note: {exc}; serving the index as it is, not updated", flush=True)
    if update_first and _brought_up_to_date(args.seeds, args.index) is False:
        return 1
    loopback = args.host in LOOPBACK_HOSTS
    allowed = [name.lower() for name in args.allowed_host]  # as the Host header is read
    trusted = [*LOOPBACK_HOSTS, *allowed] if loopback or allowed else None
    soft_limit, _ = raise_open_files_limit()
    app = create_app({"SEEDS_DIR": args.seeds, "INDEX_DIR": args.index,
                      "ADMIN_TOKEN": args.admin_token, "TRUSTED_HOSTS": trusted})
    try:
        server = waitress.create_server(app, host=args.host, port=args.port, **WAITRESS)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}; "
              f"pick another port with --port", file=sys.stderr)
        return 1
    try:
        open_now(app)
    except indexer.IndexDamagedError as exc:
        # a start brings the index up to date, and a damaged one is out of date beyond
        # repair: build it anew rather than serve "internal error" to every search
        print(f"note: {exc}; rebuilding it", flush=True)
        if not _rebuilt_and_opened(app, args.seeds, args.index):
            server.close()
            return 1
    _warn_if_few_open_files(app, soft_limit)
    print(f"serving on http://{args.host}:{server.effective_port}/", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
