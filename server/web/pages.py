"""View models of the HTML pages, built from descriptions and query answers.

Everything here is a pure function of rdflib data (plus the base IRI and prefixes),
so the templates only loop and print; Jinja2 autoescaping does the escaping.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from ..namespaces import SCHEMA
from .iris import compact, local_link, local_name

LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, SCHEMA.name, SCHEMA.headline, DCTERMS.title)

Groups = tuple[tuple[str, tuple[str, ...]], ...]   # config PAGE_GROUPS (server.config.load_site)


@dataclass
class Value:
    text: str
    href: str | None = None          # local link (only IRIs under the base: iris.local_link)
    iri: str | None = None           # shown as text, never as an external link
    lang: str | None = None
    datatype: str | None = None
    sources: list[int] = field(default_factory=list)


@dataclass
class Row:
    predicate: Value
    values: list[Value]


@dataclass
class Section:
    title: str
    rows: list[Row]


@dataclass
class Source:
    number: int
    graph: str
    href: str | None
    title: str
    article: Value | None
    quotes: list[str] = field(default_factory=list)


class Labeller:
    """Labels, links and compact names of terms, from the labels found in ``data``."""

    def __init__(self, data: Graph | Dataset, base: str, prefixes: dict[str, str]):
        self.base, self.prefixes = base, prefixes
        self.labels: dict[URIRef, str] = {}
        quads = data.quads((None, None, None, None)) if isinstance(data, Dataset) else \
            ((s, p, o, None) for s, p, o in data)
        ranked: dict[URIRef, tuple[int, str]] = {}
        for s, p, o, _g in quads:
            if p in LABEL_PROPERTIES and isinstance(o, Literal):
                rank = (LABEL_PROPERTIES.index(p), 0 if o.language in (None, "en") else 1)
                score = rank[0] * 2 + rank[1]
                if s not in ranked or score < ranked[s][0]:
                    ranked[s] = (score, str(o))
        self.labels = {s: text for s, (_, text) in ranked.items()}

    def label(self, term) -> str:
        if term in self.labels:
            return self.labels[term]
        if isinstance(term, URIRef):
            short = compact(str(term), self.prefixes)
            return short if short != str(term) else local_name(str(term))
        return str(term)

    def href(self, iri) -> str | None:
        return local_link(str(iri), self.base) if isinstance(iri, URIRef) else None

    def value(self, term) -> Value:
        if isinstance(term, Literal):
            dt = compact(str(term.datatype), self.prefixes) if term.datatype else None
            return Value(text=str(term), lang=term.language, datatype=dt)
        if isinstance(term, BNode):
            return Value(text="(blank node)")
        return Value(text=self.label(term), href=self.href(term), iri=str(term))


def sections_for(data: Dataset, subject: URIRef, lab: Labeller,
                 source_numbers: dict[str, int], groups: Groups) -> list[Section]:
    """The statements of ``subject`` in ``data``, grouped by ``groups`` (title, property
    local names; the rest under "Other"), each value with its sources."""
    group_of = {name: title for title, names in groups for name in names}
    cells: dict[URIRef, dict] = defaultdict(dict)
    for _s, p, o, g in data.quads((subject, None, None, None)):
        cell = cells[p].setdefault(o, set())
        gid = str(getattr(g, "identifier", g))
        if gid in source_numbers:
            cell.add(source_numbers[gid])
    grouped: dict[str, list[Row]] = defaultdict(list)
    for p in sorted(cells, key=lambda t: (t != RDF.type, lab.label(t).lower())):
        values = []
        for o in sorted(cells[p], key=lambda t: lab.label(t).lower()):
            v = lab.value(o)
            v.sources = sorted(cells[p][o])
            values.append(v)
        grouped[group_of.get(local_name(str(p)), "Other")].append(Row(lab.value(p), values))
    order = [title for title, _ in groups] + ["Other"]
    return [Section(t, grouped[t]) for t in order if grouped.get(t)]


def hash_children(data: Dataset, iri: URIRef) -> list[URIRef]:
    prefix = str(iri) + "#"
    return sorted({s for s in data.subjects() if isinstance(s, URIRef) and str(s).startswith(prefix)})


def types_of(data: Dataset, iri: URIRef, lab: Labeller) -> list[Value]:
    return [lab.value(t) for t in sorted(set(data.objects(iri, RDF.type)), key=str)]


def incoming(data: Dataset, iri: URIRef, lab: Labeller) -> list[tuple[Value, Value]]:
    own = str(iri) + "#"
    rows = set()
    for s, p, _o, _g in data.quads((None, None, iri, None)):
        if s != iri and not str(s).startswith(own):
            rows.add((s, p))
    return [(lab.value(s), lab.value(p)) for s, p in
            sorted(rows, key=lambda r: (lab.label(r[0]).lower(), str(r[1])))]


def sources(data: Dataset, iri: URIRef, graph_info: dict[str, dict], lab: Labeller,
            evidence: URIRef) -> list[Source]:
    """The named graphs the statements about ``iri`` (and its hash children) come from,
    numbered, with the article each graph was derived from and its evidence quotes."""
    own = str(iri)
    graphs = sorted({str(getattr(g, "identifier", g)) for s, _p, _o, g in data.quads((None, None, None, None))
                     if isinstance(s, URIRef) and (s == iri or str(s).startswith(own + "#"))})
    out = []
    for number, gid in enumerate(graphs, start=1):
        info = graph_info.get(gid, {})
        article = URIRef(info["source"]) if info.get("source") else None
        quotes = sorted({str(o) for s, p, o, g in data.quads((None, evidence, None, None))
                         if str(getattr(g, "identifier", g)) == gid and
                         (s == iri or str(s).startswith(own + "#"))})
        out.append(Source(number, gid, lab.href(URIRef(gid)), info.get("label") or lab.label(URIRef(gid)),
                          lab.value(article) if article else None, quotes))
    return out


def graph_facts(graph: Graph, lab: Labeller) -> list[tuple[Value, list[tuple[Value, Value]]]]:
    """The content of one source graph, by subject: (subject, [(predicate, value)])."""
    out = []
    for s in sorted(set(graph.subjects()), key=lambda t: lab.label(t).lower()):
        pairs = sorted(((p, o) for p, o in graph.predicate_objects(s)),
                       key=lambda po: (po[0] != RDF.type, lab.label(po[0]).lower(), str(po[1])))
        out.append((lab.value(s), [(lab.value(p), lab.value(o)) for p, o in pairs]))
    return out

