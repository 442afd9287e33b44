"""Which HTTP front serves our app faster: granian (what ``python -m server serve``
ships, server/serving.py) or gunicorn (gthread), with the same app, the same workers and
threads and every protection of the app on, over the shipped data.

    python -m bench.fronts [--duration 5] [--repeats 3] [--workers 2] [--threads 4]

For each front, with the front cache (server/web/front.py) on and off: start it, then wrk (2 threads, 16 connections) on the cached
dereference of the shipped data's resources (Turtle) and on a cheap SPARQL lookup, each
``--repeats`` times (median, min-max, the cores other processes took: bench.quiet).
gunicorn runs with ``--preload`` and a post_fork hook doing what granian's workers do
(``serving.prepare_worker``), so both fronts serve one app loaded once. A measurement
for bench/README.md, not a test: run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import requests

from server.namespaces import DEFAULT_BASE

from . import load, quiet
from .procs import Server
from .run import ROOT, VENV_BIN, free_port

PERSONS = "SELECT ?s WHERE { ?s a <https://schema.org/Person> } ORDER BY ?s LIMIT 50"
GUNICORN_HOOK = '''
def post_fork(server, worker):
    from server.serving import prepare_worker
    prepare_worker(server.app.wsgi(), {threads})
'''


def commands(port: int, workers: int, threads: int, hook: Path) -> dict[str, list[str]]:
    return {
        "granian": [sys.executable, "-m", "server", "serve", "--host", "127.0.0.1", "--port",
                    str(port), "--workers", str(workers), "--threads", str(threads)],
        "gunicorn": [str(VENV_BIN / "gunicorn"), "--preload", "-w", str(workers), "-k", "gthread",
                     "--threads", str(threads), "-c", str(hook), "--bind", f"127.0.0.1:{port}",
                     "server:create_app()"],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--threads", type=int, default=4)
    args = p.parse_args()
    env = {"KG_VALIDATE_ON_START": "false", "KG_CLIENT_MAX_QUERIES": "1000",
           "KG_STORE_BACKEND": "oxigraph"}
    work = Path(tempfile.mkdtemp(prefix="bench-fronts-"))
    hook = work / "gunicorn_hook.py"
    hook.write_text(GUNICORN_HOOK.format(threads=args.threads))
    print(f"load average before: {quiet.loadavg()}", flush=True)
    for front, extra in (("granian", {}), ("gunicorn", {}),
                         ("granian", {"KG_FRONT_CACHE": "false"}),
                         ("gunicorn", {"KG_FRONT_CACHE": "false"})):
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        cmd = commands(port, args.workers, args.threads, hook)[front]
        front = front + (" (front cache off)" if extra else "")
        server = Server(front, cmd, f"{url}/sparql?query={quote('ASK { ?s ?p ?o }')}",
                        env={**env, **extra, "PYTHONPATH": str(ROOT)},
                        log=work / f"{front.split()[0]}{'-off' if extra else ''}.log",
                        headers={"Accept": "application/sparql-results+json"})
        try:
            server.start(120)
            rows = requests.get(f"{url}/sparql", params={"query": PERSONS}, timeout=30,
                                headers={"Accept": "application/sparql-results+json"}).json()
            iris = [b["s"]["value"] for b in rows["results"]["bindings"]]
            families = {
                "cached dereference": (["/" + i[len(DEFAULT_BASE):] for i in iris], "text/turtle"),
                "cheap (cached)": ([f"/sparql?query={quote(f'SELECT ?p ?o WHERE {{ <{i}> ?p ?o }}')}"
                                    for i in iris], "application/sparql-results+json"),
            }
            for family, (paths, accept) in families.items():
                ld = load.repeated(lambda: load.run_wrk(url, paths, accept, work=work / "wrk",
                                                        duration=args.duration),
                                   args.repeats, server.proc.pid)
                print(f"{front:28} {family:20} {ld['rps']:>9} req/s ({ld['rps_min']}-{ld['rps_max']}) "
                      f"p50 {ld['p50_ms']} ms p99 {ld['p99_ms']} ms errors "
                      f"{ld['status_errors'] + ld['socket_errors']} others {ld['foreign_cores_max']} cores",
                      flush=True)
        finally:
            server.stop()
    print(f"load average after: {quiet.loadavg()}; logs in {work}")


if __name__ == "__main__":
    os.chdir(ROOT)
    main()
