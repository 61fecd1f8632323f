"""A do-nothing WSGI app served by waitress with the service's own settings: the floor under
``/search.json``'s latency, the HTTP round trip with no search and no web layer.

    python bench/bare_server.py PORT

``GET /?n=N`` answers ``N`` bytes (a JSON string of that length, at most 4 MB) at once;
``bench/scale.py`` asks it for as many bytes as the service's answer to the same query held,
right after asking the service.
"""

from __future__ import annotations

import sys
from pathlib import Path
from urllib.parse import parse_qs

import waitress

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from webapp.__main__ import WAITRESS  # noqa: E402

MAX_BYTES = 4 * 2**20
"""The most it answers (a page of 100 hits is a few hundred KB)."""


def app(environ, start_response):
    """WSGI: ``n`` bytes of JSON (``"xxx…"``), or 400 for a bad ``n``."""
    raw = parse_qs(environ.get("QUERY_STRING", "")).get("n", ["2"])[0]
    n = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 9 else 0
    if not 2 <= n <= MAX_BYTES:
        start_response("400 Bad Request", [("Content-Type", "text/plain"),
                                           ("Content-Length", "5")])
        return [b"bad n"]
    body = b'"' + b"x" * (n - 2) + b'"'
    start_response("200 OK", [("Content-Type", "application/json"),
                              ("Content-Length", str(n))])
    return [body]


if __name__ == "__main__":
    waitress.serve(app, host="127.0.0.1", port=int(sys.argv[1]), **WAITRESS)
