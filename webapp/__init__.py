"""The web layer: read the request, call :mod:`indexer`'s public API, render HTML or JSON.

``create_app(test_config=None)`` is the application factory (Flask tutorial pattern,
pallets/flask ``examples/tutorial/flaskr/__init__.py``).
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SEEDS_DIR = REPO_ROOT / "seeds"


def create_app(test_config: dict | None = None) -> Flask:
    """Build the Flask app.

    Configuration keys: ``SEEDS_DIR`` (documents; default the bundled ``seeds/``) and
    ``INDEX_DIR`` (index generations; default ``index/`` in the app's instance folder). Values come
    from ``test_config`` when given, else from the environment variables ``ZHSEARCH_SEEDS`` and
    ``ZHSEARCH_INDEX``.
    """
    app = Flask(__name__, instance_path=str(REPO_ROOT / "instance"))
    app.config.from_mapping(
        SEEDS_DIR=os.environ.get("ZHSEARCH_SEEDS", str(DEFAULT_SEEDS_DIR)),
        INDEX_DIR=os.environ.get("ZHSEARCH_INDEX", str(Path(app.instance_path) / "index")),
        JSON_AS_ASCII=False,
    )
    if test_config:
        app.config.update(test_config)
    app.json.ensure_ascii = False
    app.json.sort_keys = False

    from . import document_views, errors, filters, index_access, params, search_views

    filters.init_app(app)
    params.init_app(app)
    index_access.init_app(app)
    errors.init_app(app)
    app.register_blueprint(search_views.bp)
    app.register_blueprint(document_views.bp)
    return app
