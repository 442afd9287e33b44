"""``/timeline`` over real HTTP, on every backend: every dated event of the dataset as a
server-drawn SVG (precision as a span, inferred dates dashed) and the same events in a
table (date per report with its source, event, kind, who, sources); no script."""
from __future__ import annotations

import re

import pytest
import requests

from pagetree import parse

CPO = "https://w3id.org/cambodia-prosecutions/ontology#"
DATED_EVENTS = f"""PREFIX cpo: <{CPO}>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?e WHERE {{
  ?e a ?kind . ?kind rdfs:subClassOf* cpo:Event .
  {{ ?e cpo:date|cpo:startDate|cpo:endDate|cpo:heldAt ?d }}
  UNION {{ ?e cpo:sentenceOf/(cpo:date|cpo:startDate) ?d }}
}}"""


@pytest.fixture(scope="module")
def timeline(live_server):
    r = requests.get(live_server + "/timeline", headers={"Accept": "text/html"}, timeout=60)
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html")
    return r.text


def table_rows(text: str) -> dict[str, object]:
    table = parse(text).find("table", cls="dataset-timeline")
    return {tr.find_all("td")[1].find("a").attrs["href"]: tr for tr in table.find("tbody").find_all("tr")}


def test_the_table_lists_every_dated_event_once(timeline, live_server):
    r = requests.get(live_server + "/sparql", params={"query": DATED_EVENTS},
                     headers={"Accept": "application/sparql-results+json"}, timeout=60)
    expected = {b["e"]["value"].replace("https://w3id.org/cambodia-prosecutions", "")
                for b in r.json()["results"]["bindings"]}
    rows = table_rows(timeline)
    assert len(expected) > 40
    assert set(rows) == expected
    assert f"The events ({len(expected)})" in timeline


def svgs(text: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", text, flags=re.S)


def test_every_dated_event_has_a_lane_and_long_gaps_break_the_axis(timeline):
    pictures = svgs(timeline)
    titles = [re.search(r"<title>([^<]*)</title>", svg).group(1) for svg in pictures]
    assert titles == ["Timeline of the dated events, 1975–1979", "Timeline of the dated events, 2007–2024"]
    lanes = [href for svg in pictures for href in re.findall(r'<a href="([^"]+)">', svg)]
    rows = table_rows(timeline)
    # a date with neither a value nor bounds (only the printed words) cannot be drawn
    unplaced = [href for href, tr in rows.items()
                if not re.search(r"\d{4}", " ".join(s.text for s in tr.find_all("span", cls="date")))]
    assert sorted(lanes) == sorted(set(rows) - set(unplaced))
    assert len(lanes) == len(set(lanes)) > 40
    assert "Years without any event are left out between the pictures." in timeline
    if unplaced:
        note = parse(timeline).find("p", id="unplaced").text
        assert note.startswith(f"{len(unplaced)} event") and "in the table only" in note
        assert list(rows)[-len(unplaced):] == unplaced            # at the end of the table
    else:
        assert 'id="unplaced"' not in timeline


def test_a_start_and_an_end_are_one_range(timeline):
    first = svgs(timeline)[0]
    (bar,) = re.findall(r"<rect\b[^>]*><title>Killings under the Khmer Rouge, 1975-79: ([^<]*)</title>", first)
    assert bar == "1975 – 1979 (year), stated"


def test_the_svg_draws_the_events_with_inferred_dates_dashed(timeline):
    svg = "".join(svgs(timeline))
    assert 'role="group"' in svg
    marks = re.findall(r"<(rect|circle)\b([^>]*)><title>([^<]*)</title>", svg)
    assert len(marks) >= 40
    by_title = {title: (tag, attrs) for tag, attrs, title in marks}
    tag, pardon = next(m for t, m in by_title.items()
                       if t.startswith("Royal pardon of the 14 former CNRP members: 2018-08-27"))
    assert tag == "circle"                                                     # a day is a dot
    assert 'stroke-dasharray' in pardon and 'fill="none"' in pardon            # inferred: hollow, dashed
    # a day whose year is one of two readings: the span its bounds admit, hollow and dashed
    tag, serey = next(m for t, m in by_title.items()
                      if t.startswith("Royal pardon of Sam Serey: 2023-04-06 – 2024-04-06"))
    assert tag == "rect" and 'stroke-dasharray' in serey
    tag, verdict = next(m for t, m in by_title.items()
                        if t.startswith("2014 verdict in absentia against Sam Serey: 2014"))
    assert tag == "rect" and float(re.search(r'width="([\d.]+)"', verdict).group(1)) > 4   # a year is a bar
    assert 'stroke-dasharray' not in verdict and 'fill="#2a6fb0"' in verdict    # stated: solid
    assert 'href="/event/royal-pardon-sam-serey"' in svg


def test_the_conflicting_arrest_dates_sit_side_by_side_with_their_sources(timeline):
    tr = table_rows(timeline)["/event/2017-kem-sokha-arrest"]
    assert "conflict" in tr.classes
    reports = tr.find("td", cls="when-cell").find_all("div", cls="report")
    assert sorted((r.find("span", cls="date").text, r.find("div", cls="by").find("a").text) for r in reports) == [
        ("2017-09", "Cambodian Authorities Release Opposition Activist on Bail Following Aired ‘Confession’"),
        ("2017-09", "Cambodia’s Prime Minister Hun Sen Mulling Mass Release of Political Prisoners"),
        ("2017-11", "14 Cambodian Opposition Activists Freed From Prison")]
    cells = tr.find_all("td")
    assert cells[2].text == "arrest" and ("Kem Sokha", "/person/kem-sokha") in cells[3].links()


def test_rows_are_in_date_order_and_sentences_take_their_verdicts_dates(timeline):
    rows = table_rows(timeline)
    order = list(rows)
    assert order.index("/event/2011-asylum-sam-serey") < order.index("/event/2014-sentence-sam-serey") \
        < order.index("/event/royal-pardon-sam-serey")
    sentence = rows["/event/2014-sentence-sam-serey"]
    assert "the date of 2014 verdict in absentia against Sam Serey" in sentence.text
    assert "Exiled KNLF Leader Sam Serey Pardoned" in sentence.find("td", cls="sources-cell").text


def test_the_page_has_no_script_and_is_linked_from_home_and_nav(timeline, live_server):
    assert "<script" not in timeline
    home = requests.get(live_server + "/", headers={"Accept": "text/html"}, timeout=30).text
    links = [href for _t, href in parse(home).links()]
    assert links.count("/timeline") == 2          # the nav and the home page's "How to query"
    assert ("Timeline", "/timeline") in parse(timeline).find("nav").links()


@pytest.mark.parametrize("accept", ["text/turtle", "application/json"])
def test_only_html_is_offered(live_server, accept):
    r = requests.get(live_server + "/timeline", headers={"Accept": accept}, timeout=30)
    assert r.status_code == 406


@pytest.mark.parametrize("query", ["?format=%00", "?page=-1", "?x=" + "a" * 3000])
def test_stray_parameters_are_ignored(live_server, query):
    r = requests.get(live_server + "/timeline" + query, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200 and "dataset-timeline" in r.text


def _entry(label: str, *texts: str):
    from server.web.timeline import Entry, When
    return Entry(label, label, None, [], [When(t, "year", "stated", None, None, t[:4] + "-01-01") for t in texts])


@pytest.mark.parametrize("years, expected", [
    ((["2000"], ["2004"]), ["2000–2004"]),                  # a 4-year gap: one picture
    ((["2000"], ["2005"]), ["2000", "2005"]),               # 5 years: the axis breaks
    ((["1975 – 1979"], ["1983"], ["2010"]), ["1975–1983", "2010"]),   # a range's end counts
    ((), []),
])
def test_periods_break_at_gaps_of_five_years(years, expected):
    from server.web.timeline_page import periods
    entries = [_entry(f"e{i}", *texts) for i, texts in enumerate(years)]
    assert [label for label, _ in periods(entries)] == expected


def test_the_page_is_cached_and_answers_conditional_requests(live_server, timeline):
    first = requests.get(live_server + "/timeline", headers={"Accept": "text/html"}, timeout=30)
    assert first.text == timeline and first.headers.get("ETag")
    again = requests.get(live_server + "/timeline", timeout=30,
                         headers={"Accept": "text/html", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
