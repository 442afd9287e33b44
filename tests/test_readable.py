"""Readable pages (issue 12): every page type shows labels, never a raw IRI, compact
name or slug, where a label exists; event pages headline their date; date nodes read as
their dates and durations as words; source, graph and document pages are grouped by
kind in collapsible sections; VoID names its classes; the 404 page points to /search.

Real HTTP against the real app and the shipped data, on every store backend. The
labels a page should use are computed here from the files (the bundled vocabulary
labels, the ontology, the data), not from the server."""
from __future__ import annotations

import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS

from server.config import DEFAULTS
from server.namespaces import all_prefixes
from server.web.iris import compact
from server.web.labels import vocabulary_labels

BASE = DEFAULTS["BASE_IRI"]
SCHEMA = "https://schema.org/"
LABELS = (SKOS.prefLabel, RDFS.label, URIRef(SCHEMA + "name"), URIRef(SCHEMA + "headline"), DCTERMS.title)
ARTICLES = sorted(p.stem for p in Path(DEFAULTS["DATA_DIR"]).glob("*.ttl"))

#: One page of every type (the person, organisation, group, event, membership,
#: statement and place pages; a source article and its graph; the documents; lists).
PAGES = ["/", "/person/sam-serey", "/organization/knlf", "/group/fourteen-former-cnrp-members",
         "/group/at-least-12-detainees", "/event/royal-pardon-sam-serey", "/event/2017-kem-sokha-arrest",
         "/membership/hun-sen-government-of-cambodia-acting-head-of-state", "/statement/hun-sen-hinted-releases", "/place/phnom-penh",
         "/source/camboja-sam-serey-pardoned", "/graph/rfa-hun-sen-mulling-mass-release",
         "/ontology", "/shapes", "/void", "/browse/cpo:ReportedDate", "/browse/schema:Person"]


@lru_cache(maxsize=1)
def shipped() -> Dataset:
    ds = Dataset()
    for folder in ("ONTOLOGY_DIR", "DATA_DIR", "SHAPES_DIR"):
        for path in sorted(Path(DEFAULTS[folder]).glob("*.ttl")):
            ds.parse(path, format="turtle")
    return ds


@lru_cache(maxsize=1)
def labelled() -> dict[str, str]:
    """Raw text that must not show as a whole text chunk -> the term it names: the IRI
    and the compact name of every term that has a label (bundled, ontology or data),
    and the last IRI segment of every labelled resource of the dataset."""
    prefixes = all_prefixes(BASE)
    terms = set(vocabulary_labels())
    terms.update(s for s, p, o, _g in shipped().quads((None, None, None, None))
                 if p in LABELS and isinstance(o, Literal) and isinstance(s, URIRef))
    raw = {}
    for term in terms:
        iri = str(term)
        raw[iri] = iri
        short = compact(iri, prefixes)
        if short != iri:
            raw[short] = iri
        if iri.startswith(BASE) and "-" in iri.rsplit("/", 1)[-1]:
            raw[iri.rsplit("/", 1)[-1]] = iri
    return raw


class Chunks(HTMLParser):
    """The text chunks a reader sees in <body> (not the compact names shown on purpose
    as small secondary text, ``code.curie``, nor the IRI line under a title, ``.iri``,
    nor scripts); and the headings, in document order."""

    SKIP = {"script", "style", "head", "svg"}

    def __init__(self):
        super().__init__()
        self.chunks: list[str] = []
        self.headings: list[str] = []
        self.stack: list[tuple[str, bool]] = []
        self.heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in ("br", "meta", "link", "input", "img", "hr"):
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = tag in self.SKIP or "curie" in classes or "iri" in classes
        self.stack.append((tag, hidden or any(h for _t, h in self.stack)))
        if re.fullmatch(r"h[1-6]", tag):
            self.heading = []

    def handle_endtag(self, tag):
        while self.stack:
            top, _ = self.stack.pop()
            if top == tag:
                break
        if re.fullmatch(r"h[1-6]", tag) and self.heading is not None:
            self.headings.append(" ".join("".join(self.heading).split()))
            self.heading = None

    def handle_data(self, data):
        if self.stack and self.stack[-1][1]:
            return
        if data.strip():
            self.chunks.append(data.strip())
        if self.heading is not None:
            self.heading.append(data)


def parse(html: str) -> Chunks:
    parser = Chunks()
    parser.feed(html)
    return parser


def get(live_server, path: str, status: int = 200) -> str:
    r = requests.get(live_server + path, headers={"Accept": "text/html"}, timeout=60)
    assert r.status_code == status, (path, r.status_code)
    return r.text


def section(html: str, start: str, end: str = "</table>") -> str:
    i = html.index(start)
    return html[i:html.index(end, i)]


# -- labels everywhere --------------------------------------------------------------

@pytest.mark.parametrize("path", PAGES)
def test_no_raw_iri_compact_name_or_slug_where_a_label_exists(live_server, path):
    chunks = parse(get(live_server, path)).chunks
    raw = labelled()
    shown = sorted({c for c in chunks if c in raw})
    assert not shown, f"{path} shows raw names of labelled terms: {shown[:12]}"


@pytest.mark.parametrize("path", PAGES)
def test_no_two_consecutive_headings_read_the_same(live_server, path):
    headings = parse(get(live_server, path)).headings
    repeated = [a for a, b in zip(headings, headings[1:]) if a.lower() == b.lower()]
    assert not repeated, f"{path}: consecutive headings {repeated}"


def test_predicates_show_labels_with_the_compact_name_as_a_title(live_server):
    html = get(live_server, "/event/royal-pardon-sam-serey")
    assert re.search(r'<span class="iri-ext" title="rdf:type">type</span>', html)
    assert re.search(r'title="schema:description">description<', html)
    assert "rdf:type</" not in html and ">schema:description<" not in html


def test_every_external_term_of_the_shipped_files_has_a_bundled_label():
    ours = tuple(all_prefixes(BASE)[p] for p in ("cpo", "person", "organization", "group", "place", "event",
                                                 "statement", "membership", "source", "graph"))
    external = {t for q in shipped().quads((None, None, None, None)) for t in q[:3]
                if isinstance(t, URIRef) and not str(t).startswith(BASE) and not str(t).startswith(ours)
                and str(t).startswith(("http://www.w3.org/", "https://schema.org/", "http://xmlns.com/foaf/",
                                       "http://purl.org/dc/", "http://rdfs.org/ns/void#"))}
    datatypes = {o.datatype for _s, _p, o, _g in shipped().quads((None, None, None, None))
                 if isinstance(o, Literal) and o.datatype is not None}
    missing = sorted(str(t) for t in external | datatypes if t not in vocabulary_labels())
    assert not missing, missing
    assert external and len(vocabulary_labels()) < 400          # small: only what is used


# -- dates, durations -------------------------------------------------------------------

def test_an_event_page_headlines_its_date_with_precision_and_basis(live_server):
    html = get(live_server, "/event/royal-pardon-sam-serey")
    after_title = html[html.index("</h1>"):]
    summary = re.search(r'<p class="summary[^"]*">(.*?)</p>', after_title, re.S).group(1)
    assert after_title.index(summary) < after_title.index("<h2")        # before any section
    text = re.sub(r"<[^>]+>", "", summary).strip()
    # the pardon's year is one of two readings: the date reads as the date under each
    assert text == "6 April 2023 or 6 April 2024 (day, inferred)"


def test_the_dates_row_shows_the_date_not_the_node_name(live_server):
    html = get(live_server, "/event/royal-pardon-sam-serey")
    row = section(html, 'title="cpo:date">date</a></th>', "</tr>")
    assert "6 April 2023 or 6 April 2024 (day, inferred)" in row
    assert ">date<" not in row.split("</th>", 1)[1]


def test_a_month_date_reads_as_month_and_year(live_server):
    html = get(live_server, "/source/rfa-hun-sen-mulling-mass-release")
    text = " ".join(parse(html).chunks)
    assert "August 2018 (month, inferred)" in text


def test_conflicting_dates_of_one_event_each_read_as_dates(live_server):
    text = " ".join(parse(get(live_server, "/event/2017-kem-sokha-arrest")).chunks)
    assert "November 2017 (month, resolved relative)" in text
    assert "September 2017 (month, stated)" in text


def test_durations_read_as_words(live_server, virtuoso_deviation):
    virtuoso_deviation("duration")
    html = get(live_server, "/source/camboja-sam-serey-pardoned")
    text = " ".join(parse(html).chunks)
    assert "1 year 6 months" in text and "9 years" in text
    assert "P1Y6M" not in text and "P9Y" not in text
    assert "xsd:duration" not in text and "duration" not in text.split()
    assert 'title="P1Y6M (xsd:duration)"' in html           # the lexical form stays at hand


def test_counts_read_without_their_datatype(live_server):
    html = get(live_server, "/group/fourteen-former-cnrp-members")
    row = re.sub(r'title="[^"]*"', "", section(html, ">member count<", "</tr>"))   # tooltips aside
    assert re.search(r">14<", row)
    assert "xsd:" not in row and "integer" not in row


# -- source-article and graph pages --------------------------------------------------------

@pytest.mark.parametrize("slug", ARTICLES)
def test_an_article_page_is_headed_by_its_title_and_groups_its_facts_by_kind(live_server, slug):
    html = get(live_server, f"/source/{slug}")
    graph = Graph().parse(Path(DEFAULTS["DATA_DIR"]) / f"{slug}.ttl", format="turtle")
    article = URIRef(f"{BASE}source/{slug}")
    headline = str(graph.value(article, URIRef(SCHEMA + "headline")) or graph.value(article, URIRef(SCHEMA + "name")))
    h1 = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    assert h1.strip() == headline.replace("&", "&amp;").replace('"', "&#34;").replace("'", "&#39;") or \
        parse(f"<h1>{h1}</h1>").headings[0] == " ".join(headline.split())
    facts = html[html.index('id="facts"'):]
    kinds = re.findall(r'<details class="kind"[^>]*>\s*<summary><h3 class="kind-title">(.*?) '
                       r'<span class="count">\((\d+)\)</span>', facts)
    titles = [t for t, _n in kinds]
    assert "Person" in titles and "Reported date" in titles
    assert len(titles) == len(set(titles))
    assert sum(int(n) for _t, n in kinds) == len(set(graph.subjects()))     # every subject, once
    people = len(set(graph.subjects(URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                                    URIRef(SCHEMA + "Person"))))
    assert dict(kinds)["Person"] == str(people)


def test_sources_are_named_by_title_everywhere(live_server):
    html = get(live_server, "/event/royal-pardon-sam-serey")
    sources = section(html, '<h2 id="sources">', "</ol>")
    chunks = parse(sources).chunks
    assert "Exiled KNLF Leader Sam Serey Pardoned, Dissolves Govt-Labeled Terrorist Organization" in chunks
    assert not [c for c in chunks if "camboja-sam-serey-pardoned" in c]


def test_a_graph_page_groups_its_facts_collapsed(live_server):
    html = get(live_server, "/graph/fourteen-activists-freed")
    facts = html[html.index('id="facts"'):]
    assert facts.count('<details class="kind"') >= 10
    assert ' open>' not in facts.split("</details>")[0].split(">", 1)[0] + ">"   # collapsed


# -- the ontology and VoID --------------------------------------------------------------------

def test_the_ontology_is_in_sections_with_a_table_of_contents(live_server):
    html = get(live_server, "/ontology")
    toc = section(html, '<nav class="toc"', "</nav>")
    targets = re.findall(r'href="#(kind-[^"]+)"', toc)
    sections = re.findall(r'<details class="kind" id="(kind-[^"]+)"( open)?>', html)
    assert targets == [anchor for anchor, _open in sections]
    titles = [t.lower() for t in parse(toc).chunks]
    assert {"class", "object property", "datatype property"} <= set(titles)
    counts = dict(re.findall(r'id="(kind-[^"]+)"[^>]*>\s*<summary><h2 class="kind-title">[^<]*'
                             r'<span class="count">\((\d+)\)', html))
    assert int(counts["kind-class"]) > 20
    assert ("kind-class", "") in sections                       # a long section starts collapsed
    assert 'id="Pardon"' in html and 'id="sentenceLength"' in html     # term anchors kept
    stated = re.search(r'id="Stated">\s*<h3>(.*?)</h3>', html, re.S).group(1)
    assert parse(f"<h3>{stated}</h3>").headings == ["stated"]            # its label, no more


def test_void_lists_classes_by_label(live_server):
    html = get(live_server, "/void")
    text = parse(html).chunks
    assert not [c for c in text if re.fullmatch(r"(void:)?class-\d+", c)]
    assert "pardon" in text and "person" in text
    ttl = requests.get(live_server + "/void", headers={"Accept": "text/turtle"}, timeout=30).text
    g = Graph().parse(data=ttl, format="turtle")
    void = "http://rdfs.org/ns/void#"
    pardon = next(p for p in g.subjects(URIRef(void + "class"), URIRef(BASE + "ontology#Pardon")))
    assert str(g.value(pardon, RDFS.label)) == "pardon"


def test_the_404_page_points_to_search_and_the_lists(live_server):
    html = get(live_server, "/person/nobody-at-all", status=404)
    text = " ".join(parse(html).chunks)
    assert "/search" in text and "/sparql can search" not in text
    assert "/browse/" in text


def test_a_date_node_of_another_resource_reads_as_its_date(live_server):
    """Hun Sen is acting head of state "at" the date of the pardon: a node of the event's
    page, not of the membership's, still shown as its date."""
    html = get(live_server, "/membership/hun-sen-government-of-cambodia-acting-head-of-state")
    row = section(html, 'title="cpo:heldAt">', "</tr>")
    assert "6 April 2023 or 6 April 2024 (day, inferred)" in row
    assert ">Date<" not in row and ">date<" not in row.split("</th>", 1)[1]


# -- another dataset: its own date properties, from its own site file ----------------------

def test_another_dataset_names_its_date_properties_in_its_site_file(tmp_path):
    from test_web_html import mini_client
    ex = "http://example.org/kg/ontology#"
    site = tmp_path / "site.toml"
    site.write_text(f'title = "Mini"\n[dates]\nvalue = "{ex}dateValue"\nheadline = ["{ex}date"]\n')
    page = mini_client(SITE_FILE=str(site)).get("/event/2024-pardon", headers={"Accept": "text/html"})
    html = page.get_data(as_text=True)
    summary = re.search(r'</h1>\s*<p class="summary[^"]*">(.*?)</p>', html, re.S)
    assert summary and re.sub(r"<[^>]+>", "", summary.group(1)).strip() == "6 April 2024"
    plain = mini_client().get("/event/2024-pardon", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "when-headline" not in plain and "6 April 2024" in plain     # the value itself, in words


@pytest.mark.parametrize("dates, complaint", [
    ('[dates]\nvalue = 3', "[dates] may name"),
    ('[dates]\nheadline = "cpo:date"', "[dates] may name"),
    ('[dates]\nbirthday = "cpo:date"', "[dates] may name"),
])
def test_a_bad_dates_table_stops_the_start_naming_the_file(tmp_path, dates, complaint):
    from server.config import load_site
    from server.errors import DataLoadError
    site = tmp_path / "site.toml"
    site.write_text(dates + "\n")
    with pytest.raises(DataLoadError) as error:
        load_site(str(site), str(tmp_path))
    assert complaint in str(error.value) and str(site) in str(error.value)


# -- the words themselves (pure functions) --------------------------------------------------

@pytest.mark.parametrize("lexical, words", [
    ("P18M", "18 months"), ("P9Y", "9 years"), ("P1Y6M", "1 year 6 months"), ("P1Y", "1 year"),
    ("P2W", "2 weeks"), ("P3D", "3 days"), ("PT36H", "36 hours"), ("-P1Y", "minus 1 year"),
    ("P", None), ("18 months", None), ("P1Y0M", "1 year"),
])
def test_durations_in_words(lexical, words):
    from server.web.labels import duration_text
    assert duration_text(lexical) == words


@pytest.mark.parametrize("lexical, datatype, words", [
    ("2024-04-06", "date", "6 April 2024"), ("2018-08", "gYearMonth", "August 2018"),
    ("2018", "gYear", "2018"), ("2018-13", "gYearMonth", None), ("2024-02-30x", "date", None),
])
def test_dates_in_words(lexical, datatype, words):
    from server.web.labels import date_words
    assert date_words(lexical, "http://www.w3.org/2001/XMLSchema#" + datatype) == words


def test_a_date_node_reads_value_precision_and_basis_or_its_bounds():
    from rdflib.namespace import XSD
    from server.web.labels import date_text
    label = {"day": "day", "inferred": "inferred"}.get
    assert date_text({"value": Literal("2024-04-06", datatype=XSD.date), "precision": "day",
                      "basis": "inferred"}, label) == "6 April 2024 (day, inferred)"
    assert date_text({"earliest": Literal("2017-09-01", datatype=XSD.date),
                      "latest": Literal("2017-11-30", datatype=XSD.date)}, label) == \
        "1 September 2017 – 30 November 2017"
    assert date_text({"earliest": Literal("2018-01-01", datatype=XSD.date)}, label) == "on or after 1 January 2018"
    assert date_text({"precision": "day"}, label) is None
    assert date_text({"readings": ["6 April 2023", "6 April 2024"], "earliest": Literal("2023-04-06", datatype=XSD.date),
                      "basis": "inferred"}, label) == "6 April 2023 or 6 April 2024 (inferred)"


def test_the_home_page_tells_apart_classes_labelled_alike(live_server):
    chunks = parse(get(live_server, "/")).chunks
    assert "statement (cpo:Statement)" in chunks and "statement (rdf:Statement)" in chunks
    assert "statement" not in chunks


def test_shapes_are_headed_by_their_own_names(live_server):
    headings = parse(get(live_server, "/shapes")).headings
    assert "AmbiguityShape" in headings
    assert not [h for h in headings if h.startswith("Cambodia political prosecutions shapes:")]


def test_void_names_graphs_and_articles_by_title_and_dumps_by_path(live_server):
    chunks = parse(get(live_server, "/void")).chunks
    assert "14 Cambodian Opposition Activists Freed From Prison" in chunks       # prov:wasDerivedFrom
    assert "KNLF to register as a political party" in chunks                      # no headline: its name
    assert any(c.startswith("/sparql?graph=https%3A%2F%2F") for c in chunks)      # a URL stays a URL
    assert not [c for c in chunks if c.startswith("Sparql?") or c == "Fourteen activists freed"]
