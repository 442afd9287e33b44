"""Linked-data publishing (issue 3): dereferenceable IRIs, content negotiation, HTML
pages, JSON-LD context, dumps, VoID and the HTTP hygiene of the whole service.

    iris.py         request path <-> canonical IRI, file suffixes (pure)
    negotiation.py  choosing a format; Content-Location, Link alternates
    rdf.py          serialising (JSON-LD compacted with the published context)
    lookups.py      store reads computed once per app (graph -> article, ontology, context)
    pages.py        HTML view models (labels, grouped properties, sources)
    timeline.py     the timeline of a person or organisation
    void.py         the VoID description
    cache.py        bounded LRUs of rendered resource descriptions and dumps
    public.py       the public base URL of absolute URLs (PUBLIC_URL; never the Host header)
    http.py         Vary, CORS, ETag/Last-Modified/304, Cache-Control, compression,
                    Content-Security-Policy and the other browser-safety headers
    errors.py       one handler rendering every error in the negotiated format
    browse.py       /browse/<prefix>:<Class>: paged lists of a class's instances (HTML, CSV)
    casefile.py     the case summary, members and groups of a person's or organisation's page
    timeline_page.py  /timeline: every dated event of the dataset (SVG and table)
    views.py        the routes; the catch-all resource route comes last

``init_app(app)`` installs the hooks and error handlers and registers the blueprint
(after the SPARQL blueprint, so its specific routes are matched first).
"""
from flask import Blueprint

bp = Blueprint("web", __name__)

from . import browse, timeline_page, views  # noqa: E402,F401  (registers the routes on bp)


def init_app(app) -> None:
    from . import cache, errors, http, lookups, public, timeline_svg
    app.jinja_env.globals["timeline_svg"] = timeline_svg.render_svg
    public.init_app(app)
    cache.init_app(app)
    lookups.init_app(app)
    http.init_app(app)
    errors.init_app(app)
    app.register_blueprint(bp)
