"""The one table of media types we serve, and content negotiation over it.

Used for Accept headers, ``?format=`` and file suffixes alike, by the linked-data
pages and by the SPARQL endpoint. Werkzeug's ``best_match`` honours q-values; among
equally acceptable types the first one offered (the server's preference) wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from werkzeug.datastructures import MIMEAccept

from .errors import NotAcceptable


@dataclass(frozen=True)
class Format:
    name: str            # short name used by ?format= (and the file suffix)
    media_type: str      # canonical media type sent in Content-Type
    rdflib: str | None   # rdflib serializer/parser name (None: not an RDF syntax)
    suffix: str          # file suffix, without dot
    aliases: tuple[str, ...] = ()   # other media types / names that select this format


TURTLE = Format("turtle", "text/turtle", "turtle", "ttl", ("ttl", "application/x-turtle"))
# JSON-LD is JSON: plain ``Accept: application/json`` on an RDF resource gets JSON-LD.
JSONLD = Format("jsonld", "application/ld+json", "json-ld", "jsonld", ("json-ld", "application/json"))
NTRIPLES = Format("ntriples", "application/n-triples", "nt", "nt", ("nt",))
RDFXML = Format("rdfxml", "application/rdf+xml", "xml", "rdf", ("rdf", "xml"))
TRIG = Format("trig", "application/trig", "trig", "trig")
NQUADS = Format("nquads", "application/n-quads", "nquads", "nq", ("nq",))
HTML = Format("html", "text/html", None, "html", ("application/xhtml+xml",))

SPARQL_JSON = Format("json", "application/sparql-results+json", None, "srj", ("srj", "application/json"))
SPARQL_XML = Format("xml", "application/sparql-results+xml", None, "srx", ("srx",))
CSV = Format("csv", "text/csv", None, "csv")
TSV = Format("tsv", "text/tab-separated-values", None, "tsv")

#: Formats of one resource description (triples + the graphs they come from).
RESOURCE_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS, HTML)
#: Formats of whole-dataset dumps (named graphs matter).
DUMP_FORMATS: tuple[Format, ...] = (TRIG, NQUADS, TURTLE, JSONLD)
#: SELECT / ASK result formats.
RESULT_FORMATS: tuple[Format, ...] = (SPARQL_JSON, SPARQL_XML, CSV, TSV)
#: CONSTRUCT / DESCRIBE result formats.
GRAPH_FORMATS: tuple[Format, ...] = (TURTLE, JSONLD, NTRIPLES, RDFXML, TRIG, NQUADS)


def by_name(name: str, offers: Sequence[Format]) -> Format | None:
    """The offered format a ``?format=`` value or file suffix names (name, suffix, media type, alias)."""
    key = name.strip().lower()
    for fmt in offers:
        if key in (fmt.name, fmt.suffix, fmt.media_type, *fmt.aliases):
            return fmt
    return None


def negotiate(accept: MIMEAccept, offers: Sequence[Format], override: str | None = None) -> Format:
    """Choose a format: an explicit override (``?format=``/suffix) wins, else the Accept header.

    Raises NotAcceptable listing the offered media types when nothing fits."""
    offered = ", ".join(f.media_type for f in offers)
    if override:
        fmt = by_name(override, offers)
        if fmt is None:
            raise NotAcceptable(f"Unknown format {override!r}.", hint=f"Use one of: {offered}",
                                offered=[f.media_type for f in offers])
        return fmt
    if not accept:                       # no Accept header: the server's first preference
        return offers[0]
    candidates: list[str] = []
    owner: dict[str, Format] = {}
    for fmt in offers:
        for mt in (fmt.media_type, *[a for a in fmt.aliases if "/" in a]):
            candidates.append(mt)
            owner[mt] = fmt
    best = accept.best_match(candidates)
    if best is None:
        raise NotAcceptable("None of the media types in the Accept header can be served.",
                            hint=f"Ask for one of: {offered}",
                            offered=[f.media_type for f in offers])
    return owner[best]
