"""No page of the shipped dataset is taller than about 6,000 px at 1280 px wide (issue 12):
a real headless Chromium (Debian's ``chromium``, as in tests/test_browser.py) measures
the document height of every source-article and graph page, the documents (ontology,
shapes, VoID), the home page, a browse list, and, for every other kind of resource
(person, organisation, group, event, statement, membership, place), its three largest pages.

With ``KG_SCREENSHOT_DIR`` set, the event, source-article and ontology pages are also
saved there as full-page PNGs (docs/screenshots/ holds the shipped ones).

Skipped, with the reason, only when the browser or playwright is not installed."""
from __future__ import annotations

import os
from pathlib import Path

import requests
from rdflib import Graph, URIRef

from server.config import DEFAULTS

WIDTH, MAX_HEIGHT = 1280, 6000
BASE = DEFAULTS["BASE_IRI"]
SCREENSHOTS = {"/event/royal-pardon-sam-serey": "event.png",
               "/source/rfa-hun-sen-mulling-mass-release": "source.png",
               "/ontology": "ontology.png"}

from chromium import browser, sync_api  # noqa: F401  (the fixture; skips without chromium)


def resource_paths() -> dict[str, list[str]]:
    """kind (first path segment) -> paths of the shipped dataset's resources."""
    kinds: dict[str, set] = {}
    for path in Path(DEFAULTS["DATA_DIR"]).glob("*.ttl"):
        for s in Graph().parse(path, format="turtle").subjects():
            iri = str(s)
            if isinstance(s, URIRef) and iri.startswith(BASE) and "#" not in iri:
                local = iri[len(BASE):]
                kinds.setdefault(local.split("/", 1)[0], set()).add("/" + local)
    return {k: sorted(v) for k, v in kinds.items()}


def pages_to_measure(live_server) -> list[str]:
    """Every source and graph page, and the three largest pages (in HTML bytes) of each other kind."""
    kinds = resource_paths()
    assert {"person", "organization", "group", "event", "source", "graph"} <= set(kinds)
    chosen = ["/", "/ontology", "/shapes", "/void", "/browse/schema:Person", *kinds.pop("source"),
              *kinds.pop("graph")]
    with requests.Session() as http:
        for kind, paths in sorted(kinds.items()):
            sizes = {p: len(http.get(live_server + p, headers={"Accept": "text/html"}, timeout=60).content)
                     for p in paths}
            chosen.extend(sorted(sizes, key=sizes.get)[-3:])        # the three largest
    return list(dict.fromkeys([*chosen, *SCREENSHOTS]))


def test_no_page_is_taller_than_6000_px_at_1280_wide(browser, live_server):
    shots = os.environ.get("KG_SCREENSHOT_DIR")
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    heights = {}
    try:
        for path in pages_to_measure(live_server):
            response = page.goto(live_server + path, wait_until="load")
            assert response is not None and response.status == 200, path
            assert page.evaluate("document.documentElement.clientWidth") <= WIDTH
            heights[path] = page.evaluate("document.documentElement.scrollHeight")
            if shots and path in SCREENSHOTS:
                page.screenshot(path=str(Path(shots) / SCREENSHOTS[path]), full_page=True)
    finally:
        page.close()
    print("\n".join(f"{h:6d} px  {p}" for p, h in sorted(heights.items(), key=lambda kv: -kv[1])))
    assert len(heights) >= 20
    too_tall = {p: h for p, h in heights.items() if h > MAX_HEIGHT}
    assert not too_tall, too_tall


def test_a_collapsed_kind_opens_and_the_page_grows(browser, live_server):
    """The facts are there, behind their summaries: opening one shows its subjects."""
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    try:
        page.goto(live_server + "/source/camboja-sam-serey-pardoned", wait_until="load")
        before = page.evaluate("document.documentElement.scrollHeight")
        person = page.locator("details.kind", has=page.locator("summary", has_text="Person"))
        assert not person.evaluate("d => d.open")
        assert not person.get_by_role("link", name="Sam Serey", exact=True).first.is_visible()
        person.locator("summary").click()
        assert person.evaluate("d => d.open")
        assert page.evaluate("document.documentElement.scrollHeight") > before + 200
        assert person.get_by_role("link", name="Sam Serey", exact=True).first.is_visible()
    finally:
        page.close()
