"""The SVG timeline: marks as wide as their precision, inferred dates hollow and dashed."""
import xml.etree.ElementTree as ET

import pytest

from server.web.timeline import Entry, When
from server.web.timeline_svg import _bounds, render_svg

SVG = "{http://www.w3.org/2000/svg}"


def when(text, precision=None, basis=None, key=None):
    return When(text, precision, basis, None, None, key or text[:10])


@pytest.mark.parametrize("text, precision, first, last", [
    ("2019-10-01", "day", "2019-10-01", "2019-10-01"),
    ("2019-10", "month", "2019-10-01", "2019-10-31"),
    ("2019", "year", "2019-01-01", "2019-12-31"),
    ("2019-10-05", "year", "2019-01-01", "2019-12-31"),
    ("2019-10-01 – 2019-11-08", None, "2019-10-01", "2019-11-08"),
])
def test_a_date_covers_its_precision(text, precision, first, last):
    start, end = _bounds(text, precision)
    assert (start.isoformat(), end.isoformat()) == (first, last)


def test_stated_day_is_a_solid_dot_and_inferred_year_a_dashed_bar():
    entries = [Entry("e1", "Arrest <of> A", "Arrest", [], [when("2020-03-04", "day", "stated")], href="/e1"),
               Entry("e2", "Release", "Release", [], [when("2021", "year", "inferred")])]
    root = ET.fromstring(str(render_svg(entries)))
    dot, = root.iter(SVG + "circle")
    bar, = root.iter(SVG + "rect")
    assert dot.get("fill") != "none" and dot.get("stroke-dasharray") is None
    assert bar.get("fill") == "none" and bar.get("stroke-dasharray")
    assert "Arrest <of> A" in [t.text for t in root.iter(SVG + "text")]
    assert root.find(f"{SVG}a").get("href") == "/e1"


def test_no_dated_event_draws_nothing():
    assert render_svg([Entry("e", "Undated", None, [])]) == ""
