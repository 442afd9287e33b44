"""Comparing RDF answers in tests: statements grouped by graph, equal up to blank node names."""
from __future__ import annotations

from rdflib import Graph
from rdflib.compare import isomorphic


def by_graph(quads) -> dict[str, Graph]:
    """``(s, p, o, g)`` statements -> one Graph per graph name (as a string)."""
    graphs: dict[str, Graph] = {}
    for s, p, o, g in quads:
        graphs.setdefault(str(g), Graph()).add((s, p, o))
    return graphs


def same_graphs(got: dict[str, Graph], want: dict[str, Graph]) -> bool:
    """Equal up to blank node names (the shapes use RDF lists)."""
    return got.keys() == want.keys() and all(isomorphic(got[k], want[k]) for k in want)
