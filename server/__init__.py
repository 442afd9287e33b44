"""Linked-data publisher for a curated knowledge graph (embedded default: political
prosecutions, pardons and releases in Cambodia).

``create_app(config)`` is the only way to build the web application.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from .config import load_config

if TYPE_CHECKING:                # Flask is imported by create_app: `validate` starts without it
    from flask import Flask

__version__ = "0.1.0"


def create_app(config: dict | None = None, store=None) -> Flask:
    """Application factory: configuration, store, then one blueprint per area.

    ``store``: a ``server.store.Store`` the caller already started (``serve`` runs the
    start-up pipeline once, before its workers); else ``server.startup`` runs here."""
    from flask import Flask
    app = Flask(__name__)
    load_config(app, config)

    from . import store as stores
    stores.init_app(app, store)  # the start-up pipeline, once; kept in app.extensions

    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:              # the client address of a proxied request (per-client limits)
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=0, x_host=0, x_port=0,
                                x_prefix=0)   # the client address only; URLs come from PUBLIC_URL

    from . import reconcile, search, sparql, web
    app.register_blueprint(sparql.bp)
    search.init_app(app)         # /search: the full-text index, built from the store
    reconcile.init_app(app)      # /reconcile: the W3C Reconciliation Service API over it
    web.init_app(app)            # error handlers, HTTP hygiene hooks, catch-all last
    from .web import front
    front.init_app(app)          # outermost: replays complete resource answers (front.py)
    return app
