"""``python -m indexer [--seeds DIR] [--index DIR] [--rebuild]``: build or update the index.

Prints what it did (files, sections, failures, seconds); exits 1 when a file failed or the
index could not be written, 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys

from .config import default_index_dir, default_seeds_dir
from .indexing import IndexBusyError, IndexLocationError, build


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", default=str(default_seeds_dir()),
                        help="folder of .txt/.md documents, read recursively (default: %(default)s)")
    parser.add_argument("--index", default=str(default_index_dir()),
                        help="index folder (default: %(default)s)")
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild from scratch even when the index is up to date")
    args = parser.parse_args(argv)
    try:
        report = build(args.seeds, args.index, rebuild=args.rebuild)
    except (FileNotFoundError, IndexBusyError, IndexLocationError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"index {args.index}: {report.summary()}")
    for path, reason in report.failed:
        print(f"failed: {path}: {reason}", file=sys.stderr)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
