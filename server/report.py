"""The validation report a curator reads: every problem with the file it came from,
then a summary of the dataset.

    check(loaded, base_iri) -> Outcome           run every check on a LoadedDataset
    render_text(outcome) -> str                  the human-readable report
    render_json(outcome) -> dict                 the same, for machines
    load_error_text(error) / load_error_json()   when the files could not be parsed
    error_text(error) / error_json(error)        any start-up failure (``StartupError``)

Checks: SHACL validation of the union of the data graphs (``server.validation``; the
ontology goes in as ``ont_graph``, nothing else is mixed in), the shapes themselves
(SHACL-for-SHACL, unknown ``sh:`` terms), and terms of the dataset's ontology
namespace used by data or shapes but not declared. Only violations, shape problems
and undeclared terms fail; warnings and infos are shown and counted.
"""
from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, NamespaceManager
from rdflib.term import Literal, Node

from .errors import DataLoadError, DataTooLarge, StartupError
from .loader import LoadedDataset
from .namespaces import all_prefixes, dataset_namespaces
from .validation import Result, ValidationReport, check_shapes, undeclared_terms, validate

SEVERITIES = ("Violation", "Warning", "Info")
MAX_VALUE_CHARS = 120


@dataclass
class Outcome:
    """Everything one ``validate`` run found."""

    loaded: LoadedDataset
    report: ValidationReport
    shape_problems: list[str] = field(default_factory=list)
    undeclared: list[URIRef] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    names: NamespaceManager | None = None

    @property
    def conforms(self) -> bool:
        """True when nothing fails: warnings and infos never do."""
        return self.report.conforms and not self.shape_problems and not self.undeclared

    def counts(self) -> dict[str, int]:
        found = Counter(r.severity_name for r in self.report.results)
        return {name: found.get(name, 0) for name in SEVERITIES}


def check(loaded: LoadedDataset, base_iri: str, validator=validate) -> Outcome:
    """Run every check on ``loaded``. ``validator(data, shapes, ontology)`` is
    ``server.validation.validate`` unless another engine is passed."""
    data = loaded.data_union()                 # a fresh graph, ours to extend below
    own = dataset_namespaces(base_iri)["cpo"]
    undeclared = sorted(undeclared_terms([data, loaded.shapes], loaded.ontology, own))
    summary = summarize(loaded, data)
    # The ontology mixed into this graph in place: what ``with_ontology`` would build,
    # without copying a large dataset once more (about 10 s per million triples).
    data += loaded.ontology
    report = validator(data, loaded.shapes, None)
    return Outcome(
        loaded=loaded,
        report=report,
        shape_problems=check_shapes(loaded.shapes) if len(loaded.shapes) else [],
        undeclared=undeclared,
        summary=summary,
        names=namespace_manager(loaded, base_iri),
    )


def summarize(loaded: LoadedDataset, data: Graph) -> dict:
    """Triples and graphs of the data, and resources per class (distinct subjects)."""
    per_class = Counter(o for _s, o in set(data.subject_objects(RDF.type)))
    return {
        "triples": len(data),
        "graphs": len(loaded.data_graphs),
        "files": len([f for f, graphs in loaded.files.items()
                      if set(graphs) & set(loaded.data_graphs)]),
        "resources": len({s for s in data.subjects() if not isinstance(s, Literal)}),
        "classes": {str(c): n for c, n in sorted(per_class.items(), key=lambda kv: (-kv[1], str(kv[0])))},
    }


def namespace_manager(loaded: LoadedDataset, base_iri: str) -> NamespaceManager:
    """Prefixes for short names: those the files declare (what a curator reads there),
    then the service's own for namespaces the files leave unnamed."""
    names = NamespaceManager(Graph(bind_namespaces="none"), bind_namespaces="none")
    for prefix, namespace in loaded.dataset.namespaces():
        names.bind(prefix, namespace, override=False)
    for prefix, namespace in all_prefixes(base_iri).items():
        names.bind(prefix, namespace, override=False)
    return names


# -- rendering ---------------------------------------------------------------------

def short(node: Node | None, names: NamespaceManager | None) -> str:
    """``person:kem-sokha`` for IRIs in a known namespace (``event:x#date`` for a hash
    IRI of one), N3 otherwise, cut when long."""
    if node is None:
        return "-"
    text = node.n3(names) if names is not None else node.n3()
    if isinstance(node, URIRef) and text.startswith("<") and "#" in node:
        document, fragment = str(node).split("#", 1)
        document_text = URIRef(document).n3(names) if names is not None else ""
        if document_text and not document_text.startswith("<"):
            text = f"{document_text}#{fragment}"
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS - 1] + "…"


def fill_message(result: Result, names: NamespaceManager | None) -> str:
    """The shape's message with ``{$this}`` / ``{$path}`` / ``{$value}`` (or ``{?x}``)
    filled in, for engines that leave them as written."""
    message = result.message or "(the shape has no sh:message)"
    for var, node in (("this", result.focus_node), ("path", result.path), ("value", result.value)):
        if node is not None:
            message = message.replace("{$%s}" % var, short(node, names)).replace("{?%s}" % var, short(node, names))
    return message


def relative(path: str) -> str:
    """A file path relative to the working directory when it is below it."""
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def files_using(loaded: LoadedDataset, term: URIRef) -> list[str]:
    """The files whose graph uses ``term`` in any position (data and shapes files)."""
    def uses(graph: Graph) -> bool:
        return any(any(graph.triples(pattern))
                   for pattern in ((term, None, None), (None, term, None), (None, None, term)))
    graphs = {g for g in [*loaded.data_graphs, loaded.shapes.identifier] if uses(loaded.dataset.graph(g))}
    return sorted(f for f, targets in loaded.files.items() if graphs & set(targets))


def files_of(result: Result, loaded: LoadedDataset) -> list[str]:
    """The files a result comes from: those stating the offending triple
    (focus node, path, value) when there is one, else those describing the focus node."""
    files: tuple[str, ...] = ()
    if isinstance(result.path, URIRef) and result.value is not None:
        triple = (result.focus_node, result.path, result.value)
        graphs = {g for g in loaded.data_graphs if triple in loaded.dataset.graph(g)}
        files = tuple(sorted(f for f, targets in loaded.files.items() if graphs & set(targets)))
    return [relative(p) for p in files or loaded.files_of(result.focus_node)]


def render_text(outcome: Outcome) -> str:
    names, lines = outcome.names, []
    for r in outcome.report.results:
        where = ", ".join(files_of(r, outcome.loaded)) or "(no file: the resource has no statements)"
        lines.append(f"{r.severity_name.upper()}  {where}")
        lines.append(f"  resource  {short(r.focus_node, names)}")
        if r.path is not None:
            lines.append(f"  path      {short(r.path, names)}")
        if r.value is not None:
            lines.append(f"  value     {short(r.value, names)}")
        lines.append(f"  message   {fill_message(r, names)}")
        lines.append(f"  shape     {short(r.source_shape, names)} "
                     f"({short(r.constraint_component, names)})")
        lines.append("")
    for problem in outcome.shape_problems:
        lines += [f"SHAPES  {problem}", ""]
    for term in outcome.undeclared:
        used_in = ", ".join(relative(f) for f in files_using(outcome.loaded, term)) or "-"
        lines.append(f"UNDECLARED  {short(term, names)}  used in {used_in}")
    if outcome.undeclared:
        lines += ["  these terms of the ontology's namespace are used but not declared in the "
                  "ontology: declare them, or fix their spelling", ""]
    return "\n".join(lines + summary_lines(outcome)) + "\n"


def summary_lines(outcome: Outcome) -> list[str]:
    s, counts, names = outcome.summary, outcome.counts(), outcome.names
    lines = ["Summary",
             f"  triples     {s['triples']} in {s['graphs']} data graphs ({s['files']} files)",
             f"  resources   {s['resources']}",
             "  per class"]
    width = max((len(short(URIRef(c), names)) for c in s["classes"]), default=0)
    lines += [f"    {short(URIRef(c), names):<{width}}  {n}" for c, n in s["classes"].items()]
    lines.append(f"  results     {counts['Violation']} violations, {counts['Warning']} warnings, "
                 f"{counts['Info']} infos")
    if outcome.shape_problems or outcome.undeclared:
        lines.append(f"  vocabulary  {len(outcome.shape_problems)} shape problems, "
                     f"{len(outcome.undeclared)} undeclared terms")
    if outcome.conforms:
        note = " (warnings do not fail)" if counts["Warning"] else ""
        lines.append(f"CONFORMS{note}")
    else:
        lines.append("DOES NOT CONFORM: fix the violations above (each names its file)")
    return lines


def render_json(outcome: Outcome) -> dict:
    def term(node):
        return None if node is None else str(node)
    return {
        "conforms": outcome.conforms,
        "counts": outcome.counts(),
        "summary": outcome.summary,
        "results": [{"severity": r.severity_name, "message": fill_message(r, outcome.names),
                     "focus_node": term(r.focus_node), "path": term(r.path),
                     "value": term(r.value), "source_shape": term(r.source_shape),
                     "constraint_component": term(r.constraint_component),
                     "files": files_of(r, outcome.loaded)}
                    for r in outcome.report.results],
        "shape_problems": outcome.shape_problems,
        "undeclared_terms": [str(t) for t in outcome.undeclared],
    }


def load_errors(error: DataLoadError) -> list[DataLoadError]:
    return list(getattr(error, "errors", [error]))


def load_error_text(error: DataLoadError) -> str:
    lines, hints = [], []
    for e in load_errors(error):
        where = relative(e.path) if isinstance(e, DataTooLarge) else \
            f"{relative(e.path)}:{e.line or '?'}:{e.column or '?'}"
        lines.append(f"{where}: {e.reason}")
        if isinstance(e, DataTooLarge) and e.hint and e.hint not in hints:
            hints.append(e.hint)
    if hints:
        return "\n".join(lines + [f"{len(lines)} file(s) could not be loaded: {' '.join(hints)}"]) + "\n"
    return "\n".join(lines + [f"{len(lines)} file(s) could not be parsed: fix the syntax at the "
                              "positions above, then run validate again."]) + "\n"


def load_error_json(error: DataLoadError) -> dict:
    return {"conforms": False, "loaded": False,
            "errors": [{"file": relative(e.path), "line": e.line, "column": e.column,
                        "message": e.reason, "kind": type(e).__name__,
                        **({"subject": e.subject} if isinstance(e, DataTooLarge) else {})}
                       for e in load_errors(error)]}


def error_text(error: StartupError) -> str:
    """Any start-up failure: the files' errors, or what is wrong and what to do."""
    if isinstance(error, DataLoadError):
        return load_error_text(error)
    return error.message + (f"\n  {error.hint}" if error.hint else "") + "\n"


def error_json(error: StartupError) -> dict:
    if isinstance(error, DataLoadError):
        return load_error_json(error)
    return {"conforms": False, "loaded": False,
            "errors": [{"kind": type(error).__name__, "message": error.message, "hint": error.hint}]}
