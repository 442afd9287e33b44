"""The ontology: it parses, is versioned, documents every term, and declares every cpo: term in use."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SH, SKOS

from server.validation import undeclared_terms

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_FILE = ROOT / "ontology" / "cambodia-prosecutions.ttl"
ONTOLOGY_IRI = URIRef("https://w3id.org/cambodia-prosecutions/ontology")
CPO = Namespace(str(ONTOLOGY_IRI) + "#")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE)


def cpo_terms(g: Graph) -> set[URIRef]:
    return {s for s in g.subjects(RDF.type, None) if isinstance(s, URIRef) and s.startswith(str(CPO))}


@pytest.mark.parametrize("prop", [OWL.versionInfo, OWL.versionIRI, DCTERMS.modified, DCTERMS.title,
                                  DCTERMS.description, DCTERMS.license, SKOS.changeNote])
def test_the_ontology_header_has(ontology, prop):
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    assert ontology.value(ONTOLOGY_IRI, prop) is not None, f"add {prop.n3(ontology.namespace_manager)} to the ontology header"


def test_the_last_modification_says_why(ontology):
    modified = str(ontology.value(ONTOLOGY_IRI, DCTERMS.modified))
    notes = [str(n) for n in ontology.objects(ONTOLOGY_IRI, SKOS.changeNote)]
    assert any(n.startswith(modified) for n in notes), f"add a skos:changeNote starting '{modified}: ' saying what changed"


def test_the_version_iri_names_the_version(ontology):
    version = str(ontology.value(ONTOLOGY_IRI, OWL.versionInfo))
    assert str(ontology.value(ONTOLOGY_IRI, OWL.versionIRI)) == f"{ONTOLOGY_IRI}/{version}"


@pytest.mark.parametrize("prop", [RDFS.label, RDFS.comment])
def test_every_term_has_an_english(ontology, prop):
    missing = sorted(t for t in cpo_terms(ontology)
                     if not any(getattr(o, "language", None) == "en" for o in ontology.objects(t, prop)))
    assert missing == []


def test_every_term_is_defined_by_the_ontology(ontology):
    assert sorted(t for t in cpo_terms(ontology) if (t, RDFS.isDefinedBy, ONTOLOGY_IRI) not in ontology) == []


def test_every_concept_is_in_a_scheme_with_a_label_and_definition(ontology):
    concepts = set(ontology.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 50
    bad = sorted(c for c in concepts
                 if not any((s, RDF.type, SKOS.ConceptScheme) in ontology for s in ontology.objects(c, SKOS.inScheme))
                 or ontology.value(c, SKOS.prefLabel) is None or ontology.value(c, SKOS.definition) is None)
    assert bad == []


def test_every_event_class_is_an_event_kind(ontology):
    """Event classes are punned as concepts of cpo:EventKindScheme (so "event kinds" is a SKOS list)."""
    event_classes = {c for c in ontology.transitive_subjects(RDFS.subClassOf, CPO.Event)} - {CPO.Event, CPO.LegalEvent}
    assert CPO.Pardon in event_classes
    assert sorted(c for c in event_classes if (c, SKOS.inScheme, CPO.EventKindScheme) not in ontology) == []


@pytest.mark.parametrize("term", ["evidence", "conflictsWith", "sourceFile", "translator", "photographer",
                                  "SourceGraph", "ReportedDate", "UnnamedGroup", "status", "Occurred",
                                  "ActingHeadOfState", "BasisPardon", "AtLeast", "DayPrecision", "Inferred"])
def test_the_contract_term_is_declared(ontology, term):
    assert CPO[term] in cpo_terms(ontology)


def test_unnamed_groups_are_not_organisations(ontology):
    supers = set(ontology.transitive_objects(CPO.UnnamedGroup, RDFS.subClassOf))
    assert URIRef("https://schema.org/Organization") not in supers


# -- every cpo: term used anywhere is declared ------------------------------------------

def rdf_files() -> list[Path]:
    return sorted((ROOT / "data").glob("*.ttl")) + sorted((ROOT / "shapes").glob("*.ttl"))


@pytest.mark.parametrize("path", rdf_files(), ids=lambda p: p.name)
def test_every_cpo_term_used_in_the_file_is_declared(ontology, path):
    assert undeclared_terms([Graph().parse(path)], ontology, CPO) == set()


def cpo_terms_in_query(text: str) -> set[URIRef]:
    """cpo: terms written as prefixed names or full IRIs in a SPARQL query (comments ignored)."""
    text = re.sub(r"(?m)#.*$", "", re.sub(r"<[^>\s]*>", lambda m: m.group(0).replace("#", "\x00"), text))
    text = text.replace("\x00", "#")
    names = re.findall(r"\bcpo:([A-Za-z_][\w-]*)", text)
    iris = re.findall(re.escape(str(CPO)) + r"([A-Za-z_][\w-]*)>", text)
    return {CPO[n] for n in names + iris}


@pytest.mark.parametrize("query, expected", [
    ("SELECT * { ?e a cpo:Pardon ; cpo:date ?d }", {CPO.Pardon, CPO.date}),
    ("SELECT * { ?e <https://w3id.org/cambodia-prosecutions/ontology#status> ?s } # cpo:NotUsed", {CPO.status}),
])
def test_cpo_terms_are_found_in_queries(query, expected):
    assert cpo_terms_in_query(query) == expected


@pytest.mark.parametrize("path", sorted((ROOT / "queries").glob("*.rq")), ids=lambda p: p.name)
def test_every_cpo_term_used_in_the_query_is_declared(ontology, path):
    assert sorted(cpo_terms_in_query(path.read_text(encoding="utf-8")) - cpo_terms(ontology)) == []


def shipped_data() -> Graph:
    data = Graph()
    for path in sorted((ROOT / "data").glob("*.ttl")):
        data.parse(path)
    return data


def test_every_class_the_data_uses_has_a_shape(ontology):
    """SHACL shapes for every class the data uses: a shape targets the class or a superclass."""
    shapes = Graph()
    for path in sorted((ROOT / "shapes").glob("*.ttl")):
        shapes.parse(path)
    targets = set(shapes.objects(None, SH.targetClass))
    used = set(shipped_data().objects(None, RDF.type))
    assert len(used) > 20
    unshaped = sorted(c for c in used if not set(ontology.transitive_objects(c, RDFS.subClassOf)) & targets)
    assert unshaped == [], "add a node shape (sh:targetClass) for these classes to shapes/"


# -- the diagram in docs/data-model.md is the one generated from the ontology ----------

def test_the_data_model_doc_shows_the_generated_diagram(ontology):
    from server.diagram import render, replace_diagram
    doc = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert replace_diagram(doc, render(ontology)) == doc, "run: python -m server diagram"


def test_update_doc_rewrites_only_the_block_between_the_markers(tmp_path, ontology):
    from server.diagram import END, START, render, update_doc
    doc = tmp_path / "model.md"
    doc.write_text(f"# Title\n\n{START}\nold picture\n{END}\n\nAfter.\n", encoding="utf-8")
    assert update_doc(doc, ontology) is True
    assert doc.read_text(encoding="utf-8") == f"# Title\n\n{START}\n```mermaid\n{render(ontology)}```\n{END}\n\nAfter.\n"
    assert update_doc(doc, ontology) is False


def test_update_doc_says_which_markers_are_missing(tmp_path, ontology):
    from server.diagram import update_doc
    doc = tmp_path / "model.md"
    doc.write_text("# No markers\n", encoding="utf-8")
    with pytest.raises(ValueError, match="diagram:start"):
        update_doc(doc, ontology)


def test_the_diagram_shows_main_classes_and_links(ontology):
    from server.diagram import render
    diagram = render(ontology)
    assert diagram.startswith("classDiagram")
    assert "LegalEvent <|-- Sentence" in diagram
    assert "LegalEvent <|-- Pardon" in diagram and "LegalEvent <|-- Arrest" in diagram
    assert "class Protest" not in diagram  # other event kinds are listed in the text, not drawn
    assert "Statement --> prov_Agent : statedBy" in diagram
    assert "+xsd_duration sentenceLength" in diagram
