"""Serialising descriptions, documents and dumps in the RDF formats (pure functions).

Triple formats (Turtle, N-Triples, RDF/XML, JSON-LD) get the union of the graphs;
quad formats (TriG, N-Quads) keep the named graph of every statement, which is its
provenance (one graph per source article). JSON-LD is compacted with the dataset's
published context and references it by URL instead of embedding it.
"""
from __future__ import annotations

import json

from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..formats import Format

QUAD_SYNTAXES = ("trig", "nquads")
CONTEXT_VERSION = "v1"


def union_graph(data: Graph | Dataset, prefixes: dict[str, str]) -> Graph:
    """Every distinct triple of ``data`` (all its graphs) as one Graph with our prefixes."""
    graph = Graph()
    bind(graph, prefixes)
    if isinstance(data, Dataset):
        for s, p, o, _g in data.quads((None, None, None, None)):
            graph.add((s, p, o))
    else:
        for triple in data:
            graph.add(triple)
    return graph


def as_dataset(data: Graph | Dataset, prefixes: dict[str, str]) -> Dataset:
    if isinstance(data, Dataset):
        bind(data, prefixes)
        return data
    ds = Dataset()
    bind(ds, prefixes)
    for triple in data:
        ds.add(triple)
    return ds


def bind(graph: Graph, prefixes: dict[str, str]) -> None:
    for prefix, ns in prefixes.items():
        graph.bind(prefix, ns, override=True, replace=True)


def serialize(data: Graph | Dataset, fmt: Format, prefixes: dict[str, str],
              context: dict | None = None, context_url: str | None = None,
              named_graphs: bool = False) -> bytes:
    """``data`` in ``fmt``; JSON-LD compacted with ``context``, referenced as ``context_url``
    (with ``named_graphs``, JSON-LD keeps one ``@graph`` per named graph, as for dumps)."""
    if fmt.rdflib in QUAD_SYNTAXES:
        return as_dataset(data, prefixes).serialize(format=fmt.rdflib, encoding="utf-8")
    if fmt.rdflib == "json-ld" and named_graphs:
        return jsonld(as_dataset(data, prefixes), context or {}, context_url)
    graph = union_graph(data, prefixes)
    if fmt.rdflib == "json-ld":
        return jsonld(graph, context or {}, context_url)
    return graph.serialize(format=fmt.rdflib, encoding="utf-8")


def jsonld(graph: Graph | Dataset, context: dict, context_url: str | None) -> bytes:
    doc = json.loads(graph.serialize(format="json-ld", context=context, auto_compact=True))
    if isinstance(doc, list):                     # rdflib gives a bare list for an empty graph
        doc = {"@graph": doc}
    if context_url:
        doc["@context"] = context_url
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def context_document(prefixes: dict[str, str], ontology: Graph) -> dict:
    """The JSON-LD context: every prefix, plus one term per property the ontology
    declares (its local name), typed ``@id`` for object properties and with the
    declared datatype for datatype properties whose range is an XSD type."""
    terms: dict[str, object] = dict(sorted(prefixes.items()))
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in sorted(set(ontology.subjects(RDF.type, kind))):
            if not isinstance(prop, URIRef):
                continue
            name = str(prop).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            if not name or name in terms or not name[0].isalpha():
                continue
            definition: dict[str, str] = {"@id": str(prop)}
            rng = ontology.value(prop, RDFS.range)
            if kind == OWL.ObjectProperty:
                definition["@type"] = "@id"
            elif isinstance(rng, URIRef) and str(rng).startswith(str(XSD)):
                definition["@type"] = str(rng)
            terms[name] = definition
    return {"@context": terms}
