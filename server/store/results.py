"""Serializing query answers, shared by every backend.

Everything goes through pyoxigraph's native serializers (SPARQL JSON/XML/CSV/TSV and
every RDF syntax); rdflib terms are converted on the way. SELECT answers are first
encoded as SPARQL JSON (a few lines, the W3C format) because pyoxigraph can only
re-serialize solutions it has parsed; the other result formats are produced from it.
Pure functions: terms in, bytes out.
"""
from __future__ import annotations

import json
from itertools import islice
from typing import Iterable, Sequence

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef

from ..errors import NotAcceptable
from ..formats import GRAPH_FORMATS, RESULT_FORMATS, SPARQL_JSON, Format
from .base import QueryAnswer
from .terms import to_ox, to_rdflib  # noqa: F401  (to_rdflib: kept importable from here)


def _json_term(term) -> dict:
    """SPARQL JSON binding of a pyoxigraph or rdflib term."""
    if isinstance(term, (ox.NamedNode, URIRef)):
        return {"type": "uri", "value": str(term.value if isinstance(term, ox.NamedNode) else term)}
    if isinstance(term, (ox.BlankNode, BNode)):
        return {"type": "bnode", "value": str(term.value if isinstance(term, ox.BlankNode) else term)}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = term.datatype.value
        return out
    if isinstance(term, Literal):
        out = {"type": "literal", "value": str(term)}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype and str(term.datatype) != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = str(term.datatype)
        return out
    raise TypeError(f"unsupported term: {term!r}")


# -- answers -----------------------------------------------------------------

def check_format(kind: str, fmt: Format) -> None:
    """Refuse a result format that cannot carry this query form."""
    offers = GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS
    if fmt not in offers:
        what = "CONSTRUCT/DESCRIBE" if kind == "graph" else "SELECT/ASK"
        raise NotAcceptable(f"{fmt.media_type} cannot carry a {what} result.",
                            hint="Ask for one of: " + ", ".join(f.media_type for f in offers),
                            offered=[f.media_type for f in offers])


def select_answer(variables: Sequence[str], rows: Iterable[Sequence], fmt: Format,
                  max_rows: int | None) -> QueryAnswer:
    """Serialize SELECT rows (sequences of terms or None, in ``variables`` order)."""
    check_format("select", fmt)
    limit = None if max_rows is None else max_rows + 1
    taken = list(islice(rows, limit))
    truncated = max_rows is not None and len(taken) > max_rows
    if truncated:
        taken = taken[:max_rows]
    bindings = [{v: _json_term(t) for v, t in zip(variables, row) if t is not None} for row in taken]
    body = json.dumps({"head": {"vars": list(variables)}, "results": {"bindings": bindings}},
                      ensure_ascii=False, separators=(",", ":")).encode()
    return QueryAnswer(fmt.media_type, _convert_results(body, fmt), "select", truncated, len(taken))


def ask_answer(value: bool, fmt: Format) -> QueryAnswer:
    check_format("ask", fmt)
    body = json.dumps({"head": {}, "boolean": bool(value)}).encode()
    return QueryAnswer(fmt.media_type, _convert_results(body, fmt), "ask", False, None)


def graph_answer(statements: Iterable, fmt: Format, max_rows: int | None,
                 prefixes: dict[str, str] | None = None) -> QueryAnswer:
    """Serialize pyoxigraph Triples/Quads (or rdflib 3/4-tuples) in an RDF format
    (``prefixes`` abbreviate IRIs in Turtle and TriG)."""
    check_format("graph", fmt)
    limit = None if max_rows is None else max_rows + 1
    taken = [_ox_statement(s) for s in islice(statements, limit)]
    truncated = max_rows is not None and len(taken) > max_rows
    if truncated:
        taken = taken[:max_rows]
    rdf_format = fmt.ox_format()
    if not rdf_format.supports_datasets:   # triples only: drop graph names (and repeats)
        taken = list(dict.fromkeys(
            ox.Triple(q.subject, q.predicate, q.object) if isinstance(q, ox.Quad) else q
            for q in taken))
    elif taken and isinstance(taken[0], ox.Triple):
        taken = [ox.Quad(t.subject, t.predicate, t.object) for t in taken]
    if prefixes and fmt.oxigraph in ("TURTLE", "TRIG"):
        body = ox.serialize(taken, format=rdf_format, prefixes=prefixes) or b""
    else:
        body = ox.serialize(taken, format=rdf_format) or b""
    return QueryAnswer(fmt.media_type, body, "graph", truncated, len(taken))


def _ox_statement(st):
    if isinstance(st, (ox.Triple, ox.Quad)):
        return st
    if len(st) == 4 and st[3] is not None:
        graph = getattr(st[3], "identifier", st[3])
        return ox.Quad(to_ox(st[0]), to_ox(st[1]), to_ox(st[2]), to_ox(graph))
    return ox.Triple(to_ox(st[0]), to_ox(st[1]), to_ox(st[2]))


def _convert_results(json_body: bytes, fmt: Format) -> bytes:
    if fmt.name == SPARQL_JSON.name:
        return json_body
    parsed = ox.parse_query_results(json_body, format=ox.QueryResultsFormat.JSON)
    return parsed.serialize(format=fmt.ox_format())
