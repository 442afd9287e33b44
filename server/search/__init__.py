"""Full-text search of the dataset (issue 12): ``GET /search?q=`` as HTML or JSON.

    text.py    folding, tokens, FTS5 query text, edit distance (pure)
    index.py   the SQLite FTS5 index built from the Store facade; search and facets
    views.py   the /search route

``init_app(app)`` registers the blueprint and keeps one ``Holder`` in
``app.extensions["kg.search"]``; the index is built there at start-up
(``SEARCH_INDEX_ON_START``) or on first use, once, under a lock. Views and the
reconciliation service reach it with ``get_index()``.
"""
from __future__ import annotations

import threading

from flask import Blueprint, current_app

bp = Blueprint("search", __name__)
EXTENSION = "kg.search"


class Holder:
    """The app's index, built once (at start-up or on first use) from its store."""

    def __init__(self, store, config):
        from .index import Settings
        self.store = store
        self.settings = Settings.from_config(config)   # a bad setting stops the start
        self._index = None
        self._lock = threading.Lock()

    def get(self):
        if self._index is None:
            with self._lock:
                if self._index is None:
                    from .index import build
                    self._index = build(self.store, self.settings)
        return self._index


def init_app(app) -> None:
    from ..store import EXTENSION as STORE
    holder = Holder(app.extensions[STORE], app.config)
    app.extensions[EXTENSION] = holder
    if app.config.get("SEARCH_INDEX_ON_START", True):
        holder.get()
    app.register_blueprint(bp)


def get_index():
    """The application's search index (built on first use if not at start-up)."""
    return current_app.extensions[EXTENSION].get()


from . import views  # noqa: E402,F401  (registers the routes on bp; needs get_index above)
