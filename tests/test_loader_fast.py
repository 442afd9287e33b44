"""The fast path of the loader: N-Triples and N-Quads files are read by pyoxigraph's
parser into the same rdflib Dataset rdflib's parsers build (graph for graph), with
blank nodes local to each file and syntax errors naming line and column."""
from __future__ import annotations

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.compare import isomorphic

from server.errors import DataLoadError
from server.loader import load_dataset, parse_file

EX = "http://example.org/"
NQUADS = f"""<{EX}a> <{EX}p> "plain" <{EX}g1> .
<{EX}a> <{EX}p> "chat"@fr <{EX}g1> .
<{EX}a> <{EX}n> "7"^^<http://www.w3.org/2001/XMLSchema#integer> <{EX}g2> .
<{EX}a> <{EX}d> "2024-02-30"^^<http://www.w3.org/2001/XMLSchema#date> <{EX}g2> .
_:x <{EX}p> <{EX}a> <{EX}g2> .
_:x <{EX}q> "esc\\"aped\\n" .
<{EX}a> <{EX}u> "\\u00e9t\\u00e9" .
"""
NTRIPLES = "\n".join(line.rsplit(" ", 2)[0] + " ." if line.count("<") > 3 or "_:x" in line else line
                     for line in NQUADS.splitlines()) + "\n"


def graphs(ds: Dataset) -> dict:
    return {g.identifier: g for g in ds.graphs() if len(g)}


@pytest.mark.parametrize("name, text, rdflib_format", [
    ("data.nq", NQUADS, "nquads"),
    ("data.nt", f"<{EX}a> <{EX}p> \"x\" .\n_:b <{EX}p> \"y\"@en .\n", "nt"),
])
def test_fast_parse_equals_rdflib_graph_for_graph(tmp_path, name, text, rdflib_format):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    fast = parse_file(path)
    reference = Dataset()
    if rdflib_format == "nquads":
        reference.parse(path, format="nquads")
    else:
        reference.default_graph.parse(path, format="nt")
    fast_graphs, reference_graphs = graphs(fast), graphs(reference)
    assert set(fast_graphs) == set(reference_graphs)
    for name_ in reference_graphs:
        assert isomorphic(fast_graphs[name_], reference_graphs[name_]), name_


def test_terms_are_the_ones_rdflib_makes(tmp_path):
    path = tmp_path / "data.nq"
    path.write_text(NQUADS, encoding="utf-8")
    objects = {o for _s, _p, o, _g in parse_file(path).quads((URIRef(EX + "a"), None, None, None))}
    assert Literal("plain") in objects
    assert Literal("chat", lang="fr") in objects
    assert Literal("7", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")) in objects
    assert Literal("été") in objects


def test_blank_nodes_are_local_to_each_file(tmp_path):
    for name in ("one.nq", "two.nq"):
        (tmp_path / name).write_text(f"_:same <{EX}p> \"{name}\" <{EX}g> .\n", encoding="utf-8")
    loaded = load_dataset(None, tmp_path, None, EX)
    subjects = set(loaded.dataset.graph(URIRef(EX + "g")).subjects())
    assert len(subjects) == 2 and all(isinstance(s, BNode) for s in subjects)


@pytest.mark.parametrize("name, text, line", [
    ("bad.nq", f"<{EX}a> <{EX}p> \"ok\" .\n<{EX}a> <{EX}p> \"open .\n", 2),
    ("bad.nt", f"<{EX}a> <{EX}p> <{EX}b> .\n\n<{EX}a> <{EX}p> <{EX}b>\n", 4),   # missing dot: seen at the end
    ("bad.nq", f"<{EX}a> <{EX}p> <not an iri> .\n", 1),
])
def test_syntax_errors_name_file_line_and_column(tmp_path, name, text, line):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataLoadError) as caught:
        parse_file(path)
    assert caught.value.path == str(path)
    assert caught.value.line == line and caught.value.column is not None
    assert "syntax error" in caught.value.reason


def test_explicit_xsd_string_keeps_its_datatype_as_in_rdflib(tmp_path):
    """pyoxigraph cannot tell "x" from "x"^^xsd:string; such files take rdflib's path."""
    path = tmp_path / "typed.nt"
    path.write_text(f'<{EX}a> <{EX}s> "typed"^^<http://www.w3.org/2001/XMLSchema#string> .\n',
                    encoding="utf-8")
    (value,) = parse_file(path).objects(URIRef(EX + "a"), URIRef(EX + "s"))
    assert value.datatype == URIRef("http://www.w3.org/2001/XMLSchema#string")


def _rdflib_dataset(folder, base) -> dict:
    """Graph name -> graph, as rdflib's own parsers read each Turtle file (the reference)."""
    from server.loader import rdf_files
    out = {}
    for path in rdf_files(folder):
        out[URIRef(base + "graph/" + path.stem)] = parse_file(path).default_graph
    return out


def test_turtle_read_natively_equals_rdflib_on_the_shipped_files():
    """The loader reads the shipped Turtle (data, ontology, shapes) with pyoxigraph: graph
    for graph what rdflib's Turtle parser gives, and the prefixes the files declare."""
    from server.config import DEFAULTS
    from server.loader import natively_readable, rdf_files
    base = DEFAULTS["BASE_IRI"]
    files = rdf_files(DEFAULTS["DATA_DIR"])
    assert files and all(natively_readable(p) for p in files)
    loaded = load_dataset(DEFAULTS["ONTOLOGY_DIR"], DEFAULTS["DATA_DIR"], DEFAULTS["SHAPES_DIR"], base)
    for name, reference in _rdflib_dataset(DEFAULTS["DATA_DIR"], base).items():
        assert isomorphic(loaded.dataset.graph(name), reference), name
    assert dict(loaded.dataset.namespaces())["cpo"] == URIRef(base + "ontology#")
    from server.loader import parse_file as reference_parse
    for folder, graph in ((DEFAULTS["ONTOLOGY_DIR"], loaded.ontology), (DEFAULTS["SHAPES_DIR"], loaded.shapes)):
        (path,) = rdf_files(folder)
        assert isomorphic(graph, reference_parse(path).default_graph), path


@pytest.mark.parametrize("text, native", [
    ('<http://example.org/a> <http://example.org/p> "x"^^xsd:string .', False),
    ('<http://example.org/a> <http://example.org/p> "x"^^<http://www.w3.org/2001/XMLSchema#string> .', False),
    ('<http://example.org/a> <http://example.org/range> xsd:string .', True),
    ('<http://example.org/a> <http://example.org/p> "x" .', True),
])
def test_an_explicit_xsd_string_in_turtle_takes_rdflibs_path(tmp_path, text, native):
    from rdflib.namespace import XSD
    from server.loader import natively_readable
    path = tmp_path / "data.ttl"
    path.write_text("@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n" + text + "\n", encoding="utf-8")
    assert natively_readable(path) is native
    loaded = load_dataset(None, tmp_path, None, EX)
    objects = set(loaded.dataset.graph(URIRef(EX + "graph/data")).objects())
    if not native:
        assert objects == {Literal("x", datatype=XSD.string)}


def test_turtle_pyoxigraph_refuses_is_read_by_rdflib(tmp_path):
    """A relative IRI (rdflib resolves it against the file) is no error: rdflib's reading stands."""
    (tmp_path / "rel.ttl").write_text('<a> <http://example.org/p> "x" .\n', encoding="utf-8")
    loaded = load_dataset(None, tmp_path, None, EX)
    (subject,) = set(loaded.dataset.graph(URIRef(EX + "graph/rel")).subjects())
    assert subject == URIRef((tmp_path / "a").as_uri())
