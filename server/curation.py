"""Curation checks that need the files, not just the triples: provenance integrity.

SHACL sees the union of the data graphs, so it cannot tell which file (graph) states
what, nor read the article texts. These checks can, and name the file and line:

    check_provenance(loaded, base_iri, sources_dir) -> Curation
        graph per file   every data file describes exactly one graph, named after the file
                         (``<base>graph/<stem>``), which ``prov:wasDerivedFrom`` an article
                         described in the same file
        source file      that article's ``<ns>sourceFile`` exists in the sources folder
        checksum         and its SHA-256 (``schema:sha256`` on the article) matches the file
        evidence         every ``<ns>evidence`` quote of the file is in its article's text,
                         verbatim up to whitespace and typographic quotes; its offsets are
                         kept (``Curation.evidence``, computed at every load, never written in
                         the data files) for pages that show it in context (``in_context``)
        date words       every ``<ns>asReported`` of a date is in the article, verbatim (same
                         case), whatever its ``<ns>dateBasis``
        printed words    every ``<ns>quotation``, ``<ns>hedge`` and ``<ns>referredToAs`` is in
                         the article verbatim; ``<ns>medium`` too ("as reported")
        identification   (any graph) a ``<ns>identifies`` names a resource some data graph
        target           types (a typo names nothing)
        cross-article    (warning) a link of the file to a resource only other files describe,
        link             without an ``owl:sameAs`` identity record in the file
    provenance_links(loaded) -> Graph
        ``s rdfs:isDefinedBy g`` for each subject ``s`` of each data graph ``g``: added to
        the graph the SHACL engine validates (never to the store), so shapes can compare a
        resource with the article of the graph that describes it.
    term_lines(loaded, term) -> [(file, line)]
        where a term is written, for messages (undeclared ``cpo:`` terms).

``<ns>`` is the dataset's ontology namespace (``<base>ontology#``); nothing here knows
the embedded dataset. Without a sources folder the checks that need texts (source file,
checksum, evidence, date words, printed words) are skipped, and ``Curation.skipped`` says so.
"""
from __future__ import annotations

from bisect import bisect_right

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, PROV, RDF, RDFS

from .loader import LoadedDataset
from .namespaces import SCHEMA, dataset_namespaces

SHA256 = SCHEMA.sha256
#: Typographic quotes and dashes read as their ASCII forms when quotes are compared.
_TRANSLATE = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                            "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                            "\u00a0": " "})
#: The checks that need the article texts (skipped without a sources folder).
TEXT_CHECKS = ("source file", "checksum", "evidence", "date words", "printed words")


@dataclass(frozen=True)
class Finding:
    """One problem found by a curation check (not a SHACL result)."""

    severity: str                  # "Violation" (fails validate), "Warning" or "Info"
    check: str                     # "graph per file", "source file", "checksum", "evidence"...
    message: str
    file: str | None = None
    line: int | None = None
    resource: str | None = None    # IRI of the resource concerned

    def where(self) -> str:
        return f"{self.file}:{self.line}" if self.file and self.line else (self.file or "(no file)")


@dataclass(frozen=True)
class Located:
    """Where an evidence quote is in its article: ``text[start:end]`` of the source file."""

    source_file: str
    start: int
    end: int


def in_context(text: str, where: Located, width: int = 80) -> tuple[str, str, str]:
    """``(before, quote, after)``: the quote as the article prints it, with up to ``width``
    characters either side (whitespace runs shown as one space), for a page to show."""
    def squeeze(part: str) -> str:
        return re.sub(r"\s+", " ", part)
    return (squeeze(text[max(0, where.start - width):where.start]), squeeze(text[where.start:where.end]),
            squeeze(text[where.end:where.end + width]))


@dataclass
class Curation:
    """What ``check_provenance`` found, and the evidence offsets it computed."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    #: (graph, subject, quote) -> where the quote is in the graph's article
    evidence: dict[tuple[URIRef, URIRef, Literal], Located] = field(default_factory=dict)
    sources_dir: str | None = None

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]


# -- text matching ------------------------------------------------------------------

def normalised(text: str) -> tuple[str, list[int]]:
    """``text`` with typographic quotes made ASCII and every run of whitespace one space,
    and for each character of the result its offset in ``text``."""
    out, where, space = [], [], False
    for i, ch in enumerate(text.translate(_TRANSLATE)):
        if ch.isspace():
            if not space and out:
                out.append(" ")
                where.append(i)
            space = True
            continue
        space = False
        out.append(ch)
        where.append(i)
    return "".join(out), where


class Article:
    """An article's text, normalised once for searching."""

    def __init__(self, name: str, text: str):
        self.name, self.text = name, text
        self.norm, self.where = normalised(text)
        self.lower = self.norm.lower()

    def locate(self, quote: str, ignore_case: bool = False) -> tuple[int, int] | None:
        """Offsets ``(start, end)`` of ``quote`` in the original text, or None."""
        wanted = normalised(quote)[0].strip()
        if not wanted:
            return None
        haystack = self.lower if ignore_case else self.norm
        found = haystack.find(wanted.lower() if ignore_case else wanted)
        if found < 0:
            return None
        return self.where[found], self.where[found + len(wanted) - 1] + 1


def sha256_of(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- where a term is written --------------------------------------------------------

_PREFIX = re.compile(r"(?im)^\s*@?prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>")


#: Files larger than this get no line numbers in findings (their text is not held in
#: memory to look for them); their findings still name the file and the resource.
LINE_LOOKUP_MAX_BYTES = 64 * 1024 * 1024
_TEXTS: dict = {}          # (path, size, mtime) -> (text, line starts, prefixes); 2 at most


def _file_text(path: str | Path):
    """The text of ``path``, the offsets where its lines start and its prefixes, read
    once per file (a check with many findings in one big file looks up many lines)."""
    try:
        info = Path(path).stat()
    except OSError:
        return None
    if info.st_size > LINE_LOOKUP_MAX_BYTES:
        return None
    key = (str(path), info.st_size, info.st_mtime_ns)
    found = _TEXTS.get(key)
    if found is None:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        starts = [0] + [m.end() for m in re.finditer("\n", text)]
        found = (text, starts, _PREFIX.findall(text))
        while len(_TEXTS) >= 2:
            _TEXTS.pop(next(iter(_TEXTS)))
        _TEXTS[key] = found
    return found


def _lines_of(path: str | Path, pattern: re.Pattern, first: bool = False) -> list[int]:
    read = _file_text(path)
    if read is None:
        return []
    text, starts, _prefixes = read
    lines: list[int] = []
    for match in pattern.finditer(text):
        line = bisect_right(starts, match.start())
        if not lines or lines[-1] != line:
            lines.append(line)
            if first:
                break
    return lines


def term_lines(path: str | Path, term: str) -> list[int]:
    """1-based lines of the Turtle-family file ``path`` that write ``term`` (as ``<iri>``
    or ``prefix:local`` with a prefix the file declares)."""
    read = _file_text(path)
    if read is None:
        return []
    forms = [re.escape(f"<{term}>")]
    for prefix, namespace in read[2]:
        if term.startswith(namespace) and len(term) > len(namespace):
            local = term[len(namespace):]
            forms.append(rf"(?<![\w:-]){re.escape(prefix)}:{re.escape(local)}(?![\w-])")
    return _lines_of(path, re.compile("|".join(forms)))


def _quote_line(path: str, quote: str) -> int | None:
    """The line of ``path`` where the literal ``quote`` starts (its first words)."""
    head = quote.replace("\\", "\\\\").replace('"', '\\"')[:40]
    lines = _lines_of(path, re.compile(re.escape(head)), first=True)
    return lines[0] if lines else None


def _line(path: str, term: URIRef) -> int | None:
    lines = term_lines(path, str(term))
    return lines[0] if lines else None


# -- the checks ---------------------------------------------------------------------

def provenance_links(loaded: LoadedDataset) -> Graph:
    """``s rdfs:isDefinedBy g`` for every subject ``s`` described in data graph ``g``."""
    links = Graph()
    for name in loaded.data_graphs:
        for subject in loaded.subjects_of(name):
            if isinstance(subject, URIRef):
                links.add((subject, RDFS.isDefinedBy, name))
    return links


def sources_folder(config) -> str | None:
    """The configured sources folder, else ``sources`` beside the data folder if it exists."""
    if config.get("SOURCES_DIR"):
        return str(config["SOURCES_DIR"])
    data = config.get("DATA_DIR")
    beside = Path(data).resolve().parent / "sources" if data else None
    return str(beside) if beside is not None and beside.is_dir() else None


def check_provenance(loaded: LoadedDataset, base_iri: str, sources_dir: str | None) -> Curation:
    """Run the checks of the module docstring on every data file."""
    from .report import relative
    ns = dataset_namespaces(base_iri)["cpo"]
    base = base_iri if base_iri.endswith("/") else base_iri + "/"
    out = Curation(sources_dir=sources_dir)
    if sources_dir is None:
        out.skipped = [f"{name}: no sources folder (--sources, KG_SOURCES_DIR, or a 'sources' "
                       "folder beside the data folder)" for name in TEXT_CHECKS]
    texts: dict[str, Article | None] = {}

    def article_text(name: str) -> Article | None:
        if name not in texts:
            path = Path(sources_dir) / name
            texts[name] = Article(name, path.read_text(encoding="utf-8")) if path.is_file() else None
        return texts[name]

    if (URIRef(ns + "SourceGraph"), RDF.type, None) not in loaded.ontology:
        out.skipped.insert(0, f"provenance: the ontology declares no {ns}SourceGraph, so the data "
                              "is not expected to describe its graphs")
        return out
    described_in: dict[URIRef, set] = {}          # data graph -> its subjects
    graphs_of: dict = defaultdict(list)            # subject -> the data graphs describing it
    for name in loaded.data_graphs:
        described_in[name] = loaded.subjects_of(name)
        for subject in described_in[name]:
            graphs_of[subject].append(name)
    for path, graphs in sorted(loaded.files.items()):
        if not set(graphs) & set(loaded.data_graphs):
            continue
        file = relative(path)
        for name in graphs:
            _cross_article_links(out, loaded, path, file, name, described_in, graphs_of, ns)
        expected = URIRef(base + "graph/" + Path(path).stem)
        if len(graphs) == 1 and graphs[0] != expected:
            out.findings.append(Finding(
                "Violation", "graph per file",
                f"{file} writes its triples into graph {graphs[0]}, named unlike its file: name the "
                f"graph {expected} or rename the file after the graph.", file, None, str(graphs[0])))
        for name in graphs:          # one, but a generated TriG / N-Quads file may hold many
            _check_graph(out, loaded, path, file, name, graphs, ns, base, article_text)
    return out


def _cross_article_links(out: Curation, loaded: LoadedDataset, path: str, file: str, name: URIRef,
                         described_in: dict, graphs_of: dict, ns: str) -> None:
    """Links of graph ``name`` to a resource that only other data graphs describe, with no
    identity record (``owl:sameAs``) in this graph: the article's graph then says nothing
    of who or what that is (a shared IRI guessed, or a typo that names something else).
    ``<ns>conflictsWith`` is itself the record linking two articles' claims, and a
    ``<ns>CrossArticleIdentification`` in this graph (``<ns>identifies`` the resource) is
    the record of an identity the article does not state (its own links name the
    articles that do, so they are not checked)."""
    graph, own = loaded.dataset.graph(name), described_in.get(name, set())
    identifies = URIRef(ns + "identifies")
    for record, target in sorted(graph.subject_objects(identifies)):
        if not any((target, RDF.type, None) in loaded.dataset.graph(g) for g in graphs_of.get(target, ())):
            out.findings.append(Finding(
                "Violation", "identification target",
                f"{record} identifies {target}, which no data file describes (it has no rdf:type in "
                f"any graph): fix the IRI (a typo names nothing), or describe {target} (its type and "
                "name) in the file of an article that names it.",
                file, _line(path, target), str(record)))
    skip = {RDF.type, URIRef(ns + "conflictsWith"), OWL.sameAs}
    records = set(graph.subjects(RDF.type, URIRef(ns + "CrossArticleIdentification")))
    identified = {o for r in records for o in graph.objects(r, URIRef(ns + "identifies"))}
    for s, p, o in loaded.links_out(name):
        if p in skip or s in records or o in identified:
            continue
        others = sorted(g for g in graphs_of.get(o, ()) if g != name)
        if not others or (o, OWL.sameAs, None) in graph or (None, OWL.sameAs, o) in graph:
            continue
        out.findings.append(Finding(
            "Warning", "cross-article link",
            f"{s} links with {p} to {o}, which only another article's file describes "
            f"({', '.join(others)}): describe {o} in {file} too (its type and name as this "
            "article prints it), or record the identity (owl:sameAs, or a cross-article "
            "identification saying why).",
            file, _line(path, o), str(s)))


def _check_graph(out: Curation, loaded: LoadedDataset, path: str, file: str, name: URIRef,
                 graphs: tuple, ns: str, base: str, article_text) -> None:
    """The checks of one data graph ``name`` of the file ``path`` (module docstring)."""
    source_file, evidence = URIRef(ns + "sourceFile"), URIRef(ns + "evidence")
    graph = loaded.dataset.graph(name)

    def find(severity, check, message, resource=None, line=None):
        out.findings.append(Finding(severity, check, message, file, line, str(resource) if resource else None))

    described = [g for g in graph.subjects(PROV.wasDerivedFrom, None, unique=True)
                 if isinstance(g, URIRef) and str(g).startswith(base + "graph/")]
    for other in described:
        if other not in graphs:
            find("Violation", "graph per file",
                 f"{file} describes graph {other}, named unlike its file: the file's graph is "
                 f"{name} (one graph per file, named after it).", other, _line(path, other))
    if name not in described and any(other not in graphs for other in described):
        return                           # said above: the file describes a graph of another name
    if name not in described:
        find("Violation", "graph per file",
             f"{file} does not describe its graph {name}: add `<{name}> a <{ns}SourceGraph> ; "
             f"prov:wasDerivedFrom <the article>` so that its facts trace to an article.", name)
        return
    articles = list(graph.objects(name, PROV.wasDerivedFrom))
    article = articles[0] if len(articles) == 1 else None
    if article is None or (article, RDF.type, None) not in graph:
        find("Violation", "graph per file",
             f"graph {name} derives from {', '.join(str(a) for a in articles)}, which {file} does "
             f"not describe: describe the article there (type, headline, {ns}sourceFile).",
             name, _line(path, name))
        return
    if out.sources_dir is None:
        return
    # every article the file describes with a source file (a forum post and the report it
    # reproduces may both): the file exists, its SHA-256 is recorded and matches
    for described_article, named in sorted(graph.subject_objects(source_file)):
        if not _source_file_ok(out, graph, path, described_article, str(named), article_text, find):
            if described_article == article:
                return
    files = [str(v) for v in graph.objects(article, source_file)]
    if len(files) != 1:
        return                           # the shapes say it (cpsh:Article-sourceFile)
    text = article_text(files[0])
    for subject, quote in sorted(graph.subject_objects(evidence)):
        found = text.locate(str(quote))
        if found is None:
            find("Violation", "evidence",
                 f"the evidence of {subject} is not in {files[0]}: \"{_cut(str(quote))}\". Quote "
                 "the article verbatim (spacing and curly quotes may differ, words may not).",
                 subject, _quote_line(path, str(quote)))
        else:
            out.evidence[(name, subject, quote)] = Located(files[0], *found)
    # the other words a resource says the article prints: verbatim like evidence (same case)
    for local, severity, what in _PRINTED:
        for subject, words in sorted(graph.subject_objects(URIRef(ns + local))):
            if text.locate(str(words)) is None:
                find(severity, "printed words",
                     f"the cpo:{local} of {subject} is not in {files[0]}: \"{_cut(str(words))}\". "
                     f"{what}", subject, _quote_line(path, str(words)))
    as_reported = URIRef(ns + "asReported")
    for date, words in sorted(graph.subject_objects(as_reported)):
        if text.locate(str(words)) is None:
            bases = ", ".join(sorted(str(b).replace(ns, "cpo:") for b in graph.objects(date, URIRef(ns + "dateBasis"))))
            find("Violation", "date words",
                 f"date {date} ({bases or 'no basis'}) has cpo:asReported \"{words}\", which is not in "
                 f"{files[0]}: cpo:asReported holds the words printed, verbatim and in the same case, "
                 "whatever the basis; copy them as printed (say how they resolve in cpo:dateNote), "
                 "or remove it when nothing is printed.", date, _quote_line(path, str(words)))


#: (property local name, severity, how to fix) of the literals that are the article's words.
_PRINTED = (
    ("quotation", "Violation", "A quotation is the speaker's words as printed: copy them from the "
     "article (a reporter's [insertion] is left out, not paraphrased)."),
    ("hedge", "Violation", "A hedge is the article's hedging words (\"apparently referring to\"): "
     "copy them as printed."),
    ("referredToAs", "Violation", "cpo:referredToAs is how the article refers to whom it identifies "
     "(\"the King\"): copy the words as printed."),
    ("medium", "Violation", "cpo:medium is where the statement was made, as reported: copy the "
     "article's words (\"Facebook\", \"the video, which Fresh News published\")."),
)


def _source_file_ok(out: Curation, graph: Graph, path: str, article: URIRef, name: str,
                    article_text, find) -> bool:
    """Does the source file ``name`` of ``article`` exist (False if not)? Its checksum is
    checked too (a missing or wrong one is reported, and the text still used)."""
    line = _line(path, article)
    if article_text(name) is None:
        find("Violation", "source file",
             f"article {article} names source file {name!r}, which is not in "
             f"{out.sources_dir}: copy the text there as received, or fix the name.", article, line)
        return False
    recorded = {str(v) for v in graph.objects(article, SHA256)}
    actual = sha256_of(Path(out.sources_dir) / name)
    if not recorded:
        find("Violation", "checksum",
             f"article {article} records no SHA-256 of {name}: run `python -m server sources "
             "--update` to record it.", article, line)
    elif recorded != {actual}:
        find("Violation", "checksum",
             f"the SHA-256 recorded for {name} ({', '.join(sorted(recorded))}) is not the file's "
             f"({actual}): the text changed since the data was written from it. Check the facts "
             "against the new text, then run `python -m server sources --update`.", article, line)
    return True


def _cut(text: str, limit: int = 100) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


__all__ = ["Finding", "Located", "Curation", "in_context", "Article", "normalised", "sha256_of", "term_lines",
           "provenance_links", "sources_folder", "check_provenance", "TEXT_CHECKS", "SHA256"]
