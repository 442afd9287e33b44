"""A real headless Chromium (Debian's ``chromium``, installed by ``make browser``)
loads the home page and a person's page; the test reads the text a reader sees.

Skipped, with the reason, only when the browser or playwright is not installed."""
from __future__ import annotations


import pytest
import requests


from chromium import browser, sync_api  # noqa: F401  (the fixture; skips without chromium)


def visible_text(browser, url: str, open_all: bool = False) -> str:
    """The text a reader sees; ``open_all``: after opening every collapsed section."""
    page = browser.new_page()
    try:
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200
        if open_all:
            page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        return page.inner_text("body")
    finally:
        page.close()


def test_home_page_shows_sources_and_counts(browser, live_server):
    text = visible_text(browser, live_server + "/")
    assert "Political prosecutions, pardons and releases in Cambodia" in text
    assert "Exiled KNLF Leader Sam Serey Pardoned" in text
    assert "What the dataset holds" in text and "How to query" in text


def test_person_page_shows_name_timeline_and_sources(browser, live_server):
    text = visible_text(browser, live_server + "/person/sam-serey", open_all=True)
    assert "Sam Serey" in text
    assert "Timeline" in text and "Royal pardon of Sam Serey" in text
    assert "2023-04-06 – 2024-04-06, day precision, inferred" in text  # "April 6": 2023 or 2024
    assert "Sources" in text
    timeline = text[text.index("\nTimeline\n"):]      # the section (the case summary above goes by kind)
    assert timeline.index("Denmark grants Sam Serey asylum") < timeline.index("Royal pardon of Sam Serey")


# -- under the Content-Security-Policy (issue 9) ------------------------------------

WATCH_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")


@pytest.mark.parametrize("path", ["/", "/person/sam-serey", "/sparql"])
def test_pages_are_styled_with_no_policy_violation(browser, live_server, path):
    page = browser.new_page()
    try:
        page.add_init_script(WATCH_CSP)
        response = page.goto(live_server + path, wait_until="load")
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert page.evaluate("window.__csp") == []
        assert "system-ui" in page.evaluate("getComputedStyle(document.body).fontFamily")  # site.css
    finally:
        page.close()


def test_the_query_form_runs_and_a_javascript_iri_is_not_a_link(browser, live_server):
    page = browser.new_page()
    try:
        page.add_init_script(WATCH_CSP)
        page.goto(live_server + "/sparql", wait_until="load")
        query = "SELECT ?person ?x WHERE { ?person a schema:Person BIND(<javascript:alert(1)> AS ?x) } LIMIT 3"
        if page.locator(".cm-content").count():          # the editor (make editor) replaced the textarea
            page.locator(".cm-content").click()
            page.keyboard.press("Control+a")
            page.keyboard.insert_text(query)
        else:
            page.fill("#query", query)
        page.click("button[type=submit]")
        page.wait_for_url("**/sparql?query=*", wait_until="load")
        page.locator("#results tbody tr").first.wait_for()
        assert page.locator("#results tbody tr").count() == 3
        assert "query=" in page.url, "the form runs by GET, so the address is a share link"
        assert "query=" in page.get_attribute("#share-link", "href")
        assert "javascript:alert(1)" in page.inner_text("#results")
        hrefs = page.evaluate("[...document.querySelectorAll('a')].map(a => a.href)")
        assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
        assert page.evaluate("window.__csp") == []
    finally:
        page.close()


# -- search from the box in the header (issue 12) -----------------------------------------

@pytest.mark.parametrize("typed, first", [
    ("Somcheat", "Hong Samcheat"),
    ("kem soka", "Kem Sokha"),
    ("liberation front", "Khmer National Liberation Front"),
])
def test_the_search_box_finds_names_in_any_spelling(browser, live_server, typed, first):
    page = browser.new_page()
    try:
        page.add_init_script(WATCH_CSP)
        page.goto(live_server + "/person/sam-serey", wait_until="load")
        page.fill("header form.search-box input[name=q]", typed)
        page.press("header form.search-box input[name=q]", "Enter")     # a plain GET form: no script
        page.wait_for_url("**/search?q=*", wait_until="load")
        top = page.locator("ol.hits > li").first
        assert top.locator(".hit-title a").inner_text() == first
        assert top.locator(".types").inner_text()                    # its type label
        assert "Sources:" in top.inner_text()
        top.locator(".hit-title a").click()
        page.wait_for_load_state("load")
        assert page.locator("h1").first.inner_text() == first
        assert page.evaluate("window.__csp") == []
    finally:
        page.close()


def test_the_404_page_offers_a_search(browser, live_server):
    page = browser.new_page()
    try:
        response = page.goto(live_server + "/person/kem-soka", wait_until="load")
        assert response.status == 404
        assert page.input_value("#search-404") == "kem soka"
        page.click("form.search-main button[type=submit]")
        page.wait_for_url("**/search?q=*", wait_until="load")
        assert page.locator("ol.hits > li .hit-title a").first.inner_text() == "Kem Sokha"
    finally:
        page.close()


# -- browse lists and reconciliation, as a reader uses them (issue 12) -----------------------

def test_from_the_home_page_counts_to_a_sorted_filtered_list(browser, live_server):
    page = browser.new_page()
    try:
        page.add_init_script(WATCH_CSP)
        page.goto(live_server + "/", wait_until="load")
        page.click('a[href="/browse/cpo:Verdict"]')
        page.wait_for_url("**/browse/cpo:Verdict", wait_until="load")
        assert page.locator("h1").first.inner_text().startswith("Verdict")
        page.click("table.browse th >> text=Date")                   # sort by date: a link
        page.wait_for_url("**/browse/cpo:Verdict?sort=date", wait_until="load")
        dates = [d for d in page.locator("table.browse tr td:nth-child(3)").all_inner_texts() if d]
        assert dates == sorted(dates) and dates[0] == "2014"
        page.click("aside.facets >> text=2020")                       # the year facet
        page.wait_for_url("**year=2020**", wait_until="load")
        assert page.locator("table.browse tr td:nth-child(3)").all_inner_texts() == ["2020-03", "2020-11"]
        assert page.evaluate("window.__csp") == []
    finally:
        page.close()


def test_the_reconciliation_preview_fits_openrefines_frame(browser, live_server):
    """OpenRefine shows the manifest's preview URL in a frame of the manifest's size: the
    card names the match, links its page, and fits without scrolling."""
    manifest = requests.get(live_server + "/reconcile", timeout=30).json()
    preview = manifest["preview"]
    hit = requests.post(live_server + "/reconcile",
                        data={"queries": '{"q0": {"query": "kem soka"}}'}, timeout=30).json()
    top = hit["q0"]["result"][0]
    assert top["name"] == "Kem Sokha"            # "Kem Soka" is a spelling the articles print
    url = preview["url"].replace("{{id}}", top["id"])
    assert url.startswith(live_server)
    page = browser.new_page(viewport={"width": preview["width"], "height": preview["height"]})
    try:
        page.add_init_script(WATCH_CSP)
        response = page.goto(url, wait_until="load")
        assert response.status == 200
        assert "Kem Sokha" in page.inner_text("body")
        assert page.evaluate("document.documentElement.scrollWidth") <= preview["width"]
        assert page.evaluate("document.documentElement.scrollHeight") <= preview["height"]
        assert page.evaluate("window.__csp") == []
    finally:
        page.close()
