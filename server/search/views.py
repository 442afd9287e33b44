"""``GET /search``: look up (the index), negotiate (HTML or JSON), serialise.

Parameters: ``q`` (any text; capped, never an error), ``type`` / ``kind`` / ``year`` /
``source`` (facet filters, repeatable; classes and graphs as prefixed names or IRIs),
``page`` and ``limit`` (whole numbers), ``format`` (``html`` or ``json``; else Accept).
"""
from __future__ import annotations

import json

from flask import current_app, render_template, request, url_for
from markupsafe import Markup, escape

from ..errors import BadRequest
from ..formats import HTML, JSON
from ..namespaces import all_prefixes
from ..web.iris import compact
from ..web.negotiation import choose, respond
from ..web.public import public_url
from . import bp, get_index
from .index import FACETS, SNIPPET_END, SNIPPET_START, expand

SEARCH_FORMATS = (HTML, JSON)
FACET_TITLES = {"type": "Type", "kind": "Event kind", "year": "Year", "source": "Source"}
MATCHES = {4: "exact name", 3: "name", 2: "name (word starts)", 1: "name (spelling variant)", 0: "text"}


@bp.route("/search")
def search():
    fmt = choose(SEARCH_FORMATS)
    config = current_app.config
    limit = whole("limit", int(config["SEARCH_PAGE_SIZE"]), 1, int(config["SEARCH_MAX_PAGE_SIZE"]))
    page = whole("page", 1, 1, 100_000)
    query = request.args.get("q", "")
    results = get_index().search(query, facet_filters(), limit=limit, offset=(page - 1) * limit)
    if fmt is JSON:
        body = json.dumps(as_json(results, page), ensure_ascii=False, indent=1)
        return respond(body, JSON, "/search", SEARCH_FORMATS, query_string())
    html = render_template("search.html", results=results, page=page, search_query=results.query,
                           facets=facet_view(results), titles=FACET_TITLES, matches=MATCHES,
                           pages=pager(results, page), json_href=link(format="json"),
                           snippet=highlight)
    return respond(html, HTML, "/search", SEARCH_FORMATS, query_string())


def whole(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadRequest(f"{name} must be a whole number from {low} to {high}, not {raw[:40]!r}.",
                         hint=f"Leave {name} out for {default}.")
    return int(raw)


def facet_filters() -> dict[str, list[str]]:
    """The facet filters of the request, classes and graphs as full IRIs. A value that
    is no known prefixed name is kept as it is (it then matches nothing)."""
    prefixes = all_prefixes(current_app.config["BASE_IRI"])
    out = {}
    for kind in FACETS:
        values = []
        for raw in request.args.getlist(kind)[:20]:
            raw = raw.strip()[:500]
            try:
                values.append(expand(raw, prefixes)[0] if kind != "year" and raw else raw)
            except ValueError:
                values.append(raw)
        out[kind] = [v for v in values if v]
    return out


def query_string() -> str:
    raw = request.query_string.decode("latin-1")
    return "?" + raw if raw else ""


def short(value: str, kind: str) -> str:
    """A facet value as it appears in URLs: prefixed name where one fits."""
    return value if kind == "year" else compact(value, all_prefixes(current_app.config["BASE_IRI"]))


def link(**changes) -> str:
    """This search's URL with ``changes`` (None removes a parameter; lists repeat it)."""
    args = {k: request.args.getlist(k) for k in request.args}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value if isinstance(value, list) else [value]
    return url_for("search.search", **{k: v for k, v in args.items() if v})


def facet_view(results) -> list[tuple[str, list[dict]]]:
    """Per facet kind: its values with the link that adds (or removes) each as a filter."""
    out = []
    for kind in FACETS:
        values = []
        current = request.args.getlist(kind)
        for fv in results.facets.get(kind, []):
            key = short(fv.value, kind)
            chosen = [v for v in current if v != key and v != fv.value]
            href = link(**{kind: chosen if fv.selected else [*current, key], "page": None})
            values.append({"label": fv.label, "count": fv.count, "selected": fv.selected, "href": href})
        if values:
            out.append((kind, values))
    return out


def pager(results, page: int) -> dict:
    last = min(results.total, results.ranked)
    return {"prev": link(page=str(page - 1)) if page > 1 else None,
            "next": link(page=str(page + 1)) if page * results.limit < last else None,
            "first": results.offset + 1, "last": min(results.offset + results.limit, last)}


def highlight(snippet: str) -> Markup:
    """A snippet with the matched words in ``<mark>`` (the text itself escaped)."""
    return Markup(str(escape(snippet)).replace(SNIPPET_START, "<mark>").replace(SNIPPET_END, "</mark>"))


def as_json(results, page: int) -> dict:
    pages = pager(results, page)
    return {
        "query": results.query, "tokens": results.tokens, "shortened": results.shortened,
        "total": results.total, "ranked": results.ranked, "offset": results.offset, "limit": results.limit,
        "variants": results.variants,
        "hits": [{"id": h.iri, "url": public_url(h.path), "label": h.label, "description": h.description,
                  "types": [{"id": t, "label": label} for t, label in h.types],
                  "sources": [{"id": s["graph"], "title": s["title"], "article": s["source"]} for s in h.sources],
                  "years": h.years, "match": MATCHES[h.tier],
                  "snippet": h.snippet.replace(SNIPPET_START, "").replace(SNIPPET_END, "") if h.snippet else None}
                 for h in results.hits],
        "facets": {kind: [{"value": f.value, "label": f.label, "count": f.count, "selected": f.selected}
                          for f in values] for kind, values in results.facets.items()},
        "next": public_url(pages["next"]) if pages["next"] else None,
    }
