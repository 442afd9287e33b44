"""Namespaces used across the package (the dataset's own ones derive from BASE_IRI)."""
from __future__ import annotations

from rdflib import Namespace
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SH, SKOS, XSD, TIME, FOAF, VOID

SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

DEFAULT_BASE = "https://w3id.org/cambodia-prosecutions/"


def dataset_namespaces(base: str = DEFAULT_BASE) -> dict[str, str]:
    """Prefix -> namespace IRI for the dataset's own namespaces under ``base``."""
    return {
        "cpo": base + "ontology#",
        "cpsh": base + "shapes#",
        "person": base + "person/",
        "organization": base + "organization/",
        "group": base + "group/",
        "place": base + "place/",
        "event": base + "event/",
        "statement": base + "statement/",
        "membership": base + "membership/",
        "source": base + "source/",
        "graph": base + "graph/",
    }


STANDARD_PREFIXES: dict[str, str] = {
    "rdf": str(RDF), "rdfs": str(RDFS), "owl": str(OWL), "xsd": str(XSD),
    "skos": str(SKOS), "dct": str(DCTERMS), "prov": str(PROV), "sh": str(SH),
    "schema": str(SCHEMA), "org": str(ORG), "time": str(TIME), "foaf": str(FOAF),
    "void": str(VOID), "sd": str(SD),
}


def all_prefixes(base: str = DEFAULT_BASE) -> dict[str, str]:
    """Every prefix the service predeclares (SPARQL, Turtle output, JSON-LD context)."""
    return {**STANDARD_PREFIXES, **dataset_namespaces(base)}
