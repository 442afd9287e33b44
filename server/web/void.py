"""The VoID description of the dataset (a pure function of the store's statistics)."""
from __future__ import annotations

from urllib.parse import quote

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, VOID, XSD

from ..formats import DUMP_FORMATS
from ..namespaces import all_prefixes
from .iris import compact
from .rdf import bind

VOCABULARIES_QUERY = "SELECT DISTINCT ?p WHERE { ?s ?p ?o }"


def vocabulary_of(iri: str) -> str:
    """The namespace of a term: up to and including the last ``#`` or ``/``."""
    cut = max(iri.rfind("#"), iri.rfind("/"))
    return iri[:cut + 1]


def void_graph(*, base: str, stats: dict, graph_info: dict[str, dict], predicates: list[str],
               license_iri: str, title: str, labels: dict | None = None) -> Graph:
    """The VoID (and DCAT, see ``catalog``) description; ``labels`` (term -> label) name
    each class partition after its class."""
    ds = URIRef(base + "void#dataset")
    g = Graph()
    bind(g, all_prefixes(base))
    g.bind("void", VOID)
    g.add((URIRef(base + "void"), RDF.type, VOID.DatasetDescription))
    g.add((URIRef(base + "void"), RDFS.label, Literal("VoID description of the dataset", lang="en")))
    g.add((URIRef(base + "void"), PROV.wasDerivedFrom, ds))
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, DCTERMS.title, Literal(title, lang="en")))
    g.add((ds, RDFS.label, Literal(title, lang="en")))
    g.add((ds, DCTERMS.license, URIRef(license_iri)))
    g.add((ds, VOID.uriSpace, Literal(base)))
    g.add((ds, VOID.sparqlEndpoint, URIRef(base + "sparql")))
    g.add((ds, VOID.rootResource, URIRef(base)))
    g.add((ds, VOID.triples, Literal(stats["triples"], datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(stats["classes"]), datatype=XSD.integer)))
    if "entities" in stats:
        g.add((ds, VOID.entities, Literal(stats["entities"], datatype=XSD.integer)))
    for fmt in DUMP_FORMATS:
        g.add((ds, VOID.dataDump, URIRef(f"{base}dumps/dataset.{fmt.suffix}")))
    for vocab in sorted({vocabulary_of(p) for p in predicates}):
        g.add((ds, VOID.vocabulary, URIRef(vocab)))
    named = [labels.get(URIRef(c)) for c in stats["classes"]] if labels else []
    alike = {text for text in named if text and named.count(text) > 1}
    for n, (cls, count) in enumerate(sorted(stats["classes"].items()), start=1):
        part = URIRef(f"{base}void#class-{n}")
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        if labels and URIRef(cls) in labels:        # two classes labelled alike: add the compact name
            text = labels[URIRef(cls)]
            if text in alike:
                text = f"{text} ({compact(cls, all_prefixes(base))})"
            g.add((part, RDFS.label, Literal(text, lang="en")))
        g.add((part, VOID.entities, Literal(count, datatype=XSD.integer)))
    for graph, info in sorted(graph_info.items()):
        subset = URIRef(f"{base}void#graph-{graph.rsplit('/', 1)[-1]}")
        g.add((ds, VOID.subset, subset))
        g.add((subset, RDF.type, VOID.Dataset))
        g.add((subset, Namespace("http://www.w3.org/ns/sparql-service-description#")["name"], URIRef(graph)))
        g.add((subset, VOID.triples, Literal(info.get("triples", 0), datatype=XSD.integer)))
        # the whole graph, by the Graph Store protocol (any RDF format by Accept)
        g.add((subset, VOID.dataDump, URIRef(f"{base}sparql?graph={quote(graph, safe='')}")))
        if info.get("source"):
            g.add((subset, PROV.wasDerivedFrom, URIRef(info["source"])))
            g.add((subset, DCTERMS.source, URIRef(info["source"])))
        if info.get("label"):
            g.add((subset, RDFS.label, Literal(info["label"], lang="en")))
    return g
