"""Remote backend: a SPARQL 1.1 endpoint (Oxigraph server, Fuseki, Virtuoso, GraphDB...).

Our server becomes the linked-data and safety front of a triplestore it does not
own: it only sends SPARQL queries (with ``requests``, with a timeout) and never
writes. The operator loads the data there, e.g. with

    python -c "from server.store.remote import load_into_oxigraph; ..."   # see below
    oxigraph load --location DIR --file data.trig   # then: oxigraph serve-read-only -l DIR

The endpoint's default graph must be the (set) union of the named graphs, as on the
other backends: ``load_into_oxigraph`` loads it so; Fuseki: ``tdb2:unionDefaultGraph
true``; Virtuoso does it by default. (Oxigraph's ``--union-default-graph`` flag would
count a triple stated in two graphs twice.) ``python -m server push`` loads it
(``server/push.py``).

Written for the protocol's common ground, so that more than one engine answers the
same way (the tests run it on Oxigraph server and on Virtuoso):
- queries go as URL-encoded POST forms (``query=...``), which every SPARQL 1.1 endpoint
  takes (Virtuoso 7.2 never answers a direct ``application/sparql-query`` POST);
- the Accept header names one type, chosen by the query's form: SPARQL JSON results for
  SELECT and ASK, N-Triples for CONSTRUCT and DESCRIBE (Virtuoso answers a CONSTRUCT
  as a JSON table of s/p/o when JSON is acceptable at all);
- with ``graph_prefix`` (the dataset's base IRI, as the app sets it) only the named
  graphs under it are the dataset's: a shared store, or Virtuoso's own system graphs,
  can hold others.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from typing import Iterator, Sequence

import pyoxigraph as ox
import requests
from rdflib import BNode, Dataset, Graph, Literal, URIRef

from ..errors import QuerySyntaxError, StoreUnavailable
from ..formats import Format
from . import results
from .base import Backend, QueryAnswer, Solutions

log = logging.getLogger(__name__)

#: Seconds to wait for the endpoint on trusted queries when none is configured (the
#: server passes SPARQL_TIMEOUT; untrusted queries are bounded by the query pool, which
#: kills the worker and so closes the connection).
TRUSTED_TIMEOUT = 5.0
#: Seconds the list of named graphs is reused before the endpoint is asked again (every
#: SPARQL request needs it; a hung endpoint must not hold every request).
GRAPH_NAMES_TTL = 30.0
_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
#: The prologue (white space, comments, BASE, PREFIX), and the query form: the first
#: keyword after it.
_PROLOGUE = r"""(?:\s+|\#[^\n]*(?:\n|$)|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)*"""
_EMPTY = re.compile(_PROLOGUE + r"\Z", re.IGNORECASE | re.VERBOSE)
_FORM = re.compile(_PROLOGUE + r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE | re.VERBOSE)


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE ('' if the text does not start like a query)."""
    match = _FORM.match(query)
    return match.group(1).upper() if match else ""


def _term(binding: dict):
    kind, value = binding["type"], binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    return Literal(value, datatype=URIRef(binding["datatype"]) if "datatype" in binding else None)


class RemoteBackend(Backend):
    name = "remote"
    needs_network = True

    def __init__(self, endpoint: str, timeout: float = TRUSTED_TIMEOUT, graph_prefix: str = ""):
        self.endpoint = endpoint
        self.graph_prefix = graph_prefix
        self.timeout = float(timeout)
        self._session: requests.Session | None = None
        self._session_pid = None
        self._graphs: tuple[float, list[URIRef]] | None = None
        self._graphs_lock = threading.Lock()

    @property
    def session(self) -> requests.Session:
        if self._session is None or self._session_pid != os.getpid():
            self._session, self._session_pid = requests.Session(), os.getpid()
        return self._session

    def load(self, dataset: Dataset) -> None:
        """Nothing to do: the operator loads the data into the endpoint."""

    def after_fork(self) -> None:
        self._session = None

    def fingerprint(self) -> str:
        """A hash of what the endpoint holds (graph names and their sizes)."""
        rows = self.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
                           f"{self._graph_filter()} }} GROUP BY ?g ORDER BY ?g").rows
        text = self.endpoint + "".join(f"|{r['g']}={r['n']}" for r in rows)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def _graph_filter(self) -> str:
        """A FILTER keeping ?g to the dataset's graphs ('' without a prefix)."""
        if not self.graph_prefix:
            return ""
        prefix = self.graph_prefix.replace("\\", "\\\\").replace('"', '\\"')
        return f'FILTER(STRSTARTS(STR(?g), "{prefix}"))'

    # -- HTTP ----------------------------------------------------------------

    def _post(self, query: str, accept: str, params: list | None = None,
              timeout: float | None = -1) -> requests.Response:
        """POST a query; ``timeout`` -1 means the trusted-read timeout. Errors say what
        happened without the endpoint's address or the exception text (both are logged)."""
        timeout = self.timeout if timeout == -1 else timeout
        try:
            resp = self.session.post(self.endpoint, data=[("query", query), *(params or [])],
                                     headers={"Accept": accept}, timeout=timeout)
        except requests.Timeout:
            log.error("remote SPARQL endpoint %s: no answer within %s s", self.endpoint, timeout)
            raise StoreUnavailable(f"The triplestore behind this service did not answer within {timeout:g} s.",
                                   hint="Retry later; an operator should check the triplestore.",
                                   retry_after=5) from None
        except requests.RequestException as exc:
            log.error("remote SPARQL endpoint %s cannot be reached: %s", self.endpoint, exc)
            raise StoreUnavailable("The triplestore behind this service cannot be reached.",
                                   hint="Retry later; an operator should check the triplestore "
                                        "(KG_REMOTE_ENDPOINT) and the server log.", retry_after=5) from None
        if resp.status_code == 400:
            text = resp.text.strip()[:2000].replace(self.endpoint, "the triplestore")
            raise QuerySyntaxError(text or "the triplestore refused the query",
                                   hint="Fix the query text (message from the triplestore).")
        if resp.status_code >= 300:
            log.error("remote SPARQL endpoint %s answered %s: %s", self.endpoint, resp.status_code,
                      resp.text[:500])
            raise StoreUnavailable(f"The triplestore behind this service answered {resp.status_code}.",
                                   hint="Retry later; an operator should check the triplestore's log.")
        return resp

    # -- trusted reads -------------------------------------------------------

    def select(self, query: str) -> Solutions:
        data = self._post(query, _JSON).json()
        variables = data["head"].get("vars", [])
        rows = [{k: _term(v) for k, v in b.items()} for b in data["results"]["bindings"]]
        return Solutions(variables, rows)

    def ask(self, query: str) -> bool:
        return bool(self._post(query, _JSON).json()["boolean"])

    def construct(self, query: str) -> Graph:
        return Graph().parse(data=self._post(query, _NTRIPLES).text, format="nt")

    def quads(self) -> Iterator:
        sol = self.select(f"SELECT ?s ?p ?o ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter()} }}")
        for r in sol.rows:
            yield r["s"], r["p"], r["o"], r["g"]

    def graph_names(self) -> list[URIRef]:
        """The endpoint's named graphs, reused for ``GRAPH_NAMES_TTL`` seconds."""
        with self._graphs_lock:
            if self._graphs is not None and time.monotonic() - self._graphs[0] < GRAPH_NAMES_TTL:
                return list(self._graphs[1])
        sol = self.select(f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} {self._graph_filter()} }}")
        names = sorted(r["g"] for r in sol.rows if isinstance(r.get("g"), URIRef))
        with self._graphs_lock:
            self._graphs = (time.monotonic(), names)
        return list(names)

    # -- untrusted queries ---------------------------------------------------

    def protocol_query(self, query: str, *, result_format: Format,
                       default_graph_uris: Sequence[str] = (),
                       named_graph_uris: Sequence[str] = (),
                       max_rows: int | None = None,
                       prefixes: dict[str, str] | None = None) -> QueryAnswer:
        params = ([("default-graph-uri", u) for u in default_graph_uris]
                  + [("named-graph-uri", u) for u in named_graph_uris])
        if _EMPTY.match(query):
            # a prologue alone is no query (Virtuoso takes it for an empty update: 500)
            raise QuerySyntaxError("The query is empty.", hint="Send a SELECT, ASK, CONSTRUCT or DESCRIBE query.")
        form = query_form(query)
        accept = _NTRIPLES if form in ("CONSTRUCT", "DESCRIBE") else _JSON if form else f"{_JSON}, {_NTRIPLES};q=0.9"
        resp = self._post(query, accept, params, timeout=None)
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
        if ctype == _JSON:
            data = resp.json()
            if "boolean" in data:
                return results.ask_answer(data["boolean"], result_format)
            variables = data["head"].get("vars", [])
            rows = ([_term(b[v]) if v in b else None for v in variables]
                    for b in data["results"]["bindings"])
            return results.select_answer(variables, rows, result_format, max_rows)
        if ctype == _NTRIPLES:
            triples = ox.parse(resp.content, format=ox.RdfFormat.N_TRIPLES)
            return results.graph_answer(triples, result_format, max_rows, prefixes)
        log.error("remote SPARQL endpoint %s answered with type %r", self.endpoint, ctype)
        raise StoreUnavailable("The triplestore behind this service answered in an unexpected format.",
                               hint="An operator should check the triplestore.")


def load_into_oxigraph(server_url: str, dataset: Dataset, timeout: float = 300) -> None:
    """Load every named graph of ``dataset`` into a running ``oxigraph serve`` (its
    Graph Store endpoint ``<server_url>/store``), and their union as its default graph.
    An operator's tool: the server itself never writes to the remote store."""
    store = server_url.rstrip("/") + "/store"
    named = Dataset()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if g is not None and str(getattr(g, "identifier", g)) != "urn:x-rdflib:default":
            named.add((s, p, o, getattr(g, "identifier", g)))
    union = Graph()
    for s, p, o, _g in named.quads((None, None, None, None)):
        union.add((s, p, o))
    for url, body, ctype in ((store, named.serialize(format="nquads", encoding="utf-8"), "application/n-quads"),
                             (store + "?default", union.serialize(format="nt", encoding="utf-8"),
                              "application/n-triples")):
        resp = requests.post(url, data=body, headers={"Content-Type": ctype}, timeout=timeout)
        resp.raise_for_status()
