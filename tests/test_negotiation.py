"""The one format table and negotiation over it (pure functions): what each Accept
header and ``format=`` value chooses, as real clients send them."""
from __future__ import annotations

import pyoxigraph as ox
import pytest

from server import formats
from server.formats import (ALL, CSV, GRAPH_FORMATS, HTML, JSONLD, JSONLD_EXPANDED, JSONLD_FLATTENED,
                            NQUADS, NTRIPLES, RDFXML, RESOURCE_FORMATS, RESULT_FORMATS, SPARQL_JSON,
                            SPARQL_XML, TRIG, TSV, TURTLE, best, negotiate)
from server.errors import NotAcceptable

JSONLD_NS = "http://www.w3.org/ns/json-ld#"


@pytest.mark.parametrize("accept, chosen", [
    # what clients send, in their default settings
    ("text/turtle, application/x-turtle, */*;q=0.1", TURTLE),                    # rdflib format="turtle"
    ("text/n3, */*;q=0.1", TURTLE),                                                # rdflib format="n3"
    ("text/plain, */*;q=0.1", NTRIPLES),                                           # rdflib format="nt"
    ("application/rdf+xml, */*;q=0.1", RDFXML),                                    # rdflib format="xml"
    ("application/ld+json, application/json;q=0.9, */*;q=0.1", JSONLD),            # rdflib format="json-ld"
    ("application/ld+json, application/json", JSONLD),                             # pyld's loader
    ("application/n-quads,application/trig;q=0.95,application/ld+json;q=0.9,"
     "application/n-triples;q=0.8,text/turtle;q=0.6,*/*;q=0.1", NQUADS),          # Comunica
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", HTML),    # a browser
    ("*/*", TURTLE),                                                               # curl
    ("", TURTLE),                                                                  # no header
    # parameters we need not honour are ignored
    (f'application/ld+json; profile="{JSONLD_NS}compacted"', JSONLD),
    ("text/turtle; charset=utf-8", TURTLE),
    ("text/turtle;charset=UTF-8;q=0.9", TURTLE),
    # JSON-LD forms by profile (pyld asks for them)
    (f'application/ld+json;profile="{JSONLD_NS}expanded"', JSONLD_EXPANDED),
    (f'application/ld+json;profile="{JSONLD_NS}flattened"', JSONLD_FLATTENED),
    (f'application/ld+json;profile="{JSONLD_NS}flattened {JSONLD_NS}expanded"', JSONLD_FLATTENED),
    (f'application/ld+json;profile="{JSONLD_NS}expanded {JSONLD_NS}compacted"', JSONLD),
    ('application/ld+json;profile="https://example.org/some-profile"', JSONLD),
    # wildcards choose among the real offers only, never through an alias
    ("application/*", JSONLD),
    ("text/*", TURTLE),
    ("text/*;q=0.5, application/rdf+xml", RDFXML),
    # q=0 refuses, the most specific range decides
    ("text/turtle;q=0, */*", JSONLD),
    ("*/*;q=0.1, text/html;q=0", TURTLE),
])
def test_a_resource_is_negotiated_as_clients_expect(accept, chosen):
    assert best(accept, RESOURCE_FORMATS) is chosen


@pytest.mark.parametrize("accept", [
    "image/png",
    "text/turtle; charset=iso-8859-1",            # everything here is UTF-8
    "application/*;q=0, text/*;q=0, */*;q=0",
])
def test_nothing_acceptable_is_406_listing_the_offers(accept):
    with pytest.raises(NotAcceptable) as err:
        negotiate(accept, RESOURCE_FORMATS)
    assert "text/turtle" in err.value.details["offered"]


@pytest.mark.parametrize("value, offers, chosen", [
    # SPARQLWrapper sends its return format as format= (and output=, results=)
    ("xml", RESULT_FORMATS, SPARQL_XML), ("json", RESULT_FORMATS, SPARQL_JSON),
    ("csv", RESULT_FORMATS, CSV), ("tsv", RESULT_FORMATS, TSV),
    ("xml", GRAPH_FORMATS, RDFXML), ("rdf+xml", GRAPH_FORMATS, RDFXML),
    ("n3", GRAPH_FORMATS, TURTLE), ("turtle", GRAPH_FORMATS, TURTLE), ("json-ld", GRAPH_FORMATS, JSONLD),
    ("json", GRAPH_FORMATS, JSONLD),
    # Fuseki's and ours
    ("ttl", GRAPH_FORMATS, TURTLE), ("nt", GRAPH_FORMATS, NTRIPLES), ("jsonld", GRAPH_FORMATS, JSONLD),
    ("trig", GRAPH_FORMATS, TRIG), ("nq", GRAPH_FORMATS, NQUADS), ("text/csv", RESULT_FORMATS, CSV),
    ("application/sparql-results+json", RESULT_FORMATS, SPARQL_JSON), ("srj", RESULT_FORMATS, SPARQL_JSON),
    ("HTML", RESOURCE_FORMATS, HTML), (" Turtle ", RESOURCE_FORMATS, TURTLE),
])
def test_format_names_every_client_spelling(value, offers, chosen):
    assert negotiate("image/png", offers, value) is chosen      # format= wins over Accept


@pytest.mark.parametrize("value", ["nonsense", "\x00", "rdf+xml,application/rdf+xml", "csv"])
def test_a_format_value_that_names_no_offer_falls_back_to_accept(value):
    assert negotiate("application/rdf+xml", GRAPH_FORMATS, value) is RDFXML
    with pytest.raises(NotAcceptable):
        negotiate("image/png", GRAPH_FORMATS, value)


def test_names_are_unambiguous_within_every_offer():
    for offers in (RESOURCE_FORMATS, GRAPH_FORMATS, RESULT_FORMATS, formats.DUMP_FORMATS):
        seen: dict[str, object] = {}
        for fmt in offers:
            for spelling in fmt.spellings:
                assert seen.setdefault(spelling, fmt) is fmt or fmt.profile, (spelling, fmt.name)


def test_every_row_names_real_pyoxigraph_formats_and_w3c_iris():
    for fmt in ALL:
        if fmt.oxigraph:
            target = fmt.ox_format()
            assert isinstance(target, (ox.RdfFormat, ox.QueryResultsFormat)), fmt.name
            if fmt.graphs:                  # (JSON-LD could, but our documents are the union)
                assert target.supports_datasets, fmt.name
        if fmt.w3c:
            assert fmt.w3c.startswith("http://www.w3.org/ns/formats/"), fmt.name


def test_the_loader_and_the_fingerprint_read_the_suffixes_of_the_table():
    from server.loader import QUAD_SYNTAXES, SYNTAXES
    from server.store.sources import RDF_SUFFIXES
    assert set(SYNTAXES) == set(RDF_SUFFIXES) == {".ttl", ".nt", ".rdf", ".owl", ".trig", ".nq", ".jsonld"}
    assert QUAD_SYNTAXES == {TRIG.rdflib, NQUADS.rdflib}


def test_content_types_carry_the_profile_or_the_charset():
    assert JSONLD_EXPANDED.content_type == f'application/ld+json; profile="{JSONLD_NS}expanded"'
    assert TURTLE.content_type == "text/turtle; charset=utf-8"
    assert NQUADS.content_type == "application/n-quads"


def test_a_huge_accept_header_costs_a_bounded_parse():
    header = ",".join(["a/b"] * 15000) + ", text/turtle"
    assert len(formats.parse_accept(header)) == formats.MAX_ACCEPT_RANGES
    assert formats._parse_accept.cache_info().maxsize == 512
    with pytest.raises(NotAcceptable):           # the range past the limit is not read
        negotiate(header, RESOURCE_FORMATS)
    assert best("text/turtle;q=0.1, " + ",".join(["a/b"] * 40), RESOURCE_FORMATS) is TURTLE
