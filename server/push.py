"""Load the dataset into a remote store through the SPARQL 1.1 Graph Store HTTP Protocol.

``python -m server push --endpoint URL`` is the operator's step for the ``remote``
backend: the server itself never writes to the store it fronts.

- One ``PUT ?graph=<name>`` per named graph of the dataset (the ontology, the shapes,
  one graph per data file), in N-Triples; a PUT replaces the graph, so a push never
  leaves old triples behind.
- The default graph: the remote backend reads the (set) union of the named graphs there
  (``server/store/remote.py``). With ``union="put"`` (Oxigraph server) it is written
  with ``PUT ?default``; with ``union="store"`` the store computes it itself (Fuseki
  with ``tdb2:unionDefaultGraph``): nothing is written, its count is verified; with
  ``union="none"`` it is neither written nor counted (Virtuoso: its default graph is
  the union of *all* its graphs, its own system graphs included).
- Idempotent: a graph whose content in the store already equals ours (compared as RDF:
  language tags case-insensitively, integer-derived datatypes as xsd:integer, blank
  nodes up to renaming) is not sent again; a
  second run reports "unchanged" for every graph and writes nothing.
- Verified: afterwards ``COUNT`` per graph through the SPARQL query endpoint must equal
  the dataset's; a difference raises :class:`PushError` naming the graphs.

Errors (refused connection, timeouts, 401/403, other 4xx, 5xx) raise
:class:`PushError` with what happened and what to do next.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import requests
from rdflib import XSD, BNode, Dataset, Graph, Literal
from rdflib.compare import isomorphic

from .errors import KGError

NTRIPLES = "application/n-triples"
_JSON = "application/sparql-results+json"
_DEFAULT_GRAPH_NAMES = {"urn:x-rdflib:default"}


class PushError(KGError):
    """The push could not be done: the data or the store refused, or could not be reached."""


class CountMismatch(PushError):
    """The push went through, but the store's counts differ from the dataset's."""


@dataclass
class GraphPlan:
    """One graph to write: ``name`` None is the default graph."""
    name: str | None
    graph: Graph

    @property
    def label(self) -> str:
        return self.name or "default graph (union of the named graphs)"


@dataclass
class PushReport:
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    counts: dict[str, tuple[int, int]] = field(default_factory=dict)    # label: (expected, found)

    @property
    def changed(self) -> bool:
        return bool(self.written)


def plan(dataset: Dataset, union: str = "put") -> list[GraphPlan]:
    """The named graphs of ``dataset`` (sorted by name) and, if ``union == "put"``, the
    default graph holding their set union."""
    graphs: dict[str, Graph] = {}
    for s, p, o, g in dataset.quads((None, None, None, None)):
        name = str(getattr(g, "identifier", g)) if g is not None else None
        if name is None or name in _DEFAULT_GRAPH_NAMES:
            continue
        graphs.setdefault(name, Graph()).add((s, p, o))
    plans = [GraphPlan(name, graphs[name]) for name in sorted(graphs)]
    if union == "put":
        merged = Graph()
        for item in plans:
            for triple in item.graph:
                merged.add(triple)
        plans.append(GraphPlan(None, merged))
    return plans


class Client:
    """HTTP to one store: its Graph Store endpoint and its SPARQL query endpoint."""

    def __init__(self, endpoint: str, graph_store: str | None = None, auth=None, timeout: float = 60.0):
        self.endpoint = endpoint
        self.graph_store = graph_store or endpoint
        self.session = requests.Session()
        self.session.auth = auth
        self.timeout = timeout

    def _send(self, method: str, url: str, what: str, **kwargs) -> requests.Response:
        try:
            resp = self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.ConnectionError:
            raise PushError(f"cannot connect to {url} ({what}).",
                            hint="Is the store running and listening there? Check --endpoint "
                                 "(and --graph-store).") from None
        except requests.Timeout:
            raise PushError(f"{url} did not answer within {self.timeout:g} s ({what}).",
                            hint="Raise --timeout for large graphs, or check the store's load.") from None
        if resp.status_code == 401:
            raise PushError(f"{url} refused the credentials (401) ({what}).",
                            hint="Pass --user and --password (env KG_PUSH_PASSWORD); Virtuoso's "
                                 "/sparql-graph-crud-auth takes --auth digest.")
        if resp.status_code == 403:
            raise PushError(f"{url} forbids this (403) ({what}).",
                            hint="Give the user write permission on the store, or use its "
                                 "authenticated Graph Store endpoint (--graph-store).")
        if resp.status_code >= 400 and not (method == "GET" and resp.status_code == 404):
            kind = "refused the request" if resp.status_code < 500 else "failed"
            raise PushError(f"{url} {kind} ({resp.status_code}) ({what}): {_excerpt(resp)}",
                            hint="Check that --graph-store is the store's SPARQL 1.1 Graph Store "
                                 "endpoint and --endpoint its query endpoint; see the store's log."
                                 if resp.status_code < 500 else "See the store's log; retry once it is fixed.")
        return resp

    def _graph_params(self, name: str | None) -> dict:
        return {"default": ""} if name is None else {"graph": name}

    def fetch(self, name: str | None) -> Graph | None:
        """The graph as the store holds it (None: the store does not have it)."""
        resp = self._send("GET", self.graph_store, f"reading {name or 'the default graph'}",
                          params=self._graph_params(name), headers={"Accept": NTRIPLES})
        if resp.status_code == 404:
            return None
        ctype = resp.headers.get("Content-Type", "").split(";")[0].strip()
        fmt = {"application/n-triples": "nt", "text/plain": "nt", "text/turtle": "turtle",
               "application/rdf+xml": "xml"}.get(ctype, "nt")
        try:
            return Graph().parse(data=resp.content, format=fmt)
        except Exception as exc:       # a store answering something else than RDF
            raise PushError(f"{self.graph_store} answered a graph read with unreadable {ctype or 'content'}: {exc}",
                            hint="Check that --graph-store is a SPARQL 1.1 Graph Store endpoint.") from None

    def put(self, item: GraphPlan) -> None:
        body = item.graph.serialize(format="nt", encoding="utf-8")
        self._send("PUT", self.graph_store, f"writing {item.label}", params=self._graph_params(item.name),
                   data=body, headers={"Content-Type": NTRIPLES})

    def count(self, name: str | None) -> int:
        pattern = "?s ?p ?o" if name is None else f"GRAPH <{name}> {{ ?s ?p ?o }}"
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ {pattern} }}"
        resp = self._send("POST", self.endpoint, f"counting {name or 'the default graph'}",
                          data={"query": query}, headers={"Accept": _JSON})
        try:
            return int(resp.json()["results"]["bindings"][0]["n"]["value"])
        except (ValueError, KeyError, IndexError) as exc:
            raise PushError(f"{self.endpoint} did not answer a COUNT query with SPARQL JSON results ({exc}).",
                            hint="Check that --endpoint is the store's SPARQL query endpoint.") from None


def _excerpt(resp: requests.Response, limit: int = 300) -> str:
    text = " ".join(resp.text.split())
    return (text[:limit] + "...") if len(text) > limit else (text or "(empty body)")


#: The datatypes derived from xsd:integer, which stores may keep as xsd:integer
#: (Oxigraph 0.5 does) without changing the value.
_INTEGERS = {XSD[name] for name in ("nonNegativeInteger", "positiveInteger", "nonPositiveInteger",
                                    "negativeInteger", "long", "int", "short", "byte", "unsignedLong",
                                    "unsignedInt", "unsignedShort", "unsignedByte")}


def _normal(graph: Graph) -> Graph:
    """The graph as stores keep it, for comparison: language tags lower-cased (BCP 47
    tags compare case-insensitively; Virtuoso lower-cases them), integer-derived
    datatypes as xsd:integer with their value's canonical form."""
    out = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.language:
            o = Literal(str(o), lang=o.language.lower())
        elif isinstance(o, Literal) and (o.datatype in _INTEGERS or o.datatype == XSD.integer):
            try:
                o = Literal(str(int(str(o).strip())), datatype=XSD.integer)
            except ValueError:
                pass                          # ill-typed: compared as it is
        out.add((s, p, o))
    return out


def same_graph(ours: Graph, theirs: Graph | None) -> bool:
    if theirs is None or len(ours) != len(theirs):
        return False
    a, b = _normal(ours), _normal(theirs)
    if any(isinstance(t, BNode) for triple in a for t in triple):
        return isomorphic(a, b)
    return set(a) == set(b)


def push(dataset: Dataset, client: Client, union: str = "put",
         progress: Callable[[Iterable[GraphPlan]], Iterable[GraphPlan]] = lambda items: items,
         verify: bool = True) -> PushReport:
    """Write every graph the store does not already hold as ours, then verify the counts.
    ``progress`` wraps the iteration (a progress bar). Raises PushError."""
    report = PushReport()
    plans = plan(dataset, union)
    for item in progress(plans):
        if same_graph(item.graph, client.fetch(item.name)):
            report.unchanged.append(item.label)
        else:
            client.put(item)
            report.written.append(item.label)
    if verify:
        expected = [(item.label, item.name, len(item.graph)) for item in plans]
        if union == "store":
            merged = {t for item in plans for t in item.graph}
            expected.append(("default graph (the store's union)", None, len(merged)))
        for label, name, n in expected:
            report.counts[label] = (n, client.count(name))
        wrong = {label: c for label, c in report.counts.items() if c[0] != c[1]}
        if wrong:
            lines = "; ".join(f"{label}: {found} triples in the store, {n} in the dataset"
                              for label, (n, found) in wrong.items())
            raise CountMismatch(f"the store does not hold what was pushed: {lines}.",
                            hint="Check that --endpoint queries the store --graph-store writes to; with "
                                 "--union store the store's default graph must be the union of the named "
                                 "graphs only (Virtuoso: its own graphs count too, use --union none).")
    return report
