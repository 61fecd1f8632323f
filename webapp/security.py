"""Response headers that every answer carries: what the browser may load, frame and send.

The pages use no inline script or style (scripts and the stylesheet are files under
``/static``), so the Content-Security-Policy can forbid both; see the OWASP Secure Headers
Project and MDN's ``Content-Security-Policy`` reference for each directive.
"""

from __future__ import annotations

from flask import Flask, abort, request

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",  # the empty favicon is a data: URL
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
"""Only this origin's own files; no inline code, plugins, ``<base>`` or framing."""

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # queries are in our URLs: never send them to another site
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP 2
    "Cross-Origin-Opener-Policy": "same-origin",
}
"""Set on every response, errors and static files included."""


def _host_names_lowercased(wsgi_app):
    """``wsgi_app`` seeing the ``Host`` header in lower case: host names are case-insensitive
    (RFC 3986, section 3.2.2), but Werkzeug compares them with ``TRUSTED_HOSTS`` as written,
    so ``Host: LOCALHOST`` was refused (breaker)."""
    def app(environ, start_response):
        host = environ.get("HTTP_HOST")
        if host:
            environ["HTTP_HOST"] = host.lower()
        return wsgi_app(environ, start_response)
    return app


def _port_is_valid(host: str) -> bool:
    """Whether the ``Host`` header value ``host`` has no port, or one of 1–65535
    (``name:port`` or ``[IPv6]:port``)."""
    rest = host.rpartition("]")[2] if host.startswith("[") else host
    if ":" not in rest:
        return True
    port = rest.rpartition(":")[2]
    return port.isascii() and port.isdigit() and 0 < int(port) <= 65535


def init_app(app: Flask) -> None:
    """Add :data:`HEADERS` to every response (an earlier value for the same header is kept,
    so a view may set its own), read the ``Host`` header's name case-insensitively, and answer
    400 to a ``Host`` whose port is not one (``localhost:99999999`` made every whole address,
    such as the concordance CSV's links, a 500: breaker)."""
    app.wsgi_app = _host_names_lowercased(app.wsgi_app)

    @app.before_request
    def valid_host_port():
        if not _port_is_valid(request.host):
            abort(400, description="请求的 Host 头中的端口无效（应为 1–65535）。")

    @app.after_request
    def secure_headers(response):
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        return response
