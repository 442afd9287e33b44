"""A real headless Chromium (Debian's ``chromium``, installed by ``make browser``)
loads the home page and a person's page; the test reads the text a reader sees.

Skipped, with the reason, only when the browser or playwright is not installed."""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
if not shutil.which("chromium") and not __import__("os").path.exists(CHROMIUM):
    pytest.skip("chromium is not installed: run `make browser` (apt-get install chromium)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def visible_text(browser, url: str) -> str:
    page = browser.new_page()
    try:
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200
        return page.inner_text("body")
    finally:
        page.close()


def test_home_page_shows_sources_and_counts(browser, live_server):
    text = visible_text(browser, live_server + "/")
    assert "Political prosecutions, pardons and releases in Cambodia" in text
    assert "Exiled KNLF Leader Sam Serey Pardoned" in text
    assert "What the dataset holds" in text and "How to query" in text


def test_person_page_shows_name_timeline_and_sources(browser, live_server):
    text = visible_text(browser, live_server + "/person/sam-serey")
    assert "Sam Serey" in text
    assert "Timeline" in text and "Royal pardon of Sam Serey" in text
    assert "2024-04-06, day precision, inferred" in text
    assert "Sources" in text
    assert text.index("Denmark grants Sam Serey asylum") < text.index("Royal pardon of Sam Serey")
