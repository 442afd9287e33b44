"""The query editor in a real headless Chromium (Debian's ``chromium``, installed by
``make browser``; the editor is built by ``make editor``): a reader types a query,
completes a prefix and a class, runs it with Ctrl+Enter, sees a table of labelled rows,
sorts it, pages it, shares it and copies it as curl; with JavaScript off the plain form
still runs queries. No Content-Security-Policy violation anywhere.

Skipped, with the reason, only when the browser, playwright or npm (the editor's
bundle) is missing."""
from __future__ import annotations

import shutil
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from server.sparql import editor


from chromium import browser, sync_api  # noqa: F401  (the fixture; skips without chromium)
if not (editor.ASSET_DIR / "editor.js").is_file():
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed: the query editor is not built", allow_module_level=True)
    pytest.fail("the query editor is not built: run `make editor`", pytrace=False)

WATCH_CSP = ("window.__csp = []; document.addEventListener('securitypolicyviolation', "
             "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));")
QUERY_START = "SELECT ?person ?name WHERE {\n?person a "
QUERY_END = " ;\nschema:name ?name ."


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.add_init_script(WATCH_CSP)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: console.append(f"pageerror: {e}"))
    page.console_messages = console
    yield page
    context.close()


def no_policy_violation(page) -> None:
    assert page.evaluate("window.__csp") == []
    assert not [m for m in page.console_messages if "Content Security Policy" in m or "pageerror" in m], \
        page.console_messages


def complete(page, typed: str, wanted: str) -> None:
    """Type ``typed``, wait for the completion list to offer ``wanted``, pick it by keyboard."""
    page.keyboard.type(typed, delay=20)
    options = page.locator(".cm-tooltip-autocomplete li")
    options.first.wait_for()
    labels = [o.inner_text() for o in page.locator(".cm-tooltip-autocomplete li .cm-completionLabel").all()]
    assert wanted in labels, labels
    page.wait_for_timeout(200)     # CodeMirror ignores keys for 75 ms after a list opens
    for _ in range(labels.index(wanted)):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")


def editor_text(page) -> str:
    return page.evaluate("document.querySelector('#query').value")


def test_type_complete_run_sort_page_share_and_curl(page, live_server):
    response = page.goto(live_server + "/sparql", wait_until="load")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".cm-content").wait_for()
    assert page.locator("#query").is_hidden()                   # the editor replaced the textarea
    page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.press("Delete")
    page.keyboard.type(QUERY_START, delay=5)
    complete(page, "sche", "schema:")                            # a predeclared prefix
    page.locator(".cm-tooltip-autocomplete li", has_text="schema:Person").wait_for()  # its terms, at once
    details = page.locator(".cm-tooltip-autocomplete li").all_inner_texts()
    assert any("schema:Person" in d and "class" in d for d in details), details
    complete(page, "Pers", "schema:Person")                     # a class of the data
    page.keyboard.type(QUERY_END, delay=5)
    page.keyboard.press("Escape")
    query = editor_text(page)
    assert "?person a schema:Person ;" in query, query
    assert page.locator(".cm-content .ͼb, .cm-content span").count() > 0    # highlighted tokens

    page.keyboard.press("Control+Enter")                         # runs in place
    page.locator("#results table tbody tr").first.wait_for()
    page.wait_for_url("**/sparql?query=*")                       # the address is the share link
    assert parse_qs(urlsplit(page.url).query)["query"] == [query]
    rows = page.locator("#results tbody tr")
    status = page.inner_text("nav.pager .pager-status")
    total = int(status.rsplit(" ", 1)[1])
    assert total > 25 and rows.count() == 25                    # paged
    first = rows.first.locator("td").first
    assert first.locator("a").inner_text() and "person:" in first.locator(".curie").inner_text()  # label + name
    assert "ms" in page.inner_text("#query-time")

    names = lambda: [t.strip() for t in page.locator("#results tbody tr td:nth-child(2)").all_inner_texts()]
    page.click("#results th button:has-text('name')")
    assert page.get_attribute("#results th:nth-child(2)", "aria-sort") == "ascending"
    ascending = names()
    assert ascending == sorted(ascending, key=str.lower)
    page.keyboard.press("Enter")                                 # the focused sort button, by keyboard
    assert page.get_attribute("#results th:nth-child(2)", "aria-sort") == "descending"
    descending = names()
    assert descending == sorted(descending, key=str.lower, reverse=True) and descending[0] != ascending[0]
    page.click("nav.pager .pager-next")
    assert page.inner_text("nav.pager .pager-status").startswith("Rows 26–")

    csv = page.locator("#results a[type='text/csv']").last.get_attribute("href")   # the downloads
    download = requests.get(live_server + csv, timeout=30)
    assert download.headers["Content-Type"].startswith("text/csv")
    assert download.text.splitlines()[0] == "person,name" and len(download.text.splitlines()) == total + 1

    share = page.get_attribute("#editor-share", "href")
    assert share == page.url
    page.click("#copy-curl")
    command = page.inner_text("#curl-command")
    assert command.startswith(f"curl '{live_server}/sparql' -H 'Accept: application/sparql-results+json'")
    answer = subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=60, check=True)
    assert answer.stdout.count('"person"') == total + 1 or '"bindings"' in answer.stdout
    import json
    assert len(json.loads(answer.stdout)["results"]["bindings"]) == total
    no_policy_violation(page)

    again = page.context.new_page()                            # the share link reproduces it
    again.add_init_script(WATCH_CSP)
    again.goto(share, wait_until="load")
    again.locator(".cm-content").wait_for()
    assert again.evaluate("document.querySelector('#query').value") == query
    assert again.locator(".cm-content").inner_text().replace("\u00a0", " ").strip() == query.strip()
    assert again.locator("#results tbody tr").count() == 25
    assert again.evaluate("window.__csp") == []


def test_the_keyboard_leaves_the_editor_and_reaches_every_control(page, live_server):
    page.goto(live_server + "/sparql", wait_until="load")
    page.locator(".cm-content").click()
    page.keyboard.press("Escape")
    page.keyboard.press("Tab")                                   # Tab is not captured by the editor
    assert page.evaluate("document.activeElement.name") == "format"
    reached = []
    for _ in range(4):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.id || document.activeElement.textContent"))
    assert reached[:3] == ["Run query", "editor-share", "copy-curl"]
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")                                 # "Copy as curl" by keyboard
    assert page.inner_text("#curl-command").startswith("curl ")
    no_policy_violation(page)


def test_errors_show_in_place(page, live_server):
    page.goto(live_server + "/sparql", wait_until="load")
    page.locator(".cm-content").click()
    page.keyboard.press("Control+a")
    page.keyboard.type("SELECT * WHERE { ?s ?p }", delay=5)
    page.keyboard.press("Control+Enter")
    page.locator("#error").wait_for()
    assert "400" in page.inner_text("#error")
    assert page.locator("#results").count() == 0
    no_policy_violation(page)


def test_without_javascript_the_plain_form_runs_queries(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(live_server + "/sparql", wait_until="load")
        assert page.locator(".cm-content").count() == 0
        page.fill("#query", "SELECT ?person WHERE { ?person a schema:Person } LIMIT 20")
        page.click("#query-form button[type=submit]")
        page.wait_for_load_state("load")
        assert page.locator("#results tbody tr").count() == 20      # the whole table, no pager
        assert "query=" in page.url
        assert page.locator("#results .curie").count() == 20
    finally:
        context.close()
