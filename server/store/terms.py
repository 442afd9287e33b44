"""RDF terms of the two libraries, and the one place that converts between them.

The embedded Oxigraph store's terms are pyoxigraph terms; the rdflib store's and a
remote store's (parsed from SPARQL JSON) are rdflib terms. A description keeps the
terms its store gave (``describe.Statements``): on Oxigraph they go from the store to
pyoxigraph's serializers unconverted, and only what reads them through rdflib (the HTML
page, JSON-LD, rdflib's fallback writer) converts them, lazily.

Both converters pass a term already of their kind through unchanged, so code that
handles the statements of any backend calls them without asking which kind it holds;
``is_iri`` and ``text`` read either kind.
"""
from __future__ import annotations

from typing import Callable

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.term import Node

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_OX_TERMS = (ox.NamedNode, ox.BlankNode, ox.Literal)


def to_ox(term):
    """rdflib term -> pyoxigraph term (a pyoxigraph term: itself)."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, _OX_TERMS):
        return term
    raise TypeError(f"not an RDF term: {term!r}")


def to_rdflib(term) -> Node:
    """pyoxigraph term -> rdflib term (an rdflib term: itself)."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    if isinstance(term, Node):
        return term
    raise TypeError(f"unsupported term: {term!r}")


def rdflib_converter() -> Callable:
    """``to_rdflib`` converting each distinct term once: one per document or view."""
    seen: dict = {}

    def convert(term):
        found = seen.get(term)
        if found is None:
            found = seen[term] = to_rdflib(term)
        return found
    return convert


def is_iri(term) -> bool:
    """Is ``term`` (of either library) an IRI?"""
    return isinstance(term, (URIRef, ox.NamedNode))


def text(term) -> str:
    """The IRI, label or lexical form of ``term`` (of either library): what ``str`` gives
    of an rdflib term (``str`` of a pyoxigraph term is its N-Triples form)."""
    return term.value if isinstance(term, _OX_TERMS) else str(term)
