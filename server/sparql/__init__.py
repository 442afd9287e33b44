"""The read-only SPARQL 1.1 endpoint (issue 4).

    lexer.py                the strict lexer (Oxigraph's terminals) and the canonical text the store runs
    sandbox.py              pure checks every query passes (updates, SERVICE, FROM, size, nesting)
    protocol.py             reading GET / POST form / POST direct requests
    execute.py              running a checked query on the store with the configured limits
    service_description.py  the sd: description served on GET /sparql without a query
    tables.py               answers as rows of cells for the HTML pages
    examples.py             the competency questions (queries/*.rq) as examples and API
    views.py                /sparql and /queries
"""
from flask import Blueprint

bp = Blueprint("sparql", __name__)

from . import views  # noqa: E402,F401  (registers the routes on bp)
