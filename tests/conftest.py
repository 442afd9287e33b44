"""Shared fixtures: the embedded dataset's configuration, the app, a test client, a real
HTTP server on a free port, and a CLI runner.

Every test that uses the app runs once per store backend: ``oxigraph`` (embedded),
``rdflib`` (embedded) and ``remote`` (a real ``oxigraph serve`` started here and loaded
with the embedded dataset). The linked-data and SPARQL modules of ``VIRTUOSO_MODULES``
also run on ``virtuoso``: the ``remote`` backend over a real, throwaway Virtuoso
(tests/virtuoso_server.py) loaded by ``python -m server push``'s code; the rest of the
suite adds nothing a second remote engine would answer differently (the full suite on
it would add its whole length again to CI). ``pytest --backend rdflib`` (or
``KG_TEST_BACKEND``) runs one backend only; ``--backend virtuoso`` runs every test on
Virtuoso. Modules add their own fixtures next to their tests.
"""
from __future__ import annotations

import os
import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from oxigraph_server import start_oxigraph_server
from virtuoso_server import VirtuosoServer
from server import create_app
from server.config import DEFAULTS


BACKENDS = ("oxigraph", "rdflib", "remote", "virtuoso")
#: The modules that also run on Virtuoso by default (the linked-data and SPARQL suites).
VIRTUOSO_MODULES = {"test_web_formats", "test_web_http", "test_negotiation", "test_graph_store",
                    "test_sparql_endpoint", "test_sparql_w3c_protocol", "test_browse", "test_search",
                    "test_rdf_serialization"}


def pytest_addoption(parser):
    parser.addoption("--backend", default=os.environ.get("KG_TEST_BACKEND", "all"),
                     choices=("all", *BACKENDS),
                     help="store backend(s) of the app fixtures (env KG_TEST_BACKEND); default: all")


def pytest_generate_tests(metafunc):
    """Parametrize every test that (indirectly) uses the app over the store backends."""
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--backend")
        if chosen != "all":
            chosen = (chosen,)
        elif metafunc.module.__name__.rpartition(".")[2] in VIRTUOSO_MODULES:
            chosen = BACKENDS
        else:
            chosen = tuple(b for b in BACKENDS if b != "virtuoso")
        metafunc.parametrize("backend", chosen, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def remote_oxigraph(tmp_path_factory):
    """A real ``oxigraph serve`` on a free port, loaded with the embedded dataset (the
    operator's step for the remote backend); yields its SPARQL query endpoint."""
    from server.loader import load_dataset
    loaded = load_dataset(DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"], DEFAULTS["SHAPES_DIR"],
                          DEFAULTS["BASE_IRI"])
    try:
        proc, endpoint = start_oxigraph_server(tmp_path_factory.mktemp("oxigraph"), loaded.dataset)
    except RuntimeError as error:
        pytest.fail(str(error))
    yield endpoint
    proc.kill()
    proc.wait()


#: Where Virtuoso 7.2 (Debian's virtuoso-opensource) departs from the standards, as the
#: tests found it; each test it breaks is a strict expected failure on ``virtuoso``.
VIRTUOSO_DEVIATIONS = {
    "duration": 'Virtuoso 7.2 keeps an xsd:duration as a number of months: "P9Y" reads back '
                'as "108"^^xsd:duration (the value is lost)',
    "boolean": "Virtuoso 7.2 has no xsd:boolean results: a comparison or && gives 1/0 as "
               "xsd:integer, not true/false",
    "service": "Virtuoso refuses SERVICE to its anonymous SPARQL user (500, 'Must have select "
               "privileges on view DB.DBA.SPARQL_SINV_2'), so no call goes out",
    "column": "Virtuoso's syntax errors name the line, never the column ('SPARQL compiler, line 3: "
              "syntax error at ...')",
    "slow-parse": "Virtuoso's parser takes ~11 s on 18,000 characters of 'a-a-...' (measured), past "
                  "the test's 2 s deadline: 503 at the deadline, not 400",
}


@pytest.fixture
def virtuoso_deviation(request):
    """``virtuoso_deviation("duration", ...)`` marks the running test a strict expected
    failure when it runs on Virtuoso, with the reason of VIRTUOSO_DEVIATIONS."""
    def mark(*keys: str, strict: bool = True, reason: str | None = None) -> None:
        if "backend" in request.fixturenames and request.getfixturevalue("backend") == "virtuoso":
            text = reason or "; ".join(VIRTUOSO_DEVIATIONS[k] for k in keys)
            request.applymarker(pytest.mark.xfail(strict=strict, reason=text))
    return mark


@pytest.fixture(scope="session")
def remote_virtuoso(tmp_path_factory):
    """A real, throwaway Virtuoso loaded with the embedded dataset by ``push`` (every named
    graph; Virtuoso's default graph is the union of all its graphs); yields its
    ``VirtuosoServer``. Fails, never skips, when Virtuoso is not installed."""
    from server.loader import load_dataset
    from server.push import Client, push
    import requests
    loaded = load_dataset(DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"], DEFAULTS["SHAPES_DIR"],
                          DEFAULTS["BASE_IRI"])
    try:
        server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso"))
    except RuntimeError as error:
        pytest.fail(str(error))
    try:
        push(loaded.dataset, Client(server.sparql, server.graph_store,
                                    auth=requests.auth.HTTPDigestAuth(*server.auth)), union="none")
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def config(request, backend) -> dict:
    """create_app settings for the embedded dataset. Start-up validation is off here:
    conformance of the shipped data is tested once, by tests/test_cli.py."""
    remote = (request.getfixturevalue("remote_oxigraph") if backend == "remote"
              else request.getfixturevalue("remote_virtuoso").sparql if backend == "virtuoso" else None)
    return {
        "TESTING": True,
        "BASE_IRI": DEFAULTS["BASE_IRI"],
        "ONTOLOGY_DIR": DEFAULTS["ONTOLOGY_DIR"],
        "DATA_DIR": DEFAULTS["DATA_DIR"],
        "SHAPES_DIR": DEFAULTS["SHAPES_DIR"],
        "QUERIES_DIR": DEFAULTS["QUERIES_DIR"],
        "STORE_BACKEND": "remote" if backend == "virtuoso" else backend,
        "REMOTE_ENDPOINT": remote,
        "VALIDATE_ON_START": False,
    }


@pytest.fixture(scope="session")
def app(config):
    app = create_app(config)
    yield app
    store = app.extensions.get("kg.store")
    if store is not None and hasattr(store, "close"):
        store.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(app):
    """The app behind a real threaded WSGI server on 127.0.0.1:<free port>; yields the
    base URL, e.g. ``http://127.0.0.1:54321``."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 counting the connections it accepts: yields its URL
    and the list of accepted connections (closed at once)."""
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.settimeout(0.05)
    accepted, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            accepted.append(conn)
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{sock.getsockname()[1]}/", accepted
    stop.set()
    thread.join()
    sock.close()
