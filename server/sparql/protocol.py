"""The SPARQL 1.1 Protocol: reading a query request in any of its three forms.

    GET  /sparql?query=...&default-graph-uri=...&named-graph-uri=...
    POST /sparql  application/x-www-form-urlencoded   query=...&default-graph-uri=...
    POST /sparql  application/sparql-query            (the query is the body; dataset in the URL)

The body is decoded exactly once (Werkzeug's form parser, or UTF-8 for a direct
body), so a literal such as "100%41" arrives as written. Updates are refused on
every form: the ``update`` field and ``application/sparql-update`` bodies.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.exceptions import MethodNotAllowed, RequestEntityTooLarge

from ..errors import BadRequest, PayloadTooLarge, UnsupportedMediaType, UpdateRefused

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
ALLOWED_METHODS = ("GET", "HEAD", "POST", "OPTIONS")


@dataclass
class ProtocolRequest:
    query: str
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)
    format: str | None = None          # ?format= override of the Accept header


def _refuse_update(fields) -> None:
    if "update" in fields:
        raise UpdateRefused("This endpoint is read-only: the 'update' operation is not accepted.",
                            hint="Send a query with the 'query' parameter instead.")


def _one_query(fields, where: str) -> str | None:
    queries = fields.getlist("query")
    if len(queries) > 1:
        raise BadRequest(f"The request carries {len(queries)} 'query' parameters in the {where}; "
                         "the protocol allows exactly one.", hint="Send one query per request.")
    return queries[0] if queries else None


def _too_large(request) -> PayloadTooLarge:
    limit = request.max_content_length
    return PayloadTooLarge(f"The request body is larger than this endpoint accepts ({limit} bytes).",
                           hint="Shorten the query; predeclared prefixes need not be written out.",
                           limit=limit)


def read_protocol_request(request) -> ProtocolRequest | None:
    """The query request carried by ``request``; None for a GET without a query
    (the caller answers with the service description)."""
    if request.method not in ALLOWED_METHODS:       # Werkzeug's exception carries the Allow header
        raise MethodNotAllowed(valid_methods=list(ALLOWED_METHODS), description=(
            f"{request.method} is not a SPARQL protocol operation: use GET with ?query=, "
            "or POST (application/x-www-form-urlencoded or application/sparql-query)."))
    args = request.args
    _refuse_update(args)
    if request.method in ("GET", "HEAD"):
        query = _one_query(args, "URL")
        if query is None:
            return None
        return ProtocolRequest(query, args.getlist("default-graph-uri"),
                               args.getlist("named-graph-uri"), args.get("format"))

    mimetype = request.mimetype
    try:
        if mimetype == FORM:
            form = request.form
            _refuse_update(form)
            query = _one_query(form, "body")
            if query is None:
                raise BadRequest("The form carries no 'query' parameter.",
                                 hint="POST query=<SPARQL text> as application/x-www-form-urlencoded.")
            if "query" in args:
                raise BadRequest("The query is given both in the URL and in the body.",
                                 hint="Send it once.")
            return ProtocolRequest(query, form.getlist("default-graph-uri") or args.getlist("default-graph-uri"),
                                   form.getlist("named-graph-uri") or args.getlist("named-graph-uri"),
                                   form.get("format") or args.get("format"))
        if mimetype == UPDATE:
            raise UpdateRefused("This endpoint is read-only: application/sparql-update requests are not accepted.",
                                hint="Send a query as application/sparql-query instead.")
        if mimetype == DIRECT:
            if "query" in args:
                raise BadRequest("The query is given both in the URL and in the body.", hint="Send it once.")
            charset = request.mimetype_params.get("charset", "utf-8").lower()
            if charset not in ("utf-8", "utf8"):
                raise BadRequest(f"The query body is declared as {charset}; the protocol requires UTF-8.",
                                 hint="Send the query encoded as UTF-8.")
            body = request.get_data(cache=True)
            try:
                query = body.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BadRequest(f"The query body is not valid UTF-8 (byte {exc.start}).",
                                 hint="Send the query encoded as UTF-8.") from None
            return ProtocolRequest(query, args.getlist("default-graph-uri"),
                                   args.getlist("named-graph-uri"), args.get("format"))
    except RequestEntityTooLarge:
        raise _too_large(request) from None
    if not mimetype:
        raise UnsupportedMediaType("The POST request has no Content-Type.",
                                   hint=f"Use Content-Type {FORM} (query=...) or {DIRECT} (the query as body).")
    raise UnsupportedMediaType(f"A SPARQL query cannot be sent as {mimetype}.",
                               hint=f"Use Content-Type {FORM} (query=...) or {DIRECT} (the query as body).")
