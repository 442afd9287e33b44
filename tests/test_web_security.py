"""Browser and cache safety of the HTTP answers (issue 9), over a real server:

- the Host header is the client's: no answer body carries a host it chose (absolute
  URLs come from PUBLIC_URL, a loopback Host with ``Vary: Host``, or BASE_IRI), and
  no cache grows with the number of Host values it sees;
- only http(s) IRIs become links (``javascript:`` and ``data:`` IRIs are text, and an
  IRI under the base never becomes a ``//other-host`` link);
- every answer carries the Content-Security-Policy and the other browser-safety
  headers, and no page needs inline script or style;
- an HTML result page shows at most HTML_MAX_ROWS rows and says where the rest is.
"""
from __future__ import annotations

import json
import logging
import re
import threading
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from rdflib import Graph, URIRef
from werkzeug.serving import make_server

from server import create_app
from server.errors import KGError
from server.formats import DUMP_FORMATS
from server.namespaces import SD
from server.web import cache, lookups

BASE = "https://w3id.org/cambodia-prosecutions/"
PUBLIC = "https://kg.example.org/data/"
EVIL = "evil.example"
HTML_ROWS = 5                        # HTML_MAX_ROWS of the test app: easy to exceed
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
SELECT = "SELECT ?s ?name WHERE { ?s a schema:Person ; schema:name ?name }"

#: (path, Accept) of every answer that carries an absolute URL of this server.
ANSWERS = [
    ("/sparql", "text/turtle"),                                  # service description
    ("/sparql", "application/ld+json"),
    ("/sparql", BROWSER),                                        # the query page
    ("/sparql?query=" + requests.utils.quote(SELECT), BROWSER),  # a result page
    ("/person/sam-serey", "application/ld+json"),
    ("/person/sam-serey", BROWSER),
    ("/dumps/dataset.jsonld", "*/*"),
    ("/", BROWSER),
    ("/", "application/ld+json"),                                # VoID
    ("/ontology", "application/ld+json"),
    ("/queries", "application/json"),
    ("/queries/" + "q01", BROWSER),
]


@contextmanager
def serving(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        app.extensions["kg.store"].close()


@pytest.fixture(scope="module")
def site(config):
    """A fresh app (its own caches and warning) on the real data, HTML_MAX_ROWS small."""
    app = create_app({**config, "HTML_MAX_ROWS": HTML_ROWS})
    with serving(app) as url:
        yield app, url


@pytest.fixture(scope="module")
def public_site(config):
    app = create_app({**config, "PUBLIC_URL": PUBLIC})
    with serving(app) as url:
        yield app, url


def get(url: str, path: str, accept: str = BROWSER, host: str | None = None, **kw):
    headers = {"Accept": accept, **({"Host": host} if host else {})}
    return requests.get(url + path, headers=headers, timeout=30, **kw)


def vary(resp) -> set[str]:
    return {v.strip().lower() for v in resp.headers.get("Vary", "").split(",")}


def first_example(app) -> str:
    from server.queries import load_queries
    return load_queries(app.config["QUERIES_DIR"])[0].name


def answers(app):
    return [(p.replace("q01", first_example(app)), a) for p, a in ANSWERS]


# -- B. absolute URLs never come from an attacker's Host ------------------------------

def test_no_body_carries_a_host_the_client_chose(site):
    app, url = site
    for path, accept in answers(app):
        for host in (EVIL, EVIL + ":8080", "localhost.evil.example", "127.0.0.1.evil.example",
                     "localhost@evil.example"):
            resp = get(url, path, accept, host)
            assert resp.status_code == 200, (path, accept, host)
            assert "evil" not in resp.text, (path, accept, host)
            assert "host" not in vary(resp), (path, host)


def test_without_public_url_a_foreign_host_gets_the_canonical_base(site):
    app, url = site
    sd = Graph().parse(data=get(url, "/sparql", "text/turtle", EVIL).text, format="turtle")
    assert set(sd.objects(None, SD.endpoint)) == {URIRef(BASE + "sparql")}
    for path in ("/person/sam-serey", "/dumps/dataset.jsonld"):
        doc = get(url, path, "application/ld+json", EVIL).json()
        assert doc["@context"] == BASE + "context/v1.jsonld"
    assert f"<code>{BASE}sparql</code>" in get(url, "/sparql", BROWSER, EVIL).text


def test_the_fallback_is_announced_once(config, caplog):
    app = create_app(config)
    with serving(app) as url, caplog.at_level(logging.WARNING, logger="server.web.public"):
        for host in ("a.example", "b.example", "c.example"):
            assert get(url, "/sparql", "text/turtle", host).status_code == 200
    warnings = [r for r in caplog.records if r.name == "server.web.public"]
    assert len(warnings) == 1 and "KG_PUBLIC_URL" in warnings[0].getMessage()


def test_public_url_is_used_whatever_the_host(public_site):
    app, url = public_site
    for host in (None, EVIL, "localhost:8080"):
        for path, accept in answers(app):
            resp = get(url, path, accept, host)
            assert resp.status_code == 200 and "evil" not in resp.text and "127.0.0.1" not in resp.text
            assert "host" not in vary(resp), path
        sd = Graph().parse(data=get(url, "/sparql", "text/turtle", host).text, format="turtle")
        assert set(sd.objects(None, SD.endpoint)) == {URIRef(PUBLIC + "sparql")}
        for path in ("/person/sam-serey", "/dumps/dataset.jsonld"):
            assert get(url, path, "application/ld+json", host).json()["@context"] == \
                PUBLIC + "context/v1.jsonld"
        listed = get(url, "/queries", "application/json", host).json()["queries"]
        assert all(q["url"].startswith(PUBLIC + "queries/") for q in listed)
        assert f"<code>{PUBLIC}sparql</code>" in get(url, "/sparql", BROWSER, host).text
        assert f"curl -H 'Accept: text/turtle' {PUBLIC}source/" in get(url, "/", BROWSER, host).text


@pytest.mark.parametrize("host", [None, "localhost", "LOCALHOST:5000", "[::1]:8080", "127.0.0.1"])
def test_a_loopback_host_is_used_and_varies_on_host(site, host):
    app, url = site
    own = f"http://{host.lower()}/" if host else url + "/"      # Werkzeug lowercases the host
    for path, accept in answers(app):
        resp = get(url, path, accept, host)
        assert resp.status_code == 200 and "host" in vary(resp), (path, accept)
    sd = Graph().parse(data=get(url, "/sparql", "text/turtle", host).text, format="turtle")
    assert set(sd.objects(None, SD.endpoint)) == {URIRef(own + "sparql")}
    for path in ("/person/sam-serey", "/dumps/dataset.jsonld"):
        assert get(url, path, "application/ld+json", host).json()["@context"] == own + "context/v1.jsonld"


def test_cached_json_ld_gets_the_context_of_each_request(site):
    """A description and a dump are built once; each answer names its own context URL,
    and the rest of the body is the same."""
    app, url = site
    bodies = {}
    for host in ("localhost:1", "localhost:2", EVIL):
        for path in ("/person/sam-serey.jsonld", "/dumps/dataset.jsonld"):
            doc = get(url, path, "*/*", host).json()
            bodies.setdefault(path, []).append(doc)
    for docs in bodies.values():
        assert [d["@context"] for d in docs] == ["http://localhost:1/context/v1.jsonld",
                                                 "http://localhost:2/context/v1.jsonld",
                                                 BASE + "context/v1.jsonld"]
        assert len({json.dumps({k: v for k, v in d.items() if k != "@context"}) for d in docs}) == 1


@pytest.mark.parametrize("value, expected", [
    ("https://kg.example.org", "https://kg.example.org/"),
    ("http://127.0.0.1:8080/kg/", "http://127.0.0.1:8080/kg/"),
    ("kg.example.org", None),
    ("javascript:alert(1)//", None),
    ("https://user@kg.example.org/", None),
    ("https://kg.example.org/?x=1", None),
    ("https:///nohost", None),
])
def test_public_url_must_be_an_absolute_http_url(value, expected):
    from server.web import public
    if expected is None:
        with pytest.raises(KGError, match="absolute http") as error:
            public.normalise(value)
        assert "KG_PUBLIC_URL" in error.value.hint
    else:
        assert public.normalise(value) == expected


# -- A. no cache grows with the Host values -------------------------------------------

def test_distinct_host_values_do_not_grow_any_cache(site):
    app, url = site
    paths = [("/person/sam-serey", "application/ld+json"), ("/person/sam-serey", "text/turtle"),
             ("/dumps/dataset.jsonld", "*/*"), ("/dumps/dataset.nq", "*/*"), ("/sparql", "text/turtle")]
    for path, accept in paths:                      # warm up: one entry each
        assert get(url, path, accept).status_code == 200
    responses, dumps = app.extensions[cache.RESPONSES], app.extensions[cache.DUMPS]
    before = (len(responses), responses.bytes, len(dumps), dumps.bytes)
    for n in range(300):
        host = f"h{n}.example" if n % 2 else f"localhost:{10000 + n}"
        for path, accept in paths:
            assert get(url, path, accept, host).status_code == 200
    assert (len(responses), responses.bytes, len(dumps), dumps.bytes) == before
    assert len(dumps) <= len(DUMP_FORMATS)
    assert set(app.extensions[lookups.EXTENSION]["values"]) <= set(lookups.MEMOS)
    for name in (cache.RESPONSES, cache.DUMPS, "kg.store"):
        lru = app.extensions[name] if name != "kg.store" else app.extensions[name].answers
        assert len(lru) <= lru.max_entries and lru.bytes <= lru.max_bytes


def test_every_cache_is_sized_in_the_configuration(config):
    app = create_app({**config, "RESPONSE_CACHE_ENTRIES": 3, "RESPONSE_CACHE_BYTES": 10_000,
                      "DUMP_CACHE_ENTRIES": 1, "DUMP_CACHE_BYTES": 2_000_000})
    with serving(app) as url:
        for suffix in ("ttl", "nt", "jsonld", "rdf", "trig", "nq"):
            assert get(url, f"/person/sam-serey.{suffix}").status_code == 200
        for fmt in DUMP_FORMATS:
            assert get(url, f"/dumps/dataset.{fmt.suffix}").status_code == 200
        responses, dumps = app.extensions[cache.RESPONSES], app.extensions[cache.DUMPS]
        assert len(responses) <= 3 and responses.bytes <= 10_000
        assert len(dumps) <= 1 and dumps.bytes <= 2_000_000


# -- C. links only for http(s) IRIs; browser-safety headers ------------------------------

class Markup(HTMLParser):
    """The href/src values, inline scripts and styles, and event handlers of a page. A
    script loaded from a file (``src``, the query page's editor) is not inline, nor is a
    data block (JSON-LD: browsers never run it)."""

    def __init__(self, text: str):
        super().__init__()
        self.links: list[str] = []
        self.inline: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.links += [v or "" for k, v in attrs if k in ("href", "src", "action", "formaction")]
        named = dict(attrs)
        if tag == "style" or (tag == "script" and not named.get("src")
                              and named.get("type") != "application/ld+json"):
            self.inline.append(tag)
        self.inline += [k for k, _v in attrs if k == "style" or k.startswith("on")]


def unsafe_links(text: str) -> list[str]:
    return [u for u in Markup(text).links
            if not re.match(r"(?i)(https?://|/(?![/\\])|#|\?)", u.strip()) or u != u.strip()]


HOSTILE = [
    "SELECT ?a ?b ?c ?d ?e WHERE { BIND(<javascript:alert(1)> AS ?a) "
    "BIND(<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==> AS ?b) "
    "BIND(<JavaScript:alert(document.domain)> AS ?c) BIND(<vbscript:msgbox> AS ?d) "
    f"BIND(<{BASE}/evil.example/x> AS ?e) }}",
    "CONSTRUCT { <javascript:alert(1)> <data:text/html,x> ?o } WHERE { BIND(<javascript:void(0)> AS ?o) }",
]


@pytest.mark.parametrize("query", HOSTILE, ids=["select", "construct"])
def test_javascript_and_data_iris_in_results_are_text_not_links(site, query):
    app, url = site
    for page in (get(url, "/sparql", params={"query": query}),
                 requests.post(url + "/sparql", data={"query": query, "format": "html"}, timeout=30)):
        assert page.status_code == 200 and "<table>" in page.text
        assert unsafe_links(page.text) == []
        assert not [u for u in Markup(page.text).links if "javascript" in u.lower() and "query=" not in u]
        assert "javascript:alert(1)</span>" in page.text          # shown, as text


def test_a_quoted_triple_in_results_is_text(site, backend):
    """RDF-star: a triple term in a CONSTRUCT answer is shown as text (it was a 500)."""
    app, url = site
    query = "CONSTRUCT { << <javascript:alert(1)> <http://b> <data:x,y> >> <http://p> 1 } WHERE {}"
    page = get(url, "/sparql", params={"query": query})
    if backend == "rdflib":                   # rdflib's SPARQL has no RDF-star
        assert page.status_code == 400
        return
    assert page.status_code == 200 and "&lt;&lt; &lt;javascript:alert(1)&gt;" in page.text
    assert unsafe_links(page.text) == []


def test_http_iris_in_results_stay_links(site):
    app, url = site
    query = f"SELECT ?a ?b WHERE {{ BIND(<https://example.org/x> AS ?a) BIND(<{BASE}person/sam-serey> AS ?b) }}"
    text = get(url, "/sparql", params={"query": query}).text
    assert 'href="https://example.org/x"' in text and 'href="/person/sam-serey"' in text


HOSTILE_ONTOLOGY = f"""@prefix owl: <http://www.w3.org/2002/07/owl#> .
<{BASE}ontology> a owl:Ontology .
"""
HOSTILE_DATA = f"""@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<{BASE}graph/a> prov:wasDerivedFrom <{BASE}source/a> .
<{BASE}source/a> a schema:NewsArticle ; schema:headline "A" .
<{BASE}person/mallory> a schema:Person ; schema:name "Mallory" ;
    schema:url <javascript:alert(1)> ; schema:sameAs <data:text/html,hi> ;
    schema:knows <{BASE}/evil.example/x> , <{BASE}person/eve> .
<{BASE}/evil.example/x> schema:knows <{BASE}person/mallory> .
"""


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    for name, text in (("ontology", HOSTILE_ONTOLOGY), ("data", HOSTILE_DATA), ("shapes", "")):
        (root / name).mkdir()
        if text:
            (root / name / "a.ttl").write_text(text)
    app = create_app({"TESTING": True, "BASE_IRI": BASE, "ONTOLOGY_DIR": str(root / "ontology"),
                      "DATA_DIR": str(root / "data"), "SHAPES_DIR": str(root / "shapes"),
                      "QUERIES_DIR": str(root / "queries"), "VALIDATE_ON_START": False})
    with serving(app) as url:
        yield url


def test_resource_pages_link_only_local_pages(hostile_site):
    text = get(hostile_site, "/person/mallory").text
    assert "Mallory" in text and "javascript:alert(1)" in text         # shown, as text
    assert unsafe_links(text) == []
    assert 'href="/person/eve"' in text
    assert not [u for u in Markup(text).links if u.startswith("//")]


#: The query page's editor is built (make editor): that page alone may run this origin's scripts.
EDITOR_BUILT = (Path(__file__).resolve().parent.parent / "server" / "static" / "editor" / "editor.js").is_file()
REQUIRED_CSP = {"default-src": "'self'", "frame-ancestors": "'none'", "base-uri": "'none'",
                "form-action": "'self'", "script-src": "'none'"}


@pytest.mark.parametrize("path, accept, method", [
    ("/", BROWSER, "GET"), ("/person/sam-serey", BROWSER, "GET"), ("/sparql", BROWSER, "GET"),
    ("/sparql?query=" + requests.utils.quote(SELECT), BROWSER, "GET"),
    ("/sparql?query=SELECT", BROWSER, "GET"),                     # an error on the query page
    ("/person/nobody", BROWSER, "GET"), ("/person/nobody", "application/json", "GET"),
    ("/person/sam-serey", "text/turtle", "GET"), ("/person/sam-serey", "text/turtle", "HEAD"),
    ("/sparql?query=" + requests.utils.quote(SELECT), "application/sparql-results+json", "GET"),
    ("/static/site.css", "*/*", "GET"), ("/dumps/dataset.nq", "*/*", "GET"),
    ("/sparql", "*/*", "OPTIONS"),
])
def test_every_answer_carries_the_browser_safety_headers(site, path, accept, method):
    app, url = site
    resp = requests.request(method, url + path, headers={"Accept": accept}, timeout=30)
    csp = {d.split()[0]: " ".join(d.split()[1:]) for d in
           resp.headers["Content-Security-Policy"].split(";") if d.strip()}
    required = dict(REQUIRED_CSP)
    if path.startswith("/sparql") and accept == BROWSER and method == "GET" and EDITOR_BUILT:
        required["script-src"] = "'self'"            # the query page loads its editor, from here
    assert {k: csp.get(k) for k in required} == required
    assert "'unsafe-inline'" not in resp.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] in ("no-referrer", "strict-origin-when-cross-origin")


@pytest.mark.parametrize("path", [
    "/", "/person/sam-serey", "/sparql", "/sparql?query=" + requests.utils.quote(SELECT),
    "/queries", "/ontology", "/void", "/person/nobody", "/sparql?query=SELECT",
])
def test_pages_need_no_inline_script_or_style(site, path):
    app, url = site
    resp = get(url, path)
    assert resp.headers["Content-Type"].startswith("text/html")
    assert Markup(resp.text).inline == []


# -- D. HTML result pages are bounded ----------------------------------------------------

@pytest.mark.parametrize("query, unit, downloads", [
    ("SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 40", "rows", ("json", "csv")),
    ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 40", "triples", ("ntriples", "turtle")),
])
def test_html_results_show_at_most_html_max_rows_and_link_the_whole_answer(site, query, unit, downloads):
    app, url = site
    page = get(url, "/sparql", params={"query": query})
    assert page.status_code == 200
    body = page.text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == HTML_ROWS
    note = page.text.split('id="cut"', 1)[1].split("</p>", 1)[0]
    assert f"first {HTML_ROWS} {unit} of 40" in note
    links = dict(re.findall(r'<a href="([^"]+)"[^>]*>([A-Z]+)</a>', note))
    assert sorted(name.lower() for name in links.values()) == sorted(downloads)
    full = requests.get(url + next(h for h, n in links.items() if n.lower() == downloads[0])
                        .replace("&amp;", "&"), timeout=30)
    assert full.status_code == 200
    count = (len(full.json()["results"]["bindings"]) if downloads[0] == "json"
             else len(full.text.strip().splitlines()))
    assert count == 40


def test_small_answers_are_shown_whole(site):
    app, url = site
    page = get(url, "/sparql", params={"query": "SELECT ?x WHERE { VALUES ?x { 1 2 3 } }"})
    assert 'id="cut"' not in page.text and "3 rows." in page.text
