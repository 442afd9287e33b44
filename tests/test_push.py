"""``python -m server push``: the dataset into a real remote store over the SPARQL 1.1
Graph Store Protocol, on both engines the remote backend is tested on: a fresh
``oxigraph serve`` (the union PUT as its default graph) and a fresh Virtuoso (its
authenticated Graph Store endpoint with digest auth; its default graph is its own
union). Each push is checked against the store's answers, run twice (the second
writes nothing), and taken through its failures: a count mismatch, a refused
connection, 401, a store that fails (5xx).
"""
from __future__ import annotations

import pytest
import requests

from oxigraph_server import free_port, start_oxigraph_server
from server.cli import main
from server.config import DEFAULTS
from server.loader import load_dataset
from virtuoso_server import VirtuosoServer


@pytest.fixture(scope="module")
def dataset():
    return load_dataset(DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"], DEFAULTS["SHAPES_DIR"],
                        DEFAULTS["BASE_IRI"]).dataset


@pytest.fixture(scope="module")
def expected(dataset) -> dict[str, int]:
    """Triples per named graph of the dataset."""
    counts: dict[str, int] = {}
    for _s, _p, _o, g in dataset.quads((None, None, None, None)):
        name = str(getattr(g, "identifier", g))
        if name != "urn:x-rdflib:default":
            counts[name] = counts.get(name, 0) + 1
    return counts


def oxigraph(tmp_path):
    """A fresh, empty ``oxigraph serve``: (process, base URL)."""
    (tmp_path / "store").mkdir(parents=True)
    proc, query = start_oxigraph_server(tmp_path / "store", None)
    return proc, query.rsplit("/", 1)[0]


@pytest.fixture
def empty_oxigraph(tmp_path):
    proc, url = oxigraph(tmp_path)
    yield url
    proc.kill()
    proc.wait()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    try:
        server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso-push"))
    except RuntimeError as error:
        pytest.fail(str(error))
    yield server
    server.stop()


def graph_counts(endpoint: str, prefix: str) -> dict[str, int]:
    query = ("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } "
             f'FILTER(STRSTARTS(STR(?g), "{prefix}")) }} GROUP BY ?g')
    rows = requests.post(endpoint, data={"query": query},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows["results"]["bindings"]}


def oxigraph_args(url):
    return ["push", "--endpoint", url + "/query", "--graph-store", url + "/store"]


def virtuoso_args(server, password="dba"):
    return ["push", "--endpoint", server.sparql, "--graph-store", server.graph_store, "--union", "none",
            "--user", "dba", "--password", password, "--auth", "digest"]


def test_push_into_oxigraph_writes_every_graph_and_the_union_then_nothing(runner, empty_oxigraph, expected):
    first = runner.invoke(main, oxigraph_args(empty_oxigraph))
    assert first.exit_code == 0, first.output
    assert f"{len(expected) + 1} graphs written, 0 unchanged" in first.stdout
    assert "verified:" in first.stdout
    assert "pushing" in first.stderr                      # the progress bar
    assert graph_counts(empty_oxigraph + "/query", DEFAULTS["BASE_IRI"]) == expected
    union = requests.post(empty_oxigraph + "/query", data={"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    distinct = requests.post(empty_oxigraph + "/query",
                             data={"query": "SELECT (COUNT(*) AS ?n) { SELECT DISTINCT ?s ?p ?o "
                                            "{ GRAPH ?g { ?s ?p ?o } } }"},
                             headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
    assert union["results"]["bindings"][0]["n"]["value"] == distinct["results"]["bindings"][0]["n"]["value"]

    again = runner.invoke(main, oxigraph_args(empty_oxigraph))
    assert again.exit_code == 0, again.output
    assert f"0 graphs written, {len(expected) + 1} unchanged" in again.stdout
    assert "nothing changed" in again.stdout


def test_push_into_virtuoso_with_digest_auth(runner, virtuoso, expected):
    first = runner.invoke(main, virtuoso_args(virtuoso))
    assert first.exit_code == 0, first.output
    assert "verified:" in first.stdout
    assert graph_counts(virtuoso.sparql, DEFAULTS["BASE_IRI"]) == expected


@pytest.mark.xfail(strict=True, reason=(
    'Virtuoso 7.2 keeps an xsd:duration as a number of months ("P9Y" reads back as '
    '"108"^^xsd:duration), so the four data graphs holding sentence lengths never compare '
    "equal and are written again; the shapes graph compares unequal too: its 887 triples "
    "without blank nodes read back equal, the 147 with blank nodes not isomorphic to ours "
    "(cause not analysed). Language tags it lower-cases are compared "
    "case-insensitively and do not count."))
def test_a_second_push_into_virtuoso_writes_nothing(runner, virtuoso, expected):
    assert runner.invoke(main, virtuoso_args(virtuoso)).exit_code == 0
    again = runner.invoke(main, virtuoso_args(virtuoso))
    assert again.exit_code == 0, again.output
    assert f"0 graphs written, {len(expected)} unchanged" in again.stdout
    assert "nothing changed" in again.stdout


def test_a_push_into_another_store_than_the_one_counted_is_a_count_mismatch(runner, tmp_path):
    (proc_a, writes), (proc_b, counts) = oxigraph(tmp_path / "a"), oxigraph(tmp_path / "b")
    try:
        result = runner.invoke(main, ["push", "--endpoint", counts + "/query", "--graph-store", writes + "/store"])
    finally:
        for proc in (proc_a, proc_b):
            proc.kill()
            proc.wait()
    assert result.exit_code == 1, result.output
    assert "the store does not hold what was pushed" in result.stderr
    assert "0 triples in the store" in result.stderr
    assert "--endpoint queries the store --graph-store writes to" in result.stderr


def test_a_refused_connection_says_where_and_what_to_check(runner):
    url = f"http://127.0.0.1:{free_port()}"
    result = runner.invoke(main, ["push", "--endpoint", url + "/query", "--graph-store", url + "/store",
                                  "--timeout", "5"])
    assert result.exit_code == 2
    assert f"cannot connect to {url}/store" in result.stderr
    assert "Is the store running" in result.stderr


@pytest.mark.parametrize("credentials", [[], ["--user", "dba", "--password", "wrong", "--auth", "digest"]],
                         ids=["none", "wrong-password"])
def test_virtuoso_refuses_a_push_without_its_credentials(runner, virtuoso, credentials):
    result = runner.invoke(main, ["push", "--endpoint", virtuoso.sparql, "--graph-store", virtuoso.graph_store,
                                  "--union", "none", *credentials])
    assert result.exit_code == 2
    assert "refused the credentials (401)" in result.stderr
    assert "--auth digest" in result.stderr


def test_a_store_that_fails_is_reported_with_its_status_and_message(runner, virtuoso):
    """Virtuoso has no Graph Store default graph: --union put fails there (5xx), and says so."""
    args = virtuoso_args(virtuoso)
    args[args.index("none")] = "put"
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert "failed (500)" in result.stderr and "default" in result.stderr
    assert "See the store's log" in result.stderr


def test_user_without_password_is_refused_before_any_request(runner):
    result = runner.invoke(main, ["push", "--endpoint", "http://127.0.0.1:9/query", "--user", "x"],
                           env={"KG_PUSH_PASSWORD": None})
    assert result.exit_code == 2
    assert "--user needs --password" in result.stderr
