"""Bulk loading of large line-based data files straight into Oxigraph.

When the data folder holds only N-Triples / N-Quads files (what ``python -m server
generate`` and most exports write) and no validation is due in this process
(``server.startup``: VALIDATE_ON_START off), the persistent or in-memory Oxigraph store
is filled from pyoxigraph's parser without building an rdflib Dataset first: the
ontology and shapes (small, any syntax) still go through ``server.loader``, the data
files are streamed. Graph naming is the loader's (docs/modeling-contract.md):
``graph/<stem>`` for triples, the file's own names for quads; blank nodes are local
to each file. Terms over ``MAX_LITERAL_BYTES`` stop the load as in the loader
(``DataTooLarge``, naming file and subject).

``sources_quads(config)`` returns a function giving a fresh iterator of the named-graph
quads (the backend reads it once and writes each quad's triple to the default graph
in the same pass), or None when the fast path does not apply.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph as ox

from ..errors import DataLoadError
from ..loader import (FAST_SYNTAXES, SYNTAXES, _mentions, load_dataset, may_hold_long_terms,
                      parser_buffer_error, rdf_files, term_too_long, too_long)

QuadSource = Callable[[], Iterator[ox.Quad]]


def fast_path_files(data_dir) -> list[Path] | None:
    """The data files if every one can be streamed (N-Triples / N-Quads without an
    explicit ``^^xsd:string``, which rdflib keeps and pyoxigraph drops), else None."""
    files = rdf_files(data_dir)
    if not files or any(SYNTAXES[p.suffix][0] not in FAST_SYNTAXES
                        or _mentions(p, b"XMLSchema#string>") for p in files):
        return None
    return files


def sources_quads(config, files: list[Path] | None = None) -> QuadSource | None:
    """The streamed quads of the dataset of ``config`` (``files``: the data files, if
    the caller listed them already), or None when a data file cannot be streamed."""
    files = fast_path_files(config["DATA_DIR"]) if files is None else files
    if files is None or any(SYNTAXES[p.suffix][0] not in FAST_SYNTAXES
                            or _mentions(p, b"XMLSchema#string>") for p in files):
        return None
    base = str(config["BASE_IRI"])
    limit = config.get("MAX_LITERAL_BYTES") or None
    small = load_dataset(config["ONTOLOGY_DIR"], None, config["SHAPES_DIR"], base,
                         max_term_bytes=limit)
    head = small.dataset.serialize(format="nquads", encoding="utf-8")

    def quads() -> Iterator[ox.Quad]:
        for q in ox.parse(head, format=ox.RdfFormat.N_QUADS):
            if not isinstance(q.graph_name, ox.DefaultGraph):
                yield q
        for number, path in enumerate(files):
            yield from file_quads(path, ox.NamedNode(base + "graph/" + path.stem), f"f{number}x",
                                  limit)
    return quads


def file_quads(path: Path, default_graph: ox.NamedNode, blank_prefix: str,
               max_term_bytes: int | None = None) -> Iterator[ox.Quad]:
    """The quads of one N-Triples / N-Quads file; default-graph triples go to
    ``default_graph``; blank node labels get ``blank_prefix`` (unique per file, and the
    same on every read). A term over ``max_term_bytes`` raises ``DataTooLarge``."""
    fmt = getattr(ox.RdfFormat, SYNTAXES[path.suffix][1])
    limit = max_term_bytes if may_hold_long_terms(path, max_term_bytes) else None

    def local(term):
        return ox.BlankNode(blank_prefix + term.value) if isinstance(term, ox.BlankNode) else term

    read = 0
    try:
        for q in ox.parse(path=str(path), format=fmt):
            read += 1
            if limit is not None and term_too_long(q.object, limit):
                raise too_long(path, q.object, q.subject, q.predicate, limit, read)
            yield _placed(q, default_graph, local)
    except SyntaxError as err:
        message = err.msg.split(": ", 1)[1] if ": " in err.msg else err.msg
        raise DataLoadError(str(path), f"syntax error: {message}", err.lineno, err.offset) from None
    except MemoryError as err:
        raise parser_buffer_error(path, err, read) from None


def _placed(q: ox.Quad, default_graph: ox.NamedNode, local) -> ox.Quad:
    graph = default_graph if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name
    if isinstance(q.subject, ox.BlankNode) or isinstance(q.object, ox.BlankNode):
        return ox.Quad(local(q.subject), q.predicate, local(q.object), graph)
    if graph is q.graph_name:
        return q
    return ox.Quad(q.subject, q.predicate, q.object, graph)
