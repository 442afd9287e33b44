"""SHACL validation of a data graph, and checks of the shapes and vocabulary themselves.

Pure functions over rdflib graphs; nothing here knows about files, folders or this
dataset (the loader and the ``python -m server validate`` command do that).

    validate(data, shapes, ontology) -> ValidationReport
        Run pySHACL (no inference; the ontology is mixed in so that sh:targetClass
        reaches subclasses) and return every result, sorted deterministically.
        ``report.conforms`` is False only when there is a sh:Violation: warnings
        and infos are reported but do not fail.

    check_shapes(shapes, engine="auto") -> list[str]
        Problems with the shapes graph itself: SHACL-for-SHACL (pySHACL's
        meta-shapes; "auto": pyshacl-turbo decides whether they conform, 0.04 s instead
        of 1.2 s, and pySHACL reports the problems when they do not, so the answers are
        the reference's: tests/test_validation_engines.py) and sh: terms that do not exist in the SHACL vocabulary
        (``sh:message:`` with a stray colon parses silently as another IRI).
        An empty list means the shapes are sound.

    undeclared_terms(graphs, ontology, namespace) -> set[URIRef]
        Terms of ``namespace`` used anywhere in ``graphs`` but not declared
        (given an rdf:type) in ``ontology``.

"The data does not conform" is a report (a ValidationReport; ``server.startup``'s gate
turns it into ``DataDoesNotConform``); "we could not validate" is an exception:
``ValidationCouldNotRun`` (``server.errors``), a failure to fix.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import importlib.util
from pathlib import Path

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from .errors import ValidationCouldNotRun

SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}


@dataclass(frozen=True, order=False)
class Result:
    """One SHACL validation result, with the terms as rdflib nodes (or None)."""

    severity: URIRef  # sh:Violation, sh:Warning or sh:Info
    message: str
    focus_node: Node
    path: Node | None
    value: Node | None
    source_shape: Node | None
    constraint_component: URIRef | None

    @property
    def severity_name(self) -> str:
        """'Violation', 'Warning' or 'Info'."""
        return str(self.severity).rsplit("#", 1)[-1]

    def sort_key(self) -> tuple:
        return (
            SEVERITY_ORDER.get(self.severity, 9),
            str(self.focus_node),
            str(self.path or ""),
            str(self.constraint_component or ""),
            str(self.source_shape or ""),
            str(self.value or ""),
            self.message,
        )


@dataclass(frozen=True)
class ValidationReport:
    """All results of one validation; ``conforms`` ignores warnings and infos."""

    results: list[Result] = field(default_factory=list)

    @property
    def conforms(self) -> bool:
        return not self.violations

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == SH.Violation]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity == SH.Warning]

    @property
    def infos(self) -> list[Result]:
        return [r for r in self.results if r.severity == SH.Info]


SHAPES_HINT = "Check the shapes (server.validation.check_shapes), fix them, then validate again."


def validate(data: Graph, shapes: Graph, ontology: Graph) -> ValidationReport:
    """Validate ``data`` (a union of all data graphs) against ``shapes``.

    The ontology is mixed into a copy of the data (``with_ontology``), so subclass
    instances are targeted and ontology individuals satisfy ``sh:class``; ``data``
    itself is not modified.
    Raises ValidationCouldNotRun if pySHACL cannot run.
    """
    import pyshacl                      # 0.3 s of imports: only when this engine runs
    if not isinstance(data, Graph):      # server.validation_fast.Triples: a stream
        data = data.graph()
    try:
        _conforms, report_graph, _text = pyshacl.validate(
            data_graph=with_ontology(data, ontology),
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
        )
    except Exception as exc:  # pySHACL raises a variety of errors for bad shapes
        raise ValidationCouldNotRun(f"SHACL validation could not run: {str(exc).rstrip('.')}.",
                                    hint=SHAPES_HINT) from exc
    if not isinstance(report_graph, Graph):  # pySHACL reports some failures as a value, not an exception
        raise ValidationCouldNotRun(f"SHACL validation could not run: {str(report_graph).rstrip('.')}.",
                                    hint=SHAPES_HINT)
    return ValidationReport(results=results_from_report(report_graph))


def with_ontology(data: Graph, ontology: Graph | None) -> Graph:
    """A copy of ``data`` with the ontology added: subclass axioms and the ontology's own
    individuals (role and status concepts typed ``org:Role``, ``skos:Concept``...) are
    then visible to ``sh:class`` and ``sh:targetClass``. (pySHACL's ``ont_graph`` does not
    mix the ontology in when inference is off.) Every engine validates this same graph."""
    if ontology is None or len(ontology) == 0:
        return data
    mixed = Graph()
    for prefix, namespace in data.namespaces():
        mixed.bind(prefix, namespace, override=False)
    for triple in data:
        mixed.add(triple)
    for triple in ontology:
        mixed.add(triple)
    return mixed


def results_from_report(report_graph: Graph) -> list[Result]:
    """Read the sh:ValidationResult nodes of a SHACL report graph, sorted deterministically."""
    results = [_result(report_graph, node) for node in report_graph.subjects(RDF.type, SH.ValidationResult)]
    return sorted(results, key=Result.sort_key)


def _result(g: Graph, node: Node) -> Result:
    messages = sorted(str(m) for m in g.objects(node, SH.resultMessage))
    return Result(
        severity=g.value(node, SH.resultSeverity),
        message=" / ".join(messages),  # templates ({$this}...) are filled by server.report
        focus_node=g.value(node, SH.focusNode),
        path=g.value(node, SH.resultPath),
        value=g.value(node, SH.value),
        source_shape=g.value(node, SH.sourceShape),
        constraint_component=g.value(node, SH.sourceConstraintComponent),
    )


def shacl_shacl() -> Graph:
    """pySHACL's SHACL-for-SHACL shapes (its ``assets/shacl-shacl.ttl``), read without
    importing pySHACL."""
    spec = importlib.util.find_spec("pyshacl")
    if spec is None or not spec.submodule_search_locations:
        raise ValidationCouldNotRun("pySHACL is not installed: the shapes cannot be checked.",
                                    hint="Install the pinned dependencies (make).")
    path = Path(list(spec.submodule_search_locations)[0]) / "assets" / "shacl-shacl.ttl"
    return Graph().parse(path, format="turtle")


def check_shapes(shapes: Graph, engine: str = "auto") -> list[str]:
    """Problems with the shapes graph itself; an empty list means none were found.
    ``engine``: "pyshacl" (the reference), "turbo", or "auto" (turbo if installed)."""
    problems = [f"unknown SHACL term {term.n3()}: not in the SHACL vocabulary (a typo, or a stray ':'?)"
                for term in sorted(unknown_shacl_terms(shapes))]
    if engine == "auto":
        engine = "turbo" if importlib.util.find_spec("pyshacl_turbo") is not None else "pyshacl"
    try:
        if engine == "turbo":
            from pyshacl_turbo import validate as turbo_validate
            conforms, report_graph, _text = turbo_validate(shapes, shacl_graph=shacl_shacl(), inference="none")
            if not conforms:             # pySHACL's messages say more: the report is the reference's
                return check_shapes(shapes, "pyshacl")
        else:
            from pyshacl.entrypoints import meta_validate
            conforms, report_graph, _text = meta_validate(shapes, inference="none")
    except Exception as exc:  # pySHACL raises a variety of errors for shapes it cannot read
        raise ValidationCouldNotRun(f"SHACL-for-SHACL could not check the shapes: {exc}",
                                    hint=SHAPES_HINT) from exc
    if not conforms:
        for r in results_from_report(report_graph):
            problems.append(f"SHACL-for-SHACL: shape {r.focus_node.n3()}: {r.message}")
    return problems


def unknown_shacl_terms(graph: Graph) -> set[URIRef]:
    """IRIs in the sh: namespace, used anywhere in ``graph``, that SHACL does not define."""
    prefix = str(SH)
    return {term for triple in graph for term in triple
            if isinstance(term, URIRef) and str(term).startswith(prefix) and term not in SH}


def undeclared_terms(graphs: Iterable[Graph], ontology: Graph, namespace: str | Namespace) -> set[URIRef]:
    """Terms of ``namespace`` used in ``graphs`` (any position) that ``ontology`` does not declare.

    A term is declared when the ontology gives it an rdf:type. Literals are ignored.
    """
    ns = str(namespace)
    declared = {s for s in ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}
    used = {term for g in graphs for triple in g for term in triple
            if isinstance(term, URIRef) and str(term).startswith(ns) and str(term) != ns}
    return used - declared


__all__ = ["Result", "ValidationReport", "ValidationCouldNotRun", "validate", "with_ontology", "results_from_report",
           "check_shapes", "shacl_shacl", "unknown_shacl_terms", "undeclared_terms"]
