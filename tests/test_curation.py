"""Provenance integrity and a curator's workflow (server.curation, server.scaffold):
the shipped data traces every fact to its article; each check names the file (and line)
of what breaks it; new-source, sources --update and validate --file work end to end."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from server.cli import main
from server.config import DEFAULTS, ROOT
from server.curation import Article, check_provenance, normalised, term_lines
from server.loader import load_dataset

BASE = DEFAULTS["BASE_IRI"]
CPO = BASE + "ontology#"
SOURCES = ROOT / "sources"

TEXT = ("Fourteen activists freed\n\nPHNOM PENH, August 30, 2018 \u2014 Fourteen activists were \n"
        "freed on Tuesday, \u201cthe lawyer said.\u201d Their\u00a0families waited outside.\n")

PREFIXES = f"""\
PREFIX cpo:    <{CPO}>
PREFIX event:  <{BASE}event/>
PREFIX graph:  <{BASE}graph/>
PREFIX group:  <{BASE}group/>
PREFIX source: <{BASE}source/>
PREFIX prov:   <http://www.w3.org/ns/prov#>
PREFIX rdfs:   <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <https://schema.org/>
PREFIX xsd:    <http://www.w3.org/2001/XMLSchema#>
"""
GRAPH = """
graph:freed a cpo:SourceGraph ; rdfs:label "Facts stated by Fourteen activists freed"@en ;
    prov:wasDerivedFrom source:freed .
"""
ARTICLE = """
source:freed a schema:NewsArticle ; schema:headline "Fourteen activists freed"@en ; schema:inLanguage "en" ;
    cpo:sourceFile "freed.txt" ; schema:sha256 "{sha}" ; cpo:publicationDate <{base}source/freed#date> .
<{base}source/freed#date> a cpo:ReportedDate ; cpo:asReported "August 30, 2018"@en ;
    cpo:dateBasis cpo:Stated ; cpo:precision cpo:DayPrecision ; cpo:dateValue "2018-08-30"^^xsd:date ;
    cpo:earliest "2018-08-30"^^xsd:date ; cpo:latest "2018-08-30"^^xsd:date .
"""
EVENT = """
event:release a cpo:Release ; rdfs:label "Release of the 14"@en ; cpo:status cpo:Occurred ;
    cpo:evidence {evidence} ;
    cpo:date <{base}event/release#date> .
<{base}event/release#date> a cpo:ReportedDate ; cpo:asReported "Tuesday"@en ; cpo:dateBasis cpo:ResolvedRelative ;
    cpo:dateNote "The Tuesday before the article of 2018-08-30."@en ; cpo:precision cpo:DayPrecision ;
    cpo:dateValue "2018-08-28"^^xsd:date ; cpo:earliest "2018-08-28"^^xsd:date ; cpo:latest "2018-08-28"^^xsd:date .
"""
GOOD_EVIDENCE = '"Fourteen activists were freed on Tuesday, \\"the lawyer said.\\""@en'


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def dataset(root: Path, ttl: str | None = None, *, text: str = TEXT, sources: bool = True,
            extra: dict[str, str] | None = None) -> list[str]:
    """The shipped ontology and shapes, one article text, one data file ``freed.ttl``
    (the complete example unless ``ttl`` is given); the CLI options."""
    for key, folder in (("ONTOLOGY_DIR", "ontology"), ("SHAPES_DIR", "shapes")):
        shutil.copytree(DEFAULTS[key], root / folder)
    (root / "data").mkdir()
    if sources:
        (root / "sources").mkdir()
        (root / "sources" / "freed.txt").write_text(text, encoding="utf-8")
    if ttl is None:
        ttl = good_ttl()
    (root / "data" / "freed.ttl").write_text(ttl, encoding="utf-8")
    for name, body in (extra or {}).items():
        (root / "data" / name).write_text(body, encoding="utf-8")
    return ["--ontology", str(root / "ontology"), "--data", str(root / "data"),
            "--shapes", str(root / "shapes")]


def good_ttl(*, graph: str = GRAPH, evidence: str = GOOD_EVIDENCE, sha256: str | None = None,
             article: str = ARTICLE, more: str = "") -> str:
    return (PREFIXES + graph + article.format(sha=sha256 or sha(TEXT), base=BASE)
            + EVENT.format(evidence=evidence, base=BASE) + more)


def report(runner, options, *more) -> tuple[int, dict]:
    result = runner.invoke(main, ["validate", *options, "--format", "json", *more])
    return result.exit_code, json.loads(result.output)


def findings(data: dict, check: str) -> list[dict]:
    return [f for f in data["findings"] if f["check"] == check]


# -- the shipped data ---------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    return load_dataset(DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"], DEFAULTS["SHAPES_DIR"], BASE)


def test_every_evidence_quote_is_in_its_article_and_every_checksum_matches(shipped):
    curation = check_provenance(shipped, BASE, str(SOURCES))
    assert [(f.where(), f.message) for f in curation.findings] == []
    assert curation.skipped == []
    quotes = {(g, s, o) for g in shipped.data_graphs
              for s, o in shipped.dataset.graph(g).subject_objects(URIRef(CPO + "evidence"))}
    assert len(quotes) > 200 and set(curation.evidence) == quotes
    texts = {p.name: p.read_text(encoding="utf-8") for p in SOURCES.glob("*.txt")}
    for (_g, _s, quote), where in curation.evidence.items():
        found = texts[where.source_file][where.start:where.end]
        assert normalised(found)[0] == normalised(str(quote))[0].strip()


def test_every_article_names_a_shipped_source_file_with_its_sha256(shipped):
    articles = {(s, str(o)) for g in shipped.data_graphs
                for s, o in shipped.dataset.graph(g).subject_objects(URIRef(CPO + "sourceFile"))}
    assert len({name for _s, name in articles}) == 5
    for article, name in articles:
        digest = hashlib.sha256((SOURCES / name).read_bytes()).hexdigest()
        triple = (article, URIRef("https://schema.org/sha256"), Literal(digest))
        assert any(triple in shipped.dataset.graph(g) for g in shipped.data_graphs), (article, name)


# -- matching quotes ----------------------------------------------------------------

@pytest.mark.parametrize("quote, found", [
    ("were freed on Tuesday", True),                      # a line break in the text
    ('"the lawyer said."', True),                         # curly quotes in the text
    ("Their families waited", True),                      # a no-break space in the text
    ("were released on Tuesday", False),                  # words differ
    ("their families waited", False),                     # case differs: not verbatim
])
def test_a_quote_is_found_verbatim_up_to_whitespace_and_typographic_quotes(quote, found):
    article = Article("freed.txt", TEXT)
    where = article.locate(quote)
    assert (where is not None) == found
    if where:
        assert normalised(TEXT[where[0]:where[1]])[0] == quote


# -- each check names the file ------------------------------------------------------

@pytest.mark.parametrize("ttl, check, severity, words", [
    (good_ttl(graph=""), "graph per file", "Violation", "does not describe its graph"),
    (good_ttl(graph=GRAPH.replace("graph:freed", "graph:other")), "graph per file", "Violation",
     "named unlike its file"),
    (good_ttl(article=""), "graph per file", "Violation", "which data/freed.ttl does not describe"),
    (good_ttl(article=ARTICLE.replace('"freed.txt"', '"gone.txt"')), "source file", "Violation",
     "'gone.txt', which is not in"),
    (good_ttl(more='source:original a schema:NewsArticle ; cpo:sourceFile "gone.txt" .\n'), "source file",
     "Violation", "'gone.txt', which is not in"),                  # a second article of the file
    (good_ttl(sha256="0" * 64), "checksum", "Violation", "the text changed"),
    (good_ttl(article=ARTICLE.replace(' schema:sha256 "{sha}" ;', '')), "checksum", "Violation",
     "sources --update"),
    (good_ttl(evidence='"Fourteen activists were released on Tuesday"@en'), "evidence", "Violation",
     "is not in freed.txt"),
    (good_ttl(article=ARTICLE.replace('"August 30, 2018"@en', '"30 August 2018"@en')), "date words",
     "Violation", "which is not in freed.txt"),
    (good_ttl(more=EVENT.replace('"Tuesday"@en', '"on Tuesday last"@en').replace("event:release", "event:other")
              .replace("event/release#", "event/other#").format(evidence=GOOD_EVIDENCE, base=BASE)),
     "date words", "Violation", "cpo:ResolvedRelative"),           # every basis, not only Stated
    (good_ttl(more='<{b}statement/s> a cpo:Statement ; cpo:quotation "the lawyer said loudly"@en .\n'.format(b=BASE)),
     "printed words", "Violation", "quotation of"),
    (good_ttl(more='<{b}statement/s> a cpo:Statement ; cpo:hedge "apparently"@en .\n'.format(b=BASE)),
     "printed words", "Violation", "hedge of"),
    (good_ttl(more='<{b}x#id> a cpo:CrossArticleIdentification ; cpo:referredToAs "the King"@en .\n'.format(b=BASE)),
     "printed words", "Violation", "referredToAs of"),
    (good_ttl(more='<{b}statement/s> a cpo:Statement ; cpo:medium "Facebook"@en ; cpo:evidence "the lawyer said."@en ; cpo:stance cpo:Assertion .\n'.format(b=BASE)),
     "printed words", "Violation", "medium of"),
    (good_ttl(more='<{b}x#id> a cpo:CrossArticleIdentification ; cpo:identifies group:no-such-group .\n'.format(b=BASE)),
     "identification target", "Violation", "which no data file describes"),
])
def test_a_provenance_problem_names_its_file(runner, tmp_path, monkeypatch, ttl, check, severity, words):
    monkeypatch.chdir(tmp_path)
    code, data = report(runner, dataset(tmp_path, ttl))
    [found] = findings(data, check)
    assert found["severity"] == severity and found["file"] == "data/freed.ttl"
    assert words in found["message"], found["message"]
    assert code == (1 if severity == "Violation" else 0), data


def test_the_complete_example_conforms_with_no_finding(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, data = report(runner, dataset(tmp_path))
    assert (code, data["findings"], data["skipped"]) == (0, [], []), data


def test_an_evidence_problem_names_its_line(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, data = report(runner, dataset(tmp_path, good_ttl(evidence='"No such words"@en')))
    [found] = findings(data, "evidence")
    line = Path("data/freed.ttl").read_text().splitlines()[found["line"] - 1]
    assert '"No such words"@en' in line and code == 1


def test_a_quotation_not_printed_names_its_line(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    more = '<{b}statement/s> a cpo:Statement ;\n    cpo:quotation "a puppet of Hun Sen"@en .\n'.format(b=BASE)
    code, data = report(runner, dataset(tmp_path, good_ttl(more=more)))
    [found] = findings(data, "printed words")
    line = Path("data/freed.ttl").read_text().splitlines()[found["line"] - 1]
    assert 'cpo:quotation "a puppet of Hun Sen"@en' in line and code == 1
    assert "is not in freed.txt" in found["message"] and found["severity"] == "Violation"


def test_a_link_to_what_only_another_article_describes_is_a_warning(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    other = PREFIXES + 'group:the-fourteen a cpo:UnnamedGroup ; schema:description "14 activists"@en .\n'
    ttl = good_ttl(more="event:release cpo:concerns group:the-fourteen .\n")
    _code, data = report(runner, dataset(tmp_path, ttl, extra={"other.ttl": other}))
    [found] = findings(data, "cross-article link")
    assert found["severity"] == "Warning" and found["file"] == "data/freed.ttl"
    assert "group/the-fourteen" in found["message"] and "graph/other" in found["message"]


def test_a_cross_article_identification_is_an_identity_record(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    other = PREFIXES + 'group:the-fourteen a cpo:UnnamedGroup ; schema:description "14 activists"@en .\n'
    record = ("<https://w3id.org/cambodia-prosecutions/group/the-fourteen#identification> "
              "a cpo:CrossArticleIdentification ; cpo:identifies group:the-fourteen ; "
              "cpo:referredToAs \"the activists\"@en ; cpo:namedIn source:other ; "
              "schema:description \"The other article counts them.\"@en .\n")
    ttl = good_ttl(more="event:release cpo:concerns group:the-fourteen .\n" + record)
    _code, data = report(runner, dataset(tmp_path, ttl, extra={"other.ttl": other}))
    assert findings(data, "cross-article link") == []


def test_without_sources_the_text_checks_say_they_were_skipped(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    options = dataset(tmp_path, good_ttl(sha256="0" * 64), sources=False)
    code, data = report(runner, options)
    assert code == 0 and data["findings"] == []
    assert [s.split(":")[0] for s in data["skipped"]] == ["source file", "checksum", "evidence", "date words", "printed words"]
    text = runner.invoke(main, ["validate", *options]).output
    assert "SKIPPED     evidence: no sources folder" in text


def test_a_configured_sources_folder_that_does_not_exist_stops_validate(runner, tmp_path):
    result = runner.invoke(main, ["validate", *dataset(tmp_path), "--sources", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "The sources folder" in result.output


# -- messages -----------------------------------------------------------------------

def test_an_undeclared_term_names_file_and_line(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, data = report(runner, dataset(tmp_path, good_ttl(more="event:release cpo:statsu cpo:Occurred .\n")))
    [term] = data["undeclared_terms"]
    [place] = term["places"]
    assert term["term"] == CPO + "statsu" and place.startswith("data/freed.ttl:")
    line = int(place.rsplit(":", 1)[1])
    assert "cpo:statsu" in Path("data/freed.ttl").read_text().splitlines()[line - 1]
    text = runner.invoke(main, ["validate", *dataset(tmp_path / "again", good_ttl(
        more="event:release cpo:statsu cpo:Occurred .\n"))]).output
    assert "UNDECLARED  " in text and "undeclared term(s) (UNDECLARED, file:line)" in text


def test_term_lines_finds_prefixed_and_full_forms(tmp_path):
    path = tmp_path / "x.ttl"
    path.write_text(f"PREFIX cpo: <{CPO}>\n<a:b> cpo:statsu <c:d> .\n<a:b> <{CPO}statsu> <c:d> .\n"
                    "<a:b> cpo:statsuX <c:d> .\n")
    assert term_lines(path, CPO + "statsu") == [2, 3]


def test_a_warning_names_the_file_whose_statement_causes_it(runner, tmp_path, monkeypatch):
    """The resource is described in two files; only one types it (what makes the shape
    apply), so only that one is named for its missing label."""
    monkeypatch.chdir(tmp_path)
    also = PREFIXES + f"<{BASE}person/p> <https://schema.org/alternateName> \"P\"@en .\n"
    ttl = good_ttl(more=f"<{BASE}person/p> a schema:Person .\n")
    _code, data = report(runner, dataset(tmp_path, ttl, extra={"also.ttl": also}))
    [result] = [r for r in data["results"] if r["focus_node"] == f"{BASE}person/p"]
    assert result["files"] == ["data/freed.ttl"]


# -- a curator's workflow -----------------------------------------------------------

def test_new_source_scaffolds_a_file_that_validate_file_explains(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    options = dataset(tmp_path)
    received = tmp_path / "received.txt"
    received.write_text("KNLF to register as a party\n\nSome text.\n", encoding="utf-8")
    made = runner.invoke(main, ["new-source", str(received), "--data", "data"])
    assert made.exit_code == 0, made.output
    scaffold = Path("data/knlf-to-register-as-a-party.ttl")
    assert Path("sources/received.txt").read_bytes() == received.read_bytes()
    graph = Graph().parse(scaffold)
    article = URIRef(BASE + "source/knlf-to-register-as-a-party")
    assert graph.value(article, URIRef(CPO + "sourceFile")) == Literal("received.txt")
    assert str(graph.value(article, URIRef("https://schema.org/sha256"))) == sha(received.read_text())
    code, data = report(runner, options, "--file", str(scaffold))
    assert code == 1 and data["findings"] == []
    assert {r["files"][0] for r in data["results"]} == {str(scaffold)}
    assert any(r["path"] == CPO + "precision" for r in data["results"])     # what to fill in next
    again = runner.invoke(main, ["new-source", str(received), "--data", "data"])
    assert again.exit_code != 0 and "exists already" in again.output


def test_validate_file_reports_only_that_file_and_refuses_a_stranger(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    options = dataset(tmp_path, good_ttl(evidence='"No such words"@en'),
                      extra={"other.ttl": PREFIXES + "graph:other a cpo:SourceGraph .\n"})
    code, data = report(runner, options, "--file", "data/other.ttl")
    assert {f["file"] for f in data["findings"]} == {"data/other.ttl"} and code == 1
    stranger = runner.invoke(main, ["validate", *options, "--file", "elsewhere.ttl"])
    assert stranger.exit_code == 2 and "not a file of the data folder" in stranger.output


def test_sources_update_records_checksums_and_is_idempotent(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    options = dataset(tmp_path, good_ttl(sha256="0" * 64))
    check = runner.invoke(main, ["sources", *options, "--check"])
    assert check.exit_code == 1 and "checksum differs" in check.output
    assert runner.invoke(main, ["sources", *options, "--update"]).exit_code == 0
    written = Path("data/freed.ttl").read_text()
    assert sha(TEXT) in written
    assert runner.invoke(main, ["sources", *options, "--update"]).exit_code == 0
    assert Path("data/freed.ttl").read_text() == written
    assert runner.invoke(main, ["sources", *options, "--check"]).exit_code == 0
    assert report(runner, options)[0] == 0


def test_validate_on_turbo_does_not_import_the_reference_engine():
    """Start-up counts in a curator's wait: validate on turbo never imports pySHACL (0.3 s)."""
    import subprocess
    import sys
    code = ("import sys\nfrom server.cli import main\ntry:\n    main(['validate'])\n"
            "except SystemExit as e:\n    print(e.code, sorted(m for m in ('pyshacl.entrypoints', "
            "'pyshacl.validate') if m in sys.modules))\n")
    pytest.importorskip("pyshacl_turbo")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "0 []", out.stdout[-500:] + out.stderr[-2000:]


def test_line_numbers_follow_the_file_and_skip_files_too_big_to_hold(tmp_path, monkeypatch):
    """Findings' line numbers come from the file as it is now (a file read for an earlier
    finding is re-read once it changes); a file over LINE_LOOKUP_MAX_BYTES gets none."""
    from server import curation
    path = tmp_path / "a.ttl"
    path.write_text('@prefix ex: <http://example.org/> .\nex:a ex:p ex:b .\n', encoding="utf-8")
    assert curation.term_lines(path, "http://example.org/b") == [2]
    path.write_text('@prefix ex: <http://example.org/> .\n\n\nex:a ex:p\n  ex:b, <http://example.org/b> .\n',
                    encoding="utf-8")
    assert curation.term_lines(path, "http://example.org/b") == [5]
    assert curation._quote_line(str(path), "ex:p") == 4
    monkeypatch.setattr(curation, "LINE_LOOKUP_MAX_BYTES", 10)
    assert curation.term_lines(path, "http://example.org/b") == []
