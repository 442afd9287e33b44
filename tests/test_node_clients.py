"""Real node clients, unmodified and in their default settings, against a live server:
Comunica (``@comunica/query-sparql``) and jsonld.js (``jsonld``), pinned in
``tests/clients/package.json`` and its lock file. Each client runs as a small script in
``tests/clients/`` that prints JSON; the answers are compared with the store's own.

``make test`` installs the clients (``make clients``: ``npm ci --prefix tests/clients``).
Skipped, with the reason, only when ``node`` is not installed; with node but without the
installed clients the tests fail and say to run ``make test``."""
from __future__ import annotations

from graph_compare import by_graph, same_graphs

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from server.store import get_store

NODE = shutil.which("node")
CLIENTS = Path(__file__).parent / "clients"
PACKAGES = ("@comunica/query-sparql", "jsonld")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
TIMEOUT = 120        # seconds for one script (node start-up, the engine, a few requests)

if NODE is None:
    pytest.skip("node is not installed: the node clients (Comunica, jsonld.js) cannot run",
                allow_module_level=True)

SAM_SEREY = "person/sam-serey"
RESOURCES = [
    SAM_SEREY,                                       # a person, many incoming links
    "event/royal-pardon-sam-serey",                  # an event with hash children (#date)
    "organization/knlf",                             # an organization
]

COUNT_TRIPLES = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
ALL_TRIPLES = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"
ALL_QUADS = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"

PREFIXES = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
            "PREFIX schema: <https://schema.org/> "
            "PREFIX cpo: <https://w3id.org/cambodia-prosecutions/ontology#> ")
SELECT_LABELS = PREFIXES + "SELECT ?e ?label WHERE { ?e cpo:concerns <{iri}> ; rdfs:label ?label }"
SELECT_PER_GRAPH = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
ASK_PERSON = PREFIXES + "ASK { <{iri}> a schema:Person }"
ASK_ORGANIZATION = PREFIXES + "ASK { <{iri}> a schema:Organization }"
COUNT_NAMED_QUADS = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
# Comunica sends a query by GET below 600 characters of URL and by POST (a form) above.
LONG_SELECT = PREFIXES + ("SELECT ?p (COUNT(*) AS ?n) WHERE { VALUES ?s { <{iri}> "
                          + " ".join(f"<{{iri}}-{i}>" for i in range(40))
                          + " } ?s ?p ?o } GROUP BY ?p")
CONSTRUCT_CONCERNS = PREFIXES + ("CONSTRUCT { ?e cpo:concerns <{iri}> ; rdfs:label ?label } "
                                 "WHERE { ?e cpo:concerns <{iri}> ; rdfs:label ?label }")


@pytest.fixture(scope="module", autouse=True)
def installed():
    """The pinned clients must be installed: ``make test`` does it when node is here."""
    missing = [p for p in PACKAGES if not (CLIENTS / "node_modules" / p / "package.json").is_file()]
    if missing:
        pytest.fail(f"node is installed but {', '.join(missing)} not in tests/clients/node_modules: "
                    "run `make test` (or `make clients`: npm ci --prefix tests/clients)")


def run(script: str, *args: str):
    """Run ``tests/clients/<script>`` with node; its stdout parsed as JSON."""
    done = subprocess.run([NODE, script, *args], cwd=CLIENTS, capture_output=True, text=True,
                          timeout=TIMEOUT)
    if done.returncode != 0:
        pytest.fail(f"node {script} {' '.join(args)} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def comunica(source: str, *queries: str, sparql: bool = False) -> list:
    return run("comunica.mjs", *(["--sparql"] if sparql else []), source, *queries)


def term(t: dict):
    """An RDF/JS term (as the scripts print it) as an rdflib term."""
    kind, value = t["termType"], t["value"]
    if kind == "NamedNode":
        return URIRef(value)
    if kind == "BlankNode":
        return BNode(value)
    if kind == "Literal":
        if t["language"]:
            return Literal(value, lang=t["language"])
        return Literal(value, datatype=None if t["datatype"] == XSD_STRING else URIRef(t["datatype"]))
    raise AssertionError(f"unexpected term {t}")


def rows(result: dict) -> list[dict]:
    return [{var: term(t) for var, t in row.items()} for row in result["bindings"]]


def sorted_row(row: dict) -> list:
    """A solution in a comparable form."""
    return sorted((k, v.n3()) for k, v in row.items())


def graph_of(triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add(tuple(t))
    return g




def iri_of(app, path: str) -> str:
    return app.config["BASE_IRI"] + path


def description(app, path: str) -> Dataset:
    with app.app_context():
        return get_store().describe(iri_of(app, path))


def description_quads(app, path: str) -> set:
    return {(s, p, o, URIRef(str(getattr(g, "identifier", g))))
            for s, p, o, g in description(app, path).quads((None, None, None, None))}


def nquads_triples(text: str) -> set:
    ds = Dataset()
    ds.parse(data=text, format="nquads")
    return {(s, p, o) for s, p, o, _g in ds.quads((None, None, None, None))}


# -- Comunica: a dereferenced resource as the source ---------------------------------

@pytest.mark.parametrize("path", RESOURCES)
def test_comunica_queries_a_resource_document(app, live_server, path):
    """Comunica asks for N-Quads first: the description must be in the default graph
    (a pattern without GRAPH sees only that) and, per source, in the named graphs."""
    want = description_quads(app, path)
    want_triples = {(s, p, o) for s, p, o, _g in want}
    count, triples, quads = comunica(f"{live_server}/{path}", COUNT_TRIPLES, ALL_TRIPLES, ALL_QUADS)
    n = int(rows(count)[0]["n"])
    assert n > 0, "the default graph of the resource document is empty"
    assert n == len(want_triples)
    got_triples = [(r["s"], r["p"], r["o"]) for r in rows(triples)]
    assert isomorphic(graph_of(got_triples), graph_of(want_triples))
    got_quads = [(r["s"], r["p"], r["o"], r["g"]) for r in rows(quads)]
    assert same_graphs(by_graph(got_quads), by_graph(want))


# -- Comunica: the SPARQL endpoint as the source -------------------------------------

def test_comunica_selects_from_the_endpoint(app, live_server):
    endpoint, iri = live_server + "/sparql", iri_of(app, SAM_SEREY)
    queries = [SELECT_LABELS.replace("{iri}", iri), SELECT_PER_GRAPH]
    answers = comunica(endpoint, *queries, sparql=True)
    with app.app_context():
        wants = [get_store().select(q).rows for q in queries]
    for query, answer, want in zip(queries, answers, wants):
        got = rows(answer)
        assert got, f"no rows for {query}"
        assert sorted(map(sorted_row, got)) == sorted(map(sorted_row, want)), query


def test_comunica_posts_a_long_query_to_the_endpoint(app, live_server, caplog):
    query = LONG_SELECT.replace("{iri}", iri_of(app, SAM_SEREY))
    caplog.set_level("INFO", logger="werkzeug")
    [answer] = comunica(live_server + "/sparql", query, sparql=True)
    assert any('"POST /sparql' in r.getMessage() for r in caplog.records), "Comunica sent no POST"
    with app.app_context():
        want = get_store().select(query).rows
    assert rows(answer) and sorted(map(sorted_row, rows(answer))) == sorted(map(sorted_row, want))


def test_comunica_recognises_the_endpoint_by_its_url(app, live_server):
    """Given only the URL of /sparql, Comunica finds the endpoint itself."""
    iri = iri_of(app, SAM_SEREY)
    person, count = comunica(live_server + "/sparql", ASK_PERSON.replace("{iri}", iri), COUNT_NAMED_QUADS)
    with app.app_context():
        total = sum(1 for _ in get_store().quads())
    assert person == {"boolean": True}
    assert int(rows(count)[0]["n"]) == total


def test_comunica_asks_the_endpoint(app, live_server):
    iri = iri_of(app, SAM_SEREY)
    person, organization = comunica(live_server + "/sparql", ASK_PERSON.replace("{iri}", iri),
                                    ASK_ORGANIZATION.replace("{iri}", iri), sparql=True)
    assert person == {"boolean": True}
    assert organization == {"boolean": False}


def test_comunica_constructs_from_the_endpoint(app, live_server):
    query = CONSTRUCT_CONCERNS.replace("{iri}", iri_of(app, SAM_SEREY))
    [answer] = comunica(live_server + "/sparql", query, sparql=True)
    with app.app_context():
        want = get_store().construct(query)
    got = [tuple(term(t) for t in q[:3]) for q in answer["quads"]]
    assert got and {q[3]["termType"] for q in answer["quads"]} == {"DefaultGraph"}
    assert isomorphic(graph_of(got), want)


# -- Comunica: a Graph Store protocol document as the source -------------------------

@pytest.mark.parametrize("graph", ["graph/camboja-sam-serey-pardoned", "graph/shapes", None],
                         ids=["article graph", "shapes graph (blank nodes)", "default graph"])
def test_comunica_queries_a_graph_store_document(app, live_server, graph):
    """``/sparql?graph=<IRI>`` (and ``/sparql?default``, the union of all graphs) read
    by Comunica as an RDF document: its default graph is that graph."""
    with app.app_context():
        store_quads = list(get_store().quads())
    if graph is None:
        url, want = live_server + "/sparql?default", {(s, p, o) for s, p, o, _g in store_quads}
    else:
        iri = iri_of(app, graph)
        url = f"{live_server}/sparql?graph={quote(iri, safe='')}"
        want = {(s, p, o) for s, p, o, g in store_quads if str(g) == iri}
    assert want
    count, triples = comunica(url, COUNT_TRIPLES, ALL_TRIPLES)
    assert int(rows(count)[0]["n"]) == len(want)
    got = [(r["s"], r["p"], r["o"]) for r in rows(triples)]
    assert isomorphic(graph_of(got), graph_of(want))


# -- jsonld.js: resources and the context, with its default document loader ---------

@pytest.mark.parametrize("path", RESOURCES)
def test_jsonld_to_rdf_of_a_resource_is_its_description(app, live_server, path):
    want = {(s, p, o) for s, p, o, _g in description_quads(app, path)}
    got = nquads_triples(run("jsonld.mjs", "toRDF", f"{live_server}/{path}")["nquads"])
    assert got and isomorphic(graph_of(got), graph_of(want))


def test_jsonld_expands_a_resource(app, live_server):
    iri = iri_of(app, SAM_SEREY)
    expanded = run("jsonld.mjs", "expand", f"{live_server}/{SAM_SEREY}")
    node = next(n for n in expanded if n.get("@id") == iri)
    want_types = {str(o) for s, p, o in graph_of(
        (s, p, o) for s, p, o, _g in description_quads(app, SAM_SEREY)).triples((URIRef(iri), RDF.type, None))}
    assert set(node["@type"]) == want_types


def test_jsonld_loads_and_applies_the_context(app, live_server):
    """The context document through jsonld.js's own loader, then used to compact a
    resource: the compacted document refers to it and keeps every triple."""
    context = live_server + "/context/v1.jsonld"
    loaded = run("jsonld.mjs", "load", context)
    assert loaded["documentUrl"] == context
    assert isinstance(loaded["document"]["@context"], dict) and loaded["document"]["@context"]
    answer = run("jsonld.mjs", "recompact", f"{live_server}/{SAM_SEREY}", context)
    assert answer["compacted"]["@context"] == context
    want = {(s, p, o) for s, p, o, _g in description_quads(app, SAM_SEREY)}
    assert isomorphic(graph_of(nquads_triples(answer["nquads"])), graph_of(want))
