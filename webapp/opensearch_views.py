"""Blueprint ``opensearch``: the OpenSearch 1.1 description, so a browser can add this service
as a search engine and search it from the address bar.

Format: OpenSearch 1.1 draft 6, "OpenSearch description document"
(https://github.com/dewitt/opensearch/blob/master/opensearch-1-1-draft-6.md). Templates must
be absolute URLs; ``{searchTerms}`` is filled in by the browser, UTF-8 and percent-encoded.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, url_for

bp = Blueprint("opensearch", __name__)

MIMETYPE = "application/opensearchdescription+xml"
SHORT_NAME = "中文全文检索"
"""At most 16 characters (the specification's limit)."""


@bp.get("/opensearch.xml")
def description():
    """The description document, with templates for the results page and its JSON twin."""
    body = render_template(
        "opensearch.xml",
        short_name=SHORT_NAME,
        html_template=url_for("search.search", _external=True) + "?q={searchTerms}",
        json_template=url_for("search.search_json", _external=True) + "?q={searchTerms}",
        self_url=url_for("opensearch.description", _external=True),
        home_url=url_for("search.home", _external=True),
    )
    return Response(body, mimetype=MIMETYPE)
