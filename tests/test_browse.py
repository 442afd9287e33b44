"""Browse lists (/browse/<class>) over real HTTP: the counts are the SPARQL counts, paging
follows rel="next" through every instance once, CSV parses, the home page links resolve."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest
import requests

from server.config import DEFAULTS

PAGE_SIZE = DEFAULTS["BROWSE_PAGE_SIZE"]     # the test app keeps the default

BASE = "https://w3id.org/cambodia-prosecutions/"
SCHEMA_GRAPHS = f"<{BASE}graph/ontology>, <{BASE}graph/shapes>"
PERSON = "https://schema.org/Person"


def get(live_server, path, **headers):
    return requests.get(live_server + path, headers=headers, timeout=30)


def sparql_count(app, query: str) -> int:
    from server.store import get_store
    with app.app_context():
        return int(get_store().select(query).rows[0]["n"])


def instances(app, cls: str) -> int:
    return sparql_count(app, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH ?g {{ ?s a <{cls}> }} "
                             f"FILTER(?g NOT IN ({SCHEMA_GRAPHS})) }}")


def all_rows(live_server, name: str) -> tuple[list[dict], int]:
    """Every CSV row of a browse list, following rel="next"; and the number of pages."""
    url, rows, pages = f"/browse/{name}", [], 0
    while url:
        r = get(live_server, url, Accept="text/csv")
        assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
        page = list(csv.DictReader(io.StringIO(r.text)))
        assert 0 < len(page) <= PAGE_SIZE
        rows += page
        pages += 1
        url = r.links.get("next", {}).get("url")
    return rows, pages


@pytest.mark.parametrize("name, cls", [
    ("schema:Person", PERSON),
    ("cpo:ReportedDate", BASE + "ontology#ReportedDate"),     # more than two pages
    ("cpo:Pardon", BASE + "ontology#Pardon"),
])
def test_the_list_holds_every_instance_once_as_sparql_counts_them(app, live_server, name, cls):
    rows, pages = all_rows(live_server, name)
    total = instances(app, cls)
    assert len(rows) == len({r["iri"] for r in rows}) == total
    assert pages == max(1, -(-total // PAGE_SIZE))
    keys = [((r["label"] or r["iri"]).lower(), r["iri"]) for r in rows]
    assert keys == sorted(keys), "sorted by label (the IRI when there is none)"


def test_sources_are_the_graphs_stating_something_about_the_instance(app, live_server):
    rows, _ = all_rows(live_server, "schema:Person")
    for row in rows[:10]:
        assert int(row["sources"]) == sparql_count(
            app, f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ GRAPH ?g {{ <{row['iri']}> ?p ?o }} "
                 f"FILTER(?g NOT IN ({SCHEMA_GRAPHS})) }}")
    sam = next(r for r in rows if r["iri"] == BASE + "person/sam-serey")
    assert sam["label"] == "Sam Serey"


@pytest.mark.parametrize("path, headers", [
    ("/browse/schema:Person", {"Accept": "text/csv"}),
    ("/browse/schema:Person?format=csv", {"Accept": "text/html"}),
    ("/browse/schema:Person.csv", {}),
])
def test_csv_is_chosen_by_accept_format_or_suffix_and_parses(live_server, path, headers):
    r = get(live_server, path, **headers)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    reader = csv.reader(io.StringIO(r.text))
    assert next(reader) == ["iri", "label", "sources", "date", "types"]
    assert all(len(row) == 5 and row[0].startswith(BASE) and row[2].isdigit() and "https://schema.org/Person" in row[4].split() for row in reader)


def test_pages_link_each_other_and_end(app, live_server):
    total = instances(app, BASE + "ontology#ReportedDate")
    last = -(-total // PAGE_SIZE)
    first = get(live_server, "/browse/cpo:ReportedDate", Accept="text/html")
    assert first.links["next"]["url"] == "/browse/cpo:ReportedDate?page=2" and "prev" not in first.links
    assert 'rel="next" href="/browse/cpo:ReportedDate?page=2"' in first.text
    end = get(live_server, f"/browse/cpo:ReportedDate?page={last}", Accept="text/html")
    assert end.status_code == 200 and "next" not in end.links and end.links["prev"]
    assert end.text.count("<tr><td>") == total - (last - 1) * PAGE_SIZE
    assert get(live_server, f"/browse/cpo:ReportedDate?page={last + 1}").status_code == 404


@pytest.mark.parametrize("page", ["0", "-1", "x", "1e3"])
def test_a_bad_page_is_a_400(live_server, page):
    r = get(live_server, f"/browse/schema:Person?page={page}", Accept="application/json")
    assert r.status_code == 400 and "page" in r.json()["message"]


@pytest.mark.parametrize("name, hint", [
    ("Person", "/browse/schema:Person"),            # a local name: the compact one is suggested
    ("schema:Unicorn", "/browse/"),
    ("nope:Person", "/browse/"),
])
def test_an_unknown_class_is_a_404_with_a_hint(live_server, name, hint):
    r = get(live_server, f"/browse/{name}", Accept="text/html")
    assert r.status_code == 404 and hint in r.text
    r = get(live_server, f"/browse/{name}", Accept="text/csv")
    assert r.status_code == 404


def test_the_home_page_class_counts_link_to_lists_that_hold_that_many(live_server):
    home = get(live_server, "/", Accept="text/html").text
    links = re.findall(r'<a href="(/browse/[^"]+)">(\d+)</a>', home)
    assert len(links) > 10 and any(href == "/browse/schema:Person" for href, _ in links)
    for href, count in links:
        r = get(live_server, href, Accept="text/html")
        assert r.status_code == 200
        assert re.search(r'<span class="src">\((\d+)\)</span>', r.text).group(1) == count


# -- sorting and facets -------------------------------------------------------------------

CPO = BASE + "ontology#"
DATA_GRAPHS = f"FILTER(?g NOT IN ({SCHEMA_GRAPHS}))"


def listed(live_server, path: str) -> list[dict]:
    """Every CSV row of a list URL (with its query string), following rel="next"."""
    url, rows = path, []
    while url:
        r = get(live_server, url, Accept="text/csv")
        assert r.status_code == 200, r.text
        rows += list(csv.DictReader(io.StringIO(r.text)))
        url = r.links.get("next", {}).get("url")
    return rows


def test_sorted_by_sources_most_first_across_pages(app, live_server):
    rows = listed(live_server, "/browse/cpo:ReportedDate?sort=-sources")
    counts = [int(r["sources"]) for r in rows]
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    assert len(rows) == instances(app, CPO + "ReportedDate")        # paging keeps the order


def test_sorted_by_date_earliest_first_undated_last(live_server):
    rows = listed(live_server, "/browse/cpo:Verdict?sort=date")
    dated = [r["date"] for r in rows if r["date"]]
    assert dated == sorted(dated) and dated[0] == "2014"
    assert [r["date"] for r in rows] == dated + [""] * (len(rows) - len(dated))
    reverse = listed(live_server, "/browse/cpo:Verdict?sort=-date")
    assert [r["date"] for r in reverse if r["date"]] == dated[::-1]


def test_a_source_facet_keeps_what_that_article_states(app, live_server):
    graph = BASE + "graph/camboja-sam-serey-pardoned"
    rows = listed(live_server, "/browse/schema:Person?source=camboja-sam-serey-pardoned")
    expected = sparql_count(app, f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} "
                                 f"GRAPH ?g {{ ?s a <{PERSON}> }} {DATA_GRAPHS} }}")
    assert len(rows) == expected and 0 < expected < instances(app, PERSON)
    assert any(r["label"] == "Sam Serey" for r in rows) and not any(r["label"] == "Kem Sokha" for r in rows)
    # the unfiltered page shows the same number beside that source
    page = get(live_server, "/browse/schema:Person", Accept="text/html").text
    assert re.search(r'href="/browse/schema:Person\?source=camboja-sam-serey-pardoned">[^<]+</a> '
                     rf'<span class="count">{expected}</span>', page)


def test_a_year_facet_keeps_what_starts_in_that_year(app, live_server):
    rows = listed(live_server, "/browse/cpo:Verdict?year=2020&sort=date")
    assert [r["date"] for r in rows] == ["2020-03", "2020-11"]
    expected = sparql_count(app, f"""PREFIX cpo: <{CPO}> SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{
        ?s a cpo:Verdict ; cpo:date|cpo:startDate ?d . ?d cpo:dateValue|cpo:earliest ?v
        FILTER(SUBSTR(STR(?v), 1, 4) = "2020") }}""")
    assert len(rows) == expected


def test_facets_and_sort_survive_paging_and_the_csv_link(live_server):
    page = get(live_server, "/browse/cpo:ReportedDate?sort=-date", Accept="text/html")
    assert page.status_code == 200 and page.links["next"]["url"] == "/browse/cpo:ReportedDate?sort=-date&page=2"
    assert 'aria-sort="descending"' in page.text
    page = get(live_server, "/browse/cpo:ReportedDate?sort=-date&year=2018", Accept="text/html")
    assert 'href="/browse/cpo:ReportedDate.csv?sort=-date&amp;year=2018"' in page.text
    rows = listed(live_server, "/browse/cpo:ReportedDate?sort=-date&year=2018")
    assert rows and all(r["date"].startswith("2018") for r in rows)


@pytest.mark.parametrize("query, words", [
    ("sort=birthday", "sort must be one of"),
    ("year=18", "year must be four digits"),
    ("source=no-such-article", "source must name one of the dataset's graphs"),
])
def test_a_bad_sort_or_facet_is_a_400_that_says_what_is_allowed(live_server, query, words):
    r = get(live_server, f"/browse/schema:Person?{query}", Accept="text/html")
    assert r.status_code == 400 and words in html.unescape(r.text)


def test_a_facet_no_instance_passes_gives_an_empty_list_not_an_error(live_server):
    r = get(live_server, "/browse/schema:Person?year=1900", Accept="text/html")
    assert r.status_code == 200 and "No instance passes these filters." in r.text
