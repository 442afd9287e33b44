"""A minimal loader used only while ``server.loader`` is not available.

Same contract as ``server.loader.load_dataset``: ontology files into graph
``<base>graph/ontology``, shapes into ``<base>graph/shapes``, each data file
``<slug>.ttl`` into ``<base>graph/<slug>`` (TriG / N-Quads keep their own graph names).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from ..errors import DataLoadError
from .sources import dataset_files

_FORMATS = {".ttl": "turtle", ".nt": "nt", ".trig": "trig", ".nq": "nquads",
            ".jsonld": "json-ld", ".rdf": "xml", ".owl": "xml"}


@dataclass
class LoadedDataset:
    dataset: Dataset
    ontology: Graph
    shapes: Graph
    origins: dict = field(default_factory=dict)


def load_dataset(ontology_dir, data_dir, shapes_dir, base_iri: str) -> LoadedDataset:
    ds = Dataset()
    origins: dict = {}
    for folder, graph_of in ((ontology_dir, lambda p: base_iri + "graph/ontology"),
                             (shapes_dir, lambda p: base_iri + "graph/shapes"),
                             (data_dir, lambda p: base_iri + "graph/" + p.stem)):
        for path in dataset_files(folder):
            fmt = _FORMATS[path.suffix]
            try:
                if fmt in ("trig", "nquads"):
                    ds.parse(path, format=fmt)
                else:
                    ds.graph(URIRef(graph_of(path))).parse(path, format=fmt)
            except Exception as exc:       # parsers raise many types; report the file
                raise DataLoadError(str(path), str(exc)) from exc
            origins[str(path)] = graph_of(path)
    return LoadedDataset(ds, ds.graph(URIRef(base_iri + "graph/ontology")),
                         ds.graph(URIRef(base_iri + "graph/shapes")), origins)
