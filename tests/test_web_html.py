"""The HTML pages: escaping, no external assets or links, labels, grouping, sources
with quotes, timelines with date precision and basis, documents with per-term anchors.

The escaping and timeline tests run the engine on a tiny dataset of their own (under
another base IRI) written to a tmp folder: the engine knows nothing of the Cambodia data.
"""
from __future__ import annotations

import re
import threading
from html.parser import HTMLParser

import pytest
import requests
from werkzeug.serving import make_server

from server import create_app

BASE = "http://example.org/kg/"
ONTOLOGY = f"""@prefix cpo: <{BASE}ontology#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<{BASE}ontology> a owl:Ontology ; rdfs:label "Test ontology"@en .
cpo:Event a owl:Class ; rdfs:label "event"@en .
cpo:Pardon a owl:Class ; rdfs:subClassOf cpo:Event ; rdfs:label "pardon"@en .
cpo:concerns a owl:ObjectProperty ; rdfs:label "concerns"@en .
cpo:date a owl:ObjectProperty ; rdfs:label "date"@en .
cpo:Inferred rdfs:label "inferred"@en .
cpo:DayPrecision rdfs:label "day"@en .
cpo:YearPrecision rdfs:label "year"@en .
"""
DATA = f"""@prefix cpo: <{BASE}ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix schema: <https://schema.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<{BASE}graph/article> a cpo:SourceGraph ; prov:wasDerivedFrom <{BASE}source/article> ;
    rdfs:label "Facts stated by the test article"@en .
<{BASE}source/article> a schema:NewsArticle ; schema:headline "Test <b>article</b>"@en .
<{BASE}person/mallory> a schema:Person ;
    schema:name "<script>alert('x')</script> Mallory"@en ;
    schema:sameAs <https://evil.example.com/tracker.js> ;
    cpo:evidence "Mallory was \\"pardoned\\" <img src=x onerror=alert(1)>"@en .
<{BASE}event/late> a cpo:Pardon ; rdfs:label "Second pardon"@en ;
    cpo:concerns <{BASE}person/mallory> ; cpo:date <{BASE}event/late#date> .
<{BASE}event/late#date> cpo:dateValue "2024-04-06"^^xsd:date ; cpo:earliest "2024-04-06"^^xsd:date ;
    cpo:latest "2024-04-06"^^xsd:date ; cpo:precision cpo:DayPrecision ;
    cpo:dateBasis cpo:Inferred ; cpo:dateNote "year inferred from the election"@en .
<{BASE}event/early> a cpo:Pardon ; rdfs:label "First pardon"@en ;
    cpo:concerns <{BASE}person/mallory> ; cpo:date <{BASE}event/early#date> .
<{BASE}event/early#date> cpo:dateValue "2011"^^xsd:gYear ; cpo:earliest "2011-01-01"^^xsd:date ;
    cpo:precision cpo:YearPrecision .
"""


@pytest.fixture(scope="module")
def tiny_server(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny")
    for name, text in (("ontology", ONTOLOGY), ("data", DATA), ("shapes", "")):
        (root / name).mkdir()
        if text:
            (root / name / ("main.ttl" if name != "data" else "article.ttl")).write_text(text)
    app = create_app({"TESTING": True, "BASE_IRI": BASE, "ONTOLOGY_DIR": str(root / "ontology"),
                      "DATA_DIR": str(root / "data"), "SHAPES_DIR": str(root / "shapes"),
                      "QUERIES_DIR": str(root / "queries"), "VALIDATE_ON_START": False,
                      "INCOMING_LINKS_LIMIT": 1})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


class Links(HTMLParser):
    """Every src/href attribute value of a page."""
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]


def page(url: str) -> str:
    r = requests.get(url, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    return r.text


def test_markup_in_literals_shows_as_text(tiny_server):
    html = page(tiny_server + "/person/mallory")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; Mallory" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "Test &lt;b&gt;article&lt;/b&gt;" in html


def test_external_iris_are_text_not_links(tiny_server):
    parser = Links()
    parser.feed(page(tiny_server + "/person/mallory"))
    assert not [u for u in parser.urls if re.match(r"(?i)\s*(https?:)?//", u)]
    assert "evil.example.com" in page(tiny_server + "/person/mallory")   # shown, not linked


def test_timeline_is_in_date_order_with_precision_and_basis(tiny_server):
    html = page(tiny_server + "/person/mallory")
    timeline = html[html.index('id="timeline"'):]
    assert timeline.index("First pardon") < timeline.index("Second pardon")
    assert "2024-04-06" in timeline and "day precision" in timeline and "inferred" in timeline
    assert "year inferred from the election" in timeline
    assert "2011" in timeline and "year precision" in timeline


def test_sources_carry_their_quotes_and_article(tiny_server):
    html = page(tiny_server + "/person/mallory")
    sources = html[html.index('id="sources"'):]
    assert 'href="/source/article"' in sources and 'href="/graph/article"' in sources
    assert "Mallory was &#34;pardoned&#34;" in sources or "Mallory was &quot;pardoned&quot;" in sources


def test_the_article_page_lists_the_facts_it_supports(tiny_server):
    html = page(tiny_server + "/source/article")
    facts = html[html.index('id="facts"'):]
    for fact in ("First pardon", "Second pardon", "year inferred from the election"):
        assert fact in facts


def test_incoming_links_are_paged_with_next_links(tiny_server):
    from rdflib import Graph, URIRef
    seen = set()
    for number, has_next in ((1, True), (2, False)):
        r = requests.get(f"{tiny_server}/person/mallory?incoming_page={number}",
                         headers={"Accept": "text/turtle"}, timeout=30)
        assert ('rel="next"' in r.headers["Link"]) is has_next
        assert r.headers["Content-Location"].endswith(f".ttl?incoming_page={number}") or number == 1
        g = Graph().parse(data=r.content, format="turtle")
        seen |= set(g.subjects(URIRef(BASE + "ontology#concerns"), URIRef(BASE + "person/mallory")))
    assert seen == {URIRef(BASE + "event/early"), URIRef(BASE + "event/late")}
    html = page(tiny_server + "/person/mallory")
    assert 'rel="next" href="/person/mallory?incoming_page=2"' in html and "Referenced by (2)" in html


PAGES = ["/", "/person/sam-serey", "/organization/knlf", "/source/camboja-sam-serey-pardoned",
         "/event/royal-pardon-sam-serey", "/ontology", "/shapes", "/void"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_reference_no_external_host(live_server, path):
    parser = Links()
    parser.feed(page(live_server + path))
    external = [u for u in parser.urls if re.match(r"(?i)\s*(https?:)?//", u)]
    assert external == [], external
    assert parser.urls, "a page should have local links"


def test_alternates_are_announced_in_the_page(live_server):
    html = page(live_server + "/person/sam-serey")
    for media_type in ("text/turtle", "application/ld+json", "application/n-triples", "application/rdf+xml"):
        assert f'<link rel="alternate" type="{media_type}" href="/person/sam-serey.' in html


def test_person_page_groups_properties_and_links_events(live_server):
    html = page(live_server + "/person/sam-serey")
    assert "<h1>Sam Serey</h1>" in html
    assert "<h3>Identity and names</h3>" in html
    timeline = html[html.index('id="timeline"'):]
    assert 'href="/event/royal-pardon-sam-serey"' in timeline
    assert "year inferred" in timeline


def test_an_ambiguity_is_shown_on_the_pages_of_what_it_concerns(live_server):
    """The event whose subject the text leaves open shows its ambiguity, both readings and
    their claims; the people it may concern point to it before their facts."""
    html = page(live_server + "/event/18-month-incitement-sentence")
    box = html[html.index('id="readings"'):html.index("</section>", html.index('id="readings"'))]
    assert 'href="#ambiguity"' in box and "Whose 18-month sentence" in box
    for anchor in ("ambiguity", "reading-thuy-vy", "reading-sam-serey", "claim-thuy-vy-sentenced",
                   "claim-sam-serey-sentenced"):
        assert f'id="{anchor}"' in html
    assert "<h3>Readings, claims and identifications</h3>" in html
    for person in ("thuy-vy", "sam-serey"):
        html = page(live_server + f"/person/{person}")
        box = html[html.index('id="readings"'):]
        assert 'href="/event/18-month-incitement-sentence#ambiguity"' in box


def test_a_cross_article_identification_is_shown_on_the_persons_page(live_server):
    html = page(live_server + "/person/norodom-sihamoni")
    box = html[html.index('id="readings"'):html.index("</section>", html.index('id="readings"'))]
    assert 'href="#identification-camboja-sam-serey-pardoned"' in box


@pytest.mark.parametrize("path, anchor", [("/ontology", "Pardon"), ("/ontology", "concerns")])
def test_documents_have_one_anchor_per_term(live_server, path, anchor):
    assert f'id="{anchor}"' in page(live_server + path)


def test_home_page_counts_and_sources(live_server):
    html = page(live_server + "/")
    assert "Exiled KNLF Leader Sam Serey Pardoned" in html
    assert 'href="/sparql"' in html and 'href="/dumps/dataset.trig"' in html
    assert re.search(r"<th><a [^>]*>person</a></th><td>\d+</td>", html) or "Person" in html


def test_home_page_counts_the_data_not_the_ontology_or_shapes(live_server):
    """The class table is about the facts: no owl:Class or sh:NodeShape rows (they are
    instances in the ontology and shapes graphs, which VoID still counts)."""
    html = page(live_server + "/")
    table = html.split("What the dataset holds", 1)[1].split("</table>", 1)[0]
    assert table.count("<tr>") > 5
    for schema_class in ("NodeShape", "PropertyShape", "ObjectProperty", "SPARQLConstraint"):
        assert schema_class not in table
    assert "schema.org/Person" in table or ">person<" in table.lower() or "Person" in table


# -- the site file (ontology/site.toml): dataset text out of the code ------------------

MINI = __import__("pathlib").Path(__file__).parent / "fixtures" / "mini"
MINI_BASE = "http://example.org/kg/"


def mini_client(**overrides):
    return create_app({"TESTING": True, "BASE_IRI": MINI_BASE, "ONTOLOGY_DIR": str(MINI / "ontology"),
                       "DATA_DIR": str(MINI / "data"), "SHAPES_DIR": str(MINI / "shapes"),
                       "QUERIES_DIR": str(MINI / "queries"), "VALIDATE_ON_START": False,
                       "STORE_BACKEND": "oxigraph", **overrides}).test_client()


def headings(html: str) -> list[str]:
    return re.findall(r"<h3>([^<]*)</h3>", html)   # the group headings (_macros.sections_table)


def test_shipped_pages_show_the_title_and_groups_of_ontology_site_toml(client):
    home = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    title = "Political prosecutions, pardons and releases in Cambodia"
    assert f"<title>{title}</title>" in home and f"<h1>{title}</h1>" in home
    event = client.get("/event/2017-kem-sokha-arrest", headers={"Accept": "text/html"})
    assert headings(event.get_data(as_text=True))[:5] == [
        "Identity and names", "Dates", "Participants", "Legal details", "Provenance"]


def test_a_dataset_without_a_site_file_gets_the_generic_title():
    home = mini_client().get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<h1>Knowledge graph</h1>" in home and "Cambodia" not in home


def test_another_dataset_gets_its_own_title_and_groups(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('title = "Mini test graph"\n[[groups]]\ntitle = "Who"\nproperties = ["name"]\n')
    client = mini_client(SITE_FILE=str(site))
    home = client.get("/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "<h1>Mini test graph</h1>" in home and "Cambodia" not in home
    alice = client.get("/person/alice", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert headings(alice)[:1] == ["Who"] and "Dates" not in headings(alice)
    void = client.get("/void", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert "Mini test graph" in void


@pytest.mark.parametrize("text, complaint", [
    ('title = "unclosed', "not valid TOML"),
    ("title = 3", "title must be a non-empty string"),
    ('[[groups]]\ntitle = "x"', "[[groups]] entry needs"),
])
def test_a_bad_site_file_stops_the_start_naming_the_file(tmp_path, text, complaint):
    from server.errors import DataLoadError
    site = tmp_path / "site.toml"
    site.write_text(text)
    with pytest.raises(DataLoadError, match=re.escape(complaint)) as caught:
        mini_client(SITE_FILE=str(site))
    assert str(site) in str(caught.value)


def test_a_configured_site_file_that_does_not_exist_stops_the_start(tmp_path):
    from server.errors import DataLoadError
    with pytest.raises(DataLoadError, match="SITE_FILE"):
        mini_client(SITE_FILE=str(tmp_path / "nope.toml"))


def test_an_edited_site_file_changes_the_etag_of_the_same_data(tmp_path):
    etags = set()
    for title in ("First title", "Second title"):
        site = tmp_path / f"{title}.toml"
        site.write_text(f'title = "{title}"\n')
        r = mini_client(SITE_FILE=str(site)).get("/", headers={"Accept": "text/html"})
        assert title in r.get_data(as_text=True)
        etags.add(r.headers["ETag"])
    assert len(etags) == 2
