"""A real headless Chromium (Debian's ``chromium``, installed by ``make browser``) opens
Kem Sokha's page at 1280 x 800: the case summary is visible above the fold, with the
arrest's conflicting reports side by side; the dataset timeline draws its SVG.

Skipped, with the reason, only when the browser or playwright is not installed."""
from __future__ import annotations


import pytest

VIEWPORT = {"width": 1280, "height": 800}

from chromium import browser, sync_api  # noqa: F401  (the fixture; skips without chromium)


@pytest.fixture
def page(browser):
    p = browser.new_page(viewport=VIEWPORT)
    yield p
    p.close()


def test_kem_sokhas_case_summary_is_visible_above_the_fold(page, live_server):
    response = page.goto(live_server + "/person/kem-sokha", wait_until="load")
    assert response is not None and response.status == 200
    summary = page.locator("#case-file")
    assert summary.is_visible()
    box = page.locator("#case-file-title").bounding_box()
    assert box is not None and box["y"] + box["height"] < VIEWPORT["height"]
    arrest = page.locator("tr.case-row", has_text="Arrest of Kem Sokha")
    top = arrest.bounding_box()
    assert top is not None and top["y"] < VIEWPORT["height"], "the arrest row starts below the fold"
    assert arrest.locator("p.disagree").inner_text() == "The sources disagree:"
    reports = arrest.locator(".reports.side-by-side .report")
    assert reports.count() == 3
    boxes = [reports.nth(i).bounding_box() for i in range(3)]
    assert len({round(b["y"]) for b in boxes}) == 1, "the reports are not side by side"   # one line
    text = arrest.inner_text()
    assert "14 Cambodian Opposition Activists Freed From Prison" in text and "2017-11" in text
    assert "2017-09" in text
    # the notes are folded (no script: <details>) and open on a click
    note = arrest.locator("details.date-note").first
    assert not note.evaluate("d => d.open")
    note.locator("summary").click()
    assert note.evaluate("d => d.open")


def test_the_dataset_timeline_draws_its_svg_and_table(page, live_server):
    page.goto(live_server + "/timeline", wait_until="load")
    pictures = page.locator("svg.timeline-svg")
    assert pictures.count() == 2
    for i in range(2):
        assert pictures.nth(i).is_visible() and pictures.nth(i).bounding_box()["width"] > 900
    assert page.locator("table.dataset-timeline tbody tr").count() > 40
