"""Running a sandboxed query on the store, with the configured limits.

``run`` is the one path from a checked query to a serialized answer, for the
protocol endpoint, the query page and the named queries alike.
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from flask import current_app, request

from ..errors import QuerySyntaxError
from ..formats import Format
from ..namespaces import all_prefixes
from ..store import QueryAnswer
from . import sandbox


@dataclass
class Dataset:
    """The dataset a request asks for (protocol parameters win over FROM clauses)."""
    default_graph_uris: list[str] = field(default_factory=list)
    named_graph_uris: list[str] = field(default_factory=list)


def _store():
    from ..store import get_store
    return get_store()


def predeclared() -> dict[str, str]:
    return all_prefixes(current_app.config["BASE_IRI"])


def check(text: str) -> sandbox.CheckedQuery:
    """The sandbox with this app's limits, prefixes and graphs."""
    return sandbox.check_query(
        text, predeclared=predeclared(),
        dataset_graphs=[str(g) for g in _store().graph_names()],
        max_length=int(current_app.config["SPARQL_MAX_QUERY_LENGTH"]),
        base_iri=current_app.config["BASE_IRI"])


def effective_dataset(checked: sandbox.CheckedQuery, requested: Dataset) -> Dataset:
    """SPARQL 1.1 Protocol: a dataset given in the request overrides the query's FROM clauses."""
    if requested.default_graph_uris or requested.named_graph_uris:
        return requested
    return Dataset(list(checked.from_default), list(checked.from_named))


def client_key(address: str | None) -> str | None:
    """Who counts as one client for the per-client limit: an IPv4 address, or an IPv6
    /64 (one subscriber's usual allocation: an attacker has plenty of addresses in it)."""
    if not address or ":" not in address:
        return address
    try:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    except ValueError:
        return address


def run(checked: sandbox.CheckedQuery, fmt: Format, requested: Dataset | None = None) -> QueryAnswer:
    """Run on the store's time-limited worker pool; syntax errors point into the user's text.

    DESCRIBE is answered by the store with the same description as dereferencing."""
    requested = requested or Dataset()
    graphs = [str(g) for g in _store().graph_names()]
    sandbox.check_graph_iris(requested.default_graph_uris, "default-graph-uri", graphs)
    sandbox.check_graph_iris(requested.named_graph_uris, "named-graph-uri", graphs)
    dataset = effective_dataset(checked, requested)
    config = current_app.config
    try:
        return _store().protocol_query(
            checked.runnable, result_format=fmt,
            default_graph_uris=dataset.default_graph_uris,
            named_graph_uris=dataset.named_graph_uris,
            timeout=float(config["SPARQL_TIMEOUT"]),
            max_rows=int(config["SPARQL_MAX_ROWS"]),
            bounded=checked.bounded, client=client_key(request.remote_addr),
            max_bytes=int(config.get("SPARQL_MAX_ANSWER_BYTES") or 0) or None)
    except QuerySyntaxError as exc:
        raise checked.user_error(exc) from None

