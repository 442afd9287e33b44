"""Answers as HTML-ready tables (pure functions: bytes in, rows of cells out).

The query page and the named-query pages ask the store for SPARQL JSON (SELECT,
ASK) or N-Triples (CONSTRUCT, DESCRIBE) and show the result with these rows; IRIs
under the dataset base link to their local resource page, other http(s) IRIs to
themselves, and any other IRI (``javascript:``, ``data:``...) is shown as text
(``server.web.iris.link_for``). At most ``max_rows`` rows are read into cells, so the
work of a page is bounded whatever the size of the answer (``Table.cut``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

from ..web.iris import link_for

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class Cell:
    kind: str                 # uri | bnode | literal | triple (RDF-star, as text) | empty
    value: str = ""
    href: str | None = None   # local path for IRIs of the dataset, the IRI for other
                              # http(s) IRIs, None for anything else (shown as text)
    lang: str | None = None
    datatype: str | None = None


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    boolean: bool | None = None      # ASK
    cut: bool = False                # the answer had more rows than the table shows


def _cell(term: dict | None, base: str, root: str) -> Cell:
    if term is None:
        return Cell("empty")
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return Cell("uri", value, link_for(value, base, root))
    if kind == "bnode":
        return Cell("bnode", value)
    if kind == "triple":                 # SPARQL-star: shown as its N-Triples text, no link
        return Cell("triple", " ".join(_term_text(value.get(k)) for k in ("subject", "predicate", "object")))
    datatype = term.get("datatype")
    return Cell("literal", value, lang=term.get("xml:lang"),
                datatype=None if datatype == XSD_STRING else datatype)


def _term_text(term: dict | None) -> str:
    """A SPARQL JSON term as N-Triples-like text (for quoted triples)."""
    if not isinstance(term, dict):
        return "?"
    kind, value = term.get("type"), term.get("value")
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    if kind == "triple" and isinstance(value, dict):
        return "<< " + " ".join(_term_text(value.get(k)) for k in ("subject", "predicate", "object")) + " >>"
    return json.dumps(str(value), ensure_ascii=False)


def from_sparql_json(body: bytes, base: str, root: str = "", max_rows: int | None = None) -> Table:
    """The rows of a SPARQL JSON answer, at most ``max_rows`` of them."""
    doc = json.loads(body)
    if "boolean" in doc:
        return Table([], [], boolean=bool(doc["boolean"]))
    columns = doc["head"].get("vars", [])
    bindings = doc["results"]["bindings"]
    rows = [[_cell(binding.get(v), base, root) for v in columns]
            for binding in islice(bindings, max_rows)]
    return Table(columns, rows, cut=len(rows) < len(bindings))


def _ox_cell(term, base: str, root: str) -> Cell:
    if isinstance(term, ox.NamedNode):
        return Cell("uri", term.value, link_for(term.value, base, root))
    if isinstance(term, ox.BlankNode):
        return Cell("bnode", term.value)
    if isinstance(term, ox.Triple):      # RDF-star: shown as its N-Triples text, no link
        return Cell("triple", str(term))
    datatype = term.datatype.value
    return Cell("literal", term.value, lang=term.language,
                datatype=None if datatype == XSD_STRING or term.language else datatype)


def from_ntriples(body: bytes, base: str, root: str = "", max_rows: int | None = None) -> Table:
    """The triples of an N-Triples answer, at most ``max_rows`` of them (the rest unread)."""
    triples = ox.parse(body, format=ox.RdfFormat.N_TRIPLES)
    rows = [[_ox_cell(t.subject, base, root), _ox_cell(t.predicate, base, root),
             _ox_cell(t.object, base, root)]
            for t in islice(triples, max_rows)]
    cut = max_rows is not None and next(triples, None) is not None
    return Table(["subject", "predicate", "object"], rows, cut=cut)


def prefixed(iri: str, prefixes: dict[str, str]) -> str:
    """``iri`` as prefix:local with the longest matching namespace, else unchanged."""
    best = max((ns for ns in prefixes.values() if iri.startswith(ns) and len(iri) > len(ns)),
               key=len, default=None)
    if best is None:
        return iri
    name = next(p for p, ns in prefixes.items() if ns == best)
    return f"{name}:{iri[len(best):]}"
