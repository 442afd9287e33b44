"""The competency questions as example queries: on the query page, and as an API.

    GET /queries            the list (JSON or HTML): name, title, description, sources, URL, text
    GET /queries/<name>     the query's results in every result format (Accept or ?format=);
                            HTML shows the table and the query text

The queries are the ``*.rq`` files of QUERIES_DIR, read once by ``server.queries``.
"""
from __future__ import annotations

from flask import current_app

from ..queries import NamedQuery, load_queries


def examples() -> list[NamedQuery]:
    """The examples of this app, sorted by name (read once, kept in app.extensions)."""
    ext = current_app.extensions
    if "sparql.examples" not in ext:
        ext["sparql.examples"] = load_queries(current_app.config["QUERIES_DIR"])
    return ext["sparql.examples"]


def find(name: str) -> NamedQuery | None:
    return next((e for e in examples() if e.name == name), None)
