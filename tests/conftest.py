"""Shared fixtures: the embedded dataset's configuration, the app, a test client, a real
HTTP server on a free port, and a CLI runner.

Choose the store backend with ``pytest --backend rdflib`` (or ``KG_TEST_BACKEND``);
the default is ``oxigraph``. Modules add their own fixtures next to their tests.
"""
from __future__ import annotations

import os
import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from server import create_app
from server.config import DEFAULTS


def pytest_addoption(parser):
    parser.addoption("--backend", default=os.environ.get("KG_TEST_BACKEND", "oxigraph"),
                     choices=("oxigraph", "rdflib", "remote"),
                     help="store backend of the app fixtures (env KG_TEST_BACKEND)")


@pytest.fixture(scope="session")
def backend(request) -> str:
    return request.config.getoption("--backend")


@pytest.fixture(scope="session")
def config(backend) -> dict:
    """create_app settings for the embedded dataset. Start-up validation is off here:
    conformance of the shipped data is tested once, by tests/test_cli.py."""
    return {
        "TESTING": True,
        "BASE_IRI": DEFAULTS["BASE_IRI"],
        "ONTOLOGY_DIR": DEFAULTS["ONTOLOGY_DIR"],
        "DATA_DIR": DEFAULTS["DATA_DIR"],
        "SHAPES_DIR": DEFAULTS["SHAPES_DIR"],
        "QUERIES_DIR": DEFAULTS["QUERIES_DIR"],
        "STORE_BACKEND": backend,
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
