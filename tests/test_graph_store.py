"""The SPARQL 1.1 Graph Store HTTP Protocol, read-only, on /sparql (real HTTP, every
backend): ``?graph=<IRI>`` is everything one article says, ``?default`` the union."""
from __future__ import annotations

from urllib.parse import quote

import pytest
import requests
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID

from server.formats import GRAPH_FORMATS, JSONLD, NQUADS, TRIG, TURTLE
from server.store import get_store


@pytest.fixture(scope="module")
def graphs(app) -> dict[str, set]:
    """Every named graph of the store -> its triples."""
    with app.app_context():
        out: dict[str, set] = {}
        for s, p, o, g in get_store().quads():
            out.setdefault(str(g), set()).add((s, p, o))
    assert len(out) >= 5
    return out


def article_graph(app) -> str:
    return app.config["BASE_IRI"] + "graph/fourteen-activists-freed"


def fetch(live_server, params: str, accept: str = "text/turtle", method: str = "GET", **kw):
    return requests.request(method, f"{live_server}/sparql?{params}", headers={"Accept": accept},
                            timeout=60, allow_redirects=False, **kw)


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_a_named_graph_in_every_rdf_format_is_what_the_store_holds(app, live_server, graphs, fmt):
    iri = article_graph(app)
    r = fetch(live_server, "graph=" + quote(iri, safe=""), fmt.media_type)
    assert r.status_code == 200 and r.headers["Content-Type"].split(";")[0] == fmt.media_type
    ds = Dataset()
    if fmt is JSONLD:
        ds.parse(data=r.content, format="json-ld")
    else:
        ds.parse(data=r.content, format=fmt.rdflib)
    by_graph: dict = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        by_graph.setdefault(str(getattr(g, "identifier", g)), set()).add((s, p, o))
    assert by_graph[str(DATASET_DEFAULT_GRAPH_ID)] == graphs[iri]      # what a triple reader sees
    if fmt in (TRIG, NQUADS):                                          # ... and the graph's name
        assert by_graph == {str(DATASET_DEFAULT_GRAPH_ID): graphs[iri], iri: graphs[iri]}


def test_the_default_graph_is_the_union_of_the_named_graphs(live_server, graphs):
    r = fetch(live_server, "default", "application/n-triples")
    assert r.status_code == 200
    union = Graph()
    for triple in set().union(*graphs.values()):
        union.add(triple)
    assert isomorphic(Graph().parse(data=r.content, format="nt"), union)    # (the shapes use lists)


def test_head_answers_like_get_without_a_body(app, live_server):
    params = "graph=" + quote(article_graph(app), safe="")
    get, head = fetch(live_server, params), fetch(live_server, params, method="HEAD")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["ETag"] == get.headers["ETag"]


@pytest.mark.parametrize("params, status", [
    ("graph=" + quote("https://w3id.org/cambodia-prosecutions/graph/no-such-article", safe=""), 404),
    ("graph=" + quote("http://example.org/elsewhere", safe=""), 404),
    ("graph=not%20an%20iri", 404),
    ("graph=a&graph=b", 400),
    ("graph=x&default", 400),
    ("default&query=ASK%7B%7D", 400),
])
def test_unknown_or_ambiguous_graphs_get_a_clear_error(live_server, params, status):
    r = fetch(live_server, params, "application/json")
    assert r.status_code == status
    assert r.json()["message"] and r.json()["hint"]


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH"])
def test_writes_are_405_with_a_truthful_allow(app, live_server, method):
    r = fetch(live_server, "graph=" + quote(article_graph(app), safe=""), "application/json", method,
              data=b"<a:b> <a:c> <a:d> .", )
    assert r.status_code == 405
    assert {m.strip() for m in r.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}
    options = fetch(live_server, "default", method="OPTIONS")
    assert {m.strip() for m in options.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}


def test_a_browser_is_sent_to_the_graph_page(app, live_server):
    r = fetch(live_server, "graph=" + quote(article_graph(app), safe=""), "text/html")
    assert r.status_code == 303 and r.headers["Location"].endswith("/graph/fourteen-activists-freed")


def test_each_graph_is_a_data_dump_in_void_and_linked_from_the_service_description(app, live_server, graphs):
    void = Graph().parse(data=requests.get(live_server + "/void", headers={"Accept": "text/turtle"},
                                           timeout=30).content, format="turtle")
    dumps = {str(o) for o in void.objects(None, URIRef("http://rdfs.org/ns/void#dataDump"))}
    base = app.config["BASE_IRI"]
    for graph in graphs:
        assert f"{base}sparql?graph={quote(graph, safe='')}" in dumps
    sd = Graph().parse(data=fetch(live_server, "", "text/turtle").content, format="turtle")
    see_also = {str(o) for o in sd.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"))}
    assert any("?graph=" in s for s in see_also)


def test_a_graph_download_can_be_resumed(app, live_server):
    params = "graph=" + quote(article_graph(app), safe="")
    whole = requests.get(f"{live_server}/sparql?{params}", timeout=30,
                         headers={"Accept": "text/turtle", "Accept-Encoding": "identity"})
    part = requests.get(f"{live_server}/sparql?{params}", timeout=30, headers={
        "Accept": "text/turtle", "Range": "bytes=100-199", "If-Range": whole.headers["ETag"]})
    assert part.status_code == 206 and part.content == whole.content[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.content)}"


def test_turtle_is_the_default(app, live_server):
    r = requests.get(f"{live_server}/sparql?graph={quote(article_graph(app), safe='')}", timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith(TURTLE.media_type)


@pytest.mark.parametrize("params, status", [
    ("default=x", 400),                                   # default takes no value
    ("default&default", 200),
])
def test_default_takes_no_value(live_server, params, status):
    assert fetch(live_server, params, "application/n-triples").status_code == status


def test_a_posted_query_with_graph_is_a_clear_400_not_a_write(app, live_server):
    r = requests.post(f"{live_server}/sparql?graph={quote(article_graph(app), safe='')}",
                      data={"query": "ASK {}"}, headers={"Accept": "application/json"}, timeout=30)
    assert r.status_code == 400 and "not both" in r.json()["message"]


def test_the_preflight_of_a_graph_names_the_methods_it_allows(app, live_server):
    r = fetch(live_server, "graph=" + quote(article_graph(app), safe=""), method="OPTIONS")
    assert r.headers["Access-Control-Allow-Methods"] == r.headers["Allow"] == "GET, HEAD, OPTIONS"
