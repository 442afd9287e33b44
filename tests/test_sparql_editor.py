"""The query page's editor over HTTP (issue 12; server/sparql/editor.py): the page links
the pinned, built bundle with its digest, the bundle is served from here with its type,
a year of caching and the policy; the page allows this origin's scripts and nothing
else; the vocabulary JSON lists the prefixes and the data's classes and properties
with their labels, bounded; result tables show labels beside prefixed names.

The bundle is built by ``make editor`` (npm). Without npm these tests are skipped; with
npm but no bundle they fail (run ``make editor``)."""
from __future__ import annotations

import hashlib
import re
import shutil
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from server.sparql import editor

BUNDLE = editor.ASSET_DIR / "editor.js"
CPO = "https://w3id.org/cambodia-prosecutions/ontology#"
SCHEMA = "https://schema.org/"

if not BUNDLE.is_file():
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the query editor is not built, the page is the plain form",
                    allow_module_level=True)
    pytest.fail("the query editor is not built: run `make editor`", pytrace=False)


class Scripts(HTMLParser):
    """The <script> elements of a page: their src, and whether any has inline text."""

    def __init__(self):
        super().__init__()
        self.srcs: list[str] = []
        self.inline = False
        self._in = False
        self.style_attrs = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "style" in attrs:
            self.style_attrs += 1
        if tag == "script":
            self.srcs.append(attrs.get("src"))
            self._in = True

    def handle_endtag(self, tag):
        if tag == "script":
            self._in = False

    def handle_data(self, data):
        if self._in and data.strip():
            self.inline = True


def scripts_of(html: str) -> Scripts:
    parser = Scripts()
    parser.feed(html)
    return parser


@pytest.fixture(scope="module")
def page(live_server):
    response = requests.get(live_server + "/sparql", headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    return response


def test_the_page_links_the_bundle_by_its_digest_and_allows_only_this_origins_scripts(page):
    scripts = scripts_of(page.text)
    digest = hashlib.sha256(BUNDLE.read_bytes()).hexdigest()[:16]
    assert scripts.srcs == [f"/sparql/editor/editor.js?v={digest}"]
    assert not scripts.inline and scripts.style_attrs == 0
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy
    assert "default-src 'self'" in policy and "object-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy


@pytest.mark.parametrize("path", ["/", "/person/sam-serey", "/queries", "/sparql/vocabulary.json"])
def test_other_answers_still_allow_no_script(live_server, path):
    response = requests.get(live_server + path, timeout=30)
    assert response.status_code == 200
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]


def test_an_example_query_page_has_no_script(live_server):
    listing = requests.get(live_server + "/queries", headers={"Accept": "application/json"}, timeout=30).json()
    name = listing["queries"][0]["name"]
    response = requests.get(f"{live_server}/queries/{name}", headers={"Accept": "text/html"}, timeout=30)
    assert response.ok and scripts_of(response.text).srcs == []
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]


def test_the_bundle_is_served_with_its_type_and_cached_for_a_year(live_server, page):
    src = scripts_of(page.text).srcs[0]
    response = requests.get(live_server + src, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "script-src 'none'" in response.headers["Content-Security-Policy"]
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age=31536000" in cache and "immutable" in cache
    assert response.content == BUNDLE.read_bytes()
    assert "eval(" not in response.text and "new Function(" not in response.text
    again = requests.get(live_server + src, headers={"If-None-Match": response.headers["ETag"]}, timeout=30)
    assert again.status_code == 304


def test_the_bundle_without_its_digest_is_cached_briefly_and_other_names_are_404(live_server):
    stale = requests.get(live_server + "/sparql/editor/editor.js?v=0000", timeout=30)
    assert stale.status_code == 200 and "immutable" not in stale.headers["Cache-Control"]
    assert "max-age=300" in stale.headers["Cache-Control"]
    for name in ("package.json", "..%2f..%2fconfig.py", "editor.css"):
        assert requests.get(f"{live_server}/sparql/editor/{name}", timeout=30).status_code == 404


def test_the_pinned_versions_are_the_installed_ones():
    """package.json pins exact versions and the lock file holds the same ones."""
    import json
    root = editor.ASSET_DIR.parent.parent.parent / "editor"
    manifest = json.loads((root / "package.json").read_text())
    lock = json.loads((root / "package-lock.json").read_text())
    for name, version in manifest["devDependencies"].items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} is not pinned: {version}"
        assert lock["packages"][f"node_modules/{name}"]["version"] == version


# -- the vocabulary -------------------------------------------------------------------

@pytest.fixture(scope="module")
def vocabulary(live_server):
    response = requests.get(live_server + "/sparql/vocabulary.json", timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert "max-age" in response.headers["Cache-Control"] and response.headers["ETag"]
    return response.json()


def test_the_vocabulary_lists_the_predeclared_prefixes(vocabulary, live_server):
    prefixes = vocabulary["prefixes"]
    assert prefixes["schema"] == SCHEMA and prefixes["cpo"] == CPO
    page = requests.get(live_server + "/sparql", headers={"Accept": "text/html"}, timeout=30).text
    for name in prefixes:
        assert f"<code>{name}:</code>" in page            # the same list the page prints


def test_the_vocabulary_lists_the_datas_classes_and_properties_with_labels(vocabulary, backend):
    classes = {c["iri"]: c for c in vocabulary["classes"]}
    properties = {p["iri"]: p for p in vocabulary["properties"]}
    assert classes[SCHEMA + "Person"]["name"] == "schema:Person"
    assert classes[CPO + "Pardon"]["name"] == "cpo:Pardon"
    assert classes[CPO + "Pardon"]["label"].lower() == "pardon"
    assert properties[SCHEMA + "name"]["name"] == "schema:name"
    assert "http://www.w3.org/1999/02/22-rdf-syntax-ns#type" in properties
    assert all(set(t) <= {"iri", "name", "label"} for t in [*classes.values(), *properties.values()])
    assert vocabulary["limit"] == editor.VOCABULARY_LIMIT and vocabulary["truncated"] is False
    assert len(classes) <= editor.VOCABULARY_LIMIT and len(properties) <= editor.VOCABULARY_LIMIT


def test_the_vocabulary_is_exactly_what_the_data_uses(vocabulary, live_server):
    """Compared with the endpoint's own answer to the same questions."""
    def iris(query):
        answer = requests.get(live_server + "/sparql", params={"query": query},
                              headers={"Accept": "application/sparql-results+json"}, timeout=30).json()
        return {b["t"]["value"] for b in answer["results"]["bindings"]}
    assert {c["iri"] for c in vocabulary["classes"]} == iris("SELECT DISTINCT ?t { ?s a ?t FILTER isIRI(?t) }")
    assert {p["iri"] for p in vocabulary["properties"]} == iris("SELECT DISTINCT ?t { ?s ?t ?o }")


def test_the_vocabulary_is_bounded(app, monkeypatch):
    monkeypatch.setattr(editor, "VOCABULARY_LIMIT", 3)
    monkeypatch.setattr(editor, "CLASSES_QUERY", "SELECT DISTINCT ?t WHERE { ?s a ?t } LIMIT 4")
    monkeypatch.setattr(editor, "PROPERTIES_QUERY", "SELECT DISTINCT ?t WHERE { ?s ?t ?o } LIMIT 4")
    from server.store import get_store
    with app.test_request_context("/sparql/vocabulary.json"):
        memo = app.extensions.get("sparql-editor", {})
        saved = memo.pop("vocabulary", None)
        try:
            value = editor.vocabulary(get_store(), {"schema": SCHEMA})
        finally:
            memo.pop("vocabulary", None)
            if saved is not None:
                memo["vocabulary"] = saved
    assert len(value["classes"]) == 3 and len(value["properties"]) == 3 and value["truncated"] is True


# -- the result table -----------------------------------------------------------------

def test_result_tables_show_labels_beside_prefixed_names_and_the_query_time(live_server):
    query = "SELECT ?p WHERE { VALUES ?p { <person/sam-serey> } }"
    response = requests.get(live_server + "/sparql", params={"query": query},
                            headers={"Accept": "text/html"}, timeout=30)
    assert response.status_code == 200
    assert re.search(r'<a href="/person/sam-serey" title="[^"]+">Sam Serey</a>\s*<span class="curie">', response.text)
    assert re.search(r'id="query-time">Query time: [\d.]+ ms', response.text)
    timing = response.headers["Server-Timing"]
    assert re.match(r"query;dur=[\d.]+", timing)
    share = re.search(r'id="share-link"|href="([^"]+)" id="share-link"', response.text)
    assert share


def test_the_form_names_the_public_endpoint_for_curl(live_server):
    page = requests.get(live_server + "/sparql", headers={"Accept": "text/html",
                                                          "Host": "attacker.example"}, timeout=30).text
    endpoint = re.search(r'data-endpoint="([^"]+)"', page).group(1)
    assert "attacker.example" not in endpoint
    assert endpoint.endswith("/sparql")
    local = requests.get(live_server + "/sparql", headers={"Accept": "text/html"}, timeout=30).text
    assert re.search(r'data-endpoint="([^"]+)"', local).group(1) == live_server + "/sparql"
    assert parse_qs(urlsplit("/sparql?query=x").query) == {"query": ["x"]}
