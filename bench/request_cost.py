"""Per-request cost of our app in-process (no HTTP server, no network): microseconds per
cached request through the WSGI app, with and without the front cache
(server/web/front.py), and optionally a cProfile of the cached dereference.

    python -m bench.request_cost [--iterations 5000] [--profile 25]

Loads the shipped data (validation and the search index off: this measures the request
path, not start-up), asks once (the answer is then cached), then calls the WSGI app
``--iterations`` times with the same environ, five rounds; prints the median and the
min-max of the rounds. ``normal path`` is the app behind the front cache (Flask:
context, routing, negotiation, the response cache, the HTTP hooks, compression),
``front cache`` the whole app as served. A measurement for the notes, not a test: run
it on a quiet machine.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
from urllib.parse import quote

from server import create_app
from server.namespaces import DEFAULT_BASE
from server.web.front import EXTENSION as FRONT

REQUESTS = {
    "cached dereference": ("/person/sam-serey", "", "text/turtle"),
    "cached cheap": ("/sparql", "query=" + quote(f"SELECT ?p ?o WHERE {{ <{DEFAULT_BASE}person/sam-serey> ?p ?o }}"),
                     "application/sparql-results+json"),
}


def environ(path: str, query: str, accept: str) -> dict:
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SCRIPT_NAME": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8080", "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1:8080", "HTTP_ACCEPT": accept, "REMOTE_ADDR": "127.0.0.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(), "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}


def call(wsgi, env: dict) -> bytes:
    status = []
    body = b"".join(wsgi(dict(env), lambda s, h, e=None: status.append(s)))
    assert status[0].startswith("200"), status
    return body


def per_request_us(wsgi, env: dict, iterations: int, rounds: int = 5) -> dict:
    call(wsgi, env)                                   # warm: the answer is now cached
    means = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(iterations):
            call(wsgi, env)
        means.append((time.perf_counter() - started) / iterations * 1e6)
    return {"median_us": round(statistics.median(means), 1), "min_us": round(min(means), 1),
            "max_us": round(max(means), 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iterations", type=int, default=5000)
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="also print the N costliest functions of the cached dereference "
                        "on the normal path")
    args = p.parse_args()
    app = create_app({"VALIDATE_ON_START": False, "SEARCH_INDEX_ON_START": False,
                      "STORE_BACKEND": "oxigraph", "CLIENT_MAX_QUERIES": 1_000_000})
    front = app.extensions.get(FRONT)
    paths = {"normal path": front.app if front else app.wsgi_app, "front cache": app.wsgi_app}
    print(f"load average before: {os.getloadavg()}")
    for name, request in REQUESTS.items():
        env = environ(*request)
        for label, wsgi in paths.items():
            print(f"{name:20} {label:12} {per_request_us(wsgi, env, args.iterations)} µs/request")
    if args.profile:
        env = environ(*REQUESTS["cached dereference"])
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.iterations):
            call(paths["normal path"], env)
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
