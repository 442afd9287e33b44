"""Embedded in-memory backend on rdflib's Dataset (the smallest setups).

rdflib's SPARQL engine is the reference engine of the project but slow at scale (see
issue 5). FROM/FROM NAMED never load anything from the web here: graph loading is
switched off, so a dataset clause only names graphs the store already holds.
"""
from __future__ import annotations

from typing import Iterator, Sequence

import rdflib.plugins.sparql as rdflib_sparql
from pyparsing import ParseBaseException
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from ..errors import QuerySyntaxError
from ..formats import Format
from . import results
from .base import Backend, QueryAnswer, Solutions

rdflib_sparql.SPARQL_LOAD_GRAPHS = False       # never fetch a FROM <iri> from the web


class RdflibBackend(Backend):
    name = "rdflib"

    def __init__(self):
        self.dataset = Dataset(default_union=True)

    def load(self, dataset: Dataset) -> None:
        fresh = Dataset(default_union=True)
        for s, p, o, g in dataset.quads((None, None, None, None)):
            gid = g.identifier if isinstance(g, Graph) else g
            if gid is None or gid == DATASET_DEFAULT_GRAPH_ID:
                continue                         # only named graphs are served
            fresh.graph(gid).add((s, p, o))
        self.dataset = fresh

    # -- trusted reads -------------------------------------------------------

    def _query(self, query: str, dataset: Dataset | None = None):
        try:
            return (self.dataset if dataset is None else dataset).query(query)
        except ParseBaseException as exc:
            raise QuerySyntaxError(f"line {exc.lineno}, column {exc.col}: {exc.msg}",
                                   hint="Fix the query text at the position shown.",
                                   line=exc.lineno, column=exc.col) from None

    def select(self, query: str) -> Solutions:
        res = self._query(query)
        variables = [str(v) for v in res.vars]
        rows = [{v: t for v, t in zip(variables, row) if t is not None} for row in res]
        return Solutions(variables, rows)

    def ask(self, query: str) -> bool:
        return bool(self._query(query).askAnswer)

    def construct(self, query: str) -> Graph:
        graph = Graph()
        for triple in self._query(query):
            graph.add(triple)
        return graph

    def quads(self) -> Iterator:
        for s, p, o, g in self.dataset.quads((None, None, None, None)):
            gid = g.identifier if isinstance(g, Graph) else g
            if gid is not None and gid != DATASET_DEFAULT_GRAPH_ID:
                yield s, p, o, gid

    def graph_names(self) -> list[URIRef]:
        return sorted(c.identifier for c in self.dataset.graphs()
                      if c.identifier != DATASET_DEFAULT_GRAPH_ID and len(c))

    # -- untrusted queries ---------------------------------------------------

    def protocol_query(self, query: str, *, result_format: Format,
                       default_graph_uris: Sequence[str] = (),
                       named_graph_uris: Sequence[str] = (),
                       max_rows: int | None = None,
                       prefixes: dict[str, str] | None = None) -> QueryAnswer:
        dataset = None
        if default_graph_uris or named_graph_uris:
            dataset = self._restricted(default_graph_uris, named_graph_uris)
        res = self._query(query, dataset)
        if res.type == "ASK":
            return results.ask_answer(res.askAnswer, result_format)
        if res.type == "SELECT":
            variables = [str(v) for v in res.vars]
            return results.select_answer(variables, iter(res), result_format, max_rows)
        return results.graph_answer(iter(res), result_format, max_rows, prefixes)

    def _restricted(self, default_graph_uris, named_graph_uris) -> Dataset:
        """A dataset made of exactly the graphs the protocol parameters name."""
        ds = Dataset(default_union=False)
        known = set(self.graph_names())         # never create a graph by naming it
        default = ds.default_graph
        for uri in map(URIRef, default_graph_uris):
            if uri in known:
                for triple in self.dataset.graph(uri):
                    default.add(triple)
        for uri in map(URIRef, named_graph_uris):
            if uri in known:
                target = ds.graph(uri)
                for triple in self.dataset.graph(uri):
                    target.add(triple)
        return ds
