"""The interface every store backend implements (rdflib, Oxigraph, remote SPARQL).

The web layer and the SPARQL endpoint only talk to this interface, through the
``Store`` facade in ``server.store`` (``get_store()`` in a request). Backends are
chosen by ``STORE_BACKEND``. All reads are SPARQL underneath, so every backend gives
the same answers; the default graph of a query is the union of all named graphs.

Terms crossing this interface are rdflib terms (URIRef, Literal, BNode).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from rdflib import Dataset, Graph
from rdflib.term import Node


@dataclass
class QueryAnswer:
    """A SPARQL answer already serialized in the negotiated result format.

    ``truncated`` is true when SPARQL_MAX_ROWS cut the result (the endpoint then
    says so in a header and a note)."""
    media_type: str
    body: bytes
    kind: str                    # "select" | "ask" | "graph"
    truncated: bool = False
    rows: int | None = None


@dataclass
class Solutions:
    """SELECT results as Python values (for internal use: pages, timelines, counts)."""
    variables: list[str]
    rows: list[dict[str, Node]] = field(default_factory=list)


class Backend(ABC):
    """One store implementation. Internal reads are not time-limited; public SPARQL
    goes through ``run_protocol_query`` which the sandbox wraps with limits."""

    name: str = "abstract"

    @abstractmethod
    def load(self, dataset: Dataset) -> None:
        """Replace the store content with ``dataset`` (all its named graphs)."""

    @abstractmethod
    def select(self, query: str) -> Solutions:
        """Run a trusted SELECT (or ASK: one row {"ask": Literal(bool)}) over the union graph."""

    @abstractmethod
    def construct(self, query: str) -> Graph:
        """Run a trusted CONSTRUCT/DESCRIBE over the union graph."""

    @abstractmethod
    def quads(self) -> Iterator[tuple[Node, Node, Node, Node]]:
        """Every quad (s, p, o, graph IRI) of the store, for dumps."""

    @abstractmethod
    def run_protocol_query(self, query: str, *, result_media_type: str,
                           default_graph_uris: Sequence[str] = (),
                           named_graph_uris: Sequence[str] = (),
                           max_rows: int | None = None) -> QueryAnswer:
        """Run an untrusted query (already checked by the sandbox) and serialize it."""

    def close(self) -> None:  # pragma: no cover - optional
        pass
