"""The store reads of the web layer, computed once per app (the data does not change
while serving): graph -> article table, the ontology graph, the JSON-LD context.

Every function takes the store and the base IRI; none reads the request. The memo
lives in ``app.extensions[EXTENSION]`` and has a fixed set of keys (``MEMOS``): its
size follows the data (the ontology, one row per named graph), never the requests.
"""
from __future__ import annotations

import threading

from flask import current_app
from rdflib import Graph, URIRef

from ..namespaces import all_prefixes, dataset_namespaces
from .labels import known_labels, vocabulary_labels
from .pages import LABEL_PROPERTIES, KindOrder
from .rdf import bind, context_document

#: Documents served as a whole: path -> local name of their named graph.
DOCUMENTS = {"ontology": "ontology", "shapes": "shapes"}
EXTENSION = "kg.web_lookups"
#: The values the memo may hold (one each per app).
MEMOS = ("graph_info", "ontology", "context", "labels", "kinds")


def init_app(app) -> None:
    app.extensions[EXTENSION] = {"lock": threading.Lock(), "values": {}}
    vocabulary_labels()                # the bundled labels: read at start-up, not on a request


def graph_iri(base: str, name: str) -> str:
    return dataset_namespaces(base)["graph"] + name


def graph_content(store, graph: str, base: str) -> Graph:
    """The triples of one named graph."""
    g = store.construct(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}")
    bind(g, all_prefixes(base))
    return g


def graph_info(store, base: str) -> dict[str, dict]:
    """graph IRI -> {"label", "source", "headline", "title", "triples"} for every named
    graph; ``title`` names its article: the headline, else its schema:name, else the
    graph's label."""
    return _cached(store, base, "graph_info", lambda: _graph_info(store))


def _graph_info(store) -> dict[str, dict]:
    rows = store.select("""PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
SELECT ?g ?label ?source ?headline ?name WHERE {
  GRAPH ?g { ?g prov:wasDerivedFrom ?source OPTIONAL { ?g rdfs:label ?label } }
  OPTIONAL { ?source schema:headline ?headline }
  OPTIONAL { ?source schema:name ?name }
}""").rows
    counts = store.stats()["graph_triples"]
    info = {g: {"label": None, "source": None, "headline": None, "title": None, "triples": n}
            for g, n in counts.items()}
    for row in rows:
        entry = info.setdefault(str(row["g"]), {"triples": 0})
        entry.update({k: str(row[k]) if k in row else entry.get(k) for k in ("label", "source", "headline")})
        entry["title"] = entry.get("headline") or (str(row["name"]) if "name" in row else None) \
            or entry.get("title") or entry.get("label")
    return info


def ontology_graph(store, base: str) -> Graph:
    return _cached(store, base, "ontology", lambda: graph_content(
        store, graph_iri(base, DOCUMENTS["ontology"]), base))


def labels(store, base: str) -> dict:
    """Term -> label: the ontology's labels over the bundled vocabulary labels, and the
    titles of the named graphs and their articles."""
    return _cached(store, base, "labels", lambda: {**known_labels(ontology_graph(store, base), LABEL_PROPERTIES),
                                                   **_graph_labels(graph_info(store, base))})


def _graph_labels(info: dict[str, dict]) -> dict:
    """Each named graph's label and the title of the article it comes from, so that a
    page naming one (VoID, a provenance link) names it by title."""
    out = {}
    for graph, entry in info.items():
        if entry.get("label") or entry.get("title"):
            out[URIRef(graph)] = entry.get("label") or entry["title"]
        if entry.get("source") and entry.get("title"):
            out[URIRef(entry["source"])] = entry["title"]
    return out


def kind_order(store, base: str, top: tuple) -> KindOrder:
    """The class hierarchy of the ontology, for grouping subjects by kind; ``top``: the
    configured type classes (full IRIs; the same every call of an app)."""
    return _cached(store, base, "kinds", lambda: KindOrder.from_ontology(ontology_graph(store, base), top))


def context(store, base: str) -> dict:
    return _cached(store, base, "context", lambda: context_document(
        all_prefixes(base), ontology_graph(store, base)))


def graphs_derived_from(store, base: str, iri: str) -> list[str]:
    """The named graphs holding the facts of an article (or the graph itself)."""
    info = graph_info(store, base)
    if iri in info:
        return [iri]
    return sorted(g for g, entry in info.items() if entry.get("source") == iri)


def class_counts(store, base: str) -> list[tuple[str, int]]:
    """(class IRI, instances) of the data graphs (not the ontology's owl:Class or the
    shapes' sh:NodeShape), most frequent first."""
    return sorted(store.stats()["data_classes"].items(), key=lambda kv: (-kv[1], kv[0]))


def _cached(store, base: str, key: str, compute):
    """The app's value ``key`` (one of ``MEMOS``), computed on first use. ``store`` and
    ``base`` are the app's own (``get_store()``, ``BASE_IRI``): they are not part of the key."""
    if key not in MEMOS:
        raise KeyError(f"{key!r} is not one of the web layer's memos {MEMOS}")
    memo = current_app.extensions[EXTENSION]
    values = memo["values"]
    if key not in values:
        value = compute()              # outside the lock: compute() may read other memos
        with memo["lock"]:
            values.setdefault(key, value)
    return values[key]

