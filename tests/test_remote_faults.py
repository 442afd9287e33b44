"""The remote backend under faults: a hung triplestore costs a request at most the
query deadline (never the whole server), and error bodies never disclose the
triplestore's address or an exception's text."""
from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import requests
from werkzeug.serving import make_server

from oxigraph_server import start_oxigraph_server
from server import create_app
from server.store import load_sources
from test_store import mini_config

TIMEOUT = 2.0


@pytest.fixture(scope="module")
def hung(tmp_path_factory):
    """An app on the remote backend over a real ``oxigraph serve``; yields (root URL,
    the triplestore's endpoint, its process) and leaves the triplestore running."""
    proc, endpoint = start_oxigraph_server(tmp_path_factory.mktemp("hung"),
                                           load_sources(mini_config()).dataset)
    app = create_app({**mini_config(STORE_BACKEND="remote", REMOTE_ENDPOINT=endpoint),
                      "SPARQL_TIMEOUT": TIMEOUT, "TESTING": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", endpoint, proc, app
    server.shutdown()
    app.extensions["kg.store"].close()
    os.kill(proc.pid, signal.SIGCONT)
    proc.kill()
    proc.wait()


@pytest.mark.parametrize("path, params, expire_graph_names", [
    ("/sparql", {"query": "ASK { ?s ?p ?o }"}, False),
    ("/sparql", {"query": "ASK { ?s ?p ?o }"}, True),       # the graph-name lookup, too
    ("/sparql", {"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o ?x }"}, False),
    ("/person/alice", {}, False),                           # a page: trusted reads
])
def test_a_hung_triplestore_costs_a_request_at_most_the_deadline(hung, path, params, expire_graph_names):
    root, endpoint, proc, app = hung
    store = app.extensions["kg.store"]
    if expire_graph_names:
        store.backend._graphs = None
    os.kill(proc.pid, signal.SIGSTOP)
    try:
        started = time.monotonic()
        resp = requests.get(root + path, params=params, headers={"Accept": "application/json"},
                            timeout=TIMEOUT * 4)
        elapsed = time.monotonic() - started
    finally:
        os.kill(proc.pid, signal.SIGCONT)
    assert resp.status_code in (503, 504, 400), resp.text
    assert elapsed < TIMEOUT + 2
    host_port = endpoint.split("//", 1)[1].split("/", 1)[0]
    assert host_port not in resp.text
    for leak in ("Traceback", "HTTPConnectionPool", "ReadTimeout", "ConnectionError", "errno"):
        assert leak not in resp.text


def test_after_the_triplestore_recovers_requests_are_served_again(hung):
    root, *_ = hung
    resp = requests.get(root + "/sparql", params={"query": "ASK { ?s ?p ?o }"},
                        headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert resp.status_code == 200 and resp.json()["boolean"] is True
