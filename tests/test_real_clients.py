"""The clients our users already have, in their default settings, against the live
server (real HTTP, every backend): SPARQLWrapper (every query form x return format x
GET/POST), rdflib's ``Graph.parse(<IRI>)`` for every syntax it negotiates, rdflib's
SPARQLStore, and pyld's own document loader. Each answer is compared with what the
store says. (Comunica and jsonld.js: ``test_node_clients.py``.)"""
from __future__ import annotations

import re
import warnings

import pytest
import requests
from pyld import jsonld
from rdflib import Graph
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, GET, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from server.store import get_store

PERSON = "person/sam-serey"
SELECT = ("PREFIX schema: <https://schema.org/> "
          "SELECT ?name WHERE { ?p a schema:Person ; schema:name ?name } ORDER BY ?name")
ASK = "PREFIX schema: <https://schema.org/> ASK { ?p a schema:Person }"
CONSTRUCT = ("PREFIX schema: <https://schema.org/> "
             "CONSTRUCT { ?p schema:name ?name } WHERE { ?p a schema:Person ; schema:name ?name }")
DESCRIBE = "DESCRIBE <https://w3id.org/cambodia-prosecutions/person/sam-serey>"


@pytest.fixture(scope="module")
def store_says(app, live_server):
    """What the store answers, to compare every client with."""
    with app.app_context():
        store = get_store()
        names = sorted(str(r["name"]) for r in store.select(SELECT).rows)
        construct = {tuple(t) for t in store.construct(CONSTRUCT)}
        description = {(s, p, o) for s, p, o, _g in store.describe(app.config["BASE_IRI"] + PERSON).quads(
            (None, None, None, None))}
    described = requests.get(live_server + "/sparql", params={"query": DESCRIBE},
                             headers={"Accept": "application/n-triples"}, timeout=30)
    describe = {tuple(t) for t in Graph().parse(data=described.content, format="nt")}
    assert len(names) > 10 and construct and description and describe
    return {"names": names, "construct": construct, "description": description, "describe": describe}


def wrapper(live_server: str, query: str, fmt: str, method: str) -> object:
    """SPARQLWrapper exactly as its documentation shows it: no other setting."""
    sparql = SPARQLWrapper(live_server + "/sparql")
    sparql.setQuery(query)
    sparql.setReturnFormat(fmt)
    sparql.setMethod(method)
    with warnings.catch_warnings():     # what it says of our answer must not be a complaint
        warnings.filterwarnings("error", message=".*(unknown response content type|has been returned)")
        return sparql.queryAndConvert()


# -- SPARQLWrapper --------------------------------------------------------------

@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [XML, JSON, CSV, TSV])
def test_sparqlwrapper_select_in_every_result_format(live_server, store_says, fmt, method):
    result = wrapper(live_server, SELECT, fmt, method)
    if fmt == JSON:
        names = [b["name"]["value"] for b in result["results"]["bindings"]]
    elif fmt == XML:                    # a DOM of the SPARQL XML results
        names = [n.firstChild.data for n in result.getElementsByTagName("literal")]
    else:                               # CSV / TSV text
        text = result.decode() if isinstance(result, bytes) else result
        lines = text.splitlines()[1:]
        names = [line.strip('"') if fmt == CSV else re.fullmatch(r'"(.*)"(@[\w-]+)?', line).group(1)
                 for line in lines]
    assert sorted(names) == store_says["names"]


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [XML, JSON, CSV, TSV])
def test_sparqlwrapper_ask_in_every_result_format(live_server, fmt, method):
    result = wrapper(live_server, ASK, fmt, method)
    if fmt == JSON:
        assert result["boolean"] is True
    elif fmt == XML:
        assert result.getElementsByTagName("boolean")[0].firstChild.data == "true"
    else:
        text = result.decode() if isinstance(result, bytes) else result
        assert "true" in text.lower()


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [XML, RDFXML, TURTLE, N3, JSONLD, JSON])
def test_sparqlwrapper_construct_in_every_rdf_format(live_server, store_says, fmt, method):
    # XML, RDFXML, N3 and JSON were 406: SPARQLWrapper adds format=xml|rdf+xml|n3|json
    graph = wrapper(live_server, CONSTRUCT, fmt, method)
    if isinstance(graph, bytes):        # SPARQLWrapper hands Turtle over as text
        graph = Graph().parse(data=graph, format="turtle")
    assert {tuple(t) for t in graph} == store_says["construct"]


@pytest.mark.parametrize("method", [GET, POST])
@pytest.mark.parametrize("fmt", [XML, RDFXML, TURTLE, N3, JSONLD, JSON])
def test_sparqlwrapper_describe_in_every_rdf_format(live_server, store_says, fmt, method):
    graph = wrapper(live_server, DESCRIBE, fmt, method)
    if isinstance(graph, bytes):
        graph = Graph().parse(data=graph, format="turtle")
    assert {tuple(t) for t in graph} == store_says["describe"]


# -- rdflib dereferencing an IRI ------------------------------------------------------

# (rdflib asks for nothing in particular when told format="nquads": it is not in its table)
@pytest.mark.parametrize("syntax", ["turtle", "n3", "nt", "xml", "json-ld", "trig", None])
def test_rdflib_parses_a_resource_in_every_syntax_it_asks_for(live_server, store_says, syntax):
    # rdflib sends text/n3 for "n3" and text/plain for "nt": both were unmapped
    graph = Graph().parse(f"{live_server}/{PERSON}", format=syntax) if syntax else \
        Graph().parse(f"{live_server}/{PERSON}")
    assert {(s, p, o) for s, p, o in graph} == store_says["description"]


def test_rdflib_sparqlstore_in_its_default_settings(live_server, store_says):
    graph = Graph(store=SPARQLStore(live_server + "/sparql"))
    assert sorted(str(r.name) for r in graph.query(SELECT)) == store_says["names"]
    assert graph.query(ASK).askAnswer is True
    assert {tuple(t) for t in graph.query(CONSTRUCT)} == store_says["construct"]


# -- pyld with its own document loader ----------------------------------------------------

def test_pyld_expands_a_resource_with_its_default_loader(live_server, store_says):
    # the loader sends "application/ld+json, application/json", then fetches our context
    nquads = jsonld.to_rdf(f"{live_server}/{PERSON}", {"format": "application/n-quads"})
    got = {(s, p, o) for s, p, o in Graph().parse(data=nquads, format="nt")}
    assert got == store_says["description"]


@pytest.mark.parametrize("form", ["expanded", "flattened"])
def test_json_ld_forms_are_served_by_profile(live_server, store_says, form):
    accept = f'application/ld+json; profile="http://www.w3.org/ns/json-ld#{form}"'
    r = requests.get(f"{live_server}/{PERSON}", headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200
    assert r.headers["Content-Type"] == f'application/ld+json; profile="http://www.w3.org/ns/json-ld#{form}"'
    doc = r.json()
    assert "@context" not in (doc if isinstance(doc, dict) else {})
    nodes = doc if isinstance(doc, list) else doc["@graph"]
    assert all(":" in key for node in nodes for key in node if not key.startswith("@"))  # full IRIs
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    assert {(s, p, o) for s, p, o in Graph().parse(data=nquads, format="nt")} == store_says["description"]


def test_the_compacted_profile_gets_the_compacted_document(live_server):
    accept = 'application/ld+json; profile="http://www.w3.org/ns/json-ld#compacted"'
    r = requests.get(f"{live_server}/{PERSON}", headers={"Accept": accept}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/ld+json"
    assert r.json()["@context"].endswith("/context/v1.jsonld")
    ctx = requests.get(r.json()["@context"], headers={
        "Accept": 'application/ld+json; profile="http://www.w3.org/ns/json-ld#context"'}, timeout=30)
    assert ctx.status_code == 200 and "@context" in ctx.json()
