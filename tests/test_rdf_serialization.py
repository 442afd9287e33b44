"""Serialising RDF (server/web/rdf.py): what pyoxigraph writes says exactly what rdflib
would have written.

Each case is a set of quads, served three ways (a ``Description`` as ``describe()``
builds it from SELECT rows, a plain rdflib ``Dataset`` as for dumps, a ``Graph`` as for
documents). For every syntax pyoxigraph writes, the body parsed back with rdflib must
be isomorphic to the same statements serialised by rdflib and parsed back: per named
graph for TriG and N-Quads, the union of the graphs for the triple syntaxes.
"""
from __future__ import annotations

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import RDF, RDFS, XSD

from server.formats import JSONLD, NQUADS, NTRIPLES, RDFXML, TRIG, TURTLE
from server.store.base import Solutions
from server.store.describe import Description, Statements
from server.web.rdf import NATIVE, document_quads, native, quads_of, serialize

EX = "https://example.org/kg/"
PREFIXES = {"ex": EX, "rdfs": str(RDFS), "xsd": str(XSD), "unused": "http://unused.example/"}
NATIVE_FORMATS = [TURTLE, NTRIPLES, RDFXML, TRIG, NQUADS]
G1, G2, G3 = (URIRef(EX + f"graph/{n}") for n in ("a", "b", "c"))
S = URIRef(EX + "person/sam")
NAME, KNOWS, NOTE, BORN = (URIRef(EX + p) for p in ("name", "knows", "note", "born"))
B = BNode("b0")

CASES = {
    "labels in several languages, in two graphs": [
        (S, RDFS.label, Literal("Sam Serey", lang="en"), G1),
        (S, RDFS.label, Literal("សំ សេរី", lang="km"), G1),
        (S, RDFS.label, Literal("Sam Serey", lang="en"), G2),          # same triple, second graph
        (S, RDFS.label, Literal("Sam Serey", lang="en-gb"), G3),
    ],
    "typed and plain literals": [
        (S, BORN, Literal("1975-05-01", datatype=XSD.date), G1),
        (S, NOTE, Literal("42", datatype=XSD.integer), G1),
        (S, NOTE, Literal("4.20", datatype=XSD.decimal), G1),
        (S, NOTE, Literal("not a number", datatype=XSD.integer), G1),  # ill-typed, kept as is
        (S, NOTE, Literal("true", datatype=XSD.boolean), G1),
        (S, NOTE, Literal("plain"), G1),
        (S, NOTE, Literal("x", datatype=URIRef("http://other.example/dt")), G2),
    ],
    "literals that need escaping": [
        (S, NOTE, Literal('He said "no" \'twice\''), G1),
        (S, NOTE, Literal("line one\nline two\n\ttabbed \\ backslash"), G1),
        (S, NOTE, Literal('"""triple quotes""" and <angle> & ampersand'), G1),
        (S, NOTE, Literal("ព្រះរាជាណាចក្រកម្ពុជា, Señor, 🏛️"), G1),
        (S, NOTE, Literal("", lang="en"), G1),
        (S, NOTE, Literal(" "), G2),
    ],
    "blank nodes in several graphs": [
        (S, KNOWS, B, G1),
        (B, NAME, Literal("someone"), G1),
        (B, KNOWS, BNode("b1"), G1),
        (BNode("b1"), NAME, Literal("someone else"), G2),
        (S, KNOWS, BNode("b1"), G2),
    ],
    "IRIs prefixes cannot abbreviate": [
        (URIRef(EX + "person/a(b)"), KNOWS, URIRef(EX + "person/j.r.r.tolkien"), G1),
        (URIRef(EX + "person/100%25"), KNOWS, URIRef(EX + "place/phnom-penh#centre"), G1),
        (URIRef(EX + "person/~x"), RDF.type, URIRef("http://other.example/Class"), G1),
        (URIRef("urn:isbn:0451450523"), KNOWS, URIRef(EX + "sub/dir/x"), G2),
        (S, KNOWS, URIRef("http://other.example/a?b=c&d=e"), G2),
    ],
    "empty": [],
}


# -- how the cases are served ---------------------------------------------------------

def as_description(quads) -> Description:
    desc = Description(str(S))
    desc.add_rows(Solutions(["g", "s", "p", "o"],
                            [{"g": g, "s": s, "p": p, "o": o} for s, p, o, g in quads]))
    return desc


def as_dataset(quads) -> Dataset:
    ds = Dataset()
    for s, p, o, g in quads:
        ds.graph(g).add((s, p, o))
    return ds


def as_graph(quads) -> Graph:
    graph = Graph()
    for s, p, o, _g in quads:
        graph.add((s, p, o))
    return graph


# -- what the body says ---------------------------------------------------------------

def parsed(body: bytes, fmt) -> Dataset:
    ds = Dataset()
    if fmt in (TRIG, NQUADS):
        ds.parse(data=body, format=fmt.rdflib)
    else:
        ds.default_graph.parse(data=body, format=fmt.rdflib)
    return ds


def graphs(ds: Dataset) -> dict:
    """Named graph -> its triples as a Graph (the default graph under None)."""
    out: dict = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        key = None if g in (None, DATASET_DEFAULT_GRAPH_ID) else g
        out.setdefault(key, Graph()).add((s, p, o))
    return out


def same_statements(a: Dataset, b: Dataset) -> bool:
    ga, gb = graphs(a), graphs(b)
    return ga.keys() == gb.keys() and all(isomorphic(ga[k], gb[k]) for k in ga)


def native_body(data, fmt) -> bytes:
    """What pyoxigraph writes for the document ``data`` (no fallback)."""
    return native(document_quads(data, fmt, False), fmt.oxigraph, PREFIXES)


def rdflib_body(data, fmt) -> bytes:
    """What rdflib alone writes for the document ``data`` (the reference)."""
    if fmt in (TRIG, NQUADS):
        ds = Dataset()
        for s, p, o, g in document_quads(data, fmt, False):
            (ds.graph(g) if g is not None else ds.default_graph).add((s, p, o))
        return ds.serialize(format=fmt.rdflib, encoding="utf-8")
    return as_graph(list(quads_of(data))).serialize(format=fmt.rdflib, encoding="utf-8")


SERVED = {"Description": as_description, "Dataset": as_dataset, "Graph": as_graph}


def test_every_case_is_written_by_pyoxigraph_in_every_syntax_it_writes():
    # (carriage returns are not in the cases: RDF/XML leaves them to rdflib, see below)
    assert {f.oxigraph for f in NATIVE_FORMATS} == set(NATIVE)
    assert not any("\r" in str(q[2]) for quads in CASES.values() for q in quads)


@pytest.mark.parametrize("fmt", NATIVE_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("served", SERVED)
@pytest.mark.parametrize("case", CASES)
def test_native_output_says_what_rdflib_says(case, served, fmt):
    data = SERVED[served](CASES[case])
    body = native_body(data, fmt)                          # pyoxigraph, no fallback
    assert same_statements(parsed(body, fmt), parsed(rdflib_body(data, fmt), fmt))
    assert serialize(data, fmt, PREFIXES) == body


@pytest.mark.parametrize("fmt", NATIVE_FORMATS, ids=lambda f: f.name)
def test_triple_syntaxes_give_the_union_and_quad_syntaxes_add_every_graph(fmt):
    quads = CASES["labels in several languages, in two graphs"]
    got = graphs(parsed(serialize(as_description(quads), fmt, PREFIXES), fmt))
    if fmt in (TRIG, NQUADS):           # the union in the default graph, then the provenance
        assert set(got) == {None, G1, G2, G3}
        assert (S, RDFS.label, Literal("Sam Serey", lang="en")) in got[G2]
    else:
        assert set(got) == {None}
    assert len(got[None]) == 3                              # the repeated triple once


@pytest.mark.parametrize("fmt", [TRIG, NQUADS], ids=lambda f: f.name)
def test_a_dataset_dump_keeps_the_named_graphs_only(fmt):
    quads = CASES["labels in several languages, in two graphs"]
    got = graphs(parsed(serialize(as_description(quads), fmt, PREFIXES, dataset=True), fmt))
    assert set(got) == {G1, G2, G3}


@pytest.mark.parametrize("fmt", [TURTLE, TRIG])
def test_turtle_declares_only_the_prefixes_it_uses(fmt):
    body = serialize(as_description(CASES["typed and plain literals"]), fmt, PREFIXES)
    declared = dict(Graph(bind_namespaces="none").parse(data=body, format=fmt.rdflib).namespaces()) \
        if fmt is TURTLE else dict(Dataset().parse(data=body, format="trig").namespaces())
    assert declared["ex"] == URIRef(EX)
    assert "unused" not in declared


@pytest.mark.parametrize("fmt", NATIVE_FORMATS, ids=lambda f: f.name)
@pytest.mark.parametrize("literal", [
    Literal("x", lang="en-abcdefghijk"),        # a subtag over 8 characters: refused
    Literal("x", lang="en-GB"),                 # would be lowercased: rdflib tells them apart
    Literal("x", datatype=XSD.string),          # would be written "x": rdflib tells them apart
], ids=repr)
def test_what_pyoxigraph_refuses_or_changes_rdflib_still_writes(literal, fmt):
    data = as_description([(S, NOTE, literal, G1), (S, KNOWS, B, G1)])
    with pytest.raises(ValueError):
        native_body(data, fmt)
    back = parsed(serialize(data, fmt, PREFIXES), fmt)
    assert same_statements(back, parsed(rdflib_body(data, fmt), fmt))
    assert literal in {o for _s, _p, o, _g in back.quads((S, NOTE, None, None))}


def test_rdf_xml_of_a_carriage_return_is_written_by_rdflib():
    data = as_description([(S, NOTE, Literal("one\r\ntwo"), G1)])
    with pytest.raises(ValueError):
        native_body(data, RDFXML)
    back = parsed(serialize(data, RDFXML, PREFIXES), RDFXML)
    assert Literal("one\r\ntwo") in {o for _s, _p, o, _g in back.quads((S, NOTE, None, None))}


@pytest.mark.parametrize("served", SERVED)
def test_json_ld_still_written_by_rdflib_with_the_context_url(served):
    import json
    data = SERVED[served](CASES["labels in several languages, in two graphs"])
    doc = json.loads(serialize(data, JSONLD, PREFIXES, {"@context": dict(PREFIXES)},
                               "https://example.org/context/v1.jsonld"))
    assert doc["@context"] == "https://example.org/context/v1.jsonld"


# -- the description itself -------------------------------------------------------------

def test_description_reads_as_an_rdflib_dataset():
    quads = CASES["blank nodes in several graphs"] + CASES["labels in several languages, in two graphs"]
    desc = as_description(quads)
    assert list(desc.rows) == list(dict.fromkeys(quads))          # as read, each once
    assert set(desc.quads((None, None, None, None))) == set(quads)
    assert (S, KNOWS, B) in desc                                   # the default graph is the union
    assert set(desc.objects(S, RDFS.label)) == {Literal("Sam Serey", lang="en"),
                                                Literal("សំ សេរី", lang="km"),
                                                Literal("Sam Serey", lang="en-gb")}
    assert {g for _s, _p, _o, g in desc.quads((S, RDFS.label, None, None))} == {G1, G2, G3}


def test_rows_added_after_a_read_are_read_too():
    quads = CASES["typed and plain literals"]
    desc = as_description(quads)
    assert len(list(desc.quads((None, None, None, None)))) == len(quads)
    desc.add_rows(Solutions(["g", "s", "p", "o"], [{"g": G3, "s": S, "p": NAME, "o": Literal("late")}]))
    assert (S, NAME, Literal("late"), G3) in set(desc.quads((None, None, None, None)))
    assert (S, NAME, Literal("late"), G3) in set(quads_of(desc))       # what the serializers read


def test_statements_merge_descriptions_once():
    quads = CASES["typed and plain literals"]
    merged = Statements()
    merged.add_quads(quads)
    merged.add_quads(quads[:3] + CASES["blank nodes in several graphs"][:1])
    assert list(merged.rows) == quads + CASES["blank nodes in several graphs"][:1]
    assert set(merged.quads((None, None, None, None))) == set(merged.rows)
