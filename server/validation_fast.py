"""A faster SHACL engine with the reference engine's answers.

pySHACL stays the reference (``server.validation``). pyshacl-turbo (a Rust engine
with pySHACL's API) runs the same shapes on the same data with the same options and
its report graph is read the same way, so both give the same ``ValidationReport``:
``tests/test_validation_engines.py`` proves they agree on every shape fixture, on the
shipped data and on faulty synthetic data. It is much faster on anything but tiny
graphs (see bench/REPORT.md).

    validate_fast(data, shapes, ontology)      -> ValidationReport (turbo engine)
    choose_engine(preferred, data)             -> "turbo" | "pyshacl"
    ill_typed_literals(data)                   -> the literals turbo would judge differently
    validate_with(engine, data, shapes, ontology, progress=print)

``progress`` (optional) receives one short line per phase ("validating 1,000,016
triples with turbo...", "done in 3.2 s: conforms") for a CLI to show.
"""
from __future__ import annotations

import importlib.util
import re
import time
from typing import Callable

from rdflib import Graph, Literal
from rdflib.namespace import XSD

from .errors import ValidationCouldNotRun

ENGINES = ("pyshacl", "turbo")

#: Where pyshacl-turbo 0.6.5 was seen to answer differently from pySHACL 0.40.1: on
#: ill-typed literals ("2018-13"^^xsd:gYearMonth, "2019"^^xsd:date) checked by
#: sh:datatype (tests/test_validation_engines.py KNOWN_DISAGREEMENTS). On data without
#: any, both agree on every fixture; ``auto`` therefore looks at the data first and keeps
#: pySHACL when it holds an ill-typed literal.
DISAGREEMENT = "ill-typed literals checked by sh:datatype"

#: The keyword options ``server.validation.validate`` gives pySHACL (kept equal: the
#: agreement test would catch a difference).
REFERENCE_OPTIONS = {"inference": "none", "advanced": True, "allow_warnings": True}

Progress = Callable[[str], None]


def turbo_available() -> bool:
    return importlib.util.find_spec("pyshacl_turbo") is not None


_TZ = r"(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]|[+-]14:00)?"
#: Lexical spaces (XML Schema 1.1) of the XSD types rdflib does not check itself
#: (``Literal.ill_typed`` is None for them).
_LEXICAL = {str(XSD[name]): re.compile(pattern + _TZ) for name, pattern in {
    "gYear": r"-?([1-9][0-9]{3,}|0[0-9]{3})",
    "gYearMonth": r"-?([1-9][0-9]{3,}|0[0-9]{3})-(0[1-9]|1[0-2])",
    "gMonth": r"--(0[1-9]|1[0-2])",
    "gDay": r"---(0[1-9]|[12][0-9]|3[01])",
    "gMonthDay": r"--(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])",
}.items()}


def _ill_typed(obj) -> bool:
    if not isinstance(obj, Literal):
        return False
    if obj.ill_typed:
        return True
    pattern = _LEXICAL.get(str(obj.datatype)) if obj.datatype is not None else None
    return pattern is not None and not pattern.fullmatch(str(obj))


def ill_typed_literals(data, limit: int = 3) -> list:
    """Up to ``limit`` literals of ``data`` whose lexical form is not valid for their
    datatype (rdflib's ``Literal.ill_typed``, and the XSD g* types rdflib leaves
    unchecked): the kind of input on which the two engines were seen to disagree. One
    pass over the distinct objects, about a second per million triples."""
    found = []
    objects = (data.typed_literals() if isinstance(data, StoreTriples)
               else data.objects(unique=True) if isinstance(data, (Graph, Triples)) else ())
    for obj in objects:
        if _ill_typed(obj):
            found.append(obj)
            if len(found) >= limit:
                break
    return found


def choose_engine(preferred: str = "auto", data=None) -> str:
    """The engine to run: ``preferred`` if given, else turbo when it is installed and the
    data (if given) holds no ill-typed literal, else pySHACL."""
    if preferred not in ("auto", *ENGINES):
        raise ValueError(f"Unknown SHACL engine {preferred!r}: use auto, {', '.join(ENGINES)}.")
    if preferred != "auto":
        if preferred == "turbo" and not turbo_available():
            raise ValidationCouldNotRun("pyshacl-turbo is not installed.",
                                        hint="pip install pyshacl-turbo==0.6.5, or use the pyshacl engine.")
        return preferred
    if not turbo_available():
        return "pyshacl"
    if data is not None and ill_typed_literals(data, limit=1):
        return "pyshacl"
    return "turbo"


def _size(data) -> int:
    try:
        return len(data)
    except TypeError:
        return -1


class Triples:
    """The graph to validate as a stream of rdflib triples, built into no rdflib Graph.

    ``Triples(parts, namespaces)``: ``parts`` are Graphs or callables returning an
    iterable of triples (each call a fresh pass, e.g. ``LoadedDataset.data_triples``).
    pyshacl-turbo gets the term records it would make from a Graph holding the same
    triples (``term_input``), so its answers are the Graph's (tests/test_validation_engines.py);
    pySHACL gets ``graph()``. At a million triples this saves the union graph's
    gigabyte and the seconds to build it."""

    def __init__(self, parts, namespaces=()):
        self.parts = tuple(parts)
        self.namespaces = dict(namespaces)

    def __iter__(self):
        for part in self.parts:
            yield from (part if isinstance(part, Graph) else part())

    def objects(self, unique: bool = True):
        """The objects of the triples (``unique``: each once), like ``Graph.objects``."""
        seen: set = set()
        for _s, _p, o in self:
            if o not in seen:
                seen.add(o)
                yield o

    def graph(self) -> Graph:
        """A new rdflib Graph of every triple (for pySHACL)."""
        out = Graph()
        for prefix, namespace in self.namespaces.items():
            out.bind(prefix, namespace, override=False)
        out.addN((s, p, o, out) for s, p, o in self)
        return out


class TermRecords:
    """pyshacl-turbo's term records (see ``term_input``) made from pyoxigraph terms as
    the parser gives them (``server.native_load``: filled while the files are parsed
    into the store, which rewrites some literals: ``"01"^^xsd:positiveInteger`` is
    stored as ``"1"^^xsd:integer``). Each term is given the record turbo's reader makes
    of the rdflib term it converts to. Duplicate triples are kept: turbo keeps a set."""

    def __init__(self):
        from rdflib import BNode
        self.records: list = []
        self.quads: list = []
        self.nodes: dict = {}
        self._indices: dict = {}
        self._bnode = BNode

    def intern(self, term) -> int:
        index = self._indices.get(term)
        if index is not None:
            return index
        kind = type(term).__name__
        if kind == "NamedNode":
            record = (0, term.value, None, None)
        elif kind == "BlankNode":
            self.nodes[term.value] = self._bnode(term.value)
            record = (1, term.value, None, None)
        else:
            record = _literal_record(term)
        index = self._indices[term] = len(self.records)
        self.records.append(record)
        return index

    def add(self, subject, predicate, value) -> None:
        intern = self.intern
        self.quads.append((intern(subject), intern(predicate), intern(value), None))

    def __len__(self) -> int:
        return len(self.quads)


class StoreTriples(Triples):
    """The graph to validate as ``TermRecords`` (``server.native_load``): turbo reads the
    records; pySHACL and ``ill_typed_literals`` get rdflib terms made from them."""

    def __init__(self, terms: TermRecords, namespaces=()):
        self.terms = terms
        super().__init__((self._rdflib_triples,), namespaces)

    def _rdflib_terms(self) -> list:
        from rdflib import Literal, URIRef
        out = []
        for kind, value, datatype, language in self.terms.records:
            if kind == 0:
                out.append(URIRef(value))
            elif kind == 1:
                out.append(self.terms.nodes[value])
            else:
                out.append(Literal(value, lang=language,
                                   datatype=None if datatype is None else URIRef(datatype)))
        return out

    def _rdflib_triples(self):
        terms = self._rdflib_terms()
        for s, p, o, _g in self.terms.quads:
            yield terms[s], terms[p], terms[o]

    def __len__(self) -> int:
        return len(self.terms)

    def typed_literals(self):
        """The distinct literals with a datatype, as rdflib Literals."""
        from rdflib import Literal, URIRef
        for kind, value, datatype, language in self.terms.records:
            if kind == 2 and datatype is not None:
                yield Literal(value, datatype=URIRef(datatype))

    def term_records(self):
        from pyshacl_turbo.rdf import Input
        return Input((self.terms.records, self.terms.quads), "terms", None, self.terms.nodes,
                     dict(self.namespaces))


_XSD_STRING = str(XSD.string)


def _literal_record(term):
    """The record turbo's reader makes of the rdflib Literal this pyoxigraph literal
    becomes (no datatype for ``"x"``; rdflib's normalized lexical form for the XSD
    types it knows)."""
    if term.language is not None:
        return (2, term.value, None, term.language)
    datatype = term.datatype.value
    if datatype == _XSD_STRING:
        return (2, term.value, None, None)
    from rdflib import Literal, URIRef
    lit = Literal(term.value, datatype=URIRef(datatype))
    return (2, str(lit), datatype, None)


def term_input(triples: Triples):
    """pyshacl-turbo's input for ``triples``: the term records and index quads its
    ``Graph`` reader (``pyshacl_turbo.rdf._term_input``, 0.6.5) makes, filled from the
    stream. The engine keeps a set of triples, so a triple given twice counts once
    (tests/test_validation_engines.py checks it)."""
    if isinstance(triples, StoreTriples):
        return triples.term_records()
    from pyshacl_turbo.rdf import Input
    from pyshacl_turbo.term_input import _TermBatch
    nodes: dict = {}
    batch = _TermBatch(nodes)
    append = batch.append
    for s, p, o in triples:
        append(s, p, o)
    return Input((batch.records, batch.quads), "terms", None, nodes, dict(triples.namespaces))


def validate_fast(data, shapes: Graph, ontology: Graph | None = None):
    """Validate with pyshacl-turbo: the options and the report reading of
    ``server.validation.validate``, so the same ``ValidationReport``.

    ``data`` is the union of the data graphs as an rdflib Graph, or a ``Triples``
    stream of it (read into turbo's term records, no Graph built). pyshacl-turbo also
    reads a pyoxigraph Store or N-Triples text itself, but then it flags valid
    ``xsd:positiveInteger`` / ``xsd:nonNegativeInteger`` values (0.6.5): refused here."""
    if not isinstance(data, (Graph, Triples)):
        raise TypeError(f"validate_fast needs an rdflib Graph or Triples, not {type(data).__name__}: "
                        "pyshacl-turbo's native readers disagree with pySHACL on integer datatypes.")
    from pyshacl_turbo import validate as turbo_validate

    from .validation import ValidationReport, results_from_report, with_ontology
    hint = "Check the shapes (server.validation.check_shapes), or use the pyshacl engine."
    if isinstance(data, Triples):
        if ontology is not None and len(ontology):
            data = Triples((*data.parts, ontology), data.namespaces)
        given = term_input(data)
    else:
        given = with_ontology(data, ontology)
    try:
        _conforms, report_graph, _text = turbo_validate(
            given, shacl_graph=shapes, **REFERENCE_OPTIONS)
    except Exception as exc:  # the engine raises several types for shapes it cannot run
        raise ValidationCouldNotRun(f"SHACL validation (pyshacl-turbo) could not run: {exc}.",
                                    hint=hint) from exc
    if not isinstance(report_graph, Graph):     # reported as a value, like pySHACL does
        raise ValidationCouldNotRun(f"SHACL validation (pyshacl-turbo) could not run: {report_graph}.",
                                    hint=hint)
    return ValidationReport(results=results_from_report(report_graph))


def validate_with(engine: str, data, shapes: Graph, ontology: Graph | None = None,
                  progress: Progress | None = None):
    """Run ``engine`` ("auto", "turbo" or "pyshacl") and report phases to ``progress``."""
    from . import validation
    say = progress or (lambda _line: None)
    chosen = choose_engine(engine, data if engine == "auto" else None)
    if engine == "auto" and chosen == "pyshacl" and turbo_available():
        examples = ", ".join(lit.n3() for lit in ill_typed_literals(data))
        say(f"the data holds ill-typed literals ({examples}): validating with pySHACL, "
            "the reference engine (pyshacl-turbo judges them differently)")
    engine = chosen
    size = _size(data)
    say(f"validating {size:,} triples with {engine}..." if size >= 0 else f"validating with {engine}...")
    started = time.perf_counter()
    if engine == "turbo":
        report = validate_fast(data, shapes, ontology)
    else:
        report = validation.validate(data.graph() if isinstance(data, Triples) else data,
                                     shapes, ontology)
    elapsed = time.perf_counter() - started
    say(f"done in {elapsed:.1f} s: " + ("conforms" if report.conforms else
                                         f"{len(report.results)} result(s)"))
    return report


__all__ = ["ENGINES", "Triples", "StoreTriples", "term_input", "REFERENCE_OPTIONS", "DISAGREEMENT", "choose_engine", "ill_typed_literals",
           "validate_fast", "validate_with", "turbo_available"]
