"""The routes of the reconciliation service (see the package docstring). Each view:
read the parameters, ask the index (``server.search.get_index``), answer JSON."""
from __future__ import annotations

import json
import re

from flask import Response, current_app, render_template, request
from rdflib.namespace import RDFS
from werkzeug.exceptions import HTTPException

from .. import __version__
from ..errors import BadRequest, KGError, NotFound
from ..formats import JSON
from ..namespaces import all_prefixes
from ..search import get_index
from ..search import text
from ..store import get_store
from ..web.public import public_base, public_url, public_url_for
from . import EXTENSION, bp, service

PREVIEW_SIZE = (430, 300)
SUGGEST_LIMIT = 10
#: An IRI we may put between ``<>`` in a SPARQL query (no space, quote, brace...).
SAFE_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\x00-\x20<>\"{}|^`\\]*")
PROPERTIES_QUERY = "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p"
PROPERTY_LABELS_QUERY = "SELECT ?p ?label WHERE {{ VALUES ?p {{ {properties} }} ?p <{label}> ?label }}"
VALUES_QUERY = "SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {subjects} }} VALUES ?p {{ {properties} }} ?s ?p ?o }}"


def base() -> str:
    return current_app.config["BASE_IRI"]


def answer(payload: dict, status: int = 200) -> Response:
    """JSON, or JSONP when a GET names a valid ``callback`` (400 for an invalid one)."""
    body = json.dumps(payload, ensure_ascii=False)
    callback = request.args.get("callback") if request.method in ("GET", "HEAD") else None
    if callback is not None:
        if not service.CALLBACK.fullmatch(callback):
            raise BadRequest("callback must be a JavaScript function name (letters, digits, _ and $, "
                             "optionally dotted), at most 64 characters per name.",
                             hint="Leave callback out: this service allows cross-origin requests (CORS).")
        # /**/ keeps the body from starting with the callback (the Rosetta Flash attack)
        body = body.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
        resp = Response(f"/**/{callback}({body});", status=status, content_type="application/javascript; charset=utf-8")
    else:
        resp = Response(body, status=status, content_type=JSON.content_type)
    if request.method == "POST":
        resp.headers["Cache-Control"] = "no-store"
    return resp


@bp.errorhandler(KGError)
@bp.errorhandler(HTTPException)
def error(exc):
    """Errors of this JSON API are JSON whatever the Accept header (the site's handler
    would send a Turtle comment to ``*/*``); the preview's 404 is the site's page."""
    from ..web.errors import as_kg_error, render_error
    if request.endpoint == "reconcile.preview":
        return render_error(exc)
    err = as_kg_error(exc)
    resp = Response(json.dumps(err.to_dict(), ensure_ascii=False), status=err.status,
                    content_type=JSON.content_type)
    if isinstance(exc, HTTPException):
        for key, value in exc.get_headers():
            if key.lower() == "allow":
                resp.headers[key] = value
    return resp


# -- the endpoint: manifest or query batch -------------------------------------------------

@bp.route("", methods=["GET", "POST"])
def endpoint():
    raw = request.form.get("queries") if request.method == "POST" else None
    raw = raw if raw is not None else request.args.get("queries")
    if raw is None:
        if request.method == "POST":
            raise BadRequest("POST needs a queries form field (a JSON query batch).",
                             hint='queries={"q0": {"query": "Kem Sokha"}}, as application/x-www-form-urlencoded.')
        return answer(manifest())
    config = current_app.config
    queries = service.parse_batch(raw, all_prefixes(base()), int(config["RECONCILE_BATCH_SIZE"]),
                                  int(config["RECONCILE_MAX_CANDIDATES"]))
    index = get_index()
    return answer({q.key: {"result": service.candidates(index, q, base(), property_values)} for q in queries})


def manifest() -> dict:
    config, index = current_app.config, get_index()
    prefixes = all_prefixes(base())
    defaults = [service.resolve(t, prefixes) for t in str(config["RECONCILE_DEFAULT_TYPES"]).split()]
    root = public_base().rstrip("/")
    return {
        "versions": ["0.2"],
        "name": f"{site_title()} (reconciliation)",
        "identifierSpace": base(),
        "schemaSpace": base() + "ontology",
        "serviceVersion": __version__,
        "documentation": public_url_for("search.search"),
        "view": {"url": public_base() + "{{id}}"},
        "defaultTypes": [{"id": t, "name": index.class_label(t)} for t in defaults],
        "preview": {"url": public_url_for("reconcile.preview") + "?id={{id}}",
                    "width": PREVIEW_SIZE[0], "height": PREVIEW_SIZE[1]},
        "suggest": {kind: {"service_url": root, "service_path": f"/reconcile/suggest/{kind}"}
                    for kind in ("entity", "type", "property")},
        "batchSize": int(config["RECONCILE_BATCH_SIZE"]),
    }


def site_title() -> str:
    return current_app.config["SITE_TITLE"]          # from the dataset's site file


def property_values(iris: list[str], properties: list[str]) -> dict[tuple[str, str], list]:
    """{(candidate IRI, property IRI): its values} in one trusted, bounded query. A
    property id that is no plain IRI is never put in the query (it matches nothing)."""
    props = [p for p in properties if SAFE_IRI.fullmatch(p)]
    subjects = [i for i in iris if SAFE_IRI.fullmatch(i)]
    if not props or not subjects:
        return {}
    rows = get_store().select(VALUES_QUERY.format(subjects=" ".join(f"<{s}>" for s in subjects),
                                                  properties=" ".join(f"<{p}>" for p in props))).rows
    out: dict[tuple[str, str], list] = {}
    for row in rows[:10_000]:
        out.setdefault((str(row["s"]), str(row["p"])), []).append(row["o"])
    return out


# -- suggest -----------------------------------------------------------------------------------

def prefix_and_cursor() -> tuple[str, int]:
    prefix = request.args.get("prefix", "")
    cursor = request.args.get("cursor", "0")
    if not cursor.isdigit() or int(cursor) > 10_000:
        raise BadRequest("cursor must be a whole number (suggestions to skip), at most 10000.")
    return prefix, int(cursor)


@bp.route("/suggest/entity")
def suggest_entity():
    prefix, cursor = prefix_and_cursor()
    index = get_index()
    types = [service.resolve(t, all_prefixes(base())) for t in request.args.getlist("type")[:20]]
    hits = []
    named = service.lookup_id(index, prefix, base())
    if named is not None and cursor == 0:
        hits.append(named)
    found = index.search(prefix, {"class": types} if types else {}, limit=SUGGEST_LIMIT, offset=cursor,
                         snippets=False)
    hits.extend(h for h in found.hits if named is None or h.iri != named.iri)
    return answer({"result": [{"id": h.iri[len(base()):], "name": h.label,
                               **({"description": h.description} if h.description else {}),
                               "notable": [{"id": t, "name": label} for t, label in h.types]}
                              for h in hits[:SUGGEST_LIMIT]]})


@bp.route("/suggest/type")
def suggest_type():
    prefix, cursor = prefix_and_cursor()
    classes = get_index().classes()
    found = [(c, label, n) for c, label, n in classes if matches(prefix, label, c)]
    return answer({"result": [{"id": c, "name": label, "description": f"{n} in the dataset"}
                              for c, label, n in found[cursor:cursor + SUGGEST_LIMIT]]})


@bp.route("/suggest/property")
def suggest_property():
    prefix, cursor = prefix_and_cursor()
    found = [(p, label) for p, label, _n in properties() if matches(prefix, label, p)]
    return answer({"result": [{"id": p, "name": label} for p, label in found[cursor:cursor + SUGGEST_LIMIT]]})


def matches(prefix: str, label: str, iri: str) -> bool:
    """Does every word of ``prefix`` start a word of the label, or is it the IRI's start
    or its prefixed name's?"""
    words = text.tokens(prefix)
    if not words:
        return True
    short = iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]
    names = text.tokens(label) + text.tokens(short)
    return iri.startswith(prefix.strip()) or all(any(n.startswith(w) for n in names) for w in words)


def properties() -> list[tuple[str, str, int]]:
    """(property IRI, label, uses) of every property of the data, most used first; read
    once per app (a remote store is asked once too: properties change rarely)."""
    memo = current_app.extensions[EXTENSION]
    if memo["properties"] is None:
        store = get_store()
        used = {str(r["p"]): int(r["n"]) for r in store.select(PROPERTIES_QUERY).rows}
        safe = [p for p in used if SAFE_IRI.fullmatch(p)]
        labels = {}
        for i in range(0, len(safe), 200):
            chunk = " ".join(f"<{p}>" for p in safe[i:i + 200])
            for r in store.select(PROPERTY_LABELS_QUERY.format(properties=chunk, label=RDFS.label)).rows:
                labels.setdefault(str(r["p"]), str(r["label"]))
        table = sorted(((p, labels.get(p) or p.rsplit("#", 1)[-1].rsplit("/", 1)[-1], n) for p, n in used.items()),
                       key=lambda r: (-r[2], r[1]))
        with memo["lock"]:
            memo["properties"] = table
    return memo["properties"]


# -- preview -------------------------------------------------------------------------------

@bp.route("/preview")
def preview():
    raw = request.args.get("id", "").strip()
    hit = get_index().resource(raw if raw.startswith(base()) else base() + raw.lstrip("/")) if raw else None
    if hit is None:
        raise NotFound(f"No entity with the id {raw[:200]!r}.",
                       hint="Ids are IRIs without the dataset base, e.g. person/kem-sokha.")
    resp = Response(render_template("reconcile_preview.html", hit=hit, page=public_url(hit.path)),
                    content_type="text/html; charset=utf-8")
    resp.embeddable = True                # OpenRefine shows it in an iframe (server.web.http)
    return resp
