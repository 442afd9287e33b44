"""The interface every store backend implements (rdflib, Oxigraph, remote SPARQL).

The web layer and the SPARQL endpoint never talk to a backend directly: they use the
``Store`` facade of ``server.store`` (``get_store()`` in a request), which adds the
resource description, statistics, the fingerprint and the time-limited query pool.
Backends are chosen by ``STORE_BACKEND``. All reads are SPARQL underneath, so every
backend gives the same answers; the default graph of a trusted query is the union of
all named graphs.

Terms crossing this interface are rdflib terms (URIRef, Literal, BNode), except in
``native_select``, which keeps the store's own terms (``server.store.terms``): pyoxigraph
terms on the embedded Oxigraph store, which descriptions pass to pyoxigraph's serializers
without converting them twice.

Process model: a backend object is created and loaded in the server process, then the
query pool forks worker processes that inherit it. ``after_fork()`` runs first in
each worker, so a backend holding OS resources (an on-disk store, an HTTP session)
reopens them there. ``protocol_query`` itself has no time limit: the pool enforces
one by killing the worker.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Node

from ..formats import Format


@dataclass
class QueryAnswer:
    """A SPARQL answer already serialized in the negotiated result format.

    ``truncated`` is true when SPARQL_MAX_ROWS cut the result (the endpoint then
    says so in a header and a note); ``rows`` counts the rows (or triples) sent."""
    media_type: str
    body: bytes
    kind: str                    # "select" | "ask" | "graph"
    truncated: bool = False
    rows: int | None = None


@dataclass
class Solutions:
    """SELECT results as Python values (for internal use: pages, timelines, counts).

    Unbound variables are absent from a row's dict."""
    variables: list[str]
    rows: list[dict[str, Node]] = field(default_factory=list)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


class Backend(ABC):
    """One store implementation."""

    name: str = "abstract"
    #: Does the backend itself talk to the network (a remote store)? Its query workers
    #: then cannot be network-confined (``server.store.confine``).
    needs_network: bool = False

    @abstractmethod
    def load(self, dataset: Dataset) -> None:
        """Replace the store content with ``dataset`` (all its named graphs)."""

    @abstractmethod
    def select(self, query: str) -> Solutions:
        """Run a trusted SELECT over the union graph."""

    def native_select(self, query: str) -> Solutions:
        """``select`` with the store's own terms (pyoxigraph or rdflib, see
        ``server.store.terms``), for rows passed on rather than read: descriptions.
        A backend whose terms are rdflib's keeps this default."""
        return self.select(query)

    @abstractmethod
    def ask(self, query: str) -> bool:
        """Run a trusted ASK over the union graph."""

    @abstractmethod
    def construct(self, query: str) -> Graph:
        """Run a trusted CONSTRUCT over the union graph."""

    @abstractmethod
    def quads(self) -> Iterator[tuple[Node, Node, Node, URIRef]]:
        """Every quad (s, p, o, graph IRI) of the store, for dumps."""

    @abstractmethod
    def graph_names(self) -> list[URIRef]:
        """The IRIs of the named graphs, sorted."""

    @abstractmethod
    def protocol_query(self, query: str, *, result_format: Format,
                       default_graph_uris: Sequence[str] = (),
                       named_graph_uris: Sequence[str] = (),
                       max_rows: int | None = None,
                       prefixes: dict[str, str] | None = None) -> QueryAnswer:
        """Run an untrusted query (already checked by the sandbox) and serialize it.

        Without dataset parameters the default graph is the union of all named graphs;
        with ``default_graph_uris`` / ``named_graph_uris`` the dataset is exactly the
        graphs given (SPARQL 1.1 Protocol). ``prefixes`` abbreviate graph results in
        Turtle/TriG. Raises QuerySyntaxError (with position) and
        NotAcceptable (result format does not fit the query form)."""

    def after_fork(self) -> None:
        """Reopen process-bound resources in a freshly forked query worker."""

    def close(self) -> None:
        """Release resources (optional)."""
