"""The SHACL shapes, constraint by constraint.

Each invalid fixture tests/shapes/invalid/<shape>/<NN>_<what>.ttl states in its header
the ONE result it must produce (focus node, path, constraint component, severity,
source shape, count); each valid fixture in tests/shapes/valid/ must produce none. When a defect
necessarily trips a second, SPARQL-based check too, '# expect-also: <shape>' names it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SH, SKOS

from server.report import fill_message
from server.validation import check_shapes, undeclared_terms, unknown_shacl_terms, validate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "shapes"
INVALID = sorted((FIXTURES / "invalid").glob("*/*.ttl"))
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
EXPECTED_INVALID_FIXTURES = 76  # raise when you add one: a lost fixture must fail
CPO = "https://w3id.org/cambodia-prosecutions/ontology#"


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ROOT / "ontology" / "cambodia-prosecutions.ttl")


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return Graph().parse(ROOT / "shapes" / "cambodia-prosecutions-shapes.ttl")


def expectation(path: Path) -> tuple[Graph, dict]:
    """The fixture graph and its '# expect-<key>: <value>' header, with CURIEs expanded."""
    graph = Graph().parse(path)
    header = dict(re.findall(r"(?m)^# expect-([a-z]+): (.+)$", path.read_text(encoding="utf-8")))

    def term(text: str):
        if text == "none":
            return None
        if text.startswith("<"):
            return URIRef(text[1:-1])
        return graph.namespace_manager.expand_curie(text)

    return graph, {
        "focus_node": term(header["focus"]), "path": term(header["path"]),
        "constraint_component": term(header["component"]), "severity": term(header["severity"]),
        "source_shape": term(header["shape"]), "count": int(header["count"]),
        "also": [term(t) for t in header.get("also", "").split()],
    }


def test_every_fixture_was_collected():
    assert len(INVALID) == EXPECTED_INVALID_FIXTURES
    assert len(VALID) >= 1


@pytest.mark.parametrize("path", INVALID, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_invalid_fixture_gives_exactly_the_expected_result(path, shapes, ontology):
    graph, want = expectation(path)
    results = validate(graph, shapes, ontology).results
    got = [{"focus_node": r.focus_node, "path": r.path, "constraint_component": r.constraint_component,
            "severity": r.severity, "source_shape": r.source_shape} for r in results]
    count, also = want.pop("count"), want.pop("also")
    assert [g for g in got if g["source_shape"] not in also] == [want] * count
    assert sorted(g["source_shape"] for g in got if g["source_shape"] in also) == sorted(also)
    filled = [fill_message(r, graph.namespace_manager) for r in results]
    assert all(m and not re.search(r"\{[$?]", m) for m in filled), filled


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_gives_no_result(path, shapes, ontology):
    report = validate(Graph().parse(path), shapes, ontology)
    assert [(r.source_shape, r.focus_node, r.message) for r in report.results] == []
    assert report.conforms


def test_every_constraint_shape_has_an_invalid_fixture(shapes):
    """A shape (or SPARQL constraint) that owns a message is tested by tests/shapes/invalid/<its name>/."""
    owners = {str(s).rsplit("#", 1)[-1] for s in shapes.subjects(SH.message, None)}
    covered = {p.parent.name for p in INVALID}
    assert sorted(owners - covered) == []
    assert sorted(covered - owners) == []


@pytest.mark.parametrize("component", [SH.MinCountConstraintComponent, SH.SPARQLConstraintComponent])
def test_warnings_do_not_break_conformance(component, shapes, ontology):
    path = next(p for p in INVALID if expectation(p)[1]["severity"] == SH.Warning
                and expectation(p)[1]["constraint_component"] == component)
    report = validate(Graph().parse(path), shapes, ontology)
    assert report.warnings and report.conforms


def test_every_shape_has_a_name_message_and_deliberate_severity(shapes):
    for owner in set(shapes.subjects(SH.message, None)):
        assert shapes.value(owner, SH.name) is not None, owner
        severity = shapes.value(owner, SH.severity)
        if severity is None:  # a SPARQL constraint takes the severity of the node shape that owns it
            severity = shapes.value(shapes.value(None, SH.sparql, owner), SH.severity)
        assert severity in (SH.Violation, SH.Warning, SH.Info), owner


def test_the_shapes_pass_shacl_for_shacl(shapes):
    assert check_shapes(shapes) == []


def test_a_stray_colon_after_an_sh_term_is_caught():
    broken = Graph().parse(data='@prefix sh: <http://www.w3.org/ns/shacl#> . <x:s> a sh:NodeShape ; <http://www.w3.org/ns/shacl#message:> "m" .', format="turtle")
    assert unknown_shacl_terms(broken) == {URIRef("http://www.w3.org/ns/shacl#message:")}
    assert any("message:" in problem for problem in check_shapes(broken))


def test_every_cpo_term_in_the_shapes_is_declared(shapes, ontology):
    assert undeclared_terms([shapes], ontology, CPO) == set()


@pytest.mark.parametrize("scheme", ["EventStatusScheme", "ChargeScheme", "ReleaseBasisScheme", "StanceScheme",
                                    "CountQualifierScheme", "DatePrecisionScheme", "DateBasisScheme"])
def test_an_sh_in_list_is_exactly_its_concept_scheme(scheme, shapes, ontology):
    members = set(ontology.subjects(SKOS.inScheme, URIRef(CPO + scheme)))
    lists = [set(shapes.items(node)) for node in shapes.objects(None, SH["in"])]
    assert members in lists, f"the sh:in list for cpo:{scheme} differs from the ontology's scheme"
