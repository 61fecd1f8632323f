"""The web layer: read the request, call :mod:`indexer`'s public API, render HTML or JSON.

``create_app(test_config=None)`` is the application factory (Flask tutorial pattern,
pallets/flask ``examples/tutorial/flaskr/__init__.py``).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

import indexer

from .json_output import OrjsonProvider
from .limits import MAX_CONCURRENT_SEARCHES, QUEUE_WAIT_S

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
"""Host names a service bound to this machine only is reached by."""


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app.

    Configuration keys: ``SEEDS_DIR`` (documents), ``INDEX_DIR`` (index generations),
    ``ADMIN_TOKEN`` (None: no ``POST /reindex``), ``SEARCH_BUDGET_S`` (seconds one search may
    match), ``MAX_CONCURRENT_SEARCHES`` and ``QUEUE_WAIT_S`` (see :mod:`webapp.limits`),
    ``TRUSTED_HOSTS`` (Host header values answered; others get 400; None: any). Values
    come from ``test_config`` when given, else from :func:`indexer.default_seeds_dir` and
    :func:`indexer.default_index_dir` (the bundled ``seeds/`` and ``instance/index``, or the
    environment variables ``ZHSEARCH_SEEDS`` and ``ZHSEARCH_INDEX``).
    """
    index_dir = indexer.default_index_dir()
    app = Flask(__name__, instance_path=str(Path(index_dir).parent.resolve()))
    app.config.from_mapping(
        SEEDS_DIR=str(indexer.default_seeds_dir()),
        INDEX_DIR=str(index_dir),
        ADMIN_TOKEN=None,
        SEARCH_BUDGET_S=indexer.SEARCH_BUDGET_S,
        MAX_CONCURRENT_SEARCHES=MAX_CONCURRENT_SEARCHES,
        QUEUE_WAIT_S=QUEUE_WAIT_S,
        # DNS rebinding: a page on another site that resolves its name to 127.0.0.1 must not
        # read this service; python -m webapp widens this when bound to another address
        TRUSTED_HOSTS=list(LOOPBACK_HOSTS),
    )
    if test_config:
        app.config.update(test_config)
    app.json = OrjsonProvider(app)  # UTF-8, keys in the order the views give them

    from . import (
        assets, concordance_views, document_views, errors, filters, index_access, limits,
        opensearch_views, params, search_views, security, status_views,
    )

    security.init_app(app)
    assets.init_app(app)
    filters.init_app(app)
    params.init_app(app)
    index_access.init_app(app)
    limits.init_app(app)
    errors.init_app(app)
    app.register_blueprint(search_views.bp)
    app.register_blueprint(document_views.bp)
    app.register_blueprint(concordance_views.bp)
    app.register_blueprint(opensearch_views.bp)
    status_views.init_app(app)
    return app
