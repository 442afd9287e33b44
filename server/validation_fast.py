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
    for obj in data.objects(unique=True) if isinstance(data, Graph) else ():
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


def validate_fast(data, shapes: Graph, ontology: Graph | None = None):
    """Validate with pyshacl-turbo: the options and the report reading of
    ``server.validation.validate``, so the same ``ValidationReport``.

    ``data`` is the union of the data graphs as an rdflib Graph. pyshacl-turbo also
    reads a pyoxigraph Store or N-Triples text itself, faster, but then it flags valid
    ``xsd:positiveInteger`` / ``xsd:nonNegativeInteger`` values (0.6.5): refused here."""
    if not isinstance(data, Graph):
        raise TypeError(f"validate_fast needs an rdflib Graph, not {type(data).__name__}: "
                        "pyshacl-turbo's native readers disagree with pySHACL on integer datatypes.")
    from pyshacl_turbo import validate as turbo_validate

    from .validation import ValidationReport, results_from_report, with_ontology
    hint = "Check the shapes (server.validation.check_shapes), or use the pyshacl engine."
    try:
        _conforms, report_graph, _text = turbo_validate(
            with_ontology(data, ontology), shacl_graph=shapes, **REFERENCE_OPTIONS)
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
        report = validation.validate(data, shapes, ontology)
    elapsed = time.perf_counter() - started
    say(f"done in {elapsed:.1f} s: " + ("conforms" if report.conforms else
                                         f"{len(report.results)} result(s)"))
    return report


__all__ = ["ENGINES", "REFERENCE_OPTIONS", "DISAGREEMENT", "choose_engine", "ill_typed_literals",
           "validate_fast", "validate_with", "turbo_available"]
