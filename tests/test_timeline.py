"""The timeline of a person's page over real HTTP: an event with no date of its own takes
the date of the event the site file names (``[timeline] inherit_date_through``; in this
dataset a sentence takes its verdict's date), says so, and sorts by it."""
from __future__ import annotations

import html
import re

import pytest
import requests

from server.config import load_site
from server.errors import DataLoadError


def timeline_text(live_server, path: str) -> str:
    r = requests.get(live_server + path, headers={"Accept": "text/html"}, timeout=30)
    assert r.status_code == 200
    page = r.text[r.text.index('<ol class="timeline">'):]
    page = page[:page.index("</ol>")]
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_a_sentence_takes_its_verdicts_date_and_says_so(live_server):
    text = timeline_text(live_server, "/person/sam-serey")
    assert ("2014 , year precision, stated the date of 2014 verdict in absentia against Sam Serey "
            "(this event has no date of its own) as reported: “2014” Nine-year sentence of Sam Serey "
            "(2014) (sentence)") in text


def test_sentences_are_no_longer_undated_and_sort_after_their_verdicts(live_server):
    text = timeline_text(live_server, "/person/sam-serey")
    undated = text[text.index("date not reported"):] if "date not reported" in text else ""
    for label in ("Nine-year sentence of Sam Serey (2014)", "Nine-year sentence of Sam Serey (2016)",
                  "Nine-year sentence of Sam Serey (March 2020)", "Eight-year sentence of Sam Serey (November 2020)",
                  "Eight-year prison term of Sam Serey (July 2022)"):
        assert label in text and label not in undated, label
    assert text.index("2014 verdict in absentia") < text.index("Nine-year sentence of Sam Serey (2014)") \
        < text.index("2016 verdict in absentia")
    # What the text never dates stays undated: exile, the planned return, the designation...
    assert "Sam Serey's exile in Denmark" in undated


def test_the_inherit_list_must_name_properties(tmp_path):
    site = tmp_path / "site.toml"
    site.write_text('title = "T"\n[timeline]\ninherit_date_through = "cpo:sentenceOf"\n')
    with pytest.raises(DataLoadError, match="inherit_date_through must be a list"):
        load_site(str(site), str(tmp_path))
    site.write_text('title = "T"\n')
    assert load_site(str(site), str(tmp_path))["TIMELINE_INHERIT_DATE"] == ()
