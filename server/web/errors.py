"""One error handler for the whole service: every ``KGError`` and every Werkzeug
``HTTPException`` (404, 405, 413...) is rendered in the format the client asked for:
JSON for JSON-ish clients, an HTML page for browsers, and for RDF clients (or anyone
else) plain text, sent as a Turtle comment when Turtle was asked for."""
from __future__ import annotations

import json
import logging

from flask import Response, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from ..errors import KGError, NotAcceptable
from ..formats import HTML, JSON, JSONLD, RESOURCE_FORMATS, SPARQL_JSON, TURTLE, Format, best, by_name

log = logging.getLogger(__name__)

TEXT = Format("text", "Text", "text/plain", "txt", "page")
#: What an error body can be, by the format the client asked for. First Turtle (a
#: comment), so a client that takes anything gets the same kind of answer a known
#: IRI gives it; a browser gets a page, a JSON client JSON, anyone else plain text.
ERROR_KINDS = {TURTLE: "turtle", JSON: "json", JSONLD: "json", SPARQL_JSON: "json",
               HTML: "html", TEXT: "text"}


def init_app(app) -> None:
    app.register_error_handler(KGError, render_error)
    app.register_error_handler(HTTPException, render_error)


def as_kg_error(exc: Exception) -> KGError:
    if isinstance(exc, KGError):
        return exc
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods and \
            exc.description == MethodNotAllowed.description:       # Werkzeug's generic text
        allowed = ", ".join(exc.valid_methods)
        err = KGError(f"{request.method} is not allowed here: this URL answers {allowed}.",
                      hint="This service is read-only: read with GET, query /sparql with GET or POST.")
        err.status, err.title = 405, exc.name
        return err
    if isinstance(exc, HTTPException):
        err = KGError(exc.description or exc.name)
        err.status, err.title = exc.code or 500, exc.name
        return err
    return KGError("Unexpected error.")


def error_kind(accept: str | None, override: str | None) -> str:
    """"html" | "json" | "turtle" | "text" for this request (pure of its inputs)."""
    fmt = by_name(override, RESOURCE_FORMATS) if override else None
    if fmt is not None:
        if fmt.media_type == JSONLD.media_type:                  # every JSON-LD form
            return "json"
        return {"html": "html", "turtle": "turtle"}.get(fmt.name, "text")
    return ERROR_KINDS.get(best(accept, tuple(ERROR_KINDS)), "text")


def requested_override() -> str | None:
    """``?format=`` or the path's file suffix, if any."""
    if request.args.get("format"):
        return request.args["format"]
    last = request.path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[1] if "." in last else None


def render_error(exc: Exception):
    err = as_kg_error(exc)
    if err.status >= 500:
        log.error("%s: %s", err.title, err.message)
    kind = error_kind(request.headers.get("Accept"), requested_override())
    if isinstance(err, NotAcceptable) and kind == "turtle":
        kind = "text"
    body = err.to_dict()
    if kind == "html":
        resp = Response(render_template("error.html", error=body), mimetype="text/html")
    elif kind == "json":
        resp = Response(json.dumps(body, ensure_ascii=False, indent=2), mimetype="application/json")
    else:
        lines = [f"{err.status} {err.title}", err.message]
        if err.hint:
            lines.append(f"What to do: {err.hint}")
        if "offered" in body:
            lines.append("Offered: " + ", ".join(body["offered"]))
        prefix = "# " if kind == "turtle" else ""
        resp = Response("".join(prefix + line + "\n" for line in lines),
                        mimetype="text/turtle" if kind == "turtle" else "text/plain")
    resp.status_code = err.status
    if err.details.get("retry_after"):
        resp.headers["Retry-After"] = str(int(err.details["retry_after"]))
    if isinstance(exc, HTTPException):
        for key, value in exc.get_headers():
            if key.lower() in ("allow", "retry-after"):
                resp.headers[key] = value
    return resp
