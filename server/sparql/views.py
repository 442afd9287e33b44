"""Views of the SPARQL endpoint: /sparql (protocol, service description, query page)
and /queries (the named example queries as an API).

Absolute URLs (``sd:endpoint``, the example queries' URLs) come from the public base
(``server.web.public``), never from the Host header. An HTML result page shows at most
``HTML_MAX_ROWS`` rows, so its rendering costs a bounded time outside the query's time
limit; the downloads it links carry the whole answer."""
from __future__ import annotations

import time

from flask import Response, current_app, jsonify, render_template, request, send_file, url_for

from ..errors import KGError, NotAcceptable, NotFound
from ..formats import GRAPH_FORMATS, HTML, JSON, RESOURCE_FORMATS, RESULT_FORMATS, Format, negotiate
from ..formats import NTRIPLES, SPARQL_JSON
from ..store import QueryAnswer
from ..web.graph_store import graph_store_response, is_graph_store_request
from ..web.public import public_url_for
from ..web.rdf import serialize
from . import bp, editor, examples, execute, tables
from .protocol import ALLOWED_METHODS, read_protocol_request
from .service_description import LIMITS, service_description

PAGE_OFFERS: tuple[Format, ...] = (*RESULT_FORMATS, *GRAPH_FORMATS, HTML)


def _offers(kind: str) -> tuple[Format, ...]:
    return (*(GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS), HTML)


def accept() -> str | None:
    return request.headers.get("Accept")


@bp.route("/sparql", methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"],
          provide_automatic_options=False)
def endpoint():
    if request.method == "OPTIONS":
        allowed = ", ".join(("GET", "HEAD", "OPTIONS") if is_graph_store_request(request.args)
                            else ALLOWED_METHODS)
        return Response(status=204, headers={"Allow": allowed, "Access-Control-Allow-Methods": allowed})
    if is_graph_store_request(request.args):
        return graph_store_response()
    req = read_protocol_request(request)
    if req is None:
        return service_description_response()
    wants_html = _wants_html(req.format)
    dataset = execute.Dataset(req.default_graph_uris, req.named_graph_uris)
    try:
        checked = execute.check(req.query)
        fmt = negotiate(accept(), _offers(checked.kind), req.format)
        if fmt is HTML:
            return render_results(req.query, checked, dataset)
        from ..store import get_store
        if request.method in ("GET", "HEAD") and get_store().caches_answer(checked.runnable):
            from ..web.front import mark           # a 200 answer may be replayed (web/front.py)
            mark(request.environ)
        return answer_response(execute.run(checked, fmt, dataset))
    except KGError as exc:
        if not wants_html:
            raise
        return render_page(query=req.query, error=exc), exc.status


def _wants_html(override: str | None) -> bool:
    """Would this client rather see errors on the query page (a browser)?"""
    if override and override.strip().lower() in HTML.spellings:
        return True
    try:
        return negotiate(accept(), PAGE_OFFERS, override) is HTML
    except NotAcceptable:
        return False


def service_description_response():
    fmt = negotiate(accept(), RESOURCE_FORMATS, request.args.get("format"))
    if fmt is HTML:
        return render_page(query=None)
    graph = service_description(public_url_for("sparql.endpoint"), _graph_names(),
                                execute.predeclared(), current_app.config)
    prefixes = {str(p): str(ns) for p, ns in graph.namespaces()}
    return Response(serialize(graph, fmt, prefixes), content_type=fmt.content_type)


def answer_response(answer: QueryAnswer) -> Response:
    resp = Response(answer.body, mimetype=answer.media_type)
    if answer.rows is not None:
        resp.headers["X-Result-Rows"] = str(answer.rows)
    if answer.truncated:
        resp.headers["X-Result-Truncated"] = "true"
    return resp


# -- the query page ----------------------------------------------------------

def _graph_names() -> list[str]:
    from ..store import get_store
    return [str(g) for g in get_store().graph_names()]


def render_results(query: str, checked, dataset, example=None):
    """Run for display (SPARQL JSON or N-Triples), then the page with the table (at most
    ``HTML_MAX_ROWS`` rows of it)."""
    view_fmt = NTRIPLES if checked.kind == "graph" else SPARQL_JSON
    started = time.perf_counter()
    answer = execute.run(checked, view_fmt, dataset)
    took = (time.perf_counter() - started) * 1000
    base, root = current_app.config["BASE_IRI"], request.script_root
    shown = int(current_app.config["HTML_MAX_ROWS"])
    table = (tables.from_ntriples(answer.body, base, root, shown) if checked.kind == "graph"
             else tables.from_sparql_json(answer.body, base, root, shown))
    from ..store import get_store
    labels = editor.labels(get_store(), (c.value for row in table.rows for c in row if c.kind == "uri"))
    resp = Response(render_page(query=query, table=table, truncated=answer.truncated,
                                kind=checked.kind, example=example, dataset=dataset,
                                total_rows=answer.rows, labels=labels, took=took))
    resp.headers["Server-Timing"] = f'query;dur={took:.1f};desc="query and answer"'
    if answer.truncated:
        resp.headers["X-Result-Truncated"] = "true"
    return resp


def downloads(query: str, kind: str, dataset=None, example=None) -> list[tuple[Format, str]]:
    """(format, URL) for every format the answer can be downloaded in."""
    formats = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    if example is not None:
        return [(f, url_for("sparql.named_query", name=example.name, format=f.name)) for f in formats]
    params = {"query": query}
    if dataset is not None:
        params["default-graph-uri"] = dataset.default_graph_uris
        params["named-graph-uri"] = dataset.named_graph_uris
    return [(f, url_for("sparql.endpoint", format=f.name, **params)) for f in formats]


def layout() -> str:
    """The shared layout (base.html, owned by the web layer) once its pages exist, else ours."""
    return "base.html" if "web.home" in current_app.view_functions else "sparql_layout.html"


def render_page(*, query: str | None, table=None, truncated=False, kind=None, error=None,
                example=None, dataset=None, total_rows=None, labels=None, took=None) -> str:
    config = current_app.config
    digest = editor.asset_digest("editor.js")
    return render_template(
        "sparql.html", layout=layout(), query=query, table=table, truncated=truncated, kind=kind, error=error,
        total_rows=total_rows, html_max_rows=config["HTML_MAX_ROWS"], labels=labels or {}, took=took,
        editor_script=url_for("sparql.editor_asset", name="editor.js", v=digest) if digest else None,
        public_endpoint=public_url_for("sparql.endpoint"),
        example=example, examples=examples.examples(),
        downloads=downloads(query, kind, dataset, example) if table is not None else [],
        prefixes=execute.predeclared(), graphs=_graph_names(),
        limits=[(label, config[key]) for _, key, _, label, _ in LIMITS],
        max_rows=config["SPARQL_MAX_ROWS"],
        result_formats=RESULT_FORMATS, graph_formats=GRAPH_FORMATS)


# -- the editor's script and vocabulary --------------------------------------

@bp.route("/sparql/editor/<name>")
def editor_asset(name: str):
    """A file of the editor's bundle. Asked for with its current digest (``?v=``, as the
    query page links it) it is cached for a year; otherwise for the usual time."""
    path = editor.asset_path(name)
    if path is None:
        raise NotFound(f"The query editor has no file {name!r}.",
                       hint="The editor is built by `make editor` (npm); without it the query page is a plain form.")
    resp = send_file(path, mimetype=editor.ASSETS[name], conditional=True, etag=True, max_age=0)
    if request.args.get("v") == editor.asset_digest(name):
        resp.cache_control.public = True
        resp.cache_control.max_age = 31536000
        resp.cache_control.immutable = True
    else:
        resp.cache_control.public = True
        resp.cache_control.max_age = 300
    resp.cache_control.no_cache = None
    return resp


@bp.route("/sparql/vocabulary.json")
def vocabulary():
    """The predeclared prefixes and the data's classes and properties with their labels
    (bounded): what the editor completes."""
    from ..store import get_store
    return jsonify(editor.vocabulary(get_store(), execute.predeclared()))


# -- named queries -----------------------------------------------------------

def _describe_example(ex) -> dict:
    return {"name": ex.name, "title": ex.title, "description": ex.description,
            "sources": list(ex.sources), "query": ex.text,
            "url": public_url_for("sparql.named_query", name=ex.name)}


@bp.route("/queries")
def named_queries():
    fmt = negotiate(accept(), (JSON, HTML), request.args.get("format"))
    items = examples.examples()
    if fmt is HTML:
        return render_template("sparql_queries.html", layout=layout(), examples=items)
    return jsonify({"queries": [_describe_example(e) for e in items]})


@bp.route("/queries/<name>")
def named_query(name: str):
    example = examples.find(name)
    if example is None:
        raise NotFound(f"There is no example query named {name!r}.",
                       hint="The list is at /queries.")
    checked = execute.check(example.text)
    fmt = negotiate(accept(), _offers(checked.kind), request.args.get("format"))
    if fmt is HTML:
        return render_results(example.text, checked, execute.Dataset(), example=example)
    return answer_response(execute.run(checked, fmt))


@bp.after_request
def protocol_headers(resp: Response) -> Response:
    """Answers depend on Accept; a timed-out query may be retried a little later."""
    resp.vary.add("Accept")
    if (request.endpoint == "sparql.endpoint" and resp.mimetype == "text/html"
            and request.method in ("GET", "HEAD", "POST") and (resp.status_code == 200 or resp.status_code >= 400)
            and editor.asset_digest("editor.js")):
        resp.scripted = True            # the query page loads its editor (server.web.http)
    if resp.status_code == 503 and "Retry-After" not in resp.headers:
        resp.headers["Retry-After"] = "5"
    return resp


@bp.app_template_filter("prefixed")
def _prefixed(iri: str, prefixes: dict[str, str]) -> str:
    return tables.prefixed(iri, prefixes)
