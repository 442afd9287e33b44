"""The SPARQL 1.1 Graph Store HTTP Protocol, read-only, on the query endpoint:

    GET|HEAD /sparql?graph=<graph IRI>    one named graph (one per source article)
    GET|HEAD /sparql?default              the default graph (the union of the named graphs)

in every RDF format (Accept, ``?format=``); the HTML form of a graph of this dataset
is its own page (303 there). A graph the dataset does not hold is 404; ``graph=``
and ``default`` together, or with ``query``, are 400; writes (PUT, POST, DELETE,
PATCH with ``graph=``/``default``) are 405 with ``Allow: GET, HEAD, OPTIONS``.
A graph in TriG or N-Quads carries its triples in the default graph and again in
its named graph, as every document here does (``rdf.document_quads``).
"""
from __future__ import annotations

from flask import Response, redirect, request, url_for
from rdflib import URIRef
from werkzeug.exceptions import MethodNotAllowed

from ..errors import BadRequest, NotFound
from ..sparql.protocol import DIRECT, FORM
from ..formats import HTML, RESOURCE_FORMATS, alternates_of
from ..store import Statements, get_store
from . import cache
from .iris import local_link
from .negotiation import choose, link_header

ALLOWED = ("GET", "HEAD", "OPTIONS")
OFFERS = RESOURCE_FORMATS


def is_graph_store_request(args) -> bool:
    """Does this request address a graph (``graph=`` or ``default``) rather than ask a query?"""
    return "graph" in args or "default" in args


def graph_store_response():
    """The graph a Graph Store request names, in the negotiated format."""
    from .views import CONTEXT_SLOT, base, fill_context, rdf_body

    args = request.args
    both = BadRequest("A request names a graph (graph=/default) or asks a query, not both.",
                      hint="Drop graph=/default to run the query, or query= to fetch the graph.")
    if "query" in args or (request.method == "POST" and request.mimetype in (FORM, DIRECT)):
        raise both
    if request.method not in ("GET", "HEAD"):
        raise MethodNotAllowed(valid_methods=list(ALLOWED), description=(
            f"{request.method} would change a graph: this Graph Store is read-only."))
    graphs = args.getlist("graph")
    if ("default" in args) == bool(graphs) or len(graphs) > 1 or any(args.getlist("default")):
        raise BadRequest("Name exactly one graph: ?graph=<IRI> or ?default (without a value).",
                         hint="The named graphs are listed in the Service Description (GET /sparql).")
    iri = graphs[0] if graphs else None
    store = get_store()
    if iri is not None and iri not in {str(g) for g in store.graph_names()}:
        raise NotFound(f"This dataset has no graph <{iri}>.",
                       hint="The named graphs are listed in the Service Description (GET /sparql) "
                            "and in VoID (/void).")
    fmt = choose(OFFERS)
    if fmt is HTML:
        page = local_link(iri, base()) if iri else "/"
        if page is None:
            raise NotFound(f"Graph <{iri}> has no page here.", hint="Ask for Turtle or another RDF format.")
        return redirect(page, code=303)
    key = ("graph-store", iri or "", fmt.name)

    def build():
        data = Statements()
        if iri is None:
            data.add_quads((s, p, o, None) for s, p, o, _g in store.quads())
        else:
            graph = URIRef(iri)
            data.add_quads((s, p, o, graph) for s, p, o in _graph_triples(store, iri))
        resp = Response(rdf_body(data, fmt, context=CONTEXT_SLOT), content_type=fmt.content_type)
        resp.headers["Content-Location"] = _url(iri, fmt)
        if fmt.media_type != "application/ld+json":        # see negotiation.respond
            resp.headers["Link"] = link_header([{"href": _url(iri, f), "media_type": f.media_type}
                                                for f in alternates_of(OFFERS)])
        return resp

    # a named graph is one article's document (the answers cache); the default graph is
    # the whole dataset (the dumps cache, built one at a time)
    resp = fill_context(cache.cached(key, build, cache.DUMPS if iri is None else cache.RESPONSES), fmt)
    resp.headers["Accept-Ranges"] = "bytes"
    name = (iri or "default").rstrip("/").rsplit("/", 1)[-1] or "graph"
    resp.headers["Content-Disposition"] = f'inline; filename="{_safe(name)}.{fmt.suffix}"'
    return resp


def _url(iri: str | None, fmt) -> str:
    """The URL of the graph ``iri`` (None: the default graph) in ``fmt``."""
    if iri is None:
        return url_for("sparql.endpoint", default="", format=fmt.name)
    return url_for("sparql.endpoint", graph=iri, format=fmt.name)


def _graph_triples(store, iri: str):
    from .lookups import graph_content
    from .views import base
    return graph_content(store, iri, base())


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80] or "graph"

