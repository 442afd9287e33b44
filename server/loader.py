"""Reading the dataset folders into one rdflib ``Dataset``.

Pure functions over folders and a base IRI; nothing here knows the embedded dataset.
Graph naming (docs/modeling-contract.md, "Files and graphs"):

=========================================  ==========================================
``<ontology_dir>/**`` (any RDF syntax)     graph ``<base>graph/ontology``
``<shapes_dir>/**``                        graph ``<base>graph/shapes``
``<data_dir>/<stem>.ttl|nt|rdf|jsonld``    graph ``<base>graph/<stem>``
``<data_dir>/<stem>.trig|nq``              the graph names written in the file;
                                           default-graph triples -> ``<base>graph/<stem>``
=========================================  ==========================================

Every file is parsed once, on its own, before it joins the dataset: a broken file
never half-loads. All broken files of a run are collected and raised together as
``DataLoadErrors`` (a ``DataLoadError``), each naming file, line and column.

Size limit: given ``max_term_bytes`` (``MAX_LITERAL_BYTES``), a literal or IRI longer
than that is a ``DataTooLarge`` error naming the file and the subject. Only files
larger than the limit can hold such a term (no Turtle, N-Triples or JSON escape makes
text longer), so only they, and RDF/XML files (entities expand), are looked at: the
pyoxigraph path checks each statement as it is read, the rdflib path scans the parsed
file once. pyoxigraph's own 16 MB term buffer is reported the same way.
"""
from __future__ import annotations

import json
import mmap
import re
import xml.sax
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID
from rdflib.plugins.parsers.notation3 import BadSyntax
from rdflib.term import Node

from . import formats
from .errors import DataLoadError, DataTooLarge

#: File suffix -> (rdflib parser name, pyoxigraph format name or None), from the one
#: format table. JSON-LD goes through rdflib (pyoxigraph would fetch remote contexts).
SYNTAXES: dict[str, tuple[str, str | None]] = {
    suffix: (fmt.rdflib, None if fmt.rdflib == "json-ld" else fmt.oxigraph)
    for suffix, fmt in formats.readable().items()}
#: Syntaxes whose files carry their own graph names.
QUAD_SYNTAXES = {fmt.rdflib for fmt in formats.readable().values() if fmt.graphs}
#: Line-based syntaxes parsed by pyoxigraph (fast path for large generated files).
FAST_SYNTAXES = {"nt", "nquads"}
#: Syntaxes the loader reads with pyoxigraph's parser into the dataset (several times
#: faster than rdflib's); a file pyoxigraph refuses is read by rdflib, whose answer
#: (its data, or its error with line and column) stands.
NATIVE_SYNTAXES = FAST_SYNTAXES | {"turtle", "trig"}
#: An explicit ``^^xsd:string`` (rdflib keeps the datatype, pyoxigraph drops it): such
#: files take rdflib's path.
_EXPLICIT_STRING = re.compile(rb"\^\^\s*(<[^>]*#string>|[A-Za-z0-9_.-]*:string\b)")
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


class DataLoadErrors(DataLoadError):
    """One or more files could not be parsed; ``errors`` holds one DataLoadError per file."""

    def __init__(self, errors: list[DataLoadError]):
        first = errors[0]
        super().__init__(first.path, first.reason, first.line, first.column, hint=first.hint)
        self.message = "\n".join(str(e) for e in errors)
        self.args = (self.message,)
        self.errors = errors


@dataclass
class LoadedDataset:
    """The parsed dataset and where each part came from."""

    dataset: Dataset                 # every graph: ontology, shapes, one per data file
    ontology: Graph                  # graph <base>graph/ontology
    shapes: Graph                    # graph <base>graph/shapes
    data_graphs: tuple[URIRef, ...]  # the named graphs of the data folder, sorted
    #: subject (IRI or blank node) -> the files it is a subject in, sorted
    origins: dict[Node, tuple[str, ...]] = field(default_factory=dict)
    #: file -> the graph(s) its triples went into
    files: dict[str, tuple[URIRef, ...]] = field(default_factory=dict)
    #: data graph -> the subjects it describes (recorded while parsing: no second pass)
    subjects: dict[URIRef, frozenset] = field(default_factory=dict)

    def subjects_of(self, name: URIRef) -> frozenset:
        """The subjects graph ``name`` describes."""
        found = self.subjects.get(name)
        if found is None:
            found = self.subjects[name] = frozenset(self.dataset.graph(name).subjects(unique=True))
        return found

    def data_triples(self):
        """Every distinct triple of the data graphs (not ontology, not shapes), one pass,
        no graph built: a triple two graphs hold is given once (only subjects described
        in several graphs can repeat, so only theirs are remembered)."""
        shared = {s for s, n in _counts(self.subjects_of(g) for g in self.data_graphs).items() if n > 1}
        seen: set = set()
        for name in self.data_graphs:
            for triple in self.dataset.graph(name):
                if triple[0] in shared:
                    if triple in seen:
                        continue
                    seen.add(triple)
                yield triple

    def links_out(self, name: URIRef):
        """The triples of graph ``name`` whose object is an IRI the graph does not
        describe (not a subject in it): its links to other resources."""
        own = self.subjects_of(name)
        for s, p, o in self.dataset.graph(name):
            if isinstance(o, URIRef) and o not in own:
                yield s, p, o

    def data_union(self) -> Graph:
        """A new graph with every triple of the data graphs (not ontology, not shapes)."""
        union = Graph()
        for prefix, namespace in self.dataset.namespaces():
            union.bind(prefix, namespace, override=False)
        for name in self.data_graphs:
            union += self.dataset.graph(name)
        return union

    def files_of(self, node: Node) -> tuple[str, ...]:
        """The files a resource is described in: its own subject files, or for a hash
        IRI with no statements of its own, those of the document it hangs off."""
        if node in self.origins:
            return self.origins[node]
        if isinstance(node, URIRef) and "#" in node:
            return self.origins.get(URIRef(node.split("#", 1)[0]), ())
        return ()


def _counts(sets) -> dict:
    found: dict = defaultdict(int)
    for members in sets:
        for member in members:
            found[member] += 1
    return found


# -- listing and parsing single files ------------------------------------------

def rdf_files(folder: str | Path | None) -> list[Path]:
    """The RDF files under ``folder`` (recursively, by suffix), in a stable order."""
    if not folder or not Path(folder).is_dir():
        return []
    return sorted(p for p in Path(folder).rglob("*") if p.is_file() and p.suffix in SYNTAXES)


def parse_file(path: str | Path, max_term_bytes: int | None = None) -> Dataset:
    """Parse one file into a fresh Dataset (triple syntaxes land in its default graph).

    Raises ``DataLoadError`` with the file name, line and column of a syntax error, and
    ``DataTooLarge`` for a term over ``max_term_bytes`` (None: no limit)."""
    path = Path(path)
    syntax = SYNTAXES.get(path.suffix)
    if syntax is None:
        raise DataLoadError(str(path), f"unknown RDF file suffix {path.suffix!r}; "
                                       f"use one of {', '.join(sorted(SYNTAXES))}")
    limit = max_term_bytes if may_hold_long_terms(path, max_term_bytes) else None
    if syntax[0] in FAST_SYNTAXES and not _mentions(path, b"XMLSchema#string>"):
        return parse_lines_fast(path, syntax[1], limit)
    parsed = Dataset()
    try:
        if syntax[0] in QUAD_SYNTAXES:
            parsed.parse(path, format=syntax[0])
        else:
            parsed.default_graph.parse(path, format=syntax[0])
    except Exception as exc:          # rdflib parsers raise many unrelated types
        raise syntax_error(path, exc) from exc
    if limit is not None:
        for s, p, o, _g in parsed.quads((None, None, None, None)):
            for term in (o, s):
                if term_too_long(term, limit):
                    raise too_long(path, term, s, p, limit)
    return parsed


def may_hold_long_terms(path: Path, limit: int | None) -> bool:
    """Can ``path`` hold a term over ``limit`` bytes? Only if the file is larger, or it is
    RDF/XML (entity references expand)."""
    return bool(limit) and (SYNTAXES.get(path.suffix, ("",))[0] == "xml" or path.stat().st_size > limit)


def term_too_long(term, limit: int) -> bool:
    """Is the text of ``term`` (rdflib or pyoxigraph) over ``limit`` UTF-8 bytes?"""
    text = _text(term)
    if len(text) * 4 <= limit:                  # cheap: no encoding for ordinary terms
        return False
    return len(text) > limit or len(text.encode("utf-8", "surrogatepass")) > limit


def too_long(path: Path, term, subject, predicate, limit: int,
             statement: int | None = None) -> DataTooLarge:
    """The error for a term over MAX_LITERAL_BYTES: file, size, subject and predicate
    (and which statement of the file, when it was read in order)."""
    kind = "literal" if type(term).__name__ == "Literal" else "IRI"
    size = len(_text(term).encode("utf-8", "surrogatepass"))
    subject_text = _shown(subject)
    where = f" (statement {statement:,} of the file)" if statement else ""
    return DataTooLarge(
        str(path), f"a {kind} of {size:,} bytes is over MAX_LITERAL_BYTES ({limit:,}): "
                   f"subject {subject_text}, predicate {_shown(predicate)}{where}",
        subject=subject_text,
        hint="Shorten the value (or link to a document that holds it), or raise "
             "KG_MAX_LITERAL_BYTES if such values are intended.")


def _text(term) -> str:
    """The lexical text of an rdflib term (a ``str``) or a pyoxigraph term (``.value``)."""
    return term if isinstance(term, str) else term.value


def _shown(term) -> str:
    """``<iri>`` or ``_:label`` (rdflib or pyoxigraph), for messages."""
    blank = type(term).__name__ in ("BNode", "BlankNode")
    return f"_:{_text(term)}" if blank else f"<{_text(term)}>"


def parser_buffer_error(path: Path, err: MemoryError, statements: int) -> DataTooLarge:
    """pyoxigraph's parser stops at a term over its 16 MB buffer: say where, as a size error."""
    return DataTooLarge(str(path), f"a term is too large for the parser ({err}) after statement "
                                   f"{statements:,}: it is far over MAX_LITERAL_BYTES",
                        hint="Shorten the value (or link to a document that holds it).")


def parse_lines_fast(path: Path, format_name: str, max_term_bytes: int | None = None) -> Dataset:
    """N-Triples / N-Quads through pyoxigraph's parser (several times faster than
    rdflib's on large files), into the same rdflib Dataset rdflib would build: triple
    syntaxes in the default graph, the graph names of an N-Quads file kept, blank
    nodes fresh for each file (their labels are local to a document).

    pyoxigraph reads ``"x"^^xsd:string`` as ``"x"``, rdflib keeps the datatype (and
    the two do not compare equal in rdflib): files that write it take rdflib's path."""
    parsed = Dataset()
    graphs: dict = {}

    def context(name):
        found = graphs.get(name)
        if found is None:
            found = graphs[name] = parsed.default_graph if name is None else parsed.graph(name)
        return found

    parsed.addN((s, p, o, context(g)) for s, p, o, g in file_terms(path, format_name, max_term_bytes))
    return parsed


def file_terms(path: Path, format_name: str, max_term_bytes: int | None = None,
               prefixes: dict | None = None, default_graph=None, flatten: bool = False) -> list[tuple]:
    """The statements of a file as rdflib terms ``(s, p, o, g)`` (``g`` None for the
    default graph), read by pyoxigraph's parser; all or nothing: ``DataLoadError``
    (file:line:column) or ``DataTooLarge`` before any is given. ``prefixes``: receives
    the prefixes the file declares (Turtle, TriG). ``g`` is ``default_graph`` for the
    file's default graph, and for every statement if ``flatten``."""
    import pyoxigraph as ox
    blanks: dict[str, BNode] = {}
    terms: dict = {}

    def term(node):
        if isinstance(node, ox.BlankNode):
            found = blanks.get(node.value)
            if found is None:
                found = blanks[node.value] = BNode()
            return found
        found = terms.get(node)
        if found is None:
            found = terms[node] = _rdflib_term(node)
        return found

    read = 0
    out: list[tuple] = []
    append = out.append
    default = ox.DefaultGraph
    try:
        parser = ox.parse(path=str(path), format=getattr(ox.RdfFormat, format_name))
        for q in parser:
            read += 1
            if max_term_bytes is not None and term_too_long(q.object, max_term_bytes):
                raise too_long(path, q.object, q.subject, q.predicate, max_term_bytes, read)
            g = q.graph_name
            append((term(q.subject), term(q.predicate), term(q.object),
                    default_graph if flatten or isinstance(g, default) else term(g)))
    except SyntaxError as err:
        message = err.msg.split(": ", 1)[1] if ": " in err.msg else err.msg
        raise DataLoadError(str(path), f"syntax error: {message}", err.lineno, err.offset) from None
    except MemoryError as err:
        raise parser_buffer_error(path, err, read) from None
    except (OSError, ValueError) as err:
        raise DataLoadError(str(path), f"{type(err).__name__}: {err}") from None
    if prefixes is not None:
        prefixes.update(getattr(parser, "prefixes", None) or {})
    return out


def natively_readable(path: Path) -> bool:
    """Can the loader read ``path`` with pyoxigraph and get rdflib's terms?"""
    syntax = SYNTAXES.get(path.suffix, ("", None))[0]
    if syntax in FAST_SYNTAXES:
        return not _mentions(path, b"XMLSchema#string>")
    if syntax in NATIVE_SYNTAXES:
        return not _matches(path, _EXPLICIT_STRING)
    return False


def _matches(path: Path, pattern: re.Pattern) -> bool:
    with open(path, "rb") as f:
        if not path.stat().st_size:
            return False
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return pattern.search(data) is not None


def _mentions(path: Path, needle: bytes) -> bool:
    with open(path, "rb") as f:
        if not path.stat().st_size:
            return False
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return data.find(needle) >= 0


def _rdflib_term(node) -> Node:
    """pyoxigraph IRI or literal -> the rdflib term rdflib's own parser would make."""
    import pyoxigraph as ox
    if isinstance(node, ox.NamedNode):
        return URIRef(node.value)
    if node.language:
        return Literal(node.value, lang=node.language)
    datatype = node.datatype.value
    if datatype == XSD_STRING:
        return Literal(node.value)
    return Literal(node.value, datatype=URIRef(datatype))


def syntax_error(path: Path, exc: Exception) -> DataLoadError:
    """A ``DataLoadError`` for ``exc`` raised while parsing ``path``, with a position."""
    if isinstance(exc, BadSyntax):
        line, column = _badsyntax_position(exc)
        if column is None:             # ask pyoxigraph, keep rdflib's line if it cannot tell
            ox_line, column, _ = _oxigraph_position(path)
            line = ox_line or line
        return DataLoadError(str(path), f"syntax error: {exc._why}", line, column)
    if isinstance(exc, json.JSONDecodeError):
        return DataLoadError(str(path), f"invalid JSON: {exc.msg}", exc.lineno, exc.colno)
    if isinstance(exc, xml.sax.SAXParseException):
        return DataLoadError(str(path), f"invalid XML: {exc.getMessage()}",
                             exc.getLineNumber(), exc.getColumnNumber() + 1)
    line, column, message = _oxigraph_position(path)
    return DataLoadError(str(path), message or f"{type(exc).__name__}: {exc}", line, column)


def _badsyntax_position(exc: BadSyntax) -> tuple[int, int | None]:
    """1-based line and column of a notation3/Turtle ``BadSyntax``. rdflib reports an
    offset into the text (and a line count that is one ahead after a newline); at the
    end of the input the offset is -1, then only the line is known."""
    text, offset = exc._str, exc._i
    if not 0 <= offset <= len(text):
        return exc.lines + 1, None
    newline = b"\n" if isinstance(text, bytes) else "\n"
    return text.count(newline, 0, offset) + 1, offset - (text.rfind(newline, 0, offset) + 1) + 1


def _oxigraph_position(path: Path) -> tuple[int | None, int | None, str | None]:
    """Ask pyoxigraph's parser where the error is (rdflib's N-Triples errors say only
    "Invalid line"). ``(None, None, None)`` when pyoxigraph cannot tell."""
    name = SYNTAXES[path.suffix][1]
    if name is None:
        return None, None, None
    import pyoxigraph
    try:
        for _ in pyoxigraph.parse(path=str(path), format=getattr(pyoxigraph.RdfFormat, name)):
            pass
    except SyntaxError as err:
        message = err.msg.split(": ", 1)[1] if ": " in err.msg else err.msg
        return err.lineno, err.offset, f"syntax error: {message}"
    except Exception:                  # I/O etc.: the rdflib message stands
        return None, None, None
    return None, None, None


# -- the whole dataset -----------------------------------------------------------

def load_dataset(ontology_dir, data_dir, shapes_dir, base_iri: str, *,
                 max_term_bytes: int | None = None) -> LoadedDataset:
    """Parse the three folders into one Dataset (graph names: see the module docstring),
    each file once. ``max_term_bytes``: see the module docstring (None: no limit).

    Raises ``DataLoadErrors`` listing every file that could not be parsed."""
    base = base_iri if base_iri.endswith("/") else base_iri + "/"
    ontology_graph, shapes_graph = URIRef(base + "graph/ontology"), URIRef(base + "graph/shapes")
    dataset = Dataset()
    origins: dict[Node, set[str]] = defaultdict(set)
    files: dict[str, tuple[URIRef, ...]] = {}
    data_graphs: set[URIRef] = set()
    errors: list[DataLoadError] = []

    subjects: dict[URIRef, set] = defaultdict(set)
    contexts: dict[URIRef, Graph] = {}

    def context(name: URIRef) -> Graph:
        found = contexts.get(name)
        if found is None:
            found = contexts[name] = dataset.graph(name)
        return found

    plan = [(path, ontology_graph, False) for path in rdf_files(ontology_dir)]
    plan += [(path, shapes_graph, False) for path in rdf_files(shapes_dir)]
    plan += [(path, URIRef(base + "graph/" + path.stem), True) for path in rdf_files(data_dir)]
    for path, default_name, keep_names in plan:
        syntax = SYNTAXES.get(path.suffix, ("", None))
        prefixes: dict = {}
        try:
            parsed = statements = None
            if natively_readable(path):
                # pyoxigraph's parse goes straight into the dataset: no per-file copy
                try:
                    statements = file_terms(path, syntax[1], max_term_bytes
                                            if may_hold_long_terms(path, max_term_bytes) else None,
                                            prefixes, default_name, flatten=not keep_names)
                except DataLoadError:
                    if syntax[0] in FAST_SYNTAXES:
                        raise
                    # rdflib's reading stands: its data (relative IRIs), or its error
            if statements is None:
                parsed = parse_file(path, max_term_bytes)
        except DataLoadError as err:
            errors.append(err)
            continue
        targets = set()
        if parsed is None:
            placed, statements = statements, None
            for s, _p, _o, name in placed:
                subjects[name].add(s)
            dataset.addN((s, p, o, context(name)) for s, p, o, name in placed)
            targets = {name for *_t, name in placed}
            for subject in {q[0] for q in placed}:
                origins[subject].add(str(path))
            del placed
            for prefix, namespace in prefixes.items():
                dataset.bind(prefix, namespace, override=False)
        else:
            for graph in parsed.graphs():
                if not len(graph):
                    continue
                own_name = keep_names and graph.identifier != DATASET_DEFAULT_GRAPH_ID
                name = graph.identifier if own_name else default_name
                target = context(name)
                target += graph
                targets.add(name)
                own = set(graph.subjects(unique=True))
                subjects[name] |= own
                for subject in own:
                    origins[subject].add(str(path))
            for prefix, namespace in parsed.namespaces():
                dataset.bind(prefix, namespace, override=False)
        files[str(path)] = tuple(sorted(targets)) or (default_name,)
        if keep_names:
            data_graphs.update(files[str(path)])
    if errors:
        raise DataLoadErrors(errors)
    return LoadedDataset(
        dataset=dataset,
        ontology=dataset.graph(ontology_graph),
        shapes=dataset.graph(shapes_graph),
        data_graphs=tuple(sorted(data_graphs)),
        origins={node: tuple(sorted(paths)) for node, paths in origins.items()},
        files=files,
        subjects={name: frozenset(subjects.get(name, ())) for name in data_graphs},
    )


# -- canonical serialization ----------------------------------------------------

def canonical_turtle(graph: Graph) -> str:
    """The one serialization of data files: rdflib's deterministic ``longturtle``."""
    return graph.serialize(format="longturtle")


def canonical_text(path: str | Path) -> str:
    """What the Turtle file at ``path`` reads like in canonical form."""
    graph = Graph()
    try:
        graph.parse(path, format="turtle")
    except Exception as exc:
        raise syntax_error(Path(path), exc) from exc
    return canonical_turtle(graph)


def is_canonical(path: str | Path) -> bool:
    """Whether the Turtle file at ``path`` is byte-for-byte in canonical form."""
    return Path(path).read_text(encoding="utf-8") == canonical_text(path)


def reformat(folder: str | Path, *, check: bool = False) -> list[Path]:
    """The Turtle files of ``folder`` not in canonical form; rewritten unless ``check``."""
    changed = []
    for path in rdf_files(folder):
        if path.suffix != ".ttl":
            continue
        text = canonical_text(path)
        if path.read_text(encoding="utf-8") != text:
            changed.append(path)
            if not check:
                path.write_text(text, encoding="utf-8")
    return changed
