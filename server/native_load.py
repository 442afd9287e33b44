"""Large line-based datasets parsed by pyoxigraph straight into the store that serves
them, and checked there: no rdflib copy of the data.

``server.startup`` takes this path when the backend is Oxigraph (in memory, or the
persistent store being built) or no store is wanted (``validate``), validation is due,
and every data file is N-Triples / N-Quads without an explicit ``^^xsd:string``
(``server.store.bulk.fast_path_files``: what ``python -m server generate`` and most
exports write). Other data (Turtle, TriG, JSON-LD...) takes ``server.loader``'s path;
both give the same ``Outcome`` (tests/test_native_load.py).

    load(config, files, store) -> StoreDataset     parse once, into ``store``
    StoreDataset.validation_triples()              what SHACL validates, as a stream
    StoreDataset.finish()                          the store as it is served

Layout: the named graphs as they are served (one per data file or as N-Quads name
them, the ontology's and the shapes'); the default graph holds their set union, as
``server.store.oxigraph_backend`` builds it. The SHACL engine does not read the store:
Oxigraph rewrites some literals (``"01"^^xsd:positiveInteger`` is stored as
``"1"^^xsd:integer``, a ``xsd:dateTimeStamp`` as ``xsd:dateTime``), so turbo's term
records are made from the parser's terms in the same pass
(``server.validation_fast.TermRecords``), plus the ontology and
``s rdfs:isDefinedBy g`` for every subject of every data graph
(``server.curation.provenance_links``): what ``server.report.validation_input`` gives.

The rest of the checks read the same store: the summary is counted in one native pass
while loading; ``dataset`` is an rdflib view of the store (oxrdflib) for the
per-article provenance checks, which look at one article graph at a time.
"""
from __future__ import annotations

import gc
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pyoxigraph as ox
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .errors import DataLoadError
from .loader import DataLoadErrors, LoadedDataset, load_dataset
from .namespaces import dataset_namespaces
from .store.bulk import file_quads
from .store.results import to_ox, to_rdflib

_TYPE = ox.NamedNode(str(RDF.type))
_DEFINED_BY = ox.NamedNode(str(RDFS.isDefinedBy))
_DEFAULT = ox.DefaultGraph()


@dataclass(eq=False)
class StoreDataset(LoadedDataset):
    """A ``LoadedDataset`` whose data lives in a pyoxigraph store (module docstring).

    ``ontology`` and ``shapes`` stay rdflib graphs (small; the SHACL engines read the
    shapes that way); ``dataset`` is an rdflib view of the store."""

    store: ox.Store | None = None
    #: what ``server.report.summarize`` gives, counted while loading: (summary, used IRIs)
    counted: tuple[dict, set] | None = None
    shapes_name: URIRef | None = None
    #: turbo's records of the graph to validate (``server.validation_fast.TermRecords``)
    terms: object | None = None
    _namespaces: list = field(default_factory=list)

    def subjects_of(self, name: URIRef) -> frozenset:
        found = self.subjects.get(name)
        if found is None:
            found = self.subjects[name] = frozenset(
                to_rdflib(row[0]) for row in self.store.query(
                    f"SELECT DISTINCT ?s WHERE {{ GRAPH {ox.NamedNode(name)} {{ ?s ?p ?o }} }}"))
        return found

    def data_triples(self):
        """Every distinct triple of the data graphs, as rdflib terms (the pySHACL and
        reporting paths; the SHACL stream is ``validation_triples``)."""
        skip = {ox.NamedNode(self.ontology.identifier), ox.NamedNode(self.shapes_name)}
        seen: set = set()
        for name in self.data_graphs:
            for q in self.store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
                triple = q.triple
                if triple not in seen and q.graph_name not in skip:
                    seen.add(triple)
                    yield to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)

    def links_out(self, name: URIRef):
        graph = ox.NamedNode(name)
        for row in self.store.query(
                f"SELECT ?s ?p ?o WHERE {{ GRAPH {graph} {{ ?s ?p ?o FILTER (isIRI(?o)) "
                "FILTER NOT EXISTS { ?o ?anyP ?anyO } } }"):
            yield to_rdflib(row["s"]), to_rdflib(row["p"]), to_rdflib(row["o"])

    def files_of(self, node) -> tuple[str, ...]:
        if self.origins.get(node):
            return self.origins[node]
        subject = to_ox(node)
        found = tuple(sorted(path for path, graphs in self.files.items() if any(
            next(self.store.quads_for_pattern(subject, None, None, ox.NamedNode(g)), None) is not None
            for g in graphs)))
        if not found and isinstance(node, URIRef) and "#" in node:
            return self.files_of(URIRef(node.split("#", 1)[0]))
        self.origins[node] = found
        return found

    def validation_triples(self):
        """What SHACL validates (module docstring)."""
        from .validation_fast import StoreTriples
        if self.terms is None:
            raise RuntimeError("the term records were dropped (release_terms): load again to validate")
        return StoreTriples(self.terms, dict(self.dataset.namespaces()))

    def release_terms(self) -> None:
        """Drop the term records once validated (they are as large as a second copy)."""
        self.terms = None

    def detach(self) -> None:
        """Let go of the store (and its rdflib view), so that it is closed: the
        persistent store being built must be closed before its files are listed and
        swapped in (RocksDB compacts in the background while it is open). ``attach``
        reads a store again."""
        self._namespaces = list(self.dataset.namespaces())
        self.store = self.dataset = None
        gc.collect()          # the view's graphs and namespace manager refer to each other

    def attach(self, store: ox.Store) -> None:
        """Read ``store`` (the same quads: the persistent store built from the one this
        was loaded into, now read-only) from now on."""
        self.store, self.dataset = store, store_view(store, self._namespaces)


def load(config, files: list[Path], store: ox.Store | None = None) -> StoreDataset:
    """Parse the ontology and shapes (``server.loader``) and the data ``files``
    (pyoxigraph) into ``store`` (a new in-memory store if None): see the module
    docstring for the layout. Raises the loader's errors (file:line:column, terms too
    long)."""
    store = ox.Store() if store is None else store
    base = str(config["BASE_IRI"])
    limit = config.get("MAX_LITERAL_BYTES") or None
    small = load_dataset(config["ONTOLOGY_DIR"], None, config["SHAPES_DIR"], base, max_term_bytes=limit)
    ontology_name, shapes_name = small.ontology.identifier, small.shapes.identifier
    own = dataset_namespaces(base if base.endswith("/") else base + "/")["cpo"]
    per_class: Counter = Counter()
    used: set = set()
    seen: set = set()
    resources: set = set()
    written: dict[str, set] = {}

    from .validation_fast import TermRecords
    terms = TermRecords()
    add = terms.add

    reading = [0]                     # the file being read

    def data_quads() -> Iterator[ox.Quad]:
        for number, path in enumerate(files):
            reading[0] = number
            graphs = written.setdefault(str(path), set())
            default_graph = ox.NamedNode(base + ("" if base.endswith("/") else "/") + "graph/" + path.stem)
            for q in file_quads(path, default_graph, f"f{number}x", limit):
                graphs.add(q.graph_name)
                add(q.subject, q.predicate, q.object)
                yield q
                yield ox.Quad(q.subject, q.predicate, q.object)
            if not graphs:            # an empty file still names its graph (as in the loader)
                graphs.add(default_graph)

    try:
        store.bulk_extend(data_quads())
    except DataLoadError as first:
        # every broken file of the run is reported, as the loader does: read the rest
        errors = [first]
        for number, path in enumerate(files[reading[0] + 1:], reading[0] + 1):
            try:
                for _ in file_quads(path, ox.NamedNode(base), f"f{number}x", limit):
                    pass
            except DataLoadError as err:
                errors.append(err)
        raise (first if len(errors) == 1 else DataLoadErrors(errors)) from None
    # one native pass over the data's union (the default graph, before anything else
    # goes in): what server.report.summarize counts
    triples = 0
    for q in store.quads_for_pattern(None, None, None, _DEFAULT):
        triples += 1
        s, p, o = q.subject, q.predicate, q.object
        if not isinstance(s, ox.Literal):
            resources.add(s)
        if p == _TYPE:
            per_class[o] += 1
        for term in (s, p, o):
            if term not in seen:
                seen.add(term)
                if isinstance(term, ox.NamedNode) and term.value.startswith(own) and term.value != own:
                    used.add(URIRef(term.value))
    del seen
    files_map = {path: tuple(sorted(URIRef(g.value) for g in graphs)) for path, graphs in written.items()}
    data_graphs = tuple(sorted({g for graphs in files_map.values() for g in graphs}))
    summary = {
        "triples": triples, "graphs": len(data_graphs), "files": len(files_map),
        "resources": len(resources),
        "classes": {c.value: n for c, n in sorted(per_class.items(), key=lambda kv: (-kv[1], kv[0].value))},
    }
    del resources
    # the ontology's and the shapes' graphs, also into the union
    for graph in (small.ontology, small.shapes):
        name = ox.NamedNode(graph.identifier)
        quads = [ox.Quad(to_ox(s), to_ox(p), to_ox(o), name) for s, p, o in graph]
        store.bulk_extend(quad for q in quads for quad in (q, ox.Quad(q.subject, q.predicate, q.object)))
        if graph is small.ontology:
            for q in quads:
                add(q.subject, q.predicate, q.object)
    # which graph describes each subject (server.curation.provenance_links)
    for row in store.query(
            "SELECT DISTINCT ?s ?g WHERE { GRAPH ?g { ?s ?p ?o } FILTER (isIRI(?s) && ?g NOT IN "
            f"({ox.NamedNode(ontology_name)}, {ox.NamedNode(shapes_name)})) }}"):
        add(row["s"], _DEFINED_BY, row["g"])

    view = store_view(store, small.dataset.namespaces())
    return StoreDataset(
        dataset=view, ontology=small.ontology, shapes=small.shapes, data_graphs=data_graphs,
        origins={}, files={**small.files, **files_map}, subjects={},
        store=store, counted=(summary, used), shapes_name=shapes_name, terms=terms)


def store_view(store: ox.Store, namespaces=()) -> Dataset:
    """An rdflib Dataset reading ``store`` (oxrdflib) that never writes to it: asking
    it for a graph (``Dataset.graph``) adds no graph to the store (which may be
    read-only, and which holds the graphs of the data already)."""
    from oxrdflib import OxigraphStore

    class ReadingStore(OxigraphStore):
        def add_graph(self, graph) -> None:
            pass

    view = Dataset(store=ReadingStore(store=store))
    for prefix, namespace in namespaces:
        view.bind(prefix, namespace, override=False)
    return view


__all__ = ["StoreDataset", "load", "store_view"]
