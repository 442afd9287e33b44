"""The description of one resource: what a linked-data client gets when it
dereferences an IRI, and what SPARQL DESCRIBE answers.

Built from SPARQL SELECT queries (so every backend, the remote one included,
gives the same answer), each keeping the named graph of every statement:

1. the hash children of the resource (``<iri#...>`` linked to or from it), then the
   statements of the resource and its hash children and those of the blank nodes
   they point to (one level);
2. a label (rdfs:label, skos:prefLabel, schema:name) for every IRI the description
   mentions (objects, predicates, types, hash children, incoming subjects);
3. incoming links ``?s ?p <iri>`` from other resources, one page of them
   (``incoming_limit``/``incoming_offset``), plus their total count.

The query builders are pure functions of the IRI; ``describe()`` runs them through
any callable ``select(query) -> Solutions``: the facade passes the backend's
``native_select``, so a description holds the store's own terms (pyoxigraph terms on
the embedded Oxigraph store; see ``server.store.terms``) and an RDF answer is written
from them without a round trip through rdflib.
"""
from __future__ import annotations

import re
from typing import Callable, Iterable

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDFS, SKOS
from rdflib.plugins.stores.memory import Memory

from ..namespaces import SCHEMA
from .base import Solutions
from .terms import is_iri, rdflib_converter, text

LABEL_PROPERTIES = (RDFS.label, SKOS.prefLabel, SCHEMA.name)

#: Characters an IRI may not contain (RFC 3987 excluded + SPARQL IRIREF excluded).
_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\\ud800-\udfff]')


class _Deferred(Memory):
    """An rdflib Memory store that takes statements at once and indexes them on the
    first read, converting their terms to rdflib's then: an RDF response never reads a
    description through rdflib (see ``Statements.rows``), so it never pays for either."""

    def __init__(self):
        super().__init__()
        self.pending: list[tuple] = []      # (s, p, o, graph name)

    def _index(self) -> None:
        pending, self.pending = self.pending, []
        contexts: dict = {}
        term = rdflib_converter()
        for s, p, o, g in pending:
            ctx = contexts.get(g)
            if ctx is None:
                ctx = contexts[g] = Graph(store=self, identifier=term(g))
            Memory.add(self, (term(s), term(p), term(o)), ctx)

    def triples(self, triple_pattern, context=None):
        if self.pending:
            self._index()
        return super().triples(triple_pattern, context)

    def contexts(self, triple=None):
        if self.pending:
            self._index()
        return super().contexts(triple)

    def __len__(self, context=None):
        if self.pending:
            self._index()
        return super().__len__(context)

    def remove(self, triple_pattern, context=None):
        if self.pending:
            self._index()
        return super().remove(triple_pattern, context)

    def remove_graph(self, graph):
        if self.pending:
            self._index()
        return super().remove_graph(graph)


class Statements(Dataset):
    """An rdflib Dataset (quads keep their source graph, the default graph is their
    union) filled from SELECT rows ``?g ?s ?p ?o``.

    ``rows`` holds the quads ``(s, p, o, g)`` in the order read, each once, in the terms
    they came in: the store's own (pyoxigraph terms from the Oxigraph store, rdflib
    terms from the others). The serializers read ``rows`` directly (``web.rdf``); the
    Dataset view, in rdflib terms, is only built when something reads it (the HTML
    page, JSON-LD)."""

    def __init__(self):
        super().__init__(store=_Deferred(), default_union=True)
        # Graph(bind_namespaces=...), which Dataset does not pass on: rdflib's ~30 default
        # prefixes cost more to bind than a whole description, and only pages need any
        self._bind_namespaces = "core"
        self.rows: dict[tuple, None] = {}

    def add_rows(self, solutions: Solutions) -> int:
        """Add the rows ``?g ?s ?p ?o`` of ``solutions``; how many there were."""
        self.add_quads((row["s"], row["p"], row["o"], row["g"]) for row in solutions.rows)
        return len(solutions.rows)

    def add_quads(self, quads: Iterable[tuple]) -> None:
        """Add ``(s, p, o, g)`` quads (``g`` a graph name); those already here are skipped."""
        rows, pending = self.rows, self.store.pending
        for quad in quads:
            if quad not in rows:
                rows[quad] = None
                pending.append(quad)


class Description(Statements):
    """The statements describing ``iri``.

    ``incoming_total`` counts every incoming link; only ``incoming_limit`` of them,
    from ``incoming_offset``, are included. ``empty`` is true when the store says
    nothing about the IRI at all (the web layer answers 404)."""

    def __init__(self, iri: str, incoming_limit: int = 50, incoming_offset: int = 0):
        super().__init__()
        self.iri = URIRef(iri)
        self.incoming_limit = incoming_limit
        self.incoming_offset = incoming_offset
        self.incoming_total = 0
        self.own_count = 0

    @property
    def empty(self) -> bool:
        return self.own_count == 0 and self.incoming_total == 0


def valid_iri(iri: str) -> bool:
    """Can ``iri`` be written into a query as ``<iri>``: no character that ends or
    escapes it, and an IRI as the store's parser reads IRIs (an undecodable request
    path, U+FFFD, is not one)."""
    if not iri or _BAD_IRI.search(iri) or ":" not in iri:
        return False
    try:
        ox.NamedNode(iri)
    except (ValueError, UnicodeError):
        return False
    return True


# -- query builders (pure) ---------------------------------------------------

def hash_children_query(iri: str) -> str:
    """The hash IRIs ``<iri#...>`` linked to or from ``iri``."""
    return f"""SELECT DISTINCT ?h WHERE {{
  {{ GRAPH ?g {{ <{iri}> ?l ?h }} }} UNION {{ GRAPH ?g {{ ?h ?l <{iri}> }} }}
  FILTER(isIRI(?h) && STRSTARTS(STR(?h), "{iri}#"))
}}"""


def own_statements_query(nodes: Iterable[str]) -> str:
    """Statements of ``nodes`` (the resource and its hash children) and of the blank
    nodes they point to, in one query (blank node labels are only stable within one)."""
    values = " ".join(f"<{n}>" for n in nodes)
    return f"""SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{
  {{ VALUES ?s {{ {values} }} ?s ?p ?o }}
  UNION
  {{ VALUES ?h {{ {values} }} ?h ?l ?s . FILTER(isBlank(?s)) ?s ?p ?o }}
}} }}"""


def labels_query(iris: Iterable[str]) -> str:
    values = " ".join(f"<{i}>" for i in sorted(set(iris)) if valid_iri(str(i)))
    props = ", ".join(f"<{p}>" for p in LABEL_PROPERTIES)
    return f"""SELECT ?g ?s ?p ?o WHERE {{ GRAPH ?g {{
  VALUES ?s {{ {values} }} ?s ?p ?o FILTER(?p IN ({props}))
}} }}"""


def _incoming_pattern(iri: str) -> str:
    own = iri + "#"
    return (f'GRAPH ?g {{ ?s ?p <{iri}> }} '
            f'FILTER(?s != <{iri}> && !(isIRI(?s) && STRSTARTS(STR(?s), "{own}")))')


def incoming_query(iri: str, limit: int, offset: int) -> str:
    return (f"SELECT ?g ?s ?p ?o WHERE {{ {_incoming_pattern(iri)} BIND(<{iri}> AS ?o) }}\n"
            f"ORDER BY ?s ?p ?g LIMIT {int(limit)} OFFSET {int(offset)}")


def incoming_count_query(iri: str) -> str:
    return f"SELECT (COUNT(*) AS ?n) WHERE {{ {_incoming_pattern(iri)} }}"


# -- assembly -----------------------------------------------------------------

def describe(select: Callable[[str], Solutions], iri: str, incoming_limit: int = 50,
             incoming_offset: int = 0) -> Description:
    """Describe ``iri`` with the trusted ``select`` of a backend."""
    desc = Description(iri, incoming_limit, incoming_offset)
    if not valid_iri(iri):
        return desc
    nodes = [iri]
    if "#" not in iri:                      # a hash IRI has no hash children of its own
        nodes += sorted(text(r["h"]) for r in select(hash_children_query(iri)).rows)
    desc.own_count = desc.add_rows(select(own_statements_query(nodes)))
    count = select(incoming_count_query(iri)).rows
    desc.incoming_total = int(text(count[0]["n"])) if count and "n" in count[0] else 0
    if desc.incoming_total and incoming_limit > 0:
        desc.add_rows(select(incoming_query(iri, incoming_limit, incoming_offset)))
    mentioned = set()
    for quad in desc.rows:
        mentioned.update(text(t) for t in quad[:3] if is_iri(t))
    mentioned.discard(iri)
    if mentioned:
        desc.add_rows(select(labels_query(mentioned)))
    return desc


def describe_many(select: Callable[[str], Solutions], iris: Iterable[str],
                  incoming_limit: int = 50) -> Statements:
    """The union of the descriptions of several IRIs (SPARQL DESCRIBE)."""
    out = Statements()
    for iri in iris:
        out.add_quads(describe(select, iri, incoming_limit).rows)
    return out
