"""The cache of rendered resource descriptions (server/web/cache.py): a repeated
dereference answers the same bytes and headers from the cache, every representation
and page is its own entry, conditional requests still get 304, errors are never
cached, and the cache stays within its bounds."""
from __future__ import annotations

import pytest
import requests

from server import create_app
from server.web.cache import EXTENSION, Cached, ResponseCache
from server.web.front import EXTENSION as FRONT

PERSON = "/person/sam-serey"


def cache_of(app) -> ResponseCache:
    return app.extensions[EXTENSION]


def all_hits(app) -> int:
    """Hits of this cache and of the front cache that replays whole answers before it."""
    front = app.extensions.get(FRONT)
    return cache_of(app).hits + (front.cache.hits if front else 0)


def item(size: int) -> Cached:
    return Cached(b"x" * size, "text/turtle", ())


# -- the LRU on its own ---------------------------------------------------------

def test_least_recently_used_entries_go_first():
    cache = ResponseCache(max_entries=2, max_bytes=1000)
    cache.put("a", item(1))
    cache.put("b", item(1))
    cache.get("a")                       # b is now the least recently used
    cache.put("c", item(1))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None


@pytest.mark.parametrize("sizes, max_bytes, kept", [
    ([100, 100, 100], 2400, 3),          # within bounds: all kept
    ([300, 300, 300], 2400, 3),
    ([300, 300, 300], 800, 0),           # each above max_bytes // 8: none kept
    ([100, 100, 100], 1600, 3),
    ([200, 200, 200], 1600, 3),          # 200 = 1600 // 8: kept, total 600
])
def test_bytes_bound(sizes, max_bytes, kept):
    cache = ResponseCache(max_entries=100, max_bytes=max_bytes)
    for n, size in enumerate(sizes):
        cache.put(n, item(size))
    assert len(cache) == kept
    assert cache.bytes == sum(sizes[len(sizes) - kept:]) <= max_bytes


def test_total_bytes_evict_the_oldest():
    cache = ResponseCache(max_entries=100, max_bytes=800)
    for n in range(10):
        cache.put(n, item(100))
    assert len(cache) == 8 and cache.bytes == 800
    assert cache.get(0) is None and cache.get(1) is None and cache.get(9) is not None


def test_replacing_an_entry_keeps_the_byte_count_right():
    cache = ResponseCache(max_entries=10, max_bytes=8000)
    cache.put("a", item(100))
    cache.put("a", item(300))
    assert len(cache) == 1 and cache.bytes == 300


def test_zero_entries_turns_it_off():
    cache = ResponseCache(max_entries=0)
    cache.put("a", item(1))
    assert len(cache) == 0


# -- through HTTP ----------------------------------------------------------------

@pytest.mark.parametrize("accept", ["text/turtle", "application/ld+json", "application/n-triples",
                                    "text/html"])
def test_a_repeated_dereference_is_served_from_the_cache_unchanged(app, live_server, accept):
    first = requests.get(live_server + PERSON, headers={"Accept": accept})
    hits = all_hits(app)
    second = requests.get(live_server + PERSON, headers={"Accept": accept})
    assert first.status_code == second.status_code == 200
    assert all_hits(app) == hits + 1      # from the front cache (server/web/front.py) or this one
    assert second.content == first.content
    for header in ("Content-Type", "Content-Location", "Link", "ETag", "Vary",
                   "Access-Control-Allow-Origin", "Cache-Control"):
        assert second.headers.get(header) == first.headers.get(header), header


def test_each_representation_and_page_has_its_own_entry(live_server):
    bodies = {requests.get(live_server + PERSON + suffix).content
              for suffix in (".ttl", ".jsonld", ".nt", ".html", ".ttl?incoming_page=2")}
    assert len(bodies) == 5


def test_a_cached_answer_still_honours_if_none_match(live_server):
    etag = requests.get(live_server + PERSON + ".ttl").headers["ETag"]
    again = requests.get(live_server + PERSON + ".ttl", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""


def test_unknown_iris_are_not_cached(app, live_server):
    before = len(cache_of(app))
    for _ in range(2):
        assert requests.get(live_server + "/person/nobody-by-this-name.ttl").status_code == 404
    assert len(cache_of(app)) == before


def test_the_cache_can_be_turned_off(config):
    off = create_app({**config, "RESPONSE_CACHE_ENTRIES": 0})
    try:
        client = off.test_client()
        answers = [client.get(PERSON + ".ttl") for _ in range(2)]
        assert [a.status_code for a in answers] == [200, 200]
        assert answers[0].data == answers[1].data
        assert len(cache_of(off)) == 0 and cache_of(off).hits == 0
    finally:
        off.extensions["kg.store"].close()


# -- SPARQL answers (server/store: Store.answers) ------------------------------------

from server.store import cacheable  # noqa: E402

QUERY = "SELECT ?p ?o WHERE { <https://w3id.org/cambodia-prosecutions/person/sam-serey> ?p ?o }"


@pytest.mark.parametrize("query, expected", [
    (QUERY, True),
    ("SELECT (NOW() AS ?t) {}", False),
    ("select (rand () as ?r) {}", False),
    ("SELECT (UUID() AS ?u) (STRUUID() AS ?s) {}", False),
    ("CONSTRUCT { ?s <urn:p> [] } WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }", False),
    ('SELECT ?s WHERE { ?s ?p "now" }', True),
])
def test_only_answers_that_depend_on_the_data_alone_are_cacheable(query, expected):
    assert cacheable(query) is expected


def test_a_repeated_query_is_answered_from_the_cache(app, live_server, backend):
    answers = app.extensions["kg.store"].answers
    front = app.extensions.get(FRONT)
    served = lambda: answers.hits + (front.cache.hits if front else 0)  # noqa: E731 - either cache
    first = requests.get(live_server + "/sparql", params={"query": QUERY},
                         headers={"Accept": "application/sparql-results+json"})
    hits = served()
    second = requests.get(live_server + "/sparql", params={"query": QUERY},
                          headers={"Accept": "application/sparql-results+json"})
    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert second.headers["X-Result-Rows"] == first.headers["X-Result-Rows"]
    assert served() == (hits if backend == "remote" else hits + 1)


def test_each_result_format_is_its_own_entry(live_server):
    bodies = {requests.get(live_server + "/sparql", params={"query": QUERY},
                           headers={"Accept": accept}).text
              for accept in ("application/sparql-results+json", "text/csv",
                             "application/sparql-results+xml")}
    assert len(bodies) == 3


def test_volatile_queries_get_a_new_answer_each_time(live_server):
    query = "SELECT (STRUUID() AS ?u) WHERE {}"
    bodies = {requests.get(live_server + "/sparql", params={"query": query},
                           headers={"Accept": "text/csv"}).text for _ in range(2)}
    assert len(bodies) == 2
