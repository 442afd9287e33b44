"""The SPARQL endpoint over real HTTP: a live server (real app, real data) on a free port.

Every answer is parsed back with a library other than the one that wrote it (rdflib
parses what pyoxigraph serialized) and compared with the store's own answer.
"""
from __future__ import annotations

import io
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef, Variable
from rdflib.namespace import RDF, SH
from rdflib.query import Result
from werkzeug.serving import make_server

from server import create_app
from server.formats import GRAPH_FORMATS, RESULT_FORMATS
from server.namespaces import SD, all_prefixes
from server.queries import answer_of, differences, load_queries

TIMEOUT = 2.0        # short wall-clock limit of the test app
MAX_ROWS = 200       # small row cap, so the cut is easy to reach


@dataclass
class Live:
    url: str         # the endpoint, e.g. http://127.0.0.1:PORT/sparql
    root: str
    app: object

    @property
    def store(self):
        return self.app.extensions["kg.store"]

    def prologue(self) -> str:
        return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in all_prefixes(self.app.config["BASE_IRI"]).items())


@pytest.fixture(scope="module")
def live(config):
    """Its own app (the shared ``config`` of conftest, i.e. the real data and the chosen
    backend) with a short timeout and a small row cap, behind a real threaded server."""
    app = create_app({**config, "SPARQL_TIMEOUT": TIMEOUT, "SPARQL_MAX_ROWS": MAX_ROWS,
                      "CLIENT_MAX_QUERIES": 2})      # the tests here are one client playing two
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    root = f"http://127.0.0.1:{server.server_port}"
    yield Live(root + "/sparql", root, app)
    server.shutdown()
    app.extensions["kg.store"].close()


# -- the three request forms -------------------------------------------------

def via_get(url, query, accept, **params):
    return requests.get(url, params={"query": query, **params}, headers={"Accept": accept}, timeout=60)


def via_post_form(url, query, accept, **params):
    return requests.post(url, data={"query": query, **params}, headers={"Accept": accept}, timeout=15)


def via_post_direct(url, query, accept, **params):
    return requests.post(url, params=params, data=query.encode("utf-8"), timeout=15,
                         headers={"Accept": accept, "Content-Type": "application/sparql-query"})


FORMS = {"GET": via_get, "POST form": via_post_form, "POST direct": via_post_direct}

# Predeclared prefixes (schema:) on purpose: users need not write them.
SELECT = "SELECT ?s ?name WHERE { ?s a schema:Person ; schema:name ?name }"
ASK = "ASK { ?s a schema:Person }"
ASK_FALSE = "ASK { ?s a <http://example.org/Nothing> }"
CONSTRUCT = "CONSTRUCT { ?s schema:name ?name } WHERE { ?s a schema:Person ; schema:name ?name }"


def parse_solutions(body: bytes, fmt) -> set[tuple]:
    result = Result.parse(io.BytesIO(body), format=fmt.name)
    rows = {tuple(b.get(Variable(v)) for v in ("s", "name")) for b in result.bindings}
    if fmt.name == "csv":                       # CSV carries no term types: compare the text
        rows = {tuple(str(t) for t in row) for row in rows}
    return rows


def parse_graph(body: bytes, fmt) -> set[tuple]:
    if fmt.name in ("trig", "nquads", "jsonld"):    # named graphs possible: read them all
        ds = Dataset()
        ds.parse(data=body, format=fmt.rdflib)
        return {(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))}
    return set(Graph().parse(data=body, format=fmt.rdflib))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.name)
def test_select_in_every_form_and_result_format_matches_the_store(live, form, fmt):
    resp = FORMS[form](live.url, SELECT, fmt.media_type)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].split(";")[0] == fmt.media_type
    expected = {(r["s"], r["name"]) for r in live.store.select(live.prologue() + SELECT).rows}
    if fmt.name == "csv":
        expected = {tuple(str(t) for t in row) for row in expected}
    assert expected and parse_solutions(resp.content, fmt) == expected


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("fmt", [f for f in RESULT_FORMATS if f.name in ("json", "xml")], ids=lambda f: f.name)
@pytest.mark.parametrize("query", [ASK, ASK_FALSE])
def test_ask_in_every_form_matches_the_store(live, form, fmt, query):
    resp = FORMS[form](live.url, query, fmt.media_type)
    assert resp.status_code == 200, resp.text
    answer = Result.parse(io.BytesIO(resp.content), format=fmt.name).askAnswer
    assert answer is live.store.ask(live.prologue() + query)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_construct_in_every_form_and_rdf_format_matches_the_store(live, form, fmt):
    resp = FORMS[form](live.url, CONSTRUCT, fmt.media_type)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].split(";")[0] == fmt.media_type
    expected = set(live.store.construct(live.prologue() + CONSTRUCT))
    assert expected and parse_graph(resp.content, fmt) == expected


@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_describe_gives_the_same_description_as_dereferencing(live, fmt):
    iri = live.app.config["BASE_IRI"] + "person/sam-serey"
    resp = via_get(live.url, f"DESCRIBE <{iri}>", fmt.media_type)
    assert resp.status_code == 200, resp.text
    expected = {(s, p, o) for s, p, o, _ in live.store.describe(iri).quads((None, None, None, None))}
    assert (URIRef(iri), RDF.type, URIRef("https://schema.org/Person")) in expected
    assert parse_graph(resp.content, fmt) == expected


@pytest.mark.parametrize("name, fmt", [("json", "application/sparql-results+json"),
                                       ("csv", "text/csv"), ("tsv", "text/tab-separated-values"),
                                       ("xml", "application/sparql-results+xml")])
@pytest.mark.parametrize("accept", ["text/turtle", "image/png", "text/html"])
def test_format_parameter_overrides_accept(live, name, fmt, accept):
    resp = requests.get(live.url, params={"query": SELECT, "format": name},
                        headers={"Accept": accept}, timeout=15)
    assert resp.status_code == 200 and resp.headers["Content-Type"].split(";")[0] == fmt
    assert "Accept" in resp.headers["Vary"]


@pytest.mark.parametrize("query, accept", [(SELECT, "image/png"), (SELECT, "text/turtle"),
                                           (CONSTRUCT, "application/sparql-results+json")])
def test_406_when_no_format_fits_lists_the_offers(live, query, accept):
    resp = via_get(live.url, query, accept)
    assert resp.status_code == 406
    offered = RESULT_FORMATS if query == SELECT else GRAPH_FORMATS
    assert all(f.media_type in resp.text for f in offered)


@pytest.mark.parametrize("form", FORMS)
def test_percent_literal_round_trips(live, form):
    resp = FORMS[form](live.url, 'SELECT ?x WHERE { BIND("100%41" AS ?x) }',
                       "application/sparql-results+json")
    assert resp.status_code == 200, resp.text
    assert resp.json()["results"]["bindings"] == [{"x": {"type": "literal", "value": "100%41"}}]


def test_protocol_dataset_selects_graphs_and_an_unknown_graph_is_refused(live):
    graphs = [str(g) for g in live.store.graph_names()]
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    ask_graph = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"

    def n(query, **params):
        resp = via_get(live.url, query, "application/sparql-results+json", **params)
        assert resp.status_code == 200, resp.text
        return int(resp.json()["results"]["bindings"][0]["n"]["value"])

    one = graphs[0]
    expected = len(live.store.select(f"SELECT * WHERE {{ GRAPH <{one}> {{ ?s ?p ?o }} }}").rows)
    assert n(count, **{"default-graph-uri": one}) == expected
    assert n(ask_graph, **{"named-graph-uri": one}) == expected
    assert n(count) >= expected                              # default graph: the union
    for parameter, iri, status in (("default-graph-uri", live.root + "/no-such-graph", 403),
                                   ("named-graph-uri", "file:///etc/passwd", 403),
                                   ("default-graph-uri", "http://[x", 400)):
        resp = via_get(live.url, count, "application/sparql-results+json", **{parameter: iri})
        assert resp.status_code == status, resp.text
        assert resp.json()["message"].startswith(parameter)


# -- the sandbox -------------------------------------------------------------

UPDATE = "INSERT DATA { <http://example.org/a> <http://example.org/b> <http://example.org/c> }"


def _triple_count(live):
    return int(live.store.select("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }").rows[0]["n"])


@pytest.mark.parametrize("send", [
    lambda url: requests.get(url, params={"update": UPDATE}, timeout=15),
    lambda url: requests.get(url, params={"query": UPDATE}, timeout=15),
    lambda url: requests.post(url, data={"update": UPDATE}, timeout=15),
    lambda url: requests.post(url, data={"query": UPDATE}, timeout=15),
    lambda url: requests.post(url, data=UPDATE, headers={"Content-Type": "application/sparql-query"}, timeout=15),
    lambda url: requests.post(url, data=UPDATE, headers={"Content-Type": "application/sparql-update"}, timeout=15),
    lambda url: requests.post(url, data="CLEAR ALL", headers={"Content-Type": "application/sparql-update"}, timeout=15),
    lambda url: requests.get(url, params={"query": "DROP ALL"}, timeout=15),
], ids=["GET update=", "GET query=", "POST form update=", "POST form query=", "POST direct",
        "POST sparql-update", "POST sparql-update CLEAR", "GET DROP"])
def test_update_is_refused_on_every_form(live, send):
    before = _triple_count(live)
    resp = send(live.url)
    assert resp.status_code == 403
    assert "read-only" in resp.text
    assert _triple_count(live) == before


def test_no_query_ever_opens_a_connection(live, listener):
    target, accepted = listener
    refused = [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        f"LOAD <{target}>",
        f"SELECT * FROM <{target}> WHERE {{ ?s ?p ?o }}",
        f"SELECT * FROM NAMED <{target}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}",
        f"DESCRIBE <{target}> FROM <{target}>",
        # issue 9: a comment ended by a carriage return, keywords glued to names
        f"SELECT * WHERE {{ #\rSERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p ?o #\rSERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"PREFIX ex: <{target}> SELECT * WHERE {{ SERVICEex:x {{ ?s ?p ?o }} }}",
        f"PREFIX : <{target}> SELECT * WHERE {{ SERVICE:x {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICESILENT<{target}> {{ ?s ?p ?o }} }}",
    ]
    for query in refused:
        for send in FORMS.values():
            assert send(live.url, query, "application/sparql-results+json").status_code == 403, query
    outside = via_get(live.url, "SELECT * WHERE { ?s ?p ?o }", "application/sparql-results+json",
                      **{"default-graph-uri": target, "named-graph-uri": target})
    assert outside.status_code == 403
    assert via_get(live.url, f"DESCRIBE <{target}>", "text/turtle").status_code == 200
    time.sleep(0.5)
    assert accepted == []


@pytest.mark.parametrize("send", FORMS.values(), ids=FORMS.keys())
def test_with_the_service_check_switched_off_query_workers_still_open_no_connection(
        live, listener, monkeypatch, send, virtuoso_deviation):
    """Defence in depth: the sandbox's SERVICE check is switched off (test-only), and the
    query workers of the embedded stores still cannot reach the listener; the request
    ends with an error status within the time limit and the server keeps serving. The
    remote backend forwards the query to a store that does have a network: there the
    check is the defence, and this test shows the call going out without it."""
    virtuoso_deviation("service")
    from server.sparql import sandbox
    monkeypatch.setattr(sandbox, "refuse_service", lambda tokens: None)
    target, accepted = listener
    query = f"SELECT * WHERE {{ #\rSERVICE <{target}x> {{ ?s ?p ?o }} }}"
    started = time.monotonic()
    resp = send(live.url, query, "application/sparql-results+json")
    assert time.monotonic() - started < TIMEOUT + 2
    time.sleep(0.3)
    if live.store.backend.needs_network:
        assert len(accepted) >= 1
    else:
        assert resp.status_code >= 400 and accepted == []
        assert "127.0.0.1" not in resp.text                # no internal detail in the body
    assert via_get(live.url, ASK, "application/sparql-results+json").status_code == 200


def test_a_slow_query_hidden_behind_a_carriage_return_runs_in_a_worker_with_its_deadline(live):
    """Issue 9: the text after "#\r" is code to the engine; it used to be invisible to the
    sandbox, which took the query for a one-pattern lookup and ran it, without a time
    limit, in the request thread. Eight at once wedged a web worker."""
    hidden = ("SELECT * WHERE { ?a ?b ?c #\r . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l "
              "FILTER(STR(?a) = CONCAT(STR(?l), STR(?g), 'x')) }")

    def send(_):
        started = time.monotonic()
        resp = via_get(live.url, hidden, "application/sparql-results+json")
        return resp.status_code, time.monotonic() - started

    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(send, range(8)))
    assert all(status in (429, 503) for status, _ in outcomes), outcomes
    assert all(elapsed < TIMEOUT + 2 for _, elapsed in outcomes), outcomes
    assert via_get(live.url, ASK, "application/sparql-results+json").status_code == 200


@pytest.mark.parametrize("send", FORMS.values(), ids=FORMS.keys())
def test_hidden_deep_nesting_is_refused_and_the_server_keeps_serving(live, send):
    query = "SELECT * WHERE { #\r" + "{" * 9000 + "}" * 9000 + " }"
    resp = send(live.url, query, "application/sparql-results+json")
    assert resp.status_code == 400 and "nests brackets" in resp.json()["message"]
    assert via_get(live.url, ASK, "application/sparql-results+json").status_code == 200


def test_from_a_local_file_reads_nothing(live):
    secret = Path("/etc/hostname").read_text().strip()
    for params in ({}, {"default-graph-uri": "file:///etc/hostname"}):
        query = ("SELECT * FROM <file:///etc/hostname> WHERE { ?s ?p ?o }" if not params
                 else "SELECT * WHERE { ?s ?p ?o }")
        resp = via_get(live.url, query, "application/sparql-results+json", **params)
        assert resp.status_code == 403
        assert secret not in resp.text.replace("file:///etc/hostname", "")


def test_a_literal_naming_service_or_update_keywords_still_works(live):
    query = 'SELECT ?x WHERE { BIND("SERVICE <http://x/> ; DELETE DATA" AS ?x) } # LOAD <http://y/>'
    resp = via_post_direct(live.url, query, "application/sparql-results+json")
    assert resp.status_code == 200
    assert resp.json()["results"]["bindings"][0]["x"]["value"].startswith("SERVICE")


PATHOLOGICAL = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"


def test_a_pathological_query_times_out_while_a_cheap_one_is_served(live):
    def slow():
        started = time.monotonic()
        resp = via_get(live.url, PATHOLOGICAL, "application/sparql-results+json")
        return resp, time.monotonic() - started

    with ThreadPoolExecutor(2) as pool:
        pending = pool.submit(slow)
        time.sleep(0.3)
        started = time.monotonic()
        cheap = via_get(live.url, ASK, "application/sparql-results+json")
        cheap_elapsed = time.monotonic() - started
        resp, elapsed = pending.result()
    assert cheap.status_code == 200 and cheap.json()["boolean"] is True
    assert cheap_elapsed < 1.0
    assert resp.status_code == 503
    assert elapsed <= TIMEOUT + 1.0
    assert "limit" in resp.text and "stopped" in resp.text
    assert "results" not in resp.text                       # an error document, never half a result
    after = via_get(live.url, SELECT, "application/sparql-results+json")
    assert after.status_code == 200                         # the server keeps serving


@pytest.mark.parametrize("form", FORMS)
def test_malformed_query_is_400_with_the_position(live, form, virtuoso_deviation):
    virtuoso_deviation("column")
    resp = FORMS[form](live.url, "SELECT *\nWHERE {\n  ?s ?p }", "application/sparql-results+json")
    assert resp.status_code == 400
    assert "line 3" in resp.text and "column" in resp.text


def test_oversized_query_and_body_are_413(live):
    long_query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * live.app.config["SPARQL_MAX_QUERY_LENGTH"]
    assert via_get(live.url, long_query, "application/sparql-results+json").status_code == 413
    body = "SELECT * WHERE { ?s ?p ?o } #" + "x" * live.app.config["MAX_CONTENT_LENGTH"]
    assert via_post_direct(live.url, body, "application/sparql-results+json").status_code == 413
    assert via_post_form(live.url, body, "application/sparql-results+json").status_code == 413


@pytest.mark.parametrize("params, status", [
    ({"query": "SELECT * WHERE " + "{" * 3000 + "}" * 3000}, 400),          # would overflow the parser
    # Oxigraph's parser takes minutes on this: the worker is stopped at the timeout (rdflib: fast)
    ({"query": "SELECT * WHERE { ?s " + "/".join(["<p>"] * 1000) + " ?o }"}, (200, 503)),
    ({"query": "SELECT * {}", "default-graph-uri": "not an iri"}, 400),
    ({"query": "SELECT * {}", "named-graph-uri": "<x>"}, 400),
    ({"query": "SELECT \x00 * {}"}, 400),
    ({"query": ""}, 400),
    ({"query": "SELECT * {}", "format": "nonsense"}, 200),   # ignored: Accept decides
    ({"query": "a-" * 9000}, 400),
])
def test_hostile_input_gets_a_clear_status_and_the_server_keeps_serving(live, params, status, virtuoso_deviation):
    if params["query"] == "a-" * 9000:
        virtuoso_deviation("slow-parse", strict=False)   # a timing: not on a fast or idle machine
    started = time.monotonic()
    resp = requests.get(live.url, params=params, headers={"Accept": "application/sparql-results+json"}, timeout=30)
    assert resp.status_code in (status if isinstance(status, tuple) else (status,)), resp.text
    assert time.monotonic() - started <= TIMEOUT + 1.0
    assert via_get(live.url, ASK, "application/sparql-results+json").status_code == 200


def test_the_row_cap_is_announced(live, virtuoso_deviation):
    virtuoso_deviation(strict=False, reason="SELECT * WHERE { ?s ?p ?o } over Virtuoso (its union default graph holds its own 2,500 system triples too) came back as JSON in ~6 s on this busy 2-core machine, past the tests' 2 s deadline (503)")
    query = "SELECT * WHERE { ?s ?p ?o }"
    resp = via_get(live.url, query, "application/sparql-results+json")
    assert resp.status_code == 200
    assert resp.headers["X-Result-Truncated"] == "true"
    assert len(resp.json()["results"]["bindings"]) == MAX_ROWS
    page = via_get(live.url, query, "text/html")
    assert page.headers["X-Result-Truncated"] == "true" and 'id="truncated"' in page.text
    small = via_get(live.url, SELECT, "application/sparql-results+json")
    assert "X-Result-Truncated" not in small.headers


# -- service description -----------------------------------------------------

@pytest.mark.parametrize("fmt", GRAPH_FORMATS, ids=lambda f: f.name)
def test_service_description_in_every_rdf_format(live, fmt):
    resp = requests.get(live.url, headers={"Accept": fmt.media_type}, timeout=15)
    assert resp.status_code == 200 and resp.headers["Content-Type"].split(";")[0] == fmt.media_type
    g = Graph()
    for triple in parse_graph(resp.content, fmt):
        g.add(triple)
    service = g.value(predicate=SD.endpoint, object=URIRef(live.url))
    assert service is not None
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (service, SD.feature, SD.UnionDefaultGraph) in g
    assert set(g.objects(None, SD.name)) == set(live.store.graph_names())
    declared = {str(g.value(d, SH.prefix)): str(g.value(d, SH.namespace)) for d in g.objects(service, SH.declare)}
    assert declared == all_prefixes(live.app.config["BASE_IRI"])
    values = {str(p).rsplit("#", 1)[-1]: o.toPython() for p, o in g.predicate_objects(service)
              if str(p).startswith(live.url + "#")}
    assert values["queryTimeout"] == TIMEOUT and values["maxResultRows"] == MAX_ROWS


# -- the query page ----------------------------------------------------------

def test_query_page_lists_the_examples_and_prefixes(live):
    page = requests.get(live.url, headers={"Accept": "text/html"}, timeout=15)
    assert page.status_code == 200 and "<textarea" in page.text
    examples = load_queries(live.app.config["QUERIES_DIR"])
    assert examples
    for ex in examples:
        assert f'id="example-{ex.name}"' in page.text
    assert "PREFIX" not in page.text.split('id="prefixes"')[0].split("<textarea")[0]
    assert "union of all named graphs" in page.text
    assets = re.findall(r'(?:src|href)="([^"]*)"', " ".join(re.findall(r"<(?:link|script|img)[^>]*>", page.text)))
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]   # no external assets


def test_results_table_links_into_resource_pages_and_escapes(live):
    query = ('SELECT ?s ?x WHERE { BIND(person:sam-serey AS ?s) '
             'BIND("<script>alert(1)</script>" AS ?x) }')
    page = via_get(live.url, query, "text/html")
    assert page.status_code == 200
    assert 'href="/person/sam-serey"' in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    for fmt in RESULT_FORMATS:
        assert f"format={fmt.name}" in page.text               # download links


def test_html_page_shows_a_syntax_error_with_the_form(live):
    page = via_get(live.url, "SELECT * WHERE {", "text/html")
    assert page.status_code == 400
    assert 'id="error"' in page.text and "<textarea" in page.text


# -- named queries -----------------------------------------------------------

def test_queries_list_as_json(live):
    resp = requests.get(live.root + "/queries", headers={"Accept": "application/json"}, timeout=15)
    assert resp.status_code == 200
    names = [q["name"] for q in resp.json()["queries"]]
    assert names == [e.name for e in load_queries(live.app.config["QUERIES_DIR"])]
    assert all(q["title"] and q["query"] and q["url"].endswith("/queries/" + q["name"])
               for q in resp.json()["queries"])


@pytest.mark.parametrize("fmt", RESULT_FORMATS, ids=lambda f: f.name)
def test_every_named_query_gives_its_curated_answer_in_every_result_format(live, fmt, virtuoso_deviation):
    virtuoso_deviation("duration", "boolean")       # queries 02, 03, 12, 14, 16, 21, 30, 31, 45
    checked = 0
    for ex in load_queries(live.app.config["QUERIES_DIR"]):
        resp = requests.get(f"{live.root}/queries/{ex.name}", params={"format": fmt.name}, timeout=15)
        assert resp.status_code == 200, (ex.name, resp.text)
        assert resp.headers["Content-Type"].split(";")[0] == fmt.media_type
        expected = ex.expected()
        if expected is None or ("ask" in expected and fmt.name in ("csv", "tsv")):
            continue
        got = answer_of(Result.parse(io.BytesIO(resp.content), format=fmt.name))
        assert differences(expected, got) == [], ex.name
        checked += 1
    assert checked


def test_named_query_html_shows_the_query_and_table(live):
    ex = load_queries(live.app.config["QUERIES_DIR"])[0]
    page = requests.get(f"{live.root}/queries/{ex.name}", headers={"Accept": "text/html"}, timeout=15)
    assert page.status_code == 200
    assert 'id="query-text"' in page.text and 'id="results"' in page.text
    assert requests.get(f"{live.root}/queries/no-such-query", timeout=15).status_code == 404


# -- real clients, unmodified ------------------------------------------------

@pytest.mark.parametrize("return_format", ["json", "xml", "csv"])
def test_sparqlwrapper_select(live, return_format):
    from SPARQLWrapper import SPARQLWrapper
    client = SPARQLWrapper(live.url)
    client.setQuery(live.prologue() + SELECT)
    client.setReturnFormat(return_format)
    result = client.query().convert()
    expected = {str(r["name"]) for r in live.store.select(live.prologue() + SELECT).rows}
    if return_format == "json":
        got = {b["name"]["value"] for b in result["results"]["bindings"]}
    elif return_format == "xml":
        got = {b.getElementsByTagName("literal")[0].firstChild.data
               for b in result.getElementsByTagName("binding") if b.getAttribute("name") == "name"}
    else:
        import csv
        got = {row["name"] for row in csv.DictReader(io.StringIO(result.decode()))}
    assert got == expected


def test_sparqlwrapper_ask_and_construct(live):
    from SPARQLWrapper import JSON, TURTLE, SPARQLWrapper
    client = SPARQLWrapper(live.url)
    client.setQuery(ASK)
    client.setReturnFormat(JSON)
    assert client.query().convert()["boolean"] is True
    client.setQuery(CONSTRUCT)
    client.setReturnFormat(TURTLE)
    graph = Graph().parse(data=client.query().convert(), format="turtle")
    assert set(graph) == set(live.store.construct(live.prologue() + CONSTRUCT))


def test_rdflib_sparqlstore(live):
    from rdflib.plugins.stores.sparqlstore import SPARQLStore
    store = SPARQLStore(live.url)
    graph = Graph(store=store)
    rows = {(r.s, r.name) for r in graph.query(live.prologue() + SELECT)}
    assert rows == {(r["s"], r["name"]) for r in live.store.select(live.prologue() + SELECT).rows}
    person = URIRef(live.app.config["BASE_IRI"] + "person/sam-serey")
    assert (person, RDF.type, URIRef("https://schema.org/Person")) in graph
    assert Literal("Sam Serey", lang="en") in set(graph.objects(person, URIRef("https://schema.org/name")))


# -- bounded lookups (one triple pattern) ---------------------------------------------------

LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/cambodia-prosecutions/person/kem-sokha> ?p ?o }"


@pytest.mark.parametrize("fmt", [f for f in RESULT_FORMATS if f.name in ("json", "xml", "csv")],
                         ids=lambda f: f.name)
def test_a_one_pattern_lookup_answers_as_the_workers_do(live, fmt):
    """A bounded lookup may skip the worker processes (embedded Oxigraph); its answer is
    the one the workers give for the same pattern with a no-op FILTER (not bounded)."""
    fast = via_get(live.url, LOOKUP, fmt.media_type)
    slow = via_get(live.url, LOOKUP.replace("?o }", "?o FILTER(true) }"), fmt.media_type)
    assert fast.status_code == slow.status_code == 200
    rows = lambda body: {tuple(str(b.get(Variable(v))) for v in ("p", "o"))  # noqa: E731
                         for b in Result.parse(io.BytesIO(body), format=fmt.name).bindings}
    assert rows(fast.content) == rows(slow.content) and len(rows(fast.content)) > 3


def test_a_one_pattern_lookup_is_cut_at_the_row_cap(live, virtuoso_deviation):
    virtuoso_deviation(strict=False, reason="SELECT * WHERE { ?s ?p ?o } over Virtuoso (its union default graph holds its own 2,500 system triples too) came back as JSON in ~6 s on this busy 2-core machine, past the tests' 2 s deadline (503)")
    answer = via_get(live.url, "SELECT ?s ?p ?o WHERE { ?s ?p ?o }", "application/sparql-results+json")
    assert answer.status_code == 200 and answer.headers["X-Result-Truncated"] == "true"
    assert len(answer.json()["results"]["bindings"]) == MAX_ROWS
