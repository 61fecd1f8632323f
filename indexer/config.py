"""Default locations, shared by the indexer's and the web app's command lines."""

from __future__ import annotations

import os
from pathlib import Path

from .indexing import recorded_seeds

REPO_ROOT = Path(__file__).resolve().parent.parent


def folder_argument(text: str) -> str:
    """An ``argparse`` type for ``--seeds`` and ``--index``: ``text`` unchanged, unless it is
    empty or blank (``--index "$INDEX_DIR"`` with the variable unset), which raises
    ``argparse.ArgumentTypeError``: read as the current folder, it indexed whatever that
    held and wrote the index into it (breaker)."""
    import argparse

    if not text.strip():
        raise argparse.ArgumentTypeError("an empty folder name (is a variable unset?)")
    return text


INTERRUPTED_EXIT = 130
"""The exit status of a command stopped by Ctrl-C (128 + SIGINT, as shells report it)."""


def interruptible(main):
    """Wrap a command line's ``main(argv) -> int`` so that Ctrl-C during it prints one line,
    that the index is as it was (an update stopped part-way switches nothing in, README: Ctrl-C
    is safe at any moment), and returns :data:`INTERRUPTED_EXIT` instead of a traceback
    (breaker: one from the command and one from each build worker)."""
    import functools
    import sys

    @functools.wraps(main)
    def run(argv: list[str] | None = None) -> int:
        try:
            return main(argv)
        except KeyboardInterrupt:
            print("interrupted: the index is as it was before this update", file=sys.stderr)
            return INTERRUPTED_EXIT
    return run


def default_seeds_dir() -> Path:
    """``$ZHSEARCH_SEEDS``, else the bundled ``seeds/`` folder."""
    return Path(os.environ.get("ZHSEARCH_SEEDS", REPO_ROOT / "seeds"))


def default_index_dir() -> Path:
    """``$ZHSEARCH_INDEX``, else ``instance/index`` beside the code (git-ignored)."""
    return Path(os.environ.get("ZHSEARCH_INDEX", REPO_ROOT / "instance" / "index"))


def seeds_for(index_dir: str | os.PathLike) -> tuple[str, bool]:
    """The documents' folder to update the index at ``index_dir`` from when none is given:
    ``$ZHSEARCH_SEEDS``, else the folder the index was last updated from (its ``meta.json``
    says), else the bundled ``seeds/``. Both command lines use it, so a service started with
    ``--seeds DIR`` and later restarted without it, or kept current by a bare
    ``python -m indexer``, stays on DIR (each read the bundled folder before and so replaced
    the index's documents with it: new-user trials).

    Returns:
        ``(folder, recorded)``: ``recorded`` is True when the folder came from the index's
        record (the command lines print it, since it was not typed).
    Raises:
        FileNotFoundError: the recorded folder is gone (moved or deleted), or the index was
            built but its record cannot be read (``meta.json`` damaged or removed): reading
            the bundled folder instead would replace the index's documents with it (breaker).
    """
    if "ZHSEARCH_SEEDS" not in os.environ:
        recorded, built = recorded_seeds(index_dir)
        if recorded is None and built:
            raise FileNotFoundError(
                f"the index in {index_dir} cannot say which folder it was built from (its "
                "meta.json is damaged or missing); give the documents' folder with --seeds DIR")
        if isinstance(recorded, str):
            if not Path(recorded).is_dir():
                raise FileNotFoundError(
                    f"this index was updated from {recorded}, which is no longer a folder; "
                    "give the documents' folder with --seeds DIR")
            return recorded, True
    return str(default_seeds_dir()), False
