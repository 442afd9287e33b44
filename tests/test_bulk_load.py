"""Bulk loading (server/store/bulk.py): a store filled by streaming N-Triples /
N-Quads files through pyoxigraph holds exactly what the rdflib loader path gives,
graph for graph, default graph included; other syntaxes keep the loader's path."""
from __future__ import annotations

import pytest
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from server.config import DEFAULTS
from server.errors import DataLoadError
from server.generate import generate_dataset
from server.store import load_sources
from server.store.bulk import fast_path_files, sources_quads
from server.store.oxigraph_backend import OxigraphBackend
from server.store.results import to_rdflib

BASE = DEFAULTS["BASE_IRI"]
EXTRA_NT = f"""_:a <{BASE}ontology#note> "a blank node" .
<{BASE}person/extra> <http://www.w3.org/2000/01/rdf-schema#label> "Extra"@en .
<{BASE}person/extra> <{BASE}ontology#ref> _:a .
"""


def config_for(data_dir) -> dict:
    return {"BASE_IRI": BASE, "ONTOLOGY_DIR": DEFAULTS["ONTOLOGY_DIR"],
            "SHAPES_DIR": DEFAULTS["SHAPES_DIR"], "DATA_DIR": str(data_dir)}


def graphs_of(backend: OxigraphBackend) -> dict:
    """Every graph of the store (the default graph under the key None) as rdflib Graphs."""
    out: dict = {}
    for q in backend.store.quads_for_pattern(None, None, None, None):
        name = None if q.graph_name.__class__.__name__ == "DefaultGraph" else str(q.graph_name.value)
        out.setdefault(name, Graph()).add((to_rdflib(q.subject), to_rdflib(q.predicate),
                                           to_rdflib(q.object)))
    return out


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    generate_dataset(folder, 3000, seed=1, base=BASE)
    (folder / "extra.nt").write_text(EXTRA_NT, encoding="utf-8")
    (folder / "again.nt").write_text(EXTRA_NT, encoding="utf-8")     # same _:a label, other file
    return folder


@pytest.mark.parametrize("persistent", [False, True])
def test_streamed_store_equals_the_loader_path(tmp_path, data_dir, persistent):
    config = config_for(data_dir)
    for folder in ("fast", "ref"):
        (tmp_path / folder).mkdir()
    streamed = OxigraphBackend(str(tmp_path / "fast") if persistent else None)
    streamed.load_quads(sources_quads(config), "fp")
    reference = OxigraphBackend(str(tmp_path / "ref") if persistent else None)
    reference.load(load_sources(config).dataset, "fp")
    fast, ref = graphs_of(streamed), graphs_of(reference)
    assert set(fast) == set(ref)
    assert f"{BASE}graph/extra" in fast and f"{BASE}graph/ontology" in fast
    for name in ref:
        assert len(fast[name]) == len(ref[name]), name
        assert isomorphic(fast[name], ref[name]), name


def test_blank_nodes_of_two_files_stay_apart(tmp_path, data_dir):
    backend = OxigraphBackend()
    backend.load_quads(sources_quads(config_for(data_dir)))
    rows = backend.select(f'SELECT DISTINCT ?b WHERE {{ ?b <{BASE}ontology#note> "a blank node" }}').rows
    assert len(rows) == 2


@pytest.mark.parametrize("name, text, streamable", [
    ("a.nq", f"<{BASE}x> <{BASE}p> <{BASE}y> <{BASE}graph/g> .\n", True),
    ("a.nt", f"<{BASE}x> <{BASE}p> <{BASE}y> .\n", True),
    ("a.ttl", f"<{BASE}x> <{BASE}p> <{BASE}y> .\n", False),
    ("a.nt", f'<{BASE}x> <{BASE}p> "s"^^<http://www.w3.org/2001/XMLSchema#string> .\n', False),
])
def test_which_folders_are_streamed(tmp_path, name, text, streamable):
    (tmp_path / name).write_text(text, encoding="utf-8")
    assert (fast_path_files(tmp_path) is not None) is streamable


def test_a_broken_file_names_its_line(tmp_path):
    (tmp_path / "bad.nq").write_text(f"<{BASE}x> <{BASE}p> <{BASE}y> .\n<{BASE}x> <{BASE}p> .\n",
                                     encoding="utf-8")
    with pytest.raises(DataLoadError) as caught:
        OxigraphBackend().load_quads(sources_quads(config_for(tmp_path)))
    assert caught.value.path.endswith("bad.nq") and caught.value.line == 2
