"""A curator's commands: start a data file for a new article, record source checksums.

    new_source(text_file, data_dir, sources_dir, base_iri, slug=None) -> Scaffolded
        Copy the text into the sources folder (as received, same name) and write
        ``data/<slug>.ttl``: the graph, the article (headline from the text's first line,
        language, source file, SHA-256) and a publication-date node to complete.
    record_checksums(data_dir, sources_dir, base_iri, check=False) -> [Checksum]
        For every article a Turtle data file describes (a subject with ``<ns>sourceFile``),
        write ``schema:sha256`` of its source file in the file (canonical longturtle).
        Idempotent: a file whose checksums are current is not rewritten.

Both write only through rdflib's canonical serialization (``server.loader.canonical_turtle``),
so a file they write is already what ``python -m server format`` would make of it.
"""
from __future__ import annotations

import re
import shutil
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import PROV, RDF, RDFS

from .curation import SHA256, sha256_of
from .loader import canonical_turtle, rdf_files
from .namespaces import SCHEMA, dataset_namespaces


class CurationError(Exception):
    """A curator's command cannot do what was asked (the message says why and what to do)."""


@dataclass(frozen=True)
class Checksum:
    data_file: Path
    article: URIRef
    source_file: str
    old: str | None          # the recorded SHA-256, if any
    new: str | None          # the file's SHA-256 (None: the source file is missing)


@dataclass(frozen=True)
class Scaffolded:
    data_file: Path
    source_file: Path
    slug: str
    copied: bool             # False when the sources folder already held this very text


#: Words a slug does not end with ("court-frees-two-land-activists-on" reads cut off).
_TRAILING = {"a", "an", "the", "and", "or", "of", "on", "in", "to", "for", "at", "by", "with", "as", "from"}


def slugify(text: str, words: int = 6) -> str:
    """``Exiled KNLF Leader Sam Serey Pardoned...`` -> ``exiled-knlf-leader-sam-serey-pardoned``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())[:words]
    while len(parts) > 1 and parts[-1] in _TRAILING:
        parts.pop()
    return "-".join(parts) or "article"


def headline_of(text: str) -> str:
    """The first non-blank line of an article text (what the curator checks first)."""
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def new_source(text_file: str | Path, data_dir: str | Path, sources_dir: str | Path, base_iri: str,
               slug: str | None = None) -> Scaffolded:
    """Scaffold a data file for the article ``text_file`` (module docstring). Refuses to
    overwrite a data file, or a different text of the same name in the sources folder."""
    text_file, data_dir, sources_dir = Path(text_file), Path(data_dir), Path(sources_dir)
    if not text_file.is_file():
        raise CurationError(f"{text_file} is not a file: give the article's text file.")
    try:
        text = text_file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CurationError(f"{text_file} is not UTF-8 text: save the article as UTF-8 plain text.") from None
    headline = headline_of(text)
    slug = slug or slugify(headline)
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug):
        raise CurationError(f"slug {slug!r}: use lowercase ASCII letters and digits joined by '-'.")
    data_file = data_dir / f"{slug}.ttl"
    if data_file.exists():
        raise CurationError(f"{data_file} exists already: choose another --slug, or edit that file.")
    sources_dir.mkdir(parents=True, exist_ok=True)
    target = sources_dir / text_file.name
    copied = True
    if target.exists():
        if sha256_of(target) != sha256_of(text_file):
            raise CurationError(f"{target} exists with a different text: rename the new file, or "
                                "check which text is the one received.")
        copied = False
    elif text_file.resolve() != target.resolve():
        shutil.copyfile(text_file, target)
    data_dir.mkdir(parents=True, exist_ok=True)
    data_file.write_text(canonical_turtle(skeleton(slug, headline, target.name, sha256_of(target),
                                                   base_iri)), encoding="utf-8")
    return Scaffolded(data_file, target, slug, copied)


def skeleton(slug: str, headline: str, source_file: str, sha256: str, base_iri: str) -> Graph:
    """The graph of a new data file: its named graph, the article, its publication date."""
    ns = dataset_namespaces(base_iri)
    cpo = lambda name: URIRef(ns["cpo"] + name)         # noqa: E731
    g = Graph()
    for prefix in ("cpo", "graph", "source"):
        g.bind(prefix, ns[prefix])
    g.bind("prov", PROV)
    g.bind("schema", SCHEMA)
    graph, article = URIRef(ns["graph"] + slug), URIRef(ns["source"] + slug)
    date = URIRef(f"{article}#date")
    g.add((graph, RDF.type, cpo("SourceGraph")))
    g.add((graph, RDFS.label, Literal(f"Facts stated by {headline}", lang="en")))
    g.add((graph, PROV.wasDerivedFrom, article))
    g.add((article, RDF.type, SCHEMA.NewsArticle))
    g.add((article, SCHEMA.headline, Literal(headline, lang="en")))
    g.add((article, SCHEMA.inLanguage, Literal("en")))
    g.add((article, cpo("sourceFile"), Literal(source_file)))
    g.add((article, SHA256, Literal(sha256)))
    g.add((article, cpo("publicationDate"), date))
    g.add((date, RDF.type, cpo("ReportedDate")))
    return g


def record_checksums(data_dir: str | Path, sources_dir: str | Path, base_iri: str,
                     check: bool = False) -> list[Checksum]:
    """The articles whose recorded SHA-256 is missing or wrong; their data files are
    rewritten with the right one unless ``check`` (or the source file is missing)."""
    source_file = URIRef(dataset_namespaces(base_iri)["cpo"] + "sourceFile")
    stale = []
    for path in rdf_files(data_dir):
        if path.suffix != ".ttl":
            continue
        graph = Graph().parse(path, format="turtle")
        changed = False
        for article, name in sorted(graph.subject_objects(source_file)):
            found = Path(sources_dir) / str(name)
            new = sha256_of(found) if found.is_file() else None
            old = [str(v) for v in graph.objects(article, SHA256)]
            if old == [new] or (new is None and not check and not old):
                continue
            stale.append(Checksum(path, article, str(name), ", ".join(old) or None, new))
            if not check and new is not None:
                graph.remove((article, SHA256, None))
                graph.add((article, SHA256, Literal(new)))
                changed = True
        if changed:
            path.write_text(canonical_turtle(graph), encoding="utf-8")
    return stale


__all__ = ["CurationError", "Checksum", "Scaffolded", "new_source", "record_checksums", "skeleton",
           "slugify", "headline_of"]
