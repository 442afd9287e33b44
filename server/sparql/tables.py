"""Answers as HTML-ready tables (pure functions: bytes in, rows of cells out).

The query page and the named-query pages ask the store for SPARQL JSON (SELECT,
ASK) or N-Triples (CONSTRUCT, DESCRIBE) and show the result with these rows; IRIs
under the dataset base link to their local resource page.
"""
from __future__ import annotations

import json
from dataclasses import dataclass

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class Cell:
    kind: str                 # uri | bnode | literal | empty
    value: str = ""
    href: str | None = None   # local path for IRIs of the dataset, else the IRI itself
    lang: str | None = None
    datatype: str | None = None


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]]
    boolean: bool | None = None      # ASK


def local_href(iri: str, base: str, root: str = "") -> str:
    """Where a browser should go for ``iri``: its page on this server when under ``base``."""
    if iri.startswith(base):
        return root.rstrip("/") + "/" + iri[len(base):]
    return iri


def _cell(term: dict | None, base: str, root: str) -> Cell:
    if term is None:
        return Cell("empty")
    kind, value = term["type"], term["value"]
    if kind == "uri":
        return Cell("uri", value, local_href(value, base, root))
    if kind == "bnode":
        return Cell("bnode", value)
    datatype = term.get("datatype")
    return Cell("literal", value, lang=term.get("xml:lang"),
                datatype=None if datatype == XSD_STRING else datatype)


def from_sparql_json(body: bytes, base: str, root: str = "") -> Table:
    doc = json.loads(body)
    if "boolean" in doc:
        return Table([], [], boolean=bool(doc["boolean"]))
    columns = doc["head"].get("vars", [])
    rows = [[_cell(binding.get(v), base, root) for v in columns]
            for binding in doc["results"]["bindings"]]
    return Table(columns, rows)


def _ox_cell(term, base: str, root: str) -> Cell:
    if isinstance(term, ox.NamedNode):
        return Cell("uri", term.value, local_href(term.value, base, root))
    if isinstance(term, ox.BlankNode):
        return Cell("bnode", term.value)
    datatype = term.datatype.value
    return Cell("literal", term.value, lang=term.language,
                datatype=None if datatype == XSD_STRING or term.language else datatype)


def from_ntriples(body: bytes, base: str, root: str = "") -> Table:
    rows = [[_ox_cell(t.subject, base, root), _ox_cell(t.predicate, base, root),
             _ox_cell(t.object, base, root)]
            for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
    return Table(["subject", "predicate", "object"], rows)
