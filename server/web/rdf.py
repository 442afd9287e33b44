"""Serialising descriptions, documents and dumps in the RDF formats (pure functions).

Triple formats (Turtle, N-Triples, RDF/XML, JSON-LD) get the union of the graphs;
quad formats (TriG, N-Quads) of one resource or document carry that union in the
default graph and keep the named graph of every statement, which is its provenance
(one graph per source article); a dataset dump keeps the named graphs only (see
``document_quads``). JSON-LD is compacted with the dataset's published context and
references it by URL instead of embedding it; the expanded and flattened forms a
client may ask for (by profile) are pyld's.

Turtle, N-Triples, RDF/XML, TriG and N-Quads are written by pyoxigraph (Rust; several
times cheaper than rdflib's serializers, which dominated the cost of a dereference):
statements are deduplicated and grouped by graph and subject (so Turtle can use
``;``), and only the prefixes the output uses are declared. Statements may hold either
library's terms (``server.store.terms``): a description from the Oxigraph store holds
pyoxigraph's, which are written as they are; rdflib terms are converted. rdflib writes
JSON-LD (compacted with our context), and is the fallback where pyoxigraph refuses or
would change a term rdflib accepts (see ``native``); those paths convert to rdflib terms.
"""
from __future__ import annotations

import json
import logging
import re
from typing import Iterable, Iterator

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.namespace import OWL, RDF, RDFS, XSD, NamespaceManager

from ..formats import Format
from ..store import rdflib_converter, to_ox

CONTEXT_VERSION = "v1"

#: The syntaxes pyoxigraph writes for documents, by ``Format.oxigraph`` name (JSON-LD is
#: rdflib's: compacted with our context).
NATIVE = {name: getattr(ox.RdfFormat, name) for name in ("TURTLE", "N_TRIPLES", "RDF_XML", "TRIG", "N_QUADS")}
#: ... of which these declare prefixes.
PREFIXED = ("TURTLE", "TRIG", "RDF_XML")
#: A predicate RDF/XML can write as an element: a namespace, then an XML name.
_XML_PREDICATE = re.compile(r"^.*?([A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7\u00C0-\uFFFF]*)$")
_XSD_STRING = str(XSD.string)
log = logging.getLogger(__name__)


# -- statements ------------------------------------------------------------------------

def quads_of(data: Graph | Dataset) -> Iterable[tuple]:
    """The statements of ``data`` as ``(s, p, o, g)``, ``g`` None for the default graph.
    A ``Description`` (any ``store.describe.Statements``) gives the rows it was built
    from, without building its rdflib store."""
    rows = getattr(data, "rows", None)
    if rows is not None:
        return rows
    if isinstance(data, Dataset):
        return ((s, p, o, None if g is None or g == DATASET_DEFAULT_GRAPH_ID
                 else getattr(g, "identifier", g))
                for s, p, o, g in data.quads((None, None, None, None)))
    return ((s, p, o, None) for s, p, o in data)


class _Terms:
    """Terms -> pyoxigraph terms for one serialization: memoised, with the namespace of
    every IRI written noted (to declare only the prefixes used). pyoxigraph terms (the
    Oxigraph store's) are kept as they are; of rdflib terms, a blank node whose label
    pyoxigraph rejects gets a fresh label, the same one throughout."""

    def __init__(self):
        self.memo: dict = {}
        self.namespaces: set[str] = set()

    def _namespace(self, iri: str) -> None:
        self.namespaces.add(iri[:max(iri.rfind("#"), iri.rfind("/")) + 1])

    def __call__(self, term):
        try:
            return self.memo[term]
        except KeyError:
            pass
        if isinstance(term, ox.NamedNode):
            self._namespace(term.value)
        elif isinstance(term, ox.Literal):
            if not term.language and term.datatype.value != _XSD_STRING:
                self._namespace(term.datatype.value)    # its namespace may take a prefix
        elif isinstance(term, ox.BlankNode):
            pass
        elif isinstance(term, URIRef):
            self._namespace(str(term))
        elif isinstance(term, BNode):
            try:
                out = to_ox(term)
            except ValueError:
                out = ox.BlankNode()
            self.memo[term] = out
            return out
        elif isinstance(term, Literal):
            if term.language and term.language != term.language.lower():
                # pyoxigraph lowercases tags (RDF 1.1 allows it), but rdflib tells
                # "en-GB" from "en-gb" in sets: let rdflib write them unchanged
                raise ValueError(f"language tag {term.language!r} is not in lower case")
            if not term.language and term.datatype is not None:
                if str(term.datatype) == _XSD_STRING:
                    # RDF 1.1 makes "x"^^xsd:string and "x" one literal and pyoxigraph
                    # writes the short form, but rdflib keeps them apart: let it write them
                    raise ValueError("a literal typed xsd:string explicitly")
                self(term.datatype)                 # its namespace may take a prefix
        out = self.memo[term] = to_ox(term)         # TypeError for anything else
        return out


def native_statements(quads: Iterable[tuple], terms: _Terms, keep_graphs: bool) -> Iterator:
    """pyoxigraph Quads (``keep_graphs``) or Triples (the union of the graphs), each
    once, grouped by graph, then by subject, in order of first appearance (so TriG
    opens each graph once and Turtle states each subject once)."""
    graphs: dict = {}
    for s, p, o, g in quads:
        subjects = graphs.get(g if keep_graphs else None)
        if subjects is None:
            subjects = graphs[g if keep_graphs else None] = {}
        pairs = subjects.get(s)
        if pairs is None:
            pairs = subjects[s] = {}
        pairs[(p, o)] = None
    for g, subjects in graphs.items():
        graph = ox.DefaultGraph() if g is None else terms(g)
        for s, pairs in subjects.items():
            subject = terms(s)
            if keep_graphs:
                for p, o in pairs:
                    yield ox.Quad(subject, terms(p), terms(o), graph)
            else:
                for p, o in pairs:
                    yield ox.Triple(subject, terms(p), terms(o))


def used_prefixes(prefixes: dict[str, str], namespaces: set[str]) -> dict[str, str]:
    """The ``prefixes`` whose namespace some IRI of the output is directly in."""
    return {prefix: ns for prefix, ns in prefixes.items() if ns in namespaces}


def native(quads: Iterable[tuple], syntax: str, prefixes: dict[str, str]) -> bytes:
    """``quads`` in ``syntax`` (a key of ``NATIVE``), written by pyoxigraph.

    Raises ValueError/TypeError where pyoxigraph refuses a term rdflib accepts (a
    language subtag over 8 characters, an IRI it finds invalid), would change one (a
    language tag not in lower case, an explicit xsd:string: rdflib tells them from
    their normal form) or cannot write the statement in RDF/XML (a predicate with no
    XML local name, e.g. ending in ``/``, where it writes an invalid element; a literal
    with a carriage return, which it does not escape)."""
    terms = _Terms()
    statements = list(native_statements(quads, terms, NATIVE[syntax].supports_datasets))
    if syntax == "RDF_XML":
        for predicate in {t.predicate.value for t in statements}:
            if not _XML_PREDICATE.match(predicate):
                raise ValueError(f"RDF/XML cannot write the predicate <{predicate}>")
        if any(isinstance(t.object, ox.Literal) and "\r" in t.object.value for t in statements):
            # pyoxigraph writes a carriage return as is, and XML parsers read it as \n
            raise ValueError("a literal with a carriage return, in RDF/XML")
    chosen = used_prefixes(prefixes, terms.namespaces) if syntax in PREFIXED else None
    return ox.serialize(statements, format=NATIVE[syntax], prefixes=chosen) or b""


# -- documents ---------------------------------------------------------------------------

def document_quads(data: Graph | Dataset, fmt: Format, dataset: bool) -> list[tuple]:
    """The statements a document in ``fmt`` carries, as ``(s, p, o, g)``.

    One resource, document or graph (``dataset`` False): triple formats get the union
    of its graphs; quad formats get that union in the default graph (what a client that
    reads the default graph sees, e.g. Comunica, which prefers N-Quads) and every
    statement again in its named graph (its provenance: one graph per source article).
    A whole-dataset dump (``dataset`` True) keeps the named graphs only: the SPARQL
    default graph is their union, as the Service Description and VoID say."""
    quads = list(quads_of(data))
    if dataset:               # Turtle writes their union; JSON-LD one @graph per graph
        return quads
    if not fmt.graphs:
        return list(dict.fromkeys((s, p, o, None) for s, p, o, _g in quads))
    union = dict.fromkeys((s, p, o, None) for s, p, o, _g in quads)
    return [*union, *(q for q in quads if q[3] is not None)]


def serialize(data: Graph | Dataset, fmt: Format, prefixes: dict[str, str],
              context: dict | None = None, context_url: str | None = None,
              dataset: bool = False) -> bytes:
    """``data`` in ``fmt`` (the statements of ``document_quads``); JSON-LD compacted with
    ``context``, referenced as ``context_url`` (a ``dataset`` dump keeps one ``@graph``
    per named graph), or expanded / flattened when ``fmt`` is that form."""
    quads = document_quads(data, fmt, dataset)
    if fmt.oxigraph in NATIVE:
        try:
            return native(quads, fmt.oxigraph, prefixes)
        except (ValueError, TypeError) as exc:
            # pyoxigraph validates terms more strictly than rdflib (see ``native``); rather
            # than fail a page over one odd term, let rdflib write it as it always did.
            log.info("rdflib writes this %s document: %s", fmt.name, exc)
    if fmt.rdflib != "json-ld":
        return as_dataset(quads, prefixes).serialize(format=fmt.rdflib, encoding="utf-8")
    compacted = jsonld(as_dataset(quads, prefixes), context, dataset)
    if fmt.profile is None:
        if context_url:                            # first key: see views.fill_context
            compacted["@context"] = context_url
        return dump_json(compacted)
    return dump_json(reshape(compacted, fmt.profile))


def as_dataset(quads: Iterable[tuple], prefixes: dict[str, str]) -> Dataset:
    """An rdflib Dataset of ``quads`` (``g`` None: the default graph; terms of either
    library, converted to rdflib's) with our prefixes (and rdflib's core ones: binding
    its ~30 default namespaces cost more per request than serializing a description)."""
    ds = Dataset()
    ds.namespace_manager = NamespaceManager(ds, bind_namespaces="core")
    bind(ds, prefixes)
    default = ds.default_graph
    term = rdflib_converter()
    for s, p, o, g in quads:
        (default if g is None else ds.graph(term(g))).add((term(s), term(p), term(o)))
    return ds


def jsonld(data: Dataset, context: dict | None, dataset: bool) -> dict:
    """``data`` as compacted JSON-LD with ``context`` inline (none: rdflib's, from the
    prefixes bound); a ``dataset`` keeps one ``@graph`` per named graph, otherwise the
    default graph alone is written."""
    source = data if dataset else data.default_graph
    doc = json.loads(source.serialize(format="json-ld", context=context or None, auto_compact=True))
    if isinstance(doc, list):                     # rdflib gives a bare list for an empty graph
        doc = {"@graph": doc}
    inline = context.get("@context", context) if context else doc.get("@context", {})
    return {"@context": inline, **{k: v for k, v in doc.items() if k != "@context"}}


def reshape(compacted: dict, profile: str) -> dict | list:
    """A compacted document (context inline) expanded or flattened by pyld. The context is
    inline and nothing else is fetched: pyld's document loader refuses every URL."""
    from pyld import jsonld as pyld

    def no_fetch(url, options=None):
        raise pyld.JsonLdError(f"this server fetches no documents ({url})", "loading document failed")

    options = {"documentLoader": no_fetch}
    if profile.endswith("#flattened"):
        return pyld.flatten(compacted, None, options)
    return pyld.expand(compacted, options)


def bind(graph: Graph, prefixes: dict[str, str]) -> None:
    for prefix, ns in prefixes.items():
        graph.bind(prefix, ns, override=True, replace=True)


def dump_json(doc) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


def context_document(prefixes: dict[str, str], ontology: Graph) -> dict:
    """The JSON-LD context: every prefix, plus one term per property the ontology
    declares (its local name), typed ``@id`` for object properties and with the
    declared datatype for datatype properties whose range is an XSD type."""
    terms: dict[str, object] = dict(sorted(prefixes.items()))
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for prop in sorted(set(ontology.subjects(RDF.type, kind))):
            if not isinstance(prop, URIRef):
                continue
            name = str(prop).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            if not name or name in terms or not name[0].isalpha():
                continue
            definition: dict[str, str] = {"@id": str(prop)}
            rng = ontology.value(prop, RDFS.range)
            if kind == OWL.ObjectProperty:
                definition["@type"] = "@id"
            elif isinstance(rng, URIRef) and str(rng).startswith(str(XSD)):
                definition["@type"] = str(rng)
            terms[name] = definition
    return {"@context": terms}
