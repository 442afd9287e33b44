"""A faster SHACL engine with the reference engine's answers.

pySHACL stays the reference (``server.validation``). pyshacl-turbo (a Rust engine
with pySHACL's API) runs the same shapes on the same data with the same options and
its report graph is read the same way, so both give the same ``ValidationReport``:
``tests/test_validation_engines.py`` proves they agree on every shape fixture, on the
shipped data and on faulty synthetic data. It is much faster on anything but tiny
graphs (see bench/REPORT.md).

    validate_fast(data, shapes, ontology)      -> ValidationReport (turbo engine)
    choose_engine(preferred, shapes)           -> "turbo" | "pyshacl"
    validate_with(engine, data, shapes, ontology, progress=print)

``progress`` (optional) receives one short line per phase ("validating 1,000,016
triples with turbo...", "done in 3.2 s: conforms") for a CLI to show.
"""
from __future__ import annotations

import importlib.util
import time
from typing import Callable

from rdflib import Graph
from rdflib.namespace import SH

ENGINES = ("pyshacl", "turbo")

#: SHACL features on which pyshacl-turbo 0.6.5 was seen to answer differently from
#: pySHACL 0.40.1 (constraint component IRIs). Shapes that use one are validated by
#: pySHACL. Seen: ill-typed literals ("2018-13"^^xsd:gYearMonth, "2019"^^xsd:date)
#: checked by sh:datatype inside sh:or (tests/test_validation_engines.py
#: KNOWN_DISAGREEMENTS), so ``auto`` keeps pySHACL for the shipped shapes.
DISAGREEING_COMPONENTS: frozenset[str] = frozenset({
    "http://www.w3.org/ns/shacl#OrConstraintComponent",
    "http://www.w3.org/ns/shacl#DatatypeConstraintComponent",
})

#: The keyword options ``server.validation.validate`` gives pySHACL (kept equal: the
#: agreement test would catch a difference).
REFERENCE_OPTIONS = {"inference": "none", "advanced": True, "allow_warnings": True}

Progress = Callable[[str], None]


def turbo_available() -> bool:
    return importlib.util.find_spec("pyshacl_turbo") is not None


def _uses(shapes: Graph, components: frozenset[str]) -> bool:
    """Does the shapes graph use one of these constraint components' parameters?"""
    if not components:
        return False
    used = {str(p) for p in shapes.predicates()}
    params = {str(SH[c.rsplit("#", 1)[1].removesuffix("ConstraintComponent")[0].lower()
                     + c.rsplit("#", 1)[1].removesuffix("ConstraintComponent")[1:]])
              for c in components}
    return bool(used & params)


def choose_engine(preferred: str = "auto", shapes: Graph | None = None) -> str:
    """The engine to run: ``preferred`` if given, else turbo when it is installed and the
    shapes use no feature on which it disagrees with pySHACL, else pySHACL."""
    if preferred not in ("auto", *ENGINES):
        raise ValueError(f"Unknown SHACL engine {preferred!r}: use auto, {', '.join(ENGINES)}.")
    if preferred != "auto":
        if preferred == "turbo" and not turbo_available():
            raise RuntimeError("pyshacl-turbo is not installed: pip install pyshacl-turbo==0.6.5")
        return preferred
    if not turbo_available():
        return "pyshacl"
    if shapes is not None and _uses(shapes, DISAGREEING_COMPONENTS):
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

    from .validation import ValidationFailed, ValidationReport, results_from_report, with_ontology
    try:
        _conforms, report_graph, _text = turbo_validate(
            with_ontology(data, ontology), shacl_graph=shapes, **REFERENCE_OPTIONS)
    except Exception as exc:  # the engine raises several types for shapes it cannot run
        raise ValidationFailed(f"SHACL validation (pyshacl-turbo) could not run: {exc}. "
                               "Check the shapes with check_shapes(), or use the pyshacl engine.") from exc
    if not isinstance(report_graph, Graph):     # reported as a value, like pySHACL does
        raise ValidationFailed(f"SHACL validation (pyshacl-turbo) could not run: {report_graph}. "
                               "Check the shapes with check_shapes(), or use the pyshacl engine.")
    return ValidationReport(results=results_from_report(report_graph))


def validate_with(engine: str, data, shapes: Graph, ontology: Graph | None = None,
                  progress: Progress | None = None):
    """Run ``engine`` ("auto", "turbo" or "pyshacl") and report phases to ``progress``."""
    from . import validation
    engine = choose_engine(engine, shapes)
    say = progress or (lambda _line: None)
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


__all__ = ["ENGINES", "REFERENCE_OPTIONS", "DISAGREEING_COMPONENTS", "choose_engine",
           "validate_fast", "validate_with", "turbo_available"]
