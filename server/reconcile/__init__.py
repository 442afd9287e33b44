"""The W3C Reconciliation Service API, version 0.2 (issue 12), over the search index:
a journalist matches a spreadsheet of names against the dataset's people and
organisations in OpenRefine.

    service.py  reading query batches, candidates and their scores (no HTTP)
    views.py    the routes:

    GET  /reconcile                    the service manifest
    GET  /reconcile?queries=...        a query batch (JSON; ``callback=``: JSONP)
    POST /reconcile  queries=...       the same, form-encoded (what OpenRefine sends)
    GET  /reconcile/suggest/entity?prefix=&cursor=    entity auto-complete
    GET  /reconcile/suggest/type?prefix=&cursor=      types
    GET  /reconcile/suggest/property?prefix=&cursor=  properties
    GET  /reconcile/preview?id=        an HTML card for OpenRefine's preview iframe

CORS is the site's (every answer allows any origin, never credentials); JSONP is
answered for GET only and only with a callback that is a plain JavaScript name.
"""
from __future__ import annotations

import threading

from flask import Blueprint

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")
EXTENSION = "kg.reconcile"

from . import views  # noqa: E402,F401  (registers the routes on bp)


def init_app(app) -> None:
    app.extensions[EXTENSION] = {"lock": threading.Lock(), "properties": None}
    app.register_blueprint(bp)
