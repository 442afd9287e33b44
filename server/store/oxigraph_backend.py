"""Embedded Oxigraph backend (pyoxigraph): in memory, or persistent on disk.

The default graph is materialized at load time as the set union of all named graphs
(see ``_fill``), so queries need no union flag.

Persistent mode (``STORE_PATH``): the folder, its locks and its manifest are
``server.store.disk``; when to open and when to build is ``server.startup``. A store
is built once (``load`` / ``load_quads``: into a fresh folder, swapped in, manifest
written) and then only ever opened read-only, after its files were checked against
the manifest (``open``). Every process, and every query worker (``after_fork``), opens
it read-only: the data is held once on disk / in the page cache, not once per worker.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterator, Sequence

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from ..errors import QuerySyntaxError
from ..formats import Format
from . import results
from .base import Backend, QueryAnswer, Solutions
from .disk import Manifest, StoreFolder
from .terms import to_ox, to_rdflib

_POSITION = re.compile(r"error at (\d+):(\d+)")
_KEEP_ALIVE: list = []      # stores inherited over fork are never dropped in the child


def syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    message = str(exc)
    match = _POSITION.search(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    return QuerySyntaxError(message, hint="Fix the query text at the position shown.",
                            line=line, column=column)


def with_default_graph(quads: Iterator[ox.Quad]) -> Iterator[ox.Quad]:
    """Each named-graph quad, then its triple in the default graph (one pass).

    Oxigraph's own union default graph keeps one copy of a triple per graph (a fact
    stated by two articles would count twice); a materialized default graph is the
    set union the SPARQL spec and the other backends give, and is faster to query.
    The bulk loader keeps one copy of a quad written twice."""
    for q in quads:
        yield q
        if not isinstance(q.graph_name, ox.DefaultGraph):
            yield ox.Quad(q.subject, q.predicate, q.object)


def dataset_quads(dataset: Dataset) -> Iterator[ox.Quad]:
    """The quads of an rdflib Dataset as pyoxigraph quads, without serializing it (each
    distinct IRI converted once); triples of its default graph stay there."""
    iris: dict = {}

    def term(node):
        if isinstance(node, URIRef):
            found = iris.get(node)
            if found is None:
                found = iris[node] = ox.NamedNode(node)
            return found
        return to_ox(node)

    for graph in dataset.graphs():
        name = (ox.DefaultGraph() if graph.identifier == DATASET_DEFAULT_GRAPH_ID
                else term(graph.identifier))
        for s, p, o in graph:
            yield ox.Quad(term(s), term(p), term(o), name)


class OxigraphBackend(Backend):
    name = "oxigraph"

    def __init__(self, path: str | None = None, *, rebuild_hint: str | None = None):
        self.path = Path(path) if path else None
        self.folder = StoreFolder(self.path, rebuild_hint) if self.path else None
        self.manifest: Manifest | None = None
        self.store = ox.Store()

    # -- loading -------------------------------------------------------------

    def open(self, manifest: Manifest) -> None:
        """Serve the persistent store built as ``manifest`` says: take the shared lock,
        check its files (StoreCorrupted), open it read-only. Writes nothing."""
        self.folder.share()
        self.folder.verify(manifest)
        try:
            self.store = ox.Store.read_only(str(self.folder.db))
        except OSError as exc:
            raise self.folder.corrupted(f"Oxigraph cannot open it ({exc})") from None
        self.manifest = manifest

    def load(self, dataset: Dataset, fingerprint: str | None = None,
             conforms: bool | None = None) -> None:
        """Build the store from an rdflib Dataset (the loader's)."""
        self._build(lambda store: store.bulk_extend(with_default_graph(dataset_quads(dataset))),
                    fingerprint, conforms)

    def load_quads(self, quads, fingerprint: str | None = None,
                   conforms: bool | None = None) -> None:
        """Build the store from ``quads()``, an iterator of named-graph pyoxigraph quads
        (``server.store.bulk``), read once: no rdflib Dataset in between."""
        self._build(lambda store: store.bulk_extend(with_default_graph(quads())),
                    fingerprint, conforms)

    def adopt(self, store: ox.Store, fingerprint: str | None = None,
              conforms: bool | None = None) -> None:
        """Serve ``store``, filled by ``server.native_load`` as ``load`` would fill it
        (named graphs and their union in the default graph): in memory it is taken as
        it is; a persistent store is built from its quads."""
        if self.path is None:
            self.store = store
            return
        self._build(lambda target: target.bulk_extend(store.quads_for_pattern(None, None, None, None)),
                    fingerprint, conforms)

    def build(self, fill, fingerprint: str | None, conforms: bool | None) -> None:
        """Build the store with ``fill(store)`` (in memory, or a persistent store swapped
        in when ``fill`` returns; an exception leaves no build behind)."""
        self._build(fill, fingerprint, conforms)

    def _build(self, fill, fingerprint: str | None, conforms: bool | None) -> None:
        if self.path is None:
            self.store = ox.Store()
            fill(self.store)
            return
        self.manifest = self.folder.build(fill, fingerprint or "", conforms)
        self.store = ox.Store.read_only(str(self.folder.db))

    def after_fork(self) -> None:
        """In a forked worker: the inherited descriptor keeps the shared lock; reopen the
        read-only store (its files were checked when this process opened it)."""
        if self.path is not None:
            _KEEP_ALIVE.append(self.store)
            self.store = ox.Store.read_only(str(self.folder.db))

    def close(self) -> None:
        """Stop serving: drop the store and this process's lock on its folder."""
        if self.folder is not None:
            self.store = ox.Store()
            self.folder.release()

    # -- trusted reads -------------------------------------------------------

    def _query(self, query: str, **kwargs):
        try:
            return self.store.query(query, **kwargs)
        except SyntaxError as exc:
            raise syntax_error(exc) from None

    def native_select(self, query: str) -> Solutions:
        """The rows as pyoxigraph gives them: no term is converted."""
        res = self._query(query)
        variables = [v.value for v in res.variables]
        return Solutions(variables, [{v: t for v, t in zip(variables, sol) if t is not None}
                                     for sol in res])

    def select(self, query: str) -> Solutions:
        res = self._query(query)
        variables = [v.value for v in res.variables]
        rows = []
        seen: dict = {}                     # one conversion per distinct term of the answer
        for sol in res:
            row = {}
            for v, term in zip(variables, sol):
                if term is not None:
                    converted = seen.get(term)
                    if converted is None:
                        converted = seen[term] = to_rdflib(term)
                    row[v] = converted
            rows.append(row)
        return Solutions(variables, rows)

    def ask(self, query: str) -> bool:
        return bool(self._query(query))

    def construct(self, query: str) -> Graph:
        graph = Graph()
        for t in self._query(query):
            graph.add((to_rdflib(t.subject), to_rdflib(t.predicate), to_rdflib(t.object)))
        return graph

    def quads(self) -> Iterator:
        for q in self.store.quads_for_pattern(None, None, None, None):
            if isinstance(q.graph_name, ox.DefaultGraph):
                continue
            yield (to_rdflib(q.subject), to_rdflib(q.predicate), to_rdflib(q.object),
                   to_rdflib(q.graph_name))

    def graph_names(self) -> list[URIRef]:
        return sorted(URIRef(g.value) for g in self.store.named_graphs()
                      if isinstance(g, ox.NamedNode))

    # -- untrusted queries ---------------------------------------------------

    def protocol_query(self, query: str, *, result_format: Format,
                       default_graph_uris: Sequence[str] = (),
                       named_graph_uris: Sequence[str] = (),
                       max_rows: int | None = None,
                       prefixes: dict[str, str] | None = None) -> QueryAnswer:
        kwargs = {}
        if default_graph_uris or named_graph_uris:
            kwargs = {"default_graph": [ox.NamedNode(u) for u in default_graph_uris],
                      "named_graphs": [ox.NamedNode(u) for u in named_graph_uris]}
        res = self._query(query, **kwargs)
        if isinstance(res, ox.QueryBoolean):
            return results.ask_answer(bool(res), result_format)
        if isinstance(res, ox.QuerySolutions):
            variables = [v.value for v in res.variables]
            rows = ([sol[v] for v in variables] for sol in res)
            return results.select_answer(variables, rows, result_format, max_rows)
        return results.graph_answer(res, result_format, max_rows, prefixes)
