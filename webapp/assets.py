"""Static assets (CSS, JavaScript) with cache-busting URLs.

``asset_url(filename)`` adds ``?v=<first 12 hex digits of the file's SHA-256>``. A request
that carries the current digest is answered with ``Cache-Control: public, max-age=31536000,
immutable``: the content at that URL never changes, because a new file gets a new URL. Any
other request for a static file (an old digest, none at all) gets ``no-cache``, so browsers
revalidate it with the ETag Flask already sends (``304 Not Modified`` when unchanged). This is
the scheme of MDN's "HTTP caching" guide, section "Cache busting".
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request, url_for

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class AssetDigests:
    """SHA-256 prefixes of the files in a static folder, computed once per file and
    recomputed when its modification time changes (so editing a file in development is seen
    without a restart)."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._cache: dict[str, tuple[int, str]] = {}

    def digest(self, filename: str) -> str | None:
        """12 hex digits for ``filename`` (relative to the folder), or None if it is missing
        or outside the folder."""
        path = (self.folder / filename).resolve()
        if not path.is_relative_to(self.folder.resolve()) or not path.is_file():
            return None
        mtime = path.stat().st_mtime_ns
        cached = self._cache.get(filename)
        if cached is None or cached[0] != mtime:
            cached = (mtime, hashlib.sha256(path.read_bytes()).hexdigest()[:12])
            self._cache[filename] = cached
        return cached[1]


def init_app(app: Flask) -> None:
    """Register the ``asset_url`` template global and the static caching headers."""
    digests = AssetDigests(app.static_folder)

    def asset_url(filename: str) -> str:
        """``/static/<filename>?v=<digest>``."""
        return url_for("static", filename=filename, v=digests.digest(filename))

    app.add_template_global(asset_url)

    @app.after_request
    def _cache_static(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            current = digests.digest(filename)
            fresh = current is not None and request.args.get("v") == current
            response.headers["Cache-Control"] = IMMUTABLE if fresh else REVALIDATE
            response.expires = None
        return response
