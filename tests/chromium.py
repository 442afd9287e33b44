"""Debian's headless ``chromium`` (installed by ``make browser``) driven by Playwright, for
the browser tests. Importing this module skips the importing test module, with the
reason, when playwright or chromium is not installed; ``browser`` is a module-scoped
fixture (import it into the test module)."""
from __future__ import annotations

import os
import shutil

import pytest
import requests

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[test]')")
if not shutil.which("chromium") and not os.path.exists(CHROMIUM):
    pytest.skip("chromium is not installed: run `make browser` (apt-get install chromium)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser(live_server):
    # The app forks its query-worker zygote on the first query, and a fork inherits every
    # open descriptor: started after the browser, it would hold the pipe to Playwright's
    # driver open and the driver would wait for it forever at shutdown. So: a query first.
    assert requests.get(live_server + "/sparql", params={"query": "ASK {}"},
                        headers={"Accept": "application/sparql-results+json"}, timeout=30).ok
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()
