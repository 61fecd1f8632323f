"""Every route answers bad and hostile requests with a 4xx and a clear message, never a 500,
a traceback or a path of this machine (the matrix is in ``tests/hostile.py``); every response
carries the security headers. Requests go through waitress on 127.0.0.1 (``live_server``)."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

import pytest

from webapp.security import HEADERS

from . import hostile

LEAKS = ("Traceback", "File \"", "/work/", "/usr/", "site-packages", "Werkzeug Debugger")


def request(base: str, method: str, path: str) -> tuple[int, dict, bytes]:
    """Send ``path`` exactly as written (no re-encoding) and return status, headers, body."""
    conn = http.client.HTTPConnection(urlsplit(base).netloc, timeout=60)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        conn.putheader("Content-Length", "0")
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


@pytest.mark.parametrize("label,method,path,allowed", hostile.cases(), ids=[c[0] for c in hostile.cases()])
def test_bad_input_matrix(live_server, label, method, path, allowed):
    status, headers, body = request(live_server, method, path)
    assert status in allowed, f"{label}: {status} {body[:200]!r}"
    text = body.decode("utf-8", "replace")
    assert not any(leak in text for leak in LEAKS), f"{label}: {text[:300]}"
    for name, value in HEADERS.items():
        assert headers.get(name.lower()) == value, f"{label}: {name} missing"
    if status >= 400 and method not in ("HEAD", "OPTIONS"):
        if urlsplit(path).path.endswith(".json") or method != "GET":
            error = json.loads(body)["error"]
        else:
            assert "<p class=\"message\"" in text or "class=\"message\"" in text, text[:300]
            error = text
        assert error.strip()
