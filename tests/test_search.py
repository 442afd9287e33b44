"""/search over real HTTP (every store backend), the index on a dataset in another
vocabulary, hostile queries, and the pure text functions of server.search.text."""
from __future__ import annotations

import re
import threading
from html.parser import HTMLParser

import pytest
import requests
from werkzeug.serving import make_server

from server import create_app
from server.search import Holder, text

BASE = "https://w3id.org/cambodia-prosecutions/"
JSON = {"Accept": "application/json"}
HTML = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def search(live_server, q, **params):
    resp = requests.get(live_server + "/search", params={"q": q, **params}, headers=JSON, timeout=30)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    return resp.json()


# -- the acceptance searches, and what ranks first --------------------------------------------

@pytest.mark.parametrize("q, first, match", [
    ("Somcheat", "person/hong-samcheat", "name"),               # the article's other spelling
    ("kem soka", "person/kem-sokha", "exact name"),             # a variant spelling, whole
    ("liberation front", "organization/knlf", "name"),          # words of a longer name
    ("KEM SOKHA", "person/kem-sokha", "exact name"),            # case
    ("Sámchéat", "person/hong-samcheat", "name"),                # diacritics
    ("hong samchet", "person/hong-samcheat", "name (spelling variant)"),  # a misspelling
    ("sam ser", "person/sam-serey", "name (word starts)"),      # prefixes
    ("KNLF", "organization/knlf", "exact name"),                # an acronym (alternate name)
])
def test_names_in_any_spelling_rank_first(live_server, q, first, match):
    body = search(live_server, q)
    assert body["hits"][0]["id"] == BASE + first
    assert body["hits"][0]["match"] == match


def test_an_exact_name_comes_before_longer_names(live_server):
    hits = search(live_server, "Sam Serey")["hits"]
    assert hits[0]["id"] == BASE + "person/sam-serey" and hits[0]["match"] == "exact name"
    assert all(h["match"] != "exact name" for h in hits[1:])


def test_descriptions_and_evidence_quotes_are_searched(live_server):
    hits = search(live_server, "topple the government")["hits"]      # only in an evidence quote
    assert BASE + "statement/hong-samcheat-denies-violence" in [h["id"] for h in hits]
    quoted = next(h for h in hits if h["id"].endswith("hong-samcheat-denies-violence"))
    assert "topple the government" in quoted["snippet"]


def test_every_hit_has_its_type_label_and_sources(live_server):
    body = search(live_server, "pardon", limit=50)
    assert body["total"] >= len(body["hits"]) > 5
    for hit in body["hits"]:
        assert hit["label"] and hit["url"].startswith("http://127.0.0.1:")
        assert hit["types"] and all(t["id"].startswith("http") and t["label"] for t in hit["types"])
        assert hit["sources"] and all(s["title"] and s["id"].startswith(BASE + "graph/") for s in hit["sources"])
    knlf = search(live_server, "KNLF")["hits"][0]
    assert {s["title"] for s in knlf["sources"]} >= {"Exiled KNLF Leader Sam Serey Pardoned, Dissolves Govt-Labeled Terrorist Organization"}


# -- facets ------------------------------------------------------------------------------------

def test_facets_by_type_event_kind_year_and_source(live_server):
    facets = search(live_server, "sam rainsy")["facets"]
    assert set(facets) == {"type", "kind", "year", "source"}
    types = {f["label"]: f["count"] for f in facets["type"]}
    assert types["Person"] >= 1 and types["Event"] >= 1
    assert all(f["value"].isdigit() and len(f["value"]) == 4 for f in facets["year"])
    assert all(f["label"] and f["count"] > 0 for kind in facets for f in facets[kind])


@pytest.mark.parametrize("facet, value, check", [
    ("type", "schema:Person", lambda h: any(t["label"] == "Person" for t in h["types"])),
    ("type", "https://schema.org/Person", lambda h: any(t["label"] == "Person" for t in h["types"])),
    ("kind", "cpo:Arrest", lambda h: any(t["label"] == "Arrest" for t in h["types"])),
    ("year", "2017", lambda h: "2017" in h["years"]),
    ("source", "graph:knlf-to-register-as-party",
     lambda h: BASE + "graph/knlf-to-register-as-party" in [s["id"] for s in h["sources"]]),
])
def test_a_facet_filters_the_hits(live_server, facet, value, check):
    body = search(live_server, "sam", **{facet: value})
    assert body["hits"], (facet, value)
    assert all(check(h) for h in body["hits"])
    assert any(f["selected"] for f in body["facets"][facet])


def test_facets_alone_browse_without_words(live_server):
    body = search(live_server, "", type="schema:Organization", limit=100)
    assert body["total"] == len(body["hits"]) >= 10
    assert BASE + "organization/knlf" in [h["id"] for h in body["hits"]]


def test_pages_follow_each_other(live_server):
    first = search(live_server, "sam", limit=3)
    assert len(first["hits"]) == 3 and first["next"]
    second = requests.get(first["next"], headers=JSON, timeout=30).json()
    assert second["offset"] == 3
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}


# -- formats -------------------------------------------------------------------------------------

@pytest.mark.parametrize("params, headers, media", [
    ({"format": "json"}, {}, "application/json"),
    ({}, {"Accept": "application/json"}, "application/json"),
    ({}, HTML, "text/html"),
    ({}, {}, "text/html"),
    ({"format": "json"}, HTML, "application/json"),
])
def test_html_or_json(live_server, params, headers, media):
    resp = requests.get(live_server + "/search", params={"q": "kem", **params}, headers=headers, timeout=30)
    assert resp.status_code == 200 and resp.headers["Content-Type"].startswith(media)
    assert "Accept" in resp.headers["Vary"] and resp.headers["Access-Control-Allow-Origin"] == "*"


def test_nothing_acceptable_is_406(live_server):
    resp = requests.get(live_server + "/search", params={"q": "kem"}, headers={"Accept": "image/png"}, timeout=30)
    assert resp.status_code == 406


class Page(HTMLParser):
    """The links, forms and text of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.links, self.forms, self.inputs, self.text = [], [], [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a":
            self.links.append(attrs.get("href"))
        elif tag == "form":
            self.forms.append(attrs)
        elif tag == "input":
            self.inputs.append(attrs)

    def handle_data(self, data):
        self.text.append(data)


def test_the_results_page_links_every_hit_with_its_type_and_sources(live_server):
    resp = requests.get(live_server + "/search", params={"q": "kem soka"}, headers=HTML, timeout=30)
    page = Page(resp.text)
    assert "/person/kem-sokha" in page.links
    assert "/source/rfa-activist-bailed-after-confession" in page.links     # a source, by its title
    words = " ".join(page.text)
    assert "Kem Sokha" in words and "Person" in words
    assert "14 Cambodian Opposition Activists Freed From Prison" in words
    assert any(i.get("name") == "q" and i.get("value") == "kem soka" for i in page.inputs)


@pytest.mark.parametrize("path, status", [("/", 200), ("/person/sam-serey", 200), ("/sparql", 200),
                                          ("/search?q=x", 200), ("/person/nobody", 404)])
def test_every_page_has_a_plain_search_form(live_server, path, status):
    resp = requests.get(live_server + path, headers=HTML, timeout=30)
    assert resp.status_code == status
    page = Page(resp.text)
    forms = [f for f in page.forms if f.get("action") == "/search"]
    assert forms and all(f.get("method") == "get" for f in forms)
    # no script needed: no inline script (a JSON-LD data block is data; a script file,
    # such as the query editor's, only enhances the plain form)
    assert not re.search(r'<script(?![^>]*(type="application/ld\+json"|src=))', resp.text)


def test_the_404_page_offers_a_search_for_the_missing_name(live_server):
    resp = requests.get(live_server + "/person/kem-soka", headers=HTML, timeout=30)
    assert resp.status_code == 404
    page = Page(resp.text)
    assert any(i.get("name") == "q" and i.get("value") == "kem soka" for i in page.inputs)
    assert "/search?q=kem+soka" in page.links
    followed = requests.get(live_server + "/search?q=kem+soka", headers=JSON, timeout=30).json()
    assert followed["hits"][0]["id"] == BASE + "person/kem-sokha"


# -- hostile input never breaks it --------------------------------------------------------------

HOSTILE = ['"', '""', "'", '"kem', "kem\"", "NEAR(kem sokha)", "NEAR(kem, 2)", "*", "**", "kem*", "^kem",
           "name: kem", "{name}: kem", "- kem", "kem -sokha", "(kem", "kem)", "AND", "OR OR", "NOT kem",
           "kem AND", "a\x00b", "\x00", "\u0000\u0001\u001f", "\ud7ff\ue000\uffff", "x" * 10_000,
           "kem " * 3000, "%", "\\", "'; DROP TABLE docs; --", "<script>alert(1)</script>",
           "\u0301\u0301", "ស ម រង្ស៊ី", "🙂 kem", "\u202e kem", " ", ""]


@pytest.mark.parametrize("q", HOSTILE)
def test_hostile_queries_are_answered(live_server, q):
    for fmt in ("json", "html"):
        resp = requests.get(live_server + "/search", params={"q": q, "format": fmt}, timeout=30)
        assert resp.status_code == 200, (q[:40], resp.text[:300])
    body = search(live_server, q)
    assert len(body["query"]) <= 200 and len(body["tokens"]) <= 8
    assert body["shortened"] == (len(q) > 200 or len(text.tokens(q)) > 8)


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"page": "0"},
                                    {"page": "-1"}, {"page": "1e3"}])
def test_bad_numbers_are_400_not_500(live_server, params):
    resp = requests.get(live_server + "/search", params={"q": "kem", **params}, headers=JSON, timeout=30)
    assert resp.status_code == 400 and "must be a whole number" in resp.json()["message"]


def test_odd_facet_values_match_nothing(live_server):
    body = search(live_server, "kem", type="nope:Thing")
    assert body["total"] == 0 and body["hits"] == []
    body = search(live_server, "kem", year="'; --", source="\x00")
    assert body["total"] == 0


# -- the index on another dataset (generic: its own labels, classes, sub-properties) --------

OTHER = "http://example.org/fleet/"
ONTOLOGY = f"""@prefix ex: <{OTHER}ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
ex:Vessel a owl:Class ; rdfs:label "vessel"@en .
ex:Tanker a owl:Class ; rdfs:subClassOf ex:Vessel ; rdfs:label "tanker"@en .
ex:Voyage a owl:Class ; rdfs:subClassOf schema:Event ; rdfs:label "voyage"@en .
ex:callSign rdfs:subPropertyOf skos:altLabel ; rdfs:label "call sign"@en .
"""
DATA = f"""@prefix ex: <{OTHER}ontology#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{OTHER}graph/log> prov:wasDerivedFrom <{OTHER}source/log> .
<{OTHER}vessel/nordlys> a ex:Tanker ; skos:prefLabel "Nordlys"@nb ; ex:callSign "LAXQ" ;
    rdfs:comment "{'long text ' * 2000}" .
<{OTHER}voyage/v1> a ex:Voyage ; skos:prefLabel "Maiden voyage of the Nordlys"@en ;
    ex:when <{OTHER}voyage/v1#date> .
<{OTHER}voyage/v1#date> ex:value "1998-05-01"^^xsd:date .
"""


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    root = tmp_path_factory.mktemp("fleet")
    for name, content in (("ontology", ONTOLOGY), ("data", DATA), ("shapes", "")):
        (root / name).mkdir()
        if content:
            (root / name / f"{name}.ttl").write_text(content)
    app = create_app({"TESTING": True, "BASE_IRI": OTHER, "ONTOLOGY_DIR": str(root / "ontology"),
                      "DATA_DIR": str(root / "data"), "SHAPES_DIR": str(root / "shapes"),
                      "QUERIES_DIR": str(root / "queries"), "VALIDATE_ON_START": False,
                      "SEARCH_MAX_TEXT_CHARS": 500, "SEARCH_TYPE_CLASSES": f"{OTHER}ontology#Vessel",
                      "SEARCH_INDEX_ON_START": False})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_another_vocabulary_is_indexed_by_its_own_labels_and_classes(fleet):
    app, url = fleet
    body = search(url, "laxq")                    # a sub-property of skos:altLabel
    assert body["hits"][0]["id"] == OTHER + "vessel/nordlys"
    assert body["hits"][0]["match"] == "exact name"
    assert body["facets"]["type"][0]["label"] == "Vessel"         # the configured broad class
    assert body["hits"][0]["types"][0]["label"] == "Tanker"
    voyage = search(url, "maiden")
    assert voyage["facets"]["kind"][0]["label"] == "Voyage"       # under schema:Event
    assert voyage["hits"][0]["years"] == ["1998"]                 # from its hash child's date
    assert search(url, "text")["hits"][0]["id"] == OTHER + "vessel/nordlys"


def test_indexed_text_is_capped_per_resource(fleet):
    app, _url = fleet
    index = app.extensions["kg.search"].get()
    rows = index._query("SELECT length(body) + length(evidence) FROM docs")
    assert max(r[0] for r in rows) <= 500 + 10


def test_a_lazy_index_is_built_once_under_concurrent_first_use(fleet):
    app, _url = fleet

    class Counting:
        calls = 0

        def __init__(self, store):
            self.store = store

        def select(self, query):
            Counting.calls += 1
            return self.store.select(query)

    holder = Holder(Counting(app.extensions["kg.store"]), app.config)
    got, barrier = [], threading.Barrier(8)

    def use():
        barrier.wait()
        got.append(holder.get())
    threads = [threading.Thread(target=use) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(i) for i in got}) == 1
    assert Counting.calls == 7                    # the build's queries, once


def test_an_unknown_prefix_in_a_setting_stops_the_start():
    with pytest.raises(ValueError, match="nope:name"):
        Holder(None, {"BASE_IRI": OTHER, "SEARCH_NAME_PROPERTIES": "nope:name"})


# -- text functions (pure) ----------------------------------------------------------------------

@pytest.mark.parametrize("given, tokens", [
    ("Hong Samcheat", ["hong", "samcheat"]),
    ("Sámchéat", ["samcheat"]),
    ("KEM  SOKHA!", ["kem", "sokha"]),
    ("Hun Sen’s", ["hun", "sen", "s"]),
    ('NEAR("a" b)*', ["near", "a", "b"]),
    ("a\x00b", ["a", "b"]),
    ("សម រង្ស៊ី", ["សម", "រង្ស៊ី"]),                   # Khmer signs are part of the word
    ("", []),
])
def test_tokens(given, tokens):
    assert text.tokens(given) == tokens


@pytest.mark.parametrize("toks, expression", [
    (["kem"], '"kem" *'),
    (["kem", "soka"], '"kem" * AND "soka" *'),
    (['a"b'], '"a""b" *'),
])
def test_user_words_are_fts5_strings(toks, expression):
    assert text.match_expression(toks) == expression


def test_variants_are_searched_in_names_only():
    assert text.match_expression(["soka"], {"soka": ["sokha"]}) == '("soka" * OR {name alias} : ("sokha"))'


@pytest.mark.parametrize("a, b, bound, expected", [
    ("samcheat", "somcheat", 2, 1), ("soka", "sokha", 1, 1), ("sokha", "skoha", 1, 1),
    ("kem", "kem", 0, 0), ("sokha", "rainsy", 2, 3), ("abcdefgh", "a", 2, 3),
])
def test_bounded_edit_distance(a, b, bound, expected):
    assert text.distance(a, b, bound) == expected


@pytest.mark.parametrize("query, name, low, high", [
    ("Kem Sokha", "Kem Sokha", 1.0, 1.0), ("kem soka", "Kem Sokha", 0.85, 0.95),
    ("Sokha Kem", "Kem Sokha", 0.95, 0.98), ("Somcheat", "Hong Samcheat", 0.4, 0.5),
    ("Kem Sokha", "Hun Sen", 0.0, 0.1),
])
def test_name_similarity(query, name, low, high):
    assert low <= text.similarity(query, name) <= high
