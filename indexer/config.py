"""Default locations, shared by the indexer's and the web app's command lines."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


def default_seeds_dir() -> Path:
    """``$ZHSEARCH_SEEDS``, else the bundled ``seeds/`` folder."""
    return Path(os.environ.get("ZHSEARCH_SEEDS", REPO_ROOT / "seeds"))


def default_index_dir() -> Path:
    """``$ZHSEARCH_INDEX``, else ``instance/index`` beside the code (git-ignored)."""
    return Path(os.environ.get("ZHSEARCH_INDEX", REPO_ROOT / "instance" / "index"))
