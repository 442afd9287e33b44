"""Shared fixtures: the embedded dataset's configuration, the app, a test client, a real
HTTP server on a free port, and a CLI runner.

Every test that uses the app runs once per store backend: ``oxigraph`` (embedded),
``rdflib`` (embedded) and ``remote`` (a real ``oxigraph serve`` started here and loaded
with the embedded dataset). ``pytest --backend rdflib`` (or ``KG_TEST_BACKEND``) runs
one backend only. Modules add their own fixtures next to their tests.
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from oxigraph_server import start_oxigraph_server
from server import create_app
from server.config import DEFAULTS


BACKENDS = ("oxigraph", "rdflib", "remote")


def pytest_addoption(parser):
    parser.addoption("--backend", default=os.environ.get("KG_TEST_BACKEND", "all"),
                     choices=("all", *BACKENDS),
                     help="store backend(s) of the app fixtures (env KG_TEST_BACKEND); default: all")


def pytest_generate_tests(metafunc):
    """Parametrize every test that (indirectly) uses the app over the store backends."""
    if "backend" in metafunc.fixturenames:
        chosen = metafunc.config.getoption("--backend")
        metafunc.parametrize("backend", BACKENDS if chosen == "all" else (chosen,),
                             indirect=True, scope="session")


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


@pytest.fixture(scope="session")
def config(request, backend) -> dict:
    """create_app settings for the embedded dataset. Start-up validation is off here:
    conformance of the shipped data is tested once, by tests/test_cli.py."""
    remote = request.getfixturevalue("remote_oxigraph") if backend == "remote" else None
    return {
        "TESTING": True,
        "BASE_IRI": DEFAULTS["BASE_IRI"],
        "ONTOLOGY_DIR": DEFAULTS["ONTOLOGY_DIR"],
        "DATA_DIR": DEFAULTS["DATA_DIR"],
        "SHAPES_DIR": DEFAULTS["SHAPES_DIR"],
        "QUERIES_DIR": DEFAULTS["QUERIES_DIR"],
        "STORE_BACKEND": backend,
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
