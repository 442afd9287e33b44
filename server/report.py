"""The validation report a curator reads: every problem with the file it came from,
then a summary of the dataset.

    check(loaded, base_iri) -> Outcome           run every check on a LoadedDataset
    render_text(outcome) -> str                  the human-readable report
    render_json(outcome) -> dict                 the same, for machines
    load_error_text(error) / load_error_json()   when the files could not be parsed
    error_text(error) / error_json(error)        any start-up failure (``StartupError``)

Checks: SHACL validation of the union of the data graphs (``server.validation``; the
ontology is mixed in, and ``s rdfs:isDefinedBy <graph>`` for each subject of each data
graph, so shapes can reach the article that describes a resource), the shapes
themselves (SHACL-for-SHACL, unknown ``sh:`` terms), terms of the
dataset's ontology namespace used by data or shapes but not declared (with file and
line), and the provenance checks of ``server.curation`` (one graph per file, articles,
source files and checksums, evidence quotes, date words and other printed words; those needing the texts are
skipped, and listed as skipped, without a sources folder). Only violations, shape
problems and undeclared terms fail; warnings and infos are shown and counted.
"""
from __future__ import annotations

import threading
from concurrent.futures import Future

import os
import re
from collections import Counter
from dataclasses import dataclass, field

from rdflib import Graph, URIRef
from rdflib.namespace import RDF, NamespaceManager
from rdflib.term import Literal, Node

from .curation import Curation, Finding, check_provenance, provenance_links, term_lines
from .errors import DataLoadError, DataTooLarge, StartupError
from .loader import LoadedDataset
from .namespaces import all_prefixes, dataset_namespaces
from .validation import Result, ValidationReport, check_shapes, undeclared_terms

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
    curation: Curation = field(default_factory=Curation)
    #: only results and findings from these files are shown (``validate --file``)
    only_files: tuple[str, ...] = ()

    @property
    def conforms(self) -> bool:
        """True when nothing fails: warnings and infos never do."""
        return (not self.violations() and not self.shape_problems and not self.undeclared)

    def results(self) -> list[Result]:
        """The SHACL results shown: all, or those of ``only_files``."""
        if not self.only_files:
            return self.report.results
        return [r for r in self.report.results if set(files_of(r, self.loaded)) & set(self.only_files)]

    def findings(self) -> list[Finding]:
        """The curation findings shown: all, or those of ``only_files``."""
        return [f for f in self.curation.findings
                if not self.only_files or f.file in self.only_files]

    def violations(self) -> list:
        return ([r for r in self.results() if r.severity_name == "Violation"] +
                [f for f in self.findings() if f.severity == "Violation"])

    def counts(self) -> dict[str, int]:
        found = Counter([r.severity_name for r in self.results()] + [f.severity for f in self.findings()])
        return {name: found.get(name, 0) for name in SEVERITIES}


def check(loaded: LoadedDataset, base_iri: str, validator=None, sources_dir: str | None = None,
          only_files: tuple[str, ...] = (), shapes_engine: str = "auto") -> Outcome:
    """Run every check on ``loaded``. ``validator(data, shapes, ontology)`` is
    ``server.validation.validate`` (pySHACL) unless another engine is passed.
    ``sources_dir``: the article texts (None: the checks needing them are skipped).
    ``only_files``: report only what these data files cause (the whole dataset is
    still checked: a file is judged in context). ``shapes_engine``: what checks the
    shapes themselves (``server.validation.check_shapes``)."""
    if validator is None:
        from .validation import validate as validator
    own = dataset_namespaces(base_iri)["cpo"]
    summary, used = summarize(loaded, own)
    declared = {s for s in loaded.ontology.subjects(RDF.type, None) if isinstance(s, URIRef)}
    undeclared = sorted({t for t in used if t not in declared} |
                        undeclared_terms([loaded.shapes], loaded.ontology, own))
    # SHACL runs in a thread while the other checks run here: pyshacl-turbo releases
    # the GIL, so on two cores its time and theirs overlap (pySHACL does not: no gain).
    # A daemon thread, not a pool: an error or Ctrl-C here
    # is raised at once, not after the validation ends (a pool joins its threads first,
    # and again at exit: minutes with pySHACL on large data)
    validating = _in_thread(validator, validation_input(loaded), loaded.shapes, None)
    shape_problems = check_shapes(loaded.shapes, shapes_engine) if len(loaded.shapes) else []
    curation = check_provenance(loaded, base_iri, sources_dir)
    names = namespace_manager(loaded, base_iri)
    report = validating.result()
    return Outcome(
        loaded=loaded,
        report=report,
        shape_problems=shape_problems,
        undeclared=undeclared,
        summary=summary,
        names=names,
        curation=curation,
        only_files=tuple(relative(f) for f in only_files),
    )


def _in_thread(function, *args) -> Future:
    """``function(*args)`` run in a daemon thread; its result (or exception) as a Future."""
    future: Future = Future()

    def run() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as exc:
            future.set_exception(exc)
    threading.Thread(target=run, name="shacl", daemon=True).start()
    return future


def validation_input(loaded: LoadedDataset):
    """What the SHACL engine validates: the data graphs, the ontology mixed in, and which
    graph describes each subject (server.curation.provenance_links), as a stream of the
    parsed dataset (``server.validation_fast.Triples``: no union graph is built for
    pyshacl-turbo; pySHACL gets one)."""
    from .validation_fast import Triples
    if hasattr(loaded, "validation_triples"):       # server.native_load: the store holds it
        return loaded.validation_triples()
    return Triples((loaded.data_triples, loaded.ontology, provenance_links(loaded)),
                   loaded.dataset.namespaces())


def summarize(loaded: LoadedDataset, namespace: str = "") -> tuple[dict, set[URIRef]]:
    """Triples and graphs of the data, and resources per class (distinct subjects); and
    the IRIs of ``namespace`` the data uses (any position): one pass over the data
    (``server.native_load`` counted it while loading)."""
    if getattr(loaded, "counted", None) is not None:
        return loaded.counted
    per_class: Counter = Counter()
    used: set[URIRef] = set()
    seen: set = set()
    triples = 0
    rdf_type = RDF.type
    for triple in loaded.data_triples():
        triples += 1
        if triple[1] == rdf_type:
            per_class[triple[2]] += 1
        if namespace:
            for term in triple:
                if term not in seen:
                    seen.add(term)
                    if isinstance(term, URIRef) and term.startswith(namespace) and term != namespace:
                        used.add(term)
    resources: set = set()
    for name in loaded.data_graphs:
        resources |= {s for s in loaded.subjects_of(name) if not isinstance(s, Literal)}
    return {
        "triples": triples,
        "graphs": len(loaded.data_graphs),
        "files": len([f for f, graphs in loaded.files.items()
                      if set(graphs) & set(loaded.data_graphs)]),
        "resources": len(resources),
        "classes": {str(c): n for c, n in sorted(per_class.items(), key=lambda kv: (-kv[1], str(kv[0])))},
    }, used


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


_IRI = re.compile(r"""(?<![<\w])https?://[^\s<>"'`,;()]+""")


def shorten_iris(message: str, names: NamespaceManager | None) -> str:
    """Full IRIs in a message (pySHACL fills ``{$this}`` with them) as short names."""
    if names is None:
        return message

    def shortened(match: re.Match) -> str:
        iri = match.group(0)
        tail = ""
        while iri and iri[-1] in ".:":          # the end of the sentence, not of the IRI
            iri, tail = iri[:-1], iri[-1] + tail
        return short(URIRef(iri), names) + tail
    return _IRI.sub(shortened, message)


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
    """The files whose statements cause a result, most specific first:
    1. those stating the offending triple (focus node, path, value);
    2. with a path but no such triple, those stating (focus node, path, anything)
       (a value too many), else those typing the focus node (what made it a target:
       a value missing);
    3. those describing both the focus node and the value, else the value;
    4. those describing the focus node."""
    focus, path, value = result.focus_node, result.path, result.value
    patterns = []
    if isinstance(path, URIRef):
        if value is not None:
            patterns.append((focus, path, value))
        patterns += [(focus, path, None), (focus, RDF.type, None)]
    for pattern in patterns:
        graphs = {g for g in loaded.data_graphs if any(loaded.dataset.graph(g).triples(pattern))}
        if graphs:
            return sorted(relative(f) for f, targets in loaded.files.items() if graphs & set(targets))
    focus_files = loaded.files_of(focus)
    if value is not None and not isinstance(value, Literal):
        value_files = loaded.files_of(value)
        both = [f for f in value_files if f in focus_files]
        if both or value_files:
            return [relative(p) for p in both or value_files]
    return [relative(p) for p in focus_files]


def render_text(outcome: Outcome) -> str:
    names, lines = outcome.names, []
    for f in outcome.findings():
        lines.append(f"{f.severity.upper()}  {f.where()}")
        if f.resource:
            lines.append(f"  resource  {short(URIRef(f.resource), names)}")
        lines.append(f"  message   {shorten_iris(f.message, names)}")
        lines.append(f"  check     {f.check}")
        lines.append("")
    for r in outcome.results():
        where = ", ".join(files_of(r, outcome.loaded)) or "(no file: the resource has no statements)"
        lines.append(f"{r.severity_name.upper()}  {where}")
        lines.append(f"  resource  {short(r.focus_node, names)}")
        if r.path is not None:
            lines.append(f"  path      {short(r.path, names)}")
        if r.value is not None:
            lines.append(f"  value     {short(r.value, names)}")
        lines.append(f"  message   {shorten_iris(fill_message(r, names), names)}")
        lines.append(f"  shape     {short(r.source_shape, names)} "
                     f"({short(r.constraint_component, names)})")
        lines.append("")
    for problem in outcome.shape_problems:
        lines += [f"SHAPES  {problem}", ""]
    for term in outcome.undeclared:
        for where in term_places(outcome.loaded, term) or ["(no file)"]:
            lines.append(f"UNDECLARED  {where}  {short(term, names)}")
    if outcome.undeclared:
        lines += ["  these terms of the ontology's namespace are used but not declared in the "
                  "ontology: declare them, or fix their spelling", ""]
    return "\n".join(lines + summary_lines(outcome)) + "\n"


def term_places(loaded: LoadedDataset, term: URIRef) -> list[str]:
    """``file:line`` of every place a term is written (``file`` when no line is found)."""
    places = []
    for f in files_using(loaded, term):
        lines = term_lines(f, str(term))
        places += [f"{relative(f)}:{n}" for n in lines] or [relative(f)]
    return places


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
    if outcome.only_files:
        lines.append(f"  shown       only what {', '.join(outcome.only_files)} causes "
                     "(the whole dataset was checked)")
    if outcome.shape_problems or outcome.undeclared:
        lines.append(f"  vocabulary  {len(outcome.shape_problems)} shape problems, "
                     f"{len(outcome.undeclared)} undeclared terms")
    for skipped in outcome.curation.skipped:
        lines.append(f"  SKIPPED     {skipped}")
    if outcome.conforms:
        note = " (warnings do not fail)" if counts["Warning"] else ""
        lines.append(f"CONFORMS{note}")
    else:
        failing = []
        if counts["Violation"]:
            failing.append(f"the {counts['Violation']} violation(s) above (each names its file)")
        if outcome.shape_problems:
            failing.append(f"the {len(outcome.shape_problems)} shape problem(s) (SHAPES)")
        if outcome.undeclared:
            failing.append(f"the {len(outcome.undeclared)} undeclared term(s) (UNDECLARED, file:line)")
        lines.append("DOES NOT CONFORM: fix " + " and ".join(failing))
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
                    for r in outcome.results()],
        "findings": [{"severity": f.severity, "check": f.check, "message": f.message, "file": f.file,
                      "line": f.line, "resource": f.resource} for f in outcome.findings()],
        "skipped": outcome.curation.skipped,
        "shape_problems": outcome.shape_problems,
        "undeclared_terms": [{"term": str(t), "places": term_places(outcome.loaded, t)}
                             for t in outcome.undeclared],
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
