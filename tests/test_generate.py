"""The synthetic data generator (server.generate): size, determinism, shape of the data,
and conformance to our SHACL shapes."""
from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import BNode, Dataset, Graph, Literal

from server.config import DEFAULTS
from server.generate import OUTPUT_NAME, generate_dataset, generate_quads
from server.namespaces import DEFAULT_BASE

CPO = DEFAULT_BASE + "ontology#"
EVENT_KINDS = ["Arrest", "Charge", "Verdict", "Sentence", "BailDecision", "Pardon", "Release"]


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[dict, Dataset]:
    """A 2,000-quad dataset written to disk and parsed back with rdflib."""
    out = tmp_path_factory.mktemp("synthetic")
    stats = generate_dataset(out, 2000, seed=7)
    ds = Dataset(default_union=True)          # queries see the union of the graphs
    ds.parse(out / OUTPUT_NAME, format="nquads")
    return stats, ds


def select(ds: Dataset, query: str) -> list:
    return list(ds.query(f"PREFIX cpo: <{CPO}>\nPREFIX schema: <https://schema.org/>\n"
                         f"PREFIX prov: <http://www.w3.org/ns/prov#>\n{query}"))


@pytest.mark.parametrize("target", [500, 2_000, 10_000, 30_000])
def test_size_is_the_requested_number_of_quads_within_5_percent(target):
    lines, stats = generate_quads(target, seed=1)
    assert stats["triples"] == len(lines) == len(set(lines))
    assert abs(len(lines) - target) <= 0.05 * target


def test_same_seed_gives_the_same_bytes_and_another_seed_differs(tmp_path):
    a = generate_dataset(tmp_path / "a", 3000, seed=3)
    b = generate_dataset(tmp_path / "b", 3000, seed=3)
    c = generate_dataset(tmp_path / "c", 3000, seed=4)
    text = {k: Path(s["path"]).read_bytes() for k, s in {"a": a, "b": b, "c": c}.items()}
    assert text["a"] == text["b"]
    assert text["a"] != text["c"]


@pytest.mark.parametrize("bad", [0, -5])
def test_a_non_positive_size_is_refused_with_the_value(bad):
    with pytest.raises(ValueError, match=str(bad)):
        generate_quads(bad)


def test_the_file_parses_to_the_announced_number_of_quads(small):
    stats, ds = small
    assert sum(1 for _ in ds.quads((None, None, None, None))) == stats["triples"]


def test_one_named_graph_per_source_derived_from_a_news_article(small):
    stats, ds = small
    rows = select(ds, """SELECT ?g ?src WHERE { GRAPH ?g { ?g a cpo:SourceGraph ;
        prov:wasDerivedFrom ?src . ?src a schema:NewsArticle ; schema:headline ?h ;
        cpo:publicationDate ?d } }""")
    graphs = {g for _, _, _, g in ds.quads((None, None, None, None))}
    assert len(rows) == stats["articles"] == len(graphs)
    assert {g for g, _ in rows} == graphs
    for g, src in rows:                      # graph:<slug> is derived from source:<slug>
        assert str(g).rsplit("/", 1)[1] == str(src).rsplit("/", 1)[1]


def test_no_blank_nodes_and_every_iri_under_the_base(small):
    _, ds = small
    for s, p, o, g in ds.quads((None, None, None, None)):
        assert not any(isinstance(t, BNode) for t in (s, o, g))
        assert str(s).startswith(DEFAULT_BASE) and str(g).startswith(DEFAULT_BASE + "graph/")


def test_another_base_iri_is_used_throughout():
    lines, _ = generate_quads(300, base="http://example.org/kg/")
    assert all("http://example.org/kg/" in line for line in lines)
    assert not any(DEFAULT_BASE in line for line in lines)


@pytest.mark.parametrize("kind", EVENT_KINDS)
def test_every_main_event_kind_occurs(small, kind):
    rows = select(small[1], f"SELECT (COUNT(?e) AS ?n) WHERE {{ ?e a cpo:{kind} }}")
    assert int(rows[0][0]) > 0


def test_every_event_has_a_status_and_a_reported_date_with_bounds(small):
    rows = select(small[1], """SELECT ?e WHERE {
        VALUES ?kind { cpo:Arrest cpo:Charge cpo:Verdict cpo:Sentence cpo:BailDecision
                       cpo:Pardon cpo:Release }
        ?e a ?kind .
        FILTER NOT EXISTS { ?e cpo:status ?s ; cpo:date ?d . ?d a cpo:ReportedDate ;
            cpo:precision ?p ; cpo:dateValue ?v ; cpo:earliest ?lo ; cpo:latest ?hi ;
            cpo:dateBasis ?b . FILTER(?lo <= ?hi) } }""")
    assert rows == []


def test_dates_not_stated_carry_a_note(small):
    rows = select(small[1], """SELECT ?d WHERE { ?d cpo:dateBasis ?b .
        FILTER(?b != cpo:Stated) FILTER NOT EXISTS { ?d cpo:dateNote ?n } }""")
    assert rows == []


def test_people_have_one_english_name_across_all_graphs(small):
    rows = select(small[1], """SELECT ?p (COUNT(DISTINCT ?n) AS ?names) WHERE {
        ?p a schema:Person ; schema:name ?n ; schema:alternateName ?alt } GROUP BY ?p""")
    assert rows and all(int(n) == 1 for _, n in rows)


def test_pardons_are_signed_and_releases_give_their_basis(small):
    _, ds = small
    assert select(ds, "SELECT ?p WHERE { ?p a cpo:Pardon FILTER NOT EXISTS { ?p cpo:signedBy ?k } }") == []
    assert select(ds, """SELECT ?r WHERE { ?r a cpo:Release FILTER NOT EXISTS {
        ?r cpo:releaseBasis ?b ; cpo:resultsFrom ?p . ?p a cpo:Pardon } }""") == []


def test_sentences_statements_and_groups_carry_their_values(small):
    _, ds = small
    lengths = select(ds, "SELECT ?l WHERE { ?s a cpo:Sentence ; cpo:sentenceLength ?l }")
    assert lengths and all(str(l.datatype).endswith("#duration") for (l,) in lengths)
    assert select(ds, "SELECT ?s WHERE { ?s a cpo:Statement ; cpo:stance ?x ; cpo:statedBy ?who }")
    counts = select(ds, "SELECT ?n WHERE { ?g a cpo:UnnamedGroup ; cpo:memberCount ?n }")
    assert counts and all(isinstance(n, Literal) and int(n) >= 0 for (n,) in counts)


def _shapes_and_ontology() -> tuple[Graph, Graph]:
    shapes, ontology = Graph(), Graph()
    for path in sorted(Path(DEFAULTS["SHAPES_DIR"]).glob("*.ttl")):
        shapes.parse(path)
    for path in sorted(Path(DEFAULTS["ONTOLOGY_DIR"]).glob("*.ttl")):
        ontology.parse(path)
    assert len(shapes) and len(ontology), "no shapes or ontology in the repository: nothing to check against"
    return shapes, ontology


def _union_with_ontology(path: str, ontology: Graph) -> Graph:
    """The data as a SPARQL client sees it: the union of the graphs, ontology included
    (shapes such as ``sh:class org:Role`` need the concepts' types, which pySHACL's
    ontology inoculation does not copy)."""
    quads = Dataset()
    quads.parse(path, format="nquads")
    union = Graph()
    for s, p, o, _g in quads.quads((None, None, None, None)):
        union.add((s, p, o))
    return union + ontology


def test_a_small_dataset_gives_no_shacl_result_with_the_reference_engine(tmp_path):
    """Zero results, warnings included, with pySHACL (slow: kept small)."""
    from server.validation import validate
    shapes, ontology = _shapes_and_ontology()
    stats = generate_dataset(tmp_path, 500, seed=11)
    report = validate(_union_with_ontology(stats["path"], ontology), shapes, ontology)
    assert report.results == [], "\n".join(r.message for r in report.results[:20])


def test_a_10k_dataset_gives_no_shacl_result_with_the_fast_engine(tmp_path):
    pytest.importorskip("pyshacl_turbo")
    from server.validation_fast import validate_fast
    shapes, ontology = _shapes_and_ontology()
    stats = generate_dataset(tmp_path, 10_000, seed=5)
    report = validate_fast(_union_with_ontology(stats["path"], ontology), shapes, ontology)
    assert report.results == [], "\n".join(r.message for r in report.results[:20])
