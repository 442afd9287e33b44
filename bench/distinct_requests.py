"""Memory under distinct requests: RSS of a real server before and after N requests that
all differ (Host values, SPARQL texts, resource IRIs, 404s, formats, dumps), the
attack on caches keyed by client-controlled values (issue 9).

    python -m bench.distinct_requests [--requests 10000] [--workers 2]

Starts ``python -m server serve`` on the embedded dataset, sums the RSS of every
process under it (master, web workers, query zygotes and workers) after a warm-up
pass over every kind of request, sends the distinct requests from 8 threads, and
prints both sums and the per-process figures. Not a test: a measurement for the
notes; run it on a quiet machine.
"""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            for child in (task / "children").read_text().split():
                found += tree(int(child))
        except OSError:
            pass
    return found


def rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def request(url: str, i: int) -> int:
    kind = i % 6
    headers = {"Host": f"host-{i}.example:{i % 65535}"}
    if kind == 0:
        path, params = "/sparql", {"query": f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {i % 500 + 1} # {i}"}
        headers["Accept"] = "application/sparql-results+json"
    elif kind == 1:
        path, params = "/sparql", {"query": f"ASK {{ ?s ?p \"{i}\" }}"}
        headers["Accept"] = "application/sparql-results+json"
    elif kind == 2:
        path, params = f"/person/nobody-{i}", {}
    elif kind == 3:
        path, params = "/person/sam-serey", {"format": ["ttl", "jsonld", "nt", "html"][i % 4]}
    elif kind == 4:
        path, params = "/dumps/dataset.jsonld", {}
    else:
        path, params = "/", {"v": str(i)}
    try:
        return requests.get(url + path, params=params, headers=headers, timeout=30).status_code
    except requests.RequestException:
        return 0


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--requests", type=int, default=10_000)
    p.add_argument("--workers", type=int, default=2)
    args = p.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KG_CLIENT_MAX_QUERIES": "1000"}
    proc = subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(port),
                             "--workers", str(args.workers)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                requests.get(url + "/", timeout=2)
                break
            except requests.RequestException:
                time.sleep(0.2)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: request(url, i), range(60)))          # warm-up
        time.sleep(1)
        before = {pid: rss(pid) for pid in tree(proc.pid)}
        started = time.monotonic()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(lambda i: request(url, i), range(1000, 1000 + args.requests)))
        elapsed = time.monotonic() - started
        time.sleep(1)
        after = {pid: rss(pid) for pid in tree(proc.pid)}
    finally:
        proc.terminate()
        proc.wait(30)
    counts = {code: statuses.count(code) for code in sorted(set(statuses))}
    print(f"{args.requests} distinct requests in {elapsed:.1f} s; statuses {counts}")
    print(f"RSS of the server's processes: {sum(before.values()) / 2**20:.0f} MB before, "
          f"{sum(after.values()) / 2**20:.0f} MB after ({len(before)} -> {len(after)} processes)")
    for pid in sorted(set(before) | set(after)):
        print(f"  pid {pid}: {before.get(pid, 0) / 2**20:7.1f} -> {after.get(pid, 0) / 2**20:7.1f} MB")


if __name__ == "__main__":
    main()
