"""The W3C SPARQL 1.1 Protocol test cases (sparql11/protocol/manifest) that apply to a
read-only endpoint, over real HTTP. The W3C cases use their own data files
(data1.rdf ...); here the dataset's named graphs play that part: each article graph
describes itself (``graph:<slug> a cpo:SourceGraph``), as data1.rdf does.
The update cases expect a refusal. docs/sparql-protocol-conformance.md lists them all.
"""
from __future__ import annotations

import pytest
import requests

from test_sparql_endpoint import live  # noqa: F401  (the live-server fixture)

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values"}
RDF_TYPES = {"text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml",
             "application/trig", "application/n-quads"}


@pytest.fixture(scope="module")
def graphs(live):  # noqa: F811
    """Three article graphs (the W3C data1, data2, data3)."""
    names = [str(g) for g in live.store.graph_names() if "/graph/" in str(g)
             and str(g).rsplit("/", 1)[-1] not in ("ontology", "shapes")]
    assert len(names) >= 3
    return names[:3]


def boolean(resp) -> bool:
    assert resp.status_code == 200, resp.text
    return resp.json()["boolean"]


def media_type(resp) -> str:
    return resp.headers["Content-Type"].split(";")[0]


JSON = {"Accept": "application/sparql-results+json"}


# -- positive query cases ----------------------------------------------------

def test_query_get(live):  # noqa: F811
    assert boolean(requests.get(live.url, params={"query": "ASK {}"}, headers=JSON)) is True


def test_query_post_form(live):  # noqa: F811
    assert boolean(requests.post(live.url, data={"query": "ASK {}"}, headers=JSON)) is True


def test_query_post_direct(live):  # noqa: F811
    resp = requests.post(live.url, data=b"ASK {}", headers={**JSON, "Content-Type": DIRECT})
    assert boolean(resp) is True


def _both_described(live, graphs, method, params):  # noqa: F811
    query = f"ASK {{ <{graphs[0]}> ?p ?o . <{graphs[1]}> ?p2 ?o2 }}"
    if method == "GET":
        return boolean(requests.get(live.url, params={"query": query, **params}, headers=JSON))
    return boolean(requests.post(live.url, data={"query": query, **params}, headers=JSON))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_dataset_default_graphs(live, graphs, method):  # noqa: F811
    """query_dataset_default_graphs_get / _post: the default graph is the merge of those given."""
    assert _both_described(live, graphs, method, {"default-graph-uri": graphs[:2]}) is True
    assert _both_described(live, graphs, method, {"default-graph-uri": graphs[:1]}) is False


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_query_dataset_named_graphs(live, graphs, method):  # noqa: F811
    """query_dataset_named_graphs_get / _post: GRAPH ?g ranges over exactly the graphs given."""
    query = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    params = {"query": query, "named-graph-uri": graphs[:2]}
    resp = (requests.get(live.url, params=params, headers=JSON) if method == "GET"
            else requests.post(live.url, data=params, headers=JSON))
    assert resp.status_code == 200
    assert {b["g"]["value"] for b in resp.json()["results"]["bindings"]} == set(graphs[:2])


def test_query_dataset_full(live, graphs):  # noqa: F811
    """Default graph data3 (it describes itself there), named graphs data1 and data2."""
    query = f"SELECT DISTINCT ?g WHERE {{ <{graphs[2]}> a ?type . GRAPH ?g {{ ?g ?p ?o }} }}"
    resp = requests.post(live.url, params={"default-graph-uri": graphs[2], "named-graph-uri": graphs[:2]},
                         data=query.encode(), headers={**JSON, "Content-Type": DIRECT})
    assert resp.status_code == 200
    assert {b["g"]["value"] for b in resp.json()["results"]["bindings"]} == set(graphs[:2])


def test_query_multiple_dataset(live, graphs):  # noqa: F811
    """The protocol's dataset overrides the query's FROM."""
    query = f"ASK FROM <{graphs[0]}> {{ <{graphs[0]}> ?p ?o }}"
    direct = {**JSON, "Content-Type": DIRECT}
    assert boolean(requests.post(live.url, data=query.encode(), headers=direct)) is True
    overridden = requests.post(live.url, params={"default-graph-uri": graphs[1]}, data=query.encode(),
                               headers=direct)
    assert boolean(overridden) is False


@pytest.mark.parametrize("query, offered", [
    ("SELECT (1 AS ?value) {}", RESULT_TYPES),
    ("ASK {}", {"application/sparql-results+json", "application/sparql-results+xml"}),
    ("DESCRIBE <http://example.org/>", RDF_TYPES),
    ("CONSTRUCT { <s> <p> 1 } WHERE {}", RDF_TYPES),
], ids=["query_content_type_select", "query_content_type_ask", "query_content_type_describe",
        "query_content_type_construct"])
def test_query_content_type(live, query, offered):  # noqa: F811
    resp = requests.post(live.url, data=query.encode(), headers={"Content-Type": DIRECT, "Accept": "*/*"})
    assert resp.status_code == 200, resp.text
    assert media_type(resp) in offered


# -- negative query cases ----------------------------------------------------

BAD_QUERIES = {
    "bad_query_method": dict(method="PUT", params={"query": "ASK {}"}),
    "bad_multiple_queries": dict(method="GET", params={"query": ["ASK {}", "SELECT * {}"]}),
    "bad_query_wrong_media_type": dict(method="POST", data=b"ASK {}", headers={"Content-Type": "text/plain"}),
    "bad_query_missing_form_type": dict(method="POST", data=b"query=ASK%20%7B%7D"),
    "bad_query_missing_direct_type": dict(method="POST", data=b"ASK {}"),
    "bad_query_non_utf8": dict(method="POST", data="ASK {}".encode("utf-16"),
                               headers={"Content-Type": DIRECT + "; charset=UTF-16"}),
    "bad_query_non_utf8 (undeclared)": dict(method="POST", data="ASK { ?s ?p \"é\" }".encode("latin-1"),
                                            headers={"Content-Type": DIRECT}),
    "bad_query_syntax": dict(method="GET", params={"query": "ASK {"}),
}


def test_bad_query_method_names_the_allowed_methods(live):  # noqa: F811
    resp = requests.put(live.url, params={"query": "ASK {}"}, timeout=15)
    assert resp.status_code == 405
    assert {m.strip() for m in resp.headers["Allow"].split(",")} >= {"GET", "POST"}


@pytest.mark.parametrize("case", BAD_QUERIES)
def test_bad_query_is_a_client_error(live, case):  # noqa: F811
    resp = requests.request(url=live.url, timeout=15, **BAD_QUERIES[case])
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text)


@pytest.mark.parametrize("case, status", [
    ("bad_query_method", 405), ("bad_multiple_queries", 400), ("bad_query_wrong_media_type", 415),
    ("bad_query_missing_form_type", 415), ("bad_query_missing_direct_type", 415),
    ("bad_query_non_utf8", 400), ("bad_query_syntax", 400),
])
def test_bad_query_status_says_what_went_wrong(live, case, status):  # noqa: F811
    assert requests.request(url=live.url, timeout=15, **BAD_QUERIES[case]).status_code == status


# -- update cases: a read-only endpoint refuses them all ---------------------

UPDATES = {
    "bad_update_get": dict(method="GET", params={"update": "CLEAR ALL"}),
    "bad_multiple_updates": dict(method="POST", data={"update": ["CLEAR NAMED", "CLEAR DEFAULT"]}),
    "bad_update_wrong_media_type": dict(method="POST", data=b"CLEAR NAMED", headers={"Content-Type": "text/plain"}),
    "bad_update_missing_form_type": dict(method="POST", data=b"update=CLEAR%20NAMED"),
    "bad_update_non_utf8": dict(method="POST", data="CLEAR NAMED".encode("utf-16"),
                                headers={"Content-Type": "application/sparql-update; charset=UTF-16"}),
    "bad_update_syntax": dict(method="POST", data={"update": "CLEAR XYZ"}),
    "bad_update_dataset_conflict": dict(method="POST", data={
        "using-named-graph-uri": "http://example/people",
        "update": "WITH <http://example/addresses> DELETE { ?p ?x 'Bill' } INSERT { ?p ?x 'William' } "
                  "WHERE { ?p ?x 'Bill' }"}),
    "update_post_form": dict(method="POST", data={"update": "CLEAR ALL"}),
    "update_post_direct": dict(method="POST", data=b"CLEAR ALL",
                               headers={"Content-Type": "application/sparql-update"}),
    "update_dataset_default_graph": dict(method="POST", params={"using-graph-uri": "http://example/g"},
                                         data=b"INSERT { ?s a ?o } WHERE { ?s a ?o }",
                                         headers={"Content-Type": "application/sparql-update"}),
    "update_base_uri": dict(method="POST", data=b"INSERT DATA { GRAPH <http://e/g> { <http://e/s> <http://e/p> <t> } }",
                            headers={"Content-Type": "application/sparql-update"}),
}


def _count(live):  # noqa: F811
    return int(live.store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0]["n"])


@pytest.mark.parametrize("case", UPDATES)
def test_update_cases_are_refused_and_change_nothing(live, case):  # noqa: F811
    before = _count(live)
    resp = requests.request(url=live.url, timeout=15, **UPDATES[case])
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.text)
    assert _count(live) == before
