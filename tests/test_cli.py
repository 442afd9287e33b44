"""The command line (server.cli): validate's report and exit codes, serve's refusal of
invalid data and its production server, format, queries.

Most tests build a small dataset in tmp_path (a tiny ontology and shapes, so they do
not depend on the shipped ones); one uses copies of the shipped ontology and shapes,
and one validates the shipped data itself."""
from __future__ import annotations

import json
import re
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import NamespaceManager

from server.cli import main
from server.config import DEFAULTS, ROOT
from server.loader import is_canonical
from server.queries import load_queries
from server.report import short

BASE = "http://example.org/kg/"
BROKEN = Path(__file__).parent / "fixtures" / "broken" / "data"

ONTOLOGY = """\
@prefix ex:   <http://example.org/kg/ontology#> .
@prefix owl:  <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
ex:Event a owl:Class ; rdfs:label "Event"@en .
ex:Person a owl:Class ; rdfs:label "Person"@en .
ex:status a owl:ObjectProperty ; rdfs:label "status"@en .
ex:Occurred a owl:NamedIndividual ; rdfs:label "occurred"@en .
"""
SHAPES = """\
@prefix ex:   <http://example.org/kg/ontology#> .
@prefix exsh: <http://example.org/kg/shapes#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix sh:   <http://www.w3.org/ns/shacl#> .
exsh:EventShape a sh:NodeShape ; sh:targetClass ex:Event ;
    sh:property exsh:EventShape-status, exsh:EventShape-label .
exsh:EventShape-status a sh:PropertyShape ; sh:path ex:status ; sh:minCount 1 ;
    sh:severity sh:Violation ; sh:message "Event {$this} has no status: add {$path}"@en .
exsh:EventShape-label a sh:PropertyShape ; sh:path rdfs:label ; sh:minCount 1 ;
    sh:severity sh:Warning ; sh:message "Event has no label: add rdfs:label"@en .
"""
PREFIXES = """\
@prefix ex:    <http://example.org/kg/ontology#> .
@prefix event: <http://example.org/kg/event/> .
@prefix rdfs:  <http://www.w3.org/2000/01/rdf-schema#> .
"""
GOOD = PREFIXES + 'event:a a ex:Event ; ex:status ex:Occurred ; rdfs:label "A"@en .\n'
UNLABELLED = PREFIXES + "event:b a ex:Event ; ex:status ex:Occurred .\n"
NO_STATUS = PREFIXES + 'event:c a ex:Event ; rdfs:label "C"@en .\n'


def make_dataset(root: Path, **files: str) -> list[str]:
    """Write the tiny ontology, shapes and the given data files; return the CLI options."""
    for folder in ("ontology", "shapes", "data"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    (root / "ontology" / "vocab.ttl").write_text(ONTOLOGY)
    (root / "shapes" / "shapes.ttl").write_text(SHAPES)
    for stem, text in files.items():
        (root / "data" / f"{stem}.ttl").write_text(text)
    return ["--ontology", str(root / "ontology"), "--data", str(root / "data"),
            "--shapes", str(root / "shapes"), "--base-iri", BASE]


# -- validate -----------------------------------------------------------------------

@pytest.mark.parametrize("files, exit_code, verdict", [
    ({"one": GOOD},                            0, "CONFORMS"),
    ({"one": GOOD, "two": UNLABELLED},         0, "CONFORMS (warnings do not fail)"),
    ({"one": GOOD, "three": NO_STATUS},        1, "DOES NOT CONFORM"),
    ({"one": GOOD, "bad": BROKEN.joinpath("missing-dot.ttl").read_text()}, 2, "could not be parsed"),
])
@pytest.mark.parametrize("engine", ["pyshacl", "auto"])
def test_validate_exit_code_and_verdict(runner, tmp_path, files, exit_code, verdict, engine):
    result = runner.invoke(main, ["validate", *make_dataset(tmp_path, **files), "--engine", engine])
    assert result.exit_code == exit_code, result.output
    assert verdict in result.output


def test_each_problem_names_severity_resource_path_message_and_file(runner, tmp_path):
    options = make_dataset(tmp_path, one=GOOD, two=UNLABELLED, three=NO_STATUS)
    output = runner.invoke(main, ["validate", *options]).output
    blocks = [b for b in output.split("\n\n") if b.startswith(("VIOLATION", "WARNING"))]
    assert len(blocks) == 2
    violation, warning = blocks
    assert violation.splitlines()[0] == f"VIOLATION  {tmp_path / 'data' / 'three.ttl'}"
    assert "resource  event:c" in violation and "path      ex:status" in violation
    assert "message   Event event:c has no status: add ex:status" in violation
    assert warning.splitlines()[0] == f"WARNING  {tmp_path / 'data' / 'two.ttl'}"
    assert "resource  event:b" in warning and "path      rdfs:label" in warning


def test_summary_counts_triples_graphs_classes_and_results(runner, tmp_path):
    options = make_dataset(tmp_path, one=GOOD, two=UNLABELLED, three=NO_STATUS)
    summary = runner.invoke(main, ["validate", *options]).output.split("Summary\n", 1)[1]
    assert "triples     7 in 3 data graphs (3 files)" in summary
    assert re.search(r"^ +ex:Event +3$", summary, re.MULTILINE)
    assert "1 violations, 1 warnings, 0 infos" in summary


def test_json_report_lists_results_with_files(runner, tmp_path):
    options = make_dataset(tmp_path, one=GOOD, three=NO_STATUS)
    result = runner.invoke(main, ["validate", *options, "--format", "json"])
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["conforms"] is False
    assert report["counts"] == {"Violation": 1, "Warning": 0, "Info": 0}
    [problem] = report["results"]
    assert problem["focus_node"] == BASE + "event/c"
    assert problem["path"] == BASE + "ontology#status"
    assert problem["constraint_component"] == "http://www.w3.org/ns/shacl#MinCountConstraintComponent"
    assert problem["files"] == [str(tmp_path / "data" / "three.ttl")]


def test_syntax_errors_name_every_broken_file_with_line_and_column(runner, tmp_path):
    options = make_dataset(tmp_path, one=GOOD)
    for name in ("missing-dot.ttl", "unterminated-string.ttl"):
        shutil.copy(BROKEN / name, tmp_path / "data" / name)
    result = runner.invoke(main, ["validate", *options])
    assert result.exit_code == 2
    assert f"{tmp_path / 'data' / 'missing-dot.ttl'}:5:1: syntax error" in result.output
    assert f"{tmp_path / 'data' / 'unterminated-string.ttl'}:5:17: syntax error" in result.output
    json_result = runner.invoke(main, ["validate", *options, "--format", "json"])
    assert {(Path(e["file"]).name, e["line"]) for e in json.loads(json_result.output)["errors"]} == \
        {("missing-dot.ttl", 5), ("unterminated-string.ttl", 5)}


def test_undeclared_terms_of_the_ontology_namespace_fail(runner, tmp_path):
    options = make_dataset(tmp_path, one=GOOD + "event:a ex:statsu ex:Occurred .\n")
    result = runner.invoke(main, ["validate", *options])
    assert result.exit_code == 1
    assert f"UNDECLARED  {tmp_path / 'data' / 'one.ttl'}:5  ex:statsu" in result.output
    assert "DOES NOT CONFORM: fix the 1 undeclared term(s) (UNDECLARED, file:line)" in result.output


def test_settings_come_from_kg_environment_variables(runner, tmp_path):
    make_dataset(tmp_path, three=NO_STATUS)
    env = {"KG_ONTOLOGY_DIR": str(tmp_path / "ontology"), "KG_DATA_DIR": str(tmp_path / "data"),
           "KG_SHAPES_DIR": str(tmp_path / "shapes"), "KG_BASE_IRI": BASE}
    result = runner.invoke(main, ["validate"], env=env)
    assert result.exit_code == 1 and "three.ttl" in result.output


def test_invalid_data_fails_against_the_shipped_ontology_and_shapes(runner, tmp_path):
    for key, folder in (("ONTOLOGY_DIR", "ontology"), ("SHAPES_DIR", "shapes")):
        shutil.copytree(DEFAULTS[key], tmp_path / folder)
    (tmp_path / "data").mkdir()
    cpo = DEFAULTS["BASE_IRI"] + "ontology#"
    event = DEFAULTS["BASE_IRI"] + "event/1999-unnamed-pardon"
    (tmp_path / "data" / "made-up.ttl").write_text(f"<{event}> a <{cpo}Pardon> .\n")
    result = runner.invoke(main, ["validate", "--ontology", str(tmp_path / "ontology"),
                                  "--data", str(tmp_path / "data"), "--shapes", str(tmp_path / "shapes"),
                                  "--format", "json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    assert any(r["focus_node"] == event and r["path"] == cpo + "status" and r["severity"] == "Violation"
               and r["files"] == [str(tmp_path / "data" / "made-up.ttl")] for r in report["results"])


def test_the_shipped_data_conforms(runner):
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 0, result.output
    summary = result.output.split("Summary\n", 1)[1]
    assert "CONFORMS" in summary and "per class" in summary


# -- serve ---------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(options: list[str], port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "server", "serve", "--port", str(port), *options],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(url: str, process: subprocess.Popen, within: float = 60) -> requests.Response:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{process.stdout.read()}")
        try:
            return requests.get(url, timeout=5)
        except requests.ConnectionError:
            time.sleep(0.3)
    pytest.fail(f"{url} did not answer within {within} s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_serve_refuses_invalid_data_without_starting(tmp_path):
    port = free_port()
    process = serve(make_dataset(tmp_path, three=NO_STATUS), port)
    try:
        output, _ = process.communicate(timeout=120)
    finally:
        stop(process)
    assert process.returncode == 1
    assert "VIOLATION" in output and "three.ttl" in output
    assert "refusing to serve" in output and "--allow-invalid" in output
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=2)


def test_serve_refuses_unparsable_data(tmp_path):
    options = make_dataset(tmp_path, one=GOOD)
    shutil.copy(BROKEN / "missing-dot.ttl", tmp_path / "data")
    process = serve(options, free_port())
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 2
    assert "missing-dot.ttl:5:1:" in output and "refusing to serve" in output


@pytest.mark.parametrize("flags, server_header", [
    ([], "granian"),
    (["--dev"], "Werkzeug"),
])
def test_serve_with_allow_invalid_starts_the_server(tmp_path, flags, server_header):
    port = free_port()
    process = serve([*make_dataset(tmp_path, three=NO_STATUS), "--allow-invalid",
                     "--backend", "rdflib", *flags], port)
    try:
        response = wait_for(f"http://127.0.0.1:{port}/", process)
        assert server_header in response.headers.get("Server", "")
    finally:
        stop(process)
    assert "serving data that does not conform" in process.stdout.read()


# -- format and queries -------------------------------------------------------------------

def test_format_check_reports_then_format_fixes(runner, tmp_path):
    make_dataset(tmp_path, messy="@prefix ex: <http://example.org/kg/ontology#> .\n"
                                 "<http://example.org/kg/event/z>   a ex:Event.\n")
    data = ["--data", str(tmp_path / "data")]
    check = runner.invoke(main, ["format", "--check", *data])
    assert check.exit_code == 1 and "not canonical" in check.output and "messy.ttl" in check.output
    assert runner.invoke(main, ["format", *data]).exit_code == 0
    assert is_canonical(tmp_path / "data" / "messy.ttl")
    again = runner.invoke(main, ["format", "--check", *data])
    assert again.exit_code == 0 and "all data files are in canonical form" in again.output


def test_format_check_passes_on_the_shipped_data(runner):
    result = runner.invoke(main, ["format", "--check"])
    assert result.exit_code == 0, result.output


def test_queries_lists_every_competency_question(runner):
    expected = load_queries(DEFAULTS["QUERIES_DIR"])
    text = runner.invoke(main, ["queries"])
    assert text.exit_code == 0 and text.output.rstrip().endswith(f"{len(expected)} queries")
    listed = json.loads(runner.invoke(main, ["queries", "--format", "json"]).output)
    assert [q["name"] for q in listed] == [q.name for q in expected]
    assert all(q["title"] and q["sources"] for q in listed)


# -- report rendering -------------------------------------------------------------------

@pytest.mark.parametrize("node, shown", [
    (URIRef(BASE + "person/kem-sokha"),           "person:kem-sokha"),
    (URIRef(BASE + "event/2017-arrest#date-one"), "event:2017-arrest#date-one"),
    (URIRef("http://elsewhere.example/x#y"),      "<http://elsewhere.example/x#y>"),
    (Literal("Kem Sokha", lang="en"),             '"Kem Sokha"@en'),
    (Literal("x" * 500),                          '"' + "x" * 118 + "…"),
    (None,                                        "-"),
])
def test_resources_are_shown_with_prefixes(node, shown):
    names = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
    names.bind("person", BASE + "person/")
    names.bind("event", BASE + "event/")
    assert short(node, names) == shown


# -- cold start on a persistent store ------------------------------------------------

def test_a_restart_on_unchanged_files_skips_validation_and_a_change_revalidates(tmp_path, monkeypatch):
    from server import cli, loader
    make_dataset(tmp_path, one=GOOD)
    config = {**DEFAULTS, "BASE_IRI": BASE, "ONTOLOGY_DIR": str(tmp_path / "ontology"),
              "DATA_DIR": str(tmp_path / "data"), "SHAPES_DIR": str(tmp_path / "shapes"),
              "STORE_PATH": str(tmp_path / "store"), "VALIDATE_ON_START": True}
    parsed = []
    for reader in ("parse_file", "file_terms"):        # rdflib's path and pyoxigraph's
        real = getattr(loader, reader)
        monkeypatch.setattr(loader, reader, lambda path, *a, _real=real, **k:
                            parsed.append(Path(path).name) or _real(path, *a, **k))

    code, first = cli.preflight(config, "pyshacl")
    assert code is None and first.action == "built" and first.outcome.conforms
    first.store.close()
    code, again = cli.preflight(config, "pyshacl")
    assert code is None and again.action == "opened" and again.outcome is None
    again.store.close()
    assert parsed.count("one.ttl") == 1, "the second start on the same files must not parse or validate"

    (tmp_path / "data" / "three.ttl").write_text(NO_STATUS)
    code, refused = cli.preflight(config, "pyshacl")
    assert code == 1 and refused is None, "changed, non-conforming files are checked again"
    assert parsed.count("three.ttl") == 1


# -- generate ------------------------------------------------------------------------

def test_generate_writes_a_synthetic_dataset_that_validates(runner, tmp_path):
    out = tmp_path / "synthetic"
    result = runner.invoke(main, ["generate", "--triples", "1500", "--out", str(out)])
    assert result.exit_code == 0, result.output
    quads = (out / "synthetic.nq").read_text().splitlines()
    assert 1400 <= len(quads) <= 1600
    checked = runner.invoke(main, ["validate", "--data", str(out), "--engine", "pyshacl"])
    assert checked.exit_code == 0, checked.output
    assert "0 violations" in checked.output


# -- diagram --------------------------------------------------------------------------

def test_diagram_check_says_the_shipped_doc_is_current(runner):
    result = runner.invoke(main, ["diagram", "--check", "--doc", str(ROOT / "docs" / "data-model.md")])
    assert result.exit_code == 0, result.output
    assert "is current" in result.output


def test_diagram_rewrites_an_outdated_doc_and_check_catches_it(runner, tmp_path):
    (tmp_path / "ontology").mkdir()
    (tmp_path / "ontology" / "o.ttl").write_text(ONTOLOGY + "ex:concerns a owl:ObjectProperty ; "
                                                 "rdfs:domain ex:Event ; rdfs:range ex:Person .\n")
    doc = tmp_path / "model.md"
    doc.write_text("# Model\n<!-- diagram:start -->\nold\n<!-- diagram:end -->\nafter\n")
    options = ["--ontology", str(tmp_path / "ontology"), "--doc", str(doc)]
    stale = runner.invoke(main, ["diagram", "--check", *options])
    assert stale.exit_code == 1 and "out of date" in stale.output
    assert runner.invoke(main, ["diagram", *options]).exit_code == 0
    text = doc.read_text()
    assert "```mermaid" in text and "old" not in text and text.endswith("after\n")
    assert "concerns" in text and "Event" in text and "Person" in text
    assert runner.invoke(main, ["diagram", "--check", *options]).exit_code == 0


def test_diagram_without_markers_says_what_to_add(runner, tmp_path):
    doc = tmp_path / "plain.md"
    doc.write_text("# No markers\n")
    result = runner.invoke(main, ["diagram", "--doc", str(doc)])
    assert result.exit_code != 0 and "diagram:start" in result.output
