"""The pure parts of the web layer: path <-> IRI mapping, suffixes, error formats,
ETags and the timeline ordering."""
from __future__ import annotations

import pytest
from rdflib import Literal, URIRef

from server.formats import HTML, JSONLD, RESOURCE_FORMATS, TURTLE
from server.web.errors import error_kind
from server.web.http import etag_for
from server.web.iris import compact, iri_for, local_name, path_for, split_suffix
from server.web.timeline import build_timeline

BASE = "https://example.org/kg/"


@pytest.mark.parametrize("path, stem, fmt", [
    ("person/sam-serey", "person/sam-serey", None),
    ("person/sam-serey.ttl", "person/sam-serey", TURTLE),
    ("person/sam-serey.jsonld", "person/sam-serey", JSONLD),
    ("person/sam-serey.html", "person/sam-serey", HTML),
    ("person/j.r.r.tolkien", "person/j.r.r.tolkien", None),   # a dot that is no suffix
    ("event/x.ttl/more", "event/x.ttl/more", None),
])
def test_split_suffix(path, stem, fmt):
    assert split_suffix(path, RESOURCE_FORMATS) == (stem, fmt)


@pytest.mark.parametrize("iri, path", [
    (BASE + "person/x", "/person/x"),
    (BASE + "event/x#date", "/event/x#date"),
    ("https://schema.org/Person", None),
])
def test_path_for_and_back(iri, path):
    assert path_for(iri, BASE) == path
    if path and "#" not in path:
        assert iri_for(path, BASE) == iri


@pytest.mark.parametrize("iri, short", [
    ("https://schema.org/name", "schema:name"),
    (BASE + "ontology#Pardon", "cpo:Pardon"),
    ("http://other.example/x y", "http://other.example/x y"),
])
def test_compact(iri, short):
    assert compact(iri, {"schema": "https://schema.org/", "cpo": BASE + "ontology#"}) == short


def test_local_name():
    assert local_name(BASE + "ontology#Pardon") == "Pardon" and local_name(BASE + "person/x") == "x"


@pytest.mark.parametrize("accept, override, kind", [
    ("text/html,*/*;q=0.8", None, "html"),
    ("application/json", None, "json"),
    ("application/ld+json", None, "json"),
    ("text/turtle", None, "turtle"),
    ("application/n-triples", None, "text"),
    ("text/plain", None, "text"),
    ("", None, "turtle"),                       # as a known IRI answers: Turtle
    ("*/*", None, "turtle"),
    ('application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"', None, "json"),
    ("application/sparql-results+json; charset=utf-8", None, "json"),
    ("text/html", "ttl", "turtle"),
    ("text/html", "jsonld", "json"),
])
def test_error_bodies_follow_the_request(accept, override, kind):
    assert error_kind(accept, override) == kind


def test_etags_change_with_data_path_query_and_type():
    base = etag_for("f1", "/person/x", b"", "text/turtle")
    assert base == etag_for("f1", "/person/x", b"", "text/turtle")
    assert len({base, etag_for("f2", "/person/x", b"", "text/turtle"),
                etag_for("f1", "/person/y", b"", "text/turtle"),
                etag_for("f1", "/person/x", b"incoming_page=2", "text/turtle"),
                etag_for("f1", "/person/x", b"", "text/html")}) == 5


def row(event, graph, **dates):
    r = {"e": URIRef(event), "role": URIRef(BASE + "ontology#concerns"), "g": URIRef(graph),
         "label": Literal(event.rsplit("/", 1)[-1])}
    if dates:
        r["d"] = URIRef(event + "#date")
        r.update({k: Literal(v) for k, v in dates.items()})
    return r


def test_timeline_sorts_by_earliest_bound_and_puts_undated_last():
    rows = [row(BASE + "event/c", "g1"),
            row(BASE + "event/b", "g1", value="2024-04-06", earliest="2024-04-06", basis="inferred",
                precision="day", note="year inferred"),
            row(BASE + "event/a", "g1", value="2011", earliest="2011-01-01", precision="year"),
            row(BASE + "event/a", "g2", value="2011", earliest="2011-01-01", precision="year")]
    entries = build_timeline(rows, lambda p: "concerns")
    assert [e.label for e in entries] == ["a", "b", "c"]
    assert entries[0].graphs == ["g1", "g2"] and len(entries[0].dates) == 1
    assert (entries[1].dates[0].text, entries[1].dates[0].basis, entries[1].dates[0].note) == \
        ("2024-04-06", "inferred", "year inferred")
    assert entries[2].dates == []


def test_conflicting_dates_are_both_kept():
    rows = [row(BASE + "event/arrest", "g1", value="2017-09", earliest="2017-09-01"),
            row(BASE + "event/arrest", "g2", value="2017-11", earliest="2017-11-01")]
    (entry,) = build_timeline(rows, lambda p: "concerns")
    assert [d.text for d in entry.dates] == ["2017-09", "2017-11"]
