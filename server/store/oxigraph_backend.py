"""Embedded Oxigraph backend (pyoxigraph): in memory, or persistent on disk.

The default graph is materialized at load time as the set union of all named graphs
(see ``_fill``), so queries need no union flag.

Persistent mode (``STORE_PATH``): the store directory keeps a ``kg-fingerprint`` file
naming the source files it was built from. On start, a directory holding the same
fingerprint is opened read-only without parsing anything; otherwise it is rebuilt
(under a file lock, so several server processes starting together build it once).
Every process, and every query worker, opens it read-only: the data is held once
on disk / in the page cache, not once per worker.
"""
from __future__ import annotations

import fcntl
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Sequence

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef

from ..errors import QuerySyntaxError
from ..formats import Format
from . import results
from .base import Backend, QueryAnswer, Solutions
from .results import to_rdflib

FINGERPRINT_FILE = "kg-fingerprint"
_POSITION = re.compile(r"error at (\d+):(\d+)")
_KEEP_ALIVE: list = []      # stores inherited over fork are never dropped in the child


def syntax_error(exc: SyntaxError) -> QuerySyntaxError:
    message = str(exc)
    match = _POSITION.search(message)
    line, column = (int(match.group(1)), int(match.group(2))) if match else (None, None)
    return QuerySyntaxError(message, hint="Fix the query text at the position shown.",
                            line=line, column=column)


def _fill(store: ox.Store, nquads: bytes) -> None:
    """Load the named graphs, and their RDF merge as the default graph.

    Oxigraph's own union default graph keeps one copy of a triple per graph (a fact
    stated by two articles would count twice); a materialized default graph is the
    set union the SPARQL spec and the other backends give, and is faster to query."""
    store.bulk_load(nquads, format=ox.RdfFormat.N_QUADS)
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object)
                      for q in ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
                      if not isinstance(q.graph_name, ox.DefaultGraph))


def _fill_from(store: ox.Store, quads) -> None:
    """Like ``_fill``, from a function giving the named-graph quads (called twice)."""
    store.bulk_extend(quads())
    store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in quads())


class OxigraphBackend(Backend):
    name = "oxigraph"

    def __init__(self, path: str | None = None):
        self.path = Path(path) if path else None
        self.store = ox.Store()

    # -- loading -------------------------------------------------------------

    def stored_fingerprint(self) -> str | None:
        marker = self.path / FINGERPRINT_FILE if self.path else None
        return marker.read_text().strip() if marker and marker.is_file() else None

    def open_existing(self, fingerprint: str) -> bool:
        """Open the persistent store read-only if it was built from these files."""
        if self.path is None or self.stored_fingerprint() != fingerprint:
            return False
        self.store = ox.Store.read_only(str(self.path / "db"))
        return True

    @contextmanager
    def build_lock(self):
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def load(self, dataset: Dataset, fingerprint: str | None = None) -> None:
        data = dataset.serialize(format="nquads", encoding="utf-8")
        self._build(lambda store: _fill(store, data), fingerprint)

    def load_quads(self, quads, fingerprint: str | None = None) -> None:
        """Load from ``quads()``, a fresh iterator of named-graph pyoxigraph quads per
        call (``server.store.bulk``): no rdflib Dataset in between."""
        self._build(lambda store: _fill_from(store, quads), fingerprint)

    def _build(self, fill, fingerprint: str | None) -> None:
        if self.path is None:
            self.store = ox.Store()
            fill(self.store)
            return
        marker = self.path / FINGERPRINT_FILE
        marker.unlink(missing_ok=True)
        shutil.rmtree(self.path / "db", ignore_errors=True)
        store = ox.Store(str(self.path / "db"))
        fill(store)
        store.flush()
        del store                                # release the write lock
        marker.write_text(fingerprint or "")
        self.store = ox.Store.read_only(str(self.path / "db"))

    def after_fork(self) -> None:
        if self.path is not None:
            _KEEP_ALIVE.append(self.store)
            self.store = ox.Store.read_only(str(self.path / "db"))

    # -- trusted reads -------------------------------------------------------

    def _query(self, query: str, **kwargs):
        try:
            return self.store.query(query, **kwargs)
        except SyntaxError as exc:
            raise syntax_error(exc) from None

    def select(self, query: str) -> Solutions:
        res = self._query(query)
        variables = [v.value for v in res.variables]
        rows = []
        seen: dict = {}                     # one conversion per distinct term of the answer
        for sol in res:
            row = {}
            for v in variables:
                term = sol[v]
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
