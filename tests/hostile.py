"""Bad and hostile requests, one table shared by the tests and ``bench/bad_input.py`` (which
prints the matrix of statuses for the closing note).

Each case is ``(label, method, raw path with query string, allowed statuses)``; the path is
sent as it is (already percent-encoded), so odd encodings reach the server unchanged.
"""

from __future__ import annotations

from urllib.parse import quote

DOC = "000_8750069abcf0ab7e"
"""A document of the bundled seeds (its id is stable: path-derived)."""

SEARCH_ROUTES = ("/search", "/search.json", "/concordance", "/concordance.json", "/concordance.csv")
PAGE_ROUTES = ("/", "/help", "/docs.json", "/status", "/status.json", "/opensearch.xml",
               f"/doc/{DOC}", f"/doc/{DOC}.json")

OK = (200,)
BAD = (400,)

QUERIES: list[tuple[str, str, tuple[int, ...]]] = [
    ("empty q", "", BAD),
    ("whitespace q", quote(" \t\u3000 "), BAD),
    ("10,000-character q", quote("公安" * 5000), OK),
    ("NUL", "%00", OK + BAD),
    ("NUL inside", "a%00b", OK),
    ("control characters", quote("\x01\x02\x1b[31m\x7f"), OK + BAD),
    ("lone surrogate (CESU bytes)", "%ED%A0%80", BAD),
    ("cut UTF-8", "%E4%B8", BAD),
    ("overlong UTF-8", "%C0%80", BAD),
    ("bad percent escape", "%zz", OK),
    ("lone percent", "%", OK),
    ("zero-width only", quote("\u200b\u200d\ufeff"), OK + BAD),
    ("RTL override", quote("\u202e公安"), OK),
    ("script tag", quote("<script>alert(1)</script>"), OK),
    ("attribute breaker", quote('"><img src=x onerror=alert(1)>'), OK),
    ("javascript: URL", quote("javascript:alert(1)"), OK),
    ("deep parentheses", quote("(" * 5000 + "公安" + ")" * 5000), OK),
    ("unbalanced parentheses", quote("(((公安"), OK),
    ("many ORs", quote(" OR ".join(["公安"] * 2000)), OK),
    ("many NOTs", quote("NOT " * 2000 + "公安"), OK),
    ("exclusion only", quote("-公安"), BAD),
    ("field without value", quote("title:"), OK),
    ("doc field traversal", quote('doc:"../../etc/passwd"'), OK),
]
for ch in "\"()[]{}:-+|!&*?~^\\/'<>=,;`@#$%.":
    QUERIES.append((f"syntax {ch!r} alone", quote(ch), OK + BAD))
for combo in ('"(', '("', ')"(', '-"', '--', '||', 'AND OR NOT', 'OR', '"" ""', '(-)', 'title:"',
              'doc:', 'a:b:c', '"a" -"a"', '((a) OR (b) AND -(c))'):
    QUERIES.append((f"syntax {combo!r}", quote(combo), OK + BAD))

PAGING: list[tuple[str, str, tuple[int, ...]]] = [
    ("page=-1", "page=-1", BAD), ("page=0", "page=0", BAD), ("page=abc", "page=abc", BAD),
    ("page=10**9", "page=1000000000", BAD), ("page=1e3", "page=1e3", BAD),
    ("page=1.5", "page=1.5", BAD), ("page repeated", "page=1&page=2", BAD),
    ("page=99999999999999999999", "page=" + "9" * 20, BAD), ("page=＋1 (full width)", "page=%EF%BC%8B1", BAD),
    ("page=<thin space>1", "page=%E2%80%891", BAD),
    ("per_page=0", "per_page=0", BAD), ("per_page=-5", "per_page=-5", BAD),
    ("per_page=10**9", "per_page=1000000000", BAD), ("per_page=x", "per_page=x", BAD),
    ("per_page repeated", "per_page=5&per_page=5", BAD), ("page empty", "page=", OK),
    ("unknown parameter", "utm_source=x&foo=%00", OK), ("q repeated", "q=%E5%85%AC", BAD),
]

DOC_IDS: list[tuple[str, str, tuple[int, ...]]] = [
    ("traversal", "../../etc/passwd", (404,)),
    ("encoded traversal", "..%2F..%2Fetc%2Fpasswd", (404,)),
    ("encoded dots", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", (404,)),
    ("double-encoded", "%252e%252e%252f", (404,)),
    ("unknown id", "nope", (404,)),
    ("json trick", f"{DOC}.json.json", (404,)),
    ("dot json only", ".json", (404,)),
    ("NUL in id", f"{DOC}%00", (404,)),
    ("long id", "x" * 5000, (404,)),
    ("backslash", "..%5C..%5Cwindows", (404,)),
    ("absolute path", "%2Fetc%2Fpasswd", (404,)),
]


def cases() -> list[tuple[str, str, str, tuple[int, ...]]]:
    """Every ``(label, method, raw path, allowed statuses)`` of the matrix."""
    out = []
    for route in SEARCH_ROUTES:
        for label, raw, allowed in QUERIES:
            if route.endswith(".csv") and label == "doc field traversal":
                allowed = (404,)  # a download of nothing, for a document the index lacks
            out.append((f"{route} q: {label}", "GET", f"{route}?q={raw}", allowed))
        for label, raw, allowed in PAGING:
            out.append((f"{route} {label}", "GET", f"{route}?q=%E5%85%AC%E5%AE%89&{raw}", allowed))
    for label, raw, allowed in DOC_IDS:
        for suffix in ("", ".json"):
            out.append((f"/doc {label}{suffix}", "GET", f"/doc/{raw}{suffix}", allowed))
    for label, raw, allowed in QUERIES[:12]:
        out.append((f"/doc q: {label}", "GET", f"/doc/{DOC}?q={raw}", OK + BAD))
    for route in PAGE_ROUTES + SEARCH_ROUTES:
        path = route + ("?q=%E5%85%AC%E5%AE%89" if route in SEARCH_ROUTES else "")
        out.append((f"{route} HEAD", "HEAD", path, OK))
        out.append((f"{route} OPTIONS", "OPTIONS", path, OK))
        for method in ("POST", "PUT", "DELETE", "PATCH"):
            out.append((f"{route} {method}", method, path, (405,)))
        out.append((f"{route} unknown parameter", "GET", path + ("&" if "?" in path else "?") + "zz=1", OK))
    out.append(("/reindex GET (no admin token)", "GET", "/reindex", (404,)))
    out.append(("/static traversal", "GET", "/static/..%2F__init__.py", (404,)))
    out.append(("/static unknown", "GET", "/static/nope.js", (404,)))
    out.append(("unknown route", "GET", "/wp-admin.php", (404,)))
    out.append(("unknown .json route", "GET", "/x.json", (404,)))
    return out
