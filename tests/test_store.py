"""The store layer, specified over its public API (``server.store.Store``) on every
backend: rdflib, Oxigraph in memory, Oxigraph on disk, and a remote SPARQL endpoint
(a real ``oxigraph serve`` started here, loaded with the same data).

The data is the small fixture dataset ``tests/fixtures/mini`` (base
``http://example.org/kg/``): the store knows nothing of the shipped dataset.
"""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from flask import Flask
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, RDFS, XSD
from rdflib.query import Result

from oxigraph_server import start_oxigraph_server
from server.config import DEFAULTS, load_config
from server.errors import NotAcceptable, QuerySyntaxError
from server.formats import (CSV, GRAPH_FORMATS, JSONLD, NQUADS, NTRIPLES, RDFXML,
                            SPARQL_JSON, SPARQL_XML, TRIG, TSV, TURTLE)
from server.store import Store, build_store, get_store, init_app, load_sources

MINI = Path(__file__).parent / "fixtures" / "mini"
BASE = "http://example.org/kg/"
BACKENDS = ["rdflib", "oxigraph", "oxigraph-disk", "remote"]

EX = lambda local: URIRef(BASE + "ontology#" + local)          # noqa: E731
PARDON = URIRef(BASE + "event/2024-pardon")
RELEASE = URIRef(BASE + "event/2024-release")
ARREST = URIRef(BASE + "event/2023-arrest")
ALICE = URIRef(BASE + "person/alice")
BOB = URIRef(BASE + "person/bob")
G1, G2 = URIRef(BASE + "graph/article-one"), URIRef(BASE + "graph/article-two")
ONTOLOGY_G = URIRef(BASE + "graph/ontology")
NAME = URIRef("https://schema.org/name")


# -- helpers shared with test_query_pool.py ------------------------------------

def mini_config(**overrides) -> dict:
    return {**DEFAULTS, "BASE_IRI": BASE, "ONTOLOGY_DIR": str(MINI / "ontology"),
            "DATA_DIR": str(MINI / "data"), "SHAPES_DIR": str(MINI / "shapes"),
            "VALIDATE_ON_START": False, "QUERY_WORKERS": 2, **overrides}


@pytest.fixture(scope="session")
def remote_endpoint(tmp_path_factory):
    proc, endpoint = start_oxigraph_server(tmp_path_factory.mktemp("oxigraph-server"),
                                           load_sources(mini_config()).dataset)
    yield endpoint
    proc.kill()
    proc.wait()


def make_store(kind: str, tmp: Path, remote_endpoint: str | None = None) -> Store:
    settings = {"rdflib": {"STORE_BACKEND": "rdflib"},
                "oxigraph": {"STORE_BACKEND": "oxigraph"},
                "oxigraph-disk": {"STORE_BACKEND": "oxigraph", "STORE_PATH": str(tmp / "ox")},
                "remote": {"STORE_BACKEND": "remote", "REMOTE_ENDPOINT": remote_endpoint}}
    return build_store(mini_config(**settings[kind]))


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, tmp_path_factory):
    endpoint = request.getfixturevalue("remote_endpoint") if request.param == "remote" else None
    st = make_store(request.param, tmp_path_factory.mktemp(request.param), endpoint)
    yield st
    st.close()


def quadset(ds, pattern=(None, None, None, None)) -> set[tuple]:
    """The quads of an rdflib Dataset as (s, p, o, graph IRI)."""
    return {(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in ds.quads(pattern)}


def run(store, query, fmt=SPARQL_JSON, max_rows=1000, **kw):
    return store.protocol_query(query, result_format=fmt, timeout=10, max_rows=max_rows, **kw)


def select_values(store, query, **kw) -> list[tuple]:
    data = json.loads(run(store, query, **kw).body)
    return [tuple(b.get(v, {}).get("value") for v in data["head"]["vars"])
            for b in data["results"]["bindings"]]


# -- describe ------------------------------------------------------------------

DESCRIBE_PARDON = [
    # (subject, predicate, object, graph): what dereferencing the pardon must show
    ("own statement",           PARDON, RDF.type, EX("Event"), G1),
    ("own, other graph",        PARDON, EX("requestedBy"), BOB, G2),
    ("same fact, both graphs",  PARDON, EX("concerns"), ALICE, G2),
    ("hash child",              URIRef(PARDON + "#date"), EX("dateValue"),
                                Literal("2024-04-06", datatype=XSD.date), G1),
    ("label of an object",      ALICE, NAME, Literal("Alice", lang="en"), G1),
    ("label of a predicate",    EX("concerns"), RDFS.label, Literal("concerns", lang="en"), ONTOLOGY_G),
    ("label of a type",         EX("Event"), RDFS.label, Literal("Event", lang="en"), ONTOLOGY_G),
    ("incoming link",           RELEASE, EX("follows"), PARDON, G1),
    ("label of incoming subj.", RELEASE, RDFS.label, Literal("Release of Alice", lang="en"), G1),
]


@pytest.mark.parametrize("what,s,p,o,g", DESCRIBE_PARDON, ids=[r[0] for r in DESCRIBE_PARDON])
def test_describe_includes(store, what, s, p, o, g):
    desc = store.describe(PARDON)
    assert (s, p, o, g) in quadset(desc)


def test_describe_includes_blank_node_statements(store):
    desc = store.describe(PARDON)
    notes = [o for _s, _p, o, _g in desc.quads((PARDON, EX("note"), None, None))]
    assert len(notes) == 1 and isinstance(notes[0], BNode)
    assert (notes[0], EX("weight"), Literal(3)) in desc


def test_describe_counts_and_pages_incoming_links(store):
    # alice is the object of: arrest (g2), pardon (g1, g2), release (g1)
    full = store.describe(ALICE, incoming_limit=50)
    incoming = {(s, g) for s, _p, _o, g in quadset(full, (None, None, ALICE, None))}
    assert full.incoming_total == 4
    assert incoming == {(ARREST, G2), (PARDON, G1), (PARDON, G2), (RELEASE, G1)}
    pages = [store.describe(ALICE, incoming_limit=2, incoming_offset=off) for off in (0, 2)]
    seen = [{(s, g) for s, _p, _o, g in quadset(d, (None, None, ALICE, None))} for d in pages]
    assert all(d.incoming_total == 4 for d in pages)
    assert len(seen[0]) == len(seen[1]) == 2 and seen[0] | seen[1] == incoming


@pytest.mark.parametrize("iri", [BASE + "person/nobody", "not an iri", BASE + "x>{}"])
def test_describe_of_unknown_or_malformed_iri_is_empty(store, iri):
    desc = store.describe(iri)
    assert desc.empty and len(list(desc.quads((None, None, None, None)))) == 0


def test_describe_excludes_unrelated_resources(store):
    subjects = {s for s, *_ in store.describe(BOB).quads((None, None, None, None))}
    assert URIRef(PARDON + "#date") not in subjects


# -- trusted reads, dumps, stats -------------------------------------------------

def test_select_ask_construct_over_the_union_graph(store):
    sol = store.select(f"SELECT DISTINCT ?who WHERE {{ <{ARREST}> <{EX('actor')}> ?who }}")
    assert sol.variables == ["who"] and [r["who"] for r in sol.rows] == [BOB]
    assert store.ask(f"ASK {{ <{PARDON}> <{EX('requestedBy')}> <{BOB}> }}") is True
    graph = store.construct(f"CONSTRUCT {{ ?s <{NAME}> ?n }} WHERE {{ ?s <{NAME}> ?n }}")
    assert set(graph) == {(ALICE, NAME, Literal("Alice", lang="en")), (BOB, NAME, Literal("Bob", lang="en"))}


def test_graph_names_quads_and_stats_agree_with_the_source_files(store):
    loaded = load_sources(mini_config()).dataset
    expected = {q for q in quadset(loaded) if not isinstance(q[0], BNode) and not isinstance(q[2], BNode)}
    got = {q for q in store.quads() if not isinstance(q[0], BNode) and not isinstance(q[2], BNode)}
    assert got == expected
    assert store.graph_names() == sorted({q[3] for q in expected})
    stats = store.stats()
    assert stats["graphs"] == 4 and stats["quads"] == len(list(loaded.quads((None, None, None, None))))
    assert stats["classes"][str(EX("Event"))] == 3 and stats["classes"][str(EX("Person"))] == 2
    assert stats["graph_triples"][str(G2)] == len(loaded.graph(G2))


def test_fingerprint_is_stable_and_follows_the_content(store, tmp_path):
    assert store.loaded_at.tzinfo is not None
    if store.backend.name == "remote":
        assert store.fingerprint == store.backend.fingerprint()
        return
    again = build_store(mini_config(STORE_BACKEND="rdflib"))
    assert again.fingerprint == store.fingerprint
    changed = build_store(mini_config(STORE_BACKEND="rdflib", BASE_IRI="http://example.org/other/"))
    assert changed.fingerprint != store.fingerprint


# -- protocol queries: every format, parsed back -----------------------------------

NAMES_QUERY = f"SELECT DISTINCT ?s ?name WHERE {{ ?s <{NAME}> ?name }} ORDER BY ?name"
NAMES = [(str(ALICE), "Alice"), (str(BOB), "Bob")]


def parse_results(fmt, body: bytes) -> list[tuple]:
    if fmt is TSV:
        lines = body.decode().splitlines()
        return [tuple(Result.parse(io.BytesIO(body), format="tsv").vars and
                      [c.strip("<>").split('"')[1] if c.startswith('"') else c.strip("<>")
                       for c in line.split("\t")]) for line in lines[1:]]
    if fmt is CSV:
        return [tuple(row) for row in list(csv.reader(io.StringIO(body.decode())))[1:]]
    res = Result.parse(io.BytesIO(body), format={"json": "json", "xml": "xml"}[fmt.name])
    return [tuple(str(t) for t in row) for row in res]


@pytest.mark.parametrize("fmt", [SPARQL_JSON, SPARQL_XML, CSV, TSV], ids=lambda f: f.name)
def test_select_in_every_result_format(store, fmt):
    answer = run(store, NAMES_QUERY, fmt)
    assert answer.media_type == fmt.media_type and answer.kind == "select"
    assert answer.rows == 2 and not answer.truncated
    assert parse_results(fmt, answer.body) == NAMES


@pytest.mark.parametrize("fmt", [SPARQL_JSON, SPARQL_XML], ids=lambda f: f.name)
@pytest.mark.parametrize("query,expected", [
    (f"ASK {{ <{ALICE}> ?p ?o }}", True),
    (f"ASK {{ <{ALICE}> <{EX('actor')}> ?o }}", False),
])
def test_ask_in_result_formats(store, fmt, query, expected):
    answer = run(store, query, fmt)
    assert answer.kind == "ask"
    assert Result.parse(io.BytesIO(answer.body), format=fmt.name).askAnswer is expected


CONSTRUCT = f"CONSTRUCT {{ ?e <{EX('concerns')}> ?p }} WHERE {{ ?e <{EX('concerns')}> ?p }}"


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_construct_in_every_rdf_format(store, fmt):
    answer = run(store, CONSTRUCT, fmt)
    assert answer.kind == "graph" and answer.media_type == fmt.media_type
    parsed = Dataset()
    parsed.parse(data=answer.body, format=fmt.rdflib)
    triples = {(s, p, o) for s, p, o, _g in parsed.quads((None, None, None, None))}
    assert triples == {(e, EX("concerns"), ALICE) for e in (PARDON, RELEASE, ARREST)}


def test_default_graph_is_the_set_union_of_the_named_graphs(store):
    """A fact stated by both articles is one triple of the default graph (RDF merge)."""
    count = f"SELECT (COUNT(*) AS ?n) WHERE {{ <{PARDON}> <{EX('concerns')}> <{ALICE}> }}"
    in_graphs = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ <{PARDON}> <{EX('concerns')}> <{ALICE}> }} }}"
    assert select_values(store, count) == [("1",)]
    assert select_values(store, in_graphs) == [("2",)]
    assert int(store.select(count).rows[0]["n"]) == 1


def test_literal_with_percent_and_quotes_round_trips(store):
    rows = select_values(store, f"SELECT ?q WHERE {{ <{RELEASE}> <{EX('quote')}> ?q }}")
    assert rows == [('100%41 "quoted"',)]


def test_describe_query_answers_the_resource_description(store):
    answer = run(store, f"PREFIX person: <{BASE}person/>\nDESCRIBE person:bob", NQUADS)
    got = Dataset()
    got.parse(data=answer.body, format="nquads")
    expected = store.describe(BOB)
    assert quadset(got) == quadset(expected) and quadset(got)


def test_describe_query_with_variables(store):
    answer = run(store, f"DESCRIBE ?e WHERE {{ ?e <{EX('actor')}> <{BOB}> }}", TURTLE)
    graph = Graph().parse(data=answer.body, format="turtle")
    assert (ARREST, RDF.type, EX("Event")) in graph and (ARREST, EX("actor"), BOB) in graph


# -- dataset selection, limits, errors --------------------------------------------

def test_default_graph_uri_restricts_the_default_graph(store):
    rows = select_values(store, f"SELECT ?e WHERE {{ ?e <{EX('concerns')}> <{ALICE}> }}",
                         default_graph_uris=[str(G2)])
    assert sorted(rows) == sorted([(str(ARREST),), (str(PARDON),)])


def test_unknown_graph_in_the_dataset_is_empty_and_not_created(store):
    rows = select_values(store, "SELECT * WHERE { ?s ?p ?o }",
                         default_graph_uris=[BASE + "graph/no-such-graph"])
    assert rows == [] and URIRef(BASE + "graph/no-such-graph") not in store.graph_names()


def test_named_graph_uri_restricts_graph_patterns(store):
    rows = select_values(store, "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                         named_graph_uris=[str(G1)])
    assert rows == [(str(G1),)]


def test_rows_beyond_max_rows_are_cut_and_flagged(store):
    answer = run(store, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", max_rows=5)
    assert answer.truncated and answer.rows == 5
    assert len(json.loads(answer.body)["results"]["bindings"]) == 5
    whole = run(store, NAMES_QUERY, max_rows=2)
    assert not whole.truncated and whole.rows == 2
    graph = run(store, CONSTRUCT, NTRIPLES, max_rows=2)
    assert graph.truncated and len(Graph().parse(data=graph.body, format="nt")) == 2


@pytest.mark.parametrize("query,line", [
    ("SELECT * WHERE { ?s ?p }", 1),
    ("PREFIX ex: <http://e/>\nSELECT * WHERE {\n  ?s ex:p ?o }\nLIMIT x", 4),
])
def test_syntax_error_carries_the_position(store, query, line):
    with pytest.raises(QuerySyntaxError) as err:
        run(store, query)
    details = err.value.to_dict()
    assert err.value.status == 400 and details["message"]
    if store.backend.name != "remote":       # a remote store words its own message
        assert details["line"] == line and isinstance(details["column"], int)


@pytest.mark.parametrize("query,fmt", [(NAMES_QUERY, TURTLE), (CONSTRUCT, SPARQL_JSON)])
def test_result_format_must_fit_the_query_form(store, query, fmt):
    with pytest.raises(NotAcceptable):
        run(store, query, fmt)


# -- wiring into Flask, persistence ---------------------------------------------------

def test_init_app_keeps_one_store_reachable_with_get_store():
    app = Flask("store-test")
    load_config(app, mini_config(STORE_BACKEND="rdflib"))
    init_app(app)
    with app.app_context():
        assert get_store() is app.extensions["kg.store"]
        assert not get_store().describe(ALICE).empty


def test_persistent_store_is_reopened_without_parsing(tmp_path, monkeypatch):
    import server.loader as loader
    first = make_store("oxigraph-disk", tmp_path)
    first.close()
    del first

    def must_not_parse(*args, **kwargs):
        raise AssertionError("the sources were parsed again")
    monkeypatch.setattr(loader, "parse_file", must_not_parse)
    monkeypatch.setattr(loader, "file_terms", must_not_parse)      # the pyoxigraph path
    again = make_store("oxigraph-disk", tmp_path)
    assert not again.describe(ALICE).empty
    assert again.stats()["graphs"] == 4
    again.close()