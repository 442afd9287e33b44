"""Case files over real HTTP, on every backend: a person's or organisation's page opens
with a case summary (server/web/casefile.py, server/templates/_casefile.html) built from
the ontology's event kinds and the site file's ``[casefile]``; every date per report with
its precision, basis and article; reports that disagree side by side in one row;
sentences dated by their verdicts; readings shown as readings; members by name."""
from __future__ import annotations

import pytest
import requests

from pagetree import parse
from server import create_app
from server.config import load_site
from server.errors import DataLoadError
from server.web.casefile import basis_key, duration_text

FOURTEEN = "14 Cambodian Opposition Activists Freed From Prison"
RFA_BAIL = "Cambodian Authorities Release Opposition Activist on Bail Following Aired ‘Confession’"
RFA_MULLING = "Cambodia’s Prime Minister Hun Sen Mulling Mass Release of Political Prisoners"
CAMBOJA = "Exiled KNLF Leader Sam Serey Pardoned, Dissolves Govt-Labeled Terrorist Organization"
KNLF_REPORT = "KNLF to register as a political party"


def page(live_server, path: str):
    r = requests.get(live_server + path, headers={"Accept": "text/html"}, timeout=60)
    assert r.status_code == 200, r.text[:300]
    return parse(r.text)


def case_rows(root) -> dict[str, tuple[str, object]]:
    """event label -> (kind heading, row element) of the case summary."""
    table = root.find("section", id="case-file").find("table", cls="casefile-table")
    rows = {}
    for body in table.find_all("tbody", cls="kind"):
        kind = body.find("th").text
        for tr in body.find_all("tr", cls="case-row"):
            rows[tr.find("td", cls="event").find("a").text] = (kind, tr)
    return rows


def reports(tr) -> list[dict]:
    out = []
    for rep in tr.find("td", cls="when-cell").find_all("div", cls="report"):
        out.append({"date": rep.find("span", cls="date").text, "classes": rep.classes,
                    "qual": rep.find("span", cls="qual").text, "text": rep.text,
                    "sources": [(t, h) for t, h in rep.links()]})
    return out


# -- Kem Sokha: the arrest, three reports, two dates -------------------------------------

def test_kem_sokhas_arrest_shows_the_conflicting_dates_side_by_side_naming_the_sources(live_server):
    root = page(live_server, "/person/kem-sokha")
    kind, tr = case_rows(root)["Arrest of Kem Sokha"]
    assert kind == "Arrest"
    assert "conflict" in tr.classes
    cell = tr.find("td", cls="when-cell")
    assert cell.find("p", cls="disagree").text == "The sources disagree:"
    assert "side-by-side" in cell.find("div", cls="reports").classes
    found = {(r["date"], next(c for c in r["classes"] if c.startswith("basis-")), r["sources"][0][0])
             for r in reports(tr)}
    assert found == {("2017-09", "basis-stated", RFA_BAIL),
                     ("2017-09", "basis-inferred", RFA_MULLING),
                     ("2017-11", "basis-resolved", FOURTEEN)}
    for r in reports(tr):
        assert "month precision" in r["qual"]
        assert r["sources"][0][1].startswith("/source/"), r["sources"]   # linked by title
    assert "printed: “last November”" in tr.text and "printed: “September 2017”" in tr.text
    # the row's sources: the three articles by title, never by slug
    assert [t for t, _h in tr.find("td", cls="sources-cell").links()] == sorted([FOURTEEN, RFA_BAIL, RFA_MULLING])


def test_a_case_summary_without_disagreement_has_no_conflict_mark(live_server):
    root = page(live_server, "/person/sam-serey")
    _kind, tr = case_rows(root)["Denmark grants Sam Serey asylum"]
    assert "conflict" not in tr.classes and not tr.find_all("p", cls="disagree")
    # two articles give the same date node: one report; the row's sources name both, and
    # the report does not repeat them
    (only,) = reports(tr)
    assert only["date"] == "2011" and only["sources"] == [] and "reported by" not in only["text"]
    assert [t for t, _ in tr.find("td", cls="sources-cell").links()] == [CAMBOJA, KNLF_REPORT]


# -- Sam Serey: verdicts, sentences dated by their verdicts, the pardon -------------------------

SENTENCES = [  # sentence label, its length, its verdict's label and date
    ("Nine-year sentence of Sam Serey (2014)", "9 years", "2014 verdict in absentia against Sam Serey", "2014"),
    ("Nine-year sentence of Sam Serey (2016)", "9 years", "2016 verdict in absentia against Sam Serey", "2016"),
    ("Nine-year sentence of Sam Serey (March 2020)", "9 years",
     "March 2020 verdict in absentia against Sam Serey", "2020-03"),
    ("Eight-year sentence of Sam Serey (November 2020)", "8 years",
     "November 2020 ruling against Sam Serey", "2020-11"),
    ("18-month prison term of Sam Serey (July 2022)", "18 months",
     "Ruling that handed down Sam Serey's 18-month term (July 2022)", "2022-07"),
    ("Eight-year prison term of Sam Serey (July 2022)", "8 years",
     "Ruling that handed down Sam Serey's eight-year term (July 2022)", "2022-07"),
]


@pytest.mark.parametrize("label, length, verdict, date", SENTENCES)
def test_sam_sereys_sentences_carry_their_verdicts_dates_and_lengths(live_server, label, length, verdict, date):
    rows = case_rows(page(live_server, "/person/sam-serey"))
    kind, tr = rows[label]
    assert kind == "Sentence"
    (rep,) = reports(tr)
    assert rep["date"] == date
    assert f"the date of {verdict} (no date of its own)" in rep["text"]
    details = tr.find("td", cls="details")
    assert f"sentence length {length}" in details.text
    # the verdict has that date of its own
    vkind, vtr = rows[verdict]
    assert vkind == "Verdict" and reports(vtr)[0]["date"] == date and "the date of" not in vtr.text


def test_verdicts_in_absentia_and_the_pardon_with_signer_capacity_and_requester(live_server):
    rows = case_rows(page(live_server, "/person/sam-serey"))
    assert "in absentia yes" in rows["2014 verdict in absentia against Sam Serey"][1].find("td", cls="details").text
    kind, tr = rows["Royal pardon of Sam Serey"]
    details = tr.find("td", cls="details")
    assert kind == "Pardon"
    assert ("signed by", "Hun Sen") in [(dt.text, dd.text) for dt, dd in
                                        zip(details.find_all("dt"), details.find_all("dd"))]
    assert "signed in capacity acting head of state" in details.text
    assert "requested by Sam Serey" in details.text
    (rep,) = reports(tr)
    # the year is one of two readings (2023 from this article alone, 2024 with another's):
    # the bounds admit both, and each reading's day is listed under it
    assert rep["date"] == "2023-04-06 – 2024-04-06" and "basis-inferred" in rep["classes"] and "day precision" in rep["qual"]
    assert "under the reading “The pardon was issued on April 6, 2023”: 2023-04-06" in tr.text
    assert "under the reading “The pardon was issued on April 6, 2024”: 2024-04-06" in tr.text
    assert "how this date was worked out" in tr.text     # the note, folded (a <details>, no script)


def test_the_rows_follow_the_site_files_kinds(live_server):
    rows = case_rows(page(live_server, "/person/sam-serey"))
    kinds = list(dict.fromkeys(kind for kind, _ in rows.values()))
    assert kinds == ["Verdict", "Sentence", "Pardon", "Exile", "Asylum grant", "Return", "Designation"]
    # within a kind, by date
    sentences = [label for label, (kind, _) in rows.items() if kind == "Sentence"]
    assert sentences.index("Nine-year sentence of Sam Serey (2014)") < \
        sentences.index("Eight-year prison term of Sam Serey (July 2022)")
    # what is unremarkable (status "occurred") is not said; a planned return is
    assert "status" not in rows["Royal pardon of Sam Serey"][1].text
    assert "status planned" in rows["Sam Serey's planned return to Cambodia"][1].text


# -- the 18-month sentence: two readings, neither asserted ------------------------------------

READING_SERY = "Sam Serey was sentenced to 18 months"
READING_VY = "Thuy Vy was sentenced to 18 months"
SENTENCE_18 = "18-month sentence on incitement charges (Thuy Vy's or Sam Serey's: the text allows both)"


@pytest.mark.parametrize("person, mine", [("sam-serey", READING_SERY), ("thuy-vy", READING_VY)])
def test_the_18_month_sentence_is_shown_as_alternative_readings_not_asserted(live_server, person, mine):
    kind, tr = case_rows(page(live_server, f"/person/{person}"))[SENTENCE_18]
    assert kind == "Sentence"
    assert "reading-only" in tr.classes
    box = tr.find("div", cls="readings")
    assert box.text.startswith("Only under one reading, not asserted")
    assert "Whose 18-month sentence: Thuy Vy's or Sam Serey's?" in box.text
    readings = [span.text for span in box.find_all("span", cls="reading")]
    assert readings[0].startswith(f"reading A: {READING_SERY}") and readings[1].startswith(f"reading B: {READING_VY}")
    (chosen,) = box.find_all("span", cls="mine")
    assert mine in chosen.text and "(the reading that puts it here)" in chosen.text
    assert "sentence length 18 months" in tr.find("td", cls="details").text
    # and the reading is not asserted anywhere else on the page
    assert "18-month sentence" not in tr.find("td", cls="when-cell").text


def test_the_ambiguity_link_leads_to_the_ambiguity(live_server):
    _kind, tr = case_rows(page(live_server, "/person/sam-serey"))[SENTENCE_18]
    (href,) = [h for t, h in tr.find("div", cls="readings").links()]
    assert href == "/event/18-month-incitement-sentence#ambiguity"


# -- organisations: members and roles, affiliated groups ------------------------------------

def test_knlfs_page_lists_members_and_roles_by_name_with_dates_and_sources(live_server):
    root = page(live_server, "/organization/knlf")
    section = root.find("section", id="case-file")
    table = section.find("table", cls="members")
    rows = [[td.text for td in tr.find_all("td")] for tr in table.find("tbody").find_all("tr")]
    pairs = {(r[0], r[1]) for r in rows}
    assert {("Sam Serey", "leader"), ("Sam Serey", "president"), ("Thuy Vy", "spokesperson"),
            ("Sam Serey", "founder")} <= pairs
    assert "membership" not in table.text
    assert all("/membership/" not in href for _t, href in table.links())
    assert ("Thuy Vy", "/person/thuy-vy") in table.links()
    spokes = next(tr for tr in table.find("tbody").find_all("tr") if "spokesperson" in tr.text)
    assert "year precision" in spokes.text
    assert "under the reading “Thuy Vy was sentenced to 18 months”" in spokes.text
    assert KNLF_REPORT in spokes.find("td", cls="sources-cell").text


def test_knlfs_page_lists_the_groups_affiliated_with_their_counts(live_server):
    root = page(live_server, "/organization/knlf")
    heading = root.find("h3", id="affiliated-groups")
    table = heading.parent.find_all("table", cls="members")[-1]
    rows = {tr.find("a").attrs["href"]: [td.text for td in tr.find_all("td")]
            for tr in table.find("tbody").find_all("tr")}
    assert rows["/group/knlf-government-in-exile-members"][1] == "reportedly 56"
    assert rows["/group/jailed-knlf-members"][1] == "not given"


def test_knlfs_case_summary_holds_its_founding_designation_and_dissolution(live_server):
    rows = case_rows(page(live_server, "/organization/knlf"))
    assert [kind for kind, _ in rows.values()][:1] == ["Founding"]
    assert {"Founding of the KNLF", "The government labels the KNLF a terrorist group",
            "Dissolution of the KNLF, declared by Sam Serey"} <= set(rows)
    (rep,) = reports(rows["Dissolution of the KNLF, declared by Sam Serey"][1])
    assert rep["date"] == "2024-04-06 or earlier"


def test_a_person_page_lists_the_offices_held(live_server):
    root = page(live_server, "/person/thuy-vy")
    table = root.find("h3", id="memberships").parent.find_all("table", cls="members")[0]
    assert ("Khmer National Liberation Front", "/organization/knlf") in table.links()


@pytest.mark.parametrize("path", ["/place/denmark", "/event/royal-pardon-sam-serey",
                                  "/source/knlf-to-register-as-party"])
def test_pages_with_no_case_have_no_case_summary(live_server, path):
    assert not page(live_server, path).find_all("section", id="case-file")


def test_the_case_summary_opens_the_page(live_server):
    r = requests.get(live_server + "/person/kem-sokha", headers={"Accept": "text/html"}, timeout=60)
    assert r.text.index('id="case-file"') < r.text.index("<h3>Identity and names</h3>")


# -- the site file ------------------------------------------------------------------

def test_without_a_casefile_section_there_is_no_case_summary_but_the_roles_stay(config, tmp_path):
    """The roles are W3C ORG memberships, not dataset configuration: they stay."""
    site = tmp_path / "site.toml"
    site.write_text('title = "Another dataset"\n', encoding="utf-8")
    app = create_app({**config, "SITE_FILE": str(site)})
    try:
        r = app.test_client().get("/person/kem-sokha", headers={"Accept": "text/html"})
        assert r.status_code == 200
        section = parse(r.get_data(as_text=True)).find("section", id="case-file")
        assert not section.find_all("tbody", cls="kind") and section.find("h2").text == "Roles and groups"
        assert "Cambodia National Rescue Party" in section.find("table", cls="members").text
    finally:
        store = app.extensions.get("kg.store")
        if store is not None and hasattr(store, "close"):
            store.close()


@pytest.mark.parametrize("section", [
    '[casefile]\nkinds = "cpo:Arrest"\n',
    '[casefile]\nroot = 3\n',
    '[casefile]\ndetails = [1, 2]\n',
    'casefile = "yes"\n',
    '[casefile]\nkinds = ["Arrest"]\n',
    '[casefile]\nroot = "LegalEvent"\n',
])
def test_a_malformed_casefile_section_stops_the_start_naming_the_file(tmp_path, section):
    site = tmp_path / "site.toml"
    site.write_text(section, encoding="utf-8")
    with pytest.raises(DataLoadError) as err:
        load_site(str(site), str(tmp_path))
    assert str(site) in str(err.value) and "casefile" in str(err.value)


# -- pure helpers ----------------------------------------------------------------------

@pytest.mark.parametrize("lexical, words", [
    ("P1Y6M", "18 months"), ("P9Y", "9 years"), ("P8Y", "8 years"), ("P6M", "6 months"),
    ("P1Y", "1 year"), ("P2Y6M", "2 years 6 months"), ("P3D", "3 days"), ("P1W", "1 week"),
    ("PT5H", "PT5H"), ("nonsense", "nonsense"), ("P", "P"),
])
def test_durations_read_as_words(lexical, words):
    assert duration_text(lexical) == words


@pytest.mark.parametrize("iri, key", [
    ("https://w3id.org/cambodia-prosecutions/ontology#Stated", "stated"),
    ("https://w3id.org/cambodia-prosecutions/ontology#ResolvedRelative", "resolved"),
    ("https://w3id.org/cambodia-prosecutions/ontology#Inferred", "inferred"),
    (None, "unknown"),
])
def test_basis_keys(iri, key):
    assert basis_key(iri) == key


class _NoStore:
    def select(self, query):
        raise AssertionError("an IRI that cannot be written in a query reached the store")


@pytest.mark.parametrize("iri", ["", "https://x.example/a>b", "https://x.example/a b", 'https://x.example/"',
                                 "https://x.example/{}", "https://x.example/\\\\", "https://x.example/\x00"])
def test_an_iri_that_cannot_go_in_a_query_gets_an_empty_case_file(iri):
    from server.web.casefile import build_case_file
    site = {"root": "o:E", "kinds": (), "subject": ("o:about",), "details": ()}
    case = build_case_file(_NoStore(), iri, "https://x.example/", "https://x.example/o#", site,
                           {"o": "https://x.example/o#"})
    assert not case
