"""The SHACL shapes, constraint by constraint.

Each invalid fixture tests/shapes/invalid/<shape>/<NN>_<what>.ttl states in its header
the ONE result it must produce (focus node, path, constraint component, severity,
source shape, count); each valid fixture in tests/shapes/valid/ must produce none. When a defect
necessarily trips a second, SPARQL-based check too, '# expect-also: <shape>' names it.
<shape> is the local name of the shape that owns the constraint: a property shape, a node
shape with a constraint of its own, or a SPARQL constraint (whose results name the node
shape that holds it as their source shape). Every constraint of the shapes graph, that is
every (owner, constraint component) pair, must have a fixture.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH, SKOS

from server.report import fill_message
from server.validation import check_shapes, undeclared_terms, unknown_shacl_terms, validate

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "shapes"
INVALID = sorted((FIXTURES / "invalid").glob("*/*.ttl"))
VALID = sorted((FIXTURES / "valid").glob("*.ttl"))
EXPECTED_INVALID_FIXTURES = 152  # raise when you add one: a lost fixture must fail
EXPECTED_VALID_FIXTURES = 2
CPO = "https://w3id.org/cambodia-prosecutions/ontology#"
CPSH = Namespace("https://w3id.org/cambodia-prosecutions/shapes#")

#: Constraint parameter -> the component its results name (SHACL 4; the ones we may use).
COMPONENTS = {SH[p]: SH[p[0].upper() + p[1:] + "ConstraintComponent"] for p in (
    "class", "datatype", "nodeKind", "minCount", "maxCount", "minExclusive", "minInclusive", "maxExclusive",
    "maxInclusive", "minLength", "maxLength", "pattern", "languageIn", "uniqueLang", "equals", "disjoint",
    "lessThan", "lessThanOrEquals", "not", "and", "or", "xone", "node", "closed", "hasValue", "in")}
COMPONENTS[SH.qualifiedValueShape] = SH.QualifiedMinCountConstraintComponent


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


def constraints(shapes: Graph) -> set[tuple[URIRef, URIRef]]:
    """Every (owner, constraint component) of the shapes graph. Blank nodes are the members
    of sh:or / sh:not...: their failures are reported as the owner's sh:Or / sh:Not."""
    found = {(owner, COMPONENTS[param]) for owner, param, _ in shapes
             if param in COMPONENTS and not isinstance(owner, BNode)}
    return found | {(c, SH.SPARQLConstraintComponent) for c in shapes.objects(None, SH.sparql)}


def owners(shapes: Graph) -> set[URIRef]:
    """Every shape that owns a constraint, and so needs a name, a message and a severity."""
    return {owner for owner, _component in constraints(shapes)}


def claim(path: Path) -> tuple[URIRef, URIRef]:
    """The (owner, component) a fixture tests: its folder names the owner."""
    return CPSH[path.parent.name], expectation(path)[1]["constraint_component"]


def test_every_fixture_was_collected():
    assert len(INVALID) == EXPECTED_INVALID_FIXTURES
    assert len(VALID) == EXPECTED_VALID_FIXTURES


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


def test_every_constraint_has_an_invalid_fixture(shapes):
    """Each (owner, component) pair, e.g. (cpsh:Event-status, sh:MaxCountConstraintComponent),
    is tested by a fixture in tests/shapes/invalid/<owner>/; no fixture tests a constraint
    that does not exist."""
    want = constraints(shapes)
    covered = {claim(p) for p in INVALID}
    assert sorted(want - covered) == [], "write an invalid fixture for each of these"
    assert sorted(covered - want) == [], "these fixtures test no constraint of the shapes"


def test_the_blank_sub_shapes_are_members_of_a_logical_constraint(shapes):
    """A constraint on a blank node is only reported through its owner's sh:or/sh:not: any
    other blank shape would produce results no fixture can name."""
    members = {m for p in (SH["or"], SH["and"], SH.xone) for lst in shapes.objects(None, p) for m in shapes.items(lst)}
    members |= set(shapes.objects(None, SH["not"])) | set(shapes.objects(None, SH.node))
    blank = {s for s, p, _ in shapes if p in COMPONENTS and isinstance(s, BNode)}
    assert blank <= members


@pytest.mark.parametrize("path", INVALID, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_the_fixture_folder_names_the_shape_its_results_come_from(path, shapes):
    owner, component = claim(path)
    source = expectation(path)[1]["source_shape"]
    if component == SH.SPARQLConstraintComponent:
        assert (source, SH.sparql, owner) in shapes
    else:
        assert source == owner


@pytest.mark.parametrize("component", [SH.MinCountConstraintComponent, SH.SPARQLConstraintComponent])
def test_warnings_do_not_break_conformance(component, shapes, ontology):
    path = next(p for p in INVALID if expectation(p)[1]["severity"] == SH.Warning
                and expectation(p)[1]["constraint_component"] == component)
    report = validate(Graph().parse(path), shapes, ontology)
    assert report.warnings and report.conforms


def severity_of(shapes: Graph, owner: URIRef):
    """The severity pySHACL reports: a SPARQL constraint's comes from the node shape holding it."""
    holder = shapes.value(None, SH.sparql, owner)
    return shapes.value(holder if holder is not None else owner, SH.severity)


@pytest.mark.parametrize("prop", [SH.name, SH.message])
def test_every_constraint_owner_has(prop, shapes):
    assert sorted(o for o in owners(shapes) if not any(
        getattr(v, "language", None) == "en" or prop == SH.name for v in shapes.objects(o, prop))) == []


def test_every_constraint_has_a_deliberate_severity(shapes):
    assert sorted(o for o in owners(shapes) if severity_of(shapes, o) not in (SH.Violation, SH.Warning, SH.Info)) == []


def test_a_severity_written_on_a_sparql_constraint_is_the_one_reported(shapes):
    """pySHACL ignores sh:severity on the SPARQL constraint itself: it must not say otherwise."""
    sparql = sorted(set(shapes.objects(None, SH.sparql)))
    assert len(sparql) >= 10, "the shapes lost their SPARQL constraints: this test would check nothing"
    assert [c for c in sparql if shapes.value(c, SH.severity) not in (None, severity_of(shapes, c))] == []


def test_every_shape_has_a_name(shapes):
    every = set(shapes.subjects(RDF.type, SH.NodeShape)) | set(shapes.subjects(RDF.type, SH.PropertyShape)) | owners(shapes)
    assert sorted(s for s in every if shapes.value(s, SH.name) is None) == []


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
