"""The HTTP front (server.serving, server.bridge) over real sockets: ``python -m server
serve`` runs as a subprocess on a free port (the embedded dataset, start-up validation
off) and is attacked the way the trial of issue 9 attacked gunicorn.

    slowloris    64 connections dribbling a request head: other clients are answered
                 within 1 s each; the slow ones are cut after HEADER_READ_TIMEOUT
    slow body    connections dribbling a POST body: other clients are answered within
                 1 s each; each slow one gets 408 after BODY_READ_TIMEOUT
    slow reader  clients that never read a dump: other clients still answered at once
    long GET     20,000 characters (60 KB percent-encoded) answered; one more: the app's
                 own 413, in the negotiated format
    crash        a worker killed: the master replaces it
    kill -9      the master killed: every process under it is gone within seconds
"""
from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from server.config import ROOT

HEADER_TIMEOUT = 3.0          # KG_HEADER_READ_TIMEOUT of the servers started here
BODY_TIMEOUT = 3.0            # KG_BODY_READ_TIMEOUT
WORKERS, THREADS = 2, 2       # 4 request threads in all: gunicorn gthread fell to 8 slow clients
MAX_QUERY = 20_000            # the default SPARQL_MAX_QUERY_LENGTH


# -- a real server ------------------------------------------------------------------

class Server:
    def __init__(self, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "KG_VALIDATE_ON_START": "false", "KG_TRUSTED_PROXIES": "1",
               "KG_HEADER_READ_TIMEOUT": str(HEADER_TIMEOUT), "KG_BODY_READ_TIMEOUT": str(BODY_TIMEOUT)}
        self.log = log
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--port", str(self.port),
                 "--workers", str(WORKERS), "--threads", str(THREADS)],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"the server exited with {self.process.returncode}:\n{log.read_text()}")
            try:
                requests.get(self.url + "/", timeout=5)
                return
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail(f"the server did not answer within 60 s:\n{log.read_text()}")
                time.sleep(0.2)

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("serving") / "server.log")
    yield running
    running.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(p) for p in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


def descendants(pid: int) -> list[int]:
    found = children(pid)
    for child in list(found):
        found += descendants(child)
    return found


def alive(pid: int) -> bool:
    """Running (a zombie waiting for a reaper counts as gone)."""
    try:
        os.kill(pid, 0)
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (ProcessLookupError, FileNotFoundError):
        return False
    return state not in ("Z", "X")


def answered_quickly(server: Server, rounds: int = 3) -> None:
    """GET / and an ASK query, ``rounds`` times each, on fresh connections: each is
    answered (200) within 1 s."""
    for _ in range(rounds):
        for path in ("/", "/sparql?query=ASK%7B%7D"):
            start = time.monotonic()
            response = requests.get(server.url + path, timeout=1.0,
                                    headers={"Accept": "application/sparql-results+json, text/html"})
            elapsed = time.monotonic() - start
            assert response.status_code == 200, (path, response.status_code, response.text[:200])
            assert elapsed < 1.0, f"GET {path} took {elapsed:.2f} s"


class Dribbler:
    """Connections that each send ``start``, then one byte of ``more`` every half second
    until the server closes them; ``closed_after[i]``: seconds from connect to close."""

    def __init__(self, port: int, count: int, start: bytes, more: bytes = b"X"):
        self.socks, self.opened = [], []
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(start)
            self.socks.append(sock)
            self.opened.append(time.monotonic())
        self.more = more
        self.closed_after: dict[int, float] = {}
        self.answers: dict[int, bytes] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.wait(0.5):
            for i, sock in enumerate(self.socks):
                if i in self.closed_after:
                    continue
                readable, _, _ = select.select([sock], [], [], 0)
                try:
                    if readable:
                        data = sock.recv(65536)
                        if data:
                            self.answers[i] = self.answers.get(i, b"") + data
                            continue
                        raise ConnectionResetError("closed")
                    sock.send(self.more)
                except OSError:
                    self.closed_after[i] = time.monotonic() - self.opened[i]

    def open_count(self) -> int:
        return len(self.socks) - len(self.closed_after)

    def wait_all_closed(self, within: float) -> None:
        deadline = time.monotonic() + within
        while self.open_count() and time.monotonic() < deadline:
            time.sleep(0.1)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        for sock in self.socks:
            sock.close()


# -- slow clients -------------------------------------------------------------------

def test_slowloris_connections_hold_no_thread_and_are_cut_at_the_header_timeout(server):
    slow = Dribbler(server.port, 64, b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    try:
        answered_quickly(server)
        assert slow.open_count() == 64, "the attack was over before the normal requests ran"
        slow.wait_all_closed(within=HEADER_TIMEOUT + 3)
        assert slow.open_count() == 0, f"{slow.open_count()} slow connections still open"
        cut = sorted(slow.closed_after.values())
        assert HEADER_TIMEOUT - 0.5 <= cut[0] and cut[-1] <= HEADER_TIMEOUT + 2, cut
    finally:
        slow.close()


def test_silent_connections_are_cut_at_the_header_timeout(server):
    silent = Dribbler(server.port, 8, b"", more=b"")
    try:
        answered_quickly(server, rounds=1)
        silent.wait_all_closed(within=HEADER_TIMEOUT + 3)
        assert silent.open_count() == 0, "connections that send nothing are kept open"
    finally:
        silent.close()


def test_slow_bodies_hold_no_thread_and_get_408_at_the_body_timeout(server):
    head = (b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
            b"Content-Length: 1000\r\n\r\nASK")
    slow = Dribbler(server.port, 32, head, more=b" ")
    try:
        answered_quickly(server)
        complete = requests.post(server.url + "/sparql", data="ASK {}", timeout=1.0, headers={
            "Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"})
        assert complete.status_code == 200 and complete.json()["boolean"] is True
        assert slow.open_count() == 32
        slow.wait_all_closed(within=BODY_TIMEOUT + 3)
        assert slow.open_count() == 0
        assert all(answer.startswith(b"HTTP/1.1 408 ") and b"did not arrive within" in answer
                   for answer in slow.answers.values()) and len(slow.answers) == 32
    finally:
        slow.close()


def test_pages_never_wait_behind_slow_queries_of_many_clients(server):
    """16 clients (distinct X-Forwarded-For addresses: the server trusts one proxy) keep
    sending queries that run to the time limit; every page and cached description is
    still answered within 1 s: queries hold at most threads - 1 request threads per
    worker, and the rest are refused at once (503 Retry-After, or 429 per client)."""
    slow = ("SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l "
            "FILTER(STR(?a) = CONCAT(STR(?l), STR(?g), 'x')) }")
    stop, statuses = threading.Event(), []

    def client(i):
        while not stop.is_set():
            try:
                resp = requests.get(server.url + "/sparql", params={"query": slow}, timeout=15,
                                    headers={"Accept": "application/sparql-results+json",
                                             "X-Forwarded-For": f"10.0.0.{i}"})
                statuses.append(resp.status_code)
                if resp.status_code in (429, 503):
                    assert resp.headers.get("Retry-After")
                    time.sleep(0.05)
            except requests.RequestException as exc:      # pragma: no cover - reported below
                statuses.append(repr(exc))

    clients = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(16)]
    for thread in clients:
        thread.start()
    try:
        time.sleep(1.0)                                   # the pool is full by now
        requests.get(server.url + "/person/sam-serey.ttl", timeout=10)
        for _ in range(10):
            for path in ("/", "/person/sam-serey.ttl", "/sparql?query=ASK%7B%7D"):
                start = time.monotonic()
                resp = requests.get(server.url + path, timeout=2.0,
                                    headers={"Accept": "application/sparql-results+json, text/html"})
                assert resp.status_code == 200, (path, resp.status_code)
                assert time.monotonic() - start < 1.0, f"GET {path} waited behind the queries"
            time.sleep(0.2)
    finally:
        stop.set()
        for thread in clients:
            thread.join(20)
    assert set(statuses) <= {200, 429, 503}, set(statuses)
    assert {429, 503} & set(statuses), "the queries were not refused: the test proved nothing"


def test_clients_that_do_not_read_their_answer_hold_no_thread(server):
    readers = []
    for _ in range(16):
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", server.port))
        sock.sendall(b"GET /dumps/dataset.nq HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\n\r\n")
        readers.append(sock)
    try:
        time.sleep(0.5)                               # the dumps are made and being sent
        answered_quickly(server, rounds=2)
    finally:
        for sock in readers:
            sock.close()


# -- long queries by GET -------------------------------------------------------------

def long_ask(length: int) -> str:
    query = "ASK {" + " " * (length - 6) + "}"        # spaces: 3 bytes each once encoded
    assert len(query) == length
    return query


def test_a_query_of_the_maximum_length_is_answered_by_get(server):
    url = f"{server.url}/sparql?query={quote(long_ask(MAX_QUERY), safe='')}"
    assert len(url) > 60_000
    response = requests.get(url, timeout=10, headers={"Accept": "application/sparql-results+json"})
    assert response.status_code == 200 and response.json()["boolean"] is True


@pytest.mark.parametrize("accept, media_type", [
    ("application/json", "application/json"),
    ("text/plain", "text/plain"),
])
def test_a_longer_get_query_gets_the_apps_own_413(server, accept, media_type):
    url = f"{server.url}/sparql?query={quote(long_ask(MAX_QUERY + 1), safe='')}"
    response = requests.get(url, timeout=10, headers={"Accept": accept})
    assert response.status_code == 413
    assert response.headers["Content-Type"].startswith(media_type)
    assert f"{MAX_QUERY + 1} characters long" in response.text and str(MAX_QUERY) in response.text


# -- process supervision -------------------------------------------------------------

def test_a_killed_worker_is_replaced(server):
    before = server.workers()
    assert len(before) == WORKERS
    os.kill(before[0], signal.SIGKILL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        now = server.workers()
        if len(now) == WORKERS and before[0] not in now:
            break
        time.sleep(0.1)
    assert before[0] not in now and len(now) == WORKERS, (before, now)
    answered_quickly(server, rounds=1)


def test_killing_the_master_takes_every_process_under_it_along(tmp_path):
    doomed = Server(tmp_path / "server.log")
    try:
        query = "SELECT * WHERE { ?s ?p ?o FILTER(true) } LIMIT 1"       # runs in the query pool
        assert requests.get(doomed.url + "/sparql", params={"query": query}, timeout=10).status_code == 200
        under = descendants(doomed.process.pid)
        assert len(under) > WORKERS                  # web workers, and a query pool's processes
        doomed.process.kill()                        # SIGKILL: no handler, no clean-up
        doomed.process.wait()
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in under) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in under if alive(pid)], "orphans left behind"
        with pytest.raises(requests.ConnectionError):
            requests.get(doomed.url + "/", timeout=2)
    finally:
        doomed.stop()
