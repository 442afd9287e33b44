"""The store of the application (flaskr ``db.py`` style).

``init_app(app)`` runs the start-up pipeline (``server.startup``: files, parse once,
validate when ``VALIDATE_ON_START``, build or open the backend) and keeps the ``Store``
facade in ``app.extensions["kg.store"]`` (or keeps a store the caller already started);
views reach it with ``get_store()``.

The facade is the only API the web layer and the SPARQL endpoint use:

=========================================  ==========================================
``select(q) -> Solutions``                 trusted SELECT over the union graph
``ask(q) -> bool``                         trusted ASK
``construct(q) -> rdflib.Graph``           trusted CONSTRUCT
``describe(iri, incoming_limit, offset)``  ``Description`` (quads in the store's own
                                           terms, read as an rdflib Dataset on demand,
                                           ``.incoming_total``, ``.empty`` -> 404)
``quads()`` / ``graph_names()``            dumps, VoID
``stats()``                                triples, graphs, per-class / per-graph counts
``fingerprint`` / ``loaded_at``            ETag / Last-Modified
``protocol_query(q, result_format=...,``   UNTRUSTED query, time-limited in a worker
``  default_graph_uris, named_graph_uris,`` process, serialized -> ``QueryAnswer``
``  timeout, max_rows)``                   (raises QueryTimeout, QuerySyntaxError...)
=========================================  ==========================================

Trusted reads run in the calling thread: they are our own bounded queries. Untrusted
queries run in the worker pool of ``server.store.pool`` (one per server process,
created lazily in that process), which kills a worker that runs past its deadline.

Answer cache: the embedded backends' data does not change while a process serves, so
``protocol_query`` keeps the serialized answers of successful queries in a bounded LRU
(``server.lru``), keyed by (query text, result format, dataset, row cap). A
repeated query is answered without a worker. Not cached: the remote backend (its data
may change), and queries calling NOW, RAND, UUID, STRUUID or BNODE (a new answer each
time). Size: ``QUERY_CACHE_ENTRIES`` (0 turns it off) and ``QUERY_CACHE_BYTES``,
defaults below; each server process has its own.
"""
from __future__ import annotations

import logging
import re
import threading
from contextlib import contextmanager
from dataclasses import replace
from datetime import datetime, timezone
from typing import Iterator, Sequence

from flask import current_app
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..config import DEFAULTS
from ..errors import KGError, TooManyQueries
from ..formats import Format
from ..namespaces import all_prefixes
from . import describe as describing
from .base import Backend, QueryAnswer, Solutions
from .describe import Statements, valid_iri
from .terms import rdflib_converter, to_ox
from .jobs import run_job
from ..lru import BoundedLRU
from .pool import FORK_GUARD, Limits

log = logging.getLogger(__name__)
EXTENSION = "kg.store"
QUERY_CACHE_ENTRIES = 2048
QUERY_CACHE_BYTES = 32 * 1024 * 1024
#: Backends whose reads of one triple pattern are lazy index scans (rdflib's SPARQL
#: engine and a remote endpoint are not: their bounded queries still go to the workers).
IN_PROCESS_BACKENDS = frozenset({"oxigraph"})
#: Functions whose value changes from one evaluation to the next (SPARQL 1.1, 17.4).
_VOLATILE = re.compile(r"\b(NOW|RAND|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)


def cacheable(query: str) -> bool:
    """Is the answer of ``query`` a function of the data alone? (pure; conservative:
    the word in a string literal or comment also counts)"""
    return not _VOLATILE.search(query)


class Store:
    """Facade over one backend: trusted reads, descriptions, stats and the query pool."""

    def __init__(self, backend: Backend, *, fingerprint: str, base_iri: str,
                 workers: int = 2, incoming_limit: int = 50,
                 loaded_at: datetime | None = None,
                 answer_cache: tuple[int, int] = (QUERY_CACHE_ENTRIES, QUERY_CACHE_BYTES),
                 limits: Limits = Limits(),
                 client_max_queries: int = DEFAULTS["CLIENT_MAX_QUERIES"]):
        self.backend = backend
        self.fingerprint = fingerprint
        self.base_iri = base_iri
        self.workers = workers
        self.incoming_limit = incoming_limit
        self.loaded_at = (loaded_at or datetime.now(timezone.utc)).replace(microsecond=0)
        self._stats: dict | None = None
        self._graph_names: tuple[URIRef, ...] | None = None
        self._pool = None
        self._pool_lock = threading.Lock()
        self.answers = BoundedLRU(*(answer_cache if backend.name != "remote" else (0, 0)))
        self.limits = limits
        self.client_max_queries = max(1, int(client_max_queries))
        self._clients: dict[str, int] = {}     # queries in the pool per client (zero: absent)
        self._clients_lock = threading.Lock()

    # -- trusted reads (in-process) ------------------------------------------

    def select(self, query: str) -> Solutions:
        with FORK_GUARD.shared():
            return self.backend.select(query)

    def ask(self, query: str) -> bool:
        with FORK_GUARD.shared():
            return self.backend.ask(query)

    def construct(self, query: str) -> Graph:
        with FORK_GUARD.shared():
            return self.backend.construct(query)

    def describe(self, iri: str, incoming_limit: int | None = None,
                 incoming_offset: int = 0) -> describing.Description:
        limit = self.incoming_limit if incoming_limit is None else incoming_limit
        return describing.describe(self._native_select, str(iri), limit, incoming_offset)

    def _native_select(self, query: str) -> Solutions:
        """``select`` in the store's own terms (descriptions: ``server.store.terms``)."""
        with FORK_GUARD.shared():
            return self.backend.native_select(query)

    def quads(self) -> Iterator:
        return self.backend.quads()

    def graph_names(self) -> list[URIRef]:
        """The named graphs, sorted. Read once for the embedded backends (their data does
        not change while serving; every SPARQL request needs this list); a remote
        triplestore is asked each time."""
        if self.backend.name == "remote":
            return self.backend.graph_names()
        if self._graph_names is None:
            self._graph_names = tuple(self.backend.graph_names())
        return list(self._graph_names)

    def stats(self) -> dict:
        """``{"triples", "quads", "graphs", "classes": {class: n}, "data_classes": {class: n},
        "graph_triples": {g: n}}``: ``classes`` over every graph (VoID), ``data_classes``
        without the ontology and shapes graphs (computed once: the data does not change
        while serving)."""
        if self._stats is None:
            per_graph = {str(r["g"]): int(r["n"]) for r in self.select(
                "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows}
            classes = {str(r["c"]): int(r["n"]) for r in self.select(
                f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{RDF.type}> ?c }} }} "
                "GROUP BY ?c").rows if "c" in r}
            schema_graphs = ", ".join(f"<{self.base_iri}graph/{name}>" for name in ("ontology", "shapes"))
            data_classes = {str(r["c"]): int(r["n"]) for r in self.select(
                f"SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s <{RDF.type}> ?c }} "
                f"FILTER(?g NOT IN ({schema_graphs})) }} GROUP BY ?c").rows if "c" in r}
            distinct = self.select("SELECT (COUNT(*) AS ?n) WHERE { "
                                   "SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }").rows
            self._stats = {"triples": int(distinct[0]["n"]) if distinct else 0,
                           "quads": sum(per_graph.values()),
                           "graphs": len(per_graph),
                           "classes": dict(sorted(classes.items())),
                           "data_classes": dict(sorted(data_classes.items())),
                           "graph_triples": dict(sorted(per_graph.items()))}
        return self._stats

    # -- untrusted queries (worker pool) -------------------------------------

    def caches_answer(self, query: str) -> bool:
        """Is the answer of ``query`` kept in the answer cache (and the same for every
        request with this text, format and dataset)?"""
        return self.answers.max_entries > 0 and cacheable(query)

    def protocol_query(self, query: str, *, result_format: Format,
                       default_graph_uris: Sequence[str] = (),
                       named_graph_uris: Sequence[str] = (),
                       timeout: float, max_rows: int, bounded: bool = False,
                       client: str | None = None, max_bytes: int | None = None) -> QueryAnswer:
        """Answer an untrusted query: from the answer cache, else in a time-limited worker
        process. ``bounded`` (the sandbox's verdict: one triple pattern, at most LIMIT and
        a small OFFSET) lets the embedded Oxigraph store answer in this thread instead:
        one lazily read index scan, cut at ``max_rows``, costs less than the trip to a
        worker and cannot run long. ``client`` (an address) may have at most
        ``client_max_queries`` queries in the pool at once (TooManyQueries, 429)."""
        key = (query, result_format.name, tuple(default_graph_uris), tuple(named_graph_uris), max_rows)
        use_cache = self.caches_answer(query)
        if use_cache:
            answer = self.answers.get(key)
            if answer is not None:
                return answer
        job = {"query": query, "format": result_format,
               "default_graph_uris": tuple(default_graph_uris),
               "named_graph_uris": tuple(named_graph_uris),
               "max_rows": max_rows, "incoming_limit": self.incoming_limit, "max_bytes": max_bytes,
               "prefixes": all_prefixes(self.base_iri)}
        if bounded and self.backend.name in IN_PROCESS_BACKENDS:
            with FORK_GUARD.shared():            # no fork of the pool amid a store read
                answer = run_job(self.backend, job)
        else:
            with self._client_slot(client):
                answer = self.pool().run(job, timeout)
        if use_cache:
            self.answers.put(key, answer)
        return answer

    @contextmanager
    def _client_slot(self, client: str | None):
        """One of ``client``'s pool slots for the duration of a query. The table holds
        only clients with a query running, so its size is bounded by the pool's."""
        if client is None:
            yield
            return
        with self._clients_lock:
            held = self._clients.get(client, 0)
            if held >= self.client_max_queries:
                raise TooManyQueries(
                    f"This client already has {held} queries running; at most "
                    f"{self.client_max_queries} run at once per client.",
                    hint="Wait for your running queries to finish, then retry.", retry_after=1)
            self._clients[client] = held + 1
        try:
            yield
        finally:
            with self._clients_lock:
                left = self._clients[client] - 1
                if left:
                    self._clients[client] = left
                else:
                    del self._clients[client]

    def reserve_threads(self, threads: int) -> None:
        """Keep at least one of the server's ``threads`` request threads free of queries
        (call before the pool starts): pages never wait behind queries."""
        self.limits = replace(self.limits, admission=max(1, int(threads) - 1))

    def pool(self):
        """This process's query pool (created on first use, after any fork)."""
        from .pool import QueryPool
        with self._pool_lock:
            if self._pool is None or not self._pool.usable():
                self._pool = QueryPool(self.backend, size=self.workers, limits=self.limits)
            return self._pool

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
        self.backend.close()


# -- building (when and how: server.startup) -------------------------------------

def make_backend(config, rebuild_hint: str | None = None) -> Backend:
    """An empty backend of the configured kind (``STORE_BACKEND``); a persistent Oxigraph
    store names ``rebuild_hint`` (the command that rebuilds it) when it is corrupted."""
    kind = str(config["STORE_BACKEND"]).lower()
    if kind == "rdflib":
        from .rdflib_backend import RdflibBackend
        return RdflibBackend()
    if kind == "oxigraph":
        from .oxigraph_backend import OxigraphBackend
        return OxigraphBackend(config.get("STORE_PATH"), rebuild_hint=rebuild_hint)
    if kind == "remote":
        from .remote import RemoteBackend
        if not config.get("REMOTE_ENDPOINT"):
            raise KGError("STORE_BACKEND=remote needs REMOTE_ENDPOINT.",
                          hint="Set KG_REMOTE_ENDPOINT to the SPARQL query URL of the triplestore.")
        return RemoteBackend(config["REMOTE_ENDPOINT"], timeout=float(config.get("SPARQL_TIMEOUT", 5.0)),
                             graph_prefix=str(config.get("BASE_IRI") or ""))
    raise KGError(f"Unknown STORE_BACKEND {kind!r}.", hint="Use oxigraph, rdflib or remote.")


def make_store(backend: Backend, fingerprint: str, config) -> Store:
    """The facade over a filled (or opened) backend, with the configured limits."""
    def setting(key):
        return config.get(key, DEFAULTS[key])
    return Store(backend, fingerprint=fingerprint, base_iri=config["BASE_IRI"],
                 workers=int(setting("QUERY_WORKERS")),
                 incoming_limit=int(setting("INCOMING_LINKS_LIMIT")),
                 answer_cache=(int(config.get("QUERY_CACHE_ENTRIES", QUERY_CACHE_ENTRIES)),
                               int(config.get("QUERY_CACHE_BYTES", QUERY_CACHE_BYTES))),
                 limits=Limits.from_config(config),
                 client_max_queries=int(setting("CLIENT_MAX_QUERIES")))


def load_sources(config):
    """The dataset folders of ``config`` parsed once (stages 1-2 of ``server.startup``)."""
    from ..startup import find_sources, parse
    return parse(find_sources(config), config)


def build_store(config) -> Store:
    """Run the start-up pipeline (``server.startup.start``) and return its store."""
    from ..startup import start
    return start(config).store


def init_app(app, store: Store | None = None) -> None:
    """Keep ``store`` (started by the caller, e.g. ``serve``) or start one from
    ``app.config`` with the start-up pipeline."""
    app.extensions[EXTENSION] = store if store is not None else build_store(app.config)


#: What the web layer, the SPARQL endpoint, search and reconciliation use of this package:
#: nothing else (they never import its modules).
__all__ = ["EXTENSION", "QueryAnswer", "Solutions", "Statements", "Store", "get_store", "init_app",
           "rdflib_converter", "to_ox", "valid_iri"]


def get_store() -> Store:
    """The application's store (inside an app or request context)."""
    return current_app.extensions[EXTENSION]
