"""Per-request cost of our app in-process (no HTTP server, no network): microseconds per
request of a cached dereference and a cached cheap SPARQL lookup through the WSGI app
(werkzeug's test client), optionally with a cProfile of the cached dereference.

    python -m bench.request_cost [--iterations 5000] [--profile 25]

Loads the shipped data (validation and the search index off: this measures the request
path, not start-up). A measurement for the notes, not a test: run it on a quiet machine
and compare before/after on the same machine.
"""
from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time
from urllib.parse import quote

from server import create_app

DEREFERENCE = ("/person/sam-serey", "text/turtle")
CHEAP = ("/sparql?query=" + quote("SELECT ?p ?o WHERE { <https://w3id.org/cambodia-prosecutions/person/sam-serey> ?p ?o }"),
         "application/sparql-results+json")


def per_request_us(client, path: str, accept: str, iterations: int, rounds: int = 5) -> dict:
    """Median and spread over ``rounds`` of the mean µs per request of ``iterations`` GETs."""
    environ = {"HTTP_ACCEPT": accept}
    assert client.get(path, environ_base=environ).status_code == 200    # warm: now cached
    means = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(iterations):
            client.get(path, environ_base=environ)
        means.append((time.perf_counter() - started) / iterations * 1e6)
    return {"median_us": round(statistics.median(means), 1), "min_us": round(min(means), 1),
            "max_us": round(max(means), 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--iterations", type=int, default=5000)
    p.add_argument("--profile", type=int, default=0, metavar="N",
                   help="also print the N costliest functions of the cached dereference")
    args = p.parse_args()
    app = create_app({"VALIDATE_ON_START": False, "SEARCH_INDEX_ON_START": False,
                      "STORE_BACKEND": "oxigraph", "CLIENT_MAX_QUERIES": 1_000_000})
    client = app.test_client()
    print(f"load average before: {os.getloadavg()}")
    for name, (path, accept) in (("cached dereference", DEREFERENCE), ("cached cheap", CHEAP)):
        print(f"{name:20} {per_request_us(client, path, accept, args.iterations)} µs/request")
    if args.profile:
        path, accept = DEREFERENCE
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.iterations):
            client.get(path, environ_base={"HTTP_ACCEPT": accept})
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)
    print(f"load average after: {os.getloadavg()}")


if __name__ == "__main__":
    main()
