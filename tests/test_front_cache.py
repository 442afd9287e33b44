"""The front cache (server/web/front.py): a repeated resource GET/HEAD is replayed before
Flask runs, with the very status, headers and body the normal path gave, header by
header, over real HTTP; everything the answer depends on is in its key; conditional,
range, error and non-resource requests always take the normal path."""
from __future__ import annotations

import gzip

from urllib.parse import quote

import pytest
import requests

from server.namespaces import DEFAULT_BASE

from server.web.front import EXTENSION, FrontCache

PERSON = "/person/sam-serey"
SELECT = "SELECT ?p ?o WHERE { <" + DEFAULT_BASE + "person/sam-serey> ?p ?o }"
#: Added by the HTTP server, not by the app: they differ between any two answers.
SERVER_HEADERS = {"date", "server", "connection", "keep-alive"}


def get_store_of(app):
    from server.store import EXTENSION as STORE
    return app.extensions[STORE]


def front_of(app) -> FrontCache:
    return app.extensions[EXTENSION]


def headers_of(resp) -> list[tuple[str, str]]:
    return sorted((k.lower(), v) for k, v in resp.raw.headers.items()
                  if k.lower() not in SERVER_HEADERS)


def fetch(method, url, headers):
    return requests.request(method, url, headers=headers, timeout=30, stream=True)


class FlaskUntouched:
    """Stand-in for the app behind the front cache: fails the test if a request reaches it."""

    def __call__(self, environ, start_response):
        raise AssertionError(f"{environ['PATH_INFO']} reached Flask: not served by the front cache")


@pytest.fixture
def no_flask(app):
    """Within ``with no_flask():`` a request that misses the front cache fails."""
    front = front_of(app)
    behind = front.app

    class Swap:
        def __enter__(self):
            front.app = FlaskUntouched()

        def __exit__(self, *exc):
            front.app = behind
    return Swap


@pytest.mark.parametrize("method, path, headers", [
    ("GET", PERSON, {"Accept": "text/turtle"}),
    ("GET", PERSON, {"Accept": "application/ld+json"}),
    ("GET", PERSON, {"Accept": "application/n-triples"}),
    ("GET", PERSON, {"Accept": "text/html"}),
    ("GET", PERSON, {"Accept": "application/rdf+xml;q=0.5, text/turtle;q=0.9"}),
    ("GET", PERSON, {"Accept": "*/*"}),
    ("GET", PERSON, {}),
    ("GET", PERSON + ".ttl", {"Accept": "text/html"}),
    ("GET", PERSON + "?format=jsonld", {"Accept": "text/turtle"}),
    ("GET", PERSON + "?incoming_page=2", {"Accept": "text/turtle"}),
    ("GET", PERSON, {"Accept": "text/turtle", "Accept-Encoding": "gzip"}),
    ("GET", PERSON, {"Accept": "text/html", "Accept-Encoding": "br"}),
    ("GET", PERSON, {"Accept": "application/ld+json", "Host": "localhost:{port}"}),
    ("GET", PERSON, {"Accept": "application/ld+json", "Host": "kg.example.org"}),
    ("GET", PERSON, {"Accept": "text/turtle", "Origin": "https://elsewhere.example"}),
    ("HEAD", PERSON, {"Accept": "text/turtle"}),
    ("HEAD", PERSON + ".jsonld", {}),
    ("GET", "/sparql?query=" + quote(SELECT), {"Accept": "application/sparql-results+json"}),
    ("GET", "/sparql?query=" + quote(SELECT), {"Accept": "text/csv", "Accept-Encoding": "gzip"}),
    ("GET", "/sparql?query=" + quote(SELECT) + "&format=xml", {}),
    ("GET", "/sparql?query=" + quote("DESCRIBE <" + DEFAULT_BASE + "person/sam-serey>"),
     {"Accept": "text/turtle"}),
    ("HEAD", "/sparql?query=" + quote(SELECT), {"Accept": "application/sparql-results+json"}),
])
def test_a_replayed_answer_is_the_normal_paths_answer_header_by_header(app, live_server, no_flask, backend,
                                                                      method, path, headers):
    if path.startswith("/sparql") and backend in ("remote", "virtuoso"):
        # a remote store's data may change: its answers are never kept (server.store),
        # so the front cache has nothing to replay; the normal path answers every time
        assert not get_store_of(app).caches_answer(SELECT)
        return
    port = live_server.rsplit(":", 1)[1]
    headers = {k: v.replace("{port}", port) for k, v in headers.items()}
    normal = fetch(method, live_server + path, headers)           # normal path, then kept
    normal_body = normal.raw.read(decode_content=False)
    with no_flask():
        fast = fetch(method, live_server + path, headers)         # the front cache only
        fast_body = fast.raw.read(decode_content=False)
    assert normal.status_code == fast.status_code == 200
    assert headers_of(fast) == headers_of(normal)
    assert fast_body == normal_body
    if method == "HEAD":
        assert fast_body == b""
    if "gzip" in headers.get("Accept-Encoding", ""):
        assert fast.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(fast_body)


def test_every_input_of_the_answer_is_in_the_key(app, live_server):
    """Answers that differ by Accept, Accept-Encoding, Host (the public base of a loopback
    request), query string or method are kept apart, each equal to the normal path's."""
    variants = [("GET", PERSON, {"Accept": "text/turtle"}),
                ("GET", PERSON, {"Accept": "application/ld+json"}),
                ("GET", PERSON, {"Accept": "application/ld+json",
                                 "Host": "localhost:" + live_server.rsplit(":", 1)[1]}),
                ("GET", PERSON, {"Accept": "application/ld+json", "Host": "kg.example.org"}),
                ("GET", PERSON, {"Accept": "text/turtle", "Accept-Encoding": "gzip"}),
                ("GET", PERSON + "?format=nt", {"Accept": "text/turtle"}),
                ("HEAD", PERSON, {"Accept": "text/turtle"})]
    variants = [(m, p, {"Accept-Encoding": "identity", **h}) for m, p, h in variants]
    first = [fetch(m, live_server + p, h) for m, p, h in variants]
    bodies = [r.raw.read(decode_content=False) for r in first]
    again = [fetch(m, live_server + p, h) for m, p, h in variants]
    for one, body, two in zip(first, bodies, again):
        assert two.raw.read(decode_content=False) == body
        assert headers_of(two) == headers_of(one)
    assert len(set(bodies)) == len(variants)
    assert b"localhost" in bodies[2] and b"localhost" not in bodies[1]


@pytest.mark.parametrize("extra, status", [
    ({"If-None-Match": "ETAG"}, 304),
    ({"If-Modified-Since": "LAST_MODIFIED"}, 304),
    ({"If-Match": '"not-it"'}, 412),
    ({"Range": "bytes=0-9"}, 200),          # a description is not a download: whole answer
])
def test_conditional_and_range_requests_take_the_normal_path(app, live_server, extra, status):
    url = live_server + PERSON + ".ttl"
    kept = requests.get(url, timeout=30)                             # now in the front cache
    values = {"ETAG": kept.headers["ETag"], "LAST_MODIFIED": kept.headers["Last-Modified"]}
    headers = {k: values.get(v, v) for k, v in extra.items()}
    assert front_of(app).key({"REQUEST_METHOD": "GET", "HTTP_HOST": "kg.example.org", **{
        "HTTP_" + k.upper().replace("-", "_"): v for k, v in headers.items()}}) is None
    answer = requests.get(url, headers=headers, timeout=30)
    assert answer.status_code == status
    if status == 304:
        assert answer.content == b"" and answer.headers["ETag"] == kept.headers["ETag"]


def test_errors_and_other_routes_are_never_kept(app, live_server):
    front = front_of(app)
    before = len(front.cache)
    assert requests.get(live_server + "/person/nobody-by-this-name.ttl", timeout=30).status_code == 404
    assert requests.get(live_server + "/person/nobody-by-this-name.ttl", timeout=30).status_code == 404
    for query in ("SELECT (RAND() AS ?r) WHERE {}", "SELECT (NOW() AS ?t) WHERE {}"):   # volatile
        assert requests.get(live_server + "/sparql", params={"query": query},
                            headers={"Accept": "application/sparql-results+json"}, timeout=30).ok
    assert requests.get(live_server + "/sparql", params={"query": "ASK { ?s ?p ?o }"},  # the page
                        headers={"Accept": "text/html"}, timeout=30).ok
    assert requests.post(live_server + "/sparql", data={"query": "ASK { ?s ?p ?o }"},
                         headers={"Accept": "application/sparql-results+json"}, timeout=30).ok
    assert requests.get(live_server + "/void", timeout=30).ok
    assert requests.post(live_server + PERSON, timeout=30).status_code in (404, 405)
    assert len(front.cache) == before


def test_long_or_crafted_key_fields_are_not_cached():
    front = FrontCache(None, 10, 10_000)
    plain = {"REQUEST_METHOD": "GET", "PATH_INFO": PERSON, "HTTP_HOST": "kg.example.org",
             "SERVER_PORT": "8080"}
    assert front.key(plain) is not None
    for change in ({"HTTP_ACCEPT": "text/turtle," * 100}, {"HTTP_COOKIE": "a=b"},
                   {"REQUEST_METHOD": "POST"}, {"HTTP_HOST": "bad host"}, {"HTTP_HOST": "a/b"},
                   {"HTTP_HOST": "localhost:9999"}, {"HTTP_HOST": "127.0.0.1"},
                   {"CONTENT_LENGTH": "5"}, {"CONTENT_TYPE": "application/x-www-form-urlencoded"},
                   {"HTTP_TRANSFER_ENCODING": "chunked"}):
        assert front.key({**plain, **change}) is None, change
    assert front.key({**plain, "HTTP_HOST": "localhost:8080"}) is not None
    assert front.key({**plain, "CONTENT_LENGTH": "0", "CONTENT_TYPE": ""}) is not None
    del plain["HTTP_HOST"]
    assert front.key(plain) is None


@pytest.mark.parametrize("public_url, hosts, keys", [
    (False, ["a.example", "b.example:81", "c.example"], 1),       # all answered with BASE_IRI
    (False, ["localhost:8080", "127.0.0.1:8080", "[::1]:8080"], 3),  # the base itself
    (True, ["a.example", "localhost:8080", "127.0.0.1:8080"], 1),  # PUBLIC_URL: one base
])
def test_invented_host_values_do_not_grow_the_front_cache(public_url, hosts, keys):
    front = FrontCache(None, 10, 10_000, public_url=public_url)
    plain = {"REQUEST_METHOD": "GET", "PATH_INFO": PERSON, "SERVER_PORT": "8080"}
    assert len({front.key({**plain, "HTTP_HOST": h}) for h in hosts}) == keys


def test_distinct_host_values_over_http_keep_the_front_cache_size(app, live_server):
    front = front_of(app)
    requests.get(live_server + PERSON + ".nt", headers={"Host": "warm.example"}, timeout=30)
    before = len(front.cache)
    for n in range(50):
        host = f"h{n}.example" if n % 2 else f"localhost:{10000 + n}"
        assert requests.get(live_server + PERSON + ".nt", headers={"Host": host},
                            timeout=30).status_code == 200
    assert len(front.cache) == before


@pytest.mark.parametrize("setting", [{"RESPONSE_CACHE_ENTRIES": 0}, {"FRONT_CACHE": False}])
def test_no_front_cache_when_it_or_the_response_cache_is_off(config, setting):
    from server import create_app
    app = create_app({**config, **setting})
    assert EXTENSION not in app.extensions
    assert app.test_client().get(PERSON + ".ttl").status_code == 200


# -- second review ----------------------------------------------------------------------

def test_a_replayed_answer_carries_the_time_it_is_sent(live_server):
    """The stored answer keeps no Date: a replay more than a second later has a new one
    (a stale Date would make every shared cache downstream revalidate)."""
    import time
    url = live_server + "/person/kem-ley"
    first = requests.get(url, headers={"Accept": "text/turtle"}, timeout=30)
    time.sleep(1.1)
    again = requests.get(url, headers={"Accept": "text/turtle"}, timeout=30)
    assert first.status_code == again.status_code == 200 and first.content == again.content
    assert again.headers["Date"] != first.headers["Date"]
    assert len([k for k in again.raw.headers.keys() if k.lower() == "date"]) == 1


def test_the_cache_counts_headers_and_key_not_only_the_body():
    from server.web.front import mark

    def app(environ, start_response):
        mark(environ)
        start_response("200 OK", [("Content-Type", "text/turtle"), ("X-Long", "x" * 1000)])
        return [b""]

    front = FrontCache(app, 100, 50_000)
    for n in range(200):                  # HEAD-like empty bodies with long keys
        environ = {"REQUEST_METHOD": "HEAD", "PATH_INFO": "/p" + "q" * 400 + str(n),
                   "HTTP_HOST": "example.org", "SERVER_PORT": "80", "wsgi.url_scheme": "http"}
        front(environ, lambda *a: None)
    assert 0 < front.cache.bytes <= 50_000 and len(front.cache) < 100


def test_unknown_query_parameters_take_no_cache_entry(app, live_server):
    front = front_of(app)
    before = len(front.cache)
    for n in range(5):
        r = requests.get(f"{live_server}/person/kem-ley?junk={n}", headers={"Accept": "text/turtle"}, timeout=30)
        assert r.status_code == 200
    assert len(front.cache) == before
