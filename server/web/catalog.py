"""How search engines and data catalogues find the dataset: DCAT statements added to the
VoID description, and the schema.org ``Dataset`` the home page embeds as JSON-LD.

Both say the same things (title, description, licence, the dumps with their media types,
the SPARQL endpoint), built from the dataset's site file and the format table, so a
catalogue harvesting DCAT and a search engine reading schema.org agree.
"""
from __future__ import annotations

import json

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF

from ..formats import DUMP_FORMATS

IANA = "https://www.iana.org/assignments/media-types/"
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")


def add_dcat(g: Graph, ds: URIRef, *, base: str, description: str) -> None:
    """``ds`` (already typed ``void:Dataset``, titled and licensed) as a ``dcat:Dataset``:
    one ``dcat:Distribution`` per dump and the SPARQL endpoint as its data service."""
    g.bind("dcat", DCAT)
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCAT.landingPage, URIRef(base)))
    if description:
        g.add((ds, DCTERMS.description, Literal(description, lang="en")))
    license_iri = g.value(ds, DCTERMS.license)
    for fmt in DUMP_FORMATS:
        dist = URIRef(f"{base}void#distribution-{fmt.suffix}")
        g.add((ds, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(f"The whole dataset as {fmt.label}", lang="en")))
        g.add((dist, DCAT.downloadURL, URIRef(f"{base}dumps/dataset.{fmt.suffix}")))
        g.add((dist, DCAT.accessURL, URIRef(f"{base}dumps/dataset.{fmt.suffix}")))
        g.add((dist, DCAT.mediaType, URIRef(IANA + fmt.media_type)))
        if fmt.w3c:
            g.add((dist, DCTERMS["format"], URIRef(fmt.w3c)))
        if license_iri is not None:
            g.add((dist, DCTERMS.license, license_iri))
    service = URIRef(f"{base}void#sparql-service")
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("Read-only SPARQL 1.1 endpoint", lang="en")))
    g.add((service, DCAT.endpointURL, URIRef(base + "sparql")))
    g.add((service, DCAT.endpointDescription, URIRef(base + "sparql")))
    g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((service, DCAT.servesDataset, ds))
    g.add((ds, DCAT.accessService, service))


def schema_org_dataset(*, dataset_iri: str, home: str, dumps_url, title: str,
                       description: str, license_iri: str) -> dict:
    """The schema.org ``Dataset`` of the home page (Google's dataset search reads it).
    ``dumps_url(fmt)`` gives the public URL of a dump; every URL is public, never the
    request's Host."""
    data = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": dataset_iri,
        "name": title,
        "description": description or title,
        "url": home,
        "license": license_iri,
        "isAccessibleForFree": True,
        "distribution": [
            {"@type": "DataDownload", "name": f"The whole dataset as {fmt.label}",
             "encodingFormat": fmt.media_type, "contentUrl": dumps_url(fmt)}
            for fmt in DUMP_FORMATS],
    }
    return data


def script_json(data: dict) -> str:
    """JSON for a ``<script type="application/ld+json">`` block: ``<``, ``>`` and ``&``
    escaped, so no value can close the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
