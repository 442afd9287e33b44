"""Linked-data publisher for a curated knowledge graph (embedded default: political
prosecutions, pardons and releases in Cambodia).

``create_app(config)`` is the only way to build the web application.
"""
from __future__ import annotations

from flask import Flask

from .config import load_config

__version__ = "0.1.0"


def create_app(config: dict | None = None) -> Flask:
    """Application factory: configuration, store, then one blueprint per area."""
    app = Flask(__name__)
    load_config(app, config)

    from . import store
    store.init_app(app)          # load + validate once, keep in app.extensions

    from . import sparql, web
    app.register_blueprint(sparql.bp)
    web.init_app(app)            # error handlers, HTTP hygiene hooks, catch-all last
    return app
