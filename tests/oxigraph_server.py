"""A real ``oxigraph serve`` for the tests of the remote backend (one starter for the
embedded dataset in conftest.py and the mini dataset in test_store.py)."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

#: The server binary of the `oxigraph` PyPI package, installed beside this Python.
OXIGRAPH = Path(sys.executable).parent / "oxigraph"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_oxigraph_server(location: Path, dataset, timeout_s: int = 10):
    """Start ``oxigraph serve`` on a free port with its store in ``location``, load
    ``dataset`` (every named graph, and their union as the default graph; None: left
    empty) and return ``(process, query endpoint URL)``. Raises RuntimeError if it does
    not start."""
    from server.store.remote import load_into_oxigraph
    port = free_port()
    proc = subprocess.Popen([str(OXIGRAPH), "serve", "--location", str(location),
                             "--bind", f"127.0.0.1:{port}", "--timeout-s", str(timeout_s)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            requests.get(url + "/query", params={"query": "ASK {}"}, timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    else:
        proc.kill()
        raise RuntimeError(f"oxigraph serve did not start: is the `oxigraph` package installed "
                           f"beside {sys.executable}?")
    if dataset is not None:
        load_into_oxigraph(url, dataset)
    return proc, url + "/query"
