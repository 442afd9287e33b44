"""The loader (server.loader): graph naming, origins, syntax errors with positions,
canonical serialization. Runs on small fixture folders and on the shipped data."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF

from server.config import DEFAULTS
from server.errors import DataLoadError
from server.loader import (DataLoadErrors, canonical_turtle, is_canonical, load_dataset,
                           parse_file, reformat)

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini"
BROKEN = FIXTURES / "broken" / "data"
BASE = "http://example.org/kg/"
EX = "http://example.org/kg/ontology#"


def load_mini(data_dir=MINI / "data", base=BASE):
    return load_dataset(MINI / "ontology", data_dir, MINI / "shapes", base)


def graph_names(loaded) -> set[str]:
    return {str(g.identifier) for g in loaded.dataset.graphs() if len(g)}


# -- graph naming ---------------------------------------------------------------

def test_each_folder_goes_to_its_graph():
    loaded = load_mini()
    assert graph_names(loaded) == {BASE + "graph/ontology", BASE + "graph/shapes",
                                   BASE + "graph/article-one", BASE + "graph/article-two"}
    assert [str(g) for g in loaded.data_graphs] == [BASE + "graph/article-one",
                                                    BASE + "graph/article-two"]
    assert (URIRef(BASE + "person/alice"), RDF.type, URIRef(EX + "Person")) in \
        loaded.dataset.graph(URIRef(BASE + "graph/article-one"))


def test_ontology_and_shapes_are_separate_graphs_not_in_the_data_union():
    loaded = load_mini()
    assert len(loaded.ontology) and len(loaded.shapes)
    union = loaded.data_union()
    assert set(union) == set().union(*(set(loaded.dataset.graph(g)) for g in loaded.data_graphs))
    assert not set(loaded.ontology) & set(union)
    assert not set(loaded.shapes) & set(union)


def test_base_iri_without_trailing_slash_is_normalised():
    loaded = load_mini(base=BASE.rstrip("/"))
    assert BASE + "graph/article-one" in graph_names(loaded)


@pytest.mark.parametrize("suffix, text", [
    (".nt", "<http://example.org/kg/person/z> <http://example.org/kg/ontology#p> \"z\" .\n"),
    (".jsonld", '{"@id": "http://example.org/kg/person/z", "http://example.org/kg/ontology#p": "z"}'),
    (".rdf", '<?xml version="1.0"?>\n<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
             ' xmlns:ex="http://example.org/kg/ontology#">\n<rdf:Description '
             'rdf:about="http://example.org/kg/person/z"><ex:p>z</ex:p></rdf:Description></rdf:RDF>\n'),
])
def test_triple_syntaxes_load_into_the_graph_named_after_the_file(tmp_path, suffix, text):
    (tmp_path / f"third{suffix}").write_text(text)
    loaded = load_dataset(None, tmp_path, None, BASE)
    graph = loaded.dataset.graph(URIRef(BASE + "graph/third"))
    assert set(graph) == {(URIRef(BASE + "person/z"), URIRef(EX + "p"), Literal("z"))}


def test_quad_files_keep_their_graph_names_and_default_triples_go_to_the_stem(tmp_path):
    (tmp_path / "bundle.trig").write_text(
        "<http://example.org/kg/person/a> <http://example.org/kg/ontology#p> 1 .\n"
        "<http://example.org/other/g> { <http://example.org/kg/person/b> "
        "<http://example.org/kg/ontology#p> 2 . }\n")
    (tmp_path / "more.nq").write_text(
        "<http://example.org/kg/person/c> <http://example.org/kg/ontology#p> \"3\" "
        "<http://example.org/other/h> .\n")
    loaded = load_dataset(None, tmp_path, None, BASE)
    assert {str(g) for g in loaded.data_graphs} == {
        BASE + "graph/bundle", "http://example.org/other/g", "http://example.org/other/h"}
    assert (URIRef(BASE + "person/b"), None, None) in loaded.dataset.graph(URIRef("http://example.org/other/g"))
    assert (URIRef(BASE + "person/a"), None, None) in loaded.dataset.graph(URIRef(BASE + "graph/bundle"))


def test_missing_folders_load_as_empty():
    loaded = load_dataset(None, None, None, BASE)
    assert len(loaded.dataset) == 0 and loaded.data_graphs == ()


# -- origins --------------------------------------------------------------------

def test_origins_name_every_file_a_subject_appears_in(tmp_path):
    shutil.copy(MINI / "data" / "article-one.ttl", tmp_path)
    (tmp_path / "article-three.ttl").write_text(
        "<http://example.org/kg/person/alice> <https://schema.org/name> \"Alice\"@en .\n")
    loaded = load_dataset(None, tmp_path, None, BASE)
    alice = URIRef(BASE + "person/alice")
    assert [Path(p).name for p in loaded.origins[alice]] == ["article-one.ttl", "article-three.ttl"]
    assert [Path(p).name for p in loaded.origins[URIRef(BASE + "person/bob")]] == ["article-one.ttl"]


def test_a_hash_iri_without_statements_is_attributed_to_its_document():
    loaded = load_mini()
    pardon = URIRef(BASE + "event/2024-pardon")
    assert loaded.files_of(URIRef(pardon + "#role-9")) == loaded.origins[pardon]
    assert loaded.files_of(URIRef(BASE + "person/nobody")) == ()


def test_ontology_terms_are_attributed_to_ontology_files():
    loaded = load_mini()
    files = {Path(p).parent.name for paths in loaded.origins.values() for p in paths}
    assert files == {"ontology", "shapes", "data"}


# -- syntax errors ----------------------------------------------------------------

BROKEN_FILES = [
    # file,                       line, column, words the message must contain
    ("unterminated-string.ttl",   5,    17,     "newline found in string literal"),
    ("missing-dot.ttl",           5,    1,      "expected '.'"),
    ("bad-object.nt",             2,    76,     "object of a triple"),
    ("unclosed-graph.trig",       5,    1,      "needed '}'"),
    ("trailing-comma.jsonld",     4,    1,      "property name"),
    ("mismatched-tag.rdf",        4,    5,      "mismatched tag"),
]


@pytest.mark.parametrize("name, line, column, words", BROKEN_FILES)
def test_a_broken_file_is_reported_with_file_line_and_column(name, line, column, words):
    with pytest.raises(DataLoadError) as caught:
        parse_file(BROKEN / name)
    error = caught.value
    assert (Path(error.path).name, error.line, error.column) == (name, line, column)
    assert words in error.reason
    assert str(error).startswith(f"{BROKEN / name}:{line}:{column}: ")


def test_every_broken_file_of_a_run_is_reported_at_once():
    with pytest.raises(DataLoadErrors) as caught:
        load_dataset(None, BROKEN, None, BASE)
    reported = sorted(Path(e.path).name for e in caught.value.errors)
    assert reported == sorted(name for name, *_ in BROKEN_FILES)
    assert "good.ttl" not in str(caught.value)
    assert len(str(caught.value).splitlines()) == len(BROKEN_FILES)


def test_broken_ontology_or_shapes_files_are_reported_too(tmp_path):
    shutil.copy(BROKEN / "missing-dot.ttl", tmp_path / "vocab.ttl")
    with pytest.raises(DataLoadError, match=r"vocab\.ttl:5:1: "):
        load_dataset(tmp_path, MINI / "data", None, BASE)


def test_an_unknown_suffix_is_refused_with_the_known_ones():
    with pytest.raises(DataLoadError, match=r"\.ttl"):
        parse_file(BROKEN.parent / "notes.txt")


# -- canonical serialization ---------------------------------------------------------

def test_canonical_turtle_is_idempotent_and_keeps_the_triples():
    graph = Graph().parse(MINI / "data" / "article-two.ttl")
    text = canonical_turtle(graph)
    again = Graph().parse(data=text, format="turtle")
    assert canonical_turtle(again) == text
    assert len(again) == len(graph)


def test_reformat_rewrites_only_files_not_in_canonical_form(tmp_path):
    shutil.copy(MINI / "data" / "article-one.ttl", tmp_path / "messy.ttl")
    (tmp_path / "tidy.ttl").write_text(canonical_turtle(Graph().parse(MINI / "data" / "article-two.ttl")))
    assert not is_canonical(tmp_path / "messy.ttl") and is_canonical(tmp_path / "tidy.ttl")
    assert [p.name for p in reformat(tmp_path, check=True)] == ["messy.ttl"]
    assert not is_canonical(tmp_path / "messy.ttl")          # check only: untouched
    before = Graph().parse(tmp_path / "messy.ttl")
    assert [p.name for p in reformat(tmp_path)] == ["messy.ttl"]
    assert is_canonical(tmp_path / "messy.ttl")
    assert len(Graph().parse(tmp_path / "messy.ttl")) == len(before)
    assert reformat(tmp_path, check=True) == []


# -- the shipped data -------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped():
    return load_dataset(DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"], DEFAULTS["SHAPES_DIR"],
                        DEFAULTS["BASE_IRI"])


def test_shipped_data_files_are_one_graph_each(shipped):
    stems = sorted(p.stem for p in Path(DEFAULTS["DATA_DIR"]).glob("*.ttl"))
    assert stems, "no data files shipped"
    assert [str(g) for g in shipped.data_graphs] == [DEFAULTS["BASE_IRI"] + "graph/" + s for s in stems]


@pytest.mark.parametrize("path", sorted(Path(DEFAULTS["DATA_DIR"]).glob("*.ttl")), ids=lambda p: p.name)
def test_shipped_data_files_are_in_canonical_form(path):
    assert is_canonical(path), f"{path.name} is not canonical: run `python -m server format`"
