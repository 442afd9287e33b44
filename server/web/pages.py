"""View models of the HTML pages, built from descriptions and query answers.

Everything here is a pure function of rdflib data (plus the base IRI and prefixes),
so the templates only loop and print; Jinja2 autoescaping does the escaping.
"""
from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..namespaces import SCHEMA
from .iris import compact, local_link, local_name
from .labels import PLAIN, DateSpec, date_text, humanize, literal_text

LABEL_PROPERTIES = (SKOS.prefLabel, RDFS.label, SCHEMA.name, SCHEMA.headline, DCTERMS.title)

#: The last segment of a dataset IRI that reads as words once its dashes are spaces.
SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")

Groups = tuple[tuple[str, tuple[str, ...]], ...]   # config PAGE_GROUPS (server.config.load_site)


@dataclass
class Value:
    text: str
    href: str | None = None          # local link (only IRIs under the base: iris.local_link)
    iri: str | None = None           # shown as text, never as an external link
    lang: str | None = None
    datatype: str | None = None
    sources: list[int] = field(default_factory=list)
    curie: str | None = None         # the compact name, shown small beside or under a label
    title: str | None = None         # a literal's lexical form and datatype, as a tooltip
    rows: list | None = None         # a blank node's own statements (list of Row), shown nested
    items: list | None = None        # the members of an RDF list (list of Value)


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
    """Labels, links and compact names of terms: the labels found in ``data`` first, then
    a date node's date (``dates``: the site file's ``[dates]``), then ``known`` labels
    (the ontology's and the bundled vocabulary labels: ``labels.known_labels``); an
    unlabelled resource of the dataset is named by its last IRI segment in words, any
    other term by its compact name."""

    def __init__(self, data: Graph | Dataset, base: str, prefixes: dict[str, str],
                 known: dict | None = None, dates: DateSpec | None = None):
        self.base, self.prefixes = base, prefixes
        self.known = known or {}
        self.labels: dict[URIRef, str] = {}
        quads = data.quads((None, None, None, None)) if isinstance(data, Dataset) else \
            ((s, p, o, None) for s, p, o in data)
        roles = dates.roles() if dates else {}
        self.date_facts: dict[URIRef, dict] = defaultdict(dict)
        ranked: dict[URIRef, tuple[int, str]] = {}
        for s, p, o, _g in quads:
            if p in LABEL_PROPERTIES and isinstance(o, Literal):
                rank = (LABEL_PROPERTIES.index(p), 0 if o.language in (None, "en") else 1)
                score = rank[0] * 2 + rank[1]
                if s not in ranked or score < ranked[s][0]:
                    ranked[s] = (score, str(o))
            elif p in roles:
                if roles[p] == "reading":
                    self.date_facts[s].setdefault("reading", []).append(o)
                else:
                    self.date_facts[s].setdefault(roles[p], o)
        self.labels = {s: text for s, (_, text) in ranked.items()}
        self._dates: dict[URIRef, str | None] = {}

    def add_date_facts(self, rows, roles: dict) -> None:
        """Date facts of other nodes (``rows``: dicts with ``s``, ``p``, ``o``; ``roles``:
        ``DateSpec.roles()``), for date nodes this data only names."""
        for row in rows:
            if row["p"] in roles and row["s"] not in self.labels:
                if roles[row["p"]] == "reading":
                    self.date_facts[row["s"]].setdefault("reading", []).append(row["o"])
                else:
                    self.date_facts[row["s"]].setdefault(roles[row["p"]], row["o"])
        self._dates.clear()

    def date(self, term) -> str | None:
        """The date text of a date node (None if ``term`` is not one)."""
        if term not in self.date_facts:
            return None
        if term not in self._dates:
            facts = dict(self.date_facts[term])
            readings = facts.pop("reading", [])
            if readings and "value" not in facts:        # each reading's own value, in words
                values = sorted({str(r["value"]): r["value"] for r in
                                 (self.date_facts.get(n, {}) for n in readings) if "value" in r}.items())
                facts["readings"] = [literal_text(v)[0] for _lexical, v in values]    # earliest first
            self._dates[term] = date_text(facts, self.label)
        return self._dates[term]

    def label(self, term) -> str:
        if term in self.labels:
            return self.labels[term]
        date = self.date(term)
        if date:
            return date
        if term in self.known:
            return self.known[term]
        if isinstance(term, URIRef):
            iri = str(term)
            if iri.startswith(self.base) and len(iri) > len(self.base):
                slug = local_name(iri)
                return humanize(slug) if SLUG.match(slug) else "/" + iri[len(self.base):]
            short = compact(iri, self.prefixes)
            return short if short != iri else local_name(iri)
        return str(term)

    def curie(self, term) -> str:
        return compact(str(term), self.prefixes)

    def href(self, iri) -> str | None:
        return local_link(str(iri), self.base) if isinstance(iri, URIRef) else None

    def value(self, term) -> Value:
        if isinstance(term, Literal):
            text, rewritten = literal_text(term)
            dt = str(term.datatype) if term.datatype else None
            shown = None if dt is None or dt in PLAIN or rewritten or dt == str(RDF.langString) \
                else self.label(term.datatype)
            title = f"{term} ({self.curie(term.datatype)})" if rewritten else \
                (self.curie(term.datatype) if dt else None)
            return Value(text=text, lang=term.language, datatype=shown, title=title)
        if isinstance(term, BNode):
            return Value(text="(blank node)")
        text = self.label(term)
        curie = self.curie(term)
        return Value(text=text, href=self.href(term), iri=str(term),
                     curie=curie if curie != text else None)


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
        title = info.get("title") or lab.label(URIRef(gid))
        named = None
        if article is not None:
            named = lab.value(article)
            named.text = info.get("title") or named.text
        out.append(Source(number, gid, lab.href(URIRef(gid)), title, named, quotes))
    return out


#: Kinds of terms in documents (ontologies, shapes, VoID), in the order their sections
#: come, after the dataset's own type classes (``KindOrder.top``).
DOCUMENT_KINDS = tuple(URIRef(i) for i in (
    str(OWL.Ontology), str(OWL.Class), str(RDFS.Class), str(OWL.ObjectProperty), str(OWL.DatatypeProperty),
    str(OWL.AnnotationProperty), str(RDF.Property), str(SKOS.ConceptScheme), str(SKOS.Concept),
    "http://www.w3.org/ns/shacl#NodeShape", "http://www.w3.org/ns/shacl#PropertyShape",
    "http://rdfs.org/ns/void#DatasetDescription", "http://rdfs.org/ns/void#Dataset",
    "http://www.w3.org/ns/dcat#Distribution", "http://www.w3.org/ns/dcat#DataService"))


@dataclass
class KindOrder:
    """What decides the section of a subject: the depth of each class below its root
    classes (the most specific type wins), its superclasses, and the dataset's type
    classes (``SEARCH_TYPE_CLASSES``), whose subclasses come first, in that order."""
    depth: dict[URIRef, int] = field(default_factory=dict)
    ancestors: dict[URIRef, set] = field(default_factory=dict)
    top: tuple[URIRef, ...] = ()

    @classmethod
    def from_ontology(cls, ontology: Graph, top: tuple[URIRef, ...]) -> "KindOrder":
        parents: dict[URIRef, set] = defaultdict(set)
        for sub, sup in ontology.subject_objects(RDFS.subClassOf):
            if isinstance(sub, URIRef) and isinstance(sup, URIRef) and sub != sup:
                parents[sub].add(sup)
        ancestors: dict[URIRef, set] = {}
        for c in list(parents):
            seen, todo = set(), list(parents[c])
            while todo:
                x = todo.pop()
                if x not in seen and x != c:
                    seen.add(x)
                    todo.extend(parents.get(x, ()))
            ancestors[c] = seen
        depth = {c: len(a) for c, a in ancestors.items()}
        return cls(depth, ancestors, tuple(top))

    def rank(self, cls_iri: URIRef) -> int:
        lineage = {cls_iri} | self.ancestors.get(cls_iri, set())
        for n, t in enumerate(self.top):
            if t in lineage:
                return n
        if cls_iri in DOCUMENT_KINDS:
            return len(self.top) + DOCUMENT_KINDS.index(cls_iri)
        return len(self.top) + len(DOCUMENT_KINDS)


@dataclass
class Term:
    value: Value
    anchor: str | None
    rows: list[Row]


@dataclass
class KindSection:
    title: str
    anchor: str
    kind: Value | None
    terms: list[Term]


def kind_sections(graph: Graph, lab: Labeller, order: KindOrder, anchors: bool = False) -> list[KindSection]:
    """The content of one graph (a source graph, the ontology, the shapes, VoID) by kind:
    one section per most specific class of its subjects (concepts by their scheme;
    untyped subjects by the property that points to them), ordered by ``order``, then
    by title; subjects by label, their predicates type first, then by label. With
    ``anchors``, each subject gets its last IRI segment as anchor (the first one wins)."""
    kinds: dict[tuple, list[URIRef]] = defaultdict(list)
    for s in set(graph.subjects()):
        if isinstance(s, BNode) and (None, None, s) in graph:
            continue                   # shown inside the statement that points to it
        kinds[kind_of(graph, s, lab, order)].append(s)
    sections, used = [], set()
    titles = defaultdict(int)
    for _rank, title, _kind in kinds:
        titles[title.lower()] += 1
    for key in sorted(kinds, key=lambda k: (k[0], k[1].lower(), str(k[2]))):
        _rank, title, kind = key
        if titles[title.lower()] > 1 and kind is not None:      # two classes labelled alike
            title = f"{title} ({lab.curie(kind)})"
        terms = []
        names = {s: heading(graph, s, lab) for s in kinds[key]}
        counts = defaultdict(int)
        for text in names.values():
            counts[text] += 1
        for s, text in names.items():            # still alike (two dates of one article): add the fragment
            if counts[text] > 1 and isinstance(s, URIRef):
                names[s] = f"{text} — {humanize(local_name(str(s))).lower()}"
        for s in sorted(kinds[key], key=lambda t: (names[t].lower(), str(t))):
            anchor = local_name(str(s)) if anchors and isinstance(s, URIRef) else None
            if anchor in used:
                anchor = None
            used.add(anchor)
            name = lab.value(s)
            name.text = names[s]
            terms.append(Term(name, anchor, node_rows(graph, s, lab)))
        slug = "".join(c if c.isalnum() else "-" for c in title.lower()).strip("-")
        sections.append(KindSection(title[:1].upper() + title[1:], f"kind-{slug}",
                                    lab.value(kind) if kind is not None else None, terms))
    return sections


def heading(graph: Graph, s, lab: Labeller) -> str:
    """A subject's name in a list of a graph's subjects: its label; an unlabelled part of
    another subject (a hash IRI: a date, a role) after the label of its whole, so that the
    dates of two events are told apart ("Release of Thuy Vy: November 2018 (month, stated)")."""
    own = lab.label(s)
    if isinstance(s, URIRef) and "#" in str(s) and s not in lab.labels and s not in lab.known:
        whole = URIRef(str(s).split("#", 1)[0])
        if (whole, None, None) in graph and (whole, RDF.type, OWL.Ontology) not in graph:   # not a document's term
            return f"{lab.label(whole)}: {own}"
    return own


def node_rows(graph: Graph, s, lab: Labeller, depth: int = 0) -> list[Row]:
    """The statements of ``s`` in ``graph`` as rows, type first, then by predicate
    label; blank-node values nested (RDF lists as their members), at most 4 deep."""
    cells: dict[URIRef, list] = defaultdict(list)
    for p, o in graph.predicate_objects(s):
        cells[p].append(o)
    return [Row(lab.value(p), [node_value(graph, o, lab, depth + 1)
                               for o in sorted(cells[p], key=lambda t: (lab.label(t).lower(), str(t)))])
            for p in sorted(cells, key=lambda t: (t != RDF.type, lab.label(t).lower(), str(t)))]


def node_value(graph: Graph, o, lab: Labeller, depth: int) -> Value:
    if not isinstance(o, BNode) or depth > 4:
        return lab.value(o)
    if (o, RDF.first, None) in graph:
        items, node, seen = [], o, set()
        while node is not None and node != RDF.nil and node not in seen:
            seen.add(node)
            first = graph.value(node, RDF.first)
            if first is not None:
                items.append(node_value(graph, first, lab, depth + 1))
            node = graph.value(node, RDF.rest)
        return Value(text="", items=items)
    return Value(text="", rows=node_rows(graph, o, lab, depth))


def kind_of(graph: Graph, s, lab: Labeller, order: KindOrder) -> tuple[int, str, URIRef | None]:
    """(rank, title, class) of the section of subject ``s`` in ``graph``."""
    types = [t for t in graph.objects(s, RDF.type) if isinstance(t, URIRef)]
    if not types:
        via = sorted({p for _s, p in graph.subject_predicates(s)}, key=str)
        if via:
            return (len(order.top) + len(DOCUMENT_KINDS) + 1, lab.label(via[0]), None)
        return (len(order.top) + len(DOCUMENT_KINDS) + 2, "other", None)
    best = min(types, key=lambda t: (-order.depth.get(t, 0), order.rank(t), lab.label(t).lower()))
    if best == SKOS.Concept:
        schemes = sorted(o for o in graph.objects(s, SKOS.inScheme) if isinstance(o, URIRef))
        if schemes:
            return (order.rank(best), lab.label(schemes[0]), schemes[0])
    return (order.rank(best), lab.label(best), best)
