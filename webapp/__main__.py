"""``python -m webapp [--host 127.0.0.1] [--port 8000] [--seeds DIR] [--index DIR]``.

Builds the index first when there is none (or it was built by other analysis code), then
serves the app with waitress. Flask's development server is never used.
"""

from __future__ import annotations

import argparse
import sys

import waitress

import indexer
from indexer.config import default_index_dir, default_seeds_dir

from . import create_app

THREADS = 8
"""waitress worker threads: requests served at once (searches are CPU-bound; 2 cores here)."""


def ensure_index(seeds: str, index: str) -> None:
    """Build the index when ``index`` holds none that this code can read."""
    try:
        indexer.open_index(index).ix.close()
        return
    except indexer.IndexMissingError:
        pass
    print(f"building the index of {seeds} in {index} …", flush=True)
    report = indexer.build(seeds, index)
    print(f"indexed {len(report.indexed)} files, {report.sections} sections in "
          f"{report.seconds:.2f} s; {len(report.failed)} failed", flush=True)
    for path, reason in report.failed:
        print(f"failed: {path}: {reason}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (serves until interrupted)."""
    parser = argparse.ArgumentParser(prog="python -m webapp", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default: %(default)s, this machine only; "
                             "0.0.0.0 exposes the service to your network)")
    parser.add_argument("--port", type=int, default=8000,
                        help="port (default: %(default)s; 0 picks a free one)")
    parser.add_argument("--seeds", default=str(default_seeds_dir()),
                        help="folder of documents (default: %(default)s)")
    parser.add_argument("--index", default=str(default_index_dir()),
                        help="index folder (default: %(default)s)")
    args = parser.parse_args(argv)
    try:
        ensure_index(args.seeds, args.index)
    except (FileNotFoundError, indexer.IndexBusyError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    app = create_app({"SEEDS_DIR": args.seeds, "INDEX_DIR": args.index})
    server = waitress.create_server(app, host=args.host, port=args.port, threads=THREADS)
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
