"""HTTP behaviour of the linked-data site over a real server: negotiation, errors in
the requested format, conditional requests, HEAD/OPTIONS, CORS, compression."""
from __future__ import annotations

import gzip
import http.client
from urllib.parse import urlsplit

import pytest
import requests
from rdflib import Graph

PERSON = "/person/sam-serey"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def get(live_server, path, **headers):
    return requests.get(live_server + path, headers=headers, timeout=30)


@pytest.mark.parametrize("accept, media_type", [
    ("text/turtle", "text/turtle"),
    ("application/ld+json", "application/ld+json"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/trig", "application/trig"),
    ("application/n-quads", "application/n-quads"),
    (BROWSER_ACCEPT, "text/html"),
    ("*/*", "text/turtle"),
    ("text/turtle;q=0.2, application/ld+json;q=0.9", "application/ld+json"),
    ("application/rdf+xml;q=0.5, text/html;q=0.4", "application/rdf+xml"),
    ("text/html;q=0, */*;q=0.1", "text/turtle"),
])
def test_accept_header_with_q_values_picks_the_representation(live_server, accept, media_type):
    r = get(live_server, PERSON, Accept=accept)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == media_type
    assert "Accept" in [v.strip() for v in r.headers["Vary"].split(",")]


@pytest.mark.parametrize("path, accept, media_type, location", [
    (PERSON + "?format=jsonld", BROWSER_ACCEPT, "application/ld+json", PERSON + ".jsonld"),
    (PERSON + "?format=text/turtle", "application/rdf+xml", "text/turtle", PERSON + ".ttl"),
    (PERSON + ".nt", BROWSER_ACCEPT, "application/n-triples", PERSON + ".nt"),
    (PERSON + ".rdf", "text/turtle", "application/rdf+xml", PERSON + ".rdf"),
    (PERSON + ".html", "text/turtle", "text/html", PERSON + ".html"),
    (PERSON + ".nq", "", "application/n-quads", PERSON + ".nq"),
    (PERSON, "application/trig", "application/trig", PERSON + ".trig"),
])
def test_format_parameter_and_suffix_override_accept(live_server, path, accept, media_type, location):
    r = get(live_server, path, Accept=accept)
    assert r.status_code == 200
    assert r.headers["Content-Type"].split(";")[0] == media_type
    assert r.headers["Content-Location"] == location


def test_alternates_are_linked_and_the_iri_is_the_request_path(live_server):
    r = get(live_server, PERSON, Accept="text/turtle")
    for suffix in ("ttl", "jsonld", "nt", "rdf", "trig", "nq", "html"):
        assert f"<{PERSON}.{suffix}>; rel=\"alternate\"" in r.headers["Link"]
    g = Graph().parse(data=r.content, format="turtle")
    assert (None, None, None) in g and len(g) > 5
    assert any(str(s) == "https://w3id.org/cambodia-prosecutions/person/sam-serey" for s in g.subjects())


@pytest.mark.parametrize("path, params", [(PERSON, ""), (PERSON, "?format=gif"), ("/void", ""), ("/dumps/dataset", "")])
def test_unacceptable_types_get_406_listing_the_offers(live_server, path, params):
    r = get(live_server, path + params, Accept="image/png")
    assert r.status_code == 406
    assert "text/turtle" in r.text or "application/trig" in r.text


@pytest.mark.parametrize("accept, media_type, check", [
    ("text/turtle", "text/turtle", lambda body: Graph().parse(data=body, format="turtle") is not None
                                                  and body.startswith("# 404")),
    ("application/ld+json", "application/json", lambda body: '"status": 404' in body),
    ("application/json", "application/json", lambda body: '"status": 404' in body),
    (BROWSER_ACCEPT, "text/html", lambda body: "<h1>404 Not found</h1>" in body),
    ("application/n-triples", "text/plain", lambda body: body.startswith("404 Not found")),
])
def test_unknown_iris_are_404_in_the_requested_format(live_server, accept, media_type, check):
    r = get(live_server, "/person/no-such-person", Accept=accept)
    assert r.status_code == 404
    assert r.headers["Content-Type"].split(";")[0] == media_type
    assert check(r.text)
    assert "no-such-person" in r.text


@pytest.mark.parametrize("path", ["/person/%FF", "/%FF%FE", "/person/%EF%BF%BD", "/person/a%20b"])
def test_a_path_that_is_no_iri_is_a_404_not_a_query_error(live_server, path):
    r = get(live_server, path, Accept="application/json")
    assert r.status_code == 404 and r.json()["title"] == "Not found"


def test_404_honours_the_suffix(live_server):
    r = get(live_server, "/person/no-such-person.ttl", Accept=BROWSER_ACCEPT)
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/turtle")


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1e9"])
def test_bad_incoming_page_is_a_400_that_says_what_to_do(live_server, page):
    r = get(live_server, f"{PERSON}?incoming_page={page}", Accept="application/json")
    assert r.status_code == 400 and "incoming_page" in r.json()["message"] and r.json()["hint"]


#: Incoming links per page on ``paged_server``: below what PERSON really has (41), so
#: the shipped data pages without a made-up fixture.
PAGE_LIMIT = 20


@pytest.fixture(scope="module")
def paged_server(config):
    """The embedded dataset behind a real server whose incoming-link pages hold
    PAGE_LIMIT links (the shared app's 50 exceeds every resource but /ontology)."""
    import threading
    from werkzeug.serving import make_server
    from server import create_app
    app = create_app({**config, "INCOMING_LINKS_LIMIT": PAGE_LIMIT})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", app
    server.shutdown()
    thread.join(timeout=10)


def incoming_subjects(r) -> set:
    from rdflib import URIRef
    target = URIRef("https://w3id.org/cambodia-prosecutions" + PERSON)
    return {(s, p) for s, p, _o in Graph().parse(data=r.content, format="turtle")
            .triples((None, None, target)) if not str(s).startswith(str(target))}


def test_incoming_links_are_paged_with_a_next_link(paged_server):
    base, app = paged_server
    from server.store import get_store
    with app.app_context():
        total = get_store().describe("https://w3id.org/cambodia-prosecutions" + PERSON,
                                     PAGE_LIMIT).incoming_total
    assert total > PAGE_LIMIT, "the premise: PERSON has more incoming links than one page"
    url, seen, pages = f"{PERSON}?incoming_page=1", set(), 0
    while url:
        r = get(base, url, Accept="text/turtle")
        assert r.status_code == 200
        seen |= incoming_subjects(r)
        pages += 1
        url = r.links.get("next", {}).get("url")
        assert url is None or url == f"{PERSON}?incoming_page={pages + 1}"
    assert pages == -(-total // PAGE_LIMIT) > 1 and len(seen) > PAGE_LIMIT  # later pages add links
    r = get(base, f"{PERSON}?incoming_page={pages + 1}", Accept="text/turtle")
    assert r.status_code == 200 and "next" not in r.links


@pytest.mark.parametrize("path", [PERSON, "/", "/void", "/ontology", "/dumps/dataset.nq", "/context/v1.jsonld"])
def test_conditional_requests_get_304(live_server, path):
    first = get(live_server, path, Accept="text/turtle, application/ld+json;q=0.5, */*;q=0.1")
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    assert "public" in first.headers["Cache-Control"] and "max-age" in first.headers["Cache-Control"]
    again = get(live_server, path, Accept="text/turtle, application/ld+json;q=0.5, */*;q=0.1",
                **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    since = get(live_server, path, Accept="text/turtle, application/ld+json;q=0.5, */*;q=0.1",
                **{"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_etags_differ_between_representations(live_server):
    ttl = get(live_server, PERSON, Accept="text/turtle").headers["ETag"]
    html = get(live_server, PERSON, Accept="text/html").headers["ETag"]
    assert ttl != html


def test_head_gives_headers_without_a_body(live_server):
    r = requests.head(live_server + PERSON, headers={"Accept": "text/turtle"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/turtle")
    assert r.content == b"" and r.headers["ETag"]


def test_cors_preflight_is_answered_without_credentials(live_server):
    r = requests.options(live_server + PERSON, timeout=30, headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Accept"})
    assert r.status_code in (200, 204)
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in r.headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Credentials" not in r.headers
    simple = get(live_server, PERSON, Origin="https://example.org", Accept="text/turtle")
    assert simple.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in simple.headers


def raw_get(live_server, path, headers):
    """A GET without automatic decompression, to see the bytes on the wire."""
    parts = urlsplit(live_server)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp, body


def test_gzip_when_the_client_accepts_it(live_server):
    resp, body = raw_get(live_server, PERSON, {"Accept": "text/turtle", "Accept-Encoding": "gzip"})
    assert resp.status == 200 and resp.getheader("Content-Encoding") == "gzip"
    assert "Accept-Encoding" in resp.getheader("Vary")
    assert Graph().parse(data=gzip.decompress(body), format="turtle") is not None
    plain, body2 = raw_get(live_server, PERSON, {"Accept": "text/turtle", "Accept-Encoding": "identity"})
    assert plain.getheader("Content-Encoding") is None and body2 == gzip.decompress(body)


def test_errors_of_other_methods_are_rendered_too(live_server):
    r = requests.post(live_server + PERSON, headers={"Accept": "application/json"}, timeout=30)
    assert r.status_code == 405 and r.json()["status"] == 405 and "GET" in r.headers["Allow"]


@pytest.mark.parametrize("path, status", [
    ("/person/%3Cscript%3E", 404),
    ("/person/a%7D%20UNION%20%7B", 404),
    ("/%00", 404),
    ("/..%2f..%2fetc/passwd", 404),
    ("/person/" + "a" * 5000, 404),
    ("/person/x?incoming_page=99999999999999999999", 400),
    ("/context/v2.jsonld", 404),
    ("/dumps/dataset.zip", 404),
    ("/void.exe", 404),
    ("/person/sam-serey.", 404),
])
def test_hostile_paths_get_a_clear_client_error(live_server, path, status):
    r = get(live_server, path, Accept="application/json")
    assert r.status_code == status
    assert r.json()["status"] == status and r.json()["message"]


# -- what real clients send (issue: every real client works unmodified) ------------------

JSONLD_PROFILE = "http://www.w3.org/ns/json-ld#"


@pytest.mark.parametrize("path, accept, media_type", [
    (PERSON, f'application/ld+json; profile="{JSONLD_PROFILE}compacted"', "application/ld+json"),
    (PERSON, "text/turtle; charset=utf-8", "text/turtle"),
    (PERSON, "text/n3", "text/turtle"),                          # rdflib's format="n3"
    (PERSON, "text/plain", "application/n-triples"),             # rdflib's format="nt"
    (PERSON, "application/*", "application/ld+json"),           # not Turtle through an alias
    (PERSON, "application/x-turtle", "text/turtle"),             # the alias itself still works
    ("/context/v1.jsonld", f'application/ld+json; profile="{JSONLD_PROFILE}context"', "application/ld+json"),
    ("/sparql?query=ASK%7B%7D", "application/sparql-results+json; charset=utf-8",
     "application/sparql-results+json"),
    ("/void", "text/turtle;charset=UTF-8", "text/turtle"),
])
def test_media_type_parameters_and_wildcards_are_negotiated_as_rfc_9110_says(live_server, path, accept,
                                                                              media_type):
    r = get(live_server, path, Accept=accept)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0] == media_type


def test_an_unknown_iri_answers_any_client_in_the_kind_a_known_one_does(live_server):
    known, unknown = get(live_server, PERSON, Accept="*/*"), get(live_server, "/person/nobody", Accept="*/*")
    assert known.headers["Content-Type"].startswith("text/turtle")
    assert unknown.status_code == 404 and unknown.headers["Content-Type"].startswith("text/turtle")
    assert unknown.text.startswith("# 404")
    Graph().parse(data=unknown.text, format="turtle")          # a Turtle client reads it (empty)


def test_options_tells_the_truth_about_the_endpoint(live_server):
    options = requests.options(live_server + "/sparql", timeout=10)
    allowed = {m.strip() for m in options.headers["Allow"].split(",")}
    assert allowed == {"GET", "HEAD", "POST", "OPTIONS"}
    for method in ("PUT", "DELETE", "PATCH"):
        r = requests.request(method, live_server + "/sparql", timeout=10, headers={"Accept": "application/json"})
        assert r.status_code == 405
        assert {m.strip() for m in r.headers["Allow"].split(",")} == allowed
        assert method in r.json()["message"]


def test_cors_preflight_allows_what_browser_clients_send(live_server):
    r = requests.options(live_server + "/sparql", timeout=10, headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "x-requested-with, content-type, accept"})
    allowed = {h.strip().lower() for h in r.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"x-requested-with", "content-type", "accept"} <= allowed
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers


def test_the_favicon_is_served_and_linked(live_server):
    r = get(live_server, "/favicon.ico")
    assert r.status_code == 200 and r.headers["Content-Type"] == "image/vnd.microsoft.icon"
    assert r.content[:4] == b"\x00\x00\x01\x00"                  # an ICO header
    page = get(live_server, PERSON, Accept="text/html").text
    assert 'rel="icon" href="/favicon.ico"' in page


DUMP = "/dumps/dataset.nq"


def test_dumps_answer_range_requests(live_server):
    whole = get(live_server, DUMP, **{"Accept-Encoding": "identity"})
    assert whole.headers["Accept-Ranges"] == "bytes"
    etag = whole.headers["ETag"]
    assert not etag.startswith("W/")                               # If-Range needs a strong one
    part = get(live_server, DUMP, Range="bytes=10-29", **{"Accept-Encoding": "gzip"})
    assert part.status_code == 206
    assert part.content == whole.content[10:30]                    # never compressed
    assert part.headers["Content-Range"] == f"bytes 10-29/{len(whole.content)}"
    resumed = get(live_server, DUMP, Range=f"bytes={len(whole.content) - 5}-", **{"If-Range": etag})
    assert resumed.status_code == 206 and resumed.content == whole.content[-5:]
    stale = get(live_server, DUMP, Range="bytes=0-9", **{"If-Range": '"not-the-etag"'})
    assert stale.status_code == 200 and len(stale.content) == len(whole.content)
    beyond = get(live_server, DUMP, Range=f"bytes={len(whole.content) + 10}-")
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(whole.content)}"


def test_a_compressed_dump_has_its_own_validator(live_server):
    plain = get(live_server, DUMP, **{"Accept-Encoding": "identity"})
    packed = requests.get(live_server + DUMP, headers={"Accept-Encoding": "gzip"}, timeout=30, stream=True)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["ETag"] != plain.headers["ETag"]
    again = get(live_server, DUMP, **{"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304


# -- found by the adversarial review ---------------------------------------------------

@pytest.mark.parametrize("headers, status", [
    ({"Range": "bytes=0-9", "If-None-Match": "{etag}"}, 304),          # 304 before Range (13.2.2)
    ({"Range": "bytes=0-9", "If-Range": "W/{etag}"}, 200),              # If-Range compares strongly
    ({"Range": "bytes=0-9", "If-Range": "Sat, 01 Jan 2100 00:00:00 GMT"}, 200),   # dates: exactly
    ({"Range": "bytes=0-9", "If-Range": "{last_modified}"}, 206),
    ({"Range": "items=0-1"}, 200),                                       # another unit: ignored
    ({"Range": "bytes=abc"}, 200),                                       # bad syntax: ignored
    ({"Range": "bytes=5-4"}, 200),
    ({"Range": "bytes=0-4,10-14"}, 200),                                 # several ranges: whole
    ({"Range": "bytes=-5"}, 206),                                        # the last five bytes
])
def test_range_requests_follow_rfc_9110(live_server, headers, status):
    whole = get(live_server, DUMP, **{"Accept-Encoding": "identity"})
    values = {"etag": whole.headers["ETag"], "last_modified": whole.headers["Last-Modified"]}
    sent = {k: v.format(**values) for k, v in headers.items()}
    r = get(live_server, DUMP, **{"Accept-Encoding": "identity", **sent})
    assert r.status_code == status, sent
    if status == 200:
        assert r.content == whole.content
    if status == 206:
        assert r.content in (whole.content[:10], whole.content[-5:])


def test_a_huge_accept_header_is_cheap_and_still_answered(live_server):
    r = get(live_server, PERSON, Accept=",".join(["a/b"] * 15000) + ",text/turtle")
    assert r.status_code == 406                       # only the first ranges are read


def test_a_second_form_of_json_ld_names_its_own_url(live_server):
    accept = 'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"'
    first, second = get(live_server, PERSON, Accept=accept), get(live_server, PERSON, Accept=accept)
    assert first.headers["Content-Location"] == PERSON + "?format=jsonld-expanded"
    assert first.headers["Content-Type"] == second.headers["Content-Type"] == \
        'application/ld+json; profile="http://www.w3.org/ns/json-ld#expanded"'   # cached too
    again = get(live_server, first.headers["Content-Location"])
    assert again.json() == first.json()


def test_dumps_are_built_one_at_a_time(app, live_server):
    from server.web import cache
    gate = app.extensions[cache.BUILD_GATE]
    app.extensions[cache.DUMPS].clear()
    old_wait = app.config["DUMP_BUILD_WAIT"]
    app.config["DUMP_BUILD_WAIT"] = 0.2
    gate.acquire()                                    # as if another dump were being built
    try:
        r = get(live_server, "/dumps/dataset.trig", Accept="application/json")
        assert r.status_code == 503 and int(r.headers["Retry-After"]) > 0
        assert "Retry in a few seconds" in r.text
        assert get(live_server, PERSON).status_code == 200      # the rest keeps serving
    finally:
        gate.release()
        app.config["DUMP_BUILD_WAIT"] = old_wait
    assert get(live_server, "/dumps/dataset.trig").status_code == 200


# -- found by the second adversarial review ----------------------------------------------

def test_a_download_validator_is_of_its_bytes(app, live_server):
    """Another worker may serialise the same data differently (blank node labels, order):
    the strong ETag a resumed download sends with If-Range must name the very bytes."""
    import hashlib
    r = get(live_server, "/shapes.nq")                            # shapes hold blank nodes
    dump = get(live_server, DUMP, **{"Accept-Encoding": "identity"})
    assert dump.headers["ETag"] == '"%s"' % hashlib.blake2b(dump.content, digest_size=16).hexdigest()
    assert r.status_code == 200


def test_a_failed_precondition_sends_no_document(live_server):
    r = get(live_server, DUMP, **{"If-Match": '"nope"', "Accept-Encoding": "identity"})
    assert r.status_code == 412
    assert len(r.content) < 1000 and "ETag" not in r.headers
    assert "no-cache" in r.headers["Cache-Control"] and "public" not in r.headers["Cache-Control"]


def test_a_cut_accept_header_never_turns_a_refusal_into_a_wish():
    from server import formats
    header = "x/y;p=" + "a" * (formats.MAX_ACCEPT_CHARS - 6 - 11) + ", text/html;q=0, text/turtle;q=0.5"
    assert formats.best(header, formats.RESOURCE_FORMATS) is not formats.HTML


def test_errors_of_any_json_ld_form_are_json(live_server):
    r = get(live_server, "/person/nobody?format=jsonld-expanded")
    assert r.status_code == 404 and r.headers["Content-Type"].startswith("application/json")
