"""The SPARQL 1.1 Service Description of the endpoint (sd: vocabulary).

Built as an rdflib graph from the configuration and the store's graph names:
endpoint, language (query only), result formats, the union default graph, the
named graphs, the predeclared prefixes (as SHACL ``sh:declare``, the vocabulary
SHACL-SPARQL uses for prefix declarations) and the limits. The limits use four
properties minted in the endpoint's own document (``<endpoint#queryTimeout>`` ...)
and described in the same graph, so a client can read what they mean.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SH, XSD

from urllib.parse import quote

from ..formats import GRAPH_FORMATS, RESULT_FORMATS, W3C
from ..namespaces import SD

#: W3C unique URIs for formats (https://www.w3.org/ns/formats/; each ``Format.w3c``).
W3C_FORMATS = Namespace(W3C)

LIMITS = (  # (local name, config key, datatype, label, comment)
    ("queryTimeout", "SPARQL_TIMEOUT", XSD.decimal, "query timeout (seconds)",
     "Wall-clock limit of one query; past it the query is stopped and the answer is 503."),
    ("maxResultRows", "SPARQL_MAX_ROWS", XSD.integer, "most result rows",
     "Most rows (or triples) one answer carries; a cut answer has the header X-Result-Truncated: true."),
    ("maxQueryLength", "SPARQL_MAX_QUERY_LENGTH", XSD.integer, "longest query (characters)",
     "Longest accepted query text; longer ones are answered 413."),
    ("maxRequestBytes", "MAX_CONTENT_LENGTH", XSD.integer, "largest request body (bytes)",
     "Largest accepted request body; larger ones are answered 413."),
)


def service_description(endpoint: str, graph_names: Iterable[str], prefixes: Mapping[str, str],
                        config: Mapping) -> Graph:
    """The description of the endpoint at ``endpoint`` (the URL clients use)."""
    g = Graph()
    g.bind("sd", SD)
    g.bind("sh", SH)
    g.bind("formats", W3C_FORMATS)
    here = Namespace(endpoint + "#")
    g.bind("endpoint", here)
    service = here.service
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, URIRef(endpoint)))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    g.add((service, RDFS.label, Literal("Read-only SPARQL 1.1 query endpoint", lang="en")))
    g.add((service, RDFS.comment, Literal(
        "Query only: SPARQL Update, SERVICE and FROM/FROM NAMED outside this dataset are refused (403). "
        "The default graph is the union of all named graphs; FROM, FROM NAMED, default-graph-uri "
        "and named-graph-uri select among the named graphs listed here (an unknown graph is empty). "
        "The prefixes declared with sh:declare are predeclared: queries may use them without PREFIX. "
        "Relative IRIs resolve against the dataset base IRI (a BASE in the query wins). "
        "Each named graph can also be fetched whole in any RDF format: GET this endpoint with "
        "?graph=<name> (the SPARQL 1.1 Graph Store HTTP Protocol, read-only; rdfs:seeAlso of each "
        "graph below), the default graph with ?default.",
        lang="en")))
    for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS):
        g.add((service, SD.resultFormat, URIRef(fmt.w3c)))

    dataset, default = here.dataset, here.defaultGraph
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, RDFS.comment, Literal("The union of all named graphs of the dataset.", lang="en")))
    for name in graph_names:
        node = here["graph-" + str(name).rstrip("/").rsplit("/", 1)[-1]]
        g.add((dataset, SD.namedGraph, node))
        g.add((node, RDF.type, SD.NamedGraph))
        g.add((node, SD.name, URIRef(name)))
        g.add((node, RDFS.seeAlso, URIRef(f"{endpoint}?graph={quote(str(name), safe='')}")))

    for prefix, namespace in prefixes.items():
        decl = here["prefix-" + prefix]
        g.add((service, SH.declare, decl))
        g.add((decl, SH.prefix, Literal(prefix)))
        g.add((decl, SH.namespace, Literal(namespace, datatype=XSD.anyURI)))

    for local, key, datatype, label, comment in LIMITS:
        prop = here[local]
        g.add((service, prop, Literal(config[key], datatype=datatype)))
        g.add((prop, RDF.type, RDF.Property))
        g.add((prop, RDFS.label, Literal(label, lang="en")))
        g.add((prop, RDFS.comment, Literal(comment, lang="en")))
    return g
