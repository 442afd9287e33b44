"""The query worker pool: a query past its deadline is really stopped (its worker
process is killed), the caller gets QueryTimeout before any answer exists, other
queries keep being served meanwhile and afterwards, on every backend."""
from __future__ import annotations

import os
import threading
import time

import pytest

from server.errors import QuerySyntaxError, QueryTimeout
from server.formats import SPARQL_JSON
from server.store import load_sources
from server.store.pool import QueryPool

from oxigraph_server import start_oxigraph_server
from test_store import ALICE, make_store, mini_config

#: A cross product over all triples: billions of rows on the mini dataset.
PATHOLOGICAL = ("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . "
                "?j ?k ?l . ?m ?n1 ?o . ?p ?q ?r }")
CHEAP = f"ASK {{ <{ALICE}> ?p ?o }}"
TIMEOUT = 1.5


@pytest.fixture(scope="module")
def remote_server(tmp_path_factory):
    proc, endpoint = start_oxigraph_server(tmp_path_factory.mktemp("oxigraph-pool"),
                                           load_sources(mini_config()).dataset, timeout_s=3)
    yield endpoint
    proc.kill()
    proc.wait()


@pytest.fixture(params=["rdflib", "oxigraph", "oxigraph-disk", "remote"])
def store(request, tmp_path):
    endpoint = request.getfixturevalue("remote_server") if request.param == "remote" else None
    st = make_store(request.param, tmp_path, endpoint)
    yield st
    st.close()


def query(store, text, timeout=TIMEOUT):
    return store.protocol_query(text, result_format=SPARQL_JSON, timeout=timeout, max_rows=100)


def gone(pid: int, within: float = 1.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.02)
    return False


def test_slow_query_is_stopped_while_a_cheap_one_is_served(store):
    pool = store.pool()
    before = set(pool.workers)
    outcome = {}

    def slow():
        started = time.monotonic()
        try:
            query(store, PATHOLOGICAL)
            outcome["error"] = None
        except QueryTimeout as exc:
            outcome["error"] = exc
        outcome["elapsed"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    cheap = query(store, CHEAP)
    cheap_elapsed = time.monotonic() - started
    thread.join(10)

    assert b"true" in cheap.body and cheap_elapsed < 1.0       # served meanwhile
    assert isinstance(outcome["error"], QueryTimeout)
    assert outcome["elapsed"] < TIMEOUT + 1.0
    assert "1.5 s" in outcome["error"].message and "KG_SPARQL_TIMEOUT" in outcome["error"].hint
    killed = before - set(pool.workers)
    assert len(killed) == 1 and gone(killed.pop())              # no CPU burnt after
    assert len(pool.workers) == pool.size                       # replaced
    assert b"true" in query(store, CHEAP).body                  # keeps serving


def test_queries_wait_for_a_busy_pool_with_their_own_deadline(tmp_path):
    store = make_store("oxigraph", tmp_path)
    store.workers = 1
    try:
        blocker = threading.Thread(target=lambda: pytest.raises(QueryTimeout, query, store,
                                                                PATHOLOGICAL, 2.0))
        store.pool()
        blocker.start()
        time.sleep(0.2)
        started = time.monotonic()
        with pytest.raises(QueryTimeout) as err:
            query(store, CHEAP, timeout=0.5)
        assert time.monotonic() - started < 1.0 and "busy" in err.value.message
        blocker.join(10)
        assert b"true" in query(store, CHEAP).body              # the worker was replaced
    finally:
        store.close()


def test_errors_come_back_typed_and_keep_the_worker(store):
    pool = store.pool()
    before = set(pool.workers)
    with pytest.raises(QuerySyntaxError):
        query(store, "SELECT * WHERE { ?s ?p }")
    assert set(pool.workers) == before


def test_trusted_reads_run_concurrently_with_pool_start_and_queries(tmp_path):
    """Reads in request threads while the pool forks and serves: no deadlock."""
    store = make_store("oxigraph", tmp_path)
    failures, stop = [], threading.Event()

    def reader():
        while not stop.is_set():
            try:
                assert not store.describe(ALICE).empty
            except Exception as exc:            # pragma: no cover - reported below
                failures.append(exc)

    readers = [threading.Thread(target=reader) for _ in range(3)]
    for t in readers:
        t.start()
    try:
        for _ in range(20):
            assert b"true" in query(store, CHEAP, timeout=5).body
    finally:
        stop.set()
        for t in readers:
            t.join(10)
        store.close()
    assert not failures and not any(t.is_alive() for t in readers)


def test_a_pool_belongs_to_the_process_that_made_it(tmp_path):
    """Under gunicorn each worker process must build its own pool, never share one."""
    store = make_store("oxigraph", tmp_path)
    parent_pool = store.pool()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:                                 # the "gunicorn worker"
        try:
            ok = (not parent_pool.usable() and store.pool() is not parent_pool
                  and b"true" in query(store, CHEAP, timeout=5).body)
            store.pool().close()
            os.write(write, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    try:
        assert answer == b"1"
        assert parent_pool.usable() and b"true" in query(store, CHEAP).body
    finally:
        store.close()


def test_closing_the_pool_ends_its_processes(tmp_path):
    store = make_store("oxigraph", tmp_path)
    pool: QueryPool = store.pool()
    pids = set(pool.workers) | {pool._zygote_pid}
    store.close()
    assert all(gone(pid) for pid in pids)
